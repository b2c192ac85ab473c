"""The B2B deal explorer: buying committee, champion, saboteur, Beckhard's rule, adoption."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from funnelsim import charts
from funnelsim.stats import step_table
from funnelsim.widgets._base import Explorer, Outcome, replace_section, require_section
from funnelsim.widgets.specs import (
    B2B_BECKHARD,
    B2B_COMMITTEE,
    B2B_DEAL,
    B2B_METRICS,
    B2B_STEPS,
    Control,
    Metric,
)

__all__ = ["B2BExplorer", "accounts_table"]

_MEMBERS = ("decision_maker", "economic_buyer", "influencer", "user")
_PRESENCE = ("champion", "saboteur", *_MEMBERS)
_BECKHARD = ("dissatisfaction", "vision", "first_steps", "cost")
#: After the purchase: do the end users take the product up? 1 = every won account is
#: used (the explorer's behaviour before adoption existed).
B2B_ADOPTION = (
    Control(
        "adoption", "Adoption (won → in daily use)", 0.0, 1.0, 0.01, 1.0, readout=".0%",
        help="Won accounts whose users take the product into daily work when the users "
        "had no say; users for it raise this, users against it lower it.",
    ),
)  # fmt: skip

#: The deal's headline numbers, then what survives the purchase.
METRICS = (
    *B2B_METRICS,
    Metric("kept", "Accounts kept (won and in use)", "{:,.0f}"),
    Metric("abandoned", "Won but abandoned", "{:,.0f}", "Deals won whose users dropped it."),
)

#: Steepness of the smooth Beckhard rule (that of :func:`funnelsim.b2b.beckhard_probability`).
_STEEPNESS = 2.0


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


def _buy_rate(values: Mapping[str, Any]) -> float:
    """The Buy step's base rate from Beckhard's rule, P = r² / (1 + r²), r = A·B·D / X."""
    from funnelsim.b2b import beckhard_probability

    return float(beckhard_probability(*(values[k] for k in _BECKHARD), steepness=_STEEPNESS))


class B2BExplorer(Explorer):
    """A B2B deal: who sits on the buying committee, and does A·B·D beat X?

    Each account has its own committee (decision maker, economic buyer,
    influencer, users, maybe a champion or a saboteur), which moves its step
    rates (:func:`funnelsim.b2b.simulate_accounts`). The Buy step's base rate
    comes from Beckhard's rule, ``P = r² / (1 + r²)`` with ``r = A·B·D / X``
    (:func:`funnelsim.b2b.beckhard_probability`). After the purchase the end
    users adopt the product or abandon it (``adoption``, moved by the users'
    and the champion's stance). Left: the accounts' funnel, Adoption last;
    right: each member's effect on the win rate. The adoption slider is not
    part of a scenario file (its ``[b2b]`` section has no such key).

    Loading a scenario takes its ``[b2b]`` section (committee presences,
    accounts), the Learn and Try rates, the seed, the deal size (12 × the
    ``[economics]`` ARPU) and its Buy rate, shown as the cost of change X that
    gives that rate with the current A, B and D.
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

    # -- scenario files ---------------------------------------------------------------------
    def _values_from(self, sc: Any) -> dict[str, Any]:
        deal = require_section(sc, "b2b")
        values: dict[str, Any] = {k: getattr(deal, k) for k in _PRESENCE}
        values["learn"] = sc.funnel["Learn"].rate
        values["try_"] = sc.funnel["Try"].rate
        buy = deal.buy_rate if deal.buy_rate is not None else sc.funnel["Buy"].rate
        if not 0.0 < buy < 1.0:
            raise ValueError(
                f"Beckhard's rule gives a Buy rate strictly between 0 and 1, got {buy!r}"
            )
        v = self.values
        odds = (buy / (1.0 - buy)) ** (1.0 / _STEEPNESS)
        values["cost"] = v["dissatisfaction"] * v["vision"] * v["first_steps"] / odds
        values["accounts"] = sc.buyers if deal.accounts is None else deal.accounts
        if sc.economics is not None:
            values["deal_size"] = 12.0 * sc.economics.arpu
        if sc.seed is not None:
            values["seed"] = sc.seed
        return values

    def _new_scenario(self, values: Mapping[str, Any]) -> Any:
        from funnelsim.model import trigger_learn_try_buy
        from funnelsim.scenarios import B2BSettings, Scenario

        funnel = trigger_learn_try_buy(
            learn=values["learn"], try_=values["try_"], buy=_buy_rate(values)
        )
        deal = B2BSettings(accounts=values["accounts"], **{k: values[k] for k in _PRESENCE})
        return Scenario(funnel=funnel, name="B2B deal scenario", seed=values["seed"], b2b=deal)

    def _scenario_with(self, sc: Any, changed: Mapping[str, Any], values: Mapping[str, Any]) -> Any:
        deal = {k: changed[k] for k in (*_PRESENCE, "accounts") if k in changed}
        rates = {k: changed[k] for k in ("learn", "try_") if k in changed}
        if set(_BECKHARD) & set(changed):
            if sc.b2b.buy_rate is not None:
                deal["buy_rate"] = _buy_rate(values)
            else:
                rates["buy"] = _buy_rate(values)
        sc = dataclasses.replace(sc, funnel=sc.funnel.with_rates(rates))
        sc = replace_section(sc, "b2b", **deal)
        if sc.economics is not None and "deal_size" in changed:
            sc = replace_section(sc, "economics", arpu=changed["deal_size"] / 12.0)
        return dataclasses.replace(sc, seed=changed.get("seed", sc.seed))

    def compute(self, values: Mapping[str, Any]) -> Outcome:
        from funnelsim import b2b
        from funnelsim.model import trigger_learn_try_buy

        buy = _buy_rate(values)
        committee = b2b.buying_committee(
            values["champion"], values["saboteur"], **{m: values[m] for m in _MEMBERS}
        )
        funnel = trigger_learn_try_buy(learn=values["learn"], try_=values["try_"], buy=buy)
        result = b2b.simulate_accounts(
            values["accounts"],
            committee=committee,
            funnel=funnel,
            adoption=values["adoption"],
            seed=values["seed"],
        )
        won = result.accounts.loc[result.accounts["won"], "cycle_length"]
        metrics = {
            "buy_rate": buy,
            "win_rate": float(result.win_rate),
            "customers": float(result.accounts["won"].sum()),
            "revenue": float(result.accounts["won"].sum() * values["deal_size"]),
            "cycle": float(won.median()) if len(won) else float("nan"),
            "kept": float(result.accounts["adopted"].sum()),
            "abandoned": float(result.accounts["abandoned"].sum()),
        }
        return Outcome(dict(values), result, metrics)

    def plot(self, outcome: Outcome, a: Outcome | None) -> charts.Plot:
        b = outcome.result
        if a is not None:
            funnels = charts.funnel_chart(
                {"A (frozen)": accounts_table(a.result), "B": accounts_table(b)}, width=240
            )
            committee = charts.committee_chart(b, width=300)
            return charts.Plot.of(
                alt.vconcat(funnels, committee).resolve_scale(color="independent")
            )
        # Fixed titles (the win rate is a headline number): a slider move swaps the data.
        return charts.Plot.hconcat(
            charts.funnel_plot(
                accounts_table(b), title="Accounts through the funnel", confidence=0.95, width=300
            ),
            charts.committee_plot(
                b, title="Who wins the deal: each member's effect on the win rate", width=260
            ),
        )
