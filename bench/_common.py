"""Helpers shared by the benchmark scripts (timing, the printed table, the JSON record)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results"


def median_time(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``fn()`` in seconds, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def report(rows: Sequence[tuple[str, str, str]], name: str, figures: dict[str, float]) -> None:
    """Print ``(what, value, note)`` rows as a table and save ``figures`` to results/NAME.json."""
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    for what, value, note in rows:
        print(f"{what:<{width}}  {value:>{value_width}}  {note}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(figures, indent=2))
