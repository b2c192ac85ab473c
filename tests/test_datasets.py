"""Tests for the shipped data sets and their loaders."""

from __future__ import annotations

import gzip
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from funnelsim.datasets import load_cdnow


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
