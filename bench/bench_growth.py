"""Benchmark the growth model and referral cascades (issue 3), all in one process.

Run with ``.venv/bin/python bench/bench_growth.py`` (or import and call
:func:`main`, which returns the figures as a dict). Every figure is a median
over repeats; the headline is a **ratio** against plain-numpy baselines timed
in the same run, since absolute timings on a shared 2-core machine are noisy.

Growth model: 36 periods, 10⁵ paid leads per period through AAARRR, referral on
(each active customer sends 0.5 invites a period, 30 % accepted).

* ``simulate_growth`` (one aggregate draw per step and period, plus the frame)
* baseline A, same aggregate draws in a bare numpy loop (no validation, no frame)
* baseline B, one draw per person: a uniform per lead per stage, per active
  customer for churn, a Poisson per customer for invites

Referral cascade: 100 seed buyers, K = 2, a market of 10⁶: the cascade grows
to about 8 × 10⁵ buyers.

* ``simulate_referrals`` (one Poisson + one hypergeometric per generation)
* baseline A, the same aggregate draws in a bare loop
* baseline B, one Poisson (invites) and one binomial (conversions) per buyer,
  then the same hypergeometric thinning
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

import funnelsim as fs

PERIODS = 36
LEADS = 100_000
INVITES, CONVERSION, CHURN = 0.5, 0.3, 0.05
SEED_BUYERS, REF_INVITES, REF_CONVERSION, MARKET = 100, 4.0, 0.5, 1_000_000


def median_time(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``fn()`` in seconds, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


# -- growth ---------------------------------------------------------------------------------


def growth_library(rng: np.random.Generator) -> object:
    return fs.simulate_growth(
        PERIODS,
        funnel=fs.aaarrr(),
        new_leads=LEADS,
        invites_per_customer=INVITES,
        invite_conversion=CONVERSION,
        churn=CHURN,
        referred_churn_multiplier=1.0,
        seed=rng,
    )


def growth_aggregate(rng: np.random.Generator) -> int:
    """Baseline A: the same binomial/Poisson draws per period, nothing else."""
    rates = fs.aaarrr().rates
    active_p = active_r = 0
    for _ in range(PERIODS):
        ref_in = rng.poisson((active_p + active_r) * INVITES * CONVERSION)
        n = LEADS
        for p in rates[1:5]:
            n = rng.binomial(n, p)
        m = ref_in
        for p in rates[2:5]:
            m = rng.binomial(m, p)
        active_p = rng.binomial(active_p, 1 - CHURN) + n
        active_r = rng.binomial(active_r, 1 - CHURN) + m
    return int(active_p + active_r)


def growth_per_person(rng: np.random.Generator) -> int:
    """Baseline B: one draw per lead per stage and per customer per period."""
    reach = fs.aaarrr().reach
    active = 0
    for _ in range(PERIODS):
        invites = rng.poisson(INVITES, size=active)
        ref_in = int(np.count_nonzero(rng.random(int(invites.sum())) < CONVERSION))
        paid = int(np.count_nonzero(rng.random(LEADS) < reach[4]))
        referred = int(np.count_nonzero(rng.random(ref_in) < reach[4] / reach[1]))
        stay = int(np.count_nonzero(rng.random(active) >= CHURN))
        active = stay + paid + referred
    return active


# -- referral cascade ------------------------------------------------------------------------


def referral_library(rng: np.random.Generator) -> int:
    r = fs.simulate_referrals(
        SEED_BUYERS, REF_INVITES, REF_CONVERSION, market_size=MARKET, seed=rng
    )
    return int(r.total)


def referral_aggregate(rng: np.random.Generator) -> int:
    """Baseline A: one Poisson and one hypergeometric draw per generation."""
    new = cum = SEED_BUYERS
    while new:
        x = rng.poisson(new * REF_INVITES * REF_CONVERSION)
        new = int(rng.hypergeometric(MARKET - cum, cum, min(x, MARKET)))
        cum += new
    return cum


def referral_per_buyer(rng: np.random.Generator) -> int:
    """Baseline B: invites and conversions drawn buyer by buyer (vectorised numpy)."""
    new = cum = SEED_BUYERS
    while new:
        invites = rng.poisson(REF_INVITES, size=new)
        x = int(rng.binomial(invites, REF_CONVERSION).sum())
        new = int(rng.hypergeometric(MARKET - cum, cum, min(x, MARKET)))
        cum += new
    return cum


def main() -> dict[str, float]:
    rng = np.random.default_rng(2026)
    g_lib = median_time(lambda: growth_library(rng), 21)
    g_agg = median_time(lambda: growth_aggregate(rng), 21)
    g_per = median_time(lambda: growth_per_person(rng), 5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        r_lib = median_time(lambda: referral_library(rng), 21)
    r_agg = median_time(lambda: referral_aggregate(rng), 21)
    r_per = median_time(lambda: referral_per_buyer(rng), 7)
    total = float(np.median([referral_library(np.random.default_rng(s)) for s in range(5)]))

    out = {
        "growth_library_ms": g_lib * 1e3,
        "growth_aggregate_numpy_ms": g_agg * 1e3,
        "growth_per_person_numpy_ms": g_per * 1e3,
        "growth_library_over_aggregate": g_lib / g_agg,
        "growth_per_person_over_library": g_per / g_lib,
        "referral_buyers": total,
        "referral_library_ms": r_lib * 1e3,
        "referral_aggregate_numpy_ms": r_agg * 1e3,
        "referral_per_buyer_numpy_ms": r_per * 1e3,
        "referral_library_over_aggregate": r_lib / r_agg,
        "referral_per_buyer_over_library": r_per / r_lib,
    }
    rows = [
        ("growth: simulate_growth (36 x 10^5)", f"{out['growth_library_ms']:.2f} ms", ""),
        (
            "growth: baseline A, same aggregate draws",
            f"{out['growth_aggregate_numpy_ms']:.2f} ms",
            f"library = {out['growth_library_over_aggregate']:.1f} x A",
        ),
        (
            "growth: baseline B, one draw per person",
            f"{out['growth_per_person_numpy_ms']:.1f} ms",
            f"B = {out['growth_per_person_over_library']:.0f} x library",
        ),
        (
            f"referral: simulate_referrals (~{total:,.0f} buyers)",
            f"{out['referral_library_ms']:.2f} ms",
            "",
        ),
        (
            "referral: baseline A, same aggregate draws",
            f"{out['referral_aggregate_numpy_ms']:.3f} ms",
            f"library = {out['referral_library_over_aggregate']:.1f} x A",
        ),
        (
            "referral: baseline B, one draw per buyer",
            f"{out['referral_per_buyer_numpy_ms']:.1f} ms",
            f"B = {out['referral_per_buyer_over_library']:.0f} x library",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>12}  {note}")
    results = Path(__file__).parent / "results"
    results.mkdir(exist_ok=True)
    (results / "growth.json").write_text(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
