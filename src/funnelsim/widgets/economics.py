"""The unit-economics explorer: LTV, CAC, payback."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

from funnelsim import _format, charts
from funnelsim.widgets._base import (
    Explorer,
    Outcome,
)
from funnelsim.widgets.specs import ECONOMICS_CONTROLS, ECONOMICS_METRICS, EXPANSION_HORIZON

__all__ = ["EXPANSION_HORIZON", "EconomicsExplorer", "payback_frame"]


def payback_frame(values: Mapping[str, Any]) -> pd.DataFrame:
    """Expected cumulative discounted gross profit of one customer, month by month (geometric).

    The curve of :func:`funnelsim.economics.payback_curve` for ``values``
    (``arpu, margin, churn, discount, cac, months`` and optionally
    ``expansion``) with geometric churn; columns ``month, profit, cac``.
    """
    from funnelsim.economics import unit_economics

    ue = unit_economics(
        values["arpu"], values["margin"], values["churn"],
        cac=values["cac"], discount=values["discount"], period="month",
        expansion=values.get("expansion", 0.0),
    )  # fmt: skip
    return _frame(ue, int(values["months"]))


def _frame(ue: Any, months: int) -> pd.DataFrame:
    curve = ue.payback_curve(months)
    return pd.DataFrame(
        {"month": curve["period"], "profit": curve["cumulative_margin"], "cac": curve["cac"]}
    )


class EconomicsExplorer(Explorer):
    """Does one customer pay back? Expected cumulative profit against CAC.

    The curve is the expected discounted gross profit of one customer over
    time, the flat line the cost of acquiring them; where the curve crosses
    the line is the payback month (the Payback card, the same number), and the
    curve's limit is the LTV. Every number comes from
    :func:`funnelsim.economics.unit_economics`.

    Loading a scenario takes its ``[economics]`` section through
    :meth:`funnelsim.scenarios.Scenario.unit_economics`: ARPU, margin,
    discount, the churn model (the section's churn, or the ``[retention]``
    section's model: an sBG model keeps its polarization when the mean-churn
    slider moves) and CAC (or its paid spend over the customers the funnel is
    expected to bring).
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
    # Every slider declares its [economics] setting (specs.ECONOMICS_CONTROLS): the base
    # class loads and saves them; a file without the section cannot be shown here.
    _needs = ("economics",)

    def _new_scenario(self, values: Mapping[str, Any]) -> Any:
        from funnelsim.scenarios import EconomicsSettings, Scenario

        keys = ("arpu", "margin", "churn", "cac", "discount", "expansion")
        economics = EconomicsSettings(**{k: values[k] for k in keys})
        try:
            return Scenario(name="unit economics scenario", economics=economics)
        except ValueError:  # as compute(): an infinite LTV counts EXPANSION_HORIZON months
            economics = dataclasses.replace(economics, horizon=EXPANSION_HORIZON)
            return Scenario(name="unit economics scenario", economics=economics)

    def compute(self, values: Mapping[str, Any]) -> Outcome:
        args = (values["arpu"], values["margin"], values["churn"])
        money = {"cac": values["cac"], "discount": values["discount"]}
        expansion = values.get("expansion", 0.0)
        try:
            ue = self.unit_economics(*args, **money, expansion=expansion)
        except ValueError:
            if expansion == 0:
                raise
            # expansion outgrows churn and discount: the LTV would be infinite, so the
            # cards count a limited horizon (the label says so)
            ue = self.unit_economics(*args, **money, expansion=expansion, horizon=EXPANSION_HORIZON)
        metrics = {
            "ltv": ue.ltv,
            "cac": ue.cac,
            "ltv_cac": ue.ltv_to_cac,
            "payback": ue.payback,
            "lifetime": ue.expected_lifetime,
            "profit_per_customer": ue.ltv - ue.cac,
        }
        return Outcome(dict(values), _frame(ue, int(values["months"])), metrics, ue)

    def plot(self, outcome: Outcome, a: Outcome | None) -> charts.Plot:
        frames = [outcome.result.assign(scenario="B" if a is not None else "this customer")]
        if a is not None:
            frames.insert(0, a.result.assign(scenario="A (frozen)"))
        data = pd.concat(frames, ignore_index=True)
        scenarios = list(pd.unique(data["scenario"]))
        ue = outcome.economics
        title = (
            "Cumulative profit per customer vs CAC (dashed)",
            f"{ue.label}; payback {_format.periods(ue.payback, ue.period)}",
        )
        # the title carries numbers: kept out of the shape so a slider move reuses the spec
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
            x = alt.X("month:Q", title=f"{ue.period}s since acquisition")
            y = alt.Y("profit:Q", title="expected cumulative gross profit ($ / customer)")
            profit = alt.Chart().mark_line().encode(x=x, y=y, color=colour)
            cac = alt.Chart().mark_line(strokeDash=[6, 3]).encode(x=x, y="cac:Q", color=colour)
            return alt.layer(profit, cac, data=frame).properties(
                width=460, height=280, title=list(title)
            )

        return charts.Plot(data, shape, build, title)
