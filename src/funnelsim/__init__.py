"""funnelsim: simulate growth and B2B sales funnels, and learn from them.

>>> import funnelsim as fs
>>> result = fs.simulate(fs.aaarrr(), buyers=100_000, seed=42)
>>> result.table()[["stage", "reached"]].head(2)  # doctest: +SKIP

The core (this namespace) needs only numpy, scipy and pandas. Charts
(:mod:`funnelsim.charts`) and widgets (:mod:`funnelsim.widgets`) import altair
and ipywidgets on first use.
"""

from funnelsim.b2b import (
    BUYER_CLASSES,
    AccountsResult,
    Committee,
    Member,
    beckhard,
    beckhard_probability,
    buyer_class_effect,
    buying_committee,
    expected_accounts,
    simulate_accounts,
)
from funnelsim.economics import (
    REFERRED_LTV_UPLIFT,
    REFERRED_RETENTION_UPLIFT,
    arpu,
    cac,
    cac_by_channel,
    gross_margin,
    ltv,
    ltv_discounted,
    ltv_sbg,
    ltv_to_cac,
    payback_period,
    referral_programme_roi,
    referred_churn,
    referred_ltv,
    revenue_per_referral,
    roi,
    romi,
)
from funnelsim.engine import EVENT_COLUMNS, SimulationResult, expected, simulate
from funnelsim.growth import (
    FunnelReferralResult,
    GrowthParams,
    GrowthResult,
    simulate_funnel_with_referrals,
    simulate_growth,
)
from funnelsim.model import (
    AAARRR_STAGES,
    TLTB_STAGES,
    Funnel,
    Stage,
    TimeInStage,
    aaarrr,
    trigger_learn_try_buy,
)
from funnelsim.pipeline import (
    Nurture,
    PipelineResult,
    bottleneck,
    expected_pipeline,
    fix_first,
    sensitivity,
    simulate_pipeline,
)
from funnelsim.referral import (
    NPS_SEGMENTS,
    BassResult,
    ReferralResult,
    bass_adopters,
    nps,
    nps_breakdown,
    simulate_bass,
    simulate_referrals,
    viral_coefficient,
    viral_coefficient_from_nps,
)
from funnelsim.scenarios import Scenario, list_scenarios, load_scenario
from funnelsim.scoring import (
    BANT_COLUMNS,
    RFM_SEGMENTS,
    BantPipeline,
    bant_score,
    rfm,
    rfm_summary,
    simulate_bant_pipeline,
)
from funnelsim.stats import proportion_ci

__version__ = "0.1.0"

__all__ = [
    "AAARRR_STAGES",
    "BANT_COLUMNS",
    "BUYER_CLASSES",
    "EVENT_COLUMNS",
    "NPS_SEGMENTS",
    "REFERRED_LTV_UPLIFT",
    "REFERRED_RETENTION_UPLIFT",
    "RFM_SEGMENTS",
    "TLTB_STAGES",
    "AccountsResult",
    "BantPipeline",
    "BassResult",
    "Committee",
    "Funnel",
    "FunnelReferralResult",
    "GrowthParams",
    "GrowthResult",
    "Member",
    "Nurture",
    "PipelineResult",
    "ReferralResult",
    "Scenario",
    "SimulationResult",
    "Stage",
    "TimeInStage",
    "__version__",
    "aaarrr",
    "arpu",
    "bant_score",
    "bass_adopters",
    "beckhard",
    "beckhard_probability",
    "bottleneck",
    "buyer_class_effect",
    "buying_committee",
    "cac",
    "cac_by_channel",
    "expected",
    "expected_accounts",
    "expected_pipeline",
    "fix_first",
    "gross_margin",
    "list_scenarios",
    "load_scenario",
    "ltv",
    "ltv_discounted",
    "ltv_sbg",
    "ltv_to_cac",
    "nps",
    "nps_breakdown",
    "payback_period",
    "proportion_ci",
    "referral_programme_roi",
    "referred_churn",
    "referred_ltv",
    "revenue_per_referral",
    "rfm",
    "rfm_summary",
    "roi",
    "romi",
    "sensitivity",
    "simulate",
    "simulate_accounts",
    "simulate_bant_pipeline",
    "simulate_bass",
    "simulate_funnel_with_referrals",
    "simulate_growth",
    "simulate_pipeline",
    "simulate_referrals",
    "trigger_learn_try_buy",
    "viral_coefficient",
    "viral_coefficient_from_nps",
]
