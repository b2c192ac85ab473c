"""A box to type a slider's value into, for the sliders over a grid of values ("log" ones).

A log-scale slider (CAC from $10 to $200,000, buyers, market size) steps through
a grid of round values; a student who wants CAC $55 types it. ipywidgets'
``SelectionSlider`` shows its readout as editable text but ignores what is
typed there (the readout snaps back), so these sliders hide that readout and
get this box instead: what is typed within the control's range is used
exactly (added to the slider as an off-grid value, as
:meth:`funnelsim.widgets.Explorer.set_values` does); anything else is refused
with the control's own message (:meth:`funnelsim.widgets.specs.Control.check`),
shown on the explorer's status line, and the box shows the slider's value again.
The box shows a value it was not typed into (a loaded file's CAC of
48.100048...) rounded as the slider's readout shows it ("48.10"); a typed value
keeps every digit typed, in the box and in the model.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import ipywidgets as w
import traitlets

from funnelsim.widgets.specs import Control

__all__ = ["parse_typed", "rounded", "with_entry"]

#: Width of the typed-value box; the slider gives up as much (the row keeps its width).
ENTRY_WIDTH = 90

#: What a typed number may carry besides its digits: a currency sign, thousands separators
#: (comma, space, underscore, narrow no-break space).
_DECORATION = re.compile(r"[$€£\s,_\u202f]")


def parse_typed(control: Control, text: str) -> float | int:
    """The value typed for ``control`` ("55", "$1,200", "2e4"), checked against its range.

    Raises
    ------
    ValueError
        Naming the control and the text when it is not a number, or the
        value when it is out of range (or not whole for a whole-number control).
    """
    cleaned = _DECORATION.sub("", str(text))
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(
            f"{control.name} ({control.label}): type a number, got {str(text).strip()!r}"
        ) from None
    return control.check(value)


def with_entry(
    control: Control,
    slider: w.Widget,
    put: Callable[[Control, w.Widget, Any], None],
    on_error: Callable[[str], None],
) -> w.HBox:
    """``slider`` with a box beside it to type its value in; returns the row.

    ``put(control, slider, value)`` sets the slider to a typed value (adding it
    to the grid); ``on_error(message)`` reports a refused one. The box follows
    the slider (moved, set, disabled) and the row carries it as ``row.entry``.
    """
    box = w.Text(
        value=rounded(control, slider.value),
        continuous_update=False,  # the value is taken on Enter or when the box loses focus
        layout=w.Layout(width=f"{ENTRY_WIDTH}px"),
        tooltip=f"Type a value for {control.label} and press Enter",
    )
    box.add_class("fs-entry")
    box.add_class(f"fs-entry-{control.name}")
    row_width = slider.layout.width  # the slider's own width, now shared with the box
    slider.readout = False
    slider.layout = w.Layout(width=f"{_px(row_width) - ENTRY_WIDTH - 4}px")
    traitlets.dlink((slider, "disabled"), (box, "disabled"))

    typed: list[float | int] = []  # the last value typed here, shown with all its digits

    def shown() -> str:
        value = slider.value
        return _text(value) if typed and typed[0] == value else rounded(control, value)

    def on_slider(_: dict[str, Any]) -> None:
        box.value = shown()

    def on_typed(change: dict[str, Any]) -> None:
        text = change["new"]
        if text == shown():
            return
        try:
            value = parse_typed(control, text)
        except ValueError as err:
            box.value = shown()
            on_error(str(err))
            return
        typed[:] = [value]
        put(control, slider, value)
        box.value = shown()

    slider.observe(on_slider, names="value")
    box.observe(on_typed, names="value")
    row = w.HBox([slider, box], layout=w.Layout(width=row_width, align_items="center"))
    row.entry = box
    return row


def rounded(control: Control, value: float | int | None) -> str:
    """``value`` as a log slider's readout shows it: whole numbers whole ("1,250"),
    others to the cent ("48.10" for a loaded CAC of 48.1000481...), below 1 to 4
    significant digits. The value itself stays exact; only its text is rounded."""
    if value is None:
        return ""
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:,.4g}"


def _text(value: float | int | None) -> str:
    """A slider value as the box shows it: every digit that was typed ("1,250", "55.125")."""
    if value is None:
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.12g}"


def _px(width: str | None) -> int:
    """A CSS width in pixels ("420px" is 420; anything else counts as 420)."""
    match = re.fullmatch(r"(\d+)px", width or "")
    return int(match[1]) if match else 420
