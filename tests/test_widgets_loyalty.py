"""The loyalty-card explorer, driven headlessly."""

from __future__ import annotations

import pytest

import funnelsim as fs
from funnelsim.widgets import LoyaltyCardExplorer
from funnelsim.widgets.loyalty import loyalty_metrics


def test_metrics_match_first_purchase_threshold() -> None:
    table = fs.first_purchase_threshold(fs.load_cdnow(), 30.0).set_index("group")
    m = loyalty_metrics(30)
    assert m["admitted"] == pytest.approx(table.loc["admitted", "share_of_customers"])
    assert m["excluded_later"] == pytest.approx(table.loc["not admitted", "share_of_later_revenue"])
    assert m["excluded_repeat"] == pytest.approx(table.loc["not admitted", "repeat_rate"])


def test_zero_threshold_admits_everyone_and_off_grid_is_refused() -> None:
    assert loyalty_metrics(0)["admitted"] == pytest.approx(1.0)
    assert loyalty_metrics(0)["excluded_later"] == pytest.approx(0.0)
    with pytest.raises(ValueError, match=r"in \[0, 150\] dollars, got 200"):
        loyalty_metrics(200)
    table = fs.first_purchase_threshold(fs.load_cdnow(), 33.0).set_index("group")
    assert loyalty_metrics(33)["admitted"] == pytest.approx(
        table.loc["admitted", "share_of_customers"]
    )


def test_moving_the_threshold_up_admits_fewer() -> None:
    ex = LoyaltyCardExplorer(threaded=False)
    try:
        at_50 = ex.metrics["admitted"]
        assert "A $50 card admits" in ex.svg
        ex.control("threshold").value = 100
        assert ex.metrics["admitted"] < at_50
        assert ex.summary().startswith("LoyaltyCardExplorer: card admits")
    finally:
        ex.close()
