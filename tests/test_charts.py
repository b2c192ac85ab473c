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
