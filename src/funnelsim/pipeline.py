"""Pipelines that lose no lead, the bottleneck, and which stage to fix first.

A **pipeline** is any funnel (:class:`funnelsim.Funnel`, e.g. an extended
"AAAARRRRRR" list built with ``Funnel.from_rates``) plus a **nurture track**
(:class:`Nurture`): a lead that fails a step is not dropped. It goes to the
nurture track and, with probability ``reentry``, comes back after a delay to
try again (the same step, or the whole funnel with ``restart=True``);
otherwise, or once it has used ``max_rounds`` nurture passes, it is
**closed-lost** at the stage it could not leave. Every lead therefore ends in
exactly one final state: *won* (reached the last stage) or *lost at stage k*.
:func:`simulate_pipeline` simulates leads; :func:`expected_pipeline` gives the
exact probabilities of the final states (a small absorbing Markov chain).

Which stage to fix first
------------------------
:func:`bottleneck` ranks the steps by conversion rate: after Goldratt, the
weakest step is the constraint of the whole flow, and one extra percentage
point there adds the most customers (the gain from +δ on step *k* is
``buyers * reach[-1] * δ / rate[k]``); ``by="lost"`` ranks them by the leads
lost instead, the largest absolute leak. :func:`sensitivity` moves each step's
rate by ±δ, one at a time, and reports the effect on an outcome (customers,
revenue, LTV:CAC or any function of the funnel) as a tornado-ready frame;
:func:`fix_first` answers "which stage first?" in one call.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from funnelsim import economics
from funnelsim._random import as_generator, seed_entropy
from funnelsim._validation import check_choice, check_int, check_probability, check_real
from funnelsim.engine import _check_funnel, simulate
from funnelsim.model import Funnel, TimeInStage

__all__ = [
    "Nurture",
    "PipelineResult",
    "bottleneck",
    "expected_pipeline",
    "fix_first",
    "sensitivity",
    "simulate_pipeline",
]

#: Largest number of leads simulated lead by lead.
MAX_LEADS = 20_000_000
#: Upper bound on nurture rounds (the loop runs max_rounds + 1 passes).
MAX_ROUNDS = 1_000


@dataclass(frozen=True)
class Nurture:
    """The nurture (recycle) track that catches leads failing a step.

    ``Nurture(reentry=0)`` or ``max_rounds=0`` is the plain funnel: a lead
    that fails is closed-lost at once.
    """

    #: Probability that a failed lead is nurtured and re-enters (per failure), in [0, 1].
    reentry: float = 0.3
    #: Time a lead spends on the nurture track before it re-enters, in the funnel's
    #: time unit; a number means that fixed time.
    delay: TimeInStage = field(default_factory=lambda: TimeInStage.fixed(4.0))
    #: Nurture passes a lead may take in total; a lead failing after its last is closed-lost.
    max_rounds: int = 2
    #: Re-enter at the first stage (True) or retry the step that failed (False).
    restart: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "reentry", check_probability("reentry", self.reentry))
        delay = self.delay
        if not isinstance(delay, TimeInStage):
            if isinstance(delay, bool) or not isinstance(
                delay, int | float | np.integer | np.floating
            ):
                raise TypeError(f"delay must be a number or a TimeInStage, got {delay!r}")
            delay = TimeInStage.fixed(check_real("delay", delay, low=0.0))
        object.__setattr__(self, "delay", delay)
        object.__setattr__(
            self, "max_rounds", check_int("max_rounds", self.max_rounds, low=0, high=MAX_ROUNDS)
        )
        if not isinstance(self.restart, bool | np.bool_):
            raise TypeError(f"restart must be True or False, got {self.restart!r}")


def _check_nurture(nurture: Any) -> Nurture:
    if nurture is None:
        return Nurture(reentry=0.0, max_rounds=0)
    if not isinstance(nurture, Nurture):
        raise TypeError(f"nurture must be a Nurture or None, got {type(nurture).__name__}")
    return nurture


def _outcome_labels(funnel: Funnel) -> list[str]:
    return ["won"] + [f"lost at {name}" for name in funnel.names[:-1]]


def _final_state_probabilities(funnel: Funnel, nurture: Nurture) -> np.ndarray:
    """P(won), P(lost at stage 0), ..., P(lost at stage K-2) for a lead entering stage 0.

    State (k, r): in stage k, about to try step k+1, r nurture rounds used.
    Backward induction over r = max_rounds .. 0 and k = K-1 .. 0.
    """
    rates = funnel.rates
    k_max = len(rates)
    m = nurture.max_rounds
    q = nurture.reentry
    outcomes = k_max  # won + lost at 0..K-2
    f_next = np.zeros((k_max, outcomes))  # F[., r+1]
    for r in range(m, -1, -1):
        f = np.zeros((k_max, outcomes))
        f[k_max - 1, 0] = 1.0
        for k in range(k_max - 2, -1, -1):
            p = rates[k + 1]
            f[k] = p * f[k + 1]
            if r < m:
                back = 0 if nurture.restart else k
                # With restart the re-entry target row 0 of round r+1 is already known.
                f[k] += (1 - p) * q * f_next[back]
                f[k, 1 + k] += (1 - p) * (1 - q)
            else:
                f[k, 1 + k] += 1 - p
        f_next = f
    return f_next[0]


def expected_pipeline(funnel: Funnel, leads: int, nurture: Nurture | None = None) -> pd.DataFrame:
    """Exact distribution of final states for ``leads`` leads entering a pipeline.

    Each lead ends in one final state, independently of the others, so the
    counts are multinomial: ``expected = leads * probability`` and
    ``sd = sqrt(leads * probability * (1 - probability))``. The probabilities
    come from backward induction over the states (stage, nurture rounds used)
    of the absorbing Markov chain.

    Parameters
    ----------
    funnel : Funnel
        Any funnel.
    leads : int
        Leads entering the first stage, >= 0.
    nurture : Nurture, optional
        The nurture track; default none (the plain funnel).

    Returns
    -------
    DataFrame
        One row per final state: ``outcome`` ("won", "lost at <stage>"),
        ``stage`` (the last stage for won, the stage the lead could not leave
        otherwise), ``probability, expected_leads, sd_leads``. Probabilities
        sum to 1.
    """
    funnel = _check_funnel(funnel)
    nurture = _check_nurture(nurture)
    n = check_int("leads", leads, low=0)
    prob = np.clip(_final_state_probabilities(funnel, nurture), 0.0, 1.0)
    names = funnel.names
    return pd.DataFrame(
        {
            "outcome": _outcome_labels(funnel),
            "stage": pd.Categorical([names[-1], *names[:-1]], categories=names, ordered=True),
            "probability": prob,
            "expected_leads": n * prob,
            "sd_leads": np.sqrt(n * prob * (1 - prob)),
        }
    )


@dataclass(frozen=True, eq=False, repr=False)
class PipelineResult:
    """What :func:`simulate_pipeline` returns.

    ``leads`` has one row per lead; :meth:`table` one row per stage;
    :meth:`outcomes` one row per final state next to its exact expectation.
    """

    #: The funnel the leads went through.
    funnel: Funnel
    #: The nurture track.
    nurture: Nurture
    #: One row per lead: ``lead_id``, ``outcome`` ("won" or "lost"), ``final_stage``
    #: (last stage for won; the stage it could not leave for lost),
    #: ``nurture_rounds`` (passes through nurture) and ``time`` (from entering the
    #: pipeline to winning, i.e. leaving the last stage, or to being closed-lost).
    leads: pd.DataFrame
    #: One row per stage: ``stage, entries, unique_leads, failed, nurtured,
    #: closed_lost, won``.
    stages: pd.DataFrame
    #: Seed entropy to repeat the run (None when a spawned Generator was passed).
    seed: int | None

    @property
    def n_leads(self) -> int:
        """Number of leads simulated."""
        return len(self.leads)

    @property
    def win_rate(self) -> float:
        """Share of leads won."""
        return float((self.leads["outcome"] == "won").mean()) if len(self.leads) else float("nan")

    def table(self) -> pd.DataFrame:
        """The per-stage frame (a copy of :attr:`stages`)."""
        return self.stages.copy()

    def outcomes(self) -> pd.DataFrame:
        """Leads per final state, with the exact expectation: ``outcome, stage, leads,
        share, probability, expected_leads, sd_leads``. ``leads`` sums to :attr:`n_leads`."""
        exp = expected_pipeline(self.funnel, self.n_leads, self.nurture)
        a = self.leads
        k = len(self.funnel)
        codes = np.where(
            a["outcome"].to_numpy() == "won", 0, 1 + a["final_stage"].cat.codes.to_numpy()
        )
        counts = np.bincount(codes, minlength=k)
        exp.insert(2, "leads", counts)
        exp.insert(3, "share", counts / self.n_leads if self.n_leads else np.nan)
        return exp

    def __repr__(self) -> str:
        return (
            f"PipelineResult({self.funnel.name!r}, leads={self.n_leads}, "
            f"win_rate={self.win_rate:.4g}, seed={self.seed})"
        )


def simulate_pipeline(
    funnel: Funnel, leads: int, seed: Any = None, *, nurture: Nurture | None = None
) -> PipelineResult:
    """Run ``leads`` leads through ``funnel`` with a nurture track; no lead is lost from view.

    Parameters
    ----------
    funnel : Funnel
        Any funnel; extended ones with ``Funnel.from_rates``.
    leads : int
        Leads entering the first stage.
    seed : int, numpy.random.Generator, SeedSequence or None
        The only source of randomness.
    nurture : Nurture, optional
        The nurture track; default none (a failing lead is closed-lost at once,
        the plain funnel).

    Returns
    -------
    PipelineResult

    Notes
    -----
    The simulation runs over rounds (at most ``max_rounds + 1``) and, within a
    round, over stages; all leads at a stage are handled together. Each entry
    into a stage draws a fresh time in stage, each nurture pass a fresh delay.

    Examples
    --------
    >>> import funnelsim as fs
    >>> res = fs.simulate_pipeline(fs.aaarrr(), 10_000, seed=3, nurture=fs.Nurture(0.5))
    >>> int(res.outcomes()["leads"].sum())
    10000
    """
    funnel = _check_funnel(funnel)
    nurture = _check_nurture(nurture)
    n = check_int("leads", leads, low=0, high=MAX_LEADS)
    rng = as_generator(seed)
    recorded = seed_entropy(rng)
    rates = funnel.rates
    k_max = len(funnel)
    last = k_max - 1

    pos = np.zeros(n, dtype=np.int64)
    t = np.zeros(n)
    rounds = np.zeros(n, dtype=np.int64)
    active = np.ones(n, dtype=bool)
    won = np.zeros(n, dtype=bool)
    entries = np.zeros(k_max, dtype=np.int64)
    unique = np.zeros(k_max, dtype=np.int64)
    failed = np.zeros(k_max, dtype=np.int64)
    nurtured = np.zeros(k_max, dtype=np.int64)
    lost_at = np.zeros(k_max, dtype=np.int64)
    deepest = np.zeros(n, dtype=np.int64)

    for _ in range(nurture.max_rounds + 1):
        ids = np.flatnonzero(active)
        if ids.size == 0:
            break
        fail_ids = []
        for k in range(int(pos[ids].min()), k_max):
            here = ids[pos[ids] == k]
            if here.size == 0:
                continue
            entries[k] += here.size
            t[here] += funnel.stages[k].time.sample(rng, here.size)
            if k == last:
                won[here] = True
                active[here] = False
                continue
            go = rng.random(here.size) < rates[k + 1]
            pos[here[go]] = k + 1
            fail_ids.append(here[~go])
            failed[k] += int((~go).sum())
        np.maximum(deepest, pos, out=deepest)
        if not fail_ids:
            continue
        fails = np.concatenate(fail_ids)
        back = (rounds[fails] < nurture.max_rounds) & (rng.random(fails.size) < nurture.reentry)
        again = fails[back]
        nurtured += np.bincount(pos[again], minlength=k_max)
        rounds[again] += 1
        t[again] += nurture.delay.sample(rng, again.size)
        if nurture.restart:
            pos[again] = 0
        closed = fails[~back]
        lost_at += np.bincount(pos[closed], minlength=k_max)
        active[closed] = False

    # Every lead has left the loop: max_rounds + 1 passes exhaust every lead's rounds.
    assert not active.any()
    unique[:] = (deepest[:, None] >= np.arange(k_max)[None, :]).sum(axis=0)
    names = funnel.names
    lead_frame = pd.DataFrame(
        {
            "lead_id": np.arange(n, dtype=np.int64),
            "outcome": pd.Categorical.from_codes(
                np.where(won, 0, 1).astype(np.int64), categories=pd.Index(["won", "lost"])
            ),
            "final_stage": pd.Categorical.from_codes(pos, categories=pd.Index(names), ordered=True),
            "nurture_rounds": rounds,
            "time": t,
        }
    )
    won_col = np.zeros(k_max, dtype=np.int64)
    won_col[last] = int(won.sum())
    stage_frame = pd.DataFrame(
        {
            "stage": pd.Categorical(names, categories=names, ordered=True),
            "entries": entries,
            "unique_leads": unique,
            "failed": failed,
            "nurtured": nurtured,
            "closed_lost": lost_at,
            "won": won_col,
        }
    )
    return PipelineResult(funnel, nurture, lead_frame, stage_frame, recorded)


# -- bottleneck and sensitivity ---------------------------------------------------------


def _others_product(rates: np.ndarray) -> np.ndarray:
    """Product of all step rates except step k, for each k (no division, so rate 0 is fine)."""
    k = len(rates)
    return np.array([np.prod(np.delete(rates, i)) for i in range(k)])


def bottleneck(
    funnel: Funnel,
    buyers: int = 1000,
    *,
    delta: float = 0.01,
    by: Literal["rate", "lost"] = "rate",
) -> pd.DataFrame:
    """Rank the steps of ``funnel`` from the tightest constraint to the loosest.

    Parameters
    ----------
    funnel : Funnel
        At least two stages.
    buyers : int
        Buyers entering the first stage (scales the expected counts).
    delta : float
        Absolute change of a step rate used for ``gain_per_delta`` (0.01: one
        percentage point), in (0, 1].
    by : {"rate", "lost"}
        What makes a step the bottleneck. ``"rate"`` (default): the lowest step
        conversion, Goldratt's constraint — one more percentage point there
        adds the most customers. ``"lost"``: the most buyers lost at the step,
        the largest absolute leak (often an early, wide step).

    Returns
    -------
    DataFrame
        One row per step (every stage but the first), the bottleneck first
        (``rate`` ascending, or ``lost`` descending): ``stage, rate,
        entering`` (expected buyers arriving at the step), ``lost`` (expected
        buyers lost at it), ``lost_share`` (1 - rate), ``gain_per_delta``
        (expected extra customers at the last stage if this step's rate rose by
        ``delta``, capped at a rate of 1; largest for the lowest rate) and
        ``bottleneck`` (True on the first row). Ties keep funnel order.
    """
    funnel = _check_funnel(funnel)
    n = check_int("buyers", buyers, low=0)
    d = check_real("delta", delta, low=0.0, high=1.0, low_open=True)
    order = check_choice("by", by, ("rate", "lost"))
    if len(funnel) < 2:
        raise ValueError(f"bottleneck needs a funnel with at least 2 stages, got {len(funnel)}")
    rates = funnel.rates
    reach = funnel.reach
    entering = n * reach[:-1]
    others = _others_product(rates[1:])
    frame = pd.DataFrame(
        {
            "stage": list(funnel.names[1:]),
            "rate": rates[1:],
            "entering": entering,
            "lost": entering * (1 - rates[1:]),
            "lost_share": 1 - rates[1:],
            "gain_per_delta": n * others * np.minimum(d, 1 - rates[1:]),
        }
    )
    frame = frame.sort_values(order, ascending=order == "rate", kind="stable", ignore_index=True)
    frame["bottleneck"] = np.arange(len(frame)) == 0
    return frame


Outcome = Literal["customers", "conversion", "revenue", "ltv_cac"]
#: How each outcome reads on a chart axis.
_OUTCOME_LABELS = {
    "customers": "customers won",
    "conversion": "conversion to the last stage",
    "revenue": "revenue",
    "ltv_cac": "LTV:CAC",
}
_OUTCOMES = ("customers", "conversion", "revenue", "ltv_cac")


def sensitivity(
    funnel: Funnel,
    *,
    delta: float = 0.05,
    outcome: Outcome | Callable[[Funnel], float] = "customers",
    buyers: int = 1000,
    value: float = 1.0,
    cost_per_lead: float = 1.0,
    nurture: Nurture | None = None,
    relative: bool = False,
    stages: Sequence[str] | None = None,
    method: Literal["exact", "simulate"] = "exact",
    replications: int = 200,
    seed: Any = None,
) -> pd.DataFrame:
    """One-at-a-time sensitivity of an outcome to each step's rate: a tornado frame.

    Each step's rate is moved down and up by ``delta`` while every other rate
    stays at its base value, and the outcome is recomputed.

    Parameters
    ----------
    funnel : Funnel
    delta : float
        Change of each rate: absolute (percentage points as a fraction, 0.05 =
        5 points) or, with ``relative=True``, a fraction of the rate
        (0.1 = ±10 %). A moved rate that would leave [0, 1] is **clipped** to
        the bound, and the ``note`` column records it (e.g. "high clipped to
        1"): the frame always shows the rates actually used. Clipping rather
        than refusing keeps one δ usable on a funnel with a step near 0 or 1.
    outcome : {"customers", "conversion", "revenue", "ltv_cac"} or callable
        ``"customers"``: expected buyers won, ``buyers * P(win)``;
        ``"conversion"``: P(win); ``"revenue"``: customers × ``value``;
        ``"ltv_cac"``: LTV:CAC with LTV = ``value`` per customer and CAC =
        ``cost_per_lead * buyers / customers``. P(win) is the funnel's last
        reach probability, or with ``nurture`` the exact win probability of
        :func:`expected_pipeline`. A callable receives the changed
        :class:`Funnel` and returns a number (exact method only; it
        cannot be combined with ``nurture``, which it would not see).
    buyers : int
        Leads entering the first stage.
    value : float
        Revenue (or lifetime value) per customer, for "revenue" and "ltv_cac".
    cost_per_lead : float
        Acquisition cost per entering lead, > 0, for "ltv_cac".
    nurture : Nurture, optional
        Include a nurture track in the outcome.
    relative : bool
        Interpret ``delta`` as a relative change.
    stages : sequence of str, optional
        Steps to vary; default every stage but the first (whose rate is 1).
    method : {"exact", "simulate"}
        Closed forms (noise-free, the default) or Monte Carlo: ``replications``
        runs of :func:`funnelsim.simulate` (counts mode) or
        :func:`simulate_pipeline` (with ``nurture``), every variant with the
        same ``seed`` so that the differences share their random numbers.
    replications : int
        Monte Carlo runs per variant (``method="simulate"``), >= 1.
    seed : int, numpy.random.Generator, SeedSequence or None
        ``method="simulate"`` only. An int is the seed every variant restarts
        from; a Generator or SeedSequence (or None: fresh entropy) first gives
        one int seed, which every variant then shares.

    Returns
    -------
    DataFrame
        One row per varied step, sorted by ``swing`` descending (ties, up to
        float rounding of 1e-9 of the largest swing, in funnel order):
        ``stage, rate, low, high, base, outcome_low, outcome_high,
        effect_low, effect_high, swing, note``. ``effect_*`` = outcome − base;
        ``swing`` = ``abs(effect_high - effect_low)``. With
        ``method="simulate"``, ``frame.attrs["seed"]`` holds the seed the
        variants shared. ``frame.attrs["outcome"]`` names the outcome for
        chart axes, e.g. "customers won (expected)".

    Examples
    --------
    >>> import funnelsim as fs
    >>> tornado = fs.sensitivity(fs.trigger_learn_try_buy(), delta=0.05)
    >>> tornado["stage"].iloc[0]   # the lowest rate moves customers most
    'Buy'
    """
    funnel = _check_funnel(funnel)
    if len(funnel) < 2:
        raise ValueError(f"sensitivity needs a funnel with at least 2 stages, got {len(funnel)}")
    if not isinstance(relative, bool | np.bool_):
        raise TypeError(f"relative must be True or False, got {relative!r}")
    d = check_real("delta", delta, low=0.0, low_open=True, high=None if relative else 1.0)
    n = check_int("buyers", buyers, low=1)
    val = check_real("value", value)
    cpl = check_real("cost_per_lead", cost_per_lead, low=0.0, low_open=True)
    nurture_ = None if nurture is None else _check_nurture(nurture)
    how = check_choice("method", method, ("exact", "simulate"))
    if callable(outcome):
        if how != "exact":
            raise ValueError(
                "a callable outcome needs method='exact' (it receives a Funnel, not counts)"
            )
        if nurture_ is not None:
            raise ValueError(
                f"nurture={nurture_!r} is not used by a callable outcome, which only "
                "receives the Funnel; compute the nurtured outcome inside the callable"
            )
        metric: Callable[[Funnel], float] = outcome
    else:
        kind = check_choice("outcome", outcome, _OUTCOMES)
        if kind == "ltv_cac" and val < 0:
            raise ValueError(
                f"value (the LTV per customer) must be >= 0 for 'ltv_cac', got {value!r}"
            )
        reps = check_int("replications", replications, low=1)
        if how == "simulate":
            seed = _shared_seed(seed)

        def win_probability(f: Funnel) -> float:
            if how == "exact":
                if nurture_ is None:
                    return float(f.reach[-1])
                return float(_final_state_probabilities(f, nurture_)[0])
            if nurture_ is None:
                res = simulate(f, n, seed, mode="counts", replications=reps)
                return float(res.counts[:, -1].mean() / n)
            return simulate_pipeline(f, n * reps, seed, nurture=nurture_).win_rate

        def metric(f: Funnel) -> float:
            w = win_probability(f)
            if kind == "conversion":
                return w
            if kind == "customers":
                return n * w
            if kind == "revenue":
                return n * w * val
            if w == 0:  # no customers: the spend buys no lifetime value
                return 0.0
            # LTV:CAC by the package's economics functions (CAC = spend / customers)
            return float(economics.ltv_to_cac(val, economics.cac(cpl * n, n * w)))

    if stages is None:
        names = list(funnel.names[1:])
    else:
        if isinstance(stages, str) or not isinstance(stages, Sequence):
            raise TypeError(f"stages must be a sequence of stage names, got {stages!r}")
        names = [funnel.stages[funnel.index(s)].name for s in stages]
        if funnel.names[0] in names:
            raise ValueError(
                f"the first stage {funnel.names[0]!r} has rate 1 by definition and cannot be varied"
            )
    base = _number(metric(funnel), "outcome")
    rows = []
    for name in names:
        rate = funnel[name].rate
        step = rate * d if relative else d
        low_raw, high_raw = rate - step, rate + step
        low, high = max(low_raw, 0.0), min(high_raw, 1.0)
        notes = []
        if low != low_raw:
            notes.append("low clipped to 0")
        if high != high_raw:
            notes.append("high clipped to 1")
        out_low = _number(metric(funnel.with_rates({name: low})), "outcome")
        out_high = _number(metric(funnel.with_rates({name: high})), "outcome")
        rows.append(
            {
                "stage": name,
                "rate": rate,
                "low": low,
                "high": high,
                "base": base,
                "outcome_low": out_low,
                "outcome_high": out_high,
                "effect_low": out_low - base,
                "effect_high": out_high - base,
                "swing": abs(out_high - out_low),
                "note": "; ".join(notes),
            }
        )
    frame = pd.DataFrame(rows)
    order = np.argsort(-_tie_key(frame["swing"].to_numpy()), kind="stable")
    frame = frame.iloc[order].reset_index(drop=True)
    label = _OUTCOME_LABELS[outcome] if isinstance(outcome, str) else "outcome"
    frame.attrs["outcome"] = f"{label} ({'expected' if how == 'exact' else 'simulated'})"
    if how == "simulate":
        frame.attrs["seed"] = seed  # the seed every variant shared, to repeat the run
    return frame


def _number(x: Any, name: str) -> float:
    return check_real(f"{name} value", x, allow_inf=False)


def _shared_seed(seed: Any) -> int:
    """The one int seed every simulated variant restarts from (common random numbers).

    An int is kept (after validation); anything else (None, a Generator, a
    SeedSequence) is turned into a Generator that draws the int. Passing a
    Generator to every variant instead would give each a different stream.
    """
    rng = as_generator(seed)
    if isinstance(seed, numbers.Integral):
        return int(seed)
    return int(rng.integers(2**63))


def _tie_key(x: np.ndarray) -> np.ndarray:
    """``x`` relative to its largest magnitude, rounded to 1e-9: float-noise ties become ties."""
    scale = float(np.max(np.abs(x))) if x.size else 0.0
    return np.round(x / scale, 9) if scale > 0 else np.zeros(x.shape)


def fix_first(funnel: Funnel, **kwargs: Any) -> str:
    """The stage whose improvement by δ raises the outcome most: "fix this one first".

    Parameters
    ----------
    funnel : Funnel
        At least two stages.
    **kwargs
        Keyword arguments of :func:`sensitivity` (``delta``, ``outcome``,
        ``nurture``, ``relative``, ``method``, ...).

    Returns
    -------
    str
        The stage with the largest ``effect_high``. Effects equal up to float
        rounding (1e-9 of the largest) are ties, won by the earliest stage —
        e.g. every stage with ``relative=True`` on the customers outcome.

    Examples
    --------
    >>> import funnelsim as fs
    >>> fs.fix_first(fs.aaarrr(referral=0.9))
    'Acquisition'
    """
    frame = sensitivity(funnel, **kwargs)
    position = frame["stage"].map(funnel.index).to_numpy()
    best = np.lexsort((position, -_tie_key(frame["effect_high"].to_numpy())))[0]
    return str(frame["stage"].iloc[best])
