"""Chart builders: the Vega-Lite spec says what we mean, and vl-convert renders it offline."""

from __future__ import annotations

import re
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import pytest

import funnelsim as fs
from funnelsim import charts

# -- helpers ---------------------------------------------------------------------------


def _layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every single-view spec inside a (possibly layered / concatenated) spec."""
    out: list[dict[str, Any]] = []
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for sub in spec.get(key, []):
            out.extend(_layers(sub))
    if "spec" in spec:
        out.extend(_layers(spec["spec"]))
    if "mark" in spec:
        out.append(spec)
    return out


def _mark(view: dict[str, Any]) -> str:
    mark = view["mark"]
    return mark if isinstance(mark, str) else mark["type"]


def _data(spec: dict[str, Any], view: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of the inline data a view uses (altair moves it to top-level ``datasets``)."""
    data = view.get("data") or spec.get("data")
    assert data is not None, "view has no data"
    if "values" in data:
        return list(data["values"])
    return list(spec["datasets"][data["name"]])


def _render(chart: Any) -> str:
    svg = charts.to_svg(chart)
    assert svg.startswith("<svg")
    assert "</svg>" in svg
    return svg


@pytest.fixture(scope="module")
def result() -> fs.SimulationResult:
    return fs.simulate(fs.aaarrr(), buyers=20_000, seed=7)


# -- setup and theme ---------------------------------------------------------------------


def test_setup_enables_svg_renderer_and_theme() -> None:
    before_renderer, before_theme = alt.renderers.active, alt.theme.active
    try:
        charts.setup()
        assert alt.renderers.active == "svg"
        assert alt.theme.active == charts.THEME_NAME
        charts.setup()  # idempotent
        spec = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q").to_dict()
        assert spec["config"]["range"]["category"] == list(charts.PALETTE)
    finally:
        alt.renderers.enable(before_renderer)
        alt.theme.enable(before_theme)


def test_setup_rejects_unknown_renderer() -> None:
    with pytest.raises(ValueError, match=r"renderer must be one of \['png', 'svg'\], got 'html'"):
        charts.setup("html")  # type: ignore[arg-type]


def test_palette_is_okabe_ito() -> None:
    assert len(set(charts.PALETTE)) == len(charts.PALETTE) == 8
    assert charts.PALETTE[:3] == ("#0072B2", "#E69F00", "#009E73")


def test_to_svg_applies_theme_without_enabling_it(result: fs.SimulationResult) -> None:
    before = alt.theme.active
    svg = _render(charts.funnel_chart(result))
    assert alt.theme.active == before
    assert "#0072B2".lower() in svg.lower()  # the palette's blue, not vega's default
    assert "DejaVu Sans" in svg


def test_svg_is_deterministic(result: fs.SimulationResult) -> None:
    chart = charts.funnel_chart(result)
    assert charts.to_svg(chart) == charts.to_svg(charts.funnel_chart(result))


@pytest.mark.parametrize("suffix", [".svg", ".png", ".pdf"])
def test_save_writes_each_format(tmp_path: Any, result: fs.SimulationResult, suffix: str) -> None:
    path = charts.save(charts.funnel_chart(result), tmp_path / f"funnel{suffix}")
    head = path.read_bytes()[:5]
    assert head == {".svg": b"<svg ", ".png": b"\x89PNG\r", ".pdf": b"%PDF-"}[suffix]


def test_save_rejects_unknown_suffix(tmp_path: Any, result: fs.SimulationResult) -> None:
    with pytest.raises(ValueError, match=r"file suffix must be one of .*got '\.gif'"):
        charts.save(charts.funnel_chart(result), tmp_path / "funnel.gif")


# -- funnel ------------------------------------------------------------------------------


def test_funnel_frame_matches_table(result: fs.SimulationResult) -> None:
    frame = charts.funnel_frame(result)
    table = result.table()
    assert list(frame["stage"]) == list(fs.AAARRR_STAGES)
    np.testing.assert_array_equal(frame["reached"], table["reached"])
    np.testing.assert_array_equal(frame["entered"], table["reached"] + table["drop_off"])
    np.testing.assert_allclose(frame["reached_low"], frame["entered"] * table["ci_low"])
    assert frame["label"].iloc[0] == "20,000"
    acq = table["reached"].iloc[1]
    assert frame["label"].iloc[1] == f"{acq:,} · {acq / 20_000:.1%}"


def test_funnel_frame_pools_replications() -> None:
    res = fs.simulate(fs.trigger_learn_try_buy(), buyers=400, seed=3, replications=5)
    frame = charts.funnel_frame(res)
    assert len(frame) == 4
    np.testing.assert_allclose(frame["reached"], res.counts.mean(axis=0))
    pooled = res.counts[:, 2].sum() / res.counts[:, 1].sum()
    assert frame["step_conversion"].iloc[2] == pytest.approx(pooled)
    low, high = fs.proportion_ci(res.counts[:, 2].sum(), res.counts[:, 1].sum())
    assert frame["ci_low"].iloc[2] == pytest.approx(float(low))
    assert frame["ci_high"].iloc[2] == pytest.approx(float(high))


def test_funnel_frame_accepts_table_and_checks_columns(result: fs.SimulationResult) -> None:
    frame = charts.funnel_frame(result.table())
    assert list(frame["stage"]) == list(fs.AAARRR_STAGES)
    with pytest.raises(ValueError, match=r"funnel table is missing column\(s\) \['ci_low'"):
        charts.funnel_frame(result.table().drop(columns=["ci_low"]))
    with pytest.raises(TypeError, match=r"funnel charts take a SimulationResult.*got list"):
        charts.funnel_frame([1, 2])


def test_funnel_chart_spec(result: fs.SimulationResult) -> None:
    chart = charts.funnel_chart(result)
    spec = chart.to_dict()
    assert spec["title"] == "AAARRR: 20,000 buyers"
    views = _layers(spec)
    assert [_mark(v) for v in views] == ["bar", "errorbar", "text"]
    bars, whiskers, labels = views
    assert bars["encoding"]["y"]["sort"] == list(fs.AAARRR_STAGES)
    assert bars["encoding"]["color"]["scale"]["domain"] == ["reached", "dropped"]
    rows = _data(spec, spec)  # one data set feeds every layer
    reached = {r["stage"]: r["end"] for r in rows if r["part"] == "reached"}
    assert reached == dict(zip(fs.AAARRR_STAGES, result.counts[0].astype(float), strict=True))
    dropped = [r for r in rows if r["part"] == "dropped" and r["stage"] == "Activation"]
    assert dropped[0]["end"] - dropped[0]["start"] == result.table()["drop_off"].iloc[2]
    # no whisker on the entry stage (its conversion is 1 by definition)
    entry = [r for r in rows if r["stage"] == "Awareness"]
    assert all(r["reached_low"] is None for r in entry)
    assert "isValid(datum.reached_low)" in whiskers["transform"][0]["filter"]
    assert labels["encoding"]["text"]["field"] == "label"
    _render(chart)


def test_funnel_chart_names_what_it_counts_and_what_the_whiskers_are(
    result: fs.SimulationResult,
) -> None:
    bars = _layers(charts.funnel_chart(result).to_dict())[0]
    assert bars["encoding"]["x"]["title"].startswith("buyers (bar: entered the step")
    assert "whisker: 95% interval" in bars["encoding"]["x"]["title"]
    spec = charts.funnel_chart(result, unit="leads", confidence=0.9).to_dict()
    assert spec["title"] == "AAARRR: 20,000 leads"
    assert _layers(spec)[0]["encoding"]["x"]["title"].startswith("leads (bar:")
    assert "whisker: 90% interval" in _layers(spec)[0]["encoding"]["x"]["title"]
    accounts = fs.simulate_accounts(50, seed=1)
    bars = _layers(charts.funnel_chart(accounts).to_dict())[0]
    assert bars["encoding"]["x"]["title"].startswith("accounts (bar:")
    with pytest.raises(ValueError, match="unit must be a non-empty word such as 'leads', got ' '"):
        charts.funnel_chart(result, unit=" ")


def test_funnel_chart_compares_scenarios_side_by_side(result: fs.SimulationResult) -> None:
    other = fs.simulate(fs.aaarrr(activation=0.8), buyers=20_000, seed=7)
    spec = charts.funnel_chart({"A": result, "B": other}, title="A vs B").to_dict()
    assert spec["facet"]["field"] == "scenario"
    assert spec["facet"]["sort"] == ["A", "B"]
    rows = _data(spec, spec)
    act = {
        r["scenario"]: r["end"]
        for r in rows
        if r["stage"] == "Activation" and r["part"] == "reached"
    }
    assert act == {"A": float(result.counts[0, 2]), "B": float(other.counts[0, 2])}
    _render(charts.funnel_chart({"A": result, "B": other}))
    tltb = fs.simulate(fs.trigger_learn_try_buy(), buyers=100, seed=1)
    with pytest.raises(ValueError, match="compares funnels with the same stages"):
        charts.funnel_chart({"A": result, "B": tltb})
    with pytest.raises(ValueError, match="needs at least one result, got an empty mapping"):
        charts.funnel_chart({})


def test_live_chart_matches_full_render_and_reuses_the_compiled_spec(
    result: fs.SimulationResult,
) -> None:
    live = charts.LiveChart()
    other = fs.simulate(fs.aaarrr(acquisition=0.0), buyers=20_000, seed=7)
    for source in (result, other, result, {"A": result, "B": other}):
        plot = charts.funnel_plot(source, title="t", confidence=0.95, width=None)
        assert live.render(plot) == charts.to_svg(plot.chart())
    assert len(live._cache) == 2  # one single-funnel shape, one comparison shape


def test_tornado_and_referral_charts_take_the_data_swap_path() -> None:
    from funnelsim.sensitivity_analysis import sensitivity

    live = charts.LiveChart()
    for activation in (0.5, 0.55):  # same ranking of the steps: one compiled shape
        frame = sensitivity(fs.aaarrr(activation=activation))
        plot = charts.tornado_plot(frame, title="t", width=300, outcome="customers won")
        assert live.render(plot) == charts.to_svg(plot.chart())
    for conversion in (0.2, 0.3):
        res = fs.simulate_referrals(100, 2.0, conversion, seed=1)
        plot = charts.referral_generations_plot(res, title="t", width=300)
        assert live.render(plot) == charts.to_svg(plot.chart())
    assert len(live._cache) == 2
    assert all(v is not None for v in live._cache.values())  # data swapped, not rebuilt


def test_retention_panels_share_one_data_set(cohorts: Any) -> None:
    import re

    from funnelsim.retention import fit_sbg

    fit = fit_sbg(cohorts.table)
    plot = charts.retention_panel_plot(cohorts, fit=fit, periods=12, width=300, cell=20)
    spec = plot.chart().to_dict()
    assert len(spec["datasets"]) == 1  # so LiveChart can swap the data
    rows = next(iter(spec["datasets"].values()))
    assert sum(r["part"] == "cohort" for r in rows) == len(cohorts.long)
    fitted = [r for r in rows if r["part"] == "line" and r["series"] == "sBG fit (projection)"]
    assert [r["survival"] for r in fitted][5] == pytest.approx(float(fit.survival(5)))
    live = charts.LiveChart()
    live.render(plot)

    # Same picture as a render from scratch (vl-convert numbers gradients globally).
    def same(svg: str) -> str:
        return re.sub(r"gradient_\d+", "gradient", svg)

    assert same(live.render(plot)) == same(charts.to_svg(plot.chart()))


def test_plot_hconcat_keeps_one_data_set_and_swaps_data() -> None:
    import re

    from funnelsim.b2b import simulate_accounts
    from funnelsim.widgets.b2b import accounts_table

    live = charts.LiveChart()
    for seed in (1, 2):  # two runs, same chart shape
        res = simulate_accounts(2_000, seed=seed)
        plot = charts.Plot.hconcat(
            charts.funnel_plot(accounts_table(res), title="f", confidence=0.95, width=200),
            charts.committee_plot(res, title="c", width=200),
        )
        spec = plot.chart().to_dict()
        assert len(spec["datasets"]) == 1 and len(spec["hconcat"]) == 2
        panels = {r["_panel"] for r in next(iter(spec["datasets"].values()))}
        assert panels == {0, 1}

        def same(svg: str) -> str:
            return re.sub(r"gradient_\d+", "gradient", svg)

        assert same(live.render(plot)) == same(charts.to_svg(plot.chart()))
    assert len(live._cache) == 1  # the second run only swapped its rows in
    unshaped = charts.Plot.hconcat(charts.Plot.of(alt.Chart(pd.DataFrame({"x": [1]})).mark_point()))
    assert unshaped.shape is None


def test_tornado_axis_says_what_the_outcome_is() -> None:
    from funnelsim.sensitivity_analysis import sensitivity

    frame = sensitivity(fs.aaarrr())
    spec = charts.tornado_chart(frame).to_dict()
    bars = _layers(spec)[0]
    assert bars["encoding"]["x"]["title"].startswith("customers won (expected)")
    revenue = charts.tornado_chart(frame, outcome="revenue ($)").to_dict()
    assert _layers(revenue)[0]["encoding"]["x"]["title"].startswith("revenue ($)")
    assert "revenue ($)" in revenue["title"]


def test_funnel_chart_changes_with_the_model() -> None:
    low = fs.simulate(fs.aaarrr(activation=0.2), buyers=10_000, seed=1)
    high = fs.simulate(fs.aaarrr(activation=0.8), buyers=10_000, seed=1)
    frame_low, frame_high = charts.funnel_frame(low), charts.funnel_frame(high)
    assert (
        frame_low["step_conversion"].iloc[2] < 0.25 < 0.75 < frame_high["step_conversion"].iloc[2]
    )
    assert charts.to_svg(charts.funnel_chart(low)) != charts.to_svg(charts.funnel_chart(high))


def test_funnel_chart_title_and_empty_stages() -> None:
    res = fs.simulate(fs.aaarrr(acquisition=0.0), buyers=50, seed=2)
    chart = charts.funnel_chart(res.table(), title="Nobody signs up")
    spec = chart.to_dict()
    assert spec["title"] == "Nobody signs up"
    frame = charts.funnel_frame(res)
    assert frame["label"].iloc[3] == "0 · –"  # undefined conversion after an empty stage
    _render(chart)


# -- growth, time, cohorts, referral, sensitivity, scoring, B2B ----------------------------------


@pytest.fixture(scope="module")
def growth() -> Any:
    from funnelsim.growth import simulate_growth

    return simulate_growth(
        12,
        funnel=fs.aaarrr(),
        budget=5_000,
        cost_per_lead=0.5,
        invites_per_user=0.5,
        invite_conversion=0.3,
        churn=0.1,
        market_size=1_000_000,
        seed=3,
    )


def test_growth_frame_and_chart(growth: Any) -> None:
    frame = charts.growth_frame(growth)
    p = growth.periods
    paid = frame[frame["channel"] == "paid"]
    ref = frame[frame["channel"] == "referral"]
    np.testing.assert_array_equal(paid["active"], p["active_paid"].astype(float))
    np.testing.assert_array_equal(ref["new"], p["new_referral"].astype(float))
    spec = charts.growth_chart(growth).to_dict()
    assert _mark(spec) == "area"
    assert spec["encoding"]["y"]["stack"] == "zero"
    assert spec["encoding"]["color"]["scale"]["domain"] == ["paid", "referral"]
    assert _mark(charts.growth_chart(growth, measure="new").to_dict()) == "bar"
    with pytest.raises(ValueError, match=r"measure must be one of \['active', 'new'\], got 'x'"):
        charts.growth_chart(growth, measure="x")  # type: ignore[arg-type]
    _render(charts.growth_chart(growth))


def test_revenue_chart_folds_revenue_and_spend(growth: Any) -> None:
    spec = charts.revenue_chart(growth, title="Money").to_dict()
    fold = next(t for t in spec["transform"] if "fold" in t)
    assert fold["fold"] == ["cumulative_revenue", "cumulative_spend"]
    rows = _data(spec, spec)
    last = max(r["period"] for r in rows)
    end = next(r for r in rows if r["period"] == last)
    assert end["cumulative_revenue"] == pytest.approx(growth.periods["revenue"].sum())
    _render(charts.revenue_chart(growth))


def test_dashboard_plot_has_four_panels_on_one_dataset(growth: Any) -> None:
    paid = fs.simulate(fs.aaarrr(), growth.params.paid_leads, seed=3, mode="counts")
    plot = charts.growth_dashboard_plot(growth, paid)
    assert set(plot.frame["panel"]) == {"funnel", "growth"}
    spec = plot.chart().to_dict()
    assert len(spec["datasets"]) == 1
    assert [_mark(v) for v in _layers(spec)] == ["bar", "errorbar", "text", "area", "bar", "line"]
    live = charts.LiveChart()
    assert live.render(plot) == charts.to_svg(plot.chart())


def test_ab_chart(growth: Any, result: fs.SimulationResult) -> None:
    other = fs.simulate(fs.aaarrr(activation=0.9), buyers=20_000, seed=7)
    assert charts.ab_chart(result, other).to_dict()["facet"]["sort"] == ["A", "B"]
    spec = charts.ab_chart(growth, growth, labels=("before", "after")).to_dict()
    assert {r["scenario"] for r in _data(spec, spec)} == {"before", "after"}
    _render(charts.ab_chart(growth, growth))
    with pytest.raises(
        TypeError, match=r"ab_chart takes two SimulationResults.*got SimulationResult and str"
    ):
        charts.ab_chart(result, "b")


def test_compare_chart_with_two_results_is_the_deprecated_ab_chart(
    growth: Any, result: fs.SimulationResult
) -> None:
    with pytest.warns(DeprecationWarning, match=r"compare_chart\(a, b\) is now ab_chart\(a, b\)"):
        old = charts.compare_chart(growth, growth, labels=("before", "after"))
    assert old.to_dict() == charts.ab_chart(growth, growth, labels=("before", "after")).to_dict()


@pytest.fixture(scope="module")
def tltb_events() -> fs.SimulationResult:
    return fs.simulate(fs.trigger_learn_try_buy(), 2_000, seed=5, events=True)


def test_time_in_stage_chart(tltb_events: fs.SimulationResult) -> None:
    spec = charts.time_in_stage_chart(tltb_events).to_dict()
    assert spec["facet"]["row"]["sort"] == list(fs.TLTB_STAGES)
    rows = _data(spec, spec)
    events = tltb_events.events
    learn = events[events["stage"] == "Learn"]
    assert sum(r["count"] for r in rows if r["stage"] == "Learn") == len(learn)
    median = {r["stage"]: r["median"] for r in rows}
    spent = (learn["exited_at"] - learn["entered_at"]).median()
    assert median["Learn"] == pytest.approx(spent)
    _render(charts.time_in_stage_chart(tltb_events))
    with pytest.raises(ValueError, match="need an event log: simulate with events=True"):
        charts.time_in_stage_chart(fs.simulate(fs.aaarrr(), 10, seed=1))


def test_time_to_convert_chart(tltb_events: fs.SimulationResult) -> None:
    from funnelsim.analytics import time_to_convert

    times = time_to_convert(tltb_events.events)
    chart = charts.time_to_convert_chart(tltb_events)
    spec = chart.to_dict()
    bars = _layers(spec)[0]
    assert sum(r["count"] for r in _data(spec, bars)) == len(times)
    assert f"{len(times):,} converters" in spec["title"]
    _render(chart)


@pytest.fixture(scope="module")
def cohorts() -> Any:
    from funnelsim.retention import ChurnModel, simulate_cohorts

    return simulate_cohorts(ChurnModel.sbg(1.0, 3.0), [800] * 6, 8, seed=2)


def test_cohort_heatmap(cohorts: Any) -> None:
    spec = charts.cohort_heatmap(cohorts).to_dict()
    assert [_mark(v) for v in _layers(spec)] == ["rect", "text"]
    rows = _data(spec, spec)
    assert len(rows) == len(cohorts.long)
    first = next(r for r in rows if r["cohort"] == "0" and r["period"] == 1)
    expected = cohorts.long.query("cohort == 0 and period == 1")["survival"].iloc[0]
    assert first["survival"] == pytest.approx(expected)
    assert first["label"] == f"{expected:.0%}"
    _render(charts.cohort_heatmap(cohorts.long))


def test_retention_curves_overlay_the_sbg_fit(cohorts: Any) -> None:
    from funnelsim.retention import fit_sbg

    fit = fit_sbg(cohorts.table)
    spec = charts.retention_curves(cohorts, fit=fit, periods=12).to_dict()
    lines = _layers(spec)[1]
    rows = _data(spec, lines)
    fitted = [r for r in rows if r["series"].startswith("sBG fit")]
    assert len(fitted) == 13
    assert fitted[5]["survival"] == pytest.approx(float(fit.survival(5)))
    plain = charts.retention_curves(cohorts, fit=None).to_dict()
    series = {r["series"] for r in _data(plain, _layers(plain)[1])}
    assert series == {"observed (all cohorts)"}
    _render(charts.retention_curves(cohorts))


def test_referral_generations_chart() -> None:
    from funnelsim.referral import simulate_referrals

    res = simulate_referrals(200, 2.0, 0.25, replications=4, seed=9)
    spec = charts.referral_generations_chart(res).to_dict()
    rows = _data(spec, _layers(spec)[0])
    mean = res.generations.groupby("generation")["new_buyers"].mean()
    assert [r["new_buyers"] for r in rows] == pytest.approx(mean.to_list())
    assert [r["expected"] for r in rows[:3]] == pytest.approx([200, 100, 50])
    _render(charts.referral_generations_chart(res))


def test_bass_chart() -> None:
    from funnelsim.referral import simulate_bass

    res = simulate_bass(0.03, 0.4, 5_000, 20, seed=1)
    spec = charts.bass_chart(res).to_dict()
    rows = _data(spec, spec)
    sim = [r for r in rows if r["series"] == "simulation"]
    assert [r["cumulative"] for r in sim] == res.periods["cumulative_adopters"].astype(
        float
    ).tolist()
    assert [_mark(v) for v in _layers(spec)] == ["line", "area"]
    _render(charts.bass_chart(res))


def test_tornado_chart() -> None:
    from funnelsim.sensitivity_analysis import sensitivity

    frame = sensitivity(fs.aaarrr())
    spec = charts.tornado_chart(frame).to_dict()
    bars = _layers(spec)[0]
    assert bars["encoding"]["y"]["sort"] == list(frame["stage"])  # biggest swing on top
    rows = _data(spec, spec["layer"][0])  # the bars' and labels' data set
    top = [r for r in rows if r["stage"] == frame["stage"].iloc[0]]
    assert {r["end"] for r in top} == {frame["outcome_low"].iloc[0], frame["outcome_high"].iloc[0]}
    _render(charts.tornado_chart(frame))


def test_bant_chart_ranks_accounts() -> None:
    from funnelsim.scoring import bant_score

    accounts = pd.DataFrame(
        {
            "account": ["a", "b", "c"],
            "budget": [1, 5, 3],
            "authority": [2, 5, 4],
            "need": [5, 4, 3],
            "time": [1, 2, 3],
        }
    )
    spec = charts.bant_chart(bant_score(accounts), top=2).to_dict()
    rows = _data(spec, spec)
    assert [r["account"] for r in rows] == ["b", "c"]
    assert rows[0]["factors"] == "5·5·4·2 = 200"
    _render(charts.bant_chart(bant_score(accounts)))


def test_rfm_chart_counts_segments() -> None:
    from funnelsim.scoring import rfm

    rng = np.random.default_rng(4)
    tx = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 60, 400),
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, 400), "D"),
            "amount": rng.gamma(2.0, 20.0, 400),
        }
    )
    scores = rfm(tx)
    spec = charts.rfm_chart(scores).to_dict()
    rows = _data(spec, spec)
    assert sum(r["customers"] for r in rows) == len(scores)
    assert rows[0]["customers"] == scores["segment"].value_counts().max()
    _render(charts.rfm_chart(scores))


def test_committee_chart() -> None:
    from funnelsim.b2b import simulate_accounts

    res = simulate_accounts(1_500, champion=0.3, seed=2)
    spec = charts.committee_chart(res).to_dict()
    rows = _data(spec, spec)
    assert [r["contribution"] for r in rows] == res.contributions["contribution"].tolist()
    assert {r["sign"] for r in rows if r["label"] == "Champion"} == {"raises"}
    _render(charts.committee_chart(res))


# -- every builder takes its result object ----------------------------------------------------


def _result_cases() -> list[tuple[str, Any]]:
    """(builder name, a call on the result object the builder draws)."""
    from funnelsim.b2b import simulate_accounts
    from funnelsim.referral import simulate_bass, simulate_referrals
    from funnelsim.retention import ChurnModel, simulate_cohorts
    from funnelsim.widgets.economics import payback_frame

    sim = fs.simulate(fs.trigger_learn_try_buy(), 300, seed=1, events=True)
    growth = fs.simulate_growth(6, funnel=fs.aaarrr(), new_leads=2_000, seed=1)
    cohorts = simulate_cohorts(ChurnModel.sbg(1.0, 3.0), [300] * 4, 5, seed=1)
    accounts = simulate_accounts(300, seed=1)
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 3, 3, 3, 4],
            "date": pd.to_datetime(["2024-01-05", "2024-06-01", "2024-03-03", "2024-02-01",
                                    "2024-09-09", "2024-12-01", "2024-12-20"]),
            "amount": [10.0, 20.0, 5.0, 7.0, 8.0, 30.0, 12.0],
        }
    )  # fmt: skip
    economics = {"arpu": 10.0, "margin": 0.6, "churn": 0.1, "discount": 0.0, "cac": 30.0}
    economics["months"] = 12
    return [
        ("funnel_chart", lambda: charts.funnel_chart(sim)),
        ("funnel_chart (accounts)", lambda: charts.funnel_chart(accounts)),
        ("funnel_chart (event log)", lambda: charts.funnel_chart(sim.events)),
        ("growth_chart", lambda: charts.growth_chart(growth)),
        ("revenue_chart", lambda: charts.revenue_chart(growth)),
        ("growth_dashboard_chart", lambda: charts.growth_dashboard_chart(growth)),
        ("ab_chart", lambda: charts.ab_chart(growth, growth)),
        ("time_in_stage_chart", lambda: charts.time_in_stage_chart(sim)),
        ("time_to_convert_chart", lambda: charts.time_to_convert_chart(sim)),
        ("cohort_heatmap", lambda: charts.cohort_heatmap(cohorts)),
        ("retention_curves", lambda: charts.retention_curves(cohorts)),
        ("retention_panel_chart", lambda: charts.retention_panel_chart(cohorts)),
        (
            "referral_generations_chart",
            lambda: charts.referral_generations_chart(simulate_referrals(50, 1.5, 0.4, seed=1)),
        ),
        ("bass_chart", lambda: charts.bass_chart(simulate_bass(0.03, 0.4, 500, 8, seed=1))),
        ("tornado_chart", lambda: charts.tornado_chart(fs.sensitivity(fs.aaarrr()))),
        ("bant_chart", lambda: charts.bant_chart(fs.simulate_bant_pipeline(seed=1))),
        ("bant_gain_chart", lambda: charts.bant_gain_chart(fs.simulate_bant_pipeline(seed=1))),
        ("committee_chart", lambda: charts.committee_chart(accounts)),
        ("compare_chart", lambda: charts.compare_chart(fs.compare(sim, sim))),
        ("rfm_chart", lambda: charts.rfm_chart(fs.rfm(tx, as_of="2024-12-31"))),
        ("payback_chart", lambda: charts.payback_chart(payback_frame(economics))),
    ]


#: Words that say what an axis counts or measures in.
_UNITS = (
    "(%)",
    "(currency)",
    "($",
    "percentage points",
    "buyers",
    "customers",
    "people",
    "period",
    "months",
    "time units",
    "days",
    "accounts",
    "points",
    "cohort",
    "generation",
    "converters",
)


def _fields_present(spec: dict[str, Any]) -> None:
    """Every field a view encodes is a column of its data (or made by its transforms)."""
    rows = {
        name: set().union(*(r.keys() for r in values))
        for name, values in spec.get("datasets", {}).items()
    }

    def walk(node: dict[str, Any], inherited: set[str] | None) -> None:
        data = node.get("data")
        if isinstance(data, dict) and data.get("name") in rows:
            inherited = rows[data["name"]]
        made: set[str] = set()
        for t in node.get("transform", []):
            made |= set(t.get("as", [])) if isinstance(t.get("as"), list) else {t.get("as")}
        for key in ("layer", "hconcat", "vconcat", "concat"):
            for sub in node.get(key, []):
                walk(sub, inherited)
        if "spec" in node:
            walk(node["spec"], inherited)
        if "mark" in node and inherited is not None:
            for enc in node.get("encoding", {}).values():
                if isinstance(enc, dict) and "field" in enc and "aggregate" not in enc:
                    assert enc["field"] in inherited | made, enc["field"]

    walk(spec, None)


@pytest.mark.parametrize(("name", "call"), _result_cases(), ids=lambda x: str(x)[:30])
def test_every_builder_takes_its_result_object(name: str, call: Any) -> None:
    chart = call()
    spec = chart.to_dict()
    _fields_present(spec)
    svg = _render(chart)
    # Every axis says its unit: each title vega draws names one.
    titles = re.findall(r"aria-label=\"[XY]-axis titled '(.*?)' for ", svg)
    assert titles, name
    for title in titles:
        assert any(unit in title for unit in _UNITS), (name, title)


def test_bant_chart_reads_the_pipeline_accounts() -> None:
    pipeline = fs.simulate_bant_pipeline(200, capacity=20, seed=1)
    from_pipeline = charts.bant_chart(pipeline, top=5).to_dict()
    from_frame = charts.bant_chart(pipeline.accounts, top=5).to_dict()
    assert _data(from_pipeline, from_pipeline) == _data(from_frame, from_frame)
    with pytest.raises(TypeError, match=r"bant_chart takes bant_score output .*got int"):
        charts.bant_chart(3)


def test_frames_and_results_draw_the_same_referral_and_committee() -> None:
    from funnelsim.b2b import simulate_accounts
    from funnelsim.referral import simulate_referrals

    res = simulate_referrals(200, 2.0, 0.25, replications=3, seed=9)
    a = charts.referral_generations_chart(res).to_dict()
    b = charts.referral_generations_chart(res.generations, k=res.k).to_dict()
    assert _data(a, _layers(a)[0]) == _data(b, _layers(b)[0])
    bare = charts.referral_generations_chart(res.generations).to_dict()
    assert all(r["expected"] is None for r in _data(bare, _layers(bare)[0]))
    acc = simulate_accounts(500, seed=2)
    c = charts.committee_chart(acc).to_dict()
    d = charts.committee_chart(acc.contributions).to_dict()
    assert _data(c, c) == _data(d, d)
    assert d["title"] == "Who wins the deal"
    with pytest.raises(TypeError, match="committee_chart takes an AccountsResult"):
        charts.committee_chart(res)


# -- the pictures only the UI had --------------------------------------------------------------


def test_payback_chart_draws_the_explorers_frame() -> None:
    from funnelsim.widgets.economics import payback_frame

    values = {"arpu": 20.0, "margin": 0.5, "churn": 0.05, "discount": 0.0, "cac": 80.0}
    frame = payback_frame({**values, "months": 24})
    spec = charts.payback_chart(frame).to_dict()
    rows = _data(spec, spec)
    # month t holds the payments of months 0..t-1 (economics.payback_curve), so the
    # curve crosses CAC at the payback month itself: 0, 10, 19.5, 28.525, ...
    assert [r["cumulative"] for r in rows[:4]] == pytest.approx([0.0, 10.0, 19.5, 28.525])
    assert {r["cac"] for r in rows} == {80.0}
    margin, cac, cac_text, point, _ = _layers(spec)
    assert margin["encoding"]["x"]["title"] == "months since acquisition"
    # cumulative at month t: 200 (1 - 0.95^t); 74.0 at month 9, 80.3 at month 10
    assert [r["period"] for r in rows if r["payback"] is not None] == [10.0]
    assert point["encoding"]["x"]["field"] == "payback"
    assert margin["encoding"]["y"]["title"] == "cumulative gross profit ($ / customer)"
    assert cac_text["encoding"]["text"] == {"value": "CAC"}
    assert cac["mark"]["strokeDash"] == [6, 3]
    # a frame without a cac column takes cac=, and a period column says "periods"
    other = pd.DataFrame({"period": [0, 1, 2], "cumulative_margin": [5.0, 9.0, 12.0]})
    spec = charts.payback_chart(other, cac=10).to_dict()
    assert {r["cac"] for r in _data(spec, spec)} == {10.0}
    assert _layers(spec)[0]["encoding"]["x"]["title"] == "periods since acquisition"
    _render(charts.payback_chart(frame))


def test_payback_chart_of_unit_economics_marks_the_payback_card() -> None:
    from funnelsim import economics as ec

    ue = ec.unit_economics(30.0, 0.8, 0.05, cac=300.0)
    spec = charts.payback_chart(ue).to_dict()
    rows = _data(spec, spec)
    curve = ec.payback_curve(ue)
    assert [r["cumulative"] for r in rows] == curve["cumulative_margin"].tolist()
    marked = [r for r in rows if r["payback"] is not None]
    assert [r["payback"] for r in marked] == [ue.payback]  # the card's number, on the curve
    assert marked[0]["payback_label"] == f"payback: {ue.payback:.0f} {ue.period}s"
    assert _layers(spec)[0]["encoding"]["x"]["title"] == f"{ue.period}s since acquisition"
    never = ec.unit_economics(1.0, 0.5, 0.5, cac=100.0)  # LTV below CAC: no payback
    rows = _data(*(lambda d: (d, d))(charts.payback_chart(never).to_dict()))
    assert all(r["payback"] is None for r in rows)


def _svg_texts(svg: str, needle: str) -> list[tuple[float, float, float, str]]:
    """(x, y, font size, text) of every SVG text element whose text contains ``needle``."""
    found = []
    pattern = (
        r'<text [^>]*transform="translate\(([-\d.]+),([-\d.]+)\)"'
        r'[^>]*font-size="([\d.]+)px"[^>]*>([^<]*)</text>'
    )
    for x, y, size, text in re.findall(pattern, svg):
        if needle in text:
            found.append((float(x), float(y), float(size), text))
    return found


def test_payback_chart_labels_of_two_curves_never_overlap() -> None:
    # Lesson 06's two scenarios, and two curves that pay back in the very same month: each
    # label gets a row of its own (a newcomer saw two labels written over each other).
    for second in ([0.0, 1.2, 2.2, 3.2, 4.2], [0.0, 1.0, 2.0, 3.0, 4.0]):
        frame = pd.DataFrame(
            {
                "month": [0, 1, 2, 3, 4] * 2,
                "cumulative_margin": [0.0, 1.0, 2.0, 3.0, 4.0, *second],
                "cac": 2.0,
                "scenario": ["flat"] * 5 + ["growing"] * 5,
            }
        )
        svg = _render(charts.payback_chart(frame))
        labels = _svg_texts(svg, "payback")
        assert sorted(t for *_, t in labels) == [
            "flat: payback 2 months",
            "growing: payback 2 months",
        ]
        (_, y1, size, _), (_, y2, _, _) = labels
        assert abs(y1 - y2) >= size  # one line apart at least: the texts cannot overlap
        assert [t for *_, t in _svg_texts(svg, "CAC")].count("CAC") == 1  # one CAC, written once
    frame["cac"] = [2.0] * 5 + [3.0] * 5  # two CACs: each is named
    texts = _svg_texts(_render(charts.payback_chart(frame)), "CAC")
    assert [t for *_, t in texts].count("CAC") == 2


def test_payback_chart_of_one_curve_labels_its_diamond() -> None:
    frame = pd.DataFrame({"month": [0, 1, 2, 3], "cumulative_margin": [0.0, 1.0, 2.0, 3.0]})
    spec = charts.payback_chart(frame, cac=1.5).to_dict()
    label = _layers(spec)[-1]
    assert label["encoding"]["x"]["field"] == "payback"  # beside the diamond, in data units
    assert [r["payback_label"] for r in _data(spec, spec) if r["payback"] is not None] == [
        "payback: 2 months"
    ]
    assert all(r["label_row"] is None for r in _data(spec, spec))


def test_payback_chart_takes_a_result_with_a_payback_curve() -> None:
    class Economics:
        def payback_curve(self) -> pd.DataFrame:
            return pd.DataFrame({"period": [0, 1], "cumulative_margin": [1.0, 2.0], "cac": 1.5})

    spec = charts.payback_chart(Economics()).to_dict()
    assert [r["cumulative"] for r in _data(spec, spec)] == [1.0, 2.0]


def test_payback_chart_errors() -> None:
    with pytest.raises(TypeError, match=r"payback_chart takes a UnitEconomics .*got int"):
        charts.payback_chart(3)
    with pytest.raises(ValueError, match=r"needs a time column \(one of \['month', 'period'\]\)"):
        charts.payback_chart(pd.DataFrame({"t": [0], "profit": [1.0], "cac": [2.0]}))
    with pytest.raises(ValueError, match="needs a 'cac' column, or pass cac="):
        charts.payback_chart(pd.DataFrame({"month": [0], "profit": [1.0]}))
    with pytest.raises(ValueError, match="cac must be >= 0, got -1"):
        charts.payback_chart(pd.DataFrame({"month": [0], "profit": [1.0]}), cac=-1)


def test_bant_gain_frame_random_order_is_the_diagonal() -> None:
    pipeline = fs.simulate_bant_pipeline(400, capacity=40, seed=3)
    frame = charts.bant_gain_frame(pipeline)
    rand = frame[frame["strategy"] == "random order"]
    np.testing.assert_allclose(rand["share_of_wins"], rand["share_worked"])
    ranked = frame[frame["strategy"] == "BANT order"]
    assert (ranked["share_of_wins"].to_numpy() >= ranked["share_worked"].to_numpy() - 1e-12).all()
    # at capacity, the share of wins is summary()'s expected wins over all expected wins
    summary = pipeline.summary().set_index("strategy")["expected_wins"]
    total = pipeline.accounts["p_win"].sum()
    at = ranked.set_index("accounts_worked").loc[40, "share_of_wins"]
    assert at == pytest.approx(summary["bant"] / total)
    spec = charts.bant_gain_chart(pipeline).to_dict()
    assert f"{40 / 400:.0%} of accounts" in spec["title"]
    assert [_mark(v) for v in _layers(spec)] == ["line", "rule"]
    line = _layers(spec)[0]
    rows = _data(spec, spec)
    assert {line["encoding"][c]["field"] for c in ("x", "y", "color")} <= set(rows[0])
    assert {r[line["encoding"]["color"]["field"]] for r in rows} == {"BANT order", "random order"}


def test_bant_gain_curve_is_flat_gain_for_a_worthless_score() -> None:
    pipeline = fs.simulate_bant_pipeline(300, capacity=30, strength=0.0, seed=1)
    frame = charts.bant_gain_frame(pipeline)
    ranked = frame[frame["strategy"] == "BANT order"]
    np.testing.assert_allclose(ranked["share_of_wins"], ranked["share_worked"])


def test_growth_dashboard_chart_defaults_to_the_expected_funnel(growth: Any) -> None:
    spec = charts.growth_dashboard_chart(growth).to_dict()
    rows = next(iter(spec["datasets"].values()))
    reached = [r["end"] for r in rows if r.get("panel") == "funnel" and r["part"] == "reached"]
    expected = fs.expected(growth.params.funnel, growth.params.paid_leads)
    assert reached == pytest.approx(expected["expected_reached"].tolist())
    assert all(r["reached_low"] is None for r in rows if r.get("panel") == "funnel")
    paid = fs.simulate(growth.params.funnel, growth.params.paid_leads, seed=3, mode="counts")
    with_sim = charts.growth_dashboard_chart(growth, paid).to_dict()
    assert with_sim == charts.growth_dashboard_plot(growth, paid).chart().to_dict()


def test_compare_chart_marks_what_clears_the_noise() -> None:
    a = fs.simulate(fs.aaarrr(activation=0.4), buyers=10_000, seed=4)
    b = fs.simulate(fs.aaarrr(activation=0.6), buyers=10_000, seed=4)
    table = fs.compare(a, b)
    spec = charts.compare_chart(table).to_dict()
    rows = _data(spec, spec)
    verdict = {r["stage"]: r["verdict"] for r in rows}
    assert verdict["Activation"] == "clears the noise"
    assert verdict["Acquisition"] == "within the noise"  # same seed, same counts
    act = next(r for r in rows if r["stage"] == "Activation")
    assert act["ci_low"] == pytest.approx(table.set_index("stage").loc["Activation", "step_ci_low"])
    point = next(v for v in _layers(spec) if _mark(v) == "point")
    assert point["encoding"]["x"]["title"] == "step conversion: B − A (percentage points)"
    reach = charts.compare_chart(table, rate="reach", labels=("old", "new")).to_dict()
    assert (
        "reach: new − old"
        in next(v for v in _layers(reach) if _mark(v) == "point")["encoding"]["x"]["title"]
    )
    with pytest.raises(ValueError, match=r"rate must be one of \['reach', 'step'\], got 'x'"):
        charts.compare_chart(table, rate="x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"comparison is missing column"):
        charts.compare_chart(a.table())
    with pytest.raises(
        TypeError, match=r"compare_chart takes the frame fs.compare\(a, b\) returns"
    ):
        charts.compare_chart(a)
    _render(charts.compare_chart(table))


# -- retention on an activity log (issue 9, item 12) ------------------------------------------


def _skipping_log() -> pd.DataFrame:
    """Customers who skip periods: c1 is active in periods 0, 2, 3; c2 in 0 and 3; c3 in 0 only."""
    rows = [
        ("c1", 0.2), ("c1", 2.5), ("c1", 3.1),
        ("c2", 0.7), ("c2", 3.6),
        ("c3", 0.1),
        ("d1", 1.2), ("d1", 3.3),
        ("d2", 1.9),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["buyer_id", "entered_at"])


def _activity_log(customers: int = 3_000, periods: int = 8, seed: int = 5) -> pd.DataFrame:
    """Subscribers of 4 monthly cohorts with sBG-like churn who use the product in 70 % of
    the periods they are subscribed (always in their first): many skip a period."""
    rng = np.random.default_rng(seed)
    start = rng.integers(0, 4, customers)
    churn = rng.beta(1.0, 4.0, customers)
    life = rng.geometric(churn)  # periods subscribed, >= 1
    rows = []
    for c in range(customers):
        for t in range(int(min(life[c], periods - start[c]))):
            if t == 0 or rng.random() < 0.7:
                rows.append((c, start[c] + t + 0.5))
    return pd.DataFrame(rows, columns=["buyer_id", "entered_at"])


def test_retention_curves_default_call_draws_an_activity_log() -> None:
    table = fs.cohort_retention(_activity_log())
    skipped = table.long["active"] < table.long["active_on_or_after"]
    assert skipped.sum() > 10  # customers who skip a period and come back
    chart = charts.retention_curves(table)  # the default call fits and draws
    spec = chart.to_dict()
    thin, lines = _layers(spec)
    assert thin["encoding"]["y"]["title"] == "share not churned yet (%)"
    fitted = [r for r in _data(spec, lines) if r["series"].startswith("sBG fit")]
    observed = [r for r in _data(spec, lines) if r["series"] == "observed (all cohorts)"]
    assert len(fitted) == len(observed) == 8
    # what is fitted: the sBG model on each cohort's customers not churned yet
    fit = fs.fit_sbg(table.counts("active_on_or_after"))
    assert [r["survival"] for r in fitted] == pytest.approx(fit.project(7)["survival"].tolist())
    _render(chart)


def test_retention_curves_not_churned_yet_values() -> None:
    table = fs.cohort_retention(_skipping_log())
    spec = charts.retention_curves(table, fit=None).to_dict()
    thin, lines = _layers(spec)
    cohort0 = [r for r in _data(spec, thin) if r["cohort"] == "0"]
    # cohort 0 (c1, c2, c3): not churned yet 3, 2, 2, 2 of 3
    assert [r["survival"] for r in cohort0] == pytest.approx([1, 2 / 3, 2 / 3, 2 / 3])
    observed = [r for r in _data(spec, lines) if r["series"] == "observed (all cohorts)"]
    # pooled: period 0: 5 of 5; period 1: 2 + 1 of 5; period 2: 2 + 1 of 5; period 3: 2 of 3
    assert [r["survival"] for r in observed] == pytest.approx([1.0, 0.6, 0.6, 2 / 3])


def test_retention_curves_active_measure_explains_why_it_cannot_fit() -> None:
    table = fs.cohort_retention(_skipping_log())
    with pytest.raises(
        ValueError, match=r"cohort 0's active customers rise .*measure='not_churned'"
    ):
        charts.retention_curves(table, measure="active")
    spec = charts.retention_curves(table, measure="active", fit=None).to_dict()
    assert _layers(spec)[0]["encoding"]["y"]["title"] == "share still active (%)"
    with pytest.raises(ValueError, match=r"measure must be one of .*got 'x'"):
        charts.retention_curves(table, measure="x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="cohort charts take a CohortTable"):
        charts.retention_curves([1, 2, 3])


def test_retention_panel_on_an_activity_log() -> None:
    table = fs.cohort_retention(_skipping_log())
    plot = charts.retention_panel_plot(table, fit=None)
    spec = plot.chart().to_dict()
    assert len(spec["datasets"]) == 1
    rows = next(iter(spec["datasets"].values()))
    heat = [r for r in rows if r["part"] == "cohort" and r["cohort"] == "0"]
    # the heatmap shows who was active in the period: c1, c2, c3 -> 3, 0, 1, 2 of 3
    assert [r["survival"] for r in heat] == pytest.approx([1, 0, 1 / 3, 2 / 3])
    _render(charts.retention_panel_chart(fs.cohort_retention(_activity_log())))


# -- without vl-convert (issue 11) --------------------------------------------------------------


def test_without_vl_convert_charts_fall_back_and_export_says_why(
    monkeypatch: pytest.MonkeyPatch, result: fs.SimulationResult
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "vl_convert", None)  # import vl_convert -> ImportError
    assert not charts.has_vl_convert()
    before_renderer, before_theme = alt.renderers.active, alt.theme.active
    try:
        with pytest.warns(RuntimeWarning, match="vl-convert is not installed.*default renderer"):
            charts.setup()
        assert alt.renderers.active == "default"
        assert alt.theme.active == charts.THEME_NAME
        chart = charts.funnel_chart(result)
        bundle = chart._repr_mimebundle_()
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        assert any("vegalite" in kind or kind == "text/html" for kind in data)  # it displays
    finally:
        alt.renderers.enable(before_renderer)
        alt.theme.enable(before_theme)
    with pytest.raises(ImportError, match="needs vl-convert, which is not installed"):
        charts.to_svg(charts.funnel_chart(result))
    with pytest.raises(ImportError, match="needs vl-convert"):
        charts.save(charts.funnel_chart(result), "x.svg")
    with pytest.raises(ImportError, match="needs vl-convert"):
        charts.LiveChart().render(charts.funnel_plot(result))


def test_charts_reexports_the_rendering_machinery() -> None:
    from funnelsim import render

    for name in render.__all__:
        assert getattr(charts, name) is getattr(render, name)


def test_live_chart_swaps_the_data_of_the_new_public_plots(growth: Any) -> None:
    from funnelsim import economics as ec

    live = charts.LiveChart()
    for churn in (0.05, 0.06):  # same shape, new data: the compiled spec is reused
        plot = charts.payback_plot(ec.unit_economics(30.0, 0.8, churn, cac=300.0))
        assert live.render(plot) == charts.to_svg(plot.chart())
    for budget in (5_000, 6_000):
        other = fs.simulate_growth(
            12, funnel=fs.aaarrr(), budget=budget, cost_per_lead=0.5, churn=0.1, seed=3
        )
        plot = charts.growth_ab_plot(growth, other)
        assert live.render(plot) == charts.to_svg(plot.chart())
    assert len(live._cache) == 2
    assert all(v is not None for v in live._cache.values())


def test_retention_curves_observed_up_to_period_1_draw_without_a_fit() -> None:
    # fit_sbg refuses one period (mean churn only): the chart draws the data and says why
    table = fs.CohortTable.from_counts([[100, 60], [80]])
    with pytest.warns(UserWarning, match="no sBG fit: no cohort is observed beyond period 1"):
        chart = charts.retention_curves(table)
    spec = chart.to_dict()
    assert {r["series"] for r in _data(spec, _layers(spec)[1])} == {"observed (all cohorts)"}


def test_retention_curves_of_a_log_one_period_long_draws_without_a_fit() -> None:
    log = pd.DataFrame({"buyer_id": [1, 2, 2, 3], "entered_at": [0.1, 0.2, 0.5, 0.9]})
    table = fs.cohort_retention(log)
    with pytest.warns(UserWarning, match="no sBG fit: no cohort is observed beyond period 0"):
        chart = charts.retention_curves(table)
    spec = chart.to_dict()
    series = {r["series"] for r in _data(spec, _layers(spec)[1])}
    assert series == {"observed (all cohorts)"}
    _render(chart)


def test_channel_chart_sorts_channels_and_names_the_cheapest():
    blog = fs.Channel("blog", 10_000, 0.02, 0.10, 0.20, fixed_cost=400)
    ads = fs.Channel("ads", 20_000, 0.03, 0.05, 0.05, cost_per_click=0.8)
    result = fs.simulate_channels([blog, ads], periods=3, seed=1)
    spec = charts.channel_chart(result).to_dict()
    assert spec["title"].startswith("Lowest CAC: blog")
    marks = [layer["mark"]["type"] for layer in _layers(spec)]
    assert marks.count("rule") == 2  # the intervals and the all-channel total
    expected = charts.channel_chart(fs.expected_channels([blog, ads]), "lead_to_customer")
    assert expected.to_dict()["title"].startswith("Highest lead → customer conversion")
    with pytest.raises(ValueError, match="measure must be one of"):
        charts.channel_chart(result, "roi")
    assert "<svg" in charts.to_svg(charts.channel_chart(result, "cpl"))


# -- lesson 07: NPS intervals, viral growth, referral rewards ------------------------------------


def test_nps_interval_chart_draws_one_row_per_survey():
    cis = {"3 answers": fs.nps_ci([10, 9, 3]), "100 answers": fs.nps_ci([10] * 60 + [2] * 40)}
    chart = charts.nps_interval_chart(cis)
    data = chart.data
    assert list(data["label"]) == ["3 answers", "100 answers"]
    assert np.allclose(data["low"], [cis["3 answers"].low, cis["100 answers"].low])
    widest = max(ci.half_width for ci in cis.values())
    assert f"±{widest:.0f} points" in chart.title
    with pytest.raises(TypeError, match=r"intervals\['x'\] must be an NPSInterval"):
        charts.nps_interval_chart({"x": 3})
    with pytest.raises(TypeError, match="intervals must be a mapping"):
        charts.nps_interval_chart([1, 2])


def test_viral_growth_chart_names_the_leading_curve():
    curves = {f"K = {k}": fs.expected_viral_users(100, k, 5) for k in (0.5, 1.2)}
    chart = charts.viral_growth_chart(curves)
    assert chart.title == "After 5 time units, K = 1.2 is far ahead"
    assert len(chart.data) == 12
    new = charts.viral_growth_chart(curves, measure="new_users", log_scale=True)
    assert new.data["users"].iloc[1] == 50.0
    with pytest.raises(ValueError, match="measure must be one of"):
        charts.viral_growth_chart(curves, measure="users")  # type: ignore[arg-type]


def test_referral_reward_chart_marks_the_best_rewards():
    table = fs.referral_programme(
        1_000, 1.0, 0.3, ltv=120.0, referrer_reward=np.arange(0, 61, 1.0), programme_cost=3_000
    )
    chart = charts.referral_reward_chart(table)
    best_roi = table.loc[table["roi"].idxmax(), "referrer_reward"]
    best_profit = table.loc[table["profit"].idxmax(), "referrer_reward"]
    assert chart.title == f"ROI peaks at a reward of {best_roi:g}, profit at {best_profit:g}"
    free = fs.referral_programme(100, 1.0, 0.3, ltv=10.0, referrer_reward=[0.0])
    with pytest.raises(ValueError, match="no row with a defined ROI"):
        charts.referral_reward_chart(free)


def test_viral_growth_chart_takes_a_referral_result():
    one = fs.simulate_referrals(100, 2.0, 0.25, seed=1)
    many = fs.simulate_referrals(100, 2.0, 0.25, replications=30, seed=1)
    chart = charts.viral_growth_chart({"one": one, "many": many})
    data = chart.data
    assert data[data["label"] == "one"]["users"].iloc[-1] == one.total
    assert np.isclose(data[data["label"] == "many"]["users"].iloc[-1], many.total)


# -- lesson 10: RFM back-test and loyalty thresholds ---------------------------------------------


def test_rfm_outcomes_chart_leaves_out_empty_segments():
    outcomes = fs.rfm_outcomes(fs.load_cdnow(), "1997-12-31")
    chart = charts.rfm_outcomes_chart(outcomes)
    shown = outcomes[outcomes["customers"] > 0]
    assert list(chart.data["segment"]) == [str(s) for s in shown["segment"]]
    assert np.allclose(chart.data["rate"], 100 * shown["return_rate"])
    assert chart.title.startswith("Champions: 58.4 % bought again")


def test_loyalty_threshold_chart_draws_the_admitted_shares():
    table = fs.first_purchase_threshold(fs.load_cdnow(), [0, 25, 50])
    chart = charts.loyalty_threshold_chart(table)
    left = chart.hconcat[0].data
    assert list(left["series"].unique()) == ["customers admitted", "later revenue from them"]
    assert left["percent"].iloc[0] == 100.0
    right = chart.hconcat[1].data
    assert set(right["group"]) == {"admitted", "not admitted"}  # the empty group is dropped
