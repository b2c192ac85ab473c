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
  :class:`IPCKernelManager` (with ``--dist loadfile``, so a notebook's cells,
  which share one kernel, stay on one xdist worker);
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
