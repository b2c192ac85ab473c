"""The course: its ordered lessons, its English–Russian glossary, its quiz banks.

This package holds the course's data, read with ``importlib.resources``: the
glossary ``glossary.csv`` and one question bank per lesson,
``quizzes/<lesson>.toml`` (read by :mod:`funnelsim.quiz`). The code here is the
lesson list (:data:`LESSONS`), the language setting (:func:`language`) and the
glossary (:func:`glossary`). (The glossary lives in this package rather than in a
``funnelsim.glossary`` module so that ``fs.glossary`` can be the function: a
submodule of that name would replace it on the package as soon as it is imported.)

The glossary is a data file, ``funnelsim/course/glossary.csv`` (UTF-8, one row
per term), so an instructor can edit it in a spreadsheet without touching
Python. Each row has a stable ``key`` (what quizzes and lessons refer to), the
``term`` in English and Russian, a definition in both languages written for this
course, and the ``lesson`` that introduces the term (one of :data:`LESSONS`). The
Russian terms are the ones students meet in the Russian-language source material
of the course.

The file is validated when it is read: an error names the file, the row and the
field (``glossary.csv, row 7 (key 'cac'): lesson must be one of [...]``).

The language of the course is chosen by :func:`language`: an explicit ``lang``
argument, else the ``FUNNELSIM_LANG`` environment variable, else English.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported by the functions that build frames
    import pandas as pd

__all__ = [
    "GLOSSARY_COLUMNS",
    "LANGUAGES",
    "LESSONS",
    "LESSON_TITLES",
    "entries",
    "glossary",
    "language",
    "load_glossary",
]

#: The languages every piece of course text comes in; the first is the default.
LANGUAGES: tuple[str, ...] = ("en", "ru")

#: Lesson id -> English title, in course order (the start page, then issues 12 and 13).
LESSON_TITLES: Mapping[str, str] = MappingProxyType(
    {
        "00_start_here": "Start here: how this course works",
        "01_value_proposition": "Value proposition and Beckhard's formula",
        "02_aaarrr_funnel": "The AAARRR funnel",
        "03_awareness_acquisition": "Awareness and Acquisition",
        "04_activation": "Activation",
        "05_retention": "Retention",
        "06_unit_economics": "Revenue and unit economics",
        "07_referral": "Referral and virality",
        "08_b2b_buying": "The B2B buying committee and Trigger → Learn → Try → Buy",
        "09_sales_funnel": "The activation strategy and the sales funnel",
        "10_customers_from_data": "Customers from data (RFM)",
        "11_abm_bant": "ABM and BANT",
        "12_product_life_cycle": "The product life cycle and value migration",
        "13_b2b_marketing": "Running B2B marketing",
        "14_capstone": "Capstone: a go-to-market defended with the simulator",
    }
)

#: The lesson ids in course order; notebooks are named ``<lesson id>.ipynb``.
LESSONS: tuple[str, ...] = tuple(LESSON_TITLES)

#: The columns of the glossary file, in order.
GLOSSARY_COLUMNS: tuple[str, ...] = (
    "key",
    "term",
    "term_ru",
    "lesson",
    "definition",
    "definition_ru",
)


def language(lang: str | None = None) -> str:
    """The course language: ``lang`` if given, else ``$FUNNELSIM_LANG``, else ``"en"``.

    Parameters
    ----------
    lang : {"en", "ru"} or None
        An explicit choice wins over the environment.

    Returns
    -------
    str
        ``"en"`` or ``"ru"``.

    Raises
    ------
    ValueError
        If ``lang`` (or the environment variable) is not one of :data:`LANGUAGES`.

    Examples
    --------
    >>> language("ru")
    'ru'
    """
    if lang is None:
        env = os.environ.get("FUNNELSIM_LANG", "").strip()
        if not env:
            return LANGUAGES[0]
        if env not in LANGUAGES:
            raise ValueError(
                f"environment variable FUNNELSIM_LANG must be one of {list(LANGUAGES)}, got {env!r}"
            )
        return env
    if not isinstance(lang, str):
        raise TypeError(f"lang must be one of {list(LANGUAGES)}, got {lang!r}")
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {list(LANGUAGES)}, got {lang!r}")
    return lang


def load_glossary(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read and validate a glossary file (the course's own when ``path`` is None).

    Parameters
    ----------
    path : path-like, optional
        A UTF-8 CSV file with the header :data:`GLOSSARY_COLUMNS`.

    Returns
    -------
    pandas.DataFrame
        One row per term, columns :data:`GLOSSARY_COLUMNS`, in file order.

    Raises
    ------
    ValueError
        If the header differs, a field is empty, a key repeats, or a lesson is not
        one of :data:`LESSONS`; the message names the file, the row and the field.
    FileNotFoundError
        If ``path`` does not exist.
    """
    if path is None:
        return _course_glossary().copy()
    p = Path(path)
    return _parse(p.read_text(encoding="utf-8"), p.name)


@cache
def _course_glossary() -> pd.DataFrame:
    text = resources.files("funnelsim.course").joinpath("glossary.csv").read_text("utf-8")
    return _parse(text, "glossary.csv")


def _parse(text: str, source: str) -> pd.DataFrame:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(header) != GLOSSARY_COLUMNS:
        raise ValueError(
            f"{source}: the header must be {','.join(GLOSSARY_COLUMNS)}, got "
            f"{','.join(header) if header else 'an empty file'}"
        )
    rows: list[list[str]] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(reader, start=2):  # row 1 is the header
        if not row:
            continue
        where = f"{source}, row {number}"
        if len(row) != len(GLOSSARY_COLUMNS):
            raise ValueError(
                f"{where}: expected {len(GLOSSARY_COLUMNS)} fields, got {len(row)} "
                "(a comma inside an unquoted field?)"
            )
        row = [field.strip() for field in row]
        key = row[0]
        where = f"{where} (key {key!r})"
        for column, field in zip(GLOSSARY_COLUMNS, row, strict=True):
            if not field:
                raise ValueError(f"{where}: field {column!r} is empty")
        if key in seen:
            raise ValueError(f"{where}: key repeats the one on row {seen[key]}")
        seen[key] = number
        lesson = row[GLOSSARY_COLUMNS.index("lesson")]
        if lesson not in LESSON_TITLES:
            raise ValueError(f"{where}: lesson must be one of {list(LESSONS)}, got {lesson!r}")
        rows.append(row)
    if not rows:
        raise ValueError(f"{source}: the glossary has no terms")
    import pandas as pd

    return pd.DataFrame(rows, columns=list(GLOSSARY_COLUMNS))


def glossary(
    lesson: str | Iterable[str] | None = None,
    *,
    lang: str | None = None,
    until: bool = False,
) -> pd.DataFrame:
    """The course glossary as a table, optionally for some lessons and one language.

    Parameters
    ----------
    lesson : str or iterable of str, optional
        Keep the terms introduced in this lesson (or these lessons); ids from
        :data:`LESSONS`. All terms when omitted.
    lang : {"en", "ru"} or None
        ``None`` (the default) keeps both languages: columns ``key, term, term_ru,
        definition, definition_ru, lesson``. ``"en"`` or ``"ru"`` gives ``key, term,
        definition, translation, lesson`` in that language, ``translation`` being the
        term in the other language. Use :func:`language` for the course-wide setting.
    until : bool, default False
        With a single ``lesson``, keep every term introduced up to and including
        it: the vocabulary a student has met by then.

    Returns
    -------
    pandas.DataFrame
        One row per term in course order (lesson, then file order), index from 0.

    Raises
    ------
    ValueError
        If a lesson id is unknown, ``lang`` is not a course language, or ``until``
        is given without exactly one lesson.

    Examples
    --------
    >>> table = glossary("08_b2b_buying", lang="en")
    >>> table.set_index("key").loc["lpr", "translation"]
    'ЛПР (лицо, принимающее решение)'
    """
    table = _course_glossary()
    if lang is not None:
        lang = language(lang)
    if lesson is not None:
        wanted = [lesson] if isinstance(lesson, str) else list(lesson)
        for item in wanted:
            if not isinstance(item, str) or item not in LESSON_TITLES:
                raise ValueError(f"lesson must be one of {list(LESSONS)}, got {item!r}")
        if until:
            if len(wanted) != 1:
                raise ValueError(f"until=True needs exactly one lesson, got {wanted!r}")
            wanted = list(LESSONS[: LESSONS.index(wanted[0]) + 1])
        table = table[table["lesson"].isin(wanted)]
    elif until:
        raise ValueError("until=True needs exactly one lesson, got lesson=None")
    order = table["lesson"].map(LESSONS.index)
    table = table.assign(_order=order).sort_values("_order", kind="stable").drop(columns="_order")
    if lang is None:
        columns = ["key", "term", "term_ru", "definition", "definition_ru", "lesson"]
        return table[columns].reset_index(drop=True)
    other = "en" if lang == "ru" else "ru"
    import pandas as pd

    return pd.DataFrame(
        {
            "key": table["key"],
            "term": table[_column("term", lang)],
            "definition": table[_column("definition", lang)],
            "translation": table[_column("term", other)],
            "lesson": table["lesson"],
        }
    ).reset_index(drop=True)


def _column(field: str, lang: str) -> str:
    return field if lang == "en" else f"{field}_{lang}"


def entries(keys: Iterable[str], *, lang: str | None = None) -> list[dict[str, Any]]:
    """Glossary rows for ``keys``, in the order given (what quizzes draw terms from).

    Parameters
    ----------
    keys : iterable of str
        Glossary keys (the ``key`` column).
    lang : {"en", "ru"} or None
        As for :func:`glossary`.

    Returns
    -------
    list of dict
        One mapping column -> value per key.

    Raises
    ------
    KeyError
        If a key is not in the glossary; the message lists the known keys.
    """
    table = glossary(lang=lang).set_index("key", drop=False)
    out = []
    for key in keys:
        if key not in table.index:
            raise KeyError(f"no glossary term with key {key!r}; known keys: {sorted(table.index)}")
        out.append({str(k): v for k, v in table.loc[key].items()})
    return out
