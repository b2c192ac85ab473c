"""Checks of the exercise ``08_b2b_buying``: a warehouse system's buying committee.

The situation (``exercises/masters/08_b2b_buying.ipynb``): *Stockwise* sells a
warehouse-management system (WMS) to logistics companies. Each year 3 000 companies hit a
trigger (a new warehouse, a failed stock audit). Half of them study the options (Learn),
35 % of those run a pilot (Try) and 30 % of the pilots end in a purchase (Buy); the times in
stage are the course's defaults (weeks). Stockwise's pre-sales team finds a champion in 60 %
of the accounts; a saboteur sits in 10 %. The committee is otherwise
:func:`funnelsim.buying_committee`.

Questions (the variable the student assigns):

``shaper_key``
    The key of the regular committee member who dominates Learn and Try: ``"influencer"``
    (the decision shaper, ЛФР). The classic confusion is the decision maker (ЛПР), who has
    the final say but acts only at Buy.
``win_rate``
    The share of the 3 000 accounts that buy, simulated with the student's seed. Visible:
    within 4 standard errors of the exact expectation
    (:func:`funnelsim.expected_accounts`), the standard error of a share
    ``sqrt(p (1 - p) / n)``. Hidden: the run with the student's own seed.
``kept_accounts``
    The same accounts with adoption after the purchase (base rate 50 %): how many accounts
    are won *and* adopted. Visible: within 4 standard errors of ``n q`` (binomial, ``q`` the
    exact reach of Adoption). The classic mistake is the number of deals won. Hidden: own seed.
``weeks_saved``
    By how many weeks a champion in every account (against none, no saboteur) shortens the
    mean sales cycle of the deals won. The exact value is ``(3 + 4 + 6) (1 - 1 / 1.5)``:
    times are drawn independently of the outcome, and the champion divides the time in Learn,
    Try and Buy by 1.5. Visible: within 4 standard errors of it, the standard error of a
    difference of two means over the expected numbers of won deals (conservative: the two
    runs share their random numbers). Hidden: the student's own runs (or the exact value).
"""

from __future__ import annotations

import math
from typing import Any

from funnelsim.exercises import Check, ExerciseSpec, Outcome, Question
from funnelsim.exercises._checks import (
    binomial_count,
    binomial_share,
    near,
    own_simulation_check,
    read_choice,
    read_count,
    read_number,
    read_share,
    simulated_check,
    within_se,
)

__all__ = ["ACCOUNTS", "EXERCISE", "committee", "funnel"]

#: Companies hitting a trigger each year.
ACCOUNTS = 3_000
#: Step rates of Stockwise's Trigger-Learn-Try-Buy funnel.
RATES = {"learn": 0.5, "try_": 0.35, "buy": 0.3}
#: Shares of accounts with a champion / a saboteur.
CHAMPION, SABOTEUR = 0.6, 0.1
#: Base rate of adoption after the purchase.
ADOPTION_RATE = 0.5
#: The champion's pace factor on Learn, Try and Buy (funnelsim.buying_committee).
PACE = 1.5


def funnel() -> Any:
    """Stockwise's funnel: ``fs.trigger_learn_try_buy`` with :data:`RATES`."""
    import funnelsim as fs

    return fs.trigger_learn_try_buy(**RATES, name="Stockwise")


def committee(champion: float = CHAMPION, saboteur: float = SABOTEUR) -> Any:
    """The course's buying committee with Stockwise's champion and saboteur shares."""
    import funnelsim as fs

    return fs.buying_committee(champion, saboteur)


def _expected(adoption: float | None = None, **shares: float) -> Any:
    import funnelsim as fs

    return fs.expected_accounts(
        ACCOUNTS, committee=committee(**shares), funnel=funnel(), adoption=adoption
    )


# --- shaper_key ---------------------------------------------------------------------------

_HINTS = {
    "decision_maker": "the decision maker (ЛПР) has the final say, but only at Buy; look for "
    "the member whose odds name both Learn and Try",
    "economic_buyer": "in the course's reading ЛВР weighs the numbers at Try and Buy, not Learn",
    "user": "users speak up a little in the pilot (Try) and a lot after the purchase, not in Learn",
    "champion": "the champion is not a regular role of the committee: he is an insider present "
    "in some accounts only",
    "saboteur": "the saboteur is not a regular role of the committee: he is an insider present "
    "in some accounts only",
}


def _shaper(value: Any) -> str:
    if isinstance(value, str) and value.strip() == "ЛФР":  # the Russian name is accepted too
        return "influencer"
    return read_choice(
        value,
        "shaper_key",
        list(committee().keys),
        noun="a member's key",
        among="a key of the committee; the keys are",
    )


def _shaper_is_key(value: Any, seed: int) -> Outcome:
    _shaper(value)
    return Outcome(True)


def _shaper_is_right(value: Any, seed: int) -> Outcome:
    key = _shaper(value)
    if key == "influencer":
        return Outcome(True)
    return Outcome(False, _HINTS[key])


# --- win_rate -----------------------------------------------------------------------------


def _win(value: Any) -> float:
    return read_share(value, "win_rate", of="the accounts")


def _win_mistakes(x: float, seed: int) -> str | None:
    import funnelsim as fs

    default = float(_expected(champion=0.25, saboteur=0.15)["reach_probability"].iloc[-1])
    if within_se(x, *binomial_share(ACCOUNTS, default))[0]:
        return (
            "that looks like the course's default champion and saboteur shares; Stockwise "
            "finds a champion in 60 % of the accounts and a saboteur in 10 %"
        )
    plain = float(
        fs.expected_accounts(ACCOUNTS, committee=committee().neutral(), funnel=funnel())[
            "reach_probability"
        ].iloc[-1]
    )
    if within_se(x, *binomial_share(ACCOUNTS, plain))[0]:
        return (
            "that is what the funnel's rates give with nobody involved: simulate the accounts "
            "with their committee (fs.simulate_accounts with committee=...)"
        )
    return None


def _simulated(seed: int, **kwargs: Any) -> Any:
    import funnelsim as fs

    return fs.simulate_accounts(
        ACCOUNTS, committee=committee(), funnel=funnel(), seed=seed, **kwargs
    )


_win_own_seed = own_simulation_check(
    _win,
    lambda seed: float(_simulated(seed).win_rate),
    "the win rate is not from a simulation with your own seed (seed=ex.seed)",
    rel_tol=1e-9,
    abs_tol=1e-12,
)
_win_plausible = simulated_check(
    _win,
    lambda seed: binomial_share(ACCOUNTS, float(_expected()["reach_probability"].iloc[-1])),
    own=_win_own_seed,
    mistakes=_win_mistakes,
    miss="your win rate is {z:.0f} standard errors {higher} than these accounts allow: "
    "check the funnel's rates and the committee's champion and saboteur shares",
)


# --- kept_accounts ------------------------------------------------------------------------


def _kept(value: Any) -> float:
    return read_count(value, "kept_accounts", "accounts")


def _adopted_reach() -> tuple[float, float]:
    """The exact reach of Adoption and of the stage before it (deals won)."""
    reach = _expected(adoption=ADOPTION_RATE)["reach_probability"].to_numpy()
    return float(reach[-1]), float(reach[-2])


def _kept_mistakes(x: float, seed: int) -> str | None:
    q, p = _adopted_reach()
    if within_se(x, *binomial_count(ACCOUNTS, p))[0]:
        return (
            "that is the number of deals won; count only the accounts whose users adopted "
            "the product (the 'adopted' column, or 'kept' in the summary)"
        )
    if within_se(x, *binomial_count(ACCOUNTS, p - q))[0]:
        return "that is the number of deals won and then abandoned, not kept"
    return None


_kept_own_seed = own_simulation_check(
    _kept,
    lambda seed: float(_simulated(seed, adoption=ADOPTION_RATE).accounts["adopted"].sum()),
    "the count is not from a simulation with your own seed (seed=ex.seed)",
)
_kept_plausible = simulated_check(
    _kept,
    lambda seed: binomial_count(ACCOUNTS, _adopted_reach()[0]),
    own=_kept_own_seed,
    mistakes=_kept_mistakes,
    miss="your count is {z:.0f} standard errors from what these accounts allow ({more} "
    "than plausible): simulate the 3 000 accounts with adoption=0.5",
)


# --- weeks_saved --------------------------------------------------------------------------


def _weeks_exact() -> tuple[float, float, float, float]:
    """Exact saving, the two exact mean cycles, and the standard error of a simulated saving."""
    f = funnel()
    means, variances = f.mean_times, [s.time.var for s in f.stages]
    without = float(means.sum())
    with_champion = float(means[0] + means[1:].sum() / PACE)
    p0 = float(_expected(champion=0.0, saboteur=0.0)["reach_probability"].iloc[-1])
    p1 = float(_expected(champion=1.0, saboteur=0.0)["reach_probability"].iloc[-1])
    v0 = float(sum(variances))
    v1 = float(variances[0] + sum(variances[1:]) / PACE**2)
    se = math.sqrt(v0 / (ACCOUNTS * p0) + v1 / (ACCOUNTS * p1))
    return without - with_champion, without, with_champion, se


def _weeks(value: Any) -> float:
    return read_number(value, "weeks_saved")


def _weeks_mistakes(x: float, seed: int) -> str | None:
    saved, without, with_champion, se = _weeks_exact()
    if within_se(-x, saved, se)[0]:
        return "the sign is the other way round: give the weeks *saved* as a positive number"
    if within_se(x, with_champion, se)[0]:
        return (
            "that is the mean cycle with a champion everywhere; the question asks for the "
            "difference from the cycle with no champion"
        )
    if within_se(x, without, se)[0]:
        return (
            "that is the mean cycle with no champion; subtract the cycle with a champion everywhere"
        )
    if near(x / saved, PACE, 0.1):
        return (
            "a ratio is not a saving: the question asks for the difference of the two mean "
            "cycles, in weeks"
        )
    return None


def _own_weeks(seed: int) -> tuple[float, float]:
    """The saving in the student's own runs (none minus all), and the exact saving."""
    import funnelsim as fs

    cases = {"none": {"champion": 0.0}, "all": {"champion": 1.0}}
    out = fs.compare_accounts(
        cases, ACCOUNTS, seed=seed, committee=committee(0.0, 0.0), funnel=funnel()
    )
    cycle = out["mean_cycle"].to_numpy(dtype=float)
    return float(cycle[0] - cycle[1]), _weeks_exact()[0]


_weeks_own_seed = own_simulation_check(
    _weeks,
    _own_weeks,
    "the saving is neither from your own seed's runs nor the exact value: use seed=ex.seed",
    rel_tol=1e-6,
)
_weeks_plausible = simulated_check(
    _weeks,
    lambda seed: (_weeks_exact()[0], _weeks_exact()[3]),
    own=_weeks_own_seed,
    mistakes=_weeks_mistakes,
    miss="your saving is {z:.0f} standard errors from what the model allows: compare the mean "
    "cycle of the deals won with champion=1 and champion=0 (saboteur=0 in both)",
)


EXERCISE = ExerciseSpec(
    id="08_b2b_buying",
    title="Exercise 08: the buying committee of a warehouse system",
    questions=(
        Question(
            "shaper_key",
            1,
            (
                Check("a key of the committee", _shaper_is_key),
                Check("the member who dominates Learn and Try", _shaper_is_right),
            ),
        ),
        Question(
            "win_rate",
            2,
            (
                Check("a plausible win rate", _win_plausible),
                Check("simulated with the student's seed", _win_own_seed, hidden=True),
            ),
        ),
        Question(
            "kept_accounts",
            2,
            (
                Check("a plausible number of kept accounts", _kept_plausible),
                Check("simulated with the student's seed", _kept_own_seed, hidden=True),
            ),
        ),
        Question(
            "weeks_saved",
            2,
            (
                Check("a plausible saving of weeks", _weeks_plausible),
                Check("from the student's own runs", _weeks_own_seed, hidden=True),
            ),
        ),
    ),
)
