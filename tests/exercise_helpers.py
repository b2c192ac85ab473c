"""Run an exercise's checks the way the grader does, for the tests of every exercise.

``tests/test_exercise*.py`` call the check functions directly (``funnelsim.exercises
.run_checks``: the visible checks, plus the hidden ones unless ``hidden=False``) to show
that honest answers pass for several seeds, that the classic mistakes get their targeted
hint and that the feedback never gives the answer away. This is the one copy of the three
helpers they share::

    CHECKS = ExerciseChecks(get("05_retention"))
    CHECKS.passes("share_month_6", 0.41, seed)
    CHECKS.feedback("share_month_6", 41, seed)  # the text a student would read
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from funnelsim.exercises import ExerciseSpec, Outcome, run_checks

__all__ = ["ExerciseChecks"]


@dataclass(frozen=True)
class ExerciseChecks:
    """The checks of one exercise, run on an answer as a student's notebook runs them."""

    #: The exercise (``funnelsim.exercises.get(<id>)`` or the module's ``EXERCISE``).
    spec: ExerciseSpec
    #: The student seed used when a call gives none.
    seed: int = 1

    def outcomes(
        self, question: str, value: Any, seed: int | None = None, hidden: bool = True
    ) -> list[Outcome]:
        """Every check's outcome for ``value`` as the answer to ``question``."""
        chosen = self.seed if seed is None else seed
        return run_checks(self.spec.question(question), value, chosen, hidden=hidden)

    def passes(
        self, question: str, value: Any, seed: int | None = None, hidden: bool = True
    ) -> bool:
        """Whether ``value`` passes every check of ``question`` (hidden ones too by default)."""
        return all(o.passed for o in self.outcomes(question, value, seed, hidden))

    def feedback(self, question: str, value: Any, seed: int | None = None) -> str:
        """The feedback of the failed checks, joined: what the student reads."""
        return " ".join(o.feedback for o in self.outcomes(question, value, seed) if not o.passed)
