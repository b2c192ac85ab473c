"""Declarative control specs: what each explorer lets a student move.

A :class:`Control` says *which model parameter* a slider drives, its label,
range, step and default. The specs here are plain frozen records with no
ipywidgets in sight: the models take ordinary keyword arguments, these tables
say how to expose them, and :mod:`funnelsim.widgets` turns them into sliders
(the same split as Mesa's ``model_params``). Changing what a class sees means
editing a table here, not the explorer code.

Each control also names the scenario setting it drives (Mesa's ``model_params``
name the model's keyword; here the key is a dotted path of
:meth:`funnelsim.scenarios.Scenario.with_values`, e.g. ``"economics.arpu"``),
so :class:`funnelsim.widgets.Explorer` loads, saves and round-trips every
explorer's scenario files with one generic loop. A value that is not one field
as it stands (the marketing cost per buyer is ``economics.paid_spend / buyers``;
the retention sliders' mean churn and polarization are an sBG model's
``alpha`` and ``beta`` in some files) is a :class:`Setting` with its ``read`` and
``write``, declared here next to the slider.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from funnelsim._format import formatted, tidy
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
    "Setting",
    "by_name",
]

Scale = Literal["linear", "log"]

#: The values a "log" slider steps through in each decade (× 1, 10, 100, ...): round
#: numbers a class says aloud (CAC $50, $60, $70, ... $150, $200, $250), 11 a decade.
LOG_STEPS = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9)

#: ``read(scenario, current)``: a slider's value in ``scenario`` (None: not set there).
Read = Callable[[Any, Mapping[str, Any]], Any]
#: ``write(scenario, value, values)``: ``scenario`` with the slider's ``value`` written.
Write = Callable[[Any, Any, Mapping[str, Any]], Any]

#: Sections of a scenario (the first part of a dotted path).
_SECTION_KEYS = ("referral", "retention", "economics", "b2b", "growth")


@dataclass(frozen=True)
class Setting:
    """The scenario setting a slider drives, when it is more than one field as it stands.

    A slider that shows one field exactly (``"economics.margin"``) names its
    path in :attr:`Control.setting` as a string. A Setting adds how the value
    is read from a scenario and written back when it is derived (the cost per
    buyer is ``economics.paid_spend / buyers``), has a value when the file
    leaves it out (an unlimited market shows as the slider's top), or lives in
    a section that the file may not have (:attr:`optional`).
    """

    #: Dotted path of :meth:`~funnelsim.scenarios.Scenario.with_values` the slider
    #: stands for ("economics.paid_spend"); the default read and write use it.
    path: str
    #: ``read(scenario, current)`` gives the slider's value, None to keep the slider
    #: where it is (``current``: the explorer's values before the load). Default:
    #: ``scenario.value(path)``. A ValueError says the file cannot be shown.
    read: Read | None = None
    #: ``write(scenario, value, values)`` gives ``scenario`` with the slider's value
    #: written (``values``: every slider of the explorer). Default: ``path`` set to
    #: ``value``, several fields of one section in one step (checked together).
    write: Write | None = None
    #: The slider's value when the file leaves the setting unset (None: keep the slider).
    missing: float | None = None
    #: Written only into a scenario that has the path's section (the funnel
    #: explorer's ARPU changes nothing in a file without ``[economics]``);
    #: False: a missing section is created.
    optional: bool = False
    #: Other controls whose move rewrites this setting too (paid spend follows buyers).
    follows: tuple[str, ...] = ()

    @property
    def section(self) -> str | None:
        """The section of :attr:`path` ("economics"), or None for top-level and funnel keys."""
        head = self.path.split(".", 1)[0]
        return head if head in _SECTION_KEYS else None

    def absent(self, scenario: Any) -> bool:
        """Whether the setting is optional and ``scenario`` lacks its section."""
        section = self.section
        return self.optional and section is not None and getattr(scenario, section) is None

    def load(self, scenario: Any, current: Mapping[str, Any]) -> Any:
        """The slider's value in ``scenario`` (:attr:`missing` if unset there; may be None)."""
        if self.absent(scenario):
            return None
        value = scenario.value(self.path) if self.read is None else self.read(scenario, current)
        return self.missing if value is None else value

    def save(self, scenario: Any, value: Any, values: Mapping[str, Any]) -> Any:
        """``scenario`` with ``value`` written (unchanged if :meth:`absent`)."""
        if self.absent(scenario):
            return scenario
        if self.write is None:
            return scenario.with_values({self.path: value})
        return self.write(scenario, value, values)


def as_setting(setting: str | Setting) -> Setting | None:
    """``setting`` as a :class:`Setting` (a plain path becomes one); None for ""."""
    if isinstance(setting, Setting):
        return setting
    return Setting(setting) if setting else None


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
    #: "funnel.rates.activation", "seed"), or a :class:`Setting` for a derived
    #: one; the explorers load and save it generically. "" for a slider that
    #: drives no scenario value (the number of replications shown).
    setting: str | Setting = ""

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
        return formatted(self.fmt, tidy(value))  # "−$106", not "$-106"


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


def _driving(
    prefix: str, controls: Sequence[Control], **settings: str | Setting
) -> tuple[Control, ...]:
    """``controls``, each declaring the scenario setting it drives (``prefix + name``, or
    ``settings[name]``: a path, a :class:`Setting`, "" for none)."""
    return tuple(
        dataclasses.replace(c, setting=settings.get(c.name, f"{prefix}{c.name}")) for c in controls
    )


# -- reading and writing scenario settings -------------------------------------------------
# Plain functions of a Scenario (no widgets): the derived settings below use them, and so
# do the explorers (re-exported by ``funnelsim.widgets._base``).


def require_section(sc: Any, key: str) -> Any:
    """The section ``key`` of scenario ``sc``, or a ValueError naming the scenario."""
    section = getattr(sc, key)
    if section is None:
        raise ValueError(f"scenario {sc.name!r} has no [{key}] section")
    return section


def replace_section(sc: Any, key: str, **changes: Any) -> Any:
    """``sc`` with fields of its section ``key`` (e.g. "economics") replaced; no-op if none."""
    if not changes:
        return sc
    section = dataclasses.replace(require_section(sc, key), **changes)
    return dataclasses.replace(sc, **{key: section})


def expected_at(sc: Any, stage: str | None) -> int:
    """Buyers of scenario ``sc`` expected to reach ``stage`` (default: the last stage)."""
    index = -1 if stage is None else sc.funnel.index(stage)
    return round(sc.buyers * float(sc.funnel.reach[index]))


def mean_invites(referral: Any) -> float:
    """Mean invites per user of a ``[referral]`` section (segments weighted by their shares).

    The viral coefficient depends on the invites only through this mean.
    """
    invites = referral.invites_per_user
    if not isinstance(invites, tuple):
        return float(invites)
    shares = dict(referral.segments or ())
    return float(sum(shares.get(segment, 0.0) * n for segment, n in invites))


def churn_model(mean: float, loaded: Any) -> Any:
    """Churn model with mean churn ``mean`` of the kind of ``loaded`` (a ChurnModel or None).

    The loaded model itself while the mean is unchanged; an sBG model keeps its
    polarization ``1 / (α + β + 1)`` when the mean moves; otherwise geometric.
    """
    from funnelsim.retention import ChurnModel

    if loaded is None:
        return ChurnModel.geometric(mean)
    if loaded.mean_churn == mean:
        return loaded
    if loaded.kind == "sbg" and 0 < mean < 1:
        return ChurnModel.sbg_mean(mean, 1.0 / (loaded.alpha + loaded.beta + 1.0))
    return ChurnModel.geometric(mean)


def with_mean_churn(sc: Any, churn: float) -> Any:
    """``sc`` with the mean churn its unit economics use set to ``churn``, its model kept.

    The ``[economics]`` churn if the section has its own (geometric); otherwise
    the ``[retention]`` model's mean, an sBG model keeping its polarization (so
    the saved file computes what the explorer showed).
    """
    if sc.economics is not None and sc.economics.churn is not None:
        return replace_section(sc, "economics", churn=churn)
    if sc.retention is None:
        return replace_section(sc, "economics", churn=churn)
    model = churn_model(churn, sc.retention.model)
    if model.kind == "geometric":
        return replace_section(
            sc, "retention", churn=churn, polarization=None, alpha=None, beta=None
        )
    polarization = 1.0 / (model.alpha + model.beta + 1.0)
    return replace_section(
        sc, "retention", churn=churn, polarization=polarization, alpha=None, beta=None
    )


def clean(x: float) -> float:
    """``x`` to 12 significant digits: a derived 0.07999999999999999 reads back as 0.08."""
    return float(f"{x:.12g}")


def polarization(model: Any) -> float:
    """Polarization ``1 / (α + β + 1)`` of an sBG churn model; 0 for geometric churn."""
    if model.kind == "geometric":
        return 0.0
    return float(1.0 / (model.alpha + model.beta + 1.0))


def _unset(sc: Any, current: Mapping[str, Any]) -> None:
    """No value in the file: the slider stays where it is (it only shapes a derived one)."""
    return None


# The funnel explorer's unit economics: the numbers of ``Scenario.unit_economics()``.
def _economics_churn(sc: Any, current: Mapping[str, Any]) -> float:
    return float(sc.unit_economics().mean_churn)  # [economics] churn or the [retention] model's


def _write_economics_churn(sc: Any, value: Any, values: Mapping[str, Any]) -> Any:
    return with_mean_churn(sc, value)  # in the model the scenario chose


def _cost_per_buyer(sc: Any, current: Mapping[str, Any]) -> float | None:
    """Marketing spend per buyer entering: ``paid_spend / buyers``, or CAC × customers / buyers."""
    from funnelsim.scenarios import expected_customers

    econ = sc.economics
    if sc.buyers <= 0:
        return None
    if econ.paid_spend is not None:
        return float(econ.paid_spend / sc.buyers)
    if econ.cac is not None:
        return float(econ.cac * expected_customers(sc, econ.customer_stage) / sc.buyers)
    return None


def _write_cost_per_buyer(sc: Any, value: Any, values: Mapping[str, Any]) -> Any:
    """The spend (cost per buyer × buyers), or a file's CAC: the one the explorer shows."""
    from funnelsim.scenarios import expected_customers

    econ = sc.economics
    if econ.paid_spend is not None:
        return replace_section(sc, "economics", paid_spend=value * values["buyers"])
    if econ.cac is None:
        return sc  # the file prices no acquisition: the slider only shapes the cards
    if math.isclose(_cost_per_buyer(sc, values) or 0.0, value, rel_tol=1e-12):
        return sc  # the buyers moved: the file's CAC stays what it is
    customers = expected_customers(sc, econ.customer_stage)
    return replace_section(sc, "economics", cac=value * sc.buyers / customers)


def _referral_invites(sc: Any, current: Mapping[str, Any]) -> float:
    return mean_invites(sc.referral)  # segments weighted by their shares


#: Unit-economics settings of the funnel explorer (left alone in a file without the section).
_FUNNEL_MONEY = {
    "arpu": Setting("economics.arpu", optional=True),
    "margin": Setting("economics.margin", optional=True),
    "churn": Setting(
        "economics.churn", _economics_churn, _write_economics_churn, optional=True
    ),
    "cost_per_buyer": Setting(
        "economics.paid_spend", _cost_per_buyer, _write_cost_per_buyer, optional=True,
        follows=("buyers",),
    ),
    "invites_per_user": Setting("referral.invites_per_user", _referral_invites, optional=True),
    "invite_conversion": Setting("referral.invite_conversion", optional=True),
}  # fmt: skip


# The referral explorer: the [referral] section.
def _seed_buyers(sc: Any, current: Mapping[str, Any]) -> int:
    ref = sc.referral
    return ref.seed_buyers if ref.seed_buyers is not None else expected_at(sc, ref.seed_stage)


# The retention explorer: the [retention] churn model as mean churn and polarization.
def _retention_churn(sc: Any, current: Mapping[str, Any]) -> float:
    return clean(sc.retention.model.mean_churn)  # the file's 0.08, not 0.07999999999999999


def _retention_polarization(sc: Any, current: Mapping[str, Any]) -> float:
    return clean(polarization(sc.retention.model))  # geometric churn: 0


def _write_churn_model(which: str) -> Write:
    """Write the retention slider ``which`` ("churn" or "polarization") into the file's model.

    A file giving churn (and polarization) gets only the moved key; one giving
    alpha and beta gets both sliders as churn and polarization instead.
    """

    def write(sc: Any, value: Any, values: Mapping[str, Any]) -> Any:
        ret = sc.retention
        if ret.alpha is None and ret.churn is not None:
            if which == "churn":
                return replace_section(sc, "retention", churn=value)
            return replace_section(sc, "retention", polarization=value or None)  # 0: geometric
        return replace_section(
            sc, "retention", churn=values["churn"],
            polarization=values["polarization"] or None, alpha=None, beta=None,
        )  # fmt: skip

    return write


def _cohort_size(sc: Any, current: Mapping[str, Any]) -> int:
    """The file's cohort size, else the customers its funnel run counts at ``cohort_stage``.

    The count of ``sc.simulate()`` (mean over replications, rounded), as
    :func:`funnelsim.scenarios.runner.run_retention` sizes the cohorts: the
    explorer's cohorts are then those of ``Scenario.run()``.
    """
    ret = sc.retention
    if ret.cohort_size is not None:
        return int(ret.cohort_size)
    index = -1 if ret.cohort_stage is None else sc.funnel.index(ret.cohort_stage)
    return round(float(sc.simulate().counts[:, index].mean()))


# The B2B deal: Beckhard's four factors make the Buy step's rate.
#: Steepness of the smooth Beckhard rule (that of :func:`funnelsim.b2b.beckhard_probability`).
BECKHARD_STEEPNESS = 2.0
_BECKHARD = ("dissatisfaction", "vision", "first_steps", "cost")


def beckhard_buy_rate(values: Mapping[str, Any]) -> float:
    """The Buy step's base rate from Beckhard's rule, P = r² / (1 + r²), r = A·B·D / X."""
    from funnelsim.b2b import beckhard_probability

    factors = (values[k] for k in _BECKHARD)
    return float(beckhard_probability(*factors, steepness=BECKHARD_STEEPNESS))


def _buy_rate(sc: Any) -> float:
    deal = sc.b2b
    return float(deal.buy_rate if deal.buy_rate is not None else sc.funnel["Buy"].rate)


def _cost_of_change(sc: Any, current: Mapping[str, Any]) -> float:
    """The cost of change X that gives the file's Buy rate with the current A, B and D."""
    buy = _buy_rate(sc)
    if not 0.0 < buy < 1.0:
        raise ValueError(f"Beckhard's rule gives a Buy rate strictly between 0 and 1, got {buy!r}")
    odds = (buy / (1.0 - buy)) ** (1.0 / BECKHARD_STEEPNESS)
    return current["dissatisfaction"] * current["vision"] * current["first_steps"] / odds


def _write_buy_rate(sc: Any, value: Any, values: Mapping[str, Any]) -> Any:
    """The Buy rate Beckhard's rule gives: the file's ``b2b.buy_rate`` if it has one, else
    the funnel's Buy rate."""
    if sc.b2b.buy_rate is not None:
        return replace_section(sc, "b2b", buy_rate=beckhard_buy_rate(values))
    return sc.with_values({"funnel.rates.buy": beckhard_buy_rate(values)})


#: A Beckhard factor: the file holds only the Buy rate the four make.
_BUY_FACTOR = Setting("b2b.buy_rate", _unset, _write_buy_rate)


def _accounts(sc: Any, current: Mapping[str, Any]) -> int:
    return sc.buyers if sc.b2b.accounts is None else sc.b2b.accounts


def _deal_size(sc: Any, current: Mapping[str, Any]) -> float:
    return 12.0 * sc.economics.arpu  # a yearly contract of the monthly ARPU


def _write_deal_size(sc: Any, value: Any, values: Mapping[str, Any]) -> Any:
    return replace_section(sc, "economics", arpu=value / 12.0)


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
TLTB_RATES = _driving("funnel.rates.", (
    _rate("learn", "Learn (triggered → studies)", 0.40, "Triggered accounts that study options."),
    _rate("try_", "Try (studies → pilot)", 0.30, "Accounts that run a demo or pilot."),
    _rate("buy", "Buy (pilot → purchase)", 0.25, "Pilots that end in a purchase."),
))  # fmt: skip

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
B2C_ECONOMICS = _driving("", (
    Control("arpu", "ARPU ($ / customer / month)", 1, 200, 1, 12, readout=",.0f"),
    _rate("margin", "Gross margin", 0.80),
    Control("churn", "Monthly churn", 0.01, 0.5, 0.01, 0.08, readout=".0%"),
    Control(
        "cost_per_buyer", "Marketing cost per buyer ($)", 0.0, 5.0, 0.05, 0.40,
        readout=",.2f", help="Spend divided by buyers entering: drives CAC.",
    ),
    Control("invites_per_user", "Invites per referrer", 0, 10, 0.5, 3.0, readout=".1f"),
    _rate("invite_conversion", "Invite conversion", 0.20, "Invites that become new buyers."),
), **_FUNNEL_MONEY)  # fmt: skip

#: Unit economics of a B2B deal (per month, per account).
B2B_ECONOMICS = _driving("", (
    Control("arpu", "ARPU ($ / account / month)", 100, 20_000, 100, 2_500, readout=",.0f"),
    _rate("margin", "Gross margin", 0.75),
    Control("churn", "Monthly churn", 0.005, 0.2, 0.005, 0.02, readout=".1%"),
    Control(
        "cost_per_buyer", "Sales cost per triggered account ($)",
        0, 5_000, 25, 600, readout=",.0f",
    ),
), **{k: _FUNNEL_MONEY[k] for k in ("arpu", "margin", "churn", "cost_per_buyer")})  # fmt: skip


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
    return _driving("funnel.rates.", tuple(
        _rate(
            _key(stage.name),
            f"{prev} → {stage.name}",
            round(stage.rate, 2),
            f"Buyers at {prev} who go on to {stage.name}.",
        )
        for prev, stage in zip(names[:-1], funnel.stages[1:], strict=True)
    ))  # fmt: skip


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


#: What the K of the Funnel and Referral tabs is (the K ``funnelsim simulate`` prints).
_REFERRAL_K_HELP = (
    "The [referral] K: invites per buyer × invite conversion, the new buyers each buyer "
    "brings in one referral generation (each buyer invites once). Not the Growth tab's K, "
    "which counts paying customers per customer lifetime from the [growth] section."
)

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
    Metric(
        "k", "Viral K (new buyers per buyer, one generation)", "{:.3f}", _REFERRAL_K_HELP,
    ),
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
        "k", "Viral K (paying customers per customer lifetime)", "{:.3f}",
        "The growth model's K ([growth]): invites per active customer per month × "
        "acceptance × the chance that an invitee becomes a paying customer × the "
        "expected lifetime of a referred customer (1 / its first-month churn); above 1 "
        "the loop feeds itself. Not the K of the Funnel and Referral tabs, which counts "
        "the new buyers ([referral]) each buyer brings in one referral generation.",
    ),
    Metric("referral_share", "Referred share of new customers", "{:.0%}"),
)  # fmt: skip


# -- referral / virality ------------------------------------------------------------------------

REFERRAL_CONTROLS = _driving("referral.", (
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
), seed_buyers=Setting("referral.seed_buyers", _seed_buyers),
   invites_per_user=Setting("referral.invites_per_user", _referral_invites),
   # no market_size in the file: an unlimited market, the slider's top
   market_size=Setting("referral.market_size", missing=100_000_000),
   replications="", seed="seed")  # fmt: skip

REFERRAL_METRICS = (
    Metric("k", "Viral K (new buyers per buyer, one generation)", "{:.3f}", _REFERRAL_K_HELP),
    Metric("customers", "Buyers in the end", "{:,.0f}", "Mean over replications."),
    Metric("expected_total", "Closed form s / (1 − K)", "{:,.0f}", "Capped at the market."),
    Metric("generations", "Generations", "{:,.0f}", "Until the cascade died out."),
)

# -- retention / cohorts -------------------------------------------------------------------------

RETENTION_CONTROLS = _driving("retention.", (
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
), churn=Setting("retention.churn", _retention_churn, _write_churn_model("churn")),
   polarization=Setting(
       "retention.polarization", _retention_polarization, _write_churn_model("polarization")
   ),
   cohort_size=Setting("retention.cohort_size", _cohort_size),
   arpu=Setting("economics.arpu", optional=True),
   margin=Setting("economics.margin", optional=True),
   seed="seed")  # fmt: skip

RETENTION_METRICS = (
    Metric(
        "alpha",
        "α fitted to the simulated cohorts",
        "{:.2f}",
        "An estimate: it scatters around the true model's α (noted for a loaded file).",
    ),
    Metric(
        "beta",
        "β fitted to the simulated cohorts",
        "{:.2f}",
        "An estimate: it scatters around the true model's β (noted for a loaded file).",
    ),
    Metric(
        "retained",
        "First cohort active after the last period",
        "{:.1%}",
        "Share of the first cohort still active (the retention_survival of funnelsim simulate).",
    ),
    Metric("lifetime", "Expected lifetime (periods)", "{:.1f}", "Infinite when α ≤ 1."),
    Metric(
        "ltv",
        "LTV ($ / customer)",
        "${:,.2f}",
        "This churn model, discounted at the scenario's rate (none without a scenario).",
    ),
)

# -- unit economics ------------------------------------------------------------------------------

#: Months counted in the LTV when expansion would make it infinite (ten years).
EXPANSION_HORIZON = 120


def _economics_value(field: str) -> Read:
    """Read ``field`` of ``Scenario.unit_economics()``: the numbers the file's model gives."""

    def read(sc: Any, current: Mapping[str, Any]) -> float:
        return float(getattr(sc.unit_economics(), field))

    return read


def _economics_cac(sc: Any, current: Mapping[str, Any]) -> float | None:
    """The file's CAC (or its paid spend over the customers the funnel is expected to bring)."""
    cac = sc.unit_economics().cac
    if math.isinf(cac):
        raise ValueError(
            f"scenario {sc.name!r}: its funnel is expected to bring no customers, "
            f"so its paid_spend gives no CAC"
        )
    return float(cac) if math.isfinite(cac) else None


def _write_cac(sc: Any, value: Any, values: Mapping[str, Any]) -> Any:
    """A moved CAC is the file's CAC from now on (its paid spend no longer decides it)."""
    return replace_section(sc, "economics", cac=value, paid_spend=None)


def _write_expansion(sc: Any, value: Any, values: Mapping[str, Any]) -> Any:
    """The expansion over the whole lifetime, or :data:`EXPANSION_HORIZON` months when it
    outgrows churn and discount (an infinite LTV), as the explorer computes it."""
    try:
        return replace_section(sc, "economics", expansion=value, horizon=None)
    except ValueError:
        return replace_section(sc, "economics", expansion=value, horizon=EXPANSION_HORIZON)


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
    arpu=Setting("economics.arpu", _economics_value("arpu")),
    margin=Setting("economics.margin", _economics_value("margin")),
    churn=Setting("economics.churn", _economics_churn, _write_economics_churn),
    cac=Setting("economics.cac", _economics_cac, _write_cac),
    discount=Setting("economics.discount", _economics_value("discount")),
    expansion=Setting("economics.expansion", _economics_value("expansion"), _write_expansion),
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

B2B_COMMITTEE = _driving(
    "b2b.",
    (
        _rate("champion", "Champion present", 0.25, "An insider who sells for you."),
        _rate("saboteur", "Saboteur present", 0.15, "An insider who works against you."),
        _rate("decision_maker", "Decision maker (ЛПР)", 0.60),
        _rate("economic_buyer", "Economic buyer (ЛВР)", 0.70),
        _rate("influencer", "Decision shaper (ЛФР)", 0.90),
        _rate("user", "Users", 0.80),
    ),
)

B2B_STEPS = _driving(
    "funnel.rates.",
    (
        _rate("learn", "Learn (triggered → studies)", 0.40),
        _rate("try_", "Try (studies → pilot)", 0.30),
    ),
)

B2B_BECKHARD = _driving("", (
    Control("dissatisfaction", "A: dissatisfaction (0–10)", 0, 10, 0.5, 6, readout=".1f"),
    Control("vision", "B: clear vision (0–10)", 0, 10, 0.5, 5, readout=".1f"),
    Control("first_steps", "D: first steps (0–10)", 0, 10, 0.5, 4, readout=".1f"),
    Control("cost", "X: cost of change", 1, 1_000, 1, 120, readout=",.0f"),
), dissatisfaction=_BUY_FACTOR, vision=_BUY_FACTOR, first_steps=_BUY_FACTOR,
   cost=dataclasses.replace(_BUY_FACTOR, read=_cost_of_change))  # fmt: skip

B2B_DEAL = _driving("", (
    Control(
        "accounts", "Accounts triggered", 100, 100_000, 1, 5_000, integer=True, scale="log",
        readout=",.0f",
    ),
    Control("deal_size", "Deal size ($ / year)", 1_000, 500_000, 1_000, 60_000, readout=",.0f"),
    Control("seed", "Seed", 0, 9_999, 1, 2026, integer=True, readout="d"),
), accounts=Setting("b2b.accounts", _accounts),
   deal_size=Setting("economics.arpu", _deal_size, _write_deal_size, optional=True))  # fmt: skip

B2B_METRICS = (
    Metric(
        "buy_rate", "Buy step: base rate (Beckhard)", "{:.0%}",
        "The rate of the Buy step (pilot → purchase) with no committee member present: "
        "P = r² / (1 + r²), r = A·B·D / X. Each account's committee moves it; the funnel "
        "chart's Buy row is the result.",
    ),
    Metric(
        "win_rate", "Win rate (deals won ÷ accounts)", "{:.1%}",
        "Accounts that bought, as a share of the accounts triggered.",
    ),
    Metric(
        "customers", "Deals won (the chart's Buy row)", "{:,.0f}",
        "Accounts that bought: the Buy row of the funnel chart.",
    ),
    Metric("revenue", "Revenue ($ / year)", "${:,.0f}", "Deals won × deal size."),
    Metric(
        "cycle", "Median sales cycle (weeks)", "{:.1f}",
        "Trigger to purchase, deals won only; in the unit of the funnel's stage times "
        "(a scenario's b2b.time_unit, weeks by default).",
    ),
)  # fmt: skip

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
