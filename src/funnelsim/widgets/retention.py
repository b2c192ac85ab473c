"""The retention explorer: heterogeneous churn, cohort tables and the sBG fit."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import altair as alt

from funnelsim import charts
from funnelsim.widgets._base import Explorer, Outcome
from funnelsim.widgets.specs import RETENTION_CONTROLS, RETENTION_METRICS

__all__ = ["RetentionExplorer"]


class RetentionExplorer(Explorer):
    """Simulate cohorts with heterogeneous churn, fit the sBG model, read the LTV.

    Mean churn and polarization set the Beta distribution of customers' churn
    probabilities (:meth:`funnelsim.retention.ChurnModel.sbg_mean`); cohorts of
    customers are simulated, the shifted-beta-geometric model is fitted back to
    the table, and its projection is drawn over the observed curves next to the
    cohort heatmap. With polarization near 0 the curve is geometric; raise it
    and the survivors become ever more loyal, so retention *rises* with time.
    """

    def __init__(self, *, threaded: bool | None = None, **values: Any) -> None:
        super().__init__(
            "Retention explorer: cohorts and the sBG model",
            [("Churn and cohorts", RETENTION_CONTROLS)],
            RETENTION_METRICS,
            values=values,
            threaded=threaded,
        )

    def compute(self, values: Mapping[str, Any]) -> Outcome:
        from funnelsim.economics import ltv_sbg
        from funnelsim.retention import ChurnModel, fit_sbg, simulate_cohorts

        model = ChurnModel.sbg_mean(values["churn"], values["polarization"])
        sim = simulate_cohorts(
            model, [values["cohort_size"]] * values["cohorts"], values["periods"], values["seed"]
        )
        fit = fit_sbg(sim.table)
        long = sim.long
        last = long[long["period"] == long["period"].max()]
        lifetime = fit.model.expected_lifetime
        metrics = {
            "alpha": fit.alpha,
            "beta": fit.beta,
            "retained": float(last["active"].sum() / last["size"].sum()),
            "lifetime": lifetime,
            "ltv": float(ltv_sbg(values["arpu"], values["margin"], fit.alpha, fit.beta, 0.01)),
        }
        return Outcome(dict(values), (sim, fit), metrics)

    def plot(self, outcome: Outcome, a: Outcome | None) -> charts.Plot:
        sim, fit = outcome.result
        horizon = math.ceil(sim.long["period"].max() * 1.5)
        curves = charts.retention_curves(sim, fit=fit, periods=horizon, width=380)
        if a is not None:
            a_sim, a_fit = a.result
            frozen = charts.retention_curves(
                a_sim, fit=a_fit, periods=horizon, width=380, title="A (frozen)"
            )
            return charts.Plot.of(alt.hconcat(frozen, curves.properties(title="B")))
        heat = charts.cohort_heatmap(sim, cell=22)
        return charts.Plot.of(
            alt.hconcat(curves, heat, spacing=40).resolve_scale(color="independent")
        )
