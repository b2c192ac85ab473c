"""Several scenarios side by side: one row of headline numbers per scenario.

This is how an instructor compares the teams of the capstone (each team's go-to-market
is a scenario file): every scenario is run with :meth:`Scenario.run` (its own seed, or
one seed for all), and the headline numbers of :meth:`ScenarioRun.metrics` are put in
one table, with the stage to improve first (:func:`funnelsim.fix_first`) and the
entrants the funnel needs per customer. The command line's ``funnelsim compare``
prints the same table.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from funnelsim.scenarios.reader import load_scenario
from funnelsim.scenarios.record import Scenario

__all__ = ["COMPARE_COLUMNS", "compare_scenarios"]

#: The columns of :func:`compare_scenarios` and what each means, in order. Columns of
#: sections that no compared scenario has are left out.
COMPARE_COLUMNS: dict[str, str] = {
    "scenario": "the label (file name without .toml, or the scenario's name)",
    "name": "the scenario's title",
    "period": "the scenario's time unit of [retention], [economics] and [growth] (month, week...)",
    "buyers": "people entering the first stage in one funnel run (one cohort)",
    "customer_stage": "the stage whose reachers count as customers: [economics] customer_stage, "
    "else [growth] customer_stage, else the last stage",
    "customers": "buyers reaching customer_stage (mean over replications): the CAC's customers",
    "conversion": "customers ÷ buyers",
    "entrants_per_customer": "buyers needed per customer on average (1 ÷ the reach of "
    "customer_stage)",
    "fix_first": "the stage whose +5 points raise customers most (funnelsim.fix_first)",
    "ltv": "lifetime value of a customer ([economics])",
    "cac": "acquisition cost of a customer ([economics])",
    "ltv_to_cac": "LTV ÷ CAC",
    "payback_periods": "periods (of the scenario's period) until a customer's margin repays "
    "the CAC",
    "retention_survival": "share of the first cohort still active at the end ([retention])",
    "referral_k": "viral coefficient K ([referral])",
    "referred": "customers the referral cascade added",
    "b2b_win_rate": "share of accounts that bought ([b2b])",
    "b2b_median_cycle": "median sales cycle of won accounts, in b2b_time_unit",
    "b2b_time_unit": "the unit of the B2B funnel's stage times ([b2b] time_unit: day, week...)",
    "growth_periods": "periods the growth model ran (of the scenario's period) ([growth])",
    "growth_active": "active customers at the last period",
    "growth_revenue": "cumulative revenue at the last period",
    "growth_referral_share": "share of new customers who came by referral",
}


#: Columns whose numbers count periods or hold after some periods: comparable only
#: when the scenarios share their ``period`` (``funnelsim compare`` flags them).
PERIOD_COLUMNS = (
    "payback_periods",
    "retention_survival",
    "growth_periods",
    "growth_active",
    "growth_revenue",
)


def customer_stage(scenario: Scenario) -> str:
    """The stage whose reachers are the scenario's customers, as its economics count them.

    ``[economics] customer_stage`` (the CAC's denominator), else ``[growth]``'s
    customer stage (``Revenue`` if the funnel has it), else the last stage.
    """
    econ = scenario.economics
    if econ is not None and econ.customer_stage is not None:
        return scenario.funnel.names[scenario.funnel.index(econ.customer_stage)]
    if scenario.growth is not None:
        return scenario.funnel.names[scenario.growth.params.stage_indices[1]]
    return scenario.funnel.names[-1]


def _label(item: Any, scenario: Scenario) -> str:
    if isinstance(item, Path) or (isinstance(item, str) and item.endswith(".toml")):
        return Path(item).stem
    if isinstance(item, str):
        return item
    return scenario.name


def compare_scenarios(
    scenarios: Sequence[str | Path | Scenario],
    *,
    labels: Sequence[str] | None = None,
    seed: Any = None,
) -> pd.DataFrame:
    """Run every scenario and put their headline numbers side by side.

    Parameters
    ----------
    scenarios : sequence of str, Path or Scenario
        Scenario files, ready-made names (see :func:`funnelsim.list_scenarios`) or
        loaded scenarios; at least one.
    labels : sequence of str, optional
        One unique label per scenario (default: the file name without ``.toml``, the
        ready-made name, or the scenario's name).
    seed : int, optional
        One seed for every scenario (common random numbers, so differences come from
        the scenarios, not the draws); default each scenario's own seed.

    Returns
    -------
    DataFrame
        One row per scenario, the columns of :data:`COMPARE_COLUMNS` that any of them
        has (NaN where a scenario lacks the section). Money is in the scenarios' own
        unit, periods in their own ``period`` (a column; the columns of
        :data:`PERIOD_COLUMNS` compare only between scenarios with the same one).
        ``customers`` are the buyers reaching :func:`customer_stage`, the same
        customers the ``[economics]`` CAC divides by.

    Raises
    ------
    ValueError
        For no scenarios, labels that do not match one to one or repeat, or a scenario
        file that is malformed (:class:`funnelsim.scenarios.ScenarioError`, naming the
        file and the key).
    TypeError
        For anything that is not a file name, a path or a Scenario.

    Examples
    --------
    >>> table = compare_scenarios(["capstone_start", "capstone_team_example"])
    >>> list(table["scenario"])
    ['capstone_start', 'capstone_team_example']
    """
    from funnelsim.sensitivity_analysis import fix_first

    if isinstance(scenarios, str | Path | Scenario) or not isinstance(scenarios, Sequence):
        raise TypeError(
            f"scenarios must be a list of scenario files, names or Scenarios, got {scenarios!r}"
        )
    if not scenarios:
        raise ValueError("scenarios must name at least one scenario")
    loaded: list[Scenario] = []
    for item in scenarios:
        if isinstance(item, Scenario):
            loaded.append(item)
        elif isinstance(item, str | Path):
            loaded.append(load_scenario(item))
        else:
            raise TypeError(
                f"each scenario must be a file name, a path or a Scenario, got {item!r} "
                f"({type(item).__name__})"
            )
    if labels is None:
        names = [_label(item, sc) for item, sc in zip(scenarios, loaded, strict=True)]
    else:
        names = [str(x) for x in labels]
        if len(names) != len(loaded):
            raise ValueError(
                f"labels must give one label per scenario ({len(loaded)}), got {len(names)}"
            )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"labels must be unique, got {repeated} more than once; pass labels=")
    rows = []
    for label, sc in zip(names, loaded, strict=True):
        run = sc.run(seed=seed)
        metrics = run.metrics()
        stage = customer_stage(sc)
        reach = float(sc.funnel.reach[sc.funnel.index(stage)])
        customers = float(run.result.reached[stage])
        row: dict[str, Any] = {
            "scenario": label,
            "name": sc.name,
            "period": sc.period,
            **metrics,
            "customer_stage": stage,
            "customers": customers,
            "conversion": customers / run.result.buyers if run.result.buyers else np.nan,
            "entrants_per_customer": 1.0 / reach if reach > 0 else np.inf,
            "fix_first": fix_first(sc.funnel),
        }
        if sc.b2b is not None:
            row["b2b_time_unit"] = sc.b2b.time_unit
        if run.growth is not None:
            row["growth_periods"] = float(run.growth.periods["period"].max())
        rows.append(row)
    frame = pd.DataFrame(rows)
    columns = [c for c in COMPARE_COLUMNS if c in frame.columns]
    return frame[columns].reset_index(drop=True)
