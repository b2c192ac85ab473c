"""The Scenario record: a whole simulation setup, checked at construction."""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from funnelsim._deprecation import positional_seed
from funnelsim._validation import check_probability
from funnelsim.economics import UnitEconomics
from funnelsim.engine import SimulationResult, simulate
from funnelsim.model import Funnel, aaarrr
from funnelsim.retention import ChurnModel
from funnelsim.scenarios.errors import _TOP_LEVEL, ScenarioError, _describe
from funnelsim.scenarios.reader import _read_time
from funnelsim.scenarios.sections import (
    _SECTIONS,
    _STAGE_KEYS,
    GROWTH_FROM_ECONOMICS,
    B2BSettings,
    EconomicsSettings,
    GrowthSettings,
    ReferralSettings,
    RetentionSettings,
    _growth_message,
    growth_from_economics,
)

if TYPE_CHECKING:
    from funnelsim.scenarios.runner import ScenarioRun


@dataclass(frozen=True)
class Scenario:
    """A whole simulation setup: the funnel, the population, the seed.

    Build one with :func:`load_scenario` or :meth:`from_dict`, or directly
    (``Scenario(funnel=fs.aaarrr(activation=0.6), buyers=10_000, seed=1)``).
    Derive variants with :meth:`with_values` or ``dataclasses.replace``.
    """

    #: The funnel buyers pass through.
    funnel: Funnel = field(default_factory=aaarrr)
    #: A title for tables, charts and reports.
    name: str = "scenario"
    #: A sentence or two telling the reader what the scenario shows.
    description: str = ""
    #: Buyers entering the first stage in each replication.
    buyers: int = 10_000
    #: Seed of every random draw; None draws fresh entropy on each run.
    seed: int | None = None
    #: "buyers" (every buyer simulated) or "counts" (binomial chain).
    mode: str = "buyers"
    #: Independent replications of the funnel run.
    replications: int = 1
    #: Whether the funnel run also builds the event log.
    events: bool = False
    #: Buyers enter uniformly over [0, entry_window) (time units); 0 = all at once.
    entry_window: float = 0.0
    #: One period of ``[retention]``, ``[economics]`` and ``[growth]``: "day", "week",
    #: "month" (default), "quarter" or "year"; it names the periods in sentences and tables.
    period: str = "month"
    #: ``[referral]``: a referral cascade seeded by the funnel's customers, or None.
    referral: ReferralSettings | None = None
    #: ``[retention]``: cohorts of customers churning, or None.
    retention: RetentionSettings | None = None
    #: ``[economics]``: unit economics (LTV, CAC, payback), or None.
    economics: EconomicsSettings | None = None
    #: ``[b2b]``: accounts with buying committees, or None.
    b2b: B2BSettings | None = None
    #: ``[growth]``: paid and referral growth over many periods, or None.
    growth: GrowthSettings | None = None
    #: The file this scenario was read from, or its ready-made name (not compared).
    source: str | None = field(default=None, compare=False)
    #: The TOML text it was read from (not compared): :meth:`save` changes only
    #: what moved since and keeps the file's comments and layout.
    origin: str | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.funnel, Funnel):
            raise TypeError(f"funnel must be a Funnel, got {type(self.funnel).__name__}")
        for key, check in _TOP_LEVEL.items():
            object.__setattr__(self, key, check(key, getattr(self, key)))
        if self.events and self.mode == "counts":
            raise ValueError("events = true needs mode = 'buyers' (counts mode has no buyers)")
        for key, cls in _SECTIONS.items():
            value = getattr(self, key)
            if value is not None and not isinstance(value, cls):
                raise TypeError(
                    f"{key} must be a {cls.__name__} or None, got {type(value).__name__}"
                )
        for key, stage_key in _STAGE_KEYS:
            stage = getattr(getattr(self, key), stage_key, None)
            if stage is not None:
                try:
                    self.funnel.index(stage)
                except ValueError as err:
                    raise ValueError(f"{key}.{stage_key}: {err}") from None
        if self.b2b is not None:
            for member in self.b2b.committee.members:
                for stage, _ in member.odds:
                    if stage not in self.funnel.names:
                        raise ValueError(
                            f"b2b needs a funnel with the stages the buying committee influences "
                            f"(Learn, Try, Buy), e.g. preset = 'trigger_learn_try_buy'; "
                            f"this funnel has {list(self.funnel.names)}"
                        )
        if self.growth is not None:
            if not isinstance(self.growth, GrowthSettings):
                raise TypeError(
                    f"growth must be a GrowthSettings or None, got {type(self.growth).__name__}"
                )
            if self.growth.params.funnel != self.funnel:
                # The growth model always runs on the scenario's funnel.
                names = GrowthSettings._param_names()
                try:
                    params = dataclasses.replace(self.growth.params, funnel=self.funnel)
                except (TypeError, ValueError) as err:
                    raise ValueError(_growth_message(str(err), names)[0]) from None
                object.__setattr__(self, "growth", dataclasses.replace(self.growth, params=params))
        if self.economics is not None:
            model = self.economics.churn_model(self.retention)  # checks that there is one
            if self.economics.expansion != 0:
                self._check_expansion(self.economics, model)
            if self.growth is not None:
                self._growth_follows_economics(self.growth, self.economics)

    def _growth_follows_economics(self, growth: GrowthSettings, econ: EconomicsSettings) -> None:
        """One scenario, one set of numbers: ``[growth]`` runs with [economics]' ARPU,
        margin, churn model and discount (the file gives them there only; see
        :class:`GrowthSettings`)."""
        shared = growth_from_economics(econ, self.retention)
        if all(getattr(growth.params, k) == v for k, v in shared.items()):
            return
        try:
            params = dataclasses.replace(growth.params, **shared)
        except (TypeError, ValueError) as err:
            message = _growth_message(str(err), GrowthSettings._param_names())[0]
            raise ValueError(
                f"{message} (with [economics]' arpu, margin, churn, discount and expansion)"
            ) from None
        object.__setattr__(self, "growth", dataclasses.replace(growth, params=params))

    def _check_expansion(self, econ: EconomicsSettings, model: ChurnModel) -> None:
        """An expansion that makes the LTV infinite needs a horizon: say so when built."""
        from funnelsim import economics

        try:
            economics.unit_economics(
                econ.arpu,
                econ.margin,
                model,
                discount=econ.discount,
                expansion=econ.expansion,
                horizon=econ.horizon,
            )
        except ValueError as err:
            text = str(err).replace("pass horizon=", "set economics.horizon")
            raise ValueError(f"economics.expansion = {econ.expansion!r}: {text}") from None

    # -- reading and writing ---------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | None = None) -> Scenario:
        """Build a scenario from the mapping a TOML file parses to.

        Parameters
        ----------
        data : mapping
            The parsed file (see the module docs for its keys).
        source : str, optional
            The file name, for error messages and :attr:`source`.

        Returns
        -------
        Scenario

        Raises
        ------
        ScenarioError
            Naming ``source``, the dotted key and the problem; unknown keys
            are errors.
        """
        from funnelsim.scenarios.reader import scenario_from_dict

        return scenario_from_dict(data, source=source)

    def to_dict(self) -> dict[str, Any]:
        """The mapping :meth:`from_dict` reads back to an equal scenario.

        Defaults are left out; a funnel whose stages are a preset's is written
        as that preset with every rate listed.
        """
        from funnelsim.scenarios.writer import scenario_to_dict

        return scenario_to_dict(self)

    def save(self, path: str | Path) -> Path:
        """Write the scenario as a TOML file, replacing any file at ``path``.

        A scenario read from a file (:attr:`origin`) is written as that file
        with only the values that changed replaced, so its comments and layout
        stay; others are written fresh. The file appears whole or not at all
        (:func:`funnelsim._io.atomic_write`).

        Parameters
        ----------
        path : str or Path
            Where to write (UTF-8); :func:`load_scenario` reads it back to an
            equal scenario.

        Returns
        -------
        Path
            ``path``.
        """
        from funnelsim.scenarios.writer import save_scenario

        return save_scenario(self, path)

    def to_toml(self) -> str:
        """The TOML text :meth:`save` writes (the original file's layout where there is one)."""
        from funnelsim.scenarios.writer import scenario_toml

        return scenario_toml(self)

    # -- deriving --------------------------------------------------------------------
    def with_values(self, values: Mapping[str, Any] | None = None, /, **kwargs: Any) -> Scenario:
        """A copy with values changed by dotted path (see the module docs).

        Parameters
        ----------
        values : mapping of str to value, optional
            Dotted paths as in the file (``"buyers"``, ``"funnel.rates.activation"``,
            ``"referral.invite_conversion"``) and their new values.
        **kwargs
            Top-level keys (``seed=3``).

        Returns
        -------
        Scenario
            Checked like a file; its :attr:`source` is None (it no longer
            matches the file). Each value is set on the record itself
            (``dataclasses.replace`` of the scenario, its section or its
            funnel), with no write-and-read-back of the whole file.

        Raises
        ------
        ScenarioError
            Naming the path and the problem.

        Examples
        --------
        >>> sc = Scenario(buyers=1000)
        >>> sc.with_values({"funnel.rates.activation": 0.6, "buyers": 50}).buyers
        50
        """
        changes = {**(dict(values) if values else {}), **kwargs}
        current = self
        for path, value in changes.items():
            if not isinstance(path, str):
                raise TypeError(f"scenario paths must be strings, got {_describe(path)}")
            current = _with_value(current, path, value, self.source)
        # A changed scenario no longer matches its file: it has to be saved to be shared.
        return dataclasses.replace(current, source=None)

    def value(self, path: str) -> Any:
        """The value at dotted ``path`` (as :meth:`with_values` takes it); None if unset.

        Examples
        --------
        >>> sc = Scenario(buyers=1000)
        >>> sc.value("buyers"), sc.value("funnel.rates.activation"), sc.value("economics.arpu")
        (1000, 0.5, None)
        """
        parts = path.split(".")
        if path in _TOP_LEVEL:
            return getattr(self, path)
        if len(parts) == 3 and parts[0] == "funnel" and parts[1] in ("rates", "times"):
            stage = self.funnel[self.funnel.names[self.funnel.index(parts[2])]]
            return stage.rate if parts[1] == "rates" else stage.time
        if len(parts) == 2 and parts[0] in _SECTIONS:
            section = getattr(self, parts[0])
            return None if section is None else getattr(section, parts[1])
        if len(parts) == 2 and parts[0] == "growth":
            if self.growth is None:
                return None
            if parts[1] in ("periods", "replications"):
                return getattr(self.growth, parts[1])
            if self.economics is not None and parts[1] in GROWTH_FROM_ECONOMICS:
                # the number lives in [economics] (or [retention]): read it there
                target = _economics_key(self, parts[1])
                if target is None:  # an sBG model given by alpha and beta: its mean churn
                    return float(self.growth.params.churn_model.mean_churn)
                return self.value(target)
            return getattr(self.growth.params, parts[1])
        raise ScenarioError("cannot read this path", key=path, source=self.source)

    # -- running ---------------------------------------------------------------------
    @positional_seed
    def simulate(self, *, seed: Any = None, **overrides: Any) -> SimulationResult:
        """Run the funnel with the scenario's settings.

        Parameters
        ----------
        seed : int, Generator, SeedSequence or None
            Replaces the scenario's seed for this run (None: the scenario's).
        **overrides
            New ``buyers``, ``mode``, ``events``, ``replications`` or
            ``entry_window`` for this run.

        Returns
        -------
        SimulationResult
            Equal to ``funnelsim.simulate(sc.funnel, sc.buyers, seed=sc.seed, ...)``.
        """
        allowed = ("buyers", "mode", "events", "replications", "entry_window")
        for key in overrides:
            if key not in allowed:
                raise TypeError(
                    f"simulate() got an unexpected keyword {key!r}; use one of {allowed}"
                )
        settings = {key: overrides.get(key, getattr(self, key)) for key in allowed}
        buyers = settings.pop("buyers")
        return simulate(self.funnel, buyers, seed=self.seed if seed is None else seed, **settings)

    @positional_seed
    def run(self, *, seed: Any = None) -> ScenarioRun:
        """Run everything the scenario describes and collect the results.

        Parameters
        ----------
        seed : int, Generator, SeedSequence or None
            Replaces the scenario's seed for this run (None: the scenario's).

        Returns
        -------
        ScenarioRun
            The funnel run is exactly :meth:`simulate`; each section draws
            from its own stream (:func:`section_seed`), so adding or removing
            a section never changes the others' numbers. Same file and seed,
            same numbers.
        """
        from funnelsim.scenarios.runner import run_scenario

        return run_scenario(self, seed)

    def unit_economics(self) -> UnitEconomics:
        """The ``[economics]`` section's numbers, by :func:`funnelsim.economics.unit_economics`.

        The scenario chooses the model, whichever view shows it: churn is the
        section's own ``churn`` (geometric) or, without it, the ``[retention]``
        section's churn model (sBG when heterogeneous), discounted at the
        section's ``discount``. CAC is ``cac``, or ``paid_spend`` over the
        customers the funnel is *expected* to bring to ``customer_stage``
        (buyers × reach, :func:`~funnelsim.scenarios.runner.expected_customers`): a property of the
        scenario, not of one random run, so the command line, the report and
        every explorer show the same CAC (``inf`` for spend that is expected
        to bring nobody). Periods are months, money the file's currency.

        Raises
        ------
        ValueError
            If the scenario has no ``[economics]`` section.
        """
        from funnelsim.scenarios.runner import scenario_unit_economics

        return scenario_unit_economics(self)

    def to_parameters(self, **extra: Any) -> dict[str, Any]:
        """Papermill parameters that make a lesson use this scenario.

        Parameters
        ----------
        **extra
            More parameters, added (or overriding).

        Returns
        -------
        dict
            ``scenario`` (the file path or ready-made name the lesson passes to
            :func:`load_scenario`), ``buyers`` and ``seed`` (for lessons that
            read only those), then ``extra``.

        Raises
        ------
        ValueError
            For a scenario built in code, which has no file: save it first.
        """
        from funnelsim.scenarios.papermill import to_parameters

        return to_parameters(self, **extra)

    def __str__(self) -> str:
        seed = "fresh seed" if self.seed is None else f"seed {self.seed}"
        return f"{self.name}: {self.buyers:,} buyers, {seed}\n  {self.funnel}"


def _change_stage(funnel: Funnel, what: str, stage: str, value: Any, source: str | None) -> Funnel:
    key = f"funnel.{what}.{stage}"
    try:
        index = funnel.index(stage)
    except ValueError as err:
        raise ScenarioError(str(err), key=key, source=source) from None
    if what == "times":
        return funnel.with_times({funnel.names[index]: _read_time(value, key, source)})
    if index == 0:
        raise ScenarioError(
            f"the first stage {funnel.names[0]!r} always has rate 1, got {value!r}",
            key=key,
            source=source,
        )
    try:
        return funnel.with_rates({funnel.names[index]: check_probability(key, value)})
    except (TypeError, ValueError) as err:
        raise ScenarioError(str(err), key=key, source=source) from None


_PART = re.compile(r"([^.\[\]]+)((?:\[\d+\])*)")


def _split_path(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for chunk in path.split("."):
        m = _PART.fullmatch(chunk)
        if not m:
            raise ValueError(
                f"malformed scenario path {path!r} (expected e.g. 'funnel.stages[1].rate')"
            )
        parts.append(m.group(1))
        parts.extend(int(i) for i in re.findall(r"\[(\d+)\]", m.group(2)))
    return parts


def _set_path(data: dict[str, Any], path: str, value: Any, source: str | None) -> None:
    """Set ``value`` at ``path`` in the nested dict/list ``data`` (creating tables)."""
    parts = _split_path(path)
    node: Any = data
    for depth, part in enumerate(parts[:-1]):
        nxt = parts[depth + 1]
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                size = len(node) if isinstance(node, list) else 0
                raise ScenarioError(
                    f"index {part} is out of range (there are {size})", key=path, source=source
                )
            node = node[part]
            continue
        if not isinstance(node, dict):
            raise ScenarioError(f"{part!r} is not inside a table", key=path, source=source)
        if part not in node:
            if isinstance(nxt, int):
                raise ScenarioError(f"no list {part!r} to index", key=path, source=source)
            node[part] = {}
        node = node[part]
    last = parts[-1]
    if isinstance(last, int):
        if not isinstance(node, list) or last >= len(node):
            raise ScenarioError(f"index {last} is out of range", key=path, source=source)
        node[last] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise ScenarioError(f"{last!r} is not inside a table", key=path, source=source)


def _with_value(sc: Scenario, path: str, value: Any, source: str | None) -> Scenario:
    """``sc`` with the value at dotted ``path`` replaced on the record (no file round trip)."""
    parts = path.split(".")
    try:
        if path in _TOP_LEVEL:
            return dataclasses.replace(sc, **{path: value})
        if len(parts) == 3 and parts[0] == "funnel" and parts[1] in ("rates", "times"):
            return dataclasses.replace(
                sc, funnel=_change_stage(sc.funnel, parts[1], parts[2], value, source)
            )
        if len(parts) == 2 and parts[0] in _SECTIONS:
            return _with_section_value(sc, parts[0], parts[1], value, source)
        if len(parts) == 2 and parts[0] == "growth":
            return _with_growth_value(sc, parts[1], value, source)
        m = re.fullmatch(r"funnel\.stages\[(\d+)\]\.(rate|time)", path)
        if m:
            index = int(m.group(1))
            if index >= len(sc.funnel):
                raise ScenarioError(
                    f"index {index} is out of range (there are {len(sc.funnel)})",
                    key=path,
                    source=source,
                )
            what = "rates" if m.group(2) == "rate" else "times"
            stage = sc.funnel.names[index]
            funnel = _change_stage(sc.funnel, what, stage, value, source)
            return dataclasses.replace(sc, funnel=funnel)
    except ScenarioError as err:
        if err.key is None:
            raise ScenarioError(err.problem, key=path, source=source) from None
        raise
    except (TypeError, ValueError) as err:
        raise ScenarioError(str(err), key=path, source=source) from None
    # Anything else (a stage's name, a table inside a section, the funnel preset):
    # change the mapping the file would hold and read it back.
    from funnelsim.scenarios.reader import scenario_from_dict

    data = sc.to_dict()
    _set_path(data, path, value, source)
    return dataclasses.replace(
        scenario_from_dict(data, source=source), source=sc.source, origin=sc.origin
    )


def _unknown_field(cls: Any, key: str, name: str, source: str | None) -> ScenarioError:
    known = sorted(f.name for f in dataclasses.fields(cls) if f.name != "funnel")
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known keys are {known}"
    return ScenarioError(f"unknown key{hint}", key=key, source=source)


def _with_section_value(
    sc: Scenario, key: str, name: str, value: Any, source: str | None
) -> Scenario:
    cls: Any = _SECTIONS[key]
    if name not in {f.name for f in dataclasses.fields(cls)}:
        raise _unknown_field(cls, f"{key}.{name}", name, source)
    section = getattr(sc, key)
    updated = (
        cls(**{name: value}) if section is None else dataclasses.replace(section, **{name: value})
    )
    changes: dict[str, Any] = {key: updated}
    return dataclasses.replace(sc, **changes)


def _economics_key(sc: Scenario, name: str) -> str | None:
    """The key that holds growth's ``name`` (arpu, margin, churn, discount) in a scenario
    with [economics]; None for a churn given by [retention]'s alpha and beta."""
    assert sc.economics is not None
    if name == "churn":
        return sc.economics.churn_key(sc.retention)
    return f"economics.{name}"


def _with_growth_value(sc: Scenario, name: str, value: Any, source: str | None) -> Scenario:
    from funnelsim.growth import GrowthParams

    if sc.economics is not None and name in GROWTH_FROM_ECONOMICS:
        # One place for each number: growth's arpu, margin, churn and discount are
        # [economics]' (its churn [retention]'s when it has none), so change them there.
        target = _economics_key(sc, name)
        if target is None:
            raise ScenarioError(
                "the churn comes from [retention]'s alpha and beta here (an sBG model): "
                "change retention.alpha and retention.beta",
                key=f"growth.{name}",
                source=source,
            )
        return _with_value(sc, target, value, source)
    growth = sc.growth if sc.growth is not None else GrowthSettings()
    if name in ("periods", "replications"):
        return dataclasses.replace(sc, growth=dataclasses.replace(growth, **{name: value}))
    if name == "funnel" or name not in {f.name for f in dataclasses.fields(GrowthParams)}:
        raise _unknown_field(GrowthParams, f"growth.{name}", name, source)
    try:
        params = dataclasses.replace(growth.params, **{name: value})
    except (TypeError, ValueError) as err:
        message, _ = _growth_message(str(err), GrowthSettings._param_names())
        raise ScenarioError(message, key=f"growth.{name}", source=source) from None
    return dataclasses.replace(sc, growth=dataclasses.replace(growth, params=params))
