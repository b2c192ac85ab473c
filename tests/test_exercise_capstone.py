"""Checks of exercise 14 (reviewing Team Chains' go-to-market)."""

from __future__ import annotations

import math
import re

import pytest

import funnelsim as fs
from funnelsim.exercises import get
from tests.exercise_helpers import ExerciseChecks

SPEC = get("14_capstone")
CHECKS = ExerciseChecks(SPEC)


def _honest(seed):
    sc = fs.load_scenario("capstone_team_chains")
    # From first principles: spend / (buyers × reach), as the lesson defines CAC.
    customers = 120 * 0.50 * 0.30 * 0.35
    return {
        "chains_cac": 60_000 / customers,
        "chains_ltv_to_cac": sc.unit_economics().ltv / (60_000 / customers),
        "simulated_customers": int(sc.simulate(seed=seed).reached.iloc[-1]),
        "fix_first_stage": "Try",
        "plan_entrants": fs.sales_plan(10, sc.funnel, confidence=0.9)["entrants"].iloc[0],
    }


@pytest.mark.parametrize("seed", [0, 1, 2026, 2169059092])
def test_honest_answers_pass_every_check(seed):
    for name, value in _honest(seed).items():
        assert CHECKS.passes(name, value, seed), (name, CHECKS.feedback(name, value, seed))


def test_counts_mode_and_direct_funnel_runs_are_honest_too():
    sc = fs.load_scenario("capstone_team_chains")
    for mode in ("buyers", "counts"):
        run = fs.simulate(sc.funnel, sc.buyers, seed=9, mode=mode)
        assert CHECKS.passes("simulated_customers", int(run.counts[0, -1]), 9)


def test_a_neighbours_month_passes_visible_but_not_hidden_checks():
    sc = fs.load_scenario("capstone_team_chains")
    counts = {s: int(sc.simulate(seed=s).reached.iloc[-1]) for s in range(40)}
    mine, theirs = next((a, b) for a in counts for b in counts if counts[a] != counts[b])
    assert CHECKS.passes("simulated_customers", counts[theirs], mine, hidden=False)
    assert not CHECKS.passes("simulated_customers", counts[theirs], mine)
    assert "your own seed" in CHECKS.feedback("simulated_customers", counts[theirs], mine)


def test_classic_mistakes_get_their_hints():
    assert "cost per lead" in CHECKS.feedback("chains_cac", 60_000 / 120)
    assert "expected customers" in CHECKS.feedback("chains_cac", 60_000 / 7)
    ratio = _honest(0)["chains_ltv_to_cac"]
    assert "inverse" in CHECKS.feedback("chains_ltv_to_cac", 1 / ratio)
    assert "percentage" in CHECKS.feedback("chains_ltv_to_cac", 100 * ratio)
    assert "loses the most chains" in CHECKS.feedback("fix_first_stage", "Learn")
    assert "confidence=0.9" in CHECKS.feedback("plan_entrants", 10 / (0.5 * 0.3 * 0.35))
    assert "stage name" in CHECKS.feedback("fix_first_stage", "Pilot")
    assert "share" in CHECKS.feedback("simulated_customers", 0.05)


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("chains_cac", 500.0),
        ("chains_cac", 123.0),
        ("chains_ltv_to_cac", 0.5),
        ("simulated_customers", 60),
        ("fix_first_stage", "Buy"),
        ("plan_entrants", 100.0),
    ],
)
def test_feedback_never_gives_the_answer(question, value):
    right = _honest(0)[question]
    text = CHECKS.feedback(question, value, 0)
    assert text
    forms = {right} if isinstance(right, str) else {f"{right:,.0f}", f"{right:.0f}", f"{right:.2f}"}
    for form in forms:
        if isinstance(right, str):
            assert f"{form} is" not in text
        else:
            assert not re.search(rf"(?<![\d.,]){re.escape(form)}(?![\d.])", text), (question, text)


def test_strange_answers_give_feedback_not_tracebacks():
    for question in ("chains_cac", "chains_ltv_to_cac", "simulated_customers", "plan_entrants"):
        outcomes = CHECKS.outcomes(question, "a lot")
        assert not any(o.passed for o in outcomes) and all(o.feedback for o in outcomes)
    assert not CHECKS.passes("chains_cac", -5)
    assert not CHECKS.passes("chains_cac", math.nan)
