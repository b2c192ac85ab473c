"""Reading scenario files: TOML text or a ready-made name in, a checked Scenario out.

Every key is checked: an unknown key (a typo) is an error, and every error names
the file, the key as a dotted path and the problem. Files nested deeper than
any scenario needs are refused with one line naming the key (tomllib itself
would fail with a RecursionError).
"""

from __future__ import annotations

import dataclasses
import difflib
import numbers
import tomllib
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from funnelsim._validation import check_choice, check_probability, check_real
from funnelsim.model import (
    AAARRR_STAGES,
    TLTB_STAGES,
    Funnel,
    Stage,
    TimeInStage,
    aaarrr,
    trigger_learn_try_buy,
)
from funnelsim.scenarios.errors import (
    _TOP_LEVEL,
    ScenarioError,
    _check_str,
    _describe,
    _Table,
)
from funnelsim.scenarios.sections import (
    _SECTIONS,
    EconomicsSettings,
    GrowthSettings,
    RetentionSettings,
    growth_repeats,
)

if TYPE_CHECKING:
    from funnelsim.scenarios.record import Scenario

#: Folder (inside the package) holding the ready-made scenario files.
SCENARIO_DIR = "scenario_files"

_PRESETS: dict[str, tuple[Callable[..., Funnel], tuple[str, ...]]] = {
    "aaarrr": (aaarrr, AAARRR_STAGES),
    "trigger_learn_try_buy": (trigger_learn_try_buy, TLTB_STAGES),
}
_PRESET_ALIASES = {"tltb": "trigger_learn_try_buy"}
_TIME_KEYS = ("kind", "mean", "shape")


def scenario_from_dict(data: Mapping[str, Any], *, source: str | None = None) -> Scenario:
    """Build a scenario from the mapping a TOML file parses to (see :meth:`Scenario.from_dict`)."""
    from funnelsim.scenarios.record import Scenario

    top = _Table(data, "", source)
    funnel_table = top.sub("funnel")
    funnel = aaarrr() if funnel_table is None else _read_funnel(funnel_table)
    kwargs: dict[str, Any] = {"funnel": funnel}
    for key, check in _TOP_LEVEL.items():
        if top.has(key):
            kwargs[key] = top.get(key, check)
    for key, section in _SECTIONS.items():
        table = top.sub(key)
        if table is not None:
            kwargs[key] = section.read(table)
    growth = top.sub("growth")
    if growth is not None:
        kwargs["growth"] = GrowthSettings.read(growth, funnel)
        if "economics" in kwargs:
            _check_growth_repeats(growth, kwargs["economics"], kwargs.get("retention"))
    top.finish(["funnel", *_TOP_LEVEL, *_SECTIONS, "growth"])
    try:
        return Scenario(**kwargs, source=source)
    except (TypeError, ValueError) as err:
        raise ScenarioError(str(err), source=source) from None


def _check_growth_repeats(
    growth: _Table, econ: EconomicsSettings, retention: RetentionSettings | None
) -> None:
    """A ``[growth]`` key repeating an ``[economics]`` number with another value fails the load.

    The growth model takes ARPU, margin, churn and discount from ``[economics]``
    (:class:`GrowthSettings`); the same value repeated is allowed (older files).
    """
    repeats = growth_repeats(growth.data, econ, retention)
    if repeats:
        key, value, other_key, other = repeats[0]
        raise growth.error(
            f"{key} = {value!r} repeats {other_key} = {other!r} with a different value; give "
            "it in one place: with an [economics] section the growth model takes arpu, margin, "
            f"churn, discount, expansion and horizon from it (delete {key}, or change "
            f"{other_key})",
            key,
        )


def _read_time(value: Any, key: str, source: str | None) -> TimeInStage:
    if isinstance(value, TimeInStage):
        return value
    if isinstance(value, Mapping):
        table = _Table(value, key, source)
        kind = table.get(
            "kind", lambda k, v: check_choice(k, v, ("fixed", "exponential", "gamma", "lognormal"))
        )
        if kind is None:
            raise table.error(
                "a time table needs kind = 'fixed', 'exponential', 'gamma' or 'lognormal'"
            )
        mean = table.get("mean", lambda k, v: check_real(k, v, low=0.0))
        if mean is None:
            raise table.error("a time table needs a mean")
        shape = table.get("shape", lambda k, v: check_real(k, v, low=0.0, low_open=True))
        table.finish(_TIME_KEYS)
        try:
            return TimeInStage(kind, mean, shape)
        except (TypeError, ValueError) as err:
            raise table.error(str(err)) from None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ScenarioError(
            "must be a number (a fixed time) or a table with kind and mean, "
            f"got {_describe(value)}",
            key=key,
            source=source,
        )
    try:
        return TimeInStage.fixed(check_real(key, value, low=0.0))
    except ValueError as err:
        raise ScenarioError(str(err), key=key, source=source) from None


def _read_funnel(table: _Table) -> Funnel:
    has_preset, has_stages = table.has("preset"), table.has("stages")
    if has_preset == has_stages:
        raise table.error(
            "needs either preset = 'aaarrr' / 'trigger_learn_try_buy' or [[funnel.stages]]"
        )
    name = table.get("name", _check_str)
    if has_stages:
        funnel = _read_stages(table, name)
        for extra in ("rates", "times"):
            if table.has(extra):
                raise table.error(
                    f"{extra} go with a preset; with [[funnel.stages]] give each stage its own "
                    f"{'rate' if extra == 'rates' else 'time'}",
                    table.key(extra),
                )
        table.finish(("name", "stages"))
        return funnel
    choices = sorted([*_PRESETS, *_PRESET_ALIASES])
    preset = table.get("preset", lambda k, v: check_choice(k, v, choices))
    preset = _PRESET_ALIASES.get(preset, preset)
    factory, names = _PRESETS[preset]
    funnel = factory() if name is None else factory(name=name)
    rates = table.sub("rates")
    if rates is not None:
        for key in rates.data:
            stage = _stage_for(funnel, str(key), rates)
            rate = rates.get(key, check_probability)
            if stage == 0 and rate != 1.0:
                raise rates.error(
                    f"the first stage {names[0]!r} always has rate 1, got {rate!r}", rates.key(key)
                )
            funnel = funnel.with_rates({funnel.names[stage]: rate})
    times = table.sub("times")
    if times is not None:
        for key, value in times.data.items():
            stage = _stage_for(funnel, str(key), times)
            times.used.add(key)
            time = _read_time(value, times.key(key), table.source)
            funnel = funnel.with_times({funnel.names[stage]: time})
    table.finish(("preset", "name", "rates", "times"))
    return funnel


def _stage_for(funnel: Funnel, key: str, table: _Table) -> int:
    try:
        return funnel.index(key)
    except ValueError:
        raise table.error(
            f"no stage {key!r} in the {funnel.name!r} funnel; stages are {list(funnel.names)}",
            table.key(key),
        ) from None


def _read_stages(table: _Table, name: str | None) -> Funnel:
    items = table.data["stages"]
    table.used.add("stages")
    if not isinstance(items, list) or not items:
        raise table.error(
            f"must be a non-empty array of tables ([[funnel.stages]]), got {_describe(items)}",
            table.key("stages"),
        )
    stages = []
    for i, item in enumerate(items):
        st = _Table(item, f"{table.key('stages')}[{i}]", table.source)
        stage_name = st.get("name", _check_str)
        if stage_name is None:
            raise st.error("every stage needs a name")
        if not stage_name.strip():
            raise st.error(f"must not be empty, got {stage_name!r}", st.key("name"))
        rate = st.get("rate", check_probability, 1.0)
        if i == 0 and rate != 1.0:
            raise st.error(
                f"the first stage is where buyers enter: its rate must be 1, got {rate!r}",
                st.key("rate"),
            )
        time = TimeInStage()
        if st.has("time"):
            st.used.add("time")
            time = _read_time(st.data["time"], st.key("time"), table.source)
        st.finish(("name", "rate", "time"))
        stages.append(Stage(stage_name, rate, time))
    seen: dict[str, int] = {}
    for i, s in enumerate(stages):
        if s.name in seen:
            raise table.error(
                f"stage name {s.name!r} is used twice (also stages[{seen[s.name]}])",
                f"{table.key('stages')}[{i}].name",
            )
        seen[s.name] = i
    return Funnel(tuple(stages), name="funnel" if name is None else name)


def _builtin_dir() -> Any:
    return resources.files("funnelsim").joinpath(SCENARIO_DIR)


def list_scenarios() -> list[str]:
    """Names of the ready-made scenarios, for :func:`load_scenario`.

    >>> "b2c_referral" in list_scenarios()
    True
    """
    folder = _builtin_dir()
    return sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_scenario(scenario: str | Path) -> Scenario:
    """Read a scenario from a TOML file or by ready-made name.

    Parameters
    ----------
    scenario : str or Path
        A path to a ``.toml`` file, or the name of a ready-made scenario (see
        :func:`list_scenarios`), e.g. ``"b2b_saas"``.

    Returns
    -------
    Scenario
        With :attr:`Scenario.source` set to the path (or the ready-made name).

    Raises
    ------
    ScenarioError
        If the file is not valid TOML or a key is unknown, missing or out of
        range; the message names the file, the key and the problem.
    FileNotFoundError
        If no such file or ready-made scenario exists.
    """
    from funnelsim.scenarios.record import Scenario

    if isinstance(scenario, Scenario):
        return scenario
    if not isinstance(scenario, str | Path):
        raise TypeError(f"scenario must be a path or a ready-made name, got {_describe(scenario)}")
    path = Path(scenario)
    if path.suffix == ".toml" or path.exists() or len(path.parts) > 1:
        if not path.is_file():
            hint = ""
            if path.stem in list_scenarios() and len(path.parts) == 1:
                hint = f"; the ready-made scenario is called {path.stem!r}, without .toml"
            raise FileNotFoundError(f"no scenario file {str(path)!r}{hint}")
        return _parse(path.read_bytes(), str(path))
    name = str(scenario)
    available = list_scenarios()
    if name not in available:
        close = difflib.get_close_matches(name, available, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise FileNotFoundError(
            f"no scenario file or ready-made scenario {name!r}{hint} (ready-made: {available})"
        )
    text = _builtin_dir().joinpath(f"{name}.toml").read_bytes()
    return _parse(text, name)


def scenario_text(scenario: str | Path) -> str:
    """The TOML text of a scenario file or ready-made scenario, as written.

    Parameters
    ----------
    scenario : str or Path
        A path to a ``.toml`` file or a ready-made name (see :func:`list_scenarios`).

    Returns
    -------
    str
        The file's text with its comments (what ``funnelsim show`` prints).

    Raises
    ------
    FileNotFoundError
        If no such file or ready-made scenario exists.
    """
    path = Path(scenario)
    if path.suffix == ".toml" or path.exists() or len(path.parts) > 1:
        return path.read_text(encoding="utf-8-sig")  # without a byte-order mark
    if str(scenario) not in list_scenarios():
        load_scenario(scenario)  # raises the helpful FileNotFoundError
    return str(_builtin_dir().joinpath(f"{scenario}.toml").read_text(encoding="utf-8"))


def loads_scenario(text: str, *, source: str | None = None) -> Scenario:
    """Read a scenario from TOML text.

    Parameters
    ----------
    text : str
        The TOML document.
    source : str, optional
        What to call the text in error messages (a file name, "lesson 3").

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        If the text is not valid TOML or a key is unknown or out of range.

    Examples
    --------
    >>> loads_scenario("buyers = 500\\nseed = 1").buyers
    500
    """
    return _parse(text.encode("utf-8"), source)


def _parse(raw: bytes, source: str | None) -> Scenario:
    try:
        # utf-8-sig: a byte-order mark (Windows Notepad adds one) is not part of the TOML.
        text = raw.decode("utf-8-sig")
        data = tomllib.loads(text)
    except UnicodeDecodeError as err:
        raise ScenarioError(f"is not UTF-8 text ({err.reason})", source=source) from None
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"is not valid TOML: {err}", source=source) from None
    except RecursionError:
        data = None
    if data is None or _depth(data) > _MAX_DEPTH:
        key, line = _too_deep(raw.decode("utf-8-sig"))
        raise ScenarioError(
            f"nests arrays or inline tables more than {_MAX_DEPTH} levels deep (line {line}); "
            "no scenario key needs more than 2",
            key=key,
            source=source,
        )
    # Remember the text: saving it back changes only what moved (tomlkit keeps the rest).
    return dataclasses.replace(scenario_from_dict(data, source=source), origin=text)


def _depth(data: Any) -> int:
    """Nesting depth of lists and tables in parsed TOML (without recursion)."""
    deepest, stack = 0, [(data, 0)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if level > _MAX_DEPTH:
            break
        if isinstance(node, Mapping):
            stack.extend((v, level + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, level + 1) for v in node)
    return deepest


#: Nesting depth of arrays and inline tables reported as "too deep" (tomllib gives
#: up with a RecursionError a few hundred levels down).
_MAX_DEPTH = 50


def _too_deep(text: str) -> tuple[str, int]:
    """The dotted key and line number where ``text`` first nests deeper than :data:`_MAX_DEPTH`.

    A light scan (strings and comments skipped, table headers followed), enough
    to name the culprit in an error message; the TOML itself was already refused.
    """
    table, key, depth, line = "", "", 0, 1
    quote: str | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\n":
            line += 1
        if quote is not None:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if text.startswith(quote, i):
                i += len(quote)
                quote = None
                continue
        elif ch == "#":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        elif ch in "\"'":
            quote = ch * 3 if text.startswith(ch * 3, i) else ch
            i += len(quote)
            continue
        elif depth == 0 and ch == "[" and not text[text.rfind("\n", 0, i) + 1 : i].strip():
            end = text.find("\n", i)
            header = text[i : len(text) if end < 0 else end].split("#", 1)[0].strip()
            table = header.strip("[]").strip()
            i = len(text) if end < 0 else end
            continue
        elif ch == "=" and depth == 0:
            start = text.rfind("\n", 0, i) + 1
            key = text[start:i].strip()
        elif ch in "[{":
            depth += 1
            if depth > _MAX_DEPTH:
                return (f"{table}.{key}" if table else key), line
        elif ch in "]}":
            depth -= 1
        i += 1
    return (f"{table}.{key}" if table else key) or "?", line
