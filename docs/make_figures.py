"""Regenerate the README's pictures: ``make figures`` (or run this file).

Every picture is a funnelsim chart exported offline by vl-convert
(``funnelsim.charts.save``) from a fixed seed, so re-running gives the same
images. ``dashboard.png`` is different: it is the screenshot the browser test
takes of the Voila dashboard in Chromium (``test-output/browser/voila-after.png``),
copied here when present.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import funnelsim as fs
from funnelsim import charts

OUT = Path(__file__).parent / "figures"


def main() -> None:
    OUT.mkdir(exist_ok=True)
    funnel = fs.aaarrr()
    result = fs.simulate(funnel, 10_000, seed=2026)
    chart = charts.funnel_chart(result, title="AAARRR: where 10,000 buyers go")
    charts.save(chart, OUT / "funnel.png")

    growth = fs.simulate_growth(
        36,
        funnel=funnel,
        new_leads=40_000,
        invites_per_user=0.5,
        invite_conversion=0.3,
        market_size=5_000_000,
        seed=2026,
    )
    chart = charts.growth_chart(growth, title="Active customers, paid vs referral")
    charts.save(chart, OUT / "growth.png")

    tltb = fs.trigger_learn_try_buy()
    tornado = fs.sensitivity(tltb, delta=0.05, outcome="customers", buyers=1_000)
    chart = charts.tornado_chart(tornado, title="Which B2B step to fix first?")
    charts.save(chart, OUT / "tornado.png")

    churn = fs.ChurnModel.sbg(alpha=1.2, beta=5.0)
    cohorts = fs.simulate_cohorts(churn, [2_000] * 8, 12, seed=2026)
    charts.save(charts.retention_curves(cohorts.table), OUT / "retention.png")

    shot = Path(__file__).parents[1] / "test-output" / "browser" / "voila-after.png"
    if shot.exists():
        shutil.copyfile(shot, OUT / "dashboard.png")
    for path in sorted(OUT.glob("*.png")):
        print(path.relative_to(OUT.parent.parent))


if __name__ == "__main__":
    main()
