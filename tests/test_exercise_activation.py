"""Exercise 04 (a budgeting app's onboarding): honest answers pass, mistakes get a hint."""

from __future__ import annotations

import pytest

import funnelsim as fs
from funnelsim.exercises import get
from funnelsim.exercises.activation import EXERCISE, LEVERS, app, lever_table, simulated
from tests.exercise_helpers import ExerciseChecks

SEEDS = (0, 3, 2026, 99_999)
CHECKS = ExerciseChecks(EXERCISE)


def exact_gain() -> float:
    nurture = fs.Nurture(0.4, delay=3.0, max_rounds=1)
    one = fs.Funnel.from_rates({"Sign-up": 1, "First budget": 0.55 * 0.7})
    table = fs.compare_pipelines({"one": (one, nurture), "two": (app(), nurture)}, 3000)
    return float(table["change"].iloc[1])


def test_registered():
    assert get("04_activation") is EXERCISE


@pytest.mark.parametrize("seed", SEEDS)
def test_honest_answers_pass_for_any_seed(seed):
    month = simulated(seed)
    counts = month.counts[0]
    assert CHECKS.passes("activation_rate", counts[-1] / counts[0], seed)
    days = fs.time_to_convert(month.events)
    assert CHECKS.passes("mean_days_to_value", float(days.mean()), seed)
    # another seed's honest answer passes the visible check only
    other = simulated(seed + 1).counts[0]
    assert CHECKS.passes("activation_rate", other[-1] / other[0], seed, hidden=False)
    assert not CHECKS.passes("activation_rate", other[-1] / other[0], seed)


def test_exact_answers_pass():
    assert exact_gain() > 0
    assert CHECKS.passes("split_gain", exact_gain())
    best = lever_table().drop(index="as is")["change"].idxmax()
    assert best in LEVERS
    assert CHECKS.passes("best_lever", best)
    assert CHECKS.passes("best_lever", f" {best.upper()} ")


def test_mistakes_get_their_hint():
    month = simulated(4)
    assert "last step's conversion" in CHECKS.feedback("activation_rate", 0.7, 4)
    assert "percentage" in CHECKS.feedback("activation_rate", 38.5, 4)
    days = fs.time_to_convert(month.events)
    assert "median" in CHECKS.feedback("mean_days_to_value", float(days.median()), 4)
    assert "median" in CHECKS.feedback("mean_days_to_value", round(float(days.median()), 2), 4)
    assert "asks for the mean" in CHECKS.feedback("mean_days_to_value", 50.0, 4)
    assert "one stage only" in CHECKS.feedback("mean_days_to_value", 2.0, 4)
    assert "positive number of days" in CHECKS.feedback("mean_days_to_value", 0, 4)
    gain = exact_gain()
    assert "without nurture" in CHECKS.feedback("split_gain", 0.0)
    assert "as a share" in CHECKS.feedback("split_gain", 100 * gain)
    assert "sign is reversed" in CHECKS.feedback("split_gain", -gain)
    win = float(fs.compare_pipelines({"x": (app(), fs.Nurture(0.4, 3.0, 1))}, 3000)["win_rate"][0])
    assert "win rate" in CHECKS.feedback("split_gain", win)
    assert "strongest step" in CHECKS.feedback("best_lever", "budget templates")
    assert "not one of the levers" in CHECKS.feedback("best_lever", "ads")


def test_feedback_never_contains_the_answer():
    gain = exact_gain()
    best = lever_table().drop(index="as is")["change"].idxmax()
    for value in (0.0, 0.5, 100 * gain):
        assert f"{gain:.4f}" not in CHECKS.feedback("split_gain", value)
    for value in ("budget templates", "onboarding emails"):
        assert best not in CHECKS.feedback("best_lever", value)
    month = simulated(6).counts[0]
    for value in (0.01, 0.9):
        assert f"{month[-1] / month[0]:.3f}" not in CHECKS.feedback("activation_rate", value, 6)
