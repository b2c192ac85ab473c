"""The Beckhard explorer, driven headlessly."""

from __future__ import annotations

import pytest

from funnelsim.b2b import beckhard_probability
from funnelsim.widgets import BeckhardExplorer
from funnelsim.widgets.beckhard import beckhard_metrics


def test_metrics_follow_the_formula() -> None:
    values = {"dissatisfaction": 2e6, "vision": 0.5, "first_steps": 0.5, "cost": 1e6}
    values["steepness"] = 2
    m = beckhard_metrics(values)
    assert m["benefit"] == pytest.approx(5e5)
    assert m["ratio"] == pytest.approx(0.5)
    assert m["passes"] == 0.0
    assert m["probability"] == pytest.approx(0.2)  # r = 1/2: 0.25 / 1.25
    assert m["fair_price"] == pytest.approx(0.35 * 1e6)


def test_moving_a_factor_to_zero_kills_the_deal() -> None:
    ex = BeckhardExplorer(threaded=False)
    try:
        assert ex.metrics["ratio"] == pytest.approx(2.0)
        assert ex.metrics["probability"] == pytest.approx(0.8)
        assert "P(buy) = 80%" in ex.svg
        ex.control("first_steps").value = 0.0
        assert ex.metrics["probability"] == 0.0
        assert ex.metrics["passes"] == 0.0
        assert "no deal at any price" in ex.svg
        ex.set_values(first_steps=0.8, cost=1_200_000)  # A·B·D = X: the rule fails
        assert ex.metrics["passes"] == 0.0
        assert ex.metrics["probability"] == pytest.approx(0.5)
        p = beckhard_probability(2.5e6, 0.6, 0.8, 1.2e6, steepness=2.0)
        assert ex.metrics["probability"] == pytest.approx(p)
        assert ex.summary() == "BeckhardExplorer: A·B·D ÷ X = 1.00, P(buy) = 50%"
    finally:
        ex.close()


def test_unknown_or_out_of_range_values_are_refused() -> None:
    with pytest.raises(TypeError, match=r"BeckhardExplorer has no control\(s\) \['price'\]"):
        BeckhardExplorer(price=3, threaded=False)
    message = r"vision \(B: share of loss removed\) must be in \[0, 1\], got 2"
    with pytest.raises(ValueError, match=message):
        BeckhardExplorer(vision=2, threaded=False)
