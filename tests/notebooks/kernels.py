"""Notebook kernels that can start in parallel: IPC sockets instead of TCP ports.

jupyter_client picks a kernel's five TCP ports by binding to port 0, closing the
socket and handing the numbers to the kernel. Two processes doing that at once
(pytest-xdist workers) can be handed the same free port, and one kernel dies with
'Address already in use'. With ``transport="ipc"`` the channels are Unix domain
sockets named after each kernel's own connection file (a fresh UUID), so no two
kernels can collide and no port is involved (jupyter_client's documented
``KernelManager.transport`` setting).

Used two ways (``make notebooks``):

* as a pytest plugin (``-p tests.notebooks.kernels``): nbval's kernels use
  :class:`IPCKernelManager`, and the xdist scheduler sends all of a
  notebook's nbval cells (which share one kernel) to one worker, while every
  papermill and exercise run is a unit of its own (:class:`NotebookScheduling`);
* by ``conftest.py``: one :class:`SharedKernelManager` per worker runs every
  papermill case and every exercise notebook, its namespace cleared before each
  (:func:`reset_kernel`), so the ~3 CPU-s of starting a kernel, importing
  funnelsim, pandas and altair and starting vl-convert are paid once per worker.
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.manager import KernelManager
from jupyter_core.paths import jupyter_runtime_dir


class IPCKernelManager(KernelManager):
    """A :class:`jupyter_client.KernelManager` whose channels are Unix sockets."""

    def __init__(self, **kwargs: Any) -> None:
        if sys.platform != "win32":  # Windows has no IPC transport; ports there
            kwargs.setdefault("transport", "ipc")
            # An absolute, unique socket prefix: the default ("kernel-ipc") is relative, and
            # the kernel runs in the notebook's folder while the client stays in ours.
            runtime = jupyter_runtime_dir()
            os.makedirs(runtime, exist_ok=True)
            kwargs.setdefault("ip", os.path.join(runtime, f"kernel-{uuid.uuid4().hex}-ipc"))
        super().__init__(**kwargs)


class SharedKernelManager(IPCKernelManager):
    """An :class:`IPCKernelManager` that remembers the clients it hands out.

    nbclient leaves the kernel and its client running when it is handed the
    manager (``km=``); :meth:`close_clients` closes those clients after each run.
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


def reset_kernel(km: SharedKernelManager, cwd: Path, env: dict[str, str] | None = None) -> None:
    """Make ``km``'s kernel as a fresh one for the next notebook: an empty namespace.

    Restarts the kernel if it died; otherwise runs IPython's ``%reset -f`` (every
    user variable, imported name and output history goes), changes the kernel's
    working directory to ``cwd`` and sets ``env`` in its ``os.environ``. Only
    imported modules (and their state) carry over.
    """
    km.close_clients()
    if not km.is_alive():
        km.restart_kernel(now=True)
    code = f"%reset -f\nimport os as _os\n_os.chdir({str(cwd)!r})\n"
    code += "".join(f"_os.environ[{k!r}] = {v!r}\n" for k, v in (env or {}).items())
    code += "del _os\n"
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        reply = kc.execute_interactive(code, silent=True, timeout=60)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"resetting the shared kernel failed: {reply['content']}")
    finally:
        km.close_clients()


def pytest_configure(config: pytest.Config) -> None:
    import nbval.kernel

    nbval.kernel.KernelManager = IPCKernelManager  # type: ignore[misc]


def _notebook_scheduling() -> type:
    from xdist.scheduler import LoadScopeScheduling

    class NotebookScheduling(LoadScopeScheduling):  # type: ignore[misc]
        """xdist's scope scheduling with one scope per notebook, and little prefetching.

        A work unit is a notebook's nbval cells (``notebooks/x.ipynb::Cell 3``) or
        a single test otherwise. Units go out largest first (xdist's
        ``loadscopereorder``), and a worker gets its next unit only when it is on
        the last test of its current one (xdist's own rule waits for two), so the
        run ends with both workers busy instead of one holding queued notebooks.
        (xdist's ``--dist loadgroup`` would group by an ``xdist_group`` mark, but
        under pytest 9 it cannot rename the node ids it groups by: it groups nothing.)
        """

        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return path if path.endswith(".ipynb") else nodeid

        def _reschedule(self, node: Any) -> None:
            if node.shutting_down:
                return
            if not self.workqueue:
                node.shutdown()
                return
            # A worker runs a test only once it knows the next one (or is told to stop),
            # so one pending test means "working on its last": time for the next unit.
            if self._pending_of(self.assigned_work[node]) <= 1:
                self._assign_work_unit(node)

    return NotebookScheduling


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Schedule notebook runs with :class:`NotebookScheduling` (default ``--dist load``)."""
    if config.getoption("dist") != "load":
        return None  # an explicit --dist choice wins
    return _notebook_scheduling()(config, log)
