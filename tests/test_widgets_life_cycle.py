import math

import pytest

from funnelsim.diffusion import chasm_market, diffusion_path
from funnelsim.widgets import LifeCycleExplorer

ORDER = ["pragmatists: medicine", "pragmatists: banking", "conservatives"]


@pytest.fixture
def explorer():
    e = LifeCycleExplorer(threaded=False)
    yield e
    e.close()


def test_cards_are_the_diffusion_gaps(explorer):
    m = explorer.metrics
    market = chasm_market()
    assert m["gap_none"] == diffusion_path(market, 72).gap()
    assert m["gap_spread"] == diffusion_path(market, 72, effort=20).gap()
    alley = diffusion_path(market, 72, effort=20, strategy="bowling_alley", order=ORDER)
    assert m["gap_alley"] == alley.gap()
    assert m["saved"] == m["gap_spread"] - m["gap_alley"] > 0


def test_sliders_rerun_the_model_and_plain_bass_has_little_chasm(explorer):
    explorer.set_values(reference_exponent=1.0, cross_imitation=0.05)
    explorer.refresh()
    assert explorer.metrics["gap_none"] < 10
    explorer.set_values(periods=24)
    explorer.refresh()
    assert "<svg" in explorer.svg


def test_a_mainstream_that_never_arrives_shows_a_dash(explorer):
    explorer.set_values(periods=24, reference_exponent=3.0, cross_imitation=0.0, effort=0)
    explorer.refresh()
    assert math.isnan(explorer.metrics["gap_none"])
    assert "–" in explorer._metrics.value


def test_ab_mode_and_static_picture(explorer):
    explorer.ab = True
    explorer.set_values(effort=40)
    explorer.refresh()
    assert explorer.outcome_a.metrics["gap_spread"] != explorer.metrics["gap_spread"]
    bundle = explorer._repr_mimebundle_()
    assert bundle["image/svg+xml"].startswith("<svg")
    with pytest.raises(ValueError, match="effort"):
        explorer.set_values(effort=500)
