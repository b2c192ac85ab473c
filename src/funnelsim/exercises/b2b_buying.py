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

from funnelsim.exercises import (
    Check,
    ExerciseSpec,
    Outcome,
    Question,
    Wrong,
    near,
    number,
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


def _share(value: Any, what: str) -> float:
    x = number(value, what)
    if 1 < x <= 100:
        raise Wrong(f"{what} looks like a percentage: give it as a fraction (0.05, not 5)")
    if not 0 <= x <= 1:
        raise Wrong(f"{what} is a share of the accounts, between 0 and 1; got {x:g}")
    return x


def _count(value: Any, what: str) -> float:
    x = number(value, what)
    if 0 < x < 1:
        raise Wrong(f"{what} is a number of accounts; you gave a share")
    if x != round(x) or x < 0:
        raise Wrong(f"{what} is a number of accounts, a whole number ≥ 0; got {x:g}")
    return x


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


def _shaper_is_key(value: Any, seed: int) -> Outcome:
    keys = committee().keys
    if not isinstance(value, str):
        raise Wrong(f"shaper_key should be a member's key (a string) such as {keys[0]!r}")
    if value.strip() not in (*keys, "ЛФР"):
        raise Wrong(f"{value!r} is not a key of the committee; the keys are {list(keys)}")
    return Outcome(True)


def _shaper_is_right(value: Any, seed: int) -> Outcome:
    _shaper_is_key(value, seed)
    key = value.strip()
    if key in ("influencer", "ЛФР"):
        return Outcome(True)
    return Outcome(False, _HINTS[key])


# --- win_rate -----------------------------------------------------------------------------


def _win_plausible(value: Any, seed: int) -> Outcome:
    x = _share(value, "win_rate")
    p = float(_expected()["reach_probability"].iloc[-1])
    ok, z = within_se(x, p, math.sqrt(p * (1 - p) / ACCOUNTS))
    if ok:
        return Outcome(True)
    default = float(_expected(champion=0.25, saboteur=0.15)["reach_probability"].iloc[-1])
    if within_se(x, default, math.sqrt(default * (1 - default) / ACCOUNTS))[0]:
        return Outcome(
            False,
            "that looks like the course's default champion and saboteur shares; Stockwise "
            "finds a champion in 60 % of the accounts and a saboteur in 10 %",
        )
    import funnelsim as fs

    plain = float(
        fs.expected_accounts(ACCOUNTS, committee=committee().neutral(), funnel=funnel())[
            "reach_probability"
        ].iloc[-1]
    )
    if within_se(x, plain, math.sqrt(plain * (1 - plain) / ACCOUNTS))[0]:
        return Outcome(
            False,
            "that is what the funnel's rates give with nobody involved: simulate the accounts "
            "with their committee (fs.simulate_accounts with committee=...)",
        )
    direction = "higher" if x > p else "lower"
    return Outcome(
        False,
        f"your win rate is {z:.0f} standard errors {direction} than these accounts allow: "
        "check the funnel's rates and the committee's champion and saboteur shares",
    )


def _simulated(seed: int, **kwargs: Any) -> Any:
    import funnelsim as fs

    return fs.simulate_accounts(
        ACCOUNTS, committee=committee(), funnel=funnel(), seed=seed, **kwargs
    )


def _win_own_seed(value: Any, seed: int) -> Outcome:
    x = _share(value, "win_rate")
    if math.isclose(x, _simulated(seed).win_rate, rel_tol=1e-9, abs_tol=1e-12):
        return Outcome(True)
    return Outcome(False, "the win rate is not from a simulation with your own seed (seed=ex.seed)")


# --- kept_accounts ------------------------------------------------------------------------


def _kept_plausible(value: Any, seed: int) -> Outcome:
    x = _count(value, "kept_accounts")
    reach = _expected(adoption=ADOPTION_RATE)["reach_probability"].to_numpy()
    q, p = float(reach[-1]), float(reach[-2])
    ok, z = within_se(x, ACCOUNTS * q, math.sqrt(ACCOUNTS * q * (1 - q)))
    if ok:
        return Outcome(True)
    if within_se(x, ACCOUNTS * p, math.sqrt(ACCOUNTS * p * (1 - p)))[0]:
        return Outcome(
            False,
            "that is the number of deals won; count only the accounts whose users adopted "
            "the product (the 'adopted' column, or 'kept' in the summary)",
        )
    a = p - q
    if within_se(x, ACCOUNTS * a, math.sqrt(ACCOUNTS * a * (1 - a)))[0]:
        return Outcome(False, "that is the number of deals won and then abandoned, not kept")
    direction = "more" if x > ACCOUNTS * q else "fewer"
    return Outcome(
        False,
        f"your count is {z:.0f} standard errors from what these accounts allow ({direction} "
        "than plausible): simulate the 3 000 accounts with adoption=0.5",
    )


def _kept_own_seed(value: Any, seed: int) -> Outcome:
    x = _count(value, "kept_accounts")
    if x == float(_simulated(seed, adoption=ADOPTION_RATE).accounts["adopted"].sum()):
        return Outcome(True)
    return Outcome(False, "the count is not from a simulation with your own seed (seed=ex.seed)")


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


def _weeks_plausible(value: Any, seed: int) -> Outcome:
    x = number(value, "weeks_saved")
    saved, without, with_champion, se = _weeks_exact()
    ok, z = within_se(x, saved, se)
    if ok:
        return Outcome(True)
    if within_se(-x, saved, se)[0]:
        return Outcome(
            False, "the sign is the other way round: give the weeks *saved* as a positive number"
        )
    if within_se(x, with_champion, se)[0]:
        return Outcome(
            False,
            "that is the mean cycle with a champion everywhere; the question asks for the "
            "difference from the cycle with no champion",
        )
    if within_se(x, without, se)[0]:
        return Outcome(
            False,
            "that is the mean cycle with no champion; subtract the cycle with a champion "
            "everywhere",
        )
    if near(x / saved, PACE, 0.1):
        return Outcome(
            False,
            "a ratio is not a saving: the question asks for the difference of the two mean "
            "cycles, in weeks",
        )
    return Outcome(
        False,
        f"your saving is {z:.0f} standard errors from what the model allows: compare the mean "
        "cycle of the deals won with champion=1 and champion=0 (saboteur=0 in both)",
    )


def _weeks_own_seed(value: Any, seed: int) -> Outcome:
    import funnelsim as fs

    x = number(value, "weeks_saved")
    cases = {"none": {"champion": 0.0}, "all": {"champion": 1.0}}
    out = fs.compare_accounts(
        cases, ACCOUNTS, seed=seed, committee=committee(0.0, 0.0), funnel=funnel()
    )
    cycle = out["mean_cycle"].to_numpy(dtype=float)
    own = float(cycle[0] - cycle[1])  # none minus all
    for target in (own, _weeks_exact()[0]):
        if math.isclose(x, target, rel_tol=1e-6):
            return Outcome(True)
    return Outcome(
        False,
        "the saving is neither from your own seed's runs nor the exact value: use seed=ex.seed",
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
