"""JupyterHub for a class taking the funnelsim course — one server, every student a JupyterLab.

Run: ``jupyterhub -f hub/jupyterhub_config.py`` from the repository root (after
``npm ci --prefix hub`` for the proxy; ``make hub`` checks the whole setup on this machine).

What this file sets, and why
----------------------------
* Every student gets their own JupyterLab with their own copy of the course: before a server
  starts, ``notebooks/`` is copied into the student's home if it is not there yet (it is never
  overwritten, so their work survives restarts), and the server opens on the course map (or the
  start page while there is no course map).
* The hub, its proxy and every student server listen on ``FUNNELSIM_HUB_IP`` (127.0.0.1 by
  default: reach it through an SSH tunnel or put a TLS-terminating web server such as nginx or
  Caddy in front, see JupyterHub's "Using a reverse proxy" docs). Idle servers are not culled
  here; for a class add the ``jupyterhub-idle-culler`` service.
* Kernels are capped by the course's own needs (every lesson runs in well under 1 GB).

Two modes, chosen by ``FUNNELSIM_HUB_MODE``
-------------------------------------------
``trial`` (the default; what ``make hub`` smoke-tests)
    ``jupyterhub.auth.DummyAuthenticator`` (any name in ``FUNNELSIM_HUB_USERS``, the shared
    password ``FUNNELSIM_HUB_PASSWORD``) and ``jupyterhub.spawner.SimpleLocalProcessSpawner``
    (every student's server runs as the user running the hub, in
    ``FUNNELSIM_HUB_DIR/homes/<name>``). **Not isolated: for trying the setup, never for a class.**
``class``
    Real accounts and isolation: ``PAMAuthenticator`` (the server's Unix accounts; the hub runs
    as root) with ``LocalProcessSpawner`` (each server runs as its student's Unix user). For a
    class that logs in with a university or GitHub account instead, install ``oauthenticator``
    and set ``c.JupyterHub.authenticator_class = "github"`` (or ``"generic-oauth"``) with its
    client id and secret; for containers per student, ``dockerspawner`` or ``systemdspawner``
    (memory and CPU limits enforced) replace the spawner — both are one line below.

A larger class (more than one machine can hold, ~50+ students, each kernel needs ~300 MB) uses
Zero to JupyterHub on Kubernetes (https://z2jh.jupyter.org): a Kubernetes cluster, Helm, an image
with the course (build it with repo2docker from this repository: ``binder/`` holds the files it
reads), a ``config.yaml`` with the authenticator above, ``singleuser.memory.limit`` and
``singleuser.cpu.limit``, and persistent storage per student (``singleuser.storage``); the
idle culler is on by default there.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

c = get_config()  # type: ignore[name-defined]  # noqa: F821  (provided by JupyterHub)

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "notebooks"
BIN = Path(sys.executable).parent
MODE = os.environ.get("FUNNELSIM_HUB_MODE", "trial")
if MODE not in {"trial", "class"}:
    raise ValueError(f"FUNNELSIM_HUB_MODE must be 'trial' or 'class', got {MODE!r}")
IP = os.environ.get("FUNNELSIM_HUB_IP", "127.0.0.1")
PORT = int(os.environ.get("FUNNELSIM_HUB_PORT", "8000"))
STATE = Path(os.environ.get("FUNNELSIM_HUB_DIR", ROOT / "hub" / "state")).resolve()
STATE.mkdir(parents=True, exist_ok=True)

# --- network: the public proxy, the hub's own API and the proxy's API, all on IP -----------------
c.JupyterHub.bind_url = f"http://{IP}:{PORT}"
c.JupyterHub.hub_ip = IP
c.JupyterHub.hub_port = int(os.environ.get("FUNNELSIM_HUB_API_PORT", PORT + 1))
PROXY_API_PORT = int(os.environ.get("FUNNELSIM_HUB_PROXY_PORT", PORT + 2))
c.ConfigurableHTTPProxy.api_url = f"http://{IP}:{PROXY_API_PORT}"
PROXY = ROOT / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"
c.ConfigurableHTTPProxy.command = [str(PROXY)]
c.ConfigurableHTTPProxy.should_start = True
c.Spawner.ip = IP

# --- state: database, cookie secret, pid file in one folder -----------------------------------
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
c.JupyterHub.cleanup_servers = True

# --- every student: their own copy of the course, opened on the course map ---------------------
first = "course_map.ipynb" if (COURSE / "course_map.ipynb").exists() else "00_start_here.ipynb"
c.Spawner.default_url = f"/lab/tree/notebooks/{first}"
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.mem_limit = "1G"  # enforced by systemdspawner / dockerspawner / Kubernetes
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 90
if os.getuid() == 0 and MODE == "trial":
    c.Spawner.args = ["--allow-root"]  # trial servers run as the hub's user


def copy_course(spawner: Any) -> None:
    """Give the student their own copy of ``notebooks/`` (never overwriting their work)."""
    name = spawner.user.name
    home = Path(spawner.home_dir if MODE == "trial" else os.path.expanduser(f"~{name}"))
    target = home / "notebooks"
    if not target.exists():
        home.mkdir(parents=True, exist_ok=True)
        shutil.copytree(COURSE, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        if MODE == "class":  # the hub runs as root; the copy belongs to the student
            for path in [target, *target.rglob("*")]:
                shutil.chown(path, user=name)


c.Spawner.pre_spawn_hook = copy_course

if MODE == "trial":
    users = [u for u in os.environ.get("FUNNELSIM_HUB_USERS", "student1,student2").split(",") if u]
    c.JupyterHub.authenticator_class = "dummy"
    c.DummyAuthenticator.password = os.environ.get("FUNNELSIM_HUB_PASSWORD", "funnelsim")
    c.Authenticator.allowed_users = set(users)
    c.JupyterHub.spawner_class = "simple"
    c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "homes" / "{username}")
    # The smoke test reaches the hub's REST API with this service token (admin of users/servers).
    token = os.environ.get("FUNNELSIM_HUB_ADMIN_TOKEN")
    if token:
        c.JupyterHub.services = [{"name": "funnelsim-smoke", "api_token": token}]
        c.JupyterHub.load_roles = [
            {
                "name": "funnelsim-smoke",
                "scopes": ["admin:users", "admin:servers", "access:servers", "tokens"],
                "services": ["funnelsim-smoke"],
            }
        ]
    # Keep the user servers' environment the hub's (the course's venv, its PYTHONPATH).
    c.Spawner.env_keep = ["PATH", "PYTHONPATH", "LANG", "LC_ALL", "TQDM_DISABLE", "VIRTUAL_ENV"]
else:
    c.JupyterHub.authenticator_class = "pam"  # or "github" / "generic-oauth" (oauthenticator)
    c.Authenticator.allowed_users = {
        u for u in os.environ.get("FUNNELSIM_HUB_USERS", "").split(",") if u
    }
    c.Authenticator.admin_users = {
        u for u in os.environ.get("FUNNELSIM_HUB_ADMINS", "").split(",") if u
    }
    # LocalProcessSpawner: each server as its student's Unix user. Containers or limits:
    # "dockerspawner.DockerSpawner" or "systemdspawner.SystemdSpawner".
    c.JupyterHub.spawner_class = "default"
