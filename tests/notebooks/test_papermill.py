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
costs about 3 CPU-s before a lesson's first chart is drawn, more than a lesson's
own work. So every case on an xdist worker runs in that worker's one kernel
(:func:`kernel`, started in ``notebooks/`` as papermill would), and before each
case :func:`fresh_kernel` clears the kernel's namespace (IPython's ``%reset -f``:
every variable, imported name and output history goes), restarting the kernel if
a case killed it. A case therefore still fails on a name it never defined or a
module it never imported in its own cells; only the imported modules themselves
(and module state such as the renderer that ``charts.setup()`` enabled) carry
over, and the committed run that nbval checks starts from a fresh kernel and
proves those for every notebook.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import papermill as pm
import pytest

from tests.notebooks.kernels import IPCKernelManager

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SETS = tomllib.loads((ROOT / "notebooks" / "papermill.toml").read_text())


class SharedKernelManager(IPCKernelManager):
    """An :class:`IPCKernelManager` that remembers the clients it hands out.

    nbclient leaves the kernel and its client running when it was handed the
    manager (``km=``); :meth:`close_clients` closes those clients after each case.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clients: list[Any] = []

    def client(self, **kwargs: Any) -> Any:
        kc = super().client(**kwargs)
        self.clients.append(kc)
        return kc

    def close_clients(self) -> None:
        while self.clients:
            self.clients.pop().stop_channels()


@pytest.fixture(scope="session")
def kernel() -> Iterator[SharedKernelManager]:
    """This worker's kernel for every papermill case, started in ``notebooks/``."""
    km = SharedKernelManager(kernel_name="python3")
    km.start_kernel(cwd=str(ROOT / "notebooks"))
    yield km
    km.close_clients()
    km.shutdown_kernel(now=True)


@pytest.fixture
def fresh_kernel(kernel: SharedKernelManager) -> Iterator[SharedKernelManager]:
    """The worker's kernel with an empty namespace (restarted if a case killed it)."""
    if not kernel.is_alive():
        kernel.restart_kernel(now=True)
    kc = kernel.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        reply = kc.execute_interactive("%reset -f", silent=True, timeout=60)
        assert reply["content"]["status"] == "ok", f"%reset -f failed: {reply['content']}"
    finally:
        kernel.close_clients()
    yield kernel
    kernel.close_clients()


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
    nb: Path, name: str, params: dict, tmp_path: Path, fresh_kernel: SharedKernelManager
):
    declared = pm.inspect_notebook(str(nb))
    typos = set(params) - set(declared)
    assert not typos, (
        f"{nb.name} [{name}]: no such parameter(s) {sorted(typos)}; has {sorted(declared)}"
    )
    pm.execute_notebook(
        str(nb),
        str(tmp_path / nb.name),
        parameters=params,
        kernel_name="python3",
        km=fresh_kernel,  # this worker's kernel, namespace cleared; Unix sockets, no TCP ports
        cwd=str(nb.parent),
        progress_bar=False,
        execution_timeout=300,
    )
