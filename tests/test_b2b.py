"""Tests for funnelsim.b2b: buying committee, champion/saboteur, Beckhard, buyer classes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import funnelsim as fs
from funnelsim.b2b import (
    Committee,
    Member,
    beckhard,
    beckhard_probability,
    buyer_class_effect,
    buying_committee,
    expected_accounts,
    simulate_accounts,
)

TLTB = fs.trigger_learn_try_buy()


def _within(observed: np.ndarray, mean: np.ndarray, sd: np.ndarray, k: float = 4.0) -> None:
    """Every observed value lies within k standard deviations of its mean."""
    z = np.abs(observed - mean) / np.where(sd > 0, sd, 1.0)
    assert np.all(np.where(sd > 0, z, np.abs(observed - mean)) <= k), (observed, mean, sd)


# -- the committee reduces to the plain funnel ------------------------------------------


def test_neutral_committee_expectation_equals_plain_funnel_exactly():
    exp = expected_accounts(1000, committee=buying_committee().neutral())
    plain = fs.expected(TLTB, 1000)
    np.testing.assert_array_equal(exp["reach_probability"], plain["reach_probability"])
    np.testing.assert_array_equal(exp["sd_reached"], plain["sd_reached"])


def test_neutral_committee_simulation_matches_plain_funnel_in_distribution():
    n = 20_000
    res = simulate_accounts(n, committee=buying_committee(0.5, 0.5).neutral(), seed=11)
    plain = fs.expected(TLTB, n)
    _within(res.table()["reached"].to_numpy(), plain["expected_reached"], plain["sd_reached"])
    # Every account converts at exactly the funnel's rates.
    for name, rate in zip(("p_learn", "p_try", "p_buy"), TLTB.rates[1:], strict=True):
        assert (res.accounts[name] == rate).all()
    assert (res.contributions["wins_added"] == 0).all()


def test_one_member_mixture_by_hand():
    # Present half the time, always for, Buy odds x3: Buy rate 0.25 -> 3*0.25/(0.75+0.75) = 0.5.
    c = Committee((Member("champion", "Champion", 0.5, 1.0, (("Buy", 3.0),)),))
    exp = expected_accounts(1, committee=c)
    assert exp["reach_probability"].iloc[-1] == pytest.approx(0.4 * 0.3 * (0.5 * 0.25 + 0.5 * 0.5))
    assert exp["step_rate"].iloc[-1] == pytest.approx(0.375)


def test_opposed_member_divides_the_odds():
    # Always present and against: odds 1/3 divided by 3 = 1/9 -> p = 0.1.
    c = Committee((Member("saboteur", "Saboteur", 1.0, 0.0, {"Buy": 3.0}),))
    assert c["saboteur"].odds == (("Buy", 3.0),)  # a mapping is converted
    exp = expected_accounts(1, committee=c)
    assert exp["step_rate"].iloc[-1] == pytest.approx(0.1)


def test_rates_zero_and_one_are_not_moved_by_multipliers():
    funnel = fs.trigger_learn_try_buy(learn=1.0, buy=0.0)
    res = simulate_accounts(500, champion=1.0, saboteur=0.0, funnel=funnel, seed=2)
    assert (res.accounts["p_learn"] == 1.0).all()
    assert (res.accounts["p_buy"] == 0.0).all()
    assert res.win_rate == 0.0


def test_default_committee_matches_exact_expectation():
    n = 20_000
    res = simulate_accounts(n, seed=5)
    exp = expected_accounts(n)
    t = res.table()
    _within(t["reached"].to_numpy(), exp["expected_reached"], exp["sd_reached"])
    np.testing.assert_allclose(t["expected_reached"], exp["expected_reached"])


# -- champion, saboteur, contributions with common random numbers ---------------------------


def test_same_seed_same_accounts():
    a = simulate_accounts(2_000, seed=9)
    b = simulate_accounts(2_000, seed=9)
    pd.testing.assert_frame_equal(a.accounts, b.accounts)
    assert a.seed == 9


def test_contribution_equals_run_without_member_on_common_random_numbers():
    res = simulate_accounts(5_000, champion=0.3, saboteur=0.2, seed=4)
    without = simulate_accounts(5_000, champion=0.0, saboteur=0.2, seed=4)
    row = res.contributions.set_index("member").loc["champion"]
    assert row["win_rate_without"] == without.win_rate
    assert row["contribution"] == pytest.approx(res.win_rate - without.win_rate)
    assert row["wins_added"] > 0
    assert res.contributions.set_index("member").loc["saboteur", "wins_added"] < 0


def test_every_contribution_column_by_hand():
    # Two members on a funnel whose steps are certain except Buy (rate 0.5): the champion
    # (always for, odds x3 on Buy) is in every account, the saboteur (always against,
    # odds /3 on Buy) in none, so every account buys with odds 3 (p = 0.75) and, without
    # the champion, with p = 0.5 on the same uniforms.
    funnel = fs.Funnel.from_rates({"Trigger": 1.0, "Learn": 1.0, "Try": 1.0, "Buy": 0.5})
    committee = Committee(
        (
            Member("champion", "Champion", 1.0, 1.0, {"Buy": 3.0}),
            Member("saboteur", "Saboteur", 0.0, 0.0, {"Buy": 3.0}),
        )
    )
    n = 400
    res = simulate_accounts(n, committee=committee, funnel=funnel, seed=3)
    # draw order: presence (n x 2), stance (n x 2), then one uniform per account and step
    u_buy = np.random.default_rng(3).random(8 * n)[4 * n :].reshape(n, 4)[:, 3]
    wins, wins_without = int((u_buy < 0.75).sum()), int((u_buy < 0.5).sum())
    table = res.contributions.set_index("member")
    assert table.loc["champion"].to_dict() == {
        "label": "Champion",
        "share_present": 1.0,
        "win_rate": wins / n,
        "win_rate_without": wins_without / n,
        "contribution": (wins - wins_without) / n,
        "wins_added": wins - wins_without,
    }
    assert table.loc["saboteur"].to_dict() == {
        "label": "Saboteur",
        "share_present": 0.0,
        "win_rate": wins / n,
        "win_rate_without": wins / n,
        "contribution": 0.0,
        "wins_added": 0,
    }
    assert res.win_rate == wins / n
    np.testing.assert_allclose(res.accounts["p_buy"], 0.75, rtol=1e-15)


def test_every_account_and_table_column_by_hand():
    # Same deal: only Buy is uncertain; the champion is always there and for it (odds x3:
    # p = 0.75); each stage takes 1 week (from_rates' default), so a cycle is its depth.
    funnel = fs.Funnel.from_rates({"Trigger": 1.0, "Learn": 1.0, "Try": 1.0, "Buy": 0.5})
    committee = Committee((Member("champion", "Champion", 1.0, 1.0, {"Buy": 3.0}),))
    n = 200
    res = simulate_accounts(n, committee=committee, funnel=funnel, seed=8)
    u_buy = np.random.default_rng(8).random(6 * n)[2 * n :].reshape(n, 4)[:, 3]
    won = u_buy < 0.75
    wins = int(won.sum())
    a = res.accounts
    assert list(a.columns) == [
        "account_id",
        "champion",
        "p_learn",
        "p_try",
        "p_buy",
        "depth",
        "stage_reached",
        "won",
        "cycle_length",
    ]
    assert a["account_id"].tolist() == list(range(n))
    assert (a["champion"] == "for").all()
    assert (a["p_learn"] == 1.0).all() and (a["p_try"] == 1.0).all()
    np.testing.assert_array_equal(a["won"], won)
    np.testing.assert_array_equal(a["depth"], np.where(won, 4, 3))
    assert a["stage_reached"].astype(str).tolist() == np.where(won, "Buy", "Try").tolist()
    np.testing.assert_array_equal(a["cycle_length"], np.where(won, 4.0, 3.0))
    t = res.table()
    assert t["reached"].tolist() == [n, n, n, wins]
    np.testing.assert_allclose(t["step_conversion"], [1, 1, 1, wins / n])
    np.testing.assert_allclose(t["cumulative_conversion"], [1, 1, 1, wins / n])
    assert t["drop_off"].tolist() == [0, 0, 0, n - wins]
    np.testing.assert_allclose(t["expected_reached"], [n, n, n, 0.75 * n], rtol=1e-12)
    c = res.cycle_summary(quantiles=(0.5,))
    assert list(c.columns) == ["outcome", "accounts", "mean", "sd", "q0.5"]
    assert c["outcome"].tolist() == ["won", "lost"]
    assert c["accounts"].tolist() == [wins, n - wins]
    assert c["mean"].tolist() == [4.0, 3.0] and c["sd"].tolist() == [0.0, 0.0]
    assert c["q0.5"].tolist() == [4.0, 3.0]
    np.testing.assert_array_equal(res.cycle_lengths, np.full(wins, 4.0))
    e = expected_accounts(n, committee=committee, funnel=funnel)
    assert list(e.columns) == [
        "stage",
        "base_rate",
        "step_rate",
        "reach_probability",
        "expected_reached",
        "sd_reached",
    ]
    assert e["base_rate"].tolist() == [1.0, 1.0, 1.0, 0.5]
    np.testing.assert_allclose(e["step_rate"], [1, 1, 1, 0.75], rtol=1e-12)
    np.testing.assert_allclose(e["reach_probability"], [1, 1, 1, 0.75], rtol=1e-12)
    np.testing.assert_allclose(e["sd_reached"], [0, 0, 0, (n * 0.75 * 0.25) ** 0.5], atol=1e-9)


def test_share_present_is_the_share_of_accounts_with_the_member():
    res = simulate_accounts(1_000, champion=0.3, saboteur=0.2, seed=5)
    for key, row in res.contributions.set_index("member").iterrows():
        present = int((res.accounts[key] != "absent").sum())
        assert row["share_present"] == present / 1_000


def test_champion_raises_win_rate_and_saboteur_lowers_it_exactly():
    base = expected_accounts(1, committee=buying_committee(0.0, 0.0))["reach_probability"].iloc[-1]
    champ = expected_accounts(1, committee=buying_committee(1.0, 0.0))["reach_probability"].iloc[-1]
    sab = expected_accounts(1, committee=buying_committee(0.0, 1.0))["reach_probability"].iloc[-1]
    assert sab < base < champ


def test_table_by_champion_splits_accounts():
    res = simulate_accounts(4_000, champion=0.5, seed=8)
    t = res.table(by="champion")
    assert set(t["champion"]) == {"absent", "for"}
    first = t[t["stage"] == "Trigger"]
    assert first["reached"].sum() == 4_000
    won = t[t["stage"] == "Buy"].set_index("champion")["cumulative_conversion"]
    assert won["for"] > won["absent"]


def test_cycle_length_of_won_accounts_has_the_sum_of_stage_means():
    # Without pace factors (champion and saboteur set the pace: tested below).
    steady = buying_committee(0.6).replace("champion", pace=()).replace("saboteur", pace=())
    res = simulate_accounts(40_000, committee=steady, seed=3)
    cycles = res.cycle_lengths
    # Times are drawn independently of the outcome, so the won cycle is a sum of
    # independent stage times: mean 1 + 3 + 4 + 6 = 14, variance the sum of variances.
    sd = np.sqrt(sum(s.time.var for s in TLTB.stages))
    assert abs(cycles.mean() - TLTB.mean_times.sum()) < 4 * sd / np.sqrt(cycles.size)
    lost_at_trigger = res.accounts[res.accounts["depth"] == 1]["cycle_length"]
    assert (lost_at_trigger == 1.0).all()  # Trigger takes a fixed week
    summary = res.cycle_summary()
    assert list(summary["outcome"]) == ["won", "lost"]
    assert summary["accounts"].sum() == 40_000


def test_buy_rate_from_beckhard_with_a_zero_factor_never_buys():
    n = 3_000
    rng = np.random.default_rng(0)
    dissatisfaction = rng.uniform(0, 10, n)
    dissatisfaction[::2] = 0.0
    p = beckhard_probability(dissatisfaction, 5.0, 4.0, 50.0)
    res = simulate_accounts(n, champion=1.0, buy_rate=p, seed=1)
    assert not res.accounts["won"].to_numpy()[::2].any()
    assert res.accounts["won"].to_numpy()[1::2].any()


# -- Beckhard ---------------------------------------------------------------------------


def test_beckhard_rule_by_hand():
    assert beckhard(4, 3, 2, 20) is True
    assert beckhard(4, 3, 2, 24) is False  # strictly greater
    np.testing.assert_array_equal(
        beckhard([4, 0, 1], [3, 3, 3], 2, [20, 20, 1]), [True, False, True]
    )


@given(
    st.floats(0, 1e6),
    st.floats(0, 1e6),
    st.floats(min_value=1e-9, max_value=1e6),
    st.integers(0, 2),
)
def test_any_zero_factor_kills_the_deal(a, b, x, which):
    factors = [a, b, a + b + 1.0]
    factors[which] = 0.0
    assert beckhard(*factors, x) is False
    assert beckhard_probability(*factors, x) == 0.0


def test_beckhard_probability_values():
    assert beckhard_probability(2, 5, 2, 20) == pytest.approx(0.5)
    assert beckhard_probability(4, 5, 2, 20) == pytest.approx(0.8)  # ratio 2, steepness 2
    assert beckhard_probability(1, 5, 2, 20) == pytest.approx(0.2)
    assert beckhard_probability(4, 5, 2, 20, steepness=1) == pytest.approx(2 / 3)
    # Steeper means closer to the rule.
    p = beckhard_probability(4, 5, 2, 20, steepness=50)
    assert p > 0.999
    out = beckhard_probability(np.array([[1.0], [4.0]]), 5, 2, 20)
    assert out.shape == (2, 1)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"dissatisfaction": -1}, ValueError, r"dissatisfaction must be >= 0, got -1"),
        ({"vision": [1, -2]}, ValueError, r"vision must be >= 0, got -2.0 at position 1"),
        (
            {"first_steps": float("nan")},
            ValueError,
            r"first_steps must be a finite number, got nan",
        ),
        ({"cost": 0}, ValueError, r"cost must be > 0 \(change always costs something\), got 0"),
        ({"cost": True}, TypeError, r"cost must be a real number, got True \(bool\)"),
        ({"vision": "high"}, TypeError, r"vision must be a real number, got .high."),
        ({"vision": [1, 2, 3], "cost": [1, 2]}, ValueError, r"must broadcast together"),
    ],
)
def test_beckhard_validation(kwargs, error, match):
    args = {"dissatisfaction": 1, "vision": 1, "first_steps": 1, "cost": 1, **kwargs}
    with pytest.raises(error, match=match):
        beckhard(**args)
    with pytest.raises(error, match=match):
        beckhard_probability(**args)


def test_beckhard_steepness_validation():
    with pytest.raises(ValueError, match=r"steepness must be > 0, got 0"):
        beckhard_probability(1, 1, 1, 1, steepness=0)


@given(st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False))
def test_negative_factor_always_rejected(value):
    with pytest.raises(ValueError, match=r"first_steps must be >= 0"):
        beckhard(1, 1, value, 1)


# -- buyer classes ----------------------------------------------------------------------


def test_buyer_class_key_factor_moves_only_its_steps():
    roi = buyer_class_effect("roi", [0.0, 0.5, 1.0])
    wide = roi.pivot(index="value", columns="stage", values="step_rate")
    assert wide["Buy"].is_monotonic_increasing and wide["Buy"].iloc[-1] > wide["Buy"].iloc[0]
    assert np.ptp(wide["Learn"]) < 1e-12  # economic buyers do not study options
    conv = buyer_class_effect("convenience", [0.0, 1.0]).pivot(
        index="value", columns="stage", values="step_rate"
    )
    assert conv["Try"].iloc[1] > conv["Try"].iloc[0]
    assert np.ptp(conv["Learn"]) < 1e-12
    std = buyer_class_effect("standard")
    assert len(std) == 11 * 4
    assert set(fs.BUYER_CLASSES["key_factor"]) == {"roi", "standard", "convenience"}


def test_buyer_class_validation():
    with pytest.raises(
        ValueError, match=r"factor must be one of \['convenience', 'roi', 'standard'\]"
    ):
        buyer_class_effect("price")
    with pytest.raises(ValueError, match=r"value of 'roi' must be in \[0, 1\], got 1.5"):
        buyer_class_effect("roi", [1.5])
    only_champ = Committee((Member("champion", "Champion", 1, 1, {"Buy": 2}),))
    with pytest.raises(ValueError, match=r"none of which is in the committee \['champion'\]"):
        buyer_class_effect("roi", committee=only_champ)


# -- validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"presence": 1.5}, ValueError, r"presence of 'x' must be in \[0, 1\], got 1.5"),
        ({"support": -0.1}, ValueError, r"support of 'x' must be in \[0, 1\], got -0.1"),
        ({"odds": {"Buy": 0}}, ValueError, r"odds multiplier of 'x' for stage 'Buy' must be > 0"),
        ({"odds": {"Buy": float("inf")}}, ValueError, r"must be a finite number, got inf"),
        ({"odds": 3}, TypeError, r"odds for 'x' must be a mapping of stage name to multiplier"),
        ({"odds": (("Buy", 2), ("Buy", 3))}, ValueError, r"odds for 'x' name stage 'Buy' twice"),
        ({"key": ""}, ValueError, r"member key must be a non-empty string, got ''"),
    ],
)
def test_member_validation(kwargs, error, match):
    args = {"key": "x", "label": "X", "presence": 0.5, "support": 0.5, "odds": {}, **kwargs}
    with pytest.raises(error, match=match):
        Member(**args)


@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda v: not 0 <= v <= 1))
@settings(max_examples=50)
def test_presence_outside_unit_interval_rejected(value):
    with pytest.raises(ValueError, match=r"presence of 'x' must be in \[0, 1\]"):
        Member("x", "X", value, 0.5)


def test_committee_validation():
    m = Member("x", "X", 0.5, 0.5, {"Buy": 2})
    with pytest.raises(ValueError, match=r"committee member keys must be unique, got 'x' twice"):
        Committee((m, m))
    with pytest.raises(TypeError, match=r"every committee member must be a Member"):
        Committee((m, "y"))  # type: ignore[arg-type]
    with pytest.raises(KeyError, match=r"no committee member 'y'"):
        Committee((m,))["y"]
    bad_stage = Committee((Member("x", "X", 0.5, 0.5, {"Pay": 2}),))
    with pytest.raises(
        ValueError, match=r"member 'x' influences stage 'Pay', which is not in funnel"
    ):
        simulate_accounts(10, committee=bad_stage, seed=0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_accounts": -1}, ValueError, r"n_accounts must be in \[0, 20000000\], got -1"),
        ({"champion": 2.0}, ValueError, r"champion must be in \[0, 1\], got 2.0"),
        ({"saboteur": None, "committee": "c"}, TypeError, r"committee must be a Committee"),
        ({"funnel": "f"}, TypeError, r"funnel must be a Funnel"),
        ({"buy_rate": 1.2}, ValueError, r"buy_rate must be in \[0, 1\], got 1.2$"),
        (
            {"buy_rate": [0, 0, 0, -1, 0]},
            ValueError,
            r"buy_rate must be in \[0, 1\], got -1.0 at position 3",
        ),
        (
            {"buy_rate": [0.1, 0.2]},
            ValueError,
            r"buy_rate must be one number or one per account \(5\)",
        ),
        ({"seed": -3}, ValueError, r"seed must be a non-negative integer, got -3"),
    ],
)
def test_simulate_accounts_validation(kwargs, error, match):
    args = {"n_accounts": 5, "seed": 0, **kwargs}
    with pytest.raises(error, match=match):
        simulate_accounts(**args)


def test_champion_argument_needs_a_champion_member():
    c = Committee((Member("x", "X", 0.5, 0.5, {"Buy": 2}),))
    with pytest.raises(ValueError, match=r"champion=0.3 given but the committee has no 'champion'"):
        simulate_accounts(10, champion=0.3, committee=c, seed=0)


def test_table_by_unknown_column():
    res = simulate_accounts(10, seed=0)
    with pytest.raises(ValueError, match=r"by must be a column of accounts"):
        res.table(by="region")


def test_zero_accounts_is_empty_not_an_error():
    res = simulate_accounts(0, seed=0)
    assert res.n_accounts == 0 and np.isnan(res.win_rate)
    assert res.table()["reached"].sum() == 0


# -- review additions: empty committee, per-account Buy rates, invariants --------------------


def test_empty_committee_is_the_plain_funnel():
    empty = Committee(())
    np.testing.assert_array_equal(
        expected_accounts(100, committee=empty)["reach_probability"], TLTB.reach
    )
    for n in (3, 4, 5):  # n equal to the number of stages once broadcast silently
        res = simulate_accounts(n, committee=empty, seed=0)
        assert res.n_accounts == n and res.contributions.empty
        assert list(res.contributions.columns) == [
            "member",
            "label",
            "share_present",
            "win_rate",
            "win_rate_without",
            "contribution",
            "wins_added",
        ]
        assert (res.accounts["p_buy"] == TLTB.rates[-1]).all()


def test_expected_accounts_with_one_buy_rate_is_the_changed_funnel():
    c = buying_committee()
    one = expected_accounts(500, committee=c, buy_rate=0.6)
    changed = expected_accounts(500, committee=c, funnel=TLTB.with_rates(buy=0.6))
    np.testing.assert_allclose(one["reach_probability"], changed["reach_probability"], rtol=1e-15)
    np.testing.assert_allclose(one["sd_reached"], changed["sd_reached"], rtol=1e-15)
    assert one["base_rate"].iloc[-1] == 0.6


def test_expected_accounts_with_a_buy_rate_per_account_is_the_exact_mixture():
    # Two accounts with Buy base rates a and b: each reaches Buy with the
    # one-rate probability q(a), q(b); the count is a sum of two Bernoullis.
    a, b = 0.1, 0.7
    qa = expected_accounts(1, buy_rate=a)["reach_probability"].iloc[-1]
    qb = expected_accounts(1, buy_rate=b)["reach_probability"].iloc[-1]
    two = expected_accounts(2, buy_rate=[a, b])
    assert two["reach_probability"].iloc[-1] == pytest.approx((qa + qb) / 2, rel=1e-14)
    assert two["sd_reached"].iloc[-1] == pytest.approx(
        np.sqrt(qa * (1 - qa) + qb * (1 - qb)), rel=1e-14
    )
    assert np.isnan(two["base_rate"].iloc[-1])
    # Stages before Buy do not depend on the Buy rate.
    np.testing.assert_allclose(
        two["reach_probability"].iloc[:-1], expected_accounts(1)["reach_probability"].iloc[:-1]
    )


def test_table_expectation_uses_the_buy_rate_per_account():
    n = 20_000
    rng = np.random.default_rng(7)
    p = beckhard_probability(rng.uniform(0, 10, n), 5.0, 4.0, 100.0)
    res = simulate_accounts(n, buy_rate=p, seed=12)
    exp = expected_accounts(n, buy_rate=p)
    t = res.table()
    np.testing.assert_allclose(t["expected_reached"], exp["expected_reached"])
    # The funnel's own Buy rate (0.25) would be far off; the exact mixture is not.
    plain = expected_accounts(n)["expected_reached"].iloc[-1]
    assert abs(exp["expected_reached"].iloc[-1] - plain) > 10 * exp["sd_reached"].iloc[-1]
    _within(t["reached"].to_numpy(), exp["expected_reached"], exp["sd_reached"])


@given(
    st.lists(st.floats(0, 1), min_size=6, max_size=6),
    st.integers(0, 300),
    st.integers(0, 2**32 - 1),
    st.integers(0, 5),
)
@settings(max_examples=30)
def test_account_invariants_and_common_random_numbers(presence, n, seed, off):
    committee = Committee(
        tuple(
            dataclasses.replace(m, presence=p, pace=())
            for m, p in zip(buying_committee().members, presence, strict=True)
        )
    )
    funnel = fs.trigger_learn_try_buy(times=1.0)  # one time unit a stage: cycle = depth
    res = simulate_accounts(n, committee=committee, funnel=funnel, seed=seed)
    a = res.accounts
    assert a["depth"].between(1, 4).all()
    np.testing.assert_array_equal(a["won"], a["depth"] == 4)
    np.testing.assert_array_equal(a["stage_reached"].cat.codes + 1, a["depth"])
    np.testing.assert_array_equal(a["cycle_length"], a["depth"])
    reached = res.table()["reached"].to_numpy()
    assert reached[0] == n and np.all(np.diff(reached) <= 0)
    # Switching one member off (same seed) changes only the accounts where it was present.
    key = committee.members[off].key
    without = simulate_accounts(
        n, committee=committee.replace(key, presence=0.0), funnel=funnel, seed=seed
    )
    absent = (a[key] == "absent").to_numpy()
    np.testing.assert_array_equal(a["depth"][absent], without.accounts["depth"][absent])
    row = res.contributions.set_index("member").loc[key]
    assert row["wins_added"] == int(a["won"].sum()) - int(without.accounts["won"].sum())
    if presence[off] == 0:
        assert row["wins_added"] == 0


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: expected_accounts(-1), ValueError, r"n_accounts must be >= 0, got -1"),
        (
            lambda: expected_accounts(1, committee="c"),
            TypeError,
            r"committee must be a Committee \(e.g. funnelsim.buying_committee\(\)\), got str",
        ),
        (
            lambda: expected_accounts(
                1,
                committee=Committee(
                    tuple(Member(f"m{i}", "M", 0.5, 0.5, {"Buy": 2.0}) for i in range(11))
                ),
            ),
            ValueError,
            r"members must be <= 10, got 11",
        ),
        (
            lambda: expected_accounts(3, buy_rate=[0.1, 0.2]),
            ValueError,
            r"buy_rate must be one number or one per account \(3\), got shape \(2,\)",
        ),
        (
            lambda: simulate_accounts(3, funnel=fs.Funnel.from_rates({"Only": 1.0}), buy_rate=0.5),
            ValueError,
            r"buy_rate needs a funnel with at least 2 stages, got 1 \('funnel'\)",
        ),
        (
            lambda: simulate_accounts(3, buy_rate="high"),
            TypeError,
            r"buy_rate must be a real number, got .high.",
        ),
        (
            lambda: simulate_accounts(3, buy_rate=[[0.1, 0.2, 0.3]]),
            ValueError,
            r"buy_rate must be one number or one per account \(3\), got shape \(1, 3\)",
        ),
        (
            lambda: simulate_accounts(10, seed=0).cycle_summary([0.5, 1.5]),
            ValueError,
            r"quantile must be in \[0, 1\], got 1.5",
        ),
        (
            lambda: buying_committee(champion=1.5),
            ValueError,
            r"presence of 'champion' must be in \[0, 1\], got 1.5",
        ),
        (
            lambda: Member("x", "  ", 0.5, 0.5),
            ValueError,
            r"member label must be a non-empty string, got '  '",
        ),
        (
            lambda: Member("x", "X", 0.5, 0.5, [("Buy", 2), "Try"]),
            TypeError,
            r"odds for 'x' must map stage names to numbers, got 'Try'",
        ),
        (lambda: Committee(3), TypeError, r"members must be a sequence of Member, got int"),
        (
            lambda: buyer_class_effect("roi", [[0.1, 0.2]]),
            ValueError,
            r"values must be one-dimensional, got shape \(1, 2\)",
        ),
        (
            lambda: buyer_class_effect(3),
            TypeError,
            r"factor must be a string, one of \['convenience', 'roi', 'standard'\], got 3",
        ),
        (lambda: buyer_class_effect("roi", funnel="f"), TypeError, r"funnel must be a Funnel"),
    ],
)
def test_more_validation_rules(call, error, match):
    with pytest.raises(error, match=match):
        call()


# -- pace: champion shortens, saboteur lengthens the cycle ------------------------------


def test_pace_divides_time_for_and_multiplies_it_against_by_hand():
    # Every step certain, each stage 1 time unit: the cycle is the sum of the factors.
    funnel = fs.Funnel.from_rates({"Trigger": 1.0, "Learn": 1.0, "Try": 1.0, "Buy": 1.0})
    fast = Member("champion", "Champion", 1.0, 1.0, pace={"Learn": 2.0, "Buy": 4.0})
    slow = Member("saboteur", "Saboteur", 1.0, 0.0, pace={"Try": 3.0})
    for members, cycle in (((fast,), 1 + 0.5 + 1 + 0.25), ((slow,), 1 + 1 + 3 + 1)):
        res = simulate_accounts(50, committee=Committee(members), funnel=funnel, seed=1)
        np.testing.assert_allclose(res.accounts["cycle_length"], cycle, rtol=1e-15)
    both = simulate_accounts(50, committee=Committee((fast, slow)), funnel=funnel, seed=1)
    np.testing.assert_allclose(both.accounts["cycle_length"], 1 + 0.5 + 3 + 0.25, rtol=1e-15)
    neutral = Committee((fast, slow)).neutral()
    res = simulate_accounts(50, committee=neutral, funnel=funnel, seed=1)
    np.testing.assert_allclose(res.accounts["cycle_length"], 4.0, rtol=1e-15)


def test_champion_shortens_and_saboteur_lengthens_the_won_cycle():
    # Won cycle of the default funnel: 1 + 3 + 4 + 6 = 14 weeks on average. A champion
    # divides Learn, Try and Buy by 1.5: 1 + 13 / 1.5 = 9.67; a saboteur multiplies Learn
    # by 1.5 and Try by 2: 1 + 4.5 + 8 + 6 = 19.5 (times are independent of the outcome).
    sd = np.sqrt(sum(s.time.var for s in TLTB.stages))
    for champion, saboteur, mean in ((1.0, 0.0, 1 + 13 / 1.5), (0.0, 1.0, 19.5)):
        res = simulate_accounts(20_000, champion=champion, saboteur=saboteur, seed=2)
        cycles = res.cycle_lengths
        # the sd of a scaled stage time shrinks or grows with it: bound it by 2 x sd
        assert abs(cycles.mean() - mean) < 4 * 2 * sd / np.sqrt(cycles.size)


def test_pace_validation():
    with pytest.raises(ValueError, match=r"pace multiplier of 'x' for stage 'Try' must be > 0"):
        Member("x", "X", 1.0, 1.0, pace={"Try": 0.0})
    with pytest.raises(TypeError, match=r"pace for 'x' must be a mapping of stage name"):
        Member("x", "X", 1.0, 1.0, pace=3)
    bad = Committee((Member("x", "X", 1.0, 1.0, pace={"Pilot": 2.0}),))
    with pytest.raises(ValueError, match=r"member 'x' sets the pace of stage 'Pilot'"):
        simulate_accounts(10, committee=bad, seed=1)


# -- adoption after the purchase --------------------------------------------------------


def test_adoption_one_gives_todays_results_exactly():
    base = simulate_accounts(3_000, champion=0.3, saboteur=0.2, seed=11)
    res = simulate_accounts(3_000, champion=0.3, saboteur=0.2, adoption=1.0, seed=11)
    a = res.accounts
    pd.testing.assert_frame_equal(a[base.accounts.columns], base.accounts)
    np.testing.assert_array_equal(a["adopted"], a["won"])
    assert not a["abandoned"].any() and (a["p_adoption"] == 1.0).all()
    pd.testing.assert_frame_equal(res.contributions[base.contributions.columns], base.contributions)
    c = res.contributions
    np.testing.assert_array_equal(c["kept_added"], c["wins_added"])
    assert res.kept_rate == res.win_rate and res.adoption_rate == 1.0
    t, t0 = res.table(), base.table()
    pd.testing.assert_frame_equal(t.iloc[:4].reset_index(drop=True), t0, check_categorical=False)
    assert t["stage"].tolist()[-1] == "Adoption"
    assert t["reached"].iloc[-1] == t["reached"].iloc[-2]
    e = expected_accounts(3_000, committee=res.committee, adoption=1.0)
    e0 = expected_accounts(3_000, committee=res.committee)
    np.testing.assert_allclose(e["reach_probability"].iloc[-1], e0["reach_probability"].iloc[-1])
    assert base.adoption is None and np.isnan(base.kept_rate) and np.isnan(base.adoption_rate)


def test_adoption_zero_abandons_every_won_account():
    res = simulate_accounts(2_000, adoption=0.0, seed=5)
    a = res.accounts
    assert not a["adopted"].any()
    np.testing.assert_array_equal(a["abandoned"], a["won"])
    assert res.kept_rate == 0.0
    assert expected_accounts(2_000, adoption=0.0)["expected_reached"].iloc[-1] == 0.0


def test_neutral_committee_adoption_is_the_plain_product():
    exp = expected_accounts(1_000, committee=buying_committee().neutral(), adoption=0.6)
    reach = np.append(np.cumprod(TLTB.rates), TLTB.reach[-1] * 0.6)
    np.testing.assert_allclose(exp["reach_probability"], reach, rtol=1e-12)
    np.testing.assert_allclose(exp["step_rate"].iloc[-1], 0.6, rtol=1e-12)
    assert exp["base_rate"].iloc[-1] == 0.6
    np.testing.assert_allclose(exp["sd_reached"], np.sqrt(1_000 * reach * (1 - reach)))


def test_adoption_expectation_by_hand_for_one_user():
    # Users present w.p. 0.8, for w.p. 0.7 when present, adoption odds x4; the purchase
    # steps are plain. P(kept) = reach(Buy) x [0.2 a + 0.56 s(a, x4) + 0.24 s(a, /4)].
    user = Member("user", "Users", 0.8, 0.7, adoption=4.0)
    a = 0.6

    def shifted(m: float) -> float:
        return a * m / (a * m + 1 - a)

    mix = 0.2 * a + 0.56 * shifted(4.0) + 0.24 * shifted(0.25)
    exp = expected_accounts(500, committee=Committee((user,)), adoption=a)
    np.testing.assert_allclose(exp["reach_probability"].iloc[-1], TLTB.reach[-1] * mix)
    np.testing.assert_allclose(exp["step_rate"].iloc[-1], mix)
    # the purchase is untouched: users move only adoption here
    np.testing.assert_allclose(exp["reach_probability"].iloc[:4], TLTB.reach)


def test_adoption_simulation_matches_exact_expectation():
    n = 20_000
    res = simulate_accounts(n, champion=0.3, adoption=0.5, seed=21)
    t = res.table()
    _within(
        t["reached"].to_numpy(),
        t["expected_reached"].to_numpy(),
        expected_accounts(n, committee=res.committee, adoption=0.5)["sd_reached"].to_numpy(),
    )
    # users for the product adopt more often than users against it
    by = res.accounts[res.accounts["won"]].groupby("user", observed=True)["adopted"].mean()
    assert by["for"] > by["absent"] > by["against"]
    assert res.adoption_rate == res.accounts["adopted"].sum() / res.accounts["won"].sum()


def test_adoption_with_a_buy_rate_per_account_is_the_exact_mixture():
    n = 300
    same = expected_accounts(n, adoption=0.7, buy_rate=np.full(n, 0.4))
    one = expected_accounts(n, adoption=0.7, buy_rate=0.4)
    np.testing.assert_allclose(same["reach_probability"], one["reach_probability"], rtol=1e-12)
    np.testing.assert_allclose(same["sd_reached"], one["sd_reached"], rtol=1e-9)
    # two groups of accounts: the mean of the two single-rate answers
    rates = np.repeat([0.2, 0.8], n // 2)
    mixed = expected_accounts(n, adoption=0.7, buy_rate=rates)
    lo = expected_accounts(n, adoption=0.7, buy_rate=0.2)["reach_probability"]
    hi = expected_accounts(n, adoption=0.7, buy_rate=0.8)["reach_probability"]
    np.testing.assert_allclose(mixed["reach_probability"], (lo + hi) / 2, rtol=1e-12)


def test_kept_contribution_by_hand():
    # Certain steps but Buy (0.5); users always there and for (adoption odds x3, base 0.5:
    # p = 0.75). Without them the same uniforms adopt at 0.5.
    funnel = fs.Funnel.from_rates({"Trigger": 1.0, "Learn": 1.0, "Try": 1.0, "Buy": 0.5})
    committee = Committee((Member("user", "Users", 1.0, 1.0, adoption=3.0),))
    n = 400
    res = simulate_accounts(n, committee=committee, funnel=funnel, adoption=0.5, seed=3)
    # draw order: presence, stance (n x 1 each), steps (n x 4), fixed times draw nothing,
    # then one adoption uniform per account
    u = np.random.default_rng(3).random(7 * n)
    won = u[2 * n : 6 * n].reshape(n, 4)[:, 3] < 0.5
    u_adopt = u[6 * n :]
    kept, kept_without = won & (u_adopt < 0.75), won & (u_adopt < 0.5)
    np.testing.assert_array_equal(res.accounts["adopted"], kept)
    row = res.contributions.iloc[0]
    assert row["kept_rate"] == kept.sum() / n
    assert row["kept_rate_without"] == kept_without.sum() / n
    assert row["kept_added"] == kept.sum() - kept_without.sum()
    assert row["wins_added"] == 0  # users do not move this purchase
    np.testing.assert_allclose(res.accounts["p_adoption"], 0.75)


def test_adoption_validation():
    with pytest.raises(ValueError, match=r"adoption must be in \[0, 1\], got 1.5"):
        simulate_accounts(10, adoption=1.5, seed=1)
    with pytest.raises(ValueError, match=r"adoption must be in \[0, 1\], got -0.1"):
        expected_accounts(10, adoption=-0.1)
    with pytest.raises(ValueError, match=r"adoption multiplier of 'x' must be > 0, got 0"):
        Member("x", "X", 1.0, 1.0, adoption=0)


def test_committee_frame_lists_pace_and_adoption():
    f = buying_committee().to_frame().set_index(["member", "stage"])
    assert f.loc[("user", "Adoption"), "odds"] == 4.0
    assert f.loc[("champion", "Try"), "pace"] == 1.5
    assert f.loc[("saboteur", "Try"), "pace"] == 2.0
    assert f.loc[("decision_maker", "Buy"), "pace"] == 1.0


def test_summary_row_by_hand():
    res = simulate_accounts(1_500, champion=0.4, adoption=0.5, seed=9)
    s = res.summary().iloc[0]
    a = res.accounts
    won, kept = int(a["won"].sum()), int(a["adopted"].sum())
    assert (s["accounts"], s["won"], s["kept"], s["abandoned"]) == (1_500, won, kept, won - kept)
    assert s["win_rate"] == won / 1_500 and s["kept_rate"] == kept / 1_500
    assert s["adoption_rate"] == kept / won
    lo, hi = fs.stats.proportion_ci(won, 1_500)
    assert (s["win_ci_low"], s["win_ci_high"]) == (float(lo), float(hi))
    assert s["win_ci_low"] < s["win_rate"] < s["win_ci_high"]
    assert s["median_cycle"] == np.median(res.cycle_lengths)
    assert s["mean_cycle"] == res.cycle_lengths.mean()
    plain = simulate_accounts(1_500, champion=0.4, seed=9).summary()
    assert "kept" not in plain.columns
    assert plain.iloc[0]["won"] == won  # adoption draws come last: same purchases
    empty = simulate_accounts(0, seed=1).summary().iloc[0]
    assert (
        empty["accounts"] == 0 and np.isnan(empty["win_rate"]) and np.isnan(empty["median_cycle"])
    )


def test_convenience_moves_adoption_far_more_than_the_purchase():
    eff = buyer_class_effect("convenience", [0.0, 1.0], adoption=0.6)
    reach = eff.pivot(index="value", columns="stage", values="reach_probability")
    assert list(reach.columns) == ["Trigger", "Learn", "Try", "Buy", "Adoption"]
    buy_gain = reach.loc[1.0, "Buy"] / reach.loc[0.0, "Buy"]
    kept_gain = reach.loc[1.0, "Adoption"] / reach.loc[0.0, "Adoption"]
    assert kept_gain > 1.5 * buy_gain and buy_gain > 1  # 2.65 against 1.35
    # at value v every user is for (support v) when present: the exact expectation
    c = buying_committee().replace("user", support=1.0)
    exact = expected_accounts(1, committee=c, adoption=0.6)["reach_probability"].iloc[-1]
    assert reach.loc[1.0, "Adoption"] == pytest.approx(exact, rel=1e-12)


def test_buyer_class_table_is_buyer_class_effect_in_wide_form():
    t = fs.buyer_class_table(values=[0.0, 0.5, 1.0], adoption=0.6)
    assert list(t.index.names) == ["factor", "value"]
    assert t.index.get_level_values("factor").unique().tolist() == [
        "roi",
        "standard",
        "convenience",
    ]
    assert list(t.columns) == ["Trigger", "Learn", "Try", "Buy", "Adoption"]
    long = buyer_class_effect("standard", [0.5], adoption=0.6)
    np.testing.assert_allclose(t.loc[("standard", 0.5)].to_numpy(), long["reach_probability"])
    one = fs.buyer_class_table("roi", [1.0])
    assert one.shape == (1, 4)


def test_compare_accounts_runs_every_case_on_the_same_random_numbers():
    cases = {"nobody": {"champion": 0, "saboteur": 0}, "champion": {"champion": 1, "saboteur": 0}}
    out = fs.compare_accounts(cases, 2_000, seed=4, adoption=0.5)
    assert out.index.tolist() == ["nobody", "champion"] and out.index.name == "case"
    for name, case in cases.items():
        alone = simulate_accounts(2_000, **case, adoption=0.5, seed=4).summary().iloc[0]
        pd.testing.assert_series_equal(out.loc[name], alone, check_names=False)
    # a case's own value wins over the common one
    own = fs.compare_accounts({"a": {"adoption": 1.0}}, 500, seed=1, adoption=0.2)
    assert own.loc["a", "kept"] == own.loc["a", "won"]
    # a Generator is turned into one seed shared by every case
    g = fs.compare_accounts(cases, 500, seed=np.random.default_rng(3))
    assert g.loc["champion", "win_rate"] > g.loc["nobody", "win_rate"]
    assert fs.compare_accounts({}, 10, seed=1).empty


def test_compare_accounts_validation():
    with pytest.raises(TypeError, match=r"cases must map case names to keyword arguments"):
        fs.compare_accounts({"a": 3}, 10, seed=1)
    with pytest.raises(TypeError, match=r"cases must map case names"):
        fs.compare_accounts([("a", {})], 10, seed=1)
    with pytest.raises(ValueError, match=r"champion must be in \[0, 1\], got 2"):
        fs.compare_accounts({"a": {"champion": 2}}, 10, seed=1)


# -- account-based marketing: the four steps as a pipeline ------------------------------


def test_abm_table_follows_the_accounts_by_hand():
    res = fs.simulate_abm(3_000, fit_rate=0.3, capacity=120, response_rate=0.4, seed=12)
    a = res.accounts
    t = res.table()
    assert t["stage"].tolist() == list(fs.ABM_STAGES)
    picked = (a["rank_bant"] >= 1) & (a["rank_bant"] <= 120)
    responded = picked & a["would_respond"]
    won = responded & a["would_win"]
    assert t["reached"].tolist() == [
        3_000,
        int(a["fit"].sum()),
        120,
        int(responded.sum()),
        int(won.sum()),
    ]
    # the capacity step is set, not drawn: no interval; the drawn steps keep theirs
    researched = t["stage"] == "Researched"
    assert t.loc[researched, ["ci_low", "ci_high"]].isna().all().all()
    assert t.loc[~researched & (t.index > 0), ["ci_low", "ci_high"]].notna().all().all()
    # the researched companies are the fitting ones with the highest BANT, ties in list order
    fit = a[a["fit"]]
    best = fit.sort_values("bant", ascending=False, kind="stable").head(120)
    assert set(best["account"]) == set(a.loc[picked, "account"])
    assert (a.loc[~a["fit"], ["rank_bant", "rank_expected_value", "rank_random"]] == 0).all().all()
    for col in ("rank_bant", "rank_expected_value", "rank_random"):
        assert sorted(fit[col]) == list(range(1, len(fit) + 1))


def test_abm_conversions_match_their_rates():
    n = 40_000
    res = fs.simulate_abm(n, fit_rate=0.25, capacity=2_000, response_rate=0.4, seed=13)
    a = res.accounts
    fit = a["fit"].sum()
    assert abs(fit - 0.25 * n) < 4 * np.sqrt(n * 0.25 * 0.75)
    s = res.summary().set_index("ranking")
    for ranking, row in s.iterrows():
        assert abs(row["responded"] - 800) < 4 * np.sqrt(2_000 * 0.4 * 0.6), ranking
        # wins given who was researched: a sum of Bernoulli(response x p_win)
        pick = (a[f"rank_{ranking}"] >= 1) & (a[f"rank_{ranking}"] <= 2_000)
        q = 0.4 * a.loc[pick, "p_win"].to_numpy()
        assert row["expected_wins"] == pytest.approx(q.sum())
        assert abs(row["won"] - q.sum()) < 4 * np.sqrt(np.sum(q * (1 - q))), ranking
    assert s.loc["bant", "expected_wins"] > 1.5 * s.loc["random", "expected_wins"]


def test_abm_rankings_share_their_companies_and_a_worthless_score_buys_nothing():
    res = fs.simulate_abm(2_000, capacity=100, strength=0.0, seed=14)
    s = res.summary().set_index("ranking")
    # strength 0: every company wins with base_win, whatever its rank
    np.testing.assert_allclose(s["expected_wins"], 100 * 0.4 * 0.2)
    big = fs.simulate_abm(2_000, capacity=10_000, seed=14)  # capacity beyond the fit list
    t = {r: big.table(r)["reached"].tolist() for r in fs.ABM_RANKINGS}
    assert t["bant"] == t["expected_value"] == t["random"]
    assert t["bant"][2] == t["bant"][1]  # every fitting company researched


def test_abm_expected_value_ranking_buys_revenue():
    res = fs.simulate_abm(3_000, capacity=150, deal_size=50_000, deal_sigma=1.0, seed=15)
    s = res.summary().set_index("ranking")
    assert s.loc["expected_value", "expected_revenue"] >= s.loc["bant", "expected_revenue"]
    assert s.loc["bant", "expected_wins"] >= s.loc["expected_value", "expected_wins"]
    a = res.accounts
    pick = (a["rank_expected_value"] >= 1) & (a["rank_expected_value"] <= 150)
    won = pick & a["would_respond"] & a["would_win"]
    assert s.loc["expected_value", "revenue"] == pytest.approx(a.loc[won, "deal_size"].sum())


def test_abm_pipeline_feeds_the_gain_curve():
    from funnelsim import charts

    res = fs.simulate_abm(1_000, capacity=60, seed=16)
    pl = res.pipeline()
    fit = res.accounts[res.accounts["fit"]]
    assert len(pl.accounts) == len(fit) and pl.capacity == 60
    assert pl.accounts["rank"].tolist() == list(range(1, len(fit) + 1))
    g = charts.bant_gain_frame(pl)
    top = g[(g["strategy"] == "BANT order") & (g["accounts_worked"] == 60)]["expected_wins"]
    s = res.summary().set_index("ranking")
    assert float(top.iloc[0]) == pytest.approx(s.loc["bant", "expected_wins"])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_companies": 0}, ValueError, r"n_companies must be in \[1, 10000000\], got 0"),
        ({"fit_rate": 1.5}, ValueError, r"fit_rate must be in \[0, 1\], got 1.5"),
        ({"capacity": -1}, ValueError, r"capacity must be >= 0, got -1"),
        ({"response_rate": -0.1}, ValueError, r"response_rate must be in \[0, 1\]"),
        ({"rank_by": "size"}, ValueError, r"rank_by must be one of"),
        ({"deal_size": 0}, ValueError, r"deal_size must be > 0, got 0"),
        ({"base_win": 0}, ValueError, r"base_win must be in \(0, 1\), got 0"),
    ],
)
def test_abm_validation(kwargs, error, match):
    with pytest.raises(error, match=match):
        fs.simulate_abm(**{"n_companies": 100, "seed": 1, **kwargs})
    with pytest.raises(ValueError, match=r"rank_by must be one of"):
        fs.simulate_abm(100, seed=1).table("size")


# -- the explorers ------------------------------------------------------------------------


def test_abm_explorer_metrics_are_the_summary_of_the_same_run():
    from funnelsim.widgets.b2b import AbmExplorer

    ex = AbmExplorer(threaded=False, companies=1_000, capacity=50, seed=3)
    try:
        s = fs.simulate_abm(1_000, capacity=50, seed=3, deal_sigma=1.0).summary()
        s = s.set_index("ranking")
        assert ex.metrics["wins_bant"] == pytest.approx(s.loc["bant", "expected_wins"])
        assert ex.metrics["lift"] == pytest.approx(
            s.loc["bant", "expected_wins"] / s.loc["random", "expected_wins"]
        )
        assert ex.metrics["revenue_gain"] >= 1.0  # expected value maximises expected revenue
        ex.control("strength").value = 0.0  # a worthless score: ranking buys nothing
        assert ex.metrics["lift"] == pytest.approx(1.0)
        ex.ab = True
        ex.control("capacity").value = 100
        assert "<svg" in ex.svg
    finally:
        ex.close()


def test_b2b_explorer_adoption_counts_kept_and_abandoned_deals():
    from funnelsim.widgets import B2BExplorer
    from funnelsim.widgets.b2b import accounts_table

    ex = B2BExplorer(threaded=False, accounts=3_000, adoption=1.0)
    try:
        assert ex.metrics["kept"] == ex.metrics["customers"] and ex.metrics["abandoned"] == 0
        ex.control("adoption").value = 0.3
        m = ex.metrics
        assert m["kept"] + m["abandoned"] == m["customers"] and m["abandoned"] > 0
        table = accounts_table(ex.outcome.result)
        assert table["stage"].tolist()[-1] == "Adoption"
        assert table["reached"].iloc[-1] == m["kept"]
    finally:
        ex.close()
