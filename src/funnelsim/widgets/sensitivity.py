"""The sensitivity explorer: which step's rate matters most? A live tornado."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt

from funnelsim import charts
from funnelsim.model import aaarrr
from funnelsim.widgets._base import Explorer, Outcome
from funnelsim.widgets.specs import AAARRR_RATES, SENSITIVITY_CONTROLS, SENSITIVITY_METRICS

__all__ = ["SensitivityExplorer"]

_OUTCOME = "customers reaching Referral (expected)"


class SensitivityExplorer(Explorer):
    """Move each AAARRR rate down and up by δ, one at a time; rank the steps by effect.

    Uses :func:`funnelsim.sensitivity_analysis.sensitivity` (exact expectations, customers
    reaching the last stage). The chart title names the step to fix first.
    Loads and saves scenario files like the other explorers (an AAARRR
    funnel's rates and buyers); pass ``scenario=`` to start from one.
    """

    def __init__(
        self, *, scenario: Any = None, threaded: bool | None = None, **values: Any
    ) -> None:
        super().__init__(
            "Sensitivity: which step to fix first?",
            [("Funnel step rates", AAARRR_RATES), ("The experiment", SENSITIVITY_CONTROLS)],
            SENSITIVITY_METRICS,
            values=values,
            threaded=threaded,
            toolbar=self._scenario_tools(),
        )
        self._start_with(scenario, values)

    # -- scenario files ---------------------------------------------------------------------
    def _values_from(self, sc: Any) -> dict[str, Any]:
        """The funnel rates and buyers of an AAARRR scenario (δ is the explorer's own)."""
        from funnelsim.model import AAARRR_STAGES

        if sc.funnel.names != AAARRR_STAGES:
            raise ValueError(
                "the sensitivity explorer needs an AAARRR funnel, "
                f"got stages {list(sc.funnel.names)}"
            )
        return super()._values_from(sc)

    def _new_scenario(self, values: Mapping[str, Any]) -> Any:
        from funnelsim.scenarios import Scenario

        funnel = aaarrr(**{c.name: values[c.name] for c in AAARRR_RATES})
        return Scenario(funnel=funnel, name="sensitivity scenario", buyers=values["buyers"])

    def compute(self, values: Mapping[str, Any]) -> Outcome:
        from funnelsim.sensitivity_analysis import sensitivity

        funnel = aaarrr(**{c.name: values[c.name] for c in AAARRR_RATES})
        frame = sensitivity(funnel, delta=values["delta"], buyers=values["buyers"])
        swing = frame["swing"].to_numpy(float)
        smallest = float(swing.min())
        metrics = {
            "customers": float(frame["base"].iloc[0]),
            "swing": float(swing.max()),
            "ratio": float(swing.max() / smallest) if smallest > 0 else float("nan"),
        }
        return Outcome(dict(values), frame, metrics)

    def plot(self, outcome: Outcome, a: Outcome | None) -> charts.Plot:
        frame = outcome.result
        title = f"Fix {frame['stage'].iloc[0]} first: customers ± δ on each step"
        if a is None:  # data swapped into a compiled chart while the ranking holds
            return charts.tornado_plot(frame, title=title, width=420, outcome=_OUTCOME)
        frozen = charts.tornado_chart(a.result, title="A (frozen)", outcome=_OUTCOME)
        chart = charts.tornado_chart(frame, title="B", outcome=_OUTCOME)
        return charts.Plot.of(alt.hconcat(frozen, chart))
