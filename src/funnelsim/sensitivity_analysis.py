"""Which stage to fix first: the bottleneck and one-at-a-time sensitivity of any funnel.

These questions apply to every funnel — an AAARRR growth funnel, a
Trigger-Learn-Try-Buy deal, an extended list built with ``Funnel.from_rates`` —
with or without a nurture track (:class:`funnelsim.pipeline.Nurture`).

:func:`bottleneck` ranks the steps by conversion rate: after Goldratt (*The
Goal*, 1984; the theory of constraints), the weakest step is the constraint of
the whole flow, and one extra percentage point there adds the most customers
(the gain from +δ on step *k* is ``buyers * reach[-1] * δ / rate[k]``);
``by="lost"`` ranks them by the leads lost instead, the largest absolute leak.
:func:`sensitivity` moves each step's rate by ±δ, one at a time, and reports
the effect on an outcome (customers, revenue, LTV:CAC or any function of the
funnel) as a tornado-ready frame — the one-at-a-time (OAT) design of Saltelli
et al., *Global Sensitivity Analysis: The Primer* (2008), ch. 1;
:func:`fix_first` answers "which stage first?" in one call.

The module is named ``sensitivity_analysis`` rather than ``sensitivity``: a
submodule named like the public function ``funnelsim.sensitivity`` would
replace that function on the package as soon as the submodule is imported
(Python binds a submodule as an attribute of its parent package).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from funnelsim import economics
from funnelsim._random import as_generator
from funnelsim._validation import check_choice, check_int, check_real
from funnelsim.engine import simulate
from funnelsim.model import Funnel, check_funnel
from funnelsim.pipeline import Nurture, expected_pipeline, simulate_pipeline

__all__ = ["bottleneck", "fix_first", "sensitivity"]


def _others_product(rates: np.ndarray) -> np.ndarray:
    """Product of all step rates except step k, for each k (no division, so rate 0 is fine)."""
    k = len(rates)
    return np.array([np.prod(np.delete(rates, i)) for i in range(k)])


def bottleneck(
    funnel: Funnel,
    buyers: int = 1000,
    *,
    delta: float = 0.01,
    by: Literal["rate", "lost"] = "rate",
) -> pd.DataFrame:
    """Rank the steps of ``funnel`` from the tightest constraint to the loosest.

    Parameters
    ----------
    funnel : Funnel
        At least two stages.
    buyers : int
        Buyers entering the first stage (scales the expected counts).
    delta : float
        Absolute change of a step rate used for ``gain_per_delta`` (0.01: one
        percentage point), in (0, 1].
    by : {"rate", "lost"}
        What makes a step the bottleneck. ``"rate"`` (default): the lowest step
        conversion, Goldratt's constraint — one more percentage point there
        adds the most customers. ``"lost"``: the most buyers lost at the step,
        the largest absolute leak (often an early, wide step).

    Returns
    -------
    DataFrame
        One row per step (every stage but the first), the bottleneck first
        (``rate`` ascending, or ``lost`` descending): ``stage, rate,
        entering`` (expected buyers arriving at the step), ``lost`` (expected
        buyers lost at it), ``lost_share`` (1 - rate), ``gain_per_delta``
        (expected extra customers at the last stage if this step's rate rose by
        ``delta``, capped at a rate of 1; largest for the lowest rate) and
        ``bottleneck`` (True on the first row). Ties keep funnel order.
    """
    funnel = check_funnel(funnel)
    n = check_int("buyers", buyers, low=0)
    d = check_real("delta", delta, low=0.0, high=1.0, low_open=True)
    order = check_choice("by", by, ("rate", "lost"))
    if len(funnel) < 2:
        raise ValueError(f"bottleneck needs a funnel with at least 2 stages, got {len(funnel)}")
    rates = funnel.rates
    reach = funnel.reach
    entering = n * reach[:-1]
    others = _others_product(rates[1:])
    frame = pd.DataFrame(
        {
            "stage": list(funnel.names[1:]),
            "rate": rates[1:],
            "entering": entering,
            "lost": entering * (1 - rates[1:]),
            "lost_share": 1 - rates[1:],
            "gain_per_delta": n * others * np.minimum(d, 1 - rates[1:]),
        }
    )
    frame = frame.sort_values(order, ascending=order == "rate", kind="stable", ignore_index=True)
    frame["bottleneck"] = np.arange(len(frame)) == 0
    return frame


Outcome = Literal["customers", "conversion", "revenue", "ltv_cac"]
#: How each outcome reads on a chart axis.
_OUTCOME_LABELS = {
    "customers": "customers won",
    "conversion": "conversion to the last stage",
    "revenue": "revenue",
    "ltv_cac": "LTV:CAC",
}
_OUTCOMES = ("customers", "conversion", "revenue", "ltv_cac")


def sensitivity(
    funnel: Funnel,
    *,
    delta: float = 0.05,
    outcome: Outcome | Callable[[Funnel], float] = "customers",
    buyers: int = 1000,
    value: float = 1.0,
    cost_per_lead: float = 1.0,
    nurture: Nurture | None = None,
    relative: bool = False,
    stages: Sequence[str] | None = None,
    method: Literal["exact", "simulate"] = "exact",
    replications: int = 200,
    seed: Any = None,
) -> pd.DataFrame:
    """One-at-a-time sensitivity of an outcome to each step's rate: a tornado frame.

    Each step's rate is moved down and up by ``delta`` while every other rate
    stays at its base value, and the outcome is recomputed.

    Parameters
    ----------
    funnel : Funnel
    delta : float
        Change of each rate: absolute (percentage points as a fraction, 0.05 =
        5 points) or, with ``relative=True``, a fraction of the rate
        (0.1 = ±10 %). A moved rate that would leave [0, 1] is **clipped** to
        the bound, and the ``note`` column records it (e.g. "high clipped to
        1"): the frame always shows the rates actually used. Clipping rather
        than refusing keeps one δ usable on a funnel with a step near 0 or 1.
    outcome : {"customers", "conversion", "revenue", "ltv_cac"} or callable
        ``"customers"``: expected buyers won, ``buyers * P(win)``;
        ``"conversion"``: P(win); ``"revenue"``: customers × ``value``;
        ``"ltv_cac"``: LTV:CAC with LTV = ``value`` per customer and CAC =
        ``cost_per_lead * buyers / customers``. P(win) is the funnel's last
        reach probability, or with ``nurture`` the exact win probability of
        :func:`~funnelsim.pipeline.expected_pipeline`. A callable receives the changed
        :class:`Funnel` and returns a number (exact method only; it
        cannot be combined with ``nurture``, which it would not see).
    buyers : int
        Leads entering the first stage.
    value : float
        Revenue (or lifetime value) per customer, for "revenue" and "ltv_cac".
    cost_per_lead : float
        Acquisition cost per entering lead, > 0, for "ltv_cac".
    nurture : Nurture, optional
        Include a nurture track in the outcome.
    relative : bool
        Interpret ``delta`` as a relative change.
    stages : sequence of str, optional
        Steps to vary; default every stage but the first (whose rate is 1).
    method : {"exact", "simulate"}
        Closed forms (noise-free, the default) or Monte Carlo: ``replications``
        runs of :func:`funnelsim.simulate` (counts mode) or
        :func:`~funnelsim.pipeline.simulate_pipeline` (with ``nurture``), every variant with the
        same ``seed`` so that the differences share their random numbers.
    replications : int
        Monte Carlo runs per variant (``method="simulate"``), >= 1.
    seed : int, numpy.random.Generator, SeedSequence or None
        ``method="simulate"`` only. An int is the seed every variant restarts
        from; a Generator or SeedSequence (or None: fresh entropy) first gives
        one int seed, which every variant then shares.

    Returns
    -------
    DataFrame
        One row per varied step, sorted by ``swing`` descending (ties, up to
        float rounding of 1e-9 of the largest swing, in funnel order):
        ``stage, rate, low, high, base, outcome_low, outcome_high,
        effect_low, effect_high, swing, note``. ``effect_*`` = outcome − base;
        ``swing`` = ``abs(effect_high - effect_low)``. With
        ``method="simulate"``, ``frame.attrs["seed"]`` holds the seed the
        variants shared. ``frame.attrs["outcome"]`` names the outcome for
        chart axes, e.g. "customers won (expected)".

    Examples
    --------
    >>> import funnelsim as fs
    >>> tornado = fs.sensitivity(fs.trigger_learn_try_buy(), delta=0.05)
    >>> tornado["stage"].iloc[0]   # the lowest rate moves customers most
    'Buy'
    """
    funnel = check_funnel(funnel)
    if len(funnel) < 2:
        raise ValueError(f"sensitivity needs a funnel with at least 2 stages, got {len(funnel)}")
    if not isinstance(relative, bool | np.bool_):
        raise TypeError(f"relative must be True or False, got {relative!r}")
    d = check_real("delta", delta, low=0.0, low_open=True, high=None if relative else 1.0)
    n = check_int("buyers", buyers, low=1)
    val = check_real("value", value)
    cpl = check_real("cost_per_lead", cost_per_lead, low=0.0, low_open=True)
    if nurture is not None and not isinstance(nurture, Nurture):
        raise TypeError(f"nurture must be a Nurture or None, got {type(nurture).__name__}")
    nurture_ = nurture
    how = check_choice("method", method, ("exact", "simulate"))
    if callable(outcome):
        if how != "exact":
            raise ValueError(
                "a callable outcome needs method='exact' (it receives a Funnel, not counts)"
            )
        if nurture_ is not None:
            raise ValueError(
                f"nurture={nurture_!r} is not used by a callable outcome, which only "
                "receives the Funnel; compute the nurtured outcome inside the callable"
            )
        metric: Callable[[Funnel], float] = outcome
    else:
        kind = check_choice("outcome", outcome, _OUTCOMES)
        if kind == "ltv_cac" and val < 0:
            raise ValueError(
                f"value (the LTV per customer) must be >= 0 for 'ltv_cac', got {value!r}"
            )
        reps = check_int("replications", replications, low=1)
        if how == "simulate":
            seed = _shared_seed(seed)

        def win_probability(f: Funnel) -> float:
            if how == "exact":
                if nurture_ is None:
                    return float(f.reach[-1])
                return float(expected_pipeline(f, 1, nurture_)["probability"].iloc[0])
            if nurture_ is None:
                res = simulate(f, n, seed=seed, mode="counts", replications=reps)
                return int(res.counts[:, -1].sum()) / (n * reps)
            return simulate_pipeline(f, n * reps, seed=seed, nurture=nurture_).win_rate

        def metric(f: Funnel) -> float:
            w = win_probability(f)
            if kind == "conversion":
                return w
            if kind == "customers":
                return n * w
            if kind == "revenue":
                return n * w * val
            if w == 0:  # no customers: the spend buys no lifetime value
                return 0.0
            # LTV:CAC by the package's economics functions (CAC = spend / customers)
            return float(economics.ltv_to_cac(val, economics.cac(cpl * n, n * w)))

    if stages is None:
        names = list(funnel.names[1:])
    else:
        if isinstance(stages, str) or not isinstance(stages, Sequence):
            raise TypeError(f"stages must be a sequence of stage names, got {stages!r}")
        names = [funnel.stages[funnel.index(s)].name for s in stages]
        if not names:
            raise ValueError(
                f"stages must name at least one stage to vary, got {stages!r}; stages of "
                f"{funnel.name!r} after the first are {list(funnel.names[1:])}"
            )
        if funnel.names[0] in names:
            raise ValueError(
                f"the first stage {funnel.names[0]!r} has rate 1 by definition and cannot be varied"
            )
    base = _number(metric(funnel), "outcome")
    rows = []
    for name in names:
        rate = funnel[name].rate
        step = rate * d if relative else d
        low_raw, high_raw = rate - step, rate + step
        low, high = max(low_raw, 0.0), min(high_raw, 1.0)
        notes = []
        if low != low_raw:
            notes.append("low clipped to 0")
        if high != high_raw:
            notes.append("high clipped to 1")
        out_low = _number(metric(funnel.with_rates({name: low})), "outcome")
        out_high = _number(metric(funnel.with_rates({name: high})), "outcome")
        rows.append(
            {
                "stage": name,
                "rate": rate,
                "low": low,
                "high": high,
                "base": base,
                "outcome_low": out_low,
                "outcome_high": out_high,
                "effect_low": out_low - base,
                "effect_high": out_high - base,
                "swing": abs(out_high - out_low),
                "note": "; ".join(notes),
            }
        )
    frame = pd.DataFrame(rows)
    order = np.argsort(-_tie_key(frame["swing"].to_numpy()), kind="stable")
    frame = frame.iloc[order].reset_index(drop=True)
    label = _OUTCOME_LABELS[outcome] if isinstance(outcome, str) else "outcome"
    frame.attrs["outcome"] = f"{label} ({'expected' if how == 'exact' else 'simulated'})"
    if how == "simulate":
        frame.attrs["seed"] = seed  # the seed every variant shared, to repeat the run
    return frame


def _number(x: Any, name: str) -> float:
    return check_real(f"{name} value", x, allow_inf=False)


def _shared_seed(seed: Any) -> int:
    """The one int seed every simulated variant restarts from (common random numbers).

    An int is kept (after validation); anything else (None, a Generator, a
    SeedSequence) is turned into a Generator that draws the int. Passing a
    Generator to every variant instead would give each a different stream.
    """
    rng = as_generator(seed)
    if isinstance(seed, numbers.Integral):
        return int(seed)
    return int(rng.integers(2**63))


def _tie_key(x: np.ndarray) -> np.ndarray:
    """``x`` relative to its largest magnitude, rounded to 1e-9: float-noise ties become ties."""
    scale = float(np.max(np.abs(x))) if x.size else 0.0
    return np.round(x / scale, 9) if scale > 0 else np.zeros(x.shape)


def fix_first(funnel: Funnel, **kwargs: Any) -> str:
    """The stage whose improvement by δ raises the outcome most: "fix this one first".

    Parameters
    ----------
    funnel : Funnel
        At least two stages.
    **kwargs
        Keyword arguments of :func:`sensitivity` (``delta``, ``outcome``,
        ``nurture``, ``relative``, ``method``, ...).

    Returns
    -------
    str
        The stage with the largest ``effect_high``. Effects equal up to float
        rounding (1e-9 of the largest) are ties, won by the earliest stage —
        e.g. every stage with ``relative=True`` on the customers outcome.

    Examples
    --------
    >>> import funnelsim as fs
    >>> fs.fix_first(fs.aaarrr(referral=0.9))
    'Acquisition'
    """
    frame = sensitivity(funnel, **kwargs)
    position = frame["stage"].map(funnel.index).to_numpy()
    best = np.lexsort((position, -_tie_key(frame["effect_high"].to_numpy())))[0]
    return str(frame["stage"].iloc[best])
