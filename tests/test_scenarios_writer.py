"""Saving a loaded scenario file: where new and replacing keys go (scenarios/writer.py)."""

import dataclasses
import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st

import funnelsim as fs
from funnelsim.scenarios import load_scenario, loads_scenario
from funnelsim.scenarios.writer import scenario_toml

#: A class file with comment blocks between its tables, each block about the table below it.
CLASS_FILE = """\
# Tuesday's class
buyers = 1_000  # one month's visitors
seed = 7

# The funnel: the preset's stages.
[funnel]
preset = "aaarrr"

[funnel.rates]
acquisition = 0.2
activation = 0.5
retention = 0.5
revenue = 0.2
referral = 0.3

# Money: what a payer brings and what the ads cost.
[economics]
arpu = 10.0               # per month
paid_spend = 20_000.0     # the month's ad spend
churn = 0.05              # monthly
customer_stage = "Revenue"

# Two years, month by month.
# (The budget is the [economics] spend.)
[growth]
periods = 24              # months
budget = 20_000.0         # per month
cost_per_lead = 0.2
"""


def _saved(**economics):
    sc = loads_scenario(CLASS_FILE)
    changed = dataclasses.replace(sc, economics=dataclasses.replace(sc.economics, **economics))
    text = scenario_toml(changed)
    assert loads_scenario(text) == changed  # the saved file loads back to what was saved
    return text


def test_a_replacing_key_takes_the_old_key_s_line_and_notes_it():
    text = _saved(paid_spend=None, cac=55.0)
    before, after = CLASS_FILE.splitlines(), text.splitlines()
    assert len(after) == len(before)
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [
        (
            "paid_spend = 20_000.0     # the month's ad spend",
            "cac = 55.0                # was paid_spend = 20_000.0",
        )
    ]
    # it reads as an [economics] key, not a [growth] one
    assert tomllib.loads(text)["economics"]["cac"] == 55.0
    assert "cac" not in tomllib.loads(text)["growth"]


def test_a_new_key_goes_after_the_table_s_last_key_before_the_next_table_s_comments():
    text = _saved(discount=0.01)
    after = text.splitlines()
    expected = CLASS_FILE.splitlines()
    expected.insert(expected.index('customer_stage = "Revenue"') + 1, "discount = 0.01")
    assert after == expected


def test_a_new_top_level_key_goes_before_the_first_table_s_comments():
    sc = loads_scenario(CLASS_FILE)
    text = scenario_toml(dataclasses.replace(sc, replications=3))
    expected = CLASS_FILE.splitlines()
    expected.insert(expected.index("seed = 7") + 1, "replications = 3")
    assert text.splitlines() == expected
    assert loads_scenario(text) == dataclasses.replace(sc, replications=3)


def test_a_key_that_goes_with_no_replacement_takes_only_its_own_line():
    sc = loads_scenario(CLASS_FILE)
    text = scenario_toml(dataclasses.replace(sc, seed=None))
    assert text.splitlines() == [line for line in CLASS_FILE.splitlines() if line != "seed = 7"]


def test_the_shipped_file_s_economics_cac_stays_in_economics(tmp_path):
    sc = load_scenario("b2c_referral")
    changed = dataclasses.replace(
        sc, economics=dataclasses.replace(sc.economics, paid_spend=None, cac=55.0)
    )
    path = changed.save(tmp_path / "mine.toml")
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[lines.index("[economics]") + 3] == (
        "cac = 55.0                # was paid_spend = 20_000.0"
    )
    original = fs.scenarios.scenario_text("b2c_referral").splitlines()
    assert [line for line in lines if not line.startswith("cac =")] == [
        line for line in original if not line.startswith("paid_spend =")
    ]
    assert load_scenario(path) == changed


@settings(max_examples=25, deadline=None)
@given(
    discount=st.none() | st.floats(0.0, 0.5),
    horizon=st.none() | st.integers(1, 120),
    cac=st.none() | st.floats(0.0, 1_000.0),
)
def test_any_economics_change_keeps_every_other_line(discount, horizon, cac):
    changes = {"discount": discount or 0.0, "horizon": horizon}
    if cac is not None:
        changes |= {"cac": cac, "paid_spend": None}
    text = _saved(**changes)
    kept = [line for line in CLASS_FILE.splitlines() if not line.startswith("paid_spend")]
    if cac is None:
        kept = CLASS_FILE.splitlines()
    new_keys = ("discount =", "horizon =", "cac =")
    assert [line for line in text.splitlines() if not line.startswith(new_keys)] == kept
    # every new key sits inside [economics], before the comments that open [growth]
    lines = text.splitlines()
    block = lines[lines.index("[economics]") : lines.index("# Two years, month by month.")]
    for line in lines:
        if line.startswith(new_keys):
            assert line in block


def test_a_replaced_multi_line_value_is_named_without_its_lines():
    sc = loads_scenario(
        CLASS_FILE.replace("seed = 7\n", 'seed = 7\ndescription = """\nAlpha\nbeta."""\n')
    )
    changed = dataclasses.replace(sc, description="", replications=2)
    text = scenario_toml(changed)
    assert "replications = 2  # was description\n" in text
    assert "Alpha" not in text
    assert loads_scenario(text) == changed
