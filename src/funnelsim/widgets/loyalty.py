"""The loyalty-card explorer: a first-purchase threshold on the real CDNOW log.

Move the minimum first purchase (dollars) a customer needs for a loyalty card
and read who gets a card, how often each group bought again, and what share of
all later spending the customers without a card make. The numbers come from
:func:`funnelsim.first_purchase_threshold` on :func:`funnelsim.load_cdnow`
(computed once for every slider position, so a redraw is a lookup); the picture
is :func:`funnelsim.charts.loyalty_threshold_chart` with the chosen threshold
in its title.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import pandas as pd

from funnelsim import _format, charts
from funnelsim.widgets._base import Explorer, Outcome
from funnelsim.widgets.specs import Control, Metric

__all__ = ["LOYALTY_CONTROLS", "LOYALTY_METRICS", "LoyaltyCardExplorer", "loyalty_metrics"]

#: The slider: the card's entry condition in dollars (CDNOW's currency).
LOYALTY_CONTROLS = (
    Control(
        "threshold", "Minimum first purchase for a card (dollars)", 0, 150, 5, 50,
        readout=",.0f", help="A first purchase day totalling at least this gets a card.",
    ),
)  # fmt: skip

#: The headline numbers.
LOYALTY_METRICS = (
    Metric("admitted", "Customers with a card", "{:.0%}", "Share of all 23,570 customers."),
    Metric(
        "excluded_later", "Later spending without a card", "{:.0%}",
        "Share of all spending after the first day made by customers the card leaves out.",
    ),
    Metric("admitted_repeat", "Bought again: card", "{:.0%}", "Repeat rate of the admitted."),
    Metric("excluded_repeat", "Bought again: no card", "{:.0%}", "Repeat rate of the excluded."),
)  # fmt: skip

_STEPS = tuple(range(0, 151, 5))


@lru_cache(maxsize=1)
def _sweep() -> pd.DataFrame:
    """:func:`funnelsim.first_purchase_threshold` on CDNOW for every slider position."""
    from funnelsim.datasets import load_cdnow
    from funnelsim.scoring import first_purchase_threshold

    return first_purchase_threshold(load_cdnow(), list(_STEPS))


def loyalty_metrics(threshold: float) -> dict[str, float]:
    """Headline numbers for one threshold (dollars, in [0, 150]).

    ``admitted`` share of customers with a card, ``excluded_later`` share of all
    later spending made by the others, ``admitted_repeat`` and
    ``excluded_repeat`` the two groups' repeat-purchase rates (NaN for an empty
    group). All are fractions in [0, 1]. Multiples of 5 are looked up in the
    cached sweep; other values are computed on the spot.

    Raises
    ------
    ValueError
        For a threshold outside [0, 150].
    """
    x = float(threshold)
    if not 0 <= x <= 150:
        raise ValueError(f"threshold must be in [0, 150] dollars, got {threshold!r}")
    t = _sweep()
    rows = t[t["threshold"] == x].set_index("group")
    if rows.empty:
        from funnelsim.datasets import load_cdnow
        from funnelsim.scoring import first_purchase_threshold

        rows = first_purchase_threshold(load_cdnow(), x).set_index("group")
    admitted: dict[Any, float] = rows.loc["admitted"].astype(float).to_dict()
    excluded: dict[Any, float] = rows.loc["not admitted"].astype(float).to_dict()
    return {
        "admitted": float(admitted["share_of_customers"]),
        "excluded_later": float(excluded["share_of_later_revenue"]),
        "admitted_repeat": float(admitted["repeat_rate"]),
        "excluded_repeat": float(excluded["repeat_rate"]),
    }


class LoyaltyCardExplorer(Explorer):
    """Who does a loyalty card "from an X-dollar first purchase" leave out? (CDNOW data)

    Parameters
    ----------
    threaded : bool, optional
        Redraw on a worker thread (default: inside a Jupyter kernel only).
    **values
        Starting value by control name (``threshold=30``), dollars.
    """

    def __init__(self, *, threaded: bool | None = None, **values: Any) -> None:
        super().__init__(
            "Loyalty card with a minimum first purchase (CDNOW customers)",
            [("The card's entry condition", LOYALTY_CONTROLS)],
            LOYALTY_METRICS,
            values=values,
            threaded=threaded,
        )

    def compute(self, values: Mapping[str, Any]) -> Outcome:
        return Outcome(dict(values), None, loyalty_metrics(values["threshold"]))

    def plot(self, outcome: Outcome, a: Outcome | None) -> charts.Plot:
        t = float(outcome.values["threshold"])
        m = outcome.metrics
        title = (
            f"A {_format.money(t, digits=0)} card admits {m['admitted']:.0%} of the customers; "
            f"the rest make {m['excluded_later']:.0%} of later spending"
        )
        return charts.Plot.of(
            charts.loyalty_threshold_chart(_sweep(), title=title, currency="dollars")
        )

    def summary(self) -> str:
        m = self.metrics
        return (
            f"LoyaltyCardExplorer: card admits {m['admitted']:.0%}, "
            f"the rest make {m['excluded_later']:.0%} of later spending"
        )
