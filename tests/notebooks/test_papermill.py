"""Gate 2 for the notebooks: papermill runs each one under other parameter sets.

nbval (``make nbval``) re-executes the committed notebooks with their committed
parameters and compares outputs. This module runs each notebook again with the
parameter sets listed in ``notebooks/papermill.toml`` (small and edge cases), so
a lesson cannot silently depend on its default seed or sizes. A notebook not
listed there runs with the ``[default]`` sets.

It also checks that every overridden parameter exists in the notebook's
``parameters`` cell (a typo would otherwise be injected as a new, unused
variable). The static rules of the course (one parameters cell, committed
executed without errors, the shape of a lesson) are in
``tests/test_course_rules.py``, which reads files only and runs in ``make unit``.

``make notebooks`` runs this folder and nbval on two xdist workers; the kernels
talk over Unix sockets (``kernels.py``), so they can start in parallel.
``make unit`` leaves this folder out: nothing runs twice.

One kernel per worker
---------------------
A kernel that imports funnelsim, pandas, altair and starts vl-convert's renderer
costs about 3.5 CPU-s before a lesson's first chart is drawn, more than a lesson's
own work. So every case on an xdist worker runs in that worker's one kernel
(the ``kernel`` fixture of ``conftest.py``, shared with nbval and the exercise runs),
and before each case :func:`~tests.notebooks.kernels.reset_kernel` clears the kernel's
namespace (IPython's ``%reset -f``: every variable, imported name and output history
goes) and moves it to ``notebooks/`` as papermill would, restarting the kernel if a
case killed it. A case therefore still fails on a name it never defined or a
module it never imported in its own cells; only the imported modules themselves
(and module state such as the renderer that ``charts.setup()`` enabled) carry
over. The committed outputs nbval compares against were made in a fresh kernel
(``jupyter nbconvert --execute``), so a notebook that leant on another's module
state would show different outputs there.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import papermill as pm
import pytest

from tests.notebooks.kernels import SharedKernelManager, reset_kernel

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SETS = tomllib.loads((ROOT / "notebooks" / "papermill.toml").read_text())


def parameter_sets(nb: Path) -> dict[str, dict[str, object]]:
    return SETS.get(nb.name, SETS["default"])


CASES = [
    pytest.param(nb, name, params, id=f"{nb.stem}-{name}")
    for nb in NOTEBOOKS
    for name, params in parameter_sets(nb).items()
]


def test_there_are_notebooks_and_every_one_is_listed_or_defaulted():
    assert NOTEBOOKS, "no notebooks found"
    unknown = set(SETS) - {nb.name for nb in NOTEBOOKS} - {"default"}
    assert not unknown, f"papermill.toml lists notebooks that do not exist: {sorted(unknown)}"


@pytest.mark.parametrize(("nb", "name", "params"), CASES)
def test_notebook_runs_with_parameters(
    nb: Path, name: str, params: dict, tmp_path: Path, kernel: SharedKernelManager
):
    declared = pm.inspect_notebook(str(nb))
    typos = set(params) - set(declared)
    assert not typos, (
        f"{nb.name} [{name}]: no such parameter(s) {sorted(typos)}; has {sorted(declared)}"
    )
    reset_kernel(kernel, nb.parent)  # a fresh namespace in this worker's kernel
    pm.execute_notebook(
        str(nb),
        str(tmp_path / nb.name),
        parameters=params,
        kernel_name="python3",
        km=kernel,  # Unix sockets: no TCP ports to race for
        cwd=str(nb.parent),
        progress_bar=False,
        execution_timeout=300,
    )
