"""The sensitivity explorer: which step's rate matters most? A live tornado."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

import altair as alt

from funnelsim import charts
from funnelsim.model import Funnel, aaarrr, check_funnel
from funnelsim.widgets._base import Explorer, Outcome
from funnelsim.widgets.specs import (
    AAARRR_RATES,
    SENSITIVITY_CONTROLS,
    SENSITIVITY_METRICS,
    Control,
)

__all__ = ["SensitivityExplorer"]


def _key(name: str) -> str:
    """A stage name as a slider name: ``"Demo booked"`` -> ``"demo_booked"``."""
    return re.sub(r"\W+", "_", name.strip().lower()).strip("_")


def _rate_controls(funnel: Funnel) -> tuple[Control, ...]:
    """One rate slider per step of ``funnel`` (named by the stage's keyword form)."""
    names = funnel.names
    taken = {c.name for c in SENSITIVITY_CONTROLS}
    clash = [n for n in names[1:] if _key(n) in taken]
    if clash:
        raise ValueError(
            f"stage {clash[0]!r} would share its slider name with the explorer's own "
            f"{_key(clash[0])!r} control; rename the stage"
        )
    return tuple(
        Control(
            _key(name),
            f"{name} ({names[i]} → {name})",
            0.0,
            1.0,
            0.01,
            float(funnel.rates[i + 1]),
            readout=".0%",
            help=f"Share of those in {names[i]} who reach {name}.",
            setting=f"funnel.rates.{_key(name)}",
        )
        for i, name in enumerate(names[1:])
    )


class SensitivityExplorer(Explorer):
    """Move each step's rate down and up by δ, one at a time; rank the steps by effect.

    Uses :func:`funnelsim.sensitivity_analysis.sensitivity` (exact expectations,
    customers reaching the last stage). The chart title names the step to fix first.

    Parameters
    ----------
    funnel : Funnel, optional
        The funnel whose step rates the sliders start from (at least 2 stages),
        e.g. a sales funnel built with ``Funnel.from_rates``. Default: the AAARRR
        funnel, whose rates and buyers load from and save to scenario files like
        the other explorers (pass ``scenario=`` to start from one).
    scenario : str, Path or Scenario, optional
        An AAARRR scenario to start from (not with ``funnel``).
    threaded : bool, optional
        Redraw on a background thread (default: in a live kernel).
    **values
        Starting values of the sliders (``delta``, ``buyers``, a rate by the
        stage's keyword name, e.g. ``activation`` or ``demo``).
    """

    def __init__(
        self,
        *,
        funnel: Funnel | None = None,
        scenario: Any = None,
        threaded: bool | None = None,
        **values: Any,
    ) -> None:
        if funnel is not None and scenario is not None:
            raise ValueError("pass either funnel= or scenario=, not both")
        custom = funnel is not None
        self._funnel = aaarrr() if funnel is None else check_funnel(funnel)
        if len(self._funnel) < 2:
            raise ValueError(
                f"the sensitivity explorer needs a funnel with at least 2 stages, "
                f"got {len(self._funnel)}"
            )
        rates = _rate_controls(self._funnel) if custom else AAARRR_RATES
        if custom:  # no scenario files for a free-form funnel: its sliders drive no setting
            rates = tuple(dataclasses.replace(c, setting="") for c in rates)
        self._rate_controls = rates
        self._outcome_label = f"customers reaching {self._funnel.names[-1]} (expected)"
        super().__init__(
            "Sensitivity: which step to fix first?",
            [("Funnel step rates", rates), ("The experiment", SENSITIVITY_CONTROLS)],
            SENSITIVITY_METRICS,
            values=values,
            threaded=threaded,
            toolbar=() if custom else self._scenario_tools(),
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

        return Scenario(
            funnel=self._funnel_of(values), name="sensitivity scenario", buyers=values["buyers"]
        )

    def _funnel_of(self, values: Mapping[str, Any]) -> Funnel:
        steps = self._funnel.names[1:]
        return self._funnel.with_rates(
            {name: values[c.name] for name, c in zip(steps, self._rate_controls, strict=True)}
        )

    def compute(self, values: Mapping[str, Any]) -> Outcome:
        from funnelsim.sensitivity_analysis import sensitivity

        funnel = self._funnel_of(values)
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
        label = self._outcome_label
        title = f"Fix {frame['stage'].iloc[0]} first: customers ± δ on each step"
        if a is None:  # data swapped into a compiled chart while the ranking holds
            return charts.tornado_plot(frame, title=title, width=420, outcome=label)
        frozen = charts.tornado_chart(a.result, title="A (frozen)", outcome=label)
        chart = charts.tornado_chart(frame, title="B", outcome=label)
        return charts.Plot.of(alt.hconcat(frozen, chart))
