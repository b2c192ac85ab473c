"""docs/instructor-guide.md: its scenario file example loads and runs as written, and it and the
README point to the file format reference (``help(funnelsim.scenarios)``)."""

from __future__ import annotations

import re
from pathlib import Path

import funnelsim as fs
from funnelsim.growth import step_change
from funnelsim.scenarios import loads_scenario

ROOT = Path(__file__).resolve().parents[1]
GUIDE = (ROOT / "docs" / "instructor-guide.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _example() -> str:
    blocks = re.findall(r"```toml\n(.*?)```", GUIDE, flags=re.S)
    assert len(blocks) == 1
    return blocks[0]


def test_the_guide_s_scenario_example_loads_and_runs_as_written() -> None:
    sc = loads_scenario(_example(), source="instructor-guide.md")
    assert sc.period == "month"
    assert sc.growth is not None and sc.economics is not None and sc.b2b is not None
    prm = sc.growth.params
    assert prm.budget == step_change(20_000, 40_000, at=12)
    assert dict(prm.rate_changes)["Try"] == step_change(0.30, 0.40, at=6)
    assert sc.economics.expansion == 0.01 and sc.b2b.adoption == 0.7
    run = sc.run()
    leads = run.growth.periods["leads"].tolist()
    assert leads == [1_000] * 11 + [2_000] * 13  # budget / cost_per_lead, doubled in month 12
    assert "adopted" in run.b2b.accounts
    assert "months" in run.highlights()["growth"]


def test_guide_and_readme_point_to_the_file_format_reference() -> None:
    for text in (GUIDE, README):
        assert "help(funnelsim.scenarios)" in text
        assert "src/funnelsim/scenarios/__init__.py" in text
    assert "file format" in (fs.scenarios.__doc__ or "").lower()


def test_the_guides_help_command_runs_as_written():
    # A newcomer copied `python -c "import funnelsim; help(funnelsim.scenarios)"` and got an
    # AttributeError (the lazy top level has no `scenarios`): the command must run as written.
    import subprocess
    import sys

    text = (ROOT / "docs" / "instructor-guide.md").read_text(encoding="utf-8")
    command = re.search(r'`python -c "([^"]*help\(funnelsim\.scenarios\)[^"]*)"`', text)
    assert command, "the guide shows how to read the reference"
    code = command[1].replace("help(", "print(")  # the docstring's object, not a pager
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
