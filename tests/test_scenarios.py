import dataclasses
import math
import re
import tomllib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import funnelsim as fs
from funnelsim.retention import ChurnModel
from funnelsim.scenarios import (
    Scenario,
    ScenarioError,
    dumps_toml,
    list_scenarios,
    load_scenario,
    loads_scenario,
    sweep,
)

CUSTOM = """
name = "Checkout"
seed = 5
buyers = 1000

[funnel]
name = "shop"

[[funnel.stages]]
name = "Visit"

[[funnel.stages]]
name = "Cart"
rate = 0.2
time = { kind = "gamma", mean = 2.0, shape = 3.0 }

[[funnel.stages]]
name = "Pay"
rate = 0.5
time = 4
"""


def write(tmp_path, text, name="s.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- ready-made scenarios ---------------------------------------------------------------


def test_ready_made_scenarios_are_listed():
    names = list_scenarios()
    assert {"b2c_referral", "b2b_saas", "viral_saturation"} <= set(names)
    assert names == sorted(names)


@pytest.mark.parametrize("name", list_scenarios())
def test_ready_made_scenarios_round_trip(tmp_path, name):
    sc = load_scenario(name)
    assert sc.source == name
    assert sc.name and sc.description and sc.seed is not None
    again = load_scenario(sc.save(tmp_path / f"{name}.toml"))
    assert again == sc
    assert again.to_dict() == sc.to_dict()


def test_b2c_scenario_has_the_values_of_its_file():
    sc = load_scenario("b2c_referral")
    assert sc.funnel.names == fs.AAARRR_STAGES
    assert sc.funnel["Activation"].rate == 0.35
    assert sc.funnel["Retention"].time == fs.TimeInStage.fixed(30.0)
    assert sc.funnel["Revenue"].time == fs.TimeInStage.lognormal(14.0, 0.8)
    # Unchanged stages keep the preset's time.
    assert sc.funnel["Awareness"].time == fs.TimeInStage()
    assert sc.buyers == 100_000 and sc.seed == 2024


def test_b2b_scenario_keeps_preset_times_it_does_not_override():
    sc = load_scenario("b2b_saas")
    assert sc.funnel.names == fs.TLTB_STAGES
    assert sc.funnel["Trigger"].time == fs.model.TLTB_DEFAULT_TIMES["Trigger"]
    assert sc.funnel["Try"].rate == 0.30
    assert sc.replications == 20


# -- reading ----------------------------------------------------------------------------


def test_custom_stages_are_read(tmp_path):
    sc = load_scenario(write(tmp_path, CUSTOM))
    assert sc.funnel == fs.Funnel(
        (
            fs.Stage("Visit"),
            fs.Stage("Cart", 0.2, fs.TimeInStage.gamma(2.0, 3.0)),
            fs.Stage("Pay", 0.5, 4.0),
        ),
        name="shop",
    )
    assert sc.source == str(tmp_path / "s.toml")


def test_missing_funnel_means_the_default_aaarrr():
    sc = Scenario.from_dict({"buyers": 10})
    assert sc.funnel == fs.aaarrr()


def test_tltb_alias_and_try_keyword():
    sc = Scenario.from_dict({"funnel": {"preset": "tltb", "rates": {"try": 0.9, "Buy": 0.1}}})
    assert sc.funnel == fs.trigger_learn_try_buy(try_=0.9, buy=0.1)


def test_numbers_written_as_floats_are_accepted_for_counts():
    assert Scenario.from_dict({"buyers": 1e4}).buyers == 10_000


def test_round_trip_of_custom_funnel_with_unusual_names(tmp_path):
    funnel = fs.Funnel(
        (fs.Stage('Say "hi"'), fs.Stage("Día 1", 0.5, fs.TimeInStage.exponential(1e-3))),
        name="x.y",
    )
    sc = Scenario(funnel, name='multi\nline \\ "quoted"', description="a\\nb", seed=0)
    assert load_scenario(sc.save(tmp_path / "u.toml")) == sc


# -- errors name the file, the key and the problem ---------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            CUSTOM.replace("rate = 0.5", "rate = 1.3"),
            r"funnel\.stages\[2\]\.rate must be in \[0, 1\], got 1\.3",
        ),
        (
            CUSTOM.replace("rate = 0.5", 'rate = "half"'),
            r"funnel\.stages\[2\]\.rate must be a real number",
        ),
        (
            CUSTOM.replace("rate = 0.5", "rat = 0.5"),
            r"funnel\.stages\[2\]\.rat: unknown key; did you mean 'rate'\?",
        ),
        (
            CUSTOM.replace("buyers = 1000", "buyer = 1000"),
            r"buyer: unknown key; did you mean 'buyers'\?",
        ),
        (CUSTOM.replace("buyers = 1000", "buyers = -1"), r"buyers must be >= 0, got -1"),
        (CUSTOM.replace("seed = 5", "seed = 1.5"), r"seed must be a whole number, got 1\.5"),
        (
            CUSTOM.replace('name = "Pay"', 'name = "Cart"'),
            r"funnel\.stages\[2\]\.name: stage name 'Cart' is used twice",
        ),
        (
            CUSTOM.replace('kind = "gamma"', 'kind = "weibull"'),
            r"funnel\.stages\[1\]\.time\.kind must be one of",
        ),
        (
            CUSTOM.replace(", shape = 3.0", ""),
            r"funnel\.stages\[1\]\.time: gamma time needs a shape",
        ),
        (
            CUSTOM.replace("time = 4", "time = -4"),
            r"funnel\.stages\[2\]\.time must be >= 0, got -4",
        ),
        (
            CUSTOM.replace("time = 4", 'time = "4 days"'),
            r"funnel\.stages\[2\]\.time: must be a number",
        ),
        (
            CUSTOM.replace('name = "Visit"', 'name = "Visit"\nrate = 0.5'),
            r"funnel\.stages\[0\]\.rate: the first stage",
        ),
        (
            CUSTOM.replace('[funnel]\nname = "shop"', '[funnel]\nname = "shop"\npreset = "aaarrr"'),
            r"funnel: needs either preset",
        ),
        (CUSTOM + "\n[funnel.rates]\nPay = 0.1\n", r"funnel\.rates: rates go with a preset"),
        ("funnel = 3", r"funnel: must be a table, got 3"),
        ('[funnel]\npreset = "aarrr"', r"funnel\.preset must be one of \['aaarrr'"),
        (
            '[funnel]\npreset = "aaarrr"\n[funnel.rates]\nactivaton = 0.2',
            r"funnel\.rates\.activaton: no stage 'activaton'",
        ),
        (
            '[funnel]\npreset = "aaarrr"\n[funnel.rates]\nawareness = 0.2',
            r"funnel\.rates\.awareness: the first stage",
        ),
        (
            '[funnel]\npreset = "aaarrr"\n[funnel.times]\n'
            'revenue = { kind = "fixed", mean = 1, shape = 2 }',
            r"funnel\.times\.revenue: fixed time takes no shape",
        ),
        (
            '[funnel]\npreset = "aaarrr"\n[funnel.times]\n'
            'revenue = { kind = "fixed", mean = 1, sd = 2 }',
            r"funnel\.times\.revenue\.sd: unknown key",
        ),
        ('mode = "counts"\nevents = true', r"events = true needs mode = 'buyers'"),
        ("buyers = ", r"is not valid TOML: "),
    ],
)
def test_malformed_files_name_file_key_and_problem(tmp_path, text, message):
    path = write(tmp_path, text, "broken.toml")
    with pytest.raises(
        ScenarioError,
        match=r"^" + str(path).replace("\\", "\\\\").replace(".", r"\.") + r": " + message,
    ):
        load_scenario(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            CUSTOM.replace('name = "Visit"\n', "", 1),
            r"funnel\.stages\[0\]: every stage needs a name",
        ),
        (
            CUSTOM.replace('name = "Visit"', 'name = "  "'),
            r"funnel\.stages\[0\]\.name: must not be empty",
        ),
        ("[funnel]\nstages = []", r"funnel\.stages: must be a non-empty array of tables"),
        (
            CUSTOM.replace('kind = "gamma", ', ""),
            r"funnel\.stages\[1\]\.time: a time table needs kind",
        ),
        (
            CUSTOM.replace("mean = 2.0, ", ""),
            r"funnel\.stages\[1\]\.time: a time table needs a mean",
        ),
        (
            CUSTOM.replace("shape = 3.0", "shape = 0"),
            r"funnel\.stages\[1\]\.time\.shape must be > 0, got 0",
        ),
        (
            CUSTOM.replace(
                'kind = "gamma", mean = 2.0, shape = 3.0',
                'kind = "lognormal", mean = 2.0, shape = 1e300',
            ),
            r"funnel\.stages\[1\]\.time: lognormal shape must be in \(0, 10\], got 1e\+300",
        ),
        (
            CUSTOM.replace('time = { kind = "gamma", mean = 2.0, shape = 3.0 }', "time = 1e308"),
            r"funnel\.stages\[1\]\.time.* \[0, 1e\+12\], got 1e\+308",
        ),
        (CUSTOM + "\n[funnel.times]\nPay = 1.0\n", r"funnel\.times: times go with a preset"),
        ("replications = 0", r"replications must be >= 1, got 0"),
        ('events = "yes"', r"events must be true or false, got 'yes'"),
        ("entry_window = -1.0", r"entry_window must be >= 0, got -1\.0"),
        ("name = 3", r"name must be a string, got 3"),
        ('description = ["a"]', r"description must be a string"),
        ('mode = "agents"', r"mode must be one of \['buyers', 'counts'\], got 'agents'"),
        ("seed = -3", r"seed must be >= 0, got -3"),
        ("buyers = true", r"buyers must be an integer, got True"),
        (
            '[referral]\ninvites_per_user = "many"\ninvite_conversion = 0.1',
            r"referral\.invites_per_user must be a real number, got 'many'",
        ),
        (
            "[referral]\ninvites_per_user = 1.0\ninvite_conversion = 0.1\n"
            'invite_distribution = "negbin"',
            r"referral: invite_distribution='negbin' needs a dispersion",
        ),
        (
            "[referral]\ninvites_per_user = 1.0\ninvite_conversion = 0.1\nsegments = 3",
            r"referral\.segments must be a table by NPS segment, got 3",
        ),
        (
            '[retention]\nchurn = 0.1\ncohort_stage = "Nope"',
            r"retention\.cohort_stage: no stage named 'Nope'",
        ),
        (
            '[economics]\nchurn = 0.1\ncustomer_stage = "Nope"',
            r"economics\.customer_stage: no stage named 'Nope'",
        ),
        ("[economics]\narpu = 5", r"economics needs a churn, or a \[retention\] section"),
        ("[b2b]\nchampion = 0.5", r"b2b needs a funnel with the stages the buying committee"),
        (
            "[retention]\npolarization = 0.5",
            r"retention needs churn, churn and polarization, or alpha and beta",
        ),
        ("[growth]\nbudget = 100.0", r"growth\.budget = 100 buys no leads without a price"),
    ],
)
def test_more_malformed_files_name_file_key_and_problem(tmp_path, text, message):
    path = write(tmp_path, text, "broken.toml")
    with pytest.raises(ScenarioError, match=r"^" + re.escape(str(path)) + r": " + message):
        load_scenario(path)


def test_a_byte_order_mark_is_ignored_and_bad_bytes_are_named(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + CUSTOM.encode("utf-8"))
    assert load_scenario(path).funnel.names == ("Visit", "Cart", "Pay")
    assert fs.scenarios.scenario_text(path) == CUSTOM
    path.write_bytes(b"name = '\xff'")
    with pytest.raises(ScenarioError, match=r"bom\.toml: is not UTF-8 text"):
        load_scenario(path)


def test_error_keeps_its_parts(tmp_path):
    path = write(tmp_path, CUSTOM.replace("rate = 0.5", "rate = 1.3"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.source == str(path)
    assert info.value.key == "funnel.stages[2].rate"
    assert isinstance(info.value, ValueError)


def test_unknown_names_and_missing_files():
    with pytest.raises(FileNotFoundError, match=r"did you mean 'b2b_saas'\?"):
        load_scenario("b2b_sass")
    with pytest.raises(FileNotFoundError, match=r"no scenario file 'nowhere/x\.toml'"):
        load_scenario("nowhere/x.toml")
    with pytest.raises(
        FileNotFoundError, match=r"ready-made scenario is called 'b2b_saas', without"
    ):
        load_scenario("b2b_saas.toml")
    with pytest.raises(TypeError, match=r"scenario must be a path or a ready-made name, got 3"):
        load_scenario(3)


def test_constructor_validates_like_the_file():
    with pytest.raises(ValueError, match=r"buyers must be >= 0, got -5"):
        Scenario(buyers=-5)
    with pytest.raises(TypeError, match=r"funnel must be a Funnel, got dict"):
        Scenario(funnel={})
    with pytest.raises(ValueError, match=r"mode must be one of"):
        Scenario(mode="agents")


def test_loads_scenario_names_its_source():
    with pytest.raises(ScenarioError, match=r"^lesson 3: buyers must be >= 0"):
        loads_scenario("buyers = -1", source="lesson 3")
    with pytest.raises(ScenarioError, match=r"^scenario: buyers must be >= 0"):
        Scenario.from_dict({"buyers": -1})


# -- deriving and running ---------------------------------------------------------------


def test_with_values_by_rates_address_works_for_custom_and_preset_funnels(tmp_path):
    custom = load_scenario(write(tmp_path, CUSTOM))
    changed = custom.with_values(
        {"funnel.rates.cart": 0.3, "funnel.times.pay": {"kind": "exponential", "mean": 2}}
    )
    assert changed.funnel["Cart"].rate == 0.3
    assert changed.funnel["Pay"].time == fs.TimeInStage.exponential(2.0)
    assert changed.source is None  # it no longer matches its file
    preset = load_scenario("b2c_referral").with_values({"funnel.rates.activation": 0.6}, seed=9)
    assert preset.funnel == load_scenario("b2c_referral").funnel.with_rates(activation=0.6)
    assert preset.seed == 9


def test_with_values_by_file_path():
    sc = load_scenario("viral_saturation").with_values({"funnel.stages[1].rate": 0.25, "buyers": 7})
    assert sc.funnel["Installed"].rate == 0.25 and sc.buyers == 7


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"funnel.rates.activation": 1.5},
            r"funnel\.rates\.activation must be in \[0, 1\], got 1\.5",
        ),
        ({"funnel.rates.nope": 0.5}, r"funnel\.rates\.nope: no stage named 'nope'"),
        ({"funnel.rates.awareness": 0.5}, r"funnel\.rates\.awareness: the first stage"),
        ({"buyerz": 5}, r"buyerz: unknown key; did you mean 'buyers'\?"),
        (
            {"funnel.stages[9].rate": 0.5},
            r"funnel\.stages\[9\]\.rate: index 9 is out of range \(there are 6\)",
        ),
        ({"economics.arpoo": 5}, r"economics\.arpoo: unknown key; did you mean 'arpu'\?"),
        ({"economics.arpu": -5}, r"economics\.arpu must be > 0, got -5"),
        ({"growth.churnn": 0.1}, r"growth\.churnn: unknown key; did you mean 'churn'\?"),
        ({"funnel..rate": 0.5}, r"malformed scenario path"),
    ],
)
def test_with_values_errors(change, message):
    with pytest.raises(ValueError, match=message):
        load_scenario("b2c_referral").with_values(change)


def test_simulate_equals_the_engine_with_the_scenario_settings():
    sc = load_scenario("b2b_saas")
    got = sc.simulate()
    want = fs.simulate(sc.funnel, sc.buyers, seed=sc.seed, replications=sc.replications)
    np.testing.assert_array_equal(got.counts, want.counts)
    assert got.seed == 7
    small = sc.simulate(seed=3, buyers=10, replications=1, events=True)
    assert small.buyers == 10 and small.events is not None and small.seed == 3
    with pytest.raises(TypeError, match=r"unexpected keyword 'funnel'"):
        sc.simulate(funnel=fs.aaarrr())


def test_to_parameters_points_papermill_at_the_file(tmp_path):
    assert load_scenario("b2c_referral").to_parameters() == {
        "scenario": "b2c_referral",
        "buyers": 100_000,
        "seed": 2024,
    }
    path = Scenario(seed=1).save(tmp_path / "p.toml")
    params = load_scenario(path).to_parameters(buyers=10, lesson="x")
    assert params == {"scenario": str(path), "buyers": 10, "seed": 1, "lesson": "x"}
    # The parameter a lesson receives loads the same scenario.
    assert load_scenario(params["scenario"]) == load_scenario(path)
    with pytest.raises(ValueError, match=r"call save\(path\)"):
        Scenario().to_parameters()


def test_scenario_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Scenario().buyers = 3  # type: ignore[misc]


# -- sweeps -----------------------------------------------------------------------------


def test_sweep_is_the_cartesian_product_in_order():
    sc = Scenario(funnel=fs.aaarrr(), buyers=2000, mode="counts")
    frame = sweep(sc, {"funnel.rates.activation": np.array([0.2, 0.8]), "seed": [1, 2, 3]})
    assert list(frame.columns[:2]) == ["funnel.rates.activation", "seed"]
    assert len(frame) == 6
    assert frame["seed"].tolist() == [1, 2, 3, 1, 2, 3]
    assert isinstance(frame["funnel.rates.activation"].iloc[0], float)
    # Each row is exactly the run of that scenario.
    row = frame.iloc[4]
    want = sc.with_values({"funnel.rates.activation": 0.8, "seed": 2}).simulate()
    assert row["customers"] == want.counts[0, -1]
    assert row["reached_activation"] == want.counts[0, 2]
    assert row["conversion"] == pytest.approx(want.conversion)


def test_sweep_mean_follows_the_closed_form():
    sc = Scenario(funnel=fs.aaarrr(), buyers=100_000, mode="counts")
    frame = sweep(sc, {"funnel.rates.activation": [0.2, 0.6], "seed": range(20)})
    means = frame.groupby("funnel.rates.activation")["customers"].mean()
    for a, got in means.items():
        p = fs.aaarrr(activation=a).reach[-1]
        se = np.sqrt(100_000 * p * (1 - p) / 20)
        assert abs(got - 100_000 * p) < 4 * se


def test_sweep_custom_metrics_and_errors():
    sc = Scenario(buyers=100, seed=1)
    frame = sweep(sc, {"buyers": [10, 20]}, metrics=lambda run: {"n": run.result.buyers * 2})
    assert frame.to_dict("list") == {"buyers": [10, 20], "n": [20, 40]}
    with pytest.raises(ValueError, match=r"params must be a non-empty mapping"):
        sweep(sc, {})
    with pytest.raises(TypeError, match=r"values for 'seed' must be a sequence"):
        sweep(sc, {"seed": 3})
    with pytest.raises(ValueError, match=r"values for 'seed' must not be empty"):
        sweep(sc, {"seed": []})
    with pytest.raises(TypeError, match=r"scenario must be a Scenario"):
        sweep("b2c_referral", {"seed": [1]})


# -- the TOML writer --------------------------------------------------------------------

_scalars = st.one_of(
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False),
    st.text(),
)
_keys = st.text(min_size=1, max_size=8)
_tables = st.recursive(
    st.dictionaries(
        _keys,
        _scalars | st.lists(_scalars.filter(lambda v: isinstance(v, str)), max_size=3),
        max_size=4,
    ),
    lambda inner: st.dictionaries(
        _keys, inner | st.lists(inner.filter(bool), min_size=1, max_size=2), max_size=3
    ),
    max_leaves=12,
)


@given(_tables)
def test_toml_writer_round_trips(data):
    assert tomllib.loads(dumps_toml(data)) == data


def test_toml_writer_rejects_what_toml_cannot_hold():
    with pytest.raises(TypeError, match=r"cannot write None"):
        dumps_toml({"a": None})


def test_sweep_frame_is_tidy():
    frame = sweep(Scenario(buyers=50, mode="counts"), {"seed": [1]})
    assert isinstance(frame, pd.DataFrame)
    assert frame["buyers"].tolist() == [50.0]


# -- optional sections ------------------------------------------------------------------

SECTIONS = """
name = "all sections"
seed = 3
buyers = 5000

[funnel]
preset = "tltb"

[referral]
invites_per_user = 2.0
invite_conversion = 0.2
seed_stage = "Try"

[retention]
alpha = 1.5
beta = 6.0
periods = 6
cohorts = 3

[economics]
arpu = 100.0
margin = 0.5
paid_spend = 10000.0
referral_reward = 10.0

[b2b]
accounts = 3000
champion = 0.5
"""


@pytest.fixture
def full():
    return loads_scenario(SECTIONS, source="full.toml")


def test_sections_are_read_and_round_trip(full, tmp_path):
    assert full.referral == fs.scenarios.ReferralSettings(
        invites_per_user=2.0, invite_conversion=0.2, seed_stage="Try"
    )
    assert full.retention.model == fs.retention.ChurnModel.sbg(1.5, 6.0)
    assert full.economics.paid_spend == 10000.0 and full.economics.discount == 0.0
    assert full.b2b.champion == 0.5 and full.b2b.saboteur == 0.15
    assert load_scenario(full.save(tmp_path / "full.toml")) == full


def test_nps_tables_round_trip(tmp_path):
    sc = load_scenario("b2c_referral")
    assert dict(sc.referral.segments) == {"promoter": 0.45, "passive": 0.35, "detractor": 0.2}
    k = fs.scenarios.runner.referral_k(sc.referral)
    assert k == pytest.approx(0.2 * (0.45 * 2.0 + 0.35 * 0.6 + 0.2 * 0.1))
    with pytest.warns(DeprecationWarning, match=r"ReferralSettings\.k is deprecated"):
        assert sc.referral.k == k
    with pytest.warns(DeprecationWarning, match=r"RetentionSettings\.mean_churn is deprecated"):
        assert sc.retention.mean_churn == sc.retention.model.mean_churn
    assert load_scenario(sc.save(tmp_path / "b.toml")) == sc
    assert hash(sc) == hash(load_scenario(tmp_path / "b.toml"))


def test_sections_run_on_the_funnel_customers(full):
    run = full.run()
    counts = run.result.counts[0]
    # The cascade starts from the buyers who reached the seed stage.
    assert run.referral.seed_buyers == counts[fs.TLTB_STAGES.index("Try")]
    assert run.referral.k == pytest.approx(0.4)
    # Every cohort is the size of the funnel's customers (the last stage).
    sizes = run.retention.long.groupby("cohort")["size"].first().tolist()
    assert sizes == [counts[-1]] * 3
    # B2B accounts go through the scenario's funnel with the section's committee.
    assert run.b2b.n_accounts == 3000 and run.b2b.funnel == full.funnel
    assert run.b2b.committee["champion"].presence == 0.5


def test_section_streams_are_fixed_and_independent(full):
    a, b = full.run(), full.run()
    assert a.referral.total == b.referral.total
    assert a.b2b.accounts.equals(b.b2b.accounts)
    # Removing a section leaves the other sections' numbers unchanged.
    without = dataclasses.replace(full, referral=None).run()
    assert without.b2b.accounts.equals(a.b2b.accounts)
    np.testing.assert_array_equal(without.result.counts, a.result.counts)
    # A different seed changes every section.
    other = full.run(seed=4)
    assert not other.b2b.accounts.equals(a.b2b.accounts)
    # The b2b stream is the documented child of the seed.
    want = fs.b2b.simulate_accounts(
        3000,
        committee=full.b2b.committee,
        funnel=full.funnel,
        seed=np.random.SeedSequence(
            3, spawn_key=(fs.scenarios.SECTION_SPAWN_KEY, fs.scenarios.B2BSettings.STREAM)
        ),
    )
    assert want.accounts.equals(a.b2b.accounts)


def test_a_spawned_seed_gives_reproducible_sections(full):
    # A spawned SeedSequence or Generator records no entropy in the funnel run;
    # the sections still follow the seed passed in.
    child = np.random.SeedSequence(9).spawn(2)[1]
    a, b = full.run(seed=child), full.run(seed=np.random.SeedSequence(9).spawn(2)[1])
    assert a.result.seed is None
    assert a.b2b.accounts.equals(b.b2b.accounts)
    pd.testing.assert_frame_equal(a.retention.long, b.retention.long)
    gen_a = np.random.default_rng(9).spawn(1)[0]
    gen_b = np.random.default_rng(9).spawn(1)[0]
    assert full.run(seed=gen_a).b2b.accounts.equals(full.run(seed=gen_b).b2b.accounts)
    assert not full.run(seed=1).b2b.accounts.equals(a.b2b.accounts)


def test_no_section_shares_a_stream_with_a_replication():
    # The funnel's replications draw from the seed's children (0,), (1,), ...; with as
    # many replications as there are sections, a section keyed (1,), (2,), ... would
    # replay one replication's draws.
    sc = load_scenario("b2b_saas")
    assert sc.replications > 4
    replications = [g.random(4) for g in np.random.default_rng(sc.seed).spawn(sc.replications)]
    sections = {
        cls.KEY: np.random.default_rng(fs.scenarios.section_seed(sc.seed, cls.STREAM)).random(4)
        for cls in (
            fs.scenarios.ReferralSettings,
            fs.scenarios.RetentionSettings,
            fs.scenarios.B2BSettings,
            fs.scenarios.GrowthSettings,
        )
    }
    draws = [*replications, *sections.values()]
    assert len({tuple(d) for d in draws}) == len(draws)
    # The retention section of the ready-made file really uses its own stream.
    run = sc.run()
    want = fs.retention.simulate_cohorts(
        sc.retention.model,
        [round(float(run.result.counts[:, -1].mean()))],
        sc.retention.periods,
        seed=fs.scenarios.section_seed(sc.seed, fs.scenarios.RetentionSettings.STREAM),
    )
    pd.testing.assert_frame_equal(run.retention.long, want.long)


def test_economics_follow_the_closed_forms(full):
    run = full.run()
    m = run.metrics()
    # CAC: the spend over the customers the funnel is expected to bring (not one run's).
    expected = full.buyers * float(full.funnel.reach[-1])
    assert m["cac"] == pytest.approx(10000.0 / expected, rel=1e-15)
    # Churn comes from the sBG retention section: its mean, and the sBG LTV.
    assert m["churn"] == pytest.approx(1.5 / 7.5)
    assert m["ltv"] == pytest.approx(fs.economics.ltv_sbg(100.0, 0.5, 1.5, 6.0, 0.0))
    assert m["ltv_to_cac"] == pytest.approx(m["ltv"] / m["cac"])
    # Payback under the same sBG model: where 50 × Σ S(t) first reaches the CAC.
    t = np.arange(1000)
    cumulative = 50.0 * np.cumsum(fs.retention.sbg_survival(t, 1.5, 6.0))
    assert m["payback_periods"] == int(np.argmax(cumulative >= m["cac"])) + 1
    assert run.economics.label == "LTV: sBG(α = 1.5, β = 6), no discount"
    referred = run.referral.total - run.referral.seed_buyers
    assert m["referred"] == referred
    assert m["referral_roi"] == pytest.approx(
        fs.economics.referral_programme_roi(referred, m["ltv"], referral_reward=10.0)
    )


def test_economics_with_its_own_churn_is_geometric():
    sc = Scenario.from_dict(
        {"buyers": 1000, "seed": 1, "economics": {"arpu": 10, "margin": 1, "churn": 0.1, "cac": 20}}
    )
    m = sc.run().metrics()
    assert m["ltv"] == pytest.approx(100.0)
    assert m["ltv_to_cac"] == pytest.approx(5.0)
    assert "referral_roi" not in m


def test_economics_highlight_without_a_cac_or_customers():
    no_cac = {"arpu": 10, "churn": 0.1}
    run = Scenario.from_dict({"buyers": 100, "seed": 1, "economics": no_cac}).run()
    assert run.highlights()["economics"] == (
        "LTV $100.00 (LTV: geometric churn 10.0%/month, no discount)."
    )
    assert np.isnan(run.metrics()["cac"])
    spent = {**no_cac, "paid_spend": 100.0}
    run = Scenario.from_dict({"buyers": 0, "seed": 1, "economics": spent}).run()
    assert run.highlights()["economics"] == (
        "LTV $100.00, CAC unbounded (spend but no customers expected) "
        "(LTV: geometric churn 10.0%/month, no discount)."
    )


def test_run_tables_name_every_section(full):
    tables = full.run().tables()
    assert set(tables) == {
        "funnel",
        "referral",
        "retention",
        "b2b_funnel",
        "b2b_contributions",
        "b2b_cycles",
        "b2b_accounts",
        "economics",
    }
    assert list(tables["economics"].columns) == ["metric", "value"]
    assert tables["referral"]["generation"].iloc[0] == 0


def test_sweep_over_a_section_key(full):
    frame = sweep(full, {"referral.invite_conversion": [0.1, 0.3]})
    assert frame["referral_k"].tolist() == pytest.approx([0.2, 0.6])


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("invite_conversion = 0.2", "invite_conversion = 1.2"),
            r"referral\.invite_conversion must be in \[0, 1\], got 1\.2",
        ),
        (
            ("invite_conversion = 0.2", "invite_convertion = 0.2"),
            r"referral\.invite_convertion: unknown key; did you mean 'invite_conversion'\?",
        ),
        (
            ("invites_per_user = 2.0\n", ""),
            r"referral\.invites_per_user: is required in \[referral\]",
        ),
        (
            ("invites_per_user = 2.0", "invites_per_user = 2.0\ndispersion = 1.0"),
            r"referral: dispersion applies to invite_distribution='negbin' only",
        ),
        (
            ("invites_per_user = 2.0", "invites_per_user = { promoter = 2.0, fans = 1.0 }"),
            r"referral\.invites_per_user\.fans: unknown NPS segment",
        ),
        (
            ("invites_per_user = 2.0", "invites_per_user = { promoter = 2.0 }"),
            r"referral: invites_per_user is a mapping by NPS segment: pass segments",
        ),
        (
            ('seed_stage = "Try"', 'seed_stage = "Pilot"'),
            r"referral\.seed_stage: no stage named 'Pilot'",
        ),
        (
            ("alpha = 1.5", "churn = 0.1\nalpha = 1.5"),
            r"retention needs churn, churn and polarization, or alpha and beta",
        ),
        (("cohorts = 3", "cohorts = 9"), r"retention\.periods must be >= cohorts - 1 = 8, got 6"),
        (("beta = 6.0", "beta = 0"), r"retention\.beta must be > 0, got 0"),
        (
            ("paid_spend = 10000.0", "paid_spend = 10000.0\ncac = 5"),
            r"economics: give cac or paid_spend, not both",
        ),
        (("margin = 0.5", "margin = 1.5"), r"economics\.margin must be in \(0, 1\], got 1\.5"),
        (("champion = 0.5", "champion = 2"), r"b2b\.champion must be in \[0, 1\], got 2"),
        (("[b2b]", "[b2c]"), r"b2c: unknown key; did you mean 'b2b'\?"),
    ],
)
def test_section_errors_name_file_key_and_problem(edit, message):
    old, new = edit
    assert old in SECTIONS
    with pytest.raises(ScenarioError, match=r"^full\.toml: " + message):
        loads_scenario(SECTIONS.replace(old, new, 1), source="full.toml")


def test_economics_needs_a_churn():
    with pytest.raises(ValueError, match=r"economics needs a churn, or a \[retention\] section"):
        Scenario.from_dict({"economics": {"arpu": 5}})


def test_b2b_needs_the_committee_stages():
    with pytest.raises(
        ValueError, match=r"b2b needs a funnel with the stages the buying committee"
    ):
        Scenario.from_dict({"funnel": {"preset": "aaarrr"}, "b2b": {}})


GROWTH = {
    "seed": 2,
    "funnel": {"preset": "aaarrr"},
    "growth": {
        "periods": 6,
        "replications": 2,
        "new_leads": 5000,
        "invites_per_user": 0.4,
        "invite_conversion": 0.5,
        "churn": 0.1,
        "market_size": 200_000,
    },
}


def test_growth_section_runs_on_the_scenario_funnel(tmp_path):
    sc = Scenario.from_dict(GROWTH)
    assert sc.growth.params.funnel == sc.funnel
    assert load_scenario(sc.save(tmp_path / "g.toml")) == sc
    run = sc.run()
    want = fs.growth.simulate_growth(
        6,
        params=sc.growth.params,
        replications=2,
        seed=np.random.SeedSequence(
            2, spawn_key=(fs.scenarios.SECTION_SPAWN_KEY, fs.scenarios.GrowthSettings.STREAM)
        ),
    )
    pd.testing.assert_frame_equal(run.growth.periods, want.periods)
    m = run.metrics()
    last = want.periods[want.periods["period"] == 6]
    assert m["growth_active"] == last["active"].mean()
    assert {"growth", "growth_channels", "growth_economics"} <= set(run.tables())


def test_growth_follows_funnel_changes():
    sc = Scenario.from_dict(GROWTH).with_values({"funnel.rates.activation": 0.9})
    assert sc.growth.params.funnel["Activation"].rate == 0.9
    swept = sc.with_values({"growth.churn": 0.2})
    assert swept.growth.params.churn == 0.2 and swept.growth.params.funnel == sc.funnel


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"churn": 1.5}, r"growth\.churn must be in \[0, 1\], got 1\.5"),
        ({"churm": 0.1}, r"growth\.churm: unknown key; did you mean 'churn'\?"),
        ({"funnel": {}}, r"growth\.funnel: unknown key"),
        ({"customer_stage": "Nope"}, r"growth\.customer_stage: no stage named 'Nope'"),
        ({"periods": 0}, r"growth\.periods must be in \[1, 10000\], got 0"),
        (
            {"referral_entry": "Referral", "customer_stage": "Revenue"},
            r"growth\.referral_entry 'Referral' comes after customer_stage 'Revenue'",
        ),
    ],
)
def test_growth_errors(change, message):
    data = {**GROWTH, "growth": {**GROWTH["growth"], **change}}
    with pytest.raises(ScenarioError, match=r"^g\.toml: " + message):
        Scenario.from_dict(data, source="g.toml")


@pytest.mark.parametrize("name", list_scenarios())
def test_ready_made_scenarios_run_every_section(name):
    sc = load_scenario(name)
    run = sc.run()
    for key in ("referral", "retention", "b2b", "growth"):
        assert (getattr(run, key) is None) == (getattr(sc, key) is None)
    assert (run.economics is None) == (sc.economics is None)
    assert all(len(frame) for frame in run.tables().values())
    # Same file and seed: the same numbers in every table, every section.
    again = load_scenario(name).run().tables()
    assert again.keys() == run.tables().keys()
    for key, frame in run.tables().items():
        pd.testing.assert_frame_equal(again[key], frame, obj=key)
    assert run.metrics() == load_scenario(name).run().metrics()


# -- a papermill run driven by a scenario -----------------------------------------------


@pytest.mark.slow
def test_papermill_runs_a_lesson_with_a_scenario(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    papermill = pytest.importorskip("papermill")
    nb = nbformat.v4.new_notebook(
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        }
    )
    params = nbformat.v4.new_code_cell("scenario = None\nseed = 42\nbuyers = 10_000")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell(
            "import funnelsim as fs\n"
            "sc = fs.load_scenario(scenario) if scenario is not None else None\n"
            "funnel = sc.funnel if sc is not None else fs.aaarrr()\n"
            "result = fs.simulate(funnel, buyers, seed)\n"
            "print(funnel.name, result.buyers, result.seed, int(result.counts[0, -1]))"
        ),
    ]
    source = tmp_path / "lesson.ipynb"
    nbformat.write(nb, source)
    sc = load_scenario("b2b_saas").with_values(buyers=500)
    path = sc.save(tmp_path / "class.toml")
    parameters = load_scenario(path).to_parameters()
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(source), str(out), parameters=parameters, kernel_name="python3", progress_bar=False
    )
    printed = nbformat.read(out, as_version=4).cells[-1].outputs[0]["text"].split()
    want = sc.simulate(replications=1)
    assert printed == ["Analytics", "platform", "500", "7", str(want.counts[0, -1])]


# -- property: any valid scenario survives save and load -----------------------------------

_times = st.one_of(
    st.floats(0, 1e6, allow_nan=False).map(fs.TimeInStage.fixed),
    st.floats(1e-6, 1e6).map(fs.TimeInStage.exponential),
    # gamma shapes from MIN_GAMMA_SHAPE (0.05): below it the draws underflow to 0
    st.tuples(st.floats(1e-6, 1e6), st.floats(0.05, 1e3)).map(lambda a: fs.TimeInStage.gamma(*a)),
    st.tuples(st.floats(1e-6, 1e6), st.floats(1e-3, 5)).map(lambda a: fs.TimeInStage.lognormal(*a)),
)
_names = st.text(min_size=1, max_size=12).filter(lambda s: s.strip())


@st.composite
def _scenarios(draw):
    names = draw(st.lists(_names, min_size=1, max_size=6, unique=True))
    rates = [1.0] + [draw(st.floats(0, 1)) for _ in names[1:]]
    stages = tuple(fs.Stage(n, r, draw(_times)) for n, r in zip(names, rates, strict=True))
    funnel = fs.Funnel(stages, name=draw(st.text(max_size=10)))
    referral = draw(
        st.none()
        | st.builds(
            fs.scenarios.ReferralSettings,
            invites_per_user=st.floats(0, 100),
            invite_conversion=st.floats(0, 1),
            cycle_time=st.floats(1e-3, 100),
            market_size=st.none() | st.integers(10**6, 10**8),
            seed_stage=st.sampled_from(names),
        )
    )
    retention = draw(
        st.none()
        | st.builds(
            fs.scenarios.RetentionSettings,
            churn=st.floats(0, 1),
            periods=st.integers(1, 1000),
            cohort_stage=st.sampled_from(names),
        )
    )
    economics = draw(
        st.none()
        | st.builds(
            fs.scenarios.EconomicsSettings,
            arpu=st.floats(0, 1e6, exclude_min=True),
            margin=st.floats(0, 1, exclude_min=True),
            churn=st.floats(0, 1, exclude_min=True, exclude_max=True),
            discount=st.floats(0, 1),
            cac=st.none() | st.floats(0, 1e6),
            referral_reward=st.floats(0, 1e3),
        )
    )
    return Scenario(
        funnel,
        retention=retention,
        economics=economics,
        name=draw(st.text(max_size=20)),
        description=draw(st.text(max_size=40)),
        buyers=draw(st.integers(0, 10**9)),
        seed=draw(st.none() | st.integers(0, 2**63 - 1)),
        replications=draw(st.integers(1, 50)),
        entry_window=draw(st.floats(0, 1e3)),
        referral=referral,
    )


@given(_scenarios())
def test_any_scenario_round_trips_through_toml(sc):
    again = loads_scenario(dumps_toml(sc.to_dict()))
    assert again == sc
    assert again.to_dict() == sc.to_dict()


# -- with_values on the record, saving with tomlkit ----------------------------------------


def test_with_values_sets_fields_on_the_record_without_a_round_trip(monkeypatch):
    import funnelsim.scenarios.reader as reader

    sc = load_scenario("b2c_referral")

    def no_reading(*args, **kwargs):
        raise AssertionError("with_values re-read the whole scenario")

    monkeypatch.setattr(reader, "scenario_from_dict", no_reading)
    changed = sc.with_values(
        {
            "economics.arpu": 12,
            "retention.polarization": 0.3,
            "referral.invite_conversion": 0.25,
            "growth.churn": 0.05,
            "growth.periods": 12,
            "funnel.stages[2].rate": 0.4,
            "seed": 3,
        }
    )
    assert changed.economics.arpu == 12.0 and changed.economics.margin == sc.economics.margin
    assert changed.retention.polarization == 0.3
    assert changed.referral.invite_conversion == 0.25
    # growth.churn lives in [retention] here (economics takes its churn from it)
    assert changed.retention.churn == 0.05 and changed.growth.periods == 12
    assert changed.growth.params.churn == changed.retention.model
    assert changed.growth.params.funnel == changed.funnel
    assert changed.funnel.stages[2].rate == 0.4 and changed.seed == 3
    assert changed.source is None and changed.origin == sc.origin
    # keyword form of a dotted path, as the issue asks
    assert sc.with_values(**{"economics.arpu": 12}).economics.arpu == 12.0


def test_saving_a_loaded_file_keeps_its_comments_and_changes_only_what_moved(tmp_path):
    original = fs.scenarios.scenario_text("b2c_referral")
    sc = load_scenario("b2c_referral").with_values(
        {"economics.arpu": 7.5, "funnel.rates.activation": 0.4}
    )
    text = sc.save(tmp_path / "mine.toml").read_text(encoding="utf-8")
    before, after = original.splitlines(), text.splitlines()
    assert len(before) == len(after)
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [
        (
            "activation = 0.35    # sign-ups who log a habit on three days of the first week",
            "activation = 0.4    # sign-ups who log a habit on three days of the first week",
        ),
        (
            "arpu = 6.0                # revenue per payer per month",
            "arpu = 7.5                # revenue per payer per month",
        ),
    ]
    assert load_scenario(tmp_path / "mine.toml") == sc
    # unchanged, it is written back as it was
    same = load_scenario("b2c_referral").save(tmp_path / "same.toml")
    assert same.read_text(encoding="utf-8") == original


def test_removing_and_adding_values_patches_the_file(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text(
        "# my class\nbuyers = 500  # one class\nseed = 1\n\n[economics]\n"
        "churn = 0.1  # monthly\ncac = 20.0\n",
        encoding="utf-8",
    )
    sc = load_scenario(path).with_values({"economics.discount": 0.01, "seed": None})
    text = sc.save(path).read_text(encoding="utf-8")
    assert text.startswith("# my class\nbuyers = 500  # one class\n")
    assert "seed" not in text and "churn = 0.1  # monthly" in text and "discount = 0.01" in text
    assert load_scenario(path) == sc


@pytest.mark.parametrize(
    ("text", "old", "new", "attr"),
    [
        (
            '[referral]\ninvites_per_user = 1.0\ninvite_conversion = 0.1\ninvites = "negbin"\n'
            "dispersion = 0.5",
            "referral.invites",
            "referral.invite_distribution",
            lambda sc: sc.referral.invite_distribution == "negbin",
        ),
        (
            "[growth]\nnew_leads = 100\ninvites_per_customer = 0.4",
            "growth.invites_per_customer",
            "growth.invites_per_user",
            lambda sc: sc.growth.params.invites_per_user == 0.4,
        ),
    ],
)
def test_renamed_scenario_keys_still_read_with_a_warning(tmp_path, text, old, new, attr):
    path = write(tmp_path, text, "old.toml")
    with pytest.warns(
        DeprecationWarning,
        match=rf"old\.toml: the scenario key {old} is deprecated.*call it {new}$",
    ):
        sc = load_scenario(path)
    assert attr(sc)
    written = sc.to_toml()  # written back under the new name only
    assert re.search(rf"^{new.split('.')[1]}\s*=", written, re.MULTILINE)
    assert not re.search(rf"^{old.split('.')[1]}\s*=", written, re.MULTILINE)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            '[referral]\ninvites_per_user = 1.0\ninvite_conversion = 0.1\ninvites = "negbin"\n'
            'invite_distribution = "negbin"\ndispersion = 0.5',
            r"referral\.invites: give invite_distribution only \(invites is its old name\)",
        ),
        (
            "[growth]\nnew_leads = 1\ninvites_per_customer = 0.4\ninvites_per_user = 0.4",
            r"growth\.invites_per_customer: give invites_per_user only",
        ),
    ],
)
def test_renamed_scenario_key_given_twice_is_refused(text, match):
    with pytest.raises(ScenarioError, match=match):
        loads_scenario(text)


@pytest.mark.parametrize("method", ["simulate", "run"])
def test_scenario_seed_is_keyword_only_positional_still_works(method):
    sc = load_scenario("b2c_referral")
    with pytest.warns(DeprecationWarning, match=rf"Scenario\.{method}\(\): passing seed by pos"):
        old = getattr(sc, method)(7)
    new = getattr(sc, method)(seed=7)
    if method == "run":
        pd.testing.assert_frame_equal(old.referral.generations, new.referral.generations)
        old, new = old.result, new.result
    pd.testing.assert_frame_equal(old.table(), new.table())
    assert not new.table().equals(sc.simulate(seed=8).table())


HAND_MADE = """\
name = "Hand-made"
seed = 1
buyers = 1_000
period = "week"

[[funnel.stages]]
name = "Visit"

[[funnel.stages]]
name = "Buy"
rate = 1.0

[retention]
churn = 1.0    # everyone leaves after the first week
periods = 4

[economics]
arpu = 20.0    # margin 10 a week, churn 1/2: LTV 10 / 0.5 = 20; 10 + 5 >= 15 in week 2
margin = 0.5
churn = 0.5
cac = 15.0

[growth]
periods = 3    # 100 new customers a week, with [economics]' ARPU, margin and churn
new_leads = 100
"""


def test_highlights_say_money_and_the_scenario_s_period():
    run = loads_scenario(HAND_MADE).run()
    active = run.growth.periods["active"].to_numpy()
    assert active[0] == 100  # the first week's 100 new customers, nobody left yet
    revenue = 20.0 * active.sum()  # [economics]' ARPU for every active customer-week
    assert run.highlights() == {
        "funnel": "1,000 of 1,000 buyers (people entering Visit in one funnel run) reached Buy "
        "(100.0%).",
        "retention": "0.0% of the first cohort are still active after 4 weeks.",
        "economics": "LTV $20.00, CAC $15.00, LTV:CAC 1.33, payback 2 weeks "
        "(LTV: geometric churn 50.0%/week, no discount).",
        "growth": f"{active[-1]:,} active customers after 3 weeks, cumulative revenue "
        f"${revenue:,.0f}; "
        "0.0% of new customers came by referral; CAC: no acquisition spend given (add a budget to "
        "[growth]).",
    }
    # without a period the scenario counts months
    monthly = loads_scenario(HAND_MADE.replace('period = "week"\n', "")).run().highlights()
    assert monthly["retention"].endswith("after 4 months.")
    assert "payback 2 months (LTV: geometric churn 50.0%/month" in monthly["economics"]


def test_the_period_key_is_checked_and_round_trips(tmp_path):
    path = tmp_path / "fortnight.toml"
    path.write_text(HAND_MADE.replace('"week"', '"fortnight"'), encoding="utf-8")
    with pytest.raises(
        ScenarioError,
        match=r"fortnight\.toml: period must be one of \['day', 'month', 'quarter', 'week', "
        r"'year'\], got 'fortnight'",
    ):
        load_scenario(path)
    sc = loads_scenario(HAND_MADE)
    assert sc.period == "week" and sc.unit_economics().period == "week"
    assert loads_scenario(sc.to_toml()) == sc
    assert 'period = "week"' in sc.with_values(seed=2).to_toml()
    assert sc.with_values(period="day").value("period") == "day"


# -- inputs that change over time, expansion, adoption (issue 8) -------------------------

SCHEDULED = """\
seed = 3
buyers = 1_000
# Lesson 02: the onboarding is fixed in month 12, and ads double in month 13.
[growth]
periods = 18   # a year and a half
new_leads = { before = 1_000, after = 2_000, at = 13 }   # leads a month
churn = 0.05

[growth.rate_changes]
activation = { before = 0.30, after = 0.45, at = 12 }   # onboarding fixed
retention = [0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.5, 0.5, 0.5,
             0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
revenue = { values = [0.4, 0.5, 0.45], starts = [1, 6, 15] }
"""


def test_growth_schedules_are_read_run_and_written_back():
    from funnelsim.growth import Schedule, simulate_growth, step_change

    sc = loads_scenario(SCHEDULED)
    prm = sc.growth.params
    assert prm.new_leads == step_change(1_000, 2_000, at=13)
    changes = dict(prm.rate_changes)
    assert changes["Activation"] == step_change(0.30, 0.45, at=12)
    assert changes["Retention"] == Schedule.from_values([0.6] * 6 + [0.5] * 12)
    assert changes["Revenue"] == Schedule((0.4, 0.5, 0.45), (1, 6, 15))
    # Scenario.run() runs them: the leads step up in period 13, as simulate_growth does
    run = sc.run()
    leads = run.growth.periods["leads"].tolist()
    assert leads == [1_000] * 12 + [2_000] * 6
    direct = simulate_growth(18, params=prm, seed=fs.scenarios.section_seed(3, 4))
    pd.testing.assert_frame_equal(run.growth.periods, direct.periods)
    # written back in the same forms, and read back equal
    assert loads_scenario(sc.to_toml()) == sc
    fresh = dataclasses.replace(sc, origin=None).to_toml()
    assert "new_leads = {before = 1000, after = 2000, at = 13}" in fresh
    assert loads_scenario(fresh) == sc
    # a changed value leaves the file's comments and layout alone (tomlkit)
    moved = sc.with_values({"growth.churn": 0.04}).to_toml()
    assert moved == SCHEDULED.replace("churn = 0.05", "churn = 0.04")
    later = sc.with_values({"growth.new_leads": step_change(1_000, 3_000, at=13)}).to_toml()
    assert "new_leads = { before = 1_000, after = 3000, at = 13 }   # leads a month" in later
    assert "activation = { before = 0.30, after = 0.45, at = 12 }   # onboarding fixed" in later


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "activation = { before = 0.30, after = 1.45, at = 12 }",
            r"growth\.rate_changes\.activation from period 12 must be in \[0, 1\], got 1\.45",
        ),
        (
            "activation = { before = 0.30, after = 0.45, at = 30 }",
            r"growth\.rate_changes\.activation changes at period 30, after the last period 18",
        ),
        (
            "activation = { before = 0.30, after = 0.45, at = 1 }",
            r"growth\.rate_changes\.activation\.at must be >= 2, got 1",
        ),
        (
            "activation = { before = 0.30, after = 0.45 }",
            r"growth\.rate_changes\.activation must be one value per period .* got "
            r"\{'before': 0\.3, 'after': 0\.45\} \(dict\)",
        ),
        ("activation = 0.4", r"growth\.rate_changes\.activation must be one value per period"),
        ("activaton = [0.3]", r"growth\.rate_changes\.activaton: no stage named 'activaton'"),
        (
            "activation = [0.3, 0.4]",
            r"growth\.rate_changes\.activation has 2 per-period values, but the run has "
            r"periods=18",
        ),
        (
            "activation = { values = [0.3, 0.4], starts = [2, 5] }",
            r"growth\.rate_changes\.activation: schedule starts must begin at period 1",
        ),
        (
            "activation = { values = [0.3, 'x'], starts = [1, 5] }",
            r"growth\.rate_changes\.activation\.values\[1\] must be a real number, got 'x'",
        ),
        ("activation = ['x']", r"growth\.rate_changes\.activation\[0\] must be a real number"),
    ],
)
def test_bad_schedules_name_file_key_and_value(tmp_path, line, message):
    head = SCHEDULED[: SCHEDULED.index("[growth.rate_changes]")]
    path = tmp_path / "plan.toml"
    path.write_text(head + "[growth.rate_changes]\n" + line + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"^" + re.escape(str(path)) + ": " + message):
        load_scenario(path)


_levels = st.floats(0.0, 1.0, allow_nan=False).map(lambda x: round(x, 3))


@st.composite
def _schedules(draw, periods, values):
    from funnelsim.growth import Schedule, step_change

    kind = draw(st.sampled_from(["per_period", "step", "general"]))
    if kind == "per_period":
        return Schedule.from_values(draw(st.lists(values, min_size=periods, max_size=periods)))
    if kind == "step":
        return step_change(draw(values), draw(values), at=draw(st.integers(2, periods)))
    starts = sorted(draw(st.sets(st.integers(2, periods), max_size=4)))
    return Schedule(tuple(draw(values) for _ in range(len(starts) + 1)), (1, *starts))


@st.composite
def _scheduled_scenarios(draw):
    periods = draw(st.integers(2, 30))
    leads = draw(_schedules(periods, st.integers(0, 10_000)))
    stages = draw(st.sets(st.sampled_from(["acquisition", "activation", "retention"]), max_size=3))
    changes = {s: draw(_schedules(periods, _levels)) for s in sorted(stages)}
    params = {"new_leads": leads, "rate_changes": changes or None, "funnel": fs.aaarrr()}
    from funnelsim.growth import GrowthParams

    growth = fs.scenarios.GrowthSettings(periods, 1, GrowthParams(**params))
    return fs.scenarios.Scenario(seed=1, growth=growth)


@given(_scheduled_scenarios())
def test_scheduled_growth_round_trips_through_toml(sc):
    text = sc.to_toml()
    assert loads_scenario(text) == sc
    assert tomllib.loads(text)["growth"]["new_leads"] is not None
    # and a file read back and saved unchanged is the same text
    again = loads_scenario(text)
    assert again.to_toml() == text


EXPANDING = """\
[economics]
arpu = 100.0
margin = 0.8
churn = 0.03
cac = 2_000.0
discount = 0.01
expansion = 0.02    # net revenue retention (1 - 0.03)(1 + 0.02) = 98.94 % a month
"""


def test_economics_expansion_and_horizon_are_the_library_s():
    from funnelsim.economics import net_revenue_retention, unit_economics

    sc = loads_scenario(EXPANDING)
    want = unit_economics(
        100.0, 0.8, 0.03, cac=2_000.0, discount=0.01, expansion=0.02, period="month"
    )
    got = sc.unit_economics()
    assert got == want and got.ltv > unit_economics(100.0, 0.8, 0.03, discount=0.01).ltv
    assert sc.run().economics == got
    assert loads_scenario(sc.to_toml()) == sc
    assert "expansion = 0.02    # net revenue retention" in sc.with_values(seed=1).to_toml()
    assert net_revenue_retention(logo_churn=0.03, expansion=0.02) == pytest.approx(0.9894)
    capped = loads_scenario(EXPANDING.replace("churn = 0.03", "churn = 0.01") + "horizon = 120\n")
    assert capped.unit_economics() == unit_economics(
        100.0, 0.8, 0.01, cac=2_000.0, discount=0.01, expansion=0.02, horizon=120, period="month"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("churn = 0.03", "churn = 0.005"),
            r"economics\.expansion = 0\.02: the lifetime value is infinite: .* set "
            r"economics\.horizon",
        ),
        (("expansion = 0.02", "expansion = -1.0"), r"economics\.expansion must be > -1"),
        (
            ("expansion = 0.02", "expansion = 0.02\nhorizon = 0"),
            r"economics\.horizon must be in \[1, 1000000\], got 0",
        ),
    ],
)
def test_bad_expansion_names_file_key_and_value(tmp_path, change, message):
    path = tmp_path / "nrr.toml"
    path.write_text(EXPANDING.replace(*change), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"^" + re.escape(str(path)) + ": " + message):
        load_scenario(path)


def test_b2b_adoption_is_read_run_and_written():
    sc = load_scenario("b2b_saas").with_values({"b2b.adoption": 0.6})
    again = loads_scenario(sc.to_toml())
    assert again == sc and again.b2b.adoption == 0.6
    accounts = sc.run().b2b.accounts
    won = accounts["won"].sum()
    kept = accounts["adopted"].sum()
    # every won account has a kept-or-abandoned outcome, and adoption keeps fewer than won
    assert kept + accounts["abandoned"].sum() == won and 0 < kept < won
    without = load_scenario("b2b_saas").run().b2b.accounts
    assert "adopted" not in without or without["adopted"].sum() == without["won"].sum()
    with pytest.raises(ScenarioError, match=r"b2b\.adoption must be in \[0, 1\], got 1\.5"):
        loads_scenario(sc.to_toml().replace("adoption = 0.6", "adoption = 1.5"))


@pytest.mark.parametrize("text", ["a\r\nb", "\r\n", "line one\rline two", "a\nb", "tab\there"])
def test_text_with_line_ends_round_trips_exactly(tmp_path, text):
    # TOML readers may normalise the line ends of a multi-line string ("\r\n" -> "\n"):
    # a description with a carriage return must still come back as written.
    path = tmp_path / "s.toml"
    fs.Scenario(name=text, description=text).save(path)
    back = fs.load_scenario(path)
    assert (back.name, back.description) == (text, text)


DOUBLED_BUDGET = """\
seed = 3
buyers = 1_000
period = "week"
[growth]
periods = 24
budget = { before = 20_000, after = 40_000, at = 12 }   # ads doubled from week 12
cost_per_lead = 0.2
churn = 0.05
"""


def test_growth_budget_schedule_is_read_run_and_written_back():
    from funnelsim.growth import step_change

    sc = loads_scenario(DOUBLED_BUDGET)
    assert sc.growth.params.budget == step_change(20_000, 40_000, at=12)
    run = sc.run()
    assert run.growth.periods["leads"].tolist() == [100_000] * 11 + [200_000] * 13
    assert run.growth.periods["marketing_spend"].min() == 20_000
    assert loads_scenario(sc.to_toml()) == sc
    fresh = dataclasses.replace(sc, origin=None).to_toml()
    assert loads_scenario(fresh) == sc
    with pytest.raises(ScenarioError, match=r"growth\.budget changes at period 30, after the last"):
        loads_scenario(DOUBLED_BUDGET.replace("at = 12", "at = 30"))


def test_growth_new_leads_with_a_price_names_the_values_as_written():
    text = DOUBLED_BUDGET.replace(
        "budget = { before = 20_000, after = 40_000, at = 12 }",
        "new_leads = { before = 100_000, after = 200_000, at = 12 }",
    )
    with pytest.raises(
        ScenarioError,
        match=r"give at most one of new_leads, cost_per_lead and paid_cac, got new_leads = "
        r"\{ before = 100000, after = 200000, at = 12 \}, cost_per_lead = 0\.2",
    ) as info:
        loads_scenario(text)
    assert "Schedule(" not in str(info.value)


def test_growth_without_acquisition_spend_says_so():
    text = DOUBLED_BUDGET.replace(
        "budget = { before = 20_000, after = 40_000, at = 12 }", "new_leads = 1_000"
    ).replace(
        "cost_per_lead = 0.2\n",
        "referral_reward = 5\ninvites_per_user = 0.2\ninvite_conversion = 0.3\n",
    )
    run = loads_scenario(text).run()
    assert "CAC: no acquisition spend given" in run.highlights()["growth"]
    assert math.isnan(run.metrics()["growth_ltv_to_cac"])


# -- one LTV per scenario: [growth] takes arpu, margin, churn and discount from [economics] ---

_BOTH = [
    n
    for n in list_scenarios()
    if load_scenario(n).economics is not None and load_scenario(n).growth is not None
]


def test_the_shipped_files_with_both_sections_are_those_expected():
    assert set(_BOTH) >= {
        "b2c_referral",
        "capstone_start",
        "capstone_team_example",
        "capstone_team_chains",
    }


@pytest.mark.parametrize("name", _BOTH)
def test_the_growth_run_shows_the_scenario_s_ltv(name):
    sc = load_scenario(name)
    econ = sc.unit_economics()
    run = sc.run()
    prm = run.growth.params
    assert (prm.arpu, prm.margin, prm.discount) == (econ.arpu, econ.margin, econ.discount)
    assert prm.churn_model == econ.churn
    paid, _ = prm.channel_economics(period=sc.period)
    assert paid.ltv == pytest.approx(econ.ltv, rel=1e-9, abs=0)
    assert paid.label == econ.label
    # the per-period and whole-run LTV is the mix of the channels' LTVs, the paid one
    # the scenario's
    ltv_paid, ltv_ref = prm.ltv()
    periods, whole = run.growth.periods, run.growth.unit_economics()
    has = periods["new_customers"] > 0
    s = (periods["new_referral"] / periods["new_customers"])[has].to_numpy()
    np.testing.assert_allclose(periods.loc[has, "ltv"], (1 - s) * ltv_paid + s * ltv_ref)
    s = whole["referral_share"].to_numpy()
    np.testing.assert_allclose(whole["ltv"], (1 - s) * ltv_paid + s * ltv_ref, rtol=1e-12)
    csv = run.tables()["growth_economics"]
    assert csv["ltv"].iloc[0] == run.growth.unit_economics()["ltv"].iloc[0]


def _b2c_text():
    from importlib import resources

    return (resources.files("funnelsim") / "scenario_files" / "b2c_referral.toml").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize(
    "line, message",
    [
        (
            "arpu = 7.0",
            r"growth\.arpu = 7\.0 repeats economics\.arpu = 6\.0 with a different value; "
            r"give it in one place",
        ),
        ("margin = 0.7", r"growth\.margin = 0\.7 repeats economics\.margin = 0\.8"),
        ("discount = 0.0", r"growth\.discount = 0\.0 repeats economics\.discount = 0\.01"),
        ("churn = 0.05", r"growth\.churn = 0\.05 repeats retention\.churn = 0\.08"),
    ],
)
def test_a_growth_key_repeating_economics_with_another_value_fails_the_load(
    tmp_path, line, message
):
    path = write(tmp_path, _b2c_text().replace("[growth]\n", f"[growth]\n{line}\n"), "b2c.toml")
    with pytest.raises(ScenarioError, match=r"^" + re.escape(str(path)) + ": " + message):
        load_scenario(path)


def test_repeats_with_the_same_value_still_load_and_a_save_keeps_the_file_loading(tmp_path):
    # an older copy of the file repeats [economics]' numbers "as in [economics]"
    old = _b2c_text().replace(
        "[growth]\n", "[growth]\nchurn = 0.08\narpu = 6.0\nmargin = 0.8\ndiscount = 0.01\n"
    )
    sc = loads_scenario(old)
    assert sc == load_scenario("b2c_referral")
    # a change of the ARPU is the economics' and the growth model's
    changed = sc.with_values({"growth.arpu": 7.0})
    assert changed.economics.arpu == 7.0 and changed.growth.params.arpu == 7.0
    assert changed.value("growth.arpu") == 7.0 and changed.value("growth.churn") == 0.08
    text = dataclasses.replace(changed, origin=old).to_toml()
    again = loads_scenario(text)  # the repeat that would now differ is gone
    assert again == changed
    assert "churn = 0.08\n" in text.split("[growth]")[1]  # the unchanged repeats stay


def test_growth_alone_keeps_its_own_numbers_and_an_economics_section_replaces_them():
    text = "seed = 1\n[growth]\nnew_leads = 100\nchurn = 0.2\narpu = 3.0\ndiscount = 0.02\n"
    alone = loads_scenario(text)
    assert (alone.growth.params.churn, alone.growth.params.arpu) == (0.2, 3.0)
    assert alone.growth.params.discount == 0.02
    assert loads_scenario(alone.to_toml()) == alone
    # with [economics] and an sBG [retention], the growth model takes those
    both = loads_scenario(
        "seed = 1\n[retention]\nalpha = 1.5\nbeta = 6.0\n[economics]\narpu = 9.0\n"
        "[growth]\nnew_leads = 100\n"
    )
    prm = both.growth.params
    assert prm.churn == ChurnModel.sbg(1.5, 6.0) and prm.arpu == 9.0 and prm.margin == 1.0
    assert "churn" not in both.to_dict()["growth"]
    with pytest.raises(ScenarioError, match=r"growth\.churn: the churn comes from \[retention\]"):
        both.with_values({"growth.churn": 0.1})
    with pytest.raises(ScenarioError, match=r"growth\.churn = 0\.2 repeats retention\.alpha"):
        loads_scenario(
            "[retention]\nalpha = 1.5\nbeta = 6.0\n[economics]\narpu = 9.0\n"
            "[growth]\nnew_leads = 100\nchurn = 0.2\n"
        )


@st.composite
def _growth_with_economics(draw):
    retention = draw(
        st.builds(
            fs.scenarios.RetentionSettings,
            churn=st.floats(0.01, 0.5),
            polarization=st.none() | st.floats(0.01, 0.9),
        )
    )
    economics = fs.scenarios.EconomicsSettings(
        arpu=draw(st.floats(0.5, 1e4)),
        margin=draw(st.floats(0.05, 1.0)),
        churn=draw(st.none() | st.floats(0.01, 1.0)),
        discount=draw(st.floats(0.0, 0.1)),
    )
    from funnelsim.growth import GrowthParams

    growth = fs.scenarios.GrowthSettings(
        draw(st.integers(1, 36)),
        1,
        GrowthParams(new_leads=draw(st.integers(0, 10_000)), market_size=None),
    )
    return Scenario(seed=1, retention=retention, economics=economics, growth=growth)


@given(_growth_with_economics())
def test_growth_with_economics_round_trips_and_shows_the_scenario_s_ltv(sc):
    again = loads_scenario(sc.to_toml())
    assert again == sc
    assert again.growth.params.ltv()[0] == pytest.approx(sc.unit_economics().ltv, rel=1e-9)


def test_economics_expansion_and_horizon_reach_the_growth_run():
    text = (
        "seed = 3\n[economics]\narpu = 50.0\nmargin = 0.8\nchurn = 0.03\ndiscount = 0.01\n"
        "expansion = 0.01\nhorizon = 60\ncac = 400.0\n[growth]\nnew_leads = 100\n"
        "budget = 30000.0\n"
    )
    sc = loads_scenario(text)
    prm = sc.growth.params
    assert (prm.expansion, prm.horizon) == (0.01, 60)
    assert prm.ltv()[0] == pytest.approx(sc.unit_economics().ltv, rel=1e-12)
    assert loads_scenario(sc.to_toml()) == sc
    with pytest.raises(ScenarioError, match=r"growth\.horizon = 24 repeats economics\.horizon"):
        loads_scenario(text + "horizon = 24\n")
