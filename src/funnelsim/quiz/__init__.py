"""Quizzes that grade, explain, and record a student's progress.

A lesson ends with ``quiz.show("05_retention")``: the questions of that lesson's
bank (``funnelsim/course/quizzes/<lesson>.toml``, see :mod:`funnelsim.quiz.bank`
for the format) appear as widgets that give instant feedback saying why, allow
retries and keep a score; every checked answer is appended to the student's
progress file (:mod:`funnelsim.quiz.progress`); an instructor gathers a class's
files into one table with :func:`gather_progress` (or ``main``, for the command
line). Without a kernel the same output shows a static quiz that checks answers
in the browser (:mod:`funnelsim.quiz.static`).

Why our own module and not a library: jupyterquiz (instant feedback, works on a
static page) neither records answers nor grades them in Python, and has no
ordering, matching or classification questions; nbgrader has no multiple choice
in core and its widgets hang grading; otter-grader grades code cells, not
questions, and seeds numpy's legacy global state. None takes a numeric answer
from the student's own seeded simulation with a tolerance from its standard
error. What this module needs beyond them is small: TOML (``tomllib``), JSON
Lines, ipywidgets and a page of JavaScript.

>>> from funnelsim import quiz
>>> bank = quiz.load_quiz("00_start_here")
>>> q = bank["reach-meaning"]
>>> q.grade(q.solution(), lang="en").correct
True
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._io import atomic_write
from ..cli import add_progress_arguments
from ..course import LESSON_TITLES, entries, glossary, language
from .bank import (
    AAARRR_ORDER,
    QUESTION_TYPES,
    SIMULATION_FUNNELS,
    Grade,
    Matching,
    Numeric,
    Question,
    Quiz,
    Text,
    load_quiz,
    parse_quiz,
)
from .progress import (
    PROGRESS_COLUMNS,
    gather_progress,
    progress,
    progress_dir,
    progress_file,
    record_attempt,
    score_table,
    student_id,
    student_seed,
)
from .static import EXAMPLE_SEED, to_html, to_text

__all__ = [
    "AAARRR_ORDER",
    "EXAMPLE_SEED",
    "PROGRESS_COLUMNS",
    "QUESTION_TYPES",
    "SIMULATION_FUNNELS",
    "Grade",
    "Question",
    "Quiz",
    "StaticQuiz",
    "Text",
    "add_progress_arguments",
    "check",
    "gather_progress",
    "glossary_quiz",
    "load_quiz",
    "main",
    "matching_from_glossary",
    "parse_quiz",
    "progress",
    "progress_dir",
    "progress_file",
    "run_progress",
    "score_table",
    "show",
    "student_id",
    "student_seed",
    "to_html",
    "to_text",
]


def _as_quiz(lesson: str | os.PathLike[str] | Quiz) -> Quiz:
    return lesson if isinstance(lesson, Quiz) else load_quiz(lesson)


def _seed(seed: Any) -> int | None:
    from .._validation import check_int  # numpy: only when a seed is given

    return None if seed is None else check_int("seed", seed, low=0)


class StaticQuiz:
    """A quiz shown without widgets (ipywidgets missing): the static page and text."""

    def __init__(self, quiz: Quiz, *, lang: str | None = None) -> None:
        self.quiz = quiz
        self.lang = language(lang)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, str]:
        return {
            "text/html": to_html(self.quiz, lang=self.lang),
            "text/plain": to_text(self.quiz, lang=self.lang),
        }


def show(
    lesson: str | os.PathLike[str] | Quiz,
    *,
    lang: str | None = None,
    seed: int | None = None,
    path: str | os.PathLike[str] | None = None,
    record: bool = True,
) -> Any:
    """A lesson's quiz for the notebook: widgets when a kernel runs, a static quiz otherwise.

    Parameters
    ----------
    lesson : str, path-like or Quiz
        A lesson id (``"00_start_here"``), the path of a bank, or a :class:`Quiz`.
    lang : {"en", "ru"} or None
        The language; None follows ``$FUNNELSIM_LANG``, else English.
    seed : int or None, keyword-only
        The student's seed for answers taken from their own simulation; None
        uses :func:`student_seed`.
    path : path-like or None
        The progress file; :func:`progress_file` by default.
    record : bool
        Whether checked answers are appended to the progress file.

    Returns
    -------
    QuizView or StaticQuiz
        Display it (make it a cell's last expression). ``QuizView`` needs
        ipywidgets (the ``notebooks`` extra); without it a :class:`StaticQuiz`.

    Raises
    ------
    ValueError, FileNotFoundError
        From :func:`load_quiz`, or a bad ``lang`` or ``seed``.
    """
    bank = _as_quiz(lesson)
    lang = language(lang)
    seed = _seed(seed)
    try:
        from .widget import QuizView
    except ImportError:  # pragma: no cover - the notebooks extra is not installed
        return StaticQuiz(bank, lang=lang)
    return QuizView(bank, lang=lang, seed=seed, path=path, record=record)


def check(
    lesson: str | os.PathLike[str] | Quiz,
    question: str,
    answer: Any,
    *,
    lang: str | None = None,
    seed: int | None = None,
    path: str | os.PathLike[str] | None = None,
    record: bool = True,
) -> Grade:
    """Grade one answer without widgets (and record it, like the Check button).

    Parameters
    ----------
    lesson : str, path-like or Quiz
        As for :func:`show`.
    question : str
        The question's id.
    answer
        In the form the question type takes, referring to choices and items
        in the order they are shown and **counting from 0** (the first option
        shown is 0): single choice, one index (``1``); multiple choice, a list of
        indices (``[0, 2]``); numeric, a number or text such as ``"12,5"``;
        ordering, the shown items' indices in your order (``[2, 0, 1]``);
        matching, for each left-hand entry the index of its right-hand side
        (A = 0, B = 1, ...); classification, for each item the index of its
        category. The quiz widget in a notebook builds these for you.
    lang, seed, path, record
        As for :func:`show`.

    Returns
    -------
    Grade
        ``correct``, ``score`` in [0, 1] and the ``feedback`` text.

    Raises
    ------
    KeyError
        If the quiz has no such question.
    TypeError, ValueError
        If ``answer`` does not fit the question type.
    """
    bank = _as_quiz(lesson)
    q = bank[question]
    lang = language(lang)
    simulated = isinstance(q, Numeric) and q.simulation is not None
    seed = _seed(seed)
    if simulated and seed is None:
        seed = student_seed()
    grade = q.grade(answer, lang=lang, seed=seed)
    if record:
        record_attempt(
            lesson=bank.lesson,
            question=q.id,
            answer=answer,
            grade=grade,
            seed=seed if simulated else None,
            lang=lang,
            path=path,
        )
    return grade


def matching_from_glossary(
    keys: Sequence[str] | None = None,
    *,
    lesson: str | None = None,
    until: bool = False,
    n: int = 4,
    seed: Any = None,
    question_id: str | None = None,
) -> Matching:
    """A matching question, term ↔ definition, drawn from the glossary.

    Parameters
    ----------
    keys : sequence of str, optional
        The glossary keys to match. Without them, ``n`` terms of ``lesson`` are
        drawn at random.
    lesson : str, optional
        The lesson whose terms are drawn (any lesson when omitted).
    until : bool, default False
        Draw from every lesson up to and including ``lesson``
        (:func:`funnelsim.course.glossary`).
    n : int, default 4
        How many terms to draw (at least 2).
    seed : int, numpy Generator or None, keyword-only
        Which terms are drawn (:func:`funnelsim._random.as_generator`).
    question_id : str, optional
        Defaults to ``"glossary-"`` plus the keys.

    Returns
    -------
    Matching

    Raises
    ------
    ValueError
        If fewer than 2 terms are asked for or the lesson has fewer than ``n``.
    KeyError
        If a key is not in the glossary.
    """
    if keys is None:
        from .._random import as_generator
        from .._validation import check_int

        n = check_int("n", n, low=2)
        pool = glossary(lesson, until=until)["key"].tolist()
        if len(pool) < n:
            raise ValueError(f"n must be at most {len(pool)} (the terms of {lesson!r}), got {n}")
        rng = as_generator(seed)
        keys = [pool[i] for i in sorted(rng.choice(len(pool), size=n, replace=False))]
    keys = list(keys)
    if len(keys) < 2:
        raise ValueError(f"keys must name at least 2 glossary terms, got {keys!r}")
    rows = entries(keys)
    return Matching(
        id=question_id or "glossary-" + "-".join(keys),
        text=Text(
            "Match each term with its definition.",
            "Сопоставьте каждый термин с его определением.",
        ),
        pairs=tuple(
            (Text(r["term"], r["term_ru"]), Text(r["definition"], r["definition_ru"])) for r in rows
        ),
    )


def glossary_quiz(lesson: str, *, n: int = 4, seed: Any = None) -> Quiz:
    """A one-question practice quiz: match ``n`` glossary terms met by ``lesson``.

    The terms are drawn from every lesson up to and including ``lesson``, so
    every lesson has enough of them and earlier terms come back for review.

    Parameters
    ----------
    lesson : str
        A lesson id from :data:`funnelsim.course.LESSONS`.
    n : int, default 4
        Terms to match (at least 2, at most the terms met so far).
    seed : int, numpy Generator or None, keyword-only
        Which terms are drawn.

    Returns
    -------
    Quiz
    """
    if lesson not in LESSON_TITLES:
        raise ValueError(f"lesson must be one of {list(LESSON_TITLES)}, got {lesson!r}")
    question = matching_from_glossary(lesson=lesson, until=True, n=n, seed=seed)
    title = Text(
        f"Glossary practice: {LESSON_TITLES[lesson]}",
        f"Тренировка по глоссарию: урок {lesson[:2]}",
    )
    return Quiz(lesson=lesson, title=title, questions=(question,), source="glossary")


def run_progress(args: argparse.Namespace) -> int:
    """Run ``funnelsim progress`` on parsed arguments; returns the exit status.

    Prints the table of every attempt (or, with ``--summary``, one row per
    student and lesson from :func:`score_table`), or writes it as CSV with
    ``-o FILE`` (to a temporary file first, then renamed into place). Without
    paths it reads the student's own progress folder (:func:`progress_dir`); a
    folder not made yet means no attempts. A missing path given by name is exit
    status 2 with one line on stderr.
    """
    paths = list(args.paths)
    if not paths:
        own = progress_dir()
        if not own.exists():
            print(f"no attempts recorded (no progress folder {own} yet)")
            return 0
        paths = [own]
    try:
        table = gather_progress(paths)
    except FileNotFoundError as exc:
        print(f"funnelsim progress: {exc}", file=sys.stderr)
        return 2
    if args.summary:
        table = score_table(table)
    if args.output is None:
        print(table.to_string(index=False) if len(table) else "no attempts recorded")
        return 0
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, lambda path: table.to_csv(path, index=False))
    print(f"wrote {len(table)} rows to {out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``funnelsim progress [PATH...]``: a class's progress files as one table.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments; default ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status (:func:`run_progress`).
    """
    parser = argparse.ArgumentParser(
        prog="funnelsim progress",
        description="Gather students' quiz progress files (JSON Lines) into one table.",
    )
    return run_progress(add_progress_arguments(parser).parse_args(argv))


def __getattr__(name: str) -> Any:
    if name == "QuizView":
        from .widget import QuizView

        return QuizView
    raise AttributeError(f"module 'funnelsim.quiz' has no attribute {name!r}")
