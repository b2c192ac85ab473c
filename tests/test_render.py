"""LiveChart: compiled Vega for the browser, SVG in the kernel, data swapped into a cached spec."""

from __future__ import annotations

import base64
import copy
import math
import sys
from typing import Any

import altair as alt
import pandas as pd
import pytest

import funnelsim as fs
from funnelsim import charts, render


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as the browser gets them: NaN as None, text as str."""
    out = []
    for row in frame.to_dict(orient="records"):
        out.append(
            {
                str(k): None if isinstance(v, float) and not math.isfinite(v) else v
                for k, v in row.items()
            }
        )
    return out


def _data(vega: dict[str, Any]) -> list[dict[str, Any]]:
    """The one data set of ``vega`` that holds inline rows, checked to be the only one."""
    inline = [d for d in vega["data"] if "values" in d]
    assert len(inline) == 1
    return list(inline[0]["values"])


def _funnel_plot(activation: float) -> charts.Plot:
    return charts.funnel_plot(fs.simulate(fs.aaarrr(activation=activation), 5_000, seed=4))


def test_vega_swaps_the_rows_of_a_known_shape_into_the_compiled_spec() -> None:
    live = charts.LiveChart()
    first, second = _funnel_plot(0.5), _funnel_plot(0.8)
    assert first.shape == second.shape
    a = live.vega(first)
    template = copy.deepcopy(live._cache[first.shape])
    b = live.vega(second)
    assert len(live._cache) == 1  # compiled once
    assert _data(a) == _rows(first.frame)
    assert _data(b) == _rows(second.frame)
    assert _data(b) != _data(a)
    # everything but the rows is the compiled spec of the first chart
    assert {k: v for k, v in a.items() if k != "data"} == {
        k: v for k, v in b.items() if k != "data"
    }
    assert live._cache[first.shape] == template  # the cached spec is not changed


def test_render_draws_the_vega_spec_as_to_svg_draws_the_chart() -> None:
    live = charts.LiveChart()
    for activation in (0.5, 0.8):
        plot = _funnel_plot(activation)
        assert live.render(plot) == charts.to_svg(plot.chart())
    assert len(live._cache) == 1


def test_a_title_outside_the_shape_is_put_into_the_cached_spec() -> None:
    frame = pd.DataFrame({"x": [1, 2, 3], "y": [2.0, 1.0, 3.0]})

    def plot(y: list[float], title: tuple[str, ...]) -> charts.Plot:
        def build(data: pd.DataFrame) -> Any:
            return (
                alt.Chart(data).mark_line().encode(x="x:Q", y="y:Q").properties(title=list(title))
            )

        return charts.Plot(frame.assign(y=y), ("line",), build, title)

    live = charts.LiveChart()
    one = plot([2.0, 1.0, 3.0], ("Profit", "payback 3 months"))
    two = plot([1.0, 1.0, 5.0], ("Profit", "payback 11 months"))
    assert live.render(one) == charts.to_svg(one.chart())
    assert live.render(two) == charts.to_svg(two.chart())
    assert "payback 11 months" in live.render(two)
    assert live.vega(two)["title"]["text"] == ["Profit", "payback 11 months"]
    assert live.vega(one)["title"]["text"] == ["Profit", "payback 3 months"]  # cache untouched
    assert len(live._cache) == 1


def test_a_title_the_compiled_spec_does_not_hold_is_compiled_every_time() -> None:
    frame = pd.DataFrame({"x": [1, 2], "y": [1.0, 2.0]})

    def build(data: pd.DataFrame) -> Any:  # says its title is "A" but draws "B"
        return alt.Chart(data).mark_line().encode(x="x:Q", y="y:Q").properties(title="B")

    plot = charts.Plot(frame, ("wrong title",), build, "A")
    live = charts.LiveChart()
    assert live.render(plot) == charts.to_svg(plot.chart())  # still right, never patched
    assert live._cache[("wrong title",)] is None


def test_plots_without_a_shape_or_with_several_data_sets_are_compiled_from_scratch() -> None:
    result = fs.simulate(fs.aaarrr(), 2_000, seed=1)
    chart = charts.funnel_chart(result)
    live = charts.LiveChart()
    plot = charts.Plot.of(chart)
    assert live.render(plot) == charts.to_svg(chart)
    assert _data(live.vega(plot)) == _rows(charts.funnel_plot(result).frame)
    two = alt.hconcat(chart, charts.funnel_chart(fs.simulate(fs.aaarrr(), 1_000, seed=2)))
    several = charts.Plot(pd.DataFrame(), ("two data sets",), lambda _: two)
    assert live.render(several) == charts.to_svg(two)
    assert live._cache[("two data sets",)] is None


def test_the_cache_keeps_the_most_recent_shapes() -> None:
    live = charts.LiveChart(cache_size=2)
    for width in (300, 320, 340):
        result = fs.simulate(fs.aaarrr(), 1_000, seed=1)
        live.vega(charts.funnel_plot(result, width=width))
    assert len(live._cache) == 2


def test_display_data_is_a_vega_bundle_the_browser_draws() -> None:
    plot = _funnel_plot(0.6)
    out = charts.LiveChart().display_data(plot)
    assert out["output_type"] == "display_data"
    assert set(out["data"]) == {render.VEGA_MIMETYPE, "image/png", "text/plain"}
    png = base64.b64decode(out["data"]["image/png"])  # a blank placeholder, 1 x 1 pixel
    assert png.startswith(b"\x89PNG") and png[16:24] == (1).to_bytes(4, "big") * 2
    assert render.VEGA_MIMETYPE == "application/vnd.vega.v5+json"
    assert _data(out["data"][render.VEGA_MIMETYPE]) == _rows(plot.frame)
    options = out["metadata"][render.VEGA_MIMETYPE]["embed_options"]
    assert options == {"renderer": "canvas", "actions": False}


def test_without_vl_convert_display_data_falls_back_to_vega_lite(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plot = _funnel_plot(0.6)
    monkeypatch.setitem(sys.modules, "vl_convert", None)  # import vl_convert -> ImportError
    live = charts.LiveChart()
    out = live.display_data(plot)
    spec = out["data"][render.VEGALITE_MIMETYPE]
    assert render.VEGALITE_MIMETYPE.startswith("application/vnd.vegalite.v")
    assert next(iter(spec["datasets"].values())) == _rows(plot.frame)
    assert spec["config"]["range"]["category"] == list(charts.PALETTE)  # themed
    with pytest.raises(ImportError, match="needs vl-convert"):
        live.vega(plot)
    with pytest.raises(ImportError, match="needs vl-convert"):
        live.render(plot)
