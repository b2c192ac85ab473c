"""The instructor dashboard in a real browser: JupyterLab and Voila, offline, keyboard-driven.

Each test opens ``notebooks/dashboard.ipynb`` (a copy), waits for the live
chart, moves the Activation slider with the keyboard, waits for the chart to
change and checks that the headline numbers moved the way the model says
(a higher activation rate gives more customers and more revenue). In Voila it
then loads a shipped file from the bar above the tabs and checks that every
tab shows that file's run (a card per tab equal to ``load_scenario(f).run()``)
and that a CAC typed into its box is used exactly. Before and after
screenshots go to ``test-output/browser/``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.browser.conftest import NOTEBOOK_OPEN_JS, OUTPUT, RUN_ALL_JS, Server

#: The live chart: Vega's canvas, drawn by the browser from the spec the kernel sends.
CHART = ".fs-chart .vega-embed canvas"
SLIDER = ".fs-control-activation"
PRESSES = 20  # 20 steps of 0.01: activation 50 % -> 70 %


def _metric(page: Any, name: str) -> float:
    text = page.locator(f".fs-metrics [data-metric='{name}'] .fs-value").inner_text()
    number = re.sub(r"[^0-9.\-]", "", text)
    assert number, f"metric {name!r} shows {text!r}"
    return float(number)


def _wait_shown(page: Any, name: str, value: float) -> None:
    """Wait until the metrics on screen come from a run with control ``name`` at ``value``."""
    page.wait_for_function(
        "([name, value]) => { const e = document.querySelector('.fs-metrics .fs-cards');"
        " return e && Math.abs(JSON.parse(e.dataset.values)[name] - value) < 1e-9; }",
        arg=[name, value],
    )


#: (shown width, natural width, explorer width) of the first live chart.
CHART_WIDTHS_JS = """() => {
    const chart = document.querySelector('.fs-explorer .fs-chart .vega-embed canvas');
    const explorer = chart.closest('.fs-explorer');
    // Vega sizes the canvas in device pixels and sets its CSS width when they differ
    return [chart.getBoundingClientRect().width, parseFloat(chart.style.width) || chart.width,
            explorer.getBoundingClientRect().width];
}"""


def _assert_chart_readable_at_1366(page: Any, prefix: str) -> None:
    """On a 1366 px laptop screen the chart shows at >= 75 % of its own size (13 px text
    stays >= 10 px) or fills the row (wrapped under the controls)."""
    page.set_viewport_size({"width": 1366, "height": 768})
    page.wait_for_timeout(500)  # one layout pass after the resize
    shown, natural, explorer = page.evaluate(CHART_WIDTHS_JS)
    assert shown >= min(0.75 * natural, 0.9 * explorer) - 1, (
        f"chart squeezed to {shown:.0f} px (natural {natural:.0f}, row {explorer:.0f})"
    )
    print(f"{prefix} at 1366 px: chart {shown:.0f} px of {natural:.0f}, row {explorer:.0f}")
    page.locator(CHART).first.scroll_into_view_if_needed()
    page.screenshot(path=str(OUTPUT / f"{prefix}-1366.png"))
    page.set_viewport_size({"width": 1500, "height": 1100})


#: True once the first live chart is drawn (Vega paints a white background first).
DRAWN_JS = f"""() => {{ const c = document.querySelector('{CHART}');
    return !!c && c.width > 0 && c.getContext('2d').getImageData(1, 1, 1, 1).data[3] > 0; }}"""


def _chart(page: Any) -> str:
    """The pixels of the first live chart (a data: URL)."""
    return str(page.locator(CHART).first.evaluate("e => e.toDataURL()"))


def _move_slider_and_check(page: Any, shots: Path, prefix: str) -> None:
    page.locator(CHART).first.wait_for(state="visible")
    page.wait_for_function(DRAWN_JS)
    before_chart = _chart(page)
    before = {m: _metric(page, m) for m in ("customers", "revenue")}
    readout = page.locator(f"{SLIDER} .widget-readout")
    assert readout.inner_text().strip() == "50%"
    page.screenshot(path=str(shots / f"{prefix}-before.png"), full_page=True)

    handle = page.locator(f"{SLIDER} .noUi-handle")
    handle.focus()
    for _ in range(PRESSES):
        handle.press("ArrowRight")
    page.wait_for_function(
        "([sel, old]) => { const e = document.querySelector(sel);"
        " return e && e.toDataURL() !== old; }",
        arg=[CHART, before_chart],
    )
    # The last key press has reached the kernel when the readout says 70 % and the
    # metrics table was redrawn for it.
    page.wait_for_function(
        "sel => document.querySelector(sel).innerText.trim() === '70%'",
        arg=f"{SLIDER} .widget-readout",
    )
    _wait_shown(page, "activation", 0.7)
    after = {m: _metric(page, m) for m in ("customers", "revenue")}
    page.screenshot(path=str(shots / f"{prefix}-after.png"), full_page=True)
    assert _chart(page) != before_chart
    # More activation -> more customers and more revenue (same seed, same paid leads).
    assert after["customers"] > before["customers"]
    assert after["revenue"] > before["revenue"]


def test_dashboard_in_jupyterlab(lab: Server, page: Any, screenshots: Path) -> None:
    url = f"{lab.url}/lab/workspaces/fs-browser-test/tree/dashboard.ipynb?reset&token={lab.token}"
    page.goto(url)
    page.wait_for_function(NOTEBOOK_OPEN_JS)
    # Not run yet (as without a kernel): the committed still of the dashboard is on the page.
    still = page.locator(".jp-Cell .jp-RenderedImage img").first
    still.wait_for(state="visible")
    assert still.evaluate("e => e.complete && e.naturalWidth") > 600
    page.evaluate(RUN_ALL_JS)
    # The live widget (not the static SVG fallback) is what we drive.
    page.locator(f".jp-OutputArea-output .fs-explorer {CHART}").first.wait_for(
        state="visible", timeout=90_000
    )
    # ... and once it draws, the still is hidden (one chart on screen, the live one)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-Cell .jp-RenderedImage')]"
        ".every(e => e.offsetParent === null)"
    )
    _assert_chart_readable_at_1366(page, "lab")
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, errors.first.inner_text()
    _move_slider_and_check(page, screenshots, "lab")

    # A/B: freeze A at 70 % activation, move B back down, both columns show up.
    a_customers = _metric(page, "customers")
    before_ab = _chart(page)
    page.locator(".fs-ab").first.click()
    page.wait_for_selector(".fs-ab >> text=/A frozen/")
    handle = page.locator(f"{SLIDER} .noUi-handle")
    handle.focus()
    for _ in range(10):
        handle.press("ArrowLeft")
    page.wait_for_function(
        "sel => document.querySelector(sel).innerText.trim() === '60%'",
        arg=f"{SLIDER} .widget-readout",
    )
    _wait_shown(page, "activation", 0.6)
    assert _metric(page, "customers") < a_customers
    frozen = page.locator(".fs-metrics [data-metric='customers'] .fs-value-a").inner_text()
    assert float(re.sub(r"[^0-9.]", "", frozen)) == a_customers
    page.wait_for_function(  # the chart now shows A and B
        "([sel, old]) => { const e = document.querySelector(sel);"
        " return e && e.toDataURL() !== old; }",
        arg=[CHART, before_ab],
    )
    page.screenshot(path=str(screenshots / "lab-ab.png"), full_page=True)


#: The explorer on the tab shown (the other tabs' are hidden by the tab panel).
SHOWN = ".fs-explorer:visible"


def _card(page: Any, name: str) -> str:
    """The text of card ``name`` on the tab shown."""
    return str(page.locator(f"{SHOWN} .fs-metrics [data-metric='{name}'] .fs-value").inner_text())


def _open(page: Any, tab: str) -> None:
    page.locator(".lm-TabBar-tab", has_text=tab).first.click()
    page.locator(f"{SHOWN} {CHART}").wait_for(state="visible")


def _load_every_tab_and_type_cac(page: Any, shots: Path) -> None:
    """Load a shipped file from the bar above the tabs: every tab shows that file's run.

    Each card checked is the one ``load_scenario(f).run()`` gives, as the card
    formats it; the tab that cannot read the file says so above its cards. Then
    a CAC typed on the Unit economics tab is used exactly.
    """
    import funnelsim as fs
    from funnelsim.widgets.specs import (
        ECONOMICS_METRICS,
        FUNNEL_METRICS,
        GROWTH_METRICS,
        RETENTION_METRICS,
    )

    def fmt(metrics: Any, name: str, value: float) -> str:
        return str(next(m for m in metrics if m.name == name).format(value))

    sc = fs.load_scenario("b2c_referral")
    run = sc.run()
    _open(page, "Growth model")
    page.locator(".fs-dashboard-path input").fill("b2c_referral")
    page.locator(".fs-dashboard-load").click()
    status = page.locator(".fs-dashboard-status")
    status.filter(has_text="Loaded b2c_referral").wait_for(timeout=60_000)
    assert "B2B deal (no [b2b] section)" in status.inner_text()
    _wait_shown(page, "activation", sc.value("funnel.rates.activation"))
    active = run.metrics()["growth_active"]
    assert _card(page, "customers") == fmt(GROWTH_METRICS, "customers", active)
    page.screenshot(path=str(shots / "voila-load-growth.png"), full_page=True)

    want = run.economics
    _open(page, "Funnel")
    assert _card(page, "ltv") == fmt(FUNNEL_METRICS, "ltv", want.ltv)
    _open(page, "Retention")
    assert _card(page, "ltv") == fmt(RETENTION_METRICS, "ltv", want.ltv)
    _open(page, "B2B deal")  # cannot read the file: its own settings, and a note says so
    note = page.locator(".fs-tab-note:visible")
    assert "no [b2b] section" in note.inner_text()
    _open(page, "Unit economics")
    assert page.locator(".fs-tab-note:visible").count() == 0
    assert _card(page, "ltv") == fmt(ECONOMICS_METRICS, "ltv", want.ltv)
    assert _card(page, "cac") == fmt(ECONOMICS_METRICS, "cac", want.cac)

    # a typed CAC is used exactly, not snapped to the slider's steps
    box = page.locator(f"{SHOWN} .fs-entry-cac input")
    box.fill("55")
    box.press("Enter")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.fs-metrics .fs-cards')].some("
        "e => JSON.parse(e.dataset.values).cac === 55)"
    )
    assert _card(page, "cac") == "$55"
    assert _card(page, "ltv_cac") == fmt(ECONOMICS_METRICS, "ltv_cac", want.ltv / 55)
    assert box.input_value() == "55"
    page.screenshot(path=str(shots / "voila-typed-cac.png"), full_page=True)


def test_dashboard_in_voila(voila: Server, page: Any, screenshots: Path) -> None:
    page.goto(voila.url, timeout=120_000)
    page.locator(f".fs-explorer {CHART}").first.wait_for(state="visible", timeout=120_000)
    assert page.locator(".cm-editor, .jp-InputArea-editor").count() == 0  # no code shown
    # The class sees the dashboard's title, not the notes for the instructor (tag 'instructor')
    assert page.get_by_text("Growth dashboard").count() == 1
    assert page.get_by_text("For the instructor").count() == 0
    assert page.get_by_text("make present").count() == 0
    # the still is hidden once the live dashboard draws
    assert all(not e.is_visible() for e in page.locator(".jp-RenderedImage").all())
    _assert_chart_readable_at_1366(page, "voila")
    _move_slider_and_check(page, screenshots, "voila")
    # Another topic: its explorer is built when its tab is first opened.
    page.locator(".lm-TabBar-tab", has_text="B2B deal").click()
    page.locator(f".fs-explorer {CHART} >> nth=1").wait_for(state="visible")
    assert page.locator(".fs-control-champion").count() == 1
    page.screenshot(path=str(screenshots / "voila-b2b.png"), full_page=True)
    _load_every_tab_and_type_cac(page, screenshots)
    # make present's culling flags reached Voila's kernel manager
    assert re.search(r"[Cc]ulling kernels with idle durations > 600 seconds", voila.log_text())
