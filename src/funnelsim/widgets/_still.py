"""The still picture of an explorer: its settings, metric cards and chart as one SVG.

A notebook read without a kernel (GitHub, nbviewer, the static course built by
``book/build.py``, an HTML export) cannot show the explorer's sliders; it shows
the ``image/svg+xml`` copy the explorer puts beside its widget output instead.
That copy is :func:`still_svg`: the explorer's title, the slider settings the
picture was drawn with, the row of metric cards (label, value and unit, as the
live view writes them) and the chart, so that a "move the slider and read the
card" task can at least be read at the starting settings.

Why one SVG and not an HTML part
--------------------------------
Every static viewer the course targets already shows the ``image/svg+xml``
output: myst-nb (the book) and nbconvert (HTML export, nbviewer) draw it as a
picture, and GitHub's notebook view shows it as an image. An extra ``text/html``
part would take precedence over the SVG in myst-nb and nbconvert, and GitHub
strips the styles and inline SVG from HTML outputs, so the cards or the chart
would be lost there. One self-contained SVG looks the same everywhere.

Layout
------
SVG has no text flow, so the cards are laid out here: text widths come from the
advance widths of DejaVu Sans (:data:`_WIDTHS`, read from the font's ``hmtx``
table), the first font of the charts' own font list, with a 6 % margin for the
fonts after it (Verdana, Helvetica, Arial are no wider). The strip is laid out
for a 700 px column and scaled up with the chart when the chart is wider, so its
text is never smaller than 12 px where the picture is shown 700 px wide.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["CAPTION", "Card", "still_svg", "text_width", "wrap"]

#: Fonts of the strip: the charts' own list (see funnelsim.render's theme).
FONT = "DejaVu Sans, Verdana, Helvetica, Arial, sans-serif"
#: Width (px) the strip is laid out for: the narrowest column the course is read in.
COLUMN = 700.0
_PAD = 8.0  # around the strip and between cards
_CARD_PAD_X, _CARD_PAD_Y = 10.0, 6.0  # as the live cards' padding: 6px 10px
_CARD_MIN, _CARD_MAX = 120.0, 240.0  # as the live cards' min-width; notes wrap beyond the max
_SMALL, _VALUE, _TITLE = 12.0, 20.0, 15.0  # font sizes (px), as the live view
_LINE = 1.3  # line height in font sizes
_GREY, _DARK = "#555555", "#222222"
#: The line under the title, for a reader who finds no slider to move.
CAPTION = "A still picture at these settings: open the notebook in Jupyter to move the sliders."

# Advance widths of DejaVu Sans Book and Bold (units per em / 1000), read from the fonts'
# hmtx tables for the characters the cards and settings use.
_CHARS = (
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
    "abcdefghijklmnopqrstuvwxyz{|}~–—−×÷·∞αβ€£…≤≥±²³→←"
)
_REGULAR = (
    "318 401 460 838 636 950 780 275 390 390 500 838 318 361 318 337 636 636 636 636 636 636 "
    "636 636 636 636 337 337 838 838 838 531 1000 684 686 698 770 632 575 775 752 295 295 656 "
    "557 863 748 787 603 787 695 635 611 732 684 989 685 611 685 390 337 390 838 500 500 613 "
    "635 550 635 615 352 635 634 278 278 579 278 974 634 612 635 635 411 521 392 634 592 818 "
    "592 592 525 636 337 636 838 500 1000 838 838 838 318 833 659 638 636 636 1000 838 838 838 "
    "401 401 838 838"
)
_BOLD = (
    "348 456 521 838 696 1002 872 306 457 457 523 838 380 415 380 365 696 696 696 696 696 696 "
    "696 696 696 696 400 400 838 838 838 580 1000 774 762 734 830 683 683 821 837 372 372 775 "
    "637 995 837 850 733 850 770 720 682 812 774 1103 771 724 725 457 365 457 838 500 500 675 "
    "716 593 716 678 435 716 712 343 343 665 343 1042 712 687 716 716 493 595 478 712 652 924 "
    "645 652 582 712 365 712 838 500 1000 838 838 838 380 833 687 716 696 696 1000 838 838 838 "
    "438 438 838 838"
)
#: Advance width in em of each character, regular and bold.
_WIDTHS = {
    False: dict(zip(_CHARS, (int(x) / 1000 for x in _REGULAR.split()), strict=True)),
    True: dict(zip(_CHARS, (int(x) / 1000 for x in _BOLD.split()), strict=True)),
}
_UNKNOWN = 1.0  # em: a character missing from the table is taken as wide as "M" or wider
_MARGIN = 1.06


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Width in px of ``text`` set in :data:`FONT` at ``size`` px (an upper estimate).

    >>> round(text_width("10%", 12), 1)  # 1.06 × 12 px × (2 × 0.636 + 0.950) em
    28.3
    """
    table = _WIDTHS[bold]
    return _MARGIN * size * sum(table.get(ch, _UNKNOWN) for ch in text)


def wrap(pieces: Sequence[str], width: float, size: float, *, sep: str = " ") -> list[str]:
    """``pieces`` joined with ``sep`` into lines no wider than ``width`` px at ``size`` px.

    A piece is never split (a piece wider than ``width`` gets a line of its own).

    >>> wrap(["Churn: 5%", "ARPU: 30", "Margin: 80%"], 150, 12, sep=" · ")
    ['Churn: 5% · ARPU: 30', 'Margin: 80%']
    """
    lines: list[str] = []
    for piece in pieces:
        if lines and text_width(lines[-1] + sep + piece, size) <= width:
            lines[-1] += sep + piece
        else:
            lines.append(piece)
    return lines


@dataclass(frozen=True)
class Card:
    """One metric card as the live view shows it: all text, formatted by the explorer."""

    #: What the number is, with its unit ("LTV ($ / customer)").
    label: str
    #: The formatted value ("$1,234", "–" when undefined).
    value: str
    #: Why the card shows no number ("" if it does).
    note: str = ""
    #: Scenario A's value in A/B mode ("" otherwise).
    a: str = ""
    #: The change B − A in A/B mode ("" otherwise).
    delta: str = ""

    def lines(self) -> list[tuple[str, float, bool, str]]:
        """(text, size, bold, colour) of each line, top to bottom, unwrapped."""
        out = [(self.label, _SMALL, False, _GREY), (self.value, _VALUE, True, _DARK)]
        out += [(self.note, _SMALL, False, _GREY)] if self.note else []
        out += [(f"A: {self.a}", _SMALL, False, _GREY)] if self.a else []
        out += [(f"B − A: {self.delta}", _SMALL, False, _GREY)] if self.delta else []
        return out


def _card_lines(card: Card) -> tuple[float, list[tuple[str, float, bool, str]]]:
    """The card's width and its lines, the small ones word-wrapped to :data:`_CARD_MAX`."""
    inner = _CARD_MAX - 2 * _CARD_PAD_X
    lines: list[tuple[str, float, bool, str]] = []
    for text, size, bold, colour in card.lines():
        if bold or text_width(text, size) <= inner:
            lines.append((text, size, bold, colour))
        else:
            lines += [(t, size, bold, colour) for t in wrap(text.split(" "), inner, size)]
    widest = max(text_width(t, s, bold=b) for t, s, b, _ in lines)
    return max(_CARD_MIN, widest + 2 * _CARD_PAD_X), lines


def _text(
    x: float,
    y: float,
    text: str,
    size: float,
    colour: str,
    *,
    bold: bool = False,
    italic: bool = False,
) -> str:
    style = (" font-weight='600'" if bold else "") + (" font-style='italic'" if italic else "")
    return (
        f"<text x='{x:.1f}' y='{y:.1f}' font-size='{size:g}px' fill='{colour}'{style}>"
        f"{html.escape(text)}</text>"
    )


def _strip(
    title: str,
    caption: str,
    settings: Sequence[tuple[str, Sequence[str]]],
    cards: Sequence[Card],
    width: float,
) -> tuple[list[str], float]:
    """SVG elements of the title, caption, settings and cards in ``width`` px; their height."""
    parts: list[str] = []
    y = _PAD
    inner = width - 2 * _PAD
    if title:
        y += _TITLE
        parts.append(_text(_PAD, y, title, _TITLE, _DARK, bold=True))
        y += (_LINE - 1) * _TITLE
    for line in wrap(caption.split(" "), inner, _SMALL) if caption else []:
        y += _LINE * _SMALL
        parts.append(_text(_PAD, y, line, _SMALL, _GREY, italic=True))
    for heading, items in settings:
        if not items:
            continue
        lead = f"{heading}: " if heading else ""
        for i, line in enumerate(wrap([lead + items[0], *items[1:]], inner, _SMALL, sep=" · ")):
            y += _LINE * _SMALL
            if i == 0 and lead:
                rest = line[len(lead) :]
                parts.append(
                    f"<text x='{_PAD:.1f}' y='{y:.1f}' font-size='{_SMALL:g}px' fill='{_GREY}'>"
                    f"<tspan font-weight='600'>{html.escape(lead)}</tspan>"
                    f"{html.escape(rest)}</text>"
                )
            else:
                parts.append(_text(_PAD, y, line, _SMALL, _GREY))
    y += _PAD
    # Cards flow left to right and wrap (the live view's flex-wrap, gap 8px); the cards of
    # a row share its height (flex's align-items: stretch).
    laid = [_card_lines(c) for c in cards]
    rows: list[list[int]] = []
    x = _PAD
    for i, (w, _) in enumerate(laid):
        if rows and x + w <= width - _PAD:
            rows[-1].append(i)
        else:
            rows.append([i])
            x = _PAD
        x += w + _PAD
    for row in rows:
        height = max(_card_height(laid[i][1]) for i in row)
        x = _PAD
        for i in row:
            w, lines = laid[i]
            parts.append(
                f"<rect x='{x:.1f}' y='{y:.1f}' width='{w:.1f}' height='{height:.1f}' rx='6'"
                " fill='#FAFAFA' stroke='#DDDDDD'/>"
            )
            ty = y + _CARD_PAD_Y
            for text, size, bold, colour in lines:
                ty += _LINE * size
                parts.append(_text(x + _CARD_PAD_X, ty - 0.3 * size, text, size, colour, bold=bold))
            x += w + _PAD
        y += height + _PAD
    return parts, y


def _card_height(lines: Sequence[tuple[str, float, bool, str]]) -> float:
    return 2 * _CARD_PAD_Y + sum(_LINE * size for _, size, _, _ in lines)


_SIZE = re.compile(r"<svg\b[^>]*?\bwidth=['\"]([\d.]+)[^>]*?\bheight=['\"]([\d.]+)", re.S)


def still_svg(
    chart: str,
    cards: Sequence[Card],
    settings: Sequence[tuple[str, Sequence[str]]] = (),
    *,
    title: str = "",
    caption: str = "",
) -> str:
    """One SVG picture: ``title``, ``caption``, ``settings`` and ``cards`` above ``chart``.

    Parameters
    ----------
    chart : str
        The chart as SVG text with ``width`` and ``height`` on its root element
        (what vl-convert writes); "" for no chart.
    cards : sequence of Card
        The metric cards, in display order, their text already formatted.
    settings : sequence of (heading, items)
        The slider settings the picture was drawn with, one group per section
        of sliders; each item is one "label: value" text. An empty heading
        shows the items alone.
    title : str, optional
        A heading above everything ("" for none).
    caption : str, optional
        A line in italics under the title ("" for none; :data:`CAPTION` tells
        a reader why nothing moves), wrapped at word boundaries.

    Returns
    -------
    str
        SVG text: the strip (laid out for a 700 px column, scaled by
        ``max(1, chart width / 700)`` so it keeps its size relative to the
        chart) with the chart below it, full width. Deterministic: the same
        arguments give the same text.

    Raises
    ------
    ValueError
        If ``chart`` is not empty and its root ``<svg>`` has no pixel width
        and height.
    """
    chart = chart.strip()
    if chart:
        start = chart.find("<svg")
        size = _SIZE.match(chart, start) if start >= 0 else None
        if size is None:
            raise ValueError(
                f"chart must be SVG text whose <svg> has a width and height, got {chart[:60]!r}"
            )
        chart = chart[start:]
        chart_w, chart_h = float(size.group(1)), float(size.group(2))
    else:
        chart_w, chart_h = COLUMN, 0.0
    scale = max(1.0, chart_w / COLUMN)
    parts, strip_h = _strip(title, caption, settings, cards, chart_w / scale)
    top = math.ceil(strip_h * scale)
    width, height = chart_w, top + chart_h
    if chart:  # the chart as a nested <svg>, moved below the strip
        chart = f"<svg x='0' y='{top}'" + chart[len("<svg") :]
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' version='1.1' class='fs-still'"
        f" width='{width:g}' height='{height:g}' viewBox='0 0 {width:g} {height:g}'>"
        f"{f'<title>{html.escape(title)}</title>' if title else ''}"
        f"<rect width='100%' height='100%' fill='white'/>"
        f"<g transform='scale({scale:.4g})' font-family='{FONT}'>{''.join(parts)}</g>"
        f"{chart}</svg>"
    )
