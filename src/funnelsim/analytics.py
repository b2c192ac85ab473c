"""Product analytics on event logs: what PostHog or Mixpanel would show.

Every function reads an event log in the schema of :mod:`funnelsim.engine`
(``buyer_id, stage, entered_at, exited_at, converted``; an optional leading
``replication`` column) — a simulated one from ``simulate(..., events=True)``
or a real export renamed to those columns — so a lesson can run the same
analysis on simulated and on real data and compare.

Funnels
-------
A buyer *reaches* stage *k* of a funnel when they entered stages 1 .. *k* in
that order. The path starts at the buyer's first entry into stage 1; each
next stage counts from its earliest entry at or after the entry matched at the
stage before (so a repeated event, common in real logs, can complete a step
that an earlier one could not), and with a conversion ``window`` no later than
``window`` time units after the start (PostHog's conversion window; a later
stage-1 entry does not start a new attempt). Entries at the same time count as
in order. Rows whose stage is not in the funnel (e.g. activity events) are
ignored. Times may be numbers (the engine's unit) or datetimes (converted to
days). In a log with a ``replication`` column each (replication, buyer_id)
pair is a buyer, so the replications are pooled. Buyer ids and times must not
be missing.

* :func:`funnel_table` — per-stage counts, step conversion with exact
  confidence intervals, drop-off.
* :func:`biggest_leak` — the step that loses the largest share of buyers.
* :func:`time_to_convert` — each converter's time from one stage to another
  (the distribution); :func:`step_times` — its mean, spread and median per step.
* :func:`conversion_window` — share converted within *W* time units, for one
  or many *W* (the conversion-by-window curve).

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
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from funnelsim._validation import check_choice, check_columns, check_real
from funnelsim.retention import CohortTable, _check_complete, _time_bins
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


class _Entries:
    """Every entry of every buyer into the funnel's stages, and the paths through them."""

    def __init__(self, events: Any, stages: Sequence[str] | None) -> None:
        log = check_columns(events, _FUNNEL_COLUMNS, name="events")
        self.stages = _resolve_stages(log["stage"], stages)
        keys = ["replication", "buyer_id"] if "replication" in log.columns else ["buyer_id"]
        codes, first_rows = _buyer_codes(log, keys)
        self.index = _key_index(log, keys, first_rows)
        stage_code = _stage_codes(log["stage"], self.stages)
        times = _as_float_times(log["entered_at"])
        keep = stage_code >= 0
        code, stage, t = codes[keep], stage_code[keep], times[keep]
        order = np.lexsort((t, code, stage))  # by stage, then buyer, then time
        self._code, self._time = code[order], t[order]
        #: Rows of stage k are ``_bounds[k]:_bounds[k + 1]`` of ``_code`` and ``_time``.
        self._bounds = np.searchsorted(stage[order], np.arange(len(self.stages) + 1))

    def _stage(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self._bounds[k], self._bounds[k + 1]
        return self._code[lo:hi], self._time[lo:hi]

    def path(self, window: float | None, first: int = 0, last: int | None = None) -> np.ndarray:
        """When each buyer entered stages ``first .. last`` on their way through the funnel.

        Float array (buyers x stages): the buyer's first entry into stage
        ``first``, then for each next stage the earliest entry at or after the
        entry matched at the stage before (the greedy match, which reaches as
        far as any order-respecting choice of entries). NaN from the first stage
        the buyer did not reach in order, or reached more than ``window`` time
        units after the start.
        """
        stop = len(self.stages) - 1 if last is None else last
        n = self.index.size
        out = np.full((n, stop - first + 1), np.nan)
        code, t = self._stage(first)
        earliest = np.ones(code.size, dtype=bool)
        earliest[1:] = code[1:] != code[:-1]
        out[code[earliest], 0] = t[earliest]
        for j in range(1, out.shape[1]):  # a loop over stages
            who = np.flatnonzero(~np.isnan(out[:, j - 1]))
            code, t = self._stage(first + j)
            out[who, j] = _next_entry(who, out[who, j - 1], code, t)
            if window is not None:
                with np.errstate(invalid="ignore"):
                    out[out[:, j] - out[:, 0] > window, j] = np.nan
        return out

    def reached(self, window: float | None) -> np.ndarray:
        """Boolean (buyers x stages): reached each stage in order (within ``window``)."""
        return ~np.isnan(self.path(window))

    def steps(self, from_stage: str | None, to_stage: str | None) -> tuple[int, int]:
        """Positions of ``from_stage`` (default the first) and ``to_stage`` (default the last)."""
        i = self._position(from_stage, 0)
        j = self._position(to_stage, len(self.stages) - 1)
        if j <= i:
            raise ValueError(
                f"to_stage must come after from_stage in the funnel {self.stages}, "
                f"got from {self.stages[i]!r} to {self.stages[j]!r}"
            )
        return i, j

    def _position(self, stage: str | None, default: int) -> int:
        if stage is None:
            return default
        check_choice("stage", stage, self.stages)
        return self.stages.index(stage)


def _next_entry(
    who: np.ndarray, after: np.ndarray, code: np.ndarray, time: np.ndarray
) -> np.ndarray:
    """For each buyer ``who[i]``, their earliest entry time >= ``after[i]`` (NaN if none).

    ``code``/``time`` are a stage's entries sorted by buyer then time. Queries
    and entries are merged in (buyer, time) order, queries first on a tie, and
    each query takes the next entry after it if it belongs to the same buyer.
    """
    q = who.size
    buyer = np.concatenate([who, code])
    when = np.concatenate([after, time])
    is_entry = np.concatenate([np.zeros(q, dtype=bool), np.ones(code.size, dtype=bool)])
    order = np.lexsort((is_entry, when, buyer))
    size = order.size
    entry_at = np.where(is_entry[order], np.arange(size), size)
    following = np.minimum.accumulate(entry_at[::-1])[::-1]  # next entry at or after
    rank = np.empty(size, dtype=np.int64)
    rank[order] = np.arange(size)
    nxt = following[rank[:q]]
    found = nxt < size
    out = np.full(q, np.nan)
    hit = order[nxt[found]]
    same = buyer[hit] == who[found]
    out[np.flatnonzero(found)[same]] = when[hit[same]]
    return out


def _resolve_stages(column: pd.Series, stages: Sequence[str] | None) -> list[str]:
    if isinstance(column.dtype, pd.CategoricalDtype):
        known = [str(c) for c in column.cat.categories]
    else:
        known = [str(c) for c in pd.unique(column)]
    if stages is None:
        if not isinstance(column.dtype, pd.CategoricalDtype):
            raise ValueError(
                "stages must be given (the funnel's stage names in order) when the stage "
                f"column is not categorical; it holds {sorted(known)}"
            )
        chosen = known
    else:
        if isinstance(stages, str) or not isinstance(stages, Sequence):
            raise TypeError(f"stages must be a sequence of stage names, got {stages!r}")
        chosen = list(stages)
        for s in chosen:
            if s not in known:
                raise ValueError(f"stage {s!r} is not in the event log, whose stages are {known}")
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
        return lookup[column.cat.codes.to_numpy()]  # code -1 (missing) maps to the last entry
    return np.asarray(wanted.get_indexer(pd.Index(column.astype(str))), dtype=np.int64)


def _buyer_codes(log: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Integer code per row for the buyer key, and the first row of each code."""
    for key in keys:
        _check_complete(log[key], key)
    raw: Any = (
        pd.factorize(log[keys[0]])[0]
        if len(keys) == 1
        else log.groupby(keys, sort=False, observed=True).ngroup().to_numpy()
    )
    codes = np.asarray(raw, dtype=np.int64)
    _, first_rows = np.unique(codes, return_index=True)
    return codes, first_rows


def _key_index(log: pd.DataFrame, keys: list[str], rows: np.ndarray) -> pd.Index:
    part = log[keys].iloc[rows]
    if len(keys) == 1:
        return pd.Index(part[keys[0]].to_numpy(), name=keys[0])
    return pd.MultiIndex.from_frame(part.reset_index(drop=True))


def _as_float_times(column: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(column):
        _check_complete(column, "entered_at")
        delta = column - column.min()
        return (delta / pd.Timedelta(days=1)).to_numpy(dtype=float)
    if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
        raise TypeError(f"entered_at must hold numbers or datetimes, got dtype {column.dtype}")
    _check_complete(column, "entered_at")
    return column.to_numpy(dtype=float)


def _window(window: Any) -> float | None:
    if window is None:
        return None
    return check_real("window", window, low=0.0, allow_inf=True)


def funnel_table(
    events: pd.DataFrame,
    *,
    stages: Sequence[str] | None = None,
    window: float | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per-stage counts and step conversion of a funnel, from an event log.

    Parameters
    ----------
    events : DataFrame
        Event log with ``buyer_id, stage, entered_at`` (see the module docs).
    stages : sequence of str, optional
        The funnel's stages in order; default: the categories of the ``stage``
        column (the engine's logs are categorical in funnel order).
    window : float, optional
        Conversion window: a stage counts only if entered at most ``window``
        time units after the first stage. Default: no limit.
    confidence : float
        Coverage of the exact (Clopper–Pearson) interval of each step rate.

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
    w = _window(window)
    entries = _Entries(events, stages)
    reached = entries.reached(w).sum(axis=0).astype(np.int64)
    table = step_table(entries.stages, reached, confidence=confidence)
    table["drop_off_rate"] = 1.0 - table["step_conversion"]
    return table


def biggest_leak(
    events: pd.DataFrame,
    *,
    stages: Sequence[str] | None = None,
    window: float | None = None,
    by: Literal["rate", "count"] = "rate",
    confidence: float = 0.95,
) -> pd.Series:
    """The funnel step that loses the most buyers.

    Parameters
    ----------
    events, stages, window, confidence
        As in :func:`funnel_table`.
    by : {"rate", "count"}
        Rank steps by the share of buyers lost (``drop_off_rate``, the usual
        choice: where is conversion worst?) or by the number lost.

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
    check_choice("by", by, ("rate", "count"))
    table = funnel_table(events, stages=stages, window=window, confidence=confidence)
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
    window: float | None = None,
) -> pd.Series:
    """Each converter's time from entering ``from_stage`` to entering ``to_stage``.

    Parameters
    ----------
    events, stages, window
        As in :func:`funnel_table`.
    from_stage, to_stage : str, optional
        Defaults: the first and the last stage of the funnel. ``to_stage``
        must come after ``from_stage``.

    Returns
    -------
    Series
        One value per buyer who reached ``to_stage`` (in order, within the
        window), indexed by ``buyer_id`` (and ``replication``): the
        distribution to plot; ``.median()`` and ``.describe()`` summarise it.
        In time units of the log (days for datetimes).

    Examples
    --------
    >>> import funnelsim as fs
    >>> funnel = fs.Funnel.from_rates({"Lead": 1, "Deal": 0.3}, times={"Lead": 5.0})
    >>> sim = fs.simulate(funnel, buyers=100, seed=3, events=True)
    >>> float(time_to_convert(sim.events).median())
    5.0
    """
    w = _window(window)
    entries = _Entries(events, stages)
    i, j = entries.steps(from_stage, to_stage)
    path = entries.path(w)
    mask = ~np.isnan(path[:, j])
    values = path[mask, j] - path[mask, i]
    return pd.Series(values, index=entries.index[mask], name="time_to_convert")


def step_times(
    events: pd.DataFrame,
    *,
    stages: Sequence[str] | None = None,
    window: float | None = None,
) -> pd.DataFrame:
    """Time to convert on every step of the funnel: mean, spread, median.

    For the buyers who made step *k-1* → *k*, the time between entering the
    two stages — in an engine log, the time spent in stage *k-1* by those who
    moved on.

    Parameters
    ----------
    events, stages, window
        As in :func:`funnel_table`.

    Returns
    -------
    DataFrame
        One row per step: ``from_stage, to_stage, converters, mean, sd, se,
        median, q25, q75``; ``se = sd / sqrt(converters)`` is the standard error
        of the mean. NaN where nobody converted (``sd``/``se`` also with one).
    """
    w = _window(window)
    entries = _Entries(events, stages)
    path = entries.path(w)
    rows = []
    for k in range(1, len(entries.stages)):  # a loop over steps
        made = ~np.isnan(path[:, k])
        d = path[made, k] - path[made, k - 1]
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
) -> pd.DataFrame:
    """Share of buyers converting within each time window of entering the funnel.

    A buyer who entered ``from_stage`` converts within ``W`` if they reached
    ``to_stage`` (through every stage between, in order) at most ``W`` time
    units after entering ``from_stage``.

    Parameters
    ----------
    events, stages, confidence
        As in :func:`funnel_table`.
    windows : float or array_like of float
        One or more windows ``W >= 0`` in the time unit of the log (days for
        datetimes); ``inf`` = no limit.
    from_stage, to_stage : str, optional
        Defaults: the first and the last stage.

    Returns
    -------
    DataFrame
        One row per window: ``window, entered, converted, rate, ci_low, ci_high``
        — ``rate = converted / entered`` with its exact interval. Plotted against
        ``window`` it is the cumulative distribution of the time to convert,
        scaled by the conversion rate.

    Examples
    --------
    >>> import funnelsim as fs
    >>> funnel = fs.Funnel.from_rates({"Trial": 1, "Paid": 1.0}, times={"Trial": 14.0})
    >>> sim = fs.simulate(funnel, buyers=50, seed=4, events=True)
    >>> conversion_window(sim.events, [7, 14])["rate"].tolist()
    [0.0, 1.0]
    """
    arr = np.atleast_1d(np.asarray(windows, dtype=object))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"windows must be a number or a 1-D sequence of numbers, got {windows!r}")
    ws = np.array([check_real("window", w, low=0.0, allow_inf=True) for w in arr])
    entries = _Entries(events, stages)
    i, j = entries.steps(from_stage, to_stage)
    path = entries.path(None, first=i, last=j)
    entered = int(np.count_nonzero(~np.isnan(path[:, 0])))
    done = ~np.isnan(path[:, -1])
    elapsed = np.sort(path[done, -1] - path[done, 0])
    converted = np.searchsorted(elapsed, ws, side="right").astype(np.int64)
    low, high = proportion_ci(converted, entered, confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = converted / entered if entered else np.full(ws.shape, np.nan)
    return pd.DataFrame(
        {
            "window": ws,
            "entered": entered,
            "converted": converted,
            "rate": rate,
            "ci_low": low,
            "ci_high": high,
        }
    )


def cohort_retention(
    log: pd.DataFrame,
    *,
    customer: str = "buyer_id",
    time: str = "entered_at",
    period: Any = 1.0,
    anchor: Literal["calendar", "first_event"] = "calendar",
    confidence: float = 0.95,
) -> CohortTable:
    """Cohort retention from an activity log, as in a product-analytics tool.

    Customers are grouped by the calendar period in which they were first
    seen. For each cohort and each period ``n`` since (0, 1, 2, ... up to the
    end of the log):

    * ``active`` — customers with at least one event in period ``n``
      ("day-N" / "week-N" retention when divided by the cohort size);
    * ``active_on_or_after`` — customers with an event in period ``n`` or any
      later one ("unbounded" retention): it never increases with ``n``, and for
      a subscription it counts the customers who had not churned yet.

    Parameters
    ----------
    log : DataFrame
        Any table of events or transactions with a customer and a time column.
    customer, time : str
        Column names: default the event-log schema (``buyer_id``,
        ``entered_at``); for CDNOW use ``customer="customer_id", time="date"``.
    period : float or str
        Period length: a positive number in the log's time unit for numeric
        times (period ``k`` is ``[k * period, (k + 1) * period)``), or a pandas
        period alias (``"D"``, ``"W"``, ``"M"``, ``"Q"``) for datetimes.
    anchor : {"calendar", "first_event"}
        Where period ``n`` lies. ``"calendar"``: the ``n``-th calendar period
        after the cohort's (PostHog; Amplitude's "calendar date" option), so
        a customer first seen late on Monday who returns on Tuesday morning is
        day-1 retained. ``"first_event"``: the window
        ``[n * period, (n + 1) * period)`` after the customer's own first event
        (Mixpanel; Amplitude's default 24-hour windows) — that customer is
        then active on day 0 only. Needs a fixed length: a number, or ``"D"``
        or ``"W"`` for datetimes.
    confidence : float
        Coverage of the exact interval of ``retention``.

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
    data = check_columns(log, (customer, time), name="log")
    mode = check_choice("anchor", anchor, ("calendar", "first_event"))
    bins, label = _time_bins(data[time], period, column=time)
    if bins.size == 0:
        raise ValueError("log must hold at least one event, got an empty table")
    _check_complete(data[customer], customer)
    codes = np.asarray(pd.factorize(data[customer])[0], dtype=np.int64)
    if mode == "calendar":
        clock, width = bins.astype(float), 1.0  # whole calendar periods
    else:
        clock, width = _elapsed(data[time], period)

    # Each customer's first event sets their cohort (its calendar period) and clock zero.
    order = np.lexsort((clock, codes))
    head = np.ones(order.size, dtype=bool)
    head[1:] = codes[order[1:]] != codes[order[:-1]]
    first_row = order[head]  # one row per customer, by code 0, 1, 2, ...
    t0 = clock[first_row]
    age = np.floor((clock - t0[codes]) / width).astype(np.int64)
    starts_at, cohort = np.unique(bins[first_row], return_inverse=True)
    n_cohorts = starts_at.size
    # The last period each cohort has reached by the end of the log.
    if mode == "calendar":
        horizon = int(bins.max()) - starts_at
    else:
        earliest = np.full(n_cohorts, np.inf)
        np.minimum.at(earliest, cohort, t0)
        horizon = np.floor((clock.max() - earliest) / width).astype(np.int64)
    span = int(horizon.max()) + 1
    if n_cohorts * span > _MAX_CELLS:
        raise ValueError(
            f"period={period!r} is too short for this log: the cohort table would have "
            f"{n_cohorts:,} cohorts x {span:,} periods (more than {_MAX_CELLS:,} cells)"
        )
    cells = n_cohorts * span
    pairs = np.unique(codes * span + age)  # distinct (customer, period since), sorted
    who, since = pairs // span, pairs % span
    tail = np.flatnonzero(np.append(who[1:] != who[:-1], True))  # each customer's last pair
    last = np.empty(cohort.size, dtype=np.int64)
    last[who[tail]] = since[tail]
    active = np.bincount(cohort[who] * span + since, minlength=cells).reshape(n_cohorts, span)
    size = np.bincount(cohort, minlength=n_cohorts)
    ends = np.bincount(cohort * span + last, minlength=cells).reshape(n_cohorts, span)
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


#: Period lengths (days) that windows from a customer's first event accept for datetimes.
_FIXED_PERIODS = {"D": 1.0, "W": 7.0}


def _elapsed(values: pd.Series, period: Any) -> tuple[np.ndarray, float]:
    """Times as floats and the period length in the same unit (days for datetimes)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        if period not in _FIXED_PERIODS:
            raise ValueError(
                "with anchor='first_event' the period needs a fixed length: 'D' or 'W' for "
                f"datetimes, got {period!r}"
            )
        days = (values - values.min()) / pd.Timedelta(days=1)
        return days.to_numpy(dtype=float), _FIXED_PERIODS[period]
    return values.to_numpy(dtype=float), float(period)
