"""Checks of exercise 06_unit_economics (funnelsim.exercises.unit_economics), called directly."""

from __future__ import annotations

import pytest

import funnelsim as fs
from funnelsim.exercises import get, run_checks
from tests.exercise_helpers import ExerciseChecks

SPEC = get("06_unit_economics")
CHECKS = ExerciseChecks(SPEC)
SEEDS = [0, 1, 2, 98765]


def _economics(**kw):
    args = {"arpu": 600.0, "margin": 0.8, "discount": 0.01, "expansion": 0.01} | kw
    return fs.unit_economics(
        args["arpu"], args["margin"], 0.02, discount=args["discount"], expansion=args["expansion"]
    )


def _honest(seed: int) -> dict:
    """What a correct student with ``seed`` answers, from first principles."""
    cohort = fs.simulate_cohorts(fs.ChurnModel.geometric(0.02), 300, periods=12, seed=seed)
    active = cohort.wide("active").loc[0, 12]
    return {
        "arpu_month": 1_440_000 / 200 / 12,
        "cac_dollars": 60_000 / 40,
        # the closed form m·ARPU / (1 − (1 − c)(1 + g)/(1 + d))
        "ltv_dollars": 480 / (1 - 0.98 * 1.01 / 1.01),
        "max_cac_24": sum(480 * (0.98 * 1.01 / 1.01) ** t for t in range(24)),
        "nrr_year": active * 600 * 1.01**12 / (300 * 600),
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_honest_answers_pass_every_check(seed: int) -> None:
    for question, value in _honest(seed).items():
        assert CHECKS.passes(question, value, seed), (
            question,
            CHECKS.feedback(question, value, seed),
        )


@pytest.mark.parametrize(
    ("question", "wrong", "hint"),
    [
        ("arpu_month", 7_200, "per *year*"),
        ("arpu_month", 120_000, "whole company's monthly revenue"),
        ("cac_dollars", 500, "only the ads"),
        ("cac_dollars", 1_700, "hosting for existing customers"),
        ("cac_dollars", 750, "sales team's salaries"),
        ("ltv_dollars", _economics(expansion=0.0).ltv, "left out the expansion"),
        ("ltv_dollars", _economics(discount=0.0).ltv, "left out the discount rate"),
        ("ltv_dollars", _economics(margin=1.0).ltv, "lifetime revenue"),
        ("ltv_dollars", _economics(arpu=7_200.0).ltv, "12× too large"),
        ("max_cac_24", 24 * 480, "assumes every account stays 24 months"),
        ("max_cac_24", _economics().ltv, "the whole LTV"),
        ("nrr_year", 88.4, "percentage"),
    ],
)
def test_classic_mistakes_get_their_hint(question: str, wrong, hint: str) -> None:
    assert hint in CHECKS.feedback(question, wrong, 0)


def test_logo_retention_and_the_formula_get_their_hints() -> None:
    seed = 3
    cohort = fs.simulate_cohorts(fs.ChurnModel.geometric(0.02), 300, periods=12, seed=seed)
    share = cohort.wide("active").loc[0, 12] / 300
    assert "logo retention" in CHECKS.feedback("nrr_year", share, seed)
    formula = 0.98**12 * 1.01**12
    visible = run_checks(SPEC.question("nrr_year"), formula, seed, hidden=False)
    assert all(o.passed for o in visible)  # plausible ...
    assert "formula's expected NRR" in CHECKS.feedback(
        "nrr_year", formula, seed
    )  # ... but not yours


def test_another_students_cohort_fails_only_the_hidden_check() -> None:
    theirs = _honest(1)["nrr_year"]
    assert all(o.passed for o in run_checks(SPEC.question("nrr_year"), theirs, 0, hidden=False))
    assert not CHECKS.passes("nrr_year", theirs, 0)


@pytest.mark.parametrize("seed", [0, 5])
def test_feedback_never_contains_the_answer(seed: int) -> None:
    honest = _honest(seed)
    wrongs = {
        "arpu_month": [7_200, 1.0],
        "cac_dollars": [500, 1_700, 9.0],
        "ltv_dollars": [100.0, _economics(expansion=0.0).ltv],
        "max_cac_24": [24 * 480, 1.0],
        "nrr_year": [0.1, 0.5],
    }
    for question, values in wrongs.items():
        right = honest[question]
        forms = {f"{right:,.0f}", f"{right:.0f}", f"{right:.2f}", f"{right:.3f}", f"{right:.1%}"}
        for value in values:
            text = CHECKS.feedback(question, value, seed)
            assert text
            assert not any(f in text for f in forms if len(f) > 2), (question, value, text)
