"""Checks of exercise 07_referral (funnelsim.exercises.referral), called directly."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import funnelsim as fs
from funnelsim.exercises import get
from funnelsim.exercises import referral as ex07
from tests.exercise_helpers import ExerciseChecks

SPEC = get("07_referral")
CHECKS = ExerciseChecks(SPEC)


def _counts(month: str) -> tuple[int, int, int]:
    s = ex07.survey(month)
    return int((s >= 9).sum()), int(((s >= 7) & (s <= 8)).sum()), int((s <= 6).sum())


def _honest(seed: int) -> dict:
    """A correct student's answers, from first principles where the lesson gives them."""
    pro, _, det = _counts("this month")
    pro_b, _, det_b = _counts("last month")
    # Rocks's adjusted Wald for a difference: 3/4 promoter and detractor added to each survey
    pa, da = (pro + 0.75) / 153, (det + 0.75) / 153
    pb, db = (pro_b + 0.75) / 153, (det_b + 0.75) / 153
    var = (pa + da - (pa - da) ** 2) / 153 + (pb + db - (pb - db) ** 2) / 153
    low = 100 * ((pa - da) - (pb - db) - 1.959963984540054 * math.sqrt(var))
    table = ex07.programme()
    return {
        "nps_this_month": 100 * (pro - det) / 150,
        "change_low": low,
        "k": 10_000 / 4_000 * 0.12,
        "referred_total": fs.simulate_referrals(4_000, 2.5, 0.12, seed=seed).total,
        "best_reward": table.loc[table["roi"].idxmax(), "referrer_reward"],
    }


def test_the_surveys_have_150_answers_and_the_documented_scores():
    assert len(ex07.survey("this month")) == len(ex07.survey("last month")) == 150
    assert _counts("this month") == (66, 45, 39)
    with pytest.raises(ValueError, match="month must be one of"):
        ex07.survey("next month")


@pytest.mark.parametrize("seed", [0, 1, 7, 2026, 123_456_789])
def test_honest_answers_pass_every_check(seed):
    for name, value in _honest(seed).items():
        assert CHECKS.passes(name, value, seed), (name, CHECKS.feedback(name, value, seed))


def test_another_seeds_total_passes_visible_but_not_hidden():
    student = 5
    failures_visible = failures_hidden = 0
    for other in range(100, 160):
        total = fs.simulate_referrals(4_000, 2.5, 0.12, seed=other).total
        failures_visible += not CHECKS.passes("referred_total", total, student, hidden=False)
        failures_hidden += not CHECKS.passes("referred_total", total, student, hidden=True)
    assert failures_visible == 0
    assert failures_hidden >= 55  # a neighbour's total rarely equals one's own


def test_visible_tolerance_is_four_standard_errors_of_the_total_progeny():
    # Galton–Watson with Poisson(K) offspring: var of the total from s ancestors s K/(1-K)^3
    totals = fs.simulate_referrals(4_000, 2.5, 0.12, replications=4_000, seed=9).totals
    k = 0.3
    assert abs(totals.mean() - 4_000 / (1 - k)) < 4 * totals.std(ddof=1) / math.sqrt(4_000)
    assert math.isclose(totals.std(ddof=1), math.sqrt(4_000 * k / (1 - k) ** 3), rel_tol=0.06)


def test_classic_mistakes_get_their_hint():
    seed = 3
    right = _honest(seed)
    table = ex07.programme()
    most_profit = float(table.loc[table["profit"].idxmax(), "referrer_reward"])
    cases = [
        ("nps_this_month", right["nps_this_month"] / 100, "as a fraction"),
        ("nps_this_month", 100 * 66 / 150, "share of promoters"),
        ("nps_this_month", float(np.mean(ex07.survey("this month"))), "average score"),
        ("change_low", fs.nps_ci(ex07.survey("this month")).low, "this month's NPS alone"),
        ("change_low", right["change_low"] / 100, "−1..1 scale"),
        ("change_low", 12.0, "below the change itself"),
        (
            "change_low",
            fs.nps(ex07.survey("this month")) - fs.nps(ex07.survey("last month")),
            "estimated change itself",
        ),
        ("k", 1_200, "count of new subscribers"),
        ("k", 30.0, "fraction"),
        ("k", 2.5, "not every invite converts"),
        ("referred_total", right["referred_total"] - 4_000, "referred subscribers only"),
        ("referred_total", 5_200, "stops after one cycle"),
        ("referred_total", 60_000, "standard errors from"),
        ("referred_total", 5_000.5, "whole number"),
        ("best_reward", most_profit, "maximises the programme's profit"),
        ("best_reward", 0, "ROI −100 %"),
        ("best_reward", 90, "from 0 to 60"),
    ]
    for name, value, hint in cases:
        feedback = CHECKS.feedback(name, value, seed)
        assert re.search(hint, feedback), (name, value, feedback)


def test_plain_wald_interval_passes_with_150_answers():
    a, b = ex07.survey("this month"), ex07.survey("last month")
    pa, pb = fs.nps_breakdown(a), fs.nps_breakdown(b)
    var = sum(
        (p["promoter"] + p["detractor"] - (p["promoter"] - p["detractor"]) ** 2) / 150
        for p in (pa, pb)
    )
    wald = 10.0 - 100 * 1.96 * math.sqrt(var)
    assert CHECKS.passes("change_low", wald, 1)


def test_feedback_never_gives_the_answer():
    seed = 3
    right = _honest(seed)
    secrets = {
        f"{right['nps_this_month']:g}",
        f"{right['change_low']:.1f}",
        "0.3",
        str(right["referred_total"]),
        f"{right['best_reward']:g}",
    }
    wrong = [
        ("nps_this_month", 50.0),
        ("change_low", -30.0),
        ("k", 0.5),
        ("referred_total", 9_000),
        ("best_reward", 40),
    ]
    for name, value in wrong:
        feedback = CHECKS.feedback(name, value, seed)
        assert feedback
        for secret in secrets:
            assert not re.search(rf"(?<![\d.]){re.escape(secret)}(?![\d.])", feedback), (
                name,
                value,
                feedback,
            )


def test_strange_answers_give_feedback_not_tracebacks():
    for value in ([1, 2], None, math.nan, np.array([0.1, 0.2]), {"a": 1}, True, "many"):
        for q in SPEC.questions:
            outcomes = CHECKS.outcomes(q.name, value, 1)
            assert not all(o.passed for o in outcomes)
            assert all(o.feedback for o in outcomes if not o.passed)
