"""Unit economics: ARPU, price, margin, CAC, LTV, NRR, LTV:CAC, payback, ROI/ROMI, referral ROI.

Every function is pure and vectorised (except :func:`cac_by_channel`, which
returns a small table for one period): pass scalars and get a float, pass
arrays (or pandas columns) and get an array, with numpy broadcasting. Inputs
are validated; a bad element is reported with its position, e.g.
``ValueError: churn must be in (0, 1], got 0 at position 3``.

Timing convention
-----------------
A customer pays ``arpu`` at the start of each period they are active, starting
with the period they are acquired, and stays for another period with
probability ``1 − churn``. So the expected number of payments is
``Σ_{t≥0} (1 − churn)^t = 1 / churn``, and discounting at rate ``d`` per period
gives ``(1 + d) / (d + churn)`` payments in present value. The same convention
gives :func:`ltv`, :func:`ltv_discounted` (which equals :func:`ltv` at
``d = 0``) and :func:`ltv_sbg` (the shifted-beta-geometric version, whose
homogeneous limit is :func:`ltv_discounted`). :func:`unit_economics` adds
expansion revenue (a surviving customer's revenue growing at a constant rate)
and :func:`net_revenue_retention` measures it.

Referred customers
------------------
Practitioner material often quotes that referred customers retain about 37 %
better and have about 16 % higher lifetime value. Here those figures are
defaults of parameters (:data:`REFERRED_RETENTION_UPLIFT`,
:data:`REFERRED_LTV_UPLIFT`), never constants: set them from your own data.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from funnelsim import _format
from funnelsim._validation import check_int, check_real, check_real_array
from funnelsim.retention import ChurnModel, sbg_derl

__all__ = [
    "MAX_PAYBACK_PERIODS",
    "REFERRED_LTV_UPLIFT",
    "REFERRED_RETENTION_UPLIFT",
    "UnitEconomics",
    "arpu",
    "arpu_from_price",
    "cac",
    "cac_by_channel",
    "gross_margin",
    "ltv",
    "ltv_discounted",
    "ltv_sbg",
    "ltv_to_cac",
    "net_revenue_retention",
    "payback_curve",
    "payback_period",
    "referral_programme_roi",
    "referred_churn",
    "referred_ltv",
    "revenue_per_referral",
    "roi",
    "romi",
    "scaled_churn_model",
    "unit_economics",
]

#: Default relative retention gain of referred customers: their expected lifetime is
#: 1.37 times longer (a figure often quoted in practitioner material).
REFERRED_RETENTION_UPLIFT = 0.37
#: Default relative LTV gain of referred customers (a figure often quoted in
#: practitioner material).
REFERRED_LTV_UPLIFT = 0.16


def _out(x: Any) -> Any:
    """Plain float for 0-d results, the array otherwise."""
    arr = np.asarray(x, dtype=float)
    return float(arr) if arr.ndim == 0 else arr


def _per(name: str, amount: Any, per_name: str, per: Any) -> Any:
    """``amount / per`` for an amount ``>= 0`` and a positive denominator, both validated."""
    a = check_real_array(name, amount, low=0.0)
    d = check_real_array(per_name, per, low=0.0, low_open=True)
    return _out(np.divide(a, d))


def arpu(revenue: Any, users: Any) -> Any:
    """Average revenue per user: ``revenue / users``.

    Parameters
    ----------
    revenue : float or array_like
        Revenue over the period (currency), ``>= 0``.
    users : float or array_like
        Active (or paying) users over the same period, ``> 0``.

    Returns
    -------
    float or numpy.ndarray
        Currency per user per period.

    Examples
    --------
    >>> arpu(12_000, 400)
    30.0
    """
    return _per("revenue", revenue, "users", users)


def arpu_from_price(price: Any, purchases: Any = 1.0, paying_share: Any = 1.0) -> Any:
    """ARPU built up from the price: ``price × purchases × paying_share``.

    Average revenue per (active) user per period is the average order value
    times how often a paying user buys in a period, times the share of users
    who pay at all (1 for a paid-only product, a few % for freemium).

    Parameters
    ----------
    price : float or array_like
        Average order value (currency per purchase), ``>= 0``.
    purchases : float or array_like
        Mean purchases per paying user per period, ``>= 0`` (1 for a monthly
        subscription billed monthly).
    paying_share : float or array_like
        Share of active users who pay, in [0, 1].

    Returns
    -------
    float or numpy.ndarray
        Currency per user per period, ready for :func:`ltv` and friends.

    Examples
    --------
    >>> arpu_from_price(20.0, purchases=1.5, paying_share=0.1)
    3.0
    """
    v = check_real_array("price", price, low=0.0)
    n = check_real_array("purchases", purchases, low=0.0)
    s = check_real_array("paying_share", paying_share, low=0.0, high=1.0)
    return _out(np.multiply(v, n) * s)


def gross_margin(revenue: Any, cost_of_revenue: Any) -> Any:
    """Gross margin: ``(revenue − cost_of_revenue) / revenue``, a fraction (negative if at a loss).

    Parameters
    ----------
    revenue : float or array_like
        Revenue (currency), ``> 0``.
    cost_of_revenue : float or array_like
        Cost of delivering it (COGS: hosting, support, payment fees), ``>= 0``.

    Examples
    --------
    >>> gross_margin(100.0, 25.0)
    0.75
    """
    r = check_real_array("revenue", revenue, low=0.0, low_open=True)
    c = check_real_array("cost_of_revenue", cost_of_revenue, low=0.0)
    return _out((np.subtract(r, c)) / r)


def cac(spend: Any, new_customers: Any) -> Any:
    """Customer acquisition cost: ``spend / new_customers``.

    Parameters
    ----------
    spend : float or array_like
        Acquisition spend over a period (marketing, sales, rewards), ``>= 0``.
    new_customers : float or array_like
        Customers acquired by that spend, ``> 0``.

    Examples
    --------
    >>> cac(50_000, 250)
    200.0
    """
    return _per("spend", spend, "new_customers", new_customers)


def cac_by_channel(
    paid_spend: float,
    paid_customers: int,
    referral_customers: int,
    *,
    referral_reward: float = 0.0,
    referrer_reward: float = 0.0,
    programme_cost: float = 0.0,
) -> pd.DataFrame:
    """CAC of the paid channel, the referral channel and both together.

    The referral channel costs what the programme pays out: ``referral_reward``
    to each referred customer, ``referrer_reward`` to the customer who referred
    them (a two-sided incentive pays both), plus a fixed ``programme_cost``
    (tooling, design) for the period.

    Parameters
    ----------
    paid_spend : float
        Spend on paid acquisition, ``>= 0``.
    paid_customers, referral_customers : float
        Customers acquired through each channel, ``>= 0`` (counts, or
        expected counts from a model, hence not necessarily whole).
    referral_reward, referrer_reward, programme_cost : float
        Referral costs (currency), ``>= 0``.

    Returns
    -------
    DataFrame
        Rows ``paid, referral, blended`` with columns ``channel, spend, customers,
        cac``. ``cac`` is NaN for a channel that acquired nobody (undefined).

    Examples
    --------
    >>> table = cac_by_channel(10_000, 50, 30, referral_reward=20, referrer_reward=20)
    >>> table["cac"].round(1).tolist()
    [200.0, 40.0, 140.0]
    """
    ps = check_real("paid_spend", paid_spend, low=0.0)
    pc = check_real("paid_customers", paid_customers, low=0.0)
    rc = check_real("referral_customers", referral_customers, low=0.0)
    rr = check_real("referral_reward", referral_reward, low=0.0)
    rf = check_real("referrer_reward", referrer_reward, low=0.0)
    fc = check_real("programme_cost", programme_cost, low=0.0)
    ref_spend = rc * (rr + rf) + fc
    spend = np.array([ps, ref_spend, ps + ref_spend])
    customers = np.array([pc, rc, pc + rc])
    with np.errstate(divide="ignore", invalid="ignore"):
        per = np.where(customers > 0, spend / np.where(customers > 0, customers, 1.0), np.nan)
    return pd.DataFrame(
        {
            "channel": ["paid", "referral", "blended"],
            "spend": spend,
            "customers": customers,
            "cac": per,
        }
    )


def ltv(arpu: Any, margin: Any, churn: Any) -> Any:
    """Simple lifetime value: ``arpu × margin / churn``.

    The expected gross profit of a customer who pays ``arpu`` each period and
    churns with probability ``churn`` per period (expected lifetime ``1 / churn``
    periods), without discounting.

    Parameters
    ----------
    arpu : float or array_like
        Revenue per customer per period, ``>= 0``.
    margin : float or array_like
        Gross margin, a fraction in [0, 1].
    churn : float or array_like
        Probability of leaving per period, in (0, 1].

    Examples
    --------
    >>> ltv(30.0, 0.8, 0.05)
    480.0
    """
    a = check_real_array("arpu", arpu, low=0.0)
    m = check_real_array("margin", margin, low=0.0, high=1.0)
    c = check_real_array("churn", churn, low=0.0, high=1.0, low_open=True)
    return _out(np.multiply(a, m) / c)


def ltv_discounted(arpu: Any, margin: Any, churn: Any, discount: Any) -> Any:
    """Discounted geometric LTV: ``arpu × margin × (1 + d) / (d + churn)``.

    The present value of ``arpu × margin`` paid at the start of every active
    period (the first one undiscounted), surviving each period with
    probability ``1 − churn``: ``Σ_t (1 − churn)^t / (1 + d)^t``. Equal to
    :func:`ltv` when ``discount = 0``.

    Parameters
    ----------
    arpu, margin : float or array_like
        As in :func:`ltv`.
    churn : float or array_like
        Probability of leaving per period, in [0, 1] (0 needs a discount > 0).
    discount : float or array_like
        Discount rate per period, ``>= 0`` (e.g. 0.01 a month).

    Examples
    --------
    >>> round(ltv_discounted(30.0, 0.8, 0.05, 0.01), 2)
    404.0
    """
    a = check_real_array("arpu", arpu, low=0.0)
    m = check_real_array("margin", margin, low=0.0, high=1.0)
    c = check_real_array("churn", churn, low=0.0, high=1.0)
    d = check_real_array("discount", discount, low=0.0)
    denom = np.add(d, c)
    if np.any(denom == 0):
        raise ValueError(
            "churn and discount must not both be 0: the lifetime value would be infinite"
        )
    return _out(np.multiply(a, m) * np.add(1.0, d) / denom)


def ltv_sbg(arpu: Any, margin: Any, alpha: float, beta: float, discount: float) -> Any:
    """LTV of a new customer under the shifted-beta-geometric (sBG) churn model.

    Each customer has their own churn probability drawn from Beta(``alpha``,
    ``beta``) (heterogeneous churn: the churn-prone leave early, the loyal stay).
    The value is ``arpu × margin × DEL`` where ``DEL = 1 + DERL / (1 + d)`` is
    the discounted expected lifetime counting the first payment, and DERL is
    :func:`funnelsim.retention.sbg_derl` at ``periods_survived=0`` (Fader &
    Hardie 2010). With the same mean churn ``alpha / (alpha + beta)``, ignoring
    heterogeneity (:func:`ltv_discounted`) underestimates the value.

    Parameters
    ----------
    arpu, margin : float or array_like
        As in :func:`ltv`.
    alpha, beta : float
        sBG parameters, both > 0 (e.g. from ``funnelsim.retention.fit_sbg``).
    discount : float
        Discount rate per period, ``>= 0``. With ``discount = 0`` and
        ``alpha <= 1`` the expected lifetime, hence the value, is infinite.

    Examples
    --------
    >>> round(ltv_sbg(1.0, 1.0, alpha=0.704, beta=1.182, discount=0.10), 3)
    3.695
    """
    a = check_real_array("arpu", arpu, low=0.0)
    m = check_real_array("margin", margin, low=0.0, high=1.0)
    d = check_real("discount", discount, low=0.0)
    derl = sbg_derl(alpha, beta, d, periods_survived=0)
    return _out(np.multiply(a, m) * (1.0 + derl / (1.0 + d)))


def net_revenue_retention(
    *,
    starting_revenue: Any = None,
    ending_revenue: Any = None,
    logo_churn: Any = None,
    expansion: Any = 0.0,
    contraction: Any = 0.0,
) -> Any:
    """Net revenue retention (NRR): revenue kept from existing customers, expansion included.

    The standard SaaS definition (also "net dollar retention"): take the
    customers you had at the start of a period and their recurring revenue;
    at the end of the period, their recurring revenue, after upsells and
    cross-sells (expansion), downgrades (contraction) and the customers who left
    (churn), divided by the starting revenue. New customers acquired during the
    period are left out. ``NRR > 1`` means the existing base grows on its own
    even though some logos churn (David Skok, "SaaS Metrics 2.0",
    forEntrepreneurs.com; the KeyBanc Capital Markets SaaS survey reports it
    this way, usually over 12 months).

    Give one of two sets of keywords:

    * a cohort's revenue in two periods: ``starting_revenue`` and
      ``ending_revenue`` (the *same* customers' revenue at the end) →
      ``ending_revenue / starting_revenue``;
    * rates per period: ``logo_churn`` (share of customers lost, each paying
      the average, so revenue churn equals logo churn), ``expansion`` and
      ``contraction`` (growth and shrinkage of the survivors' revenue, as
      fractions of it) → ``(1 − logo_churn)(1 + expansion − contraction)``,
      the per-period factor behind :func:`unit_economics`'s ``expansion``
      (with ``expansion − contraction`` as its net expansion).

    NRR over ``k`` periods of constant rates is the per-period NRR to the
    power ``k`` (e.g. a monthly NRR of 1.01 is ``1.01**12 ≈ 1.127`` a year).

    Parameters
    ----------
    starting_revenue, ending_revenue : float or array_like, optional
        Recurring revenue of the same customers at the start and the end of the
        period (currency per period); start ``> 0``, end ``>= 0``.
    logo_churn : float or array_like, optional
        Share of the starting customers lost in the period, in [0, 1].
    expansion, contraction : float or array_like
        Growth and shrinkage of the surviving customers' revenue over the
        period, fractions ``>= 0`` (0.03 = 3 %); contraction at most 1 +
        expansion. Only with ``logo_churn``.

    Returns
    -------
    float or numpy.ndarray
        NRR as a fraction (1.1 = 110 %).

    Raises
    ------
    TypeError
        For both sets of keywords, or neither.
    ValueError
        For a value out of range.

    Examples
    --------
    >>> net_revenue_retention(starting_revenue=100_000, ending_revenue=112_000)
    1.12
    >>> round(net_revenue_retention(logo_churn=0.02, expansion=0.03), 4)
    1.0094
    """
    cohort = starting_revenue is not None or ending_revenue is not None
    rates = logo_churn is not None
    if cohort == rates:
        raise TypeError(
            "net_revenue_retention takes either starting_revenue and ending_revenue (a "
            "cohort's revenue in two periods) or logo_churn with expansion and contraction "
            "(rates per period), not both and not neither"
        )
    if cohort:
        if starting_revenue is None or ending_revenue is None:
            raise TypeError(
                "net_revenue_retention needs both starting_revenue and ending_revenue, got "
                f"starting_revenue={starting_revenue!r}, ending_revenue={ending_revenue!r}"
            )
        start = check_real_array("starting_revenue", starting_revenue, low=0.0, low_open=True)
        end = check_real_array("ending_revenue", ending_revenue, low=0.0)
        return _out(np.divide(end, start))
    c = check_real_array("logo_churn", logo_churn, low=0.0, high=1.0)
    g = check_real_array("expansion", expansion, low=0.0)
    s = check_real_array("contraction", contraction, low=0.0)
    net = np.subtract(np.add(1.0, g), s)
    if np.any(net < 0):
        raise ValueError(
            "contraction must not exceed 1 + expansion (a customer's revenue cannot fall "
            f"below 0), got contraction={contraction!r}, expansion={expansion!r}"
        )
    return _out(np.multiply(np.subtract(1.0, c), net))


def ltv_to_cac(ltv: Any, cac: Any) -> Any:
    """LTV:CAC ratio (a common rule of thumb looks for 3 or more).

    Parameters
    ----------
    ltv : float or array_like
        Lifetime gross profit per customer, ``>= 0``.
    cac : float or array_like
        Acquisition cost per customer, ``> 0``.

    Examples
    --------
    >>> ltv_to_cac(480.0, 160.0)
    3.0
    """
    return _per("ltv", ltv, "cac", cac)


def _geometric_cumulative(per: Any, q: Any, n: Any) -> Any:
    """Expected cumulative (discounted) margin after ``n`` payments, geometric survival.

    ``per × Σ_{t<n} q^t`` with ``q = (1 − churn)(1 + expansion) / (1 + d)``:
    ``per × n`` when ``q = 1``, ``per × (1 − q^n) / (1 − q)`` otherwise. The one formula behind
    :func:`payback_period` and :func:`payback_curve`, so a payback period and
    the curve it is read from never disagree.
    """
    per, q, n = np.broadcast_arrays(
        np.asarray(per, float), np.asarray(q, float), np.asarray(n, float)
    )
    out = per * n
    sub = q < 1
    sup = q > 1
    with np.errstate(all="ignore"):
        # 0 ** 0 = 1: the first payment always arrives.
        out = np.where(sub, per * -np.expm1(n * np.log(np.where(sub, q, 0.5))) / (1 - q), out)
        out = np.where(sub & (q == 0), np.where(n > 0, per, 0.0), out)
        out = np.where(sup, per * np.expm1(n * np.log(np.where(sup, q, 2.0))) / (q - 1), out)
    return out


#: Relative tolerance of "the cumulative margin reaches CAC": forgives float
#: noise such as 299.99999999999994 for 300 (10 payments of 30).
_REACH_RTOL = 1e-12
#: Paybacks are searched up to this many periods; beyond it (a CAC within a hair
#: of the LTV, or an undiscounted sBG curve with α near 1, whose survival falls
#: like t^-α and creeps towards its LTV over millions of periods) the payback is
#: reported as ``inf``, never.
MAX_PAYBACK_PERIODS = 1_000_000


def payback_period(
    cac: Any,
    arpu: Any,
    margin: Any,
    churn: Any = 0.0,
    discount: Any = 0.0,
    expansion: Any = 0.0,
    *,
    weights: Any = None,
    horizon: int | None = None,
) -> Any:
    """Whole periods until a customer's expected cumulative gross profit covers their CAC.

    One definition for the whole package: with the module's timing (a payment
    at the start of each active period), the expected cumulative margin after
    ``n`` periods, discounted at ``discount`` per period, is
    ``arpu × margin × Σ_{t<n} q^t`` with ``q = (1 − churn)(1 + expansion) / (1 + discount)``
    (the curve of :func:`payback_curve`; ``expansion`` grows a surviving
    customer's revenue each period); the payback period is the first
    ``n`` at which it reaches ``cac``. In closed form,
    ``ceil(cac / (arpu × margin))`` when ``q = 1`` and
    ``ceil(log(1 − cac × (1 − q) / (arpu × margin)) / log(q))`` otherwise
    when ``cac`` is below the LTV ``arpu × margin / (1 − q)`` (or ``q ≥ 1``, where
    the curve grows without bound); ``inf`` (never pays back) when it is not.
    The curve is evaluated at the closed form's answer and its neighbour, so
    the result is exactly where the curve first reaches CAC (within a relative
    1e-12 of float noise).

    A mix of customers
    ------------------
    With ``weights`` the customers acquired for one CAC are a mix of groups
    (paid and referred customers, say), group ``g`` a share ``w_g`` of them with
    its own ARPU, margin, churn, discount and expansion. The mix's expected
    cumulative margin is the share-weighted sum of the groups' curves,
    ``Σ_g w_g × arpu_g × margin_g × Σ_{t<n} q_g^t``, and its payback is the first
    ``n`` at which that sum reaches ``cac`` (the expected margin per acquired
    customer against the cost per acquired customer). It lies between the
    groups' own paybacks, and it is not the payback of one "average" customer
    with the mix's mean ARPU and churn (the curve is not linear in churn).
    There is no closed form: the first ``n`` is found by bisection on the
    summed curve between the smallest and largest group payback (doubling
    beyond the largest finite one when some group never pays back on its own).
    With one group of weight 1 it is the plain payback, exactly.

    Parameters
    ----------
    cac : float or array_like
        Acquisition cost per customer (currency), ``>= 0``.
    arpu : float or array_like
        Revenue per customer per period (currency), ``>= 0``.
    margin : float or array_like
        Gross margin, in [0, 1].
    churn : float, array_like, ChurnModel or sequence of ChurnModel
        Probability of leaving per period, in [0, 1] (the same rule as
        :func:`ltv_discounted`; churn 1 means one payment, then gone); or a
        :class:`funnelsim.retention.ChurnModel`, or one per group (along the
        last axis of ``weights``). Geometric models are their churn
        probability (the same closed form, the same answer). With an sBG model
        the curve is ``arpu × margin × Σ_{t<n} S(t) (1 + expansion)^t /
        (1 + discount)^t`` with the sBG survival ``S(t)`` (Fader & Hardie
        2007), which has no closed-form inverse: the first ``n`` is found by
        bisection on the curve summed term by term (up to
        :data:`MAX_PAYBACK_PERIODS`). Then ``arpu``, ``margin``, ``discount``
        and ``expansion`` are one value, or one per group.
    discount : float or array_like
        Discount rate per period, ``>= 0``.
    expansion : float or array_like
        Growth of a surviving customer's revenue per period (upsells net of
        downgrades), ``> -1``; 0 for a flat ARPU.
    weights : array_like, optional
        Shares of the groups in the mix, along the **last** axis (shape
        ``(..., G)``): each in [0, 1], summing to 1 (within 1e-9) along that
        axis. ``arpu``, ``margin``, ``churn``, ``discount`` and ``expansion``
        broadcast against ``weights`` (their last axis is the group); ``cac``
        broadcasts against ``weights.shape[:-1]``. Default: one customer type.
    horizon : int, optional
        Count only the payments at the start of periods ``0 .. horizon − 1``
        (as :func:`unit_economics`' ``horizon``): the curve stays flat after
        them, so a CAC it has not reached by then is never repaid (``inf``).
        Found on the curve, by bisection. Default: the whole lifetime.

    Returns
    -------
    float or numpy.ndarray
        Whole periods (as floats): 0 for a free customer, ``inf`` if the margin
        never covers the CAC. With ``weights``, shape
        ``broadcast(cac, weights[..., 0])``.

    Raises
    ------
    ValueError
        For a value out of range, or weights that are negative or do not sum to 1.

    Examples
    --------
    >>> payback_period(300.0, 50.0, 0.6)
    10.0
    >>> payback_period(300.0, 50.0, 0.6, churn=0.05)
    14.0
    >>> payback_period(30.0, 50.0, 0.6, churn=1.0)  # one payment of 30 covers it
    1.0

    Half the customers pay 10 a period for one period, half pay 10 for ever:
    the mix earns 10, then 5 a period, and covers a CAC of 30 in period 5
    (10 + 5 + 5 + 5 + 5), while each group alone needs never and 3 periods.

    >>> payback_period(30.0, [10.0, 10.0], 1.0, churn=[1.0, 0.0], weights=[0.5, 0.5])
    5.0
    """
    models = _as_models(churn)
    if horizon is not None:
        cap = check_int("horizon", horizon, low=1, high=MAX_PAYBACK_PERIODS)
        if models is None:
            given = np.asarray(check_real_array("churn", churn, low=0.0, high=1.0), float)
            models = [ChurnModel.geometric(float(c)) for c in np.atleast_1d(given)]
        return _payback_models(cac, arpu, margin, models, discount, expansion, weights, cap)
    if models is not None:
        if any(model.kind != "geometric" for model in models):
            return _payback_models(cac, arpu, margin, models, discount, expansion, weights)
        # geometric models are their churn probabilities: the closed forms below
        rates = [model.churn for model in models]
        churn = rates[0] if isinstance(churn, ChurnModel) else rates
    k = check_real_array("cac", cac, low=0.0)
    a = check_real_array("arpu", arpu, low=0.0)
    m = check_real_array("margin", margin, low=0.0, high=1.0)
    c = check_real_array("churn", churn, low=0.0, high=1.0)
    d = check_real_array("discount", discount, low=0.0)
    g = check_real_array("expansion", expansion, low=-1.0, low_open=True)
    per = np.multiply(a, m)
    q = (1.0 - np.asarray(c, float)) * (1.0 + np.asarray(g, float)) / (1.0 + np.asarray(d, float))
    if weights is None:
        k, per, q = np.broadcast_arrays(np.asarray(k, float), np.asarray(per, float), q)
        periods = _payback_one(k, per, q)
        return _out(np.where(k > 0, periods, 0.0))
    w = _check_weights(weights)
    w, per, q = np.broadcast_arrays(w, np.asarray(per, float), q)
    shape = np.broadcast_shapes(np.shape(k), w.shape[:-1])
    k = np.broadcast_to(np.asarray(k, float), shape)
    w, per, q = (np.broadcast_to(x, (*shape, x.shape[-1])) for x in (w, per, q))
    return _out(np.where(k > 0, _payback_mix(k, w, per, q), 0.0))


def _check_weights(weights: Any, groups: int | None = None) -> np.ndarray:
    """``weights`` as float shares whose last axis (of ``groups`` entries) sums to 1."""
    w = np.asarray(check_real_array("weights", weights, low=0.0, high=1.0), dtype=float)
    if w.ndim == 0 or (groups is not None and w.shape[-1] != groups):
        wanted = "group shares (e.g. [0.7, 0.3])" if groups is None else f"{groups} group shares"
        raise ValueError(f"weights must have a last axis of {wanted}, got {weights!r}")
    total = w.sum(axis=-1)
    bad = np.flatnonzero(np.abs(total - 1.0) > 1e-9)
    if bad.size:
        raise ValueError(
            f"weights must sum to 1 along their last axis (the groups' shares), "
            f"got a sum of {float(total.ravel()[bad[0]])!r} at position {int(bad[0])}"
        )
    return w


def _payback_one(k: np.ndarray, per: np.ndarray, q: np.ndarray) -> np.ndarray:
    """First ``n`` with ``per × Σ_{t<n} q^t >= k`` (closed form checked on the curve)."""
    target = k * (1.0 - _REACH_RTOL)
    periods = np.full(k.shape, np.inf)
    flat = (q == 1) & (per > 0)
    with np.errstate(all="ignore"):
        # a margin so small that CAC / margin overflows is never repaid: inf, as it should be
        periods[flat] = np.ceil(target[flat] / per[flat])
        share = np.where(per > 0, target * (1 - q) / np.where(per > 0, per, 1.0), np.inf)
        # A CAC equal to the LTV is never reached (the curve only approaches its
        # limit), except with churn 1, where the one payment is the whole LTV.
        limit = np.where(q < 1, per / (1.0 - np.where(q < 1, q, 0.0)), np.inf)
        ok = (q < 1) & (share < 1) & ((k < limit) | (q == 0))
        log_q = np.log(np.where(q[ok] > 0, q[ok], 0.5))
        guess = np.where(q[ok] > 0, np.log1p(-share[ok]) / log_q, 1.0)
        # q > 1: the curve grows geometrically, Σ_{t<n} q^t = (q^n − 1) / (q − 1)
        up = (q > 1) & (per > 0)
        grow = np.log1p(target[up] * (q[up] - 1) / per[up]) / np.log(q[up])
    periods[ok] = np.ceil(guess)
    periods[up] = np.ceil(grow)
    # The closed form's answer, checked on the curve itself (float noise can put
    # the log formula one period off either way).
    finite = np.isfinite(periods)
    n = np.maximum(periods[finite], 1.0)
    pf, qf, tf = per[finite], q[finite], target[finite]
    n = np.where(_geometric_cumulative(pf, qf, n - 1) >= tf, n - 1, n)
    n = np.where(_geometric_cumulative(pf, qf, n) >= tf, n, n + 1)
    periods[finite] = np.maximum(n, 1.0)
    periods[periods > MAX_PAYBACK_PERIODS] = np.inf
    return periods


def _mix_cumulative(w: np.ndarray, per: np.ndarray, q: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``Σ_g w_g × per_g × Σ_{t<n} q_g^t``: the mix's expected cumulative margin after ``n``."""
    return np.sum(w * _geometric_cumulative(per, q, n[..., None]), axis=-1)


def _payback_mix(k: np.ndarray, w: np.ndarray, per: np.ndarray, q: np.ndarray) -> np.ndarray:
    """First ``n`` at which the share-weighted sum of the groups' curves reaches ``k``."""
    target = k * (1.0 - _REACH_RTOL)
    each = _payback_one(np.broadcast_to(k[..., None], w.shape).copy(), per, q)
    used = w > 0
    alone = used & np.isfinite(each)  # groups that pay back on their own
    all_alone = np.all(alone | ~used, axis=-1)
    # The mix's limit Σ w_g × per_g / (1 − q_g) (infinite if a group's curve never levels off):
    # with a group that never pays back alone, the mix pays back only below it.
    with np.errstate(all="ignore"):
        limit_g = np.where(
            per == 0, 0.0, np.where(q < 1, per / (1.0 - np.where(q < 1, q, 0.0)), np.inf)
        )
        limit = np.sum(np.where(used, w * limit_g, 0.0), axis=-1)
    todo = all_alone | (k < limit)
    out = np.full(k.shape, np.inf)
    if not todo.any():
        return out
    ww, pp, qq, tt = w[todo], per[todo], q[todo], target[todo]
    # The answer lies between the smallest and the largest group payback: below the
    # smallest every group's curve is under CAC, at the largest every one is over it.
    lo = np.min(np.where(alone[todo], each[todo], np.inf), axis=-1)
    hi = np.max(np.where(alone[todo], each[todo], -np.inf), axis=-1)
    lo = np.where(np.isfinite(lo), lo, 1.0)
    hi = np.maximum(np.where(np.isfinite(hi), hi, lo), lo)
    # Some group never pays back alone: double the upper end until the mix covers CAC.
    short = ~all_alone[todo]
    while True:
        grow = short & (hi <= MAX_PAYBACK_PERIODS) & (_mix_cumulative(ww, pp, qq, hi) < tt)
        if not grow.any():
            break
        hi = np.where(grow, 2.0 * hi, hi)
    never = short & (_mix_cumulative(ww, pp, qq, hi) < tt)
    # Bisection: the curve is below CAC at lo, at or above it at hi.
    lo = np.minimum(lo - 1.0, hi - 1.0)
    while True:
        wide = hi - lo > 1
        if not wide.any():
            break
        mid = np.floor((lo + hi) / 2)
        hit = _mix_cumulative(ww, pp, qq, mid) >= tt
        hi = np.where(wide & hit, mid, hi)
        lo = np.where(wide & ~hit, mid, lo)
    out[todo] = np.where(never | (hi > MAX_PAYBACK_PERIODS), np.inf, hi)
    return out


# -- one customer's unit economics: the record every view shows ----------------------------


def _sbg_terms(alpha: float, beta: float, d: float, stop: int, g: float = 0.0) -> np.ndarray:
    """``S(t) (1 + g)^t / (1 + d)^t`` for ``t = 0 .. stop − 1``, sBG survival (in logs)."""
    t = np.arange(stop, dtype=float)
    log_s = (
        special.gammaln(beta + t)
        - special.gammaln(beta)
        + special.gammaln(alpha + beta)
        - special.gammaln(alpha + beta + t)
    )
    return np.exp(log_s - t * (np.log1p(d) - np.log1p(g)))


def _cumulative(model: ChurnModel, per: float, d: float, stop: int, g: float = 0.0) -> np.ndarray:
    """Expected cumulative discounted margin after ``n = 0 .. stop`` payments."""
    n = np.arange(stop + 1, dtype=float)
    if model.kind == "geometric":
        assert model.churn is not None
        q = (1.0 - model.churn) * (1.0 + g) / (1.0 + d)
        return np.asarray(_geometric_cumulative(per, q, n))
    assert model.alpha is not None and model.beta is not None
    terms = _sbg_terms(model.alpha, model.beta, d, stop, g)
    return np.concatenate([[0.0], per * np.cumsum(terms)])


def _sbg_payback(
    model: ChurnModel, per: float, d: float, cac: float, ltv: float, g: float = 0.0
) -> float:
    """First ``n`` whose sBG cumulative margin reaches ``cac`` (see :func:`payback_period`)."""
    target = cac * (1.0 - _REACH_RTOL)
    if cac == 0:
        return 0.0
    if per == 0 or cac >= ltv:  # the curve only approaches the LTV
        return math.inf
    stop = 1024
    while True:
        cum = _cumulative(model, per, d, stop, g)
        hit = np.flatnonzero(cum >= target)
        if hit.size:
            return float(hit[0])
        if stop >= MAX_PAYBACK_PERIODS:
            return math.inf
        stop = min(stop * 8, MAX_PAYBACK_PERIODS)


def _as_models(churn: Any) -> list[ChurnModel] | None:
    """``churn`` as a list of churn models (one per group), or None for plain probabilities."""
    if isinstance(churn, ChurnModel):
        return [churn]
    if isinstance(churn, list | tuple) and any(isinstance(c, ChurnModel) for c in churn):
        return [_churn_model(c) for c in churn]
    return None


def _per_group(name: str, value: Any, groups: int, **bounds: Any) -> np.ndarray:
    """One value per group from a scalar or a length-``groups`` sequence (sBG paybacks)."""
    arr = np.asarray(check_real_array(name, value, **bounds), dtype=float)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] not in (1, groups)):
        raise ValueError(
            f"with churn models, {name} must be one value or one per group ({groups}), "
            f"got shape {arr.shape}"
        )
    return np.broadcast_to(arr, (groups,)).astype(float)


def _payback_models(
    cac: Any,
    arpu: Any,
    margin: Any,
    models: list[ChurnModel],
    discount: Any,
    expansion: Any,
    weights: Any,
    horizon: int | None = None,
) -> Any:
    """:func:`payback_period` when some group churns by an sBG model or a ``horizon`` caps
    the curve (bisection on the curve)."""
    if len(models) == 1 and weights is not None and np.ndim(weights) > 0:
        models = models * int(np.shape(weights)[-1])  # one churn for every group
    n_groups = len(models)
    k = np.asarray(check_real_array("cac", cac, low=0.0), dtype=float)
    a = _per_group("arpu", arpu, n_groups, low=0.0)
    m = _per_group("margin", margin, n_groups, low=0.0, high=1.0)
    d = _per_group("discount", discount, n_groups, low=0.0)
    g = _per_group("expansion", expansion, n_groups, low=-1.0, low_open=True)
    if weights is None:
        if n_groups != 1:
            raise ValueError(
                f"{n_groups} churn models need weights (each group's share of the customers)"
            )
        w = np.ones((*k.shape, 1))
    else:
        w = _check_weights(weights, n_groups)
    shape = np.broadcast_shapes(k.shape, w.shape[:-1])
    k = np.broadcast_to(k, shape)
    w = np.broadcast_to(w, (*shape, n_groups))
    per = a * m
    # each group's LTV, by the one function (the limit of its curve)
    ltv_g = np.array(
        [
            unit_economics(
                a[i], m[i], models[i], discount=d[i], expansion=g[i], horizon=horizon
            ).ltv
            for i in range(n_groups)
        ]
    )
    with np.errstate(invalid="ignore"):
        limit = np.sum(np.where(w > 0, w * ltv_g, 0.0), axis=-1)
    out = np.where(k > 0, np.inf, 0.0)
    # the curve only approaches its limit: a CAC at or above the mix's LTV is never repaid
    # (with a horizon the curve reaches its limit at the horizon and stays there)
    todo = (k > 0) & ((k < limit) if horizon is None else np.isfinite(k))
    if todo.any():
        target = k[todo] * (1.0 - _REACH_RTOL)
        wt = w[todo]
        stop = 1024
        if horizon is not None:
            stop = horizon  # nothing is counted after it
        while True:
            curves = np.stack(
                [_cumulative(models[i], per[i], d[i], stop, g[i]) for i in range(n_groups)]
            )  # (groups, stop + 1): the cumulative margin after 0 .. stop payments
            reach = wt @ curves[:, stop] >= target
            if reach.all() or stop >= MAX_PAYBACK_PERIODS or horizon is not None:
                break
            stop = min(stop * 8, MAX_PAYBACK_PERIODS)
        # Bisection: the mix's curve is below CAC at lo (0 payments: nothing), at or
        # above it at hi.
        lo = np.zeros(target.shape, dtype=np.int64)
        hi = np.full(target.shape, stop, dtype=np.int64)
        while True:
            wide = hi - lo > 1
            if not wide.any():
                break
            mid = (lo + hi) // 2
            hit = np.sum(wt * curves[:, mid].T, axis=-1) >= target
            hi = np.where(wide & hit, mid, hi)
            lo = np.where(wide & ~hit, mid, lo)
        out[todo] = np.where(reach, hi.astype(float), np.inf)
    return _out(out)


def scaled_churn_model(churn: float | ChurnModel, multiplier: float) -> ChurnModel:
    """The churn model whose hazard is ``multiplier`` times ``churn``'s at every age.

    How referred customers churn in :func:`funnelsim.growth.simulate_growth`
    (``referred_churn_multiplier``): at every age the share of a cohort that
    leaves is the ordinary customers' share times ``multiplier``.

    * Geometric churn ``c``: geometric churn ``multiplier × c``.
    * sBG churn (Fader & Hardie 2007, "How to project customer retention",
      *Journal of Interactive Marketing* 21(1)): the hazard of leaving in
      period ``t >= 1`` is ``h(t) = α / (α + β + t − 1)``, so
      ``multiplier × h(t) = α' / (α' + β' + t − 1)`` with ``α' = multiplier × α``
      and ``β' = α + β − multiplier × α`` (``α' + β' = α + β``): again an sBG
      hazard, hence the survival ``S'(t) = B(α', β' + t) / B(α', β')`` in closed
      form, and :func:`unit_economics` gives its LTV and payback. (``β' = 0``,
      everyone leaving after one period, is geometric churn 1.)

    Parameters
    ----------
    churn : float or ChurnModel
        A churn probability per period in [0, 1] (geometric) or a
        :class:`funnelsim.retention.ChurnModel`.
    multiplier : float
        Factor on the hazard, ``> 0`` (below 1: the group stays longer).

    Returns
    -------
    ChurnModel
        Of the same kind (sBG with ``β' = 0`` gives geometric churn 1).

    Raises
    ------
    ValueError
        If the scaled hazard exceeds 1 in some period (geometric:
        ``multiplier × churn > 1``; sBG: ``multiplier × α / (α + β) > 1``, the
        first period's hazard, the largest).

    Examples
    --------
    >>> scaled_churn_model(0.08, 0.5).churn
    0.04
    >>> model = scaled_churn_model(ChurnModel.sbg(0.72, 8.28), 0.5)
    >>> round(model.alpha, 2), round(model.beta, 2)
    (0.36, 8.64)
    """
    model = _churn_model(churn)
    mult = check_real("multiplier", multiplier, low=0.0, low_open=True)
    if model.kind == "geometric":
        assert model.churn is not None
        if model.churn * mult > 1:
            raise ValueError(f"churn × multiplier must be <= 1, got {model.churn} × {mult}")
        return ChurnModel.geometric(model.churn * mult)
    assert model.alpha is not None and model.beta is not None
    first = model.alpha / (model.alpha + model.beta)
    if first * mult > 1 + 1e-12:
        raise ValueError(
            f"the first period's churn hazard α / (α + β) × multiplier must be <= 1, got "
            f"{first:.4g} × {mult} = {first * mult:.4g}"
        )
    alpha = model.alpha * mult
    beta = model.alpha + model.beta - alpha
    if beta <= 1e-12 * (model.alpha + model.beta):
        return ChurnModel.geometric(1.0)
    return ChurnModel.sbg(alpha, beta)


def _churn_model(churn: Any) -> ChurnModel:
    if isinstance(churn, ChurnModel):
        return churn
    if isinstance(churn, bool) or not isinstance(churn, numbers.Real):
        raise TypeError(
            f"churn must be a probability per period or a funnelsim.retention.ChurnModel, "
            f"got {churn!r} ({type(churn).__name__})"
        )
    return ChurnModel.geometric(check_real("churn", churn, low=0.0, high=1.0))


def _model_label(
    model: ChurnModel, d: float, period: str, g: float = 0.0, horizon: int | None = None
) -> str:
    if model.kind == "geometric":
        churn = f"geometric churn {_format.percent(model.churn)}/{period}"
    else:
        churn = f"sBG(α = {model.alpha:.3g}, β = {model.beta:.3g})"
    grow = "" if g == 0 else f", {_format.percent(g)}/{period} expansion"
    rate = "no discount" if d == 0 else f"{_format.percent(d)}/{period} discount"
    cap = "" if horizon is None else f", first {horizon} {period}s only"
    return f"LTV: {churn}{grow}, {rate}{cap}"


@dataclass(frozen=True)
class UnitEconomics:
    """One customer's unit economics under one churn model: what every view shows.

    Built by :func:`unit_economics`, the only place the package computes LTV,
    LTV:CAC, payback and expected lifetime from a churn model (scenario runs,
    the command line, the report, every explorer card and chart). Money is in
    the currency of ``arpu`` and ``cac``; periods are those of the churn model
    and the discount rate (``period`` names them).
    """

    #: Revenue per customer per period (currency).
    arpu: float
    #: Gross margin, a fraction in [0, 1].
    margin: float
    #: How customers churn (geometric or sBG).
    churn: ChurnModel
    #: Discount rate per period (0: undiscounted).
    discount: float
    #: Acquisition cost per customer (currency); NaN when none was given.
    cac: float
    #: Lifetime value: expected discounted gross profit of a new customer (currency).
    ltv: float
    #: LTV / CAC (NaN without a CAC, ``inf`` for a free customer with value).
    ltv_to_cac: float
    #: Whole periods until the cumulative margin curve reaches CAC (``inf``: never).
    payback: float
    #: Expected number of periods a new customer pays (undiscounted; ``inf`` for sBG with α ≤ 1).
    expected_lifetime: float
    #: The model in words, e.g. "LTV: sBG(α = 0.72, β = 8.28), 1.0%/month discount".
    label: str
    #: Name of one period ("month"), for cards and axes.
    period: str = "period"
    #: Growth of a surviving customer's revenue per period (expansion net of
    #: contraction; 0: a flat ARPU).
    expansion: float = 0.0
    #: Periods counted in the LTV and the curve (None: the whole lifetime).
    horizon: int | None = None

    @property
    def mean_churn(self) -> float:
        """Average churn probability per period of a new customer."""
        return float(self.churn.mean_churn)

    def as_dict(self) -> dict[str, float]:
        """The numbers by name: arpu, margin, mean_churn, discount, cac, ltv, ltv_to_cac,
        payback_periods, expected_lifetime (the keys of scenario metrics)."""
        return {
            "arpu": self.arpu,
            "margin": self.margin,
            "churn": self.mean_churn,
            "discount": self.discount,
            "cac": self.cac,
            "ltv": self.ltv,
            "ltv_to_cac": self.ltv_to_cac,
            "payback_periods": self.payback,
            "expected_lifetime": self.expected_lifetime,
        }

    def payback_curve(self, periods: int | None = None) -> pd.DataFrame:
        """:func:`payback_curve` of these economics (what ``charts.payback_chart`` draws)."""
        return payback_curve(self, periods)

    def __str__(self) -> str:
        unit = self.period
        return (
            f"LTV {_format.money(self.ltv)}, CAC {_format.money(self.cac)}, "
            f"LTV:CAC {_format.ratio(self.ltv_to_cac)}, "
            f"payback {_format.periods(self.payback, unit)} ({self.label})"
        )


def unit_economics(
    arpu: float,
    margin: float,
    churn: float | ChurnModel,
    *,
    cac: float | None = None,
    discount: float = 0.0,
    period: str = "period",
    expansion: float = 0.0,
    horizon: int | None = None,
) -> UnitEconomics:
    """LTV, LTV:CAC, payback and expected lifetime of one customer, under one churn model.

    The single place these numbers are computed (see the module docstring for
    the timing: a payment at the start of every active period).

    * ``ltv`` is :func:`ltv_discounted` for geometric churn and :func:`ltv_sbg`
      for sBG churn: the limit of the cumulative margin curve.
    * ``payback`` is the first period at which the cumulative (discounted, if
      ``discount > 0``) expected margin reaches ``cac``: the point where the
      curve of :func:`payback_curve` crosses CAC, and :func:`payback_period`
      for geometric churn. Finite exactly when CAC is below the LTV (up to a
      relative 1e-12 of float noise; for sBG with α ≤ 1 and no discount,
      paybacks beyond :data:`MAX_PAYBACK_PERIODS` read as ``inf``).
    * ``expected_lifetime`` is the undiscounted expected number of payments,
      ``Σ S(t)`` (:attr:`funnelsim.retention.ChurnModel.expected_lifetime`).

    Expansion revenue
    -----------------
    With ``expansion = g`` a surviving customer's revenue grows by ``g`` each
    period (upsells, more seats, net of downgrades), so the margin in period
    ``t`` is ``arpu × margin × (1 + g)^t`` while the customer is active: LTV
    can grow while logos churn, and the per-period net revenue retention is
    ``(1 − churn)(1 + g)`` (:func:`net_revenue_retention`). The LTV is
    ``Σ_t S(t) (1 + g)^t / (1 + d)^t``:

    * geometric churn ``c``: ``arpu × margin / (1 − (1 − c)(1 + g) / (1 + d))``,
      finite only when ``(1 − c)(1 + g) < 1 + d``;
    * sBG churn: :func:`ltv_sbg` at the *effective* discount rate
      ``d' = (1 + d) / (1 + g) − 1`` (the same sum with ``1 / (1 + d')`` per
      period; Fader & Hardie 2010's DEL), finite only when ``d' > 0`` (or
      ``d' = 0`` with ``alpha > 1``).

    These follow the standard practice of growing the margin stream at a
    constant rate in a customer-lifetime-value sum (Gupta & Lehmann 2003,
    "Customers as assets", *Journal of Interactive Marketing* 17(1); the
    constant-growth annuity). When the sum is infinite a ``ValueError`` says
    so, unless ``horizon`` limits the periods counted. With ``g = 0`` every
    number is the one without expansion.

    Parameters
    ----------
    arpu : float
        Revenue per customer per period (currency), ``>= 0``.
    margin : float
        Gross margin, in [0, 1].
    churn : float or ChurnModel
        A churn probability per period in [0, 1] (geometric), or a
        :class:`funnelsim.retention.ChurnModel` (geometric or sBG; Fader &
        Hardie 2007, 2010).
    cac : float, optional
        Acquisition cost per customer (currency), ``>= 0`` (``inf`` allowed:
        spend that brings nobody). None: LTV:CAC and payback are NaN.
    discount : float
        Discount rate per period, ``>= 0``.
    period : str
        Name of one period ("month"), used in :attr:`UnitEconomics.label`.
    expansion : float
        Growth of a surviving customer's revenue per period, ``> -1`` (0.02:
        +2 % a period; negative: contraction). Default 0.
    horizon : int, optional
        Count only the first ``horizon`` periods (payments at the start of
        periods ``0 .. horizon − 1``) in the LTV, the payback and the curve,
        ``>= 1``. Default: the whole lifetime.

    Returns
    -------
    UnitEconomics

    Raises
    ------
    ValueError
        For a value out of range, or an LTV that expansion makes infinite
        without a ``horizon`` (churn 0 and no discount without expansion is
        allowed: LTV and lifetime are ``inf``).

    Examples
    --------
    >>> ue = unit_economics(30.0, 0.8, 0.05, cac=300.0)
    >>> ue.ltv, ue.ltv_to_cac, ue.payback
    (480.0, 1.6, 20.0)
    >>> ue.label
    'LTV: geometric churn 5.0%/period, no discount'
    """
    a = check_real("arpu", arpu, low=0.0)
    m = check_real("margin", margin, low=0.0, high=1.0)
    model = _churn_model(churn)
    d = check_real("discount", discount, low=0.0)
    if not isinstance(period, str) or not period:
        raise TypeError(f"period must be a non-empty string such as 'month', got {period!r}")
    k = math.nan if cac is None else check_real("cac", cac, low=0.0, allow_inf=True)
    g = check_real("expansion", expansion, low=-1.0, low_open=True)
    cap = (
        None if horizon is None else check_int("horizon", horizon, low=1, high=MAX_PAYBACK_PERIODS)
    )
    per = a * m
    if cap is not None or g != 0:
        value, payback = _expanding(model, per, d, g, k, cap)
    elif model.kind == "geometric":
        assert model.churn is not None
        c = model.churn
        value = math.inf if c + d == 0 else per * (1.0 + d) / (d + c)
        if per == 0:
            value = 0.0
        if math.isnan(k):
            payback = math.nan
        elif math.isinf(k):
            payback = math.inf
        else:
            payback = float(payback_period(k, a, m, c, d))
    else:
        assert model.alpha is not None and model.beta is not None
        value = float(ltv_sbg(a, m, model.alpha, model.beta, d)) if per > 0 else 0.0
        if math.isnan(k):
            payback = math.nan
        elif math.isinf(k):
            payback = math.inf
        else:
            payback = _sbg_payback(model, per, d, k, value)
    if math.isnan(k):
        ratio = math.nan
    elif k == 0:
        ratio = math.inf if value > 0 else math.nan
    else:
        ratio = value / k
    return UnitEconomics(
        arpu=a,
        margin=m,
        churn=model,
        discount=d,
        cac=k,
        ltv=float(value),
        ltv_to_cac=float(ratio),
        payback=float(payback),
        expected_lifetime=float(model.expected_lifetime),
        label=_model_label(model, d, period, g, cap),
        period=period,
        expansion=g,
        horizon=cap,
    )


def _expanding(
    model: ChurnModel, per: float, d: float, g: float, cac: float, horizon: int | None
) -> tuple[float, float]:
    """LTV and payback with expansion ``g`` and/or a ``horizon`` (see :func:`unit_economics`)."""
    if horizon is not None:
        cum = _cumulative(model, per, d, horizon, g)
        value = float(cum[-1])
        if math.isnan(cac):
            return value, math.nan
        if cac == 0:
            return value, 0.0
        hit = np.flatnonzero(cum >= cac * (1.0 - _REACH_RTOL))
        return value, float(hit[0]) if hit.size else math.inf
    effective = (1.0 + d) / (1.0 + g) - 1.0  # the discount rate net of expansion
    if model.kind == "geometric":
        assert model.churn is not None
        q = (1.0 - model.churn) * (1.0 + g) / (1.0 + d)
        finite = q < 1
        growth = f"(1 − churn)(1 + expansion) = {(1.0 - model.churn) * (1.0 + g):.4g}"
    else:
        assert model.alpha is not None and model.beta is not None
        finite = effective > 0 or (effective == 0 and model.alpha > 1)
        # sBG survival falls more slowly than any geometric rate: only discounting
        # faster than the expansion keeps the sum finite
        growth = (
            f"1 + expansion = {1.0 + g:.4g} (sBG churn: some customers practically never leave)"
        )
    if per > 0 and not finite:
        raise ValueError(
            f"the lifetime value is infinite: {growth} is not below 1 + discount = "
            f"{1.0 + d:.4g}, so the expected margin never stops growing; lower expansion "
            f"(got {g:g}), raise the discount, or pass horizon= to count a limited number "
            "of periods"
        )
    if per == 0:
        value = 0.0
    elif model.kind == "geometric":
        value = per / (1.0 - q)
    else:
        assert model.alpha is not None and model.beta is not None
        if effective == 0:
            value = per * (model.alpha + model.beta - 1.0) / (model.alpha - 1.0)
        else:
            value = float(ltv_sbg(per, 1.0, model.alpha, model.beta, effective))
    if math.isnan(cac):
        payback = math.nan
    elif math.isinf(cac):
        payback = math.inf
    elif model.kind == "geometric":
        assert model.churn is not None
        payback = float(payback_period(cac, per, 1.0, model.churn, d, g))
    else:
        payback = _sbg_payback(model, per, d, cac, value, g)
    return value, payback


def payback_curve(economics: UnitEconomics, periods: int | None = None) -> pd.DataFrame:
    """Expected cumulative margin of one customer, period by period, against CAC.

    Parameters
    ----------
    economics : UnitEconomics
        From :func:`unit_economics` (its churn model, discount, ARPU, margin, CAC).
    periods : int, optional
        Last period shown, ``>= 1``. Default: twice the payback period when it
        is finite (at least 12), else 36.

    Returns
    -------
    DataFrame
        One row per period ``0 .. periods``: ``period`` (periods since
        acquisition; the payments at the start of periods ``0 .. period − 1``
        are in), ``cumulative_margin`` (expected, discounted like the LTV;
        currency per customer), ``cac`` (currency per customer) and
        ``paid_back`` (the cumulative margin has reached CAC). The first
        ``period`` with ``paid_back`` is ``economics.payback``, by the same
        formula (:func:`payback_period`). With ``economics.expansion`` a
        surviving customer's margin grows by that rate each period; with
        ``economics.horizon`` the curve stays flat after the horizon.

    Examples
    --------
    >>> curve = payback_curve(unit_economics(30.0, 0.8, 0.05, cac=300.0))
    >>> int(curve.loc[curve["paid_back"], "period"].iloc[0])
    20
    """
    if not isinstance(economics, UnitEconomics):
        raise TypeError(
            f"economics must be a UnitEconomics (from unit_economics), "
            f"got {type(economics).__name__}"
        )
    if periods is None:
        pb = economics.payback
        n = max(12, int(2 * pb)) if math.isfinite(pb) and pb <= 500 else 36
    else:
        n = check_int("periods", periods, low=1, high=MAX_PAYBACK_PERIODS)
    per = economics.arpu * economics.margin
    h = economics.horizon
    cum = _cumulative(economics.churn, per, economics.discount, n, economics.expansion)
    if h is not None and n > h:  # nothing is counted after the horizon
        cum[h + 1 :] = cum[h]
    k = economics.cac
    if math.isnan(k):
        reached = np.zeros(n + 1, dtype=bool)
    else:
        reached = np.arange(n + 1) >= economics.payback
    return pd.DataFrame(
        {
            "period": np.arange(n + 1),
            "cumulative_margin": cum,
            "cac": k,
            "paid_back": reached,
        }
    )


def roi(gain: Any, cost: Any) -> Any:
    """Return on investment: ``(gain − cost) / cost`` (0.5 = 50 %).

    Parameters
    ----------
    gain : float or array_like
        What the investment brought back (gross profit, currency), ``>= 0``.
    cost : float or array_like
        What it cost, ``> 0``.

    Examples
    --------
    >>> roi(15_000, 10_000)
    0.5
    """
    g = check_real_array("gain", gain, low=0.0)
    c = check_real_array("cost", cost, low=0.0, low_open=True)
    return _out((np.subtract(g, c)) / c)


def romi(revenue: Any, marketing_spend: Any, margin: Any = 1.0) -> Any:
    """Return on marketing investment: ``(revenue × margin − spend) / spend``.

    Parameters
    ----------
    revenue : float or array_like
        Revenue attributed to the marketing, ``>= 0``.
    marketing_spend : float or array_like
        Marketing spend, ``> 0``.
    margin : float or array_like
        Gross margin in [0, 1]; the default 1 gives the revenue-based ROMI often
        reported, a margin gives the profit-based one.

    Examples
    --------
    >>> romi(40_000, 10_000, margin=0.5)
    1.0
    """
    r = check_real_array("revenue", revenue, low=0.0)
    s = check_real_array("marketing_spend", marketing_spend, low=0.0, low_open=True)
    m = check_real_array("margin", margin, low=0.0, high=1.0)
    return _out((np.multiply(r, m) - s) / s)


def referred_churn(churn: Any, retention_uplift: Any = REFERRED_RETENTION_UPLIFT) -> Any:
    """Churn of referred customers who "retain ``retention_uplift`` better".

    Read as: their expected lifetime ``1 / churn`` is ``1 + retention_uplift``
    times longer, so their churn is ``churn / (1 + retention_uplift)``. The
    default 0.37 is a figure often quoted in practitioner material.

    Parameters
    ----------
    churn : float or array_like
        Churn of ordinary customers, probability per period in [0, 1].
    retention_uplift : float or array_like
        Relative gain in expected lifetime, ``> -1`` (0: no difference).

    Returns
    -------
    float or numpy.ndarray
        Churn of referred customers, probability per period.

    Examples
    --------
    >>> round(referred_churn(0.137), 3)
    0.1
    """
    c = check_real_array("churn", churn, low=0.0, high=1.0)
    u = check_real_array("retention_uplift", retention_uplift, low=-1.0, low_open=True)
    return _out(np.divide(c, np.add(1.0, u)))


def referred_ltv(ltv: Any, ltv_uplift: Any = REFERRED_LTV_UPLIFT) -> Any:
    """LTV of a referred customer: ``ltv × (1 + ltv_uplift)``.

    The default 0.16 is a figure often quoted in practitioner material. Note
    that it does not follow from the quoted retention figure: in a geometric
    model a 37 % longer lifetime alone would give +37 % LTV. Treat both as
    parameters to set from your own cohorts.

    Parameters
    ----------
    ltv : float or array_like
        LTV of an ordinary customer (currency), ``>= 0``.
    ltv_uplift : float or array_like
        Relative LTV gain of referred customers, ``>= -1``.

    Returns
    -------
    float or numpy.ndarray
        LTV of a referred customer (currency).

    Examples
    --------
    >>> referred_ltv(500.0)
    580.0
    """
    v = check_real_array("ltv", ltv, low=0.0)
    u = check_real_array("ltv_uplift", ltv_uplift, low=-1.0)
    return _out(np.multiply(v, np.add(1.0, u)))


def referral_programme_roi(
    referred_customers: Any,
    ltv: Any,
    *,
    referral_reward: Any = 0.0,
    referrer_reward: Any = 0.0,
    programme_cost: Any = 0.0,
    ltv_uplift: Any = REFERRED_LTV_UPLIFT,
) -> Any:
    """ROI of a referral programme: ``(gain − cost) / cost``.

    ``gain = referred_customers × ltv × (1 + ltv_uplift)`` (referred customers
    are worth ``ltv_uplift`` more than the average customer whose LTV is
    ``ltv``) and ``cost = referred_customers × (referral_reward +
    referrer_reward) + programme_cost``. The gain credits the programme with
    the whole value of every referred customer, i.e. it assumes none of them
    would have come without it; if some would have, pass only the incremental
    ones as ``referred_customers``.

    Parameters
    ----------
    referred_customers : float or array_like
        Customers the programme brought, ``>= 0``.
    ltv : float or array_like
        LTV (gross profit) of an ordinary customer, ``>= 0``.
    referral_reward, referrer_reward : float or array_like
        Reward per referred customer to the new customer and to the referrer.
    programme_cost : float or array_like
        Fixed cost of running the programme.
    ltv_uplift : float or array_like
        Relative LTV gain of referred customers, ``> -1`` (default 0.16, a
        figure often quoted in practitioner material; 0 to ignore it).

    Examples
    --------
    >>> round(referral_programme_roi(100, 250.0, referral_reward=25, referrer_reward=25,
    ...                              programme_cost=5_000, ltv_uplift=0.0), 2)
    1.5
    """
    n = check_real_array("referred_customers", referred_customers, low=0.0)
    v = check_real_array("ltv", ltv, low=0.0)
    r1 = check_real_array("referral_reward", referral_reward, low=0.0)
    r2 = check_real_array("referrer_reward", referrer_reward, low=0.0)
    fc = check_real_array("programme_cost", programme_cost, low=0.0)
    u = check_real_array("ltv_uplift", ltv_uplift, low=-1.0)
    cost = np.multiply(n, np.add(r1, r2)) + fc
    if np.any(cost == 0):
        raise ValueError(
            "the programme costs nothing (no rewards, no programme_cost): ROI is undefined"
        )
    gain = np.multiply(n, v) * np.add(1.0, u)
    return _out((gain - cost) / cost)


def revenue_per_referral(referral_revenue: Any, referrals: Any) -> Any:
    """Average revenue per referral: ``referral_revenue / referrals``.

    Parameters
    ----------
    referral_revenue : float or array_like
        Revenue from referred customers, ``>= 0``.
    referrals : float or array_like
        Referred customers (or successful referrals), ``> 0``.

    Examples
    --------
    >>> revenue_per_referral(9_000, 60)
    150.0
    """
    return _per("referral_revenue", referral_revenue, "referrals", referrals)
