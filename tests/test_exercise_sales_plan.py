"""The checks of exercise 09_sales_funnel, called directly (funnelsim.exercises.sales_plan)."""

from __future__ import annotations

import math

import pytest

import funnelsim as fs
from funnelsim.exercises import get
from funnelsim.exercises import sales_plan as ex09
from tests.exercise_helpers import ExerciseChecks

SPEC = get("09_sales_funnel")
CHECKS = ExerciseChecks(SPEC)
# The right answers, computed by hand from the module's documented situation.
LEADS = 8 / (0.5 * 0.25 * 0.8 * 0.5)  # 160
START = 1 + 1 + 1 + 2  # the months of Lead, Call, Demo and Trial
BUDGET = 160 * 30 + 80 * 2 * 20 + 20 * 250 + 16 * 400  # 19,400 $


def test_the_plan_matches_the_hand_computation():
    plan = ex09.plan()
    assert plan["entrants"].iloc[0] == pytest.approx(LEADS)
    assert plan["start_before"].iloc[0] == START
    assert plan["budget"].sum() == pytest.approx(BUDGET)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 12345])
def test_honest_answers_pass_for_several_seeds(seed):
    plan = ex09.plan()
    run = fs.simulate_plan(plan, ex09.funnel(), replications=200, seed=seed)
    answers = {
        "leads_per_month": plan["entrants"].iloc[0],
        "lead_start_months": plan["start_before"].iloc[0],
        "monthly_budget": plan["budget"].sum(),
        "fix_first": fs.fix_first(ex09.funnel(), delta=0.05),
        "share_met": run["met"].mean(),
    }
    for name, value in answers.items():
        assert CHECKS.passes(name, value, seed), (name, CHECKS.feedback(name, value, seed))
    assert CHECKS.passes("leads_per_month", 160)  # a whole number typed by hand
    assert CHECKS.passes("fix_first", " demo ")


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        (8 * 0.05, "did you multiply"),
        (8 / 0.5, "divided by the last step only"),
        (8 / (0.5 * 0.8 * 0.5), "check the Demo step"),
        (-3, "more than 0"),
        ("many", "should be a number"),
    ],
)
def test_leads_mistakes_get_their_hint(value, hint):
    assert hint in CHECKS.feedback("leads_per_month", value)


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        (START + 1, "month spent in Deal"),
        (2, "only the Trial stage"),
        (START - 1, "Lead stage itself"),
        (-1, "before"),
    ],
)
def test_start_mistakes_get_their_hint(value, hint):
    assert hint in CHECKS.feedback("lead_start_months", value)


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        (160 * 30 + 80 * 20 + 20 * 250 + 16 * 400, "two calls"),
        ((30 + 2 * 20 + 250 + 400) * 8, "once per client won"),
        (160 * (30 + 2 * 20 + 250 + 400), "on every lead"),
        (BUDGET / 8, "cost per client"),
        (12_345, "entrants × activities"),
    ],
)
def test_budget_mistakes_get_their_hint(value, hint):
    assert hint in CHECKS.feedback("monthly_budget", value)


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("Call", "loses the most companies"),
        ("Deal", "closest to the money"),
        ("Trial", "not the step with the lowest"),
        ("Lead", "every company starts"),
        ("Pilot", "not a stage of this funnel"),
        (3, "stage name"),
    ],
)
def test_fix_first_mistakes_get_their_hint(value, hint):
    assert hint in CHECKS.feedback("fix_first", value)


def test_share_met_mistakes():
    assert "percentage" in CHECKS.feedback("share_met", 55.0)
    assert "far too often" in CHECKS.feedback("share_met", 0.97)
    assert "standard errors" in CHECKS.feedback("share_met", 0.2)
    # a plausible share that is not from the student's own simulation fails the hidden check
    run = fs.simulate_plan(ex09.plan(), ex09.funnel(), replications=200, seed=1)
    other = run["met"].mean()
    visible = CHECKS.outcomes("share_met", other, seed=2, hidden=False)
    assert all(o.passed for o in visible)
    hidden = CHECKS.outcomes("share_met", other, seed=2)
    assert not hidden[-1].passed and "your own seed" in hidden[-1].feedback


def test_share_met_tolerance_is_four_standard_errors_of_the_exact_binomial():
    from scipy import stats

    p = stats.binom.sf(7, 160, 0.05)
    se = math.sqrt(p * (1 - p) / 200)
    ok = CHECKS.outcomes("share_met", p + 3.9 * se, hidden=False)
    bad = CHECKS.outcomes("share_met", p - 4.1 * se, hidden=False)
    assert ok[0].passed and not bad[0].passed


def test_feedback_never_contains_an_answer():
    wrong = {
        "leads_per_month": [0.4, 16, 20, 1000, 159],
        "lead_start_months": [6, 2, 4, 10],
        "monthly_budget": [17_800, 5_760, 115_200, 2_425, 1],
        "fix_first": ["Call", "Deal", "Trial"],
        "share_met": [0.2, 0.97, 55.0],
    }
    answers = ["160", "19,400", "19400", "Demo", "demo"]
    for name, values in wrong.items():
        for value in values:
            text = CHECKS.feedback(name, value)
            assert text, (name, value)
            for answer in answers:
                assert answer not in text, (name, value, text)
    assert "5 " not in CHECKS.feedback("lead_start_months", 6).replace("+5 points", "")
