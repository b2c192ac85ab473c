import numpy as np
import pandas as pd
import pytest

from funnelsim._validation import (
    check_choice,
    check_columns,
    check_int,
    check_probability,
    check_real,
    check_real_array,
)


def test_check_real_returns_float_and_accepts_numpy_scalars():
    assert check_real("x", np.float32(0.5)) == 0.5
    assert isinstance(check_real("x", 3), float)


@pytest.mark.parametrize("value", [True, "0.3", None, [0.3], 1 + 2j])
def test_check_real_rejects_non_numbers(value):
    with pytest.raises(TypeError, match=r"^x must be a real number, got "):
        check_real("x", value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -np.inf])
def test_check_real_rejects_non_finite(value):
    with pytest.raises(ValueError, match=r"x must be a finite number, got"):
        check_real("x", value)


def test_check_real_bounds_are_reported():
    with pytest.raises(ValueError, match=r"x must be >= 0, got -1"):
        check_real("x", -1, low=0)
    with pytest.raises(ValueError, match=r"x must be > 0, got 0"):
        check_real("x", 0, low=0, low_open=True)
    with pytest.raises(ValueError, match=r"x must be in \(0, 1\), got 1"):
        check_real("x", 1, low=0, high=1, low_open=True, high_open=True)
    with pytest.raises(ValueError, match=r"x must be <= 2, got 3"):
        check_real("x", 3, high=2)


def test_check_probability_message_names_parameter_and_value():
    with pytest.raises(
        ValueError, match=r"rate for stage 'Activation' must be in \[0, 1\], got 1.3"
    ):
        check_probability("rate for stage 'Activation'", 1.3)


def test_check_int_accepts_integral_floats_like_1e6():
    assert check_int("buyers", 1e6) == 1_000_000
    assert check_int("buyers", np.int64(7)) == 7


@pytest.mark.parametrize(
    ("value", "error", "pattern"),
    [
        (1.5, ValueError, r"buyers must be a whole number, got 1.5"),
        (float("inf"), ValueError, r"buyers must be a whole number, got inf"),
        (True, TypeError, r"buyers must be an integer, got True \(bool\)"),
        ("10", TypeError, r"buyers must be an integer, got '10' \(str\)"),
        (-1, ValueError, r"buyers must be >= 0, got -1"),
    ],
)
def test_check_int_rejects(value, error, pattern):
    with pytest.raises(error, match=pattern):
        check_int("buyers", value, low=0)


def test_check_int_range_messages():
    with pytest.raises(ValueError, match=r"k must be in \[1, 5\], got 6"):
        check_int("k", 6, low=1, high=5)
    with pytest.raises(ValueError, match=r"k must be <= 5, got 6"):
        check_int("k", 6, high=5)


def test_check_choice():
    assert check_choice("mode", "counts", ("buyers", "counts")) == "counts"
    with pytest.raises(ValueError, match=r"mode must be one of \['buyers', 'counts'\], got 'fast'"):
        check_choice("mode", "fast", ("buyers", "counts"))
    with pytest.raises(TypeError, match=r"mode must be a string"):
        check_choice("mode", 1, ("buyers", "counts"))


def test_check_columns():
    df = pd.DataFrame({"a": [1], "b": [2]})
    assert check_columns(df, ["a"]) is df
    with pytest.raises(
        ValueError, match=r"events is missing column\(s\) \['c'\]; it has \['a', 'b'\]"
    ):
        check_columns(df, ["a", "c"], name="events")
    with pytest.raises(TypeError, match=r"events must be a pandas DataFrame, got dict"):
        check_columns({"a": [1]}, ["a"], name="events")
    with pytest.raises(
        TypeError,
        match=r"a column name for events must be one label such as 'date', got \['a', 'b'\] "
        r"\(list\); pass one column name, not a list",
    ):
        check_columns(df, ["a", ["a", "b"]], name="events")


def test_check_real_array_scalars_stay_floats_and_arrays_become_float_arrays():
    assert check_real_array("x", 3) == 3.0 and isinstance(check_real_array("x", 3), float)
    out = check_real_array("x", [1, 2], low=0)
    assert isinstance(out, np.ndarray) and out.dtype == float and out.tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    ("value", "bounds", "error", "pattern"),
    [
        ([1.0, np.nan], {}, ValueError, r"x must be finite numbers, got nan at position 1"),
        (
            [[0.5], [1.5]],
            {"low": 0, "high": 1},
            ValueError,
            r"x must be in \[0, 1\], got 1.5 at position 1",
        ),
        ([0.0], {"low": 0, "low_open": True}, ValueError, r"x must be > 0, got 0 at position 0"),
        (
            ["a", "b"],
            {},
            TypeError,
            r"x must be a number or an array of numbers, got an array of dtype <U1",
        ),
        ([True, False], {}, TypeError, r"got an array of dtype bool"),
        ([[1], [1, 2]], {}, TypeError, r"x must be a number or an array of numbers"),
        (True, {}, TypeError, r"x must be a real number, got True \(bool\)"),
    ],
)
def test_check_real_array_rejects(value, bounds, error, pattern):
    with pytest.raises(error, match=pattern):
        check_real_array("x", value, **bounds)


def test_a_list_as_a_column_name_is_a_clear_type_error_in_every_reader():
    import funnelsim as fs

    tx = pd.DataFrame(
        {"customer_id": ["a"], "date": pd.to_datetime(["2024-01-01"]), "amount": [1.0]}
    )
    for call in (
        lambda: fs.rfm(tx, customer=["customer_id"]),
        lambda: fs.repeat_purchase_rate(tx, time=["date"]),
        lambda: fs.cohort_retention(tx, customer=["customer_id"], time="date", period="D"),
    ):
        with pytest.raises(TypeError, match=r"pass one column name, not a list"):
            call()
