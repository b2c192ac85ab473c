"""The script-only quiz of a page without a kernel (``funnelsim.quiz.to_html``), in Chromium.

It used to live in ``tests/test_quiz.py`` with the ``browser`` mark, which ``make unit``
leaves out and ``make browser`` (this folder only) never collected: it ran nowhere. Here
it runs with the other browser tests, on their shared Chromium (no browser start of its own).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from funnelsim import quiz
from funnelsim.quiz import bank as qb
from tests.browser.conftest import Traffic


@pytest.fixture(scope="module")
def start() -> qb.Quiz:
    return quiz.load_quiz("00_start_here")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_static_quiz_grades_in_a_browser_and_asks_no_other_host(
    start: qb.Quiz, tmp_path: Path, lang: str, page: Any, traffic: Traffic
) -> None:
    page_file = tmp_path / "quiz.html"
    page_file.write_text(
        "<!doctype html><html><head><meta charset='utf-8'></head><body>"
        + quiz.to_html(start, lang=lang)
        + "</body></html>",
        encoding="utf-8",
    )
    right, partly = ("Correct.", "Partly right.") if lang == "en" else ("Верно.", "Частично верно.")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(page_file.as_uri())
    questions = page.locator("li.fsq-q")
    assert questions.count() == len(start)
    for i, q in enumerate(start.questions):
        li = questions.nth(i)
        answer = q.solution(seed=quiz.EXAMPLE_SEED)
        if q.id == "halve-activation":
            answer = answer[:1]  # half the right ticks: partial credit
        if isinstance(q, qb.SingleChoice):
            li.locator(f"input[value='{answer}']").check()
        elif isinstance(q, qb.MultipleChoice):
            for k in answer:
                li.locator(f"input[value='{k}']").check()
        elif isinstance(q, qb.Numeric):
            li.locator("input").fill(str(answer).replace(".", ","))
        else:
            for select, value in zip(li.locator("select").all(), answer, strict=True):
                select.select_option(str(value))
        li.locator("button.fsq-check").click()
        feedback = li.locator(".fsq-fb").inner_text()
        expected = partly if q.id == "halve-activation" else right
        assert feedback.startswith(expected), (q.id, feedback)
    score = page.locator(".fsq-score").inner_text()
    assert score.endswith(f"{len(start) - 0.5:g} / {len(start)}")
    assert errors == []
    assert traffic.seen == [page_file.as_uri()]  # nothing from any other host
