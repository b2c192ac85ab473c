"""What a fresh process imports on the way to its first result (issue 10).

The start-up figures themselves are benchmarks (``bench/bench_startup.py``), not
timed tests; these tests guard their causes: the heavy packages a first result must
not pull in. Each case runs in a new interpreter, as a user's kernel or command does.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Packages no first result needs: the plotting and widget stack, and the parts of
#: scipy that the engine, the tables and the command line's summary do without.
HEAVY = (
    "altair",
    "ipywidgets",
    "vl_convert",
    "matplotlib",
    "scipy.stats",
    "scipy.integrate",
    "scipy.optimize",
    "scipy.linalg",
    "scipy.sparse",
)


def _loaded(code: str) -> set[str]:
    """The modules a fresh interpreter has imported after running ``code``."""
    report = "import sys, json; print(json.dumps(sorted(sys.modules)), file=sys.__stderr__)"
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\n{report}"], capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(name for name in HEAVY if name in modules)


def test_the_first_simulation_needs_numpy_only():
    modules = _loaded("import funnelsim as fs\nr = fs.simulate(fs.aaarrr(), 10_000, seed=1)")
    assert {"numpy", "funnelsim.engine"} <= modules
    assert not {"pandas", "scipy", "pyarrow"} & modules


def test_the_first_table_needs_pandas_and_scipy_special_only():
    modules = _loaded(
        "import funnelsim as fs\nr = fs.simulate(fs.aaarrr(), 10_000, seed=1)\nr.table()"
    )
    assert {"pandas", "scipy.special"} <= modules  # the frame, the exact intervals
    assert _heavy(modules) == []


@pytest.mark.parametrize("scenario", ["b2c_referral", "b2b_saas"])
def test_the_command_line_summary_imports_no_plotting_and_no_heavy_scipy(scenario):
    modules = _loaded(
        "import contextlib, io\nfrom funnelsim.cli import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()):\n    main(['simulate', {scenario!r}])"
    )
    assert "funnelsim.scenarios" in modules
    assert _heavy(modules) == []
