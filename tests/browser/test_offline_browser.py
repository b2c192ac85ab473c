"""Offline: the browser tests' guard catches a request off the machine; the start page
in JupyterLab asks nothing of another host (no news prompt either); HTML exports of the
lessons are single offline files with their formulas and pictures."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from tests.browser.conftest import BIN, NOTEBOOK_OPEN_JS, ROOT, Server, Traffic, is_local


def test_loopback_and_local_schemes_are_local_and_nothing_else_is() -> None:
    for url in ("http://127.0.0.1:8888/lab", "ws://localhost:1/x", "http://[::1]:80/", "data:,x"):
        assert is_local(url), url
    for url in ("https://cdn.jsdelivr.net/npm/x.css", "http://127.0.0.2.example.org/", "//x.org"):
        assert not is_local(url), url


def test_the_guard_records_and_blocks_a_request_to_another_host(
    browser_context: Any, traffic: Traffic
) -> None:
    pg = browser_context.new_page()
    try:
        with pg.expect_event("requestfailed") as failed:
            pg.set_content('<img src="https://cdn.example.org/logo.png">')
        assert failed.value.url == "https://cdn.example.org/logo.png"  # aborted, not sent
    finally:
        pg.close()
    assert traffic.outside == ["https://cdn.example.org/logo.png"]
    traffic.outside.clear()  # caught on purpose: this test is the guard's own check


def test_start_page_in_jupyterlab_is_offline_with_math_and_no_news_prompt(
    lab: Server, page: Any, traffic: Traffic
) -> None:
    url = f"{lab.url}/lab/workspaces/fs-offline/tree/00_start_here.ipynb?reset&token={lab.token}"
    page.goto(url)
    page.wait_for_function(NOTEBOOK_OPEN_JS)
    # The formula of the "Simulated or expected?" section, typeset by the lab's own MathJax.
    page.locator("mjx-container").first.wait_for(state="attached", timeout=60_000)
    assert page.get_by_text("official Jupyter news").count() == 0
    assert traffic.seen, "no request was recorded at all"
    # (the page fixture fails the test if any request left the machine)


def test_html_exports_are_offline_with_math_and_the_dashboards_picture(
    jupyter_home: dict[str, str], page: Any, tmp_path: Path
) -> None:
    """`jupyter nbconvert --to html` with the course's config, opened from disk."""
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    subprocess.run(
        [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--output-dir", str(tmp_path)]
        + [str(nb) for nb in notebooks],
        env=jupyter_home,
        check=True,
        capture_output=True,
    )
    page.goto((tmp_path / "00_start_here.html").as_uri())
    # $\sqrt{n\,p\,(1-p)}$, $n$ and $p$ arrive as MathML, drawn with no script at all
    assert page.locator("math").count() >= 3
    assert page.locator("math msqrt").first.bounding_box()["width"] > 20
    assert page.locator("script[src]").count() == 0
    page.goto((tmp_path / "dashboard.html").as_uri())
    pictures = page.locator("img[src^='data:image/']")
    assert pictures.count() == 1  # the still; the widget's own fallback copy is left out
    picture = pictures.first
    picture.wait_for(state="visible")
    assert picture.evaluate("e => e.complete && e.naturalWidth") > 600  # drawn, not blank
    assert page.locator("script[src]").count() == 0
    # (the page fixture fails the test if any request left the machine)
