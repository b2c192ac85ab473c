"""Checks of the exercise ``14_capstone``: reviewing another team's go-to-market.

The situation (``exercises/masters/14_capstone.ipynb``): the ready-made scenario
``capstone_team_chains`` (Team Chains sells Shiftwise to clinic chains: 120 triggered
chains a month, Learn 0.50, Try 0.30, Buy 0.35, $2,400 a month a chain, $60,000 a month
of spend). The student reviews it as the instructor would.

Questions (the variable the student assigns):

``chains_cac``
    Its CAC in dollars (``Scenario.unit_economics().cac``: the spend over the *expected*
    customers), within 0.5 %. Mistakes: spend over the triggered chains (a cost per
    lead), spend over one simulated month's customers.
``chains_ltv_to_cac``
    Its LTV:CAC, within 0.5 %. Mistake: CAC:LTV (the inverse).
``simulated_customers``
    Chains reaching Buy in one month simulated with the student's seed. Visible: a whole
    number within 4 binomial standard errors of ``buyers × reach``. Hidden: exactly the
    run with the student's seed (``sc.simulate(seed=...)`` or
    ``fs.simulate(sc.funnel, sc.buyers, seed=...)``, buyers or counts mode).
``fix_first_stage``
    The step the tornado ranks first (:func:`funnelsim.fix_first`). Mistake: the stage
    that loses the most chains.
``plan_entrants``
    Triggered chains a month the plan needs for 10 customers in 90 % of months
    (:func:`funnelsim.sales_plan` with ``confidence=0.9``, its first row), ±0.5.
    Mistake: the plan on averages (``target / reach``).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from funnelsim.exercises import Check, ExerciseSpec, Outcome, Question
from funnelsim.exercises._checks import (
    binomial_count,
    near,
    own_simulation_check,
    read_count,
    read_number,
    read_positive,
    read_stage,
    share_hint,
    simulated_check,
    within_se,
)

__all__ = ["EXERCISE", "SCENARIO", "TARGET", "scenario"]

#: The ready-made scenario the student reviews.
SCENARIO = "capstone_team_chains"
#: Customers a month the plan must deliver.
TARGET = 10
#: The share of months in which the plan must meet its target.
CONFIDENCE = 0.9


@lru_cache(maxsize=1)
def scenario() -> Any:
    """The reviewed scenario."""
    import funnelsim as fs

    return fs.load_scenario(SCENARIO)


# --- chains_cac -------------------------------------------------------------------------------


def _cac_right(value: Any, seed: int) -> Outcome:
    x = read_positive(value, "chains_cac", "a positive amount of dollars")
    sc = scenario()
    econ = sc.economics
    right = float(sc.unit_economics().cac)
    if near(x, right, 0.005):
        return Outcome(True)
    if near(x, econ.paid_spend / sc.buyers, 0.005):
        return Outcome(
            False,
            "that is the spend per triggered chain (a cost per lead); CAC divides the spend "
            "by the chains that *buy*",
        )
    expected = sc.buyers * float(sc.funnel.reach[-1])
    if within_se(econ.paid_spend / x, expected, math.sqrt(expected))[0]:
        return Outcome(
            False,
            "that divides by one simulated month's customers; the scenario's CAC divides by "
            "the expected customers (buyers × the funnel's reach), which has no noise",
        )
    return Outcome(False, "not the CAC: the month's spend divided by the expected customers")


# --- chains_ltv_to_cac ------------------------------------------------------------------------


def _ratio_right(value: Any, seed: int) -> Outcome:
    x = read_positive(value, "chains_ltv_to_cac", "LTV:CAC, a positive ratio")
    right = float(scenario().unit_economics().ltv_to_cac)
    if near(x, right, 0.005):
        return Outcome(True)
    if near(x, 1 / right, 0.005):
        return Outcome(False, "that is CAC:LTV, the inverse: divide the LTV by the CAC")
    percent = "that looks like a percentage: give LTV:CAC as a plain ratio (3, not 300)"
    if hint := share_hint(x, right, percent, rel=0.005):
        return Outcome(False, hint)
    return Outcome(False, "not the scenario's LTV:CAC: read it from sc.unit_economics()")


# --- simulated_customers ----------------------------------------------------------------------


def _count(value: Any) -> float:
    return read_count(value, "simulated_customers", "chains")


@lru_cache(maxsize=64)
def _own_counts(seed: int) -> frozenset[float]:
    import funnelsim as fs

    sc = scenario()
    runs = [
        sc.simulate(seed=seed),
        fs.simulate(sc.funnel, sc.buyers, seed=seed),
        fs.simulate(sc.funnel, sc.buyers, seed=seed, mode="counts"),
    ]
    return frozenset(float(r.counts[0, -1]) for r in runs)


_customers_own_seed = own_simulation_check(
    _count,
    _own_counts,
    "the count is not from a month simulated with your own seed (seed=ex.seed)",
)
_customers_plausible = simulated_check(
    _count,
    lambda seed: binomial_count(scenario().buyers, float(scenario().funnel.reach[-1])),
    own=_customers_own_seed,
    miss="your count is {z:.0f} standard errors from what this funnel gives: simulate one "
    "month of the scenario's triggered chains and read the Buy row",
)


# --- fix_first_stage --------------------------------------------------------------------------


def _fix_first_right(value: Any, seed: int) -> Outcome:
    import numpy as np

    import funnelsim as fs

    funnel = scenario().funnel
    names = list(funnel.names)
    chosen = read_stage(value, "fix_first_stage", names)
    right = fs.fix_first(funnel)
    if chosen == right:
        return Outcome(True)
    lost = np.asarray(funnel.reach[:-1]) - np.asarray(funnel.reach[1:])
    most_lost = names[1 + int(np.argmax(lost))]
    if chosen == most_lost:
        return Outcome(
            False,
            f"{chosen} loses the most chains, but 5 more points help most where the step "
            "conversion is lowest: run fs.fix_first or read the tornado",
        )
    return Outcome(False, f"{chosen} is not the step the tornado ranks first")


# --- plan_entrants ----------------------------------------------------------------------------


def _plan_right(value: Any, seed: int) -> Outcome:
    import funnelsim as fs

    x = read_number(value, "plan_entrants")
    funnel = scenario().funnel
    right = float(fs.sales_plan(TARGET, funnel, confidence=CONFIDENCE)["entrants"].iloc[0])
    if abs(x - right) <= 0.5:
        return Outcome(True)
    average = TARGET / float(funnel.reach[-1])
    if abs(x - average) <= 1.0:
        return Outcome(
            False,
            "that plan meets the target only about half of the months; ask sales_plan for "
            "confidence=0.9",
        )
    return Outcome(
        False,
        "not the top of the plan: fs.sales_plan(10, sc.funnel, confidence=0.9), the entrants "
        "of its first row",
    )


EXERCISE = ExerciseSpec(
    id="14_capstone",
    title="Exercise 14: reviewing Team Chains' go-to-market",
    questions=(
        Question("chains_cac", 2, (Check("the scenario's CAC", _cac_right),)),
        Question("chains_ltv_to_cac", 2, (Check("the scenario's LTV:CAC", _ratio_right),)),
        Question(
            "simulated_customers",
            2,
            (
                Check("a plausible month of customers", _customers_plausible),
                Check("simulated with the student's seed", _customers_own_seed, hidden=True),
            ),
        ),
        Question("fix_first_stage", 2, (Check("the step to fix first", _fix_first_right),)),
        Question("plan_entrants", 2, (Check("the plan's top of the funnel", _plan_right),)),
    ),
)
