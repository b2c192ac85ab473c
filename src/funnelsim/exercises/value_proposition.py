"""Checks of the exercise ``01_value_proposition``: a warehouse product and Beckhard's rule.

The situation (``exercises/masters/01_value_proposition.ipynb``): *Stockwise* sells
warehouse automation to *Northline*, a distribution company with 80 staff. 70 % of the
staff spend 30 % of their working time on manual stock counts and searches; one
employee costs 600 000 a year. After a demo the client believes Stockwise removes half
of that routine (B = 0.5) and is fairly sure of the first steps, a pilot in one
warehouse (D = 0.7). The cost of change is 2.4 million a year (licence plus ownership).
The scale is the course's (lesson 01): A and X in money per year, B and D shares.

Questions (the variable the student assigns):

``yearly_loss``
    A: staff × share with routine × routine share of their time × cost per employee,
    money per year. The classic mistakes use only one of the two shares, or no share.
``believed_benefit``
    A·B·D, money per year. The classic mistake forgets D (A·B: the quantified benefit
    before the first-steps factor).
``buys_by_rule``
    Whether the threshold rule ``fs.beckhard`` says the client buys (a bool).
``max_price_70``
    The highest cost of change X at which the smooth rule (steepness 2) still gives a
    probability of 70 %: ``r² / (1 + r²) = 0.7`` gives ``r = sqrt(7 / 3)``, so
    ``X = A·B·D / sqrt(7 / 3)``. The classic mistakes are X = A·B·D (the 50 % point) and
    0.7 × A·B·D (reading the probability as a share of the benefit).
``market_buy_share``
    The share of a simulated market of 5 000 clients that buys
    (``fs.simulate_beckhard(..., spread=0.6, seed=ex.seed)``). Visible: within 4
    standard errors of the expected share, ``sqrt(p (1 - p) / n)`` (each client buys
    with its own probability; the draws are independent, so the share of buyers is a
    binomial proportion with the mean probability p), p from a reference simulation
    of 10⁶ clients. Hidden: exactly the student's own simulation.
"""

from __future__ import annotations

import functools
from typing import Any

from funnelsim.exercises import Check, ExerciseSpec, Outcome, Question, Wrong
from funnelsim.exercises._checks import (
    binomial_share,
    near,
    own_simulation_check,
    read_positive,
    read_share,
    simulated_check,
    value_hint,
    within_se,
)

__all__ = ["EXERCISE", "expected_market", "simulate_market"]

#: Northline's staff.
STAFF = 80
#: Share of the staff with manual stock work.
STAFF_SHARE = 0.70
#: Share of their working time that goes to it.
ROUTINE_SHARE = 0.30
#: Yearly cost of one employee (salary and taxes), money per year.
COST_PER_EMPLOYEE = 600_000.0
#: B: the share of the loss the client believes Stockwise removes.
VISION = 0.5
#: D: how sure the client is of the first steps.
FIRST_STEPS = 0.7
#: X: the yearly cost of change, money per year.
COST = 2_400_000.0
#: Clients in the simulated market, and how much they differ.
CLIENTS = 5_000
SPREAD = 0.6
#: The probability the price question asks for, and the steepness of the smooth rule.
TARGET = 0.7
STEEPNESS = 2.0


def _loss() -> float:
    return STAFF * STAFF_SHARE * ROUTINE_SHARE * COST_PER_EMPLOYEE


def _benefit() -> float:
    return _loss() * VISION * FIRST_STEPS


def simulate_market(seed: int) -> Any:
    """The market the exercise asks for, simulated with ``seed``."""
    from funnelsim.b2b import simulate_beckhard

    return simulate_beckhard(CLIENTS, _loss(), VISION, FIRST_STEPS, COST, spread=SPREAD, seed=seed)


@functools.lru_cache(maxsize=1)
def expected_market() -> tuple[float, float]:
    """(expected share buying, expected share passing the rule) from 10⁶ reference clients.

    Their Monte Carlo standard error (below 0.0005) is about a twentieth of that of
    a 5 000-client answer, so it hardly widens the check.
    """
    from funnelsim.b2b import simulate_beckhard

    ref = simulate_beckhard(
        1_000_000, _loss(), VISION, FIRST_STEPS, COST, spread=SPREAD, seed=20_261_201
    ).clients
    return float(ref["probability"].mean()), float(ref["passes"].mean())


def _money(value: Any, what: str) -> float:
    return read_positive(value, what, "an amount of money per year, so it must be positive")


# --- yearly_loss --------------------------------------------------------------------------


def _loss_right(value: Any, seed: int) -> Outcome:
    x = _money(value, "yearly_loss")
    right = _loss()
    if near(x, right, 1e-6):
        return Outcome(True)
    everyone = STAFF * COST_PER_EMPLOYEE
    hints = [
        (
            everyone * ROUTINE_SHARE,
            "you counted the routine share of time for every employee; only 70 % of the "
            "staff have that routine",
        ),
        (
            everyone * STAFF_SHARE,
            "you counted the whole working time of the staff with routine; only 30 % of "
            "their time goes to it",
        ),
        (everyone, "that is the whole payroll; the loss is only the time spent on routine"),
        (
            right / 12,
            "that looks like a loss per month; the course measures A in money per year",
        ),
    ]
    return Outcome(
        False,
        value_hint(x, hints)
        or "not the yearly loss: staff × share with routine × routine share of their time × "
        "cost of one employee",
    )


# --- believed_benefit ---------------------------------------------------------------------


def _benefit_right(value: Any, seed: int) -> Outcome:
    x = _money(value, "believed_benefit")
    right = _benefit()
    if near(x, right, 1e-6):
        return Outcome(True)
    if near(x, _loss() * VISION, 1e-6):
        return Outcome(
            False,
            "that is A·B, the benefit if the client were sure of the first steps; "
            "multiply by D as well",
        )
    if near(x, _loss(), 1e-6):
        return Outcome(False, "that is the loss A itself; the client believes in only part of it")
    return Outcome(False, "not A·B·D: check your yearly loss first, then multiply by B and by D")


# --- buys_by_rule -------------------------------------------------------------------------


def _as_bool(value: Any) -> bool:
    """``value`` as a bool: Python's, numpy's, or the grader's carried-over ``True``/``False``."""
    import numpy as np

    from funnelsim.exercises import _Opaque

    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, _Opaque) and value.type_name == "bool" and value.text in ("True", "False"):
        return value.text == "True"
    raise Wrong(
        "buys_by_rule should be True or False (what fs.beckhard returns), "
        f"got a {type(value).__name__}"
    )


def _rule_is_bool(value: Any, seed: int) -> Outcome:
    _as_bool(value)
    return Outcome(True)


def _rule_right(value: Any, seed: int) -> Outcome:
    right = _benefit() > COST
    if _as_bool(value) == right:
        return Outcome(True)
    return Outcome(
        False,
        "compare the believed benefit A·B·D with the cost of change X, both in money per year",
    )


# --- max_price_70 -------------------------------------------------------------------------


def _price_right(value: Any, seed: int) -> Outcome:
    x = _money(value, "max_price_70")
    benefit = _benefit()
    ratio = (TARGET / (1 - TARGET)) ** (1 / STEEPNESS)
    right = benefit / ratio
    if near(x, right, 5e-3):
        return Outcome(True)
    hints = [
        (
            benefit,
            "at X = A·B·D the ratio is 1 and the probability only 50 %; for 70 % the price "
            "must be lower",
        ),
        (
            TARGET * benefit,
            "the probability is not a share of the benefit: solve r² / (1 + r²) = 0.7 for the "
            "ratio r = A·B·D ÷ X first",
        ),
        (
            benefit / (TARGET / (1 - TARGET)),
            "that solves r / (1 + r) = 0.7 (steepness 1); the lesson's rule uses r² / (1 + r²)",
        ),
    ]
    if hint := value_hint(x, hints, rel=5e-3):
        return Outcome(False, hint)
    if x > benefit:
        return Outcome(False, "above A·B·D the ratio is below 1, so the probability is below 50 %")
    return Outcome(
        False,
        "not the highest price for 70 %: find the ratio r where r² / (1 + r²) = 0.7, then "
        "X = A·B·D ÷ r (check with fs.beckhard_probability)",
    )


# --- market_buy_share ---------------------------------------------------------------------


def _share(value: Any) -> float:
    return read_share(value, "market_buy_share", of="clients", example=0.6)


def _market_mistakes(x: float, seed: int) -> str | None:
    from funnelsim.b2b import beckhard_probability

    typical = float(beckhard_probability(_loss(), VISION, FIRST_STEPS, COST))
    if near(x, typical, 1e-6):
        return (
            "that is the probability of the typical client; the question asks what share "
            "of the simulated clients bought"
        )
    if within_se(x, *binomial_share(CLIENTS, expected_market()[1]))[0]:
        return (
            "that looks like the share passing the threshold rule (passes); the question "
            "asks for the share who bought (buys)"
        )
    return None


_market_own_seed = own_simulation_check(
    _share,
    lambda seed: float(simulate_market(seed).clients["buys"].mean()),
    "the share is not from a simulation with your own seed (seed=ex.seed)",
    rel_tol=1e-9,
    abs_tol=1e-12,
)
_market_plausible = simulated_check(
    _share,
    lambda seed: binomial_share(CLIENTS, expected_market()[0]),
    own=_market_own_seed,
    mistakes=_market_mistakes,
    miss="your share is {z:.0f} standard errors from what this market gives: simulate "
    "5 000 clients with the exercise's A, B, D, X and spread=0.6",
)


EXERCISE = ExerciseSpec(
    id="01_value_proposition",
    title="Exercise 01: does the warehouse buy? Beckhard's rule with numbers",
    questions=(
        Question("yearly_loss", 2, (Check("the client's yearly loss A", _loss_right),)),
        Question("believed_benefit", 2, (Check("A·B·D", _benefit_right),)),
        Question(
            "buys_by_rule",
            1,
            (
                Check("True or False", _rule_is_bool),
                Check("the threshold rule", _rule_right),
            ),
        ),
        Question("max_price_70", 2, (Check("the highest price for 70 %", _price_right),)),
        Question(
            "market_buy_share",
            2,
            (
                Check("a plausible share of buyers", _market_plausible),
                Check("from the student's own simulation", _market_own_seed, hidden=True),
            ),
        ),
    ),
)
