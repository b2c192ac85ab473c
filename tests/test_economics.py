import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import funnelsim as fs
from funnelsim import economics as ec
from funnelsim.retention import ChurnModel, sbg_derl


def test_simple_ratios():
    assert ec.arpu(12_000, 400) == 30.0
    assert ec.gross_margin(100.0, 25.0) == 0.75
    assert ec.gross_margin(100.0, 150.0) == -0.5  # a loss is reported, not clipped
    assert ec.cac(50_000, 250) == 200.0
    assert ec.ltv(30.0, 0.8, 0.05) == pytest.approx(480.0)
    assert ec.ltv_to_cac(480.0, 160.0) == 3.0
    assert ec.roi(15_000, 10_000) == 0.5
    assert ec.romi(40_000, 10_000) == 3.0
    assert ec.romi(40_000, 10_000, margin=0.5) == 1.0
    assert ec.revenue_per_referral(9_000, 60) == 150.0
    assert ec.arpu_from_price(20.0) == 20.0
    assert ec.arpu_from_price(20.0, purchases=1.5, paying_share=0.1) == pytest.approx(3.0)
    # ARPU from the price agrees with revenue / users on a hand-made month:
    # 1,000 users, 80 of them pay, each buys 3 times at 12.5
    assert ec.arpu_from_price(12.5, 3, 80 / 1_000) == pytest.approx(ec.arpu(80 * 3 * 12.5, 1_000))


def test_functions_are_vectorised_and_broadcast():
    churn = np.array([0.02, 0.05, 0.1])
    out = ec.ltv(30.0, 0.8, churn)
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, 24.0 / churn)
    np.testing.assert_allclose(ec.cac([100, 200], [4, 5]), [25, 40])
    grid = ec.ltv_to_cac(np.array([[300.0], [600.0]]), np.array([100.0, 200.0]))
    assert grid.shape == (2, 2)
    np.testing.assert_allclose(
        ec.payback_period(300.0, 50.0, 0.6, churn),
        [ec.payback_period(300.0, 50.0, 0.6, c) for c in churn],
    )
    # pandas columns work too
    frame = pd.DataFrame({"revenue": [100.0, 200.0], "users": [10, 40]})
    np.testing.assert_allclose(ec.arpu(frame["revenue"], frame["users"]), [10.0, 5.0])
    assert isinstance(ec.ltv(30.0, 0.8, 0.05), float)


def test_discounted_ltv_is_a_geometric_series():
    a, m, c, d = 30.0, 0.8, 0.05, 0.01
    t = np.arange(5_000)
    series = a * m * np.sum(((1 - c) / (1 + d)) ** t)
    assert ec.ltv_discounted(a, m, c, d) == pytest.approx(series, rel=1e-12)
    assert ec.ltv_discounted(a, m, c, 0.0) == pytest.approx(ec.ltv(a, m, c))
    assert ec.ltv_discounted(a, m, 0.0, 0.1) == pytest.approx(a * m * 1.1 / 0.1)  # perpetuity


def test_sbg_ltv_uses_derl_and_beats_the_homogeneous_value():
    alpha, beta, d = 0.704, 1.182, 0.10
    value = ec.ltv_sbg(20.0, 0.5, alpha, beta, d)
    assert value == pytest.approx(10.0 * (1 + sbg_derl(alpha, beta, d) / 1.1))
    # direct sum of the sBG survival curve: S(t) = B(alpha, beta + t) / B(alpha, beta)
    from scipy.special import betaln

    t = np.arange(2_000)
    surv = np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))
    assert value == pytest.approx(10.0 * np.sum(surv / 1.1**t), rel=1e-6)
    # heterogeneity: same mean churn, homogeneous model gives less
    mean_churn = alpha / (alpha + beta)
    assert value > ec.ltv_discounted(20.0, 0.5, mean_churn, d)
    # near-homogeneous sBG tends to the geometric value
    big = ec.ltv_sbg(20.0, 0.5, 5_000 * 0.1, 5_000 * 0.9, d)
    assert big == pytest.approx(ec.ltv_discounted(20.0, 0.5, 0.1, d), rel=1e-3)


def test_payback_period_closed_forms():
    assert ec.payback_period(300.0, 50.0, 0.6) == 10.0
    assert ec.payback_period(301.0, 50.0, 0.6) == 11.0  # whole periods
    per, c = 30.0, 0.05
    t = ec.payback_period(300.0, 50.0, 0.6, churn=c)
    # the smallest n whose expected cumulative gross profit reaches CAC, by brute force
    cum = per * np.cumsum((1 - c) ** np.arange(200))
    assert t == 1 + np.argmax(cum >= 300.0) == 14
    assert t > 10.0  # churn slows the payback
    # a CAC above the LTV never pays back
    assert ec.payback_period(ec.ltv(50.0, 0.6, c) * 1.01, 50.0, 0.6, c) == math.inf
    assert ec.payback_period(0.0, 50.0, 0.6, 0.1) == 0.0
    # a positive CAC takes at least one payment, even when cac × churn underflows to 0
    assert ec.payback_period(5e-324, 2.0, 1.0, 0.5) == 1.0
    assert ec.payback_period(5e-324, 2.0, 1.0) == 1.0


@given(
    cac=st.floats(0, 1_000),
    a=st.floats(1, 100),
    m=st.floats(0.05, 1),
    c=st.floats(0.001, 0.9),
)
def test_payback_is_monotone_in_churn_and_cac(cac, a, m, c):
    t = ec.payback_period(cac, a, m, c)
    assert t >= ec.payback_period(cac, a, m, 0.0)
    assert ec.payback_period(cac * 1.1, a, m, c) >= t
    assert ec.payback_period(cac, a, m, min(c * 1.5, 0.99)) >= t
    if math.isfinite(t):  # after t periods the cumulative profit covers CAC
        assert a * m * (1 - (1 - c) ** t) / c >= cac * (1 - 1e-9)


def test_payback_of_a_two_group_mix_worked_by_hand():
    # A quarter of the customers earn 10 a period and churn half of the time, three
    # quarters earn 10 a period for ever. Expected cumulative margin of the mix:
    # after 1 period 0.25 × 10 + 0.75 × 10 = 10; after 2, + 0.25 × 5 + 7.5 = 18.75;
    # after 3, + 0.25 × 2.5 + 7.5 = 26.875. A CAC of 20 is covered in period 3.
    got = ec.payback_period(20.0, [20.0, 10.0], [0.5, 1.0], [0.5, 0.0], weights=[0.25, 0.75])
    assert got == 3.0
    # alone, the first group never covers 20 (its LTV is exactly 20), the second in 2
    assert ec.payback_period(20.0, 20.0, 0.5, 0.5) == math.inf
    assert ec.payback_period(20.0, 10.0, 1.0, 0.0) == 2.0
    # a CAC of 18.75 is reached exactly after 2 periods, one cent more needs 3
    assert ec.payback_period(18.75, [20.0, 10.0], [0.5, 1.0], [0.5, 0.0], weights=[0.25, 0.75]) == 2
    assert ec.payback_period(18.76, [20.0, 10.0], [0.5, 1.0], [0.5, 0.0], weights=[0.25, 0.75]) == 3
    # Half pay 10 once, half 10 for ever: 10, 15, 20, 25, 30 -> a CAC of 30 in period 5,
    # where one "average" customer (ARPU 10, churn 0.5) would never pay it back (LTV 20).
    half = ec.payback_period(30.0, 10.0, 1.0, [1.0, 0.0], weights=[0.5, 0.5])
    assert half == 5.0
    assert ec.payback_period(30.0, 10.0, 1.0, 0.5) == math.inf
    # a mix whose LTV (0.5 × 10 + 0.5 × 20 = 15) is below the CAC never pays back
    assert ec.payback_period(15.0, 10.0, 1.0, [1.0, 0.5], weights=[0.5, 0.5]) == math.inf
    assert ec.payback_period(14.9, 10.0, 1.0, [1.0, 0.5], weights=[0.5, 0.5]) < math.inf
    # free customers pay back at once; rows of weights broadcast against cac
    np.testing.assert_array_equal(
        ec.payback_period(
            [0.0, 20.0], [20.0, 10.0], [0.5, 1.0], [0.5, 0.0], weights=[[1.0, 0.0], [0.25, 0.75]]
        ),
        [0.0, 3.0],
    )


def _mix_brute_force(cac, per, churn, w, horizon=400):
    t = np.arange(horizon)
    cum = sum(wi * p * np.cumsum((1 - c) ** t) for wi, p, c in zip(w, per, churn, strict=True))
    hit = np.flatnonzero(cum >= cac * (1 - 1e-12))
    return float(hit[0] + 1) if hit.size else math.inf


@given(
    cac=st.floats(0.5, 500),
    a=st.lists(st.floats(1, 100), min_size=2, max_size=3),
    c=st.lists(st.floats(0.02, 1), min_size=3, max_size=3),
    raw=st.lists(st.floats(0.01, 1), min_size=3, max_size=3),
)
def test_payback_of_a_mix_is_the_first_period_its_summed_curve_reaches_cac(cac, a, c, raw):
    g = len(a)
    w = np.array(raw[:g]) / sum(raw[:g])
    got = ec.payback_period(cac, a, 1.0, c[:g], weights=w)
    want = _mix_brute_force(cac, a, c[:g], w)
    if math.isfinite(got) and got < 400:
        assert got == want
    else:  # beyond the brute force's horizon: the curve had not reached CAC by then
        assert math.isinf(want)
    each = [ec.payback_period(cac, ai, 1.0, ci) for ai, ci in zip(a, c[:g], strict=True)]
    assert min(each) <= got <= max(each)


@given(
    cac=st.floats(0, 1_000),
    a=st.floats(0, 100),
    m=st.floats(0, 1),
    c=st.floats(0, 1),
    d=st.floats(0, 0.2),
    g=st.floats(-0.5, 0.05),
)
def test_a_one_group_mix_is_the_plain_payback(cac, a, m, c, d, g):
    plain = ec.payback_period(cac, a, m, c, d, g)
    assert ec.payback_period(cac, [a], [m], [c], [d], [g], weights=[1.0]) == plain
    # a group with no share changes nothing
    assert ec.payback_period(cac, [a, 99.0], m, [c, 0.0], d, g, weights=[1.0, 0.0]) == plain


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([0.5, 0.4], r"weights must sum to 1 along their last axis .* got a sum of 0.9"),
        ([1.5, -0.5], r"weights must be in \[0, 1\], got 1.5 at position 0"),
        (1.0, r"weights must have a last axis of group shares"),
    ],
)
def test_payback_weights_are_checked(weights, message):
    with pytest.raises(ValueError, match=message):
        ec.payback_period(20.0, [20.0, 10.0], 1.0, [0.5, 0.0], weights=weights)


def test_cac_by_channel_counts_both_rewards_and_the_fixed_cost():
    t = ec.cac_by_channel(
        10_000, 50, 30, referral_reward=20, referrer_reward=10, programme_cost=600
    )
    assert t["channel"].tolist() == ["paid", "referral", "blended"]
    np.testing.assert_allclose(t["spend"], [10_000, 30 * 30 + 600, 10_000 + 1_500])
    np.testing.assert_allclose(t["cac"], [200.0, 50.0, 11_500 / 80])
    none = ec.cac_by_channel(1_000, 10, 0)
    assert math.isnan(none.loc[1, "cac"])  # no referred customer: CAC undefined


def test_referred_customer_defaults_are_parameters():
    assert ec.REFERRED_RETENTION_UPLIFT == 0.37
    assert ec.REFERRED_LTV_UPLIFT == 0.16
    assert ec.referred_churn(0.137) == pytest.approx(0.1)
    assert ec.referred_churn(0.1, retention_uplift=0.0) == 0.1
    # 37 % longer expected lifetime
    assert 1 / ec.referred_churn(0.05) == pytest.approx(1.37 / 0.05)
    assert ec.referred_ltv(500.0) == pytest.approx(580.0)
    assert ec.referred_ltv(500.0, ltv_uplift=0.5) == 750.0


def test_referral_programme_roi():
    roi = ec.referral_programme_roi(
        100, 250.0, referral_reward=25, referrer_reward=25, programme_cost=5_000, ltv_uplift=0.0
    )
    assert roi == pytest.approx((25_000 - 10_000) / 10_000)
    with_uplift = ec.referral_programme_roi(100, 250.0, referral_reward=50)
    assert with_uplift == pytest.approx((100 * 250 * 1.16 - 5_000) / 5_000)
    np.testing.assert_allclose(
        ec.referral_programme_roi([10, 20], 100.0, referral_reward=10, ltv_uplift=0.0), [9.0, 9.0]
    )


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: ec.arpu(100, 0), ValueError, "users must be > 0, got 0"),
        (lambda: ec.arpu(-1, 10), ValueError, "revenue must be >= 0, got -1"),
        (lambda: ec.arpu("100", 10), TypeError, "revenue must be a real number"),
        (
            lambda: ec.arpu([1.0, np.nan], 10),
            ValueError,
            r"revenue must be finite numbers, got nan at position 1",
        ),
        (
            lambda: ec.arpu(["a"], 10),
            TypeError,
            "revenue must be a number or an array of numbers, got an array of dtype",
        ),
        (lambda: ec.gross_margin(0, 1), ValueError, "revenue must be > 0, got 0"),
        (lambda: ec.gross_margin(10, -1), ValueError, "cost_of_revenue must be >= 0"),
        (
            lambda: ec.cac(100, [5, 0]),
            ValueError,
            r"new_customers must be > 0, got 0 at position 1",
        ),
        (lambda: ec.ltv(30, 1.2, 0.1), ValueError, r"margin must be in \[0, 1\], got 1.2"),
        (lambda: ec.ltv(30, 0.8, 0), ValueError, r"churn must be in \(0, 1\], got 0"),
        (
            lambda: ec.ltv(30, 0.8, [0.1, 1.5]),
            ValueError,
            r"churn must be in \(0, 1\], got 1.5 at position 1",
        ),
        (lambda: ec.ltv_discounted(30, 0.8, 0, 0), ValueError, "must not both be 0"),
        (lambda: ec.ltv_discounted(30, 0.8, 0.1, -0.1), ValueError, "discount must be >= 0"),
        (lambda: ec.ltv_sbg(30, 0.8, 0, 1, 0.1), ValueError, "alpha must be > 0"),
        (lambda: ec.ltv_sbg(30, 0.8, 1, 1, -1), ValueError, "discount must be >= 0"),
        (lambda: ec.ltv_to_cac(100, 0), ValueError, "cac must be > 0, got 0"),
        (lambda: ec.payback_period(100, -1, 0.5), ValueError, "arpu must be >= 0, got -1"),
        (lambda: ec.payback_period(100, 10, 1.5), ValueError, r"margin must be in \[0, 1\]"),
        (
            lambda: ec.payback_period(100, 10, 0.5, 1.5),
            ValueError,
            r"churn must be in \[0, 1\], got 1.5",
        ),
        (
            lambda: ec.payback_period(100, 10, 0.5, 0.1, -0.1),
            ValueError,
            "discount must be >= 0, got -0.1",
        ),
        (lambda: ec.unit_economics(10, 0.5, "high"), TypeError, "churn must be a probability"),
        (lambda: ec.unit_economics(10, 0.5, 1.2), ValueError, r"churn must be in \[0, 1\]"),
        (lambda: ec.unit_economics(10, 0.5, 0.1, cac=-1), ValueError, "cac must be >= 0"),
        (lambda: ec.unit_economics(10, 0.5, 0.1, period=""), TypeError, "period must be"),
        (lambda: ec.payback_curve(None), TypeError, "economics must be a UnitEconomics"),
        (
            lambda: ec.payback_curve(ec.unit_economics(10, 0.5, 0.1), 0),
            ValueError,
            "periods must be",
        ),
        (lambda: ec.roi(10, 0), ValueError, "cost must be > 0, got 0"),
        (lambda: ec.romi(10, 5, margin=2), ValueError, r"margin must be in \[0, 1\], got 2"),
        (lambda: ec.romi(10, 0), ValueError, "marketing_spend must be > 0"),
        (lambda: ec.cac_by_channel(-5, 1, 1), ValueError, "paid_spend must be >= 0, got -5"),
        (
            lambda: ec.cac_by_channel(5, 1, 1, referrer_reward=-1),
            ValueError,
            "referrer_reward must be >= 0",
        ),
        (
            lambda: ec.referred_churn(0.1, retention_uplift=-1),
            ValueError,
            "retention_uplift must be > -1",
        ),
        (lambda: ec.referred_ltv(100, ltv_uplift=-2), ValueError, "ltv_uplift must be >= -1"),
        (lambda: ec.referral_programme_roi(10, 100.0), ValueError, "the programme costs nothing"),
        (
            lambda: ec.referral_programme_roi(-1, 100.0, referral_reward=1),
            ValueError,
            "referred_customers must be >= 0",
        ),
        (lambda: ec.revenue_per_referral(100, 0), ValueError, "referrals must be > 0, got 0"),
        (
            lambda: ec.revenue_per_referral(-1, 5),
            ValueError,
            "referral_revenue must be >= 0, got -1",
        ),
        (lambda: ec.arpu_from_price(-20, 1), ValueError, "price must be >= 0, got -20"),
        (lambda: ec.arpu_from_price(20, -1), ValueError, "purchases must be >= 0, got -1"),
        (
            lambda: ec.arpu_from_price(20, 1, [0.5, 1.2]),
            ValueError,
            r"paying_share must be in \[0, 1\], got 1.2 at position 1",
        ),
        (lambda: ec.cac(-1, 5), ValueError, "spend must be >= 0, got -1"),
        (lambda: ec.cac_by_channel(5, -1, 1), ValueError, "paid_customers must be >= 0, got -1"),
        (
            lambda: ec.cac_by_channel(5, 1, -2),
            ValueError,
            "referral_customers must be >= 0, got -2",
        ),
        (
            lambda: ec.cac_by_channel(5, 1, 1, referral_reward=-3),
            ValueError,
            "referral_reward must be >= 0, got -3",
        ),
        (
            lambda: ec.cac_by_channel(5, 1, 1, programme_cost=-4),
            ValueError,
            "programme_cost must be >= 0, got -4",
        ),
        (lambda: ec.cac_by_channel(5, "1", 1), TypeError, "paid_customers must be a real number"),
        (lambda: ec.ltv(-30, 0.8, 0.1), ValueError, "arpu must be >= 0, got -30"),
        (
            lambda: ec.ltv_discounted(30, 0.8, 1.5, 0.1),
            ValueError,
            r"churn must be in \[0, 1\], got 1.5",
        ),
        (lambda: ec.ltv_sbg(-1, 0.8, 1, 1, 0.1), ValueError, "arpu must be >= 0, got -1"),
        (lambda: ec.ltv_sbg(30, 1.8, 1, 1, 0.1), ValueError, r"margin must be in \[0, 1\]"),
        (lambda: ec.ltv_sbg(30, 0.8, 1, 0, 0.1), ValueError, "beta must be > 0, got 0"),
        (lambda: ec.ltv_to_cac(-1, 10), ValueError, "ltv must be >= 0, got -1"),
        (lambda: ec.payback_period(-1, 10, 0.5), ValueError, "cac must be >= 0, got -1"),
        (lambda: ec.roi(-1, 10), ValueError, "gain must be >= 0, got -1"),
        (lambda: ec.romi(-1, 10), ValueError, "revenue must be >= 0, got -1"),
        (lambda: ec.referred_churn(1.2), ValueError, r"churn must be in \[0, 1\], got 1.2"),
        (lambda: ec.referred_ltv(-5), ValueError, "ltv must be >= 0, got -5"),
        (
            lambda: ec.referral_programme_roi(10, -100.0, referral_reward=1),
            ValueError,
            "ltv must be >= 0, got -100.0",
        ),
        (
            lambda: ec.referral_programme_roi(10, 100.0, referral_reward=-1),
            ValueError,
            "referral_reward must be >= 0, got -1",
        ),
        (
            lambda: ec.referral_programme_roi(10, 100.0, referrer_reward=-1),
            ValueError,
            "referrer_reward must be >= 0, got -1",
        ),
        (
            lambda: ec.referral_programme_roi(10, 100.0, programme_cost=-1),
            ValueError,
            "programme_cost must be >= 0, got -1",
        ),
        (
            lambda: ec.referral_programme_roi(10, 100.0, referral_reward=1, ltv_uplift=-1.5),
            ValueError,
            "ltv_uplift must be >= -1, got -1.5",
        ),
    ],
)
def test_validation_names_the_parameter(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_package_exports_economics():
    for name in (
        "ltv",
        "ltv_sbg",
        "cac_by_channel",
        "payback_period",
        "referral_programme_roi",
        "arpu_from_price",
    ):
        assert name in fs.__all__ and getattr(fs, name) is getattr(ec, name)


# -- unit_economics: the one place LTV, LTV:CAC and payback are computed -------------------


def test_unit_economics_hand_worked_geometric():
    # 10 a period, half the customers leave each period: 10, 5, 2.5, ... -> LTV 20.
    ue = ec.unit_economics(10.0, 1.0, 0.5, cac=15.0)
    assert ue.ltv == 20.0
    assert ue.ltv_to_cac == pytest.approx(4 / 3, rel=1e-15)
    assert ue.payback == 2.0  # 10 + 5 = 15 reaches the CAC exactly
    assert ue.expected_lifetime == 2.0
    assert ue.label == "LTV: geometric churn 50.0%/period, no discount"
    curve = ue.payback_curve(4)
    assert curve["cumulative_margin"].tolist() == [0.0, 10.0, 15.0, 17.5, 18.75]
    assert curve["paid_back"].tolist() == [False, False, True, True, True]
    assert list(curve.columns) == ["period", "cumulative_margin", "cac", "paid_back"]


def test_unit_economics_hand_worked_discounted():
    # No churn, 100 % discount a period: 100, 50, 25, ... -> LTV 200, 160 reached at 3.
    ue = ec.unit_economics(100.0, 1.0, 0.0, cac=160.0, discount=1.0, period="year")
    assert ue.ltv == 200.0
    assert ue.payback == 3.0
    assert ue.payback_curve(3)["cumulative_margin"].tolist() == [0.0, 100.0, 150.0, 175.0]
    assert ue.label == "LTV: geometric churn 0.0%/year, 100.0%/year discount"
    assert ue.expected_lifetime == math.inf


def test_churn_one_is_one_rule_everywhere():
    # ltv accepted churn 1 and payback_period refused it (issue 9): one payment, then gone.
    assert ec.ltv(10.0, 1.0, 1.0) == 10.0
    assert ec.ltv_discounted(10.0, 1.0, 1.0, 0.05) == pytest.approx(10.0, rel=1e-15)
    assert ec.payback_period(10.0, 10.0, 1.0, 1.0) == 1.0
    assert ec.payback_period(10.5, 10.0, 1.0, 1.0) == math.inf
    ue = ec.unit_economics(10.0, 1.0, 1.0, cac=10.0)
    assert (ue.ltv, ue.payback, ue.expected_lifetime) == (10.0, 1.0, 1.0)


def test_cac_at_the_ltv_never_pays_back_and_no_cac_gives_nan():
    ue = ec.unit_economics(1.0, 1.0, 0.5, cac=2.0)
    assert ue.ltv_to_cac == 1.0 and ue.payback == math.inf
    none = ec.unit_economics(1.0, 1.0, 0.5)
    assert math.isnan(none.cac) and math.isnan(none.ltv_to_cac) and math.isnan(none.payback)
    assert not none.payback_curve(5)["paid_back"].any()
    free = ec.unit_economics(1.0, 1.0, 0.5, cac=0.0)
    assert free.payback == 0.0 and free.ltv_to_cac == math.inf
    nobody = ec.unit_economics(1.0, 1.0, 0.5, cac=math.inf)
    assert nobody.payback == math.inf and nobody.ltv_to_cac == 0.0


def test_unit_economics_sbg_matches_ltv_sbg_and_a_direct_sum():
    from funnelsim.retention import ChurnModel, sbg_survival

    model = ChurnModel.sbg(1.6, 6.0)
    ue = ec.unit_economics(30.0, 0.8, model, cac=150.0, discount=0.01, period="month")
    assert ue.ltv == ec.ltv_sbg(30.0, 0.8, 1.6, 6.0, 0.01)
    t = np.arange(20_000)
    series = 24.0 * np.cumsum(sbg_survival(t, 1.6, 6.0) / 1.01**t)
    assert ue.ltv == pytest.approx(series[-1], rel=1e-6)
    first = int(np.argmax(series >= 150.0)) + 1  # payments 0..n-1
    assert ue.payback == first
    curve = ue.payback_curve(first + 5)
    np.testing.assert_allclose(curve["cumulative_margin"].iloc[1:], series[: first + 5], rtol=1e-12)
    assert ue.expected_lifetime == pytest.approx((1.6 + 6.0 - 1) / 0.6)
    assert ue.label == "LTV: sBG(α = 1.6, β = 6), 1.0%/month discount"


@given(
    arpu=st.floats(0.5, 5_000),
    margin=st.floats(0.05, 1.0),
    churn=st.floats(0.001, 1.0),
    discount=st.sampled_from([0.0, 0.005, 0.01, 0.1]),
    ratio=st.floats(0.05, 20.0),
    polarization=st.one_of(st.none(), st.floats(0.01, 0.9)),
)
# alpha 1.04, no discount: half the LTV takes more than MAX_PAYBACK_PERIODS periods
@example(arpu=1.0, margin=1.0, churn=0.375, discount=0.0, ratio=2.0, polarization=0.265625)
def test_payback_is_where_the_curve_crosses_cac(arpu, margin, churn, discount, ratio, polarization):
    from funnelsim.retention import ChurnModel

    if polarization is not None:
        if churn >= 1.0:
            churn = 0.999
        model = ChurnModel.sbg_mean(churn, polarization)
    else:
        model = ChurnModel.geometric(churn)
    probe = ec.unit_economics(arpu, margin, model, discount=discount)
    if not math.isfinite(probe.ltv):
        return
    cac = probe.ltv / ratio
    ue = ec.unit_economics(arpu, margin, model, cac=cac, discount=discount)
    assert ue.ltv_to_cac == pytest.approx(ratio, rel=1e-12)
    # one definition: LTV:CAC above 1 exactly when the customer pays back, within the
    # searched MAX_PAYBACK_PERIODS (an sBG curve with alpha near 1 and no discount creeps
    # towards its LTV over millions of periods: beyond the cap the payback is inf)
    reaches = ue.ltv > cac or (model.kind == "geometric" and churn == 1)
    if reaches and model.kind == "sbg":
        last = ec._cumulative(model, arpu * margin, discount, ec.MAX_PAYBACK_PERIODS)[-1]
        reaches = bool(last >= cac * (1 - 1e-12))
    assert math.isfinite(ue.payback) == reaches
    if math.isfinite(ue.payback) and ue.payback < 5_000:
        curve = ue.payback_curve(int(ue.payback) + 2)
        crossed = curve.loc[curve["cumulative_margin"] >= cac * (1 - 1e-12), "period"]
        assert int(crossed.iloc[0]) == ue.payback
        assert int(curve.loc[curve["paid_back"], "period"].iloc[0]) == ue.payback
    if model.kind == "geometric":
        assert ue.payback == ec.payback_period(cac, arpu, margin, churn, discount)
        assert ue.ltv == pytest.approx(ec.ltv_discounted(arpu, margin, churn, discount), rel=1e-12)


# -- mutants that survived the mutation run (issue 9): pinned by hand -------------------------


def test_cac_by_channel_every_column_by_hand() -> None:
    # one paid customer is a customer: its CAC is the whole spend, not NaN
    t = ec.cac_by_channel(500.0, 1, 0)
    assert t["channel"].tolist() == ["paid", "referral", "blended"]
    assert t["customers"].tolist() == [1.0, 0.0, 1.0]
    assert t["spend"].tolist() == [500.0, 0.0, 500.0]
    assert t["cac"].iloc[0] == 500.0 and math.isnan(t["cac"].iloc[1]) and t["cac"].iloc[2] == 500.0
    # the referral channel costs nothing unless rewards are given (default 0)
    free = ec.cac_by_channel(1_000.0, 10, 5)
    assert free["spend"].tolist() == [1_000.0, 0.0, 1_000.0]
    assert free["cac"].tolist()[1] == 0.0


# -- net revenue retention and expansion revenue --------------------------------------------


def test_net_revenue_retention_both_forms():
    assert ec.net_revenue_retention(starting_revenue=100_000, ending_revenue=112_000) == 1.12
    assert ec.net_revenue_retention(starting_revenue=50.0, ending_revenue=0.0) == 0.0
    # rates: 2 % of logos lost, survivors +3 % -1 %
    nrr = ec.net_revenue_retention(logo_churn=0.02, expansion=0.03, contraction=0.01)
    assert nrr == pytest.approx(0.98 * 1.02)
    assert ec.net_revenue_retention(logo_churn=0.1) == pytest.approx(0.9)
    np.testing.assert_allclose(
        ec.net_revenue_retention(logo_churn=[0.0, 0.5], expansion=0.1), [1.1, 0.55]
    )


def test_net_revenue_retention_agrees_with_a_cohort_built_by_hand():
    # 1,000 customers at $100: 50 leave, the 950 survivors grow 4 % and shrink 1 %
    start = 1_000 * 100.0
    end = 950 * 100.0 * (1 + 0.04 - 0.01)
    assert ec.net_revenue_retention(
        logo_churn=0.05, expansion=0.04, contraction=0.01
    ) == pytest.approx(ec.net_revenue_retention(starting_revenue=start, ending_revenue=end))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({}, TypeError, "either starting_revenue and ending_revenue"),
        (
            {"starting_revenue": 1.0, "ending_revenue": 1.0, "logo_churn": 0.1},
            TypeError,
            "not both",
        ),
        ({"starting_revenue": 1.0}, TypeError, "needs both starting_revenue and ending_revenue"),
        ({"starting_revenue": 0.0, "ending_revenue": 1.0}, ValueError, "starting_revenue"),
        ({"logo_churn": 1.5}, ValueError, r"logo_churn must be in \[0, 1\]"),
        ({"logo_churn": 0.1, "expansion": -0.1}, ValueError, "expansion must be >= 0"),
        ({"logo_churn": 0.1, "contraction": 1.5}, ValueError, "contraction must not exceed"),
    ],
)
def test_net_revenue_retention_rejects_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        ec.net_revenue_retention(**kwargs)


@given(
    churn=st.floats(0.001, 1.0),
    discount=st.floats(0.0, 0.1),
    arpu=st.floats(1.0, 1e4),
    margin=st.floats(0.05, 1.0),
    cac=st.floats(0.0, 1e5),
)
def test_zero_expansion_changes_nothing(churn, discount, arpu, margin, cac):
    base = ec.unit_economics(arpu, margin, churn, cac=cac, discount=discount)
    same = ec.unit_economics(arpu, margin, churn, cac=cac, discount=discount, expansion=0.0)
    assert same == base
    pd.testing.assert_frame_equal(same.payback_curve(40), base.payback_curve(40))
    assert ec.payback_period(cac, arpu, margin, churn, discount, 0.0) == ec.payback_period(
        cac, arpu, margin, churn, discount
    )


@pytest.mark.parametrize(
    ("churn", "expansion", "discount"),
    [(0.05, 0.02, 0.01), (0.03, 0.02, 0.0), (0.1, -0.05, 0.0), (1.0, 0.5, 0.0), (0.2, 0.1, 0.05)],
)
def test_geometric_ltv_with_expansion_is_the_closed_form(churn, expansion, discount):
    arpu, margin = 40.0, 0.7
    ue = ec.unit_economics(arpu, margin, churn, discount=discount, expansion=expansion, cac=200.0)
    q = (1 - churn) * (1 + expansion) / (1 + discount)
    assert ue.ltv == pytest.approx(arpu * margin / (1 - q), rel=1e-12)
    # the direct sum of survival × growth × discount, term by term
    t = np.arange(5_000)
    # survival × growth × discount per period (0 ** 0 = 1: the first payment always arrives)
    direct = arpu * margin * np.sum(((1 - churn) * (1 + expansion) / (1 + discount)) ** t)
    assert ue.ltv == pytest.approx(direct, rel=1e-9)
    # the payback is where the curve first reaches CAC (never when CAC is above the LTV)
    curve = ue.payback_curve(400)
    reached = curve.loc[curve["cumulative_margin"] >= 200.0 * (1 - 1e-12), "period"]
    assert curve.loc[curve["paid_back"], "period"].tolist() == reached.tolist()
    assert ue.payback == (reached.iloc[0] if len(reached) else math.inf)
    assert (ue.payback == math.inf) == (ue.ltv <= 200.0)
    assert ue.expansion == expansion and "expansion" in ue.label


def test_expansion_lets_ltv_grow_while_logos_churn():
    flat = ec.unit_economics(100.0, 0.8, 0.03, discount=0.01)
    growing = ec.unit_economics(100.0, 0.8, 0.03, discount=0.01, expansion=0.025)
    nrr = ec.net_revenue_retention(logo_churn=0.03, expansion=0.025)
    assert nrr < 1  # the base still shrinks a little in revenue ...
    assert growing.ltv > 2 * flat.ltv  # ... but each customer is worth over twice as much


def test_sbg_ltv_with_expansion_uses_the_effective_discount():
    model = fs.ChurnModel.sbg(2.0, 20.0)
    ue = ec.unit_economics(30.0, 0.8, model, discount=0.02, expansion=0.01, cac=300.0)
    t = np.arange(200_000)
    direct = 24.0 * np.sum(model.survival(t) * (1.01 / 1.02) ** t)
    assert ue.ltv == pytest.approx(direct, rel=1e-9)
    effective = 1.02 / 1.01 - 1
    assert ue.ltv == pytest.approx(24.0 * (1 + sbg_derl(2.0, 20.0, effective) / (1 + effective)))
    # expansion equal to the discount: the undiscounted sBG lifetime (alpha > 1)
    even = ec.unit_economics(30.0, 0.8, model, discount=0.02, expansion=0.02)
    assert even.ltv == pytest.approx(24.0 * model.expected_lifetime, rel=1e-9)
    curve = ue.payback_curve(400)
    assert curve.loc[curve["paid_back"], "period"].iloc[0] == ue.payback


def test_infinite_ltv_with_expansion_is_an_error_or_needs_a_horizon():
    with pytest.raises(ValueError, match=r"the lifetime value is infinite: \(1 − churn\)"):
        ec.unit_economics(30.0, 0.8, 0.02, expansion=0.03)
    with pytest.raises(ValueError, match="sBG churn: some customers practically never leave"):
        ec.unit_economics(30.0, 0.8, fs.ChurnModel.sbg(2.0, 20.0), expansion=0.03, discount=0.02)
    ue = ec.unit_economics(30.0, 0.8, 0.02, expansion=0.03, horizon=36, cac=500.0)
    q = 0.98 * 1.03
    assert ue.ltv == pytest.approx(24.0 * (q**36 - 1) / (q - 1), rel=1e-12)
    assert "first 36 periods only" in ue.label
    curve = ue.payback_curve(48)
    assert (curve["cumulative_margin"].iloc[36:] == ue.ltv).all()  # flat after the horizon
    assert curve.loc[curve["paid_back"], "period"].iloc[0] == ue.payback
    # the horizon alone (no expansion) truncates the geometric sum
    short = ec.unit_economics(30.0, 0.8, 0.05, horizon=12, cac=10_000.0)
    assert short.ltv == pytest.approx(24.0 * (1 - 0.95**12) / 0.05)
    assert short.payback == math.inf


def test_payback_period_with_expansion_above_one_grows_without_bound():
    # q = 0.98 × 1.05 > 1: the curve grows geometrically and any CAC is reached
    n = ec.payback_period(300.0, 30.0, 0.8, churn=0.02, expansion=0.05)
    q = 0.98 * 1.05
    cum = 24.0 * (q ** np.arange(0, 30) - 1) / (q - 1)
    assert n == int(np.flatnonzero(cum >= 300.0)[0])
    with pytest.raises(ValueError, match="expansion must be > -1"):
        ec.payback_period(300.0, 30.0, 0.8, expansion=-1.0)


# -- churn models in the payback, hazard-scaled churn (issue 8 §1: one LTV per scenario) ------


def _curve_by_hand(model, per, d, n):
    """Σ_{t<n} per × S(t) / (1 + d)^t, summed term by term from the survival function."""
    t = np.arange(n)
    return float(np.sum(per * np.asarray(model.survival(t)) / (1.0 + d) ** t))


@given(
    alpha=st.floats(0.05, 20),
    beta=st.floats(0.05, 50),
    share=st.floats(0.0, 0.999),
)
def test_a_scaled_sbg_hazard_is_an_sbg_with_the_same_alpha_plus_beta(alpha, beta, share):
    # multiplier chosen so that the first period's hazard stays <= 1
    first = alpha / (alpha + beta)
    mult = max(share / first, 1e-3)
    model = ChurnModel.sbg(alpha, beta)
    scaled = ec.scaled_churn_model(model, mult)
    t = np.arange(1, 40)
    hazard = 1.0 - np.asarray(model.retention_rate(t))
    # the survival of the hazard × mult, multiplied out period by period
    by_hand = np.concatenate([[1.0], np.cumprod(1.0 - mult * hazard)])
    if scaled.kind == "sbg":
        assert scaled.alpha + scaled.beta == pytest.approx(alpha + beta, rel=1e-12)
    np.testing.assert_allclose(scaled.survival(np.arange(40)), by_hand, rtol=1e-9, atol=1e-12)


def test_a_scaled_geometric_churn_is_the_product_and_errors_name_the_rule():
    assert ec.scaled_churn_model(0.08, 0.5) == ChurnModel.geometric(0.04)
    assert ec.scaled_churn_model(ChurnModel.geometric(0.5), 2.0) == ChurnModel.geometric(1.0)
    # the first period's hazard reaching 1: everyone leaves after one period
    assert ec.scaled_churn_model(ChurnModel.sbg(1.0, 3.0), 4.0) == ChurnModel.geometric(1.0)
    with pytest.raises(ValueError, match=r"churn × multiplier must be <= 1, got 0.5 × 3"):
        ec.scaled_churn_model(0.5, 3.0)
    with pytest.raises(ValueError, match=r"first period's churn hazard .* must be <= 1, got 0.25"):
        ec.scaled_churn_model(ChurnModel.sbg(1.0, 3.0), 5.0)
    with pytest.raises(ValueError, match=r"multiplier must be > 0, got 0.0"):
        ec.scaled_churn_model(0.1, 0.0)


def test_payback_with_geometric_models_is_the_payback_with_their_churn():
    w = np.array([[0.9, 0.1], [0.5, 0.5]])
    models = [ChurnModel.geometric(0.08), ChurnModel.geometric(0.05)]
    got = ec.payback_period([48.0, 90.0], [6.0, 7.0], 0.8, models, 0.01, weights=w)
    want = ec.payback_period([48.0, 90.0], [6.0, 7.0], 0.8, [0.08, 0.05], 0.01, weights=w)
    np.testing.assert_array_equal(got, want)
    assert ec.payback_period(300.0, 30.0, 0.8, ChurnModel.geometric(0.05)) == 20.0


@pytest.mark.parametrize("cac", [0.0, 10.0, 48.0, 120.0, 129.0, 129.3, 1e6])
def test_sbg_payback_is_where_the_curve_summed_by_hand_reaches_cac(cac):
    model = ChurnModel.sbg(0.72, 8.28)
    per = 6.0 * 0.8
    got = ec.payback_period(cac, 6.0, 0.8, model, 0.01)
    ue = ec.unit_economics(6.0, 0.8, model, cac=cac, discount=0.01)
    assert got == ue.payback  # one definition for the single customer and the mix
    if math.isinf(got):
        assert cac >= ue.ltv * (1 - 1e-9) or _curve_by_hand(model, per, 0.01, 5_000) < cac
    elif cac == 0:
        assert got == 0.0
    else:
        n = int(got)
        assert _curve_by_hand(model, per, 0.01, n) >= cac * (1 - 1e-12)
        assert _curve_by_hand(model, per, 0.01, n - 1) < cac


def test_the_payback_of_a_mix_with_sbg_groups_is_where_the_weighted_curve_reaches_cac():
    paid = ChurnModel.sbg(0.72, 8.28)
    referred = ec.scaled_churn_model(paid, 1 / 1.37)
    shares = np.array([0.0, 0.015, 0.3, 1.0])
    w = np.stack([1 - shares, shares], axis=-1)
    cac = np.array([48.0, 57.6, 100.0, 150.0])
    got = ec.payback_period(cac, [6.0, 6.0], 0.8, [paid, referred], 0.01, weights=w)
    for c, s, n in zip(cac, shares, got, strict=True):

        def mix(k, s=s):
            return (1 - s) * _curve_by_hand(paid, 4.8, 0.01, k) + s * _curve_by_hand(
                referred, 4.8, 0.01, k
            )

        assert mix(int(n)) >= c * (1 - 1e-12) and mix(int(n) - 1) < c
    # a CAC above the mix's LTV is never repaid
    ltv = ec.unit_economics(6.0, 0.8, paid, discount=0.01).ltv
    assert ec.payback_period(ltv * 1.01, 6.0, 0.8, paid, 0.01) == math.inf


def test_several_churn_models_need_weights():
    models = [ChurnModel.sbg(1.0, 3.0), ChurnModel.geometric(0.1)]
    with pytest.raises(ValueError, match=r"2 churn models need weights"):
        ec.payback_period(10.0, 5.0, 1.0, models)
    with pytest.raises(ValueError, match=r"arpu must be one value or one per group \(2\)"):
        ec.payback_period(10.0, [5.0, 5.0, 5.0], 1.0, models, weights=[0.5, 0.5])


@pytest.mark.parametrize("churn", [0.05, ChurnModel.sbg(0.72, 8.28)])
@pytest.mark.parametrize("horizon", [5, 17, 40])
def test_a_horizon_caps_the_payback_as_in_unit_economics(churn, horizon):
    for cac in (20.0, 48.0, 70.0, 1e5):
        got = ec.payback_period(cac, 6.0, 0.8, churn, 0.01, 0.005, horizon=horizon)
        ue = ec.unit_economics(
            6.0, 0.8, churn, cac=cac, discount=0.01, expansion=0.005, horizon=horizon
        )
        assert got == ue.payback
        assert got <= horizon or got == math.inf
    # one churn for a mix of two groups with different ARPUs
    mix = ec.payback_period(48.0, [6.0, 12.0], 0.8, 0.05, weights=[0.5, 0.5], horizon=horizon)
    whole = ec.payback_period(48.0, [6.0, 12.0], 0.8, [0.05, 0.05], weights=[0.5, 0.5])
    assert mix == (whole if whole <= horizon else math.inf)
