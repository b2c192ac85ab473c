"""Small statistical helpers shared by the engine and the analytics.

Confidence intervals for conversion rates are **exact Clopper–Pearson**
intervals computed with ``scipy.special.betaincinv`` (the inverse regularised
incomplete beta function that ``scipy.stats.beta.ppf`` calls; importing
scipy.special alone is much cheaper than scipy.stats) — vectorised, and identical
to ``scipy.stats.binomtest(k, n).proportion_ci(method="exact")``. They never
undercover, which matters when a stage has a handful of buyers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from funnelsim._validation import check_real

__all__ = ["proportion_ci", "step_table"]


def proportion_ci(
    successes: Any, trials: Any, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Clopper–Pearson) confidence interval for ``successes / trials``.

    Parameters
    ----------
    successes, trials : array_like of int
        Counts, broadcast together; ``0 <= successes <= trials``.
    confidence : float
        Coverage of the two-sided interval, in (0, 1).

    Returns
    -------
    low, high : ndarray
        Interval bounds. Where ``trials == 0`` the rate is undefined and both
        bounds are NaN.

    Examples
    --------
    >>> low, high = proportion_ci(30, 100)
    >>> round(float(low), 4), round(float(high), 4)
    (0.2124, 0.3998)
    """
    conf = check_real("confidence", confidence, low=0.0, high=1.0, low_open=True, high_open=True)
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if np.any(k < 0) or np.any(k > n):
        raise ValueError(f"successes must be within [0, trials], got {successes!r} of {trials!r}")
    alpha = 1.0 - conf
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(k > 0, special.betaincinv(k, n - k + 1, alpha / 2), 0.0)
        high = np.where(k < n, special.betaincinv(k + 1, n - k, 1 - alpha / 2), 1.0)
    empty = n == 0
    low = np.where(empty, np.nan, low)
    high = np.where(empty, np.nan, high)
    return low, high


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
