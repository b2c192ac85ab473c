"""Tests for funnelsim.sensitivity_analysis: bottleneck, one-at-a-time sensitivity, fix_first."""

from __future__ import annotations

import numpy as np
import pytest

import funnelsim as fs
from funnelsim.pipeline import Nurture, expected_pipeline
from funnelsim.sensitivity_analysis import bottleneck, fix_first, sensitivity

TLTB = fs.trigger_learn_try_buy()


def test_bottleneck_is_the_lowest_rate_and_gains_are_exact():
    f = fs.aaarrr(referral=0.9)
    b = bottleneck(f, buyers=1000, delta=0.01)
    assert b["stage"].iloc[0] == "Acquisition" and b["bottleneck"].iloc[0]
    assert b["bottleneck"].sum() == 1
    assert b["rate"].is_monotonic_increasing
    expected_gain = 1000 * f.reach[-1] * 0.01 / b["rate"]
    np.testing.assert_allclose(b["gain_per_delta"], expected_gain)
    row = b.set_index("stage").loc["Activation"]
    assert row["entering"] == pytest.approx(300) and row["lost"] == pytest.approx(150)


def test_bottleneck_with_a_zero_rate():
    f = fs.trigger_learn_try_buy(try_=0.0)
    b = bottleneck(f, buyers=100)
    assert b["stage"].iloc[0] == "Try"
    assert b.set_index("stage").loc["Try", "gain_per_delta"] == pytest.approx(
        100 * 0.4 * 0.25 * 0.01
    )
    assert b.set_index("stage").loc["Learn", "gain_per_delta"] == 0.0


def test_sensitivity_exact_effects_and_order():
    t = sensitivity(TLTB, delta=0.05, buyers=1000)
    assert list(t.columns[:5]) == ["stage", "rate", "low", "high", "base"]
    assert list(t["stage"]) == ["Buy", "Try", "Learn"]  # sorted by swing
    # Customers are linear in each rate: effect = buyers * reach[-1] / rate * delta.
    exact = 1000 * TLTB.reach[-1] / t["rate"] * 0.05
    np.testing.assert_allclose(t["effect_high"], exact)
    np.testing.assert_allclose(t["effect_low"], -exact)
    np.testing.assert_allclose(t["swing"], 2 * exact)
    assert (t["note"] == "").all()


def test_sensitivity_clips_and_records_a_note():
    f = fs.trigger_learn_try_buy(learn=0.02, buy=0.98)
    t = sensitivity(f, delta=0.05).set_index("stage")
    assert t.loc["Buy", "high"] == 1.0 and t.loc["Buy", "note"] == "high clipped to 1"
    assert t.loc["Learn", "low"] == 0.0 and t.loc["Learn", "note"] == "low clipped to 0"
    assert t.loc["Try", "note"] == ""
    assert t.loc["Learn", "outcome_low"] == 0.0


def test_sensitivity_outcomes():
    cust = sensitivity(TLTB, buyers=500)
    rev = sensitivity(TLTB, buyers=500, outcome="revenue", value=2000.0)
    np.testing.assert_allclose(rev["effect_high"], 2000 * cust["effect_high"])
    conv = sensitivity(TLTB, outcome="conversion")
    assert conv["base"].iloc[0] == pytest.approx(TLTB.reach[-1])
    ratio = sensitivity(TLTB, outcome="ltv_cac", value=6000.0, cost_per_lead=30.0)
    assert ratio["base"].iloc[0] == pytest.approx(6000 * TLTB.reach[-1] / 30)
    custom = sensitivity(TLTB, outcome=lambda f: float(f.reach[2]))
    assert set(custom.loc[custom["swing"] == 0, "stage"]) == {"Buy"}
    rel = sensitivity(TLTB, delta=0.1, relative=True).set_index("stage")
    assert rel.loc["Learn", "high"] == pytest.approx(0.44)
    # With relative changes every step moves customers equally.
    np.testing.assert_allclose(rel["swing"], rel["swing"].iloc[0])
    some = sensitivity(TLTB, stages=["try_"])
    assert list(some["stage"]) == ["Try"]


def test_sensitivity_with_nurture_uses_the_exact_pipeline():
    n = Nurture(0.5, max_rounds=2)
    t = sensitivity(TLTB, nurture=n, outcome="conversion")
    win = expected_pipeline(TLTB, 1, n)["probability"].iloc[0]
    assert t["base"].iloc[0] == pytest.approx(win)


def test_sensitivity_by_simulation_is_close_to_exact():
    exact = sensitivity(TLTB, buyers=2000).set_index("stage")
    sim = sensitivity(TLTB, buyers=2000, method="simulate", replications=200, seed=5)
    sim = sim.set_index("stage")
    # Base: mean of 200 replications of Binomial(2000, reach) customers.
    se = np.sqrt(2000 * TLTB.reach[-1] * (1 - TLTB.reach[-1]) / 200)
    assert abs(sim["base"].iloc[0] - exact["base"].iloc[0]) < 4 * se
    assert list(sim.index) == list(exact.index)
    fresh = sensitivity(TLTB, buyers=2000, method="simulate", replications=20)
    repeat = sensitivity(
        TLTB, buyers=2000, method="simulate", replications=20, seed=fresh.attrs["seed"]
    )
    np.testing.assert_array_equal(repeat["outcome_high"], fresh["outcome_high"])
    again = sensitivity(TLTB, buyers=2000, method="simulate", replications=200, seed=5)
    np.testing.assert_array_equal(again["outcome_high"], sim["outcome_high"].to_numpy())


def test_fix_first_in_one_call():
    assert fix_first(TLTB) == "Buy"
    assert fix_first(fs.aaarrr(referral=0.9)) == "Acquisition"
    assert fix_first(TLTB, outcome=lambda f: float(f.reach[1])) == "Learn"
    assert fix_first(TLTB, delta=0.1, relative=True) == "Learn"  # all equal: the earliest


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"delta": 0}, ValueError, r"delta must be in \(0, 1\], got 0"),
        ({"delta": 1.5}, ValueError, r"delta must be in \(0, 1\], got 1.5"),
        ({"delta": 1.5, "relative": True}, None, None),
        ({"relative": 1}, TypeError, r"relative must be True or False, got 1"),
        ({"outcome": "profit"}, ValueError, r"outcome must be one of \['conversion', 'customers'"),
        ({"method": "mc"}, ValueError, r"method must be one of \['exact', 'simulate'\], got 'mc'"),
        (
            {"outcome": len, "method": "simulate"},
            ValueError,
            r"a callable outcome needs method='exact'",
        ),
        ({"outcome": lambda f: float("nan")}, ValueError, r"outcome value must be a finite number"),
        ({"cost_per_lead": 0}, ValueError, r"cost_per_lead must be > 0, got 0"),
        ({"buyers": 0}, ValueError, r"buyers must be >= 1, got 0"),
        (
            {"stages": ["Trigger"]},
            ValueError,
            r"the first stage 'Trigger' has rate 1 by definition",
        ),
        ({"stages": ["Pay"]}, ValueError, r"no stage named 'Pay'"),
        ({"stages": "Buy"}, TypeError, r"stages must be a sequence of stage names, got 'Buy'"),
        (
            {"stages": []},
            ValueError,
            r"stages must name at least one stage to vary, got \[\]; stages of "
            r"'Trigger-Learn-Try-Buy' after the first are \['Learn', 'Try', 'Buy'\]",
        ),
    ],
)
def test_sensitivity_validation(kwargs, error, match):
    if error is None:
        assert len(sensitivity(TLTB, **kwargs)) == 3
        return
    with pytest.raises(error, match=match):
        sensitivity(TLTB, **kwargs)


def test_one_stage_funnels_have_no_steps():
    one = fs.Funnel.from_rates({"Only": 1.0})
    with pytest.raises(
        ValueError, match=r"sensitivity needs a funnel with at least 2 stages, got 1"
    ):
        sensitivity(one)
    with pytest.raises(
        ValueError, match=r"bottleneck needs a funnel with at least 2 stages, got 1"
    ):
        bottleneck(one)
    with pytest.raises(ValueError, match=r"delta must be in \(0, 1\], got 0"):
        bottleneck(TLTB, delta=0)


def test_bottleneck_by_leads_lost():
    b = bottleneck(TLTB, buyers=1000, by="lost")
    # Learn loses 1000 * 0.6 = 600, Try 400 * 0.7 = 280, Buy 120 * 0.75 = 90.
    assert b["stage"].tolist() == ["Learn", "Try", "Buy"]
    np.testing.assert_allclose(b["lost"], [600.0, 280.0, 90.0])
    assert b["bottleneck"].tolist() == [True, False, False]
    assert bottleneck(TLTB, buyers=1000)["stage"].iloc[0] == "Buy"  # by rate: the constraint


def test_bottleneck_gain_cannot_lift_a_rate_above_one():
    f = fs.aaarrr(referral=0.995)
    b = bottleneck(f, buyers=1000, delta=0.01).set_index("stage")
    others = f.reach[-1] / 0.995
    assert b.loc["Referral", "gain_per_delta"] == pytest.approx(1000 * others * 0.005)


def test_sensitivity_with_a_generator_seed_keeps_common_random_numbers():
    gen = sensitivity(
        TLTB, buyers=2000, method="simulate", replications=20, seed=np.random.default_rng(3)
    )
    seed = gen.attrs["seed"]
    assert isinstance(seed, int)
    again = sensitivity(TLTB, buyers=2000, method="simulate", replications=20, seed=seed)
    np.testing.assert_array_equal(again["outcome_low"], gen["outcome_low"])
    # Every variant restarts from that seed, so the base run is one plain simulation.
    plain = fs.simulate(TLTB, 2000, seed=seed, mode="counts", replications=20)
    assert gen["base"].iloc[0] == plain.counts[:, -1].mean()


@pytest.mark.parametrize(
    "funnel",
    [fs.trigger_learn_try_buy(0.7, 0.3, 0.1), fs.aaarrr(), fs.aaarrr(0.33, 0.17, 0.8, 0.43, 0.29)],
)
def test_relative_changes_tie_every_stage_despite_float_rounding(funnel):
    # +10 % on any step multiplies customers by 1.1: all effects are equal in exact
    # arithmetic, and the tie rule (earliest stage, funnel order) must hold.
    t = sensitivity(funnel, delta=0.1, relative=True)
    np.testing.assert_allclose(t["effect_high"], 0.1 * 1000 * funnel.reach[-1])
    assert t["stage"].tolist() == list(funnel.names[1:])
    assert fix_first(funnel, delta=0.1, relative=True) == funnel.names[1]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: bottleneck(TLTB, by="gain"), ValueError, r"by must be one of \['lost', 'rate'\]"),
        (lambda: bottleneck(TLTB, buyers=-1), ValueError, r"buyers must be >= 0, got -1"),
        (lambda: bottleneck("f"), TypeError, r"funnel must be a Funnel"),
        (lambda: expected_pipeline(TLTB, 5, nurture=1), TypeError, r"nurture must be a Nurture"),
        (lambda: sensitivity(TLTB, value=float("nan")), ValueError, r"value must be a finite"),
        (
            lambda: sensitivity(TLTB, method="simulate", replications=0),
            ValueError,
            r"replications must be >= 1, got 0",
        ),
        (
            lambda: sensitivity(TLTB, method="simulate", seed=-2),
            ValueError,
            r"seed must be a non-negative integer, got -2",
        ),
        (
            lambda: sensitivity(TLTB, outcome=lambda f: 1.0, nurture=Nurture(0.5)),
            ValueError,
            r"nurture=Nurture\(reentry=0.5.* is not used by a callable outcome",
        ),
        (lambda: fix_first(TLTB, delta=2.0), ValueError, r"delta must be in \(0, 1\], got 2.0"),
    ],
)
def test_more_validation_rules(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_sensitivity_names_its_outcome_for_charts():
    f = fs.trigger_learn_try_buy()
    assert fs.sensitivity(f).attrs["outcome"] == "customers won (expected)"
    assert fs.sensitivity(f, outcome="revenue").attrs["outcome"] == "revenue (expected)"
    custom = fs.sensitivity(f, outcome=lambda g: float(g.reach[-1]))
    assert custom.attrs["outcome"] == "outcome (expected)"


def test_bottleneck_every_column_by_hand():
    f = fs.Funnel.from_rates({"A": 1.0, "B": 0.5, "C": 0.4})
    b = bottleneck(f, buyers=100, delta=0.1)
    assert list(b.columns) == [
        "stage",
        "rate",
        "entering",
        "lost",
        "lost_share",
        "gain_per_delta",
        "bottleneck",
    ]
    assert b["stage"].tolist() == ["C", "B"]
    assert b["rate"].tolist() == [0.4, 0.5]
    np.testing.assert_allclose(b["entering"], [50, 100])
    np.testing.assert_allclose(b["lost"], [30, 50])
    np.testing.assert_allclose(b["lost_share"], [0.6, 0.5])
    # +0.1 on C: 100 * 0.5 * 0.1 = 5 more; on B: 100 * 0.1 * 0.4 = 4 more
    np.testing.assert_allclose(b["gain_per_delta"], [5.0, 4.0])
    assert b["bottleneck"].tolist() == [True, False]
    assert bottleneck(f, buyers=100, by="lost")["stage"].tolist() == ["B", "C"]
