"""The README's calls run as written: every call in "Where each idea of the course lives"
and every ``funnelsim`` command line in "For instructors" (issue 8 §5)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import funnelsim as fs

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def _table_calls() -> list[str]:
    rows = [line for line in _section("Where each idea of the course lives").splitlines()
            if line.startswith("| ") and not line.startswith("| idea")]  # fmt: skip
    calls = [c for row in rows for c in re.findall(r"`([^`]+)`", row.split("|")[2])]
    return [c for c in calls if c.startswith("fs.")]


CALLS = _table_calls()


def test_the_table_lists_every_idea_with_a_call() -> None:
    assert len(CALLS) >= 30


@pytest.mark.parametrize("call", CALLS)
def test_every_call_in_the_table_runs_as_written(call: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        value = eval(call, {"fs": fs})
    assert value is not None


def _command_lines() -> list[str]:
    block = re.search(r"```bash\n(.*?)```", _section("For instructors"), flags=re.S)
    assert block is not None
    lines = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line.startswith("funnelsim ")]


def test_the_instructor_commands_run_in_order_from_a_fresh_folder(tmp_path: Path) -> None:
    lines = _command_lines()
    assert len(lines) >= 5
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    for line in lines:
        out = None
        if ">" in line:  # "funnelsim show x > mine.toml"
            line, target = (part.strip() for part in line.split(">"))
            out = tmp_path / target
        done = subprocess.run(
            shlex.split(line), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, f"{line!r} failed: {done.stderr}"
        if out is not None:
            out.write_text(done.stdout, encoding="utf-8")
    assert (tmp_path / "report.html").stat().st_size > 10_000
    assert (tmp_path / "sweep.csv").read_text(encoding="utf-8").count("\n") == 8


def test_the_readme_says_how_to_reach_the_command() -> None:
    assert "source .venv/bin/activate" in _section("For instructors")
