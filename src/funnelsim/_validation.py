"""Input checks shared by every public function.

Each check names the parameter and repeats the value it got, so a student who
mistypes a slider value or a scenario key sees exactly what went wrong, e.g.
``ValueError: rate for stage 'Activation' must be in [0, 1], got 1.3``.
Checks return the normalised value (a Python ``float``/``int``) so callers can
validate and convert in one line.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection, Hashable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pandas is imported by check_columns only: simulating needs numpy alone
    import pandas as pd

__all__ = [
    "check_choice",
    "check_columns",
    "check_int",
    "check_probability",
    "check_real",
    "check_real_array",
]


def _describe(value: Any) -> str:
    return f"{value!r} ({type(value).__name__})"


def check_real(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    allow_inf: bool = False,
) -> float:
    """Return ``value`` as a finite float within ``[low, high]`` or raise.

    ``bool`` is rejected even though it is an ``int`` subclass: ``rate=True``
    is almost always a slip. ``low_open``/``high_open`` make the bounds strict.
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_describe(value)}")
    x = float(value)
    if math.isnan(x) or (math.isinf(x) and not allow_inf):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    too_low = low is not None and (x <= low if low_open else x < low)
    too_high = high is not None and (x >= high if high_open else x > high)
    if too_low or too_high:
        raise ValueError(
            f"{name} must be {_interval(low, high, low_open, high_open)}, got {value!r}"
        )
    return x


def check_real_array(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> Any:
    """A float (for a scalar) or a float array, every element finite and within bounds.

    Scalars go through :func:`check_real` and come back as ``float``; array-likes
    come back as float ndarrays under the same rule, and the message names the
    first offending element and its position
    (``"churn must be in (0, 1], got 1.5 at position 1"``). Booleans and text are
    refused rather than converted.
    """
    if isinstance(value, numbers.Number | str | bytes | None):
        return check_real(name, value, low=low, high=high, low_open=low_open, high_open=high_open)
    try:
        arr = np.asarray(value)
    except ValueError as exc:  # ragged nesting
        raise TypeError(f"{name} must be a number or an array of numbers, got {value!r}") from exc
    if arr.ndim == 0 and not isinstance(value, np.ndarray):
        return check_real(name, value, low=low, high=high, low_open=low_open, high_open=high_open)
    if arr.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must be a number or an array of numbers, got an array of dtype {arr.dtype}"
        )
    arr = arr.astype(float)
    flat = arr.ravel()
    bad = np.flatnonzero(~np.isfinite(flat))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{name} must be finite numbers, got {flat[i]:g} at position {i}")
    too_low = (
        np.zeros(flat.shape, bool) if low is None else (flat <= low if low_open else flat < low)
    )
    too_high = (
        np.zeros(flat.shape, bool) if high is None else (flat >= high if high_open else flat > high)
    )
    bad = np.flatnonzero(too_low | too_high)
    if bad.size:
        i = int(bad[0])
        rule = _interval(low, high, low_open, high_open)
        raise ValueError(f"{name} must be {rule}, got {flat[i]:g} at position {i}")
    return arr


def _interval(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low:g}"
    assert high is not None
    return f"{'<' if high_open else '<='} {high:g}"


def check_probability(name: str, value: Any) -> float:
    """A finite number in [0, 1]."""
    return check_real(name, value, low=0.0, high=1.0)


def check_int(name: str, value: Any, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an ``int`` or raise.

    Integral floats are accepted (students write ``buyers=1e6``); ``1.5`` is not.
    """
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be an integer, got {_describe(value)}")
    if isinstance(value, numbers.Integral):
        n = int(value)
    elif isinstance(value, numbers.Real):
        x = float(value)
        if not math.isfinite(x) or x != int(x):
            raise ValueError(f"{name} must be a whole number, got {value!r}")
        n = int(x)
    else:
        raise TypeError(f"{name} must be an integer, got {_describe(value)}")
    if (low is not None and n < low) or (high is not None and n > high):
        if high is None:
            rule = f">= {low}"
        elif low is None:
            rule = f"<= {high}"
        else:
            rule = f"in [{low}, {high}]"
        raise ValueError(f"{name} must be {rule}, got {value!r}")
    return n


def check_choice(name: str, value: Any, choices: Collection[str]) -> str:
    """One of a fixed set of strings."""
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be a string, one of {sorted(choices)}, got {_describe(value)}"
        )
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r}")
    return value


def check_columns(data: Any, required: Iterable[str], *, name: str = "data") -> pd.DataFrame:
    """Check that ``data`` is a DataFrame holding every column in ``required``."""
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(data).__name__}")
    required = list(required)
    for c in required:
        if not isinstance(c, Hashable):
            raise TypeError(
                f"a column name for {name} must be one label such as 'date', got "
                f"{_describe(c)}; pass one column name, not a list"
            )
    missing = [c for c in required if c not in data.columns]
    if missing:
        raise ValueError(
            f"{name} is missing column(s) {missing}; it has {list(map(str, data.columns))}"
        )
    return data
