"""The funnel model: stages, their conversion rates and time-in-stage.

A :class:`Funnel` is an ordered tuple of :class:`Stage` records. Each stage
carries the **rate** at which buyers of the previous stage reach it (the first
stage's rate is 1: it is where everyone enters) and a :class:`TimeInStage`
distribution: how long a buyer stays before moving on or dropping out.

All records are frozen; changing a parameter returns a new object
(``funnel.with_rates(activation=0.6)``), so a lesson can keep scenario A while
building scenario B from it.

Presets
-------
:func:`aaarrr` — Awareness, Acquisition, Activation, Retention, Revenue, Referral.
:func:`trigger_learn_try_buy` — the B2B buyer's path Trigger, Learn, Try, Buy.
:meth:`Funnel.from_rates` — any ordered list of stages, e.g. an extended
"AAAARRRRRR" funnel.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from funnelsim._validation import check_choice, check_probability, check_real

__all__ = [
    "AAARRR_STAGES",
    "TLTB_STAGES",
    "Funnel",
    "Stage",
    "TimeInStage",
    "aaarrr",
    "trigger_learn_try_buy",
]

TimeKind = Literal["fixed", "exponential", "gamma", "lognormal"]
_TIME_KINDS = ("fixed", "exponential", "gamma", "lognormal")

#: Largest mean time in a stage, in the course's time unit: sums of stage times
#: over a funnel stay finite and exact to well below one unit.
MAX_TIME = 1e12
#: Smallest mean of a random (non-fixed) time in stage: smaller draws would lose
#: precision or underflow to 0.
MIN_RANDOM_TIME = 1e-9
#: Largest lognormal shape (sigma of the log). The median is ``mean *
#: exp(-shape**2 / 2)``: at 10 it is e^-50 of the mean and the draws carrying the
#: mean are far too rare to occur; near 38 it underflows, so every draw is 0.0,
#: and ``shape**2`` overflows near 1e154.
MAX_LOGNORMAL_SHAPE = 10.0
#: Smallest gamma shape: below it numpy's draws underflow to exactly 0.0 (at 0.01,
#: about one draw in 1,700).
MIN_GAMMA_SHAPE = 0.05

#: The course's spine, in order: McClure's "pirate metrics" (AARRR, *Startup Metrics for
#: Pirates*, 2007) with Awareness in front, the AAARRR of later growth-marketing practice.
AAARRR_STAGES = ("Awareness", "Acquisition", "Activation", "Retention", "Revenue", "Referral")
#: The B2B buyer's path: trigger, learn, try, buy — the buyer's journey told from the buyer's
#: side rather than the seller's pipeline (the course's B2B lesson).
TLTB_STAGES = ("Trigger", "Learn", "Try", "Buy")


@dataclass(frozen=True)
class TimeInStage:
    """How long a buyer stays in a stage, as a distribution with a given mean.

    Build one with the class methods rather than the constructor:
    ``TimeInStage.fixed(2)``, ``.exponential(mean=3)``, ``.gamma(mean=4, shape=2)``,
    ``.lognormal(mean=5, shape=0.8)``. Every kind is parameterised by its mean, so
    changing the kind keeps the average sales cycle the same.

    What could overflow or underflow is refused here, at construction (so a
    scenario file fails when it is loaded): a mean above ``MAX_TIME`` (10¹²),
    a random time with a mean below ``MIN_RANDOM_TIME`` (10⁻⁹), a lognormal
    shape above ``MAX_LOGNORMAL_SHAPE`` (10) and a gamma shape below
    ``MIN_GAMMA_SHAPE`` (0.05).
    """

    #: "fixed", "exponential", "gamma" or "lognormal".
    kind: TimeKind = "fixed"
    #: Mean time in the stage, in the course's time unit (days or weeks), in
    #: [0, 1e12]; a random kind needs >= 1e-9.
    mean: float = 1.0
    #: scipy's shape parameter: ``a`` for gamma (larger = less spread, >= 0.05), ``s``
    #: (sigma of the log, in (0, 10]) for lognormal; unused for fixed and exponential.
    shape: float | None = None

    def __post_init__(self) -> None:
        check_choice("time kind", self.kind, _TIME_KINDS)
        mean = check_real("mean time", self.mean, low=0.0, high=MAX_TIME)
        object.__setattr__(self, "mean", mean)
        if self.kind != "fixed" and 0.0 < mean < MIN_RANDOM_TIME:
            raise ValueError(
                f"mean time of a {self.kind} distribution must be >= {MIN_RANDOM_TIME:g} "
                f"(MIN_RANDOM_TIME; smaller draws underflow), got {self.mean!r}"
            )
        if self.kind in ("gamma", "lognormal"):
            if self.shape is None:
                raise ValueError(f"{self.kind} time needs a shape parameter, got None")
            if self.kind == "gamma":
                shape = check_real("gamma shape", self.shape, low=MIN_GAMMA_SHAPE)
            else:
                shape = check_real(
                    "lognormal shape", self.shape, low=0.0, high=MAX_LOGNORMAL_SHAPE, low_open=True
                )
            object.__setattr__(self, "shape", shape)
        elif self.shape is not None:
            raise ValueError(f"{self.kind} time takes no shape parameter, got {self.shape!r}")
        if self.kind != "fixed" and mean == 0.0:
            raise ValueError(f"mean time of a {self.kind} distribution must be > 0, got 0")

    @classmethod
    def fixed(cls, value: float = 1.0) -> TimeInStage:
        """Everyone stays exactly ``value`` time units."""
        return cls("fixed", value)

    @classmethod
    def exponential(cls, mean: float = 1.0) -> TimeInStage:
        """Memoryless time with the given mean (the most spread-out of the four)."""
        return cls("exponential", mean)

    @classmethod
    def gamma(cls, mean: float = 1.0, shape: float = 2.0) -> TimeInStage:
        """Gamma time with the given mean; ``shape=1`` is exponential, large is near fixed."""
        return cls("gamma", mean, shape)

    @classmethod
    def lognormal(cls, mean: float = 1.0, shape: float = 0.5) -> TimeInStage:
        """Log-normal time with the given mean and log-sd ``shape`` (long right tail)."""
        return cls("lognormal", mean, shape)

    @property
    def dist(self) -> Any:
        """The scipy.stats frozen distribution (``None`` for a fixed time).

        scipy.stats is imported here, on first use: simulating needs only numpy
        (:meth:`sample`), and scipy.stats alone takes longer to import than numpy.
        """
        if self.kind == "fixed":
            return None
        from scipy import stats

        if self.kind == "exponential":
            return stats.expon(scale=self.mean)
        assert self.shape is not None
        if self.kind == "gamma":
            return stats.gamma(self.shape, scale=self.mean / self.shape)
        return stats.lognorm(self.shape, scale=self._lognormal_scale)

    @property
    def _lognormal_scale(self) -> float:
        """``exp(mu)`` of a lognormal with this mean and log-sd: ``mean * exp(-shape² / 2)``."""
        assert self.shape is not None
        return self.mean * math.exp(-(self.shape**2) / 2)

    @property
    def var(self) -> float:
        """Variance of the time in stage.

        Closed forms for the mean parameterisation: exponential ``mean²``; gamma
        ``mean² / shape``; lognormal ``(exp(shape²) − 1) · mean²`` (Johnson, Kotz &
        Balakrishnan, *Continuous Univariate Distributions*, vol. 1, chs. 14, 17, 19).
        """
        if self.kind == "fixed":
            return 0.0
        if self.kind == "exponential":
            return self.mean**2
        assert self.shape is not None
        if self.kind == "gamma":
            return self.mean**2 / self.shape
        return math.expm1(self.shape**2) * self.mean**2

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` independent draws (float64) using ``rng``.

        The draws are numpy's standard variates scaled as scipy.stats scales them
        (``standard_exponential``, ``standard_gamma(shape)``,
        ``exp(shape * standard_normal)``, times the scale), so they equal
        ``self.dist.rvs(size, random_state=rng)`` value for value without importing
        scipy.stats.
        """
        if self.kind == "fixed":
            return np.full(size, self.mean)
        if self.kind == "exponential":
            return rng.standard_exponential(size) * self.mean
        assert self.shape is not None
        if self.kind == "gamma":
            return rng.standard_gamma(self.shape, size) * (self.mean / self.shape)
        return np.exp(self.shape * rng.standard_normal(size)) * self._lognormal_scale

    def __str__(self) -> str:
        if self.kind == "fixed":
            return f"fixed {self.mean:g}"
        shape = "" if self.shape is None else f", shape {self.shape:g}"
        return f"{self.kind} (mean {self.mean:g}{shape})"


def _as_time(value: Any, where: str) -> TimeInStage:
    if isinstance(value, TimeInStage):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(
            f"time for {where} must be a number or a TimeInStage, "
            f"got {value!r} ({type(value).__name__})"
        )
    try:
        return TimeInStage.fixed(float(value))
    except ValueError:
        raise ValueError(
            f"time for {where} must be a finite number in [0, {MAX_TIME:g}], got {value!r}"
        ) from None


@dataclass(frozen=True)
class Stage:
    """One step of a funnel."""

    #: Display name, unique within a funnel ("Activation").
    name: str
    #: Probability that a buyer who reached the previous stage reaches this one.
    #: The first stage of a funnel must have rate 1.
    rate: float = 1.0
    #: Time spent in this stage before moving on or leaving; a number means fixed.
    time: TimeInStage = field(default_factory=TimeInStage)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise TypeError(f"stage name must be a string, got {self.name!r}")
        if not self.name.strip():
            raise ValueError(f"stage name must not be empty, got {self.name!r}")
        rate = check_probability(f"rate for stage {self.name!r}", self.rate)
        object.__setattr__(self, "rate", rate)
        object.__setattr__(self, "time", _as_time(self.time, f"stage {self.name!r}"))


def _key(name: str) -> str:
    """Keyword form of a stage name: ``"Try"`` -> ``"try"``, ``"Day 1"`` -> ``"day_1"``."""
    return re.sub(r"\W+", "_", name.strip().lower()).strip("_")


@dataclass(frozen=True)
class Funnel:
    """An ordered, validated tuple of stages.

    Attributes are read-only; use :meth:`with_rates`, :meth:`with_times` or
    ``dataclasses.replace`` to derive a changed funnel.
    """

    #: The stages, in the order buyers pass through them.
    stages: tuple[Stage, ...]
    #: A label for tables and charts.
    name: str = "funnel"

    def __post_init__(self) -> None:
        stages = self.stages
        if isinstance(stages, Stage) or not isinstance(stages, Sequence):
            raise TypeError(f"stages must be a sequence of Stage, got {type(stages).__name__}")
        stages = tuple(stages)
        if not stages:
            raise ValueError("a funnel needs at least one stage, got an empty list")
        for s in stages:
            if not isinstance(s, Stage):
                raise TypeError(f"every stage must be a Stage, got {s!r} ({type(s).__name__})")
        seen: set[str] = set()
        for s in stages:
            if s.name in seen:
                raise ValueError(f"stage names must be unique, got {s.name!r} twice")
            seen.add(s.name)
        if stages[0].rate != 1.0:
            raise ValueError(
                f"rate for first stage {stages[0].name!r} must be 1 "
                f"(everyone who enters the funnel is in it), got {stages[0].rate!r}"
            )
        if not isinstance(self.name, str):
            raise TypeError(f"funnel name must be a string, got {self.name!r}")
        object.__setattr__(self, "stages", stages)

    # -- construction ---------------------------------------------------------------
    @classmethod
    def from_rates(
        cls,
        rates: Mapping[str, float],
        times: Mapping[str, Any] | float | TimeInStage | None = None,
        *,
        name: str = "funnel",
    ) -> Funnel:
        """Build a funnel from an ordered ``{stage name: rate}`` mapping.

        The first stage's rate must be 1. ``times`` is one value for every stage
        or a mapping by stage name (missing stages take 1 time unit).

        >>> f = Funnel.from_rates({"Visit": 1, "Sign-up": 0.2, "Pay": 0.1})
        >>> f.names
        ('Visit', 'Sign-up', 'Pay')
        """
        if not isinstance(rates, Mapping):
            raise TypeError(
                f"rates must be a mapping of stage name to rate, got {type(rates).__name__}"
            )
        time_of = _time_lookup(times, list(rates))
        return cls(tuple(Stage(n, r, time_of(n)) for n, r in rates.items()), name=name)

    # -- read access ------------------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        """Stage names in order."""
        return tuple(s.name for s in self.stages)

    @property
    def rates(self) -> np.ndarray:
        """Step conversion rates (the first is 1)."""
        return np.array([s.rate for s in self.stages])

    @property
    def reach(self) -> np.ndarray:
        """Probability that an entering buyer reaches each stage (cumulative product)."""
        return np.cumprod(self.rates)

    @property
    def mean_times(self) -> np.ndarray:
        """Mean time in each stage."""
        return np.array([s.time.mean for s in self.stages])

    def __len__(self) -> int:
        return len(self.stages)

    def __iter__(self) -> Iterator[Stage]:
        return iter(self.stages)

    def __getitem__(self, key: int | str) -> Stage:
        if isinstance(key, str):
            return self.stages[self.index(key)]
        return self.stages[key]

    def index(self, name: str) -> int:
        """Position of a stage, by exact name or keyword form (``"try_"`` finds "Try")."""
        keys = {_key(s.name): i for i, s in enumerate(self.stages)}
        for i, s in enumerate(self.stages):
            if s.name == name:
                return i
        k = _key(name) if isinstance(name, str) else None
        if k is not None and k in keys:
            return keys[k]
        raise ValueError(
            f"no stage named {name!r} in funnel {self.name!r}; stages are {list(self.names)}"
        )

    # -- derived funnels -------------------------------------------------------------
    def with_rates(self, rates: Mapping[str, float] | None = None, /, **kwargs: float) -> Funnel:
        """A copy with some step rates changed, by stage name or keyword.

        >>> aaarrr().with_rates(activation=0.6)["Activation"].rate
        0.6
        """
        changes = _merge(rates, kwargs)
        stages = list(self.stages)
        for key, value in changes.items():
            i = self.index(key)
            stages[i] = dataclasses.replace(stages[i], rate=value)
        return dataclasses.replace(self, stages=tuple(stages))

    def with_times(self, times: Mapping[str, Any] | None = None, /, **kwargs: Any) -> Funnel:
        """A copy with some time-in-stage distributions changed (numbers mean fixed)."""
        changes = _merge(times, kwargs)
        stages = list(self.stages)
        for key, value in changes.items():
            i = self.index(key)
            stages[i] = dataclasses.replace(stages[i], time=value)
        return dataclasses.replace(self, stages=tuple(stages))

    def to_frame(self) -> Any:
        """One row per stage: ``stage, rate, reach, time, mean_time``."""
        import pandas as pd

        return pd.DataFrame(
            {
                "stage": list(self.names),
                "rate": self.rates,
                "reach": self.reach,
                "time": [str(s.time) for s in self.stages],
                "mean_time": self.mean_times,
            }
        )

    def __str__(self) -> str:
        steps = " -> ".join(f"{s.name} ({s.rate:.0%})" for s in self.stages)
        return f"{self.name}: {steps}"


def check_funnel(funnel: Any) -> Funnel:
    """Return ``funnel`` if it is a :class:`Funnel`, else raise a ``TypeError`` naming it.

    The one check every simulator and metric runs on its ``funnel`` argument
    (a Funnel validates itself when it is built, so its type is all that is
    left to check).
    """
    if not isinstance(funnel, Funnel):
        raise TypeError(
            f"funnel must be a Funnel (e.g. funnelsim.aaarrr()), got {type(funnel).__name__}"
        )
    return funnel


def _merge(mapping: Mapping[str, Any] | None, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    if mapping is not None and not isinstance(mapping, Mapping):
        raise TypeError(f"expected a mapping of stage name to value, got {type(mapping).__name__}")
    return {**(dict(mapping) if mapping else {}), **kwargs}


def _time_lookup(times: Any, names: Sequence[str]) -> Any:
    if times is None:
        return lambda name: TimeInStage()
    if isinstance(times, Mapping):
        known = {_key(n) for n in names}
        for k in times:
            if _key(k) not in known:
                raise ValueError(f"times names unknown stage {k!r}; stages are {list(names)}")
        by_key = {_key(k): v for k, v in times.items()}
        return lambda name: by_key.get(_key(name), TimeInStage())
    return lambda name: times


# -- presets -------------------------------------------------------------------------


def aaarrr(
    acquisition: float = 0.3,
    activation: float = 0.5,
    retention: float = 0.6,
    revenue: float = 0.4,
    referral: float = 0.25,
    *,
    times: Mapping[str, Any] | float | TimeInStage | None = None,
    name: str = "AAARRR",
) -> Funnel:
    """The AAARRR funnel: Awareness → Acquisition → Activation → Retention → Revenue → Referral.

    Each keyword is the step rate **into** the stage it is named after. The defaults
    (30 %, 50 %, 60 %, 40 %, 25 %) are round teaching values, not benchmarks: of
    1,000 aware people, 300 sign up, 150 activate, 90 stay, 36 pay and 9 refer.

    Parameters
    ----------
    acquisition : float
        Share of aware people who become leads (sign up), in [0, 1].
    activation : float
        Share of leads who have a first real success with the product.
    retention : float
        Share of activated users who keep using it.
    revenue : float
        Share of retained users who pay.
    referral : float
        Share of paying customers who recommend the product.
    times : number, TimeInStage or mapping, optional
        Time in stage (in the lesson's time unit, e.g. days): one value for every
        stage or a mapping by stage name; default 1 time unit each.
    name : str
        Label used in tables and charts.

    Returns
    -------
    Funnel

    Examples
    --------
    >>> aaarrr(activation=0.6).reach.round(3).tolist()
    [1.0, 0.3, 0.18, 0.108, 0.043, 0.011]
    """
    rates = dict(
        zip(
            AAARRR_STAGES, (1.0, acquisition, activation, retention, revenue, referral), strict=True
        )
    )
    return Funnel.from_rates(rates, times, name=name)


#: Default Trigger-Learn-Try-Buy times in weeks: a quick trigger, weeks of study, a pilot, a
#: long approval. Gamma times with shape 2-4 give the right-skewed sales cycles seen in B2B.
TLTB_DEFAULT_TIMES = {
    "Trigger": TimeInStage.fixed(1.0),
    "Learn": TimeInStage.gamma(mean=3.0, shape=2.0),
    "Try": TimeInStage.gamma(mean=4.0, shape=4.0),
    "Buy": TimeInStage.gamma(mean=6.0, shape=2.0),
}


def trigger_learn_try_buy(
    learn: float = 0.4,
    try_: float = 0.3,
    buy: float = 0.25,
    *,
    times: Mapping[str, Any] | float | TimeInStage | None = None,
    name: str = "Trigger-Learn-Try-Buy",
) -> Funnel:
    """The B2B buyer's path: Trigger → Learn → Try → Buy.

    Parameters
    ----------
    learn : float
        Share of triggered accounts (something made them look for a solution) that
        start studying options, in [0, 1].
    try_ : float
        Share of those that run a demo, trial or pilot (trailing underscore: ``try``
        is a Python keyword; ``with_rates(try_=...)`` finds the stage too).
    buy : float
        Share of pilots that end in a purchase.
    times : number, TimeInStage or mapping, optional
        Time in stage in weeks; a mapping overrides some stages and keeps
        :data:`TLTB_DEFAULT_TIMES` for the rest.
    name : str
        Label used in tables and charts.

    Returns
    -------
    Funnel

    Examples
    --------
    >>> trigger_learn_try_buy().reach.tolist()
    [1.0, 0.4, 0.12, 0.03]
    """
    rates = dict(zip(TLTB_STAGES, (1.0, learn, try_, buy), strict=True))
    merged: Mapping[str, Any] | float | TimeInStage
    if times is None:
        merged = TLTB_DEFAULT_TIMES
    elif isinstance(times, Mapping):
        merged = {**TLTB_DEFAULT_TIMES, **{_canonical(k, TLTB_STAGES): v for k, v in times.items()}}
    else:
        merged = times
    return Funnel.from_rates(rates, merged, name=name)


def _canonical(key: str, names: Sequence[str]) -> str:
    for n in names:
        if _key(n) == _key(key):
            return n
    raise ValueError(f"times names unknown stage {key!r}; stages are {list(names)}")
