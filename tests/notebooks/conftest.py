"""The kernel every papermill case and exercise notebook on one xdist worker runs in.

See :class:`tests.notebooks.kernels.SharedKernelManager`: starting a kernel that
imports funnelsim, pandas and altair and draws a first chart with vl-convert costs
about 3 CPU-s, more than most notebooks' own work, so each worker starts one and
clears its namespace before each run (:func:`~tests.notebooks.kernels.reset_kernel`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.notebooks.kernels import SharedKernelManager

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def kernel() -> Iterator[SharedKernelManager]:
    """This worker's kernel (started in ``notebooks/``), shut down at the end of the session."""
    km = SharedKernelManager(kernel_name="python3")
    km.start_kernel(cwd=str(ROOT / "notebooks"))
    yield km
    km.close_clients()
    km.shutdown_kernel(now=True)
