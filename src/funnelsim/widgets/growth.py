"""The growth explorer and the instructor dashboard: every lever, four panels."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from funnelsim import charts
from funnelsim.engine import simulate
from funnelsim.model import aaarrr
from funnelsim.widgets._base import Explorer, Outcome, section_stream
from funnelsim.widgets.specs import (
    AAARRR_RATES,
    GROWTH_ECONOMICS,
    GROWTH_HORIZON,
    GROWTH_METRICS,
    GROWTH_PAID,
    GROWTH_REFERRAL,
    Control,
)

__all__ = ["Dashboard", "GrowthExplorer", "growth_metrics"]

_GROWTH_KEYS = (
    "budget",
    "cost_per_lead",
    "invites_per_user",
    "invite_conversion",
    "referral_reward",
    "churn",
    "arpu",
    "margin",
    "market_size",
)


def growth_metrics(result: Any) -> dict[str, float]:
    """Headline numbers of a growth run.

    ``customers`` active after the last period, total ``revenue``, the run's
    ``ltv_cac``, the ``referral_share`` of new customers, and the lifetime viral
    coefficient ``k``: invites per period × acceptance × the chance that an
    invitee becomes a customer × the expected lifetime of a referred customer
    (1 / its churn). Replications are averaged.
    """
    periods = result.periods
    last = periods["period"].max()
    economics = result.unit_economics()
    params = result.params
    _, ref_conversion = params.conversion()
    churn = params.referred_churn
    k = (
        params.invites_per_user * params.invite_conversion * ref_conversion / churn
        if churn > 0
        else math.inf
    )
    return {
        "customers": float(periods.loc[periods["period"] == last, "active"].mean()),
        "revenue": float(periods.loc[periods["period"] == last, "cumulative_revenue"].mean()),
        "ltv_cac": float(economics["ltv_to_cac"].mean()),
        "k": float(k),
        "referral_share": float(economics["referral_share"].mean()),
    }


class GrowthExplorer(Explorer):
    """Paid acquisition + referrals → the AAARRR funnel → active customers → revenue.

    Four panels: the paid leads of one period through the funnel, active
    customers by channel (paid vs referral), new customers per period, and
    cumulative revenue against marketing spend. Every lever of
    :func:`funnelsim.growth.simulate_growth` has a slider.

    A loaded file is run whole, as ``funnelsim simulate`` runs it (its
    ``new_leads`` and ``rate_changes`` schedules, ``paid_cac``, replications,
    its own funnel), with the moved sliders written in; sliders the file
    overrides are disabled and the status line says why; labels name the
    file's ``period``. Unchanged, the cards are ``Scenario.run()``'s growth
    numbers.

    Parameters
    ----------
    scenario : str, Path or Scenario, optional
        A scenario file or ready-made name to start from (see :meth:`load`).
    threaded : bool, optional
        Redraw on a worker thread (default: inside a Jupyter kernel only).
    **values
        Starting values by control name (``churn=0.03, invites_per_user=1``).
    """

    _title = "Growth model: paid + referral → funnel → customers → revenue"
    _sections_spec = (
        ("Funnel step rates", AAARRR_RATES),
        ("Paid acquisition", GROWTH_PAID),
        ("Referral loop", GROWTH_REFERRAL),
        ("Retention and money", GROWTH_ECONOMICS),
        ("Horizon, market, seed", GROWTH_HORIZON),
    )

    def __init__(
        self, *, scenario: Any = None, threaded: bool | None = None, **values: Any
    ) -> None:
        super().__init__(
            self._title,
            self._sections_spec,
            GROWTH_METRICS,
            values=values,
            threaded=threaded,
            toolbar=self._scenario_tools(),
        )
        self._start_with(scenario, values)

    # -- scenario files ---------------------------------------------------------------------
    def _values_from(self, sc: Any) -> dict[str, Any]:
        """Each slider's setting (funnel rates, seed, ``[growth]``) of an AAARRR scenario.

        Keys the explorer has no slider for (``new_leads``, ``rate_changes``,
        ``replications``, the ``period``) stay in the scenario: the run uses them
        (see :meth:`compute`) and :meth:`save` writes them back unchanged.
        """
        from funnelsim.model import AAARRR_STAGES

        if sc.funnel.names == AAARRR_STAGES:
            # a setting given as a schedule (e.g. a budget that steps up) has no one
            # value to show: its slider is held (held_by_file) and the run uses the file's
            return {k: v for k, v in super()._values_from(sc).items() if not _scheduled(v)}
        if sc.growth is None:
            raise ValueError(
                "the growth explorer needs an AAARRR funnel or a [growth] section, got "
                f"stages {list(sc.funnel.names)} and no [growth]"
            )
        # another funnel (e.g. a B2B one) with its own [growth]: the run uses the
        # file's funnel; the AAARRR rate sliders are held (see held_by_file)
        rates = {c.name for c in AAARRR_RATES}
        values = {}
        for name, c in self._controls.items():
            if c.setting and name not in rates:
                value = sc.value(c.setting)
                if value is not None and not _scheduled(value):
                    values[name] = value
        return values

    def _new_scenario(self, values: Mapping[str, Any]) -> Any:
        from funnelsim.growth import GrowthParams
        from funnelsim.scenarios import GrowthSettings, Scenario

        funnel = aaarrr(**{c.name: values[c.name] for c in AAARRR_RATES})
        params = GrowthParams(funnel=funnel, **{k: values[k] for k in _GROWTH_KEYS})
        return Scenario(
            funnel=funnel,
            name="growth scenario",
            seed=values["seed"],
            growth=GrowthSettings(values["periods"], 1, params),
        )

    def _scenario_with(self, sc: Any, changed: Mapping[str, Any], values: Mapping[str, Any]) -> Any:
        # A scenario without [growth] gets the whole section the sliders show.
        return super()._scenario_with(sc, values if sc.growth is None else changed, values)

    def _start_from(self, scenario: Any) -> Any:
        # A failed load changes nothing: the held sliders and their note stay the old file's.
        held, notice = self._held, self._notice
        try:
            return super()._start_from(scenario)
        except Exception:
            self._held, self._notice = held, notice
            raise

    def _adopt(self, sc: Any) -> None:
        super()._adopt(sc)
        self._held = held_by_file(sc)
        self._notice = "; ".join(dict.fromkeys(self._held.values()))

    def _apply_scenario(self, sc: Any, values: dict[str, Any]) -> None:
        """Show the file's values, each slider's range widened to hold the file's value.

        (A growth file may well spend $250,000 a period or charge nothing.) The
        sliders the file overrides (:func:`held_by_file`) are disabled, their
        tooltip saying why.
        """
        sections = [
            (heading, tuple(widened(c, values.get(c.name)) for c in group))
            for heading, group in self._sections_spec
        ]
        kept = {k: v for k, v in self.values.items() if k not in self._held}
        with self._batch():
            self._set_sections(sections, {**kept, **values})
            for name, why in self._held.items():
                self._widgets[name].disabled = True
                self._widgets[name].tooltip = why
        self.request()

    #: Sliders the loaded file overrides (name → why), disabled while it is loaded.
    _held: Mapping[str, str] = {}

    def compute(self, values: Mapping[str, Any]) -> Outcome:
        """Run :meth:`scenario`'s ``[growth]`` as :func:`funnelsim.scenarios.run_scenario` does.

        Everything the loaded file sets (``new_leads`` and ``rate_changes``
        schedules, ``paid_cac``, ``replications``, its funnel, ...) is kept and
        the moved sliders are written in; the run draws from the section's own
        random stream, so unchanged sliders show exactly ``Scenario.run().growth``
        and a saved file reloads to the same numbers.
        """
        from funnelsim.scenarios.runner import run_growth

        sc = self._scenario_for(values)
        growth = run_growth(sc.growth, section_stream(sc, sc.growth))
        paid = simulate(sc.funnel, growth.params.paid_leads, seed=sc.seed, mode="counts")
        return Outcome(dict(values), (paid, growth), growth_metrics(growth))

    def plot(self, outcome: Outcome, a: Outcome | None) -> charts.Plot:
        paid, growth = outcome.result
        if a is None:
            return charts.growth_dashboard_plot(growth, paid)
        return charts.growth_ab_plot(a.result[1], growth)

    def summary(self) -> str:
        v = self.values
        return f"{type(self).__name__}: {v['periods']} periods, seed {v['seed']}"


def widened(c: Control, value: Any) -> Control:
    """Control ``c`` with its range stretched to hold ``value`` (``c`` itself if it does).

    The grid keeps ``c``'s start and at most about 1,000 steps; ``value`` is
    shown exactly (an off-grid slider value). A log slider cannot reach 0 or
    below: :meth:`Control.check` then names the control and the value.
    """
    if value is None or c.min <= value <= c.max:
        return c
    if value > c.max:
        factor = max(1, math.ceil((value - c.min) / c.step / 1000))
        step = c.step * factor
        top = c.min + step * math.ceil((value - c.min) / step)
        default = c.min + step * round((c.default - c.min) / step)
        if c.scale == "log":
            return dataclasses.replace(c, max=float(value))
        return dataclasses.replace(c, max=top, step=step, default=min(default, top))
    if c.scale == "log":
        return dataclasses.replace(c, min=value) if value > 0 else c
    bottom = c.min - c.step * math.ceil((c.min - value) / c.step)
    return dataclasses.replace(c, min=bottom)


def _scheduled(value: Any) -> bool:
    """Whether a ``[growth]`` setting is a schedule (changes over periods), not one number."""
    from funnelsim.growth import Schedule

    return isinstance(value, Schedule | list | tuple)


def held_by_file(sc: Any) -> dict[str, str]:
    """Growth sliders whose setting scenario ``sc`` overrides, with the reason shown.

    A funnel other than AAARRR holds every funnel rate slider; paid leads given
    as ``new_leads`` make ``budget`` and ``cost_per_lead``
    idle; a ``rate_changes`` schedule sets its stage's rate in every period; a
    budget priced by ``paid_cac`` or a file without any budget leaves the cost
    per lead slider nothing to drive.
    """
    from funnelsim.model import AAARRR_STAGES

    if sc.growth is None:
        return {}
    params = sc.growth.params
    held: dict[str, str] = {}
    if sc.funnel.names != AAARRR_STAGES:
        why = f"the funnel is the file's ({' → '.join(sc.funnel.names)})"
        held.update(dict.fromkeys((c.name for c in AAARRR_RATES), why))
    if params.new_leads is not None:
        why = (
            "new leads follow the file's schedule"
            if not isinstance(params.new_leads, int)
            else "new leads are the file's new_leads"
        )
        held.update(budget=why, cost_per_lead=why)
    elif _scheduled(params.budget):
        held["budget"] = "the budget follows the file's schedule"
    if params.new_leads is None and params.cost_per_lead is None:
        held["cost_per_lead"] = (
            "leads are priced by the file's paid_cac"
            if params.paid_cac is not None
            else "the file sets no cost per lead"
        )
    sliders = {c.name for c in AAARRR_RATES}
    for stage, _ in params.rate_changes or ():
        name = str(stage).lower()
        if name in sliders:
            held[name] = f"the {name} rate follows the file's rate_changes schedule"
    return held


class Dashboard:
    """The instructor dashboard: every lever of the course, one topic per tab.

    The first tab is the growth model with all its levers on one screen (the
    funnel rates, paid acquisition, the referral loop, churn and money, the
    market); the other tabs hold the funnel (AAARRR / B2B, scenario files), the
    B2B deal, referral, retention, unit economics and sensitivity explorers.
    The dashboard *contains* these explorers (:attr:`growth`,
    :meth:`explorer`); it is not one of them. A tab's explorer is built the
    first time the tab is opened, so the app starts as fast as one explorer;
    it loads the Dashboard's scenario if it can read it (its status line says
    why not otherwise), so every tab shows the scenario's own unit economics.
    Attributes it does not define (``control``, ``metrics``, ``ab``, ``reset``,
    ...) are the growth tab's. Serve ``notebooks/dashboard.ipynb`` with Voila
    (``make present``).

    Parameters
    ----------
    scenario : str, Path or Scenario, optional
        A scenario file or ready-made name for every tab (see :meth:`load`);
        a file that cannot be read raises here.
    threaded : bool, optional
        Redraw on worker threads (default: inside a Jupyter kernel only).
    **values
        Starting values of the growth tab's controls.
    """

    title = "Instructor dashboard: every lever on one screen"

    def __init__(
        self, *, scenario: Any = None, threaded: bool | None = None, **values: Any
    ) -> None:
        import ipywidgets as w

        from funnelsim.scenarios import Scenario, load_scenario

        self._scenario = None
        if scenario is not None:
            self._scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self._threaded = threaded
        #: The growth model's explorer, the first tab.
        self.growth = GrowthExplorer(threaded=threaded, **values)
        if self._scenario is not None:
            self.growth.load(self._scenario)
            if values:
                self.growth.set_values(values)
        self._tabs: dict[str, Any] = _tab_classes()
        self._built: dict[str, Explorer] = {}
        self._pages = {name: w.VBox() for name in self._tabs}
        self.widget = w.Tab(children=[self.growth.widget, *self._pages.values()])
        self.widget.titles = ("Growth model", *self._tabs)
        self.widget.add_class("fs-dashboard")
        self.widget.observe(self._on_tab, names="selected_index")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("growth", "_built"):
            raise AttributeError(name)
        return getattr(self.growth, name)

    def _on_tab(self, change: dict[str, Any]) -> None:
        index = change["new"]
        if index:
            self.explorer(list(self._tabs)[index - 1])

    def explorer(self, name: str) -> Explorer:
        """The explorer on tab ``name`` (built on first use); see :attr:`tabs`."""
        if name not in self._tabs:
            raise KeyError(f"no tab {name!r}; tabs are {list(self._tabs)}")
        if name not in self._built:
            ex = self._tabs[name](threaded=self._threaded)
            if self._scenario is not None:
                ex.load(self._scenario)
            self._built[name] = ex
            self._pages[name].children = (ex.widget,)
        return self._built[name]

    def load(self, scenario: Any) -> None:
        """Load a scenario into every tab that can read it (and tabs opened later)."""
        from funnelsim.scenarios import Scenario, load_scenario

        try:
            sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        except (OSError, TypeError, ValueError) as err:
            self.growth._say(f"Load failed: {err}", ok=False)
            return
        self._scenario = sc
        for ex in (self.growth, *self._built.values()):
            ex.load(sc)

    @property
    def tabs(self) -> list[str]:
        """Names of the tabs after the growth model."""
        return list(self._tabs)

    def summary(self) -> str:
        """One line for the notebook's text output."""
        v = self.growth.values
        return f"Dashboard: {v['periods']} periods, seed {v['seed']}"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = self.summary()
        bundle["image/svg+xml"] = self.growth.still()
        return bundle

    def close(self) -> None:
        """Stop every explorer's worker thread and close the widgets."""
        for ex in self._built.values():
            ex.close()
        self.growth.close()
        self.widget.close()


def _tab_classes() -> dict[str, Any]:
    from funnelsim.widgets.b2b import B2BExplorer
    from funnelsim.widgets.economics import EconomicsExplorer
    from funnelsim.widgets.funnel import FunnelExplorer
    from funnelsim.widgets.referral import ReferralExplorer
    from funnelsim.widgets.retention import RetentionExplorer
    from funnelsim.widgets.sensitivity import SensitivityExplorer

    return {
        "Funnel": FunnelExplorer,
        "B2B deal": B2BExplorer,
        "Referral": ReferralExplorer,
        "Retention": RetentionExplorer,
        "Unit economics": EconomicsExplorer,
        "Sensitivity": SensitivityExplorer,
    }
