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
    """The entropy that seeded ``rng`` (the int to pass as ``seed`` to repeat a run).

    ``None`` when ``rng`` is a spawned child, whose stream the entropy alone
    does not reproduce.
    """
    seq = rng.bit_generator.seed_seq
    if isinstance(seq, np.random.SeedSequence) and not seq.spawn_key:
        entropy = seq.entropy
        return int(entropy) if isinstance(entropy, numbers.Integral) else None
    return None
