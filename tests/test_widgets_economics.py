"""One scenario, one set of headline numbers: every view shows the same unit economics.

The command line and the report print ``Scenario.run().economics``; each explorer
computes its cards on its own. For every shipped scenario with an
``[economics]`` section, and for economics settings drawn by hypothesis, they
must agree on LTV, CAC, LTV:CAC and payback to 1e-9 (issue 8 §1), and the
payback card must be the period where the explorer's own curve crosses CAC.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import funnelsim as fs
from funnelsim.widgets import Dashboard, EconomicsExplorer, FunnelExplorer, RetentionExplorer

KEYS = ("ltv", "cac", "ltv_cac", "payback")
SHIPPED = [n for n in fs.list_scenarios() if fs.load_scenario(n).economics is not None]
#: The largest difference seen between two views (reported in the closing note).
WORST: dict[str, float] = {"max_rel_diff": 0.0, "checked": 0}


def _same(got: float, want: float) -> None:
    if math.isinf(want) or math.isnan(want):
        assert got == want or (math.isnan(got) and math.isnan(want))
        return
    diff = abs(got - want) / max(abs(want), 1e-300)
    WORST["max_rel_diff"] = max(WORST["max_rel_diff"], diff)
    WORST["checked"] += 1
    assert diff <= 1e-9, (got, want)


def _reference(sc: Any) -> dict[str, float]:
    ue = sc.run().economics
    return {"ltv": ue.ltv, "cac": ue.cac, "ltv_cac": ue.ltv_to_cac, "payback": ue.payback}


def _check_views(sc: Any, explorers: dict[str, Any]) -> None:
    want = _reference(sc)
    for name, ex in explorers.items():
        ex.load(sc)
        assert "Loaded" in ex._status.value, (name, ex._status.value)
        for key in KEYS:
            if key in ex.metrics:
                _same(ex.metrics[key], want[key])
        if name == "economics":
            curve = ex.outcome.result
            payback = ex.metrics["payback"]
            if math.isfinite(payback) and payback <= curve["month"].max():
                crossed = curve.loc[curve["profit"] >= curve["cac"] * (1 - 1e-12), "month"]
                assert crossed.iloc[0] == payback


@pytest.fixture(scope="module")
def explorers() -> dict[str, Any]:
    views = {
        "economics": EconomicsExplorer(threaded=False),
        "funnel": FunnelExplorer(threaded=False),
        "retention": RetentionExplorer(threaded=False),
    }
    yield views
    for ex in views.values():
        ex.close()


@pytest.mark.parametrize("name", SHIPPED)
def test_every_view_of_a_shipped_scenario_shows_the_same_numbers(name: str, explorers) -> None:
    sc = fs.load_scenario(name)
    views = dict(explorers)
    if sc.retention is None:
        views.pop("retention")
    _check_views(sc, views)
    # The Dashboard's tabs load the same scenario and agree too.
    dash = Dashboard(scenario=name, threaded=False)
    try:
        want = _reference(sc)
        for tab in ("Funnel", "Retention", "Unit economics"):
            ex = dash.explorer(tab)
            for key in KEYS:
                if key in ex.metrics:
                    _same(ex.metrics[key], want[key])
    finally:
        dash.close()


def test_the_issue_numbers_of_b2c_referral_agree() -> None:
    # Issue 8 found 4 LTVs and 3 LTV:CACs for this scenario; now one of each.
    sc = fs.load_scenario("b2c_referral")
    ue = sc.run().economics
    assert ue.label == "LTV: sBG(α = 0.72, β = 8.28), 1.0%/month discount"
    assert ue.ltv == pytest.approx(129.26, abs=0.005)
    # "LTV:CAC 1.42, payback inf periods" on one line: now LTV:CAC > 1 <=> it pays back.
    low = sc.with_values({"funnel.rates.activation": 0.2}).run().economics
    assert low.ltv_to_cac > 1 and math.isfinite(low.payback)


@settings(max_examples=12, deadline=None)
@given(
    arpu=st.integers(1, 200),
    margin=st.integers(5, 100),
    discount=st.integers(0, 50),
    cost=st.integers(1, 100),
    churn=st.integers(1, 50),
    polarization=st.one_of(st.none(), st.integers(1, 90)),
)
def test_every_view_agrees_for_drawn_economics(
    explorers, arpu, margin, discount, cost, churn, polarization
) -> None:
    base = fs.load_scenario("b2c_referral")
    values: dict[str, Any] = {
        "economics.arpu": float(arpu),
        "economics.margin": margin / 100,
        "economics.discount": discount / 1000,
        "economics.paid_spend": cost * 0.05 * base.buyers,
    }
    if polarization is None:
        values["economics.churn"] = churn / 100  # the section's own churn: geometric
    else:
        values["retention.churn"] = churn / 100
        values["retention.polarization"] = polarization / 100
    sc = base.with_values(values)
    views = dict(explorers)
    if polarization is None:
        views.pop("retention")  # it shows the [retention] model, not the section's churn
    _check_views(sc, views)


def test_every_money_card_and_axis_says_its_unit(explorers) -> None:
    from funnelsim.widgets.specs import ECONOMICS_METRICS, FUNNEL_METRICS, RETENTION_METRICS

    money = {"ltv", "cac", "revenue"}
    for metric in (*ECONOMICS_METRICS, *FUNNEL_METRICS, *RETENTION_METRICS):
        if metric.name in money:
            assert "$" in metric.label, metric.label
        if metric.name in ("payback", "lifetime"):
            assert re.search(r"\((months|periods)\)", metric.label), metric.label
    spec = explorers["economics"].chart().to_dict()
    titles = [str(layer["encoding"]["y"].get("title")) for layer in spec["layer"][:1]]
    assert "$ / customer" in titles[0]
    assert "months" in spec["layer"][0]["encoding"]["x"]["title"]


def test_the_payback_chart_draws_unit_economics_and_crosses_at_the_payback() -> None:
    from funnelsim import charts
    from funnelsim.economics import unit_economics

    ue = unit_economics(20.0, 0.5, 0.05, cac=80.0, period="month")
    spec = charts.payback_chart(ue).to_dict()
    rows = next(iter(spec["datasets"].values()))
    crossed = [r for r in rows if r["cumulative"] >= r["cac"]]
    # 10 × (1 − 0.95ⁿ) / 0.05 ≥ 80 first at n = 10 (0.95ⁿ ≤ 0.6)
    assert crossed[0]["month" if "month" in crossed[0] else "period"] == ue.payback == 10


@pytest.mark.parametrize("cls", [EconomicsExplorer, FunnelExplorer])
def test_a_saved_explorer_file_computes_what_the_explorer_showed(cls, tmp_path) -> None:
    # Moving mean churn on an sBG scenario keeps the sBG model in the saved file
    # (it used to write a geometric [economics] churn: another LTV on reload).
    ex = cls(scenario="b2c_referral", threaded=False)
    try:
        ex.set_values(churn=0.12, arpu=9 if cls is FunnelExplorer else 9.0)
        path = ex.save(tmp_path / "moved.toml")
        again = fs.load_scenario(path)
        assert again.economics.churn is None and again.retention.polarization == pytest.approx(0.1)
        ue = again.unit_economics()
        for key, value in (("ltv", ue.ltv), ("cac", ue.cac), ("payback", ue.payback)):
            _same(ex.metrics[key], value)
    finally:
        ex.close()


def test_the_expansion_slider_is_the_library_s_expansion() -> None:
    from funnelsim.economics import unit_economics

    ex = EconomicsExplorer(threaded=False)
    try:
        ex.set_values(arpu=100.0, margin=0.8, churn=0.03, cac=2_000.0, discount=0.01)
        flat = dict(ex.metrics)
        ex.set_values(expansion=0.02)
        ue = unit_economics(
            100.0, 0.8, 0.03, cac=2_000.0, discount=0.01, expansion=0.02, period="month"
        )
        for key, want in (("ltv", ue.ltv), ("ltv_cac", ue.ltv_to_cac), ("payback", ue.payback)):
            _same(ex.metrics[key], want)
        assert ex.metrics["ltv"] > flat["ltv"]  # expansion: more value per customer
        _same(ex.metrics["profit_per_customer"], ue.ltv - 2_000.0)
        curve = ex.outcome.result
        crossed = curve.loc[curve["profit"] >= curve["cac"] * (1 - 1e-12), "month"]
        assert crossed.iloc[0] == ex.metrics["payback"]
    finally:
        ex.close()


def test_expansion_that_outgrows_churn_counts_a_horizon_and_says_so() -> None:
    from funnelsim.economics import unit_economics
    from funnelsim.widgets.economics import EXPANSION_HORIZON

    ex = EconomicsExplorer(threaded=False)
    try:
        ex.set_values(churn=0.01, discount=0.0, expansion=0.03, cac=300.0)
        v = ex.values
        ue = unit_economics(
            v["arpu"], v["margin"], 0.01, cac=300.0, expansion=0.03, horizon=EXPANSION_HORIZON
        )
        _same(ex.metrics["ltv"], ue.ltv)
        assert f"first {EXPANSION_HORIZON} months only" in ex.outcome.economics.label
    finally:
        ex.close()


def test_growth_destroys_money_exactly_when_cac_exceeds_ltv() -> None:
    ex = EconomicsExplorer(threaded=False)
    try:
        ex.set_values(arpu=30.0, margin=0.8, churn=0.05, discount=0.0, cac=400.0)
        assert ex.metrics["profit_per_customer"] == pytest.approx(480.0 - 400.0)
        assert math.isfinite(ex.metrics["payback"])
        ex.set_values(cac=500.0)  # above the LTV of 480
        assert ex.metrics["profit_per_customer"] < 0
        assert ex.metrics["payback"] == math.inf and ex.metrics["ltv_cac"] < 1
    finally:
        ex.close()


GROWING = [n for n in fs.list_scenarios() if fs.load_scenario(n).growth is not None]


@pytest.mark.parametrize("name", GROWING)
def test_every_view_of_growth_shows_the_payback_of_the_acquired_mix(name, tmp_path) -> None:
    # The growth model's payback is the acquired mix's (paid and referred customers,
    # each with its own ARPU and churn, weighted by their share of new customers):
    # the run's table, the CLI's CSV and the report's table all show that number.
    import numpy as np
    import pandas as pd

    from funnelsim import economics as ec
    from funnelsim._format import number
    from funnelsim.cli import main
    from funnelsim.report import render_report

    sc = fs.load_scenario(name)
    run = sc.run()
    table, prm = run.tables()["growth_economics"], run.growth.params
    s = table["referral_share"].to_numpy()
    cac = table["cac"].to_numpy()
    # A file with new_leads and no budget gives no acquisition spend: no CAC, no payback.
    given = np.isfinite(cac)
    want = np.full(cac.shape, np.nan)
    if given.any():
        want[given] = ec.payback_period(
            cac[given],
            [prm.arpu, prm.arpu * prm.referred_arpu_multiplier],
            prm.margin,
            [prm.churn_model, prm.referred_churn_model],
            prm.discount,
            weights=np.stack([1.0 - s, s], axis=-1)[given],
        )
    for got, w in zip(table["payback_period"], np.atleast_1d(want), strict=True):
        _same(got, w)
    assert main(["simulate", name, "--output", str(tmp_path / "out")]) == 0
    csv = pd.read_csv(tmp_path / "out" / "growth_economics.csv")
    for got, w in zip(csv["payback_period"], np.atleast_1d(want), strict=True):
        _same(got, w)
    page = render_report(sc)
    growth = page[page.index("Unit economics of the growth run") :]
    cells = re.findall(r"<td>([^<]*)</td>", growth)
    header = re.findall(r"<th>([^<]*)</th>", growth)
    column = header.index("payback_period")
    shown = cells[column :: len(header)][: len(table)]
    assert shown == [number(w) for w in np.atleast_1d(want)]


@pytest.mark.parametrize("expansion", [0.004, 0.03])
def test_the_expansion_slider_saves_and_loads(tmp_path, expansion) -> None:
    # The slider declares economics.expansion: save, load, the same values and numbers
    # (0.03 outgrows 3 % churn and 1 % discount: the file counts the explorer's horizon).
    from funnelsim.widgets.economics import EXPANSION_HORIZON

    ex = EconomicsExplorer(scenario="b2b_saas", threaded=False)
    again = None
    try:
        ex.set_values(expansion=expansion, churn=0.03)
        path = ex.save(tmp_path / "nrr.toml")
        sc = fs.load_scenario(path)
        assert sc.economics.expansion == expansion
        assert sc.economics.horizon == (EXPANSION_HORIZON if expansion > 0.02 else None)
        again = EconomicsExplorer(scenario=path, threaded=False)
        assert again.values == ex.values
        for key in ("ltv", "cac", "payback"):
            _same(again.metrics[key], ex.metrics[key])
            _same(ex.metrics[key], _reference(sc)[key])
        # a new explorer (nothing loaded) writes its expansion too
        fresh = EconomicsExplorer(threaded=False, expansion=expansion)
        assert fresh.scenario().economics.expansion == expansion
        fresh.close()
    finally:
        ex.close()
        if again is not None:
            again.close()
