"""A scenario as one self-contained HTML page.

:func:`render_report` runs a :class:`~funnelsim.Scenario` and returns an HTML
page with its settings, headline numbers, tables and charts. The charts are
rendered to SVG in this process by vl-convert (through
:func:`funnelsim.charts.to_svg`) and written inline, so the page has no
``<script>``, loads nothing from the network and opens the same on a laptop
with no internet, in an e-mail attachment or years later. The scenario's TOML
is included, so a reader can re-run exactly what they see.

This module imports altair (through :mod:`funnelsim.charts`): it is not part of
the core namespace. ``funnelsim report SCENARIO`` is the command-line way in.
"""

from __future__ import annotations

import dataclasses
import html
import re
from pathlib import Path
from typing import Any

import pandas as pd

from funnelsim import __version__, _format, charts
from funnelsim._format import count as _format_count
from funnelsim._io import atomic_write
from funnelsim.scenarios import (
    Scenario,
    ScenarioRun,
    dumps_toml,
    load_scenario,
    scenario_text,
)

__all__ = ["render_report", "write_report"]

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
h1 { margin-bottom: 0.2rem; }
.meta { color: #555; margin-top: 0; }
.cards { display: flex; flex-wrap: wrap; gap: 0.8rem; margin: 1.2rem 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 0.6rem 1rem; min-width: 9rem; }
.card .value { font-size: 1.5rem; font-weight: 600; }
.card .label { color: #555; font-size: 0.9rem; }
figure { margin: 1.5rem 0; }
figure svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: 1rem 0; font-variant-numeric: tabular-nums; }
th, td { padding: 0.25rem 0.7rem; border-bottom: 1px solid #e5e5e5; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.scroll { overflow-x: auto; }
pre { background: #f6f6f6; padding: 0.8rem; overflow-x: auto; }
footer { color: #777; font-size: 0.85rem; margin-top: 2rem; }
"""


def _card(label: str, value: str) -> str:
    return (
        f'<div class="card"><div class="value">{html.escape(value)}</div>'
        f'<div class="label">{html.escape(label)}</div></div>'
    )


def _table_html(frame: pd.DataFrame) -> str:
    table = frame.to_html(index=False, border=0, escape=True, na_rep="–")
    return f'<div class="scroll">{table}</div>'


def _funnel_table(run: ScenarioRun) -> pd.DataFrame:
    frame = charts.funnel_frame(run.result)
    return pd.DataFrame(
        {
            "stage": frame["stage"],
            "reached": [_format_count(v) for v in frame["reached"]],
            "step conversion": [_format.percent(v, 2) for v in frame["step_conversion"]],
            "95% interval": [
                "" if i == 0 else f"{_format.percent(lo, 2)} – {_format.percent(hi, 2)}"
                for i, (lo, hi) in enumerate(zip(frame["ci_low"], frame["ci_high"], strict=True))
            ],
            "cumulative conversion": [
                _format.percent(v, 2) for v in frame["cumulative_conversion"]
            ],
            "drop-off": [_format_count(v) for v in frame["drop_off"]],
        }
    )


#: Largest buyers × replications for which the report builds an event log (time charts).
_EVENTS_LIMIT = 2_000_000

_PERCENT_WORDS = ("rate", "share", "survival", "conversion", "contribution", "margin", "churn")


def _is_share(name: str) -> bool:
    """Whether a column or metric holds a share or a return, shown in percent."""
    return any(word in name for word in _PERCENT_WORDS) or name == "roi" or name.endswith("_roi")


def _formatted(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers as text for a table: counts with separators, shares in percent."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        name = str(column)
        if _is_share(name):
            out[column] = [_format.percent(v, 2) for v in values]
        else:
            out[column] = [_fmt_number(v) for v in values]
    return out


_fmt_number = _format.number


def _referral_parts(run: ScenarioRun) -> list[str]:
    assert run.referral is not None
    return [
        _figure(
            charts.referral_generations_chart(run.referral),
            "New buyers per generation (bars) against the geometric expectation s·Kᵍ (diamonds).",
        ),
        _table_html(_formatted(run.referral.generations)),
    ]


def _retention_parts(run: ScenarioRun) -> list[str]:
    assert run.retention is not None
    try:
        curves = charts.retention_curves(run.retention)
    except ValueError:  # too few customers to fit the sBG model: draw the data alone
        curves = charts.retention_curves(run.retention, fit=None)
    return [
        _figure(charts.cohort_heatmap(run.retention), "Share of each cohort still active."),
        _figure(curves, "Retention curves of the cohorts and the fitted sBG model."),
    ]


def _economics_parts(run: ScenarioRun) -> list[str]:
    e = run.economics
    assert e is not None
    unit = e.period
    rows = [
        (f"ARPU ($ / customer / {unit})", _format.money(e.arpu)),
        ("Gross margin", _format.percent(e.margin)),
        (f"Mean churn (per {unit})", _format.percent(e.mean_churn)),
        (f"Discount rate (per {unit})", _format.percent(e.discount)),
        ("CAC ($ / customer)", _format.money(e.cac)),
        ("LTV ($ / customer)", _format.money(e.ltv)),
        ("LTV:CAC", _format.ratio(e.ltv_to_cac)),
        (f"Payback ({unit}s)", _format.periods(e.payback, unit)),
        (f"Expected lifetime ({unit}s)", _format.number(e.expected_lifetime)),
    ]
    if run.referral_roi is not None:
        rows.append(("Referral programme ROI", _format.percent(run.referral_roi)))
    frame = pd.DataFrame(rows, columns=["metric", "value"])
    return [f"<p>Model: {html.escape(e.label)}.</p>", _table_html(frame)]


def _b2b_parts(run: ScenarioRun) -> list[str]:
    assert run.b2b is not None
    contributions = run.b2b.contributions[
        ["label", "share_present", "win_rate", "win_rate_without", "contribution", "wins_added"]
    ]
    return [
        _figure(
            charts.committee_chart(run.b2b),
            "What each member changes in the win rate (the same accounts without the member).",
        ),
        "<p>Accounts through the funnel, with their buying committees:</p>",
        _table_html(_formatted(run.b2b.table())),
        "<p>What each committee member adds (the same accounts re-run without that member):</p>",
        _table_html(_formatted(contributions)),
        "<p>Sales-cycle length:</p>",
        _table_html(_formatted(run.b2b.cycle_summary())),
    ]


def _growth_parts(run: ScenarioRun) -> list[str]:
    assert run.growth is not None
    unit = run.scenario.period
    return [
        _figure(
            charts.growth_chart(run.growth),
            f"Active customers at the end of each {unit}, by channel.",
        ),
        _figure(
            charts.revenue_chart(run.growth),
            "Cumulative revenue against cumulative marketing spend.",
        ),
        f"<p>{_growth_economics_caption(run)}</p>",
        _table_html(_formatted(run.growth.unit_economics())),
    ]


def _growth_economics_caption(run: ScenarioRun) -> str:
    """What the growth table's CAC and LTV are, with the LTV model named."""
    assert run.growth is not None
    unit = run.scenario.period
    params = run.growth.params
    paid, referred = params.channel_economics(period=unit)
    same = ", the LTV of the unit economics above" if run.scenario.economics is not None else ""
    return html.escape(
        "Unit economics of the growth run, over the whole run. CAC is the run's marketing "
        "spend over its new customers, paid and referred together. A paid customer's LTV is "
        f"{_format.money(paid.ltv)} ({paid.label.removeprefix('LTV: ')}{same}); a referred "
        f"customer's {_format.money(referred.ltv)} (churn hazard × "
        f"{_format.number(params.referred_churn_multiplier)}, ARPU × "
        f"{_format.number(params.referred_arpu_multiplier)}). The table's LTV and payback are "
        f"those of the run's mix of new customers. Money in $, payback in {unit}s:",
        quote=False,
    )


_TITLES = {
    "referral": "Referral",
    "retention": "Retention",
    "economics": "Unit economics",
    "b2b": "B2B accounts and buying committees",
    "growth": "Growth over time",
}
_SECTION_PARTS = {
    "referral": _referral_parts,
    "retention": _retention_parts,
    "economics": _economics_parts,
    "b2b": _b2b_parts,
    "growth": _growth_parts,
}


def _figure(chart: Any, caption: str) -> str:
    svg = charts.to_svg(chart)
    return f"<figure>{svg}<figcaption>{html.escape(caption)}</figcaption></figure>"


def render_report(scenario: Scenario, *, seed: Any = None) -> str:
    """Run ``scenario`` and return the report as an HTML string.

    Parameters
    ----------
    scenario : Scenario
        What to run (see :func:`funnelsim.load_scenario`).
    seed : int, optional
        Replaces the scenario's seed for this report.

    Returns
    -------
    str
        A complete HTML5 document with inline CSS and inline SVG charts; it
        references no external resource. The same scenario and seed give the
        same page, byte for byte.
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario must be a Scenario, got {type(scenario).__name__}")
    # The event log adds the time-to-convert chart; it is drawn after each
    # replication's funnel draws, so the counts are those of the scenario as given.
    with_events = (
        scenario.mode == "buyers" and scenario.buyers * scenario.replications <= _EVENTS_LIMIT
    )
    run = (dataclasses.replace(scenario, events=True) if with_events else scenario).run(seed=seed)
    result = run.result
    metrics = run.metrics()
    title = html.escape(scenario.name)
    reps = f" · {result.replications} replications" if result.replications > 1 else ""
    seed_text = "fresh seed" if result.seed is None else f"seed {result.seed}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="funnelsim {__version__}">',
        f"<title>{title}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{title}</h1>",
        f'<p class="meta">{result.buyers:,} buyers{reps} · {seed_text} · mode {result.mode}</p>',
    ]
    if scenario.description:
        parts.append(f"<p>{html.escape(scenario.description.strip())}</p>")
    last = result.funnel.names[-1]
    parts.append('<div class="cards">')
    parts.append(_card("buyers entering", _format_count(result.buyers)))
    parts.append(_card(f"reached {last}", _format_count(metrics["customers"])))
    parts.append(_card("end-to-end conversion", _format.percent(metrics["conversion"], 2)))
    parts.append("</div>")

    parts.append("<h2>Funnel</h2>")
    parts.append(
        _figure(
            charts.funnel_chart(result),
            "Bars: buyers who entered each step (reached, plus dropped). "
            "Whiskers: 95% interval of the step conversion.",
        )
    )
    parts.append(_table_html(_funnel_table(run)))
    if result.events is not None and result.counts[:, -1].sum() > 0:
        last = result.funnel.names[-1]
        parts.append(
            _figure(
                charts.time_to_convert_chart(
                    result, title=f"Time from entering to reaching {last}"
                ),
                f"How long the buyers who reached {last} took to get there, and the median.",
            )
        )

    highlights = run.highlights()
    parts.append(f"<p>{html.escape(highlights['funnel'])}</p>")
    for section in ("referral", "retention", "economics", "b2b", "growth"):
        if section in highlights:
            parts.append(f"<h2>{_TITLES[section]}</h2>")
            parts.append(f"<p>{html.escape(highlights[section])}</p>")
            parts.extend(_SECTION_PARTS[section](run))

    parts.append("<h2>Scenario</h2>")
    parts.append("<p>Save this as a <code>.toml</code> file to run it again:</p>")
    parts.append(f"<pre>{html.escape(_scenario_toml(scenario, result.seed))}</pre>")
    source = f" from {html.escape(scenario.source)}" if scenario.source else ""
    parts.append(f"<footer>Generated{source} by funnelsim {__version__}.</footer>")
    parts.extend(("</body>", "</html>", ""))
    return _namespace_svg_ids("\n".join(parts))


def _scenario_toml(scenario: Scenario, seed: int | None) -> str:
    """The TOML that reproduces the page: the file as written (with its comments)
    when the scenario is unchanged, else the scenario written out with the seed
    the page was drawn with (a ``seed`` override, or the fresh entropy of a
    scenario without a seed)."""
    if seed is not None and seed != scenario.seed:
        return dumps_toml(dataclasses.replace(scenario, seed=seed).to_dict())
    if scenario.source is not None:
        try:
            if load_scenario(scenario.source) == scenario:
                return scenario_text(scenario.source)
        except (OSError, ValueError):  # the file changed or went away since it was read
            pass
    return dumps_toml(scenario.to_dict())


_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_ID_REF = re.compile(r'(\bid="|url\(#|href="#)')


def _namespace_svg_ids(page: str) -> str:
    """Prefix the ids inside each inline SVG (``gradient_0`` -> ``fig2-gradient_0``).

    Each chart is rendered on its own and numbers its gradients and clip paths
    from 0, so two charts in one page would otherwise share ids, and the
    second would be drawn with the first one's gradient or clip path.
    """
    counter = iter(range(1, 1_000_000))

    def rename(match: re.Match[str]) -> str:
        prefix = f"fig{next(counter)}-"
        return _ID_REF.sub(lambda m: m.group(1) + prefix, match.group(0))

    return _SVG.sub(rename, page)


def write_report(scenario: Scenario, path: str | Path, *, seed: Any = None) -> Path:
    """Write the report of ``scenario`` to an HTML file.

    Parameters
    ----------
    scenario : Scenario
        What to run.
    path : str or Path
        The HTML file to write (UTF-8, overwritten).
    seed : int, optional
        Replaces the scenario's seed for this report.

    Returns
    -------
    Path
        ``path``.

    See Also
    --------
    render_report : the page as a string.
    """
    out = Path(path)
    atomic_write(out, render_report(scenario, seed=seed))  # the old page or the whole new one
    return out
