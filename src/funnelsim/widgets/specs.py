"""Declarative control specs: what each explorer lets a student move.

A :class:`Control` says *which model parameter* a slider drives, its label,
range, step and default. The specs here are plain frozen records with no
ipywidgets in sight: the models take ordinary keyword arguments, these tables
say how to expose them, and :mod:`funnelsim.widgets` turns them into sliders
(the same split as Mesa's ``model_params``). Changing what a class sees means
editing a table here, not the explorer code.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from funnelsim._format import tidy
from funnelsim._validation import check_choice, check_real

__all__ = [
    "AAARRR_RATES",
    "B2B_ECONOMICS",
    "B2C_ECONOMICS",
    "FUNNEL_PRESETS",
    "POPULATION",
    "TLTB_RATES",
    "Control",
    "FunnelPreset",
    "Metric",
    "by_name",
]

Scale = Literal["linear", "log"]

#: The values a "log" slider steps through in each decade (× 1, 10, 100, ...): round
#: numbers a class says aloud (CAC $50, $60, $70, ... $150, $200, $250), 11 a decade.
LOG_STEPS = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9)


@dataclass(frozen=True)
class Control:
    """One slider: a model parameter with its label, range, step and default."""

    #: Keyword argument of the model the slider drives ("activation", "buyers").
    name: str
    #: Text beside the slider; say what it means and its unit.
    label: str
    #: Smallest value the slider allows.
    min: float
    #: Largest value the slider allows.
    max: float
    #: Increment of one key press ("log" sliders step through :data:`LOG_STEPS` instead).
    step: float
    #: Starting value, and the value Reset returns to.
    default: float
    #: Whole numbers only (buyers, seed, invites).
    integer: bool = False
    #: "linear", or "log" for values spanning decades (buyers): the slider then
    #: steps through 1, 1.5, 2, 2.5, 3, 4, ..., 9, 10, 15, ... between min and max
    #: (:data:`LOG_STEPS`), and a box beside it takes any typed value in range.
    scale: Scale = "linear"
    #: d3-format string for the readout (".0%" shows 0.3 as 30%).
    readout: str = ".2f"
    #: Debounce this control: the model reruns a moment after the slider stops
    #: moving, not on every step (for settings that make a run slow).
    slow: bool = False
    #: One sentence shown as a tooltip.
    help: str = ""
    #: The scenario value this slider drives, as a dotted path of
    #: :meth:`funnelsim.scenarios.Scenario.with_values` ("economics.arpu",
    #: "funnel.rates.activation", "seed"); the explorers load and save it
    #: generically. "" for a slider with no single scenario value.
    setting: str = ""

    def __post_init__(self) -> None:
        low = check_real(f"min of control {self.name!r}", self.min)
        high = check_real(f"max of control {self.name!r}", self.max)
        if not low < high:
            raise ValueError(f"control {self.name!r} needs min < max, got {low:g} and {high:g}")
        check_real(f"step of control {self.name!r}", self.step, low=0.0, low_open=True)
        check_choice(f"scale of control {self.name!r}", self.scale, ("linear", "log"))
        if self.scale == "log" and low <= 0:
            raise ValueError(f"log control {self.name!r} needs min > 0, got {low:g}")
        self.check(self.default)
        if self.scale == "linear":
            if not _whole(high - low, self.step):
                raise ValueError(
                    f"control {self.name!r} must span a whole number of steps "
                    f"(max − min = {high - low:g}, step {self.step:g}), so its top value "
                    f"is reachable"
                )
            if not _whole(self.default - low, self.step):
                raise ValueError(
                    f"default of control {self.name!r} must be min + a whole number of steps "
                    f"(the slider would snap it), got {self.default!r}"
                )

    @property
    def steps(self) -> int:
        """Number of steps from min to max (a whole number; :data:`LOG_STEPS` for "log")."""
        if self.scale == "log":
            return len(self.options()) - 1
        return round((self.max - self.min) / self.step)

    def options(self, *extra: float) -> list[float | int]:
        """Values the slider steps through, with ``extra`` values and the default.

        ``min + i × step`` for a linear control (exact to 12 significant digits:
        0.07 not 0.07000000000000001), :data:`LOG_STEPS` per decade for a "log" one
        (whole ones only for an integer control).
        """
        values: set[float] = {tidy(self.default), *map(float, extra)}  # extras exact
        if self.scale == "linear":
            values.update(tidy(self.min + i * self.step) for i in range(self.steps + 1))
        else:
            decade = 10.0 ** math.floor(math.log10(self.min))
            while decade <= self.max:
                for m in LOG_STEPS:
                    v = tidy(m * decade)
                    if self.min <= v <= self.max and (v.is_integer() or not self.integer):
                        values.add(v)
                decade *= 10
        ordered = sorted(values)
        return [int(v) for v in ordered] if self.integer else ordered

    def check(self, value: Any) -> float:
        """``value`` as a number within the control's range, or a ValueError naming the control."""
        name = f"{self.name} ({self.label})"  # the keyword typed and the slider seen
        x = check_real(name, value, low=self.min, high=self.max)
        if self.integer and not float(x).is_integer():
            raise ValueError(f"{name} must be a whole number, got {value!r}")
        return int(x) if self.integer else x


@dataclass(frozen=True)
class Metric:
    """A headline number shown beside the chart."""

    #: Key in the explorer's metrics dict.
    name: str
    #: Row label ("LTV:CAC").
    label: str
    #: Python format spec for the value ("{:,.0f}").
    fmt: str = "{:,.2f}"
    #: What the number means (tooltip).
    help: str = ""
    #: How +infinity reads ("∞"; "never" for a payback).
    infinite: str = "∞"

    def format(self, value: float | None) -> str:
        """The value as text; NaN or None show as an en dash, +inf as :attr:`infinite`."""
        if value is None or math.isnan(value):
            return "–"
        if math.isinf(value):
            return self.infinite if value > 0 else "−∞"
        return self.fmt.format(tidy(value))


def _whole(span: float, step: float) -> bool:
    """Whether ``span`` is a whole number of ``step``, judged in decimal (0.59 / 0.01 = 59)."""
    ratio = Decimal(repr(span)) / Decimal(repr(step))
    return abs(ratio - ratio.to_integral_value()) < Decimal("1e-9")


def by_name(controls: Sequence[Control]) -> dict[str, Control]:
    """``{control.name: control}``, checking names are unique."""
    out: dict[str, Control] = {}
    for c in controls:
        if c.name in out:
            raise ValueError(f"control names must be unique, got {c.name!r} twice")
        out[c.name] = c
    return out


def _driving(prefix: str, controls: Sequence[Control], **settings: str) -> tuple[Control, ...]:
    """``controls``, each declaring the scenario setting it drives (``prefix + name``, or
    ``settings[name]``; "" for none)."""
    return tuple(
        dataclasses.replace(c, setting=settings.get(c.name, f"{prefix}{c.name}")) for c in controls
    )


def _rate(name: str, label: str, default: float, help: str = "") -> Control:
    return Control(name, label, 0.0, 1.0, 0.01, default, readout=".0%", help=help)


# -- the funnel explorer ------------------------------------------------------------------

#: Step rates of the AAARRR funnel (defaults: :func:`funnelsim.aaarrr`).
AAARRR_RATES = _driving("funnel.rates.", (
    _rate("acquisition", "Acquisition (aware → sign-up)", 0.30, "Aware visitors who sign up."),
    _rate("activation", "Activation (sign-up → active)", 0.50, "Sign-ups who use it for real."),
    _rate("retention", "Retention (active → retained)", 0.60, "Active users who keep coming."),
    _rate("revenue", "Revenue (retained → paying)", 0.40, "Retained users who pay."),
    _rate("referral", "Referral (paying → referrer)", 0.25, "Payers who invite others."),
))  # fmt: skip

#: Step rates of Trigger-Learn-Try-Buy (defaults: :func:`funnelsim.trigger_learn_try_buy`).
TLTB_RATES = (
    _rate("learn", "Learn (triggered → studies)", 0.40, "Triggered accounts that study options."),
    _rate("try_", "Try (studies → pilot)", 0.30, "Accounts that run a demo or pilot."),
    _rate("buy", "Buy (pilot → purchase)", 0.25, "Pilots that end in a purchase."),
)

#: Population and randomness, shared by the simulation explorers.
POPULATION = _driving("", (
    Control(
        "buyers", "Buyers entering", 100, 1_000_000, 1, 10_000,
        integer=True, scale="log", readout=",.0f", slow=True,
        help="Buyers entering the first stage (log scale).",
    ),
    Control(
        "seed", "Seed", 0, 9_999, 1, 2026, integer=True, readout="d",
        help="Same seed, same run: move it to see Monte Carlo noise.",
    ),
))  # fmt: skip

#: Unit economics of a consumer app (per month).
B2C_ECONOMICS = (
    Control("arpu", "ARPU ($ / customer / month)", 1, 200, 1, 12, readout=",.0f"),
    _rate("margin", "Gross margin", 0.80),
    Control("churn", "Monthly churn", 0.01, 0.5, 0.01, 0.08, readout=".0%"),
    Control(
        "cost_per_buyer", "Marketing cost per buyer ($)", 0.0, 5.0, 0.05, 0.40,
        readout=",.2f", help="Spend divided by buyers entering: drives CAC.",
    ),
    Control("invites_per_user", "Invites per referrer", 0, 10, 0.5, 3.0, readout=".1f"),
    _rate("invite_conversion", "Invite conversion", 0.20, "Invites that become new buyers."),
)  # fmt: skip

#: Unit economics of a B2B deal (per month, per account).
B2B_ECONOMICS = (
    Control("arpu", "ARPU ($ / account / month)", 100, 20_000, 100, 2_500, readout=",.0f"),
    _rate("margin", "Gross margin", 0.75),
    Control("churn", "Monthly churn", 0.005, 0.2, 0.005, 0.02, readout=".1%"),
    Control(
        "cost_per_buyer", "Sales cost per triggered account ($)",
        0, 5_000, 25, 600, readout=",.0f",
    ),
)  # fmt: skip


@dataclass(frozen=True)
class FunnelPreset:
    """A funnel the :class:`~funnelsim.widgets.FunnelExplorer` can show."""

    #: Name in the preset picker.
    label: str
    #: Factory in :mod:`funnelsim.model` taking the rate controls as keywords
    #: ("" for a funnel from a scenario file, see :func:`custom_preset`).
    factory: str
    #: Sliders for the step rates.
    rates: tuple[Control, ...]
    #: Sliders for the unit economics.
    economics: tuple[Control, ...]
    #: Stage whose buyers are paying customers.
    customer_stage: str
    #: Stage whose buyers invite others (None: no viral loop in this funnel).
    referral_stage: str | None = None


#: The presets of the funnel explorer, by the name ``FunnelExplorer(preset=...)`` takes.
FUNNEL_PRESETS: Mapping[str, FunnelPreset] = {
    "aaarrr": FunnelPreset(
        "AAARRR (growth)", "aaarrr", AAARRR_RATES, B2C_ECONOMICS, "Revenue", "Referral"
    ),
    "tltb": FunnelPreset(
        "Trigger-Learn-Try-Buy (B2B)", "trigger_learn_try_buy", TLTB_RATES, B2B_ECONOMICS, "Buy"
    ),
}


def funnel_rates(funnel: Any) -> tuple[Control, ...]:
    """One rate slider per stage after the first of any :class:`~funnelsim.model.Funnel`.

    Each slider is named by the stage's keyword form ("First share" ->
    ``first_share``, what :meth:`Funnel.with_rates` takes) and starts at the
    stage's rate rounded to the slider's 1 % step.
    """
    from funnelsim.model import _key

    names = funnel.names
    return tuple(
        _rate(
            _key(stage.name),
            f"{prev} → {stage.name}",
            round(stage.rate, 2),
            f"Buyers at {prev} who go on to {stage.name}.",
        )
        for prev, stage in zip(names[:-1], funnel.stages[1:], strict=True)
    )


def custom_preset(
    funnel: Any, customer_stage: str | None = None, referral_stage: str | None = None
) -> FunnelPreset:
    """A :class:`FunnelPreset` for a funnel with stages of its own (from a scenario file).

    Customers are the buyers reaching ``customer_stage`` (default: the last
    stage); the consumer unit-economics sliders apply.
    """
    customers = funnel.names[-1] if customer_stage is None else customer_stage
    return FunnelPreset(
        f"{funnel.name} (scenario)", "", funnel_rates(funnel), B2C_ECONOMICS, customers,
        referral_stage,
    )  # fmt: skip


#: Headline numbers of the funnel explorer.
FUNNEL_METRICS = (
    Metric("customers", "Customers", "{:,.0f}", "Buyers who reached the paying stage."),
    Metric("revenue", "Revenue ($ / month)", "${:,.0f}", "Customers × ARPU."),
    Metric(
        "cac", "CAC ($ / customer)", "${:,.2f}",
        "Marketing spend / customers the funnel is expected to bring.",
    ),
    Metric(
        "ltv", "LTV ($ / customer)", "${:,.2f}",
        "Expected gross profit of a customer (the scenario's churn model and discount).",
    ),
    Metric("ltv_cac", "LTV:CAC", "{:.2f}", "Lifetime value per dollar of acquisition."),
    Metric(
        "payback", "Payback (months)", "{:,.0f}",
        "First month the cumulative profit reaches CAC.", infinite="never",
    ),
    Metric("k", "Viral K", "{:.3f}", "New buyers each customer brings through referrals."),
)  # fmt: skip


# -- the growth model / instructor dashboard ----------------------------------------------------

#: Paid acquisition per period.
GROWTH_PAID = _driving("growth.", (
    Control(
        "budget", "Paid budget ($ / period)", 0, 100_000, 1_000, 20_000, readout=",.0f",
        help="Marketing spend on paid leads each period.",
    ),
    Control(
        "cost_per_lead", "Cost per paid lead ($)", 0.05, 5.0, 0.05, 0.50, readout=",.2f",
        help="A lead is anyone entering the funnel's first stage (Awareness).",
    ),
))  # fmt: skip

#: The referral loop.
GROWTH_REFERRAL = _driving("growth.", (
    Control(
        "invites_per_user", "Invites / customer / period", 0, 3, 0.05, 0.5,
        readout=".2f", help="Mean invites an active customer sends each period.",
    ),
    _rate("invite_conversion", "Invite acceptance", 0.30, "Invitees who enter the funnel."),
    Control(
        "referral_reward", "Reward per referral ($)", 0, 100, 1, 0,
        readout=",.0f",
    ),
))  # fmt: skip

#: Retention and money per active customer.
GROWTH_ECONOMICS = _driving(
    "growth.",
    (
        Control("churn", "Churn per period", 0.01, 0.5, 0.01, 0.06, readout=".0%"),
        Control("arpu", "ARPU ($ / customer / period)", 1, 100, 1, 12, readout=",.0f"),
        _rate("margin", "Gross margin", 0.80),
    ),
)

#: Horizon and market.
GROWTH_HORIZON = _driving("growth.", (
    Control("periods", "Periods (months)", 6, 60, 1, 36, integer=True, readout="d"),
    Control(
        "market_size", "Market size (people)", 10_000, 100_000_000, 1, 5_000_000,
        integer=True, scale="log", readout=",.0f", help="Everyone who could ever be reached.",
    ),
    Control(
        "seed", "Seed", 0, 9_999, 1, 2026, integer=True, readout="d",
        help="Same seed, same run: move it to see Monte Carlo noise.",
    ),
), seed="seed")  # fmt: skip

#: Headline numbers of the growth explorer and the dashboard.
GROWTH_METRICS = (
    Metric("customers", "Active customers (end)", "{:,.0f}"),
    Metric("revenue", "Revenue ($, all periods)", "${:,.0f}"),
    Metric(
        "ltv_cac", "LTV:CAC (whole run, blended)", "{:.2f}",
        "The growth model's paid and referred customers together: their LTV (geometric "
        "churn of this model, undiscounted) per dollar of all acquisition spend.",
    ),
    Metric(
        "k", "Viral K (per customer lifetime)", "{:.2f}",
        "Customers one customer brings in over its lifetime; above 1 the loop feeds itself.",
    ),
    Metric("referral_share", "Referred share of new customers", "{:.0%}"),
)  # fmt: skip


# -- referral / virality ------------------------------------------------------------------------

REFERRAL_CONTROLS = (
    Control(
        "seed_buyers", "Seed buyers", 10, 100_000, 1, 1_000, integer=True, scale="log",
        readout=",.0f", help="Buyers in generation 0 (from paid acquisition).",
    ),
    Control("invites_per_user", "Invites per buyer", 0, 10, 0.1, 2.0, readout=".1f"),
    _rate("invite_conversion", "Invite conversion", 0.20, "Invites that bring a new buyer."),
    Control(
        "market_size", "Market size (people)", 1_000, 100_000_000, 1, 1_000_000,
        integer=True, scale="log", readout=",.0f",
    ),
    Control(
        "replications", "Replications", 1, 50, 1, 20, integer=True, readout="d", slow=True,
        help="Independent cascades; the bars are their mean.",
    ),
    Control("seed", "Seed", 0, 9_999, 1, 2026, integer=True, readout="d"),
)  # fmt: skip

REFERRAL_METRICS = (
    Metric("k", "Viral K", "{:.2f}", "Invites per buyer × invite conversion."),
    Metric("customers", "Buyers in the end", "{:,.0f}", "Mean over replications."),
    Metric("expected_total", "Closed form s / (1 − K)", "{:,.0f}", "Capped at the market."),
    Metric("generations", "Generations", "{:,.0f}", "Until the cascade died out."),
)

# -- retention / cohorts -------------------------------------------------------------------------

RETENTION_CONTROLS = (
    Control("churn", "Mean churn per period", 0.01, 0.6, 0.01, 0.25, readout=".0%"),
    Control(
        "polarization", "Polarization of churn", 0.0, 0.9, 0.01, 0.2, readout=".2f",
        help="0: everyone churns alike (geometric); near 1: loyal few, fast leavers.",
    ),
    Control(
        "cohort_size", "Customers per cohort", 1, 100_000, 1, 1_000, integer=True,
        scale="log", readout=",.0f",
    ),
    Control("cohorts", "Cohorts", 1, 24, 1, 8, integer=True, readout="d"),
    Control("periods", "Periods observed", 2, 36, 1, 12, integer=True, readout="d"),
    Control(
        "arpu", "ARPU ($ / period)", 1, 50_000, 1, 30, scale="log", readout=",.0f",
        help="Log scale: consumer apps to enterprise contracts.",
    ),
    _rate("margin", "Gross margin", 0.80),
    Control("seed", "Seed", 0, 9_999, 1, 2026, integer=True, readout="d"),
)  # fmt: skip

RETENTION_METRICS = (
    Metric("alpha", "Fitted α", "{:.2f}"),
    Metric("beta", "Fitted β", "{:.2f}"),
    Metric("retained", "Active after the last period", "{:.0%}", "Pooled over cohorts."),
    Metric("lifetime", "Expected lifetime (periods)", "{:.1f}", "Infinite when α ≤ 1."),
    Metric(
        "ltv",
        "LTV ($ / customer)",
        "${:,.2f}",
        "This churn model, discounted at the scenario's rate (none without a scenario).",
    ),
)

# -- unit economics ------------------------------------------------------------------------------

ECONOMICS_CONTROLS = _driving(
    "economics.",
    (
        Control(
            "arpu",
            "ARPU ($ / customer / month)",
            1,
            50_000,
            1,
            30,
            scale="log",
            readout=",.0f",
            help="Log scale: consumer apps to enterprise contracts.",
        ),
        _rate("margin", "Gross margin", 0.80),
        Control("churn", "Monthly churn", 0.01, 0.5, 0.01, 0.05, readout=".0%"),
        Control(
            "cac",
            "CAC ($ per customer)",
            10,
            200_000,
            10,
            300,
            scale="log",
            readout=",.0f",
            help="Acquisition cost of one customer (log scale).",
        ),
        Control("discount", "Discount rate per month", 0.0, 0.05, 0.001, 0.01, readout=".1%"),
        Control(
            "expansion",
            "Expansion per month",
            0.0,
            0.05,
            0.001,
            0.0,
            readout=".1%",
            help="Monthly growth of a staying customer's revenue (upsells, more seats).",
        ),
        Control("months", "Months shown", 6, 60, 1, 36, integer=True, readout="d"),
    ),
    churn="",
    cac="",
    months="",
)

ECONOMICS_METRICS = (
    Metric("ltv", "LTV ($ / customer)", "${:,.0f}", "Expected (discounted) gross profit."),
    Metric("cac", "CAC ($ / customer)", "${:,.0f}", "Acquisition cost of one customer."),
    Metric("ltv_cac", "LTV:CAC", "{:.2f}", "A common rule of thumb wants 3 or more."),
    Metric(
        "payback", "Payback (months)", "{:,.0f}",
        "First month the cumulative profit curve reaches CAC.", infinite="never",
    ),
    Metric("lifetime", "Expected lifetime (months)", "{:.1f}", "Undiscounted; – if infinite."),
    Metric(
        "profit_per_customer", "LTV − CAC ($ / new customer)", "${:,.0f}",
        "Below 0 every customer bought loses money: growing faster loses more.",
    ),
)  # fmt: skip

# -- the B2B deal --------------------------------------------------------------------------------

B2B_COMMITTEE = (
    _rate("champion", "Champion present", 0.25, "An insider who sells for you."),
    _rate("saboteur", "Saboteur present", 0.15, "An insider who works against you."),
    _rate("decision_maker", "Decision maker (ЛПР)", 0.60),
    _rate("economic_buyer", "Economic buyer (ЛВР)", 0.70),
    _rate("influencer", "Decision shaper (ЛФР)", 0.90),
    _rate("user", "Users", 0.80),
)

B2B_STEPS = (
    _rate("learn", "Learn (triggered → studies)", 0.40),
    _rate("try_", "Try (studies → pilot)", 0.30),
)

B2B_BECKHARD = (
    Control("dissatisfaction", "A: dissatisfaction (0–10)", 0, 10, 0.5, 6, readout=".1f"),
    Control("vision", "B: clear vision (0–10)", 0, 10, 0.5, 5, readout=".1f"),
    Control("first_steps", "D: first steps (0–10)", 0, 10, 0.5, 4, readout=".1f"),
    Control("cost", "X: cost of change", 1, 1_000, 1, 120, readout=",.0f"),
)

B2B_DEAL = (
    Control(
        "accounts", "Accounts triggered", 100, 100_000, 1, 5_000, integer=True, scale="log",
        readout=",.0f",
    ),
    Control("deal_size", "Deal size ($ / year)", 1_000, 500_000, 1_000, 60_000, readout=",.0f"),
    Control("seed", "Seed", 0, 9_999, 1, 2026, integer=True, readout="d"),
)  # fmt: skip

B2B_METRICS = (
    Metric("buy_rate", "Buy step (Beckhard)", "{:.0%}", "P(buy) = r² / (1 + r²), r = A·B·D / X."),
    Metric("win_rate", "Win rate", "{:.1%}"),
    Metric("customers", "Deals won", "{:,.0f}"),
    Metric("revenue", "Revenue ($ / year)", "${:,.0f}"),
    Metric("cycle", "Median sales cycle (weeks)", "{:.1f}", "Won deals only."),
)

# -- sensitivity ---------------------------------------------------------------------------------

SENSITIVITY_CONTROLS = _driving("", (
    Control(
        "delta", "Change of each rate (± points)", 0.01, 0.2, 0.01, 0.05, readout=".0%",
        help="Each step's rate moves down and up by this much, one at a time.",
    ),
    Control(
        "buyers", "Buyers entering", 100, 1_000_000, 1, 10_000, integer=True, scale="log",
        readout=",.0f",
    ),
), delta="")  # fmt: skip

SENSITIVITY_METRICS = (
    Metric("customers", "Customers (base)", "{:,.0f}", "Buyers reaching the last stage."),
    Metric("swing", "Largest swing", "{:,.0f}", "Customers between the low and high rate."),
    Metric("ratio", "Largest / smallest swing", "{:.2f}"),
)
