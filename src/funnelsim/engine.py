"""The Monte Carlo engine: run buyers through a funnel.

Two modes give the same distribution of stage counts:

``mode="buyers"``
    Every buyer is simulated. One uniform draw ``u`` per buyer decides the
    deepest stage reached: a buyer reaches stage *k* exactly when
    ``u < reach[k]`` (the cumulative product of the step rates). Because
    ``reach`` falls down the funnel, this is the same law as walking stage by
    stage and flipping a coin per step, at the cost of one draw per buyer. The
    work runs over cache-sized chunks, so memory stays at one byte per buyer.
    With ``events=True`` each buyer's path is expanded into an event log with
    times drawn from each stage's time-in-stage distribution.

    The uniform is an **integer threshold draw**: ``u`` is a uniform 32-bit
    integer (each 64-bit output of the generator gives two, low half first)
    and the buyer reaches stage *k* when ``u < floor(reach[k] · 2³²)``. So each
    reach probability is used rounded down to a multiple of 2⁻³²: the
    quantisation error is below 2⁻³² ≈ 2.3 · 10⁻¹⁰ per stage (none for 0, 1
    and every multiple of 2⁻³²; a stage with reach below 2⁻³² is reached by
    nobody). That is invisible next to the Monte Carlo noise: the standard
    error of a simulated share *p* from at most ``MAX_BUYERS_MODE`` = 2 · 10⁸
    buyers, ``sqrt(p (1 - p) / n)``, exceeds 2⁻³² whenever ``p (1 - p) > 1.1 ·
    10⁻¹¹``. Half a 64-bit draw per buyer and 32-bit comparisons make this as
    fast as the best hand-written numpy code for the same job
    (``bench/bench_engine.py``). It is the inversion method for a discrete
    law (Devroye, *Non-Uniform Random Variate Generation*, 1986, §III.2) fed
    with a uniform on the 2³² grid instead of a 53-bit float.

``mode="counts"``
    A binomial chain: ``reached[k] ~ Binomial(reached[k-1], rate[k])``. The
    cost does not depend on the number of buyers, so 10⁹ buyers take
    microseconds.

The event log
-------------
``SimulationResult.events`` (and every real log the analytics read) has one
row per buyer and stage entered:

============  ==========  =====================================================
column        dtype       meaning
============  ==========  =====================================================
buyer_id      int64       buyer, numbered from 0 within a replication
stage         category    stage name; ordered categories in funnel order
entered_at    float64     time the buyer entered the stage
exited_at     float64     time the buyer left it: ``entered_at`` + time in stage
converted     bool        True if the buyer moved on to the next stage; always
                          False in the last stage (reaching it *is* converting)
============  ==========  =====================================================

With ``replications > 1`` a leading ``replication`` column (int64) is added.
Rows are sorted by (replication,) buyer, then stage; a converting buyer enters
the next stage at the moment it exits this one.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from funnelsim._deprecation import positional_seed
from funnelsim._random import as_generator, seed_entropy, spawn
from funnelsim._validation import check_choice, check_int, check_real
from funnelsim.model import Funnel, check_funnel

if TYPE_CHECKING:
    import pandas as pd

# pandas (and scipy, for the intervals of table()) are imported where a frame is
# built: a simulation itself needs only numpy, so the first result in a fresh
# kernel or command comes back after numpy's import alone.

__all__ = ["EVENT_COLUMNS", "SimulationResult", "expected", "simulate"]

#: Columns of an event log, in order (see the module docstring for meanings).
EVENT_COLUMNS = ("buyer_id", "stage", "entered_at", "exited_at", "converted")

#: Largest ``buyers * replications`` simulated buyer by buyer (one byte each).
MAX_BUYERS_MODE = 200_000_000
#: Largest ``buyers * replications`` with an event log (about 40 bytes per row).
MAX_EVENTS = 20_000_000
#: Largest ``buyers`` in mode='counts' (binomial draws stay far inside int64, and
#: counts / buyers is exact in float64).
MAX_COUNTS_BUYERS = 10**15
#: Largest ``replications`` (each is its own stream and loop: about 20 µs and one
#: row of counts apiece in mode='counts').
MAX_REPLICATIONS = 1_000_000
_CHUNK = 1 << 16  # buyers per chunk (even): 256 KiB of uint32 draws, stays in L2 cache
#: Bit generators whose raw output is 64 random bits (two 32-bit draws per output).
_RAW64 = (np.random.PCG64, np.random.PCG64DXSM, np.random.Philox, np.random.SFC64)


def expected(funnel: Funnel, buyers: int) -> pd.DataFrame:
    """Closed-form expectations for ``buyers`` entering ``funnel``.

    The number reaching stage *k* is Binomial(buyers, reach[k]), so its mean is
    ``buyers * reach[k]`` and its standard deviation ``sqrt(buyers * reach[k] * (1 - reach[k]))``.
    A buyer who reaches stage *k* enters it after the mean times of the stages
    before it, on average.

    Parameters
    ----------
    funnel : Funnel
        The funnel to evaluate.
    buyers : int
        Buyers entering its first stage.

    Returns
    -------
    DataFrame
        One row per stage: ``stage, rate, reach_probability, expected_reached,
        sd_reached, expected_entry_time``.
    """
    import pandas as pd

    funnel = check_funnel(funnel)
    n = check_int("buyers", buyers, low=0)
    reach = funnel.reach
    entry = np.concatenate([[0.0], np.cumsum(funnel.mean_times)[:-1]])
    return pd.DataFrame(
        {
            "stage": pd.Categorical(funnel.names, categories=pd.Index(funnel.names), ordered=True),
            "rate": funnel.rates,
            "reach_probability": reach,
            "expected_reached": n * reach,
            "sd_reached": np.sqrt(n * reach * (1 - reach)),
            "expected_entry_time": entry,
        }
    )


@dataclass(frozen=True, eq=False, repr=False)
class SimulationResult:
    """What :func:`simulate` returns: counts per stage, per-buyer depth, events.

    Use :meth:`table` for the per-stage frame a lesson shows and a chart plots.
    """

    #: The funnel that was simulated.
    funnel: Funnel
    #: Buyers entering the funnel in each replication.
    buyers: int
    #: "buyers" or "counts".
    mode: str
    #: Buyers reaching each stage, shape (replications, stages).
    counts: np.ndarray
    #: The int that repeats the run when passed back as ``seed=``; None when no int does
    #: (a Generator that was used or spawned; see :func:`funnelsim._random.seed_entropy`).
    seed: int | None
    #: Number of stages each buyer reached (1 = only the first), shape
    #: (replications, buyers), uint8 (uint16 beyond 255 stages); None in counts mode.
    depth: np.ndarray | None = None
    #: The event log (see module docs), or None without ``events=True``.
    events: pd.DataFrame | None = field(default=None)

    @property
    def replications(self) -> int:
        """Number of independent replications."""
        return int(self.counts.shape[0])

    @property
    def reached(self) -> pd.Series:
        """Buyers reaching each stage (mean over replications), indexed by stage name."""
        import pandas as pd

        return pd.Series(self.counts.mean(axis=0), index=list(self.funnel.names), name="reached")

    @property
    def conversion(self) -> float:
        """Share of entering buyers who reached the last stage (pooled over replications)."""
        total = self.buyers * self.replications
        return float(self.counts[:, -1].sum() / total) if total else float("nan")

    def table(self, confidence: float = 0.95) -> pd.DataFrame:
        """One row per stage (and replication): the funnel table.

        Columns: ``stage, reached, step_conversion, ci_low, ci_high,
        cumulative_conversion, expected_reached, drop_off`` — with a leading
        ``replication`` column when there are several. ``step_conversion`` is
        reached / reached at the previous stage (the first stage's is
        reached / buyers); ``ci_low``/``ci_high`` its exact Clopper–Pearson
        interval at ``confidence``; ``drop_off`` the buyers lost between the
        previous stage and this one. A step whose previous stage is empty has an
        undefined (NaN) conversion.
        """
        from funnelsim.stats import step_table

        r, k = self.counts.shape
        frame = step_table(self.funnel.names, self.counts, self.buyers, confidence)
        frame.insert(6, "expected_reached", np.tile(self.buyers * self.funnel.reach, r))
        if r > 1:
            frame.insert(0, "replication", np.repeat(np.arange(r), k))
        return frame

    def summary(self, quantiles: tuple[float, float] = (0.05, 0.95)) -> pd.DataFrame:
        """Across replications, per stage: mean, sd and quantiles of ``reached``.

        Shows the Monte Carlo spread a student should expect from run to run.
        """
        import pandas as pd

        lo, hi = quantiles
        c = self.counts
        return pd.DataFrame(
            {
                "stage": pd.Categorical(
                    self.funnel.names, categories=self.funnel.names, ordered=True
                ),
                "mean_reached": c.mean(axis=0),
                "sd_reached": c.std(axis=0, ddof=1) if c.shape[0] > 1 else np.zeros(c.shape[1]),
                f"q{lo:g}": np.quantile(c, lo, axis=0),
                f"q{hi:g}": np.quantile(c, hi, axis=0),
                "expected_reached": self.buyers * self.funnel.reach,
            }
        )

    def __repr__(self) -> str:
        reached = ", ".join(f"{n}={v:g}" for n, v in self.reached.items())
        reps = f", replications={self.replications}" if self.replications > 1 else ""
        return (
            f"SimulationResult({self.funnel.name!r}, buyers={self.buyers}, mode={self.mode!r}"
            f"{reps}, seed={self.seed}: {reached})"
        )


@positional_seed
def simulate(
    funnel: Funnel,
    buyers: int,
    *,
    seed: Any = None,
    mode: Literal["buyers", "counts"] = "buyers",
    events: bool = False,
    replications: int = 1,
    entry_window: float = 0.0,
) -> SimulationResult:
    """Run ``buyers`` buyers through ``funnel``.

    Parameters
    ----------
    funnel : Funnel
        E.g. :func:`funnelsim.aaarrr` or :func:`funnelsim.trigger_learn_try_buy`.
    buyers : int
        Buyers entering the first stage (per replication). ``1e6`` is accepted.
        At most ``MAX_COUNTS_BUYERS`` (10¹⁵); in mode='buyers' ``buyers *
        replications`` at most ``MAX_BUYERS_MODE`` (``MAX_EVENTS`` with events).
    seed : int, numpy.random.Generator, SeedSequence or None
        The only source of randomness, keyword-only. Same seed, same result,
        bit for bit. ``None`` draws fresh entropy and records it in
        ``result.seed``. (A seed passed by position still works for one more
        release, with a ``DeprecationWarning``.)
    mode : {"buyers", "counts"}
        Simulate every buyer, or only the stage counts (binomial chain; same
        distribution of counts, cost independent of ``buyers``).
    events : bool
        Also build the event log ``result.events`` (buyers mode only).
    replications : int
        Independent runs, each with its own stream spawned from ``seed``; at
        most ``MAX_REPLICATIONS`` (10⁶).
    entry_window : float
        Buyers enter at times drawn uniformly from ``[0, entry_window)``
        (default 0: everyone enters at time 0). Only affects the event log.

    Returns
    -------
    SimulationResult

    Examples
    --------
    >>> import funnelsim as fs
    >>> result = fs.simulate(fs.aaarrr(), buyers=10_000, seed=1)
    >>> int(result.counts[0, 0])
    10000
    """
    funnel = check_funnel(funnel)
    n = check_int("buyers", buyers, low=0, high=MAX_COUNTS_BUYERS)
    mode_name = check_choice("mode", mode, ("buyers", "counts"))
    if not isinstance(events, bool | np.bool_):
        raise TypeError(f"events must be True or False, got {events!r}")
    reps = check_int("replications", replications, low=1, high=MAX_REPLICATIONS)
    window = check_real("entry_window", entry_window, low=0.0)
    if events and mode_name == "counts":
        raise ValueError(
            "events=True needs mode='buyers': counts mode simulates no individual buyer"
        )
    if mode_name == "buyers" and n * reps > MAX_BUYERS_MODE:
        raise ValueError(
            f"buyers * replications must be <= {MAX_BUYERS_MODE:,} in mode='buyers' "
            f"(one byte per buyer), got {n:,} * {reps}; use mode='counts' for large populations"
        )
    if events and n * reps > MAX_EVENTS:
        raise ValueError(
            f"buyers * replications must be <= {MAX_EVENTS:,} with events=True, got {n:,} * {reps}"
        )

    rng = as_generator(seed)
    recorded = seed_entropy(rng)
    streams = [rng] if reps == 1 else spawn(rng, reps)

    reach = funnel.reach
    counts = np.empty((reps, len(funnel)), dtype=np.int64)
    if mode_name == "counts":
        for i, g in enumerate(streams):
            counts[i] = _binomial_chain(g, funnel.rates, n)
        return SimulationResult(funnel, n, mode_name, counts, recorded)

    depth = np.empty((reps, n), dtype=np.min_scalar_type(len(funnel)))
    logs = []
    for i, g in enumerate(streams):
        counts[i] = _deepest_stage(g, reach, depth[i])
        if events:
            logs.append(_event_log(g, funnel, depth[i], window))
    log = None
    if events:
        log = _concat_logs(logs, funnel) if reps > 1 else logs[0]
    return SimulationResult(funnel, n, mode_name, counts, recorded, depth, log)


def _binomial_chain(rng: np.random.Generator, rates: np.ndarray, n: int) -> np.ndarray:
    out = np.empty(len(rates), dtype=np.int64)
    current = n
    for k, p in enumerate(rates):
        current = int(rng.binomial(current, p)) if k else n
        out[k] = current
    return out


def _uniform_uint32(rng: np.random.Generator, m: int) -> np.ndarray:
    """``m`` independent uniform 32-bit integers: the two halves (low first) of ``m / 2``
    raw 64-bit outputs, or numpy's own 32-bit draws for a 32-bit bit generator (MT19937)."""
    bits = rng.bit_generator
    if isinstance(bits, _RAW64) and sys.byteorder == "little":
        u = bits.random_raw((m + 1) // 2).view(np.uint32)
        return u[:m] if m & 1 else u
    return rng.integers(0, 1 << 32, size=m, dtype=np.uint32)


def _deepest_stage(rng: np.random.Generator, reach: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """Fill ``depth`` (unsigned, number of stages reached) and return counts per stage.

    One uniform 32-bit integer per buyer, compared with the integer thresholds
    ``floor(reach · 2³²)`` (see the module docstring); chunks keep the draws in
    cache. The draw order does not depend on the chunk size (chunks are even, so
    every 64-bit output is split the same way).
    """
    n = depth.shape[0]
    counts = [n] + [0] * (reach.shape[0] - 1)
    # u < floor(r · 2³²) as u <= floor(r · 2³²) - 1, which fits in uint32 even for r = 1.
    # Stages that nobody can reach (threshold 0) need no comparison.
    scaled = np.floor(reach[1:] * 2.0**32)
    limits = [np.uint32(t - 1) for t in scaled.astype(np.int64).tolist() if t > 0]
    size = min(n, _CHUNK)
    hit = np.empty(size, dtype=bool)
    hit_u8 = hit.view(np.uint8)  # adding uint8 to uint8 avoids a casting loop
    less_equal, count, add = np.less_equal, np.count_nonzero, np.add
    for start in range(0, n, _CHUNK):
        m = min(_CHUNK, n - start)
        u = _uniform_uint32(rng, m)
        d = depth[start : start + m]
        if not limits:
            d.fill(1)
            continue
        h, h8 = (hit, hit_u8) if m == size else (hit[:m], hit_u8[:m])
        less_equal(u, limits[0], out=h)
        counts[1] += count(h)
        add(h8, 1, out=d)
        for k, limit in enumerate(limits[1:], start=2):
            less_equal(u, limit, out=h)
            counts[k] += count(h)
            add(d, h8, out=d)
    return np.array(counts, dtype=np.int64)


def _event_log(
    rng: np.random.Generator, funnel: Funnel, depth: np.ndarray, window: float
) -> pd.DataFrame:
    """Expand per-buyer depths into the event log, buyer-major, no per-buyer loop."""
    import pandas as pd

    n = depth.shape[0]
    d = depth.astype(np.int64)
    total = int(d.sum())
    offsets = np.cumsum(d) - d  # row of each buyer's first event
    entered = np.empty(total)
    exited = np.empty(total)
    converted = np.zeros(total, dtype=bool)

    ids = np.arange(n)
    t = rng.uniform(0.0, window, n) if window > 0 else np.zeros(n)
    for k, stage in enumerate(funnel.stages):
        if ids.size == 0:
            break
        rows = offsets[ids] + k
        leave = t + stage.time.sample(rng, ids.size)
        entered[rows] = t
        exited[rows] = leave
        onward = d[ids] > k + 1
        converted[rows] = onward
        ids, t = ids[onward], leave[onward]

    # int8 codes hold 128 stages only: take the smallest signed type for this funnel
    code_type = np.min_scalar_type(-len(funnel))
    stage_codes = (np.arange(total) - np.repeat(offsets, d)).astype(code_type)
    return pd.DataFrame(
        {
            "buyer_id": np.repeat(np.arange(n, dtype=np.int64), d),
            "stage": pd.Categorical.from_codes(
                stage_codes, categories=pd.Index(funnel.names), ordered=True
            ),
            "entered_at": entered,
            "exited_at": exited,
            "converted": converted,
        }
    )


def _concat_logs(logs: list[pd.DataFrame], funnel: Funnel) -> pd.DataFrame:
    import pandas as pd

    reps = np.repeat(np.arange(len(logs), dtype=np.int64), [len(x) for x in logs])
    out = pd.concat(logs, ignore_index=True)
    out.insert(0, "replication", reps)
    return out
