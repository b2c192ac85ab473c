"""Product analytics on event logs: what PostHog or Mixpanel would show.

Every function reads an event log in the schema of :mod:`funnelsim.engine`
(``buyer_id, stage, entered_at, exited_at, converted``; an optional leading
``replication`` column) — a simulated one from ``simulate(..., events=True)``
or a real export renamed to those columns — so a lesson can run the same
analysis on simulated and on real data and compare. The log is passed as
``events`` everywhere.

The path through a funnel (one definition for every function)
-------------------------------------------------------------
For the funnel ``stages = [S1, ..., Sm]`` each buyer has one *path*: the time
of their first entry into S1, then for each next stage the earliest entry at
or after the entry matched at the stage before (so a repeated event, common in
real logs, can complete a step an earlier one could not; entries at the same
time count as in order). With a conversion ``window`` a stage counts only if
entered at most ``window`` after the path's start (PostHog's conversion window).
A buyer *reaches* stage k when the path has an entry there.
:func:`funnel_table`, :func:`biggest_leak`, :func:`time_to_convert`,
:func:`step_times` and :func:`conversion_window` all read this one path:
``from_stage``/``to_stage`` pick two of its entries, so the time from B to C
is measured between the B and the C *on the path* (a B before the buyer's first
S1 does not count; for a funnel that starts at B, pass ``stages`` starting at
B). Rows whose stage is not in the funnel (e.g. activity events) are ignored;
a listed stage that nobody reached gives a row of zeros. In a log with a
``replication`` column each (replication, buyer_id) pair is a buyer, so the
replications are pooled. Buyer ids and times must not be missing.

Time
----
Times are numbers (the engine's unit) or datetimes. Elapsed times are exact:
datetimes are compared as integer nanoseconds (:mod:`funnelsim._time`), so a
5-minute step in a 5-minute window counts whatever other buyers did. Durations
on a datetime log carry a unit (``window="5min"``, ``pd.Timedelta(days=30)``);
a bare number there is still read as days for one release, with a
``DeprecationWarning``. Results in time units (``time_to_convert``,
``step_times``, the ``window`` column) are in days for datetime logs. Dates as
text are read by the package's one rule: ISO 8601, or ``date_format=`` /
``dayfirst=`` — never guessed.

Observation ends
----------------
A log stops somewhere: a buyer who entered two days before its end cannot have
converted within a 30-day window yet. ``observed_until`` (default: the log's
last timestamp; ``inf`` for a simulated log that follows every buyer to the
end) leaves such buyers out of the denominator — and the numerator — of
:func:`conversion_window` and of :func:`funnel_table`/:func:`biggest_leak` with a
``window``: their outcome is right-censored, and counting them as failures
would bias the rate down (Kalbfleisch and Prentice, *The Statistical Analysis
of Failure Time Data*, 2nd ed. 2002, ch. 1). A buyer counts if
``start + window <= observed_until``, so the window's edge itself is observed.
Without a window nothing is left out: the counts are conversions observed so far.

Where funnelsim and PostHog differ
----------------------------------
* A later entry into S1 does not start a new attempt. Without a window this
  changes nothing (the first entry reaches as far as any later one). With a
  window PostHog retries from a later S1 entry, so on logs with repeated
  sign-ups PostHog can report more conversions than funnelsim; funnelsim's count
  is then the conversions of first attempts.
* A stage listed in ``stages`` that nobody reached shows a row of zeros, as in
  PostHog (earlier versions of funnelsim raised).
* Retention cohorts are "first seen" (a customer's cohort is the period of
  their first event), not PostHog's default "recurring" retention, in which a
  customer belongs to every period they were active in. "First seen" is the
  classic cohort triangle; it is PostHog's "first time" option.

Functions
---------
* :func:`funnel_table` — per-stage counts, step conversion with exact
  confidence intervals, drop-off.
* :func:`biggest_leak` — the step that loses the largest share of buyers.
* :func:`time_to_convert` — each converter's time from one stage to another
  (the distribution); :func:`step_times` — its mean, spread and median per step.
* :func:`conversion_window` — share converted within *W*, for one or many *W*
  (the conversion-by-window curve: the distribution of :func:`time_to_convert`,
  scaled by the conversion rate).

Retention
---------
:func:`cohort_retention` groups customers into cohorts by the period they
were first seen and counts, for every later period, those active in it
("day-N" retention) and those active in it *or any later period* ("on or
after", unbounded retention). It reads any activity log with a customer and
a time column, e.g. the CDNOW transactions with ``period="M"``. By default
periods are calendar intervals (``[k * period, (k + 1) * period)``, or
calendar days, weeks, months), as in PostHog's retention table and
Amplitude's "calendar date" option; ``anchor="first_event"`` counts windows
from each customer's own first event instead (24-hour windows for
``period="D"``), as Mixpanel and Amplitude do by default.

Speed
-----
Each call makes one pass per stage over the log, with no sort of the log: a
buyer's earliest entry is a scatter-minimum (:func:`numpy.minimum.at`) into an
array indexed by buyer, and integer buyer ids that are already small (the
engine's ``0 .. n-1``) are used as that index without hashing. Distinct
(customer, period) pairs in :func:`cohort_retention` are marked in a bitmap
when it is small (a sort otherwise). ``bench/bench_analytics.py`` measures
them against duckdb and polars on the same log.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from funnelsim._deprecation import FunnelsimDeprecationWarning
from funnelsim._time import (
    DAY_NS,
    as_datetimes,
    as_duration,
    as_timestamp,
    check_complete,
    dense_unique,
    distinct_keys,
    is_datetime,
    outside_stacklevel,
    time_bins,
    to_ns,
)
from funnelsim._validation import check_choice, check_columns, check_real
from funnelsim.retention import CohortTable
from funnelsim.stats import proportion_ci, step_table

__all__ = [
    "biggest_leak",
    "cohort_retention",
    "conversion_window",
    "funnel_table",
    "step_times",
    "time_to_convert",
]

_FUNNEL_COLUMNS = ("buyer_id", "stage", "entered_at")
#: Largest cohort table (cohorts x periods) cohort_retention builds.
_MAX_CELLS = 20_000_000
#: Integer ids up to this multiple of the row count are used as array positions directly.
_DENSE_FACTOR = 2


def _renamed(old: str, new: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Accept the keyword ``old`` for ``new`` for one release, with a DeprecationWarning."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            if old in kwargs:
                if new in kwargs or args:
                    raise TypeError(f"{fn.__name__}() got both {new!r} and its old name {old!r}")
                warnings.warn(
                    f"{fn.__name__}({old}=...) is deprecated; the argument is now called {new!r}",
                    FunnelsimDeprecationWarning,
                    stacklevel=outside_stacklevel(),
                )
                kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)

        return inner

    return wrap


class _Clock:
    """The times of a log as exact numbers, with durations and instants on the same clock.

    Datetimes become int64 nanoseconds since the epoch; numbers float64. ``never``
    is the largest value of the dtype and marks "not reached".
    """

    def __init__(
        self,
        column: pd.Series,
        *,
        name: str,
        date_format: str | None = None,
        dayfirst: bool | None = None,
    ) -> None:
        check_complete(column, name)
        if pd.api.types.is_bool_dtype(column) or not (
            is_datetime(column) or pd.api.types.is_numeric_dtype(column)
        ):
            if pd.api.types.infer_dtype(column, skipna=True) not in ("string", "datetime", "date"):
                raise TypeError(f"{name} must hold numbers or datetimes, got dtype {column.dtype}")
            column = as_datetimes(
                column, name=f"column {name!r}", date_format=date_format, dayfirst=dayfirst
            )
        self.datetimes = is_datetime(column)
        self.tz = column.dt.tz if self.datetimes else None
        self.values: np.ndarray
        if self.datetimes:
            self.values = to_ns(column)
            self.never: float | int = int(np.iinfo(np.int64).max)
        else:
            self.values = column.to_numpy(dtype=np.float64)
            if not np.isfinite(self.values).all():
                raise ValueError(f"column {name!r} must hold finite times")
            self.never = math.inf
        self.last = self.values.max() if self.values.size else None

    def duration(self, name: str, value: Any, *, allow_inf: bool = False) -> float | int:
        return as_duration(
            name, value, datetimes=self.datetimes, allow_inf=allow_inf, days_deprecated=True
        )

    def instant(
        self, name: str, value: Any, date_format: str | None, dayfirst: bool | None
    ) -> float | int:
        """``observed_until`` on this clock (``inf``: forever); never before the log's end."""
        if value is None:
            return self.last if self.last is not None else math.inf
        if isinstance(value, float | np.floating) and math.isinf(value) and value > 0:
            return math.inf
        if self.datetimes:
            ts = as_timestamp(value, name=name, date_format=date_format, dayfirst=dayfirst)
            if (ts.tz is None) != (self.tz is None):
                raise ValueError(
                    f"{name} and the log's times must both carry a time zone or both not, "
                    f"got {name}={str(ts)!r} and times in zone {self.tz}"
                )
            at: float | int = int(ts.as_unit("ns").value)
            shown = str(ts)
        else:
            at = check_real(name, value)
            shown = repr(value)
        if self.last is not None and at < self.last:
            end = (
                str(pd.Timestamp(int(self.last), tz=self.tz))
                if self.datetimes
                else f"{self.last:g}"
            )
            raise ValueError(
                f"{name} must not be before the log's last event ({end}), got {shown}; "
                "filter the log first to look at an earlier moment"
            )
        return at

    def days(self, delta: np.ndarray) -> np.ndarray:
        """Differences of this clock as floats: days for datetimes, the log's unit otherwise."""
        if self.datetimes:
            return delta.astype(np.float64) / DAY_NS
        return delta.astype(np.float64)


def _dense_ints(column: pd.Series, limit: int) -> np.ndarray | None:
    """An integer column as int64 if its values lie in ``[0, limit)``, else None."""
    if not pd.api.types.is_integer_dtype(column) or pd.api.types.is_bool_dtype(column):
        return None
    values = column.to_numpy()
    if values.size == 0 or values.min() < 0 or values.max() >= limit:
        return None
    return values.astype(np.int64, copy=False)


class _Buyers:
    """An integer code per row for the buyer key, the number of codes, and their labels."""

    def __init__(self, log: pd.DataFrame, keys: list[str]) -> None:
        for key in keys:
            check_complete(log[key], key)
        self.keys = keys
        limit = _DENSE_FACTOR * len(log) + 1024
        dense = [_dense_ints(log[k], limit) for k in keys]
        self._uniques: Any = None
        if all(d is not None for d in dense):
            ids = dense[-1]
            assert ids is not None
            self.width = int(ids.max()) + 1 if ids.size else 1
            if len(keys) == 1:
                self.codes, self.n = ids, self.width
                return
            rep = dense[0]
            assert rep is not None
            n = (int(rep.max()) + 1) * self.width
            if n <= limit:
                self.codes, self.n = rep * self.width + ids, n
                return
        if len(keys) == 1:
            raw, uniques = pd.factorize(log[keys[0]], sort=True)
        else:
            raw, uniques = pd.factorize(pd.MultiIndex.from_frame(log[keys]), sort=True)
        self.codes = np.asarray(raw, dtype=np.int64)
        self.n = len(uniques)
        self._uniques = uniques

    def index(self, codes: np.ndarray) -> pd.Index:
        """The buyer labels of ``codes``: ``buyer_id`` (or ``replication, buyer_id``)."""
        if self._uniques is not None:
            picked = self._uniques[codes]
            if len(self.keys) == 1:
                return pd.Index(picked, name=self.keys[0])
            return pd.MultiIndex.from_tuples(list(picked), names=self.keys)
        if len(self.keys) == 1:
            return pd.Index(codes, name=self.keys[0])
        rep, ids = np.divmod(codes, self.width)
        return pd.MultiIndex.from_arrays([rep, ids], names=self.keys)


#: What each column of the event-log schema holds, for the rename hint of a missing one.
_COLUMN_ROLES = {
    "buyer_id": "your customer/user id column",
    "stage": "your event/stage name column",
    "entered_at": "your timestamp column",
}


def _event_columns(
    events: Any,
    required: Sequence[str],
    *,
    how: str,
    roles: Sequence[str] = (),
) -> pd.DataFrame:
    """``check_columns`` for an event table, whose error says which columns and how to map them.

    ``how`` is the hint, with ``{mapping}`` standing for a ``rename`` mapping of
    the missing columns (``'your timestamp column': 'entered_at'``).
    """
    try:
        return check_columns(events, required, name="events")
    except ValueError as err:
        missing = [c for c in required if c not in events.columns]
        named = {c: f"your {r} column" for c, r in zip(required, roles, strict=False)}
        roles_of = {**_COLUMN_ROLES, **named}
        mapping = ", ".join(f"{roles_of.get(c, 'your column')!r}: {c!r}" for c in missing)
        raise ValueError(
            f"{err}; expected columns {list(required)}: {how.format(mapping=mapping)}"
        ) from None


class _Entries:
    """Every entry of every buyer into the funnel's stages, and the one path through them."""

    def __init__(
        self,
        events: Any,
        stages: Sequence[str] | None,
        *,
        date_format: str | None = None,
        dayfirst: bool | None = None,
    ) -> None:
        log = _event_columns(
            events,
            _FUNNEL_COLUMNS,
            how="rename yours with events.rename(columns={{{mapping}}})",
        )
        self.stages = _resolve_stages(log["stage"], stages)
        keys = ["replication", "buyer_id"] if "replication" in log.columns else ["buyer_id"]
        self.buyers = _Buyers(log, keys)
        stage_code = _stage_codes(log["stage"], self.stages)
        self.clock = _Clock(
            log["entered_at"], name="entered_at", date_format=date_format, dayfirst=dayfirst
        )
        if stages is not None and len(log) and not (stage_code >= 0).any():
            known = sorted(str(s) for s in pd.unique(log["stage"]))
            raise ValueError(
                f"none of stages {self.stages} is in the event log, whose stages are {known}"
            )
        self._stage_code = stage_code
        self._paths: dict[Any, np.ndarray] = {}

    def _rows(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        sel = self._stage_code == k
        return self.buyers.codes[sel], self.clock.values[sel]

    @property
    def never(self) -> float | int:
        return self.clock.never

    def path(self, window: float | int | None) -> np.ndarray:
        """When each buyer entered each stage on their path (buyers x stages).

        The buyer's first entry into the first stage, then for each next stage
        the earliest entry at or after the entry matched at the stage before and
        at most ``window`` after the start (the greedy match, which reaches as far
        as any order-respecting choice of entries). ``never`` from the first
        stage not reached. Cached per window.
        """
        if window in self._paths:
            return self._paths[window]
        n, never = self.buyers.n, self.never
        dtype = self.clock.values.dtype
        out = np.full((len(self.stages), n), never, dtype=dtype)
        code, t = self._rows(0)
        np.minimum.at(out[0], code, t)
        limited = window is not None and not math.isinf(window)
        for k in range(1, len(self.stages)):  # a loop over stages
            code, t = self._rows(k)
            ok = t >= out[k - 1][code]  # never reached before: never >= any time
            code, t = code[ok], t[ok]
            if limited:
                within = (t - out[0][code]) <= window
                code, t = code[within], t[within]
            np.minimum.at(out[k], code, t)
        path = out.T
        self._paths[window] = path
        return path

    def steps(self, from_stage: str | None, to_stage: str | None) -> tuple[int, int]:
        """Positions of ``from_stage`` (default the first) and ``to_stage`` (default the last)."""
        i = self._position("from_stage", from_stage, 0)
        j = self._position("to_stage", to_stage, len(self.stages) - 1)
        if j <= i:
            raise ValueError(
                f"to_stage must come after from_stage in the funnel {self.stages}, "
                f"got from {self.stages[i]!r} to {self.stages[j]!r}"
            )
        return i, j

    def _position(self, name: str, stage: str | None, default: int) -> int:
        if stage is None:
            return default
        check_choice(name, stage, self.stages)
        return self.stages.index(stage)


def _resolve_stages(column: pd.Series, stages: Sequence[str] | None) -> list[str]:
    if stages is None:
        if not isinstance(column.dtype, pd.CategoricalDtype):
            known = sorted(str(c) for c in pd.unique(column))
            raise ValueError(
                "stages must be given (the funnel's stage names in order) when the stage "
                f"column is not categorical; it holds {known}"
            )
        chosen = [str(c) for c in column.cat.categories]
    else:
        if isinstance(stages, str) or not isinstance(stages, Sequence):
            raise TypeError(f"stages must be a sequence of stage names, got {stages!r}")
        chosen = list(stages)
        for s in chosen:
            if not isinstance(s, str):
                raise TypeError(f"stages must hold stage names (str), got {s!r}")
        if len(set(chosen)) != len(chosen):
            raise ValueError(f"stages must not repeat a stage, got {chosen}")
    if not chosen:
        raise ValueError("stages must name at least one stage, got none")
    return chosen


def _stage_codes(column: pd.Series, stages: list[str]) -> np.ndarray:
    """Position of each row's stage in ``stages``; -1 for rows outside the funnel."""
    wanted = pd.Index(stages)
    if isinstance(column.dtype, pd.CategoricalDtype):
        lookup = np.append(wanted.get_indexer(column.cat.categories.astype(str)), -1)
        return lookup.astype(np.int16)[column.cat.codes.to_numpy()]  # code -1 maps to the last
    return np.asarray(wanted.get_indexer(pd.Index(column.astype(str))), dtype=np.int16)


def _observable(
    entries: _Entries, start: np.ndarray, window: float | int | None, until: float | int
) -> np.ndarray | None:
    """Which path starts leave the whole ``window`` before ``until`` (None: all of them)."""
    if window is None or math.isinf(window) or math.isinf(until):
        return None
    return start <= until - window


def funnel_table(
    events: pd.DataFrame,
    *,
    stages: Sequence[str] | None = None,
    window: Any = None,
    confidence: float = 0.95,
    observed_until: Any = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame:
    """Per-stage counts and step conversion of a funnel, from an event log.

    Parameters
    ----------
    events : DataFrame
        Event log with ``buyer_id, stage, entered_at`` (see the module docs).
    stages : sequence of str, optional
        The funnel's stages in order; default: the categories of the ``stage``
        column (the engine's logs are categorical in funnel order). A stage
        nobody reached gives a row of zeros.
    window : float or duration, optional
        Conversion window: a stage counts only if entered at most ``window``
        after the first stage — a number in the log's time unit, or a duration
        such as ``"30D"`` or ``pd.Timedelta(minutes=5)`` for datetimes. Default:
        no limit.
    confidence : float
        Coverage of the exact (Clopper–Pearson) interval of each step rate.
    observed_until : date-like or float, optional
        When observation of the log ends (see the module docs): with a window,
        buyers who entered less than the window before it are left out.
        Default: the log's last ``entered_at``; ``inf`` for a log that follows
        every buyer to the end (a simulation). Not before the last event.
    date_format, dayfirst : optional
        How to read dates given as text (``entered_at``, ``observed_until``),
        e.g. ``date_format="%d.%m.%Y"``; ISO 8601 text needs neither.

    Returns
    -------
    DataFrame
        One row per stage: ``stage, reached, step_conversion, ci_low, ci_high,
        cumulative_conversion, drop_off, drop_off_rate``. ``step_conversion`` is
        reached / reached at the previous stage (1 for the first stage), NaN
        when the previous stage is empty; ``drop_off`` the buyers lost on the
        step into this stage and ``drop_off_rate = 1 - step_conversion``.

    Examples
    --------
    >>> import funnelsim as fs
    >>> sim = fs.simulate(fs.aaarrr(), buyers=1_000, seed=1, events=True)
    >>> table = funnel_table(sim.events)
    >>> bool((table["reached"].to_numpy() == sim.counts[0]).all())
    True
    """
    entries = _Entries(events, stages, date_format=date_format, dayfirst=dayfirst)
    w = None if window is None else entries.clock.duration("window", window, allow_inf=True)
    until = entries.clock.instant("observed_until", observed_until, date_format, dayfirst)
    path = entries.path(w)
    reached = path != entries.never
    keep = _observable(entries, path[:, 0], w, until)
    if keep is not None:
        reached &= keep[:, None]
    counts = reached.sum(axis=0).astype(np.int64)
    table = step_table(entries.stages, counts, confidence=confidence)
    table["drop_off_rate"] = 1.0 - table["step_conversion"]
    return table


def biggest_leak(
    events: pd.DataFrame,
    *,
    stages: Sequence[str] | None = None,
    window: Any = None,
    by: Literal["rate", "lost"] = "rate",
    confidence: float = 0.95,
    observed_until: Any = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.Series:
    """The funnel step that loses the most buyers.

    Parameters
    ----------
    events, stages, window, confidence, observed_until, date_format, dayfirst
        As in :func:`funnel_table`.
    by : {"rate", "lost"}
        Rank steps by the share of buyers lost (``drop_off_rate``, the usual
        choice: where is conversion worst?) or by the number lost
        (``drop_off``), as :func:`funnelsim.bottleneck` does. ``"count"``, the
        old name of ``"lost"``, works for one release with a DeprecationWarning.

    Returns
    -------
    Series
        ``from_stage, to_stage, step_conversion, ci_low, ci_high, drop_off,
        drop_off_rate`` of the worst step (the earliest one on a tie).

    Examples
    --------
    >>> import funnelsim as fs
    >>> funnel = fs.Funnel.from_rates({"Visit": 1, "Sign-up": 0.5, "Pay": 0.1})
    >>> sim = fs.simulate(funnel, buyers=10_000, seed=2, events=True)
    >>> biggest_leak(sim.events)["to_stage"]
    'Pay'
    """
    if by == "count":
        warnings.warn(
            "biggest_leak(by='count') is deprecated; use by='lost' (the name bottleneck uses)",
            FunnelsimDeprecationWarning,
            stacklevel=outside_stacklevel(),
        )
        by = "lost"
    check_choice("by", by, ("rate", "lost"))
    table = funnel_table(
        events,
        stages=stages,
        window=window,
        confidence=confidence,
        observed_until=observed_until,
        date_format=date_format,
        dayfirst=dayfirst,
    )
    if len(table) < 2:
        raise ValueError(f"a funnel needs at least two stages to leak, got {list(table['stage'])}")
    steps = table.iloc[1:].reset_index(drop=True)
    key = steps["drop_off_rate"] if by == "rate" else steps["drop_off"].astype(float)
    if key.isna().all():
        raise ValueError("no step has buyers entering it, so no leak can be ranked")
    i = int(key.fillna(-np.inf).to_numpy().argmax())
    row = steps.iloc[i]
    return pd.Series(
        {
            "from_stage": str(table["stage"].iloc[i]),
            "to_stage": str(row["stage"]),
            "step_conversion": row["step_conversion"],
            "ci_low": row["ci_low"],
            "ci_high": row["ci_high"],
            "drop_off": int(row["drop_off"]),
            "drop_off_rate": row["drop_off_rate"],
        },
        name="biggest_leak",
    )


def time_to_convert(
    events: pd.DataFrame,
    *,
    from_stage: str | None = None,
    to_stage: str | None = None,
    stages: Sequence[str] | None = None,
    window: Any = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.Series:
    """Each converter's time from entering ``from_stage`` to entering ``to_stage``.

    Both entries are those on the buyer's path (see the module docs), so the
    values are exactly what :func:`conversion_window` accumulates.

    Parameters
    ----------
    events, stages, window, date_format, dayfirst
        As in :func:`funnel_table` (``window`` counts from the first stage).
    from_stage, to_stage : str, optional
        Defaults: the first and the last stage of the funnel. ``to_stage``
        must come after ``from_stage``.

    Returns
    -------
    Series
        One value per buyer who reached ``to_stage`` (in order, within the
        window), indexed by ``buyer_id`` (and ``replication``) in sorted order:
        the distribution to plot; ``.median()`` and ``.describe()`` summarise it.
        In time units of the log (days for datetimes, computed exactly from
        nanoseconds).

    Examples
    --------
    >>> import funnelsim as fs
    >>> funnel = fs.Funnel.from_rates({"Lead": 1, "Deal": 0.3}, times={"Lead": 5.0})
    >>> sim = fs.simulate(funnel, buyers=100, seed=3, events=True)
    >>> float(time_to_convert(sim.events).median())
    5.0
    """
    entries = _Entries(events, stages, date_format=date_format, dayfirst=dayfirst)
    i, j = entries.steps(from_stage, to_stage)
    w = None if window is None else entries.clock.duration("window", window, allow_inf=True)
    path = entries.path(w)
    who = np.flatnonzero(path[:, j] != entries.never)
    values = entries.clock.days(path[who, j] - path[who, i])
    return pd.Series(values, index=entries.buyers.index(who), name="time_to_convert")


def step_times(
    events: pd.DataFrame,
    *,
    stages: Sequence[str] | None = None,
    window: Any = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame:
    """Time to convert on every step of the funnel: mean, spread, median.

    For the buyers who made step *k-1* → *k*, the time between their entries
    into the two stages on their path — in an engine log, the time spent in
    stage *k-1* by those who moved on.

    Parameters
    ----------
    events, stages, window, date_format, dayfirst
        As in :func:`funnel_table`.

    Returns
    -------
    DataFrame
        One row per step: ``from_stage, to_stage, converters, mean, sd, se,
        median, q25, q75`` (days for datetime logs); ``se = sd / sqrt(converters)``
        is the standard error of the mean. NaN where nobody converted
        (``sd``/``se`` also with one). Quantiles are numpy's default (linear
        interpolation, Hyndman & Fan type 7).
    """
    entries = _Entries(events, stages, date_format=date_format, dayfirst=dayfirst)
    w = None if window is None else entries.clock.duration("window", window, allow_inf=True)
    path = entries.path(w)
    rows = []
    for k in range(1, len(entries.stages)):  # a loop over steps
        made = path[:, k] != entries.never
        d = entries.clock.days(path[made, k] - path[made, k - 1])
        n = d.size
        sd = float(np.std(d, ddof=1)) if n > 1 else np.nan
        q25, q50, q75 = np.quantile(d, [0.25, 0.5, 0.75]) if n else (np.nan,) * 3
        rows.append(
            {
                "from_stage": entries.stages[k - 1],
                "to_stage": entries.stages[k],
                "converters": n,
                "mean": float(d.mean()) if n else np.nan,
                "sd": sd,
                "se": sd / np.sqrt(n) if n > 1 else np.nan,
                "median": float(q50),
                "q25": float(q25),
                "q75": float(q75),
            }
        )
    columns = ["from_stage", "to_stage", "converters", "mean", "sd", "se", "median", "q25", "q75"]
    return pd.DataFrame(rows, columns=columns)


def conversion_window(
    events: pd.DataFrame,
    windows: Any,
    *,
    from_stage: str | None = None,
    to_stage: str | None = None,
    stages: Sequence[str] | None = None,
    confidence: float = 0.95,
    observed_until: Any = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame:
    """Share of buyers converting within each time window of entering ``from_stage``.

    A buyer who entered ``from_stage`` on their path converts within ``W`` if
    their path reaches ``to_stage`` at most ``W`` after that entry — the same
    entries :func:`time_to_convert` measures, so ``converted`` at ``W`` is the
    number of its values ``<= W``. Buyers who entered ``from_stage`` less than
    ``W`` before ``observed_until`` are left out of that row.

    Parameters
    ----------
    events, stages, confidence, observed_until, date_format, dayfirst
        As in :func:`funnel_table`.
    windows : float, duration or array_like of them
        One or more windows ``W >= 0``: numbers in the time unit of the log, or
        durations (``"7D"``, ``pd.Timedelta(hours=6)``) for datetimes; ``inf`` =
        no limit (everyone who entered, conversions observed so far).
    from_stage, to_stage : str, optional
        Defaults: the first and the last stage.

    Returns
    -------
    DataFrame
        One row per window: ``window`` (days for datetime logs), ``entered``,
        ``converted``, ``rate``, ``ci_low``, ``ci_high`` — ``rate = converted /
        entered`` with its exact interval. Plotted against ``window`` it is the
        cumulative distribution of the time to convert, scaled by the
        conversion rate.

    Examples
    --------
    >>> import funnelsim as fs
    >>> funnel = fs.Funnel.from_rates({"Trial": 1, "Paid": 1.0}, times={"Trial": 14.0})
    >>> sim = fs.simulate(funnel, buyers=50, seed=4, events=True)
    >>> conversion_window(sim.events, [7, 14], observed_until=float("inf"))["rate"].tolist()
    [0.0, 1.0]
    """
    arr = np.atleast_1d(np.asarray(windows, dtype=object))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"windows must be a number or a 1-D sequence of numbers, got {windows!r}")
    entries = _Entries(events, stages, date_format=date_format, dayfirst=dayfirst)
    ws = [entries.clock.duration("window", w, allow_inf=True) for w in arr]
    until = entries.clock.instant("observed_until", observed_until, date_format, dayfirst)
    i, j = entries.steps(from_stage, to_stage)
    path = entries.path(None)
    has = path[:, i] != entries.never
    start = path[has, i]
    done = path[has, j] != entries.never
    elapsed = np.where(done, path[has, j] - start, 0)
    entered = np.empty(len(ws), dtype=np.int64)
    converted = np.empty(len(ws), dtype=np.int64)
    for k, w in enumerate(ws):  # a loop over windows
        keep = _observable(entries, start, w, until)
        hit = done & (elapsed <= w)
        if keep is None:
            entered[k], converted[k] = start.size, np.count_nonzero(hit)
        else:
            entered[k], converted[k] = np.count_nonzero(keep), np.count_nonzero(hit & keep)
    low, high = proportion_ci(converted, entered, confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(entered > 0, converted / np.maximum(entered, 1), np.nan)
    shown = np.array([w if math.isinf(w) else entries.clock.days(np.array(w)) for w in ws])
    return pd.DataFrame(
        {
            "window": shown.astype(np.float64),
            "entered": entered,
            "converted": converted,
            "rate": rate,
            "ci_low": low,
            "ci_high": high,
        }
    )


@_renamed("log", "events")
def cohort_retention(
    events: pd.DataFrame,
    *,
    customer: str = "buyer_id",
    time: str = "entered_at",
    period: Any = 1.0,
    anchor: Literal["calendar", "first_event"] = "calendar",
    confidence: float = 0.95,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> CohortTable:
    """Cohort retention from an activity log, as in a product-analytics tool.

    Customers are grouped by the calendar period in which they were first
    seen ("first seen" cohorts; PostHog's default is "recurring", see the module
    docs). For each cohort and each period ``n`` since (0, 1, 2, ... up to the
    end of the log):

    * ``active`` — customers with at least one event in period ``n``
      ("day-N" / "week-N" retention when divided by the cohort size);
    * ``active_on_or_after`` — customers with an event in period ``n`` or any
      later one ("unbounded" retention): it never increases with ``n``, and for
      a subscription it counts the customers who had not churned yet.

    Parameters
    ----------
    events : DataFrame
        Any table of events or transactions with a customer and a time column.
        (``log=``, its old name, works for one release with a DeprecationWarning.)
    customer, time : str
        Column names: default the event-log schema (``buyer_id``,
        ``entered_at``); for CDNOW use ``customer="customer_id", time="date"``.
    period : float or str
        Period length: a positive number in the log's time unit for numeric
        times (period ``k`` is ``[k * period, (k + 1) * period)``), or for
        datetimes a pandas period alias (``"D"``, ``"W"``, ``"M"`` or ``"ME"``,
        ``"Q"``), a multiple of one (``"30D"``, ``"2W"``) or a
        :class:`pandas.Timedelta` (``pd.Timedelta(days=30)``); zone-aware times
        are binned by their local date. With ``anchor="calendar"`` a multiple
        groups that many calendar periods counted from the log's first one
        (``"30D"`` on a log starting 1 March: 1-30 March, 31 March-29 April, ...).
    anchor : {"calendar", "first_event"}
        Where period ``n`` lies. ``"calendar"``: the ``n``-th calendar period
        after the cohort's (PostHog; Amplitude's "calendar date" option), so
        a customer first seen late on Monday who returns on Tuesday morning is
        day-1 retained. ``"first_event"``: the window
        ``[n * period, (n + 1) * period)`` after the customer's own first event
        (Mixpanel; Amplitude's default 24-hour windows) — that customer is
        then active on day 0 only. Needs a fixed length: a number, or ``"D"``,
        ``"W"``, a multiple such as ``"30D"`` or a Timedelta for datetimes
        (exact nanoseconds).
    confidence : float
        Coverage of the exact interval of ``retention``.
    date_format, dayfirst : optional
        How to read a time column of text that is not ISO 8601.

    Returns
    -------
    CohortTable
        ``long`` columns: ``cohort, period, calendar_period, size, active,
        retention, ci_low, ci_high, active_on_or_after, retention_on_or_after``
        with ``retention = active / size``. Cohorts are labelled with the bin
        index ``floor(time / period)`` (numbers) or a ``pandas.Period``
        (datetimes); periods a cohort has not reached by the end of the log are
        absent (the last one shown may be only partly observed).
        ``calendar_period`` is ``cohort + period`` (with ``"first_event"``, the
        calendar period in which a window opens for a customer who joined at
        the cohort's start). ``table.wide("retention")`` is the classic triangle.

    Examples
    --------
    >>> from funnelsim.datasets import load_cdnow
    >>> table = cohort_retention(load_cdnow(), customer="customer_id", time="date", period="M")
    >>> table.wide("active").iloc[0, :3].tolist()  # January 1997 customers
    [7846.0, 1157.0, 964.0]
    """
    data = _event_columns(
        events,
        (customer, time),
        how=(
            "name your columns with customer= and time= (e.g. customer='user_id', "
            "time='timestamp'), or rename them with events.rename(columns={{{mapping}}})"
        ),
        roles=("customer", "time"),
    )
    mode = check_choice("anchor", anchor, ("calendar", "first_event"))
    times = data[time]
    check_complete(times, time)
    if not (is_datetime(times) or pd.api.types.is_numeric_dtype(times)):
        if pd.api.types.infer_dtype(times, skipna=True) not in ("string", "datetime", "date"):
            raise TypeError(
                f"times must be datetimes or numbers, got dtype {times.dtype} in column {time!r}"
            )
        times = as_datetimes(
            times, name=f"column {time!r}", date_format=date_format, dayfirst=dayfirst
        )
    bins, label = time_bins(times, period, column=time)
    if bins.size == 0:
        raise ValueError("events must hold at least one event, got an empty table")
    buyers = _Buyers(data, [customer])
    codes, n_codes = buyers.codes, buyers.n
    if mode == "calendar":
        clock: np.ndarray = bins
        width: float | int = 1
    else:
        clock, width = _elapsed(times, period)
    big = np.iinfo(np.int64).max if clock.dtype.kind == "i" else np.inf
    # Each customer's first event sets their cohort (its calendar period) and clock zero.
    t0 = np.full(n_codes, big, dtype=clock.dtype)
    np.minimum.at(t0, codes, clock)
    first_bin = np.full(n_codes, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_bin, codes, bins)
    present = np.flatnonzero(first_bin != np.iinfo(np.int64).max)
    starts_at, cohort_of = dense_unique(first_bin[present])
    cohort = np.zeros(n_codes, dtype=np.int64)
    cohort[present] = cohort_of
    n_cohorts = starts_at.size
    # The last period each cohort has reached by the end of the log.
    if mode == "calendar":
        horizon = int(bins.max()) - starts_at
    else:
        earliest = np.full(n_cohorts, big, dtype=clock.dtype)
        np.minimum.at(earliest, cohort_of, t0[present])
        if clock.dtype.kind == "i":
            horizon = (clock.max() - earliest) // int(width)
        else:
            horizon = np.floor((clock.max() - earliest) / width).astype(np.int64)
    span = int(horizon.max()) + 1
    if n_cohorts * span > _MAX_CELLS:
        raise ValueError(
            f"period={period!r} is too short for this log: the cohort table would have "
            f"{n_cohorts:,} cohorts x {span:,} periods (more than {_MAX_CELLS:,} cells)"
        )
    cells = n_cohorts * span

    def pair_keys(lo: int, hi: int) -> np.ndarray:
        """customer * span + periods since their first event, for rows lo:hi."""
        who, since = codes[lo:hi], clock[lo:hi] - t0[codes[lo:hi]]
        age = since // int(width) if clock.dtype.kind == "i" else np.floor(since / width)
        return who * span + age.astype(np.int64)

    pairs = distinct_keys(pair_keys, codes.size, n_codes * span)  # sorted (customer, age)
    who, since = np.divmod(pairs, span)
    tail = np.flatnonzero(np.append(who[1:] != who[:-1], True))  # each customer's last pair
    last = np.zeros(n_codes, dtype=np.int64)
    last[who[tail]] = since[tail]
    active = np.bincount(cohort[who] * span + since, minlength=cells).reshape(n_cohorts, span)
    size = np.bincount(cohort_of, minlength=n_cohorts)
    ends = np.bincount(cohort_of * span + last[present], minlength=cells).reshape(n_cohorts, span)
    on_or_after = np.cumsum(ends[:, ::-1], axis=1)[:, ::-1]

    observed = np.arange(span)[None, :] <= horizon[:, None]
    c_idx, a_idx = np.nonzero(observed)
    n = size[c_idx]
    act = active[c_idx, a_idx]
    later = on_or_after[c_idx, a_idx]
    start = starts_at[c_idx]
    low, high = proportion_ci(act, n, confidence)
    long = pd.DataFrame(
        {
            "cohort": label(start),
            "period": a_idx.astype(np.int64),
            "calendar_period": label(start + a_idx),
            "size": n.astype(np.int64),
            "active": act.astype(np.int64),
            "retention": act / n,
            "ci_low": low,
            "ci_high": high,
            "active_on_or_after": later.astype(np.int64),
            "retention_on_or_after": later / n,
        }
    )
    return CohortTable(long)


def _elapsed(values: pd.Series, period: Any) -> tuple[np.ndarray, float | int]:
    """Times as exact numbers and the period length on the same clock (ns for datetimes)."""
    if is_datetime(values):
        length = None
        if isinstance(period, str):
            match = re.fullmatch(r"(\d*)([DW])", period)
            if match is not None:
                count = int(match.group(1) or 1)
                length = count * (DAY_NS if match.group(2) == "D" else 7 * DAY_NS)
        elif isinstance(period, pd.Timedelta | _dt.timedelta | np.timedelta64):
            length = int(pd.Timedelta(period).value)
        if length is None or length <= 0:
            raise ValueError(
                "with anchor='first_event' the period needs a fixed length: 'D', 'W', a "
                f"multiple such as '30D' or a pandas.Timedelta for datetimes, got {period!r}"
            )
        return to_ns(values), length
    return values.to_numpy(dtype=float), float(period)
