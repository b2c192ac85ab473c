"""Tests for funnelsim.pipeline: nurture loop, conservation, exact final states."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import funnelsim as fs
from funnelsim.pipeline import Nurture, expected_pipeline, simulate_pipeline

TLTB = fs.trigger_learn_try_buy()
EXTENDED = fs.Funnel.from_rates(
    {
        "Attention": 1.0,
        "Awareness": 0.6,
        "Acquisition": 0.3,
        "Activation": 0.5,
        "Retention": 0.6,
        "Revenue": 0.4,
        "Repeat": 0.7,
        "Referral": 0.25,
    },
    name="extended",
)


# -- closed forms ------------------------------------------------------------------------


def test_without_nurture_final_states_are_the_plain_funnel():
    exp = expected_pipeline(fs.aaarrr(), 1000)
    reach, rates = fs.aaarrr().reach, fs.aaarrr().rates
    assert exp["probability"].iloc[0] == pytest.approx(reach[-1])
    np.testing.assert_allclose(exp["probability"].iloc[1:], reach[:-1] * (1 - rates[1:]))
    assert exp["probability"].sum() == pytest.approx(1.0)
    assert list(exp["outcome"][:2]) == ["won", "lost at Awareness"]


@pytest.mark.parametrize(("p", "q", "m"), [(0.3, 0.5, 3), (0.7, 0.2, 1), (0.1, 1.0, 4)])
def test_two_stage_nurture_by_hand(p, q, m):
    # One step, retried after each failure with probability q, at most m times:
    # lost = sum_{j<m} (1-p)^(j+1) q^j (1-q) + (1-p)^(m+1) q^m.
    funnel = fs.Funnel.from_rates({"Lead": 1.0, "Deal": p})
    lost = sum((1 - p) ** (j + 1) * q**j * (1 - q) for j in range(m)) + (1 - p) ** (m + 1) * q**m
    exp = expected_pipeline(funnel, 1, Nurture(q, max_rounds=m))
    assert exp["probability"].iloc[0] == pytest.approx(1 - lost)
    assert exp["probability"].iloc[1] == pytest.approx(lost)


def test_certain_reentry_with_restart_by_hand():
    # Restart from the top every time, always re-enter: win = 1 - (1 - reach)^(m + 1).
    f = fs.trigger_learn_try_buy()
    m = 3
    exp = expected_pipeline(f, 1, Nurture(1.0, max_rounds=m, restart=True))
    assert exp["probability"].iloc[0] == pytest.approx(1 - (1 - f.reach[-1]) ** (m + 1))


@pytest.mark.slow
@pytest.mark.parametrize("restart", [False, True])
def test_simulated_final_states_match_exact_probabilities(restart):
    nurture = Nurture(0.6, delay=2.0, max_rounds=3, restart=restart)
    res = simulate_pipeline(EXTENDED, 60_000, seed=21, nurture=nurture)
    out = res.outcomes()
    z = (out["leads"] - out["expected_leads"]) / out["sd_leads"]
    assert (np.abs(z) < 4.5).all(), out
    assert out["leads"].sum() == 60_000


def test_nurture_raises_win_rate():
    plain = expected_pipeline(TLTB, 1)["probability"].iloc[0]
    nurtured = expected_pipeline(TLTB, 1, Nurture(0.5, max_rounds=2))["probability"].iloc[0]
    assert nurtured > plain


# -- conservation --------------------------------------------------------------------------


@st.composite
def pipelines(draw):
    k = draw(st.integers(1, 6))
    rates = [1.0] + [draw(st.floats(0, 1)) for _ in range(k - 1)]
    funnel = fs.Funnel.from_rates({f"S{i}": r for i, r in enumerate(rates)})
    nurture = Nurture(
        draw(st.floats(0, 1)),
        delay=draw(st.floats(0, 10)),
        max_rounds=draw(st.integers(0, 5)),
        restart=draw(st.booleans()),
    )
    return funnel, nurture


@given(pipelines(), st.integers(0, 400), st.integers(0, 2**32 - 1))
@settings(max_examples=60, deadline=None)
def test_every_lead_ends_in_exactly_one_final_state(pipe, leads, seed):
    funnel, nurture = pipe
    res = simulate_pipeline(funnel, leads, seed=seed, nurture=nurture)
    a, s = res.leads, res.stages
    assert len(a) == leads and a["lead_id"].is_unique
    assert a["outcome"].notna().all() and set(a["outcome"]) <= {"won", "lost"}
    # Stage accounting: won + closed-lost = leads; every failure is nurtured or closed.
    assert s["won"].sum() + s["closed_lost"].sum() == leads
    np.testing.assert_array_equal(s["failed"], s["nurtured"] + s["closed_lost"])
    assert (a.loc[a["outcome"] == "won", "final_stage"] == funnel.names[-1]).all()
    assert (a["nurture_rounds"] <= nurture.max_rounds).all()
    assert a["nurture_rounds"].sum() == s["nurtured"].sum()
    assert res.outcomes()["leads"].sum() == leads
    if not nurture.restart:
        # Every entry into a stage is a first arrival or a nurtured retry of that stage.
        np.testing.assert_array_equal(s["entries"], s["unique_leads"] + s["nurtured"])


def test_times_with_fixed_stage_times_and_delay_are_exact():
    funnel = fs.Funnel.from_rates({"A": 1, "B": 0.5, "C": 0.5}, times=1.0)
    res = simulate_pipeline(funnel, 5_000, seed=1, nurture=Nurture(0.7, delay=3.0, max_rounds=2))
    won = res.leads[res.leads["outcome"] == "won"]
    # Three stages of 1, plus per nurture round the delay and the retried stage again.
    np.testing.assert_allclose(won["time"], 3 + won["nurture_rounds"] * (3 + 1))


def test_same_seed_same_pipeline():
    n = Nurture(0.4)
    a = simulate_pipeline(TLTB, 1_000, seed=7, nurture=n)
    b = simulate_pipeline(TLTB, 1_000, seed=7, nurture=n)
    assert a.leads.equals(b.leads) and a.stages.equals(b.stages)
    assert "win_rate=" in repr(a)


# -- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"reentry": 1.2}, ValueError, r"reentry must be in \[0, 1\], got 1.2"),
        ({"delay": -1.0}, ValueError, r"delay must be >= 0, got -1.0"),
        ({"delay": "soon"}, TypeError, r"delay must be a number or a TimeInStage, got 'soon'"),
        ({"max_rounds": -1}, ValueError, r"max_rounds must be in \[0, 1000\], got -1"),
        ({"max_rounds": 2.5}, ValueError, r"max_rounds must be a whole number, got 2.5"),
        ({"restart": "yes"}, TypeError, r"restart must be True or False, got 'yes'"),
    ],
)
def test_nurture_validation(kwargs, error, match):
    with pytest.raises(error, match=match):
        Nurture(**kwargs)


@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda v: not 0 <= v <= 1))
def test_reentry_outside_unit_interval_rejected(value):
    with pytest.raises(ValueError, match=r"reentry must be in \[0, 1\]"):
        Nurture(value)


def test_pipeline_validation():
    with pytest.raises(TypeError, match=r"funnel must be a Funnel"):
        simulate_pipeline("TLTB", 10)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"leads must be in \[0, 20000000\], got -5"):
        simulate_pipeline(TLTB, -5)
    with pytest.raises(TypeError, match=r"nurture must be a Nurture or None, got float"):
        simulate_pipeline(TLTB, 5, nurture=0.3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"leads must be >= 0, got -1"):
        expected_pipeline(TLTB, -1)


# -- review additions ---------------------------------------------------------------------


def _absorbing_chain(funnel, nurture):
    """Final-state probabilities from the fundamental matrix, B = (I - Q)^-1 R (no DP)."""
    p, q, m = funnel.rates, nurture.reentry, nurture.max_rounds
    k_max = len(p)
    states = [(k, r) for r in range(m + 1) for k in range(k_max - 1)]
    index = {s: i for i, s in enumerate(states)}
    big_q = np.zeros((len(states), len(states)))
    big_r = np.zeros((len(states), k_max))  # won, lost at 0 .. K-2
    for (k, r), i in index.items():
        if k + 1 == k_max - 1:
            big_r[i, 0] += p[k + 1]
        else:
            big_q[i, index[(k + 1, r)]] += p[k + 1]
        if r < m:
            big_q[i, index[(0 if nurture.restart else k, r + 1)]] += (1 - p[k + 1]) * q
            big_r[i, 1 + k] += (1 - p[k + 1]) * (1 - q)
        else:
            big_r[i, 1 + k] += 1 - p[k + 1]
    return np.linalg.solve(np.eye(len(states)) - big_q, big_r)[index[(0, 0)]]


@given(pipelines())
@settings(max_examples=40)
def test_final_states_equal_the_absorbing_markov_chain(pipe):
    funnel, nurture = pipe
    assume(len(funnel) >= 2)  # one stage has no transient state (see the next test)
    exact = expected_pipeline(funnel, 1, nurture)["probability"].to_numpy()
    np.testing.assert_allclose(exact, _absorbing_chain(funnel, nurture), atol=1e-12)


def test_one_stage_pipeline_wins_everyone():
    one = fs.Funnel.from_rates({"Only": 1.0})
    exp = expected_pipeline(one, 10, Nurture(0.5))
    assert exp["outcome"].tolist() == ["won"] and exp["probability"].iloc[0] == 1.0


@pytest.mark.parametrize("name", ["bottleneck", "fix_first", "sensitivity"])
def test_moved_names_keep_working_with_a_deprecation_warning(name):
    import funnelsim.pipeline as pipeline
    import funnelsim.sensitivity_analysis as moved

    with pytest.warns(DeprecationWarning, match=rf"funnelsim.pipeline.{name} moved to"):
        old = getattr(pipeline, name)
    assert old is getattr(moved, name)
    assert name not in pipeline.__all__


def test_unknown_pipeline_attribute_is_a_clear_error():
    import funnelsim.pipeline as pipeline

    with pytest.raises(AttributeError, match=r"'funnelsim.pipeline' has no attribute 'nope'"):
        pipeline.nope  # noqa: B018


# -- every column by hand ----------------------------------------------------------------


def test_pipeline_frames_every_column_by_hand():
    # Nobody passes B; every failure re-enters A twice (max_rounds=2), then is closed:
    # three passes of 2 time units through A and two nurture delays of 0.5 = 7.
    f = fs.Funnel.from_rates({"A": 1.0, "B": 0.0}, times=2.0)
    nurture = Nurture(1.0, delay=0.5, max_rounds=2)
    res = simulate_pipeline(f, 10, seed=1, nurture=nurture)
    st = res.stages
    assert list(st.columns) == [
        "stage",
        "entries",
        "unique_leads",
        "failed",
        "nurtured",
        "closed_lost",
        "won",
    ]
    assert st["stage"].tolist() == ["A", "B"]
    assert st["entries"].tolist() == [30, 0]
    assert st["unique_leads"].tolist() == [10, 0]
    assert st["failed"].tolist() == [30, 0]
    assert st["nurtured"].tolist() == [20, 0]
    assert st["closed_lost"].tolist() == [10, 0]
    assert st["won"].tolist() == [0, 0]
    leads = res.leads
    assert list(leads.columns) == ["lead_id", "outcome", "final_stage", "nurture_rounds", "time"]
    assert leads["lead_id"].tolist() == list(range(10))
    assert (leads["outcome"] == "lost").all() and (leads["final_stage"] == "A").all()
    assert leads["nurture_rounds"].tolist() == [2] * 10
    assert leads["time"].tolist() == [7.0] * 10
    assert res.win_rate == 0.0
    out = res.outcomes()
    assert list(out.columns) == [
        "outcome",
        "stage",
        "leads",
        "share",
        "probability",
        "expected_leads",
        "sd_leads",
    ]
    assert out["outcome"].tolist() == ["won", "lost at A"]
    assert out["leads"].tolist() == [0, 10] and out["share"].tolist() == [0.0, 1.0]
    assert out["probability"].tolist() == [0.0, 1.0]
    assert out["expected_leads"].tolist() == [0.0, 10.0] and out["sd_leads"].tolist() == [0, 0]
    # and everyone through a certain funnel: won at the last stage after 3 stages of 1
    sure = simulate_pipeline(fs.Funnel.from_rates({"A": 1, "B": 1, "C": 1}), 4, seed=1)
    assert sure.stages["entries"].tolist() == [4, 4, 4]
    assert sure.stages["won"].tolist() == [0, 0, 4]
    assert sure.leads["time"].tolist() == [3.0] * 4 and sure.win_rate == 1.0


def test_expected_pipeline_every_column_by_hand():
    f = fs.Funnel.from_rates({"A": 1.0, "B": 0.5, "C": 0.4})
    e = expected_pipeline(f, 10)
    assert e["outcome"].tolist() == ["won", "lost at A", "lost at B"]
    assert e["stage"].tolist() == ["C", "A", "B"]
    np.testing.assert_allclose(e["probability"], [0.2, 0.5, 0.3], rtol=1e-15)
    np.testing.assert_allclose(e["expected_leads"], [2.0, 5.0, 3.0], rtol=1e-15)
    np.testing.assert_allclose(
        e["sd_leads"], np.sqrt(10 * np.array([0.2 * 0.8, 0.25, 0.3 * 0.7])), rtol=1e-15
    )


def test_seed_is_keyword_only_with_one_release_of_grace():
    with pytest.warns(DeprecationWarning, match=r"simulate_pipeline\(\): passing seed by position"):
        old = simulate_pipeline(TLTB, 500, 3)
    assert old.leads.equals(simulate_pipeline(TLTB, 500, seed=3).leads)


# -- splitting a step -----------------------------------------------------------------------

SIGNUP = fs.Funnel.from_rates({"Sign-up": 1.0, "First value": 0.3, "Paid": 0.5}, name="onb")


def test_split_keeps_every_reach_and_inserts_the_steps_in_order():
    from funnelsim.pipeline import split_step

    g = split_step(SIGNUP, "First value", {"Profile": 0.8, "Connected": 0.6}, times={"Profile": 2})
    assert g.names == ("Sign-up", "Profile", "Connected", "First value", "Paid")
    np.testing.assert_allclose(g.rates, [1.0, 0.8, 0.6, 0.3 / 0.48, 0.5])
    np.testing.assert_allclose(g.reach[[0, 3, 4]], SIGNUP.reach)
    assert g["Profile"].time.mean == 2.0 and g["Connected"].time.mean == 0.0
    assert g.name == "onb"
    # splitting alone changes no final state: the plain pipelines win equally often
    a = expected_pipeline(SIGNUP, 1000)["probability"].iloc[0]
    b = expected_pipeline(g, 1000)["probability"].iloc[0]
    assert b == pytest.approx(a)


def test_split_with_nurture_matches_the_closed_form():
    """Sign-up -> A (p1) -> B (p2), one nurture round shared by the whole path."""
    from funnelsim.pipeline import split_step

    p1, p2, q = 0.6, 0.5, 0.4
    f = fs.Funnel.from_rates({"Sign-up": 1.0, "B": p1 * p2})
    g = split_step(f, "B", {"A": p1})
    one = Nurture(q, max_rounds=1)
    # retry of the same step; the single round is spent at whichever step fails first
    whole = p1 * p2 + (1 - p1 * p2) * q * p1 * p2
    split = p1 * (p2 + (1 - p2) * q * p2) + (1 - p1) * q * p1 * p2
    assert expected_pipeline(f, 1, one)["probability"].iloc[0] == pytest.approx(whole)
    assert expected_pipeline(g, 1, one)["probability"].iloc[0] == pytest.approx(split)
    assert split > whole
    res = simulate_pipeline(g, 200_000, seed=5, nurture=one)
    se = np.sqrt(split * (1 - split) / 200_000)
    assert abs(res.win_rate - split) < 4 * se


@settings(max_examples=60, deadline=None)
@given(
    p1=st.floats(0.05, 1.0),
    p2=st.floats(0.05, 1.0),
    q=st.floats(0.0, 1.0),
    rounds=st.integers(0, 4),
)
def test_a_split_step_never_converts_worse_with_nurture(p1, p2, q, rounds):
    from funnelsim.pipeline import compare_pipelines, split_step

    f = fs.Funnel.from_rates({"Sign-up": 1.0, "B": p1 * p2})
    g = split_step(f, "B", {"A": p1})
    nurture = Nurture(q, max_rounds=rounds)
    table = compare_pipelines({"whole": (f, nurture), "split": (g, nurture)}, 10)
    assert table["change"].iloc[1] >= -1e-12


def test_a_split_into_a_step_nobody_fails_changes_nothing():
    from funnelsim.pipeline import compare_pipelines, split_step

    fake = split_step(SIGNUP, "First value", {"Welcome email": 1.0})
    nurture = Nurture(0.5, max_rounds=2)
    table = compare_pipelines({"whole": (SIGNUP, nurture), "fake": (fake, nurture)}, 100)
    assert table["change"].iloc[1] == pytest.approx(0.0, abs=1e-12)


def test_compare_pipelines_table():
    from funnelsim.pipeline import compare_pipelines

    table = compare_pipelines({"plain": SIGNUP, "nurtured": (SIGNUP, Nurture(0.5))}, 400)
    assert list(table.columns) == ["variant", "stages", "win_rate", "won", "sd_won", "change"]
    assert table["win_rate"].iloc[0] == pytest.approx(0.15)
    assert table["won"].iloc[0] == pytest.approx(60.0)
    assert table["sd_won"].iloc[0] == pytest.approx(np.sqrt(400 * 0.15 * 0.85))
    assert table["change"].iloc[1] > 0


def test_split_and_compare_validation():
    from funnelsim.pipeline import compare_pipelines, split_step

    with pytest.raises(ValueError, match="must not be the first stage 'Sign-up'"):
        split_step(SIGNUP, "Sign-up", {"X": 0.5})
    with pytest.raises(ValueError, match="no stage named 'Nope'"):
        split_step(SIGNUP, "Nope", {"X": 0.5})
    with pytest.raises(ValueError, match="'Paid' is already in the funnel"):
        split_step(SIGNUP, "First value", {"Paid": 0.5})
    with pytest.raises(ValueError, match=r"last step would need a rate of 1\.5 > 1"):
        split_step(SIGNUP, "First value", {"A": 0.4, "B": 0.5})
    with pytest.raises(ValueError, match=r"rate for step 'A' must be in \(0, 1\], got 0"):
        split_step(SIGNUP, "First value", {"A": 0})
    with pytest.raises(ValueError, match="at least one new stage"):
        split_step(SIGNUP, "First value", {})
    with pytest.raises(TypeError, match="steps must be a mapping"):
        split_step(SIGNUP, "First value", [("A", 0.5)])
    with pytest.raises(ValueError, match="times must name new stages of steps, got 'Paid'"):
        split_step(SIGNUP, "First value", {"A": 0.5}, times={"Paid": 1})
    with pytest.raises(ValueError, match="variants must be a non-empty mapping"):
        compare_pipelines({}, 10)
    with pytest.raises(TypeError, match="variant 'x' must be a Funnel or a"):
        compare_pipelines({"x": 3}, 10)
    with pytest.raises(ValueError, match="leads must be >= 0, got -1"):
        compare_pipelines({"x": SIGNUP}, -1)


def test_split_takes_one_time_for_every_new_stage():
    from funnelsim.pipeline import split_step

    wait = fs.TimeInStage.exponential(1.5)
    g = split_step(SIGNUP, "Paid", {"Trial": 0.7, "Card": 0.9}, times=wait)
    assert g["Trial"].time == wait and g["Card"].time == wait
    assert g["Sign-up"].time == SIGNUP["Sign-up"].time
