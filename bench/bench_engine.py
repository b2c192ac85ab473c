"""Benchmark the Monte Carlo engine (issue 2 targets), all in one process.

Run with ``make bench`` or ``.venv/bin/python bench/bench_engine.py``. Every
figure is a median over repeats, and the headline is a **ratio** against a
baseline measured in the same run, because absolute timings on shared 2-core
machines are noisy:

* floor: one uniform float64 per buyer with the same Generator (``rng.random(n)``)
* ``simulate`` AAARRR, 10⁶ buyers, buyers mode, no event log   (target ≤ 1.5 × floor)
* the same with ``events=True``                                  (target ≤ 0.3 s per 10⁶ buyers)
* counts mode with 10⁹ buyers                                    (target ≤ 5 ms)
* a plain Python loop walking each buyer stage by stage (10⁵ buyers, for scale)
* peak traced memory of ``simulate`` for 10⁷ buyers, no events   (target ≤ 200 MB)
* ``import funnelsim`` in a fresh interpreter          (target ≤ 0.3 s, no altair/ipywidgets)
"""

from __future__ import annotations

import subprocess
import sys
import tracemalloc

import numpy as np
from _common import median_time, report  # bench/ is on sys.path when run as a script

import funnelsim as fs

N = 1_000_000


def python_loop(funnel: fs.Funnel, n: int, rng: np.random.Generator) -> np.ndarray:
    """The naive baseline: walk each buyer through the stages with a coin per step."""
    rates = funnel.rates.tolist()[1:]
    depth = np.empty(n, dtype=np.uint8)
    for i in range(n):
        d = 1
        for p in rates:
            if rng.random() >= p:
                break
            d += 1
        depth[i] = d
    return depth


def import_time(repeats: int = 5) -> tuple[float, bool]:
    code = (
        "import sys, time; t0 = time.perf_counter(); import funnelsim; "
        "t = time.perf_counter() - t0; "
        "print(t, any(m in sys.modules for m in ('altair', 'ipywidgets')))"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        for _ in range(repeats)
    ]
    times = [float(r.stdout.split()[0]) for r in runs]
    heavy = any(r.stdout.split()[1] == "True" for r in runs)
    return float(np.median(times)), heavy


def peak_memory(n: int) -> float:
    tracemalloc.start()
    fs.simulate(fs.aaarrr(), n, seed=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def main() -> dict[str, float]:
    funnel = fs.aaarrr()
    rng = np.random.default_rng(2026)
    floor = median_time(lambda: rng.random(N), 31)
    buyers = median_time(lambda: fs.simulate(funnel, N, seed=rng), 31)
    events = median_time(lambda: fs.simulate(funnel, N, seed=rng, events=True), 5)
    counts = median_time(lambda: fs.simulate(funnel, 10**9, seed=rng, mode="counts"), 101)
    loop_n = 100_000
    loop = median_time(lambda: python_loop(funnel, loop_n, rng), 3) * (N / loop_n)
    mem = peak_memory(10**7)
    imp, heavy = import_time()

    out = {
        "floor_ns_per_buyer": floor / N * 1e9,
        "buyers_ns_per_buyer": buyers / N * 1e9,
        "buyers_over_floor": buyers / floor,
        "events_s_per_million": events * 1e6 / N,
        "counts_1e9_ms": counts * 1e3,
        "python_loop_ns_per_buyer": loop / N * 1e9,
        "python_loop_over_buyers": loop / buyers,
        "peak_mb_1e7_buyers": mem,
        "import_s": imp,
    }
    rows = [
        ("floor: rng.random(10^6)", f"{out['floor_ns_per_buyer']:.2f} ns/buyer", "baseline"),
        (
            "simulate, buyers mode, 10^6",
            f"{out['buyers_ns_per_buyer']:.2f} ns/buyer",
            f"{out['buyers_over_floor']:.2f} x floor (target <= 1.5)",
        ),
        (
            "simulate, events=True, 10^6",
            f"{out['events_s_per_million']:.3f} s/10^6",
            "target <= 0.3 s",
        ),
        ("simulate, counts mode, 10^9", f"{out['counts_1e9_ms']:.3f} ms", "target <= 5 ms"),
        (
            "plain Python loop (10^5, scaled)",
            f"{out['python_loop_ns_per_buyer']:.0f} ns/buyer",
            f"{out['python_loop_over_buyers']:.0f} x slower than simulate",
        ),
        ("peak memory, 10^7 buyers", f"{mem:.1f} MB", "target <= 200 MB"),
        (
            "import funnelsim",
            f"{imp:.3f} s",
            "target <= 0.3 s"
            + ("; ALTAIR/IPYWIDGETS IMPORTED" if heavy else "; no altair/ipywidgets"),
        ),
    ]
    report(rows, "engine", out)
    return out


if __name__ == "__main__":
    main()
