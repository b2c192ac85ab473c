"""The growth explorer and the instructor dashboard: every lever, four panels."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from funnelsim import charts
from funnelsim.engine import simulate
from funnelsim.model import aaarrr
from funnelsim.widgets._base import Explorer, Outcome
from funnelsim.widgets.specs import (
    AAARRR_RATES,
    GROWTH_ECONOMICS,
    GROWTH_HORIZON,
    GROWTH_METRICS,
    GROWTH_PAID,
    GROWTH_REFERRAL,
)

__all__ = ["Dashboard", "GrowthExplorer", "growth_metrics"]

_GROWTH_KEYS = (
    "budget",
    "cost_per_lead",
    "invites_per_customer",
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
        params.invites_per_customer * params.invite_conversion * ref_conversion / churn
        if churn > 0
        else math.inf
    )
    reps = periods["replication"].nunique() if "replication" in periods else 1
    return {
        "customers": float(periods.loc[periods["period"] == last, "active"].mean()),
        "revenue": float(periods["revenue"].sum() / reps),
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

    Parameters
    ----------
    scenario : str, Path or Scenario, optional
        A scenario file or ready-made name to start from (see :meth:`load`).
    threaded : bool, optional
        Redraw on a worker thread (default: inside a Jupyter kernel only).
    **values
        Starting values by control name (``churn=0.03, invites_per_customer=1``).
    """

    _title = "Growth model: paid + referral → funnel → customers → revenue"

    def __init__(
        self, *, scenario: Any = None, threaded: bool | None = None, **values: Any
    ) -> None:
        super().__init__(
            self._title,
            [
                ("Funnel step rates", AAARRR_RATES),
                ("Paid acquisition", GROWTH_PAID),
                ("Referral loop", GROWTH_REFERRAL),
                ("Retention and money", GROWTH_ECONOMICS),
                ("Horizon, market, seed", GROWTH_HORIZON),
            ],
            GROWTH_METRICS,
            values=values,
            threaded=threaded,
            toolbar=self._scenario_tools(),
        )
        self._start_with(scenario, values)

    # -- scenario files ---------------------------------------------------------------------
    def _values_from(self, sc: Any) -> dict[str, Any]:
        """The funnel rates, seed and ``[growth]`` section of an AAARRR scenario.

        Keys the explorer has no slider for (e.g. ``new_leads``) stay in the
        scenario and are written back unchanged by :meth:`save`.
        """
        from funnelsim.model import AAARRR_STAGES

        if sc.funnel.names != AAARRR_STAGES:
            raise ValueError(
                f"the growth explorer needs an AAARRR funnel, got stages {list(sc.funnel.names)}"
            )
        values: dict[str, Any] = {c.name: sc.funnel[c.name].rate for c in AAARRR_RATES}
        if sc.seed is not None:
            values["seed"] = sc.seed
        if sc.growth is not None:
            values["periods"] = sc.growth.periods
            params = sc.growth.params
            for key in _GROWTH_KEYS:
                value = getattr(params, key)
                if value is not None:
                    values[key] = value
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
        import dataclasses

        from funnelsim.scenarios import GrowthSettings

        funnel = sc.funnel.with_rates(
            {c.name: changed[c.name] for c in AAARRR_RATES if c.name in changed}
        )
        top = {"seed": changed["seed"]} if "seed" in changed else {}
        growth = sc.growth
        if growth is None:
            growth = self._new_scenario(values).growth
        else:
            params = dataclasses.replace(
                growth.params,
                funnel=funnel,
                **{k: changed[k] for k in _GROWTH_KEYS if k in changed},
            )
            growth = GrowthSettings(values["periods"], growth.replications, params)
        return dataclasses.replace(sc, funnel=funnel, growth=growth, **top)

    def compute(self, values: Mapping[str, Any]) -> Outcome:
        from funnelsim.growth import simulate_growth

        funnel = aaarrr(**{c.name: values[c.name] for c in AAARRR_RATES})
        growth = simulate_growth(
            values["periods"],
            funnel=funnel,
            seed=values["seed"],
            **{k: values[k] for k in _GROWTH_KEYS},
        )
        paid = simulate(funnel, growth.params.paid_leads, seed=values["seed"], mode="counts")
        return Outcome(dict(values), (paid, growth), growth_metrics(growth))

    def plot(self, outcome: Outcome, a: Outcome | None) -> charts.Plot:
        paid, growth = outcome.result
        if a is None:
            return charts.growth_dashboard_plot(growth, paid)
        return charts.growth_ab_plot(a.result[1], growth)

    def summary(self) -> str:
        v = self.values
        return f"{type(self).__name__}: {v['periods']} periods, seed {v['seed']}"


class Dashboard(GrowthExplorer):
    """The instructor dashboard: every lever of the course, one topic per tab.

    The first tab is the growth model with all its levers on one screen (the
    funnel rates, paid acquisition, the referral loop, churn and money, the
    market); the other tabs hold the funnel (AAARRR / B2B, scenario files), the
    B2B deal, referral, retention, unit economics and sensitivity explorers.
    A tab's explorer is built the first time the tab is opened, so the app
    starts as fast as one explorer. The Dashboard itself behaves as the growth
    explorer (``control``, ``metrics``, A/B, reset); :meth:`explorer` returns
    the others. Serve ``notebooks/dashboard.ipynb`` with Voila (``make present``).

    Parameters
    ----------
    scenario : str, Path or Scenario, optional
        A scenario file or ready-made name to start from (see :meth:`load`).
    threaded : bool, optional
        Redraw on worker threads (default: inside a Jupyter kernel only).
    **values
        Starting values of the growth tab's controls.
    """

    _title = "Instructor dashboard: every lever on one screen"

    def __init__(
        self, *, scenario: Any = None, threaded: bool | None = None, **values: Any
    ) -> None:
        import ipywidgets as w

        super().__init__(scenario=scenario, threaded=threaded, **values)
        self._threaded = threaded
        self._tabs: dict[str, Any] = _tab_classes()
        self._built: dict[str, Explorer] = {}
        self._pages = {name: w.VBox() for name in self._tabs}
        growth = self.widget
        self.widget = w.Tab(children=[growth, *self._pages.values()])
        self.widget.titles = ("Growth model", *self._tabs)
        self.widget.add_class("fs-dashboard")
        self.widget.observe(self._on_tab, names="selected_index")

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
            self._built[name] = ex
            self._pages[name].children = (ex.widget,)
        return self._built[name]

    @property
    def tabs(self) -> list[str]:
        """Names of the tabs after the growth model."""
        return list(self._tabs)

    def close(self) -> None:
        for ex in self._built.values():
            ex.close()
        super().close()


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
