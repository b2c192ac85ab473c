"""Dates, durations and time bins: the one place funnelsim reads a time.

Every function that takes dates as text, a duration or a period goes through
here, so the package has one rule for each:

* **Dates are never guessed.** ISO 8601 text (``"2014-12-31"``, year first) is
  read as such. Any other text (``"08.03.2014"``: 8 March or 3 August?) needs
  ``date_format=`` (a :func:`datetime.datetime.strptime` format such as
  ``"%d.%m.%Y"``, the usual Russian ``dd.mm.yyyy``) or ``dayfirst=True|False``;
  without one it is refused with a message that says so. Parsing is pandas'
  :func:`pandas.to_datetime` with an explicit format (for ``dayfirst`` the
  format of the first value, from pandas' ``guess_datetime_format``, is then
  applied to every value), so one column is read with one format.
* **Durations carry a unit.** On a log with datetime times a duration is a
  :class:`pandas.Timedelta`, a :class:`datetime.timedelta`, a
  :class:`numpy.timedelta64` or text with a unit (``"90D"``, ``"5min"``); a bare
  number has no unit and is refused (pandas would read ``90`` as 90
  nanoseconds). On a log with numeric times a duration is a number in the
  log's own unit.
* **Elapsed time is exact.** Datetimes become integer nanoseconds since the
  epoch (time-zone-aware ones: the instant in UTC), so a difference of two
  times is exact and does not depend on other rows of the log.
* **Periods are calendar periods of the log's own clock.** A pandas period
  alias (``"D"``, ``"W"``, ``"M"``, ``"Q"``, ``"Y"``; the offset aliases
  ``"ME"``, ``"MS"``, ``"QE"``, ``"YE"``... name the same periods and are
  accepted) bins datetimes; time-zone-aware times are binned by their local
  wall-clock date in their own zone (without pandas' warning about dropping the
  zone). A multiple such as ``"30D"`` or ``"2W"`` (or a Timedelta such as
  ``pd.Timedelta(days=30)``) bins runs of that many base periods counted from
  the log's first one (pandas' ``to_period`` alone would keep one-day periods
  labelled 30D). Numbers are binned by ``floor(time / width)``.
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers
import re
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format

from funnelsim._deprecation import FunnelsimDeprecationWarning
from funnelsim._validation import check_real

__all__ = [
    "DAY_NS",
    "as_datetimes",
    "as_duration",
    "as_timestamp",
    "check_complete",
    "dense_unique",
    "distinct_keys",
    "is_datetime",
    "local_days",
    "outside_stacklevel",
    "time_bins",
    "to_ns",
]

#: Nanoseconds in a day.
DAY_NS = 86_400_000_000_000

#: Offset aliases (frequencies of date ranges) and the period alias naming the same periods.
_OFFSET_TO_PERIOD = {"ME": "M", "MS": "M", "QE": "Q", "QS": "Q", "YE": "Y", "YS": "Y"}


def check_complete(values: pd.Series, column: str) -> None:
    """Reject missing values (NaN, None, NaT) in a key or time column, naming the column."""
    missing = int(values.isna().sum())
    if missing:
        raise ValueError(
            f"column {column!r} must not have missing values, got {missing} of {len(values)} "
            "rows missing"
        )


def is_datetime(values: pd.Series) -> bool:
    """True for a datetime64 column (with or without a time zone)."""
    return bool(pd.api.types.is_datetime64_any_dtype(values))


def _check_format(date_format: Any, dayfirst: Any) -> None:
    if date_format is not None and not isinstance(date_format, str):
        raise TypeError(f"date_format must be a strptime format string, got {date_format!r}")
    if dayfirst is not None and not isinstance(dayfirst, bool):
        raise TypeError(f"dayfirst must be True, False or None, got {dayfirst!r}")
    if date_format is not None and dayfirst is not None:
        raise TypeError(
            f"give date_format or dayfirst, not both (got {date_format!r} and {dayfirst!r})"
        )


def as_datetimes(
    values: pd.Series,
    *,
    name: str,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.Series:
    """A column of dates as datetimes, read by the module's rule (never guessed).

    Parameters
    ----------
    values : Series
        Datetimes (returned unchanged), Python ``date``/``datetime`` objects, or
        text.
    name : str
        How to name the column in an error, e.g. ``"transactions column 'date'"``.
    date_format : str, optional
        A strptime format for text that is not ISO 8601, e.g. ``"%d.%m.%Y"``.
    dayfirst : bool, optional
        For text that is not ISO 8601: day before month (``True``) or after.

    Raises
    ------
    ValueError
        Text that is not ISO 8601 without ``date_format``/``dayfirst``; text
        that does not match the format (naming the first value that does not).
    TypeError
        Numbers or booleans (a number is not a date), or both ``date_format`` and
        ``dayfirst`` given.
    """
    _check_format(date_format, dayfirst)
    if is_datetime(values):
        return values
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("datetime", "datetime64", "date"):
        return pd.to_datetime(values)
    if kind == "empty":
        return pd.to_datetime(values.astype(object))
    if kind != "string":
        raise TypeError(f"{name} must hold dates (datetimes or text), got {kind} values")
    text = values.dropna()
    first = str(text.iloc[0]) if len(text) else ""
    if date_format is None:
        try:
            return pd.to_datetime(values, format="ISO8601")
        except (TypeError, ValueError):
            if dayfirst is None:
                raise ValueError(
                    f"{name} holds dates written like {first!r}, which is not ISO 8601 "
                    "(YYYY-MM-DD), so whether the day or the month comes first would be a "
                    "guess; pass date_format= (e.g. '%d.%m.%Y' for dd.mm.yyyy) or "
                    "dayfirst=True / False"
                ) from None
        date_format = guess_datetime_format(first, dayfirst=dayfirst)
        if date_format is None:
            raise ValueError(
                f"{name} holds dates written like {first!r}, whose format could not be "
                "worked out; pass date_format= (a strptime format such as '%d.%m.%Y')"
            )
    try:
        return pd.to_datetime(values, format=date_format)
    except (TypeError, ValueError):
        bad = pd.to_datetime(values, format=date_format, errors="coerce").isna() & values.notna()
        where = values[bad]
        got = repr(where.iloc[0]) if len(where) else "a value"
        raise ValueError(
            f"{name} must hold dates in the format {date_format!r}, got {got}"
        ) from None


#: The start of an ISO 8601 date in extended form (YYYY-MM-DD), which no other format shares.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:$|[T ]\d)")


def as_timestamp(
    value: Any,
    *,
    name: str,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.Timestamp:
    """One date (a Timestamp, ``datetime``, ``date``, ``datetime64`` or text) by the same rule.

    ISO 8601 text (``"2024-05-31"``, year first with hyphens) is never ambiguous,
    so it is read as such even when ``date_format``/``dayfirst`` describe the
    log's other dates (``as_of="2024-05-31"`` with ``date_format="%d.%m.%Y"``).
    """
    _check_format(date_format, dayfirst)
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return pd.Timestamp(pd.to_datetime(value.strip(), format="ISO8601"))
        except (TypeError, ValueError):
            pass  # not valid ISO after all: read by the given format, which names the value
    if isinstance(value, str):
        parsed = as_datetimes(
            pd.Series([value], dtype=object), name=name, date_format=date_format, dayfirst=dayfirst
        )
        return pd.Timestamp(parsed.iloc[0])
    if isinstance(value, pd.Timestamp | _dt.date | np.datetime64):
        ref = pd.Timestamp(value)
        if pd.isna(ref):
            raise ValueError(f"{name} must be a date, got {value!r}")
        return ref
    raise TypeError(f"{name} must be a date (a Timestamp, datetime or text), got {value!r}")


def to_ns(values: pd.Series) -> np.ndarray:
    """Datetimes as int64 nanoseconds since the epoch (the UTC instant if zone-aware)."""
    return np.asarray(pd.DatetimeIndex(values).as_unit("ns").asi8, dtype=np.int64)


def local_days(values: pd.Series) -> np.ndarray:
    """Calendar day of each datetime on the log's own clock, as int64 days since 1970-01-01.

    Zone-aware times count by their local date in their zone (a purchase at
    23:30 in Moscow is on that Moscow day).
    """
    local = values.dt.tz_localize(None) if values.dt.tz is not None else values
    return to_ns(local) // DAY_NS


def outside_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first caller outside funnelsim.

    The same idea as pandas' ``find_stack_level``: a deprecation is reported
    where the user's code made the call, however deep inside the package it is
    noticed.
    """
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("funnelsim"):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def _has_unit(text: str) -> bool:
    return re.search(r"[A-Za-z]", text) is not None


def as_duration(
    name: str,
    value: Any,
    *,
    datetimes: bool,
    allow_inf: bool = False,
    days_deprecated: bool = False,
) -> float | int:
    """A non-negative duration in the log's clock: int nanoseconds (datetimes) or a float.

    Parameters
    ----------
    name : str
        Parameter name for errors.
    value
        For datetime logs a Timedelta, ``timedelta``, ``timedelta64`` or text with
        a unit (``"90D"``, ``"5min"``); for numeric logs a number.
    datetimes : bool
        Whether the log's times are datetimes.
    allow_inf : bool
        Accept ``inf`` as "no limit" (returned as ``math.inf`` in both cases).
    days_deprecated : bool
        On a datetime log, read a bare number as days with a ``DeprecationWarning``
        (the analytics' old convention) instead of refusing it.

    Raises
    ------
    TypeError
        A value of the wrong kind for the log's times (a bare number on a
        datetime log names the units it needs).
    ValueError
        NaN, NaT, a negative duration, or text without a unit.
    """
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be a duration, got {value!r} (bool)")
    if isinstance(value, numbers.Real) and not isinstance(value, np.timedelta64):
        x = float(value)
        if math.isnan(x):
            raise ValueError(f"{name} must be a duration, got nan")
        if math.isinf(x) and allow_inf and x > 0:
            return math.inf
        if not datetimes:
            return check_real(name, value, low=0.0)
        if days_deprecated and math.isfinite(x) and x >= 0:
            warnings.warn(
                f"{name}={value!r} as a bare number of days on a log with datetime times is "
                f"deprecated; pass a duration with its unit, e.g. {name}='{value:g}D' or "
                f"pd.Timedelta(days={value:g})",
                FunnelsimDeprecationWarning,
                stacklevel=outside_stacklevel(),
            )
            return round(x * DAY_NS)
        raise TypeError(
            f"{name} must be a duration with a unit for a log with datetime times, such as "
            f"'{value:g}D', '{value:g}h' or pd.Timedelta(days={value:g}); got the bare number "
            f"{value!r}, which pandas would read as nanoseconds"
        )
    if not isinstance(value, str | pd.Timedelta | _dt.timedelta | np.timedelta64):
        raise TypeError(f"{name} must be a duration, got {value!r}")
    if not datetimes:
        raise TypeError(
            f"{name} must be a number in the log's time unit for a log with numeric times, "
            f"got {value!r}"
        )
    if isinstance(value, str) and not _has_unit(value):
        raise ValueError(f"{name} must name its unit, such as '90D' or '5min', got {value!r}")
    try:
        span = pd.Timedelta(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a duration such as '90D' or '5min', got {value!r}"
        ) from None
    if pd.isna(span):
        raise ValueError(f"{name} must be a duration, got {value!r}")
    if span < pd.Timedelta(0):
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return int(span.as_unit("ns").value)


def dense_unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and each one's rank among them (by counting if the range is small)."""
    lo = int(values.min())
    spread = int(values.max()) - lo + 1
    if spread <= 4 * values.size + 1024:
        seen = np.zeros(spread, dtype=bool)
        seen[values - lo] = True
        rank = np.cumsum(seen) - 1
        return np.flatnonzero(seen) + lo, rank[values - lo]
    uniq, inverse = np.unique(values, return_inverse=True)
    return uniq, inverse


#: Rows per chunk when keys are made and marked piece by piece (bounds the temporaries).
_CHUNK = 1 << 20


def distinct_keys(keys: Callable[[int, int], np.ndarray], rows: int, space: int) -> np.ndarray:
    """Sorted distinct non-negative keys below ``space``; ``keys(lo, hi)`` makes rows lo:hi.

    numpy's :func:`numpy.unique` sorts; when the key space is at most a few
    times the number of rows (the usual case: customers x periods), marking the
    keys in a byte map, chunk by chunk, and reading it back in order is one pass
    and never holds all the keys at once. Otherwise the keys are sorted.
    """
    if space <= 8 * rows + 1024:
        seen = np.zeros(space, dtype=bool)
        for lo in range(0, rows, _CHUNK):  # a loop over chunks of rows
            seen[keys(lo, min(lo + _CHUNK, rows))] = True
        return np.flatnonzero(seen)
    ordered = keys(0, rows)
    if ordered.size > 1 and not (ordered[1:] >= ordered[:-1]).all():  # a sorted log needs none
        ordered = np.sort(ordered)
    head = np.ones(ordered.size, dtype=bool)
    head[1:] = ordered[1:] != ordered[:-1]
    return ordered[head]


def _period_alias(period: str) -> str:
    """The period alias for ``period``, mapping offset aliases such as 'ME' to 'M'."""
    match = re.fullmatch(r"(\d*)([A-Za-z]+)(-[A-Za-z]+)?", period)
    if match is None:
        return period
    count, base, suffix = match.groups()
    return f"{count}{_OFFSET_TO_PERIOD.get(base, base)}{suffix or ''}"


#: Units a fixed duration is written in as a period alias, longest first.
_DURATION_UNITS = (("D", DAY_NS), ("h", 3_600 * 10**9), ("min", 60 * 10**9), ("s", 10**9))


def _duration_alias(period: Any, name: str) -> str:
    """A Timedelta-like period as a period alias of whole units ('30D', '12h', ...)."""
    if not isinstance(period, pd.Timedelta | _dt.timedelta | np.timedelta64):
        raise TypeError(
            f"{name} must be a pandas period alias such as 'D', 'W', 'M' or a multiple such as "
            f"'30D', or a pandas.Timedelta, for datetime times, got {period!r}"
        )
    ns = pd.Timedelta(period).value
    if ns <= 0:
        raise ValueError(f"{name} must be a positive duration, got {period!r}")
    for unit, size in _DURATION_UNITS:
        if ns % size == 0:
            return f"{ns // size}{unit}"
    raise ValueError(f"{name} must be a whole number of seconds, got {period!r}")


def time_bins(
    values: pd.Series, period: Any, *, column: str, name: str = "period"
) -> tuple[np.ndarray, Callable[[np.ndarray], Any]]:
    """Bin the times of ``column`` into consecutive integer periods; return bins and a labeller.

    Datetimes take a pandas period alias (``"D"``, ``"W"``, ``"M"``, ``"Q"``,
    ``"Y"``, or the offset aliases ``"ME"``, ``"QE"``, ``"YE"``...), a multiple of
    one (``"30D"``, ``"2W"``: runs of that many base periods counted from the
    log's first one) or a Timedelta of whole days, hours, minutes or seconds, and
    are labelled with ``pandas.Period`` (a multiple's label is its first base
    period, e.g. ``Period('2024-03-01', '30D')`` for 1-30 March);
    numbers take a positive bin width and are labelled with the bin index
    ``floor(time / width)``.
    """
    check_complete(values, column)
    if is_datetime(values):
        alias = _period_alias(
            _duration_alias(period, name) if not isinstance(period, str) else period
        )
        count_text, base = re.fullmatch(r"(\d*)(.*)", alias).groups()  # type: ignore[union-attr]
        count = int(count_text) if count_text else 1
        if count < 1:
            raise ValueError(f"{name} must be a positive length, got {period!r}")
        local = values.dt.tz_localize(None) if values.dt.tz is not None else values
        try:
            periods = local.dt.to_period(base or alias)
        except ValueError:
            raise ValueError(
                f"{name} must be a pandas period alias such as 'D', 'W', 'M' or a multiple "
                f"such as '30D', or a pandas.Timedelta, got {period!r}"
            ) from None
        ordinals = np.asarray(periods.array.asi8, dtype=np.int64)
        if count == 1:

            def label(codes: np.ndarray) -> Any:
                return pd.PeriodIndex.from_ordinals(codes, freq=alias)  # type: ignore[attr-defined]

            return ordinals, label
        # A multiple ("30D", "2W", "3M"): pandas' to_period keeps one base period per
        # label, so consecutive runs of `count` base periods are grouped here, counted
        # from the log's first base period (as pandas' resample with origin="start_day").
        origin = int(ordinals.min()) if ordinals.size else 0

        def label_multiple(codes: np.ndarray) -> Any:
            starts = origin + np.asarray(codes, dtype=np.int64) * count
            return pd.PeriodIndex.from_ordinals(starts, freq=alias)  # type: ignore[attr-defined]

        return (ordinals - origin) // count, label_multiple
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        if isinstance(period, str):
            raise TypeError(
                f"{name} must be a positive number (bin width in time units) for numeric "
                f"times, got {period!r}"
            )
        width = check_real(name, period, low=0.0, low_open=True)
        t = values.to_numpy(dtype=float)
        if not np.all(np.isfinite(t)):
            raise ValueError(
                f"times must be finite, got {int((~np.isfinite(t)).sum())} non-finite in "
                f"column {column!r}"
            )
        return np.floor(t / width).astype(np.int64), lambda codes: codes
    raise TypeError(
        f"times must be datetimes or numbers, got dtype {values.dtype} in column {column!r}"
    )
