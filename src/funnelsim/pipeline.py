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

Which stage to fix first (``bottleneck``, ``sensitivity``, ``fix_first``)
applies to any funnel and lives in :mod:`funnelsim.sensitivity_analysis`; the
old names here keep working for one release with a ``DeprecationWarning``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from funnelsim._deprecation import positional_seed
from funnelsim._random import as_generator, seed_entropy
from funnelsim._validation import check_int, check_probability, check_real
from funnelsim.model import Funnel, TimeInStage, check_funnel

__all__ = ["Nurture", "PipelineResult", "expected_pipeline", "simulate_pipeline"]

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
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(sensitivity_analysis, name)
    raise AttributeError(f"module 'funnelsim.pipeline' has no attribute {name!r}")
