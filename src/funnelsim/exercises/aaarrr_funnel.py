"""Checks of the exercise ``02_aaarrr_funnel``: a note-taking app's AAARRR funnel.

The situation (``exercises/masters/02_aaarrr_funnel.ipynb``): 20 000 people a month become
aware of *Notely*; of those, 30 % sign up (Acquisition), 25 % of sign-ups have a first real
success (Activation), 60 % of those keep using it (Retention), 35 % of retained users pay
(Revenue) and 30 % of payers recommend it (Referral). The plan costs 96 dollars a year,
the gross margin is 80 % and 4 % of paying customers cancel each month.

Questions (the variable the student assigns):

``reach_revenue``
    The probability that an aware person reaches Revenue: the product of the step
    conversions (``Funnel.reach``), exact, so checked to 1e-9.
``biggest_drop``
    The stage whose step loses the largest *share* of the people who enter it (the lowest
    step conversion). The classic confusion is the stage that loses the most *people*.
``paying_customers``
    Paying customers in one simulated month with the student's seed. Visible: a whole
    number within 4 standard errors of ``n × reach`` (binomial standard error
    ``sqrt(n p (1 - p))``), or exactly the student's own simulation. Hidden: exactly the
    simulation with the student's own seed.
``revenue_step_rate``
    The step conversion into Revenue estimated from that simulation: payers / retained.
    Visible: within 4 standard errors of the true 35 %, the standard error of a proportion
    ``sqrt(p (1 - p) / m)`` with ``m`` the expected number of retained users (a ratio of
    counts X / M with M ~ Binomial(n, r), X | M ~ Binomial(M, p) has variance
    ``p (1 - p) E[1 / M] ≈ p (1 - p) / (n r)``: the same to first order, and 3 000 seeds
    give a z standard deviation of 1.00). Any fixed number of standard errors is passed
    by an honest estimate only with probability < 1 (seed 1654 of that course gives
    z = 4.1), so the visible check also accepts **exactly** the student's own simulation:
    an honest answer passes for every seed. Hidden: it is the ratio from the student's
    own simulation.
``ltv_dollars``
    The simple LTV in dollars, ``ARPU × margin / churn`` (:func:`funnelsim.ltv`) with
    ARPU and churn in the same period (a month). The classic mistake is an annual ARPU
    with a monthly churn, 12 × too large. (Lesson 06 teaches LTV; the exercise defines
    ARPU and LTV where it asks for them.)
``new_customers_ratio``
    A leading indicator (lesson 02): Notely improves onboarding, activation 25 % → 45 %
    from month 7, in a business in balance (:func:`growth_run`). The student gives new
    paying customers in month 7 ÷ month 6 from their own run. Visible: its logarithm
    within 4 standard errors of ``log(p7 / p6)`` (p the reach of Revenue before and
    after; delta method for the log of a ratio of two independent binomial counts of n
    leads: ``se = sqrt((1 - p6) / (n p6) + (1 - p7) / (n p7))``). The classic mistake
    is the ratio of revenue or active customers, a lagging indicator that has hardly
    moved; an off-by-one (rows of ``periods`` count from 0, periods from 1, so
    ``["new_customers"][7] / [6]`` compares months 8 and 7) is detected and named. The
    visible check also accepts exactly the student's own run. Hidden: exactly the
    student's own run.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from funnelsim.exercises import Check, ExerciseSpec, Outcome, Question
from funnelsim.exercises._checks import (
    binomial_count,
    binomial_share,
    near,
    own_simulation_check,
    ratio_hint,
    read_count,
    read_positive,
    read_share,
    read_stage,
    simulated_check,
    within_se,
)

__all__ = ["EXERCISE", "VISITORS", "funnel", "growth_run", "simulated_counts"]

#: Aware people a month.
VISITORS = 20_000
#: Step conversions into each stage after Awareness.
RATES = {
    "acquisition": 0.30,
    "activation": 0.25,
    "retention": 0.60,
    "revenue": 0.35,
    "referral": 0.30,
}
#: The price of the plan, dollars a year.
ARPU_YEAR = 96.0
#: Gross margin, a fraction.
MARGIN = 0.8
#: Share of paying customers who cancel each month.
CHURN_MONTH = 0.04


def funnel() -> Any:
    """The exercise's funnel, ``funnelsim.aaarrr`` with :data:`RATES`."""
    import funnelsim as fs

    return fs.aaarrr(**RATES, name="Notely")


def simulated_counts(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The stage counts of one month simulated with ``seed``, in buyers and in counts mode.

    Either mode is an honest answer (same law of the counts, different draws).
    """
    import funnelsim as fs

    f = funnel()
    buyers = fs.simulate(f, VISITORS, seed=seed).counts[0]
    counts = fs.simulate(f, VISITORS, seed=seed, mode="counts").counts[0]
    return buyers, counts


#: The onboarding change of question 6: activation before and after, and its first month.
ACTIVATION_AFTER = 0.45
CHANGE_MONTH = 7
#: Customers the business keeps in balance before the change: new per month ÷ churn.
STEADY_CUSTOMERS = 7_875


def growth_run(seed: int) -> Any:
    """Question 6's run: 12 months, activation 25 % → 45 % from month 7, in balance before."""
    import funnelsim as fs

    return fs.simulate_growth(
        12,
        funnel=funnel(),
        new_leads=VISITORS,
        rate_changes={"activation": fs.step_change(0.25, ACTIVATION_AFTER, at=CHANGE_MONTH)},
        churn=CHURN_MONTH,
        arpu=ARPU_YEAR / 12,
        margin=MARGIN,
        initial_customers=STEADY_CUSTOMERS,
        seed=seed,
    )


def _stage(name: str) -> int:
    return funnel().names.index(name)


# --- reach_revenue ------------------------------------------------------------------------


def _reach_is_share(value: Any, seed: int) -> Outcome:
    read_share(value, "reach_revenue")
    return Outcome(True)


def _reach_is_right(value: Any, seed: int) -> Outcome:
    x = read_share(value, "reach_revenue")
    f = funnel()
    k = _stage("Revenue")
    reach = float(f.reach[k])
    if math.isclose(x, reach, rel_tol=1e-9):
        return Outcome(True)
    if near(x, float(f.rates[k]), 1e-9):
        return Outcome(
            False,
            "that is the step conversion into Revenue; reach multiplies every step "
            "from Awareness down to Revenue",
        )
    if near(x, float(f.reach[k + 1]), 1e-9):
        return Outcome(False, "you multiplied one step too far: Referral comes after Revenue")
    if near(x, float(f.reach[k - 1]), 1e-9):
        return Outcome(False, "you stopped one step early: include the step into Revenue")
    if within_se(x, *binomial_share(VISITORS, reach))[0]:
        return Outcome(
            False,
            "that looks like a share from a simulation; the question asks for the exact "
            "probability the funnel implies (its reach), which has no noise",
        )
    return Outcome(False, "not the reach of Revenue: multiply the step conversions up to it")


# --- biggest_drop -------------------------------------------------------------------------


def _drop_stage(value: Any) -> str:
    return read_stage(
        value,
        "biggest_drop",
        list(funnel().names),
        start="Awareness is where everyone starts: no step leads into it, nobody is lost",
    )


def _drop_is_stage(value: Any, seed: int) -> Outcome:
    _drop_stage(value)
    return Outcome(True)


def _drop_is_right(value: Any, seed: int) -> Outcome:
    chosen = _drop_stage(value)
    f = funnel()
    names = list(f.names)
    share_lost = 1 - f.rates[1:]
    right = names[1 + int(np.argmax(share_lost))]
    people_lost = f.reach[:-1] - f.reach[1:]
    most_people = names[1 + int(np.argmax(people_lost))]
    if chosen == right:
        return Outcome(True)
    if chosen == most_people:
        return Outcome(
            False,
            f"{chosen} loses the most *people*, because it has the most people to lose; "
            "the question asks which step loses the largest *share* of those who enter it "
            "(compare 1 − step conversion)",
        )
    return Outcome(False, f"{chosen} is not the step with the lowest step conversion")


# --- paying_customers ---------------------------------------------------------------------


def _count(value: Any) -> float:
    return read_count(
        value,
        "paying_customers",
        "people",
        tip="Read the count at Revenue from result.counts or result.table()",
    )


def _own_paying(seed: int) -> tuple[float, float]:
    k = _stage("Revenue")
    buyers, counts = simulated_counts(seed)
    return float(buyers[k]), float(counts[k])


def _paying_mistakes(x: float, seed: int) -> str | None:
    f = funnel()
    k = _stage("Revenue")
    for other, label in ((k + 1, "Referral"), (k - 1, "Retention")):
        if within_se(x, *binomial_count(VISITORS, float(f.reach[other])))[0]:
            return f"that looks like the count at {label}, not at Revenue"
    return None


_paying_own_seed = own_simulation_check(
    _count, _own_paying, "the count is not from a simulation with your own seed (seed=ex.seed)"
)
_paying_plausible = simulated_check(
    _count,
    lambda seed: binomial_count(VISITORS, float(funnel().reach[_stage("Revenue")])),
    own=_paying_own_seed,
    mistakes=_paying_mistakes,
    miss="your count is {z:.0f} standard errors from what this funnel gives ({more} "
    "than plausible): simulate 20 000 visitors through the exercise's funnel",
)


# --- revenue_step_rate --------------------------------------------------------------------


def _step(value: Any) -> float:
    return read_share(value, "revenue_step_rate")


def _step_expected(seed: int) -> tuple[float, float]:
    f = funnel()
    k = _stage("Revenue")
    retained = VISITORS * float(f.reach[k - 1])
    return binomial_share(retained, float(f.rates[k]))


def _own_step(seed: int) -> list[float]:
    k = _stage("Revenue")
    return [float(c[k] / c[k - 1]) for c in simulated_counts(seed) if c[k - 1]]


def _step_mistakes(x: float, seed: int) -> str | None:
    reach = float(funnel().reach[_stage("Revenue")])
    if within_se(x, *binomial_share(VISITORS, reach))[0]:
        return (
            "that is the share of *all* visitors who pay (cumulative conversion); the step "
            "conversion divides the payers by those who reached the stage before, Retention"
        )
    return None


_step_own_seed = own_simulation_check(
    _step, _own_step, "the estimate is not payers / retained of your own simulation", rel_tol=1e-6
)
_step_plausible = simulated_check(
    _step,
    _step_expected,
    own=_step_own_seed,
    mistakes=_step_mistakes,
    miss="your estimate is {z:.0f} standard errors from what the funnel allows: divide the "
    "payers by the retained users of your simulation",
)


# --- ltv_dollars --------------------------------------------------------------------------


def _ltv_right(value: Any, seed: int) -> Outcome:
    x = read_positive(value, "ltv_dollars", "a lifetime value, a positive amount of dollars")
    right = ARPU_YEAR / 12 * MARGIN / CHURN_MONTH
    if near(x, right, 1e-6):
        return Outcome(True)
    hints = [
        (
            12.0,
            "your LTV is 12× too large: a monthly churn with an annual ARPU? Put both "
            "in the same period (ARPU per month with churn per month)",
        ),
        (
            1 / 12,
            "your LTV is 12× too small: an annual churn rate with a monthly ARPU? Use "
            "the monthly churn with the monthly ARPU",
        ),
        (
            1 / MARGIN,
            "your LTV is too large by exactly the margin: LTV counts gross profit, ARPU × margin",
        ),
        (
            1 / 100,
            "your LTV is 100× too small: churn as a percentage (4) instead of a fraction (0.04)?",
        ),
        (12 / MARGIN, "two mistakes: an annual ARPU with a monthly churn, and no margin"),
    ]
    return Outcome(
        False,
        ratio_hint(x, right, hints) or "not the simple LTV: ARPU × margin / churn, all per month",
    )


# --- new_customers_ratio ------------------------------------------------------------------


def _ratio(value: Any) -> float:
    return read_positive(value, "new_customers_ratio", "a ratio of two counts, so it is positive")


def _ratio_expected(seed: int) -> tuple[float, float]:
    before = float(funnel().reach[_stage("Revenue")])
    after = before * ACTIVATION_AFTER / RATES["activation"]
    n = VISITORS
    # on the log scale, where a ratio of two counts is close to normal
    se = math.sqrt((1 - before) / (n * before) + (1 - after) / (n * after))
    return math.log(after / before), se


def _ratio_mistakes(x: float, seed: int) -> str | None:
    expected = ACTIVATION_AFTER / RATES["activation"]
    if near(x, 1 / expected, 0.1):
        return "you divided the wrong way round: month 7 over month 6"
    new = growth_run(seed).periods["new_customers"].to_numpy(dtype=float)
    shifted = [new[i + 1] / new[i] for i in range(len(new) - 1) if new[i]]
    if any(math.isclose(x, r, rel_tol=1e-9) for r in shifted):
        return (
            "you divided new_customers of two months, but not months 7 and 6: the rows of "
            "growth.periods count from 0 while the periods count from 1, so row 7 is month 8. "
            'Select by period, e.g. growth.periods.set_index("period")["new_customers"]'
        )
    if x < 1.15:
        return (
            "that barely moved: if you took revenue or active customers, those are lagging "
            "indicators that change slowly; the question asks for new paying customers "
            "(new_customers) in months 7 and 6"
        )
    return None


def _own_ratio(seed: int) -> float:
    new = growth_run(seed).periods.set_index("period")["new_customers"]
    before = float(new[CHANGE_MONTH - 1])
    return float(new[CHANGE_MONTH]) / before if before else 0.0


_ratio_own_seed = own_simulation_check(
    _ratio,
    _own_ratio,
    "the ratio is not from the run with your own seed (seed=ex.seed)",
    rel_tol=1e-9,
)
_ratio_plausible = simulated_check(
    _ratio,
    _ratio_expected,
    own=_ratio_own_seed,
    mistakes=_ratio_mistakes,
    scale=math.log,
    miss="your ratio is {z:.0f} standard errors from what the change implies: take "
    "new_customers in month 7 divided by month 6 of the run described above",
)


EXERCISE = ExerciseSpec(
    id="02_aaarrr_funnel",
    title="Exercise 02: the AAARRR funnel of a note-taking app",
    questions=(
        Question(
            "reach_revenue",
            2,
            (
                Check("a probability between 0 and 1", _reach_is_share),
                Check("the reach of Revenue", _reach_is_right),
            ),
        ),
        Question(
            "biggest_drop",
            2,
            (
                Check("a stage of the funnel", _drop_is_stage),
                Check("the step losing the largest share", _drop_is_right),
            ),
        ),
        Question(
            "paying_customers",
            2,
            (
                Check("a plausible count at Revenue", _paying_plausible),
                Check("simulated with the student's seed", _paying_own_seed, hidden=True),
            ),
        ),
        Question(
            "revenue_step_rate",
            2,
            (
                Check("a plausible step conversion", _step_plausible),
                Check("from the student's own simulation", _step_own_seed, hidden=True),
            ),
        ),
        Question("ltv_dollars", 2, (Check("the simple LTV", _ltv_right),)),
        Question(
            "new_customers_ratio",
            2,
            (
                Check("a plausible jump in new customers", _ratio_plausible),
                Check("from the student's own run", _ratio_own_seed, hidden=True),
            ),
        ),
    ),
)
