"""funnelsim._format: amounts as a student reads them, a negative one as "−$106", never "$-106".

The minus goes in front of the currency sign (the minus sign U+2212 d3-format prints on
every Vega axis), whether the text comes from :func:`money` (the course's amounts) or from
a card's ``str.format`` template (:func:`formatted`, the explorers' metrics).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import altair as alt
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from funnelsim import charts
from funnelsim._format import formatted, money
from funnelsim.widgets import specs

SRC = Path(__file__).resolve().parents[1] / "src" / "funnelsim"
amounts = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)


def test_negative_money_has_its_sign_before_the_currency() -> None:
    assert money(-106) == "−$106.00"
    assert money(-106, digits=0) == "−$106"
    assert money(-32_051.4) == "−$32,051"
    assert money(-0.001) == "$0.00"  # rounds to zero: no sign
    assert money(-math.inf) == "−$∞"
    assert money(-106, "€", digits=0) == "−€106"


def test_money_digits() -> None:
    assert money(500, digits=0) == "$500"
    assert money(1234.5, digits=2) == "$1,234.50"
    assert money(48.07692) == "$48.08"  # the default: cents below 1,000
    with pytest.raises(ValueError, match=r"digits must be a whole number >= 0 or None, got -1"):
        money(5, digits=-1)
    with pytest.raises(ValueError, match=r"digits must be .* got 1\.5"):
        money(5, digits=1.5)  # type: ignore[arg-type]


@given(amounts)
def test_money_is_the_amount_of_its_opposite_with_a_minus(x: float) -> None:
    text = money(x)
    assert "$-" not in text and "-" not in text
    positive = money(abs(x))
    assert text == (positive if x >= 0 or positive in {"$0.00", "$0"} else f"−{positive}")


@given(amounts, st.sampled_from(["${:,.0f}", "${:,.2f}", "{:,.1f} pp", "{:.0%}"]))
def test_formatted_puts_the_sign_in_front_of_the_unit(x: float, template: str) -> None:
    text = formatted(template, x)
    assert "-" not in text
    magnitude = template.format(abs(x))
    assert text in {magnitude, f"−{magnitude}"}
    assert text.startswith("−") == (x < 0 and magnitude != template.format(0.0))


def test_formatted_examples() -> None:
    assert formatted("${:,.0f}", -106.4) == "−$106"
    assert formatted("${:,.2f}", 1234.5) == "$1,234.50"
    assert formatted("{:.1%}", -0.052) == "−5.2%"
    assert formatted("${:,.0f}", -0.4) == "$0"


def _metrics() -> list[specs.Metric]:
    found = [m for v in vars(specs).values() if isinstance(v, tuple) for m in v]
    return [m for m in found if isinstance(m, specs.Metric)]


def test_every_money_card_of_the_explorers_reads_minus_dollar() -> None:
    money_cards = [m for m in _metrics() if m.fmt.startswith("$")]
    assert len(money_cards) >= 5, [m.name for m in _metrics()]
    for metric in money_cards:  # e.g. LTV − CAC below zero: a customer who never pays back
        text = metric.format(-106.0)
        assert text.startswith("−$106"), (metric.name, text)


def test_a_d3_money_format_on_a_vega_axis_prints_minus_dollar() -> None:
    # What a chart's axis or label does with a money format (d3-format, through vl-convert).
    frame = pd.DataFrame({"x": [0, 1], "profit": [-106.0, 250.0]})
    chart = (
        alt.Chart(frame)
        .mark_text()
        .encode(
            x="x:Q",
            y=alt.Y("profit:Q", axis=alt.Axis(format="$,.0f")),
            text=alt.Text("profit:Q", format="$,.0f"),
        )
    )
    svg = charts.to_svg(chart)
    assert ">−$106<" in svg
    assert "$-" not in svg and "$−" not in svg


def test_no_source_writes_a_dollar_before_a_formatted_number() -> None:
    # f"${x:,.0f}" prints "$-106" for a negative x: amounts go through _format.money.
    pattern = re.compile(r"""\$\{[A-Za-z_][^}]*\}|["']\$["']\s*\+""")
    offenders = [
        f"{path.relative_to(SRC)}:{n}: {line.strip()}"
        for path in sorted(SRC.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert not offenders, offenders
