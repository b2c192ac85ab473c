"""B2B buying: accounts, the buying committee, the champion, Beckhard's formula and ABM.

In B2B the buyer is an **account** (a company), not a person. An account moves
through Trigger → Learn → Try → Buy (:func:`funnelsim.trigger_learn_try_buy`),
and every step is decided by people with different interests: the buying
committee.

The committee model
-------------------
A :class:`Committee` is a tuple of :class:`Member` records. For each account,
each member independently

* takes part in the deal with probability ``presence``;
* if present, is **for** the purchase with probability ``support`` and
  **against** it otherwise.

A member who is for the purchase multiplies the *odds* ``p / (1 - p)`` of every
step it influences by its multiplier ``m``; a member who is against divides
them by ``m``; an absent member changes nothing. On the log-odds (logit) scale
the effects add up::

    logit p'[account, step] = logit p[step] + sum over members of stance × log m[member, step]

with stance = +1 (for), -1 (against) or 0 (absent). Multipliers are > 0, so a
step with rate 0 or 1 stays 0 or 1. With every multiplier equal to 1 the model
is exactly the plain funnel: each account converts at the funnel's rates.

:func:`buying_committee` builds the committee taught in lesson 08 (the buying-centre roles of
Webster & Wind 1972, *Organizational Buying Behavior*, as Russian practice names them):
the decision maker (ЛПР, "Ultimate Decision Maker") decides Buy, the economic
buyer (ЛВР) weighs ROI in Try and Buy, the decision shaper (ЛФР, the sources'
"Influencer"; member key ``influencer``) dominates Learn and Try, Users judge
convenience in the pilot and decide adoption after the purchase, a **champion**
(always for) pushes every step and a **saboteur** (an influencer who is always
against) holds Learn and Try back.
The default numbers are round teaching values, not measurements.

Adoption after the purchase
---------------------------
A won deal is not yet a kept account. With ``adoption=`` (:func:`simulate_accounts`,
:func:`expected_accounts`) each won account takes one more step, **Adoption**
(:data:`ADOPTION`): its end users take the product into daily work (adopted) or
let it fall out of use (the deal is won but the account is lost: abandoned).
The organisation's decision to buy and the individual users' acceptance are
two separate decisions, the multi-level view of Frambach & Schillewaert (2002,
"Organizational innovation adoption: a multi-level framework", *Journal of
Business Research* 55, 163–176); what users weigh is the perceived usefulness
and ease of use of the technology acceptance model (Davis 1989, *MIS
Quarterly* 13, 319–340). The step uses the same odds model as the stages: a
member whose ``odds`` name :data:`ADOPTION` moves the base ``adoption`` rate
by its stance in *that* account, so users who were against the purchase (or a
champion who pushed it) carry their stance into daily use. The step takes no
time (the cycle ends at Buy). With ``adoption=1`` every won account is kept and
every other result is exactly that of a run without the step (the random
numbers of the step are drawn after all others).

Account-based marketing
-----------------------
:func:`simulate_abm` runs the four ABM steps of lesson 11 (filter, rank,
research, warm up) over a list of companies, ranking them by BANT
(:mod:`funnelsim.scoring`), by expected value (win probability × deal size)
or at random, on the same companies; :class:`AbmResult` gives the pipeline
table, the three rankings side by side and the gain curve's input.

Beckhard's formula
------------------
Change (here: the purchase) happens when dissatisfaction × vision × first steps
exceeds the cost of change, A·B·D > X. The formula is usually credited to David
Gleicher (Arthur D. Little, early 1960s) and was popularised by Richard Beckhard
and Reuben Harris (*Organizational Transitions*, 1977/1987). :func:`beckhard` is
the rule, :func:`beckhard_probability` a smooth version usable as the Buy rate,
and :func:`simulate_beckhard` the share of a market of clients whose A, B, D and
X scatter around typical values.

The sources give no scale for the four factors. The course (lesson 01) uses
one: **A and X in money per year** (A the client's yearly loss from today's
state, X the yearly cost of change: price plus cost of ownership) and **B and D
as factors in [0, 1]** (B the share of that loss the client believes the
solution removes, D how sure the client is that the first steps work). Then
A·B·D is the benefit the client believes in and can reach, in the same unit as
X. Any other scale works if A·B·D and X share a unit (e.g. all four rated
0–10 with X on the product's 0–1000 scale, as the B2B explorer does).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from funnelsim._random import as_generator, seed_entropy
from funnelsim._validation import (
    check_choice,
    check_int,
    check_probability,
    check_real,
    check_real_array,
)
from funnelsim.model import Funnel, _key, check_funnel, trigger_learn_try_buy
from funnelsim.stats import proportion_ci, step_table

__all__ = [
    "ABM_RANKINGS",
    "ABM_STAGES",
    "ADOPTION",
    "BUYER_CLASSES",
    "AbmResult",
    "AccountsResult",
    "BeckhardResult",
    "Committee",
    "Member",
    "beckhard",
    "beckhard_probability",
    "buyer_class_effect",
    "buyer_class_table",
    "buying_committee",
    "compare_accounts",
    "expected_accounts",
    "simulate_abm",
    "simulate_accounts",
    "simulate_beckhard",
]

#: Stance codes stored per account and member.
_STANCES = ("against", "absent", "for")

#: Largest number of members for the exact (enumerating) expectation: 3**members states.
_MAX_EXACT_MEMBERS = 10

#: Columns of :attr:`AccountsResult.contributions` (also when the committee is empty).
_CONTRIBUTION_COLUMNS = (
    "member",
    "label",
    "share_present",
    "win_rate",
    "win_rate_without",
    "contribution",
    "wins_added",
)

#: Name of the post-purchase step (end users adopt the product or abandon it); a
#: :class:`Member` may name it in its ``odds`` like any stage.
ADOPTION = "Adoption"

#: Largest n_accounts simulated at once (about 100 bytes per account and member).
MAX_ACCOUNTS = 20_000_000


def _odds_pairs(odds: Any, where: str, what: str = "odds") -> tuple[tuple[str, float], ...]:
    if isinstance(odds, Mapping):
        items = list(odds.items())
    elif isinstance(odds, Sequence) and not isinstance(odds, str):
        items = list(odds)
    else:
        raise TypeError(
            f"{what} for {where} must be a mapping of stage name to multiplier, "
            f"got {type(odds).__name__}"
        )
    pairs = []
    seen = set()
    for item in items:
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)):
            raise TypeError(f"{what} for {where} must map stage names to numbers, got {item!r}")
        stage, value = item
        if stage in seen:
            raise ValueError(f"{what} for {where} name stage {stage!r} twice")
        seen.add(stage)
        m = check_real(
            f"{what} multiplier of {where} for stage {stage!r}", value, low=0.0, low_open=True
        )
        pairs.append((stage, m))
    return tuple(pairs)


@dataclass(frozen=True)
class Member:
    """One member of an account's buying committee (a role, not a person).

    ``odds`` maps stage names to odds multipliers; a stage not named is not
    influenced (multiplier 1). A multiplier of 2 doubles the odds of reaching
    that stage when the member is for the purchase and halves them when it is
    against. ``adoption`` does the same for the post-purchase step
    (:data:`ADOPTION`), and ``pace`` for the time spent in a stage: a member
    for the purchase divides the account's time in that stage by the factor
    (pushes it through), one against multiplies it (stalls it).
    """

    #: Identifier used in tables and keyword arguments, e.g. "decision_maker".
    key: str
    #: Display name, e.g. "Decision maker (ЛПР)".
    label: str
    #: Probability that the member takes part in an account's deal, in [0, 1].
    presence: float
    #: Probability that a present member is for the purchase (else against), in [0, 1].
    support: float
    #: Odds multiplier (> 0) per influenced stage, as ((stage, multiplier), ...);
    #: a mapping is accepted and converted.
    odds: tuple[tuple[str, float], ...] = ()
    #: Odds multiplier (> 0) of the post-purchase step, adoption by the end users.
    adoption: float = 1.0
    #: Time factor (> 0) per stage, as ((stage, factor), ...): time in the stage
    #: divided by it when the member is for, multiplied when against.
    pace: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        for name in ("key", "label"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"member {name} must be a non-empty string, got {value!r}")
        object.__setattr__(
            self, "presence", check_probability(f"presence of {self.key!r}", self.presence)
        )
        object.__setattr__(
            self, "support", check_probability(f"support of {self.key!r}", self.support)
        )
        object.__setattr__(self, "odds", _odds_pairs(self.odds, repr(self.key)))
        object.__setattr__(
            self,
            "adoption",
            check_real(
                f"adoption multiplier of {self.key!r}", self.adoption, low=0.0, low_open=True
            ),
        )
        object.__setattr__(self, "pace", _odds_pairs(self.pace, repr(self.key), "pace"))

    def multiplier(self, stage: str) -> float:
        """Odds multiplier for ``stage`` (1 for a stage the member does not influence)."""
        return dict(self.odds).get(stage, 1.0)

    def pace_factor(self, stage: str) -> float:
        """Time factor for ``stage`` (1 for a stage whose pace the member does not set)."""
        return dict(self.pace).get(stage, 1.0)


@dataclass(frozen=True)
class Committee:
    """The buying committee: members with presence, stance and odds multipliers.

    Derive changed committees with :meth:`replace` (one member) and
    :meth:`neutral` (every multiplier 1: the plain funnel).
    """

    #: The members, in display order; keys must be unique.
    members: tuple[Member, ...]

    def __post_init__(self) -> None:
        members = self.members
        if isinstance(members, Member) or not isinstance(members, Iterable):
            raise TypeError(f"members must be a sequence of Member, got {type(members).__name__}")
        members = tuple(members)
        for m in members:
            if not isinstance(m, Member):
                raise TypeError(f"every committee member must be a Member, got {m!r}")
        keys = [m.key for m in members]
        for k in keys:
            if keys.count(k) > 1:
                raise ValueError(f"committee member keys must be unique, got {k!r} twice")
        object.__setattr__(self, "members", members)

    @property
    def keys(self) -> tuple[str, ...]:
        """Member keys in order."""
        return tuple(m.key for m in self.members)

    def __len__(self) -> int:
        return len(self.members)

    def __getitem__(self, key: str) -> Member:
        for m in self.members:
            if m.key == key:
                return m
        raise KeyError(f"no committee member {key!r}; members are {list(self.keys)}")

    def replace(self, key: str, **changes: Any) -> Committee:
        """A copy with one member's fields changed, e.g. ``replace("champion", presence=0.5)``."""
        member = self[key]
        new = dataclasses.replace(member, **changes)
        return Committee(tuple(new if m.key == key else m for m in self.members))

    def neutral(self) -> Committee:
        """The same members with every multiplier and time factor 1: the plain funnel."""
        return Committee(
            tuple(
                dataclasses.replace(
                    m,
                    odds=tuple((s, 1.0) for s, _ in m.odds),
                    adoption=1.0,
                    pace=tuple((s, 1.0) for s, _ in m.pace),
                )
                for m in self.members
            )
        )

    def log_odds(self, stages: Sequence[str]) -> np.ndarray:
        """``log m`` per member and stage, shape (members, stages), also for no members.

        The name :data:`ADOPTION` gives each member's ``adoption`` multiplier.
        """
        m = np.array(
            [
                [m.adoption if s == ADOPTION else m.multiplier(s) for s in stages]
                for m in self.members
            ],
            dtype=float,
        )
        return np.log(m.reshape(len(self.members), len(stages)))

    def log_pace(self, stages: Sequence[str]) -> np.ndarray:
        """``log f`` (time factors) per member and stage, shape (members, stages)."""
        f = np.array([[m.pace_factor(s) for s in stages] for m in self.members], dtype=float)
        return np.log(f.reshape(len(self.members), len(stages)))

    def to_frame(self) -> pd.DataFrame:
        """One row per member and influenced stage (:data:`ADOPTION` last when moved).

        Columns: ``member, label, presence, support, stage, odds, pace`` (a
        member influencing nothing has one row with stage "" and 1, 1).
        """
        rows = []
        for m in self.members:
            stages = list(dict.fromkeys([s for s, _ in m.odds] + [s for s, _ in m.pace]))
            if m.adoption != 1.0:
                stages.append(ADOPTION)
            for s in stages or [""]:
                odds = m.adoption if s == ADOPTION else m.multiplier(s)
                rows.append((m.key, m.label, m.presence, m.support, s, odds, m.pace_factor(s)))
        return pd.DataFrame(
            rows, columns=["member", "label", "presence", "support", "stage", "odds", "pace"]
        )


def buying_committee(
    champion: float = 0.25,
    saboteur: float = 0.15,
    *,
    decision_maker: float = 0.6,
    economic_buyer: float = 0.7,
    influencer: float = 0.9,
    user: float = 0.8,
) -> Committee:
    """The course's buying committee for Trigger–Learn–Try–Buy.

    Parameters
    ----------
    champion, saboteur, decision_maker, economic_buyer, influencer, user : float
        Probability, in [0, 1], that the member takes part in an account's deal.

    Returns
    -------
    Committee
        The six members below, in this order.

    ======================  ===============================  =======  ============================
    member                  who (lesson 08)                  support  odds multipliers
    ======================  ===============================  =======  ============================
    ``decision_maker``      Decision maker (ЛПР)             0.6      Buy ×2.5
    ``economic_buyer``      Economic buyer (ЛВР)             0.5      Try ×1.3, Buy ×1.8
    ``influencer``          Decision shaper (ЛФР)            0.6      Learn ×2, Try ×2
    ``user``                Users                            0.7      Try ×1.5; Adoption ×4
    ``champion``            an insider who sells internally  1 (for)  Learn ×2, Try ×2.5, Buy ×3;
                                                                      Adoption ×2
    ``saboteur``            an influencer working against    0        Learn ×2, Try ×2.5, Buy ×1.5
    ======================  ===============================  =======  ============================

    Pace: a champion divides the time in Learn, Try and Buy by 1.5 (surfaces
    objections early, clears internal barriers); a saboteur multiplies the
    time in Learn by 1.5 and in Try by 2 (one more test, one more report).
    A saboteur has support 0, so its multipliers *divide* the odds. The
    funnel's own rates are those of an account whose committee is absent or
    evenly split. The Adoption multipliers act only when a simulation asks for
    the post-purchase step (``adoption=``): the users, who barely move the
    purchase, decide whether the product is used after it (a champion is
    usually a future user too). The numbers are teaching values chosen so each role's effect
    is visible in a few thousand accounts, not estimates from data.
    """
    lpr = (("Buy", 2.5),)
    lvr = (("Try", 1.3), ("Buy", 1.8))
    lfr = (("Learn", 2.0), ("Try", 2.0))
    users = (("Try", 1.5),)
    champ = (("Learn", 2.0), ("Try", 2.5), ("Buy", 3.0))
    sabot = (("Learn", 2.0), ("Try", 2.5), ("Buy", 1.5))
    fast = (("Learn", 1.5), ("Try", 1.5), ("Buy", 1.5))  # the champion clears barriers
    slow = (("Learn", 1.5), ("Try", 2.0))  # the saboteur asks for one more test
    return Committee(
        (
            Member("decision_maker", "Decision maker (ЛПР)", decision_maker, 0.6, lpr),
            Member("economic_buyer", "Economic buyer (ЛВР)", economic_buyer, 0.5, lvr),
            Member("influencer", "Decision shaper (ЛФР)", influencer, 0.6, lfr),
            Member("user", "Users", user, 0.7, users, adoption=4.0),
            Member("champion", "Champion", champion, 1.0, champ, adoption=2.0, pace=fast),
            Member("saboteur", "Saboteur", saboteur, 0.0, sabot, pace=slow),
        )
    )


def _check_funnel(funnel: Any) -> Funnel:
    """The funnel, Trigger-Learn-Try-Buy by default."""
    return trigger_learn_try_buy() if funnel is None else check_funnel(funnel)


def _check_committee(committee: Any, funnel: Funnel) -> Committee:
    """The committee (default :func:`buying_committee`), every influenced stage in ``funnel``."""
    if committee is None:
        return buying_committee()
    if not isinstance(committee, Committee):
        raise TypeError(
            f"committee must be a Committee (e.g. funnelsim.buying_committee()), "
            f"got {type(committee).__name__}"
        )
    for m in committee.members:
        for stage, _ in m.odds:
            if stage not in funnel.names:
                raise ValueError(
                    f"member {m.key!r} influences stage {stage!r}, which is not in funnel "
                    f"{funnel.name!r}; stages are {list(funnel.names)}"
                )
        for stage, _ in m.pace:
            if stage not in funnel.names:
                raise ValueError(
                    f"member {m.key!r} sets the pace of stage {stage!r}, which is not in "
                    f"funnel {funnel.name!r}; stages are {list(funnel.names)}"
                )
    return committee


def _shift(p: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Step probabilities ``p`` with log-odds shifted by ``s`` (broadcast); exact where s == 0."""
    with np.errstate(divide="ignore"):
        shifted = special.expit(special.logit(p) + s)
    return np.where(s == 0, p, shifted)


def _member_probabilities(committee: Committee) -> np.ndarray:
    """P(against), P(absent), P(for) per member, shape (members, 3)."""
    pres = np.array([m.presence for m in committee.members])
    sup = np.array([m.support for m in committee.members])
    return np.stack([pres * (1 - sup), 1 - pres, pres * sup], axis=1)


def expected_accounts(
    n_accounts: int,
    *,
    committee: Committee | None = None,
    funnel: Funnel | None = None,
    buy_rate: Any = None,
    adoption: float | None = None,
) -> pd.DataFrame:
    """Exact expectations for ``n_accounts`` accounts with a buying committee.

    Accounts are independent. The probability ``q[k]`` that an account reaches
    stage *k* is averaged over every combination of member stances (3**members
    of them, enumerated exactly), so the number reaching the stage is
    Binomial(n_accounts, q[k]). With :meth:`Committee.neutral` this equals
    :func:`funnelsim.expected`.

    Parameters
    ----------
    n_accounts : int
        Accounts entering the first stage, >= 0.
    committee : Committee, optional
        Default :func:`buying_committee`; at most 10 members.
    funnel : Funnel, optional
        Default :func:`funnelsim.trigger_learn_try_buy`.
    buy_rate : float or array_like, optional
        Base rate of the last step, one for all or one per account (as in
        :func:`simulate_accounts`). With one rate per account the accounts
        differ: the Buy count is a sum of independent Bernoulli trials with
        different probabilities, and its ``sd_reached`` is the exact
        ``sqrt(sum q_i (1 - q_i))``.
    adoption : float, optional
        Base rate, in [0, 1], of the post-purchase step (as in
        :func:`simulate_accounts`); adds a last row :data:`ADOPTION` (won
        accounts whose users adopt the product). Its reach is averaged over the
        stance combinations like the others: P(won and adopted) = sum over
        combinations of P(combination) × P(won | combination) × P(adopted |
        combination), since adoption depends on the same stances.

    Returns
    -------
    DataFrame
        One row per stage (and :data:`ADOPTION` last with ``adoption``):
        ``stage, base_rate, step_rate, reach_probability, expected_reached,
        sd_reached``. ``reach_probability`` is the mean over
        accounts; ``step_rate`` the average rate of the step among accounts that
        reached the previous stage; ``base_rate`` the funnel's rate for an
        account with no active member (NaN for Buy with one rate per account);
        ``expected_reached`` and ``sd_reached`` are in accounts.

    Examples
    --------
    >>> import funnelsim as fs
    >>> exp = fs.expected_accounts(1000, committee=fs.buying_committee().neutral())
    >>> exp["expected_reached"].round(1).tolist()
    [1000.0, 400.0, 120.0, 30.0]
    """
    funnel = _check_funnel(funnel)
    committee = _check_committee(committee, funnel)
    n = check_int("n_accounts", n_accounts, low=0)
    adopt = None if adoption is None else check_probability("adoption", adoption)
    base = funnel.rates
    buy = None
    if buy_rate is not None:
        buy = _check_buy_rate(buy_rate, n, funnel)
        base[-1] = float(buy) if buy.ndim == 0 else np.nan
    reach, sd = _exact_reach(funnel, committee, n, buy, adopt)
    names = list(funnel.names)
    if adopt is not None:
        names.append(ADOPTION)
        base = np.append(base, adopt)
    prev = np.concatenate([[1.0], reach[:-1]])
    with np.errstate(invalid="ignore", divide="ignore"):
        step = np.where(prev > 0, reach / np.where(prev > 0, prev, 1.0), np.nan)
    return pd.DataFrame(
        {
            "stage": pd.Categorical(names, categories=names, ordered=True),
            "base_rate": base,
            "step_rate": step,
            "reach_probability": reach,
            "expected_reached": n * reach,
            "sd_reached": sd,
        }
    )


def _stance_states(committee: Committee, log_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every stance combination: its probability (S,) and log-odds shift per stage (S, K)."""
    members = len(committee)
    if members > _MAX_EXACT_MEMBERS:
        raise ValueError(
            f"exact expectations enumerate 3**members stance combinations; "
            f"members must be <= {_MAX_EXACT_MEMBERS}, got {members}"
        )
    combos = list(itertools.product((-1, 0, 1), repeat=members))
    states = np.array(combos, dtype=np.int64).reshape(len(combos), members)  # (S, M)
    probs = _member_probabilities(committee)  # (M, 3)
    weight = np.prod(probs[np.arange(members), states + 1], axis=1)  # (S,)
    return weight, states @ log_m


def _exact_reach(
    funnel: Funnel,
    committee: Committee,
    n: int,
    buy: np.ndarray | None,
    adoption: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean reach probability per stage and the sd of the count reaching it (n accounts).

    ``buy`` is None, one base Buy rate for all (0-d) or one per account (n,).
    With ``adoption`` the arrays get one more element, the post-purchase step.
    """
    rates = funnel.rates
    k = len(rates)
    if buy is not None and buy.ndim == 0:
        rates[-1] = float(buy)  # one rate for all: still one funnel
        buy = None
    log_m = committee.log_odds(funnel.names)
    log_a = committee.log_odds((ADOPTION,)) if adoption is not None else log_m[:, :0]
    if buy is None and not np.any(log_m) and not np.any(log_a):
        # No member moves any step: the plain funnel (and a plain last step), exactly.
        reach = np.cumprod(rates if adoption is None else np.append(rates, adoption))
        return reach, np.sqrt(n * reach * (1 - reach))
    weight, shift = _stance_states(committee, np.hstack([log_m, log_a]))  # (S,), (S, K[+1])
    path = np.cumprod(_shift(rates[None, :], shift[:, :k]), axis=1)  # (S, K)
    if adoption is not None:
        p_adopt = _shift(np.array([adoption]), shift[:, k])  # (S,)
        path = np.hstack([path, (path[:, -1] * p_adopt)[:, None]])
    # The weights sum to 1 up to rounding; clip the last ulp so sd stays real.
    reach = np.clip(weight @ path, 0.0, 1.0)
    sd = np.sqrt(n * reach * (1 - reach))
    if buy is not None:
        # Accounts differ only in the Buy base rate. Group the stance combinations by
        # their shifts of Buy (and Adoption): few distinct values; mix exactly per account.
        keys, group = np.unique(shift[:, k - 1 :], axis=0, return_inverse=True)
        group = np.asarray(group).ravel()
        mass = np.bincount(group, weights=weight * path[:, k - 2], minlength=len(keys))
        q_buy = np.zeros(n)
        q_adopt = np.zeros(n)
        for key, w in zip(keys, mass, strict=True):  # loop over distinct shifts, not accounts
            p_buy = _shift(buy, key[0])
            q_buy += w * p_buy
            if adoption is not None:
                q_adopt += w * p_buy * float(_shift(np.array(adoption), key[1]))
        for j, q in ((k - 1, q_buy), (k, q_adopt)):
            if j == k and adoption is None:
                break
            q = np.clip(q, 0.0, 1.0)
            reach[j] = q.mean() if n else np.nan
            sd[j] = np.sqrt(np.sum(q * (1 - q)))
    return reach, sd


@dataclass(frozen=True, eq=False, repr=False)
class AccountsResult:
    """What :func:`simulate_accounts` returns.

    ``accounts`` has one row per account; :meth:`table` one row per stage;
    ``contributions`` one row per committee member.
    """

    #: The funnel the accounts went through.
    funnel: Funnel
    #: The committee used (with the champion and saboteur presence applied).
    committee: Committee
    #: One row per account: ``account_id``, one stance column per member
    #: ("for"/"absent"/"against"), ``p_<stage>`` (the account's step probability
    #: for every stage after the first), ``depth`` (stages reached),
    #: ``stage_reached``, ``won`` and ``cycle_length`` (time from entering the first
    #: stage to leaving the last stage reached: the sales cycle for won accounts,
    #: the time to lose the deal otherwise). With ``adoption``, also
    #: ``p_adoption`` (the chance the account's users adopt the product if it is
    #: bought), ``adopted`` (won and in use) and ``abandoned`` (won, then not used).
    accounts: pd.DataFrame
    #: One row per member: ``member, label, share_present, win_rate,
    #: win_rate_without, contribution, wins_added`` (see :func:`simulate_accounts`);
    #: with ``adoption`` also ``kept_rate, kept_rate_without, kept_contribution,
    #: kept_added``, the same for accounts won *and* adopted.
    contributions: pd.DataFrame
    #: The int that repeats the run when passed back as ``seed=``; None when no int does
    #: (a Generator that was used or spawned; see :func:`funnelsim._random.seed_entropy`).
    seed: int | None
    #: The ``buy_rate`` given to :func:`simulate_accounts` (0-d or one per
    #: account), None when the funnel's own Buy rate was used.
    buy_rate: np.ndarray | None = None
    #: Base rate of the post-purchase step (see :func:`simulate_accounts`), None
    #: when the run stopped at the purchase.
    adoption: float | None = None

    @property
    def n_accounts(self) -> int:
        """Number of simulated accounts."""
        return len(self.accounts)

    @property
    def win_rate(self) -> float:
        """Share of accounts that reached the last stage (bought)."""
        won = self.accounts["won"]
        return int(won.sum()) / len(won) if len(won) else float("nan")

    @property
    def adoption_rate(self) -> float:
        """Share of won accounts whose users adopted the product (NaN without adoption)."""
        a = self.accounts
        if self.adoption is None or not a["won"].any():
            return float("nan")
        return int(a["adopted"].sum()) / int(a["won"].sum())

    @property
    def kept_rate(self) -> float:
        """Share of all accounts won **and** adopted (NaN without adoption)."""
        a = self.accounts
        if self.adoption is None or not len(a):
            return float("nan")
        return int(a["adopted"].sum()) / len(a)

    @property
    def cycle_lengths(self) -> np.ndarray:
        """Sales-cycle length of each won account (time units of the funnel's stages)."""
        a = self.accounts
        return a.loc[a["won"], "cycle_length"].to_numpy()

    def table(self, by: str | None = None) -> pd.DataFrame:
        """One row per stage (and group): the account funnel.

        Parameters
        ----------
        by : str, optional
            A column of :attr:`accounts` to split by, e.g. ``"champion"`` to
            compare accounts with and without one.

        Returns
        -------
        DataFrame
            ``stage, reached`` (accounts), ``step_conversion`` (reached / reached
            at the previous stage) with its exact interval ``ci_low, ci_high``,
            ``cumulative_conversion`` (reached / accounts) and ``drop_off``
            (:func:`funnelsim.stats.step_table`), with a leading ``by`` column when
            split; with ``adoption`` a last row :data:`ADOPTION` (accounts won and
            adopted). Without ``by``, also
            ``expected_reached`` (accounts) from :func:`expected_accounts` with the
            same committee, funnel and ``buy_rate`` (omitted for a committee too
            large to enumerate).
        """
        names = list(self.funnel.names)
        k = len(names)
        if self.adoption is not None:
            names.append(ADOPTION)
        a = self.accounts
        if by is not None and by not in a.columns:
            raise ValueError(
                f"by must be a column of accounts, one of {list(a.columns)}, got {by!r}"
            )
        groups = [(None, a)] if by is None else list(a.groupby(by, observed=True, sort=True))
        frames = []
        for key, g in groups:
            depth = g["depth"].to_numpy()
            reached = (depth[:, None] > np.arange(k)[None, :]).sum(axis=0)
            if self.adoption is not None:
                reached = np.append(reached, int(g["adopted"].sum()))
            f = step_table(names, reached, len(g))
            if by is not None:
                f.insert(0, by, key)
            frames.append(f)
        out = pd.concat(frames, ignore_index=True)
        if by is None and len(self.committee) <= _MAX_EXACT_MEMBERS:
            exp = expected_accounts(
                len(a),
                committee=self.committee,
                funnel=self.funnel,
                buy_rate=self.buy_rate,
                adoption=self.adoption,
            )
            out["expected_reached"] = exp["expected_reached"].to_numpy()
        return out

    def summary(self, confidence: float = 0.95) -> pd.DataFrame:
        """The run in one row: wins with their interval, the cycle, and what was kept.

        Parameters
        ----------
        confidence : float
            Coverage of the exact (Clopper–Pearson) intervals, in (0, 1).

        Returns
        -------
        DataFrame
            One row: ``accounts, won, win_rate, win_ci_low, win_ci_high`` (the
            interval of the win rate, :func:`funnelsim.stats.proportion_ci`),
            ``median_cycle`` and ``mean_cycle`` (won accounts, in the time unit
            of the funnel's stages; NaN with no win) and, with ``adoption``,
            ``kept, abandoned, kept_rate, kept_ci_low, kept_ci_high`` (accounts
            won and adopted) and ``adoption_rate`` (kept / won).
        """
        a = self.accounts
        n, won = len(a), int(a["won"].sum())
        lo, hi = proportion_ci(won, n, confidence)
        cycles = self.cycle_lengths
        row: dict[str, Any] = {
            "accounts": n,
            "won": won,
            "win_rate": won / n if n else np.nan,
            "win_ci_low": float(lo),
            "win_ci_high": float(hi),
            "median_cycle": float(np.median(cycles)) if cycles.size else np.nan,
            "mean_cycle": float(cycles.mean()) if cycles.size else np.nan,
        }
        if self.adoption is not None:
            kept = int(a["adopted"].sum())
            klo, khi = proportion_ci(kept, n, confidence)
            row.update(
                kept=kept,
                abandoned=won - kept,
                kept_rate=self.kept_rate,
                kept_ci_low=float(klo),
                kept_ci_high=float(khi),
                adoption_rate=self.adoption_rate,
            )
        return pd.DataFrame([row])

    def cycle_summary(self, quantiles: Sequence[float] = (0.1, 0.5, 0.9)) -> pd.DataFrame:
        """Sales-cycle length by outcome (won / lost).

        Parameters
        ----------
        quantiles : sequence of float in [0, 1]
            Quantiles of the cycle length to report.

        Returns
        -------
        DataFrame
            One row per outcome: ``outcome, accounts, mean, sd`` and one column
            ``q<quantile>`` per quantile; lengths in the time unit of the
            funnel's stages (weeks for :func:`funnelsim.trigger_learn_try_buy`).
        """
        qs = [check_probability("quantile", q) for q in quantiles]
        a = self.accounts
        rows = []
        for outcome, mask in (("won", a["won"]), ("lost", ~a["won"])):
            c = a.loc[mask, "cycle_length"].to_numpy()
            row: dict[str, Any] = {"outcome": outcome, "accounts": c.size}
            row["mean"] = float(c.mean()) if c.size else np.nan
            row["sd"] = float(c.std(ddof=1)) if c.size > 1 else np.nan
            for q in qs:
                row[f"q{q:g}"] = float(np.quantile(c, q)) if c.size else np.nan
            rows.append(row)
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        return (
            f"AccountsResult({self.funnel.name!r}, n_accounts={self.n_accounts}, "
            f"win_rate={self.win_rate:.4g}"
            + ("" if self.adoption is None else f", kept_rate={self.kept_rate:.4g}")
            + f", seed={self.seed})"
        )


def simulate_accounts(
    n_accounts: int,
    *,
    champion: float | None = None,
    saboteur: float | None = None,
    committee: Committee | None = None,
    funnel: Funnel | None = None,
    buy_rate: Any = None,
    adoption: float | None = None,
    seed: Any = None,
) -> AccountsResult:
    """Simulate ``n_accounts`` accounts, each with its own buying committee.

    Parameters
    ----------
    n_accounts : int
        Accounts (companies) entering the first stage.
    champion, saboteur : float, optional
        Probability that an account has a champion / a saboteur; override the
        presence of the committee's ``"champion"`` / ``"saboteur"`` member.
    committee : Committee, optional
        Default :func:`buying_committee`. Use ``committee.neutral()`` for the
        plain funnel.
    funnel : Funnel, optional
        Default :func:`funnelsim.trigger_learn_try_buy`. Its rates are the rates
        of an account whose members are all absent; its time-in-stage
        distributions give the sales-cycle length.
    buy_rate : float or array_like, optional
        Base rate of the last step (Buy), one per account or one for all,
        in [0, 1] — e.g. :func:`beckhard_probability` of each account's
        Beckhard factors. Default: the funnel's rate.
    adoption : float, optional
        Base rate, in [0, 1], of the post-purchase step :data:`ADOPTION`: the
        chance that a won account's end users take the product into daily use
        when no member influencing adoption is present. Each member's stance
        moves it through its ``Adoption`` odds multiplier (in
        :func:`buying_committee`: users ×4, champion ×2). Default: no such step
        (the run stops at the purchase).
    seed : int, numpy.random.Generator, SeedSequence or None
        The only source of randomness.

    Returns
    -------
    AccountsResult
        ``contributions`` compares the run with a run on the **same random
        numbers** in which one member is switched off (never present):
        ``contribution = win_rate - win_rate_without``, and ``wins_added`` the
        difference in wins. Because the random numbers are common, the
        difference is the member's effect on these very accounts, free of
        run-to-run noise.

    Notes
    -----
    Every random number is drawn up front, in a fixed order that does not
    depend on the parameters: presence and stance uniforms (accounts × members),
    one uniform per account and step, each stage's time for every account,
    then one uniform per account for adoption (drawn also without ``adoption``).
    Two calls with the same seed and the same ``n_accounts`` and committee size
    therefore share their random numbers (common random numbers), and a
    member with presence 0 leaves every other account's path unchanged.

    Examples
    --------
    >>> import funnelsim as fs
    >>> res = fs.simulate_accounts(5_000, champion=0.3, seed=1)
    >>> 0 < res.win_rate < 1
    True
    """
    funnel = _check_funnel(funnel)
    committee = _check_committee(committee, funnel)
    for key, value in (("champion", champion), ("saboteur", saboteur)):
        if value is not None:
            if key not in committee.keys:
                raise ValueError(f"{key}={value!r} given but the committee has no {key!r} member")
            committee = committee.replace(key, presence=check_probability(key, value))
    n = check_int("n_accounts", n_accounts, low=0, high=MAX_ACCOUNTS)
    adopt = None if adoption is None else check_probability("adoption", adoption)
    k = len(funnel)
    buy = None if buy_rate is None else _check_buy_rate(buy_rate, n, funnel)
    base = np.broadcast_to(funnel.rates, (n, k)).copy()
    if buy is not None:
        base[:, -1] = buy

    rng = as_generator(seed)
    recorded = seed_entropy(rng)
    members = len(committee)
    presence_u = rng.random((n, members))
    stance_u = rng.random((n, members))
    step_u = rng.random((n, k))
    times = np.empty((n, k))
    for j, stage in enumerate(funnel.stages):
        times[:, j] = stage.time.sample(rng, n)
    adopt_u = rng.random(n)

    pres = np.array([m.presence for m in committee.members])
    sup = np.array([m.support for m in committee.members])
    state = np.where(presence_u < pres, np.where(stance_u < sup, 1, -1), 0).astype(np.int8)
    log_m = committee.log_odds(funnel.names)  # (M, K)
    log_a = committee.log_odds((ADOPTION,))[:, 0]  # (M,)
    log_f = committee.log_pace(funnel.names)  # (M, K)
    if np.any(log_f):
        times *= np.exp(-(state.astype(float) @ log_f))  # for: faster, against: slower

    def depth_of(rows: Any, st: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Stages reached and step probabilities of accounts ``rows`` with stances ``st``."""
        p = _shift(base[rows], st.astype(float) @ log_m)
        passed = step_u[rows, 1:] < p[:, 1:]
        return 1 + np.cumprod(passed, axis=1).sum(axis=1), p

    def adopted_of(rows: Any, st: np.ndarray, won: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Whether won accounts ``rows`` adopt, and their adoption probability."""
        p_a = _shift(np.array(adopt), st.astype(float) @ log_a)
        return won & (adopt_u[rows] < p_a), p_a

    depth, p = depth_of(slice(None), state)
    won = depth == k
    if adopt is not None:
        adopted, p_adopt = adopted_of(slice(None), state, won)
    cycle = np.where(np.arange(k)[None, :] < depth[:, None], times, 0.0).sum(axis=1)

    cols: dict[str, Any] = {"account_id": np.arange(n, dtype=np.int64)}
    for j, m in enumerate(committee.members):
        cols[m.key] = pd.Categorical.from_codes(
            (state[:, j] + 1).astype(np.int64), categories=pd.Index(_STANCES)
        )
    for j, name in enumerate(funnel.names[1:], start=1):
        cols[f"p_{_key(name)}"] = p[:, j]
    if adopt is not None:
        cols["p_adoption"] = p_adopt
    cols["depth"] = depth.astype(np.int64)
    cols["stage_reached"] = pd.Categorical.from_codes(
        (depth - 1).astype(np.int64), categories=pd.Index(funnel.names), ordered=True
    )
    cols["won"] = won
    if adopt is not None:
        cols["adopted"] = adopted
        cols["abandoned"] = won & ~adopted
    cols["cycle_length"] = cycle
    accounts = pd.DataFrame(cols)

    wins = int(won.sum())
    kept = int(adopted.sum()) if adopt is not None else 0
    rows = []
    for j, m in enumerate(committee.members):
        # Switching member j off changes only the accounts where it is present:
        # re-run those on their own random numbers, keep everyone else's outcome.
        present = np.flatnonzero(state[:, j])
        off = state[present]
        off[:, j] = 0
        won_off = depth_of(present, off)[0] == k
        wins_off = wins - int(won[present].sum()) + int(won_off.sum())
        row: dict[str, Any] = {
            "member": m.key,
            "label": m.label,
            "share_present": present.size / n if n else np.nan,
            "win_rate": wins / n if n else np.nan,
            "win_rate_without": wins_off / n if n else np.nan,
            "contribution": (wins - wins_off) / n if n else np.nan,
            "wins_added": wins - wins_off,
        }
        if adopt is not None:
            kept_off = (
                kept - int(adopted[present].sum()) + int(adopted_of(present, off, won_off)[0].sum())
            )
            row["kept_rate"] = kept / n if n else np.nan
            row["kept_rate_without"] = kept_off / n if n else np.nan
            row["kept_contribution"] = (kept - kept_off) / n if n else np.nan
            row["kept_added"] = kept - kept_off
        rows.append(row)
    columns = list(_CONTRIBUTION_COLUMNS)
    if adopt is not None:
        columns += ["kept_rate", "kept_rate_without", "kept_contribution", "kept_added"]
    contributions = pd.DataFrame(rows, columns=columns)
    return AccountsResult(funnel, committee, accounts, contributions, recorded, buy, adopt)


def _check_buy_rate(value: Any, n: int, funnel: Funnel) -> np.ndarray:
    """``buy_rate`` as a 0-d array or one rate per account, each in [0, 1]."""
    if len(funnel) < 2:
        raise ValueError(
            f"buy_rate needs a funnel with at least 2 stages, got {len(funnel)} ({funnel.name!r})"
        )
    arr = _as_real_array("buy_rate", value)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != n):
        raise ValueError(
            f"buy_rate must be one number or one per account ({n}), got shape {arr.shape}"
        )
    bad = (arr < 0) | (arr > 1)
    if np.any(bad):
        raise _first_bad("buy_rate", "in [0, 1]", value, arr, bad)
    return arr


# -- Beckhard's formula ----------------------------------------------------------------


def _first_bad(name: str, rule: str, value: Any, arr: np.ndarray, bad: np.ndarray) -> ValueError:
    """ValueError naming the first bad element: the scalar as given, else value and position."""
    if arr.ndim == 0:
        return ValueError(f"{name} must be {rule}, got {value!r}")
    i = int(np.flatnonzero(bad.ravel())[0])
    return ValueError(f"{name} must be {rule}, got {float(arr.ravel()[i])!r} at position {i}")


def _as_real_array(name: str, value: Any) -> np.ndarray:
    """``value`` as a finite float array (0-d for a scalar), checked by ``check_real_array``."""
    return np.asarray(check_real_array(name, value), dtype=float)


def _beckhard_inputs(
    dissatisfaction: Any, vision: Any, first_steps: Any, cost: Any
) -> tuple[np.ndarray, np.ndarray, bool]:
    arrays = {}
    for name, value in (
        ("dissatisfaction", dissatisfaction),
        ("vision", vision),
        ("first_steps", first_steps),
        ("cost", cost),
    ):
        arr = _as_real_array(name, value)
        low = arr <= 0 if name == "cost" else arr < 0
        if np.any(low):
            rule = "> 0 (change always costs something)" if name == "cost" else ">= 0"
            raise _first_bad(name, rule, value, arr, low)
        arrays[name] = arr
    try:
        a, b, d, x = np.broadcast_arrays(*arrays.values())
    except ValueError:
        shapes = {k: v.shape for k, v in arrays.items()}
        raise ValueError(f"Beckhard factors must broadcast together, got shapes {shapes}") from None
    scalar = all(v.ndim == 0 for v in arrays.values())
    return a * b * d, x, scalar


def beckhard(dissatisfaction: Any, vision: Any, first_steps: Any, cost: Any) -> Any:
    """Beckhard's change rule: does A·B·D exceed X?

    Parameters
    ----------
    dissatisfaction : float or array_like
        A, the client's dissatisfaction with today (e.g. quantified losses), >= 0.
    vision : float or array_like
        B, how clear and attractive the desired state is (quantified benefit), >= 0.
    first_steps : float or array_like
        D, how concrete and understandable the first steps (the offer) are, >= 0.
    cost : float or array_like
        X, the cost of change (price, cost of ownership, effort), > 0.

    All four broadcast together; A·B·D must be in the unit of X. The course's
    convention (lesson 01; the sources give none): A and X in money per year,
    B and D as factors in [0, 1], so A·B·D is the yearly benefit the client
    believes in. A, B, D rated 0–10 with X on the product scale works too.

    Returns
    -------
    bool or ndarray of bool
        True where ``A * B * D > X`` (strictly). Any factor at zero gives False.

    Examples
    --------
    >>> beckhard(4, 3, 2, 20)
    True
    >>> beckhard([4, 0], 3, 2, 20).tolist()
    [True, False]
    """
    product, x, scalar = _beckhard_inputs(dissatisfaction, vision, first_steps, cost)
    out = product > x
    return bool(out) if scalar else out


def beckhard_probability(
    dissatisfaction: Any, vision: Any, first_steps: Any, cost: Any, *, steepness: float = 2.0
) -> Any:
    """Probability of the purchase under a smooth Beckhard rule.

    ``P = logistic(steepness * log(A·B·D / X)) = r**s / (1 + r**s)`` with
    ``r = A·B·D / X`` and ``s = steepness``. It is 0.5 when A·B·D equals the
    cost, tends to the rule of :func:`beckhard` as the steepness grows, and is
    exactly 0 when any factor is 0. With ``steepness=2`` doubling A·B·D over
    the cost gives P = 0.8 and halving it P = 0.2. Use the result as the Buy
    rate (``funnel.with_rates(buy=p)`` or ``simulate_accounts(buy_rate=p)``).

    Parameters
    ----------
    dissatisfaction, vision, first_steps, cost : float or array_like
        A, B, D (>= 0) and X (> 0) as in :func:`beckhard`, broadcast together.
    steepness : float
        ``s`` > 0, dimensionless: the change in log-odds of buying per unit
        change in ``log(A·B·D / X)``.

    Returns
    -------
    float or ndarray of float
        Probabilities in [0, 1].

    Examples
    --------
    >>> round(beckhard_probability(4, 5, 2, 20), 3)
    0.8
    >>> beckhard_probability(0, 5, 2, 20)
    0.0
    """
    s = check_real("steepness", steepness, low=0.0, low_open=True)
    product, x, scalar = _beckhard_inputs(dissatisfaction, vision, first_steps, cost)
    with np.errstate(divide="ignore"):
        out = special.expit(s * (np.log(product) - np.log(x)))
    return float(out) if scalar else out


@dataclass(frozen=True, eq=False, repr=False)
class BeckhardResult:
    """What :func:`simulate_beckhard` returns: one row per simulated client."""

    #: One row per client: ``dissatisfaction, vision, first_steps, cost`` (the
    #: client's A, B, D, X), ``benefit`` (A·B·D), ``ratio`` (A·B·D / X),
    #: ``passes`` (the rule A·B·D > X), ``probability`` (the smooth rule) and
    #: ``buys`` (a draw with that probability).
    clients: pd.DataFrame
    #: The steepness of the smooth rule used.
    steepness: float
    #: The int that repeats the run when passed back as ``seed=`` (None if none does).
    seed: int | None

    def summary(self, confidence: float = 0.95) -> pd.DataFrame:
        """Shares of the clients, with exact (Clopper–Pearson) intervals where they are counts.

        Rows ``passes`` (share passing the threshold rule), ``buys`` (share who
        bought in the draw) and ``probability`` (mean probability of buying: the
        expected share, whose interval is the mean ± 1.96 standard errors).
        Columns ``measure, share, ci_low, ci_high``.
        """
        c = self.clients
        n = len(c)
        rows = []
        for col in ("passes", "buys"):
            k = int(c[col].sum())
            low, high = proportion_ci(k, n, confidence)
            rows.append((col, k / n, float(low), float(high)))
        p = c["probability"].to_numpy()
        z = float(special.ndtri(0.5 + confidence / 2))
        se = float(p.std(ddof=1) / np.sqrt(n)) if n > 1 else math.nan
        rows.append(("probability", float(p.mean()), p.mean() - z * se, p.mean() + z * se))
        return pd.DataFrame(rows, columns=["measure", "share", "ci_low", "ci_high"])

    def demand(
        self, prices: Any, *, benefit_share: tuple[float, float] = (0.3, 0.4)
    ) -> pd.DataFrame:
        """Share of these clients who would buy at each price (a demand curve).

        Every client's cost of change is scaled so that the median cost equals
        the price (``X_i × price / median X``: each client keeps its own
        overheads relative to the price); the same clients are reused at every
        price, so the curve has no noise from price to price.

        Parameters
        ----------
        prices : array_like of float
            Prices (money per year), > 0.
        benefit_share : (float, float)
            The practitioner "fair price" band as shares of the typical
            client's quantified benefit A·B (before the first-steps factor D);
            stored in ``attrs["fair_low"]``, ``attrs["fair_high"]`` for
            :func:`funnelsim.charts.demand_chart`. A rule of thumb from practitioner
            material, not a finding.

        Returns
        -------
        DataFrame
            ``price, passes`` (share passing A·B·D > X), ``probability`` (mean
            probability of buying: the expected share).
        """
        price = np.asarray(check_real_array("prices", prices, low=0.0, low_open=True), float)
        c = self.clients
        rel_cost = c["cost"].to_numpy() / float(np.median(c["cost"]))
        benefit = c["benefit"].to_numpy()
        cost = np.outer(price.ravel(), rel_cost)
        with np.errstate(divide="ignore"):
            log_r = np.log(benefit)[None, :] - np.log(cost)
        frame = pd.DataFrame(
            {
                "price": price.ravel(),
                "passes": (benefit[None, :] > cost).mean(axis=1),
                "probability": special.expit(self.steepness * log_r).mean(axis=1),
            }
        )
        low, high = (check_probability("benefit_share", v) for v in benefit_share)
        typical = float(np.median(c["dissatisfaction"] * c["vision"]))
        frame.attrs["fair_low"], frame.attrs["fair_high"] = low * typical, high * typical
        return frame

    def __repr__(self) -> str:
        return (
            f"BeckhardResult(clients={len(self.clients):,}, buys={self.clients['buys'].mean():.1%})"
        )


def simulate_beckhard(
    clients: int,
    dissatisfaction: float,
    vision: float,
    first_steps: float,
    cost: float,
    *,
    spread: float = 0.5,
    steepness: float = 2.0,
    seed: Any = None,
) -> BeckhardResult:
    """A market of clients whose Beckhard factors scatter around typical values.

    Each client gets its own A, B, D and X, independently:

    * A and X (money) are log-normal with medians ``dissatisfaction`` and
      ``cost``: ``A_i = A · exp(spread · Z)``, Z standard normal;
    * B and D (factors in [0, 1]) are logit-normal with medians ``vision`` and
      ``first_steps``: ``logit B_i = logit B + spread · Z``; a factor of exactly
      0 or 1 stays 0 or 1 for every client.

    Then the client passes the rule when A·B·D > X (:func:`beckhard`), has the
    probability :func:`beckhard_probability` of buying, and buys in one
    Bernoulli draw with that probability. With ``spread=0`` every client is the
    typical one. Log-normal and logit-normal scatter is a modelling choice
    (positive money, factors kept in [0, 1]), not a finding of the sources.

    Parameters
    ----------
    clients : int
        Number of clients, in [1, 10⁷].
    dissatisfaction : float
        Median A: the client's yearly loss from today's state (money / year), >= 0.
    vision : float
        Median B, in [0, 1]: the share of the loss the client believes the solution removes.
    first_steps : float
        Median D, in [0, 1]: how sure the client is that the first steps work.
    cost : float
        Median X: the yearly cost of change (money / year), > 0.
    spread : float
        Standard deviation of every factor on the log (A, X) or logit (B, D)
        scale, in [0, 5]; 0.5 puts the middle two-thirds of clients' A within
        about ×0.6 … ×1.6 of the median.
    steepness : float
        ``s`` of :func:`beckhard_probability`, > 0.
    seed : int, numpy.random.Generator, SeedSequence or None
        The only source of randomness.

    Returns
    -------
    BeckhardResult
        ``.clients`` (one row per client) and ``.summary()``.

    Raises
    ------
    ValueError
        For a value out of range; the message names the parameter.

    Examples
    --------
    >>> r = simulate_beckhard(1_000, 2_500_000, 0.6, 0.8, 600_000, spread=0, seed=1)
    >>> bool(r.clients["passes"].all())
    True
    """
    n = check_int("clients", clients, low=1, high=10_000_000)
    a = check_real("dissatisfaction", dissatisfaction, low=0.0)
    b = check_probability("vision", vision)
    d = check_probability("first_steps", first_steps)
    x = check_real("cost", cost, low=0.0, low_open=True)
    sd = check_real("spread", spread, low=0.0, high=5.0)
    s = check_real("steepness", steepness, low=0.0, low_open=True)
    rng = as_generator(seed)
    recorded = seed_entropy(rng)
    z = rng.standard_normal((4, n)) * sd
    a_i = a * np.exp(z[0])
    x_i = x * np.exp(z[3])

    def logit_normal(median: float, noise: np.ndarray) -> np.ndarray:
        if median in (0.0, 1.0):
            return np.full(n, median)
        return np.asarray(special.expit(special.logit(median) + noise))

    b_i = logit_normal(b, z[1])
    d_i = logit_normal(d, z[2])
    benefit = a_i * b_i * d_i
    p = np.asarray(beckhard_probability(a_i, b_i, d_i, x_i, steepness=s), dtype=float)
    buys = rng.random(n) < p
    frame = pd.DataFrame(
        {
            "dissatisfaction": a_i,
            "vision": b_i,
            "first_steps": d_i,
            "cost": x_i,
            "benefit": benefit,
            "ratio": benefit / x_i,
            "passes": benefit > x_i,
            "probability": p,
            "buys": buys,
        }
    )
    return BeckhardResult(frame, s, recorded)


# -- buyer classes (seed 003) ---------------------------------------------------------

#: The three buyer classes of every B2B deal, their key factor, the committee
#: members who carry it and the steps it moves. A lesson reads it as a table.
BUYER_CLASSES = pd.DataFrame(
    {
        "buyer_class": ["economic", "technical", "end_user"],
        "key_factor": ["roi", "standard", "convenience"],
        "meaning": [
            "return on investment: the numbers add up",
            "best standard and a safe adoption with no dip in quality",
            "convenience in daily use",
        ],
        "members": [("decision_maker", "economic_buyer"), ("influencer",), ("user",)],
    }
)

_FACTOR_MEMBERS = dict(zip(BUYER_CLASSES["key_factor"], BUYER_CLASSES["members"], strict=True))


def buyer_class_effect(
    factor: str,
    values: Any = None,
    *,
    committee: Committee | None = None,
    funnel: Funnel | None = None,
    adoption: float | None = None,
) -> pd.DataFrame:
    """How one buyer class's key factor moves the steps it influences (exact, noise-free).

    The three buyer classes (:data:`BUYER_CLASSES`) are another way to look at
    the committee: how well the offer meets a class's key factor decides how
    likely its members are to be **for** the purchase. For each value ``v`` of
    the factor, the support of the class's members is set to ``v`` and the
    expected step rates and win rate are computed with
    :func:`expected_accounts`.

    Parameters
    ----------
    factor : {"roi", "standard", "convenience"}
        The key factor of the economic, technical or end-user buyer.
    values : array_like of float in [0, 1], optional
        How well the offer meets the factor (0: not at all, 1: fully); default
        0, 0.1, ..., 1.
    committee, funnel : optional
        Defaults :func:`buying_committee` and :func:`funnelsim.trigger_learn_try_buy`.
    adoption : float, optional
        Base rate of the post-purchase step (see :func:`expected_accounts`);
        adds the stage :data:`ADOPTION`, where the end users' convenience
        matters most.

    Returns
    -------
    DataFrame
        One row per value and stage: ``factor, value, stage, step_rate,
        reach_probability`` — long format, ready to plot one line per stage.
    """
    check_choice("factor", factor, _FACTOR_MEMBERS)
    funnel = _check_funnel(funnel)
    committee = _check_committee(committee, funnel)
    members = [m for m in _FACTOR_MEMBERS[factor] if m in committee.keys]
    if not members:
        raise ValueError(
            f"factor {factor!r} acts through members {list(_FACTOR_MEMBERS[factor])}, "
            f"none of which is in the committee {list(committee.keys)}"
        )
    vals = (
        np.linspace(0.0, 1.0, 11)
        if values is None
        else np.atleast_1d(_as_real_array("values", values))
    )
    if vals.ndim != 1:
        raise ValueError(f"values must be one-dimensional, got shape {vals.shape}")
    frames = []
    for v in vals:
        c = committee
        for key in members:
            c = c.replace(key, support=check_probability(f"value of {factor!r}", float(v)))
        exp = expected_accounts(1, committee=c, funnel=funnel, adoption=adoption)
        frames.append(
            pd.DataFrame(
                {
                    "factor": factor,
                    "value": float(v),
                    "stage": exp["stage"],
                    "step_rate": exp["step_rate"],
                    "reach_probability": exp["reach_probability"],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def buyer_class_table(
    factors: Sequence[str] = ("roi", "standard", "convenience"),
    values: Any = (0.0, 1.0),
    *,
    committee: Committee | None = None,
    funnel: Funnel | None = None,
    adoption: float | None = None,
) -> pd.DataFrame:
    """Reach of every stage for each buyer class's key factor and value (exact).

    :func:`buyer_class_effect` for several factors at once, in wide form: a
    table a lesson shows as it is.

    Parameters
    ----------
    factors : sequence of {"roi", "standard", "convenience"}
        Key factors of the economic, technical and end-user buyer classes.
    values : array_like of float in [0, 1]
        How well the offer meets the factor (the support of its members).
    committee, funnel, adoption : optional
        As in :func:`buyer_class_effect`.

    Returns
    -------
    DataFrame
        Index ``(factor, value)``; one column per stage (with ``adoption``,
        :data:`ADOPTION` last) holding the reach probability: the share of
        triggered accounts that get that far (the Buy column is the win rate).

    Examples
    --------
    >>> t = buyer_class_table(["roi"], [0, 1])
    >>> bool(t.loc[("roi", 1.0), "Buy"] > t.loc[("roi", 0.0), "Buy"])
    True
    """
    if isinstance(factors, str):
        factors = [factors]
    frames = [
        buyer_class_effect(f, values, committee=committee, funnel=funnel, adoption=adoption)
        for f in factors
    ]
    long = pd.concat(frames, ignore_index=True)
    wide = long.pivot_table(
        index=["factor", "value"], columns="stage", values="reach_probability", observed=True
    )
    wide = wide.reindex(pd.MultiIndex.from_frame(long[["factor", "value"]].drop_duplicates()))
    wide.columns = pd.Index([str(c) for c in wide.columns], name="stage")
    return wide


def compare_accounts(
    cases: Mapping[str, Mapping[str, Any]], n_accounts: int, *, seed: Any = None, **common: Any
) -> pd.DataFrame:
    """Simulate the same accounts under several settings and summarise each run.

    Every case runs :func:`simulate_accounts` with the **same seed** (common
    random numbers, see its Notes), so the differences between the rows come
    from the settings, not from a new draw of the accounts.

    Parameters
    ----------
    cases : mapping of str to mapping
        Case name → keyword arguments of :func:`simulate_accounts` for that
        case (``champion``, ``saboteur``, ``committee``, ``adoption``, ...).
    n_accounts : int
        Accounts in every run.
    seed : int, numpy.random.Generator, SeedSequence or None
        The seed every case uses. A Generator is turned into one int first, so
        the cases still share their random numbers.
    **common
        Keyword arguments for every case (a case's own value wins).

    Returns
    -------
    DataFrame
        :meth:`AccountsResult.summary` of each case, one row per case, indexed
        by the case name.

    Raises
    ------
    TypeError
        ``cases`` is not a mapping of names to mappings.
    """
    if not isinstance(cases, Mapping) or not all(
        isinstance(k, str) and isinstance(v, Mapping) for k, v in cases.items()
    ):
        raise TypeError(
            "cases must map case names to keyword arguments of simulate_accounts, "
            f"e.g. {{'nobody': {{'champion': 0}}}}, got {cases!r}"
        )
    rng = as_generator(seed)
    shared = seed_entropy(rng)
    if shared is None:
        shared = int(rng.integers(2**63))
    rows = {
        name: simulate_accounts(n_accounts, **{**common, **case}, seed=shared).summary()
        for name, case in cases.items()
    }
    if not rows:
        return pd.DataFrame()
    out = pd.concat(rows).droplevel(1)
    out.index.name = "case"
    return out


# -- account-based marketing (lesson 11) ------------------------------------------------

#: The steps of an ABM pipeline, one row each in :meth:`AbmResult.table`.
ABM_STAGES = ("Listed", "Fit", "Researched", "Responded", "Won")

#: How :func:`simulate_abm` can order the fitting accounts before research.
ABM_RANKINGS = ("bant", "expected_value", "random")


@dataclass(frozen=True, eq=False, repr=False)
class AbmResult:
    """What :func:`simulate_abm` returns: one row per listed company.

    Every company's random outcomes (does it fit, would it respond to the
    material, would it win once warmed up) are drawn once, so the rankings are
    compared on the **same** companies (common random numbers); only which
    companies get researched differs.
    """

    #: One row per listed company: ``account, fit, budget, authority, need, time,
    #: bant, p_win, deal_size, expected_value`` (money), ``would_respond`` and
    #: ``would_win`` (the company's outcome if researched / if warmed up), and
    #: one rank column per ranking, ``rank_bant, rank_expected_value,
    #: rank_random`` (1 = researched first; 0 for a company that failed the
    #: filter).
    accounts: pd.DataFrame
    #: Companies the team can research and warm up.
    capacity: int
    #: Share of researched companies that respond to the material.
    response_rate: float
    #: The ranking :meth:`table` uses by default.
    rank_by: str
    #: The int that repeats the run when passed back as ``seed=``, or None.
    seed: int | None

    def _picked(self, rank_by: str) -> np.ndarray:
        check_choice("rank_by", rank_by, ABM_RANKINGS)
        rank = self.accounts[f"rank_{rank_by}"].to_numpy()
        return (rank >= 1) & (rank <= self.capacity)

    def table(self, rank_by: str | None = None) -> pd.DataFrame:
        """The ABM pipeline as a funnel: listed → fit → researched → responded → won.

        Parameters
        ----------
        rank_by : {"bant", "expected_value", "random"}, optional
            Which ranking picks the researched companies (default: the run's).

        Returns
        -------
        DataFrame
            :func:`funnelsim.stats.step_table` of the five :data:`ABM_STAGES`
            (companies reaching each step, step conversion with its exact
            interval, cumulative conversion, drop-off). The Researched row's
            interval is NaN: that step is the team's capacity, ``min(capacity,
            fit)`` companies by design, not a random conversion with noise to
            bound.
        """
        a = self.accounts
        picked = self._picked(self.rank_by if rank_by is None else rank_by)
        responded = picked & a["would_respond"].to_numpy()
        won = responded & a["would_win"].to_numpy()
        reached = [len(a), int(a["fit"].sum()), int(picked.sum()), int(responded.sum())]
        table = step_table(ABM_STAGES, [*reached, int(won.sum())], len(a))
        table.loc[table["stage"] == "Researched", ["ci_low", "ci_high"]] = np.nan
        return table

    def summary(self) -> pd.DataFrame:
        """The three rankings side by side, on the same companies.

        Returns
        -------
        DataFrame
            One row per ranking (``bant``, ``expected_value``, ``random``):
            ``ranking, researched, responded, won, revenue`` (this run; money)
            and ``expected_wins, expected_revenue`` (exact given the researched
            companies: sums of ``response_rate × p_win`` and ``response_rate ×
            expected_value``).
        """
        a = self.accounts
        respond, win = a["would_respond"].to_numpy(), a["would_win"].to_numpy()
        p, ev, size = (a[c].to_numpy() for c in ("p_win", "expected_value", "deal_size"))
        rows = []
        for name in ABM_RANKINGS:
            pick = self._picked(name)
            won = pick & respond & win
            rows.append(
                {
                    "ranking": name,
                    "researched": int(pick.sum()),
                    "responded": int((pick & respond).sum()),
                    "won": int(won.sum()),
                    "revenue": float(size[won].sum()),
                    "expected_wins": float(self.response_rate * p[pick].sum()),
                    "expected_revenue": float(self.response_rate * ev[pick].sum()),
                }
            )
        return pd.DataFrame(rows)

    def pipeline(self) -> Any:
        """The fitting companies as a :class:`funnelsim.BantPipeline` (for the gain curve).

        ``p_win`` there is the chance that a researched company is won
        (``response_rate × p_win``), so :func:`funnelsim.charts.bant_gain_chart`
        shows the share of expected wins captured against the share of fitting
        companies researched, BANT order against random order.
        """
        from funnelsim.scoring import BANT_COLUMNS, BantPipeline

        a = self.accounts[self.accounts["fit"]]
        frame = pd.DataFrame(
            {
                "account": a["account"].to_numpy(),
                **{c: a[c].to_numpy() for c in BANT_COLUMNS},
                "bant": a["bant"].to_numpy(),
                "rank": a["rank_bant"].to_numpy(),
                "p_win": self.response_rate * a["p_win"].to_numpy(),
                "won": (a["would_respond"] & a["would_win"]).to_numpy(),
                "random_pick": (
                    (a["rank_random"] >= 1) & (a["rank_random"] <= self.capacity)
                ).to_numpy(),
                "deal_size": a["deal_size"].to_numpy(),
                "expected_value": self.response_rate * a["expected_value"].to_numpy(),
            }
        ).sort_values("rank", ignore_index=True)
        return BantPipeline(frame, min(self.capacity, len(frame)), self.seed)

    def __repr__(self) -> str:
        return (
            f"AbmResult(companies={len(self.accounts)}, fit={int(self.accounts['fit'].sum())}, "
            f"capacity={self.capacity}, rank_by={self.rank_by!r}, seed={self.seed})"
        )


def simulate_abm(
    n_companies: int = 2_000,
    *,
    fit_rate: float = 0.3,
    capacity: int = 100,
    response_rate: float = 0.4,
    base_win: float = 0.2,
    strength: float = 1.0,
    deal_size: float = 1.0,
    deal_sigma: float = 0.0,
    rank_by: str = "bant",
    seed: Any = None,
) -> AbmResult:
    """Account-based marketing as a pipeline of four steps, with a conversion at each.

    The four steps of the source (seed 003, lesson 11):

    1. **Filter**: list the possible targets and drop the clearly non-target
       (region, industry, headcount, turnover); each company fits with
       probability ``fit_rate``.
    2. **Rank** the fitting companies: by BANT (Budget × Authority × Need ×
       Time, each 1–5, uniform and independent here), by expected value (the
       score's win probability × the deal size), or at random.
    3. **Research** the top ``capacity`` companies (reports, databases,
       interviews) and send them material; each responds with probability
       ``response_rate`` (independent of the scores).
    4. **Warm up** the responders (meetings, calls); each is won with its
       :func:`funnelsim.scoring.bant_win_probability`.

    Parameters
    ----------
    n_companies : int
        Companies on the first list, 1 to 10 000 000.
    fit_rate : float
        Share passing the filter, in [0, 1].
    capacity : int
        Companies the team can research and warm up, >= 0 (all fitting ones
        when there are fewer).
    response_rate : float
        Share of researched companies that respond, in [0, 1].
    base_win, strength : float
        The score-to-win link of :func:`funnelsim.scoring.bant_win_probability`.
    deal_size, deal_sigma : float
        Mean deal size (> 0, money) and spread (>= 0) of the lognormal deal
        sizes, as in :func:`funnelsim.simulate_bant_pipeline`.
    rank_by : {"bant", "expected_value", "random"}
        The ranking :meth:`AbmResult.table` uses by default; every ranking is
        computed (:meth:`AbmResult.summary`).
    seed : int, numpy.random.Generator, SeedSequence or None
        The only source of randomness.

    Returns
    -------
    AbmResult

    Examples
    --------
    >>> res = simulate_abm(1_000, capacity=50, seed=1)
    >>> res.table()["stage"].tolist()
    ['Listed', 'Fit', 'Researched', 'Responded', 'Won']
    """
    from funnelsim.scoring import BANT_COLUMNS, bant_win_probability

    n = check_int("n_companies", n_companies, low=1, high=10_000_000)
    fit_p = check_probability("fit_rate", fit_rate)
    cap = check_int("capacity", capacity, low=0)
    resp = check_probability("response_rate", response_rate)
    size = check_real("deal_size", deal_size, low=0.0, low_open=True)
    sigma = check_real("deal_sigma", deal_sigma, low=0.0)
    check_choice("rank_by", rank_by, ABM_RANKINGS)
    rng = as_generator(seed)
    recorded = seed_entropy(rng)
    fit = rng.random(n) < fit_p
    scores = rng.integers(1, 6, size=(n, 4))
    respond = rng.random(n) < resp
    win_u = rng.random(n)
    order = rng.permutation(n)
    sizes = size * np.exp(sigma * rng.standard_normal(n) - sigma**2 / 2)
    bant = scores.prod(axis=1)
    p = bant_win_probability(bant, base_win=base_win, strength=strength)
    ev = p * sizes

    def ranks(order_all: np.ndarray) -> np.ndarray:
        """1, 2, ... along ``order_all`` for fitting companies; 0 for the others."""
        kept = order_all[fit[order_all]]
        out = np.zeros(n, dtype=np.int64)
        out[kept] = np.arange(1, kept.size + 1)
        return out

    frame = pd.DataFrame(scores, columns=list(BANT_COLUMNS))
    frame.insert(0, "account", np.arange(n, dtype=np.int64))
    frame.insert(1, "fit", fit)
    frame["bant"] = bant
    frame["p_win"] = p
    frame["deal_size"] = sizes
    frame["expected_value"] = ev
    frame["would_respond"] = respond
    frame["would_win"] = win_u < p
    frame["rank_bant"] = ranks(np.argsort(-bant, kind="stable"))
    frame["rank_expected_value"] = ranks(np.argsort(-ev, kind="stable"))
    frame["rank_random"] = ranks(order)
    return AbmResult(frame, cap, resp, rank_by, recorded)
