import dataclasses
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import funnelsim as fs
from funnelsim import economics as ec
from funnelsim.growth import (
    GrowthParams,
    Schedule,
    simulate_funnel_with_referrals,
    simulate_growth,
    step_change,
)
from funnelsim.retention import ChurnModel

# -- referral as a funnel stage -------------------------------------------------------------


def test_referral_loop_frames_and_channels():
    r = simulate_funnel_with_referrals(fs.aaarrr(), 200_000, 4.0, 0.5, generations=3, seed=2)
    s = r.stages
    assert list(s.columns) == ["generation", "channel", "stage", "reached"]
    assert set(s["channel"]) == {"paid", "referral"}
    paid = s[s["channel"] == "paid"]
    assert (paid["generation"] == 0).all() and len(paid) == 6
    ref = s[s["channel"] == "referral"]
    assert "Awareness" not in set(ref["stage"])  # referred people enter at Acquisition
    assert (ref["generation"] >= 1).all()
    g = r.generations
    # the referred entrants of generation g are the Acquisition count of the referral channel
    acq = ref[ref["stage"] == "Acquisition"].set_index("generation")["reached"]
    np.testing.assert_array_equal(
        g.set_index("generation")["referred_entrants"].loc[acq.index], acq
    )
    # referrers = people who reached Referral in that generation
    ref_last = s[s["stage"] == "Referral"].groupby("generation")["reached"].sum()
    np.testing.assert_array_equal(
        g.set_index("generation")["referrers"].loc[ref_last.index], ref_last
    )
    summary = r.summary()
    assert summary["stage"].tolist() == list(fs.AAARRR_STAGES)
    assert summary.loc[0, "referral"] == 0 and summary.loc[0, "paid"] == 200_000
    np.testing.assert_allclose(summary["total"], summary["paid"] + summary["referral"])
    assert r.entry_stage == "Acquisition" and r.referral_stage == "Referral"
    assert math.isclose(r.k, 4.0 * 0.5 * 0.5 * 0.6 * 0.4 * 0.25)


def test_referral_generations_follow_the_closed_form():
    f, n, lam, c, reps = fs.aaarrr(referral=0.5), 50_000, 5.0, 0.8, 300
    r = simulate_funnel_with_referrals(f, n, lam, c, generations=3, replications=reps, seed=4)
    g = r.generations
    full = (
        g.set_index(["replication", "generation"])["referred_entrants"]
        .unstack(fill_value=0)
        .reindex(columns=range(4), fill_value=0)
    )
    first = n * f.reach[-1] * lam * c  # expected referred entrants in generation 1
    for gen in (1, 2, 3):
        expected = first * r.k ** (gen - 1)
        col = full[gen].to_numpy()
        se = col.std(ddof=1) / math.sqrt(reps)
        assert abs(col.mean() - expected) < 4 * se + 1e-9
    assert r.k == pytest.approx(lam * c * 0.5 * 0.6 * 0.4 * 0.5)


def test_referral_loop_entry_and_referral_stages_can_move():
    f = fs.aaarrr()
    r = simulate_funnel_with_referrals(
        f, 10_000, 3.0, 0.5, entry_stage="Activation", referral_stage="Revenue", seed=1
    )
    assert r.entry_stage == "Activation" and r.referral_stage == "Revenue"
    assert r.k == pytest.approx(1.5 * 0.6 * 0.4)
    with pytest.raises(ValueError, match="comes before entry_stage"):
        simulate_funnel_with_referrals(
            f, 10, 1, 0.5, entry_stage="Revenue", referral_stage="Retention"
        )
    with pytest.raises(ValueError, match="no stage named 'Nope'"):
        simulate_funnel_with_referrals(f, 10, 1, 0.5, entry_stage="Nope")
    with pytest.raises(ValueError, match="no stage named 'Fans'"):
        simulate_funnel_with_referrals(f, 10, 1, 0.5, referral_stage="Fans")
    with pytest.raises(TypeError, match="funnel must be a Funnel"):
        simulate_funnel_with_referrals("aaarrr", 10, 1, 0.5)
    with pytest.raises(ValueError, match="paid_buyers must be >= 0"):
        simulate_funnel_with_referrals(f, -1, 1, 0.5)
    with pytest.raises(ValueError, match=r"invite_conversion must be in \[0, 1\]"):
        simulate_funnel_with_referrals(f, 1, 1, 1.5)
    with pytest.raises(ValueError, match="generations must be in"):
        simulate_funnel_with_referrals(f, 1, 1, 0.5, generations=5_000)
    with pytest.raises(ValueError, match="invites_per_user must be in"):
        simulate_funnel_with_referrals(f, 1, -1, 0.5)
    with pytest.raises(ValueError, match="replications must be >= 1"):
        simulate_funnel_with_referrals(f, 1, 1, 0.5, replications=0)
    with pytest.raises(TypeError, match="churn must be a real number"):
        GrowthParams(churn=True)


def test_referral_loop_is_deterministic_and_replicates():
    a = simulate_funnel_with_referrals(fs.aaarrr(), 5_000, 6, 0.5, replications=3, seed=9)
    b = simulate_funnel_with_referrals(fs.aaarrr(), 5_000, 6, 0.5, replications=3, seed=9)
    pd.testing.assert_frame_equal(a.stages, b.stages)
    assert a.stages.columns[0] == "replication"
    assert a.seed == 9
    assert "FunnelReferralResult" in repr(a)


# -- growth model: bookkeeping --------------------------------------------------------------------


def test_growth_frame_columns_and_accounting():
    r = simulate_growth(
        24,
        funnel=fs.aaarrr(),
        new_leads=20_000,
        budget=30_000,
        invites_per_user=0.8,
        invite_conversion=0.4,
        referral_reward=15.0,
        arpu=25.0,
        referred_arpu_multiplier=1.2,
        margin=0.6,
        seed=3,
    )
    p = r.periods
    required = [
        "period", "new_paid", "new_referral", "active", "churned", "revenue",
        "cumulative_revenue", "marketing_spend", "cac", "ltv", "ltv_to_cac", "payback_period",
    ]  # fmt: skip
    assert all(c in p for c in required)
    assert p["period"].tolist() == list(range(1, 25))
    prev = p["active"].shift(fill_value=0)
    np.testing.assert_array_equal(p["active"], prev - p["churned"] + p["new_customers"])
    np.testing.assert_allclose(p["revenue"], 25.0 * (p["active_paid"] + 1.2 * p["active_referral"]))
    np.testing.assert_allclose(p["gross_profit"], 0.6 * p["revenue"])
    np.testing.assert_allclose(p["cumulative_revenue"], p["revenue"].cumsum())
    np.testing.assert_allclose(p["marketing_spend"], 30_000 + 15.0 * p["new_referral"])
    np.testing.assert_allclose(p["cac"], p["marketing_spend"] / p["new_customers"])
    assert (p["leads"] == 20_000).all()
    assert p["referred_leads"].iloc[0] == 0  # nobody to refer before the first customers
    assert p["new_referral"].iloc[-1] > 0


def test_customer_stage_and_referral_entry_defaults():
    f = fs.aaarrr()
    assert GrowthParams(funnel=f).stage_indices == (1, 4)  # Acquisition, Revenue
    assert GrowthParams(funnel=f, customer_stage="Awareness").stage_indices == (0, 0)
    tltb = fs.trigger_learn_try_buy()
    assert GrowthParams(funnel=tltb).stage_indices == (1, 3)  # Learn, Buy (no Revenue stage)
    prm = GrowthParams(funnel=f, referral_entry="Activation", customer_stage="Retention")
    assert prm.conversion() == pytest.approx((0.3 * 0.5 * 0.6, 0.6))


def test_budget_buys_whole_leads():
    r = simulate_growth(3, budget=1_000.0, cost_per_lead=3.0, churn=0.1, seed=1)
    assert (r.periods["leads"] == 333).all()
    assert r.params.paid_leads == 333
    assert (simulate_growth(2, budget=0.0, cost_per_lead=3.0, seed=1).periods["leads"] == 0).all()


def test_budget_and_a_cac_buy_customers():
    # A budget and a cost per paid customer: the leads are those that make
    # budget / paid_cac customers on average through the funnel.
    f, budget, cac, reps = fs.aaarrr(), 50_000.0, 25.0, 200
    conv = f.reach[f.index("Revenue")]
    r = simulate_growth(2, funnel=f, budget=budget, paid_cac=cac, replications=reps, seed=7)
    leads = r.params.paid_leads
    assert leads == math.floor(budget / (cac * conv) * (1 + 1e-12))
    assert (r.periods["leads"] == leads).all()
    x = r.periods["new_paid"].to_numpy()
    se = math.sqrt(leads * conv * (1 - conv) / x.size)
    assert abs(x.mean() - budget / cac) < 4 * se + conv  # + conv: the rounding to whole leads
    # without a funnel every lead is a customer: leads = budget / paid_cac
    assert GrowthParams(budget=900.0, paid_cac=3.0).paid_leads == 300


def test_payback_is_infinite_when_customers_earn_nothing_and_one_period_at_churn_one():
    free = simulate_growth(3, new_leads=100, budget=1_000.0, arpu=0.0, seed=1).periods
    assert (free["payback_period"] == math.inf).all()
    once = simulate_growth(3, new_leads=100, budget=500.0, arpu=10.0, margin=0.5, churn=1.0, seed=1)
    # every customer pays 10 x 0.5 once; CAC = 500 / 100 = 5 is covered in one period
    assert (once.periods["payback_period"] == 1.0).all()
    dear = simulate_growth(3, new_leads=100, budget=600.0, arpu=10.0, margin=0.5, churn=1.0, seed=1)
    assert (dear.periods["payback_period"] == math.inf).all()  # CAC 6 > the one payment of 5
    nothing = simulate_growth(3, new_leads=0, budget=100.0, seed=1).periods
    assert nothing["payback_period"].isna().all()  # no new customers: undefined


def test_unit_economics_match_the_economics_module():
    r = simulate_growth(
        12, new_leads=1_000, budget=20_000, arpu=30.0, margin=0.8, churn=0.05, seed=5
    )
    u = r.unit_economics().iloc[0]
    p = r.periods
    assert u["cac"] == pytest.approx(p["marketing_spend"].sum() / p["new_customers"].sum())
    assert u["ltv"] == pytest.approx(ec.ltv(30.0, 0.8, 0.05))
    assert u["ltv_to_cac"] == pytest.approx(ec.ltv_to_cac(u["ltv"], u["cac"]))
    assert u["payback_period"] == ec.payback_period(u["cac"], 30.0, 0.8, 0.05)
    assert u["roi"] == pytest.approx((p["gross_profit"].sum() - 240_000) / 240_000)
    assert u["referral_share"] == 0.0
    assert u["cac_paid"] == pytest.approx(u["cac"])  # one channel: paid CAC is the blended one
    assert math.isnan(u["cac_referral"])  # no referred customers


def test_unit_economics_split_cac_by_channel_like_cac_by_channel():
    r = simulate_growth(
        10,
        new_leads=2_000,
        budget=8_000.0,
        invites_per_user=0.6,
        invite_conversion=0.5,
        referral_reward=12.0,
        seed=4,
    )
    u = r.unit_economics().iloc[0]
    p = r.periods
    table = ec.cac_by_channel(
        8_000.0 * 10, p["new_paid"].sum(), p["new_referral"].sum(), referral_reward=12.0
    ).set_index("channel")
    assert u["cac_paid"] == pytest.approx(table.loc["paid", "cac"])
    assert u["cac_referral"] == pytest.approx(table.loc["referral", "cac"]) == 12.0
    assert u["cac"] == pytest.approx(table.loc["blended", "cac"])


def test_referred_customers_retain_better_by_default():
    prm = GrowthParams(churn=0.137)
    assert prm.referred_churn == pytest.approx(0.1)
    paid_ltv, ref_ltv = dataclasses.replace(prm, arpu=10.0, margin=1.0).ltv()
    assert ref_ltv / paid_ltv == pytest.approx(1.37)


def test_long_and_by_channel_helpers():
    r = simulate_growth(6, new_leads=100, invites_per_user=1, invite_conversion=0.3, seed=2)
    long = r.long()
    assert list(long.columns) == ["period", "metric", "value"]
    assert len(long) == 6 * 7
    assert set(r.long(["revenue"])["metric"]) == {"revenue"}
    pd.testing.assert_frame_equal(r.long("revenue"), r.long(["revenue"]))  # one name is fine
    with pytest.raises(ValueError, match=r"unknown column\(s\) \['nope'\]"):
        r.long(["nope"])
    ch = r.by_channel()
    assert list(ch.columns) == ["period", "channel", "new", "active"]
    assert len(ch) == 12
    per = ch.groupby("period", observed=True)["active"].sum().to_numpy()
    np.testing.assert_array_equal(per, r.periods["active"])
    reps = simulate_growth(4, new_leads=10, replications=3, seed=1)
    assert list(reps.long().columns) == ["replication", "period", "metric", "value"]
    assert reps.unit_economics()["replication"].tolist() == [0, 1, 2]


def test_growth_is_deterministic_for_a_seed():
    kw = {
        "new_leads": 500,
        "invites_per_user": 2,
        "invite_conversion": 0.2,
        "market_size": 10**5,
    }
    a = simulate_growth(10, seed=8, replications=2, **kw)
    b = simulate_growth(10, seed=8, replications=2, **kw)
    pd.testing.assert_frame_equal(a.periods, b.periods)
    c = simulate_growth(10, seed=None, **kw)
    pd.testing.assert_frame_equal(c.periods, simulate_growth(10, seed=c.seed, **kw).periods)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"periods": 0}, ValueError, "periods must be in"),
        ({"new_leads": -1}, ValueError, "new_leads must be >= 0, got -1"),
        ({"budget": -5}, ValueError, "budget must be >= 0"),
        ({"cost_per_lead": 0}, ValueError, "cost_per_lead must be > 0, got 0"),
        ({"churn": 1.5}, ValueError, r"churn must be in \[0, 1\], got 1.5"),
        ({"churn": 0.8, "referred_churn_multiplier": 2}, ValueError, "must be <= 1"),
        ({"referred_churn_multiplier": 0}, ValueError, "referred_churn_multiplier must be > 0"),
        ({"margin": -0.1}, ValueError, r"margin must be in \[0, 1\]"),
        ({"invites_per_user": -1}, ValueError, "invites_per_user must be in"),
        ({"market_size": 10**10}, ValueError, "market_size must be in"),
        ({"initial_customers": 10, "market_size": 5}, ValueError, "market_size must be in .10,"),
        ({"customer_stage": "Revenue"}, ValueError, "need a funnel"),
        ({"funnel": "aaarrr"}, TypeError, "funnel must be a Funnel"),
        (
            {"funnel": fs.aaarrr(), "customer_stage": "Acquisition", "referral_entry": "Revenue"},
            ValueError,
            "comes after customer_stage",
        ),
        ({"colour": "red"}, TypeError, r"unknown growth parameter\(s\) \['colour'\]"),
        ({"params": {"churn": 0.1}}, TypeError, "params must be a GrowthParams"),
        ({"replications": 0}, ValueError, "replications must be >= 1"),
        ({"new_leads": None, "paid_cac": 0}, ValueError, "paid_cac must be > 0, got 0"),
        ({"new_leads": None, "cost_per_lead": "2"}, TypeError, "cost_per_lead must be a real"),
        (
            {"cost_per_lead": 2.0},
            ValueError,
            "at most one of new_leads, cost_per_lead and paid_cac",
        ),
        (
            {"new_leads": None, "cost_per_lead": 1.0, "paid_cac": 5.0},
            ValueError,
            r"got cost_per_lead = 1, paid_cac = 5",
        ),
        (
            {"new_leads": None, "paid_cac": 5.0, "funnel": fs.aaarrr(acquisition=0.0)},
            ValueError,
            "paid_cac=5.0 needs a funnel that converts paid leads",
        ),
        ({"new_leads": 10**13}, ValueError, "new_leads = 10000000000000 is more than 1e"),
        (
            {"new_leads": None, "budget": 1e9, "cost_per_lead": 1e-6},
            ValueError,
            "budget = 1000000000 buys 1e.15 leads, more than 1e",
        ),
        ({"initial_customers": -1}, ValueError, "initial_customers must be >= 0, got -1"),
        ({"invite_conversion": 1.1}, ValueError, r"invite_conversion must be in \[0, 1\]"),
        ({"referral_reward": -1}, ValueError, "referral_reward must be >= 0, got -1"),
        ({"arpu": -1}, ValueError, "arpu must be >= 0, got -1"),
        (
            {"referred_arpu_multiplier": 0},
            ValueError,
            "referred_arpu_multiplier must be > 0, got 0",
        ),
        (
            {"funnel": fs.aaarrr(), "customer_stage": "Loyalty"},
            ValueError,
            "no stage named 'Loyalty'",
        ),
        ({"referral_entry": "Activation"}, ValueError, "need a funnel"),
        ({"market_size": 2.5}, ValueError, "market_size must be a whole number"),
    ],
)
def test_growth_validates(kwargs, exc, match):
    args = {"periods": 5, "new_leads": 10, "seed": 0}
    args.update(kwargs)
    periods = args.pop("periods")
    with pytest.raises(exc, match=match):
        simulate_growth(periods, **args)


# -- growth model: closed forms ---------------------------------------------------------------


def test_constant_inflow_follows_the_geometric_recursion():
    leads, churn, reps, periods = 1_000, 0.1, 400, 24
    r = simulate_growth(periods, new_leads=leads, churn=churn, replications=reps, seed=13)
    by = r.periods.groupby("period")["active"]
    mean, se = by.mean().to_numpy(), by.std(ddof=1).to_numpy() / math.sqrt(reps)
    t = np.arange(1, periods + 1)
    expected = leads * (1 - (1 - churn) ** t) / churn
    assert np.all(np.abs(mean - expected) < 4 * se + 1e-9)
    assert (r.periods["new_paid"] == leads).all()  # no funnel: every lead is a customer


def test_funnel_conversion_sets_the_mean_of_new_customers():
    f, leads, reps = fs.aaarrr(), 100_000, 200
    r = simulate_growth(3, funnel=f, new_leads=leads, replications=reps, seed=3)
    x = r.periods["new_paid"].to_numpy()
    p = f.reach[f.index("Revenue")]
    assert abs(x.mean() - leads * p) < 4 * math.sqrt(leads * p * (1 - p) / x.size)
    assert r.params.conversion()[0] == pytest.approx(p)


def test_referral_growth_follows_the_linear_recursion():
    # Without a funnel and with equal churn, E[A_t] = (1 - churn + k) E[A_{t-1}] + leads.
    leads, churn, inv, conv, reps, periods = 200, 0.2, 0.5, 0.2, 400, 20
    r = simulate_growth(
        periods,
        new_leads=leads,
        churn=churn,
        invites_per_user=inv,
        invite_conversion=conv,
        referred_churn_multiplier=1.0,
        replications=reps,
        seed=17,
    )
    by = r.periods.groupby("period")["active"]
    mean, se = by.mean().to_numpy(), by.std(ddof=1).to_numpy() / math.sqrt(reps)
    a, expected = 0.0, []
    for _ in range(periods):
        a = (1 - churn + inv * conv) * a + leads
        expected.append(a)
    assert np.all(np.abs(mean - np.array(expected)) < 4 * se + 1e-9)


def test_explosive_referral_is_bounded_by_the_market():
    m = 50_000
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = simulate_growth(
            40,
            initial_customers=10,
            invites_per_user=5,
            invite_conversion=0.5,
            churn=0.01,
            market_size=m,
            replications=5,
            seed=6,
        )
    p = r.periods
    reached = 10 + p.groupby("replication")[["leads", "referred_leads"]].sum().sum(axis=1)
    assert (reached <= m).all()
    assert (reached > 0.9 * m).all()
    assert (p["active"] <= m).all()
    assert not r.capped


def test_explosive_referral_without_a_market_warns_and_stops():
    with pytest.warns(RuntimeWarning, match="without a market_size"):
        r = simulate_growth(
            200,
            initial_customers=10,
            invites_per_user=50,
            invite_conversion=1.0,
            churn=0.0,
            seed=1,
        )
    assert r.capped
    assert r.periods["period"].max() < 200
    assert r.periods["active"].iloc[-1] < 10**15


@given(
    leads=st.integers(0, 5_000),
    churn=st.floats(0, 1),
    ref_churn=st.floats(0.1, 1),
    inv=st.floats(0, 5),
    conv=st.floats(0, 1),
    market=st.one_of(st.none(), st.integers(10_000, 200_000)),
    initial=st.integers(0, 2_000),
    reps=st.integers(1, 3),
    seed=st.integers(0, 2**32),
)
def test_growth_invariants(leads, churn, ref_churn, inv, conv, market, initial, reps, seed):
    kw = {
        "funnel": fs.aaarrr(),
        "new_leads": leads,
        "initial_customers": initial,
        "churn": churn,
        "referred_churn_multiplier": ref_churn,
        "invites_per_user": inv,
        "invite_conversion": conv,
        "market_size": market,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        r = simulate_growth(15, replications=reps, seed=seed, **kw)
        again = simulate_growth(15, replications=reps, seed=seed, **kw)
    pd.testing.assert_frame_equal(r.periods, again.periods)
    p = r.periods
    by = p.groupby("replication") if reps > 1 else p.groupby(np.zeros(len(p), int))
    assert (p[["new_paid", "new_referral", "active", "churned"]] >= 0).all().all()
    # stock and flow: active = previous active - churned + new, starting from the initial base
    prev = by["active"].shift(fill_value=initial)
    np.testing.assert_array_equal(p["active"], prev - p["churned"] + p["new_customers"])
    np.testing.assert_array_equal(p["active"], p["active_paid"] + p["active_referral"])
    assert (p["new_paid"] <= p["leads"]).all() and (p["new_referral"] <= p["referred_leads"]).all()
    assert by["cumulative_revenue"].apply(lambda x: x.is_monotonic_increasing).all()
    if market is not None:
        reached = initial + by[["leads", "referred_leads"]].sum().sum(axis=1)
        assert (reached <= market).all()


def test_package_exports_growth():
    for name in (
        "simulate_growth",
        "simulate_funnel_with_referrals",
        "GrowthParams",
        "GrowthResult",
    ):
        assert name in fs.__all__ and hasattr(fs, name)


def test_growth_needs_some_acquisition_to_simulate():
    with pytest.raises(ValueError, match=r"nothing to simulate: no paid acquisition"):
        simulate_growth(12, seed=1)
    with pytest.raises(ValueError, match=r"budget = 5000 buys no leads without a price"):
        simulate_growth(12, budget=5000.0, seed=1)
    # an explicit zero inflow is a valid (if empty) model, e.g. a slider moved to 0
    assert simulate_growth(3, new_leads=0, seed=1).periods["active"].eq(0).all()


def test_invites_per_referrer_is_the_old_name_of_invites_per_user():
    f = fs.aaarrr()
    with pytest.warns(
        DeprecationWarning, match=r"use simulate_funnel_with_referrals\(invites_per_u"
    ):
        old = simulate_funnel_with_referrals(
            f, 5_000, invites_per_referrer=3, invite_conversion=0.5, seed=2
        )
    new = simulate_funnel_with_referrals(
        f, 5_000, invites_per_user=3, invite_conversion=0.5, seed=2
    )
    np.testing.assert_array_equal(old.counts, new.counts)


def test_invites_per_customer_is_the_old_name_of_invites_per_user():
    with pytest.warns(DeprecationWarning, match=r"simulate_growth\(invites_per_customer=\.\.\.\)"):
        old = simulate_growth(
            6, new_leads=100, invites_per_customer=1, invite_conversion=0.3, seed=2
        )
    new = simulate_growth(6, new_leads=100, invites_per_user=1, invite_conversion=0.3, seed=2)
    pd.testing.assert_frame_equal(old.periods, new.periods)
    with pytest.warns(DeprecationWarning, match=r"GrowthParams\(invites_per_customer=\.\.\.\)"):
        params = GrowthParams(invites_per_customer=0.7)
    assert params.invites_per_user == 0.7
    with pytest.warns(DeprecationWarning, match=r"GrowthParams\.invites_per_customer is dep"):
        assert params.invites_per_customer == 0.7
    with pytest.raises(TypeError, match=r"got both invites_per_customer= \(its old name\)"):
        simulate_growth(6, invites_per_customer=1, invites_per_user=1)


# -- inputs that change over time (lesson 02) ----------------------------------------------------


def _aaarrr_half() -> fs.Funnel:
    return fs.aaarrr(0.5, 0.5, 0.5, 0.5, 0.5)


def test_step_change_and_per_period_values() -> None:
    s = step_change(0.30, 0.45, at=4)
    assert s.per_period(6).tolist() == [0.30, 0.30, 0.30, 0.45, 0.45, 0.45]
    seq = Schedule.from_values([1, 1, 2, 2, 2, 3])
    assert seq.values == (1.0, 2.0, 3.0)
    assert seq.starts == (1, 3, 6)
    assert seq.length == 6
    assert seq.per_period(6).tolist() == [1, 1, 2, 2, 2, 3]
    with pytest.raises(ValueError, match=r"at must be >= 2, got 1"):
        step_change(1, 2, at=1)
    with pytest.raises(ValueError, match=r"starts must begin at period 1 and increase"):
        Schedule((1.0, 2.0), (1, 1))


def test_a_constant_schedule_is_the_scalar() -> None:
    kwargs = {"funnel": _aaarrr_half(), "churn": 0.1, "seed": 8, "replications": 3}
    plain = simulate_growth(12, new_leads=1_000, **kwargs)
    as_list = simulate_growth(12, new_leads=[1_000] * 12, **kwargs)
    as_rate = simulate_growth(
        12, new_leads=step_change(1_000, 1_000, at=5),
        rate_changes={"activation": step_change(0.5, 0.5, at=3)}, **kwargs,
    )  # fmt: skip
    pd.testing.assert_frame_equal(plain.periods, as_list.periods)
    pd.testing.assert_frame_equal(plain.periods, as_rate.periods)


def test_the_change_appears_in_the_period_it_starts() -> None:
    # Activation 0 before period 5 and 1 from it: nobody converts, then everyone past it.
    funnel = fs.aaarrr(1.0, 0.5, 1.0, 1.0, 1.0)
    r = simulate_growth(
        8,
        funnel=funnel,
        new_leads=step_change(100, 300, at=3),
        rate_changes={"Activation": step_change(0.0, 1.0, at=5)},
        churn=0.0,
        seed=1,
    )
    p = r.periods
    assert p["leads"].tolist() == [100, 100, 300, 300, 300, 300, 300, 300]
    assert p["new_paid"].tolist() == [0, 0, 0, 0, 300, 300, 300, 300]
    assert p["active"].tolist() == [0, 0, 0, 0, 300, 600, 900, 1200]
    assert r.params.rate_changes[0][0] == "Activation"  # stored by stage name


def test_the_expected_path_follows_the_recursion() -> None:
    # E[active_t] = (1 - churn) E[active_(t-1)] + leads_t × conversion_t, with
    # conversion_t the product of the period's step rates up to Revenue.
    funnel = fs.aaarrr(0.5, 0.3, 0.6, 0.4, 0.25)
    periods, churn, reps = 18, 0.1, 400
    leads = step_change(2_000, 3_000, at=6)
    activation = step_change(0.3, 0.45, at=10)
    r = simulate_growth(
        periods, funnel=funnel, new_leads=leads, rate_changes={"activation": activation},
        churn=churn, initial_customers=500, replications=reps, seed=3,
    )  # fmt: skip
    conversion = 0.5 * activation.per_period(periods) * 0.6 * 0.4
    expected, level = [], 500.0
    for t in range(periods):
        level = (1 - churn) * level + leads.per_period(periods)[t] * conversion[t]
        expected.append(level)
    stats = r.periods.groupby("period")["active"].agg(["mean", "std"])
    se = stats["std"] / math.sqrt(reps)
    assert (abs(stats["mean"] - np.array(expected)) < 4 * se + 1e-9).all()
    new = r.periods.groupby("period")["new_paid"].mean()
    want = leads.per_period(periods) * conversion
    assert (abs(new.to_numpy() - want) < 4 * np.sqrt(want / reps) + 1e-9).all()


def test_schedules_are_checked_with_field_period_and_value() -> None:
    funnel = _aaarrr_half()
    with pytest.raises(
        ValueError, match=r"new_leads from period 3 must be in \[0, 1000000000000\], got -5"
    ):
        GrowthParams(new_leads=step_change(100, -5, at=3))
    bad_rate = {"activation": step_change(0.3, 1.2, at=4)}
    with pytest.raises(
        ValueError, match=r"rate_changes\['activation'\] from period 4 must be in \[0, 1\], got 1.2"
    ):
        GrowthParams(funnel=funnel, rate_changes=bad_rate)
    with pytest.raises(
        ValueError, match=r"new_leads changes at period 40, after the last period 36"
    ):
        simulate_growth(36, new_leads=step_change(10, 20, at=40), seed=1)
    with pytest.raises(
        ValueError, match=r"new_leads has 10 per-period values, but the run has periods=12"
    ):
        simulate_growth(12, new_leads=[5] * 10, seed=1)
    with pytest.raises(
        ValueError, match=r"rate_changes\['awareness'\]: the stage must be a step after"
    ):
        GrowthParams(funnel=funnel, rate_changes={"awareness": step_change(0.1, 0.2, at=2)})
    with pytest.raises(ValueError, match=r"up to the customer stage 'Revenue', got 'Referral'"):
        GrowthParams(funnel=funnel, rate_changes={"referral": step_change(0.1, 0.2, at=2)})
    with pytest.raises(ValueError, match=r"rate_changes needs a funnel, got funnel=None"):
        GrowthParams(rate_changes={"activation": step_change(0.1, 0.2, at=2)})
    with pytest.raises(TypeError, match=r"rate_changes\['activation'\] must be a Schedule"):
        GrowthParams(funnel=funnel, rate_changes={"activation": 0.4})
    with pytest.raises(ValueError, match=r"stage 'Activation' is given twice"):
        GrowthParams(
            funnel=funnel,
            rate_changes={"activation": [0.1] * 3, "Activation": [0.2] * 3},
        )
    with pytest.raises(ValueError, match=r"no stage named 'onboarding' in funnel"):
        GrowthParams(funnel=funnel, rate_changes={"onboarding": step_change(0.1, 0.2, at=2)})


def test_relative_to_divides_by_the_reference_period() -> None:
    r = simulate_growth(10, new_leads=step_change(100, 200, at=5), churn=0.2, seed=2)
    rel = r.relative_to(4, ["leads", "active"])
    leads = rel[rel["metric"] == "leads"]
    assert leads["relative"].tolist() == [1.0] * 4 + [2.0] * 6
    active = rel[rel["metric"] == "active"].set_index("period")
    assert active.loc[7, "relative"] == pytest.approx(
        active.loc[7, "value"] / active.loc[4, "value"]
    )
    with pytest.raises(ValueError, match=r"period must be in \[1, 10\], got 11"):
        r.relative_to(11)
    with pytest.raises(ValueError, match=r"\['churned'\] are 0 in period 1"):
        r.relative_to(1, "churned")


def test_replace_with_the_old_invites_name_warns_and_works() -> None:
    base = GrowthParams(invites_per_user=0.2)
    with pytest.warns(DeprecationWarning, match=r"GrowthParams\(invites_per_customer=\.\.\.\)"):
        new = dataclasses.replace(base, invites_per_customer=0.7)
    assert new.invites_per_user == 0.7
    with pytest.raises(TypeError, match=r"got both invites_per_customer= \(its old name\)"):
        dataclasses.replace(base, invites_per_customer=0.7, invites_per_user=0.3)


def test_ltv_comes_from_unit_economics() -> None:
    prm = GrowthParams(arpu=30.0, margin=0.8, churn=0.05, referred_arpu_multiplier=1.5)
    paid, referred = prm.ltv()
    assert paid == ec.unit_economics(30.0, 0.8, 0.05).ltv
    assert referred == ec.unit_economics(45.0, 0.8, prm.referred_churn).ltv
    assert GrowthParams(churn=0.0).ltv()[0] == math.inf


def test_blended_payback_is_the_payback_of_the_acquired_mix():
    # Paid and referred customers with different ARPU and churn: the run's payback is
    # the first period where the share-weighted sum of their cumulative margins
    # covers the blended CAC (by brute force here), not one average customer's.
    r = simulate_growth(
        12,
        new_leads=2_000,
        budget=800_000,
        arpu=30.0,
        margin=0.8,
        churn=0.2,
        invites_per_user=0.2,
        invite_conversion=0.5,
        referred_arpu_multiplier=2.0,
        referred_churn_multiplier=0.25,
        seed=3,
    )
    prm = r.params
    whole = r.unit_economics().iloc[0]
    assert 0 < whole["referral_share"] < 1
    for row in (whole, *r.periods.to_dict("records")):
        s = (
            row["referral_share"]
            if "referral_share" in row
            else row["new_referral"] / row["new_customers"]
        )
        cac = row["cac"]
        t = np.arange(1_000)
        paid = prm.arpu * prm.margin * np.cumsum((1 - prm.churn) ** t)
        ref = prm.arpu * 2.0 * prm.margin * np.cumsum((1 - prm.referred_churn) ** t)
        mix = (1 - s) * paid + s * ref
        hit = np.flatnonzero(mix >= cac * (1 - 1e-12))
        want = float(hit[0] + 1) if hit.size else math.inf
        assert row["payback_period"] == want
        assert row["payback_period"] == ec.payback_period(
            cac,
            [prm.arpu, 2.0 * prm.arpu],
            prm.margin,
            [prm.churn, prm.referred_churn],
            weights=[1 - s, s],
        )
    # One "average" customer (the mix's ARPU, and the churn that gives the mix's LTV)
    # would pay back earlier (16 periods instead of 22 here).
    s, cac, ltv = whole["referral_share"], whole["cac"], whole["ltv"]
    arpu_mix = (1 - s) * prm.arpu + s * 2.0 * prm.arpu
    average = ec.payback_period(cac, arpu_mix, prm.margin, arpu_mix * prm.margin / ltv)
    assert average < whole["payback_period"]


# -- a budget that changes over time; no spend given (fix B) ------------------------------


def test_budget_schedule_buys_leads_per_period_and_is_the_spend():
    from funnelsim.growth import step_change

    # no funnel, churn 0: every lead is a customer at once, so CAC = price per lead exactly
    r = fs.simulate_growth(
        24, budget=step_change(20_000, 40_000, at=12), cost_per_lead=0.2, churn=0.0, seed=1
    )
    p = r.periods
    assert p["leads"].tolist() == [100_000] * 11 + [200_000] * 13
    assert p["marketing_spend"].tolist() == [20_000.0] * 11 + [40_000.0] * 13
    # closed form: spend 11 × 20,000 + 13 × 40,000 over 11 × 100,000 + 13 × 200,000 customers
    econ = r.unit_economics().iloc[0]
    assert econ["marketing_spend"] == 11 * 20_000 + 13 * 40_000
    assert econ["cac"] == pytest.approx(0.2)
    assert econ["cac_paid"] == pytest.approx(0.2)
    assert econ["ltv_to_cac"] == pytest.approx(econ["ltv"] / 0.2)


def test_budget_schedule_with_new_leads_is_only_the_spend():
    from funnelsim.growth import Schedule

    r = fs.simulate_growth(4, new_leads=1_000, budget=[100, 100, 300, 300], churn=0.0, seed=1)
    assert r.periods["leads"].tolist() == [1_000] * 4
    assert r.periods["cac"].tolist() == pytest.approx([0.1, 0.1, 0.3, 0.3])
    assert r.params.budget == Schedule.from_values([100, 100, 300, 300])
    with pytest.raises(ValueError, match=r"budget has 3 per-period values, but the run has"):
        fs.simulate_growth(4, new_leads=1_000, budget=[1, 2, 3], seed=1)
    with pytest.raises(ValueError, match=r"budget from period 2 must be >= 0, got -5"):
        fs.GrowthParams(new_leads=1, budget=[1, -5])


def test_new_leads_and_a_price_error_shows_the_value_as_written():
    from funnelsim.growth import step_change

    with pytest.raises(ValueError) as info:
        fs.GrowthParams(new_leads=step_change(100_000, 200_000, at=12), cost_per_lead=0.2)
    message = str(info.value)
    assert (
        "got new_leads = { before = 100000, after = 200000, at = 12 }, cost_per_lead = 0.2"
        in message
    )
    assert "Schedule(" not in message and "make budget a schedule" in message


def test_no_acquisition_spend_leaves_cac_undefined():
    r = fs.simulate_growth(
        12,
        new_leads=1_000,
        invites_per_user=0.2,
        invite_conversion=0.3,
        referral_reward=5.0,
        seed=1,
    )
    assert not r.params.spend_given
    econ = r.unit_economics().iloc[0]
    for col in ("cac", "ltv_to_cac", "payback_period", "cac_paid", "roi"):
        assert math.isnan(econ[col]), col
    assert econ["cac_referral"] == pytest.approx(5.0)  # the rewards are still known
    assert r.periods["cac"].isna().all()
    # with a budget the CAC is back: spend over new customers
    paid = fs.simulate_growth(12, new_leads=1_000, budget=500.0, churn=0.0, seed=1)
    assert paid.params.spend_given
    assert paid.unit_economics()["cac"].iloc[0] == pytest.approx(0.5)


# -- the churn model and discount of the scenario (issue 8 §1) --------------------------------

SBG = ChurnModel.sbg(0.72, 8.28)  # b2c_referral's [retention]: mean churn 8 %, polarization 0.1


def _old_geometric_path(periods, leads, churn, mult, invite_mean, initial, arpu, seed):
    """The geometric growth loop as it was before churn models: one Binomial per channel.

    No funnel, no market: paid leads are customers, invitees too; the draws are the
    old code's, in its order (Poisson invites, then each channel's survivors).
    """
    rng = np.random.default_rng(seed)
    active_p, active_r = np.int64(initial), np.int64(0)
    rows = []
    for _ in range(periods):
        new_p = np.int64(leads)
        new_r = rng.poisson((active_p + active_r) * invite_mean) if invite_mean > 0 else 0
        surv_p = rng.binomial(active_p, 1.0 - churn)
        surv_r = rng.binomial(active_r, 1.0 - churn * mult)
        churned = (active_p - surv_p) + (active_r - surv_r)
        active_p, active_r = surv_p + new_p, surv_r + new_r
        rows.append((new_p, new_r, active_p, active_r, churned, arpu * (active_p + active_r)))
    return np.array(rows, dtype=float)


@pytest.mark.parametrize("seed", [0, 7, 2024])
@pytest.mark.parametrize(
    "churn, mult, invite_mean, initial",
    [(0.05, 1.0, 0.0, 0), (0.08, 1 / 1.37, 0.06, 500), (0.3, 2.0, 0.4, 50)],
)
def test_geometric_churn_draws_exactly_as_before(seed, churn, mult, invite_mean, initial):
    r = simulate_growth(
        18,
        new_leads=300,
        churn=churn,
        referred_churn_multiplier=mult,
        invites_per_user=invite_mean,
        invite_conversion=1.0,
        initial_customers=initial,
        arpu=6.0,
        seed=seed,
    )
    want = _old_geometric_path(18, 300, churn, mult, invite_mean, initial, 6.0, seed)
    cols = ["new_paid", "new_referral", "active_paid", "active_referral", "churned", "revenue"]
    np.testing.assert_array_equal(r.periods[cols].to_numpy(dtype=float), want)
    # and a geometric ChurnModel is the same run as its probability
    same = simulate_growth(18, params=r.params, churn=ChurnModel.geometric(churn), seed=seed)
    pd.testing.assert_frame_equal(same.periods, r.periods)


def test_geometric_unit_economics_are_the_geometric_formulas():
    r = simulate_growth(
        24,
        new_leads=1_000,
        budget=30_000,
        churn=0.08,
        arpu=6.0,
        margin=0.8,
        invites_per_user=0.3,
        invite_conversion=0.2,
        seed=4,
    )
    whole = r.unit_economics().iloc[0]
    c, c_ref, per = 0.08, 0.08 / 1.37, 6.0 * 0.8
    s = whole["referral_share"]
    assert whole["ltv"] == pytest.approx((1 - s) * per / c + s * per / c_ref, rel=1e-12)
    assert whole["payback_period"] == ec.payback_period(
        whole["cac"], 6.0, 0.8, [c, c_ref], weights=[1 - s, s]
    )


def test_sbg_cohorts_survive_as_the_closed_form():
    # One cohort of n customers in period 1, nobody after: the active count in period
    # t + 1 is Binomial(n, S(t)) with S(t) = B(α, β + t) / B(α, β) (Fader & Hardie 2007).
    n, reps, periods = 2_000, 400, 25
    leads = Schedule.from_values([n] + [0] * (periods - 1))
    r = simulate_growth(periods, new_leads=leads, churn=SBG, replications=reps, seed=11)
    active = r.periods.pivot(index="replication", columns="period", values="active").to_numpy()
    s = np.asarray(SBG.survival(np.arange(periods)))
    se = np.sqrt(n * s * (1 - s) / reps)
    z = (active.mean(axis=0) - n * s)[1:] / se[1:]
    assert np.all(np.abs(z) < 4), z
    # the spread is binomial too (customers are independent): variance within 30 %
    np.testing.assert_allclose(active.var(axis=0, ddof=1)[1:], (n * s * (1 - s))[1:], rtol=0.3)
    # without new customers, the churned are the drop of the active count
    churned = r.periods.pivot(index="replication", columns="period", values="churned")
    np.testing.assert_array_equal(churned.to_numpy()[:, 1:], -np.diff(active, axis=1))


def test_referred_cohorts_churn_with_the_scaled_hazard():
    # No funnel: paid leads and accepted invitees are customers at once. The expected
    # path is linear, so it follows exactly from the survival functions: referred
    # entrants are λ × last period's active customers, and each cohort (paid or
    # referred) u periods old keeps S(u) (referred: the hazard × 0.5, an sBG again).
    periods, leads, lam, mult, reps = 18, 1_000, 0.05, 0.5, 300
    r = simulate_growth(
        periods,
        new_leads=leads,
        churn=SBG,
        referred_churn_multiplier=mult,
        invites_per_user=lam,
        invite_conversion=1.0,
        replications=reps,
        seed=8,
    )
    s_paid = np.asarray(SBG.survival(np.arange(periods)))
    s_ref = np.asarray(ec.scaled_churn_model(SBG, mult).survival(np.arange(periods)))
    new_r = np.zeros(periods)
    act_p, act_r = np.zeros(periods), np.zeros(periods)
    for t in range(periods):
        new_r[t] = lam * (act_p[t - 1] + act_r[t - 1]) if t else 0.0
        act_p[t] = leads * s_paid[: t + 1].sum()
        act_r[t] = np.sum(new_r[: t + 1] * s_ref[t::-1])
    got = r.periods.pivot(index="replication", columns="period", values="active_referral")
    mean, se = got.mean().to_numpy(), got.std(ddof=1).to_numpy() / np.sqrt(reps)
    z = (mean - act_r)[2:] / se[2:]
    assert np.all(np.abs(z) < 4), z
    paid = r.periods.pivot(index="replication", columns="period", values="active_paid")
    zp = (paid.mean().to_numpy() - act_p)[1:] / (paid.std(ddof=1).to_numpy()[1:] / np.sqrt(reps))
    assert np.all(np.abs(zp) < 4), zp


def test_growth_ltv_and_payback_use_the_churn_model_and_discount():
    prm = GrowthParams(arpu=6.0, margin=0.8, churn=SBG, discount=0.01)
    paid, referred = prm.ltv()
    assert paid == ec.unit_economics(6.0, 0.8, SBG, discount=0.01).ltv
    t = np.arange(20_000)  # Σ_t margin × S(t) / (1 + d)^t, the tail beyond is < 1e-80
    assert paid == pytest.approx(4.8 * np.sum(SBG.survival(t) / 1.01**t), rel=1e-9)
    assert referred == ec.unit_economics(6.0, 0.8, prm.referred_churn_model, discount=0.01).ltv
    assert prm.referred_churn_model == ec.scaled_churn_model(SBG, prm.referred_churn_multiplier)
    # geometric and discounted: the closed form (1 + d) / (d + churn)
    geo = GrowthParams(arpu=10.0, margin=0.5, churn=0.1, discount=0.02)
    assert geo.ltv()[0] == pytest.approx(5.0 * 1.02 / 0.12, rel=1e-12)
    r = simulate_growth(
        24,
        budget=20_000,
        cost_per_lead=0.2,
        funnel=fs.aaarrr(0.12, 0.35, 0.55, 0.18, 0.3),
        invites_per_user=0.3,
        invite_conversion=0.2,
        referral_reward=10.0,
        arpu=6.0,
        margin=0.8,
        churn=SBG,
        discount=0.01,
        seed=2024,
    )
    whole = r.unit_economics().iloc[0]
    s = whole["referral_share"]
    assert whole["ltv"] == pytest.approx((1 - s) * paid + s * referred, rel=1e-12)
    assert whole["payback_period"] == ec.payback_period(
        whole["cac"],
        [6.0, 6.0],
        0.8,
        [SBG, prm.referred_churn_model],
        0.01,
        weights=[1 - s, s],
    )


def test_sbg_churn_with_the_multiplier_is_checked_in_its_first_period():
    with pytest.raises(ValueError, match=r"first period's sBG hazard α / \(α \+ β\) = 0.25 × 5"):
        GrowthParams(churn=ChurnModel.sbg(1.0, 3.0), referred_churn_multiplier=5.0)
    with pytest.raises(ValueError, match=r"discount must be >= 0, got -0.01"):
        GrowthParams(discount=-0.01)


def test_expansion_grows_each_customer_s_revenue_with_their_age():
    # nobody churns: one cohort of 100 pays arpu × (1 + g)^age, exactly
    leads = Schedule.from_values([100, 0, 0, 0, 0, 0])
    r = simulate_growth(6, new_leads=leads, churn=0.0, arpu=10.0, expansion=0.1, discount=0.2)
    np.testing.assert_allclose(r.periods["revenue"], 1_000 * 1.1 ** np.arange(6), rtol=1e-12)
    # sBG churn: the expected revenue of the cohort is n × arpu × S(t) × (1 + g)^t
    n, reps = 1_000, 300
    r = simulate_growth(
        12,
        new_leads=Schedule.from_values([n] + [0] * 11),
        churn=SBG,
        arpu=1.0,
        expansion=0.02,
        discount=0.03,  # the sBG LTV is finite only when discounting beats expansion
        replications=reps,
        seed=3,
    )
    rev = r.periods.pivot(index="replication", columns="period", values="revenue").to_numpy()
    t = np.arange(12)
    s = np.asarray(SBG.survival(t))
    se = 1.02**t * np.sqrt(n * s * (1 - s) / reps)
    z = (rev.mean(axis=0) - n * s * 1.02**t)[1:] / se[1:]
    assert np.all(np.abs(z) < 4), z
    # the LTV and payback count the expansion (and a horizon) by the one function
    prm = GrowthParams(arpu=6.0, margin=0.8, churn=0.05, expansion=0.01, horizon=36)
    assert prm.ltv()[0] == ec.unit_economics(6.0, 0.8, 0.05, expansion=0.01, horizon=36).ltv
    with pytest.raises(ValueError, match=r"the lifetime value is infinite"):
        GrowthParams(churn=0.01, expansion=0.05)
    # a bad ARPU is named as such, before the expansion's LTV is tried
    with pytest.raises(TypeError, match=r"arpu must be a real number, got 'x'"):
        GrowthParams(arpu="x", expansion=0.01)
