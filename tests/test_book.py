"""The static course (``book/build.py``, ``make book``): every notebook gets a page, offline.

The site is built once from the committed notebooks (no execution, ~10 CPU-s of Sphinx) into
``test-output/book/<key>`` (:func:`built_site`), the key a hash of everything the build reads,
so ``make unit`` here and ``make browser`` (``tests/browser/test_book_offline.py``) share one
build instead of making it twice. Its pages must reference nothing on another host: every
``src``/``href`` of a script, stylesheet, image or frame is a relative path inside the site,
and MathJax is one of the site's own files. The real-browser check (requests fail the test) is
``tests/browser/test_book_offline.py``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_book() -> ModuleType:
    """``book/build.py`` as a module (the book folder is not a package)."""
    path = ROOT / "book" / "build.py"
    spec = importlib.util.spec_from_file_location("funnelsim_book_build", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


book = load_book()


def ensure_mathjax() -> None:
    """Install MathJax from book/package-lock.json (npm registry, integrity-checked) if missing."""
    if not (book.MATHJAX / "tex-mml-chtml.js").is_file():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(ROOT / "book")], check=True
        )


#: Where :func:`built_site` keeps the built site (``make clean`` removes test-output/).
BUILT = ROOT / "test-output" / "book"


def _site_key() -> str:
    """A hash of everything ``book.build`` reads: its sources, the notebooks, the tools."""
    digest = hashlib.sha256()
    files = [ROOT / "book" / name for name in ("build.py", "conf.py", "index.md")]
    files += [ROOT / "book" / "package-lock.json", *sorted((ROOT / "book" / "_static").rglob("*"))]
    files += [ROOT / "src" / "funnelsim" / "course" / n for n in ("lessons.toml", "__init__.py")]
    files += sorted((ROOT / "notebooks").glob("*.ipynb"))
    files += sorted((ROOT / "exercises" / "student").glob("*.ipynb"))
    for path in files:
        digest.update(f"{path.relative_to(ROOT)}\0".encode())
        digest.update(path.read_bytes() if path.is_file() else b"(missing)")
    tools = [sys.version]
    for dist in ("sphinx", "myst-nb", "sphinx-book-theme", "pydata-sphinx-theme", "nbformat"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            tools.append(f"{dist}=={importlib.metadata.version(dist)}")
    digest.update("\n".join(tools).encode())
    return digest.hexdigest()[:16]


def built_site() -> Path:
    """The site's html folder, built once per state of its inputs (see the module docstring).

    A lock file serialises the xdist workers and stages; a build is used only once it
    completed (a marker file), and builds of older inputs are removed.
    """
    ensure_mathjax()
    BUILT.mkdir(parents=True, exist_ok=True)
    out = BUILT / _site_key()
    done = out / "complete"
    with (BUILT / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.is_file():
            for old in BUILT.iterdir():
                if old.is_dir():
                    shutil.rmtree(old, ignore_errors=True)
            book.build(out)
            done.touch()
    return out / "html"


@pytest.fixture(scope="module")
def site() -> Path:
    return built_site()


class Refs(HTMLParser):
    """Collects the URLs a page loads (scripts, stylesheets, images, frames, media) and its h1."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.h1: list[str] = []
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in {"script", "img", "iframe", "audio", "video", "source", "embed"} and a.get("src"):
            self.loads.append(str(a["src"]))
        navigation = {"canonical", "next", "prev", "index", "search", "author", "license", "help"}
        if tag == "link" and a.get("href") and a.get("rel") not in navigation:
            self.loads.append(str(a["href"]))
        if tag == "object" and a.get("data"):
            self.loads.append(str(a["data"]))
        self._in_h1 = self._in_h1 or tag == "h1"

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data: str) -> None:
        if self._in_h1 and data.strip():
            self.h1.append(data.strip())


def refs(page: Path) -> Refs:
    parser = Refs()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def first_heading(nb: Path) -> str:
    for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise AssertionError(f"{nb.name} has no '# ' title")


NOTEBOOKS = book.notebooks()


def test_the_course_has_notebooks() -> None:
    assert {"00_start_here", "dashboard", "glossary"} <= {nb.stem for nb in NOTEBOOKS}


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_has_its_page(site: Path, nb: Path) -> None:
    page = site / "notebooks" / f"{nb.stem}.html"
    assert page.is_file(), f"no page for {nb.name}"
    # The page's heading is the notebook's title.
    title = first_heading(nb)
    assert any(title.split()[0] in h for h in refs(page).h1), (title, refs(page).h1)


def test_every_exercise_has_its_page_and_the_lessons_link_to_it(site: Path) -> None:
    tasks = sorted((ROOT / "exercises" / "student").glob("*.ipynb"))
    assert tasks, "no exercise student copies"
    for nb in tasks:
        assert (site / "exercises" / "student" / f"{nb.stem}.html").is_file(), nb.name
        lesson = site / "notebooks" / f"{nb.stem}.html"
        if lesson.is_file():  # a lesson's pointer to its exercise is a working link in the site
            assert f"../exercises/student/{nb.stem}.html" in lesson.read_text("utf-8"), nb.stem


def test_the_index_links_every_notebook_in_reading_order(site: Path) -> None:
    text = (site / "index.html").read_text(encoding="utf-8")
    positions = [text.find(f'href="notebooks/{nb.stem}.html"') for nb in NOTEBOOKS]
    missing = [nb.stem for nb, p in zip(NOTEBOOKS, positions, strict=True) if p < 0]
    assert not missing, f"index.html does not link {missing}"
    assert positions == sorted(positions)


class Sidebar(HTMLParser):
    """The text of every sidebar link (``li.toctree-l1 > a``) of a page, by its target."""

    def __init__(self) -> None:
        super().__init__()
        self.titles: dict[str, str] = {}
        self._href: str | None = None
        self._in_item = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "li":
            self._in_item = "toctree-l1" in (a.get("class") or "").split()
        elif tag == "a" and self._in_item:
            self._href = a.get("href")
            self.titles.setdefault(str(self._href), "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._href, self._in_item = None, False

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self.titles[self._href] += data


def sidebar(page: Path) -> dict[str, str]:
    """Sidebar link target (relative to ``page``; ``#`` for the page itself) -> its title."""
    parser = Sidebar()
    parser.feed(page.read_text(encoding="utf-8"))
    return {href: text.strip() for href, text in parser.titles.items()}


def test_sidebar_titles_follow_one_pattern_from_lessons_toml(site: Path) -> None:
    from funnelsim.course import LESSON_TITLES
    from funnelsim.course.course_map import course_map_markdown, load_lessons

    entries = {e.id: e for e in load_lessons()}
    links = sidebar(site / "notebooks" / "glossary.html")
    links["glossary.html"] = links.pop("#")  # the page's own entry
    for nb in NOTEBOOKS:
        shown = links[f"{nb.stem}.html"]
        if nb.stem in LESSON_TITLES:  # a lesson: its number, a dot, its title
            assert shown == f"{nb.stem[:2]}. {LESSON_TITLES[nb.stem]}", nb.stem
        elif nb.stem in entries:  # an appendix: its title in lessons.toml
            assert shown == entries[nb.stem].title, nb.stem
        else:
            assert nb.stem == "course_map" and shown == "Course map"
        if nb.stem != "course_map":  # the course map names it the same way
            assert shown in course_map_markdown(), shown


def test_every_lesson_heading_is_its_sidebar_title(site: Path) -> None:
    # The page's heading (and so the browser tab, "previous" / "next") in the sidebar's
    # pattern, a subtitle after " — " allowed: "05. Retention — cohorts, churn, ...".
    from funnelsim.course import LESSON_TITLES

    for stem, title in LESSON_TITLES.items():
        expected = f"{stem[:2]}. {title}"
        heading = first_heading(ROOT / "notebooks" / f"{stem}.ipynb")
        assert heading == expected or heading.startswith(f"{expected} — "), (stem, heading)
        h1 = " ".join(refs(site / "notebooks" / f"{stem}.html").h1)
        assert h1.replace("\u2019", "'").startswith(expected), (stem, h1)


def test_titles_are_the_lessons_toml_entries() -> None:
    names = book.titles()
    assert names["00_start_here"] == "00. Start here: how this course works"
    assert names["11_abm_bant"] == "11. ABM and BANT"
    assert names["glossary"] == "Glossary: the course's terms in English and Russian"


def test_toctree_gives_named_entries_their_title() -> None:
    books = [Path("a/01_x.ipynb"), Path("a/extra.ipynb")]
    text = book.toctree(books, names={"01_x": "01. X"})
    assert "\n01. X <notebooks/01_x>\n" in text
    assert "\nnotebooks/extra\n" in text


def test_no_page_loads_anything_from_another_host(site: Path) -> None:
    # Every page Sphinx wrote (the theme's Jinja macro files copied into _static are not pages).
    pages = sorted(p for p in site.rglob("*.html") if "_static" not in p.parts)
    assert len(pages) >= len(NOTEBOOKS) + 1
    for page in pages:
        for url in refs(page).loads:
            assert "//" not in url and not url.startswith(("http:", "https:", "data:text/html")), (
                f"{page.relative_to(site)} loads {url}"
            )
            local = (page.parent / url.split("?")[0].split("#")[0]).resolve()
            assert local.is_file(), f"{page.relative_to(site)} loads missing {url}"


def test_mathjax_is_served_by_the_site(site: Path) -> None:
    loads = refs(site / "notebooks" / "00_start_here.html").loads
    mathjax = [u for u in loads if u.split("?")[0] == "../_static/mathjax/tex-mml-chtml.js"]
    assert mathjax, loads
    fonts = site / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2"
    assert any(fonts.glob("MathJax_Main-Regular.woff")), "MathJax's fonts are not in the site"


def test_charts_and_formulas_are_in_the_pages(site: Path) -> None:
    start = (site / "notebooks" / "00_start_here.html").read_text(encoding="utf-8")
    images = [u for u in refs(site / "notebooks" / "00_start_here.html").loads if "_images/" in u]
    assert images, "the start page's chart (an SVG output) is missing"
    assert r"\sqrt{n\,p\,(1-p)}" in start  # the binomial standard deviation, left for MathJax


def test_every_chart_image_is_described_by_its_title(site: Path) -> None:
    # a reader who cannot see the picture gets the chart's title, not "../_images/<hash>.svg"
    page = site / "notebooks" / "14_capstone.html"
    alts = re.findall(r'<img alt="([^"]*)" src="[^"]*\.svg"', page.read_text(encoding="utf-8"))
    assert alts, "the capstone's charts are missing"
    assert not [a for a in alts if a.endswith(".svg") or a == "Chart"], alts
    assert any(a.startswith("Fix first:") for a in alts), alts  # the tornado chart's title
    for other in site.rglob("*.html"):
        named = re.findall(r'<img alt="([^"]*\.svg)"', other.read_text(encoding="utf-8"))
        assert not named, f"{other.name}: {named[:2]}"


def test_describe_images_uses_the_svg_titles(tmp_path: Path) -> None:
    (tmp_path / "_images").mkdir()
    svg = (
        "<svg><g aria-label=\"Title text 'A: K = 0.25'\"/><g aria-label=\"Title text 'B'\"/></svg>"
    )
    (tmp_path / "_images" / "a.svg").write_text(svg, encoding="utf-8")
    (tmp_path / "_images" / "b.svg").write_text("<svg/>", encoding="utf-8")
    (tmp_path / "p").mkdir()
    page = tmp_path / "p" / "x.html"
    page.write_text(
        '<img alt="../_images/a.svg" src="../_images/a.svg" />'
        '<img alt="../_images/b.svg" src="../_images/b.svg" /><img alt="kept" src="c.png" />',
        encoding="utf-8",
    )
    assert book.describe_images(tmp_path) == 2
    text = page.read_text(encoding="utf-8")
    assert '<img alt="A: K = 0.25; B" src="../_images/a.svg"' in text
    assert '<img alt="Chart" src="../_images/b.svg"' in text and 'alt="kept"' in text


def test_the_static_quiz_replaces_the_widget(site: Path) -> None:
    glossary = (site / "notebooks" / "glossary.html").read_text(encoding="utf-8")
    assert 'class="fsq"' in glossary and "fsq-check" in glossary
    assert "application/vnd.jupyter.widget" not in glossary


def test_reading_order_puts_the_course_map_and_lessons_first(tmp_path: Path) -> None:
    for name in ("glossary", "02_retention", "course_map", "dashboard", "00_start_here"):
        (tmp_path / f"{name}.ipynb").write_text("{}")
    order = [p.stem for p in book.notebooks(tmp_path)]
    assert order == ["course_map", "00_start_here", "02_retention", "dashboard", "glossary"]


def test_missing_mathjax_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"MathJax not found at .*npm ci --prefix"):
        book.build(tmp_path / "out", mathjax=tmp_path / "nowhere")


def test_a_folder_without_notebooks_is_a_clear_error(tmp_path: Path) -> None:
    ensure_mathjax()
    with pytest.raises(FileNotFoundError, match=r"no notebook \(\*\.ipynb\) in source="):
        book.build(tmp_path / "out", source=tmp_path)
