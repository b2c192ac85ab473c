"""Checks of exercise 12 (the chasm of route-planning software, music moving to streaming)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import funnelsim as fs
from funnelsim.exercises import get
from funnelsim.exercises import product_life_cycle as ex12
from tests.exercise_helpers import ExerciseChecks

SPEC = get("12_product_life_cycle")
CHECKS = ExerciseChecks(SPEC)
ORDER = ["pragmatists: freight", "pragmatists: warehousing", "conservatives"]


def _market(delta=(1, 2, 2, 2)):
    # Built from the exercise's table, independently of the module's constants.
    return fs.segmented_market(
        ["visionaries", "pragmatists: freight", "pragmatists: warehousing", "conservatives"],
        [500, 2_000, 2_000, 4_000],
        [0.03, 0.0003, 0.0003, 0.0001],
        [[0.3, 0, 0, 0], [0.01, 0.5, 0.08, 0], [0.01, 0.08, 0.5, 0], [0, 0.04, 0.04, 0.4]],
        list(delta),
    )


def _honest(seed):
    m = _market()
    spread = fs.diffusion_path(m, 96, effort=10)
    alley = fs.diffusion_path(m, 96, effort=10, strategy="bowling_alley", order=ORDER)
    sims = fs.simulate_diffusion(
        m, 96, effort=10, strategy="bowling_alley", order=ORDER, replications=20, seed=seed
    )
    table = fs.move_profits(
        25, market_value=50, old_share=0.4, new_share=0.5, switch_cost=60, p=0.004, q=0.45
    )
    return {
        "chasm_months": fs.diffusion_path(m, 96).gap(),
        "months_saved": spread.gap() - alley.gap(),
        "simulated_gap": sims.gap().mean(),
        "best_move_year": int(table.loc[table["total_profit"].idxmax(), "move"]),
    }


@pytest.mark.parametrize("seed", [0, 1, 2026, 4220526688])
def test_honest_answers_pass_every_check(seed):
    for name, value in _honest(seed).items():
        assert CHECKS.passes(name, value, seed), (name, CHECKS.feedback(name, value, seed))


def test_another_seeds_simulation_passes_visible_but_not_hidden():
    theirs = _honest(7)["simulated_gap"]
    mine = _honest(8)["simulated_gap"]
    assert theirs != mine
    assert CHECKS.passes("simulated_gap", theirs, 8, hidden=False)
    assert not CHECKS.passes("simulated_gap", theirs, 8)
    assert "your own seed" in CHECKS.feedback("simulated_gap", theirs, 8)


def test_plain_bass_pragmatists_get_the_reference_exponent_hint():
    wrong = fs.diffusion_path(_market(delta=(1, 1, 1, 1)), 96).gap()
    assert "reference_exponent 2" in CHECKS.feedback("chasm_months", wrong)


def test_the_lessons_market_is_spotted():
    wrong = fs.diffusion_path(fs.chasm_market(), 96).gap()
    assert "lesson's market" in CHECKS.feedback("chasm_months", wrong)


def test_months_saved_mistakes_get_their_hints():
    m = _market()
    spread = fs.diffusion_path(m, 96, effort=10).gap()
    alley = fs.diffusion_path(m, 96, effort=10, strategy="bowling_alley", order=ORDER).gap()
    none = fs.diffusion_path(m, 96).gap()
    visionaries_first = fs.diffusion_path(m, 96, effort=10, strategy="bowling_alley").gap()
    assert "reversed" in CHECKS.feedback("months_saved", alley - spread)
    assert "no effort" in CHECKS.feedback("months_saved", none - alley)
    assert "starts with the visionaries" in CHECKS.feedback(
        "months_saved", spread - visionaries_first
    )


def test_spread_simulation_is_spotted():
    gaps = fs.simulate_diffusion(_market(), 96, effort=10, replications=20, seed=3).gap()
    assert "spread strategy" in CHECKS.feedback("simulated_gap", float(np.mean(gaps)), 3)


def test_best_move_mistakes_get_their_hints():
    right = _honest(0)["best_move_year"]
    assert "position in the table" in CHECKS.feedback("best_move_year", right - 1)
    assert "year 1 gives up" in CHECKS.feedback("best_move_year", 1)
    assert "whole year" in CHECKS.feedback("best_move_year", right + 0.5)
    assert "give a year" in CHECKS.feedback("best_move_year", None)


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("chasm_months", 3.0),
        ("chasm_months", -7.0),
        ("months_saved", 40.0),
        ("simulated_gap", 60.0),
        ("best_move_year", 20),
        ("best_move_year", 1),
    ],
)
def test_feedback_never_gives_the_answer(question, value):
    answers = _honest(0)
    text = CHECKS.feedback(question, value)
    assert text
    right = answers[question]
    for form in {f"{right:g}", f"{right:.0f}", f"{right:.1f}"}:
        pattern = rf"(?<![\d.]){re.escape(form)}(?![\d.])"
        assert not re.search(pattern, text), (question, text)


def test_strange_answers_give_feedback():
    for question in ("chasm_months", "months_saved", "simulated_gap", "best_move_year"):
        outcomes = CHECKS.outcomes(question, "soon")
        assert not any(o.passed for o in outcomes)
        assert all(o.feedback for o in outcomes)
    assert "within the 96" in CHECKS.feedback("chasm_months", 500)


def test_module_constants_match_the_table():
    np.testing.assert_allclose(ex12.market().imitation, _market().imitation)
    assert ex12.market().names == _market().names
