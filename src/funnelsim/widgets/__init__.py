"""Live explorers for notebooks and the instructor dashboard (ipywidgets).

Each explorer is one call in a notebook and redraws its chart and headline
numbers whenever a slider moves::

    from funnelsim.widgets import FunnelExplorer
    FunnelExplorer(preset="aaarrr")

The sliders are built from declarative specs in :mod:`funnelsim.widgets.specs`
(label, range, step, default), kept apart from the models. Every explorer has
a Reset button and an A/B mode that freezes the current settings as scenario A
while the sliders move scenario B. Charts are SVG rendered in the kernel, so
everything works offline, in JupyterLab and in Voila (see
:mod:`funnelsim.charts`).

This module imports ipywidgets and altair; ``import funnelsim`` does not.
"""

from funnelsim.widgets._base import Explorer, Outcome
from funnelsim.widgets.b2b import B2BExplorer
from funnelsim.widgets.beckhard import BeckhardExplorer
from funnelsim.widgets.economics import EconomicsExplorer
from funnelsim.widgets.funnel import FunnelExplorer
from funnelsim.widgets.growth import Dashboard, GrowthExplorer
from funnelsim.widgets.life_cycle import LifeCycleExplorer
from funnelsim.widgets.loyalty import LoyaltyCardExplorer
from funnelsim.widgets.referral import ReferralExplorer
from funnelsim.widgets.retention import RetentionExplorer
from funnelsim.widgets.sensitivity import SensitivityExplorer
from funnelsim.widgets.specs import Control, Metric

__all__ = [
    "B2BExplorer",
    "BeckhardExplorer",
    "Control",
    "Dashboard",
    "EconomicsExplorer",
    "Explorer",
    "FunnelExplorer",
    "GrowthExplorer",
    "LifeCycleExplorer",
    "LoyaltyCardExplorer",
    "Metric",
    "Outcome",
    "ReferralExplorer",
    "RetentionExplorer",
    "SensitivityExplorer",
]
