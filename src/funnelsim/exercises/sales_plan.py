"""Checks of the exercise ``09_sales_funnel``: the sales plan of a B2B training platform.

The situation (``exercises/masters/09_sales_funnel.ipynb``): *Skillway* sells an online
training platform to HR departments and wants **8 new client companies a month**. Its sales
funnel (step conversions measured last year, months spent in each stage):

=========  ===============  ===============  ==========================
stage      step conversion  months in stage  cost per activity ($)
=========  ===============  ===============  ==========================
Lead       (everyone)       1                30 per lead
Call       50 % of leads    1                20 per call, 2 calls each
Demo       25 % of calls    1                250 per demo
Trial      80 % of demos    2                400 per trial
Deal       50 % of trials   1 (onboarding)   0
=========  ===============  ===============  ==========================

Questions (the variable the student assigns):

``leads_per_month``
    Leads needed per month, target ÷ product of the step conversions (160), exact. The
    classic mistakes: multiplying instead of dividing, dividing by only the last step,
    leaving a step out.
``lead_start_months``
    How many months before the first target month lead generation must start: the times of
    the stages before Deal (5). Mistakes: adding the month spent in Deal (onboarding, after
    the signature), counting only Trial.
``monthly_budget``
    The plan's budget in dollars per month (19,400). Mistakes: one call per entrant instead
    of two, costs charged once per customer, every cost charged on every lead.
``fix_first``
    The step whose +5 points adds most clients: the lowest step conversion (Demo). The
    classic confusion is the step that loses the most people (Call).
``share_met``
    The share of months in which the plan of 160 leads meets the target, from
    :func:`funnelsim.simulate_plan` with 200 months and the student's seed. Visible: within
    4 standard errors of the exact binomial probability ``P(Binomial(160, 0.05) >= 8)``
    (standard error ``sqrt(p (1 - p) / 200)``). Hidden: exactly the simulation with the
    student's own seed.
"""

from __future__ import annotations

import math
from typing import Any

from funnelsim.exercises import Check, ExerciseSpec, Outcome, Question, Wrong
from funnelsim.exercises._checks import (
    binomial_share,
    near,
    own_simulation_check,
    read_number,
    read_positive,
    read_share,
    read_stage,
    simulated_check,
)

__all__ = ["COSTS", "EXERCISE", "MONTHS", "RATES", "TARGET", "funnel", "plan"]

#: New client companies wanted per month.
TARGET = 8
#: Step conversions, first stage first (its rate is 1).
RATES = {"Lead": 1.0, "Call": 0.5, "Demo": 0.25, "Trial": 0.8, "Deal": 0.5}
#: Months spent in each stage (Deal: onboarding after the signature).
MONTHS = {"Lead": 1, "Call": 1, "Demo": 1, "Trial": 2, "Deal": 1}
#: Dollars per activity at each stage.
COSTS = {"Lead": 30.0, "Call": 20.0, "Demo": 250.0, "Trial": 400.0, "Deal": 0.0}
#: Activities per entrant (two discovery calls per company).
ACTIVITIES = {"Call": 2.0}
#: Months simulated for ``share_met``.
SIMULATED_MONTHS = 200


def funnel() -> Any:
    """The exercise's funnel (step conversions and months in stage)."""
    import funnelsim as fs

    return fs.Funnel.from_rates(RATES, times=MONTHS, name="Skillway")


def plan() -> Any:
    """The right plan: :func:`funnelsim.sales_plan` for :data:`TARGET` with the costs."""
    import funnelsim as fs

    return fs.sales_plan(
        TARGET, funnel(), cost_per_activity=COSTS, activities_per_entrant=ACTIVITIES
    )


def _win() -> float:
    return math.prod(list(RATES.values())[1:])


# --- leads_per_month ----------------------------------------------------------------------


def _leads(value: Any) -> float:
    return read_positive(value, "leads_per_month", "a number of companies, more than 0")


def _leads_positive(value: Any, seed: int) -> Outcome:
    x = _leads(value)
    if x < TARGET:
        return Outcome(
            False,
            "fewer leads than the clients you want: did you multiply the target by the "
            "conversions? Each step keeps only part of its companies, so divide",
        )
    return Outcome(True)


def _leads_right(value: Any, seed: int) -> Outcome:
    x = read_number(value, "leads_per_month")
    right = TARGET / _win()
    if near(x, right, 1e-6):
        return Outcome(True)
    steps = list(RATES.values())[1:]
    names = list(RATES)[1:]
    if near(x, TARGET / steps[-1], 1e-6):
        return Outcome(
            False, "you divided by the last step only; go on up through every step to Lead"
        )
    for i, name in enumerate(names):
        if near(x, TARGET / math.prod(steps[:i] + steps[i + 1 :]), 1e-6):
            return Outcome(False, f"one step is missing from your division: check the {name} step")
    if near(x, math.ceil(right), 1e-6) or near(x, round(right), 1e-6):
        return Outcome(True)
    return Outcome(
        False, "not the leads the plan needs: divide the target by every step conversion"
    )


# --- lead_start_months --------------------------------------------------------------------


def _start_right(value: Any, seed: int) -> Outcome:
    x = read_number(value, "lead_start_months")
    if x < 0:
        raise Wrong(f"lead_start_months counts months *before* the target month; got {x:g}")
    times = list(MONTHS.values())
    right = sum(times[:-1])
    if near(x, right, 1e-9):
        return Outcome(True)
    if near(x, sum(times), 1e-9):
        return Outcome(
            False,
            "you added the month spent in Deal: onboarding comes after the signature, so it "
            "does not delay the new client",
        )
    if near(x, times[-2], 1e-9):
        return Outcome(
            False, "you counted only the Trial stage; a lead passes every stage above Deal"
        )
    if near(x, right - times[0], 1e-9):
        return Outcome(False, "you left out the month a company spends in the Lead stage itself")
    return Outcome(
        False, "not the lead time: add the months of every stage a lead passes before Deal"
    )


# --- monthly_budget -----------------------------------------------------------------------


def _budget_right(value: Any, seed: int) -> Outcome:
    x = read_positive(value, "monthly_budget", "an amount of dollars, more than 0")
    frame = plan()
    right = float(frame["budget"].sum())
    if near(x, right, 1e-6):
        return Outcome(True)
    entrants = frame["entrants"].to_numpy()
    costs = frame["cost_per_activity"].to_numpy()
    one_call = float((entrants * costs).sum())
    if near(x, one_call, 1e-6):
        return Outcome(
            False,
            "each company in the Call stage gets two calls: count activities, not companies",
        )
    per_customer = float((costs * frame["activities_per_entrant"].to_numpy()).sum() * TARGET)
    if near(x, per_customer, 1e-6):
        return Outcome(
            False,
            "you paid each activity once per client won; every company entering a stage "
            "needs its activities, including those that are lost later",
        )
    if near(x, float(entrants[0] * (costs * frame["activities_per_entrant"]).sum()), 1e-6):
        return Outcome(
            False,
            "you charged every stage's cost on every lead; only the companies that reach a "
            "stage need its activities",
        )
    if near(x, right / TARGET, 1e-6):
        return Outcome(
            False, "that is the cost per client (CAC); the question asks for the whole month"
        )
    return Outcome(
        False, "not the plan's monthly budget: entrants × activities per entrant × cost, summed"
    )


# --- fix_first ----------------------------------------------------------------------------


def _stage_name(value: Any) -> str:
    return read_stage(
        value,
        "fix_first",
        list(RATES),
        start="Lead is where every company starts: no step leads into it",
    )


def _fix_right(value: Any, seed: int) -> Outcome:
    chosen = _stage_name(value)
    names = list(RATES)
    steps = list(RATES.values())
    right = names[1 + min(range(len(steps) - 1), key=lambda i: steps[i + 1])]
    if chosen == right:
        return Outcome(True)
    reach = [math.prod(steps[: i + 1]) for i in range(len(steps))]
    lost = [reach[i] - reach[i + 1] for i in range(len(steps) - 1)]
    most_lost = names[1 + max(range(len(lost)), key=lambda i: lost[i])]
    if chosen == most_lost:
        return Outcome(
            False,
            f"{chosen} loses the most companies because it has the most to lose; +5 points "
            "is worth most where the step conversion is lowest",
        )
    if chosen == names[-1]:
        return Outcome(
            False,
            "being closest to the money does not matter: clients are a product of all the "
            "step conversions, so compare the rates",
        )
    return Outcome(False, f"{chosen} is not the step with the lowest step conversion")


# --- share_met ----------------------------------------------------------------------------


def _exact_share() -> float:
    from scipy.special import bdtrc

    leads = math.ceil(TARGET / _win() - 1e-9)
    return float(bdtrc(TARGET - 1, leads, _win()))


def _share(value: Any) -> float:
    return read_share(value, "share_met", of="months", example=0.4)


def _share_mistakes(x: float, seed: int) -> str | None:
    if x > 0.9:
        return (
            "far too often: a plan on average conversions meets its target only when the "
            "month's draw is at or above the mean. Did you simulate the confidence plan?"
        )
    return None


def _own_share(seed: int) -> float:
    import funnelsim as fs

    run = fs.simulate_plan(plan(), funnel(), replications=SIMULATED_MONTHS, seed=seed)
    return float(run["met"].mean())


_share_own_seed = own_simulation_check(
    _share,
    _own_share,
    f"the share is not from simulate_plan with your own seed and {SIMULATED_MONTHS} months",
    rel_tol=1e-9,
    abs_tol=1e-12,
)
_share_plausible = simulated_check(
    _share,
    lambda seed: binomial_share(SIMULATED_MONTHS, _exact_share()),
    own=_share_own_seed,
    mistakes=_share_mistakes,
    miss="your share is {z:.0f} standard errors from what this plan gives: simulate the plan "
    f"for {SIMULATED_MONTHS} months and take the mean of the 'met' column",
)


EXERCISE = ExerciseSpec(
    id="09_sales_funnel",
    title="Exercise 09: the sales plan of a B2B training platform",
    questions=(
        Question(
            "leads_per_month",
            2,
            (
                Check("more leads than clients", _leads_positive),
                Check("the leads the plan needs", _leads_right),
            ),
        ),
        Question("lead_start_months", 2, (Check("the months of lead time", _start_right),)),
        Question("monthly_budget", 2, (Check("the plan's monthly budget", _budget_right),)),
        Question("fix_first", 2, (Check("the step to fix first", _fix_right),)),
        Question(
            "share_met",
            2,
            (
                Check("a plausible share of months", _share_plausible),
                Check("from the student's own simulation", _share_own_seed, hidden=True),
            ),
        ),
    ),
)
