"""Errors and the checks every part of a scenario shares: dotted keys, top-level keys."""

from __future__ import annotations

import difflib
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from funnelsim._deprecation import FunnelsimDeprecationWarning
from funnelsim._validation import check_choice, check_int, check_real


class ScenarioError(ValueError):
    """A scenario file or mapping is malformed.

    The message reads ``<source>: <key> <problem>``; the parts are kept in
    :attr:`source`, :attr:`key` and :attr:`problem` for programs.
    """

    def __init__(self, problem: str, *, key: str | None = None, source: str | None = None):
        self.problem = problem
        self.key = key
        self.source = source
        where = source or "scenario"
        if key and not problem.startswith(key):
            problem = f"{key}: {problem}"
        super().__init__(f"{where}: {problem}")


class _Table:
    """A mapping being read: tracks its dotted path and rejects unknown keys."""

    def __init__(self, data: Any, path: str, source: str | None):
        self.path = path
        self.source = source
        if not isinstance(data, Mapping):
            raise self.error(f"must be a table, got {_describe(data)}", path)
        self.data = data
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def error(self, problem: str, key: str | None = None) -> ScenarioError:
        return ScenarioError(problem, key=key if key is not None else self.path, source=self.source)

    def has(self, name: str) -> bool:
        return name in self.data

    def get(self, name: str, check: Callable[[str, Any], Any], default: Any = None) -> Any:
        """Value of ``name`` passed through ``check(dotted_key, value)``, or ``default``."""
        self.used.add(name)
        if name not in self.data:
            return default
        key = self.key(name)
        try:
            return check(key, self.data[name])
        except ScenarioError:
            raise
        except (TypeError, ValueError) as err:
            raise self.error(str(err), key) from None

    def sub(self, name: str) -> _Table | None:
        self.used.add(name)
        if name not in self.data:
            return None
        return _Table(self.data[name], self.key(name), self.source)

    def renamed(self, old: str, new: str) -> None:
        """Read a key's old name ``old`` as ``new``, with a ``DeprecationWarning`` (one release)."""
        if old not in self.data:
            return
        if new in self.data:
            raise self.error(f"give {new} only ({old} is its old name)", self.key(old))
        where = f"{self.source}: " if self.source else ""
        warnings.warn(
            f"{where}the scenario key {self.key(old)} is deprecated and will stop being read in "
            f"the next release; call it {self.key(new)}",
            FunnelsimDeprecationWarning,
            stacklevel=2,
        )
        self.data = {(new if k == old else k): v for k, v in self.data.items()}

    def finish(self, allowed: Iterable[str] | None = None) -> None:
        """Raise on any key not in ``allowed`` (default: the keys read), naming the closest."""
        known = sorted(set(allowed) if allowed is not None else self.used)
        for name in self.data:
            if name not in known:
                close = difflib.get_close_matches(str(name), known, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; known keys are {known}"
                raise self.error(f"unknown key{hint}", self.key(str(name)))


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def _check_str(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{key} must be a string, got {_describe(value)}")
    return value


def _check_bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{key} must be true or false, got {_describe(value)}")
    return value


#: What one period of ``[retention]``, ``[economics]`` and ``[growth]`` can be
#: (the top-level ``period`` key; its name in sentences, cards and axes).
PERIODS = ("day", "week", "month", "quarter", "year")

#: Scalar top-level keys (a file's key and the Scenario field are the same) and
#: their checks, shared by the constructor and the file reader; the defaults are
#: the dataclass's.
_TOP_LEVEL: dict[str, Callable[[str, Any], Any]] = {
    "name": _check_str,
    "description": _check_str,
    "buyers": lambda k, v: check_int(k, v, low=0),
    "seed": lambda k, v: None if v is None else check_int(k, v, low=0),
    "mode": lambda k, v: check_choice(k, v, ("buyers", "counts")),
    "replications": lambda k, v: check_int(k, v, low=1),
    "events": _check_bool,
    "entry_window": lambda k, v: check_real(k, v, low=0.0),
    "period": lambda k, v: check_choice(k, _check_str(k, v), PERIODS),
}


def _keyword(name: str) -> str:
    return re.sub(r"\W+", "_", name.strip().lower()).strip("_")


class _Inline(dict[str, Any]):
    """A table written inline (``{ kind = "gamma", mean = 2.0 }``)."""
