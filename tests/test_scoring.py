"""Tests for funnelsim.scoring: BANT, the BANT pipeline, RFM."""

from __future__ import annotations

import math
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import funnelsim as fs
from funnelsim.datasets import load_cdnow
from funnelsim.scoring import (
    BANT_COLUMNS,
    bant_score,
    rfm,
    rfm_summary,
    simulate_bant_pipeline,
)


def _accounts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account": ["Acme", "Beta", "Gamma", "Delta"],
            "budget": [5, 2, 4, 5],
            "authority": [4, 5, 3, 4],
            "need": [5, 5, 5, 3],
            "time": [3, 1, 5, 5],
            "region": ["EU", "US", "EU", "US"],
        }
    )


# -- BANT -------------------------------------------------------------------------------


def test_bant_by_hand_with_a_stable_tie():
    out = bant_score(_accounts())
    # Acme 5*4*5*3 = 300, Beta 50, Gamma 4*3*5*5 = 300, Delta 5*4*3*5 = 300.
    assert out["account"].tolist() == ["Acme", "Gamma", "Delta", "Beta"]  # ties keep input order
    assert out["bant"].tolist() == [300, 300, 300, 50]
    assert out["rank"].tolist() == [1, 2, 3, 4]
    assert out["region"].tolist() == ["EU", "EU", "US", "US"]  # other columns travel along
    assert out["bant"].dtype == np.int64


def test_bant_uses_index_when_account_is_none():
    df = _accounts().set_index("account")
    out = bant_score(df, account=None)
    assert out["account"].tolist() == ["Acme", "Gamma", "Delta", "Beta"]
    bad = df.copy()
    bad.loc["Gamma", "time"] = 0
    with pytest.raises(ValueError, match=r"BANT score 'time' for account 'Gamma'"):
        bant_score(bad, account=None)


@pytest.mark.parametrize(
    ("column", "value", "match"),
    [
        ("need", 6, r"BANT score 'need' for account 'Beta' must be an integer from 1 to 5, got 6$"),
        (
            "budget",
            0,
            r"BANT score 'budget' for account 'Beta' must be an integer from 1 to 5, got 0",
        ),
        (
            "time",
            2.5,
            r"BANT score 'time' for account 'Beta' must be an integer from 1 to 5, got 2.5",
        ),
        ("authority", np.nan, r"BANT score 'authority' for account 'Beta' is missing"),
        ("authority", None, r"BANT score 'authority' for account 'Beta' is missing"),
        ("need", "high", r"BANT score 'need' for account 'Beta' must be an integer .* got 'high'"),
    ],
)
def test_bant_bad_scores_name_account_and_column(column, value, match):
    df = _accounts()
    df[column] = df[column].astype(object)
    df.loc[1, column] = value
    with pytest.raises(ValueError, match=match):
        bant_score(df)


def test_bant_counts_other_bad_values_and_checks_columns():
    df = _accounts()
    df["need"] = [9, 9, 9, 5]
    with pytest.raises(ValueError, match=r"account 'Acme' .* got 9 \(2 more bad value\(s\)"):
        bant_score(df)
    with pytest.raises(ValueError, match=r"accounts is missing column\(s\) \['time'\]"):
        bant_score(_accounts().drop(columns="time"))
    with pytest.raises(TypeError, match=r"accounts must be a pandas DataFrame, got list"):
        bant_score([1, 2, 3])  # type: ignore[arg-type]
    df = _accounts()
    df["need"] = True
    with pytest.raises(TypeError, match=r"BANT column 'need' must hold integers 1-5, got booleans"):
        bant_score(df)


scores_1_5 = st.lists(st.tuples(*[st.integers(1, 5)] * 4), min_size=1, max_size=40)


@given(scores_1_5)
def test_bant_is_the_product_sorted_descending(rows):
    df = pd.DataFrame(rows, columns=list(BANT_COLUMNS))
    df.insert(0, "account", [f"a{i}" for i in range(len(df))])
    out = bant_score(df)
    assert out["bant"].is_monotonic_decreasing
    assert sorted(out["bant"]) == sorted(np.prod(rows, axis=1))
    np.testing.assert_array_equal(out[list(BANT_COLUMNS)].prod(axis=1), out["bant"])
    # Stable ties: within equal products, input order is kept.
    pos = out["account"].str[1:].astype(int)
    for _, g in out.assign(pos=pos).groupby("bant"):
        assert g["pos"].is_monotonic_increasing


@given(
    scores_1_5,
    st.sampled_from(BANT_COLUMNS),
    st.one_of(st.integers(6, 100), st.integers(-100, 0), st.just(3.5), st.just(float("nan"))),
    st.data(),
)
@settings(max_examples=50)
def test_any_bad_score_is_reported_where_it_is(rows, column, value, data):
    df = pd.DataFrame(rows, columns=list(BANT_COLUMNS)).astype(float)
    df.insert(0, "account", [f"acct-{i}" for i in range(len(df))])
    i = data.draw(st.integers(0, len(df) - 1))
    df.loc[i, column] = value
    with pytest.raises(ValueError, match=rf"BANT score '{column}' for account 'acct-{i}'"):
        bant_score(df)


# -- the BANT pipeline ------------------------------------------------------------------


def test_bant_pipeline_prioritising_pays_when_bant_is_informative():
    res = simulate_bant_pipeline(2_000, capacity=200, strength=1.0, seed=1)
    s = res.summary().set_index("strategy")
    assert s.loc["bant", "expected_wins"] > 2 * s.loc["random", "expected_wins"]
    a = res.accounts
    # Exact link: an all-3 account wins with base_win; odds proportional to BANT.
    all3 = a[(a[list(BANT_COLUMNS)] == 3).all(axis=1)]
    np.testing.assert_allclose(all3["p_win"], 0.1)
    odds = a["p_win"] / (1 - a["p_win"])
    np.testing.assert_allclose(odds / a["bant"], (0.1 / 0.9) / 81)
    assert a["random_pick"].sum() == 200
    assert "BantPipeline(accounts=2000" in repr(res)


def test_bant_pipeline_buys_nothing_when_bant_is_noise():
    res = simulate_bant_pipeline(1_000, capacity=100, strength=0.0, base_win=0.2, seed=2)
    s = res.summary().set_index("strategy")
    assert s.loc["bant", "expected_wins"] == pytest.approx(s.loc["random", "expected_wins"])
    assert s.loc["random", "expected_wins"] == pytest.approx(20.0)


def test_bant_gain_curve_ends_meet():
    res = simulate_bant_pipeline(300, capacity=30, seed=3)
    g = res.gain_curve()
    ends = g[g["accounts_worked"] == 300].set_index("strategy")["expected_wins"]
    assert ends["bant"] == pytest.approx(ends["random"])
    bant = g[g["strategy"] == "bant"]["expected_wins"].to_numpy()
    assert np.all(bant >= g[g["strategy"] == "random"]["expected_wins"].to_numpy() - 1e-9)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_accounts": 0}, r"n_accounts must be in \[1, 10000000\], got 0"),
        ({"capacity": 2000}, r"capacity must be in \[0, 1000\], got 2000"),
        ({"base_win": 1.0}, r"base_win must be in \(0, 1\), got 1.0"),
        ({"strength": -1}, r"strength must be >= 0, got -1"),
    ],
)
def test_bant_pipeline_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        simulate_bant_pipeline(**{"n_accounts": 1000, "seed": 0, **kwargs})


# -- RFM ----------------------------------------------------------------------------------


def _transactions() -> pd.DataFrame:
    # Five customers with distinct recency, frequency and spend.
    rows = [
        ("a", "2024-01-01", 10.0),
        ("b", "2024-02-01", 20.0),
        ("b", "2024-02-02", 20.0),
        ("c", "2024-03-01", 30.0),
        ("c", "2024-03-02", 30.0),
        ("c", "2024-03-03", 30.0),
        ("d", "2024-04-01", 100.0),
        ("d", "2024-04-02", 100.0),
        ("d", "2024-04-03", 100.0),
        ("d", "2024-04-04", 100.0),
        ("e", "2024-05-01", 1.0),
        ("e", "2024-05-02", 1.0),
        ("e", "2024-05-03", 1.0),
        ("e", "2024-05-04", 1.0),
        ("e", "2024-05-05", 1.0),
    ]
    df = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    df["date"] = pd.to_datetime(df["date"])
    return df


def test_rfm_by_hand():
    out = rfm(_transactions()).set_index("customer_id")
    assert out["frequency"].tolist() == [1, 2, 3, 4, 5]
    assert out["monetary"].tolist() == [10.0, 40.0, 90.0, 400.0, 5.0]
    assert out.loc["e", "recency"] == 0.0 and out.loc["a", "recency"] == 125.0
    assert out["r"].tolist() == [1, 2, 3, 4, 5]
    assert out["f"].tolist() == [1, 2, 3, 4, 5]
    assert out["m"].tolist() == [2, 3, 4, 5, 1]
    assert out["rfm_code"].tolist() == ["112", "223", "334", "445", "551"]
    assert out["rfm_score"].tolist() == [4, 7, 10, 13, 11]
    assert out["segment"].astype(str).tolist() == [
        "Hibernating",
        "Hibernating",
        "Need attention",
        "Loyal",
        "Champions",
    ]


def test_rfm_ties_share_a_score_and_as_of_shifts_recency():
    tx = pd.DataFrame(
        {
            "cust": ["a", "b", "c", "d"],
            "day": ["2024-01-10"] * 4,
            "value": [5.0, 5.0, 5.0, 50.0],
        }
    )
    out = rfm(tx, customer="cust", date="day", amount="value", as_of="2024-01-20", bins=4)
    assert out["recency"].tolist() == [10.0] * 4
    assert out["r"].tolist() == [4, 4, 4, 4]  # everyone tied at the best value: the best score
    assert out["f"].tolist() == [4, 4, 4, 4]
    assert out["m"].tolist() == [1, 1, 1, 4]  # a tie at the worst value: the worst score
    assert list(out.columns[:1]) == ["cust"]


@given(st.permutations(range(15)))
@settings(max_examples=25)
def test_rfm_does_not_depend_on_row_order(order):
    tx = _transactions()
    a = rfm(tx)
    b = rfm(tx.iloc[list(order)])
    pd.testing.assert_frame_equal(a, b)


def test_rfm_summary_counts_every_customer():
    scores = rfm(_transactions())
    s = rfm_summary(scores)
    assert s["customers"].sum() == 5 and s["share"].sum() == pytest.approx(1.0)
    assert s["share_of_revenue"].sum() == pytest.approx(1.0)
    assert len(s) == len(fs.RFM_SEGMENTS)  # empty segments kept


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (
            lambda d: d.drop(columns="amount"),
            ValueError,
            r"transactions is missing column\(s\) \['amount'\]",
        ),
        (
            lambda d: d.assign(amount="x"),
            TypeError,
            r"column 'amount' must be numeric, got text like 'x'",
        ),
        (
            lambda d: d.assign(amount=[np.nan] + [1.0] * 14),
            ValueError,
            r"column 'amount' must be a finite number, got nan at row 0",
        ),
        (
            lambda d: d.assign(date=[pd.NaT, *d["date"][1:]]),
            ValueError,
            r"column 'date' is missing a date at row 0",
        ),
        (
            lambda d: d.assign(date="not a date"),
            ValueError,
            r"column 'date' holds dates written like 'not a date', which is not ISO 8601",
        ),
        (
            lambda d: d.assign(date=d["date"].dt.strftime("%d.%m.%Y")),
            ValueError,
            r"column 'date' holds dates written like '01.01.2024'.*pass date_format=",
        ),
        (
            lambda d: d.assign(date=np.arange(15)),
            TypeError,
            r"column 'date' must hold dates \(datetimes or text\), got dtype int64",
        ),
        (
            lambda d: d.assign(customer_id=[None] + ["x"] * 14),
            ValueError,
            r"column 'customer_id' is missing at row 0",
        ),
        (lambda d: d.iloc[:0], ValueError, r"transactions is empty"),
    ],
)
def test_rfm_validation(change, error, match):
    with pytest.raises(error, match=match):
        rfm(change(_transactions()))


def test_rfm_parameter_validation():
    tx = _transactions()
    with pytest.raises(ValueError, match=r"bins must be in \[2, 9\], got 10"):
        rfm(tx, bins=10)
    with pytest.raises(
        ValueError, match=r"as_of 2024-03-01 is before the last transaction \(2024-05-05\)"
    ):
        rfm(tx, as_of="2024-03-01")
    with pytest.raises(ValueError, match=r"as_of holds dates written like 'soon'"):
        rfm(tx, as_of="soon")
    with pytest.raises(ValueError, match=r"as_of holds dates written like '31.12.2024'"):
        rfm(tx, as_of="31.12.2024")
    with pytest.raises(TypeError, match=r"as_of must be a date .*got 20240601"):
        rfm(tx, as_of=20240601)
    with pytest.raises(ValueError, match=r"frequency must be one of \['days', 'orders'\]"):
        rfm(tx, frequency="rows")
    with pytest.raises(TypeError, match=r"give date_format or dayfirst, not both"):
        rfm(tx, date_format="%Y-%m-%d", dayfirst=True)


def test_rfm_on_the_real_cdnow_log_is_fast_and_complete():
    tx = load_cdnow()
    start = time.perf_counter()
    out = rfm(tx)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"rfm on CDNOW took {elapsed:.2f} s"
    assert len(out) == 23_570 and out["customer_id"].is_unique
    assert out["frequency"].sum() == 67_591  # distinct customer-days (datasheet)
    orders = rfm(tx, frequency="orders")
    assert orders["frequency"].sum() == len(tx)
    assert out["monetary"].sum() == pytest.approx(tx["amount"].sum())
    for col in ("r", "f", "m"):
        assert out[col].between(1, 5).all()
    # Tie rule: every one-time buyer shares f = 1, and only they do.
    assert ((out["frequency"] == 1) == (out["f"] == 1)).all()
    # Recency and spend have few ties: close to equal quintiles.
    for col in ("r", "m"):
        shares = out[col].value_counts(normalize=True)
        assert np.allclose(shares, 0.2, atol=0.02), shares
    assert out["recency"].min() == 0.0
    assert rfm_summary(out)["customers"].sum() == 23_570


# -- review additions ---------------------------------------------------------------------


def test_bant_pipeline_wins_are_within_their_standard_error():
    # Given the scores, wins are independent Bernoulli(p_win): a Poisson-binomial
    # count with mean sum p and variance sum p (1 - p), for both strategies.
    res = simulate_bant_pipeline(5_000, capacity=1_000, strength=1.0, seed=4)
    a = res.accounts
    s = res.summary().set_index("strategy")
    for strategy, worked in (("bant", a["rank"] <= 1_000), ("random", a["random_pick"])):
        p = a.loc[worked, "p_win"].to_numpy()
        assert s.loc[strategy, "wins"] == int(a.loc[worked, "won"].sum())
        assert abs(s.loc[strategy, "wins"] - p.sum()) < 4 * np.sqrt(np.sum(p * (1 - p)))
    # Over all accounts, the same law holds for the realised wins.
    p = a["p_win"].to_numpy()
    assert abs(a["won"].sum() - p.sum()) < 4 * np.sqrt(np.sum(p * (1 - p)))


def _rule_cells(rule: str) -> set[tuple[int, int]]:
    """'R 3-4, F 4-5' -> {(3, 4), (3, 5), (4, 4), (4, 5)}."""
    spans = []
    for part in rule.split(","):
        low, _, high = part.split()[1].partition("-")
        spans.append(range(int(low), int(high or low) + 1))
    return {(r, f) for r in spans[0] for f in spans[1]}


def test_rfm_segment_rules_are_exactly_the_segments_assigned():
    # Every (R, F) cell of the 5-point grid gets the segment whose documented rule covers it.
    cells = {}
    for segment, rule in zip(fs.RFM_SEGMENTS["segment"], fs.RFM_SEGMENTS["rule"], strict=True):
        for cell in _rule_cells(rule):
            assert cell not in cells, (cell, segment, cells.get(cell))
            cells[cell] = segment
    assert len(cells) == 25
    # One customer per (R, F) cell: R from recency rank, F from frequency rank.
    rows = []
    for r in range(1, 6):
        for f in range(1, 6):
            cust = f"c{r}{f}"
            day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=r)
            rows += [(cust, day, 1.0)] * f
    tx = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    out = rfm(tx, frequency="orders").set_index("customer_id")  # f orders on one day
    for (r, f), segment in cells.items():
        row = out.loc[f"c{r}{f}"]
        assert (row["r"], row["f"]) == (r, f)
        assert row["segment"] == segment


def test_rfm_scores_on_cdnow_follow_the_tie_rule_exactly():
    from scipy import stats

    tx = load_cdnow()
    out = rfm(tx)
    n = len(out)
    for col, value in (("r", -out["recency"]), ("f", out["frequency"]), ("m", out["monetary"])):
        below = stats.rankdata(value, method="min") - 1
        above = n - stats.rankdata(value, method="max")
        others = below + above
        expected = np.where(others == 0, 5, np.minimum(5, 1 + (5 * below) // others))
        np.testing.assert_array_equal(out[col], expected)


def test_rfm_output_names_and_time_zones():
    tx = _transactions()
    with pytest.raises(ValueError, match=r"customer column 'r' would clash with an output column"):
        rfm(tx.rename(columns={"customer_id": "r"}), customer="r")
    aware = tx.assign(date=tx["date"].dt.tz_localize("UTC"))
    with pytest.raises(
        ValueError, match=r"as_of and transactions\['date'\] must both carry a time"
    ):
        rfm(aware, as_of="2024-06-01")
    assert rfm(aware, as_of=pd.Timestamp("2024-05-06", tz="UTC"))["recency"].min() == 1.0
    with pytest.raises(ValueError, match=r"scores is missing column\(s\) \['segment'\]"):
        rfm_summary(rfm(tx).drop(columns="segment"))
    with pytest.raises(TypeError, match=r"scores must be a pandas DataFrame, got list"):
        rfm_summary([1, 2])  # type: ignore[arg-type]


# -- issue 9: ties, small tables, dates, frequency -----------------------------------------


def _same_day(n_last: int, n: int = 10) -> pd.DataFrame:
    """n customers, one purchase each; n_last of them on the last day, the rest earlier."""
    days = [pd.Timestamp("2024-05-01")] * n_last + [
        pd.Timestamp("2024-04-01") - pd.Timedelta(days=i) for i in range(n - n_last)
    ]
    return pd.DataFrame(
        {"customer_id": [f"c{i:02d}" for i in range(n)], "date": days, "amount": 10.0}
    )


def test_rfm_a_tie_at_the_best_value_gets_the_best_score():
    everyone = rfm(_same_day(10))
    assert everyone["r"].tolist() == [5] * 10
    assert everyone["recency"].tolist() == [0.0] * 10
    assert not (everyone["segment"] == "Hibernating").any()
    assert set(everyone["segment"].astype(str)) == {"Champions"}  # one value: best everywhere
    six = rfm(_same_day(6)).set_index("customer_id")
    # The earlier four have below = 3, 2, 1, 0 worse customers among the 9 others each:
    # 1 + floor(5 * below / 9) = 2, 2, 1, 1.
    assert six["r"].tolist() == [5] * 6 + [2, 2, 1, 1]
    assert six["recency"].tolist() == [0.0] * 6 + [30.0, 31.0, 32.0, 33.0]


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_rfm_small_tables_span_the_whole_scale(n):
    tx = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n), unit="D"),
            "amount": np.arange(1.0, n + 1),
        }
    )
    out = rfm(tx)
    assert out["r"].min() == 1 and out["r"].max() == 5
    assert out["m"].min() == 1 and out["m"].max() == 5
    expected = [min(5, 1 + (5 * k) // (n - 1)) for k in range(n)]
    assert out["m"].tolist() == expected
    for bins in (2, 3, 7, 9):
        scored = rfm(tx, bins=bins)
        assert scored["m"].min() == 1 and scored["m"].max() == bins


def test_rfm_reads_day_first_dates_only_when_told():
    tx = pd.DataFrame(
        {"customer_id": ["a", "b"], "date": ["08.03.2014", "01.12.2014"], "amount": [5.0, 7.0]}
    )
    with pytest.raises(ValueError, match=r"'08.03.2014', which is not ISO 8601"):
        rfm(tx, as_of="2014-12-31")
    for kwargs in ({"dayfirst": True}, {"date_format": "%d.%m.%Y"}):
        out = rfm(tx, as_of="31.12.2014", **kwargs)
        assert out["recency"].tolist() == [298.0, 30.0]
    month_first = rfm(tx, as_of="12.31.2014", dayfirst=False)
    assert month_first["recency"].tolist() == [
        (pd.Timestamp("2014-12-31") - pd.Timestamp(d)).days for d in ("2014-08-03", "2014-01-12")
    ]
    with pytest.raises(
        ValueError, match=r"must hold dates in the format '%d.%m.%Y', got '2014-13'"
    ):
        rfm(tx.assign(date=["01.01.2014", "2014-13"]), date_format="%d.%m.%Y")


def test_rfm_frequency_counts_days_or_orders_and_agrees_with_repeat_purchase_rate():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b", "b", "c"],
            "date": pd.to_datetime(
                ["2024-01-01 09:00", "2024-01-01 17:00", "2024-01-02 00:00",
                 "2024-01-05 00:00", "2024-01-05 00:00", "2024-01-07 00:00"]
            ),
            "amount": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )  # fmt: skip
    days = rfm(tx).set_index("customer_id")
    assert days["frequency"].to_dict() == {"a": 1, "b": 2, "c": 1}
    orders = rfm(tx, frequency="orders").set_index("customer_id")
    assert orders["frequency"].to_dict() == {"a": 2, "b": 3, "c": 1}
    assert days["monetary"].to_dict() == {"a": 3.0, "b": 12.0, "c": 6.0}
    repeat = fs.repeat_purchase_rate(tx)["repeat_customers"].iloc[0]
    assert repeat == int((days["frequency"] >= 2).sum()) == 1
    cdnow = load_cdnow()
    scores = rfm(cdnow)
    assert int((scores["frequency"] >= 2).sum()) == 11_516
    assert fs.repeat_purchase_rate(cdnow)["repeat_customers"].iloc[0] == 11_516


def test_rfm_every_column_by_hand():
    tx = pd.DataFrame(
        {
            "customer_id": ["x", "y", "y", "z", "z", "z"],
            "date": pd.to_datetime(
                ["2024-03-01", "2024-03-05", "2024-03-09", "2024-03-02", "2024-03-08",
                 "2024-03-10"]
            ),
            "amount": [50.0, 10.0, 10.0, 5.0, 5.0, 10.0],
        }
    )  # fmt: skip
    out = rfm(tx, as_of="2024-03-11", bins=3)
    assert out["customer_id"].tolist() == ["x", "y", "z"]
    assert out["recency"].tolist() == [10.0, 2.0, 1.0]
    assert out["frequency"].tolist() == [1, 2, 3]
    assert out["monetary"].tolist() == [50.0, 20.0, 20.0]
    # n = 3 distinct recencies/frequencies: 1 + floor(3 * k / 2) -> 1, 2, 3 (capped).
    assert out["r"].tolist() == [1, 2, 3]
    assert out["f"].tolist() == [1, 2, 3]
    # Monetary: y and z tie at the worst value (1); x is best (3).
    assert out["m"].tolist() == [3, 1, 1]
    assert out["rfm_code"].tolist() == ["113", "221", "331"]
    assert out["rfm_score"].tolist() == [5, 5, 7]
    # 5-point R and F: ceil(score * 5 / 3) = 2, 4, 5.
    assert out["segment"].astype(str).tolist() == ["Hibernating", "Loyal", "Champions"]
    summary = rfm_summary(out).set_index("segment")
    assert summary.loc["Champions", "customers"] == 1
    assert summary.loc["Champions", "mean_recency"] == 1.0
    assert summary.loc["Loyal", "mean_frequency"] == 2.0
    assert summary.loc["Hibernating", "mean_monetary"] == 50.0
    assert summary.loc["Hibernating", "total_monetary"] == 50.0
    assert summary.loc["Hibernating", "share_of_revenue"] == pytest.approx(50 / 90)
    assert summary.loc["Loyal", "share"] == pytest.approx(1 / 3)
    assert summary.loc["At risk", "customers"] == 0


def test_rfm_time_zone_aware_dates_raise_no_warning():
    tx = _transactions()
    aware = tx.assign(date=tx["date"].dt.tz_localize("Europe/Moscow"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = rfm(aware)
    pd.testing.assert_frame_equal(out, rfm(tx))


@given(
    values=st.lists(st.integers(0, 6), min_size=1, max_size=25),
    bins=st.integers(2, 9),
    scale=st.sampled_from([1.0, 0.37]),  # whole numbers (counted) and fractions (sorted)
)
@settings(max_examples=60, deadline=None)
def test_rfm_tie_rule_matches_its_definition(values, bins, scale):
    from funnelsim.scoring import _quantile_score

    x = np.array(values, dtype=float) * scale
    got = _quantile_score(x, bins)
    for k, v in enumerate(x):
        below, above = int((x < v).sum()), int((x > v).sum())
        want = bins if below + above == 0 else min(bins, 1 + bins * below // (below + above))
        assert got[k] == want
    if len(set(values)) > 1:  # any two distinct values span the whole scale
        assert got.min() == 1 and got.max() == bins
    assert (got[x == x.max()] == bins).all()  # a tie at the best value gets the best score
    assert (got[x == x.min()] == (1 if len(set(values)) > 1 else bins)).all()


def _dotted_transactions(amounts: list) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "date": ["01.05.2024", "20.05.2024", "31.05.2024"],
            "amount": amounts,
        }
    )


@pytest.mark.parametrize("as_of", ["2024-05-31", "2024-05-31T00:00", "31.05.2024"])
def test_rfm_reads_iso_as_of_whatever_the_date_format(as_of: str) -> None:
    # ISO 8601 is unambiguous: accepted beside date_format for the log's dd.mm.yyyy dates.
    out = fs.rfm(_dotted_transactions([10.0, 30.0, 5.0]), date_format="%d.%m.%Y", as_of=as_of)
    assert out["recency"].tolist() == [11.0, 0.0]  # 20 May -> 31 May; 31 May -> 31 May


def test_rfm_iso_as_of_with_dayfirst() -> None:
    out = fs.rfm(_dotted_transactions([10.0, 30.0, 5.0]), dayfirst=True, as_of="2024-06-10")
    assert out["recency"].tolist() == [21.0, 10.0]


def test_rfm_text_amounts_error_says_how_to_convert() -> None:
    tx = _dotted_transactions(["1 200,00", "3,00", "5,00"])
    with pytest.raises(TypeError, match=r"got text like '1 200,00'.*pd\.to_numeric\(") as info:
        fs.rfm(tx, date_format="%d.%m.%Y")
    # The conversion the message suggests works on these amounts.
    suggested = pd.to_numeric(
        tx["amount"].str.replace(" ", "").str.replace("\u00a0", "").str.replace(",", ".")
    )
    assert suggested.tolist() == [1200.0, 3.0, 5.0]
    assert 'str.replace(",", ".")' in str(info.value)


# -- BANT: win probability, deal size and expected value (lesson 11) --------------------


def test_bant_win_probability_by_hand():
    from funnelsim.scoring import bant_win_probability

    assert bant_win_probability(81, base_win=0.2) == pytest.approx(0.2)
    # odds proportional to the product with strength 1: 162 points doubles the odds 1:4
    assert bant_win_probability(162, base_win=0.2) == pytest.approx(2 / 6)
    assert bant_win_probability(625, base_win=0.2, strength=0.0) == pytest.approx(0.2)
    out = bant_win_probability(np.array([1, 81, 625]), base_win=0.1, strength=2.0)
    odds = (0.1 / 0.9) * (np.array([1, 81, 625]) / 81) ** 2
    np.testing.assert_allclose(out, odds / (1 + odds))
    with pytest.raises(ValueError, match=r"bant must be from 1 to 625, got 0"):
        bant_win_probability([0, 5])
    with pytest.raises(ValueError, match=r"base_win must be in \(0, 1\), got 1"):
        bant_win_probability(81, base_win=1)
    with pytest.raises(ValueError, match=r"bant must be numbers from 1 to 625"):
        bant_win_probability("x")


def test_deal_sizes_come_last_and_have_the_stated_mean():
    flat = simulate_bant_pipeline(4_000, capacity=400, seed=6)
    spread = simulate_bant_pipeline(4_000, capacity=400, deal_size=50_000, deal_sigma=1.0, seed=6)
    shared = ["account", "budget", "authority", "need", "time", "bant", "p_win", "won"]
    pd.testing.assert_frame_equal(flat.accounts[shared], spread.accounts[shared])
    assert (flat.accounts["deal_size"] == 1.0).all()
    sizes = spread.accounts["deal_size"].to_numpy()
    sd = 50_000 * np.sqrt(np.e - 1)  # lognormal with sigma 1 and mean 50 000
    assert abs(sizes.mean() - 50_000) < 4 * sd / np.sqrt(sizes.size)
    np.testing.assert_allclose(spread.accounts["expected_value"], spread.accounts["p_win"] * sizes)
    with pytest.raises(ValueError, match=r"deal_size must be > 0, got 0"):
        simulate_bant_pipeline(10, capacity=1, deal_size=0, seed=1)
    with pytest.raises(ValueError, match=r"deal_sigma must be >= 0, got -1"):
        simulate_bant_pipeline(10, capacity=1, deal_sigma=-1, seed=1)


@given(st.integers(0, 2**32 - 1), st.integers(1, 60), st.floats(0.0, 2.0))
@settings(max_examples=25, deadline=None)
def test_each_ranking_is_best_at_its_own_objective(seed, capacity, sigma):
    res = simulate_bant_pipeline(60, capacity=capacity, deal_size=10.0, deal_sigma=sigma, seed=seed)
    s = res.summary().set_index("strategy")
    # the top by p_win (= BANT order) maximises expected wins; the top by expected value
    # maximises expected revenue, among all choices of `capacity` accounts
    assert s.loc["bant", "expected_wins"] >= s.loc["expected_value", "expected_wins"] - 1e-9
    assert s.loc["expected_value", "expected_revenue"] >= s.loc["bant", "expected_revenue"] - 1e-9
    assert (s["accounts_worked"] == capacity).all()
    a = res.accounts
    top = a.nlargest(capacity, "expected_value")["expected_value"].sum()
    assert s.loc["expected_value", "expected_revenue"] == pytest.approx(top)


def test_summary_revenue_counts_the_won_deals_sizes():
    res = simulate_bant_pipeline(500, capacity=50, deal_size=100.0, deal_sigma=0.5, seed=8)
    a = res.accounts
    top = a["rank"] <= 50
    s = res.summary().set_index("strategy")
    assert s.loc["bant", "revenue"] == pytest.approx(a.loc[top & a["won"], "deal_size"].sum())
    assert s.loc["bant", "wins"] == int((top & a["won"]).sum())
    assert list(s.columns) == [
        "accounts_worked",
        "expected_wins",
        "wins",
        "win_rate",
        "expected_revenue",
        "revenue",
    ]


# -- first-purchase thresholds (lesson 10) ------------------------------------------------------


def _threshold_log() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "b", "c", "d", "d"],
            "date": pd.to_datetime(
                [
                    "2024-01-01 09:00",
                    "2024-01-01 18:00",  # same day: part of the first purchase
                    "2024-03-01",
                    "2024-01-02",
                    "2024-01-20",
                    "2024-01-03",
                    "2024-01-04",
                    "2024-01-04",
                ],
                format="ISO8601",
            ),
            "amount": [30.0, 25.0, 40.0, 20.0, 15.0, 100.0, 10.0, 5.0],
        }
    )


def test_first_purchase_threshold_by_hand():
    t = fs.first_purchase_threshold(_threshold_log(), 50.0).set_index("group")
    # first-day spends: a 55, b 20, c 100, d 15; later: a 40, b 15
    admitted, rest = t.loc["admitted"], t.loc["not admitted"]
    assert admitted["customers"] == 2 and rest["customers"] == 2
    assert admitted["mean_first_spend"] == 77.5
    assert rest["mean_first_spend"] == 17.5
    assert admitted["repeat_customers"] == 1 and rest["repeat_customers"] == 1
    assert admitted["later_revenue"] == 40.0 and rest["later_revenue"] == 15.0
    assert admitted["mean_later_spend"] == 20.0
    assert math.isclose(rest["share_of_later_revenue"], 15 / 55)
    low, high = fs.proportion_ci(1, 2)
    assert admitted["ci_low"] == float(low) and admitted["ci_high"] == float(high)


def test_a_zero_threshold_admits_everyone_and_matches_the_repeat_rate():
    cdnow = fs.load_cdnow()
    t = fs.first_purchase_threshold(cdnow, [0.0, 50.0])
    everyone = t.iloc[0]
    repeat = fs.repeat_purchase_rate(cdnow).iloc[0]
    assert everyone["customers"] == 23_570
    assert everyone["repeat_customers"] == repeat["repeat_customers"]
    assert t.iloc[1]["customers"] == 0 and math.isnan(t.iloc[1]["repeat_rate"])
    pair = t[t["threshold"] == 50.0]
    assert pair["customers"].sum() == 23_570
    assert math.isclose(pair["share_of_later_revenue"].sum(), 1.0)
    assert pair["repeat_customers"].sum() == repeat["repeat_customers"]


@given(
    st.lists(
        st.tuples(st.sampled_from("abcde"), st.integers(0, 30), st.floats(0, 500)),
        min_size=1,
        max_size=40,
    ),
    st.floats(0, 600),
)
def test_first_purchase_threshold_splits_everyone_once(rows, threshold):
    tx = pd.DataFrame(rows, columns=["customer_id", "day", "amount"])
    tx["date"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(tx["day"], unit="D")
    t = fs.first_purchase_threshold(tx, threshold)
    assert t["customers"].sum() == tx["customer_id"].nunique()
    first_day = tx.groupby("customer_id")["day"].transform("min")
    later = tx[tx["day"] > first_day]
    assert math.isclose(t["later_revenue"].sum(), later["amount"].sum(), abs_tol=1e-6)
    assert t["repeat_customers"].sum() == later["customer_id"].nunique()
    spend = tx[tx["day"] == first_day].groupby("customer_id")["amount"].sum()
    assert t.iloc[0]["customers"] == int((spend >= threshold).sum())


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"threshold": -1.0}, ValueError, "threshold must be >= 0, got -1"),
        ({"threshold": [10, float("nan")]}, ValueError, "threshold must be finite"),
        ({"threshold": 10, "confidence": 1.5}, ValueError, "confidence must be in"),
        ({"threshold": 10, "amount": "value"}, ValueError, "value"),
    ],
)
def test_first_purchase_threshold_errors(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        fs.first_purchase_threshold(_threshold_log(), **kwargs)
    with pytest.raises(ValueError, match="transactions is empty"):
        fs.first_purchase_threshold(_threshold_log().iloc[:0], 10)


# -- RFM back-test: what each segment did afterwards ------------------------------------------


def test_rfm_outcomes_by_hand():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "c", "d", "d"],
            "date": pd.to_datetime(
                ["2024-01-01", "2024-01-20", "2024-03-01", "2024-01-02", "2024-02-15",
                 "2024-01-25", "2024-02-03"]
            ),
            "amount": [10.0, 20.0, 30.0, 5.0, 8.0, 7.0, 12.0],
        }
    )  # fmt: skip
    out = fs.rfm_outcomes(tx, "2024-01-31", bins=2).set_index("segment")
    # scored at 31 Jan: a (2 days, last 20 Jan), b (1 day, 2 Jan), d (1 day, 25 Jan); c not yet
    assert out["customers"].sum() == 3
    assert out["returned"].sum() == 2  # a and d came back
    spent = (
        out.loc[out["customers"] > 0, "mean_spend_after"]
        * out.loc[out["customers"] > 0, "customers"]
    )
    assert math.isclose(spent.sum(), 30.0 + 12.0)
    assert math.isclose(out["share_of_spend_after"].sum(), 1.0)
    scores = fs.rfm(tx[tx["date"] <= "2024-01-31"], as_of="2024-01-31", bins=2)
    seg_of_a = scores.set_index("customer_id").loc["a", "segment"]
    assert out.loc[seg_of_a, "returned"] >= 1


def test_rfm_outcomes_on_cdnow_separate_who_comes_back():
    out = fs.rfm_outcomes(load_cdnow(), "1997-12-31").set_index("segment")
    assert out["customers"].sum() == 23_570  # everyone's first purchase is in Q1 1997
    rate = out["return_rate"]
    # the best segment comes back far more often than the worst, beyond the noise
    assert out.loc["Champions", "ci_low"] > out.loc["Hibernating", "ci_high"]
    assert rate["Champions"] > 3 * rate["Hibernating"]
    low, high = fs.proportion_ci(
        out.loc["Champions", "returned"], out.loc["Champions", "customers"]
    )
    assert out.loc["Champions", "ci_low"] == float(low)
    assert out.loc["Champions", "ci_high"] == float(high)


def test_rfm_outcomes_errors():
    tx = load_cdnow()
    with pytest.raises(ValueError, match="leaves no purchase after it"):
        fs.rfm_outcomes(tx, "1999-01-01")
    with pytest.raises(ValueError, match="leaves no purchase before it"):
        fs.rfm_outcomes(tx, "1990-01-01")
    with pytest.raises(ValueError, match="confidence must be in"):
        fs.rfm_outcomes(tx, "1997-12-31", confidence=0)
    with pytest.raises(ValueError, match="bins must be"):
        fs.rfm_outcomes(tx, "1997-12-31", bins=1)


# -- mutation survivors (docs/mutation.md, scoring sample) ----------------------------------------


def test_bant_score_names_a_missing_account_column():
    scores = pd.DataFrame({"budget": [5], "authority": [4], "need": [3], "time": [2]})
    with pytest.raises(ValueError, match=r"accounts is missing column\(s\) \['account'\]"):
        bant_score(scores)  # the default account="account" is a required column
    assert bant_score(scores, account=None)["bant"].tolist() == [120]


def test_the_random_strategy_expects_capacity_times_the_mean():
    # Working c accounts drawn at random: expected wins c × mean(p_win), whatever the draw.
    res = simulate_bant_pipeline(300, capacity=30, seed=3)
    row = res.summary().set_index("strategy").loc["random"]
    p, ev = res.accounts["p_win"], res.accounts["expected_value"]
    assert row["expected_wins"] == pytest.approx(30 * p.mean(), rel=1e-12)
    assert row["expected_revenue"] == pytest.approx(30 * ev.mean(), rel=1e-12)
    picked = res.accounts["random_pick"].to_numpy()
    assert row["expected_wins"] != pytest.approx(p[picked].sum(), rel=1e-9)  # not the draw's sum


# -- rfm against a plain pandas groupby (the fast paths of issue 10) ----------------------------

_ID_WORDS = ["a", "ab", "b", "", "zz", "é", "Ωω", "00017", "c-1", "customer-12", "customer-3"]


def _rfm_reference(tx: pd.DataFrame, bins: int, frequency: str) -> pd.DataFrame:
    """RFM written out with a pandas groupby and the tie rule's definition, row by row."""
    g = tx.groupby("customer_id", sort=True)
    last = g["date"].max()
    ref = tx["date"].max()
    days = tx["date"].dt.tz_localize(None).dt.normalize() if tx["date"].dt.tz else None
    if days is None:
        days = tx["date"].dt.normalize()
    freq = g.size() if frequency == "orders" else days.groupby(tx["customer_id"]).nunique()
    out = pd.DataFrame(
        {
            "recency": (ref - last).to_numpy().astype("timedelta64[ns]").astype(np.int64)
            / 86_400e9,
            "frequency": freq.to_numpy().astype(np.int64),
            "monetary": g["amount"].sum().to_numpy(),
        },
        index=last.index,
    )

    def score(x: np.ndarray) -> list[int]:
        below = [(x < v).sum() for v in x]
        above = [(x > v).sum() for v in x]
        return [
            bins if b + a == 0 else min(bins, 1 + bins * b // (b + a))
            for b, a in zip(below, above, strict=True)
        ]

    out["r"] = score(-out["recency"].to_numpy())
    out["f"] = score(out["frequency"].to_numpy())
    out["m"] = score(out["monetary"].to_numpy())
    return out


@given(
    picks=st.lists(st.integers(0, 10), min_size=1, max_size=40),
    days=st.lists(st.integers(0, 30), min_size=40, max_size=40),
    seconds=st.lists(st.integers(0, 86_399), min_size=40, max_size=40),
    kind=st.sampled_from(["str", "object", "int", "Int64", "large_string", "fixed", "fixed8"]),
    timed=st.booleans(),
    zone=st.sampled_from([None, "Europe/Moscow"]),
    sort=st.booleans(),
    bins=st.integers(2, 9),
    frequency=st.sampled_from(["days", "orders"]),
)
@settings(max_examples=150, deadline=None)
def test_rfm_equals_a_pandas_groupby_reference(
    picks, days, seconds, kind, timed, zone, sort, bins, frequency
):
    import pyarrow as pa

    n = len(picks)
    ids: object = {
        "str": pd.array([_ID_WORDS[i] for i in picks], dtype="str"),
        "object": np.array([_ID_WORDS[i] for i in picks], dtype=object),
        "int": np.array(picks, dtype=np.int64) * 7 - 20,
        "Int64": pd.array(picks, dtype="Int64"),
        "large_string": pd.array(
            [_ID_WORDS[i] for i in picks], dtype=pd.ArrowDtype(pa.large_string())
        ),
        "fixed": pd.array([f"{i:05d}" for i in picks], dtype="str"),  # one length: CDNOW's ids
        "fixed8": pd.array([f"{i:05d}-{i % 3:02d}" for i in picks], dtype="str"),  # 8 bytes
    }[kind]
    when = pd.Timestamp("2024-03-01") + pd.to_timedelta(np.array(days[:n]), "D")
    if timed:
        when = when + pd.to_timedelta(np.array(seconds[:n]), "s")
    tx = pd.DataFrame(
        {
            "customer_id": ids,
            "date": when.tz_localize(zone) if zone else when,
            "amount": np.array(days[:n], dtype=float) * 3 - 10,  # whole: the sums are exact
        }
    )
    if sort:  # a log sorted by customer and date takes the run-counting path
        tx = tx.sort_values(["customer_id", "date"], kind="stable", ignore_index=True)
    got = rfm(tx, bins=bins, frequency=frequency)
    want = _rfm_reference(tx, bins, frequency)
    assert got["customer_id"].tolist() == want.index.tolist()
    assert got["customer_id"].dtype == tx["customer_id"].dtype or kind == "object"
    for column in ("recency", "frequency", "monetary", "r", "f", "m"):
        np.testing.assert_array_equal(got[column].to_numpy(), want[column].to_numpy(), column)
    assert got["rfm_code"].tolist() == [f"{r}{f}{m}" for r, f, m in want[["r", "f", "m"]].values]


def test_rfm_text_ids_sort_as_python_sorts_them_whatever_their_bytes():
    # Short text ids are compared as integers of their UTF-8 bytes: the order must stay
    # Python's (code points), a prefix first, and ids with a NUL byte must not merge.
    words = ["b", "a\0", "a", "ab", "", "é", "z", "a\0b", "\uffff", "😀"]
    tx = pd.DataFrame(
        {
            "customer_id": pd.array(words * 2, dtype="str"),
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(20), "D"),
            "amount": np.arange(20.0),
        }
    )
    out = rfm(tx, frequency="orders")
    assert out["customer_id"].tolist() == sorted(words)
    assert (out["frequency"] == 2).all()
    np.testing.assert_array_equal(
        out["monetary"].to_numpy(), [words.index(w) * 2 + 10.0 for w in sorted(words)]
    )


def test_rfm_on_cdnow_times_twenty_equals_the_groupby():
    # CDNOW x 20 (the benchmark's log: 20 blocks, each sorted by customer and date).
    cdnow = load_cdnow()
    big = pd.concat(
        [cdnow.assign(customer_id=cdnow["customer_id"] + f"-{i:02d}") for i in range(3)],
        ignore_index=True,
    )
    out = rfm(big)
    g = big.groupby("customer_id")
    assert out["customer_id"].tolist() == g.size().index.tolist()
    np.testing.assert_array_equal(out["frequency"].to_numpy(), g["date"].nunique().to_numpy())
    np.testing.assert_allclose(out["monetary"].to_numpy(), g["amount"].sum().to_numpy(), rtol=1e-12)
    last = g["date"].max().to_numpy().astype("datetime64[ns]")
    np.testing.assert_array_equal(
        out["recency"].to_numpy(),
        (big["date"].max().to_datetime64() - last).astype(np.int64) / 86_400e9,
    )
