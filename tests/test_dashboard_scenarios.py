"""The Dashboard runs a loaded scenario file as ``funnelsim simulate`` does.

A newcomer instructor loaded a weekly file with a ``new_leads`` schedule and
``rate_changes`` into the dashboard: the growth tab showed zeros, the unit
economics tab spoke of months and the B2B tab other deal counts than the CLI.
For every shipped scenario and for that kind of file, each tab after Load shows
the numbers of ``load_scenario(file).run()`` (exactly: same model, same random
stream), names time in the file's ``period`` and says which sliders the file
overrides.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

import funnelsim as fs
from funnelsim.widgets import B2BExplorer, Dashboard, GrowthExplorer
from funnelsim.widgets._base import period_label
from funnelsim.widgets.growth import widened
from funnelsim.widgets.specs import Control

WEEKLY = """
name = "Weekly app"
seed = 11
buyers = 50_000
period = "week"

[funnel]
preset = "aaarrr"

[funnel.rates]
acquisition = 0.2
activation = 0.5
retention = 0.6
revenue = 0.3
referral = 0.2

[economics]
arpu = 3.0
margin = 0.8
churn = 0.02
cac = 50.0
expansion = 0.005

[growth]
periods = 30
new_leads = { before = 100000, after = 200000, at = 12 }
invites_per_user = 0.2
invite_conversion = 0.3

[growth.rate_changes]
activation = { before = 0.5, after = 0.6, at = 10 }
"""

#: The same business buying leads with a budget priced by a CAC (no cost per lead).
WEEKLY_BUDGET = WEEKLY.replace(
    "new_leads = { before = 100000, after = 200000, at = 12 }", "budget = 5000.0\npaid_cac = 40.0"
)

#: The budget doubles from period 12 at a fixed cost per lead (a budget schedule).
WEEKLY_BUDGET_STEP = WEEKLY.replace(
    "new_leads = { before = 100000, after = 200000, at = 12 }",
    "budget = { before = 5000, after = 10000, at = 12 }\ncost_per_lead = 0.25",
)

GROWTH_KEYS = {
    "customers": "growth_active",
    "revenue": "growth_revenue",
    "referral_share": "growth_referral_share",
    "ltv_cac": "growth_ltv_to_cac",
}


def _file(tmp_path: Path, text: str, name: str = "weekly.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _same(got: float, want: float) -> None:
    if math.isnan(want):
        assert math.isnan(got)
    else:
        assert got == want, (got, want)


def _check_growth(ex: Any, run: Any) -> None:
    want = run.metrics()
    for card, key in GROWTH_KEYS.items():
        _same(ex.metrics[card], want[key])


def _check_b2b(ex: Any, run: Any) -> None:
    accounts = run.b2b.accounts
    assert ex.metrics["win_rate"] == run.metrics()["b2b_win_rate"]
    assert ex.metrics["customers"] == accounts["won"].sum()
    kept = accounts["adopted"].sum() if "adopted" in accounts else accounts["won"].sum()
    assert ex.metrics["kept"] == kept


@pytest.mark.parametrize(
    "text",
    [WEEKLY, WEEKLY_BUDGET, WEEKLY_BUDGET_STEP],
    ids=["new_leads", "budget", "budget_schedule"],
)
def test_the_growth_tab_shows_the_run_of_a_weekly_file_with_schedules(
    tmp_path: Path, text: str
) -> None:
    path = _file(tmp_path, text)
    run = fs.load_scenario(path).run()
    dash = Dashboard(threaded=False)
    try:
        dash.load(path)
        assert "Loaded" in dash.growth._status.value, dash.growth._status.value
        assert run.metrics()["growth_active"] > 0
        _check_growth(dash.growth, run)
        assert dash.growth.control("periods").description == "Periods (weeks)"
        # the slider the schedule overrides is disabled and the status line says why
        activation = dash.growth.control("activation")
        assert activation.disabled
        assert "rate_changes" in activation.tooltip
        assert "activation rate follows the file's rate_changes schedule" in (
            dash.growth._status.value.replace("&#x27;", "'")
        )
        if "new_leads" in text:
            assert dash.growth.control("budget").disabled
            assert dash.growth.control("cost_per_lead").disabled
            assert "new leads follow the file&#x27;s schedule" in dash.growth._status.value
        elif "budget = {" in text:
            assert dash.growth.control("budget").disabled
            assert not dash.growth.control("cost_per_lead").disabled
            assert "the budget follows the file&#x27;s schedule" in dash.growth._status.value
        else:
            assert not dash.growth.control("budget").disabled
            assert "paid_cac" in dash.growth.control("cost_per_lead").tooltip
        # a redraw (as the worker thread does) keeps the numbers and the note
        dash.growth.refresh()
        _check_growth(dash.growth, run)
        assert "rate_changes schedule" in dash.growth._status.value
    finally:
        dash.close()


def test_a_moved_growth_slider_runs_the_file_with_that_value_and_schedules_kept(
    tmp_path: Path,
) -> None:
    path = _file(tmp_path, WEEKLY)
    ex = GrowthExplorer(scenario=path, threaded=False)
    try:
        ex.set_values(churn=0.05, invites_per_user=0.5)
        moved = fs.load_scenario(path).with_values(
            {"growth.churn": 0.05, "growth.invites_per_user": 0.5}
        )
        assert moved.growth.params.new_leads is not None
        _check_growth(ex, moved.run())
        # a file of another kind later enables the sliders again
        ex.load("b2c_referral")
        assert not ex.control("activation").disabled
        assert ex.control("periods").description == "Periods (months)"
        _check_growth(ex, fs.load_scenario("b2c_referral").run())
    finally:
        ex.close()


def test_the_unit_economics_tab_names_the_files_period(tmp_path: Path) -> None:
    path = _file(tmp_path, WEEKLY)
    run = fs.load_scenario(path).run()
    dash = Dashboard(scenario=path, threaded=False)
    try:
        ex = dash.explorer("Unit economics")
        assert ex.metrics["payback"] == run.economics.payback
        labels = {m.name: m.label for m in ex._metric_specs}
        assert labels["payback"] == "Payback (weeks)"
        assert labels["lifetime"] == "Expected lifetime (weeks)"
        descriptions = [ex.control(n).description for n in ("arpu", "churn", "expansion")]
        assert descriptions[0] == "ARPU ($ / customer / week)"
        assert descriptions[1] == "Weekly churn"
        assert "week" in descriptions[2]
        assert not any("month" in d.lower() for d in descriptions)
        assert ex.outcome.economics.period == "week"
        assert "month" not in ex.outcome.economics.label
        assert "Payback (weeks)" in ex.still()
        # the Funnel tab: the file's expansion and CAC over the last stage, as the CLI
        funnel = dash.explorer("Funnel")
        want = run.economics
        got = {k: funnel.metrics[k] for k in ("ltv", "cac", "ltv_cac", "payback")}
        assert got == pytest.approx(
            {"ltv": want.ltv, "cac": want.cac, "ltv_cac": want.ltv_to_cac, "payback": want.payback},
            rel=1e-9,
        )
        assert "Unit economics (per week)" in [h for h, _ in funnel._groups]
        assert {m.name: m.label for m in funnel._metric_specs}["payback"] == "Payback (weeks)"
        # another file, monthly: the labels come back
        ex.load("b2c_referral")
        assert {m.name: m.label for m in ex._metric_specs}["payback"] == "Payback (months)"
        assert ex.control("churn").description == "Monthly churn"
    finally:
        dash.close()


def test_the_b2b_tab_shows_the_deals_of_the_run_with_adoption(tmp_path: Path) -> None:
    sc = fs.load_scenario("b2b_saas").with_values({"b2b.adoption": 0.8, "seed": 5})
    path = Path(sc.save(tmp_path / "deals.toml"))
    run = fs.load_scenario(path).run()
    assert run.b2b.accounts["abandoned"].sum() > 0  # the adoption step matters here
    dash = Dashboard(scenario=path, threaded=False)
    try:
        _check_b2b(dash.explorer("B2B deal"), run)
    finally:
        dash.close()


@pytest.mark.parametrize("name", fs.list_scenarios())
def test_every_dashboard_tab_shows_the_run_of_a_shipped_scenario(name: str) -> None:
    sc = fs.load_scenario(name)
    run = sc.run()
    dash = Dashboard(threaded=False)
    try:
        dash.load(name)
        if sc.growth is not None:
            assert "Loaded" in dash.growth._status.value, dash.growth._status.value
            _check_growth(dash.growth, run)
        else:
            assert "Load failed" not in dash.growth._status.value
            assert "own settings" in dash.growth._status.value
        if sc.b2b is not None:
            _check_b2b(dash.explorer("B2B deal"), run)
        if sc.economics is not None:
            ex = dash.explorer("Unit economics")
            assert ex.metrics["ltv"] == pytest.approx(run.economics.ltv, rel=1e-9)
            assert ex.metrics["payback"] == run.economics.payback
        if sc.retention is not None:
            # Issue 8: "49 % active" beside the CLI's 48.1 %: one quantity (the first cohort's
            # survival), one stream and cohort size, so exactly the CLI's number
            ret = dash.explorer("Retention")
            assert ret.metrics["retained"] == run.metrics()["retention_survival"]
            assert ret.values["cohort_size"] == run.retention.long["size"].iloc[0]
        if sc.retention is not None and sc.economics is not None:
            # the Retention tab's LTV card is the scenario's one LTV
            assert dash.explorer("Retention").metrics["ltv"] == run.economics.ltv
    finally:
        dash.close()


def test_the_retention_tab_says_its_alpha_and_beta_are_estimates() -> None:
    # Issue 8: "fitted α 0.81, β 8.82" beside the file's α 0.72, β 8.28 read as a contradiction.
    sc = fs.load_scenario("b2c_referral")
    dash = Dashboard(threaded=False)
    try:
        dash.load(sc)
        ex = dash.explorer("Retention")
        labels = {m.name: m.label for m in ex._metric_specs}
        assert labels["alpha"] == "α fitted to the simulated cohorts"
        assert labels["beta"] == "β fitted to the simulated cohorts"
        assert labels["retained"] == "First cohort active after the last month"
        model = sc.retention.model
        assert ex.outcome.notes["alpha"] == f"file's model: α {model.alpha:.2f}"
        assert ex.outcome.notes["beta"] == f"file's model: β {model.beta:.2f}"
        assert ex.metrics["alpha"] != model.alpha  # an estimate, not the file's value
        html = ex._metrics_html(ex.outcome, None)
        assert "file&#x27;s model: α 0.72" in html or "file's model: α 0.72" in html
        # a moved slider is not the file's model any more: no note
        ex.set_values(churn=0.2)
        assert "alpha" not in ex.outcome.notes
    finally:
        dash.close()


@pytest.mark.parametrize("cls", [GrowthExplorer, B2BExplorer])
def test_an_explorer_without_a_file_shows_what_its_saved_file_runs(
    tmp_path: Path, cls: type
) -> None:
    ex = cls(threaded=False)
    try:
        path = ex.save(tmp_path / "saved.toml")
        assert path is not None, ex._status.value
        run = fs.load_scenario(path).run()
        if cls is GrowthExplorer:
            _check_growth(ex, run)
        else:
            _check_b2b(ex, run)
    finally:
        ex.close()


def test_period_label_names_the_period_and_leaves_other_words() -> None:
    assert period_label("Payback (months)", "week") == "Payback (weeks)"
    assert period_label("Monthly churn", "quarter") == "Quarterly churn"
    assert period_label("ARPU ($ / customer / month)", "day") == "ARPU ($ / customer / day)"
    assert period_label("Months shown", "year") == "Years shown"
    assert period_label("Monthly churn", "month") == "Monthly churn"
    assert period_label("Median sales cycle (weeks)", "day") == "Median sales cycle (weeks)"
    # labels written in abstract periods (the retention explorer's)
    assert period_label("Mean churn per period", "week", "period") == "Mean churn per week"
    assert period_label("Periods observed", "quarter", "period") == "Quarters observed"
    assert period_label("Expected lifetime (periods)", "day", "period") == (
        "Expected lifetime (days)"
    )
    assert period_label("Periods observed", "period", "period") == "Periods observed"
    with pytest.raises(ValueError, match="written in months or periods, got written='week'"):
        period_label("x", "day", "week")


def test_widened_stretches_a_slider_to_the_files_value() -> None:
    c = Control("budget", "Budget", 0, 100_000, 1_000, 20_000)
    assert widened(c, 50_000) is c
    assert widened(c, None) is c
    wide = widened(c, 250_000)
    assert wide.min == 0 and wide.max >= 250_000
    assert wide.check(250_000) == 250_000
    low = widened(Control("arpu", "ARPU", 1, 100, 1, 12), 0.0)
    assert low.check(0.0) == 0.0
    big = widened(Control("cost", "Cost", 0.05, 5.0, 0.05, 0.5), 500.0)
    assert big.check(500.0) == 500.0 and big.steps <= 1_001


def test_a_failed_load_leaves_no_note_of_the_file(tmp_path: Path, monkeypatch) -> None:
    # A newcomer's load failed part-way; the next redraw then said "the activation rate
    # follows the file's rate_changes schedule" although nothing had been loaded.
    import funnelsim.widgets.growth as growth_widgets

    path = _file(tmp_path, WEEKLY)
    ex = growth_widgets.GrowthExplorer(threaded=False)
    try:
        before = ex.values

        def broken(c: Any, value: Any) -> Any:
            raise ValueError("cannot show this value")

        monkeypatch.setattr(growth_widgets, "widened", broken)
        ex.load(path)
        assert "Load failed: cannot show this value" in ex._status.value
        ex.refresh()
        assert "rate_changes" not in ex._status.value
        assert not ex.control("activation").disabled
        assert ex.values == before
    finally:
        ex.close()


#: A weekly subscription whose churn model comes from [retention] (sBG), discounted.
WEEKLY_RETENTION = """
name = "Weekly box"
seed = 3
buyers = 20_000
period = "week"

[retention]
churn = 0.05
polarization = 0.3
periods = 20
cohorts = 4

[economics]
arpu = 8.0
margin = 0.6
discount = 0.002
expansion = 0.001
paid_spend = 30_000.0
"""


def test_the_retention_tab_names_the_files_period_and_shows_its_ltv(tmp_path: Path) -> None:
    path = _file(tmp_path, WEEKLY_RETENTION)
    sc = fs.load_scenario(path)
    dash = Dashboard(scenario=path, threaded=False)
    try:
        ex = dash.explorer("Retention")
        assert "Loaded" in ex._status.value, ex._status.value
        # the LTV card is the scenario's (its sBG model, discount and expansion), exactly
        assert ex.metrics["ltv"] == sc.unit_economics().ltv
        assert ex.outcome.economics.period == "week"
        assert "week" in ex.outcome.economics.label
        assert ex.metrics["lifetime"] == sc.retention.model.expected_lifetime
        labels = {m.name: m.label for m in ex._metric_specs}
        assert labels["lifetime"] == "Expected lifetime (weeks)"
        assert labels["retained"] == "First cohort active after the last week"
        descriptions = {n: ex.control(n).description for n in ex.controls}
        assert descriptions["churn"] == "Mean churn per week"
        assert descriptions["periods"] == "Weeks observed"
        assert descriptions["arpu"] == "ARPU ($ / week)"
        shown = " ".join([*descriptions.values(), *labels.values()]).lower()
        assert "period" not in shown and "month" not in shown
        assert "Expected lifetime (weeks)" in ex.still()
        # a moved slider: the LTV of the file the explorer would save
        ex.set_values(churn=0.08)
        assert ex.metrics["ltv"] == pytest.approx(ex.scenario().unit_economics().ltv, rel=1e-12)
        # a failed load keeps the weekly labels; a monthly file names months
        ex.load(tmp_path / "missing.toml")
        assert ex.control("churn").description == "Mean churn per week"
        ex.load("b2c_referral")
        assert ex.control("churn").description == "Mean churn per month"
        assert {m.name: m.label for m in ex._metric_specs}["lifetime"] == (
            "Expected lifetime (months)"
        )
        assert ex.metrics["ltv"] == fs.load_scenario("b2c_referral").unit_economics().ltv
    finally:
        dash.close()


def test_the_retention_tab_prices_with_a_files_own_economics_churn(tmp_path: Path) -> None:
    # [economics] gives its own churn: the scenario's LTV uses it, and the card says so.
    text = WEEKLY_RETENTION.replace("margin = 0.6", "margin = 0.6\nchurn = 0.1")
    path = _file(tmp_path, text, "own_churn.toml")
    sc = fs.load_scenario(path)
    from funnelsim.widgets import RetentionExplorer

    ex = RetentionExplorer(scenario=path, threaded=False)
    try:
        assert ex.metrics["ltv"] == sc.unit_economics().ltv
        assert "churn from [economics]" in ex._metrics_html(ex.outcome, None)
        # the lifetime card is that of the cohorts simulated (the [retention] model)
        assert ex.metrics["lifetime"] == sc.retention.model.expected_lifetime
    finally:
        ex.close()


def test_an_explorer_without_a_file_says_period() -> None:
    from funnelsim.widgets import RetentionExplorer

    ex = RetentionExplorer(threaded=False)
    try:
        assert ex.control("churn").description == "Mean churn per period"
        assert ex.outcome.economics.period == "period"
    finally:
        ex.close()
