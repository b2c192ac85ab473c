"""Numbers as a student reads them: counts, money, percentages, ratios and periods.

One module so the command line, the HTML report, scenario highlights and the
explorers' cards say the same thing the same way. Functions elsewhere keep full
precision; only the text is rounded, to what matters for a decision
(``viral_coefficient(3, 0.1)`` is ``0.30000000000000004`` as a float and
``"0.3"`` as text). Anything not finite reads as an en dash (NaN: undefined)
or ``∞``.

Examples
--------
>>> count(1234.0), count(1234.5), money(48.07692), percent(0.0042)
('1,234', '1,234.5', '$48.08', '0.42%')
>>> number(0.1 + 0.2), periods(14, "month"), periods(float("inf"), "month")
('0.3', '14 months', 'never')
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "CSV_FLOAT_FORMAT",
    "DASH",
    "count",
    "money",
    "number",
    "percent",
    "periods",
    "ratio",
    "tidy",
]

#: What an undefined number (NaN, None) reads as.
DASH = "–"
#: ``float_format`` for CSV text: 12 significant digits drop binary noise
#: (0.07999999999999999 -> 0.08) and keep every digit a person typed.
CSV_FLOAT_FORMAT = "%.12g"


def _special(x: Any) -> str | None:
    """The text of None, NaN and infinities; None for an ordinary number."""
    if x is None:
        return DASH
    v = float(x)
    if math.isnan(v):
        return DASH
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    return None


def tidy(x: float) -> float:
    """``x`` rounded to 12 significant digits: binary noise gone, typed digits kept.

    >>> tidy(0.1 + 0.2), tidy(0.07999999999999999)
    (0.3, 0.08)
    """
    v = float(x)
    return float(f"{v:.12g}") if math.isfinite(v) else v


def count(x: Any) -> str:
    """A count of people: thousands separated, one decimal for a mean (``"1,234.5"``)."""
    special = _special(x)
    if special is not None:
        return special
    v = tidy(x)
    return f"{v:,.0f}" if v.is_integer() else f"{v:,.1f}"


def money(x: Any, symbol: str = "$") -> str:
    """An amount of money: cents below 1,000, whole units above (``"$48.08"``, ``"$32,051"``)."""
    special = _special(x)
    if special is not None:
        return special if special == DASH else f"{special[:-1]}{symbol}∞"
    v = tidy(x)
    sign = "−" if v < 0 else ""
    return f"{sign}{symbol}{abs(v):,.0f}" if abs(v) >= 1000 else f"{sign}{symbol}{abs(v):,.2f}"


def percent(x: Any, digits: int | None = None) -> str:
    """A share in percent: ``digits`` decimals (default: 1, or 2 below 1 %).

    >>> percent(0.125), percent(0.3), percent(0.0042), percent(0.5, digits=0)
    ('12.5%', '30.0%', '0.42%', '50%')
    """
    special = _special(x)
    if special is not None:
        return special
    v = tidy(x)
    if digits is None:
        digits = 2 if 0 < abs(v) < 0.01 else 1
    return f"{v:.{digits}%}"


def number(x: Any) -> str:
    """A plain number: separators for large values, 3 significant digits for small ones."""
    special = _special(x)
    if special is not None:
        return special
    v = tidy(x)
    if v.is_integer():
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:,.1f}"
    return f"{v:.3g}"


def ratio(x: Any) -> str:
    """A ratio such as LTV:CAC, two decimals (``"2.50"``)."""
    special = _special(x)
    return special if special is not None else f"{tidy(x):,.2f}"


def periods(x: Any, unit: str = "period") -> str:
    """Whole periods with their unit (``"14 months"``, ``"1 month"``); ``inf`` is ``"never"``."""
    if x is not None and math.isinf(float(x)) and float(x) > 0:
        return "never"
    special = _special(x)
    if special is not None:
        return special
    v = tidy(x)
    text = f"{v:,.0f}" if v.is_integer() else f"{v:,.1f}"
    return f"{text} {unit}" if v == 1 else f"{text} {unit}s"
