"""simulate_beckhard: a market of clients with scattered Beckhard factors (lesson 01).

The Beckhard functions of :mod:`funnelsim.b2b` that lesson 01 adds; the rule and
the smooth probability themselves are tested in ``tests/test_b2b.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import funnelsim as fs
from funnelsim import charts
from funnelsim.b2b import beckhard, beckhard_probability, simulate_beckhard


def test_without_spread_every_client_is_the_typical_one() -> None:
    r = simulate_beckhard(500, 2_500_000, 0.6, 0.8, 600_000, spread=0, seed=3)
    c = r.clients
    assert len(c) == 500
    assert np.allclose(c["benefit"], 2_500_000 * 0.6 * 0.8)
    assert np.allclose(c["ratio"], 2.0)
    assert c["passes"].all()
    assert np.allclose(c["probability"], 0.8)  # r = 2, steepness 2: 4 / 5


def test_a_zero_factor_kills_every_deal_whatever_the_scatter() -> None:
    for zero in ({"dissatisfaction": 0.0}, {"vision": 0.0}, {"first_steps": 0.0}):
        args = {"dissatisfaction": 5e6, "vision": 0.9, "first_steps": 0.9, "cost": 1e3, **zero}
        r = simulate_beckhard(2_000, **args, spread=1.0, seed=1)
        assert not r.clients["passes"].any()
        assert not r.clients["buys"].any()
        assert (r.clients["probability"] == 0).all()


def test_columns_follow_the_rule_and_the_probability() -> None:
    r = simulate_beckhard(3_000, 1e6, 0.5, 0.7, 4e5, spread=0.8, seed=9)
    c = r.clients
    args = (c["dissatisfaction"], c["vision"], c["first_steps"], c["cost"])
    assert (c["passes"].to_numpy() == beckhard(*args)).all()
    assert np.allclose(c["probability"], beckhard_probability(*args, steepness=2.0))
    assert ((c["vision"] > 0) & (c["vision"] < 1)).all()


def test_share_passing_matches_the_lognormal_closed_form() -> None:
    # With B = D = 1 (they stay 1), log(A_i / X_i) ~ N(log(A / X), 2 spread²), so
    # P(A_i > X_i) = Phi(log(A / X) / (spread sqrt 2)).
    n, a, x, sd = 40_000, 1.3e6, 1e6, 0.7
    r = simulate_beckhard(n, a, 1.0, 1.0, x, spread=sd, seed=21)
    p = stats.norm.cdf(math.log(a / x) / (sd * math.sqrt(2)))
    se = math.sqrt(p * (1 - p) / n)
    assert abs(r.clients["passes"].mean() - p) < 4 * se


def test_buys_are_draws_with_the_clients_probability() -> None:
    r = simulate_beckhard(20_000, 1e6, 0.6, 0.8, 5e5, spread=0.6, seed=4)
    c = r.clients
    p = c["probability"].to_numpy()
    se = math.sqrt(np.sum(p * (1 - p))) / len(p)
    assert abs(c["buys"].mean() - p.mean()) < 4 * se
    summary = r.summary().set_index("measure")
    for measure in ("passes", "buys", "probability"):
        row = summary.loc[measure]
        assert row["ci_low"] <= row["share"] <= row["ci_high"]


def test_same_seed_same_clients_and_the_seed_is_recorded() -> None:
    a = simulate_beckhard(100, 1e6, 0.6, 0.8, 5e5, seed=12)
    b = simulate_beckhard(100, 1e6, 0.6, 0.8, 5e5, seed=12)
    assert a.clients.equals(b.clients)
    assert a.seed == 12
    assert "BeckhardResult(clients=100" in repr(a)


def test_demand_falls_with_the_price_and_matches_the_clients_at_the_median_cost() -> None:
    r = simulate_beckhard(2_000, 2.5e6, 0.6, 0.8, 6e5, spread=0.5, seed=5)
    median_cost = float(np.median(r.clients["cost"]))
    d = r.demand([1e5, median_cost, 3e6])
    assert d["passes"].is_monotonic_decreasing
    assert d["probability"].is_monotonic_decreasing
    # at the median cost every client keeps its own cost: the clients' own shares
    assert d["passes"].iloc[1] == pytest.approx(r.clients["passes"].mean())
    assert d["probability"].iloc[1] == pytest.approx(r.clients["probability"].mean())
    typical = float(np.median(r.clients["dissatisfaction"] * r.clients["vision"]))
    assert d.attrs["fair_low"] == pytest.approx(0.3 * typical)
    assert d.attrs["fair_high"] == pytest.approx(0.4 * typical)
    with pytest.raises(ValueError, match=r"prices must be > 0"):
        r.demand([0.0, 1e5])


@settings(max_examples=25, deadline=None)
@given(
    a=st.floats(0, 1e7),
    b=st.floats(0, 1),
    d=st.floats(0, 1),
    x=st.floats(1, 1e7),
    sd=st.floats(0, 2),
)
def test_shares_are_shares(a: float, b: float, d: float, x: float, sd: float) -> None:
    r = simulate_beckhard(50, a, b, d, x, spread=sd, seed=0)
    c = r.clients
    assert ((c["probability"] >= 0) & (c["probability"] <= 1)).all()
    assert (c["benefit"] >= 0).all()
    assert (c["buys"] <= (c["probability"] > 0)).all()  # nobody buys at probability 0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"clients": 0}, ValueError, r"clients must be in \[1, 10000000\], got 0"),
        ({"vision": 1.5}, ValueError, r"vision must be in \[0, 1\], got 1.5"),
        ({"first_steps": -0.1}, ValueError, r"first_steps must be in \[0, 1\], got -0.1"),
        ({"dissatisfaction": -1}, ValueError, r"dissatisfaction must be >= 0, got -1"),
        ({"cost": 0}, ValueError, r"cost must be > 0, got 0"),
        ({"spread": -1}, ValueError, r"spread must be in \[0, 5\], got -1"),
        ({"steepness": 0}, ValueError, r"steepness must be > 0, got 0"),
    ],
)
def test_validation_names_the_parameter(kwargs, error, match) -> None:
    args = {"clients": 10, "dissatisfaction": 1e6, "vision": 0.5, "first_steps": 0.5, "cost": 1e5}
    with pytest.raises(error, match=match):
        simulate_beckhard(**{**args, **kwargs}, seed=1)


def test_public_names_and_charts() -> None:
    assert fs.simulate_beckhard is simulate_beckhard
    spec = charts.beckhard_chart(2.5e6, 0.6, 0.8, 6e5).to_dict()
    assert "rule passes, P(buy) = 80%" in str(spec["title"])
    zero = charts.beckhard_chart(2.5e6, 0.6, 0.0, 6e5).to_dict()
    assert "no deal at any price" in str(zero["title"])
    r = simulate_beckhard(200, 2.5e6, 0.6, 0.8, 6e5, seed=1)
    demand = charts.demand_chart(r.demand([1e5, 1e6]), title="Demand").to_dict()
    assert demand["title"] == "Demand"
