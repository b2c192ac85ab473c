"""Checks of exercise 11 (a cleaning-robot maker chooses its accounts), called directly."""

from __future__ import annotations

import pytest

import funnelsim as fs
from funnelsim.exercises import Wrong
from funnelsim.exercises import abm_bant as ex
from tests.exercise_helpers import ExerciseChecks

SEEDS = (0, 1, 2, 3, 4)
CHECKS = ExerciseChecks(ex.EXERCISE)


@pytest.mark.parametrize("seed", SEEDS)
def test_honest_answers_pass_every_check(seed):
    abm = fs.simulate_abm(ex.COMPANIES, **ex.PLAN, seed=seed)
    answers = {
        "top_account": fs.bant_score(ex.prospects())["account"].iloc[0],
        "fit_companies": int(abm.table()["reached"].iloc[1]),
        "wins_bant": int(abm.table("bant")["reached"].iloc[-1]),
        "best_for_revenue": "expected_value",
    }
    for question, value in answers.items():
        for outcome in CHECKS.outcomes(question, value, seed):
            assert outcome.passed, (question, outcome.feedback)


def test_the_top_account_is_the_highest_product_not_the_highest_sum():
    scored = fs.bant_score(ex.prospects())
    assert scored["account"].iloc[0] == "Cold store" and scored["bant"].iloc[0] == 192
    out = ex._top_is_right("Airport", 0)
    assert not out.passed and "highest *sum*" in out.feedback
    out = ex._top_is_right("steelworks", 0)
    assert not out.passed and "highest product" in out.feedback
    assert ex._top_is_right(" cold store ", 0).passed
    with pytest.raises(Wrong, match=r"'Depot' is not one of the prospects"):
        ex._top_is_name("Depot", 0)


def test_count_mistakes_get_targeted_feedback():
    seed = 2
    abm = fs.simulate_abm(ex.COMPANIES, **ex.PLAN, seed=seed)
    s = abm.summary().set_index("ranking")
    out = ex._fit_plausible(80, seed)
    assert not out.passed and "capacity" in out.feedback
    with pytest.raises(Wrong, match="you gave a share"):
        ex._fit_plausible(0.2, seed)
    with pytest.raises(Wrong, match="a whole number"):
        ex._wins_plausible(float(s.loc["bant", "expected_wins"]) + 0.01, seed)
    out = ex._wins_plausible(int(s.loc["bant", "responded"]), seed)
    assert not out.passed and "responded" in out.feedback
    other = fs.simulate_abm(ex.COMPANIES, **ex.PLAN, seed=99)
    if other.accounts["fit"].sum() != abm.accounts["fit"].sum():
        out = ex._fit_own_seed(int(other.accounts["fit"].sum()), seed)
        assert not out.passed and "your own seed" in out.feedback
    if other.table("bant")["reached"].iloc[-1] != abm.table("bant")["reached"].iloc[-1]:
        out = ex._wins_own_seed(int(other.table("bant")["reached"].iloc[-1]), seed)
        assert not out.passed and "your own seed" in out.feedback


def test_the_revenue_ranking_is_expected_value_with_hints_for_the_others():
    out = ex._ranking_is_right("bant", 0)
    assert not out.passed and "expected number of *wins*" in out.feedback
    assert "no information" in ex._ranking_is_right("random", 0).feedback
    with pytest.raises(Wrong, match=r"should be one of \['bant', 'expected_value', 'random'\]"):
        ex._ranking_is_name("revenue", 0)
    # and it is right for every seed: the top by expected value maximises expected revenue
    for seed in SEEDS:
        s = fs.simulate_abm(ex.COMPANIES, **ex.PLAN, seed=seed).summary().set_index("ranking")
        assert s["expected_revenue"].idxmax() == "expected_value"


def test_feedback_never_contains_the_answer():
    seed = 4
    abm = fs.simulate_abm(ex.COMPANIES, **ex.PLAN, seed=seed)
    fit = int(abm.accounts["fit"].sum())
    wins = int(abm.table("bant")["reached"].iloc[-1])
    secrets = ["Cold store", "expected_value", f" {fit} ", f" {fit}.", f" {wins} ", f" {wins}."]
    wrong = [
        ("top_account", "Airport"),
        ("fit_companies", 5),
        ("wins_bant", 400),
        ("best_for_revenue", "bant"),
    ]
    for question, value in wrong:
        outcomes = CHECKS.outcomes(question, value, seed)
        assert not all(o.passed for o in outcomes)
        for outcome in outcomes:
            for secret in secrets:
                assert secret not in outcome.feedback, (question, outcome.feedback)
