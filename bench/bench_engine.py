"""Benchmark the Monte Carlo engine (issues 2 and 10), all in one process.

Run with ``make bench`` or ``.venv/bin/python bench/bench_engine.py``. The
headline is a **ratio** against hand-written numpy doing the same job in the
same run, timed interleaved in CPU time (see ``_common.median_cpu_times``),
because absolute timings on a shared 2-core machine are noisy.

The AAARRR-1M peer workload (issue 10, target ≤ 1.2 × the best peer):
``fs.simulate(fs.aaarrr(), 10**6)`` in buyers mode — every buyer's deepest stage
(uint8) and the count reaching each stage, through the six AAARRR stages
(Referral the last) — against three plain-numpy peers that return the same two
arrays:

* ``uint32, chunked``: the 64-bit raw generator output viewed as two uint32
  draws, compared with integer thresholds, 2¹⁶ buyers at a time. Seeded alike,
  it returns exactly the library's depths: :func:`main` checks that first.
* ``uint32, whole array``: the same draws without chunks.
* ``float64, whole array``: ``rng.random(n)`` against the reach probabilities,
  the textbook version.

The best (fastest) peer is the baseline. Also, for the record:

* ``rng.random(10**6)``, the old float floor
* ``simulate`` with ``events=True``, 10⁶ buyers                   (target ≤ 0.3 s)
* counts mode with 10⁹ buyers                                    (target ≤ 5 ms)
* a plain Python loop walking each buyer stage by stage (10⁵ buyers, for scale)
* peak traced memory of ``simulate`` for 10⁷ buyers, no events   (target ≤ 200 MB)

Start-up times are in ``bench_startup.py``.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
from _common import load_average, median_cpu_times, report, verdict

import funnelsim as fs

N = 1_000_000
CHUNK = 1 << 16


def limits_of(funnel: fs.Funnel) -> list[np.uint32]:
    """``u < floor(reach * 2**32)`` as ``u <= limit`` for the reachable stages."""
    scaled = np.floor(funnel.reach[1:] * 2.0**32).astype(np.int64)
    return [np.uint32(t - 1) for t in scaled.tolist() if t > 0]


def peer_uint32_chunked(
    rng: np.random.Generator, n: int, limits: list[np.uint32], stages: int
) -> tuple[np.ndarray, np.ndarray]:
    depth = np.empty(n, dtype=np.uint8)
    counts = np.zeros(stages, dtype=np.int64)
    counts[0] = n
    for start in range(0, n, CHUNK):
        m = min(CHUNK, n - start)
        u = rng.bit_generator.random_raw((m + 1) // 2).view(np.uint32)[:m]
        d = depth[start : start + m]
        d.fill(1)
        for k, limit in enumerate(limits, start=1):
            hit = u <= limit
            counts[k] += np.count_nonzero(hit)
            d += hit
    return depth, counts


def peer_uint32_whole(
    rng: np.random.Generator, n: int, limits: list[np.uint32], stages: int
) -> tuple[np.ndarray, np.ndarray]:
    u = rng.bit_generator.random_raw((n + 1) // 2).view(np.uint32)[:n]
    depth = np.ones(n, dtype=np.uint8)
    counts = np.zeros(stages, dtype=np.int64)
    counts[0] = n
    for k, limit in enumerate(limits, start=1):
        hit = u <= limit
        counts[k] = np.count_nonzero(hit)
        depth += hit
    return depth, counts


def peer_float_whole(
    rng: np.random.Generator, n: int, reach: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    u = rng.random(n)
    depth = np.ones(n, dtype=np.uint8)
    counts = np.zeros(reach.size, dtype=np.int64)
    counts[0] = n
    for k, r in enumerate(reach[1:], start=1):
        hit = u < r
        counts[k] = np.count_nonzero(hit)
        depth += hit
    return depth, counts


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


def peak_memory(n: int) -> float:
    tracemalloc.start()
    fs.simulate(fs.aaarrr(), n, seed=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def check_same_draws(funnel: fs.Funnel) -> None:
    """The chunked uint32 peer makes the library's draws: same seed, same depths and counts."""
    limits, k = limits_of(funnel), len(funnel)
    for seed in range(3):
        lib = fs.simulate(funnel, N + seed, seed=seed)
        depth, counts = peer_uint32_chunked(np.random.default_rng(seed), N + seed, limits, k)
        if not (np.array_equal(lib.depth[0], depth) and np.array_equal(lib.counts[0], counts)):
            raise AssertionError("the uint32 peer no longer makes the library's draws")


def main() -> dict[str, float]:
    print(load_average())
    funnel = fs.aaarrr()
    check_same_draws(funnel)
    print("the chunked uint32 peer reproduces the library's depths and counts (3 seeds)")
    limits, k, reach = limits_of(funnel), len(funnel), funnel.reach
    rng = np.random.default_rng(2026)
    peers = {
        "uint32, chunked": lambda: peer_uint32_chunked(rng, N, limits, k),
        "uint32, whole array": lambda: peer_uint32_whole(rng, N, limits, k),
        "float64, whole array": lambda: peer_float_whole(rng, N, reach),
    }
    cpu = median_cpu_times(
        {
            "library": lambda: fs.simulate(funnel, N, seed=rng),
            **peers,
            "floor": lambda: rng.random(N),
        },
        41,
    )
    best = min(peers, key=lambda name: cpu[name])
    ratio = cpu["library"] / cpu[best]
    events = median_cpu_times({"events": lambda: fs.simulate(funnel, N, seed=rng, events=True)}, 3)[
        "events"
    ]
    counts = median_cpu_times(
        {"counts": lambda: fs.simulate(funnel, 10**9, seed=rng, mode="counts")}, 101
    )["counts"]
    loop_n = 100_000
    t0 = time.process_time()
    python_loop(funnel, loop_n, rng)
    loop = (time.process_time() - t0) * (N / loop_n)
    mem = peak_memory(10**7)

    out = {
        "library_ms": cpu["library"] * 1e3,
        **{
            f"peer_{name.replace(', ', '_').replace(' ', '_')}_ms": cpu[name] * 1e3
            for name in peers
        },
        "library_over_best_peer": ratio,
        "float_floor_ms": cpu["floor"] * 1e3,
        "events_s_per_million": events,
        "counts_1e9_ms": counts * 1e3,
        "python_loop_over_library": loop / cpu["library"],
        "peak_mb_1e7_buyers": mem,
    }
    rows = [
        ("AAARRR-1M: fs.simulate, buyers mode", f"{cpu['library'] * 1e3:.2f} ms", "CPU, median"),
        *[
            (
                f"AAARRR-1M: numpy peer, {name}",
                f"{cpu[name] * 1e3:.2f} ms",
                "best" if name == best else "",
            )
            for name in peers
        ],
        ("AAARRR-1M: library / best peer", f"{ratio:.2f}", verdict(ratio, 1.2)),
        ("floor: rng.random(10^6)", f"{cpu['floor'] * 1e3:.2f} ms", "the old float64 draw alone"),
        ("simulate, events=True, 10^6", f"{events:.3f} s", "CPU; target <= 0.3 s"),
        ("simulate, counts mode, 10^9", f"{counts * 1e3:.3f} ms", "target <= 5 ms"),
        (
            "plain Python loop (10^5, scaled)",
            f"{loop / N * 1e9:.0f} ns/buyer",
            f"{loop / cpu['library']:.0f} x slower than simulate",
        ),
        ("peak memory, 10^7 buyers", f"{mem:.1f} MB", "target <= 200 MB"),
    ]
    report(rows, "engine", out)
    return out


if __name__ == "__main__":
    main()
