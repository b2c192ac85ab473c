"""Referral and virality: the viral coefficient, referral cascades, Bass diffusion, NPS.

What is here (lesson 07): :func:`nps` and :func:`nps_ci` / :func:`nps_difference_ci`
(the score with its adjusted-Wald interval); :func:`viral_coefficient`;
:func:`expected_viral_users` (expected users after *n* cycles for any K, with paid
acquisition and a time axis); :func:`simulate_referrals` (the random cascade, with an
optional finite market); :func:`referral_programme` (a two-sided reward that changes
invites and conversion through a :class:`RewardResponse` curve, with its cost and
ROI); :func:`simulate_bass` (word of mouth vs advertising).

The viral coefficient
---------------------
If each buyer sends ``i`` invites on average and each invite converts with
probability ``c``, a generation of ``n`` buyers brings ``n · i · c`` new ones:
``K = i · c`` (the source writes it as users × invites × conversion / users).
Starting from ``s`` seed buyers the expected generations are ``s, sK, sK², …``,
so for ``K < 1`` the expected total is the geometric sum ``s / (1 − K)``; for
``K ≥ 1`` the cascade grows until it runs out of people.

How a cascade is drawn
----------------------
:func:`simulate_referrals` draws one generation at a time and never loops over
buyers. It uses two exact identities instead of one draw per buyer:

* **Poisson invites.** A buyer's invites are Poisson(``i``); keeping each with
  probability ``c`` (thinning) leaves Poisson(``i·c``) converted invites, and the
  sum over ``n`` independent buyers is Poisson(``n·i·c``). One Poisson draw per
  generation therefore has exactly the law of ``n`` per-buyer draws.
* **Negative-binomial invites** (over-dispersed: a few enthusiasts invite many
  friends). With size ``r`` (``dispersion``) and mean ``i`` the variance is
  ``i + i²/r``. A negative binomial is a gamma mixture of Poissons, so thinning
  by ``c`` keeps ``r`` and scales the mean to ``i·c``; the sum of ``n`` iid
  NB(``r``, ``p``) is NB(``n·r``, ``p``) with ``p = r / (r + i·c)``. Again one draw
  per generation.

Both identities are checked in ``tests/test_referral.py`` against a per-buyer
numpy baseline.

A finite market
---------------
With ``market_size = M``, the converted invites of a generation land on
distinct members of the market chosen uniformly at random (a person accepts at
most one invitation per cycle); only those who are not buyers yet become new
buyers. With ``B`` buyers so far and ``X`` converted invites, the new buyers are
Hypergeometric(``M − B`` good, ``B`` bad, ``min(X, M)`` drawn): invitations to
people already in are wasted. Growth is then logistic-like and stops at ``M``.

Bass diffusion
--------------
:func:`bass_adopters` is the closed form of the Bass (1969) model and
:func:`simulate_bass` its stochastic discrete-time version: ``p`` is the
coefficient of innovation (adoption driven from outside: advertising, paid
acquisition), ``q`` the coefficient of imitation (adoption driven by people who
already adopted: word of mouth, referrals).

NPS
---
:func:`nps` and :func:`nps_breakdown` score the 0–10 "how likely are you to
recommend us?" answers; :func:`viral_coefficient_from_nps` lets promoters,
passives and detractors invite at their own rates, and the same mapping can be
passed to :func:`simulate_referrals` so the NPS mix drives ``K``. Shares and
the score come from the counts (``100 * (promoters - detractors) / answers``), so
a whole-number NPS is whole.

Limits
------
Sizes are checked before any work, with the parameter and the cap named:
``MAX_BUYERS`` (10⁹ seed buyers, and the largest ``max_buyers``),
``MAX_MARKET`` (numpy's hypergeometric limit), ``MAX_INVITES`` (10⁶ invites per
user), ``MAX_ROWS`` (2·10⁷ rows of a generation or period table) and
``MAX_BASS_MARKET`` (10¹² people).
"""

from __future__ import annotations

import math
import numbers
import statistics
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from funnelsim._deprecation import renamed_keywords
from funnelsim._random import as_generator, seed_entropy
from funnelsim._validation import (
    check_choice,
    check_int,
    check_probability,
    check_real,
    check_real_array,
)

__all__ = [
    "NO_RESPONSE",
    "NPS_SEGMENTS",
    "BassResult",
    "NPSInterval",
    "ReferralResult",
    "RewardResponse",
    "bass_adopters",
    "expected_viral_users",
    "nps",
    "nps_breakdown",
    "nps_ci",
    "nps_difference_ci",
    "referral_programme",
    "simulate_bass",
    "simulate_nps_survey",
    "simulate_referrals",
    "viral_coefficient",
    "viral_coefficient_from_nps",
]

#: NPS segments in the order :func:`nps_breakdown` reports them.
NPS_SEGMENTS = ("promoter", "passive", "detractor")
#: Default and largest cap on the cumulative buyers of one cascade, and the largest
#: number of seed buyers (10⁹ buyers).
MAX_BUYERS = 1_000_000_000
#: Largest market :func:`simulate_referrals` accepts (numpy's hypergeometric limit).
MAX_MARKET = 999_999_999
#: Largest mean invites per user accepted (keeps every aggregate draw inside int64).
MAX_INVITES = 1_000_000.0
#: Largest number of rows of a result table: ``replications * (max_generations + 1)``
#: for :func:`simulate_referrals`, ``replications * periods`` for
#: :func:`simulate_bass` (about 40 bytes a row).
MAX_ROWS = 20_000_000
#: Largest Bass market potential ``m`` (10¹²: a hundred times the world's population,
#: far inside int64 and exactly representable as a float).
MAX_BASS_MARKET = 1_000_000_000_000


# -- the viral coefficient -------------------------------------------------------------------


def viral_coefficient(invites_per_user: float, invite_conversion: float) -> float:
    """The viral coefficient K: new users brought in by one user.

    The source's formula is ``users × invites_per_user × invite_conversion / users``;
    the number of users cancels, leaving ``invites_per_user × invite_conversion``.

    Parameters
    ----------
    invites_per_user : float
        Mean invites one user sends during a viral cycle, in [0, 10⁶].
    invite_conversion : float
        Probability that an invite turns into a new user, in [0, 1].

    Returns
    -------
    float
        K. Above 1 every generation is larger than the one before
        (self-sustaining growth); below 1 the cascade dies out.

    Examples
    --------
    >>> viral_coefficient(4, 0.2)
    0.8
    """
    i = check_real("invites_per_user", invites_per_user, low=0.0, high=MAX_INVITES)
    c = check_probability("invite_conversion", invite_conversion)
    return i * c


# -- NPS ---------------------------------------------------------------------------------


def _check_scores(scores: Any) -> np.ndarray:
    """0–10 integer scores as an int64 array, or an error naming the bad value and position."""
    if isinstance(scores, str | bytes) or np.ndim(scores) == 0:
        raise TypeError(f"scores must be a sequence of 0-10 integers, got {scores!r}")
    if isinstance(scores, np.ndarray | pd.Series) and scores.dtype.kind in "iuf":
        arr = np.ravel(np.asarray(scores))
    else:
        # Lists (and object arrays) are checked element by element, so that a
        # True, a None or a "7" is reported rather than silently converted.
        items = np.ravel(np.asarray(scores, dtype=object)).tolist()
        for i, v in enumerate(items):
            if isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Real):
                raise TypeError(f"scores must be numbers from 0 to 10, got {v!r} at position {i}")
        arr = np.asarray(items, dtype=float)
    if arr.size == 0:
        raise ValueError("scores must not be empty, got 0 answers")
    if arr.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(arr) | (arr != np.round(arr)))
        if bad.size:
            i = int(bad[0])
            raise ValueError(
                f"scores must be whole numbers from 0 to 10, got {arr[i].item()!r} at position {i}"
            )
    out = np.flatnonzero((arr < 0) | (arr > 10))
    if out.size:
        i = int(out[0])
        raise ValueError(f"scores must be from 0 to 10, got {arr[i].item():g} at position {i}")
    return arr.astype(np.int64)


def nps_breakdown(scores: Any) -> pd.Series:
    """Shares of promoters (9–10), passives (7–8) and detractors (0–6).

    Parameters
    ----------
    scores : sequence of int
        Answers to "how likely are you to recommend us?", whole numbers 0–10.
        Bad answers (non-integers, NaN, out of range, empty input) raise an
        error naming the first offending value and its position; nothing is
        clipped or dropped.

    Returns
    -------
    pandas.Series
        Index ``promoter, passive, detractor``, values the shares (summing to
        1), name ``"share"``. It can be passed as ``segments`` to
        :func:`simulate_referrals` or :func:`viral_coefficient_from_nps`.
    """
    counts = _segment_counts(_check_scores(scores))
    return pd.Series(counts / counts.sum(), index=list(NPS_SEGMENTS), name="share")


def _segment_counts(s: np.ndarray) -> np.ndarray:
    """Promoters (9-10), passives (7-8) and detractors (0-6) among checked scores, int64."""
    promoters = np.count_nonzero(s >= 9)
    detractors = np.count_nonzero(s <= 6)
    return np.array([promoters, s.size - promoters - detractors, detractors], dtype=np.int64)


def nps(scores: Any) -> float:
    """Net Promoter Score: % promoters − % detractors, in [−100, 100].

    Parameters
    ----------
    scores : sequence of int
        Whole-number answers from 0 to 10 (see :func:`nps_breakdown` for the
        segments and the errors raised on bad answers).

    Returns
    -------
    float
        The NPS in percentage points, ``100 * (promoters - detractors) / answers``
        computed from the counts in that order, so a whole-number score comes out
        whole (subtracting the two shares would give -30.000000000000004 for 1
        promoter and 4 detractors among 10 answers).

    Examples
    --------
    >>> nps([10, 9, 8, 7, 6, 0])
    0.0
    >>> nps([10, 10, 10, 3])
    50.0
    >>> nps([10] + [0] * 4 + [8] * 5)
    -30.0
    """
    promoters, _, detractors = (int(c) for c in _segment_counts(_check_scores(scores)))
    return 100 * (promoters - detractors) / (promoters + _ + detractors)


# -- NPS intervals -----------------------------------------------------------------------

#: Pseudo-answers the adjusted-Wald interval adds (Rocks 2016): 3 in all, 3/4 of them
#: promoters, 3/4 detractors and the other 3/2 passives.
_NPS_PSEUDO_ANSWERS = 3.0
_NPS_PSEUDO_EACH = 0.75


@dataclass(frozen=True)
class NPSInterval:
    """An NPS (or a difference of two) with its adjusted-Wald confidence interval.

    All values are in NPS points (percentage points, −100..100 for one score,
    −200..200 for a difference).
    """

    #: The NPS from the counts (for a difference: NPS of ``a`` minus NPS of ``b``).
    nps: float
    #: Lower end of the interval, truncated at the smallest possible value.
    low: float
    #: Upper end of the interval, truncated at the largest possible value.
    high: float
    #: Confidence level, e.g. 0.95.
    confidence: float
    #: Answers behind the score (for a difference: ``(answers of a, answers of b)``).
    answers: int | tuple[int, int]

    @property
    def half_width(self) -> float:
        """Half the interval's width, in NPS points (the "± margin of error")."""
        return (self.high - self.low) / 2

    @property
    def excludes_zero(self) -> bool:
        """Whether the interval lies entirely above or below 0."""
        return self.low > 0 or self.high < 0

    def as_dict(self) -> dict[str, Any]:
        """The fields and the half width, e.g. for one row of a DataFrame."""
        return {
            "nps": self.nps,
            "low": self.low,
            "high": self.high,
            "half_width": self.half_width,
            "confidence": self.confidence,
            "answers": self.answers,
        }

    def __str__(self) -> str:
        pct = round(100 * self.confidence)
        n = self.answers
        who = f"{n:,} answers" if isinstance(n, int) else f"{n[0]:,} and {n[1]:,} answers"
        what = "NPS" if isinstance(n, int) else "NPS change"
        return f"{what} {self.nps:+.1f} ({pct} % CI {self.low:+.1f} to {self.high:+.1f}; {who})"


def _adjusted_wald(counts: np.ndarray) -> tuple[float, float, float]:
    """(adjusted NPS, its variance, n + 3) on the −1..1 scale, from segment counts."""
    promoters, _, detractors = (float(c) for c in counts)
    n_adj = float(counts.sum()) + _NPS_PSEUDO_ANSWERS
    p_pro = (promoters + _NPS_PSEUDO_EACH) / n_adj
    p_det = (detractors + _NPS_PSEUDO_EACH) / n_adj
    centre = p_pro - p_det
    return centre, (p_pro + p_det - centre**2) / n_adj, n_adj


def _z(confidence: Any) -> tuple[float, float]:
    """The level and its two-sided normal quantile (the standard library's, cheaper to import
    than scipy.stats)."""
    level = check_real("confidence", confidence, low=0.0, high=1.0, low_open=True, high_open=True)
    return level, statistics.NormalDist().inv_cdf(0.5 + level / 2)


def nps_ci(scores: Any, *, confidence: float = 0.95) -> NPSInterval:
    """NPS with its adjusted-Wald confidence interval (Rocks 2016).

    The NPS is a difference of two shares of one multinomial sample (promoters
    minus detractors), so its variance is ``(p_pro + p_det − (p_pro − p_det)²) / n``.
    The adjusted-Wald interval adds three pseudo-answers before using it,
    3/4 of a promoter, 3/4 of a detractor and 3/2 of a passive:
    ``n' = n + 3``, ``p_pro' = (promoters + 3/4) / n'``, ``p_det' = (detractors + 3/4) / n'``,
    and the interval is ``(p_pro' − p_det') ± z·sqrt((p_pro' + p_det' − (p_pro' − p_det')²) / n')``.
    Among the six methods compared by Rocks (B. Rocks, "Interval estimation for
    the 'Net Promoter Score'", *The American Statistician* 70(4), 365–372, 2016)
    it kept its coverage closest to the nominal level at small samples; it is the
    NPS analogue of the Agresti–Caffo interval for two proportions.

    Parameters
    ----------
    scores : sequence of int
        Whole-number answers 0–10 (checked as in :func:`nps_breakdown`).
    confidence : float
        Confidence level in (0, 1), default 0.95.

    Returns
    -------
    NPSInterval
        ``nps`` (the plain score from the counts, in points), ``low`` and ``high``
        (in points, truncated to [−100, 100], the values an NPS can take; the
        interval is centred on the adjusted estimate, which lies between the plain
        score and 0), ``confidence`` and ``answers``.

    Notes
    -----
    The interval says how little a handful of answers tells: with three answers
    it spans well over a hundred points whatever they are, so "our NPS is 100"
    from three happy customers is not a measurement. With 100 answers and a
    typical mix it is still about ±15 points wide.

    Examples
    --------
    >>> ci = nps_ci([10, 10, 10])
    >>> ci.nps, round(ci.low), round(ci.high)
    (100.0, -7, 100)
    >>> print(nps_ci([10] * 50 + [8] * 30 + [3] * 20))
    NPS +30.0 (95 % CI +14.1 to +44.2; 100 answers)
    """
    counts = _segment_counts(_check_scores(scores))
    level, z = _z(confidence)
    centre, var, _ = _adjusted_wald(counts)
    half = z * math.sqrt(var)
    n = int(counts.sum())
    score = 100 * (int(counts[0]) - int(counts[2])) / n
    return NPSInterval(
        score,
        max(-100.0, 100 * (centre - half)),
        min(100.0, 100 * (centre + half)),
        level,
        n,
    )


def nps_difference_ci(a: Any, b: Any, *, confidence: float = 0.95) -> NPSInterval:
    """The difference of two NPS figures (``a − b``) with its confidence interval.

    The two surveys are independent samples, so the variance of the difference
    is the sum of the two adjusted-Wald variances of :func:`nps_ci` (3/4 of a
    promoter and 3/4 of a detractor added to *each* sample): the interval is
    ``(NPS_a' − NPS_b') ± z·sqrt(var_a' + var_b')``, the adjustment Rocks (2016)
    recommends, applied to a difference of two scores as in J. R. Lewis and
    J. Sauro, "How to statistically compare two Net Promoter Scores"
    (MeasuringU, 2021), after Agresti and Caffo's interval for two proportions
    (*The American Statistician* 54(4), 2000).

    Parameters
    ----------
    a, b : sequence of int
        The 0–10 answers of the two surveys (say this quarter's and last
        quarter's, or two shops').
    confidence : float
        Confidence level in (0, 1), default 0.95.

    Returns
    -------
    NPSInterval
        ``nps`` the plain difference ``nps(a) − nps(b)`` in points, ``low`` and
        ``high`` (truncated to [−200, 200]), ``answers`` the pair of sample sizes.
        When the interval contains 0 the surveys do not show that the scores differ.

    Examples
    --------
    >>> this_quarter = [10] * 45 + [8] * 35 + [4] * 20
    >>> last_quarter = [10] * 40 + [8] * 35 + [4] * 25
    >>> d = nps_difference_ci(this_quarter, last_quarter)
    >>> d.nps, d.excludes_zero  # a 10-point rise that 100 answers each cannot confirm
    (10.0, False)
    """
    ca = _segment_counts(_check_scores(a))
    cb = _segment_counts(_check_scores(b))
    level, z = _z(confidence)
    centre_a, var_a, _ = _adjusted_wald(ca)
    centre_b, var_b, _ = _adjusted_wald(cb)
    half = z * math.sqrt(var_a + var_b)
    centre = centre_a - centre_b
    na, nb = int(ca.sum()), int(cb.sum())
    diff = 100 * (int(ca[0]) - int(ca[2])) / na - 100 * (int(cb[0]) - int(cb[2])) / nb
    return NPSInterval(
        diff,
        max(-200.0, 100 * (centre - half)),
        min(200.0, 100 * (centre + half)),
        level,
        (na, nb),
    )


def simulate_nps_survey(segments: Any, answers: int, *, seed: Any = None) -> np.ndarray:
    """Answers of a simulated NPS survey: ``answers`` draws from a population's mix.

    Each respondent is a promoter, a passive or a detractor with the population's
    shares (a multinomial sample), and then gives a score uniformly within the
    segment's band (9–10, 7–8, 0–6). Only the segment matters for the NPS; the
    score within the band is there so the result reads like real answers.

    Parameters
    ----------
    segments : mapping or pandas.Series
        Population shares ``{"promoter": .., "passive": .., "detractor": ..}``
        summing to 1 (e.g. :func:`nps_breakdown` of a large survey).
    answers : int
        Respondents, in [1, 10⁸].
    seed : int, numpy.random.Generator, SeedSequence or None
        The only source of randomness.

    Returns
    -------
    numpy.ndarray
        int64 scores 0–10, shape (answers,), in random order.

    Examples
    --------
    >>> s = simulate_nps_survey({"promoter": 0.5, "passive": 0.3, "detractor": 0.2}, 5, seed=1)
    >>> s.shape, bool(((s >= 0) & (s <= 10)).all())
    ((5,), True)
    """
    shares = _check_segments(segments)
    n = check_int("answers", answers, low=1, high=100_000_000)
    rng = as_generator(seed)
    segment = rng.choice(3, size=n, p=shares.to_numpy(dtype=float))
    low = np.array([9, 7, 0])[segment]
    width = np.array([2, 2, 7])[segment]
    return (low + rng.integers(0, width)).astype(np.int64)


def _check_segments(segments: Any) -> pd.Series:
    """A mapping of NPS segment shares (or raw scores) → validated shares Series."""
    if isinstance(segments, Mapping | pd.Series):
        items = dict(segments.items())
        unknown = [k for k in items if k not in NPS_SEGMENTS]
        if unknown:
            raise ValueError(f"segments has unknown segment(s) {unknown}; use {list(NPS_SEGMENTS)}")
        shares = pd.Series(
            [check_probability(f"share of {k}s", items.get(k, 0.0)) for k in NPS_SEGMENTS],
            index=list(NPS_SEGMENTS),
            name="share",
        )
        if not math.isclose(float(shares.sum()), 1.0, abs_tol=1e-9):
            raise ValueError(f"segment shares must sum to 1, got {float(shares.sum())!r}")
        return shares
    return nps_breakdown(segments)


def _check_segment_invites(invites: Any) -> pd.Series:
    if not isinstance(invites, Mapping):
        raise TypeError(
            "invites_per_user must map each NPS segment to its invites per user, e.g. "
            f"{{'promoter': 2.0, 'passive': 0.5, 'detractor': 0.0}}, got {invites!r}"
        )
    missing = [k for k in NPS_SEGMENTS if k not in invites]
    unknown = [k for k in invites if k not in NPS_SEGMENTS]
    if missing or unknown:
        raise ValueError(
            f"invites_per_user must give exactly the segments {list(NPS_SEGMENTS)}; "
            f"missing {missing}, unknown {unknown}"
        )
    return pd.Series(
        [
            check_real(f"invites per {k}", invites[k], low=0.0, high=MAX_INVITES)
            for k in NPS_SEGMENTS
        ],
        index=list(NPS_SEGMENTS),
    )


@renamed_keywords(invites="invites_per_user")
def viral_coefficient_from_nps(
    segments: Any, invites_per_user: Mapping[str, float], invite_conversion: float
) -> float:
    """K when promoters, passives and detractors invite at their own rates.

    ``K = invite_conversion × Σ share[s] × invites_per_user[s]`` over the three segments.

    Parameters
    ----------
    segments : mapping, pandas.Series or sequence of int
        Shares ``{"promoter": .., "passive": .., "detractor": ..}`` summing to 1
        (e.g. the output of :func:`nps_breakdown`), or raw 0–10 scores.
    invites_per_user : mapping
        Mean invites per user of each segment, e.g.
        ``{"promoter": 2.0, "passive": 0.5, "detractor": 0.0}``. (Called
        ``invites`` before; the old name works for one more release, with a
        ``DeprecationWarning``.)
    invite_conversion : float
        Probability that an invite converts, in [0, 1].

    Returns
    -------
    float
        K, new users brought in by one user of the given NPS mix.

    Examples
    --------
    >>> rates = {"promoter": 2, "passive": 1, "detractor": 0}
    >>> viral_coefficient_from_nps([10, 9, 7, 2], rates, invite_conversion=0.5)
    0.625
    """
    shares = _check_segments(segments)
    rates = _check_segment_invites(invites_per_user)
    c = check_probability("invite_conversion", invite_conversion)
    return float((shares * rates).sum() * c)


# -- referral cascades -----------------------------------------------------------------------


@dataclass(frozen=True, eq=False, repr=False)
class ReferralResult:
    """What :func:`simulate_referrals` returns.

    ``generations`` is tidy: one row per generation (and replication, when
    there are several), ready for ``alt.Chart(result.generations)``.
    """

    #: Columns ``generation, time, new_buyers, cumulative_buyers`` (plus a
    #: leading ``replication`` when ``replications > 1``). Generation 0 holds
    #: the seed buyers at time 0.
    generations: pd.DataFrame
    #: Final cumulative buyers of each replication, shape (replications,).
    totals: np.ndarray
    #: The viral coefficient K (mean new buyers per buyer, before market saturation).
    k: float
    #: Seed buyers of every replication.
    seed_buyers: int
    #: The finite market size, or None for an unlimited one.
    market_size: int | None
    #: True for the replications stopped by ``max_generations`` or ``max_buyers``
    #: while still growing, shape (replications,). A replication stopped by
    #: ``max_buyers`` keeps the generation that crossed it, so its total can exceed
    #: the cap (see :attr:`max_buyers`).
    capped: np.ndarray
    #: The int that repeats the run when passed back as ``seed=``; None when no int does
    #: (a Generator that was used or spawned; see :func:`funnelsim._random.seed_entropy`).
    seed: int | None
    #: The ``max_buyers`` the run was given.
    max_buyers: int = MAX_BUYERS

    @property
    def over_cap(self) -> np.ndarray:
        """True for the replications whose total exceeds ``max_buyers``, shape (replications,).

        The generation that crosses the cap is kept whole (cutting it would bias
        the cascade's last step), so a stopped cascade overshoots by at most
        that generation's growth.
        """
        return self.totals > self.max_buyers

    @property
    def replications(self) -> int:
        """Number of independent cascades."""
        return int(self.totals.size)

    @property
    def total(self) -> int | float:
        """Final number of buyers: an int for one run, the mean over replications otherwise."""
        if self.totals.size == 1:
            return int(self.totals[0])
        return float(self.totals.mean())

    @property
    def expected_total(self) -> float:
        """The closed-form mean total: ``seed_buyers / (1 − K)`` for K < 1.

        With a market size this is capped at the market (an upper bound, not the
        mean: saturation slows the cascade before the cap). For K >= 1 it is the
        market size, or ``inf`` without one.
        """
        if self.k < 1:
            value = self.seed_buyers / (1.0 - self.k)
            return value if self.market_size is None else min(value, float(self.market_size))
        return float(self.market_size) if self.market_size is not None else math.inf

    def __repr__(self) -> str:
        return (
            f"ReferralResult(k={self.k:g}, seed_buyers={self.seed_buyers}, total={self.total}, "
            f"generations={int(self.generations['generation'].max()) + 1}, "
            f"replications={self.replications})"
        )


@renamed_keywords(invites="invite_distribution")
def simulate_referrals(
    seed_buyers: int,
    invites_per_user: float | Mapping[str, float],
    invite_conversion: float,
    *,
    invite_distribution: Literal["poisson", "negbin"] = "poisson",
    dispersion: float | None = None,
    segments: Any = None,
    cycle_time: float = 1.0,
    market_size: int | None = None,
    max_generations: int = 1_000,
    max_buyers: int = MAX_BUYERS,
    replications: int = 1,
    seed: Any = None,
) -> ReferralResult:
    """Simulate a referral cascade generation by generation.

    Every buyer of generation *g* sends a random number of invites; each invite
    converts with probability ``invite_conversion``; the converted invitees are
    generation *g + 1*, who refer in turn one ``cycle_time`` later. The run stops
    when a generation brings no new buyer, or at a cap (below). Each generation
    costs one aggregate draw (see the module docstring for why that is the exact
    law of per-buyer draws), so a cascade of 10⁹ buyers takes microseconds.

    Parameters
    ----------
    seed_buyers : int
        Generation 0, in [0, ``MAX_BUYERS`` = 10⁹] (e.g. the buyers paid
        acquisition brought).
    invites_per_user : float or mapping
        Mean invites a buyer sends, ``>= 0``; or, with ``segments``, a mapping
        ``{"promoter": .., "passive": .., "detractor": ..}`` of invites per segment.
    invite_conversion : float
        Probability that an invite converts, in [0, 1].
    invite_distribution : {"poisson", "negbin"}
        Law of one buyer's number of invites: Poisson, or negative binomial with
        the same mean and size ``dispersion`` (variance ``i + i²/dispersion``).
        (Called ``invites`` before; the old name works for one more release,
        with a ``DeprecationWarning``.)
    dispersion : float, optional
        Negative-binomial size ``r > 0`` (small = a few buyers send most
        invites). Required for ``"negbin"``, not allowed for ``"poisson"``.
    segments : mapping, pandas.Series or sequence of int, optional
        NPS mix of every generation: shares by segment (e.g.
        :func:`nps_breakdown`) or raw 0–10 scores. Each generation is split
        among the segments multinomially and each segment invites at its own
        rate, so ``K = invite_conversion × Σ share × invites``.
    cycle_time : float
        Viral cycle time, ``> 0``: generation *g* joins at time ``g × cycle_time``.
    market_size : int, optional
        Total people who could ever buy, ``>= seed_buyers`` and ``<= 999,999,999``.
        Converted invites that land on existing buyers are wasted
        (hypergeometric thinning), so the cascade saturates at ``market_size``.
    max_generations : int
        Stop after this many generations after the seed (default 1,000).
    max_buyers : int
        Stop a replication once its cumulative buyers reach this, in
        [1, ``MAX_BUYERS`` = 10⁹] (the default). The generation that crosses it
        is kept, so a total can exceed the cap by one generation's growth:
        ``result.over_cap`` marks those replications and the warning says so.
    replications : int
        Independent cascades, drawn together (vectorised over replications),
        with ``replications * (max_generations + 1) <= MAX_ROWS`` (2·10⁷).
    seed : int, numpy.random.Generator, SeedSequence or None
        The only source of randomness; same seed, same result.

    Returns
    -------
    ReferralResult
        ``.generations`` (tidy frame), ``.total``, ``.totals``, ``.k``, ``.capped``, ``.seed``.

    Warns
    -----
    RuntimeWarning
        When ``K >= 1`` and there is no ``market_size``: growth is explosive and
        only the caps stop it; and whenever a cap stops a cascade that was still
        growing (its total is then truncated).

    Examples
    --------
    >>> r = simulate_referrals(1_000, invites_per_user=3, invite_conversion=0.2, seed=1)
    >>> round(r.k, 6), round(r.expected_total)  # K = 3 × 0.2; mean total 1,000 / (1 − K)
    (0.6, 2500)
    >>> list(r.generations.columns)
    ['generation', 'time', 'new_buyers', 'cumulative_buyers']
    """
    s0 = check_int("seed_buyers", seed_buyers, low=0, high=MAX_BUYERS)
    c = check_probability("invite_conversion", invite_conversion)
    kind = check_choice("invite_distribution", invite_distribution, ("poisson", "negbin"))
    if kind == "negbin":
        if dispersion is None:
            raise ValueError(
                "invite_distribution='negbin' needs a dispersion (negative-binomial size > 0), "
                "got None"
            )
        r = check_real("dispersion", dispersion, low=0.0, low_open=True)
    else:
        if dispersion is not None:
            raise ValueError(
                f"dispersion applies to invite_distribution='negbin' only, got {dispersion!r}"
            )
        r = math.inf
    if segments is None:
        if isinstance(invites_per_user, Mapping):
            raise ValueError("invites_per_user is a mapping by NPS segment: pass segments= as well")
        rates = np.array(
            [check_real("invites_per_user", invites_per_user, low=0.0, high=MAX_INVITES)]
        )
        shares = np.array([1.0])
    else:
        if isinstance(invites_per_user, Mapping):
            seg_invites = _check_segment_invites(invites_per_user)
        else:
            seg_invites = pd.Series(
                check_real("invites_per_user", invites_per_user, low=0.0, high=MAX_INVITES),
                index=list(NPS_SEGMENTS),
            )
        seg_shares = _check_segments(segments)
        rates = seg_invites.to_numpy(dtype=float)
        shares = seg_shares.to_numpy(dtype=float)
    dt = check_real("cycle_time", cycle_time, low=0.0, low_open=True)
    market = None
    if market_size is not None:
        market = check_int("market_size", market_size, low=1, high=MAX_MARKET)
        if market < s0:
            raise ValueError(
                f"market_size must be >= seed_buyers ({s0:,}): the seed buyers are part of "
                f"the market, got market_size={market_size!r}"
            )
    g_max = check_int("max_generations", max_generations, low=0)
    b_max = check_int("max_buyers", max_buyers, low=1, high=MAX_BUYERS)
    reps = check_int("replications", replications, low=1)
    if reps * (g_max + 1) > MAX_ROWS:
        raise ValueError(
            f"replications * (max_generations + 1) must be <= {MAX_ROWS:,} (the rows of the "
            f"generation table, one per replication and generation), got {reps:,} * "
            f"{g_max + 1:,}; lower replications or max_generations"
        )

    rng = as_generator(seed)  # a bad seed fails here, before any warning
    recorded = seed_entropy(rng)
    mu = rates * c  # converted invites per buyer, by segment
    k = float(np.dot(shares, mu))
    if k >= 1 and market is None:
        warnings.warn(
            f"K = {k:g} >= 1 and no market_size: the cascade is explosive; it stops after "
            f"max_generations={g_max:,} generations or once max_buyers={b_max:,} buyers are in "
            "(the generation that crosses max_buyers is kept, so the total can exceed it). "
            "Pass market_size for a saturating market.",
            RuntimeWarning,
            stacklevel=2,
        )

    # One replication runs on Python/numpy scalars, which numpy's samplers take on
    # their fast scalar path; several run as arrays of shape (replications,).
    single = reps == 1
    new: Any = s0 if single else np.full(reps, s0, dtype=np.int64)
    cum = new
    history = [new]
    for _ in range(g_max):
        # a replication at the cap stops growing
        n: Any = (0 if cum >= b_max else new) if single else np.where(cum >= b_max, 0, new)
        if not (n if single else n.any()):
            break
        x = _converted_invites(rng, n, shares, mu, r)
        if market is not None:
            sample = min(x, market) if single else np.minimum(x, market)
            x = rng.hypergeometric(market - cum, cum, sample)
        new = int(x) if single else x
        cum = cum + new
        history.append(new)
    # still growing when stopped: at the cap, or out of generations with new buyers
    capped = np.atleast_1d((np.asarray(cum) >= b_max) | (np.asarray(new) > 0))

    totals = np.atleast_1d(np.asarray(cum, dtype=np.int64))
    over = totals > b_max
    if capped.any() and not (k >= 1 and market is None):
        past = (
            f"; {int(over.sum())} passed max_buyers (the generation that crossed it is kept), "
            f"up to {int(totals.max()):,} buyers"
            if over.any()
            else ""
        )
        warnings.warn(
            f"{int(capped.sum())} of {reps} cascade(s) were still growing when stopped by "
            f"max_generations={g_max:,} or max_buyers={b_max:,}; their totals are "
            f"truncated{past}",
            RuntimeWarning,
            stacklevel=2,
        )
    new_by_gen = np.asarray(history, dtype=np.int64).reshape(len(history), reps)
    frame = _generation_frame(new_by_gen, dt)
    return ReferralResult(frame, totals, k, s0, market, capped, recorded, b_max)


def _converted_invites(
    rng: np.random.Generator, n: Any, shares: np.ndarray, mu: np.ndarray, size: float
) -> Any:
    """Converted invites sent by ``n`` buyers (an int, or one per replication).

    One aggregate draw per segment (one in all for Poisson invites); the buyers
    are first split among the NPS segments multinomially when there are several.
    """
    if shares.size == 1:
        if math.isinf(size):
            return rng.poisson(n * mu[0])  # sum of n iid Poisson(mu) is Poisson(n mu)
        by_segment = [n]
    else:
        by_segment = list(np.moveaxis(rng.multinomial(n, shares), -1, 0))
    if math.isinf(size):
        # Sum of independent Poissons is Poisson with the summed mean.
        return rng.poisson(sum(nj * m for nj, m in zip(by_segment, mu, strict=True)))
    out: Any = np.zeros(np.shape(n), dtype=np.int64) if np.ndim(n) else 0
    for nj, m in zip(by_segment, mu, strict=True):
        if m <= 0 or not np.any(nj):
            continue
        # Sum of nj iid NB(size, p) is NB(nj * size, p); p gives mean m per buyer.
        p = size / (size + m)
        if np.ndim(nj) == 0:
            out = out + rng.negative_binomial(nj * size, p)
        else:
            # numpy needs a size > 0: replications without buyers draw with 1 and are zeroed
            has = nj > 0
            out = out + np.where(has, rng.negative_binomial(np.where(has, nj * size, 1.0), p), 0)
    return out


def _generation_frame(new_by_gen: np.ndarray, dt: float) -> pd.DataFrame:
    gens, reps = new_by_gen.shape
    cum = np.cumsum(new_by_gen, axis=0)
    g = np.arange(gens)
    data: dict[str, Any] = {}
    if reps > 1:
        data["replication"] = np.repeat(np.arange(reps), gens)
    data["generation"] = np.tile(g, reps)
    data["time"] = np.tile(g * dt, reps)
    data["new_buyers"] = new_by_gen.T.ravel()
    data["cumulative_buyers"] = cum.T.ravel()
    return pd.DataFrame(data)


# -- Bass diffusion --------------------------------------------------------------------------


def _check_bass(p: Any, q: Any, m: Any) -> tuple[float, float, int]:
    p = check_real("p", p, low=0.0, high=1.0, low_open=True)
    q = check_real("q", q, low=0.0, high=1.0)
    if p + q > 1:
        raise ValueError(f"p + q must be <= 1 (a per-period adoption probability), got {p + q!r}")
    m = check_int("m", m, low=1, high=MAX_BASS_MARKET)
    return p, q, m


def bass_adopters(p: float, q: float, m: int, t: Any) -> Any:
    """Cumulative adopters ``m · F(t)`` of the Bass diffusion model (closed form).

    ``F(t) = (1 − e^{−(p+q)t}) / (1 + (q/p) e^{−(p+q)t})`` solves the hazard
    equation ``f(t) / (1 − F(t)) = p + q F(t)``: a non-adopter adopts at rate
    ``p`` on their own plus ``q`` times the share who have already adopted.

    Parameters
    ----------
    p : float
        Coefficient of innovation, in (0, 1]: adoption from outside influence —
        advertising, paid acquisition, the "external" channel.
    q : float
        Coefficient of imitation, in [0, 1]: adoption through people who already
        adopted — word of mouth, referrals, the "internal" channel.
    m : int
        Market potential (people who will eventually adopt), in [1, 10¹²]
        (``MAX_BASS_MARKET``).
    t : float or array_like
        Time(s) since launch, in periods, ``>= 0``.

    Returns
    -------
    float or numpy.ndarray
        Expected cumulative adopters by time ``t`` (same shape as ``t``).

    Examples
    --------
    >>> round(bass_adopters(0.03, 0.38, 10_000, 5.0))
    3312
    """
    p, q, m = _check_bass(p, q, m)
    t_arr = np.asarray(check_real_array("t", t, low=0.0), dtype=float)
    e = np.exp(-(p + q) * t_arr)
    out = m * (1.0 - e) / (1.0 + (q / p) * e)
    return float(out) if out.ndim == 0 else out


def _bass_expected_discrete(p: float, q: float, m: int, periods: int) -> np.ndarray:
    """Mean-field recursion of the discrete model: ``A += (p + q A/m)(m − A)``."""
    a = np.empty(periods + 1)
    a[0] = 0.0
    for t in range(periods):
        a[t + 1] = a[t] + (p + q * a[t] / m) * (m - a[t])
    return a


@dataclass(frozen=True, eq=False, repr=False)
class BassResult:
    """What :func:`simulate_bass` returns."""

    #: One row per period (and replication): ``period, new_adopters, innovators,
    #: imitators, cumulative_adopters, expected_cumulative, continuous_bass,
    #: gap_to_continuous`` (see :func:`simulate_bass`).
    periods: pd.DataFrame
    #: Coefficient of innovation (external / paid).
    p: float
    #: Coefficient of imitation (word of mouth).
    q: float
    #: Market potential.
    m: int
    #: The int that repeats the run when passed back as ``seed=``; None when no int does
    #: (a Generator that was used or spawned; see :func:`funnelsim._random.seed_entropy`).
    seed: int | None

    def __repr__(self) -> str:
        n = int(self.periods["period"].max())
        return f"BassResult(p={self.p:g}, q={self.q:g}, m={self.m}, periods={n})"


def simulate_bass(
    p: float, q: float, m: int, periods: int, *, replications: int = 1, seed: Any = None
) -> BassResult:
    """Stochastic Bass diffusion in a finite market of ``m`` people.

    In each period every non-adopter adopts independently with probability
    ``p + q · A/m``, where ``A`` is the number of adopters at the start of the
    period. The new adopters are therefore Binomial(``m − A``, ``p + q·A/m``): one
    draw per period, the exact law. Each adoption is attributed to innovation
    with probability ``p / (p + q·A/m)`` and to imitation otherwise (a binomial
    split), so the frame separates adopters reached by the external channel
    (``innovators``: advertising, paid acquisition) from those reached by word of
    mouth (``imitators``: referrals).

    Parameters
    ----------
    p, q : float
        Coefficients of innovation (in (0, 1]) and imitation (in [0, 1]),
        per period, with ``p + q <= 1``.
    m : int
        Market size, in [1, ``MAX_BASS_MARKET`` = 10¹²].
    periods : int
        Number of periods to simulate, ``>= 1``.
    replications : int
        Independent runs (vectorised); ``replications * periods`` must be at
        most ``MAX_ROWS`` (2·10⁷), the rows of the result.
    seed : int, numpy.random.Generator, SeedSequence or None
        The only source of randomness.

    Returns
    -------
    BassResult
        ``.periods`` has ``period`` 1..periods, ``new_adopters``, ``innovators``,
        ``imitators``, ``cumulative_adopters`` (people, this run), and in every
        row of a period the same three reference values:

        ``expected_cumulative``
            The expectation of *this* discrete model, the recursion
            ``A <- A + (p + q A/m)(m - A)`` (the simulated mean tracks it up to
            O(1/m)).
        ``continuous_bass``
            Bass's continuous-time curve :func:`bass_adopters` at the same time,
            ``m F(t)`` — the solution of ``dA/dt = (p + q A/m)(m - A)``, a
            different model, not the mean of this simulation.
        ``gap_to_continuous``
            ``expected_cumulative - continuous_bass`` in people.

    Notes
    -----
    The recursion is the explicit Euler step, one period long, of the Bass
    differential equation, so the two curves differ by an error that grows
    with the period length (first order: roughly in proportion to ``p + q`` per
    period). With yearly coefficients ``p = 0.03, q = 0.38`` and ``m = 10,000``
    the discrete expectation is 18 % below the continuous curve in year 4; with
    the same rates per month (``p/12, q/12``, 120 periods) the largest gap is
    1.8 %, per week 0.4 %. To compare a simulation with the published
    continuous-time curves, use short periods; to compare it with its own mean,
    use ``expected_cumulative``.

    Examples
    --------
    >>> res = simulate_bass(0.03, 0.38, 10_000, 10, seed=1)
    >>> row = res.periods.iloc[3]  # year 4 with yearly coefficients
    >>> round(row["expected_cumulative"]), round(row["continuous_bass"])
    (1901, 2332)
    """
    p, q, m = _check_bass(p, q, m)
    n_periods = check_int("periods", periods, low=1, high=MAX_ROWS)
    reps = check_int("replications", replications, low=1, high=MAX_ROWS)
    if reps * n_periods > MAX_ROWS:
        raise ValueError(
            f"replications * periods must be <= {MAX_ROWS:,} (the rows of the period table), "
            f"got {reps:,} * {n_periods:,}"
        )
    rng = as_generator(seed)
    recorded = seed_entropy(rng)

    # 0-d for one replication: numpy samples it on its fast scalar path
    adopters: Any = np.zeros(reps, dtype=np.int64) if reps > 1 else np.int64(0)
    new = np.empty((n_periods, reps), dtype=np.int64)
    innov = np.empty_like(new)
    cum = np.empty_like(new)
    for t in range(n_periods):
        hazard = p + q * adopters / m
        x = rng.binomial(m - adopters, hazard)
        innov[t] = rng.binomial(x, p / hazard)
        adopters = adopters + x
        new[t] = x
        cum[t] = adopters
    t_idx = np.arange(1, n_periods + 1)
    expected = _bass_expected_discrete(p, q, m, n_periods)[1:]
    closed = bass_adopters(p, q, m, t_idx.astype(float))
    data: dict[str, Any] = {}
    if reps > 1:
        data["replication"] = np.repeat(np.arange(reps), n_periods)
    data.update(
        period=np.tile(t_idx, reps),
        new_adopters=new.T.ravel(),
        innovators=innov.T.ravel(),
        imitators=(new - innov).T.ravel(),
        cumulative_adopters=cum.T.ravel(),
        expected_cumulative=np.tile(expected, reps),
        continuous_bass=np.tile(closed, reps),
        gap_to_continuous=np.tile(expected - closed, reps),
    )
    return BassResult(pd.DataFrame(data), p, q, m, recorded)


# -- expected users over a horizon ------------------------------------------------------------


def expected_viral_users(
    seed_users: float,
    k: float,
    cycles: int,
    *,
    paid_per_cycle: float = 0.0,
    cycle_time: float = 1.0,
) -> pd.DataFrame:
    """Expected users cycle by cycle for any viral coefficient K, with a time axis.

    Cycle 0 brings ``seed_users`` (``U0``); every later cycle brings ``K`` new users
    per user who joined in the cycle before, plus ``paid_per_cycle`` (``P``) from
    paid acquisition: ``new_t = P + K · new_{t−1}``. Closed forms (geometric sums):

    * ``new_t = U0 · Kᵗ + P · (1 − Kᵗ) / (1 − K)``  (``U0 + P·t`` at ``K = 1``);
    * ``cumulative_n = U0 · (1 − K^(n+1)) / (1 − K) + P · (n − K(1 − Kⁿ)/(1 − K)) / (1 − K)``,
      which is ``(n + 1) · U0 + P · n(n + 1)/2`` at ``K = 1``.

    With no paid users the total is the viral-cycle calculators' per-cycle sum
    ``U0 · (1 − K^(n+1)) / (1 − K)``: finite for every K after finitely many
    cycles. Only its limit as ``n → ∞`` (``U0 / (1 − K)``,
    :attr:`ReferralResult.expected_total`) is infinite for ``K ≥ 1``. With steady
    paid acquisition and ``K < 1`` new users per cycle settle at ``P / (1 − K)``:
    K = 0.5 doubles every paid cohort (the referral multiplier ``1 / (1 − K)``).
    The market is unlimited here; for a finite one use :func:`simulate_referrals`
    with ``market_size``, or :func:`simulate_bass`.

    Parameters
    ----------
    seed_users : float
        Users at cycle 0, ``>= 0``.
    k : float
        Viral coefficient, new users per user per cycle, in [0, 100].
    cycles : int
        Cycles after the seed, in [0, 10 000].
    paid_per_cycle : float
        Users paid acquisition adds in every cycle from cycle 1 on, ``>= 0``.
    cycle_time : float
        Length of one viral cycle (days, weeks, …), ``> 0``: cycle *t* happens at
        ``time = t × cycle_time``.

    Returns
    -------
    pandas.DataFrame
        One row per cycle ``0..cycles``: ``cycle``, ``time`` (in the unit of
        ``cycle_time``), ``paid_users`` and ``referred_users`` (the new users of
        the cycle by source; both 0 at cycle 0, whose new users are the seed),
        ``new_users``, ``cumulative_users`` (expected values, floats; ``inf`` where
        they overflow a float, which needs K far above 1).

    Raises
    ------
    ValueError
        If a number is out of its range (the message names it).

    Examples
    --------
    >>> frame = expected_viral_users(1_000, 0.5, 3)
    >>> frame["new_users"].tolist(), float(frame["cumulative_users"].iloc[-1])
    ([1000.0, 500.0, 250.0, 125.0], 1875.0)
    >>> float(expected_viral_users(1_000, 1.0, 3)["cumulative_users"].iloc[-1])  # (n + 1) · U0
    4000.0
    """
    u0 = check_real("seed_users", seed_users, low=0.0)
    kk = check_real("k", k, low=0.0, high=100.0)
    n = check_int("cycles", cycles, low=0, high=10_000)
    paid = check_real("paid_per_cycle", paid_per_cycle, low=0.0)
    dt = check_real("cycle_time", cycle_time, low=0.0, low_open=True)
    t = np.arange(n + 1, dtype=float)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if kk == 1.0:
            power, ratio = np.ones_like(t), t.copy()
        elif kk == 0.0:
            power, ratio = (t == 0).astype(float), (t > 0).astype(float)
        else:
            # (1 − Kᵗ)/(1 − K) as expm1(t ln K)/expm1(ln K): no cancellation near K = 1
            log_k = math.log1p(kk - 1.0) if abs(kk - 1.0) < 0.5 else math.log(kk)
            power = np.power(kk, t)
            ratio = np.expm1(t * log_k) / math.expm1(log_k)
        seed_part = u0 * power if u0 > 0 else np.zeros_like(t)
        paid_part = paid * ratio if paid > 0 else np.zeros_like(t)
        new = seed_part + paid_part
        # the running sum equals the closed form of the docstring and stays exact near K = 1
        cumulative = np.cumsum(new)
    paid_col = np.where(t > 0, paid, 0.0)
    return pd.DataFrame(
        {
            "cycle": t.astype(np.int64),
            "time": t * dt,
            "paid_users": paid_col,
            "referred_users": np.where(t > 0, new - paid_col, 0.0),
            "new_users": new,
            "cumulative_users": cumulative,
        }
    )


# -- referral rewards that change behaviour ----------------------------------------------------


@dataclass(frozen=True)
class RewardResponse:
    """How a behaviour responds to a reward: a saturating (Hill) curve.

    The behaviour is multiplied by ``1 + max_lift · h(r)`` with
    ``h(r) = rˢ / (rˢ + half_saturationˢ)``, the Hill function that media-mix
    models use for diminishing returns to spend (Y. Jin, Y. Wang, Y. Sun,
    D. Chan and J. Koehler, "Bayesian methods for media mix modeling with
    carryover and shape effects", Google, 2017; it is the Michaelis–Menten curve
    when ``shape = 1``). At ``r = 0`` nothing changes, at ``r = half_saturation``
    half the possible lift is reached, and no reward lifts the behaviour by more
    than ``max_lift``. The numbers are assumptions to vary, not measurements:
    calibrate them with an A/B test of two reward levels.
    """

    #: Largest relative lift any reward can buy (1.0: the behaviour at most doubles), >= 0.
    max_lift: float = 1.0
    #: Reward (in currency per referred customer) that buys half of ``max_lift``, > 0.
    half_saturation: float = 20.0
    #: Hill exponent, > 0: 1 is concave from the first coin; above 1 small rewards do
    #: little until a threshold (an S-curve).
    shape: float = 1.0

    def __post_init__(self) -> None:
        check_real("max_lift", self.max_lift, low=0.0, high=100.0)
        check_real("half_saturation", self.half_saturation, low=0.0, low_open=True)
        check_real("shape", self.shape, low=0.0, high=20.0, low_open=True)

    def factor(self, reward: Any) -> Any:
        """``1 + max_lift · h(reward)``: the multiplier on the behaviour (float or array).

        Examples
        --------
        >>> RewardResponse(max_lift=1.0, half_saturation=20.0).factor([0, 20, 60])
        array([1.  , 1.5 , 1.75])
        """
        r = check_real_array("reward", reward, low=0.0)
        ratio = np.power(np.divide(r, self.half_saturation), self.shape)
        out = 1.0 + self.max_lift * ratio / (1.0 + ratio)
        return float(out) if np.ndim(out) == 0 else out


#: No response: the reward costs money and changes nothing.
NO_RESPONSE = RewardResponse(max_lift=0.0)


def referral_programme(
    customers: float,
    invites_per_user: float,
    invite_conversion: float,
    *,
    ltv: float,
    referrer_reward: Any = 0.0,
    referral_reward: Any = 0.0,
    invites_response: RewardResponse = RewardResponse(max_lift=1.0, half_saturation=20.0),
    conversion_response: RewardResponse = RewardResponse(max_lift=0.5, half_saturation=10.0),
    programme_cost: float = 0.0,
    cycles: int = 6,
    ltv_uplift: float = 0.0,
) -> pd.DataFrame:
    """A two-sided referral reward that changes behaviour, with its cost and ROI.

    The reward to the referrer (per referred customer) raises the invites each
    customer sends, ``invites_per_user × invites_response.factor(referrer_reward)``;
    the reward to the new customer raises the chance that an invite converts,
    ``invite_conversion × conversion_response.factor(referral_reward)`` (see
    :class:`RewardResponse`). The product is the viral coefficient K at that
    reward. Starting from ``customers`` existing customers, the expected referred
    customers over ``cycles`` viral cycles are the per-cycle sum of
    :func:`expected_viral_users` minus the starting customers.

    Some of them would have come without any reward (K at zero reward): the gain
    counts only the **incremental** ones, while the rewards are paid on **every**
    referred customer. The ROI comes from :func:`funnelsim.referral_programme_roi`,
    given the incremental customers and, as part of the fixed cost, the rewards
    paid on the customers who would have come anyway:
    ``ROI = (incremental × ltv × (1 + ltv_uplift) − cost) / cost`` with
    ``cost = referred × (referrer_reward + referral_reward) + programme_cost``.

    There is **no market limit**: when a reward pushes K to 1 or above, the
    per-cycle sum grows every cycle (geometrically above 1), and the rewards are
    paid on that whole cascade, so profit can fall far below zero. A real
    market saturates first (:func:`simulate_referrals` with ``market_size``);
    read results with K >= 1 as an upper bound on both gain and cost.

    Parameters
    ----------
    customers : float
        Existing customers who can refer, ``> 0``.
    invites_per_user : float
        Mean invites per customer per cycle without a reward, in [0, 10⁶].
    invite_conversion : float
        Probability an invite converts without a reward, in [0, 1]. The largest
        conversion a reward can buy, ``invite_conversion × (1 + conversion_response.max_lift)``,
        must stay <= 1.
    ltv : float
        Lifetime value (gross profit) of an ordinary customer, ``>= 0``.
    referrer_reward, referral_reward : float or array_like
        Reward per referred customer to the referrer and to the new customer,
        ``>= 0``, in currency. Arrays are crossed: one row per pair.
    invites_response, conversion_response : RewardResponse
        How invites respond to the referrer's reward and conversion to the new
        customer's (defaults: invites at most double, half of that at 20;
        conversion at most +50 %, half of that at 10). Use :data:`NO_RESPONSE`
        for a reward that changes nothing.
    programme_cost : float
        Fixed cost of running the programme over the horizon, ``>= 0``. With 0,
        a row with no reward costs nothing and its ROI is undefined (NaN).
    cycles : int
        Viral cycles counted, in [1, 10 000].
    ltv_uplift : float
        Relative LTV gain of referred customers, ``> -1`` (default 0; 0.16 is a
        figure often quoted in practitioner material).

    Returns
    -------
    pandas.DataFrame
        One row per ``(referrer_reward, referral_reward)``: the two rewards,
        ``invites_per_user``, ``invite_conversion``, ``k``, ``referred_customers``
        (all referred over the horizon), ``incremental_customers`` (above the
        no-reward programme), ``reward_cost``, ``total_cost``, ``gain`` (value of
        the incremental customers), ``profit`` (gain − total cost) and ``roi``
        (a ratio: 0.5 means 50 %; NaN where the cost is 0).

    Raises
    ------
    ValueError
        If a number is out of its range, or a reward could push conversion above 1.

    Examples
    --------
    >>> t = referral_programme(1_000, 2.0, 0.2, ltv=100.0, referrer_reward=[0, 20],
    ...                        programme_cost=2_000, cycles=1)
    >>> t[["referrer_reward", "k", "incremental_customers", "roi"]].round(3).values.tolist()
    [[0.0, 0.4, 0.0, -1.0], [20.0, 0.6, 200.0, 0.429]]
    """
    n0 = check_real("customers", customers, low=0.0, low_open=True)
    i0 = check_real("invites_per_user", invites_per_user, low=0.0, high=MAX_INVITES)
    c0 = check_probability("invite_conversion", invite_conversion)
    value = check_real("ltv", ltv, low=0.0)
    fixed = check_real("programme_cost", programme_cost, low=0.0)
    horizon = check_int("cycles", cycles, low=1, high=10_000)
    uplift = check_real("ltv_uplift", ltv_uplift, low=-1.0, low_open=True)
    for name, resp in (
        ("invites_response", invites_response),
        ("conversion_response", conversion_response),
    ):
        if not isinstance(resp, RewardResponse):
            raise TypeError(f"{name} must be a RewardResponse, got {resp!r}")
    c_max = c0 * (1 + conversion_response.max_lift)
    if c_max > 1 + 1e-12:
        raise ValueError(
            f"invite_conversion × (1 + conversion_response.max_lift) must be <= 1 (a "
            f"probability), got {c0:g} × {1 + conversion_response.max_lift:g} = {c_max:g}"
        )
    r1 = np.atleast_1d(check_real_array("referrer_reward", referrer_reward, low=0.0)).ravel()
    r2 = np.atleast_1d(check_real_array("referral_reward", referral_reward, low=0.0)).ravel()
    grid1, grid2 = (a.ravel() for a in np.meshgrid(r1, r2, indexing="ij"))
    invites = i0 * np.asarray(invites_response.factor(grid1), dtype=float)
    conversion = np.minimum(1.0, c0 * np.asarray(conversion_response.factor(grid2), dtype=float))
    k = invites * conversion

    def referred(kk: float) -> float:
        frame = expected_viral_users(n0, kk, horizon)
        return float(frame["cumulative_users"].iloc[-1]) - n0

    all_referred = np.array([referred(float(x)) for x in k])
    baseline = referred(i0 * c0)
    incremental = np.maximum(all_referred - baseline, 0.0)
    per_customer = grid1 + grid2
    reward_cost = all_referred * per_customer
    total = reward_cost + fixed
    gain = incremental * value * (1 + uplift)
    roi = np.full(grid1.size, np.nan)
    paid = total > 0
    if paid.any():
        from funnelsim.economics import referral_programme_roi

        # The rewards paid on customers who would have come anyway are a fixed cost here.
        roi[paid] = referral_programme_roi(
            incremental[paid],
            value,
            referral_reward=grid2[paid],
            referrer_reward=grid1[paid],
            programme_cost=fixed + (all_referred[paid] - incremental[paid]) * per_customer[paid],
            ltv_uplift=uplift,
        )
    return pd.DataFrame(
        {
            "referrer_reward": grid1,
            "referral_reward": grid2,
            "invites_per_user": invites,
            "invite_conversion": conversion,
            "k": k,
            "referred_customers": all_referred,
            "incremental_customers": incremental,
            "reward_cost": reward_cost,
            "total_cost": total,
            "gain": gain,
            "profit": gain - total,
            "roi": roi,
        }
    )
