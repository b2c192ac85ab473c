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
* by ``test_papermill.py``, which hands :class:`IPCKernelManager` to papermill.
"""

from __future__ import annotations

import os
import sys
import uuid
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
