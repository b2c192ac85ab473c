"""The growth model: paid acquisition + referral → the funnel → active customers → revenue.

Two entry points:

:func:`simulate_funnel_with_referrals`
    The Referral stage of a funnel (AAARRR's last stage) as a loop. Paid buyers
    enter the first stage once; everyone who reaches the referral stage sends
    invites; accepted invites bring new people into the funnel at the
    **Acquisition** stage (the friend's recommendation replaces Awareness), and
    they may in turn refer. Each generation is one call of
    :func:`funnelsim.simulate` in counts mode, and the result reports paid vs
    referred people per stage and generation.

:func:`simulate_growth`
    A business over ``periods`` periods (months, say). In each period:

    1. paid leads arrive: ``new_leads``; or what the ``budget`` buys at
       ``cost_per_lead``; or, given a ``paid_cac`` (cost per paid customer), as
       many leads as make ``budget / paid_cac`` customers on average;
    2. every customer active at the end of the previous period sends invites
       (Poisson, mean ``invites_per_user``), each accepted with probability
       ``invite_conversion``; invitees enter the funnel at ``referral_entry``;
    3. with a ``market_size``, paid leads and invitations that land on people
       already reached are wasted (hypergeometric thinning), so even explosive
       referral settings saturate at the market size;
    4. leads move down the funnel (a binomial chain) and those reaching
       ``customer_stage`` become customers;
    5. existing customers churn (Binomial; referred customers with churn ×
       ``referred_churn_multiplier``), new customers join;
    6. active customers pay ``arpu`` (referred ones ``arpu ×
       referred_arpu_multiplier``), times ``(1 + expansion)^age`` with an
       ``expansion``; spend is the budget plus referral rewards.

    Every step is one vectorised draw per period (over replications), so the
    cost does not depend on the number of people.

Churn: geometric or sBG
-----------------------
``churn`` is a probability per period (geometric: every customer, whatever
their age, leaves with that probability) or a
:class:`funnelsim.retention.ChurnModel`. With an sBG model (Fader & Hardie
2007, "How to project customer retention") customers churn by their age:
each period's new cohort is tracked, and a cohort of ``n`` customers aged
``t − 1`` keeps ``Binomial(n, 1 − h(t))`` of them, where ``h(t) = α / (α +
β + t − 1)`` is the sBG hazard (referred cohorts: ``h(t) ×
referred_churn_multiplier``, :func:`funnelsim.economics.scaled_churn_model`).
This is the sBG population exactly, not an approximation: customers are
independent, and a survivor of ``t − 1`` periods stays another with
probability ``1 − h(t)``, so a cohort's survivors after ``t`` periods are
``Binomial(n, S(t))`` with ``S(t) = B(α, β + t) / B(α, β)``. Customers active
before period 1 (``initial_customers``) are one cohort acquired just before it.

Unit economics
--------------
The run's LTV, LTV:CAC and payback (the ``periods`` columns and
:meth:`GrowthResult.unit_economics`) come from
:func:`funnelsim.economics.unit_economics` and
:func:`funnelsim.economics.payback_period` with the run's churn model and
``discount`` (and ``expansion`` and ``horizon``): a scenario's growth run
shows the same LTV as its ``[economics]`` section.

Inputs that change over time
----------------------------
The paid lead volume ``new_leads`` and any funnel step rate (``rate_changes``)
may change at given periods: pass a :class:`Schedule`, built by
:func:`step_change` (``step_change(0.30, 0.45, at=12)``: 0.30 in periods 1–11,
0.45 from period 12 on) or from one value per period (a sequence of length
``periods``). A scalar is the same value in every period. Lesson 02 uses this
to show a **leading** indicator (new customers, which respond in the period of
the change) against **lagging** ones (active customers and revenue, which
follow over about ``1 / churn`` periods).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import sys
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from funnelsim._deprecation import FunnelsimDeprecationWarning, renamed_keywords
from funnelsim._random import as_generator, seed_entropy, spawn
from funnelsim._validation import check_int, check_probability, check_real, check_real_array
from funnelsim.economics import (
    REFERRED_RETENTION_UPLIFT,
    UnitEconomics,
    payback_period,
    scaled_churn_model,
    unit_economics,
)
from funnelsim.model import Funnel, check_funnel
from funnelsim.retention import ChurnModel

__all__ = [
    "FunnelReferralResult",
    "GrowthParams",
    "GrowthResult",
    "Schedule",
    "simulate_funnel_with_referrals",
    "simulate_growth",
    "step_change",
]

#: Largest number of people a run may reach without a market size; beyond it the
#: run stops with a warning (pass ``market_size`` to model saturation instead).
MAX_PEOPLE = 10**12
#: Largest market size (numpy's hypergeometric draws need fewer than 10⁹ per side).
MAX_MARKET = 999_999_999

CHANNELS = ("paid", "referral")


# -- referral as a funnel stage ----------------------------------------------------------------


@dataclass(frozen=True, eq=False, repr=False)
class FunnelReferralResult:
    """What :func:`simulate_funnel_with_referrals` returns.

    The run keeps its counts as arrays; the tidy frames :attr:`stages` and
    :attr:`generations` are built on first access (and kept), so a run whose
    frames nobody reads costs only its draws.
    """

    #: People per replication, generation, channel (0 paid, 1 referral) and stage,
    #: shape (replications, generations, 2, stages); referred people are 0 before
    #: the entry stage.
    counts: np.ndarray
    #: Per replication and generation: paid entrants, referred entrants, referrers
    #: and invites, shape (replications, generations, 4).
    generation_counts: np.ndarray
    #: The funnel simulated.
    funnel: Funnel
    #: Stage where referred people enter.
    entry_stage: str
    #: Stage whose members send invites.
    referral_stage: str
    #: Referred entrants brought, on average, by one referred entrant: invites ×
    #: conversion × the probability of getting from the entry to the referral stage.
    k: float
    #: The int that repeats the run when passed back as ``seed=``; None when no int does
    #: (a Generator that was used or spawned; see :func:`funnelsim._random.seed_entropy`).
    seed: int | None

    @functools.cached_property
    def stages(self) -> pd.DataFrame:
        """Tidy counts: ``generation, channel, stage, reached`` (plus ``replication``
        when there are several). Referred people appear from their entry stage on."""
        return _referral_stage_frame(self.counts, self.funnel, self.funnel.index(self.entry_stage))

    @functools.cached_property
    def generations(self) -> pd.DataFrame:
        """One row per generation: ``generation, paid_entrants, referred_entrants,
        referrers, invites, paid_reached_last, referred_reached_last``."""
        return _referral_generation_frame(self.generation_counts, self.counts)

    def summary(self) -> pd.DataFrame:
        """Mean (over replications) people per stage and channel, all generations together.

        Columns ``stage, paid, referral, total, referral_share``; one row per stage.
        """
        s = self.stages
        keys = ["stage", "channel"] + (["replication"] if "replication" in s else [])
        per = s.groupby(keys, observed=True)["reached"].sum()
        if "replication" in s:
            per = per.groupby(level=["stage", "channel"], observed=True).mean()
        wide = per.unstack("channel").reindex(columns=list(CHANNELS)).fillna(0.0)
        wide = wide.reindex(list(self.funnel.names))
        out = pd.DataFrame(
            {
                "stage": pd.Categorical(
                    self.funnel.names, categories=self.funnel.names, ordered=True
                ),
                "paid": wide["paid"].to_numpy(dtype=float),
                "referral": wide["referral"].to_numpy(dtype=float),
            }
        )
        out["total"] = out["paid"] + out["referral"]
        with np.errstate(invalid="ignore", divide="ignore"):
            out["referral_share"] = np.where(
                out["total"] > 0, out["referral"] / out["total"], np.nan
            )
        return out

    def __repr__(self) -> str:
        return (
            f"FunnelReferralResult({self.funnel.name!r}, k={self.k:.3g}, "
            f"generations={self.counts.shape[1]})"
        )


@renamed_keywords(invites_per_referrer="invites_per_user")
def simulate_funnel_with_referrals(
    funnel: Funnel,
    paid_buyers: int,
    invites_per_user: float,
    invite_conversion: float,
    generations: int = 5,
    *,
    entry_stage: str | None = None,
    referral_stage: str | None = None,
    replications: int = 1,
    seed: Any = None,
) -> FunnelReferralResult:
    """Run a funnel whose referral stage feeds new people back into it.

    Generation 0 is ``paid_buyers`` people entering the first stage (paid
    acquisition). Everyone of a generation who reaches ``referral_stage`` sends
    Poisson(``invites_per_user``) invites (one aggregate Poisson draw: a sum
    of Poissons is Poisson); each invite is accepted with probability
    ``invite_conversion`` (a binomial draw). The accepted invitees are the next
    generation; they enter at ``entry_stage`` (they skip the stages before it:
    a friend's recommendation is their awareness) and go down the funnel via
    :func:`funnelsim.simulate` in counts mode.

    Parameters
    ----------
    funnel : Funnel
        E.g. :func:`funnelsim.aaarrr`.
    paid_buyers : int
        People entering the first stage in generation 0, ``>= 0``.
    invites_per_user : float
        Mean invites a referrer sends, ``>= 0``, in [0, 10⁶]. (Called
        ``invites_per_referrer`` before; the old name works for one more
        release, with a ``DeprecationWarning``.)
    invite_conversion : float
        Probability that an invite brings the invitee to ``entry_stage``, in [0, 1].
    generations : int
        Referral generations after the paid one, in [0, 1000].
    entry_stage : str, optional
        Where referred people enter; default the second stage (Acquisition in
        AAARRR), or the only stage of a one-stage funnel.
    referral_stage : str, optional
        Whose members refer; default the last stage (Referral in AAARRR). Must
        not come before ``entry_stage``.
    replications : int
        Independent runs, each with its own stream spawned from ``seed``.
    seed : int, numpy.random.Generator, SeedSequence or None
        The only source of randomness.

    Returns
    -------
    FunnelReferralResult
        ``.stages`` (tidy, with a ``channel`` column: paid/referral),
        ``.generations``, ``.summary()``, ``.k``.

    Warns
    -----
    RuntimeWarning
        If a generation would exceed 10¹² people (``K`` far above 1): the run
        stops there.

    Examples
    --------
    >>> import funnelsim as fs
    >>> r = fs.simulate_funnel_with_referrals(fs.aaarrr(), 100_000, 4, 0.25, seed=1)
    >>> r.summary()[["stage", "paid", "referral"]].shape
    (6, 3)
    """
    funnel = check_funnel(funnel)
    n0 = check_int("paid_buyers", paid_buyers, low=0)
    lam = check_real("invites_per_user", invites_per_user, low=0.0, high=1e6)
    c = check_probability("invite_conversion", invite_conversion)
    n_gen = check_int("generations", generations, low=0, high=1_000)
    reps = check_int("replications", replications, low=1)
    e = funnel.index(entry_stage) if entry_stage is not None else min(1, len(funnel) - 1)
    r_idx = funnel.index(referral_stage) if referral_stage is not None else len(funnel) - 1
    if r_idx < e:
        raise ValueError(
            f"referral_stage {funnel.names[r_idx]!r} comes before entry_stage "
            f"{funnel.names[e]!r}: referred people could never refer"
        )
    rates = funnel.rates.tolist()
    k = lam * c * math.prod(rates[e + 1 : r_idx + 1])

    rng = as_generator(seed)
    recorded = seed_entropy(rng)
    streams = [rng] if reps == 1 else spawn(rng, reps)
    n_stages = len(funnel)
    # counts[rep, generation, channel, stage]; referred rows before the entry stage stay 0.
    # The draws are those of funnelsim.simulate(mode="counts") per generation (a binomial
    # chain), made here on Python ints: the per-call checks of simulate and numpy's
    # array handling would cost more than the draws themselves.
    counts = np.zeros((reps, n_gen + 1, 2, n_stages), dtype=np.int64)
    gen_rows = np.zeros((reps, n_gen + 1, 4), dtype=np.int64)  # paid, referred, referrers, invites
    last_gen = 0
    stopped = False
    for i, g in enumerate(streams):
        binomial, poisson = g.binomial, g.poisson
        paid = _chain_counts(binomial, n0, rates, 0)
        counts[i, 0, 0] = paid
        referred = 0
        for gen in range(n_gen + 1):
            if gen > 0:
                chain = _chain_counts(binomial, referred, rates, e)
                counts[i, gen, 1, e:] = chain
                referrers = chain[r_idx - e]
            else:
                referrers = paid[r_idx]
            invites = int(poisson(referrers * lam)) if gen < n_gen else 0
            gen_rows[i, gen] = (n0 if gen == 0 else 0, referred, referrers, invites)
            last_gen = max(last_gen, gen)
            referred = int(binomial(invites, c))
            if referred > MAX_PEOPLE:
                stopped = True
                break
            if referred == 0:
                break
    if stopped:
        warnings.warn(
            f"a generation would exceed {MAX_PEOPLE:.0e} people (K = {k:g}); the run stopped there",
            RuntimeWarning,
            stacklevel=2,
        )
    return FunnelReferralResult(
        counts[:, : last_gen + 1],
        gen_rows[:, : last_gen + 1],
        funnel,
        funnel.names[e],
        funnel.names[r_idx],
        k,
        recorded,
    )


def _chain_counts(binomial: Any, n: int, rates: list[float], start: int) -> list[int]:
    """People reaching each stage from ``start`` on when ``n`` enter it: a binomial chain."""
    out = [n]
    for p in rates[start + 1 :]:
        n = int(binomial(n, p))
        out.append(n)
    return out


def _referral_stage_frame(counts: np.ndarray, funnel: Funnel, entry: int) -> pd.DataFrame:
    reps, gens, _, k = counts.shape
    rep, gen, ch, st = np.meshgrid(
        np.arange(reps), np.arange(gens), np.arange(2), np.arange(k), indexing="ij"
    )
    keep = ((ch == 0) | (st >= entry)).ravel()
    data: dict[str, Any] = {}
    if reps > 1:
        data["replication"] = rep.ravel()[keep]
    data["generation"] = gen.ravel()[keep]
    data["channel"] = pd.Categorical(
        np.asarray(CHANNELS)[ch.ravel()[keep]], categories=list(CHANNELS)
    )
    data["stage"] = pd.Categorical(
        np.asarray(funnel.names)[st.ravel()[keep]], categories=list(funnel.names), ordered=True
    )
    data["reached"] = counts.ravel()[keep]
    frame = pd.DataFrame(data)
    # paid people only enter in generation 0, referred ones only after it
    paid_gen0 = (frame["channel"] == "paid") == (frame["generation"] == 0)
    return frame[paid_gen0].reset_index(drop=True)


def _referral_generation_frame(rows: np.ndarray, counts: np.ndarray) -> pd.DataFrame:
    reps, gens, _ = rows.shape
    data: dict[str, Any] = {}
    if reps > 1:
        data["replication"] = np.repeat(np.arange(reps), gens)
    data["generation"] = np.tile(np.arange(gens), reps)
    for j, name in enumerate(("paid_entrants", "referred_entrants", "referrers", "invites")):
        data[name] = rows[:, :, j].ravel()
    data["paid_reached_last"] = counts[:, :, 0, -1].ravel()
    data["referred_reached_last"] = counts[:, :, 1, -1].ravel()
    return pd.DataFrame(data)


# -- inputs that change over time ----------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """A value that changes at given periods (piecewise constant).

    ``values[i]`` holds from period ``starts[i]`` until the period before
    ``starts[i + 1]`` (the last one to the end of the run). Periods count
    from 1, as in :func:`simulate_growth`. Build one with :func:`step_change`
    or :meth:`from_values`.
    """

    #: The successive values.
    values: tuple[float, ...]
    #: The first period of each value: starts at 1, strictly increasing.
    starts: tuple[int, ...]
    #: The number of periods it was given for (:meth:`from_values`), or None
    #: when it holds for any number of periods.
    length: int | None = None

    def __post_init__(self) -> None:
        values = tuple(float(check_real("schedule value", v)) for v in self.values)
        starts = tuple(check_int("schedule start", t, low=1) for t in self.starts)
        if not values or len(values) != len(starts):
            raise ValueError(
                f"a Schedule needs one start per value, got {len(values)} value(s) and "
                f"{len(starts)} start(s)"
            )
        if starts[0] != 1 or any(b <= a for a, b in itertools.pairwise(starts)):
            raise ValueError(
                f"schedule starts must begin at period 1 and increase, got {list(starts)}"
            )
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "starts", starts)

    @classmethod
    def from_values(cls, values: Any) -> Schedule:
        """One value per period (period 1 first, a sequence or 1-d array); ``length`` records
        how many."""
        arr = check_real_array("values", values)
        flat = [float(v) for v in np.ravel(arr)]
        if not flat:
            raise ValueError("a per-period schedule needs at least one value, got none")
        keep = [i for i in range(len(flat)) if i == 0 or flat[i] != flat[i - 1]]
        return cls(tuple(flat[i] for i in keep), tuple(i + 1 for i in keep), len(flat))

    def per_period(self, periods: int) -> np.ndarray:
        """The value in each of periods 1..``periods``, shape (periods,)."""
        out = np.empty(periods)
        for value, start in zip(self.values, self.starts, strict=True):
            out[start - 1 :] = value  # later starts overwrite
        return out

    def check(self, name: str, periods: int) -> None:
        """ValueError naming ``name`` if the schedule does not fit a run of ``periods``."""
        if self.length is not None and self.length != periods:
            raise ValueError(
                f"{name} has {self.length} per-period values, but the run has periods={periods}"
            )
        if self.starts[-1] > periods:
            raise ValueError(
                f"{name} changes at period {self.starts[-1]}, after the last period {periods}"
            )


def step_change(before: float, after: float, *, at: int) -> Schedule:
    """A value that is ``before`` until period ``at - 1`` and ``after`` from period ``at`` on.

    Parameters
    ----------
    before, after : float
        The two values (checked where the schedule is used, e.g. a rate in [0, 1]).
    at : int
        The first period with the new value, >= 2.

    Returns
    -------
    Schedule

    Examples
    --------
    >>> step_change(0.30, 0.45, at=4).per_period(5).tolist()
    [0.3, 0.3, 0.3, 0.45, 0.45]
    """
    start = check_int("at", at, low=2)
    return Schedule((before, after), (1, start))


def _as_schedule(name: str, value: Any) -> Schedule | None:
    """A Schedule from a Schedule or a per-period sequence; None for a scalar."""
    if isinstance(value, Schedule):
        return value
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray):
        return None
    try:
        return Schedule.from_values(value)
    except (TypeError, ValueError) as err:
        raise type(err)(f"{name}: {err}") from None


def _check_schedule_values(name: str, schedule: Schedule, check: Any, **bounds: Any) -> Schedule:
    """The schedule with each value checked by ``check``; errors name the field and period."""
    values = []
    for value, start in zip(schedule.values, schedule.starts, strict=True):
        values.append(check(f"{name} from period {start}", value, **bounds))
    return dataclasses.replace(schedule, values=tuple(values))


def show_value(value: Any) -> str:
    """A growth input as a scenario file writes it, e.g. ``{ before = 1, after = 2, at = 12 }``.

    Errors show the user's own value in this form, never a Python repr.

    Examples
    --------
    >>> show_value(step_change(100_000, 200_000, at=12))
    '{ before = 100000, after = 200000, at = 12 }'
    >>> show_value(0.2)
    '0.2'
    """

    def number(x: Any) -> str:
        x = float(x)
        return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)

    if isinstance(value, Schedule):
        if value.length is not None:
            return "[" + ", ".join(number(v) for v in value.per_period(value.length)) + "]"
        if len(value.values) == 2:
            before, after = value.values
            at = value.starts[1]
            return f"{{ before = {number(before)}, after = {number(after)}, at = {at} }}"
        vals = ", ".join(number(v) for v in value.values)
        starts = ", ".join(str(t) for t in value.starts)
        return f"{{ values = [{vals}], starts = [{starts}] }}"
    if isinstance(value, bool | str):
        return repr(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return number(value)
    return repr(value)


# -- the growth model --------------------------------------------------------------------------


@dataclass(frozen=True)
class GrowthParams:
    """Everything :func:`simulate_growth` needs besides ``periods`` and ``seed``.

    Change one field with ``dataclasses.replace`` or by passing it as a keyword
    to :func:`simulate_growth`. Money is in any currency unit, time in periods.
    """

    #: Paid leads entering the funnel each period, in [0, 10¹²]; None: bought with the budget.
    #: A :class:`Schedule` (or one value per period) makes the volume change over time.
    new_leads: int | Schedule | None = None
    #: Marketing spend on paid acquisition per period, >= 0 (currency units). A
    #: :class:`Schedule` (or one value per period) makes the spend change over time:
    #: with ``cost_per_lead`` or ``paid_cac`` each period's leads follow that period's
    #: budget; with ``new_leads`` it is only the spend. 0 with ``new_leads``: no
    #: acquisition spend given, so CAC, LTV:CAC and payback are not defined (NaN).
    budget: float | Schedule = 0.0
    #: Price of one paid lead, > 0: the budget buys ``budget // cost_per_lead`` leads.
    cost_per_lead: float | None = None
    #: Cost of one paid *customer*, > 0: the budget buys ``budget / paid_cac`` customers
    #: on average, i.e. that many / the funnel's paid conversion leads. At most one of
    #: ``new_leads``, ``cost_per_lead`` and ``paid_cac`` may be given.
    paid_cac: float | None = None
    #: Customers already active before period 1 (counted as paid), >= 0.
    initial_customers: int = 0
    #: The funnel leads go through; None: every lead becomes a customer at once.
    funnel: Funnel | None = None
    #: Stage whose reachers are customers; None: "Revenue" if the funnel has it, else the last.
    customer_stage: str | None = None
    #: Stage where referred people enter; None: the second stage (Acquisition in AAARRR),
    #: or the customer stage if that is the first.
    referral_entry: str | None = None
    #: Mean invites an active customer sends per period (Poisson), in [0, 10⁶].
    invites_per_user: float = 0.0
    #: Probability that an invite brings the invitee into the funnel, in [0, 1].
    invite_conversion: float = 0.0
    #: Reward paid per referred customer (both sides together), >= 0.
    referral_reward: float = 0.0
    #: How paid customers churn: a probability of leaving per period in [0, 1]
    #: (geometric), or a :class:`funnelsim.retention.ChurnModel` (geometric or sBG:
    #: churn by the customer's age, see the module docstring).
    churn: float | ChurnModel = 0.05
    #: Referred customers' churn hazard is ``churn``'s ``×`` this at every age (> 0).
    #: Default 1 / 1.37: for geometric churn a 37 % longer expected lifetime, a
    #: figure often quoted in practitioner material.
    referred_churn_multiplier: float = 1.0 / (1.0 + REFERRED_RETENTION_UPLIFT)
    #: Revenue per active paid customer per period, >= 0.
    arpu: float = 10.0
    #: Referred customers pay ``arpu ×`` this (> 0; default 1, the same).
    referred_arpu_multiplier: float = 1.0
    #: Gross margin on revenue, in [0, 1].
    margin: float = 0.7
    #: People who could ever be reached; None: unlimited (runs stop at 10¹² people).
    market_size: int | None = None
    #: Discount rate per period of the LTV and payback, >= 0 (0: undiscounted).
    discount: float = 0.0
    #: Growth of a staying customer's revenue per period, > -1 (0.01: +1 % a period;
    #: upsells net of downgrades): a customer aged ``t`` pays ``arpu × (1 + expansion)^t``.
    expansion: float = 0.0
    #: Periods counted in the LTV and payback (>= 1); None: the whole lifetime. Only the
    #: valuation: customers keep paying in the simulation.
    horizon: int | None = None
    #: Funnel step rates that change over time: ``{stage: Schedule}``, the stage by
    #: name or keyword (``{"activation": step_change(0.30, 0.45, at=12)}``), each a
    #: step after the first stage and up to ``customer_stage``; the schedule replaces
    #: the funnel's rate for that step. Stored as ``((stage name, Schedule), ...)``.
    rate_changes: Mapping[str, Any] | tuple[tuple[str, Schedule], ...] | None = None

    def __post_init__(self) -> None:
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        if self.new_leads is not None:
            leads = _as_schedule("new_leads", self.new_leads)
            if leads is None:
                set_("new_leads", check_int("new_leads", self.new_leads, low=0))
            else:
                set_(
                    "new_leads",
                    _check_schedule_values("new_leads", leads, check_int, low=0, high=MAX_PEOPLE),
                )
        budget = _as_schedule("budget", self.budget)
        if budget is None:
            set_("budget", check_real("budget", self.budget, low=0.0))
        else:
            set_("budget", _check_schedule_values("budget", budget, check_real, low=0.0))
        for key in ("cost_per_lead", "paid_cac"):
            if getattr(self, key) is not None:
                set_(key, check_real(key, getattr(self, key), low=0.0, low_open=True))
        given = [
            k for k in ("new_leads", "cost_per_lead", "paid_cac") if getattr(self, k) is not None
        ]
        if len(given) > 1:
            raise ValueError(
                "give at most one of new_leads, cost_per_lead and paid_cac, got "
                + ", ".join(f"{k} = {show_value(getattr(self, k))}" for k in given)
                + " (new_leads fixes the leads, a price buys them with the budget; to change "
                "the volume over time and keep the price, make budget a schedule, e.g. "
                "budget = { before = 20000, after = 40000, at = 12 })"
            )
        set_("initial_customers", check_int("initial_customers", self.initial_customers, low=0))
        if self.funnel is not None:
            f = check_funnel(self.funnel)
            entry, cust = self.stage_indices
            if entry > cust:
                raise ValueError(
                    f"referral_entry {f.names[entry]!r} comes after customer_stage "
                    f"{f.names[cust]!r}"
                )
        elif self.customer_stage is not None or self.referral_entry is not None:
            raise ValueError("customer_stage and referral_entry need a funnel, got funnel=None")
        if self.rate_changes is not None:
            set_("rate_changes", self._checked_rate_changes())
        set_(
            "invites_per_user",
            check_real("invites_per_user", self.invites_per_user, low=0.0, high=1e6),
        )
        set_("invite_conversion", check_probability("invite_conversion", self.invite_conversion))
        set_("referral_reward", check_real("referral_reward", self.referral_reward, low=0.0))
        if not isinstance(self.churn, ChurnModel):
            set_("churn", check_probability("churn", self.churn))
        mult = check_real(
            "referred_churn_multiplier", self.referred_churn_multiplier, low=0.0, low_open=True
        )
        model = self.churn_model
        if model.kind == "geometric" and model.mean_churn * mult > 1:
            raise ValueError(
                f"churn × referred_churn_multiplier must be <= 1, got {model.churn} × {mult}"
            )
        if model.mean_churn * mult > 1 + 1e-12:  # sBG: the first period's hazard, the largest
            raise ValueError(
                f"churn × referred_churn_multiplier must be <= 1 in every period, got the "
                f"first period's sBG hazard α / (α + β) = {model.mean_churn:.4g} × {mult}"
            )
        set_("referred_churn_multiplier", mult)
        set_("discount", check_real("discount", self.discount, low=0.0))
        set_("expansion", check_real("expansion", self.expansion, low=-1.0, low_open=True))
        if self.horizon is not None:
            set_("horizon", check_int("horizon", self.horizon, low=1, high=1_000_000))
        set_("arpu", check_real("arpu", self.arpu, low=0.0))
        set_(
            "referred_arpu_multiplier",
            check_real(
                "referred_arpu_multiplier", self.referred_arpu_multiplier, low=0.0, low_open=True
            ),
        )
        set_("margin", check_probability("margin", self.margin))
        if self.expansion != 0:
            self.channel_economics()  # an LTV the expansion makes infinite needs a horizon
        if self._max_budget() > 0 and not given:
            raise ValueError(
                f"budget = {show_value(self.budget)} buys no leads without a price: give "
                "cost_per_lead or paid_cac (or new_leads, with the budget as the period's spend)"
            )
        if self.paid_cac is not None and self.conversion()[0] == 0:
            raise ValueError(
                f"paid_cac={self.paid_cac!r} needs a funnel that converts paid leads, "
                "got a paid conversion of 0"
            )
        if self._leads_bought() > MAX_PEOPLE:
            source = (
                f"new_leads = {show_value(self.new_leads)} is"
                if self.new_leads is not None
                else f"budget = {show_value(self.budget)} buys {self._leads_bought():.3g} leads,"
            )
            raise ValueError(f"{source} more than {MAX_PEOPLE:.0e} a period")
        if self.market_size is not None:
            set_(
                "market_size",
                check_int(
                    "market_size", self.market_size, low=self.initial_customers, high=MAX_MARKET
                ),
            )

    def _checked_rate_changes(self) -> tuple[tuple[str, Schedule], ...]:
        changes = self.rate_changes
        if self.funnel is None:
            raise ValueError("rate_changes needs a funnel, got funnel=None")
        if isinstance(changes, Mapping):
            items = list(changes.items())
        elif isinstance(changes, tuple) and all(
            isinstance(kv, tuple) and len(kv) == 2 for kv in changes
        ):
            items = list(changes)
        else:
            raise TypeError(
                "rate_changes must map stages to schedules, e.g. "
                f"{{'activation': step_change(0.30, 0.45, at=12)}}, got {changes!r}"
            )
        f = self.funnel
        _, cust = self.stage_indices
        pairs: dict[str, Schedule] = {}
        for key, value in items:
            i = f.index(key)
            name = f"rate_changes[{key!r}]"
            if not 1 <= i <= cust:
                raise ValueError(
                    f"{name}: the stage must be a step after {f.names[0]!r} and up to the "
                    f"customer stage {f.names[cust]!r}, got {f.names[i]!r}"
                )
            if f.names[i] in pairs:
                raise ValueError(f"{name}: stage {f.names[i]!r} is given twice")
            schedule = _as_schedule(name, value)
            if schedule is None:
                raise TypeError(
                    f"{name} must be a Schedule (e.g. step_change(0.30, 0.45, at=12)) or one "
                    f"rate per period, got {value!r}"
                )
            pairs[f.names[i]] = _check_schedule_values(name, schedule, check_probability)
        return tuple(sorted(pairs.items(), key=lambda kv: f.index(kv[0])))

    def _rate_pairs(self) -> tuple[tuple[str, Schedule], ...]:
        # after __post_init__, rate_changes is None or the checked tuple of pairs
        return cast(tuple[tuple[str, Schedule], ...], self.rate_changes or ())

    def schedules(self) -> dict[str, Schedule]:
        """Every input that changes over time, by the name its errors use."""
        out: dict[str, Schedule] = {}
        if isinstance(self.new_leads, Schedule):
            out["new_leads"] = self.new_leads
        if isinstance(self.budget, Schedule):
            out["budget"] = self.budget
        for stage, schedule in self._rate_pairs():
            out[f"rate_changes[{stage!r}]"] = schedule
        return out

    def check_periods(self, periods: int) -> None:
        """ValueError if a schedule does not fit a run of ``periods`` (naming the input)."""
        for name, schedule in self.schedules().items():
            schedule.check(name, periods)

    def leads_by_period(self, periods: int) -> np.ndarray:
        """Paid leads entering the funnel in each period 1..``periods``, int64."""
        if isinstance(self.new_leads, Schedule):
            return self.new_leads.per_period(periods).astype(np.int64)
        if isinstance(self.budget, Schedule) and self.new_leads is None:
            return np.array(
                [int(self._leads_for(b)) for b in self.budget.per_period(periods)], dtype=np.int64
            )
        return np.full(periods, self.paid_leads, dtype=np.int64)

    def budget_by_period(self, periods: int) -> np.ndarray:
        """The paid-acquisition budget in each period 1..``periods``, currency units, float."""
        if isinstance(self.budget, Schedule):
            return self.budget.per_period(periods)
        return np.full(periods, float(self.budget))

    @property
    def spend_given(self) -> bool:
        """False when paid leads come as ``new_leads`` with no budget: their cost is unknown.

        Then CAC, LTV:CAC and payback are not defined (NaN), rather than a CAC that
        divides only the referral rewards by every new customer.
        """
        return not (self.new_leads is not None and self._max_budget() == 0)

    def _max_budget(self) -> float:
        if isinstance(self.budget, Schedule):
            return max(self.budget.values)
        return float(self.budget)

    def rates_by_period(self, periods: int) -> np.ndarray:
        """The funnel's step rates in each period, shape (periods, stages); 1 without a funnel."""
        if self.funnel is None:
            return np.ones((periods, 1))
        out = np.tile(self.funnel.rates, (periods, 1))
        for stage, schedule in self._rate_pairs():
            out[:, self.funnel.index(stage)] = schedule.per_period(periods)
        return out

    @property
    def stage_indices(self) -> tuple[int, int]:
        """(referral entry stage, customer stage) positions in the funnel (0, 0 without one)."""
        f = self.funnel
        if f is None:
            return 0, 0
        if self.customer_stage is not None:
            cust = f.index(self.customer_stage)
        else:
            cust = f.names.index("Revenue") if "Revenue" in f.names else len(f) - 1
        # default: the second stage, or the customer stage if that comes first
        entry = f.index(self.referral_entry) if self.referral_entry is not None else min(1, cust)
        return entry, cust

    def _leads_bought(self) -> float:
        """Whole leads a period as a float (before the int conversion), 0 without a price.

        With a budget schedule, the most any period buys.
        """
        if isinstance(self.new_leads, Schedule):
            return self.new_leads.values[0]  # the first period's
        if self.new_leads is not None:
            return float(self.new_leads)
        return self._leads_for(self._max_budget())

    def _leads_for(self, budget: float) -> float:
        """Whole leads ``budget`` buys at the price given, as a float; 0 without a price."""
        if self.cost_per_lead is not None:
            per_lead = self.cost_per_lead
        elif self.paid_cac is not None:
            per_lead = self.paid_cac * self.conversion()[0]  # cost of one paid lead
        else:
            return 0.0
        # whole leads, forgiving float noise such as 2.9999999999999996 for 3
        return float(math.floor(budget / per_lead * (1.0 + 1e-12)))

    @property
    def paid_leads(self) -> int:
        """Paid leads per period (in period 1 when ``new_leads`` is a :class:`Schedule`;
        the most any period buys when ``budget`` is one).

        ``new_leads``; else ``budget // cost_per_lead``; else, with a ``paid_cac``,
        ``budget / (paid_cac × paid conversion)`` rounded down (so that the
        expected new paid customers are ``budget / paid_cac``, up to that
        rounding); else 0.
        """
        return int(self._leads_bought())

    @property
    def churn_model(self) -> ChurnModel:
        """How paid customers churn, as a :class:`funnelsim.retention.ChurnModel`."""
        if isinstance(self.churn, ChurnModel):
            return self.churn
        return ChurnModel.geometric(self.churn)

    @property
    def referred_churn_model(self) -> ChurnModel:
        """How referred customers churn: :attr:`churn_model` with its hazard ×
        ``referred_churn_multiplier`` (:func:`funnelsim.economics.scaled_churn_model`)."""
        return scaled_churn_model(self.churn_model, self.referred_churn_multiplier)

    @property
    def referred_churn(self) -> float:
        """Churn of referred customers per period: ``churn × referred_churn_multiplier``
        (with an sBG model, in their first period)."""
        if not isinstance(self.churn, ChurnModel):
            return self.churn * self.referred_churn_multiplier
        return float(self.referred_churn_model.mean_churn)

    def conversion(self) -> tuple[float, float]:
        """Probability that a paid lead / a referred entrant becomes a customer.

        With ``rate_changes``, the funnel's own rates (those of the periods before any
        change); ``paid_cac`` budgets are converted into leads at this conversion.
        """
        if self.funnel is None:
            return 1.0, 1.0
        entry, cust = self.stage_indices
        rates = self.funnel.rates
        return float(np.prod(rates[1 : cust + 1])), float(np.prod(rates[entry + 1 : cust + 1]))

    def channel_economics(self, period: str = "period") -> tuple[UnitEconomics, UnitEconomics]:
        """One paid and one referred customer's unit economics (without a CAC).

        :func:`funnelsim.economics.unit_economics` with ``arpu`` (referred:
        ``× referred_arpu_multiplier``), ``margin``, :attr:`churn_model`
        (referred: :attr:`referred_churn_model`), ``discount``, ``expansion``
        and ``horizon``; ``period``
        names one period in the records' labels ("month").
        """
        paid = unit_economics(
            self.arpu,
            self.margin,
            self.churn_model,
            discount=self.discount,
            period=period,
            expansion=self.expansion,
            horizon=self.horizon,
        )
        referred = unit_economics(
            self.arpu * self.referred_arpu_multiplier,
            self.margin,
            self.referred_churn_model,
            discount=self.discount,
            period=period,
            expansion=self.expansion,
            horizon=self.horizon,
        )
        return paid, referred

    def ltv(self) -> tuple[float, float]:
        """LTV (expected gross profit, discounted at ``discount``) of a paid / referred customer.

        From :meth:`channel_economics`; ``inf`` at churn 0 without a discount.
        """
        paid, referred = self.channel_economics()
        return paid.ltv, referred.ltv

    @property
    def invites_per_customer(self) -> float:
        """Deprecated: the field is :attr:`invites_per_user`."""
        warnings.warn(
            "GrowthParams.invites_per_customer is deprecated and will be removed in the next "
            "release; use GrowthParams.invites_per_user",
            FunnelsimDeprecationWarning,
            stacklevel=2,
        )
        return self.invites_per_user


# The old field name still constructs (and ``dataclasses.replace``s) for one release.
_renamed_init = renamed_keywords(invites_per_customer="invites_per_user")(GrowthParams.__init__)


@functools.wraps(GrowthParams.__init__)
def _init_with_old_name(self: GrowthParams, *args: Any, **kwargs: Any) -> None:
    # ``dataclasses.replace(p, invites_per_customer=x)`` passes every field of ``p``
    # as well, so the new name arrives too: drop it when it is only ``p``'s own value
    # (a caller who gave both, with different values, still gets "got both").
    if "invites_per_customer" in kwargs and "invites_per_user" in kwargs:
        caller = sys._getframe(1)
        if caller.f_code is dataclasses.replace.__code__:
            obj = caller.f_locals.get("obj")
            if isinstance(obj, GrowthParams) and kwargs["invites_per_user"] == obj.invites_per_user:
                del kwargs["invites_per_user"]
    _renamed_init(self, *args, **kwargs)


GrowthParams.__init__ = _init_with_old_name  # type: ignore[method-assign]


@dataclass(frozen=True, eq=False, repr=False)
class GrowthResult:
    """What :func:`simulate_growth` returns."""

    #: One row per period (and replication): see :func:`simulate_growth` for the columns.
    periods: pd.DataFrame
    #: The parameters simulated.
    params: GrowthParams
    #: True if a run stopped early because it exceeded 10¹² people (no market size).
    capped: bool
    #: The int that repeats the run when passed back as ``seed=``; None when no int does
    #: (a Generator that was used or spawned; see :func:`funnelsim._random.seed_entropy`).
    seed: int | None

    def unit_economics(self) -> pd.DataFrame:
        """Whole-run unit economics, one row per replication.

        Columns: ``replication, marketing_spend, new_customers, referral_share,
        cac`` (blended: total spend / new customers), ``ltv`` (expected gross
        profit of the acquired mix, from the parameters), ``ltv_to_cac``,
        ``payback_period`` (whole periods until the acquired mix's expected
        cumulative margin, paid and referred customers each with their own
        ARPU and churn weighted by their share of new customers, covers the
        blended CAC), ``cac_paid`` (budget / new paid customers), ``cac_referral``
        (referral rewards / new referred customers; NaN for a channel that
        brought nobody), ``revenue``, ``gross_profit`` and ``roi`` ((gross
        profit − spend) / spend over the simulated horizon). Money in currency
        units, per customer where it says so. Without an acquisition spend
        (``new_leads`` and no ``budget``, :attr:`GrowthParams.spend_given`) the
        paid leads' cost is unknown: ``cac``, ``ltv_to_cac``, ``payback_period``,
        ``cac_paid`` and ``roi`` are NaN.
        """
        p = self.periods
        by = p.groupby("replication") if "replication" in p else p.groupby(np.zeros(len(p), int))
        agg = by.agg(
            marketing_spend=("marketing_spend", "sum"),
            new_paid=("new_paid", "sum"),
            new_referral=("new_referral", "sum"),
            revenue=("revenue", "sum"),
            gross_profit=("gross_profit", "sum"),
        )
        out = pd.DataFrame(
            _derived(self.params, agg["marketing_spend"], agg["new_paid"], agg["new_referral"])
        )
        out.insert(0, "replication", np.arange(len(agg)))
        new_paid = agg["new_paid"].to_numpy(dtype=float)
        new_ref = agg["new_referral"].to_numpy(dtype=float)
        ref_spend = self.params.referral_reward * new_ref
        paid_spend = agg["marketing_spend"].to_numpy() - ref_spend
        with np.errstate(invalid="ignore", divide="ignore"):
            out["cac_paid"] = np.where(
                (new_paid > 0) & self.params.spend_given, paid_spend / new_paid, np.nan
            )
            out["cac_referral"] = np.where(new_ref > 0, ref_spend / new_ref, np.nan)
        out["revenue"] = agg["revenue"].to_numpy()
        out["gross_profit"] = agg["gross_profit"].to_numpy()
        spend = out["marketing_spend"].to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            out["roi"] = np.where(
                (spend > 0) & self.params.spend_given,
                (out["gross_profit"] - spend) / spend,
                np.nan,
            )
        return out

    def long(self, columns: str | list[str] | None = None) -> pd.DataFrame:
        """The period frame in long format: ``(replication,) period, metric, value``.

        ``columns`` picks the metrics, one name or a list (default: new_paid,
        new_referral, active, churned, revenue, cumulative_revenue,
        marketing_spend). Ready for
        ``alt.Chart(...).mark_line().encode(x="period", y="value", color="metric")``.
        """
        if isinstance(columns, str):
            columns = [columns]
        cols = columns or [
            "new_paid",
            "new_referral",
            "active",
            "churned",
            "revenue",
            "cumulative_revenue",
            "marketing_spend",
        ]
        missing = [c for c in cols if c not in self.periods]
        if missing:
            raise ValueError(
                f"unknown column(s) {missing}; the period frame has {list(self.periods)}"
            )
        ids = ["replication", "period"] if "replication" in self.periods else ["period"]
        return self.periods.melt(
            id_vars=ids, value_vars=cols, var_name="metric", value_name="value"
        )

    def relative_to(
        self, period: int, columns: str | Sequence[str] = ("new_customers", "active", "revenue")
    ) -> pd.DataFrame:
        """Each metric per period relative to its level in ``period`` (means over replications).

        The frame behind a leading-vs-lagging chart: pick the period just before a
        change and every metric starts at 1 there, so a leading indicator jumps in
        the period of the change while a lagging one climbs over several periods.

        Parameters
        ----------
        period : int
            The reference period, in 1..the last period.
        columns : str or sequence of str
            Columns of :attr:`periods` (default ``new_customers, active, revenue``).

        Returns
        -------
        DataFrame
            ``period, metric, value`` (mean over replications) and ``relative``
            (value ÷ the metric's value in ``period``, dimensionless).

        Raises
        ------
        ValueError
            For an unknown column, a period outside the run, or a metric that is 0
            in the reference period (nothing to compare with).
        """
        cols = [columns] if isinstance(columns, str) else list(columns)
        last = int(self.periods["period"].max())
        ref = check_int("period", period, low=1, high=last)
        long = self.long(cols)
        means = long.groupby(["metric", "period"], sort=False)["value"].mean().reset_index()
        base = means[means["period"] == ref].set_index("metric")["value"]
        zero = [m for m in cols if base.get(m, 0.0) == 0]
        if zero:
            raise ValueError(f"{zero} are 0 in period {ref}: nothing to compare with")
        means["relative"] = means["value"] / means["metric"].map(base)
        means["metric"] = pd.Categorical(means["metric"], categories=cols)
        out = means.sort_values(["metric", "period"], kind="stable").reset_index(drop=True)
        return out[["period", "metric", "value", "relative"]]

    def by_channel(self) -> pd.DataFrame:
        """New and active customers by channel.

        Columns ``(replication,) period, channel, new, active``; two rows per period.
        """
        p = self.periods
        ids = ["replication", "period"] if "replication" in p else ["period"]
        paid = p[ids].assign(channel="paid", new=p["new_paid"], active=p["active_paid"])
        ref = p[ids].assign(channel="referral", new=p["new_referral"], active=p["active_referral"])
        out = pd.concat([paid, ref], ignore_index=True).sort_values(
            [*ids, "channel"], kind="stable"
        )
        out["channel"] = pd.Categorical(out["channel"], categories=list(CHANNELS))
        return out.reset_index(drop=True)

    def __repr__(self) -> str:
        last = self.periods.groupby("period")["active"].mean().iloc[-1]
        return (
            f"GrowthResult(periods={self.periods['period'].max()}, active at the end={last:,.0f})"
        )


def _derived(
    params: GrowthParams, spend: Any, new_paid: Any, new_ref: Any
) -> dict[str, np.ndarray]:
    """CAC, LTV of the acquired mix, LTV:CAC and payback from spend and new customers.

    The acquired mix is the period's (or run's) new customers: a share ``s`` of
    referred customers (ARPU ``arpu × referred_arpu_multiplier``, churn
    :attr:`GrowthParams.referred_churn`) and ``1 − s`` paid ones (``arpu``,
    ``churn``), each group with the model of :meth:`GrowthParams.ltv`
    (the run's churn model and discount, the same margin). Then

    * ``cac`` is the blended CAC, spend / new customers;
    * ``ltv`` is the expected gross profit per acquired customer,
      ``(1 − s) × LTV_paid + s × LTV_referral``;
    * ``payback_period`` is the payback of the acquired mix: the first period
      at which the mix's expected cumulative margin, each group's curve
      weighted by its share of new customers, reaches the blended CAC
      (:func:`funnelsim.economics.payback_period` with ``weights``). It is not
      the payback of one average customer with the mix's mean ARPU and churn.

    NaN without new customers; otherwise whole periods (0 for free customers,
    ``inf`` if the mix's margin never covers the CAC).
    """
    spend = np.asarray(spend, dtype=float)
    new_paid = np.asarray(new_paid, dtype=float)
    new_ref = np.asarray(new_ref, dtype=float)
    new = new_paid + new_ref
    arpu_ref = params.arpu * params.referred_arpu_multiplier
    # Per channel, by the package's one unit-economics function (churn model, discount).
    ltv_paid, ltv_ref = params.ltv()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(new > 0, new_ref / new, np.nan)
        # no acquisition spend given: the paid leads' cost is unknown, so is the CAC
        cac = np.where((new > 0) & params.spend_given, spend / new, np.nan)
        ltv = (
            (1 - share) * ltv_paid + share * ltv_ref
            if math.isfinite(ltv_paid)
            else np.full_like(new, np.inf)
        )
        ratio = np.where(cac > 0, ltv / cac, np.nan)
    payback = np.full(new.shape, np.nan)
    has = (new > 0) & np.isfinite(cac)
    if has.any():
        s = share[has]
        payback[has] = payback_period(
            cac[has],
            [params.arpu, arpu_ref],
            params.margin,
            [params.churn_model, params.referred_churn_model],
            params.discount,
            params.expansion,
            weights=np.stack([1.0 - s, s], axis=-1),
            horizon=params.horizon,
        )
    return {
        "marketing_spend": spend,
        "new_customers": new.astype(np.int64),
        "referral_share": share,
        "cac": cac,
        "ltv": ltv,
        "ltv_to_cac": ratio,
        "payback_period": payback,
    }


@renamed_keywords(invites_per_customer="invites_per_user")
def simulate_growth(
    periods: int,
    *,
    params: GrowthParams | None = None,
    replications: int = 1,
    seed: Any = None,
    **overrides: Any,
) -> GrowthResult:
    """Simulate a growing customer base period by period (see the module docstring).

    Parameters
    ----------
    periods : int
        Number of periods (months, say), in [1, 10,000].
    params : GrowthParams, optional
        The model's parameters; default ``GrowthParams()``.
    replications : int
        Independent runs, drawn together (vectorised over replications).
    seed : int, numpy.random.Generator, SeedSequence or None
        The only source of randomness; same seed, same result.
    **overrides
        Any :class:`GrowthParams` field, e.g. ``new_leads=10_000, churn=0.03``;
        applied on top of ``params``. ``new_leads`` and the funnel's step rates
        (``rate_changes={"activation": step_change(0.30, 0.45, at=12)}``) may
        change over time (see the module docstring); a schedule must fit
        ``periods`` (a change after the last period, or a per-period sequence
        of another length, is a ValueError naming the input).

    Returns
    -------
    GrowthResult
        ``.periods`` has one row per period (and ``replication``):
        ``period`` (1..periods), ``leads`` (paid people entering the funnel),
        ``referred_leads`` (invitees entering it), ``new_paid``,
        ``new_referral``, ``new_customers``, ``active_paid``,
        ``active_referral``, ``active``, ``churned``, ``revenue``,
        ``gross_profit``, ``cumulative_revenue``, ``marketing_spend``
        (budget + referral rewards), ``cumulative_spend``, and the period's
        unit economics ``cac``, ``ltv``, ``ltv_to_cac``, ``payback_period``
        (whole periods; ``inf`` if the customers never pay back their CAC; NaN
        in a period without new customers, and ``ltv_to_cac`` also NaN in a
        period without spend). ``.unit_economics()``
        summarises the run; ``.long()`` and ``.by_channel()`` give chart-ready
        long frames.

    Warns
    -----
    RuntimeWarning
        Without ``market_size``, if a run would reach more than 10¹² people; it
        stops at that period.

    Examples
    --------
    >>> r = simulate_growth(12, new_leads=1_000, churn=0.1, seed=1)
    >>> int(r.periods["new_paid"].iloc[0])
    1000
    """
    n_periods = check_int("periods", periods, low=1, high=10_000)
    reps = check_int("replications", replications, low=1)
    base = GrowthParams() if params is None else params
    if not isinstance(base, GrowthParams):
        raise TypeError(f"params must be a GrowthParams, got {type(base).__name__}")
    fields = {f.name for f in dataclasses.fields(GrowthParams)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise TypeError(f"unknown growth parameter(s) {unknown}; valid ones are {sorted(fields)}")
    prm = dataclasses.replace(base, **overrides) if overrides else base
    prm.check_periods(n_periods)
    if (
        prm.new_leads is None
        and prm.cost_per_lead is None
        and prm.paid_cac is None
        and prm.initial_customers == 0
    ):
        raise ValueError(
            "nothing to simulate: no paid acquisition and no initial_customers; give "
            "new_leads (e.g. simulate_growth(36, new_leads=1_000)), or a budget with "
            "cost_per_lead or paid_cac, or initial_customers"
        )

    rng = as_generator(seed)
    recorded = seed_entropy(rng)
    out, capped = _run_growth(rng, prm, n_periods, reps)
    if capped:
        warnings.warn(
            f"the run reached more than {MAX_PEOPLE:.0e} people without a market_size and "
            f"stopped after period {int(out['period'].max())}; "
            "pass market_size to model saturation",
            RuntimeWarning,
            stacklevel=2,
        )
    return GrowthResult(out, prm, capped, recorded)


def _chain(rng: np.random.Generator, n: Any, rates: np.ndarray) -> Any:
    """Binomial chain through ``rates`` (vectorised over replications): who reaches the end."""
    for p in rates:
        n = rng.binomial(n, p)
    return n


def _total(cohorts: np.ndarray, reps: int) -> Any:
    """Customers over all ages (per replication; a numpy scalar for one replication)."""
    total = cohorts.sum(axis=0)
    return total[0] if reps == 1 else total


def _run_growth(
    rng: np.random.Generator, prm: GrowthParams, n_periods: int, reps: int
) -> tuple[pd.DataFrame, bool]:
    market = prm.market_size
    leads_t = prm.leads_by_period(n_periods).tolist()
    entry, cust = prm.stage_indices
    rates_t = prm.rates_by_period(n_periods)
    invite_mean = prm.invites_per_user * prm.invite_conversion
    model = prm.churn_model
    by_age = model.kind != "geometric" or prm.expansion != 0
    if by_age:
        # sBG: cohorts by age (index = age at the end of the previous period); a cohort
        # aged t − 1 keeps each customer with probability 1 − h(t) (module docstring)
        stay_p_age = np.asarray(model.retention_rate(np.arange(1, n_periods + 1)), float)
        stay_r_age = np.asarray(
            prm.referred_churn_model.retention_rate(np.arange(1, n_periods + 1)), float
        )
        cohorts_p = np.zeros((n_periods + 1, reps), dtype=np.int64)
        cohorts_r = np.zeros((n_periods + 1, reps), dtype=np.int64)
        cohorts_p[0] = prm.initial_customers
        # revenue of one customer by age at the end of a period: arpu × (1 + expansion)^age
        grow = (1.0 + prm.expansion) ** np.arange(n_periods + 1)
        revenue_t = np.zeros((n_periods, reps))
    else:
        stay_paid = 1.0 - model.mean_churn
        stay_ref = 1.0 - prm.referred_churn

    names = (
        "leads",
        "referred_leads",
        "new_paid",
        "new_referral",
        "active_paid",
        "active_referral",
        "churned",
    )
    rec = {k: np.zeros((n_periods, reps), dtype=np.int64) for k in names}

    def const(x: int) -> Any:
        # One replication runs on numpy scalars: the same draws and the same stream,
        # without numpy's per-call array checks (about 5x faster for small runs).
        return np.int64(x) if reps == 1 else np.full(reps, x, dtype=np.int64)

    reached = const(prm.initial_customers)
    active_p = const(prm.initial_customers)
    active_r = const(0)
    capped = False
    done = n_periods
    for t in range(n_periods):
        leads = leads_t[t]
        paid_rates = rates_t[t, 1 : cust + 1]
        ref_rates = rates_t[t, entry + 1 : cust + 1]
        paid_in = const(leads)
        if market is not None and leads:
            paid_in = rng.hypergeometric(market - reached, reached, const(min(leads, market)))
        reached = reached + paid_in
        ref_in = const(0)
        if invite_mean > 0:
            ref_in = rng.poisson((active_p + active_r) * invite_mean)
            if market is not None:
                ref_in = rng.hypergeometric(market - reached, reached, np.minimum(ref_in, market))
        reached = reached + ref_in
        new_p = _chain(rng, paid_in, paid_rates)
        new_r = _chain(rng, ref_in, ref_rates)
        if by_age:
            kept_p = rng.binomial(cohorts_p[: t + 1], stay_p_age[: t + 1, None])
            kept_r = rng.binomial(cohorts_r[: t + 1], stay_r_age[: t + 1, None])
            cohorts_p[1 : t + 2] = kept_p
            cohorts_r[1 : t + 2] = kept_r
            cohorts_p[0] = new_p
            cohorts_r[0] = new_r
            surv_p, surv_r = _total(kept_p, reps), _total(kept_r, reps)
            paid_rev = grow[: t + 2] @ cohorts_p[: t + 2]
            ref_rev = grow[: t + 2] @ cohorts_r[: t + 2]
            revenue_t[t] = prm.arpu * (paid_rev + prm.referred_arpu_multiplier * ref_rev)
        else:
            surv_p = rng.binomial(active_p, stay_paid)
            surv_r = rng.binomial(active_r, stay_ref)
        rec["churned"][t] = (active_p - surv_p) + (active_r - surv_r)
        active_p = surv_p + new_p
        active_r = surv_r + new_r
        for k, v in zip(
            names[:-1], (paid_in, ref_in, new_p, new_r, active_p, active_r), strict=True
        ):
            rec[k][t] = v
        if market is None and (reached if reps == 1 else reached.max()) > MAX_PEOPLE:
            capped, done = True, t + 1
            break

    cols = {k: v[:done].T.ravel() for k, v in rec.items()}
    data: dict[str, Any] = {}
    if reps > 1:
        data["replication"] = np.repeat(np.arange(reps), done)
    data["period"] = np.tile(np.arange(1, done + 1), reps)
    data["leads"] = cols["leads"]
    data["referred_leads"] = cols["referred_leads"]
    data["new_paid"] = cols["new_paid"]
    data["new_referral"] = cols["new_referral"]
    data["new_customers"] = cols["new_paid"] + cols["new_referral"]
    data["active_paid"] = cols["active_paid"]
    data["active_referral"] = cols["active_referral"]
    data["active"] = cols["active_paid"] + cols["active_referral"]
    data["churned"] = cols["churned"]
    if by_age:
        revenue = revenue_t[:done].T.ravel()
    else:
        revenue = prm.arpu * (
            cols["active_paid"] + prm.referred_arpu_multiplier * cols["active_referral"]
        )
    budget_t = np.tile(prm.budget_by_period(n_periods)[:done], reps)
    spend = budget_t + prm.referral_reward * cols["new_referral"]
    data["revenue"] = revenue
    data["gross_profit"] = prm.margin * revenue
    # running sums within each replication (rows are grouped by replication, in period order)
    data["cumulative_revenue"] = np.cumsum(revenue.reshape(reps, done), axis=1).ravel()
    data["marketing_spend"] = spend
    data["cumulative_spend"] = np.cumsum(spend.reshape(reps, done), axis=1).ravel()
    derived = _derived(prm, spend, cols["new_paid"], cols["new_referral"])
    for col in ("cac", "ltv", "ltv_to_cac", "payback_period"):
        data[col] = derived[col]
    return pd.DataFrame(data), capped
