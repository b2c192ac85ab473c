"""Sphinx configuration of the static course (``make book``).

The site is built from the notebooks' committed outputs (no execution) by Sphinx + myst-nb with
sphinx-book-theme, and must load with no request to another host: MathJax is served from the
site itself (``_static/mathjax``, copied by ``book/build.py`` from the npm ``mathjax`` package),
and myst-nb's ipywidgets scripts, which come from a CDN, are switched off (a widget's output has
no kernel to talk to on a static page; the static text or image beside it is shown instead).
Why not Jupyter Book 2 / mystmd: they download their theme at build time, so they cannot build
offline. QuantEcon's lectures use this same Sphinx + myst-nb stack.
"""

from __future__ import annotations

project = "funnelsim: growth and B2B sales funnels by simulation"
author = "funnelsim developers"
copyright = "funnelsim developers, MIT licence"

extensions = ["myst_nb"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "node_modules"]
root_doc = "index"
language = "en"

# Notebooks are shown with the outputs they were committed with; CI (nbval, papermill) is what
# executes them, so the book never runs a kernel and builds in seconds.
nb_execution_mode = "off"
# No CDN scripts for widgets (require.js, @jupyter-widgets/html-manager from unpkg).
nb_ipywidgets_js: dict[str, dict[str, str]] = {}
# Show the static fallback (HTML, SVG, PNG) that every funnelsim widget output carries instead
# of an empty widget placeholder.
nb_mime_priority_overrides = [("*", "application/vnd.jupyter.widget-view+json", None)]
myst_enable_extensions = ["dollarmath", "amsmath"]

# MathJax 3 from the site itself (book/build.py copies the npm package's es5 bundle here).
mathjax_path = "mathjax/tex-mml-chtml.js"

html_theme = "sphinx_book_theme"
html_title = "funnelsim course"
html_static_path = ["_static"]
# The course's own styles (book/_static, copied by book/build.py): code that wraps, outputs
# that scroll with a visible bar.
html_css_files = ["funnelsim.css"]
html_last_updated_fmt = None
html_theme_options = {
    "show_navbar_depth": 1,
    "home_page_in_toc": True,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "launch_buttons": {},
}
# The pydata theme's defaults that would reach the network: none are used (no analytics, no
# external icon fonts, no version switcher).
html_copy_source = True
