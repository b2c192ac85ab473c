"""Scenario files: one TOML file describes a whole setup, and runs it.

A scenario is what an instructor prepares before class and what a student,
a papermill run and the ``funnelsim`` command line all load the same way::

    import funnelsim as fs
    sc = fs.load_scenario("b2c_referral")      # a ready-made one, or a path
    result = sc.simulate()                     # the funnel, with the file's seed
    run = sc.run()                             # the funnel and every section
    sc.with_values({"funnel.rates.activation": 0.6}).save("mine.toml")

The package is split by job: :mod:`~funnelsim.scenarios.reader` (files and
names in, checked scenarios out), :mod:`~funnelsim.scenarios.writer` (tomlkit:
a saved file keeps its comments and layout, only what moved changes),
:mod:`~funnelsim.scenarios.record` (the :class:`Scenario` record and
:meth:`Scenario.with_values`), :mod:`~funnelsim.scenarios.sections` (the
optional sections: data and checks only), :mod:`~funnelsim.scenarios.runner`
(running a scenario, its unit economics), :mod:`~funnelsim.scenarios.sweeps`,
:mod:`~funnelsim.scenarios.compare` (several scenarios side by side, the
capstone's one command) and :mod:`~funnelsim.scenarios.papermill`. Import from
``funnelsim.scenarios``.

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
    period = "month"                    # one period of [retention], [economics], [growth]:
                                        # "day", "week", "month", "quarter" or "year"

``period`` only names the periods (churn and ARPU are per period whatever it
is): highlights, the report and the unit-economics label say "payback 9 weeks"
rather than "9 periods". Funnel times keep their own unit (days, weeks), which
the file's comments should state.

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
    ``invite_distribution``, ``dispersion``, ``cycle_time``, ``market_size``, ...
``[retention]`` (:class:`RetentionSettings`)
    Cohorts of the customers at ``cohort_stage`` churning period by period
    (:func:`funnelsim.retention.simulate_cohorts`): ``churn``; ``churn`` and
    ``polarization``; or ``alpha`` and ``beta``.
``[economics]`` (:class:`EconomicsSettings`)
    LTV, CAC (``cac``, or ``paid_spend`` over the customers at
    ``customer_stage``), LTV:CAC, payback and the referral programme's ROI
    (:func:`funnelsim.economics.unit_economics`). ``expansion`` grows a
    staying customer's revenue each period (net revenue retention, lesson 06);
    when it outgrows churn and discount the LTV is infinite and the file
    must say how many periods to count with ``horizon``::

        [economics]
        arpu = 100.0
        churn = 0.03
        discount = 0.01
        expansion = 0.02      # +2 % a month: NRR (1 − 0.03)(1 + 0.02) = 98.9 %
        horizon = 120         # optional: count ten years only

``[b2b]`` (:class:`B2BSettings`)
    Accounts with buying committees through the funnel
    (:func:`funnelsim.simulate_accounts`): ``accounts``, ``champion``,
    ``saboteur`` and the other roles' presence; ``adoption`` (a probability)
    adds the post-purchase step, won accounts whose users take the product
    into daily use (lessons 08–09); ``time_unit`` names the unit of the
    funnel's stage times, hence of the sales cycle ("week", the default and
    the Trigger-Learn-Try-Buy preset's, or "day", "month", "quarter", "year").
``[growth]`` (:class:`GrowthSettings`)
    The business over ``periods`` periods (:func:`funnelsim.growth.simulate_growth`),
    with the keys of :class:`funnelsim.growth.GrowthParams`. ``new_leads``,
    ``budget`` and the funnel's step rates may change over time (lesson 02): a value that
    changes is one value per period, a step change
    (:func:`funnelsim.growth.step_change`) or any
    :class:`funnelsim.growth.Schedule`, and ``[growth.rate_changes]`` holds one
    such schedule per step, by stage name or keyword::

        [growth]
        periods = 24
        new_leads = { before = 1_000, after = 2_000, at = 13 }   # step_change
        [growth.rate_changes]
        activation = { before = 0.30, after = 0.45, at = 12 }    # step_change
        retention = { values = [0.6, 0.5, 0.55], starts = [1, 7, 19] }  # Schedule
        revenue = [0.4, 0.4, 0.4, ...]                           # one per period (24)

    A change after the last period, a per-period list of another length or
    a rate outside [0, 1] is an error naming the key, e.g.
    ``growth.rate_changes.activation from period 12 must be in [0, 1], got 1.45``.

    Leads come either as ``new_leads`` (then ``budget``, if given, is only the
    spend) or bought with the ``budget`` at ``cost_per_lead`` or ``paid_cac``,
    never both. To double the leads while keeping the price, double the
    budget: ``budget = { before = 20_000, after = 40_000, at = 12 }`` with
    ``cost_per_lead = 0.2``. ``new_leads`` without a ``budget`` gives no
    acquisition spend: CAC, LTV:CAC and payback are then not defined, and the
    highlights say "CAC: no acquisition spend given".

    One scenario, one set of numbers: in a file with ``[economics]``, the
    growth model takes ``arpu``, ``margin``, ``churn``, ``discount``,
    ``expansion`` and ``horizon`` from that section (its churn from
    ``economics.churn`` or, without it, the ``[retention]`` model, sBG
    included: customers then churn by their age), so the growth run's LTV is
    :meth:`Scenario.unit_economics`'s. Give them in ``[economics]`` (and
    ``[retention]``) only: a ``[growth]`` key repeating one of them with a
    different value is an error naming both keys and both values
    (``growth.arpu = 7.0 repeats economics.arpu = 6.0 with a different
    value; give it in one place ...``). ``[growth]`` alone keeps its own.

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

from funnelsim.scenarios.compare import COMPARE_COLUMNS, compare_scenarios
from funnelsim.scenarios.errors import ScenarioError
from funnelsim.scenarios.papermill import to_parameters
from funnelsim.scenarios.reader import (
    SCENARIO_DIR,
    list_scenarios,
    load_scenario,
    loads_scenario,
    scenario_text,
)
from funnelsim.scenarios.record import Scenario
from funnelsim.scenarios.runner import (
    SECTION_SPAWN_KEY,
    ScenarioRun,
    default_metrics,
    expected_customers,
    section_seed,
)
from funnelsim.scenarios.sections import (
    B2BSettings,
    EconomicsSettings,
    GrowthSettings,
    ReferralSettings,
    RetentionSettings,
)
from funnelsim.scenarios.sweeps import sweep
from funnelsim.scenarios.writer import dumps_toml

__all__ = [
    "COMPARE_COLUMNS",
    "SCENARIO_DIR",
    "SECTION_SPAWN_KEY",
    "B2BSettings",
    "EconomicsSettings",
    "GrowthSettings",
    "ReferralSettings",
    "RetentionSettings",
    "Scenario",
    "ScenarioError",
    "ScenarioRun",
    "compare_scenarios",
    "default_metrics",
    "dumps_toml",
    "expected_customers",
    "list_scenarios",
    "load_scenario",
    "loads_scenario",
    "scenario_text",
    "section_seed",
    "sweep",
    "to_parameters",
]

# The public names live in the package's modules by job; they show (and pickle)
# as funnelsim.scenarios.<name>, the path users import them from.
for _name in __all__:
    _obj = globals()[_name]
    if getattr(_obj, "__module__", "").startswith("funnelsim.scenarios."):
        _obj.__module__ = __name__
del _name, _obj
