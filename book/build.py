"""Build the static course: every notebook, with its committed outputs, into an offline HTML site.

Run ``make book`` (or ``python book/build.py [OUT]``, default ``build/book``). The site is written
to ``OUT/html``; open ``OUT/html/index.html`` or copy the folder to any static host (see
``docs/publishing.md``). Nothing is executed: the notebooks show the outputs CI checked.

The Sphinx source tree is assembled in ``OUT/source`` from ``book/conf.py``, ``book/index.md``,
the notebooks and MathJax 3 (the npm ``mathjax`` package pinned in ``book/package-lock.json``,
installed by ``npm ci --prefix book``), so the repository itself is never written to.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

BOOK = Path(__file__).resolve().parent
ROOT = BOOK.parent
MATHJAX = BOOK / "node_modules" / "mathjax" / "es5"
#: The site's own static files (its stylesheet), copied into the source tree's ``_static``.
STATIC = BOOK / "_static"
#: The parts of MathJax's es5 bundle the pages use: TeX + MathML in, CommonHTML out (with its
#: fonts), the extensions TeX autoloads, and the menu/accessibility modules it loads on demand.
MATHJAX_PARTS = (
    "tex-mml-chtml.js",
    "input",
    "output/chtml",
    "output/chtml.js",
    "a11y",
    "ui",
    "sre",
)


def notebooks(folder: Path = ROOT / "notebooks") -> list[Path]:
    """The notebooks the book shows, in reading order.

    Every ``*.ipynb`` in ``folder``: the course map first, then the numbered lessons by number,
    then the rest (dashboard, glossary, ...) by name.
    """

    def key(nb: Path) -> tuple[int, str]:
        return (0 if nb.stem == "course_map" else 1 if nb.stem[:1].isdigit() else 2, nb.stem)

    return sorted(folder.glob("*.ipynb"), key=key)


def titles() -> dict[str, str]:
    """Sidebar title of every lesson and appendix, from ``funnelsim/course/lessons.toml``.

    One pattern for the whole course, the course map's: a lesson is ``"NN. <title>"`` (its
    number and :data:`funnelsim.course.LESSON_TITLES`), an appendix its ``title`` in
    lessons.toml. Notebooks' own headings were written by different hands ("Lesson 2: ...",
    "03 ...", "Lesson 05 — ..."); the sidebar does not use them.
    """
    from funnelsim.course.course_map import load_lessons

    return {
        e.id: f"{e.id[:2]}. {e.title}" if e.kind == "lesson" else e.title for e in load_lessons()
    }


def toctree(
    books: list[Path],
    *,
    caption: str = "The course",
    folder: str = "notebooks",
    names: dict[str, str] | None = None,
) -> str:
    """The MyST table of contents listing ``books`` (paths relative to the source folder).

    ``names`` maps a notebook's stem to its entry's title (the page's own heading otherwise).
    """
    names = names or {}
    lines = ["```{toctree}", ":maxdepth: 1", f":caption: {caption}", ""]
    for nb in books:
        target = f"{folder}/{nb.stem}"
        lines.append(f"{names[nb.stem]} <{target}>" if nb.stem in names else target)
    return "\n".join([*lines, "```", ""])


def publish(notebook: Path, target: Path) -> None:
    """Copy ``notebook`` to ``target`` with its dollar signs written for Sphinx.

    A literal dollar in the lessons' Markdown is written ``\\\\$``: JupyterLab's renderer turns
    ``\\$`` into a bare ``$`` that MathJax then pairs with the next one as a formula
    (jupyterlab/jupyterlab#8645), while MyST reads ``\\$`` as the literal dollar and would
    show ``\\\\$`` as a backslash and a dollar (jupyter-book/jupyter-book#750). The site
    gets the MyST spelling; the notebooks keep the one their readers' JupyterLab needs.
    """
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = text.replace("\\\\$", "\\$")
    target.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


#: An image Sphinx wrote with its own file name as the alternative text (myst-nb's default).
_NAMED_BY_FILE = re.compile(r'<img alt="(?P<src>[^"]*\.svg)" src="(?P=src)"')
#: A chart's title as Vega writes it into the SVG for screen readers.
_CHART_TITLE = re.compile(r"aria-label=\"Title text '(.*?)'\"")


def describe_images(html: Path) -> int:
    """Give every chart image of the site its title(s) as alternative text; return how many.

    myst-nb writes an SVG output as ``<img alt="../_images/<hash>.svg" ...>``: a screen
    reader, or a reader whose browser does not load the image, gets a file name. Vega
    puts each chart title into the SVG (``aria-label="Title text '…'"``); the page's
    ``alt`` becomes those titles ("; " between the panels of a combined chart), or
    "Chart" when a picture has none. The titles are already escaped for an attribute.
    """
    changed = 0
    for page in html.rglob("*.html"):
        text = page.read_text(encoding="utf-8")

        def alt(match: re.Match[str], page: Path = page) -> str:
            svg = (page.parent / match["src"]).read_text(encoding="utf-8")
            titles = list(dict.fromkeys(_CHART_TITLE.findall(svg)))
            label = "; ".join(titles) if titles else "Chart"
            return f'<img alt="{label}" src="{match["src"]}"'

        new, n = _NAMED_BY_FILE.subn(alt, text)
        if n:
            page.write_text(new, encoding="utf-8")
            changed += n
    return changed


def build(
    out: Path,
    *,
    mathjax: Path = MATHJAX,
    source: Path = ROOT / "notebooks",
    exercises: Path = ROOT / "exercises" / "student",
) -> Path:
    """Build the site into ``out / "html"`` and return that folder.

    Parameters
    ----------
    out
        Build folder; ``out/source`` and ``out/html`` are replaced.
    mathjax
        MathJax 3's ``es5`` folder (``npm ci --prefix book`` installs it).
    source
        Folder of the notebooks to publish.
    exercises
        Folder of the exercises' student copies, published as their own section so that a
        lesson's link to its exercise (``../exercises/student/<id>.ipynb``) works in the site.

    Raises
    ------
    FileNotFoundError
        If MathJax is not installed or ``source`` holds no notebook.
    subprocess.CalledProcessError
        If Sphinx fails or warns (warnings are errors: a broken page is a failed build).
    """
    if not (mathjax / "tex-mml-chtml.js").is_file():
        raise FileNotFoundError(
            f"MathJax not found at {mathjax}; install it with `npm ci --prefix {BOOK}` "
            "(`make book` does this)"
        )
    books = notebooks(source)
    if not books:
        raise FileNotFoundError(f"no notebook (*.ipynb) in source={str(source)!r}")
    out = Path(out)
    src, html = out / "source", out / "html"
    shutil.rmtree(src, ignore_errors=True)
    shutil.rmtree(html, ignore_errors=True)
    (src / "notebooks").mkdir(parents=True)
    shutil.copy2(BOOK / "conf.py", src / "conf.py")
    shutil.copytree(STATIC, src / "_static")
    index = (BOOK / "index.md").read_text(encoding="utf-8")
    tasks = sorted(exercises.glob("*.ipynb")) if exercises.is_dir() else []
    contents = toctree(books, names=titles())
    if tasks:
        contents += "\n" + toctree(tasks, caption="Exercises", folder="exercises/student")
        (src / "exercises" / "student").mkdir(parents=True)
    (src / "index.md").write_text(f"{index}\n{contents}", encoding="utf-8")
    for nb in books:
        publish(nb, src / "notebooks" / nb.name)
    for nb in tasks:
        publish(nb, src / "exercises" / "student" / nb.name)
    for part in MATHJAX_PARTS:
        origin, target = mathjax / part, src / "_static" / "mathjax" / part
        target.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, target)
        else:
            shutil.copy2(origin, target)
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going"]
    cmd += ["-d", str(out / "doctrees"), str(src), str(html)]
    subprocess.run(cmd, check=True)
    describe_images(html)
    return html


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=str(ROOT / "build" / "book"), type=Path)
    args = parser.parse_args(argv)
    html = build(args.out)
    print(f"static course: {html / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
