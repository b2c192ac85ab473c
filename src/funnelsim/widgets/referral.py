"""The referral explorer: viral coefficient K and the cascade of referral generations."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import altair as alt

from funnelsim import charts
from funnelsim.widgets._base import (
    Explorer,
    Outcome,
    check_loaded,
    expected_at,
    replace_section,
    require_section,
)
from funnelsim.widgets.specs import REFERRAL_CONTROLS, REFERRAL_METRICS

__all__ = ["ReferralExplorer", "mean_invites"]

_TITLE = "New buyers per referral generation (bars) vs the expectation s·Kᵍ (diamonds)"

#: Settings of a loaded ``[referral]`` section that have no slider but shape the cascade.
_KEPT = ("invites", "dispersion", "cycle_time", "max_generations")


def mean_invites(referral: Any) -> float:
    """Mean invites per user of a ``[referral]`` section (segments weighted by their shares).

    The viral coefficient depends on the invites only through this mean.
    """
    invites = referral.invites_per_user
    if not isinstance(invites, tuple):
        return float(invites)
    shares = dict(referral.segments or ())
    return float(sum(shares.get(segment, 0.0) * n for segment, n in invites))


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

    # -- scenario files ---------------------------------------------------------------------
    def _values_from(self, sc: Any) -> dict[str, Any]:
        ref = require_section(sc, "referral")
        seeds = ref.seed_buyers
        if seeds is None:
            seeds = expected_at(sc, ref.seed_stage)
        values: dict[str, Any] = {
            "seed_buyers": seeds,
            "invites_per_user": mean_invites(ref),
            "invite_conversion": ref.invite_conversion,
            "market_size": self.controls["market_size"].max
            if ref.market_size is None
            else ref.market_size,
        }
        if sc.seed is not None:
            values["seed"] = sc.seed
        return values

    def _apply_scenario(self, sc: Any, values: dict[str, Any]) -> None:
        check_loaded(self.controls, values)
        self._kept = {k: getattr(sc.referral, k) for k in _KEPT}
        self.set_values(values)

    def _new_scenario(self, values: Mapping[str, Any]) -> Any:
        from funnelsim.scenarios import ReferralSettings, Scenario

        referral = ReferralSettings(
            invites_per_user=values["invites_per_user"],
            invite_conversion=values["invite_conversion"],
            market_size=values["market_size"],
            seed_buyers=values["seed_buyers"],
        )
        return Scenario(name="referral scenario", seed=values["seed"], referral=referral)

    def _scenario_with(self, sc: Any, changed: Mapping[str, Any], values: Mapping[str, Any]) -> Any:
        keys = ("invites_per_user", "invite_conversion", "market_size", "seed_buyers")
        sc = replace_section(sc, "referral", **{k: changed[k] for k in keys if k in changed})
        return dataclasses.replace(sc, seed=changed.get("seed", sc.seed))

    def compute(self, values: Mapping[str, Any]) -> Outcome:
        from funnelsim.referral import simulate_referrals

        result = simulate_referrals(
            values["seed_buyers"],
            values["invites_per_user"],
            values["invite_conversion"],
            market_size=values["market_size"],
            replications=values["replications"],
            seed=values["seed"],
            # the scenario's "invites" key is simulate_referrals' invite_distribution
            **{("invite_distribution" if k == "invites" else k): v for k, v in self._kept.items()},
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
