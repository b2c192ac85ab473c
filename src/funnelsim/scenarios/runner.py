"""Running a scenario: the funnel, then each section on its own random stream."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

import funnelsim.economics as economics
from funnelsim import _format
from funnelsim.b2b import AccountsResult, simulate_accounts
from funnelsim.economics import UnitEconomics
from funnelsim.engine import SimulationResult
from funnelsim.growth import GrowthResult, simulate_growth
from funnelsim.referral import ReferralResult, simulate_referrals
from funnelsim.retention import CohortSimulation, simulate_cohorts
from funnelsim.scenarios.errors import _keyword
from funnelsim.scenarios.sections import (
    B2BSettings,
    EconomicsSettings,
    GrowthSettings,
    ReferralSettings,
    RetentionSettings,
)

if TYPE_CHECKING:
    from funnelsim.scenarios.record import Scenario


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
        line prints them and the HTML report shows them. Every number reads as
        :mod:`funnelsim._format` writes it (the explorers' cards too): money with
        its ``$``, shares in percent, and periods named by the scenario's
        ``period`` ("after 12 months", "payback 9 weeks").
        """
        m = self.metrics()
        r = self.result
        from funnelsim.scenarios.compare import customer_stage

        stage = customer_stage(self.scenario)
        funnel = (
            f"{_format.count(m['customers'])} of {_format.count(r.buyers)} buyers (people "
            f"entering {r.funnel.names[0]} in one funnel run) reached {r.funnel.names[-1]} "
            f"({_format.percent(m['conversion'])})"
        )
        if stage != r.funnel.names[-1]:
            payers = float(r.reached[stage])
            funnel += (
                f"; {_format.count(payers)} reached {stage}, the customers the economics "
                f"count ({_format.percent(payers / r.buyers if r.buyers else math.nan)})"
            )
        out = {"funnel": funnel + "."}
        if self.referral is not None:
            ref = self.referral
            out["referral"] = (
                f"K = {_format.number(ref.k)}: {_format.count(ref.seed_buyers)} seed buyers "
                f"grew to {_format.count(m['referral_total'])} "
                f"({_format.count(m['referred'])} referred)."
            )
        unit = self.scenario.period
        if self.retention is not None:
            periods = int(self.retention.long["period"].max())
            out["retention"] = (
                f"{_format.percent(m['retention_survival'])} of the first cohort are still active "
                f"after {_format.periods(periods, unit)}."
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
        if self.b2b is not None and self.scenario.b2b is not None:
            cycle = m["b2b_median_cycle"]
            out["b2b"] = (
                f"{_format.percent(m['b2b_win_rate'])} of "
                f"{_format.count(self.b2b.n_accounts)} accounts bought"
                + (
                    f"; median sales cycle of won deals {_format.number(cycle)} "
                    f"{self.scenario.b2b.time_unit}s (b2b.time_unit)."
                    if math.isfinite(cycle)
                    else "."
                )
            )
        if self.growth is not None:
            periods = int(self.growth.periods["period"].max())
            out["growth"] = (
                f"{_format.count(m['growth_active'])} active customers after "
                f"{_format.periods(periods, unit)}, cumulative revenue "
                f"{_format.money(m['growth_revenue'])}; "
                f"{_format.percent(m['growth_referral_share'])} of new customers came by referral"
                + (
                    "."
                    if self.growth.params.spend_given
                    else "; CAC: no acquisition spend given (add a budget to [growth])."
                )
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


# -- running ---------------------------------------------------------------------------


def run_scenario(scenario: Scenario, seed: Any = None) -> ScenarioRun:
    """Run everything ``scenario`` describes (see :meth:`Scenario.run`)."""
    given = scenario.seed if seed is None else seed
    result = scenario.simulate(seed=given)
    entropy = result.seed if result.seed is not None else _section_entropy(given)

    def stream(section: Any) -> np.random.SeedSequence:
        return section_seed(entropy, section.STREAM)

    referral = retention = b2b = growth = None
    if scenario.referral is not None:
        referral = run_referral(scenario.referral, result, stream(scenario.referral))
    if scenario.retention is not None:
        retention = run_retention(scenario.retention, result, stream(scenario.retention))
    if scenario.b2b is not None:
        b2b = run_b2b(scenario.b2b, scenario, stream(scenario.b2b))
    if scenario.growth is not None:
        growth = run_growth(scenario.growth, stream(scenario.growth))
    econ = roi = None
    if scenario.economics is not None:
        econ = scenario_unit_economics(scenario)
        referred = None if referral is None else float(referral.total) - referral.seed_buyers
        roi = referral_roi(scenario.economics, econ.ltv, referred)
    return ScenarioRun(scenario, result, referral, retention, b2b, econ, growth, roi)


def expected_customers(scenario: Scenario, stage: str | None = None) -> float:
    """Buyers of ``scenario`` expected to reach ``stage`` (default: the last stage).

    ``buyers × reach``, the expectation of the funnel run (not rounded): what
    a paid spend buys on average, hence the CAC's denominator.
    """
    funnel = scenario.funnel
    index = len(funnel) - 1 if stage is None else funnel.index(stage)
    return scenario.buyers * float(funnel.reach[index])


def scenario_unit_economics(scenario: Scenario) -> UnitEconomics:
    """The ``[economics]`` numbers of ``scenario`` (see :meth:`Scenario.unit_economics`)."""
    econ = scenario.economics
    if econ is None:
        raise ValueError(f"scenario {scenario.name!r} has no [economics] section")
    model = econ.churn_model(scenario.retention)
    cac: float | None = econ.cac
    if cac is None and econ.paid_spend is not None:
        customers = expected_customers(scenario, econ.customer_stage)
        if customers > 0:
            cac = econ.paid_spend / customers
        else:
            cac = math.inf if econ.paid_spend > 0 else 0.0
    return economics.unit_economics(
        econ.arpu,
        econ.margin,
        model,
        cac=cac,
        discount=econ.discount,
        period=scenario.period,
        expansion=econ.expansion,
        horizon=econ.horizon,
    )


def referral_roi(settings: EconomicsSettings, ltv: float, referred: float | None) -> float | None:
    """ROI of the referral programme for ``referred`` customers worth ``ltv`` each.

    None without a referral cascade or without any programme cost (the ROI is
    then undefined); see :func:`funnelsim.economics.referral_programme_roi`.
    """
    paid = settings.referral_reward + settings.referrer_reward
    if referred is None or paid * referred + settings.programme_cost <= 0:
        return None
    if math.isinf(ltv):  # sBG with alpha <= 1 and no discount: unbounded value
        return math.inf if referred > 0 else -1.0
    return float(
        economics.referral_programme_roi(
            referred,
            ltv,
            referral_reward=settings.referral_reward,
            referrer_reward=settings.referrer_reward,
            programme_cost=settings.programme_cost,
            ltv_uplift=settings.ltv_uplift,
        )
    )


def _stage_count(result: SimulationResult, stage: str | None) -> int:
    """Buyers who reached ``stage`` (default: the last stage), mean over replications."""
    funnel = result.funnel
    index = len(funnel) - 1 if stage is None else funnel.index(stage)
    return round(float(result.counts[:, index].mean()))


def referral_k(settings: ReferralSettings) -> float:
    """The viral coefficient of ``[referral]`` settings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return simulate_referrals(0, seed=0, **{**settings._kwargs(), "max_generations": 0}).k


def run_referral(settings: ReferralSettings, funnel: SimulationResult, seed: Any) -> ReferralResult:
    """The cascade seeded by ``funnel``'s buyers at ``settings.seed_stage``."""
    if settings.seed_buyers is not None:
        seeds = settings.seed_buyers
    else:
        seeds = _stage_count(funnel, settings.seed_stage)
    if settings.market_size is not None:
        seeds = min(seeds, settings.market_size)
    return simulate_referrals(seeds, seed=seed, **settings._kwargs())


def run_retention(
    settings: RetentionSettings, funnel: SimulationResult, seed: Any
) -> CohortSimulation:
    """Cohorts of ``funnel``'s customers at ``settings.cohort_stage``."""
    size = settings.cohort_size
    if size is None:
        size = _stage_count(funnel, settings.cohort_stage)
    return simulate_cohorts(settings.model, [size] * settings.cohorts, settings.periods, seed=seed)


def run_b2b(settings: B2BSettings, scenario: Scenario, seed: Any) -> AccountsResult:
    """The accounts with buying committees through ``scenario.funnel``."""
    n = scenario.buyers if settings.accounts is None else settings.accounts
    return simulate_accounts(
        n,
        committee=settings.committee,
        funnel=scenario.funnel,
        buy_rate=settings.buy_rate,
        adoption=settings.adoption,
        seed=seed,
    )


def run_growth(settings: GrowthSettings, seed: Any) -> GrowthResult:
    """The growth model with these settings."""
    return simulate_growth(
        settings.periods, params=settings.params, replications=settings.replications, seed=seed
    )


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
