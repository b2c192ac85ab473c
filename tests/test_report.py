import functools
import re
from html.parser import HTMLParser

import pytest

import funnelsim as fs
from funnelsim.cli import main
from funnelsim.report import render_report, write_report


class _Collector(HTMLParser):
    """Every tag and every attribute value of a page."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, k, v or "") for k, v in attrs)


@functools.cache
def report_of(name: str) -> tuple[fs.Scenario, str]:
    """A ready-made scenario (with fewer buyers, to keep the module fast) and its page."""
    scenario = fs.load_scenario(name).with_values(buyers=20_000, replications=1)
    return scenario, render_report(scenario)


@pytest.fixture
def page():
    return report_of("b2c_referral")[1]


def test_report_is_self_contained(page):
    parsed = _Collector()
    parsed.feed(page)
    assert "script" not in parsed.tags
    assert "link" not in parsed.tags and "iframe" not in parsed.tags
    # No attribute loads anything from elsewhere: the only URLs are XML namespace names.
    for tag, name, value in parsed.attrs:
        if name in ("src", "href", "xlink:href", "data", "action"):
            assert not re.match(r"\s*(https?:)?//", value), (tag, name, value)
    for url in re.findall(r"https?://[^\s\"'<>)]+", page):
        assert url in ("http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"), url
    assert "@import" not in page
    # url() only for references inside the page (an SVG gradient), never to a file or host.
    assert re.findall(r"url\((?!#)", page) == []
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "two inline charts share an id"
    for ref in re.findall(r"url\(#([^)]+)\)", page):
        assert ref in ids


def test_report_shows_the_scenario_and_its_numbers(page):
    scenario = fs.load_scenario("b2c_referral").with_values(buyers=20_000)
    result = scenario.simulate()
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>B2C app with a referral programme</title>" in page
    assert "20,000 buyers · seed 2024" in page
    # The funnel chart is inline SVG with the stage names in it.
    assert page.count("<svg") >= 1
    svg = page[page.index("<svg") : page.index("</svg>")]
    for stage in fs.AAARRR_STAGES:
        assert stage in svg
    # The table and the headline card show the simulated counts.
    customers = int(result.counts[0, -1])
    assert f'<div class="value">{customers:,}</div>' in page
    for count in result.counts[0]:
        assert f"<td>{int(count):,}</td>" in page


def test_report_embeds_a_toml_that_reloads_to_the_same_scenario(page, tmp_path):
    import html

    body = page[page.index("<pre>") + 5 : page.index("</pre>")]
    path = tmp_path / "from_report.toml"
    path.write_text(html.unescape(body), encoding="utf-8")
    assert fs.load_scenario(path) == fs.load_scenario("b2c_referral").with_values(buyers=20_000)


def test_report_is_deterministic_and_escapes_text():
    funnel = fs.Funnel((fs.Stage("<Visit>"), fs.Stage("Buy & pay", 0.3)), name="x")
    scenario = fs.Scenario(funnel, name="A <b>bold</b> plan", description="R&D", buyers=500, seed=1)
    first = render_report(scenario)
    assert first == render_report(scenario)
    assert "<b>bold</b>" not in first
    assert "A &lt;b&gt;bold&lt;/b&gt; plan" in first
    assert "R&amp;D" in first


def test_report_seed_override_and_type_check(tmp_path):
    source = tmp_path / "class.toml"
    source.write_text("# Tuesday's class\nbuyers = 300  # a small room\nseed = 1\n", "utf-8")
    scenario = fs.load_scenario(source)
    path = write_report(scenario, tmp_path / "r.html", seed=5)
    text = path.read_text(encoding="utf-8")
    assert "seed 5" in text
    # The embedded TOML reproduces the page: it carries the seed the page used.
    embedded = fs.scenarios.loads_scenario(
        html_unescape(text[text.index("<pre>") + 5 : text.index("</pre>")])
    )
    assert embedded == scenario.with_values(seed=5)
    # Unchanged, the page embeds the file as written, comments included.
    text = render_report(scenario)
    assert "<pre># Tuesday&#x27;s class\nbuyers = 300  # a small room\nseed = 1\n</pre>" in text
    with pytest.raises(TypeError, match=r"scenario must be a Scenario, got str"):
        render_report("b2c_referral")


def test_report_command_writes_the_page(tmp_path, capsys):
    out = tmp_path / "sub" / "report.html"
    out.parent.mkdir()
    assert main(["report", "viral_saturation", "--buyers", "2000", "-o", str(out)]) == 0
    assert capsys.readouterr().err.strip() == f"wrote {out}"
    text = out.read_text(encoding="utf-8")
    assert "Viral product that saturates its market" in text and "<svg" in text


@pytest.mark.parametrize(
    ("name", "sections"),
    [
        ("b2c_referral", ["Referral", "Retention", "Unit economics", "Growth over time"]),
        ("b2b_saas", ["Retention", "Unit economics", "B2B accounts and buying committees"]),
    ],
)
def test_report_has_a_part_per_section(name, sections):
    scenario, page = report_of(name)
    run = scenario.run()
    for title in sections:
        assert f"<h2>{title}</h2>" in page
    for sentence in run.highlights().values():
        assert html_escape(sentence) in page
    absent = {
        "Referral",
        "Retention",
        "Unit economics",
        "Growth over time",
        "B2B accounts and buying committees",
    } - set(sections)
    for title in absent:
        assert f"<h2>{title}</h2>" not in page
    # Every chart is an inline SVG inside a figure with its caption.
    captions = {
        "Referral": "New buyers per generation",
        "Retention": "Share of each cohort still active.",
        "B2B accounts and buying committees": "What each member changes in the win rate",
        "Growth over time": "Active customers at the end of each month",
    }
    for title, caption in captions.items():
        assert (caption in page) == (title in sections)
    assert "How long the buyers who reached" in page  # the time-to-convert chart
    assert page.count("<svg") == page.count("<figure>")
    assert page.count("<figure>") == 2 + sum(
        {
            "Referral": 1,
            "Retention": 2,
            "B2B accounts and buying committees": 1,
            "Growth over time": 2,
        }.get(t, 0)
        for t in sections
    )


def html_escape(text):
    import html

    return html.escape(text)


def html_unescape(text):
    import html

    return html.unescape(text)


def test_report_tables_use_readable_numbers():
    scenario, page = report_of("b2b_saas")
    text = re.sub(r"<svg.*?</svg>", "", page, flags=re.S)
    assert not re.search(r"\d(\.\d+)?e[+-]\d", text), "scientific notation in a table"
    run = scenario.run()
    # money with its unit and cents below $1,000, shares in percent, periods with their unit
    assert f"<td>${run.economics.ltv:,.0f}</td>" in text
    assert "<td>Gross margin</td>\n      <td>75.0%</td>" in text
    assert f"<td>{run.economics.mean_churn:.1%}</td>" in text
    assert f"<td>{run.economics.payback:.0f} months</td>" in text
    assert f"Model: {run.economics.label}." in html_unescape(text)


def test_report_growth_table_shows_shares_and_returns_in_percent():
    scenario, page = report_of("b2c_referral")
    economics = scenario.run().growth.unit_economics().iloc[0]
    assert f"<td>{economics['roi']:.2%}</td>" in page
    assert f"<td>{economics['referral_share']:.2%}</td>" in page


def test_inline_charts_get_their_own_ids():
    from funnelsim.report import _namespace_svg_ids

    svg = '<svg><clipPath id="clip0"/><g clip-path="url(#clip0)"/><use href="#clip0"/></svg>'
    page = f"<p id='x'>{svg}</p>{svg}"
    out = _namespace_svg_ids(page)
    assert out.count('id="fig1-clip0"') == 1 and out.count('id="fig2-clip0"') == 1
    assert "url(#fig1-clip0)" in out and "url(#fig2-clip0)" in out
    assert 'href="#fig2-clip0"' in out
    assert "<p id='x'>" in out  # outside the SVGs nothing changes


def test_the_growth_section_says_its_ltv_is_the_scenario_s():
    from funnelsim import _format
    from funnelsim.report import render_report

    sc = fs.load_scenario("b2c_referral")
    page = render_report(sc)
    ltv = _format.money(sc.unit_economics().ltv)
    assert f"A paid customer's LTV is {ltv} (" in page
    assert "the LTV of the unit economics above" in page
    assert "own unit economics" not in page and "geometric churn of the [growth]" not in page
