"""Checks of the exercise ``04_activation``: a budgeting app's onboarding.

The situation (``exercises/masters/04_activation.ipynb``): *Pennywise* is a budgeting app.
A new user signs up, links a bank account (55 % of sign-ups) and creates a first budget
(70 % of those who linked a bank): the first value. Users spend about a day (gamma, mean 1,
shape 2) before linking the bank and about two days (exponential, mean 2) before creating
the budget (:func:`app`). 3,000 users sign up in a month.

Questions (the variable the student assigns):

``activation_rate``
    Share of the sign-ups reaching "First budget" in a month simulated with events and the
    student's seed. Visible: within 4 standard errors of the reach (binomial). Classic
    mistake: the step conversion of the last step only. Hidden: the student's own run.
``mean_days_to_value``
    Mean time from sign-up to the first budget among those who got there, from the same
    log. Visible: within 4 standard errors of the closed form (the sum of the two stages'
    mean times; the standard error from the sum of their variances). Classic mistake: the
    median. Hidden: the student's own run.
``split_gain``
    The exact gain in win rate (a share) of the two-step onboarding over one big step of the
    same overall rate, both with the same nurture (:data:`NURTURE`), from
    :func:`funnelsim.compare_pipelines`. Classic mistakes: 0 (a split without nurture),
    percentage points, the win rate itself.
``best_lever``
    Which of three levers (:data:`LEVERS`) raises the win rate most, exactly.
"""

from __future__ import annotations

import math
from typing import Any

from funnelsim.exercises import Check, ExerciseSpec, Outcome, Question
from funnelsim.exercises._checks import (
    binomial_share,
    near,
    own_simulation_check,
    read_choice,
    read_number,
    read_positive,
    read_share,
    share_hint,
    simulated_check,
)

__all__ = ["EXERCISE", "LEVERS", "NURTURE_SETTINGS", "SIGN_UPS", "app", "lever_table", "simulated"]

#: Sign-ups in the simulated month.
SIGN_UPS = 3_000
#: The nurture track: re-entry, delay (days) and rounds.
NURTURE_SETTINGS: dict[str, float] = {"reentry": 0.4, "delay": 3.0, "max_rounds": 1}
#: The levers: name -> (changed step rates, re-entry of the nurture track).
LEVERS: dict[str, tuple[dict[str, float], float]] = {
    "bank wizard": ({"Bank linked": 0.65}, 0.4),
    "budget templates": ({"First budget": 0.8}, 0.4),
    "onboarding emails": ({}, 0.6),
}


def app() -> Any:
    """Pennywise's onboarding funnel (times in days)."""
    import funnelsim as fs

    times = {
        "Sign-up": fs.TimeInStage.gamma(1.0, 2.0),
        "Bank linked": fs.TimeInStage.exponential(2.0),
        "First budget": 0.0,
    }
    rates = {"Sign-up": 1.0, "Bank linked": 0.55, "First budget": 0.7}
    return fs.Funnel.from_rates(rates, times=times, name="Pennywise")


def _nurture(reentry: float | None = None) -> Any:
    import funnelsim as fs

    s = NURTURE_SETTINGS
    return fs.Nurture(
        s["reentry"] if reentry is None else reentry,
        delay=fs.TimeInStage.fixed(s["delay"]),
        max_rounds=int(s["max_rounds"]),
    )


def simulated(seed: int) -> Any:
    """The month simulated with events and ``seed`` (a SimulationResult)."""
    import funnelsim as fs

    return fs.simulate(app(), SIGN_UPS, seed=seed, events=True)


def lever_table() -> Any:
    """Exact win rates of the app as it is and with each lever (``compare_pipelines``)."""
    import funnelsim as fs

    f = app()
    variants = {"as is": (f, _nurture())}
    for name, (rates, reentry) in LEVERS.items():
        variants[name] = (f.with_rates(rates) if rates else f, _nurture(reentry))
    return fs.compare_pipelines(variants, SIGN_UPS).set_index("variant")


# --- activation_rate ----------------------------------------------------------------------


def _rate(value: Any) -> float:
    return read_share(value, "activation_rate")


def _activation_mistakes(x: float, seed: int) -> str | None:
    if near(x, float(app().rates[-1]), 0.1):
        return (
            "that looks like the last step's conversion (bank linked → first budget); the "
            "activation rate divides the users with a first budget by *all* sign-ups"
        )
    return None


def _own_rate(seed: int) -> float:
    counts = simulated(seed).counts[0]
    return float(counts[-1] / counts[0])


_activation_own_seed = own_simulation_check(
    _rate,
    _own_rate,
    "the rate is not from a simulation with your own seed (seed=ex.seed)",
    rel_tol=1e-6,
)
_activation_plausible = simulated_check(
    _rate,
    lambda seed: binomial_share(SIGN_UPS, float(app().reach[-1])),
    own=_activation_own_seed,
    mistakes=_activation_mistakes,
    miss="your rate is {z:.0f} standard errors from what this onboarding gives: divide the "
    "users reaching First budget by the sign-ups of your simulation",
)


# --- mean_days_to_value -------------------------------------------------------------------


def _days(value: Any) -> float:
    return read_positive(
        value, "mean_days_to_value", "a time to first value, a positive number of days"
    )


def _own_times(seed: int) -> Any:
    from funnelsim.analytics import time_to_convert

    return time_to_convert(simulated(seed).events)


def _days_expected(seed: int) -> tuple[float, float]:
    f = app()
    stages = f.stages[:-1]  # time in Sign-up, then in Bank linked
    mean = sum(s.time.mean for s in stages)
    sd = math.sqrt(sum(s.time.var for s in stages))
    converters = SIGN_UPS * float(f.reach[-1])
    return mean, sd / math.sqrt(converters)


def _days_screen(x: float, seed: int) -> str | None:
    own = _own_times(seed)
    if near(x, float(own.median()), 0.01) and not near(x, float(own.mean()), 0.01):
        return "that looks like the median; the question asks for the mean time"
    return None


def _days_mistakes(x: float, seed: int) -> str | None:
    stages = app().stages[:-1]
    if near(x, stages[1].time.mean, 0.15) or near(x, stages[0].time.mean, 0.15):
        return (
            "that looks like the time in one stage only; first value comes after both "
            "(from Sign-up to First budget)"
        )
    return None


_days_own_seed = own_simulation_check(
    _days,
    lambda seed: float(_own_times(seed).mean()),
    "the mean is not from your own simulation's event log",
    rel_tol=1e-6,
)
_days_plausible = simulated_check(
    _days,
    _days_expected,
    own=_days_own_seed,
    screen=_days_screen,
    mistakes=_days_mistakes,
    miss="your value is {z:.0f} standard errors from the mean time this onboarding gives: the "
    "question asks for the mean (not the median) of fs.time_to_convert on your simulation's "
    "events",
)


# --- split_gain ---------------------------------------------------------------------------


def _split_gain_right(value: Any, seed: int) -> Outcome:
    import funnelsim as fs

    x = read_number(value, "split_gain")
    f = app()
    one = fs.Funnel.from_rates({"Sign-up": 1.0, "First budget": float(f.reach[-1])})
    table = fs.compare_pipelines({"one": (one, _nurture()), "split": (f, _nurture())}, SIGN_UPS)
    right = float(table["change"].iloc[1])
    if math.isclose(x, right, rel_tol=1e-3, abs_tol=1e-5):
        return Outcome(True)
    if abs(x) < 1e-9:
        return Outcome(
            False,
            "zero is the gain of a split without nurture; the question gives both onboardings "
            "the same nurture track",
        )
    if hint := share_hint(x, right, "give the gain as a share (0.05 for 5 points), not in points"):
        return Outcome(False, hint)
    if near(x, float(table["win_rate"].iloc[1]), 1e-3):
        return Outcome(False, "that is the split onboarding's win rate; the question asks the gain")
    if math.isclose(x, -right, rel_tol=1e-3):
        return Outcome(False, "the sign is reversed: split minus one big step")
    return Outcome(False, "not the exact gain: compare the two pipelines with compare_pipelines")


# --- best_lever ---------------------------------------------------------------------------


def _lever_name(value: Any) -> str:
    return read_choice(
        value,
        "best_lever",
        list(LEVERS),
        noun="a lever's name",
        among="one of the levers; they are",
    )


def _lever_is_known(value: Any, seed: int) -> Outcome:
    _lever_name(value)
    return Outcome(True)


def _lever_right(value: Any, seed: int) -> Outcome:
    chosen = _lever_name(value)
    table = lever_table().drop(index="as is")
    best = str(table["change"].idxmax())
    if chosen == best:
        return Outcome(True)
    if chosen == "budget templates":
        return Outcome(
            False,
            "templates lift the strongest step (70 % → 80 %); the same ten points on the "
            "weakest step are a larger relative gain",
        )
    return Outcome(False, f"{chosen} helps, but another lever helps more: compare them exactly")


EXERCISE = ExerciseSpec(
    id="04_activation",
    title="Exercise 04: the onboarding of a budgeting app",
    questions=(
        Question(
            "activation_rate",
            2,
            (
                Check("a plausible activation rate", _activation_plausible),
                Check("from the student's own simulation", _activation_own_seed, hidden=True),
            ),
        ),
        Question(
            "mean_days_to_value",
            2,
            (
                Check("a plausible mean time to first value", _days_plausible),
                Check("from the student's own event log", _days_own_seed, hidden=True),
            ),
        ),
        Question("split_gain", 2, (Check("the exact gain of the split", _split_gain_right),)),
        Question(
            "best_lever",
            2,
            (
                Check("one of the levers", _lever_is_known),
                Check("the lever with the largest gain", _lever_right),
            ),
        ),
    ),
)
