"""Declarative control specs: what each explorer lets a student move.

A :class:`Control` says *which model parameter* a slider drives, its label,
range, step and default. The specs here are plain frozen records with no
ipywidgets in sight: the models take ordinary keyword arguments, these tables
say how to expose them, and :mod:`funnelsim.widgets` turns them into sliders
(the same split as Mesa's ``model_params``). Changing what a class sees means
editing a table here, not the explorer code.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

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
    #: Increment of one key press ("log" sliders step through 1-2-5 values instead).
    step: float
    #: Starting value, and the value Reset returns to.
    default: float
    #: Whole numbers only (buyers, seed, invites).
    integer: bool = False
    #: "linear", or "log" for values spanning decades (buyers): the slider then
    #: steps through 1, 2, 5, 10, 20, 50 ... between min and max.
    scale: Scale = "linear"
    #: d3-format string for the readout (".0%" shows 0.3 as 30%).
    readout: str = ".2f"
    #: Debounce this control: the model reruns a moment after the slider stops
    #: moving, not on every step (for settings that make a run slow).
    slow: bool = False
    #: One sentence shown as a tooltip.
    help: str = ""

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
            steps = (self.default - low) / self.step
            if abs(steps - round(steps)) > 1e-6:
                raise ValueError(
                    f"default of control {self.name!r} must be min + a whole number of steps "
                    f"(the slider would snap it), got {self.default!r}"
                )

    def options(self, *extra: float) -> list[float | int]:
        """Values a "log" slider steps through: 1-2-5 per decade, ``extra`` and the default."""
        values: set[float] = {float(self.default), *map(float, extra)}
        decade = 10.0 ** math.floor(math.log10(self.min))
        while decade <= self.max:
            for m in (1, 2, 5):
                v = m * decade
                if self.min <= v <= self.max:
                    values.add(v)
            decade *= 10
        ordered = sorted(values)
        return [int(v) for v in ordered] if self.integer else ordered

    def check(self, value: Any) -> float:
        """``value`` as a number within the control's range, or a ValueError naming the control."""
        x = check_real(self.label, value, low=self.min, high=self.max)
        if self.integer and not float(x).is_integer():
            raise ValueError(f"{self.label} must be a whole number, got {value!r}")
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

    def format(self, value: float | None) -> str:
        """The value as text; NaN, infinity or None show as an en dash."""
        if value is None or not math.isfinite(value):
            return "–"
        return self.fmt.format(value)


def by_name(controls: Sequence[Control]) -> dict[str, Control]:
    """``{control.name: control}``, checking names are unique."""
    out: dict[str, Control] = {}
    for c in controls:
        if c.name in out:
            raise ValueError(f"control names must be unique, got {c.name!r} twice")
        out[c.name] = c
    return out


def _rate(name: str, label: str, default: float, help: str = "") -> Control:
    return Control(name, label, 0.0, 1.0, 0.01, default, readout=".0%", help=help)


# -- the funnel explorer ------------------------------------------------------------------

#: Step rates of the AAARRR funnel (defaults: :func:`funnelsim.aaarrr`).
AAARRR_RATES = (
    _rate("acquisition", "Acquisition (aware → sign-up)", 0.30, "Aware visitors who sign up."),
    _rate("activation", "Activation (sign-up → active)", 0.50, "Sign-ups who use it for real."),
    _rate("retention", "Retention (active → retained)", 0.60, "Active users who keep coming."),
    _rate("revenue", "Revenue (retained → paying)", 0.40, "Retained users who pay."),
    _rate("referral", "Referral (paying → referrer)", 0.25, "Payers who invite others."),
)

#: Step rates of Trigger-Learn-Try-Buy (defaults: :func:`funnelsim.trigger_learn_try_buy`).
TLTB_RATES = (
    _rate("learn", "Learn (triggered → studies)", 0.40, "Triggered accounts that study options."),
    _rate("try_", "Try (studies → pilot)", 0.30, "Accounts that run a demo or pilot."),
    _rate("buy", "Buy (pilot → purchase)", 0.25, "Pilots that end in a purchase."),
)

#: Population and randomness, shared by the simulation explorers.
POPULATION = (
    Control(
        "buyers", "Buyers entering", 100, 1_000_000, 1, 10_000,
        integer=True, scale="log", readout=",.0f", slow=True,
        help="Buyers entering the first stage (log scale).",
    ),
    Control(
        "seed", "Seed", 0, 9_999, 1, 2026, integer=True, readout="d",
        help="Same seed, same run: move it to see Monte Carlo noise.",
    ),
)  # fmt: skip

#: Unit economics of a consumer app (per month).
B2C_ECONOMICS = (
    Control("arpu", "ARPU ($ / customer / month)", 1, 200, 1, 12, readout=",.0f"),
    _rate("margin", "Gross margin", 0.80),
    Control("churn", "Monthly churn", 0.01, 0.5, 0.01, 0.08, readout=".0%"),
    Control(
        "cost_per_buyer", "Marketing cost per buyer ($)", 0.0, 5.0, 0.05, 0.40,
        readout=",.2f", help="Spend divided by buyers entering: drives CAC.",
    ),
    Control("invites", "Invites per referrer", 0, 10, 0.5, 3.0, readout=".1f"),
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
    #: Factory in :mod:`funnelsim.model` taking the rate controls as keywords.
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

#: Headline numbers of the funnel explorer.
FUNNEL_METRICS = (
    Metric("customers", "Customers", "{:,.0f}", "Buyers who reached the paying stage."),
    Metric("revenue", "Revenue / month", "${:,.0f}", "Customers × ARPU."),
    Metric("cac", "CAC", "${:,.0f}", "Marketing spend / customers."),
    Metric("ltv", "LTV", "${:,.0f}", "ARPU × margin / churn."),
    Metric("ltv_cac", "LTV:CAC", "{:.2f}", "Lifetime value per dollar of acquisition."),
    Metric("k", "Viral K", "{:.3f}", "New buyers each customer brings through referrals."),
)


# -- the growth model / instructor dashboard ----------------------------------------------------

#: Paid acquisition per period.
GROWTH_PAID = (
    Control(
        "budget", "Paid budget ($ / period)", 0, 100_000, 1_000, 20_000, readout=",.0f",
        help="Marketing spend on paid leads each period.",
    ),
    Control("cost_per_lead", "Cost per paid lead ($)", 0.05, 5.0, 0.05, 0.50, readout=",.2f"),
)  # fmt: skip

#: The referral loop.
GROWTH_REFERRAL = (
    Control(
        "invites_per_customer", "Invites / customer / period", 0, 3, 0.05, 0.5,
        readout=".2f", help="Mean invites an active customer sends each period.",
    ),
    _rate("invite_conversion", "Invite acceptance", 0.30, "Invitees who enter the funnel."),
    Control(
        "referral_reward", "Reward per referral ($)", 0, 100, 1, 0,
        readout=",.0f",
    ),
)  # fmt: skip

#: Retention and money per active customer.
GROWTH_ECONOMICS = (
    Control("churn", "Churn per period", 0.01, 0.5, 0.01, 0.06, readout=".0%"),
    Control("arpu", "ARPU ($ / customer / period)", 1, 100, 1, 12, readout=",.0f"),
    _rate("margin", "Gross margin", 0.80),
)

#: Horizon and market.
GROWTH_HORIZON = (
    Control("periods", "Periods (months)", 6, 60, 1, 36, integer=True, readout="d"),
    Control(
        "market_size", "Market size (people)", 10_000, 100_000_000, 1, 5_000_000,
        integer=True, scale="log", readout=",.0f", help="Everyone who could ever be reached.",
    ),
    Control(
        "seed", "Seed", 0, 9_999, 1, 2026, integer=True, readout="d",
        help="Same seed, same run: move it to see Monte Carlo noise.",
    ),
)  # fmt: skip

#: Headline numbers of the growth explorer and the dashboard.
GROWTH_METRICS = (
    Metric("customers", "Active customers (end)", "{:,.0f}"),
    Metric("revenue", "Revenue (all periods)", "${:,.0f}"),
    Metric("ltv_cac", "LTV:CAC", "{:.2f}", "Lifetime gross profit per dollar of acquisition."),
    Metric(
        "k", "Viral K (per customer lifetime)", "{:.2f}",
        "Customers one customer brings in over its lifetime; above 1 the loop feeds itself.",
    ),
    Metric("referral_share", "Referred share of new customers", "{:.0%}"),
)  # fmt: skip
