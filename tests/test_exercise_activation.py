"""Exercise 04 (a budgeting app's onboarding): honest answers pass, mistakes get a hint."""

from __future__ import annotations

import pytest

import funnelsim as fs
from funnelsim.exercises import get, run_checks
from funnelsim.exercises.activation import EXERCISE, LEVERS, app, lever_table, simulated

SEEDS = (0, 3, 2026, 99_999)


def outcomes(question: str, value, seed: int = 1, hidden: bool = True):
    return run_checks(EXERCISE.question(question), value, seed, hidden=hidden)


def passed(question: str, value, seed: int = 1, hidden: bool = True) -> bool:
    return all(o.passed for o in outcomes(question, value, seed, hidden))


def feedback(question: str, value, seed: int = 1) -> str:
    return " ".join(o.feedback for o in outcomes(question, value, seed) if not o.passed)


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
    assert passed("activation_rate", counts[-1] / counts[0], seed)
    days = fs.time_to_convert(month.events)
    assert passed("mean_days_to_value", float(days.mean()), seed)
    # another seed's honest answer passes the visible check only
    other = simulated(seed + 1).counts[0]
    assert passed("activation_rate", other[-1] / other[0], seed, hidden=False)
    assert not passed("activation_rate", other[-1] / other[0], seed)


def test_exact_answers_pass():
    assert exact_gain() > 0
    assert passed("split_gain", exact_gain())
    best = lever_table().drop(index="as is")["change"].idxmax()
    assert best in LEVERS
    assert passed("best_lever", best)
    assert passed("best_lever", f" {best.upper()} ")


def test_mistakes_get_their_hint():
    month = simulated(4)
    assert "last step's conversion" in feedback("activation_rate", 0.7, 4)
    assert "percentage" in feedback("activation_rate", 38.5, 4)
    days = fs.time_to_convert(month.events)
    assert "median" in feedback("mean_days_to_value", float(days.median()), 4)
    assert "median" in feedback("mean_days_to_value", round(float(days.median()), 2), 4)
    assert "asks for the mean" in feedback("mean_days_to_value", 50.0, 4)
    assert "one stage only" in feedback("mean_days_to_value", 2.0, 4)
    assert "positive number of days" in feedback("mean_days_to_value", 0, 4)
    gain = exact_gain()
    assert "without nurture" in feedback("split_gain", 0.0)
    assert "as a share" in feedback("split_gain", 100 * gain)
    assert "sign is reversed" in feedback("split_gain", -gain)
    win = float(fs.compare_pipelines({"x": (app(), fs.Nurture(0.4, 3.0, 1))}, 3000)["win_rate"][0])
    assert "win rate" in feedback("split_gain", win)
    assert "strongest step" in feedback("best_lever", "budget templates")
    assert "not one of the levers" in feedback("best_lever", "ads")


def test_feedback_never_contains_the_answer():
    gain = exact_gain()
    best = lever_table().drop(index="as is")["change"].idxmax()
    for value in (0.0, 0.5, 100 * gain):
        assert f"{gain:.4f}" not in feedback("split_gain", value)
    for value in ("budget templates", "onboarding emails"):
        assert best not in feedback("best_lever", value)
    month = simulated(6).counts[0]
    for value in (0.01, 0.9):
        assert f"{month[-1] / month[0]:.3f}" not in feedback("activation_rate", value, 6)
