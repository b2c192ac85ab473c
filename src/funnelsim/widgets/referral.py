"""The referral explorer: viral coefficient K and the cascade of referral generations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt

from funnelsim import charts
from funnelsim.widgets._base import Explorer, Outcome, require_section
from funnelsim.widgets.specs import REFERRAL_CONTROLS, REFERRAL_METRICS, mean_invites

__all__ = ["ReferralExplorer", "mean_invites"]

_TITLE = "New buyers per referral generation (bars) vs the expectation s·Kᵍ (diamonds)"

#: Settings of a loaded ``[referral]`` section that have no slider but shape the cascade.
_KEPT = ("invite_distribution", "dispersion", "cycle_time", "max_generations")


class ReferralExplorer(Explorer):
    """Invites per buyer × invite conversion = K; watch the generations grow or die out.

    Bars: mean new buyers per generation over the replications; diamonds: the
    geometric expectation ``s·Kᵍ``. Below K = 1 the cascade dies out near
    ``s / (1 − K)`` buyers; above it, it grows until the market runs out.

    Loading a scenario takes its ``[referral]`` section: invites (their mean
    over NPS segments), conversion, market, seed buyers (default: the buyers
    expected at its ``seed_stage``) and seed; the section's invite
    distribution, dispersion and cycle time are kept for the runs.

    Parameters
    ----------
    scenario : str, Path or Scenario, optional
        A scenario file or ready-made name to start from (see :meth:`load`).
    threaded : bool, optional
        Redraw on a worker thread (default: inside a Jupyter kernel only).
    **values
        Starting values by control name (``invites_per_user=4``).
    """

    def __init__(
        self, *, scenario: Any = None, threaded: bool | None = None, **values: Any
    ) -> None:
        self._kept: dict[str, Any] = {}
        super().__init__(
            "Referral explorer: the viral coefficient K",
            [("Referral loop", REFERRAL_CONTROLS)],
            REFERRAL_METRICS,
            values=values,
            threaded=threaded,
            toolbar=self._scenario_tools(),
        )
        self._start_with(scenario, values)

    # -- scenario files (each slider's setting: specs.REFERRAL_CONTROLS) --------------------
    _needs = ("referral",)
    _adopted = (*Explorer._adopted, "_kept")

    def _adopt(self, sc: Any) -> None:
        """Keep the section's settings no slider shows but the cascade runs with."""
        super()._adopt(sc)
        self._kept = {k: getattr(require_section(sc, "referral"), k) for k in _KEPT}

    def _new_scenario(self, values: Mapping[str, Any]) -> Any:
        from funnelsim.scenarios import ReferralSettings, Scenario

        referral = ReferralSettings(
            invites_per_user=values["invites_per_user"],
            invite_conversion=values["invite_conversion"],
            market_size=values["market_size"],
            seed_buyers=values["seed_buyers"],
        )
        return Scenario(name="referral scenario", seed=values["seed"], referral=referral)

    def compute(self, values: Mapping[str, Any]) -> Outcome:
        from funnelsim.referral import simulate_referrals

        result = simulate_referrals(
            values["seed_buyers"],
            values["invites_per_user"],
            values["invite_conversion"],
            market_size=values["market_size"],
            replications=values["replications"],
            seed=values["seed"],
            **self._kept,
        )
        metrics = {
            "k": float(result.k),
            "customers": float(result.total),
            "expected_total": float(result.expected_total),
            "generations": float(result.generations["generation"].max()),
        }
        return Outcome(dict(values), result, metrics)

    def plot(self, outcome: Outcome, a: Outcome | None) -> charts.Plot:
        if a is None:  # a fixed title (K is a headline number): the data swap path
            return charts.referral_generations_plot(outcome.result, title=_TITLE, width=460)
        left = charts.referral_generations_chart(
            a.result, title=f"A (frozen): K = {a.result.k:.2f}"
        )
        right = charts.referral_generations_chart(
            outcome.result, title=f"B: K = {outcome.result.k:.2f}"
        )
        return charts.Plot.of(alt.hconcat(left, right))
