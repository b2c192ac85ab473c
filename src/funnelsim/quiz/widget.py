"""A quiz in a live notebook or Voila: ipywidgets, graded in Python, progress recorded.

:class:`QuizView` shows every question with its own input, a *Check* button and
a feedback line that says why; the student may change the answer and check again
as often as they like, and the score (the sum of each question's best score) is
updated at once. Every check is graded by :meth:`funnelsim.quiz.bank.Question.grade`
and appended to the student's progress file.

Its display bundle carries the widget **and** the static quiz
(:func:`funnelsim.quiz.static.to_html`) and a plain-text form: JupyterLab and
Voila show the widget (their widget renderer ranks first); a viewer without a
kernel or without the widget state (GitHub, nbviewer, ``nbconvert --to html``,
myst-nb) falls back to the static quiz, never to a broken widget.
"""

from __future__ import annotations

import html
import os
import re
import warnings
from typing import Any

import ipywidgets as w

from ..course import language
from .bank import (
    UI,
    Classification,
    Grade,
    Matching,
    MultipleChoice,
    Numeric,
    Ordering,
    Question,
    Quiz,
    SingleChoice,
    fill,
    parse_number,
)
from .progress import record_attempt
from .static import markup, to_html, to_text

__all__ = ["QuizView"]

_COLOURS = {"ok": "#1a7f37", "part": "#9a6700", "no": "#b42318"}


class _Incomplete(Exception):
    """The student has not answered every part of a question."""


def plain(text: str) -> str:
    """``text`` without the bank's ``code`` and **bold** marks (for widget labels)."""
    return re.sub(r"\*\*([^*]+)\*\*", r"\1", text).replace("`", "")


class _Row:
    """One question: its inputs, its Check button and its feedback line."""

    def __init__(self, view: QuizView, question: Question, number: int) -> None:
        self.view, self.q = view, question
        lang = view.lang
        prompt = markup(question.prompt(view.seed)(lang))
        self.feedback = w.HTML()
        self.button = w.Button(description=UI["check"](lang), button_style="primary")
        self.button.on_click(lambda _: self.check())
        self.inputs: list[Any] = []
        parts = [w.HTML(f"<b>{number}.</b> {prompt}"), *self._build(lang)]
        parts.append(w.HBox([self.button, self.feedback]))
        self.box = w.VBox(parts, layout=w.Layout(margin="0 0 1em 0"))

    def _dropdown(self, options: list[tuple[str, Any]], width: str = "18em") -> w.Dropdown:
        box = w.Dropdown(options=options, value=None, layout=w.Layout(width=width))
        self.inputs.append(box)
        return box

    def _build(self, lang: str) -> list[Any]:
        q = self.q
        if isinstance(q, SingleChoice):
            options = [(plain(c.text(lang)), i) for i, c in enumerate(q.shown_choices())]
            radio = w.RadioButtons(options=options, value=None, layout=w.Layout(width="auto"))
            self.inputs.append(radio)
            return [radio]
        if isinstance(q, MultipleChoice):
            self.inputs = [
                w.Checkbox(value=False, indent=False, layout=w.Layout(width="2em"))
                for _ in q.shown_choices()
            ]
            return [
                w.HBox([box, w.HTML(markup(c.text(lang)))])
                for box, c in zip(self.inputs, q.shown_choices(), strict=True)
            ]
        if isinstance(q, Numeric):
            box = w.Text(placeholder="…", layout=w.Layout(width="12em"))
            self.inputs.append(box)
            unit = w.HTML(markup(q.unit(lang)) if q.unit else "")
            return [w.HBox([box, unit])]
        if isinstance(q, Ordering):
            items: list[tuple[str, Any]] = [
                (plain(q.items[rank](lang)), i) for i, rank in enumerate(q.shown)
            ]
            positions = [
                UI["position"](lang).replace("{n}", str(k + 1)) for k in range(len(q.items))
            ]
            return [w.HBox([w.Label(label), self._dropdown(items)]) for label in positions]
        if isinstance(q, Matching):
            letters = [chr(65 + i) for i in range(len(q.pairs))]
            listing = "".join(
                f"<li>{letters[i]}. {markup(q.pairs[p][1](lang))}</li>"
                for i, p in enumerate(q.shown)
            )
            rows: list[Any] = [w.HTML(f"<ul style='list-style:none'>{listing}</ul>")]
            letter_options: list[tuple[str, Any]] = [(x, i) for i, x in enumerate(letters)]
            for left, _ in q.pairs:
                pick = self._dropdown(letter_options, width="6em")
                rows.append(w.HBox([w.HTML(markup(left(lang)) + " →"), pick]))
            return rows
        if isinstance(q, Classification):
            categories: list[tuple[str, Any]] = [
                (plain(label(lang)), cid) for cid, label in q.categories
            ]
            return [
                w.HBox([w.HTML(markup(item(lang)) + " →"), self._dropdown(categories)])
                for item in q.items
            ]
        raise TypeError(f"no widget for question type {type(q).__name__}")  # pragma: no cover

    def answer(self) -> Any:
        """The answer the inputs hold, in the form :meth:`Question.grade` takes."""
        q = self.q
        if isinstance(q, MultipleChoice):
            return [i for i, box in enumerate(self.inputs) if box.value]
        values = [box.value for box in self.inputs]
        if isinstance(q, Numeric):
            if not str(values[0]).strip():
                raise _Incomplete
            return values[0]
        if any(v is None for v in values):
            raise _Incomplete
        if isinstance(q, SingleChoice):
            return values[0]
        if isinstance(q, Ordering) and len(set(values)) != len(values):
            raise _Incomplete(UI["each_once"](self.view.lang))
        return values

    def check(self) -> Grade | None:
        lang = self.view.lang
        try:
            answer = self.answer()
            if isinstance(self.q, Numeric):
                answer = parse_number(answer)
        except _Incomplete as exc:
            self._say(str(exc) or UI["answer_all"](lang), "part")
            return None
        except ValueError:
            self._say(UI["number"](lang), "part")
            return None
        grade = self.q.grade(answer, lang=lang, seed=self.view.seed)
        self.view.attempted(self.q, answer, grade)
        self._say(grade.feedback, "ok" if grade.correct else ("part" if grade.score else "no"))
        return grade

    def _say(self, text: str, tone: str) -> None:
        self.feedback.value = f"<span style='color:{_COLOURS[tone]}'>{html.escape(text)}</span>"


class QuizView:
    """A lesson's quiz as widgets, with the static quiz as its fallback output.

    Parameters
    ----------
    quiz : Quiz
    lang : {"en", "ru"} or None
        The language (:func:`funnelsim.course.language`).
    seed : int or None
        The student's seed for simulated answers; None asks
        :func:`funnelsim.quiz.student_seed` (only if the quiz has such a question).
    path : path-like or None
        The progress file (:func:`funnelsim.quiz.progress_file` by default).
    record : bool
        Whether checks are written to the progress file.
    """

    def __init__(
        self,
        quiz: Quiz,
        *,
        lang: str | None = None,
        seed: int | None = None,
        path: str | os.PathLike[str] | None = None,
        record: bool = True,
    ) -> None:
        from .progress import student_seed

        self.quiz = quiz
        self.lang = language(lang)
        self.seed = seed if seed is not None or not quiz.needs_seed else student_seed()
        self.path = path
        self.record = record
        self.best: dict[str, float] = {}
        self.score = w.HTML()
        self.notice = w.HTML()
        self.rows = [_Row(self, q, i) for i, q in enumerate(quiz.questions, start=1)]
        title = w.HTML(f"<h3>{markup(quiz.title(self.lang))}</h3>")
        self.widget = w.VBox([title, *[r.box for r in self.rows], self.score, self.notice])
        self._show_score()

    def attempted(self, q: Question, answer: Any, grade: Grade) -> None:
        """Keep the best score and append the attempt to the progress file."""
        self.best[q.id] = max(self.best.get(q.id, 0.0), grade.score)
        self._show_score()
        if not self.record:
            return
        try:
            record_attempt(
                lesson=self.quiz.lesson,
                question=q.id,
                answer=answer,
                grade=grade,
                seed=self.seed if isinstance(q, Numeric) and q.simulation else None,
                lang=self.lang,
                path=self.path,
            )
        except OSError as exc:  # a full disk must not break the quiz
            message = fill(UI["not_recorded"], error=exc)(self.lang)
            self.notice.value = f"<i>{html.escape(message)}</i>"
            warnings.warn(message, stacklevel=2)

    def _show_score(self) -> None:
        total = sum(self.best.values())
        self.score.value = (
            f"<b>{html.escape(UI['score'](self.lang))}: {total:.3g} / {len(self.rows)}</b>"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/html"] = to_html(self.quiz, lang=self.lang)
        bundle["text/plain"] = to_text(self.quiz, lang=self.lang)
        return bundle
