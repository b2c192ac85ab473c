"""Checks of the exercise ``12_product_life_cycle``: software for logistics firms, and music.

The situation (``exercises/masters/12_product_life_cycle.ipynb``): route-planning software
sold to 8 500 logistics companies in four segments (monthly coefficients):

=============================  ======  ==========  ===========================================
segment                        size    innovation  imitates (q per month), reference exponent
=============================  ======  ==========  ===========================================
visionaries                    500     0.03        each other 0.3; δ = 1
pragmatists: freight           2 000   0.0003      own niche 0.5, warehousing 0.08,
                                                   visionaries 0.01; δ = 2
pragmatists: warehousing       2 000   0.0003      own niche 0.5, freight 0.08,
                                                   visionaries 0.01; δ = 2
conservatives                  4 000   0.0001      each other 0.4, each pragmatist niche 0.04;
                                                   δ = 2
=============================  ======  ==========  ===========================================

and recorded music whose profit migrates to streaming (25 years, a market profit of 50 a
year, the label holds 40 % of the old pool and could get 50 % of streaming by moving at
once, a switching cost of 60, Bass p = 0.004 and q = 0.45 a year).

Questions (the variable the student assigns):

``chasm_months``
    The chasm with no effort over 96 months (:func:`funnelsim.chasm_gap` of
    :func:`funnelsim.diffusion_path`), exact. Classic mistakes: reference exponent 1 for
    everyone (Bass), or the lesson's market.
``months_saved``
    Months by which the bowling alley (freight, then warehousing, then conservatives)
    shortens the chasm against spreading the same effort of 10 a month: deterministic,
    exact. Mistakes: the sign, comparing with no effort, a bowling alley that starts with
    the visionaries.
``simulated_gap``
    The mean chasm over 20 simulated markets with the bowling alley and the student's
    seed. Visible: within 4 standard errors of the mean (the reference mean and standard
    deviation come from 400 replications with a fixed seed). Hidden: exactly the student's
    own simulation.
``best_move_year``
    The year (1..25) in which the label should move to streaming, from
    :func:`funnelsim.move_profits`. Mistakes: the row position (one less), never moving,
    the first year.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np

from funnelsim.exercises import Check, ExerciseSpec, Outcome, Question, Wrong
from funnelsim.exercises._checks import own_simulation_check, read_number, simulated_check

__all__ = ["EXERCISE", "MIGRATION", "NAMES", "PERIODS", "market", "simulated_gap"]

#: Segment names, in order.
NAMES = ["visionaries", "pragmatists: freight", "pragmatists: warehousing", "conservatives"]
SIZES = [500, 2_000, 2_000, 4_000]
INNOVATION = [0.03, 0.0003, 0.0003, 0.0001]
IMITATION = [
    [0.3, 0.0, 0.0, 0.0],
    [0.01, 0.5, 0.08, 0.0],
    [0.01, 0.08, 0.5, 0.0],
    [0.0, 0.04, 0.04, 0.4],
]
REFERENCE_EXPONENT = [1.0, 2.0, 2.0, 2.0]
#: Months followed.
PERIODS = 96
#: Marketing effort, customers' worth a month.
EFFORT = 10.0
#: The bowling alley's order (freight is the beachhead).
ORDER = ["pragmatists: freight", "pragmatists: warehousing", "conservatives"]
#: Simulated markets in ``simulated_gap``.
REPLICATIONS = 20
#: The value migration of recorded music (keywords of funnelsim.move_profits).
MIGRATION = {
    "periods": 25,
    "market_value": 50.0,
    "old_share": 0.4,
    "new_share": 0.5,
    "switch_cost": 60.0,
    "p": 0.004,
    "q": 0.45,
}


def market(reference_exponent: Any = None) -> Any:
    """The logistics market (``reference_exponent`` overrides δ, for spotting mistakes)."""
    import funnelsim as fs

    delta = REFERENCE_EXPONENT if reference_exponent is None else reference_exponent
    return fs.segmented_market(NAMES, SIZES, INNOVATION, IMITATION, delta)


@lru_cache(maxsize=8)
def _path_gap(strategy: str = "spread", effort: float = 0.0, first: str | None = None) -> float:
    import funnelsim as fs

    order = ORDER if first is None else [first, *[n for n in NAMES if n != first]]
    return float(
        fs.diffusion_path(market(), PERIODS, effort=effort, strategy=strategy, order=order).gap()  # type: ignore[arg-type]
    )


def simulated_gap(seed: int, replications: int = REPLICATIONS) -> float:
    """Mean chasm over ``replications`` simulated markets with the bowling alley and ``seed``."""
    import funnelsim as fs

    sim = fs.simulate_diffusion(
        market(),
        PERIODS,
        effort=EFFORT,
        strategy="bowling_alley",
        order=ORDER,
        replications=replications,
        seed=seed,
    )
    return float(np.nanmean(sim.gap()))


@lru_cache(maxsize=1)
def _reference() -> tuple[float, float]:
    """Mean and standard deviation of one market's chasm (400 markets, fixed seed)."""
    import funnelsim as fs

    gaps = fs.simulate_diffusion(
        market(),
        PERIODS,
        effort=EFFORT,
        strategy="bowling_alley",
        order=ORDER,
        replications=400,
        seed=20261130,
    ).gap()
    return float(np.mean(gaps)), float(np.std(gaps, ddof=1))


def _months(value: Any, what: str) -> float:
    x = read_number(value, what)
    if abs(x) > PERIODS:
        raise Wrong(f"{what} is a number of months within the {PERIODS} followed; got {x:g}")
    return x


# --- chasm_months -----------------------------------------------------------------------------


def _chasm_right(value: Any, seed: int) -> Outcome:
    import funnelsim as fs

    x = _months(value, "chasm_months")
    right = _path_gap()
    if abs(x - right) <= 0.5:
        return Outcome(True)
    bass = float(fs.diffusion_path(market(1.0), PERIODS).gap())
    if abs(x - bass) <= 0.5:
        return Outcome(
            False,
            "your pragmatists and conservatives copy at once, like plain Bass: they need "
            "reference_exponent 2 (the visionaries keep 1)",
        )
    lesson = float(fs.diffusion_path(fs.chasm_market(), PERIODS).gap())
    if abs(x - lesson) <= 0.5:
        return Outcome(
            False, "that is the lesson's market; build the logistics market from the table"
        )
    if x < 0:
        return Outcome(
            False, "a chasm is the mainstream's date minus the early market's: it is positive"
        )
    return Outcome(
        False,
        "not the chasm of this market: build it with fs.segmented_market from the table (sizes, "
        "innovation, the imitation matrix row by row, the reference exponents) and take "
        "fs.diffusion_path(..., 96).gap() with no effort",
    )


# --- months_saved -----------------------------------------------------------------------------


def _saved_right(value: Any, seed: int) -> Outcome:
    x = _months(value, "months_saved")
    spread = _path_gap("spread", EFFORT)
    alley = _path_gap("bowling_alley", EFFORT)
    right = spread - alley
    if abs(x - right) <= 0.5:
        return Outcome(True)
    if abs(x + right) <= 0.5:
        return Outcome(
            False, "the sign is reversed: months saved = spread's chasm − the bowling alley's"
        )
    if abs(x - (_path_gap() - alley)) <= 0.5:
        return Outcome(
            False,
            "you compared with no effort at all; compare with spreading the same effort "
            "(strategy='spread', effort=10)",
        )
    if abs(x - (spread - _path_gap("bowling_alley", EFFORT, first="visionaries"))) <= 0.5:
        return Outcome(
            False,
            "your bowling alley starts with the visionaries; they come by themselves. Aim it at "
            "freight first (order=[freight, warehousing, conservatives])",
        )
    return Outcome(
        False,
        "not the months saved: the chasm with strategy='spread' minus the chasm with "
        "strategy='bowling_alley', both with effort=10",
    )


# --- simulated_gap ----------------------------------------------------------------------------


def _gap(value: Any) -> float:
    return _months(value, "simulated_gap")


def _gap_expected(seed: int) -> tuple[float, float]:
    mean, sd = _reference()
    return mean, math.sqrt(sd**2 / REPLICATIONS + sd**2 / 400)


def _gap_mistakes(x: float, seed: int) -> str | None:
    if abs(x - _path_gap("spread", EFFORT)) < abs(x - _reference()[0]):
        return (
            "that looks like the spread strategy's chasm; simulate the bowling alley "
            "(strategy='bowling_alley' with the freight-first order)"
        )
    return None


_sim_own_seed = own_simulation_check(
    _gap,
    simulated_gap,
    "the mean is not from 20 simulated markets with your own seed (seed=ex.seed)",
    rel_tol=1e-9,
    abs_tol=1e-9,
)
_sim_plausible = simulated_check(
    _gap,
    _gap_expected,
    own=_sim_own_seed,
    mistakes=_gap_mistakes,
    miss="your mean chasm is {z:.0f} standard errors from what this market gives: simulate "
    "20 markets with the bowling alley and effort=10, and average .gap()",
)


# --- best_move_year ---------------------------------------------------------------------------


def _best_year() -> int:
    import funnelsim as fs

    table = fs.move_profits(**MIGRATION)  # type: ignore[arg-type]
    best = int(np.argmax(table["total_profit"].to_numpy()))
    return int(table["move"].iloc[best])


def _move_right(value: Any, seed: int) -> Outcome:
    if value is None:
        raise Wrong("never moving is an option, but not the best one here: give a year")
    x = read_number(value, "best_move_year")
    if x != round(x):
        raise Wrong(f"best_move_year is a whole year; got {x:g}")
    right = _best_year()
    if x == right:
        return Outcome(True)
    years = int(MIGRATION["periods"])
    if x == right - 1:
        return Outcome(
            False,
            "one year early: is that the row's position in the table (which starts at 0) "
            "rather than its `move` column?",
        )
    if x in (0, years + 1):
        return Outcome(False, "never moving is not the best choice here: give the year to move")
    if x == 1:
        return Outcome(
            False, "moving in year 1 gives up years of music profits while streaming is tiny"
        )
    if not 1 <= x <= years:
        return Outcome(False, f"the year is between 1 and {years}")
    return Outcome(
        False,
        "not the best year: take fs.move_profits(...) with the exercise's numbers and read the "
        "`move` of the row with the largest total_profit",
    )


EXERCISE = ExerciseSpec(
    id="12_product_life_cycle",
    title="Exercise 12: the chasm of route-planning software, and music moving to streaming",
    questions=(
        Question("chasm_months", 2, (Check("the chasm with no effort", _chasm_right),)),
        Question("months_saved", 2, (Check("months the bowling alley saves", _saved_right),)),
        Question(
            "simulated_gap",
            2,
            (
                Check("a plausible simulated chasm", _sim_plausible),
                Check("simulated with the student's seed", _sim_own_seed, hidden=True),
            ),
        ),
        Question("best_move_year", 2, (Check("the best year to move", _move_right),)),
    ),
)
