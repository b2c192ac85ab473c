"""Positioning as the market fills up: a small teaching model of B2B positioning strategies.

The practitioner material on B2B positioning lists five strategies and says which one to
choose by how crowded the market is: stake on the **key choice factors** while the market
is young; when strong players hold them, take **relative advantages** (a niche); then
**re-educate the client** ("real experts choose by X"); then a **unique technical
feature**; and **price and channels** for whoever is left. This module turns that rule of
thumb into a model a student can run and question. It is a *teaching model*, not an
estimate of any real market:

* Buyers pick a supplier for one main reason, one of the five claims. ``appeal[s]`` is the
  share of all buyers for whom claim *s* decides (the claims' buyer pools).
* Firms enter one at a time and each stakes on one claim. Within a claim the buyers split
  by credibility: the *j*-th firm to take the claim (``j = 0`` first) has weight
  ``incumbency ** j``, so earlier holders keep more (a first-mover advantage; with
  ``incumbency = 1`` the pool splits equally).
* A newcomer that joins claim *s* held by ``n_s`` firms expects the share of the market

  ``payoff_s = appeal_s · incumbency**n_s / (1 + incumbency + … + incumbency**n_s)``

  and picks the claim with the largest payoff as it **perceives** it: the true payoff
  times ``exp(noise · Z)``, ``Z`` standard normal, one draw per claim and entrant (a
  firm misjudging the market). With ``noise = 0`` every entrant picks the best claim
  (ties go to the earlier claim in the list).

With ``incumbency = 1`` and no noise the entrants fill the claims exactly as the
D'Hondt highest-averages rule allocates seats to parties by votes (each new seat to
the largest ``votes / (seats + 1)``), which the tests use as a closed form. The model
shows the sources' point, the best claim for a newcomer moves down the list as the
market fills, and also where it is too simple: a claim is never "full", so a late
entrant may still do better on the key factors than on price.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from funnelsim._random import as_generator, seed_entropy
from funnelsim._validation import check_int, check_real, check_real_array

__all__ = [
    "DEFAULT_APPEAL",
    "POSITIONING_STRATEGIES",
    "newcomer_payoffs",
    "simulate_positioning",
]

#: The five B2B positioning strategies of the practitioner material, in the order the
#: material recommends them as a market fills up.
POSITIONING_STRATEGIES = (
    "key choice factors",
    "relative advantages",
    "re-educating the client",
    "unique technical feature",
    "price and channels",
)
#: Default share of buyers for whom each claim decides (sums to 1); illustrative values.
DEFAULT_APPEAL = (0.45, 0.25, 0.15, 0.10, 0.05)


def _check_appeal(appeal: Any) -> np.ndarray:
    arr = check_real_array("appeal", appeal, low=0.0)
    arr = np.atleast_1d(np.asarray(arr, dtype=float))
    if arr.ndim != 1 or arr.size != len(POSITIONING_STRATEGIES):
        raise ValueError(
            f"appeal must give one share per strategy ({len(POSITIONING_STRATEGIES)}: "
            f"{list(POSITIONING_STRATEGIES)}), got {appeal!r}"
        )
    if arr.sum() <= 0:
        raise ValueError(f"appeal must have at least one share > 0, got {appeal!r}")
    return arr


def newcomer_payoffs(
    occupants: Sequence[int] | np.ndarray,
    *,
    appeal: Sequence[float] | np.ndarray = DEFAULT_APPEAL,
    incumbency: float = 0.5,
) -> np.ndarray:
    """The share of the market a newcomer expects from each claim, given who holds them.

    Parameters
    ----------
    occupants : sequence of 5 ints
        Firms already staking on each strategy of :data:`POSITIONING_STRATEGIES`, >= 0.
    appeal : sequence of 5 floats
        Share of buyers for whom each claim decides, >= 0 (not necessarily summing to 1).
    incumbency : float
        Weight of each later holder of a claim relative to the one before, in (0, 1];
        1 splits a claim's buyers equally.

    Returns
    -------
    ndarray, shape (5,)
        ``appeal_s · incumbency**n_s / Σ_{j=0..n_s} incumbency**j`` for each strategy
        (the module docstring's teaching model; with ``incumbency = 1``,
        ``appeal_s / (n_s + 1)``, the D'Hondt quotient).

    Raises
    ------
    ValueError
        For a negative or non-whole occupant count, a wrong number of values, or an
        incumbency outside (0, 1].

    Examples
    --------
    >>> newcomer_payoffs([0, 0, 0, 0, 0]).tolist()   # an empty market: the appeal itself
    [0.45, 0.25, 0.15, 0.1, 0.05]
    >>> round(float(newcomer_payoffs([1, 0, 0, 0, 0])[0]), 4)   # 0.45 · 0.5 / 1.5
    0.15
    """
    share = _check_appeal(appeal)
    d = check_real("incumbency", incumbency, low=0.0, high=1.0, low_open=True)
    n = np.asarray(check_real_array("occupants", occupants, low=0.0), dtype=float)
    n = np.atleast_1d(n)
    if n.shape != share.shape:
        raise ValueError(
            f"occupants must give one count per strategy ({share.size}), got {occupants!r}"
        )
    if np.any(n != np.round(n)):
        raise ValueError(f"occupants must be whole numbers of firms, got {occupants!r}")
    weights = d**n
    total = n + 1 if d == 1.0 else (1 - d ** (n + 1)) / (1 - d)  # Σ_{j=0..n} d^j
    return np.asarray(share * weights / total, dtype=float)


def simulate_positioning(
    entrants: int,
    *,
    appeal: Sequence[float] | np.ndarray = DEFAULT_APPEAL,
    incumbency: float = 0.5,
    noise: float = 0.0,
    seed: Any = None,
) -> pd.DataFrame:
    """Firms enter a market one at a time; each stakes on the claim that looks best.

    Parameters
    ----------
    entrants : int
        Firms entering, one after another, >= 1 (at most 10,000).
    appeal : sequence of 5 floats
        Share of buyers for whom each claim of :data:`POSITIONING_STRATEGIES` decides.
    incumbency : float
        Credibility weight of each later holder of a claim, in (0, 1] (see
        :func:`newcomer_payoffs`).
    noise : float
        Spread of each firm's misjudgement, >= 0: a firm sees each payoff times
        ``exp(noise · Z)``, ``Z`` standard normal. 0: every firm picks the best claim.
    seed : int, numpy.random.Generator, SeedSequence or None
        The only source of randomness (used when ``noise > 0``), keyword-only.

    Returns
    -------
    DataFrame
        One row per entrant, in order of entry: ``entrant`` (1, 2, ...),
        ``firms_before`` (firms already in the market), ``strategy`` (the claim chosen),
        ``rank`` (its position 1-5 in :data:`POSITIONING_STRATEGIES`), ``holders_before``
        (firms already on that claim), ``payoff`` (the share of all buyers the newcomer
        expects from it, :func:`newcomer_payoffs`), ``best`` and ``best_payoff`` (the
        claim a firm with no misjudgement would choose, and its payoff) and
        ``misjudged`` (``strategy != best``). ``frame.attrs["seed"]`` holds the seed
        that repeats the run.

    Raises
    ------
    ValueError, TypeError
        For bad sizes, shares, incumbency, noise or seed, naming the parameter.
    """
    n = check_int("entrants", entrants, low=1, high=10_000)
    share = _check_appeal(appeal)
    d = check_real("incumbency", incumbency, low=0.0, high=1.0, low_open=True)
    spread = check_real("noise", noise, low=0.0)
    rng = as_generator(seed)
    recorded = seed_entropy(rng)
    names = POSITIONING_STRATEGIES
    occupants = np.zeros(len(names), dtype=int)
    rows = []
    for i in range(n):
        payoff = newcomer_payoffs(occupants, appeal=share, incumbency=d)
        best = int(np.argmax(payoff))  # ties: the earlier strategy
        if spread > 0:
            seen = payoff * np.exp(spread * rng.standard_normal(len(names)))
            chosen = int(np.argmax(seen))
        else:
            chosen = best
        rows.append(
            {
                "entrant": i + 1,
                "firms_before": i,
                "strategy": names[chosen],
                "rank": chosen + 1,
                "holders_before": int(occupants[chosen]),
                "payoff": float(payoff[chosen]),
                "best": names[best],
                "best_payoff": float(payoff[best]),
                "misjudged": chosen != best,
            }
        )
        occupants[chosen] += 1
    frame = pd.DataFrame(rows)
    frame.attrs["seed"] = recorded
    return frame
