"""The package's public surface: what `import funnelsim` promises."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import funnelsim as fs


def _stub() -> tuple[dict[str, list[str]], list[str]]:
    """What ``funnelsim/__init__.pyi`` promises: module -> names, and the submodules."""
    tree = ast.parse(Path(fs.__file__).with_suffix(".pyi").read_text())
    exports: dict[str, list[str]] = {}
    submodules: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            names = [a.name for a in node.names]
            # "X as X" is how a stub re-exports a name; anything else would stay private
            assert all(a.asname == a.name for a in node.names), ast.unparse(node)
            if node.module:
                exports.setdefault(node.module, []).extend(names)
            else:
                submodules.extend(names)
    return exports, submodules


_EXPORTS, _SUBMODULES = _stub()

HEAVY = ("numpy", "scipy", "pandas", "altair", "ipywidgets")


def loaded_after(code: str) -> set[str]:
    """Top-level packages imported by ``code`` in a fresh interpreter."""
    probe = f"import sys; {code}; print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_import_funnelsim_loads_nothing_heavy():
    assert not loaded_after("import funnelsim") & set(HEAVY)


def loaded_modules_after(code: str) -> set[str]:
    """Every module (dotted names too) imported by ``code`` in a fresh interpreter."""
    probe = f"import sys; {code}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_a_first_simulation_needs_numpy_alone():
    # Issue 10: the first result in a fresh kernel comes after numpy's import only;
    # pandas and scipy load when a frame or an interval is asked for.
    first = "import funnelsim as fs; r = fs.simulate(fs.aaarrr(), 100, seed=1)"
    assert loaded_after(first) & set(HEAVY) == {"numpy"}
    events = first.replace("seed=1", "seed=1, events=True")
    assert loaded_after(events) & set(HEAVY) == {"numpy", "pandas"}
    table = loaded_modules_after(f"{first}; r.table()")
    assert {"pandas", "scipy.special"} <= table
    assert "scipy.stats" not in table  # scipy.special computes the exact intervals


def test_the_core_never_imports_altair_or_ipywidgets():
    core = "; ".join(f"import funnelsim.{m}" for m in _EXPORTS)
    loaded = loaded_after(core)
    assert {"numpy", "scipy", "pandas"} <= loaded
    assert not loaded & {"altair", "ipywidgets"}


@pytest.mark.parametrize("name", sorted(fs.__all__))
def test_every_public_name_resolves_to_its_module(name):
    obj = getattr(fs, name)
    if name in _SUBMODULES:
        assert inspect.ismodule(obj) and obj.__name__ == f"funnelsim.{name}"
    elif inspect.isfunction(obj) or inspect.isclass(obj):
        module = next(m for m, names in _EXPORTS.items() if name in names)
        assert obj.__module__ == f"funnelsim.{module}"
        assert obj is getattr(importlib.import_module(f"funnelsim.{module}"), name)


@pytest.mark.parametrize("module", sorted(_EXPORTS))
def test_stub_names_are_in_each_modules_all(module):
    # __init__.pyi picks the names a lesson needs from each module's public names.
    names = importlib.import_module(f"funnelsim.{module}").__all__
    assert set(_EXPORTS[module]) <= set(names), f"funnelsim.{module}.__all__ lacks them"


def test_all_is_exactly_what_the_stub_lists():
    stub_names = [n for names in _EXPORTS.values() for n in names] + _SUBMODULES
    assert len(stub_names) == len(set(stub_names)), "a name is listed twice in __init__.pyi"
    assert set(fs.__all__) == {*stub_names, "__version__"}


def test_eager_import_loads_every_public_name():
    # lazy_loader's switch: EAGER_IMPORT=1 imports everything at `import funnelsim`.
    env = {"EAGER_IMPORT": "1", "PATH": "", "PYTHONPATH": str(Path(fs.__file__).parents[1])}
    probe = (
        "import sys, funnelsim; print(sorted(m for m in sys.modules if m.startswith('funnelsim.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env
    ).stdout
    assert all(f"funnelsim.{m}" in out for m in [*_EXPORTS, *_SUBMODULES])


@pytest.mark.parametrize(
    "name", sorted(n for n in fs.__all__ if inspect.isfunction(getattr(fs, n)))
)
def test_public_functions_have_numpy_style_docstrings(name):
    func = getattr(fs, name)
    doc = inspect.getdoc(func) or ""
    assert doc, f"{name} has no docstring"
    if inspect.signature(func).parameters:
        assert "Parameters\n----------" in doc, f"{name}: no numpy-style Parameters section"


def test_unknown_attribute_is_a_clear_error():
    with pytest.raises(AttributeError, match=r"module 'funnelsim' has no attribute 'simulat'"):
        fs.simulat  # noqa: B018


def test_dir_lists_the_public_names_for_tab_completion():
    assert set(dir(fs)) == set(fs.__all__)
    assert {"simulate", "aaarrr", "charts", "widgets", "__version__"} <= set(dir(fs))


def test_version_matches_the_installed_metadata():
    from importlib.metadata import version

    assert fs.__version__ == version("funnelsim")


def test_docstrings_cite_sources_the_reader_can_find():
    # The course's private subject digest is not in the repository: cite the literature
    # or the lesson instead (issue 8 §2).
    src = Path(fs.__file__).parent
    citing = [p.name for p in src.rglob("*.py") if "SEED-DIGEST" in p.read_text(encoding="utf-8")]
    assert citing == []
