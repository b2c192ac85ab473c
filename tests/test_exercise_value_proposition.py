"""The checks of exercise 01_value_proposition, called directly."""

from __future__ import annotations

import math

import pytest

from funnelsim.b2b import beckhard_probability
from funnelsim.exercises import get
from funnelsim.exercises import value_proposition as vp
from tests.exercise_helpers import ExerciseChecks

SPEC = get("01_value_proposition")
CHECKS = ExerciseChecks(SPEC)
LOSS = 80 * 0.70 * 0.30 * 600_000
BENEFIT = LOSS * 0.5 * 0.7
PRICE_70 = BENEFIT / math.sqrt(0.7 / 0.3)


def _honest(seed: int) -> dict:
    market = vp.simulate_market(seed)
    return {
        "yearly_loss": LOSS,
        "believed_benefit": BENEFIT,
        "buys_by_rule": BENEFIT > 2_400_000,
        "max_price_70": PRICE_70,
        "market_buy_share": float(market.clients["buys"].mean()),
    }


@pytest.mark.parametrize("seed", [0, 1, 12_345, 2**32 - 1])
def test_honest_answers_pass_every_check(seed: int) -> None:
    for name, value in _honest(seed).items():
        assert CHECKS.passes(name, value, seed), (name, CHECKS.feedback(name, value, seed))


def test_the_answers_match_the_library() -> None:
    assert beckhard_probability(LOSS, 0.5, 0.7, PRICE_70) == pytest.approx(0.7)
    assert CHECKS.passes("buys_by_rule", True)
    import numpy as np

    assert CHECKS.passes("buys_by_rule", np.bool_(True))
    # what the grader carries over from an executed notebook
    from funnelsim.exercises import export_answers, from_export

    exported = export_answers(SPEC.id, {"buys_by_rule": True})["buys_by_rule"]
    assert CHECKS.passes("buys_by_rule", from_export(exported))


def test_another_seeds_share_passes_visibly_but_not_hidden() -> None:
    other = _honest(99)["market_buy_share"]
    assert CHECKS.passes("market_buy_share", other, seed=7, hidden=False)
    assert not CHECKS.passes("market_buy_share", other, seed=7, hidden=True)
    assert "your own seed" in CHECKS.feedback("market_buy_share", other, seed=7)


@pytest.mark.parametrize(
    ("name", "value", "hint"),
    [
        ("yearly_loss", 80 * 0.30 * 600_000, "only 70 % of the staff"),
        ("yearly_loss", 80 * 0.70 * 600_000, "only 30 % of their time"),
        ("yearly_loss", 80 * 600_000, "whole payroll"),
        ("yearly_loss", LOSS / 12, "per month"),
        ("yearly_loss", -5, "must be positive"),
        ("believed_benefit", LOSS * 0.5, "multiply by D as well"),
        ("believed_benefit", LOSS, "the loss A itself"),
        ("buys_by_rule", False, "compare the believed benefit"),
        ("buys_by_rule", "yes", "should be True or False"),
        ("max_price_70", BENEFIT, "only 50 %"),
        ("max_price_70", 0.7 * BENEFIT, "not a share of the benefit"),
        ("max_price_70", BENEFIT * 0.3 / 0.7, "steepness 1"),
        ("max_price_70", 2 * BENEFIT, "below 50 %"),
        ("market_buy_share", 60.0, "percentage"),
        ("market_buy_share", float(beckhard_probability(LOSS, 0.5, 0.7, 2.4e6)), "typical client"),
        ("market_buy_share", 0.2, "standard errors"),
    ],
)
def test_classic_mistakes_get_their_hint(name: str, value, hint: str) -> None:
    assert not CHECKS.passes(name, value)
    assert hint in CHECKS.feedback(name, value)


def test_the_passes_share_is_told_apart_from_the_buys_share() -> None:
    _, passes = vp.expected_market()
    # a share far enough from the buyers' to fail, at the expected share passing the rule
    feedback = CHECKS.feedback("market_buy_share", passes + 0.01)
    assert "passing the threshold rule" in feedback


def test_feedback_never_gives_the_answer() -> None:
    buys, passes = vp.expected_market()
    secrets = [LOSS, BENEFIT, PRICE_70, buys, passes, LOSS * 0.5]
    wrong = {
        "yearly_loss": [1.0, LOSS / 12, 80 * 600_000],
        "believed_benefit": [1.0, LOSS * 0.5],
        "buys_by_rule": [False, 3],
        "max_price_70": [1.0, BENEFIT, 0.7 * BENEFIT],
        "market_buy_share": [0.01, 0.99, 55.0],
    }
    for name, values in wrong.items():
        for value in values:
            text = CHECKS.feedback(name, value)
            assert text
            for secret in secrets:
                for shown in (f"{secret:,.0f}", f"{secret:.0f}", f"{secret:.3f}", f"{secret:.2%}"):
                    if len(shown.strip("0.,%")) >= 3:
                        assert shown not in text, (name, value, shown, text)
