"""Writing scenario files with tomlkit: a new file, or the loaded file with only what moved.

A scenario read from a file remembers the file's text (:attr:`Scenario.origin`);
saving it changes only the values that differ and keeps every comment, blank
line and key order of the original, the "save only what moved" the explorers
promise. tomlkit (a style-preserving TOML library, the one Poetry uses) does
the layout-keeping; writing TOML by hand is not this package's job.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import tomlkit
from tomlkit.items import AoT, InlineTable, Table

from funnelsim._io import atomic_write
from funnelsim.model import Funnel, TimeInStage
from funnelsim.scenarios.errors import _describe, _Inline, _keyword
from funnelsim.scenarios.reader import _PRESETS
from funnelsim.scenarios.sections import (
    _SECTIONS,
    GROWTH_FROM_ECONOMICS,
    RENAMED_KEYS,
    growth_repeats,
)

if TYPE_CHECKING:
    from funnelsim.scenarios.record import Scenario


def _time_to_value(time: TimeInStage) -> Any:
    if time.kind == "fixed":
        return time.mean
    out = _Inline(kind=time.kind, mean=time.mean)
    if time.shape is not None:
        out["shape"] = time.shape
    return out


def _funnel_to_dict(funnel: Funnel) -> dict[str, Any]:
    for preset, (factory, names) in _PRESETS.items():
        if funnel.names != names:
            continue
        default = factory()
        out: dict[str, Any] = {"preset": preset}
        if funnel.name != default.name:
            out["name"] = funnel.name
        out["rates"] = {_keyword(s.name): s.rate for s in funnel.stages[1:]}
        times = {
            _keyword(s.name): _time_to_value(s.time)
            for s, d in zip(funnel.stages, default.stages, strict=True)
            if s.time != d.time
        }
        if times:
            out["times"] = times
        return out
    stages = []
    for i, s in enumerate(funnel.stages):
        entry: dict[str, Any] = {"name": s.name}
        if i:
            entry["rate"] = s.rate
        if s.time != TimeInStage():
            entry["time"] = _time_to_value(s.time)
        stages.append(entry)
    out = {"name": funnel.name} if funnel.name != "funnel" else {}
    out["stages"] = stages
    return out


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The mapping the reader turns back into an equal scenario (what a file holds).

    Defaults are left out; a funnel whose stages are a preset's is written
    as that preset with every rate listed.
    """
    self = scenario
    out: dict[str, Any] = {"name": self.name}
    if self.description:
        out["description"] = self.description
    if self.seed is not None:
        out["seed"] = self.seed
    out["buyers"] = self.buyers
    defaults = {f.name: f.default for f in dataclasses.fields(self)}
    for key in ("mode", "replications", "events", "entry_window", "period"):
        value = getattr(self, key)
        if value != defaults[key]:
            out[key] = value
    out["funnel"] = _funnel_to_dict(self.funnel)
    for key in _SECTIONS:
        section = getattr(self, key)
        if section is not None:
            out[key] = section.to_dict()
    if self.growth is not None:
        # with [economics], arpu, margin, churn and discount are written there only
        shared = GROWTH_FROM_ECONOMICS if self.economics is not None else ()
        out["growth"] = self.growth.to_dict(skip=shared)
    return out


def _plain(value: Any) -> Any:
    """numpy scalars as Python ones."""
    return value.item() if isinstance(value, np.generic) else value


def _is_table(value: Any) -> bool:
    return isinstance(value, Mapping) and not isinstance(value, _Inline)


def _item(value: Any) -> Any:
    """``value`` as a tomlkit item: tables, inline tables, arrays of tables, scalars."""
    value = _plain(value)
    if isinstance(value, _Inline):
        inline = tomlkit.inline_table()
        for k, v in value.items():
            inline.append(str(k), _item(v))
        return inline
    if isinstance(value, Mapping):
        table = tomlkit.table()
        # scalars first: a key after a sub-table would belong to the sub-table
        for k, v in sorted(value.items(), key=lambda kv: _is_table(kv[1]) or _is_aot(kv[1])):
            table.add(str(k), _item(v))
        return table
    if isinstance(value, list | tuple):
        if _is_aot(value):
            aot = tomlkit.aot()
            for v in value:
                aot.append(_item(v))
            return aot
        array = tomlkit.array()
        array.extend(_item(v) for v in value)
        return array
    if isinstance(value, str):
        # A multi-line TOML string may have its line ends normalised by the reader
        # (TOML 1.0), so a value with a carriage return is written on one line, escaped.
        return tomlkit.string(value, multiline="\n" in value and "\r" not in value)
    if isinstance(value, bool | int | float):
        return tomlkit.item(value)
    raise TypeError(f"cannot write {_describe(value)} to TOML")


def _is_aot(value: Any) -> bool:
    return isinstance(value, list | tuple) and bool(value) and all(_is_table(v) for v in value)


def dumps_toml(data: Mapping[str, Any]) -> str:
    """TOML text for a nested mapping of strings, numbers, booleans, lists and tables.

    Written by tomlkit: sub-mappings become ``[tables]``, lists of mappings
    ``[[arrays of tables]]``, :class:`_Inline` mappings ``{ inline = "tables" }``;
    floats are written exactly (``tomllib.loads(dumps_toml(d)) == d``).

    Raises
    ------
    TypeError
        For a value TOML cannot hold (None, an object).

    Examples
    --------
    >>> print(dumps_toml({"seed": 1, "funnel": {"preset": "aaarrr"}}), end="")
    seed = 1
    <BLANKLINE>
    [funnel]
    preset = "aaarrr"
    """
    document = tomlkit.document()
    for k, v in sorted(data.items(), key=lambda kv: _is_table(kv[1]) or _is_aot(kv[1])):
        document.add(str(k), _item(v))
    return tomlkit.dumps(document)


def _patch(container: Any, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
    """Change ``container`` (a tomlkit table) where ``new`` differs from ``old``, in place."""
    for key in old:
        if key not in new and key in container:
            del container[key]
    for key, value in new.items():
        before: Any = old.get(key)
        if key in old and before == value:
            continue
        here = container.get(key) if key in container else None
        if _is_table(value) and _is_table(before) and isinstance(here, Table | dict):
            _patch(here, before, value)
        elif (
            isinstance(value, _Inline)
            and isinstance(before, _Inline)
            and isinstance(here, InlineTable)
            and set(value) == set(before) == set(here)
        ):
            _patch(here, before, value)  # one number of { before = ..., at = ... } moved
        elif (
            isinstance(here, AoT)
            and _is_aot(value)
            and _is_aot(before)
            and len(value) == len(before) == len(here)
        ):
            for item, b, v in zip(here, before, value, strict=True):
                _patch(item, b, v)
        else:
            container[key] = _item(value)


def scenario_toml(scenario: Scenario) -> str:
    """The TOML text of ``scenario``: its original file with what moved changed, or a new one."""
    new = scenario_to_dict(scenario)
    if scenario.origin is None:
        return dumps_toml(new)
    from funnelsim.scenarios.reader import loads_scenario

    document = tomlkit.parse(scenario.origin)
    for section, renames in RENAMED_KEYS.items():
        table = document.get(section)
        for old, new_key in renames.items():
            if isinstance(table, Table | dict) and old in table and new_key not in table:
                value = table[old]
                del table[old]
                table[new_key] = value
    with warnings.catch_warnings():  # the file's old key names were warned about when read
        warnings.simplefilter("ignore", DeprecationWarning)
        origin = loads_scenario(scenario.origin)
    _patch(document, scenario_to_dict(origin), new)
    growth = document.get("growth")
    if scenario.economics is not None and isinstance(growth, Table | dict):
        # An older file repeats [economics]' numbers in [growth]: a repeat the change
        # made different would no longer load, so it goes (the number lives in one place).
        for key, *_ in growth_repeats(dict(growth), scenario.economics, scenario.retention):
            del growth[key.split(".", 1)[1]]
    return tomlkit.dumps(document)


def save_scenario(scenario: Scenario, path: str | Path) -> Path:
    """Write :func:`scenario_toml` to ``path``: the old file or the whole new one, never a part."""
    target = Path(path)
    atomic_write(target, scenario_toml(scenario))
    return target
