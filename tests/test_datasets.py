"""Tests for the shipped data sets and their loaders."""

from __future__ import annotations

import gzip
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from funnelsim.data import make_saas_events

from funnelsim.analytics import cohort_retention, funnel_table, step_times
from funnelsim.datasets import load_cdnow, load_saas_events
from funnelsim.engine import EVENT_COLUMNS
from funnelsim.retention import fit_sbg


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return load_cdnow()


def test_cdnow_shape_and_types(cdnow: pd.DataFrame) -> None:
    assert list(cdnow.columns) == ["customer_id", "date", "cds", "amount"]
    assert len(cdnow) == 69_659
    assert cdnow["customer_id"].nunique() == 23_570
    assert pd.api.types.is_string_dtype(cdnow["customer_id"])
    assert pd.api.types.is_datetime64_any_dtype(cdnow["date"])
    assert cdnow["cds"].dtype == np.int64
    assert cdnow["amount"].dtype == np.float64


def test_cdnow_keeps_zero_padding_and_ranges(cdnow: pd.DataFrame) -> None:
    assert cdnow["customer_id"].iloc[0] == "00001"
    assert cdnow["customer_id"].str.len().eq(5).all()
    assert cdnow["customer_id"].max() == "23570"
    assert cdnow["date"].min() == pd.Timestamp("1997-01-01")
    assert cdnow["date"].max() == pd.Timestamp("1998-06-30")
    assert cdnow["cds"].min() == 1
    assert cdnow["amount"].min() == 0.0


def test_cdnow_numbers_quoted_in_the_datasheet(cdnow: pd.DataFrame) -> None:
    first = cdnow.groupby("customer_id")["date"].min()
    assert first.max() == pd.Timestamp("1997-03-25")
    assert first.dt.month.value_counts().sort_index().tolist() == [7_846, 8_476, 7_248]
    assert int((cdnow["amount"] == 0).sum()) == 80
    assert int(cdnow.duplicated().sum()) == 255
    assert len(cdnow[["customer_id", "date"]].drop_duplicates()) == 67_591
    repeaters = cdnow.groupby("customer_id")["date"].nunique().gt(1).sum()
    assert int(repeaters) == 11_516
    assert int(cdnow["cds"].sum()) == 167_881
    assert cdnow["amount"].sum() == pytest.approx(2_500_315.63, abs=0.01)


def test_cdnow_matches_the_raw_file_row_for_row(cdnow: pd.DataFrame) -> None:
    raw = resources.files("funnelsim.data").joinpath("cdnow.txt.gz").read_bytes()
    lines = gzip.decompress(raw).decode().splitlines()
    assert lines[0].split() == ["customer_id", "date", "number_of_cds", "dollar_value"]
    assert len(lines) - 1 == len(cdnow)
    last = lines[-1].split()
    row = cdnow.iloc[-1]
    assert row["customer_id"] == last[0]
    assert row["date"] == pd.Timestamp(last[1])
    assert row["cds"] == int(last[2])
    assert row["amount"] == float(last[3])


def test_loader_returns_independent_copies() -> None:
    a = load_cdnow()
    a.loc[0, "amount"] = -1.0
    assert load_cdnow().loc[0, "amount"] == 11.77


# ---------------------------------------------------------------------------
# The synthetic SaaS log
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def saas() -> pd.DataFrame:
    return load_saas_events()


def test_saas_events_schema(saas: pd.DataFrame) -> None:
    assert list(saas.columns) == list(EVENT_COLUMNS)
    assert saas["buyer_id"].dtype == np.int64
    assert list(saas["stage"].cat.categories) == list(make_saas_events.STAGES)
    assert saas["stage"].cat.ordered
    assert saas["converted"].dtype == bool
    assert len(saas) == 58_747
    counts = saas["stage"].value_counts()
    assert [counts[s] for s in make_saas_events.STAGES] == [12_000, 4_238, 2_309, 707, 39_493]
    assert saas["entered_at"].between(0, make_saas_events.END_DAY).all()
    active = saas[saas["stage"] == "Active"]
    assert (active["exited_at"] == active["entered_at"]).all()
    assert not active["converted"].any()
    keys = saas[["buyer_id", "entered_at"]].to_numpy()
    assert np.all(np.diff(keys[:, 0]) >= 0)


def test_saas_events_file_is_small() -> None:
    size = len(resources.files("funnelsim.data").joinpath("saas_events.csv.gz").read_bytes())
    assert size < 1_000_000


def test_saas_events_regenerate_byte_for_byte(tmp_path) -> None:
    out = make_saas_events.write(tmp_path / "again.csv.gz")
    shipped = resources.files("funnelsim.data").joinpath("saas_events.csv.gz").read_bytes()
    assert out.read_bytes() == shipped  # so the loaded frame is the regenerated one too
    assert gzip.decompress(shipped).split(b"\n", 1)[0].decode() == ",".join(EVENT_COLUMNS)


def test_saas_events_answers_are_recoverable(saas: pd.DataFrame) -> None:
    funnel = list(make_saas_events.FUNNEL_STAGES)
    table = funnel_table(saas, stages=funnel)
    prev = table["reached"].shift(1).to_numpy()[1:]
    for rate, got, n in zip(
        list(make_saas_events.RATES.values())[1:],
        table["step_conversion"].iloc[1:],
        prev,
        strict=True,
    ):
        assert abs(got - rate) < 4 * np.sqrt(rate * (1 - rate) / n)
    times = step_times(saas, stages=funnel)
    means = [make_saas_events.TIMES[s].mean for s in funnel[:-1]]
    assert np.all(np.abs(times["mean"].to_numpy() - means) < 4 * times["se"].to_numpy())
    weekly = cohort_retention(saas[saas["stage"] == "Active"], period=7.0)
    fit = fit_sbg(weekly)
    truth = make_saas_events.WEEKLY_CHURN
    assert abs(fit.alpha - truth.alpha) < 4 * fit.se_alpha
    assert abs(fit.beta - truth.beta) < 4 * fit.se_beta


def test_saas_loader_returns_copies() -> None:
    a = load_saas_events()
    a.loc[0, "buyer_id"] = -1
    assert load_saas_events().loc[0, "buyer_id"] == 0
