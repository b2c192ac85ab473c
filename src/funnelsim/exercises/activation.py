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

from funnelsim.exercises import (
    Check,
    ExerciseSpec,
    Outcome,
    Question,
    Wrong,
    near,
    number,
    within_se,
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


def _share(value: Any, what: str) -> float:
    x = number(value, what)
    if 1 < x <= 100:
        raise Wrong(f"{what} looks like a percentage: give it as a share (0.05, not 5)")
    if not 0 <= x <= 1:
        raise Wrong(f"{what} is a share, so it must be between 0 and 1; got {x:g}")
    return x


# --- activation_rate ----------------------------------------------------------------------


def _activation_plausible(value: Any, seed: int) -> Outcome:
    x = _share(value, "activation_rate")
    f = app()
    p = float(f.reach[-1])
    ok, z = within_se(x, p, math.sqrt(p * (1 - p) / SIGN_UPS))
    if ok:
        return Outcome(True)
    last = float(f.rates[-1])
    if near(x, last, 0.1):
        return Outcome(
            False,
            "that looks like the last step's conversion (bank linked → first budget); the "
            "activation rate divides the users with a first budget by *all* sign-ups",
        )
    return Outcome(
        False,
        f"your rate is {z:.0f} standard errors from what this onboarding gives: divide the "
        "users reaching First budget by the sign-ups of your simulation",
    )


def _activation_own_seed(value: Any, seed: int) -> Outcome:
    x = _share(value, "activation_rate")
    counts = simulated(seed).counts[0]
    if math.isclose(x, counts[-1] / counts[0], rel_tol=1e-6):
        return Outcome(True)
    return Outcome(False, "the rate is not from a simulation with your own seed (seed=ex.seed)")


# --- mean_days_to_value -------------------------------------------------------------------


def _days(value: Any) -> float:
    x = number(value, "mean_days_to_value")
    if x <= 0:
        raise Wrong(f"a time to first value is a positive number of days; got {x:g}")
    return x


def _days_plausible(value: Any, seed: int) -> Outcome:
    from funnelsim.analytics import time_to_convert

    x = _days(value)
    f = app()
    stages = f.stages[:-1]  # time in Sign-up, then in Bank linked
    mean = sum(s.time.mean for s in stages)
    sd = math.sqrt(sum(s.time.var for s in stages))
    converters = SIGN_UPS * float(f.reach[-1])
    ok, z = within_se(x, mean, sd / math.sqrt(converters))
    own = time_to_convert(simulated(seed).events)
    if near(x, float(own.median()), 0.01) and not near(x, float(own.mean()), 0.01):
        return Outcome(False, "that looks like the median; the question asks for the mean time")
    if ok:
        return Outcome(True)
    if near(x, stages[1].time.mean, 0.15) or near(x, stages[0].time.mean, 0.15):
        return Outcome(
            False,
            "that looks like the time in one stage only; first value comes after both "
            "(from Sign-up to First budget)",
        )
    return Outcome(
        False,
        f"your value is {z:.0f} standard errors from the mean time this onboarding gives: the "
        "question asks for the mean (not the median) of fs.time_to_convert on your simulation's "
        "events",
    )


def _days_own_seed(value: Any, seed: int) -> Outcome:
    from funnelsim.analytics import time_to_convert

    x = _days(value)
    if math.isclose(x, float(time_to_convert(simulated(seed).events).mean()), rel_tol=1e-6):
        return Outcome(True)
    return Outcome(False, "the mean is not from your own simulation's event log")


# --- split_gain ---------------------------------------------------------------------------


def _split_gain_right(value: Any, seed: int) -> Outcome:
    import funnelsim as fs

    x = number(value, "split_gain")
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
    if math.isclose(x, 100 * right, rel_tol=1e-3):
        return Outcome(False, "give the gain as a share (0.05 for 5 points), not in points")
    if near(x, float(table["win_rate"].iloc[1]), 1e-3):
        return Outcome(False, "that is the split onboarding's win rate; the question asks the gain")
    if math.isclose(x, -right, rel_tol=1e-3):
        return Outcome(False, "the sign is reversed: split minus one big step")
    return Outcome(False, "not the exact gain: compare the two pipelines with compare_pipelines")


# --- best_lever ---------------------------------------------------------------------------


def _lever_name(value: Any) -> str:
    if not isinstance(value, str):
        raise Wrong(f"best_lever should be a lever's name (a string), one of {list(LEVERS)}")
    text = value.strip().lower()
    if text not in LEVERS:
        raise Wrong(f"{value!r} is not one of the levers; they are {list(LEVERS)}")
    return text


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
