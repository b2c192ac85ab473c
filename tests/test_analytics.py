"""Tests for funnelsim.analytics: round trips through the engine and hand-made logs."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import funnelsim as fs
from funnelsim.analytics import (
    biggest_leak,
    cohort_retention,
    conversion_window,
    funnel_table,
    step_times,
    time_to_convert,
)
from funnelsim.datasets import load_cdnow
from funnelsim.retention import CohortTable

# Gamma times with a common scale of 1 day: the total time is Gamma(2 + 3 + 1) too.
RATES = {"Visit": 1.0, "Sign-up": 0.4, "Trial": 0.5, "Paid": 0.3}
TIMES = {
    "Visit": fs.TimeInStage.gamma(2.0, shape=2.0),
    "Sign-up": fs.TimeInStage.gamma(3.0, shape=3.0),
    "Trial": fs.TimeInStage.gamma(1.0, shape=1.0),
    "Paid": fs.TimeInStage.fixed(0.0),
}
N = 40_000


@pytest.fixture(scope="module")
def funnel() -> fs.Funnel:
    return fs.Funnel.from_rates(RATES, times=TIMES, name="trial")


@pytest.fixture(scope="module")
def sim(funnel: fs.Funnel) -> fs.SimulationResult:
    return fs.simulate(funnel, N, seed=7, events=True, entry_window=30.0)


def _log(rows: list[tuple[int, str, float]], stages: list[str] | None = None) -> pd.DataFrame:
    buyer, stage, t = zip(*rows, strict=True)
    col: object = list(stage)
    if stages is not None:
        col = pd.Categorical(stage, categories=stages, ordered=True)
    return pd.DataFrame(
        {"buyer_id": buyer, "stage": col, "entered_at": t, "exited_at": t, "converted": False}
    )


# ---------------------------------------------------------------------------
# Round trips: simulate with known parameters, recover them from the log
# ---------------------------------------------------------------------------


def test_funnel_table_recovers_the_engine_counts_and_rates(sim, funnel) -> None:
    table = funnel_table(sim.events)
    assert table["reached"].tolist() == sim.counts[0].tolist()  # exact: same buyers
    prev = np.concatenate([[N], sim.counts[0, :-1]])
    rates = funnel.rates
    se = np.sqrt(rates * (1 - rates) / prev)
    assert np.all(np.abs(table["step_conversion"].to_numpy() - rates) <= 4 * se + 1e-12)
    low, high = fs.proportion_ci(sim.counts[0], prev)
    assert table["ci_low"].to_numpy() == pytest.approx(low)
    assert table["ci_high"].to_numpy() == pytest.approx(high)
    assert table["drop_off"].tolist() == (prev - sim.counts[0]).tolist()
    assert table["cumulative_conversion"].iloc[-1] == pytest.approx(sim.conversion)
    engine = sim.table()
    assert table["step_conversion"].to_numpy() == pytest.approx(engine["step_conversion"])


def test_step_times_recover_the_mean_time_in_each_stage(sim, funnel) -> None:
    times = step_times(sim.events)
    assert times["from_stage"].tolist() == ["Visit", "Sign-up", "Trial"]
    assert times["converters"].tolist() == sim.counts[0, 1:].tolist()
    for (_, row), stage in zip(times.iterrows(), funnel.stages[:-1], strict=True):
        assert abs(row["mean"] - stage.time.mean) < 4 * row["se"]
        # sd of a sample sd: about sigma * sqrt((2 + excess kurtosis) / (4 n)).
        sigma = math.sqrt(stage.time.var)
        kurt = float(stage.time.dist.stats(moments="k"))
        se_sd = sigma * math.sqrt((2 + kurt) / (4 * row["converters"]))
        assert abs(row["sd"] - sigma) < 4 * se_sd
        # The median of a sample of n has sd about sqrt(1 / (4 n)) / density(median).
        median = stage.time.dist.median()
        sd_median = math.sqrt(1 / (4 * row["converters"])) / stage.time.dist.pdf(median)
        assert abs(row["median"] - median) < 4 * sd_median


def test_time_to_convert_has_the_closed_form_distribution(sim) -> None:
    total = time_to_convert(sim.events)
    assert total.size == sim.counts[0, -1]
    assert total.name == "time_to_convert"
    assert set(total.index) <= set(range(N))
    # Visit (Gamma 2) + Sign-up (Gamma 3) + Trial (Gamma 1), all with scale 1.
    assert stats.kstest(total.to_numpy(), stats.gamma(6).cdf).pvalue > 1e-3
    part = time_to_convert(sim.events, from_stage="Sign-up", to_stage="Trial")
    assert stats.kstest(part.to_numpy(), stats.gamma(3).cdf).pvalue > 1e-3


def test_conversion_window_matches_the_gamma_cdf(sim, funnel) -> None:
    windows = [2.0, 5.0, 8.0, np.inf]
    out = conversion_window(sim.events, windows)
    p = funnel.reach[-1] * stats.gamma(6).cdf(windows)
    se = np.sqrt(p * (1 - p) / N)
    assert out["entered"].tolist() == [N] * 4
    assert np.all(np.abs(out["rate"].to_numpy() - p) < 4 * se)
    assert out["converted"].iloc[-1] == sim.counts[0, -1]
    assert np.all(np.diff(out["converted"]) >= 0)
    # A funnel table with a window agrees with the window curve at its last stage.
    windowed = funnel_table(sim.events, window=5.0)
    assert windowed["reached"].iloc[-1] == out["converted"].iloc[1]


@settings(max_examples=25, deadline=None)
@given(
    rates=st.lists(st.floats(0.05, 1.0), min_size=1, max_size=4),
    reps=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
)
def test_funnel_table_reproduces_engine_counts(rates, reps, seed) -> None:
    funnel = fs.Funnel.from_rates(
        {"S0": 1.0, **{f"S{i + 1}": r for i, r in enumerate(rates)}},
        times=fs.TimeInStage.exponential(1.0),
    )
    sim = fs.simulate(funnel, 300, seed=seed, events=True, replications=reps)
    table = funnel_table(sim.events)
    assert table["reached"].tolist() == sim.counts.sum(axis=0).tolist()  # pooled replications
    assert np.all(np.diff(table["reached"]) <= 0)


def test_replications_are_kept_apart(funnel) -> None:
    sim = fs.simulate(funnel, 500, seed=3, events=True, replications=2)
    ttc = time_to_convert(sim.events)
    assert ttc.index.names == ["replication", "buyer_id"]
    assert ttc.size == sim.counts[:, -1].sum()


# ---------------------------------------------------------------------------
# Hand-made logs: the funnel rules
# ---------------------------------------------------------------------------

STAGES = ["A", "B", "C"]


def test_steps_must_happen_in_order_and_within_the_window() -> None:
    log = _log(
        [
            (1, "A", 0.0), (1, "B", 1.0), (1, "C", 2.0),  # converts in 2
            (2, "A", 0.0), (2, "C", 1.0),                  # skipped B
            (3, "A", 5.0), (3, "B", 4.0), (3, "C", 6.0),   # B before A: not in order
            (4, "A", 0.0), (4, "B", 3.0), (4, "C", 9.0),   # converts in 9
            (4, "A", 20.0),                                # a later repeat is ignored
            (5, "B", 0.0),                                 # never entered the funnel
        ],
        STAGES,
    )  # fmt: skip
    table = funnel_table(log)
    assert table["reached"].tolist() == [4, 2, 2]
    assert table["step_conversion"].tolist() == pytest.approx([1.0, 0.5, 1.0])
    assert funnel_table(log, window=5.0)["reached"].tolist() == [4, 2, 1]
    assert time_to_convert(log).sort_index().to_dict() == {1: 2.0, 4: 9.0}
    curve = conversion_window(log, [1.0, 2.0, 10.0])
    assert curve["converted"].tolist() == [0, 1, 2]
    assert curve["entered"].tolist() == [4, 4, 4]


def test_repeated_events_are_matched_in_order() -> None:
    # Real logs repeat events: the funnel takes the earliest entry at or after the previous step.
    log = _log(
        [
            (1, "A", 1.0), (1, "C", 0.5), (1, "B", 2.0), (1, "C", 4.0),  # C again after B
            (2, "B", 0.0), (2, "A", 1.0), (2, "B", 3.0),                  # B again after A
            (3, "A", 0.0), (3, "A", 2.0), (3, "B", 1.0), (3, "B", 5.0),   # first A anchors
        ],
        STAGES,
    )  # fmt: skip
    assert funnel_table(log)["reached"].tolist() == [3, 3, 1]
    assert time_to_convert(log).to_dict() == {1: 3.0}
    assert time_to_convert(log, to_stage="B").sort_index().to_dict() == {1: 1.0, 2: 2.0, 3: 1.0}
    assert step_times(log)["converters"].tolist() == [3, 1]
    assert conversion_window(log, [2.9, 3.0])["converted"].tolist() == [0, 1]
    # From B: buyer 1 enters B at 2 and C at 4; buyers 2 and 3 never reach C.
    from_b = conversion_window(log, [10.0], from_stage="B", observed_until=np.inf)
    assert from_b[["entered", "converted"]].iloc[0].tolist() == [3, 1]


def _best_path(times: dict[str, list[float]], stages: list[str], window: float | None) -> list:
    """Brute force: over every order-respecting choice of entries, the earliest time per stage."""
    best: list = [math.nan] * len(stages)
    if not times.get(stages[0]):
        return best
    start = min(times[stages[0]])
    best[0] = start
    for k in range(1, len(stages)):
        ends = [
            combo[-1]
            for combo in itertools.product(*(times.get(s, []) for s in stages[1 : k + 1]))
            if all(b >= a for a, b in itertools.pairwise((start, *combo)))
            and (window is None or combo[-1] - start <= window)
        ]
        if not ends:
            break
        best[k] = min(ends)
    return best


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 4), st.sampled_from(STAGES), st.integers(0, 12)),
        min_size=1,
        max_size=25,
    ),
    window=st.one_of(st.none(), st.integers(0, 8)),
)
def test_funnel_paths_match_a_brute_force_search(rows, window) -> None:
    log = _log([(b, s, float(t)) for b, s, t in rows], STAGES)
    per_buyer: dict[int, dict[str, list[float]]] = {}
    for b, s, t in rows:
        per_buyer.setdefault(b, {}).setdefault(s, []).append(float(t))
    best = {b: _best_path(times, STAGES, window) for b, times in per_buyer.items()}
    table = funnel_table(log, window=window, observed_until=np.inf)
    expected = [sum(not math.isnan(p[k]) for p in best.values()) for k in range(len(STAGES))]
    assert table["reached"].tolist() == expected
    ttc = time_to_convert(log, window=window).to_dict()
    assert ttc == {b: p[2] - p[0] for b, p in best.items() if not math.isnan(p[2])}


def test_stages_select_and_order_the_funnel() -> None:
    log = _log([(1, "A", 0.0), (1, "use", 0.5), (1, "B", 1.0), (2, "A", 0.0), (2, "use", 3.0)])
    with pytest.raises(ValueError, match=r"stages must be given .* not categorical"):
        funnel_table(log)
    table = funnel_table(log, stages=["A", "B"])  # 'use' rows are ignored
    assert table["reached"].tolist() == [2, 1]
    assert list(table["stage"].cat.categories) == ["A", "B"]


def test_biggest_leak_by_rate_and_by_buyers_lost() -> None:
    rows = [(i, "A", 0.0) for i in range(100)]
    rows += [(i, "B", 1.0) for i in range(40)]  # A->B loses 60 of 100 (60 %)
    rows += [(i, "C", 2.0) for i in range(4)]  # B->C loses 36 of 40 (90 %)
    log = _log(rows, STAGES)
    by_rate = biggest_leak(log)
    assert (by_rate["from_stage"], by_rate["to_stage"]) == ("B", "C")
    assert by_rate["drop_off"] == 36
    assert by_rate["drop_off_rate"] == pytest.approx(0.9)
    by_count = biggest_leak(log, by="lost")
    assert (by_count["from_stage"], by_count["to_stage"]) == ("A", "B")
    assert by_count["drop_off"] == 60


def test_datetime_times_are_in_days() -> None:
    log = _log([(1, "A", 0.0), (1, "B", 0.0)], ["A", "B"])
    log["entered_at"] = pd.to_datetime(["2024-01-01 00:00", "2024-01-03 12:00"])
    assert time_to_convert(log).tolist() == [2.5]


def test_empty_stages_give_nan_not_errors() -> None:
    log = _log([(1, "A", 0.0), (2, "A", 1.0)], STAGES)
    table = funnel_table(log)
    assert table["reached"].tolist() == [2, 0, 0]
    assert math.isnan(table["step_conversion"].iloc[2])
    times = step_times(log)
    assert times["converters"].tolist() == [0, 0]
    assert times[["mean", "sd", "median"]].isna().all().all()


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda log: funnel_table(log.drop(columns="stage")), ValueError,
         r"events is missing column\(s\) \['stage'\]"),
        (lambda log: funnel_table(log.to_numpy()), TypeError, r"events must be a pandas DataFrame"),
        (lambda log: funnel_table(log, stages=["Y", "Z"]), ValueError,
         r"none of stages \['Y', 'Z'\] is in the event log, whose stages are \['A', 'B'\]"),
        (lambda log: funnel_table(log, stages=["A", 2]), TypeError,
         r"stages must hold stage names \(str\), got 2"),
        (lambda log: funnel_table(log, stages="AB"), TypeError,
         r"stages must be a sequence of stage names"),
        (lambda log: funnel_table(log, stages=["A", "A"]), ValueError,
         r"stages must not repeat a stage"),
        (lambda log: funnel_table(log, stages=[]), ValueError, r"stages must name at least one"),
        (lambda log: funnel_table(log, window=-1), ValueError, r"window must be >= 0, got -1"),
        (lambda log: funnel_table(log, confidence=0), ValueError,
         r"confidence must be in \(0, 1\)"),
        (lambda log: funnel_table(log.assign(entered_at="x")), ValueError,
         r"column 'entered_at' holds dates written like 'x', which is not ISO 8601"),
        (lambda log: funnel_table(log.assign(entered_at=True)), TypeError,
         r"entered_at must hold numbers or datetimes, got dtype bool"),
        (lambda log: funnel_table(log.assign(entered_at=np.nan)), ValueError,
         r"column 'entered_at' must not have missing values"),
        (lambda log: funnel_table(log.assign(buyer_id=[1.0, np.nan, 2.0])), ValueError,
         r"column 'buyer_id' must not have missing values, got 1 of 3 rows missing"),
        (lambda log: funnel_table(log.assign(replication=[0, None, 1])), ValueError,
         r"column 'replication' must not have missing values"),
        (lambda log: funnel_table(log.assign(entered_at=pd.to_datetime(["2024-01-01", None,
         "2024-01-02"]))), ValueError, r"column 'entered_at' must not have missing values"),
        (lambda log: biggest_leak(log, by="size"), ValueError, r"by must be one of"),
        (lambda log: biggest_leak(log, stages=["A"]), ValueError,
         r"a funnel needs at least two stages to leak"),
        (lambda log: time_to_convert(log, from_stage="C", to_stage="A"), ValueError,
         r"to_stage must come after from_stage"),
        (lambda log: time_to_convert(log, to_stage="Q"), ValueError,
         r"to_stage must be one of \['A', 'B', 'C'\], got 'Q'"),
        (lambda log: time_to_convert(log, from_stage="Q"), ValueError,
         r"from_stage must be one of \['A', 'B', 'C'\], got 'Q'"),
        (lambda log: conversion_window(log, 5, from_stage=["A"]), TypeError,
         r"from_stage must be a string"),
        (lambda log: funnel_table(log, observed_until=0.5), ValueError,
         r"observed_until must not be before the log's last event \(1\), got 0.5"),
        (lambda log: funnel_table(log, window="5D"), TypeError,
         r"window must be a number in the log's time unit .* got '5D'"),
        (lambda log: funnel_table(log, window=np.nan), ValueError,
         r"window must be a duration, got nan"),
        (lambda log: conversion_window(log, []), ValueError, r"windows must be a number or a 1-D"),
        (lambda log: conversion_window(log, [1, -2]), ValueError, r"window must be >= 0, got -2"),
        (lambda log: conversion_window(log, 5, from_stage="B", to_stage="B"), ValueError,
         r"to_stage must come after from_stage"),
    ],
)  # fmt: skip
def test_funnel_validation(call, error, match) -> None:
    log = _log([(1, "A", 0.0), (1, "B", 1.0), (2, "A", 0.5)], STAGES)
    with pytest.raises(error, match=match):
        call(log)


def test_biggest_leak_needs_someone_to_enter_a_step() -> None:
    log = _log([(1, "B", 0.0)], STAGES)
    with pytest.raises(ValueError, match=r"no step has buyers entering it"):
        biggest_leak(log)


# ---------------------------------------------------------------------------
# Cohort retention
# ---------------------------------------------------------------------------


def _brute_force_retention(
    log: pd.DataFrame, width: float, anchor: str = "calendar"
) -> dict[tuple[int, int], tuple]:
    """Cohort retention by the definition, one customer at a time."""
    times: dict[object, list[float]] = {}
    for who, t in zip(log["who"], log["t"], strict=True):
        times.setdefault(who, []).append(float(t))
    end = float(log["t"].max())
    cohort = {who: math.floor(min(ts) / width) for who, ts in times.items()}
    if anchor == "calendar":
        ages = {w: {math.floor(t / width) - cohort[w] for t in ts} for w, ts in times.items()}
        horizon = {c: math.floor(end / width) - c for c in cohort.values()}
    else:
        ages = {w: {math.floor((t - min(ts)) / width) for t in ts} for w, ts in times.items()}
        earliest: dict[int, float] = {}
        for w, ts in times.items():
            earliest[cohort[w]] = min(earliest.get(cohort[w], math.inf), min(ts))
        horizon = {c: math.floor((end - t0) / width) for c, t0 in earliest.items()}
    out: dict[tuple[int, int], list[int]] = {}
    for who, active in ages.items():
        c = cohort[who]
        for age in range(horizon[c] + 1):
            cell = out.setdefault((c, age), [0, 0, 0])
            cell[0] += 1
            cell[1] += age in active
            cell[2] += max(active) >= age
    return {k: tuple(v) for k, v in out.items()}


@settings(max_examples=60, deadline=None)
@given(
    events=st.lists(
        st.tuples(st.integers(0, 8), st.floats(0.0, 30.0, allow_nan=False)), min_size=1, max_size=60
    ),
    width=st.sampled_from([1.0, 2.5, 7.0]),
    anchor=st.sampled_from(["calendar", "first_event"]),
)
def test_cohort_retention_matches_the_definition(events, width, anchor) -> None:
    log = pd.DataFrame(events, columns=["who", "t"])
    table = cohort_retention(log, customer="who", time="t", period=width, anchor=anchor)
    got = {
        (int(r.cohort), int(r.period)): (int(r.size), int(r.active), int(r.active_on_or_after))
        for r in table.long.itertuples()
    }
    assert got == _brute_force_retention(log, width, anchor)
    long = table.long
    assert (long["retention"] == long["active"] / long["size"]).all()
    assert (long.loc[long["period"] == 0, "retention"] == 1.0).all()
    assert (long["active"] <= long["active_on_or_after"]).all()


def test_cohort_retention_on_cdnow_months() -> None:
    table = cohort_retention(load_cdnow(), customer="customer_id", time="date", period="M")
    assert isinstance(table, CohortTable)
    wide = table.wide("active")
    assert [str(c) for c in wide.index] == ["1997-01", "1997-02", "1997-03"]
    assert wide.iloc[:, 0].tolist() == [7846, 8476, 7248]
    assert wide.iloc[0, :6].tolist() == [7846, 1157, 964, 810, 679, 736]
    assert wide.shape == (3, 18)  # Jan 1997 to Jun 1998
    assert int(wide.iloc[2].notna().sum()) == 16
    later = table.wide("active_on_or_after").iloc[0].to_numpy()
    assert np.all(np.diff(later) <= 0)
    # Month 1 "on or after": January customers who bought again in a later month.
    cdnow = load_cdnow()
    month = cdnow["date"].dt.to_period("M")
    jan = cdnow.groupby("customer_id")["date"].transform("min").dt.to_period("M") == "1997-01"
    repeaters = cdnow.loc[jan & (month > pd.Period("1997-01", "M")), "customer_id"].nunique()
    assert later[1] == repeaters
    assert str(table.long["calendar_period"].iloc[-1]) == "1998-06"
    with pytest.raises(ValueError, match=r"(?s)must not increase.*wide\('active_on_or_after'\)"):
        fs.fit_sbg(table)  # more January buyers came back in June 1997 than in May
    assert fs.fit_sbg(table.wide("active_on_or_after")).converged  # the hint's suggestion works
    pooled = table.average()
    assert pooled["size"].iloc[1] == 23_570
    assert pooled["active"].iloc[1] == wide.iloc[:, 1].sum()
    assert pooled["retention_on_or_after"].iloc[1] == pytest.approx(
        table.wide("active_on_or_after").iloc[:, 1].sum() / 23_570
    )


def test_day_n_in_calendar_days_or_24_hour_windows() -> None:
    log = pd.DataFrame(
        {
            "who": ["late", "late", "early", "early", "early"],
            "at": pd.to_datetime(
                [
                    "2024-03-04 23:00",  # Monday night ...
                    "2024-03-05 07:00",  # ... back 8 hours later, on Tuesday
                    "2024-03-04 06:00",
                    "2024-03-05 09:00",  # 27 hours later
                    "2024-03-06 05:00",  # 47 hours later
                ]
            ),
        }
    )
    kwargs = {"customer": "who", "time": "at", "period": "D"}
    calendar = cohort_retention(log, **kwargs).wide("active")
    assert calendar.iloc[0].tolist() == [2, 2, 1]  # Monday, Tuesday, Wednesday
    windows = cohort_retention(log, anchor="first_event", **kwargs).wide("active")
    assert windows.iloc[0].tolist() == [2, 1]  # day 1 = hours 24-48; the log ends at hour 47
    weekly = cohort_retention(log, anchor="first_event", customer="who", time="at", period="W")
    assert weekly.wide("active").iloc[0].tolist() == [2]


def test_cohort_retention_on_simulated_subscriptions() -> None:
    # Weekly sessions while alive: active counts are survival counts; fit_sbg recovers it.
    sim = fs.simulate_cohorts(fs.ChurnModel.sbg(1.0, 3.0), [3000] * 4, periods=10, seed=9)
    rows = np.repeat(np.arange(sim.cohort.size), sim.lifetime)
    age = np.arange(rows.size) - np.repeat(np.cumsum(sim.lifetime) - sim.lifetime, sim.lifetime)
    week = sim.cohort[rows] + age
    keep = week <= 10
    log = pd.DataFrame({"buyer_id": rows[keep], "entered_at": 7.0 * week[keep] + 3.5})
    table = cohort_retention(log, period=7.0)
    assert table.wide("active").fillna(-1).equals(sim.wide("active").fillna(-1).astype(float))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"customer": "user"}, ValueError, r"events is missing column\(s\) \['user'\]"),
        ({"period": 0}, ValueError, r"period must be > 0, got 0"),
        ({"period": "M"}, TypeError, r"period must be a positive number"),
        ({"period": 1e-6}, ValueError, r"period=1e-06 is too short for this log"),
        ({"anchor": "signup"}, ValueError, r"anchor must be one of \['calendar', 'first_event'\]"),
    ],
)
def test_cohort_retention_validation(kwargs, error, match) -> None:
    log = pd.DataFrame({"buyer_id": [1, 1, 2, 3], "entered_at": [0.0, 50.0, 20.0, 40.0]})
    with pytest.raises(error, match=match):
        cohort_retention(log, **kwargs)


def test_cohort_retention_rejects_bad_logs() -> None:
    with pytest.raises(ValueError, match=r"events must hold at least one event"):
        cohort_retention(pd.DataFrame({"buyer_id": [], "entered_at": []}))
    with pytest.raises(ValueError, match=r"column 'buyer_id' must not have missing values"):
        cohort_retention(pd.DataFrame({"buyer_id": [1, None], "entered_at": [0.0, 1.0]}))
    with pytest.raises(ValueError, match=r"times must be finite"):
        cohort_retention(pd.DataFrame({"buyer_id": [1, 2], "entered_at": [0.0, np.inf]}))
    with pytest.raises(ValueError, match=r"column 'entered_at' holds dates written like 'monday'"):
        cohort_retention(pd.DataFrame({"buyer_id": [1], "entered_at": ["monday"]}), period="D")
    with pytest.raises(TypeError, match=r"times must be datetimes or numbers"):
        cohort_retention(pd.DataFrame({"buyer_id": [1], "entered_at": [True]}))
    dated = pd.DataFrame({"buyer_id": [1, 1], "entered_at": pd.to_datetime(["2024-01", "2024-03"])})
    with pytest.raises(
        ValueError,
        match=r"period needs a fixed length: 'D', 'W', a multiple such as '30D'.*got 'M'",
    ):
        cohort_retention(dated, period="M", anchor="first_event")
    with pytest.raises(ValueError, match=r"column 'date' must not have missing values"):
        cohort_retention(
            pd.DataFrame({"who": [1, 2], "date": pd.to_datetime(["2024-01-01", None])}),
            customer="who",
            time="date",
            period="M",
        )


# ---------------------------------------------------------------------------
# Issue 9: one path, observation ends, exact time, ties and window edges
# ---------------------------------------------------------------------------


def _dated(rows: list[tuple[str, str, str]], stages: list[str]) -> pd.DataFrame:
    buyer, stage, t = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "buyer_id": list(buyer),
            "stage": pd.Categorical(stage, categories=stages, ordered=True),
            "entered_at": pd.to_datetime(list(t)),
        }
    )


def test_time_to_convert_and_conversion_window_read_the_same_path() -> None:
    log = _log(
        [(1, "B", 0.0), (1, "A", 1.0), (1, "B", 2.0), (1, "C", 3.0), (2, "B", 0.0), (2, "C", 5.0)],
        STAGES,
    )
    ttc = time_to_convert(log, from_stage="B", to_stage="C")
    assert ttc.to_dict() == {1: 1.0}  # buyer 2 never entered A, so is not on the funnel
    curve = conversion_window(log, [1, np.inf], from_stage="B", to_stage="C")
    assert curve["entered"].tolist() == [1, 1]
    assert curve["converted"].tolist() == [1, 1]
    # converted at W is exactly the number of times-to-convert <= W, for any W.
    for w in (0.0, 0.5, 1.0, 2.0):
        got = conversion_window(log, [w], from_stage="B", to_stage="C", observed_until=np.inf)
        assert got["converted"].iloc[0] == int((ttc <= w).sum())
    # A funnel that starts at B counts both buyers.
    sub = conversion_window(log, [np.inf], stages=["B", "C"])
    assert sub[["entered", "converted"]].iloc[0].tolist() == [2, 2]
    assert time_to_convert(log, stages=["B", "C"]).to_dict() == {1: 3.0, 2: 5.0}


def test_entrants_without_the_whole_window_are_left_out() -> None:
    log = _log(
        [(1, "A", 0.0), (1, "B", 10.0), (2, "A", 95.0), (3, "A", 99.0), (1, "use", 100.0)],
    )
    curve = conversion_window(log, [30.0, np.inf], stages=["A", "B"])
    assert curve["entered"].tolist() == [1, 3]  # 95 and 99 are not observed for 30 days
    assert curve["converted"].tolist() == [1, 1]
    assert curve["rate"].tolist() == [1.0, pytest.approx(1 / 3)]
    table = funnel_table(log, stages=["A", "B"], window=30.0)
    assert table["reached"].tolist() == [1, 1]
    assert funnel_table(log, stages=["A", "B"])["reached"].tolist() == [3, 1]  # no window
    # observed_until: a later end brings them back; the window edge itself is observed.
    later = conversion_window(log, [30.0], stages=["A", "B"], observed_until=125.0)
    assert later[["entered", "converted"]].iloc[0].tolist() == [2, 1]  # 95 + 30 <= 125
    full = funnel_table(log, stages=["A", "B"], window=30.0, observed_until=np.inf)
    assert full["reached"].tolist() == [3, 1]
    leak = biggest_leak(log, stages=["A", "B"], window=30.0)
    assert leak["drop_off"] == 0


def test_a_window_edge_is_exact_whatever_other_buyers_did() -> None:
    log = _dated(
        [
            ("a", "s", "2024-03-01 12:00"),
            ("a", "p", "2024-03-01 12:15"),
            ("b", "s", "2024-03-01 14:00"),
            ("b", "p", "2024-03-01 14:05"),  # exactly 5 minutes: inside a 5-minute window
        ],
        ["s", "p"],
    )
    five = pd.Timedelta(minutes=5)
    assert funnel_table(log, window=five)["reached"].tolist() == [2, 1]  # a took 15 minutes
    # b entered 5 minutes before the log ends: not observed for a 15-minute window.
    assert funnel_table(log, window="15min")["reached"].tolist() == [1, 1]
    assert funnel_table(log, window="15min", observed_until=np.inf)["reached"].tolist() == [2, 2]
    assert funnel_table(log, window="299s")["reached"].tolist() == [2, 0]
    alone = log[log["buyer_id"] == "b"]
    assert funnel_table(alone, window=five)["reached"].tolist() == [1, 1]
    with pytest.warns(DeprecationWarning, match=r"bare number of days .* deprecated"):
        days = funnel_table(log, window=5 / 1440)
    assert days["reached"].tolist() == [2, 1]
    assert time_to_convert(log, window=five).to_dict() == {"b": 5 / 1440}
    assert step_times(log, window=five)["converters"].tolist() == [1]
    curve = conversion_window(log, [five, "15min", "14min"], observed_until=np.inf)
    assert curve["converted"].tolist() == [1, 2, 1]
    assert curve["window"].tolist() == [5 / 1440, 15 / 1440, 14 / 1440]
    # The window edge on numbers: exactly W counts, a hair more does not.
    nums = _log([(1, "A", 0.1), (1, "B", 0.4), (2, "A", 0.2), (2, "B", 0.5)], ["A", "B"])
    assert funnel_table(nums, window=0.3, observed_until=np.inf)["reached"].tolist()[1] == (
        int(0.4 - 0.1 <= 0.3) + int(0.5 - 0.2 <= 0.3)
    )


def test_ties_between_timestamps_count_in_order() -> None:
    log = _log(
        [
            (1, "A", 5.0), (1, "B", 5.0), (1, "C", 5.0),  # all at once: converts in 0
            (2, "B", 3.0), (2, "A", 3.0), (2, "C", 4.0),  # B listed before A, same time
            (3, "A", 1.0), (3, "A", 1.0), (3, "B", 2.0), (3, "B", 2.0),  # duplicated rows
        ],
        STAGES,
    )  # fmt: skip
    table = funnel_table(log)
    assert table["reached"].tolist() == [3, 3, 2]
    assert time_to_convert(log).sort_index().to_dict() == {1: 0.0, 2: 1.0}
    assert conversion_window(log, [0.0, 1.0])["converted"].tolist() == [1, 1]  # log ends at 5
    curve = conversion_window(log, [0.0, 1.0], observed_until=np.inf)
    assert curve["converted"].tolist() == [1, 2]
    edge = funnel_table(log, window=1.0, observed_until=np.inf)
    assert edge["reached"].tolist() == [3, 3, 2]  # buyer 2's C at exactly the window
    assert funnel_table(log, window=0.5, observed_until=np.inf)["reached"].tolist() == [3, 2, 1]


def test_every_column_of_the_funnel_results_by_hand() -> None:
    log = _log(
        [
            (1, "A", 0.0), (1, "B", 1.0), (1, "C", 4.0),
            (2, "A", 0.0), (2, "B", 3.0),
            (3, "A", 1.0), (3, "B", 2.0), (3, "C", 3.0),
            (4, "A", 2.0),
        ],
        STAGES,
    )  # fmt: skip
    table = funnel_table(log)
    assert table["stage"].astype(str).tolist() == STAGES
    assert table["reached"].tolist() == [4, 3, 2]
    assert table["step_conversion"].tolist() == [1.0, 0.75, pytest.approx(2 / 3)]
    low, high = fs.proportion_ci(np.array([4, 3, 2]), np.array([4, 4, 3]))
    assert table["ci_low"].to_numpy() == pytest.approx(low)
    assert table["ci_high"].to_numpy() == pytest.approx(high)
    assert table["cumulative_conversion"].tolist() == [1.0, 0.75, 0.5]
    assert table["drop_off"].tolist() == [0, 1, 1]
    assert table["drop_off_rate"].tolist() == [0.0, 0.25, pytest.approx(1 / 3)]
    leak = biggest_leak(log)
    assert leak.to_dict() == {
        "from_stage": "B",
        "to_stage": "C",
        "step_conversion": pytest.approx(2 / 3),
        "ci_low": pytest.approx(low[2]),
        "ci_high": pytest.approx(high[2]),
        "drop_off": 1,
        "drop_off_rate": pytest.approx(1 / 3),
    }
    lost = biggest_leak(log, by="lost")  # a tie at 1 lost: the earliest step
    assert (lost["from_stage"], lost["to_stage"]) == ("A", "B")
    with pytest.warns(DeprecationWarning, match=r"by='lost'"):
        assert biggest_leak(log, by="count")["to_stage"] == "B"
    steps = step_times(log)
    # A->B: 1, 3, 1 days; B->C: 3, 1 days.
    assert steps["from_stage"].tolist() == ["A", "B"]
    assert steps["to_stage"].tolist() == ["B", "C"]
    assert steps["converters"].tolist() == [3, 2]
    assert steps["mean"].tolist() == [pytest.approx(5 / 3), 2.0]
    assert steps["sd"].tolist() == [pytest.approx(np.std([1, 3, 1], ddof=1)), pytest.approx(2**0.5)]
    assert steps["se"].tolist() == [
        pytest.approx(np.std([1, 3, 1], ddof=1) / 3**0.5),
        pytest.approx(1.0),
    ]
    assert steps["median"].tolist() == [1.0, 2.0]
    assert steps["q25"].tolist() == [1.0, 1.5]
    assert steps["q75"].tolist() == [2.0, 2.5]
    curve = conversion_window(log, [1.0, 2.0, 4.0], observed_until=5.5)
    # Entrants at 0, 0, 1, 2; converters after 4 (buyer 1) and 2 (buyer 3) days.
    assert curve["window"].tolist() == [1.0, 2.0, 4.0]
    assert curve["entered"].tolist() == [4, 4, 3]  # buyer 4 (at 2) is not observed for 4 days
    assert curve["converted"].tolist() == [0, 1, 2]
    assert curve["rate"].tolist() == [0.0, 0.25, pytest.approx(2 / 3)]
    low, high = fs.proportion_ci(np.array([0, 1, 2]), np.array([4, 4, 3]))
    assert curve["ci_low"].to_numpy() == pytest.approx(low)
    assert curve["ci_high"].to_numpy() == pytest.approx(high)


def test_a_listed_stage_nobody_reached_is_a_row_of_zeros() -> None:
    log = _log([(1, "A", 0.0), (1, "B", 1.0), (2, "A", 0.0)])
    table = funnel_table(log, stages=["A", "B", "Paid"])
    assert table["reached"].tolist() == [2, 1, 0]
    assert table["drop_off"].tolist() == [0, 1, 1]
    assert funnel_table(log, stages=["Visit", "A"])["reached"].tolist() == [0, 0]


def test_dates_as_text_and_time_zones() -> None:
    rows = [("a", "s", "01.03.2024 12:00"), ("a", "p", "02.03.2024 12:00")]
    log = pd.DataFrame(rows, columns=["buyer_id", "stage", "entered_at"])
    with pytest.raises(ValueError, match=r"'01.03.2024 12:00', which is not ISO 8601"):
        time_to_convert(log, stages=["s", "p"])
    ttc = time_to_convert(log, stages=["s", "p"], date_format="%d.%m.%Y %H:%M")
    assert ttc.tolist() == [1.0]
    assert time_to_convert(log, stages=["s", "p"], dayfirst=True).tolist() == [1.0]
    iso = log.assign(entered_at=["2024-03-01T12:00", "2024-03-02T12:00"])
    assert time_to_convert(iso, stages=["s", "p"]).tolist() == [1.0]
    until = conversion_window(
        log, ["1D"], stages=["s", "p"], observed_until="02.03.2024 12:00", dayfirst=True
    )
    assert until[["entered", "converted"]].iloc[0].tolist() == [1, 1]
    aware = iso.assign(entered_at=pd.to_datetime(iso["entered_at"]).dt.tz_localize("Asia/Tokyo"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert time_to_convert(aware, stages=["s", "p"]).tolist() == [1.0]
        monthly = cohort_retention(aware, period="ME")
        assert [str(c) for c in monthly.cohorts] == ["2024-03"]
        utc = pd.Timestamp("2024-03-02 04:00", tz="UTC")  # 13:00 in Tokyo
        assert funnel_table(aware, stages=["s", "p"], window="1D", observed_until=utc)[
            "reached"
        ].tolist() == [1, 1]
    with pytest.raises(ValueError, match=r"observed_until and the log's times must both carry"):
        funnel_table(aware, stages=["s", "p"], window="1D", observed_until="2024-03-05")


def test_cohort_retention_takes_events_and_period_aliases() -> None:
    log = pd.DataFrame(
        {
            "buyer_id": [1, 1, 2, 3, 3],
            "entered_at": pd.to_datetime(
                ["2024-01-03", "2024-02-10", "2024-01-20", "2024-02-01", "2024-03-31"]
            ),
        }
    )
    table = cohort_retention(events=log, period="M")
    assert table.long["cohort"].astype(str).tolist() == [
        "2024-01", "2024-01", "2024-01", "2024-02", "2024-02"
    ]  # fmt: skip
    assert table.long["period"].tolist() == [0, 1, 2, 0, 1]
    assert table.long["calendar_period"].astype(str).tolist() == [
        "2024-01", "2024-02", "2024-03", "2024-02", "2024-03"
    ]  # fmt: skip
    assert table.long["size"].tolist() == [2, 2, 2, 1, 1]
    assert table.long["active"].tolist() == [2, 1, 0, 1, 1]
    assert table.long["retention"].tolist() == [1.0, 0.5, 0.0, 1.0, 1.0]
    low, high = fs.proportion_ci(np.array([2, 1, 0, 1, 1]), np.array([2, 2, 2, 1, 1]))
    assert table.long["ci_low"].to_numpy() == pytest.approx(low)
    assert table.long["ci_high"].to_numpy() == pytest.approx(high)
    assert table.long["active_on_or_after"].tolist() == [2, 1, 0, 1, 1]
    assert table.long["retention_on_or_after"].tolist() == [1.0, 0.5, 0.0, 1.0, 1.0]
    for alias in ("ME", "MS"):
        same = cohort_retention(log, period=alias)
        pd.testing.assert_frame_equal(same.long, table.long)
    with pytest.warns(DeprecationWarning, match=r"cohort_retention\(log=\.\.\.\) is deprecated"):
        old = cohort_retention(log=log, period="M")
    pd.testing.assert_frame_equal(old.long, table.long)
    with pytest.raises(TypeError, match=r"got both 'events' and its old name 'log'"):
        cohort_retention(log, log=log)
    text = log.assign(entered_at=log["entered_at"].dt.strftime("%d.%m.%Y"))
    pd.testing.assert_frame_equal(
        cohort_retention(text, period="M", date_format="%d.%m.%Y").long, table.long
    )


def test_buyer_ids_of_any_kind_give_the_same_answers() -> None:
    rows = [
        (0, "A", 0.0),
        (0, "B", 1.0),
        (3, "A", 0.5),
        (3, "B", 2.5),
        (3, "C", 3.0),
        (7, "A", 1.0),
    ]
    log = _log(rows, STAGES)
    sparse = log.assign(buyer_id=log["buyer_id"] * 10**12)  # too sparse to index directly
    text = log.assign(buyer_id=log["buyer_id"].map(lambda b: f"u{b}"))
    base = funnel_table(log)
    for other in (sparse, text):
        pd.testing.assert_frame_equal(funnel_table(other), base)
    assert time_to_convert(log).to_dict() == {3: 2.5}
    assert time_to_convert(sparse).to_dict() == {3 * 10**12: 2.5}
    assert time_to_convert(text).to_dict() == {"u3": 2.5}
    reps = pd.concat([log.assign(replication=0), sparse.assign(replication=1)])
    assert funnel_table(reps)["reached"].tolist() == [6, 4, 2]
    ttc = time_to_convert(reps)
    assert ttc.index.names == ["replication", "buyer_id"]
    assert ttc.to_dict() == {(0, 3): 2.5, (1, 3 * 10**12): 2.5}


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 5), st.sampled_from(STAGES), st.integers(0, 12)),
        min_size=1,
        max_size=30,
    ),
    steps=st.sampled_from([("A", "B"), ("A", "C"), ("B", "C")]),
    w=st.integers(0, 12),
    until=st.one_of(st.just(math.inf), st.integers(12, 30)),
)
def test_every_function_reads_the_same_path(rows, steps, w, until) -> None:
    log = _log([(b, s, float(t)) for b, s, t in rows], STAGES)
    per_buyer: dict[int, dict[str, list[float]]] = {}
    for b, s, t in rows:
        per_buyer.setdefault(b, {}).setdefault(s, []).append(float(t))
    paths = {b: _best_path(times, STAGES, None) for b, times in per_buyer.items()}
    i, j = STAGES.index(steps[0]), STAGES.index(steps[1])
    ttc = time_to_convert(log, from_stage=steps[0], to_stage=steps[1])
    assert ttc.to_dict() == {b: p[j] - p[i] for b, p in paths.items() if not math.isnan(p[j])}
    curve = conversion_window(
        log, [float(w)], from_stage=steps[0], to_stage=steps[1], observed_until=float(until)
    )
    seen = [p for p in paths.values() if not math.isnan(p[i]) and p[i] + w <= until]
    assert curve["entered"].iloc[0] == len(seen)
    assert curve["converted"].iloc[0] == sum(
        not math.isnan(p[j]) and p[j] - p[i] <= w for p in seen
    )
    if until == math.inf:
        assert curve["converted"].iloc[0] == int((ttc <= w).sum())
    table = funnel_table(log, window=float(w), observed_until=float(until))
    windowed = {b: _best_path(times, STAGES, float(w)) for b, times in per_buyer.items()}
    starts = [p for p in windowed.values() if not math.isnan(p[0]) and p[0] + w <= until]
    assert table["reached"].tolist() == [
        sum(not math.isnan(p[k]) for p in starts) for k in range(len(STAGES))
    ]


def test_deprecations_point_at_the_callers_line() -> None:
    dated = _dated([("a", "s", "2024-03-01"), ("a", "p", "2024-03-02")], ["s", "p"])
    for call in (
        lambda: conversion_window(dated, [1]),
        lambda: biggest_leak(dated, window=1),
        lambda: funnel_table(dated, window=1),
        lambda: biggest_leak(dated, by="count"),
        lambda: cohort_retention(log=dated, period="D"),
    ):
        with pytest.warns(DeprecationWarning) as record:
            call()
        assert all(w.filename == __file__ for w in record)


# A fixed-length period ("30D", a Timedelta) bins into periods of that length.
_THIRTY_DAY_LOG = pd.DataFrame(
    {
        "c": ["a", "a", "b", "a", "b"],
        "t": pd.to_datetime(["2024-03-01", "2024-03-31", "2024-03-30", "2024-05-25", "2024-04-29"]),
    }
)


@pytest.mark.parametrize("period", ["30D", pd.Timedelta(days=30)])
def test_cohort_retention_thirty_days_calendar_bins_from_first_day(period: object) -> None:
    # Periods from 1 March: [1-30 Mar], [31 Mar-29 Apr], [30 Apr-29 May].
    # a: 1 Mar (0), 31 Mar (1), 25 May (2); b: 30 Mar (0), 29 Apr (1).
    long = fs.cohort_retention(_THIRTY_DAY_LOG, customer="c", time="t", period=period).long
    assert long["period"].tolist() == [0, 1, 2]
    assert long["active"].tolist() == [2, 2, 1]
    assert long["size"].tolist() == [2, 2, 2]
    assert [str(p) for p in long["calendar_period"]] == ["2024-03-01", "2024-03-31", "2024-04-30"]
    assert long["calendar_period"].iloc[1].end_time.normalize() == pd.Timestamp("2024-04-29")


@pytest.mark.parametrize("period", ["30D", pd.Timedelta(days=30)])
def test_cohort_retention_thirty_days_first_event_windows(period: object) -> None:
    # b's clock starts 30 Mar: 29 Apr is exactly 30 days later, window 1.
    long = fs.cohort_retention(
        _THIRTY_DAY_LOG, customer="c", time="t", period=period, anchor="first_event"
    ).long
    assert long["active"].tolist() == [2, 2, 1]


def test_cohort_retention_two_month_periods_group_months() -> None:
    log = pd.DataFrame(
        {"c": ["a", "a", "a"], "t": pd.to_datetime(["2024-01-15", "2024-02-20", "2024-03-01"])}
    )
    long = fs.cohort_retention(log, customer="c", time="t", period="2M").long
    assert long["active"].tolist() == [1, 1]


def test_cohort_retention_first_event_refuses_months() -> None:
    with pytest.raises(ValueError, match=r"anchor='first_event'.*fixed length.*'M'"):
        fs.cohort_retention(
            _THIRTY_DAY_LOG, customer="c", time="t", period="M", anchor="first_event"
        )


def test_cohort_retention_refuses_bad_duration() -> None:
    with pytest.raises(ValueError, match="period must be a positive duration"):
        fs.cohort_retention(_THIRTY_DAY_LOG, customer="c", time="t", period=pd.Timedelta(0))


_FOREIGN_LOG = pd.DataFrame({"user_id": [1], "event": ["visit"], "ts": ["2024-01-01"]})


@pytest.mark.parametrize(
    "call",
    [
        fs.funnel_table,
        fs.time_to_convert,
        fs.step_times,
        lambda log: fs.conversion_window(log, ["1D"]),
    ],
)
def test_funnel_functions_missing_columns_say_how_to_rename(call: object) -> None:
    with pytest.raises(
        ValueError,
        match=r"missing column\(s\) \['buyer_id', 'stage', 'entered_at'\].*"
        r"expected columns \['buyer_id', 'stage', 'entered_at'\].*"
        r"events\.rename\(columns=\{'your customer/user id column': 'buyer_id', .*"
        r"'your timestamp column': 'entered_at'\}\)",
    ):
        call(_FOREIGN_LOG)  # type: ignore[operator]


def test_cohort_retention_missing_columns_name_customer_and_time() -> None:
    with pytest.raises(
        ValueError,
        match=r"missing column\(s\) \['entered_at'\].*name your columns with customer= and "
        r"time=.*events\.rename\(columns=\{'your time column': 'entered_at'\}\)",
    ):
        fs.cohort_retention(_FOREIGN_LOG, customer="user_id")
    # The hint is right: naming the columns makes the call work.
    table = fs.cohort_retention(_FOREIGN_LOG, customer="user_id", time="ts", period="D")
    assert table.long["active"].tolist() == [1]


def test_time_to_convert_accepts_an_infinite_window_as_no_window():
    # found by mutation testing (docs/mutation.md): the window may be inf
    log = pd.DataFrame(
        {
            "buyer_id": [1, 1, 2, 2, 3],
            "stage": ["A", "B", "A", "B", "A"],
            "entered_at": [0.0, 2, 1, 6, 2],
        }
    )
    unbounded = time_to_convert(log, stages=["A", "B"], window=np.inf)
    pd.testing.assert_series_equal(unbounded, time_to_convert(log, stages=["A", "B"]))
    assert sorted(unbounded.tolist()) == [2.0, 5.0]
