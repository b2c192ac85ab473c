"""Checks of the exercise ``11_abm_bant``: a cleaning-robot maker chooses its accounts.

The situation (``exercises/masters/11_abm_bant.ipynb``): *CleanBot* makes industrial
cleaning robots. Six prospects are scored by BANT (:data:`PROSPECTS`); then a list of
2 500 companies goes through the four ABM steps (:func:`funnelsim.simulate_abm` with
:data:`PLAN`): 20 % pass the filter, the team researches 80, half of them respond, and deal
sizes spread widely (lognormal, sigma 1, mean 60 000 a year).

Questions (the variable the student assigns):

``top_account``
    The prospect ranked first by BANT (the product of the four scores): ``"Cold store"``
    (4 × 4 × 3 × 4 = 192). The classic mistake is the highest *sum* (``"Airport"``, 5, 5, 5, 1).
``fit_companies``
    Companies passing the filter in the student's run. Visible: within 4 standard errors of
    ``n × fit_rate`` (binomial). Hidden: the run with the student's own seed.
``wins_bant``
    Companies won when the top 80 by BANT are researched. Visible: within 4 standard errors of
    the exact expectation given the companies of the student's run (a sum of independent
    Bernoulli trials with ``response_rate × p_win``). The classic mistakes are the wins of the
    number who responded and the (fractional) expected wins. Hidden: the run with the
    student's own seed (which also tells the random order's count from BANT's: the two are
    often within noise of each other, so the visible check cannot).
``best_for_revenue``
    The ranking with the highest expected revenue: ``"expected_value"`` (the top companies by
    expected value have the largest sum of expected values among all choices of 80).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from funnelsim.exercises import Check, ExerciseSpec, Outcome, Question, Wrong
from funnelsim.exercises._checks import (
    binomial_count,
    own_simulation_check,
    read_choice,
    read_count,
    simulated_check,
)

__all__ = ["COMPANIES", "EXERCISE", "PLAN", "PROSPECTS", "prospects", "simulated"]

#: Six prospects: (account, budget, authority, need, time).
PROSPECTS = (
    ("Mall", 5, 3, 4, 2),
    ("Steelworks", 4, 4, 5, 2),
    ("Airport", 5, 5, 5, 1),
    ("Cold store", 4, 4, 3, 4),
    ("Hospital", 2, 5, 4, 3),
    ("Bakery", 3, 3, 3, 3),
)
#: Companies on the first list.
COMPANIES = 2_500
#: The ABM pipeline's settings (keyword arguments of funnelsim.simulate_abm).
PLAN = {
    "fit_rate": 0.2,
    "capacity": 80,
    "response_rate": 0.5,
    "deal_size": 60_000.0,
    "deal_sigma": 1.0,
}


def prospects() -> pd.DataFrame:
    """The six prospects as a frame with the columns :func:`funnelsim.bant_score` reads."""
    return pd.DataFrame(list(PROSPECTS), columns=["account", "budget", "authority", "need", "time"])


def simulated(seed: int) -> Any:
    """The student's ABM run: :func:`funnelsim.simulate_abm` with :data:`PLAN`."""
    import funnelsim as fs

    return fs.simulate_abm(COMPANIES, **PLAN, seed=seed)  # type: ignore[arg-type]


def _names() -> list[str]:
    return [p[0] for p in PROSPECTS]


# --- top_account --------------------------------------------------------------------------


def _top(value: Any) -> str:
    return read_choice(
        value,
        "top_account",
        _names(),
        noun="a prospect's name",
        among="one of the prospects; they are",
    )


def _top_is_name(value: Any, seed: int) -> Outcome:
    _top(value)
    return Outcome(True)


def _top_is_right(value: Any, seed: int) -> Outcome:
    frame = prospects()
    scores = frame[["budget", "authority", "need", "time"]].to_numpy()
    chosen = _top(value).lower()
    best = frame["account"].iloc[int(np.argmax(scores.prod(axis=1)))]
    by_sum = frame["account"].iloc[int(np.argmax(scores.sum(axis=1)))]
    if chosen == best.lower():
        return Outcome(True)
    if chosen == by_sum.lower():
        return Outcome(
            False,
            f"{by_sum} has the highest *sum* of scores; BANT multiplies them, and its single "
            "weak score divides its product",
        )
    return Outcome(False, f"{value.strip()} does not have the highest product of the four scores")


# --- fit_companies ------------------------------------------------------------------------


def _fit(value: Any) -> float:
    return read_count(value, "fit_companies", "companies")


def _fit_mistakes(x: float, seed: int) -> str | None:
    if x == PLAN["capacity"]:
        return "that is the team's capacity (researched companies), not those passing the filter"
    return None


_fit_own_seed = own_simulation_check(
    _fit,
    lambda seed: float(simulated(seed).accounts["fit"].sum()),
    "the count is not from a simulation with your own seed (seed=ex.seed)",
)
_fit_plausible = simulated_check(
    _fit,
    lambda seed: binomial_count(COMPANIES, PLAN["fit_rate"]),
    own=_fit_own_seed,
    mistakes=_fit_mistakes,
    miss="your count is {z:.0f} standard errors from what a 20 % filter of 2 500 companies "
    "allows: read the Fit row of the pipeline's table",
)


# --- wins_bant ----------------------------------------------------------------------------


def _picked(res: Any, ranking: str) -> np.ndarray:
    rank = res.accounts[f"rank_{ranking}"].to_numpy()
    return np.asarray((rank >= 1) & (rank <= res.capacity))


def _wins(value: Any) -> float:
    return read_count(value, "wins_bant", "companies")


def _wins_expected(seed: int) -> tuple[float, float]:
    # a sum of independent Bernoulli(q_i) wins: mean Σ q_i, variance Σ q_i (1 - q_i)
    res = simulated(seed)
    q = res.response_rate * res.accounts.loc[_picked(res, "bant"), "p_win"].to_numpy()
    return float(q.sum()), math.sqrt(float(np.sum(q * (1 - q))))


def _wins_mistakes(x: float, seed: int) -> str | None:
    table = simulated(seed).summary().set_index("ranking")
    bant_won = int(table.loc["bant", "won"])
    if x == float(table.loc["bant", "responded"]) and x != bant_won:
        return "that is the number who responded to the material; count the companies won"
    return None


_wins_own_seed = own_simulation_check(
    _wins,
    lambda seed: float(simulated(seed).table("bant")["reached"].iloc[-1]),
    "the count is not from a simulation with your own seed (seed=ex.seed)",
)
_wins_plausible = simulated_check(
    _wins,
    _wins_expected,
    own=_wins_own_seed,
    mistakes=_wins_mistakes,
    miss="your count is {z:.0f} standard errors from what the top 80 by BANT allow in your "
    "run: read the Won row of the BANT order's table (with your own seed)",
)


# --- best_for_revenue ---------------------------------------------------------------------


def _ranking_is_name(value: Any, seed: int) -> Outcome:
    from funnelsim.b2b import ABM_RANKINGS

    if not isinstance(value, str) or value.strip() not in ABM_RANKINGS:
        raise Wrong(f"best_for_revenue should be one of {list(ABM_RANKINGS)}, got {value!r}")
    return Outcome(True)


def _ranking_is_right(value: Any, seed: int) -> Outcome:
    _ranking_is_name(value, seed)
    chosen = value.strip()
    if chosen == "expected_value":
        return Outcome(True)
    if chosen == "bant":
        return Outcome(
            False,
            "BANT order maximises the expected number of *wins*; revenue also weighs how big "
            "each deal is",
        )
    return Outcome(
        False, "a random order uses no information at all: compare the expected_revenue column"
    )


EXERCISE = ExerciseSpec(
    id="11_abm_bant",
    title="Exercise 11: a cleaning-robot maker chooses its accounts",
    questions=(
        Question(
            "top_account",
            1,
            (
                Check("a prospect's name", _top_is_name),
                Check("the top of the BANT ranking", _top_is_right),
            ),
        ),
        Question(
            "fit_companies",
            2,
            (
                Check("a plausible number passing the filter", _fit_plausible),
                Check("simulated with the student's seed", _fit_own_seed, hidden=True),
            ),
        ),
        Question(
            "wins_bant",
            2,
            (
                Check("a plausible number of wins in BANT order", _wins_plausible),
                Check("simulated with the student's seed", _wins_own_seed, hidden=True),
            ),
        ),
        Question(
            "best_for_revenue",
            1,
            (
                Check("a ranking's name", _ranking_is_name),
                Check("the ranking with the highest expected revenue", _ranking_is_right),
            ),
        ),
    ),
)
