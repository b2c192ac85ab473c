"""Tests for funnelsim.acquisition: channels in parallel, closed forms, CPL and CAC."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import funnelsim as fs
from funnelsim.acquisition import Channel, expected_channels, simulate_channels

BLOG = Channel("blog", 10_000, 0.02, 0.10, 0.20, fixed_cost=400, kind="content")
ADS = Channel("ads", 20_000, 0.03, 0.05, 0.05, cost_per_click=0.8, kind="search")
PARTNER = Channel.from_visitors("partner", 500, 0.2, 0.3, cost_per_lead=12.0, kind="partners")


# -- the closed form -----------------------------------------------------------------------


def test_expected_counts_are_the_binomial_chain():
    exp = expected_channels([BLOG, ADS, PARTNER], periods=2).set_index("channel")
    assert exp.loc["blog", "visitors"] == pytest.approx(2 * 10_000 * 0.02)
    assert exp.loc["blog", "leads"] == pytest.approx(2 * 10_000 * 0.02 * 0.10)
    assert exp.loc["ads", "customers"] == pytest.approx(2 * 20_000 * 0.03 * 0.05 * 0.05)
    p = 0.02 * 0.10 * 0.20
    assert exp.loc["blog", "sd_customers"] == pytest.approx(np.sqrt(20_000 * p * (1 - p)))
    # spend: fixed cost every period, per click on visitors, per lead on leads
    assert exp.loc["blog", "spend"] == pytest.approx(800.0)
    assert exp.loc["ads", "spend"] == pytest.approx(0.8 * 2 * 600)
    assert exp.loc["partner", "spend"] == pytest.approx(12.0 * 2 * 500 * 0.2)
    assert exp.loc["partner", "ctr"] == 1.0
    # the total adds counts, spend and variances; its CAC is the blended one
    assert exp.loc["total", "spend"] == pytest.approx(exp["spend"].iloc[:3].sum())
    assert exp.loc["total", "sd_leads"] ** 2 == pytest.approx((exp["sd_leads"].iloc[:3] ** 2).sum())
    assert exp.loc["total", "cac"] == pytest.approx(
        fs.cac(exp.loc["total", "spend"], exp.loc["total", "customers"])
    )
    assert exp.loc["blog", "cpl"] == pytest.approx(800 / 40)


def test_channel_expectations_match_the_table():
    assert BLOG.expected_customers == pytest.approx(4.0)
    assert BLOG.expected_spend == pytest.approx(400.0)
    np.testing.assert_allclose(ADS.reach, np.cumprod([0.03, 0.05, 0.05]))


def test_nobody_expected_gives_undefined_costs():
    dead = Channel("dead", 1000, 0.0, 0.5, 0.5, fixed_cost=100)
    row = expected_channels(dead).iloc[0]
    assert np.isnan(row["cac"]) and np.isnan(row["cpl"])
    assert row["spend"] == 100


# -- the simulation against the closed form ------------------------------------------------


def test_simulated_means_within_standard_errors():
    runs = 400
    res = simulate_channels([BLOG, ADS, PARTNER], periods=runs, seed=11)
    per = res.periods.groupby("channel", observed=True)[["visitors", "leads", "customers"]]
    mean, sd = per.mean(), per.std()
    exp = expected_channels([BLOG, ADS, PARTNER]).set_index("channel")
    for col in ("visitors", "leads", "customers"):
        for name in ("blog", "ads", "partner"):
            se = exp.loc[name, f"sd_{col}"] / np.sqrt(runs)
            assert abs(mean.loc[name, col] - exp.loc[name, col]) <= 4 * se, (name, col)
            # the spread itself matches the binomial sd within ~10 %
            assert sd.loc[name, col] == pytest.approx(
                exp.loc[name, f"sd_{col}"], rel=0.15, abs=1e-12
            )


def test_table_rates_intervals_and_costs():
    res = simulate_channels([BLOG, ADS], periods=6, seed=3)
    table = res.table().set_index("channel")
    tot = res.totals().set_index("channel")
    for name in ("blog", "ads", "total"):
        row = table.loc[name]
        assert row["ctr"] == pytest.approx(tot.loc[name, "visitors"] / tot.loc[name, "impressions"])
        assert row["ctr_low"] <= row["ctr"] <= row["ctr_high"]
        assert row["cac"] == pytest.approx(row["spend"] / row["customers"])
        assert row["cac_low"] <= row["cac"] <= row["cac_high"]
        assert row["cpl_low"] <= row["cpl"] <= row["cpl_high"]
    low, high = fs.proportion_ci(tot.loc["ads", "leads"], tot.loc["ads", "visitors"])
    assert table.loc["ads", "visitor_to_lead_low"] == pytest.approx(float(low))
    assert table.loc["ads", "visitor_to_lead_high"] == pytest.approx(float(high))
    assert table.loc["total", "spend"] == pytest.approx(res.periods["spend"].sum())
    # blog has only a fixed cost: 400 per period
    assert table.loc["blog", "spend"] == pytest.approx(2400.0)


def test_cac_interval_covers_the_expected_cac():
    """A fixed-cost channel's CAC interval covers the true CAC about 95 % of the time."""
    # 300 independent copies of the channel in one run (one table, not 300: the same
    # intervals at ~1/15 of the CPU), each with its own interval around the true CAC of 100.
    runs = 300
    blogs = [Channel(f"blog{i}", 10_000, 0.02, 0.10, 0.20, fixed_cost=400) for i in range(runs)]
    table = simulate_channels(blogs, periods=5, seed=8).table().iloc[:runs]
    hits = int(((table["cac_low"] <= 100.0) & (table["cac_high"] >= 100.0)).sum())
    # Clopper-Pearson never undercovers; allow 4 standard errors of a 95 % share
    assert hits / runs >= 0.95 - 4 * np.sqrt(0.05 * 0.95 / runs)


def test_no_customers_gives_nan_cac_and_open_interval():
    dead = Channel("dead", 100, 0.0, 0.5, 0.5, fixed_cost=100)
    row = simulate_channels(dead, seed=1).table().iloc[0]
    assert row["customers"] == 0 and np.isnan(row["cac"]) and np.isnan(row["cac_high"])


def test_same_seed_same_result_and_seed_recorded():
    a = simulate_channels([BLOG, ADS], periods=3, seed=42)
    b = simulate_channels([BLOG, ADS], periods=3, seed=42)
    assert a.periods.equals(b.periods)
    assert a.seed == 42 and a.n_periods == 3
    assert "seed=42" in repr(a)
    assert a.expected().equals(expected_channels([BLOG, ADS], periods=3))


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(0, 5000),
    rates=st.tuples(*(st.floats(0, 1) for _ in range(3))),
    periods=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
)
def test_counts_never_grow_down_the_chain(n, rates, periods, seed):
    ch = Channel("c", n, *rates, fixed_cost=1.0, cost_per_click=0.5)
    p = simulate_channels(ch, periods=periods, seed=seed).periods
    assert (p["impressions"] == n).all()
    assert (p["visitors"] <= p["impressions"]).all()
    assert (p["leads"] <= p["visitors"]).all()
    assert (p["customers"] <= p["leads"]).all()
    assert np.allclose(p["spend"], 1.0 + 0.5 * p["visitors"])


# -- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"ctr": 1.3}, ValueError, r"ctr of channel 'x' must be in \[0, 1\], got 1.3"),
        ({"impressions": -5}, ValueError, r"impressions of channel 'x' must be"),
        ({"impressions": 2.5}, ValueError, r"impressions of channel 'x' must be a whole number"),
        ({"fixed_cost": -1}, ValueError, r"fixed_cost of channel 'x' must be >= 0, got -1"),
        ({"cost_per_click": "1"}, TypeError, r"cost_per_click of channel 'x' must be a real"),
        ({"kind": "tv"}, ValueError, r"kind of channel 'x' must be one of .*got 'tv'"),
    ],
)
def test_channel_validation(kwargs, error, match):
    args = {"impressions": 100, "ctr": 0.1, "visitor_to_lead": 0.1, "lead_to_customer": 0.1}
    with pytest.raises(error, match=match):
        Channel("x", **{**args, **kwargs})


def test_channels_validation():
    with pytest.raises(ValueError, match="name must be a non-empty string"):
        Channel(" ", 1, 0.1, 0.1, 0.1)
    with pytest.raises(TypeError, match="channels must be a list of Channel, got str"):
        simulate_channels("blog", seed=1)
    with pytest.raises(TypeError, match="every channel must be a Channel, got 3"):
        simulate_channels([BLOG, 3], seed=1)
    with pytest.raises(ValueError, match="'blog' appears twice"):
        expected_channels([BLOG, BLOG])
    with pytest.raises(ValueError, match="'total' is reserved"):
        expected_channels([Channel("total", 1, 0.1, 0.1, 0.1)])
    with pytest.raises(ValueError, match="at least one Channel"):
        expected_channels([])
    with pytest.raises(ValueError, match=r"periods must be in \[1, 10000\], got 0"):
        simulate_channels(BLOG, periods=0, seed=1)
    with pytest.raises(ValueError, match=r"confidence must be in \(0, 1\), got 1.5"):
        simulate_channels(BLOG, seed=1).table(confidence=1.5)
