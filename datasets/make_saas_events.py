"""Regenerate ``saas_events.csv.gz``, the synthetic SaaS event log (see SAAS_EVENTS.md).

Run from the repository root::

    python datasets/make_saas_events.py            # rewrites datasets/saas_events.csv.gz
    python datasets/make_saas_events.py out.csv.gz # writes elsewhere

The output is identical byte for byte on every run: the simulation is seeded,
times are written with a fixed number of decimals and the gzip header carries
no time stamp or file name. ``tests/test_datasets.py`` checks this.

The parameters below are the "answers" a student's analysis should recover.
"""

from __future__ import annotations

import argparse
import gzip
from pathlib import Path

import numpy as np
import pandas as pd

import funnelsim as fs
from funnelsim.retention import ChurnModel

#: Seed of the one random stream everything is drawn from.
SEED = 20_250_301
#: Visitors arriving on the site during the first year.
VISITORS = 12_000
#: Visitors arrive uniformly over [0, LAUNCH_DAYS) days.
LAUNCH_DAYS = 364.0
#: The log ends here (days since launch): 60 weeks.
END_DAY = 420.0
#: Funnel stages in order, then the activity event.
FUNNEL_STAGES = ("Visit", "Sign-up", "Activation", "Subscription")
ACTIVITY = "Active"
STAGES = (*FUNNEL_STAGES, ACTIVITY)
#: Share of the previous stage reaching each stage.
RATES = {"Visit": 1.0, "Sign-up": 0.35, "Activation": 0.55, "Subscription": 0.30}
#: Time spent in each stage before moving on (or dropping out), in days.
TIMES = {
    "Visit": fs.TimeInStage.exponential(2.0),
    "Sign-up": fs.TimeInStage.gamma(3.0, shape=2.0),
    "Activation": fs.TimeInStage.gamma(14.0, shape=6.0),  # the free trial
    "Subscription": fs.TimeInStage.fixed(0.0),
}
#: Weekly churn of activated accounts: churn probabilities ~ Beta(1.2, 5.0).
WEEKLY_CHURN = ChurnModel.sbg(alpha=1.2, beta=5.0)
#: Sessions in each week an account is alive: 1 + Poisson(EXTRA_SESSIONS).
EXTRA_SESSIONS = 1.0
#: Decimals written for times (0.001 day = 1.44 minutes).
DECIMALS = 3


def funnel() -> fs.Funnel:
    """The sign-up funnel the visitors go through."""
    return fs.Funnel.from_rates(RATES, times=TIMES, name="SaaS trial")


def generate(seed: int = SEED) -> pd.DataFrame:
    """Simulate the whole log (funnel events and activity) from one seed."""
    rng = np.random.default_rng(seed)
    sim = fs.simulate(funnel(), VISITORS, seed=rng, events=True, entry_window=LAUNCH_DAYS)
    events = sim.events
    assert events is not None
    if events["exited_at"].max() >= END_DAY:
        raise RuntimeError("a funnel event falls after the end of the log; raise END_DAY")

    # Accounts that activated use the product every week until they churn.
    act = events[events["stage"] == "Activation"]
    buyer = act["buyer_id"].to_numpy()
    start = act["entered_at"].to_numpy()
    week0 = np.floor(start / 7.0)
    weeks_left = (np.floor(END_DAY / 7.0) - week0).astype(np.int64)  # whole weeks observed
    lifetime = WEEKLY_CHURN.sample_lifetimes(buyer.size, cap=int(weeks_left.max()), seed=rng)
    weeks = np.minimum(lifetime, weeks_left)
    # One row per (account, alive calendar week) ...
    acc = np.repeat(np.arange(buyer.size), weeks)
    week = week0[acc] + (np.arange(acc.size) - np.repeat(np.cumsum(weeks) - weeks, weeks))
    # ... with 1 + Poisson sessions, at uniform times within the week (after activation).
    sessions = 1 + rng.poisson(EXTRA_SESSIONS, acc.size)
    acc = np.repeat(acc, sessions)
    week = np.repeat(week, sessions)
    low = np.maximum(week * 7.0, start[acc])
    when = low + rng.random(acc.size) * (week * 7.0 + 7.0 - low)
    # Written with DECIMALS decimals: keep the rounded time inside its week.
    when = np.minimum(np.round(when, DECIMALS), week * 7.0 + 7.0 - 10.0**-DECIMALS)

    activity = pd.DataFrame(
        {
            "buyer_id": buyer[acc],
            "stage": pd.Categorical.from_codes(
                np.full(acc.size, len(STAGES) - 1),
                dtype=pd.CategoricalDtype(list(STAGES), ordered=True),
            ),
            "entered_at": when,
            "exited_at": when,
            "converted": np.zeros(acc.size, dtype=bool),
        }
    )
    events = events.assign(
        stage=pd.Categorical(events["stage"].astype(str), categories=list(STAGES), ordered=True)
    )
    log = pd.concat([events, activity], ignore_index=True)
    log = log.sort_values(["buyer_id", "entered_at"], kind="stable", ignore_index=True)
    return to_frame(log.round({"entered_at": DECIMALS, "exited_at": DECIMALS}))


def to_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """Give a freshly read (or generated) log its documented dtypes."""
    return pd.DataFrame(
        {
            "buyer_id": raw["buyer_id"].to_numpy(dtype=np.int64),
            "stage": pd.Categorical(
                raw["stage"].astype(str), categories=list(STAGES), ordered=True
            ),
            "entered_at": raw["entered_at"].to_numpy(dtype=np.float64),
            "exited_at": raw["exited_at"].to_numpy(dtype=np.float64),
            "converted": raw["converted"].to_numpy(dtype=bool),
        }
    )


def to_bytes(log: pd.DataFrame) -> bytes:
    """The gzipped CSV, reproducible: fixed decimals, no time stamp or name in the header."""
    text = log.to_csv(index=False, float_format=f"%.{DECIMALS}f", lineterminator="\n")
    return gzip.compress(
        text.encode("utf-8"), compresslevel=6, mtime=0
    )  # 9: 0.1 % smaller, 7x slower


def write(path: str | Path, seed: int = SEED) -> Path:
    """Generate the log and write it to ``path``."""
    out = Path(path)
    out.write_bytes(to_bytes(generate(seed)))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "path",
        nargs="?",
        default=str(Path(__file__).with_name("saas_events.csv.gz")),
        help="output file (default: saas_events.csv.gz beside this script)",
    )
    args = parser.parse_args(argv)
    write(args.path)


if __name__ == "__main__":
    main()
