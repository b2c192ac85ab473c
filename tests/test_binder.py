"""The repo2docker / Binder files (``binder/``) agree with the pinned set (``constraints.txt``).

``binder/requirements.txt`` pins what a student's JupyterLab needs: funnelsim's core and its
``notebooks`` extra with every transitive dependency, each at exactly the version in
``constraints.txt`` (what CI tested). ``binder/postBuild`` then installs funnelsim itself
without touching those pins. The closure is computed from the installed packages' metadata
(``importlib.metadata``, the same requirement data pip resolved), markers evaluated here.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"


def pins(path: Path) -> dict[str, str]:
    """``name==version`` lines of a requirements/constraints file, by canonical name."""
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9._-]+)==([^\s;]+)", line)
            assert match, f"{path.name}: {line!r} is not an exact pin"
            found[canonicalize_name(match[1])] = match[2]
    return found


def closure(root: str, extras: set[str]) -> set[str]:
    """Canonical names of every distribution ``root[extras]`` needs, itself excluded."""
    seen: set[str] = set()
    todo: list[tuple[str, set[str]]] = [(root, extras)]
    while todo:
        name, wanted = todo.pop()
        for text in metadata.requires(name) or []:
            req = Requirement(text)
            ok = any(
                req.marker is None or req.marker.evaluate({**default_environment(), "extra": e})
                for e in (wanted or {""})
            )
            dep = canonicalize_name(req.name)
            if not ok or dep == canonicalize_name(root):
                if ok and req.extras:  # funnelsim[notebooks] inside another extra
                    todo.append((name, set(req.extras)))
                continue
            if dep not in seen or req.extras:
                seen.add(dep)
                todo.append((req.name, set(req.extras)))
    return seen


def test_binder_pins_are_exactly_the_constraints() -> None:
    binder, constraints = pins(BINDER / "requirements.txt"), pins(ROOT / "constraints.txt")
    differ = {n: (v, constraints.get(n)) for n, v in binder.items() if constraints.get(n) != v}
    assert not differ, f"binder/requirements.txt differs from constraints.txt: {differ}"


def test_binder_pins_everything_a_lesson_needs() -> None:
    needed = closure("funnelsim", {"notebooks"})
    assert {"numpy", "altair", "jupyterlab", "vl-convert-python"} <= needed
    missing = sorted(needed - set(pins(BINDER / "requirements.txt")))
    assert not missing, f"binder/requirements.txt lacks {missing}"


def test_post_build_installs_funnelsim_without_changing_the_pins() -> None:
    script = (BINDER / "postBuild").read_text(encoding="utf-8")
    assert script.startswith("#!/bin/bash") and "set -euo pipefail" in script
    assert re.search(r"pip install .*--no-deps .*\.", script), script
    assert (BINDER / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"
    runtime = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    assert re.fullmatch(r"python-3\.(1[1-9])", runtime), runtime
