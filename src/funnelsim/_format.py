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

A negative amount carries its sign in front of the currency, as accountants and the
CLDR number patterns write it (``"−$106"``, never ``"$-106"``), with the minus sign
U+2212 that d3-format, and so every Vega chart axis, prints: :func:`money` for the
course's own amounts, :func:`formatted` for a ``str.format`` template with a unit in
front (the explorers' cards, ``"${:,.0f}"``).

>>> money(-106), money(-106, digits=0), formatted("${:,.0f}", -106.4)
('−$106.00', '−$106', '−$106')
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "CSV_FLOAT_FORMAT",
    "DASH",
    "count",
    "formatted",
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


def money(x: Any, symbol: str = "$", *, digits: int | None = None) -> str:
    """An amount of money: cents below 1,000, whole units above (``"$48.08"``, ``"$32,051"``).

    Parameters
    ----------
    x : float
        The amount; a negative one reads ``"−$106.00"`` (sign before the symbol).
    symbol : str
        The currency sign written in front.
    digits : int, optional
        Decimals to show whatever the size (0: whole units, ``"$500"``); by default
        2 below 1,000 and 0 from 1,000 up.

    Returns
    -------
    str
        ``"–"`` for NaN or None, ``"$∞"`` / ``"−$∞"`` for infinities.

    Raises
    ------
    ValueError
        If ``digits`` is negative.
    """
    if digits is not None and (
        isinstance(digits, bool) or not isinstance(digits, int) or digits < 0
    ):
        raise ValueError(f"digits must be a whole number >= 0 or None, got {digits!r}")
    special = _special(x)
    if special is not None:
        return special if special == DASH else f"{special[:-1]}{symbol}∞"
    v = tidy(x)
    if digits is None:
        digits = 0 if abs(v) >= 1000 else 2
    sign = "−" if round(v, digits) < 0 else ""
    return f"{sign}{symbol}{abs(v):,.{digits}f}"


def formatted(template: str, x: float) -> str:
    """A finite number through a ``str.format`` ``template``, its sign before any unit.

    ``formatted("${:,.0f}", -106)`` is ``"−$106"`` where ``"${:,.0f}".format(-106)`` gives
    ``"$-106"``. A negative value is written with the minus sign U+2212 (as :func:`money`
    and d3-format write it), in front of the whole text; a value that rounds to zero
    has no sign.

    Parameters
    ----------
    template : str
        A ``str.format`` template with one replacement field (``"${:,.2f}"``, ``"{:.1%}"``).
    x : float
        A finite number.

    Returns
    -------
    str
        The text.
    """
    text = template.format(abs(x))
    negative = x < 0 and template.format(0.0) != text
    return f"−{text}" if negative else text


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
