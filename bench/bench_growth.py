"""Benchmark the growth model and referral cascades (issue 3), all in one process.

Run with ``.venv/bin/python bench/bench_growth.py`` (or import and call
:func:`main`, which returns the figures as a dict). Every figure is a median
over repeats; the headline is a **ratio** against plain-numpy baselines timed
in the same run, since absolute timings on a shared 2-core machine are noisy.

Growth model: 36 periods, 10⁵ paid leads per period through AAARRR, referral on
(each active customer sends 0.5 invites a period, 30 % accepted).

* ``simulate_growth`` (one aggregate draw per step and period, plus the frame)
* baseline A, the same aggregate draws in a bare numpy loop (no validation, no
  frame). Seeded alike, it returns exactly the library's final active count:
  :func:`main` checks that before timing, so the ratio compares the same draws.
* baseline B, one draw per person: a uniform per lead per stage, a uniform per
  active customer for churn, a Poisson per customer for invites and a uniform
  per invite for its acceptance

Referral cascades to about 10⁶ buyers, two of them:

* subcritical: 10⁵ seed buyers, K = 0.9, no market limit, so the mean total is
  10⁵ / (1 − 0.9) = 10⁶ buyers over about a hundred generations;
* saturating: 100 seed buyers, K = 4, a market of 10⁶ people; the cascade
  reaches the whole market within a dozen generations (once a generation's
  converted invites outnumber the market, every remaining person is reached).

For each, ``simulate_referrals`` (one Poisson, plus one hypergeometric with a
market, per generation) against baseline A, the same aggregate draws in a bare
loop (checked to give the identical total), and baseline B, one Poisson
(invites) and one binomial (conversions) per buyer, then the same thinning.

The counts-mode referral funnel (issue 10, target ≤ 5 × plain numpy):
``simulate_funnel_with_referrals`` (AAARRR, 10⁵ paid buyers, 4 invites per
referrer, 25 % accepted, 5 generations) against the same binomial chains,
Poissons and binomials in a bare loop, checked to give the identical counts.
Times are CPU medians with the two calls interleaved (``_common.median_cpu_times``).
"""

from __future__ import annotations

import numpy as np
from _common import (  # bench/ is on sys.path when run as a script
    load_average,
    median_cpu_times,
    median_time,
    report,
    verdict,
)

import funnelsim as fs

PERIODS = 36
LEADS = 100_000
INVITES, CONVERSION, CHURN = 0.5, 0.3, 0.05
#: (seed buyers, invites per buyer, invite conversion, market size or None)
CASCADES = {
    "subcritical": (100_000, 3.0, 0.3, None),
    "saturating": (100, 8.0, 0.5, 1_000_000),
}


# -- growth ---------------------------------------------------------------------------------


def growth_library(rng: np.random.Generator) -> object:
    return fs.simulate_growth(
        PERIODS,
        funnel=fs.aaarrr(),
        new_leads=LEADS,
        invites_per_user=INVITES,
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
    rates = fs.aaarrr().rates

    def through(n: int, stage_rates: np.ndarray) -> int:
        for p in stage_rates:
            n = int(np.count_nonzero(rng.random(n) < p))
        return n

    active = 0
    for _ in range(PERIODS):
        invites = rng.poisson(INVITES, size=active)
        ref_in = int(np.count_nonzero(rng.random(int(invites.sum())) < CONVERSION))
        paid = through(LEADS, rates[1:5])
        referred = through(ref_in, rates[2:5])
        stay = int(np.count_nonzero(rng.random(active) >= CHURN))
        active = stay + paid + referred
    return active


# -- referral cascade ------------------------------------------------------------------------


def referral_library(rng: np.random.Generator, case: str) -> int:
    seeds, invites, conversion, market = CASCADES[case]
    r = fs.simulate_referrals(seeds, invites, conversion, market_size=market, seed=rng)
    return int(r.total)


def referral_aggregate(rng: np.random.Generator, case: str) -> int:
    """Baseline A: one Poisson (and one hypergeometric with a market) per generation."""
    seeds, invites, conversion, market = CASCADES[case]
    new = cum = seeds
    while new:
        new = int(rng.poisson(new * invites * conversion))
        if market is not None:
            new = int(rng.hypergeometric(market - cum, cum, min(new, market)))
        cum += new
    return cum


def referral_per_buyer(rng: np.random.Generator, case: str) -> int:
    """Baseline B: invites and conversions drawn buyer by buyer (vectorised numpy)."""
    seeds, invites, conversion, market = CASCADES[case]
    new = cum = seeds
    while new:
        sent = rng.poisson(invites, size=new)
        new = int(rng.binomial(sent, conversion).sum())
        if market is not None:
            new = int(rng.hypergeometric(market - cum, cum, min(new, market)))
        cum += new
    return cum


# -- the referral loop as a funnel stage, counts mode ----------------------------------------

FUNNEL_REFERRAL = (100_000, 4.0, 0.25, 5)  # paid buyers, invites per user, conversion, generations


def funnel_referral_library(seed: object, funnel: fs.Funnel) -> np.ndarray:
    paid, invites, conversion, generations = FUNNEL_REFERRAL
    r = fs.simulate_funnel_with_referrals(funnel, paid, invites, conversion, generations, seed=seed)
    return r.counts[0, :, :, -1]  # people reaching the last stage, per generation and channel


def funnel_referral_numpy(seed: object, rates: list[float]) -> np.ndarray:
    """The same draws in a bare loop: a binomial chain per generation, a Poisson of
    invites and a binomial of acceptances; referred people enter at the second stage."""
    paid, invites, conversion, generations = FUNNEL_REFERRAL
    rng = np.random.default_rng(seed)
    last = np.zeros((generations + 1, 2), dtype=np.int64)
    n = paid
    for p in rates[1:]:
        n = rng.binomial(n, p)
    last[0, 0] = referrers = n
    for gen in range(1, generations + 1):
        entrants = rng.binomial(rng.poisson(referrers * invites), conversion)
        if entrants == 0:
            return last[:gen]
        n = entrants
        for p in rates[2:]:
            n = rng.binomial(n, p)
        last[gen, 1] = referrers = n
    return last


def check_same_draws() -> None:
    """Baselines A consume the library's draws in the library's order: same seed, same result."""
    for s in range(3):
        lib = growth_library(np.random.default_rng(s)).periods["active"].iloc[-1]
        if int(lib) != growth_aggregate(np.random.default_rng(s)):
            raise AssertionError("growth baseline A no longer makes the library's draws")
        for case in CASCADES:
            lib = referral_library(np.random.default_rng(s), case)
            if lib != referral_aggregate(np.random.default_rng(s), case):
                raise AssertionError(f"referral baseline A ({case}) no longer makes the same draws")
        rates = fs.aaarrr().rates.tolist()
        lib = funnel_referral_library(s, fs.aaarrr())
        if not np.array_equal(lib, funnel_referral_numpy(s, rates)):
            raise AssertionError("the funnel-referral baseline no longer makes the same draws")


def main() -> dict[str, float]:
    print(load_average())
    check_same_draws()
    print("baselines A reproduce the library's results draw for draw (3 seeds, each case)")
    rng = np.random.default_rng(2026)
    g_lib = median_time(lambda: growth_library(rng), 21)
    g_agg = median_time(lambda: growth_aggregate(rng), 21)
    g_per = median_time(lambda: growth_per_person(rng), 5)
    out = {
        "growth_library_ms": g_lib * 1e3,
        "growth_aggregate_numpy_ms": g_agg * 1e3,
        "growth_per_person_numpy_ms": g_per * 1e3,
        "growth_library_over_aggregate": g_lib / g_agg,
        "growth_per_person_over_library": g_per / g_lib,
    }
    rows = [
        ("growth: simulate_growth (36 x 10^5)", f"{g_lib * 1e3:.2f} ms", ""),
        (
            "growth: baseline A, same aggregate draws",
            f"{g_agg * 1e3:.2f} ms",
            f"library = {g_lib / g_agg:.1f} x A",
        ),
        (
            "growth: baseline B, one draw per person",
            f"{g_per * 1e3:.1f} ms",
            f"B = {g_per / g_lib:.0f} x library",
        ),
    ]
    for case in CASCADES:
        r_lib = median_time(lambda c=case: referral_library(rng, c), 21)
        r_agg = median_time(lambda c=case: referral_aggregate(rng, c), 21)
        r_per = median_time(lambda c=case: referral_per_buyer(rng, c), 7)
        total = float(
            np.median([referral_library(np.random.default_rng(s), case) for s in range(5)])
        )
        out |= {
            f"referral_{case}_buyers": total,
            f"referral_{case}_library_ms": r_lib * 1e3,
            f"referral_{case}_aggregate_numpy_ms": r_agg * 1e3,
            f"referral_{case}_per_buyer_numpy_ms": r_per * 1e3,
            f"referral_{case}_library_over_aggregate": r_lib / r_agg,
            f"referral_{case}_per_buyer_over_library": r_per / r_lib,
        }
        rows += [
            (
                f"referral, {case}: simulate_referrals (~{total:,.0f} buyers)",
                f"{r_lib * 1e3:.2f} ms",
                "",
            ),
            (
                f"referral, {case}: baseline A, same aggregate draws",
                f"{r_agg * 1e3:.3f} ms",
                f"library = {r_lib / r_agg:.1f} x A",
            ),
            (
                f"referral, {case}: baseline B, one draw per buyer",
                f"{r_per * 1e3:.1f} ms",
                f"B = {r_per / r_lib:.0f} x library",
            ),
        ]
    funnel = fs.aaarrr()
    rates = funnel.rates.tolist()
    cpu = median_cpu_times(
        {
            "library": lambda: funnel_referral_library(rng, funnel),
            "numpy": lambda: funnel_referral_numpy(rng, rates),
        },
        201,
    )
    ratio = cpu["library"] / cpu["numpy"]
    out |= {
        "funnel_referral_library_us": cpu["library"] * 1e6,
        "funnel_referral_numpy_us": cpu["numpy"] * 1e6,
        "funnel_referral_library_over_numpy": ratio,
    }
    rows += [
        (
            "funnel + referral loop, counts mode (10^5 paid)",
            f"{cpu['library'] * 1e6:.0f} us",
            "simulate_funnel_with_referrals, CPU",
        ),
        ("funnel + referral loop: same draws, plain numpy", f"{cpu['numpy'] * 1e6:.0f} us", ""),
        ("funnel + referral loop: library / numpy", f"{ratio:.2f}", verdict(ratio, 5)),
    ]
    report(rows, "growth", out)
    return out


if __name__ == "__main__":
    main()
