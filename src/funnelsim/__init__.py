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
from funnelsim.engine import EVENT_COLUMNS, SimulationResult, expected, simulate
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
    "RFM_SEGMENTS",
    "TLTB_STAGES",
    "AccountsResult",
    "BantPipeline",
    "BassResult",
    "Committee",
    "Funnel",
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
    "bant_score",
    "bass_adopters",
    "beckhard",
    "beckhard_probability",
    "bottleneck",
    "buyer_class_effect",
    "buying_committee",
    "expected",
    "expected_accounts",
    "expected_pipeline",
    "fix_first",
    "list_scenarios",
    "load_scenario",
    "nps",
    "nps_breakdown",
    "proportion_ci",
    "rfm",
    "rfm_summary",
    "sensitivity",
    "simulate",
    "simulate_accounts",
    "simulate_bant_pipeline",
    "simulate_bass",
    "simulate_pipeline",
    "simulate_referrals",
    "trigger_learn_try_buy",
    "viral_coefficient",
    "viral_coefficient_from_nps",
]
