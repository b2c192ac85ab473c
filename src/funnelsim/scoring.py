"""Scoring accounts and customers: BANT for B2B prospects, RFM for buyers.

BANT (IBM's sales-qualification checklist, 1960s; lesson 11)
    Rank target accounts by Budget, Authority (the source calls it "Account":
    is our contact a decision maker or only an influencer?), Need and Time,
    each scored 1–5 and **multiplied** (1 to 625), highest first.
    :func:`simulate_bant_pipeline` shows what ranking buys when the score
    carries information about the win probability, and what a fifth
    criterion, the deal's size, changes: ranking by **expected value**
    (the score's win probability × the deal size, the "expected revenue" =
    amount × probability of CRM pipelines such as Salesforce's opportunity
    field) instead of the score alone.

RFM (Hughes 1994, *Strategic Database Marketing*)
    Score customers from their transactions on Recency (days since the last
    purchase), Frequency (purchase days, or orders) and Monetary value (total
    spend), each on a 1–``bins`` scale by quantiles (ties kept together, the
    best tie scored best: see :func:`rfm`), then name segments.
    :func:`rfm_outcomes` back-tests the segments (what each did after the scoring
    day), and :func:`first_purchase_threshold` (lesson 10) shows who a loyalty card with a
    minimum first purchase admits and how both groups buy afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special

from funnelsim._random import as_generator, seed_entropy
from funnelsim._time import (
    DAY_NS,
    as_datetimes,
    as_timestamp,
    distinct_keys,
    local_days,
    to_ns,
)
from funnelsim._validation import (
    check_choice,
    check_columns,
    check_int,
    check_real,
    check_real_array,
)

__all__ = [
    "BANT_COLUMNS",
    "RFM_SEGMENTS",
    "BantPipeline",
    "bant_score",
    "bant_win_probability",
    "first_purchase_threshold",
    "rfm",
    "rfm_outcomes",
    "rfm_summary",
    "simulate_bant_pipeline",
]

#: The four BANT score columns, in order.
BANT_COLUMNS = ("budget", "authority", "need", "time")

#: BANT product of an account scoring 3 on everything: the centre of the scale.
_BANT_CENTRE = 81


# -- BANT -------------------------------------------------------------------------------


def _check_scores(frame: pd.DataFrame, ids: pd.Series, columns: tuple[str, ...]) -> np.ndarray:
    """Integer scores 1-5 as an (n, 4) int64 array; ValueError naming account and column."""
    out = np.empty((len(frame), len(columns)), dtype=np.int64)
    for j, col in enumerate(columns):
        raw = frame[col]
        if pd.api.types.is_bool_dtype(raw):
            raise TypeError(f"BANT column {col!r} must hold integers 1-5, got booleans")
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        ok = np.isfinite(values) & (values == np.round(values)) & (values >= 1) & (values <= 5)
        if not ok.all():
            bad = np.flatnonzero(~ok)
            i = int(bad[0])
            got = raw.iloc[i]
            got = got.item() if isinstance(got, np.generic) else got
            what = "is missing" if pd.isna(got) else f"must be an integer from 1 to 5, got {got!r}"
            more = f" ({bad.size - 1} more bad value(s) in this column)" if bad.size > 1 else ""
            raise ValueError(f"BANT score {col!r} for account {ids.iloc[i]!r} {what}{more}")
        out[:, j] = values.astype(np.int64)
    return out


def bant_score(accounts: pd.DataFrame, *, account: str | None = "account") -> pd.DataFrame:
    """Score and rank accounts by BANT: budget × authority × need × time.

    Parameters
    ----------
    accounts : DataFrame
        One row per account with integer columns ``budget, authority, need,
        time`` (each 1–5; ``authority`` is the source's "Account": 5 when our
        contact decides, 1 when they only pass things on). Other columns are
        kept.
    account : str or None
        Column naming the account, used in error messages; None uses the index.

    Returns
    -------
    DataFrame
        The input rows with two new columns, sorted best first:
        ``bant`` (int64, the product, 1–625) and ``rank`` (int64, 1 = best).
        **Ties**: accounts with the same product keep their input order (a
        stable sort) and get consecutive ranks, as ``rank(method="first")``
        would; sort the input by a tie-breaker (deal size, say) first if order
        matters. The index is reset.

    Raises
    ------
    ValueError
        A missing column, or a score that is missing, not an integer or
        outside 1–5; the message names the account and the column.

    Examples
    --------
    >>> df = pd.DataFrame({"account": ["A", "B"], "budget": [5, 2], "authority": [4, 5],
    ...                    "need": [5, 5], "time": [3, 1]})
    >>> bant_score(df)[["account", "bant", "rank"]].to_dict("list")
    {'account': ['A', 'B'], 'bant': [300, 50], 'rank': [1, 2]}
    """
    required = list(BANT_COLUMNS) if account is None else [account, *BANT_COLUMNS]
    check_columns(accounts, required, name="accounts")
    ids = accounts.index.to_series() if account is None else accounts[account]
    scores = _check_scores(accounts, ids, BANT_COLUMNS)
    out = accounts.copy()
    out["bant"] = scores.prod(axis=1)
    out = out.sort_values("bant", ascending=False, kind="stable", ignore_index=account is not None)
    if account is None:
        out = out.reset_index()
    out["rank"] = np.arange(1, len(out) + 1, dtype=np.int64)
    return out


def bant_win_probability(bant: Any, *, base_win: float = 0.1, strength: float = 1.0) -> Any:
    """Win probability of an account from its BANT product (the course's model).

    ``logit p = logit base_win + strength * log(bant / 81)``: an account scoring
    3 on all four criteria (81) wins with ``base_win``, and with ``strength=1``
    the odds of winning are proportional to the product. A logistic
    (log-odds-linear) score-to-probability link is the usual calibration of a
    lead or credit score (Platt 1999, "Probabilistic outputs for support vector
    machines", in *Advances in Large Margin Classifiers*).

    Parameters
    ----------
    bant : int or array_like of int
        BANT products, 1 to 625.
    base_win : float
        Win probability at 81 points, in (0, 1).
    strength : float
        >= 0; 0 makes the score worthless (every account wins with ``base_win``).

    Returns
    -------
    float or ndarray
        Probabilities in (0, 1), the shape of ``bant``.

    Examples
    --------
    >>> round(bant_win_probability(81, base_win=0.2), 3)
    0.2
    >>> round(bant_win_probability(162, base_win=0.2), 3)  # odds 0.25 -> 0.5
    0.333
    """
    base = check_real("base_win", base_win, low=0.0, high=1.0, low_open=True, high_open=True)
    k = check_real("strength", strength, low=0.0)
    arr = np.asarray(bant)
    if arr.dtype.kind not in "iuf" or not np.all(np.isfinite(arr)):
        raise ValueError(f"bant must be numbers from 1 to 625, got {bant!r}")
    if np.any((arr < 1) | (arr > 625)):
        bad = arr[(arr < 1) | (arr > 625)].ravel()[0].item()
        raise ValueError(f"bant must be from 1 to 625, got {bad!r}")
    out = special.expit(special.logit(base) + k * np.log(arr / _BANT_CENTRE))
    return float(out) if arr.ndim == 0 else out


@dataclass(frozen=True, eq=False, repr=False)
class BantPipeline:
    """What :func:`simulate_bant_pipeline` returns."""

    #: One row per account: ``account, budget, authority, need, time, bant, rank,
    #: p_win, won`` (won: the deal closes *if* sales works the account),
    #: ``random_pick`` (in the random choice), ``deal_size`` (money) and
    #: ``expected_value`` (``p_win × deal_size``, money).
    accounts: pd.DataFrame
    #: Accounts sales can work.
    capacity: int
    #: The int that repeats the run when passed back as ``seed=``; None when no int does
    #: (a Generator that was used or spawned; see :func:`funnelsim._random.seed_entropy`).
    seed: int | None

    def summary(self) -> pd.DataFrame:
        """Working ``capacity`` accounts: top by BANT, at random, top by expected value.

        Columns: ``strategy, accounts_worked, expected_wins, wins, win_rate,
        expected_revenue, revenue``; strategies ``bant`` (the top of the BANT
        ranking), ``random`` and ``expected_value`` (the top by ``p_win ×
        deal_size``, ties in BANT order). ``expected_wins`` and
        ``expected_revenue`` are exact (sums of the worked accounts' ``p_win``
        and ``expected_value``; for the random choice ``capacity`` × the mean);
        ``wins`` and ``revenue`` use the same simulated outcomes for every
        strategy (common random numbers).
        """
        a = self.accounts
        c = self.capacity
        p = a["p_win"].to_numpy()
        won = a["won"].to_numpy()
        size = a["deal_size"].to_numpy()
        ev = a["expected_value"].to_numpy()
        chosen = {
            "bant": a["rank"].to_numpy() <= c,
            "random": a["random_pick"].to_numpy(),
            "expected_value": np.isin(np.arange(len(a)), np.argsort(-ev, kind="stable")[:c]),
        }
        rows = []
        for name, pick in chosen.items():
            if name == "random":
                exp_wins = float(c * p.mean()) if len(p) else 0.0
                exp_rev = float(c * ev.mean()) if len(p) else 0.0
            else:
                exp_wins, exp_rev = float(p[pick].sum()), float(ev[pick].sum())
            rows.append(
                (name, c, exp_wins, int(won[pick].sum()), exp_rev, float(size[pick & won].sum()))
            )
        columns = ["strategy", "accounts_worked", "expected_wins", "wins"]
        frame = pd.DataFrame(rows, columns=[*columns, "expected_revenue", "revenue"])
        frame.insert(4, "win_rate", frame["wins"] / c if c else np.nan)
        return frame

    def gain_curve(self) -> pd.DataFrame:
        """Expected wins against accounts worked, BANT order vs random (long format).

        Columns: ``strategy, accounts_worked, expected_wins``; one row per
        strategy and number of accounts worked, 0 to all.
        """
        p_sorted = self.accounts.sort_values("rank")["p_win"].to_numpy()
        n = p_sorted.size
        worked = np.arange(n + 1)
        bant = np.concatenate([[0.0], np.cumsum(p_sorted)])
        rand = worked * (p_sorted.mean() if n else 0.0)
        return pd.DataFrame(
            {
                "strategy": np.repeat(["bant", "random"], n + 1),
                "accounts_worked": np.tile(worked, 2),
                "expected_wins": np.concatenate([bant, rand]),
            }
        )

    def __repr__(self) -> str:
        s = self.summary().set_index("strategy")["expected_wins"]
        return (
            f"BantPipeline(accounts={len(self.accounts)}, capacity={self.capacity}, "
            f"expected wins bant={s['bant']:.1f} vs random={s['random']:.1f})"
        )


def simulate_bant_pipeline(
    n_accounts: int = 1000,
    *,
    capacity: int = 100,
    base_win: float = 0.1,
    strength: float = 1.0,
    deal_size: float = 1.0,
    deal_sigma: float = 0.0,
    seed: Any = None,
) -> BantPipeline:
    """A pipeline in which the BANT score carries information about winning.

    Each account gets four independent scores, uniform on 1–5, and a win
    probability rising with its BANT product::

        logit p_win = logit base_win + strength * log(bant / 81)

    so an account scoring 3 on everything wins with ``base_win``, and with
    ``strength=1`` the odds are proportional to the product. ``strength=0``
    makes BANT worthless (ranking then buys nothing on average). Sales can
    work ``capacity`` accounts; :meth:`BantPipeline.summary` compares working
    the top of the BANT ranking with working a random choice.

    Parameters
    ----------
    n_accounts : int
        Accounts in the target list.
    capacity : int
        Accounts sales can work, ``<= n_accounts``.
    base_win : float
        Win probability of an all-3 account, in (0, 1).
    strength : float
        How strongly BANT predicts the win, >= 0 (log-odds per unit log BANT).
    deal_size : float
        Mean deal size, > 0 (money; 1 makes revenue count wins).
    deal_sigma : float
        Spread of deal sizes, >= 0: sizes are lognormal with mean ``deal_size``
        and ``sigma`` of the log (``deal_size * exp(sigma Z - sigma² / 2)``, Z
        standard normal), independent of the scores: company and deal scale is
        a criterion outside the BANT product. 0: every deal the same size.
    seed : int, numpy.random.Generator, SeedSequence or None
        The only source of randomness. The deal sizes are drawn after every
        other number, so a run with ``deal_sigma=0`` and one with a spread share
        their scores, wins and random choice.

    Returns
    -------
    BantPipeline
    """
    n = check_int("n_accounts", n_accounts, low=1, high=10_000_000)
    cap = check_int("capacity", capacity, low=0, high=n)
    base = check_real("base_win", base_win, low=0.0, high=1.0, low_open=True, high_open=True)
    k = check_real("strength", strength, low=0.0)
    size = check_real("deal_size", deal_size, low=0.0, low_open=True)
    sigma = check_real("deal_sigma", deal_sigma, low=0.0)
    rng = as_generator(seed)
    recorded = seed_entropy(rng)
    scores = rng.integers(1, 6, size=(n, 4))
    u = rng.random(n)
    random_pick = np.zeros(n, dtype=bool)
    random_pick[rng.permutation(n)[:cap]] = True
    sizes = size * np.exp(sigma * rng.standard_normal(n) - sigma**2 / 2)
    frame = pd.DataFrame(scores, columns=list(BANT_COLUMNS))
    frame.insert(0, "account", np.arange(n, dtype=np.int64))
    bant = scores.prod(axis=1)
    p = bant_win_probability(bant, base_win=base, strength=k)
    frame["p_win"] = p
    frame["won"] = u < p
    frame["random_pick"] = random_pick
    frame["deal_size"] = sizes
    frame["expected_value"] = p * sizes
    ranked = bant_score(frame)
    cols = [
        "account",
        *BANT_COLUMNS,
        "bant",
        "rank",
        "p_win",
        "won",
        "random_pick",
        "deal_size",
        "expected_value",
    ]
    return BantPipeline(ranked[cols], cap, recorded)


# -- RFM ---------------------------------------------------------------------------------

#: Segment names on the 5-point R and F scores (rows: R 1-5, columns: F 1-5).
#: M is reported but does not enter the segment (a common simplification:
#: F and M are strongly correlated in most shops).
_SEGMENT_GRID = (
    ("Hibernating", "Hibernating", "At risk", "At risk", "Can't lose them"),
    ("Hibernating", "Hibernating", "At risk", "At risk", "Can't lose them"),
    ("About to sleep", "About to sleep", "Need attention", "Loyal", "Loyal"),
    ("Promising", "Potential loyalists", "Potential loyalists", "Loyal", "Loyal"),
    ("New customers", "Potential loyalists", "Potential loyalists", "Champions", "Champions"),
)

#: RFM segments, best first, with the R and F scores (on the 5-point scale) that define them.
RFM_SEGMENTS = pd.DataFrame(
    {
        "segment": [
            "Champions",
            "Loyal",
            "Potential loyalists",
            "New customers",
            "Promising",
            "Need attention",
            "About to sleep",
            "Can't lose them",
            "At risk",
            "Hibernating",
        ],
        "rule": [
            "R 5, F 4-5",
            "R 3-4, F 4-5",
            "R 4-5, F 2-3",
            "R 5, F 1",
            "R 4, F 1",
            "R 3, F 3",
            "R 3, F 1-2",
            "R 1-2, F 5",
            "R 1-2, F 3-4",
            "R 1-2, F 1-2",
        ],
        "meaning": [
            "bought recently and often: reward, ask for referrals",
            "buy often, fairly recently: upsell, loyalty programme",
            "recent, a few purchases: offer membership, recommend more",
            "first purchase just now: onboard well",
            "recent but one purchase: build the relationship",
            "average on both: a limited-time reason to come back",
            "slipping away after few purchases: reactivate",
            "used to buy very often, not lately: win them back personally",
            "bought fairly often, long ago: personal reactivation",
            "long ago and rarely: cheap reactivation or let go",
        ],
    }
)
_SEGMENT_NAMES = list(RFM_SEGMENTS["segment"])
_SEGMENT_CODES = np.array(
    [[_SEGMENT_NAMES.index(name) for name in row] for row in _SEGMENT_GRID], dtype=np.int64
)


#: Columns of an :func:`rfm` result besides the customer column.
_RFM_OUTPUT = (
    "recency",
    "frequency",
    "monetary",
    "r",
    "f",
    "m",
    "rfm_code",
    "rfm_score",
    "segment",
)


#: "111" ... "999": the rfm_code of every score triple, looked up by r * 100 + f * 10 + m.
_RFM_CODES = pd.array([f"{i:03d}" for i in range(1000)], dtype="str")


def _quantile_score(x: np.ndarray, bins: int) -> np.ndarray:
    """Score 1..bins: ``min(bins, 1 + floor(bins * below / (below + above)))``.

    ``below``/``above`` count the customers with a strictly worse / better value
    (see the tie rule in :func:`rfm`); a column of one value scores ``bins``.
    Integer arithmetic, so boundaries are exact. The score depends on the value
    only, so it is computed once per distinct value and then spread to the
    customers (a count per value, or a sort).
    """
    n = x.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    low, high = x.min(), x.max()
    if x.dtype.kind in "iu" and int(high) - int(low) <= 4 * n:
        # Whole numbers in a small range (frequencies, recency in whole days): count them.
        offset = x - low
        return _score_by_count(np.bincount(offset), n, bins)[offset]
    if (
        x.dtype.kind == "f"
        and np.isfinite(low)
        and np.isfinite(high)
        and float(high) - float(low) <= 4 * n
        and (x == np.round(x)).all()
    ):
        offset = (x - low).astype(np.int64)
        return _score_by_count(np.bincount(offset), n, bins)[offset]
    order = np.argsort(x)
    ordered = x[order]
    head = np.ones(n, dtype=bool)
    head[1:] = ordered[1:] != ordered[:-1]
    starts = np.flatnonzero(head)  # each run of equal values: [start, end)
    counts = np.diff(starts, append=n)
    out = np.empty(n, dtype=np.int64)
    out[order] = np.repeat(_score_by_count(counts, n, bins), counts)
    return out


def _score_by_count(counts: np.ndarray, n: int, bins: int) -> np.ndarray:
    """The score of each distinct value, given how many customers hold each, in order."""
    at_or_below = np.cumsum(counts)
    below = at_or_below - counts
    others = n - counts
    score = np.minimum(bins, 1 + (bins * below) // np.maximum(others, 1))
    return np.where(others == 0, bins, score).astype(np.int64)


def rfm(
    transactions: pd.DataFrame,
    *,
    customer: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    as_of: Any = None,
    bins: int = 5,
    frequency: Literal["days", "orders"] = "days",
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame:
    """Recency, frequency and monetary scores per customer, with named segments.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase (e.g. :func:`funnelsim.datasets.load_cdnow`).
    customer, date, amount : str
        Column names: customer id, purchase date (datetimes, or text read by
        ``date_format``/``dayfirst``), purchase value (number; refunds may be
        negative).
    as_of : date-like, optional
        The day the analysis is made; default the last purchase date in the
        data. Recency is measured back from it. A transaction after ``as_of``
        is an error (filter the log first to look at an earlier moment). Text
        is read by the same rule as the dates.
    bins : int
        Points on each scale, 2–9 (default 5: quintiles).
    frequency : {"days", "orders"}
        What F counts: distinct purchase days (default; several orders on one
        day are one visit, as the CDNOW datasheet recommends, so ``frequency >= 2``
        is exactly a repeat customer of :func:`funnelsim.repeat_purchase_rate`) or
        rows (orders).
    date_format, dayfirst : optional
        How to read dates given as text that is not ISO 8601, e.g.
        ``date_format="%d.%m.%Y"`` or ``dayfirst=True`` for dd.mm.yyyy; without
        one such text is refused, never guessed.

    Returns
    -------
    DataFrame
        One row per customer, sorted by customer: ``customer`` (named after the
        ``customer`` column), ``recency`` (days from the last purchase to
        ``as_of``, float; exact, from nanoseconds), ``frequency`` (purchase days or
        orders), ``monetary`` (total amount, in the unit of ``amount``), scores
        ``r, f, m`` (1 = worst, ``bins`` = best; the most recent buyers get the
        highest ``r``), ``rfm_code`` (e.g. "545"), ``rfm_score`` (r + f + m) and
        ``segment`` (see :data:`RFM_SEGMENTS`).

    Notes
    -----
    **Tie rule.** With ``below`` and ``above`` the numbers of customers whose
    value is strictly worse and strictly better, a customer scores
    ``min(bins, 1 + floor(bins * below / (below + above)))``: the share of the
    customers *with a different value* who are worse, cut into ``bins`` equal
    intervals (all customers tied: ``bins``). Without ties this is the
    inclusive percentile rank ``(rank - 1) / (n - 1)`` (Excel's
    ``PERCENTRANK.INC``; the plotting position of Hyndman and Fan's type-7
    quantile, 1996), cut into ``bins`` intervals: the worst customer scores 1,
    the best ``bins``, and the groups have equal size when ``bins`` divides n —
    so even a classroom table of three customers spans 1..``bins``. Ties are
    ranked only against customers who differ, so equal values share a score,
    a tie at the best value gets the best score (ten customers who all bought on
    the last day all get r = ``bins``), a tie at the worst value the worst
    (every one-time buyer f = 1), the rule is symmetric (reversing the order of a
    column mirrors its scores up to the floor), and the result does not depend on
    row order. Keeping tied customers in one score is the standard requirement
    of RFM scoring (Miglautsch 2000, "Thoughts on RFM scoring", *Journal of
    Database Marketing* 8(1)); the textbook alternative of breaking ties by
    sort order gives equal customers different scores. With heavy ties (half of
    the CDNOW customers bought once) some scores stay empty. Segments use R and F
    rescaled to 5 points, ``ceil(score * 5 / bins)``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "date": ["01.01.2024", "01.03.2024", "01.02.2024"],
    ...                    "amount": [10.0, 30.0, 5.0]})
    >>> scores = rfm(tx, bins=2, date_format="%d.%m.%Y")
    >>> scores[["customer_id", "recency", "frequency"]].to_dict("list")
    {'customer_id': ['a', 'b'], 'recency': [0.0, 29.0], 'frequency': [2, 1]}
    >>> scores["rfm_code"].tolist()
    ['222', '111']
    """
    check_columns(transactions, [customer, date, amount], name="transactions")
    if customer in _RFM_OUTPUT:
        raise ValueError(
            f"customer column {customer!r} would clash with an output column of rfm "
            f"{list(_RFM_OUTPUT)}; rename it first"
        )
    nbins = check_int("bins", bins, low=2, high=9)
    mode = check_choice("frequency", frequency, ("days", "orders"))
    ids, dates, amounts = _read_transactions(
        transactions, customer, date, amount, date_format, dayfirst, needed_by="RFM"
    )
    last_seen = pd.Timestamp(dates.max())
    ref = (
        last_seen
        if as_of is None
        else as_timestamp(as_of, name="as_of", date_format=date_format, dayfirst=dayfirst)
    )
    if (ref.tz is None) != (last_seen.tz is None):
        raise ValueError(
            f"as_of and transactions[{date!r}] must both carry a time zone or both not, "
            f"got as_of {str(ref)!r} and dates like {str(last_seen)!r}"
        )
    if last_seen > ref:
        raise ValueError(
            f"as_of {ref.date()} is before the last transaction ({last_seen.date()}); "
            f"filter transactions[{date!r}] <= as_of first"
        )
    codes, uniques = _sorted_codes(ids)
    n = len(uniques)
    ns = to_ns(dates)
    last = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last, codes, ns)
    if mode == "orders":
        freq = np.bincount(codes, minlength=n)
    else:
        day = ns // DAY_NS if dates.dt.tz is None else local_days(dates)
        new_visit = np.ones(codes.size, dtype=bool)  # a row unlike the row before it
        new_visit[1:] = codes[1:] != codes[:-1]
        if np.count_nonzero(new_visit) == n and (new_visit[1:] | (day[1:] >= day[:-1])).all():
            # Each customer's purchases together and in date order (a log sorted by customer
            # and date, as CDNOW): a purchase day is a row whose day differs from the row
            # before, and the days are counted without a sort.
            new_visit[1:] |= day[1:] != day[:-1]
            freq = np.bincount(codes[new_visit], minlength=n)
        else:
            low = int(day.min())
            span = int(day.max()) - low + 1
            pairs = distinct_keys(
                lambda lo, hi: codes[lo:hi] * span + (day[lo:hi] - low), codes.size, n * span
            )
            freq = np.bincount(pairs // span, minlength=n)
    freq = freq.astype(np.int64)
    monetary = np.bincount(codes, weights=amounts, minlength=n)
    age = int(ref.as_unit("ns").value) - last  # ns from each customer's last purchase
    recency = age / DAY_NS
    # Whole days (a log of dates): the same scores from the integers, counted, not sorted.
    whole_days = (age % DAY_NS == 0).all()
    r = _quantile_score(-(age // DAY_NS) if whole_days else np.negative(recency), nbins)
    f = _quantile_score(freq, nbins)
    m = _quantile_score(monetary, nbins)
    r5 = (r * 5 + nbins - 1) // nbins
    f5 = (f * 5 + nbins - 1) // nbins
    seg = _SEGMENT_CODES.ravel().take(r5 * 5 + f5 - 6)
    code = _RFM_CODES.take(r * 100 + f * 10 + m)
    return pd.DataFrame(
        {
            customer: uniques,
            "recency": recency,
            "frequency": freq,
            "monetary": monetary,
            "r": r,
            "f": f,
            "m": m,
            "rfm_code": code,
            "rfm_score": r + f + m,
            "segment": pd.Categorical.from_codes(
                np.asarray(seg, dtype=np.int64), categories=pd.Index(_SEGMENT_NAMES), ordered=True
            ),
        }
    )


def _read_transactions(
    transactions: pd.DataFrame,
    customer: str,
    date: str,
    amount: str,
    date_format: str | None,
    dayfirst: bool | None,
    *,
    needed_by: str,
) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """Customer ids, dates and amounts of a purchase log, each checked (one reader for all).

    Raises ValueError naming the row of a missing customer id, a bad date or amount,
    or an empty log (``needed_by`` says what needs a purchase).
    """
    ids = transactions[customer]
    if ids.isna().any():
        i = int(np.flatnonzero(ids.isna().to_numpy())[0])
        raise ValueError(
            f"transactions column {customer!r} is missing at row {transactions.index[i]!r}"
        )
    dates = _as_dates(transactions[date], date, transactions.index, date_format, dayfirst)
    amounts = _as_amounts(transactions[amount], amount, transactions.index)
    if len(dates) == 0:
        raise ValueError(f"transactions is empty: {needed_by} needs at least one purchase")
    return ids, dates, amounts


def _sorted_codes(ids: pd.Series) -> tuple[np.ndarray, Any]:
    """``pd.factorize(ids, sort=True)``: int64 codes in the sorted order of the ids, and the ids.

    Whole-number ids, and text ids of at most 8 bytes (UTF-8) such as CDNOW's, are
    turned into integers that sort as the ids do (:func:`_integer_ids`), and the
    codes come from a numpy sort of those integers: no hash table, no Python
    strings. A purchase log usually lists a customer's purchases together, so only
    the first row of each run of equal ids is sorted. Other ids (longer text,
    objects, categoricals) go through pandas' factorize.
    """
    keys = _integer_ids(ids)
    if keys is None:
        raw, uniques = pd.factorize(ids, sort=False)
        if uniques.is_monotonic_increasing:  # a log sorted by customer, such as CDNOW
            return np.asarray(raw, dtype=np.int64), uniques
        order = np.asarray(uniques.argsort())
        rank = np.empty(order.size, dtype=np.int64)
        rank[order] = np.arange(order.size)
        return rank[raw], uniques[order]
    rows = keys.size
    run_head = np.ones(rows, dtype=bool)
    run_head[1:] = keys[1:] != keys[:-1]
    starts = np.flatnonzero(run_head)  # the first row of each run of one id
    heads = keys[starts]
    order = np.argsort(heads, kind="stable")  # timsort: a log in sorted blocks is merged
    ordered = heads[order]
    new_id = np.ones(ordered.size, dtype=bool)
    new_id[1:] = ordered[1:] != ordered[:-1]
    head_codes = np.empty(heads.size, dtype=np.int64)
    head_codes[order] = np.cumsum(new_id) - 1
    codes = np.repeat(head_codes, np.diff(starts, append=rows))
    return codes, ids.array.take(starts[order[new_id]])


def _integer_ids(ids: pd.Series) -> np.ndarray | None:
    """Integers with the order and the equalities of ``ids``, or None if there are none cheap.

    Whole numbers are themselves. Text stored by pyarrow whose values have at most 8
    bytes in UTF-8 is read as big-endian unsigned 64-bit integers of its bytes padded
    with zeros: byte order is the order pandas and Python sort text in (UTF-8 keeps
    code-point order), and a prefix sorts first because the padding is the smallest
    byte. Ids of different lengths must then hold no NUL byte ("a" and "a\\0" would
    pad alike).
    """
    kind = ids.dtype.kind
    if kind == "i" or (kind == "u" and (ids.empty or int(ids.max()) < 2**63)):
        return ids.to_numpy(dtype=np.int64)
    dtype = ids.dtype
    if not (
        (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow")
        or (isinstance(dtype, pd.ArrowDtype) and kind == "U")
    ):
        return None
    import pyarrow as pa  # pandas' own engine for this text (the pyarrow storage)

    text = ids.array.__arrow_array__()
    text = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
    if text.type not in (pa.string(), pa.large_string()) or text.null_count:
        return None
    rows = len(text)
    if rows == 0:
        return np.zeros(0, dtype=np.uint64)
    _, offset_buffer, data_buffer = text.buffers()
    offset_type = np.int64 if text.type == pa.large_string() else np.int32
    offsets = np.frombuffer(offset_buffer, dtype=offset_type)[text.offset : text.offset + rows + 1]
    lengths = np.diff(offsets)
    width = int(lengths.max())
    if width > 8:
        return None
    if width == 0:  # every id is ""
        return np.zeros(rows, dtype=np.uint64)
    data = np.frombuffer(data_buffer, dtype=np.uint8)[offsets[0] : offsets[-1]]
    if int(lengths.min()) == width:
        # Ids of one length (any bytes, NUL too, as nothing is padded): a table of bytes.
        if width == 8:
            return data.view(">u8").astype(np.uint64)
        packed = np.zeros((rows, 8), dtype=np.uint8)
        packed[:, :width] = data.reshape(rows, width)
    else:
        if (data == 0).any():  # "a" and "a\0" would pad to the same integer
            return None
        column = np.arange(8)
        filled = column < lengths[:, None]
        packed = np.zeros((rows, 8), dtype=np.uint8)
        packed[filled] = data[(offsets[:-1, None] - offsets[0] + column)[filled]]
    return packed.view(">u8").ravel().astype(np.uint64)


def _as_dates(
    col: pd.Series,
    name: str,
    index: pd.Index,
    date_format: str | None,
    dayfirst: bool | None,
) -> pd.Series:
    missing = col.isna().to_numpy()
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise ValueError(f"transactions column {name!r} is missing a date at row {index[i]!r}")
    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
        raise TypeError(
            f"transactions column {name!r} must hold dates (datetimes or text), got dtype "
            f"{col.dtype}"
        )
    return as_datetimes(
        col, name=f"transactions column {name!r}", date_format=date_format, dayfirst=dayfirst
    )


def _as_amounts(col: pd.Series, name: str, index: pd.Index) -> np.ndarray:
    if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
        if not pd.api.types.is_bool_dtype(col) and pd.api.types.infer_dtype(col, skipna=True) in (
            "string",
            "mixed",
        ):
            text = col.dropna()
            example = f" like {str(text.iloc[0])!r}" if len(text) else ""
            raise TypeError(
                f"transactions column {name!r} must be numeric, got text{example}; amounts "
                "are not guessed from text (is '1,200' one thousand two hundred or 1.2?). "
                "Convert them first, e.g. for '1 200,00' (space thousands, decimal comma): "
                f"transactions[{name!r}] = pd.to_numeric(transactions[{name!r}]"
                '.str.replace(" ", "").str.replace("\\u00a0", "").str.replace(",", "."))'
            )
        raise TypeError(f"transactions column {name!r} must be numeric, got dtype {col.dtype}")
    values = col.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"transactions column {name!r} must be a finite number, got {float(values[i])!r} "
            f"at row {index[i]!r}"
        )
    return values


def rfm_summary(scores: pd.DataFrame) -> pd.DataFrame:
    """One row per segment of an :func:`rfm` result, best segment first.

    Parameters
    ----------
    scores : DataFrame
        The result of :func:`rfm` (at least ``segment, recency, frequency,
        monetary``).

    Returns
    -------
    DataFrame
        ``segment, customers, share`` (of customers), ``mean_recency`` (days),
        ``mean_frequency`` (purchases), ``mean_monetary, total_monetary`` (in
        the unit of the amounts) and ``share_of_revenue``. Empty segments are
        kept (with zero customers) so that charts of different data line up.
    """
    check_columns(scores, ["segment", "recency", "frequency", "monetary"], name="scores")
    g = scores.groupby("segment", observed=False, sort=True)
    total = float(scores["monetary"].sum())
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "mean_recency": g["recency"].mean(),
            "mean_frequency": g["frequency"].mean(),
            "mean_monetary": g["monetary"].mean(),
            "total_monetary": g["monetary"].sum(),
        }
    ).reset_index()
    n = len(scores)
    out.insert(2, "share", out["customers"] / n if n else np.nan)
    out["share_of_revenue"] = out["total_monetary"] / total if total else np.nan
    return out


#: Column order of :func:`first_purchase_threshold`.
_THRESHOLD_COLUMNS = (
    "threshold",
    "group",
    "customers",
    "share_of_customers",
    "mean_first_spend",
    "repeat_customers",
    "repeat_rate",
    "ci_low",
    "ci_high",
    "mean_later_spend",
    "later_revenue",
    "share_of_later_revenue",
)


def first_purchase_threshold(
    transactions: pd.DataFrame,
    threshold: Any,
    *,
    customer: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    confidence: float = 0.95,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame:
    """Who a first-purchase threshold admits, and how both groups behave later.

    Loyalty programmes often give a card only from a minimum first purchase ("a card
    from a 1,000-rouble purchase", a practice named in the course's sources). This
    splits the customers of a log by the value of their **first purchase day** (all
    orders of that calendar day, summed) into those a card with that threshold
    would admit (``>= threshold``) and the rest, and compares what each group did
    **afterwards**: whether they came back (a purchase on a later day: the repeat
    purchase of :func:`funnelsim.repeat_purchase_rate`) and how much they spent on
    later days. Since the card is how a shop sees a customer's behaviour, the
    ``share_of_later_revenue`` of the group below the threshold is the part of the
    future business the programme would never see.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase (e.g. :func:`funnelsim.load_cdnow`).
    threshold : float or sequence of float
        Minimum first-day spend for a card, in the unit of ``amount``, ``>= 0``;
        several thresholds give one pair of rows each.
    customer, date, amount : str
        Column names (as in :func:`rfm`; dates are read by the same rules).
    confidence : float
        Coverage of the Clopper–Pearson interval of each repeat rate, in (0, 1).
    date_format, dayfirst : optional
        How to read dates given as text that is not ISO 8601 (never guessed).

    Returns
    -------
    DataFrame
        Two rows per threshold, ``group`` "admitted" then "not admitted":
        ``customers``, ``share_of_customers``, ``mean_first_spend`` (first-day spend),
        ``repeat_customers``, ``repeat_rate`` with ``ci_low``/``ci_high`` (NaN for an
        empty group), ``mean_later_spend`` (per customer, on later days, 0 for those
        who never came back), ``later_revenue`` and ``share_of_later_revenue``
        (of all customers' later spending; NaN if nobody spent later).

    Raises
    ------
    ValueError, TypeError
        For a missing column, a missing or unreadable date or amount, an empty log,
        or a negative or non-finite threshold (the message names it).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c", "c"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-03",
    ...                                            "2024-01-05", "2024-01-09"]),
    ...                    "amount": [50.0, 20.0, 80.0, 10.0, 30.0]})
    >>> t = first_purchase_threshold(tx, 40)
    >>> t[["group", "customers", "repeat_customers", "later_revenue"]].values.tolist()
    [['admitted', 2, 1, 20.0], ['not admitted', 1, 1, 30.0]]
    """
    from funnelsim.stats import proportion_ci

    check_columns(transactions, [customer, date, amount], name="transactions")
    levels = np.atleast_1d(check_real_array("threshold", threshold, low=0.0)).ravel()
    level = check_real("confidence", confidence, low=0.0, high=1.0, low_open=True, high_open=True)
    ids, dates, amounts = _read_transactions(
        transactions, customer, date, amount, date_format, dayfirst, needed_by="the split"
    )
    codes, uniques = _sorted_codes(ids)
    n = len(uniques)
    day = local_days(dates)
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, codes, day)
    on_first = day == first[codes]
    first_spend = np.bincount(codes[on_first], weights=amounts[on_first], minlength=n)
    later = ~on_first
    later_spend = np.bincount(codes[later], weights=amounts[later], minlength=n)
    came_back = np.bincount(codes[later], minlength=n) > 0
    all_later = float(later_spend.sum())
    rows = []
    for t in levels:
        admitted = first_spend >= t
        for name, mask in (("admitted", admitted), ("not admitted", ~admitted)):
            size = int(mask.sum())
            back = int(came_back[mask].sum())
            revenue = float(later_spend[mask].sum())
            low, high = proportion_ci(back, size, level)
            rows.append(
                {
                    "threshold": float(t),
                    "group": name,
                    "customers": size,
                    "share_of_customers": size / n,
                    "mean_first_spend": float(first_spend[mask].mean()) if size else np.nan,
                    "repeat_customers": back,
                    "repeat_rate": back / size if size else np.nan,
                    "ci_low": float(low),
                    "ci_high": float(high),
                    "mean_later_spend": revenue / size if size else np.nan,
                    "later_revenue": revenue,
                    "share_of_later_revenue": revenue / all_later if all_later else np.nan,
                }
            )
    return pd.DataFrame(rows, columns=list(_THRESHOLD_COLUMNS))


def rfm_outcomes(
    transactions: pd.DataFrame,
    as_of: Any,
    *,
    customer: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    bins: int = 5,
    frequency: Literal["days", "orders"] = "days",
    confidence: float = 0.95,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame:
    """Score customers by RFM at ``as_of``, then see what each segment did afterwards.

    A back-test of the segmentation: :func:`rfm` on the purchases up to and
    including ``as_of`` (customers whose first purchase comes later are not
    scored), then, per segment, the share of customers who bought again after
    ``as_of`` and what they spent. This is how one checks that the segments
    separate customers who will come back from those who will not, before
    spending on offers by segment (the hold-out check of Hughes's RFM, where a
    mailing goes to the cells that responded best in the past).

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase (e.g. :func:`funnelsim.load_cdnow`).
    as_of : date-like
        The day the segments are made; it must leave purchases on both sides.
    customer, date, amount, bins, frequency, date_format, dayfirst
        As in :func:`rfm`.
    confidence : float
        Coverage of the Clopper–Pearson interval of each segment's return rate.

    Returns
    -------
    DataFrame
        :func:`rfm_summary` of the scores at ``as_of`` (one row per segment, best
        first, empty segments kept) plus ``returned`` (customers with a purchase
        after ``as_of``), ``return_rate`` with ``ci_low``/``ci_high`` (NaN for an
        empty segment), ``mean_spend_after`` (per customer of the segment) and
        ``share_of_spend_after`` (of all spending after ``as_of`` by scored
        customers).

    Raises
    ------
    ValueError
        If ``as_of`` leaves no purchase before or none after it, or for the
        errors of :func:`rfm`.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "c"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-20", "2024-03-01",
    ...                                            "2024-01-02", "2024-02-15"]),
    ...                    "amount": [10.0, 20.0, 30.0, 5.0, 8.0]})
    >>> out = rfm_outcomes(tx, "2024-01-31", bins=2)
    >>> out.loc[out["customers"] > 0, ["segment", "customers", "returned"]].values.tolist()
    [['Champions', 1, 1], ['Need attention', 1, 0]]
    """
    from funnelsim.stats import proportion_ci

    check_columns(transactions, [customer, date, amount], name="transactions")
    level = check_real("confidence", confidence, low=0.0, high=1.0, low_open=True, high_open=True)
    dates = _as_dates(transactions[date], date, transactions.index, date_format, dayfirst)
    cut = as_timestamp(as_of, name="as_of", date_format=date_format, dayfirst=dayfirst)
    if (cut.tz is None) != (dates.dt.tz is None):
        raise ValueError(
            f"as_of and transactions[{date!r}] must both carry a time zone or both not, "
            f"got as_of {str(cut)!r}"
        )
    before = (dates <= cut).to_numpy()
    if not before.any() or before.all():
        side = "before" if not before.any() else "after"
        raise ValueError(
            f"as_of {cut.date()} leaves no purchase {side} it: choose a day inside the log "
            f"({dates.min().date()} to {dates.max().date()})"
        )
    past = transactions.loc[before].assign(**{date: dates[before]})
    scores = rfm(
        past,
        customer=customer,
        date=date,
        amount=amount,
        as_of=cut,
        bins=bins,
        frequency=frequency,
    )
    later = transactions.loc[~before]
    later_amounts = _as_amounts(later[amount], amount, later.index)
    spend = pd.Series(later_amounts, index=later[customer].to_numpy()).groupby(level=0).sum()
    spent_after = spend.reindex(scores[customer].to_numpy(), fill_value=0.0).to_numpy(float)
    came_back = pd.Index(later[customer].unique()).get_indexer(scores[customer]) >= 0
    out = rfm_summary(scores)
    by_segment = pd.DataFrame(
        {"segment": scores["segment"], "returned": came_back, "spend_after": spent_after}
    ).groupby("segment", observed=False, sort=True)
    returned = by_segment["returned"].sum().to_numpy(np.int64)
    customers = out["customers"].to_numpy(np.int64)
    low, high = proportion_ci(returned, customers, level)
    total_after = float(spent_after.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        out["returned"] = returned
        out["return_rate"] = np.where(customers > 0, returned / np.maximum(customers, 1), np.nan)
        out["ci_low"] = low
        out["ci_high"] = high
        out["mean_spend_after"] = np.where(
            customers > 0,
            by_segment["spend_after"].sum().to_numpy() / np.maximum(customers, 1),
            np.nan,
        )
        out["share_of_spend_after"] = (
            by_segment["spend_after"].sum().to_numpy() / total_after if total_after else np.nan
        )
    return out
