"""funnelsim: simulate growth and B2B sales funnels, and learn from them.

>>> import funnelsim as fs
>>> result = fs.simulate(fs.aaarrr(), buyers=100_000, seed=42)
>>> result.table()[["stage", "reached"]].head(2)  # doctest: +SKIP

The core (this namespace) needs only numpy, scipy and pandas. Charts
(:mod:`funnelsim.charts`) and widgets (:mod:`funnelsim.widgets`) import altair
and ipywidgets on first use.
"""

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
from funnelsim.stats import proportion_ci

__version__ = "0.1.0"

__all__ = [
    "AAARRR_STAGES",
    "EVENT_COLUMNS",
    "NPS_SEGMENTS",
    "TLTB_STAGES",
    "BassResult",
    "Funnel",
    "ReferralResult",
    "Scenario",
    "SimulationResult",
    "Stage",
    "TimeInStage",
    "__version__",
    "aaarrr",
    "bass_adopters",
    "expected",
    "list_scenarios",
    "load_scenario",
    "nps",
    "nps_breakdown",
    "proportion_ci",
    "simulate",
    "simulate_bass",
    "simulate_referrals",
    "trigger_learn_try_buy",
    "viral_coefficient",
    "viral_coefficient_from_nps",
]
