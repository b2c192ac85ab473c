"""Fixtures for the real-browser tests: Debian's Chromium, JupyterLab and Voila on 127.0.0.1.

Every server is started here in its own process group and stopped by its PID
in the fixture's teardown (SIGTERM, which also shuts its kernels down; SIGKILL
to the group if it does not exit). Jupyter's config, runtime, settings and
workspace folders are fresh temporary folders, so nothing on the machine
changes what the test sees, and nothing the test does leaks out.

Chromium: ``/usr/bin/chromium`` (``apt-get install chromium``), never a
Playwright browser download. Missing, it is an error in CI (``CI`` set) and a
skip with the install command elsewhere.

Offline: every request the browser makes is recorded through Playwright's
request events (the DevTools protocol underneath); one to a host other than the
loopback is aborted, and the test that caused it fails at teardown with the
list of addresses. The class has no network in the room, so a page that works
here only because a CDN answered would be blank there.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("FUNNELSIM_CHROMIUM", "/usr/bin/chromium"))
#: Screenshots land here (``make clean`` removes it).
OUTPUT = ROOT / "test-output" / "browser"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Exactly the kernel-culling flags of ``make present``: idle kernels go after 10 minutes.
CULLING = [
    "--MappingKernelManager.cull_idle_timeout=600",
    "--MappingKernelManager.cull_interval=60",
]
BIN = Path(sys.executable).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A server process started by a fixture."""

    proc: subprocess.Popen[bytes]
    url: str
    token: str
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _start(cmd: list[str], env: dict[str, str], log: Path, cwd: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _wait_http(proc: subprocess.Popen[bytes], url: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)  # polling a starting server, not a test sleep
    raise RuntimeError(f"server did not answer {url} in {timeout} s:\n{log.read_text()[-3000:]}")


def _wait_port(proc: subprocess.Popen[bytes], port: int, log: Path, timeout: float = 60) -> None:
    """Wait until the server listens (Voila runs the notebook on a page request, so no GET)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)  # polling a starting server, not a test sleep
    tail = log.read_text()[-3000:]
    raise RuntimeError(f"server did not listen on {port} in {timeout} s:\n{tail}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server we started, by its PID; its kernels go with it."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the group led by our server's PID
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    message = (
        f"Chromium not found at {CHROMIUM}; install Debian's package with "
        "`apt-get install chromium` (or `make browser-deps`)"
    )
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser tests: {message}")
    pytest.skip(message)


def jupyter_env(home: Path) -> dict[str, str]:
    """Environment with fresh Jupyter config/runtime/settings/workspace folders under ``home``."""
    env = dict(os.environ)
    for var, sub in (
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTERLAB_SETTINGS_DIR", "settings"),
        ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
        ("IPYTHONDIR", "ipython"),
    ):
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(home / sub)
    # No news, update checks or toasts: the class may be offline, and toasts cover the page.
    notes = home / "settings" / "@jupyterlab" / "apputils-extension"
    notes.mkdir(parents=True, exist_ok=True)
    (notes / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false, "doNotDisturbMode": true}'
    )
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["TQDM_DISABLE"] = "1"
    # The course's own Jupyter data and config, as make lab/present set them.
    env["JUPYTER_PATH"] = str(ROOT / "jupyter")
    env["JUPYTER_CONFIG_PATH"] = str(ROOT / "jupyter" / "config")
    return env


def lab_command(port: int, token: str, root: Path) -> list[str]:
    """JupyterLab on 127.0.0.1 as the browser tests (and the widget benchmark) run it."""
    return [
        str(BIN / "jupyter"),
        "lab",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        "--ServerApp.open_browser=False",
        f"--ServerApp.root_dir={root}",
        "--allow-root",
        "--LabApp.expose_app_in_browser=True",  # lets the test call app.commands
        "--LabApp.news_url=None",
        "--LabApp.extension_manager=readonly",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        *CULLING,
    ]


#: Opens the current notebook's kernel and runs every cell (needs expose_app_in_browser).
RUN_ALL_JS = """async () => {
    const app = window.jupyterapp;
    const panel = app.shell.currentWidget;
    await panel.context.ready;
    await panel.sessionContext.ready;
    await app.commands.execute('notebook:run-all-cells');
}"""
#: True once JupyterLab has opened the notebook panel.
NOTEBOOK_OPEN_JS = (
    "() => { const a = window.jupyterapp; const w = a && a.shell.currentWidget;"
    " return !!(w && w.sessionContext && w.content && w.content.widgets); }"
)


@pytest.fixture(scope="session")
def jupyter_home(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment with fresh Jupyter folders (see :func:`jupyter_env`)."""
    return jupyter_env(tmp_path_factory.mktemp("jupyter-home"))


@pytest.fixture(scope="session")
def notebook_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the notebooks: running them in the browser must not touch the repo's files."""
    root = tmp_path_factory.mktemp("notebooks")
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        shutil.copy(nb, root / nb.name)
    return root


@pytest.fixture(scope="session")
def lab(
    chromium: Path, jupyter_home: dict[str, str], notebook_dir: Path, tmp_path_factory: Any
) -> Iterator[Server]:
    """JupyterLab on 127.0.0.1, a random free port, a random token."""
    port, token = _free_port(), secrets.token_hex(16)
    log = tmp_path_factory.mktemp("lab-log") / "jupyterlab.log"
    cmd = lab_command(port, token, notebook_dir)
    proc = _start(cmd, jupyter_home, log, notebook_dir)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_http(proc, f"{url}/api/status?token={token}", log)
        yield Server(proc, url, token, log)
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def voila(
    chromium: Path, jupyter_home: dict[str, str], notebook_dir: Path, tmp_path_factory: Any
) -> Iterator[Server]:
    """The dashboard served by Voila exactly as ``make present`` does, on a free port."""
    port = _free_port()
    log = tmp_path_factory.mktemp("voila-log") / "voila.log"
    cmd = [
        str(BIN / "voila"),
        "--Voila.ip=127.0.0.1",
        f"--Voila.port={port}",
        "--no-browser",
        "--template=funnelsim",  # as make present: the offline template
        *CULLING,
        str(notebook_dir / "dashboard.ipynb"),
    ]
    proc = _start(cmd, jupyter_home, log, notebook_dir)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_port(proc, port, log)
        yield Server(proc, url, "", log)
    finally:
        _stop(proc)


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
#: Schemes that never leave the machine.
LOCAL_SCHEMES = frozenset({"data", "blob", "about", "file", "chrome", "devtools"})


def is_local(url: str) -> bool:
    """True for a URL that stays on this machine (loopback host, data:, blob:, file: ...)."""
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return (parts.hostname or "") in LOOPBACK_HOSTS


@dataclass
class Traffic:
    """Every URL the browser asked for while a test ran, and those that left the machine."""

    seen: list[str]
    outside: list[str]

    def record(self, request: Any) -> None:
        self.seen.append(request.url)
        if not is_local(request.url):
            self.outside.append(request.url)


@pytest.fixture(scope="session")
def browser_context(chromium: Path, tmp_path_factory: Any) -> Iterator[Any]:
    """A Playwright context on Debian's Chromium with a fresh user-data-dir.

    Requests to any host but the loopback are aborted (so nothing leaves the
    machine even by mistake); the :func:`traffic` fixture records them.
    """
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(chromium),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1500, "height": 1100},
        )
        context.route(lambda url: not is_local(url), lambda route: route.abort())
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def traffic(browser_context: Any) -> Iterator[Traffic]:
    """Records the browser's requests during one test (see :class:`Traffic`)."""
    log = Traffic([], [])
    browser_context.on("request", log.record)
    try:
        yield log
    finally:
        browser_context.remove_listener("request", log.record)


@pytest.fixture
def page(browser_context: Any, traffic: Traffic) -> Iterator[Any]:
    """A fresh page; the test fails if the page asked a host other than the loopback."""
    pg = browser_context.new_page()
    pg.set_default_timeout(60_000)
    try:
        yield pg
    finally:
        pg.close()
    outside = sorted(set(traffic.outside))
    assert not outside, f"the page asked {len(outside)} address(es) off this machine: {outside}"


@pytest.fixture(scope="session")
def screenshots() -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT
