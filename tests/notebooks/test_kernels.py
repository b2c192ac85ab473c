"""The shared kernel of a worker looks fresh to every notebook (``kernels.py``)."""

from __future__ import annotations

import time
from pathlib import Path

from tests.notebooks.kernels import SharedKernelManager, reset_kernel


def _evaluate(km: SharedKernelManager, code: str, expression: str) -> str:
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        reply = kc.execute_interactive(
            code, user_expressions={"value": expression}, silent=True, timeout=60
        )
    finally:
        km.close_clients()
    value = reply["content"]["user_expressions"]["value"]
    assert value["status"] == "ok", value
    return str(value["data"]["text/plain"])


def test_a_reset_kernel_forgets_names_and_moves_to_the_next_folder(
    kernel: SharedKernelManager, tmp_path: Path
):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    reset_kernel(kernel, first, {"FUNNELSIM_TEST_MARK": "a"})
    seen = "' '.join(str(v) for v in ('x' in globals(), 'np' in globals(), "
    seen += "__import__('os').getcwd(), __import__('os').environ['FUNNELSIM_TEST_MARK']))"
    assert _evaluate(kernel, "import numpy as np\nx = 1", seen) == repr(f"True True {first} a")
    reset_kernel(kernel, second, {"FUNNELSIM_TEST_MARK": "b"})
    assert _evaluate(kernel, "", seen) == repr(f"False False {second} b")


def test_a_kernel_a_notebook_killed_is_restarted_by_the_reset(tmp_path: Path):
    # A kernel of its own (a bare one starts in ~0.8 CPU-s): the worker's keeps its imports.
    kernel = SharedKernelManager(kernel_name="python3")
    kernel.start_kernel(cwd=str(tmp_path))
    kc = kernel.client()
    kc.start_channels()
    kc.execute("import os; os._exit(1)")
    deadline = time.monotonic() + 30
    while kernel.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    kernel.close_clients()
    assert not kernel.is_alive()
    try:
        reset_kernel(kernel, tmp_path)
        assert kernel.is_alive()
        assert _evaluate(kernel, "", "__import__('os').getcwd()") == repr(str(tmp_path))
    finally:
        kernel.shutdown_kernel(now=True)
