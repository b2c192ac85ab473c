"""The sales (activation) plan worked backwards from a target of customers.

A sales plan (план продаж / активации) says, for each stage of a funnel, how many
people must enter it per period, what work that takes, what it costs and when it must
start, so that the last stage yields the target number of customers. It is computed
**backwards**, from the bottom of the funnel to the top: the "reverse funnel" of
documented sales-planning practice (for example Ross & Tyler, *Predictable Revenue*,
2011, which works lead targets back from a revenue goal; the arithmetic is the same
in every such worksheet):

* the probability that someone entering stage *k* ends as a customer is the product
  of the step conversions after it, ``w_k = p_{k+1} · p_{k+2} · … · p_{K-1}``;
* the entrants needed at stage *k* are ``target / w_k`` (in expectation);
* activities at stage *k* are ``entrants_k × activities_per_entrant_k`` (calls,
  demos, proposals per lead) and the budget is ``activities_k × cost_per_activity_k``;
* work at stage *k* must start ``start_before_k = t_k + … + t_{K-2}`` periods before
  the customers come out, ``t_j`` being the mean time spent in stage *j* (a buyer
  enters stage *j + 1* when leaving stage *j*, as in :func:`funnelsim.simulate`).

The plan in expectation hits its target only about half the time, because each
period's customers are a binomial draw. :func:`sales_plan` with ``confidence=0.9``
plans enough entrants at each stage for the target to be met in 90 % of periods:
the smallest ``n`` with ``P(Binomial(n, w_k) >= target) >= 0.9`` (the binomial
survival function, ``scipy.special.bdtrc``); :func:`simulate_plan` checks any plan by simulation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from funnelsim._random import as_generator
from funnelsim._validation import check_int, check_real
from funnelsim.model import Funnel, check_funnel

__all__ = ["PLAN_COLUMNS", "sales_plan", "simulate_plan"]

#: The columns of :func:`sales_plan`, in order.
PLAN_COLUMNS = (
    "stage",
    "step_conversion",
    "win_probability",
    "entrants",
    "activities_per_entrant",
    "activities",
    "cost_per_activity",
    "budget",
    "time_in_stage",
    "start_before",
    "first_period",
    "last_period",
)


def _as_funnel(funnel: Any) -> Funnel:
    if isinstance(funnel, Mapping):
        return Funnel.from_rates(funnel, name="sales funnel")
    return check_funnel(funnel)


def _per_stage(
    name: str, value: Any, names: tuple[str, ...], default: np.ndarray, *, low: float = 0.0
) -> np.ndarray:
    """One non-negative number per stage: a number for every stage, or a mapping by stage."""
    out = np.array(default, dtype=float)
    if value is None:
        return out
    if isinstance(value, Mapping):
        for stage, x in value.items():
            if stage not in names:
                raise ValueError(
                    f"{name} names stage {stage!r}, which is not in the funnel; "
                    f"its stages are {list(names)}"
                )
            out[names.index(stage)] = check_real(f"{name} for stage {stage!r}", x, low=low)
        return out
    out[:] = check_real(name, value, low=low)
    return out


def _entrants_for_confidence(target: int, win: float, confidence: float) -> int:
    """Smallest n with P(Binomial(n, win) >= target) >= confidence (binary search)."""
    from scipy.special import bdtrc  # P(Binomial(n, p) > k); lighter to import than scipy.stats

    def meets(n: int) -> bool:
        return bool(bdtrc(target - 1, n, win) >= confidence)

    lo = target  # fewer than target entrants can never give target customers
    hi = max(lo, math.ceil(target / win))
    while not meets(hi):
        hi *= 2
    while lo < hi:
        mid = (lo + hi) // 2
        if meets(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def sales_plan(
    target: float,
    funnel: Funnel | Mapping[str, float],
    *,
    stage_times: float | Mapping[str, float] | None = None,
    cost_per_activity: float | Mapping[str, float] = 0.0,
    activities_per_entrant: float | Mapping[str, float] = 1.0,
    periods: int = 1,
    confidence: float | None = None,
) -> pd.DataFrame:
    """The plan that yields ``target`` customers per period, worked backwards.

    Parameters
    ----------
    target : float
        Customers wanted per period at the funnel's last stage, > 0 (an integer
        when ``confidence`` is given).
    funnel : Funnel or mapping
        The stages in order with their step conversions: a :class:`~funnelsim.Funnel`
        or an ordered ``{stage: step conversion}`` mapping whose first rate is 1.
        Every step conversion after the first stage must be > 0: a step nobody
        passes cannot be planned for.
    stage_times : float or mapping, optional
        Mean time spent in each stage, in periods (the plan's time unit, e.g.
        weeks). Default: the funnel's mean times (``Funnel.mean_times``); a number
        sets every stage; a mapping overrides the named stages.
    cost_per_activity : float or mapping
        Cost of one activity at each stage (a call, a demo, a proposal), in
        currency units; a number for every stage or a mapping by stage (others 0).
    activities_per_entrant : float or mapping
        Activities each entrant of a stage needs (e.g. 3 calls per lead); a number
        for every stage or a mapping by stage (others 1).
    periods : int
        Number of consecutive periods the target repeats, >= 1; sets
        ``last_period`` and the totals in ``frame.attrs``.
    confidence : float, optional
        In (0, 1). ``None`` (default) plans the expected entrants ``target / w_k``,
        which meet the target only about half the time. A number plans, for each
        stage, the fewest whole entrants that meet the target with that probability
        (binomial; each stage's entrants treated alone, the stages below run as
        the funnel says).

    Returns
    -------
    DataFrame
        One row per stage, top of the funnel first (columns :data:`PLAN_COLUMNS`):
        ``stage``; ``step_conversion`` (rate into the stage); ``win_probability``
        (chance that an entrant of the stage becomes a customer, ``w_k``);
        ``entrants`` (people who must enter the stage **per period**);
        ``activities_per_entrant``; ``activities`` (per period);
        ``cost_per_activity`` (currency per activity); ``budget`` (currency per
        period); ``time_in_stage`` and ``start_before`` (periods: how long before
        the customers come out the stage's work must start); ``first_period`` and
        ``last_period`` (the periods in which the stage works, numbering the first
        period with target customers 1, so ``first_period = 1 - start_before``).
        ``frame.attrs`` holds ``target``, ``periods``, ``confidence``,
        ``budget_per_period``, ``total_budget`` (over all periods) and
        ``cost_per_customer`` (budget per period / target).

    Raises
    ------
    ValueError
        For a target <= 0, a zero step conversion (the message names the stage),
        a negative time, cost or activity count, a stage name not in the funnel,
        or ``confidence`` outside (0, 1).
    TypeError
        For a funnel that is neither a Funnel nor a mapping.

    Notes
    -----
    The "reverse funnel" of sales-planning practice: the entrants at stage *k* are
    the target divided by the product of the step conversions from *k* to the end.
    With ``confidence`` the entrants solve ``P(Binomial(n, w_k) >= target) >=
    confidence`` exactly (``scipy.special.bdtrc``, the binomial survival function).

    Examples
    --------
    >>> plan = sales_plan(10, {"Lead": 1, "Meeting": 0.2, "Proposal": 0.5, "Deal": 0.25})
    >>> plan["entrants"].tolist()
    [400.0, 80.0, 40.0, 10.0]
    """
    funnel = _as_funnel(funnel)
    goal = check_real("target", target, low=0.0, low_open=True)
    n_periods = check_int("periods", periods, low=1)
    names = funnel.names
    rates = funnel.rates
    for name, rate in zip(names[1:], rates[1:], strict=True):
        if rate == 0:
            raise ValueError(
                f"step conversion into stage {name!r} is 0: nobody passes it, so no number "
                f"of entrants upstream can reach a target of {goal:g} customers"
            )
    times = _per_stage("stage_times", stage_times, names, funnel.mean_times)
    costs = _per_stage("cost_per_activity", cost_per_activity, names, np.zeros(len(names)))
    per_entrant = _per_stage(
        "activities_per_entrant", activities_per_entrant, names, np.ones(len(names))
    )
    # w_k = product of the step conversions after stage k (1 at the last stage).
    win = np.append(np.cumprod(rates[::-1])[::-1][1:], 1.0)
    if confidence is None:
        entrants = goal / win
    else:
        conf = check_real(
            "confidence", confidence, low=0.0, high=1.0, low_open=True, high_open=True
        )
        if goal != int(goal):
            raise ValueError(
                f"target must be a whole number of customers with confidence, got {target!r}"
            )
        entrants = np.array(
            [_entrants_for_confidence(int(goal), float(w), conf) for w in win], float
        )
    # Work at stage k starts t_k + ... + t_{K-2} periods before the customers come out.
    start_before = np.append(np.cumsum(times[:-1][::-1])[::-1], 0.0)
    activities = entrants * per_entrant
    budget = activities * costs
    frame = pd.DataFrame(
        {
            "stage": list(names),
            "step_conversion": rates,
            "win_probability": win,
            "entrants": entrants,
            "activities_per_entrant": per_entrant,
            "activities": activities,
            "cost_per_activity": costs,
            "budget": budget,
            "time_in_stage": times,
            "start_before": start_before,
            "first_period": 1 - start_before,
            "last_period": n_periods - start_before,
        }
    )
    spend = float(budget.sum())
    frame.attrs.update(
        target=goal,
        periods=n_periods,
        confidence=None if confidence is None else float(confidence),
        budget_per_period=spend,
        total_budget=spend * n_periods,
        cost_per_customer=spend / goal,
    )
    return frame


def simulate_plan(
    plan: pd.DataFrame,
    funnel: Funnel | Mapping[str, float],
    *,
    replications: int = 1000,
    seed: Any = None,
) -> pd.DataFrame:
    """Run a plan's top-of-funnel entrants through the funnel, period after period.

    Parameters
    ----------
    plan : DataFrame
        A :func:`sales_plan` frame for ``funnel`` (its ``stage`` and ``entrants``
        columns and ``attrs["target"]`` are used).
    funnel : Funnel or mapping
        The same funnel the plan was made for.
    replications : int
        Periods simulated, each independent, >= 1.
    seed : int, numpy.random.Generator, SeedSequence or None
        The only source of randomness, keyword-only.

    Returns
    -------
    DataFrame
        One row per simulated period: ``period`` (1, 2, ...), ``entrants`` (the
        plan's first-stage entrants, rounded **up** to whole people),
        ``customers`` (reaching the last stage: a binomial chain, the counts mode
        of :func:`funnelsim.simulate`) and ``met`` (customers >= target).
        ``customers`` has mean ``ceil(entrants) × reach[-1]`` and binomial
        standard deviation ``sqrt(n p (1 − p))``.

    Raises
    ------
    ValueError
        If the plan's stages are not the funnel's, or ``replications`` < 1.
    """
    from funnelsim.engine import simulate

    funnel = _as_funnel(funnel)
    if not isinstance(plan, pd.DataFrame) or not {"stage", "entrants"} <= set(plan.columns):
        raise TypeError("plan must be a sales_plan() DataFrame with 'stage' and 'entrants'")
    if tuple(plan["stage"]) != funnel.names:
        raise ValueError(
            f"plan stages {list(plan['stage'])} are not the funnel's stages {list(funnel.names)}"
        )
    if "target" not in plan.attrs:
        raise ValueError("plan has no attrs['target']: build it with sales_plan()")
    reps = check_int("replications", replications, low=1)
    rng = as_generator(seed)
    entrants = math.ceil(float(plan["entrants"].iloc[0]) - 1e-9)
    result = simulate(funnel, entrants, seed=rng, mode="counts", replications=reps)
    customers = result.counts[:, -1].astype(int)
    return pd.DataFrame(
        {
            "period": np.arange(1, reps + 1),
            "entrants": entrants,
            "customers": customers,
            "met": customers >= float(plan.attrs["target"]),
        }
    )
