"""Tests of the exercises' check builders (funnelsim.exercises._checks)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from funnelsim.exercises import NOT_DONE, Wrong, export_answers, from_export
from funnelsim.exercises._checks import (
    binomial_count,
    binomial_share,
    near,
    own_simulation_check,
    ratio_hint,
    read_choice,
    read_count,
    read_number,
    read_positive,
    read_share,
    read_stage,
    share_hint,
    simulated_check,
    value_hint,
    within_se,
)

# --- reading an answer -------------------------------------------------------------------


@pytest.mark.parametrize("unanswered", [..., None])
@pytest.mark.parametrize(
    "reader",
    [
        lambda v: read_number(v, "x"),
        lambda v: read_share(v, "x"),
        lambda v: read_count(v, "x", "people"),
        lambda v: read_positive(v, "x", "a positive amount of dollars"),
    ],
)
def test_an_unanswered_question_is_not_done_yet(reader, unanswered) -> None:
    with pytest.raises(Wrong, match=rf"^x: {NOT_DONE}"):
        reader(unanswered)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, 3.0),
        (np.float64(0.25), 0.25),
        (np.int64(7), 7.0),
        (np.array(0.5), 0.5),
        (np.array([0.5]), 0.5),
        (pd.Series([12.0], index=["Revenue"]), 12.0),
        (pd.DataFrame({"count": [40]}, index=["Revenue"]), 40.0),
    ],
)
def test_a_number_or_a_single_cell_is_read(value, expected) -> None:
    assert read_number(value, "x") == expected


def test_a_single_cell_is_carried_to_the_grader_as_the_same_number() -> None:
    cell = pd.DataFrame({"count": [40]}, index=["Revenue"])["count"]
    exported = export_answers("02_aaarrr_funnel", {"paying_customers": cell})
    assert exported["paying_customers"] == 40.0
    assert read_number(from_export(exported["paying_customers"]), "x") == 40.0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, r"x should be a number, got True"),
        ("many", r"x should be a number, got 'many'"),
        ("5 %", r"not the text '5 %': write the number itself"),
        ([1, 2], r"x should be a number, got a list"),
        (pd.Series([1.0, 2.0]), r"got a Series; take one number out of it with \.loc"),
        (pd.DataFrame({"a": [1, 2]}), r"got a DataFrame; take one number out of it"),
        (np.array([0.1, 0.2]), r"x should be a number, got a ndarray"),
        (math.nan, r"x should be a finite number, got nan"),
        (math.inf, r"x should be a finite number, got inf"),
    ],
)
def test_anything_else_is_refused_saying_what_was_expected(value, message) -> None:
    with pytest.raises(Wrong, match=message):
        read_number(value, "x")


def test_a_table_the_grader_could_not_carry_gets_the_same_tip() -> None:
    column = from_export({"type": "Series", "repr": "0    0.49"})
    with pytest.raises(Wrong, match=r"got a Series .*\.loc\[row, column\] or \.iloc\[0\]"):
        read_number(column, "x")


@given(st.floats(0, 1))
def test_every_share_is_read_as_itself(x: float) -> None:
    assert read_share(x, "x") == x


def test_a_percentage_for_a_share_gets_its_hint_with_the_example_not_the_answer() -> None:
    with pytest.raises(
        Wrong, match=r"^x looks like a percentage: give it as a fraction \(0.4, not 40\)$"
    ):
        read_share(37.5, "x", example=0.4)
    with pytest.raises(
        Wrong, match=r"^x is a share of the accounts, so it must be between 0 and 1; got -0.2$"
    ):
        read_share(-0.2, "x", of="the accounts")
    with pytest.raises(Wrong, match=r"between 0 and 1; got 250"):
        read_share(250, "x")


def test_a_count_refuses_a_share_and_a_fraction_of_a_person() -> None:
    assert read_count(12, "x", "people") == 12.0
    with pytest.raises(Wrong, match=r"^x is a number of people; you gave a share\. Read it$"):
        read_count(0.3, "x", "people", tip="Read it")
    for bad in (2.5, -1):
        with pytest.raises(Wrong, match=r"x is a number of people, a whole number ≥ 0; got"):
            read_count(bad, "x", "people")


def test_a_positive_answer_refuses_zero_and_below() -> None:
    for bad in (0, -3):
        with pytest.raises(Wrong, match=rf"^x is a positive amount of dollars; got {bad}$"):
            read_positive(bad, "x", "a positive amount of dollars")


def test_a_choice_ignores_case_and_spaces_and_lists_the_choices() -> None:
    names = ["Lead", "Demo", "Deal"]
    assert (
        read_choice("  dEMo ", "x", names, noun="a stage name", among="a stage; they are") == "Demo"
    )
    with pytest.raises(Wrong, match=r"^x should be a stage name \(a string\) such as 'Lead'$"):
        read_choice(3, "x", names, noun="a stage name", among="a stage; they are")
    with pytest.raises(
        Wrong, match=r"^'Pilot' is not a stage; they are \['Lead', 'Demo', 'Deal'\]$"
    ):
        read_choice("Pilot", "x", names, noun="a stage name", among="a stage; they are")


def test_a_stage_question_can_refuse_the_first_stage() -> None:
    names = ["Lead", "Demo", "Deal"]
    assert read_stage("lead", "x", names) == "Lead"
    with pytest.raises(Wrong, match=r"^no step leads into Lead$"):
        read_stage("lead", "x", names, start="no step leads into Lead")
    with pytest.raises(Wrong, match=r"such as 'Demo'"):  # the example is a stage after the first
        read_stage(1, "x", names)
    with pytest.raises(Wrong, match=r"not a stage of this funnel; the stage names are"):
        read_stage("Pilot", "x", names)


# --- comparing with the model ------------------------------------------------------------


def test_binomial_standard_errors_are_the_closed_forms() -> None:
    assert binomial_count(400, 0.5) == (200.0, 10.0)
    mean, se = binomial_share(400, 0.1)
    assert mean == 0.1 and se == pytest.approx(0.015)


def test_within_se_measures_the_distance_in_standard_errors() -> None:
    assert within_se(108.0, 100.0, 2.0) == (True, 4.0)
    ok, z = within_se(108.1, 100.0, 2.0)
    assert not ok and z == pytest.approx(4.05)
    assert within_se(1.0, 1.0, 0.0) == (True, 0.0)  # no noise: exact
    assert within_se(1.1, 1.0, 0.0) == (False, math.inf)


def _check(**kwargs):
    defaults = {
        "read": lambda v: read_count(v, "x", "people"),
        "expected": lambda seed: (100.0, 5.0),
        "miss": "your count is {z:.0f} standard errors away ({more} than plausible)",
    }
    return simulated_check(**(defaults | kwargs))


@given(st.floats(-4, 4))
def test_an_answer_within_four_standard_errors_passes(z: float) -> None:
    assert _check()(round(100 + 5 * z * 0.99), 0).passed


def test_a_far_answer_fails_with_its_distance_never_the_expected_value() -> None:
    low, high = _check()(70, 0), _check()(130, 0)
    assert (
        not low.passed
        and low.feedback == "your count is 6 standard errors away (fewer than plausible)"
    )
    assert not high.passed and "(more than plausible)" in high.feedback
    assert "100" not in low.feedback + high.feedback


def test_the_students_own_simulation_passes_even_far_in_the_tail() -> None:
    own = own_simulation_check(
        lambda v: read_count(v, "x", "people"), lambda seed: 130.0, "not own"
    )
    check = _check(own=own)
    assert check(130, 0).passed  # 6 standard errors out, but exactly the own run
    assert not check(131, 0).passed
    assert own(130, 0).passed and own(131, 0).feedback == "not own"


def test_a_recognised_mistake_gets_its_hint_and_a_screened_one_even_within_the_band() -> None:
    check = _check(
        mistakes=lambda x, seed: "that is the count at Retention" if x == 300 else None,
        screen=lambda x, seed: "that is the median" if x == 101 else None,
    )
    assert check(300, 0).feedback == "that is the count at Retention"
    assert check(101, 0).feedback == "that is the median"
    assert check(102, 0).passed


def test_a_log_scale_compares_ratios_and_says_higher_or_lower() -> None:
    check = simulated_check(
        lambda v: read_positive(v, "r", "a positive ratio"),
        lambda seed: (math.log(2.0), 0.05),
        scale=math.log,
        miss="{z:.0f} standard errors {higher} than the change implies",
    )
    assert check(2.1, 0).passed
    assert check(3.0, 0).feedback == "8 standard errors higher than the change implies"
    assert check(1.0, 0).feedback == "14 standard errors lower than the change implies"


def test_the_own_simulation_check_takes_several_honest_values_and_tolerances() -> None:
    own = own_simulation_check(
        lambda v: read_share(v, "x"), lambda seed: [0.2 + seed, 0.3], "no", rel_tol=1e-6
    )
    assert own(0.2, 0).passed and own(0.3000000001, 0).passed
    assert not own(0.2, 1).passed
    counted = own_simulation_check(
        lambda v: read_count(v, "x", "people"), lambda seed: np.int64(7), "no"
    )
    assert counted(7, 0).passed and not counted(8, 0).passed  # a numpy count is one value


# --- hints for classic mistakes ----------------------------------------------------------


def test_the_share_hint_fires_on_a_percentage_only() -> None:
    hint = "give it as a share, not in percent"
    assert share_hint(35.0, 0.35, hint) == hint
    assert share_hint(0.35, 0.35, hint) is None
    assert share_hint(3.5, 0.35, hint) is None


def test_the_ratio_hint_names_the_factor_and_never_the_answer() -> None:
    right = 160.0
    hints = [
        (12.0, "12× too large"),
        (1 / 12, "12× too small"),
        (1 / 0.8, "too large by the margin"),
    ]
    assert ratio_hint(12 * right, right, hints) == "12× too large"
    assert ratio_hint(right / 12, right, hints) == "12× too small"
    assert ratio_hint(right / 0.8, right, hints) == "too large by the margin"
    assert ratio_hint(right * 2, right, hints) is None
    assert all(str(right) not in h and "160" not in h for _, h in hints)


def test_the_value_hint_takes_the_first_match_within_its_tolerance() -> None:
    hints = [(50.0, "only the ads"), (50.01, "never reached"), (80.0, "hosting")]
    assert value_hint(50.0, hints) == "only the ads"
    assert value_hint(80.00001, hints) == "hosting"
    assert value_hint(80.1, hints) is None
    assert value_hint(80.1, hints, rel=0.01) == "hosting"


def test_near_is_relative() -> None:
    assert near(101.0, 100.0) and not near(103.0, 100.0)
    assert near(1e6 + 1, 1e6, 1e-6) and not near(1e6 + 2, 1e6, 1e-6)
