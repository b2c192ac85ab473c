"""The sensitivity explorer on any funnel (funnelsim.widgets.sensitivity)."""

from __future__ import annotations

from pathlib import Path

import pytest

import funnelsim as fs

SALES = fs.Funnel.from_rates({"Lead": 1, "Qualified": 0.3, "Demo booked": 0.5, "Deal": 0.4})


def test_sensitivity_explorer_takes_any_funnel() -> None:
    from funnelsim.sensitivity_analysis import sensitivity
    from funnelsim.widgets import SensitivityExplorer

    ex = SensitivityExplorer(funnel=SALES, threaded=False, buyers=1000)
    try:
        assert set(ex.values) == {"qualified", "demo_booked", "deal", "delta", "buyers"}
        frame = sensitivity(SALES, delta=0.05, buyers=1000)
        assert ex.metrics["customers"] == pytest.approx(frame["base"].iloc[0])
        assert ex.metrics["swing"] == pytest.approx(frame["swing"].max())
        spec = ex.chart().to_dict()
        assert "Fix Qualified first" in spec["title"]
        ex.control("qualified").value = 0.9
        assert "Fix Deal first" in ex.chart().to_dict()["title"]
        assert ex.metrics["customers"] == pytest.approx(1000 * 0.9 * 0.5 * 0.4)
    finally:
        ex.close()


def test_the_default_is_still_the_aaarrr_funnel() -> None:
    from funnelsim.widgets import SensitivityExplorer

    ex = SensitivityExplorer(threaded=False)
    try:
        assert {"acquisition", "referral", "delta", "buyers"} <= set(ex.values)
        assert ex.metrics["customers"] == pytest.approx(10_000 * fs.aaarrr().reach[-1])
    finally:
        ex.close()


def test_bad_funnels_are_refused_with_the_reason() -> None:
    from funnelsim.widgets import SensitivityExplorer

    with pytest.raises(ValueError, match="either funnel= or scenario="):
        SensitivityExplorer(funnel=SALES, scenario="b2c_referral", threaded=False)
    with pytest.raises(ValueError, match="stage 'Buyers' would share its slider name"):
        SensitivityExplorer(funnel=fs.Funnel.from_rates({"A": 1, "Buyers": 0.5}), threaded=False)
    with pytest.raises(ValueError, match="at least 2 stages, got 1"):
        SensitivityExplorer(funnel=fs.Funnel.from_rates({"A": 1}), threaded=False)


def test_without_a_file_the_customers_are_the_last_stage_and_the_card_says_so() -> None:
    from funnelsim.widgets import SensitivityExplorer

    funnel = fs.Funnel.from_rates({"Lead": 1, "Demo": 0.5, "Won": 0.2})
    ex = SensitivityExplorer(funnel=funnel, threaded=False, buyers=1000)
    try:
        assert ex.metrics["customers"] == pytest.approx(1000 * 0.5 * 0.2)
        (card,) = [m for m in ex._metric_specs if m.name == "customers"]
        assert card.label == "Customers (base): Won"
    finally:
        ex.close()


def test_a_failed_load_keeps_the_customer_stage(tmp_path: Path) -> None:
    from funnelsim.widgets import SensitivityExplorer

    ex = SensitivityExplorer(scenario="b2c_referral", threaded=False)
    try:
        ex.load(tmp_path / "missing.toml")
        assert ex._customer_stage == "Revenue"
        assert "Customers (base): Revenue" in ex._metrics_html(ex.outcome, None)
    finally:
        ex.close()
