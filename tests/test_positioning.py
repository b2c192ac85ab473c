"""Tests for funnelsim.positioning: the "market fills up" teaching model."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import funnelsim as fs
from funnelsim.positioning import (
    DEFAULT_APPEAL,
    POSITIONING_STRATEGIES,
    newcomer_payoffs,
    simulate_positioning,
)


def dhondt(votes: list[float], seats: int) -> list[int]:
    """The D'Hondt highest-averages allocation, written out independently of the module."""
    won = [0] * len(votes)
    for _ in range(seats):
        quotients = [v / (s + 1) for v, s in zip(votes, won, strict=True)]
        won[quotients.index(max(quotients))] += 1
    return won


def test_an_empty_market_pays_the_appeal_and_holders_share_by_credibility():
    np.testing.assert_allclose(newcomer_payoffs([0] * 5), DEFAULT_APPEAL)
    # one holder: the newcomer's weight 0.5 against 1 + 0.5
    assert newcomer_payoffs([1, 0, 0, 0, 0])[0] == pytest.approx(0.45 * 0.5 / 1.5)
    # two holders: 0.25 against 1 + 0.5 + 0.25
    assert newcomer_payoffs([2, 0, 0, 0, 0])[0] == pytest.approx(0.45 * 0.25 / 1.75)
    # incumbency 1 splits equally: the D'Hondt quotient
    np.testing.assert_allclose(
        newcomer_payoffs([3, 1, 0, 2, 0], incumbency=1.0),
        np.array(DEFAULT_APPEAL) / np.array([4, 2, 1, 3, 1]),
    )


def test_with_equal_credibility_and_no_noise_entrants_fill_claims_as_dhondt_seats():
    appeal = [0.40, 0.30, 0.15, 0.10, 0.05]
    frame = simulate_positioning(20, appeal=appeal, incumbency=1.0)
    counts = frame["strategy"].value_counts().reindex(POSITIONING_STRATEGIES, fill_value=0)
    assert counts.tolist() == dhondt(appeal, 20)


def test_the_default_market_fills_down_the_list():
    frame = simulate_positioning(5)
    assert frame["strategy"].tolist() == [
        "key choice factors",
        "relative advantages",
        "key choice factors",  # 0.45 / 3 = 0.15 ties re-educating (0.15): the earlier wins
        "re-educating the client",
        "unique technical feature",
    ]
    assert frame["rank"].tolist() == [1, 2, 1, 3, 4]
    assert frame["holders_before"].tolist() == [0, 0, 1, 0, 0]
    assert not frame["misjudged"].any()
    np.testing.assert_allclose(frame["payoff"], [0.45, 0.25, 0.15, 0.15, 0.10])


@settings(max_examples=40, deadline=None)
@given(
    appeal=st.lists(st.floats(0.01, 1.0), min_size=5, max_size=5),
    incumbency=st.floats(0.05, 1.0),
    entrants=st.integers(1, 40),
)
def test_without_noise_the_best_payoff_never_rises_as_the_market_fills(
    appeal, incumbency, entrants
):
    frame = simulate_positioning(entrants, appeal=appeal, incumbency=incumbency)
    assert (np.diff(frame["best_payoff"]) <= 1e-12).all()
    assert (frame["strategy"] == frame["best"]).all()
    assert frame["entrant"].tolist() == list(range(1, entrants + 1))


def test_noise_is_seeded_and_makes_firms_misjudge_more_often():
    a = simulate_positioning(30, noise=0.4, seed=11)
    b = simulate_positioning(30, noise=0.4, seed=11)
    assert a.equals(b) and a.attrs["seed"] == 11
    low = np.mean(
        [simulate_positioning(30, noise=0.05, seed=s)["misjudged"].mean() for s in range(20)]
    )
    high = np.mean(
        [simulate_positioning(30, noise=1.0, seed=s)["misjudged"].mean() for s in range(20)]
    )
    assert low < high
    # a misjudging firm's payoff is never above the best one
    assert (a["payoff"] <= a["best_payoff"] + 1e-12).all()
    assert (a["misjudged"] == (a["strategy"] != a["best"])).all()


def test_the_first_firm_in_an_empty_market_misjudges_only_with_noise():
    first = [simulate_positioning(1, noise=2.0, seed=s)["strategy"].iloc[0] for s in range(30)]
    assert len(set(first)) > 1
    assert simulate_positioning(1)["strategy"].iloc[0] == "key choice factors"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"entrants": 0}, ValueError, r"entrants must be in \[1, 10000\], got 0"),
        ({"entrants": 2.5}, ValueError, r"entrants must be a whole number"),
        ({"incumbency": 0.0}, ValueError, r"incumbency must be in \(0, 1\], got 0.0"),
        ({"incumbency": 1.5}, ValueError, r"incumbency must be in \(0, 1\]"),
        ({"noise": -0.1}, ValueError, r"noise must be >= 0, got -0.1"),
        ({"appeal": [0.5, 0.5]}, ValueError, r"appeal must give one share per strategy \(5"),
        ({"appeal": [0, 0, 0, 0, 0]}, ValueError, r"at least one share > 0"),
        (
            {"appeal": [0.5, -0.1, 0, 0, 0]},
            ValueError,
            r"appeal must be >= 0, got -0.1 at position 1",
        ),
        ({"seed": "x"}, TypeError, r"seed must be"),
    ],
)
def test_bad_input_is_named(kwargs, error, match):
    args = {"entrants": 5, **kwargs}
    with pytest.raises(error, match=match):
        simulate_positioning(**args)


def test_bad_occupants():
    with pytest.raises(ValueError, match="occupants must be whole numbers"):
        newcomer_payoffs([0.5, 0, 0, 0, 0])
    with pytest.raises(ValueError, match="occupants must be >= 0"):
        newcomer_payoffs([-1, 0, 0, 0, 0])
    with pytest.raises(ValueError, match=r"one count per strategy \(5\)"):
        newcomer_payoffs([0, 0])


def test_public_names_and_chart():
    from funnelsim import charts

    assert fs.simulate_positioning is simulate_positioning
    assert fs.POSITIONING_STRATEGIES == POSITIONING_STRATEGIES
    frame = simulate_positioning(6, noise=0.3, seed=2)
    spec = charts.positioning_chart(frame).to_dict()
    assert spec["title"].startswith("As the market fills")
    with pytest.raises(ValueError, match="positioning"):
        charts.positioning_chart(frame.drop(columns="payoff"))
