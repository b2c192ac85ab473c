"""The retention explorer: heterogeneous churn, cohort tables and the sBG fit."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import altair as alt

from funnelsim import charts
from funnelsim.widgets._base import Explorer, Outcome, section_stream
from funnelsim.widgets.specs import RETENTION_CONTROLS, RETENTION_METRICS, clean
from funnelsim.widgets.specs import polarization as _polarization

__all__ = ["RetentionExplorer"]


class RetentionExplorer(Explorer):
    """Simulate cohorts with heterogeneous churn, fit the sBG model, read the LTV.

    Mean churn and polarization set the Beta distribution of customers' churn
    probabilities (:meth:`funnelsim.retention.ChurnModel.sbg_mean`); cohorts of
    customers are simulated, the shifted-beta-geometric model is fitted back to
    the table, and its projection is drawn over the observed curves next to the
    cohort heatmap. With polarization near 0 the curve is geometric; raise it
    and the survivors become ever more loyal, so retention *rises* with time.

    The LTV card is :func:`funnelsim.economics.unit_economics` under the churn
    model of the sliders (polarization 0: geometric) with the loaded
    scenario's ``[economics]`` discount, expansion and horizon (none
    otherwise): with the sliders at the file's values, the LTV
    ``load_scenario(file).unit_economics()`` gives, the one every view of the
    scenario shows. A file whose ``[economics]`` has a churn of its own prices
    its customers with that churn: the LTV card then uses it and says so. The
    fitted α and β are estimates from the simulated cohorts (they scatter
    around the true model's, which the cards note for a loaded sBG file), and
    "first cohort active" is the share of the first cohort still active after
    the last period, the ``retention_survival`` of ``funnelsim simulate``. With
    a loaded file the cohorts draw from the file's ``[retention]`` random
    stream and its cohort size is the customers the file's funnel run counts
    at ``cohort_stage``, so unchanged sliders show the numbers of
    ``load_scenario(file).run()``.

    Loading a scenario takes its ``[retention]`` section (mean churn and
    polarization, also from alpha and beta; a geometric model shows as
    polarization 0), cohorts, periods, cohort size (default: the buyers
    expected at its ``cohort_stage``), the seed, and ARPU and margin from
    ``[economics]`` if present. The labels and cards then name the file's
    ``period`` ("Mean churn per week"); without a file they say "period".
    Pass ``scenario=`` (a file or ready-made name) to start from one.
    """

    def __init__(
        self, *, scenario: Any = None, threaded: bool | None = None, **values: Any
    ) -> None:
        super().__init__(
            "Retention explorer: cohorts and the sBG model",
            [("Churn and cohorts", RETENTION_CONTROLS)],
            RETENTION_METRICS,
            values=values,
            threaded=threaded,
            toolbar=self._scenario_tools(),
        )
        self._start_with(scenario, values)

    # -- scenario files (each slider's setting: specs.RETENTION_CONTROLS) -------------------
    _needs = ("retention",)
    _adopted = (*Explorer._adopted, "_file_model", "_own_churn")
    #: The specs' labels speak of abstract periods; a loaded file names its own.
    _period = _label_unit = "period"
    #: The loaded ``[retention]`` churn model (None before a load).
    _file_model: Any = None
    #: The loaded ``[economics]`` has a churn of its own: its LTV does not follow the sliders.
    _own_churn: bool = False

    def _adopt(self, sc: Any) -> None:
        super()._adopt(sc)
        self._file_model = sc.retention.model
        self._own_churn = sc.economics is not None and sc.economics.churn is not None

    def _new_scenario(self, values: Mapping[str, Any]) -> Any:
        from funnelsim.scenarios import EconomicsSettings, RetentionSettings, Scenario

        retention = RetentionSettings(
            churn=values["churn"],
            polarization=values["polarization"] or None,  # 0: geometric
            periods=values["periods"],
            cohorts=values["cohorts"],
            cohort_size=values["cohort_size"],
        )
        economics = EconomicsSettings(arpu=values["arpu"], margin=values["margin"])
        return Scenario(
            name="retention scenario", seed=values["seed"], retention=retention, economics=economics
        )

    def model(self, values: Mapping[str, Any] | None = None) -> Any:
        """The churn model of ``values`` (default: the sliders'): geometric at polarization 0.

        The loaded scenario's own model while its sliders have not moved.
        """
        from funnelsim.retention import ChurnModel

        v = self.values if values is None else values
        loaded = self._file_model
        if (
            loaded is not None
            and v["churn"] == clean(loaded.mean_churn)
            and v["polarization"] == clean(_polarization(loaded))
        ):
            return loaded
        if v["polarization"] == 0:
            return ChurnModel.geometric(v["churn"])
        return ChurnModel.sbg_mean(v["churn"], v["polarization"])

    def compute(self, values: Mapping[str, Any]) -> Outcome:
        import warnings

        from funnelsim.economics import unit_economics
        from funnelsim.retention import fit_sbg, simulate_cohorts

        model = self.model(values)
        # the [retention] stream of the file (loaded, or the one saving would write), as
        # Scenario.run() draws: the numbers shown are those of the saved file's run
        sc = self._scenario_for(values)
        sim = simulate_cohorts(
            model,
            [values["cohort_size"]] * values["cohorts"],
            values["periods"],
            seed=section_stream(sc, sc.retention),
        )
        with warnings.catch_warnings():
            # e.g. "no measurable heterogeneity" for geometric churn: the fit is
            # shown as it is, the LTV card does not depend on it.
            warnings.simplefilter("ignore")
            fit = fit_sbg(sim.table)
        # The first cohort's survival at its last period: the CLI's retention_survival (the
        # triangle's other cohorts are observed for fewer periods).
        first = sim.long[sim.long["cohort"] == sim.long["cohort"].iloc[0]]
        # the scenario's unit economics (its discount, expansion, horizon and period)
        e = self._economics
        ue = unit_economics(
            values["arpu"], values["margin"],
            e.churn if self._own_churn else model,  # a file's [economics] churn prices customers
            discount=0.0 if e is None else e.discount,
            expansion=0.0 if e is None else e.expansion,
            horizon=None if e is None else e.horizon,
            period=self._period,
        )  # fmt: skip
        metrics = {
            "alpha": fit.alpha,
            "beta": fit.beta,
            "retained": float(first["survival"].iloc[-1]),
            "lifetime": model.expected_lifetime,  # of the sliders' churn model, undiscounted
            "ltv": ue.ltv,
        }
        notes = {"ltv": "churn from [economics]"} if self._own_churn else {}
        true = self._file_model
        if true is not None and true.kind == "sbg" and model is true:  # the file's own model
            notes["alpha"] = f"file's model: α {true.alpha:.2f}"
            notes["beta"] = f"file's model: β {true.beta:.2f}"
        return Outcome(dict(values), (sim, fit), metrics, ue, notes)

    def plot(self, outcome: Outcome, a: Outcome | None) -> charts.Plot:
        sim, fit = outcome.result
        horizon = math.ceil(sim.long["period"].max() * 1.5)
        if a is None:  # one data set: a slider move swaps the data into the compiled chart
            return charts.retention_panel_plot(sim, fit=fit, periods=horizon, width=380, cell=22)
        a_sim, a_fit = a.result
        frozen = charts.retention_curves(
            a_sim, fit=a_fit, periods=horizon, width=380, title="A (frozen)"
        )
        curves = charts.retention_curves(sim, fit=fit, periods=horizon, width=380, title="B")
        return charts.Plot.of(alt.hconcat(frozen, curves))
