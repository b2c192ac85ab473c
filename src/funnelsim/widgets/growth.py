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
    threaded : bool, optional
        Redraw on a worker thread (default: inside a Jupyter kernel only).
    **values
        Starting values by control name (``churn=0.03, invites_per_customer=1``).
    """

    _title = "Growth model: paid + referral → funnel → customers → revenue"

    def __init__(self, *, threaded: bool | None = None, **values: Any) -> None:
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
        )

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
            return charts._dashboard_plot(paid, growth, title=None)
        return charts._growth_compare_plot(a.result[1], growth)

    def summary(self) -> str:
        v = self.values
        return f"{type(self).__name__}: {v['periods']} periods, seed {v['seed']}"


class Dashboard(GrowthExplorer):
    """The instructor dashboard: every lever of the course on one screen.

    The growth explorer with a heading for the class; serve
    ``notebooks/dashboard.ipynb`` with Voila (``make present``).
    """

    _title = "Instructor dashboard: every lever on one screen"
