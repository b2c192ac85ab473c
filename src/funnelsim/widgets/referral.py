"""The referral explorer: viral coefficient K and the cascade of referral generations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt

from funnelsim import charts
from funnelsim.widgets._base import Explorer, Outcome
from funnelsim.widgets.specs import REFERRAL_CONTROLS, REFERRAL_METRICS

__all__ = ["ReferralExplorer"]


class ReferralExplorer(Explorer):
    """Invites per buyer × invite conversion = K; watch the generations grow or die out.

    Bars: mean new buyers per generation over the replications; diamonds: the
    geometric expectation ``s·Kᵍ``. Below K = 1 the cascade dies out near
    ``s / (1 − K)`` buyers; above it, it grows until the market runs out.

    Parameters
    ----------
    threaded : bool, optional
        Redraw on a worker thread (default: inside a Jupyter kernel only).
    **values
        Starting values by control name (``invites_per_user=4``).
    """

    def __init__(self, *, threaded: bool | None = None, **values: Any) -> None:
        super().__init__(
            "Referral explorer: the viral coefficient K",
            [("Referral loop", REFERRAL_CONTROLS)],
            REFERRAL_METRICS,
            values=values,
            threaded=threaded,
        )

    def compute(self, values: Mapping[str, Any]) -> Outcome:
        from funnelsim.referral import simulate_referrals

        result = simulate_referrals(
            values["seed_buyers"],
            values["invites_per_user"],
            values["invite_conversion"],
            market_size=values["market_size"],
            replications=values["replications"],
            seed=values["seed"],
        )
        metrics = {
            "k": float(result.k),
            "customers": float(result.total),
            "expected_total": float(result.expected_total),
            "generations": float(result.generations["generation"].max()),
        }
        return Outcome(dict(values), result, metrics)

    def plot(self, outcome: Outcome, a: Outcome | None) -> charts.Plot:
        b = charts.referral_generations_chart(outcome.result)
        if a is None:
            return charts.Plot.of(b)
        left = charts.referral_generations_chart(
            a.result, title=f"A (frozen): K = {a.result.k:.2f}"
        )
        right = b.properties(title=f"B: K = {outcome.result.k:.2f}")
        return charts.Plot.of(alt.hconcat(left, right))
