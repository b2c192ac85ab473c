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


def test_customers_are_counted_where_the_economics_count_them():
    # b2c_referral's funnel ends at Referral, but its economics count payers at Revenue
    sc = fs.load_scenario("b2c_referral")
    row = compare_scenarios([sc], labels=["b2c"]).iloc[0]
    assert row["customer_stage"] == "Revenue"
    reached = sc.run().result.reached
    assert row["customers"] == reached["Revenue"] > reached["Referral"]
    assert row["conversion"] == pytest.approx(reached["Revenue"] / sc.buyers)
    assert row["entrants_per_customer"] == pytest.approx(
        1 / sc.funnel.reach[sc.funnel.index("Revenue")]
    )
    assert row["period"] == sc.period


def test_compare_text_gives_units_and_flags_periods_that_differ():
    from funnelsim.cli import compare_text

    sc = fs.load_scenario("capstone_team_example")
    same = compare_text(compare_scenarios([sc, sc], labels=["a", "b"]))
    assert "periods differ" not in same
    weekly = sc.with_values(period="week")
    text = compare_text(compare_scenarios([sc, weekly], labels=["monthly", "weekly"]))
    lines = {line.split("  ")[0]: line for line in text.splitlines()}
    payback = lines["payback_periods [periods differ: month vs week]"]
    assert " months" in payback and " weeks" in payback
    assert "growth_periods [periods differ: month vs week]" in lines
    assert "24 months" in lines["growth_periods [periods differ: month vs week]"]
    assert "growth_active (customers at the last period) [periods differ: month vs week]" in lines
    cycle = lines["b2b_median_cycle"]  # each cell names [b2b] time_unit (default week)
    assert cycle.count(" weeks") == 2, cycle
    assert not any(k.startswith("b2b_time_unit") for k in lines)
    assert "buyers (people, one funnel run)" in lines
    assert "ltv_to_cac" in lines  # a ratio: no unit, never flagged
