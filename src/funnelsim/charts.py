"""Chart builders: results in, ``alt.Chart`` out.

Every builder takes a result object (or the tidy frame it holds) and returns an
altair chart; none of them touches global state or draws anything. Call
:func:`setup` once at the top of a notebook to switch on the renderer and the
funnelsim look::

    import funnelsim as fs
    from funnelsim import charts

    charts.setup()
    charts.funnel_chart(fs.simulate(fs.aaarrr(), buyers=10_000, seed=1))

Why the ``svg`` renderer
------------------------
The course must work in a classroom without internet, in JupyterLab, in Voila
and under CI (papermill, nbval). Measured with JupyterLab 4, altair 6 and
ipywidgets 8:

* altair's default ``html`` renderer loads vega/vega-lite from a CDN: offline it
  shows an error instead of a chart;
* JupyterLab's built-in Vega mimetype renderer does not know Vega-Lite 6;
* ``alt.JupyterChart`` works offline but took about 300 ms per redraw and hung
  under nbclient/papermill;
* the ``svg`` renderer compiles and renders the chart **in the kernel** with
  vl-convert (a self-contained binary, no network, no browser-side JavaScript).
  The notebook stores plain SVG, identical from run to run (so nbval compares it
  as it is), and a widget redraw after a slider key press took about 75-105 ms
  in Chromium.

So :func:`setup` enables ``svg``. The cost: charts are static pictures
(tooltips are dropped, no pan/zoom); the explorers in :mod:`funnelsim.widgets`
provide the interaction with sliders instead. :func:`to_svg` and
:func:`save` render with the funnelsim theme for reports and the README.

Style
-----
Colours come from the Okabe-Ito palette, which stays distinguishable for the
common forms of colour blindness; sequential scales use viridis. Labels are
large enough to read on a projector, stage names are written out in full and
conversion rates are shown as percentages.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeAlias

import altair as alt
import numpy as np
import pandas as pd

from funnelsim._validation import check_choice, check_columns
from funnelsim.engine import SimulationResult
from funnelsim.stats import proportion_ci

__all__ = [
    "PALETTE",
    "THEME_NAME",
    "funnel_chart",
    "funnel_frame",
    "save",
    "setup",
    "theme",
    "to_svg",
]

#: Any chart a builder returns (single, layered or composed).
AnyChart: TypeAlias = (
    alt.Chart | alt.LayerChart | alt.HConcatChart | alt.VConcatChart | alt.FacetChart
)

#: Okabe-Ito colours, in the order categories get them: blue, orange, bluish
#: green, vermillion, sky blue, reddish purple, yellow, black.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#F0E442",
    "#000000",
)
#: Colour of "lost" parts (drop-off, churned): a neutral grey that reads as background.
MUTED = "#BBBBBB"
#: A darker grey for a frozen reference scenario (A in A/B mode).
MUTED_DARK = "#777777"
#: Name under which :func:`setup` registers the theme with altair.
THEME_NAME = "funnelsim"

_FONT = "DejaVu Sans, Verdana, Helvetica, Arial, sans-serif"
#: vl-convert's name for the Vega-Lite version altair writes ("v6_4" for schema v6.4.1).
_VL_VERSION = "v" + "_".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


def theme() -> dict[str, Any]:
    """The funnelsim altair theme (a Vega-Lite ``config`` wrapped in a dict).

    Okabe-Ito categories, viridis for sequential scales, a blue/orange diverging
    scheme, 13-15 px labels, no chart border. Register it yourself with
    ``alt.theme.register("funnelsim", enable=True)(charts.theme)`` or simply
    call :func:`setup`.
    """
    return {
        "config": {
            "font": _FONT,
            "background": "white",
            "view": {"stroke": None, "continuousWidth": 480, "continuousHeight": 280},
            "range": {
                "category": list(PALETTE),
                "ordinal": {"scheme": "viridis"},
                "heatmap": {"scheme": "viridis"},
                "ramp": {"scheme": "viridis"},
                "diverging": {"scheme": "blueorange"},
            },
            "title": {"fontSize": 16, "anchor": "start", "offset": 10, "subtitleFontSize": 13},
            "axis": {
                "labelFontSize": 13,
                "titleFontSize": 13,
                "titleFontWeight": "normal",
                "labelLimit": 220,
                "gridColor": "#E6E6E6",
                "domainColor": "#888888",
                "tickColor": "#888888",
            },
            "legend": {"labelFontSize": 13, "titleFontSize": 13, "titleFontWeight": "normal"},
            "header": {"labelFontSize": 13, "titleFontSize": 14},
            "text": {"fontSize": 13},
            "bar": {"color": PALETTE[0]},
            "line": {"color": PALETTE[0], "strokeWidth": 2.5},
            "point": {"color": PALETTE[0], "filled": True},
            "area": {"color": PALETTE[0]},
        }
    }


def setup(renderer: Literal["svg", "png"] = "svg") -> None:
    """Switch on the offline renderer and the funnelsim theme for this kernel.

    Parameters
    ----------
    renderer : {"svg", "png"}
        ``"svg"`` (default): sharp, small, deterministic output rendered in the
        kernel by vl-convert; works offline and in Voila (see the module
        docstring for why). ``"png"`` is the same engine producing a bitmap,
        for very dense charts.

    Calling it again is harmless.
    """
    check_choice("renderer", renderer, ("svg", "png"))
    if THEME_NAME not in alt.theme.names():
        alt.theme.register(THEME_NAME, enable=False)(theme)  # type: ignore[arg-type]
    alt.theme.enable(THEME_NAME)
    alt.renderers.enable(renderer)


def _themed_spec(chart: AnyChart) -> dict[str, Any]:
    """The chart's Vega-Lite dict with the funnelsim theme applied, whatever is enabled."""
    if THEME_NAME not in alt.theme.names():
        alt.theme.register(THEME_NAME, enable=False)(theme)  # type: ignore[arg-type]
    with alt.theme.enable(THEME_NAME):
        return chart.to_dict()


def to_svg(chart: AnyChart) -> str:
    """Render ``chart`` to an SVG string offline (vl-convert), with the funnelsim theme.

    This is what the explorers show and what reports embed.
    """
    import vl_convert as vlc

    return str(vlc.vegalite_to_svg(_themed_spec(chart), vl_version=_VL_VERSION))


def save(chart: AnyChart, path: str | Path, *, scale: float = 2.0) -> Path:
    """Write ``chart`` to ``path`` (``.svg``, ``.png`` or ``.pdf``) offline, themed.

    ``scale`` multiplies the pixel size of PNG output (2 = sharp on high-DPI screens).
    Returns the path written.
    """
    import vl_convert as vlc

    out = Path(path)
    kind = check_choice("file suffix", out.suffix.lower(), (".svg", ".png", ".pdf"))
    spec = _themed_spec(chart)
    if kind == ".svg":
        out.write_text(vlc.vegalite_to_svg(spec, vl_version=_VL_VERSION), encoding="utf-8")
    elif kind == ".png":
        out.write_bytes(vlc.vegalite_to_png(spec, vl_version=_VL_VERSION, scale=scale))
    else:
        out.write_bytes(vlc.vegalite_to_pdf(spec, vl_version=_VL_VERSION))
    return out


# -- live re-rendering -------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Plot:
    """A chart split into its one data frame and everything else.

    Builders make a :class:`Plot` and return ``plot.chart()``. The split lets
    :class:`LiveChart` compile a chart once and afterwards swap in new data
    only, which is what makes slider redraws fast.
    """

    #: The single tidy data set every layer of the chart reads.
    frame: pd.DataFrame
    #: A hashable description of the rest of the spec (stage order, sizes,
    #: title ...): two plots with equal ``shape`` differ in their data only.
    shape: tuple[Any, ...]
    #: Makes the chart from a frame shaped like ``frame``.
    build: Callable[[pd.DataFrame], AnyChart]

    def chart(self) -> AnyChart:
        """The altair chart for :attr:`frame`."""
        return self.build(self.frame)


class LiveChart:
    """Render a stream of :class:`Plot` s to SVG, recompiling only when the shape changes.

    Rendering a chart from scratch runs altair (build + validate + ``to_dict``),
    compiles Vega-Lite to Vega and draws the Vega scene. When only the data
    change (a slider moved), the compiled Vega spec is reused with the new rows
    put in, which skips the first two steps and roughly halves the time. The
    SVG is identical to :func:`to_svg` of the same chart (tested).

    Parameters
    ----------
    cache_size : int
        Compiled shapes kept (least recently used are dropped).
    """

    def __init__(self, cache_size: int = 16) -> None:
        self._cache: OrderedDict[tuple[Any, ...], tuple[dict[str, Any], int] | None] = OrderedDict()
        self._size = cache_size

    def render(self, plot: Plot) -> str:
        """The SVG text of ``plot``'s chart, themed."""
        import vl_convert as vlc

        key = plot.shape
        if key not in self._cache:
            spec = _themed_spec(plot.chart())
            datasets = list(spec.get("datasets", {}))
            template: tuple[dict[str, Any], int] | None = None
            if len(datasets) == 1:  # one frame: the data can be swapped later
                vega = vlc.vegalite_to_vega(spec, vl_version=_VL_VERSION)
                where = [i for i, d in enumerate(vega["data"]) if d.get("name") == datasets[0]]
                if where:
                    template = (vega, where[0])
            self._cache[key] = template
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
            if template is None:
                return str(vlc.vegalite_to_svg(spec, vl_version=_VL_VERSION))
            return str(vlc.vega_to_svg(template[0]))
        self._cache.move_to_end(key)
        cached = self._cache[key]
        if cached is None:
            return to_svg(plot.chart())
        vega, index = cached
        data = list(vega["data"])
        data[index] = {**data[index], "values": _records(plot.frame)}
        return str(vlc.vega_to_svg({**vega, "data": data}))


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts, non-finite numbers as None (what altair sends, faster)."""
    columns: list[list[Any]] = []
    for name in frame.columns:
        values = frame[name].to_numpy()
        if values.dtype.kind == "f":
            columns.append([v if math.isfinite(v) else None for v in values.tolist()])
        elif values.dtype.kind in "iub":
            columns.append(values.tolist())
        else:
            columns.append([None if v is None or v is pd.NA else str(v) for v in values.tolist()])
    names = [str(c) for c in frame.columns]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


# -- helpers ----------------------------------------------------------------------------


def _stage_order(frame: pd.DataFrame, column: str = "stage") -> list[str]:
    """Stage names in funnel order: categorical order if there is one, else first appearance."""
    col = frame[column]
    if isinstance(col.dtype, pd.CategoricalDtype):
        present = set(col.astype(str))
        return [str(c) for c in col.cat.categories if str(c) in present]
    return [str(s) for s in pd.unique(col.astype(str))]


def _pct(x: float) -> str:
    return "–" if not np.isfinite(x) else f"{x:.1%}"


def _count(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}"


def _titled(chart: Any, title: str | None) -> Any:
    """``chart`` with ``title`` set, or unchanged when there is none."""
    return chart.properties(title=title) if title else chart


def _count_axis(title: str | None = None) -> alt.Axis:
    """A count axis with short SI labels (20k, 1.5M) and a plain 0."""
    return alt.Axis(
        tickCount=5,
        labelExpr="datum.value == 0 ? '0' : format(datum.value, '~s')",
        labelFlush=False,
        title=alt.Undefined if title is None else title,
    )


# -- funnel -----------------------------------------------------------------------------

_FUNNEL_COLUMNS = ("stage", "reached", "step_conversion", "ci_low", "ci_high", "drop_off")

FunnelSource: TypeAlias = SimulationResult | pd.DataFrame


def funnel_frame(result_or_table: FunnelSource, confidence: float = 0.95) -> pd.DataFrame:
    """The per-stage numbers :func:`funnel_chart` draws, pooled over replications.

    Parameters
    ----------
    result_or_table : SimulationResult or DataFrame
        A result, or a frame like ``result.table()`` (columns ``stage, reached,
        step_conversion, ci_low, ci_high, drop_off``; an optional ``replication``
        column is pooled).
    confidence : float
        Coverage of the step-conversion interval when replications are pooled.

    Returns
    -------
    DataFrame
        One row per stage, in funnel order: ``stage`` (str), ``reached`` (mean
        buyers reaching it), ``entered`` (mean buyers at the previous stage),
        ``drop_off``, ``step_conversion`` and its interval ``ci_low``/``ci_high``
        (shares), ``reached_low``/``reached_high`` (the interval in buyers:
        ``entered * ci``), ``cumulative_conversion`` and a text ``label``.
    """
    if isinstance(result_or_table, SimulationResult):
        # Straight from the counts (numpy only: this runs on every slider move).
        res = result_or_table
        counts = res.counts.astype(float)
        entered = np.concatenate([np.full((len(counts), 1), res.buyers), counts[:, :-1]], axis=1)
        order = list(res.funnel.names)
        frame = _pooled(order, counts.sum(axis=0), entered.sum(axis=0), len(counts), confidence)
    else:
        table = check_columns(result_or_table, _FUNNEL_COLUMNS, name="funnel table")
        order = _stage_order(table)
        stage = table["stage"].astype(str)
        if "replication" in table.columns and table["replication"].nunique() > 1:
            sums = (
                table.assign(stage=stage, entered=table["reached"] + table["drop_off"])
                .groupby("stage", sort=False)[["reached", "entered"]]
                .sum()
                .reindex(order)
            )
            reps = table["replication"].nunique()
            frame = _pooled(
                order,
                sums["reached"].to_numpy(dtype=float),
                sums["entered"].to_numpy(dtype=float),
                reps,
                confidence,
            )
        else:
            t = table.assign(stage=stage).set_index("stage").reindex(order)
            frame = pd.DataFrame(
                {
                    "stage": order,
                    "reached": t["reached"].to_numpy(dtype=float),
                    "entered": (t["reached"] + t["drop_off"]).to_numpy(dtype=float),
                    "drop_off": t["drop_off"].to_numpy(dtype=float),
                    "step_conversion": t["step_conversion"].to_numpy(dtype=float),
                    "ci_low": t["ci_low"].to_numpy(dtype=float),
                    "ci_high": t["ci_high"].to_numpy(dtype=float),
                }
            )
    frame["reached_low"] = frame["entered"] * frame["ci_low"]
    frame["reached_high"] = frame["entered"] * frame["ci_high"]
    first = frame["entered"].iloc[0] if len(frame) else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["cumulative_conversion"] = frame["reached"] / first if first else np.nan
    frame["label"] = [
        _count(r) if i == 0 else f"{_count(r)} · {_pct(s)}"
        for i, (r, s) in enumerate(zip(frame["reached"], frame["step_conversion"], strict=True))
    ]
    return frame


def _pooled(
    order: list[str], reached: np.ndarray, entered: np.ndarray, reps: int, confidence: float
) -> pd.DataFrame:
    """Per-stage frame from counts summed over ``reps`` replications (means reported)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        step = np.where(entered > 0, reached / np.where(entered > 0, entered, 1), np.nan)
    low, high = proportion_ci(reached, entered, confidence)
    return pd.DataFrame(
        {
            "stage": order,
            "reached": reached / reps,
            "entered": entered / reps,
            "drop_off": (entered - reached) / reps,
            "step_conversion": step,
            "ci_low": low,
            "ci_high": high,
        }
    )


def _funnel_long(frame: pd.DataFrame, scenario: str | None = None) -> pd.DataFrame:
    """Two rows per stage (reached, dropped) so one data set feeds every layer."""
    n = len(frame)
    whisker = np.arange(n) > 0  # the entry stage's conversion is 1 by definition
    long = pd.DataFrame(
        {
            "stage": np.tile(frame["stage"].to_numpy(dtype=object), 2),
            "part": np.repeat(["reached", "dropped"], n),
            "start": np.concatenate([np.zeros(n), frame["reached"]]),
            "end": np.concatenate([frame["reached"], frame["entered"]]),
            "reached": np.tile(frame["reached"], 2),
            "entered": np.tile(frame["entered"], 2),
            "drop_off": np.tile(frame["drop_off"], 2),
            "step_conversion": np.tile(frame["step_conversion"], 2),
            "reached_low": np.tile(np.where(whisker, frame["reached_low"], np.nan), 2),
            "reached_high": np.tile(np.where(whisker, frame["reached_high"], np.nan), 2),
            "label": np.tile(frame["label"].to_numpy(dtype=object), 2),
        }
    )
    if scenario is not None:
        long.insert(0, "scenario", scenario)
    return long


def _funnel_layers(order: Sequence[str], where: str | None = None) -> list[alt.Chart]:
    """Bars (reached + dropped), CI whiskers and labels of a funnel, without data.

    ``where`` is an extra Vega filter expression (a dashboard panel's rows).
    """

    def rows(expr: str | None) -> str | None:
        parts = [p for p in (where, expr) if p]
        return " && ".join(f"({p})" for p in parts) or None

    def base(expr: str | None = None) -> alt.Chart:
        chart = alt.Chart()
        flt = rows(expr)
        return chart.transform_filter(flt) if flt else chart

    y = alt.Y("stage:N", sort=list(order), title=None, axis=alt.Axis(labelFontWeight="bold"))
    bars = (
        base()
        .mark_bar(height={"band": 0.7})
        .encode(
            y=y,
            x=alt.X("start:Q", title="buyers", axis=_count_axis()),
            x2="end:Q",
            color=alt.Color(
                "part:N",
                scale=alt.Scale(domain=["reached", "dropped"], range=[PALETTE[0], MUTED]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
        )
    )
    whiskers = (
        base("datum.part == 'reached' && isValid(datum.reached_low)")
        .mark_errorbar(ticks={"size": 14}, color="#222222", thickness=1.5)
        .encode(y=y, x=alt.X("reached_low:Q", title="buyers"), x2="reached_high:Q")
    )
    labels = (
        base("datum.part == 'reached'")
        .mark_text(align="left", dx=6, fontSize=13)
        .encode(y=y, x="entered:Q", text="label:N")
    )
    return [bars, whiskers, labels]


def _funnel_plot(
    source: FunnelSource | Mapping[str, FunnelSource],
    *,
    title: str | None,
    confidence: float,
    width: int | None,
) -> Plot:
    width = _default_width(source, width)
    if isinstance(source, Mapping):
        if not source:
            raise ValueError("funnel_chart needs at least one result, got an empty mapping")
        scenarios = [str(k) for k in source]
        frames = [funnel_frame(v, confidence) for v in source.values()]
        orders = {tuple(f["stage"]) for f in frames}
        if len(orders) != 1:
            raise ValueError(
                f"funnel_chart compares funnels with the same stages, got {sorted(orders)}"
            )
        data = pd.concat(
            [_funnel_long(f, s) for f, s in zip(frames, scenarios, strict=True)],
            ignore_index=True,
        )
        order = list(frames[0]["stage"])
    else:
        scenarios = []
        frame = funnel_frame(source, confidence)
        if title is None and isinstance(source, SimulationResult):
            title = f"{source.funnel.name}: {source.buyers:,} buyers"
        data = _funnel_long(frame)
        order = list(frame["stage"])
    shape = ("funnel", tuple(order), tuple(scenarios), title, width)

    def build(frame: pd.DataFrame) -> AnyChart:
        bars, whiskers, labels = _funnel_layers(order)
        height = max(120, 38 * len(order))
        layers = alt.layer(bars, whiskers, labels, data=frame)
        if scenarios:
            return alt.FacetChart(
                data=frame,
                spec=alt.LayerChart(layer=[bars, whiskers, labels], width=width, height=height),
                facet=alt.Facet(
                    "scenario:N", sort=scenarios, title=None, header=alt.Header(labelFontSize=15)
                ),
                columns=len(scenarios),
                spacing=150,
                title=title or alt.Undefined,
            )
        return _titled(layers.properties(width=width, height=height), title)

    return Plot(data, shape, build)


def funnel_chart(
    result_or_table: FunnelSource | Mapping[str, FunnelSource],
    *,
    title: str | None = None,
    confidence: float = 0.95,
    width: int | None = None,
) -> AnyChart:
    """Horizontal funnel: buyers reaching each stage, step conversion, CI, drop-off.

    Each stage is one bar, in funnel order from top to bottom. The full length
    of a bar is the number of buyers who **entered** the step (those at the
    previous stage); the dark part are those who **reached** the stage and the
    grey part the **drop-off**. Whiskers show the ``confidence`` interval of the
    step conversion, expressed in buyers. The label gives buyers reached and the
    step conversion in percent.

    Parameters
    ----------
    result_or_table : SimulationResult, DataFrame, or a mapping of them
        A :class:`~funnelsim.SimulationResult` or its ``table()``;
        replications are pooled (see :func:`funnel_frame`). A mapping such as
        ``{"A": result_a, "B": result_b}`` draws the funnels side by side on
        a shared axis (scenario A vs B); they must have the same stages.
    title : str, optional
        Chart title; defaults to the funnel's name and the number of buyers
        for a single result, none otherwise.
    confidence : float
        Coverage of the whiskers (exact Clopper-Pearson interval).
    width : int, optional
        Width of one funnel's plotting area in pixels (default 460, or 300
        per funnel when comparing).

    Returns
    -------
    altair.LayerChart, or altair.FacetChart for a mapping
    """
    return _funnel_plot(result_or_table, title=title, confidence=confidence, width=width).chart()


def _default_width(source: object, width: int | None) -> int:
    return width if width is not None else (300 if isinstance(source, Mapping) else 460)


# -- growth over periods -------------------------------------------------------------------

#: Colours of the two acquisition channels, everywhere.
CHANNEL_COLOURS = {"paid": PALETTE[0], "referral": PALETTE[1]}


def growth_frame(result: Any) -> pd.DataFrame:
    """Per period and channel: new and active customers (means over replications).

    Parameters
    ----------
    result : funnelsim.growth.GrowthResult
        What :func:`funnelsim.growth.simulate_growth` returns.

    Returns
    -------
    DataFrame
        Columns ``period, channel`` ("paid" / "referral"), ``new``, ``active``,
        and per period (repeated on both rows) ``revenue``,
        ``cumulative_revenue``, ``cumulative_spend``.
    """
    periods = check_columns(
        getattr(result, "periods", None) if not isinstance(result, pd.DataFrame) else result,
        ("period", "new_paid", "new_referral", "active_paid", "active_referral", "revenue"),
        name="growth periods",
    )
    means = periods.groupby("period", sort=True).mean(numeric_only=True)
    n = len(means)
    period = means.index.to_numpy()
    both = lambda col: np.tile(means[col].to_numpy(dtype=float), 2)  # noqa: E731
    return pd.DataFrame(
        {
            "period": np.tile(period, 2),
            "channel": np.repeat(["paid", "referral"], n),
            "new": np.concatenate([means["new_paid"], means["new_referral"]]).astype(float),
            "active": np.concatenate([means["active_paid"], means["active_referral"]]).astype(
                float
            ),
            "revenue": both("revenue"),
            "cumulative_revenue": both("cumulative_revenue")
            if "cumulative_revenue" in means
            else np.tile(means["revenue"].cumsum().to_numpy(dtype=float), 2),
            "cumulative_spend": both("cumulative_spend")
            if "cumulative_spend" in means
            else np.full(2 * n, np.nan),
        }
    )


def _channel_colour(title: str | None = "channel") -> alt.Color:
    return alt.Color(
        "channel:N",
        scale=alt.Scale(domain=list(CHANNEL_COLOURS), range=list(CHANNEL_COLOURS.values())),
        legend=alt.Legend(title=title, orient="top"),
    )


def _growth_layer(measure: str, where: str | None = None) -> alt.Chart:
    chart = alt.Chart()
    if where:
        chart = chart.transform_filter(where)
    label = {"active": "active customers", "new": "new customers per period"}[measure]
    mark = chart.mark_area(opacity=0.9) if measure == "active" else chart.mark_bar()
    return mark.encode(
        x=alt.X("period:Q", title="period")
        if measure == "active"
        else alt.X(
            "period:O",
            title="period",
            axis=alt.Axis(labelAngle=0, labelExpr="datum.value % 6 == 0 ? datum.label : ''"),
        ),
        y=alt.Y(f"{measure}:Q", stack="zero", title=label, axis=_count_axis()),
        color=_channel_colour(),
        order=alt.Order("channel:N", sort="ascending"),
    )


def _money_layer(where: str | None = None) -> alt.Chart:
    chart = alt.Chart()
    if where:
        chart = chart.transform_filter(where)
    return (
        chart.transform_filter("datum.channel == 'paid'")
        .transform_fold(["cumulative_revenue", "cumulative_spend"], as_=["series", "amount"])
        .transform_calculate(
            series="datum.series == 'cumulative_revenue' ? 'revenue' : 'marketing spend'"
        )
        .mark_line()
        .encode(
            x=alt.X("period:Q", title="period"),
            y=alt.Y("amount:Q", title="cumulative amount", axis=_count_axis()),
            color=alt.Color(
                "series:N",
                scale=alt.Scale(
                    domain=["revenue", "marketing spend"], range=[PALETTE[2], PALETTE[3]]
                ),
                legend=alt.Legend(title=None, orient="top"),
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(domain=["revenue", "marketing spend"], range=[[1, 0], [6, 3]]),
                legend=None,
            ),
        )
    )


def growth_chart(
    result: Any,
    *,
    measure: Literal["active", "new"] = "active",
    title: str | None = None,
    width: int = 460,
    height: int = 260,
) -> alt.Chart:
    """Customers over periods, stacked by channel: paid (blue) and referral (orange).

    Parameters
    ----------
    result : funnelsim.growth.GrowthResult or its ``periods`` frame
        Replications are averaged per period.
    measure : {"active", "new"}
        Active customers at the end of each period (stacked area), or new
        customers won in each period (stacked bars).
    title : str, optional
        Chart title (default: none).
    width, height : int
        Plot size in pixels.

    Returns
    -------
    altair.Chart
    """
    check_choice("measure", measure, ("active", "new"))
    frame = growth_frame(result)
    return _titled(_growth_layer(measure).properties(data=frame, width=width, height=height), title)


def revenue_chart(
    result: Any, *, title: str | None = None, width: int = 460, height: int = 260
) -> alt.Chart:
    """Cumulative revenue (solid) against cumulative marketing spend (dashed) over periods.

    Where the lines cross the business has earned back what it spent on
    acquisition (in revenue; multiply by the margin for profit).
    """
    frame = growth_frame(result)
    return _titled(_money_layer().properties(data=frame, width=width, height=height), title)


# -- the dashboard: several panels, one data set ------------------------------------------------


def _dashboard_plot(funnel_result: SimulationResult, growth: Any, *, title: str | None) -> Plot:
    """Funnel, active customers by channel, new customers, money: a 2 × 2 grid.

    One data set with a ``panel`` column feeds all four panels, so
    :class:`LiveChart` can swap the data in a single step.
    """
    funnel = _funnel_long(funnel_frame(funnel_result)).assign(panel="funnel")
    grow = growth_frame(growth).assign(panel="growth")
    frame = pd.concat([funnel, grow], ignore_index=True)
    order = list(funnel_result.funnel.names)
    n_periods = int(grow["period"].nunique())
    shape = ("dashboard", tuple(order), n_periods, title)
    size = {"width": 340, "height": 200}

    def build(data: pd.DataFrame) -> AnyChart:
        in_funnel = "datum.panel == 'funnel'"
        in_growth = "datum.panel == 'growth'"
        funnel_panel = alt.LayerChart(
            layer=_funnel_layers(order, in_funnel),
            title="Paid leads of one period through the funnel",
            width=size["width"],
            height=size["height"],
        )
        active = _growth_layer("active", in_growth).properties(
            title="Active customers by channel", **size
        )
        new = _growth_layer("new", in_growth).properties(title="New customers per period", **size)
        money = _money_layer(in_growth).properties(title="Revenue vs marketing spend", **size)
        top = alt.hconcat(funnel_panel, active, spacing=140).resolve_scale(color="independent")
        bottom = alt.hconcat(new, money, spacing=60).resolve_scale(color="independent")
        grid = alt.vconcat(top, bottom, data=data, spacing=30).resolve_scale(
            color="independent", strokeDash="independent"
        )
        return _titled(grid, title)

    return Plot(frame, shape, build)


def _growth_compare_plot(a: Any, b: Any, labels: tuple[str, str] = ("A (frozen)", "B")) -> Plot:
    """Two growth runs side by side: active customers and cumulative revenue, A vs B."""
    frames = []
    for label, result in zip(labels, (a, b), strict=True):
        g = growth_frame(result)
        total = g.groupby("period", sort=True).agg(
            active=("active", "sum"), cumulative_revenue=("cumulative_revenue", "first")
        )
        frames.append(
            pd.DataFrame(
                {
                    "scenario": label,
                    "period": total.index.to_numpy(),
                    "active": total["active"].to_numpy(dtype=float),
                    "cumulative_revenue": total["cumulative_revenue"].to_numpy(dtype=float),
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    shape = ("growth-ab", labels, int(frame["period"].max()))

    def build(data: pd.DataFrame) -> AnyChart:
        colour = alt.Color(
            "scenario:N",
            scale=alt.Scale(domain=list(labels), range=[MUTED_DARK, PALETTE[0]]),
            legend=alt.Legend(title=None, orient="top"),
        )
        dash = alt.StrokeDash(
            "scenario:N", scale=alt.Scale(domain=list(labels), range=[[6, 3], [1, 0]]), legend=None
        )
        base = alt.Chart().mark_line().encode(x=alt.X("period:Q", title="period"), color=colour)
        active = base.encode(
            y=alt.Y("active:Q", title="active customers", axis=_count_axis()), strokeDash=dash
        ).properties(title="Active customers: A vs B", width=340, height=240)
        revenue = base.encode(
            y=alt.Y("cumulative_revenue:Q", title="cumulative revenue", axis=_count_axis()),
            strokeDash=dash,
        ).properties(title="Cumulative revenue: A vs B", width=340, height=240)
        return alt.hconcat(active, revenue, data=data, spacing=60)

    return Plot(frame, shape, build)
