"""Checks of the exercise ``03_awareness_acquisition``: an online language school's channels.

The situation (``exercises/masters/03_awareness_acquisition.ipynb``): *Lingvia* sells online
language courses and buys its students through six channels (:func:`channels`, per month):
a blog, video ads, search ads, free webinars, partner schools and cold email.

Questions (the variable the student assigns):

``cheapest_leads``
    The channel with the lowest expected cost per lead (CPL), exact from
    :func:`funnelsim.expected_channels`. The classic confusion is the channel with the
    cheapest *customers*.
``cheapest_customers``
    The channel with the lowest expected CAC. The classic mistake is the channel with the
    cheapest leads (CAC = CPL / lead→customer), or the one with the most customers.
``quarter_customers``
    New customers of all channels in a quarter (3 months) simulated with the student's seed.
    Visible: a whole number within 4 standard deviations of the expectation (the total's
    ``sd_customers``). Hidden: exactly the simulation with the student's own seed.
``quarter_cac``
    The blended CAC of that quarter: all spend / all new customers. Visible: within the
    range the spend and customers of an honest quarter allow (4 standard deviations of
    each). Classic mistakes: the mean of the channels' CACs, and the cost per lead. Hidden:
    the ratio of the student's own simulation.
``visitors_per_page``
    Visitors per page for an A/B test of the trial-lesson page, 3 % against 4 %, 95 %
    confidence, 80 % power (:func:`funnelsim.stats.sample_size_two_proportions`). Classic
    mistakes: both pages together, the size for knowing one rate to ± 1 point, no power.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from funnelsim.exercises import Check, ExerciseSpec, Outcome, Question, Wrong
from funnelsim.exercises._checks import (
    near,
    own_simulation_check,
    read_choice,
    read_count,
    read_number,
    read_positive,
    simulated_check,
    within_se,
)

__all__ = ["EXERCISE", "MONTHS", "channels", "simulated_quarter"]

#: Months in the simulated quarter.
MONTHS = 3
#: The A/B test: current and hoped-for trial sign-up rates, confidence and power.
PAGE_A, PAGE_B, CONFIDENCE, POWER = 0.03, 0.04, 0.95, 0.8


def channels() -> tuple[Any, ...]:
    """Lingvia's six channels, per month."""
    from funnelsim.acquisition import Channel

    return (
        Channel.from_visitors("blog", 10_000, 0.02, 0.10, fixed_cost=2_000, kind="content"),
        Channel("video ads", 300_000, 0.01, 0.05, 0.04, cost_per_click=0.30, kind="social"),
        Channel("search ads", 50_000, 0.04, 0.06, 0.12, cost_per_click=0.90, kind="search"),
        Channel.from_visitors("webinars", 400, 0.60, 0.09, fixed_cost=3_000, kind="events"),
        Channel.from_visitors(
            "partner schools", 300, 0.30, 0.20, cost_per_lead=18, kind="partners"
        ),
        Channel("cold email", 2_000, 0.04, 0.25, 0.15, fixed_cost=1_500, kind="outreach"),
    )


def _expected() -> Any:
    from funnelsim.acquisition import expected_channels

    return expected_channels(channels(), periods=MONTHS).set_index("channel")


def simulated_quarter(seed: int) -> Any:
    """The per-channel table of the quarter simulated with ``seed`` (index: channel)."""
    from funnelsim.acquisition import simulate_channels

    return simulate_channels(channels(), periods=MONTHS, seed=seed).table().set_index("channel")


# --- which channel ------------------------------------------------------------------------


def _channel_name(value: Any, what: str) -> str:
    if isinstance(value, str) and value.strip().lower() == "total":
        raise Wrong("'total' is all channels together; the question asks for one channel")
    return read_choice(
        value,
        what,
        [c.name for c in channels()],
        noun="a channel's name",
        among="one of Lingvia's channels; they are",
    )


def _is_channel(what: str) -> Any:
    def check(value: Any, seed: int) -> Outcome:
        _channel_name(value, what)
        return Outcome(True)

    return check


def _best(column: str) -> str:
    exp = _expected().drop(index="total")
    return str(exp[column].idxmin())


def _cheapest_leads_right(value: Any, seed: int) -> Outcome:
    chosen = _channel_name(value, "cheapest_leads")
    if chosen == _best("cpl"):
        return Outcome(True)
    if chosen == _best("cac"):
        return Outcome(
            False,
            f"{chosen} wins the cheapest *customers*; the question asks for the cheapest "
            "*leads*: compare spend ÷ leads (the cpl column)",
        )
    return Outcome(False, f"{chosen} does not have the lowest cost per lead (spend ÷ leads)")


def _cheapest_customers_right(value: Any, seed: int) -> Outcome:
    chosen = _channel_name(value, "cheapest_customers")
    if chosen == _best("cac"):
        return Outcome(True)
    if chosen == _best("cpl"):
        return Outcome(
            False,
            f"{chosen} has the cheapest leads, but few of them buy: a customer costs the "
            "cost per lead divided by the lead → customer rate",
        )
    exp = _expected().drop(index="total")
    if chosen == str(exp["customers"].idxmax()):
        return Outcome(
            False,
            f"{chosen} brings the most customers, not the cheapest ones: CAC divides the "
            "spend by the customers",
        )
    return Outcome(False, f"{chosen} does not have the lowest CAC (spend ÷ new customers)")


# --- the simulated quarter ----------------------------------------------------------------


def _count(value: Any) -> float:
    return read_count(value, "quarter_customers", "customers")


def _customers_expected(seed: int) -> tuple[float, float]:
    total = _expected().loc["total"]
    return float(total["customers"]), float(total["sd_customers"])


def _customers_mistakes(x: float, seed: int) -> str | None:
    total = _expected().loc["total"]
    month = float(total["customers"]) / MONTHS
    if within_se(x, month, float(total["sd_customers"]) / math.sqrt(MONTHS))[0]:
        return "that looks like one month's customers; simulate three (periods=3)"
    if within_se(x, float(total["leads"]), float(total["sd_leads"]))[0]:
        return "that looks like the number of leads, not of new customers"
    return None


_customers_own_seed = own_simulation_check(
    _count,
    lambda seed: float(simulated_quarter(seed).loc["total", "customers"]),
    "the count is not from a simulation with your own seed (seed=ex.seed)",
)
_customers_plausible = simulated_check(
    _count,
    _customers_expected,
    own=_customers_own_seed,
    mistakes=_customers_mistakes,
    miss="your count is {z:.0f} standard deviations from what these channels give ({more} "
    "than plausible): simulate all six channels for three months and read the total row",
)


def _cac_number(value: Any) -> float:
    return read_positive(value, "quarter_cac", "a CAC, a positive amount of dollars per customer")


def _cac_screen(x: float, seed: int) -> str | None:
    # mistakes that can lie within the band: told apart before the tolerance
    own = simulated_quarter(seed)
    own_total = own.loc["total"]
    blended = float(own_total["spend"]) / float(own_total["customers"])
    channel_mean = float(np.nanmean(own["cac"].drop(index="total")))
    if near(x, channel_mean, 1e-3) and not near(x, blended, 1e-6):
        return (
            "that looks like the average of the channels' CACs; the blended CAC divides all "
            "spend by all new customers, so big channels weigh more"
        )
    if near(x, float(own_total["cpl"]), 1e-3) or near(
        x, float(_expected().loc["total", "cpl"]), 0.1
    ):
        return "that looks like the cost per lead; CAC divides by new customers"
    return None


def _cac_expected(seed: int) -> tuple[float, float]:
    exp = _expected()
    total = exp.loc["total"]
    # delta method for spend / customers, leaving out their (positive) covariance, which
    # makes the band wider; spend moves with visitors and leads through per-click and
    # per-lead costs
    sd_spend = sum(
        c.cost_per_click * exp.loc[c.name, "sd_visitors"]
        + c.cost_per_lead * exp.loc[c.name, "sd_leads"]
        for c in channels()
    )
    spend, customers = float(total["spend"]), float(total["customers"])
    cac = spend / customers
    return cac, cac * math.hypot(sd_spend / spend, float(total["sd_customers"]) / customers)


def _own_cac(seed: int) -> float:
    total = simulated_quarter(seed).loc["total"]
    return float(total["spend"]) / float(total["customers"])


_cac_own_seed = own_simulation_check(
    _cac_number,
    _own_cac,
    "the CAC is not total spend ÷ total customers of your own simulation",
    rel_tol=1e-6,
)
_cac_plausible = simulated_check(
    _cac_number,
    _cac_expected,
    own=_cac_own_seed,
    screen=_cac_screen,
    miss="your CAC is {z:.0f} standard errors from what this quarter allows: divide the total "
    "spend by the total new customers of your simulation",
)


# --- the A/B test -------------------------------------------------------------------------


def _visitors_right(value: Any, seed: int) -> Outcome:
    from funnelsim.stats import sample_size_proportion, sample_size_two_proportions

    x = read_number(value, "visitors_per_page")
    if x <= 0 or x != round(x):
        raise Wrong(f"visitors_per_page is a number of visitors, a whole number > 0; got {x:g}")
    right = sample_size_two_proportions(PAGE_A, PAGE_B, confidence=CONFIDENCE, power=POWER)
    if abs(x - right) <= 1:
        return Outcome(True)
    if abs(x - 2 * right) <= 2:
        return Outcome(False, "that is both pages together; the question asks per page")
    if x in (sample_size_proportion(PAGE_A, 0.01), sample_size_proportion(PAGE_B, 0.01)):
        return Outcome(
            False,
            "that is the size for knowing one rate to ± 1 point; telling two pages apart "
            "needs the two-sample size (sample_size_two_proportions)",
        )
    if abs(x - sample_size_two_proportions(PAGE_A, PAGE_B, power=0.5)) <= 1:
        return Outcome(
            False, "that size has only a 50 % chance of detecting the difference; use 80 % power"
        )
    return Outcome(
        False, "not the size per page for 3 % against 4 % at 95 % confidence and 80 % power"
    )


EXERCISE = ExerciseSpec(
    id="03_awareness_acquisition",
    title="Exercise 03: the channel mix of an online language school",
    questions=(
        Question(
            "cheapest_leads",
            2,
            (
                Check("a channel name", _is_channel("cheapest_leads")),
                Check("the lowest cost per lead", _cheapest_leads_right),
            ),
        ),
        Question(
            "cheapest_customers",
            2,
            (
                Check("a channel name", _is_channel("cheapest_customers")),
                Check("the lowest CAC", _cheapest_customers_right),
            ),
        ),
        Question(
            "quarter_customers",
            2,
            (
                Check("a plausible number of new customers", _customers_plausible),
                Check("simulated with the student's seed", _customers_own_seed, hidden=True),
            ),
        ),
        Question(
            "quarter_cac",
            2,
            (
                Check("a plausible blended CAC", _cac_plausible),
                Check("from the student's own simulation", _cac_own_seed, hidden=True),
            ),
        ),
        Question("visitors_per_page", 2, (Check("the A/B test's size", _visitors_right),)),
    ),
)
