"""Small statistical helpers shared by the engine and the analytics.

Confidence intervals for conversion rates are **exact Clopper–Pearson**
intervals computed with ``scipy.stats.beta.ppf`` — vectorised, and identical
to ``scipy.stats.binomtest(k, n).proportion_ci(method="exact")``. They never
undercover, which matters when a stage has a handful of buyers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from funnelsim._validation import check_real

__all__ = ["proportion_ci"]


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
        low = np.where(k > 0, stats.beta.ppf(alpha / 2, k, n - k + 1), 0.0)
        high = np.where(k < n, stats.beta.ppf(1 - alpha / 2, k + 1, n - k), 1.0)
    empty = n == 0
    low = np.where(empty, np.nan, low)
    high = np.where(empty, np.nan, high)
    return low, high
