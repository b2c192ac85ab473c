"""fs.compare and the Newcombe interval for a difference of two proportions (funnelsim.stats)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import funnelsim as fs
from funnelsim.stats import compare, proportion_difference_ci


def test_newcombe_published_example() -> None:
    # Newcombe (1998), Table II, example (a): 56/70 vs 48/80, method 10: 0.0524 to 0.3339.
    low, high = proportion_difference_ci(48, 80, 56, 70)
    assert (round(float(low), 4), round(float(high), 4)) == (0.0524, 0.3339)
    # example (d): 10/10 vs 0/10 (boundary counts), method 10: 0.6075 to 1.0000.
    low, high = proportion_difference_ci(0, 10, 10, 10)
    assert (round(float(low), 4), round(float(high), 4)) == (0.6075, 1.0)


@given(
    n_a=st.integers(1, 400),
    n_b=st.integers(1, 400),
    frac_a=st.floats(0, 1),
    frac_b=st.floats(0, 1),
    confidence=st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_newcombe_matches_statsmodels(
    n_a: int, n_b: int, frac_a: float, frac_b: float, confidence: float
) -> None:
    from statsmodels.stats.proportion import confint_proportions_2indep

    k_a, k_b = round(frac_a * n_a), round(frac_b * n_b)
    low, high = proportion_difference_ci(k_a, n_a, k_b, n_b, confidence)
    # statsmodels' diff is count1/nobs1 - count2/nobs2: B first.
    ref = confint_proportions_2indep(
        k_b, n_b, k_a, n_a, method="newcomb", compare="diff", alpha=1 - confidence
    )
    assert float(low) == pytest.approx(ref[0], abs=1e-12)
    assert float(high) == pytest.approx(ref[1], abs=1e-12)


def test_newcombe_coverage_is_close_to_nominal() -> None:
    rng = np.random.default_rng(2026)
    draws, n_a, n_b, p_a, p_b = 20_000, 150, 120, 0.3, 0.4
    k_a, k_b = rng.binomial(n_a, p_a, draws), rng.binomial(n_b, p_b, draws)
    low, high = proportion_difference_ci(k_a, n_a, k_b, n_b)
    covered = np.mean((low <= p_b - p_a) & (p_b - p_a <= high))
    se = np.sqrt(0.95 * 0.05 / draws)
    # Newcombe's interval is approximate: near nominal, within 4 SE plus 1 point.
    assert abs(covered - 0.95) < 4 * se + 0.01


def test_newcombe_vectorises_and_marks_empty_groups() -> None:
    low, high = proportion_difference_ci([48, 0], [80, 0], [56, 3], [70, 10])
    assert low.shape == high.shape == (2,)
    assert np.isnan(low[1]) and np.isnan(high[1])
    assert float(low[0]) == pytest.approx(float(proportion_difference_ci(48, 80, 56, 70)[0]))


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((5, 4, 1, 2), ValueError, r"successes_a must be within \[0, trials_a\], got 5 of 4"),
        ((1, 4, 3, 2), ValueError, r"successes_b must be within \[0, trials_b\], got 3 of 2"),
        ((1.5, 4, 1, 2), ValueError, r"successes_a must be whole numbers >= 0 \(counts\), got 1.5"),
        ((1, -4, 1, 2), ValueError, r"trials_a must be whole numbers >= 0 \(counts\), got -4"),
        ((1, 4, float("nan"), 2), ValueError, r"successes_b must be whole numbers >= 0 .* got nan"),
        ((True, 4, 1, 2), TypeError, r"successes_a must be a count or an array of counts, got Tr"),
    ],
)
def test_newcombe_rejects_bad_counts(args: tuple, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        proportion_difference_ci(*args)


def test_newcombe_rejects_bad_confidence() -> None:
    with pytest.raises(ValueError, match=r"confidence must be in \(0, 1\), got 1.0"):
        proportion_difference_ci(1, 4, 1, 4, confidence=1.0)


# -- compare ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pair() -> tuple[fs.SimulationResult, fs.SimulationResult]:
    # Same seed: one uniform per buyer, so stages before Activation get identical counts.
    a = fs.simulate(fs.aaarrr(activation=0.40), buyers=20_000, seed=11, events=True)
    b = fs.simulate(fs.aaarrr(activation=0.60), buyers=20_000, seed=11, events=True)
    return a, b


def test_compare_rows_columns_and_counts(pair: tuple) -> None:
    a, b = pair
    table = compare(a, b)
    assert list(table["stage"]) == list(fs.AAARRR_STAGES)
    assert list(table.columns) == [
        "stage",
        "reached_a",
        "reached_b",
        *[
            f"{rate}_{c}"
            for rate in ("step", "reach")
            for c in ("a", "b", "difference", "ci_low", "ci_high", "clears_noise")
        ],
    ]
    np.testing.assert_array_equal(table["reached_a"], a.counts[0])
    np.testing.assert_array_equal(table["reached_b"], b.counts[0])
    prev_a = np.concatenate([[20_000], a.counts[0, :-1]])
    prev_b = np.concatenate([[20_000], b.counts[0, :-1]])
    np.testing.assert_allclose(table["step_a"], a.counts[0] / prev_a)
    np.testing.assert_allclose(table["reach_b"], b.counts[0] / 20_000)
    np.testing.assert_allclose(
        table["step_difference"], b.counts[0] / prev_b - a.counts[0] / prev_a
    )
    low, high = proportion_difference_ci(a.counts[0], prev_a, b.counts[0], prev_b)
    np.testing.assert_allclose(table["step_ci_low"], low)
    np.testing.assert_allclose(table["step_ci_high"], high)
    assert list(table["step_clears_noise"]) == list((low > 0) | (high < 0))
    assert table.attrs["entered"] == (20_000, 20_000)
    assert "Newcombe" in table.attrs["method"]


def test_compare_finds_the_changed_step_and_not_the_others(pair: tuple) -> None:
    a, b = pair
    table = compare(a, b).set_index("stage")
    # Identical counts before the changed step: difference 0, inside the noise.
    assert table.loc["Acquisition", "step_difference"] == 0.0
    assert not table.loc["Acquisition", "step_clears_noise"]
    # Activation 40 % -> 60 %: the interval holds the true +20 points and excludes 0.
    act = table.loc["Activation"]
    assert act["step_clears_noise"]
    assert act["step_ci_low"] < 0.20 < act["step_ci_high"]
    assert act["reach_clears_noise"]


def test_compare_reads_tables_and_event_logs_alike(pair: tuple) -> None:
    a, b = pair
    expected = compare(a, b)
    from_tables = compare(a.table(), b.table())
    from_logs = compare(a.events, b.events)
    for other in (from_tables, from_logs):
        pd.testing.assert_frame_equal(
            other.drop(columns="stage"), expected.drop(columns="stage"), check_dtype=False
        )


def test_compare_pools_replications() -> None:
    a = fs.simulate(fs.trigger_learn_try_buy(), buyers=300, seed=1, replications=4)
    b = fs.simulate(fs.trigger_learn_try_buy(), buyers=300, seed=2, replications=4)
    table = compare(a, b)
    np.testing.assert_array_equal(table["reached_a"], a.counts.sum(axis=0))
    assert table.attrs["entered"] == (1_200, 1_200)


def test_compare_accounts_results() -> None:
    from funnelsim.b2b import simulate_accounts

    a = simulate_accounts(800, champion=0.0, seed=3)
    b = simulate_accounts(800, champion=0.9, seed=3)
    table = compare(a, b)
    np.testing.assert_array_equal(table["reached_a"], a.table()["reached"])
    assert table.attrs["entered"] == (800, 800)


def test_compare_with_an_empty_stage_is_nan_and_not_significant() -> None:
    a = fs.simulate(fs.aaarrr(acquisition=0.0), buyers=500, seed=1)
    b = fs.simulate(fs.aaarrr(acquisition=0.0), buyers=500, seed=2)
    row = compare(a, b).set_index("stage").loc["Retention"]
    assert np.isnan(row["step_difference"]) and np.isnan(row["step_ci_low"])
    assert not row["step_clears_noise"]


def test_compare_rejects_mismatched_or_unknown_inputs(pair: tuple) -> None:
    a, _ = pair
    tltb = fs.simulate(fs.trigger_learn_try_buy(), buyers=100, seed=1)
    with pytest.raises(ValueError, match="a and b must have the same stages in the same order"):
        compare(a, tltb)
    with pytest.raises(TypeError, match=r"b must be a SimulationResult, .*got list"):
        compare(a, [1, 2])
    with pytest.raises(ValueError, match=r"confidence must be in \(0, 1\), got 0"):
        compare(a, a, confidence=0)
    with pytest.raises(ValueError, match=r"a is missing column\(s\) \['drop_off'\]"):
        compare(pd.DataFrame({"stage": ["x"], "reached": [1]}), a)


def test_compare_is_exported_at_the_top_level() -> None:
    assert fs.compare is compare


def test_compare_of_the_same_funnel_clears_the_noise_about_five_percent_of_the_time() -> None:
    # The start page's promise made measurable: two runs of one funnel differ by noise
    # only, so a 95 % interval should exclude 0 for about 5 % of the stage differences.
    funnel = fs.aaarrr()
    pairs = 300
    cleared = tested = 0
    for i in range(pairs):
        a = fs.simulate(funnel, 2_000, seed=2 * i, mode="counts")
        b = fs.simulate(funnel, 2_000, seed=2 * i + 1, mode="counts")
        table = compare(a, b).iloc[1:]  # the entry stage is 1 by definition in both
        cleared += int(table["step_clears_noise"].sum())
        tested += len(table)
    rate = cleared / tested
    se = np.sqrt(0.05 * 0.95 / tested)
    assert abs(rate - 0.05) < 4 * se + 0.01, rate


@given(
    n_a=st.integers(0, 300),
    n_b=st.integers(0, 300),
    frac_a=st.floats(0, 1),
    frac_b=st.floats(0, 1),
)
def test_newcombe_interval_properties(n_a: int, n_b: int, frac_a: float, frac_b: float) -> None:
    k_a, k_b = round(frac_a * n_a), round(frac_b * n_b)
    low, high = proportion_difference_ci(k_a, n_a, k_b, n_b)
    if n_a == 0 or n_b == 0:
        assert np.isnan(low) and np.isnan(high)
        return
    d = k_b / n_b - k_a / n_a
    assert -1 - 1e-12 <= low <= d <= high <= 1 + 1e-12  # holds the estimate, inside [-1, 1]
    # swapping the groups mirrors the interval
    back_low, back_high = proportion_difference_ci(k_b, n_b, k_a, n_a)
    assert back_low == pytest.approx(-high, abs=1e-12)
    assert back_high == pytest.approx(-low, abs=1e-12)
    # more confidence, a wider interval
    wide_low, wide_high = proportion_difference_ci(k_a, n_a, k_b, n_b, confidence=0.99)
    assert wide_low <= low + 1e-12 and high <= wide_high + 1e-12


def test_compare_applies_a_window_to_event_logs(pair: tuple) -> None:
    from funnelsim.analytics import funnel_table

    a, b = pair
    table = compare(a.events, b.events, window=3.0)
    np.testing.assert_array_equal(table["reached_a"], funnel_table(a.events, window=3.0)["reached"])
    np.testing.assert_array_equal(table["reached_b"], funnel_table(b.events, window=3.0)["reached"])
    # one time unit per stage: within 3 units nobody reaches the fifth stage
    assert table["reached_a"].iloc[-1] == 0 < a.counts[0, -1]
    with pytest.raises(ValueError, match="window applies to event logs only, but a is a Simul"):
        compare(a, b, window=3.0)


def _dotted_log(buyers_reaching: tuple[int, int]) -> pd.DataFrame:
    """A two-stage log with dd.mm.yyyy text dates: 4 visit, the first k sign up."""
    visits, signups = buyers_reaching
    rows = [(i, "visit", "08.03.2024") for i in range(visits)]
    rows += [(i, "signup", "13.03.2024") for i in range(signups)]
    return pd.DataFrame(rows, columns=["buyer_id", "stage", "entered_at"])


@pytest.mark.parametrize("how", [{"date_format": "%d.%m.%Y"}, {"dayfirst": True}])
def test_compare_reads_text_dates_of_event_logs(how: dict) -> None:
    a, b = _dotted_log((4, 1)), _dotted_log((4, 3))
    table = compare(a, b, stages=["visit", "signup"], **how)
    assert table["reached_a"].tolist() == [4, 1]
    assert table["reached_b"].tolist() == [4, 3]
    assert table["step_difference"].iloc[1] == pytest.approx(0.5)


def test_compare_without_date_format_names_the_options() -> None:
    with pytest.raises(ValueError, match="date_format"):
        compare(_dotted_log((4, 1)), _dotted_log((4, 3)), stages=["visit", "signup"])


def test_compare_date_format_is_for_event_logs_only() -> None:
    a = fs.simulate(fs.aaarrr(), buyers=100, seed=1)
    with pytest.raises(ValueError, match="date_format applies to event logs only, but a is"):
        compare(a, a, date_format="%d.%m.%Y")


@pytest.mark.parametrize(("p", "margin"), [(0.02, 0.005), (0.5, 0.03), (0.13, 0.01), (0.9, 0.02)])
def test_wald_sample_size_matches_statsmodels(p, margin):
    from statsmodels.stats.proportion import samplesize_confint_proportion

    from funnelsim.stats import sample_size_proportion

    assert sample_size_proportion(p, margin) == math.ceil(
        samplesize_confint_proportion(p, margin) - 1e-9
    )
