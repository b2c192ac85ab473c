"""The funnel explorer: AAARRR or Trigger-Learn-Try-Buy, live."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ipywidgets as w

from funnelsim import charts, model
from funnelsim._validation import check_choice
from funnelsim.engine import SimulationResult, simulate
from funnelsim.model import AAARRR_STAGES, TLTB_STAGES, Funnel
from funnelsim.widgets._base import Explorer, Outcome, check_loaded
from funnelsim.widgets.specs import (
    FUNNEL_METRICS,
    FUNNEL_PRESETS,
    POPULATION,
    Control,
    FunnelPreset,
    custom_preset,
)

__all__ = ["FunnelExplorer", "funnel_metrics"]

#: The money cards: no number without a scenario's ``[economics]`` section.
_MONEY = ("revenue", "cac", "ltv", "ltv_cac", "payback")

#: Preset name of a funnel with stages of its own, loaded from a scenario.
SCENARIO = "scenario"


def funnel_metrics(
    result: SimulationResult,
    preset: FunnelPreset,
    values: Mapping[str, Any],
    *,
    economics: Any = None,
) -> dict[str, float]:
    """Headline numbers of a funnel run: customers, revenue, CAC, LTV, LTV:CAC, payback, K.

    ``values`` holds the economics controls of ``preset`` (``arpu``, ``margin``,
    ``churn``, ``cost_per_buyer`` and, for funnels with a referral stage,
    ``invites_per_user`` and ``invite_conversion``). LTV, CAC, LTV:CAC and payback are
    ``economics`` (a :class:`funnelsim.economics.UnitEconomics`; default: the
    geometric, undiscounted one of ``values`` with CAC from
    :func:`funnel_cac`). K is the viral coefficient invites per user × invite
    conversion (:func:`funnelsim.referral.viral_coefficient`), the K that
    ``funnelsim simulate`` and the report print; NaN for a funnel without a
    referral stage. Undefined numbers (no customers) are NaN.
    """
    from funnelsim.economics import unit_economics
    from funnelsim.referral import viral_coefficient

    customers = float(result.reached[preset.customer_stage])
    if economics is None:
        cac = funnel_cac(
            result.funnel, result.buyers, values["cost_per_buyer"], preset.customer_stage
        )
        economics = unit_economics(
            values["arpu"], values["margin"], values["churn"], cac=cac, period="month"
        )
    k = math.nan
    if preset.referral_stage is not None and "invites_per_user" in values:
        # the same K as ``funnelsim simulate`` and the report (invites × conversion)
        k = viral_coefficient(values["invites_per_user"], values["invite_conversion"])
    return {
        "customers": customers,
        "revenue": customers * float(values["arpu"]),
        "cac": economics.cac,
        "ltv": economics.ltv,
        "ltv_cac": economics.ltv_to_cac,
        "payback": economics.payback,
        "k": k,
    }


def funnel_cac(funnel: Funnel, buyers: int, cost_per_buyer: float, stage: str) -> float:
    """Marketing spend over the customers the funnel is expected to bring to ``stage``.

    ``cost_per_buyer × buyers / (buyers × reach)``, the CAC of a scenario's
    ``paid_spend`` (:meth:`funnelsim.scenarios.Scenario.unit_economics`): an
    expectation, so it does not jump with the seed. ``inf`` when spend is
    expected to bring nobody, 0 when nothing is spent.
    """
    expected = buyers * float(funnel.reach[funnel.index(stage)])
    spend = cost_per_buyer * buyers
    if expected > 0:
        return spend / expected
    return math.inf if spend > 0 else 0.0


def _preset_of(funnel: Funnel) -> str:
    """The preset whose stages ``funnel`` has, or "scenario" for a funnel of its own."""
    for key, stages in (("aaarrr", AAARRR_STAGES), ("tltb", TLTB_STAGES)):
        if funnel.names == stages:
            return key
    return SCENARIO


def _preset_for(sc: Any) -> FunnelPreset:
    """The preset showing scenario ``sc``'s funnel (built from its stages if its own).

    For a funnel of its own, customers are the ``[economics]`` customer stage,
    else the ``[referral]`` seed stage (the users who invite), else the last
    stage; referrers are the ``[referral]`` seed stage, so K is the section's.
    """
    preset = _preset_of(sc.funnel)
    if preset != SCENARIO:
        return FUNNEL_PRESETS[preset]
    referral = None if sc.referral is None else sc.referral.seed_stage
    customers = None if sc.economics is None else sc.economics.customer_stage
    return custom_preset(sc.funnel, customers or referral, referral)


def _sliders_for(sc: Any) -> dict[str, Control]:
    """Every control the funnel explorer shows for scenario ``sc``, by name."""
    p = _preset_for(sc)
    return {c.name: c for c in (*p.rates, *POPULATION, *p.economics)}


class FunnelExplorer(Explorer):
    """Move the funnel's rates, buyers, seed and unit economics; watch the funnel.

    Parameters
    ----------
    preset : {"aaarrr", "tltb"}
        The AAARRR growth funnel or the B2B Trigger-Learn-Try-Buy path; the
        picker in the toolbar switches between them.
    scenario : str or Path, optional
        A scenario file or ready-made name (see :mod:`funnelsim.scenarios`) to
        start from: its funnel (rates and times; a funnel with stages of its
        own gets one rate slider per stage after the first and appears in the
        picker as "scenario"), buyers, seed, the ``[economics]`` ARPU, margin,
        churn and spend per buyer, and the ``[referral]`` invites and
        conversion. :meth:`save` writes the scenario back with only the moved
        values changed.
    threaded : bool, optional
        Redraw on a worker thread (default: inside a Jupyter kernel only).
    **values
        Starting values by control name, e.g. ``activation=0.6, buyers=50_000``.

    Examples
    --------
    >>> from funnelsim.widgets import FunnelExplorer
    >>> ex = FunnelExplorer("aaarrr", activation=0.6, threaded=False)
    >>> ex.control("activation").value = 0.3   # the chart and metrics follow
    >>> round(ex.metrics["customers"]) < 10_000
    True

    The headline numbers are customers (buyers reaching the paying stage in
    this run) and monthly revenue (customers × ARPU); the money cards are
    :func:`funnelsim.economics.unit_economics` (Fader & Hardie 2007 for the
    sBG model) under the churn model and discount rate of the loaded scenario
    (geometric churn, undiscounted without one): CAC is the marketing spend
    (spend per buyer × buyers) over the *expected* customers (buyers × the
    funnel's reach to the customer stage, :func:`funnel_cac`, so it does not
    jump with the seed), LTV the expected (discounted) margin over the
    customer's lifetime, LTV:CAC their ratio and payback the months until the
    margin repays CAC. A loaded scenario without an ``[economics]`` section has
    no money cards: they show "–" and "no [economics] section", as
    ``funnelsim simulate`` prints no economics for it. For funnels with a
    referral stage, the viral coefficient K = invites per user × invite
    conversion (:func:`funnelsim.referral.viral_coefficient`), the K of
    ``funnelsim simulate`` and the report; otherwise the card says "no referral"
    (and "no [referral] section" for a loaded scenario without one: it has no
    referral loop, whatever the invite sliders show).
    """

    def __init__(
        self,
        preset: str = "aaarrr",
        *,
        scenario: str | Path | None = None,
        threaded: bool | None = None,
        **values: Any,
    ) -> None:
        self._presets: dict[str, FunnelPreset] = dict(FUNNEL_PRESETS)
        self._custom_funnel: Funnel | None = None  # a loaded funnel of its own
        self._preset = check_choice("preset", preset, tuple(FUNNEL_PRESETS))
        self._base = self._factory_funnel(self._preset)
        self._picker = w.Dropdown(
            options=self._picker_options(),
            value=self._preset,
            description="Funnel",
            layout=w.Layout(width="300px"),
            style={"description_width": "50px"},
        )
        self._picker.add_class("fs-preset")
        loaded = None
        if scenario is not None:
            from funnelsim.scenarios import load_scenario

            loaded = load_scenario(scenario)
            sc_values = self._values_from(loaded)
            check_loaded(_sliders_for(loaded), sc_values)
            self._use_funnel(loaded)
            self._adopt(loaded)
            values = {**sc_values, **values}
        super().__init__(
            "Funnel explorer",
            self._sections(self._preset),
            FUNNEL_METRICS,
            values=values,
            threaded=threaded,
            toolbar=[self._picker, *self._scenario_tools()],
        )
        if loaded is not None:
            self._loaded, self._loaded_values = loaded, self.values
        self._picker.observe(self._on_preset, names="value")

    # -- presets and scenarios ------------------------------------------------------------
    def _factory_funnel(self, preset: str) -> Funnel:
        if preset == SCENARIO:
            assert self._custom_funnel is not None  # the preset exists once one was loaded
            return self._custom_funnel
        factory = getattr(model, self._presets[preset].factory)
        return factory()

    def _picker_options(self) -> list[tuple[str, str]]:
        return [(p.label, key) for key, p in self._presets.items()]

    def _sections(self, preset: str) -> list[tuple[str, Any]]:
        p = self._presets[preset]
        return [
            ("Step conversion rates", p.rates),
            ("Buyers and randomness", POPULATION),
            ("Unit economics (per month)", p.economics),
        ]

    @property
    def preset(self) -> str:
        """The funnel shown: "aaarrr", "tltb" or "scenario" (a loaded funnel of its own)."""
        return self._preset

    @preset.setter
    def preset(self, preset: str) -> None:
        self._picker.value = check_choice("preset", preset, tuple(self._presets))

    def _on_preset(self, change: dict[str, Any]) -> None:
        if change["new"] == self._preset or self._quiet:
            return
        keep = {k: v for k, v in self.values.items() if k in ("buyers", "seed")}
        self._loaded = None  # another funnel: saving writes a new scenario
        self._no_economics = False  # a new scenario has the sliders' economics
        self._no_referral = False  # ... and their referral loop
        self._switch(change["new"], self._factory_funnel(change["new"]), keep)

    def _switch(self, preset: str, base: Funnel, values: Mapping[str, Any]) -> None:
        with self._batch():
            self._ab.value = False
            self._preset, self._base = preset, base
            self._set_sections(self._sections(preset), values)
            if self._picker.value != preset:
                self._picker.value = preset
        self.request()

    def _use_funnel(self, sc: Any) -> None:
        """Take the scenario's funnel; a funnel of its own becomes the "scenario" preset."""
        preset = _preset_of(sc.funnel)
        if preset == SCENARIO:
            self._presets[SCENARIO] = _preset_for(sc)
            self._custom_funnel = sc.funnel
        else:
            self._presets.pop(SCENARIO, None)
        with self._batch():
            self._picker.options = self._picker_options()
            self._picker.value = preset
        self._preset, self._base = preset, sc.funnel

    # Loading and saving: each slider's setting (specs: funnel.rates.*, buyers, seed, the
    # [economics] and [referral] values in specs._FUNNEL_MONEY), read and written by Explorer.
    def _controls_for(self, sc: Any) -> dict[str, Control]:
        """The sliders of the preset showing ``sc``'s funnel (its stages decide them)."""
        return _sliders_for(sc)

    def _apply_scenario(self, sc: Any, values: dict[str, Any]) -> None:
        """Rebuild the sliders for the file's funnel (its stages decide which), then show it."""
        check_loaded(_sliders_for(sc), values)  # before anything changes
        with self._batch():
            self._use_funnel(sc)
            self._ab.value = False
            self._set_sections(self._sections(self._preset), values)
        self.request()

    def _new_scenario(self, values: Mapping[str, Any]) -> Any:
        from funnelsim.scenarios import EconomicsSettings, ReferralSettings, Scenario

        p = self._presets[self._preset]
        referral = None  # the invite sliders' loop, for a funnel with a referral stage
        if p.referral_stage is not None and "invites_per_user" in values:
            referral = ReferralSettings(
                invites_per_user=values["invites_per_user"],
                invite_conversion=values["invite_conversion"],
                seed_stage=p.referral_stage,
            )
        economics = EconomicsSettings(
            arpu=values["arpu"],
            margin=values["margin"],
            churn=values["churn"],
            paid_spend=values["cost_per_buyer"] * values["buyers"],
            customer_stage=p.customer_stage,
        )
        return Scenario(
            funnel=self.funnel(values),
            name="funnel explorer scenario",
            buyers=values["buyers"],
            seed=values["seed"],
            economics=economics,
            referral=referral,
        )

    # -- the model ------------------------------------------------------------------------
    def funnel(self, values: Mapping[str, Any] | None = None) -> Funnel:
        """The funnel for ``values`` (default: the current slider values)."""
        v = self.values if values is None else values
        rates = {c.name: v[c.name] for c in self._presets[self._preset].rates}
        return self._base.with_rates(**rates)

    def compute(self, values: Mapping[str, Any]) -> Outcome:
        funnel = self.funnel(values)
        result = simulate(funnel, values["buyers"], seed=values["seed"])
        preset = self._presets[self._preset]
        stage = self._customer_stage or preset.customer_stage
        cac = funnel_cac(funnel, values["buyers"], values["cost_per_buyer"], stage)
        ue = self.unit_economics(
            values["arpu"], values["margin"], values["churn"], cac=cac, **self._growth_terms
        )
        metrics = funnel_metrics(result, preset, values, economics=ue)
        notes: dict[str, str] = {}
        if self._no_economics:  # nothing to invent the money from
            for name in _MONEY:
                metrics[name] = math.nan
                notes[name] = "no [economics] section"
            ue = None
        if math.isnan(metrics["k"]):  # no referral stage in this funnel
            notes["k"] = "no referral"
        elif self._no_referral:  # no referral loop in the file: no K from the sliders' defaults
            metrics["k"] = math.nan
            notes["k"] = "no [referral] section"
        return Outcome(dict(values), result, metrics, ue, notes)

    #: What :meth:`_adopt` takes from a file, put back when a load fails.
    _adopted = (
        *Explorer._adopted, "_no_economics", "_no_referral", "_customer_stage", "_growth_terms"
    )  # fmt: skip

    #: A scenario without ``[economics]`` is loaded: the money cards show no number.
    _no_economics: bool = False

    #: A scenario without ``[referral]`` is loaded: it has no referral loop, no K.
    _no_referral: bool = False

    #: Customers for the CAC: the loaded scenario's ``[economics]`` customer stage, if any.
    _customer_stage: str | None = None

    def _adopt(self, sc: Any) -> None:
        super()._adopt(sc)
        self._no_economics = sc.economics is None
        self._no_referral = sc.referral is None
        stage = None if sc.economics is None else sc.economics.customer_stage
        if stage is None and sc.economics is not None:
            stage = sc.funnel.names[-1]  # as the CLI: the CAC counts the last stage's buyers
        self._customer_stage = None if stage is None else sc.funnel.names[sc.funnel.index(stage)]
        # the file's expansion and horizon (no slider): the LTV the CLI prints
        econ = sc.economics
        self._growth_terms = (
            {} if econ is None else {"expansion": econ.expansion, "horizon": econ.horizon}
        )

    #: ``expansion`` and ``horizon`` of the loaded ``[economics]`` (none without a file).
    _growth_terms: Mapping[str, Any] = {}

    def plot(self, outcome: Outcome, a: Outcome | None) -> charts.Plot:
        b = outcome.result
        if a is None:
            return charts.funnel_plot(b, title=None, confidence=0.95, width=None)
        return charts.funnel_plot(
            {"A (frozen)": a.result, "B": b},
            title=f"{b.funnel.name}: scenario A vs B",
            confidence=0.95,
            width=None,
        )

    def summary(self) -> str:
        v = self.values
        return (
            f"FunnelExplorer({self._preset!r}): {self._base.name}, "
            f"{v['buyers']:,} buyers, seed {v['seed']}"
        )
