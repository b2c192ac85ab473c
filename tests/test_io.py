"""Atomic writes: the old file or the complete new one, never a part (funnelsim._io).

The last test interrupts a real ``funnelsim simulate ... -o DIR --events`` with
SIGINT while it writes the event log, as a user pressing Ctrl-C would.
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from funnelsim._io import atomic_write, atomic_write_set

ROOT = Path(__file__).resolve().parents[1]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".funnelsim-"))


# -- one file --------------------------------------------------------------------------


def test_text_bytes_and_writer_functions_all_land_whole(tmp_path: Path):
    assert atomic_write(tmp_path / "a.txt", "héllo\n").read_bytes() == "héllo\n".encode()
    assert atomic_write(tmp_path / "b.txt", "x", encoding="utf-16").read_bytes() == "x".encode(
        "utf-16"
    )
    assert atomic_write(tmp_path / "c.bin", b"\x00\x01").read_bytes() == b"\x00\x01"
    frame = pd.DataFrame({"stage": ["a", "b"], "reached": [3, 1]})
    out = atomic_write(tmp_path / "d.csv", lambda p: frame.to_csv(p, index=False))
    pd.testing.assert_frame_equal(pd.read_csv(out), frame)
    assert leftovers(tmp_path) == []


def test_replacing_keeps_the_mode_and_a_new_file_gets_the_umask_mode(tmp_path: Path):
    target = tmp_path / "kept.txt"
    target.write_text("old")
    target.chmod(0o640)
    atomic_write(target, "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    old_mask = os.umask(0o022)
    try:
        fresh = atomic_write(tmp_path / "fresh.txt", "x")
    finally:
        os.umask(old_mask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644  # as open(..., "w") would give


DISK_FULL = OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("error", [DISK_FULL, KeyboardInterrupt])
def test_a_write_that_fails_half_way_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, error: BaseException | type[BaseException]
):
    target = tmp_path / "events.csv"
    target.write_text("the old, complete file\n")

    def half_then_fail(path: Path) -> None:
        path.write_text("stage,time\n" + "a,1\n" * 1000)  # a partial file on disk ...
        raise error  # ... then the disk is full, or Ctrl-C

    with pytest.raises(type(error) if isinstance(error, BaseException) else error):
        atomic_write(target, half_then_fail)
    assert target.read_text() == "the old, complete file\n"
    assert leftovers(tmp_path) == []


def test_a_failing_rename_leaves_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def refuse(src: object, dst: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(dst))

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(PermissionError):
        atomic_write(tmp_path / "x.txt", "data")
    assert list(tmp_path.iterdir()) == []


def test_bad_input_is_named(tmp_path: Path):
    with pytest.raises(TypeError, match=r"data must be str, bytes or a function .* got 3 \(int\)"):
        atomic_write(tmp_path / "x.txt", 3)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(FileNotFoundError, match=r"path: the folder .*missing.* does not exist"):
        atomic_write(tmp_path / "missing" / "x.txt", "data")
    with pytest.raises(OSError, match="did not create the file"):
        atomic_write(tmp_path / "y.txt", Path.unlink)
    assert leftovers(tmp_path) == []


# -- a set of files --------------------------------------------------------------------


def test_a_set_is_written_whole_into_a_new_folder(tmp_path: Path):
    out = tmp_path / "new" / "run"
    written = atomic_write_set(out, {"funnel.csv": "a\n1\n", "events.csv": b"b\n2\n"})
    assert written == [out / "funnel.csv", out / "events.csv"]
    assert (out / "funnel.csv").read_text() == "a\n1\n"
    assert (out / "events.csv").read_text() == "b\n2\n"
    assert sorted(p.name for p in out.iterdir()) == ["events.csv", "funnel.csv"]


def test_a_failure_in_the_set_changes_nothing(tmp_path: Path):
    (tmp_path / "funnel.csv").write_text("old funnel\n")
    (tmp_path / "notes.txt").write_text("not ours\n")

    def fail(path: Path) -> None:
        path.write_text("partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        atomic_write_set(
            tmp_path, {"funnel.csv": "new funnel\n", "summary.csv": "s\n", "events.csv": fail}
        )
    # The first two were complete, but the set was not: nothing is renamed into place.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["funnel.csv", "notes.txt"]
    assert (tmp_path / "funnel.csv").read_text() == "old funnel\n"


@pytest.mark.parametrize("name", ["", ".", "..", "sub/x.csv", "../x.csv"])
def test_set_names_must_be_plain_file_names(tmp_path: Path, name: str):
    with pytest.raises(ValueError, match="must be a plain file name"):
        atomic_write_set(tmp_path, {"ok.csv": "x", name: "y"})
    assert list(tmp_path.iterdir()) == []


def test_set_values_are_checked_before_anything_is_written(tmp_path: Path):
    with pytest.raises(TypeError, match=r"files\['b.csv'\] must be str, bytes or a function"):
        atomic_write_set(tmp_path, {"a.csv": "x", "b.csv": 1.5})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="files must name at least one file"):
        atomic_write_set(tmp_path, {})
    assert list(tmp_path.iterdir()) == []


# -- the package writes through it -----------------------------------------------------


def test_saving_a_scenario_over_a_file_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from funnelsim import scenarios

    target = tmp_path / "mine.toml"
    scenarios.load_scenario("b2c_referral").save(target)
    before = target.read_text()

    def boom(scenario: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(scenarios.writer, "scenario_toml", boom)  # the text save writes
    with pytest.raises(KeyboardInterrupt):
        scenarios.load_scenario("b2b_saas").save(target)
    assert target.read_text() == before
    assert leftovers(tmp_path) == []


def test_ctrl_c_while_simulate_writes_its_tables_leaves_no_partial_file(tmp_path: Path):
    """A real run, a real SIGINT while events.csv is being written."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "events.csv").write_text("the previous run's complete log\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "TQDM_DISABLE": "1"}
    cmd = [sys.executable, "-m", "funnelsim", "simulate", "b2c_referral"]
    cmd += ["--buyers", "1000000", "--events", "-o", str(out)]
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    caught_mid_write = False
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        partial = [p for p in out.glob(".funnelsim-*/events.csv") if p.stat().st_size > 0]
        if partial:
            proc.send_signal(signal.SIGINT)
            caught_mid_write = True
            break
        time.sleep(0.005)  # polling a running process for its half-written file
    _, stderr = proc.communicate(timeout=60)
    assert caught_mid_write, f"the run ended before its event log was being written: {stderr}"
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr
    assert sorted(p.name for p in out.iterdir()) == ["events.csv"]
    assert (out / "events.csv").read_text() == "the previous run's complete log\n"
