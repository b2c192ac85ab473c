"""Scenario files: one TOML file describes a whole setup, and runs it.

A scenario is what an instructor prepares before class and what a student,
a papermill run and the ``funnelsim`` command line all load the same way::

    import funnelsim as fs
    sc = fs.load_scenario("b2c_referral")      # a ready-made one, or a path
    result = sc.simulate()                     # the funnel, with the file's seed
    run = sc.run()                             # the funnel and every section
    sc.with_values({"funnel.rates.activation": 0.6}).save("mine.toml")

The file format
---------------
Every key is optional. Top-level keys::

    name = "Habit-tracker app"          # a title for tables, charts and reports
    description = "..."                 # a sentence or two for the reader
    seed = 2024                         # absent: fresh randomness every run
    buyers = 100_000                    # buyers entering the first stage
    mode = "buyers"                     # "buyers" or "counts" (see funnelsim.simulate)
    replications = 1
    events = false                      # also build the event log
    entry_window = 0.0                  # buyers enter uniformly over [0, entry_window)

The ``[funnel]`` table is either a preset with some values changed::

    [funnel]
    preset = "aaarrr"                   # or "trigger_learn_try_buy" (alias "tltb")
    name = "Habit tracker"              # optional; defaults to the preset's name
    [funnel.rates]                      # step rate into each stage, by stage name
    activation = 0.45
    [funnel.times]                      # time in stage: a number (fixed) or a table
    activation = { kind = "exponential", mean = 2.0 }

or a custom list of stages (the first stage's rate is 1 and may be left out)::

    [[funnel.stages]]
    name = "Visit"
    [[funnel.stages]]
    name = "Sign-up"
    rate = 0.2
    time = { kind = "gamma", mean = 3.0, shape = 2.0 }

Time tables take ``kind`` ("fixed", "exponential", "gamma", "lognormal"),
``mean`` and, for gamma and lognormal, ``shape`` (see
:class:`funnelsim.TimeInStage`). Without ``[funnel]`` the scenario uses
:func:`funnelsim.aaarrr` with its defaults.

Optional sections add the other models of the course; :meth:`Scenario.run`
runs each one the scenario has, fed by the funnel run where that makes sense:

``[referral]`` (:class:`ReferralSettings`)
    A referral cascade (:func:`funnelsim.simulate_referrals`) seeded by the
    buyers who reached ``seed_stage``: ``invites_per_user`` (a number, or a
    table by NPS segment with ``segments``), ``invite_conversion``,
    ``invites``, ``dispersion``, ``cycle_time``, ``market_size``, ...
``[retention]`` (:class:`RetentionSettings`)
    Cohorts of the customers at ``cohort_stage`` churning period by period
    (:func:`funnelsim.retention.simulate_cohorts`): ``churn``; ``churn`` and
    ``polarization``; or ``alpha`` and ``beta``.
``[economics]`` (:class:`EconomicsSettings`)
    LTV, CAC (``cac``, or ``paid_spend`` over the customers at
    ``customer_stage``), LTV:CAC, payback and the referral programme's ROI.
``[b2b]`` (:class:`B2BSettings`)
    Accounts with buying committees through the funnel
    (:func:`funnelsim.simulate_accounts`): ``accounts``, ``champion``,
    ``saboteur`` and the other roles' presence.
``[growth]`` (:class:`GrowthSettings`)
    The business over ``periods`` periods (:func:`funnelsim.growth.simulate_growth`),
    with the keys of :class:`funnelsim.growth.GrowthParams`.

Each section draws from its own random stream, spawned from the scenario's
seed at a fixed position (:func:`section_seed`), so adding or removing one
never changes the numbers of the others, and no section shares a stream with
any of the funnel's replications.

Every key is checked: an unknown key (a typo) is an error, and every error
names the file, the key as a dotted path such as ``funnel.stages[2].rate``, and
the problem, e.g. ``mine.toml: funnel.stages[2].rate must be in [0, 1], got 1.3``.

Addresses
---------
:meth:`Scenario.with_values` and :func:`sweep` change values by the same dotted
paths the file uses (``buyers``, ``seed``, ``funnel.stages[1].rate``). Two
addresses work for every funnel, preset or custom: ``funnel.rates.<stage>``
and ``funnel.times.<stage>``, where ``<stage>`` is the stage name or its
keyword form (``activation`` for "Activation", ``try`` for "Try").

Papermill
---------
The same file drives a papermill run of any lesson. The convention: every
lesson's ``parameters`` cell has ``scenario = None`` beside its own parameters,
and the lesson reads it right after::

    # parameters cell (tagged "parameters")
    scenario = None   # a scenario file or ready-made name; None = the values below
    seed = 42
    buyers = 10_000

    # next cell
    sc = fs.load_scenario(scenario) if scenario is not None else None
    funnel = sc.funnel if sc is not None else fs.aaarrr()

:meth:`Scenario.to_parameters` builds the parameters of such a run (the
scenario's path or name, plus its ``seed`` and ``buyers`` for lessons that only
read those)::

    papermill.execute_notebook(nb, out, parameters=sc.to_parameters())
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import json
import math
import numbers
import re
import tomllib
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

import funnelsim.economics as economics
from funnelsim import _format
from funnelsim._io import atomic_write
from funnelsim._validation import check_choice, check_int, check_probability, check_real
from funnelsim.b2b import AccountsResult, Committee, buying_committee, simulate_accounts
from funnelsim.economics import REFERRED_LTV_UPLIFT, UnitEconomics
from funnelsim.engine import SimulationResult, simulate
from funnelsim.growth import GrowthParams, GrowthResult, simulate_growth
from funnelsim.model import (
    AAARRR_STAGES,
    TLTB_STAGES,
    Funnel,
    Stage,
    TimeInStage,
    aaarrr,
    trigger_learn_try_buy,
)
from funnelsim.referral import NPS_SEGMENTS, ReferralResult, simulate_referrals
from funnelsim.retention import ChurnModel, CohortSimulation, simulate_cohorts

__all__ = [
    "B2BSettings",
    "EconomicsSettings",
    "GrowthSettings",
    "ReferralSettings",
    "RetentionSettings",
    "Scenario",
    "ScenarioError",
    "ScenarioRun",
    "default_metrics",
    "dumps_toml",
    "expected_customers",
    "list_scenarios",
    "load_scenario",
    "loads_scenario",
    "scenario_text",
    "section_seed",
    "sweep",
]

#: Folder (inside the package) holding the ready-made scenario files.
SCENARIO_DIR = "scenario_files"

_PRESETS: dict[str, tuple[Callable[..., Funnel], tuple[str, ...]]] = {
    "aaarrr": (aaarrr, AAARRR_STAGES),
    "trigger_learn_try_buy": (trigger_learn_try_buy, TLTB_STAGES),
}
_PRESET_ALIASES = {"tltb": "trigger_learn_try_buy"}
_TIME_KEYS = ("kind", "mean", "shape")
# -- errors ----------------------------------------------------------------------------


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

    def finish(self, allowed: Iterable[str] | None = None) -> None:
        """Raise on any key not in ``allowed`` (default: the keys read), naming the closest."""
        known = sorted(set(allowed) if allowed is not None else self.used)
        for name in self.data:
            if name not in known:
                close = difflib.get_close_matches(str(name), known, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; known keys are {known}"
                raise self.error(f"unknown key{hint}", self.key(str(name)))


def _describe(value: Any) -> str:
    return f"{value!r} ({type(value).__name__})"


def _check_str(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{key} must be a string, got {_describe(value)}")
    return value


def _check_bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{key} must be true or false, got {_describe(value)}")
    return value


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
}


# -- the record ------------------------------------------------------------------------


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
        if self.economics is not None and self.economics.churn is None and self.retention is None:
            raise ValueError("economics needs a churn, or a [retention] section to take it from")

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
        top.finish(["funnel", *_TOP_LEVEL, *_SECTIONS, "growth"])
        try:
            return cls(**kwargs, source=source)
        except (TypeError, ValueError) as err:
            raise ScenarioError(str(err), source=source) from None

    def to_dict(self) -> dict[str, Any]:
        """The mapping :meth:`from_dict` reads back to an equal scenario.

        Defaults are left out; a funnel whose stages are a preset's is written
        as that preset with every rate listed.
        """
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = self.description
        if self.seed is not None:
            out["seed"] = self.seed
        out["buyers"] = self.buyers
        defaults = {f.name: f.default for f in dataclasses.fields(self)}
        for key in ("mode", "replications", "events", "entry_window"):
            value = getattr(self, key)
            if value != defaults[key]:
                out[key] = value
        out["funnel"] = _funnel_to_dict(self.funnel)
        for key in (*_SECTIONS, "growth"):
            section = getattr(self, key)
            if section is not None:
                out[key] = section.to_dict()
        return out

    def save(self, path: str | Path) -> Path:
        """Write the scenario as a TOML file, overwriting it.

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
        target = Path(path)
        atomic_write(target, dumps_toml(self.to_dict()))  # the old file or the whole new one
        return target

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
            matches the file).

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
            parts = path.split(".")
            if path in _TOP_LEVEL:
                try:
                    current = dataclasses.replace(current, **{path: value})
                except (TypeError, ValueError) as err:
                    raise ScenarioError(str(err), key=path, source=self.source) from None
            elif len(parts) == 3 and parts[0] == "funnel" and parts[1] in ("rates", "times"):
                current = dataclasses.replace(
                    current,
                    funnel=_change_stage(current.funnel, parts[1], parts[2], value, self.source),
                )
            else:
                data = current.to_dict()
                _set_path(data, path, value, self.source)
                current = Scenario.from_dict(data, source=self.source)
        # A changed scenario no longer matches its file: it has to be saved to be shared.
        return dataclasses.replace(current, source=None)

    # -- running ---------------------------------------------------------------------
    def simulate(self, seed: Any = None, **overrides: Any) -> SimulationResult:
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
            Equal to ``funnelsim.simulate(sc.funnel, sc.buyers, sc.seed, ...)``.
        """
        allowed = ("buyers", "mode", "events", "replications", "entry_window")
        for key in overrides:
            if key not in allowed:
                raise TypeError(
                    f"simulate() got an unexpected keyword {key!r}; use one of {allowed}"
                )
        settings = {key: overrides.get(key, getattr(self, key)) for key in allowed}
        buyers = settings.pop("buyers")
        return simulate(self.funnel, buyers, self.seed if seed is None else seed, **settings)

    def run(self, seed: Any = None) -> ScenarioRun:
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
        given = self.seed if seed is None else seed
        result = self.simulate(given)
        entropy = result.seed if result.seed is not None else _section_entropy(given)

        def stream(section: _Section | GrowthSettings) -> np.random.SeedSequence:
            return section_seed(entropy, section.STREAM)

        referral = retention = b2b = None
        if self.referral is not None:
            referral = self.referral.run(result, stream(self.referral))
        if self.retention is not None:
            retention = self.retention.run(result, stream(self.retention))
        if self.b2b is not None:
            b2b = self.b2b.run(self, stream(self.b2b))
        growth = None if self.growth is None else self.growth.run(stream(self.growth))
        econ = roi = None
        if self.economics is not None:
            econ = self.unit_economics()
            referred = None if referral is None else float(referral.total) - referral.seed_buyers
            roi = self.economics.referral_roi(econ.ltv, referred)
        return ScenarioRun(self, result, referral, retention, b2b, econ, growth, roi)

    def unit_economics(self) -> UnitEconomics:
        """The ``[economics]`` section's numbers, by :func:`funnelsim.economics.unit_economics`.

        The scenario chooses the model, whichever view shows it: churn is the
        section's own ``churn`` (geometric) or, without it, the ``[retention]``
        section's churn model (sBG when heterogeneous), discounted at the
        section's ``discount``. CAC is ``cac``, or ``paid_spend`` over the
        customers the funnel is *expected* to bring to ``customer_stage``
        (buyers × reach, :func:`expected_customers`): a property of the
        scenario, not of one random run, so the command line, the report and
        every explorer show the same CAC (``inf`` for spend that is expected
        to bring nobody). Periods are months, money the file's currency.

        Raises
        ------
        ValueError
            If the scenario has no ``[economics]`` section.
        """
        econ = self.economics
        if econ is None:
            raise ValueError(f"scenario {self.name!r} has no [economics] section")
        if econ.churn is not None:
            model = ChurnModel.geometric(econ.churn)
        else:
            assert self.retention is not None  # checked when the scenario was built
            model = self.retention.model
        cac: float | None = econ.cac
        if cac is None and econ.paid_spend is not None:
            customers = expected_customers(self, econ.customer_stage)
            if customers > 0:
                cac = econ.paid_spend / customers
            else:
                cac = math.inf if econ.paid_spend > 0 else 0.0
        return economics.unit_economics(
            econ.arpu, econ.margin, model, cac=cac, discount=econ.discount, period="month"
        )

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
        if self.source is None:
            raise ValueError(
                "to_parameters needs a scenario read from a file or a ready-made name; "
                "call save(path) and load_scenario(path) first"
            )
        params: dict[str, Any] = {"scenario": self.source, "buyers": self.buyers}
        if self.seed is not None:
            params["seed"] = self.seed
        params.update(extra)
        return params

    def __str__(self) -> str:
        seed = "fresh seed" if self.seed is None else f"seed {self.seed}"
        return f"{self.name}: {self.buyers:,} buyers, {seed}\n  {self.funnel}"


@dataclass(frozen=True, eq=False)
class ScenarioRun:
    """Everything one run of a :class:`Scenario` produced.

    :meth:`tables` gives the tidy frames the command line writes to files;
    :meth:`metrics` the headline numbers a sweep tabulates. A section the
    scenario does not have leaves its result None.
    """

    #: The scenario that was run.
    scenario: Scenario
    #: The funnel run (see :func:`funnelsim.simulate`).
    result: SimulationResult
    #: The referral cascade seeded by the funnel's customers.
    referral: ReferralResult | None = None
    #: The customer cohorts.
    retention: CohortSimulation | None = None
    #: The accounts with buying committees.
    b2b: AccountsResult | None = None
    #: Unit economics of one customer (:meth:`Scenario.unit_economics`).
    economics: UnitEconomics | None = None
    #: The growth model's periods.
    growth: GrowthResult | None = None
    #: ROI of the referral programme (with referrals and rewards), or None.
    referral_roi: float | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        """Tidy frames by name, for files and charts.

        ``funnel`` (per stage) always; ``summary`` with replications; ``events``
        with an event log; ``referral`` (per generation), ``retention`` (per
        cohort and period), ``b2b_funnel``, ``b2b_contributions``,
        ``b2b_cycles`` and ``b2b_accounts``, ``growth`` (per period),
        ``growth_channels`` and ``growth_economics``, ``economics`` (metric,
        value) when the scenario has those sections.
        """
        out = {"funnel": self.result.table()}
        if self.result.replications > 1:
            out["summary"] = self.result.summary()
        if self.result.events is not None:
            out["events"] = self.result.events
        if self.referral is not None:
            out["referral"] = self.referral.generations
        if self.retention is not None:
            out["retention"] = self.retention.long
        if self.b2b is not None:
            out["b2b_funnel"] = self.b2b.table()
            out["b2b_contributions"] = self.b2b.contributions
            out["b2b_cycles"] = self.b2b.cycle_summary()
            out["b2b_accounts"] = self.b2b.accounts
        if self.growth is not None:
            out["growth"] = self.growth.periods
            out["growth_channels"] = self.growth.by_channel()
            out["growth_economics"] = self.growth.unit_economics()
        if self.economics is not None:
            numbers = self._economics_numbers()
            out["economics"] = pd.DataFrame(
                {"metric": list(numbers), "value": list(numbers.values())}
            )
        return out

    def _economics_numbers(self) -> dict[str, float]:
        assert self.economics is not None
        out = self.economics.as_dict()
        if self.referral_roi is not None:
            out["referral_roi"] = self.referral_roi
        return out

    def highlights(self) -> dict[str, str]:
        """One plain-English sentence per part of the run, keyed by section name.

        ``funnel`` always, then ``referral``, ``retention``, ``economics``,
        ``b2b`` and ``growth`` for the sections the scenario has. The command
        line prints them and the HTML report shows them.
        """
        m = self.metrics()
        r = self.result
        out = {
            "funnel": f"{_format_count(m['customers'])} of {r.buyers:,} buyers reached "
            f"{r.funnel.names[-1]} ({_share(m['conversion'])})."
        }
        if self.referral is not None:
            ref = self.referral
            out["referral"] = (
                f"K = {ref.k:.3g}: {ref.seed_buyers:,} seed buyers grew to "
                f"{_format_count(m['referral_total'])} ({_format_count(m['referred'])} referred)."
            )
        if self.retention is not None:
            periods = int(self.retention.long["period"].max())
            out["retention"] = (
                f"{_share(m['retention_survival'])} of the first cohort are still active "
                f"after {periods} periods."
            )
        if self.economics is not None:
            e = self.economics
            parts = [f"LTV {_format.money(e.ltv)}"]
            if math.isinf(e.cac):
                parts.append("CAC unbounded (spend but no customers expected)")
            elif math.isfinite(e.cac):
                parts.append(f"CAC {_format.money(e.cac)}")
                parts.append(f"LTV:CAC {_format.ratio(e.ltv_to_cac)}")
                parts.append(f"payback {_format.periods(e.payback, e.period)}")
            if self.referral_roi is not None:
                parts.append(f"referral programme ROI {_format.percent(self.referral_roi, 0)}")
            out["economics"] = ", ".join(parts) + f" ({e.label})."
        if self.b2b is not None:
            cycle = m["b2b_median_cycle"]
            out["b2b"] = (
                f"{_share(m['b2b_win_rate'])} of {self.b2b.n_accounts:,} accounts bought"
                + (
                    f"; median sales cycle of won deals {cycle:.3g}."
                    if math.isfinite(cycle)
                    else "."
                )
            )
        if self.growth is not None:
            periods = int(self.growth.periods["period"].max())
            out["growth"] = (
                f"{_format_count(m['growth_active'])} active customers after {periods} periods, "
                f"cumulative revenue {m['growth_revenue']:,.0f}; "
                f"{_share(m['growth_referral_share'])} of new customers came by referral."
            )
        return out

    def metrics(self) -> dict[str, float]:
        """Headline numbers: those of :func:`default_metrics`, then one block per section.

        ``referral_k``, ``referral_seed_buyers``, ``referral_total``,
        ``referred``; ``retention_survival`` (share of the first cohort still
        active at the last period); the economics numbers (``ltv``, ``cac``,
        ``ltv_to_cac``, ``payback_periods``, ``referral_roi``);
        ``b2b_win_rate`` and ``b2b_median_cycle`` (of won accounts);
        ``growth_active`` and ``growth_revenue`` (active customers and
        cumulative revenue at the last period), ``growth_referral_share`` and
        ``growth_ltv_to_cac`` (whole run); means over replications.
        """
        out = default_metrics(self.scenario, self.result)
        if self.referral is not None:
            r = self.referral
            out["referral_k"] = r.k
            out["referral_seed_buyers"] = float(r.seed_buyers)
            out["referral_total"] = float(r.total)
            out["referred"] = float(r.total) - r.seed_buyers
        if self.retention is not None:
            long = self.retention.long
            first = long[long["cohort"] == long["cohort"].iloc[0]]
            out["retention_survival"] = float(first["survival"].iloc[-1])
        if self.economics is not None:
            out.update(self._economics_numbers())
        if self.b2b is not None:
            out["b2b_win_rate"] = self.b2b.win_rate
            cycles = self.b2b.cycle_lengths
            out["b2b_median_cycle"] = float(np.median(cycles)) if cycles.size else math.nan
        if self.growth is not None:
            periods = self.growth.periods
            last = periods[periods["period"] == periods["period"].max()]
            out["growth_active"] = float(last["active"].mean())
            out["growth_revenue"] = float(last["cumulative_revenue"].mean())
            econ = self.growth.unit_economics()
            out["growth_referral_share"] = float(econ["referral_share"].mean())
            out["growth_ltv_to_cac"] = float(econ["ltv_to_cac"].mean())
        return out


#: First element of every section's spawn key. The funnel's replications use the
#: seed's children ``(0,)``, ``(1,)``, ...; the sections' keys are two long and start
#: here, so no section ever shares a stream with a replication, however many there are.
SECTION_SPAWN_KEY = 2**32 - 1


def section_seed(entropy: Any, stream: int) -> np.random.SeedSequence:
    """The random stream of a scenario section.

    Parameters
    ----------
    entropy : int or sequence of int
        The scenario's seed (the entropy recorded in the funnel run).
    stream : int
        The section's fixed position (``ReferralSettings.STREAM``, ...).

    Returns
    -------
    numpy.random.SeedSequence
        ``SeedSequence(entropy, spawn_key=(SECTION_SPAWN_KEY, stream))``:
        independent of the funnel's replications and of the other sections.

    Examples
    --------
    >>> section_seed(7, 3).spawn_key
    (4294967295, 3)
    """
    return np.random.SeedSequence(entropy, spawn_key=(SECTION_SPAWN_KEY, stream))


def _section_entropy(seed: Any) -> Any:
    """Entropy for the sections when the funnel run recorded none (a spawned seed).

    A spawned SeedSequence gives its own state and a spawned Generator its
    next draws, so the sections stay as reproducible as the seed passed in;
    None draws fresh entropy.
    """
    if isinstance(seed, np.random.SeedSequence):
        return [int(x) for x in seed.generate_state(4)]
    if isinstance(seed, np.random.Generator):
        return [int(x) for x in seed.integers(0, 2**32, size=4)]
    return np.random.SeedSequence().entropy


# -- optional sections: referral, retention, economics, b2b ----------------------------
#
# Each section is a frozen record whose fields are the keys of its TOML table.
# A field's metadata holds its check (called with the dotted key, so messages
# read "referral.invite_conversion must be in [0, 1], got 1.3"); a missing key
# keeps the default. ``_validate`` then tries the model function on an empty
# problem, so rules that tie several keys together are caught when the file is
# read, not halfway through a class.


def _checked(check: Callable[[str, Any], Any], default: Any = None, doc: str = "") -> Any:
    return field(default=default, metadata={"check": check, "doc": doc})


def _real(**bounds: Any) -> Callable[[str, Any], float]:
    return lambda key, value: check_real(key, value, **bounds)


def _integer(**bounds: Any) -> Callable[[str, Any], int]:
    return lambda key, value: check_int(key, value, **bounds)


def _choice(*choices: str) -> Callable[[str, Any], str]:
    return lambda key, value: check_choice(key, value, choices)


def _by_segment(key: str, value: Any) -> tuple[tuple[str, float], ...]:
    """A table of numbers by NPS segment, as ((segment, value), ...) in segment order."""
    if isinstance(value, tuple):  # already converted
        value = dict(value)
    if not isinstance(value, Mapping):
        raise TypeError(f"{key} must be a table by NPS segment, got {_describe(value)}")
    for name in value:
        if name not in NPS_SEGMENTS:
            raise ValueError(
                f"{key}.{name}: unknown NPS segment; segments are {list(NPS_SEGMENTS)}"
            )
    return tuple(
        (s, check_real(f"{key}.{s}", value[s], low=0.0)) for s in NPS_SEGMENTS if s in value
    )


def _invites(key: str, value: Any) -> float | tuple[tuple[str, float], ...]:
    if isinstance(value, Mapping | tuple):
        return _by_segment(key, dict(value))
    return check_real(key, value, low=0.0)


class _Section:
    """Shared reading, writing and checking of the optional sections."""

    KEY: ClassVar[str]
    #: Position of the section's random stream among the scenario's children
    #: (fixed, so adding a section never changes another section's draws;
    #: 0 is unused: economics draws nothing).
    STREAM: ClassVar[int] = 0

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if value is not None:
                object.__setattr__(self, f.name, f.metadata["check"](f"{self.KEY}.{f.name}", value))
        self._validate()

    def _validate(self) -> None:
        """Cross-key rules (the model function on an empty problem)."""

    @classmethod
    def read(cls, table: _Table) -> Any:
        table.finish([f.name for f in dataclasses.fields(cls)])  # type: ignore[arg-type]
        kwargs = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if table.has(f.name):
                kwargs[f.name] = table.get(f.name, f.metadata["check"])
            elif f.default is dataclasses.MISSING:
                raise table.error(f"is required in [{cls.KEY}]", table.key(f.name))
        try:
            return cls(**kwargs)
        except (TypeError, ValueError) as err:
            raise table.error(str(err)) from None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if value is None or value == f.default:
                continue
            out[f.name] = _Inline(value) if isinstance(value, tuple) else value
        return out


def expected_customers(scenario: Scenario, stage: str | None = None) -> float:
    """Buyers of ``scenario`` expected to reach ``stage`` (default: the last stage).

    ``buyers × reach``, the expectation of the funnel run (not rounded): what
    a paid spend buys on average, hence the CAC's denominator.
    """
    funnel = scenario.funnel
    index = len(funnel) - 1 if stage is None else funnel.index(stage)
    return scenario.buyers * float(funnel.reach[index])


def _stage_count(result: SimulationResult, stage: str | None) -> int:
    """Buyers who reached ``stage`` (default: the last stage), mean over replications."""
    funnel = result.funnel
    index = len(funnel) - 1 if stage is None else funnel.index(stage)
    return round(float(result.counts[:, index].mean()))


@dataclass(frozen=True)
class ReferralSettings(_Section):
    """``[referral]``: a referral cascade started by the funnel's customers.

    The seed buyers of the cascade are those who reached ``seed_stage`` in the
    funnel run (default: the last stage) unless ``seed_buyers`` is given. The
    other keys are those of :func:`funnelsim.simulate_referrals`.
    """

    KEY: ClassVar[str] = "referral"
    STREAM: ClassVar[int] = 1

    #: Mean invites a buyer sends, or a table of invites by NPS segment.
    invites_per_user: float | tuple[tuple[str, float], ...] = _checked(
        _invites, dataclasses.MISSING
    )
    #: Probability that an invite converts, in [0, 1].
    invite_conversion: float = _checked(check_probability, dataclasses.MISSING)
    #: "poisson" or "negbin" (over-dispersed invites).
    invites: str = _checked(_choice("poisson", "negbin"), "poisson")
    #: Negative-binomial size (> 0) with invites = "negbin".
    dispersion: float | None = _checked(_real(low=0.0, low_open=True))
    #: NPS mix of every generation: shares by segment (promoter, passive, detractor).
    segments: tuple[tuple[str, float], ...] | None = _checked(_by_segment)
    #: Time between generations (the viral cycle time), > 0.
    cycle_time: float = _checked(_real(low=0.0, low_open=True), 1.0)
    #: People who could ever buy (a finite market saturates); None = unlimited.
    market_size: int | None = _checked(_integer(low=0))
    #: Stop after this many generations.
    max_generations: int = _checked(_integer(low=0), 1000)
    #: Funnel stage whose buyers start the cascade (default: the last stage).
    seed_stage: str | None = _checked(_check_str)
    #: A fixed number of seed buyers instead of the funnel's.
    seed_buyers: int | None = _checked(_integer(low=0))

    def _kwargs(self) -> dict[str, Any]:
        invites = self.invites_per_user
        return {
            "invites_per_user": dict(invites) if isinstance(invites, tuple) else invites,
            "invite_conversion": self.invite_conversion,
            "invites": self.invites,
            "dispersion": self.dispersion,
            "segments": None if self.segments is None else dict(self.segments),
            "cycle_time": self.cycle_time,
            "market_size": self.market_size,
            "max_generations": self.max_generations,
        }

    def _validate(self) -> None:
        kwargs = {**self._kwargs(), "max_generations": 0}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                simulate_referrals(self.seed_buyers or 0, seed=0, **kwargs)
            except (TypeError, ValueError) as err:
                raise ValueError(f"{self.KEY}: {err}") from None

    @property
    def k(self) -> float:
        """The viral coefficient of these settings."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return simulate_referrals(0, seed=0, **{**self._kwargs(), "max_generations": 0}).k

    def run(self, funnel: SimulationResult, seed: Any) -> ReferralResult:
        """The cascade seeded by ``funnel``'s buyers at :attr:`seed_stage`."""
        if self.seed_buyers is not None:
            seeds = self.seed_buyers
        else:
            seeds = _stage_count(funnel, self.seed_stage)
        if self.market_size is not None:
            seeds = min(seeds, self.market_size)
        return simulate_referrals(seeds, seed=seed, **self._kwargs())


@dataclass(frozen=True)
class RetentionSettings(_Section):
    """``[retention]``: cohorts of the funnel's customers churning period by period.

    Give ``churn`` alone (everyone churns alike), ``churn`` and
    ``polarization`` (heterogeneous churn with that mean, sBG) or ``alpha`` and
    ``beta`` (sBG). See :class:`funnelsim.retention.ChurnModel`.
    """

    KEY: ClassVar[str] = "retention"
    STREAM: ClassVar[int] = 2

    #: Churn probability per period (mean churn with polarization).
    churn: float | None = _checked(check_probability)
    #: sBG polarization in (0, 1): 0 = everyone alike, near 1 = loyal or gone at once.
    polarization: float | None = _checked(_real(low=0.0, high=1.0, low_open=True, high_open=True))
    #: sBG alpha (> 0).
    alpha: float | None = _checked(_real(low=0.0, low_open=True))
    #: sBG beta (> 0).
    beta: float | None = _checked(_real(low=0.0, low_open=True))
    #: Periods observed after acquisition.
    periods: int = _checked(_integer(low=1, high=1000), 12)
    #: Number of cohorts, acquired one per period, each the size of the funnel's customers.
    cohorts: int = _checked(_integer(low=1, high=1000), 1)
    #: Funnel stage whose buyers form each cohort (default: the last stage).
    cohort_stage: str | None = _checked(_check_str)
    #: A fixed cohort size instead of the funnel's.
    cohort_size: int | None = _checked(_integer(low=0))

    def _validate(self) -> None:
        _ = self.model  # builds, hence checks, the churn model
        if self.cohorts - 1 > self.periods:
            raise ValueError(
                f"{self.KEY}.periods must be >= cohorts - 1 = {self.cohorts - 1}, "
                f"got {self.periods}"
            )

    @property
    def model(self) -> ChurnModel:
        """The churn model the keys describe."""
        given = tuple(
            k for k in ("churn", "polarization", "alpha", "beta") if getattr(self, k) is not None
        )
        if given == ("churn",):
            return ChurnModel.geometric(self.churn)  # type: ignore[arg-type]
        if given == ("churn", "polarization"):
            try:
                return ChurnModel.sbg_mean(self.churn, self.polarization)  # type: ignore[arg-type]
            except ValueError as err:
                raise ValueError(f"{self.KEY}: {err}") from None
        if given == ("alpha", "beta"):
            return ChurnModel.sbg(self.alpha, self.beta)  # type: ignore[arg-type]
        raise ValueError(
            f"{self.KEY} needs churn, churn and polarization, or alpha and beta; got {list(given)}"
        )

    @property
    def mean_churn(self) -> float:
        """Average churn probability per period."""
        m = self.model
        if m.kind == "geometric":
            return float(m.churn)  # type: ignore[arg-type]
        return float(m.alpha / (m.alpha + m.beta))  # type: ignore[operator]

    def run(self, funnel: SimulationResult, seed: Any) -> CohortSimulation:
        """Simulate the cohorts (each of the funnel's customers at :attr:`cohort_stage`)."""
        size = self.cohort_size
        if size is None:
            size = _stage_count(funnel, self.cohort_stage)
        return simulate_cohorts(self.model, [size] * self.cohorts, self.periods, seed=seed)


@dataclass(frozen=True)
class EconomicsSettings(_Section):
    """``[economics]``: unit economics of a customer (see :mod:`funnelsim.economics`).

    ``cac`` is given directly or computed as ``paid_spend`` divided by the
    funnel's customers. Churn comes from ``churn`` or, if absent, from the
    ``[retention]`` section (sBG LTV when that is heterogeneous).
    """

    KEY: ClassVar[str] = "economics"

    #: Revenue per customer per period (currency), > 0.
    arpu: float = _checked(_real(low=0.0, low_open=True), 10.0)
    #: Gross margin, in (0, 1].
    margin: float = _checked(_real(low=0.0, high=1.0, low_open=True), 1.0)
    #: Acquisition cost per customer (currency), >= 0.
    cac: float | None = _checked(_real(low=0.0))
    #: Paid acquisition spend for the buyers of the run (currency), >= 0.
    paid_spend: float | None = _checked(_real(low=0.0))
    #: Churn probability per period, in (0, 1]; default from [retention].
    churn: float | None = _checked(_real(low=0.0, high=1.0, low_open=True))
    #: Discount rate per period, >= 0.
    discount: float = _checked(_real(low=0.0), 0.0)
    #: Reward paid to each referred customer (currency).
    referral_reward: float = _checked(_real(low=0.0), 0.0)
    #: Reward paid to the referrer for each referred customer (currency).
    referrer_reward: float = _checked(_real(low=0.0), 0.0)
    #: Fixed cost of the referral programme (currency).
    programme_cost: float = _checked(_real(low=0.0), 0.0)
    #: Relative LTV gain of referred customers (> -1).
    ltv_uplift: float = _checked(_real(low=-1.0, low_open=True), REFERRED_LTV_UPLIFT)
    #: Funnel stage whose buyers count as acquired customers for the CAC (default: last).
    customer_stage: str | None = _checked(_check_str)

    def _validate(self) -> None:
        if self.cac is not None and self.paid_spend is not None:
            raise ValueError(f"{self.KEY}: give cac or paid_spend, not both")

    def referral_roi(self, ltv: float, referred: float | None) -> float | None:
        """ROI of the referral programme for ``referred`` customers worth ``ltv`` each.

        None without a referral cascade or without any programme cost (the ROI
        is then undefined); see :func:`funnelsim.economics.referral_programme_roi`.
        """
        paid = self.referral_reward + self.referrer_reward
        if referred is None or paid * referred + self.programme_cost <= 0:
            return None
        return float(
            economics.referral_programme_roi(
                referred,
                ltv,
                referral_reward=self.referral_reward,
                referrer_reward=self.referrer_reward,
                programme_cost=self.programme_cost,
                ltv_uplift=self.ltv_uplift,
            )
        )


@dataclass(frozen=True)
class B2BSettings(_Section):
    """``[b2b]``: accounts with buying committees going through the funnel.

    Uses :func:`funnelsim.simulate_accounts` with the scenario's funnel (whose
    stages must include those the committee influences: Learn, Try, Buy) and
    :func:`funnelsim.buying_committee` with the presences given here.
    """

    KEY: ClassVar[str] = "b2b"
    STREAM: ClassVar[int] = 3

    #: Accounts entering the funnel (default: the scenario's buyers).
    accounts: int | None = _checked(_integer(low=0))
    #: Probability that an account has a champion.
    champion: float = _checked(check_probability, 0.25)
    #: Probability that an account has a saboteur.
    saboteur: float = _checked(check_probability, 0.15)
    #: Probability that the ultimate decision maker takes part.
    decision_maker: float = _checked(check_probability, 0.6)
    #: Probability that the economic buyer takes part.
    economic_buyer: float = _checked(check_probability, 0.7)
    #: Probability that the influencer takes part.
    influencer: float = _checked(check_probability, 0.9)
    #: Probability that users take part.
    user: float = _checked(check_probability, 0.8)
    #: Base rate of the Buy step (default: the funnel's rate).
    buy_rate: float | None = _checked(check_probability)

    @property
    def committee(self) -> Committee:
        """The buying committee with these presences."""
        return buying_committee(
            self.champion,
            self.saboteur,
            decision_maker=self.decision_maker,
            economic_buyer=self.economic_buyer,
            influencer=self.influencer,
            user=self.user,
        )

    def run(self, scenario: Scenario, seed: Any) -> AccountsResult:
        """Simulate the accounts through ``scenario.funnel``."""
        n = scenario.buyers if self.accounts is None else self.accounts
        return simulate_accounts(
            n, committee=self.committee, funnel=scenario.funnel, buy_rate=self.buy_rate, seed=seed
        )


@dataclass(frozen=True)
class GrowthSettings:
    """``[growth]``: a business over many periods (see :func:`funnelsim.growth.simulate_growth`).

    The keys are ``periods``, ``replications`` and the fields of
    :class:`funnelsim.growth.GrowthParams` except ``funnel``: leads go through
    the scenario's own funnel.
    """

    KEY: ClassVar[str] = "growth"
    STREAM: ClassVar[int] = 4

    #: Periods simulated (months, say), in [1, 10,000].
    periods: int = 24
    #: Independent runs of the growth model.
    replications: int = 1
    #: The model's parameters; their funnel is the scenario's (set by the Scenario).
    params: GrowthParams = field(default_factory=GrowthParams)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "periods", check_int(f"{self.KEY}.periods", self.periods, low=1, high=10_000)
        )
        object.__setattr__(
            self, "replications", check_int(f"{self.KEY}.replications", self.replications, low=1)
        )
        if not isinstance(self.params, GrowthParams):
            raise TypeError(
                f"{self.KEY}.params must be a GrowthParams, got {type(self.params).__name__}"
            )

    @staticmethod
    def _param_names() -> list[str]:
        return [f.name for f in dataclasses.fields(GrowthParams) if f.name != "funnel"]

    @classmethod
    def read(cls, table: _Table, funnel: Funnel) -> GrowthSettings:
        names = cls._param_names()
        table.finish(["periods", "replications", *names])
        periods = table.get("periods", lambda k, v: check_int(k, v, low=1, high=10_000), 24)
        reps = table.get("replications", lambda k, v: check_int(k, v, low=1), 1)
        values = {name: table.data[name] for name in names if name in table.data}
        for stage_key in ("customer_stage", "referral_entry"):
            if stage_key in values:
                table.get(stage_key, lambda k, v: funnel.names[funnel.index(_check_str(k, v))])
        try:
            params = GrowthParams(**values, funnel=funnel)
        except (TypeError, ValueError) as err:
            message, key = _growth_message(str(err), names)
            raise table.error(message, key) from None
        return cls(periods, reps, params)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.periods != 24:
            out["periods"] = self.periods
        if self.replications != 1:
            out["replications"] = self.replications
        for f in dataclasses.fields(GrowthParams):
            value = getattr(self.params, f.name)
            if f.name != "funnel" and value is not None and value != f.default:
                out[f.name] = value
        return out

    def run(self, seed: Any) -> GrowthResult:
        """Simulate the growth model with these settings."""
        return simulate_growth(
            self.periods, params=self.params, replications=self.replications, seed=seed
        )


def _growth_message(message: str, names: Sequence[str]) -> tuple[str, str | None]:
    """Turn ``"churn must be ..."`` into ``"growth.churn must be ..."`` with its key."""
    first = message.split(" ", 1)[0]
    if first in names:
        return f"growth.{message}", f"growth.{first}"
    return f"growth: {message}", None


#: Section keys that name a funnel stage (checked against the scenario's funnel).
_STAGE_KEYS = (
    ("referral", "seed_stage"),
    ("retention", "cohort_stage"),
    ("economics", "customer_stage"),
)
_SECTIONS: dict[str, type[_Section]] = {
    cls.KEY: cls for cls in (ReferralSettings, RetentionSettings, EconomicsSettings, B2BSettings)
}


# -- the funnel section ----------------------------------------------------------------


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


def _time_to_value(time: TimeInStage) -> Any:
    if time.kind == "fixed":
        return time.mean
    out = _Inline(kind=time.kind, mean=time.mean)
    if time.shape is not None:
        out["shape"] = time.shape
    return out


def _keyword(name: str) -> str:
    return re.sub(r"\W+", "_", name.strip().lower()).strip("_")


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


# -- dotted paths ----------------------------------------------------------------------

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


# -- loading ---------------------------------------------------------------------------


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
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        raise ScenarioError(f"is not UTF-8 text ({err.reason})", source=source) from None
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"is not valid TOML: {err}", source=source) from None
    return Scenario.from_dict(data, source=source)


# -- sweeps ----------------------------------------------------------------------------


def _grid(params: Mapping[str, Sequence[Any]]) -> Iterator[dict[str, Any]]:
    keys = list(params)
    for combo in itertools.product(*(params[k] for k in keys)):
        yield dict(zip(keys, combo, strict=True))


def sweep(
    scenario: Scenario,
    params: Mapping[str, Sequence[Any]],
    *,
    metrics: Callable[[ScenarioRun], Mapping[str, float]] | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Run ``scenario`` over every combination of ``params`` and tabulate the results.

    Parameters
    ----------
    scenario : Scenario
        The base setup; each grid point changes it with :meth:`Scenario.with_values`.
    params : mapping of dotted path to values
        E.g. ``{"funnel.rates.activation": np.linspace(0.2, 0.8, 7), "seed": [1, 2, 3]}``;
        the grid is their Cartesian product, in order (the last key varies fastest).
    metrics : callable, optional
        ``metrics(run) -> {name: number}`` for each point's
        :class:`ScenarioRun`; the default, :meth:`ScenarioRun.metrics`, gives
        ``buyers``, ``customers`` (buyers reaching the last stage, mean over
        replications), ``conversion`` and the number reaching every stage
        (``reached_<stage>``).
    progress : bool
        Show a tqdm progress bar (if tqdm is installed). tqdm honours the
        ``TQDM_DISABLE`` environment variable.

    Returns
    -------
    DataFrame
        One row per grid point: a column per swept path, then the metrics.

    Notes
    -----
    Every point runs with the scenario's seed unless ``seed`` is swept: the
    points share their random numbers, so differences between rows come from
    the parameters, not from the draws (common random numbers). Sweep
    ``seed`` as well to see the Monte Carlo spread. A scenario without a seed
    draws fresh entropy at every point.
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario must be a Scenario, got {type(scenario).__name__}")
    if not isinstance(params, Mapping) or not params:
        raise ValueError(f"params must be a non-empty mapping of path to values, got {params!r}")
    grid: dict[str, list[Any]] = {}
    for key, values in params.items():
        if isinstance(values, str) or not isinstance(values, Iterable):
            raise TypeError(f"values for {key!r} must be a sequence, got {_describe(values)}")
        items = [v.item() if isinstance(v, np.generic) else v for v in values]
        if not items:
            raise ValueError(f"values for {key!r} must not be empty")
        grid[key] = items
    measure = ScenarioRun.metrics if metrics is None else metrics
    total = math.prod(len(v) for v in grid.values())
    points: Iterable[dict[str, Any]] = _grid(grid)
    if progress:
        try:
            from tqdm.auto import tqdm
        except ImportError:  # pragma: no cover - tqdm ships with the notebooks extra
            pass
        else:
            # No explicit ``disable``: tqdm then honours TQDM_DISABLE. The bar
            # appears only on runs longer than half a second.
            points = tqdm(points, total=total, desc="sweep", unit="run", delay=0.5)
    rows = []
    for point in points:
        rows.append({**point, **measure(scenario.with_values(point).run())})
    return pd.DataFrame(rows)


_format_count = _format.count
_share = _format.percent


def default_metrics(scenario: Scenario, result: SimulationResult) -> dict[str, float]:
    """Headline numbers of one funnel run.

    Parameters
    ----------
    scenario : Scenario
        The scenario that was run (kept for custom metric functions with the
        same signature).
    result : SimulationResult
        Its funnel run.

    Returns
    -------
    dict of str to float
        ``buyers``, ``customers`` (buyers reaching the last stage, mean over
        replications), ``conversion`` and ``reached_<stage>`` for every stage.
    """
    reached = result.reached
    out: dict[str, float] = {
        "buyers": result.buyers,
        "customers": float(reached.iloc[-1]),
        "conversion": result.conversion,
    }
    for name, value in reached.items():
        out[f"reached_{_keyword(str(name))}"] = float(value)
    return out


# -- a small TOML writer ---------------------------------------------------------------


class _Inline(dict[str, Any]):
    """A table written inline (``{ kind = "gamma", mean = 2.0 }``)."""


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _toml_string(text: str) -> str:
    # JSON escapes are valid TOML escapes; TOML also forbids a raw DEL character.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        x = float(value)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return repr(x)
    if isinstance(value, str):
        if "\n" in value:
            lines = [_toml_string(line)[1:-1] for line in value.split("\n")]
            return '"""\n' + "\n".join(lines) + '"""'
        return _toml_string(value)
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_toml_key(str(k))} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {_describe(value)} to TOML")


def _is_table(value: Any) -> bool:
    return isinstance(value, Mapping) and not isinstance(value, _Inline)


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(_is_table(v) for v in value)


def dumps_toml(data: Mapping[str, Any]) -> str:
    """TOML text for a nested mapping of strings, numbers, booleans, lists and tables.

    Parameters
    ----------
    data : mapping
        Keys are strings; values are str, int, float (written exactly, by
        ``repr``), bool, lists, or mappings. Sub-mappings become ``[tables]``
        and lists of mappings ``[[arrays of tables]]``.

    Returns
    -------
    str
        A TOML document: ``tomllib.loads(dumps_toml(d)) == d``.

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
    lines: list[str] = []
    _emit(lines, data, ())
    return "\n".join(lines).lstrip("\n") + "\n"


def _emit(lines: list[str], table: Mapping[str, Any], prefix: tuple[str, ...]) -> None:
    nested = []
    for key, value in table.items():
        if _is_table(value) or _is_table_array(value):
            nested.append((key, value))
        else:
            lines.append(f"{_toml_key(str(key))} = {_toml_value(value)}")
    for key, value in nested:
        path = (*prefix, _toml_key(str(key)))
        header = ".".join(path)
        if _is_table(value):
            lines.extend(("", f"[{header}]"))
            _emit(lines, value, path)
        else:
            for item in value:
                lines.extend(("", f"[[{header}]]"))
                _emit(lines, item, path)
