import numpy as np
import pytest

from funnelsim._random import as_generator, seed_entropy, spawn


def test_int_seed_matches_default_rng():
    assert as_generator(5).random() == np.random.default_rng(5).random()


def test_generator_is_used_as_is():
    g = np.random.default_rng(1)
    assert as_generator(g) is g


def test_none_draws_fresh_entropy_that_reproduces_the_stream():
    g = as_generator(None)
    entropy = seed_entropy(g)
    assert isinstance(entropy, int)
    assert as_generator(entropy).random(3).tolist() == g.random(3).tolist()


def test_seed_sequence_is_accepted():
    seq = np.random.SeedSequence(9)
    assert as_generator(seq).random() == np.random.default_rng(9).random()


def test_spawned_streams_are_independent_and_reproducible():
    a = [g.random() for g in spawn(as_generator(3), 4)]
    b = [g.random() for g in spawn(as_generator(3), 4)]
    assert a == b
    assert len(set(a)) == 4
    assert seed_entropy(spawn(as_generator(3), 1)[0]) is None


@pytest.mark.parametrize(
    ("seed", "error", "pattern"),
    [
        (
            "42",
            TypeError,
            r"seed must be an int, a numpy Generator, a SeedSequence or None, got '42' \(str\)",
        ),
        (1.5, TypeError, r"got 1.5 \(float\)"),
        (True, TypeError, r"seed must be an int, a numpy Generator or None, got True \(bool\)"),
        (-3, ValueError, r"seed must be a non-negative integer, got -3"),
        (np.random.RandomState(1), TypeError, r"\(RandomState\)"),
    ],
)
def test_bad_seeds(seed, error, pattern):
    with pytest.raises(error, match=pattern):
        as_generator(seed)
