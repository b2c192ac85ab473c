"""The Beckhard explorer: move A, B, D and X and see whether one client buys.

The course's scale (lesson 01, and the docstring of :func:`funnelsim.beckhard`):
A, the client's dissatisfaction, and X, the cost of change, are money per year;
B, the clear picture of the desired state, and D, concrete first steps, are
factors in [0, 1]. So A·B·D is the yearly benefit the client believes in and can
reach, comparable with X. The numbers come from :func:`funnelsim.beckhard` and
:func:`funnelsim.beckhard_probability`; the picture from
:func:`funnelsim.charts.beckhard_plot`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from funnelsim import charts
from funnelsim.widgets._base import Explorer, Outcome
from funnelsim.widgets.specs import Control, Metric

__all__ = ["BECKHARD_CONTROLS", "BECKHARD_METRICS", "BeckhardExplorer", "beckhard_metrics"]

#: The sliders: A and X in money per year, B and D as factors, the smooth rule's steepness.
BECKHARD_CONTROLS = (
    Control(
        "dissatisfaction", "A: yearly loss today (money)", 0, 10_000_000, 100_000, 2_500_000,
        readout=",.0f", help="The client's quantified losses from the current state, per year.",
    ),
    Control(
        "vision", "B: share of loss removed", 0, 1, 0.05, 0.6, readout=".0%",
        help="How much of the loss the client believes the solution removes (clear vision).",
    ),
    Control(
        "first_steps", "D: first steps clear", 0, 1, 0.05, 0.8, readout=".0%",
        help="How sure the client is that the first steps work (an understandable offer).",
    ),
    Control(
        "cost", "X: cost of change (money / year)", 50_000, 5_000_000, 50_000, 600_000,
        readout=",.0f", help="Price plus the cost of owning and adopting the product, per year.",
    ),
    Control(
        "steepness", "Steepness of the smooth rule", 0.5, 10, 0.5, 2, readout=".1f",
        help="How sharply the probability rises around A·B·D = X; large values give the threshold.",
    ),
)  # fmt: skip

#: The headline numbers.
BECKHARD_METRICS = (
    Metric("benefit", "A·B·D (money / year)", "{:,.0f}", "The benefit the client believes in."),
    Metric("ratio", "A·B·D ÷ X", "{:.2f}", "Above 1 the threshold rule says: buys."),
    Metric("passes", "Threshold rule", "{:.0%}", "100% if A·B·D > X, else 0%."),
    Metric("probability", "P(buy), smooth rule", "{:.0%}", "r^s / (1 + r^s), r = A·B·D / X."),
    Metric(
        "fair_price", "Fair price, 35 % of A·B", "{:,.0f}",
        "A practitioner rule of thumb: 30–40 % of the quantified benefit.",
    ),
)  # fmt: skip

_FACTORS = ("dissatisfaction", "vision", "first_steps", "cost")


def beckhard_metrics(values: Mapping[str, Any]) -> dict[str, float]:
    """Headline numbers for one client: ``benefit, ratio, passes, probability, fair_price``.

    ``fair_price`` is 35 % (the middle of the practitioner 30–40 % band) of the
    quantified benefit A·B, money per year.
    """
    from funnelsim.b2b import beckhard, beckhard_probability

    a, b, d, x = (float(values[k]) for k in _FACTORS)
    benefit = a * b * d
    return {
        "benefit": benefit,
        "ratio": benefit / x,
        "passes": float(beckhard(a, b, d, x)),
        "probability": float(beckhard_probability(a, b, d, x, steepness=values["steepness"])),
        "fair_price": 0.35 * a * b,
    }


class BeckhardExplorer(Explorer):
    """Does one client buy? Beckhard's C = A·B·D > X as a threshold and as a probability.

    Move A (the client's yearly loss), B (the share of it the client believes
    the solution removes), D (how sure the client is of the first steps) and X
    (the yearly cost of change). The chart marks the client on the smooth
    probability curve and the threshold step; set any of A, B, D to zero and
    no price is low enough.

    Parameters
    ----------
    threaded : bool, optional
        Redraw on a worker thread (default: inside a Jupyter kernel only).
    **values
        Starting values by control name (``vision=0.4, cost=900_000``).
    """

    def __init__(self, *, threaded: bool | None = None, **values: Any) -> None:
        super().__init__(
            "Beckhard's formula: does A·B·D beat the cost of change X?",
            [("One client (money per year; B and D as shares)", BECKHARD_CONTROLS)],
            BECKHARD_METRICS,
            values=values,
            threaded=threaded,
        )

    def compute(self, values: Mapping[str, Any]) -> Outcome:
        return Outcome(dict(values), None, beckhard_metrics(values))

    def plot(self, outcome: Outcome, a: Outcome | None) -> charts.Plot:
        v = outcome.values
        return charts.beckhard_plot(*(v[k] for k in _FACTORS), steepness=v["steepness"], width=400)

    def summary(self) -> str:
        m = self.metrics
        return f"BeckhardExplorer: A·B·D ÷ X = {m['ratio']:.2f}, P(buy) = {m['probability']:.0%}"
