"""``b2b.time_unit``: the unit of the funnel's stage times, read, written and shown."""

from __future__ import annotations

from pathlib import Path

import pytest

import funnelsim as fs
from funnelsim.scenarios import ScenarioError

DAYS = """
name = "Deals in days"
seed = 4
buyers = 500

[funnel]
preset = "trigger_learn_try_buy"

[funnel.times]
learn = 20.0
try = 30.0
buy = 45.0

[b2b]
champion = 0.3
time_unit = "day"  # the stage times above are days
"""


def test_time_unit_reads_saves_and_reads_back(tmp_path: Path) -> None:
    source = tmp_path / "days.toml"
    source.write_text(DAYS, encoding="utf-8")
    sc = fs.load_scenario(source)
    assert sc.b2b.time_unit == "day"
    again = fs.load_scenario(sc.save(tmp_path / "again.toml"))
    assert again == sc and again.b2b.time_unit == "day"
    assert 'time_unit = "day"  # the stage times above are days' in sc.to_toml()
    # changed by path, written fresh: the same value back
    weeks = sc.with_values({"b2b.time_unit": "week"})
    assert fs.load_scenario(weeks.save(tmp_path / "weeks.toml")).b2b.time_unit == "week"
    fresh = fs.scenarios.Scenario.from_dict(sc.to_dict())
    assert fresh == sc


def test_time_unit_defaults_to_weeks_and_is_not_written() -> None:
    sc = fs.load_scenario("b2b_saas")
    assert sc.b2b.time_unit == "week"  # the preset's stage times are weeks
    assert "time_unit" not in sc.to_dict()["b2b"]


def test_a_bad_time_unit_is_named() -> None:
    with pytest.raises(ScenarioError, match=r"b2b\.time_unit.*'fortnight'"):
        fs.scenarios.Scenario.from_dict(
            {"funnel": {"preset": "trigger_learn_try_buy"}, "b2b": {"time_unit": "fortnight"}}
        )


def test_the_run_summary_names_the_sales_cycle_unit(tmp_path: Path) -> None:
    source = tmp_path / "days.toml"
    source.write_text(DAYS, encoding="utf-8")
    run = fs.load_scenario(source).run()
    cycle = run.metrics()["b2b_median_cycle"]
    assert cycle > 20  # the stage times are days: tens of them
    text = run.highlights()["b2b"]
    assert "days (b2b.time_unit)" in text and "time units" not in text
    assert "weeks (b2b.time_unit)" in fs.load_scenario("b2b_saas").run().highlights()["b2b"]
