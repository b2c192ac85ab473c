"""Tests for funnelsim.retention against closed forms."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, special

import funnelsim as fs
from funnelsim.datasets import load_cdnow
from funnelsim.retention import (
    ChurnModel,
    CohortTable,
    SBGFit,
    fit_sbg,
    repeat_purchase_rate,
    sbg_derl,
    sbg_retention_rate,
    sbg_survival,
    simulate_cohorts,
)
from funnelsim.stats import proportion_ci


def _derl_series(alpha: float, beta: float, d: float, n: int) -> float:
    """Fader & Hardie's DERL as the raw sum of discounted survival probabilities.

    ``S(n + k) / S(n)`` is built from the period-to-period retention rates
    ``(beta + t - 1) / (alpha + beta + t - 1)`` (a product, summed in logs), and
    the sum runs until the discount factor alone is below e-80.
    """
    k = np.arange(1, int(80 / math.log1p(d)) + 10)
    log_rate = -np.log1p(alpha / (beta + n + k - 1))
    return math.fsum(np.exp(np.cumsum(log_rate) - (k - 1) * math.log1p(d)))


@pytest.mark.parametrize("alpha", [0.05, 0.5, 1.0, 2.0, 3.0, 7.5, 1e3, 1e5])
@pytest.mark.parametrize("beta", [0.2, 5.0, 1e5])
@pytest.mark.parametrize(("d", "n"), [(1e-4, 0), (1e-3, 3), (0.1, 0), (10.0, 2)])
def test_sbg_derl_equals_the_discounted_survival_sum(alpha, beta, d, n) -> None:
    # whole-number alpha with small discounts is where scipy's hyp2f1 went wrong
    assert sbg_derl(alpha, beta, d, n) == pytest.approx(_derl_series(alpha, beta, d, n), rel=1e-11)


def test_sbg_derl_at_a_whole_number_alpha_and_a_small_discount() -> None:
    # the reported case: scipy's hyp2f1 gave -4.958; the summed series is 1.32574...
    assert sbg_derl(1.0, 0.2, 0.001) == pytest.approx(1.3257449160, rel=1e-10)
    # alpha = 1, beta = 1: S(k) = 1 / (k + 1), so DERL = sum z^(k-1) / (k + 1)
    # = (-log(1 - z) - z) / z^2 with z = 1 / (1 + d)
    z = 1 / 1.01
    assert sbg_derl(1.0, 1.0, 0.01) == pytest.approx((-math.log1p(-z) - z) / z**2, rel=1e-12)


def test_sbg_derl_limits_at_extreme_inputs() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning on the way
        # a huge discount leaves the next payment only: beta / (alpha + beta)
        assert sbg_derl(1.0, 0.2, 1e300) == pytest.approx(0.2 / 1.2, rel=1e-12)
        # alpha -> 0: nobody churns, the geometric value with churn 0 is (1 + d) / d
        assert sbg_derl(1e-300, 1.0, 0.1) == pytest.approx(11.0, rel=1e-12)
        # alpha -> inf: everyone churns at once
        assert sbg_derl(1e300, 1.0, 0.1) == pytest.approx(1e-300, rel=1e-12)
        # alpha = beta -> 0: half leave at once, half never: (1 + d) / (2 d)
        assert sbg_derl(1e-300, 1e-300, 1e-3) == pytest.approx(500.5, rel=1e-9)


def test_sbg_derl_of_the_regular_segment() -> None:
    # Fader & Hardie's "regular" segment (alpha=0.704, beta=1.182) at d = 10 %.
    # DEL (value at acquisition, first payment included) = 2F1(1, beta; alpha+beta; 1/(1+d)).
    alpha, beta, d = 0.704, 1.182, 0.1
    del_ = special.hyp2f1(1, beta, alpha + beta, 1 / (1 + d))
    assert 1 + sbg_derl(alpha, beta, d) / (1 + d) == pytest.approx(del_, rel=1e-12)
    # 2.9647 is the discounted survival sum of _derl_series (and the docstring's example).
    assert sbg_derl(alpha, beta, d) == pytest.approx(2.9647, abs=1e-4)


def test_sbg_derl_without_discount() -> None:
    assert sbg_derl(2.5, 3.0, 0.0) == pytest.approx(3.0 / 1.5)
    assert sbg_derl(2.5, 3.0, 0.0, periods_survived=3) == pytest.approx(6.0 / 1.5)
    assert sbg_derl(0.9, 3.0, 0.0) == math.inf


@pytest.mark.parametrize("scale", [1e2, 1e4, 1e6])
def test_sbg_derl_tends_to_the_geometric_value(scale: float) -> None:
    theta, d = 0.2, 0.1
    expected = (1 - theta) * (1 + d) / (d + theta)
    got = sbg_derl(theta * scale, (1 - theta) * scale, d)
    assert got == pytest.approx(expected, rel=5 / scale)  # the gap shrinks like 1 / scale


def test_sbg_derl_grows_with_tenure() -> None:
    values = [sbg_derl(0.704, 1.182, 0.1, n) for n in range(6)]
    assert np.all(np.diff(values) > 0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"alpha": 0.0}, ValueError, r"alpha must be > 0, got 0.0"),
        ({"beta": -1.0}, ValueError, r"beta must be > 0, got -1.0"),
        ({"discount": -0.1}, ValueError, r"discount must be >= 0, got -0.1"),
        ({"discount": "10%"}, TypeError, r"discount must be a real number"),
        ({"periods_survived": 1.5}, ValueError, r"periods_survived must be a whole number"),
        ({"periods_survived": -1}, ValueError, r"periods_survived must be >= 0, got -1"),
    ],
)
def test_sbg_derl_validation(kwargs, error, match) -> None:
    args = {"alpha": 1.0, "beta": 1.0, "discount": 0.1} | kwargs
    with pytest.raises(error, match=match):
        sbg_derl(**args)


# ---------------------------------------------------------------------------
# Closed forms and churn models
# ---------------------------------------------------------------------------


def test_sbg_survival_is_the_beta_mixture_of_geometric_survival() -> None:
    alpha, beta = 0.704, 1.182
    t = np.arange(8)
    # E[(1 - theta)^t] for theta ~ Beta(alpha, beta), computed by quadrature.
    from scipy import integrate, stats

    expected = [
        integrate.quad(lambda th, k=k: (1 - th) ** k * stats.beta.pdf(th, alpha, beta), 0, 1)[0]
        for k in t
    ]
    assert sbg_survival(t, alpha, beta) == pytest.approx(expected, rel=1e-7)
    assert sbg_survival(1, alpha, beta) == pytest.approx(beta / (alpha + beta))


def test_sbg_retention_rate_is_the_ratio_of_survivals() -> None:
    alpha, beta = 0.668, 3.806
    t = np.arange(1, 30)
    ratio = sbg_survival(t, alpha, beta) / sbg_survival(t - 1, alpha, beta)
    assert sbg_retention_rate(t, alpha, beta) == pytest.approx(ratio, rel=1e-12)
    assert np.all(np.diff(sbg_retention_rate(t, alpha, beta)) > 0)  # rises with tenure


def test_closed_forms_validate_periods() -> None:
    with pytest.raises(ValueError, match=r"t must be finite and >= 0"):
        sbg_survival(-1, 1.0, 1.0)
    with pytest.raises(ValueError, match=r"t must be finite and >= 1"):
        sbg_retention_rate(0, 1.0, 1.0)
    with pytest.raises(TypeError, match=r"t must be a number or an array of periods"):
        sbg_survival("three", 1.0, 1.0)
    with pytest.raises(TypeError, match=r"t must be a number of periods, got True"):
        sbg_survival(True, 1.0, 1.0)
    with pytest.raises(ValueError, match=r"alpha must be > 0"):
        sbg_retention_rate(1, -2.0, 1.0)


def test_geometric_model_closed_forms() -> None:
    m = ChurnModel.geometric(0.2)
    assert m.survival(3) == pytest.approx(0.8**3)
    assert m.retention_rate([1, 5]) == pytest.approx([0.8, 0.8])
    assert m.expected_lifetime == pytest.approx(5.0)
    assert m.mean_churn == 0.2
    d = 0.1
    series = sum(0.8**k / (1 + d) ** (k - 1) for k in range(1, 2000))
    assert m.derl(d) == pytest.approx(series)
    assert m.derl(d, periods_survived=7) == m.derl(d)  # memoryless
    assert ChurnModel.geometric(0.0).derl(0.0) == math.inf
    assert ChurnModel.geometric(0.0).expected_lifetime == math.inf


def test_sbg_model_closed_forms() -> None:
    m = ChurnModel.sbg(2.5, 4.0)
    t = np.arange(0, 200_000)  # the tail beyond falls like t**(1 - alpha): < 1e-6
    assert m.expected_lifetime == pytest.approx(float(np.sum(m.survival(t))), rel=1e-6)
    assert m.expected_lifetime == pytest.approx(1 + m.derl(0.0))
    assert m.mean_churn == pytest.approx(2.5 / 6.5)
    assert ChurnModel.sbg(0.5, 1.0).expected_lifetime == math.inf
    assert str(m) == "sBG churn (alpha 2.5, beta 4)"


def test_sbg_mean_factory() -> None:
    m = ChurnModel.sbg_mean(churn=0.25, polarization=0.2)
    assert m.alpha is not None and m.beta is not None
    assert m.alpha / (m.alpha + m.beta) == pytest.approx(0.25)
    assert 1 / (m.alpha + m.beta + 1) == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (lambda: ChurnModel.geometric(1.5), ValueError, r"churn must be in \[0, 1\], got 1.5"),
        (lambda: ChurnModel.sbg(0.0, 1.0), ValueError, r"alpha must be > 0, got 0.0"),
        (lambda: ChurnModel.sbg(1.0, float("nan")), ValueError, r"beta must be a finite number"),
        (lambda: ChurnModel("weibull", churn=0.1), ValueError, r"kind must be one of"),  # type: ignore[arg-type]
        (lambda: ChurnModel("geometric"), ValueError, r"geometric churn model takes churn only"),
        (lambda: ChurnModel("sbg", churn=0.1), ValueError, r"sBG churn model takes alpha and beta"),
        (lambda: ChurnModel.sbg_mean(1.0, 0.5), ValueError, r"churn must be in \(0, 1\)"),
        (lambda: ChurnModel.sbg_mean(0.2, 0.0), ValueError, r"polarization must be in \(0, 1\)"),
    ],
)
def test_churn_model_validation(build, error, match) -> None:
    with pytest.raises(error, match=match):
        build()


def test_lifetimes_are_geometric() -> None:
    rng = np.random.default_rng(5)
    theta, n = 0.3, 200_000
    life = ChurnModel.geometric(theta).sample_lifetimes(n, cap=1_000, seed=rng)
    assert life.min() == 1
    for k in (1, 2, 3):
        p = theta * (1 - theta) ** (k - 1)
        se = math.sqrt(p * (1 - p) / n)
        assert abs(np.mean(life == k) - p) < 4 * se
    assert np.all(ChurnModel.geometric(1.0).sample_lifetimes(100, cap=10, seed=rng) == 1)
    assert np.all(ChurnModel.geometric(0.0).sample_lifetimes(100, cap=10, seed=rng) == 10)
    with pytest.raises(ValueError, match=r"cap must be in \[1, 9007199254740992\], got 0"):
        ChurnModel.geometric(0.5).sample_lifetimes(10, cap=0, seed=rng)
    with pytest.raises(ValueError, match=r"size must be in \[0, 10000000\], got -1"):
        ChurnModel.geometric(0.5).sample_lifetimes(-1, cap=5, seed=rng)
    with pytest.raises(ValueError, match=r"size must be in \[0, 10000000\], got -2"):
        ChurnModel.sbg(1.0, 2.0).sample_churn(-2, seed=rng)
    with pytest.raises(TypeError, match=r"seed must be an int, a numpy Generator"):
        ChurnModel.sbg(1.0, 2.0).sample_lifetimes(5, cap=3, seed="x")


def test_sampling_takes_one_seed() -> None:
    model = ChurnModel.sbg(0.7, 1.2)
    a = model.sample_lifetimes(1000, cap=50, seed=42)
    assert np.array_equal(a, model.sample_lifetimes(1000, cap=50, seed=42))
    assert np.array_equal(a, model.sample_lifetimes(1000, cap=50, seed=np.random.default_rng(42)))
    assert not np.array_equal(a, model.sample_lifetimes(1000, cap=50, seed=43))
    churn = model.sample_churn(1000, seed=42)
    assert np.array_equal(churn, np.random.default_rng(42).beta(0.7, 1.2, 1000))
    # The same draws as simulate_cohorts makes for one cohort (churn, then one uniform each).
    sim = simulate_cohorts(model, 1000, periods=49, seed=42)
    assert np.array_equal(sim.lifetime, a)


# ---------------------------------------------------------------------------
# Cohort simulation and tables
# ---------------------------------------------------------------------------


def test_simulate_cohorts_layout_and_seed() -> None:
    model = ChurnModel.sbg(0.7, 1.2)
    a = simulate_cohorts(model, [100, 200, 300], periods=4, seed=3)
    b = simulate_cohorts(model, [100, 200, 300], periods=4, seed=3)
    pd.testing.assert_frame_equal(a.long, b.long)
    assert np.array_equal(a.lifetime, b.lifetime)
    assert a.seed == 3
    wide = a.wide("active")
    assert wide.shape == (3, 5)
    assert wide.iloc[:, 0].tolist() == [100, 200, 300]
    assert wide.isna().to_numpy().sum() == 0 + 1 + 2  # the unobserved triangle
    assert list(a.long.columns) == [
        "cohort",
        "period",
        "calendar_period",
        "size",
        "active",
        "churned",
        "survival",
        "retention_rate",
    ]
    assert (a.long["calendar_period"] <= 4).all()
    assert a.cohort.size == a.churn.size == a.lifetime.size == 600
    assert repr(a).startswith("CohortSimulation(sBG churn")


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 300), min_size=1, max_size=5),
    extra=st.integers(0, 6),
    churn=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_simulate_cohorts_properties(sizes, extra, churn, seed) -> None:
    periods = len(sizes) - 1 + extra
    sim = simulate_cohorts(ChurnModel.geometric(churn), sizes, periods, seed=seed)
    long = sim.long
    assert len(long) == sum(periods - c + 1 for c in range(len(sizes)))
    for c, size in enumerate(sizes):
        rows = long[long["cohort"] == c]
        active = rows["active"].to_numpy()
        assert active[0] == size
        assert np.all(np.diff(active) <= 0)
        assert rows["churned"].sum() == size - active[-1]
        # The table is the lifetimes, counted.
        life = sim.lifetime[sim.cohort == c]
        assert [int(np.sum(life > t)) for t in range(len(active))] == active.tolist()
    assert sim.lifetime.size == 0 or sim.lifetime.max() <= periods + 1


@pytest.mark.parametrize("model", [ChurnModel.geometric(0.25), ChurnModel.sbg(0.704, 1.182)])
def test_simulated_survival_matches_the_closed_form(model: ChurnModel) -> None:
    n = 50_000
    sim = simulate_cohorts(model, n, periods=10, seed=11)
    surv = sim.wide("survival").iloc[0].to_numpy()
    expected = model.survival(np.arange(11))
    se = np.sqrt(expected * (1 - expected) / n) + 1e-12
    assert np.all(np.abs(surv - expected) < 4 * se)


def test_simulate_cohorts_validation() -> None:
    m = ChurnModel.geometric(0.1)
    with pytest.raises(TypeError, match=r"model must be a ChurnModel"):
        simulate_cohorts(0.1, 10, 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"periods must be in \[2, 10000\], got 1"):
        simulate_cohorts(m, [10, 10, 10], 1)
    with pytest.raises(ValueError, match=r"cohort size must be in \[0, 10000000\], got -5"):
        simulate_cohorts(m, [10, -5], 3)
    with pytest.raises(ValueError, match=r"cohort_sizes must hold at least one cohort"):
        simulate_cohorts(m, [], 3)
    with pytest.raises(TypeError, match=r"seed must be"):
        simulate_cohorts(m, 10, 3, seed="x")


@pytest.mark.parametrize(
    ("sizes", "periods", "match"),
    [
        (10**8, 3, r"cohort size must be in \[0, 10000000\], got 100000000"),
        ([6_000_000, 6_000_000], 3, r"add up to at most 10,000,000 customers .*got 12,000,000"),
        ([1] * 1_001, 2_000, r"at most 1,000 cohorts \(MAX_COHORTS\), got 1,001"),
        # a (broadcast, memory-free) array of 10**8 sizes fails before any per-cohort work
        (np.broadcast_to(1, (10**8,)), 2_000, r"at most 1,000 cohorts .*got 100,000,000"),
        (10, 10**6, r"periods must be in \[0, 10000\], got 1000000"),
    ],
)
def test_simulate_cohorts_caps(sizes, periods, match) -> None:
    with pytest.raises(ValueError, match=match):
        simulate_cohorts(ChurnModel.geometric(0.1), sizes, periods, seed=0)


def test_churn_model_samplers_caps() -> None:
    m = ChurnModel.sbg(1.0, 2.0)
    with pytest.raises(ValueError, match=r"size must be in \[0, 10000000\], got 100000000"):
        m.sample_churn(10**8, seed=0)
    with pytest.raises(ValueError, match=r"cap must be in \[1, 9007199254740992\]"):
        m.sample_lifetimes(10, 2**60, seed=0)
    assert m.sample_lifetimes(10, 2**53, seed=0).max() <= 2**53


def test_cohort_table_from_counts() -> None:
    table = CohortTable.from_counts([[1000, 631, 468], [500, 300]], cohorts=["Jan", "Feb"])
    long = table.long
    assert long["survival"].tolist() == pytest.approx([1.0, 0.631, 0.468, 1.0, 0.6])
    assert long["retention_rate"].iloc[2] == pytest.approx(468 / 631)
    assert math.isnan(long["retention_rate"].iloc[0])
    assert long["churned"].tolist() == [0, 369, 163, 0, 200]
    assert table.cohorts == ["Jan", "Feb"]
    assert repr(table).startswith("CohortTable(cohorts=2, periods=3, columns=['cohort'")
    assert table.wide("survival").loc["Feb", 1] == pytest.approx(0.6)
    assert [c.tolist() for c in table.counts()] == [[1000, 631, 468], [500, 300]]
    with pytest.raises(ValueError, match=r"values must be one of"):
        table.wide("nope")
    with pytest.raises(ValueError, match=r"cohorts must have one label per cohort \(2\), got 1"):
        CohortTable.from_counts([[10, 5], [4, 2]], cohorts=["a"])
    with pytest.raises(ValueError, match=r"cohorts must not repeat a label, got \['a', 'a'\]"):
        CohortTable.from_counts([[10, 5], [4, 2]], cohorts=["a", "a"])
    with pytest.raises(TypeError, match=r"cohorts must be a sequence of labels, got 'ab'"):
        CohortTable.from_counts([[10, 5], [4, 2]], cohorts="ab")
    with pytest.raises(ValueError, match=r"long is missing column\(s\) \['size'\]"):
        CohortTable(pd.DataFrame({"cohort": [0], "period": [0], "active": [1]}))


def test_cohort_table_average_pools_the_observed_cohorts() -> None:
    table = CohortTable.from_counts([[1000, 631, 468], [500, 300], [200]])
    avg = table.average()
    assert avg["period"].tolist() == [0, 1, 2]
    assert avg["cohorts"].tolist() == [3, 2, 1]
    assert avg["size"].tolist() == [1700, 1500, 1000]
    assert avg["active"].tolist() == [1700, 931, 468]
    assert avg["retention"].tolist() == pytest.approx([1.0, 931 / 1500, 0.468])
    lo, hi = proportion_ci(931, 1500)
    assert (avg["ci_low"].iloc[1], avg["ci_high"].iloc[1]) == pytest.approx((float(lo), float(hi)))
    assert "retention_on_or_after" not in avg.columns


# ---------------------------------------------------------------------------
# fit_sbg
# ---------------------------------------------------------------------------

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]


@pytest.mark.parametrize(
    ("curve", "alpha", "beta", "loglik"),
    [(REGULAR, 0.704, 1.182, -1680.3), (HIGH_END, 0.668, 3.806, -1611.2)],
)
def test_fit_sbg_reproduces_fader_hardie(curve, alpha, beta, loglik) -> None:
    # Fader & Hardie (2007) fit years 1-7 of each segment and publish these values.
    fit = fit_sbg(curve[:8])
    assert fit.alpha == pytest.approx(alpha, abs=5e-4)
    assert fit.beta == pytest.approx(beta, abs=5e-4)
    assert fit.loglik == pytest.approx(loglik, abs=0.05)
    assert fit.converged
    assert fit.periods == 7
    # ... and project years 8-12 close to what happened (within a few percent).
    projected = fit.project(12)["active"].to_numpy()
    assert np.all(np.abs(projected[8:] - np.array(curve[8:])) / np.array(curve[8:]) < 0.06)


def test_fit_sbg_all_twelve_years_of_the_regular_segment() -> None:
    fit = fit_sbg(REGULAR)
    assert fit.alpha == pytest.approx(0.697, abs=1e-3)
    assert fit.beta == pytest.approx(1.169, abs=1e-3)
    # The same maximum, found without gradients on the likelihood written from S(t) alone.
    n = np.array(REGULAR, dtype=float)

    def negll(x: np.ndarray) -> float:
        s = sbg_survival(np.arange(n.size), *np.exp(x))
        return -float(np.sum((n[:-1] - n[1:]) * np.log(s[:-1] - s[1:])) + n[-1] * np.log(s[-1]))

    ref = optimize.minimize(negll, [0.0, 0.0], method="Nelder-Mead", options={"xatol": 1e-9})
    assert (fit.alpha, fit.beta) == pytest.approx(tuple(np.exp(ref.x)), rel=1e-5)
    assert fit.loglik == pytest.approx(-ref.fun, abs=1e-6)


def test_fit_sbg_percentages_equal_counts() -> None:
    pct = [100 * x / 1000 for x in REGULAR[:8]]
    a = fit_sbg(REGULAR[:8])
    b = fit_sbg(pct, cohort_size=1000)
    assert (b.alpha, b.beta, b.loglik) == pytest.approx((a.alpha, a.beta, a.loglik), rel=1e-6)


def test_fit_sbg_several_cohorts_in_every_form() -> None:
    curves = [REGULAR[:8], REGULAR[:6], [800, 500, 380]]
    ragged = fit_sbg(curves)
    wide = np.full((3, 8), np.nan)
    for i, c in enumerate(curves):
        wide[i, : len(c)] = c
    as_array = fit_sbg(wide)
    as_frame = fit_sbg(pd.DataFrame(wide))
    as_table = fit_sbg(CohortTable.from_counts(curves))
    for other in (as_array, as_frame, as_table):
        assert (other.alpha, other.beta) == pytest.approx((ragged.alpha, ragged.beta), rel=1e-8)
    assert ragged.sizes == (1000.0, 1000.0, 800.0)
    # A cohort seen only at period 0 adds nothing (everyone is still there).
    plus = fit_sbg([*curves, [300]])
    assert (plus.alpha, plus.loglik) == pytest.approx((ragged.alpha, ragged.loglik), rel=1e-8)


def test_fit_sbg_loglik_is_the_likelihood_at_the_estimate() -> None:
    fit = fit_sbg(HIGH_END)
    n = np.array(HIGH_END, dtype=float)
    t = np.arange(1, n.size)
    p = sbg_survival(t - 1, fit.alpha, fit.beta) - sbg_survival(t, fit.alpha, fit.beta)
    ll = np.sum((n[:-1] - n[1:]) * np.log(p)) + n[-1] * np.log(
        sbg_survival(12, fit.alpha, fit.beta)
    )
    assert fit.loglik == pytest.approx(ll, rel=1e-10)
    for da, db in [(0.01, 0), (-0.01, 0), (0, 0.05), (0, -0.05)]:
        s = sbg_survival(np.arange(13), fit.alpha + da, fit.beta + db)
        other = np.sum((n[:-1] - n[1:]) * np.log(s[:-1] - s[1:])) + n[-1] * np.log(s[-1])
        assert other < fit.loglik


@pytest.mark.slow
@pytest.mark.parametrize(("alpha", "beta"), [(0.704, 1.182), (3.0, 9.0)])
def test_fit_sbg_recovers_simulated_parameters(alpha: float, beta: float) -> None:
    sim = simulate_cohorts(ChurnModel.sbg(alpha, beta), [4000] * 6, periods=12, seed=2024)
    fit = fit_sbg(sim)
    assert fit.alpha == fit_sbg(sim.table).alpha
    assert abs(fit.alpha - alpha) < 4 * fit.se_alpha
    assert abs(fit.beta - beta) < 4 * fit.se_beta
    assert fit.se_alpha < 0.25 * alpha


def test_fit_sbg_standard_errors_match_the_spread_of_refits() -> None:
    alpha, beta = 1.0, 2.0
    fits = [
        fit_sbg(simulate_cohorts(ChurnModel.sbg(alpha, beta), 2000, 8, seed=s).table)
        for s in range(30)
    ]
    sd = np.std([f.alpha for f in fits], ddof=1)
    mean_se = np.mean([f.se_alpha for f in fits])
    assert 0.6 < sd / mean_se < 1.5  # 30 refits: the ratio's own sd is about 0.13


def test_fit_sbg_fit_object() -> None:
    fit = fit_sbg(REGULAR[:8])
    assert fit.survival(0) == 1.0
    assert fit.survival(1) == pytest.approx(fit.beta / (fit.alpha + fit.beta))
    assert fit.retention_rate(3) == pytest.approx(sbg_retention_rate(3, fit.alpha, fit.beta))
    assert fit.derl(0.1) == sbg_derl(fit.alpha, fit.beta, 0.1)
    assert fit.model == ChurnModel.sbg(fit.alpha, fit.beta)
    assert fit.mean_churn == pytest.approx(fit.alpha / (fit.alpha + fit.beta))
    proj = fit.project(3, cohort_size=50)
    assert list(proj.columns) == ["period", "survival", "retention_rate", "active"]
    assert proj["active"].iloc[0] == 50
    assert "alpha=0.704" in repr(fit)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.alpha = 1.0  # type: ignore[misc]


def test_fit_sbg_warns_on_homogeneous_data() -> None:
    curve = 10_000 * 0.8 ** np.arange(10)
    with pytest.warns(RuntimeWarning, match=r"no measurable heterogeneity"):
        fit = fit_sbg(curve)
    assert fit.mean_churn == pytest.approx(0.2, abs=1e-3)
    assert fit.geometric_churn == pytest.approx(0.2, rel=1e-12)  # exact geometric data
    assert fit.loglik == pytest.approx(fit.geometric_loglik, abs=0.05)


def test_fit_sbg_warns_on_all_or_nothing_churn() -> None:
    # 40 % leave at once, the rest never: alpha + beta -> 0, the opposite of homogeneous
    with pytest.warns(RuntimeWarning, match=r"extreme heterogeneity .*alpha \+ beta = .* < 0.001"):
        fit = fit_sbg([100, 60, 60, 60])
    assert fit.alpha + fit.beta < 1e-3
    assert fit.mean_churn == pytest.approx(0.4, abs=1e-3)


@pytest.mark.parametrize(
    ("curve", "match"),
    [
        ([100, 100, 100], r"no customer churned"),
        ([100, 0, 0], r"every customer churned in period 1"),
    ],
)
def test_fit_sbg_warns_when_the_mean_churn_is_at_its_edge(curve, match) -> None:
    with pytest.warns(RuntimeWarning, match=match):
        fit_sbg(curve)


@pytest.mark.parametrize("data", [[100, 50], [[100, 50], [200, 120]]])
def test_fit_sbg_refuses_a_single_period(data) -> None:
    # one period only identifies alpha / (alpha + beta): the likelihood is flat along it
    with pytest.raises(ValueError, match=r"up to period 1 only cannot identify alpha and beta"):
        fit_sbg(data)


def test_fit_sbg_regular_data_fit_without_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit_sbg(REGULAR[:8])


def _sbg_loglik(alpha: float, beta: float, curve: np.ndarray) -> float:
    """Fader & Hardie (2007) eq. 7, written out: churners by period plus the survivors."""
    t = np.arange(1, curve.size)
    p = special.beta(alpha + 1, beta + t - 1) / special.beta(alpha, beta)
    s_last = special.beta(alpha, beta + t[-1]) / special.beta(alpha, beta)
    return float(np.dot(curve[:-1] - curve[1:], np.log(p)) + curve[-1] * np.log(s_last))


def test_fit_sbg_standard_errors_are_the_inverse_observed_information() -> None:
    curve = np.array(REGULAR[:8], dtype=float)
    fit = fit_sbg(curve)
    # Hessian of the log-likelihood in (alpha, beta) by central differences of a separate
    # implementation; at the maximum, the delta method in logs gives the same errors.
    h = 1e-4
    x = np.array([fit.alpha, fit.beta])
    hess = np.empty((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * h, np.eye(2)[j] * h
            hess[i, j] = (
                _sbg_loglik(*(x + ei + ej), curve)
                - _sbg_loglik(*(x + ei - ej), curve)
                - _sbg_loglik(*(x - ei + ej), curve)
                + _sbg_loglik(*(x - ei - ej), curve)
            ) / (4 * h * h)
    se = np.sqrt(np.diag(np.linalg.inv(-hess)))
    assert fit.se_alpha == pytest.approx(se[0], rel=1e-3)
    assert fit.se_beta == pytest.approx(se[1], rel=1e-3)
    assert fit.loglik == pytest.approx(_sbg_loglik(fit.alpha, fit.beta, curve), rel=1e-12)


def test_fit_sbg_geometric_comparison() -> None:
    fit = fit_sbg(REGULAR[:8])
    n = np.array(REGULAR[:8], dtype=float)
    churners, at_risk = n[0] - n[-1], n[:-1].sum()
    assert fit.geometric_churn == pytest.approx(churners / at_risk)
    theta = churners / at_risk
    ll = churners * np.log(theta) + (at_risk - churners) * np.log(1 - theta)
    assert fit.geometric_loglik == pytest.approx(ll)
    assert 2 * (fit.loglik - fit.geometric_loglik) > 100  # heterogeneity is overwhelming


@pytest.mark.parametrize(
    ("data", "kwargs", "error", "match"),
    [
        ([1000, 700, 800], {}, ValueError, r"survivors must not increase"),
        ([1000], {}, ValueError, r"at least one cohort observed beyond period 0"),
        ([[1000], [50]], {}, ValueError, r"at least one cohort observed beyond period 0"),
        ([[1000, 500], []], {}, ValueError, r"each curve in survivors needs at least period 0"),
        ([1000, -1], {}, ValueError, r"survivors must be finite and >= 0"),
        ([0, 0], {}, ValueError, r"must start with a cohort size > 0"),
        ([90, 60], {"cohort_size": 500}, ValueError, r"percentages and must start at 100"),
        ([100, 60], {"cohort_size": 0}, ValueError, r"cohort_size must be > 0"),
        ("1000 600", {}, TypeError, r"survivors must be a sequence of counts"),
        ([1000, "x"], {}, TypeError, r"survivors must hold numbers"),
        ([], {}, ValueError, r"at least one survival curve"),
        (
            [[100, 50], [100, 60], [100, 70]],
            {"cohort_size": [1000, 2000]},
            ValueError,
            r"cohort_size must be one number or one per cohort \(3\), got 2",
        ),
        ([[1000, np.nan, 500]], {}, ValueError, r"NaN only after a cohort's last observed period"),
        (
            pd.DataFrame({"cohort": ["a"], 0: [100], 1: [50]}),
            {},
            TypeError,
            r"column\(s\) \['cohort'\] are not numeric; move the cohort labels into the index",
        ),
    ],
)
def test_fit_sbg_validation(data, kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        fit_sbg(data, **kwargs)


# ---------------------------------------------------------------------------
# repeat_purchase_rate
# ---------------------------------------------------------------------------


def test_repeat_purchase_rate_by_hand() -> None:
    log = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b", "c", "c", "d"],
            "date": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-01-01",
                    "2024-01-05",
                    "2024-03-20",
                    "2024-02-01",
                    "2024-02-10",
                    "2024-02-03",
                ]
            ),
        }
    )
    overall = repeat_purchase_rate(log)
    # a bought twice on one day (not a repeat); b and c came back; d never did.
    assert overall[["customers", "repeat_customers"]].iloc[0].tolist() == [4, 2]
    assert overall["repeat_rate"].iloc[0] == 0.5
    lo, hi = proportion_ci(2, 4)
    assert overall["ci_low"].iloc[0] == pytest.approx(float(lo))
    assert overall["ci_high"].iloc[0] == pytest.approx(float(hi))
    within = repeat_purchase_rate(log, within="30D")  # b's return took 75 days
    assert within["repeat_customers"].iloc[0] == 1
    monthly = repeat_purchase_rate(log, period="M")
    assert [str(p) for p in monthly["cohort"]] == ["2024-01", "2024-02"]
    assert monthly["customers"].tolist() == [2, 2]
    assert monthly["repeat_customers"].tolist() == [1, 1]


def test_repeat_purchase_rate_numeric_times() -> None:
    log = pd.DataFrame({"customer_id": [1, 1, 2, 3, 3], "date": [0.0, 1.5, 2.0, 3.0, 9.0]})
    out = repeat_purchase_rate(log, within=5.0, period=2.0)
    assert out["cohort"].tolist() == [0, 1]
    assert out["customers"].tolist() == [1, 2]
    assert out["repeat_customers"].tolist() == [1, 0]


def test_repeat_purchase_rate_cdnow() -> None:
    out = repeat_purchase_rate(load_cdnow())
    assert out["customers"].iloc[0] == 23_570
    assert out["repeat_customers"].iloc[0] == 11_516


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"customer": "user"}, ValueError, r"transactions is missing column\(s\) \['user'\]"),
        ({"within": "soon"}, ValueError, r"within must be a duration such as '90D'"),
        ({"within": 90}, TypeError, r"within must be a duration with a unit .* such as '90D'"),
        ({"within": float("nan")}, ValueError, r"within must be a duration, got nan"),
        ({"within": "90"}, ValueError, r"within must name its unit, such as '90D'"),
        ({"within": True}, TypeError, r"within must be a duration, got True \(bool\)"),
        ({"within": "-3D"}, ValueError, r"within must be >= 0"),
        ({"period": 7}, TypeError, r"period must be a pandas period alias"),
        ({"period": "fortnight"}, ValueError, r"period must be a pandas period alias"),
        ({"confidence": 1.5}, ValueError, r"confidence must be in \(0, 1\)"),
    ],
)
def test_repeat_purchase_rate_validation(kwargs, error, match) -> None:
    log = pd.DataFrame(
        {"customer_id": ["a", "a"], "date": pd.to_datetime(["2024-01-01", "2024-01-09"])}
    )
    with pytest.raises(error, match=match):
        repeat_purchase_rate(log, **kwargs)


def test_repeat_purchase_rate_reads_text_dates_only_by_a_stated_rule() -> None:
    text = pd.DataFrame(
        {"customer_id": ["a", "a", "b"], "date": ["08.03.2014", "01.12.2014", "02.03.2014"]}
    )
    with pytest.raises(ValueError, match=r"'08.03.2014', which is not ISO 8601 .* dayfirst"):
        repeat_purchase_rate(text)
    out = repeat_purchase_rate(text, within="250D", date_format="%d.%m.%Y")
    assert out["repeat_customers"].iloc[0] == 0  # 8 March -> 1 December is 268 days
    assert repeat_purchase_rate(text, dayfirst=True)["repeat_customers"].iloc[0] == 1
    month_first = repeat_purchase_rate(text, within="250D", dayfirst=False)
    assert month_first["repeat_customers"].iloc[0] == 1  # 12 January -> 3 August: 203 days
    iso = pd.DataFrame({"customer_id": ["a", "a"], "date": ["2024-01-01", "2024-01-09"]})
    assert repeat_purchase_rate(iso)["repeat_customers"].iloc[0] == 1
    with pytest.raises(TypeError, match=r"column 'date' must hold datetimes or numbers"):
        repeat_purchase_rate(pd.DataFrame({"customer_id": ["a"], "date": [True]}))
    with pytest.raises(TypeError, match=r"period must be a positive number"):
        repeat_purchase_rate(pd.DataFrame({"customer_id": [1], "date": [1.0]}), period="M")
    with pytest.raises(TypeError, match=r"transactions must be a pandas DataFrame"):
        repeat_purchase_rate([1, 2])  # type: ignore[arg-type]


def test_repeat_purchase_rate_rejects_missing_values() -> None:
    dates = pd.to_datetime(["2024-01-01", "2024-01-09", "2024-02-01"])
    with pytest.raises(ValueError, match=r"column 'customer_id' must not have missing values"):
        repeat_purchase_rate(pd.DataFrame({"customer_id": ["a", None, "b"], "date": dates}))
    dates = pd.to_datetime(["2024-01-01", None, "2024-02-01"])
    with pytest.raises(ValueError, match=r"column 'date' must not have missing values, got 1 of"):
        repeat_purchase_rate(pd.DataFrame({"customer_id": ["a", "a", "b"], "date": dates}))


def test_average_of_fractional_counts_has_no_binomial_interval() -> None:
    pooled = CohortTable.from_counts([[100, 63.1, 46.8], [100, 70]]).average()
    assert pooled["retention"].tolist() == [1.0, 133.1 / 200, 46.8 / 100]
    assert pooled[["ci_low", "ci_high"]].isna().all().all()
    whole = CohortTable.from_counts([[100, 63, 46], [100, 70]]).average()
    low, high = proportion_ci([200, 133, 46], [200, 200, 100])
    np.testing.assert_array_equal(whole["ci_low"], low)
    np.testing.assert_array_equal(whole["ci_high"], high)
    assert whole["cohorts"].tolist() == [2, 2, 1]
    assert whole["size"].tolist() == [200, 200, 100]
    assert whole["active"].tolist() == [200, 133, 46]


def test_repeat_purchase_rate_within_is_a_duration_on_cdnow() -> None:
    cdnow = load_cdnow()
    days = cdnow.drop_duplicates(["customer_id", "date"]).sort_values(["customer_id", "date"])
    gap = days.groupby("customer_id")["date"].apply(
        lambda d: (d.iloc[1] - d.iloc[0]).days if len(d) > 1 else np.inf
    )
    expected = int((gap <= 90).sum())
    for within in ("90D", pd.Timedelta(days=90), np.timedelta64(90, "D")):
        out = repeat_purchase_rate(cdnow, within=within)
        assert out["repeat_customers"].iloc[0] == expected
    assert expected == 6_887
    with pytest.raises(TypeError, match=r"bare number 90, which pandas would read as nanoseconds"):
        repeat_purchase_rate(cdnow, within=90)


def test_repeat_purchase_rate_counts_days_on_the_local_clock() -> None:
    log = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b"],
            "date": pd.to_datetime(
                ["2024-01-01 09:00", "2024-01-01 21:00", "2024-01-01 23:30", "2024-01-02 00:30"]
            ).tz_localize("Europe/Moscow"),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = repeat_purchase_rate(log, period="ME")
    assert out["customers"].tolist() == [2]
    assert out["repeat_customers"].tolist() == [1]  # b came back the next (Moscow) day
    assert str(out["cohort"].iloc[0]) == "2024-01"
    assert out.columns.tolist() == [
        "cohort", "customers", "repeat_customers", "repeat_rate", "ci_low", "ci_high"
    ]  # fmt: skip
    low, high = proportion_ci(1, 2)
    assert out["repeat_rate"].iloc[0] == 0.5
    assert out["ci_low"].iloc[0] == pytest.approx(float(low))
    assert out["ci_high"].iloc[0] == pytest.approx(float(high))


# ---------------------------------------------------------------------------
# Every column of every frame, by hand
# ---------------------------------------------------------------------------


def test_cohort_table_every_column_by_hand() -> None:
    long = CohortTable.from_counts([[100, 60, 45], [80, 40]]).long
    assert list(long.columns) == [
        "cohort",
        "period",
        "calendar_period",
        "size",
        "active",
        "churned",
        "survival",
        "retention_rate",
    ]
    assert long["cohort"].tolist() == [0, 0, 0, 1, 1]
    assert long["period"].tolist() == [0, 1, 2, 0, 1]
    assert long["calendar_period"].tolist() == [0, 1, 2, 1, 2]
    assert long["size"].tolist() == [100, 100, 100, 80, 80]
    assert long["active"].tolist() == [100, 60, 45, 80, 40]
    assert long["churned"].tolist() == [0, 40, 15, 0, 40]
    assert long["survival"].tolist() == [1.0, 0.6, 0.45, 1.0, 0.5]
    assert long["retention_rate"].tolist()[1:3] == [0.6, 0.75]
    assert long["retention_rate"].tolist()[4] == 0.5
    assert long["retention_rate"].isna().tolist() == [True, False, False, True, False]
    labelled = CohortTable.from_counts([[100, 60]], cohorts=["Jan"]).long
    assert labelled["cohort"].tolist() == ["Jan", "Jan"]
    assert labelled["calendar_period"].isna().all()  # no arithmetic on text labels


def test_sbg_fit_projection_by_hand() -> None:
    # alpha = beta = 1: S(t) = 1 / (t + 1), r(t) = t / (t + 1)
    fit = SBGFit(1.0, 1.0, -1.0, 0.1, 0.2, (200.0,), 3, True, 0.5, -2.0)
    proj = fit.project(3)
    assert list(proj.columns) == ["period", "survival", "retention_rate", "active"]
    assert proj["period"].tolist() == [0, 1, 2, 3]
    np.testing.assert_allclose(proj["survival"], [1, 1 / 2, 1 / 3, 1 / 4], rtol=1e-14)
    np.testing.assert_allclose(proj["retention_rate"][1:], [1 / 2, 2 / 3, 3 / 4], rtol=1e-14)
    assert math.isnan(proj["retention_rate"][0])
    np.testing.assert_allclose(proj["active"], [200, 100, 200 / 3, 50], rtol=1e-14)
    np.testing.assert_allclose(fit.project(1, cohort_size=30)["active"], [30, 15], rtol=1e-14)
    assert fit.mean_churn == 0.5
    assert repr(fit) == ("SBGFit(alpha=1 ± 0.1, beta=1 ± 0.2, loglik=-1.00, cohorts=1, periods=3)")


@pytest.mark.parametrize(("churn", "active"), [(0.0, [7, 7, 7, 7]), (1.0, [7, 0, 0, 0])])
def test_simulate_cohorts_every_column_by_hand(churn: float, active: list[int]) -> None:
    # churn 0: nobody leaves; churn 1: everyone leaves after their first period
    sim = simulate_cohorts(ChurnModel.geometric(churn), [7, 5], periods=3, seed=0)
    long = sim.long
    assert long["cohort"].tolist() == [0, 0, 0, 0, 1, 1, 1]
    assert long["period"].tolist() == [0, 1, 2, 3, 0, 1, 2]
    assert long["calendar_period"].tolist() == [0, 1, 2, 3, 1, 2, 3]
    assert long["size"].tolist() == [7] * 4 + [5] * 3
    second = [5, 5, 5] if churn == 0 else [5, 0, 0]
    assert long["active"].tolist() == active + second
    churned = np.diff(np.concatenate([[active[0]], active]))
    assert long["churned"].tolist() == [*(-churned).tolist(), 0, 5 - second[1], 0]
    np.testing.assert_array_equal(long["survival"], long["active"] / long["size"])
    assert sim.lifetime.tolist() == ([4] * 7 + [4] * 5 if churn == 0 else [1] * 12)
    assert sim.churn.tolist() == [churn] * 12
    assert sim.cohort.tolist() == [0] * 7 + [1] * 5


def test_geometric_churn_model_numbers_by_hand() -> None:
    m = ChurnModel.geometric(0.25)
    assert m.expected_lifetime == 4.0
    assert m.mean_churn == 0.25
    assert m.survival(2) == 0.5625
    assert m.retention_rate(3) == 0.75
    # (1 - churn)(1 + d) / (d + churn) = 0.75 * 1.1 / 0.35
    assert m.derl(0.1) == pytest.approx(0.825 / 0.35, rel=1e-15)
    s = ChurnModel.sbg(2.0, 3.0)
    assert s.expected_lifetime == 4.0  # (alpha + beta - 1) / (alpha - 1)
    assert s.mean_churn == 0.4
    assert s.survival(1) == pytest.approx(0.6, rel=1e-14)
    assert s.retention_rate(2) == pytest.approx(4 / 6, rel=1e-15)
    assert ChurnModel.sbg_mean(0.4, 1 / 6).alpha == pytest.approx(2.0, rel=1e-14)


def test_documented_non_default_settings() -> None:
    table = CohortTable.from_counts([[100, 60, 45], [80, 40]])
    low, high = proportion_ci([180, 100, 45], [180, 180, 100], confidence=0.8)
    pooled = table.average(confidence=0.8)
    np.testing.assert_array_equal(pooled["ci_low"], low)
    np.testing.assert_array_equal(pooled["ci_high"], high)
    wide = table.wide("survival")
    assert wide.shape == (2, 3) and wide.loc[1, 1] == 0.5 and math.isnan(wide.loc[1, 2])
    # the geometric model has no memory: the same DERL at any tenure
    m = ChurnModel.geometric(0.2)
    assert m.derl(0.1, periods_survived=7) == m.derl(0.1) == pytest.approx(0.8 * 1.1 / 0.3)
    # the sBG model's survivors are the loyal ones: DERL grows with tenure
    s = ChurnModel.sbg(0.704, 1.182)
    assert s.derl(0.1, periods_survived=4) == sbg_derl(0.704, 1.182, 0.1, 4) > s.derl(0.1)


def test_seed_is_keyword_only_with_one_release_of_grace() -> None:
    model = ChurnModel.sbg(1.0, 2.0)
    with pytest.warns(DeprecationWarning, match=r"simulate_cohorts\(\): passing seed by position"):
        old = simulate_cohorts(model, [50, 60], 4, 5)
    new = simulate_cohorts(model, [50, 60], 4, seed=5)
    assert np.array_equal(old.lifetime, new.lifetime) and old.long.equals(new.long)
    with pytest.warns(DeprecationWarning, match=r"sample_lifetimes\(\): passing seed by position"):
        a = model.sample_lifetimes(100, 10, 7)
    assert np.array_equal(a, model.sample_lifetimes(100, 10, seed=7))
    with pytest.warns(DeprecationWarning, match=r"sample_churn\(\): passing seed by position"):
        c = model.sample_churn(100, 7)
    assert np.array_equal(c, model.sample_churn(100, seed=7))


def test_repeat_purchase_rate_thirty_day_cohorts() -> None:
    # First purchases 1 Mar and 30 Mar share the 30-day cohort [1-30 Mar]; 31 Mar starts the next.
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b", "b", "c"],
            "date": pd.to_datetime(["2024-03-01", "2024-03-30", "2024-04-02", "2024-03-31"]),
        }
    )
    out = repeat_purchase_rate(tx, period="30D")
    assert [str(c) for c in out["cohort"]] == ["2024-03-01", "2024-03-31"]
    assert out["customers"].tolist() == [2, 1]
    assert out["repeat_customers"].tolist() == [1, 0]


_CONTRACTUAL_WIDE = ["calendar_period", "size", "active", "churned", "survival", "retention_rate"]
_ACTIVITY_WIDE = [
    "calendar_period",
    "size",
    "active",
    "retention",
    "ci_low",
    "ci_high",
    "active_on_or_after",
    "retention_on_or_after",
]


def test_cohort_table_wide_accepts_exactly_the_documented_values() -> None:
    doc = CohortTable.wide.__doc__ or ""
    contractual = CohortTable.from_counts([[10, 8, 6], [20, 15]])
    activity = fs.cohort_retention(
        pd.DataFrame({"buyer_id": [1, 1, 2], "entered_at": [0.0, 1.0, 1.0]})
    )
    for table, values in ((contractual, _CONTRACTUAL_WIDE), (activity, _ACTIVITY_WIDE)):
        accepted = [c for c in table.long.columns if c not in ("cohort", "period")]
        assert sorted(accepted) == sorted(values)
        for value in values:
            assert f'``"{value}"``' in doc
            assert table.wide(value).shape[0] == 2
    with pytest.raises(ValueError, match=r"values must be one of .*got 'survival'"):
        activity.wide("survival")


# -- segments with different churn: the pooled curve ---------------------------------------


def test_simulate_segments_follow_their_own_geometric_curves() -> None:
    churn = {"loyal": 0.05, "fickle": 0.30}
    n = 20_000
    table = fs.simulate_segments(churn, n, 10, seed=3)
    assert table.cohorts == ["loyal", "fickle"]
    wide = table.wide("survival")
    t = np.arange(11)
    for name, c in churn.items():
        p = (1 - c) ** t
        se = np.sqrt(p * (1 - p) / n) + 1e-12
        assert np.all(np.abs(wide.loc[name].to_numpy() - p) <= 4 * se)
    # the pooled curve is the mixture, and its period-to-period retention rises
    pooled = table.average()["retention"].to_numpy()
    mix = 0.5 * (0.95**t + 0.70**t)
    assert np.all(np.abs(pooled - mix) <= 4 * np.sqrt(mix * (1 - mix) / (2 * n)) + 1e-12)
    rate = pooled[1:] / pooled[:-1]
    assert rate[-1] > rate[0] + 0.05  # 0.825 at first, about 0.94 by period 10


def test_simulate_segments_sizes_models_and_seed() -> None:
    model = ChurnModel.sbg(1.0, 3.0)
    a = fs.simulate_segments({"a": 0.2, "b": model}, [100, 300], 4, seed=9)
    b = fs.simulate_segments({"a": 0.2, "b": model}, [100, 300], 4, seed=9)
    pd.testing.assert_frame_equal(a.long, b.long)
    assert a.wide("size")[0].to_dict() == {"a": 100, "b": 300}
    everyone = fs.simulate_segments({"stay": 0.0, "leave": 1.0}, 50, 3, seed=0)
    assert everyone.wide("active").loc["stay"].tolist() == [50, 50, 50, 50]
    assert everyone.wide("active").loc["leave"].tolist() == [50, 0, 0, 0]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"segments": [0.1, 0.2]}, TypeError, "segments must be a non-empty mapping"),
        ({"segments": {}}, TypeError, "segments must be a non-empty mapping"),
        ({"segments": {"x": 1.5}}, ValueError, r"churn of segment 'x' must be in \[0, 1\]"),
        ({"segments": {"x": "5%"}}, TypeError, "churn of segment 'x' must be a probability"),
        ({"segments": {3: 0.1}}, TypeError, "segment names must be non-empty strings"),
        ({"sizes": [10]}, ValueError, r"one size per segment \(2\), got 1"),
        ({"sizes": -1}, ValueError, "sizes"),
        ({"periods": 0}, ValueError, "periods"),
    ],
)
def test_simulate_segments_rejects_bad_input(kwargs, error, match) -> None:
    args = {"segments": {"a": 0.1, "b": 0.2}, "sizes": 10, "periods": 3} | kwargs
    with pytest.raises(error, match=match):
        fs.simulate_segments(args["segments"], args["sizes"], args["periods"], seed=0)


# -- the projection's interval --------------------------------------------------------------


def test_projection_interval_is_the_delta_method_on_log_survival() -> None:
    fit = fit_sbg(REGULAR[:8])
    assert fit.covariance is not None
    proj = fit.project(12, confidence=0.95, geometric=True)
    assert list(proj.columns)[-3:] == ["ci_low", "ci_high", "geometric_survival"]
    # gradient of log S by central differences in (log alpha, log beta)
    cov = np.array(fit.covariance)
    t, h = np.arange(13), 1e-6
    x = np.log([fit.alpha, fit.beta])
    grad = np.stack(
        [
            (
                np.log(sbg_survival(t, *np.exp(x + h * e)))
                - np.log(sbg_survival(t, *np.exp(x - h * e)))
            )
            / (2 * h)
            for e in np.eye(2)
        ]
    )
    sd = np.sqrt(np.einsum("it,ij,jt->t", grad, cov, grad))
    z = 1.959963984540054
    np.testing.assert_allclose(proj["ci_low"], proj["survival"] * np.exp(-z * sd), rtol=1e-6)
    np.testing.assert_allclose(
        proj["ci_high"], np.minimum(proj["survival"] * np.exp(z * sd), 1), rtol=1e-6
    )
    assert proj["ci_low"][0] == proj["ci_high"][0] == 1.0  # S(0) = 1 is certain
    np.testing.assert_allclose(proj["geometric_survival"], (1 - fit.geometric_churn) ** t)


def test_projection_interval_covers_the_true_curve() -> None:
    model = ChurnModel.sbg(0.8, 2.5)
    hits = []
    for s in range(40):
        fit = fit_sbg(simulate_cohorts(model, [1000] * 4, 6, seed=s).table)
        row = fit.project(18, confidence=0.9).iloc[18]
        hits.append(row["ci_low"] <= model.survival(18) <= row["ci_high"])
    assert 0.75 <= np.mean(hits) <= 1.0  # 90 % nominal; 40 fits: sd of the share ~0.05


def test_projection_interval_needs_a_covariance_and_a_level() -> None:
    fit = SBGFit(1.0, 1.0, -1.0, 0.1, 0.2, (200.0,), 3, True, 0.5, -2.0)
    proj = fit.project(3, confidence=0.9)
    assert proj["ci_low"].isna().all() and proj["ci_high"].isna().all()
    with pytest.raises(ValueError, match=r"confidence must be in \(0, 1\)"):
        fit.project(3, confidence=95)


# -- pinned by mutation testing (docs/mutation.md) -----------------------------------------


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"churn": 0.1, "alpha": 1.0, "beta": 2.0}, r"churn=0.1, alpha=1.0, beta=2.0"),
        ({"alpha": None, "beta": 2.0}, r"churn=None, alpha=None, beta=2.0"),
        ({"alpha": 1.0, "beta": None}, r"churn=None, alpha=1.0, beta=None"),
    ],
)
def test_an_sbg_model_takes_alpha_and_beta_only(fields, match):
    from funnelsim.retention import ChurnModel

    with pytest.raises(
        ValueError, match=rf"^an sBG churn model takes alpha and beta only, got {match}$"
    ):
        ChurnModel("sbg", **fields)


@pytest.mark.parametrize("name", ["alpha", "beta"])
def test_sbg_survival_refuses_a_zero_parameter(name):
    from funnelsim.retention import sbg_survival

    params = {"alpha": 1.0, "beta": 2.0, name: 0.0}
    with pytest.raises(ValueError, match=rf"^{name} must be > 0, got 0.0$"):
        sbg_survival(1, **params)
    # and by hand at t = 1: S(1) = B(α, β + 1) / B(α, β) = β / (α + β)
    assert sbg_survival(1, 1.0, 2.0) == pytest.approx(2.0 / 3.0, rel=1e-12)


@given(
    alpha=st.floats(1e-3, 1e5),
    beta=st.floats(1e-3, 1e6),
    d=st.floats(1e-12, 1e3),
    n=st.integers(0, 200),
)
@settings(max_examples=200, deadline=None)
def test_sbg_derl_integral_agrees_with_adaptive_quadpack(alpha, beta, d, n) -> None:
    # The DERL integral uses fixed Gauss-Legendre panels (no scipy.integrate import):
    # the same value as QUADPACK's adaptive rule on the same integrand.
    from scipy import integrate

    from funnelsim.retention import _U_MAX, _discounted_tail_integral

    c = alpha + beta + n

    def integrand(u: float) -> float:
        return math.exp(-u - alpha * math.log1p(-math.expm1(-u / c) / d))

    scale = d * c / max(alpha, 1.0)
    points = [scale * 10.0**k for k in range(16) if scale * 10.0**k < _U_MAX] + [c]
    points = [p for p in points if p < _U_MAX]
    want, _ = integrate.quad(
        integrand, 0.0, _U_MAX, points=points or None, limit=400, epsabs=0.0, epsrel=2e-14
    )
    assert _discounted_tail_integral(alpha, c, d) == pytest.approx(want, rel=1e-13)
