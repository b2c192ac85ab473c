"""Retention of customer cohorts: churn models, simulation, cohort tables, sBG fits.

A cohort of customers acquired together renews, period after period, until
each customer churns. Two churn laws are modelled:

geometric (homogeneous)
    Every customer churns with the same probability ``theta`` each period, so
    the survival curve is ``S(t) = (1 - theta)**t`` and the period-to-period
    retention rate is the constant ``1 - theta``.

shifted-beta-geometric, sBG (heterogeneous)
    Each customer has their own churn probability, drawn from
    ``Beta(alpha, beta)``, and then churns geometrically. Averaged over the
    cohort (Fader & Hardie 2007, "How to project customer retention")::

        S(t) = B(alpha, beta + t) / B(alpha, beta)
        r(t) = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1)

    The retention rate *rises* with tenure although nobody's own churn
    probability changes: the customers prone to churn leave first, so the
    survivors are increasingly the loyal ones. Ignoring this makes a projection
    from early periods far too pessimistic.

Periods are counted from acquisition: period 0 is the period a customer is
acquired (everyone is active), and a customer with lifetime ``T`` is active in
periods ``0 .. T - 1`` and has churned from period ``T`` on. ``S(t)`` is the
probability of still being a customer in period ``t``.

What is here
------------
* Closed forms: :func:`sbg_survival`, :func:`sbg_retention_rate` and
  :func:`sbg_derl` (the discounted expected residual lifetime behind an
  sBG-based LTV).
* :class:`ChurnModel` (``.geometric``, ``.sbg``, ``.sbg_mean``) and
  :func:`simulate_cohorts`: cohorts acquired period after period, two random
  draws per customer (own churn probability, then lifetime), no loop over
  customers.
* :class:`CohortTable`: the cohort × period table in long format (tidy, for
  charts) with a ``wide`` pivot and a pooled ``average`` row.
* :func:`simulate_segments`: segments with different churn acquired together,
  the experiment behind "an average churn rate misleads".
* :func:`fit_sbg`: maximum-likelihood sBG fit to one or several survival
  curves, with standard errors, projections (with a delta-method interval)
  and the geometric model for comparison.
* :func:`repeat_purchase_rate`: the share of customers who bought again, from
  a transaction log such as CDNOW.

Limits
------
Sizes are checked before any work, with the parameter and the cap named:
``MAX_CUSTOMERS`` (10⁷ customers per simulation, about 50 bytes each),
``MAX_COHORTS`` (1,000) and ``MAX_PERIODS`` (10,000 calendar periods).
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special

from funnelsim._deprecation import positional_seed
from funnelsim._random import as_generator, seed_entropy
from funnelsim._time import (
    DAY_NS,
    as_datetimes,
    as_duration,
    check_complete,
    is_datetime,
    local_days,
    time_bins,
)
from funnelsim._validation import check_choice, check_columns, check_int, check_real
from funnelsim.stats import proportion_ci

__all__ = [
    "ChurnModel",
    "CohortSimulation",
    "CohortTable",
    "SBGFit",
    "fit_sbg",
    "repeat_purchase_rate",
    "sbg_derl",
    "sbg_retention_rate",
    "sbg_survival",
    "simulate_cohorts",
    "simulate_segments",
]


#: Largest number of customers :func:`simulate_cohorts` (or a ``ChurnModel`` sampler)
#: draws at once: about 50 bytes each while simulating, so 10⁷ customers take ~0.5 GB.
MAX_CUSTOMERS = 10_000_000
#: Largest ``periods`` (calendar horizon) of :func:`simulate_cohorts`.
MAX_PERIODS = 10_000
#: Largest number of cohorts of :func:`simulate_cohorts` (the cohort table has
#: cohorts × (periods + 2) cells).
MAX_COHORTS = 1_000


def sbg_derl(alpha: float, beta: float, discount: float, periods_survived: int = 0) -> float:
    """Discounted expected residual lifetime (DERL) of an active sBG customer.

    The expected number of renewal payments a customer will still make,
    discounted, valued at the moment of their next renewal decision (Fader &
    Hardie 2010, "Customer-base valuation in a contractual setting: the perils
    of ignoring heterogeneity", *Marketing Science* 29(1), 85-93, eq. 6)::

        DERL = sum over k >= 1 of  P(still a customer k periods from now)
                                   / (1 + discount)**(k - 1)
             = (beta + n) / (alpha + beta + n)
               * 2F1(1, beta + n + 1; alpha + beta + n + 1; 1 / (1 + discount))

    with ``n = periods_survived``: the next payment, if the customer renews,
    counts in full, the one after it is discounted once, and so on (the timing
    of the paper). Multiply by the margin per period to value the customer.

    Parameters
    ----------
    alpha, beta : float
        Parameters of the Beta distribution of churn probabilities, both > 0.
    discount : float
        Discount rate per period, >= 0 (e.g. 0.1 for 10 % a year with yearly
        periods).
    periods_survived : int
        Renewals the customer has already made: 0 for a customer acquired this
        period. Survivors are, on average, the less churn-prone, so DERL grows
        with tenure.

    Returns
    -------
    float
        Expected discounted number of future payments. ``inf`` when
        ``discount == 0`` and ``alpha <= 1``: the undiscounted mean lifetime of
        an sBG cohort is then infinite.

    Raises
    ------
    ValueError, TypeError
        For ``alpha`` or ``beta`` not > 0, a negative or non-finite ``discount``
        or a ``periods_survived`` that is not a whole number >= 0.

    Notes
    -----
    * How it is computed. ``scipy.special.hyp2f1`` is not used: near ``z = 1``
      (small discounts) it transforms to ``1 - z``, a formula that degenerates
      when ``alpha`` is a whole number, and it returns finite wrong values there
      (``sbg_derl(1, 0.2, 0.001)`` came out as -4.96 instead of 1.3257). With
      ``z = 1 / (1 + d)``, ``c = alpha + beta + n``, the incomplete-beta form of
      the hypergeometric function (DLMF 8.17.9, continued analytically in its
      second parameter ``1 - alpha``; Abramowitz & Stegun 26.5.23) and the
      substitution ``t = z exp(-u / c)`` give, for every ``alpha > 0``::

          2F1(1, beta + n + 1; c + 1; z)
              = (1 + d) / d * integral over u in (0, inf) of
                exp(-u) * (1 - expm1(-u / c) / d) ** (-alpha)  du

      The integrand is positive, smooth and at most ``exp(-u)``, so a
      composite 32-point Gauss-Legendre rule (numpy's ``leggauss``) on panels
      that start at the integrand's scale ``c min(1, d / max(alpha, 1))`` and
      grow geometrically reaches about 1e-15 relative accuracy, with no
      cancellation, for integer and non-integer ``alpha``, large ``alpha, beta``
      (near-homogeneous churn) and small discounts alike: it agrees with the
      adaptive Gauss-Kronrod rule of ``scipy.integrate.quad`` (QUADPACK) to
      2e-15 on a grid of 2,520 parameter sets, and does not import
      scipy.integrate (with scipy.optimize and scipy.linalg, a fifth of a
      second, which the command line's ``simulate`` would pay for one LTV).
      The tests check it against the direct sum of the discounted survival
      series on such a grid.
    * Expected discounted lifetime of a customer at acquisition, counting the
      first payment (the paper's DEL, the factor in a new customer's value)::

          DEL = 2F1(1, beta; alpha + beta; 1 / (1 + d)) = 1 + sbg_derl(a, b, d) / (1 + d)

    * Homogeneous limit: as ``alpha, beta -> inf`` with
      ``alpha / (alpha + beta) = theta`` fixed, DERL tends to the geometric
      value ``(1 - theta) * (1 + d) / (d + theta)``.
    * Without discounting (``d = 0``, ``alpha > 1``) DERL is ``(beta + n) / (alpha - 1)``.

    Examples
    --------
    >>> round(sbg_derl(0.704, 1.182, discount=0.10), 3)
    2.965
    >>> round(sbg_derl(0.704, 1.182, discount=0.10, periods_survived=4), 3)
    5.894
    >>> round(sbg_derl(1.0, 0.2, discount=0.001), 4)  # a whole-number alpha, a small discount
    1.3257
    """
    a = check_real("alpha", alpha, low=0.0, low_open=True)
    b = check_real("beta", beta, low=0.0, low_open=True)
    d = check_real("discount", discount, low=0.0)
    n = check_int("periods_survived", periods_survived, low=0)
    if d == 0.0:
        return (b + n) / (a - 1.0) if a > 1.0 else math.inf
    c = a + b + n
    return (b + n) / c * (1.0 + d) / d * _discounted_tail_integral(a, c, d)


#: Upper limit of the DERL integral: exp(-_U_MAX) is below 1e-19 of its value.
_U_MAX = 45.0


def _discounted_tail_integral(a: float, c: float, d: float) -> float:
    """``integral_0^inf exp(-u) (1 - expm1(-u / c) / d) ** (-a) du`` (see :func:`sbg_derl`).

    The factor ``f(u) = (1 - expm1(-u / c) / d) ** (-a)`` falls from 1 at ``u = 0``
    over a scale of about ``c min(1, d / max(a, 1))``; Gauss-Legendre panels that
    start at that scale (at least 1e-30: the integral below it is smaller still)
    and grow fourfold, at most 4.5 wide, resolve it however small ``d`` is, and
    ``exp(-u)`` on the panels further out. As ``f`` is decreasing, the tail beyond
    ``u = 45`` is at most ``f(45) exp(-45)`` and the integral up to 45 at least
    ``f(45) (1 - exp(-45))``: cutting there loses less than 3e-20 of the value.
    """
    # Python floats: an extreme product is inf or 0, not an error
    edge = min(max(c * min(1.0, d / max(a, 1.0)), 1e-30), _PANEL_WIDTH)
    points = [0.0]
    while edge < _U_MAX:
        points.append(edge)
        edge = min(edge * 4.0, edge + _PANEL_WIDTH)
    points.append(_U_MAX)
    ends = np.array(points)
    half = (ends[1:] - ends[:-1]) / 2
    u = (ends[1:] + ends[:-1])[:, None] / 2 + half[:, None] * _GAUSS_NODES
    with np.errstate(over="ignore", under="ignore"):
        f = np.exp(-u - a * np.log1p(-np.expm1(-u / c) / d))
    return float(half @ (f @ _GAUSS_WEIGHTS))


#: Widest panel of the DERL integral (``exp(-u)`` varies over it by a factor of 90).
_PANEL_WIDTH = 4.5
#: Nodes and weights of the 32-point Gauss-Legendre rule on [-1, 1].
_GAUSS_NODES, _GAUSS_WEIGHTS = np.polynomial.legendre.leggauss(32)


# ---------------------------------------------------------------------------
# Closed forms
# ---------------------------------------------------------------------------


def _periods(name: str, t: Any, *, low: float = 0.0) -> np.ndarray:
    """``t`` as a float array of period numbers ``>= low`` (fractional allowed)."""
    if isinstance(t, bool | np.bool_):
        raise TypeError(f"{name} must be a number of periods, got {t!r} (bool)")
    try:
        arr = np.asarray(t, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of periods, got {t!r}") from None
    if not np.all(np.isfinite(arr)) or np.any(arr < low):
        raise ValueError(f"{name} must be finite and >= {low:g}, got {t!r}")
    return arr


def _out(x: np.ndarray) -> Any:
    return float(x) if x.ndim == 0 else x


def sbg_survival(t: Any, alpha: float, beta: float) -> Any:
    """Share of an sBG cohort still active in period ``t``.

    ``S(t) = B(alpha, beta + t) / B(alpha, beta)``, computed with
    ``scipy.special.betaln`` so large ``t`` and parameters do not overflow.

    Parameters
    ----------
    t : float or array_like
        Periods since acquisition, >= 0 (``S(0) = 1``).
    alpha, beta : float
        Beta-distribution parameters of the churn probabilities, > 0.

    Returns
    -------
    float or ndarray
        Survival probabilities in [0, 1], the shape of ``t``.

    Examples
    --------
    >>> round(sbg_survival(1, 0.704, 1.182), 4)  # = beta / (alpha + beta)
    0.6267
    """
    a = check_real("alpha", alpha, low=0.0, low_open=True)
    b = check_real("beta", beta, low=0.0, low_open=True)
    tt = _periods("t", t)
    return _out(np.exp(special.betaln(a, b + tt) - special.betaln(a, b)))


def sbg_retention_rate(t: Any, alpha: float, beta: float) -> Any:
    """Period-to-period retention rate of an sBG cohort, ``S(t) / S(t - 1)``.

    ``r(t) = (beta + t - 1) / (alpha + beta + t - 1)``: the share of the
    customers active in period ``t - 1`` who are still active in period ``t``.
    It rises towards 1 with ``t`` because the churn-prone leave first.

    Parameters
    ----------
    t : float or array_like
        Periods since acquisition, >= 1.
    alpha, beta : float
        Beta-distribution parameters of the churn probabilities, > 0.

    Returns
    -------
    float or ndarray
        Retention rates in (0, 1), the shape of ``t``.

    Examples
    --------
    >>> round(sbg_retention_rate(2, 0.704, 1.182), 4)
    0.7561
    """
    a = check_real("alpha", alpha, low=0.0, low_open=True)
    b = check_real("beta", beta, low=0.0, low_open=True)
    tt = _periods("t", t, low=1.0)
    return _out((b + tt - 1.0) / (a + b + tt - 1.0))


# ---------------------------------------------------------------------------
# Churn models and cohort simulation
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChurnModel:
    """How the customers of a cohort churn from one period to the next.

    Build one with a factory: :meth:`geometric` (everyone churns with the same
    probability) or :meth:`sbg` / :meth:`sbg_mean` (each customer has their own
    churn probability, drawn from a Beta distribution).
    """

    #: "geometric" (homogeneous churn) or "sbg" (shifted-beta-geometric, heterogeneous).
    kind: Literal["geometric", "sbg"]
    #: Churn probability per period of every customer (geometric only, in [0, 1]).
    churn: float | None = None
    #: First Beta parameter of the churn probabilities (sBG only, > 0).
    alpha: float | None = None
    #: Second Beta parameter of the churn probabilities (sBG only, > 0).
    beta: float | None = None

    def __post_init__(self) -> None:
        check_choice("kind", self.kind, ("geometric", "sbg"))
        if self.kind == "geometric":
            if self.churn is None or self.alpha is not None or self.beta is not None:
                raise ValueError(
                    "a geometric churn model takes churn only, got "
                    f"churn={self.churn!r}, alpha={self.alpha!r}, beta={self.beta!r}"
                )
            object.__setattr__(self, "churn", check_real("churn", self.churn, low=0.0, high=1.0))
        else:
            if self.churn is not None or self.alpha is None or self.beta is None:
                raise ValueError(
                    "an sBG churn model takes alpha and beta only, got "
                    f"churn={self.churn!r}, alpha={self.alpha!r}, beta={self.beta!r}"
                )
            for name in ("alpha", "beta"):
                value = check_real(name, getattr(self, name), low=0.0, low_open=True)
                object.__setattr__(self, name, value)

    @classmethod
    def geometric(cls, churn: float) -> ChurnModel:
        """Homogeneous churn: every customer leaves with probability ``churn`` each period."""
        return cls("geometric", churn=churn)

    @classmethod
    def sbg(cls, alpha: float, beta: float) -> ChurnModel:
        """Heterogeneous churn: churn probabilities drawn from Beta(``alpha``, ``beta``)."""
        return cls("sbg", alpha=alpha, beta=beta)

    @classmethod
    def sbg_mean(cls, churn: float, polarization: float) -> ChurnModel:
        """sBG model from its mean churn and its polarization index.

        ``churn = alpha / (alpha + beta)`` is the average churn probability and
        ``polarization = 1 / (alpha + beta + 1)`` in (0, 1) says how different
        the customers are: near 0 almost everyone has the mean churn (close to
        the geometric model), near 1 customers are either very loyal or leave
        at once. Convenient for sliders.
        """
        mu = check_real("churn", churn, low=0.0, high=1.0, low_open=True, high_open=True)
        phi = check_real(
            "polarization", polarization, low=0.0, high=1.0, low_open=True, high_open=True
        )
        total = (1.0 - phi) / phi
        return cls.sbg(mu * total, (1.0 - mu) * total)

    @property
    def mean_churn(self) -> float:
        """Average churn probability per period of a newly acquired customer."""
        if self.kind == "geometric":
            assert self.churn is not None
            return self.churn
        assert self.alpha is not None and self.beta is not None
        return self.alpha / (self.alpha + self.beta)

    @property
    def expected_lifetime(self) -> float:
        """Expected number of periods a new customer is active (``sum of S(t)``, t >= 0).

        ``1 / churn`` for the geometric model; ``(alpha + beta - 1) / (alpha - 1)``
        for the sBG model, infinite when ``alpha <= 1`` (or ``churn == 0``).
        """
        if self.kind == "geometric":
            assert self.churn is not None
            return 1.0 / self.churn if self.churn > 0 else math.inf
        assert self.alpha is not None and self.beta is not None
        if self.alpha <= 1.0:
            return math.inf
        return (self.alpha + self.beta - 1.0) / (self.alpha - 1.0)

    def survival(self, t: Any) -> Any:
        """Share of the cohort still active in period ``t`` (>= 0); ``S(0) = 1``."""
        if self.kind == "geometric":
            assert self.churn is not None
            return _out(np.power(1.0 - self.churn, _periods("t", t)))
        assert self.alpha is not None and self.beta is not None
        return sbg_survival(t, self.alpha, self.beta)

    def retention_rate(self, t: Any) -> Any:
        """Share of the customers active in period ``t - 1`` still active in ``t`` (t >= 1)."""
        if self.kind == "geometric":
            assert self.churn is not None
            tt = _periods("t", t, low=1.0)
            return _out(np.full(tt.shape, 1.0 - self.churn))
        assert self.alpha is not None and self.beta is not None
        return sbg_retention_rate(t, self.alpha, self.beta)

    def derl(self, discount: float, periods_survived: int = 0) -> float:
        """Discounted expected residual lifetime of an active customer (see :func:`sbg_derl`).

        For the geometric model it is ``(1 - churn) * (1 + d) / (d + churn)``
        whatever the tenure (no memory).
        """
        if self.kind == "sbg":
            assert self.alpha is not None and self.beta is not None
            return sbg_derl(self.alpha, self.beta, discount, periods_survived)
        assert self.churn is not None
        d = check_real("discount", discount, low=0.0)
        check_int("periods_survived", periods_survived, low=0)
        if d + self.churn == 0.0:
            return math.inf
        return (1.0 - self.churn) * (1.0 + d) / (d + self.churn)

    @positional_seed
    def sample_churn(self, size: int, *, seed: Any = None) -> np.ndarray:
        """Each of ``size`` new customers' own churn probability per period (float64).

        Parameters
        ----------
        size : int
            Number of customers, in [0, ``MAX_CUSTOMERS``].
        seed : int, numpy.random.Generator, SeedSequence or None
            The only source of randomness (a Generator is used and advanced).

        Returns
        -------
        ndarray
            ``churn`` repeated (geometric) or ``Beta(alpha, beta)`` draws (sBG).
        """
        n = check_int("size", size, low=0, high=MAX_CUSTOMERS)
        return self._churn(as_generator(seed), n)

    @positional_seed
    def sample_lifetimes(self, size: int, cap: int, *, seed: Any = None) -> np.ndarray:
        """Lifetimes (periods active, >= 1) of ``size`` new customers, capped at ``cap``.

        One Beta draw (sBG only) and one uniform per customer: with churn
        probability ``p`` the lifetime ``1 + floor(log(U) / log(1 - p))`` is
        geometric on 1, 2, ... (inverse transform, exact also for ``p`` = 0 or 1).

        Parameters
        ----------
        size : int
            Number of customers, in [0, ``MAX_CUSTOMERS``].
        cap : int
            Longest lifetime reported, in [1, 2**53] (whole numbers exact as
            floats): a value of ``cap`` means "still active after ``cap - 1``
            periods" (right-censored).
        seed : int, numpy.random.Generator, SeedSequence or None
            The only source of randomness (a Generator is used and advanced).

        Returns
        -------
        ndarray
            int64 lifetimes in periods, in ``1 .. cap``.
        """
        n = check_int("size", size, low=0, high=MAX_CUSTOMERS)
        top = check_int("cap", cap, low=1, high=_MAX_LIFETIME)
        rng = as_generator(seed)
        return _geometric_lifetimes(self._churn(rng, n), 1.0 - rng.random(n), top)

    def _churn(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.kind == "geometric":
            assert self.churn is not None
            return np.full(n, self.churn)
        assert self.alpha is not None and self.beta is not None
        return rng.beta(self.alpha, self.beta, n)

    def __str__(self) -> str:
        if self.kind == "geometric":
            return f"geometric churn {self.churn:g}"
        return f"sBG churn (alpha {self.alpha:g}, beta {self.beta:g})"


@dataclass(frozen=True, eq=False, repr=False)
class CohortTable:
    """A cohort × period table in long format, with a wide view.

    Built by :func:`simulate_cohorts`, :meth:`from_counts` and
    :func:`funnelsim.analytics.cohort_retention`. ``long`` has one row per
    cohort and period observed; cells a cohort has not reached yet (the lower
    right triangle of the classic layer-cake table) are absent, so every row is
    data. The columns always include ``cohort``, ``period`` (periods since the
    cohort's start), ``calendar_period`` (``cohort + period``), ``size`` and
    ``active``; the rates depend on the source (see its docs).
    """

    #: One row per (cohort, period) observed.
    long: pd.DataFrame

    def __post_init__(self) -> None:
        check_columns(self.long, ("cohort", "period", "size", "active"), name="long")

    def __repr__(self) -> str:
        periods = int(self.long["period"].max()) + 1 if len(self.long) else 0
        return (
            f"CohortTable(cohorts={len(self.cohorts)}, periods={periods}, "
            f"columns={list(map(str, self.long.columns))})"
        )

    @classmethod
    def from_counts(cls, active: Any, cohorts: Sequence[Any] | None = None) -> CohortTable:
        """A contractual cohort table from counts of active customers.

        Parameters
        ----------
        active : array_like
            Active customers per cohort (rows) and period since acquisition
            (columns, period 0 first = the cohort size): a 1-D curve, a 2-D array
            with NaN where a cohort is not observed yet, or a list of curves of
            different lengths. Counts must not increase along a row.
        cohorts : sequence, optional
            Cohort labels (default 0, 1, 2, ...: cohort *c* acquired in period *c*).
            ``calendar_period`` is ``cohort + period`` for integer labels, NaN
            for other labels.

        Returns
        -------
        CohortTable
            ``long`` columns: ``cohort, period, calendar_period, size, active,
            churned, survival, retention_rate`` — ``survival = active / size``
            and ``retention_rate = active / active in the previous period``
            (NaN in period 0).
        """
        curves = _curves(active, None, name="active")
        if isinstance(cohorts, str):
            raise TypeError(f"cohorts must be a sequence of labels, got {cohorts!r}")
        labels = list(range(len(curves))) if cohorts is None else list(cohorts)
        if len(labels) != len(curves):
            raise ValueError(
                f"cohorts must have one label per cohort ({len(curves)}), got {len(labels)}"
            )
        if len(set(map(repr, labels))) != len(labels):
            raise ValueError(f"cohorts must not repeat a label, got {labels}")
        lengths = np.array([len(c) for c in curves])
        counts = np.concatenate(curves)
        row = np.repeat(np.arange(len(curves)), lengths)
        period = np.concatenate([np.arange(n) for n in lengths])
        return cls(_contractual_long(np.asarray(labels, dtype=object)[row], row, period, counts))

    @property
    def cohorts(self) -> list[Any]:
        """Cohort labels in order."""
        return list(pd.unique(self.long["cohort"]))

    def wide(self, values: str = "active") -> pd.DataFrame:
        """Cohorts as rows, periods since the cohort's start as columns.

        Parameters
        ----------
        values : str
            The column of ``long`` to spread: any column but ``cohort`` and
            ``period``, so the accepted values depend on how the table was made:

            * :func:`simulate_cohorts` and :meth:`from_counts` (contractual):
              ``"calendar_period"``, ``"size"``, ``"active"``, ``"churned"``,
              ``"survival"``, ``"retention_rate"``;
            * :func:`funnelsim.analytics.cohort_retention` (activity log):
              ``"calendar_period"``, ``"size"``, ``"active"``, ``"retention"``,
              ``"ci_low"``, ``"ci_high"``, ``"active_on_or_after"``,
              ``"retention_on_or_after"`` (no ``"survival"``: its analogue is
              ``"retention_on_or_after"``).

        Returns
        -------
        DataFrame
            Index ``cohort``, columns ``period``; NaN where not observed.

        Raises
        ------
        ValueError
            For a ``values`` that is not a column of this table (the message
            lists the ones it has).
        """
        numeric = [c for c in self.long.columns if c not in ("cohort", "period")]
        check_choice("values", values, numeric)
        return self.long.pivot(index="cohort", columns="period", values=values)

    def average(self, confidence: float = 0.95) -> pd.DataFrame:
        """Pool the cohorts: per period, all customers of the cohorts observed then.

        The summary row of a dashboard's retention table: at period ``t``,
        ``active`` and ``size`` are summed over the cohorts that have reached
        ``t``, so the rate is the size-weighted mean of their rates.

        Parameters
        ----------
        confidence : float
            Coverage of the exact interval of ``retention``.

        Returns
        -------
        DataFrame
            ``period, cohorts, size, active, retention, ci_low, ci_high`` with
            ``retention = active / size`` (the pooled survival for a
            contractual table; its exact interval is NaN when the table holds
            fractional counts, e.g. percentages, which are not binomial), plus
            ``active_on_or_after`` and ``retention_on_or_after`` when the table
            has them.
        """
        extra = ["active_on_or_after"] if "active_on_or_after" in self.long.columns else []
        grouped = self.long.groupby("period", sort=True)
        out = grouped[["size", "active", *extra]].sum()
        out.insert(0, "cohorts", grouped.size())
        out = out.reset_index()
        size = out["size"].to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            out["retention"] = out["active"] / size
            if extra:
                out["retention_on_or_after"] = out["active_on_or_after"] / size
        active = out["active"].to_numpy(dtype=float)
        if np.all(active == np.floor(active)) and np.all(size == np.floor(size)):
            out["ci_low"], out["ci_high"] = proportion_ci(active, size, confidence)
        else:  # shares or expected counts: no binomial interval
            check_real("confidence", confidence, low=0.0, high=1.0, low_open=True, high_open=True)
            out["ci_low"] = out["ci_high"] = np.nan
        order = ["period", "cohorts", "size", "active", "retention", "ci_low", "ci_high"]
        return out[order + [c for c in out.columns if c not in order]]

    def counts(self, values: str = "active") -> list[np.ndarray]:
        """Per cohort, the column ``values`` by period (ragged list of float arrays)."""
        check_choice("values", values, [c for c in self.long.columns if c != "cohort"])
        frame = self.long.sort_values("period", kind="stable")  # cohorts keep their order
        groups = frame.groupby("cohort", sort=False)[values]
        return [g.to_numpy(dtype=float) for _, g in groups]


def _contractual_long(
    labels: np.ndarray, row: np.ndarray, period: np.ndarray, active: np.ndarray
) -> pd.DataFrame:
    """Long contractual table from flat (row, period, active) arrays sorted by row, period."""
    first = period == 0
    size = np.asarray(active, dtype=float)[first][row]
    prev = np.concatenate([[np.nan], active[:-1]]).astype(float)
    prev[first] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        survival = np.where(size > 0, active / np.where(size > 0, size, 1), np.nan)
        rate = np.where(prev > 0, active / np.where(prev > 0, prev, 1), np.nan)
    integral = bool(np.all(active == np.round(active)))
    kind = np.int64 if integral else np.float64
    cohort: Any = labels
    if all(isinstance(x, numbers.Integral) for x in labels):
        cohort = labels.astype(np.int64)
        calendar: Any = cohort + period
    else:
        calendar = np.full(len(period), np.nan)
    return pd.DataFrame(
        {
            "cohort": cohort,
            "period": period.astype(np.int64),
            "calendar_period": calendar,
            "size": size.astype(kind),
            "active": np.asarray(active).astype(kind),
            "churned": np.where(first, 0, prev - active).astype(kind),
            "survival": survival,
            "retention_rate": rate,
        }
    )


@dataclass(frozen=True, eq=False, repr=False)
class CohortSimulation:
    """What :func:`simulate_cohorts` returns: the cohort table and every customer."""

    #: The churn law the customers followed.
    model: ChurnModel
    #: Active customers by cohort and period (see :class:`CohortTable`).
    table: CohortTable
    #: Cohort (acquisition period) of each customer, int64.
    cohort: np.ndarray
    #: Each customer's own churn probability per period, float64.
    churn: np.ndarray
    #: Periods each customer was active (>= 1), int64, capped at ``periods + 1``
    #: (= still active at the end of the horizon).
    lifetime: np.ndarray
    #: The int that repeats the run when passed back as ``seed=``; None when no int does
    #: (a Generator that was used or spawned; see :func:`funnelsim._random.seed_entropy`).
    seed: int | None

    @property
    def long(self) -> pd.DataFrame:
        """Shortcut for ``table.long``."""
        return self.table.long

    def wide(self, values: str = "active") -> pd.DataFrame:
        """Shortcut for ``table.wide(values)``."""
        return self.table.wide(values)

    def __repr__(self) -> str:
        return (
            f"CohortSimulation({self.model}, customers={self.cohort.size}, "
            f"cohorts={len(self.table.cohorts)}, seed={self.seed})"
        )


@positional_seed
def simulate_cohorts(
    model: ChurnModel, cohort_sizes: Any, periods: int, *, seed: Any = None
) -> CohortSimulation:
    """Simulate cohorts of customers churning period by period.

    Cohort ``c`` (0, 1, 2, ...) is acquired in calendar period ``c`` and
    observed until calendar period ``periods``, so it is seen for periods
    ``0 .. periods - c`` since acquisition: the triangle of a real cohort
    table. Each customer draws their own churn probability from the model
    (the same for all under the geometric model) and then a geometric lifetime
    — two draws per customer, no loop over customers or periods.

    Parameters
    ----------
    model : ChurnModel
        E.g. ``ChurnModel.geometric(0.2)`` or ``ChurnModel.sbg(0.7, 1.2)``.
    cohort_sizes : int or sequence of int
        Customers acquired in each period (one number = a single cohort); at
        most ``MAX_COHORTS`` (1,000) cohorts and ``MAX_CUSTOMERS`` (10⁷)
        customers in all.
    periods : int
        Last calendar period observed, >= number of cohorts - 1 and <=
        ``MAX_PERIODS`` (10,000).
    seed : int, numpy.random.Generator, SeedSequence or None
        The only source of randomness; same seed, same result.

    Returns
    -------
    CohortSimulation
        ``.table.long`` columns: ``cohort, period, calendar_period, size,
        active, churned, survival, retention_rate``; ``.wide("survival")`` is
        the classic cohort table. Per customer: ``.cohort``, ``.churn``,
        ``.lifetime``.

    Examples
    --------
    >>> sim = simulate_cohorts(ChurnModel.sbg(0.7, 1.2), [1000, 1200], periods=3, seed=1)
    >>> sim.wide("active").shape
    (2, 4)
    """
    if not isinstance(model, ChurnModel):
        raise TypeError(
            "model must be a ChurnModel (e.g. ChurnModel.sbg(0.7, 1.2)), "
            f"got {type(model).__name__}"
        )
    scalar = np.ndim(cohort_sizes) == 0
    # counted before any per-cohort work (an array of 10**8 sizes must fail at once)
    count = np.size(cohort_sizes) if isinstance(cohort_sizes, np.ndarray) else None
    raw: list[Any] = []
    if count is None or count <= MAX_COHORTS:
        raw = [cohort_sizes] if scalar else list(np.asarray(cohort_sizes, dtype=object).ravel())
        count = len(raw)
    if count > MAX_COHORTS:
        raise ValueError(
            f"cohort_sizes must hold at most {MAX_COHORTS:,} cohorts (MAX_COHORTS), got {count:,}"
        )
    if not raw:
        raise ValueError("cohort_sizes must hold at least one cohort, got an empty sequence")
    sizes = np.array(
        [check_int("cohort size", s, low=0, high=MAX_CUSTOMERS) for s in raw], dtype=np.int64
    )
    if int(sizes.sum()) > MAX_CUSTOMERS:
        raise ValueError(
            f"cohort_sizes must add up to at most {MAX_CUSTOMERS:,} customers (MAX_CUSTOMERS, "
            f"about 50 bytes each), got {int(sizes.sum()):,}"
        )
    n_cohorts = sizes.size
    horizon = check_int("periods", periods, low=n_cohorts - 1, high=MAX_PERIODS)

    rng = as_generator(seed)
    recorded = seed_entropy(rng)
    cohort = np.repeat(np.arange(n_cohorts, dtype=np.int64), sizes)
    churn = model._churn(rng, cohort.size)
    lifetime = _geometric_lifetimes(churn, 1.0 - rng.random(cohort.size), horizon + 1)

    # Customers active at age t are those with lifetime > t: a reverse cumulative count.
    width = horizon + 2
    ends = np.bincount(cohort * width + lifetime, minlength=n_cohorts * width)
    alive = np.cumsum(ends.reshape(n_cohorts, width)[:, ::-1], axis=1)[:, ::-1][:, 1:]
    observed = np.arange(horizon + 1)[None, :] <= (horizon - np.arange(n_cohorts))[:, None]
    row, period = np.nonzero(observed)
    long = _contractual_long(
        np.arange(n_cohorts, dtype=object)[row], row, period, alive[row, period]
    )
    return CohortSimulation(model, CohortTable(long), cohort, churn, lifetime, recorded)


def simulate_segments(
    segments: Mapping[str, float | ChurnModel],
    sizes: int | Sequence[int],
    periods: int,
    *,
    seed: Any = None,
) -> CohortTable:
    """Simulate customer segments acquired together, each with its own churn law.

    The experiment behind "an average churn rate misleads": every segment is a
    cohort of customers acquired in period 0 and observed for periods
    ``0 .. periods``; :meth:`CohortTable.average` then pools them into the
    curve a company sees when it does not tell its segments apart. Each
    segment's survival is ``(1 - churn)**t`` for a geometric churn, so the
    pooled survival of shares ``w_i`` is ``sum_i w_i (1 - churn_i)**t`` — a
    finite mixture of geometric laws, whose period-to-period retention rises
    with tenure as the churn-prone segment empties (the discrete case of the
    heterogeneity the sBG model describes with a Beta distribution; Fader &
    Hardie 2007, "How to project customer retention", section 2).

    Parameters
    ----------
    segments : mapping of str to float or ChurnModel
        Segment name → churn probability per period in [0, 1] (geometric), or a
        :class:`ChurnModel`; at least one, at most ``MAX_COHORTS``.
    sizes : int or sequence of int
        Customers per segment: one number for every segment, or one per segment
        in the mapping's order; at most ``MAX_CUSTOMERS`` in all.
    periods : int
        Last period observed, in [1, ``MAX_PERIODS``].
    seed : int, numpy.random.Generator, SeedSequence or None
        The only source of randomness; same seed, same table.

    Returns
    -------
    CohortTable
        One cohort per segment, labelled by its name (columns as
        :meth:`CohortTable.from_counts`); ``average()`` is the pooled curve.

    Raises
    ------
    TypeError, ValueError
        For segments that are not a mapping of names to churn, a size or
        period count out of range, or a churn outside [0, 1].

    Examples
    --------
    >>> table = simulate_segments({"loyal": 0.05, "fickle": 0.30}, 1000, 12, seed=1)
    >>> table.cohorts
    ['loyal', 'fickle']
    >>> table.wide("active").shape
    (2, 13)
    """
    if not isinstance(segments, Mapping) or not segments:
        raise TypeError(
            "segments must be a non-empty mapping of segment names to churn "
            f"(e.g. {{'loyal': 0.05, 'fickle': 0.30}}), got {segments!r}"
        )
    if len(segments) > MAX_COHORTS:
        raise ValueError(
            f"segments must hold at most {MAX_COHORTS:,} segments (MAX_COHORTS), "
            f"got {len(segments):,}"
        )
    names = list(segments)
    for name in names:
        if not isinstance(name, str) or not name:
            raise TypeError(f"segment names must be non-empty strings, got {name!r}")
    models = [
        m if isinstance(m, ChurnModel) else ChurnModel.geometric(_segment_churn(n, m))
        for n, m in segments.items()
    ]
    if np.ndim(sizes) == 0:
        counts = [check_int("sizes", sizes, low=0, high=MAX_CUSTOMERS)] * len(names)
    else:
        raw = list(np.asarray(sizes, dtype=object).ravel())
        if len(raw) != len(names):
            raise ValueError(f"sizes must give one size per segment ({len(names)}), got {len(raw)}")
        counts = [check_int("sizes", n, low=0, high=MAX_CUSTOMERS) for n in raw]
    if sum(counts) > MAX_CUSTOMERS:
        raise ValueError(
            f"sizes must add up to at most {MAX_CUSTOMERS:,} customers (MAX_CUSTOMERS), "
            f"got {sum(counts):,}"
        )
    horizon = check_int("periods", periods, low=1, high=MAX_PERIODS)
    rng = as_generator(seed)
    curves = []
    for model, n in zip(models, counts, strict=True):
        life = _geometric_lifetimes(model._churn(rng, n), 1.0 - rng.random(n), horizon + 1)
        # active at age t: lifetime > t, a reverse cumulative count of the lifetimes
        ends = np.bincount(life, minlength=horizon + 2)
        curves.append(np.cumsum(ends[::-1])[::-1][1:])
    return CohortTable.from_counts(curves, cohorts=names)


def _segment_churn(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"churn of segment {name!r} must be a probability per period or a ChurnModel, "
            f"got {value!r} ({type(value).__name__})"
        )
    return check_real(f"churn of segment {name!r}", value, low=0.0, high=1.0)


def _geometric_lifetimes(p: np.ndarray, u: np.ndarray, cap: int) -> np.ndarray:
    """Inverse-transform geometric lifetimes on 1, 2, ..., capped at ``cap``; ``u`` in (0, 1]."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        x = np.log(u) / np.log1p(-p)
    x = np.where((p == 0) | np.isnan(x), np.inf, x)
    return (np.minimum(np.floor(x), cap - 1) + 1).astype(np.int64)


# ---------------------------------------------------------------------------
# Fitting the sBG model
# ---------------------------------------------------------------------------

#: Largest lifetime cap of ``ChurnModel.sample_lifetimes`` (every whole number up to
#: it is exact in float64, where the inverse transform computes).
_MAX_LIFETIME = 2**53

#: Bounds of log(alpha) and log(beta) in the fit: alpha, beta in [6e-6, 1.6e5].
_LOG_BOUND = 12.0
#: Above this alpha + beta (polarization below 0.001) churn is practically homogeneous.
_NO_SPREAD = 1000.0
#: Below this alpha + beta (polarization above 0.999) churn is all-or-nothing.
_ALL_SPREAD = 1e-3


def _boundary_problem(a: float, b: float, x: np.ndarray, geo_churn: float) -> str | None:
    """Why an sBG fit is not determined by its data (a warning text), or None."""
    if geo_churn == 0.0 or geo_churn == 1.0:
        what = "no customer churned" if geo_churn == 0.0 else "every customer churned in period 1"
        return (
            f"the sBG fit is not determined: {what}, so the mean churn sits at "
            f"{geo_churn:g} and alpha={a:.3g}, beta={b:.3g} only mark where the search stopped"
        )
    if np.any(x >= _LOG_BOUND - 1e-6) or a + b > _NO_SPREAD:
        return (
            f"the sBG fit found no measurable heterogeneity (alpha={a:.3g}, beta={b:.3g}, "
            f"alpha + beta = {a + b:.3g} > {_NO_SPREAD:g}): the estimates are poorly "
            f"determined and the geometric model with churn {geo_churn:.4g} describes the "
            "data as well"
        )
    if np.any(x <= -_LOG_BOUND + 1e-6) or a + b < _ALL_SPREAD:
        return (
            f"the sBG fit found extreme heterogeneity (alpha={a:.3g}, beta={b:.3g}, "
            f"alpha + beta = {a + b:.3g} < {_ALL_SPREAD:g}): the data look like two groups, "
            "one leaving at once and one never leaving, and the estimates sit at the edge "
            "of the search and are poorly determined"
        )
    return None


def _curves(data: Any, cohort_size: Any, *, name: str = "survivors") -> list[np.ndarray]:
    """Normalise survivor data into a list of float count curves (period 0 first)."""
    if isinstance(data, CohortSimulation):
        data = data.table
    if isinstance(data, CohortTable):
        rows = data.counts("active")
    elif isinstance(data, pd.DataFrame):
        text = [
            str(c) for c, kind in data.dtypes.items() if not pd.api.types.is_numeric_dtype(kind)
        ]
        if text:
            raise TypeError(
                f"{name} must hold numbers only (one column per period), but column(s) {text} "
                "are not numeric; move the cohort labels into the index"
            )
        rows = [_observed(name, r) for r in data.to_numpy(dtype=float)]
    else:
        if isinstance(data, str) or not isinstance(data, Sequence | np.ndarray | pd.Series):
            raise TypeError(
                f"{name} must be a sequence of counts, a 2-D array, a DataFrame or a "
                f"CohortTable, got {type(data).__name__}"
            )
        items = list(data)
        if not items:
            raise ValueError(f"{name} must hold at least one survival curve, got none")
        if all(np.ndim(x) == 1 for x in items):
            rows = [_observed(name, _float_curve(name, x)) for x in items]
        else:
            arr = _float_curve(name, items)
            rows = [_observed(name, np.asarray(r)) for r in arr] if arr.ndim == 2 else [arr]
    if not rows:
        raise ValueError(f"{name} must hold at least one survival curve, got none")
    if cohort_size is not None:
        given = np.atleast_1d(np.asarray(cohort_size, dtype=object)).ravel()
        if given.size not in (1, len(rows)):
            raise ValueError(
                f"cohort_size must be one number or one per cohort ({len(rows)}), "
                f"got {given.size}: {cohort_size!r}"
            )
        sizes = np.broadcast_to(given, (len(rows),))
        sizes_f = np.array([check_real("cohort_size", s, low=0.0, low_open=True) for s in sizes])
        for r in rows:
            if r.size and not math.isclose(r[0], 100.0, rel_tol=1e-9):
                raise ValueError(
                    f"with cohort_size, {name} are percentages and must start at 100 "
                    f"(period 0), got {r[0]:g}"
                )
        rows = [r * n / 100.0 for r, n in zip(rows, sizes_f, strict=True)]
    for r in rows:
        if r.ndim != 1 or r.size < 1:
            raise ValueError(f"each curve in {name} needs at least period 0, got {r}")
        if not np.all(np.isfinite(r)) or np.any(r < 0):
            raise ValueError(f"{name} must be finite and >= 0, got {r}")
        if r[0] <= 0:
            raise ValueError(f"{name} must start with a cohort size > 0 at period 0, got {r[0]:g}")
        if np.any(np.diff(r) > 1e-9 * r[0]):
            hint = ""
            if isinstance(data, CohortTable) and "active_on_or_after" in data.long.columns:
                hint = (
                    "; customers of an activity log come and go: fit the customers not yet "
                    "gone, fit_sbg(table.wide('active_on_or_after'))"
                )
            raise ValueError(f"{name} must not increase from one period to the next, got {r}{hint}")
    return rows


def _float_curve(name: str, x: Any) -> np.ndarray:
    try:
        return np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must hold numbers, got {x!r}") from None


def _observed(name: str, row: np.ndarray) -> np.ndarray:
    """A row up to its first NaN (later cells are not observed yet); no gaps allowed."""
    nan = np.flatnonzero(np.isnan(row))
    if not nan.size:
        return row
    if not np.all(np.isnan(row[nan[0] :])):
        raise ValueError(
            f"{name} may hold NaN only after a cohort's last observed period, got a gap in {row}"
        )
    return row[: nan[0]]


def _sufficient(curves: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Churners in each period t >= 1 and survivors censored at each t, summed over cohorts."""
    longest = max(r.size for r in curves)
    died = np.zeros(longest)
    censored = np.zeros(longest)
    for r in curves:  # one pass per cohort, not per customer
        died[1 : r.size] += r[:-1] - r[1:]
        censored[r.size - 1] += r[-1]
    return died, censored


def _negloglik(
    log_params: np.ndarray, died: np.ndarray, censored: np.ndarray
) -> tuple[float, np.ndarray]:
    """Negative sBG log-likelihood and its gradient in (log alpha, log beta)."""
    a, b = np.exp(log_params)
    t = np.arange(died.size, dtype=float)
    d, c, td = died[1:], censored[1:], t[1:]
    base = special.betaln(a, b)
    log_p = special.betaln(a + 1.0, b + td - 1.0) - base  # P(lifetime = t), t >= 1
    log_s = special.betaln(a, b + td) - base  # S(t)
    ll = float(np.dot(d, log_p) + np.dot(c, log_s))
    psi_ab = special.digamma(a + b)
    da_base = special.digamma(a) - psi_ab
    db_base = special.digamma(b) - psi_ab
    psi_abt = special.digamma(a + b + td)
    dp_da = special.digamma(a + 1.0) - psi_abt - da_base
    dp_db = special.digamma(b + td - 1.0) - psi_abt - db_base
    ds_da = psi_ab - psi_abt
    ds_db = special.digamma(b + td) - psi_abt - db_base
    grad_a = np.dot(d, dp_da) + np.dot(c, ds_da)
    grad_b = np.dot(d, dp_db) + np.dot(c, ds_db)
    return -ll, -np.array([grad_a * a, grad_b * b])


@dataclass(frozen=True, repr=False)
class SBGFit:
    """A fitted shifted-beta-geometric churn model (what :func:`fit_sbg` returns)."""

    #: First Beta parameter of the churn probabilities.
    alpha: float
    #: Second Beta parameter of the churn probabilities.
    beta: float
    #: Maximised log-likelihood (natural log).
    loglik: float
    #: Standard error of alpha (observed information, delta method); NaN if unavailable.
    se_alpha: float
    #: Standard error of beta, likewise.
    se_beta: float
    #: Size of each fitted cohort (customers at period 0).
    sizes: tuple[float, ...]
    #: Longest observed period since acquisition.
    periods: int
    #: Whether the optimiser reported success.
    converged: bool
    #: Churn probability of the best geometric (homogeneous) model for the same data.
    geometric_churn: float
    #: Its log-likelihood: ``2 * (loglik - geometric_loglik)`` is the likelihood-ratio
    #: statistic for heterogeneity (compare with chi-square, 1 degree of freedom).
    geometric_loglik: float
    #: Covariance matrix of ``(log alpha, log beta)`` (inverse observed information), as
    #: nested tuples; None when unavailable (then projections have no interval).
    covariance: tuple[tuple[float, float], tuple[float, float]] | None = None

    @property
    def model(self) -> ChurnModel:
        """The fitted law as a :class:`ChurnModel` (e.g. to simulate from it)."""
        return ChurnModel.sbg(self.alpha, self.beta)

    @property
    def mean_churn(self) -> float:
        """Average churn probability of a new customer, ``alpha / (alpha + beta)``."""
        return self.alpha / (self.alpha + self.beta)

    def survival(self, t: Any) -> Any:
        """Fitted share of a cohort active in period ``t`` (a fraction in [0, 1])."""
        return sbg_survival(t, self.alpha, self.beta)

    def retention_rate(self, t: Any) -> Any:
        """Fitted period-to-period retention rate in period ``t`` >= 1."""
        return sbg_retention_rate(t, self.alpha, self.beta)

    def derl(self, discount: float, periods_survived: int = 0) -> float:
        """Discounted expected residual lifetime, :func:`sbg_derl` with the fitted parameters."""
        return sbg_derl(self.alpha, self.beta, discount, periods_survived)

    def project(
        self,
        periods: int,
        cohort_size: float | None = None,
        *,
        confidence: float | None = None,
        geometric: bool = False,
    ) -> pd.DataFrame:
        """The fitted curve for periods ``0 .. periods``, optionally with its uncertainty.

        Parameters
        ----------
        periods : int
            Last period to project, >= 0 (may go beyond the data).
        cohort_size : float, optional
            Customers at period 0 (default: the first fitted cohort's size).
        confidence : float, optional
            If given (e.g. 0.95), add ``ci_low`` and ``ci_high``: a delta-method
            interval of ``survival`` from the uncertainty of the fitted alpha and
            beta. With ``g`` the gradient of ``log S(t)`` in ``(log alpha, log
            beta)``::

                d log S / d log alpha = alpha * (psi(alpha + beta) - psi(alpha + beta + t))
                d log S / d log beta  = beta * (psi(beta + t) - psi(beta)
                                                + psi(alpha + beta) - psi(alpha + beta + t))

            (``psi`` the digamma function, from ``S(t) = B(alpha, beta + t) /
            B(alpha, beta)``), the interval is ``S(t) exp(± z sqrt(g' V g))``
            capped at 1, ``V`` = :attr:`covariance` and ``z`` the normal
            quantile (the delta method, e.g. Casella & Berger, *Statistical
            Inference*, 2nd ed., §5.5.4, on the log scale so the bounds stay
            positive). It covers the *parameter* uncertainty only: the average
            a cohort of this kind will follow, not one small cohort's own noise.
            NaN when the fit has no covariance.
        geometric : bool
            Add ``geometric_survival``: the projection of the constant-churn
            (geometric) model fitted to the same data, ``(1 - geometric_churn)**t``,
            for comparison.

        Returns
        -------
        DataFrame
            ``period, survival, retention_rate, active`` (then ``ci_low,
            ci_high`` and ``geometric_survival`` when asked for) — ``active`` is
            the expected number of customers still active; ``retention_rate`` is
            NaN in period 0.

        Raises
        ------
        ValueError
            For ``periods`` below 0, a negative ``cohort_size`` or a
            ``confidence`` outside (0, 1).
        """
        last = check_int("periods", periods, low=0)
        size = self.sizes[0] if cohort_size is None else cohort_size
        size = check_real("cohort_size", size, low=0.0)
        level = None
        if confidence is not None:
            level = check_real(
                "confidence", confidence, low=0.0, high=1.0, low_open=True, high_open=True
            )
        t = np.arange(last + 1)
        surv = sbg_survival(t, self.alpha, self.beta)
        rate = np.concatenate([[np.nan], sbg_retention_rate(t[1:], self.alpha, self.beta)])
        out = pd.DataFrame(
            {"period": t, "survival": surv, "retention_rate": rate, "active": size * surv}
        )
        if level is not None:
            out["ci_low"], out["ci_high"] = self._survival_interval(t, np.asarray(surv), level)
        if geometric:
            out["geometric_survival"] = np.power(1.0 - self.geometric_churn, t.astype(float))
        return out

    def _survival_interval(
        self, t: np.ndarray, surv: np.ndarray, level: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Delta-method interval of ``S(t)`` on the log scale (see :meth:`project`)."""
        if self.covariance is None:
            nan = np.full(t.shape, np.nan)
            return nan, nan.copy()
        a, b = self.alpha, self.beta
        tt = t.astype(float)
        psi_ab = special.digamma(a + b)
        psi_abt = special.digamma(a + b + tt)
        grad = np.stack(
            [
                a * (psi_ab - psi_abt),
                b * (special.digamma(b + tt) - special.digamma(b) + psi_ab - psi_abt),
            ]
        )
        cov = np.asarray(self.covariance, dtype=float)
        sd = np.sqrt(np.maximum(np.einsum("it,ij,jt->t", grad, cov, grad), 0.0))
        z = float(special.ndtri(0.5 + level / 2.0))
        return surv * np.exp(-z * sd), np.minimum(surv * np.exp(z * sd), 1.0)

    def __repr__(self) -> str:
        return (
            f"SBGFit(alpha={self.alpha:.4g} ± {self.se_alpha:.2g}, "
            f"beta={self.beta:.4g} ± {self.se_beta:.2g}, loglik={self.loglik:.2f}, "
            f"cohorts={len(self.sizes)}, periods={self.periods})"
        )


def fit_sbg(survivors: Any, *, cohort_size: Any = None) -> SBGFit:
    """Maximum-likelihood fit of the shifted-beta-geometric model to survival data.

    A customer of a cohort who churned in period ``t`` contributes
    ``log P(T = t) = log[B(alpha + 1, beta + t - 1) / B(alpha, beta)]``; one
    still active at the last observed period ``t`` contributes
    ``log S(t)`` (right-censored). The sum over customers and cohorts is
    maximised over ``(log alpha, log beta)`` by L-BFGS-B with the analytic
    gradient (Fader & Hardie 2007, "How to project customer retention").

    Parameters
    ----------
    survivors : array_like, DataFrame or CohortTable
        Customers still active in periods 0, 1, 2, ... since acquisition, period
        0 being the cohort size — e.g. ``[1000, 631, 468, 382, 326]``. Several
        cohorts at once: a list of such curves (lengths may differ), a 2-D array
        or a wide DataFrame (rows = cohorts; NaN after a cohort's last observed
        period), a :class:`CohortTable` (its ``active`` column) or the
        :class:`CohortSimulation` that :func:`simulate_cohorts` returns.
    cohort_size : float or sequence of float, optional
        If given, ``survivors`` are *percentages* of the cohort (starting at
        100) and this is the number of customers they refer to (one number,
        or one per cohort). Needed because the likelihood depends on how many
        customers a percentage stands for.

    Returns
    -------
    SBGFit
        ``alpha``, ``beta``, ``loglik``, standard errors, and ``survival(t)``,
        ``retention_rate(t)``, ``project(periods)``, ``derl(discount)``.

    Raises
    ------
    ValueError
        If no cohort is observed beyond period 1: one period of churn
        identifies the mean churn ``alpha / (alpha + beta)`` only, not the
        two parameters (the likelihood is flat along that ratio).

    Warns
    -----
    RuntimeWarning
        When the estimates are not determined by the data, naming the case:

        * no measurable heterogeneity — ``alpha + beta > 1000`` or an estimate
          at the upper search bound (1.6e5): the geometric model fits as well;
        * extreme heterogeneity — ``alpha + beta < 0.001`` or an estimate at the
          lower search bound (6e-6): the data look like two groups, one leaving
          at once and one never leaving (a survival curve that is flat after a
          drop, e.g. ``[100, 60, 60, 60]``);
        * no churn at all, or every customer gone in period 1 (the pooled churn
          is 0 or 1), where the mean churn sits at its edge.

    Examples
    --------
    >>> regular = [1000, 631, 468, 382, 326, 289, 262, 241]  # Fader & Hardie (2007)
    >>> fit = fit_sbg(regular)
    >>> round(fit.alpha, 3), round(fit.beta, 3)
    (0.704, 1.182)
    """
    curves = _curves(survivors, cohort_size)
    longest = max(r.size for r in curves) - 1
    if longest < 1:
        raise ValueError(
            "survivors need at least one cohort observed beyond period 0 to show any churn"
        )
    if longest < 2:
        raise ValueError(
            "survivors observed up to period 1 only cannot identify alpha and beta: every "
            "pair with the same alpha / (alpha + beta) fits them equally well; the sBG "
            "model needs at least one cohort observed up to period 2 (for one period, "
            f"the churn estimate is {_geometric_mle(*_sufficient(curves))[0]:.4g})"
        )
    died, censored = _sufficient(curves)
    theta = float(np.clip(_geometric_mle(died, censored)[0], 0.01, 0.99))
    x0 = np.log([theta, 1.0 - theta])  # a Beta with the pooled churn as its mean
    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * 2
    from scipy import optimize  # here, not at the top: it alone doubles the module's import

    res = optimize.minimize(
        _negloglik, x0, args=(died, censored), jac=True, method="L-BFGS-B", bounds=bounds
    )
    x = res.x
    geo_churn, geo_ll = _geometric_mle(died, censored)
    problem = _boundary_problem(float(math.exp(x[0])), float(math.exp(x[1])), x, geo_churn)
    if problem is not None:
        warnings.warn(problem, RuntimeWarning, stacklevel=2)
    cov = _covariance(x, died, censored)
    se = _standard_errors(x, cov)
    return SBGFit(
        alpha=float(math.exp(x[0])),
        beta=float(math.exp(x[1])),
        loglik=float(-res.fun),
        se_alpha=se[0],
        se_beta=se[1],
        sizes=tuple(float(r[0]) for r in curves),
        periods=max(r.size for r in curves) - 1,
        converged=bool(res.success),
        geometric_churn=geo_churn,
        geometric_loglik=geo_ll,
        covariance=None if cov is None else ((cov[0, 0], cov[0, 1]), (cov[1, 0], cov[1, 1])),
    )


def _geometric_mle(died: np.ndarray, censored: np.ndarray) -> tuple[float, float]:
    """Closed-form MLE of a constant churn probability and its log-likelihood.

    A customer who churned in period ``t`` was at risk for ``t`` periods, one
    still active at ``t`` likewise, so ``churn = churners / periods at risk``.
    """
    t = np.arange(died.size, dtype=float)
    churners = float(died.sum())
    at_risk = float(np.dot(died + censored, t))
    theta = churners / at_risk if at_risk > 0 else 0.0
    stays = at_risk - churners
    ll = float(special.xlogy(churners, theta) + special.xlogy(stays, 1.0 - theta))
    return theta, ll


def _covariance(x: np.ndarray, died: np.ndarray, censored: np.ndarray) -> np.ndarray | None:
    """Inverse observed information in ``(log alpha, log beta)``; None if not positive definite."""
    h = 1e-5
    hess = np.empty((2, 2))
    for j in range(2):
        step = np.zeros(2)
        step[j] = h
        hess[:, j] = (
            _negloglik(x + step, died, censored)[1] - _negloglik(x - step, died, censored)[1]
        ) / (2 * h)
    hess = (hess + hess.T) / 2
    try:
        cov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        return None
    var = np.diag(cov)
    if np.any(var <= 0) or not np.all(np.isfinite(cov)):
        return None
    return cov


def _standard_errors(x: np.ndarray, cov: np.ndarray | None) -> tuple[float, float]:
    """Delta-method standard errors of alpha and beta from the log-parameter covariance."""
    if cov is None:
        return math.nan, math.nan
    a, b = np.exp(x)
    return float(a * math.sqrt(cov[0, 0])), float(b * math.sqrt(cov[1, 1]))


# ---------------------------------------------------------------------------
# Transaction logs: repeat purchases (time handling lives in funnelsim._time)
# ---------------------------------------------------------------------------


def repeat_purchase_rate(
    transactions: pd.DataFrame,
    *,
    customer: str = "customer_id",
    time: str = "date",
    within: Any = None,
    period: Any = None,
    confidence: float = 0.95,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame:
    """Share of customers who bought again after their first purchase.

    A repeat customer has purchases on two or more distinct days (datetimes:
    calendar days of the log's own clock, so several orders on the first day do
    not count as a repeat — the CDNOW datasheet's advice) or at two or more
    distinct times (numbers). This is exactly ``frequency >= 2`` in
    :func:`funnelsim.rfm` with its default ``frequency="days"``.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase, with the customer and time columns.
    customer, time : str
        Column names of the customer id and the purchase time (datetimes,
        dates as text, or numbers).
    within : duration or float, optional
        Count a repeat only if its day (time) is at most this long after the
        first purchase's day (time): a ``pandas.Timedelta``, ``timedelta`` or text
        with a unit like ``"90D"`` for datetimes — a bare number is refused there,
        as it has no unit — and a number for numeric times. Default: at any time
        in the log.
    period : str or float, optional
        Group customers into cohorts by the period of their first purchase
        (``"M"``/``"ME"``, ``"W"``... or a bin width); default one row for everyone.
    confidence : float
        Coverage of the Clopper–Pearson interval of each rate.
    date_format, dayfirst : optional
        How to read a time column of text that is not ISO 8601 (e.g.
        ``date_format="%d.%m.%Y"``); never guessed.

    Returns
    -------
    DataFrame
        ``cohort`` (if ``period``), ``customers, repeat_customers, repeat_rate,
        ci_low, ci_high``.

    Examples
    --------
    >>> from funnelsim.datasets import load_cdnow
    >>> round(float(repeat_purchase_rate(load_cdnow())["repeat_rate"].iloc[0]), 4)
    0.4886
    >>> round(float(repeat_purchase_rate(load_cdnow(), within="90D")["repeat_rate"].iloc[0]), 4)
    0.2922
    """
    data = check_columns(transactions, (customer, time), name="transactions")
    times = data[time]
    check_complete(times, time)
    check_complete(data[customer], customer)
    if pd.api.types.is_bool_dtype(times) or not (
        is_datetime(times) or pd.api.types.is_numeric_dtype(times)
    ):
        if pd.api.types.infer_dtype(times, skipna=True) not in ("string", "datetime", "date"):
            raise TypeError(
                f"column {time!r} must hold datetimes or numbers, got dtype {times.dtype}"
            )
        times = as_datetimes(
            times, name=f"transactions column {time!r}", date_format=date_format, dayfirst=dayfirst
        )
    dated = is_datetime(times)
    limit = None if within is None else as_duration("within", within, datetimes=dated)
    occasion = local_days(times) if dated else times.to_numpy(dtype=float)
    if not dated and not np.isfinite(occasion).all():
        raise ValueError(f"column {time!r} must hold finite times")
    codes, ids = pd.factorize(data[customer], sort=True)
    first, second = _first_two(np.asarray(codes, dtype=np.int64), occasion, len(ids))
    repeat = ~np.isnan(second) if not dated else second != _NO_DAY
    if limit is not None:
        bound = limit / DAY_NS if dated else limit  # in whole days for datetimes
        repeat[repeat] = (second[repeat] - first[repeat]) <= bound
    if period is None:
        out = pd.DataFrame({"customers": [repeat.size], "repeat_customers": [int(repeat.sum())]})
    else:
        firsts = times.groupby(codes).min().reset_index(drop=True)
        bins, label = time_bins(firsts, period, column=time)
        cohort, uniq = pd.factorize(bins, sort=True)
        n = np.bincount(cohort)
        k = np.bincount(cohort, weights=repeat).astype(np.int64)
        out = pd.DataFrame(
            {"cohort": label(np.asarray(uniq)), "customers": n, "repeat_customers": k}
        )
    low, high = proportion_ci(out["repeat_customers"], out["customers"], confidence)
    out["repeat_rate"] = out["repeat_customers"] / out["customers"]
    out["ci_low"] = low
    out["ci_high"] = high
    return out


#: "No second purchase day" in :func:`_first_two` for day numbers.
_NO_DAY = np.iinfo(np.int64).max


def _first_two(codes: np.ndarray, when: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's first and second distinct purchase time (``_NO_DAY``/NaN if none)."""
    none = _NO_DAY if when.dtype.kind == "i" else np.nan
    big = _NO_DAY if when.dtype.kind == "i" else np.inf
    first = np.full(n, big, dtype=when.dtype)
    np.minimum.at(first, codes, when)
    later = when > first[codes]
    second = np.full(n, big, dtype=when.dtype)
    np.minimum.at(second, codes[later], when[later])
    if when.dtype.kind == "f":
        second[second == np.inf] = none
    return first, second
