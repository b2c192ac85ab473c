"""Checks of the exercise ``07_referral``: a meal-kit service's NPS and referral programme.

The situation (``exercises/masters/07_referral.ipynb``): *FreshBox* delivers meal kits to
4,000 subscribers. It surveys 150 of them every month with the NPS question; each
subscriber sends 2.5 invites per viral cycle (a month) and 12 % of invites become
subscribers. A subscriber is worth 90 dollars of gross profit over their life, and a
referral programme would cost 5,000 dollars to run for six months.

Questions (the variable the student assigns):

``nps_this_month``
    The NPS of this month's survey, in points: exact from the counts.
``change_low``
    The lower end of the 95 % interval of the change this month − last month
    (:func:`funnelsim.nps_difference_ci`), to 0.5 points (the plain Wald interval, without
    Rocks's adjustment, is within 0.1 point with 150 answers a survey, so it passes too).
    Classic mistakes: the interval of this month alone, the shares as fractions (−1..1)
    rather than points, the estimated change itself instead of the interval's lower end.
``k``
    The viral coefficient from the total invites (10,000 sent by 4,000 subscribers, 12 %
    converted): 0.3. The classic mistake is the recipe read literally, a count of 1,200.
``referred_total``
    Subscribers in the end when the 4,000 start a referral cascade
    (:func:`funnelsim.simulate_referrals` with the student's seed). Visible: within 4
    standard errors of the Galton–Watson mean ``s / (1 − K)``, the standard error of the
    total progeny of ``s`` ancestors with Poisson(K) offspring being
    ``sqrt(s K / (1 − K)³)``. Hidden: exactly the simulation with the student's seed.
``best_reward``
    The referrer reward, in whole dollars 0–60, that maximises the programme's ROI
    (:func:`funnelsim.referral_programme` with the default response curves). The classic
    mistake is the reward that maximises profit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from funnelsim.exercises import Check, ExerciseSpec, Outcome, Question, Wrong
from funnelsim.exercises._checks import (
    near,
    own_simulation_check,
    read_count,
    read_number,
    share_hint,
    simulated_check,
    value_hint,
    within_se,
)

__all__ = ["EXERCISE", "SUBSCRIBERS", "programme", "survey"]

#: Subscribers who can refer (generation 0).
SUBSCRIBERS = 4_000
#: Invites one subscriber sends per month, and the share that convert.
INVITES_PER_USER = 2.5
INVITE_CONVERSION = 0.12
#: Gross profit of one subscriber over their life, dollars.
LTV = 90.0
#: Fixed cost of the referral programme, dollars, and its horizon in months.
PROGRAMME_COST = 5_000.0
CYCLES = 6
#: The reward grid of question 5, whole dollars.
REWARDS = np.arange(0, 61, 1.0)

#: Answers per score (10 down to 0) of the two surveys; 150 answers each.
_SURVEYS = {
    "this month": {10: 33, 9: 33, 8: 25, 7: 20, 5: 20, 2: 19},
    "last month": {10: 30, 9: 27, 8: 28, 7: 20, 6: 25, 1: 20},
}


def survey(month: str) -> np.ndarray:
    """The 0–10 answers of one month's survey: ``"this month"`` or ``"last month"``."""
    if month not in _SURVEYS:
        raise ValueError(f"month must be one of {list(_SURVEYS)}, got {month!r}")
    return np.repeat(list(_SURVEYS[month]), list(_SURVEYS[month].values())).astype(np.int64)


def programme() -> Any:
    """The reward sweep of question 5 (:func:`funnelsim.referral_programme`)."""
    import funnelsim as fs

    return fs.referral_programme(
        SUBSCRIBERS,
        INVITES_PER_USER,
        INVITE_CONVERSION,
        ltv=LTV,
        referrer_reward=REWARDS,
        programme_cost=PROGRAMME_COST,
        cycles=CYCLES,
    )


def _k() -> float:
    return INVITES_PER_USER * INVITE_CONVERSION


# --- nps_this_month -----------------------------------------------------------------------


def _nps_right(value: Any, seed: int) -> Outcome:
    import funnelsim as fs

    x = read_number(value, "nps_this_month")
    answers = survey("this month")
    right = fs.nps(answers)
    if math.isclose(x, right, abs_tol=1e-9):
        return Outcome(True)
    if math.isclose(100 * x, right, abs_tol=1e-6):
        return Outcome(False, "that is the NPS as a fraction; give it in points (−100 to 100)")
    shares = fs.nps_breakdown(answers)
    if math.isclose(x, 100 * shares["promoter"], abs_tol=1e-6):
        return Outcome(False, "that is the share of promoters; subtract the share of detractors")
    if math.isclose(x, float(np.mean(answers)), abs_tol=1e-6) or math.isclose(
        x, 10 * float(np.mean(answers)), abs_tol=1e-6
    ):
        return Outcome(False, "that is the average score; NPS counts promoters and detractors")
    if math.isclose(x, 100 * (shares["promoter"] + shares["passive"] - shares["detractor"])):
        return Outcome(False, "passives (7–8) count neither way: leave them out")
    return Outcome(False, "not this month's NPS: % promoters (9–10) − % detractors (0–6)")


# --- change_low ---------------------------------------------------------------------------


def _change_low_right(value: Any, seed: int) -> Outcome:
    import funnelsim as fs

    x = read_number(value, "change_low")
    a, b = survey("this month"), survey("last month")
    right = fs.nps_difference_ci(a, b).low
    if abs(x - right) <= 0.5:  # the plain Wald interval is within 0.1 point here: fine too
        return Outcome(True)
    if abs(100 * x - right) <= 0.5:
        return Outcome(False, "that is on the −1..1 scale; give the interval in NPS points")
    if abs(x - fs.nps_ci(a).low) <= 0.5:
        return Outcome(
            False,
            "that is the interval of this month's NPS alone; the question is about the "
            "change between the two months (fs.nps_difference_ci)",
        )
    if abs(x - (fs.nps(a) - fs.nps(b))) <= 0.5:
        return Outcome(
            False,
            "that is the estimated change itself (the first number printed); the question "
            "wants the LOWER end of its 95 % interval: the `.low` of what "
            "fs.nps_difference_ci returns",
        )
    if x > fs.nps(a) - fs.nps(b):
        return Outcome(False, "the lower end must lie below the change itself")
    return Outcome(False, "not the lower end of the 95 % interval of this month − last month")


# --- k -----------------------------------------------------------------------------------


def _k_right(value: Any, seed: int) -> Outcome:
    x = read_number(value, "k")
    if near(x, _k(), 1e-9):
        return Outcome(True)
    not_every = "not every invite converts: multiply by the invite conversion"
    hint = value_hint(
        x,
        [
            (
                SUBSCRIBERS * _k(),
                "that is a count of new subscribers: the recipe read with the total invites. "
                "K uses invites per subscriber",
            ),
            (INVITES_PER_USER, not_every),
            (SUBSCRIBERS * INVITES_PER_USER, not_every),
        ],
        rel=1e-9,
    ) or share_hint(x, _k(), "the conversion is a fraction (0.12), not a percentage", rel=1e-9)
    return Outcome(False, hint or "not K: invites per subscriber × invite conversion")


# --- referred_total -----------------------------------------------------------------------


def _total(value: Any) -> float:
    return read_count(value, "referred_total", "subscribers")


def _total_expected(seed: int) -> tuple[float, float]:
    # a Galton–Watson cascade with Poisson(k) offspring started by SUBSCRIBERS people:
    # total progeny mean n / (1 - k), variance n k / (1 - k)³
    k = _k()
    return SUBSCRIBERS / (1 - k), math.sqrt(SUBSCRIBERS * k / (1 - k) ** 3)


def _total_mistakes(x: float, seed: int) -> str | None:
    expected, se = _total_expected(seed)
    if within_se(x, expected - SUBSCRIBERS, se)[0]:
        return (
            "that looks like the referred subscribers only; the question counts everyone in "
            "the end, the 4,000 included"
        )
    if within_se(x, SUBSCRIBERS * (1 + _k()), se)[0]:
        return "that stops after one cycle; let the cascade run until it dies out"
    return None


def _own_totals(seed: int) -> list[float]:
    import funnelsim as fs

    runs = (
        fs.simulate_referrals(SUBSCRIBERS, INVITES_PER_USER, INVITE_CONVERSION, seed=seed),
        fs.simulate_referrals(SUBSCRIBERS, _k(), 1.0, seed=seed),
    )
    return [float(r.total) for r in runs]


_total_own_seed = own_simulation_check(
    _total, _own_totals, "the total is not from a simulation with your own seed (seed=ex.seed)"
)
_total_plausible = simulated_check(
    _total,
    _total_expected,
    own=_total_own_seed,
    mistakes=_total_mistakes,
    miss="your total is {z:.0f} standard errors from what this referral loop gives: simulate "
    "4,000 seed subscribers with 2.5 invites each and a 12 % conversion",
)


# --- best_reward --------------------------------------------------------------------------


def _reward_right(value: Any, seed: int) -> Outcome:
    x = read_number(value, "best_reward")
    if not 0 <= x <= 60:
        raise Wrong(f"best_reward is a reward from 0 to 60 dollars; got {x:g}")
    table = programme()
    rewards = table["referrer_reward"].to_numpy(float)
    best = float(rewards[int(np.argmax(table["roi"].to_numpy(float)))])
    most_profit = float(rewards[int(np.argmax(table["profit"].to_numpy(float)))])
    if abs(x - best) <= 1.0:
        return Outcome(True)
    if abs(x - most_profit) <= 1.0:
        return Outcome(
            False,
            "that reward maximises the programme's profit; the question asks for the best "
            "return per dollar, its ROI",
        )
    if x == 0:
        return Outcome(False, "with no reward the programme only costs its fixed cost: ROI −100 %")
    if x > most_profit:
        return Outcome(False, "past the profit peak: the reward costs more than it brings back")
    return Outcome(False, "not the reward with the highest ROI in the table")


EXERCISE = ExerciseSpec(
    id="07_referral",
    title="Exercise 07: referrals at a meal-kit service",
    questions=(
        Question("nps_this_month", 2, (Check("this month's NPS", _nps_right),)),
        Question("change_low", 2, (Check("the interval of the change", _change_low_right),)),
        Question("k", 2, (Check("the viral coefficient", _k_right),)),
        Question(
            "referred_total",
            2,
            (
                Check("a plausible total", _total_plausible),
                Check("simulated with the student's seed", _total_own_seed, hidden=True),
            ),
        ),
        Question("best_reward", 2, (Check("the ROI-maximising reward", _reward_right),)),
    ),
)
