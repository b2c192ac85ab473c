"""Tests of funnelsim.course.course_map and notebooks/course_map.ipynb."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from funnelsim.course import LESSON_TITLES, LESSONS
from funnelsim.course.course_map import (
    broken_links,
    course_map,
    course_map_markdown,
    load_lessons,
)

ROOT = Path(__file__).resolve().parents[1]
MAP = ROOT / "notebooks" / "course_map.ipynb"


def test_every_lesson_is_on_the_map_in_order_with_its_title():
    table = course_map()
    lessons = table[table["kind"] == "lesson"]
    assert tuple(lessons["id"]) == LESSONS
    assert list(lessons["title"]) == [LESSON_TITLES[i] for i in LESSONS]
    assert (table["minutes"] > 0).all()
    assert all(len(o) >= 1 for o in table["objectives"])
    assert "glossary" in set(table.loc[table["kind"] == "appendix", "id"])


def test_every_link_of_the_data_points_at_a_notebook_or_is_coming():
    assert broken_links(ROOT) == []
    for e in load_lessons():
        if not e.coming:
            assert (ROOT / "notebooks" / e.notebook).is_file(), e.id


def test_no_existing_notebook_is_marked_coming():
    for e in load_lessons():
        if e.coming:
            assert not (ROOT / "notebooks" / e.notebook).exists(), (
                f"notebooks/{e.notebook} exists: remove 'coming = true' for {e.id!r} in "
                "src/funnelsim/course/lessons.toml and re-execute notebooks/course_map.ipynb"
            )


def _rendered_links() -> list[str]:
    cells = json.loads(MAP.read_text(encoding="utf-8"))["cells"]
    text = "".join("".join(c["source"]) if c["cell_type"] == "markdown" else "" for c in cells)
    for c in cells:
        for o in c.get("outputs", []):
            text += "".join(o.get("data", {}).get("text/markdown", ""))
    return re.findall(r"\]\(([^)]+)\)", text)


def test_every_link_in_the_committed_map_works():
    links = _rendered_links()
    assert "00_start_here.ipynb" in links
    for link in links:
        assert (MAP.parent / link).resolve().is_file(), link
    coming = [e for e in load_lessons() if e.coming]
    assert coming, "when no lesson is coming, keep this test honest with another check"
    for e in coming:
        assert e.notebook not in links


def test_markdown_shows_coming_lessons_without_links():
    text = course_map_markdown()
    coming = next(e for e in load_lessons() if e.coming)  # lessons become ready one by one
    assert f"*{coming.id[:2]}. {coming.title}* (coming)" in text
    assert f"({coming.id}.ipynb)" not in text
    assert "[00. Start here: how this course works](00_start_here.ipynb)" in text
    only_ready = course_map_markdown(coming=False, appendices=False)
    assert "(coming)" not in only_ready and "## Appendices" not in only_ready
    assert len(course_map(coming=False)) == sum(not e.coming for e in load_lessons())


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lessons.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _lessons_toml(**override: str) -> str:
    parts = []
    for ident in LESSONS:
        body = override.get(ident, 'minutes = 20\nobjectives = ["x"]')
        parts.append(f'[[lesson]]\nid = "{ident}"\n{body}\n')
    return "\n".join(parts)


def test_a_valid_file_loads(tmp_path):
    entries = load_lessons(_write(tmp_path, _lessons_toml()))
    assert [e.id for e in entries] == list(LESSONS)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"04_activation": 'minutes = 0\nobjectives = ["x"]'},
            r"lesson 5 \('04_activation'\): field 'minutes'",
        ),
        (
            {"04_activation": "minutes = 20\nobjectives = []"},
            "field 'objectives' must be a non-empty list",
        ),
        (
            {"04_activation": 'minutes = 20\nobjectives = ["x"]\ncoming = "yes"'},
            "field 'coming' must be true or false",
        ),
        (
            {"04_activation": 'minutes = 20\nobjectives = ["x"]\ntitle = "T"'},
            "comes from funnelsim.course.LESSON_TITLES",
        ),
        (
            {"04_activation": 'minutes = 20\nobjectives = ["x"]\ntime = 3'},
            r"unknown field\(s\) \['time'\]",
        ),
    ],
)
def test_bad_fields_are_named(tmp_path, override, message):
    with pytest.raises(ValueError, match=message):
        load_lessons(_write(tmp_path, _lessons_toml(**override)))


def test_the_lesson_list_must_be_the_course_s(tmp_path):
    text = _lessons_toml().replace('id = "14_capstone"', 'id = "15_extra"')
    with pytest.raises(ValueError, match=r"missing \['14_capstone'\], unknown \['15_extra'\]"):
        load_lessons(_write(tmp_path, text))
    with pytest.raises(ValueError, match="not valid TOML"):
        load_lessons(_write(tmp_path, "[[lesson]\n"))
