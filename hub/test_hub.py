"""Smoke test of the class hub (``hub/jupyterhub_config.py``), all on 127.0.0.1 (``make hub``).

JupyterHub starts in trial mode (DummyAuthenticator, SimpleLocalProcessSpawner, the npm
configurable-http-proxy) on free loopback ports with its state in a temporary folder. Two
students log in through the hub's login form, start their servers through the REST API, open
their own copy of the course (the page the hub lands them on, and the notebook through the
contents API) and run ``notebooks/00_start_here.ipynb`` cell by cell on a kernel of their own
server, over the Jupyter kernel websocket protocol, both at once. Every cell must finish with
status ``ok``. Then the servers and the hub are stopped by PID. It takes ~30-60 s.

It lives in ``hub/`` (not ``tests/``) so the unit suite does not start a hub; run it with
``python -m pytest -p no:cacheprovider -m hub hub``.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
import websocket

pytestmark = pytest.mark.hub

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PROXY = ROOT / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"
USERS = ("alice", "bob")
PASSWORD = "funnelsim-trial"
START_PAGE = "notebooks/00_start_here.ipynb"


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass
class Hub:
    url: str
    admin_token: str
    state: Path
    log: Path

    def api(self, method: str, path: str, token: str, **kw: object) -> requests.Response:
        headers = {"Authorization": f"token {token}"}
        return requests.request(
            method, f"{self.url}/hub/api{path}", headers=headers, timeout=30, **kw
        )  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    if not PROXY.exists():  # pinned in hub/package-lock.json, integrity-checked
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(PROXY.parents[2])], check=True
        )
    state = tmp_path_factory.mktemp("hub")
    port, api_port, proxy_port = _free_ports(3)
    token = secrets.token_hex(32)
    env = dict(os.environ)
    env.update(
        FUNNELSIM_HUB_MODE="trial",
        FUNNELSIM_HUB_IP="127.0.0.1",
        FUNNELSIM_HUB_PORT=str(port),
        FUNNELSIM_HUB_API_PORT=str(api_port),
        FUNNELSIM_HUB_PROXY_PORT=str(proxy_port),
        FUNNELSIM_HUB_DIR=str(state),
        FUNNELSIM_HUB_USERS=",".join(USERS),
        FUNNELSIM_HUB_PASSWORD=PASSWORD,
        FUNNELSIM_HUB_ADMIN_TOKEN=token,
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        TQDM_DISABLE="1",
        JUPYTER_CONFIG_DIR=str(state / "jupyter-config"),
    )
    log = state / "jupyterhub.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(BIN / "jupyterhub"), "-f", str(ROOT / "hub" / "jupyterhub_config.py")],
            cwd=state,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"hub exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if requests.get(f"{url}/hub/api/", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"hub did not answer in 60 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)  # polling a starting server, not a test sleep
        yield Hub(url, token, state, log)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)  # the hub stops its proxy and the users' servers
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def login(hub: Hub, user: str) -> requests.Session:
    """Log in through the hub's HTML login form, as a student's browser does."""
    session = requests.Session()
    session.get(f"{hub.url}/hub/login", timeout=30).raise_for_status()
    xsrf = session.cookies.get("_xsrf")
    answer = session.post(
        f"{hub.url}/hub/login",
        data={"username": user, "password": PASSWORD, "_xsrf": xsrf},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, (user, answer.status_code, answer.text[-500:])
    return session


def run_notebook(hub: Hub, user: str, token: str, path: str) -> list[str]:
    """Run every code cell of ``path`` on a new kernel of ``user``'s server; return the errors."""
    base = f"{hub.url}/user/{user}"
    headers = {"Authorization": f"token {token}"}
    nb = requests.get(f"{base}/api/contents/{path}", headers=headers, timeout=30)
    nb.raise_for_status()
    cells = [c for c in nb.json()["content"]["cells"] if c["cell_type"] == "code"]
    name = path.rsplit("/", 1)[1]
    body = {"path": path, "name": name, "type": "notebook", "kernel": {"name": "python3"}}
    created = requests.post(f"{base}/api/sessions", headers=headers, json=body, timeout=60)
    created.raise_for_status()
    kernel = created.json()["kernel"]["id"]
    session_id = uuid.uuid4().hex
    ws_url = f"ws://127.0.0.1:{hub.url.rsplit(':', 1)[1]}/user/{user}/api/kernels/{kernel}/channels"
    conn = websocket.create_connection(
        f"{ws_url}?session_id={session_id}", header=[f"Authorization: token {token}"], timeout=120
    )
    errors: list[str] = []
    try:
        for i, cell in enumerate(cells):
            msg_id = uuid.uuid4().hex
            conn.send(
                json.dumps(
                    {
                        "header": {
                            "msg_id": msg_id,
                            "username": user,
                            "session": session_id,
                            "msg_type": "execute_request",
                            "version": "5.3",
                            "date": datetime.now(UTC).isoformat(),
                        },
                        "parent_header": {},
                        "metadata": {},
                        "content": {
                            "code": cell["source"],
                            "silent": False,
                            "store_history": True,
                            "user_expressions": {},
                            "allow_stdin": False,
                            "stop_on_error": True,
                        },
                        "channel": "shell",
                        "buffers": [],
                    }
                )
            )
            while True:
                reply = json.loads(conn.recv())
                if reply.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                if reply["msg_type"] == "execute_reply":
                    content = reply["content"]
                    if content["status"] != "ok":
                        errors.append(f"cell {i}: {content.get('ename')}: {content.get('evalue')}")
                    break
            if errors:
                break
    finally:
        conn.close()
        requests.delete(f"{base}/api/kernels/{kernel}", headers=headers, timeout=30)
    return errors


def test_two_students_open_the_course_and_run_the_start_page(hub: Hub) -> None:
    t0 = time.monotonic()
    sessions = {user: login(hub, user) for user in USERS}
    tokens: dict[str, str] = {}
    for user in USERS:
        made = hub.api("POST", f"/users/{user}/tokens", hub.admin_token, json={"expires_in": 600})
        assert made.status_code == 201, made.text
        tokens[user] = made.json()["token"]
        started = hub.api("POST", f"/users/{user}/server", tokens[user])
        assert started.status_code in {201, 202}, started.text
    deadline = time.monotonic() + 90
    for user in USERS:
        while (
            not hub.api("GET", f"/users/{user}", tokens[user])
            .json()["servers"]
            .get("", {})
            .get("ready")
        ):
            assert time.monotonic() < deadline, (
                f"{user}'s server not ready:\n{hub.log.read_text()[-3000:]}"
            )
            time.sleep(0.5)  # polling a starting server, not a test sleep
    t_ready = time.monotonic()
    for user, session in sessions.items():
        # The hub lands the student on the course's first page, in their own copy of it.
        landing = session.get(f"{hub.url}/hub/", timeout=60)
        assert landing.status_code == 200 and f"/user/{user}/lab" in landing.url, landing.url
        assert (hub.state / "homes" / user / START_PAGE).is_file()
    results: dict[str, list[str]] = {}

    def run(user: str) -> None:
        try:
            results[user] = run_notebook(hub, user, tokens[user], START_PAGE)
        except Exception as exc:  # reported below with the user's name
            results[user] = [repr(exc)]

    threads = [threading.Thread(target=run, args=(user,)) for user in USERS]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    t_run = time.monotonic()
    ready, ran = t_ready - t0, t_run - t_ready
    print(f"hub smoke: servers ready in {ready:.1f} s, start page run in {ran:.1f} s")
    assert results == {user: [] for user in USERS}, results
    for user in USERS:
        stopped = hub.api("DELETE", f"/users/{user}/server", hub.admin_token)
        assert stopped.status_code in {202, 204}, stopped.text
