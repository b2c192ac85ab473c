"""The course map: every lesson and appendix with its objectives, time and links.

One data source, ``funnelsim/course/lessons.toml`` (read with :mod:`tomllib`, validated on
load with errors naming the file, the entry and the field). Lesson ids and titles are
:data:`funnelsim.course.LESSONS` / :data:`funnelsim.course.LESSON_TITLES`, not repeated in
the file; an entry marked ``coming = true`` is a notebook that does not exist yet, shown
without a link. ``notebooks/course_map.ipynb`` renders :func:`course_map_markdown`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

from funnelsim.course import LESSON_TITLES, LESSONS

__all__ = ["Entry", "broken_links", "course_map", "course_map_markdown", "load_lessons"]

_EXERCISES_DIR = "../exercises/student"


@dataclass(frozen=True)
class Entry:
    """One lesson or appendix of the course map."""

    #: The notebook's file name without ``.ipynb``.
    id: str
    #: ``"lesson"`` or ``"appendix"``.
    kind: str
    #: The title shown on the map.
    title: str
    #: Minutes a newcomer needs.
    minutes: int
    #: "After this lesson you can ..." items.
    objectives: tuple[str, ...]
    #: Whether the notebook is still to be written (shown without a link).
    coming: bool = False
    #: The exercise id (``exercises/student/<id>.ipynb``), if the lesson has one.
    exercise: str | None = None

    @property
    def notebook(self) -> str:
        """The notebook's file name, relative to ``notebooks/``."""
        return f"{self.id}.ipynb"


_FIELDS = {"id", "minutes", "objectives", "coming", "exercise", "title"}


def _entry(raw: Any, kind: str, index: int, source: str) -> Entry:
    where = f"{source}, {kind} {index + 1}"
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected a table, got {raw!r}")
    ident = raw.get("id")
    if not isinstance(ident, str) or not ident:
        raise ValueError(f"{where}: field 'id' must be a non-empty string, got {ident!r}")
    where = f"{where} ({ident!r})"
    unknown = set(raw) - _FIELDS
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {sorted(unknown)}; known: {sorted(_FIELDS)}")
    if kind == "lesson":
        if "title" in raw:
            raise ValueError(f"{where}: field 'title' comes from funnelsim.course.LESSON_TITLES")
        title = LESSON_TITLES.get(ident, "")
    else:
        raw_title = raw.get("title")
        if not isinstance(raw_title, str) or not raw_title.strip():
            raise ValueError(
                f"{where}: field 'title' must be a non-empty string, got {raw_title!r}"
            )
        title = raw_title
    minutes = raw.get("minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 240:
        raise ValueError(
            f"{where}: field 'minutes' must be an integer in [1, 240], got {minutes!r}"
        )
    objectives = raw.get("objectives")
    if (
        not isinstance(objectives, list)
        or not objectives
        or not all(isinstance(o, str) and o.strip() for o in objectives)
    ):
        raise ValueError(
            f"{where}: field 'objectives' must be a non-empty list of strings, got {objectives!r}"
        )
    coming = raw.get("coming", False)
    if not isinstance(coming, bool):
        raise ValueError(f"{where}: field 'coming' must be true or false, got {coming!r}")
    exercise = raw.get("exercise")
    if exercise is not None and (not isinstance(exercise, str) or not exercise):
        raise ValueError(f"{where}: field 'exercise' must be an exercise id, got {exercise!r}")
    return Entry(ident, kind, title, minutes, tuple(objectives), coming, exercise)


def load_lessons(path: str | os.PathLike[str] | None = None) -> tuple[Entry, ...]:
    """Read and validate a lessons file (the course's own when ``path`` is None).

    Returns
    -------
    tuple of Entry
        The lessons in course order, then the appendices in file order.

    Raises
    ------
    ValueError
        If the lessons are not exactly :data:`funnelsim.course.LESSONS` in order, or a
        field is missing or malformed; the message names the file, the entry and the field.
    """
    if path is None:
        return _course_lessons()
    p = Path(path)
    return _parse(p.read_text(encoding="utf-8"), p.name)


@cache
def _course_lessons() -> tuple[Entry, ...]:
    text = resources.files("funnelsim.course").joinpath("lessons.toml").read_text("utf-8")
    return _parse(text, "lessons.toml")


def _parse(text: str, source: str) -> tuple[Entry, ...]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{source}: not valid TOML: {err}") from None
    unknown = set(data) - {"lesson", "appendix"}
    if unknown:
        raise ValueError(
            f"{source}: unknown table(s) {sorted(unknown)}; use [[lesson]], [[appendix]]"
        )
    lessons = [_entry(r, "lesson", i, source) for i, r in enumerate(data.get("lesson", []))]
    appendices = [_entry(r, "appendix", i, source) for i, r in enumerate(data.get("appendix", []))]
    ids = tuple(e.id for e in lessons)
    if ids != LESSONS:
        missing = [i for i in LESSONS if i not in ids]
        extra = [i for i in ids if i not in LESSONS]
        raise ValueError(
            f"{source}: the lessons must be funnelsim.course.LESSONS in order; "
            f"missing {missing}, unknown {extra}"
            + ("" if missing or extra else ", the order differs")
        )
    seen = set(ids)
    for e in appendices:
        if e.id in seen:
            raise ValueError(f"{source}: appendix {e.id!r} repeats an id")
        seen.add(e.id)
    return (*lessons, *appendices)


def course_map(*, coming: bool = True, appendices: bool = True) -> pd.DataFrame:
    """The course map as a table: one row per lesson (and appendix).

    Parameters
    ----------
    coming : bool
        Keep lessons not written yet.
    appendices : bool
        Keep the appendices.

    Returns
    -------
    pandas.DataFrame
        Columns ``id, kind, title, minutes, objectives, notebook, exercise, coming``;
        ``notebook`` is the link relative to ``notebooks/`` (None while coming),
        ``objectives`` a tuple of strings.
    """
    rows = [
        {
            "id": e.id,
            "kind": e.kind,
            "title": e.title,
            "minutes": e.minutes,
            "objectives": e.objectives,
            "notebook": None if e.coming else e.notebook,
            "exercise": e.exercise,
            "coming": e.coming,
        }
        for e in load_lessons()
        if (coming or not e.coming) and (appendices or e.kind == "lesson")
    ]
    import pandas as pd

    return pd.DataFrame(rows)


def course_map_markdown(*, coming: bool = True, appendices: bool = True) -> str:
    """The course map as Markdown (links relative to ``notebooks/``), for the map notebook."""
    out = []
    entries = [
        e for e in load_lessons() if (coming or not e.coming) and (appendices or e.kind == "lesson")
    ]
    lessons = [e for e in entries if e.kind == "lesson"]
    ready = [e for e in lessons if not e.coming]
    total = sum(e.minutes for e in lessons)
    out.append(
        f"**{len(lessons)} lessons listed, {len(ready)} ready**, about {total // 60} h "
        f"{total % 60:02d} min in all."
    )
    heading = None
    for e in entries:
        if e.kind != heading:
            heading = e.kind
            out.append("\n## " + ("Lessons" if e.kind == "lesson" else "Appendices"))
        number = f"{e.id[:2]}. " if e.kind == "lesson" else ""
        name = f"{number}{e.title}"
        head = f"*{name}* (coming)" if e.coming else f"[{name}]({e.notebook})"
        lines = [f"\n### {head} — {e.minutes} min\n", "After it you can:\n"]
        lines += [f"- {o}" for o in e.objectives]
        if e.exercise:
            lines.append(f"- exercise: [{e.exercise}]({_EXERCISES_DIR}/{e.exercise}.ipynb)")
        out.append("\n".join(lines))
    return "\n".join(out) + "\n"


def broken_links(root: str | os.PathLike[str]) -> list[str]:
    """Links of the map under repository ``root`` that point at no file.

    Checks every entry not marked coming (``notebooks/<id>.ipynb``) and every exercise
    (``exercises/student/<exercise>.ipynb``). Returns the missing paths, relative to
    ``root``; empty when every link works.
    """
    base = Path(root)
    missing = []
    for e in load_lessons():
        if not e.coming and not (base / "notebooks" / e.notebook).is_file():
            missing.append(f"notebooks/{e.notebook}")
        if e.exercise and not (base / "exercises" / "student" / f"{e.exercise}.ipynb").is_file():
            missing.append(f"exercises/student/{e.exercise}.ipynb")
    return missing
