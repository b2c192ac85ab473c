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
    Metric,
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


def _named(metrics: tuple[Metric, ...], stage: str) -> tuple[Metric, ...]:
    """``metrics`` with the customers card naming the customer ``stage``."""
    return tuple(
        dataclasses.replace(
            m,
            label=f"Customers (base): {stage}",
            help=f"Buyers expected to reach {stage}, the stage whose reachers are the customers.",
        )
        if m.name == "customers"
        else m
        for m in metrics
    )


class SensitivityExplorer(Explorer):
    """Move each step's rate down and up by δ, one at a time; rank the steps by effect.

    Uses :func:`funnelsim.sensitivity_analysis.sensitivity` (exact expectations of
    the customers: buyers reaching the last stage, or with a loaded file its
    customer stage, :func:`funnelsim.scenarios.compare.customer_stage`, as the
    CLI counts them; only the steps up to it are varied). The chart title names
    the step to fix first.

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
        # The stage whose reachers are the customers: the last one, or a loaded file's
        # customer stage (funnelsim.scenarios.compare.customer_stage, as the CLI counts).
        self._customer_stage = self._funnel.names[-1]
        super().__init__(
            "Sensitivity: which step to fix first?",
            [("Funnel step rates", rates), ("The experiment", SENSITIVITY_CONTROLS)],
            _named(SENSITIVITY_METRICS, self._customer_stage),
            values=values,
            threaded=threaded,
            toolbar=() if custom else self._scenario_tools(),
        )
        self._start_with(scenario, values)

    _adopted = (*Explorer._adopted, "_customer_stage")

    @property
    def _outcome_label(self) -> str:
        return f"customers reaching {self._customer_stage} (expected)"

    # -- scenario files ---------------------------------------------------------------------
    def _adopt(self, sc: Any) -> None:
        """Also take the file's customer stage (``[economics] customer_stage``, ...)."""
        from funnelsim.scenarios.compare import customer_stage

        self._customer_stage = customer_stage(sc)
        super()._adopt(sc)

    def _use_period(self, period: str) -> None:
        """The period's words, and the customer card named after the customer stage."""
        super()._use_period(period)
        stage = self._customer_stage if "_customer_stage" in vars(self) else ""
        if not stage:
            return
        self._metric_specs = _named(self._metric_specs, stage)

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
        last = funnel.index(self._customer_stage)
        buyers = values["buyers"]
        frame = sensitivity(
            funnel,
            delta=values["delta"],
            outcome=lambda f: buyers * float(f.reach[last]),
            stages=funnel.names[1 : last + 1],  # a later step cannot change the customers
        )
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
