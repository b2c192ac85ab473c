"""Shared fixtures, hypothesis profiles, and the order the unit suite runs in.

The "ci" profile (used when the CI environment variable is set) runs more
examples with no deadline, since the 2-core CI machine is shared and noisy, and
derandomizes hypothesis: CI draws the same examples on every run, so a
statistical property checked within a few standard errors cannot fail by chance
on one run and pass on the next. The "dev" profile keeps exploring new examples.

The modules in :data:`FIRST` start processes (a virtualenv, a Jupyter server, a
Sphinx build, the installed command, fresh interpreters) and take the longest. They
run first, each module whole, so that on two xdist workers no long test starts at the
end while the other worker sits idle (longest jobs first). Items keep their order
otherwise, and a module's tests stay together (its module-scoped fixtures are built
once per worker).
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

#: Slowest modules first (measured with --durations: each holds tests of 10-100 s).
FIRST = (
    "test_readme.py",
    "test_make.py",
    "test_public_api.py",
    "test_book.py",
    "test_cli.py",
    "test_widgets_economics.py",
    "test_widgets.py",
    "test_stats_compare.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the modules of :data:`FIRST` first, in that order (a stable sort)."""
    rank = {name: i for i, name in enumerate(FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(FIRST)))


@pytest.fixture
def rng() -> np.random.Generator:
    """A fixed-seed generator for test data (not for the code under test's own draws)."""
    return np.random.default_rng(20261122)
