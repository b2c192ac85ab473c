"""Student copies from masters, and a grader that scores a folder of submissions.

The generator follows otter-grader's master format for solutions (``# BEGIN SOLUTION`` /
``# END SOLUTION`` blocks and ``# SOLUTION`` lines in code cells; ``<!-- BEGIN SOLUTION
-->`` / ``<!-- END SOLUTION -->`` in markdown cells); see :mod:`funnelsim.exercises` for why
it is not otter-grader itself. It reads and writes notebooks with nbformat and executes
them with nbclient (both part of the Jupyter stack the course already installs), one fresh
kernel per notebook with a per-cell timeout.

A caller that runs many trusted notebooks (the course's own test gate runs every master and
student copy) can pass a running kernel instead (``km=`` of :func:`run_submission`): its
namespace is emptied with IPython's ``%reset -f`` before each notebook
(:func:`reset_kernel`), which saves the ~3 CPU-s of starting a kernel and importing
funnelsim, pandas and altair. Imported modules and their state carry over, so grading
students' submissions keeps one fresh kernel each (a submission could patch a module the
next one uses).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from funnelsim.exercises import (
    EXERCISES,
    NOT_DONE,
    STUDENT_ID_ENV,
    _plural,
    from_export,
    get,
    run_checks,
    student_seed,
)

__all__ = [
    "GRADE_COLUMNS",
    "MASTERS",
    "STUDENT",
    "Submission",
    "grade_folder",
    "grade_notebook",
    "grade_totals",
    "main",
    "reset_kernel",
    "run_submission",
    "score_submission",
    "stale_copies",
    "student_copy",
    "write_student_copies",
]

#: Where masters and generated student copies live, relative to the repository root.
MASTERS = Path("exercises/masters")
STUDENT = Path("exercises/student")
#: The columns of the grade table.
GRADE_COLUMNS = ("student", "exercise", "question", "points", "max_points", "feedback")

_BEGIN = re.compile(r"^(\s*)#\s*BEGIN SOLUTION\b.*$")
_END = re.compile(r"^\s*#\s*END SOLUTION\b.*$")
_LINE = re.compile(r"^(\s*)(.*?)\s*#\s*SOLUTION\s*$")
_MD = re.compile(r"<!--\s*BEGIN SOLUTION\s*-->.*?<!--\s*END SOLUTION\s*-->", re.DOTALL)
_MARKER = "FUNNELSIM-ANSWERS "
_TARGET = re.compile(r"^[A-Za-z_][\w.]*(\[[^\]]*\])?(\s*,\s*[A-Za-z_][\w.]*)*$")


def _strip_code(source: str, where: str) -> str:
    out: list[str] = []
    inside: str | None = None
    for number, line in enumerate(source.splitlines(), start=1):
        if inside is not None:
            if _END.match(line):
                out.append(f"{inside}...")
                inside = None
            elif _BEGIN.match(line):
                raise ValueError(f"{where}, line {number}: BEGIN SOLUTION inside a solution")
            continue
        begin = _BEGIN.match(line)
        if begin:
            inside = begin.group(1)
            continue
        if _END.match(line):
            raise ValueError(f"{where}, line {number}: END SOLUTION without BEGIN SOLUTION")
        single = _LINE.match(line)
        if single:
            indent, code = single.groups()
            left, sep, right = code.partition("=")
            if not sep or right.startswith("=") or not _TARGET.match(left.strip()):
                raise ValueError(
                    f"{where}, line {number}: a '# SOLUTION' line must be an assignment "
                    f"'name = value', got {code!r}"
                )
            out.append(f"{indent}{left.rstrip()} = ...")
            continue
        out.append(line)
    if inside is not None:
        raise ValueError(f"{where}: BEGIN SOLUTION without END SOLUTION")
    return "\n".join(out)


def student_copy(master: Any, *, name: str = "master") -> Any:
    """The student copy of a master notebook (an ``nbformat.NotebookNode``; a new object).

    Solutions become ``...``, outputs and execution counts are cleared, the cell ids and
    the notebook's metadata are kept. Applying it to a student copy returns the same copy
    (idempotent).

    Raises
    ------
    ValueError
        If a solution marker is unbalanced; the message names the notebook, cell and line.
    """
    import nbformat

    nb = nbformat.from_dict(json.loads(json.dumps(master)))
    for index, cell in enumerate(nb.cells):
        where = f"{name}, cell {index}"
        if cell.cell_type == "code":
            cell.source = _strip_code(cell.source, where)
            cell.outputs = []
            cell.execution_count = None
        elif cell.cell_type == "markdown":
            cell.source = _MD.sub("_Type your answer here._", cell.source)
        cell.metadata.pop("execution", None)
    return nb


def _dumps(nb: Any) -> str:
    import nbformat

    return nbformat.writes(nb) + "\n"


def _pairs(masters: Path, student: Path) -> list[tuple[Path, Path]]:
    found = sorted(masters.glob("*.ipynb"))
    return [(m, student / m.name) for m in found]


def write_student_copies(masters: Path = MASTERS, student: Path = STUDENT) -> list[Path]:
    """Write the student copy of every master in ``masters`` to ``student``.

    Returns the copies whose content changed (empty when all were up to date).
    """
    import nbformat

    student.mkdir(parents=True, exist_ok=True)
    changed = []
    for master, copy in _pairs(masters, student):
        text = _dumps(student_copy(nbformat.read(master, as_version=4), name=master.name))
        if not copy.exists() or copy.read_text(encoding="utf-8") != text:
            copy.write_text(text, encoding="utf-8")
            changed.append(copy)
    return changed


def stale_copies(masters: Path = MASTERS, student: Path = STUDENT) -> list[Path]:
    """Student copies that are missing or differ from what their master generates."""
    import nbformat

    stale = []
    for master, copy in _pairs(masters, student):
        text = _dumps(student_copy(nbformat.read(master, as_version=4), name=master.name))
        if not copy.exists() or copy.read_text(encoding="utf-8") != text:
            stale.append(copy)
    return stale


# ---------------------------------------------------------------------------------------
# Executing and grading


@contextmanager
def _student_env(student: str) -> Iterator[None]:
    old = os.environ.get(STUDENT_ID_ENV)
    os.environ[STUDENT_ID_ENV] = student
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(STUDENT_ID_ENV, None)
        else:
            os.environ[STUDENT_ID_ENV] = old


def _ipc_kernel_manager() -> Any:
    """A KernelManager on Unix sockets, so graders running side by side never share a port.

    jupyter_client picks TCP ports by binding to port 0 and closing the socket; two
    processes doing it at once can be handed the same port ("Address already in use").
    ``transport="ipc"`` names each kernel's sockets after a fresh UUID instead (the same
    fix as ``tests/notebooks/kernels.py``; jupyter_client's ``KernelManager.transport``).
    """
    import uuid

    from jupyter_client.manager import KernelManager
    from jupyter_core.paths import jupyter_runtime_dir

    class IPCKernelManager(KernelManager):
        def __init__(self, **kwargs: Any) -> None:
            if sys.platform != "win32":  # no IPC transport on Windows: TCP ports there
                runtime = jupyter_runtime_dir()
                os.makedirs(runtime, exist_ok=True)
                kwargs.setdefault("transport", "ipc")
                kwargs.setdefault("ip", os.path.join(runtime, f"kernel-{uuid.uuid4().hex}-ipc"))
            super().__init__(**kwargs)

    return IPCKernelManager


def reset_kernel(km: Any, cwd: Path, env: dict[str, str] | None = None) -> None:
    """Make a running kernel as a fresh one for the next notebook: an empty namespace.

    Restarts the kernel if it died; otherwise runs IPython's ``%reset -f`` in it (every
    user variable, imported name and output history goes), changes its working directory
    to ``cwd`` and sets ``env`` in its ``os.environ``. Only imported modules (and their
    state) carry over.

    Parameters
    ----------
    km : jupyter_client.KernelManager
        The manager of a started IPython kernel.
    cwd : pathlib.Path
        The folder the next notebook runs in.
    env : dict of str to str, optional
        Environment variables to set in the kernel (the student id, for example).

    Raises
    ------
    RuntimeError
        If the kernel does not answer within 60 s or the reset fails.
    """
    if not km.is_alive():
        km.restart_kernel(now=True)
    code = f"%reset -f\nimport os as _os\n_os.chdir({str(cwd)!r})\n"
    code += "".join(f"_os.environ[{k!r}] = {v!r}\n" for k, v in (env or {}).items())
    code += "del _os\n"
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        reply = kc.execute_interactive(code, silent=True, timeout=60)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"resetting the kernel failed: {reply['content']}")
    finally:
        kc.stop_channels()


def execute(
    nb: Any, *, student: str, timeout: float = 120.0, cwd: Path | None = None, km: Any = None
) -> Any:
    """Run ``nb`` top to bottom as ``student``; errors stay in the outputs.

    The kernel has ``FUNNELSIM_STUDENT=student`` in its environment. It is a fresh one,
    shut down afterwards, unless ``km`` (a running kernel's manager) is given: then the
    notebook runs in that kernel after :func:`reset_kernel`, and the kernel keeps running.
    A cell running longer than ``timeout`` seconds stops the run
    (``nbclient.exceptions.CellTimeoutError``; a given kernel is restarted then, so the
    cell stops too).
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError

    if km is not None:
        folder = Path(cwd) if cwd is not None else Path.cwd()
        reset_kernel(km, folder, {STUDENT_ID_ENV: student})
        client = NotebookClient(
            nb, km=km, timeout=timeout, kernel_name="python3", allow_errors=True
        )
        try:
            client.execute()
        except CellTimeoutError:
            km.restart_kernel(now=True)
            raise
        finally:
            if client.kc is not None:
                client.kc.stop_channels()
        return nb
    with _student_env(student), tempfile.TemporaryDirectory() as tmp:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=True,
            kernel_manager_class=_ipc_kernel_manager(),
            resources={"metadata": {"path": str(cwd or tmp)}},
        )
        client.execute()
    return nb


def exercise_of(nb: Any, path: Path) -> str:
    """The exercise id of a notebook: its ``funnelsim.exercise`` metadata.

    Raises
    ------
    ValueError
        If the metadata is missing or names an unknown exercise.
    """
    meta = nb.metadata.get("funnelsim", {}).get("exercise")
    if meta not in EXERCISES:
        raise ValueError(
            f"{path.name}: metadata funnelsim.exercise must be one of {sorted(EXERCISES)}, "
            f"got {meta!r} (is it a funnelsim exercise notebook?)"
        )
    return str(meta)


def _answers(nb: Any) -> dict[str, Any] | None:
    for output in nb.cells[-1].get("outputs", []):
        text = output.get("text", "")
        for line in text.splitlines():
            if line.startswith(_MARKER):
                loaded = json.loads(line[len(_MARKER) :])
                return loaded if isinstance(loaded, dict) else None
    return None


@dataclass
class Submission:
    """One notebook run top to bottom in a fresh kernel, as the grader runs it."""

    #: The notebook file.
    path: Path
    #: The student id it ran as (``FUNNELSIM_STUDENT`` in its kernel).
    student: str
    #: The exercise id from its metadata.
    exercise: str
    #: The executed notebook (an ``nbformat.NotebookNode``), the grader's cell appended last.
    notebook: Any
    #: The answers the notebook set (:func:`funnelsim.exercises.export_answers`), or None.
    answers: dict[str, Any] | None
    #: Why the answers could not be read ("" when they were).
    problem: str
    #: Indices of the notebook's own cells that raised.
    errors: list[int]

    def crash(self) -> str:
        """How the notebook failed, for the instructor: "" when no cell of its own raised.

        ``"your notebook stopped with SyntaxError in cell 4"``: the first cell that
        raised, counted from 1 as the notebook shows them, and the error's class.
        """
        if not self.errors:
            return ""
        first = self.errors[0]
        name = "an error"
        if self.notebook is not None:
            for output in self.notebook.cells[first].get("outputs", []):
                if output.get("output_type") == "error":
                    name = str(output.get("ename") or name)
                    break
        more = len(self.errors) - 1
        also = f" (and {_plural(more, 'more cell')})" if more else ""
        return f"your notebook stopped with {name} in cell {first + 1}{also}"

    def outputs(self, index: int) -> str:
        """The text a cell printed or displayed (stream and ``text/plain`` outputs)."""
        parts = []
        for output in self.notebook.cells[index].get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            parts.append("".join(text) if isinstance(text, list) else str(text))
        return "\n".join(parts)


def run_submission(
    path: Path, *, timeout: float = 120.0, student: str | None = None, km: Any = None
) -> Submission:
    """Execute one exercise notebook in a fresh kernel and read back its answers.

    The student id is ``student`` or the file name without ``.ipynb``. ``km``, a running
    kernel's manager, runs the notebook in that kernel instead, its namespace emptied
    first (:func:`reset_kernel`; for trusted notebooks only: module state carries over). After the
    notebook's cells, one cell is appended that prints the answers as JSON
    (:func:`funnelsim.exercises.export_answers`); errors in the notebook's own cells stay
    in its outputs and are listed in :attr:`Submission.errors`.

    Raises
    ------
    ValueError
        If the notebook's metadata names no known exercise (:func:`exercise_of`).
    """
    import nbformat
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    path = Path(path)
    who = student or path.stem
    nb = nbformat.read(path, as_version=4)
    exercise = exercise_of(nb, path)
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import json as _fs_json\n"
            "from funnelsim.exercises import export_answers as _fs_export\n"
            f"print({_MARKER!r} + _fs_json.dumps(_fs_export({exercise!r}, globals())))"
        )
    )
    problem = ""
    answers: dict[str, Any] | None = None
    try:
        execute(nb, student=who, timeout=timeout, cwd=path.parent, km=km)
        answers = _answers(nb)
        if answers is None:
            problem = "the notebook's answers could not be read (did it stop the kernel?)"
    except CellTimeoutError:
        problem = f"a cell ran longer than the {timeout:g} s limit"
    except DeadKernelError:
        problem = "the kernel died while running the notebook"
    errors = [
        i
        for i, cell in enumerate(nb.cells[:-1])
        if any(o.get("output_type") == "error" for o in cell.get("outputs", []))
    ]
    return Submission(path, who, exercise, nb, answers, problem, errors)


def score_submission(submission: Submission) -> pd.DataFrame:
    """Run every check, visible and hidden, on a run's answers, in this process.

    A question scores its points when all its checks pass. An answer left unset scores 0
    ("not done yet") whether the student skipped it or a cell raised first; when a cell
    raised, the feedback says so (:meth:`Submission.crash`), so the two can be told apart.

    Returns
    -------
    pandas.DataFrame
        One row per question, columns :data:`GRADE_COLUMNS`; ``attrs["errors"]`` maps
        the student to :attr:`Submission.errors` and ``attrs["crashes"]`` to
        :meth:`Submission.crash`.
    """
    spec = get(submission.exercise)
    seed = student_seed(submission.exercise, submission.student)
    who, answers = submission.student, submission.answers
    crash = submission.crash()
    error = f" — error: {crash}" if crash else ""
    rows = []
    for q in spec.questions:
        if answers is None:
            rows.append((who, spec.id, q.name, 0.0, float(q.points), submission.problem + error))
            continue
        outcomes = run_checks(q, from_export(answers.get(q.name)), seed, hidden=True)
        passed = sum(o.passed for o in outcomes)
        if passed == len(outcomes):
            feedback = f"{passed} of {_plural(len(outcomes), 'check')} passed"
        elif outcomes[0].feedback == NOT_DONE:
            feedback = NOT_DONE + error
        else:
            first = next(o.feedback for o in outcomes if not o.passed)
            feedback = f"{passed} of {_plural(len(outcomes), 'check')} passed: {first}"
        points = float(q.points) if passed == len(outcomes) else 0.0
        rows.append((who, spec.id, q.name, points, float(q.points), feedback))
    table = pd.DataFrame(rows, columns=list(GRADE_COLUMNS))
    table.attrs["errors"] = {who: list(submission.errors)}
    table.attrs["crashes"] = {who: crash}
    return table


#: The columns of :func:`grade_totals`.
TOTAL_COLUMNS = ("student", "exercise", "points", "max_points", "score", "notebook")


def grade_totals(table: pd.DataFrame) -> pd.DataFrame:
    """One row per student and exercise: the points of a grade table summed.

    Parameters
    ----------
    table : pandas.DataFrame
        A table of :func:`grade_folder` or :func:`score_submission` (columns
        :data:`GRADE_COLUMNS`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TOTAL_COLUMNS`: ``points`` and ``max_points`` summed over the
        questions, ``score`` as ``"4 / 10"``, and ``notebook``: ``"ran"`` or how it
        stopped (:meth:`Submission.crash`, from ``attrs["crashes"]``).

    Examples
    --------
    >>> t = pd.DataFrame([("ann", "ex", "a", 2.0, 2.0, ""), ("ann", "ex", "b", 0.0, 3.0, "")],
    ...                  columns=list(GRADE_COLUMNS))
    >>> grade_totals(t)[["student", "score"]].to_dict("records")
    [{'student': 'ann', 'score': '2 / 5'}]
    """
    crashes = table.attrs.get("crashes", {})
    sums = (
        table.groupby(["student", "exercise"], sort=False)[["points", "max_points"]]
        .sum()
        .reset_index()
    )
    sums["score"] = [
        f"{p:g} / {m:g}" for p, m in zip(sums["points"], sums["max_points"], strict=True)
    ]
    sums["notebook"] = [crashes.get(who) or "ran" for who in sums["student"]]
    return sums[list(TOTAL_COLUMNS)]


def grade_notebook(
    path: Path, *, timeout: float = 120.0, student: str | None = None
) -> pd.DataFrame:
    """Execute one submitted notebook in a fresh kernel and score every question.

    The student id is ``student`` or the file name without ``.ipynb``; their seed is
    :func:`funnelsim.exercises.student_seed` of it. After the student's cells, the grader
    appends one cell that prints the answers as JSON, and runs every check, visible and
    hidden, in its own process (:func:`run_submission`, then :func:`score_submission`).
    A question scores its points when all its checks pass.

    Returns
    -------
    pandas.DataFrame
        One row per question, columns :data:`GRADE_COLUMNS`; ``attrs["errors"]`` maps
        the student to the indices of the cells that raised (a notebook with errors is
        still graded: the answers it did set are checked).
    """
    return score_submission(run_submission(path, timeout=timeout, student=student))


def grade_folder(folder: Path, *, timeout: float = 120.0) -> pd.DataFrame:
    """Score every ``*.ipynb`` in ``folder`` (one per student, named ``<student id>.ipynb``).

    Returns
    -------
    pandas.DataFrame
        One row per student and question, columns :data:`GRADE_COLUMNS`, students in
        file-name order; ``attrs["errors"]`` as in :func:`grade_notebook`.

    Raises
    ------
    ValueError
        If ``folder`` is not a directory or holds no notebook.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"folder must be a directory of submitted notebooks, got {str(folder)!r}")
    files = sorted(folder.glob("*.ipynb"))
    if not files:
        raise ValueError(f"folder {str(folder)!r} holds no .ipynb submission")
    frames = [grade_notebook(f, timeout=timeout) for f in files]
    table = pd.concat(frames, ignore_index=True)
    table.attrs["errors"] = {k: v for f in frames for k, v in f.attrs["errors"].items()}
    table.attrs["crashes"] = {k: v for f in frames for k, v in f.attrs["crashes"].items()}
    return table


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``generate [--check]``, ``grade FOLDER [--out CSV]``, ``seed ID STUDENT``.

    Returns the exit status: 0 success, 1 stale copies or a failed run (one line on
    stderr), 2 a wrong command line.
    """
    parser = argparse.ArgumentParser(prog="funnelsim exercise", description=main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="write the student copies of every master")
    gen.add_argument("--masters", type=Path, default=MASTERS)
    gen.add_argument("--student", type=Path, default=STUDENT)
    gen.add_argument("--check", action="store_true", help="only report stale copies (exit 1)")
    grade = sub.add_parser("grade", help="score a folder of submitted notebooks")
    grade.add_argument("folder", type=Path)
    grade.add_argument("--out", type=Path, help="write the table as CSV here")
    grade.add_argument("--timeout", type=float, default=120.0, help="seconds per cell")
    seed = sub.add_parser("seed", help="print a student's seed for an exercise")
    seed.add_argument("exercise", choices=sorted(EXERCISES))
    seed.add_argument("student")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return int(exc.code) if isinstance(exc.code, int) else 2
    try:
        return _run(args)
    except (ValueError, OSError) as err:
        sys.stderr.write(f"funnelsim exercise: error: {err}\n")
        return 1


def _run(args: argparse.Namespace) -> int:
    if args.command == "generate":
        if args.check:
            stale = stale_copies(args.masters, args.student)
            for path in stale:
                sys.stderr.write(f"out of date with its master: {path}\n")
            return 1 if stale else 0
        for path in write_student_copies(args.masters, args.student):
            sys.stdout.write(f"wrote {path}\n")
        return 0
    if args.command == "grade":
        table = grade_folder(args.folder, timeout=args.timeout)
        if args.out:
            table.to_csv(args.out, index=False)
        sys.stdout.write(table.to_string(index=False) + "\n")
        sys.stdout.write("\nTotal per student:\n")
        sys.stdout.write(grade_totals(table).to_string(index=False) + "\n")
        return 0
    sys.stdout.write(f"{student_seed(args.exercise, args.student)}\n")
    return 0
