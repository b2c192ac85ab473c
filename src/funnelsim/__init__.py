"""funnelsim: simulate growth and B2B sales funnels, and learn from them.

>>> import funnelsim as fs
>>> result = fs.simulate(fs.aaarrr(), buyers=1_000, seed=1)
>>> result.counts.shape
(1, 6)

The public names below are loaded **on first use** (PEP 562, in the spirit of
Scientific Python's SPEC 1): ``import funnelsim`` itself imports nothing heavy,
so the command line starts at once and a notebook pays for numpy, scipy and
pandas only when it first simulates. The core needs only those three; charts
(:mod:`funnelsim.charts`, altair) and explorers (:mod:`funnelsim.widgets`,
ipywidgets) are submodules loaded the same way, on first access.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: Where each public name lives: module -> names. The single source of ``__all__``.
_EXPORTS: dict[str, tuple[str, ...]] = {
    # stages, funnels and their presets
    "model": (
        "AAARRR_STAGES",
        "TLTB_STAGES",
        "Funnel",
        "Stage",
        "TimeInStage",
        "aaarrr",
        "trigger_learn_try_buy",
    ),
    # the Monte Carlo engine and its closed form
    "engine": (
        "EVENT_COLUMNS",
        "SimulationResult",
        "expected",
        "simulate",
    ),
    # confidence intervals
    "stats": ("proportion_ci",),
    # referral cascades, the viral coefficient, Bass diffusion, NPS
    "referral": (
        "NPS_SEGMENTS",
        "BassResult",
        "ReferralResult",
        "bass_adopters",
        "nps",
        "nps_breakdown",
        "simulate_bass",
        "simulate_referrals",
        "viral_coefficient",
        "viral_coefficient_from_nps",
    ),
    # unit economics: ARPU, CAC, LTV, payback, ROI
    "economics": (
        "REFERRED_LTV_UPLIFT",
        "REFERRED_RETENTION_UPLIFT",
        "arpu",
        "arpu_from_price",
        "cac",
        "cac_by_channel",
        "gross_margin",
        "ltv",
        "ltv_discounted",
        "ltv_sbg",
        "ltv_to_cac",
        "payback_period",
        "referral_programme_roi",
        "referred_churn",
        "referred_ltv",
        "revenue_per_referral",
        "roi",
        "romi",
    ),
    # the period-by-period growth model
    "growth": (
        "FunnelReferralResult",
        "GrowthParams",
        "GrowthResult",
        "simulate_funnel_with_referrals",
        "simulate_growth",
    ),
    # churn, cohorts and the shifted-beta-geometric model
    "retention": (
        "ChurnModel",
        "CohortSimulation",
        "CohortTable",
        "SBGFit",
        "fit_sbg",
        "repeat_purchase_rate",
        "sbg_derl",
        "sbg_retention_rate",
        "sbg_survival",
        "simulate_cohorts",
    ),
    # product analytics on any event log
    "analytics": (
        "biggest_leak",
        "cohort_retention",
        "conversion_window",
        "funnel_table",
        "step_times",
        "time_to_convert",
    ),
    # real and synthetic data
    "datasets": (
        "load_cdnow",
        "load_saas_events",
    ),
    # accounts, buying committees, champions, Beckhard's formula
    "b2b": (
        "BUYER_CLASSES",
        "AccountsResult",
        "Committee",
        "Member",
        "beckhard",
        "beckhard_probability",
        "buyer_class_effect",
        "buying_committee",
        "expected_accounts",
        "simulate_accounts",
    ),
    # pipelines that lose no lead
    "pipeline": (
        "Nurture",
        "PipelineResult",
        "expected_pipeline",
        "simulate_pipeline",
    ),
    # which stage to fix first: bottleneck, one-at-a-time sensitivity
    "sensitivity_analysis": (
        "bottleneck",
        "fix_first",
        "sensitivity",
    ),
    # BANT and RFM
    "scoring": (
        "BANT_COLUMNS",
        "RFM_SEGMENTS",
        "BantPipeline",
        "bant_score",
        "rfm",
        "rfm_summary",
        "simulate_bant_pipeline",
    ),
    # scenario files (TOML)
    "scenarios": (
        "Scenario",
        "list_scenarios",
        "load_scenario",
    ),
}
#: Submodules reachable as attributes (``fs.charts``) without an explicit import.
_SUBMODULES = ("charts", "widgets", "cli", "report")

_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted([*_WHERE, *_SUBMODULES, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(f"funnelsim.{_WHERE[name]}"), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"funnelsim.{name}")
    raise AttributeError(f"module 'funnelsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
