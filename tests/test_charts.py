"""Chart builders: the Vega-Lite spec says what we mean, and vl-convert renders it offline."""

from __future__ import annotations

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
    with pytest.raises(TypeError, match="funnel table must be a pandas DataFrame, got list"):
        charts.funnel_frame([1, 2])  # type: ignore[arg-type]


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
        plot = charts._funnel_plot(source, title="t", confidence=0.95, width=None)
        assert live.render(plot) == charts.to_svg(plot.chart())
    assert len(live._cache) == 2  # one single-funnel shape, one comparison shape


def test_tornado_and_referral_charts_take_the_data_swap_path() -> None:
    from funnelsim.sensitivity_analysis import sensitivity

    live = charts.LiveChart()
    for activation in (0.5, 0.55):  # same ranking of the steps: one compiled shape
        frame = sensitivity(fs.aaarrr(activation=activation))
        plot = charts._tornado_plot(frame, title="t", width=300, outcome="customers won")
        assert live.render(plot) == charts.to_svg(plot.chart())
    for conversion in (0.2, 0.3):
        res = fs.simulate_referrals(100, 2.0, conversion, seed=1)
        plot = charts._referral_plot(res, title="t", width=300)
        assert live.render(plot) == charts.to_svg(plot.chart())
    assert len(live._cache) == 2
    assert all(v is not None for v in live._cache.values())  # data swapped, not rebuilt


def test_retention_panels_share_one_data_set(cohorts: Any) -> None:
    import re

    from funnelsim.retention import fit_sbg

    fit = fit_sbg(cohorts.table)
    plot = charts._retention_plot(cohorts, fit, periods=12, width=300, cell=20)
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
            charts._funnel_plot(accounts_table(res), title="f", confidence=0.95, width=200),
            charts._committee_plot(res, title="c", width=200),
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
        invites_per_customer=0.5,
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
    plot = charts._dashboard_plot(paid, growth, title=None)
    assert set(plot.frame["panel"]) == {"funnel", "growth"}
    spec = plot.chart().to_dict()
    assert len(spec["datasets"]) == 1
    assert [_mark(v) for v in _layers(spec)] == ["bar", "errorbar", "text", "area", "bar", "line"]
    live = charts.LiveChart()
    assert live.render(plot) == charts.to_svg(plot.chart())


def test_compare_chart(growth: Any, result: fs.SimulationResult) -> None:
    other = fs.simulate(fs.aaarrr(activation=0.9), buyers=20_000, seed=7)
    assert charts.compare_chart(result, other).to_dict()["facet"]["sort"] == ["A", "B"]
    spec = charts.compare_chart(growth, growth, labels=("before", "after")).to_dict()
    assert {r["scenario"] for r in _data(spec, spec)} == {"before", "after"}
    _render(charts.compare_chart(growth, growth))
    with pytest.raises(TypeError, match="got SimulationResult and str"):
        charts.compare_chart(result, "b")


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
