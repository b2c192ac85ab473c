"""The bilingual glossary: its data file, its filters and its validation."""

from __future__ import annotations

import re

import pytest

from funnelsim.course import (
    GLOSSARY_COLUMNS,
    LESSONS,
    entries,
    glossary,
    language,
    load_glossary,
)

CYRILLIC = re.compile("[а-яА-ЯёЁ]")
HEADER = ",".join(GLOSSARY_COLUMNS)


def test_lessons_are_the_start_page_and_the_fourteen_lessons_in_order():
    assert len(LESSONS) == 15
    assert LESSONS[0] == "00_start_here"
    assert [int(lesson[:2]) for lesson in LESSONS] == list(range(15))


def test_the_glossary_has_40_to_100_terms_each_in_both_languages():
    table = glossary()
    assert 40 <= len(table) <= 100
    assert table["key"].is_unique
    assert set(table["lesson"]) <= set(LESSONS)
    for column in ("term_ru", "definition_ru"):
        assert table[column].map(lambda s: bool(CYRILLIC.search(s))).all(), column
    assert table["definition"].str.contains("[a-z]{3}", regex=True).all()
    assert (table["definition"] != table["definition_ru"]).all()


@pytest.mark.parametrize(
    "key",
    [
        "aaarrr",
        "lpr",
        "lvr",
        "lfr",
        "champion",
        "cac",
        "ltv",
        "arpu",
        "nps",
        "churn",
        "viral_coefficient",
        "bant",
        "rfm",
        "chasm",
        "cohort",
        "payback",
        "step_conversion",
    ],
)
def test_the_terms_the_course_names_are_there(key):
    assert key in set(glossary()["key"])


def test_filter_by_lesson_and_language():
    en = glossary("08_b2b_buying", lang="en")
    assert list(en.columns) == ["key", "term", "definition", "translation", "lesson"]
    assert set(en["lesson"]) == {"08_b2b_buying"}
    lpr = en.set_index("key").loc["lpr"]
    assert lpr["term"] == "Decision maker (ЛПР)"
    assert lpr["translation"] == "ЛПР (лицо, принимающее решение)"
    ru = glossary("08_b2b_buying", lang="ru").set_index("key")
    assert ru.loc["lpr", "term"] == "ЛПР (лицо, принимающее решение)"
    assert ru.loc["lpr", "translation"] == "Decision maker (ЛПР)"
    assert CYRILLIC.search(ru.loc["champion", "definition"])


def test_until_keeps_every_term_met_so_far_in_course_order():
    so_far = glossary("02_aaarrr_funnel", until=True)
    assert set(so_far["lesson"]) == {"00_start_here", "01_value_proposition", "02_aaarrr_funnel"}
    order = [LESSONS.index(lesson) for lesson in so_far["lesson"]]
    assert order == sorted(order)
    assert len(so_far) == len(
        glossary(["00_start_here", "01_value_proposition", "02_aaarrr_funnel"])
    )


def test_both_languages_by_default():
    assert list(glossary().columns) == [
        "key",
        "term",
        "term_ru",
        "definition",
        "definition_ru",
        "lesson",
    ]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"lesson": "99_nowhere"}, ValueError, r"lesson must be one of .*got '99_nowhere'"),
        ({"lang": "de"}, ValueError, r"lang must be one of \['en', 'ru'\], got 'de'"),
        ({"lang": 1}, TypeError, r"lang must be one of"),
        ({"until": True}, ValueError, r"until=True needs exactly one lesson"),
        ({"lesson": ["00_start_here", "05_retention"], "until": True}, ValueError, "exactly one"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        glossary(**kwargs)


def test_language_follows_the_environment(monkeypatch):
    monkeypatch.delenv("FUNNELSIM_LANG", raising=False)
    assert language() == "en"
    monkeypatch.setenv("FUNNELSIM_LANG", "ru")
    assert language() == "ru"
    assert language("en") == "en"
    monkeypatch.setenv("FUNNELSIM_LANG", "fr")
    with pytest.raises(ValueError, match=r"FUNNELSIM_LANG must be one of .*got 'fr'"):
        language()


def test_entries_in_the_order_asked():
    rows = entries(["ltv", "cac"], lang="en")
    assert [r["key"] for r in rows] == ["ltv", "cac"]
    with pytest.raises(KeyError, match="no glossary term with key 'ltvv'"):
        entries(["ltvv"])


def _write(tmp_path, body):
    path = tmp_path / "my_glossary.csv"
    path.write_text(body, encoding="utf-8")
    return path


GOOD = "churn,Churn rate,отток,05_retention,Share who leave.,Доля ушедших."


def test_a_valid_custom_file_loads(tmp_path):
    table = load_glossary(_write(tmp_path, f"{HEADER}\n{GOOD}\n"))
    assert table.to_dict("records") == [dict(zip(GLOSSARY_COLUMNS, GOOD.split(","), strict=True))]


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("key,term\n", r"my_glossary.csv: the header must be key,term,term_ru"),
        ("", r"my_glossary.csv: the header must be .* got an empty file"),
        (f"{HEADER}\n", r"my_glossary.csv: the glossary has no terms"),
        (f"{HEADER}\nchurn,Churn,отток,05_retention,a, b,c\n", r"row 2: expected 6 fields, got 7"),
        (
            f"{HEADER}\nchurn,Churn,,05_retention,Share.,Доля.\n",
            r"row 2 \(key 'churn'\): field 'term_ru' is empty",
        ),
        (f"{HEADER}\n{GOOD}\n{GOOD}\n", r"row 3 \(key 'churn'\): key repeats the one on row 2"),
        (
            f"{HEADER}\nchurn,Churn,отток,5_retention,Share.,Доля.\n",
            r"row 2 \(key 'churn'\): lesson must be one of .*got '5_retention'",
        ),
    ],
)
def test_a_bad_file_names_the_row_and_the_field(tmp_path, body, match):
    with pytest.raises(ValueError, match=match):
        load_glossary(_write(tmp_path, body))
