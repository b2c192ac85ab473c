"""Tests of funnelsim.exercises: seeds, the student-copy generator, the checks, the grader."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import funnelsim as fs
from funnelsim.exercises import (
    NOT_DONE,
    STUDENT_ID_ENV,
    Exercise,
    export_answers,
    from_export,
    get,
    main,
    student_seed,
)
from funnelsim.exercises import aaarrr_funnel as ex02
from funnelsim.exercises.notebook import (
    GRADE_COLUMNS,
    grade_folder,
    stale_copies,
    student_copy,
)
from tests.exercise_helpers import ExerciseChecks

ROOT = Path(__file__).resolve().parents[1]
MASTERS = ROOT / "exercises" / "masters"
STUDENT = ROOT / "exercises" / "student"
SPEC = get("02_aaarrr_funnel")
CHECKS = ExerciseChecks(SPEC)


def _honest(seed: int) -> dict:
    """What a correct student with ``seed`` answers (computed from first principles)."""
    funnel = fs.aaarrr(acquisition=0.3, activation=0.25, retention=0.6, revenue=0.35, referral=0.3)
    counts = fs.simulate(funnel, 20_000, seed=seed).counts[0]
    growth = fs.simulate_growth(
        12,
        funnel=funnel,
        new_leads=20_000,
        rate_changes={"activation": fs.step_change(0.25, 0.45, at=7)},
        churn=0.04,
        arpu=8,
        margin=0.8,
        initial_customers=7_875,
        seed=seed,
    )
    new = growth.periods.set_index("period")["new_customers"]
    return {
        "reach_revenue": 0.3 * 0.25 * 0.6 * 0.35,
        "biggest_drop": "Activation",
        "paying_customers": int(counts[4]),
        "revenue_step_rate": counts[4] / counts[3],
        "ltv_dollars": 96 / 12 * 0.8 / 0.04,
        "new_customers_ratio": new[7] / new[6],
    }


# --- seeds ---------------------------------------------------------------------------------


def test_student_seed_is_stable_and_own(monkeypatch):
    seeds = {student_seed("02_aaarrr_funnel", s) for s in ("alice", "bob", "carol", "dan")}
    assert len(seeds) == 4
    assert all(0 <= s < 2**32 for s in seeds)
    monkeypatch.setenv(STUDENT_ID_ENV, "alice")
    assert Exercise("02_aaarrr_funnel").seed == student_seed("02_aaarrr_funnel", "alice")


@pytest.fixture
def _no_student_env(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNNELSIM_PROGRESS_DIR", str(tmp_path / "progress"))
    for name in ("FUNNELSIM_STUDENT", "FUNNELSIM_STUDENT_ID", "JUPYTERHUB_USER"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("_no_student_env")
def test_exercises_and_quizzes_share_one_student_id(monkeypatch):
    from funnelsim.quiz.progress import student_id as quiz_student_id

    # no variable: the quizzes' stored random id, not one id shared by every laptop
    assert Exercise("02_aaarrr_funnel").student == quiz_student_id() != "example"
    monkeypatch.setenv("JUPYTERHUB_USER", "hubuser")
    assert Exercise("02_aaarrr_funnel").student == quiz_student_id() == "hubuser"
    monkeypatch.setenv("FUNNELSIM_STUDENT_ID", "old-name")  # the older name still works
    assert Exercise("02_aaarrr_funnel").student == quiz_student_id() == "old-name"
    monkeypatch.setenv("FUNNELSIM_STUDENT", "alice")
    assert Exercise("02_aaarrr_funnel").student == quiz_student_id() == "alice"


def test_student_seed_is_the_documented_hash():
    import hashlib

    digest = hashlib.sha256(b"funnelsim-exercise:02_aaarrr_funnel:alice").digest()
    assert student_seed("02_aaarrr_funnel", "alice") == int.from_bytes(digest[:8], "big") % 2**32


def test_bad_ids_are_refused():
    known = r"exercise must be one of \[('[0-9a-z_]+', )*'02_aaarrr_funnel'"
    with pytest.raises(ValueError, match=known):
        Exercise("99_nothing")
    with pytest.raises(ValueError, match="student must be a non-empty id"):
        student_seed("02_aaarrr_funnel", "  ")
    with pytest.raises(TypeError, match="student must be a string, got 7"):
        student_seed("02_aaarrr_funnel", 7)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"question must be one of .* got 'nope'"):
        Exercise("02_aaarrr_funnel").check("nope", 1)


# --- the generator -------------------------------------------------------------------------


def _master() -> nbformat.NotebookNode:
    return nbformat.read(MASTERS / "02_aaarrr_funnel.ipynb", as_version=4)


def test_student_copies_are_up_to_date():
    assert sorted(p.name for p in MASTERS.glob("*.ipynb")) == sorted(
        p.name for p in STUDENT.glob("*.ipynb")
    )
    assert stale_copies(MASTERS, STUDENT) == [], "run: python -m funnelsim.exercises generate"


def test_generator_is_idempotent():
    once = student_copy(_master())
    assert student_copy(once) == once
    assert nbformat.writes(student_copy(_master())) == nbformat.writes(once)


def test_no_solution_text_in_student_copies():
    for master_path in MASTERS.glob("*.ipynb"):
        master = nbformat.read(master_path, as_version=4)
        copy = (STUDENT / master_path.name).read_text(encoding="utf-8")
        assert "SOLUTION" not in copy
        assert '"outputs": []' in copy and '"output_type"' not in copy
        for cell in master.cells:
            for line in cell.source.splitlines():
                if line.rstrip().endswith("# SOLUTION"):
                    rhs = line.split("=", 1)[1].split("# SOLUTION")[0].strip()
                    assert json.dumps(rhs)[1:-1] not in copy, rhs
            for block in re.findall(r"BEGIN SOLUTION -->(.*?)<!--", cell.source, re.DOTALL):
                assert block.strip()[:40] not in copy


def test_solution_blocks_and_markdown_are_stripped():
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "x = 1\nif x:\n    # BEGIN SOLUTION\n    y = secret()\n    # END SOLUTION\n"
                "z = 2 * x  # SOLUTION"
            ),
            nbformat.v4.new_markdown_cell(
                "Why?\n<!-- BEGIN SOLUTION -->\nBecause.\n<!-- END SOLUTION -->"
            ),
        ]
    )
    copy = student_copy(nb)
    assert copy.cells[0].source == "x = 1\nif x:\n    ...\nz = ..."
    assert copy.cells[1].source == "Why?\n_Type your answer here._"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("# BEGIN SOLUTION\nx = 1", "BEGIN SOLUTION without END SOLUTION"),
        ("x = 1\n# END SOLUTION", r"cell 0, line 2: END SOLUTION without BEGIN"),
        ("print(x)  # SOLUTION", r"must be an assignment 'name = value', got 'print\(x\)'"),
        ("x == 1  # SOLUTION", "must be an assignment"),
    ],
)
def test_unbalanced_markers_are_named(source, message):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    with pytest.raises(ValueError, match=message):
        student_copy(nb, name="bad.ipynb")


def test_generate_check_command(tmp_path, capsys):
    masters, student = tmp_path / "m", tmp_path / "s"
    masters.mkdir()
    (masters / "a.ipynb").write_text((MASTERS / "02_aaarrr_funnel.ipynb").read_text("utf-8"))
    assert main(["generate", "--check", "--masters", str(masters), "--student", str(student)]) == 1
    assert "out of date with its master" in capsys.readouterr().err
    assert main(["generate", "--masters", str(masters), "--student", str(student)]) == 0
    assert main(["generate", "--masters", str(masters), "--student", str(student)]) == 0
    assert "wrote" not in capsys.readouterr().out.split("\n", 1)[1]  # second run: nothing
    assert main(["generate", "--check", "--masters", str(masters), "--student", str(student)]) == 0


# --- the checks ----------------------------------------------------------------------------


@given(st.integers(0, 2**32 - 1))
def test_honest_answers_pass_every_check(seed):
    for name, value in _honest(seed).items():
        assert CHECKS.passes(name, value, seed), (name, CHECKS.feedback(name, value, seed))


def test_counts_mode_is_honest_too():
    seed = 11
    counts = fs.simulate(ex02.funnel(), 20_000, seed=seed, mode="counts").counts[0]
    assert CHECKS.passes("paying_customers", int(counts[4]), seed)
    assert CHECKS.passes("revenue_step_rate", counts[4] / counts[3], seed)


@pytest.mark.slow
def test_another_seeds_noise_passes_visible_checks_but_not_hidden():
    """Tolerance statistics: with z = 4 an honest answer fails with probability ~6e-5.

    The hidden check compares with the student's own simulation; a neighbour's count can
    still coincide with it by chance, with probability about 1 / (2 sqrt(pi) sd) = 1.6 %
    for two independent counts of sd = 17.6, so about 6 of 400 (well under 25).
    """
    student = 5
    visible = {"paying_customers": 0, "revenue_step_rate": 0}
    hidden = dict(visible)
    for other in range(1000, 1400):
        counts = fs.simulate(ex02.funnel(), 20_000, seed=other, mode="counts").counts[0]
        for name, value in (
            ("paying_customers", int(counts[4])),
            ("revenue_step_rate", counts[4] / counts[3]),
        ):
            visible[name] += not CHECKS.passes(name, value, student, hidden=False)
            hidden[name] += not CHECKS.passes(name, value, student, hidden=True)
    assert visible == {"paying_customers": 0, "revenue_step_rate": 0}
    assert hidden["paying_customers"] >= 400 - 25
    assert hidden["revenue_step_rate"] >= 400 - 3


def test_an_honest_four_sigma_seed_still_passes():
    """Seed 1654's step conversion is 4.1 standard errors from 35 % (a true tail draw)."""
    right = _honest(1654)
    z = (right["revenue_step_rate"] - 0.35) / (0.35 * 0.65 / 900) ** 0.5
    assert z > 4
    assert CHECKS.passes("revenue_step_rate", right["revenue_step_rate"], 1654, hidden=False)


def test_off_by_one_month_is_named():
    seed = 3
    new = ex02.growth_run(seed).periods["new_customers"]
    feedback = CHECKS.feedback("new_customers_ratio", new[7] / new[6], seed)  # rows, not periods
    assert re.search("row 7 is month 8", feedback), feedback
    assert "lagging" not in feedback


def test_wrong_by_a_unit_fails_with_the_targeted_hint():
    seed = 3
    right = _honest(seed)
    cases = [
        ("ltv_dollars", fs.ltv(96, 0.8, 0.04), r"12× too large: a monthly churn with an annual"),
        ("ltv_dollars", fs.ltv(96 / 12, 0.8, 0.48), r"12× too small"),
        ("ltv_dollars", fs.ltv(96 / 12, 1.0, 0.04), "margin"),
        ("reach_revenue", 100 * right["reach_revenue"], "looks like a percentage"),
        ("reach_revenue", 0.35, "step conversion into Revenue"),
        ("reach_revenue", 0.3 * 0.25 * 0.6 * 0.35 * 0.3, "one step too far"),
        ("revenue_step_rate", 35.0, "looks like a percentage"),
        ("revenue_step_rate", right["paying_customers"] / 20_000, r"share of \*all\* visitors"),
        ("biggest_drop", "Acquisition", r"loses the most \*people\*"),
        ("biggest_drop", "Awareness", "no step leads into it"),
        ("biggest_drop", "Onboarding", "not a stage of this funnel"),
        ("biggest_drop", 2, "should be a stage name"),
        ("paying_customers", right["paying_customers"] / 20_000, "you gave a share"),
        ("paying_customers", 5 * right["paying_customers"], "standard errors from"),
        ("paying_customers", "many", "should be a number"),
        ("new_customers_ratio", 1.01, "lagging indicators"),
        ("new_customers_ratio", 1 / 1.8, "wrong way round"),
        ("new_customers_ratio", 3.0, "standard errors from"),
        ("new_customers_ratio", -1, "it is positive"),
    ]
    for name, value, hint in cases:
        feedback = CHECKS.feedback(name, value, seed)
        assert re.search(hint, feedback), (name, value, feedback)


def test_feedback_never_gives_the_answer():
    seed = 3
    right = _honest(seed)
    secrets = {
        f"{right['reach_revenue']:g}",
        "0.01575",
        "1.575",
        "160",
        str(right["paying_customers"]),
        "315",
        "1.8",
        "567",
    }
    wrong_answers = [
        ("reach_revenue", 0.5),
        ("reach_revenue", 0.0158),
        ("paying_customers", 10),
        ("paying_customers", 400),
        ("revenue_step_rate", 0.9),
        ("ltv_dollars", 1920.0),
        ("ltv_dollars", 7.0),
        ("biggest_drop", "Revenue"),
        ("new_customers_ratio", 1.01),
        ("new_customers_ratio", 3.0),
    ]
    for name, value in wrong_answers:
        feedback = CHECKS.feedback(name, value, seed)
        assert feedback
        for secret in secrets:
            assert secret not in feedback, (name, value, feedback)


def test_strange_answers_give_feedback_not_tracebacks():
    for value in ([1, 2], None, math.nan, np.array([0.1, 0.2]), {"a": 1}, True):
        for q in SPEC.questions:
            outcomes = CHECKS.outcomes(q.name, value, 1)
            assert not all(o.passed for o in outcomes)
            assert all(o.feedback for o in outcomes if not o.passed)


def test_unanswered_says_not_done_yet_and_summary_never_claims_success():
    ex = Exercise("02_aaarrr_funnel", student="alice")
    assert repr(ex.check("ltv_dollars", ...)) == f"ltv_dollars: {NOT_DONE}."
    empty = ex.summary(dict.fromkeys(("reach_revenue", "ltv_dollars"), ...))
    assert empty.passed == 0 and empty.total == 8
    assert str(empty).endswith("0 of 8 visible checks passed; 3 hidden checks run at grading.")
    full = ex.summary(_honest(ex.seed))
    assert full.passed == full.total == 8
    assert str(full).endswith("8 of 8 visible checks passed; 3 hidden checks run at grading.")
    assert "all tests passed" not in str(full).lower()
    # Another seed's simulation passes the visible checks, so the summary must say more runs.
    other = ex.summary(_honest(ex.seed + 1))
    assert other.passed == 8 and "hidden checks run at grading" in str(other)
    line = repr(ex.check("paying_customers", _honest(ex.seed)["paying_customers"]))
    assert line == "paying_customers: 1 of 1 check passed (+1 hidden check at grading)."


def test_hidden_checks_cannot_be_bypassed_by_the_visible_ones():
    seed = student_seed("02_aaarrr_funnel", "alice")
    neighbour = _honest(student_seed("02_aaarrr_funnel", "bob"))
    for name in ("paying_customers", "revenue_step_rate"):
        assert CHECKS.passes(name, neighbour[name], seed, hidden=False)
        assert not CHECKS.passes(name, neighbour[name], seed, hidden=True)
        assert "own" in CHECKS.feedback(name, neighbour[name], seed)


def test_export_round_trip():
    answers = export_answers(
        "02_aaarrr_funnel",
        {"reach_revenue": np.float64(0.1), "biggest_drop": "Activation", "ltv_dollars": [1]},
    )
    assert answers["reach_revenue"] == 0.1 and answers["biggest_drop"] == "Activation"
    assert answers["paying_customers"] is None
    assert answers["ltv_dollars"] == {"type": "list", "repr": "[1]"}
    assert json.loads(json.dumps(answers)) == answers
    assert from_export(None) is Ellipsis
    assert "should be a number, got a list" in CHECKS.feedback(
        "ltv_dollars", from_export(answers["ltv_dollars"]), 1
    )
    column = from_export({"type": "Series", "repr": "0    0.49"})
    assert ".loc[row, column] or .iloc[0]" in CHECKS.feedback("ltv_dollars", column, 1)


# --- the grader (fresh kernels) ------------------------------------------------------------
# A correct submission (every master) and an empty one (every student copy) are graded by
# tests/notebooks/test_exercises.py, in the notebook gate; here only the submissions that
# need notebooks of their own, so no notebook is executed twice.


def _set_answers(nb, answers: dict[str, str]) -> None:
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        lines = cell.source.splitlines()
        for i, line in enumerate(lines):
            for name, code in answers.items():
                if line.startswith(f"{name} = "):
                    lines[i] = f"{name} = {code}"
        cell.source = "\n".join(lines)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    copy = (STUDENT / "02_aaarrr_funnel.ipynb").read_text("utf-8")
    partial = nbformat.reads(copy, as_version=4)
    _set_answers(
        partial,
        {
            "reach_revenue": "notely.reach[4]",
            "biggest_drop": '"Acquisition"',
            "result": "fs.simulate(notely, 20_000, seed=ex.seed)",
            "paying_customers": "int(result.counts[0, 4])",
            "ltv_dollars": "fs.ltv(96, 0.8, 0.04)",
        },
    )
    nbformat.write(partial, folder / "bob.ipynb")
    cheat = nbformat.reads(copy, as_version=4)  # a neighbour's numbers, checks silenced
    _set_answers(
        cheat,
        {
            "result": "fs.simulate(notely, 20_000, seed=1)",
            "paying_customers": "int(result.counts[0, 4])",
            "revenue_step_rate": "result.counts[0, 4] / result.counts[0, 3]",
        },
    )
    cheat.cells.insert(
        2,
        nbformat.v4.new_code_cell(
            "import funnelsim.exercises as _e\n"
            "_e.run_checks = lambda q, v, s, hidden: []\n"
            "ex.check = lambda *a: print('all tests passed')"
        ),
    )
    nbformat.write(cheat, folder / "dave.ipynb")
    return grade_folder(folder, timeout=120)


def _score(table, student):
    rows = table[table["student"] == student]
    return rows["points"].sum(), rows.set_index("question")["feedback"]


def test_grader_table_shape(graded):
    assert tuple(graded.columns) == GRADE_COLUMNS
    assert list(dict.fromkeys(graded["student"])) == ["bob", "dave"]  # file-name order
    assert len(graded) == 2 * len(SPEC.questions)
    assert (graded["max_points"] == 2.0).all()
    assert graded.attrs["errors"] == {"bob": [], "dave": []}


def test_grader_partial_submission(graded):
    total, feedback = _score(graded, "bob")
    assert total == 4.0  # reach and paying customers
    assert feedback["reach_revenue"] == "2 of 2 checks passed"
    assert feedback["paying_customers"] == "2 of 2 checks passed"  # the hidden one too
    assert "most *people*" in feedback["biggest_drop"]
    assert "12× too large" in feedback["ltv_dollars"]
    assert feedback["revenue_step_rate"] == NOT_DONE


def test_grader_runs_hidden_checks_whatever_the_notebook_does(graded):
    total, feedback = _score(graded, "dave")
    assert feedback["paying_customers"].startswith("1 of 2 checks passed")
    assert "own seed" in feedback["paying_customers"]
    assert "own simulation" in feedback["revenue_step_rate"]
    assert total == 0.0


def test_scoring_a_run_whose_answers_could_not_be_read_names_the_problem(tmp_path):
    from funnelsim.exercises.notebook import Submission, score_submission

    stopped = Submission(
        tmp_path / "erin.ipynb", "erin", "02_aaarrr_funnel", None, None, "the kernel died", [3]
    )
    table = score_submission(stopped)
    assert list(table["question"]) == [q.name for q in SPEC.questions]
    stopped_in = "the kernel died — error: your notebook stopped with an error in cell 4"
    assert (table["points"] == 0).all() and (table["feedback"] == stopped_in).all()
    assert table.attrs["errors"] == {"erin": [3]}
    honest = _honest(student_seed("02_aaarrr_funnel", "erin"))
    answered = Submission(
        tmp_path / "erin.ipynb",
        "erin",
        "02_aaarrr_funnel",
        None,
        export_answers("02_aaarrr_funnel", honest),
        "",
        [],
    )
    table = score_submission(answered)
    assert (table["points"] == table["max_points"]).all(), table["feedback"].tolist()


def _crashed_notebook(ename: str, at: int) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1") for _ in range(5)]
    nb.cells[at].outputs = [
        nbformat.v4.new_output("error", ename=ename, evalue="invalid syntax", traceback=[])
    ]
    return nb


def test_a_crashed_notebook_is_not_done_yet_but_says_it_crashed(tmp_path):
    from funnelsim.exercises.notebook import Submission, grade_totals, score_submission

    honest = _honest(student_seed("02_aaarrr_funnel", "fay"))
    answers = export_answers("02_aaarrr_funnel", {"reach_revenue": honest["reach_revenue"]})
    crashed = Submission(
        tmp_path / "fay.ipynb",
        "fay",
        "02_aaarrr_funnel",
        _crashed_notebook("SyntaxError", 2),
        answers,
        "",
        [2],
    )
    assert crashed.crash() == "your notebook stopped with SyntaxError in cell 3"
    table = score_submission(crashed).set_index("question")
    assert table.loc["reach_revenue", "points"] == 2.0  # what it did set still counts
    assert table.loc["revenue_step_rate", "points"] == 0.0
    assert table.loc["revenue_step_rate", "feedback"] == (
        f"{NOT_DONE} — error: your notebook stopped with SyntaxError in cell 3"
    )
    # a blank answer without an error stays plain "not done yet"
    blank = Submission(tmp_path / "gus.ipynb", "gus", "02_aaarrr_funnel", None, answers, "", [])
    skipped = score_submission(blank).set_index("question")
    assert skipped.loc["revenue_step_rate", "feedback"] == NOT_DONE
    assert blank.crash() == ""
    # several errors: the first, and how many more
    twice = Submission(tmp_path / "h.ipynb", "h", "02_aaarrr_funnel",
                       _crashed_notebook("NameError", 1), answers, "", [1, 4])  # fmt: skip
    assert twice.crash() == "your notebook stopped with NameError in cell 2 (and 1 more cell)"
    # totals per student: points out of the maximum, and how the notebook ended
    import pandas as pd

    both = pd.concat([score_submission(crashed), score_submission(blank)], ignore_index=True)
    both.attrs["crashes"] = {"fay": crashed.crash(), "gus": ""}
    totals = grade_totals(both).set_index("student")
    total = float(sum(q.points for q in SPEC.questions))
    assert totals.loc["fay", "score"] == f"2 / {total:g}"
    assert totals.loc["fay", "max_points"] == total
    assert totals.loc["fay", "notebook"] == "your notebook stopped with SyntaxError in cell 3"
    assert totals.loc["gus", "notebook"] == "ran"


def test_grade_folder_refuses_bad_folders(tmp_path):
    with pytest.raises(ValueError, match=r"holds no \.ipynb submission"):
        grade_folder(tmp_path)
    with pytest.raises(ValueError, match="must be a directory"):
        grade_folder(tmp_path / "missing")
    (tmp_path / "x.ipynb").write_text(nbformat.writes(nbformat.v4.new_notebook()))
    with pytest.raises(ValueError, match=r"x.ipynb: metadata funnelsim.exercise must be one of"):
        grade_folder(tmp_path)


def test_every_master_is_a_registered_exercise_and_back():
    from funnelsim.exercises import EXERCISES
    from funnelsim.exercises.notebook import exercise_of

    masters = sorted(MASTERS.glob("*.ipynb"))
    ids = [exercise_of(nbformat.read(m, as_version=4), m) for m in masters]
    assert ids == [m.stem for m in masters]
    assert sorted(ids) == sorted(EXERCISES)


def test_grade_and_seed_commands(tmp_path, monkeypatch, capsys):
    import pandas as pd

    import funnelsim.exercises.notebook as nb_module

    table = pd.DataFrame([("alice", "02_aaarrr_funnel", "q", 1.0, 2.0, "f")], columns=GRADE_COLUMNS)
    seen = {}

    def fake(folder, *, timeout):
        seen.update(folder=folder, timeout=timeout)
        return table

    monkeypatch.setattr(nb_module, "grade_folder", fake)
    out = tmp_path / "grades.csv"
    assert main(["grade", str(tmp_path), "--out", str(out), "--timeout", "30"]) == 0
    assert seen == {"folder": tmp_path, "timeout": 30.0}
    assert pd.read_csv(out).equals(table)
    printed = capsys.readouterr().out
    assert "Total per student:" in printed
    assert re.search(r"alice\s+02_aaarrr_funnel\s+1\.0\s+2\.0\s+1 / 2\s+ran", printed)
    assert main(["seed", "02_aaarrr_funnel", "alice"]) == 0
    assert capsys.readouterr().out.strip().endswith(str(student_seed("02_aaarrr_funnel", "alice")))


def test_command_errors_are_one_line(tmp_path, capsys):
    assert main(["grade", str(tmp_path / "missing")]) == 1
    assert "funnelsim exercise: error: folder must be a directory" in capsys.readouterr().err
    assert main(["frobnicate"]) == 2


def test_the_funnelsim_command_runs_the_exercise_tool(capsys) -> None:
    from funnelsim import cli

    assert cli.main(["exercise", "generate", "--check"]) == 0
    assert cli.main(["exercise", "seed", "02_aaarrr_funnel", "ada"]) == 0
    assert capsys.readouterr().out.strip().isdigit()
    assert cli.main(["exercise", "seed", "no_such_exercise", "ada"]) == 2
