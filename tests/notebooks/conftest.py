"""The kernel every notebook run on one xdist worker uses (nbval, papermill, exercises).

See :mod:`tests.notebooks.kernels`: starting a kernel that imports funnelsim, pandas
and altair and draws a first chart with vl-convert costs about 3.5 CPU-s, more than
most notebooks' own work, so each worker starts one and empties its namespace before
each run (:func:`~tests.notebooks.kernels.reset_kernel`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.notebooks.kernels import SharedKernelManager, shutdown_worker_kernel, worker_kernel


@pytest.fixture(scope="session")
def kernel() -> Iterator[SharedKernelManager]:
    """This worker's kernel (started in ``notebooks/``), shut down at the end of the session."""
    yield worker_kernel()
    shutdown_worker_kernel()
