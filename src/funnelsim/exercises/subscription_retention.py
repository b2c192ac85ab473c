"""Checks of the exercise ``05_retention``: a language app's cohorts, and the CDNOW log.

The situation (``exercises/masters/05_retention.ipynb``): *Lingo*, a language-learning app,
sells a monthly plan. Five monthly cohorts of 800 subscribers have been observed for up to
8 months. Subscribers differ: each has their own monthly churn probability, drawn from a
Beta distribution with mean 20 % and polarization 0.1 (the sBG model,
``fs.ChurnModel.sbg_mean(0.20, 0.10)``, alpha = 1.8, beta = 7.2).

Questions (the variable the student assigns):

``share_month_6``
    The share of the oldest cohort (cohort 0) still subscribed in month 6, from a simulation
    with the student's seed. Every customer's lifetime is independent with survival
    ``S(t)``, so the count is binomial(800, S(6)); visible: within 4 standard errors
    ``sqrt(S (1 − S) / 800)`` of ``S(6)``. Classic mistakes: a count, a percentage, and the
    constant-churn value ``0.8**6``. Hidden: exactly the student's own simulation.
``projected_month_24``
    The sBG projection of the share still subscribed in month 24, fitted to that simulation
    (``fs.fit_sbg`` then ``project``). Visible: within 4 standard errors of the true
    ``S(24)``, the standard error being the delta-method one of the fit the student's seed
    gives (:meth:`funnelsim.SBGFit.project` with ``confidence``). Classic mistake: the
    constant-churn projection ``(1 − geometric_churn)**24``. Hidden: the student's own fit.
``lifetime_months``
    The expected lifetime in months under the true model, ``(alpha + beta − 1) / (alpha −
    1)`` = 10 (Fader & Hardie 2007), exact. Classic mistake: ``1 / mean churn`` = 5.
``repeat_180``
    CDNOW's repeat purchase rate within 180 days of the first purchase
    (``fs.repeat_purchase_rate(cdnow, within="180D")``), exact. Classic mistakes: no window,
    the 90-day window, a percentage.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

from funnelsim.exercises import Check, ExerciseSpec, Outcome, Question, Wrong
from funnelsim.exercises._checks import (
    binomial_share,
    near,
    own_simulation_check,
    read_number,
    read_positive,
    simulated_check,
    within_se,
)

__all__ = ["COHORTS", "COHORT_SIZE", "EXERCISE", "MEAN_CHURN", "PERIODS", "POLARIZATION", "model"]

#: Subscribers who join in each month.
COHORT_SIZE = 800
#: Monthly cohorts observed.
COHORTS = 5
#: Last month observed (the oldest cohort's age).
PERIODS = 8
#: Average monthly churn of a new subscriber.
MEAN_CHURN = 0.20
#: How different subscribers are (sBG polarization).
POLARIZATION = 0.10


def model() -> Any:
    """The exercise's churn law, ``ChurnModel.sbg_mean(MEAN_CHURN, POLARIZATION)``."""
    import funnelsim as fs

    return fs.ChurnModel.sbg_mean(MEAN_CHURN, POLARIZATION)


@cache
def _simulation(seed: int) -> Any:
    import funnelsim as fs

    return fs.simulate_cohorts(model(), [COHORT_SIZE] * COHORTS, periods=PERIODS, seed=seed)


@cache
def _projection(seed: int) -> Any:
    """Row 24 of the sBG projection fitted to the student's simulation (with a 95 % interval)."""
    import warnings

    import funnelsim as fs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fs.fit_sbg(_simulation(seed))
    return fit.project(24, confidence=0.95, geometric=True).iloc[24]


def _share(value: Any, what: str) -> float:
    x = read_number(value, what)
    if 1 < x <= 100:
        raise Wrong(f"{what} looks like a percentage or a count: give a share (0.35, not 35)")
    if x > 100:
        raise Wrong(
            f"{what} looks like a number of subscribers: divide by the cohort's size to get a share"
        )
    if x < 0:
        raise Wrong(f"{what} is a share, so it cannot be negative; got {x:g}")
    return x


# --- share_month_6 -------------------------------------------------------------------------


def _month6(value: Any) -> float:
    return _share(value, "share_month_6")


def _month6_mistakes(x: float, seed: int) -> str | None:
    _, se = binomial_share(COHORT_SIZE, float(model().survival(6)))
    if within_se(x, (1 - MEAN_CHURN) ** 6, se)[0]:
        return (
            "that is what one constant churn of 20 % would leave; simulate the exercise's "
            "sBG model, where subscribers differ, and read the share from its table"
        )
    return None


def _month6_own_seed(value: Any, seed: int) -> Outcome:
    x = _month6(value)
    wide = _simulation(seed).wide("survival")
    if math.isclose(x, float(wide.loc[0, 6]), rel_tol=1e-6):
        return Outcome(True)
    for t in (5, 7):
        if math.isclose(x, float(wide.loc[0, t]), rel_tol=1e-6):
            return Outcome(
                False,
                f"that is month {t} of your table: columns count months since joining, from 0",
            )
    return Outcome(False, "the share is not cohort 0's month 6 in a simulation with your seed")


_month6_plausible = simulated_check(
    _month6,
    lambda seed: binomial_share(COHORT_SIZE, float(model().survival(6))),
    own=_month6_own_seed,
    mistakes=_month6_mistakes,
    miss="your share is {z:.0f} standard errors {higher} than this model allows: read "
    "cohort 0's share still active (`survival`) in month 6",
)


# --- projected_month_24 --------------------------------------------------------------------


def _projected(value: Any) -> float:
    return _share(value, "projected_month_24")


def _projection_expected(seed: int) -> tuple[float, float]:
    # the standard error of the student's own fit, read off its 95 % interval
    row = _projection(seed)
    se = (float(row["ci_high"]) - float(row["ci_low"])) / (2 * 1.959963984540054)
    return float(model().survival(24)), se


def _projection_mistakes(x: float, seed: int) -> str | None:
    if near(x, float(_projection(seed)["geometric_survival"]), 0.05):
        return (
            "that is the constant-churn (geometric) projection: it keeps losing the same "
            "share every month and ignores that the churn-prone leave first; use the sBG "
            "projection (`survival`)"
        )
    if x > 0.2:
        return (
            "far too high for month 24: did you read a month inside the data instead of "
            "projecting to month 24?"
        )
    return None


_projection_own_seed = own_simulation_check(
    _projected,
    lambda seed: float(_projection(seed)["survival"]),
    "the projection is not from an sBG fit to your own simulation",
    rel_tol=1e-6,
)
_projection_plausible = simulated_check(
    _projected,
    _projection_expected,
    own=_projection_own_seed,
    mistakes=_projection_mistakes,
    miss="your projection is {z:.0f} standard errors from what the model allows: fit "
    "`fs.fit_sbg` to your simulation and read `survival` in row 24 of `project(24)`",
)


# --- lifetime_months -----------------------------------------------------------------------


def _lifetime_right(value: Any, seed: int) -> Outcome:
    x = read_positive(value, "lifetime_months", "a lifetime, a positive number of months")
    right = float(model().expected_lifetime)
    if near(x, right, 1e-3):
        return Outcome(True)
    if near(x, 1 / MEAN_CHURN, 1e-3):
        return Outcome(
            False,
            "that is 1 / average churn, the lifetime if everyone churned alike; with "
            "subscribers who differ, the loyal ones stay much longer (use the model's "
            "`expected_lifetime`)",
        )
    if near(x, 1 / MEAN_CHURN - 1, 1e-3) or near(x, right - 1, 1e-3):
        return Outcome(False, "off by one month: the month a subscriber joins counts as active")
    return Outcome(False, "not the expected lifetime of this sBG model, in months")


# --- repeat_180 ----------------------------------------------------------------------------


@cache
def _repeat_rates() -> dict[str, float]:
    import funnelsim as fs

    cdnow = fs.load_cdnow()
    return {
        w or "any": float(fs.repeat_purchase_rate(cdnow, within=w)["repeat_rate"].iloc[0])
        for w in ("180D", "90D", "365D", None)
    }


def _repeat_right(value: Any, seed: int) -> Outcome:
    x = _share(value, "repeat_180")
    rates = _repeat_rates()
    if math.isclose(x, rates["180D"], rel_tol=1e-6, abs_tol=1e-9):
        return Outcome(True)
    if near(x, rates["any"], 1e-4):
        return Outcome(
            False, "that counts a repeat at any time in the log; the question asks within 180 days"
        )
    if near(x, rates["90D"], 1e-4):
        return Outcome(False, "that is the 90-day window; the question asks for 180 days")
    if near(x, rates["365D"], 1e-4):
        return Outcome(False, "that is a one-year window; the question asks for 180 days")
    return Outcome(
        False,
        "not CDNOW's repeat purchase rate within 180 days: use fs.repeat_purchase_rate on "
        'fs.load_cdnow() with within="180D"',
    )


EXERCISE = ExerciseSpec(
    id="05_retention",
    title="Exercise 05: a language app's cohorts, and CDNOW's repeat buyers",
    questions=(
        Question(
            "share_month_6",
            2,
            (
                Check("a plausible share in month 6", _month6_plausible),
                Check("from the student's own simulation", _month6_own_seed, hidden=True),
            ),
        ),
        Question(
            "projected_month_24",
            3,
            (
                Check("a plausible sBG projection for month 24", _projection_plausible),
                Check("from the student's own fit", _projection_own_seed, hidden=True),
            ),
        ),
        Question("lifetime_months", 2, (Check("the expected lifetime", _lifetime_right),)),
        Question("repeat_180", 2, (Check("the 180-day repeat purchase rate", _repeat_right),)),
    ),
)
