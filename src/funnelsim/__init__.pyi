"""Type stub of funnelsim's public surface, and the one list of it.

Type checkers read this file; at run time ``lazy_loader.attach_stub`` reads the same
imports to load each name on first use (Scientific Python SPEC 1). A name listed here
must be in its module's ``__all__`` (tests/test_public_api.py checks it).
"""

from . import charts as charts
from . import cli as cli
from . import quiz as quiz
from . import report as report
from . import widgets as widgets

# stages, funnels and their presets
from .model import (
    AAARRR_STAGES as AAARRR_STAGES,
    TLTB_STAGES as TLTB_STAGES,
    Funnel as Funnel,
    Stage as Stage,
    TimeInStage as TimeInStage,
    aaarrr as aaarrr,
    trigger_learn_try_buy as trigger_learn_try_buy,
)

# the Monte Carlo engine and its closed form
from .engine import (
    EVENT_COLUMNS as EVENT_COLUMNS,
    SimulationResult as SimulationResult,
    expected as expected,
    simulate as simulate,
)

# confidence intervals and sample sizes
from .stats import (
    compare as compare,
    power_two_proportions as power_two_proportions,
    proportion_ci as proportion_ci,
    sample_size_proportion as sample_size_proportion,
    sample_size_two_proportions as sample_size_two_proportions,
    simulate_ab_power as simulate_ab_power,
)

# acquisition channels side by side: conversions, CPL and CAC
from .acquisition import (
    Channel as Channel,
    ChannelsResult as ChannelsResult,
    expected_channels as expected_channels,
    simulate_channels as simulate_channels,
)

# referral cascades, the viral coefficient, Bass diffusion, NPS
from .referral import (
    NO_RESPONSE as NO_RESPONSE,
    NPS_SEGMENTS as NPS_SEGMENTS,
    BassResult as BassResult,
    NPSInterval as NPSInterval,
    ReferralResult as ReferralResult,
    RewardResponse as RewardResponse,
    bass_adopters as bass_adopters,
    expected_viral_users as expected_viral_users,
    nps as nps,
    nps_breakdown as nps_breakdown,
    nps_ci as nps_ci,
    nps_difference_ci as nps_difference_ci,
    referral_programme as referral_programme,
    simulate_bass as simulate_bass,
    simulate_nps_survey as simulate_nps_survey,
    simulate_referrals as simulate_referrals,
    viral_coefficient as viral_coefficient,
    viral_coefficient_from_nps as viral_coefficient_from_nps,
)

# the product life cycle: diffusion over segments, the chasm, value migration
from .diffusion import (
    DiffusionResult as DiffusionResult,
    SegmentedMarket as SegmentedMarket,
    chasm_gap as chasm_gap,
    chasm_market as chasm_market,
    compare_strategies as compare_strategies,
    diffusion_path as diffusion_path,
    move_profits as move_profits,
    segmented_market as segmented_market,
    simulate_diffusion as simulate_diffusion,
    value_migration as value_migration,
)

# unit economics: ARPU, CAC, LTV, payback, ROI
from .economics import (
    REFERRED_LTV_UPLIFT as REFERRED_LTV_UPLIFT,
    REFERRED_RETENTION_UPLIFT as REFERRED_RETENTION_UPLIFT,
    UnitEconomics as UnitEconomics,
    arpu as arpu,
    arpu_from_price as arpu_from_price,
    cac as cac,
    cac_by_channel as cac_by_channel,
    gross_margin as gross_margin,
    ltv as ltv,
    ltv_discounted as ltv_discounted,
    ltv_sbg as ltv_sbg,
    ltv_to_cac as ltv_to_cac,
    net_revenue_retention as net_revenue_retention,
    payback_curve as payback_curve,
    payback_period as payback_period,
    referral_programme_roi as referral_programme_roi,
    referred_churn as referred_churn,
    referred_ltv as referred_ltv,
    revenue_per_referral as revenue_per_referral,
    roi as roi,
    romi as romi,
    scaled_churn_model as scaled_churn_model,
    unit_economics as unit_economics,
)

# the period-by-period growth model
from .growth import (
    FunnelReferralResult as FunnelReferralResult,
    GrowthParams as GrowthParams,
    GrowthResult as GrowthResult,
    Schedule as Schedule,
    simulate_funnel_with_referrals as simulate_funnel_with_referrals,
    simulate_growth as simulate_growth,
    step_change as step_change,
)

# churn, cohorts and the shifted-beta-geometric model
from .retention import (
    ChurnModel as ChurnModel,
    CohortSimulation as CohortSimulation,
    CohortTable as CohortTable,
    SBGFit as SBGFit,
    fit_sbg as fit_sbg,
    repeat_purchase_rate as repeat_purchase_rate,
    sbg_derl as sbg_derl,
    sbg_retention_rate as sbg_retention_rate,
    sbg_survival as sbg_survival,
    simulate_cohorts as simulate_cohorts,
    simulate_segments as simulate_segments,
)

# product analytics on any event log
from .analytics import (
    biggest_leak as biggest_leak,
    cohort_retention as cohort_retention,
    conversion_window as conversion_window,
    funnel_table as funnel_table,
    step_times as step_times,
    time_to_convert as time_to_convert,
)

# real and synthetic data
from .datasets import (
    load_cdnow as load_cdnow,
    load_saas_events as load_saas_events,
)

# accounts, buying committees, champions, Beckhard's formula
from .b2b import (
    ABM_RANKINGS as ABM_RANKINGS,
    ABM_STAGES as ABM_STAGES,
    ADOPTION as ADOPTION,
    AbmResult as AbmResult,
    BUYER_CLASSES as BUYER_CLASSES,
    AccountsResult as AccountsResult,
    BeckhardResult as BeckhardResult,
    Committee as Committee,
    Member as Member,
    beckhard as beckhard,
    beckhard_probability as beckhard_probability,
    buyer_class_effect as buyer_class_effect,
    buyer_class_table as buyer_class_table,
    buying_committee as buying_committee,
    compare_accounts as compare_accounts,
    expected_accounts as expected_accounts,
    simulate_abm as simulate_abm,
    simulate_accounts as simulate_accounts,
    simulate_beckhard as simulate_beckhard,
)

# pipelines that lose no lead
from .pipeline import (
    Nurture as Nurture,
    PipelineResult as PipelineResult,
    compare_pipelines as compare_pipelines,
    expected_pipeline as expected_pipeline,
    simulate_pipeline as simulate_pipeline,
    split_step as split_step,
)

# which stage to fix first: bottleneck, one-at-a-time sensitivity
from .sensitivity_analysis import (
    bottleneck as bottleneck,
    fix_first as fix_first,
    sensitivity as sensitivity,
)

# the sales plan worked backwards from a target
from .planning import (
    sales_plan as sales_plan,
    simulate_plan as simulate_plan,
)

# positioning strategies as the market fills up (a teaching model)
from .positioning import (
    POSITIONING_STRATEGIES as POSITIONING_STRATEGIES,
    newcomer_payoffs as newcomer_payoffs,
    simulate_positioning as simulate_positioning,
)

# BANT and RFM
from .scoring import (
    BANT_COLUMNS as BANT_COLUMNS,
    RFM_SEGMENTS as RFM_SEGMENTS,
    BantPipeline as BantPipeline,
    bant_score as bant_score,
    bant_win_probability as bant_win_probability,
    first_purchase_threshold as first_purchase_threshold,
    rfm as rfm,
    rfm_outcomes as rfm_outcomes,
    rfm_summary as rfm_summary,
    simulate_bant_pipeline as simulate_bant_pipeline,
)

# the course: lessons, glossary, quiz progress
from .course import (
    LESSONS as LESSONS,
    glossary as glossary,
)
from .quiz.progress import (
    gather_progress as gather_progress,
    progress as progress,
)

# scenario files (TOML)
from .scenarios import (
    Scenario as Scenario,
    compare_scenarios as compare_scenarios,
    list_scenarios as list_scenarios,
    load_scenario as load_scenario,
)

__version__: str
