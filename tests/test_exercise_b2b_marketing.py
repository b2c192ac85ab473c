"""The checks of exercise 13_b2b_marketing, called directly (funnelsim.exercises.b2b_marketing)."""

from __future__ import annotations

import pytest

import funnelsim as fs
from funnelsim.exercises import b2b_marketing as ex13
from funnelsim.exercises import get
from tests.exercise_helpers import ExerciseChecks

SPEC = get("13_b2b_marketing")
CHECKS = ExerciseChecks(SPEC)
AFTER_FIX = 2000 * 0.6 * 0.5 * 0.25  # 150 contracts a month
LEADS_SAME = AFTER_FIX / (0.6 * 0.5 * 0.12)  # 4166.67 leads a month


@pytest.mark.parametrize("seed", [0, 7, 99, 2024])
def test_honest_answers_pass_for_several_seeds(seed):
    stackline = ex13.funnel()
    fixed = stackline.with_rates(Contract=0.25)
    answers = {
        "maturity_level": 3,
        "bottleneck_stage": fs.bottleneck(stackline, buyers=2000)["stage"].iloc[0],
        "customers_after_fix": 2000 * fixed.reach[-1],
        "leads_for_same": 2000 * fixed.reach[-1] / stackline.reach[-1],
        "simulated_contracts": int(fs.simulate(fixed, 2000, seed=seed).counts[0, -1]),
        "claim_for_fifth": fs.simulate_positioning(5)["strategy"].iloc[4],
    }
    for name, value in answers.items():
        assert CHECKS.passes(name, value, seed), (name, CHECKS.feedback(name, value, seed))
    counts_mode = int(fs.simulate(fixed, 2000, seed=seed, mode="counts").counts[0, -1])
    assert CHECKS.passes("simulated_contracts", counts_mode, seed)
    assert CHECKS.passes("leads_for_same", 4167)  # rounded up to whole leads
    assert CHECKS.passes("bottleneck_stage", "contract")


def test_the_module_gives_the_documented_answers():
    assert ex13.LEADS * ex13.fixed_funnel().reach[-1] == pytest.approx(150)
    assert pytest.approx(4166.666, rel=1e-5) == LEADS_SAME
    assert fs.simulate_positioning(5)["strategy"].iloc[4] == "unique technical feature"


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        (4, "nobody counts"),
        (2, "standard everyone knows"),
        (1, "more than ad hoc"),
        (5, "nothing is revised"),
        (3.5, "whole number from 1 to 5"),
        (0, "whole number from 1 to 5"),
    ],
)
def test_maturity_mistakes(value, hint):
    assert hint in CHECKS.feedback("maturity_level", value)


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("Brief", "loses the most leads"),
        ("Estimate", "not the step with the lowest"),
        ("Lead", "every company starts"),
        ("Proposal", "not a stage"),
    ],
)
def test_bottleneck_mistakes(value, hint):
    assert hint in CHECKS.feedback("bottleneck_stage", value)


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        (72, "today's figure"),
        (2000 * 0.25 * 0.5 * 0.12, "replaces the estimate → contract step"),
        (0.075, "share of leads"),
        (400, "leads × every step"),
    ],
)
def test_after_fix_mistakes(value, hint):
    assert hint in CHECKS.feedback("customers_after_fix", value)


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        (LEADS_SAME - 2000, "extra leads"),
        (LEADS_SAME / 2000, "ratio"),
        (3000, "work backwards to the leads"),
    ],
)
def test_leads_mistakes(value, hint):
    assert hint in CHECKS.feedback("leads_for_same", value)


def test_simulated_contracts_mistakes_and_hidden_check():
    today = int(fs.simulate(ex13.funnel(), 2000, seed=3).counts[0, -1])
    assert "today's funnel" in CHECKS.feedback("simulated_contracts", today)
    assert "standard errors" in CHECKS.feedback("simulated_contracts", 300)
    assert "whole number" in CHECKS.feedback("simulated_contracts", 150.5)
    fixed = ex13.fixed_funnel()
    others = [int(fs.simulate(fixed, 2000, seed=s).counts[0, -1]) for s in range(40, 60)]
    mine = {
        int(fs.simulate(fixed, 2000, seed=5).counts[0, -1]),
        int(fs.simulate(fixed, 2000, seed=5, mode="counts").counts[0, -1]),
    }
    other = next(x for x in others if x not in mine)
    visible = CHECKS.outcomes("simulated_contracts", other, seed=5, hidden=False)
    assert all(o.passed for o in visible)
    hidden = CHECKS.outcomes("simulated_contracts", other, seed=5)
    assert not hidden[-1].passed and "your own seed" in hidden[-1].feedback


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("price and channels", "some claims are still empty"),
        ("key choice factors", "two firms already hold them"),
        ("relative advantages", "entrant == 5"),
        ("being cheap", "not a strategy"),
        (5, "a string"),
    ],
)
def test_claim_mistakes(value, hint):
    assert hint in CHECKS.feedback("claim_for_fifth", value)


def test_feedback_never_contains_an_answer():
    wrong = {
        "maturity_level": [1, 2, 4, 5],
        "bottleneck_stage": ["Brief", "Estimate"],
        "customers_after_fix": [72, 60, 0.075, 400],
        "leads_for_same": [2166.67, 2.08, 3000],
        "simulated_contracts": [300, 72],
        "claim_for_fifth": ["price and channels", "key choice factors", "relative advantages"],
    }
    answers = ["150", "4166", "4167", "unique technical feature", "Contract", "level 3"]
    for name, values in wrong.items():
        for value in values:
            text = CHECKS.feedback(name, value)
            assert text, (name, value)
            for answer in answers:
                assert answer not in text, (name, value, text)
