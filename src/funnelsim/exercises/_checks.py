"""Building blocks of the exercises' checks: read an answer, test it against noise, hint.

Every exercise module (:mod:`funnelsim.exercises.aaarrr_funnel` and the others) checks a
student's answers with the same few moves, collected here so that they behave and speak
the same way in all fourteen exercises:

* **read** the answer as the kind of number the question asks for, or fail with
  :class:`~funnelsim.exercises.Wrong` saying what kind of answer was expected
  (:func:`read_number`, :func:`read_share`, :func:`read_count`, :func:`read_positive`,
  :func:`read_choice`, :func:`read_stage`);
* test a **simulated** answer against the model within ``k`` standard errors, also
  accepting exactly the student's own simulation (:func:`simulated_check`), and recompute
  that simulation in a hidden check (:func:`own_simulation_check`);
* give a **targeted hint** for a classic mistake: a percentage where a share is asked
  (:func:`share_hint`), an answer a known factor too large or small (:func:`ratio_hint`),
  or an answer equal to a known wrong quantity (:func:`value_hint`).

No hint ever contains the expected value: hints are fixed sentences written by the
exercise's author, and the only numbers the builders put in a message are the student's
own answer and its distance from the model in standard errors.

Tolerances: ``k = 4`` standard errors lets a correct answer fail about once in 16 000
runs under a normal approximation (two-sided tail ``2 Φ(-4) ≈ 6.3e-5``), and accepting the
student's own simulation exactly makes every honest answer pass whatever its draw (a
4.1-standard-error draw exists: seed 1654 of exercise 02). Standard errors of binomial
counts and proportions, ``sqrt(n p (1 - p))`` and ``sqrt(p (1 - p) / n)``, are the usual
ones (e.g. Wasserman, *All of Statistics*, 2004, §6.3): :func:`binomial_count`,
:func:`binomial_share`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from funnelsim.exercises import NOT_DONE, Outcome, Wrong, _Opaque, one_value

__all__ = [
    "CheckFunction",
    "binomial_count",
    "binomial_share",
    "near",
    "own_simulation_check",
    "ratio_hint",
    "read_choice",
    "read_count",
    "read_number",
    "read_positive",
    "read_share",
    "read_stage",
    "share_hint",
    "simulated_check",
    "value_hint",
    "within_se",
]

#: What a check function is: ``function(answer, seed) -> Outcome`` (may raise Wrong).
CheckFunction = Callable[[Any, int], Outcome]

_TABLE_TIP = "; take one number out of it with .loc[row, column] or .iloc[0]"


# ---------------------------------------------------------------------------------------
# Reading an answer


def read_number(value: Any, what: str) -> float:
    """The answer ``value`` as a finite float.

    Parameters
    ----------
    value : Any
        The student's answer: a Python or numpy number, a one-cell pandas Series or
        DataFrame or a one-element array (its single value is taken), or what the grader
        carried over from a notebook.
    what : str
        The variable's name, used in the feedback.

    Returns
    -------
    float
        The answer as a finite float.

    Raises
    ------
    Wrong
        ``...`` or ``None`` ("not done yet"), a bool, a string (a percentage written as
        text gets a hint to write the number), a table or array of more than one value
        (with a tip to take one cell out of it), anything else that is not a number, and
        nan or infinity.

    Examples
    --------
    >>> read_number(3, "x")
    3.0
    >>> read_number("5 %", "share_met")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    funnelsim.exercises.Wrong: share_met should be a number, not the text '5 %': write ...
    """
    if value is None or value is Ellipsis:
        raise Wrong(f"{what}: {NOT_DONE} (assign a number to it)")
    if isinstance(value, _Opaque):
        tip = _TABLE_TIP if value.type_name in ("Series", "DataFrame") else ""
        raise Wrong(f"{what} should be a number, got a {value.type_name} ({value.text}){tip}")
    if isinstance(value, str) and "%" in value:
        raise Wrong(
            f"{what} should be a number, not the text {value!r}: write the number itself, "
            "without quotes (a share as 0.05, not '5 %')"
        )
    value = one_value(value)
    if isinstance(value, bool | str):
        raise Wrong(f"{what} should be a number, got {value!r}")
    try:
        x = float(value)
    except (TypeError, ValueError):
        name = type(value).__name__
        tip = _TABLE_TIP if name in ("Series", "DataFrame") else ""
        raise Wrong(f"{what} should be a number, got a {name}{tip}") from None
    if not math.isfinite(x):
        raise Wrong(f"{what} should be a finite number, got {x}")
    return x


def read_share(value: Any, what: str, *, of: str = "", example: float = 0.05) -> float:
    """The answer ``value`` as a share (a fraction between 0 and 1).

    Parameters
    ----------
    value, what
        The answer and the variable's name, as for :func:`read_number`.
    of : str, optional
        What it is a share of, for the feedback ("the accounts"); empty by default.
    example : float, optional
        A share used in the hint for a percentage (default 0.05: "0.05, not 5").

    Returns
    -------
    float
        The share, in ``[0, 1]``.

    Raises
    ------
    Wrong
        Anything :func:`read_number` refuses; a value in ``(1, 100]`` (a percentage: "give
        it as a fraction"); any other value outside ``[0, 1]``.

    Examples
    --------
    >>> read_share(0.25, "win_rate")
    0.25
    >>> read_share(25, "win_rate")
    Traceback (most recent call last):
    ...
    funnelsim.exercises.Wrong: win_rate looks like a percentage: give it as a fraction (0.05, not 5)
    """
    x = read_number(value, what)
    if 1 < x <= 100:
        raise Wrong(
            f"{what} looks like a percentage: give it as a fraction "
            f"({example:g}, not {100 * example:g})"
        )
    if not 0 <= x <= 1:
        whose = f" of {of}" if of else ""
        raise Wrong(f"{what} is a share{whose}, so it must be between 0 and 1; got {x:g}")
    return x


def read_count(value: Any, what: str, unit: str, *, tip: str = "") -> float:
    """The answer ``value`` as a count: a whole number ≥ 0.

    Parameters
    ----------
    value, what
        The answer and the variable's name, as for :func:`read_number`.
    unit : str
        What is counted, plural ("customers", "companies").
    tip : str, optional
        Where to read the count, added to the feedback on a share ("Read the count at
        Revenue from result.counts").

    Returns
    -------
    float
        The count (a whole number, as a float).

    Raises
    ------
    Wrong
        Anything :func:`read_number` refuses; a value strictly between 0 and 1 (a share
        given for a count); a negative or fractional value.

    Examples
    --------
    >>> read_count(12, "paying_customers", "people")
    12.0
    """
    x = read_number(value, what)
    if 0 < x < 1:
        raise Wrong(f"{what} is a number of {unit}; you gave a share" + (f". {tip}" if tip else ""))
    if x != round(x) or x < 0:
        raise Wrong(f"{what} is a number of {unit}, a whole number ≥ 0; got {x:g}")
    return x


def read_positive(value: Any, what: str, meaning: str) -> float:
    """The answer ``value`` as a number greater than 0.

    Parameters
    ----------
    value, what
        The answer and the variable's name, as for :func:`read_number`.
    meaning : str
        What the answer is, for the feedback: "a positive amount of dollars" gives
        "cac_dollars is a positive amount of dollars; got -3".

    Returns
    -------
    float
        The answer, > 0.

    Raises
    ------
    Wrong
        Anything :func:`read_number` refuses, and a value ≤ 0.

    Examples
    --------
    >>> read_positive(12.5, "cac_dollars", "a positive amount of dollars")
    12.5
    """
    x = read_number(value, what)
    if x <= 0:
        raise Wrong(f"{what} is {meaning}; got {x:g}")
    return x


def read_choice(
    value: Any,
    what: str,
    choices: Sequence[str],
    *,
    noun: str,
    among: str,
    example: str | None = None,
) -> str:
    """The answer ``value`` as one of ``choices``, ignoring case and surrounding spaces.

    Parameters
    ----------
    value, what
        The answer (a string) and the variable's name, as for :func:`read_number`.
    choices : sequence of str
        The names the answer may be, as they are spelled in the exercise.
    noun : str
        What an answer is, for the feedback on a non-string ("a stage name").
    among : str
        What the choices are, for the feedback on an unknown name ("a stage of this
        funnel; the stages are").
    example : str, optional
        The example named in the feedback on a non-string; default ``choices[0]``.

    Returns
    -------
    str
        The matching entry of ``choices`` (its own spelling).

    Raises
    ------
    Wrong
        A value that is not a string, or a string that matches none of ``choices``.

    Examples
    --------
    >>> read_choice(" revenue", "biggest_drop", ["Awareness", "Revenue"],
    ...             noun="a stage name", among="a stage of this funnel; the stages are")
    'Revenue'
    """
    if not isinstance(value, str):
        such = choices[0] if example is None else example
        raise Wrong(f"{what} should be {noun} (a string) such as {such!r}")
    lower = [c.lower() for c in choices]
    text = value.strip().lower()
    if text not in lower:
        raise Wrong(f"{value!r} is not {among} {list(choices)}")
    return choices[lower.index(text)]


def read_stage(value: Any, what: str, stages: Sequence[str], *, start: str | None = None) -> str:
    """The answer ``value`` as a stage of a funnel (ignoring case and surrounding spaces).

    Parameters
    ----------
    value, what
        The answer (a stage name) and the variable's name, as for :func:`read_number`.
    stages : sequence of str
        The funnel's stage names, first stage first.
    start : str, optional
        If given, the first stage is refused with this feedback: questions about a *step*
        (the step into a stage) have no step into the first stage ("Lead is where every
        company starts: no step leads into it").

    Returns
    -------
    str
        The stage as the funnel spells it.

    Raises
    ------
    Wrong
        A value that is not a string, a name that is not one of ``stages``, and the first
        stage when ``start`` is given.

    Examples
    --------
    >>> read_stage("demo", "fix_first", ["Lead", "Demo", "Deal"], start="no step into Lead")
    'Demo'
    """
    chosen = read_choice(
        value,
        what,
        stages,
        noun="a stage name",
        among="a stage of this funnel; the stage names are",
        example=stages[1] if len(stages) > 1 else None,
    )
    if start is not None and chosen == stages[0]:
        raise Wrong(start)
    return chosen


# ---------------------------------------------------------------------------------------
# Comparing with the model


def near(value: float, target: float, rel: float = 0.02) -> bool:
    """Whether ``value`` is within a relative ``rel`` of ``target`` (for spotting mistakes).

    Examples
    --------
    >>> near(101.0, 100.0), near(103.0, 100.0)
    (True, False)
    """
    return abs(value - target) <= rel * abs(target) + 1e-12


def within_se(value: float, expected: float, se: float, z: float = 4.0) -> tuple[bool, float]:
    """Whether ``value`` is within ``z`` standard errors of ``expected``; also the distance.

    ``z = 4`` lets a correct answer fail about once in 16 000 runs (normal tails), so a
    student with an honest simulation is practically never told they are wrong. With
    ``se <= 0`` (no noise) the value must equal ``expected`` up to rounding.

    Examples
    --------
    >>> within_se(110.0, 100.0, 5.0)
    (True, 2.0)
    """
    if se <= 0:
        ok = math.isclose(value, expected, rel_tol=1e-9, abs_tol=1e-12)
        return ok, 0.0 if ok else math.inf
    distance = abs(value - expected) / se
    return distance <= z, distance


def binomial_count(n: float, p: float) -> tuple[float, float]:
    """Mean and standard error of a Binomial(``n``, ``p``) count: ``n p``, ``sqrt(n p (1-p))``.

    Examples
    --------
    >>> binomial_count(100, 0.5)
    (50.0, 5.0)
    """
    return n * p, math.sqrt(n * p * (1 - p))


def binomial_share(n: float, p: float) -> tuple[float, float]:
    """Mean and standard error of a proportion of ``n`` trials: ``p``, ``sqrt(p (1-p) / n)``.

    Examples
    --------
    >>> binomial_share(100, 0.5)
    (0.5, 0.05)
    """
    return p, math.sqrt(p * (1 - p) / n)


def simulated_check(
    read: Callable[[Any], float],
    expected: Callable[[int], tuple[float, float]],
    *,
    miss: str,
    own: CheckFunction | None = None,
    mistakes: Callable[[float, int], str | None] | None = None,
    screen: Callable[[float, int], str | None] | None = None,
    scale: Callable[[float], float] | None = None,
    k: float = 4.0,
) -> CheckFunction:
    """A visible check of a simulated answer: within ``k`` standard errors of the model.

    Parameters
    ----------
    read : callable
        ``read(answer) -> float``: reads the answer or raises :class:`Wrong` (e.g. a
        :func:`read_count` with its arguments bound).
    expected : callable
        ``expected(seed) -> (mean, se)``: what the model gives and the standard error of
        an honest answer, on the scale of ``scale`` if given.
    miss : str
        Feedback when the answer is too far and no mistake is recognised; a format string
        that may use ``{z:.0f}`` (the distance in standard errors), ``{more}``
        ("more"/"fewer") and ``{higher}`` ("higher"/"lower").
    own : callable, optional
        The hidden check of the same question (:func:`own_simulation_check`): an answer it
        passes is accepted here too, so an honest answer passes for every seed, even one
        whose draw is more than ``k`` standard errors from the mean.
    mistakes : callable, optional
        ``mistakes(x, seed) -> hint or None``, tried when the answer is too far.
    screen : callable, optional
        ``screen(x, seed) -> hint or None``, tried *before* the tolerance: for a mistake
        that can fall within the band (the median given for the mean).
    scale : callable, optional
        Applied to the answer before comparing (``math.log`` for a ratio of counts).
    k : float, optional
        The tolerance in standard errors (default 4).

    Returns
    -------
    callable
        ``check(answer, seed) -> Outcome`` for a :class:`~funnelsim.exercises.Check`.
    """

    def check(value: Any, seed: int) -> Outcome:
        x = read(value)
        if screen is not None and (hint := screen(x, seed)) is not None:
            return Outcome(False, hint)
        mean, se = expected(seed)
        ok, z = within_se(x if scale is None else scale(x), mean, se, k)
        if ok or (own is not None and own(value, seed).passed):
            return Outcome(True)
        if mistakes is not None and (hint := mistakes(x, seed)) is not None:
            return Outcome(False, hint)
        above = (x if scale is None else scale(x)) > mean
        return Outcome(
            False,
            miss.format(
                z=z, more="more" if above else "fewer", higher="higher" if above else "lower"
            ),
        )

    return check


def own_simulation_check(
    read: Callable[[Any], float],
    own: Callable[[int], float | Iterable[float]],  # a number or several
    feedback: str,
    *,
    rel_tol: float = 0.0,
    abs_tol: float = 0.0,
) -> CheckFunction:
    """A hidden check: the answer is exactly what the student's own seed gives.

    Parameters
    ----------
    read : callable
        ``read(answer) -> float``, as for :func:`simulated_check`.
    own : callable
        ``own(seed) -> value or values``: the simulation recomputed with the student's
        seed; several values when more than one honest way exists (buyers and counts mode).
    feedback : str
        What to say when the answer is none of them ("the count is not from a simulation
        with your own seed (seed=ex.seed)").
    rel_tol, abs_tol : float, optional
        Tolerances of :func:`math.isclose`; the defaults ask for equality (counts).

    Returns
    -------
    callable
        ``check(answer, seed) -> Outcome``.
    """

    def check(value: Any, seed: int) -> Outcome:
        x = read(value)
        values = own(seed)
        for target in values if isinstance(values, Iterable) else (values,):
            if math.isclose(x, float(target), rel_tol=rel_tol, abs_tol=abs_tol):
                return Outcome(True)
        return Outcome(False, feedback)

    return check


# ---------------------------------------------------------------------------------------
# Hints for classic mistakes


def share_hint(x: float, right: float, hint: str, *, rel: float = 1e-3) -> str | None:
    """``hint`` if ``x`` is 100 × ``right``: a percentage given where a share is asked.

    Examples
    --------
    >>> share_hint(30.0, 0.3, "give it as a share, not in percent")
    'give it as a share, not in percent'
    >>> share_hint(0.3, 0.3, "give it as a share, not in percent") is None
    True
    """
    return hint if near(x, 100 * right, rel) else None


def ratio_hint(
    x: float, right: float, hints: Sequence[tuple[float, str]], *, rel: float = 1e-3
) -> str | None:
    """The first hint whose factor is ``x / right``: an answer a known factor off.

    Parameters
    ----------
    x, right : float
        The answer and the right value (not 0).
    hints : sequence of (factor, hint)
        ``(12.0, "your LTV is 12× too large: ...")`` for an answer 12 times too large,
        ``(1 / 12, ...)`` for 12 times too small.
    rel : float, optional
        Relative tolerance on the factor.

    Examples
    --------
    >>> ratio_hint(1200.0, 100.0, [(12.0, "12× too large"), (1 / 12, "12× too small")])
    '12× too large'
    """
    return value_hint(x / right, hints, rel=rel)


def value_hint(x: float, hints: Sequence[tuple[float, str]], *, rel: float = 1e-6) -> str | None:
    """The first hint whose value ``x`` is (within a relative ``rel``): a known wrong answer.

    Examples
    --------
    >>> value_hint(50.0, [(12.0, "only the ads"), (50.0, "hosting is not acquisition")])
    'hosting is not acquisition'
    """
    for target, hint in hints:
        if near(x, target, rel):
            return hint
    return None
