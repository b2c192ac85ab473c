"""Tests for funnelsim.retention against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from funnelsim.retention import _hyp2f1_unit_a, sbg_derl


def _derl_series(alpha: float, beta: float, d: float, n: int, terms: int = 200_000) -> float:
    """Fader & Hardie's DERL as the raw sum of discounted survival probabilities."""
    t = np.arange(n + 1, n + 1 + terms)
    surv = np.exp(special.betaln(alpha, beta + t) - special.betaln(alpha, beta + n))
    return float(np.sum(surv * np.exp(-(t - n - 1) * np.log1p(d))))


@pytest.mark.parametrize(
    ("alpha", "beta", "d", "n"),
    [(0.704, 1.182, 0.1, 0), (0.704, 1.182, 0.1, 4), (0.668, 3.806, 0.1, 0), (2.0, 5.0, 0.02, 7)],
)
def test_sbg_derl_equals_the_discounted_survival_sum(alpha, beta, d, n) -> None:
    assert sbg_derl(alpha, beta, d, n) == pytest.approx(_derl_series(alpha, beta, d, n), rel=1e-9)


def test_sbg_derl_published_values() -> None:
    # Fader & Hardie (2010), the "regular" segment: alpha=0.704, beta=1.182, d=10 %.
    # DEL (value at acquisition, first payment included) = 2F1(1, beta; alpha+beta; 1/(1+d)).
    alpha, beta, d = 0.704, 1.182, 0.1
    del_ = special.hyp2f1(1, beta, alpha + beta, 1 / (1 + d))
    assert 1 + sbg_derl(alpha, beta, d) / (1 + d) == pytest.approx(del_, rel=1e-12)
    assert sbg_derl(alpha, beta, d) == pytest.approx(2.9647, abs=1e-4)


def test_sbg_derl_without_discount() -> None:
    assert sbg_derl(2.5, 3.0, 0.0) == pytest.approx(3.0 / 1.5)
    assert sbg_derl(2.5, 3.0, 0.0, periods_survived=3) == pytest.approx(6.0 / 1.5)
    assert sbg_derl(0.9, 3.0, 0.0) == math.inf


@pytest.mark.parametrize("scale", [1e2, 1e4, 1e6])
def test_sbg_derl_tends_to_the_geometric_value(scale: float) -> None:
    theta, d = 0.2, 0.1
    expected = (1 - theta) * (1 + d) / (d + theta)
    got = sbg_derl(theta * scale, (1 - theta) * scale, d)
    assert got == pytest.approx(expected, rel=5 / scale)  # the gap shrinks like 1 / scale


def test_sbg_derl_grows_with_tenure() -> None:
    values = [sbg_derl(0.704, 1.182, 0.1, n) for n in range(6)]
    assert np.all(np.diff(values) > 0)


def test_series_fallback_agrees_with_scipy_where_scipy_works() -> None:
    for b, c, z in [(2.182, 2.886, 1 / 1.1), (51.0, 61.0, 0.99), (1.5, 40.0, 0.5)]:
        assert _hyp2f1_unit_a(b, c, z) == pytest.approx(special.hyp2f1(1, b, c, z), rel=1e-10)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"alpha": 0.0}, ValueError, r"alpha must be > 0, got 0.0"),
        ({"beta": -1.0}, ValueError, r"beta must be > 0, got -1.0"),
        ({"discount": -0.1}, ValueError, r"discount must be >= 0, got -0.1"),
        ({"discount": "10%"}, TypeError, r"discount must be a real number"),
        ({"periods_survived": 1.5}, ValueError, r"periods_survived must be a whole number"),
        ({"periods_survived": -1}, ValueError, r"periods_survived must be >= 0, got -1"),
    ],
)
def test_sbg_derl_validation(kwargs, error, match) -> None:
    args = {"alpha": 1.0, "beta": 1.0, "discount": 0.1} | kwargs
    with pytest.raises(error, match=match):
        sbg_derl(**args)
