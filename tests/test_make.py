"""The README's commands, for real: `make help`, `make lab` serving the start page, the
student's own copy of the course (`make course`, `make reset`), and `make setup`'s guards.

`make lab` is started as a user would start it (with extra arguments only to pick
a free port, skip opening a browser and know the token, and a temporary folder for
the student's copy), then asked over HTTP for the start notebook; the whole process
group is stopped afterwards. No test here installs anything: `make lab` runs with
the install stamp taken as up to date (`make -o STAMP`), and the `make setup` tests
use a throw-away VENV that they expect to fail before or during the install.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
#: Never reinstall from a test: the shared .venv stays as it is.
NO_INSTALL = ["-o", ".venv/.funnelsim-installed"]


def make(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_make_help_lists_the_two_commands():
    out = subprocess.run(["make", "help"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "make lab" in out.stdout and "make test" in out.stdout


def get(url: str, timeout: float = 5) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, ""


def test_make_lab_serves_the_students_copy_on_loopback_offline_with_a_token(tmp_path: Path):
    port, token = free_port(), secrets.token_hex(16)
    course = tmp_path / "course"
    args = f"--port={port} --no-browser --IdentityProvider.token={token}"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        ["make", *NO_INSTALL, "lab", f"COURSE={course}", f"LAB_ARGS={args}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    original = {name: (ROOT / "notebooks" / name).read_bytes() for name in LESSONS}
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
        # the first `make lab` made the student's copy of every lesson ...
        assert sorted(p.name for p in course.glob("*.ipynb")) == LESSONS
        # the token is required ...
        assert get(f"{base}/api/contents/00_start_here.ipynb")[0] == 403
        # ... and with it the start page is there (the copy is what the lab serves)
        code, body = get(f"{base}/api/contents/00_start_here.ipynb?token={token}")
        assert code == 200 and "Start here: how this course works" in body
        code, page = get(f"{base}/lab/tree/00_start_here.ipynb?token={token}")
        assert code == 200
        # offline: no news feed (so no news prompt) and an extension manager with no index
        config = json.loads(
            re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S)[1]
        )
        assert config["news"] == {"disabled": True}
        assert config["extensionManager"]["name"] == "read-only"
        assert config["extensionManager"]["can_install"] is False
        # File > Save and Export Notebook As > HTML: one offline file, formulas as MathML
        exported = f"{base}/nbconvert/html/00_start_here.ipynb?download=false&token={token}"
        # an export runs nbconvert on the whole lesson: seconds, more on a loaded machine
        code, export = get(exported, timeout=60)
        assert code == 200 and "<math" in export
        assert not re.search(r"<script[^>]+src=", export), "the export loads a script"
        # the landing page is the course map
        with urllib.request.urlopen(f"{base}/?token={token}", timeout=5) as r:
            assert r.url.split("?")[0].endswith("/lab/tree/course_map.ipynb")
        # a save from the lab (autosave does the same) changes the student's copy only
        saved = json.loads(body)
        saved["content"]["cells"][0]["source"] = "# my notes"
        request = urllib.request.Request(
            f"{base}/api/contents/00_start_here.ipynb?token={token}",
            data=json.dumps({"type": "notebook", "content": saved["content"]}).encode(),
            method="PUT",
        )
        with urllib.request.urlopen(request, timeout=10) as r:
            assert r.status == 200
        assert "# my notes" in (course / "00_start_here.ipynb").read_text()
        assert {n: (ROOT / "notebooks" / n).read_bytes() for n in LESSONS} == original
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_course_copies_new_lessons_and_never_overwrites_the_students(tmp_path: Path):
    course = tmp_path / "course"
    course.mkdir()
    mine = course / "00_start_here.ipynb"
    mine.write_text("my edited lesson")
    out = make("course", f"COURSE={course}")
    assert out.returncode == 0, out.stderr
    assert mine.read_text() == "my edited lesson"
    assert sorted(p.name for p in course.glob("*.ipynb")) == LESSONS
    for name in LESSONS:
        if name != mine.name:
            assert (course / name).read_bytes() == (ROOT / "notebooks" / name).read_bytes()
    assert not list(course.glob(".*.tmp"))


def test_reset_puts_one_lesson_back_and_keeps_the_students_version(tmp_path: Path):
    course = tmp_path / "course"
    assert make("course", f"COURSE={course}").returncode == 0
    (course / "00_start_here.ipynb").write_text("my edited lesson")
    (course / "dashboard.ipynb").write_text("my other lesson")
    out = make("reset", "LESSON=00_start_here", f"COURSE={course}")
    assert out.returncode == 0, out.stderr
    shipped = (ROOT / "notebooks" / "00_start_here.ipynb").read_bytes()
    assert (course / "00_start_here.ipynb").read_bytes() == shipped
    assert (course / "dashboard.ipynb").read_text() == "my other lesson"  # only that one
    kept = list((course / "backups").glob("00_start_here-*.ipynb"))
    assert len(kept) == 1 and kept[0].read_text() == "my edited lesson"
    assert str(kept[0].relative_to(tmp_path)) in out.stdout


@pytest.mark.parametrize(
    ("lesson", "message"),
    [("", "name the lesson, e.g. make reset LESSON=00_start_here"), ("nope", "no lesson 'nope'")],
)
def test_reset_names_what_is_wrong(tmp_path: Path, lesson: str, message: str):
    out = make("reset", f"LESSON={lesson}", f"COURSE={tmp_path}")
    assert out.returncode != 0
    assert message in out.stderr
    assert "00_start_here" in out.stderr or not lesson
    assert not (tmp_path / "backups").exists() or not any((tmp_path / "backups").iterdir())


def test_setup_refuses_python_3_10_in_one_line_and_leaves_nothing(tmp_path: Path):
    fake = tmp_path / "python3.10"
    fake.write_text(
        "#!/bin/sh\n"
        'case "$1" in --version) echo "Python 3.10.12";; -c) exit 1;;'
        ' *) echo "fake python3.10 was asked to $*" >&2; exit 3;; esac\n'
    )
    fake.chmod(0o755)
    venv = tmp_path / "venv"
    out = make("setup", f"PYTHON={fake}", f"VENV={venv}")
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert lines[0].startswith("make setup: funnelsim needs Python ≥ 3.11;"), out.stderr
    assert "Python 3.10.12" in lines[0]
    assert "was asked to" not in out.stderr  # stopped before creating anything
    assert not venv.exists()


def test_setup_whose_install_fails_removes_the_new_venv(tmp_path: Path):
    venv = tmp_path / "venv"
    # The real Python, but its venvs come without pip (ensurepip is ~6 of the test's CPU-s)
    # and no index is reachable: the install fails at once, as a resolver error would.
    python = tmp_path / "python3"
    python.write_text(
        "#!/bin/sh\n"
        f'if [ "$1 $2" = "-m venv" ]; then shift 2\n'
        f'    exec {sys.executable} -m venv --without-pip "$@"; fi\n'
        f'exec {sys.executable} "$@"\n'
    )
    python.chmod(0o755)
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": ""}
    out = make("setup", f"PYTHON={python}", f"VENV={venv}", env=env)
    assert out.returncode != 0
    assert f"make setup: the install failed; the new {venv} was removed" in out.stderr
    assert not venv.exists()
