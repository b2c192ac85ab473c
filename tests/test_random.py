from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
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


# -- the recorded seed reproduces the run, on every result type --------------------------


def _runs() -> dict[str, Any]:
    from funnelsim import b2b, engine, growth, pipeline, referral, retention, scoring
    from funnelsim.model import aaarrr, trigger_learn_try_buy

    tltb = trigger_learn_try_buy()
    return {
        "SimulationResult": lambda seed: engine.simulate(aaarrr(), 500, seed=seed, events=True),
        "SimulationResult (replications)": lambda seed: engine.simulate(
            aaarrr(), 200, seed=seed, replications=3, mode="counts"
        ),
        "ReferralResult": lambda seed: referral.simulate_referrals(
            50, 2.0, 0.3, replications=2, seed=seed
        ),
        "BassResult": lambda seed: referral.simulate_bass(0.03, 0.4, 1000, 8, seed=seed),
        "CohortSimulation": lambda seed: retention.simulate_cohorts(
            retention.ChurnModel.sbg(0.7, 1.2), [300, 200], 4, seed
        ),
        "AccountsResult": lambda seed: b2b.simulate_accounts(200, seed=seed),
        "PipelineResult": lambda seed: pipeline.simulate_pipeline(tltb, 300, seed=seed),
        "BantPipeline": lambda seed: scoring.simulate_bant_pipeline(200, capacity=50, seed=seed),
        "GrowthResult": lambda seed: growth.simulate_growth(
            6, new_leads=200, replications=2, seed=seed
        ),
        "FunnelReferralResult": lambda seed: growth.simulate_funnel_with_referrals(
            aaarrr(), 300, 2.0, 0.3, replications=2, seed=seed
        ),
    }


def _content(result: Any) -> list[Any]:
    """Every field of a result record except the recorded seed, for exact comparison."""
    out = []
    for field in dataclasses.fields(result):
        if field.name == "seed":
            continue
        value = getattr(result, field.name)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            out.extend(_content(value))
        elif isinstance(value, pd.DataFrame | pd.Series):
            # repr: NaN cells compare equal as text
            out.append(
                repr(value.to_dict("list") if isinstance(value, pd.DataFrame) else value.tolist())
            )
        elif isinstance(value, np.ndarray):
            out.append(repr(value.tolist()))
        else:
            out.append(repr(value))
    return out


RESULT_TYPES = sorted(_runs())


@pytest.mark.parametrize("kind", RESULT_TYPES)
@pytest.mark.parametrize("given", ["int", "None", "SeedSequence"])
def test_the_recorded_seed_reproduces_the_run(kind: str, given: str) -> None:
    run = _runs()[kind]
    seed = {"int": 7, "None": None, "SeedSequence": np.random.SeedSequence(11)}[given]
    first = run(seed)
    assert isinstance(first.seed, int)
    again = run(first.seed)
    assert again.seed == first.seed
    assert _content(again) == _content(first)


@pytest.mark.parametrize("kind", RESULT_TYPES)
def test_a_used_generator_records_no_seed(kind: str) -> None:
    run = _runs()[kind]
    rng = np.random.default_rng(7)
    rng.random()  # used: seed=7 would not repeat what follows
    assert run(rng).seed is None
    # an unused default_rng(7) is exactly seed=7, so 7 is honest there
    fresh = run(np.random.default_rng(7))
    assert fresh.seed == 7
    assert _content(fresh) == _content(run(7))


def test_seed_entropy_is_none_whenever_the_int_would_not_repeat_the_stream() -> None:
    assert seed_entropy(np.random.default_rng(7)) == 7
    used = np.random.default_rng(7)
    used.random()
    assert seed_entropy(used) is None
    parent = np.random.default_rng(7)
    parent.spawn(1)  # the next children would differ from seed=7's
    assert seed_entropy(parent) is None
    assert seed_entropy(np.random.Generator(np.random.MT19937(7))) is None
    assert seed_entropy(np.random.default_rng([1, 2])) is None
    assert seed_entropy(np.random.default_rng(np.random.SeedSequence(7, pool_size=8))) is None
