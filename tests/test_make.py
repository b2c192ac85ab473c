"""The README's commands, for real: `make help` and `make lab` serving the start page.

`make lab` is started as a user would start it (with extra arguments only to pick
a free port, skip opening a browser and know the token), then asked over HTTP for
the start notebook; the whole process group is stopped afterwards.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_make_help_lists_the_two_commands():
    out = subprocess.run(["make", "help"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "make lab" in out.stdout and "make test" in out.stdout


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, ""


def test_make_lab_serves_the_start_page_on_loopback_with_a_token(tmp_path: Path):
    port, token = free_port(), secrets.token_hex(16)
    args = f"--port={port} --no-browser --IdentityProvider.token={token}"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        ["make", "lab", f"LAB_ARGS={args}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        status = 0
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status, _ = get(f"{base}/api/status?token={token}")
                if status == 200:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        assert status == 200, (
            f"JupyterLab did not answer: {proc.stderr.read() if proc.poll() else ''}"
        )
        # the token is required ...
        assert get(f"{base}/api/contents/notebooks/00_start_here.ipynb")[0] == 403
        # ... and with it the start page is there, and the lab UI is served
        code, body = get(f"{base}/api/contents/notebooks/00_start_here.ipynb?token={token}")
        assert code == 200 and "Start here: how this course works" in body
        assert get(f"{base}/lab/tree/notebooks/00_start_here.ipynb?token={token}")[0] == 200
        # the landing page is the start notebook
        with urllib.request.urlopen(f"{base}/?token={token}", timeout=5) as r:
            assert r.url.split("?")[0].endswith("/lab/tree/notebooks/00_start_here.ipynb")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
