"""The explorers' still picture: settings, metric cards and chart in one SVG for static viewers.

A notebook read without a kernel (the book, an HTML export, nbviewer, GitHub) shows the
``image/svg+xml`` part of an explorer's output. These tests check that it carries what the
live view shows (the same card text, the slider readouts), that it is one well-formed,
deterministic SVG readable in a 700 px column, and that the book and nbconvert really show it.
"""

from __future__ import annotations

import importlib.util
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from funnelsim import widgets
from funnelsim.widgets import EconomicsExplorer, FunnelExplorer
from funnelsim.widgets._still import CAPTION, COLUMN, Card, still_svg, text_width, wrap

ROOT = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"
CHART = (
    '<svg xmlns="http://www.w3.org/2000/svg" class="marks" width="{w}" height="{h}" '
    'viewBox="0 0 {w} {h}"><rect width="{w}" height="{h}" fill="white"/></svg>'
)


def texts(svg: str) -> list[str]:
    """Every text line of the still's strip (the chart's own texts left out)."""
    root = ET.fromstring(svg)
    strip = root.find(f"{SVG}g")
    assert strip is not None
    return ["".join(t.itertext()) for t in strip.iter(f"{SVG}text")]


def bold_texts(svg: str) -> list[str]:
    strip = ET.fromstring(svg).find(f"{SVG}g")
    assert strip is not None
    return [t.text or "" for t in strip.iter(f"{SVG}text") if t.get("font-size") == "20px"]


def live_values(explorer: Any) -> list[str]:
    """The values the live cards show (the fs-value divs of the metrics HTML)."""
    cards = explorer._metrics_html(explorer.outcome, explorer.outcome_a)
    return re.findall(r"<div class='fs-value'[^>]*>([^<]*)</div>", cards)


@pytest.fixture
def funnel() -> FunnelExplorer:
    ex = FunnelExplorer("aaarrr", buyers=20_000, seed=11, threaded=False)
    yield ex
    ex.close()


# -- the pure layout --------------------------------------------------------------------------


def test_text_width_follows_the_font_metrics() -> None:
    # DejaVu Sans: every digit advances 1303 / 2048 em, a space 651 / 2048 em (hmtx table);
    # the estimate adds its 6 % margin.
    assert text_width("0123456789", 10) == pytest.approx(1.06 * 10 * 10 * 0.636, abs=0.01)
    assert text_width("1 2", 20) == pytest.approx(1.06 * 20 * (2 * 0.636 + 0.318), abs=0.01)
    assert text_width("10", 12, bold=True) > text_width("10", 12)
    assert text_width("ЛПР", 12) == pytest.approx(1.06 * 12 * 3)  # unknown glyphs: 1 em each
    assert text_width("", 12) == 0


@given(
    st.lists(st.text(alphabet="abc XYZ0123%$·", min_size=1, max_size=30), max_size=12),
    st.floats(min_value=40, max_value=700),
)
def test_wrap_keeps_every_piece_in_order_within_the_width(pieces: list[str], width: float) -> None:
    lines = wrap(pieces, width, 12, sep=" · ")
    assert " · ".join(lines) == " · ".join(pieces)
    for line in lines:
        assert text_width(line, 12) <= width or line in pieces  # a long piece alone is allowed


def test_the_still_puts_title_settings_and_cards_above_the_chart() -> None:
    cards = [Card("LTV ($ / customer)", "$404"), Card("Payback (months)", "never", note="x")]
    svg = still_svg(
        CHART.format(w=600, h=300),
        cards,
        [("One customer", ["ARPU: 30", "Churn: 5%"]), ("", ["Months shown: 36"])],
        title="Unit economics",
    )
    root = ET.fromstring(svg)
    assert root.get("class") == "fs-still"
    assert root.findtext(f"{SVG}title") == "Unit economics"  # what a screen reader announces
    lines = texts(svg)
    assert lines[0] == "Unit economics"
    assert lines[1] == "One customer: ARPU: 30 · Churn: 5%"
    assert lines[2] == "Months shown: 36"
    assert lines[3:] == ["LTV ($ / customer)", "$404", "Payback (months)", "never", "x"]
    chart = root.find(f"{SVG}svg")
    assert chart is not None and chart.get("class") == "marks"
    top = float(chart.get("y", "nan"))
    assert float(root.get("width", "nan")) == 600
    assert float(root.get("height", "nan")) == top + 300
    # Every card lies between the title/settings and the chart.
    rects = list(root.find(f"{SVG}g").iter(f"{SVG}rect"))  # type: ignore[union-attr]
    assert len(rects) == 2
    for r in rects:
        y, height = float(r.get("y", "nan")), float(r.get("height", "nan"))
        assert y > 0 and y + height < top


def test_a_wide_chart_scales_the_strip_so_it_reads_at_700_px() -> None:
    svg = still_svg(CHART.format(w=1400, h=500), [Card("Customers", "364")], [("", ["Seed: 1"])])
    strip = ET.fromstring(svg).find(f"{SVG}g")
    assert strip is not None and strip.get("transform") == "scale(2)"
    narrow = still_svg(CHART.format(w=520, h=300), [Card("Customers", "364")])
    assert ET.fromstring(narrow).find(f"{SVG}g").get("transform") == "scale(1)"  # type: ignore[union-attr]


@given(
    st.lists(
        st.builds(
            Card,
            st.text(alphabet="Abc ($/)", min_size=1, max_size=40),
            st.text(alphabet="$0123456789,.%", min_size=1, max_size=12),
            note=st.text(alphabet="no [economics] section", max_size=60),
        ),
        max_size=9,
    ),
    st.integers(min_value=300, max_value=1400),
)
def test_cards_flow_in_rows_without_overlap_inside_the_column(
    cards: list[Card], chart_width: int
) -> None:
    svg = still_svg(CHART.format(w=chart_width, h=100), cards)
    layout = chart_width / max(1.0, chart_width / COLUMN)
    strip = ET.fromstring(svg).find(f"{SVG}g")
    assert strip is not None
    boxes = [
        tuple(float(r.get(k, "nan")) for k in ("x", "y", "width", "height"))
        for r in strip.iter(f"{SVG}rect")
    ]
    assert len(boxes) == len(cards)
    for i, (x, y, w, h) in enumerate(boxes):
        assert w >= 120 and h > 0
        assert x + w <= layout or x == 8  # a card wider than the column starts a row alone
        for x2, y2, w2, h2 in boxes[:i]:
            apart = x >= x2 + w2 or x2 >= x + w or y >= y2 + h2 or y2 >= y + h
            assert apart, (boxes[i], (x2, y2, w2, h2))


def test_text_is_escaped_into_well_formed_svg() -> None:
    svg = still_svg("", [Card("A < B & C", "<1>")], [("R&D", ["x > y: 1"])], title="'\"")
    assert ET.fromstring(svg).get("width") == "700"  # no chart: the column's width
    assert texts(svg) == ["'\"", "R&D: x > y: 1", "A < B & C", "<1>"]


def test_a_chart_that_is_not_svg_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"chart must be SVG text .* got '<div>'"):
        still_svg("<div>", [])
    with pytest.raises(ValueError, match="width and height"):
        still_svg("<svg viewBox='0 0 1 1'/>", [])


# -- the explorers' still ---------------------------------------------------------------------


def test_the_mimebundle_shows_the_still_and_a_short_text(funnel: FunnelExplorer) -> None:
    bundle = funnel._repr_mimebundle_()
    assert bundle["image/svg+xml"] == funnel.still()
    assert bundle["text/plain"] == funnel.summary()  # no volatile numbers
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert funnel.svg[len("<svg") :] in bundle["image/svg+xml"]  # the chart, whole


def test_the_still_shows_every_card_and_slider_as_the_live_view(funnel: FunnelExplorer) -> None:
    still = funnel.still()
    lines = texts(still)
    assert lines[0] == funnel.title
    strip = ET.fromstring(still).find(f"{SVG}g")
    assert strip is not None
    italic = [t.text for t in strip.iter(f"{SVG}text") if t.get("font-style") == "italic"]
    assert " ".join(italic) == CAPTION  # says why nothing moves
    assert bold_texts(still) == live_values(funnel)
    joined = " ".join(lines)  # a long card label is word-wrapped over two lines
    for m in funnel._metric_specs:
        assert m.label in joined
    settings = " · ".join(lines)
    for name, control in funnel.controls.items():
        slider = funnel.control(name)
        readout = getattr(slider, "label", None) or format(slider.value, control.readout)
        assert f"{control.label}: {readout}" in settings, name


def test_the_still_follows_the_sliders(funnel: FunnelExplorer) -> None:
    before = funnel.still()
    funnel.set_values(activation=0.9)
    after = funnel.still()
    assert "Activation (sign-up → active): 90%" in " · ".join(texts(after))
    assert bold_texts(after) == live_values(funnel) != bold_texts(before)


def test_the_still_is_deterministic() -> None:
    one, two = (EconomicsExplorer(threaded=False, churn=0.04) for _ in range(2))
    try:
        assert one.still() == two.still()
    finally:
        one.close()
        two.close()


def test_a_b_mode_shows_a_and_the_change_on_each_card(funnel: FunnelExplorer) -> None:
    funnel.ab = True
    funnel.set_values(activation=0.9)
    lines = texts(funnel.still())
    for m in funnel._metric_specs:
        a = m.format(funnel.outcome_a.metrics[m.name])
        assert f"A: {a}" in lines
    customers = funnel.metrics["customers"] - funnel.outcome_a.metrics["customers"]
    assert f"B − A: +{customers:,.0f}" in lines


def test_a_card_without_a_number_says_why() -> None:
    ex = FunnelExplorer(scenario="viral_saturation", threaded=False)  # no [economics] section
    try:
        lines = texts(ex.still())
        assert lines.count("no [economics] section") == 5
        assert bold_texts(ex.still()).count("–") == 5
    finally:
        ex.close()


EXPLORERS = [n for n in widgets.__all__ if n.endswith("Explorer") and n != "Explorer"]


@pytest.mark.parametrize("name", EXPLORERS)
def test_every_explorer_still_matches_its_live_cards(name: str) -> None:
    ex = getattr(widgets, name)(threaded=False)
    try:
        still = ex.still()
        root = ET.fromstring(still)
        assert bold_texts(still) == live_values(ex)
        # Readable in a 700 px column: the strip's 12 px text is still 12 px there.
        width = float(root.get("width", "nan"))
        strip = root.find(f"{SVG}g")
        assert strip is not None
        scale = float(re.fullmatch(r"scale\((.*)\)", strip.get("transform", ""))[1])  # type: ignore[index]
        assert 12 * scale * min(1.0, 700 / width) >= 12 - 0.01
    finally:
        ex.close()


def test_the_dashboard_shows_the_growth_still() -> None:
    board = widgets.Dashboard(threaded=False)
    try:
        bundle = board._repr_mimebundle_()
        assert bundle["image/svg+xml"] == board.growth.still()
    finally:
        board.close()


# -- what the static viewers show -------------------------------------------------------------


def notebook_with(explorer: Any) -> nbformat.NotebookNode:
    """A one-cell notebook whose output is ``explorer``'s, as a kernel would store it."""
    bundle = explorer._repr_mimebundle_()
    bundle["application/vnd.jupyter.widget-view+json"]["model_id"] = "0" * 32
    cell = nbformat.v4.new_code_cell("widgets.EconomicsExplorer()", id="explorer")
    cell.execution_count = 1
    cell.outputs = [nbformat.v4.new_output("execute_result", data=bundle, execution_count=1)]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Still", id="t"), cell])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def test_an_html_export_shows_the_still_picture() -> None:
    import base64

    from nbconvert import HTMLExporter

    ex = EconomicsExplorer(threaded=False)
    try:
        page, _ = HTMLExporter().from_notebook_node(notebook_with(ex))
        images = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page)
        assert [base64.b64decode(i).decode() for i in images] == [ex.still()]
        assert "widget-view+json" not in page  # no widget state: the picture, not the view
    finally:
        ex.close()


def test_the_book_shows_the_still_picture(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("funnelsim_book", ROOT / "book" / "build.py")
    assert spec is not None and spec.loader is not None
    book = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(book)
    if not (book.MATHJAX / "tex-mml-chtml.js").is_file():
        pytest.fail(f"MathJax is not installed in {book.MATHJAX} (npm ci --prefix book)")
    source = tmp_path / "notebooks"
    source.mkdir()
    ex = EconomicsExplorer(threaded=False)
    try:
        nbformat.write(notebook_with(ex), source / "still.ipynb")
        html = book.build(tmp_path / "out", source=source, exercises=tmp_path / "none")
        page = (html / "notebooks" / "still.html").read_text("utf-8")
        images = re.findall(r'<img[^>]*src="(\.\./_images/[^"]+\.svg)"', page)
        assert len(images) == 1, images
        assert (html / "notebooks" / images[0]).read_text("utf-8") == ex.still()
    finally:
        ex.close()
