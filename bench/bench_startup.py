"""Benchmark fresh-process start-up (issue 10): what a user waits for before the first result.

Run with ``make bench`` or ``.venv/bin/python bench/bench_startup.py``. Each case
runs in a new interpreter (``subprocess``), several times; the figure is the
median wall time of the whole process, from exec to exit, next to the median
CPU time (user + system) of the same runs, which a busy shared machine inflates
far less than wall time. The load average at the time is printed too.

* ``import funnelsim``                                          (no target; nothing heavy)
* the first ``fs.simulate`` result (AAARRR, 10⁴ buyers)        (target ≤ 0.3 s)
* the first ``table()`` of that result                         (target ≤ 0.6 s)
* ``funnelsim --help``                                         (target ≤ 1 s)
* ``funnelsim simulate b2c_referral`` (a shipped scenario)     (target ≤ 1 s)
* a bare ``python -c pass``, the floor every process pays
* ``import pandas`` alone, the floor of any ``table()`` (it returns a DataFrame),
  and ``import pandas, scipy.special``, the floor of a table with exact
  (Clopper–Pearson) intervals, whose inverse incomplete beta function only
  scipy.special has; the first ``table()`` is printed as a ratio to both, the
  command line's ``simulate`` (its scenario run needs both) to the second

and, for the record, how many modules each case leaves loaded. The cases run
round-robin (one run of each per round), so the ratios to the floors are fair on a
busy machine.

Why the first ``table()`` misses 0.6 s when it does (measured, numpy 2.4, pandas 3.1,
scipy 1.17): ``import pandas`` alone is 0.5–0.65 s on this machine (it imports
pyarrow and pyarrow.compute), and ``scipy.special`` adds about 0.25 s, most of it
its array-API layer cloning the numpy namespace, which imports numpy.testing and
numpy.f2py. funnelsim's own share is the difference to the second floor. The
same two floors are most of ``funnelsim simulate b2c_referral``: it imports 52
modules beyond them (funnelsim's own, tomlkit) and runs the scenario.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import report  # bench/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 9
COUNT = "import sys; print(len(sys.modules), file=sys.stderr)"
FIRST_SIM = "import funnelsim as fs; r = fs.simulate(fs.aaarrr(), 10_000, seed=1)"
CASES: dict[str, tuple[list[str], float | None]] = {
    "python -c pass (floor)": (["-c", f"pass; {COUNT}"], None),
    "import pandas (floor of table())": (["-c", f"import pandas; {COUNT}"], None),
    "import pandas, scipy.special (floor)": (
        ["-c", f"import pandas, scipy.special; {COUNT}"],
        None,
    ),
    "import funnelsim": (["-c", f"import funnelsim; {COUNT}"], None),
    "first fs.simulate result": (["-c", f"{FIRST_SIM}; {COUNT}"], 0.3),
    "first table()": (["-c", f"{FIRST_SIM}; r.table(); {COUNT}"], 0.6),
    "funnelsim --help": (["-c", f"from funnelsim.cli import main; {COUNT}; main(['--help'])"], 1.0),
    "funnelsim simulate b2c_referral": (
        [
            "-c",
            "import sys, atexit; "
            "atexit.register(lambda: print(len(sys.modules), file=sys.stderr)); "
            "from funnelsim.cli import main; sys.exit(main(['simulate', 'b2c_referral']))",
        ],
        1.0,
    ),
}


def run(args: list[str]) -> tuple[float, float, int]:
    """Wall and CPU seconds of one fresh interpreter running ``args``, and its module count."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, check=False, env=env
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode not in (0,):
        raise RuntimeError(f"{args} failed: {out.stderr[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, int(out.stderr.split()[-1])


def main() -> dict[str, float]:
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs")
    figures: dict[str, float] = {"load_1min": load[0]}
    rows = []
    for args, _ in CASES.values():
        run(args)  # warm the file cache
    # Round-robin: each round runs every case once, so a change in the machine's load
    # during the benchmark touches every case alike and the ratios to the floors hold.
    samples: dict[str, list[tuple[float, float, int]]] = {name: [] for name in CASES}
    for _ in range(REPEATS):
        for name, (args, _) in CASES.items():
            samples[name].append(run(args))
    for name, (_, target) in CASES.items():
        runs = samples[name]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        modules = runs[-1][2]
        key = name.split(" (")[0].replace(" ", "_").replace("-", "").replace("()", "")
        figures |= {f"{key}_wall_s": wall, f"{key}_cpu_s": cpu, f"{key}_modules": modules}
        verdict = ""
        if target is not None:
            verdict = f"target <= {target:g} s: {'met' if wall <= target else 'NOT met'}"
            if wall > target >= cpu:
                verdict += " (CPU time meets it: the machine is busy)"
        if name in ("first table()", "funnelsim simulate b2c_referral"):
            floors = (
                ("import_pandas", "pandas"),
                ("import_pandas,_scipy.special", "pandas, scipy.special"),
            )
            for floor, label in floors[name != "first table()" :]:
                ratio = wall / figures[f"{floor}_wall_s"]
                ratio_cpu = cpu / figures[f"{floor}_cpu_s"]
                figures[f"{key}_over_{floor}"] = ratio
                figures[f"{key}_over_{floor}_cpu"] = ratio_cpu
                verdict += f"; {ratio:.2f} x import {label} ({ratio_cpu:.2f} x in CPU)"
        rows.append((name, f"{wall:.3f} s wall, {cpu:.3f} s CPU, {modules} modules", verdict))
    report(rows, "startup", figures)
    return figures


if __name__ == "__main__":
    main()
