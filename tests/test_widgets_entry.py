"""A typed value reaches a log slider exactly (issue 8: a student typing CAC 55 did not get 55)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funnelsim.economics import unit_economics
from funnelsim.widgets import EconomicsExplorer, GrowthExplorer
from funnelsim.widgets._entry import parse_typed
from funnelsim.widgets.specs import ECONOMICS_CONTROLS, Control

CAC = next(c for c in ECONOMICS_CONTROLS if c.name == "cac")


@pytest.fixture(scope="module")
def econ() -> Iterator[EconomicsExplorer]:
    ex = EconomicsExplorer(threaded=False)
    yield ex
    ex.close()


def entry(ex: Any, name: str) -> Any:
    """The typed-value box beside control ``name``'s slider."""
    rows = [r for r in ex._sections_box.children if getattr(r, "entry", None) is not None]
    (box,) = [r.entry for r in rows if f"fs-entry-{name}" in r.entry._dom_classes]
    return box


def card(ex: Any, name: str) -> str:
    html = ex._metrics.value
    start = html.index(f"data-metric='{name}'")
    value = html.index("class='fs-value'", start)
    return html[html.index(">", value) + 1 : html.index("</div>", value)]


def test_a_typed_cac_is_used_exactly_by_the_card_and_unit_economics(econ) -> None:
    box = entry(econ, "cac")
    assert box.value == "300"  # the box shows the slider's value
    box.value = "55"
    v = econ.values
    assert v["cac"] == 55
    assert econ.control("cac").value == 55  # the slider holds it (an off-grid value)
    assert econ.metrics["cac"] == 55
    assert card(econ, "cac") == "$55"
    want = unit_economics(v["arpu"], v["margin"], v["churn"], cac=55, discount=v["discount"])
    assert econ.outcome.economics.cac == 55
    assert econ.metrics["ltv_cac"] == want.ltv_to_cac
    assert econ.metrics["payback"] == want.payback
    assert box.value == "55"


def test_a_typed_value_may_carry_a_currency_sign_and_separators(econ) -> None:
    entry(econ, "cac").value = "$1,250"
    assert econ.values["cac"] == 1250
    assert entry(econ, "cac").value == "1,250"


def test_a_moved_slider_shows_in_the_box(econ) -> None:
    econ.control("cac").value = 150.0
    assert entry(econ, "cac").value == "150"
    econ.set_values(arpu=42.5)
    assert entry(econ, "arpu").value == "42.50"  # as the slider's readout shows it


def test_a_loaded_value_shows_rounded_and_stays_exact(econ) -> None:
    # Issue 8: a file's CAC of 48.100048... showed as "48.1000481" before anything was typed.
    cac = 100_000 / 2079.0  # 48.100048100048...
    econ.set_values(cac=cac)
    box = entry(econ, "cac")
    assert box.value == "48.10"
    assert econ.control("cac").label == "48.10"  # the slider's readout says the same
    assert econ.values["cac"] == cac  # the value is not rounded, only its text
    box.value = "48.1234"  # typed: every digit kept, in the box and in the model
    assert econ.values["cac"] == 48.1234 and box.value == "48.1234"
    econ.set_values(cac=cac)  # set again from outside: rounded again
    assert box.value == "48.10" and econ.values["cac"] == cac


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5", r"cac \(CAC \(\$ per customer\)\) must be in \[10, 200000\], got 5\.0"),
        ("abc", r"cac \(CAC \(\$ per customer\)\): type a number, got 'abc'"),
        ("", r"type a number, got ''"),
        ("nan", r"cac .* got nan"),
    ],
)
def test_a_bad_typed_value_is_refused_with_the_reason(econ, text: str, message: str) -> None:
    econ.set_values(cac=300)
    box = entry(econ, "cac")
    box.value = text
    assert econ.values["cac"] == 300  # unchanged, not clipped
    assert box.value == "300"  # the box shows the slider's value again
    import html
    import re

    status = html.unescape(econ._status.value)
    assert status.count("Not set: ") == 1
    assert re.search(message, status), status
    with pytest.raises(ValueError, match=message):
        parse_typed(CAC, text)


def test_the_log_grid_has_round_steps() -> None:
    options = CAC.options()
    for v in (10, 15, 20, 25, 30, 40, 50, 60, 70, 80, 90, 100, 150, 250, 300, 1_500, 200_000):
        assert v in options
    # at most about a third of a step from one value to the next (50 → 60 is 20 %)
    ratios = [b / a for a, b in itertools.pairwise(options)]
    assert max(ratios) <= 1.5 + 1e-12
    # a whole-number control steps through whole numbers only
    buyers = Control("b", "B", 1, 1_000, 1, 10, integer=True, scale="log")
    assert buyers.options()[:6] == [1, 2, 3, 4, 5, 6]
    assert len(set(buyers.options())) == len(buyers.options())


def test_a_typed_whole_number_control_takes_whole_numbers_only() -> None:
    ex = GrowthExplorer(threaded=False, periods=6)
    try:
        box = entry(ex, "market_size")
        box.value = "1,234,567"
        assert ex.values["market_size"] == 1_234_567
        assert ex.outcome.values["market_size"] == 1_234_567  # the run used it
        box.value = "25000.5"
        assert ex.values["market_size"] == 1_234_567
        assert "must be a whole number, got 25000.5" in ex._status.value.replace("&#x27;", "'")
        # a slider the loaded file holds cannot be typed into either
        ex.control("market_size").disabled = True
        assert box.disabled
    finally:
        ex.close()


@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=CAC.min, max_value=CAC.max, allow_nan=False))
def test_any_value_in_range_is_taken_exactly(econ, value: float) -> None:
    assert parse_typed(CAC, repr(value)) == value
    assert parse_typed(CAC, f"${value:,}") == value
    box = entry(econ, "cac")
    box.value = f"{value:,.6f}"
    typed = float(f"{value:.6f}")
    assert econ.values["cac"] == typed == econ.metrics["cac"] == econ.outcome.economics.cac
    assert float(box.value.replace(",", "")) == typed  # the box shows what was typed
