"""Small statistical helpers shared by the engine and the analytics.

Confidence intervals for conversion rates are **exact Clopper–Pearson**
intervals computed with ``scipy.special.betaincinv`` (the inverse regularised
incomplete beta function that ``scipy.stats.beta.ppf`` calls; importing
scipy.special alone is much cheaper than scipy.stats) — vectorised, and identical
to ``scipy.stats.binomtest(k, n).proportion_ci(method="exact")``. They never
undercover, which matters when a stage has a handful of buyers.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from funnelsim._validation import check_columns, check_real

__all__ = ["compare", "proportion_ci", "proportion_difference_ci", "step_table"]


def proportion_ci(
    successes: Any, trials: Any, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Clopper–Pearson) confidence interval for ``successes / trials``.

    ``low = Beta.ppf(a / 2; k, n - k + 1)`` and
    ``high = Beta.ppf(1 - a / 2; k + 1, n - k)`` with ``a = 1 - confidence``
    (Clopper & Pearson 1934, "The use of confidence or fiducial limits
    illustrated in the case of the binomial", *Biometrika* 26(4), 404-413).

    Parameters
    ----------
    successes, trials : int or array_like of int
        Counts, broadcast together; ``0 <= successes <= trials``. Whole-valued
        floats (``30.0``) are accepted; booleans, ``None``, NaN, infinities,
        fractions and text are refused, because the interval of a count that
        is not a whole number is not defined.
    confidence : float
        Coverage of the two-sided interval, in (0, 1).

    Returns
    -------
    low, high : ndarray
        Interval bounds, float64, of the broadcast shape. Where ``trials == 0``
        the rate is undefined and both bounds are NaN.

    Raises
    ------
    TypeError
        If a count is a boolean, ``None``, text or another non-number.
    ValueError
        If a count is not finite, not whole or negative, if ``successes >
        trials`` somewhere, if the shapes do not broadcast, or if
        ``confidence`` is not in (0, 1). The message names the argument, the
        first offending value and its position.

    Examples
    --------
    >>> low, high = proportion_ci(30, 100)
    >>> round(float(low), 4), round(float(high), 4)
    (0.2124, 0.3998)
    """
    conf = check_real("confidence", confidence, low=0.0, high=1.0, low_open=True, high_open=True)
    k = _counts("successes", successes)
    n = _counts("trials", trials)
    try:
        k, n = np.broadcast_arrays(k, n)
    except ValueError:
        raise ValueError(
            f"successes and trials must have shapes that broadcast together, got "
            f"{np.shape(k)} and {np.shape(n)}"
        ) from None
    over = np.flatnonzero((k > n).ravel())
    if over.size:
        i = int(over[0])
        where = f" at position {i}" if k.ndim else ""
        raise ValueError(
            f"successes must be within [0, trials], got {k.ravel()[i]:g} successes of "
            f"{n.ravel()[i]:g} trials{where}"
        )
    alpha = 1.0 - conf
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(k > 0, special.betaincinv(k, n - k + 1, alpha / 2), 0.0)
        high = np.where(k < n, special.betaincinv(k + 1, n - k, 1 - alpha / 2), 1.0)
    empty = n == 0
    low = np.where(empty, np.nan, low)
    high = np.where(empty, np.nan, high)
    return low, high


def _counts(name: str, value: Any) -> np.ndarray:
    """``value`` as a float array of whole, finite, non-negative counts, or a clear error."""
    if isinstance(value, bool | np.bool_ | str | bytes) or value is None:
        raise TypeError(f"{name} must be a count or an array of counts, got {value!r}")
    if isinstance(value, pd.Series | pd.Index) and value.dtype.kind not in "iuf":
        value = value.to_numpy(dtype=object)
    # Lists are read element by element, so that a True or a None inside is reported
    # rather than converted to 1 or NaN.
    plain = isinstance(value, np.ndarray | pd.Series | pd.Index | numbers.Number)
    try:
        arr = np.asarray(value) if plain else np.asarray(value, dtype=object)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a count or an array of counts, got {value!r}") from None
    if arr.dtype.kind == "O":
        for i, v in enumerate(arr.ravel()):
            if isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Real):
                raise TypeError(f"{name} must be counts (whole numbers), got {v!r} at position {i}")
        arr = arr.astype(float)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be counts (whole numbers), got an array of dtype {arr.dtype}")
    flat = arr.ravel().astype(float)
    bad = np.flatnonzero(~np.isfinite(flat) | (flat != np.floor(flat)) | (flat < 0))
    if bad.size:
        i = int(bad[0])
        where = f" at position {i}" if arr.ndim else ""
        raise ValueError(
            f"{name} must be whole numbers >= 0 (counts), got {arr.ravel()[i].item()!r}{where}"
        )
    return arr.astype(float)


def step_table(
    stages: Any, reached: Any, entered: Any = None, confidence: float = 0.95
) -> pd.DataFrame:
    """The per-stage conversion table shared by simulations and event-log analytics.

    Parameters
    ----------
    stages : sequence of str
        Stage names in funnel order (K of them).
    reached : array_like of int, shape (K,) or (R, K)
        Buyers reaching each stage, for one run or R runs (rows).
    entered : int or array_like of int, optional
        Buyers entering the funnel (per run); default: those reaching the first stage.
    confidence : float
        Coverage of the exact interval of each step conversion.

    Returns
    -------
    DataFrame
        One row per stage (and run, runs first): ``stage, reached,
        step_conversion, ci_low, ci_high, cumulative_conversion, drop_off``.
        ``step_conversion`` is reached / reached at the previous stage (the
        first stage's: reached / entered), with its exact (Clopper–Pearson)
        interval; ``drop_off`` the buyers lost between the previous stage and
        this one. A step after an empty stage has an undefined (NaN) conversion.
    """
    names = list(stages)
    counts = np.atleast_2d(np.asarray(reached, dtype=np.int64))
    runs = counts.shape[0]
    first = counts[:, :1] if entered is None else np.asarray(entered).reshape(-1, 1)
    first = np.broadcast_to(first, (runs, 1)).astype(np.int64)
    prev = np.concatenate([first, counts[:, :-1]], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        step = np.where(prev > 0, counts / np.where(prev > 0, prev, 1), np.nan)
        cumulative = np.where(first > 0, counts / np.where(first > 0, first, 1), np.nan)
    low, high = proportion_ci(counts, prev, confidence)
    return pd.DataFrame(
        {
            "stage": pd.Categorical(np.tile(names, runs), categories=names, ordered=True),
            "reached": counts.ravel(),
            "step_conversion": step.ravel(),
            "ci_low": low.ravel(),
            "ci_high": high.ravel(),
            "cumulative_conversion": cumulative.ravel(),
            "drop_off": (prev - counts).ravel(),
        }
    )


# -- two funnels compared ------------------------------------------------------------------


def _wilson(k: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of ``k / n`` (no continuity correction); NaN where n == 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = n + z * z
        centre = (k + z * z / 2) / denom
        half = z / denom * np.sqrt(k * (n - k) / n + z * z / 4)
    return centre - half, centre + half


def proportion_difference_ci(
    successes_a: Any,
    trials_a: Any,
    successes_b: Any,
    trials_b: Any,
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Confidence interval for the difference ``b - a`` of two independent proportions.

    Newcombe's hybrid score interval (method 10 of Newcombe 1998, "Interval
    estimation for the difference between independent proportions: comparison
    of eleven methods", Statistics in Medicine 17:873-890), built from the
    Wilson score interval ``[l, u]`` of each proportion::

        d = p_b - p_a
        low  = d - sqrt((p_b - l_b)² + (u_a - p_a)²)
        high = d + sqrt((u_b - p_b)² + (p_a - l_a)²)

    It is what ``statsmodels.stats.proportion.confint_proportions_2indep(...,
    method="newcomb")`` computes (a test checks this), stays inside [-1, 1],
    and keeps close to its nominal coverage for small counts and rates near 0
    or 1, where the textbook Wald interval fails.

    Parameters
    ----------
    successes_a, trials_a, successes_b, trials_b : array_like of int
        Counts of the two groups, broadcast together; ``0 <= successes <= trials``.
    confidence : float
        Coverage of the two-sided interval, in (0, 1).

    Returns
    -------
    low, high : ndarray
        Bounds of ``successes_b / trials_b - successes_a / trials_a``; NaN where
        either group has no trials.

    Raises
    ------
    TypeError, ValueError
        For counts that are not whole numbers >= 0, successes above trials, or
        a confidence outside (0, 1); the message names the argument.

    Examples
    --------
    >>> low, high = proportion_difference_ci(48, 80, 56, 70)  # Newcombe (1998), example (a)
    >>> round(float(low), 4), round(float(high), 4)
    (0.0524, 0.3339)
    """
    conf = check_real("confidence", confidence, low=0.0, high=1.0, low_open=True, high_open=True)
    ka, na = _counts("successes_a", successes_a), _counts("trials_a", trials_a)
    kb, nb = _counts("successes_b", successes_b), _counts("trials_b", trials_b)
    for k, n, group in ((ka, na, "a"), (kb, nb, "b")):
        over = np.flatnonzero(np.broadcast_to(k > n, np.broadcast_shapes(k.shape, n.shape)))
        if over.size:
            i = int(over[0])
            kk = np.broadcast_to(k, np.broadcast_shapes(k.shape, n.shape)).ravel()[i]
            nn = np.broadcast_to(n, np.broadcast_shapes(k.shape, n.shape)).ravel()[i]
            raise ValueError(
                f"successes_{group} must be within [0, trials_{group}], got {kk:g} of {nn:g} "
                f"at position {i}"
            )
    z = float(special.ndtri(0.5 + conf / 2))
    la, ua = _wilson(ka, na, z)
    lb, ub = _wilson(kb, nb, z)
    with np.errstate(invalid="ignore", divide="ignore"):
        pa, pb = ka / na, kb / nb
        d = pb - pa
        low = d - np.sqrt((pb - lb) ** 2 + (ua - pa) ** 2)
        high = d + np.sqrt((ub - pb) ** 2 + (pa - la) ** 2)
    return low, high


def _stage_counts(
    source: Any,
    name: str,
    stages: Any,
    window: Any,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> tuple[list[str], np.ndarray, int]:
    """Stage names, buyers reaching each stage and buyers entering, pooled over replications."""
    from funnelsim.engine import SimulationResult

    is_log = isinstance(source, pd.DataFrame) and (
        "reached" not in source.columns
        and {"buyer_id", "stage", "entered_at"} <= set(source.columns)
    )
    for option, value in (("window", window), ("date_format", date_format), ("dayfirst", dayfirst)):
        if value is not None and not is_log:
            raise ValueError(
                f"{option} applies to event logs only, but {name} is a {type(source).__name__} "
                "that is not one (buyer_id, stage, entered_at)"
            )
    if isinstance(source, SimulationResult):
        counts = np.asarray(source.counts, dtype=np.int64)
        return list(source.funnel.names), counts.sum(axis=0), int(source.buyers) * len(counts)
    table: Any = source
    if not isinstance(source, pd.DataFrame):
        method = getattr(source, "table", None)
        table = method() if callable(method) else None
    if not isinstance(table, pd.DataFrame):
        raise TypeError(
            f"{name} must be a SimulationResult, an event log (buyer_id, stage, entered_at), "
            f"a per-stage table (stage, reached, drop_off) or a result with a table(), "
            f"got {type(source).__name__}"
        )
    if is_log:
        from funnelsim.analytics import funnel_table

        table = funnel_table(
            table, stages=stages, window=window, date_format=date_format, dayfirst=dayfirst
        )
    table = check_columns(table, ("stage", "reached", "drop_off"), name=name)
    if "replication" in table.columns:
        table = table.groupby("stage", sort=False, observed=True)[["reached", "drop_off"]].sum()
        table = table.reset_index()
    names = [str(s) for s in table["stage"]]
    reached = _counts(f"{name} reached", table["reached"].to_numpy()).astype(np.int64)
    drop = _counts(f"{name} drop_off", table["drop_off"].to_numpy()).astype(np.int64)
    entered = int(reached[0] + drop[0]) if len(reached) else 0
    return names, reached, entered


def compare(
    a: Any,
    b: Any,
    *,
    stages: Any = None,
    window: Any = None,
    confidence: float = 0.95,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame:
    """Per stage, how B differs from A, and whether the difference clears the noise.

    Two simulated funnels (or two event logs, or two per-stage tables) are
    compared stage by stage on two rates: the **step conversion** (reached /
    reached at the previous stage; for the first stage, reached / entered)
    and the **reach** (reached / buyers who entered the funnel). Each
    difference ``B - A`` gets a confidence interval for the difference of two
    independent proportions (Newcombe's hybrid score interval, method 10 of
    Newcombe 1998, Statistics in Medicine 17:873-890; see
    :func:`proportion_difference_ci`). A difference **clears the noise** when
    its interval excludes 0: a difference that small could otherwise come
    from chance alone (a different seed, another week of traffic).

    Parameters
    ----------
    a, b : SimulationResult, DataFrame or AccountsResult
        A result of :func:`funnelsim.simulate` (replications are pooled: R runs
        of N buyers count as R·N buyers); an event log (``buyer_id, stage,
        entered_at``), counted by :func:`funnelsim.analytics.funnel_table`; a
        per-stage table with ``stage, reached, drop_off`` (such as
        ``result.table()``); or a result with such a ``table()``
        (:func:`funnelsim.b2b.simulate_accounts`). Both must have the same
        stages in the same order.
    stages : sequence of str, optional
        The stages of event logs, in funnel order (see
        :func:`~funnelsim.analytics.funnel_table`).
    window : optional
        Conversion window for event logs (as in
        :func:`~funnelsim.analytics.funnel_table`, each log observed until its
        own last event); only for event logs.
    confidence : float
        Coverage of each interval, in (0, 1). Each stage is a separate
        interval: with many stages, one may exclude 0 by chance (no
        multiple-comparison correction is applied).
    date_format, dayfirst : optional
        How to read event logs whose ``entered_at`` is text that is not ISO
        8601 (a :func:`datetime.datetime.strptime` format such as
        ``"%d.%m.%Y"``, or ``dayfirst=True|False``), passed to
        :func:`~funnelsim.analytics.funnel_table`; only for event logs.

    Returns
    -------
    DataFrame
        One row per stage, in funnel order: ``stage``, ``reached_a``,
        ``reached_b`` (buyers), then for ``step`` and ``reach`` each:
        ``<rate>_a``, ``<rate>_b`` (shares in [0, 1]), ``<rate>_difference``
        (B - A, a share: 0.05 is 5 percentage points), ``<rate>_ci_low``,
        ``<rate>_ci_high`` and ``<rate>_clears_noise`` (bool: the interval
        excludes 0). Rates of a step after an empty stage are NaN and do not
        clear the noise. ``attrs`` holds ``entered`` (A's and B's buyers),
        ``confidence`` and ``method``.

    Raises
    ------
    TypeError
        For an input of another kind (naming ``a`` or ``b``).
    ValueError
        For inputs whose stages differ, or counts that are not counts.

    Examples
    --------
    >>> import funnelsim as fs
    >>> a = fs.simulate(fs.aaarrr(activation=0.40), buyers=20_000, seed=1)
    >>> b = fs.simulate(fs.aaarrr(activation=0.45), buyers=20_000, seed=2)
    >>> table = compare(a, b)
    >>> list(table.columns[:3])
    ['stage', 'reached_a', 'reached_b']
    """
    conf = check_real("confidence", confidence, low=0.0, high=1.0, low_open=True, high_open=True)
    names_a, reached_a, entered_a = _stage_counts(a, "a", stages, window, date_format, dayfirst)
    names_b, reached_b, entered_b = _stage_counts(b, "b", stages, window, date_format, dayfirst)
    if names_a != names_b:
        raise ValueError(
            f"a and b must have the same stages in the same order, got {names_a} and {names_b}"
        )
    out = pd.DataFrame(
        {
            "stage": pd.Categorical(names_a, categories=names_a, ordered=True),
            "reached_a": reached_a,
            "reached_b": reached_b,
        }
    )
    prev_a = np.concatenate([[entered_a], reached_a[:-1]])
    prev_b = np.concatenate([[entered_b], reached_b[:-1]])
    for rate, trials_a, trials_b in (
        ("step", prev_a, prev_b),
        ("reach", np.full(len(names_a), entered_a), np.full(len(names_b), entered_b)),
    ):
        with np.errstate(invalid="ignore", divide="ignore"):
            share_a = np.where(
                trials_a > 0, reached_a / np.where(trials_a > 0, trials_a, 1), np.nan
            )
            share_b = np.where(
                trials_b > 0, reached_b / np.where(trials_b > 0, trials_b, 1), np.nan
            )
        low, high = proportion_difference_ci(reached_a, trials_a, reached_b, trials_b, conf)
        out[f"{rate}_a"] = share_a
        out[f"{rate}_b"] = share_b
        out[f"{rate}_difference"] = share_b - share_a
        out[f"{rate}_ci_low"] = low
        out[f"{rate}_ci_high"] = high
        out[f"{rate}_clears_noise"] = (low > 0) | (high < 0)
    out.attrs["entered"] = (entered_a, entered_b)
    out.attrs["confidence"] = conf
    out.attrs["method"] = "Newcombe hybrid score interval (Newcombe 1998, method 10)"
    return out
