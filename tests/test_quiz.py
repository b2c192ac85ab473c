"""Quizzes: banks and their validation, grading of every type, the student's seed,
progress files (two processes, torn and corrupt files), the static page, the widget."""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import textwrap
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from funnelsim import quiz
from funnelsim.quiz import bank as qb
from funnelsim.quiz.static import decode_key, encode_key

ROOT = Path(__file__).resolve().parents[1]
START = "00_start_here"
BANK = quiz.load_quiz(START)  # for property tests, which cannot take function-scoped fixtures


@pytest.fixture(autouse=True)
def _own_progress_dir(tmp_path, monkeypatch):
    """Every test writes its progress and student files into its own folder."""
    monkeypatch.setenv("FUNNELSIM_PROGRESS_DIR", str(tmp_path / "progress"))
    for name in (
        "FUNNELSIM_STUDENT_SEED",
        "FUNNELSIM_STUDENT",
        "FUNNELSIM_STUDENT_ID",
        "JUPYTERHUB_USER",
        "FUNNELSIM_LANG",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def start() -> qb.Quiz:
    return quiz.load_quiz(START)


# --------------------------------------------------------------------------- the bank


def test_the_start_bank_has_every_question_type_and_a_simulated_one(start):
    assert start.lesson == START
    assert {q.kind for q in start.questions} == set(quiz.QUESTION_TYPES)
    assert start.needs_seed
    glossary_drawn = start["glossary-terms"]
    assert isinstance(glossary_drawn, qb.Matching)
    assert glossary_drawn.pairs[0][0].en == "Step conversion"


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_solution_grades_correct_in_both_languages(start, lang):
    for q in start.questions:
        grade = q.grade(q.solution(seed=3), lang=lang, seed=3)
        assert grade.correct and grade.score == 1.0, q.id
        assert grade.feedback.startswith("Верно." if lang == "ru" else "Correct."), q.id


def test_every_text_comes_in_english_and_russian(start):
    cyrillic = set("абвгдежзийклмнопрстуфхцчшщъыьэюя")
    for q in start.questions:
        assert q.text.en != q.text.ru, q.id
        assert cyrillic & set(q.text.ru.lower()), q.id
    assert start.title("ru") == "Проверьте себя: стартовая страница"


def test_shown_order_is_shuffled_but_the_same_every_time(start):
    order = start["aaarrr-order"]
    assert order.shown != list(range(6))
    assert quiz.load_quiz(START)["aaarrr-order"].shown == order.shown


# --------------------------------------------------------------------------- validation

#: The top of every hand-written bank below.
HEADER = 'lesson = "00_start_here"\ntitle = { en = "T", ru = "Т" }\n'


def _question(qid: str, kind: str, en: str, ru: str, tables: str = "") -> str:
    """One ``[[question]]`` of a bank: its id, type and text, then ``tables`` (dedented)."""
    return (
        f'[[question]]\nid = "{qid}"\ntype = "{kind}"\ntext = {{ en = "{en}", ru = "{ru}" }}\n'
        + textwrap.dedent(tables).lstrip("\n")
    )


@pytest.fixture
def bank_file(tmp_path: Path) -> Callable[[str], Path]:
    """The factory of hand-written banks: ``bank_file(text)`` writes ``text`` to
    ``my_bank.toml`` in the test's own folder and returns the path."""

    def write(text: str) -> Path:
        path = tmp_path / "my_bank.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


SINGLE = _question(
    "q1",
    "single",
    "Q?",
    "В?",
    """
    [[question.choice]]
    text = { en = "yes", ru = "да" }
    correct = true
    [[question.choice]]
    text = { en = "no", ru = "нет" }
    """,
)
GOOD_SINGLE = HEADER + SINGLE


def test_a_minimal_bank_loads_from_a_path(bank_file):
    bank = quiz.load_quiz(bank_file(GOOD_SINGLE))
    assert [q.id for q in bank.questions] == ["q1"]


SIM = HEADER + _question(
    "sim",
    "numeric",
    "seed {seed}",
    "seed {seed}",
    """
    [question.simulation]
    buyers = 100
    rates = { acquisition = 0.3, activation = 0.5, retention = 0.6, revenue = 0.4, referral = 0.25 }
    stage = "Revenue"
    """,
)

TLTB = HEADER + _question(
    "b2b",
    "numeric",
    "{buyers} accounts, seed {seed}",
    "{buyers} компаний, seed {seed}",
    """
    [question.simulation]
    funnel = "trigger_learn_try_buy"
    buyers = 500
    rates = { learn = 0.4, try = 0.3, buy = 0.25 }
    stage = "Buy"
    """,
)


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("lesson = ", r"my_bank.toml: not valid TOML"),
        ("author = 'me'\n" + GOOD_SINGLE, r"my_bank.toml: field 'author': unknown top-level"),
        (GOOD_SINGLE.replace('"00_start_here"', '"00_start"'), r"field 'lesson': must be one of"),
        (GOOD_SINGLE.replace(', ru = "Т"', ""), r"field 'title.ru': must be a non-empty text"),
        (
            GOOD_SINGLE.replace('{ en = "Q?", ru = "В?" }', '{ en = "Q?", ru = " " }'),
            r"question 'q1' \(#1\), field 'text.ru': must be a non-empty text",
        ),
        (
            GOOD_SINGLE.replace('{ en = "Q?", ru = "В?" }', '{ en = "Q?", ru = "В?", de = "F?" }'),
            r"question 'q1' \(#1\), field 'text.de': unknown language",
        ),
        (
            GOOD_SINGLE.replace('type = "single"', 'type = "essay"'),
            r"question 'q1' \(#1\), field 'type': must be one of",
        ),
        (
            GOOD_SINGLE.replace(
                'text = { en = "no", ru = "нет" }',
                'text = { en = "no", ru = "нет" }\ncorrect = true',
            ),
            r"question 'q1' \(#1\), field 'choice': "
            r"a single-choice question needs exactly one correct = true, got 2",
        ),
        (
            GOOD_SINGLE.replace("correct = true", 'correct = "yes"'),
            r"question 'q1' \(#1\), field 'choice\[0\].correct': must be true or false",
        ),
        (
            GOOD_SINGLE.replace("correct = true", "correct = true\nwhy_not = 1"),
            r"question 'q1' \(#1\), field 'choice\[0\].why_not': unknown field",
        ),
        (
            GOOD_SINGLE.replace('id = "q1"', 'id = "q1"\nanswer = 3'),
            r"question 'q1' \(#1\), field 'answer': is not a field of a 'single' question",
        ),
        (GOOD_SINGLE + SINGLE, r"question 'q1' \(#2\), field 'id': repeats"),
        (
            GOOD_SINGLE.replace('id = "q1"', "id = 7"),
            r"question #1 field 'id': must be a non-empty string, got 7",
        ),
        (
            SIM.replace("seed {seed}", "no seed"),
            r"question 'sim' \(#1\), field 'text.en': must contain \{seed\}",
        ),
        (SIM.replace(", referral = 0.25", ""), r"field 'simulation.rates': must give exactly"),
        (
            SIM.replace("buyers = 100", 'funnel = "pirate"\nbuyers = 100'),
            r"question 'sim' \(#1\), field 'simulation.funnel': must be one of "
            r"\['aaarrr', 'trigger_learn_try_buy'\], got 'pirate'",
        ),
        (
            TLTB.replace("try = 0.3, ", ""),
            r"question 'b2b' \(#1\), field 'simulation.rates': must give exactly the rates "
            r"\['learn', 'try', 'buy'\] of funnel 'trigger_learn_try_buy', got \['buy', 'learn'\]",
        ),
        (
            TLTB.replace("try = 0.3", "try_ = 0.3"),
            r"field 'simulation.rates': must give exactly the rates \['learn', 'try', 'buy'\]",
        ),
        (
            TLTB.replace("buy = 0.25", "buy = -0.25"),
            r"question 'b2b' \(#1\), field 'simulation.rates.buy': must be in \[0, 1\]",
        ),
        (
            TLTB.replace('stage = "Buy"', 'stage = "Revenue"'),
            r"question 'b2b' \(#1\), field 'simulation.stage': must be one of the stages "
            r"\['Trigger', 'Learn', 'Try', 'Buy'\] of funnel 'trigger_learn_try_buy', "
            r"got 'Revenue'",
        ),
        (
            SIM.replace("revenue = 0.4", "revenue = 1.4"),
            r"field 'simulation.rates.revenue': must be in \[0, 1\], got 1.4",
        ),
        (SIM.replace('"Revenue"', '"Money"'), r"field 'simulation.stage': must be one of"),
        (
            SIM.replace("buyers = 100", "buyers = 0"),
            r"field 'simulation.buyers': must be a positive integer",
        ),
        (SIM + "answer = 3\n", r"field 'simulation.answer': unknown field"),
        (
            SIM.replace("[question.simulation]", "answer = 3\n[question.simulation]"),
            r"field 'answer': give exactly one of 'answer' and a \[question.simulation\]",
        ),
        (
            SIM.replace("[question.simulation]", "tolerance = 3\n[question.simulation]"),
            r"field 'tolerance': comes from the standard error with a simulation; use se_fraction",
        ),
        (
            HEADER
            + _question(
                "m", "matching", "Match", "Сопоставьте", 'glossary = ["ltv", "no_such_term"]'
            ),
            r"question 'm' \(#1\), field 'glossary': no glossary term with key 'no_such_term'",
        ),
        (
            HEADER
            + _question(
                "c",
                "classification",
                "Sort",
                "Распределите",
                """
            [[question.category]]
            id = "a"
            text = { en = "A", ru = "А" }
            [[question.category]]
            id = "b"
            text = { en = "B", ru = "Б" }
            [[question.item]]
            text = { en = "x", ru = "х" }
            category = "a"
            [[question.item]]
            text = { en = "y", ru = "у" }
            category = "z"
            """,
            ),
            r"question 'c' \(#1\), field 'item\[1\].category': "
            r"must be one of \['a', 'b'\], got 'z'",
        ),
        (
            HEADER
            + _question(
                "o",
                "ordering",
                "Order",
                "Порядок",
                '[[question.item]]\ntext = { en = "x", ru = "х" }',
            ),
            r"question 'o' \(#1\), field 'item': "
            r"needs at least 3 \[\[question.item\]\] tables, got 1",
        ),
    ],
)
def test_a_bad_bank_names_the_file_the_question_and_the_field(bank_file, body, match):
    with pytest.raises(ValueError, match=match):
        quiz.load_quiz(bank_file(body))


def test_missing_banks_say_so(tmp_path, monkeypatch):
    import types

    from funnelsim.quiz import bank

    # every lesson has its bank now: look in an empty folder instead of the course's
    monkeypatch.setattr(bank, "resources", types.SimpleNamespace(files=lambda package: tmp_path))
    with pytest.raises(FileNotFoundError, match="there is no quiz for lesson '14_capstone' yet"):
        quiz.load_quiz("14_capstone")
    monkeypatch.undo()
    with pytest.raises(FileNotFoundError, match="no question bank at"):
        quiz.load_quiz(tmp_path / "nope.toml")


# --------------------------------------------------------------------------- grading


def _index(q: qb.SingleChoice | qb.MultipleChoice, startswith: str) -> int:
    return next(i for i, c in enumerate(q.shown_choices()) if c.text.en.startswith(startswith))


def test_single_choice_wrong_answer_explains_that_choice(start):
    q = start["reach-meaning"]
    grade = q.grade(_index(q, "The share of retained"), lang="en")
    assert (grade.correct, grade.score) == (False, 0.0)
    assert "step conversion `rate` of Revenue (0.40)" in grade.feedback
    with pytest.raises(
        ValueError,
        match=r"answer to 'reach-meaning': every entry must be an index in \[0, 3\], got 9",
    ):
        q.grade(9)


def test_multiple_choice_partial_credit(start):
    q = start["halve-activation"]
    right = q.solution()
    wrong = [i for i in range(len(q.choices)) if i not in right]
    assert len(right) == 2
    assert q.grade(right[:1]).score == 0.5
    assert q.grade([*right[:1], wrong[0]]).score == 0.0
    assert q.grade([*right, wrong[0]]).score == 0.5
    assert q.grade([]).score == 0.0
    grade = q.grade([*right, _index(q, "The step conversion of Retention")], lang="en")
    assert "1 answer(s) to change." in grade.feedback
    assert "still 0.60" in grade.feedback
    assert grade.feedback.startswith("Partly right.")


def test_numeric_tolerance_comma_and_direction(start):
    q = start["buyers-per-referral"]
    assert q.grade(111).correct and q.grade("110,5").correct and q.grade(" 112 ").correct
    low = q.grade(100, lang="en")
    assert (
        not low.correct and "too low" in low.feedback and "take one divided by it" in low.feedback
    )
    assert "слишком велико" in q.grade(1e3, lang="ru").feedback
    with pytest.raises(
        ValueError, match=r"answer to 'buyers-per-referral' must be a number, got 'lots'"
    ):
        q.grade("lots")
    with pytest.raises(TypeError, match="must be a number, got None"):
        q.grade(None)


def test_ordering_scores_pairs_in_the_right_relative_order(start):
    q = start["aaarrr-order"]
    right = q.solution()
    swapped = [*right[:2], right[3], right[2], *right[4:]]
    assert q.grade(swapped).score == pytest.approx(14 / 15)
    assert "2 item(s) are not in their place" in q.grade(swapped, lang="en").feedback
    assert q.grade(right[::-1]).score == 0.0
    with pytest.raises(ValueError, match="must use every item exactly once"):
        q.grade([right[0]] * 6)
    with pytest.raises(ValueError, match="must have 6 entries, got 5"):
        q.grade(right[:5])


def test_matching_scores_the_share_matched_and_names_the_wrong_ones(start):
    q = start["table-columns"]
    right = q.solution()
    crossed = [right[1], right[0], *right[2:]]
    grade = q.grade(crossed, lang="en")
    assert grade.score == pytest.approx(3 / 5)
    assert "Check the match for: `reached`; `step_conversion`." in grade.feedback


def test_classification_scores_the_share_sorted_and_explains_each_mistake(start):
    q = start["what-the-seed-moves"]
    answer = q.solution()
    answer[2] = "moves"  # expected_reached
    grade = q.grade(answer, lang="en")
    assert grade.score == pytest.approx(5 / 6)
    assert "a formula with no randomness" in grade.feedback
    with pytest.raises(
        ValueError,
        match=r"a category is one of \['moves', 'fixed'\] or its position 0\.\.1, got 'maybe'",
    ):
        q.grade(["maybe"] * 6)
    # positions in the list of categories, as quiz.check's docstring says, grade the same
    ids = [c for c, _ in q.categories]
    by_position = [ids.index(c) for c in answer]
    assert q.grade(by_position, lang="en") == grade
    with pytest.raises(ValueError, match="got 2"):
        q.grade([2] * 6)


def test_a_quiz_iterates_over_its_questions_in_the_shown_order(start):
    assert [q.id for q in start] == [q.id for q in start.questions]
    assert len(list(start)) == len(start)


def test_check_records_every_attempt(start, tmp_path):
    path = tmp_path / "p.jsonl"
    q = start["aaarrr-order"]
    first = quiz.check(START, "aaarrr-order", q.solution()[::-1], path=path)
    second = quiz.check(start, "aaarrr-order", q.solution(), path=path, lang="ru")
    assert (first.correct, second.correct) == (False, True)
    table = quiz.progress(path)
    assert list(table.columns) == list(quiz.PROGRESS_COLUMNS)
    assert table["correct"].tolist() == [False, True]
    assert table["lang"].tolist() == ["en", "ru"]
    assert json.loads(table["answer"][1]) == q.solution()
    assert table["time"].is_monotonic_increasing
    with pytest.raises(KeyError, match="quiz '00_start_here' has no question 'nope'"):
        quiz.check(START, "nope", 1)


# --------------------------------------------------------------------------- the student's seed


def test_simulated_answer_comes_from_the_students_own_run(start):
    import funnelsim as fs

    q = start["your-paying-customers"]
    counts = fs.simulate(fs.aaarrr(0.30, 0.50, 0.60, 0.40, 0.25), 2000, seed=1234).counts
    assert q.solution(seed=1234) == counts[0, 4]
    assert q.grade(int(counts[0, 4]), seed=1234).correct
    assert "seed=1234" in q.prompt(1234).en and ", 2000, " in q.prompt(1234).en
    se = math.sqrt(2000 * 0.036 * 0.964)
    assert q.simulation.tolerance() == pytest.approx(0.25 * se)
    with pytest.raises(ValueError, match="pass seed="):
        q.grade(70)


def test_an_answer_for_the_printed_example_seed_says_to_use_your_own(start, tmp_path):
    from funnelsim.quiz.static import EXAMPLE_SEED

    q = start["your-paying-customers"]
    mine, printed = q.solution(seed=1234), q.solution(seed=EXAMPLE_SEED)
    assert abs(mine - printed) > q.simulation.tolerance()  # the two seeds disagree here
    path = tmp_path / "p.jsonl"
    wrong = quiz.check(start, q.id, printed, seed=1234, path=path)
    assert not wrong.correct
    assert "example seed of the printed page" in wrong.feedback and "seed=1234" in wrong.feedback
    other = quiz.check(start, q.id, mine + 50, seed=1234, path=path)
    assert not other.correct and "example seed" not in other.feedback
    assert quiz.check(start, q.id, mine, seed=1234, path=path).correct


def test_a_simulated_answer_from_the_b2b_funnel(bank_file):
    """funnel = "trigger_learn_try_buy": its own steps, stages and closed-form reach."""
    import funnelsim as fs

    q = quiz.load_quiz(bank_file(TLTB))["b2b"]
    assert q.simulation.funnel == "trigger_learn_try_buy"
    assert q.simulation.reach == pytest.approx(0.4 * 0.3 * 0.25)
    se = math.sqrt(500 * 0.03 * 0.97)
    assert q.simulation.tolerance() == pytest.approx(0.25 * se)
    assert q.prompt(7).en == "500 accounts, seed 7"
    for seed in (1, 2, 3):
        run = fs.simulate(fs.trigger_learn_try_buy(0.4, 0.3, 0.25), 500, seed=seed)
        assert q.solution(seed=seed) == run.counts[0, 3]
        assert q.grade(int(run.counts[0, 3]), seed=seed).correct
    # the "percent" quantity of an earlier stage: the share of accounts that tried
    pct = bank_file(TLTB.replace('stage = "Buy"', 'stage = "Try"\nquantity = "percent"'))
    q = quiz.load_quiz(pct)["b2b"]
    run = fs.simulate(fs.trigger_learn_try_buy(0.4, 0.3, 0.25), 500, seed=11)
    assert q.solution(seed=11) == pytest.approx(100 * run.counts[0, 2] / 500)
    assert q.simulation.standard_error() == pytest.approx(100 * math.sqrt(0.12 * 0.88 / 500))


def test_the_simulated_funnels_are_the_presets_of_the_library():
    import funnelsim as fs

    assert quiz.SIMULATION_FUNNELS == {
        "aaarrr": fs.AAARRR_STAGES,
        "trigger_learn_try_buy": fs.TLTB_STAGES,
    }
    for name, stages in quiz.SIMULATION_FUNNELS.items():
        assert getattr(fs, name)().names == stages


def test_importing_the_quiz_loads_neither_pandas_nor_numpy():
    code = "import sys, funnelsim.quiz; print(sorted({'pandas', 'numpy'} & set(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert out.stdout.strip() == "[]"


def test_a_simulation_without_funnel_is_the_aaarrr_preset(bank_file):
    q = quiz.load_quiz(bank_file(SIM))["sim"]
    assert q.simulation.funnel == "aaarrr"
    assert q.simulation.stages == quiz.AAARRR_ORDER
    explicit = quiz.load_quiz(bank_file(SIM.replace("buyers", 'funnel = "aaarrr"\nbuyers')))
    assert explicit["sim"].simulation == q.simulation


@pytest.mark.slow
def test_a_neighbours_number_is_wrong_for_you_in_most_cases(start):
    """P(|X - Y| <= tol) for two students' counts, X, Y ~ Binomial(2000, 0.036) iid."""
    q = start["your-paying-customers"]
    tol = q.simulation.tolerance()
    pmf = stats.binom(2000, 0.036).pmf(np.arange(2001))
    diff = np.convolve(pmf, pmf[::-1])  # pmf of X - Y, centred at index 2000
    lags = np.arange(-2000, 2001)
    p_accept = diff[np.abs(lags) <= tol].sum()
    assert p_accept < 0.25  # theory: a neighbour passes in fewer than one case in four
    pairs = 300
    accepted = sum(q.grade(q.solution(seed=2 * i + 1), seed=2 * i).correct for i in range(pairs))
    se = math.sqrt(p_accept * (1 - p_accept) / pairs)
    assert abs(accepted / pairs - p_accept) < 4 * se
    assert accepted / pairs < 0.3


def test_student_seed_from_the_environment_or_stored_once(monkeypatch, tmp_path):
    first = quiz.student_seed()
    assert first == quiz.student_seed()  # stored in student.json, stable
    stored = json.loads((tmp_path / "progress" / "student.json").read_text())
    assert stored["seed"] == first and quiz.student_id() == stored["student"]
    monkeypatch.setenv("FUNNELSIM_STUDENT_SEED", "42")
    assert quiz.student_seed() == 42
    monkeypatch.setenv("FUNNELSIM_STUDENT_SEED", "-1")
    with pytest.raises(
        ValueError, match="FUNNELSIM_STUDENT_SEED must be a non-negative integer, got '-1'"
    ):
        quiz.student_seed()
    monkeypatch.setenv("JUPYTERHUB_USER", "ada")
    assert quiz.student_id() == "ada"


def test_an_unreadable_student_file_is_replaced_with_a_warning(tmp_path):
    folder = tmp_path / "progress"
    folder.mkdir()
    (folder / "student.json").write_text("{not json")
    with pytest.warns(UserWarning, match="student file .* is unreadable"):
        seed = quiz.student_seed()
    assert json.loads((folder / "student.json").read_text())["seed"] == seed
    assert len(list(folder.glob("student.json.corrupt-*"))) == 1


# --------------------------------------------------------------------------- progress files

WRITER = """
import sys, time
from pathlib import Path
from funnelsim.quiz.progress import append_record
path, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
folder = Path(path).parent
(folder / f"ready-{who}").touch()
while not (folder / "go").exists():  # start together with the other writer
    time.sleep(0.001)
for i in range(n):
    append_record({"student": who, "lesson": "00_start_here", "question": f"q{i}",
                   "answer": "x" * 5000, "correct": i % 2 == 0, "score": 1.0,
                   "time": f"2026-01-01T00:00:{i % 60:02d}+00:00"}, path)
"""


def test_two_processes_appending_at_once_corrupt_nothing(tmp_path):
    """Two kernels answering at the same moment: records larger than PIPE_BUF, interleaved."""
    path = tmp_path / "shared.jsonl"
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
    n = 150
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), who, str(n)], env=env)
        for who in ("kernel-a", "kernel-b")
    ]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready-{who}").exists() for who in ("kernel-a", "kernel-b")):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
        time.sleep(0.01)
    (tmp_path / "go").touch()
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = quiz.progress(path)
    assert len(table) == 2 * n
    assert table.groupby("student").size().to_dict() == {"kernel-a": n, "kernel-b": n}
    assert (table["answer"] == json.dumps("x" * 5000)).all()
    switches = (table["student"] != table["student"].shift()).sum() - 1
    assert switches >= 2, "the two writers did not overlap; the test proved nothing"


def test_a_torn_last_record_loses_nothing_else(tmp_path):
    path = tmp_path / "p.jsonl"
    good = {
        "student": "s",
        "lesson": "l",
        "question": "q",
        "answer": 1,
        "correct": True,
        "score": 1.0,
        "time": "2026-01-01T00:00:00+00:00",
    }
    from funnelsim.quiz.progress import append_record

    append_record(good, path)
    with open(path, "a") as f:  # a kernel killed in the middle of its write
        f.write('{"student": "s", "lesson": "l", "quest')
    append_record({**good, "question": "after"}, path)
    with pytest.warns(
        UserWarning, match=r"1 unreadable line\(s\) \(first: line 2\); moved it to p.jsonl.corrupt-"
    ):
        table = quiz.progress(path)
    assert table["question"].tolist() == ["q", "after"]
    assert len(list(tmp_path.glob("p.jsonl.corrupt-*"))) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert quiz.progress(path)["question"].tolist() == ["q", "after"]


def test_a_corrupt_file_is_moved_aside_and_a_new_one_started(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_bytes(b"\x00\xff garbage\n[1, 2]\n")
    with pytest.warns(UserWarning, match="moved it to"):
        table = quiz.progress(path)
    assert table.empty and list(table.columns) == list(quiz.PROGRESS_COLUMNS)
    assert path.read_text() == ""
    quiz.check(START, "buyers-per-referral", 111, path=path)
    assert len(quiz.progress(path)) == 1


def test_no_file_means_no_attempts(tmp_path):
    assert quiz.progress(tmp_path / "none.jsonl").empty


def _attempts(path: Path, student: str, answers: list[tuple[str, bool]]) -> None:
    from funnelsim.quiz.progress import append_record

    for i, (question, correct) in enumerate(answers):
        append_record(
            {
                "student": student,
                "lesson": START,
                "question": question,
                "answer": None,
                "correct": correct,
                "score": float(correct),
                "time": f"2026-01-01T10:00:0{i}+00:00",
            },
            path,
        )


def test_the_instructor_gathers_a_class_in_one_call(tmp_path):
    _attempts(tmp_path / "ada" / "progress.jsonl", "ada", [("a", False), ("a", True), ("b", True)])
    _attempts(tmp_path / "bob" / "progress.jsonl", "bob", [("a", True)])
    with open(tmp_path / "bob" / "progress.jsonl", "a") as f:
        f.write("oops\n")
    with pytest.warns(UserWarning, match=r"bob/progress.jsonl: skipped 1 unreadable line"):
        table = quiz.gather_progress(tmp_path)
    assert table["student"].tolist() == ["ada", "ada", "ada", "bob"]
    assert table["source"].str.endswith("progress.jsonl").all()
    assert (tmp_path / "bob" / "progress.jsonl").read_text().endswith("oops\n")  # left as it was
    summary = quiz.score_table(table).set_index("student")
    in_bank = len(quiz.load_quiz(START))
    assert summary.loc["ada"].to_dict() == {
        "lesson": START,
        "answered": 2,
        "questions": in_bank,
        "correct": 2,
        "first_try": 1,
        "score": 2.0,
        "out_of": float(in_bank),
        "attempts": 3,
    }
    assert summary.loc["bob", "first_try"] == 1
    with pytest.raises(FileNotFoundError, match="no progress file or folder at"):
        quiz.gather_progress([tmp_path / "carol"])


def test_summary_counts_answered_of_the_bank_and_the_seed_is_whole(tmp_path, capsys):
    from funnelsim.quiz.progress import append_record

    _attempts(tmp_path / "ada.jsonl", "ada", [("a", True)])
    append_record(
        {"student": "ada", "lesson": "99_no_such_lesson", "question": "q", "answer": 1,
         "correct": False, "score": 0.5, "time": "2026-01-01T11:00:00+00:00", "seed": 1234},
        tmp_path / "ada.jsonl",
    )  # fmt: skip
    table = quiz.gather_progress(tmp_path)
    assert str(table["seed"].dtype) == "Int64"
    assert table["seed"].tolist()[-1] == 1234 and table["seed"].isna().sum() == 1
    summary = quiz.score_table(table).set_index("lesson")
    in_bank = len(quiz.load_quiz(START))
    assert summary.loc[START, "answered"] == 1 and summary.loc[START, "questions"] == in_bank
    assert summary.loc[START, "out_of"] == in_bank and in_bank > 1
    assert summary.loc["99_no_such_lesson", "questions"] is pd.NA  # no bank: not guessed
    assert quiz.main([str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "1234" in printed and "1234.0" not in printed
    assert quiz.main([str(tmp_path), "--summary"]) == 0
    header = capsys.readouterr().out.splitlines()[0].split()
    assert header[2:] == [
        "answered", "questions", "correct", "first_try", "score", "out_of", "attempts"
    ]  # fmt: skip


def test_the_command_line_entry(tmp_path, capsys):
    _attempts(tmp_path / "ada.jsonl", "ada", [("a", True)])
    assert quiz.main([str(tmp_path), "--summary"]) == 0
    assert "ada" in capsys.readouterr().out
    out = tmp_path / "out" / "class.csv"
    assert quiz.main([str(tmp_path / "ada.jsonl"), "-o", str(out)]) == 0
    assert out.read_text().splitlines()[0] == ",".join([*quiz.PROGRESS_COLUMNS, "source"])
    assert quiz.main([str(tmp_path / "missing")]) == 2
    assert "no progress file or folder" in capsys.readouterr().err
    parser = argparse.ArgumentParser(prog="funnelsim")  # as a subcommand of the main CLI
    commands = parser.add_subparsers(dest="command", required=True)
    sub = quiz.add_progress_arguments(commands.add_parser("progress"))
    sub.set_defaults(func=quiz.run_progress)
    args = parser.parse_args(["progress", str(tmp_path / "ada.jsonl"), "--summary"])
    assert args.func(args) == 0
    assert "first_try" in capsys.readouterr().out
    # and as the installed command's subcommand
    from funnelsim import cli

    assert cli.main(["progress", str(tmp_path / "ada.jsonl"), "--summary"]) == 0
    assert "ada" in capsys.readouterr().out
    assert cli.main(["progress", str(tmp_path / "missing")]) == 2


def test_progress_without_a_path_reads_the_students_own_folder(tmp_path, monkeypatch, capsys):
    from funnelsim import cli

    own = tmp_path / "progress"  # $FUNNELSIM_PROGRESS_DIR (the autouse fixture)
    assert cli.main(["progress"]) == 0  # nothing recorded yet: no folder, no error
    assert capsys.readouterr().out.startswith(f"no attempts recorded (no progress folder {own}")
    assert quiz.check(START, "buyers-per-referral", 111).correct  # recorded in the own file
    assert cli.main(["progress", "--summary"]) == 0
    out = capsys.readouterr().out
    assert "00_start_here" in out and "first_try" in out
    monkeypatch.setenv("FUNNELSIM_PROGRESS_DIR", str(tmp_path / "elsewhere"))
    assert quiz.main([]) == 0
    assert "no attempts recorded" in capsys.readouterr().out


# --------------------------------------------------------------------------- without a kernel


def _secrets(q: qb.Question, lang: str) -> list[str]:
    """Texts that would give the answer away if they were in plain sight."""
    out = [q.explanation(lang)] if q.explanation else []
    if isinstance(q, qb.SingleChoice | qb.MultipleChoice):
        out += [c.why(lang) for c in q.choices if c.why]
    if isinstance(q, qb.Classification):
        out += [w(lang) for w in q.why if w]
    if isinstance(q, qb.Numeric) and q.answer is not None:
        out.append(repr(q.answer))
    return out


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_static_page_is_readable_and_gives_no_answer_away(start, lang):
    html = quiz.to_html(start, lang=lang)
    text = quiz.to_text(start, lang=lang)
    for q in start.questions:
        assert q.prompt(0)(lang).split("`")[0][:30] in text
        for secret in _secrets(q, lang):
            assert secret not in html and secret not in text, (q.id, secret)
    assert '"correct":' not in html and '"answer":' not in html
    assert "http://" not in html and "https://" not in html and " src=" not in html
    assert "seed=0" in text  # simulated questions show the example seed, the same for everyone


def test_static_keys_decode_to_the_grading_key(start):
    q = start["reach-meaning"]
    seed, blob = encode_key(q.key(0, "en"), "reach-meaning/en")
    assert decode_key(seed, blob) == q.key(0, "en")
    assert decode_key(*encode_key({"a": "ЛПР"}, "x")) == {"a": "ЛПР"}


def test_language_follows_the_environment(start, monkeypatch):
    monkeypatch.setenv("FUNNELSIM_LANG", "ru")
    assert "Проверьте себя" in quiz.to_text(start)


def test_show_returns_a_widget_that_falls_back_to_the_static_quiz(start):
    view = quiz.show(START, seed=5)
    bundle = view._repr_mimebundle_()
    assert set(bundle) == {"application/vnd.jupyter.widget-view+json", "text/html", "text/plain"}
    assert bundle["text/html"] == quiz.to_html(start)  # static: the example seed, not the student's
    assert "VBox" not in bundle["text/plain"]


def test_the_widget_grades_explains_scores_and_records(start, tmp_path):
    path = tmp_path / "w.jsonl"
    view = quiz.show(START, seed=5, path=path, lang="en")
    rows = {row.q.id: row for row in view.rows}
    row = rows["buyers-per-referral"]
    row.button.click()  # nothing entered yet
    assert "Answer every part first." in row.feedback.value
    row.inputs[0].value = "lots"
    row.button.click()
    assert "Enter a number." in row.feedback.value
    row.inputs[0].value = "90"
    row.button.click()
    assert "too low" in row.feedback.value
    row.inputs[0].value = "111,1"
    row.button.click()
    assert "Correct." in row.feedback.value
    order = rows["aaarrr-order"]
    for box, pick in zip(order.inputs, order.q.solution(), strict=True):
        box.value = pick
    assert order.check().correct
    sim = rows["your-paying-customers"]
    assert "seed=5" in sim.box.children[0].value
    sim.inputs[0].value = str(int(sim.q.solution(seed=5)))
    assert sim.check().correct
    multi = rows["halve-activation"]
    multi.inputs[multi.q.solution()[0]].value = True
    assert multi.check().score == 0.5
    assert f"Score: 3.5 / {len(start)}" in view.score.value
    table = quiz.progress(path)
    assert table["question"].tolist() == [
        "buyers-per-referral",
        "buyers-per-referral",
        "aaarrr-order",
        "your-paying-customers",
        "halve-activation",
    ]
    assert table["seed"].tolist()[3] == 5 and table["seed"].isna().sum() == 4


def test_bad_show_arguments_are_named():
    with pytest.raises(ValueError, match=r"seed must be >= 0, got -3"):
        quiz.show(START, seed=-3)
    with pytest.raises(ValueError, match=r"lang must be one of \['en', 'ru'\], got 'de'"):
        quiz.show(START, lang="de")


# --------------------------------------------------------------------------- from the glossary


def test_matching_questions_drawn_from_the_glossary():
    a = quiz.matching_from_glossary(lesson="06_unit_economics", n=4, seed=1)
    b = quiz.matching_from_glossary(lesson="06_unit_economics", n=4, seed=1)
    assert a == b and len(a.pairs) == 4
    assert a.grade(a.solution()).correct
    keys = quiz.matching_from_glossary(["ltv", "cac"])
    assert keys.pairs[0][0].en == "Lifetime value (LTV)"
    assert keys.pairs[1][1].ru.startswith("Все расходы на привлечение")
    practice = quiz.glossary_quiz("08_b2b_buying", n=3, seed=2)
    assert practice.lesson == "08_b2b_buying" and len(practice) == 1
    last = quiz.glossary_quiz("14_capstone", n=8, seed=0)  # a lesson with one term of its own
    assert len(last.questions[0].pairs) == 8
    with pytest.raises(
        ValueError, match=r"n must be at most 3 \(the terms of '01_value_proposition'\), got 9"
    ):
        quiz.matching_from_glossary(lesson="01_value_proposition", n=9)
    with pytest.raises(ValueError, match="lesson must be one of"):
        quiz.glossary_quiz("99")


# --------------------------------------------------------------------------- properties


@given(st.permutations(list(range(6))))
def test_ordering_score_is_the_share_of_pairs_in_order(picks):
    q = BANK["aaarrr-order"]
    grade = q.grade(picks)
    ranks = [q.shown[i] for i in picks]
    concordant = sum(ranks[a] < ranks[b] for a in range(6) for b in range(a + 1, 6))
    assert grade.score == pytest.approx(concordant / 15)
    assert grade.correct == (picks == q.solution())


@given(st.lists(st.integers(0, 4), unique=True))
def test_multiple_choice_score_stays_in_0_1_and_is_1_only_for_the_right_set(ticked):
    q = BANK["halve-activation"]
    grade = q.grade(ticked)
    assert 0.0 <= grade.score <= 1.0
    assert grade.correct == (sorted(ticked) == q.solution())


@given(st.lists(st.integers(0, 4), min_size=5, max_size=5))
def test_matching_score_is_the_share_matched(picks):
    q = BANK["table-columns"]
    right = q.solution()
    assert q.grade(picks).score == pytest.approx(
        np.mean([a == b for a, b in zip(picks, right, strict=True)])
    )


@given(st.floats(-1e9, 1e9, allow_nan=False))
def test_numbers_read_back_with_a_decimal_comma(x):
    text = repr(x).replace(".", ",")
    assert qb.parse_number(text) == x


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=12,
)


@given(JSON, st.text(min_size=1))
def test_static_keys_round_trip(key, salt):
    assert decode_key(*encode_key(key, salt)) == key


def test_printing_a_quiz_or_a_question_gives_no_answer_away(start):
    shown = repr(start) + str(start) + "".join(repr(q) for q in start.questions)
    assert "correct=True" not in shown and "111.11" not in shown
    assert repr(start) == f"Quiz('00_start_here', {len(start.questions)} questions)"
    assert start.questions[0].text.en.split("`")[0] in str(start)
