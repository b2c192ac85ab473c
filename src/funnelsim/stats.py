"""Small statistical helpers shared by the engine and the analytics.

Also the sample sizes of the course: how many visitors before a rate is known to a
given margin (:func:`sample_size_proportion`), and how many per page an A/B test of two
conversion rates needs (:func:`sample_size_two_proportions`, :func:`power_two_proportions`),
both from the standard normal-approximation formulas cited in each docstring. They are
a few lines each on the standard library's normal quantile
(``statistics.NormalDist().inv_cdf``, Wichura's algorithm AS 241, 1988, the same value as
``scipy.special.ndtri`` to 1e-12: a test checks it), so the core does not import
statsmodels for them, nor scipy: the Wald size equals
``statsmodels.stats.proportion.samplesize_confint_proportion`` rounded up (a test
checks it), while statsmodels' power classes take Cohen's arcsine
effect size *h* rather than the two-proportion formula that A/B-test calculators show.

Confidence intervals for conversion rates are **exact Clopper–Pearson**
intervals computed with ``scipy.special.betaincinv`` (the inverse regularised
incomplete beta function that ``scipy.stats.beta.ppf`` calls; importing
scipy.special alone is much cheaper than scipy.stats) — vectorised, and identical
to ``scipy.stats.binomtest(k, n).proportion_ci(method="exact")``. They never
undercover, which matters when a stage has a handful of buyers. scipy.special is
imported there, on first use: it takes about a quarter of a second to import, and the
normal-approximation helpers do not need it.
"""

from __future__ import annotations

import math
import numbers
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from funnelsim._validation import check_choice, check_columns, check_int, check_real

__all__ = [
    "compare",
    "power_two_proportions",
    "proportion_ci",
    "proportion_difference_ci",
    "sample_size_proportion",
    "sample_size_two_proportions",
    "simulate_ab_power",
    "step_table",
    "wilson_half_width",
]


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
    from scipy.special import betaincinv  # here: the only part of the module that needs scipy

    alpha = 1.0 - conf
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(k > 0, betaincinv(k, n - k + 1, alpha / 2), 0.0)
        high = np.where(k < n, betaincinv(k + 1, n - k, 1 - alpha / 2), 1.0)
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
    z = _z(conf)
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


# -- sample sizes ----------------------------------------------------------------------------


def _z(confidence: float) -> float:
    """The two-sided normal quantile ``z_{1 - α/2}`` of ``confidence = 1 - α``."""
    p = 0.5 + confidence / 2  # a confidence within 1e-16 of 1 rounds p to 1: z is inf there
    return math.inf if p >= 1.0 else _STANDARD_NORMAL.inv_cdf(p)


#: The standard normal distribution of the standard library: its ``inv_cdf`` (Wichura
#: 1988, AS 241) is ``scipy.special.ndtri`` to 1e-12 without importing scipy.
_STANDARD_NORMAL = NormalDist()


def _normal_cdf(x: float) -> float:
    """``Φ(x)``, as ``scipy.special.ndtr`` computes it: ``erfc(-x / √2) / 2``.

    Through ``erfc`` rather than ``(1 + erf(x / √2)) / 2`` so that the lower tail keeps
    its relative accuracy (DLMF 7.2.2 and 7.18.2; Cody 1969 for the library's erfc).
    """
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _rate(name: str, value: Any) -> float:
    """A rate strictly inside (0, 1): at 0 or 1 a binomial rate has no spread to size."""
    return check_real(name, value, low=0.0, high=1.0, low_open=True, high_open=True)


def wilson_half_width(p: float, n: float, confidence: float = 0.95) -> float:
    """Half the width of the Wilson score interval when ``n`` trials show the share ``p``.

    ``z / (n + z²) · sqrt(n p (1 - p) + z² / 4)`` (Wilson 1927, "Probable inference, the
    law of succession, and statistical inference", *JASA* 22(158), 209-212; Brown, Cai &
    DasGupta 2001, "Interval estimation for a binomial proportion", *Statistical Science*
    16(2), eq. 4). Used by :func:`sample_size_proportion` to check the Wald size.

    Parameters
    ----------
    p : float
        The observed share, in [0, 1].
    n : float
        Trials, > 0.
    confidence : float
        Coverage, in (0, 1).

    Returns
    -------
    float
        The half-width, as a share (0.005 is 0.5 percentage points).

    Examples
    --------
    >>> round(wilson_half_width(0.02, 3053), 5)
    0.005
    """
    rate = check_real("p", p, low=0.0, high=1.0)
    trials = check_real("n", n, low=0.0, low_open=True)
    conf = check_real("confidence", confidence, low=0.0, high=1.0, low_open=True, high_open=True)
    z = _z(conf)
    return z / (trials + z * z) * math.sqrt(trials * rate * (1 - rate) + z * z / 4)


def sample_size_proportion(
    p: float, margin: float, *, confidence: float = 0.95, method: str = "wald"
) -> int:
    """How many trials (visitors) before a rate near ``p`` is known to ± ``margin``.

    ``method="wald"``: the textbook ``n = z² p (1 - p) / m²`` rounded up, from the Wald
    interval ``p ± z sqrt(p (1 - p) / n)`` (e.g. Cochran 1977, *Sampling Techniques*,
    3rd ed., eq. 4.2, without the finite-population correction; Agresti 2013,
    *Categorical Data Analysis*, 3rd ed., §1.3).
    ``method="wilson"``: the smallest ``n`` whose Wilson score interval (the one the
    Wald interval approximates badly for rates near 0 or 1) has half-width at most
    ``m`` when the data show exactly ``p``: the larger root of
    ``m² (n + z²)² = z² (n p (1 - p) + z² / 4)``, rounded up. For a 2 % rate known to
    ± 0.5 percentage points the two give 3,012 and 3,053 visitors.

    Parameters
    ----------
    p : float
        The rate you expect (a pilot's estimate), in (0, 1). Use 0.5 when you know
        nothing: it gives the largest n.
    margin : float
        The half-width wanted, as a share (0.005 is ± 0.5 percentage points), in (0, 1).
    confidence : float
        Coverage of the interval, in (0, 1).
    method : {"wald", "wilson"}
        Which interval's half-width is sized.

    Returns
    -------
    int
        Trials (visitors), >= 1.

    Raises
    ------
    ValueError
        If ``p`` or ``margin`` is not strictly between 0 and 1, ``confidence`` not in
        (0, 1), or ``method`` unknown; the message names the argument.

    Examples
    --------
    >>> sample_size_proportion(0.02, 0.005)
    3012
    >>> sample_size_proportion(0.5, 0.03)  # the pollster's "± 3 points" needs about 1,068
    1068
    """
    rate = _rate("p", p)
    m = check_real("margin", margin, low=0.0, high=1.0, low_open=True, high_open=True)
    conf = check_real("confidence", confidence, low=0.0, high=1.0, low_open=True, high_open=True)
    how = check_choice("method", method, ("wald", "wilson"))
    z = _z(conf)
    pq = rate * (1 - rate)
    if how == "wald":
        n = z * z * pq / (m * m)
    else:
        # m²n² + (2m²z² - z²pq) n + (m²z⁴ - z⁴/4) = 0, larger root
        a = m * m
        b = 2 * m * m * z * z - z * z * pq
        c = m * m * z**4 - z**4 / 4
        n = (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
    # round up, forgiving the last bits of floating point (3012.0000000001 is 3012)
    return max(1, math.ceil(n * (1 - 1e-12)))


def sample_size_two_proportions(
    p_a: float, p_b: float, *, confidence: float = 0.95, power: float = 0.8
) -> int:
    """Visitors **per page** for an A/B test to detect ``p_a`` vs ``p_b``.

    The standard normal-approximation size of the two-sided test of two independent
    proportions with equal groups (Fleiss, Levin & Paik 2003, *Statistical Methods for
    Rates and Proportions*, 3rd ed., eq. 4.14, without the continuity correction)::

        n = (z_{1-α/2} sqrt(2 p̄ (1 - p̄)) + z_{power} sqrt(p_a (1 - p_a) + p_b (1 - p_b)))²
            / (p_a - p_b)²,      p̄ = (p_a + p_b) / 2

    rounded up. For 5 % vs 10 % at 95 % confidence and 80 % power it gives 435 per
    group, the figure online A/B calculators show.

    Parameters
    ----------
    p_a, p_b : float
        The two conversion rates (the current page's, and the smallest change worth
        detecting), each in (0, 1), different.
    confidence : float
        1 - α of the test, in (0, 1).
    power : float
        The chance of a significant result when the rates really are ``p_a`` and
        ``p_b``, in (0, 1).

    Returns
    -------
    int
        Visitors for each page (the test needs twice as many in all).

    Raises
    ------
    ValueError
        If a rate is not strictly between 0 and 1, the rates are equal (no size
        detects no difference), or ``confidence``/``power`` is outside (0, 1).

    Examples
    --------
    >>> sample_size_two_proportions(0.05, 0.10)
    435
    """
    a, b = _rate("p_a", p_a), _rate("p_b", p_b)
    if a == b:
        raise ValueError(
            f"p_a and p_b must differ (an A/B test sizes a difference), got {a!r} twice"
        )
    conf = check_real("confidence", confidence, low=0.0, high=1.0, low_open=True, high_open=True)
    pw = check_real("power", power, low=0.0, high=1.0, low_open=True, high_open=True)
    z_a, z_b = _z(conf), _STANDARD_NORMAL.inv_cdf(pw)
    bar = (a + b) / 2
    root = z_a * math.sqrt(2 * bar * (1 - bar)) + z_b * math.sqrt(a * (1 - a) + b * (1 - b))
    n = root * root / (a - b) ** 2
    return max(1, math.ceil(n * (1 - 1e-12)))


def power_two_proportions(
    p_a: float, p_b: float, visitors: int, *, confidence: float = 0.95
) -> float:
    """The chance that an A/B test with ``visitors`` per page finds ``p_a`` ≠ ``p_b``.

    The inverse of :func:`sample_size_two_proportions` (same source, same
    approximation), ignoring the negligible chance of a significant result in the
    wrong direction::

        power = Φ((|p_a - p_b| sqrt(n) - z_{1-α/2} sqrt(2 p̄ (1 - p̄)))
                  / sqrt(p_a (1 - p_a) + p_b (1 - p_b)))

    Parameters
    ----------
    p_a, p_b : float
        The true conversion rates of the two pages, each in (0, 1).
    visitors : int
        Visitors per page, >= 1.
    confidence : float
        1 - α of the test, in (0, 1).

    Returns
    -------
    float
        Power in (0, 1); ``(1 - confidence) / 2`` when the rates are equal (the
        test's false-alarm rate in one direction).

    Examples
    --------
    >>> round(power_two_proportions(0.05, 0.10, 435), 2)
    0.8
    """
    a, b = _rate("p_a", p_a), _rate("p_b", p_b)
    n = check_int("visitors", visitors, low=1)
    conf = check_real("confidence", confidence, low=0.0, high=1.0, low_open=True, high_open=True)
    bar = (a + b) / 2
    num = abs(a - b) * math.sqrt(n) - _z(conf) * math.sqrt(2 * bar * (1 - bar))
    return _normal_cdf(num / math.sqrt(a * (1 - a) + b * (1 - b)))


def simulate_ab_power(
    p_a: float,
    p_b: float,
    visitors: int,
    *,
    runs: int = 1_000,
    confidence: float = 0.95,
    seed: Any = None,
) -> pd.Series:
    """Run ``runs`` simulated A/B tests; how often does the difference clear the noise?

    Each test sends ``visitors`` to each page, draws the conversions
    (``Binomial(visitors, p_a)`` and ``Binomial(visitors, p_b)``) and calls the
    difference significant when its Newcombe interval
    (:func:`proportion_difference_ci`, the interval :func:`compare` uses) excludes 0.
    The share of such tests estimates the test's power (or, with equal rates, its
    false-alarm rate), to set beside :func:`power_two_proportions`.

    Parameters
    ----------
    p_a, p_b : float
        True conversion rates of the two pages, in [0, 1].
    visitors : int
        Visitors per page in each test, >= 1.
    runs : int
        Number of simulated tests, in [1, 1_000_000].
    confidence : float
        Coverage of each interval, in (0, 1).
    seed : int, numpy.random.Generator, SeedSequence or None
        The only source of randomness, keyword-only.

    Returns
    -------
    Series
        ``power`` (share of tests that cleared the noise), ``se`` (its binomial
        standard error ``sqrt(power (1 - power) / runs)``), ``formula``
        (:func:`power_two_proportions`, NaN when a rate is 0 or 1), ``runs`` and
        ``visitors``.

    Examples
    --------
    >>> out = simulate_ab_power(0.05, 0.10, 435, runs=2000, seed=1)
    >>> bool(abs(out["power"] - out["formula"]) < 4 * out["se"] + 0.02)
    True
    """
    from funnelsim._random import as_generator

    a = check_real("p_a", p_a, low=0.0, high=1.0)
    b = check_real("p_b", p_b, low=0.0, high=1.0)
    n = check_int("visitors", visitors, low=1)
    r = check_int("runs", runs, low=1, high=1_000_000)
    conf = check_real("confidence", confidence, low=0.0, high=1.0, low_open=True, high_open=True)
    rng = as_generator(seed)
    ka, kb = rng.binomial(n, a, r), rng.binomial(n, b, r)
    low, high = proportion_difference_ci(ka, n, kb, n, conf)
    power = float(np.mean((low > 0) | (high < 0)))
    formula = (
        power_two_proportions(a, b, n, confidence=conf) if 0 < a < 1 and 0 < b < 1 else math.nan
    )
    return pd.Series(
        {
            "power": power,
            "se": math.sqrt(power * (1 - power) / r),
            "formula": formula,
            "runs": r,
            "visitors": n,
        }
    )
