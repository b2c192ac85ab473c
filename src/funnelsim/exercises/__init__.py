"""Exercises: one master notebook, a generated student copy, noise-tolerant checks, a grader.

How an exercise is made
-----------------------
An exercise is written once, as a **master** notebook in ``exercises/masters/`` that holds
the task, the solution and calls to the checks. The student copy in ``exercises/student/``
is generated from it (:func:`funnelsim.exercises.notebook.student_copy`): every block
between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` becomes ``...`` and every line ending in
``# SOLUTION`` keeps its left-hand side and loses its right-hand side, as in otter-grader's
master format (https://otter-grader.readthedocs.io, "Creating Assignments"). The generator
is idempotent and a test regenerates every copy and fails when a committed one differs.

Why not otter-grader itself (measured here on 2026-11-30): otter-grader 7.0.0 installs from
PyPI into a fresh virtualenv (92 packages) and ``otter assign`` turns a master in its format
into student and autograder copies offline in 4.7 s at a load average of 10, so the format
and the speed are fine. What it would cost is the course's pinned environment: it adds
python-on-whales (its batch grader ``otter grade`` runs submissions in Docker), ipylab,
jupytext, fica, dill and python-frontmatter, none of which the course uses otherwise. What
it would not give is the rest of this brief: its checks are ``assert`` cells with no
per-student expected value and no targeted feedback, its ``seed`` option seeds the global
``random``/``np.random`` state, which ``numpy.random.default_rng`` never reads, and
students have seen "all tests passed" while hidden tests failed. So this module keeps
otter's master format for solutions (about 100 lines) and builds the checks and the grader
on nbformat and nbclient, which the course already installs.

Checks
------
The checks of an exercise are Python functions in the exercise's module (e.g.
:mod:`funnelsim.exercises.aaarrr_funnel`), not cells of the notebook, for three reasons:
the expected value is computed in the check and so never appears in a notebook's source or
outputs; the checks are unit-tested like the rest of the library; and the grader runs them
in its own process on the answers it reads from the executed notebook, so nothing a
notebook does to its own namespace can make a check pass. Each check returns an
:class:`Outcome` whose feedback talks about the student's mistake ("your LTV is 12× too
large: ...") and never contains the expected value. Checks on simulated quantities take
their tolerance from the standard error of that quantity (a binomial count or proportion),
computed in the check, so any honest simulation passes whatever its noise.

The exercise modules build their checks from the blocks in
:mod:`funnelsim.exercises._checks` (reading an answer, the tolerance in standard errors
with the student's own simulation accepted, the hidden recomputation with the student's
seed, the hints for classic mistakes), so that all exercises read and judge answers alike.

A check is *visible* (run in the notebook by :meth:`Exercise.check` and
:meth:`Exercise.summary`) or *hidden* (run only by the grader). The notebook never reports
success as a whole: its summary reads "N of M visible checks passed; K hidden checks run
at grading".

Each student's seed
-------------------
Every student gets a seed of their own, :func:`student_seed`: the first 8 bytes of
``SHA-256("funnelsim-exercise:<exercise>:<student id>")`` modulo ``2**32``. The student
id is the quizzes' one, :func:`funnelsim.quiz.progress.student_id`: ``$FUNNELSIM_STUDENT``
(``$FUNNELSIM_STUDENT_ID`` is still accepted), else ``$JUPYTERHUB_USER`` (on a hub), else a
random id stored once per machine, so students on laptops do not share a seed; the grader
sets ``FUNNELSIM_STUDENT`` to the submitted file's name without ``.ipynb``. The checks
recompute what the simulation with that seed gives.
"""

from __future__ import annotations

import hashlib
import importlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DEFAULT_STUDENT_ID",
    "EXERCISES",
    "NOT_DONE",
    "STUDENT_ID_ENV",
    "Check",
    "Exercise",
    "ExerciseSpec",
    "Feedback",
    "Outcome",
    "Question",
    "export_answers",
    "get",
    "main",
    "run_checks",
    "student_id",
    "student_seed",
]

#: The environment variable that names the student (see the module docs).
STUDENT_ID_ENV = "FUNNELSIM_STUDENT"
#: The student id the masters run with (``generate --check``).
DEFAULT_STUDENT_ID = "example"
#: What a check says about a question whose answer is still ``...``.
NOT_DONE = "not done yet"

#: Exercise id -> the module that defines it (imported on first use).
EXERCISES: Mapping[str, str] = {
    "01_value_proposition": "funnelsim.exercises.value_proposition",
    "02_aaarrr_funnel": "funnelsim.exercises.aaarrr_funnel",
    "03_awareness_acquisition": "funnelsim.exercises.acquisition_channels",
    "04_activation": "funnelsim.exercises.activation",
    "05_retention": "funnelsim.exercises.subscription_retention",
    "06_unit_economics": "funnelsim.exercises.unit_economics",
    "07_referral": "funnelsim.exercises.referral",
    "08_b2b_buying": "funnelsim.exercises.b2b_buying",
    "09_sales_funnel": "funnelsim.exercises.sales_plan",
    "10_customers_from_data": "funnelsim.exercises.customers_from_data",
    "11_abm_bant": "funnelsim.exercises.abm_bant",
    "12_product_life_cycle": "funnelsim.exercises.product_life_cycle",
    "13_b2b_marketing": "funnelsim.exercises.b2b_marketing",
    "14_capstone": "funnelsim.exercises.capstone",
}


@dataclass(frozen=True)
class Outcome:
    """What one check says about one answer."""

    #: Whether the answer passed the check.
    passed: bool
    #: Feedback in the student's terms; never the expected value.
    feedback: str = ""


@dataclass(frozen=True)
class Check:
    """One check of one question."""

    #: What the check verifies, in a few words ("a share between 0 and 1").
    name: str
    #: ``function(answer, seed) -> Outcome``; may raise :class:`Wrong` for a short answer.
    function: Callable[[Any, int], Outcome]
    #: Hidden checks run only at grading.
    hidden: bool = False


@dataclass(frozen=True)
class Question:
    """One question: the variable the student assigns, its points, its checks."""

    #: The variable name the student assigns in the notebook (also the question's name).
    name: str
    #: Points for the question, all or nothing: every check, visible and hidden, must pass.
    points: float
    #: The checks, visible and hidden, run in order.
    checks: tuple[Check, ...]

    @property
    def visible(self) -> tuple[Check, ...]:
        """The checks the notebook runs."""
        return tuple(c for c in self.checks if not c.hidden)

    @property
    def hidden(self) -> tuple[Check, ...]:
        """The checks only the grader runs."""
        return tuple(c for c in self.checks if c.hidden)


@dataclass(frozen=True)
class ExerciseSpec:
    """An exercise: its id (the notebook's file name without ``.ipynb``) and questions."""

    #: The exercise id, e.g. ``"02_aaarrr_funnel"``.
    id: str
    #: The exercise's title.
    title: str
    #: The questions in notebook order.
    questions: tuple[Question, ...]

    def question(self, name: str) -> Question:
        """The question called ``name``; ValueError naming the known ones otherwise."""
        for q in self.questions:
            if q.name == name:
                return q
        known = [q.name for q in self.questions]
        raise ValueError(f"question must be one of {known} in {self.id!r}, got {name!r}")


class Wrong(Exception):  # an answer that is wrong, not an error of the program
    """Raised inside a check to fail it with a feedback message."""


def get(exercise: str) -> ExerciseSpec:
    """The exercise with id ``exercise`` (one of :data:`EXERCISES`).

    Raises
    ------
    ValueError
        If the id is unknown; the message lists the known ones.
    """
    if not isinstance(exercise, str) or exercise not in EXERCISES:
        raise ValueError(f"exercise must be one of {sorted(EXERCISES)}, got {exercise!r}")
    spec = importlib.import_module(EXERCISES[exercise]).EXERCISE
    if not isinstance(spec, ExerciseSpec):  # pragma: no cover - a programming error
        raise TypeError(f"{EXERCISES[exercise]}.EXERCISE must be an ExerciseSpec")
    return spec


def student_id(student: str | None = None) -> str:
    """The student id: ``student`` if given, else the quizzes' one
    (:func:`funnelsim.quiz.progress.student_id`: ``$FUNNELSIM_STUDENT``,
    ``$FUNNELSIM_STUDENT_ID``, ``$JUPYTERHUB_USER``, else a random id stored once).

    Raises
    ------
    TypeError
        If ``student`` is not a string.
    ValueError
        If the id is empty or only spaces.
    """
    if student is None:
        from funnelsim.quiz.progress import student_id as shared_student_id

        student = shared_student_id()
    if not isinstance(student, str):
        raise TypeError(f"student must be a string, got {student!r}")
    if not student.strip():
        raise ValueError(f"student must be a non-empty id, got {student!r}")
    return student.strip()


def student_seed(exercise: str, student: str | None = None) -> int:
    """The seed of ``student`` for ``exercise``: a stable int in ``[0, 2**32)``.

    ``int.from_bytes(SHA-256(f"funnelsim-exercise:{exercise}:{student}")[:8]) % 2**32``,
    so it is the same on every machine and every Python, different for every student
    and every exercise, and known to the grader without being stored anywhere.

    Examples
    --------
    >>> student_seed("02_aaarrr_funnel", "alice") == student_seed("02_aaarrr_funnel", "alice")
    True
    >>> student_seed("02_aaarrr_funnel", "alice") != student_seed("02_aaarrr_funnel", "bob")
    True
    """
    if not isinstance(exercise, str) or not exercise:
        raise ValueError(f"exercise must be a non-empty id, got {exercise!r}")
    who = student_id(student)
    digest = hashlib.sha256(f"funnelsim-exercise:{exercise}:{who}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 2**32


# ---------------------------------------------------------------------------------------
# Running checks


def _is_unanswered(value: Any) -> bool:
    return value is Ellipsis or value is _MISSING


_MISSING = object()


def run_checks(question: Question, value: Any, seed: int, *, hidden: bool) -> list[Outcome]:
    """Run a question's visible checks (and its hidden ones when ``hidden``) on ``value``.

    An unanswered question (``...`` or no variable) fails every check with
    :data:`NOT_DONE`. A check that raises :class:`Wrong` fails with its message; any
    other exception in a check fails it with a message naming the answer's type, so
    a strange answer is feedback, never a traceback.
    """
    checks = question.checks if hidden else question.visible
    if _is_unanswered(value):
        return [Outcome(False, NOT_DONE) for _ in checks]
    out = []
    for check in checks:
        try:
            outcome = check.function(value, seed)
        except Wrong as wrong:
            outcome = Outcome(False, str(wrong))
        except Exception:  # any answer must give feedback, never a traceback
            outcome = Outcome(
                False,
                f"{check.name}: could not check an answer of type {type(value).__name__}",
            )
        out.append(outcome)
    return out


class Feedback:
    """Text shown in a notebook cell (its repr is the text, so outputs are plain and stable)."""

    def __init__(self, text: str, passed: int, total: int) -> None:
        self.text = text
        self.passed = passed
        self.total = total

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class Exercise:
    """The exercise as a student meets it in a notebook: their seed and the checks.

    Parameters
    ----------
    exercise : str
        The exercise id (one of :data:`EXERCISES`).
    student : str, optional
        The student id; default :func:`student_id` (the quizzes' id).

    Examples
    --------
    >>> ex = Exercise("02_aaarrr_funnel", student="alice")
    >>> ex.seed == student_seed("02_aaarrr_funnel", "alice")
    True
    >>> ex.check("reach_revenue", ...)
    reach_revenue: not done yet.
    """

    def __init__(self, exercise: str, *, student: str | None = None) -> None:
        self.spec = get(exercise)
        self.student = student_id(student)
        #: The student's seed for this exercise (pass it as ``seed=`` to every simulation).
        self.seed = student_seed(self.spec.id, self.student)

    def __repr__(self) -> str:
        return f"Exercise({self.spec.id!r}, student={self.student!r}, seed={self.seed})"

    def check(self, question: str, value: Any) -> Feedback:
        """Run the visible checks of ``question`` on ``value`` and say what is wrong.

        Returns
        -------
        Feedback
            One line: "not done yet", or how many visible checks passed with the first
            failure's feedback, and how many hidden checks run at grading.
        """
        q = self.spec.question(question)
        outcomes = run_checks(q, value, self.seed, hidden=False)
        return Feedback(_line(q, outcomes), sum(o.passed for o in outcomes), len(outcomes))

    def summary(self, namespace: Mapping[str, Any]) -> Feedback:
        """Run every question's visible checks on the answers in ``namespace`` (``globals()``).

        The text ends with "N of M visible checks passed; K hidden checks run at grading"
        and never claims that the exercise is solved.
        """
        if not isinstance(namespace, Mapping):
            raise TypeError(f"namespace must be a mapping such as globals(), got {namespace!r}")
        lines = []
        passed = total = hidden = 0
        for q in self.spec.questions:
            outcomes = run_checks(q, namespace.get(q.name, _MISSING), self.seed, hidden=False)
            lines.append("  " + _line(q, outcomes))
            passed += sum(o.passed for o in outcomes)
            total += len(outcomes)
            hidden += len(q.hidden)
        head = f"{self.spec.title} — student {self.student!r}, seed {self.seed}"
        tail = (
            f"{passed} of {_plural(total, 'visible check')} passed; "
            f"{_plural(hidden, 'hidden check')} run at grading."
        )
        return Feedback("\n".join([head, *lines, tail]), passed, total)


def _line(q: Question, outcomes: Sequence[Outcome]) -> str:
    hidden = len(q.hidden)
    later = f" (+{_plural(hidden, 'hidden check')} at grading)" if hidden else ""
    if outcomes and all(o.feedback == NOT_DONE for o in outcomes):
        return f"{q.name}: {NOT_DONE}."
    passed = sum(o.passed for o in outcomes)
    first = next((o.feedback for o in outcomes if not o.passed), "")
    text = f"{q.name}: {passed} of {_plural(len(outcomes), 'check')} passed{later}"
    return f"{text}. {first}" if first else f"{text}."


def export_answers(exercise: str, namespace: Mapping[str, Any]) -> dict[str, Any]:
    """The answers of ``exercise`` in ``namespace`` as JSON-ready values (used by the grader).

    Numbers become floats, strings stay strings, ``...`` and missing variables become
    ``None``; anything else becomes ``{"type": <type name>, "repr": <repr>}`` so the
    grader can say what it got.
    """
    spec = get(exercise)
    return {q.name: _jsonable(namespace.get(q.name, Ellipsis)) for q in spec.questions}


def _jsonable(value: Any) -> Any:
    import numbers

    if value is Ellipsis:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = float(value)
        return number if math.isfinite(number) else {"type": "float", "repr": repr(number)}
    single = one_value(value)
    if single is not value:  # a 0-d or one-element array, a one-cell Series or DataFrame
        return _jsonable(single)
    return {"type": type(value).__name__, "repr": repr(value)[:200]}


def one_value(value: Any) -> Any:
    """The single value of a 0-d or one-element numpy array or a one-cell pandas Series or
    DataFrame (numpy's ``.item()``); any other ``value`` itself, unchanged.

    A one-cell table is what ``df.loc[df["stage"] == "Revenue", "count"]`` gives: its one
    value is unambiguous, so the notebook's check and the grader both take it.

    Examples
    --------
    >>> import numpy as np
    >>> one_value(np.array([0.25]))
    0.25
    >>> one_value([1, 2])
    [1, 2]
    """
    if type(value).__name__ in ("Series", "DataFrame") and getattr(value, "size", None) == 1:
        return value.to_numpy().item()
    if type(value).__name__ == "ndarray" and value.size == 1:
        return value.item()
    if getattr(value, "shape", None) == () and hasattr(value, "item"):  # a numpy scalar
        return value.item()
    return value


def from_export(value: Any) -> Any:
    """Undo :func:`export_answers` for one value (``None`` means unanswered)."""
    if value is None:
        return Ellipsis
    if isinstance(value, dict):
        return _Opaque(str(value.get("type")), str(value.get("repr")))
    return value


@dataclass(frozen=True)
class _Opaque:
    """An answer the grader could not carry over (a list, a DataFrame, nan ...)."""

    type_name: str
    text: str


def main(argv: Sequence[str] | None = None) -> int:
    """``funnelsim exercise ...``: generate student copies, check them, grade a folder.

    Subcommands: ``generate [--masters DIR] [--student DIR] [--check]``,
    ``grade FOLDER [--out CSV] [--timeout SECONDS]`` and ``seed EXERCISE STUDENT``.
    Returns the process exit code.
    """
    from funnelsim.exercises.notebook import main as _main

    return _main(argv)
