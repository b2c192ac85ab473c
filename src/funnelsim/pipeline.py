"""Pipelines that lose no lead: the nurture track and the exact final states.

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

Splitting a big step into smaller ones
--------------------------------------
Practitioner material advises splitting a big target action into two or three smaller
steps to raise conversion. :func:`split_step` does the split *honestly*: the smaller
steps' rates multiply to the old step's rate, so without other changes nobody more gets
through (a test checks the reach is unchanged). What a split can buy is handling: with a
nurture track each small step is retried on its own, and a retry of a small, easy step
succeeds more often than a retry of the whole big one. With one retry per stall (success
``x + (1 - x) q x`` for a step of rate ``x`` and re-entry ``q``), two steps ``p1 p2 = p``
pass with ``p1 p2 (1 + q (1 - p1)) (1 + q (1 - p2))`` against ``p (1 + q (1 - p))`` for
the whole step, and ``(1 + a)(1 + b) - (1 + c) = q² (1 - p1)(1 - p2) + q (1 - p1)(1 - p2)
>= 0`` with ``a, b, c`` the three ``q (1 - ·)`` terms: never worse, and better whenever
both halves can fail. :func:`compare_pipelines` sets such variants side by side, exactly.

Which stage to fix first (``bottleneck``, ``sensitivity``, ``fix_first``)
applies to any funnel and lives in :mod:`funnelsim.sensitivity_analysis`; the
old names here keep working for one release with a ``DeprecationWarning``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from funnelsim._deprecation import FunnelsimDeprecationWarning, positional_seed
from funnelsim._random import as_generator, seed_entropy
from funnelsim._validation import check_int, check_probability, check_real
from funnelsim.model import Funnel, TimeInStage, check_funnel

__all__ = [
    "Nurture",
    "PipelineResult",
    "compare_pipelines",
    "expected_pipeline",
    "simulate_pipeline",
    "split_step",
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

    Parameters
    ----------
    reentry : float
        Probability, in [0, 1], that a lead failing a step is nurtured and
        re-enters (drawn at each failure).
    delay : float or TimeInStage
        Time on the nurture track before the lead re-enters, in the funnel's
        time unit; a number means that fixed time.
    max_rounds : int
        Nurture passes one lead may take over its **whole** journey, not per
        step: with ``max_rounds=1`` a lead comes back at most once, whichever
        step it failed, and a lead failing after its last pass is closed-lost.
    restart : bool
        Re-enter at the first stage (True) or retry the step that failed (False).
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
    funnel = check_funnel(funnel)
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


def split_step(
    funnel: Funnel,
    stage: str,
    steps: Mapping[str, float],
    *,
    times: Any = None,
) -> Funnel:
    """Split the step into ``stage`` into smaller steps with the same overall rate.

    The step into ``stage`` (rate ``p``, from the stage before it) becomes the steps
    into each new stage of ``steps`` (in order, with the rates given) and a last step
    into ``stage`` with rate ``p / prod(steps)``, so the product is ``p`` again and
    every stage's reach is unchanged: splitting alone changes no conversion. What it
    changes is what can be handled step by step (see the module docstring, and
    :func:`compare_pipelines` with a :class:`Nurture` track).

    Parameters
    ----------
    funnel : Funnel
        Any funnel.
    stage : str
        The stage whose incoming step is split (not the first stage); by exact name or
        keyword form, as :meth:`Funnel.index`.
    steps : mapping of str to float
        The new intermediate stages, in order, with their step rates in (0, 1]. Their
        product must be at least ``p`` (the last step's rate cannot exceed 1).
    times : number, TimeInStage or mapping of str to either, optional
        Time spent in the new stages (a number means fixed), in the funnel's time unit:
        one value for every new stage, or a mapping by new stage name (stages left out
        take 0). Default 0, so that the time to reach ``stage`` is unchanged too.

    Returns
    -------
    Funnel
        The funnel with ``len(steps)`` more stages, named like ``funnel``.

    Raises
    ------
    TypeError
        If ``steps`` is not a mapping or a rate is not a number.
    ValueError
        If ``stage`` is unknown or the first stage, ``steps`` is empty, a new name is
        already a stage of the funnel, a rate is outside (0, 1], the rates multiply to
        less than ``p``, or ``times`` names a stage that is not new.

    Examples
    --------
    >>> import funnelsim as fs
    >>> f = fs.Funnel.from_rates({"Sign-up": 1, "First report": 0.3})
    >>> g = split_step(f, "First report", {"Profile": 0.8, "Data connected": 0.6})
    >>> [round(float(r), 4) for r in g.rates]
    [1.0, 0.8, 0.6, 0.625]
    >>> round(float(g.reach[-1]), 12) == round(float(f.reach[-1]), 12)
    True
    """
    import dataclasses

    from funnelsim.model import Stage

    funnel = check_funnel(funnel)
    k = funnel.index(stage)
    if k == 0:
        raise ValueError(
            f"stage must not be the first stage {funnel.names[0]!r}: no step leads into it"
        )
    if not isinstance(steps, Mapping):
        raise TypeError(f"steps must be a mapping of new stage name to rate, got {steps!r}")
    if not steps:
        raise ValueError("steps must name at least one new stage, got an empty mapping")
    clash = [n for n in steps if n in funnel.names]
    if clash:
        raise ValueError(f"steps must name new stages, but {clash[0]!r} is already in the funnel")
    rates = {}
    for name, rate in steps.items():
        rates[name] = check_real(f"rate for step {name!r}", rate, low=0.0, high=1.0, low_open=True)
    if times is None:
        times = {}
    elif not isinstance(times, Mapping):
        times = dict.fromkeys(steps, times)
    unknown = [n for n in times if n not in steps]
    if unknown:
        raise ValueError(f"times must name new stages of steps, got {unknown[0]!r}")
    p = funnel.stages[k].rate
    product = float(np.prod(list(rates.values())))
    last = p / product
    if last > 1 + 1e-12:
        raise ValueError(
            f"the rates of steps multiply to {product:.4g}, below the rate {p:.4g} of the step "
            f"into {funnel.names[k]!r}: the last step would need a rate of {last:.4g} > 1"
        )
    new = [Stage(n, r, times.get(n, 0.0)) for n, r in rates.items()]
    target = dataclasses.replace(funnel.stages[k], rate=min(1.0, last))
    stages = (*funnel.stages[:k], *new, target, *funnel.stages[k + 1 :])
    return dataclasses.replace(funnel, stages=stages)


def compare_pipelines(variants: Mapping[str, Any], leads: int) -> pd.DataFrame:
    """Exact win rates of several pipelines side by side (no simulation).

    Parameters
    ----------
    variants : mapping of str to Funnel or (Funnel, Nurture or None)
        Named pipelines: a funnel alone (no nurture) or a funnel with its nurture track.
    leads : int
        Leads entering each pipeline, >= 0.

    Returns
    -------
    DataFrame
        One row per variant, in the order given: ``variant, stages`` (how many),
        ``win_rate`` (probability that a lead is won, from :func:`expected_pipeline`),
        ``won`` (expected leads won), ``sd_won`` (its binomial standard deviation) and
        ``change`` (``win_rate`` minus the first variant's, in [-1, 1]).

    Raises
    ------
    TypeError, ValueError
        For an empty mapping, a value that is not a funnel or a (funnel, nurture)
        pair, or a bad ``leads``.

    Examples
    --------
    >>> import funnelsim as fs
    >>> f = fs.Funnel.from_rates({"Sign-up": 1, "Active": 0.3})
    >>> table = compare_pipelines({"plain": f, "nurtured": (f, Nurture(0.5, max_rounds=1))}, 100)
    >>> table["win_rate"].round(3).tolist()
    [0.3, 0.405]
    """
    if not isinstance(variants, Mapping) or not variants:
        raise ValueError(
            f"variants must be a non-empty mapping of name to pipeline, got {variants!r}"
        )
    n = check_int("leads", leads, low=0)
    rows = []
    for name, value in variants.items():
        funnel, nurture = (value, None) if isinstance(value, Funnel) else _pair(name, value)
        win = float(expected_pipeline(funnel, n, nurture)["probability"].iloc[0])
        rows.append(
            {
                "variant": str(name),
                "stages": len(funnel),
                "win_rate": win,
                "won": n * win,
                "sd_won": float(np.sqrt(n * win * (1 - win))),
            }
        )
    table = pd.DataFrame(rows)
    table["change"] = table["win_rate"] - table["win_rate"].iloc[0]
    return table


def _pair(name: Any, value: Any) -> tuple[Funnel, Nurture | None]:
    if not isinstance(value, tuple) or len(value) != 2:
        raise TypeError(
            f"variant {name!r} must be a Funnel or a (Funnel, Nurture) pair, got {value!r}"
        )
    return check_funnel(value[0]), _check_nurture(value[1])


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
    #: The int that repeats the run when passed back as ``seed=``; None when no int does
    #: (a Generator that was used or spawned; see :func:`funnelsim._random.seed_entropy`).
    seed: int | None

    @property
    def n_leads(self) -> int:
        """Number of leads simulated."""
        return len(self.leads)

    @property
    def win_rate(self) -> float:
        """Share of leads won."""
        won = int((self.leads["outcome"] == "won").sum())
        return won / len(self.leads) if len(self.leads) else float("nan")

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


@positional_seed
def simulate_pipeline(
    funnel: Funnel, leads: int, *, seed: Any = None, nurture: Nurture | None = None
) -> PipelineResult:
    """Run ``leads`` leads through ``funnel`` with a nurture track; no lead is lost from view.

    Parameters
    ----------
    funnel : Funnel
        Any funnel; extended ones with ``Funnel.from_rates``.
    leads : int
        Leads entering the first stage.
    seed : int, numpy.random.Generator, SeedSequence or None
        The only source of randomness, keyword-only (by position it still works
        for one more release, with a ``DeprecationWarning``).
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
    funnel = check_funnel(funnel)
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


#: Names that moved to :mod:`funnelsim.sensitivity_analysis` (kept here for one release).
_MOVED = ("bottleneck", "fix_first", "sensitivity")


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        import warnings

        from funnelsim import sensitivity_analysis

        warnings.warn(
            f"funnelsim.pipeline.{name} moved to funnelsim.sensitivity_analysis.{name} "
            f"(also funnelsim.{name}); the old path will be removed in the next release",
            FunnelsimDeprecationWarning,
            stacklevel=2,
        )
        return getattr(sensitivity_analysis, name)
    raise AttributeError(f"module 'funnelsim.pipeline' has no attribute {name!r}")
