"""Checks of the exercise ``13_b2b_marketing``: an IT-services firm's processes and positioning.

The situation (``exercises/masters/13_b2b_marketing.ipynb``): *Stackline* builds software
for mid-size companies. Marketing brings **2,000 leads a month**; 60 % send a brief, 50 % of
briefs get an estimate, and 12 % of estimates become contracts, where the market converts
25 %. Estimates follow a written template that every engineer knows, but nobody counts how
many of them turn into contracts. A new firm is about to enter Stackline's market.

Questions (the variable the student assigns):

``maturity_level``
    The maturity level (1-5) of the estimating process: a standard everyone knows, not
    measured, so 3 (defined). Mistakes: 4 (a standard is not yet measurement), 2, 5.
``bottleneck_stage``
    The constraint: the stage with the lowest step conversion (Contract). The classic
    confusion is the step that loses the most leads (Brief).
``customers_after_fix``
    Expected contracts a month with the last step at the market's 25 %: 2000 × 0.6 × 0.5 ×
    0.25 = 150, exact. Mistakes: today's figure, 25 % put on the wrong step.
``leads_for_same``
    Leads a month that the *unfixed* funnel would need for the same contracts:
    150 ÷ (0.6 × 0.5 × 0.12), exact. Mistakes: only the extra leads, a ratio.
``simulated_contracts``
    Contracts in one simulated month of the fixed funnel with the student's seed. Visible:
    a whole number within 4 binomial standard errors of 150 (``sqrt(n p (1 - p))``).
    Hidden: exactly :func:`funnelsim.simulate` with the student's own seed (either mode).
``claim_for_fifth``
    The claim the fifth firm in a market takes in :func:`funnelsim.simulate_positioning`
    with its defaults and no misjudgement (unique technical feature). Mistakes: price and
    channels (the last strategy is not the fifth firm's), key choice factors.
"""

from __future__ import annotations

import math
from typing import Any

from funnelsim.exercises import Check, ExerciseSpec, Outcome, Question, Wrong
from funnelsim.exercises._checks import (
    binomial_count,
    near,
    own_simulation_check,
    read_count,
    read_number,
    read_positive,
    read_stage,
    simulated_check,
    value_hint,
    within_se,
)

__all__ = ["EXERCISE", "LEADS", "MARKET_CONTRACT_RATE", "RATES", "fixed_funnel", "funnel"]

#: Leads a month.
LEADS = 2000
#: Step conversions, first stage first.
RATES = {"Lead": 1.0, "Brief": 0.6, "Estimate": 0.5, "Contract": 0.12}
#: The market's estimate -> contract conversion.
MARKET_CONTRACT_RATE = 0.25


def funnel() -> Any:
    """Stackline's funnel today."""
    import funnelsim as fs

    return fs.Funnel.from_rates(RATES, name="Stackline")


def fixed_funnel() -> Any:
    """Stackline's funnel with the Contract step at the market's level."""
    return funnel().with_rates(Contract=MARKET_CONTRACT_RATE)


def _steps() -> list[float]:
    return list(RATES.values())[1:]


# --- maturity_level -----------------------------------------------------------------------


def _level_right(value: Any, seed: int) -> Outcome:
    x = read_number(value, "maturity_level")
    if x != round(x) or not 1 <= x <= 5:
        raise Wrong(f"maturity_level is a whole number from 1 to 5; got {x:g}")
    level = int(x)
    if level == 3:
        return Outcome(True)
    hints = {
        1: "a written template that everyone knows is more than ad hoc work",
        2: "the template is more than a habit of a few people: it is a standard everyone knows",
        4: "level 4 needs the process measured and managed by numbers; nobody counts the "
        "estimates that turn into contracts",
        5: "nothing is revised from measurements here; level 5 improves a measured standard",
    }
    return Outcome(False, hints[level])


# --- bottleneck_stage ---------------------------------------------------------------------


def _stage(value: Any) -> str:
    return read_stage(
        value,
        "bottleneck_stage",
        list(RATES),
        start="Lead is where every company starts: no step leads into it",
    )


def _bottleneck_right(value: Any, seed: int) -> Outcome:
    chosen = _stage(value)
    names = list(RATES)
    steps = _steps()
    right = names[1 + steps.index(min(steps))]
    if chosen == right:
        return Outcome(True)
    reach = [math.prod(steps[:i]) for i in range(len(steps) + 1)]
    lost = [reach[i] * (1 - steps[i]) for i in range(len(steps))]
    if chosen == names[1 + lost.index(max(lost))]:
        return Outcome(
            False,
            f"{chosen} loses the most leads because it has the most to lose; the constraint "
            "is the step with the lowest conversion",
        )
    return Outcome(False, f"{chosen} is not the step with the lowest step conversion")


# --- customers_after_fix ------------------------------------------------------------------


def _after_fix_right(value: Any, seed: int) -> Outcome:
    x = read_positive(value, "customers_after_fix", "a number of contracts, more than 0")
    steps = _steps()
    right = LEADS * math.prod(steps[:-1]) * MARKET_CONTRACT_RATE
    if near(x, right, 1e-6):
        return Outcome(True)
    if near(x, LEADS * math.prod(steps), 1e-6):
        return Outcome(False, "that is today's figure: put the market's rate on the last step")
    for i in range(len(steps) - 1):
        moved = steps.copy()
        moved[i] = MARKET_CONTRACT_RATE
        if near(x, LEADS * math.prod(moved), 1e-6):
            return Outcome(
                False, "the market's 25 % replaces the estimate → contract step, not another one"
            )
    if 0 < x <= 1:
        return Outcome(False, "that is a share of leads; multiply by the leads a month")
    return Outcome(
        False, "not the expected contracts: leads × every step conversion, the last one fixed"
    )


# --- leads_for_same -----------------------------------------------------------------------


def _leads_right(value: Any, seed: int) -> Outcome:
    x = read_positive(value, "leads_for_same", "a number of leads, more than 0")
    steps = _steps()
    target = LEADS * math.prod(steps[:-1]) * MARKET_CONTRACT_RATE
    right = target / math.prod(steps)
    if near(x, right, 1e-6) or near(x, math.ceil(right), 1e-6):
        return Outcome(True)
    extra = "that is the extra leads; the question asks for all leads a month"
    hint = value_hint(
        x,
        [
            (right - LEADS, extra),
            (math.ceil(right) - LEADS, extra),
            (right / LEADS, "that is a ratio; the question asks for a number of leads"),
        ],
    )
    return Outcome(
        False,
        hint
        or "not the leads needed: keep today's funnel and aim at the contracts the fixed one "
        "signs, then work backwards to the leads, as in lesson 09's sales plan",
    )


# --- simulated_contracts ------------------------------------------------------------------


def _count(value: Any) -> float:
    return read_count(value, "simulated_contracts", "contracts")


def _contracts_mistakes(x: float, seed: int) -> str | None:
    if within_se(x, *binomial_count(LEADS, float(funnel().reach[-1])))[0]:
        return "that looks like a month of today's funnel; simulate the fixed one"
    return None


def _own_contracts(seed: int) -> list[float]:
    import funnelsim as fs

    f = fixed_funnel()
    runs = (fs.simulate(f, LEADS, seed=seed), fs.simulate(f, LEADS, seed=seed, mode="counts"))
    return [float(r.counts[0, -1]) for r in runs]


_contracts_own_seed = own_simulation_check(
    _count, _own_contracts, "the count is not from a simulation with your own seed (seed=ex.seed)"
)
_contracts_plausible = simulated_check(
    _count,
    lambda seed: binomial_count(LEADS, float(fixed_funnel().reach[-1])),
    own=_contracts_own_seed,
    mistakes=_contracts_mistakes,
    miss="your count is {z:.0f} standard errors from what the fixed funnel gives: simulate "
    f"{LEADS} leads through it",
)


# --- claim_for_fifth ----------------------------------------------------------------------


def _claim_right(value: Any, seed: int) -> Outcome:
    from funnelsim.positioning import POSITIONING_STRATEGIES, simulate_positioning

    if not isinstance(value, str):
        raise Wrong("claim_for_fifth should be one of fs.POSITIONING_STRATEGIES (a string)")
    text = value.strip().lower()
    if text not in POSITIONING_STRATEGIES:
        raise Wrong(f"{value!r} is not a strategy; choose one of fs.POSITIONING_STRATEGIES")
    right = str(simulate_positioning(5)["strategy"].iloc[-1])
    if text == right:
        return Outcome(True)
    if text == POSITIONING_STRATEGIES[-1]:
        return Outcome(
            False,
            "price is what is left when every other claim pays less; with five firms some "
            "claims are still empty. Run the model and read the fifth firm's row (entrant == 5)",
        )
    if text == POSITIONING_STRATEGIES[0]:
        return Outcome(
            False,
            "the key factors are the biggest pool, but two firms already hold them and early "
            "holders keep most of it",
        )
    return Outcome(
        False,
        "not the fifth firm's claim: run the model without noise and read the row where "
        "entrant == 5 (pandas counts rows from 0, so that row is not .iloc[5])",
    )


EXERCISE = ExerciseSpec(
    id="13_b2b_marketing",
    title="Exercise 13: an IT-services firm's processes and positioning",
    questions=(
        Question("maturity_level", 2, (Check("the maturity level", _level_right),)),
        Question("bottleneck_stage", 2, (Check("the constraint", _bottleneck_right),)),
        Question("customers_after_fix", 2, (Check("contracts after the fix", _after_fix_right),)),
        Question("leads_for_same", 2, (Check("leads for the same contracts", _leads_right),)),
        Question(
            "simulated_contracts",
            2,
            (
                Check("a plausible month of the fixed funnel", _contracts_plausible),
                Check("simulated with the student's seed", _contracts_own_seed, hidden=True),
            ),
        ),
        Question("claim_for_fifth", 2, (Check("the fifth firm's claim", _claim_right),)),
    ),
)
