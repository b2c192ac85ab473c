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


def _money(value: Any, what: str) -> float:
    x = number(value, what)
    if x <= 0:
        raise Wrong(f"{what} is a positive amount of dollars; got {x:g}")
    return x


# --- chains_cac -------------------------------------------------------------------------------


def _cac_right(value: Any, seed: int) -> Outcome:
    x = _money(value, "chains_cac")
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
    x = number(value, "chains_ltv_to_cac")
    if x <= 0:
        raise Wrong(f"LTV:CAC is a positive ratio; got {x:g}")
    right = float(scenario().unit_economics().ltv_to_cac)
    if near(x, right, 0.005):
        return Outcome(True)
    if near(x, 1 / right, 0.005):
        return Outcome(False, "that is CAC:LTV, the inverse: divide the LTV by the CAC")
    if near(x, 100 * right, 0.005):
        return Outcome(
            False, "that looks like a percentage: give LTV:CAC as a plain ratio (3, not 300)"
        )
    return Outcome(False, "not the scenario's LTV:CAC: read it from sc.unit_economics()")


# --- simulated_customers ----------------------------------------------------------------------


def _count(value: Any) -> float:
    x = number(value, "simulated_customers")
    if 0 < x < 1:
        raise Wrong("simulated_customers is a number of chains; you gave a share")
    if x != round(x) or x < 0:
        raise Wrong(f"simulated_customers is a whole number of chains >= 0; got {x:g}")
    return x


def _customers_plausible(value: Any, seed: int) -> Outcome:
    x = _count(value)
    sc = scenario()
    p = float(sc.funnel.reach[-1])
    expected = sc.buyers * p
    ok, z = within_se(x, expected, math.sqrt(sc.buyers * p * (1 - p)))
    if ok:
        return Outcome(True)
    return Outcome(
        False,
        f"your count is {z:.0f} standard errors from what this funnel gives: simulate one "
        "month of the scenario's triggered chains and read the Buy row",
    )


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


def _customers_own_seed(value: Any, seed: int) -> Outcome:
    x = _count(value)
    if x in _own_counts(seed):
        return Outcome(True)
    return Outcome(
        False, "the count is not from a month simulated with your own seed (seed=ex.seed)"
    )


# --- fix_first_stage --------------------------------------------------------------------------


def _fix_first_right(value: Any, seed: int) -> Outcome:
    import numpy as np

    import funnelsim as fs

    funnel = scenario().funnel
    names = list(funnel.names)
    if not isinstance(value, str) or value.strip().lower() not in [n.lower() for n in names]:
        raise Wrong(f"fix_first_stage should be a stage name such as {names[1]!r}")
    chosen = names[[n.lower() for n in names].index(value.strip().lower())]
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

    x = number(value, "plan_entrants")
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
