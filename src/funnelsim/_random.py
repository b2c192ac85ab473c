"""The one place where a ``seed`` argument becomes random streams.

Every stochastic entry point takes ``seed: int | SeedSequence | Generator | None``
and calls :func:`as_generator` once; replications get independent children
through ``Generator.spawn`` (which uses ``SeedSequence.spawn``). No global
random state is read or written anywhere in funnelsim.
"""

from __future__ import annotations

import numbers
from typing import Any, TypeAlias

import numpy as np

SeedLike: TypeAlias = int | np.integer | np.random.SeedSequence | np.random.Generator | None

__all__ = ["SeedLike", "as_generator", "seed_entropy", "spawn"]


def as_generator(seed: Any) -> np.random.Generator:
    """Normalise ``seed`` into a ``numpy.random.Generator``.

    ``None`` draws fresh entropy from the OS (recorded in the generator's
    ``SeedSequence``, see :func:`seed_entropy`); an int or a ``SeedSequence``
    seeds a new PCG64 generator; a ``Generator`` is used as it is (and advanced).
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool | np.bool_):
        raise TypeError(f"seed must be an int, a numpy Generator or None, got {seed!r} (bool)")
    if seed is None:
        return np.random.default_rng(np.random.SeedSequence())
    if isinstance(seed, numbers.Integral):
        if int(seed) < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        return np.random.default_rng(int(seed))
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    raise TypeError(
        f"seed must be an int, a numpy Generator, a SeedSequence or None, "
        f"got {seed!r} ({type(seed).__name__})"
    )


def spawn(rng: np.random.Generator, n: int) -> list[np.random.Generator]:
    """``n`` statistically independent child generators of ``rng``."""
    return list(rng.spawn(n))


def seed_entropy(rng: np.random.Generator) -> int | None:
    """The int to pass as ``seed`` to repeat a run that starts from ``rng`` now, or ``None``.

    Call it right after :func:`as_generator`, before any draw. The result
    types record it as their ``seed``, and it must be honest: re-running with
    ``seed=<recorded value>`` reproduces the run exactly. That holds when
    ``rng`` is exactly what ``numpy.random.default_rng(entropy)`` builds:

    * ``seed=int`` — the int itself;
    * ``seed=None`` — the fresh OS entropy (a 128-bit int) drawn for the run;
    * a fresh ``SeedSequence`` or an unused ``default_rng(n)`` Generator — its
      entropy.

    It is ``None`` for everything else, because no int reproduces it: a
    Generator that has already drawn numbers or spawned children (its entropy
    would restart the stream from the beginning), a spawned child (its stream
    depends on its spawn key too), or another bit generator than PCG64 (such as
    ``Generator(MT19937(7))``). To repeat such a run, keep the Generator's
    state yourself (``rng.bit_generator.state``).
    """
    seq = rng.bit_generator.seed_seq
    if not isinstance(seq, np.random.SeedSequence) or seq.spawn_key or seq.n_children_spawned:
        return None
    entropy = seq.entropy
    if not isinstance(entropy, numbers.Integral):
        return None  # a sequence of ints: not one seed
    fresh = np.random.default_rng(int(entropy))
    if fresh.bit_generator.state != rng.bit_generator.state:
        return None  # used already, another bit generator, or another pool size
    return int(entropy)
