"""The instructor dashboard's one file bar: Load fills every tab, Save writes what every tab shows.

Found by newcomer instructors (issue 8): Load in the dashboard page loaded the
file into the open tab only. Now Load loads every tab that can read the file,
its status line says what each tab took, a tab that cannot read it says so
above its cards, and Save writes the file with the values moved on every tab.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import funnelsim as fs
from funnelsim.widgets import Dashboard, EconomicsExplorer
from funnelsim.widgets.growth import growth_metrics

SHIPPED = Path(fs.__file__).parent / "scenario_files"


@pytest.fixture
def dash() -> Iterator[Dashboard]:
    board = Dashboard(threaded=False)
    yield board
    board.close()


def _button(board: Dashboard, cls: str) -> Any:
    bar = board.app.children[0]
    (button,) = [b for b in bar.children if f"fs-dashboard-{cls}" in b._dom_classes]
    return button


def _shown(widget: Any) -> bool:
    return widget.layout.display != "none"


def test_the_load_button_loads_every_tab_that_can_read_the_file(dash: Dashboard) -> None:
    sc = fs.load_scenario("b2c_referral")
    run = sc.run()
    dash._path.value = "b2c_referral"
    _button(dash, "load").click()
    # one status line: which tabs took the file, which did not and why
    assert dash.status == (
        "Loaded b2c_referral. From the file: Growth model, Funnel, Referral, Retention, "
        "Unit economics, Sensitivity. Not from the file, showing their own settings: "
        "B2B deal (no [b2b] section)."
    )
    # every tab shows the file's numbers: a card per tab equals the CLI's run
    assert dash.growth.metrics == growth_metrics(run.growth)
    assert dash.explorer("Unit economics").metrics["ltv"] == run.economics.ltv
    assert dash.explorer("Unit economics").metrics["cac"] == run.economics.cac
    assert dash.explorer("Funnel").metrics["ltv"] == pytest.approx(run.economics.ltv, rel=1e-12)
    assert dash.explorer("Referral").values["invite_conversion"] == sc.referral.invite_conversion
    assert dash.explorer("Retention").values["churn"] == sc.retention.churn
    assert dash.explorer("Sensitivity").values["buyers"] == sc.buyers
    # the tab that could not read it keeps its defaults, and says so above its cards
    b2b = dash.explorer("B2B deal")
    assert b2b._loaded is None
    assert dash.note("B2B deal") == (
        "Not from b2c_referral: no [b2b] section. This tab shows its own settings."
    )
    assert _shown(dash._notes["B2B deal"])
    # ... and its status line stays calm: no orange "Load failed" (the note says it all)
    assert "Load failed" not in b2b._status.value
    assert "#D55E00" not in b2b._status.value
    assert "own settings" in b2b._status.value
    for tab in (dash.GROWTH_TAB, "Funnel", "Unit economics"):
        assert dash.note(tab) == ""
        assert not _shown(dash._notes[tab])


def test_a_tab_that_showed_another_file_goes_back_to_its_defaults(dash: Dashboard) -> None:
    dash.load("b2c_referral")
    assert dash.explorer("Unit economics").values["arpu"] == 6.0
    dash.load("viral_saturation")  # no [economics], no [retention]
    econ = dash.explorer("Unit economics")
    assert econ._loaded is None
    assert econ.values == EconomicsExplorer(threaded=False).values  # its own defaults
    assert dash.note("Unit economics") == (
        "Not from viral_saturation: no [economics] section. This tab shows its own settings."
    )
    assert "Unit economics (no [economics] section)" in dash.status
    assert "From the file: Growth model, Funnel, Referral." in dash.status
    # the file bar's tab list and the tab itself agree: the page shows the new explorer
    assert dash._pages["Unit economics"].children == (econ.widget,)
    # the next file it can read clears the note
    dash.load("b2c_referral")
    assert dash.note("Unit economics") == ""
    assert not _shown(dash._notes["Unit economics"])
    assert dash.explorer("Unit economics").values["arpu"] == 6.0


def test_the_growth_tab_that_cannot_read_a_file_is_rebuilt_at_its_starting_values() -> None:
    board = Dashboard(threaded=False, seed=3)
    try:
        board.load("b2c_referral")
        assert board.growth.values["seed"] == fs.load_scenario("b2c_referral").seed
        board.load("b2b_saas")  # a B2B funnel and no [growth]
        assert board.growth._loaded is None
        assert board.growth.values["seed"] == 3  # the dashboard's own starting value
        assert board._growth_page.children == (board.growth.widget,)
        assert "Load failed" not in board.growth._status.value  # calm: the note says why
        assert "own settings" in board.growth._status.value
        assert board.note(board.GROWTH_TAB).startswith(
            "Not from b2b_saas: needs an AAARRR funnel or a [growth] section"
        )
    finally:
        board.close()


def test_a_file_that_cannot_be_read_changes_nothing(dash: Dashboard, tmp_path: Path) -> None:
    dash.load("b2c_referral")
    before = {name: dash.explorer(name).values for name in dash.tabs}
    dash.load(tmp_path / "missing.toml")
    assert dash.status.startswith("Load failed: ") and "missing.toml" in dash.status
    assert {name: dash.explorer(name).values for name in dash.tabs} == before
    assert dash.note("B2B deal").startswith("Not from b2c_referral")


def test_the_tabs_own_file_boxes_are_hidden_in_the_dashboard(dash: Dashboard) -> None:
    for ex in (dash.growth, dash.explorer("Funnel")):
        assert not _shown(ex._path) and not _shown(ex._save_button)
    assert _shown(dash._path)


def test_a_dashboard_built_with_a_file_shows_it_on_every_tab() -> None:
    board = Dashboard(scenario="b2b_saas", threaded=False)
    try:
        assert "From the file: Funnel, B2B deal, Retention, Unit economics." in board.status
        run = fs.load_scenario("b2b_saas").run()
        assert board.explorer("B2B deal").metrics["win_rate"] == run.metrics()["b2b_win_rate"]
    finally:
        board.close()


# -- Save: what every tab shows, in one file ------------------------------------------------


def _diff(before: str, after: str) -> list[str]:
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [d for d in lines if d[:1] in "+-" and d[:3] not in ("+++", "---")]


def test_save_writes_the_values_moved_on_every_tab(dash: Dashboard, tmp_path: Path) -> None:
    dash.load(SHIPPED / "b2c_referral.toml")
    dash.explorer("Unit economics").set_values(cac=55)
    dash.growth.set_values(invite_conversion=0.35)
    dash.explorer("B2B deal").set_values(champion=0.5)  # not from the file
    path = dash.save(tmp_path / "class.toml")
    assert path == tmp_path / "class.toml"
    assert dash.status == (
        f"Saved {path} with the values moved on Growth model, Unit economics. "
        "Not saved (not from the file): the moved sliders of B2B deal."
    )
    back = fs.load_scenario(path)
    assert back.economics.cac == 55
    assert back.economics.paid_spend is None  # the typed CAC replaces the spend it came from
    assert back.growth.params.invite_conversion == 0.35
    # nothing else changed: comments and layout kept, the moved values only
    changed = _diff((SHIPPED / "b2c_referral.toml").read_text(), path.read_text())
    assert len(changed) == 4, changed
    assert any(line.startswith("+cac = 55") for line in changed)
    assert any(line.startswith("-paid_spend") for line in changed)
    # the saved file loads back into every tab with what they showed
    economics, growth = dash.explorer("Unit economics").values, dash.growth.values
    dash.load(path)
    assert dash.growth.values == growth
    assert dash.explorer("Unit economics").values == economics
    # the Funnel tab prices its buyers from the file's CAC: it now follows the typed $55
    assert dash.explorer("Funnel").metrics["cac"] == pytest.approx(55, rel=1e-12)


def test_save_unchanged_writes_the_file_as_it_was(dash: Dashboard, tmp_path: Path) -> None:
    dash.load(SHIPPED / "b2c_referral.toml")
    path = dash.save(tmp_path / "same.toml")
    assert path is not None
    assert path.read_text() == (SHIPPED / "b2c_referral.toml").read_text()
    assert dash.status == f"Saved {path}."


def test_two_tabs_moving_one_setting_apart_save_nothing(dash: Dashboard, tmp_path: Path) -> None:
    dash.load("b2c_referral")
    dash.growth.set_values(activation=0.4)
    dash.explorer("Funnel").set_values(activation=0.45)
    assert dash.save(tmp_path / "clash.toml") is None
    assert not (tmp_path / "clash.toml").exists()
    assert dash.status == (
        "Not saved: Growth model sets funnel.rates.activation to 0.4 and Funnel sets it "
        "to 0.45; move one of them back"
    )
    with pytest.raises(ValueError, match=r"Growth model sets funnel\.rates\.activation to 0\.4"):
        dash.scenario()
    dash.explorer("Funnel").set_values(activation=0.4)  # the same value: no clash
    assert dash.scenario().value("funnel.rates.activation") == 0.4


def test_save_never_replaces_a_file_unless_asked(dash: Dashboard, tmp_path: Path) -> None:
    target = tmp_path / "taken.toml"
    target.write_text("keep me", encoding="utf-8")
    assert dash.save(target) is None
    assert target.read_text() == "keep me"
    assert "tick Overwrite" in dash.status
    dash._overwrite.value = True
    dash._path.value = str(target)
    _button(dash, "save").click()
    assert fs.load_scenario(target).growth is not None


def test_save_without_a_file_writes_the_growth_tab(dash: Dashboard, tmp_path: Path) -> None:
    dash.growth.set_values(churn=0.1)
    path = dash.save(tmp_path / "new.toml")
    assert path is not None
    assert fs.load_scenario(path).growth.params.churn == 0.1
    assert dash.status == f"Saved {path} with the values moved on Growth model."


def test_the_sensitivity_tab_counts_the_files_customer_stage(dash: Dashboard) -> None:
    # Issue 8: "Customers (base)" counted the last stage (Referral) while every other tab
    # and the CLI count [economics] customer_stage (Revenue).
    from funnelsim.scenarios.compare import customer_stage

    sc = fs.load_scenario("b2c_referral")
    dash.load(sc)
    ex = dash.explorer("Sensitivity")
    stage = customer_stage(sc)
    assert stage == "Revenue" != sc.funnel.names[-1]
    expected = sc.buyers * sc.funnel.reach[sc.funnel.index(stage)]
    assert ex.metrics["customers"] == pytest.approx(expected, rel=1e-12)
    (card,) = [m for m in ex._metric_specs if m.name == "customers"]
    assert card.label == "Customers (base): Revenue"
    # a step after the customer stage cannot change the customers: not in the tornado
    assert "Referral" not in set(ex.outcome.result["stage"])


def test_the_three_viral_k_cards_name_what_they_count(dash: Dashboard) -> None:
    # Issue 8: one file showed "Viral K" 0.04 (Growth), 0.226 (Funnel), 0.23 (Referral).
    from funnelsim.referral import viral_coefficient_from_nps

    sc = fs.load_scenario("b2c_referral")
    dash.load(sc)
    cards = {}
    for tab in (dash.GROWTH_TAB, "Funnel", "Referral"):
        ex = dash.growth if tab == dash.GROWTH_TAB else dash.explorer(tab)
        (cards[tab],) = [m for m in ex._metric_specs if m.name == "k"]
    # Funnel and Referral show one quantity, the [referral] K, equal and formatted alike
    funnel, referral = dash.explorer("Funnel"), dash.explorer("Referral")
    ref = sc.referral
    k = viral_coefficient_from_nps(
        dict(ref.segments), dict(ref.invites_per_user), ref.invite_conversion
    )
    assert funnel.metrics["k"] == pytest.approx(k, rel=1e-12)
    assert referral.metrics["k"] == pytest.approx(k, rel=1e-12)
    assert cards["Funnel"].label == cards["Referral"].label
    assert cards["Funnel"].format(k) == cards["Referral"].format(k) == "0.226"
    # the Growth tab's K is another quantity, and its label and help say so
    growth = cards[dash.GROWTH_TAB]
    assert growth.label != cards["Funnel"].label
    assert "per customer lifetime" in growth.label and "one generation" in cards["Funnel"].label
    assert "[growth]" in growth.help and "Not the K of the Funnel and Referral tabs" in growth.help
    assert "[referral]" in cards["Funnel"].help and "Not the Growth tab's K" in cards["Funnel"].help
    p = sc.growth.params
    expected = p.invites_per_user * p.invite_conversion * p.conversion()[1] / p.referred_churn
    assert dash.growth.metrics["k"] == pytest.approx(expected, rel=1e-12)


def test_a_file_without_referral_has_no_k_on_the_funnel_tab(dash: Dashboard) -> None:
    # Issue 8: the Funnel tab showed K 0.600 (its invite sliders' defaults) for a file
    # with [economics] and [growth] but no [referral] section.
    import dataclasses

    sc = dataclasses.replace(fs.load_scenario("b2c_referral"), referral=None, source=None)
    dash.load(sc)
    funnel = dash.explorer("Funnel")
    assert funnel._loaded is sc
    assert math.isnan(funnel.metrics["k"])
    assert funnel.outcome.notes["k"] == "no [referral] section"
    html = funnel._metrics_html(funnel.outcome, None)
    assert "no [referral] section" in html and "0.600" not in html
    # its money cards still come from the file's [economics]
    assert not math.isnan(funnel.metrics["ltv"])
    # a file with the section shows its K again; a new funnel from the picker has its own loop
    dash.load("b2c_referral")
    assert funnel.metrics["k"] == pytest.approx(0.226)
    dash.load(sc)
    funnel.preset = "tltb"
    funnel.preset = "aaarrr"
    v = funnel.values
    assert funnel.metrics["k"] == pytest.approx(v["invites_per_user"] * v["invite_conversion"])


def _axis_titles(spec: Any) -> set[str]:
    """Every axis title in a Vega-Lite spec (nested charts and layers included)."""
    found: set[str] = set()
    if isinstance(spec, dict):
        for key, value in spec.items():
            if (
                key in ("x", "y")
                and isinstance(value, dict)
                and isinstance(value.get("title"), str)
            ):
                found.add(value["title"])
            found |= _axis_titles(value)
    elif isinstance(spec, list):
        for item in spec:
            found |= _axis_titles(item)
    return found


@pytest.mark.parametrize("period", ["month", "week"])
def test_the_growth_charts_name_the_period_and_the_dollar(period: str) -> None:
    # Issue 8: the live axes said "period (the model's time step)" and "(currency)".
    import dataclasses

    from funnelsim.widgets import GrowthExplorer

    sc = dataclasses.replace(fs.load_scenario("b2c_referral"), period=period, source=None)
    ex = GrowthExplorer(threaded=False)
    try:
        if period == "month":  # the explorer's own default is a month
            titles = _axis_titles(ex.chart().to_dict())
            assert {"month", "cumulative amount ($)", "new customers per month"} <= titles
        ex.load(sc)
        titles = _axis_titles(ex.chart().to_dict())
        assert {period, "cumulative amount ($)", f"new customers per {period}"} <= titles
        assert not any("time step" in t or "currency" in t for t in titles), titles
        ex.ab = True  # the A/B charts too
        titles = _axis_titles(ex.chart().to_dict())
        assert {period, "cumulative revenue ($)"} <= titles
    finally:
        ex.close()
