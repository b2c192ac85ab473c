import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

import funnelsim as fs
from funnelsim.referral import (
    MAX_BUYERS,
    bass_adopters,
    nps,
    nps_breakdown,
    simulate_bass,
    simulate_referrals,
    viral_coefficient,
    viral_coefficient_from_nps,
)

# -- viral coefficient -----------------------------------------------------------------------


def test_viral_coefficient_is_invites_times_conversion():
    assert viral_coefficient(4, 0.25) == 1.0
    assert viral_coefficient(0, 0.9) == 0.0
    assert math.isclose(viral_coefficient(2.5, 0.3), 0.75)


@pytest.mark.parametrize(
    ("args", "exc", "match"),
    [
        ((-1, 0.2), ValueError, r"invites_per_user must be in \[0, 1e\+06\], got -1"),
        ((2, 1.2), ValueError, r"invite_conversion must be in \[0, 1\], got 1.2"),
        (("2", 0.2), TypeError, "invites_per_user must be a real number"),
        ((2, float("nan")), ValueError, "invite_conversion must be a finite number"),
    ],
)
def test_viral_coefficient_validates(args, exc, match):
    with pytest.raises(exc, match=match):
        viral_coefficient(*args)


# -- NPS -----------------------------------------------------------------------------------


def test_nps_segments_and_bounds():
    assert nps([10, 9, 8, 7, 6, 0]) == 0.0
    assert nps([10] * 5) == 100.0
    assert nps(list(range(7))) == -100.0
    assert nps(np.array([9, 9, 9, 3])) == 50.0
    shares = nps_breakdown([10, 9, 8, 7, 6, 0, 5, 5])
    assert list(shares.index) == ["promoter", "passive", "detractor"]
    np.testing.assert_allclose(shares.to_numpy(), [2 / 8, 2 / 8, 4 / 8])
    assert nps(np.array([9.0, 7.0, 3.0, 10.0])) == 25.0  # integral floats are fine


def test_nps_of_whole_numbers_is_whole():
    # 1 promoter, 4 detractors, 5 passives: -30 exactly, not -30.000000000000004
    assert nps([10] + [0] * 4 + [8] * 5) == -30.0
    assert nps([9, 9, 9] + [1] * 7) == -40.0
    shares = nps_breakdown([10] + [0] * 4 + [8] * 5)
    assert shares.to_dict() == {"promoter": 0.1, "passive": 0.5, "detractor": 0.4}


@given(st.lists(st.integers(0, 10), min_size=1, max_size=200))
def test_nps_matches_its_definition(scores):
    a = np.array(scores)
    promoters, detractors = int(np.sum(a >= 9)), int(np.sum(a <= 6))
    assert nps(scores) == 100 * (promoters - detractors) / a.size  # the counts, exactly
    if 100 * (promoters - detractors) % a.size == 0:
        assert nps(scores) == (100 * (promoters - detractors)) // a.size
    assert -100 <= nps(scores) <= 100
    assert math.isclose(nps_breakdown(scores).sum(), 1.0)


@pytest.mark.parametrize(
    ("scores", "exc", "match"),
    [
        ([9, 7.5], ValueError, r"whole numbers from 0 to 10, got 7.5 at position 1"),
        ([9, float("nan")], ValueError, r"got nan at position 1"),
        ([9, 8, 11], ValueError, r"from 0 to 10, got 11 at position 2"),
        ([-1], ValueError, r"from 0 to 10, got -1 at position 0"),
        ([], ValueError, "must not be empty"),
        ([9, "8"], TypeError, r"got '8' at position 1"),
        ([True, 9], TypeError, r"got True at position 0"),
        ([9, None], TypeError, r"got None at position 1"),
        (np.array([True, False]), TypeError, r"got True at position 0"),
        (7, TypeError, "must be a sequence of 0-10 integers"),
        ("9", TypeError, "must be a sequence of 0-10 integers"),
    ],
)
def test_nps_rejects_bad_scores(scores, exc, match):
    with pytest.raises(exc, match=match):
        nps(scores)
    with pytest.raises(exc, match=match):
        nps_breakdown(scores)


def test_viral_coefficient_from_nps_weights_segments():
    rates = {"promoter": 2.0, "passive": 1.0, "detractor": 0.0}
    assert math.isclose(viral_coefficient_from_nps([10, 9, 7, 2], rates, 0.5), 0.625)
    shares = {"promoter": 0.5, "passive": 0.3, "detractor": 0.2}
    assert math.isclose(viral_coefficient_from_nps(shares, rates, 0.4), 0.4 * (1.0 + 0.3))
    assert viral_coefficient_from_nps(nps_breakdown([9, 9]), rates, 1.0) == 2.0


@pytest.mark.parametrize(
    ("segments", "invites", "exc", "match"),
    [
        ({"promoter": 0.5, "passive": 0.4}, None, ValueError, "must sum to 1, got 0.9"),
        ({"fan": 1.0}, None, ValueError, r"unknown segment\(s\) \['fan'\]"),
        ({"promoter": 1.5, "detractor": -0.5}, None, ValueError, r"share of promoters must be"),
        ([9, 9], {"promoter": 1.0}, ValueError, r"missing \['passive', 'detractor'\]"),
        ([9, 9], [1, 2, 3], TypeError, "invites_per_user must map each NPS segment"),
        (
            [9, 9],
            {"promoter": -1, "passive": 0, "detractor": 0},
            ValueError,
            "invites per promoter must be",
        ),
    ],
)
def test_viral_coefficient_from_nps_validates(segments, invites, exc, match):
    invites = invites if invites is not None else {"promoter": 1, "passive": 0, "detractor": 0}
    with pytest.raises(exc, match=match):
        viral_coefficient_from_nps(segments, invites, 0.5)


def test_viral_coefficient_from_nps_validates_the_conversion():
    rates = {"promoter": 1, "passive": 0, "detractor": 0}
    with pytest.raises(ValueError, match=r"invite_conversion must be in \[0, 1\], got -0.1"):
        viral_coefficient_from_nps([9, 9], rates, -0.1)


# -- referral cascades: structure and validation ---------------------------------------------------


def test_cascade_frame_is_tidy_and_consistent():
    r = simulate_referrals(1_000, 3, 0.2, cycle_time=2.5, seed=1)
    g = r.generations
    assert list(g.columns) == ["generation", "time", "new_buyers", "cumulative_buyers"]
    assert g["generation"].tolist() == list(range(len(g)))
    np.testing.assert_allclose(g["time"], 2.5 * g["generation"])
    assert g["new_buyers"].iloc[0] == 1_000
    assert g["new_buyers"].iloc[-1] == 0  # stopped because a generation brought nobody
    np.testing.assert_array_equal(g["cumulative_buyers"], np.cumsum(g["new_buyers"]))
    assert r.total == g["cumulative_buyers"].iloc[-1]
    assert math.isclose(r.k, 0.6)
    assert math.isclose(r.expected_total, 2_500)
    assert isinstance(r.total, int)
    assert "k=0.6" in repr(r)


def test_same_seed_same_cascade_and_seed_is_recorded():
    a = simulate_referrals(
        500, 4, 0.2, invite_distribution="negbin", dispersion=0.7, seed=7, replications=3
    )
    b = simulate_referrals(
        500, 4, 0.2, invite_distribution="negbin", dispersion=0.7, seed=7, replications=3
    )
    pd.testing.assert_frame_equal(a.generations, b.generations)
    assert a.seed == 7
    c = simulate_referrals(500, 4, 0.2, seed=None)
    d = simulate_referrals(500, 4, 0.2, seed=c.seed)
    pd.testing.assert_frame_equal(c.generations, d.generations)


def test_replications_add_a_column_and_totals():
    r = simulate_referrals(100, 2, 0.25, replications=5, seed=3)
    assert r.generations.columns[0] == "replication"
    assert r.replications == 5
    last = r.generations.groupby("replication")["cumulative_buyers"].last().to_numpy()
    np.testing.assert_array_equal(last, r.totals)
    assert r.total == pytest.approx(r.totals.mean())


def test_a_bad_seed_fails_before_the_explosion_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TypeError, match="seed must be an int"):
            simulate_referrals(10, 3, 0.5, seed="x")


def test_zero_seed_or_zero_k_stays_put():
    with pytest.warns(RuntimeWarning, match="explosive"):
        r = simulate_referrals(0, 5, 0.5, seed=1)
    assert r.total == 0 and len(r.generations) == 1
    r = simulate_referrals(40, 0, 0.5, seed=1)
    assert r.total == 40 and r.generations["new_buyers"].tolist() == [40, 0]


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"seed_buyers": -1}, ValueError, r"seed_buyers must be in \[0, 1000000000\], got -1"),
        ({"seed_buyers": 1.5}, ValueError, "seed_buyers must be a whole number"),
        ({"invites_per_user": -2}, ValueError, "invites_per_user must be in"),
        ({"invite_conversion": 2}, ValueError, r"invite_conversion must be in \[0, 1\], got 2"),
        (
            {"invite_distribution": "binomial"},
            ValueError,
            r"invite_distribution must be one of \['negbin', 'poisson'\]",
        ),
        ({"invite_distribution": "negbin"}, ValueError, "needs a dispersion"),
        (
            {"invite_distribution": "negbin", "dispersion": 0},
            ValueError,
            "dispersion must be > 0, got 0",
        ),
        (
            {"dispersion": 2.0},
            ValueError,
            "dispersion applies to invite_distribution='negbin' only",
        ),
        ({"cycle_time": 0}, ValueError, "cycle_time must be > 0, got 0"),
        (
            {"market_size": 50},
            ValueError,
            r"market_size must be >= seed_buyers \(100\): the seed buyers are part of the "
            r"market, got market_size=50",
        ),
        ({"market_size": 10**10}, ValueError, r"market_size must be in \[1, 999999999\]"),
        (
            {"seed_buyers": 10**12, "market_size": 5000},
            ValueError,
            r"seed_buyers must be in \[0, 1000000000\], got 1000000000000",
        ),
        ({"max_buyers": 10**10}, ValueError, r"max_buyers must be in \[1, 1000000000\]"),
        (
            {"replications": 10**6},
            ValueError,
            r"replications \* \(max_generations \+ 1\) must be <= 20,000,000 .*got "
            r"1,000,000 \* 1,001",
        ),
        ({"max_generations": -1}, ValueError, "max_generations must be >= 0"),
        ({"max_buyers": 0}, ValueError, r"max_buyers must be in \[1, 1000000000\], got 0"),
        ({"replications": 0}, ValueError, "replications must be >= 1"),
        ({"seed": -3}, ValueError, "seed must be a non-negative integer"),
        ({"invites_per_user": {"promoter": 1}}, ValueError, "pass segments= as well"),
        ({"segments": {"promoter": 0.2}}, ValueError, "must sum to 1"),
        ({"segments": [9, 12]}, ValueError, "got 12 at position 1"),
    ],
)
def test_simulate_referrals_validates(kwargs, exc, match):
    args = {"seed_buyers": 100, "invites_per_user": 2.0, "invite_conversion": 0.2, "seed": 0}
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        simulate_referrals(**args)


# -- referral cascades: the laws -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "dispersion"), [("poisson", None), ("negbin", 0.5), ("negbin", 5.0)]
)
def test_subcritical_mean_total_is_seed_over_one_minus_k(kind, dispersion):
    reps, s = 4_000, 200
    r = simulate_referrals(
        s, 2.0, 0.35, invite_distribution=kind, dispersion=dispersion, replications=reps, seed=11
    )
    k = 0.7
    se = r.totals.std(ddof=1) / math.sqrt(reps)
    assert abs(r.totals.mean() - s / (1 - k)) < 4 * se
    assert not r.capped.any()


@pytest.mark.parametrize(("kind", "dispersion"), [("poisson", None), ("negbin", 0.8)])
def test_one_aggregate_draw_has_the_law_of_per_buyer_draws(kind, dispersion):
    # Generation 1 from n seed buyers, drawn by the library (one draw per generation)
    # against a per-buyer numpy baseline: invites per buyer, then a binomial per buyer.
    n, lam, c, reps = 50, 3.0, 0.4, 4_000
    with pytest.warns(RuntimeWarning):  # K = 1.2, and stopped after one generation
        r = simulate_referrals(
            n,
            lam,
            c,
            invite_distribution=kind,
            dispersion=dispersion,
            replications=reps,
            max_generations=1,
            seed=5,
        )
    lib = r.generations.query("generation == 1")["new_buyers"].to_numpy()
    rng = np.random.default_rng(6)
    if kind == "poisson":
        sent = rng.poisson(lam, size=(reps, n))
    else:
        sent = rng.negative_binomial(dispersion, dispersion / (dispersion + lam), size=(reps, n))
    base = rng.binomial(sent, c).sum(axis=1)
    mu = lam * c
    var = n * (mu if kind == "poisson" else mu + mu**2 / dispersion)
    for sample in (lib, base):
        assert abs(sample.mean() - n * mu) < 4 * math.sqrt(var / reps)
        # the SE of the sample variance is sqrt((m4 - s^4) / reps), m4 the 4th central moment
        dev = sample - sample.mean()
        se_var = math.sqrt((np.mean(dev**4) - np.mean(dev**2) ** 2) / reps)
        assert abs(sample.var(ddof=1) - var) < 4 * se_var
    assert stats.ks_2samp(lib, base).pvalue > 1e-3


def test_negbin_dispersion_fattens_the_tail_of_totals():
    # Galton-Watson total progeny from s seeds with offspring mean K < 1 and variance
    # sigma^2 has variance s sigma^2 / (1 - K)^3; the negative binomial raises sigma^2
    # from K to K + K^2 / r. A cascade dies at once when generation 1 is empty:
    # probability e^{-sK} (Poisson) or (r / (r + K))^{s r} (negative binomial).
    s, k, r, reps = 20, 0.8, 0.3, 3_000
    kw = {"replications": reps, "seed": 2}
    pois = simulate_referrals(s, 2, 0.4, **kw).totals
    nb = simulate_referrals(s, 2, 0.4, invite_distribution="negbin", dispersion=r, **kw).totals
    for totals, sigma2, p0 in (
        (pois, k, math.exp(-s * k)),
        (nb, k + k**2 / r, (r / (r + k)) ** (s * r)),
    ):
        dev = totals - totals.mean()
        se_var = math.sqrt((np.mean(dev**4) - np.mean(dev**2) ** 2) / reps)
        assert abs(totals.var(ddof=1) - s * sigma2 / (1 - k) ** 3) < 4 * se_var
        dead = np.mean(totals == s)
        assert abs(dead - p0) < 4 * math.sqrt(p0 * (1 - p0) / reps) + 1 / reps
    assert nb.var() > 2 * pois.var()  # the closed forms differ by a factor 3.7


def test_nps_mixture_drives_k_and_the_mean_total():
    scores = [10, 10, 9, 8, 7, 5, 3, 0]
    rates = {"promoter": 3.0, "passive": 1.0, "detractor": 0.2}
    k = viral_coefficient_from_nps(scores, rates, 0.25)
    reps = 3_000
    r = simulate_referrals(100, rates, 0.25, segments=scores, replications=reps, seed=9)
    assert math.isclose(r.k, k)
    se = r.totals.std(ddof=1) / math.sqrt(reps)
    assert abs(r.totals.mean() - 100 / (1 - k)) < 4 * se
    # a plain rate with segments: everyone invites alike, so K is unchanged
    same = simulate_referrals(100, 2.0, 0.25, segments=scores, seed=1)
    assert math.isclose(same.k, 0.5)


def test_negbin_nps_mixture_keeps_the_mean_total():
    # segments and over-dispersed invites together: each segment's buyers draw one
    # aggregate negative binomial, and the mean total is still seed / (1 - K)
    shares = {"promoter": 0.3, "passive": 0.3, "detractor": 0.4}
    rates = {"promoter": 2.5, "passive": 1.0, "detractor": 0.0}
    k, reps, s = 0.3 * (0.3 * 2.5 + 0.3 * 1.0), 3_000, 50
    r = simulate_referrals(
        s,
        rates,
        0.3,
        segments=shares,
        invite_distribution="negbin",
        dispersion=0.6,
        replications=reps,
        seed=3,
    )
    assert math.isclose(r.k, k)
    se = r.totals.std(ddof=1) / math.sqrt(reps)
    assert abs(r.totals.mean() - s / (1 - k)) < 4 * se
    one = simulate_referrals(
        s, rates, 0.3, segments=shares, invite_distribution="negbin", dispersion=0.6, seed=3
    )
    assert one.total >= s and one.generations["new_buyers"].iloc[-1] == 0


@pytest.mark.parametrize("kind", ["poisson", "negbin"])
def test_a_generation_of_silent_segments_ends_every_replication(kind):
    # only detractors, who send no invites: generation 1 is empty in every replication
    rates = {"promoter": 3.0, "passive": 1.0, "detractor": 0.0}
    kw = {"dispersion": 0.5} if kind == "negbin" else {}
    r = simulate_referrals(
        40,
        rates,
        0.5,
        segments={"detractor": 1.0},
        invite_distribution=kind,
        replications=4,
        seed=1,
        **kw,
    )
    assert r.k == 0.0
    np.testing.assert_array_equal(r.totals, [40] * 4)
    assert r.generations["generation"].max() == 1


def test_supercritical_without_market_warns_and_stops_at_the_cap():
    with pytest.warns(RuntimeWarning, match=r"K = 1.5 >= 1 and no market_size"):
        r = simulate_referrals(10, 3, 0.5, max_buyers=10**6, seed=4)
    assert r.capped.all()
    assert 10**6 <= r.total < 10**6 * 3  # the crossing generation is kept
    assert r.max_buyers == 10**6
    np.testing.assert_array_equal(r.over_cap, r.totals > 10**6)


def test_passing_max_buyers_is_said():
    # subcritical but stopped by the cap: the warning says the total passed it
    with pytest.warns(RuntimeWarning, match=r"1 passed max_buyers \(the generation that crossed"):
        r = simulate_referrals(1_000, 1.0, 0.9, max_buyers=1_500, seed=1)
    assert r.over_cap.tolist() == [True] and r.total > 1_500
    assert r.generations["cumulative_buyers"].iloc[-2] < 1_500 <= r.total
    with pytest.warns(RuntimeWarning, match="explosive"):
        r = simulate_referrals(10, 3, 0.5, max_generations=5, seed=4)
    assert r.generations["generation"].max() == 5
    assert r.total < MAX_BUYERS


def test_truncated_subcritical_run_warns():
    with pytest.warns(RuntimeWarning, match="still growing when stopped"):
        r = simulate_referrals(10_000, 1.9, 0.5, max_generations=3, seed=1)
    assert r.capped.all()


def test_finite_market_saturates_and_never_exceeds_it():
    m = 200_000
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a market size means no explosion warning
        r = simulate_referrals(50, 10, 0.5, market_size=m, replications=20, seed=8)
    assert (r.totals <= m).all()
    assert (r.totals > 0.95 * m).all()  # K = 5 reaches almost everyone
    assert (r.generations.groupby("replication")["new_buyers"].last() == 0).all()
    assert r.expected_total == m


@pytest.mark.slow
def test_finite_market_follows_the_mean_field_recursion():
    # Expected next generation: min(X, M) distinct targets, a share (M - B) / M of them new,
    # so n' = K n (1 - B / M) for X << M: logistic-like, and the simulated mean tracks it.
    m, s, k, reps = 1_000_000, 100, 1.6, 200
    r = simulate_referrals(s, 4, 0.4, market_size=m, replications=reps, seed=21)
    sim = r.generations.groupby("generation")["cumulative_buyers"].mean()
    n, b, ref = float(s), float(s), [float(s)]
    for _ in range(int(sim.index.max())):
        n = k * n * (1 - b / m)
        b += n
        ref.append(b)
    ref_arr = np.array(ref)
    final = sim.to_numpy()[-1]
    assert abs(final / ref_arr[-1] - 1) < 0.02
    assert final < m


@given(
    s=st.integers(0, 500),
    lam=st.floats(0, 6),
    c=st.floats(0, 1),
    market=st.one_of(st.none(), st.integers(500, 50_000)),
    negbin=st.booleans(),
    scores=st.one_of(st.none(), st.lists(st.integers(0, 10), min_size=1, max_size=20)),
    reps=st.integers(1, 3),
    seed=st.integers(0, 2**32),
)
def test_cascade_invariants(s, lam, c, market, negbin, scores, reps, seed):
    kw: dict = {"invite_distribution": "negbin", "dispersion": 1.3} if negbin else {}
    invites: float | dict = lam
    if scores is not None:  # NPS segments; detractors stay silent
        kw["segments"] = scores
        invites = {"promoter": lam, "passive": lam / 2, "detractor": 0.0}
    kw.update(market_size=market, max_generations=60, max_buyers=10**7, replications=reps)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        r = simulate_referrals(s, invites, c, seed=seed, **kw)
        again = simulate_referrals(s, invites, c, seed=seed, **kw)
    g = r.generations
    assert (g["new_buyers"] >= 0).all()
    by = g.groupby("replication") if reps > 1 else g.groupby(np.zeros(len(g), int))
    assert by["cumulative_buyers"].apply(lambda x: x.is_monotonic_increasing).all()
    assert (g.loc[g["generation"] == 0, "new_buyers"] == s).all()
    np.testing.assert_array_equal(by["cumulative_buyers"].last().to_numpy(), r.totals)
    assert (r.totals >= s).all()
    if market is not None:
        assert (r.totals <= market).all()
    pd.testing.assert_frame_equal(g, again.generations)


# -- Bass diffusion ----------------------------------------------------------------------------


def test_bass_closed_form_values():
    p, q, m = 0.03, 0.38, 10_000
    assert bass_adopters(p, q, m, 0.0) == 0.0
    t = np.array([1.0, 5.0, 50.0])
    e = np.exp(-(p + q) * t)
    np.testing.assert_allclose(bass_adopters(p, q, m, t), m * (1 - e) / (1 + q / p * e))
    assert bass_adopters(p, q, m, 200.0) == pytest.approx(m)
    # q = 0: pure external influence is exponential saturation 1 - e^{-pt}
    assert bass_adopters(0.1, 0.0, 100, 3.0) == pytest.approx(100 * (1 - math.exp(-0.3)))
    # the hazard equation f / (1 - F) = p + q F holds (numerical derivative)
    h = 1e-6
    f = (bass_adopters(p, q, 1, 4.0 + h) - bass_adopters(p, q, 1, 4.0 - h)) / (2 * h)
    big_f = bass_adopters(p, q, 1, 4.0)
    assert f / (1 - big_f) == pytest.approx(p + q * big_f, rel=1e-6)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((0.0, 0.3, 100, 1.0), r"p must be in \(0, 1\], got 0.0"),
        ((0.1, -0.3, 100, 1.0), r"q must be in \[0, 1\]"),
        ((0.6, 0.6, 100, 1.0), r"p \+ q must be <= 1"),
        ((0.1, 0.3, 0, 1.0), r"m must be in \[1, 1000000000000\], got 0"),
        ((0.1, 0.3, 100, -1.0), "t must be >= 0, got -1.0"),
        ((0.1, 0.3, 100, [1.0, np.nan]), "t must be finite numbers, got nan at position 1"),
        ((0.1, 0.3, 100, [2.0, -3.0]), "t must be >= 0, got -3 at position 1"),
        ((0.1, 0.3, 1.5, 1.0), "m must be a whole number, got 1.5"),
    ],
)
def test_bass_adopters_validates(args, match):
    with pytest.raises(ValueError, match=match):
        bass_adopters(*args)


@pytest.mark.parametrize(
    ("t", "match"),
    [
        ("3", "t must be a real number, got '3'"),
        (["1", "2"], "t must be a number or an array of numbers"),
    ],
)
def test_bass_adopters_rejects_non_numeric_times(t, match):
    with pytest.raises(TypeError, match=match):
        bass_adopters(0.1, 0.3, 100, t)


def test_simulate_bass_frame_and_split():
    r = simulate_bass(0.03, 0.38, 10_000, 25, seed=3)
    f = r.periods
    assert f["period"].tolist() == list(range(1, 26))
    np.testing.assert_array_equal(f["innovators"] + f["imitators"], f["new_adopters"])
    np.testing.assert_array_equal(f["cumulative_adopters"], np.cumsum(f["new_adopters"]))
    assert f["cumulative_adopters"].iloc[-1] <= 10_000
    # early on innovation dominates, later imitation (word of mouth) does
    assert f["innovators"].iloc[0] > f["imitators"].iloc[0]
    assert f["imitators"].iloc[8] > f["innovators"].iloc[8]
    pd.testing.assert_frame_equal(f, simulate_bass(0.03, 0.38, 10_000, 25, seed=3).periods)
    with pytest.raises(ValueError, match=r"periods must be in \[1, 20000000\], got 0"):
        simulate_bass(0.03, 0.38, 10_000, 0)
    with pytest.raises(ValueError, match=r"replications must be in \[1, 20000000\], got 0"):
        simulate_bass(0.03, 0.38, 10_000, 5, replications=0)
    with pytest.raises(TypeError, match="p must be a real number"):
        simulate_bass("0.03", 0.38, 10_000, 5)


def test_simulate_bass_tracks_the_discrete_expectation():
    p, q, m, reps, periods = 0.02, 0.3, 100_000, 300, 30
    r = simulate_bass(p, q, m, periods, replications=reps, seed=12)
    by = r.periods.groupby("period")
    mean = by["cumulative_adopters"].mean().to_numpy()
    se = by["cumulative_adopters"].std(ddof=1).to_numpy() / math.sqrt(reps)
    expected = by["expected_cumulative"].first().to_numpy()
    # The recursion is the map g(A) = A + (p + qA/m)(m - A) applied to the mean, but
    # E[g(A)] = g(E[A]) - (q/m) Var(A) exactly (g is quadratic), so the mean lags the
    # recursion by a bias b with b' = g'(a) b - (q/m) Var(A): a few adopters here.
    var = by["cumulative_adopters"].var(ddof=1).to_numpy()
    bias = [0.0]
    for t in range(1, periods):
        slope = 1 - p + q - 2 * q * expected[t - 1] / m
        bias.append(slope * bias[-1] - q / m * var[t - 1])
    assert np.all(np.abs(mean - expected - np.array(bias)) < 4 * se)
    assert np.max(np.abs(bias)) < 1e-4 * m  # O(1) adopters: O(1/m) relative to the market
    # one step of the recursion is an Euler step of the Bass equation: with p + q = 0.32
    # per period the two differ by a few % of m ...
    closed = by["continuous_bass"].first().to_numpy()
    assert 0.01 < np.max(np.abs(expected - closed)) / m < 0.1


def test_simulate_bass_new_adopters_have_the_binomial_law():
    # Given A adopters, the next period's adopters are Binomial(m - A, p + qA/m): the
    # residuals X - (m - A) h are martingale differences with variance (m - A) h (1 - h),
    # so their standardised sum is about N(0, 1); innovators are Binomial(X, p / h).
    p, q, m = 0.01, 0.4, 5_000
    f = simulate_bass(p, q, m, 40, replications=200, seed=4).periods
    before = f.groupby("replication")["cumulative_adopters"].shift(fill_value=0).to_numpy()
    h = p + q * before / m
    x = f["new_adopters"].to_numpy()
    z = np.sum(x - (m - before) * h) / math.sqrt(np.sum((m - before) * h * (1 - h)))
    assert abs(z) < 4
    w = p / h
    innov = f["innovators"].to_numpy()
    z = np.sum(innov - x * w) / math.sqrt(np.sum(x * w * (1 - w)))
    assert abs(z) < 4


def test_discrete_bass_approaches_the_closed_form_for_small_steps():
    # ... and with p + q = 0.055 per period (finer periods) by under 1 %.
    r = simulate_bass(0.005, 0.05, 100_000, 150, seed=1).periods
    gap = np.abs(r["expected_cumulative"] - r["continuous_bass"]).max() / 100_000
    assert gap < 0.01
    assert np.abs(r["cumulative_adopters"] - r["continuous_bass"]).max() / 100_000 < 0.02


def test_the_gap_to_the_continuous_curve_grows_with_the_period_length():
    # The same yearly rates p = 0.03, q = 0.38 in years, months and weeks: the largest
    # relative gap falls roughly in proportion to the period (first-order Euler error).
    gaps = []
    for per_year in (1, 12, 52):
        f = simulate_bass(0.03 / per_year, 0.38 / per_year, 10_000, 10 * per_year, seed=0).periods
        np.testing.assert_allclose(
            f["gap_to_continuous"], f["expected_cumulative"] - f["continuous_bass"], rtol=0
        )
        np.testing.assert_allclose(
            f["continuous_bass"],
            bass_adopters(0.03, 0.38, 10_000, f["period"].to_numpy() / per_year),
            rtol=1e-12,
        )
        gaps.append(np.max(np.abs(f["gap_to_continuous"] / f["continuous_bass"])))
    assert gaps[0] == pytest.approx(0.1846, abs=1e-4)  # the "18 % below" of yearly periods
    assert 0.015 < gaps[1] < 0.02 and 0.003 < gaps[2] < 0.005
    assert gaps[0] / gaps[1] == pytest.approx(12, rel=0.3)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"m": 10**13}, r"m must be in \[1, 1000000000000\], got 10000000000000"),
        ({"periods": 10**9}, r"periods must be in \[1, 20000000\]"),
        (
            {"periods": 1_000, "replications": 100_000},
            r"replications \* periods must be <= 20,000,000 .*got 100,000 \* 1,000",
        ),
    ],
)
def test_simulate_bass_caps(kwargs, match):
    args = {"p": 0.03, "q": 0.38, "m": 1_000, "periods": 10} | kwargs
    with pytest.raises(ValueError, match=match):
        simulate_bass(**args)
    if "m" in kwargs:
        with pytest.raises(ValueError, match=match):
            bass_adopters(0.03, 0.38, kwargs["m"], 1.0)


def test_simulate_bass_frame_by_hand():
    # m = 10, p = 0.5, q = 0: expected adopters halve the non-adopters every period
    f = simulate_bass(0.5, 0.0, 10, 3, seed=2).periods
    assert list(f.columns) == [
        "period",
        "new_adopters",
        "innovators",
        "imitators",
        "cumulative_adopters",
        "expected_cumulative",
        "continuous_bass",
        "gap_to_continuous",
    ]
    assert f["period"].tolist() == [1, 2, 3]
    assert f["expected_cumulative"].tolist() == [5.0, 7.5, 8.75]
    np.testing.assert_allclose(f["continuous_bass"], 10 * (1 - np.exp(-0.5 * np.arange(1, 4))))
    assert (f["imitators"] == 0).all()  # q = 0: every adopter is an innovator
    assert (f["innovators"] == f["new_adopters"]).all()
    assert (f["cumulative_adopters"] == f["new_adopters"].cumsum()).all()


def test_package_exports_referral_names():
    for name in (
        "viral_coefficient",
        "simulate_referrals",
        "bass_adopters",
        "simulate_bass",
        "nps",
        "nps_breakdown",
        "viral_coefficient_from_nps",
    ):
        assert name in fs.__all__ and callable(getattr(fs, name))


# -- every column by hand; K exactly 1 ------------------------------------------------------


def test_referral_frame_every_column_by_hand():
    # nobody invites: generation 0 only, then an empty generation that stops the run
    r = simulate_referrals(40, 0.0, 0.5, cycle_time=2.5, replications=2, seed=1)
    g = r.generations
    assert list(g.columns) == [
        "replication",
        "generation",
        "time",
        "new_buyers",
        "cumulative_buyers",
    ]
    assert g["replication"].tolist() == [0, 0, 1, 1]
    assert g["generation"].tolist() == [0, 1, 0, 1]
    assert g["time"].tolist() == [0.0, 2.5, 0.0, 2.5]
    assert g["new_buyers"].tolist() == [40, 0, 40, 0]
    assert g["cumulative_buyers"].tolist() == [40, 40, 40, 40]
    assert r.totals.tolist() == [40, 40] and r.total == 40.0
    assert r.capped.tolist() == [False, False] and r.over_cap.tolist() == [False, False]
    assert r.k == 0.0 and r.expected_total == 40.0
    # everyone in a market of 40 is already a buyer: invitations are all wasted
    full = simulate_referrals(40, 5.0, 1.0, market_size=40, seed=2)
    assert full.generations["new_buyers"].tolist() == [40, 0]
    assert full.expected_total == 40.0  # K >= 1: the market


def test_k_exactly_one():
    assert viral_coefficient(2, 0.5) == 1.0
    assert (
        viral_coefficient_from_nps(
            {"promoter": 0.5, "passive": 0.5, "detractor": 0.0},
            {"promoter": 3.0, "passive": 1.0, "detractor": 0.0},
            0.5,
        )
        == 1.0
    )
    # critical cascade: it dies out with probability 1 but its mean total is infinite
    with pytest.warns(RuntimeWarning, match=r"K = 1 >= 1 and no market_size"):
        r = simulate_referrals(10, 2.0, 0.5, max_generations=20, seed=3)
    assert r.k == 1.0 and r.expected_total == math.inf
    r = simulate_referrals(10, 2.0, 0.5, market_size=1_000, max_generations=2_000, seed=3)
    assert r.expected_total == 1_000.0
    # just below 1 the closed form s / (1 - K) holds
    with pytest.warns(RuntimeWarning, match=r"still growing when stopped by max_generations=0"):
        r = simulate_referrals(10, 1.98, 0.5, max_generations=0, seed=3)
    assert r.expected_total == pytest.approx(10 / 0.01, rel=1e-12)


def test_old_argument_names_work_for_one_release_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match=r"simulate_referrals\(invites=\.\.\.\) is dep"):
        old = simulate_referrals(200, 3, 0.2, invites="negbin", dispersion=0.5, seed=4)
    new = simulate_referrals(200, 3, 0.2, invite_distribution="negbin", dispersion=0.5, seed=4)
    pd.testing.assert_frame_equal(old.generations, new.generations)
    with pytest.raises(TypeError, match=r"got both invites= \(its old name\) and invite_distr"):
        simulate_referrals(200, 3, 0.2, invites="negbin", invite_distribution="negbin")
    rates = {"promoter": 2, "passive": 1, "detractor": 0}
    with pytest.warns(
        DeprecationWarning, match=r"use viral_coefficient_from_nps\(invites_per_user"
    ):
        k = viral_coefficient_from_nps([10, 9, 7, 2], invites=rates, invite_conversion=0.5)
    assert k == viral_coefficient_from_nps([10, 9, 7, 2], rates, 0.5)


# -- NPS intervals (lesson 07) ----------------------------------------------------------------

from funnelsim.referral import (  # noqa: E402
    NO_RESPONSE,
    NPSInterval,
    RewardResponse,
    expected_viral_users,
    nps_ci,
    nps_difference_ci,
    referral_programme,
    simulate_nps_survey,
)

_MIX = {"promoter": 0.45, "passive": 0.30, "detractor": 0.25}


def _scores(promoters: int, passives: int, detractors: int) -> list[int]:
    return [10] * promoters + [8] * passives + [3] * detractors


def test_nps_ci_is_the_adjusted_wald_interval_by_hand():
    ci = nps_ci(_scores(50, 30, 20))
    # n' = 103, p+ = 50.75/103, p- = 20.75/103 (Rocks 2016)
    p_pro, p_det = 50.75 / 103, 20.75 / 103
    centre = p_pro - p_det
    half = stats.norm.ppf(0.975) * math.sqrt((p_pro + p_det - centre**2) / 103)
    assert ci.nps == 30.0
    assert ci.answers == 100
    assert math.isclose(ci.low, 100 * (centre - half), rel_tol=1e-12)
    assert math.isclose(ci.high, 100 * (centre + half), rel_tol=1e-12)
    assert math.isclose(ci.half_width, 100 * half, rel_tol=1e-12)


def test_three_answers_are_not_an_nps():
    ci = nps_ci([10, 10, 9])
    assert ci.nps == 100.0
    assert ci.high - ci.low > 100  # the interval spans more than half the scale
    assert ci.low < 0 < ci.high or ci.low < 10
    assert ci.high == 100.0  # truncated at the largest possible value
    many = nps_ci([10] * 300)
    assert many.half_width < ci.half_width / 5


def test_nps_ci_narrows_like_one_over_root_n():
    small = nps_ci(_scores(45, 30, 25))
    large = nps_ci(_scores(4500, 3000, 2500))
    assert math.isclose(small.half_width / large.half_width, 10, rel_tol=0.05)


@pytest.mark.parametrize("answers", [20, 60, 300])
def test_nps_ci_covers_the_true_nps_at_its_level(answers):
    reps = 2_000
    rng = np.random.default_rng(20260)
    truth = 100 * (_MIX["promoter"] - _MIX["detractor"])
    counts = rng.multinomial(answers, [0.45, 0.30, 0.25], size=reps)
    hits = 0
    for promoters, passives, detractors in counts:
        ci = nps_ci(_scores(promoters, passives, detractors))
        hits += ci.low <= truth <= ci.high
    coverage = hits / reps
    se = math.sqrt(0.95 * 0.05 / reps)
    # Rocks (2016): adjusted-Wald coverage stays within about a point of nominal
    assert abs(coverage - 0.95) < 0.01 + 3 * se


def test_nps_difference_ci_covers_the_true_difference():
    reps = 2_000
    rng = np.random.default_rng(7)
    a = rng.multinomial(80, [0.45, 0.30, 0.25], size=reps)
    b = rng.multinomial(120, [0.35, 0.35, 0.30], size=reps)
    truth = 100 * (0.45 - 0.25) - 100 * (0.35 - 0.30)
    hits = sum(
        nps_difference_ci(_scores(*x), _scores(*y)).low
        <= truth
        <= nps_difference_ci(_scores(*x), _scores(*y)).high
        for x, y in zip(a, b, strict=True)
    )
    se = math.sqrt(0.95 * 0.05 / reps)
    assert abs(hits / reps - 0.95) < 0.01 + 3 * se


def test_nps_difference_ci_by_hand_and_symmetry():
    a, b = _scores(45, 35, 20), _scores(40, 35, 25)
    d = nps_difference_ci(a, b)
    ca, cb = nps_ci(a), nps_ci(b)
    assert d.nps == nps(a) - nps(b) == 10.0
    assert d.answers == (100, 100)
    # half width: z·sqrt(var_a + var_b), each half width is z·sqrt(var)
    assert math.isclose(d.half_width, math.hypot(ca.half_width, cb.half_width), rel_tol=1e-12)
    assert not d.excludes_zero
    r = nps_difference_ci(b, a)
    assert math.isclose(r.low, -d.high) and math.isclose(r.high, -d.low)
    big = nps_difference_ci(a * 40, b * 40)
    assert big.excludes_zero


def test_nps_interval_prints_and_exports():
    ci = nps_ci(_scores(50, 30, 20), confidence=0.9)
    assert isinstance(ci, NPSInterval)
    assert str(ci).startswith("NPS +30.0 (90 % CI")
    assert ci.as_dict()["answers"] == 100
    assert "100 and 100 answers" in str(nps_difference_ci([10] * 100, [0] * 100))
    tiny = nps_difference_ci([10] * 2, [0] * 2)
    # centred on the adjusted estimate: two answers each cannot confirm even +200
    assert tiny.nps == 200.0
    assert tiny.low < 0 < tiny.high <= 200.0


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: nps_ci([10, 9], confidence=1.0), ValueError, r"confidence must be in \(0, 1\)"),
        (lambda: nps_ci([10, 9], confidence=0), ValueError, "confidence must be"),
        (lambda: nps_ci([]), ValueError, "scores must not be empty"),
        (lambda: nps_ci([10, 11]), ValueError, "got 11 at position 1"),
        (lambda: nps_difference_ci([10], "9"), TypeError, "scores must be a sequence"),
    ],
)
def test_nps_ci_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_simulate_nps_survey_draws_the_population_mix():
    scores = simulate_nps_survey(_MIX, 40_000, seed=3)
    shares = nps_breakdown(scores)
    for segment, p in _MIX.items():
        assert abs(shares[segment] - p) < 4 * math.sqrt(p * (1 - p) / 40_000)
    assert np.array_equal(scores, simulate_nps_survey(_MIX, 40_000, seed=3))
    assert set(np.unique(scores)) <= set(range(11))
    with pytest.raises(ValueError, match="answers must be"):
        simulate_nps_survey(_MIX, 0, seed=1)
    with pytest.raises(ValueError, match="segment shares must sum to 1"):
        simulate_nps_survey({"promoter": 0.5}, 10, seed=1)


# -- expected users over n cycles ---------------------------------------------------------------


@given(
    u0=st.floats(0, 1e6),
    k=st.floats(0, 3),
    paid=st.floats(0, 1e4),
    n=st.integers(0, 30),
)
def test_expected_viral_users_matches_the_recursion(u0, k, paid, n):
    frame = expected_viral_users(u0, k, n, paid_per_cycle=paid)
    new, total = u0, u0
    for _ in range(n):
        new = paid + k * new
        total += new
    assert math.isclose(frame["new_users"].iloc[-1], new, rel_tol=1e-7, abs_tol=1e-6)
    assert math.isclose(frame["cumulative_users"].iloc[-1], total, rel_tol=1e-7, abs_tol=1e-6)
    assert np.allclose(
        frame["paid_users"] + frame["referred_users"],
        frame["new_users"].where(frame["cycle"] > 0, 0.0),
    )


def test_expected_viral_users_at_k_one_is_the_limit_of_the_closed_form():
    at_one = expected_viral_users(500, 1.0, 12, paid_per_cycle=50)
    near = expected_viral_users(500, 1.0 - 1e-7, 12, paid_per_cycle=50)
    assert at_one["cumulative_users"].iloc[-1] == 13 * 500 + 50 * 12 * 13 / 2
    assert np.allclose(at_one["cumulative_users"], near["cumulative_users"], rtol=1e-5)


def test_half_a_user_per_user_doubles_every_paid_cohort():
    frame = expected_viral_users(0, 0.5, 60, paid_per_cycle=1_000)
    assert math.isclose(frame["new_users"].iloc[-1], 2_000, rel_tol=1e-9)
    one_cohort = expected_viral_users(1_000, 0.5, 60)
    assert math.isclose(one_cohort["cumulative_users"].iloc[-1], 2_000, rel_tol=1e-9)


def test_expected_viral_users_is_the_mean_of_the_simulated_cascade():
    for k in (0.5, 1.0, 1.3):
        n = 6
        with warnings.catch_warnings():  # stopped after n generations on purpose
            warnings.simplefilter("ignore", RuntimeWarning)
            sim = simulate_referrals(
                200, k, 1.0, max_generations=n, replications=4_000, seed=11, cycle_time=7
            )
        totals = sim.totals
        expected = expected_viral_users(200, k, n, cycle_time=7)
        se = totals.std(ddof=1) / math.sqrt(totals.size)
        assert abs(totals.mean() - expected["cumulative_users"].iloc[-1]) < 4 * se
        assert expected["time"].iloc[-1] == 42.0


def test_expected_viral_users_errors_and_overflow():
    with pytest.raises(ValueError, match=r"k must be in \[0, 100\], got -0.1"):
        expected_viral_users(10, -0.1, 3)
    with pytest.raises(ValueError, match="cycle_time must be > 0"):
        expected_viral_users(10, 0.5, 3, cycle_time=0)
    with pytest.raises(ValueError, match="cycles must be"):
        expected_viral_users(10, 0.5, -1)
    huge = expected_viral_users(10, 100, 400)
    assert np.isinf(huge["cumulative_users"].iloc[-1])
    assert not huge.isna().any().any()


# -- rewards that change behaviour --------------------------------------------------------------


def test_reward_response_is_a_hill_curve():
    resp = RewardResponse(max_lift=0.8, half_saturation=15.0, shape=2.0)
    assert resp.factor(0) == 1.0
    assert math.isclose(resp.factor(15.0), 1.4)
    assert math.isclose(resp.factor(1e9), 1.8, rel_tol=1e-9)
    assert np.all(np.diff(resp.factor(np.linspace(0, 100, 50))) > 0)
    assert NO_RESPONSE.factor(1_000) == 1.0
    with pytest.raises(ValueError, match="half_saturation must be > 0"):
        RewardResponse(half_saturation=0)
    with pytest.raises(ValueError, match="reward must be >= 0"):
        resp.factor(-1)


def test_referral_programme_roi_by_hand():
    t = referral_programme(
        1_000,
        2.0,
        0.2,
        ltv=100.0,
        referrer_reward=20.0,
        referral_reward=10.0,
        programme_cost=2_000,
        cycles=1,
        invites_response=RewardResponse(max_lift=1.0, half_saturation=20.0),
        conversion_response=RewardResponse(max_lift=0.5, half_saturation=10.0),
    ).iloc[0]
    # invites 2 × 1.5 = 3, conversion 0.2 × 1.25 = 0.25, K = 0.75; one cycle
    assert math.isclose(t["k"], 0.75)
    assert math.isclose(t["referred_customers"], 750)
    assert math.isclose(t["incremental_customers"], 750 - 400)
    cost = 750 * 30 + 2_000
    assert math.isclose(t["total_cost"], cost)
    assert math.isclose(t["roi"], (350 * 100 - cost) / cost)
    assert math.isclose(t["profit"], 350 * 100 - cost)


def test_a_reward_that_changes_nothing_only_costs():
    t = referral_programme(
        500,
        1.0,
        0.3,
        ltv=80.0,
        referrer_reward=[0.0, 10.0, 50.0],
        invites_response=NO_RESPONSE,
        conversion_response=NO_RESPONSE,
        programme_cost=1_000,
    )
    assert (t["incremental_customers"] == 0).all()
    assert (t["roi"] <= -1 + 1e-12).all()
    assert t["referred_customers"].nunique() == 1


def test_roi_peaks_at_a_smaller_reward_than_profit():
    rewards = np.arange(0, 101, 1.0)
    t = referral_programme(
        1_000, 1.0, 0.3, ltv=120.0, referrer_reward=rewards, programme_cost=3_000
    )
    best_roi = t.loc[t["roi"].idxmax(), "referrer_reward"]
    best_profit = t.loc[t["profit"].idxmax(), "referrer_reward"]
    assert 0 < best_roi < best_profit < 100
    grid = referral_programme(
        1_000, 1.0, 0.2, ltv=120.0, referrer_reward=[0, 10], referral_reward=[0, 5, 10]
    )
    assert len(grid) == 6
    assert math.isnan(grid["roi"].iloc[0])  # nothing spent, nothing to divide by


def test_referral_programme_errors():
    with pytest.raises(ValueError, match=r"invite_conversion × \(1 \+ conversion_response"):
        referral_programme(100, 1.0, 0.8, ltv=10.0)
    with pytest.raises(TypeError, match="invites_response must be a RewardResponse"):
        referral_programme(100, 1.0, 0.2, ltv=10.0, invites_response=2.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="referrer_reward must be >= 0"):
        referral_programme(100, 1.0, 0.2, ltv=10.0, referrer_reward=[5, -1])
    with pytest.raises(ValueError, match="customers must be > 0"):
        referral_programme(0, 1.0, 0.2, ltv=10.0)


def test_nps_difference_interval_stays_within_plus_minus_200():
    # one detractor against one promoter at a very high confidence: the adjusted Wald
    # interval would pass ±200, the range of a difference of two NPS (mutation survivor)
    d = fs.nps_difference_ci([0], [10], confidence=0.999999).as_dict()
    assert (d["low"], d["high"]) == (-200.0, 200.0)
