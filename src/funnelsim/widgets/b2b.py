"""The B2B deal explorer: buying committee, champion, saboteur and Beckhard's rule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from funnelsim import charts
from funnelsim.stats import proportion_ci
from funnelsim.widgets._base import Explorer, Outcome
from funnelsim.widgets.specs import B2B_BECKHARD, B2B_COMMITTEE, B2B_DEAL, B2B_METRICS, B2B_STEPS

__all__ = ["B2BExplorer", "accounts_table"]

_MEMBERS = ("decision_maker", "economic_buyer", "influencer", "user")


def accounts_table(result: Any) -> pd.DataFrame:
    """The accounts' funnel table, in the shape :func:`funnelsim.charts.funnel_chart` reads.

    Columns ``stage, reached, step_conversion, ci_low, ci_high, drop_off``
    from the accounts' depths (exact Clopper-Pearson intervals).
    """
    depth = result.accounts["depth"].to_numpy()
    names = list(result.funnel.names)
    reached = np.array([(depth >= k + 1).sum() for k in range(len(names))], dtype=np.int64)
    prev = np.concatenate([[len(depth)], reached[:-1]])
    low, high = proportion_ci(reached, prev)
    with np.errstate(invalid="ignore", divide="ignore"):
        step = np.where(prev > 0, reached / np.maximum(prev, 1), np.nan)
    return pd.DataFrame(
        {
            "stage": pd.Categorical(names, categories=names, ordered=True),
            "reached": reached,
            "step_conversion": step,
            "ci_low": low,
            "ci_high": high,
            "drop_off": prev - reached,
        }
    )


class B2BExplorer(Explorer):
    """A B2B deal: who sits on the buying committee, and does A·B·D beat X?

    Each account has its own committee (decision maker, economic buyer,
    influencer, users, maybe a champion or a saboteur), which moves its step
    rates (:func:`funnelsim.b2b.simulate_accounts`). The Buy step's base rate
    comes from Beckhard's rule, ``P = r² / (1 + r²)`` with ``r = A·B·D / X``
    (:func:`funnelsim.b2b.beckhard_probability`). Left: the accounts' funnel;
    right: each member's effect on the win rate.
    """

    def __init__(self, *, threaded: bool | None = None, **values: Any) -> None:
        super().__init__(
            "B2B deal: the buying committee and Beckhard's rule",
            [
                ("Buying committee (share of accounts)", B2B_COMMITTEE),
                ("Steps before Buy", B2B_STEPS),
                ("Beckhard: A·B·D > X decides Buy", B2B_BECKHARD),
                ("Deals", B2B_DEAL),
            ],
            B2B_METRICS,
            values=values,
            threaded=threaded,
        )

    def compute(self, values: Mapping[str, Any]) -> Outcome:
        from funnelsim import b2b
        from funnelsim.model import trigger_learn_try_buy

        buy = float(
            b2b.beckhard_probability(
                values["dissatisfaction"], values["vision"], values["first_steps"], values["cost"]
            )
        )
        committee = b2b.buying_committee(
            values["champion"], values["saboteur"], **{m: values[m] for m in _MEMBERS}
        )
        funnel = trigger_learn_try_buy(learn=values["learn"], try_=values["try_"], buy=buy)
        result = b2b.simulate_accounts(
            values["accounts"], committee=committee, funnel=funnel, seed=values["seed"]
        )
        won = result.accounts.loc[result.accounts["won"], "cycle_length"]
        metrics = {
            "buy_rate": buy,
            "win_rate": float(result.win_rate),
            "customers": float(result.accounts["won"].sum()),
            "revenue": float(result.accounts["won"].sum() * values["deal_size"]),
            "cycle": float(won.median()) if len(won) else float("nan"),
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
        funnel = charts.funnel_chart(
            accounts_table(b), title="Accounts through the funnel", width=300
        )
        return charts.Plot.of(
            alt.hconcat(funnel, charts.committee_chart(b, width=260), spacing=30).resolve_scale(
                color="independent"
            )
        )
