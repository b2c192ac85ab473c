"""Sweeps: run a scenario over a grid of values and tabulate the headline numbers."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from funnelsim.scenarios.errors import _describe
from funnelsim.scenarios.record import Scenario
from funnelsim.scenarios.runner import ScenarioRun


def _grid(params: Mapping[str, Sequence[Any]]) -> Iterator[dict[str, Any]]:
    keys = list(params)
    for combo in itertools.product(*(params[k] for k in keys)):
        yield dict(zip(keys, combo, strict=True))


def sweep(
    scenario: Scenario,
    params: Mapping[str, Sequence[Any]],
    *,
    metrics: Callable[[ScenarioRun], Mapping[str, float]] | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Run ``scenario`` over every combination of ``params`` and tabulate the results.

    Parameters
    ----------
    scenario : Scenario
        The base setup; each grid point changes it with :meth:`Scenario.with_values`.
    params : mapping of dotted path to values
        E.g. ``{"funnel.rates.activation": np.linspace(0.2, 0.8, 7), "seed": [1, 2, 3]}``;
        the grid is their Cartesian product, in order (the last key varies fastest).
    metrics : callable, optional
        ``metrics(run) -> {name: number}`` for each point's
        :class:`ScenarioRun`; the default, :meth:`ScenarioRun.metrics`, gives
        ``buyers``, ``customers`` (buyers reaching the last stage, mean over
        replications), ``conversion`` and the number reaching every stage
        (``reached_<stage>``).
    progress : bool
        Show a tqdm progress bar (if tqdm is installed). tqdm honours the
        ``TQDM_DISABLE`` environment variable.

    Returns
    -------
    DataFrame
        One row per grid point: a column per swept path, then the metrics.

    Notes
    -----
    Every point runs with the scenario's seed unless ``seed`` is swept: the
    points share their random numbers, so differences between rows come from
    the parameters, not from the draws (common random numbers). Sweep
    ``seed`` as well to see the Monte Carlo spread. A scenario without a seed
    draws fresh entropy at every point.
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario must be a Scenario, got {type(scenario).__name__}")
    if not isinstance(params, Mapping) or not params:
        raise ValueError(f"params must be a non-empty mapping of path to values, got {params!r}")
    grid: dict[str, list[Any]] = {}
    for key, values in params.items():
        if isinstance(values, str) or not isinstance(values, Iterable):
            raise TypeError(f"values for {key!r} must be a sequence, got {_describe(values)}")
        items = [v.item() if isinstance(v, np.generic) else v for v in values]
        if not items:
            raise ValueError(f"values for {key!r} must not be empty")
        grid[key] = items
    measure = ScenarioRun.metrics if metrics is None else metrics
    total = math.prod(len(v) for v in grid.values())
    points: Iterable[dict[str, Any]] = _grid(grid)
    if progress:
        try:
            from tqdm.auto import tqdm
        except ImportError:  # pragma: no cover - tqdm ships with the notebooks extra
            pass
        else:
            # No explicit ``disable``: tqdm then honours TQDM_DISABLE. The bar
            # appears only on runs longer than half a second.
            points = tqdm(points, total=total, desc="sweep", unit="run", delay=0.5)
    rows = []
    for point in points:
        rows.append({**point, **measure(scenario.with_values(point).run())})
    return pd.DataFrame(rows)
