"""Tests for funnelsim.planning: the sales plan worked backwards, and its simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import funnelsim as fs
from funnelsim.planning import PLAN_COLUMNS, sales_plan, simulate_plan

SALES = {"Lead": 1.0, "Meeting": 0.2, "Proposal": 0.5, "Deal": 0.25}


def test_entrants_are_the_target_divided_by_the_conversions_below():
    plan = sales_plan(10, SALES)
    assert tuple(plan.columns) == PLAN_COLUMNS
    assert plan["stage"].tolist() == list(SALES)
    # 10 / 0.25 = 40 proposals, / 0.5 = 80 meetings, / 0.2 = 400 leads
    np.testing.assert_allclose(plan["entrants"], [400, 80, 40, 10])
    np.testing.assert_allclose(plan["win_probability"], [0.025, 0.125, 0.25, 1.0])
    np.testing.assert_allclose(plan["step_conversion"], [1.0, 0.2, 0.5, 0.25])


def test_activities_budget_and_attrs():
    plan = sales_plan(
        10,
        SALES,
        cost_per_activity={"Lead": 5.0, "Meeting": 100.0},
        activities_per_entrant={"Lead": 3},
        periods=4,
    )
    np.testing.assert_allclose(plan["activities"], [1200, 80, 40, 10])
    np.testing.assert_allclose(plan["budget"], [6000, 8000, 0, 0])
    assert plan.attrs["budget_per_period"] == pytest.approx(14_000)
    assert plan.attrs["total_budget"] == pytest.approx(56_000)
    assert plan.attrs["cost_per_customer"] == pytest.approx(1_400)
    assert plan.attrs["target"] == 10 and plan.attrs["periods"] == 4


def test_start_dates_add_the_times_of_the_stages_below():
    plan = sales_plan(10, SALES, stage_times={"Lead": 1, "Meeting": 2, "Proposal": 1, "Deal": 9})
    # the time in the last stage comes after the win and does not count
    np.testing.assert_allclose(plan["start_before"], [4, 3, 1, 0])
    np.testing.assert_allclose(plan["first_period"], [-3, -2, 0, 1])
    plan = sales_plan(10, SALES, stage_times=2, periods=3)
    np.testing.assert_allclose(plan["start_before"], [6, 4, 2, 0])
    np.testing.assert_allclose(plan["last_period"], [-3, -1, 1, 3])


def test_start_dates_match_the_engines_expected_entry_times():
    f = fs.trigger_learn_try_buy().with_times(trigger=1.5, learn=3, try_=2)
    plan = sales_plan(5, f)
    entry = fs.expected(f, 100)["expected_entry_time"].to_numpy()
    np.testing.assert_allclose(plan["start_before"], entry[-1] - entry)


def test_a_funnel_object_and_a_mapping_give_the_same_plan():
    f = fs.Funnel.from_rates(SALES)
    a, b = sales_plan(7, f), sales_plan(7, SALES)
    np.testing.assert_allclose(a["entrants"], b["entrants"])


@settings(max_examples=50, deadline=None)
@given(
    rates=st.lists(st.floats(0.01, 1.0), min_size=1, max_size=6),
    target=st.floats(0.5, 1e4),
)
def test_the_plan_run_forwards_gives_the_target(rates, target):
    funnel = fs.Funnel.from_rates({f"s{i}": r for i, r in enumerate([1.0, *rates])})
    plan = sales_plan(target, funnel)
    # forwards: entrants at each stage times the conversions below = target
    forwards = plan["entrants"] * plan["win_probability"]
    np.testing.assert_allclose(forwards, target, rtol=1e-12)
    # and each stage's entrants times its next step conversion = the next stage's entrants
    np.testing.assert_allclose(
        plan["entrants"].to_numpy()[:-1] * funnel.rates[1:], plan["entrants"].to_numpy()[1:]
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_simulating_the_plan_reaches_the_target_in_expectation(seed):
    plan = sales_plan(20, SALES)  # 800 leads, exactly whole
    sim = simulate_plan(plan, SALES, replications=2000, seed=seed)
    p = 0.025
    se = math.sqrt(800 * p * (1 - p) / 2000)  # standard error of the mean over periods
    assert abs(sim["customers"].mean() - 20) < 4 * se
    # a plan in expectation meets its target in about half of the periods
    exact = stats.binom.sf(19, 800, p)
    assert abs(sim["met"].mean() - exact) < 4 * math.sqrt(exact * (1 - exact) / 2000)


def test_simulate_plan_is_seeded_and_rounds_entrants_up():
    plan = sales_plan(3, {"Lead": 1, "Deal": 0.7})  # 4.29 leads -> 5 people
    a = simulate_plan(plan, {"Lead": 1, "Deal": 0.7}, replications=50, seed=9)
    b = simulate_plan(plan, {"Lead": 1, "Deal": 0.7}, replications=50, seed=9)
    assert a.equals(b)
    assert (a["entrants"] == 5).all()
    assert a["customers"].between(0, 5).all()
    assert a["period"].tolist() == list(range(1, 51))


def test_confidence_plans_the_fewest_entrants_that_meet_the_target_that_often():
    plan = sales_plan(10, SALES, confidence=0.9)
    for n, w in zip(plan["entrants"], plan["win_probability"], strict=True):
        n = int(n)
        assert stats.binom.sf(9, n, w) >= 0.9
        assert n == 10 or stats.binom.sf(9, n - 1, w) < 0.9
    assert plan["entrants"].iloc[-1] == 10  # the last stage's entrants are the customers
    assert (plan["entrants"] > sales_plan(10, SALES)["entrants"]).iloc[:-1].all()
    sim = simulate_plan(plan, SALES, replications=2000, seed=4)
    assert sim["met"].mean() > 0.9 - 4 * math.sqrt(0.09 / 2000)


def test_a_zero_conversion_names_the_stage():
    with pytest.raises(ValueError, match="step conversion into stage 'Proposal' is 0"):
        sales_plan(10, {"Lead": 1, "Meeting": 0.2, "Proposal": 0.0, "Deal": 0.3})


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"target": 0}, ValueError, r"target must be > 0, got 0"),
        ({"target": -5}, ValueError, r"target must be > 0"),
        ({"target": "10"}, TypeError, r"target must be a real number"),
        ({"periods": 0}, ValueError, r"periods must be >= 1, got 0"),
        ({"stage_times": {"Lead": -1}}, ValueError, r"stage_times for stage 'Lead' must be >= 0"),
        ({"stage_times": {"Demo": 1}}, ValueError, r"stage_times names stage 'Demo'"),
        ({"cost_per_activity": -2.0}, ValueError, r"cost_per_activity must be >= 0, got -2.0"),
        ({"activities_per_entrant": {"Deal": -1}}, ValueError, r"activities_per_entrant for"),
        ({"confidence": 1.0}, ValueError, r"confidence must be in \(0, 1\), got 1.0"),
        ({"confidence": 0.9, "target": 2.5}, ValueError, r"whole number of customers"),
    ],
)
def test_bad_input_is_named(kwargs, error, match):
    args = {"target": 10, **kwargs}
    target = args.pop("target")
    with pytest.raises(error, match=match):
        sales_plan(target, SALES, **args)


def test_bad_funnels():
    with pytest.raises(ValueError, match="first stage 'Lead' must be 1"):
        sales_plan(10, {"Lead": 0.5, "Deal": 0.5})
    with pytest.raises(TypeError):
        sales_plan(10, [1.0, 0.5])


def test_simulate_plan_refuses_a_plan_of_another_funnel():
    plan = sales_plan(10, SALES)
    with pytest.raises(ValueError, match="are not the funnel's stages"):
        simulate_plan(plan, {"Lead": 1, "Deal": 0.1}, seed=1)
    with pytest.raises(TypeError, match="sales_plan"):
        simulate_plan(plan[["stage"]], SALES, seed=1)
    with pytest.raises(ValueError, match="replications must be >= 1"):
        simulate_plan(plan, SALES, replications=0, seed=1)


def test_plan_chart_draws_the_funnel_widest_at_the_top():
    from funnelsim import charts

    plan = sales_plan(10, SALES, cost_per_activity={"Lead": 5.0}, stage_times=1)
    spec = charts.plan_chart(plan, unit="week").to_dict()
    assert spec["title"] == "40 entrants at the top for each customer"
    values = next(iter(spec["datasets"].values()))
    assert [v["stage"] for v in values] == list(SALES)
    assert values[0]["right"] - values[0]["left"] == pytest.approx(400)
    assert values[0]["label"] == "400 · starts 3 weeks ahead, $2,000/week"
    assert values[2]["label"] == "40 · starts 1 week ahead"
    # a monthly target with stage times in weeks: entrants per month, lead times in weeks
    mixed = charts.plan_chart(plan, unit="month", lead_unit="week").to_dict()
    labels = [v["label"] for v in next(iter(mixed["datasets"].values()))]
    assert labels[0] == "400 · starts 3 weeks ahead, $2,000/month"
    assert labels[2] == "40 · starts 1 week ahead"
    with pytest.raises(ValueError, match="plan"):
        charts.plan_chart(plan.drop(columns="entrants"))
