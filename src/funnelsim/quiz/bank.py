"""Question banks: the records, their TOML format, validation on load, and grading.

A bank is one TOML file per lesson, ``funnelsim/course/quizzes/<lesson>.toml``.
Every piece of text is a table with an English and a Russian version
(``text.en = "..."``, ``text.ru = "..."``), so both languages come from one source.
Every question has an ``id``, a ``type`` and a ``text``, and optionally an
``explanation`` (shown with a right answer) and a ``hint`` (shown with a wrong
one). The six types and their fields:

``single``
    ``[[question.choice]]`` tables with ``text``, ``correct = true`` on exactly
    one, and an optional ``why`` (feedback shown when that choice is picked).
``multiple``
    the same, ``correct = true`` on one or more choices.
``numeric``
    ``answer`` with ``tolerance`` (absolute) or ``relative_tolerance``, or a
    ``[question.simulation]`` table (below); an optional ``unit``.
``ordering``
    ``[[question.item]]`` tables with ``text``, listed in the right order.
``matching``
    ``[[question.pair]]`` tables with ``left`` and ``right``, or
    ``glossary = ["key", ...]`` to match glossary terms with their definitions.
``classification``
    ``[[question.category]]`` tables with ``id`` and ``text``, and
    ``[[question.item]]`` tables with ``text``, ``category`` and an optional ``why``.

Choices, items and right-hand sides are shown in an order shuffled once per
question id (the same on every machine), so the file's order, which usually puts
the right answer first, is not the order a student sees; answers passed to
:meth:`Question.grade` refer to the **shown** order.

Numeric answers from the student's own simulation
-------------------------------------------------
A ``numeric`` question may take its answer from a simulation of one of the
course's preset funnels run with the student's seed (:func:`funnelsim.quiz.student_seed`)::

    [question.simulation]
    funnel = "aaarrr"      # the preset (default); see SIMULATION_FUNNELS
    buyers = 2000
    rates = { acquisition = 0.3, activation = 0.5, retention = 0.6, revenue = 0.4, referral = 0.25 }
    stage = "Revenue"
    quantity = "reached"   # or "percent": reached as a percentage of buyers
    decimals = 0           # the rounding the question asks for (default 0)
    se_fraction = 0.25     # tolerance as a share of the Monte Carlo standard error

``funnel`` names a preset of :data:`SIMULATION_FUNNELS`: ``"aaarrr"``
(:func:`funnelsim.aaarrr`, stages Awareness … Referral) or
``"trigger_learn_try_buy"`` (:func:`funnelsim.trigger_learn_try_buy`, the B2B
path Trigger → Learn → Try → Buy). ``rates`` gives every step rate of that
preset, keyed by the lower-case name of the stage the step leads **into**
(``acquisition`` … ``referral``; ``learn``, ``try``, ``buy``), and ``stage`` is
one of its stage names::

    [question.simulation]
    funnel = "trigger_learn_try_buy"
    buyers = 500           # triggered accounts
    rates = { learn = 0.4, try = 0.3, buy = 0.25 }
    stage = "Buy"

The question text must contain ``{seed}`` (replaced by the student's seed) and
may contain ``{buyers}``. The count reaching stage k is binomial(n, p_k), p_k the
product of the step rates up to k (the closed form of the funnel), so its
standard error is sqrt(n p_k (1 - p_k)) (sqrt(p_k (1 - p_k) / n) for a share).
The tolerance is ``se_fraction`` times that standard error, and never less than
half the last kept decimal. A neighbour's answer differs from yours by a draw
whose standard deviation is sqrt(2) standard errors, so with the default
``se_fraction = 0.25`` it falls inside your tolerance with probability about
2 Phi(0.25 / sqrt 2) - 1 = 0.14: a neighbour's number is wrong for you in
about six cases out of seven, while anyone reading their own table is right.

Grading and partial credit
--------------------------
``single`` and ``numeric``: 1 or 0. ``multiple``: each right choice ticked adds
1 / (number of right choices), each wrong one ticked takes the same away, floored
at 0 (the "partial credit" rule of Canvas's multiple-answers questions).
``ordering``: the share of item pairs put in the right relative order
(1 - normalised Kendall tau distance; one item moved by one place loses one
pair, not every position). ``matching`` and ``classification``: the share of
items placed right. A question is *correct* only with a score of 1.
"""

from __future__ import annotations

import hashlib
import math
import numbers
import os
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

from ..course import LANGUAGES, LESSON_TITLES, entries, language

__all__ = [
    "AAARRR_ORDER",
    "QUESTION_TYPES",
    "SIMULATION_FUNNELS",
    "UI",
    "Choice",
    "Classification",
    "Grade",
    "Matching",
    "MultipleChoice",
    "Numeric",
    "Ordering",
    "Question",
    "Quiz",
    "Simulation",
    "SingleChoice",
    "Text",
    "fill",
    "listing",
    "load_quiz",
    "parse_number",
    "parse_quiz",
]

#: The stages of :func:`funnelsim.aaarrr`, in the order of its counts
#: (``funnelsim.model.AAARRR_STAGES``, spelled out so that importing the quiz needs no
#: numpy; tests/test_quiz.py checks that the two agree).
AAARRR_ORDER: tuple[str, ...] = (
    "Awareness",
    "Acquisition",
    "Activation",
    "Retention",
    "Revenue",
    "Referral",
)

#: The presets a ``[question.simulation]`` can run: ``funnel`` value -> stage names in
#: order. Each is the name of its factory in :mod:`funnelsim`; the step rates are keyed
#: by the lower-case names of every stage but the first (module docstring). The B2B
#: stages are ``funnelsim.model.TLTB_STAGES``.
SIMULATION_FUNNELS: dict[str, tuple[str, ...]] = {
    "aaarrr": AAARRR_ORDER,
    "trigger_learn_try_buy": ("Trigger", "Learn", "Try", "Buy"),
}


def _rate_names(funnel: str) -> tuple[str, ...]:
    """The ``rates`` keys of a simulated question on ``funnel``: its steps, lower case."""
    return tuple(stage.lower() for stage in SIMULATION_FUNNELS[funnel][1:])


class BankError(ValueError):
    """A question bank breaks a rule; the message names the file, question and field."""


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Text:
    """One piece of course text in every language of :data:`~funnelsim.course.LANGUAGES`."""

    en: str  # English
    ru: str  # Russian

    def __call__(self, lang: str | None = None) -> str:
        """The text in ``lang`` (see :func:`funnelsim.course.language`)."""
        return str(getattr(self, language(lang)))

    def format(self, **values: Any) -> Text:
        """A copy with ``{name}`` placeholders replaced (only the names given)."""
        out = {}
        for lang in LANGUAGES:
            text = getattr(self, lang)
            for name, value in values.items():
                text = text.replace("{" + name + "}", str(value))
            out[lang] = text
        return Text(**out)


@dataclass(frozen=True)
class Grade:
    """The verdict on one answer."""

    correct: bool  # score == 1
    score: float  # in [0, 1], partial credit as described in the module docstring
    feedback: str  # why, in the language asked for


@dataclass(frozen=True, repr=False)
class Choice:
    """One option of a single- or multiple-choice question."""

    text: Text  # what the student reads
    correct: bool  # whether ticking it is right
    why: Text | None = None  # feedback shown when it is picked

    def __repr__(self) -> str:  # "correct" is the answer: keep it out of a printed repr
        return f"Choice({self.text.en!r})"


@dataclass(frozen=True, repr=False)
class Question:
    """Common part of every question type; see the subclasses."""

    id: str  # unique within the bank; recorded in progress files
    text: Text  # the question
    explanation: Text | None = None  # shown with a right answer: why it is right
    hint: Text | None = None  # shown with a wrong answer

    kind: ClassVar[str] = ""

    def __repr__(self) -> str:  # the fields hold the answer: a repr must not show it
        return f"{type(self).__name__}(id={self.id!r})"

    def prompt(self, seed: int | None = None) -> Text:
        """The question text (with the student's seed filled in where it is used)."""
        return self.text

    def grade(self, answer: Any, *, lang: str | None = None, seed: int | None = None) -> Grade:
        """Grade ``answer`` (in the shown order) and explain the verdict in ``lang``.

        Raises
        ------
        TypeError, ValueError
            If ``answer`` does not have the form this question type takes.
        """
        lang = language(lang)
        score, details = self._score(answer, seed)
        correct = math.isclose(score, 1.0)
        parts = [UI["right" if correct else ("partly" if score > 0 else "wrong")](lang)]
        parts += [d(lang) for d in details]
        extra = self.explanation if correct else self.hint
        if extra is not None:
            parts.append(extra(lang))
        return Grade(correct, float(score), " ".join(parts))

    def solution(self, seed: int | None = None) -> Any:
        """An answer (in the shown order) that grades as correct; for tests and instructors."""
        raise NotImplementedError

    def key(self, seed: int | None = None, lang: str | None = None) -> dict[str, Any]:
        """What a script-only page needs to grade in the browser (kept out of plain text)."""
        raise NotImplementedError

    def _score(self, answer: Any, seed: int | None) -> tuple[float, list[Text]]:
        raise NotImplementedError

    def _order(self, n: int) -> list[int]:
        """The shown order of ``n`` options: file indices, shuffled once per question id.

        Sorting by a SHA-256 of ``"<id>/<index>"`` gives an order that no numpy
        version changes (a Generator's stream may), so recorded answers and
        committed notebook outputs keep their meaning; it is never the file order.
        """
        order = sorted(range(n), key=lambda i: hashlib.sha256(f"{self.id}/{i}".encode()).digest())
        if n > 1 and order == list(range(n)):
            order = order[1:] + order[:1]
        return order

    def _check_indices(self, answer: Any, n: int, *, what: str, exact: bool) -> list[int | None]:
        if isinstance(answer, str | bytes) or not isinstance(answer, Iterable):
            raise TypeError(f"answer to {self.id!r} must be a list of {what}, got {answer!r}")
        out: list[int | None] = []
        for a in answer:
            if a is None:
                out.append(None)
                continue
            if isinstance(a, bool) or not isinstance(a, numbers.Integral) or not 0 <= int(a) < n:
                raise ValueError(
                    f"answer to {self.id!r}: every entry must be an index in [0, {n - 1}], "
                    f"got {a!r}"
                )
            out.append(int(a))
        if exact and len(out) != n:
            raise ValueError(f"answer to {self.id!r} must have {n} entries, got {len(out)}")
        return out


@dataclass(frozen=True, repr=False)
class _ChoiceQuestion(Question):
    choices: tuple[Choice, ...] = ()  # in file order

    @cached_property
    def shown(self) -> list[int]:
        """File indices of the choices, in the order shown."""
        return self._order(len(self.choices))

    def shown_choices(self) -> list[Choice]:
        return [self.choices[i] for i in self.shown]

    def key(self, seed: int | None = None, lang: str | None = None) -> dict[str, Any]:
        shown = self.shown_choices()
        return {
            "correct": [c.correct for c in shown],
            "why": [c.why(lang) if c.why else "" for c in shown],
        }


@dataclass(frozen=True, repr=False)
class SingleChoice(_ChoiceQuestion):
    """Pick the one right choice. Answer: the index of the shown choice."""

    kind: ClassVar[str] = "single"

    def _score(self, answer: Any, seed: int | None) -> tuple[float, list[Text]]:
        (index,) = self._check_indices([answer], len(self.choices), what="", exact=False)
        if index is None:
            raise ValueError(f"answer to {self.id!r} must be a choice index, got None")
        choice = self.shown_choices()[index]
        return (1.0 if choice.correct else 0.0), ([choice.why] if choice.why else [])

    def solution(self, seed: int | None = None) -> int:
        return next(i for i, c in enumerate(self.shown_choices()) if c.correct)


@dataclass(frozen=True, repr=False)
class MultipleChoice(_ChoiceQuestion):
    """Tick every right choice. Answer: the indices of the shown choices ticked."""

    kind: ClassVar[str] = "multiple"

    def _score(self, answer: Any, seed: int | None) -> tuple[float, list[Text]]:
        n = len(self.choices)
        ticked = set(self._check_indices(answer, n, what="choice indices", exact=False))
        shown = self.shown_choices()
        right = sum(c.correct for c in shown)
        gained = sum(1 if c.correct else -1 for i, c in enumerate(shown) if i in ticked)
        missed = [c for i, c in enumerate(shown) if (i in ticked) != c.correct]
        details = [c.why for c in missed if c.why is not None]
        if missed:
            details.insert(0, fill(UI["n_wrong"], n=len(missed)))
        return max(0.0, gained / right), details

    def solution(self, seed: int | None = None) -> list[int]:
        return [i for i, c in enumerate(self.shown_choices()) if c.correct]


@dataclass(frozen=True)
class Simulation:
    """Where a numeric answer comes from: the student's own run of a preset funnel."""

    buyers: int  # buyers entering the funnel
    rates: tuple[tuple[str, float], ...]  # every step rate of the preset, by _rate_names
    stage: str  # one of the preset's stages
    quantity: str = "reached"  # "reached" (a count) or "percent" (of buyers)
    decimals: int = 0  # the rounding the question asks for
    se_fraction: float = 0.25  # tolerance as a share of the standard error
    funnel: str = "aaarrr"  # a key of SIMULATION_FUNNELS

    @property
    def stages(self) -> tuple[str, ...]:
        """The preset's stage names, in the order of its counts."""
        return SIMULATION_FUNNELS[self.funnel]

    @property
    def reach(self) -> float:
        """The closed-form chance that one buyer reaches :attr:`stage`."""
        rates = dict(self.rates)
        steps = _rate_names(self.funnel)[: self.stages.index(self.stage)]
        return math.prod(rates[r] for r in steps)

    def value(self, seed: int) -> float:
        """The quantity in the run seeded with ``seed`` (via :func:`funnelsim.simulate`)."""
        import funnelsim as fs

        preset = getattr(fs, self.funnel)().with_rates(dict(self.rates))
        result = fs.simulate(preset, self.buyers, seed=seed)
        reached = float(result.counts[0, self.stages.index(self.stage)])
        return reached if self.quantity == "reached" else 100.0 * reached / self.buyers

    def standard_error(self) -> float:
        """Binomial standard error of the quantity (module docstring)."""
        p, n = self.reach, self.buyers
        if self.quantity == "reached":
            return math.sqrt(n * p * (1 - p))
        return 100.0 * math.sqrt(p * (1 - p) / n)

    def tolerance(self) -> float:
        """``se_fraction`` standard errors, at least half the last kept decimal."""
        return max(self.se_fraction * self.standard_error(), 0.5 * 10.0**-self.decimals)


@dataclass(frozen=True, repr=False)
class Numeric(Question):
    """A number within a tolerance. Answer: a number (a decimal comma is accepted)."""

    answer: float | None = None  # the fixed answer, or None with a simulation
    tolerance: float = 0.0  # absolute
    relative_tolerance: float = 0.0  # share of |answer|
    simulation: Simulation | None = None  # the answer comes from the student's own run
    unit: Text | None = None  # shown after the input box

    kind: ClassVar[str] = "numeric"

    def prompt(self, seed: int | None = None) -> Text:
        if self.simulation is None:
            return self.text
        return self.text.format(seed=_need_seed(self, seed), buyers=self.simulation.buyers)

    def target(self, seed: int | None = None) -> tuple[float, float]:
        """The right answer and its tolerance (for ``seed`` when simulated)."""
        if self.simulation is not None:
            sim = self.simulation
            return sim.value(_need_seed(self, seed)), sim.tolerance()
        assert self.answer is not None
        return self.answer, max(self.tolerance, self.relative_tolerance * abs(self.answer))

    def _score(self, answer: Any, seed: int | None) -> tuple[float, list[Text]]:
        x = parse_number(answer, name=f"answer to {self.id!r}")
        target, tol = self.target(seed)
        if abs(x - target) <= tol * (1 + 1e-12):
            return 1.0, []
        return 0.0, [UI["too_high" if x > target else "too_low"]]

    def solution(self, seed: int | None = None) -> float:
        return self.target(seed)[0]

    def key(self, seed: int | None = None, lang: str | None = None) -> dict[str, Any]:
        target, tol = self.target(seed)
        return {"answer": target, "tolerance": tol}


@dataclass(frozen=True, repr=False)
class Ordering(Question):
    """Put the items in order. Answer: shown-item indices, first position first."""

    items: tuple[Text, ...] = ()  # in the right order

    kind: ClassVar[str] = "ordering"

    @cached_property
    def shown(self) -> list[int]:
        """Right-order ranks of the items, in the order shown."""
        return self._order(len(self.items))

    def _score(self, answer: Any, seed: int | None) -> tuple[float, list[Text]]:
        n = len(self.items)
        picks = self._check_indices(answer, n, what="item indices", exact=True)
        if None in picks or len(set(picks)) != n:
            raise ValueError(
                f"answer to {self.id!r} must use every item exactly once, got {answer}"
            )
        ranks = [self.shown[i] for i in picks if i is not None]
        pairs = n * (n - 1) // 2
        concordant = sum(ranks[a] < ranks[b] for a in range(n) for b in range(a + 1, n))
        wrong = sum(rank != pos for pos, rank in enumerate(ranks))
        details = [fill(UI["n_misplaced"], n=wrong)] if wrong else []
        return concordant / pairs, details

    def solution(self, seed: int | None = None) -> list[int]:
        return [self.shown.index(rank) for rank in range(len(self.items))]

    def key(self, seed: int | None = None, lang: str | None = None) -> dict[str, Any]:
        return {"ranks": list(self.shown)}


@dataclass(frozen=True, repr=False)
class Matching(Question):
    """Match each left item with one right item. Answer: a shown-right index per left."""

    pairs: tuple[tuple[Text, Text], ...] = ()  # (left, right), matched

    kind: ClassVar[str] = "matching"

    @cached_property
    def shown(self) -> list[int]:
        """Pair indices of the right-hand sides, in the order shown."""
        return self._order(len(self.pairs))

    def _score(self, answer: Any, seed: int | None) -> tuple[float, list[Text]]:
        n = len(self.pairs)
        picks = self._check_indices(answer, n, what="right-hand indices", exact=True)
        wrong = [i for i, p in enumerate(picks) if p is None or self.shown[p] != i]
        details = [listing(UI["unmatched"], [self.pairs[i][0] for i in wrong])] if wrong else []
        return (n - len(wrong)) / n, details

    def solution(self, seed: int | None = None) -> list[int]:
        return [self.shown.index(i) for i in range(len(self.pairs))]

    def key(self, seed: int | None = None, lang: str | None = None) -> dict[str, Any]:
        return {"match": self.solution(), "left": [p[0](lang) for p in self.pairs]}


@dataclass(frozen=True, repr=False)
class Classification(Question):
    """Sort each item into a category. Answer: a category id per item (file order)."""

    categories: tuple[tuple[str, Text], ...] = ()  # (id, label)
    items: tuple[Text, ...] = ()  # the statements to sort
    item_categories: tuple[str, ...] = ()  # the right category id of each item
    why: tuple[Text | None, ...] = ()  # feedback per item, shown when it is misplaced

    kind: ClassVar[str] = "classification"

    def _score(self, answer: Any, seed: int | None) -> tuple[float, list[Text]]:
        ids = [c for c, _ in self.categories]
        if isinstance(answer, str | bytes) or not isinstance(answer, Sequence):
            raise TypeError(f"answer to {self.id!r} must be a list of category ids, got {answer!r}")
        if len(answer) != len(self.items):
            raise ValueError(
                f"answer to {self.id!r} must have {len(self.items)} entries, got {len(answer)}"
            )
        for a in answer:
            if a is not None and a not in ids:
                raise ValueError(f"answer to {self.id!r}: category must be one of {ids}, got {a!r}")
        wrong = [i for i, a in enumerate(answer) if a != self.item_categories[i]]
        details: list[Text] = []
        if wrong:
            details.append(fill(UI["n_wrong"], n=len(wrong)))
            details += [w for i in wrong if (w := self.why[i]) is not None]
        return (len(answer) - len(wrong)) / len(answer), details

    def solution(self, seed: int | None = None) -> list[str]:
        return list(self.item_categories)

    def key(self, seed: int | None = None, lang: str | None = None) -> dict[str, Any]:
        return {
            "category": list(self.item_categories),
            "why": [w(lang) if w else "" for w in self.why],
        }


QUESTION_TYPES: dict[str, type[Question]] = {
    cls.kind: cls
    for cls in (SingleChoice, MultipleChoice, Numeric, Ordering, Matching, Classification)
}


@dataclass(frozen=True)
class Quiz:
    """One lesson's question bank."""

    lesson: str  # lesson id, one of funnelsim.course.LESSONS
    title: Text  # shown above the questions
    questions: tuple[Question, ...]  # in the order shown
    source: str = ""  # the file it was read from (for messages)
    _by_id: dict[str, Question] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update({q.id: q for q in self.questions})

    def __repr__(self) -> str:  # no answers: print(quiz) shows the questions as students see them
        return f"Quiz({self.lesson!r}, {len(self.questions)} questions)"

    def __str__(self) -> str:
        from .static import to_text

        return to_text(self)

    def __len__(self) -> int:
        return len(self.questions)

    def __getitem__(self, question_id: str) -> Question:
        try:
            return self._by_id[question_id]
        except KeyError:
            raise KeyError(
                f"quiz {self.lesson!r} has no question {question_id!r}; it has {list(self._by_id)}"
            ) from None

    @property
    def needs_seed(self) -> bool:
        """Whether any question's answer comes from the student's own simulation."""
        return any(isinstance(q, Numeric) and q.simulation is not None for q in self.questions)


# --------------------------------------------------------------------------- helpers


def parse_number(value: Any, *, name: str = "answer") -> float:
    """A finite float from a number or text such as ``"1 234,5"`` or ``"12.5 %"``.

    Raises
    ------
    ValueError
        If the text is not a number (the message repeats it).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real | str):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if isinstance(value, str):
        text = value.strip().rstrip("%").strip().replace("\u00a0", "").replace(" ", "")
        text = text.replace(",", ".")
        try:
            x = float(text)
        except ValueError:
            raise ValueError(f"{name} must be a number, got {value!r}") from None
    else:
        x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return x


def _need_seed(q: Question, seed: int | None) -> int:
    if seed is None:
        raise ValueError(
            f"question {q.id!r} takes its answer from the student's simulation; pass seed= "
            "(see funnelsim.quiz.student_seed)"
        )
    return seed


def fill(phrase: Text, **values: Any) -> Text:
    """``phrase`` with its ``{name}`` placeholders filled, in every language."""
    return Text(**{lang: getattr(phrase, lang).format(**values) for lang in LANGUAGES})


def listing(phrase: Text, texts: Sequence[Text]) -> Text:
    """``phrase`` with ``{items}`` replaced by ``texts`` joined, language by language."""
    return Text(
        **{
            lang: getattr(phrase, lang).format(items="; ".join(getattr(t, lang) for t in texts))
            for lang in LANGUAGES
        }
    )


#: The fixed phrases of the quiz interface (live widget and static page), in both languages.
UI: dict[str, Text] = {
    "check": Text("Check", "Проверить"),
    "score": Text("Score", "Баллы"),
    "choose": Text("— choose —", "— выберите —"),
    "answer_all": Text("Answer every part first.", "Сначала ответьте на все части."),
    "number": Text("Enter a number.", "Введите число."),
    "each_once": Text("Use every item exactly once.", "Используйте каждый пункт ровно один раз."),
    "static_note": Text(
        "Run this notebook to answer these questions and record your progress.",
        "Запустите ноутбук, чтобы ответить на вопросы и сохранить прогресс.",
    ),
    "script_note": Text(
        "Answers are checked in your browser and not recorded.",
        "Ответы проверяются в браузере и не сохраняются.",
    ),
    "example_seed": Text(
        "(On a static page everyone sees seed {seed}; in a live notebook you get your own.)",
        "(На статической странице у всех seed {seed}; в запущенном ноутбуке — свой.)",
    ),
    "position": Text("Position {n}", "Место {n}"),
    "right": Text("Correct.", "Верно."),
    "partly": Text("Partly right.", "Частично верно."),
    "wrong": Text("Not quite.", "Не совсем."),
    "too_high": Text("Your number is too high.", "Ваше число слишком велико."),
    "too_low": Text("Your number is too low.", "Ваше число слишком мало."),
    "n_wrong": Text("{n} answer(s) to change.", "Нужно изменить ответов: {n}."),
    "n_misplaced": Text("{n} item(s) are not in their place.", "Не на своём месте: {n}."),
    "unmatched": Text("Check the match for: {items}.", "Проверьте пары для: {items}."),
    "recorded": Text("Recorded in {path}.", "Записано в {path}."),
    "not_recorded": Text(
        "Could not record this attempt: {error}", "Не удалось записать попытку: {error}"
    ),
}


# --------------------------------------------------------------------------- loading

_COMMON = {"id", "type", "text", "explanation", "hint"}
_FIELDS: dict[str, set[str]] = {
    "single": _COMMON | {"choice"},
    "multiple": _COMMON | {"choice"},
    "numeric": _COMMON | {"answer", "tolerance", "relative_tolerance", "simulation", "unit"},
    "ordering": _COMMON | {"item"},
    "matching": _COMMON | {"pair", "glossary"},
    "classification": _COMMON | {"category", "item"},
}


class _Ctx:
    """Builds error messages that name the file, the question and the field."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.where = ""

    def error(self, field_name: str, message: str) -> BankError:
        return BankError(f"{self.source}: {self.where}field {field_name!r}: {message}")


def load_quiz(lesson: str | os.PathLike[str]) -> Quiz:
    """Read and validate a question bank.

    Parameters
    ----------
    lesson : str or path-like
        A lesson id (``"00_start_here"``: the bank shipped in
        ``funnelsim/course/quizzes``) or the path of a TOML file.

    Returns
    -------
    Quiz

    Raises
    ------
    ValueError
        If the file breaks a rule of the format (module docstring); the message
        names the file, the question (id and number) and the field.
    FileNotFoundError
        If there is no such file or no bank for that lesson.
    """
    if isinstance(lesson, str) and lesson in LESSON_TITLES:
        res = resources.files("funnelsim.course").joinpath("quizzes", f"{lesson}.toml")
        if not res.is_file():
            raise FileNotFoundError(f"there is no quiz for lesson {lesson!r} yet")
        return parse_quiz(res.read_text("utf-8"), source=f"{lesson}.toml")
    path = Path(lesson)
    if not path.is_file():
        raise FileNotFoundError(
            f"no question bank at {str(path)!r}; give a lesson id {list(LESSON_TITLES)} "
            "or the path of a .toml file"
        )
    return parse_quiz(path.read_text(encoding="utf-8"), source=path.name)


def parse_quiz(text: str, *, source: str = "<string>") -> Quiz:
    """Parse and validate the TOML text of a question bank (see :func:`load_quiz`)."""
    ctx = _Ctx(source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BankError(f"{source}: not valid TOML: {exc}") from None
    unknown = set(data) - {"lesson", "title", "question"}
    if unknown:
        raise ctx.error(sorted(unknown)[0], "unknown top-level field (typo?)")
    lesson = data.get("lesson")
    if lesson not in LESSON_TITLES:
        raise ctx.error("lesson", f"must be one of {list(LESSON_TITLES)}, got {lesson!r}")
    title = _text(ctx, data, "title")
    raw = data.get("question")
    if not isinstance(raw, list) or not raw:
        raise ctx.error("question", "the bank needs at least one [[question]] table")
    questions: list[Question] = []
    seen: set[str] = set()
    for number, q in enumerate(raw, start=1):
        ctx.where = f"question #{number} "
        qid = q.get("id")
        if not isinstance(qid, str) or not qid.strip():
            raise ctx.error("id", f"must be a non-empty string, got {qid!r}")
        ctx.where = f"question {qid!r} (#{number}), "
        if qid in seen:
            raise ctx.error("id", "repeats the id of an earlier question")
        seen.add(qid)
        questions.append(_question(ctx, q))
    return Quiz(lesson=str(lesson), title=title, questions=tuple(questions), source=source)


def _question(ctx: _Ctx, q: dict[str, Any]) -> Question:
    kind = q.get("type")
    if kind not in _FIELDS:
        raise ctx.error("type", f"must be one of {list(_FIELDS)}, got {kind!r}")
    unknown = set(q) - _FIELDS[kind]
    if unknown:
        raise ctx.error(sorted(unknown)[0], f"is not a field of a {kind!r} question (typo?)")
    common: dict[str, Any] = {
        "id": q["id"],
        "text": _text(ctx, q, "text"),
        "explanation": _text(ctx, q, "explanation", required=False),
        "hint": _text(ctx, q, "hint", required=False),
    }
    if kind in ("single", "multiple"):
        choices = tuple(
            Choice(
                text=_text(
                    ctx, c, "text", prefix=f"choice[{i}].", known={"text", "correct", "why"}
                ),
                correct=_bool(ctx, c, "correct", f"choice[{i}].correct"),
                why=_text(ctx, c, "why", prefix=f"choice[{i}].", required=False),
            )
            for i, c in enumerate(_tables(ctx, q, "choice", at_least=2))
        )
        right = sum(c.correct for c in choices)
        if kind == "single" and right != 1:
            raise ctx.error(
                "choice", f"a single-choice question needs exactly one correct = true, got {right}"
            )
        if kind == "multiple" and right < 1:
            raise ctx.error(
                "choice", "a multiple-choice question needs at least one correct = true"
            )
        cls: type[_ChoiceQuestion] = SingleChoice if kind == "single" else MultipleChoice
        return cls(**common, choices=choices)
    if kind == "numeric":
        return _numeric(ctx, q, common)
    if kind == "ordering":
        items = tuple(
            _text(ctx, t, "text", prefix=f"item[{i}].", known={"text"})
            for i, t in enumerate(_tables(ctx, q, "item", at_least=3))
        )
        return Ordering(**common, items=items)
    if kind == "matching":
        return Matching(**common, pairs=_pairs(ctx, q))
    return _classification(ctx, q, common)


def _numeric(ctx: _Ctx, q: dict[str, Any], common: dict[str, Any]) -> Numeric:
    unit = _text(ctx, q, "unit", required=False)
    if ("answer" in q) == ("simulation" in q):
        raise ctx.error("answer", "give exactly one of 'answer' and a [question.simulation] table")
    if "simulation" in q:
        for name in ("tolerance", "relative_tolerance"):
            if name in q:
                raise ctx.error(
                    name, "comes from the standard error with a simulation; use se_fraction"
                )
        sim = _simulation(ctx, q["simulation"])
        for lang in LANGUAGES:
            if "{seed}" not in getattr(common["text"], lang):
                raise ctx.error(
                    f"text.{lang}", "must contain {seed}: the student needs the seed of their run"
                )
        return Numeric(**common, simulation=sim, unit=unit)
    answer = _real(ctx, q, "answer")
    tol = _real(ctx, q, "tolerance", default=0.0, low=0.0)
    rel = _real(ctx, q, "relative_tolerance", default=0.0, low=0.0)
    return Numeric(**common, answer=answer, tolerance=tol, relative_tolerance=rel, unit=unit)


def _simulation(ctx: _Ctx, s: Any) -> Simulation:
    if not isinstance(s, dict):
        raise ctx.error("simulation", f"must be a table, got {s!r}")
    known = {"funnel", "buyers", "rates", "stage", "quantity", "decimals", "se_fraction"}
    if set(s) - known:
        raise ctx.error(f"simulation.{sorted(set(s) - known)[0]}", "unknown field (typo?)")
    funnel = s.get("funnel", "aaarrr")
    if funnel not in SIMULATION_FUNNELS:
        raise ctx.error(
            "simulation.funnel", f"must be one of {list(SIMULATION_FUNNELS)}, got {funnel!r}"
        )
    buyers = s.get("buyers")
    if isinstance(buyers, bool) or not isinstance(buyers, int) or buyers < 1:
        raise ctx.error("simulation.buyers", f"must be a positive integer, got {buyers!r}")
    names = _rate_names(funnel)
    rates = s.get("rates")
    if not isinstance(rates, dict) or set(rates) != set(names):
        got = sorted(rates) if isinstance(rates, dict) else rates
        raise ctx.error(
            "simulation.rates",
            f"must give exactly the rates {list(names)} of funnel {funnel!r}, got {got!r}",
        )
    for name in names:
        _real(ctx, rates, name, low=0.0, high=1.0, label=f"simulation.rates.{name}")
    stages = SIMULATION_FUNNELS[funnel]
    stage = s.get("stage")
    if stage not in stages:
        raise ctx.error(
            "simulation.stage",
            f"must be one of the stages {list(stages)} of funnel {funnel!r}, got {stage!r}",
        )
    quantity = s.get("quantity", "reached")
    if quantity not in ("reached", "percent"):
        raise ctx.error("simulation.quantity", f"must be 'reached' or 'percent', got {quantity!r}")
    decimals = s.get("decimals", 0)
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 6:
        raise ctx.error("simulation.decimals", f"must be an integer in [0, 6], got {decimals!r}")
    se_fraction = _real(
        ctx, s, "se_fraction", default=0.25, low=0.0, label="simulation.se_fraction"
    )
    return Simulation(
        buyers=buyers,
        rates=tuple((r, float(rates[r])) for r in names),
        stage=stage,
        quantity=quantity,
        decimals=decimals,
        se_fraction=se_fraction,
        funnel=funnel,
    )


def _pairs(ctx: _Ctx, q: dict[str, Any]) -> tuple[tuple[Text, Text], ...]:
    if ("pair" in q) == ("glossary" in q):
        raise ctx.error("pair", "give exactly one of [[question.pair]] tables and glossary = [...]")
    if "glossary" in q:
        keys = q["glossary"]
        if not isinstance(keys, list) or len(keys) < 2 or not all(isinstance(k, str) for k in keys):
            raise ctx.error("glossary", f"must be a list of at least 2 glossary keys, got {keys!r}")
        try:
            rows = entries(keys)
        except KeyError as exc:
            raise ctx.error("glossary", str(exc.args[0])) from None
        return tuple(
            (Text(r["term"], r["term_ru"]), Text(r["definition"], r["definition_ru"])) for r in rows
        )
    pairs = []
    for i, p in enumerate(_tables(ctx, q, "pair", at_least=2)):
        known = {"left", "right"}
        left = _text(ctx, p, "left", prefix=f"pair[{i}].", known=known)
        right = _text(ctx, p, "right", prefix=f"pair[{i}].", known=known)
        pairs.append((left, right))
    return tuple(pairs)


def _classification(ctx: _Ctx, q: dict[str, Any], common: dict[str, Any]) -> Classification:
    categories = []
    for i, c in enumerate(_tables(ctx, q, "category", at_least=2)):
        cid = c.get("id")
        if not isinstance(cid, str) or not cid:
            raise ctx.error(f"category[{i}].id", f"must be a non-empty string, got {cid!r}")
        categories.append(
            (cid, _text(ctx, c, "text", prefix=f"category[{i}].", known={"id", "text"}))
        )
    ids = [c for c, _ in categories]
    if len(set(ids)) != len(ids):
        raise ctx.error("category", f"category ids must differ, got {ids}")
    items, cats, whys = [], [], []
    for i, t in enumerate(_tables(ctx, q, "item", at_least=2)):
        items.append(_text(ctx, t, "text", prefix=f"item[{i}].", known={"text", "category", "why"}))
        cat = t.get("category")
        if cat not in ids:
            raise ctx.error(f"item[{i}].category", f"must be one of {ids}, got {cat!r}")
        cats.append(cat)
        whys.append(_text(ctx, t, "why", prefix=f"item[{i}].", required=False))
    return Classification(
        **common,
        categories=tuple(categories),
        items=tuple(items),
        item_categories=tuple(cats),
        why=tuple(whys),
    )


def _tables(ctx: _Ctx, q: dict[str, Any], name: str, *, at_least: int) -> list[dict[str, Any]]:
    tables = q.get(name)
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ctx.error(name, f"needs [[question.{name}]] tables, got {tables!r}")
    if len(tables) < at_least:
        raise ctx.error(
            name, f"needs at least {at_least} [[question.{name}]] tables, got {len(tables)}"
        )
    return tables


def _text(
    ctx: _Ctx,
    table: dict[str, Any],
    name: str,
    *,
    prefix: str = "",
    required: bool = True,
    known: set[str] | None = None,
) -> Any:
    if known is not None and set(table) - known:
        raise ctx.error(prefix + sorted(set(table) - known)[0], "unknown field (typo?)")
    value = table.get(name)
    label = prefix + name
    if value is None:
        if required:
            raise ctx.error(label, f"is missing; give {label}.en and {label}.ru")
        return None
    if not isinstance(value, dict):
        raise ctx.error(label, f"must be a table with {list(LANGUAGES)} texts, got {value!r}")
    extra = set(value) - set(LANGUAGES)
    if extra:
        raise ctx.error(f"{label}.{sorted(extra)[0]}", f"unknown language; use {list(LANGUAGES)}")
    for lang in LANGUAGES:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise ctx.error(f"{label}.{lang}", f"must be a non-empty text, got {text!r}")
    return Text(**{lang: value[lang].strip() for lang in LANGUAGES})


def _bool(ctx: _Ctx, table: dict[str, Any], name: str, label: str) -> bool:
    value = table.get(name, False)
    if not isinstance(value, bool):
        raise ctx.error(label, f"must be true or false, got {value!r}")
    return value


def _real(
    ctx: _Ctx,
    table: dict[str, Any],
    name: str,
    *,
    default: float | None = None,
    low: float | None = None,
    high: float | None = None,
    label: str | None = None,
) -> float:
    label = label or name
    value = table.get(name, default)
    if value is None:
        raise ctx.error(label, "is missing")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ctx.error(label, f"must be a finite number, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        rule = f"in [{low:g}, {high:g}]" if high is not None else f">= {low:g}"
        raise ctx.error(label, f"must be {rule}, got {value!r}")
    return float(value)
