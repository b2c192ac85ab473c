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
    "CHANNEL_COLOURS",
    "PALETTE",
    "THEME_NAME",
    "LiveChart",
    "Plot",
    "bant_chart",
    "bass_chart",
    "cohort_heatmap",
    "committee_chart",
    "compare_chart",
    "funnel_chart",
    "funnel_frame",
    "growth_chart",
    "growth_frame",
    "referral_generations_chart",
    "retention_curves",
    "revenue_chart",
    "rfm_chart",
    "save",
    "setup",
    "theme",
    "time_in_stage_chart",
    "time_to_convert_chart",
    "to_svg",
    "tornado_chart",
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
    #: None: nothing to reuse, render from scratch (see :meth:`of`).
    shape: tuple[Any, ...] | None
    #: Makes the chart from a frame shaped like ``frame``.
    build: Callable[[pd.DataFrame], AnyChart]

    def chart(self) -> AnyChart:
        """The altair chart for :attr:`frame`."""
        return self.build(self.frame)

    @classmethod
    def of(cls, chart: AnyChart) -> Plot:
        """Wrap any chart; :class:`LiveChart` renders it from scratch every time."""
        return cls(pd.DataFrame(), None, lambda _: chart)

    @classmethod
    def hconcat(cls, *plots: Plot, spacing: int = 30) -> Plot:
        """Plots side by side on one data set, so :class:`LiveChart` can still swap data.

        Each panel reads the rows tagged with its position (column ``_panel``);
        colour scales stay independent. A panel without a shape (:meth:`of`)
        makes the whole a chart rendered from scratch.
        """
        if any(p.shape is None for p in plots):
            return cls.of(alt.hconcat(*(p.chart() for p in plots), spacing=spacing))
        frame = pd.concat(
            [p.frame.assign(_panel=i) for i, p in enumerate(plots)], ignore_index=True
        )

        def build(data: pd.DataFrame) -> AnyChart:
            panels = []
            for i, p in enumerate(plots):
                panel = p.build(p.frame.iloc[:0])
                panel.data = alt.Undefined  # rows come from the concatenation
                panels.append(panel.transform_filter(f"datum._panel == {i}"))
            return alt.hconcat(*panels, data=data, spacing=spacing).resolve_scale(
                color="independent"
            )

        shape = ("hconcat", tuple(p.shape for p in plots), spacing)
        return cls(frame, shape, build)


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
        if key is None:
            return to_svg(plot.chart())
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


def _solid_then_dashed(domain: Sequence[str], colours: Sequence[str]) -> dict[str, Any]:
    """Colour and dash encodings of ``series``: the first solid, the second dashed.

    Two cues, so the lines stay apart in greyscale and for colour-blind readers.
    """
    n = len(domain)
    return {
        "color": alt.Color(
            "series:N",
            scale=alt.Scale(domain=list(domain), range=list(colours)[:n]),
            legend=alt.Legend(title=None, orient="top", labelLimit=400),
        ),
        "strokeDash": alt.StrokeDash(
            "series:N",
            scale=alt.Scale(domain=list(domain), range=[[1, 0], [6, 3]][:n]),
            legend=None,
        ),
    }


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
            **_solid_then_dashed(["revenue", "marketing spend"], [PALETTE[2], PALETTE[3]]),
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


def compare_chart(a: Any, b: Any, *, labels: tuple[str, str] = ("A", "B")) -> AnyChart:
    """Scenario A vs B side by side, for two funnel results or two growth results.

    Two :class:`~funnelsim.SimulationResult` s give their funnels side by side
    on a shared axis (:func:`funnel_chart` with a mapping); two growth results
    give active customers and cumulative revenue, A dashed grey, B solid blue.
    """
    if isinstance(a, SimulationResult) and isinstance(b, SimulationResult):
        return funnel_chart({labels[0]: a, labels[1]: b}, title=f"{labels[0]} vs {labels[1]}")
    if hasattr(a, "periods") and hasattr(b, "periods"):
        return _growth_compare_plot(a, b, labels).chart()
    raise TypeError(
        "compare_chart takes two SimulationResults or two growth results, "
        f"got {type(a).__name__} and {type(b).__name__}"
    )


# -- time in stage and time to convert ----------------------------------------------------------


def _histogram(values: np.ndarray, bins: int, edges: np.ndarray | None = None) -> pd.DataFrame:
    values = values[np.isfinite(values)]
    if edges is None:
        hi = float(values.max()) if values.size else 1.0
        lo = float(values.min()) if values.size else 0.0
        edges = np.linspace(lo, hi if hi > lo else lo + 1.0, bins + 1)
    counts, edges = np.histogram(values, bins=edges)
    total = max(int(values.size), 1)
    return pd.DataFrame(
        {"start": edges[:-1], "end": edges[1:], "count": counts, "share": counts / total}
    )


def _events_of(source: Any) -> pd.DataFrame:
    events = source.events if isinstance(source, SimulationResult) else source
    if events is None:
        raise ValueError(
            "time charts need an event log: simulate with events=True, "
            "e.g. fs.simulate(funnel, buyers, seed, events=True)"
        )
    return check_columns(events, ("buyer_id", "stage", "entered_at", "exited_at"), name="events")


def time_in_stage_chart(
    result_or_events: SimulationResult | pd.DataFrame,
    *,
    bins: int = 30,
    title: str | None = "Time spent in each stage",
    width: int = 460,
) -> alt.FacetChart:
    """Histogram of the time buyers spend in each stage, one row per stage.

    Parameters
    ----------
    result_or_events : SimulationResult (with ``events=True``) or an event log
        The log's ``exited_at - entered_at`` is the time in stage.
    bins : int
        Bars per histogram (shared edges, so the rows compare).
    title : str, optional
        Chart title.
    width : int
        Width of each histogram in pixels.

    Returns
    -------
    altair.FacetChart
        Bars (share of the stage's buyers per bin) and a rule at each stage's
        median time.
    """
    events = _events_of(result_or_events)
    order = _stage_order(events)
    spent = (events["exited_at"] - events["entered_at"]).to_numpy(dtype=float)
    finite = spent[np.isfinite(spent)]
    hi = float(finite.max()) if finite.size else 1.0
    edges = np.linspace(0.0, hi if hi > 0 else 1.0, bins + 1)
    stages = events["stage"].astype(str).to_numpy()
    parts = []
    for name in order:  # a loop over stages
        mine = spent[stages == name]
        h = _histogram(mine, bins, edges).assign(stage=name, median=float(np.median(mine)))
        parts.append(h)
    frame = pd.concat(parts, ignore_index=True)
    bars = (
        alt.Chart()
        .mark_bar(color=PALETTE[0])
        .encode(
            x=alt.X("start:Q", title="time in stage"),
            x2="end:Q",
            y=alt.Y("share:Q", title="share", axis=alt.Axis(format="%", tickCount=3)),
            y2=alt.datum(0),
        )
    )
    median = alt.Chart().mark_rule(color=PALETTE[3], strokeWidth=2).encode(x="median:Q")
    chart = alt.layer(bars, median, data=frame).properties(width=width, height=70)
    return _titled(
        chart.facet(
            row=alt.Row("stage:N", sort=order, title=None, header=alt.Header(labelAngle=0))
        ).resolve_scale(y="independent"),
        title,
    )


def time_to_convert_chart(
    result_or_events: SimulationResult | pd.DataFrame,
    *,
    from_stage: str | None = None,
    to_stage: str | None = None,
    bins: int = 40,
    title: str | None = None,
    width: int = 460,
) -> alt.LayerChart:
    """Distribution of converters' time from ``from_stage`` to ``to_stage``, with its median.

    Uses :func:`funnelsim.analytics.time_to_convert` (defaults: first to last
    stage, i.e. the sales cycle of won buyers).
    """
    from funnelsim.analytics import time_to_convert

    events = _events_of(result_or_events)
    times = time_to_convert(events, from_stage=from_stage, to_stage=to_stage).to_numpy(float)
    frame = _histogram(times, bins)
    median = float(np.median(times)) if times.size else float("nan")
    bars = (
        alt.Chart(frame)
        .mark_bar(color=PALETTE[0])
        .encode(
            x=alt.X("start:Q", title="time to convert"),
            x2="end:Q",
            y=alt.Y("count:Q", title="converters"),
            y2=alt.datum(0),
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"median": [median], "label": [f"median {median:.1f}"]}))
        .mark_rule(color=PALETTE[3], strokeWidth=2)
        .encode(x="median:Q")
    )
    text = rule.mark_text(align="left", dx=4, dy=-6, color=PALETTE[3], fontSize=13).encode(
        text="label:N", y=alt.value(0)
    )
    default = f"Time to convert ({times.size:,} converters)"
    return alt.LayerChart(layer=[bars, rule, text], width=width, height=240, title=title or default)


# -- cohorts and retention ---------------------------------------------------------------------


def _cohort_long(table: Any) -> pd.DataFrame:
    long = getattr(table, "long", table)
    long = check_columns(long, ("cohort", "period", "size", "active"), name="cohort table")
    out = long[["cohort", "period", "size", "active"]].copy()
    if "survival" in long:
        out["survival"] = long["survival"].to_numpy(float)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            out["survival"] = out["active"] / out["size"]
    out["cohort"] = out["cohort"].astype(str)
    return out


def _heat_layers(
    cohorts: Sequence[str], cell: int, data: pd.DataFrame | None = None, where: str | None = None
) -> list[alt.Chart]:
    """The heatmap's cells (and their labels from 30 px up), rows ``where`` holds."""

    def base() -> alt.Chart:
        chart = alt.Chart() if data is None else alt.Chart(data)
        return chart if where is None else chart.transform_filter(where)

    y = alt.Y("cohort:O", sort=list(cohorts), title="cohort")
    x = alt.X("period:O", title="periods since acquisition", axis=alt.Axis(labelAngle=0))
    rect = (
        base()
        .mark_rect()
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "survival:Q",
                scale=alt.Scale(scheme="viridis", domain=[0, 1]),
                legend=alt.Legend(title="active", format="%"),
            ),
        )
    )
    text = (
        base()
        .mark_text(fontSize=10)
        .encode(
            x=x,
            y=y,
            text="label:N",
            color=alt.condition("datum.survival > 0.55", alt.value("black"), alt.value("white")),
        )
    )
    # Percentages only where they fit in a cell.
    return [rect, text] if cell >= 30 else [rect]


def _heat_frame(table: Any) -> pd.DataFrame:
    long = _cohort_long(table)
    long["label"] = [f"{v:.0%}" if np.isfinite(v) else "" for v in long["survival"]]
    return long


def cohort_heatmap(
    table: Any, *, title: str | None = "Share of each cohort still active", cell: int = 34
) -> alt.LayerChart:
    """The classic layer-cake table: cohorts down, periods across, colour = share active.

    Parameters
    ----------
    table : CohortTable, CohortSimulation or its ``long`` frame
        Columns ``cohort, period, size, active`` (and ``survival`` if known).
    title : str, optional
        Chart title.
    cell : int
        Size of one cell in pixels; from 30 up each cell is labelled with its share.
    """
    long = _heat_frame(table)
    cohorts = list(pd.unique(long["cohort"]))
    periods = int(long["period"].max()) + 1 if len(long) else 1
    chart = alt.LayerChart(
        layer=_heat_layers(cohorts, cell),
        data=long,
        width=cell * periods,
        height=cell * len(cohorts),
    )
    return _titled(chart, title)


def _curve_lines(
    table: Any, long: pd.DataFrame, fit: Any, periods: int | None, fit_label: str | None = None
) -> pd.DataFrame:
    """The pooled observed curve and the sBG fit (``period, survival, series``)."""
    pooled = long.groupby("period", sort=True)[["active", "size"]].sum()
    series = [
        pd.DataFrame(
            {
                "period": pooled.index.to_numpy(),
                "survival": (pooled["active"] / pooled["size"]).to_numpy(float),
                "series": "observed (all cohorts)",
            }
        )
    ]
    if fit is True:
        from funnelsim.retention import fit_sbg

        fit = fit_sbg(table if not isinstance(table, pd.DataFrame) else _as_table(table))
    if fit is not None:
        last = int(long["period"].max()) if periods is None else int(periods)
        proj = fit.project(last)
        label = fit_label or f"sBG fit (α={fit.alpha:.2f}, β={fit.beta:.2f})"
        series.append(
            pd.DataFrame({"period": proj["period"], "survival": proj["survival"], "series": label})
        )
    return pd.concat(series, ignore_index=True)


def _curve_layers(
    names: Sequence[str],
    cohorts: pd.DataFrame | None = None,
    lines: pd.DataFrame | None = None,
    where: tuple[str, str] | None = None,
) -> list[alt.Chart]:
    """Thin per-cohort lines, then the observed and fitted curves (rows ``where`` holds)."""
    thin = alt.Chart() if cohorts is None else alt.Chart(cohorts)
    bold = alt.Chart() if lines is None else alt.Chart(lines)
    if where is not None:
        thin, bold = thin.transform_filter(where[0]), bold.transform_filter(where[1])
    return [
        thin.mark_line(color=MUTED, strokeWidth=1).encode(
            x=alt.X("period:Q", title="periods since acquisition"),
            y=alt.Y("survival:Q", title="share still active", axis=alt.Axis(format="%")),
            detail="cohort:N",
        ),
        bold.mark_line(point=True).encode(
            x="period:Q",
            y="survival:Q",
            **_solid_then_dashed(names, [PALETTE[0], PALETTE[1]]),
        ),
    ]


def retention_curves(
    table: Any,
    *,
    fit: Any = True,
    periods: int | None = None,
    title: str | None = "Retention curves and the sBG fit",
    width: int = 460,
) -> alt.LayerChart:
    """Each cohort's share still active (thin grey lines), their pooled mean, and the sBG fit.

    Parameters
    ----------
    table : CohortTable, CohortSimulation or its ``long`` frame
    fit : True, SBGFit or None
        ``True`` fits :func:`funnelsim.retention.fit_sbg` to ``table``; an
        ``SBGFit`` is drawn as it is; ``None`` draws no fit.
    periods : int, optional
        Draw the fit up to this period (default: the last observed one), to
        show its projection beyond the data.
    """
    long = _cohort_long(table)
    lines = _curve_lines(table, long, fit, periods)
    names = list(pd.unique(lines["series"]))
    layers = _curve_layers(names, long, lines)
    return _titled(alt.LayerChart(layer=layers, width=width, height=280), title)


def _retention_plot(
    sim: Any, fit: Any, *, periods: int, width: int, cell: int, title: str | None = None
) -> Plot:
    """Retention curves with the sBG fit beside the cohort heatmap, on one data set.

    The fit's legend entry is "sBG fit" (α and β are headline numbers), so a
    slider move only swaps the data (:class:`LiveChart`).
    """
    long = _heat_frame(sim)
    lines = _curve_lines(sim, long, fit, periods, fit_label="sBG fit (projection)")
    frame = pd.concat([long.assign(part="cohort"), lines.assign(part="line")], ignore_index=True)
    names = list(pd.unique(lines["series"]))
    cohorts = list(pd.unique(long["cohort"]))
    n_periods = int(long["period"].max()) + 1 if len(long) else 1
    cohort_rows, line_rows = "datum.part == 'cohort'", "datum.part == 'line'"

    def build(data: pd.DataFrame) -> AnyChart:
        curves = alt.LayerChart(
            layer=_curve_layers(names, where=(cohort_rows, line_rows)),
            width=width,
            height=280,
            title="Retention curves and the sBG fit",
        )
        heat = alt.LayerChart(
            layer=_heat_layers(cohorts, cell, where=cohort_rows),
            width=cell * n_periods,
            height=cell * len(cohorts),
            title="Share of each cohort still active",
        )
        both = alt.hconcat(curves, heat, spacing=40, data=data)
        return _titled(both.resolve_scale(color="independent"), title)

    return Plot(frame, ("retention", tuple(names), tuple(cohorts), n_periods, width, cell), build)


def _as_table(long: pd.DataFrame) -> Any:
    from funnelsim.retention import CohortTable

    return CohortTable(long)


# -- referral and diffusion --------------------------------------------------------------------


def referral_generations_chart(
    result: Any, *, title: str | None = None, width: int = 460
) -> alt.LayerChart:
    """New buyers per referral generation (bars) against the geometric expectation ``s·Kᵍ``.

    Replications are averaged. Without a market limit the expectation is exact
    in the mean; with one, the bars fall below it as invitations are wasted.
    """
    return _referral_plot(result, title=title, width=width).chart()  # type: ignore[return-value]


def _referral_plot(result: Any, *, title: str | None, width: int) -> Plot:
    gens = check_columns(
        result.generations, ("generation", "new_buyers"), name="referral generations"
    )
    mean = gens.groupby("generation", sort=True)["new_buyers"].mean()
    g = mean.index.to_numpy()
    frame = pd.DataFrame(
        {
            "generation": g,
            "new_buyers": mean.to_numpy(float),
            "expected": result.seed_buyers * np.power(float(result.k), g.astype(float)),
        }
    )
    default = f"Referral generations: K = {result.k:.2f}, total {result.total:,.0f} buyers"
    heading = title or default

    def build(data: pd.DataFrame) -> AnyChart:
        x = alt.X("generation:O", title="generation (0 = seed buyers)", axis=alt.Axis(labelAngle=0))
        bars = (
            alt.Chart()
            .mark_bar(color=PALETTE[1])
            .encode(x=x, y=alt.Y("new_buyers:Q", title="new buyers", axis=_count_axis()))
        )
        expected = (
            alt.Chart()
            .mark_point(shape="diamond", size=70, color=PALETTE[0], filled=True)
            .encode(x=x, y="expected:Q")
        )
        return alt.layer(bars, expected, data=data).properties(
            width=width, height=260, title=heading
        )

    return Plot(frame, ("referral", heading, width), build)


def bass_chart(result: Any, *, title: str | None = None, width: int = 380) -> alt.HConcatChart:
    """Bass diffusion: simulated cumulative adopters vs the closed form, and who adopted why.

    Left: cumulative adopters (simulation, solid) against the continuous-time
    closed form (dashed). Right: new adopters per period, stacked by source:
    innovators (external: advertising, paid) and imitators (word of mouth).
    """
    p = check_columns(
        result.periods,
        ("period", "innovators", "imitators", "cumulative_adopters", "continuous_bass"),
        name="Bass periods",
    )
    means = p.groupby("period", sort=True).mean(numeric_only=True)
    t = means.index.to_numpy()
    n = len(t)
    frame = pd.DataFrame(
        {
            "period": np.tile(t, 2),
            "series": np.repeat(["simulation", "closed form"], n),
            "cumulative": np.concatenate([means["cumulative_adopters"], means["continuous_bass"]]),
            "source": np.repeat(["innovators (external)", "imitators (word of mouth)"], n),
            "new": np.concatenate([means["innovators"], means["imitators"]]),
        }
    )
    x = alt.X("period:Q", title="period", axis=alt.Axis(tickCount=6))
    curves = (
        alt.Chart()
        .mark_line()
        .encode(
            x=x,
            y=alt.Y("cumulative:Q", title="cumulative adopters", axis=_count_axis()),
            **_solid_then_dashed(["simulation", "closed form"], [PALETTE[0], PALETTE[3]]),
        )
        .properties(width=width, height=240, title="Cumulative adopters")
    )
    sources = ["innovators (external)", "imitators (word of mouth)"]
    new = (
        alt.Chart()
        .mark_area()
        .encode(
            x=x,
            y=alt.Y("new:Q", stack="zero", title="new adopters", axis=_count_axis()),
            color=alt.Color(
                "source:N",
                scale=alt.Scale(domain=sources, range=[PALETTE[0], PALETTE[1]]),
                legend=alt.Legend(title=None, orient="top", labelLimit=400),
            ),
            order=alt.Order("source:N", sort="descending"),
        )
        .properties(width=width, height=240, title="New adopters per period")
    )
    default = f"Bass diffusion: p = {result.p:g}, q = {result.q:g}, m = {result.m:,}"
    chart = alt.hconcat(curves, new, data=frame, spacing=50).resolve_scale(
        color="independent", strokeDash="independent"
    )
    return chart.properties(title=title or default)


# -- sensitivity, BANT, RFM, the buying committee -------------------------------------------------


def tornado_chart(
    frame: pd.DataFrame,
    *,
    title: str | None = None,
    width: int = 420,
    outcome: str | None = None,
) -> alt.LayerChart:
    """Tornado: how far the outcome moves when each step's rate goes down / up.

    Parameters
    ----------
    frame : DataFrame
        :func:`funnelsim.pipeline.sensitivity` output (``stage, low, high,
        base, outcome_low, outcome_high, swing``), biggest swing first.
    title : str, optional
        Chart title (default: names the base value).
    width : int
        Plot width in pixels.
    outcome : str, optional
        What the outcome is, for the x-axis title (default: ``frame.attrs["outcome"]``
        if set, else the default outcome of :func:`~funnelsim.pipeline.sensitivity`,
        expected customers won). Pass it when the frame measured something else.

    Bars start at the base outcome; the blue bar is the rate lowered, the
    orange one the rate raised; the labels give the rates used.
    """
    plot = _tornado_plot(frame, title=title, width=width, outcome=outcome)
    return plot.chart()  # type: ignore[return-value]


def _tornado_plot(
    frame: pd.DataFrame, *, title: str | None, width: int, outcome: str | None
) -> Plot:
    frame = check_columns(
        frame,
        ("stage", "low", "high", "base", "outcome_low", "outcome_high", "swing"),
        name="sensitivity frame",
    )
    if outcome is None:
        outcome = str(frame.attrs.get("outcome", "customers won (expected)"))
    order = list(frame.sort_values("swing", ascending=False, kind="stable")["stage"].astype(str))
    n = len(frame)
    stage = frame["stage"].astype(str).to_numpy()
    base = frame["base"].to_numpy(float)
    rate = np.concatenate([frame["low"], frame["high"]]).astype(float)
    data = pd.DataFrame(
        {
            "stage": np.tile(stage, 2),
            "direction": np.repeat(["rate lowered", "rate raised"], n),
            "start": np.tile(base, 2),
            "end": np.concatenate([frame["outcome_low"], frame["outcome_high"]]).astype(float),
            "rate": rate,
            "label": [f"{r:.0%}" for r in rate],
        }
    )
    default = f"Sensitivity of {outcome} (base {base[0]:,.4g})" if n else "Sensitivity"
    heading = title or default

    def build(data: pd.DataFrame) -> AnyChart:
        y = alt.Y("stage:N", sort=order, title=None, axis=alt.Axis(labelFontWeight="bold"))
        colour = alt.Color(
            "direction:N",
            scale=alt.Scale(domain=["rate lowered", "rate raised"], range=[PALETTE[0], PALETTE[1]]),
            legend=alt.Legend(title=None, orient="top"),
        )
        x_title = f"{outcome} (bars start at the base)"
        bars = (
            alt.Chart()
            .mark_bar(height={"band": 0.6})
            .encode(
                y=y,
                x=alt.X("start:Q", title=x_title, scale=alt.Scale(zero=False, padding=30)),
                x2="end:Q",
                color=colour,
            )
        )
        labels = (
            alt.Chart()
            .mark_text(fontSize=12, dx=alt.expr("datum.end < datum.start ? -16 : 16"))
            .encode(y=y, x=alt.X("end:Q", title=x_title), text="label:N")
        )
        # One rule at the base outcome (every row carries it as ``start``).
        rule = alt.Chart().mark_rule(color="#222222").encode(x=alt.X("min(start):Q", title=x_title))
        return alt.layer(bars, labels, rule, data=data).properties(
            width=width, height=max(120, 36 * n), title=heading
        )

    return Plot(data, ("tornado", tuple(order), heading, width, outcome), build)


def bant_chart(
    scores: pd.DataFrame, *, top: int = 15, account: str = "account", title: str | None = None
) -> AnyChart:
    """The top accounts by BANT score (Budget × Authority × Need × Time), best first.

    ``scores`` is :func:`funnelsim.scoring.bant_score` output. Labels show the
    four 1–5 factors, so a class can see *why* an account ranks high.
    """
    scores = check_columns(
        scores, (account, "budget", "authority", "need", "time", "bant"), name="BANT scores"
    )
    best = scores.sort_values("bant", ascending=False, kind="stable").head(top).copy()
    best[account] = best[account].astype(str)
    best["factors"] = [
        f"{b}·{a}·{n}·{t} = {s}"
        for b, a, n, t, s in zip(
            best["budget"], best["authority"], best["need"], best["time"], best["bant"], strict=True
        )
    ]
    order = list(best[account])
    y = alt.Y(f"{account}:N", sort=order, title=None)
    bars = (
        alt.Chart()
        .mark_bar(color=PALETTE[0])
        .encode(
            y=y, x=alt.X("bant:Q", title="BANT score (max 625)", scale=alt.Scale(domain=[0, 625]))
        )
    )
    text = (
        alt.Chart()
        .mark_text(align="left", dx=4, fontSize=12)
        .encode(y=y, x="bant:Q", text="factors:N")
    )
    chart = alt.layer(bars, text, data=best).properties(width=420, height=max(120, 24 * len(best)))
    return chart.properties(title=title or f"Top {len(best)} accounts by BANT")


def rfm_chart(scores: pd.DataFrame, *, title: str | None = None) -> AnyChart:
    """Customers per RFM segment, with each segment's average spend.

    ``scores`` is :func:`funnelsim.scoring.rfm` output (``segment, monetary``).
    """
    scores = check_columns(
        scores, ("segment", "monetary", "recency", "frequency"), name="RFM scores"
    )
    seg = scores.groupby("segment", observed=True, sort=False).agg(
        customers=("monetary", "size"), monetary=("monetary", "mean"), recency=("recency", "mean")
    )
    seg = seg.sort_values("customers", ascending=False, kind="stable").reset_index()
    seg["segment"] = seg["segment"].astype(str)
    total = max(int(seg["customers"].sum()), 1)
    seg["label"] = [
        f"{c:,} ({c / total:.0%}) · avg ${m:,.0f}"
        for c, m in zip(seg["customers"], seg["monetary"], strict=True)
    ]
    order = list(seg["segment"])
    y = alt.Y("segment:N", sort=order, title=None)
    bars = (
        alt.Chart()
        .mark_bar()
        .encode(
            y=y,
            x=alt.X("customers:Q", title="customers"),
            color=alt.Color(
                "monetary:Q",
                scale=alt.Scale(scheme="viridis"),
                legend=alt.Legend(title="avg spend ($)"),
            ),
        )
    )
    text = (
        alt.Chart()
        .mark_text(align="left", dx=4, fontSize=12)
        .encode(y=y, x="customers:Q", text="label:N")
    )
    chart = alt.layer(bars, text, data=seg).properties(width=380, height=max(120, 28 * len(seg)))
    return chart.properties(title=title or f"RFM segments ({total:,} customers)")


def committee_chart(result: Any, *, title: str | None = None, width: int = 380) -> AnyChart:
    """Each buying-committee member's effect on the win rate (percentage points).

    ``result`` is :func:`funnelsim.b2b.simulate_accounts` output: the bar is
    the win rate with the member's current presence minus the win rate
    without them (``contribution``); champions push it up, saboteurs down.
    """
    return _committee_plot(result, title=title, width=width).chart()


def _committee_plot(result: Any, *, title: str | None, width: int) -> Plot:
    c = check_columns(
        result.contributions,
        ("member", "label", "share_present", "contribution"),
        name="contributions",
    )
    frame = pd.DataFrame(
        {
            "label": c["label"].astype(str).to_numpy(),
            "contribution": c["contribution"].to_numpy(float),
            "sign": np.where(c["contribution"].to_numpy(float) >= 0, "raises", "lowers"),
            "text": [
                f"{round(v * 100, 1) + 0.0:+.1f} pp (present in {s:.0%})"
                for v, s in zip(c["contribution"], c["share_present"], strict=True)
            ],
        }
    )
    order = list(frame["label"])
    default = f"Who wins the deal: win rate {result.win_rate:.1%}"
    shape = ("committee", tuple(order), title, width)

    def build(data: pd.DataFrame) -> AnyChart:
        y = alt.Y("label:N", sort=order, title=None)
        bars = (
            alt.Chart()
            .mark_bar()
            .encode(
                y=y,
                x=alt.X(
                    "contribution:Q",
                    title="effect on the win rate (percentage points)",
                    axis=alt.Axis(labelExpr="format(datum.value * 100, '+.0f')", tickCount=5),
                ),
                color=alt.Color(
                    "sign:N",
                    scale=alt.Scale(domain=["raises", "lowers"], range=[PALETTE[2], PALETTE[3]]),
                    legend=None,
                ),
            )
        )
        text = (
            alt.Chart()
            .mark_text(align="left", dx=4, fontSize=12)
            .encode(y=y, x=alt.value(width + 4), text="text:N")
        )
        zero = alt.Chart().mark_rule(color="#222222").encode(x=alt.datum(0))
        return alt.layer(bars, zero, text, data=data).properties(
            width=width, height=max(120, 34 * len(order)), title=title or default
        )

    # The default title carries the win rate: only then is it part of the shape.
    return Plot(frame, (*shape, default if title is None else None), build)
