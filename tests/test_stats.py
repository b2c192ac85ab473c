import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from funnelsim.stats import proportion_ci, step_table


@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_matches_scipy_binomtest_exact(kn):
    k, n = kn
    low, high = proportion_ci(k, n, 0.9)
    ref = stats.binomtest(k, n).proportion_ci(confidence_level=0.9, method="exact")
    assert low == pytest.approx(ref.low, abs=1e-9)
    assert high == pytest.approx(ref.high, abs=1e-9)


def test_vectorised_and_empty_trials_are_nan():
    low, high = proportion_ci([0, 5, 0], [10, 5, 0])
    assert low[0] == 0 and high[1] == 1
    assert np.isnan(low[2]) and np.isnan(high[2])


def test_bad_input():
    with pytest.raises(ValueError, match=r"successes must be within \[0, trials\]"):
        proportion_ci(5, 3)
    with pytest.raises(ValueError, match=r"confidence must be in \(0, 1\), got 1.5"):
        proportion_ci(1, 3, confidence=1.5)


@pytest.mark.parametrize(
    ("successes", "trials", "error", "match"),
    [
        (float("nan"), 10, ValueError, r"successes must be whole numbers >= 0 \(counts\), got nan"),
        (None, 10, TypeError, r"successes must be a count or an array of counts, got None"),
        (3, 10.5, ValueError, r"trials must be whole numbers >= 0 \(counts\), got 10.5"),
        (3, True, TypeError, r"trials must be a count or an array of counts, got True"),
        (
            [1, True],
            [5, 5],
            TypeError,
            r"successes must be counts \(whole numbers\), got True at position 1",
        ),
        (np.array([True, False]), 5, TypeError, r"successes must be counts .*dtype bool"),
        (
            [1, 2],
            [5, np.inf],
            ValueError,
            r"trials must be whole numbers >= 0 \(counts\), got inf at position 1",
        ),
        (
            [1, None],
            [5, 5],
            TypeError,
            r"successes must be counts \(whole numbers\), got None at position 1",
        ),
        ("3", 10, TypeError, r"successes must be a count or an array of counts, got '3'"),
        (-1, 10, ValueError, r"successes must be whole numbers >= 0 \(counts\), got -1$"),
        ([1, 6], [5, 5], ValueError, r"got 6 successes of 5 trials at position 1"),
        ([1, 2, 3], [5, 5], ValueError, r"shapes that broadcast together, got \(3,\) and \(2,\)"),
    ],
)
def test_counts_that_are_not_counts_are_refused(successes, trials, error, match):
    with pytest.raises(error, match=match):
        proportion_ci(successes, trials)


def test_whole_floats_and_pandas_counts_are_counts():
    import pandas as pd

    low, high = proportion_ci(30.0, np.float64(100))
    ref = stats.binomtest(30, 100).proportion_ci(method="exact")
    assert (float(low), float(high)) == pytest.approx((ref.low, ref.high), abs=1e-12)
    low, high = proportion_ci(pd.Series([0, 30]), pd.Series([0, 100]))
    assert np.isnan(low[0]) and float(low[1]) == pytest.approx(ref.low, abs=1e-12)


def test_coverage_is_at_least_nominal(rng):
    # Clopper-Pearson never undercovers: check at n=40, p=0.3 over many draws.
    n, p = 40, 0.3
    k = rng.binomial(n, p, size=20_000)
    low, high = proportion_ci(k, n, 0.95)
    coverage = np.mean((low <= p) & (p <= high))
    assert coverage >= 0.95 - 3 * np.sqrt(0.95 * 0.05 / k.size)


def test_step_table_one_run_exact_values():
    from funnelsim.stats import step_table

    t = step_table(["A", "B", "C"], [100, 40, 0], entered=120)
    assert list(t.columns) == [
        "stage", "reached", "step_conversion", "ci_low", "ci_high",
        "cumulative_conversion", "drop_off",
    ]  # fmt: skip
    np.testing.assert_allclose(t["step_conversion"], [100 / 120, 0.4, 0.0])
    np.testing.assert_allclose(t["cumulative_conversion"], [100 / 120, 40 / 120, 0.0])
    assert t["drop_off"].tolist() == [20, 60, 40]
    low, high = proportion_ci(40, 100)
    assert (t.loc[1, "ci_low"], t.loc[1, "ci_high"]) == (low, high)


def test_step_table_several_runs_and_empty_stages():
    from funnelsim.stats import step_table

    t = step_table(["A", "B"], [[10, 0], [0, 0]])
    assert t["stage"].tolist() == ["A", "B", "A", "B"]
    # entered defaults to the first stage; a step after an empty stage is undefined
    assert t["step_conversion"].tolist()[:2] == [1.0, 0.0]
    assert np.isnan(t["step_conversion"].iloc[2]) and np.isnan(t["step_conversion"].iloc[3])
    assert np.isnan(t["ci_low"].iloc[3])


def test_step_table_edges_by_hand() -> None:
    # nobody entered: no cumulative conversion can be computed (NaN, not 0)
    t = step_table(["A", "B"], [0, 0])
    assert np.isnan(t["cumulative_conversion"]).all()
    # exactly one buyer entered: every share is 0 or 1, never NaN
    one = step_table(["A", "B"], [1, 1])
    assert one["cumulative_conversion"].tolist() == [1.0, 1.0]
    assert one["step_conversion"].tolist() == [1.0, 1.0]
    # a per-run number of entrants (two runs) divides each run by its own entrants
    runs = step_table(["A", "B"], [[8, 4], [5, 5]], entered=[10, 5])
    assert runs["cumulative_conversion"].tolist() == [0.8, 0.4, 1.0, 1.0]
    assert runs["step_conversion"].tolist() == [0.8, 0.5, 1.0, 1.0]
