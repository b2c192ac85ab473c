"""Offline HTML exports of the course's notebooks (``jupyter nbconvert --to html`` and
JupyterLab's File → Save and Export Notebook As → HTML under ``make lab``).

nbconvert's default HTML page loads MathJax, require.js and, for a notebook with saved
widget state, the widget manager from CDNs: offline, formulas stay raw TeX and the
dashboard is blank. With this configuration an export is one self-contained file:

* formulas (``$...$``, ``$$...$$``) in Markdown cells are converted to MathML at
  export time with ``latex2mathml`` (a maintained pure-Python converter; MathML Core
  is drawn natively by Chromium ≥ 109, Firefox and Safari), so no script is needed;
* saved widget state is left out, so each widget output falls back to the static
  picture (``image/svg+xml``) the widget put next to itself, or, where the cell shows a
  still of it already (the dashboard), is left out;
* the ``funnelsim`` template (``nbconvert/templates/funnelsim``) drops the CDN
  ``<script>`` tags.

``config/jupyter_nbconvert_config.py`` and ``config/jupyter_server_config.py`` apply
:func:`configure`; the Makefile puts ``jupyter/config`` on ``JUPYTER_CONFIG_PATH``.
"""

from __future__ import annotations

import re
from typing import Any

from nbconvert.preprocessors import Preprocessor

# A code span (left alone), display math, or inline math. Inline math follows the
# rule of pandoc and MathJax's Jupyter setting: no space just inside the dollars,
# so "$5 and $6" stays text; an escaped dollar never opens math.
_MATH = re.compile(
    r"(?P<code>(?P<ticks>`+).+?(?P=ticks))"
    r"|\$\$(?P<display>.+?)\$\$"
    r"|(?<![\\$])\$(?P<inline>[^\s$](?:[^$]*?[^\s\\$])?)\$(?!\d)",
    re.S,
)


def tex_to_mathml(text: str) -> str:
    """Return Markdown ``text`` with every formula replaced by MathML."""
    from latex2mathml.converter import convert

    def replace(match: re.Match[str]) -> str:
        if match["code"] is not None:
            return match["code"]
        if match["display"] is not None:
            return convert(match["display"].strip(), display="block")
        return convert(match["inline"], display="inline")

    return _MATH.sub(replace, text)


class OfflineHTMLPreprocessor(Preprocessor):
    """Typeset math as MathML and drop saved widget state (see the module docstring)."""

    def preprocess(self, nb: Any, resources: Any) -> tuple[Any, Any]:
        nb.metadata.pop("widgets", None)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = tex_to_mathml(cell.source)
            elif cell.cell_type == "code":
                cell.outputs = _without_duplicate_widget_pictures(cell.get("outputs", []))
        return nb, resources


_PICTURES = frozenset({"image/png", "image/jpeg", "image/svg+xml"})


def _without_duplicate_widget_pictures(outputs: list[Any]) -> list[Any]:
    """Drop a widget's output when the cell already shows a still picture of it.

    A widget cannot be live in an exported file; its output would show its own
    fallback picture next to the still the notebook displays for this case.
    """
    widget = "application/vnd.jupyter.widget-view+json"
    stills = [
        o for o in outputs if widget not in o.get("data", {}) and set(o.get("data", {})) & _PICTURES
    ]
    if not stills:
        return outputs
    return [o for o in outputs if widget not in o.get("data", {})]


def configure(c: Any) -> None:
    """Set the offline HTML export on the traitlets config ``c``."""
    c.HTMLExporter.template_name = "funnelsim"
    c.HTMLExporter.preprocessors = [OfflineHTMLPreprocessor]
