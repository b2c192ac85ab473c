import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from funnelsim.diffusion import (
    chasm_gap,
    chasm_market,
    diffusion_path,
    move_profits,
    segmented_market,
    simulate_diffusion,
    value_migration,
)
from funnelsim.referral import bass_adopters, simulate_bass

BEACHHEAD = ["pragmatists: medicine", "pragmatists: banking", "conservatives"]


def one_segment(p=0.03, q=0.38, m=10_000, delta=1.0):
    return segmented_market(["all"], [m], [p], [[q]], delta)


# -- one segment is Bass -----------------------------------------------------------------------


def test_one_segment_discrete_path_is_the_bass_recursion():
    p, q, m = 0.03, 0.38, 10_000
    path = diffusion_path(one_segment(p, q, m), 12)
    bass = simulate_bass(p, q, m, 12, seed=0).periods
    np.testing.assert_allclose(path.periods["adopters"], bass["expected_cumulative"], rtol=1e-12)


def test_one_segment_continuous_path_is_bass_closed_form():
    p, q, m = 0.03, 0.38, 10_000
    path = diffusion_path(one_segment(p, q, m), 15, continuous=True)
    closed = bass_adopters(p, q, m, np.arange(1, 16, dtype=float))
    np.testing.assert_allclose(path.periods["adopters"], closed, rtol=1e-6)


def test_one_segment_simulation_mean_tracks_the_recursion():
    # Binomial(m - A, h) each period; the mean follows the recursion up to O(1/m).
    p, q, m, reps = 0.02, 0.3, 100_000, 200
    sim = simulate_diffusion(one_segment(p, q, m), 10, replications=reps, seed=3)
    path = diffusion_path(one_segment(p, q, m), 10).periods["adopters"].to_numpy()
    by_period = sim.periods.pivot(index="replication", columns="period", values="adopters")
    mean = by_period.mean().to_numpy()
    se = by_period.std(ddof=1).to_numpy() / math.sqrt(reps)
    assert np.all(np.abs(mean - path) < 4 * se + 1.0)


def test_block_diagonal_imitation_gives_independent_bass_curves():
    market = segmented_market(
        ["a", "b", "c"],
        [1_000, 5_000, 20_000],
        [0.03, 0.01, 0.002],
        [[0.4, 0, 0], [0, 0.3, 0], [0, 0, 0.5]],
    )
    path = diffusion_path(market, 30, continuous=True).periods
    for name, (p, q, m) in zip(
        market.names, [(0.03, 0.4, 1_000), (0.01, 0.3, 5_000), (0.002, 0.5, 20_000)], strict=True
    ):
        got = path.loc[path["segment"] == name, "adopters"].to_numpy()
        np.testing.assert_allclose(got, bass_adopters(p, q, m, np.arange(1, 31.0)), rtol=1e-6)


# -- conservation and randomness -----------------------------------------------------------------


@given(
    sizes=st.lists(st.integers(1, 5_000), min_size=1, max_size=4),
    p=st.floats(0.0, 0.2),
    q=st.floats(0.0, 0.7),
    effort=st.floats(0.0, 0.5),
    bowling=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_adopters_never_exceed_size_and_never_fall(sizes, p, q, effort, bowling, seed):
    # A per-period adoption probability above 1 is refused (tested below): stay inside.
    assume(p + q + effort / min(sizes) <= 1.0)
    s = len(sizes)
    imitation = np.full((s, s), q / s)
    market = segmented_market([f"s{i}" for i in range(s)], sizes, p, imitation, 2.0)
    strategy = "bowling_alley" if bowling else "spread"
    sim = simulate_diffusion(
        market, 8, effort=effort, strategy=strategy, replications=3, seed=seed
    ).periods
    size = np.array(sizes)[sim["segment"].cat.codes.to_numpy()]
    assert (sim["adopters"] <= size).all()
    assert (sim["new_adopters"] >= 0).all()
    path = diffusion_path(market, 8, effort=effort, strategy=strategy).periods
    psize = np.array(sizes)[path["segment"].cat.codes.to_numpy()]
    assert (path["adopters"] <= psize + 1e-9).all()
    assert (path["new_adopters"] >= -1e-12).all()


def test_same_seed_same_run_and_seed_recorded():
    a = simulate_diffusion(chasm_market(), 24, replications=2, seed=11)
    b = simulate_diffusion(chasm_market(), 24, replications=2, seed=11)
    assert a.periods.equals(b.periods)
    assert a.seed == 11
    c = simulate_diffusion(chasm_market(), 24, replications=2, seed=12)
    assert not a.periods.equals(c.periods)


# -- the chasm and the bowling alley -------------------------------------------------------------


def test_chasm_market_has_a_gap_in_new_adopters():
    # The early market's new adopters peak, total new adopters then dip, then the mainstream.
    totals = diffusion_path(chasm_market(), 72).totals()["new_adopters"].to_numpy()
    early_peak = int(np.argmax(totals[:20]))
    trough = early_peak + int(np.argmin(totals[early_peak:40]))
    assert totals[trough] < 0.6 * totals[early_peak]
    assert totals.max() > 2 * totals[early_peak]


def test_bowling_alley_shortens_the_gap_documented_example():
    # chasm_market(), 20 people a month of effort, beachhead = medicine (the lesson's example)
    market = chasm_market()
    spread = diffusion_path(market, 72, effort=20, strategy="spread")
    alley = diffusion_path(market, 72, effort=20, strategy="bowling_alley", order=BEACHHEAD)
    assert spread.gap() == 25.0
    assert alley.gap() == 18.0
    assert diffusion_path(market, 72).gap() == 32.0  # no effort at all


def test_bowling_alley_shortens_the_gap_in_simulation_beyond_noise():
    market = chasm_market()
    kw = {"effort": 20, "replications": 60, "seed": 5}
    spread = simulate_diffusion(market, 72, strategy="spread", **kw).gap()
    alley = simulate_diffusion(market, 72, strategy="bowling_alley", order=BEACHHEAD, **kw).gap()
    diff = spread - alley
    se = diff.std(ddof=1) / math.sqrt(len(diff))
    assert diff.mean() > 4 * se
    assert 4 < diff.mean() < 10  # the path says 7 months


def test_b2b_chasm_is_deeper_than_b2c():
    b2c = diffusion_path(chasm_market(cross_imitation=0.05, reference_exponent=1.0), 72)
    b2b = diffusion_path(chasm_market(), 72)
    assert b2b.gap() > b2c.gap() + 10


def test_bowling_alley_focus_moves_on_at_the_threshold():
    path = diffusion_path(
        chasm_market(), 72, effort=20, strategy="bowling_alley", order=BEACHHEAD, threshold=0.5
    ).periods
    med = path[path["segment"] == "pragmatists: medicine"]
    focused = med.loc[med["focus"], "period"]
    # focus while medicine was below half adopted at the start of the period
    share_before = med["share"].shift(1, fill_value=0.0)
    assert (share_before[med["focus"]] < 0.5).all()
    assert (share_before[~med["focus"]] >= 0.5).all()
    assert focused.min() == 1


def test_allocation_hardly_matters_without_reference_exponent():
    # Linear imitation (Bass, delta = 1) and two equal segments: before saturation the
    # effort's allocation changes little (the module docs' claim).
    market = segmented_market(["a", "b"], [100_000, 100_000], 0.001, [[0.3, 0], [0, 0.3]])
    spread = diffusion_path(market, 6, effort=100).totals()["adopters"].to_numpy()
    alley = diffusion_path(market, 6, effort=100, strategy="bowling_alley").totals()
    np.testing.assert_allclose(alley["adopters"].to_numpy(), spread, rtol=0.01)


def test_chasm_gap_is_nan_when_the_mainstream_never_arrives():
    short = diffusion_path(chasm_market(), 12)
    assert math.isnan(chasm_gap(short))
    assert chasm_gap(short, early="visionaries", mainstream="visionaries", level=0.5) == 0.0


# -- value migration ------------------------------------------------------------------------------


def test_never_moving_earns_the_old_share_of_the_fading_pool():
    frame = value_migration(None, 20, market_value=50, old_share=0.4, p=0.01, q=0.3)
    f = bass_adopters(0.01, 0.3, 1, np.arange(1, 21.0))
    np.testing.assert_allclose(frame["profit"], 0.4 * 50 * (1 - f))
    assert (frame["pool"] == "old").all()


def test_moving_earns_what_rivals_left_and_pays_the_switch_once():
    kw = {"market_value": 80, "old_share": 0.5, "new_share": 0.7, "switch_cost": 30}
    frame = value_migration(6, 15, **kw, p=0.02, q=0.4)
    f = bass_adopters(0.02, 0.4, 1, np.arange(1, 16.0))
    expected = np.where(np.arange(1, 16) >= 6, 0.7 * (1 - f[5]) * 80 * f, 0.5 * 80 * (1 - f))
    expected[5] -= 30
    np.testing.assert_allclose(frame["profit"], expected)
    assert frame["cumulative_profit"].iloc[-1] == pytest.approx(expected.sum())
    assert list(frame["pool"].iloc[4:6]) == ["old", "new"]


def test_best_move_is_neither_first_nor_last_nor_never():
    table = move_profits(30)
    best = table.loc[table["total_profit"].idxmax(), "move"]
    assert 1 < best < 30
    never = table["total_profit"].iloc[-1]
    assert table["total_profit"].max() > 1.5 * never


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"imitation": [[0.9, 0.2], [0, 0.3]]}, ValueError, r"segment 'a' must be <= 1.*1\.1"),
        ({"imitation": [[0.3]]}, ValueError, r"imitation must be a 2 x 2 matrix"),
        ({"sizes": [100, 0]}, ValueError, r"sizes must be in \[1, 1e\+12\], got 0 at position 1"),
        ({"sizes": [100, 2.5]}, ValueError, r"whole numbers of people, got 2.5 for 'b'"),
        ({"names": ["a", "a"]}, ValueError, r"segment names must be unique"),
        ({"names": "ab"}, TypeError, r"names must be a non-empty list"),
        ({"innovation": [0.1, -0.1]}, ValueError, r"innovation must be in \[0, 1\], got -0.1"),
        ({"reference_exponent": 0.5}, ValueError, r"reference_exponent must be in \[1, 10\]"),
    ],
)
def test_segmented_market_errors(kwargs, exc, match):
    args = {
        "names": ["a", "b"],
        "sizes": [100, 200],
        "innovation": 0.01,
        "imitation": [[0.3, 0], [0.01, 0.3]],
    }
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        segmented_market(**args)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        (
            {"strategy": "tornado"},
            ValueError,
            r"strategy must be one of \['bowling_alley', 'spread'\]",
        ),
        ({"effort": -1}, ValueError, r"effort must be >= 0, got -1"),
        ({"effort": 1e6}, ValueError, r"effort 1e\+06 is too large for segment 'visionaries'"),
        ({"threshold": 1.0}, ValueError, r"threshold must be in \(0, 1\), got 1.0"),
        ({"order": ["medicine"]}, ValueError, r"segment must be one of .*got 'medicine'"),
        ({"order": ["visionaries", "visionaries"]}, ValueError, r"each segment at most once"),
        ({"periods": 0}, ValueError, r"periods must be in \[1, 20000000\], got 0"),
    ],
)
def test_diffusion_errors(kwargs, exc, match):
    args = {"periods": 12}
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        diffusion_path(chasm_market(), **args)


def test_simulation_errors():
    with pytest.raises(TypeError, match="market must be a SegmentedMarket"):
        simulate_diffusion("market", 10)
    with pytest.raises(ValueError, match=r"replications \* periods \* segments must be <="):
        simulate_diffusion(chasm_market(), 10_000, replications=1_000)
    with pytest.raises(TypeError, match="seed must be"):
        simulate_diffusion(chasm_market(), 10, seed="x")


@pytest.mark.parametrize(
    ("args", "kwargs", "exc", "match"),
    [
        ((0, 10), {}, ValueError, r"move must be in \[1, 10\], got 0"),
        ((11, 10), {}, ValueError, r"move must be in \[1, 10\], got 11"),
        (("5", 10), {}, TypeError, r"move must be a period number or None"),
        ((3, 10), {"old_share": 1.5}, ValueError, r"old_share must be in \[0, 1\], got 1.5"),
        ((3, 10), {"p": 0.0}, ValueError, r"p must be in \(0, 1\], got 0.0"),
        ((3, 10), {"p": 0.5, "q": 0.6}, ValueError, r"p \+ q must be <= 1"),
        ((3, 10), {"switch_cost": -5}, ValueError, r"switch_cost must be >= 0"),
    ],
)
def test_value_migration_errors(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        value_migration(*args, **kwargs)


# -- charts ------------------------------------------------------------------------------------


def test_diffusion_chart_shades_the_chasm_and_names_the_gap():
    from funnelsim import charts

    path = diffusion_path(chasm_market(), 72)
    spec = charts.diffusion_chart(path).to_dict()
    assert "32 months" in spec["title"]
    assert any(layer["mark"]["type"] == "rect" for layer in spec["layer"])
    share = charts.diffusion_chart(path, measure="share", chasm=False).to_dict()
    assert not any(layer["mark"]["type"] == "rect" for layer in share["layer"])
    with pytest.raises(TypeError, match="diffusion_chart takes a DiffusionResult"):
        charts.diffusion_chart(path.periods)


def test_value_migration_chart_marks_the_move():
    from funnelsim import charts

    spec = charts.value_migration_chart(value_migration(7)).to_dict()
    assert spec["title"].startswith("Moving in year 7")
    never = charts.value_migration_chart(value_migration(None)).to_dict()
    assert never["title"].startswith("Never moving")


def test_compare_strategies_summarises_the_simulated_gaps():
    from funnelsim.diffusion import compare_strategies

    table = compare_strategies(
        chasm_market(), 72, effort=20, order=BEACHHEAD, replications=30, seed=4
    )
    spread = simulate_diffusion(chasm_market(), 72, effort=20, replications=30, seed=4).gap()
    row = table.set_index("strategy").loc["spread"]
    assert row["gap_mean"] == pytest.approx(spread.mean())
    assert row["gap_se"] == pytest.approx(spread.std(ddof=1) / math.sqrt(30))
    assert row["high"] - row["low"] == pytest.approx(4 * row["gap_se"])
    alley = table.set_index("strategy").loc["bowling_alley"]
    assert alley["gap_mean"] + 4 * alley["gap_se"] < row["gap_mean"]
    short = compare_strategies(chasm_market(), 12, effort=20, replications=3, seed=1)
    assert (short["not_crossed"] == 3).all() and short["gap_mean"].isna().all()
    with pytest.raises(ValueError, match="replications must be in"):
        compare_strategies(chasm_market(), 12, effort=20, replications=1)
