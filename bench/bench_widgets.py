"""Benchmark the live explorers (issue 10 targets): kernel redraw and browser key-press latency.

Run with ``make bench`` or ``.venv/bin/python bench/bench_widgets.py`` (add
``--no-browser`` to skip the Chromium part). Figures are medians; each live figure is
measured in the same run as its baseline, the redraw as it was before issue 10 (the
chart drawn to SVG in the kernel by vl-convert and put in an ``ipywidgets.HTML``:
:func:`svg_redraw`), moves interleaved so a change of machine load hits both.

In the kernel (target: every explorer ≤ 50 ms from the new slider value to the new chart):

* FunnelExplorer, AAARRR, 10⁵ buyers: model + the chart's new rows; the live redraw
  (``simulate`` → metrics → the compiled Vega spec with the new rows set as the chart
  ``Output``'s one output, which the browser draws); the SVG baseline; the chart
  rendered from scratch with :func:`funnelsim.charts.to_svg` (altair → Vega-Lite →
  Vega → SVG); the instructor Dashboard's growth tab (four panels), live and baseline;
* every explorer at its defaults: one slider step → new chart and metrics, live and
  baseline, and the model + chart-data part alone (``compute`` + ``plot``).

In a real browser (Debian's Chromium; skipped without it), JupyterLab and Voila (where
the dashboard runs in class): key press on the growth tab's Activation slider → the
chart's new canvas painted by Vega (or, for the baseline, the new ``<svg>`` in the DOM
with its axes), one ``requestAnimationFrame`` later (the next paint), median of 15
moves (target ≤ 150 ms), for the Dashboard as shipped (Vega drawn by the browser) and
the SVG baseline.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ipywidgets as w  # noqa: E402

import funnelsim as fs  # noqa: E402
from funnelsim import charts  # noqa: E402
from funnelsim.widgets import Dashboard, FunnelExplorer  # noqa: E402
from funnelsim.widgets._base import one_blas_thread  # noqa: E402

BUYERS = 100_000
MOVES = 15


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _moves(widget: Any, start: float, n: int, step: float) -> list[float]:
    """Set ``widget`` to ``n`` new values one ``step`` apart, timing each (redraw included)."""
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        widget.value = round(start + step * (i % 10 + 1), 10)
        times.append(time.perf_counter() - t0)
    return times


_HTML = w.HTML()


def svg_redraw(ex: Any) -> None:
    """The redraw before issue 10, the baseline: the same model and plot, then the chart
    drawn to SVG in the kernel (LiveChart's cached Vega, vl-convert's ``vega_to_svg``)
    and put in an ``ipywidgets.HTML``. With one BLAS thread, as the live redraw."""
    with ex._lock, one_blas_thread():
        outcome = ex.compute(ex.values)
        plot = ex.plot(outcome, ex.outcome_a)
        svg = ex._live.render(plot)
        ex.outcome, ex.plot_ = outcome, plot
        _HTML.value = f"<div class='fs-svg' style='width:100%;overflow-x:auto'>{svg}</div>"
        ex._metrics.value = ex._metrics_html(outcome, ex.outcome_a)


def _both(ex: Any, control: str, start: float, n: int, step: float) -> tuple[list[float], ...]:
    """Per move, interleaved: the live redraw (slider set → Vega spec in the chart's Output)
    and the SVG baseline (slider set quietly, then :func:`svg_redraw`)."""
    widget = ex.control(control)
    live, svg = [], []
    for i in range(n):
        value = round(start + step * (i % 10 + 1), 10)
        t0 = time.perf_counter()
        widget.value = value
        live.append(time.perf_counter() - t0)
        other = round(start + step * ((i + 5) % 10 + 1), 10)
        t0 = time.perf_counter()
        with ex._batch():
            widget.value = other
        svg_redraw(ex)
        svg.append(time.perf_counter() - t0)
    return live, svg


def kernel() -> dict[str, float]:
    ex = FunnelExplorer(buyers=BUYERS, seed=1, threaded=False)
    values = ex.values

    def model_and_data(v: float) -> None:
        outcome = ex.compute({**values, "activation": v})
        ex.plot(outcome, None)  # the chart's new data, all LiveChart needs

    def naive(v: float) -> None:
        result = fs.simulate(ex.funnel({**values, "activation": v}), BUYERS, seed=1)
        charts.to_svg(charts.funnel_chart(result))

    def timed(fn: Callable[[float], None]) -> list[float]:
        fn(0.5)
        out = []
        for i in range(MOVES * 2):
            t0 = time.perf_counter()
            fn(0.4 + 0.01 * (i % 20))
            out.append(time.perf_counter() - t0)
        return out

    data_only = timed(model_and_data)
    full, svg = _both(ex, "activation", 0.4, MOVES * 2, 0.01)
    slow = timed(naive)
    dash = Dashboard(threaded=False)
    dash_full, dash_svg = _both(dash.growth, "activation", 0.4, MOVES, 0.01)
    ex.close()
    dash.close()
    return {
        "model_and_chart_data_ms": _median_ms(data_only),
        "full_redraw_ms": _median_ms(full),
        "svg_redraw_ms": _median_ms(svg),
        "naive_redraw_ms": _median_ms(slow),
        "dashboard_redraw_ms": _median_ms(dash_full),
        "dashboard_svg_redraw_ms": _median_ms(dash_svg),
    }


#: A slider each explorer is moved by, and the values it steps through.
_EXPLORER_MOVES: dict[str, tuple[str, float, float]] = {
    "FunnelExplorer": ("activation", 0.4, 0.01),
    "GrowthExplorer": ("activation", 0.4, 0.01),
    "ReferralExplorer": ("invite_conversion", 0.1, 0.01),
    "RetentionExplorer": ("churn", 0.2, 0.01),
    "EconomicsExplorer": ("churn", 0.03, 0.01),
    "B2BExplorer": ("champion", 0.2, 0.01),
    "SensitivityExplorer": ("activation", 0.4, 0.01),
}


def explorers() -> dict[str, dict[str, float]]:
    """Median redraw of every explorer at its defaults (one slider step per move), the live
    path and the SVG baseline interleaved, and the model + chart data alone."""
    import warnings

    import funnelsim.widgets as widgets

    out = {}
    for name, (control, start, step) in _EXPLORER_MOVES.items():
        ex = getattr(widgets, name)(threaded=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            live, svg = _both(ex, control, start, MOVES, step)
            parts = []
            for _ in range(MOVES):
                t0 = time.perf_counter()
                with one_blas_thread():  # as in the redraw
                    ex.plot(ex.compute(ex.values), None)
                parts.append(time.perf_counter() - t0)
        ex.close()
        out[name] = {
            "redraw_ms": _median_ms(live),
            "svg_redraw_ms": _median_ms(svg),
            "model_and_plot_ms": _median_ms(parts),
        }
    return out


# -- the browser part ------------------------------------------------------------------------

_DASHBOARD = """from funnelsim import charts
from funnelsim.widgets import Dashboard
charts.setup()
dashboard = Dashboard(seed=1)
dashboard"""

#: The baseline: the same dashboard, its growth tab redrawn the way it was before issue 10
#: (SVG drawn in the kernel by vl-convert, shown in an ipywidgets.HTML).
_DASHBOARD_SVG = (
    _DASHBOARD
    + """
import sys, time
import ipywidgets as w
sys.path.insert(0, {bench!r})
import bench_widgets as bw
ex = dashboard.growth
bw._HTML.layout = w.Layout(min_height="300px", width="100%")
bw._HTML.add_class("fs-chart")
right = ex.widget.children[2].children[1]
right.children = (right.children[0], bw._HTML, right.children[2])
ex._worker._job = lambda: bw.svg_redraw(ex)
bw.svg_redraw(ex)
dashboard"""
)

#: Key press on a slider → the chart's new element drawn, one requestAnimationFrame later
#: (the next paint): an <svg> with its axes in the DOM (the SVG baseline), or a <canvas>
#: Vega has painted (its white background is opaque; checked once per frame).
_PROBE = """() => {
  const target = document.querySelector('.fs-explorer .fs-chart');
  const drawn = () => {
    const svg = target.querySelector('svg');
    if (svg && svg.querySelector('.role-axis')) return svg;
    const c = target.querySelector('canvas');
    const ok = c && c.width > 0 && c.getContext('2d').getImageData(1, 1, 1, 1).data[3] > 0;
    return ok ? c : null;
  };
  window.__fs = {t0: null, samples: [], last: drawn()};
  const check = () => {
    const t0 = window.__fs.t0;
    if (t0 === null) return;
    const node = drawn();
    if (node === null || node === window.__fs.last) {
      requestAnimationFrame(check);  // a canvas appears before Vega paints it
      return;
    }
    window.__fs.t0 = null;
    window.__fs.last = node;
    requestAnimationFrame(() => window.__fs.samples.push(performance.now() - t0));
  };
  new MutationObserver(check).observe(target, {childList: true, subtree: true});
  document.addEventListener('keydown', () => { window.__fs.t0 = performance.now(); }, true);
}"""


def _notebook(code: str) -> dict[str, Any]:
    return {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": code,
            }
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def browser() -> dict[str, float] | None:
    """Median key press → repaint of the dashboard's growth chart in Chromium, in JupyterLab
    and in Voila (the dashboard's home), the browser-drawn Vega chart and the SVG baseline."""
    from tests.browser import conftest as bc

    if not bc.CHROMIUM.exists():
        print("browser part skipped: no Chromium (apt-get install chromium)")
        return None
    from playwright.sync_api import sync_playwright

    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        root = tmp / "nb"
        root.mkdir()
        notebooks = {
            "dashboard": _DASHBOARD,
            "dashboard_svg": _DASHBOARD_SVG.format(bench=str(Path(__file__).parent)),
        }
        for name, code in notebooks.items():
            (root / f"{name}.ipynb").write_text(json.dumps(_notebook(code)))
        env = bc.jupyter_env(tmp / "home")
        port, token = bc._free_port(), secrets.token_hex(16)
        voila_port = bc._free_port()
        log, voila_log = tmp / "lab.log", tmp / "voila.log"
        proc = bc._start(bc.lab_command(port, token, root), env, log, root)
        voila_cmd = [
            str(bc.BIN / "voila"),
            "--Voila.ip=127.0.0.1",
            f"--Voila.port={voila_port}",
            "--no-browser",
            "--template=funnelsim",
            str(root),
        ]
        voila = bc._start(voila_cmd, env, voila_log, root)
        try:
            url = f"http://127.0.0.1:{port}"
            bc._wait_http(proc, f"{url}/api/status?token={token}", log)
            bc._wait_port(voila, voila_port, voila_log)
            with sync_playwright() as pw:
                ctx = pw.chromium.launch_persistent_context(
                    str(tmp / "profile"),
                    executable_path=str(bc.CHROMIUM),
                    headless=True,
                    args=bc.CHROMIUM_ARGS,
                    viewport={"width": 1500, "height": 1100},
                )
                try:
                    for name in notebooks:
                        for where in ("lab", "voila"):
                            page = ctx.new_page()
                            page.set_default_timeout(120_000)
                            if where == "lab":
                                page.goto(
                                    f"{url}/lab/workspaces/b-{name}/tree/{name}.ipynb"
                                    f"?reset&token={token}"
                                )
                                page.wait_for_function(bc.NOTEBOOK_OPEN_JS)
                                page.evaluate(bc.RUN_ALL_JS)
                            else:
                                page.goto(
                                    f"http://127.0.0.1:{voila_port}/voila/render/{name}.ipynb"
                                )
                            results[f"browser_{where}_{name}_ms"] = _key_latency(page)
                            page.close()
                finally:
                    ctx.close()
        finally:
            bc._stop(voila)
            bc._stop(proc)
    return results


def _key_latency(page: Any) -> float:
    page.locator(
        ".fs-explorer .fs-chart svg .role-axis, .fs-explorer .fs-chart canvas"
    ).first.wait_for(state="attached")
    page.wait_for_timeout(1500)  # let the first render and widget layout settle
    page.evaluate(_PROBE)
    handle = page.locator(".fs-explorer .fs-control-activation .noUi-handle").first
    handle.focus()
    for i in range(MOVES):
        handle.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
        page.wait_for_function(f"() => window.__fs.samples.length >= {i + 1}")
        page.wait_for_timeout(300)  # the redraw thread is idle before the next key
    samples = page.evaluate("() => window.__fs.samples")
    return float(statistics.median(samples))


def main() -> None:
    one, five, fifteen = os.getloadavg()
    print(f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs")
    out: dict[str, Any] = dict(kernel())
    print(f"{'kernel, FunnelExplorer, 10^5 buyers':<48} median")
    print(f"{'  model + new chart data':<48} {out['model_and_chart_data_ms']:7.1f} ms")
    print(
        f"{'  redraw, Vega spec to the browser':<48} {out['full_redraw_ms']:7.1f} ms  target <= 50"
    )
    print(
        f"{'  baseline: redraw with SVG drawn in the kernel':<48} {out['svg_redraw_ms']:7.1f} ms"
        f"  = {out['svg_redraw_ms'] / out['full_redraw_ms']:.1f} x"
    )
    print(f"{'  naive: altair -> to_svg each time':<48} {out['naive_redraw_ms']:7.1f} ms")
    print(
        f"{'  Dashboard growth tab (4 panels)':<48} {out['dashboard_redraw_ms']:7.1f} ms"
        f"  (SVG baseline {out['dashboard_svg_redraw_ms']:.1f} ms)"
    )
    each = explorers()
    out["explorers"] = each
    print(f"{'kernel, each explorer at its defaults':<26} redraw  SVG baseline  ratio  model+plot")
    for name, t in each.items():
        ok = "met" if t["redraw_ms"] <= 50 else "NOT met"
        print(
            f"  {name:<22} {t['redraw_ms']:7.1f} ms {t['svg_redraw_ms']:7.1f} ms "
            f"{t['svg_redraw_ms'] / t['redraw_ms']:5.1f} x {t['model_and_plot_ms']:7.1f} ms"
            f"  <= 50 ms: {ok}"
        )
    if "--no-browser" not in sys.argv:
        res = browser()
        if res:
            out.update(res)
            print(f"{'browser: key press -> chart repainted':<48} median of {MOVES}")
            for where in ("lab", "voila"):
                new, old = (
                    res[f"browser_{where}_dashboard_ms"],
                    res[f"browser_{where}_dashboard_svg_ms"],
                )
                ok = "met" if new <= 150 else "NOT met"
                print(
                    f"  Dashboard in {where:<6} Vega in the browser {new:7.1f} ms"
                    f"  (SVG baseline {old:.1f} ms)  <= 150 ms: {ok}"
                )
    results = Path(__file__).parent / "results"
    results.mkdir(exist_ok=True)
    (results / "widgets.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
