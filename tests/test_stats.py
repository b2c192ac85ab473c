import math

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


# -- sample sizes ---------------------------------------------------------------------------


def test_sample_size_proportion_wald_closed_form():
    from funnelsim.stats import sample_size_proportion

    z = 1.959963984540054
    assert sample_size_proportion(0.02, 0.005) == int(np.ceil(z * z * 0.02 * 0.98 / 0.005**2))
    assert sample_size_proportion(0.02, 0.005) == 3012
    assert sample_size_proportion(0.5, 0.03) == 1068  # the pollster's +-3 points
    # a wider margin or a lower confidence needs fewer visitors; p = 0.5 needs the most
    assert sample_size_proportion(0.02, 0.01) < 3012
    assert sample_size_proportion(0.02, 0.005, confidence=0.9) < 3012
    assert sample_size_proportion(0.5, 0.005) > sample_size_proportion(0.3, 0.005)


def test_sample_size_proportion_wilson_is_the_smallest_n():
    from funnelsim.stats import sample_size_proportion, wilson_half_width

    for p, m in ((0.02, 0.005), (0.3, 0.02), (0.9, 0.01), (0.001, 0.001)):
        n = sample_size_proportion(p, m, method="wilson")
        assert wilson_half_width(p, n) <= m + 1e-12
        assert n == 1 or wilson_half_width(p, n - 1) > m


def test_wald_size_gives_the_margin_it_promises_in_simulation():
    """With n from the Wald formula, the estimate lands within the margin ~95 % of the time."""
    from funnelsim.stats import sample_size_proportion

    n = sample_size_proportion(0.02, 0.005)
    est = np.random.default_rng(4).binomial(n, 0.02, size=20_000) / n
    inside = np.mean(np.abs(est - 0.02) <= 0.005)
    assert abs(inside - 0.95) < 0.015  # discreteness and skew at 2 % move it a little


def test_two_proportion_size_and_power_are_inverse():
    from funnelsim.stats import power_two_proportions, sample_size_two_proportions

    assert sample_size_two_proportions(0.05, 0.10) == 435  # Fleiss et al. 4.14, no correction
    assert sample_size_two_proportions(0.10, 0.05) == 435  # symmetric
    for a, b in ((0.02, 0.025), (0.3, 0.4), (0.5, 0.55)):
        n = sample_size_two_proportions(a, b, power=0.9)
        assert power_two_proportions(a, b, n) >= 0.9
        assert power_two_proportions(a, b, n - 1) < 0.9
    assert power_two_proportions(0.1, 0.1, 100) == pytest.approx(0.025)


def test_power_matches_a_simulated_ab_test():
    """The formula's power is the share of simulated A/B tests whose interval excludes 0."""
    from funnelsim.stats import power_two_proportions, proportion_difference_ci

    n, a, b, runs = 1200, 0.10, 0.13, 4000
    rng = np.random.default_rng(21)
    ka, kb = rng.binomial(n, a, runs), rng.binomial(n, b, runs)
    low, high = proportion_difference_ci(ka, n, kb, n)
    share = float(np.mean((low > 0) | (high < 0)))
    expected = power_two_proportions(a, b, n)
    assert abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / runs) + 0.02


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda s: s.sample_size_proportion(0.0, 0.01), r"p must be in \(0, 1\), got 0"),
        (lambda s: s.sample_size_proportion(0.02, 0), r"margin must be in \(0, 1\), got 0"),
        (lambda s: s.sample_size_proportion(0.02, 0.01, method="exact"), r"method must be one of"),
        (lambda s: s.sample_size_two_proportions(0.1, 0.1), r"p_a and p_b must differ"),
        (lambda s: s.sample_size_two_proportions(0.1, 0.2, power=1), r"power must be in \(0, 1\)"),
        (lambda s: s.power_two_proportions(0.1, 0.2, 0), r"visitors must be >= 1, got 0"),
        (lambda s: s.wilson_half_width(0.1, 0), r"n must be > 0, got 0"),
    ],
)
def test_sample_size_validation(call, match):
    from funnelsim import stats

    with pytest.raises(ValueError, match=match):
        call(stats)


def test_simulated_ab_power_agrees_with_the_formula_and_the_false_alarm_rate():
    from funnelsim.stats import simulate_ab_power

    out = simulate_ab_power(0.02, 0.025, 13_809, runs=2000, seed=3)
    assert abs(out["power"] - 0.8) < 4 * out["se"] + 0.02
    assert out["formula"] == pytest.approx(0.8, abs=0.002)
    same = simulate_ab_power(0.1, 0.1, 500, runs=4000, seed=4)
    assert abs(same["power"] - 0.05) < 4 * np.sqrt(0.05 * 0.95 / 4000)  # false alarms
    edge = simulate_ab_power(0.0, 1.0, 10, runs=5, seed=1)
    assert edge["power"] == 1.0 and np.isnan(edge["formula"])
    a = simulate_ab_power(0.1, 0.2, 50, runs=100, seed=9)
    assert a.equals(simulate_ab_power(0.1, 0.2, 50, runs=100, seed=9))
    with pytest.raises(ValueError, match=r"runs must be in \[1, 1000000\], got 0"):
        simulate_ab_power(0.1, 0.2, 50, runs=0, seed=1)


# -- every bound of every argument (found by mutation testing: docs/mutation.md) ----------------

_OPEN_SHARE = (r"in (0, 1)", [0, 1, -0.5, 1.5])  # refused: both ends and beyond each
_CLOSED_SHARE = (r"in [0, 1]", [-0.5, 1.5])
_AB = {"p_a": 0.1, "p_b": 0.2, "visitors": 9, "seed": 1}  # a valid simulate_ab_power call
_BOUNDS = [
    # function, valid keyword arguments, argument, the rule the message states, refused values
    ("wilson_half_width", {"p": 0.3, "n": 50}, "p", *_CLOSED_SHARE),
    ("wilson_half_width", {"p": 0.3, "n": 50}, "n", "> 0", [0, -1]),
    ("wilson_half_width", {"p": 0.3, "n": 50}, "confidence", *_OPEN_SHARE),
    ("sample_size_proportion", {"p": 0.3, "margin": 0.05}, "p", *_OPEN_SHARE),
    ("sample_size_proportion", {"p": 0.3, "margin": 0.05}, "margin", *_OPEN_SHARE),
    ("sample_size_proportion", {"p": 0.3, "margin": 0.05}, "confidence", *_OPEN_SHARE),
    ("sample_size_two_proportions", {"p_a": 0.1, "p_b": 0.2}, "p_a", *_OPEN_SHARE),
    ("sample_size_two_proportions", {"p_a": 0.1, "p_b": 0.2}, "p_b", *_OPEN_SHARE),
    ("sample_size_two_proportions", {"p_a": 0.1, "p_b": 0.2}, "confidence", *_OPEN_SHARE),
    ("sample_size_two_proportions", {"p_a": 0.1, "p_b": 0.2}, "power", *_OPEN_SHARE),
    ("power_two_proportions", {"p_a": 0.1, "p_b": 0.2, "visitors": 9}, "p_a", *_OPEN_SHARE),
    ("power_two_proportions", {"p_a": 0.1, "p_b": 0.2, "visitors": 9}, "p_b", *_OPEN_SHARE),
    ("power_two_proportions", {"p_a": 0.1, "p_b": 0.2, "visitors": 9}, "visitors", ">= 1", [0]),
    ("power_two_proportions", {"p_a": 0.1, "p_b": 0.2, "visitors": 9}, "confidence", *_OPEN_SHARE),
    (
        "simulate_ab_power",
        _AB,
        "p_a",
        *_CLOSED_SHARE,
    ),
    (
        "simulate_ab_power",
        _AB,
        "p_b",
        *_CLOSED_SHARE,
    ),
    (
        "simulate_ab_power",
        _AB,
        "visitors",
        ">= 1",
        [0],
    ),
    (
        "simulate_ab_power",
        _AB,
        "runs",
        "in [1, 1000000]",
        [0, 1_000_001],
    ),
    (
        "simulate_ab_power",
        _AB,
        "confidence",
        *_OPEN_SHARE,
    ),
    ("proportion_ci", {"successes": 3, "trials": 9}, "confidence", *_OPEN_SHARE),
    (
        "proportion_difference_ci",
        {"successes_a": 3, "trials_a": 9, "successes_b": 4, "trials_b": 9},
        "confidence",
        *_OPEN_SHARE,
    ),
    ("step_table", {"stages": ["A", "B"], "reached": [9, 3]}, "confidence", *_OPEN_SHARE),
    # a rate of 0 skips the formula, whose own check would otherwise catch visitors = 0
    ("simulate_ab_power", {**_AB, "p_a": 0.0}, "visitors", ">= 1", [0]),
]


@pytest.mark.parametrize(
    ("function", "kwargs", "name", "value", "rule"),
    [(f, kw, name, v, rule) for f, kw, name, rule, values in _BOUNDS for v in values],
)
def test_every_bound_is_refused_with_the_argument_and_its_rule(function, kwargs, name, value, rule):
    import re

    from funnelsim import stats as module

    with pytest.raises(ValueError, match=rf"^{name} must be {re.escape(rule)}, got {value!r}$"):
        getattr(module, function)(**{**kwargs, name: value})


def test_wilson_half_width_by_hand_at_the_ends_and_another_confidence():
    from scipy.special import ndtri

    from funnelsim.stats import wilson_half_width

    z = 1.959963984540054  # the default 95 %
    # at p = 0 or 1 the spread term vanishes: z / (n + z²) · z / 2
    for p in (0.0, 1.0):
        assert wilson_half_width(p, 40) == pytest.approx(z * z / (2 * (40 + z * z)), rel=1e-12)
    z80 = float(ndtri(0.9))
    expected = z80 / (25 + z80**2) * np.sqrt(25 * 0.2 * 0.8 + z80**2 / 4)
    assert wilson_half_width(0.2, 25, confidence=0.8) == pytest.approx(expected, rel=1e-12)
    assert wilson_half_width(0.2, 25) == wilson_half_width(0.2, 25, confidence=0.95)


def test_simulated_ab_power_reports_every_field():
    from funnelsim.stats import simulate_ab_power

    out = simulate_ab_power(0.1, 0.3, 60, runs=400, seed=5)
    assert list(out.index) == ["power", "se", "formula", "runs", "visitors"]
    assert (out["runs"], out["visitors"]) == (400, 60)
    p = out["power"]
    assert 0 < p < 1
    assert out["se"] == pytest.approx(np.sqrt(p * (1 - p) / 400), rel=1e-12)
    # one page converts every visitor, the other none: every test clears the noise (se 0)
    edge = simulate_ab_power(1.0, 0.0, 3, runs=7, seed=2)
    assert (edge["power"], edge["se"], edge["runs"], edge["visitors"]) == (1.0, 0.0, 7, 3)


def test_sizes_that_are_whole_numbers_are_not_rounded_up_by_float_noise():
    """With z = 2 exactly (confidence = erf(√2)) the sizes are whole numbers by hand."""
    import math

    from funnelsim.stats import sample_size_proportion, sample_size_two_proportions

    conf = math.erf(math.sqrt(2))  # 2 Φ(2) - 1, so z_{1-α/2} = 2
    # Wald: z² p (1 - p) / m² = 4 · 0.25 / 0.01 = 100 (computed as 100.00000000000003)
    assert sample_size_proportion(0.5, 0.1, confidence=conf) == 100
    # power 0.5 makes z_power = 0: z² · 2 p̄ (1 - p̄) / (p_a - p_b)² = 4 · 0.5 / 0.25 = 8
    assert sample_size_two_proportions(0.25, 0.75, confidence=conf, power=0.5) == 8
    # a difference so large that under one visitor per page would do: the floor is 1
    assert sample_size_two_proportions(0.01, 0.99, confidence=0.5) == 1


def test_the_smallest_accepted_sizes_and_the_default_runs():
    from scipy.special import ndtr

    from funnelsim.stats import power_two_proportions, simulate_ab_power

    one = simulate_ab_power(0.1, 0.2, 1, runs=1, seed=1)
    assert (one["visitors"], one["runs"]) == (1, 1)
    assert simulate_ab_power(0.1, 0.2, 5, seed=1)["runs"] == 1_000  # the documented default
    # one visitor per page, by hand: Φ((|p_a - p_b| √1 - z √(2 p̄ (1 - p̄))) / √(Σ p (1 - p)))
    z = 1.959963984540054
    by_hand = ndtr((0.1 - z * np.sqrt(2 * 0.15 * 0.85)) / np.sqrt(0.1 * 0.9 + 0.2 * 0.8))
    assert power_two_proportions(0.1, 0.2, 1) == pytest.approx(by_hand, rel=1e-12)


def test_simulated_ab_power_at_another_confidence_is_the_documented_procedure():
    """Binomial draws (a's first), Newcombe intervals at ``confidence``, share excluding 0."""
    from funnelsim.stats import power_two_proportions, proportion_difference_ci, simulate_ab_power

    out = simulate_ab_power(0.3, 0.4, 40, runs=300, confidence=0.6, seed=12)
    rng = np.random.default_rng(12)
    ka, kb = rng.binomial(40, 0.3, 300), rng.binomial(40, 0.4, 300)
    low, high = proportion_difference_ci(ka, 40, kb, 40, confidence=0.6)
    assert out["power"] == np.mean((low > 0) | (high < 0))
    assert out["power"] != simulate_ab_power(0.3, 0.4, 40, runs=300, seed=12)["power"]
    assert out["formula"] == power_two_proportions(0.3, 0.4, 40, confidence=0.6)


@pytest.mark.parametrize(("p_a", "p_b"), [(0.0, 0.2), (1.0, 0.2), (0.2, 0.0), (0.2, 1.0)])
def test_simulated_ab_power_with_one_certain_rate_has_no_formula(p_a, p_b):
    from funnelsim.stats import simulate_ab_power

    out = simulate_ab_power(p_a, p_b, 30, runs=50, seed=3)
    assert np.isnan(out["formula"]) and 0.0 <= out["power"] <= 1.0


def test_compare_tells_a_per_stage_table_from_an_event_log_by_its_columns():
    import pandas as pd

    from funnelsim.stats import compare

    table = pd.DataFrame({"stage": ["visit", "buy"], "reached": [10, 4], "drop_off": [0, 6]})
    # a table that also carries the log's column names is still a table: it has "reached"
    both = table.assign(buyer_id=[1, 2], entered_at=[0.0, 1.0])
    out = compare(table, both)
    assert out["reached_b"].tolist() == [10, 4] and out["step_b"].tolist() == [1.0, 0.4]
    # a table without "reached" is neither: the message names the missing column
    with pytest.raises(ValueError, match=r"a is missing column\(s\) \['reached'\]"):
        compare(table.drop(columns="reached"), table)
    with pytest.raises(ValueError, match="window applies to event logs only, but a is a DataFrame"):
        compare(table, table, window=3.0)


@pytest.mark.parametrize(
    ("option", "value"), [("window", 3.0), ("date_format", "%d.%m.%Y"), ("dayfirst", True)]
)
def test_compare_says_which_event_log_option_was_given_to_a_simulation(option, value):
    import funnelsim as fs
    from funnelsim.stats import compare

    a = fs.simulate(fs.aaarrr(), buyers=50, seed=1, events=True)
    message = (
        rf"^{option} applies to event logs only, but a is a SimulationResult that is not one "
        r"\(buyer_id, stage, entered_at\)$"
    )
    with pytest.raises(ValueError, match=message):
        compare(a, a.events, **{option: value})


def test_compare_sums_replicated_tables_in_funnel_order_and_keeps_empty_steps_undefined():
    import pandas as pd

    from funnelsim.stats import compare

    # two replications of a funnel whose stage names are not in alphabetical order
    table = pd.DataFrame(
        {
            "replication": [0, 0, 0, 1, 1, 1],
            "stage": ["visit", "cart", "buy", "visit", "cart", "buy"],
            "reached": [10, 4, 0, 6, 0, 0],
            "drop_off": [0, 6, 4, 0, 6, 0],
        }
    )
    out = compare(table, table)
    assert out["stage"].tolist() == ["visit", "cart", "buy"]
    assert out["reached_a"].tolist() == [16, 4, 0]
    assert out["step_a"].tolist() == [1.0, 0.25, 0.0] and out.attrs["entered"] == (16, 16)
    # after an empty stage both groups' step conversions are undefined, not 0
    empty = pd.DataFrame(
        {"stage": ["visit", "cart", "buy"], "reached": [5, 0, 0], "drop_off": [0, 5, 0]}
    )
    row = compare(empty, empty).iloc[2]
    assert np.isnan(row["step_a"]) and np.isnan(row["step_b"]) and row["reach_a"] == 0.0


def test_compare_at_another_confidence_uses_it_for_every_interval():
    import pandas as pd

    from funnelsim.stats import compare, proportion_difference_ci

    a = pd.DataFrame({"stage": ["visit", "buy"], "reached": [50, 10], "drop_off": [0, 40]})
    b = pd.DataFrame({"stage": ["visit", "buy"], "reached": [40, 16], "drop_off": [0, 24]})
    out = compare(a, b, confidence=0.8)
    assert out.attrs["confidence"] == 0.8
    low, high = proportion_difference_ci([50, 10], [50, 50], [40, 16], [40, 40], confidence=0.8)
    assert out["reach_ci_low"].tolist() == low.tolist()
    assert out["reach_ci_high"].tolist() == high.tolist()
    low, high = proportion_difference_ci(10, 50, 16, 40, confidence=0.8)
    assert (out["step_ci_low"].iloc[1], out["step_ci_high"].iloc[1]) == (low, high)
    assert compare(a, b).attrs["confidence"] == 0.95


def test_newcombe_messages_name_the_group_and_the_position():
    from funnelsim.stats import proportion_difference_ci

    with pytest.raises(
        ValueError, match=r"^trials_b must be whole numbers >= 0 \(counts\), got -2$"
    ):
        proportion_difference_ci(1, 4, 1, -2)
    # successes broadcast against a single number of trials: the position is the successes'
    with pytest.raises(
        ValueError, match=r"^successes_a must be within \[0, trials_a\], got 5 of 4 at position 1$"
    ):
        proportion_difference_ci([1, 5], 4, [1, 1], [2, 2])


def test_step_table_keeps_the_funnel_order_of_stages_as_its_categories():
    t = step_table(["visit", "cart", "buy"], [[9, 3, 1], [8, 2, 2]])
    assert list(t["stage"].cat.categories) == ["visit", "cart", "buy"]
    assert t["stage"].cat.ordered and t["stage"].tolist() == ["visit", "cart", "buy"] * 2


def test_wilson_sample_size_for_wide_margins_is_the_smallest_n():
    # wide margins make the m² z⁴ term of the quadratic matter (mutation survivors)
    from funnelsim.stats import sample_size_proportion, wilson_half_width

    for p, m in ((0.5, 0.3), (0.2, 0.25), (0.5, 0.1), (0.5, 0.45)):
        n = sample_size_proportion(p, m, method="wilson")
        assert wilson_half_width(p, n) <= m + 1e-12
        assert n == 1 or wilson_half_width(p, n - 1) > m
    # one visitor already gives a half-width of 0.4455 at p = 0.5
    assert sample_size_proportion(0.5, 0.45, method="wilson") == 1


@given(
    st.floats(1e-300, 1.0, exclude_max=True),
    st.floats(0.0, 1.0, exclude_min=True, exclude_max=True),
)
def test_the_standard_library_normal_quantile_is_scipys_ndtri(p, confidence):
    # The normal quantile comes from statistics.NormalDist (no scipy import): the same value.
    from scipy import special

    from funnelsim.stats import _STANDARD_NORMAL, _z

    assert _STANDARD_NORMAL.inv_cdf(p) == pytest.approx(float(special.ndtri(p)), rel=1e-12)
    z = float(special.ndtri(0.5 + confidence / 2))
    assert _z(confidence) == pytest.approx(z, rel=1e-12, abs=1e-15)


def test_the_normal_quantile_of_a_confidence_next_to_one_is_infinite_as_scipys():
    # 0.5 + confidence / 2 rounds to 1 for the largest float below 1: ndtri(1) is inf,
    # and statistics.NormalDist().inv_cdf(1) would raise; _z keeps scipy's value.
    from scipy import special

    from funnelsim.stats import _z

    confidence = math.nextafter(1.0, 0.0)
    assert _z(confidence) == float(special.ndtri(0.5 + confidence / 2)) == math.inf


@given(st.floats(-38.0, 38.0))
def test_the_erfc_normal_cdf_is_scipys_ndtr_in_both_tails(x):
    from scipy import special

    from funnelsim.stats import _normal_cdf

    assert _normal_cdf(x) == pytest.approx(float(special.ndtr(x)), rel=1e-12, abs=1e-300)


def test_normal_approximation_helpers_do_not_import_scipy():
    # Sample sizes and power need only the normal distribution: a fresh process that
    # computes them has not imported scipy (its import is a quarter of a second).
    import subprocess
    import sys

    code = (
        "import sys; from funnelsim import stats; "
        "stats.sample_size_proportion(0.05, 0.01); stats.sample_size_two_proportions(0.05, 0.1); "
        "stats.power_two_proportions(0.05, 0.1, 400); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
