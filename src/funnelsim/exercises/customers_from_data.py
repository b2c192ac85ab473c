"""Checks of the exercise ``10_customers_from_data``: the CDNOW log from another angle.

The situation (``exercises/masters/10_customers_from_data.ipynb``): the same CDNOW log as
lesson 10 (:func:`funnelsim.load_cdnow`), a scoring day three months earlier (30 September
1997) and a loyalty card from a 30-dollar first purchase. The data are real, so there is
no Monte Carlo noise: each answer is checked against the library's own result on the
log, with a tolerance for rounding.

Questions (the variable the student assigns):

``repeat_rate_180d``
    Share of customers who bought again within 180 days of their first purchase day
    (:func:`funnelsim.repeat_purchase_rate` with ``within="180D"``), a fraction, to
    0.0005. Classic mistakes: no window, the lesson's 90 days, a percentage.
``champions_share``
    Share of the customers in the Champions segment of :func:`funnelsim.rfm` (default
    5-point scores, scored on the last day of the log), to 0.0005. Classic mistakes: the
    Champions' share of revenue, a count of customers.
``lowest_return_segment``
    Scoring on 30 September 1997 with :func:`funnelsim.rfm_outcomes`, the non-empty
    segment with the lowest share of customers who bought again afterwards. The classic
    mistake is the segment with the fewest returning *people*.
``excluded_later_revenue``
    With a card from a 30-dollar first purchase (:func:`funnelsim.first_purchase_threshold`),
    the share of all later spending made by customers the card does not admit. Visible:
    to 0.005; hidden: to 1e-9, i.e. read from the function rather than rounded by hand.
    Classic mistakes: the admitted group's share, the share of customers excluded.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from funnelsim.exercises import Check, ExerciseSpec, Outcome, Question, Wrong
from funnelsim.exercises._checks import read_choice, read_number, read_share

__all__ = ["AS_OF", "CARD_THRESHOLD", "EXERCISE"]

#: The scoring day of question 3.
AS_OF = "1997-09-30"
#: The card's minimum first purchase of question 4, dollars.
CARD_THRESHOLD = 30.0


@functools.cache
def _facts() -> dict[str, Any]:
    import funnelsim as fs

    # Any: pandas-stubs types a .loc scalar as a union that float() refuses
    cdnow: Any = fs.load_cdnow()
    outcomes: Any = fs.rfm_outcomes(cdnow, AS_OF)
    seen: Any = outcomes[outcomes["customers"] > 0]
    card: Any = fs.first_purchase_threshold(cdnow, CARD_THRESHOLD).set_index("group")
    summary: Any = fs.rfm_summary(fs.rfm(cdnow)).set_index("segment")
    return {
        "repeat": {
            w: float(fs.repeat_purchase_rate(cdnow, within=w)["repeat_rate"].iloc[0])
            for w in ("180D", "90D")
        }
        | {"all": float(fs.repeat_purchase_rate(cdnow)["repeat_rate"].iloc[0])},
        "champions_share": float(summary.loc["Champions", "share"]),
        "champions_revenue": float(summary.loc["Champions", "share_of_revenue"]),
        "champions_count": int(summary.loc["Champions", "customers"]),
        "lowest_rate": str(seen.loc[seen["return_rate"].idxmin(), "segment"]),
        "fewest_returned": str(seen.loc[seen["returned"].idxmin(), "segment"]),
        "segments": [str(s) for s in outcomes["segment"]],
        "excluded": float(card.loc["not admitted", "share_of_later_revenue"]),
        "admitted": float(card.loc["admitted", "share_of_later_revenue"]),
        "excluded_customers": float(card.loc["not admitted", "share_of_customers"]),
    }


def _fraction(value: Any, what: str) -> float:
    return read_share(value, what, example=0.25)


# --- repeat_rate_180d ---------------------------------------------------------------------


def _repeat_right(value: Any, seed: int) -> Outcome:
    x = _fraction(value, "repeat_rate_180d")
    rates = _facts()["repeat"]
    if abs(x - rates["180D"]) <= 5e-4:
        return Outcome(True)
    if abs(x - rates["all"]) <= 5e-4:
        return Outcome(False, "that counts a repeat at any time; limit it to 180 days (within=)")
    if abs(x - rates["90D"]) <= 5e-4:
        return Outcome(False, "that is the 90-day window of the lesson; this question asks for 180")
    return Outcome(False, "not the share who bought again within 180 days of their first day")


# --- champions_share ----------------------------------------------------------------------


def _champions_right(value: Any, seed: int) -> Outcome:
    facts = _facts()
    x = read_number(value, "champions_share")
    if math.isclose(x, facts["champions_count"]):
        raise Wrong("that is a number of customers; divide by all customers to get a share")
    x = _fraction(value, "champions_share")
    if abs(x - facts["champions_share"]) <= 5e-4:
        return Outcome(True)
    if abs(x - facts["champions_revenue"]) <= 5e-4:
        return Outcome(
            False, "that is the Champions' share of the revenue; the question asks about customers"
        )
    return Outcome(False, "not the Champions' share of the customers (see rfm_summary)")


# --- lowest_return_segment ----------------------------------------------------------------


def _segment_right(value: Any, seed: int) -> Outcome:
    facts = _facts()
    chosen = read_choice(
        value,
        "lowest_return_segment",
        facts["segments"],
        noun="a segment name",
        among="an RFM segment; the segments are",
    )
    if chosen == facts["lowest_rate"]:
        return Outcome(True)
    if chosen == facts["fewest_returned"]:
        return Outcome(
            False,
            f"{chosen} has the fewest returning *people* because it is small; compare the "
            "share who returned (return_rate)",
        )
    return Outcome(False, f"{chosen} is not the segment with the lowest return_rate")


# --- excluded_later_revenue ---------------------------------------------------------------


def _excluded_close(value: Any, seed: int) -> Outcome:
    facts = _facts()
    x = _fraction(value, "excluded_later_revenue")
    if abs(x - facts["excluded"]) <= 5e-3:
        return Outcome(True)
    if abs(x - facts["admitted"]) <= 5e-3:
        return Outcome(
            False, "that is the admitted customers' share; the question asks for the rest"
        )
    if abs(x - facts["excluded_customers"]) <= 5e-3:
        return Outcome(
            False, "that is the share of customers left out; the question asks about their spending"
        )
    return Outcome(
        False, "not the excluded group's share_of_later_revenue at a 30-dollar threshold"
    )


def _excluded_exact(value: Any, seed: int) -> Outcome:
    x = _fraction(value, "excluded_later_revenue")
    if math.isclose(x, _facts()["excluded"], rel_tol=1e-9):
        return Outcome(True)
    return Outcome(False, "read the value from fs.first_purchase_threshold rather than by hand")


EXERCISE = ExerciseSpec(
    id="10_customers_from_data",
    title="Exercise 10: customers from the CDNOW log",
    questions=(
        Question("repeat_rate_180d", 2, (Check("the 180-day repeat rate", _repeat_right),)),
        Question("champions_share", 2, (Check("the Champions' share", _champions_right),)),
        Question("lowest_return_segment", 2, (Check("the lowest return rate", _segment_right),)),
        Question(
            "excluded_later_revenue",
            2,
            (
                Check("the excluded customers' later spending", _excluded_close),
                Check("read from the library", _excluded_exact, hidden=True),
            ),
        ),
    ),
)
