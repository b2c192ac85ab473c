"""Exercise 03 (a language school's channels): honest answers pass, mistakes get a hint."""

from __future__ import annotations

import pytest

import funnelsim as fs
from funnelsim.exercises import get
from funnelsim.exercises.acquisition_channels import (
    EXERCISE,
    MONTHS,
    channels,
    simulated_quarter,
)
from tests.exercise_helpers import ExerciseChecks

CHECKS = ExerciseChecks(EXERCISE)

SEEDS = (0, 1, 17, 2026, 123_456)


def expected():
    return fs.expected_channels(channels()).set_index("channel").drop(index="total")


def test_registered():
    assert get("03_awareness_acquisition") is EXERCISE


def test_channel_questions_take_the_exact_answers():
    exp = expected()
    cheapest_leads, cheapest_customers = exp["cpl"].idxmin(), exp["cac"].idxmin()
    assert cheapest_leads != cheapest_customers  # the point of the exercise
    assert CHECKS.passes("cheapest_leads", cheapest_leads)
    assert CHECKS.passes(
        "cheapest_leads", f"  {cheapest_leads.upper()} "
    )  # case and spaces forgiven
    assert CHECKS.passes("cheapest_customers", cheapest_customers)


def test_channel_mistakes_get_their_hint():
    exp = expected()
    text = CHECKS.feedback("cheapest_customers", exp["cpl"].idxmin())
    assert "lead → customer rate" in text
    assert "most customers" in CHECKS.feedback("cheapest_customers", exp["customers"].idxmax())
    assert "cheapest *customers*" in CHECKS.feedback("cheapest_leads", exp["cac"].idxmin())
    assert "not one of Lingvia's channels" in CHECKS.feedback("cheapest_leads", "tv")
    assert "all channels together" in CHECKS.feedback("cheapest_leads", "total")
    assert "a channel's name" in CHECKS.feedback("cheapest_leads", 3)


@pytest.mark.parametrize("seed", SEEDS)
def test_honest_quarter_passes_for_any_seed(seed):
    table = simulated_quarter(seed)
    customers = int(table.loc["total", "customers"])
    assert CHECKS.passes("quarter_customers", customers, seed)
    cac = table.loc["total", "spend"] / table.loc["total", "customers"]
    assert CHECKS.passes("quarter_cac", float(cac), seed)
    # another student's honest answer passes the visible check, not the hidden one
    other = simulated_quarter(seed + 1)
    assert CHECKS.passes(
        "quarter_customers", int(other.loc["total", "customers"]), seed, hidden=False
    )


def test_quarter_mistakes_get_their_hint():
    table = simulated_quarter(5)
    total = fs.expected_channels(channels(), periods=MONTHS).set_index("channel").loc["total"]
    assert "one month" in CHECKS.feedback(
        "quarter_customers", round(total["customers"] / MONTHS), 5
    )
    assert "leads" in CHECKS.feedback("quarter_customers", int(table.loc["total", "leads"]), 5)
    assert "a share" in CHECKS.feedback("quarter_customers", 0.1, 5)
    mean_of_cacs = float(table["cac"].drop(index="total").mean())
    assert "average of the channels' CACs" in CHECKS.feedback("quarter_cac", mean_of_cacs, 5)
    assert "cost per lead" in CHECKS.feedback("quarter_cac", float(table.loc["total", "cpl"]), 5)
    assert "positive amount" in CHECKS.feedback("quarter_cac", -3, 5)


def test_ab_size_and_its_mistakes():
    right = fs.sample_size_two_proportions(0.03, 0.04)
    assert CHECKS.passes("visitors_per_page", right)
    assert "both pages together" in CHECKS.feedback("visitors_per_page", 2 * right)
    assert "one rate to ± 1 point" in CHECKS.feedback(
        "visitors_per_page", fs.sample_size_proportion(0.03, 0.01)
    )
    assert "50 % chance" in CHECKS.feedback(
        "visitors_per_page", fs.sample_size_two_proportions(0.03, 0.04, power=0.5)
    )
    assert "whole number" in CHECKS.feedback("visitors_per_page", 10.5)


def test_feedback_never_contains_the_answer():
    exp = expected()
    right_size = fs.sample_size_two_proportions(0.03, 0.04)
    wrong_answers = {
        "cheapest_leads": ["blog", "webinars", exp["cac"].idxmin()],
        "cheapest_customers": ["blog", exp["cpl"].idxmin(), "cold email"],
        "visitors_per_page": [100, 2 * right_size, 1118],
    }
    secrets = {
        "cheapest_leads": exp["cpl"].idxmin(),
        "cheapest_customers": exp["cac"].idxmin(),
        "visitors_per_page": f"{right_size}",
    }
    for question, values in wrong_answers.items():
        for value in values:
            assert secrets[question] not in CHECKS.feedback(question, value)
    table = simulated_quarter(9)
    for value in (3, 10_000):
        text = CHECKS.feedback("quarter_customers", value, 9)
        assert str(int(table.loc["total", "customers"])) not in text
