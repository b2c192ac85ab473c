"""The life-cycle explorer: how deep is the chasm, and what does the bowling alley save?"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt

from funnelsim import charts
from funnelsim.widgets._base import Explorer, Outcome
from funnelsim.widgets.specs import Control, Metric

__all__ = ["LIFE_CYCLE_CONTROLS", "LIFE_CYCLE_METRICS", "LifeCycleExplorer"]

#: The sliders: keywords of :func:`funnelsim.chasm_market` and of the diffusion paths.
LIFE_CYCLE_CONTROLS = (
    Control(
        "cross_imitation", "Pragmatists copy visionaries (q per month)", 0.0, 0.1, 0.001, 0.005,
        readout=".3f", help="How much each pragmatist niche imitates the early market.",
    ),
    Control(
        "reference_exponent", "References needed (reference_exponent)", 1.0, 3.0, 0.1, 2.0,
        readout=".1f", help="1: plain Bass, the first adopter persuades; 2: wait for several.",
    ),
    Control(
        "effort", "Marketing effort (customers a month)", 0, 60, 1, 20, integer=True,
        readout="d", help="What the effort would bring in a month if nobody had bought yet.",
    ),
    Control(
        "threshold", "Bowling alley moves on at (share adopted)", 0.1, 0.9, 0.05, 0.5,
        readout=".0%", help="When the focus niche counts as won.",
    ),
    Control(
        "periods", "Months followed", 24, 120, 1, 72, integer=True, readout="d", slow=True,
    ),
)  # fmt: skip

#: The headline numbers.
LIFE_CYCLE_METRICS = (
    Metric("gap_none", "Chasm with no effort (months)", "{:.0f}"),
    Metric("gap_spread", "Chasm, effort spread (months)", "{:.0f}"),
    Metric("gap_alley", "Chasm, bowling alley (months)", "{:.0f}"),
    Metric("saved", "Months the bowling alley saves", "{:.0f}", "Spread minus bowling alley."),
)

#: The bowling alley's order in :func:`funnelsim.chasm_market` (medicine is the beachhead).
_ORDER = ("pragmatists: medicine", "pragmatists: banking", "conservatives")


class LifeCycleExplorer(Explorer):
    """The chasm of :func:`funnelsim.chasm_market` with no effort, spread, and bowling alley.

    The chart shows the bowling alley's expected path (new adopters per month per
    segment, the chasm shaded); the cards give the chasm's length for the three
    strategies (:func:`funnelsim.chasm_gap`, "–" when the mainstream is not half sold
    within the months followed) and the months the bowling alley saves.

    Parameters
    ----------
    threaded : bool, optional
        Redraw on a worker thread (default: inside a Jupyter kernel only).
    order : sequence of str
        The bowling alley's order of segments.
    **values
        Starting values by control name (``effort=30``).
    """

    def __init__(
        self, *, threaded: bool | None = None, order: Sequence[str] = _ORDER, **values: Any
    ) -> None:
        self._order = list(order)
        super().__init__(
            "Life-cycle explorer: the chasm and the bowling alley",
            [("Market", LIFE_CYCLE_CONTROLS[:2]), ("Strategy", LIFE_CYCLE_CONTROLS[2:])],
            LIFE_CYCLE_METRICS,
            values=values,
            threaded=threaded,
        )

    def compute(self, values: Mapping[str, Any]) -> Outcome:
        from funnelsim.diffusion import chasm_market, diffusion_path

        market = chasm_market(
            cross_imitation=values["cross_imitation"],
            reference_exponent=values["reference_exponent"],
        )
        periods = int(values["periods"])
        none = diffusion_path(market, periods)
        spread = diffusion_path(market, periods, effort=values["effort"])
        alley = diffusion_path(
            market,
            periods,
            effort=values["effort"],
            strategy="bowling_alley",
            order=self._order,
            threshold=values["threshold"],
        )
        metrics = {
            "gap_none": float(none.gap()),
            "gap_spread": float(spread.gap()),
            "gap_alley": float(alley.gap()),
        }
        metrics["saved"] = metrics["gap_spread"] - metrics["gap_alley"]
        return Outcome(dict(values), alley, metrics)

    def plot(self, outcome: Outcome, a: Outcome | None) -> charts.Plot:
        title = "The bowling alley's path: new adopters per month, chasm shaded"
        if a is None:
            return charts.Plot.of(charts.diffusion_chart(outcome.result, title=title, width=460))
        left = charts.diffusion_chart(a.result, title="A (frozen)", width=300)
        right = charts.diffusion_chart(outcome.result, title="B", width=300)
        return charts.Plot.of(alt.hconcat(left, right))
