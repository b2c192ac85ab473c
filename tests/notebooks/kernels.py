"""Notebook kernels: Unix sockets instead of TCP ports, and one warm kernel per worker.

jupyter_client picks a kernel's five TCP ports by binding to port 0, closing the
socket and handing the numbers to the kernel. Two processes doing that at once
(pytest-xdist workers) can be handed the same free port, and one kernel dies with
'Address already in use'. With ``transport="ipc"`` the channels are Unix domain
sockets named after each kernel's own connection file (a fresh UUID), so no two
kernels can collide and no port is involved (jupyter_client's documented
``KernelManager.transport`` setting).

Starting a kernel, importing funnelsim, pandas and altair and drawing a first chart
with vl-convert costs about 3.5 CPU-s (0.8 s the kernel, 1.5 s the imports, 1.1 s
the first chart), more than most notebooks' own work. So every notebook run on an
xdist worker (nbval, papermill, exercises) happens in that worker's one kernel
(:func:`worker_kernel`), its namespace emptied before each notebook
(:func:`reset_kernel`: IPython's ``%reset -f``, the notebook's folder as working
directory). A notebook therefore still fails on a name it never defined or a module
it never imported in its own cells; only imported modules and their state (such as
the renderer ``charts.setup()`` enabled) carry over. Every committed notebook was
executed in a fresh kernel (``jupyter nbconvert --execute``), and nbval compares
against those outputs, so a notebook that leant on another's module state would
show different outputs, not pass silently.

Used as a pytest plugin (``-p tests.notebooks.kernels``, ``make notebooks``):

* nbval's kernel for a notebook is :class:`WarmKernel`, this worker's kernel
  reset, instead of a new process (``nbval.plugin.RunningKernel`` is swapped);
* the xdist scheduler sends all of a notebook's nbval cells (which share one
  kernel) to one worker, while every papermill and exercise run is a unit of its
  own (:class:`NotebookScheduling`);
* ``conftest.py``'s ``kernel`` fixture hands the same kernel to the papermill cases
  and the exercise runs.
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

ROOT = Path(__file__).resolve().parents[2]


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

    Closes the clients of earlier runs, then the grader's own reset
    (:func:`funnelsim.exercises.notebook.reset_kernel`): a restart if the kernel
    died, otherwise ``%reset -f``, ``cwd`` as working directory and ``env`` set.
    """
    from funnelsim.exercises.notebook import reset_kernel as reset

    km.close_clients()
    reset(km, cwd, env)
    km.close_clients()


_WORKER: SharedKernelManager | None = None


def worker_kernel() -> SharedKernelManager:
    """This worker's kernel (started in ``notebooks/`` on first use), restarted if it died."""
    global _WORKER
    if _WORKER is None:
        km = SharedKernelManager(kernel_name="python3")
        km.start_kernel(cwd=str(ROOT / "notebooks"))
        _WORKER = km
    return _WORKER


def shutdown_worker_kernel() -> None:
    """Shut this worker's kernel down (if one was started)."""
    global _WORKER
    if _WORKER is not None:
        km, _WORKER = _WORKER, None
        km.close_clients()
        km.shutdown_kernel(now=True)


def _warm_kernel_class() -> type:
    from nbval.kernel import CURRENT_ENV_KERNEL_NAME, RunningKernel

    class WarmKernel(RunningKernel):  # type: ignore[misc]
        """nbval's kernel for one notebook: this worker's kernel, its namespace emptied.

        nbval starts a :class:`~nbval.kernel.RunningKernel` per notebook and stops it
        after the notebook's last cell. This one takes :func:`worker_kernel` reset to
        the notebook's folder, talks to it through a client of its own, and on
        :meth:`stop` closes only that client: the kernel stays for the next notebook.
        A notebook whose cell timed out (nbval stops the kernel then) restarts it. A
        notebook that asks for another kernel than this environment's Python gets
        nbval's own fresh one.
        """

        def __init__(self, kernel_name: str, cwd: str | None = None, startup_timeout=60):
            if kernel_name not in (CURRENT_ENV_KERNEL_NAME, "python3"):
                super().__init__(kernel_name, cwd=cwd, startup_timeout=startup_timeout)
                return
            km = worker_kernel()
            reset_kernel(km, Path(cwd or ROOT / "notebooks"))
            self.km, self.kc = km, km.client()
            self.kc.start_channels()
            self.kc.wait_for_ready(timeout=startup_timeout)
            self._ensure_iopub_up()

        def stop(self) -> None:
            if self.km is not _WORKER:
                super().stop()
                return
            self.kc.stop_channels()
            self.km.clients.remove(self.kc)
            # nbval stops a kernel mid-notebook only when a cell timed out: it may
            # still be running that cell, so the next notebook gets a new process.
            if getattr(self, "timed_out", False):
                self.km.restart_kernel(now=True)
            del self.km

        def interrupt(self) -> None:
            self.timed_out = True
            super().interrupt()

    return WarmKernel


def pytest_configure(config: pytest.Config) -> None:
    import nbval.kernel
    import nbval.plugin

    nbval.kernel.KernelManager = IPCKernelManager  # type: ignore[misc]
    nbval.plugin.RunningKernel = _warm_kernel_class()  # type: ignore[misc]


def pytest_sessionfinish(session: pytest.Session) -> None:
    shutdown_worker_kernel()


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
