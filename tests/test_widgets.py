"""Explorers driven headlessly: move a slider in Python, check chart and metrics follow."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import funnelsim as fs
from funnelsim import charts, render
from funnelsim.widgets import Control, FunnelExplorer, Metric
from funnelsim.widgets.funnel import funnel_metrics
from funnelsim.widgets.specs import (
    AAARRR_RATES,
    FUNNEL_PRESETS,
    POPULATION,
    TLTB_RATES,
    by_name,
)


def _reached(spec: dict[str, Any], stage: str, scenario: str | None = None) -> float:
    rows = next(iter(spec["datasets"].values()))
    hits = [
        r["end"]
        for r in rows
        if r["stage"] == stage and r["part"] == "reached" and r.get("scenario") == scenario
    ]
    assert len(hits) == 1
    return float(hits[0])


@pytest.fixture
def explorer() -> FunnelExplorer:
    ex = FunnelExplorer("aaarrr", buyers=20_000, seed=11, threaded=False)
    yield ex
    ex.close()


# -- specs -------------------------------------------------------------------------------


def test_control_spec_validates_itself() -> None:
    with pytest.raises(ValueError, match="control 'x' needs min < max, got 1 and 1"):
        Control("x", "X", 1, 1, 0.1, 1)
    with pytest.raises(ValueError, match=r"step of control 'x' must be > 0, got 0"):
        Control("x", "X", 0, 1, 0, 0.5)
    with pytest.raises(ValueError, match=r"x \(X\) must be in \[0, 1\], got 2"):
        Control("x", "X", 0, 1, 0.1, 2)
    with pytest.raises(ValueError, match="log control 'x' needs min > 0, got 0"):
        Control("x", "X", 0, 10, 0.1, 1, scale="log")
    with pytest.raises(ValueError, match=r"x \(X\) must be a whole number, got 1\.5"):
        Control("x", "X", 0, 10, 1, 1.5, integer=True)
    with pytest.raises(ValueError, match="control names must be unique, got 'a' twice"):
        by_name([Control("a", "A", 0, 1, 0.1, 0), Control("a", "B", 0, 1, 0.1, 0)])


def test_rate_specs_match_the_model_defaults() -> None:
    aaarrr = fs.aaarrr()
    assert {c.name: c.default for c in AAARRR_RATES} == {
        n.lower(): aaarrr[n].rate for n in fs.AAARRR_STAGES[1:]
    }
    tltb = fs.trigger_learn_try_buy()
    assert [c.default for c in TLTB_RATES] == list(tltb.rates[1:])
    assert all(c.min == 0 and c.max == 1 for c in (*AAARRR_RATES, *TLTB_RATES))
    assert by_name(POPULATION)["buyers"].slow  # re-simulating many buyers is debounced


def test_metric_format() -> None:
    m = Metric("x", "X", "{:,.0f}")
    assert m.format(12345.4) == "12,345"
    assert m.format(math.nan) == m.format(None) == "–"
    assert m.format(math.inf) == "∞"  # an infinite lifetime is not an undefined one
    assert Metric("payback", "Payback", infinite="never").format(math.inf) == "never"
    assert Metric("k", "K", "{}").format(0.1 * 3) == "0.3"  # no float noise on a card


def test_signed_changes_of_metrics() -> None:
    from funnelsim.widgets._base import _signed

    money = Metric("revenue", "Revenue", "${:,.0f}")
    share = Metric("share", "Share", "{:.0%}")
    assert _signed(money, 1200.0) == "+$1,200"
    assert _signed(money, -3.0) == "−$3"
    assert _signed(money, 0.0) == "±$0"
    assert _signed(share, 0.18 - 0.21) == "−3 pp"  # a change of a percentage: points
    assert _signed(share, math.nan) == "–"


# -- the model behind the funnel explorer ----------------------------------------------------


def test_funnel_metrics_follow_their_definitions() -> None:
    result = fs.simulate(fs.aaarrr(), buyers=50_000, seed=3)
    values = {
        "arpu": 20.0,
        "margin": 0.5,
        "churn": 0.1,
        "cost_per_buyer": 0.2,
        "invites_per_user": 4.0,
        "invite_conversion": 0.25,
    }
    m = funnel_metrics(result, FUNNEL_PRESETS["aaarrr"], values)
    customers = float(result.counts[0, 4])
    assert m["customers"] == customers
    assert m["revenue"] == pytest.approx(customers * 20)
    # CAC: spend over the customers the funnel is expected to bring (not this run's draw)
    expected = 50_000 * float(fs.aaarrr().reach[4])
    assert m["cac"] == pytest.approx(50_000 * 0.2 / expected, rel=1e-12)
    assert m["ltv"] == pytest.approx(20 * 0.5 / 0.1)
    assert m["ltv_cac"] == pytest.approx(m["ltv"] / m["cac"])
    assert m["payback"] == fs.economics.payback_period(m["cac"], 20.0, 0.5, 0.1)
    assert m["k"] == pytest.approx(4 * 0.25)  # invites per user × conversion, as the CLI


def test_funnel_metrics_without_customers_are_undefined_not_errors() -> None:
    result = fs.simulate(fs.aaarrr(revenue=0.0), buyers=1_000, seed=3)
    values = {c.name: c.default for c in FUNNEL_PRESETS["aaarrr"].economics}
    m = funnel_metrics(result, FUNNEL_PRESETS["aaarrr"], values)
    assert m["customers"] == 0
    # spend that is expected to bring nobody: CAC unbounded, LTV:CAC 0, never pays back
    assert m["cac"] == math.inf and m["ltv_cac"] == 0.0 and m["payback"] == math.inf
    # K is a property of the invitations, defined without customers too
    assert m["k"] == pytest.approx(values["invites_per_user"] * values["invite_conversion"])


# -- the explorer ----------------------------------------------------------------------------


def test_explorer_builds_a_slider_per_control(explorer: FunnelExplorer) -> None:
    names = [c.name for c in AAARRR_RATES] + ["buyers", "seed"]
    for name in names:
        assert explorer.control(name).description == explorer.controls[name].label
    assert explorer.control("activation").value == 0.5
    assert explorer.control("buyers").value == pytest.approx(20_000)
    assert explorer.values["buyers"] == 20_000
    with pytest.raises(KeyError, match="no control 'learn'"):
        explorer.control("learn")


def test_first_render_is_the_model_run(explorer: FunnelExplorer) -> None:
    expected = fs.simulate(fs.aaarrr(), buyers=20_000, seed=11)
    np.testing.assert_array_equal(explorer.outcome.result.counts, expected.counts)
    assert explorer.svg == charts.to_svg(charts.funnel_chart(expected))
    assert "data-metric='customers'" in explorer._metrics.value
    assert f"{expected.counts[0, 4]:,}" in explorer._metrics.value


def test_moving_a_slider_resimulates_and_redraws(explorer: FunnelExplorer) -> None:
    before_svg, before = explorer.svg, explorer.metrics
    explorer.control("activation").value = 0.8
    after = explorer.metrics
    expected = fs.simulate(fs.aaarrr(activation=0.8), buyers=20_000, seed=11)
    assert after["customers"] == expected.counts[0, 4]
    assert after["customers"] > before["customers"]
    assert after["revenue"] > before["revenue"]
    assert after["cac"] < before["cac"]  # same spend, more customers
    assert explorer.svg != before_svg
    spec = explorer.chart().to_dict()
    assert _reached(spec, "Activation") == expected.counts[0, 2]


def test_economics_sliders_change_metrics_not_the_funnel(explorer: FunnelExplorer) -> None:
    counts = explorer.outcome.result.counts.copy()
    ltv = explorer.metrics["ltv"]
    explorer.control("churn").value = 0.04  # half the default 8 %
    assert explorer.metrics["ltv"] == pytest.approx(2 * ltv)
    np.testing.assert_array_equal(explorer.outcome.result.counts, counts)


def test_seed_and_buyers_controls(explorer: FunnelExplorer) -> None:
    explorer.control("seed").value = 12
    assert explorer.outcome.result.seed == 12
    explorer.control("buyers").value = 1_000
    assert explorer.outcome.result.buyers == 1_000
    assert "1,000 buyers" in explorer.chart().to_dict()["title"]


def test_ab_mode_freezes_a_while_b_moves(explorer: FunnelExplorer) -> None:
    a_customers = explorer.metrics["customers"]
    explorer.ab = True
    explorer.control("revenue").value = 0.8
    assert explorer.outcome_a is not None
    assert explorer.outcome_a.metrics["customers"] == a_customers
    assert explorer.metrics["customers"] > a_customers
    spec = explorer.chart().to_dict()
    assert spec["facet"]["field"] == "scenario"
    assert _reached(spec, "Revenue", "A (frozen)") == a_customers
    assert _reached(spec, "Revenue", "B") == explorer.metrics["customers"]
    table = explorer._metrics.value
    assert "B − A" in table and "+" in table
    explorer.ab = False
    assert explorer.outcome_a is None
    assert "facet" not in explorer.chart().to_dict()


def test_reset_returns_to_the_starting_values(explorer: FunnelExplorer) -> None:
    start = explorer.values
    first = explorer.metrics
    explorer.set_values(activation=0.9, seed=5, arpu=50)
    assert explorer.values != start
    explorer.ab = True
    explorer.reset()
    assert explorer.values == start
    assert not explorer.ab
    assert explorer.metrics == first


def test_set_values_checks_names_and_ranges(explorer: FunnelExplorer) -> None:
    with pytest.raises(KeyError, match="no control 'activaton'"):
        explorer.set_values(activaton=0.5)
    with pytest.raises(ValueError, match=r"activation \(Activation \(.*\)\) must be in \[0, 1\]"):
        explorer.set_values(activation=1.5)


def test_constructor_checks_preset_and_values() -> None:
    with pytest.raises(ValueError, match=r"preset must be one of \['aaarrr', 'tltb'\], got 'b2b'"):
        FunnelExplorer("b2b", threaded=False)
    with pytest.raises(TypeError, match=r"has no control\(s\) \['actvation'\]"):
        FunnelExplorer(actvation=0.4, threaded=False)
    with pytest.raises(ValueError, match=r"^activation \(.*\) must be in \[0, 1\], got 1.2"):
        FunnelExplorer(activation=1.2, threaded=False)
    with pytest.raises(TypeError, match=r"cost_per_buyer \(Marketing cost per buyer .*\) must be"):
        FunnelExplorer(cost_per_buyer="cheap", threaded=False)


def test_preset_switch_rebuilds_the_controls(explorer: FunnelExplorer) -> None:
    explorer.control("seed").value = 3
    explorer.preset = "tltb"
    assert list(explorer.controls)[:3] == ["learn", "try_", "buy"]
    assert explorer.values["seed"] == 3  # population settings carry over
    result = explorer.outcome.result
    assert result.funnel.names == fs.TLTB_STAGES
    assert math.isnan(explorer.metrics["k"])  # no referral stage in B2B
    explorer.control("buy").value = 0.5
    assert explorer.outcome.result.funnel["Buy"].rate == 0.5
    assert explorer.outcome.result.funnel["Buy"].time == fs.trigger_learn_try_buy()["Buy"].time


def test_save_and_load_scenario_files(explorer: FunnelExplorer, tmp_path: Path) -> None:
    explorer.set_values(activation=0.42, buyers=5_000, seed=77)
    path = explorer.save(tmp_path / "class.toml")
    assert path is not None and path.exists()
    assert "Saved" in explorer._status.value
    other = FunnelExplorer("tltb", threaded=False)
    other.load(path)
    assert other.preset == "aaarrr"
    assert other.values["activation"] == pytest.approx(0.42)
    assert other.values["buyers"] == 5_000 and other.values["seed"] == 77
    assert other.metrics["customers"] == explorer.metrics["customers"]
    other.load(tmp_path / "missing.toml")
    assert "Load failed" in other._status.value and "missing.toml" in other._status.value
    assert other.values["seed"] == 77  # a failed load changes nothing
    # Save never replaces a file silently: it refuses and says why, unless asked to.
    other.set_values(seed=78)
    before = path.read_text(encoding="utf-8")
    assert other.save(path) is None
    assert "Not saved" in other._status.value and "already exists" in other._status.value
    assert path.read_text(encoding="utf-8") == before
    other._path.value = str(path)
    other._overwrite.value = True  # the Overwrite box beside Save
    other._save_button.click()
    assert "Saved" in other._status.value
    assert fs.load_scenario(path).seed == 78
    other.close()


def test_threaded_explorer_renders_latest_values() -> None:
    ex = FunnelExplorer(buyers=2_000, seed=1, threaded=True)
    try:
        for v in (0.1, 0.2, 0.3, 0.9):
            ex.control("activation").value = v
        assert ex.wait(timeout=20)
        assert ex.outcome.values["activation"] == 0.9
        expected = fs.simulate(fs.aaarrr(activation=0.9), buyers=2_000, seed=1)
        assert ex.metrics["customers"] == expected.counts[0, 4]
    finally:
        ex.close()


# -- the live chart: a Vega spec for the browser, SVG only when asked for ---------------------


def _shown(ex: Any) -> dict[str, Any]:
    """The Vega spec in the explorer's chart area (its one output)."""
    (output,) = ex._chart.outputs
    assert output["output_type"] == "display_data"
    assert output["metadata"][render.VEGA_MIMETYPE]["embed_options"]["renderer"] == "canvas"
    return dict(output["data"][render.VEGA_MIMETYPE])


def _shown_rows(ex: Any) -> list[dict[str, Any]]:
    (data,) = [d for d in _shown(ex)["data"] if "values" in d]
    return list(data["values"])


def _frame_rows(frame: Any) -> list[dict[str, Any]]:
    rows = frame.to_dict(orient="records")
    return [
        {str(k): None if isinstance(v, float) and not math.isfinite(v) else v for k, v in r.items()}
        for r in rows
    ]


def test_a_redraw_sends_the_new_rows_as_a_vega_spec_and_draws_no_svg(
    explorer: FunnelExplorer,
) -> None:
    before = _shown_rows(explorer)
    explorer.control("activation").value = 0.8
    assert explorer._svg is None  # nothing drawn in the kernel on a slider move
    rows = _shown_rows(explorer)
    assert rows == _frame_rows(explorer.plot_.frame)
    assert rows != before
    expected = fs.simulate(fs.aaarrr(activation=0.8), buyers=20_000, seed=11)
    reached = {r["stage"]: r["end"] for r in rows if r["part"] == "reached"}
    assert reached["Activation"] == expected.counts[0, 2]
    assert reached["Revenue"] == expected.counts[0, 4]
    assert explorer.render_seconds > 0
    assert "updated in" in explorer._status.value


def test_svg_on_demand_is_to_svg_of_the_chart_shown(explorer: FunnelExplorer) -> None:
    explorer.control("activation").value = 0.7
    svg = explorer.svg
    assert svg == charts.to_svg(explorer.chart())
    assert explorer.svg is svg  # drawn once, then kept
    explorer.ab = True
    explorer.control("activation").value = 0.4
    assert explorer.svg == charts.to_svg(explorer.chart())
    assert "A (frozen)" in explorer.svg
    assert {r["scenario"] for r in _shown_rows(explorer)} == {"A (frozen)", "B"}


def test_without_vl_convert_the_explorer_still_draws_in_the_browser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "vl_convert", None)  # import vl_convert -> ImportError
    ex = FunnelExplorer(buyers=2_000, seed=1, threaded=False)
    try:
        ex.control("activation").value = 0.6
        (output,) = ex._chart.outputs
        spec = output["data"][render.VEGALITE_MIMETYPE]
        assert next(iter(spec["datasets"].values())) == _frame_rows(ex.plot_.frame)
        assert ex.svg == ""  # no still picture without vl-convert
    finally:
        ex.close()


def test_the_model_runs_with_one_blas_thread_and_the_limit_is_lifted_after(
    explorer: FunnelExplorer,
) -> None:
    from threadpoolctl import threadpool_info

    def blas_threads() -> set[int]:
        return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}

    before = blas_threads()
    seen: list[set[int]] = []
    compute = explorer.compute

    def watched(values: Any) -> Any:
        seen.append(blas_threads())
        return compute(values)

    explorer.compute = watched  # type: ignore[method-assign]
    explorer.control("activation").value = 0.6
    assert seen == [{1}]
    assert blas_threads() == before
    assert (
        explorer.metrics["customers"]
        == fs.simulate(fs.aaarrr(activation=0.6), buyers=20_000, seed=11).counts[0, 4]
    )


def test_switching_a_b_reuses_the_run_until_a_control_moves(explorer: FunnelExplorer) -> None:
    runs: list[dict[str, Any]] = []
    compute = explorer.compute

    def counted(values: Any) -> Any:
        runs.append(dict(values))
        return compute(values)

    explorer.compute = counted  # type: ignore[method-assign]
    explorer.ab = True
    assert runs == []  # A frozen, B the same run: no rerun
    assert explorer.outcome is explorer.outcome_a
    assert {r["scenario"] for r in _shown_rows(explorer)} == {"A (frozen)", "B"}
    explorer.control("activation").value = 0.7
    explorer.ab = False
    explorer.ab = True
    assert [r["activation"] for r in runs] == [0.7]
    explorer.reset()  # leaves A/B and moves the controls back: a new run
    assert [r["activation"] for r in runs] == [0.7, 0.5]
    assert (
        explorer.metrics["customers"]
        == (fs.simulate(fs.aaarrr(), buyers=20_000, seed=11).counts[0, 4])
    )


def test_a_failed_run_keeps_the_chart_and_says_why(explorer: FunnelExplorer) -> None:
    shown = explorer._chart.outputs

    def broken(values: Any) -> Any:
        raise ValueError("buyers must be > 0, got 0")

    explorer.compute = broken  # type: ignore[method-assign]
    explorer.refresh()
    assert explorer._chart.outputs == shown
    assert "Cannot run these settings: buyers must be &gt; 0, got 0" in explorer._status.value


def test_repr_has_a_short_text_and_a_static_chart(explorer: FunnelExplorer) -> None:
    bundle = explorer._repr_mimebundle_()
    assert bundle["text/plain"] == "FunnelExplorer('aaarrr'): AAARRR, 20,000 buyers, seed 11"
    assert bundle["image/svg+xml"].startswith("<svg")
    assert "application/vnd.jupyter.widget-view+json" in bundle


# -- the other explorers: one slider each, the metric moves the way the model says ---------------


def test_growth_explorer_and_dashboard() -> None:
    from funnelsim.growth import simulate_growth
    from funnelsim.scenarios import GrowthSettings
    from funnelsim.scenarios.runner import section_seed
    from funnelsim.widgets import Dashboard, GrowthExplorer

    ex = GrowthExplorer(threaded=False, periods=12)
    try:
        before = ex.metrics
        ex.control("invites_per_user").value = 1.5
        assert ex.metrics["k"] == pytest.approx(3 * before["k"])
        assert ex.metrics["referral_share"] > before["referral_share"]
        v = ex.values
        expected = simulate_growth(
            12,
            funnel=fs.aaarrr(**{c.name: v[c.name] for c in AAARRR_RATES}),
            # the stream `funnelsim simulate` gives [growth] of a file with this seed
            seed=section_seed(v["seed"], GrowthSettings.STREAM),
            budget=v["budget"],
            cost_per_lead=v["cost_per_lead"],
            invites_per_user=1.5,
            invite_conversion=v["invite_conversion"],
            referral_reward=v["referral_reward"],
            churn=v["churn"],
            arpu=v["arpu"],
            margin=v["margin"],
            market_size=v["market_size"],
        )
        last = expected.periods["active"].iloc[-1]
        assert ex.metrics["customers"] == last
        ex.ab = True
        ex.control("churn").value = 0.2
        assert ex.metrics["customers"] < ex.outcome_a.metrics["customers"]
        spec = ex.chart().to_dict()
        assert {r["scenario"] for r in next(iter(spec["datasets"].values()))} == {"A (frozen)", "B"}
    finally:
        ex.close()
    dash = Dashboard(threaded=False, seed=3)
    assert dash.title.startswith("Instructor dashboard")
    assert dash.summary() == "Dashboard: 36 periods, seed 3"
    assert dash.widget.titles[0] == "Growth model"
    assert dash._built == {}  # other tabs are built when first opened
    dash.widget.selected_index = 1 + dash.tabs.index("B2B deal")
    b2b = dash.explorer("B2B deal")
    assert dash._pages["B2B deal"].children == (b2b.widget,)
    assert b2b.metrics["win_rate"] > 0
    with pytest.raises(KeyError, match="no tab 'Churn'"):
        dash.explorer("Churn")
    dash.close()


def test_referral_explorer() -> None:
    from funnelsim.widgets import ReferralExplorer

    ex = ReferralExplorer(threaded=False, replications=5)
    assert ex.metrics["k"] == pytest.approx(2.0 * 0.2)
    ex.control("invite_conversion").value = 0.4
    assert ex.metrics["k"] == pytest.approx(0.8)
    assert ex.metrics["expected_total"] == pytest.approx(1_000 / (1 - 0.8))
    # the simulated mean is within a few standard errors of s / (1 - K)
    totals = ex.outcome.result.totals
    se = totals.std(ddof=1) / np.sqrt(totals.size)
    assert abs(ex.metrics["customers"] - 5_000) < 4 * se + 1
    assert ex.svg.startswith("<svg")
    ex.close()


def test_retention_explorer_fits_the_model_it_simulates() -> None:
    from funnelsim.widgets import RetentionExplorer

    ex = RetentionExplorer(threaded=False, cohort_size=5_000, polarization=0.2, churn=0.25)
    # churn = a / (a + b) = 0.25 and polarization = 1 / (a + b + 1) = 0.2 give a = 1, b = 3
    assert ex.metrics["alpha"] == pytest.approx(1.0, rel=0.25)
    assert ex.metrics["beta"] == pytest.approx(3.0, rel=0.25)
    retained = ex.metrics["retained"]
    ex.control("churn").value = 0.1
    assert ex.metrics["retained"] > retained
    ex.close()


def test_economics_explorer() -> None:
    from funnelsim.economics import ltv_discounted
    from funnelsim.widgets import EconomicsExplorer
    from funnelsim.widgets.economics import payback_frame

    ex = EconomicsExplorer(threaded=False)
    v = ex.values
    assert ex.metrics["ltv"] == pytest.approx(ltv_discounted(30, 0.8, 0.05, 0.01))
    assert ex.metrics["ltv_cac"] == pytest.approx(ex.metrics["ltv"] / 300)
    frame = payback_frame({**v, "months": 2000})
    assert frame["profit"].iloc[-1] == pytest.approx(ex.metrics["ltv"], rel=1e-6)
    months = frame.loc[frame["profit"] >= 300, "month"].iloc[0] + 1  # whole months paid
    assert ex.metrics["payback"] <= months
    ex.control("cac").value = 100
    assert ex.metrics["ltv_cac"] == pytest.approx(ex.metrics["ltv"] / 100)
    ex.ab = True
    ex.control("churn").value = 0.2
    spec = ex.chart().to_dict()
    assert {r["scenario"] for r in next(iter(spec["datasets"].values()))} == {"A (frozen)", "B"}
    ex.close()


def test_b2b_explorer_champion_and_beckhard() -> None:
    from funnelsim.b2b import beckhard_probability
    from funnelsim.widgets import B2BExplorer
    from funnelsim.widgets.b2b import accounts_table

    ex = B2BExplorer(threaded=False, accounts=20_000)
    assert ex.metrics["buy_rate"] == pytest.approx(0.5)  # A·B·D = 6·5·4 = 120 = X
    table = accounts_table(ex.outcome.result)
    assert table["reached"].iloc[-1] == ex.metrics["customers"]
    win = ex.metrics["win_rate"]
    ex.control("champion").value = 0.9
    assert ex.metrics["win_rate"] > win  # same random numbers, more champions
    ex.control("first_steps").value = 8
    assert ex.metrics["buy_rate"] == pytest.approx(float(beckhard_probability(6, 5, 8, 120)))
    assert ex.metrics["revenue"] == ex.metrics["customers"] * 60_000
    ex.close()


def test_sensitivity_explorer_names_the_step_to_fix() -> None:
    from funnelsim.sensitivity_analysis import sensitivity
    from funnelsim.widgets import SensitivityExplorer

    ex = SensitivityExplorer(threaded=False)
    frame = sensitivity(fs.aaarrr(), delta=0.05, buyers=10_000)
    assert ex.metrics["customers"] == pytest.approx(frame["base"].iloc[0])
    assert ex.metrics["swing"] == pytest.approx(frame["swing"].max())
    assert f"Fix {frame['stage'].iloc[0]} first" in ex.chart().to_dict()["title"]
    ex.control("referral").value = 0.9  # now the lowest relative lever is elsewhere
    assert "Fix Acquisition first" in ex.chart().to_dict()["title"]
    ex.close()


def test_growth_explorer_reads_and_writes_scenario_files(tmp_path: Path) -> None:
    from funnelsim.scenarios import load_scenario
    from funnelsim.widgets import GrowthExplorer

    ex = GrowthExplorer(threaded=False)
    try:
        ex.load("b2c_referral")
        assert "Loaded b2c_referral" in ex._status.value
        sc = load_scenario("b2c_referral")
        v = ex.values
        assert v["activation"] == sc.funnel["Activation"].rate
        assert v["seed"] == sc.seed and v["periods"] == sc.growth.periods
        assert v["cost_per_lead"] == sc.growth.params.cost_per_lead
        assert v["market_size"] == sc.growth.params.market_size
        assert ex.outcome.values == v  # the chart shows the loaded scenario
        ex.control("churn").value = 0.12
        path = ex.save(tmp_path / "class.toml")
        again = load_scenario(path)
        # the churn lives in [retention] (economics and growth take it from there)
        assert again.retention.churn == 0.12
        assert again.growth.params.churn_model.mean_churn == pytest.approx(0.12)
        assert again.name == sc.name
        other = GrowthExplorer(threaded=False)
        other.load(path)
        assert other.values == ex.values
        assert other.metrics == ex.metrics
        other.load("b2b_saas")  # a Trigger-Learn-Try-Buy funnel
        assert "Load failed: the growth explorer needs an AAARRR funnel" in other._status.value
        assert other.values == ex.values  # a failed load changes nothing
        other.close()
    finally:
        ex.close()


# -- scenario files in every explorer --------------------------------------------------------

_SECTIONS = ("referral", "retention", "economics", "b2b", "growth")


@pytest.mark.parametrize("name", fs.list_scenarios())
def test_funnel_explorer_loads_every_ready_made_scenario(name: str, tmp_path: Path) -> None:
    from funnelsim.scenarios import load_scenario

    sc = load_scenario(name)
    ex = FunnelExplorer(threaded=False)
    try:
        ex.load(name)
        assert f"Loaded {name}" in ex._status.value
        # One rate slider per stage after the first, at the file's rates.
        rates = [c for c in ex.controls.values() if c.readout == ".0%" and c.max == 1.0][
            : len(sc.funnel.names) - 1
        ]
        assert [ex.values[c.name] for c in rates] == list(sc.funnel.rates[1:])
        assert ex.outcome is not None and ex.outcome.result.funnel == sc.funnel
        assert ex.values["buyers"] == sc.buyers and ex.values["seed"] == sc.seed
        # Saving without moving anything writes the same scenario, every section kept.
        saved = load_scenario(ex.save(tmp_path / "same.toml"))
        assert saved == sc
        # Moving the first rate replaces that rate only.
        first = rates[0].name
        ex.control(first).value = 0.05
        moved = ex.scenario()
        assert moved.funnel[first].rate == 0.05
        assert moved == sc.with_values({f"funnel.rates.{first}": 0.05})
        for key in _SECTIONS:
            assert (getattr(moved, key) is None) == (getattr(sc, key) is None)
    finally:
        ex.close()


def test_funnel_explorer_shows_a_funnel_of_its_own() -> None:
    ex = FunnelExplorer(scenario="viral_saturation", threaded=False)
    try:
        assert ex.preset == "scenario"
        assert list(ex.controls)[:4] == ["installed", "first_share", "weekly_active", "inviter"]
        assert ex.controls["first_share"].label == "Installed → First share"
        ex.control("inviter").value = 0.35
        assert ex.outcome is not None
        assert ex.outcome.result.funnel["Inviter"].rate == 0.35
        # Its times stay the file's, and K uses the [referral] section's invites.
        assert ex.outcome.result.funnel["Weekly active"].time.mean == 7.0
        assert ex.values["invites_per_user"] == 5.0 and ex.values["invite_conversion"] == 0.5
        # Users who install are the ones who invite: K is the [referral] section's.
        assert ex.metrics["k"] == pytest.approx(5.0 * 0.5)
        assert ex.metrics["customers"] == ex.outcome.result.reached["Installed"]
        ex.preset = "aaarrr"  # back to a preset: saving writes a new scenario
        assert ex.scenario().funnel.names == fs.aaarrr().names
        ex.preset = "scenario"
        assert ex.outcome.result.funnel.names[1] == "Installed"
    finally:
        ex.close()


def test_funnel_explorer_economics_round_trip(tmp_path: Path) -> None:
    from funnelsim.scenarios import load_scenario

    ex = FunnelExplorer(threaded=False)
    try:
        ex.load("b2c_referral")
        sc = load_scenario("b2c_referral")
        assert ex.values["arpu"] == sc.economics.arpu
        assert ex.values["cost_per_buyer"] == pytest.approx(sc.economics.paid_spend / sc.buyers)
        assert ex.values["invites_per_user"] == pytest.approx(0.45 * 2.0 + 0.35 * 0.6 + 0.20 * 0.1)
        ex.set_values(arpu=9, buyers=50_000)
        again = load_scenario(ex.save(tmp_path / "b2c.toml"))
        assert again.economics.arpu == 9
        # Spend follows the buyers at the same cost per buyer.
        assert again.economics.paid_spend == pytest.approx(0.2 * 50_000)
        assert again.referral == sc.referral  # invites untouched: segments kept
        assert again.retention == sc.retention
        # the growth model takes its ARPU from [economics]: only that moved
        params = dataclasses.replace(sc.growth.params, arpu=9.0)
        assert again.growth == dataclasses.replace(sc.growth, params=params)
    finally:
        ex.close()


def test_funnel_explorer_scenario_errors_name_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("buyers = 5\n[funnel]\npreset = 'aaarrr'\n")  # below the slider's 100
    ex = FunnelExplorer(threaded=False, seed=3)
    try:
        ex.load(bad)
        assert "Load failed: buyers = 5 is outside the explorer" in ex._status.value
        assert ex.values["seed"] == 3
        with pytest.raises(ValueError, match="buyers = 5 is outside"):
            FunnelExplorer(scenario=bad, threaded=False)
    finally:
        ex.close()


@pytest.mark.parametrize(
    ("cls", "name", "section", "control", "value"),
    [
        ("ReferralExplorer", "b2c_referral", "referral", "invite_conversion", 0.3),
        ("ReferralExplorer", "viral_saturation", "referral", "market_size", 50_000),
        ("RetentionExplorer", "b2c_referral", "retention", "cohorts", 4),
        ("EconomicsExplorer", "b2c_referral", "economics", "margin", 0.5),
        ("B2BExplorer", "b2b_saas", "b2b", "champion", 0.5),
    ],
)  # fmt: skip
def test_section_explorers_load_and_save_their_section(
    cls: str, name: str, section: str, control: str, value: Any, tmp_path: Path
) -> None:
    import funnelsim.widgets as widgets
    from funnelsim.scenarios import load_scenario

    sc = load_scenario(name)
    ex = getattr(widgets, cls)(threaded=False)
    try:
        ex.load(name)
        assert f"Loaded {name}" in ex._status.value
        assert load_scenario(ex.save(tmp_path / "same.toml")) == sc
        ex.control(control).value = value
        again = load_scenario(ex.save(tmp_path / "moved.toml"))
        # The moved value replaced; everything else (other sections too) as in the file.
        assert again == sc.with_values({f"{section}.{control}": value})
        ex.reset()  # back to the file's values
        assert load_scenario(ex.save(tmp_path / "reset.toml")) == sc
    finally:
        ex.close()


def test_section_explorers_take_what_the_file_says() -> None:
    from funnelsim.scenarios import load_scenario
    from funnelsim.widgets import (
        B2BExplorer,
        EconomicsExplorer,
        ReferralExplorer,
        RetentionExplorer,
    )

    b2c, saas = load_scenario("b2c_referral"), load_scenario("b2b_saas")
    with_ref = ReferralExplorer(threaded=False)
    with_ref.load("viral_saturation")
    # Seed buyers default to those expected at seed_stage; negbin invites are kept.
    assert with_ref.values["seed_buyers"] == 400
    assert with_ref.outcome is not None and with_ref.metrics["k"] == pytest.approx(2.5)
    assert with_ref._kept["invite_distribution"] == "negbin"
    assert with_ref.metrics["customers"] <= 40_000  # the campus caps the cascade
    ret = RetentionExplorer(threaded=False)
    ret.load("b2c_referral")
    assert ret.values["churn"] == pytest.approx(b2c.retention.model.mean_churn)
    assert ret.values["polarization"] == pytest.approx(0.1)
    # the customers the file's funnel run counts at Revenue, as Scenario.run() sizes cohorts
    assert ret.values["cohort_size"] == b2c.simulate().reached["Revenue"]
    eco = EconomicsExplorer(threaded=False)
    eco.load("b2b_saas")
    customers = saas.buyers * saas.funnel.reach[-1]  # expected, not rounded
    assert eco.values["cac"] == pytest.approx(saas.economics.paid_spend / customers)
    assert eco.values["churn"] == pytest.approx(saas.retention.model.mean_churn)
    deal = B2BExplorer(threaded=False)
    deal.load("b2b_saas")
    # X is set so that Beckhard's rule gives the file's Buy rate.
    assert deal.metrics["buy_rate"] == pytest.approx(saas.funnel["Buy"].rate)
    assert deal.values["champion"] == 0.30 and deal.values["deal_size"] == 12 * 2_500.0
    deal.load("b2c_referral")
    assert "Load failed: scenario 'B2C app with a referral programme' has no [b2b] section" in (
        deal._status.value.replace("&#x27;", "'")
    )
    for ex in (with_ref, ret, eco, deal):
        ex.close()


def test_explorers_without_a_loaded_file_save_a_complete_scenario(tmp_path: Path) -> None:
    from funnelsim.widgets import (
        B2BExplorer,
        EconomicsExplorer,
        ReferralExplorer,
        RetentionExplorer,
    )

    for cls in (
        FunnelExplorer,
        ReferralExplorer,
        RetentionExplorer,
        EconomicsExplorer,
        B2BExplorer,
    ):
        ex = cls(threaded=False)
        try:
            path = ex.save(tmp_path / f"{cls.__name__}.toml")
            assert path is not None, ex._status.value
            other = cls(threaded=False, seed=1) if "seed" in ex.controls else cls(threaded=False)
            other.load(path)
            assert other.values == ex.values
            assert other.metrics == pytest.approx(ex.metrics, nan_ok=True)
            other.close()
        finally:
            ex.close()


def test_section_explorers_start_from_a_scenario() -> None:
    from funnelsim.scenarios import load_scenario
    from funnelsim.widgets import GrowthExplorer, ReferralExplorer, RetentionExplorer

    sc = load_scenario("b2c_referral")
    ex = RetentionExplorer(scenario="b2c_referral", cohorts=3, threaded=False)
    assert ex.values["periods"] == sc.retention.periods  # from the file
    assert ex.values["cohorts"] == 3  # given here, wins over the file
    assert ex.scenario() == sc.with_values({"retention.cohorts": 3})
    ex.close()
    growth = GrowthExplorer(scenario=sc, threaded=False)
    assert growth.values["periods"] == sc.growth.periods
    growth.close()
    with pytest.raises(ValueError, match=r"has no \[referral\] section"):
        ReferralExplorer(scenario="b2b_saas", threaded=False)
    with pytest.raises(FileNotFoundError, match=r"no scenario file 'no_such_file\.toml'"):
        ReferralExplorer(scenario="no_such_file.toml", threaded=False)


# -- exact sliders: whole step counts, reachable ends, no silent clipping ----------------------


def _all_controls() -> list[Any]:
    import funnelsim.widgets.specs as specs

    found = []
    for name in dir(specs):
        value = getattr(specs, name)
        if name.isupper() and isinstance(value, tuple):
            found.extend(c for c in value if isinstance(c, Control))
    return found


def test_every_control_spans_a_whole_number_of_steps() -> None:
    from funnelsim.widgets._base import _slider

    controls = _all_controls()
    assert len(controls) > 50
    for c in controls:
        widget = _slider(c)
        if c.integer and c.scale == "linear":
            assert (widget.max - widget.min) % widget.step == 0, c.name
            continue
        values = list(widget._options_values)
        assert values[0] == c.min and values[-1] == c.max, c.name  # both ends reachable
        assert len(values) == c.steps + 1, c.name
        if c.scale == "linear":
            # every value is min + i × step, exactly as typed (no 0.07000000000000001)
            assert all(repr(v) == repr(float(f"{v:.12g}")) for v in values), c.name
        widget.close()


def test_retention_churn_slider_reaches_its_top_value() -> None:
    from funnelsim.widgets.specs import RETENTION_CONTROLS

    churn = next(c for c in RETENTION_CONTROLS if c.name == "churn")
    assert churn.steps == 59  # (0.6 − 0.01) / 0.01 is 58.99999999999999 in floats
    assert churn.options()[-1] == 0.6


def test_a_range_that_is_not_whole_steps_is_refused() -> None:
    with pytest.raises(ValueError, match="must span a whole number of steps"):
        Control("x", "X", 0.0, 1.0, 0.3, 0.3)


def test_a_slider_value_out_of_range_or_between_steps_raises(explorer: FunnelExplorer) -> None:
    from traitlets import TraitError

    with pytest.raises(TraitError, match=r"Seed must be in \[0, 9,999\], got 12345"):
        explorer.control("seed").value = 12_345
    with pytest.raises(TraitError, match="is not a value of the slider"):
        explorer.control("activation").value = 1.5
    with pytest.raises(TraitError, match="is not a value of the slider"):
        explorer.control("activation").value = 0.505
    with pytest.raises(ValueError, match=r"activation .* must be in \[0, 1\], got 1.5"):
        explorer.set_values(activation=1.5)
    explorer.set_values(activation=0.505)  # in range, between steps: kept exactly
    assert explorer.values["activation"] == 0.505


def test_renamed_controls_still_answer_to_their_old_names() -> None:
    from funnelsim.widgets import GrowthExplorer

    match = r"GrowthExplorer: the control 'invites_per_customer' is deprecated.*'invites_per_user'"
    with pytest.warns(DeprecationWarning, match=match):
        ex = GrowthExplorer(threaded=False, periods=6, invites_per_customer=1.25)
    try:
        assert ex.values["invites_per_user"] == 1.25
        with pytest.warns(DeprecationWarning, match=match):
            ex.set_values(invites_per_customer=0.75)
        assert ex.values["invites_per_user"] == 0.75
        with pytest.warns(DeprecationWarning, match=match):
            assert ex.control("invites_per_customer") is ex.control("invites_per_user")
        with pytest.raises(TypeError, match=r"got both invites_per_customer= \(its old name\)"):
            ex.set_values(invites_per_customer=1.0, invites_per_user=1.0)
    finally:
        ex.close()


def test_retention_save_writes_only_moved_values_and_clean_numbers(tmp_path):
    import difflib

    from funnelsim.widgets import RetentionExplorer

    source = (
        (Path(fs.__file__).parent / "scenario_files" / "b2c_referral.toml").read_text().splitlines()
    )
    ex = RetentionExplorer(scenario="b2c_referral", threaded=False)
    assert ex.values["churn"] == 0.08 and ex.values["polarization"] == 0.1
    same = ex.save(tmp_path / "same.toml").read_text().splitlines()
    assert list(difflib.unified_diff(source, same, lineterm="", n=0)) == []
    ex.control("polarization").value = 0.2
    moved = ex.save(tmp_path / "moved.toml").read_text().splitlines()
    diff = [
        line
        for line in difflib.unified_diff(source, moved, lineterm="", n=0)
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert [line.split("#")[0].strip() for line in diff] == [
        "-polarization = 0.1",
        "+polarization = 0.2",
    ]


def test_funnel_explorer_without_economics_invents_no_money() -> None:
    sc = fs.load_scenario("viral_saturation")
    assert sc.economics is None
    ex = FunnelExplorer(scenario="viral_saturation", threaded=False)
    for name in ("revenue", "cac", "ltv", "ltv_cac", "payback"):
        assert math.isnan(ex.metrics[name]), name
    cards = ex._metrics_html(ex.outcome, None)
    assert cards.count("no [economics] section") == 5
    assert "$120" not in cards and "120.00" not in cards
    # a scenario with [economics] keeps its cards
    with_money = FunnelExplorer(scenario="b2c_referral", threaded=False)
    assert math.isfinite(with_money.metrics["ltv"])
    assert "no [economics] section" not in with_money._metrics_html(with_money.outcome, None)


@pytest.mark.parametrize("name", ["b2c_referral", "viral_saturation"])
def test_funnel_explorer_k_is_the_cli_k(name: str) -> None:
    from funnelsim.scenarios.runner import referral_k

    sc = fs.load_scenario(name)
    assert sc.referral is not None
    ex = FunnelExplorer(scenario=name, threaded=False)
    assert ex.metrics["k"] == pytest.approx(referral_k(sc.referral), rel=1e-12)


def test_funnel_explorer_without_referral_says_so() -> None:
    ex = FunnelExplorer(scenario="b2b_saas", threaded=False)
    cards = ex._metrics_html(ex.outcome, None)
    assert "no referral" in cards and "nan" not in cards.lower().replace("fs-", "")


def test_the_b2b_adoption_slider_saves_and_loads(tmp_path):
    # The slider declares b2b.adoption: save, load, the same values.
    from funnelsim.widgets import B2BExplorer

    ex = B2BExplorer(scenario="b2b_saas", threaded=False)
    try:
        assert ex.values["adoption"] == 1.0  # no adoption step in the file: all kept
        ex.set_values(adoption=0.55)
        path = ex.save(tmp_path / "adoption.toml")
        assert fs.load_scenario(path).b2b.adoption == 0.55
        again = B2BExplorer(scenario=path, threaded=False)
        assert again.values == ex.values
        assert again.metrics == ex.metrics
        again.close()
        new = B2BExplorer(threaded=False, adoption=0.4)
        assert new.scenario().b2b.adoption == 0.4
        new.close()
    finally:
        ex.close()


# -- declared settings: every slider loads and saves through its Control.setting ---------------


def test_a_setting_reads_a_path_its_default_and_skips_an_absent_optional_section() -> None:
    from funnelsim.widgets.specs import Setting, as_setting

    sc = fs.Scenario(buyers=500, seed=3)
    assert as_setting("") is None
    plain = as_setting("buyers")
    assert plain == Setting("buyers") and as_setting(plain) is plain
    assert plain.load(sc, {}) == 500 and plain.section is None
    assert plain.save(sc, 800, {}).buyers == 800
    # an unset field shows `missing`; an optional setting of an absent section reads nothing
    assert Setting("referral.market_size", missing=7).load(sc, {}) == 7
    arpu = Setting("economics.arpu", optional=True)
    assert arpu.section == "economics" and arpu.absent(sc)
    assert arpu.load(sc, {}) is None
    assert arpu.save(sc, 9.0, {}) is sc  # nothing to change in a file without [economics]
    # not optional: the section is created, as Scenario.with_values does
    created = Setting("economics.churn").save(sc, 0.1, {})
    assert created.economics is not None and created.economics.churn == 0.1


def test_every_slider_of_the_scenario_explorers_declares_its_setting() -> None:
    from funnelsim.widgets import (
        B2BExplorer,
        EconomicsExplorer,
        ReferralExplorer,
        RetentionExplorer,
    )

    for ex in (
        FunnelExplorer(threaded=False),
        FunnelExplorer("tltb", threaded=False),
        ReferralExplorer(threaded=False),
        RetentionExplorer(threaded=False),
        B2BExplorer(threaded=False),
        EconomicsExplorer(threaded=False),
    ):
        try:
            undeclared = [n for n, c in ex.controls.items() if not c.setting]
            # only the number of cascades and the months shown are no scenario values
            view_only = [n for n in ("replications", "months") if n in ex.controls]
            assert undeclared == view_only
            for name in ("_values_from", "_scenario_with"):
                assert name not in vars(type(ex)), f"{type(ex).__name__}.{name}"
        finally:
            ex.close()


def _neighbour(c: Control, value: Any) -> Any:
    """The next value of the slider after ``value`` (the one before at the top)."""
    options = c.options(value)
    i = options.index(value)
    return options[i + 1] if i + 1 < len(options) else options[i - 1]


def _loadable() -> list[tuple[str, str]]:
    found = []
    for name in fs.list_scenarios():
        sc = fs.load_scenario(name)
        found.append(("FunnelExplorer", name))
        for cls, key in (
            ("ReferralExplorer", "referral"),
            ("RetentionExplorer", "retention"),
            ("B2BExplorer", "b2b"),
            ("EconomicsExplorer", "economics"),
        ):
            if getattr(sc, key) is not None:
                found.append((cls, name))
    return found


@pytest.mark.parametrize(("cls", "name"), _loadable())
def test_every_moved_slider_saves_and_loads_back(cls: str, name: str, tmp_path: Path) -> None:
    # Move every slider one step, save, load the file into a fresh explorer: the same
    # values and cards (sliders that only shape a derived setting start where they were).
    import funnelsim.widgets as widgets
    from funnelsim.widgets.specs import as_setting

    sc = fs.load_scenario(name)
    ex = getattr(widgets, cls)(scenario=name, threaded=False)
    again = None
    try:
        # (a slider of a section the file lacks, e.g. ARPU without [economics], drives nothing)
        moved = {
            n: _neighbour(c, ex.values[n])
            for n, c in ex.controls.items()
            if not (c.setting and as_setting(c.setting).absent(sc))
        }
        if cls == "ReferralExplorer":
            moved["replications"] = 2  # speed
        ex.set_values(moved)
        path = ex.save(tmp_path / "moved.toml")
        assert path is not None, ex._status.value
        kept = {
            n: v
            for n, v in ex.values.items()
            if n in ("replications", "months", "dissatisfaction", "vision", "first_steps")
        }
        again = getattr(widgets, cls)(threaded=False, **kept)
        again.load(path)
        assert "Loaded" in again._status.value, again._status.value
        assert again.values == pytest.approx(ex.values, rel=1e-9)
        assert again.metrics == pytest.approx(ex.metrics, rel=1e-9, nan_ok=True)
        # every setting the explorer reads back is in the file, nothing else changed
        saved = fs.load_scenario(path)
        for n, c in ex.controls.items():
            setting = as_setting(c.setting)
            if setting is not None and not setting.absent(saved):
                got = setting.load(saved, ex.values)
                assert got is None or got == pytest.approx(ex.values[n], rel=1e-9), n
    finally:
        ex.close()
        if again is not None:
            again.close()


def test_a_failed_load_keeps_what_the_last_file_decided(tmp_path: Path) -> None:
    from funnelsim.widgets import ReferralExplorer

    # The funnel explorer: a file without [economics] whose buyers are out of range.
    bad = tmp_path / "bad.toml"
    bad.write_text("buyers = 5\n[funnel]\npreset = 'aaarrr'\n")
    ex = FunnelExplorer(scenario="b2c_referral", threaded=False)
    try:
        before = ex.metrics
        ex.load(bad)
        assert "Load failed" in ex._status.value
        ex.refresh()
        assert ex.metrics == pytest.approx(before, nan_ok=True)  # its money cards stay
        assert "no [economics] section" not in ex._metrics_html(ex.outcome, None)
    finally:
        ex.close()
    # The referral explorer keeps the last file's invite law after a failed load.
    small = tmp_path / "small.toml"
    small.write_text(
        "[referral]\ninvites_per_user = 1.0\ninvite_conversion = 0.2\nseed_buyers = 5\n"
    )
    ref = ReferralExplorer(scenario="viral_saturation", threaded=False)
    try:
        ref.load(small)
        assert "Load failed: seed_buyers = 5 is outside" in ref._status.value
        assert ref._kept["invite_distribution"] == "negbin"
    finally:
        ref.close()


def test_a_moved_cost_per_buyer_is_saved_into_a_files_cac(tmp_path: Path) -> None:
    import difflib

    text = (
        "buyers = 10_000\nseed = 1\n[funnel]\npreset = 'aaarrr'\n"
        "[economics]\narpu = 12.0\nmargin = 0.8\nchurn = 0.05\ncac = 40.0  # given by finance\n"
    )
    source = tmp_path / "cac.toml"
    source.write_text(text)
    ex = FunnelExplorer(scenario=source, threaded=False)
    try:
        assert ex.metrics["cac"] == pytest.approx(40.0, rel=1e-12)
        # more buyers at the same cost per buyer: the file's CAC stays, only buyers move
        ex.set_values(buyers=20_000)
        lines = ex.save(tmp_path / "buyers.toml").read_text().splitlines()
        diff = [
            line
            for line in difflib.unified_diff(text.splitlines(), lines, lineterm="", n=0)
            if line[:1] in "+-" and line[:3] not in ("+++", "---")
        ]
        assert diff == ["-buyers = 10_000", "+buyers = 20000"]
        # a moved cost per buyer: the saved CAC is the one the card shows
        ex.set_values(cost_per_buyer=ex.values["cost_per_buyer"] * 2)
        saved = fs.load_scenario(ex.save(tmp_path / "cost.toml"))
        assert saved.economics.paid_spend is None
        assert saved.unit_economics().cac == pytest.approx(ex.metrics["cac"], rel=1e-12)
        assert ex.metrics["cac"] == pytest.approx(80.0, rel=1e-12)
    finally:
        ex.close()


def test_the_b2b_cards_say_which_count_is_which_and_name_the_cycle_unit(tmp_path: Path) -> None:
    from funnelsim.widgets import B2BExplorer
    from funnelsim.widgets.b2b import accounts_table

    ex = B2BExplorer(scenario="b2b_saas", threaded=False)
    try:
        labels = {m.name: m.label for m in ex._metric_specs}
        assert labels["buy_rate"] == "Buy step: base rate (Beckhard)"
        assert labels["win_rate"] == "Win rate (deals won ÷ accounts)"
        assert labels["customers"] == "Deals won (the chart's Buy row)"
        assert labels["cycle"] == "Median sales cycle (weeks)"
        # what the labels say: the chart's Buy row is the deals won, the win rate their share
        buy = accounts_table(ex.outcome.result).set_index("stage").loc["Buy", "reached"]
        assert buy == ex.metrics["customers"]
        assert ex.metrics["win_rate"] == ex.metrics["customers"] / ex.values["accounts"]
        # the committee moves the Buy step away from its base rate
        step = accounts_table(ex.outcome.result).set_index("stage").loc["Buy", "step_conversion"]
        assert abs(step - ex.metrics["buy_rate"]) > 0.05
        # a file whose stage times are days names days
        days = tmp_path / "days.toml"
        days.write_text(
            "seed = 4\nbuyers = 500\n[funnel]\npreset = 'trigger_learn_try_buy'\n"
            "[funnel.times]\nlearn = 20.0\ntry = 30.0\nbuy = 45.0\n"
            "[b2b]\ntime_unit = 'day'\n"
        )
        ex.load(days)
        assert {m.name: m.label for m in ex._metric_specs}["cycle"] == "Median sales cycle (days)"
        assert ex.metrics["cycle"] == fs.load_scenario(days).run().metrics()["b2b_median_cycle"]
        assert "Median sales cycle (days)" in ex.still()
        ex.set_values(champion=0.5)
        assert fs.load_scenario(ex.save(tmp_path / "moved.toml")).b2b.time_unit == "day"
        ex.load(tmp_path / "missing.toml")  # a failed load keeps the unit
        assert {m.name: m.label for m in ex._metric_specs}["cycle"] == "Median sales cycle (days)"
        ex.load("b2b_saas")
        assert {m.name: m.label for m in ex._metric_specs}["cycle"] == "Median sales cycle (weeks)"
    finally:
        ex.close()
