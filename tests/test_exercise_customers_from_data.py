"""Checks of exercise 10_customers_from_data (funnelsim.exercises.customers_from_data)."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

import funnelsim as fs
from funnelsim.exercises import get
from tests.exercise_helpers import ExerciseChecks

SPEC = get("10_customers_from_data")
CHECKS = ExerciseChecks(SPEC, seed=0)


def _cdnow_facts() -> dict:
    """The answers from first principles on the raw log (pandas, not the library)."""
    cdnow = fs.load_cdnow()
    day = cdnow["date"].dt.normalize()
    first = day.groupby(cdnow["customer_id"]).transform("min")
    later = cdnow[(day > first) & (day <= first + pd.Timedelta(days=180))]
    repeat_180 = later["customer_id"].nunique() / cdnow["customer_id"].nunique()
    first_spend = cdnow[day == first].groupby("customer_id")["amount"].sum()
    after = cdnow[day > first].groupby("customer_id")["amount"].sum()
    excluded = first_spend.index[first_spend < 30]
    excluded_share = after.reindex(excluded, fill_value=0).sum() / after.sum()
    return {"repeat_rate_180d": repeat_180, "excluded_later_revenue": excluded_share}


def test_honest_answers_pass_every_check():
    facts = _cdnow_facts()
    scores = fs.rfm(fs.load_cdnow())
    champions = float((scores["segment"] == "Champions").mean())
    assert CHECKS.passes("repeat_rate_180d", facts["repeat_rate_180d"])
    assert CHECKS.passes("champions_share", champions)
    assert CHECKS.passes("lowest_return_segment", "Hibernating")
    assert CHECKS.passes("lowest_return_segment", " hibernating ")
    # the hidden check wants the library's number; pandas by hand agrees to rounding
    assert CHECKS.passes("excluded_later_revenue", facts["excluded_later_revenue"])


def test_a_hand_rounded_share_passes_visibly_but_not_hidden():
    facts = _cdnow_facts()
    rounded = round(facts["excluded_later_revenue"], 2)
    assert CHECKS.passes("excluded_later_revenue", rounded, hidden=False)
    assert not CHECKS.passes("excluded_later_revenue", rounded, hidden=True)


def test_classic_mistakes_get_their_hint():
    cdnow = fs.load_cdnow()
    rate = lambda **kw: float(fs.repeat_purchase_rate(cdnow, **kw)["repeat_rate"].iloc[0])  # noqa: E731
    summary = fs.rfm_summary(fs.rfm(cdnow)).set_index("segment")
    card = fs.first_purchase_threshold(cdnow, 30).set_index("group")
    outcomes = fs.rfm_outcomes(cdnow, "1997-09-30")
    seen = outcomes[outcomes["customers"] > 0]
    fewest = str(seen.loc[seen["returned"].idxmin(), "segment"])
    cases = [
        ("repeat_rate_180d", rate(), "at any time"),
        ("repeat_rate_180d", rate(within="90D"), "90-day window"),
        ("repeat_rate_180d", 100 * rate(within="180D"), "looks like a percentage"),
        ("champions_share", summary.loc["Champions", "share_of_revenue"], "share of the revenue"),
        ("champions_share", int(summary.loc["Champions", "customers"]), "number of customers"),
        ("lowest_return_segment", fewest, r"fewest returning \*people\*"),
        ("lowest_return_segment", "Sleepers", "not an RFM segment"),
        ("lowest_return_segment", 3, "should be a segment name"),
        ("excluded_later_revenue", card.loc["admitted", "share_of_later_revenue"], "admitted"),
        (
            "excluded_later_revenue",
            card.loc["not admitted", "share_of_customers"],
            "share of customers left out",
        ),
        ("excluded_later_revenue", -0.2, "must be between 0 and 1"),
    ]
    for name, value, hint in cases:
        feedback = CHECKS.feedback(name, value)
        assert re.search(hint, feedback), (name, value, feedback)


def test_feedback_never_gives_the_answer():
    facts = _cdnow_facts()
    secrets = [
        f"{facts['repeat_rate_180d']:.3f}",
        f"{facts['repeat_rate_180d']:.2f}",
        "Hibernating",
        f"{facts['excluded_later_revenue']:.2f}",
        "0.20",
    ]
    for name, value in [
        ("repeat_rate_180d", 0.9),
        ("champions_share", 0.6),
        ("lowest_return_segment", "Champions"),
        ("excluded_later_revenue", 0.1),
    ]:
        feedback = CHECKS.feedback(name, value)
        assert feedback
        for secret in secrets:
            assert secret not in feedback, (name, value, feedback)


def test_strange_answers_give_feedback_not_tracebacks():
    for value in ([1, 2], None, math.nan, np.array([0.1, 0.2]), {"a": 1}, True):
        for q in SPEC.questions:
            outcomes = CHECKS.outcomes(q.name, value)
            assert not all(o.passed for o in outcomes)
            assert all(o.feedback for o in outcomes if not o.passed)
