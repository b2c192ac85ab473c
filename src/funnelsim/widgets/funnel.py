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
from funnelsim.widgets._base import Explorer, Outcome
from funnelsim.widgets.specs import FUNNEL_METRICS, FUNNEL_PRESETS, POPULATION, FunnelPreset

__all__ = ["FunnelExplorer", "funnel_metrics"]


def funnel_metrics(
    result: SimulationResult, preset: FunnelPreset, values: Mapping[str, Any]
) -> dict[str, float]:
    """Headline numbers of a funnel run: customers, revenue, CAC, LTV, LTV:CAC, K.

    ``values`` holds the economics controls of ``preset`` (``arpu``, ``margin``,
    ``churn``, ``cost_per_buyer`` and, for funnels with a referral stage,
    ``invites`` and ``invite_conversion``). Undefined numbers (no customers)
    are NaN.
    """
    from funnelsim import economics
    from funnelsim.referral import viral_coefficient

    reached = result.reached
    customers = float(reached[preset.customer_stage])
    spend = result.buyers * float(values["cost_per_buyer"])
    ltv = float(economics.ltv(values["arpu"], values["margin"], values["churn"]))
    cac = float(economics.cac(spend, customers)) if customers > 0 else math.nan
    ratio = ltv / cac if customers > 0 and cac > 0 else math.nan
    k = math.nan
    if preset.referral_stage is not None and customers > 0:
        share = float(reached[preset.referral_stage]) / customers
        k = share * viral_coefficient(values["invites"], values["invite_conversion"])
    return {
        "customers": customers,
        "revenue": customers * float(values["arpu"]),
        "cac": cac,
        "ltv": ltv,
        "ltv_cac": ratio,
        "k": k,
    }


def _preset_of(funnel: Funnel) -> str:
    for key, stages in (("aaarrr", AAARRR_STAGES), ("tltb", TLTB_STAGES)):
        if funnel.names == stages:
            return key
    raise ValueError(
        f"the funnel explorer shows AAARRR or Trigger-Learn-Try-Buy funnels, "
        f"got stages {list(funnel.names)}"
    )


class FunnelExplorer(Explorer):
    """Move the funnel's rates, buyers, seed and unit economics; watch the funnel.

    Parameters
    ----------
    preset : {"aaarrr", "tltb"}
        The AAARRR growth funnel or the B2B Trigger-Learn-Try-Buy path; the
        picker in the toolbar switches between them.
    scenario : str or Path, optional
        A scenario file or ready-made name (see :mod:`funnelsim.scenarios`) to
        start from: its funnel (rates and times), buyers and seed.
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

    The headline numbers are customers (buyers reaching the paying stage),
    monthly revenue (customers × ARPU), CAC (marketing spend ÷ customers), LTV
    (ARPU × margin ÷ churn), LTV:CAC and, for AAARRR, the viral coefficient
    K = (referrers ÷ customers) × invites × invite conversion.
    """

    def __init__(
        self,
        preset: str = "aaarrr",
        *,
        scenario: str | Path | None = None,
        threaded: bool | None = None,
        **values: Any,
    ) -> None:
        self._preset = check_choice("preset", preset, tuple(FUNNEL_PRESETS))
        self._base = self._factory_funnel(self._preset)
        self._scenario_name = "explorer scenario"
        if scenario is not None:
            sc_values = self._read_scenario(scenario)
            values = {**sc_values, **values}

        self._picker = w.Dropdown(
            options=[(p.label, key) for key, p in FUNNEL_PRESETS.items()],
            value=self._preset,
            description="Funnel",
            layout=w.Layout(width="300px"),
            style={"description_width": "50px"},
        )
        self._picker.add_class("fs-preset")
        super().__init__(
            "Funnel explorer",
            self._sections(self._preset),
            FUNNEL_METRICS,
            values=values,
            threaded=threaded,
            toolbar=[self._picker, *self._scenario_tools()],
        )
        self._picker.observe(self._on_preset, names="value")

    # -- presets and scenarios ------------------------------------------------------------
    @staticmethod
    def _factory_funnel(preset: str) -> Funnel:
        factory = getattr(model, FUNNEL_PRESETS[preset].factory)
        return factory()

    @staticmethod
    def _sections(preset: str) -> list[tuple[str, Any]]:
        p = FUNNEL_PRESETS[preset]
        return [
            ("Step conversion rates", p.rates),
            ("Buyers and randomness", POPULATION),
            ("Unit economics (per month)", p.economics),
        ]

    @property
    def preset(self) -> str:
        """The funnel shown: "aaarrr" or "tltb"."""
        return self._preset

    @preset.setter
    def preset(self, preset: str) -> None:
        self._picker.value = check_choice("preset", preset, tuple(FUNNEL_PRESETS))

    def _on_preset(self, change: dict[str, Any]) -> None:
        if change["new"] == self._preset:
            return
        keep = {k: v for k, v in self.values.items() if k in ("buyers", "seed")}
        self._switch(change["new"], self._factory_funnel(change["new"]), keep)

    def _switch(self, preset: str, base: Funnel, values: Mapping[str, Any]) -> None:
        with self._batch():
            self._ab.value = False
            self._preset, self._base = preset, base
            self._set_sections(self._sections(preset), values)
            if self._picker.value != preset:
                self._picker.value = preset
        self.request()

    def _read_scenario(self, scenario: str | Path) -> dict[str, Any]:
        from funnelsim.scenarios import load_scenario

        sc = load_scenario(scenario)
        preset = _preset_of(sc.funnel)
        self._preset, self._base, self._scenario_name = preset, sc.funnel, sc.name
        rates = FUNNEL_PRESETS[preset].rates
        values: dict[str, Any] = {c.name: sc.funnel[c.name].rate for c in rates}
        values["buyers"] = sc.buyers
        if sc.seed is not None:
            values["seed"] = sc.seed
        return values

    def load(self, scenario: str | Path) -> None:
        """Take funnel, buyers and seed from a scenario file or ready-made name."""
        try:
            values = self._read_scenario(scenario)
            self._switch(self._preset, self._base, values)
        except (OSError, TypeError, ValueError) as err:
            self._say(f"Load failed: {err}", ok=False)
            return
        self._say(f"Loaded {scenario}", ok=True)

    def scenario(self) -> Any:
        """The current settings as a :class:`funnelsim.scenarios.Scenario`."""
        from funnelsim.scenarios import Scenario

        v = self.values
        return Scenario(
            funnel=self.funnel(v), name=self._scenario_name, buyers=v["buyers"], seed=v["seed"]
        )

    def save(self, path: str | Path) -> Path | None:
        """Write the current funnel, buyers and seed as a scenario TOML file."""
        try:
            out = self.scenario().save(path)
        except (OSError, TypeError, ValueError) as err:
            self._say(f"Save failed: {err}", ok=False)
            return None
        self._say(f"Saved {out}", ok=True)
        return Path(out)

    # -- the model ------------------------------------------------------------------------
    def funnel(self, values: Mapping[str, Any] | None = None) -> Funnel:
        """The funnel for ``values`` (default: the current slider values)."""
        v = self.values if values is None else values
        rates = {c.name: v[c.name] for c in FUNNEL_PRESETS[self._preset].rates}
        return self._base.with_rates(**rates)

    def compute(self, values: Mapping[str, Any]) -> Outcome:
        result = simulate(self.funnel(values), values["buyers"], seed=values["seed"])
        metrics = funnel_metrics(result, FUNNEL_PRESETS[self._preset], values)
        return Outcome(dict(values), result, metrics)

    def plot(self, outcome: Outcome, a: Outcome | None) -> charts.Plot:
        b = outcome.result
        if a is None:
            return charts._funnel_plot(b, title=None, confidence=0.95, width=None)
        return charts._funnel_plot(
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
