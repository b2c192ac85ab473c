"""Helpers shared by the benchmark scripts (timing, the printed table, the JSON record)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
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


def median_cpu_times(fns: Mapping[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median CPU time (seconds, this process) of each ``fn()``, the calls interleaved.

    For ratios between single-threaded numpy workloads in one process: calling the
    candidates round-robin gives each the same share of a busy machine's noise, and
    CPU time (``time.process_time``) does not count the time the process waits for
    a core, which wall time on a shared 2-core machine is mostly made of.
    """
    for fn in fns.values():
        fn()  # warm up
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.process_time()
            fn()
            samples[name].append(time.process_time() - t0)
    return {name: float(np.median(s)) for name, s in samples.items()}


def load_average() -> str:
    """The 1/5/15-minute load average, to print next to the figures."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def verdict(ratio: float, target: float) -> str:
    """``"1.10 x (target <= 1.2: met)"``."""
    return f"{ratio:.2f} x (target <= {target:g}: {'met' if ratio <= target else 'NOT met'})"


def report(rows: Sequence[tuple[str, str, str]], name: str, figures: dict[str, float]) -> None:
    """Print ``(what, value, note)`` rows as a table and save ``figures`` to results/NAME.json."""
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    for what, value, note in rows:
        print(f"{what:<{width}}  {value:>{value_width}}  {note}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(figures, indent=2))
