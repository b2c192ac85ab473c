"""The product life cycle: diffusion over several segments, the chasm, value migration.

Diffusion over segments
-----------------------
The Bass (1969) model (:func:`funnelsim.bass_adopters`) treats a market as one
crowd: a non-adopter adopts at the rate ``p + q·F``, ``F`` the share who already
adopted. Geoffrey Moore's *Crossing the Chasm* (1991) rests on the observation
that a technology market is several crowds (visionaries, pragmatists in each
industry, conservatives) and that each crowd takes its references from its
own kind. The model here is the multi-segment ("multi-group") generalisation
of Bass used in diffusion research (e.g. Peres, Muller & Mahajan 2010,
*Innovation diffusion and new product growth models*, Int. J. Research in
Marketing 27:91-106, §3 on cross-market influence): segment ``i`` of size
``m_i`` has the adoption hazard

.. math::

    h_i(t) = p_i + e_i(t) + \\sum_j q_{ij} \\, F_j(t)^{\\delta_i},

``p_i`` its coefficient of innovation (outside influence that needs no
effort from the seller: press, curiosity), ``e_i(t)`` the marketing and sales
effort aimed at it in period ``t`` (an extra innovation coefficient),
``q_ij`` how strongly segment ``i`` imitates the adopters of segment ``j`` (the
imitation matrix: mostly the diagonal, weakly the early market) and
``F_j = A_j / m_j`` segment ``j``'s adopted share. ``δ_i`` is the *reference
exponent* of Easingwood, Mahajan & Muller (1983, "A nonuniform influence
innovation diffusion model of new product acceptance", Marketing Science
2:273-295): ``δ = 1`` is Bass; ``δ > 1`` means the segment hardly imitates until
a base of references exists (a pragmatist wants to hear from several peers,
not one), which is what makes the chasm a *gap* in Moore's sense: the early
market takes off and saturates, and the mainstream, which does not copy
visionaries, waits. One segment with ``δ = 1`` and no effort is exactly Bass
(``tests/test_diffusion.py`` checks both time versions against
:mod:`funnelsim.referral`).

Time
----
The periods are the time step of ``p`` and ``q`` (the lesson uses months).
:func:`diffusion_path` is the deterministic path: by default the recursion
``A_i ← A_i + h_i (m_i − A_i)``, which the stochastic :func:`simulate_diffusion`
tracks on average (up to O(1/m)), or with ``continuous=True`` the solution of
the differential equation ``dA_i/dt = h_i (m_i − A_i)`` (scipy's ``solve_ivp``,
with the effort held fixed within each period), Bass's own time. The two differ
by a first-order error in ``p + q`` per period, small for monthly coefficients
(see :func:`funnelsim.simulate_bass`).

Marketing effort and the bowling alley
--------------------------------------
``effort`` is the marketing and sales budget in people: the adopters it would
bring in one period if nobody had adopted yet (an advertising or sales
capacity). Aimed at segment ``i`` alone it raises ``p_i`` by ``effort / m_i``.
Two strategies spend it:

``"spread"``
    everyone gets the same extra probability ``effort / Σ m``: mass marketing,
    launching straight at the whole market;
``"bowling_alley"``
    Moore's strategy: the whole effort goes to one segment at a time, in
    ``order``, until that segment's adopted share reaches ``threshold`` (it
    buys without reservations and becomes a reference), then to the next; once
    every segment is past the threshold it is spread.

The focus is decided at the start of each period from the state then (in a
simulation, each replication's own state). Concentrating pays only because
imitation is not linear (``δ > 1``): pushing one segment over its reference base
ignites its word of mouth, while the same effort spread thinly leaves every
segment below it. With ``δ = 1`` everywhere the allocation barely matters
before saturation, which the tests also check.

Value migration
---------------
:func:`value_migration` is the profit-pool picture of Slywotzky (*Value
Migration*, 1996): the value of a market moves from an old business design to
a new one (film to digital photography) along a Bass curve ``F(t)``
(:func:`funnelsim.bass_adopters` with ``m = 1``). A firm earns its share of the
old pool until it moves; after the move it earns a share of the new pool that
is what rivals have not yet taken, ``new_share · (1 − F(move))``, and pays a
one-off switching cost. Moving early gives up old profit while the new pool is
still small; moving late leaves the new pool to others. :func:`move_profits`
tabulates the total for every move period.

The library used
----------------
scipy's ``solve_ivp`` (RK45 with error control) integrates the continuous path:
a well-kept solver beats a hand-written Runge-Kutta. Everything else is numpy
and pandas.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from funnelsim._random import as_generator, seed_entropy
from funnelsim._validation import check_choice, check_int, check_real, check_real_array
from funnelsim.referral import bass_adopters

__all__ = [
    "STRATEGIES",
    "DiffusionResult",
    "Segment",
    "SegmentedMarket",
    "chasm_gap",
    "chasm_market",
    "compare_strategies",
    "diffusion_path",
    "move_profits",
    "segmented_market",
    "simulate_diffusion",
    "value_migration",
]

#: How the marketing effort is spent (see the module docs).
STRATEGIES = ("spread", "bowling_alley")
#: Largest segment size (people), as for the Bass model.
MAX_SEGMENT = 1_000_000_000_000
#: Largest number of rows of a result: ``replications * periods * segments``.
MAX_ROWS = 20_000_000

Strategy = Literal["spread", "bowling_alley"]


@dataclass(frozen=True)
class Segment:
    """One segment of a market: its people and how they respond.

    Build it through :func:`segmented_market`, which checks every field.
    """

    #: Name shown in tables and charts ("visionaries", "pragmatists: medicine").
    name: str
    #: People in the segment who will eventually adopt (its market potential m).
    size: int
    #: Coefficient of innovation p, per period: adoption with no effort and no references.
    innovation: float
    #: Reference exponent δ >= 1: 1 is Bass; larger means the segment waits for a base
    #: of references among those it imitates before word of mouth works.
    reference_exponent: float = 1.0


@dataclass(frozen=True, eq=False)
class SegmentedMarket:
    """Segments and who imitates whom (build with :func:`segmented_market`)."""

    #: The segments, in the order of the imitation matrix.
    segments: tuple[Segment, ...]
    #: ``imitation[i, j]`` = q_ij, per period: how strongly segment i copies segment j's
    #: adopters (shape (S, S), non-negative).
    imitation: np.ndarray

    @property
    def names(self) -> tuple[str, ...]:
        """The segment names, in order."""
        return tuple(s.name for s in self.segments)

    @property
    def sizes(self) -> np.ndarray:
        """Segment sizes (people), shape (S,)."""
        return np.array([s.size for s in self.segments], dtype=float)

    @property
    def innovation(self) -> np.ndarray:
        """Coefficients of innovation p_i, shape (S,)."""
        return np.array([s.innovation for s in self.segments], dtype=float)

    @property
    def reference_exponents(self) -> np.ndarray:
        """Reference exponents δ_i, shape (S,)."""
        return np.array([s.reference_exponent for s in self.segments], dtype=float)

    def index(self, name: str) -> int:
        """Position of the segment called ``name``; ValueError naming the known ones."""
        if name not in self.names:
            raise ValueError(f"segment must be one of {list(self.names)}, got {name!r}")
        return self.names.index(name)

    def to_frame(self) -> pd.DataFrame:
        """One row per segment: size, innovation, reference exponent, then ``q_from_<j>``."""
        frame = pd.DataFrame(
            {
                "segment": self.names,
                "size": [s.size for s in self.segments],
                "innovation": self.innovation,
                "reference_exponent": self.reference_exponents,
            }
        )
        for j, name in enumerate(self.names):
            frame[f"imitates {name}"] = self.imitation[:, j]
        return frame

    def __repr__(self) -> str:
        parts = ", ".join(f"{s.name} ({s.size:,})" for s in self.segments)
        return f"SegmentedMarket({parts})"


def segmented_market(
    names: Sequence[str],
    sizes: Any,
    innovation: Any,
    imitation: Any,
    reference_exponent: Any = 1.0,
) -> SegmentedMarket:
    """A market of several segments for :func:`diffusion_path` and :func:`simulate_diffusion`.

    Parameters
    ----------
    names : sequence of str
        Segment names, unique and non-empty; their order is the order of every array.
    sizes : array_like of int, shape (S,)
        People in each segment who will eventually adopt, in [1, 10¹²].
    innovation : float or array_like, shape (S,)
        Coefficient of innovation p_i per period, in [0, 1] (Bass 1969).
    imitation : array_like, shape (S, S)
        ``imitation[i][j]`` = q_ij >= 0 per period: how strongly segment i imitates the
        adopters of segment j.
    reference_exponent : float or array_like, shape (S,)
        δ_i >= 1 (Easingwood, Mahajan & Muller 1983); 1 is Bass, 2 makes a segment
        wait for a base of references. At most 10.

    Returns
    -------
    SegmentedMarket

    Raises
    ------
    ValueError
        For a wrong shape, a value out of range, duplicate names, or a segment whose
        adoption probability could exceed 1 (``p_i + Σ_j q_ij > 1``), naming the segment.
    TypeError
        For names that are not strings.

    Examples
    --------
    >>> market = segmented_market(["early", "mainstream"], [100, 900], [0.03, 0.001],
    ...                           [[0.4, 0.0], [0.01, 0.4]])
    >>> market.names, market.sizes.tolist()
    (('early', 'mainstream'), [100.0, 900.0])
    """
    if isinstance(names, str) or not isinstance(names, Sequence) or not names:
        raise TypeError(f"names must be a non-empty list of segment names, got {names!r}")
    for n in names:
        if not isinstance(n, str) or not n.strip():
            raise TypeError(f"every segment name must be a non-empty string, got {n!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"segment names must be unique, got {list(names)}")
    s = len(names)
    size_arr = _per_segment("sizes", sizes, s, low=1.0, high=float(MAX_SEGMENT))
    bad = np.flatnonzero(size_arr != np.round(size_arr))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"sizes must be whole numbers of people, got {size_arr[i]:g} for {names[i]!r}"
        )
    p = _per_segment("innovation", innovation, s, low=0.0, high=1.0)
    delta = _per_segment("reference_exponent", reference_exponent, s, low=1.0, high=10.0)
    q = np.asarray(check_real_array("imitation", imitation, low=0.0, high=1.0), dtype=float)
    if q.shape != (s, s):
        raise ValueError(
            f"imitation must be a {s} x {s} matrix (one row and one column per segment), "
            f"got shape {q.shape}"
        )
    worst = p + q.sum(axis=1)
    over = np.flatnonzero(worst > 1.0 + 1e-12)
    if over.size:
        i = int(over[0])
        raise ValueError(
            f"innovation + the imitation row of segment {names[i]!r} must be <= 1 (it is the "
            f"largest per-period adoption probability), got {worst[i]:g}"
        )
    segments = tuple(
        Segment(str(n), int(m), float(pi), float(di))
        for n, m, pi, di in zip(names, size_arr, p, delta, strict=True)
    )
    q = q.copy()
    q.setflags(write=False)
    return SegmentedMarket(segments, q)


def _per_segment(name: str, value: Any, s: int, *, low: float, high: float) -> np.ndarray:
    arr = check_real_array(name, value, low=low, high=high)
    arr = np.full(s, arr) if isinstance(arr, float) else np.asarray(arr, dtype=float)
    if arr.shape != (s,):
        raise ValueError(
            f"{name} must be one number or one per segment ({s}), got shape {arr.shape}"
        )
    return arr


def chasm_market(
    *,
    cross_imitation: float = 0.005,
    reference_exponent: float = 2.0,
    early_size: int = 1_000,
    niche_size: int = 3_000,
    conservative_size: int = 5_000,
) -> SegmentedMarket:
    """The course's B2B market with a chasm: visionaries, two pragmatist niches, conservatives.

    Monthly coefficients, chosen to show the shape, not fitted to data:

    ============================  ======  ===========  =========================================
    segment                       people  innovation   imitates (q per month)
    ============================  ======  ===========  =========================================
    visionaries (early market)    1,000   0.02         each other 0.35
    pragmatists: medicine         3,000   0.0002       own niche 0.6, banks 0.05, visionaries x
    pragmatists: banking          3,000   0.0002       own niche 0.6, medicine 0.05, visionaries x
    conservatives                 5,000   0.0001       each other 0.45, each pragmatist niche 0.05
    ============================  ======  ===========  =========================================

    ``x`` is ``cross_imitation``: how much pragmatists copy visionaries. The
    visionaries imitate like Bass (δ = 1); the others with ``reference_exponent``.
    A B2C-like market (people copy whoever adopted, no reference base needed) is
    ``chasm_market(cross_imitation=0.05, reference_exponent=1)``.

    Parameters
    ----------
    cross_imitation : float
        q of each pragmatist niche on the visionaries, in [0, 0.3].
    reference_exponent : float
        δ of the pragmatists and conservatives, in [1, 10].
    early_size, niche_size, conservative_size : int
        Segment sizes (people).

    Returns
    -------
    SegmentedMarket

    Examples
    --------
    >>> chasm_market().names
    ('visionaries', 'pragmatists: medicine', 'pragmatists: banking', 'conservatives')
    """
    x = check_real("cross_imitation", cross_imitation, low=0.0, high=0.3)
    return segmented_market(
        ["visionaries", "pragmatists: medicine", "pragmatists: banking", "conservatives"],
        [early_size, niche_size, niche_size, conservative_size],
        [0.02, 0.0002, 0.0002, 0.0001],
        [
            [0.35, 0.0, 0.0, 0.0],
            [x, 0.6, 0.05, 0.0],
            [x, 0.05, 0.6, 0.0],
            [0.0, 0.05, 0.05, 0.45],
        ],
        [1.0, reference_exponent, reference_exponent, reference_exponent],
    )


# -- effort ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    effort: float
    strategy: str
    order: np.ndarray  # segment positions, bowling alley order
    threshold: float


def _plan(
    market: SegmentedMarket,
    effort: Any,
    strategy: Any,
    order: Sequence[str] | None,
    threshold: Any,
) -> _Plan:
    if not isinstance(market, SegmentedMarket):
        raise TypeError(
            f"market must be a SegmentedMarket (see segmented_market), got {type(market).__name__}"
        )
    e = check_real("effort", effort, low=0.0)
    strat = check_choice("strategy", strategy, STRATEGIES)
    thr = check_real("threshold", threshold, low=0.0, high=1.0, low_open=True, high_open=True)
    if order is None:
        pos = np.arange(len(market.segments))
    else:
        if isinstance(order, str) or not isinstance(order, Sequence) or not order:
            raise TypeError(f"order must be a list of segment names, got {order!r}")
        pos = np.array([market.index(n) for n in order])
        if len(set(pos.tolist())) != len(pos):
            raise ValueError(f"order must name each segment at most once, got {list(order)}")
    # The largest extra probability a segment can get must keep its hazard <= 1.
    sizes = market.sizes
    extra = np.full(len(sizes), e / sizes.sum())
    if strat == "bowling_alley":
        extra[pos] = e / sizes[pos]
    worst = market.innovation + extra + market.imitation.sum(axis=1)
    over = np.flatnonzero(worst > 1.0 + 1e-12)
    if over.size:
        i = int(over[0])
        raise ValueError(
            f"effort {e:g} is too large for segment {market.names[i]!r}: its adoption "
            f"probability could reach {worst[i]:.3g} > 1 per period; use shorter periods "
            "or a smaller effort"
        )
    return _Plan(e, strat, pos, thr)


def _effort(plan: _Plan, market: SegmentedMarket, share: np.ndarray) -> np.ndarray:
    """Extra innovation per segment for the state ``share`` (shape (..., S))."""
    sizes = market.sizes
    spread = np.full(share.shape, plan.effort / sizes.sum())
    if plan.strategy == "spread" or plan.effort == 0:
        return spread
    below = share[..., plan.order] < plan.threshold  # (..., K)
    any_below = below.any(axis=-1)
    first = plan.order[np.argmax(below, axis=-1)]  # target segment (when any is below)
    focused = np.zeros(share.shape)
    np.put_along_axis(
        focused, np.asarray(first)[..., None], (plan.effort / sizes[first])[..., None], axis=-1
    )
    return np.where(np.asarray(any_below)[..., None], focused, spread)


def _hazard(market: SegmentedMarket, share: np.ndarray, extra: np.ndarray) -> np.ndarray:
    delta = market.reference_exponents
    # (..., i, j): segment i's response to segment j's share, with i's exponent
    influence = np.clip(share, 0.0, 1.0)[..., None, :] ** delta[:, None]
    return market.innovation + extra + (market.imitation * influence).sum(axis=-1)


# -- results -----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False, repr=False)
class DiffusionResult:
    """What :func:`diffusion_path` and :func:`simulate_diffusion` return."""

    #: One row per period and segment (and replication): ``period`` (1..periods),
    #: ``segment``, ``new_adopters``, ``adopters`` (cumulative, people), ``share``
    #: (adopters ÷ size), ``effort`` (extra innovation aimed at the segment that period)
    #: and ``focus`` (True where the bowling alley aimed at it).
    periods: pd.DataFrame
    #: The market that diffused.
    market: SegmentedMarket
    #: The strategy and the effort (people per period) that spent it.
    strategy: str
    effort: float
    #: "discrete", "continuous" (deterministic paths) or "simulation".
    kind: str
    #: The seed that repeats a simulation, None for a path (or when no int does).
    seed: int | None = None

    @property
    def replications(self) -> int:
        """Independent runs (1 for a path)."""
        if "replication" not in self.periods:
            return 1
        return int(self.periods["replication"].max()) + 1

    def totals(self) -> pd.DataFrame:
        """Per period (and replication): ``new_adopters`` and ``adopters`` summed over segments."""
        keys = ["replication", "period"] if "replication" in self.periods else ["period"]
        return self.periods.groupby(keys, as_index=False)[["new_adopters", "adopters"]].sum()

    def gap(self, early: Any = None, mainstream: Any = None, level: float = 0.5) -> Any:
        """:func:`chasm_gap` of this result (default: first segment vs the next two)."""
        return chasm_gap(self, early=early, mainstream=mainstream, level=level)

    def __repr__(self) -> str:
        n = int(self.periods["period"].max())
        reps = f", replications={self.replications}" if self.replications > 1 else ""
        return (
            f"DiffusionResult({self.kind}, strategy={self.strategy!r}, effort={self.effort:g}, "
            f"periods={n}{reps})"
        )


def _frame(
    market: SegmentedMarket,
    adopters: np.ndarray,
    extra: np.ndarray,
    focus: np.ndarray,
    *,
    integer: bool,
) -> pd.DataFrame:
    """Long frame from arrays of shape (R, T, S) (cumulative adopters after each period)."""
    reps, periods, s = adopters.shape
    before = np.concatenate([np.zeros((reps, 1, s)), adopters[:, :-1, :]], axis=1)
    new = adopters - before
    data: dict[str, Any] = {}
    if reps > 1:
        data["replication"] = np.repeat(np.arange(reps), periods * s)
    data["period"] = np.tile(np.repeat(np.arange(1, periods + 1), s), reps)
    data["segment"] = pd.Categorical(
        np.tile(np.array(market.names, dtype=object), reps * periods), categories=market.names
    )
    cast = np.int64 if integer else float
    data["new_adopters"] = new.reshape(-1).astype(cast)
    data["adopters"] = adopters.reshape(-1).astype(cast)
    data["share"] = (adopters / market.sizes).reshape(-1)
    data["effort"] = extra.reshape(-1)
    data["focus"] = focus.reshape(-1)
    return pd.DataFrame(data)


def _check_periods(periods: Any, reps: int, s: int) -> int:
    n = check_int("periods", periods, low=1, high=MAX_ROWS)
    if reps * n * s > MAX_ROWS:
        raise ValueError(
            f"replications * periods * segments must be <= {MAX_ROWS:,} (the rows of the "
            f"result), got {reps:,} * {n:,} * {s}"
        )
    return n


def diffusion_path(
    market: SegmentedMarket,
    periods: int,
    *,
    effort: float = 0.0,
    strategy: Strategy = "spread",
    order: Sequence[str] | None = None,
    threshold: float = 0.5,
    continuous: bool = False,
) -> DiffusionResult:
    """The expected adoption path of every segment (deterministic).

    Parameters
    ----------
    market : SegmentedMarket
        From :func:`segmented_market` or :func:`chasm_market`.
    periods : int
        Periods to follow, >= 1 (the time step of p and q).
    effort : float
        Marketing and sales effort in people per period, >= 0: the adopters it would
        bring in one period if nobody had adopted yet (module docs).
    strategy : {"spread", "bowling_alley"}
        How the effort is spent (module docs).
    order : list of str, optional
        The bowling alley's order of segments (default: the market's order); segments
        left out get effort only once every listed one is past ``threshold``.
    threshold : float
        Adopted share, in (0, 1), at which the bowling alley moves to the next segment.
    continuous : bool
        False: the per-period recursion ``A_i ← A_i + h_i (m_i − A_i)``, the mean that
        :func:`simulate_diffusion` tracks. True: the continuous-time equation
        ``dA_i/dt = h_i (m_i − A_i)`` solved with ``scipy.integrate.solve_ivp`` (RK45,
        rtol 1e-8), the effort fixed within each period; one segment with δ = 1 and no
        effort is then exactly :func:`funnelsim.bass_adopters`.

    Returns
    -------
    DiffusionResult
        ``.periods`` with float ``new_adopters`` and ``adopters`` (expected people).

    Raises
    ------
    ValueError, TypeError
        For a bad market, periods, effort, strategy, order or threshold, or an effort
        that would push a segment's adoption probability above 1.

    Examples
    --------
    >>> path = diffusion_path(chasm_market(), 72)
    >>> round(path.gap(), 1)  # months between the early market and the mainstream
    32.0
    """
    plan = _plan(market, effort, strategy, order, threshold)
    s = len(market.segments)
    n = _check_periods(periods, 1, s)
    if not isinstance(continuous, bool):
        raise TypeError(f"continuous must be True or False, got {continuous!r}")
    sizes = market.sizes
    adopters = np.zeros((1, n, s))
    extras = np.zeros((1, n, s))
    a = np.zeros(s)
    for t in range(n):
        extra = _effort(plan, market, a / sizes)
        if continuous:
            a = _integrate_period(market, a, extra)
        else:
            a = a + _hazard(market, a / sizes, extra) * (sizes - a)
        adopters[0, t] = a
        extras[0, t] = extra
    focus = _focus(plan, extras)
    kind = "continuous" if continuous else "discrete"
    frame = _frame(market, adopters, extras, focus, integer=False)
    return DiffusionResult(frame, market, plan.strategy, plan.effort, kind)


def _focus(plan: _Plan, extras: np.ndarray) -> np.ndarray:
    if plan.strategy != "bowling_alley" or plan.effort == 0:
        return np.zeros(extras.shape, dtype=bool)
    # focused periods give one segment everything; spread periods give all the same
    return extras > (plan.effort / extras.shape[-1] / 1e12) + extras.min(axis=-1, keepdims=True)


def _integrate_period(market: SegmentedMarket, a: np.ndarray, extra: np.ndarray) -> np.ndarray:
    from scipy.integrate import solve_ivp

    sizes = market.sizes

    def rhs(_t: float, y: np.ndarray) -> np.ndarray:
        out: np.ndarray = _hazard(market, y / sizes, extra) * (sizes - y)
        return out

    sol = solve_ivp(rhs, (0.0, 1.0), a, method="RK45", rtol=1e-8, atol=1e-8 * sizes.max())
    return np.minimum(np.asarray(sol.y[:, -1], dtype=float), sizes)


def simulate_diffusion(
    market: SegmentedMarket,
    periods: int,
    *,
    effort: float = 0.0,
    strategy: Strategy = "spread",
    order: Sequence[str] | None = None,
    threshold: float = 0.5,
    replications: int = 1,
    seed: Any = None,
) -> DiffusionResult:
    """Stochastic diffusion over segments: every non-adopter is a coin toss each period.

    In period ``t`` each of the ``m_i − A_i`` non-adopters of segment ``i`` adopts with
    probability ``h_i`` (module docs) computed from the state at the start of the
    period, so the new adopters are Binomial(``m_i − A_i``, ``h_i``): one draw per segment
    and period, the exact law (for one segment, that of :func:`funnelsim.simulate_bass`).
    The bowling alley's focus follows each replication's own state.

    Parameters
    ----------
    market, periods, effort, strategy, order, threshold
        As in :func:`diffusion_path`.
    replications : int
        Independent runs, vectorised; ``replications * periods * segments`` must be at
        most ``MAX_ROWS`` (2·10⁷).
    seed : int, numpy.random.Generator, SeedSequence or None
        The only source of randomness.

    Returns
    -------
    DiffusionResult
        ``.periods`` with integer ``new_adopters`` and ``adopters`` (people), and a
        ``replication`` column when ``replications > 1``; ``adopters <= size`` always.

    Examples
    --------
    >>> sim = simulate_diffusion(chasm_market(), 72, replications=20, seed=1)
    >>> sim.replications
    20
    """
    plan = _plan(market, effort, strategy, order, threshold)
    s = len(market.segments)
    reps = check_int("replications", replications, low=1, high=MAX_ROWS)
    n = _check_periods(periods, reps, s)
    rng = as_generator(seed)
    recorded = seed_entropy(rng)
    sizes = market.sizes
    size_int = sizes.astype(np.int64)
    a = np.zeros((reps, s), dtype=np.int64)
    adopters = np.zeros((reps, n, s), dtype=np.int64)
    extras = np.zeros((reps, n, s))
    for t in range(n):
        share = a / sizes
        extra = _effort(plan, market, share)
        h = np.clip(_hazard(market, share, extra), 0.0, 1.0)  # guards rounding only
        a = a + rng.binomial(size_int - a, h)
        adopters[:, t] = a
        extras[:, t] = extra
    focus = _focus(plan, extras)
    frame = _frame(market, adopters, extras, focus, integer=True)
    return DiffusionResult(frame, market, plan.strategy, plan.effort, "simulation", recorded)


# -- the chasm ---------------------------------------------------------------------------------


def _names(market: SegmentedMarket, value: Any, default: Sequence[str], what: str) -> list[str]:
    if value is None:
        return list(default)
    names = [value] if isinstance(value, str) else list(value)
    if not names:
        raise ValueError(f"{what} must name at least one segment")
    for n in names:
        market.index(n)
    return names


def chasm_gap(
    result: DiffusionResult,
    *,
    early: str | Sequence[str] | None = None,
    mainstream: str | Sequence[str] | None = None,
    level: float = 0.5,
) -> Any:
    """Periods between the early market and the mainstream each reaching ``level`` adopted.

    The chasm as a *gap* (Moore 1991; not a stage of its own): the first period in
    which the mainstream's adopted share (its segments pooled) reaches ``level``, minus
    the first period in which the early market's does.

    Parameters
    ----------
    result : DiffusionResult
        A path or a simulation.
    early, mainstream : str or list of str, optional
        Segment names; default the first segment, and the next two (the pragmatists of
        :func:`chasm_market`; the rest when the market has fewer).
    level : float
        Adopted share in (0, 1].

    Returns
    -------
    float or numpy.ndarray
        The gap in periods (one per replication for a simulation with several);
        ``nan`` where either side never reaches ``level`` within the result's periods.

    Raises
    ------
    ValueError
        For an unknown segment or a level out of range.
    """
    if not isinstance(result, DiffusionResult):
        raise TypeError(f"result must be a DiffusionResult, got {type(result).__name__}")
    lv = check_real("level", level, low=0.0, high=1.0, low_open=True)
    market = result.market
    names = market.names
    if len(names) < 2 and (early is None or mainstream is None):
        raise ValueError("a one-segment market has no chasm: name early and mainstream segments")
    first = _names(market, early, names[:1], "early")
    rest = _names(market, mainstream, names[1:3], "mainstream")
    frame = result.periods
    reps = result.replications
    n = int(frame["period"].max())
    adopters = frame["adopters"].to_numpy(dtype=float).reshape(reps, n, len(names))
    sizes = market.sizes

    def reached(group: list[str]) -> np.ndarray:
        idx = [market.index(g) for g in group]
        share = adopters[:, :, idx].sum(axis=-1) / sizes[idx].sum()
        hit = share >= lv - 1e-12
        period = np.argmax(hit, axis=1).astype(float) + 1
        return np.where(hit.any(axis=1), period, np.nan)

    gap = reached(rest) - reached(first)
    return float(gap[0]) if reps == 1 else gap


def compare_strategies(
    market: SegmentedMarket,
    periods: int,
    *,
    effort: float,
    order: Sequence[str] | None = None,
    threshold: float = 0.5,
    replications: int = 40,
    seed: Any = None,
) -> pd.DataFrame:
    """The chasm under each strategy, in simulated markets, with its standard error.

    Runs :func:`simulate_diffusion` once per strategy (``"spread"`` and
    ``"bowling_alley"``) with the same seed, so both see the same random numbers
    wherever their markets agree (common random numbers), and summarises
    :func:`chasm_gap` over the replications.

    Parameters
    ----------
    market, periods, effort, order, threshold
        As in :func:`simulate_diffusion` (``order`` is used by the bowling alley only).
    replications : int
        Simulated markets per strategy, >= 2.
    seed : int, numpy.random.Generator, SeedSequence or None
        The only source of randomness (an int gives both strategies the same stream).

    Returns
    -------
    DataFrame
        One row per strategy: ``strategy``, ``gap_mean`` and ``gap_se`` (months: the mean
        over markets whose mainstream got half sold, and its standard error
        ``sd / sqrt(n)``), ``low`` and ``high`` (mean ∓ 2 SE) and ``not_crossed`` (markets
        whose mainstream was not half sold within ``periods``).

    Examples
    --------
    >>> table = compare_strategies(chasm_market(), 72, effort=20, replications=10, seed=1)
    >>> list(table["strategy"])
    ['spread', 'bowling_alley']
    """
    reps = check_int("replications", replications, low=2, high=MAX_ROWS)
    if isinstance(seed, np.random.Generator):
        seeds: list[Any] = list(seed.spawn(2))
    else:
        seeds = [seed, seed] if seed is not None else [None, None]
    rows = []
    for strategy, s in zip(STRATEGIES, seeds, strict=True):
        gaps = np.atleast_1d(
            simulate_diffusion(
                market,
                periods,
                effort=effort,
                strategy=strategy,  # type: ignore[arg-type]
                order=order,
                threshold=threshold,
                replications=reps,
                seed=s,
            ).gap()
        )
        crossed = gaps[np.isfinite(gaps)]
        n = crossed.size
        mean = float(crossed.mean()) if n else float("nan")
        se = float(crossed.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
        rows.append(
            {
                "strategy": strategy,
                "gap_mean": mean,
                "gap_se": se,
                "low": mean - 2 * se,
                "high": mean + 2 * se,
                "not_crossed": int(gaps.size - n),
            }
        )
    return pd.DataFrame(rows)


# -- value migration ---------------------------------------------------------------------------


def _migration_args(
    periods: Any,
    market_value: Any,
    old_share: Any,
    new_share: Any,
    switch_cost: Any,
    p: Any,
    q: Any,
) -> tuple[int, float, float, float, float, float, float]:
    n = check_int("periods", periods, low=1, high=10_000)
    v = check_real("market_value", market_value, low=0.0)
    so = check_real("old_share", old_share, low=0.0, high=1.0)
    sn = check_real("new_share", new_share, low=0.0, high=1.0)
    c = check_real("switch_cost", switch_cost, low=0.0)
    pp = check_real("p", p, low=0.0, high=1.0, low_open=True)
    qq = check_real("q", q, low=0.0, high=1.0)
    if pp + qq > 1:
        raise ValueError(f"p + q must be <= 1, got {pp + qq!r}")
    return n, v, so, sn, c, pp, qq


def value_migration(
    move: int | None,
    periods: int = 30,
    *,
    market_value: float = 100.0,
    old_share: float = 0.6,
    new_share: float = 0.6,
    switch_cost: float = 100.0,
    p: float = 0.005,
    q: float = 0.35,
) -> pd.DataFrame:
    """Profit over time of a firm that leaves the old profit pool for the new one at ``move``.

    The market's profit ``market_value`` per period moves from the old pool to the new
    along the Bass curve ``F(t)`` = :func:`funnelsim.bass_adopters` ``(p, q, 1, t)``:
    old pool ``V (1 − F(t))``, new pool ``V F(t)`` (Slywotzky 1996's value migration).
    Before ``move`` the firm earns ``old_share`` of the old pool; from ``move`` on it
    earns ``new_share · (1 − F(move))`` of the new pool (the share rivals have not
    taken yet) and pays ``switch_cost`` once, in period ``move``.

    Parameters
    ----------
    move : int or None
        The period (1..periods) in which the firm moves; None never moves.
    periods : int
        Periods followed (years in the lesson), in [1, 10 000].
    market_value : float
        Profit of the whole market per period (both pools together), >= 0.
    old_share : float
        The firm's share of the old pool, in [0, 1].
    new_share : float
        The share of the new pool a firm would get by moving at once, in [0, 1].
    switch_cost : float
        One-off cost of moving (new plants, skills, write-offs), >= 0, same money unit.
    p, q : float
        Bass coefficients of the new technology's take-over, per period.

    Returns
    -------
    DataFrame
        One row per period: ``period``, ``old_pool``, ``new_pool``, ``pool`` ("old" or
        "new": where the firm is), ``profit`` and ``cumulative_profit`` (money per period
        and to date).

    Raises
    ------
    ValueError, TypeError
        For a move outside 1..periods or any value out of range (named).

    Examples
    --------
    >>> frame = value_migration(None, 30)
    >>> round(frame["cumulative_profit"].iloc[-1])  # staying with film for 30 years
    701
    """
    n, v, so, sn, c, pp, qq = _migration_args(
        periods, market_value, old_share, new_share, switch_cost, p, q
    )
    if move is not None:
        if isinstance(move, bool) or not isinstance(move, numbers.Integral | float):
            raise TypeError(f"move must be a period number or None, got {move!r}")
        move = check_int("move", move, low=1, high=n)
    t = np.arange(1, n + 1, dtype=float)
    f = np.asarray(bass_adopters(pp, qq, 1, t), dtype=float)
    old_pool = v * (1.0 - f)
    new_pool = v * f
    if move is None:
        moved = np.zeros(n, dtype=bool)
        profit = so * old_pool
    else:
        moved = t >= move
        f_move = float(bass_adopters(pp, qq, 1, float(move)))
        profit = np.where(moved, sn * (1.0 - f_move) * new_pool, so * old_pool)
        profit[move - 1] -= c
    return pd.DataFrame(
        {
            "period": t.astype(int),
            "old_pool": old_pool,
            "new_pool": new_pool,
            "pool": np.where(moved, "new", "old"),
            "profit": profit,
            "cumulative_profit": np.cumsum(profit),
        }
    )


def move_profits(periods: int = 30, **kwargs: Any) -> pd.DataFrame:
    """Total profit over ``periods`` for every move period, and for never moving.

    Parameters
    ----------
    periods : int
        As in :func:`value_migration`.
    **kwargs
        The other keywords of :func:`value_migration` (``market_value``, ``old_share``,
        ``new_share``, ``switch_cost``, ``p``, ``q``).

    Returns
    -------
    DataFrame
        ``move`` (1..periods, then ``<NA>`` for never) and ``total_profit``.

    Examples
    --------
    >>> table = move_profits(30)
    >>> int(table.loc[table["total_profit"].idxmax(), "move"])  # the best year to move
    7
    """
    n = check_int("periods", periods, low=1, high=10_000)
    moves: list[int | None] = [*range(1, n + 1), None]
    totals = [float(value_migration(m, n, **kwargs)["profit"].sum()) for m in moves]
    return pd.DataFrame({"move": pd.array(moves, dtype="Int64"), "total_profit": totals})
