"""The growth explorer and the instructor dashboard: every lever, four panels."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from funnelsim import charts
from funnelsim.engine import simulate
from funnelsim.model import aaarrr
from funnelsim.widgets._base import Explorer, Outcome, section_stream, write_scenario
from funnelsim.widgets.specs import (
    AAARRR_RATES,
    GROWTH_ECONOMICS,
    GROWTH_HORIZON,
    GROWTH_METRICS,
    GROWTH_PAID,
    GROWTH_REFERRAL,
    Control,
)

__all__ = ["Dashboard", "GrowthExplorer", "growth_metrics"]

_GROWTH_KEYS = (
    "budget",
    "cost_per_lead",
    "invites_per_user",
    "invite_conversion",
    "referral_reward",
    "churn",
    "arpu",
    "margin",
    "market_size",
)


def growth_metrics(result: Any) -> dict[str, float]:
    """Headline numbers of a growth run.

    ``customers`` active after the last period, total ``revenue``, the run's
    ``ltv_cac``, the ``referral_share`` of new customers, and the lifetime viral
    coefficient ``k``: invites per period × acceptance × the chance that an
    invitee becomes a customer × the expected lifetime of a referred customer
    (1 / its churn). Replications are averaged.
    """
    periods = result.periods
    last = periods["period"].max()
    economics = result.unit_economics()
    params = result.params
    _, ref_conversion = params.conversion()
    churn = params.referred_churn
    k = (
        params.invites_per_user * params.invite_conversion * ref_conversion / churn
        if churn > 0
        else math.inf
    )
    return {
        "customers": float(periods.loc[periods["period"] == last, "active"].mean()),
        "revenue": float(periods.loc[periods["period"] == last, "cumulative_revenue"].mean()),
        "ltv_cac": float(economics["ltv_to_cac"].mean()),
        "k": float(k),
        "referral_share": float(economics["referral_share"].mean()),
    }


class GrowthExplorer(Explorer):
    """Paid acquisition + referrals → the AAARRR funnel → active customers → revenue.

    Four panels: the paid leads of one period through the funnel, active
    customers by channel (paid vs referral), new customers per period, and
    cumulative revenue against marketing spend. Every lever of
    :func:`funnelsim.growth.simulate_growth` has a slider.

    A loaded file is run whole, as ``funnelsim simulate`` runs it (its
    ``new_leads`` and ``rate_changes`` schedules, ``paid_cac``, replications,
    its own funnel), with the moved sliders written in; sliders the file
    overrides are disabled and the status line says why; labels name the
    file's ``period``. Unchanged, the cards are ``Scenario.run()``'s growth
    numbers.

    Parameters
    ----------
    scenario : str, Path or Scenario, optional
        A scenario file or ready-made name to start from (see :meth:`load`).
    threaded : bool, optional
        Redraw on a worker thread (default: inside a Jupyter kernel only).
    **values
        Starting values by control name (``churn=0.03, invites_per_user=1``).
    """

    _title = "Growth model: paid + referral → funnel → customers → revenue"
    _sections_spec = (
        ("Funnel step rates", AAARRR_RATES),
        ("Paid acquisition", GROWTH_PAID),
        ("Referral loop", GROWTH_REFERRAL),
        ("Retention and money", GROWTH_ECONOMICS),
        ("Horizon, market, seed", GROWTH_HORIZON),
    )

    def __init__(
        self, *, scenario: Any = None, threaded: bool | None = None, **values: Any
    ) -> None:
        super().__init__(
            self._title,
            self._sections_spec,
            GROWTH_METRICS,
            values=values,
            threaded=threaded,
            toolbar=self._scenario_tools(),
        )
        self._start_with(scenario, values)

    # -- scenario files ---------------------------------------------------------------------
    def _values_from(self, sc: Any) -> dict[str, Any]:
        """Each slider's setting (funnel rates, seed, ``[growth]``) of an AAARRR scenario.

        Keys the explorer has no slider for (``new_leads``, ``rate_changes``,
        ``replications``, the ``period``) stay in the scenario: the run uses them
        (see :meth:`compute`) and :meth:`save` writes them back unchanged.
        """
        from funnelsim.model import AAARRR_STAGES

        if sc.funnel.names == AAARRR_STAGES:
            # a setting given as a schedule (e.g. a budget that steps up) has no one
            # value to show: its slider is held (held_by_file) and the run uses the file's
            return {k: v for k, v in super()._values_from(sc).items() if not _scheduled(v)}
        if sc.growth is None:
            raise ValueError(
                "the growth explorer needs an AAARRR funnel or a [growth] section, got "
                f"stages {list(sc.funnel.names)} and no [growth]"
            )
        # another funnel (e.g. a B2B one) with its own [growth]: the run uses the
        # file's funnel; the AAARRR rate sliders are held (see held_by_file)
        rates = {c.name for c in AAARRR_RATES}
        values = {}
        for name, c in self._controls.items():
            if c.setting and name not in rates:
                value = sc.value(c.setting)
                if value is not None and not _scheduled(value):
                    values[name] = value
        return values

    def _new_scenario(self, values: Mapping[str, Any]) -> Any:
        from funnelsim.growth import GrowthParams
        from funnelsim.scenarios import GrowthSettings, Scenario

        funnel = aaarrr(**{c.name: values[c.name] for c in AAARRR_RATES})
        params = GrowthParams(funnel=funnel, **{k: values[k] for k in _GROWTH_KEYS})
        return Scenario(
            funnel=funnel,
            name="growth scenario",
            seed=values["seed"],
            growth=GrowthSettings(values["periods"], 1, params),
        )

    def _scenario_with(self, sc: Any, changed: Mapping[str, Any], values: Mapping[str, Any]) -> Any:
        # A scenario without [growth] gets the whole section the sliders show.
        return super()._scenario_with(sc, values if sc.growth is None else changed, values)

    def _start_from(self, scenario: Any) -> Any:
        # A failed load changes nothing: the held sliders and their note stay the old file's.
        held, notice = self._held, self._notice
        try:
            return super()._start_from(scenario)
        except Exception:
            self._held, self._notice = held, notice
            raise

    def _adopt(self, sc: Any) -> None:
        super()._adopt(sc)
        self._held = held_by_file(sc)
        self._notice = "; ".join(dict.fromkeys(self._held.values()))

    def _apply_scenario(self, sc: Any, values: dict[str, Any]) -> None:
        """Show the file's values, each slider's range widened to hold the file's value.

        (A growth file may well spend $250,000 a period or charge nothing.) The
        sliders the file overrides (:func:`held_by_file`) are disabled, their
        tooltip saying why.
        """
        sections = [
            (heading, tuple(widened(c, values.get(c.name)) for c in group))
            for heading, group in self._sections_spec
        ]
        kept = {k: v for k, v in self.values.items() if k not in self._held}
        with self._batch():
            self._set_sections(sections, {**kept, **values})
            for name, why in self._held.items():
                self._widgets[name].disabled = True
                self._widgets[name].tooltip = why
        self.request()

    #: Sliders the loaded file overrides (name → why), disabled while it is loaded.
    _held: Mapping[str, str] = {}

    def compute(self, values: Mapping[str, Any]) -> Outcome:
        """Run :meth:`scenario`'s ``[growth]`` as :func:`funnelsim.scenarios.run_scenario` does.

        Everything the loaded file sets (``new_leads`` and ``rate_changes``
        schedules, ``paid_cac``, ``replications``, its funnel, ...) is kept and
        the moved sliders are written in; the run draws from the section's own
        random stream, so unchanged sliders show exactly ``Scenario.run().growth``
        and a saved file reloads to the same numbers.
        """
        from funnelsim.scenarios.runner import run_growth

        sc = self._scenario_for(values)
        growth = run_growth(sc.growth, section_stream(sc, sc.growth))
        paid = simulate(sc.funnel, growth.params.paid_leads, seed=sc.seed, mode="counts")
        return Outcome(dict(values), (paid, growth), growth_metrics(growth))

    def plot(self, outcome: Outcome, a: Outcome | None) -> charts.Plot:
        paid, growth = outcome.result
        if a is None:
            # axes in the scenario's period ("month" without a file) and in dollars, as the cards
            return charts.growth_dashboard_plot(growth, paid, period=self._period, currency="$")
        return charts.growth_ab_plot(a.result[1], growth, period=self._period, currency="$")

    def summary(self) -> str:
        v = self.values
        return f"{type(self).__name__}: {v['periods']} periods, seed {v['seed']}"


def widened(c: Control, value: Any) -> Control:
    """Control ``c`` with its range stretched to hold ``value`` (``c`` itself if it does).

    The grid keeps ``c``'s start and at most about 1,000 steps; ``value`` is
    shown exactly (an off-grid slider value). A log slider cannot reach 0 or
    below: :meth:`Control.check` then names the control and the value.
    """
    if value is None or c.min <= value <= c.max:
        return c
    if value > c.max:
        factor = max(1, math.ceil((value - c.min) / c.step / 1000))
        step = c.step * factor
        top = c.min + step * math.ceil((value - c.min) / step)
        default = c.min + step * round((c.default - c.min) / step)
        if c.scale == "log":
            return dataclasses.replace(c, max=float(value))
        return dataclasses.replace(c, max=top, step=step, default=min(default, top))
    if c.scale == "log":
        return dataclasses.replace(c, min=value) if value > 0 else c
    bottom = c.min - c.step * math.ceil((c.min - value) / c.step)
    return dataclasses.replace(c, min=bottom)


def _scheduled(value: Any) -> bool:
    """Whether a ``[growth]`` setting is a schedule (changes over periods), not one number."""
    from funnelsim.growth import Schedule

    return isinstance(value, Schedule | list | tuple)


def held_by_file(sc: Any) -> dict[str, str]:
    """Growth sliders whose setting scenario ``sc`` overrides, with the reason shown.

    A funnel other than AAARRR holds every funnel rate slider; paid leads given
    as ``new_leads`` make ``budget`` and ``cost_per_lead``
    idle; a ``rate_changes`` schedule sets its stage's rate in every period; a
    budget priced by ``paid_cac`` or a file without any budget leaves the cost
    per lead slider nothing to drive.
    """
    from funnelsim.model import AAARRR_STAGES

    if sc.growth is None:
        return {}
    params = sc.growth.params
    held: dict[str, str] = {}
    if sc.funnel.names != AAARRR_STAGES:
        why = f"the funnel is the file's ({' → '.join(sc.funnel.names)})"
        held.update(dict.fromkeys((c.name for c in AAARRR_RATES), why))
    if params.new_leads is not None:
        why = (
            "new leads follow the file's schedule"
            if not isinstance(params.new_leads, int)
            else "new leads are the file's new_leads"
        )
        held.update(budget=why, cost_per_lead=why)
    elif _scheduled(params.budget):
        held["budget"] = "the budget follows the file's schedule"
    if params.new_leads is None and params.cost_per_lead is None:
        held["cost_per_lead"] = (
            "leads are priced by the file's paid_cac"
            if params.paid_cac is not None
            else "the file sets no cost per lead"
        )
    sliders = {c.name for c in AAARRR_RATES}
    for stage, _ in params.rate_changes or ():
        name = str(stage).lower()
        if name in sliders:
            held[name] = f"the {name} rate follows the file's rate_changes schedule"
    return held


class Dashboard:
    """The instructor dashboard: every lever of the course, one topic per tab.

    The first tab is the growth model with all its levers on one screen (the
    funnel rates, paid acquisition, the referral loop, churn and money, the
    market); the other tabs hold the funnel (AAARRR / B2B, scenario files), the
    B2B deal, referral, retention, unit economics and sensitivity explorers.
    The dashboard *contains* these explorers (:attr:`growth`,
    :meth:`explorer`); it is not one of them. A tab's explorer is built the
    first time the tab is opened (or a file is loaded), so the app starts as
    fast as one explorer.
    Attributes it does not define (``control``, ``metrics``, ``ab``, ``reset``,
    ...) are the growth tab's. Serve ``notebooks/dashboard.ipynb`` with Voila
    (``make present``).

    **One file for the whole dashboard.** The bar above the tabs (a path box,
    Load, Save, Overwrite; the tabs' own file boxes are hidden here) works on
    every tab at once. :meth:`load` puts the scenario into every tab that can
    read it, and the status line below the bar says what each tab took
    ("From b2c_referral: Growth model, Funnel, ...; not from the file: B2B deal
    (no [b2b] section)"). A tab that cannot read the file shows its own
    settings (its defaults if it showed another file) with a note above its
    cards saying why; the next file it can read clears the note.
    :meth:`save` writes what the dashboard shows: the loaded file with the
    values moved on *every* tab written in (comments, layout and the values
    no slider moved kept, as each explorer's Save does), in one atomic write.
    Two tabs that moved the same setting to different values are not guessed
    between: nothing is written and the status line names both. A tab not
    from the file adds nothing; if its sliders were moved, the status line
    says they were not saved. Without a loaded file, Save writes the growth
    tab's scenario.

    Parameters
    ----------
    scenario : str, Path or Scenario, optional
        A scenario file or ready-made name for every tab (see :meth:`load`);
        a file that cannot be read raises here.
    threaded : bool, optional
        Redraw on worker threads (default: inside a Jupyter kernel only).
    **values
        Starting values of the growth tab's controls.
    """

    title = "Instructor dashboard: every lever on one screen"
    #: The growth tab's title.
    GROWTH_TAB = "Growth model"

    def __init__(
        self, *, scenario: Any = None, threaded: bool | None = None, **values: Any
    ) -> None:
        import ipywidgets as w

        from funnelsim.scenarios import Scenario, load_scenario

        sc = None
        if scenario is not None:
            sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self._scenario: Any = None
        self._threaded = threaded
        self._values = values
        #: The growth model's explorer, the first tab.
        self.growth = GrowthExplorer(threaded=threaded, **values)
        _hide_file_tools(self.growth)
        self._tabs: dict[str, Any] = _tab_classes()
        self._built: dict[str, Explorer] = {}
        self._pages = {name: w.VBox() for name in self._tabs}
        self._growth_page = w.VBox([self.growth.widget])
        # one note per tab, above its explorer: shown when the tab is not from the file
        self._notes = {name: _note_widget() for name in (self.GROWTH_TAB, *self._tabs)}
        pages = [self._growth_page, *self._pages.values()]
        #: The tabs (one per topic).
        notes = self._notes.values()
        self.widget = w.Tab(
            children=[w.VBox([note, page]) for note, page in zip(notes, pages, strict=True)]
        )
        self.widget.titles = (self.GROWTH_TAB, *self._tabs)
        self.widget.add_class("fs-dashboard")
        self.widget.observe(self._on_tab, names="selected_index")
        #: The whole page: the file bar, its status line and the tabs.
        self.app = w.VBox([self._file_bar(), self._status, self.widget])
        self.app.add_class("fs-dashboard-app")
        if sc is not None:
            self.load(sc)
            if values:
                self.growth.set_values(values)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("growth", "_built"):
            raise AttributeError(name)
        return getattr(self.growth, name)

    # -- the file bar ----------------------------------------------------------------------
    def _file_bar(self) -> Any:
        import ipywidgets as w

        self._path = w.Text(
            value="my_scenario.toml",
            placeholder="file.toml or a ready-made name",
            layout=w.Layout(width="240px"),
            tooltip="A scenario file, or a ready-made name such as b2c_referral",
        )
        load = w.Button(
            description="Load",
            icon="folder-open",
            layout=w.Layout(width="80px"),
            tooltip="Load the file into every tab that can read it",
        )
        save = w.Button(
            description="Save",
            icon="save",
            layout=w.Layout(width="80px"),
            tooltip="Write the file with what every tab shows",
        )
        self._overwrite = w.Checkbox(
            value=False,
            description="Overwrite",
            indent=False,
            layout=w.Layout(width="100px"),
            tooltip="Let Save replace an existing file",
        )
        self._status = w.HTML()
        for widget, cls in (
            (self._path, "path"),
            (load, "load"),
            (save, "save"),
            (self._overwrite, "overwrite"),
            (self._status, "status"),
        ):
            widget.add_class(f"fs-dashboard-{cls}")
        load.on_click(lambda _: self.load(self._path.value))
        save.on_click(lambda _: self.save(self._path.value, overwrite=self._overwrite.value))
        label = w.HTML("<b>Scenario file for every tab:</b>")
        return w.HBox(
            [label, self._path, load, save, self._overwrite],
            layout=w.Layout(flex_flow="row wrap", align_items="center"),
        )

    def _say(self, text: str, *, ok: bool) -> None:
        from funnelsim.widgets._base import _status_html

        self._status.value = _status_html(text, error=not ok)

    @property
    def status(self) -> str:
        """The dashboard's status line (what the last Load or Save did), as plain text."""
        import html
        import re

        return html.unescape(re.sub(r"<[^>]+>", "", self._status.value))

    def note(self, tab: str) -> str:
        """The note above tab ``tab``'s cards ("" when the tab shows the loaded file)."""
        import html
        import re

        if tab not in self._notes:
            raise KeyError(f"no tab {tab!r}; tabs are {[self.GROWTH_TAB, *self._tabs]}")
        return html.unescape(re.sub(r"<[^>]+>", "", self._notes[tab].value))

    # -- tabs ------------------------------------------------------------------------------
    def _on_tab(self, change: dict[str, Any]) -> None:
        index = change["new"]
        if index:
            self.explorer(list(self._tabs)[index - 1])

    def explorer(self, name: str) -> Explorer:
        """The explorer on tab ``name`` (built on first use); see :attr:`tabs`."""
        if name not in self._tabs:
            raise KeyError(f"no tab {name!r}; tabs are {list(self._tabs)}")
        if name not in self._built:
            self._build(name)
            if self._scenario is not None:
                self._take(name, self._scenario)
        return self._built[name]

    def _build(self, name: str) -> Explorer:
        """A new explorer on tab ``name`` at its own defaults (replacing any there)."""
        if name == self.GROWTH_TAB:
            old, self.growth = self.growth, GrowthExplorer(threaded=self._threaded, **self._values)
            old.close()
            _hide_file_tools(self.growth)
            self._growth_page.children = (self.growth.widget,)
            return self.growth
        if name in self._built:
            self._built.pop(name).close()
        ex = self._tabs[name](threaded=self._threaded)
        _hide_file_tools(ex)
        self._built[name] = ex
        self._pages[name].children = (ex.widget,)
        return ex

    def _tab(self, name: str) -> Explorer:
        return self.growth if name == self.GROWTH_TAB else self._built[name]

    def _take(self, name: str, sc: Any) -> str | None:
        """Load ``sc`` into tab ``name``; None if it took it, else why not (noted on the tab)."""
        ex = self._tab(name)
        try:
            ex._start_from(sc)
        except (OSError, TypeError, ValueError, KeyError) as err:
            reason = _short(str(err))
            if ex._loaded is not None:  # it showed another file: back to its own defaults
                ex = self._build(name)
            # the note above the cards says why; a red "Load failed" here would read as a fault
            ex._say(f"Showing this tab's own settings (not from {_source(sc)})", ok=True)
            self._notes[name].value = _note_html(
                f"Not from {_source(sc)}: {reason}. This tab shows its own settings."
            )
            self._notes[name].layout.display = None
            return reason
        ex._say(f"Loaded {_source(sc)}{'; ' + ex._notice if ex._notice else ''}", ok=True)
        self._notes[name].value = ""
        self._notes[name].layout.display = "none"
        return None

    def load(self, scenario: Any) -> None:
        """Load a scenario into every tab that can read it; the status line says which.

        Every tab is built (a tab opened later would otherwise still show its
        defaults). A file that cannot be read at all changes nothing.
        """
        from funnelsim.scenarios import Scenario, load_scenario

        try:
            sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        except (OSError, TypeError, ValueError) as err:
            self._say(f"Load failed: {err}", ok=False)
            return
        self._scenario = sc
        self._say(f"Loading {_source(sc)} into every tab ...", ok=True)
        taken, refused = [], []
        for name in (self.GROWTH_TAB, *self._tabs):
            if name != self.GROWTH_TAB and name not in self._built:
                self._build(name)
            reason = self._take(name, sc)
            if reason is None:
                taken.append(name)
            else:
                refused.append(f"{name} ({reason})")
        text = f"Loaded {_source(sc)}. From the file: {', '.join(taken) or 'no tab'}"
        if refused:
            text += f". Not from the file, showing their own settings: {'; '.join(refused)}"
        self._say(text + ".", ok=bool(taken))

    # -- saving ------------------------------------------------------------------------------
    def scenario(self) -> Any:
        """What the dashboard shows, as one :class:`funnelsim.scenarios.Scenario` (see the class).

        The loaded scenario with the values moved on every tab that shows it
        written in (without a loaded file: the growth tab's scenario).

        Raises
        ------
        ValueError
            When two tabs moved the same setting to different values, naming
            both tabs, the setting and the two values.
        """
        import dataclasses

        if self._scenario is None:
            return self.growth.scenario()
        base = self._scenario
        before = _flat(base.to_dict())
        merged, owner = dict(before), dict[str, str]()
        for name in self._showing_file():
            ex = self._tab(name)
            if not _moved(ex):
                continue
            for key, value in _changes(before, _flat(ex.scenario().to_dict())).items():
                if key in owner and merged.get(key, _GONE) != value:
                    raise ValueError(
                        f"{owner[key]} sets {key} to {_shown(merged.get(key, _GONE))} and "
                        f"{name} sets it to {_shown(value)}; move one of them back"
                    )
                owner[key] = name
                if value is _GONE:
                    merged.pop(key, None)
                else:
                    merged[key] = value
        if not owner:
            return dataclasses.replace(base, source=None)
        from funnelsim.scenarios import Scenario

        out = Scenario.from_dict(_nested(merged), source=base.source)
        return dataclasses.replace(out, source=None, origin=base.origin)

    def _showing_file(self) -> list[str]:
        """Tabs that show the loaded file (no note saying otherwise)."""
        names = (self.GROWTH_TAB, *self._built)
        return [n for n in names if not self._notes[n].value and self._tab(n)._loaded is not None]

    def save(self, path: Any, *, overwrite: bool = False) -> Any:
        """Write :meth:`scenario` as a TOML file; returns its path (None if not saved).

        An existing file is replaced only with ``overwrite=True`` (the
        Overwrite box); the file is written whole or not at all. The status
        line says what was written, and names any tab whose moved sliders are
        not in the file (a tab not from the file).
        """
        out = write_scenario(
            self.scenario, path, overwrite=overwrite, say=self._say, failed="Not saved"
        )
        if out is None:
            return None
        showing = self._showing_file() if self._scenario is not None else [self.GROWTH_TAB]
        moved = [n for n in showing if _moved(self._tab(n))]
        text = f"Saved {out}" + (f" with the values moved on {', '.join(moved)}" if moved else "")
        left = [
            n for n in (self.GROWTH_TAB, *self._built) if n not in showing and _moved(self._tab(n))
        ]
        if left:
            text += f". Not saved (not from the file): the moved sliders of {', '.join(left)}"
        self._say(text + ".", ok=True)
        return out

    @property
    def tabs(self) -> list[str]:
        """Names of the tabs after the growth model."""
        return list(self._tabs)

    def summary(self) -> str:
        """One line for the notebook's text output."""
        v = self.growth.values
        return f"Dashboard: {v['periods']} periods, seed {v['seed']}"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = dict(self.app._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = self.summary()
        bundle["image/svg+xml"] = self.growth.still()
        return bundle

    def close(self) -> None:
        """Stop every explorer's worker thread and close the widgets."""
        from funnelsim.widgets._base import _close_tree

        for ex in self._built.values():
            ex.close()
        self.growth.close()
        _close_tree(self.app)


#: A key a tab's scenario no longer has (e.g. ``economics.paid_spend`` once CAC moved).
_GONE: Any = type("_Gone", (), {"__repr__": lambda self: "(removed)"})()


def _flat(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A scenario's TOML mapping as ``{"economics.arpu": 30, ...}`` (tables flattened)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping) and value:
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _nested(flat: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`_flat`."""
    out: dict[str, Any] = {}
    for path, value in flat.items():
        *parents, last = path.split(".")
        here = out
        for p in parents:
            here = here.setdefault(p, {})
        here[last] = value
    return out


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Keys whose value differs between two flattened scenarios (``_GONE`` if removed)."""
    keys = [*before, *(k for k in after if k not in before)]
    return {k: after.get(k, _GONE) for k in keys if before.get(k, _GONE) != after.get(k, _GONE)}


def _shown(value: Any) -> str:
    return "(removed)" if value is _GONE else repr(value)


def _moved(ex: Explorer) -> bool:
    """Whether any slider of ``ex`` moved since it loaded its file (or since it was built)."""
    start = ex._loaded_values if ex._loaded is not None else ex._defaults
    return any(start.get(k) != v for k, v in ex.values.items())


def _source(sc: Any) -> str:
    """How the status lines name a scenario: its file's name, or its ready-made name."""
    from pathlib import Path

    return Path(sc.source).name if sc.source else repr(sc.name)


def _short(reason: str) -> str:
    """An explorer's load error, shortened for the status line ("no [b2b] section")."""
    import re

    match = re.search(r"has no (\[\w+\] section)", reason)
    if match:
        return f"no {match[1]}"
    match = re.search(r"explorer (needs .*?), got", reason)
    return match[1] if match else reason


def _note_widget() -> Any:
    import ipywidgets as w

    note = w.HTML(layout=w.Layout(display="none"))
    note.add_class("fs-tab-note")
    return note


def _note_html(text: str) -> str:
    import html

    style = (
        "background:#FFF4E5;border:1px solid #E69F00;border-radius:4px;padding:4px 8px;"
        "font-family:sans-serif;font-size:13px;color:#333333"
    )
    return f"<div style='{style}'>{html.escape(text)}</div>"


def _hide_file_tools(ex: Explorer) -> None:
    """Hide an explorer's own path box, Load, Save and Overwrite (the dashboard has one set)."""
    classes = {"fs-path", "fs-load", "fs-save", "fs-overwrite"}

    def walk(widget: Any) -> None:
        if classes & set(getattr(widget, "_dom_classes", ())):
            widget.layout.display = "none"
        for child in getattr(widget, "children", ()):
            walk(child)

    walk(ex.widget)


def _tab_classes() -> dict[str, Any]:
    from funnelsim.widgets.b2b import B2BExplorer
    from funnelsim.widgets.economics import EconomicsExplorer
    from funnelsim.widgets.funnel import FunnelExplorer
    from funnelsim.widgets.referral import ReferralExplorer
    from funnelsim.widgets.retention import RetentionExplorer
    from funnelsim.widgets.sensitivity import SensitivityExplorer

    return {
        "Funnel": FunnelExplorer,
        "B2B deal": B2BExplorer,
        "Referral": ReferralExplorer,
        "Retention": RetentionExplorer,
        "Unit economics": EconomicsExplorer,
        "Sensitivity": SensitivityExplorer,
    }
