"""Checks of exercise 05_retention (funnelsim.exercises.subscription_retention), called directly."""

from __future__ import annotations

import pytest

import funnelsim as fs
from funnelsim.exercises import get, run_checks
from funnelsim.exercises import subscription_retention as ex05
from tests.exercise_helpers import ExerciseChecks

SPEC = get("05_retention")
CHECKS = ExerciseChecks(SPEC)
SEEDS = [0, 1, 2, 12345]


def _honest(seed: int) -> dict:
    """What a correct student with ``seed`` answers, computed here from the library."""
    lingo = fs.ChurnModel.sbg_mean(0.20, 0.10)
    cohorts = fs.simulate_cohorts(lingo, [800] * 5, periods=8, seed=seed)
    projection = fs.fit_sbg(cohorts).project(24)
    cdnow = fs.load_cdnow()
    return {
        "share_month_6": float(cohorts.wide("survival").loc[0, 6]),
        "projected_month_24": float(projection["survival"].iloc[24]),
        "lifetime_months": lingo.expected_lifetime,
        "repeat_180": float(fs.repeat_purchase_rate(cdnow, within="180D")["repeat_rate"].iloc[0]),
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_honest_answers_pass_every_check(seed: int) -> None:
    for question, value in _honest(seed).items():
        assert CHECKS.passes(question, value, seed), (
            question,
            CHECKS.feedback(question, value, seed),
        )


def test_the_model_is_the_one_the_docstring_names() -> None:
    m = ex05.model()
    assert (m.alpha, m.beta) == pytest.approx((1.8, 7.2))
    assert m.expected_lifetime == pytest.approx(10.0)


def test_another_students_simulation_fails_only_the_hidden_check() -> None:
    mine, theirs = _honest(0), _honest(1)
    for question in ("share_month_6", "projected_month_24"):
        visible = run_checks(SPEC.question(question), theirs[question], 0, hidden=False)
        assert all(o.passed for o in visible)
        assert not CHECKS.passes(question, theirs[question], 0)
        assert mine[question] != theirs[question]


@pytest.mark.parametrize(
    ("question", "wrong", "hint"),
    [
        ("share_month_6", 0.8**6, "one constant churn of 20 %"),
        ("share_month_6", 35.0, "percentage"),
        ("share_month_6", 280, "number of subscribers"),
        ("lifetime_months", 5.0, "1 / average churn"),
        ("lifetime_months", 9.0, "off by one"),
        ("repeat_180", 0.4886, "at any time"),
        ("repeat_180", 0.2922, "90-day window"),
        ("repeat_180", 37.45, "percentage"),
    ],
)
def test_classic_mistakes_get_their_hint(question: str, wrong, hint: str) -> None:
    text = CHECKS.feedback(question, wrong, 0)
    assert hint in text


def test_a_neighbouring_month_of_ones_own_table_gets_its_hint() -> None:
    wide = fs.simulate_cohorts(ex05.model(), [800] * 5, periods=8, seed=0).wide("survival")
    assert "month 7 of your table" in CHECKS.feedback("share_month_6", float(wide.loc[0, 7]), 0)


def test_the_geometric_projection_gets_its_hint() -> None:
    cohorts = fs.simulate_cohorts(ex05.model(), [800] * 5, periods=8, seed=3)
    geometric = float(
        fs.fit_sbg(cohorts).project(24, geometric=True)["geometric_survival"].iloc[24]
    )
    assert "constant-churn (geometric) projection" in CHECKS.feedback(
        "projected_month_24", geometric, 3
    )
    assert "month inside the data" in CHECKS.feedback("projected_month_24", 0.45, 3)


@pytest.mark.parametrize("seed", [0, 7])
def test_feedback_never_contains_the_answer(seed: int) -> None:
    honest = _honest(seed)
    wrongs = {
        "share_month_6": [0.0, 0.9, 0.8**6],
        "projected_month_24": [0.0, 0.5, 0.012],
        "lifetime_months": [5.0, 3.0],
        "repeat_180": [0.4886, 0.1],
    }
    for question, values in wrongs.items():
        right = honest[question]
        forms = {f"{right:.2f}", f"{right:.3f}", f"{right:.1%}", f"{100 * right:.1f}", f"{right:g}"}
        for value in values:
            text = CHECKS.feedback(question, value, seed)
            assert text
            assert not any(f in text for f in forms if len(f) > 2), (question, value, text)
