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
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from funnelsim._validation import check_int, check_real

__all__ = ["sbg_derl"]


def sbg_derl(alpha: float, beta: float, discount: float, periods_survived: int = 0) -> float:
    """Discounted expected residual lifetime (DERL) of an active sBG customer.

    The expected number of renewal payments a customer will still make,
    discounted, valued at the moment of their next renewal decision (Fader &
    Hardie 2010, "Customer-base valuation in a contractual setting: the perils
    of ignoring heterogeneity", *Marketing Science* 29(1), 85-93)::

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

    Notes
    -----
    * Expected discounted lifetime of a customer at acquisition, counting the
      first payment (the paper's DEL, the factor in a new customer's value)::

          DEL = 2F1(1, beta; alpha + beta; 1 / (1 + d)) = 1 + sbg_derl(a, b, d) / (1 + d)

    * Homogeneous limit: as ``alpha, beta -> inf`` with
      ``alpha / (alpha + beta) = theta`` fixed, DERL tends to the geometric
      value ``(1 - theta) * (1 + d) / (d + theta)``.
    * Without discounting (``d = 0``, ``alpha > 1``) DERL is ``(beta + n) / (alpha - 1)``.
    * ``scipy.special.hyp2f1`` loses its way when ``alpha`` and ``beta`` are
      both large (around 100 and above, near-homogeneous churn); the series
      above is then summed directly (its terms fall at least geometrically).

    Examples
    --------
    >>> round(sbg_derl(0.704, 1.182, discount=0.10), 3)
    2.965
    >>> round(sbg_derl(0.704, 1.182, discount=0.10, periods_survived=4), 3)
    5.894
    """
    a = check_real("alpha", alpha, low=0.0, low_open=True)
    b = check_real("beta", beta, low=0.0, low_open=True)
    d = check_real("discount", discount, low=0.0)
    n = check_int("periods_survived", periods_survived, low=0)
    if d == 0.0:
        return (b + n) / (a - 1.0) if a > 1.0 else math.inf
    lead = (b + n) / (a + b + n)
    value = float(special.hyp2f1(1.0, b + n + 1.0, a + b + n + 1.0, 1.0 / (1.0 + d)))
    if not math.isfinite(value):
        value = _hyp2f1_unit_a(b + n + 1.0, a + b + n + 1.0, 1.0 / (1.0 + d))
    return lead * value


def _hyp2f1_unit_a(b: float, c: float, z: float) -> float:
    """``2F1(1, b; c; z)`` for ``0 < b < c`` and ``0 < z < 1`` by direct summation.

    Term ``k`` is ``(b)_k / (c)_k * z**k``, computed in logs; consecutive terms
    fall by the factor ``z (b + k) / (c + k) < z``, so once a term is below
    ``1e-17 (1 - z)`` times the running sum, the rest of the tail is too.
    """
    log_z = math.log(z)
    base = special.gammaln(c) - special.gammaln(b)
    total = 0.0
    start = 0
    chunk = 4096
    while True:
        k = np.arange(start, start + chunk, dtype=float)
        terms = np.exp(base + special.gammaln(b + k) - special.gammaln(c + k) + k * log_z)
        total += float(terms.sum())
        if terms[-1] <= 1e-17 * (1.0 - z) * total:
            return total
        start += chunk
        chunk = min(chunk * 2, 1 << 20)
