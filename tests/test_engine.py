import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

import funnelsim as fs
from funnelsim.engine import EVENT_COLUMNS, MAX_BUYERS_MODE
from funnelsim.model import Funnel, Stage, TimeInStage

TABLE_COLUMNS = [
    "stage",
    "reached",
    "step_conversion",
    "ci_low",
    "ci_high",
    "cumulative_conversion",
    "expected_reached",
    "drop_off",
]

rates = st.floats(0.0, 1.0, allow_nan=False)
funnels = st.lists(rates, min_size=0, max_size=7).map(
    lambda rs: Funnel.from_rates({"S0": 1.0, **{f"S{i + 1}": r for i, r in enumerate(rs)}})
)


# -- the law -----------------------------------------------------------------------------


def _integer_threshold_depth(u32: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """Stages reached: 1 + the stages whose threshold floor(reach * 2**32) exceeds u."""
    limits = np.floor(reach[1:] * 2.0**32).astype(np.int64)
    return 1 + (u32.astype(np.int64)[:, None] < limits[None, :]).sum(axis=1)


def test_depth_equals_per_buyer_comparison_of_the_same_uniforms():
    # The chunked kernel must give exactly what comparing each buyer's 32-bit uniform
    # (the halves of the generator's raw 64-bit outputs, low half first) with the
    # integer thresholds gives, and so not depend on the chunk size.
    f = fs.aaarrr()
    n = 300_001  # spans several chunks, a partial last one, and half a raw output
    result = fs.simulate(f, n, seed=11)
    raw = np.random.default_rng(11).bit_generator.random_raw((n + 1) // 2)
    u = np.stack([raw & 0xFFFFFFFF, raw >> 32], axis=1).ravel()[:n]
    depth = _integer_threshold_depth(u, f.reach)
    np.testing.assert_array_equal(result.depth[0], depth)
    np.testing.assert_array_equal(result.counts[0], [(depth > k).sum() for k in range(len(f))])


def test_a_32_bit_generator_uses_numpys_32_bit_draws():
    # MT19937's raw output holds 32 random bits only: its buyers use rng.integers(uint32).
    f = fs.aaarrr()
    n = 70_001
    result = fs.simulate(f, n, seed=np.random.Generator(np.random.MT19937(4)))
    u = np.random.Generator(np.random.MT19937(4)).integers(0, 2**32, n, dtype=np.uint32)
    np.testing.assert_array_equal(result.depth[0], _integer_threshold_depth(u, f.reach))


def test_quantisation_of_the_integer_threshold_is_below_2_to_the_minus_32():
    # Reach probabilities on the 2**-32 grid are used exactly; others are rounded down by
    # less than 2**-32; a reach below 2**-32 is reached by nobody.
    f = Funnel.from_rates({"A": 1.0, "B": 0.5, "C": 0.5, "D": 2.0**-32, "E": 0.5})
    limits = np.floor(f.reach[1:] * 2.0**32)
    assert limits.tolist() == [2**31, 2**30, 0.0, 0.0]
    reach = fs.aaarrr().reach[1:]
    error = reach - np.floor(reach * 2.0**32) / 2.0**32
    assert np.all((error >= 0) & (error < 2.0**-32))
    counts = fs.simulate(f, 200_000, seed=2).counts[0]
    assert counts[3] == counts[4] == 0
    half = stats.binomtest(int(counts[1]), 200_000, 0.5).pvalue
    assert half > 1e-4


def test_deepest_stage_follows_the_stage_by_stage_law():
    # P(deepest stage = k) = reach[k] - reach[k+1]; chi-square goodness of fit.
    f = fs.aaarrr(acquisition=0.5, activation=0.6, retention=0.7, revenue=0.5, referral=0.4)
    n = 200_000
    depth = fs.simulate(f, n, seed=3).depth[0]
    observed = np.bincount(depth, minlength=len(f) + 1)[1:]
    probs = f.reach - np.append(f.reach[1:], 0.0)
    assert stats.chisquare(observed, n * probs).pvalue > 1e-4


@given(funnel=funnels, buyers=st.integers(0, 3000), seed=st.integers(0, 2**32))
def test_counts_are_non_increasing_and_near_expected(funnel, buyers, seed):
    for mode in ("buyers", "counts"):
        counts = fs.simulate(funnel, buyers, seed=seed, mode=mode).counts[0]
        assert counts[0] == buyers
        assert np.all(np.diff(counts) <= 0)
        # Each stage's count is Binomial(buyers, reach): neither tail beyond it may be
        # rarer than 1e-7 (exact tails; a normal band fails on skewed small-p counts).
        upper = stats.binom.sf(counts - 1, buyers, funnel.reach)  # P(X >= count)
        lower = stats.binom.cdf(counts, buyers, funnel.reach)  # P(X <= count)
        assert np.all(upper > 1e-7) and np.all(lower > 1e-7)


@given(funnel=funnels, buyers=st.integers(0, 500), seed=st.integers(0, 2**32))
def test_same_seed_same_result_bit_for_bit(funnel, buyers, seed):
    a = fs.simulate(funnel, buyers, seed=seed, events=True)
    b = fs.simulate(funnel, buyers, seed=seed, events=True)
    np.testing.assert_array_equal(a.depth, b.depth)
    pd.testing.assert_frame_equal(a.events, b.events)
    c = fs.simulate(funnel, buyers, seed=seed, mode="counts", replications=3)
    d = fs.simulate(funnel, buyers, seed=seed, mode="counts", replications=3)
    np.testing.assert_array_equal(c.counts, d.counts)


@pytest.mark.slow
@given(funnel=funnels, seed=st.integers(0, 2**32))
def test_counts_mode_and_buyers_mode_agree_in_distribution(funnel, seed):
    reps, n = 300, 400
    a = fs.simulate(funnel, n, seed=seed, mode="buyers", replications=reps).counts
    b = fs.simulate(funnel, n, seed=seed + 1, mode="counts", replications=reps).counts
    sd = np.sqrt(n * funnel.reach * (1 - funnel.reach))
    # means: given both totals of a stage, equal rates make A's total Binomial(A + B, 1/2)
    # (the exact conditional test: sound for the tiny reach where a z band is not)
    for k in range(1, len(funnel)):
        ta, tb = int(a[:, k].sum()), int(b[:, k].sum())
        if ta + tb:
            assert stats.binomtest(ta, ta + tb, 0.5).pvalue > 1e-6
    # spreads: both match the binomial sd (variance ratio within sampling error)
    for counts in (a, b):
        s = counts.std(0, ddof=1)
        ok = sd > 2
        assert np.all(np.abs(s[ok] / sd[ok] - 1) < 0.3)


def test_counts_mode_handles_a_billion_buyers():
    r = fs.simulate(fs.aaarrr(), 1e9, seed=1, mode="counts")
    exp = fs.expected(fs.aaarrr(), 10**9)
    assert r.counts[0, 0] == 10**9
    assert np.all(np.abs(r.counts[0] - exp["expected_reached"]) <= 5 * exp["sd_reached"])


def test_extreme_rates():
    f = fs.aaarrr(acquisition=1, activation=1, retention=1, revenue=1, referral=1)
    assert fs.simulate(f, 1000, seed=0).counts[0].tolist() == [1000] * 6
    g = fs.aaarrr(acquisition=0, activation=0, retention=0, revenue=0, referral=0)
    r = fs.simulate(g, 1000, seed=0)
    assert r.counts[0].tolist() == [1000, 0, 0, 0, 0, 0]
    assert np.all(r.depth == 1)
    assert fs.simulate(g, 1000, seed=0, mode="counts").counts[0].tolist() == [1000, 0, 0, 0, 0, 0]


def test_zero_buyers():
    r = fs.simulate(fs.aaarrr(), 0, seed=0, events=True)
    assert r.counts.tolist() == [[0] * 6]
    assert len(r.events) == 0 and list(r.events.columns) == list(EVENT_COLUMNS)
    table = r.table()
    assert table["reached"].eq(0).all()
    assert table["step_conversion"].isna().all()


# -- seeds and replications ----------------------------------------------------------


def test_seed_is_recorded_and_reproduces_a_fresh_run():
    a = fs.simulate(fs.aaarrr(), 5000)
    assert isinstance(a.seed, int)
    b = fs.simulate(fs.aaarrr(), 5000, seed=a.seed)
    np.testing.assert_array_equal(a.depth, b.depth)
    assert fs.simulate(fs.aaarrr(), 10, seed=42).seed == 42


def test_generator_seed_is_advanced_not_copied():
    g = np.random.default_rng(5)
    a = fs.simulate(fs.aaarrr(), 1000, seed=g)
    b = fs.simulate(fs.aaarrr(), 1000, seed=g)
    assert not np.array_equal(a.depth, b.depth)


def test_replications_are_independent_streams_with_a_replication_column():
    r = fs.simulate(fs.aaarrr(), 2000, seed=7, replications=4, events=True)
    assert r.replications == 4 and r.depth.shape == (4, 2000)
    assert len({tuple(c) for c in r.counts.tolist()}) == 4
    table = r.table()
    assert list(table.columns) == ["replication", *TABLE_COLUMNS]
    assert table["replication"].tolist() == list(np.repeat(range(4), 6))
    assert r.events["replication"].unique().tolist() == [0, 1, 2, 3]
    assert len(r.events) == r.depth.sum()
    summary = r.summary()
    np.testing.assert_allclose(summary["mean_reached"], r.counts.mean(0))
    assert r.reached.tolist() == pytest.approx(r.counts.mean(0).tolist())


# -- the table -------------------------------------------------------------------------


def test_table_columns_and_values():
    f = fs.aaarrr()
    r = fs.simulate(f, 10_000, seed=1)
    t = r.table()
    assert list(t.columns) == TABLE_COLUMNS
    assert t["stage"].tolist() == list(f.names)
    c = r.counts[0]
    assert t["reached"].tolist() == c.tolist()
    np.testing.assert_allclose(t["step_conversion"], c / np.append(10_000, c[:-1]))
    np.testing.assert_allclose(t["cumulative_conversion"], c / 10_000)
    np.testing.assert_allclose(t["expected_reached"], 10_000 * f.reach)
    assert t["drop_off"].tolist() == (np.append(10_000, c[:-1]) - c).tolist()
    assert t["drop_off"].sum() == 10_000 - c[-1]
    ci = stats.binomtest(int(c[2]), int(c[1])).proportion_ci(method="exact")
    assert t.loc[2, "ci_low"] == pytest.approx(ci.low) and t.loc[2, "ci_high"] == pytest.approx(
        ci.high
    )
    assert r.conversion == c[-1] / 10_000


def test_replicated_result_by_hand():
    # Two replications of 10 buyers through rates 1, 0.5, 0.4, with counts set by hand.
    from funnelsim.engine import SimulationResult

    f = Funnel.from_rates({"A": 1.0, "B": 0.5, "C": 0.4})
    r = SimulationResult(f, 10, "counts", np.array([[10, 6, 3], [10, 4, 1]]), seed=None)
    assert r.conversion == 4 / 20  # pooled: never the sum of shares (which would be 0.4)
    assert 0 <= r.conversion <= 1
    assert r.reached.to_dict() == {"A": 10.0, "B": 5.0, "C": 2.0}
    s = r.summary()
    assert list(s.columns) == [
        "stage",
        "mean_reached",
        "sd_reached",
        "q0.05",
        "q0.95",
        "expected_reached",
    ]
    assert s["mean_reached"].tolist() == [10.0, 5.0, 2.0]
    np.testing.assert_allclose(s["sd_reached"], [0.0, 2**0.5, 2**0.5], rtol=1e-15)  # ddof=1
    # linear interpolation between the two runs: low + q (high - low)
    np.testing.assert_allclose(s["q0.05"], [10.0, 4.1, 1.1], rtol=1e-12)
    np.testing.assert_allclose(s["q0.95"], [10.0, 5.9, 2.9], rtol=1e-12)
    np.testing.assert_allclose(s["expected_reached"], [10.0, 5.0, 2.0], rtol=1e-15)
    s = r.summary(quantiles=(0.25, 0.5))
    np.testing.assert_allclose(s["q0.25"], [10.0, 4.5, 1.5])
    np.testing.assert_allclose(s["q0.5"], [10.0, 5.0, 2.0])
    t = r.table()
    assert t["replication"].tolist() == [0, 0, 0, 1, 1, 1]
    assert t["reached"].tolist() == [10, 6, 3, 10, 4, 1]
    np.testing.assert_allclose(t["step_conversion"], [1, 0.6, 0.5, 1, 0.4, 0.25])
    np.testing.assert_allclose(t["cumulative_conversion"], [1, 0.6, 0.3, 1, 0.4, 0.1])
    assert t["drop_off"].tolist() == [0, 4, 3, 0, 6, 3]
    np.testing.assert_allclose(t["expected_reached"], [10, 5, 2, 10, 5, 2])
    ci = stats.binomtest(1, 4).proportion_ci(confidence_level=0.9, method="exact")
    t90 = r.table(confidence=0.9)
    assert (t90.loc[5, "ci_low"], t90.loc[5, "ci_high"]) == pytest.approx((ci.low, ci.high))
    assert (t.loc[0, "ci_low"], t.loc[0, "ci_high"]) == pytest.approx(
        (stats.beta.ppf(0.025, 10, 1), 1.0)
    )


def test_simulated_conversion_with_replications_is_a_share():
    r = fs.simulate(fs.aaarrr(referral=1.0), 50, seed=3, replications=7, mode="counts")
    assert r.conversion == r.counts[:, -1].sum() / 350
    assert 0 <= r.conversion <= 1


def test_expected_closed_form():
    f = fs.trigger_learn_try_buy()
    e = fs.expected(f, 1000)
    np.testing.assert_allclose(e["expected_reached"], [1000, 400, 120, 30])
    np.testing.assert_allclose(e["sd_reached"], np.sqrt(1000 * f.reach * (1 - f.reach)))
    np.testing.assert_allclose(e["expected_entry_time"], [0, 1, 4, 8])


# -- the event log --------------------------------------------------------------------


def test_event_log_schema_and_consistency():
    f = fs.trigger_learn_try_buy()
    r = fs.simulate(f, 20_000, seed=2, events=True)
    ev = r.events
    assert list(ev.columns) == list(EVENT_COLUMNS)
    assert ev["buyer_id"].dtype == np.int64 and ev["converted"].dtype == bool
    assert list(ev["stage"].cat.categories) == list(f.names) and ev["stage"].cat.ordered
    assert len(ev) == r.depth.sum()
    # one row per buyer and stage reached, in order, starting at the first stage
    per_buyer = ev.groupby("buyer_id").size().to_numpy()
    np.testing.assert_array_equal(per_buyer, r.depth[0])
    codes = ev["stage"].cat.codes.to_numpy()
    assert np.all(codes == ev.groupby("buyer_id").cumcount().to_numpy())
    # converted means: the buyer has a next stage; it enters it when it leaves this one
    nxt = ev.shift(-1)
    same = nxt["buyer_id"].to_numpy() == ev["buyer_id"].to_numpy()
    np.testing.assert_array_equal(ev["converted"].to_numpy(), same)
    np.testing.assert_array_equal(
        ev["exited_at"].to_numpy()[same], nxt["entered_at"].to_numpy()[same]
    )
    assert not ev.loc[ev["stage"] == "Buy", "converted"].any()
    counts = ev["stage"].value_counts(sort=False).to_numpy()
    np.testing.assert_array_equal(counts, r.counts[0])


def test_event_times_follow_each_stage_distribution():
    f = Funnel.from_rates(
        {"A": 1, "B": 0.8, "C": 0.5},
        times={"A": 2.0, "B": TimeInStage.exponential(3), "C": TimeInStage.gamma(5, 2)},
    )
    ev = fs.simulate(f, 40_000, seed=9, events=True).events
    dur = ev["exited_at"] - ev["entered_at"]
    assert dur[ev["stage"] == "A"].eq(2.0).all()
    for name in ("B", "C"):
        d = dur[ev["stage"] == name]
        assert abs(d.mean() - f[name].time.mean) < 5 * np.sqrt(f[name].time.var / len(d))
        assert stats.kstest(d.to_numpy()[:4000], f[name].time.dist.cdf).pvalue > 1e-3
    # entry time of C: mean 2 + 3, matching expected()
    c_entry = ev.loc[ev["stage"] == "C", "entered_at"]
    assert abs(c_entry.mean() - fs.expected(f, 1)["expected_entry_time"].iloc[2]) < 5 * 3 / np.sqrt(
        len(c_entry)
    )


def test_entry_window_spreads_arrivals_uniformly_and_leaves_depth_unchanged():
    f = fs.aaarrr()
    a = fs.simulate(f, 20_000, seed=4, events=True, entry_window=30)
    b = fs.simulate(f, 20_000, seed=4)
    np.testing.assert_array_equal(a.depth, b.depth)
    first = a.events.loc[a.events["stage"] == "Awareness", "entered_at"]
    assert first.min() >= 0 and first.max() < 30
    assert stats.kstest(first.to_numpy(), stats.uniform(0, 30).cdf).pvalue > 1e-3


# -- bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"buyers": -5}, ValueError, r"buyers must be in \[0, 1000000000000000\], got -5"),
        (
            {"buyers": 10**19, "mode": "counts"},
            ValueError,
            r"buyers must be in \[0, 1000000000000000\], got 10000000000000000000",
        ),
        (
            {"replications": 10**7, "mode": "counts"},
            ValueError,
            r"replications must be in \[1, 1000000\], got 10000000",
        ),
        ({"buyers": 10.5}, ValueError, r"buyers must be a whole number, got 10.5"),
        ({"buyers": "100"}, TypeError, r"buyers must be an integer, got '100' \(str\)"),
        ({"mode": "fast"}, ValueError, r"mode must be one of \['buyers', 'counts'\], got 'fast'"),
        ({"events": "yes"}, TypeError, r"events must be True or False, got 'yes'"),
        ({"replications": 0}, ValueError, r"replications must be in \[1, 1000000\], got 0"),
        ({"entry_window": -1}, ValueError, r"entry_window must be >= 0, got -1"),
        ({"seed": "abc"}, TypeError, r"seed must be an int"),
        ({"mode": "counts", "events": True}, ValueError, r"events=True needs mode='buyers'"),
        (
            {"buyers": MAX_BUYERS_MODE + 1},
            ValueError,
            r"buyers \* replications must be <= 200,000,000 in mode='buyers'.*use mode='counts'",
        ),
        (
            {"buyers": 10**7, "replications": 3, "events": True},
            ValueError,
            r"with events=True, got 10,000,000 \* 3",
        ),
    ],
)
def test_bad_arguments(kwargs, error, pattern):
    args = {"buyers": 100, **kwargs}
    with pytest.raises(error, match=pattern):
        fs.simulate(fs.aaarrr(), **args)


@pytest.mark.parametrize("stages", [129, 300])
def test_event_log_of_a_funnel_with_many_stages(stages):
    # stage codes were int8 (128 stages) and depths uint8 (255 stages)
    funnel = Funnel.from_rates({f"s{i}": 1.0 if i == 0 else 0.999 for i in range(stages)})
    res = fs.simulate(funnel, 200, seed=1, events=True)
    per_stage = res.events.groupby("stage", observed=False).size().to_numpy()
    np.testing.assert_array_equal(per_stage, res.counts[0])
    np.testing.assert_array_equal(
        np.bincount(res.depth[0], minlength=stages + 1)[1:][::-1].cumsum()[::-1], res.counts[0]
    )
    assert res.events["stage"].cat.categories[-1] == f"s{stages - 1}"


def test_funnel_must_be_a_funnel():
    with pytest.raises(
        TypeError, match=r"funnel must be a Funnel \(e.g. funnelsim.aaarrr\(\)\), got list"
    ):
        fs.simulate([Stage("A")], 10)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"funnel must be a Funnel"):
        fs.expected("aaarrr", 10)  # type: ignore[arg-type]


def test_repr_is_short_and_informative():
    r = fs.simulate(fs.trigger_learn_try_buy(), 100, seed=3)
    text = repr(r)
    assert text.startswith(
        "SimulationResult('Trigger-Learn-Try-Buy', buyers=100, mode='buyers', seed=3: Trigger=100"
    )


def test_seed_is_keyword_only_and_a_positional_seed_still_works_for_one_release():
    import inspect

    assert inspect.signature(fs.simulate).parameters["seed"].kind is inspect.Parameter.KEYWORD_ONLY
    with pytest.warns(DeprecationWarning, match=r"simulate\(\): passing seed by position"):
        old = fs.simulate(fs.aaarrr(), 1000, 5)
    np.testing.assert_array_equal(old.depth, fs.simulate(fs.aaarrr(), 1000, seed=5).depth)
    with pytest.raises(TypeError, match="positional argument"):
        fs.simulate(fs.aaarrr(), 1000, 5, "counts")


# -- pinned by mutation testing (docs/mutation.md) -----------------------------------------


def test_expected_by_hand_every_column():
    f = Funnel.from_rates({"visit": 1.0, "cart": 0.5, "buy": 0.2})
    e = fs.expected(f, 100)
    assert list(e.columns) == [
        "stage",
        "rate",
        "reach_probability",
        "expected_reached",
        "sd_reached",
        "expected_entry_time",
    ]
    assert e["stage"].tolist() == ["visit", "cart", "buy"]
    assert list(e["stage"].cat.categories) == ["visit", "cart", "buy"]
    np.testing.assert_allclose(e["rate"], [1.0, 0.5, 0.2])
    np.testing.assert_allclose(e["reach_probability"], [1.0, 0.5, 0.1])
    np.testing.assert_allclose(e["expected_reached"], [100.0, 50.0, 10.0])
    np.testing.assert_allclose(e["sd_reached"], [0.0, 5.0, 3.0])  # √(100·0.5·0.5), √(100·0.1·0.9)
    with pytest.raises(ValueError, match=r"^buyers must be >= 0, got -1$"):
        fs.expected(f, -1)


def test_summary_of_a_single_run_has_no_spread():
    from funnelsim.engine import SimulationResult

    f = Funnel.from_rates({"A": 1.0, "B": 0.5})
    s = SimulationResult(f, 10, "counts", np.array([[10, 4]]), seed=None).summary()
    assert s["mean_reached"].tolist() == [10.0, 4.0]
    assert s["sd_reached"].tolist() == [0.0, 0.0]  # one run: no run-to-run spread
    assert s["q0.05"].tolist() == [10.0, 4.0] and s["q0.95"].tolist() == [10.0, 4.0]
    assert s["expected_reached"].tolist() == [10.0, 5.0]


def test_a_funnel_nobody_gets_past_fills_every_chunk_of_buyers():
    # 70,000 buyers span two chunks of draws; nobody can reach the second stage
    f = Funnel.from_rates({"visit": 1.0, "buy": 0.0})
    # a run of the same size where everyone buys, just before: memory the allocator
    # recycles holds depth 2, so a chunk left unfilled cannot pass for depth 1
    deep = fs.simulate(Funnel.from_rates({"visit": 1.0, "buy": 1.0}), 70_000, seed=1)
    assert (deep.depth == 2).all()
    del deep
    r = fs.simulate(f, 70_000, seed=1)
    assert r.counts.tolist() == [[70_000, 0]]
    assert r.depth.shape == (1, 70_000) and (r.depth == 1).all()
