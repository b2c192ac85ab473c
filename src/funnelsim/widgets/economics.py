"""The unit-economics explorer: LTV, CAC, payback."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from funnelsim import charts
from funnelsim.widgets._base import (
    Explorer,
    Outcome,
    expected_at,
    replace_section,
    require_section,
)
from funnelsim.widgets.specs import ECONOMICS_CONTROLS, ECONOMICS_METRICS

__all__ = ["EconomicsExplorer", "payback_frame"]


def payback_frame(values: Mapping[str, Any]) -> pd.DataFrame:
    """Expected cumulative discounted gross profit of one customer, month by month.

    Month ``t`` (0 = the month of acquisition) adds ``arpu × margin ×
    (1 − churn)ᵗ / (1 + discount)ᵗ``; the sum to infinity is
    :func:`funnelsim.economics.ltv_discounted`. Columns ``month, profit, cac``.
    """
    t = np.arange(int(values["months"]) + 1)
    per = values["arpu"] * values["margin"]
    factor = (1 - values["churn"]) / (1 + values["discount"])
    profit = np.cumsum(per * factor**t)
    return pd.DataFrame({"month": t, "profit": profit, "cac": float(values["cac"])})


class EconomicsExplorer(Explorer):
    """Does one customer pay back? Expected cumulative profit against CAC.

    The curve is the expected discounted gross profit of one customer over
    time, the flat line the cost of acquiring them; where the curve crosses
    the line is the payback month, and the curve's limit is the LTV.

    Loading a scenario takes its ``[economics]`` section: ARPU, margin,
    discount, churn (or the ``[retention]`` section's mean churn) and CAC
    (or its paid spend over the customers the funnel is expected to bring).
    Pass ``scenario=`` (a file or ready-made name) to start from one.
    """

    def __init__(
        self, *, scenario: Any = None, threaded: bool | None = None, **values: Any
    ) -> None:
        super().__init__(
            "Unit economics: LTV, CAC and payback",
            [("One customer", ECONOMICS_CONTROLS)],
            ECONOMICS_METRICS,
            values=values,
            threaded=threaded,
            toolbar=self._scenario_tools(),
        )
        self._start_with(scenario, values)

    # -- scenario files ---------------------------------------------------------------------
    def _values_from(self, sc: Any) -> dict[str, Any]:
        econ = require_section(sc, "economics")
        churn = econ.churn if econ.churn is not None else sc.retention.mean_churn
        values: dict[str, Any] = {
            "arpu": econ.arpu,
            "margin": econ.margin,
            "churn": churn,
            "discount": econ.discount,
        }
        if econ.cac is not None:
            values["cac"] = econ.cac
        elif econ.paid_spend is not None:
            customers = expected_at(sc, econ.customer_stage)
            if customers < 1:
                raise ValueError(
                    f"scenario {sc.name!r}: its funnel is expected to bring no customers, "
                    f"so its paid_spend gives no CAC"
                )
            values["cac"] = econ.paid_spend / customers
        return values

    def _new_scenario(self, values: Mapping[str, Any]) -> Any:
        from funnelsim.scenarios import EconomicsSettings, Scenario

        keys = ("arpu", "margin", "churn", "cac", "discount")
        economics = EconomicsSettings(**{k: values[k] for k in keys})
        return Scenario(name="unit economics scenario", economics=economics)

    def _scenario_with(self, sc: Any, changed: Mapping[str, Any], values: Mapping[str, Any]) -> Any:
        econ = {k: changed[k] for k in ("arpu", "margin", "churn", "discount") if k in changed}
        if "cac" in changed:
            econ.update(cac=changed["cac"], paid_spend=None)
        return replace_section(sc, "economics", **econ)

    def compute(self, values: Mapping[str, Any]) -> Outcome:
        from funnelsim import economics as ec

        ltv = float(
            ec.ltv_discounted(values["arpu"], values["margin"], values["churn"], values["discount"])
        )
        try:
            payback = float(
                ec.payback_period(values["cac"], values["arpu"], values["margin"], values["churn"])
            )
        except ValueError:  # never pays back
            payback = math.nan
        metrics = {
            "ltv": ltv,
            "ltv_cac": float(ec.ltv_to_cac(ltv, values["cac"])),
            "payback": payback,
            "lifetime": 1.0 / values["churn"],
        }
        return Outcome(dict(values), payback_frame(values), metrics)

    def plot(self, outcome: Outcome, a: Outcome | None) -> charts.Plot:
        frames = [outcome.result.assign(scenario="B" if a is not None else "this customer")]
        if a is not None:
            frames.insert(0, a.result.assign(scenario="A (frozen)"))
        data = pd.concat(frames, ignore_index=True)
        scenarios = list(pd.unique(data["scenario"]))
        shape = ("payback", tuple(scenarios), int(data["month"].max()))

        def build(frame: pd.DataFrame) -> Any:
            colour = alt.Color(
                "scenario:N",
                scale=alt.Scale(
                    domain=scenarios,
                    range=[charts.MUTED_DARK, charts.PALETTE[0]][-len(scenarios) :],
                ),
                legend=alt.Legend(title=None, orient="top") if len(scenarios) > 1 else None,
            )
            x = alt.X("month:Q", title="months since acquisition")
            profit = (
                alt.Chart()
                .mark_line()
                .encode(x=x, y=alt.Y("profit:Q", title="cumulative gross profit ($)"), color=colour)
            )
            cac = alt.Chart().mark_line(strokeDash=[6, 3]).encode(x=x, y="cac:Q", color=colour)
            return alt.layer(profit, cac, data=frame).properties(
                width=460, height=280, title="Cumulative profit per customer vs CAC (dashed)"
            )

        return charts.Plot(data, shape, build)
