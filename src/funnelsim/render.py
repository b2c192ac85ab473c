"""Rendering machinery: the funnelsim theme, offline SVG/PNG/PDF export, live redraws.

:mod:`funnelsim.charts` holds the chart builders (data in, ``alt.Chart`` out);
this module turns charts into pictures. Everything here is re-exported by
:mod:`funnelsim.charts`, so ``charts.setup()``, ``charts.to_svg(chart)`` and
``charts.save(chart, "funnel.png")`` keep working.

* :func:`setup` switches on the offline renderer and the theme for a kernel;
* :func:`to_svg` and :func:`save` render one chart with the theme (reports, README);
* :class:`Plot` and :class:`LiveChart` let the explorers redraw quickly: a
  chart is split into its data and the rest, the rest is compiled to Vega once,
  and a slider move only swaps the data; the browser draws the result.

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

The explorers' live charts (issue 10)
-------------------------------------
Drawing the SVG in the kernel was 75-95 % of every slider redraw. The
explorers now send the chart's **compiled Vega spec** with the new rows
(:meth:`LiveChart.display_data`, ``application/vnd.vega.v5+json``) and the
browser draws it with the Vega renderer that JupyterLab 4 and Voila 0.5 ship
and serve themselves (``@jupyterlab/vega5-extension``: offline, no CDN). The
compiled spec is Vega, not Vega-Lite, so the browser's older Vega-Lite does not
matter; vl-convert compiles each chart shape once in the kernel. Measured with
``bench/bench_widgets.py`` against the SVG path in the same run: the kernel's
redraw 4-60 x faster per explorer, and key press → repaint in Chromium faster
too (Vega on a canvas, see :data:`EMBED_OPTIONS`). The still picture of an
explorer (for viewers without a kernel) is still SVG from vl-convert, drawn
when asked for (:meth:`LiveChart.render`).

Style
-----
Colours come from the Okabe-Ito palette, which stays distinguishable for the
common forms of colour blindness; sequential scales use viridis. Labels are
large enough to read on a projector, stage names are written out in full and
conversion rates are shown as percentages.
Without vl-convert
------------------
vl-convert (the ``vl-convert-python`` wheel) comes with the ``notebooks``
extra. Where it is missing (a bare ``pip install funnelsim altair``, or a
platform without a wheel), :func:`setup` warns and leaves altair's own
``default`` renderer on: charts still display in JupyterLab (Vega-Lite
HTML/mimetype output, drawn in the browser, which needs vega from the network
or a JupyterLab extension), and the explorers send Vega-Lite instead of Vega
(:meth:`LiveChart.display_data`) and have no still picture. :func:`to_svg`,
:func:`save`, :meth:`LiveChart.render` and :meth:`LiveChart.vega` render or
compile in the kernel and cannot do without it: they raise an ``ImportError``
that says so and how to install it.
"""

from __future__ import annotations

import math
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, TypeAlias

import altair as alt
import pandas as pd

from funnelsim._io import atomic_write
from funnelsim._validation import check_choice

__all__ = [
    "MUTED",
    "MUTED_DARK",
    "PALETTE",
    "THEME_NAME",
    "AnyChart",
    "LiveChart",
    "Plot",
    "has_vl_convert",
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
#: The mimetype of a Vega spec, which JupyterLab 4 and Voila 0.5 draw in the browser
#: (their ``@jupyterlab/vega5-extension``, served by the Jupyter server itself).
VEGA_MIMETYPE = "application/vnd.vega.v5+json"
#: The mimetype of the Vega-Lite altair writes (the fallback without vl-convert).
VEGALITE_MIMETYPE = f"application/vnd.vegalite.v{alt.SCHEMA_VERSION.lstrip('v').split('.')[0]}+json"
#: How the browser draws an explorer's Vega spec (vega-embed options): on a canvas
#: (measured in Voila, key press → repaint of the dashboard 1.7 x faster than Vega's
#: SVG renderer, whose DOM is rebuilt on every redraw; sharp on high-DPI screens, as
#: Vega scales the canvas to the device's pixel ratio); no action menu.
EMBED_OPTIONS: dict[str, Any] = {"renderer": "canvas", "actions": False}
#: A 1 x 1 transparent PNG sent beside the Vega spec. JupyterLab's Vega renderer, having
#: drawn a spec without an ``image/png``, draws it again off screen to attach a PNG copy,
#: which makes the output area render the chart a second time: measured in Voila, key
#: press → repaint of the dashboard 2.5 x slower. The Vega spec stays the preferred
#: mimetype (rank 57 against 90 for images), so the placeholder is never shown there.
_NO_PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


#: How to get vl-convert, for the messages below.
_INSTALL = "pip install vl-convert-python (or install funnelsim with its 'notebooks' extra)"


def has_vl_convert() -> bool:
    """Whether vl-convert (offline rendering in the kernel) can be imported."""
    try:
        import vl_convert  # noqa: F401
    except ImportError:
        return False
    return True


def _vl_convert() -> ModuleType:
    """The vl_convert module, or an ImportError saying what needs it and how to get it."""
    try:
        import vl_convert as vlc
    except ImportError as exc:
        raise ImportError(
            "rendering a chart to SVG, PNG or PDF in the kernel (to_svg, save, the explorers' "
            f"LiveChart) needs vl-convert, which is not installed: {_INSTALL}"
        ) from exc
    return vlc


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

    Warns
    -----
    RuntimeWarning
        When vl-convert is not installed: altair's ``default`` renderer
        (HTML/Vega-Lite mimetype, drawn by the browser) is enabled instead, so
        charts still display; see the module docstring.
    """
    check_choice("renderer", renderer, ("svg", "png"))
    if THEME_NAME not in alt.theme.names():
        alt.theme.register(THEME_NAME, enable=False)(theme)  # type: ignore[arg-type]
    alt.theme.enable(THEME_NAME)
    if not has_vl_convert():
        warnings.warn(
            f"vl-convert is not installed, so charts cannot be rendered to {renderer} in the "
            "kernel: using altair's default renderer instead (drawn by the browser, which "
            "loads vega from the network unless a JupyterLab extension provides it). "
            f"Install it for offline charts: {_INSTALL}",
            RuntimeWarning,
            stacklevel=2,
        )
        alt.renderers.enable("default")
        return
    alt.renderers.enable(renderer)


_registered: list[bool] = []  # [True] once this process registered the theme


def _themed_spec(chart: AnyChart) -> dict[str, Any]:
    """The chart's Vega-Lite dict with the funnelsim theme applied, whatever is enabled."""
    # alt.theme.names() reads the installed packages' entry points (~10-80 ms), so
    # the theme is checked for once per process, not once per redraw.
    if not _registered:
        if THEME_NAME not in alt.theme.names():
            alt.theme.register(THEME_NAME, enable=False)(theme)  # type: ignore[arg-type]
        _registered.append(True)
    with alt.theme.enable(THEME_NAME):
        return chart.to_dict()


def to_svg(chart: AnyChart) -> str:
    """Render ``chart`` to an SVG string offline (vl-convert), with the funnelsim theme.

    This is what the explorers show and what reports embed.
    """
    vlc = _vl_convert()

    return str(vlc.vegalite_to_svg(_themed_spec(chart), vl_version=_VL_VERSION))


def save(chart: AnyChart, path: str | Path, *, scale: float = 2.0) -> Path:
    """Write ``chart`` to ``path`` (``.svg``, ``.png`` or ``.pdf``) offline, themed.

    ``scale`` multiplies the pixel size of PNG output (2 = sharp on high-DPI screens).
    Returns the path written.
    """
    vlc = _vl_convert()

    out = Path(path)
    kind = check_choice("file suffix", out.suffix.lower(), (".svg", ".png", ".pdf"))
    spec = _themed_spec(chart)
    if kind == ".svg":
        atomic_write(out, vlc.vegalite_to_svg(spec, vl_version=_VL_VERSION))
    elif kind == ".png":
        atomic_write(out, vlc.vegalite_to_png(spec, vl_version=_VL_VERSION, scale=scale))
    else:
        atomic_write(out, vlc.vegalite_to_pdf(spec, vl_version=_VL_VERSION))
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
    #: The chart's title (a line or a list of lines) when it changes with the data
    #: (a number in it) and is left out of ``shape``: :class:`LiveChart` then reuses
    #: the compiled spec and puts this title in. ``build`` must give the chart this
    #: same title. None: the title, if any, is part of ``shape``.
    title: str | tuple[str, ...] | None = None

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

        shape = ("hconcat", tuple((p.shape, p.title) for p in plots), spacing)
        return cls(frame, shape, build)


class LiveChart:
    """Turn a stream of :class:`Plot` s into Vega specs or SVG, recompiling only on a new shape.

    Rendering a chart from scratch runs altair (build + validate + ``to_dict``),
    compiles Vega-Lite to Vega and draws the Vega scene. When only the data
    change (a slider moved), the compiled Vega spec is reused with the new rows
    put in, which skips the first two steps.

    The explorers send :meth:`display_data` (that Vega spec) to the browser,
    which draws it with the Vega renderer JupyterLab and Voila ship (no
    network): the kernel only computes the model and the chart's rows.
    :meth:`render` draws the same spec to SVG in the kernel (vl-convert), for
    the still picture; the SVG is identical to :func:`to_svg` of the same chart
    (tested).

    Parameters
    ----------
    cache_size : int
        Compiled shapes kept (least recently used are dropped).
    """

    def __init__(self, cache_size: int = 16) -> None:
        self._cache: OrderedDict[tuple[Any, ...], tuple[dict[str, Any], int] | None] = OrderedDict()
        self._size = cache_size

    def _template(self, plot: Plot) -> tuple[dict[str, Any], int] | None:
        """The compiled Vega spec of ``plot``'s shape and the index of its data set.

        None when the data cannot be swapped (no shape, or several data sets).
        """
        key = plot.shape
        if key is None:
            return None
        if key in self._cache:
            self._cache.move_to_end(key)
            template = self._cache[key]
            if template is None or plot.title is None:
                return template
            vega, index = template
            return {**vega, "title": {**vega["title"], "text": _title_text(plot.title)}}, index
        vlc = _vl_convert()
        spec = _themed_spec(plot.chart())
        datasets = list(spec.get("datasets", {}))
        template = None
        if len(datasets) == 1:  # one frame: the data can be swapped later
            vega = vlc.vegalite_to_vega(spec, vl_version=_VL_VERSION)
            where = [i for i, d in enumerate(vega["data"]) if d.get("name") == datasets[0]]
            # A title outside the shape must be where it can be replaced.
            title = vega.get("title")
            movable = plot.title is None or (
                isinstance(title, dict) and title.get("text") == _title_text(plot.title)
            )
            if where and movable:
                template = (vega, where[0])
        self._cache[key] = template
        if len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return template

    def vega(self, plot: Plot) -> dict[str, Any]:
        """The Vega spec (a JSON-ready dict) of ``plot``'s chart, themed, with its rows in.

        A plot whose shape was seen before reuses the compiled spec and only
        gets its new rows (a shallow copy: the cached spec is not changed).

        Raises
        ------
        ImportError
            Without vl-convert (it compiles Vega-Lite to Vega in the kernel).
        """
        template = self._template(plot)
        if template is None:
            vlc = _vl_convert()
            spec = _themed_spec(plot.chart())
            return dict(vlc.vegalite_to_vega(spec, vl_version=_VL_VERSION))
        vega, index = template
        data = list(vega["data"])
        data[index] = {**data[index], "values": _records(plot.frame)}
        return {**vega, "data": data}

    def display_data(self, plot: Plot) -> dict[str, Any]:
        """A Jupyter ``display_data`` output drawing ``plot`` in the browser.

        With vl-convert: the compiled Vega spec (:meth:`vega`) under
        :data:`VEGA_MIMETYPE`, drawn on a canvas by the Vega renderer JupyterLab
        (4.x) and Voila (0.5) ship, without its action menu (and with a blank
        1 x 1 ``image/png`` that spares the browser a second drawing, see
        ``_NO_PNG``; it is only seen where no Vega renderer is). Without vl-convert:
        what altair's own renderer displays (Vega-Lite for the browser, see the
        module docstring). Either way a ``text/plain`` line for a viewer that
        draws neither.
        """
        text = "<funnelsim chart: Vega, drawn by the browser>"
        if not has_vl_convert():
            spec = _themed_spec(plot.chart())
            return {
                "output_type": "display_data",
                "data": {VEGALITE_MIMETYPE: spec, "text/plain": text},
                "metadata": {},
            }
        return {
            "output_type": "display_data",
            "data": {VEGA_MIMETYPE: self.vega(plot), "image/png": _NO_PNG, "text/plain": text},
            "metadata": {VEGA_MIMETYPE: {"embed_options": dict(EMBED_OPTIONS)}},
        }

    def render(self, plot: Plot) -> str:
        """The SVG text of ``plot``'s chart, themed, drawn in the kernel by vl-convert.

        Raises
        ------
        ImportError
            Without vl-convert.
        """
        vlc = _vl_convert()
        if self._template(plot) is None:
            return to_svg(plot.chart())
        return str(vlc.vega_to_svg(self.vega(plot)))


def _title_text(title: str | Sequence[str]) -> str | list[str]:
    """A title as the compiled Vega spec holds it (one line: a string; several: a list)."""
    return title if isinstance(title, str) else list(title)


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
