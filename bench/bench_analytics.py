"""Benchmark the event-log analytics and RFM against duckdb, polars and pandas (issue 10).

Run with ``.venv/bin/python bench/bench_analytics.py`` (1M-row log, about a
minute) or ``--rows 10000000`` (or ``FUNNELSIM_BENCH_ROWS=10000000``) for the
10M-row log of the issue's target. Every figure is a median over repeats, and
every headline is a **ratio** against baselines timed in the same run on the
same data, because absolute times on a shared 2-core machine are noisy.

The log: ``rows`` events of ``rows / 4`` buyers, each row a buyer drawn
uniformly, a stage ``S0 .. S4`` (probabilities 40/25/15/12/8 %) and a time
uniform on ``[0, 365)`` days (float64), in random order — so paths need the
greedy matching (events out of order, repeats) and nothing is pre-sorted. The
columns are the engine's (``buyer_id, stage, entered_at, exited_at,
converted``; the stage categorical), 26 bytes a row.

For each of ``funnel_table`` (a 30-day window, the default ``observed_until``),
``time_to_convert`` (S0 to S4), ``conversion_window`` (1, 7, 30 days and no
limit) and ``cohort_retention`` (weekly calendar periods):

* the library call, from the pandas DataFrame to its result;
* the same query in duckdb SQL (``SET threads = 1``) on the same DataFrame,
  fetched as numpy arrays, and in polars (``POLARS_MAX_THREADS=1``) from a
  polars copy of the log made before timing. The results are checked equal to
  the library's (counts exactly, times exactly) before anything is timed.

The targets (issue 10): each function ≤ 1.0× duckdb; per-row cost flat from
10⁴ rows up (printed: ns/row at the largest size over ns/row at 10⁴; at most
1.5 counts as flat — below 1 the fixed cost of a call dominates small logs); peak
memory (tracemalloc, which sees numpy's and pandas' buffers) ≤ 3× the log's
in-memory size. RFM: ``rfm`` on CDNOW and on CDNOW ×20 (20 copies, customers
renamed apart; 1.39M rows) against a plain pandas groupby of the same three
aggregates (last date, purchase count, spend) — the floor any RFM pays before
scoring. The RFM times are CPU times (``time.process_time``) of the two calls
interleaved, median of 9: on a shared machine they are far steadier than wall time.
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
from collections.abc import Callable

os.environ.setdefault("POLARS_MAX_THREADS", "1")  # before polars is imported

import duckdb
import numpy as np
import pandas as pd
import polars as pl
from _common import (
    median_cpu_times,
    median_time,
    report,
)  # bench/ is on sys.path when run as a script

import funnelsim as fs

STAGES = ["S0", "S1", "S2", "S3", "S4"]
SHARES = [0.40, 0.25, 0.15, 0.12, 0.08]
WINDOW = 30.0
WINDOWS = [1.0, 7.0, 30.0, np.inf]
WEEK = 7.0


def make_log(rows: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    buyers = max(rows // 4, 1)
    codes = rng.choice(len(STAGES), size=rows, p=SHARES).astype(np.int8)
    entered = rng.random(rows) * 365.0
    return pd.DataFrame(
        {
            "buyer_id": rng.integers(0, buyers, rows),
            "stage": pd.Categorical.from_codes(codes, categories=STAGES, ordered=True),
            "entered_at": entered,
            "exited_at": entered + rng.random(rows),
            "converted": rng.random(rows) < 0.5,
        }
    )


# -- the library ------------------------------------------------------------------------------


def lib_funnel(log: pd.DataFrame) -> np.ndarray:
    return fs.funnel_table(log, window=WINDOW)["reached"].to_numpy()


def lib_ttc(log: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    s = fs.time_to_convert(log)
    return s.index.to_numpy(), s.to_numpy()


def lib_window(log: pd.DataFrame) -> np.ndarray:
    out = fs.conversion_window(log, WINDOWS)
    return out[["entered", "converted"]].to_numpy()


def lib_cohort(log: pd.DataFrame) -> pd.DataFrame:
    long = fs.cohort_retention(log, period=WEEK).long
    return long.loc[long["active"] > 0, ["cohort", "period", "size", "active",
                                         "active_on_or_after"]]  # fmt: skip


# -- duckdb -----------------------------------------------------------------------------------


def _paths_sql(window: float | None) -> str:
    """CTEs p0 .. p4: each buyer's path (first S0, then the earliest next entry)."""
    parts = ["p0 AS (SELECT buyer_id, min(entered_at) AS t FROM log WHERE stage = 'S0' GROUP BY 1)"]
    for k in range(1, len(STAGES)):
        cond = f"l.stage = 'S{k}' AND l.entered_at >= p.t"
        join = f"JOIN p{k - 1} p ON l.buyer_id = p.buyer_id"
        if window is not None:
            join += " JOIN p0 s ON l.buyer_id = s.buyer_id"
            cond += f" AND l.entered_at - s.t <= {window}"
        parts.append(
            f"p{k} AS (SELECT l.buyer_id, min(l.entered_at) AS t FROM log l {join} "
            f"WHERE {cond} GROUP BY 1)"
        )
    return "WITH " + ",\n".join(parts)


def duck_funnel(con: duckdb.DuckDBPyConnection) -> np.ndarray:
    counts = ", ".join(
        f"(SELECT count(*) FROM p{k} JOIN p0 s USING (buyer_id) WHERE s.t <= e.m - {WINDOW})"
        for k in range(len(STAGES))
    )
    sql = _paths_sql(WINDOW) + f"\nSELECT {counts} FROM (SELECT max(entered_at) m FROM log) e"
    return np.array(con.execute(sql).fetchone())


def duck_ttc(con: duckdb.DuckDBPyConnection) -> tuple[np.ndarray, np.ndarray]:
    last = len(STAGES) - 1
    sql = _paths_sql(None) + (
        f"\nSELECT p{last}.buyer_id, p{last}.t - p0.t AS d FROM p{last} JOIN p0 USING (buyer_id) "
        "ORDER BY 1"
    )
    out = con.execute(sql).fetchnumpy()
    return out["buyer_id"], out["d"]


def duck_window(con: duckdb.DuckDBPyConnection) -> np.ndarray:
    last = len(STAGES) - 1
    cols = []
    for w in WINDOWS:
        cut = "TRUE" if np.isinf(w) else f"p0.t <= e.m - {w}"
        hit = "TRUE" if np.isinf(w) else f"p{last}.t - p0.t <= {w}"
        cols += [
            f"count(*) FILTER (WHERE {cut})",
            f"count(p{last}.t) FILTER (WHERE {cut} AND {hit})",
        ]
    sql = _paths_sql(None) + (
        f"\nSELECT {', '.join(cols)} FROM p0 LEFT JOIN p{last} USING (buyer_id), "
        "(SELECT max(entered_at) m FROM log) e"
    )
    return np.array(con.execute(sql).fetchone()).reshape(len(WINDOWS), 2)


def duck_cohort(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    sql = f"""
    WITH b AS (SELECT buyer_id, CAST(floor(entered_at / {WEEK}) AS BIGINT) AS bin FROM log),
    f AS (SELECT buyer_id, min(bin) AS c FROM b GROUP BY 1),
    a AS (SELECT DISTINCT b.buyer_id, f.c, b.bin - f.c AS age FROM b JOIN f USING (buyer_id)),
    size AS (SELECT c, count(*) AS n FROM f GROUP BY 1),
    act AS (SELECT c, age, count(*) AS active FROM a GROUP BY 1, 2),
    lasts AS (SELECT c, max(age) AS age FROM a GROUP BY buyer_id, c),
    ends AS (SELECT c, age, count(*) AS e FROM lasts GROUP BY 1, 2)
    SELECT act.c AS cohort, act.age AS period, size.n AS size, act.active,
           sum(coalesce(ends.e, 0)) OVER (PARTITION BY act.c ORDER BY act.age DESC
                                          ROWS UNBOUNDED PRECEDING) AS active_on_or_after
    FROM act JOIN size USING (c) LEFT JOIN ends USING (c, age)
    ORDER BY 1, 2
    """
    return con.execute(sql).df()


# -- polars -----------------------------------------------------------------------------------


def _pl_paths(log: pl.DataFrame, window: float | None) -> list[pl.DataFrame]:
    paths = [
        log.filter(pl.col("stage") == "S0").group_by("buyer_id").agg(pl.col("entered_at").min())
    ]
    start = paths[0].rename({"entered_at": "t0"})
    for k in range(1, len(STAGES)):
        prev = paths[-1].rename({"entered_at": "tp"})
        rows = log.filter(pl.col("stage") == f"S{k}").join(prev, on="buyer_id")
        cond = pl.col("entered_at") >= pl.col("tp")
        if window is not None:
            rows = rows.join(start, on="buyer_id")
            cond = cond & (pl.col("entered_at") - pl.col("t0") <= window)
        paths.append(rows.filter(cond).group_by("buyer_id").agg(pl.col("entered_at").min()))
    return paths


def polars_funnel(log: pl.DataFrame) -> np.ndarray:
    paths = _pl_paths(log, WINDOW)
    end = log["entered_at"].max()
    assert isinstance(end, float)
    start = paths[0].rename({"entered_at": "t0"}).filter(pl.col("t0") <= end - WINDOW)
    return np.array([p.join(start, on="buyer_id").height for p in paths])


def polars_ttc(log: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    paths = _pl_paths(log, None)
    out = (
        paths[-1]
        .join(paths[0].rename({"entered_at": "t0"}), on="buyer_id")
        .select("buyer_id", (pl.col("entered_at") - pl.col("t0")).alias("d"))
        .sort("buyer_id")
    )
    return out["buyer_id"].to_numpy(), out["d"].to_numpy()


def polars_window(log: pl.DataFrame) -> np.ndarray:
    paths = _pl_paths(log, None)
    end = log["entered_at"].max()
    assert isinstance(end, float)
    both = paths[0].rename({"entered_at": "t0"}).join(paths[-1], on="buyer_id", how="left")
    d = pl.col("entered_at") - pl.col("t0")
    rows = []
    for w in WINDOWS:
        cut = pl.col("t0").is_not_null() if np.isinf(w) else pl.col("t0") <= end - w
        hit = d.is_not_null() if np.isinf(w) else d <= w
        got = both.select(cut.sum().alias("n"), (cut & hit).sum().alias("k"))
        rows.append([got["n"][0], got["k"][0]])
    return np.array(rows)


def polars_cohort(log: pl.DataFrame) -> pd.DataFrame:
    b = log.select("buyer_id", (pl.col("entered_at") / WEEK).floor().cast(pl.Int64).alias("bin"))
    f = b.group_by("buyer_id").agg(pl.col("bin").min().alias("c"))
    a = b.join(f, on="buyer_id").select("buyer_id", "c", (pl.col("bin") - pl.col("c")).alias("age"))
    a = a.unique()
    size = f.group_by("c").len("size")
    act = a.group_by("c", "age").len("active")
    ends = a.group_by("buyer_id", "c").agg(pl.col("age").max()).group_by("c", "age").len("e")
    out = (
        act.join(size, on="c")
        .join(ends, on=["c", "age"], how="left")
        .with_columns(pl.col("e").fill_null(0))
        .sort(["c", "age"], descending=[False, True])
        .with_columns(pl.col("e").cum_sum().over("c").alias("active_on_or_after"))
        .sort(["c", "age"])
    )
    return out.select(
        pl.col("c").alias("cohort"), pl.col("age").alias("period"), "size", "active",
        "active_on_or_after",
    ).to_pandas()  # fmt: skip


# -- checks, timing ---------------------------------------------------------------------------


def _same_table(ours: pd.DataFrame, theirs: pd.DataFrame) -> bool:
    a = ours.reset_index(drop=True).astype(np.int64)
    b = theirs.reset_index(drop=True).astype(np.int64)
    return bool(a.shape == b.shape and (a.to_numpy() == b.to_numpy()).all())


def _same(ours: object, theirs: object) -> bool:
    if isinstance(ours, pd.DataFrame):
        assert isinstance(theirs, pd.DataFrame)
        return _same_table(ours, theirs)
    if isinstance(ours, tuple):
        assert isinstance(theirs, tuple)
        return all(
            np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(ours, theirs, strict=True)
        )
    return bool(np.array_equal(np.asarray(ours), np.asarray(theirs)))


def peak_bytes(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def per_row_ns(fn: Callable[[pd.DataFrame], object], sizes: list[int]) -> list[float]:
    out = []
    for n in sizes:
        log = make_log(n, seed=2)
        repeats = 5 if n <= 1_000_000 else 2
        out.append(median_time(lambda lg=log: fn(lg), repeats) / n * 1e9)
    return out


def rfm_rows(out: dict[str, float]) -> list[tuple[str, str, str]]:
    cdnow = fs.load_cdnow()
    big = pd.concat(
        [cdnow.assign(customer_id=cdnow["customer_id"] + f"-{i:02d}") for i in range(20)],
        ignore_index=True,
    )
    rows = []
    for name, tx in (("CDNOW", cdnow), ("CDNOW x20", big)):

        def plain(tx: pd.DataFrame = tx) -> pd.DataFrame:
            return tx.groupby("customer_id").agg(
                last=("date", "max"), orders=("date", "size"), spend=("amount", "sum")
            )

        # Identical results first: the customers, recency to the nanosecond, purchase days
        # and orders exactly, spend to rounding (bincount and pandas' compensated sum).
        ours, orders = fs.rfm(tx), fs.rfm(tx, frequency="orders")
        ref = plain()
        days = tx["date"].dt.normalize().groupby(tx["customer_id"]).nunique()
        age = (tx["date"].max() - ref["last"]).to_numpy().astype("timedelta64[ns]")
        recency = age.astype(np.int64) / 86_400e9
        assert ours["customer_id"].tolist() == ref.index.tolist()
        assert np.array_equal(orders["frequency"].to_numpy(), ref["orders"].to_numpy())
        assert np.array_equal(ours["frequency"].to_numpy(), days.to_numpy())
        assert np.array_equal(ours["recency"].to_numpy(), recency)
        assert np.allclose(ours["monetary"].to_numpy(), ref["spend"].to_numpy(), rtol=1e-12)
        cpu = median_cpu_times({"rfm": lambda tx=tx: fs.rfm(tx), "groupby": plain}, 9)
        t_lib, t_base = cpu["rfm"], cpu["groupby"]
        ratio = t_lib / t_base
        key = name.replace(" ", "_").lower()
        out |= {f"rfm_{key}_ms": t_lib * 1e3, f"rfm_{key}_over_groupby": ratio}
        rows += [
            (f"rfm on {name} ({len(tx):,} rows, CPU)", f"{t_lib * 1e3:.1f} ms", "results equal"),
            (
                "  pandas groupby (last, count, sum)",
                f"{t_base * 1e3:.1f} ms",
                f"rfm = {ratio:.2f} x groupby  {'meets' if ratio <= 1.0 else 'MISSES'} <= 1.0",
            ),
        ]
    return rows


def main(rows: int) -> dict[str, float]:
    log = make_log(rows)
    log_bytes = int(log.memory_usage(deep=True).sum())
    con = duckdb.connect()
    con.execute("SET threads = 1")
    con.register("log", log)
    plog = pl.from_pandas(log).with_columns(pl.col("stage").cast(pl.String).cast(pl.Categorical))
    cases = {
        "funnel_table": (lib_funnel, duck_funnel, polars_funnel),
        "time_to_convert": (lib_ttc, duck_ttc, polars_ttc),
        "conversion_window": (lib_window, duck_window, polars_window),
        "cohort_retention": (lib_cohort, duck_cohort, polars_cohort),
    }
    repeats = 5 if rows <= 1_000_000 else 3
    sizes = [10_000, 100_000, 1_000_000] + ([rows] if rows > 1_000_000 else [])
    out: dict[str, float] = {"rows": rows, "log_bytes": log_bytes}
    table: list[tuple[str, str, str]] = []
    for name, (lib, duck, pol) in cases.items():
        ours = lib(log)
        for other, got in (("duckdb", duck(con)), ("polars", pol(plog))):
            if not _same(ours, got):
                raise AssertionError(f"{name}: the library and {other} disagree")
        t_lib = median_time(lambda f=lib: f(log), repeats)
        t_duck = median_time(lambda f=duck: f(con), repeats)
        t_pol = median_time(lambda f=pol: f(plog), repeats)
        peak = peak_bytes(lambda f=lib: f(log)) / log_bytes
        flat = per_row_ns(lib, sizes)
        spread = flat[-1] / flat[0]  # growth of the cost per row from 1e4 rows to the largest
        r_duck, r_pol = t_lib / t_duck, t_lib / t_pol
        out |= {
            f"{name}_ms": t_lib * 1e3,
            f"{name}_duckdb_ms": t_duck * 1e3,
            f"{name}_polars_ms": t_pol * 1e3,
            f"{name}_over_duckdb": r_duck,
            f"{name}_over_polars": r_pol,
            f"{name}_peak_over_log": peak,
            f"{name}_ns_per_row_spread": spread,
        }
        ok = "meets" if r_duck <= 1.0 else "MISSES"
        table += [
            (f"{name} ({rows:,} rows)", f"{t_lib * 1e3:.0f} ms", ""),
            ("  duckdb, 1 thread (results equal)", f"{t_duck * 1e3:.0f} ms",
             f"library = {r_duck:.2f} x duckdb  {ok} <= 1.0"),
            ("  polars, 1 thread (results equal)", f"{t_pol * 1e3:.0f} ms",
             f"library = {r_pol:.2f} x polars"),
            ("  peak memory / log size", f"{peak:.2f}",
             f"{'meets' if peak <= 3 else 'MISSES'} <= 3"),
            ("  ns per row at " + ", ".join(f"{n:.0e}" for n in sizes),
             " / ".join(f"{v:.0f}" for v in flat),
             f"largest / 1e4 = {spread:.2f}  {'meets' if spread <= 1.5 else 'MISSES'} flat"),
        ]  # fmt: skip
    table += rfm_rows(out)
    load = os.getloadavg()
    table.append(("load average (1, 5, 15 min)", " ".join(f"{x:.2f}" for x in load), ""))
    out["load_1min"] = load[0]
    report(table, "analytics", out)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=int(os.environ.get("FUNNELSIM_BENCH_ROWS", 1_000_000))
    )
    t0 = time.perf_counter()
    main(parser.parse_args().rows)
    print(f"(total {time.perf_counter() - t0:.0f} s)")
