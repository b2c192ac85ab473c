"""funnelsim: simulate growth and B2B sales funnels, and learn from them.

>>> import funnelsim as fs
>>> result = fs.simulate(fs.aaarrr(), buyers=1_000, seed=1)
>>> result.counts.shape
(1, 6)

The public names are loaded **on first use** with the Scientific Python
community's ``lazy_loader`` (SPEC 1): ``__init__.pyi`` lists them, type checkers
read it as this package's interface, and ``lazy_loader.attach_stub`` reads the
same file to import each name's module when the name is first touched. So
``import funnelsim`` imports nothing heavy, the command line starts at once, and
a notebook pays for numpy (and later pandas, scipy) only when it first needs
them. The core needs only those three; charts (:mod:`funnelsim.charts`, altair)
and explorers (:mod:`funnelsim.widgets`, ipywidgets) are submodules loaded the
same way, on first access. ``EAGER_IMPORT=1`` in the environment loads
everything at import time (lazy_loader's switch, handy to surface import errors).
"""

from __future__ import annotations

from typing import Any

import lazy_loader as _lazy

__version__ = "0.1.0"

_lazy_getattr, _, _public = _lazy.attach_stub(__name__, __file__)
__all__ = sorted([*_public, "__version__"])


def __getattr__(name: str) -> Any:
    if name not in _public:  # the message Python gives for any other module
        raise AttributeError(f"module 'funnelsim' has no attribute {name!r}")
    return _lazy_getattr(name)


def __dir__() -> list[str]:
    return list(__all__)
