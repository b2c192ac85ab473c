"""Checks of the exercise ``06_unit_economics``: a B2B analytics service's unit economics.

The situation (``exercises/masters/06_unit_economics.ipynb``): *Insightly* sells an analytics
service to companies. Its 200 paying accounts brought $1 440 000 of revenue over the last
year (a steady year). Last month it spent $20 000 on ads, $30 000 on sales salaries, $10 000
on a trade fair and $8 000 on hosting for existing customers, and won 40 new accounts. The
gross margin is 80 %, 2 % of accounts cancel each month, the discount rate is 1 % a month,
and the accounts that stay spend 1 % more each month (expansion).

Questions (the variable the student assigns):

``arpu_month``
    ARPU per account per month: 1 440 000 / 200 / 12 = 600 (:func:`funnelsim.arpu`), exact.
    Classic mistake: the annual 7 200.
``cac_dollars``
    CAC with all acquisition costs: (20 000 + 30 000 + 10 000) / 40 = 1 500, exact. Classic
    mistakes: ads only (500), hosting included (1 700), the sales salaries left out (750).
``ltv_dollars``
    LTV with discounting and expansion, :func:`funnelsim.unit_economics` (closed form
    ``ARPU × margin / (1 − (1 − c)(1 + g) / (1 + d))``), exact. Classic mistakes: no
    expansion, no discount, revenue instead of profit, an annual ARPU.
``max_cac_24``
    The largest CAC that pays back within 24 months: the expected cumulative (discounted,
    expanding) margin after 24 monthly payments (:func:`funnelsim.payback_curve`), exact.
    Classic mistake: 24 × ARPU × margin (nobody churns, nothing is discounted).
``nrr_year``
    Net revenue retention over 12 months of a simulated cohort of 300 accounts (geometric
    churn 2 %, the student's seed), the survivors paying 600 × 1.01¹² a month:
    ``ending / starting revenue`` (:func:`funnelsim.net_revenue_retention`). Visible: within 4
    standard errors of ``0.98¹² × 1.01¹²``, the standard error that of the binomial share
    still active, ``sqrt(p (1 − p) / 300) × 1.01¹²``. Hidden: exactly the student's cohort.
"""

from __future__ import annotations

import math
from typing import Any

from funnelsim.exercises import Check, ExerciseSpec, Outcome, Question, Wrong
from funnelsim.exercises._checks import (
    near,
    read_number,
    read_positive,
    simulated_check,
    value_hint,
    within_se,
)

__all__ = ["EXERCISE"]

ANNUAL_REVENUE = 1_440_000.0
ACCOUNTS = 200
ADS, SALES, FAIR, HOSTING = 20_000.0, 30_000.0, 10_000.0, 8_000.0
NEW_ACCOUNTS = 40
MARGIN, CHURN, DISCOUNT, EXPANSION = 0.8, 0.02, 0.01, 0.01
COHORT, MONTHS = 300, 12


def _arpu() -> float:
    return ANNUAL_REVENUE / ACCOUNTS / 12


def _economics(**changes: Any) -> Any:
    import funnelsim as fs

    return fs.unit_economics(
        changes.get("arpu", _arpu()),
        changes.get("margin", MARGIN),
        CHURN,
        discount=changes.get("discount", DISCOUNT),
        expansion=changes.get("expansion", EXPANSION),
        period="month",
    )


def _money(value: Any, what: str) -> float:
    return read_positive(value, what, "a positive amount of dollars")


def _match(x: float, hints: list[tuple[float, str]], default: str) -> Outcome:
    return Outcome(False, value_hint(x, hints) or default)


def _arpu_right(value: Any, seed: int) -> Outcome:
    x = _money(value, "arpu_month")
    if near(x, _arpu(), 1e-9):
        return Outcome(True)
    return _match(
        x,
        [
            (_arpu() * 12, "that is per account per *year*; the question asks per month"),
            (
                ANNUAL_REVENUE / 12,
                "that is the whole company's monthly revenue: divide by accounts",
            ),
        ],
        "not the revenue per account per month: divide the revenue by the accounts and by 12",
    )


def _cac_right(value: Any, seed: int) -> Outcome:
    x = _money(value, "cac_dollars")
    right = (ADS + SALES + FAIR) / NEW_ACCOUNTS
    if near(x, right, 1e-9):
        return Outcome(True)
    return _match(
        x,
        [
            (ADS / NEW_ACCOUNTS, "only the ads: CAC counts every acquisition cost, salaries too"),
            (
                (ADS + SALES + FAIR + HOSTING) / NEW_ACCOUNTS,
                "hosting for existing customers is a cost of serving them (it lowers the "
                "gross margin), not of winning new ones",
            ),
            (
                (ADS + FAIR) / NEW_ACCOUNTS,
                "the sales team's salaries won those deals: they belong in CAC",
            ),
            ((ADS + SALES) / NEW_ACCOUNTS, "the trade fair is an acquisition channel too"),
        ],
        "not the cost of winning one account: all acquisition costs / new accounts",
    )


def _ltv_right(value: Any, seed: int) -> Outcome:
    x = _money(value, "ltv_dollars")
    if near(x, _economics().ltv, 1e-6):
        return Outcome(True)
    return _match(
        x,
        [
            (_economics(expansion=0.0).ltv, "you left out the expansion of staying accounts"),
            (
                _economics(discount=0.0).ltv,
                "you left out the discount rate: later dollars are worth less",
            ),
            (_economics(margin=1.0).ltv, "that is lifetime revenue: LTV counts profit (× margin)"),
            (
                _economics(arpu=_arpu() * 12).ltv,
                "your LTV is 12× too large: an annual ARPU with a monthly churn?",
            ),
            (
                _economics(expansion=0.0, discount=0.0).ltv,
                "that is the simple LTV: add the discount rate and the expansion",
            ),
        ],
        "not the LTV of these numbers: fs.unit_economics with monthly ARPU, margin, churn, "
        "discount and expansion",
    )


def _max_cac_right(value: Any, seed: int) -> Outcome:
    x = _money(value, "max_cac_24")
    right = float(_economics().payback_curve(24)["cumulative_margin"].iloc[24])
    if near(x, right, 1e-6):
        return Outcome(True)
    per = _arpu() * MARGIN
    return _match(
        x,
        [
            (
                24 * per,
                "that assumes every account stays 24 months: churn (and discounting) take "
                "part of that profit away; read the payback curve at month 24",
            ),
            (
                float(_economics(expansion=0.0).payback_curve(24)["cumulative_margin"].iloc[24]),
                "you left out the expansion of staying accounts",
            ),
            (
                float(_economics().payback_curve(24)["cumulative_margin"].iloc[23]),
                "that is after 23 payments: month 24 of the curve counts 24 payments",
            ),
            (
                _economics().ltv,
                "that is the whole LTV; the question limits the payback to 24 months",
            ),
        ],
        "not the cumulative profit of one account after 24 months: read it off the payback "
        "curve of your unit economics",
    )


def _cohort(seed: int) -> Any:
    import funnelsim as fs

    return fs.simulate_cohorts(fs.ChurnModel.geometric(CHURN), COHORT, periods=MONTHS, seed=seed)


def _nrr_share(value: Any) -> float:
    x = read_number(value, "nrr_year")
    if x > 3:
        raise Wrong("nrr_year looks like a percentage: give it as a fraction (0.9, not 90)")
    if x < 0:
        raise Wrong(f"net revenue retention cannot be negative; got {x:g}")
    return x


_LOGO_HINT = (
    "that is the share of accounts still active (logo retention); NRR counts their "
    "revenue, which grew by the expansion"
)


def _nrr_expected(seed: int) -> tuple[float, float]:
    # the share still active is a binomial proportion; every account's revenue grew alike
    p = (1 - CHURN) ** MONTHS
    growth = (1 + EXPANSION) ** MONTHS
    return p * growth, math.sqrt(p * (1 - p) / COHORT) * growth


def _nrr_mistakes(x: float, seed: int) -> str | None:
    growth = (1 + EXPANSION) ** MONTHS
    nrr, se = _nrr_expected(seed)
    if within_se(x, nrr / growth, se / growth)[0]:
        return _LOGO_HINT
    return None


def _nrr_own_seed(value: Any, seed: int) -> Outcome:
    x = _nrr_share(value)
    active = float(_cohort(seed).wide("active").loc[0, MONTHS])
    right = active * (1 + EXPANSION) ** MONTHS / COHORT
    if math.isclose(x, right, rel_tol=1e-6):
        return Outcome(True)
    if math.isclose(x, active / COHORT, rel_tol=1e-6):
        return Outcome(False, _LOGO_HINT)
    if math.isclose(x, (1 - CHURN) ** MONTHS * (1 + EXPANSION) ** MONTHS, rel_tol=1e-6):
        return Outcome(
            False,
            "that is the formula's expected NRR; the question asks for your simulated cohort's",
        )
    return Outcome(False, "the NRR is not from a cohort simulated with your own seed")


_nrr_plausible = simulated_check(
    _nrr_share,
    _nrr_expected,
    own=_nrr_own_seed,
    mistakes=_nrr_mistakes,
    miss="your NRR is {z:.0f} standard errors from what this cohort allows: ending revenue "
    "of the same accounts ÷ their starting revenue",
)


EXERCISE = ExerciseSpec(
    id="06_unit_economics",
    title="Exercise 06: the unit economics of a B2B analytics service",
    questions=(
        Question("arpu_month", 1, (Check("ARPU per account per month", _arpu_right),)),
        Question("cac_dollars", 2, (Check("CAC with all acquisition costs", _cac_right),)),
        Question("ltv_dollars", 2, (Check("LTV with discount and expansion", _ltv_right),)),
        Question(
            "max_cac_24", 2, (Check("the largest CAC paid back in 24 months", _max_cac_right),)
        ),
        Question(
            "nrr_year",
            2,
            (
                Check("a plausible NRR for the simulated year", _nrr_plausible),
                Check("from the student's own cohort", _nrr_own_seed, hidden=True),
            ),
        ),
    ),
)
