"""Chart builders: results in, ``alt.Chart`` out.

Every builder takes a result object (or the tidy frame it holds) and returns an
altair chart; none of them touches global state or draws anything. Call
:func:`setup` once at the top of a notebook to switch on the renderer and the
funnelsim look::

    import funnelsim as fs
    from funnelsim import charts

    charts.setup()
    charts.funnel_chart(fs.simulate(fs.aaarrr(), buyers=10_000, seed=1))

What there is to draw
---------------------
=========================================  ==============================================
funnels                                    :func:`funnel_chart` (one, or A and B side by side)
two funnels: does a difference count?      :func:`compare_chart` of :func:`funnelsim.compare`
scenario A vs scenario B                   :func:`ab_chart` (funnels or growth runs)
growth over periods                        :func:`growth_chart`, :func:`revenue_chart`,
                                           :func:`growth_dashboard_chart` (the dashboard panel)
leading vs lagging indicators              :func:`indicators_chart` (metrics relative to one
                                           period, around a change)
Beckhard's formula, demand by price        :func:`beckhard_chart`, :func:`demand_chart`
time in stage, time to convert             :func:`time_in_stage_chart`,
                                           :func:`time_to_convert_chart`
cohorts and retention                      :func:`cohort_heatmap`, :func:`retention_curves`,
                                           :func:`retention_panel_chart`
referral and diffusion                     :func:`referral_generations_chart`, :func:`bass_chart`,
life cycle: segments, the chasm, pools     :func:`diffusion_chart`, :func:`value_migration_chart`
                                           :func:`nps_interval_chart`, :func:`viral_growth_chart`,
                                           :func:`referral_reward_chart`
unit economics                             :func:`payback_chart` (cumulative margin vs CAC)
acquisition channels side by side          :func:`channel_chart` (CAC, CPL, conversions)
sensitivity                                :func:`tornado_chart`
the sales plan worked backwards            :func:`plan_chart`
positioning as the market fills up         :func:`positioning_chart`
BANT, RFM, the buying committee            :func:`bant_chart`, :func:`bant_gain_chart`,
                                           :func:`rfm_chart`, :func:`committee_chart`,
                                           :func:`rfm_outcomes_chart`,
                                           :func:`loyalty_threshold_chart`
=========================================  ==============================================

Each ``*_plot`` function (:func:`funnel_plot`, :func:`growth_dashboard_plot`,
...) builds the same picture as its ``*_chart`` namesake but returns a
:class:`Plot`, the chart split into its data and the rest: that is what the
explorers hand to :class:`LiveChart`, which only swaps the data when a slider
moves. Every axis names its unit (buyers, customers, currency, periods, %,
percentage points).

The rendering machinery (the theme, offline SVG/PNG/PDF export, the explorers'
fast redraws, and what happens without vl-convert) lives in
:mod:`funnelsim.render`; its public names are re-exported here, so
``charts.setup()``, ``charts.to_svg`` and ``charts.save`` work as before.

Style
-----
Colours come from the Okabe-Ito palette, which stays distinguishable for the
common forms of colour blindness; sequential scales use viridis. Labels are
large enough to read on a projector, stage names are written out in full and
conversion rates are shown as percentages.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeAlias

import altair as alt
import numpy as np
import pandas as pd

from funnelsim import _format
from funnelsim._deprecation import FunnelsimDeprecationWarning
from funnelsim._validation import check_choice, check_columns, check_real
from funnelsim.engine import SimulationResult
from funnelsim.render import (
    MUTED,
    MUTED_DARK,
    PALETTE,
    THEME_NAME,
    AnyChart,
    LiveChart,
    Plot,
    has_vl_convert,
    save,
    setup,
    theme,
    to_svg,
)
from funnelsim.stats import proportion_ci

__all__ = [
    "CHANNEL_COLOURS",
    "MUTED",
    "MUTED_DARK",
    "PALETTE",
    "THEME_NAME",
    "AnyChart",
    "LiveChart",
    "Plot",
    "ab_chart",
    "bant_chart",
    "bant_gain_chart",
    "bant_gain_frame",
    "bass_chart",
    "beckhard_chart",
    "beckhard_plot",
    "channel_chart",
    "cohort_heatmap",
    "committee_chart",
    "committee_plot",
    "compare_chart",
    "demand_chart",
    "diffusion_chart",
    "funnel_chart",
    "funnel_frame",
    "funnel_plot",
    "growth_ab_plot",
    "growth_chart",
    "growth_dashboard_chart",
    "growth_dashboard_plot",
    "growth_frame",
    "has_vl_convert",
    "indicators_chart",
    "loyalty_threshold_chart",
    "nps_interval_chart",
    "payback_chart",
    "payback_plot",
    "plan_chart",
    "positioning_chart",
    "referral_generations_chart",
    "referral_generations_plot",
    "referral_reward_chart",
    "retention_curves",
    "retention_panel_chart",
    "retention_panel_plot",
    "revenue_chart",
    "rfm_chart",
    "rfm_outcomes_chart",
    "save",
    "setup",
    "theme",
    "time_in_stage_chart",
    "time_to_convert_chart",
    "to_svg",
    "tornado_chart",
    "tornado_plot",
    "value_migration_chart",
    "viral_growth_chart",
]

# -- helpers ----------------------------------------------------------------------------


def _stage_order(frame: pd.DataFrame, column: str = "stage") -> list[str]:
    """Stage names in funnel order: categorical order if there is one, else first appearance."""
    col = frame[column]
    if isinstance(col.dtype, pd.CategoricalDtype):
        present = set(col.astype(str))
        return [str(c) for c in col.cat.categories if str(c) in present]
    return [str(s) for s in pd.unique(col.astype(str))]


def _frame_of(
    source: Any, attribute: str, *, builder: str, expects: str, method: bool = False
) -> pd.DataFrame:
    """The frame a builder draws: ``source`` itself, or its ``attribute`` (called if ``method``).

    Raises a TypeError naming the builder, what it takes and what it got, instead
    of an AttributeError from deep inside.
    """
    if isinstance(source, pd.DataFrame):
        return source
    value = getattr(source, attribute, None)
    if method and callable(value):
        value = value()
    if isinstance(value, pd.DataFrame):
        return value
    raise TypeError(f"{builder} takes {expects}, got {type(source).__name__}")


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


def _bar_rows(
    data: pd.DataFrame,
    row: str,
    order: Sequence[str],
    x: Any,
    *,
    width: int,
    row_height: int,
    title: str,
    bar: Mapping[str, Any] | None = None,
    encode: Mapping[str, Any] | None = None,
    between: Callable[[alt.Y], Sequence[alt.Chart]] | None = None,
    label: Any = None,
    text: str = "label:N",
    label_mark: Mapping[str, Any] | None = None,
    after: Sequence[alt.Chart] = (),
    bold: bool = False,
) -> AnyChart:
    """Horizontal bars, one row per entry of ``order`` (first on top), labelled on the right.

    The shape the ranked and funnel-like builders share (BANT, RFM, the committee, the
    sales plan): ``row`` on y with no title (its entries name themselves, in bold when
    ``bold``), bars of ``x`` (``mark_bar(**bar)``, more channels in ``encode``), then the
    layers ``between(y)`` returns (whiskers, a zero rule), then a left-aligned text label
    of ``text`` at ``label`` (12 px, 4 px to the right; ``label_mark`` overrides), then the
    layers ``after`` (which may carry data of their own), and a height of ``row_height``
    pixels a row (at least 120).
    """
    axis = alt.Axis(labelFontWeight="bold") if bold else alt.Undefined
    y = alt.Y(f"{row}:N", sort=list(order), title=None, axis=axis)
    bars = alt.Chart().mark_bar(**(bar or {})).encode(y=y, x=x, **(encode or {}))
    layers = [bars, *(between(y) if between is not None else ())]
    if label is not None:
        mark = {"align": "left", "dx": 4, "fontSize": 12, **(label_mark or {})}
        layers.append(alt.Chart().mark_text(**mark).encode(y=y, x=label, text=text))
    return alt.layer(*layers, *after, data=data).properties(
        width=width, height=max(120, row_height * len(order)), title=title
    )


# -- funnel -----------------------------------------------------------------------------

_FUNNEL_COLUMNS = ("stage", "reached", "step_conversion", "ci_low", "ci_high", "drop_off")

#: What the funnel builders take: a simulation, an accounts result (anything with
#: a per-stage ``table()``), a per-stage table or an event log.
FunnelSource: TypeAlias = SimulationResult | pd.DataFrame | Any

_EVENT_LOG_COLUMNS = ("buyer_id", "stage", "entered_at")


def _funnel_table(source: Any) -> pd.DataFrame:
    """A per-stage table (``stage, reached, drop_off, ...``) from any funnel source."""
    if isinstance(source, pd.DataFrame):
        if "reached" not in source.columns and set(_EVENT_LOG_COLUMNS) <= set(source.columns):
            from funnelsim.analytics import funnel_table

            return funnel_table(source)
        return source
    table = getattr(source, "table", None)
    if callable(table):
        frame = table()
        if isinstance(frame, pd.DataFrame) and {"reached", "drop_off"} <= set(frame.columns):
            return frame
    raise TypeError(
        "funnel charts take a SimulationResult, an AccountsResult, a per-stage table "
        f"(stage, reached, step_conversion, ci_low, ci_high, drop_off) or an event log "
        f"(buyer_id, stage, entered_at), got {type(source).__name__}"
    )


def funnel_frame(result_or_table: FunnelSource, confidence: float = 0.95) -> pd.DataFrame:
    """The per-stage numbers :func:`funnel_chart` draws, pooled over replications.

    Parameters
    ----------
    result_or_table : SimulationResult, AccountsResult, DataFrame or event log
        A result of :func:`funnelsim.simulate` or
        :func:`funnelsim.b2b.simulate_accounts`; a frame like ``result.table()``
        (columns ``stage, reached, step_conversion, ci_low, ci_high,
        drop_off``; an optional ``replication`` column is pooled); or an event
        log (``buyer_id, stage, entered_at``), counted by
        :func:`funnelsim.analytics.funnel_table`.
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

    Raises
    ------
    TypeError
        For anything else (naming what it got).
    ValueError
        For a table missing one of the columns above.
    """
    if isinstance(result_or_table, SimulationResult):
        # Straight from the counts (numpy only: this runs on every slider move).
        res = result_or_table
        counts = res.counts.astype(float)
        entered = np.concatenate([np.full((len(counts), 1), res.buyers), counts[:, :-1]], axis=1)
        order = list(res.funnel.names)
        frame = _pooled(order, counts.sum(axis=0), entered.sum(axis=0), len(counts), confidence)
    else:
        table = check_columns(_funnel_table(result_or_table), _FUNNEL_COLUMNS, name="funnel table")
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
        _format.count(r) if i == 0 else f"{_format.count(r)} · {_format.percent(s, 1)}"
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


def _funnel_unit(source: Any, unit: str | None) -> str:
    """What a funnel chart's bars count: ``unit``, else accounts or buyers by the source."""
    if unit is not None:
        if not isinstance(unit, str) or not unit.strip():
            raise ValueError(f"unit must be a non-empty word such as 'leads', got {unit!r}")
        return unit.strip()
    from funnelsim.b2b import AccountsResult

    first = next(iter(source.values()), None) if isinstance(source, Mapping) else source
    return "accounts" if isinstance(first, AccountsResult) else "buyers"


def _funnel_layers(
    order: Sequence[str],
    where: str | None = None,
    *,
    unit: str = "buyers",
    confidence: float = 0.95,
) -> list[alt.Chart]:
    """Bars (reached + dropped), CI whiskers and labels of a funnel, without data.

    ``where`` is an extra Vega filter expression (a dashboard panel's rows); ``unit`` names
    what the bars count; the axis title says what the whiskers are.
    """
    axis_title = (
        f"{unit} (bar: entered the step; label: reached, step conversion; "
        f"whisker: {confidence:.0%} interval)"
    )

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
            x=alt.X("start:Q", title=axis_title, axis=_count_axis()),
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
        .encode(y=y, x=alt.X("reached_low:Q", title=axis_title), x2="reached_high:Q")
    )
    labels = (
        base("datum.part == 'reached'")
        .mark_text(align="left", dx=6, fontSize=13)
        .encode(y=y, x="entered:Q", text="label:N")
    )
    return [bars, whiskers, labels]


def funnel_plot(
    source: FunnelSource | Mapping[str, FunnelSource],
    *,
    title: str | None = None,
    confidence: float = 0.95,
    width: int | None = None,
    unit: str | None = None,
) -> Plot:
    """The funnel of :func:`funnel_chart` as a :class:`Plot` (its data and the rest apart).

    What the explorers redraw: :class:`LiveChart` swaps the data of a plot
    whose shape it has seen. Parameters as for :func:`funnel_chart`;
    ``plot.chart()`` is the chart :func:`funnel_chart` returns.

    Returns
    -------
    Plot
        ``frame`` has two rows per stage (``part`` "reached" / "dropped"; plus a
        ``scenario`` column for a mapping).
    """
    width = _default_width(source, width)
    unit = _funnel_unit(source, unit)
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
            title = f"{source.funnel.name}: {source.buyers:,} {unit}"
        data = _funnel_long(frame)
        order = list(frame["stage"])
    shape = ("funnel", tuple(order), tuple(scenarios), title, width, unit, confidence)

    def build(frame: pd.DataFrame) -> AnyChart:
        bars, whiskers, labels = _funnel_layers(order, unit=unit, confidence=confidence)
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
    unit: str | None = None,
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
    result_or_table : SimulationResult, AccountsResult, DataFrame, or a mapping of them
        A :class:`~funnelsim.SimulationResult`, an
        :class:`~funnelsim.AccountsResult`, a per-stage table such as
        ``result.table()`` or an event log; replications are pooled (see
        :func:`funnel_frame`). A mapping such as
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
    unit : str, optional
        What the bars count, in the plural ("leads", "visitors", "companies");
        default "accounts" for an :class:`~funnelsim.AccountsResult`, else "buyers".

    Returns
    -------
    altair.LayerChart, or altair.FacetChart for a mapping
        The x axis counts ``unit`` and its title says what the bar, the label and
        the whisker show.

    Raises
    ------
    TypeError, ValueError
        See :func:`funnel_frame`; a mapping must be non-empty and its funnels
        must have the same stages.
    """
    return funnel_plot(
        result_or_table, title=title, confidence=confidence, width=width, unit=unit
    ).chart()


def _default_width(source: object, width: int | None) -> int:
    return width if width is not None else (300 if isinstance(source, Mapping) else 460)


# -- growth over periods -------------------------------------------------------------------

#: Colours of the two acquisition channels, everywhere.
CHANNEL_COLOURS = {"paid": PALETTE[0], "referral": PALETTE[1]}


def growth_frame(result: Any) -> pd.DataFrame:
    """Per period and channel: new and active customers (means over replications).

    Parameters
    ----------
    result : GrowthResult or DataFrame
        What :func:`funnelsim.growth.simulate_growth` returns, or its
        ``periods`` frame (``period, new_paid, new_referral, active_paid,
        active_referral, revenue``; ``cumulative_revenue`` and
        ``cumulative_spend`` if present; an optional ``replication`` column).

    Returns
    -------
    DataFrame
        Columns ``period, channel`` ("paid" / "referral"), ``new``, ``active``
        (customers), and per period (repeated on both rows) ``revenue``,
        ``cumulative_revenue``, ``cumulative_spend`` (currency).

    Raises
    ------
    TypeError
        For anything but a growth result or a frame.
    ValueError
        For a frame missing one of the columns above.
    """
    periods = check_columns(
        _frame_of(
            result,
            "periods",
            builder="growth charts",
            expects="a GrowthResult or its periods frame",
        ),
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


#: The x axis of every chart over the growth model's periods.
_PERIOD_TITLE = "period (the model's time step)"


def _period_title(period: str | None) -> str:
    """The x title over the growth model's periods: the period's unit ("month") when known."""
    return _PERIOD_TITLE if period is None else period


def _money_title(what: str, currency: str | None) -> str:
    """A money axis title: "cumulative amount ($)", or "(currency)" when it is not known."""
    return f"{what} ({currency or 'currency'})"


def _growth_layer(
    measure: str, where: str | None = None, *, period: str | None = None
) -> alt.Chart:
    chart = alt.Chart()
    if where:
        chart = chart.transform_filter(where)
    label = {"active": "active customers", "new": f"new customers per {period or 'period'}"}[
        measure
    ]
    mark = chart.mark_area(opacity=0.9) if measure == "active" else chart.mark_bar()
    return mark.encode(
        x=alt.X("period:Q", title=_period_title(period))
        if measure == "active"
        else alt.X(
            "period:O",
            title=_period_title(period),
            axis=alt.Axis(labelAngle=0, labelExpr="datum.value % 6 == 0 ? datum.label : ''"),
        ),
        y=alt.Y(f"{measure}:Q", stack="zero", title=label, axis=_count_axis()),
        color=_channel_colour(),
        order=alt.Order("channel:N", sort="ascending"),
    )


def _money_layer(
    where: str | None = None, *, period: str | None = None, currency: str | None = None
) -> alt.Chart:
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
            x=alt.X("period:Q", title=_period_title(period)),
            y=alt.Y(
                "amount:Q", title=_money_title("cumulative amount", currency), axis=_count_axis()
            ),
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
    result : GrowthResult or its ``periods`` frame
        Replications are averaged per period (see :func:`growth_frame`).
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
        x: period; y: customers.
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

    Parameters
    ----------
    result : GrowthResult or its ``periods`` frame
        See :func:`growth_frame`.
    title : str, optional
        Chart title (default: none).
    width, height : int
        Plot size in pixels.

    Returns
    -------
    altair.Chart
        x: period; y: currency.
    """
    frame = growth_frame(result)
    return _titled(_money_layer().properties(data=frame, width=width, height=height), title)


# -- the dashboard: several panels, one data set ------------------------------------------------


def _expected_paid_funnel(growth: Any) -> pd.DataFrame:
    """One period's paid leads through the growth model's funnel, in expectation.

    A per-stage table (``stage, reached, drop_off, step_conversion``) with no
    interval: the numbers are exact expectations, not a sample.
    """
    from funnelsim.engine import expected

    params = getattr(growth, "params", None)
    if params is None:
        raise TypeError(
            "growth_dashboard_chart without funnel_result takes a GrowthResult (its params "
            f"give the funnel), got {type(growth).__name__}"
        )
    exp = expected(params.funnel, params.paid_leads)
    reached = exp["expected_reached"].to_numpy(float)
    entered = np.concatenate([[float(params.paid_leads)], reached[:-1]])
    with np.errstate(invalid="ignore", divide="ignore"):
        step = np.where(entered > 0, reached / np.where(entered > 0, entered, 1), np.nan)
    return pd.DataFrame(
        {
            "stage": exp["stage"],
            "reached": reached,
            "step_conversion": step,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "drop_off": entered - reached,
        }
    )


def growth_dashboard_plot(
    growth: Any,
    funnel_result: FunnelSource | None = None,
    *,
    title: str | None = None,
    period: str | None = None,
    currency: str | None = None,
) -> Plot:
    """The growth dashboard's 2 × 2 grid as a :class:`Plot` (see :func:`growth_dashboard_chart`).

    One data set with a ``panel`` column ("funnel" / "growth") feeds all four
    panels, so :class:`LiveChart` swaps the data in a single step. ``period``
    ("month", "week": a scenario's ``period``) names the time axes and
    ``currency`` ("$") the money axis; without them they read "period (the
    model's time step)" and "(currency)".
    """
    table = _expected_paid_funnel(growth) if funnel_result is None else funnel_result
    funnel = funnel_frame(table)
    long = _funnel_long(funnel).assign(panel="funnel")
    grow = growth_frame(growth).assign(panel="growth")
    frame = pd.concat([long, grow], ignore_index=True)
    order = list(funnel["stage"])
    n_periods = int(grow["period"].nunique())
    shape = ("dashboard", tuple(order), n_periods, title, period, currency)
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
        active = _growth_layer("active", in_growth, period=period).properties(
            title="Active customers by channel", **size
        )
        new = _growth_layer("new", in_growth, period=period).properties(
            title=f"New customers per {period or 'period'}", **size
        )
        money = _money_layer(in_growth, period=period, currency=currency).properties(
            title="Revenue vs marketing spend", **size
        )
        top = alt.hconcat(funnel_panel, active, spacing=140).resolve_scale(color="independent")
        bottom = alt.hconcat(new, money, spacing=60).resolve_scale(color="independent")
        grid = alt.vconcat(top, bottom, data=data, spacing=30).resolve_scale(
            color="independent", strokeDash="independent"
        )
        return _titled(grid, title)

    return Plot(frame, shape, build)


def growth_dashboard_chart(
    growth: Any, funnel_result: FunnelSource | None = None, *, title: str | None = None
) -> alt.VConcatChart:
    """The growth dashboard panel: funnel, active and new customers by channel, money.

    The picture the instructor dashboard's first tab shows, for a lesson:
    top left one period's paid leads through the funnel, top right active
    customers by channel (stacked area), bottom left new customers per period
    (stacked bars), bottom right cumulative revenue against cumulative
    marketing spend.

    Parameters
    ----------
    growth : GrowthResult
        What :func:`funnelsim.growth.simulate_growth` returns (or its
        ``periods`` frame, together with ``funnel_result``).
    funnel_result : SimulationResult or per-stage table, optional
        The funnel panel's data, e.g. ``fs.simulate(funnel,
        growth.params.paid_leads, seed=...)`` (what the dashboard shows, with
        intervals). Default: the expected numbers of one period's paid leads
        (:func:`funnelsim.expected` on ``growth.params``), without intervals.
    title : str, optional
        Title over the grid (default: none).

    Returns
    -------
    altair.VConcatChart
        Axes: buyers; customers and currency against the period.

    Raises
    ------
    TypeError
        For a ``growth`` that is not a growth result (or, with a
        ``funnel_result``, its periods frame).
    """
    chart = growth_dashboard_plot(growth, funnel_result, title=title).chart()
    return chart  # type: ignore[return-value]


# -- scenario A vs scenario B -----------------------------------------------------------------


def growth_ab_plot(
    a: Any,
    b: Any,
    *,
    labels: tuple[str, str] = ("A (frozen)", "B"),
    period: str | None = None,
    currency: str | None = None,
) -> Plot:
    """Two growth runs side by side as a :class:`Plot`: active customers and revenue, A vs B.

    Parameters
    ----------
    a, b : GrowthResult or its ``periods`` frame
        The reference scenario (dashed grey) and the new one (solid blue).
    labels : (str, str)
        Legend names of ``a`` and ``b``.
    period, currency : str, optional
        The period's unit ("month") for the x axes and the currency ("$") for
        the revenue axis (default: "period (the model's time step)", "currency").

    Returns
    -------
    Plot
        Left: active customers per period; right: cumulative revenue
        (currency) per period.
    """
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
    shape = ("growth-ab", labels, int(frame["period"].max()), period, currency)

    def build(data: pd.DataFrame) -> AnyChart:
        colour = alt.Color(
            "scenario:N",
            scale=alt.Scale(domain=list(labels), range=[MUTED_DARK, PALETTE[0]]),
            legend=alt.Legend(title=None, orient="top"),
        )
        dash = alt.StrokeDash(
            "scenario:N", scale=alt.Scale(domain=list(labels), range=[[6, 3], [1, 0]]), legend=None
        )
        base = (
            alt.Chart()
            .mark_line()
            .encode(x=alt.X("period:Q", title=_period_title(period)), color=colour)
        )
        active = base.encode(
            y=alt.Y("active:Q", title="active customers", axis=_count_axis()), strokeDash=dash
        ).properties(title=f"Active customers: {labels[0]} vs {labels[1]}", width=340, height=240)
        revenue = base.encode(
            y=alt.Y(
                "cumulative_revenue:Q",
                title=_money_title("cumulative revenue", currency),
                axis=_count_axis(),
            ),
            strokeDash=dash,
        ).properties(title=f"Cumulative revenue: {labels[0]} vs {labels[1]}", width=340, height=240)
        return alt.hconcat(active, revenue, data=data, spacing=60)

    return Plot(frame, shape, build)


def _is_growth(x: Any) -> bool:
    return hasattr(x, "periods") and not isinstance(x, pd.DataFrame)


def ab_chart(a: Any, b: Any, *, labels: tuple[str, str] = ("A", "B")) -> AnyChart:
    """Scenario A vs B side by side, for two funnel results or two growth results.

    Parameters
    ----------
    a, b : SimulationResult, or GrowthResult
        Two funnel simulations give their funnels side by side on a shared
        axis (:func:`funnel_chart` with a mapping); two growth results give
        active customers and cumulative revenue, A dashed grey, B solid blue
        (:func:`growth_ab_plot`).
    labels : (str, str)
        Names of ``a`` and ``b``.

    Returns
    -------
    altair.FacetChart or altair.HConcatChart

    Raises
    ------
    TypeError
        For any other pair.

    See Also
    --------
    compare_chart : whether the per-stage differences of two funnels clear the noise.
    """
    if isinstance(a, SimulationResult) and isinstance(b, SimulationResult):
        return funnel_chart({labels[0]: a, labels[1]: b}, title=f"{labels[0]} vs {labels[1]}")
    if _is_growth(a) and _is_growth(b):
        return growth_ab_plot(a, b, labels=labels).chart()
    raise TypeError(
        "ab_chart takes two SimulationResults or two growth results, "
        f"got {type(a).__name__} and {type(b).__name__}"
    )


def compare_chart(
    comparison: Any,
    b: Any = None,
    *,
    rate: Literal["step", "reach"] = "step",
    labels: tuple[str, str] | None = None,
    title: str | None = None,
    width: int = 420,
) -> AnyChart:
    """Per stage, B minus A with its confidence interval: which differences clear the noise.

    Each stage is a point (the difference, in percentage points) with a
    whisker (its interval, see :func:`funnelsim.compare`) and a rule at 0.
    Stages whose interval excludes 0 are drawn in colour ("clears the noise"),
    the others in grey ("within the noise").

    Parameters
    ----------
    comparison : DataFrame
        What :func:`funnelsim.compare` returns.
    b : optional
        Deprecated: ``compare_chart(a, b)`` with two results is the side-by-side
        picture now called :func:`ab_chart`; it still works for this release
        with a ``DeprecationWarning``.
    rate : {"step", "reach"}
        Which difference to draw: step conversion or reach.
    labels : (str, str), optional
        Names of A and B for the axis title (default "A", "B"; with the
        deprecated two-result call, as for :func:`ab_chart`).
    title : str, optional
        Chart title (default: how many stages clear the noise).
    width : int
        Plot width in pixels.

    Returns
    -------
    altair.LayerChart
        x: difference B - A (percentage points); y: stage.

    Raises
    ------
    TypeError, ValueError
        For anything but a :func:`funnelsim.compare` frame, or an unknown ``rate``.
    """
    if b is not None:
        warnings.warn(
            "compare_chart(a, b) is now ab_chart(a, b) (scenario A vs B side by side); "
            "compare_chart(fs.compare(a, b)) draws the per-stage differences with their "
            "intervals. The old call will stop working in the next release.",
            FunnelsimDeprecationWarning,
            stacklevel=2,
        )
        return ab_chart(comparison, b, labels=labels or ("A", "B"))
    check_choice("rate", rate, ("step", "reach"))
    columns = [f"{rate}_{c}" for c in ("difference", "ci_low", "ci_high", "clears_noise")]
    if not isinstance(comparison, pd.DataFrame):
        raise TypeError(
            "compare_chart takes the frame fs.compare(a, b) returns, "
            f"got {type(comparison).__name__}"
        )
    frame = check_columns(comparison, ("stage", *columns), name="comparison")
    name_a, name_b = labels or ("A", "B")
    order = _stage_order(frame)
    diff, low, high, clears = (frame[c] for c in columns)
    verdict = np.where(clears.to_numpy(bool), "clears the noise", "within the noise")
    data = pd.DataFrame(
        {
            "stage": frame["stage"].astype(str).to_numpy(),
            "difference": diff.to_numpy(float),
            "ci_low": low.to_numpy(float),
            "ci_high": high.to_numpy(float),
            "verdict": verdict,
            "label": [
                "" if not np.isfinite(d) else f"{round(d * 100, 1) + 0.0:+.1f} pp"
                for d in diff.to_numpy(float)
            ],
        }
    )
    what = {"step": "step conversion", "reach": "reach"}[rate]
    x_title = f"{what}: {name_b} − {name_a} (percentage points)"
    x_axis = alt.Axis(labelExpr="format(datum.value * 100, '+.1~f')", tickCount=6)
    y = alt.Y("stage:N", sort=order, title=None, axis=alt.Axis(labelFontWeight="bold"))
    colour = alt.Color(
        "verdict:N",
        scale=alt.Scale(
            domain=["clears the noise", "within the noise"], range=[PALETTE[0], MUTED_DARK]
        ),
        legend=alt.Legend(title=None, orient="top"),
    )
    whiskers = (
        alt.Chart()
        .mark_rule(strokeWidth=2)
        .encode(y=y, x=alt.X("ci_low:Q", title=x_title, axis=x_axis), x2="ci_high:Q", color=colour)
    )
    points = (
        alt.Chart()
        .mark_point(filled=True, size=80)
        .encode(y=y, x=alt.X("difference:Q", title=x_title, axis=x_axis), color=colour)
    )
    text = (
        alt.Chart()
        .mark_text(align="left", dx=8, dy=-10, fontSize=12)
        .encode(y=y, x="difference:Q", text="label:N")
    )
    zero = alt.Chart().mark_rule(color="#222222").encode(x=alt.datum(0))
    n_clear = int(clears.sum())
    confidence = frame.attrs.get("confidence", 0.95)
    default = (
        f"{what.capitalize()}: {n_clear} of {len(frame)} stage differences clear the noise "
        f"({confidence:.0%} intervals)"
    )
    chart = alt.layer(zero, whiskers, points, text, data=data)
    return chart.properties(width=width, height=max(120, 38 * len(order)), title=title or default)


# -- unit economics: the payback curve ---------------------------------------------------------

#: Column names a payback frame may use, first match wins.
_PAYBACK_TIME = ("month", "period")
_PAYBACK_VALUE = ("cumulative_margin", "cumulative_profit", "profit")


#: Plot height of the payback chart, and its labels' rows (pixels): the bottom row's baseline
#: above the x axis, and the distance between rows (a 13 px font and 5 px between lines).
_PAYBACK_HEIGHT, _LABEL_BOTTOM, _LABEL_ROW = 280, 6, 18


def _payback_frame(source: Any, cac: float | None) -> tuple[pd.DataFrame, str]:
    """The rows of :func:`payback_chart` and the name of one period.

    Columns ``period, cumulative, cac, scenario, paid_back``; ``payback`` (the payback
    period on its scenario's first paid-back row, else NaN) and ``payback_label``;
    ``label_row`` (with several scenarios: the row of that label, 0 at the bottom) and
    ``cac_label`` (the row that writes "CAC" for its value).
    """
    from funnelsim.economics import UnitEconomics, payback_curve

    frame = source
    unit = "period"
    if isinstance(source, UnitEconomics):
        frame, unit = payback_curve(source), source.period
    elif not isinstance(source, pd.DataFrame):
        curve = getattr(source, "payback_curve", None)
        frame = curve() if callable(curve) else curve
        unit = str(getattr(source, "period", unit))
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            "payback_chart takes a UnitEconomics (fs.economics.unit_economics), a frame of "
            "the cumulative margin per period (economics.payback_curve) or a result with a "
            f"payback_curve, got {type(source).__name__}"
        )
    time = next((c for c in _PAYBACK_TIME if c in frame.columns), None)
    value = next((c for c in _PAYBACK_VALUE if c in frame.columns), None)
    if time is None or value is None:
        raise ValueError(
            f"payback frame needs a time column (one of {list(_PAYBACK_TIME)}) and a "
            f"cumulative margin column (one of {list(_PAYBACK_VALUE)}), "
            f"got columns {list(map(str, frame.columns))}"
        )
    if time == "month":
        unit = "month"
    if cac is None:
        if "cac" not in frame.columns:
            raise ValueError(
                "payback frame needs a 'cac' column, or pass cac= (acquisition cost per "
                "customer, currency)"
            )
        cac_values = frame["cac"].to_numpy(float)
    else:
        cac_values = np.full(len(frame), check_real("cac", cac, low=0.0))
    cumulative = frame[value].to_numpy(float)
    paid_back = (
        frame["paid_back"].to_numpy(bool)
        if "paid_back" in frame.columns and cac is None
        else cumulative >= cac_values
    )
    out = pd.DataFrame(
        {
            "period": frame[time].to_numpy(float),
            "cumulative": cumulative,
            "cac": cac_values,
            "scenario": frame["scenario"].astype(str).to_numpy()
            if "scenario" in frame.columns
            else "this customer",
            "paid_back": paid_back,
        }
    )
    # The payback point of each scenario: the first period whose margin reaches CAC.
    first = out["paid_back"] & ~out.groupby("scenario", sort=False)["paid_back"].shift(
        1, fill_value=False
    ).astype(bool)
    out["payback"] = np.where(first, out["period"], np.nan)
    several = out["scenario"].nunique() > 1
    out["payback_label"] = [
        (
            ""
            if not np.isfinite(p)
            else f"{s}: payback {p:.0f} {unit}s"
            if several
            else f"payback: {p:.0f} {unit}s"
        )
        for s, p in zip(out["scenario"], out["payback"], strict=True)
    ]
    # Where the labels go when there are several curves: one row each, in the scenarios'
    # order from the top, stacked in the plot's bottom-right corner (below every curve that
    # has paid back), so two labels never share a line however close their paybacks are.
    marked = list(pd.unique(out.loc[first, "scenario"]))
    row = {s: len(marked) - 1 - k for k, s in enumerate(marked)}  # 0 = the bottom row
    out["label_row"] = np.where(first, out["scenario"].map(row), np.nan) if several else np.nan
    # "CAC" is written once per distinct CAC, at the right end of its dashed line.
    last = out["period"] == out.groupby("scenario", sort=False)["period"].transform("max")
    out["cac_label"] = last & ~out.loc[:, ["cac"]].assign(last=last).duplicated(keep="last")
    return out, unit


def payback_plot(
    curve: Any, *, cac: float | None = None, title: str | None = None, width: int = 460
) -> Plot:
    """:func:`payback_chart` as a :class:`Plot` (same parameters)."""
    frame, unit = _payback_frame(curve, cac)
    scenarios = list(pd.unique(frame["scenario"]))
    heading = title or "Cumulative gross profit per customer vs CAC (dashed)"
    shape = ("payback", tuple(scenarios), unit, heading, width)

    def build(data: pd.DataFrame) -> AnyChart:
        colour = alt.Color(
            "scenario:N",
            scale=alt.Scale(
                domain=scenarios,
                range=[MUTED_DARK, PALETTE[0]][-len(scenarios) :]
                if len(scenarios) <= 2
                else list(PALETTE),
            ),
            legend=alt.Legend(title=None, orient="top") if len(scenarios) > 1 else None,
        )
        x_title = f"{unit}s since acquisition"
        x = alt.X("period:Q", title=x_title)
        y_title = "cumulative gross profit ($ / customer)"
        margin = (
            alt.Chart()
            .mark_line()
            .encode(x=x, y=alt.Y("cumulative:Q", title=y_title), color=colour)
        )
        cac_line = alt.Chart().mark_line(strokeDash=[6, 3]).encode(x=x, y="cac:Q", color=colour)
        cac_text = (  # "CAC" written at the right end of the dashed line, once per CAC
            alt.Chart()
            .transform_filter("datum.cac_label")
            .mark_text(align="right", dy=-8, fontSize=12)
            .encode(x=x, y="cac:Q", text=alt.value("CAC"), color=colour)
        )
        point = (
            alt.Chart()
            .transform_filter("isValid(datum.payback)")
            .mark_point(filled=True, size=90, shape="diamond")
            .encode(x=alt.X("payback:Q", title=x_title), y="cumulative:Q", color=colour)
        )
        if len(scenarios) == 1:  # the label beside its diamond
            label = point.mark_text(align="left", dx=8, dy=14, fontSize=13).encode(
                text="payback_label:N"
            )
            layers = [margin, cac_line, cac_text, point, label]
        else:  # a dotted rule down from each diamond; labels in rows (_payback_frame)
            rule = (
                alt.Chart()
                .transform_filter("isValid(datum.payback)")
                .mark_rule(strokeDash=[2, 3], opacity=0.8)
                .encode(x="payback:Q", y="cumulative:Q", y2=alt.datum(0), color=colour)
            )
            label = (
                alt.Chart()
                .transform_filter("isValid(datum.label_row)")
                .transform_calculate(
                    label_y=f"{_PAYBACK_HEIGHT - _LABEL_BOTTOM} - {_LABEL_ROW} * datum.label_row"
                )
                .mark_text(align="right", baseline="bottom", fontSize=13)
                .encode(
                    x=alt.value(width - 4),
                    y=alt.Y("label_y:Q", scale=None),
                    text="payback_label:N",
                    color=colour,
                )
            )
            layers = [margin, cac_line, cac_text, rule, point, label]
        return alt.layer(*layers, data=data).properties(
            width=width, height=_PAYBACK_HEIGHT, title=heading
        )

    return Plot(frame, shape, build)


def payback_chart(
    curve: Any, *, cac: float | None = None, title: str | None = None, width: int = 460
) -> alt.LayerChart:
    """The payback curve: one customer's cumulative margin per period against CAC.

    The solid line is the expected cumulative (gross) margin of one customer,
    the dashed line the cost of acquiring them; the diamond marks the payback
    period, the first period whose cumulative margin reaches CAC (labelled with
    it), and the curve's limit is the LTV.

    Parameters
    ----------
    curve : UnitEconomics, DataFrame or a result with ``payback_curve``
        A :class:`funnelsim.economics.UnitEconomics` (drawn from
        :func:`funnelsim.economics.payback_curve`, the one place payback is
        computed, so the diamond sits where the payback card says); or one row
        per period since acquisition: a time column (``period`` or
        ``month``), the cumulative margin (``cumulative_margin``,
        ``cumulative_profit`` or ``profit``, currency), ``cac`` (or pass
        ``cac=``) and optionally ``paid_back``; an optional ``scenario``
        column draws one curve per scenario (A vs B).
    cac : float, optional
        Acquisition cost per customer (currency), when the frame has no
        ``cac`` column.
    title : str, optional
        Chart title.
    width : int
        Plot width in pixels.

    Returns
    -------
    altair.LayerChart
        x: periods (months for a monthly model) since acquisition; y: currency
        per customer.

    Raises
    ------
    TypeError, ValueError
        For another kind of input, or a frame without the columns above.
    """
    return payback_plot(curve, cac=cac, title=title, width=width).chart()  # type: ignore[return-value]


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
    if isinstance(source, pd.DataFrame):
        events = source
    elif hasattr(source, "events"):
        events = source.events
        if events is None:
            raise ValueError(
                "time charts need an event log: simulate with events=True, "
                "e.g. fs.simulate(funnel, buyers, seed=1, events=True)"
            )
    else:
        raise TypeError(
            "time charts take a SimulationResult run with events=True or an event log "
            f"(buyer_id, stage, entered_at, exited_at), got {type(source).__name__}"
        )
    return check_columns(events, ("buyer_id", "stage", "entered_at", "exited_at"), name="events")


def _durations(values: Any, unit: str | None) -> tuple[np.ndarray, str]:
    """Durations as floats and the unit they are in (days for timedeltas)."""
    series = pd.Series(values)
    if pd.api.types.is_timedelta64_dtype(series):
        days = series.dt.total_seconds().to_numpy(dtype=float) / 86_400.0
        return days, unit or "days"
    return series.to_numpy(dtype=float), unit or "time units of the funnel"


def time_in_stage_chart(
    result_or_events: SimulationResult | pd.DataFrame,
    *,
    bins: int = 30,
    title: str | None = "Time spent in each stage",
    width: int = 460,
    unit: str | None = None,
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
    unit : str, optional
        The time unit, for the axis title (default: "days" for datetime logs,
        else the funnel's time unit, days or weeks as the lesson sets them).

    Returns
    -------
    altair.FacetChart
        Bars (share of the stage's buyers per bin) and a rule at each stage's
        median time.

    Raises
    ------
    TypeError
        For anything but a result or an event log.
    ValueError
        For a result simulated without ``events=True``, or a log missing a column.
    """
    events = _events_of(result_or_events)
    order = _stage_order(events)
    spent, unit = _durations(events["exited_at"] - events["entered_at"], unit)
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
            x=alt.X("start:Q", title=f"time in stage ({unit})"),
            x2="end:Q",
            y=alt.Y(
                "share:Q",
                title="share of the stage's buyers (%)",
                axis=alt.Axis(format="%", tickCount=3),
            ),
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
    unit: str | None = None,
) -> alt.LayerChart:
    """Distribution of converters' time from ``from_stage`` to ``to_stage``, with its median.

    Parameters
    ----------
    result_or_events : SimulationResult (with ``events=True``) or an event log
        Times come from :func:`funnelsim.analytics.time_to_convert`.
    from_stage, to_stage : str, optional
        The step measured (defaults: first to last stage, i.e. the sales cycle
        of won buyers).
    bins : int
        Histogram bars.
    title : str, optional
        Chart title (default: the number of converters).
    width : int
        Plot width in pixels.
    unit : str, optional
        The time unit, for the axis title (as in :func:`time_in_stage_chart`).

    Returns
    -------
    altair.LayerChart
        Bars (converters per bin) and a rule at the median.

    Raises
    ------
    TypeError, ValueError
        As :func:`time_in_stage_chart`.
    """
    from funnelsim.analytics import time_to_convert

    events = _events_of(result_or_events)
    spent = time_to_convert(events, from_stage=from_stage, to_stage=to_stage)
    times, unit = _durations(spent, unit)
    frame = _histogram(times, bins)
    median = float(np.median(times)) if times.size else float("nan")
    bars = (
        alt.Chart(frame)
        .mark_bar(color=PALETTE[0])
        .encode(
            x=alt.X("start:Q", title=f"time to convert ({unit})"),
            x2="end:Q",
            y=alt.Y("count:Q", title="converters (buyers)"),
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


#: What a retention curve measures: customers active in the period, or customers
#: not churned yet (active in the period or any later one).
RetentionMeasure: TypeAlias = Literal["auto", "active", "not_churned"]

_MEASURE_AXIS = {
    "active": "share still active (%)",
    "not_churned": "share not churned yet (%)",
}


def _cohort_source(table: Any) -> pd.DataFrame:
    long = table if isinstance(table, pd.DataFrame) else getattr(table, "long", None)
    if not isinstance(long, pd.DataFrame):
        raise TypeError(
            "cohort charts take a CohortTable (e.g. fs.cohort_retention(log)), a "
            f"CohortSimulation or the table's long frame, got {type(table).__name__}"
        )
    return check_columns(long, ("cohort", "period", "size", "active"), name="cohort table")


def _resolve_measure(long: pd.DataFrame, measure: str) -> str:
    check_choice("measure", measure, ("auto", "active", "not_churned"))
    if measure == "auto":
        return "not_churned" if "active_on_or_after" in long.columns else "active"
    if measure == "not_churned" and "active_on_or_after" not in long.columns:
        # A contractual table: nobody comes back, so the two counts agree.
        return "active"
    return measure


def _cohort_long(table: Any, measure: str = "active") -> pd.DataFrame:
    """``cohort, period, size, active, survival`` with ``active`` the counts ``measure`` names.

    ``measure`` "not_churned" reads ``active_on_or_after`` (customers active in
    the period or a later one); the cohort labels become strings.
    """
    long = _cohort_source(table)
    out = long[["cohort", "period", "size", "active"]].copy()
    if measure == "not_churned" and "active_on_or_after" in long.columns:
        out["active"] = long["active_on_or_after"].to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            out["survival"] = out["active"] / out["size"]
    elif "survival" in long:
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

    y = alt.Y("cohort:O", sort=list(cohorts), title="cohort (period acquired)")
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
                legend=alt.Legend(title="share active (%)", format="%"),
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

    Returns
    -------
    altair.LayerChart
        Colour: the share of the cohort active in the period (%).

    Raises
    ------
    TypeError
        For anything but a cohort table.
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


def _fit_curves(long: pd.DataFrame, measure: str) -> Any:
    """:func:`funnelsim.retention.fit_sbg` on each cohort's counts of ``long`` (period 0 first)."""
    from funnelsim.retention import fit_sbg

    last = int(long["period"].max()) if len(long) else 0
    if last < 2:  # fit_sbg needs a cohort observed to period 2 (one period: mean churn only)
        why = (
            "no cohort is observed beyond period 0, so there is no churn to fit yet"
            if last < 1
            else "no cohort is observed beyond period 1, and one period of churn "
            "identifies the mean churn only, not alpha and beta"
        )
        warnings.warn(f"retention_curves draws no sBG fit: {why}", UserWarning, stacklevel=4)
        return None
    ordered = long.sort_values("period", kind="stable")
    curves = [g.to_numpy(dtype=float) for _, g in ordered.groupby("cohort", sort=False)["active"]]
    for label, curve in zip(pd.unique(ordered["cohort"]), curves, strict=True):
        if np.any(np.diff(curve) > 1e-9 * curve[0]):
            raise ValueError(
                f"retention_curves cannot fit a churn model to measure={measure!r}: cohort "
                f"{label}'s active customers rise from one period to a later one (customers "
                "of an activity log skip periods and come back); draw the customers not "
                "churned yet with measure='not_churned' (the default for activity logs), "
                "or pass fit=None"
            )
    return fit_sbg(curves)


def _curve_lines(
    long: pd.DataFrame,
    fit: Any,
    periods: int | None,
    measure: str,
    fit_label: str | None = None,
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
        fit = _fit_curves(long, measure)
    if fit is not None and fit is not False:
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
    measure: str = "active",
) -> list[alt.Chart]:
    """Thin per-cohort lines, then the observed and fitted curves (rows ``where`` holds)."""
    thin = alt.Chart() if cohorts is None else alt.Chart(cohorts)
    bold = alt.Chart() if lines is None else alt.Chart(lines)
    if where is not None:
        thin, bold = thin.transform_filter(where[0]), bold.transform_filter(where[1])
    return [
        thin.mark_line(color=MUTED, strokeWidth=1).encode(
            x=alt.X("period:Q", title="periods since acquisition"),
            y=alt.Y("survival:Q", title=_MEASURE_AXIS[measure], axis=alt.Axis(format="%")),
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
    measure: RetentionMeasure = "auto",
    title: str | None = "Retention curves and the sBG fit",
    width: int = 460,
) -> alt.LayerChart:
    """Each cohort's retention curve (thin grey lines), their pooled mean, and the sBG fit.

    Parameters
    ----------
    table : CohortTable, CohortSimulation or its ``long`` frame
        From :func:`funnelsim.simulate_cohorts`,
        :meth:`funnelsim.CohortTable.from_counts` or
        :func:`funnelsim.cohort_retention` (an activity log).
    fit : True, SBGFit or None
        ``True`` fits :func:`funnelsim.retention.fit_sbg` to the curves drawn
        (with a warning and no fit when no cohort is observed beyond period
        0); an ``SBGFit`` is drawn as it is; ``None`` draws no fit.
    periods : int, optional
        Draw the fit up to this period (default: the last observed one), to
        show its projection beyond the data.
    measure : {"auto", "active", "not_churned"}
        What a curve counts. ``"active"``: customers active in the period
        (``active``). ``"not_churned"``: customers active in the period or any
        later one (``active_on_or_after``, "unbounded" retention), which never
        rises, so a churn model fits it even when customers skip periods.
        ``"auto"`` (default): ``"not_churned"`` for a table from an activity log
        (it has that column), else ``"active"`` (for a subscription table the
        two are the same).
    title : str, optional
        Chart title.
    width : int
        Plot width in pixels.

    Returns
    -------
    altair.LayerChart
        x: periods since acquisition; y: share of the cohort (%).

    Raises
    ------
    TypeError
        For anything but a cohort table.
    ValueError
        For an unknown ``measure``, or ``fit=True`` with ``measure="active"``
        on a log whose customers come back after a quiet period (no churn
        model describes counts that rise).
    """
    source = _cohort_source(table)
    how = _resolve_measure(source, measure)
    long = _cohort_long(source, how)
    lines = _curve_lines(long, fit, periods, how)
    names = list(pd.unique(lines["series"]))
    layers = _curve_layers(names, long, lines, measure=how)
    return _titled(alt.LayerChart(layer=layers, width=width, height=280), title)


def retention_panel_plot(
    table: Any,
    *,
    fit: Any = True,
    periods: int | None = None,
    measure: RetentionMeasure = "auto",
    width: int = 380,
    cell: int = 22,
    title: str | None = None,
) -> Plot:
    """Retention curves with the sBG fit beside the cohort heatmap, as a :class:`Plot`.

    The retention explorer's picture; :func:`retention_panel_chart` has the
    parameters. The fit's legend entry is "sBG fit (projection)" (α and β are
    headline numbers elsewhere), so a slider move only swaps the data.
    """
    source = _cohort_source(table)
    how = _resolve_measure(source, measure)
    heat = _heat_frame(source)
    long = _cohort_long(source, how)
    lines = _curve_lines(long, fit, periods, how, fit_label="sBG fit (projection)")
    curves = long.assign(label="")
    frame = pd.concat(
        [
            heat.assign(part="cohort"),
            curves.assign(part="curve"),
            lines.assign(part="line"),
        ],
        ignore_index=True,
    )
    names = list(pd.unique(lines["series"]))
    cohorts = list(pd.unique(heat["cohort"]))
    n_periods = int(heat["period"].max()) + 1 if len(heat) else 1
    heat_rows, curve_rows, line_rows = (
        "datum.part == 'cohort'",
        "datum.part == 'curve'",
        "datum.part == 'line'",
    )

    def build(data: pd.DataFrame) -> AnyChart:
        curves = alt.LayerChart(
            layer=_curve_layers(names, where=(curve_rows, line_rows), measure=how),
            width=width,
            height=280,
            title="Retention curves and the sBG fit",
        )
        heat = alt.LayerChart(
            layer=_heat_layers(cohorts, cell, where=heat_rows),
            width=cell * n_periods,
            height=cell * len(cohorts),
            title="Share of each cohort active in the period",
        )
        both = alt.hconcat(curves, heat, spacing=40, data=data)
        return _titled(both.resolve_scale(color="independent"), title)

    shape = ("retention", tuple(names), tuple(cohorts), n_periods, width, cell, how)
    return Plot(frame, shape, build)


def retention_panel_chart(
    table: Any,
    *,
    fit: Any = True,
    periods: int | None = None,
    measure: RetentionMeasure = "auto",
    width: int = 380,
    cell: int = 22,
    title: str | None = None,
) -> alt.HConcatChart:
    """Retention curves and the sBG fit (left) beside the cohort heatmap (right).

    The retention explorer's picture, for a lesson.

    Parameters
    ----------
    table, fit, periods, measure
        As for :func:`retention_curves`.
    width : int
        Width of the curves in pixels.
    cell : int
        Size of one heatmap cell in pixels (labelled from 30 up).
    title : str, optional
        Title over both panels (default: none).

    Returns
    -------
    altair.HConcatChart
        Left: share of the cohort (%) against periods since acquisition; right:
        the share active in each period, cohort by cohort.

    Raises
    ------
    TypeError, ValueError
        As :func:`retention_curves`.
    """
    plot = retention_panel_plot(
        table, fit=fit, periods=periods, measure=measure, width=width, cell=cell, title=title
    )
    return plot.chart()  # type: ignore[return-value]


# -- referral and diffusion --------------------------------------------------------------------


def referral_generations_chart(
    result: Any, *, title: str | None = None, width: int = 460, k: float | None = None
) -> alt.LayerChart:
    """New buyers per referral generation (bars) against the geometric expectation ``s·Kᵍ``.

    Replications are averaged. Without a market limit the expectation is exact
    in the mean (Galton-Watson branching: generation ``g`` has mean
    ``s·Kᵍ`` from ``s`` seed buyers); with one, the bars fall below it as
    invitations are wasted.

    Parameters
    ----------
    result : ReferralResult or DataFrame
        What :func:`funnelsim.simulate_referrals` returns, or its
        ``generations`` frame (``generation, new_buyers``; an optional
        ``replication`` column is averaged).
    title : str, optional
        Chart title (default: K and the total).
    width : int
        Plot width in pixels.
    k : float, optional
        The viral coefficient for the expectation when ``result`` is a frame
        (a result carries its own); without it a frame is drawn without the
        expectation.

    Returns
    -------
    altair.LayerChart
        x: generation; y: new buyers (bars) and their expectation (diamonds).

    Raises
    ------
    TypeError
        For anything but a referral result or its generations frame.
    """
    plot = referral_generations_plot(result, title=title, width=width, k=k)
    return plot.chart()  # type: ignore[return-value]


def referral_generations_plot(
    result: Any, *, title: str | None = None, width: int = 460, k: float | None = None
) -> Plot:
    """:func:`referral_generations_chart` as a :class:`Plot` (same parameters)."""
    gens = check_columns(
        _frame_of(
            result,
            "generations",
            builder="referral_generations_chart",
            expects="a ReferralResult or its generations frame",
        ),
        ("generation", "new_buyers"),
        name="referral generations",
    )
    mean = gens.groupby("generation", sort=True)["new_buyers"].mean()
    g = mean.index.to_numpy()
    is_frame = isinstance(result, pd.DataFrame)
    seed_buyers = (
        float(mean.iloc[0]) if is_frame and len(mean) else getattr(result, "seed_buyers", 0)
    )
    k_value = k if is_frame else float(result.k)
    expected = (
        np.full(g.shape, np.nan)
        if k_value is None
        else seed_buyers * np.power(float(k_value), g.astype(float))
    )
    if is_frame:
        total = float(mean.sum())
        default = f"Referral generations: total {total:,.0f} buyers"
        if k_value is not None:
            default = f"Referral generations: K = {k_value:.2f}, total {total:,.0f} buyers"
    else:
        default = f"Referral generations: K = {result.k:.2f}, total {result.total:,.0f} buyers"
    heading = title or default
    frame = pd.DataFrame(
        {
            "generation": g,
            "new_buyers": mean.to_numpy(float),
            "expected": expected,
        }
    )

    def build(data: pd.DataFrame) -> AnyChart:
        x = alt.X("generation:O", title="generation (0 = seed buyers)", axis=alt.Axis(labelAngle=0))
        bars = (
            alt.Chart()
            .mark_bar(color=PALETTE[1])
            .encode(x=x, y=alt.Y("new_buyers:Q", title="new buyers (people)", axis=_count_axis()))
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


def bass_chart(
    result: Any, *, title: str | None = None, width: int = 380, period_unit: str | None = None
) -> alt.HConcatChart:
    """Bass diffusion: simulated cumulative adopters vs the closed form, and who adopted why.

    Left: cumulative adopters (simulation, solid) against the continuous-time
    closed form (dashed; Bass 1969, Management Science 15:215-227). Right: new
    adopters per period, stacked by source: innovators (external: advertising,
    paid) and imitators (word of mouth).

    Parameters
    ----------
    result : BassResult or DataFrame
        What :func:`funnelsim.simulate_bass` returns, or its ``periods`` frame
        (``period, innovators, imitators, cumulative_adopters, continuous_bass``;
        replications are averaged).
    title : str, optional
        Chart title (default: p, q and m of a result).
    width : int
        Width of each panel in pixels.
    period_unit : str, optional
        What one period is (e.g. ``"months"``), for the x axis title; default
        "the p and q time step". Innovators are labelled "advertising
        (innovators)" and imitators "word of mouth (imitators)".

    Returns
    -------
    altair.HConcatChart
        x: period; y: adopters (people).

    Raises
    ------
    TypeError
        For anything but a Bass result or its periods frame.
    """
    p = check_columns(
        _frame_of(
            result, "periods", builder="bass_chart", expects="a BassResult or its periods frame"
        ),
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
            "source": np.repeat(["advertising (innovators)", "word of mouth (imitators)"], n),
            "new": np.concatenate([means["innovators"], means["imitators"]]),
        }
    )
    x_title = f"time ({period_unit})" if period_unit else "period (the p and q time step)"
    x = alt.X("period:Q", title=x_title, axis=alt.Axis(tickCount=6))
    curves = (
        alt.Chart()
        .mark_line()
        .encode(
            x=x,
            y=alt.Y("cumulative:Q", title="cumulative adopters (people)", axis=_count_axis()),
            **_solid_then_dashed(["simulation", "closed form"], [PALETTE[0], PALETTE[3]]),
        )
        .properties(width=width, height=240, title="Cumulative adopters")
    )
    sources = ["advertising (innovators)", "word of mouth (imitators)"]
    new = (
        alt.Chart()
        .mark_area()
        .encode(
            x=x,
            y=alt.Y("new:Q", stack="zero", title="new adopters (people)", axis=_count_axis()),
            color=alt.Color(
                "source:N",
                scale=alt.Scale(domain=sources, range=[PALETTE[0], PALETTE[1]]),
                legend=alt.Legend(title=None, orient="top", labelLimit=400),
            ),
            order=alt.Order("source:N", sort="descending"),
        )
        .properties(width=width, height=240, title="New adopters per period")
    )
    default = (
        "Bass diffusion"
        if isinstance(result, pd.DataFrame)
        else f"Bass diffusion: p = {result.p:g}, q = {result.q:g}, m = {result.m:,}"
    )
    chart = alt.hconcat(curves, new, data=frame, spacing=50).resolve_scale(
        color="independent", strokeDash="independent"
    )
    return chart.properties(title=title or default)


def nps_interval_chart(
    intervals: Any, *, title: str | None = None, width: int = 420
) -> alt.LayerChart:
    """NPS figures with their confidence intervals, one row per survey.

    Parameters
    ----------
    intervals : mapping or DataFrame
        ``{label: NPSInterval}`` (from :func:`funnelsim.nps_ci` or
        :func:`funnelsim.nps_difference_ci`), or a frame with columns
        ``label, nps, low, high``. Rows are drawn in the given order.
    title : str, optional
        Chart title (default: the widest interval's half width).
    width : int
        Plot width in pixels.

    Returns
    -------
    altair.LayerChart
        y: survey; x: NPS points, a dot for the score and a bar for its interval.

    Raises
    ------
    TypeError
        If ``intervals`` is neither a mapping of intervals nor a frame.
    """
    if isinstance(intervals, Mapping):
        rows = []
        for label, ci in intervals.items():
            if not all(hasattr(ci, a) for a in ("nps", "low", "high")):
                raise TypeError(
                    f"intervals[{label!r}] must be an NPSInterval (funnelsim.nps_ci), got {ci!r}"
                )
            rows.append({"label": str(label), "nps": ci.nps, "low": ci.low, "high": ci.high})
        frame = pd.DataFrame(rows, columns=["label", "nps", "low", "high"])
    elif isinstance(intervals, pd.DataFrame):
        frame = check_columns(intervals, ("label", "nps", "low", "high"), name="intervals")
        frame = frame[["label", "nps", "low", "high"]].astype({"label": str})
    else:
        raise TypeError(
            "intervals must be a mapping {label: NPSInterval} or a DataFrame with columns "
            f"label, nps, low, high; got {type(intervals).__name__}"
        )
    frame = frame.assign(
        interval=[
            f"{lo:+.0f} to {hi:+.0f}" for lo, hi in zip(frame["low"], frame["high"], strict=True)
        ]
    )
    order = list(frame["label"])
    widest = float((frame["high"] - frame["low"]).max() / 2) if len(frame) else 0.0
    heading = title or f"NPS with 95 % intervals: the widest is ±{widest:.0f} points"
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=300))
    x_title = "NPS (points, −100 to +100)"
    bars = (
        alt.Chart()
        .mark_rule(strokeWidth=3, color=PALETTE[0])
        .encode(y=y, x=alt.X("low:Q", title=x_title), x2="high:Q")
    )
    dots = (
        alt.Chart()
        .mark_point(filled=True, size=80, color=PALETTE[1])
        .encode(y=y, x="nps:Q", tooltip=["label", "nps", "interval"])
    )
    zero = alt.Chart().mark_rule(color=MUTED, strokeDash=[4, 3]).encode(x=alt.datum(0))
    return alt.layer(bars, dots, zero, data=frame).properties(  # type: ignore[return-value]
        width=width, height=max(80, 38 * len(frame)), title=heading
    )


def _referral_curve(generations: pd.DataFrame) -> pd.DataFrame:
    """A referral result's generations as ``time, new_users, cumulative_users`` (means)."""
    g = check_columns(generations, ("time", "new_buyers", "cumulative_buyers"), name="generations")
    if "replication" in g:
        # a stopped replication has no row for the later generations: carry its total on
        wide = g.pivot(index="time", columns="replication", values="new_buyers").fillna(0)
        new = wide.mean(axis=1)
        return pd.DataFrame(
            {"time": new.index, "new_users": new.to_numpy(), "cumulative_users": new.cumsum()}
        )
    return pd.DataFrame(
        {
            "time": g["time"].to_numpy(),
            "new_users": g["new_buyers"].to_numpy(float),
            "cumulative_users": g["cumulative_buyers"].to_numpy(float),
        }
    )


def viral_growth_chart(
    curves: Any,
    *,
    measure: Literal["cumulative_users", "new_users"] = "cumulative_users",
    title: str | None = None,
    width: int = 460,
    log_scale: bool = False,
    time_unit: str | None = None,
) -> alt.Chart:
    """Expected users over time for several viral coefficients (or settings), one line each.

    Parameters
    ----------
    curves : mapping or DataFrame
        ``{label: frame}`` where each frame is what
        :func:`funnelsim.expected_viral_users` returns (``time`` and ``measure``
        columns) or a :class:`funnelsim.ReferralResult` (its buyers, averaged over
        replications), or one long frame with a ``label`` column as well.
    measure : {"cumulative_users", "new_users"}
        What to draw: all users so far, or the new users of each cycle.
    title : str, optional
        Chart title (default: which line ends highest).
    width : int
        Plot width in pixels.
    log_scale : bool
        A logarithmic y axis (for K above 1 next to K below 1).
    time_unit : str, optional
        The unit of ``time`` (e.g. ``"days"`` when the cycle time was given in
        days, ``"viral cycles"`` when it was 1), for the x axis title.

    Returns
    -------
    altair.Chart
        x: time (in cycles' time unit); y: users (people); colour: label.
    """
    what = check_choice("measure", measure, ("cumulative_users", "new_users"))
    if isinstance(curves, Mapping):
        parts = []
        for label, f in curves.items():
            if hasattr(f, "generations"):  # a ReferralResult: its mean over replications
                f = _referral_curve(f.generations)
            part = check_columns(f, ("time", what), name=f"curves[{label!r}]")
            parts.append(part[["time", what]].assign(label=str(label)))
        frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    elif isinstance(curves, pd.DataFrame):
        frame = check_columns(curves, ("label", "time", what), name="curves")[
            ["label", "time", what]
        ]
    else:
        raise TypeError(
            "curves must be a mapping {label: expected_viral_users(...)} or a long DataFrame, "
            f"got {type(curves).__name__}"
        )
    frame = frame.rename(columns={what: "users"})
    frame = frame[np.isfinite(frame["users"].to_numpy(float))]
    order = list(dict.fromkeys(frame["label"]))
    if title is None and len(frame):
        last = frame.groupby("label", sort=False)["users"].last()
        title = f"After {frame['time'].max():g} time units, {last.idxmax()} is far ahead"
    y_title = (
        "users so far (people)" if what == "cumulative_users" else "new users per cycle (people)"
    )
    scale = alt.Scale(type="log") if log_scale else alt.Scale(zero=True)
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "time:Q",
                title=f"time ({time_unit or 'in the unit of the cycle time'})",
            ),
            y=alt.Y("users:Q", title=y_title, scale=scale, axis=_count_axis()),
            color=alt.Color(
                "label:N",
                sort=order,
                scale=alt.Scale(range=list(PALETTE)),
                legend=alt.Legend(title=None, orient="right", labelLimit=300),
            ),
            tooltip=["label", "time", alt.Tooltip("users:Q", format=",.0f")],
        )
        .properties(width=width, height=260, title=title or "Expected users")
    )


def referral_reward_chart(
    table: pd.DataFrame,
    *,
    reward: Literal["referrer_reward", "referral_reward"] = "referrer_reward",
    title: str | None = None,
    width: int = 300,
    currency: str = "currency",
) -> alt.HConcatChart:
    """Referral-programme ROI and profit against the reward, with each one's best reward.

    Parameters
    ----------
    table : DataFrame
        What :func:`funnelsim.referral_programme` returns, swept over one reward
        (``roi``, ``profit`` and the ``reward`` column).
    reward : {"referrer_reward", "referral_reward"}
        The reward on the x axis.
    title : str, optional
        Chart title (default: the ROI-maximising and the profit-maximising reward).
    width : int
        Width of each panel in pixels.
    currency : str
        The money unit for the axis titles, e.g. ``"dollars"``.

    Returns
    -------
    altair.HConcatChart
        Left: ROI (%) against the reward; right: profit (currency). A vertical
        rule marks the best reward of each.
    """
    col = check_choice("reward", reward, ("referrer_reward", "referral_reward"))
    t = check_columns(table, (col, "roi", "profit"), name="table")
    frame = pd.DataFrame(
        {
            "reward": t[col].to_numpy(float),
            "roi": 100 * t["roi"].to_numpy(float),
            "profit": t["profit"].to_numpy(float),
        }
    ).dropna()
    if frame.empty:
        raise ValueError("table has no row with a defined ROI (every row costs nothing)")
    rewards = frame["reward"].to_numpy(float)
    best_roi = float(rewards[int(np.argmax(frame["roi"].to_numpy(float)))])
    best_profit = float(rewards[int(np.argmax(frame["profit"].to_numpy(float)))])
    heading = title or f"ROI peaks at a reward of {best_roi:,.4g}, profit at {best_profit:,.4g}"
    x = alt.X("reward:Q", title=f"{col.replace('_', ' ')} ({currency} per referred customer)")

    def panel(measure: str, best: float, y_title: str, name: str, colour: str) -> alt.LayerChart:
        line = (
            alt.Chart(frame)
            .mark_line(color=colour)
            .encode(x=x, y=alt.Y(f"{measure}:Q", title=y_title))
        )
        rule = (
            alt.Chart(pd.DataFrame({"reward": [best]}))
            .mark_rule(color=MUTED_DARK, strokeDash=[4, 3])
            .encode(x="reward:Q")
        )
        return alt.layer(line, rule).properties(width=width, height=230, title=name)  # type: ignore[return-value]

    return alt.hconcat(
        panel("roi", best_roi, "ROI (%)", "Programme ROI", PALETTE[0]),
        panel("profit", best_profit, f"profit ({currency})", "Programme profit", PALETTE[1]),
        spacing=40,
    ).properties(title=heading)


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
        :func:`funnelsim.sensitivity_analysis.sensitivity` output (``stage, low, high,
        base, outcome_low, outcome_high, swing``), biggest swing first.
    title : str, optional
        Chart title (default: names the base value).
    width : int
        Plot width in pixels.
    outcome : str, optional
        What the outcome is, for the x-axis title (default: ``frame.attrs["outcome"]``
        if set, else the default outcome of :func:`~funnelsim.sensitivity_analysis.sensitivity`,
        expected customers won). Pass it when the frame measured something else.

    Returns
    -------
    altair.LayerChart
        Bars start at the base outcome; the blue bar is the rate lowered, the
        orange one the rate raised; the labels give the rates used. The x axis
        is in the outcome's own unit (its title says which).

    Raises
    ------
    TypeError, ValueError
        For anything but a frame with the columns above.
    """
    plot = tornado_plot(frame, title=title, width=width, outcome=outcome)
    return plot.chart()  # type: ignore[return-value]


def tornado_plot(
    frame: pd.DataFrame,
    *,
    title: str | None = None,
    width: int = 420,
    outcome: str | None = None,
) -> Plot:
    """:func:`tornado_chart` as a :class:`Plot` (same parameters)."""
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


def _bant_accounts(scores: Any, account: str) -> pd.DataFrame:
    frame = _frame_of(
        scores,
        "accounts",
        builder="bant_chart",
        expects="bant_score output or a BantPipeline (fs.simulate_bant_pipeline)",
    )
    return check_columns(
        frame, (account, "budget", "authority", "need", "time", "bant"), name="BANT scores"
    )


def bant_chart(
    scores: Any, *, top: int = 15, account: str = "account", title: str | None = None
) -> AnyChart:
    """The top accounts by BANT score (Budget × Authority × Need × Time), best first.

    Parameters
    ----------
    scores : DataFrame or BantPipeline
        :func:`funnelsim.scoring.bant_score` output, or what
        :func:`funnelsim.simulate_bant_pipeline` returns (its ``accounts``).
    top : int
        Accounts shown.
    account : str
        The column naming the accounts.
    title : str, optional
        Chart title (default: "Top N accounts by BANT").

    Returns
    -------
    altair.LayerChart
        x: BANT score (product of four 1-5 scores, 1 to 625); labels show the
        four factors, so a class can see *why* an account ranks high.

    Raises
    ------
    TypeError, ValueError
        For anything else, or a frame missing a column.
    """
    scores = _bant_accounts(scores, account)
    best = scores.sort_values("bant", ascending=False, kind="stable").head(top).copy()
    best[account] = best[account].astype(str)
    best["factors"] = [
        f"{b}·{a}·{n}·{t} = {s}"
        for b, a, n, t, s in zip(
            best["budget"], best["authority"], best["need"], best["time"], best["bant"], strict=True
        )
    ]
    return _bar_rows(
        best,
        account,
        list(best[account]),
        alt.X("bant:Q", title="BANT score (points, 1-625)", scale=alt.Scale(domain=[0, 625])),
        bar={"color": PALETTE[0]},
        label="bant:Q",
        text="factors:N",
        width=420,
        row_height=24,
        title=title or f"Top {len(best)} accounts by BANT",
    )


def bant_gain_frame(pipeline: Any) -> pd.DataFrame:
    """The BANT gain curve: share of wins captured against share of accounts worked.

    Working accounts in BANT order (best first) against working them in a
    random order; the cumulative-gains chart of direct marketing and credit
    scoring (Berry & Linoff, *Data Mining Techniques*, 3rd ed., 2011, ch. 5).
    Wins are expected wins (sums of ``p_win``), so the curves are exact, not
    one draw: in random order every account adds the mean ``p_win``, so that
    curve is the diagonal.

    Parameters
    ----------
    pipeline : BantPipeline or DataFrame
        What :func:`funnelsim.simulate_bant_pipeline` returns, or its
        ``gain_curve()`` frame (``strategy, accounts_worked, expected_wins``).

    Returns
    -------
    DataFrame
        Long format, one row per strategy ("BANT order", "random order") and
        number of accounts worked (0 to all): ``strategy, accounts_worked,
        expected_wins, share_worked, share_of_wins`` (shares in [0, 1]); the
        capacity (accounts sales can work) in ``attrs["capacity"]`` when known.

    Raises
    ------
    TypeError, ValueError
        For anything else, or a frame missing a column.
    """
    frame = check_columns(
        _frame_of(
            pipeline,
            "gain_curve",
            builder="bant_gain_chart",
            expects="a BantPipeline (fs.simulate_bant_pipeline) or its gain_curve() frame",
            method=True,
        ),
        ("strategy", "accounts_worked", "expected_wins"),
        name="gain curve",
    )
    names = {"bant": "BANT order", "random": "random order"}
    out = frame[["strategy", "accounts_worked", "expected_wins"]].copy()
    out["strategy"] = [names.get(str(s), str(s)) for s in out["strategy"]]
    grouped = out.groupby("strategy", sort=False)
    worked_all = grouped["accounts_worked"].transform("max").to_numpy(float)
    wins_all = grouped["expected_wins"].transform("max").to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_worked"] = out["accounts_worked"].to_numpy(float) / worked_all
        out["share_of_wins"] = np.where(
            wins_all > 0, out["expected_wins"].to_numpy(float) / wins_all, np.nan
        )
    capacity = getattr(pipeline, "capacity", None)
    if capacity is not None:
        out.attrs["capacity"] = int(capacity)
    return out.reset_index(drop=True)


def bant_gain_chart(
    pipeline: Any, *, title: str | None = None, width: int = 420, height: int = 320
) -> alt.LayerChart:
    """Gain curve: share of wins captured against share of accounts worked, BANT vs random.

    The higher the BANT curve above the diagonal, the more the ranking is
    worth; with a worthless score (``strength=0``) the two coincide. A vertical
    rule marks the share sales can work (the pipeline's ``capacity``), where
    :meth:`funnelsim.BantPipeline.summary` compares the two strategies.

    Parameters
    ----------
    pipeline : BantPipeline or DataFrame
        See :func:`bant_gain_frame`.
    title : str, optional
        Chart title (default: the share of wins at capacity, both ways).
    width, height : int
        Plot size in pixels.

    Returns
    -------
    altair.LayerChart
        x: share of accounts worked (%); y: share of the expected wins (%).

    Raises
    ------
    TypeError, ValueError
        As :func:`bant_gain_frame`.
    """
    frame = bant_gain_frame(pipeline)
    capacity = frame.attrs.get("capacity")
    frame = frame.assign(series=frame["strategy"])  # the field _solid_then_dashed encodes
    domain = list(pd.unique(frame["strategy"]))
    x = alt.X(
        "share_worked:Q",
        title="share of accounts worked (%)",
        axis=alt.Axis(format="%"),
        scale=alt.Scale(domain=[0, 1]),
    )
    curves = (
        alt.Chart()
        .mark_line()
        .encode(
            x=x,
            y=alt.Y(
                "share_of_wins:Q",
                title="share of the expected wins (%)",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            **_solid_then_dashed(domain, [PALETTE[0], MUTED_DARK]),
        )
    )
    layers: list[alt.Chart] = [curves]
    default = "Gain curve: BANT order vs random order"
    if capacity is not None:
        n = frame["accounts_worked"].max()
        at = frame[frame["accounts_worked"] == capacity].set_index("strategy")["share_of_wins"]
        share = capacity / n if n else np.nan
        cap = pd.DataFrame({"share_worked": [share]})
        layers.append(
            alt.Chart(cap)
            .mark_rule(color="#222222", strokeDash=[2, 2])
            .encode(x=alt.X("share_worked:Q", title="share of accounts worked (%)"))
        )
        if {"BANT order", "random order"} <= set(at.index):
            default = (
                f"Working {share:.0%} of accounts: {at['BANT order']:.0%} of the wins "
                f"in BANT order, {at['random order']:.0%} at random"
            )
    chart = alt.layer(*layers, data=frame).properties(width=width, height=height)
    return chart.properties(title=title or default)  # type: ignore[return-value]


def rfm_chart(scores: pd.DataFrame, *, title: str | None = None) -> AnyChart:
    """Customers per RFM segment, with each segment's average spend.

    Parameters
    ----------
    scores : DataFrame
        :func:`funnelsim.scoring.rfm` output (``segment, monetary, recency,
        frequency``), one row per customer.
    title : str, optional
        Chart title (default: the number of customers).

    Returns
    -------
    altair.LayerChart
        x: customers per segment; colour: the segment's mean spend
        (``monetary``, in the data's currency).

    Raises
    ------
    TypeError, ValueError
        For anything but a frame with the columns above.
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
        f"{c:,} ({c / total:.0%}) · avg spend {m:,.0f}"
        for c, m in zip(seg["customers"], seg["monetary"], strict=True)
    ]
    return _bar_rows(
        seg,
        "segment",
        list(seg["segment"]),
        # room on the right for the labels
        alt.X(
            "customers:Q",
            title="customers (people)",
            scale=alt.Scale(domain=[0, 1.5 * max(int(seg["customers"].max()), 1)], nice=False),
        ),
        encode={
            "color": alt.Color(
                "monetary:Q",
                scale=alt.Scale(scheme="viridis"),
                legend=alt.Legend(title="avg spend (currency)", orient="bottom"),
            )
        },
        label="customers:Q",
        width=380,
        row_height=28,
        title=title or f"RFM segments ({total:,} customers)",
    )


def rfm_outcomes_chart(outcomes: pd.DataFrame, *, title: str | None = None) -> alt.LayerChart:
    """Share of each RFM segment that bought again after the scoring day, with its interval.

    Parameters
    ----------
    outcomes : DataFrame
        What :func:`funnelsim.rfm_outcomes` returns (``segment, customers,
        return_rate, ci_low, ci_high``); empty segments are left out.
    title : str, optional
        Chart title (default: the best and the worst segment's rates).

    Returns
    -------
    altair.LayerChart
        y: segment (best first); x: bought again (%), a bar with its
        Clopper–Pearson interval (a grey line, named in the axis title).
    """
    t = check_columns(
        outcomes, ("segment", "customers", "return_rate", "ci_low", "ci_high"), name="outcomes"
    )
    t = t[t["customers"] > 0]
    frame = pd.DataFrame(
        {
            "segment": t["segment"].astype(str).to_numpy(),
            "customers": t["customers"].to_numpy(np.int64),
            "rate": 100 * t["return_rate"].to_numpy(float),
            "low": 100 * t["ci_low"].to_numpy(float),
            "high": 100 * t["ci_high"].to_numpy(float),
        }
    )
    order = list(frame["segment"])
    if title is None and len(frame):
        rate = frame["rate"].to_numpy(float)
        name = frame["segment"].to_numpy(str)
        best, worst = int(np.argmax(rate)), int(np.argmin(rate))
        title = f"{name[best]}: {rate[best]:.1f} % bought again, {name[worst]}: {rate[worst]:.1f} %"
    return _bar_rows(  # type: ignore[return-value]
        frame,
        "segment",
        order,
        alt.X("rate:Q", title="bought again after the scoring day (%; grey line: 95 % interval)"),
        bar={"color": PALETTE[0]},
        encode={"tooltip": ["segment", "customers", alt.Tooltip("rate:Q", format=".1f")]},
        between=lambda y: [
            alt.Chart()
            .mark_rule(color=MUTED_DARK, strokeWidth=2)
            .encode(y=y, x="low:Q", x2="high:Q")
        ],
        width=380,
        row_height=28,
        title=title or "RFM segments afterwards",
    )


def loyalty_threshold_chart(
    table: pd.DataFrame, *, title: str | None = None, width: int = 300, currency: str = "currency"
) -> alt.HConcatChart:
    """What a first-purchase threshold for a loyalty card admits, over a range of thresholds.

    Parameters
    ----------
    table : DataFrame
        What :func:`funnelsim.first_purchase_threshold` returns for several
        thresholds (``threshold, group, share_of_customers, share_of_later_revenue,
        repeat_rate, ci_low, ci_high``).
    title : str, optional
        Chart title (default: a description of the two panels).
    width : int
        Width of each panel in pixels.
    currency : str
        The money unit of the threshold for the x axis title, e.g. ``"dollars"``.

    Returns
    -------
    altair.HConcatChart
        Left: the share of customers a card admits and the share of all later
        revenue they bring (%), against the threshold. Right: the repeat-purchase
        rate of the admitted and of the excluded customers with their confidence
        intervals (%).
    """
    t = check_columns(
        table,
        (
            "threshold",
            "group",
            "share_of_customers",
            "share_of_later_revenue",
            "repeat_rate",
            "ci_low",
            "ci_high",
        ),
        name="table",
    )
    admitted = t[t["group"] == "admitted"]
    series = ["customers admitted", "later revenue from them"]
    shares = pd.DataFrame(
        {
            "threshold": np.tile(admitted["threshold"].to_numpy(float), 2),
            "series": np.repeat(series, len(admitted)),
            "percent": 100
            * np.concatenate(
                [
                    admitted["share_of_customers"].to_numpy(float),
                    admitted["share_of_later_revenue"].to_numpy(float),
                ]
            ),
        }
    )
    rates = pd.DataFrame(
        {
            "threshold": t["threshold"].to_numpy(float),
            "group": t["group"].astype(str).to_numpy(),
            "rate": 100 * t["repeat_rate"].to_numpy(float),
            "low": 100 * t["ci_low"].to_numpy(float),
            "high": 100 * t["ci_high"].to_numpy(float),
        }
    ).dropna()
    x = alt.X("threshold:Q", title=f"minimum first purchase for a card ({currency})")
    left = (
        alt.Chart(shares)
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("percent:Q", title="% of all", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color(
                "series:N",
                sort=series,
                scale=alt.Scale(domain=series, range=[PALETTE[0], PALETTE[1]]),
                legend=alt.Legend(title=None, orient="bottom", labelLimit=300),
            ),
        )
        .properties(width=width, height=230, title="Who the card admits")
    )
    groups = ["admitted", "not admitted"]
    colour = alt.Color(
        "group:N",
        sort=groups,
        # the admitted keep the left panel's blue; the excluded get a contrasting colour
        scale=alt.Scale(domain=groups, range=[PALETTE[0], PALETTE[3]]),
        legend=alt.Legend(title=None, orient="bottom"),
    )
    band = (
        alt.Chart()
        .mark_area(opacity=0.25)
        .encode(x=x, y=alt.Y("low:Q", title="bought again (%)"), y2="high:Q", color=colour)
    )
    line = alt.Chart().mark_line(point=True).encode(x=x, y="rate:Q", color=colour)
    right = alt.layer(band, line, data=rates).properties(
        width=width, height=230, title="Repeat purchase, with 95 % intervals"
    )
    heading = title or "A first-purchase threshold: who gets a card and how both groups buy later"
    return (
        alt.hconcat(left, right, spacing=40)
        .resolve_scale(color="independent")
        .properties(title=heading)
    )


def committee_chart(result: Any, *, title: str | None = None, width: int = 380) -> AnyChart:
    """Each buying-committee member's effect on the win rate (percentage points).

    The bar is the win rate with the member's current presence minus the win
    rate without them (``contribution``); champions push it up, saboteurs down.

    Parameters
    ----------
    result : AccountsResult or DataFrame
        What :func:`funnelsim.b2b.simulate_accounts` returns, or its
        ``contributions`` frame (``member, label, share_present, contribution``).
    title : str, optional
        Chart title (default: the win rate of a result).
    width : int
        Plot width in pixels.

    Returns
    -------
    altair.LayerChart
        x: effect on the win rate (percentage points).

    Raises
    ------
    TypeError, ValueError
        For anything else, or a frame missing a column.
    """
    return committee_plot(result, title=title, width=width).chart()


def committee_plot(result: Any, *, title: str | None = None, width: int = 380) -> Plot:
    """:func:`committee_chart` as a :class:`Plot` (same parameters)."""
    c = check_columns(
        _frame_of(
            result,
            "contributions",
            builder="committee_chart",
            expects="an AccountsResult or its contributions frame",
        ),
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
    win_rate = None if isinstance(result, pd.DataFrame) else getattr(result, "win_rate", None)
    default = (
        "Who wins the deal" if win_rate is None else f"Who wins the deal: win rate {win_rate:.1%}"
    )
    shape = ("committee", tuple(order), title, width)

    def build(data: pd.DataFrame) -> AnyChart:
        return _bar_rows(
            data,
            "label",
            order,
            alt.X(
                "contribution:Q",
                title="effect on the win rate (percentage points)",
                axis=alt.Axis(labelExpr="format(datum.value * 100, '+.0f')", tickCount=5),
            ),
            encode={
                "color": alt.Color(
                    "sign:N",
                    scale=alt.Scale(domain=["raises", "lowers"], range=[PALETTE[2], PALETTE[3]]),
                    legend=None,
                )
            },
            between=lambda y: [alt.Chart().mark_rule(color="#222222").encode(x=alt.datum(0))],
            label=alt.value(width + 4),
            text="text:N",
            width=width,
            row_height=34,
            title=title or default,
        )

    # The default title carries the win rate: only then is it part of the shape.
    return Plot(frame, (*shape, default if title is None else None), build)


# -- Beckhard's formula (lesson 01) ----------------------------------------------------------------


def beckhard_plot(
    dissatisfaction: float,
    vision: float,
    first_steps: float,
    cost: float,
    *,
    steepness: float = 2.0,
    title: str | None = None,
    width: int = 420,
) -> Plot:
    """:func:`beckhard_chart` as a :class:`Plot` (same parameters)."""
    from funnelsim.b2b import beckhard_probability

    s = check_real("steepness", steepness, low=0.0, low_open=True)
    p_here = float(beckhard_probability(dissatisfaction, vision, first_steps, cost, steepness=s))
    ratio_here = float(dissatisfaction) * float(vision) * float(first_steps) / float(cost)
    grid = np.geomspace(0.1, 10.0, 121)
    smooth = np.asarray(beckhard_probability(grid, 1.0, 1.0, 1.0, steepness=s), dtype=float)
    rule = (grid > 1.0).astype(float)
    lo, hi = 0.1, 10.0
    shown = min(max(ratio_here, lo), hi)
    smooth_name = f"probability (steepness {s:g})"
    data = pd.DataFrame(
        {
            "ratio": np.concatenate([grid, grid, [shown]]),
            "probability": np.concatenate([smooth, rule, [p_here]]),
            "series": [smooth_name] * len(grid) + ["threshold A·B·D > X"] * len(grid)
            + ["this client"],
        }
    )  # fmt: skip
    if ratio_here == 0:
        default = "A factor at zero: A·B·D = 0, no deal at any price (dot at the axis edge)"
    else:
        verdict = "passes" if ratio_here > 1 else "fails"
        default = (
            f"A·B·D is {ratio_here:.2g}× the cost of change: the rule {verdict}, "
            f"P(buy) = {p_here:.0%}"
        )
    heading = title or default
    domain = [smooth_name, "threshold A·B·D > X"]

    def build(frame: pd.DataFrame) -> AnyChart:
        x = alt.X(
            "ratio:Q",
            scale=alt.Scale(type="log", domain=[lo, hi]),
            title="A·B·D ÷ X (believed benefit ÷ cost of change, log scale)",
        )
        y = alt.Y(
            "probability:Q",
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format="%"),
            title="probability that the client buys (%)",
        )
        lines = (
            alt.Chart()
            .transform_filter("datum.series != 'this client'")
            .mark_line()
            .encode(x=x, y=y, **_solid_then_dashed(domain, [PALETTE[0], MUTED_DARK]))
        )
        point = (
            alt.Chart()
            .transform_filter("datum.series == 'this client'")
            .mark_point(size=160, filled=True, color=PALETTE[1])
            .encode(x=x, y=y)
        )
        return alt.layer(lines, point, data=frame).properties(
            width=width, height=260, title=heading
        )

    return Plot(data, ("beckhard", smooth_name, heading, width), build)


def beckhard_chart(
    dissatisfaction: float,
    vision: float,
    first_steps: float,
    cost: float,
    *,
    steepness: float = 2.0,
    title: str | None = None,
    width: int = 420,
) -> AnyChart:
    """Beckhard's rule as a threshold and as a probability, with one client marked.

    Parameters
    ----------
    dissatisfaction, vision, first_steps, cost : float
        The client's A, B, D and X (see :func:`funnelsim.beckhard`).
    steepness : float
        ``s`` of :func:`funnelsim.beckhard_probability`, > 0.
    title : str, optional
        Chart title (default: states the client's ratio and probability).
    width : int
        Plot width in pixels.

    Returns
    -------
    altair.LayerChart
        x: A·B·D ÷ X on a log scale (0.1 to 10; a client outside, such as a
        ratio of 0 that a log axis cannot show, is drawn at the edge, with its
        own probability, so it can sit off the curve); y: probability of
        buying (%). The dashed step is the rule
        A·B·D > X, the solid curve the smooth probability, the dot the client.
    """
    return beckhard_plot(
        dissatisfaction, vision, first_steps, cost, steepness=steepness, title=title, width=width
    ).chart()


def demand_chart(
    frame: pd.DataFrame, *, title: str | None = None, width: int = 420
) -> alt.LayerChart:
    """Share of clients who buy at each price: :meth:`funnelsim.BeckhardResult.demand`.

    Parameters
    ----------
    frame : DataFrame
        Columns ``price, passes, probability`` (shares of clients); an
        optional ``fair_low, fair_high`` (the 30–40 % "fair price" band of the
        typical benefit) in ``frame.attrs`` draws that band.
    title : str, optional
        Chart title (default: none).
    width : int
        Plot width in pixels.

    Returns
    -------
    altair.LayerChart
        x: price (money per year), the typical client's cost of change X
        (every client's X scales with it); y: share of clients (%); the dashed
        line is the threshold rule, the solid one the mean probability of
        buying; the shaded band, labelled "fair price 30–40 % of A·B", is the
        band in ``frame.attrs`` when present.
    """
    frame = check_columns(frame, ("price", "passes", "probability"), name="demand frame")
    long = frame.melt(
        id_vars=["price"],
        value_vars=["probability", "passes"],
        var_name="series",
        value_name="share",
    )
    names = {"probability": "expected buyers (probability)", "passes": "pass A·B·D > X"}
    long["series"] = long["series"].map(names)
    x = alt.X(
        "price:Q",
        title="price = the typical client's cost of change X (money per year)",
        axis=_count_axis(),
    )
    y = alt.Y(
        "share:Q",
        scale=alt.Scale(domain=[0, 1]),
        axis=alt.Axis(format="%"),
        title="share of clients who buy (%)",
    )
    domain = list(names.values())
    lines = (
        alt.Chart(long)
        .mark_line()
        .encode(x=x, y=y, **_solid_then_dashed(domain, [PALETTE[0], MUTED_DARK]))
    )
    layers: list[Any] = [lines]
    if "fair_low" in frame.attrs and "fair_high" in frame.attrs:
        band = pd.DataFrame({"low": [frame.attrs["fair_low"]], "high": [frame.attrs["fair_high"]]})
        layers.insert(
            0,
            alt.Chart(band)
            .mark_rect(color=PALETTE[2], opacity=0.15)
            .encode(x="low:Q", x2="high:Q"),
        )
        layers.insert(
            1,
            alt.Chart(band.assign(label="fair price 30–40 % of A·B", top=0.04))
            .mark_text(align="left", dx=3, fontSize=11, color=MUTED_DARK)
            .encode(x="high:Q", y=alt.Y("top:Q", scale=alt.Scale(domain=[0, 1])), text="label:N"),
        )
    return _titled(alt.layer(*layers).properties(width=width, height=260), title)


# -- leading and lagging indicators (lesson 02) ----------------------------------------------------


def indicators_chart(
    frame: pd.DataFrame,
    *,
    change_at: int | None = None,
    title: str | None = None,
    x_title: str | None = None,
    width: int = 460,
    height: int = 260,
) -> alt.LayerChart:
    """Several metrics over periods, each relative to one reference period.

    Parameters
    ----------
    frame : DataFrame
        :meth:`funnelsim.GrowthResult.relative_to` output (``period, metric,
        relative``).
    change_at : int, optional
        The period where an input changed: drawn as a vertical rule.
    x_title : str, optional
        Title of the x axis, e.g. ``"month"`` when one period is a month
        (default: ``"period (the model's time step)"``).
    title : str, optional
        Chart title (default: none).
    width, height : int
        Plot size in pixels.

    Returns
    -------
    altair.LayerChart
        x: period; y: level relative to the reference period (%, 100 % there);
        one line per metric (its name with spaces for underscores).
    """
    frame = check_columns(frame, ("period", "metric", "relative"), name="indicator frame")
    data = frame.assign(metric=frame["metric"].astype(str).str.replace("_", " "))
    metrics = list(dict.fromkeys(data["metric"]))
    line = (
        alt.Chart(data)
        .mark_line(point=alt.OverlayMarkDef(size=20))
        .encode(
            x=alt.X(
                "period:Q",
                title=x_title or _PERIOD_TITLE,
                scale=alt.Scale(domain=[1, float(data["period"].max())], nice=False),
                axis=alt.Axis(labelOverlap="parity", tickMinStep=1),
            ),
            y=alt.Y(
                "relative:Q",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(zero=False),
                title="level relative to the period before the change (%)",
            ),
            color=alt.Color(
                "metric:N",
                scale=alt.Scale(domain=metrics, range=list(PALETTE[: len(metrics)])),
                legend=alt.Legend(title=None, orient="top"),
            ),
        )
    )
    layers: list[Any] = [line]
    if change_at is not None:
        rule = pd.DataFrame({"period": [check_real("change_at", change_at)]})
        layers.append(
            alt.Chart(rule).mark_rule(color=MUTED_DARK, strokeDash=[4, 3]).encode(x="period:Q")
        )
    return _titled(alt.layer(*layers).properties(width=width, height=height), title)


# -- acquisition channels side by side -----------------------------------------------------

#: What :func:`channel_chart` can draw: column -> (axis title, kind).
_CHANNEL_MEASURES: dict[str, tuple[str, str]] = {
    "cac": ("CAC ($ per new customer)", "money"),
    "cpl": ("CPL ($ per lead)", "money"),
    "ctr": ("CTR (visitors per impression, %)", "share"),
    "visitor_to_lead": ("visitor → lead conversion (%)", "share"),
    "lead_to_customer": ("lead → customer conversion (%)", "share"),
    "leads": ("leads", "count"),
    "customers": ("new customers", "count"),
    "spend": ("spend ($)", "money"),
}


def channel_chart(
    table: Any,
    measure: str = "cac",
    *,
    title: str | None = None,
    width: int = 420,
) -> AnyChart:
    """One measure per acquisition channel, with its interval and the all-channel total.

    Channels are sorted from the smallest to the largest value; a dashed rule, labelled
    with its value, marks the total row (for CAC, the blended CAC of all channels).
    Where the table has ``<measure>_low``/``<measure>_high``
    (a :meth:`funnelsim.ChannelsResult.table`),
    each bar carries its interval as a whisker.

    Parameters
    ----------
    table : DataFrame or ChannelsResult
        :meth:`funnelsim.ChannelsResult.table` (or the result itself), or
        :func:`funnelsim.expected_channels`.
    measure : str
        The column to draw: ``"cac"``, ``"cpl"``, ``"ctr"``, ``"visitor_to_lead"``,
        ``"lead_to_customer"``, ``"leads"``, ``"customers"`` or ``"spend"``.
    title : str, optional
        Chart title (default: which channel is lowest, or highest for counts and rates).
    width : int
        Plot width in pixels.

    Returns
    -------
    altair.LayerChart
        x: the measure (with its unit); y: channel.

    Raises
    ------
    TypeError, ValueError
        For anything but a channels table, or an unknown ``measure``.
    """
    check_choice("measure", measure, tuple(_CHANNEL_MEASURES))
    if hasattr(table, "table") and not isinstance(table, pd.DataFrame):
        table = table.table()
    frame = check_columns(table, ("channel", measure), name="table")
    label, kind = _CHANNEL_MEASURES[measure]
    is_total = frame["channel"].astype(str).to_numpy() == "total"
    rows = frame.loc[~is_total]
    values = rows[measure].to_numpy(float)
    has_ci = {f"{measure}_low", f"{measure}_high"} <= set(frame.columns)
    fmt: Any = {"money": _format.money, "share": _format.percent, "count": _format.count}[kind]
    data = pd.DataFrame(
        {
            "channel": rows["channel"].astype(str).to_numpy(),
            "value": values,
            "low": rows[f"{measure}_low"].to_numpy(float) if has_ci else values,
            "high": rows[f"{measure}_high"].to_numpy(float) if has_ci else values,
            "label": [fmt(v) for v in values],
        }
    )
    data["high"] = data["high"].where(np.isfinite(data["high"]), np.nan)
    order = list(data.sort_values("value", na_position="last")["channel"])
    axis = alt.Axis(format="%") if kind == "share" else alt.Axis()
    x_title = f"{label}, with the 95 % interval" if has_ci else label

    def whiskers(y: alt.Y) -> list[alt.Chart]:  # the intervals, when the table has them
        rule = alt.Chart().mark_rule(color="#222222", strokeWidth=2)
        return [rule.encode(y=y, x="low:Q", x2="high:Q")]

    total_layers = []  # the all-channel total: a dashed rule and its value
    if is_total.any():
        total = float(frame.loc[is_total, measure].iloc[0])
        if np.isfinite(total) and kind != "count" and measure != "spend":
            total_layers.append(
                alt.Chart(pd.DataFrame({"total": [total]}))
                .mark_rule(color=MUTED_DARK, strokeDash=[5, 4], strokeWidth=2)
                .encode(x="total:Q")
            )
            name = "blended" if measure == "cac" else "all channels"
            total_layers.append(
                alt.Chart(pd.DataFrame({"total": [total], "label": [f"{name}: {fmt(total)}"]}))
                .mark_text(align="left", baseline="bottom", dx=4, dy=-2, color=MUTED_DARK)
                .encode(x="total:Q", y=alt.value(0), text="label:N")
            )
    finite = data.dropna(subset=["value"])
    if title is None and len(finite):
        low_is_good = kind == "money"
        pos = int(np.argmin(finite["value"]) if low_is_good else np.argmax(finite["value"]))
        best = finite.iloc[pos]
        word = "Lowest" if low_is_good else "Highest"
        what = measure.upper() if measure in ("cac", "cpl") else label
        title = f"{word} {what}: {best['channel']} ({best['label']})"
    return _bar_rows(
        data,
        "channel",
        order,
        alt.X("value:Q", title=x_title, axis=axis),
        bar={"color": PALETTE[0], "opacity": 0.85},
        between=whiskers if has_ci else None,
        label="value:Q",
        label_mark={"dy": -9},
        after=total_layers,  # the total's rule keeps its own one-row data
        bold=True,
        width=width,
        row_height=38,
        title=title or "",
    )


# -- the sales plan worked backwards ------------------------------------------------------------


def plan_chart(
    plan: pd.DataFrame,
    *,
    title: str | None = None,
    width: int = 420,
    unit: str = "period",
    lead_unit: str | None = None,
) -> alt.LayerChart:
    """The sales plan as the funnel it implies: entrants per stage, widest at the top.

    Parameters
    ----------
    plan : DataFrame
        :func:`funnelsim.planning.sales_plan` output (``stage, entrants,
        start_before``; ``budget`` is shown when any stage costs money).
    title : str, optional
        Chart title (default: names the top-of-funnel entrants per customer).
    width : int
        Plot width in pixels.
    unit : str
        The plan's time unit for the labels ("week", "month", ...): entrants and
        budget per ``unit``.
    lead_unit : str, optional
        The unit of the funnel's stage times, in which ``start_before`` counts
        (default ``unit``): a monthly target with stage times in weeks says
        "starts 5.5 weeks ahead".

    Returns
    -------
    altair.LayerChart
        One centred bar per stage (first stage on top), its width the entrants
        needed per period; the label gives the entrants, when the stage's work
        starts and its budget (whole dollars per period).

    Raises
    ------
    TypeError, ValueError
        For anything but a frame with the columns above.
    """
    frame = check_columns(plan, ("stage", "entrants", "start_before"), name="plan")
    order = list(frame["stage"].astype(str))
    entrants = frame["entrants"].to_numpy(float)
    budget = frame["budget"].to_numpy(float) if "budget" in frame else np.zeros(len(frame))
    costs = bool(np.any(budget > 0))
    labels = []
    for e, start, b in zip(entrants, frame["start_before"].to_numpy(float), budget, strict=True):
        lead = unit if lead_unit is None else lead_unit
        units = lead if start == 1 else f"{lead}s"
        when = "customers out" if start == 0 else f"starts {_format.number(start)} {units} ahead"
        spend = f", {_format.money(b, digits=0)}/{unit}" if costs and b > 0 else ""  # whole $
        labels.append(f"{_format.count(round(e, 1))} · {when}{spend}")
    data = pd.DataFrame(
        {
            "stage": order,
            "left": -entrants / 2,
            "right": entrants / 2,
            "label": labels,
        }
    )
    top = float(entrants[0]) if len(entrants) else 0.0
    bottom = float(entrants[-1]) if len(entrants) else 0.0
    default = (
        f"{_format.count(round(top / bottom, 1))} entrants at the top for each customer"
        if bottom > 0
        else "The sales plan"
    )
    return _bar_rows(  # type: ignore[return-value]
        data,
        "stage",
        order,
        alt.X(
            "left:Q",
            title=f"people who must enter each stage per {unit}",
            axis=alt.Axis(labelExpr="format(abs(datum.value), ',')"),
        ),
        bar={"color": PALETTE[0], "height": {"band": 0.7}},
        encode={"x2": "right:Q"},
        label=alt.X("right:Q"),
        label_mark={"dx": 6},
        bold=True,
        width=width,
        row_height=40,
        title=title or default,
    )


# -- positioning as the market fills up ---------------------------------------------------------


def positioning_chart(
    frame: pd.DataFrame, *, title: str | None = None, width: int = 420
) -> alt.VConcatChart:
    """Which claim each newcomer takes as the market fills, and what it is worth.

    Parameters
    ----------
    frame : DataFrame
        :func:`funnelsim.positioning.simulate_positioning` output (``entrant,
        strategy, best, payoff``).
    title : str, optional
        Chart title (default: states that the best claim moves down the list).
    width : int
        Plot width in pixels.

    Returns
    -------
    altair.VConcatChart
        Top: the strategy each entrant chose (a filled dot; a ring marks the best
        claim when a firm misjudged). Bottom: the share of the market's buyers the
        entrant expects to win (its ``payoff``: its own estimate when it chose), in %.

    Raises
    ------
    TypeError, ValueError
        For anything but a frame with the columns above.
    """
    from funnelsim.positioning import POSITIONING_STRATEGIES

    frame = check_columns(frame, ("entrant", "strategy", "best", "payoff"), name="positioning")
    data = pd.DataFrame(
        {
            "entrant": frame["entrant"].astype(int).to_numpy(),
            "strategy": frame["strategy"].astype(str).to_numpy(),
            "best": frame["best"].astype(str).to_numpy(),
            "payoff": frame["payoff"].to_numpy(float),
            "misjudged": (frame["strategy"] != frame["best"]).to_numpy(),
        }
    )
    claims = alt.Scale(domain=list(POSITIONING_STRATEGIES))  # in the sources' order
    x = alt.X(
        "entrant:O",
        title="order of entry (1 = the first firm in the market)",
        axis=alt.Axis(labelAngle=0),
    )
    dots = (
        alt.Chart()
        .mark_circle(size=140, color=PALETTE[0], opacity=1)
        .encode(
            x=x, y=alt.Y("strategy:N", scale=claims, title=None), tooltip=["entrant", "strategy"]
        )
    )
    rings = (
        alt.Chart()
        .transform_filter("datum.misjudged")
        .mark_point(size=220, color=PALETTE[1], strokeWidth=2.5, filled=False)
        .encode(x=x, y=alt.Y("best:N", scale=claims, title=None))
    )
    top = alt.layer(dots, rings, data=data).properties(
        width=width, height=170, title="claim taken (orange ring: the best claim, missed)"
    )
    bottom = (
        alt.Chart(data)
        .mark_bar(color=PALETTE[2])
        .encode(
            x=x,
            y=alt.Y(
                "payoff:Q",
                title="share of buyers the newcomer expects to win (%)",
                axis=alt.Axis(format="%"),
            ),
        )
        .properties(width=width, height=120)
    )
    heading = title or "As the market fills, the best claim for a newcomer moves down the list"
    return alt.vconcat(top, bottom).properties(title=heading)


# -- the product life cycle: diffusion over segments, value migration --------------------------


def diffusion_chart(
    result: Any,
    *,
    measure: Literal["new_adopters", "share"] = "new_adopters",
    unit: str = "month",
    chasm: bool = True,
    title: str | None = None,
    width: int = 560,
) -> AnyChart:
    """Adopters over time, one line per segment, with the chasm shaded.

    Parameters
    ----------
    result : DiffusionResult
        What :func:`funnelsim.diffusion.diffusion_path` or
        :func:`funnelsim.diffusion.simulate_diffusion` returns (replications are averaged).
    measure : {"new_adopters", "share"}
        New adopters per period (people), or the adopted share of each segment (%).
    unit : str
        The period's unit for the x axis ("month").
    chasm : bool
        Shade the gap between the early market and the mainstream reaching half
        adopted (:func:`funnelsim.diffusion.chasm_gap` with its defaults), when both do.
    title : str, optional
        Chart title; default names the strategy and the gap.
    width : int
        Width in pixels.

    Returns
    -------
    altair.LayerChart
        x: period (``unit``); y: people per period or % of the segment.

    Raises
    ------
    TypeError, ValueError
        For anything but a diffusion result, or an unknown ``measure``.
    """
    from funnelsim.diffusion import DiffusionResult, chasm_gap

    if not isinstance(result, DiffusionResult):
        raise TypeError(f"diffusion_chart takes a DiffusionResult, got {type(result).__name__}")
    check_choice("measure", measure, ("new_adopters", "share"))
    names = list(result.market.names)
    frame = (
        result.periods.groupby(["period", "segment"], observed=True, as_index=False)[
            ["new_adopters", "share"]
        ]
        .mean()
        .assign(segment=lambda f: f["segment"].astype(str))
    )
    gaps = np.atleast_1d(chasm_gap(result)).astype(float)
    # No run crossed yet (all NaN): no gap to draw (nanmean of nothing would warn).
    gap = float(np.mean(gaps[~np.isnan(gaps)])) if (~np.isnan(gaps)).any() else math.nan
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(names))]
    x = alt.X(
        "period:Q",
        title=f"time ({unit}s)",
        axis=alt.Axis(tickCount=8),
        scale=alt.Scale(domain=[0, int(frame["period"].max())], nice=False),
    )
    if measure == "share":
        y = alt.Y("share:Q", title="adopted (% of the segment)", axis=alt.Axis(format="%"))
    else:
        y = alt.Y("new_adopters:Q", title=f"new adopters (buyers per {unit})", axis=_count_axis())
    lines = (
        alt.Chart(frame)
        .mark_line(strokeWidth=2.5)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "segment:N",
                sort=names,
                scale=alt.Scale(domain=names, range=colours),
                legend=alt.Legend(title=None, orient="top", labelLimit=400),
            ),
        )
    )
    layers: list[Any] = []
    if chasm and math.isfinite(gap):
        early = result.periods[result.periods["segment"] == names[0]]
        early_mean = early.groupby("period")["share"].mean()
        start = float(early_mean.index[int(np.argmax(early_mean.to_numpy() >= 0.5))])
        band = pd.DataFrame({"start": [start], "end": [start + gap], "label": ["chasm"]})
        layers.append(
            alt.Chart(band).mark_rect(color=MUTED, opacity=0.35).encode(x="start:Q", x2="end:Q")
        )
        layers.append(
            alt.Chart(band)
            .mark_text(align="left", baseline="top", dx=4, dy=4, fontSize=13, color=MUTED_DARK)
            .encode(x="start:Q", y=alt.value(0), text="label:N")
        )
    gap_text = f"{gap:.0f} {unit}s" if math.isfinite(gap) else "no crossing yet"
    default = f"Early market to mainstream: {gap_text} ({result.strategy.replace('_', ' ')})"
    return alt.layer(*layers, lines).properties(width=width, height=280, title=title or default)


def value_migration_chart(
    frame: pd.DataFrame, *, unit: str = "year", title: str | None = None, width: int = 560
) -> AnyChart:
    """Two profit pools and the firm's profit: where the value goes and when the firm follows.

    Parameters
    ----------
    frame : DataFrame
        What :func:`funnelsim.diffusion.value_migration` returns (``period, old_pool,
        new_pool, pool, profit``).
    unit : str
        The period's unit for the axes ("year").
    title : str, optional
        Chart title; default names the move period.
    width : int
        Width in pixels.

    Returns
    -------
    altair.LayerChart
        x: period (``unit``); y: profit (money per ``unit``). Pools dashed, the firm solid,
        a rule at the move.
    """
    data = check_columns(
        frame, ("period", "old_pool", "new_pool", "pool", "profit"), name="value_migration frame"
    )
    series = ["old pool (whole market)", "new pool (whole market)", "the firm's profit"]
    long = pd.DataFrame(
        {
            "period": np.tile(data["period"].to_numpy(), 3),
            "series": np.repeat(series, len(data)),
            "profit": np.concatenate(
                [
                    data["old_pool"].to_numpy(),
                    data["new_pool"].to_numpy(),
                    data["profit"].to_numpy(),
                ]
            ),
        }
    )
    lines = (
        alt.Chart(long)
        .mark_line(strokeWidth=2.5)
        .encode(
            x=alt.X("period:Q", title=f"time ({unit}s)", axis=alt.Axis(tickCount=8)),
            y=alt.Y("profit:Q", title=f"profit (money per {unit})"),
            color=alt.Color(
                "series:N",
                sort=series,
                scale=alt.Scale(domain=series, range=[PALETTE[1], PALETTE[0], PALETTE[7]]),
                legend=alt.Legend(title=None, orient="top", labelLimit=400),
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                sort=series,
                scale=alt.Scale(domain=series, range=[[6, 3], [6, 3], [1, 0]]),
                legend=None,
            ),
        )
    )
    moved = data.loc[data["pool"] == "new", "period"]
    layers: list[Any] = [lines]
    if len(moved):
        move = int(moved.iloc[0])
        layers.append(
            alt.Chart(pd.DataFrame({"move": [move]})).mark_rule(color=MUTED_DARK).encode(x="move:Q")
        )
        default = f"Moving in {unit} {move}: total profit {data['profit'].sum():,.0f}"
    else:
        default = f"Never moving: total profit {data['profit'].sum():,.0f}"
    return alt.layer(*layers).properties(width=width, height=260, title=title or default)
