import math

import numpy as np
import pytest

import funnelsim as fs
from funnelsim.scenarios import COMPARE_COLUMNS, compare_scenarios


def test_one_row_per_scenario_with_each_runs_metrics():
    table = compare_scenarios(["capstone_start", "capstone_team_example"])
    assert list(table["scenario"]) == ["capstone_start", "capstone_team_example"]
    assert list(table.columns) == [c for c in COMPARE_COLUMNS if c in table.columns]
    for label, row in table.set_index("scenario").iterrows():
        sc = fs.load_scenario(label)
        metrics = sc.run().metrics()
        for key in ("customers", "conversion", "ltv", "cac", "ltv_to_cac", "growth_active"):
            assert row[key] == pytest.approx(metrics[key]), key
        assert row["entrants_per_customer"] == pytest.approx(1 / sc.funnel.reach[-1])
        assert row["fix_first"] == fs.fix_first(sc.funnel)


def test_sections_a_scenario_lacks_are_nan_and_absent_sections_are_dropped():
    table = compare_scenarios(["b2c_referral", "b2b_saas"]).set_index("scenario")
    assert math.isnan(table.loc["b2c_referral", "b2b_win_rate"])
    assert math.isnan(table.loc["b2b_saas", "referral_k"])
    only_funnel = compare_scenarios([fs.Scenario(name="bare", seed=1)])
    assert "ltv" not in only_funnel.columns
    assert list(only_funnel["scenario"]) == ["bare"]


def test_one_seed_for_all_is_common_random_numbers():
    sc = fs.load_scenario("capstone_start")
    table = compare_scenarios([sc, sc], labels=["a", "b"], seed=5)
    assert table.loc[0, "customers"] == table.loc[1, "customers"]
    assert table.loc[0, "customers"] == sc.simulate(seed=5).reached.iloc[-1]


def test_a_funnel_no_one_gets_through_needs_infinite_entrants():
    sc = fs.load_scenario("capstone_start").with_values({"funnel.rates.buy": 0.0})
    row = compare_scenarios([sc], labels=["dead"]).iloc[0]
    assert np.isinf(row["entrants_per_customer"]) and row["customers"] == 0


@pytest.mark.parametrize(
    ("args", "kwargs", "exc", "match"),
    [
        (([],), {}, ValueError, "at least one scenario"),
        (("capstone_start",), {}, TypeError, "must be a list of scenario files"),
        (([3],), {}, TypeError, "each scenario must be a file name, a path or a Scenario, got 3"),
        (
            (["capstone_start"],),
            {"labels": ["a", "b"]},
            ValueError,
            r"one label per scenario \(1\)",
        ),
        ((["capstone_start", "capstone_start"],), {}, ValueError, "labels must be unique"),
    ],
)
def test_errors(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        compare_scenarios(*args, **kwargs)


def test_a_malformed_team_file_is_named(tmp_path):
    bad = tmp_path / "team_c.toml"
    bad.write_text("[funnel.rates]\nlearn = 1.4\n")
    with pytest.raises(ValueError, match=r"team_c\.toml"):
        compare_scenarios([str(bad)])
