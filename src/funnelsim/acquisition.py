"""Multi-channel acquisition: parallel channels, their conversions, CPL and CAC from one call.

Awareness and Acquisition are fed by several **channels** at once (content, search,
social, email, outreach, events, partners). Each :class:`Channel` is a small funnel of
its own that runs in parallel with the others:

    impressions --CTR--> visitors --visitor→lead--> leads --lead→customer--> customers

with its own costs: a fixed amount per period (salaries, a sponsorship, a content
budget), a cost per click (a visitor from paid search or ads) and a cost per lead (a
lead bought from a partner or a lead-generation agency). A channel counted in visitors
rather than impressions (organic search, a partner's referrals) is built with
:meth:`Channel.from_visitors` (its CTR is 1).

The model
---------
Per channel and period, with ``n`` impressions: ``visitors ~ Binomial(n, ctr)``,
``leads ~ Binomial(visitors, visitor_to_lead)`` and ``customers ~ Binomial(leads,
lead_to_customer)``, channels and periods independent. A binomial thinned by an
independent binomial is binomial, so ``leads ~ Binomial(n, ctr · visitor_to_lead)`` and
``customers ~ Binomial(n, ctr · visitor_to_lead · lead_to_customer)``: the exact means
and standard deviations of :func:`expected_channels` (a test checks the simulation
against them). ``spend = fixed_cost + cost_per_click · visitors + cost_per_lead · leads``.

The metrics are the ones practitioner material names for these stages:
CTR = clicks (visitors) / impressions; visitor→lead and lead→customer conversion (the
second measures lead *quality*: a channel with many cheap leads that never buy is a poor
channel); **CPL** (cost per lead) = spend / leads; **CAC** (customer acquisition cost)
= all acquisition spend / new customers, computed with :func:`funnelsim.economics.cac`.
Some practitioner texts write *CPA* for the last one; CPA usually means cost per
*action* (a click, a sign-up, a lead), which is why the tables here say CPL and CAC and
never CPA.

Every rate in :meth:`ChannelsResult.table` comes with its exact (Clopper–Pearson)
interval from :func:`funnelsim.stats.proportion_ci`; CPL and CAC come with the spend
divided by the interval of the leads (customers) the channel's impressions could have
brought (see :meth:`ChannelsResult.table` for what that interval assumes).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from funnelsim._random import as_generator, seed_entropy
from funnelsim._validation import check_int, check_probability, check_real

__all__ = [
    "CHANNEL_KINDS",
    "Channel",
    "ChannelsResult",
    "channels_frame",
    "example_channels",
    "expected_channels",
    "simulate_channels",
]

#: The channel kinds practitioner material lists for Awareness and Acquisition.
CHANNEL_KINDS = ("content", "search", "social", "email", "outreach", "events", "partners")

#: Largest number of impressions a channel may have per period.
MAX_IMPRESSIONS = 10**12
#: Most periods one call simulates.
MAX_PERIODS = 10_000

#: The count columns of the tables, in funnel order.
_COUNTS = ("impressions", "visitors", "leads", "customers")
#: Each rate's name, numerator and denominator.
_RATES = (
    ("ctr", "visitors", "impressions"),
    ("visitor_to_lead", "leads", "visitors"),
    ("lead_to_customer", "customers", "leads"),
)


@dataclass(frozen=True)
class Channel:
    """One acquisition channel: its volume, conversions and costs per period.

    Examples
    --------
    >>> ads = Channel("search ads", impressions=50_000, ctr=0.03, visitor_to_lead=0.05,
    ...               lead_to_customer=0.10, cost_per_click=1.5)
    >>> round(ads.expected_customers, 2)
    7.5
    """

    #: A name for tables and charts, unique within one call ("search ads").
    name: str
    #: Impressions (ad views, posts seen, emails delivered) per period, a whole number >= 0.
    impressions: int
    #: Click-through rate: visitors / impressions, in [0, 1].
    ctr: float
    #: Visitor→lead conversion: the share of visitors who leave contacts, in [0, 1].
    visitor_to_lead: float
    #: Lead→customer conversion (lead quality): the share of leads who buy, in [0, 1].
    lead_to_customer: float
    #: Fixed cost per period (currency), >= 0: salaries, a content budget, a stand.
    fixed_cost: float = 0.0
    #: Cost per click, i.e. per visitor (currency), >= 0.
    cost_per_click: float = 0.0
    #: Cost per lead (currency), >= 0: leads bought from a partner or an agency.
    cost_per_lead: float = 0.0
    #: One of :data:`CHANNEL_KINDS`, or None; only a label.
    kind: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"channel name must be a non-empty string, got {self.name!r}")
        where = f"channel {self.name!r}"
        object.__setattr__(
            self,
            "impressions",
            check_int(f"impressions of {where}", self.impressions, low=0, high=MAX_IMPRESSIONS),
        )
        for field in ("ctr", "visitor_to_lead", "lead_to_customer"):
            value = check_probability(f"{field} of {where}", getattr(self, field))
            object.__setattr__(self, field, value)
        for field in ("fixed_cost", "cost_per_click", "cost_per_lead"):
            value = check_real(f"{field} of {where}", getattr(self, field), low=0.0)
            object.__setattr__(self, field, value)
        if self.kind is not None and self.kind not in CHANNEL_KINDS:
            raise ValueError(
                f"kind of {where} must be one of {list(CHANNEL_KINDS)} or None, got {self.kind!r}"
            )

    @classmethod
    def from_visitors(
        cls,
        name: str,
        visitors: int,
        visitor_to_lead: float,
        lead_to_customer: float,
        **costs: Any,
    ) -> Channel:
        """A channel counted in visitors (organic search, a partner's traffic): CTR 1.

        ``costs`` are the keyword fields ``fixed_cost``, ``cost_per_click``,
        ``cost_per_lead`` and ``kind``.
        """
        return cls(name, visitors, 1.0, visitor_to_lead, lead_to_customer, **costs)

    @property
    def rates(self) -> np.ndarray:
        """The three step conversions: CTR, visitor→lead, lead→customer."""
        return np.array([self.ctr, self.visitor_to_lead, self.lead_to_customer])

    @property
    def reach(self) -> np.ndarray:
        """Probability that an impression becomes a visitor, a lead, a customer."""
        return np.cumprod(self.rates)

    @property
    def expected_spend(self) -> float:
        """Expected spend per period: fixed + per click × visitors + per lead × leads."""
        visitors, leads = self.impressions * self.reach[:2]
        return float(self.fixed_cost + self.cost_per_click * visitors + self.cost_per_lead * leads)

    @property
    def expected_customers(self) -> float:
        """Expected new customers per period: impressions × CTR × both conversions."""
        return float(self.impressions * self.reach[2])


def example_channels() -> tuple[Channel, ...]:
    """Seven channels of a small B2B software company, one of each kind, per month.

    The numbers are invented for the course (lesson ``03_awareness_acquisition``) to
    show the usual pattern: social ads bring the cheapest leads and the dearest
    customers, a trade show the reverse, and a small newsletter the cheapest customers
    of all.

    Returns
    -------
    tuple of Channel
        content & SEO, search ads, social ads, email newsletter, cold outreach, trade
        show, partners; see :func:`channels_frame` for their settings.
    """
    return (
        Channel.from_visitors("content & SEO", 6_000, 0.03, 0.08, fixed_cost=3_000, kind="content"),
        Channel("search ads", 120_000, 0.025, 0.04, 0.10, cost_per_click=1.2, kind="search"),
        Channel("social ads", 400_000, 0.008, 0.06, 0.015, cost_per_click=0.4, kind="social"),
        Channel("email newsletter", 20_000, 0.03, 0.10, 0.12, fixed_cost=500, kind="email"),
        Channel("cold outreach", 1_500, 0.06, 0.40, 0.15, fixed_cost=2_500, kind="outreach"),
        Channel.from_visitors("trade show", 300, 0.50, 0.15, fixed_cost=6_000, kind="events"),
        Channel.from_visitors("partners", 400, 0.25, 0.15, cost_per_lead=25, kind="partners"),
    )


def channels_frame(channels: Any) -> pd.DataFrame:
    """The settings of ``channels`` as a table, one row per channel.

    Returns
    -------
    DataFrame
        ``channel, kind, impressions, ctr, visitor_to_lead, lead_to_customer,
        fixed_cost, cost_per_click, cost_per_lead`` (volumes and fixed costs per period).

    Examples
    --------
    >>> list(channels_frame(example_channels())["channel"])[:2]
    ['content & SEO', 'search ads']
    """
    chans = _check_channels(channels)
    fields = (
        "impressions", "ctr", "visitor_to_lead", "lead_to_customer",
        "fixed_cost", "cost_per_click", "cost_per_lead",
    )  # fmt: skip
    return pd.DataFrame(
        [{"channel": c.name, "kind": c.kind, **{f: getattr(c, f) for f in fields}} for c in chans]
    )


def _check_channels(channels: Any) -> tuple[Channel, ...]:
    if isinstance(channels, Channel):
        channels = [channels]
    if isinstance(channels, str | bytes) or not isinstance(channels, Iterable):
        raise TypeError(f"channels must be a list of Channel, got {type(channels).__name__}")
    out = tuple(channels)
    if not out:
        raise ValueError("channels must hold at least one Channel, got none")
    names: set[str] = set()
    for c in out:
        if not isinstance(c, Channel):
            raise TypeError(f"every channel must be a Channel, got {c!r} ({type(c).__name__})")
        if c.name in names or c.name == "total":
            what = "is reserved for the total row" if c.name == "total" else "appears twice"
            raise ValueError(f"channel names must be unique and not 'total'; {c.name!r} {what}")
        names.add(c.name)
    return out


def _spend(channels: Sequence[Channel], visitors: Any, leads: Any) -> np.ndarray:
    fixed = np.array([c.fixed_cost for c in channels])
    cpc = np.array([c.cost_per_click for c in channels])
    cpl = np.array([c.cost_per_lead for c in channels])
    return fixed + cpc * np.asarray(visitors, float) + cpl * np.asarray(leads, float)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is 0 (a cost per nobody is undefined)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def expected_channels(channels: Any, *, periods: int = 1) -> pd.DataFrame:
    """Exact expectations of every channel over ``periods`` periods, and their total.

    Parameters
    ----------
    channels : Channel or sequence of Channel
        The channels, with unique names.
    periods : int
        Number of periods (each with every channel's impressions), >= 1.

    Returns
    -------
    DataFrame
        One row per channel, then a ``total`` row: ``channel, impressions,
        visitors, leads, customers`` (expected counts), ``sd_visitors, sd_leads,
        sd_customers`` (standard deviations: each count is binomial in the
        impressions with the product of the rates, ``sqrt(n p (1 - p))``; the
        total's adds the channels' variances, which are independent),
        ``spend`` (expected currency), ``ctr, visitor_to_lead, lead_to_customer``
        (the rates; the total's are the pooled ratios of expected counts),
        ``cpl`` and ``cac`` (expected spend / expected leads or customers: the
        long-run cost per lead and per customer; NaN where nobody is expected).

    Raises
    ------
    TypeError, ValueError
        For something that is not a list of channels, duplicate names, or a
        ``periods`` that is not a whole number >= 1.

    Examples
    --------
    >>> table = expected_channels([Channel("blog", 10_000, 0.02, 0.10, 0.20, fixed_cost=400)])
    >>> table[["channel", "customers", "cac"]].round(1).to_dict("records")[0]
    {'channel': 'blog', 'customers': 4.0, 'cac': 100.0}
    """
    chans = _check_channels(channels)
    t = check_int("periods", periods, low=1, high=MAX_PERIODS)
    n = np.array([c.impressions for c in chans], float) * t
    reach = np.array([c.reach for c in chans])  # (C, 3)
    mean = n[:, None] * reach
    var = n[:, None] * reach * (1 - reach)
    counts = np.column_stack([n, mean])
    fixed = np.array([c.fixed_cost for c in chans])
    spend = _spend(chans, mean[:, 0], mean[:, 1]) + (t - 1) * fixed  # fixed cost every period
    counts = np.vstack([counts, counts.sum(axis=0)])
    sd = np.sqrt(np.vstack([var, var.sum(axis=0)]))
    spend = np.append(spend, spend.sum())
    table = pd.DataFrame(counts, columns=list(_COUNTS))
    table.insert(0, "channel", [c.name for c in chans] + ["total"])
    for j, col in enumerate(_COUNTS[1:]):
        table[f"sd_{col}"] = sd[:, j]
    table["spend"] = spend
    for rate, num, den in _RATES:
        table[rate] = _ratio(table[num].to_numpy(), table[den].to_numpy())
    table["cpl"] = _ratio(spend, table["leads"].to_numpy())
    table["cac"] = _cac(spend, table["customers"].to_numpy())
    return table


def _cac(spend: np.ndarray, customers: np.ndarray) -> np.ndarray:
    """CAC through :func:`funnelsim.economics.cac` where customers > 0, NaN elsewhere."""
    from funnelsim.economics import cac

    out = np.full(spend.shape, np.nan)
    some = customers > 0
    if some.any():
        out[some] = cac(spend[some], customers[some])
    return out


@dataclass(frozen=True, eq=False, repr=False)
class ChannelsResult:
    """What :func:`simulate_channels` returns.

    ``periods`` has one row per period and channel; :meth:`table` one row per
    channel (and the total) with rates, intervals, CPL and CAC;
    :meth:`expected` the exact expectations next to which to read it.
    """

    #: The channels, in the order given.
    channels: tuple[Channel, ...]
    #: One row per period and channel: ``period, channel, impressions, visitors,
    #: leads, customers, spend``.
    periods: pd.DataFrame
    #: The int that repeats the run when passed back as ``seed=``; None when no int does.
    seed: int | None

    @property
    def n_periods(self) -> int:
        """Number of periods simulated."""
        return int(self.periods["period"].max()) + 1

    def totals(self) -> pd.DataFrame:
        """Counts and spend summed over periods: one row per channel, then ``total``."""
        names = [c.name for c in self.channels]
        sums = (
            self.periods.groupby("channel", observed=True, sort=False)[[*_COUNTS, "spend"]]
            .sum()
            .reindex(names)
        )
        sums.loc["total"] = sums.sum()
        out = sums.reset_index()
        for col in _COUNTS:
            out[col] = out[col].astype(np.int64)
        return out

    def table(self, confidence: float = 0.95) -> pd.DataFrame:
        """Per channel and in total: counts, spend, rates with intervals, CPL and CAC.

        Parameters
        ----------
        confidence : float
            Coverage of every interval, in (0, 1).

        Returns
        -------
        DataFrame
            One row per channel, then ``total``: ``channel, impressions,
            visitors, leads, customers, spend``; for each of ``ctr,
            visitor_to_lead, lead_to_customer`` the rate (numerator /
            denominator of the simulated counts) and its exact Clopper–Pearson
            interval ``<rate>_low, <rate>_high``; ``cpl`` (spend / leads) with
            ``cpl_low, cpl_high`` and ``cac`` (spend / customers,
            :func:`funnelsim.economics.cac`) with ``cac_low, cac_high``. The
            total row's rates are the pooled shares of all channels' counts.

            The CPL (CAC) interval is the spend divided by the exact interval
            of the leads (customers) the impressions could have brought, i.e.
            ``spend / (impressions × upper reach)`` to ``spend / (impressions ×
            lower reach)``. It treats the spend as given; with costs per click
            or per lead the spend rises and falls with the counts, which makes
            the real spread of CPL and CAC narrower, so the interval errs on
            the wide side. Costs per nobody (no leads or customers) are NaN,
            and a CAC interval whose lower count bound is 0 is open above
            (``inf``).

        Raises
        ------
        ValueError
            If ``confidence`` is not in (0, 1).
        """
        from funnelsim.stats import proportion_ci

        conf = check_real(
            "confidence", confidence, low=0.0, high=1.0, low_open=True, high_open=True
        )
        out = self.totals()
        for rate, num, den in _RATES:
            k, n = out[num].to_numpy(float), out[den].to_numpy(float)
            low, high = proportion_ci(k, n, conf)
            out[rate] = _ratio(k, n)
            out[f"{rate}_low"] = low
            out[f"{rate}_high"] = high
        spend = out["spend"].to_numpy(float)
        n = out["impressions"].to_numpy(float)
        for cost, count in (("cpl", "leads"), ("cac", "customers")):
            k = out[count].to_numpy(float)
            low, high = proportion_ci(k, n, conf)
            out[cost] = _ratio(spend, k) if cost == "cpl" else _cac(spend, k)
            with np.errstate(divide="ignore", invalid="ignore"):
                cost_low = np.where(k > 0, spend / (n * high), np.nan)
                cost_high = np.where(
                    k > 0,
                    np.where(low > 0, spend / (n * np.where(low > 0, low, 1.0)), np.inf),
                    np.nan,
                )
            out[f"{cost}_low"] = cost_low
            out[f"{cost}_high"] = cost_high
        out.attrs["confidence"] = conf
        return out

    def expected(self) -> pd.DataFrame:
        """The exact expectations of the same channels and periods (:func:`expected_channels`)."""
        return expected_channels(self.channels, periods=self.n_periods)

    def __repr__(self) -> str:
        tot = self.totals().iloc[-1]
        return (
            f"ChannelsResult({len(self.channels)} channels, periods={self.n_periods}, "
            f"customers={int(tot['customers'])}, spend={float(tot['spend']):.2f}, "
            f"seed={self.seed})"
        )


def simulate_channels(channels: Any, *, periods: int = 1, seed: Any = None) -> ChannelsResult:
    """Run every channel for ``periods`` periods: impressions → visitors → leads → customers.

    Parameters
    ----------
    channels : Channel or sequence of Channel
        The channels, with unique names (see :class:`Channel`).
    periods : int
        Number of periods (weeks, months: the unit of the channels' volumes and
        fixed costs), >= 1.
    seed : int, numpy.random.Generator, SeedSequence or None
        The only source of randomness, keyword-only.

    Returns
    -------
    ChannelsResult
        ``.periods`` (one row per period and channel), ``.table()`` (rates with
        intervals, CPL and CAC per channel and in total) and ``.expected()``.

    Raises
    ------
    TypeError, ValueError
        For something that is not a list of channels, duplicate names, or a
        bad ``periods`` or ``seed``.

    Notes
    -----
    Each count is drawn from the binomial chain of the module docstring, one
    period after another, channels in the order given.

    Examples
    --------
    >>> blog = Channel("blog", 10_000, 0.02, 0.10, 0.20, fixed_cost=400)
    >>> ads = Channel("ads", 20_000, 0.03, 0.05, 0.05, cost_per_click=0.8)
    >>> result = simulate_channels([blog, ads], periods=3, seed=1)
    >>> list(result.table()["channel"])
    ['blog', 'ads', 'total']
    """
    chans = _check_channels(channels)
    t = check_int("periods", periods, low=1, high=MAX_PERIODS)
    rng = as_generator(seed)
    recorded = seed_entropy(rng)
    c = len(chans)
    n = np.array([ch.impressions for ch in chans], dtype=np.int64)
    rates = np.array([ch.rates for ch in chans])  # (C, 3)
    counts = np.empty((t, c, 4), dtype=np.int64)
    counts[:, :, 0] = n
    for j in range(3):
        counts[:, :, j + 1] = rng.binomial(counts[:, :, j], rates[None, :, j])
    spend = _spend(chans, counts[:, :, 1], counts[:, :, 2])
    frame = pd.DataFrame(
        {
            "period": np.repeat(np.arange(t, dtype=np.int64), c),
            "channel": pd.Categorical(
                np.tile([ch.name for ch in chans], t), categories=[ch.name for ch in chans]
            ),
            **{col: counts[:, :, j].ravel() for j, col in enumerate(_COUNTS)},
            "spend": spend.ravel(),
        }
    )
    return ChannelsResult(chans, frame, recorded)
