"""The optional sections of a scenario file: records of data and their checks, nothing else.

Each section is a frozen record whose fields are the keys of its TOML table.
A field's metadata holds its check (called with the dotted key, so messages
read "referral.invite_conversion must be in [0, 1], got 1.3"); a missing key
keeps the default. ``_validate`` tries the model function on an empty problem,
so rules that tie several keys together are caught when the file is read, not
halfway through a class. Running a section is :mod:`funnelsim.scenarios.runner`'s
job; unit economics are :func:`funnelsim.economics.unit_economics`'s.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from funnelsim._deprecation import FunnelsimDeprecationWarning
from funnelsim._validation import check_choice, check_int, check_probability, check_real
from funnelsim.b2b import Committee, buying_committee
from funnelsim.economics import REFERRED_LTV_UPLIFT
from funnelsim.growth import GrowthParams, Schedule, step_change
from funnelsim.model import Funnel
from funnelsim.referral import NPS_SEGMENTS, simulate_referrals
from funnelsim.retention import ChurnModel
from funnelsim.scenarios.errors import PERIODS, _check_str, _describe, _Inline, _keyword, _Table

if TYPE_CHECKING:
    pass
#
# Each section is a frozen record whose fields are the keys of its TOML table.
# A field's metadata holds its check (called with the dotted key, so messages
# read "referral.invite_conversion must be in [0, 1], got 1.3"); a missing key
# keeps the default. ``_validate`` then tries the model function on an empty
# problem, so rules that tie several keys together are caught when the file is
# read, not halfway through a class.


#: Keys renamed in a section, ``{section: {old: new}}``: the old name is still read
#: for one release, with a ``DeprecationWarning``, and a saved file gets the new one.
RENAMED_KEYS: dict[str, dict[str, str]] = {
    "referral": {"invites": "invite_distribution"},
    "growth": {"invites_per_customer": "invites_per_user"},
}


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
        for old, new in RENAMED_KEYS.get(cls.KEY, {}).items():
            table.renamed(old, new)
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
    #: The law of each buyer's invite count: "poisson" or "negbin" (over-dispersed).
    invite_distribution: str = _checked(_choice("poisson", "negbin"), "poisson")
    #: Negative-binomial size (> 0) with invite_distribution = "negbin".
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
            "invite_distribution": self.invite_distribution,
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
        """Deprecated: the viral coefficient is :func:`funnelsim.scenarios.runner.referral_k`."""
        from funnelsim.scenarios.runner import referral_k

        _moved("ReferralSettings.k", "funnelsim.scenarios.runner.referral_k(settings)")
        return referral_k(self)


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
        """Deprecated: ``settings.model.mean_churn``."""
        _moved("RetentionSettings.mean_churn", "RetentionSettings.model.mean_churn")
        return float(self.model.mean_churn)


@dataclass(frozen=True)
class EconomicsSettings(_Section):
    """``[economics]``: unit economics of a customer (see :mod:`funnelsim.economics`).

    ``cac`` is given directly or computed as ``paid_spend`` divided by the
    funnel's customers. Churn comes from ``churn`` or, if absent, from the
    ``[retention]`` section (sBG LTV when that is heterogeneous); the numbers
    are :meth:`funnelsim.scenarios.Scenario.unit_economics`.
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
    #: Growth of a staying customer's revenue per period (upsells net of downgrades; net
    #: revenue retention is (1 − churn)(1 + expansion)), > -1; 0: a flat ARPU.
    expansion: float = _checked(_real(low=-1.0, low_open=True), 0.0)
    #: Periods counted in the LTV, payback and curve (>= 1); absent: the whole lifetime.
    horizon: int | None = _checked(_integer(low=1, high=1_000_000))

    def _validate(self) -> None:
        if self.cac is not None and self.paid_spend is not None:
            raise ValueError(f"{self.KEY}: give cac or paid_spend, not both")

    def churn_model(self, retention: RetentionSettings | None) -> ChurnModel:
        """The churn model of the LTV: ``churn`` (geometric) or ``retention``'s model.

        Raises
        ------
        ValueError
            Without ``churn`` and without a ``[retention]`` section to take it from.
        """
        if self.churn is not None:
            return ChurnModel.geometric(self.churn)
        if retention is None:
            raise ValueError("economics needs a churn, or a [retention] section to take it from")
        return retention.model

    def churn_key(self, retention: RetentionSettings | None) -> str | None:
        """The one key that holds the churn (``economics.churn`` or ``retention.churn``);
        None when it is [retention]'s ``alpha`` and ``beta``."""
        if self.churn is not None:
            return "economics.churn"
        if retention is not None and retention.churn is not None:
            return "retention.churn"
        return None


#: ``[growth]`` keys a scenario with ``[economics]`` takes from it (one place for each
#: number): growth key → economics field.
GROWTH_FROM_ECONOMICS = ("arpu", "margin", "churn", "discount", "expansion", "horizon")


def growth_from_economics(
    econ: EconomicsSettings, retention: RetentionSettings | None
) -> dict[str, Any]:
    """The growth model's ``arpu``, ``margin``, ``churn``, ``discount``, ``expansion`` and
    ``horizon`` in a scenario with ``[economics]``: the section's, with its churn model (a
    geometric churn as its probability, an sBG model as a
    :class:`funnelsim.retention.ChurnModel`)."""
    model = econ.churn_model(retention)
    churn: float | ChurnModel = model.churn if model.kind == "geometric" else model  # type: ignore[assignment]
    return {
        "arpu": econ.arpu,
        "margin": econ.margin,
        "churn": churn,
        "discount": econ.discount,
        "expansion": econ.expansion,
        "horizon": econ.horizon,
    }


def growth_repeats(
    values: Mapping[str, Any], econ: EconomicsSettings, retention: RetentionSettings | None
) -> list[tuple[str, Any, str, Any]]:
    """``[growth]`` keys in ``values`` that repeat an ``[economics]`` number with another value.

    Returns ``(growth key, its value, the key it repeats, that key's value)`` for
    each. A repeated key with the *same* value is allowed (older files repeat
    them, "as in [economics]"); a ``growth.churn`` repeats ``economics.churn`` or,
    without it, ``[retention]``'s ``churn`` (the sBG model's mean churn when the
    retention section gives a polarization), and no number equals an sBG model
    given by ``alpha`` and ``beta``.
    """
    out = []
    for name in GROWTH_FROM_ECONOMICS:
        if name not in values:
            continue
        given = values[name]
        if name == "churn":
            key = econ.churn_key(retention)
            if key is None:
                assert retention is not None
                other: Any = f"sBG(alpha = {retention.alpha}, beta = {retention.beta})"
                key = "retention.alpha, retention.beta"
            else:
                section = econ if key.startswith("economics") else retention
                other = section.churn  # type: ignore[union-attr]
        else:
            key, other = f"economics.{name}", getattr(econ, name)
        same = (given is None and other is None) or (
            isinstance(other, int | float)
            and isinstance(given, int | float)
            and not isinstance(given, bool)
            and float(given) == float(other)
        )
        if not same:
            out.append((f"growth.{name}", given, key, other))
    return out


@dataclass(frozen=True)
class B2BSettings(_Section):
    """``[b2b]``: accounts with buying committees going through the funnel.

    Uses :func:`funnelsim.simulate_accounts` with the scenario's funnel (whose
    stages must include those the committee influences: Learn, Try, Buy) and
    :func:`funnelsim.buying_committee` with the presences given here; with
    ``adoption``, won accounts then go through the post-purchase adoption step.
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
    #: Base rate of the post-purchase step: a won account's users take the product into
    #: daily use (moved by the users' and the champion's stances); absent: no such step.
    adoption: float | None = _checked(check_probability)
    #: Unit of the funnel's stage times, hence of the sales cycle: "day", "week" (the
    #: Trigger-Learn-Try-Buy preset's times), "month", "quarter" or "year".
    time_unit: str = _checked(_choice(*PERIODS), "week")

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


@dataclass(frozen=True)
class GrowthSettings:
    """``[growth]``: a business over many periods (see :func:`funnelsim.growth.simulate_growth`).

    The keys are ``periods``, ``replications`` and the fields of
    :class:`funnelsim.growth.GrowthParams` except ``funnel``: leads go through
    the scenario's own funnel. In a scenario with ``[economics]``, ``arpu``,
    ``margin``, ``churn``, ``discount``, ``expansion`` and ``horizon`` are that
    section's (its churn model:
    ``economics.churn`` or the ``[retention]`` model, sBG included), so the
    growth run's LTV, LTV:CAC and payback are the scenario's
    (:meth:`funnelsim.scenarios.Scenario.unit_economics`); the file gives
    them in ``[economics]`` only.
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
        for name, schedule in self.params.schedules().items():
            try:
                schedule.check(name, self.periods)  # a change after the run, or too few values
            except ValueError as err:
                raise ValueError(_growth_message(str(err), self._param_names())[0]) from None

    @staticmethod
    def _param_names() -> list[str]:
        return [f.name for f in dataclasses.fields(GrowthParams) if f.name != "funnel"]

    @classmethod
    def read(cls, table: _Table, funnel: Funnel) -> GrowthSettings:
        names = cls._param_names()
        for old, new in RENAMED_KEYS[cls.KEY].items():
            table.renamed(old, new)
        table.finish(["periods", "replications", *names])
        periods = table.get("periods", lambda k, v: check_int(k, v, low=1, high=10_000), 24)
        reps = table.get("replications", lambda k, v: check_int(k, v, low=1), 1)
        values = {name: table.data[name] for name in names if name in table.data}
        for stage_key in ("customer_stage", "referral_entry"):
            if stage_key in values:
                table.get(stage_key, lambda k, v: funnel.names[funnel.index(_check_str(k, v))])
        for scheduled in ("new_leads", "budget"):  # a number or a schedule
            if scheduled in values:
                values[scheduled] = table.get(scheduled, _schedule_or_number)
        if "rate_changes" in values:
            changes = table.sub("rate_changes")
            assert changes is not None

            def stage_schedule(key: str, value: Any) -> Schedule:
                funnel.index(key.rsplit(".", 1)[-1])  # a stage of the scenario's funnel
                return _schedule_only(key, value)

            values["rate_changes"] = {
                stage: changes.get(stage, stage_schedule) for stage in changes.data
            }
        try:
            params = GrowthParams(**values, funnel=funnel)
        except (TypeError, ValueError) as err:
            message, key = _growth_message(str(err), names)
            raise table.error(message, key) from None
        try:
            return cls(periods, reps, params)
        except ValueError as err:
            raise table.error(str(err)) from None

    def to_dict(self, skip: Sequence[str] = ()) -> dict[str, Any]:
        """The ``[growth]`` table, defaults and the keys in ``skip`` left out."""
        out: dict[str, Any] = {}
        if self.periods != 24:
            out["periods"] = self.periods
        if self.replications != 1:
            out["replications"] = self.replications
        for f in dataclasses.fields(GrowthParams):
            value = getattr(self.params, f.name)
            if f.name in ("funnel", *skip) or value is None or value == f.default:
                continue
            if isinstance(value, ChurnModel):
                if value.kind != "geometric":
                    raise ValueError(
                        f"{self.KEY}.{f.name} is an sBG churn model: a scenario file gives it "
                        "in [retention] (churn and polarization, or alpha and beta) with an "
                        "[economics] section, which [growth] takes it from"
                    )
                value = value.churn
            if f.name == "rate_changes":
                out[f.name] = {_keyword(stage): _schedule_toml(s) for stage, s in value}
            elif isinstance(value, Schedule):
                out[f.name] = _schedule_toml(value, whole=f.name == "new_leads")
            else:
                out[f.name] = value
        return out


def _schedule_or_number(key: str, value: Any) -> Any:
    """A TOML schedule (see :func:`_schedule_only`), or a number left for GrowthParams to check."""
    if isinstance(value, Mapping | list | tuple):
        return _schedule_only(key, value)
    return value


def _schedule_only(key: str, value: Any) -> Schedule:
    """A :class:`funnelsim.growth.Schedule` from its TOML forms.

    * ``[0.30, 0.30, 0.45]``: one value per period (``Schedule.from_values``);
    * ``{ before = 0.30, after = 0.45, at = 12 }``: a step change
      (:func:`funnelsim.growth.step_change`);
    * ``{ values = [0.30, 0.45, 0.40], starts = [1, 12, 20] }``: any piecewise
      constant value (``Schedule(values, starts)``).

    The values themselves are checked by :class:`funnelsim.growth.GrowthParams`
    (a rate in [0, 1], a whole number of leads).
    """
    if isinstance(value, Schedule):
        return value
    if isinstance(value, list | tuple):
        try:
            return Schedule.from_values([check_real(f"{key}[{i}]", v) for i, v in enumerate(value)])
        except (TypeError, ValueError) as err:
            raise type(err)(str(err) if str(err).startswith(key) else f"{key}: {err}") from None
    if isinstance(value, Mapping):
        keys = set(value)
        if keys == {"before", "after", "at"}:
            return step_change(
                check_real(f"{key}.before", value["before"]),
                check_real(f"{key}.after", value["after"]),
                at=check_int(f"{key}.at", value["at"], low=2),
            )
        if keys == {"values", "starts"}:
            values, starts = value["values"], value["starts"]
            for name, seq in (("values", values), ("starts", starts)):
                if not isinstance(seq, list | tuple):
                    raise TypeError(f"{key}.{name} must be an array, got {_describe(seq)}")
            try:
                return Schedule(
                    tuple(check_real(f"{key}.values[{i}]", v) for i, v in enumerate(values)),
                    tuple(check_int(f"{key}.starts[{i}]", t, low=1) for i, t in enumerate(starts)),
                )
            except ValueError as err:
                raise ValueError(
                    str(err) if str(err).startswith(key) else f"{key}: {err}"
                ) from None
    raise TypeError(
        f"{key} must be one value per period ([0.3, 0.3, 0.45]), a step change "
        "({ before = 0.3, after = 0.45, at = 12 }) or { values = [...], starts = [...] }, "
        f"got {_describe(value)}"
    )


def _schedule_toml(schedule: Schedule, *, whole: bool = False) -> Any:
    """The TOML form :func:`_schedule_only` reads back to an equal schedule."""

    def number(x: float) -> float | int:
        return int(x) if whole and float(x).is_integer() else x

    if schedule.length is not None:
        return [number(v) for v in schedule.per_period(schedule.length)]
    if len(schedule.values) == 2:
        before, after = schedule.values
        return _Inline(before=number(before), after=number(after), at=schedule.starts[1])
    if len(schedule.values) == 1:
        return _Inline(values=[number(schedule.values[0])], starts=[1])
    return _Inline(values=[number(v) for v in schedule.values], starts=list(schedule.starts))


def _growth_message(message: str, names: Sequence[str]) -> tuple[str, str | None]:
    """Turn ``"churn must be ..."`` into ``"growth.churn must be ..."`` with its key.

    ``rate_changes['Activation'] ...`` (GrowthParams' name for a stage's schedule)
    becomes the file's key, ``growth.rate_changes.activation ...``.
    """
    stage = re.match(r"rate_changes\[['\"](.+?)['\"]\]:? ?", message)
    if stage:
        key = f"growth.rate_changes.{_keyword(stage.group(1))}"
        return f"{key} {message[stage.end() :]}", key
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


def _moved(old: str, new: str) -> None:
    warnings.warn(
        f"{old} is deprecated and will be removed in the next release; use {new}",
        FunnelsimDeprecationWarning,
        stacklevel=3,
    )
