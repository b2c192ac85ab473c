import dataclasses

import numpy as np
import pytest
from scipy import stats

import funnelsim as fs
from funnelsim.model import TLTB_DEFAULT_TIMES, Funnel, Stage, TimeInStage


def test_aaarrr_has_the_course_order_and_documented_defaults():
    f = fs.aaarrr()
    assert (
        f.names
        == fs.AAARRR_STAGES
        == (
            "Awareness",
            "Acquisition",
            "Activation",
            "Retention",
            "Revenue",
            "Referral",
        )
    )
    assert f.rates.tolist() == [1.0, 0.3, 0.5, 0.6, 0.4, 0.25]  # as the docstring says
    np.testing.assert_allclose(f.reach, [1, 0.3, 0.15, 0.09, 0.036, 0.009])
    assert all(s.time == TimeInStage.fixed(1.0) for s in f)


def test_aaarrr_keywords_name_the_stage_they_lead_into():
    f = fs.aaarrr(acquisition=0.2, activation=0.1, retention=0.9, revenue=0.5, referral=0.05)
    assert f["Activation"].rate == 0.1
    assert f[5].rate == 0.05


def test_trigger_learn_try_buy():
    f = fs.trigger_learn_try_buy(learn=0.5, try_=0.4, buy=0.2)
    assert f.names == ("Trigger", "Learn", "Try", "Buy")
    assert f.rates.tolist() == [1.0, 0.5, 0.4, 0.2]
    assert f["Buy"].time == TLTB_DEFAULT_TIMES["Buy"]
    g = fs.trigger_learn_try_buy(times={"try": 2.0})
    assert g["Try"].time == TimeInStage.fixed(2.0)
    assert g["Learn"].time == TLTB_DEFAULT_TIMES["Learn"]
    with pytest.raises(ValueError, match=r"times names unknown stage 'Pilot'"):
        fs.trigger_learn_try_buy(times={"Pilot": 1})


def test_user_defined_extended_funnel():
    names = [
        "Attention",
        "Awareness",
        "Acquisition",
        "Activation",
        "Retention",
        "Repeat",
        "Revenue",
        "Referral",
        "Reviews",
        "Relationship",
    ]
    rates = dict(zip(names, [1, 0.5, 0.4, 0.5, 0.6, 0.5, 0.5, 0.3, 0.2, 0.5], strict=True))
    f = Funnel.from_rates(rates, times={"Repeat": TimeInStage.exponential(30)}, name="AAAARRRRRR")
    assert len(f) == 10 and f.name == "AAAARRRRRR"
    assert f["Repeat"].time.kind == "exponential"
    assert f["Reviews"].time == TimeInStage.fixed(1.0)


def test_with_rates_returns_a_new_funnel_and_finds_keyword_names():
    f = fs.trigger_learn_try_buy()
    g = f.with_rates(try_=0.9)
    assert g["Try"].rate == 0.9 and f["Try"].rate == 0.3
    h = f.with_rates({"Buy": 0.5}, learn=0.1)
    assert (h["Buy"].rate, h["Learn"].rate) == (0.5, 0.1)
    with pytest.raises(
        ValueError, match=r"no stage named 'pilot' in funnel 'Trigger-Learn-Try-Buy'"
    ):
        f.with_rates(pilot=0.5)
    with pytest.raises(ValueError, match=r"rate for stage 'Learn' must be in \[0, 1\], got 2"):
        f.with_rates(learn=2)


def test_with_times_and_to_frame():
    f = fs.aaarrr().with_times(activation=TimeInStage.gamma(mean=3, shape=3), revenue=2)
    frame = f.to_frame()
    assert list(frame.columns) == ["stage", "rate", "reach", "time", "mean_time"]
    assert frame["mean_time"].tolist() == [1, 1, 3, 1, 2, 1]
    assert frame.loc[2, "time"] == "gamma (mean 3, shape 3)"


def test_funnels_are_frozen():
    f = fs.aaarrr()
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.name = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.stages[1].rate = 0.9  # type: ignore[misc]


# -- validation ---------------------------------------------------------------------


def test_rate_out_of_range_names_stage_and_value():
    with pytest.raises(
        ValueError, match=r"^rate for stage 'Activation' must be in \[0, 1\], got 1.3$"
    ):
        fs.aaarrr(activation=1.3)
    with pytest.raises(ValueError, match=r"rate for stage 'Learn' must be in \[0, 1\], got -0.1"):
        fs.trigger_learn_try_buy(learn=-0.1)


def test_rate_not_finite():
    with pytest.raises(
        ValueError, match=r"rate for stage 'Revenue' must be a finite number, got nan"
    ):
        fs.aaarrr(revenue=float("nan"))


def test_rate_wrong_type():
    with pytest.raises(
        TypeError, match=r"rate for stage 'Revenue' must be a real number, got '0.4' \(str\)"
    ):
        fs.aaarrr(revenue="0.4")  # type: ignore[arg-type]


def test_empty_funnel():
    with pytest.raises(ValueError, match=r"a funnel needs at least one stage"):
        Funnel(())


def test_duplicate_stage_names():
    with pytest.raises(ValueError, match=r"stage names must be unique, got 'A' twice"):
        Funnel((Stage("A"), Stage("A", 0.5)))


def test_first_stage_rate_must_be_one():
    with pytest.raises(ValueError, match=r"rate for first stage 'A' must be 1 .* got 0.5"):
        Funnel((Stage("A", 0.5),))


def test_stage_type_errors():
    with pytest.raises(TypeError, match=r"every stage must be a Stage, got 'A' \(str\)"):
        Funnel(("A",))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"stages must be a sequence of Stage, got Stage"):
        Funnel(Stage("A"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"stage name must be a string, got 3"):
        Stage(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"stage name must not be empty"):
        Stage("  ")
    with pytest.raises(TypeError, match=r"rates must be a mapping"):
        Funnel.from_rates([("A", 1)])  # type: ignore[arg-type]


def test_time_validation_names_stage_and_value():
    with pytest.raises(
        ValueError, match=r"time for stage 'Try' must be a finite number in \[0, 1e\+12\], got -2"
    ):
        Stage("Try", 0.5, time=-2)
    with pytest.raises(
        ValueError, match=r"time for stage 'Try' must be a finite number in \[0, 1e\+12\], got inf"
    ):
        Stage("Try", 0.5, time=float("inf"))
    with pytest.raises(
        TypeError, match=r"time for stage 'Try' must be a number or a TimeInStage, got '3' \(str\)"
    ):
        Stage("Try", 0.5, time="3")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("make", "pattern"),
    [
        (lambda: TimeInStage.exponential(-1), r"mean time must be in \[0, 1e\+12\], got -1"),
        (lambda: TimeInStage.fixed(1e308), r"mean time must be in \[0, 1e\+12\], got 1e\+308"),
        (
            lambda: TimeInStage.exponential(1e-300),
            r"mean time of a exponential distribution must be >= 1e-09 \(MIN_RANDOM_TIME",
        ),
        (
            lambda: TimeInStage.lognormal(1.0, shape=1e300),
            r"lognormal shape must be in \(0, 10\], got 1e\+300",
        ),
        (lambda: TimeInStage.lognormal(1.0, shape=40), r"lognormal shape must be in \(0, 10\]"),
        (lambda: TimeInStage.gamma(1.0, shape=0.01), r"gamma shape must be >= 0.05, got 0.01"),
        (
            lambda: TimeInStage.exponential(0),
            r"mean time of a exponential distribution must be > 0",
        ),
        (lambda: TimeInStage.gamma(2, shape=0), r"gamma shape must be >= 0.05, got 0"),
        (
            lambda: TimeInStage.lognormal(2, shape=float("nan")),
            r"lognormal shape must be a finite number",
        ),
        (lambda: TimeInStage("weibull", 1.0), r"time kind must be one of"),  # type: ignore[arg-type]
        (lambda: TimeInStage("gamma", 1.0), r"gamma time needs a shape parameter"),
        (lambda: TimeInStage("fixed", 1.0, 2.0), r"fixed time takes no shape parameter, got 2.0"),
    ],
)
def test_time_in_stage_validation(make, pattern):
    with pytest.raises(ValueError, match=pattern):
        make()


# -- time distributions ---------------------------------------------------------------


@pytest.mark.parametrize(
    "time",
    [TimeInStage.exponential(3), TimeInStage.gamma(4, 2.5), TimeInStage.lognormal(5, 0.8)],
)
def test_time_distributions_have_the_requested_mean(time):
    dist = time.dist
    assert dist.mean() == pytest.approx(time.mean)
    draws = time.sample(np.random.default_rng(0), 50_000)
    se = np.sqrt(time.var / draws.size)
    assert abs(draws.mean() - time.mean) < 5 * se
    # and the draws follow the scipy distribution (KS test at a fixed seed)
    assert stats.kstest(draws[:5000], dist.cdf).pvalue > 1e-3


@pytest.mark.parametrize(
    "time",
    [
        TimeInStage.lognormal(1e-9, 10.0),
        TimeInStage.lognormal(1e12, 10.0),
        TimeInStage.gamma(1e-9, 0.05),
        TimeInStage.gamma(1e12, 0.05),
        TimeInStage.exponential(1e-9),
        TimeInStage.exponential(1e12),
    ],
)
def test_times_at_the_limits_are_positive_and_finite(time):
    draws = time.sample(np.random.default_rng(1), 100_000)
    assert np.all(np.isfinite(draws)) and np.all(draws > 0)


@pytest.mark.parametrize(
    "time",
    [
        TimeInStage.exponential(3),
        TimeInStage.gamma(4, 2.5),
        TimeInStage.gamma(1, 0.3),
        TimeInStage.lognormal(5, 0.8),
        TimeInStage.lognormal(2, 3.0),
    ],
)
def test_sampling_without_scipy_equals_scipys_draws_and_variance(time):
    # sample() uses numpy's standard variates so that simulating never imports
    # scipy.stats; it must give scipy's rvs value for value from the same stream.
    mine = time.sample(np.random.default_rng(3), 1001)
    theirs = time.dist.rvs(size=1001, random_state=np.random.default_rng(3))
    np.testing.assert_array_equal(mine, theirs)
    assert time.var == pytest.approx(time.dist.var(), rel=1e-12)


def test_fixed_time():
    t = TimeInStage.fixed(2.5)
    assert t.dist is None and t.var == 0
    assert t.sample(np.random.default_rng(0), 3).tolist() == [2.5, 2.5, 2.5]
    assert str(t) == "fixed 2.5"


def test_str():
    assert str(fs.trigger_learn_try_buy()) == (
        "Trigger-Learn-Try-Buy: Trigger (100%) -> Learn (40%) -> Try (30%) -> Buy (25%)"
    )


def test_check_funnel_is_the_one_funnel_check():
    # engine, growth, pipeline, sensitivity analysis and b2b share model.check_funnel.
    import importlib

    from funnelsim.model import check_funnel

    for name in ("engine", "growth", "pipeline", "sensitivity_analysis", "b2b"):
        module = importlib.import_module(f"funnelsim.{name}")
        assert module.check_funnel is check_funnel
    f = fs.aaarrr()
    assert check_funnel(f) is f
    with pytest.raises(
        TypeError, match=r"funnel must be a Funnel \(e.g. funnelsim.aaarrr\(\)\), got str"
    ):
        check_funnel("aaarrr")


def test_a_fixed_time_of_zero_is_allowed_but_a_random_one_is_not():
    # found by mutation testing (docs/mutation.md): only random kinds need a positive mean
    t = TimeInStage.fixed(0.0)
    assert t.mean == 0.0
    assert t.sample(np.random.default_rng(1), 3).tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(
        ValueError, match=r"^mean time of a exponential distribution must be > 0, got 0$"
    ):
        TimeInStage.exponential(0.0)
