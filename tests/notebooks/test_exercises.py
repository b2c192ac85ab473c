"""Gate 3 for the notebooks: every exercise master and every student copy, run for real.

Each master in ``exercises/masters/`` runs top to bottom in an emptied kernel, as the
grader runs a submission (:func:`funnelsim.exercises.notebook.run_submission`): no
cell may raise, every check it shows must have passed (every "N of M" in its
outputs has N = M, the summary included), and the grader, running every check
visible and hidden on the answers it set, gives it full points. Each student copy
runs the same way: no cell may raise (``...`` is a valid answer), and every
question is "not done yet", in the notebook's summary and in the grade.

Both are the grader's own path, so these runs also prove that a correct and an
empty submission grade as they should; ``tests/test_exercise.py`` keeps only the
grader cases that need other notebooks (a partial and a cheating submission). The
kernels use Unix sockets, so the runs go in parallel with papermill's and nbval's
(``make notebooks``); ``make unit`` leaves this folder out, so nothing runs twice.

Only the kernel differs from a real grading run: the notebooks run in this xdist
worker's kernel (``conftest.py``), passed to the grader as ``km=`` so that
:func:`~funnelsim.exercises.notebook.reset_kernel` empties its namespace, moves it
to the notebook's folder and sets the student id before each one, as a fresh kernel
would have them. That saves the ~3.5 CPU-s of a kernel start per notebook;
everything else (the appended answers cell, reading the answers, the errors, the
grade) is the grader's own code, and ``tests/test_exercise.py`` grades a folder in
fresh kernels.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from funnelsim.exercises import DEFAULT_STUDENT_ID, EXERCISES, NOT_DONE, get
from funnelsim.exercises.notebook import Submission, run_submission, score_submission
from tests.notebooks.kernels import SharedKernelManager

ROOT = Path(__file__).resolve().parents[2]
MASTERS = sorted((ROOT / "exercises" / "masters").glob("*.ipynb"))
STUDENT = ROOT / "exercises" / "student"
PASSED = re.compile(r"(\d+) of (\d+) (?:visible )?checks? passed")
TIMEOUT = 120.0  # seconds per cell, as the grader's default


def _errors(run: Submission) -> str:
    """The first error of a run, for the failure message."""
    for i in run.errors:
        for out in run.notebook.cells[i].get("outputs", []):
            if out.get("output_type") == "error":
                return f"cell {i}: {out.get('ename')}: {out.get('evalue')}"
    return run.problem


def _shown(run: Submission) -> str:
    """Everything the notebook's own cells showed (the grader's cell left out)."""
    return "\n".join(run.outputs(i) for i in range(len(run.notebook.cells) - 1))


def test_there_are_exercises_and_every_one_has_a_master():
    assert MASTERS, "no exercise masters found in exercises/masters"
    assert sorted(m.stem for m in MASTERS) == sorted(EXERCISES), (
        "exercises/masters and funnelsim.exercises.EXERCISES must name the same exercises"
    )


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_master_runs_with_every_check_passing(master: Path, kernel: SharedKernelManager):
    run = run_submission(master, timeout=TIMEOUT, student=DEFAULT_STUDENT_ID, km=kernel)
    name = f"exercises/masters/{master.name}"
    assert not run.errors and not run.problem, f"{name}: {_errors(run)}"
    shown = _shown(run)
    counts = [(int(a), int(b)) for a, b in PASSED.findall(shown)]
    assert counts, f"{name}: shows no check results (no ex.check(...) or ex.summary(globals()))"
    failed = [f"{a} of {b}" for a, b in counts if a != b]
    assert not failed, f"{name}: visible checks failed ({', '.join(failed)}):\n{shown}"
    assert NOT_DONE not in shown, f"{name}: a question is '{NOT_DONE}' in the master"
    assert "visible checks passed" in shown or "visible check passed" in shown, (
        f"{name}: must end with ex.summary(globals())"
    )
    grade = score_submission(run)
    lost = grade[grade["points"] < grade["max_points"]]
    assert lost.empty, f"{name}: the grader (hidden checks too) says {lost.to_dict('records')}"


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_student_copy_runs_and_every_question_is_not_done_yet(
    master: Path, kernel: SharedKernelManager
):
    copy = STUDENT / master.name
    name = f"exercises/student/{master.name}"
    assert copy.is_file(), f"{name} is missing: run python -m funnelsim.exercises generate"
    assert not any(
        c.get("outputs") for c in nbformat.read(copy, as_version=4).cells if c.cell_type == "code"
    ), f"{name}: a student copy is committed without outputs"
    run = run_submission(copy, timeout=TIMEOUT, student=DEFAULT_STUDENT_ID, km=kernel)
    assert not run.errors and not run.problem, f"{name}: {_errors(run)}"
    shown = _shown(run)
    counts = [(int(a), int(b)) for a, b in PASSED.findall(shown)]
    assert counts and all(a == 0 for a, _ in counts), f"{name}: its summary must pass nothing"
    grade = score_submission(run)
    spec = get(run.exercise)
    assert list(grade["question"]) == [q.name for q in spec.questions]
    assert (grade["feedback"] == NOT_DONE).all(), (
        f"{name}: every question must be '{NOT_DONE}', got {grade['feedback'].tolist()}"
    )
    assert (grade["points"] == 0).all()
