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

from funnelsim._validation import check_real

__all__ = ["proportion_ci", "step_table"]


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
