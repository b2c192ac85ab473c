"""The static course in Debian's Chromium, served from 127.0.0.1 like any static host.

The site is built by ``book/build.py`` (once for ``make unit`` and this stage:
``tests.test_book.built_site``), served by Python's
``http.server`` on a free loopback port, and every page is opened with every request
watched: a request to any host other than 127.0.0.1 is aborted and fails the test (the
shared fixtures of tests/browser/conftest.py), and so does a local request that fails (404).
On the pages: the start page's chart (an SVG image) is drawn, its formula is typeset by the
site's own MathJax (``mjx-container``), and the glossary's quiz is live (its
script shows the Check button and grades an answer). No code is cut off at 1280 or 700 px:
code wraps, and an output wider than the column scrolls with a full-width scroll bar
(book/_static/funnelsim.css).
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Traffic, _free_port
from tests.test_book import book, built_site


@pytest.fixture(scope="module")
def site_url() -> Iterator[str]:
    html = built_site()  # the build make unit made (tests/test_book.py), or one made now
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", _free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class Watch:
    """Records local requests that fail (a missing MathJax font, a broken image link).

    Requests that leave the machine are aborted by the shared ``browser_context`` and fail
    the test through the ``page`` and ``traffic`` fixtures (tests/browser/conftest.py).
    """

    def __init__(self, page: Any, traffic: Traffic) -> None:
        self.failed: list[str] = []
        self.traffic = traffic
        page.on("response", self._response)

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.failed.append(f"{response.status} {response.url}")

    def check(self) -> None:
        assert self.traffic.seen, "the page made no request at all"
        assert not self.traffic.outside, f"requests to another host: {self.traffic.outside}"
        assert not self.failed, f"local requests that failed: {self.failed}"


PAGES = [
    "index.html",
    "search.html",
    *(f"notebooks/{nb.stem}.html" for nb in book.notebooks()),
    *(
        f"exercises/student/{nb.stem}.html"
        for nb in book.notebooks(book.ROOT / "exercises" / "student")
    ),
]
#: The window widths a reader meets: a laptop, and a half screen / tablet (the sidebar folds).
WIDTHS = (1280, 700)

#: Every code cell (input and output) and code block of the page, and the containers around
#: them up to <body>, whose content is wider than the box. Each is reported with what is wrong:
#: "clipped" (overflow hidden: a part can never be seen), "code does not wrap" (a cell's input
#: or a code block in the text: it must wrap, nothing to scroll), or "thin scroll bar" (an
#: output that scrolls sideways must show a bar one can see and grab).
CLIPPED_JS = """() => {
  const code = 'div.cell, div.cell *, div.highlight, div.highlight *';
  const boxes = new Set();
  for (const e of document.querySelectorAll(code)) {
    for (let a = e; a && a !== document.documentElement; a = a.parentElement) boxes.add(a);
  }
  const bad = [];
  for (const e of boxes) {
    if (e.scrollWidth <= e.clientWidth + 1 || e.clientWidth === 0) continue;
    const s = getComputedStyle(e);
    const name = `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`;
    const text = (e.innerText || '').trim().slice(0, 60);
    const output = e.closest('div.cell_output') !== null;
    if (s.overflowX === 'hidden' || s.overflowX === 'clip') bad.push(`clipped: ${name} ${text}`);
    else if (!output && e.tagName === 'PRE') bad.push(`code does not wrap: ${name} ${text}`);
    else if ((s.overflowX === 'auto' || s.overflowX === 'scroll') && s.scrollbarWidth !== 'auto')
      bad.push(`${s.scrollbarWidth} scroll bar: ${name} ${text}`);
  }
  return bad;
}"""


@pytest.mark.parametrize("path", PAGES)
def test_every_page_loads_from_the_site_alone_with_no_code_cut_off(
    page: Any, traffic: Traffic, site_url: str, path: str
) -> None:
    watch = Watch(page, traffic)
    page.goto(f"{site_url}/{path}", wait_until="networkidle")
    assert page.locator("h1").first.inner_text().strip()
    for width in WIDTHS:  # no code cell's content is cut off (a newcomer's finding)
        page.set_viewport_size({"width": width, "height": 900})
        assert not page.evaluate(CLIPPED_JS), (width, page.evaluate(CLIPPED_JS))
    watch.check()


def test_start_page_draws_its_chart_and_typesets_its_formula(
    page: Any, traffic: Traffic, site_url: str, screenshots: Path
) -> None:
    watch = Watch(page, traffic)
    page.goto(f"{site_url}/notebooks/00_start_here.html", wait_until="networkidle")
    chart = page.locator("img[src*='_images/'][src$='.svg']").first
    chart.scroll_into_view_if_needed()
    size = chart.evaluate("img => [img.complete, img.naturalWidth, img.naturalHeight]")
    assert size[0] and size[1] > 100 and size[2] > 100, size
    # MathJax replaced the TeX with typeset output: a container holding the square root.
    formula = page.locator("mjx-container").filter(has=page.locator("mjx-msqrt")).first
    formula.wait_for(state="attached")
    assert formula.evaluate("e => e.getBoundingClientRect().width") > 10
    assert "\\sqrt" not in page.locator("article").inner_text()
    page.screenshot(path=str(screenshots / "book-start-here.png"), full_page=True)
    watch.check()


def test_glossary_quiz_grades_in_the_static_page(
    page: Any, traffic: Traffic, site_url: str
) -> None:
    watch = Watch(page, traffic)
    page.goto(f"{site_url}/notebooks/glossary.html", wait_until="networkidle")
    question = page.locator(".fsq .fsq-q").first
    check = question.locator(".fsq-check")
    check.wait_for(state="visible")  # the inline script ran and made the quiz answerable
    check.click()
    feedback = question.locator(".fsq-fb")
    page.wait_for_function("e => e.textContent.trim().length > 0", arg=feedback.element_handle())
    watch.check()
