"""Shared fixtures and hypothesis profiles.

The "ci" profile (used when the CI environment variable is set) runs more
examples with no deadline, since the 2-core CI machine is shared and noisy, and
derandomizes hypothesis: CI draws the same examples on every run, so a
statistical property checked within a few standard errors cannot fail by chance
on one run and pass on the next. The "dev" profile keeps exploring new examples.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def rng() -> np.random.Generator:
    """A fixed-seed generator for test data (not for the code under test's own draws)."""
    return np.random.default_rng(20261122)
