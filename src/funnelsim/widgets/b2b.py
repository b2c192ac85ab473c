"""The B2B explorers: the deal (committee, champion, saboteur, Beckhard, adoption) and ABM."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from funnelsim import charts
from funnelsim.stats import step_table
from funnelsim.widgets._base import Explorer, Outcome, section_stream
from funnelsim.widgets.specs import (
    B2B_BECKHARD,
    B2B_COMMITTEE,
    B2B_DEAL,
    B2B_METRICS,
    B2B_STEPS,
    Control,
    Metric,
    Setting,
    beckhard_buy_rate,
)

__all__ = ["AbmExplorer", "B2BExplorer", "accounts_table"]

_MEMBERS = ("decision_maker", "economic_buyer", "influencer", "user")
_PRESENCE = ("champion", "saboteur", *_MEMBERS)
#: After the purchase: do the end users take the product up? 1 = every won account is
#: used (the explorer's behaviour before adoption existed).
B2B_ADOPTION = (
    Control(
        "adoption", "Adoption (won → in daily use)", 0.0, 1.0, 0.01, 1.0, readout=".0%",
        help="Won accounts whose users take the product into daily work when the users "
        "had no say; users for it raise this, users against it lower it.",
        # no adoption step in the file: every won account is kept, the slider's 1
        setting=Setting("b2b.adoption", missing=1.0),
    ),
)  # fmt: skip

#: The deal's headline numbers, then what survives the purchase.
METRICS = (
    *B2B_METRICS,
    Metric("kept", "Accounts kept (won and in use)", "{:,.0f}"),
    Metric("abandoned", "Won but abandoned", "{:,.0f}", "Deals won whose users dropped it."),
)


def accounts_table(result: Any) -> pd.DataFrame:
    """The accounts' funnel table, in the shape :func:`funnelsim.charts.funnel_chart` reads.

    :func:`funnelsim.stats.step_table` of the accounts' depths (exact
    Clopper-Pearson intervals), with the post-purchase row ``Adoption`` when the
    run has one; unlike ``result.table()`` it skips the exact expectations,
    which a slider move does not need.
    """
    from funnelsim.b2b import ADOPTION

    depth = result.accounts["depth"].to_numpy()
    names = list(result.funnel.names)
    reached = (depth[:, None] > np.arange(len(names))[None, :]).sum(axis=0)
    if getattr(result, "adoption", None) is not None:
        names.append(ADOPTION)
        reached = np.append(reached, int(result.accounts["adopted"].sum()))
    return step_table(names, reached, len(depth))


class B2BExplorer(Explorer):
    """A B2B deal: who sits on the buying committee, and does A·B·D beat X?

    Each account has its own committee (decision maker, economic buyer,
    influencer, users, maybe a champion or a saboteur), which moves its step
    rates (:func:`funnelsim.b2b.simulate_accounts`). The Buy step's base rate
    comes from Beckhard's rule, ``P = r² / (1 + r²)`` with ``r = A·B·D / X``
    (:func:`funnelsim.b2b.beckhard_probability`). After the purchase the end
    users adopt the product or abandon it (``adoption``, moved by the users'
    and the champion's stance). Left: the accounts' funnel, Adoption last;
    right: each member's effect on the win rate. Every run is that of
    :meth:`scenario` (``run_b2b`` on the ``[b2b]`` section's random stream), so
    the cards after loading a file are the numbers ``funnelsim simulate``
    prints for it, and a saved file reloads to the same numbers.

    The cards say which number is which: the Buy step's *base* rate from
    Beckhard's rule (before each account's committee moves it), the win rate
    (deals won ÷ accounts), the deals won (the chart's Buy row: accounts that
    bought) and the median sales cycle of the deals won, in the unit of the
    funnel's stage times (a file's ``b2b.time_unit``; weeks, the
    Trigger-Learn-Try-Buy preset's, by default).

    Loading a scenario takes its ``[b2b]`` section (committee presences,
    accounts, adoption, time unit), the Learn and Try rates, the seed, the
    deal size (12 × the ``[economics]`` ARPU) and its Buy rate, shown as the
    cost of change X that gives that rate with the current A, B and D.
    Pass ``scenario=`` (a file or ready-made name) to start from one.
    """

    def __init__(
        self, *, scenario: Any = None, threaded: bool | None = None, **values: Any
    ) -> None:
        super().__init__(
            "B2B deal: the buying committee and Beckhard's rule",
            [
                ("Buying committee (share of accounts)", B2B_COMMITTEE),
                ("Steps before Buy", B2B_STEPS),
                ("Beckhard: A·B·D > X decides Buy", B2B_BECKHARD),
                ("After the purchase", B2B_ADOPTION),
                ("Deals", B2B_DEAL),
            ],
            METRICS,
            values=values,
            threaded=threaded,
            toolbar=self._scenario_tools(),
        )
        self._start_with(scenario, values)

    # -- scenario files (each slider's setting: specs.B2B_* and B2B_ADOPTION) ---------------
    _needs = ("b2b",)
    _adopted = (*Explorer._adopted, "_time_unit")
    #: Unit of the funnel's stage times, which the sales cycle card names.
    _time_unit: str = "week"

    def _adopt(self, sc: Any) -> None:
        self._time_unit = sc.b2b.time_unit  # before the period: that renames the cards
        super()._adopt(sc)

    def _use_period(self, period: str) -> None:
        super()._use_period(period)
        self._metric_specs = tuple(
            dataclasses.replace(m, label=f"Median sales cycle ({self._time_unit}s)")
            if m.name == "cycle"
            else m
            for m in self._metric_specs
        )

    def _new_scenario(self, values: Mapping[str, Any]) -> Any:
        from funnelsim.model import trigger_learn_try_buy
        from funnelsim.scenarios import B2BSettings, Scenario

        funnel = trigger_learn_try_buy(
            learn=values["learn"], try_=values["try_"], buy=beckhard_buy_rate(values)
        )
        deal = B2BSettings(
            accounts=values["accounts"],
            adoption=values["adoption"],
            **{k: values[k] for k in _PRESENCE},
        )
        return Scenario(funnel=funnel, name="B2B deal scenario", seed=values["seed"], b2b=deal)

    def compute(self, values: Mapping[str, Any]) -> Outcome:
        """Run :meth:`scenario`'s ``[b2b]`` as :func:`funnelsim.scenarios.run_scenario` does.

        The loaded file's section (its funnel with its times, Buy rate and
        adoption) with the moved sliders written in, or the scenario the
        sliders make, on the section's own random stream: unchanged, exactly
        what ``funnelsim simulate`` reports for the file, and a saved file
        reloads to the same numbers.
        """
        from funnelsim.scenarios.runner import run_b2b

        sc = self._scenario_for(values)
        result = run_b2b(sc.b2b, sc, section_stream(sc, sc.b2b))
        buy = sc.b2b.buy_rate if sc.b2b.buy_rate is not None else float(sc.funnel["Buy"].rate)
        accounts = result.accounts
        won = accounts.loc[accounts["won"], "cycle_length"]
        metrics = {
            "buy_rate": buy,
            "win_rate": float(result.win_rate),
            "customers": float(result.accounts["won"].sum()),
            "revenue": float(result.accounts["won"].sum() * values["deal_size"]),
            "cycle": float(won.median()) if len(won) else float("nan"),
            # a file without an adoption step keeps every won account (as the CLI counts)
            "kept": float(accounts.get("adopted", accounts["won"]).sum()),
            "abandoned": float(accounts["abandoned"].sum()) if "abandoned" in accounts else 0.0,
        }
        return Outcome(dict(values), result, metrics)

    def plot(self, outcome: Outcome, a: Outcome | None) -> charts.Plot:
        b = outcome.result
        if a is not None:
            funnels = charts.funnel_chart(
                {"A (frozen)": accounts_table(a.result), "B": accounts_table(b)},
                width=240,
                unit="accounts (companies)",
            )
            committee = charts.committee_chart(b, width=300)
            return charts.Plot.of(
                alt.vconcat(funnels, committee).resolve_scale(color="independent")
            )
        # Fixed titles (the win rate is a headline number): a slider move swaps the data.
        return charts.Plot.hconcat(
            charts.funnel_plot(
                accounts_table(b),
                title="Accounts through the funnel (Buy: the deals won)",
                confidence=0.95,
                width=300,
                unit="accounts (companies)",
            ),
            charts.committee_plot(
                b, title="Who wins the deal: each member's effect on the win rate", width=260
            ),
        )


# -- the ABM explorer (lesson 11) ----------------------------------------------------------

#: The four ABM steps' levers.
ABM_PIPELINE = (
    Control(
        "companies", "Companies on the list", 200, 20_000, 1, 2_000, integer=True,
        scale="log", readout=",.0f", slow=True,
    ),
    Control("fit_rate", "Filter: share that fits", 0.05, 1.0, 0.01, 0.3, readout=".0%"),
    Control(
        "capacity", "Companies researched (capacity)", 5, 500, 5, 100, integer=True,
        readout=",.0f", help="Companies the team can research and warm up.",
    ),
    Control("response_rate", "Research: share responding", 0.0, 1.0, 0.01, 0.4, readout=".0%"),
)  # fmt: skip

#: How much the BANT score says about winning, and how much deals differ.
ABM_SCORE = (
    Control(
        "strength", "How much BANT predicts a win", 0.0, 3.0, 0.1, 1.0, readout=".1f",
        help="0: the score says nothing; 1: the odds of winning grow with the product.",
    ),
    Control(
        "deal_sigma", "Spread of deal sizes", 0.0, 2.0, 0.1, 1.0, readout=".1f",
        help="0: every deal the same size (BANT and expected value then agree).",
    ),
    Control("seed", "Seed", 0, 9_999, 1, 2026, integer=True, readout="d"),
)  # fmt: skip

ABM_METRICS = (
    Metric("wins_bant", "Expected wins, BANT order", "{:.1f}"),
    Metric("wins_random", "Expected wins, random order", "{:.1f}"),
    Metric("lift", "BANT ÷ random", "{:.2f}×", "How many times the wins of a random choice."),
    Metric(
        "revenue_gain", "Revenue: expected value ÷ BANT order", "{:.2f}×",
        "Expected revenue of the expected-value order over that of the BANT order.",
    ),
)  # fmt: skip


class AbmExplorer(Explorer):
    """Account-based marketing: filter, rank, research, warm up (:func:`funnelsim.simulate_abm`).

    Left: the pipeline in BANT order as a funnel; right: the gain curve, BANT
    order against random order (:func:`funnelsim.charts.bant_gain_chart`). The
    headline numbers compare the expected wins of the BANT and random orders
    and the expected revenue of the expected-value and BANT orders, on the
    same companies. Deals average 1 (revenue in units of the mean deal).
    """

    def __init__(self, *, threaded: bool | None = None, **values: Any) -> None:
        super().__init__(
            "ABM: which companies to research",
            [("The four steps", ABM_PIPELINE), ("Score and deals", ABM_SCORE)],
            ABM_METRICS,
            values=values,
            threaded=threaded,
        )

    def compute(self, values: Mapping[str, Any]) -> Outcome:
        from funnelsim import b2b

        abm = b2b.simulate_abm(
            values["companies"],
            fit_rate=values["fit_rate"],
            capacity=values["capacity"],
            response_rate=values["response_rate"],
            strength=values["strength"],
            deal_sigma=values["deal_sigma"],
            seed=values["seed"],
        )
        s = abm.summary().set_index("ranking")
        wins = s["expected_wins"].to_dict()
        revenue = s["expected_revenue"].to_dict()
        metrics = {
            "wins_bant": wins["bant"],
            "wins_random": wins["random"],
            "lift": wins["bant"] / wins["random"] if wins["random"] > 0 else float("nan"),
            "revenue_gain": revenue["expected_value"] / revenue["bant"]
            if revenue["bant"] > 0
            else float("nan"),
        }
        return Outcome(dict(values), abm, metrics)

    def plot(self, outcome: Outcome, a: Outcome | None) -> charts.Plot:
        abm = outcome.result
        funnel = charts.funnel_chart(
            abm.table(), title="The pipeline in BANT order", width=280, unit="companies"
        )
        gain = charts.bant_gain_chart(abm.pipeline(), width=300, height=260)
        if a is not None:
            frozen = charts.funnel_chart(
                a.result.table(), title="A (frozen)", width=280, unit="companies"
            )
            return charts.Plot.of(alt.vconcat(alt.hconcat(frozen, funnel), gain))
        return charts.Plot.of(alt.hconcat(funnel, gain).resolve_scale(color="independent"))
