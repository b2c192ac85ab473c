"""Checks of exercise 08 (a warehouse system's buying committee), called directly."""

from __future__ import annotations

import pytest

import funnelsim as fs
from funnelsim.exercises import Wrong
from funnelsim.exercises import b2b_buying as ex
from tests.exercise_helpers import ExerciseChecks

SEEDS = (0, 1, 2, 3)
CHECKS = ExerciseChecks(ex.EXERCISE)


def _run(seed: int, **kwargs):
    return fs.simulate_accounts(
        ex.ACCOUNTS, committee=ex.committee(), funnel=ex.funnel(), seed=seed, **kwargs
    )


def _saving(seed: int) -> float:
    cases = {"none": {"champion": 0.0}, "all": {"champion": 1.0}}
    out = fs.compare_accounts(
        cases, ex.ACCOUNTS, seed=seed, committee=fs.buying_committee(0.0, 0.0), funnel=ex.funnel()
    )
    return float(out.loc["none", "mean_cycle"] - out.loc["all", "mean_cycle"])


@pytest.mark.parametrize("seed", SEEDS)
def test_honest_answers_pass_every_check(seed):
    kept = _run(seed, adoption=ex.ADOPTION_RATE)
    answers = {
        "shaper_key": "influencer",
        "win_rate": _run(seed).win_rate,
        "kept_accounts": int(kept.accounts["adopted"].sum()),
        "weeks_saved": _saving(seed),
    }
    for question, value in answers.items():
        for outcome in CHECKS.outcomes(question, value, seed):
            assert outcome.passed, (question, outcome.feedback)


def test_the_exact_saving_passes_and_is_the_closed_form():
    saved, without, with_champion, _ = ex._weeks_exact()
    assert without == pytest.approx(1 + 3 + 4 + 6)
    assert with_champion == pytest.approx(1 + 13 / 1.5)
    assert saved == pytest.approx(13 / 3)
    assert all(o.passed for o in CHECKS.outcomes("weeks_saved", saved, 5))


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("decision_maker", "final say, but only at Buy"),
        ("user", "users speak up a little in the pilot"),
        ("economic_buyer", "Try and Buy, not Learn"),
        ("champion", "not a regular role"),
    ],
)
def test_the_wrong_member_gets_its_own_hint(key, hint):
    outcome = ex._shaper_is_right(key, 0)
    assert not outcome.passed and hint in outcome.feedback


def test_a_non_key_is_refused_with_the_list_of_keys():
    with pytest.raises(Wrong, match=r"'ЛПР' is not a key of the committee; the keys are"):
        ex._shaper_is_key("ЛПР", 0)
    with pytest.raises(Wrong, match=r"should be a member's key"):
        ex._shaper_is_key(3, 0)
    assert ex._shaper_is_right("ЛФР", 0).passed


def test_win_rate_mistakes_get_targeted_feedback():
    seed = 1
    rate = _run(seed).win_rate
    with pytest.raises(Wrong, match="looks like a percentage"):
        ex._win_plausible(100 * rate, seed)
    default = fs.simulate_accounts(ex.ACCOUNTS, funnel=ex.funnel(), seed=seed).win_rate
    out = ex._win_plausible(default, seed)
    assert not out.passed and "default champion and saboteur shares" in out.feedback
    plain = fs.simulate_accounts(
        ex.ACCOUNTS, committee=ex.committee().neutral(), funnel=ex.funnel(), seed=seed
    ).win_rate
    out = ex._win_plausible(plain, seed)
    assert not out.passed and "nobody involved" in out.feedback
    other = ex._win_own_seed(_run(seed + 10).win_rate, seed)
    assert not other.passed and "your own seed" in other.feedback


def test_kept_accounts_mistakes_get_targeted_feedback():
    seed = 2
    a = _run(seed, adoption=ex.ADOPTION_RATE).accounts
    won, abandoned = int(a["won"].sum()), int(a["abandoned"].sum())
    out = ex._kept_plausible(won, seed)
    assert not out.passed and "number of deals won" in out.feedback
    out = ex._kept_plausible(abandoned, seed)
    assert not out.passed and "abandoned, not kept" in out.feedback
    with pytest.raises(Wrong, match="you gave a share"):
        ex._kept_plausible(0.12, seed)


def test_weeks_saved_mistakes_get_targeted_feedback():
    saved, without, with_champion, _ = ex._weeks_exact()
    assert "sign is the other way" in ex._weeks_plausible(-saved, 0).feedback
    assert "mean cycle with a champion everywhere" in ex._weeks_plausible(with_champion, 0).feedback
    assert "mean cycle with no champion" in ex._weeks_plausible(without, 0).feedback
    assert "a ratio is not a saving" in ex._weeks_plausible(1.5 * saved, 0).feedback


def test_feedback_never_contains_the_answer():
    seed = 3
    saved = ex._weeks_exact()[0]
    rate = _run(seed).win_rate
    kept = int(_run(seed, adoption=ex.ADOPTION_RATE).accounts["adopted"].sum())
    wrong = [
        ("shaper_key", "decision_maker"),
        ("win_rate", 0.9),
        ("kept_accounts", 3),
        ("weeks_saved", 40.0),
    ]
    secrets = [
        "influencer",
        f"{rate:.3f}",
        f"{rate:.1%}",
        str(kept),
        f"{saved:.1f}",
        f"{saved:.2f}",
    ]
    for question, value in wrong:
        outcomes = CHECKS.outcomes(question, value, seed)
        assert not all(o.passed for o in outcomes)
        for outcome in outcomes:
            for secret in secrets:
                assert secret not in outcome.feedback, (question, outcome.feedback)
