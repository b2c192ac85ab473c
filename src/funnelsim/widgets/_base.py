"""The machinery every explorer shares: sliders from specs, live redraws, A/B, reset.

An explorer subclass supplies three things:

* its control specs (:class:`~funnelsim.widgets.specs.Control`), grouped in sections;
* :meth:`Explorer.compute`: plain values in, an :class:`Outcome` out (the model
  run, its headline metrics) — no widgets involved, so it is tested directly;
* :meth:`Explorer.plot`: one or two outcomes in, a :class:`funnelsim.charts.Plot` out.

The base class builds the sliders, lays out the chart and the metrics table,
and reruns ``compute`` → ``plot`` → SVG whenever a control moves.

How redraws stay smooth
-----------------------
In a Jupyter kernel, a slider change only records that a redraw is due; a
background thread does the work and always renders the **latest** values, so
a burst of key presses or a fast mouse drag costs one or two redraws instead
of a queue of stale ones, and the kernel keeps answering. Controls marked
``slow`` (e.g. the number of buyers) wait until the slider has rested for
:attr:`Explorer.debounce` seconds. Outside a kernel (tests, scripts) updates
run synchronously, so ``explorer.control("activation").value = 0.6`` is
followed immediately by the new chart and metrics.

The chart area is an ``ipywidgets.Output`` whose one output is the chart's
compiled Vega spec with the new rows (:meth:`funnelsim.charts.LiveChart.display_data`):
the browser draws it with the Vega renderer that JupyterLab and Voila ship
(served by the Jupyter server, so it works without internet), and the kernel
only computes the model and the chart's rows — no picture is drawn in the
kernel on a slider move. Measured (``bench/bench_widgets.py``): drawing SVG in
the kernel with vl-convert was 75-95 % of every redraw. The output is set as
the widget's ``outputs`` trait, which (unlike ``with output:``) works from the
worker thread. :attr:`Explorer.svg` still gives the chart as SVG, drawn in the
kernel when asked for (the still picture for viewers without a kernel).
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import json
import math
import re
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ipywidgets as w
import traitlets

from funnelsim import charts
from funnelsim._deprecation import FunnelsimDeprecationWarning
from funnelsim.widgets._entry import rounded, with_entry
from funnelsim.widgets._still import CAPTION, Card, still_svg
from funnelsim.widgets.specs import Control, Metric, as_setting, by_name, churn_model

# Scenario helpers the explorers share, declared with the settings in ``specs``.
from funnelsim.widgets.specs import expected_at as expected_at
from funnelsim.widgets.specs import replace_section as replace_section
from funnelsim.widgets.specs import require_section as require_section
from funnelsim.widgets.specs import with_mean_churn as with_mean_churn

__all__ = ["Explorer", "Outcome"]

_LABEL_WIDTH = "200px"
_SLIDER_WIDTH = "420px"
_CARD = (
    "border:1px solid #DDDDDD;border-radius:6px;padding:6px 10px;min-width:120px;"
    "background:#FAFAFA;font-family:sans-serif"
)
_SMALL = "font-size:12px;color:#555555"
#: The chart (Vega's canvas in the browser) scales down to the width available (Voila on
#: a projector, a narrow notebook); its height follows (Vega sets both in the element's
#: style, hence !important).
_SVG_CSS = (
    "<style>.fs-chart .vega-embed {max-width:100%}"
    " .fs-chart .vega-embed > canvas, .fs-chart .vega-embed > svg"
    " {max-width:100%;height:auto !important;}"
    " .fs-explorer .widget-label {overflow:hidden;text-overflow:ellipsis}</style>"
)


@dataclass(frozen=True, eq=False)
class Outcome:
    """What one run of an explorer's model produced."""

    #: The values the run used, by control name.
    values: Mapping[str, Any]
    #: The model's result object (SimulationResult, ReferralResult, ...).
    result: Any
    #: Headline numbers by metric name (NaN when undefined).
    metrics: Mapping[str, float] = field(default_factory=dict)
    #: The unit economics behind the money cards, if the explorer shows any.
    economics: Any = None
    #: Why a card shows no number, by metric name (e.g. "no [economics] section").
    notes: Mapping[str, str] = field(default_factory=dict)


def _note(outcome: Outcome, name: str) -> str:
    """The card's note saying why it shows no number, as HTML ("" if none)."""
    note = outcome.notes.get(name)
    if not note:
        return ""
    return f"<div class='fs-note' style='{_SMALL}'>{html.escape(note)}</div>"


def one_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """Run the block with one BLAS thread (threadpoolctl; a no-op without it).

    The explorers' models work on small arrays, where OpenBLAS's worker threads
    only add start-up and contention: measured on a busy 2-core machine, the
    retention explorer's sBG fit (scipy's L-BFGS-B) took 140 ms with the default
    threads and 10 ms with one, and its redraw fell from 250 to 90 ms. The
    limit is the process's while the block runs (BLAS has one setting per
    process). The course notebooks' explorer outputs came out unchanged with it
    (nbval).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with the notebooks extra
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def in_kernel() -> bool:
    """True inside a running Jupyter kernel (where widgets reach a browser)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class _LatestWins:
    """Run ``job`` on a worker thread whenever asked; pending requests collapse into one."""

    def __init__(self, job: Callable[[], None], on_error: Callable[[BaseException], None]):
        self._job = job
        self._on_error = on_error
        self._cond = threading.Condition()
        self._due: float | None = None
        self._busy = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="funnelsim-explorer", daemon=True)
        self._thread.start()

    def request(self, delay: float = 0.0) -> None:
        with self._cond:
            self._due = time.monotonic() + delay
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Block until no redraw is due or running; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self._due is None and not self._busy, timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._due is None and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                assert self._due is not None
                wait = self._due - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                self._due = None
                self._busy = True
            try:
                self._job()
            except Exception as err:  # a broken redraw must not kill the thread
                self._on_error(err)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()


class _IntSlider(w.IntSlider):
    """An IntSlider that refuses a value outside its range instead of clipping it."""

    @traitlets.validate("value")
    def _validate_value(self, proposal: Any) -> Any:
        value = proposal["value"]
        if not self.min <= value <= self.max:
            raise traitlets.TraitError(
                f"{self.description} must be in [{self.min:,}, {self.max:,}], got {value!r}"
            )
        return value


class _StepSlider(w.SelectionSlider):
    """A slider over exact values (``min + i × step``, or round values per decade: ``LOG_STEPS``).

    Every value, the top one included, is reachable and reads exactly as it is
    simulated (no 58.99999999999999 step counts). Setting a value that is not
    on the slider raises instead of snapping or clipping it silently
    (:meth:`Explorer.set_values` adds an in-range value between steps).
    """

    @traitlets.validate("value")
    def _validate_value(self, proposal: Any) -> Any:
        value = proposal["value"]
        if value is None or value in self._options_values:
            return value
        values = self._options_values
        raise traitlets.TraitError(
            f"{self.description} = {value!r} is not a value of the slider "
            f"({values[0]:g} to {values[-1]:g}); use set_values(...) for one between steps"
        )


def _slider(control: Control) -> w.Widget:
    common: dict[str, Any] = {
        "description": control.label,
        "description_allow_html": False,
        "continuous_update": not control.slow,
        "style": {"description_width": _LABEL_WIDTH},
        "layout": w.Layout(width=_SLIDER_WIDTH),
        "tooltip": control.help or None,
    }
    if control.integer and control.scale == "linear":
        return _IntSlider(
            value=int(control.default),
            min=int(control.min),
            max=int(control.max),
            step=max(1, int(control.step)),
            readout_format=control.readout,
            **common,
        )
    # Nice values instead of a FloatSlider or FloatLogSlider: the readout shows exactly
    # the number simulated, and a key press moves to the next value on the grid.
    return _StepSlider(options=_options(control), value=control.default, **common)


def _options(control: Control, *extra: float) -> list[tuple[str, float | int]]:
    """(label, value) pairs of a slider: its grid, ``extra`` values, in order."""
    return [(_readout(control, v), v) for v in control.options(*extra)]


def _readout(control: Control, value: float | int) -> str:
    """``value`` as the slider's readout shows it (and the still picture's settings)."""
    if control.scale == "log":
        return rounded(control, value)  # the typed-value box beside it shows the same
    return format(value, control.readout)


_log_options = _options  # the name the log sliders used


#: Controls renamed for one name per concept: ``old: new``. The old name is still
#: accepted (starting values, :meth:`Explorer.set_values`, :meth:`Explorer.control`)
#: for one release, with a ``DeprecationWarning``.
RENAMED_CONTROLS = {"invites": "invites_per_user", "invites_per_customer": "invites_per_user"}


def _new_names(owner: str, values: Mapping[str, Any], stacklevel: int) -> dict[str, Any]:
    """``values`` with renamed controls under their new names (warns once per old name)."""
    out = dict(values)
    for old, new in RENAMED_CONTROLS.items():
        if old not in out:
            continue
        if new in out:
            raise TypeError(f"{owner} got both {old}= (its old name) and {new}=; give {new}= only")
        warnings.warn(
            f"{owner}: the control {old!r} is deprecated and will be removed in the next "
            f"release; it is called {new!r}",
            FunnelsimDeprecationWarning,
            stacklevel=stacklevel + 1,
        )
        out[new] = out.pop(old)
    return out


def _put(control: Control, widget: w.Widget, value: Any) -> None:
    """Set a slider, adding an off-grid (in-range) value to a step slider's options first."""
    if isinstance(widget, w.SelectionSlider) and value not in widget._options_values:
        with widget.hold_trait_notifications():
            widget.options = _options(control, value)
    widget.value = value


def _read(control: Control, widget: w.Widget) -> float | int:
    value = widget.value
    if control.integer:
        return round(value)
    return float(value)


def write_scenario(
    scenario: Callable[[], Any],
    path: Any,
    *,
    overwrite: bool,
    say: Callable[..., None],
    failed: str = "Save failed",
) -> Path | None:
    """Write ``scenario()`` to ``path`` as TOML; its path, or None (``say`` tells why).

    The one Save of the explorers and the dashboard: an existing file is
    replaced only with ``overwrite``, the file is written whole or not at all
    (:meth:`funnelsim.scenarios.Scenario.save`), and a problem is said on the
    status line as ``f"{failed}: {err}"`` instead of raised.
    """
    try:
        target = Path(path)
        if target.exists() and not overwrite:
            say(
                f"Not saved: {target} already exists; tick Overwrite to replace it "
                "or choose another name",
                ok=False,
            )
            return None
        return Path(scenario().save(target))
    except (OSError, TypeError, ValueError) as err:
        say(f"{failed}: {err}", ok=False)
        return None


class Explorer:
    """Base class of the live explorers (see the module docstring).

    Parameters
    ----------
    title : str
        Heading shown above the explorer.
    sections : sequence of (heading, controls)
        The sliders, grouped under small headings, in display order.
    metrics : sequence of Metric
        Headline numbers shown beside the chart, in order.
    values : mapping, optional
        Starting values by control name (default: each control's default).
        They also become what Reset returns to.
    threaded : bool, optional
        Redraw on a worker thread (default: only inside a Jupyter kernel).
    """

    #: Seconds a ``slow`` control must rest before the model reruns.
    debounce: float = 0.3
    #: Above 0 while several controls are being set at once (no redraw per control).
    _quiet: int = 0
    #: The Scenario last loaded, if any.
    _loaded: Any = None
    #: An outcome the next redraw may show instead of rerunning the model (A/B switched).
    _reuse: Outcome | None = None
    #: What the loaded file decides that a slider would seem to (shown on the status line).
    _notice: str = ""
    #: The time unit of the loaded scenario (its ``period``): labels and unit economics use it.
    _period: str = "month"
    #: The time unit the specs' labels are written in ("month"; "period" for abstract ones).
    _label_unit: str = "month"

    def __init__(
        self,
        title: str,
        sections: Sequence[tuple[str, Sequence[Control]]],
        metrics: Sequence[Metric],
        *,
        values: Mapping[str, Any] | None = None,
        threaded: bool | None = None,
        toolbar: Sequence[w.Widget] = (),
    ) -> None:
        self.title = title
        self._metric_specs = tuple(metrics)
        self._month_metrics = self._metric_specs  # as written, in months (see _use_period)
        self._live = charts.LiveChart()
        self._lock = threading.RLock()
        self.outcome: Outcome | None = None
        self.outcome_a: Outcome | None = None
        self.plot_: charts.Plot | None = None
        self.render_seconds: float = float("nan")
        self._loaded_values: dict[str, Any] = {}  # the control values right after loading

        self._svg: str | None = None  # the current chart as SVG, once asked for
        self._chart = w.Output(layout=w.Layout(min_height="300px", width="100%"))
        self._chart.add_class("fs-chart")
        self._metrics = w.HTML()
        self._metrics.add_class("fs-metrics")
        self._status = w.HTML()
        self._status.add_class("fs-status")
        self._ab = w.ToggleButton(
            value=False,
            description="A/B: freeze A",
            tooltip="Keep the current settings as scenario A and move B against it",
            icon="columns",
        )
        self._ab.add_class("fs-ab")
        self._reset = w.Button(
            description="Reset",
            icon="undo",
            tooltip="Back to the starting values (or the scenario last loaded)",
        )
        self._reset.add_class("fs-reset")
        self._ab.observe(self._on_ab, names="value")
        self._reset.on_click(lambda _: self.reset())

        self._sections_box = w.VBox(layout=w.Layout(width="440px", flex="0 0 440px"))
        self._controls: dict[str, Control] = {}
        self._widgets: dict[str, w.Widget] = {}
        self._defaults: dict[str, Any] = {}
        self._set_sections(sections, _new_names(type(self).__name__, values or {}, 3))

        tools = w.HBox([*toolbar, self._ab, self._reset], layout=w.Layout(flex_flow="row wrap"))
        right = w.VBox(
            [self._metrics, self._chart, self._status],
            # Below 440 + 600 px (JupyterLab at 1366 px with its sidebar open) the charts
            # wrap under the controls at full width instead of shrinking beside them.
            layout=w.Layout(flex="1 1 600px", min_width="0", padding="0 0 0 12px"),
        )
        heading = w.HTML(f"{_SVG_CSS}<h3 style='margin:4px 0'>{html.escape(title)}</h3>")
        self.widget = w.VBox(
            [
                heading,
                tools,
                w.HBox(
                    [self._sections_box, right],
                    layout=w.Layout(width="100%", flex_flow="row wrap"),
                ),
            ],
            layout=w.Layout(width="100%"),
        )
        self.widget.add_class("fs-explorer")

        if threaded is None:
            threaded = in_kernel()
        self._worker = _LatestWins(self._redraw, self._show_error) if threaded else None
        self._redraw()  # the first chart is drawn synchronously (papermill, nbval see it)

    # -- controls -------------------------------------------------------------------
    def _set_sections(
        self, sections: Sequence[tuple[str, Sequence[Control]]], values: Mapping[str, Any]
    ) -> None:
        """(Re)build the sliders; unknown keys in ``values`` are an error."""
        controls = by_name([c for _, group in sections for c in group])
        unknown = set(values) - set(controls)
        if unknown:
            raise TypeError(
                f"{type(self).__name__} has no control(s) {sorted(unknown)}; "
                f"controls are {list(controls)}"
            )
        defaults = {name: c.check(values.get(name, c.default)) for name, c in controls.items()}
        for old in self._widgets.values():
            old.close()
        self._controls = controls
        self._month_controls = dict(controls)  # as written, in months (see _use_period)
        # section headings name the period too ("Unit economics (per week)")
        sections = [
            (period_label(heading, self._period, self._label_unit), group)
            for heading, group in sections
        ]
        self._groups: list[tuple[str, list[str]]] = [
            (heading, [c.name for c in group]) for heading, group in sections
        ]
        self._defaults = defaults
        self._widgets = {}
        children: list[w.Widget] = []
        for heading, group in sections:
            children.append(w.HTML(f"<b>{html.escape(heading)}</b>"))
            for c in group:
                slider = _slider(c)
                _put(c, slider, defaults[c.name])
                slider.add_class(f"fs-control-{c.name}")
                slider.observe(self._on_change(c), names="value")
                self._widgets[c.name] = slider
                # a log slider's value can also be typed (its own readout ignores typing)
                typed = isinstance(slider, _StepSlider) and c.scale == "log"
                children.append(with_entry(c, slider, _put, self._refuse) if typed else slider)
        self._sections_box.children = tuple(children)
        if self._period != self._label_unit:
            self._use_period(self._period)

    def _on_change(self, control: Control) -> Callable[[dict[str, Any]], None]:
        def handler(_: dict[str, Any]) -> None:
            if not self._quiet:
                self.request(self.debounce if control.slow else 0.0)

        return handler

    def control(self, name: str) -> w.Widget:
        """The slider driving parameter ``name``."""
        if name in RENAMED_CONTROLS and name not in self._widgets:
            (name,) = _new_names(type(self).__name__, {name: None}, 2)
        if name not in self._widgets:
            raise KeyError(f"no control {name!r}; controls are {list(self._widgets)}")
        return self._widgets[name]

    @property
    def controls(self) -> dict[str, Control]:
        """The control specs currently shown, by name."""
        return dict(self._controls)

    @property
    def values(self) -> dict[str, Any]:
        """Current value of every control, by name."""
        return {n: _read(c, self._widgets[n]) for n, c in self._controls.items()}

    def set_values(self, values: Mapping[str, Any] | None = None, /, **kwargs: Any) -> None:
        """Move several controls at once, then redraw once."""
        changes = _new_names(type(self).__name__, {**(dict(values) if values else {}), **kwargs}, 2)
        for name, value in changes.items():
            if name not in self._controls:
                raise KeyError(f"no control {name!r}; controls are {list(self._controls)}")
            self._controls[name].check(value)
        with self._batch():
            for name, value in changes.items():
                _put(self._controls[name], self._widgets[name], self._controls[name].check(value))
        self.request()

    def reset(self) -> None:
        """Every control back to its starting value (the last loaded scenario's); leaves A/B."""
        with self._batch():
            self._ab.value = False
            for name, value in self._defaults.items():
                _put(self._controls[name], self._widgets[name], value)
        self.request()

    class _Batch:
        def __init__(self, owner: Explorer) -> None:
            self.owner = owner

        def __enter__(self) -> None:
            self.owner._quiet += 1

        def __exit__(self, *exc: object) -> None:
            self.owner._quiet -= 1

    def _batch(self) -> Explorer._Batch:
        return Explorer._Batch(self)

    # -- scenario files -----------------------------------------------------------------
    def _scenario_tools(self, path: str = "my_scenario.toml") -> list[w.Widget]:
        """A path box with Load and Save buttons calling :meth:`load` / :meth:`save`."""
        box = w.Text(
            value=path,
            placeholder="file.toml or a ready-made name",
            layout=w.Layout(width="200px"),
            tooltip="A scenario file, or a ready-made name such as b2c_referral",
        )
        box.add_class("fs-path")
        load = w.Button(description="Load", icon="folder-open", layout=w.Layout(width="80px"))
        save = w.Button(description="Save", icon="save", layout=w.Layout(width="80px"))
        load.add_class("fs-load")
        save.add_class("fs-save")
        overwrite = w.Checkbox(
            value=False,
            description="Overwrite",
            indent=False,
            layout=w.Layout(width="100px"),
            tooltip="Let Save replace an existing file",
        )
        overwrite.add_class("fs-overwrite")
        load.on_click(lambda _: self.load(box.value))
        save.on_click(lambda _: self.save(box.value, overwrite=overwrite.value))
        self._path, self._overwrite, self._save_button = box, overwrite, save
        return [box, load, save, overwrite]

    def _refuse(self, text: str) -> None:
        self._say(f"Not set: {text}", ok=False)

    def _say(self, text: str, *, ok: bool) -> None:
        self._status.value = _status_html(text, error=not ok)

    def load(self, scenario: Any) -> None:
        """Set the controls from a scenario file, a ready-made name or a Scenario.

        The explorer keeps the scenario: :meth:`scenario` and :meth:`save`
        return it with only the values moved since the load replaced, so the
        file's other sections and settings survive a round trip. A failed load
        changes nothing and says why in the status line.
        """
        try:
            sc = self._start_from(scenario)
        except (OSError, TypeError, ValueError, KeyError) as err:
            self._say(f"Load failed: {err}", ok=False)
            return
        note = f"; {self._notice}" if self._notice else ""
        self._say(f"Loaded {sc.source or sc.name}{note}", ok=True)

    def _start_with(self, scenario: Any, values: Mapping[str, Any]) -> None:
        """Constructor helper: a scenario file's values first, then any given as keywords."""
        if scenario is not None:
            self._start_from(scenario)
            if values:
                self.set_values(values)

    def _start_from(self, scenario: Any) -> Any:
        """Load ``scenario`` (raising on a problem, changing nothing); return the Scenario."""
        from funnelsim.scenarios import Scenario, load_scenario

        sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        values = self._values_from(sc)
        before = {name: getattr(self, name) for name in self._adopted}, self._period
        self._adopt(sc)
        try:
            with self._batch():  # one run, once the scenario is in place
                self._apply_scenario(sc, values)
        except Exception:
            for name, value in before[0].items():  # a failed load changes nothing
                setattr(self, name, value)
            self._use_period(before[1])
            raise
        self._loaded, self._loaded_values = sc, self.values
        self._defaults = dict(self._loaded_values)  # Reset returns to the file's values
        self.request()
        return sc

    def scenario(self) -> Any:
        """The current settings as a :class:`funnelsim.scenarios.Scenario`.

        After :meth:`load`, the loaded scenario with only the values moved since
        replaced; otherwise a new scenario with every value the explorer shows.
        """
        values = self.values
        if self._loaded is None:
            return self._new_scenario(values)
        changed = {k: v for k, v in values.items() if self._loaded_values.get(k) != v}
        return dataclasses.replace(self._scenario_with(self._loaded, changed, values), source=None)

    def _scenario_for(self, values: Mapping[str, Any]) -> Any:
        """:meth:`scenario` for control ``values`` (those of a run, maybe not yet shown)."""
        if self._loaded is None:
            return self._new_scenario(values)
        changed = {k: v for k, v in values.items() if self._loaded_values.get(k) != v}
        return self._scenario_with(self._loaded, changed, values)

    def save(self, path: Any, *, overwrite: bool = False) -> Any:
        """Write :meth:`scenario` as a TOML file; returns its path (None if not saved).

        An existing file is replaced only with ``overwrite=True`` (the
        Overwrite box beside the Save button); otherwise nothing is written and
        the status line says so.
        """
        out = write_scenario(self.scenario, path, overwrite=overwrite, say=self._say)
        if out is not None:
            self._say(f"Saved {out}", ok=True)
        return out

    # Hooks of the explorers that read and write scenario files.
    def _adopt(self, sc: Any) -> None:
        """Take what the scenario decides and no slider shows (its churn model, its period)."""
        self._economics = scenario_economics(sc)
        self._use_period(sc.period)

    def _use_period(self, period: str) -> None:
        """Name time in ``period`` units in every slider label and metric card.

        (From the unit the specs are written in, :attr:`_label_unit`.)
        """
        self._period = period
        if "_month_controls" not in vars(self):
            return  # before the sliders exist: building them applies the period
        for name, c in self._month_controls.items():
            label = period_label(c.label, period, self._label_unit)
            self._controls[name] = dataclasses.replace(
                c, label=label, help=period_label(c.help, period, self._label_unit)
            )
            self._widgets[name].description = label
        self._metric_specs = tuple(
            dataclasses.replace(
                m,
                label=period_label(m.label, period, self._label_unit),
                help=period_label(m.help, period, self._label_unit),
            )
            for m in self._month_metrics
        )

    #: The loaded scenario's economics model (:func:`scenario_economics`), or None.
    _economics: Any = None

    def unit_economics(
        self,
        arpu: float,
        margin: float,
        churn: float,
        *,
        cac: float | None = None,
        discount: float | None = None,
        expansion: float = 0.0,
        horizon: int | None = None,
    ) -> Any:
        """:func:`funnelsim.economics.unit_economics` under the model the scenario chose.

        The churn model is the loaded scenario's (sBG keeps its polarization
        when the slider moves the mean churn; geometric otherwise) and so is the
        discount rate unless the explorer has a slider for it; without a loaded
        scenario, geometric churn and no discount. Periods are the scenario's
        ``period`` (months without one);
        ``expansion`` and ``horizon`` as in the library function.
        """
        from funnelsim.economics import unit_economics

        model = churn_model(churn, None if self._economics is None else self._economics.churn)
        if discount is None:
            discount = 0.0 if self._economics is None else self._economics.discount
        return unit_economics(
            arpu, margin, model, cac=cac, discount=discount, period=self._period,
            expansion=expansion, horizon=horizon,
        )  # fmt: skip

    #: Sections a scenario must have for this explorer to load it ("referral").
    _needs: tuple[str, ...] = ()
    #: Attributes :meth:`_adopt` sets, put back when a load fails (with the period).
    _adopted: tuple[str, ...] = ("_economics",)

    def _controls_for(self, sc: Any) -> Mapping[str, Control]:
        """The controls the explorer shows for scenario ``sc`` (default: those shown now)."""
        return self._controls

    def _values_from(self, sc: Any) -> dict[str, Any]:
        """Control values taken from scenario ``sc``: each control's :attr:`Control.setting`.

        A plain path reads ``sc.value(path)``; a :class:`~funnelsim.widgets.specs.Setting`
        its own ``read`` (None or an absent optional section: the slider keeps
        its value). ValueError if ``sc`` lacks a section in :attr:`_needs` or a
        setting cannot be shown.
        """
        for key in self._needs:
            require_section(sc, key)
        current = self.values if "_widgets" in vars(self) else {}
        values = {}
        for name, c in self._controls_for(sc).items():
            setting = as_setting(c.setting)
            if setting is None:
                continue
            value = setting.load(sc, current)
            if value is not None:
                values[name] = value
        return values

    def _apply_scenario(self, sc: Any, values: dict[str, Any]) -> None:
        """Show ``values`` read from ``sc`` (checked first: nothing changes on an error)."""
        check_loaded(self._controls, values)
        self.set_values(values)

    def _new_scenario(self, values: Mapping[str, Any]) -> Any:
        """A scenario holding ``values``, when nothing was loaded."""
        raise NotImplementedError(f"{type(self).__name__} does not write scenario files")

    def _scenario_with(self, sc: Any, changed: Mapping[str, Any], values: Mapping[str, Any]) -> Any:
        """``sc`` with the ``changed`` controls written back to their settings.

        Plain paths first, the fields of one section together (a file's
        ``cohorts`` and ``periods`` are checked as a pair); then each derived
        :class:`~funnelsim.widgets.specs.Setting`, in control order, with
        ``values`` (all controls). A setting is also rewritten when a control it
        ``follows`` moved. Nothing else in ``sc`` changes.
        """
        plain: dict[str, Any] = {}
        derived = []
        for name, c in self._controls.items():
            setting = as_setting(c.setting)
            if setting is None or not (name in changed or set(setting.follows) & set(changed)):
                continue
            value = changed[name] if name in changed else values[name]
            if setting.write is not None:
                derived.append((setting, value))
            elif not setting.absent(sc):
                plain[setting.path] = value
        sc = _with_paths(sc, plain)
        for setting, value in derived:
            sc = setting.save(sc, value, values)
        return sc

    # -- A/B ------------------------------------------------------------------------
    def _on_ab(self, change: dict[str, Any]) -> None:
        with self._lock:
            self.outcome_a = self.outcome if change["new"] else None
            # B starts where A is: the next redraw reuses the run if no control moved
            self._reuse = self.outcome
        self._ab.description = "A/B: A frozen" if change["new"] else "A/B: freeze A"
        if not self._quiet:
            self.request()

    @property
    def ab(self) -> bool:
        """Whether A/B mode is on (scenario A frozen, the controls move B)."""
        return bool(self._ab.value)

    @ab.setter
    def ab(self, on: bool) -> None:
        self._ab.value = bool(on)

    # -- redraw ---------------------------------------------------------------------
    def request(self, delay: float = 0.0) -> None:
        """Ask for a redraw with the current values (after ``delay`` seconds if threaded).

        Ignored while several controls are being set at once (the batch's owner
        asks once at its end).
        """
        if self._quiet:
            return
        if self._worker is None:
            self._redraw()
        else:
            self._worker.request(delay)

    def wait(self, timeout: float = 10.0) -> bool:
        """Wait until pending redraws are done (threaded mode); False on timeout."""
        return True if self._worker is None else self._worker.wait_idle(timeout)

    def refresh(self) -> None:
        """Recompute and redraw now, in the calling thread."""
        self._redraw()

    def _redraw(self) -> None:
        with self._lock, one_blas_thread():
            start = time.perf_counter()
            values, reuse, self._reuse = self.values, self._reuse, None
            try:
                if reuse is not None and dict(reuse.values) == values:
                    outcome = reuse  # A/B switched, nothing else: same run
                else:
                    outcome = self.compute(values)
            except (TypeError, ValueError) as err:
                self._status.value = _status_html(f"Cannot run these settings: {err}", error=True)
                return
            a = self.outcome_a
            plot = self.plot(outcome, a)
            output = self._live.display_data(plot)
            self.outcome, self.plot_, self._svg = outcome, plot, None
            self._chart.outputs = (output,)
            self._metrics.value = self._metrics_html(outcome, a)
            self.render_seconds = time.perf_counter() - start
            note = f"; {self._notice}" if self._notice else ""
            self._status.value = _status_html(
                f"updated in {self.render_seconds * 1000:.0f} ms{note}"
            )

    def _show_error(self, err: BaseException) -> None:
        text = "".join(traceback.format_exception_only(type(err), err)).strip()
        self._status.value = _status_html(f"Redraw failed: {text}", error=True)

    def _metrics_html(self, b: Outcome, a: Outcome | None) -> str:
        """The headline numbers as a row of cards (B, with A and the change in A/B mode)."""
        cards = []
        for m in self._metric_specs:
            card = _card(m, b, a)
            extra = ""
            if a is not None:
                extra = (
                    f"<div class='fs-value-a' style='{_SMALL}'>A: {card.a}</div>"
                    f"<div class='fs-delta' style='{_SMALL}'>B − A: {card.delta}</div>"
                )
            cards.append(
                f"<div class='fs-card' data-metric='{m.name}' title='{html.escape(m.help)}'"
                f" style='{_CARD}'>"
                f"<div style='{_SMALL}'>{html.escape(card.label)}</div>"
                f"<div class='fs-value' style='font-size:20px;font-weight:600'>"
                f"{card.value}</div>{_note(b, m.name)}{extra}</div>"
            )
        # The values this run used, for scripts and browser tests to know what is shown.
        ran = html.escape(json.dumps(dict(b.values), sort_keys=True, default=str), quote=True)
        return (
            f"<div class='fs-cards' data-values=\"{ran}\" "
            f"style='display:flex;flex-wrap:wrap;gap:8px'>{''.join(cards)}</div>"
        )

    @property
    def metrics(self) -> dict[str, float]:
        """The latest headline numbers (scenario B in A/B mode)."""
        return dict(self.outcome.metrics) if self.outcome else {}

    @property
    def svg(self) -> str:
        """The chart currently shown, as SVG text ("" before the first chart or without vl-convert).

        Drawn in the kernel by vl-convert the first time it is asked for after a
        redraw (the live chart itself is drawn by the browser), then kept; equal
        to :func:`funnelsim.charts.to_svg` of :meth:`chart`.
        """
        with self._lock:
            if self._svg is None and self.plot_ is not None and charts.has_vl_convert():
                self._svg = self._live.render(self.plot_)
            return self._svg or ""

    def chart(self) -> charts.AnyChart:
        """The altair chart currently shown (e.g. to save it with :func:`funnelsim.charts.save`)."""
        assert self.plot_ is not None
        return self.plot_.chart()

    # -- subclass API ---------------------------------------------------------------
    def compute(self, values: Mapping[str, Any]) -> Outcome:
        """Run the model for ``values`` (by control name). Subclasses implement it."""
        raise NotImplementedError

    def plot(self, outcome: Outcome, a: Outcome | None) -> charts.Plot:
        """The chart for ``outcome`` (and frozen scenario ``a`` in A/B mode)."""
        raise NotImplementedError

    def summary(self) -> str:
        """One line for the notebook's text output (kept free of volatile numbers)."""
        return f"{type(self).__name__}: {self.title}"

    # -- display ----------------------------------------------------------------------
    def still(self) -> str:
        """The explorer as one still SVG picture: settings, metric cards and chart.

        What a notebook read without a kernel shows in place of the sliders
        (see :mod:`funnelsim.widgets._still`): the title, a line saying it is
        a still picture, the value of every slider the numbers were computed
        with (as its readout shows it, grouped by section), the metric cards
        as the live view writes them (with A and B − A in A/B mode) and
        :attr:`svg`, the chart.
        """
        with self._lock:
            b, a = self.outcome, self.outcome_a
            ran = dict(self.values) if b is None else {**self.values, **b.values}
            controls = self._controls
            settings = [
                (heading, [f"{controls[n].label}: {_readout(controls[n], ran[n])}" for n in names])
                for heading, names in self._groups
            ]
            cards = [] if b is None else [_card(m, b, a) for m in self._metric_specs]
            return still_svg(self.svg, cards, settings, title=self.title, caption=CAPTION)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = self.summary()
        # A still picture for viewers without a kernel (GitHub, nbviewer, the book, HTML).
        bundle["image/svg+xml"] = self.still()
        return bundle

    def close(self) -> None:
        """Stop the worker thread and close every widget."""
        if self._worker is not None:
            self._worker.close()
        _close_tree(self.widget)


def scenario_economics(sc: Any) -> Any:
    """The scenario's :class:`~funnelsim.economics.UnitEconomics` (None without ``[economics]``).

    Without an ``[economics]`` section, a ``[retention]`` section still decides
    the churn model (ARPU 1, no discount), so the retention explorer's LTV card
    follows it.
    """
    from funnelsim.economics import unit_economics

    if sc.economics is not None:
        return sc.unit_economics()
    if sc.retention is not None:
        return unit_economics(1.0, 1.0, sc.retention.model, period=sc.period)
    return None


def section_stream(sc: Any, section: Any) -> Any:
    """The random stream :func:`~funnelsim.scenarios.runner.run_scenario` gives ``section``.

    An explorer running a loaded scenario's section draws from it, so that with
    unchanged sliders it shows exactly the numbers of ``Scenario.run()``.
    """
    import numpy as np

    from funnelsim.scenarios.runner import section_seed

    seed = sc.seed
    if isinstance(seed, int | np.integer) and not isinstance(seed, bool):
        entropy = seed  # what the funnel run records for an integer seed
    else:
        entropy = sc.simulate(seed=seed).seed
    return section_seed(entropy, section.STREAM)


#: Adjectives of the scenario periods ("Monthly churn" becomes "Weekly churn").
_PER_PERIOD = {"day": "daily", "week": "weekly", "month": "monthly", "quarter": "quarterly",
               "year": "yearly"}  # fmt: skip


def period_label(text: str, period: str, written: str = "month") -> str:
    """``text`` written in ``written`` units, with time in ``period`` units.

    ``period_label("Payback (months)", "week")`` is "Payback (weeks)". Most
    explorers' labels are written for the default ``period = "month"`` of a
    scenario file; the retention explorer's are written in abstract periods
    (``written="period"``: "Mean churn per period" becomes "Mean churn per
    week"). A file with another period names its own unit everywhere.
    """
    if period == written:
        return text
    adjective = _PER_PERIOD.get(period, f"per-{period}")
    words = {"month": r"\b[Mm]onth(?:s|ly)?\b", "period": r"\b[Pp]eriod(?:s)?\b"}
    if written not in words:
        raise ValueError(f"labels are written in months or periods, got written={written!r}")

    def swap(m: re.Match[str]) -> str:
        word = m.group(0)
        low = word.lower()
        new = adjective if low == "monthly" else f"{period}s" if low.endswith("s") else period
        return new[0].upper() + new[1:] if word[0].isupper() else new

    return re.sub(words[written], swap, text)


def _with_paths(sc: Any, paths: Mapping[str, Any]) -> Any:
    """``sc.with_values(paths)``, several fields of one existing section replaced at once.

    (Set one by one, ``retention.cohorts = 20`` before ``retention.periods = 30``
    would be refused on the way; the section's checks run once, on the result.)
    """
    sections: dict[str, dict[str, Any]] = {}
    rest: dict[str, Any] = {}
    for path, value in paths.items():
        head, _, field_name = path.partition(".")
        if head in ("referral", "retention", "economics", "b2b") and getattr(sc, head) is not None:
            sections.setdefault(head, {})[field_name] = value
        else:
            rest[path] = value
    for key, fields in sections.items():
        if len(fields) == 1:
            rest.update({f"{key}.{k}": v for k, v in fields.items()})
        else:
            sc = replace_section(sc, key, **fields)
    return sc.with_values(rest) if rest else sc


def check_loaded(controls: Mapping[str, Control], values: Mapping[str, Any]) -> None:
    """Check values read from a scenario against the sliders' ranges, naming the key."""
    for name, value in values.items():
        c = controls[name]
        if not c.min <= value <= c.max:
            raise ValueError(
                f"{name} = {value!r} is outside the explorer's range [{c.min:g}, {c.max:g}]"
            )


def _close_tree(widget: w.Widget) -> None:
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()


def _card(m: Metric, b: Outcome, a: Outcome | None) -> Card:
    """The text of metric ``m``'s card: B's value, and in A/B mode A's value and B − A."""
    vb = b.metrics.get(m.name, math.nan)
    card = Card(m.label, m.format(vb), note=b.notes.get(m.name, ""))
    if a is None:
        return card
    va = a.metrics.get(m.name, math.nan)
    return dataclasses.replace(card, a=m.format(va), delta=_signed(m, vb - va))


def _signed(metric: Metric, delta: float) -> str:
    """A change with its sign in front of any unit: +$1,200, −3.4, ±0, +2 pp.

    A change of a percentage is in percentage points (18 % − 21 % is −3 pp).
    """
    if not math.isfinite(delta):
        return "–"
    text = metric.format(abs(delta))
    if text.endswith("%"):
        text = text[:-1] + " pp"
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    return sign + text


def _status_html(text: str, *, error: bool = False) -> str:
    colour = "#D55E00" if error else "#666666"
    return f"<span style='color:{colour};font-size:12px'>{html.escape(text)}</span>"
