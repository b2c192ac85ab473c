"""The ``funnelsim`` command: run scenario files from a shell.

::

    funnelsim list                                    # the ready-made scenarios
    funnelsim show b2c_referral > mine.toml           # a scenario as TOML, to edit
    funnelsim simulate mine.toml -o out/ --format parquet
    funnelsim sweep mine.toml --param funnel.rates.activation=0.2:0.8:7 \\
        --param seed=1,2,3 -o sweep.csv
    funnelsim report mine.toml -o report.html         # one self-contained page
    funnelsim compare team_a.toml team_b.toml --csv teams.csv   # side by side

``python -m funnelsim`` is the same command. Every sub-command has ``--help``.

Exit codes: 0 success, 1 the run failed (a malformed scenario, a value out of
range, a file that cannot be written, an optional package such as pyarrow
missing: one line on stderr, no traceback), 2 the
command line itself is wrong (argparse's usage message), 130 interrupted, 141
the reader of the output went away (``funnelsim sweep ... | head``), silently.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from funnelsim import __version__, _format
from funnelsim._format import CSV_FLOAT_FORMAT
from funnelsim._io import atomic_write, atomic_write_set

if TYPE_CHECKING:
    import pandas as pd

    from funnelsim.scenarios import Scenario, ScenarioRun

# numpy, pandas and the models are imported inside the commands that use them:
# `funnelsim --help`, `--version` and usage errors answer without loading them.

__all__ = ["add_progress_arguments", "compare_text", "main", "parse_grid", "parse_value"]

PROG = "funnelsim"
_FORMATS = ("csv", "parquet")


class UsageError(Exception):
    """A command-line argument that argparse could not check by itself (exit 2)."""


# -- argument values ---------------------------------------------------------------------


def parse_value(text: str) -> Any:
    """A command-line value as TOML would read it: int, float, true/false or a string.

    Quotes make a string of anything (``name='"2024"'`` is the text 2024).

    >>> parse_value("0.3"), parse_value("1e5"), parse_value("true"), parse_value("counts")
    (0.3, 100000.0, True, 'counts')
    >>> parse_value('"2024"')
    '2024'
    """
    word = text.strip()
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "\"'":
        return word[1:-1]
    if word.lower() in ("true", "false"):
        return word.lower() == "true"
    try:
        return int(word.replace("_", ""))
    except ValueError:
        pass
    try:
        return float(word)
    except ValueError:
        return word


def parse_grid(text: str) -> tuple[str, list[Any]]:
    """Split ``--param PATH=VALUES``: a list ``1,2,3``, a range ``start:stop:count`` or one value.

    A range gives ``count`` evenly spaced values from ``start`` to ``stop``
    inclusive (``numpy.linspace``, rounded to 12 significant digits); integers
    stay integers when the steps are whole.

    >>> parse_grid("funnel.rates.activation=0.2:0.8:4")
    ('funnel.rates.activation', [0.2, 0.4, 0.6, 0.8])
    >>> parse_grid("seed=1,2,3")
    ('seed', [1, 2, 3])
    """
    path, sep, spec = text.partition("=")
    path = path.strip()
    if not sep or not path or not spec.strip():
        raise UsageError(f"--param needs PATH=VALUES (e.g. seed=1,2,3), got {text!r}")
    if spec.count(":") == 2:
        start_s, stop_s, count_s = spec.split(":")
        start, stop, count = parse_value(start_s), parse_value(stop_s), parse_value(count_s)
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (start, stop))
        if not numeric or not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise UsageError(
                f"--param {path}: a range is start:stop:count with numbers and a count >= 1, "
                f"got {spec!r}"
            )
        if not (math.isfinite(start) and math.isfinite(stop)):
            raise UsageError(f"--param {path}: range ends must be finite, got {spec!r}")
        # Round away float noise such as 0.6000000000000001, so grid values print as typed.
        import numpy as np

        values: list[Any] = [float(f"{v:.12g}") for v in np.linspace(start, stop, count)]
        if (
            isinstance(start, int)
            and isinstance(stop, int)
            and all(float(v).is_integer() for v in values)
        ):
            values = [int(v) for v in values]
        return path, values
    values = [parse_value(v) for v in spec.split(",") if v.strip()]
    if not values:
        raise UsageError(f"--param {path}: no values in {spec!r}")
    return path, values


def _scenario(args: argparse.Namespace) -> Scenario:
    """The scenario named on the command line, with its --set, --seed and --buyers applied."""
    from funnelsim.scenarios import load_scenario

    return _apply_sets(load_scenario(args.scenario), args)


def _apply_sets(scenario: Scenario, args: argparse.Namespace) -> Scenario:
    changes: dict[str, Any] = {}
    for item in args.set or []:
        path, sep, value = item.partition("=")
        if not sep or not path.strip():
            raise UsageError(f"--set needs PATH=VALUE (e.g. buyers=5000), got {item!r}")
        changes[path.strip()] = parse_value(value)
    if getattr(args, "seed", None) is not None:
        changes["seed"] = args.seed
    if getattr(args, "buyers", None) is not None:
        changes["buyers"] = args.buyers
    return scenario.with_values(changes) if changes else scenario


def _output_format(path: Path, given: str | None) -> str:
    if given is not None:
        return given
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix == ".csv":
        return "csv"
    raise UsageError(
        f"cannot tell the format of {str(path)!r}: end it in .csv or .parquet, or pass --format"
    )


def _frame_writer(frame: pd.DataFrame, fmt: str) -> Callable[[Path], object]:
    """A function writing ``frame`` to the path it is given (for :mod:`funnelsim._io`)."""
    if fmt == "parquet":
        return lambda path: frame.to_parquet(path, index=False)
    return lambda path: frame.to_csv(path, index=False, float_format=CSV_FLOAT_FORMAT)


# -- commands ---------------------------------------------------------------------------


def add_progress_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Give ``parser`` the arguments of ``funnelsim progress``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        Typically ``subparsers.add_parser("progress", ...)``; pair it with
        ``set_defaults(func=funnelsim.quiz.run_progress)``.

    Returns
    -------
    argparse.ArgumentParser
        The same parser.
    """
    parser.add_argument(
        "paths",
        nargs="*",
        help="progress files or folders searched for *.jsonl (default: your own progress "
        "folder, $FUNNELSIM_PROGRESS_DIR or ~/.funnelsim)",
    )
    parser.add_argument("--summary", action="store_true", help="one row per student and lesson")
    parser.add_argument("-o", "--output", help="write CSV to this file instead of printing")
    return parser


def _cmd_exercise(args: argparse.Namespace) -> int:
    from funnelsim.exercises.notebook import main as exercise_main  # nbformat etc.: only here

    return exercise_main(args.rest)


def _cmd_progress(args: argparse.Namespace) -> int:
    from funnelsim.quiz import run_progress  # pandas and the quiz machinery: only here

    return run_progress(args)


def _cmd_list(args: argparse.Namespace) -> int:
    from funnelsim.scenarios import list_scenarios, load_scenario

    names = list_scenarios()
    width = max(len(n) for n in names)
    for name in names:
        print(f"{name:<{width}}  {load_scenario(name).name}")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from funnelsim.scenarios import dumps_toml, load_scenario, scenario_text

    original = load_scenario(args.scenario)
    scenario = _apply_sets(original, args)
    if scenario is original:
        # Unchanged: the file as written, with its comments (a better start for an edit).
        sys.stdout.write(scenario_text(args.scenario))
    else:
        sys.stdout.write(dumps_toml(scenario.to_dict()))
    return 0


def _summary_text(scenario: Scenario, run: ScenarioRun) -> str:
    import numpy as np
    import pandas as pd

    from funnelsim._format import count as _format_count

    result = run.result
    seed = "fresh seed" if result.seed is None else f"seed {result.seed}"
    reps = f", {result.replications} replications" if result.replications > 1 else ""
    lines = [scenario.name, f"{result.buyers:,} buyers{reps}, {seed}, mode {result.mode}", ""]
    # Pooled over replications: mean buyers reaching each stage, and the ratios of the means.
    reached = result.counts.mean(axis=0)
    previous = np.concatenate([[result.buyers], reached[:-1]])
    with np.errstate(invalid="ignore", divide="ignore"):
        step = np.where(previous > 0, reached / np.where(previous > 0, previous, 1), np.nan)
        cumulative = reached / result.buyers if result.buyers else np.full(reached.shape, np.nan)
    shown = pd.DataFrame(
        {
            "stage": list(result.funnel.names),
            "reached": [_format_count(v) for v in reached],
            "step_conversion": [_format.percent(v, 2) for v in step],
            "cumulative_conversion": [_format.percent(v, 2) for v in cumulative],
        }
    )
    lines.append(shown.to_string(index=False))
    lines.append("")
    for section, sentence in run.highlights().items():
        lines.append(f"{section + ':':<11}{sentence}")
    return "\n".join(lines)


def _cmd_simulate(args: argparse.Namespace) -> int:
    scenario = _scenario(args)
    if args.events:
        scenario = scenario.with_values(events=True)
    run = scenario.run()
    print(_summary_text(scenario, run))
    if args.output is not None:
        # All tables or none: each is written in full to a temporary folder, then renamed.
        files = {
            f"{name}.{args.format}": _frame_writer(frame, args.format)
            for name, frame in run.tables().items()
        }
        written = atomic_write_set(Path(args.output), files)
        print(f"wrote {', '.join(map(str, written))}", file=sys.stderr)
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from funnelsim.scenarios import sweep

    grid: dict[str, list[Any]] = {}
    for item in args.param:
        path, values = parse_grid(item)
        if path in grid:
            raise UsageError(f"--param {path} is given twice")
        grid[path] = values
    out = None if args.output is None else Path(args.output)
    fmt = _output_format(out, args.format) if out is not None else "csv"
    scenario = _scenario(args)
    progress = not args.no_progress and sys.stderr.isatty()
    frame = sweep(scenario, grid, progress=progress)
    if out is None:
        frame.to_csv(sys.stdout, index=False, float_format=CSV_FLOAT_FORMAT)
    else:
        if out.parent != Path():
            out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(out, _frame_writer(frame, fmt))
        print(f"wrote {len(frame)} rows to {out}", file=sys.stderr)
    return 0


#: How ``funnelsim compare`` prints each column (the CSV keeps full precision).
_COMPARE_FORMATS: dict[str, Callable[[Any], str]] = {
    "buyers": _format.count,
    "customers": _format.count,
    "conversion": lambda x: _format.percent(x, 1),
    "entrants_per_customer": _format.number,
    "ltv": _format.money,
    "cac": _format.money,
    "ltv_to_cac": _format.ratio,
    "payback_periods": _format.number,
    "retention_survival": lambda x: _format.percent(x, 1),
    "referral_k": _format.number,
    "referred": _format.count,
    "b2b_win_rate": lambda x: _format.percent(x, 1),
    "b2b_median_cycle": _format.number,
    "growth_active": _format.count,
    "growth_revenue": _format.money,
    "growth_referral_share": lambda x: _format.percent(x, 1),
}


#: The unit ``funnelsim compare`` writes after a row's name (period rows get the period).
_COMPARE_UNITS: dict[str, str] = {
    "buyers": "people, one funnel run",
    "customers": "people reaching customer_stage",
    "entrants_per_customer": "buyers per customer",
    "growth_active": "customers at the last period",
    "growth_revenue": "cumulative, at the last period",
    "referred": "people",
}
#: Rows counted in the scenario's periods: each cell is written with its unit.
_PERIOD_CELLS = ("payback_periods", "growth_periods")


def compare_text(frame: pd.DataFrame) -> str:
    """The table of :func:`funnelsim.scenarios.compare_scenarios` as text: one column per
    scenario, one row per number, rounded for reading.

    Each row's name says its unit; rows counted in periods (``payback_periods``,
    ``growth_periods``) write each scenario's own period ("16 weeks", "17 months"),
    and the rows of :data:`funnelsim.scenarios.compare.PERIOD_COLUMNS` are flagged
    "periods differ" when the scenarios' ``period`` differ.

    >>> import pandas as pd
    >>> print(compare_text(pd.DataFrame({"scenario": ["a", "b"], "customers": [12.0, 30.5]})))
                                                 a     b
    customers (people reaching customer_stage)  12  30.5
    """
    import pandas as pd

    from funnelsim.scenarios.compare import PERIOD_COLUMNS

    units = list(frame["period"]) if "period" in frame else ["period"] * len(frame)
    cycle_units = (
        list(frame["b2b_time_unit"]) if "b2b_time_unit" in frame else ["time unit"] * len(frame)
    )
    differ = len(set(units)) > 1
    shown = {}
    for column in frame.columns:
        if column in ("scenario", "b2b_time_unit"):
            continue  # the time unit is written in each b2b_median_cycle cell
        fmt = _COMPARE_FORMATS.get(column, str)
        cells = []
        for v, unit in zip(frame[column], units, strict=True):
            if isinstance(v, float) and math.isnan(v):
                cells.append(_format.DASH)
            elif column in _PERIOD_CELLS:
                cells.append(_format.periods(v, unit))
            elif column == "b2b_median_cycle":
                cells.append(_format.periods(v, cycle_units[len(cells)]))
            else:
                cells.append(fmt(v))
        label = column
        if column in _COMPARE_UNITS:
            label = f"{column} ({_COMPARE_UNITS[column]})"
        if differ and column in PERIOD_COLUMNS:
            label = f"{label} [periods differ: {' vs '.join(dict.fromkeys(units))}]"
        shown[label] = cells
    table = pd.DataFrame(shown, index=list(frame["scenario"])).T
    return table.to_string()


def _cmd_compare(args: argparse.Namespace) -> int:
    from funnelsim.scenarios import compare_scenarios

    frame = compare_scenarios(args.scenarios, seed=args.seed)
    print(compare_text(frame))
    if args.csv is not None:
        out = Path(args.csv)
        if out.parent != Path():
            out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(out, _frame_writer(frame, "csv"))
        print(f"wrote {len(frame)} rows to {out}", file=sys.stderr)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    out = Path(args.output) if args.output else Path(f"{Path(str(args.scenario)).stem}.html")
    if out.suffix.lower() not in (".html", ".htm"):
        raise UsageError(
            f"the report is an HTML page: end the output name in .html, got {str(out)!r}"
        )
    scenario = _scenario(args)
    from funnelsim.report import write_report  # altair and vl-convert: only for a report

    write_report(scenario, out)
    print(f"wrote {out}", file=sys.stderr)
    return 0


# -- the parser -------------------------------------------------------------------------

_SCENARIO_HELP = "a scenario file (.toml) or the name of a ready-made one (see 'funnelsim list')"

_EPILOG = """\
examples:
  funnelsim list
  funnelsim show b2c_referral > mine.toml
  funnelsim simulate mine.toml -o out/ --format parquet
  funnelsim sweep mine.toml --param funnel.rates.activation=0.2:0.8:7 \\
                            --param seed=1,2,3 -o sweep.csv
  funnelsim report mine.toml -o report.html
  funnelsim compare mine.toml capstone_team_example --csv teams.csv

exit status: 0 success, 1 the run failed (message on stderr), 2 wrong command line.
Run 'funnelsim COMMAND --help' for the options of a command."""

#: The sub-commands: name, function, one-line help, description, epilog.
_COMMANDS: tuple[tuple[str, Callable[[argparse.Namespace], int], str, str, str | None], ...] = (
    (
        "list",
        _cmd_list,
        "list the ready-made scenarios",
        "List the ready-made scenarios with their titles.",
        None,
    ),
    (
        "show",
        _cmd_show,
        "print a scenario as TOML",
        "Print a scenario as TOML, e.g. to start a file of your own: "
        "funnelsim show b2c_referral > mine.toml. Unchanged, the file is printed as written "
        "(with its comments); with --set, --seed or --buyers, the changed scenario is written "
        "out anew.",
        None,
    ),
    (
        "simulate",
        _cmd_simulate,
        "run a scenario: summary on screen, tables to files",
        "Run a scenario. Prints the funnel summary; with --output, writes every "
        "table (funnel, summary, events, ...) to that folder.",
        None,
    ),
    (
        "sweep",
        _cmd_sweep,
        "run a scenario over a grid of values",
        "Run a scenario over every combination of the --param values and "
        "tabulate the headline metrics, one row per combination.",
        "VALUES is a list (1,2,3), a range start:stop:count (0.2:0.8:7 gives 7 values "
        "from 0.2 to 0.8) or a single value. PATH is a dotted path as in the file: seed, "
        "buyers, funnel.rates.<stage>, funnel.stages[2].rate, ...",
    ),
    (
        "progress",
        _cmd_progress,
        "gather students' quiz progress files into one table",
        "Read the quiz progress files (JSON Lines) of a class, given as files or folders, "
        "and print every attempt as one table, or one row per student and lesson with "
        "--summary; -o FILE writes CSV.",
        None,
    ),
    (
        "exercise",
        _cmd_exercise,
        "exercises: generate student copies, grade submissions, a student's seed",
        "Exercises are written once as masters (exercises/masters); this command writes the "
        "student copies (generate, or generate --check to find stale ones), grades a folder of "
        "submitted notebooks into one table (grade FOLDER --out grades.csv) and prints a "
        "student's seed (seed EXERCISE STUDENT).",
        None,
    ),
    (
        "compare",
        _cmd_compare,
        "run several scenarios and show their headline numbers side by side",
        "Run every scenario (files or ready-made names) with its own seed, or one --seed "
        "for all, and print one column per scenario: customers, conversion, the stage to "
        "fix first, LTV, CAC, LTV:CAC, payback, retention, win rate, growth. --csv FILE "
        "writes the same numbers, one row per scenario, at full precision.",
        "The Python call funnelsim.compare_scenarios([...]) returns the same table.",
    ),
    (
        "report",
        _cmd_report,
        "write a self-contained HTML report of a scenario",
        "Run a scenario and write one HTML page with its settings, tables and "
        "charts (inline SVG: no scripts, no network needed to view it).",
        None,
    ),
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``funnelsim`` command.

    Returns
    -------
    argparse.ArgumentParser
        With one sub-parser per command; each sets ``func``, the function that
        runs it and returns the exit status.
    """
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Simulate growth and B2B funnels from scenario files.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    sub: dict[str, argparse.ArgumentParser] = {}
    for name, func, help_, description, epilog in _COMMANDS:
        p = commands.add_parser(name, help=help_, description=description, epilog=epilog)
        p.set_defaults(func=func)
        sub[name] = p
        if name == "list":
            continue
        if name == "progress":
            add_progress_arguments(p)
            continue
        if name == "compare":
            p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help=_SCENARIO_HELP)
            p.add_argument("--seed", type=int, help="one seed for every scenario")
            p.add_argument("--csv", metavar="FILE", help="also write the table to FILE (CSV)")
            continue
        if name == "exercise":
            p.add_argument(
                "rest",
                nargs=argparse.REMAINDER,
                metavar="generate [--check] | grade FOLDER [--out CSV] | seed EXERCISE STUDENT",
                help="what to do; 'funnelsim exercise generate --help' shows its options",
            )
            continue
        p.add_argument("scenario", help=_SCENARIO_HELP)
        p.add_argument("--seed", type=int, help="replace the scenario's seed")
        p.add_argument("--buyers", type=int, help="replace the number of buyers")
        p.add_argument(
            "--set",
            action="append",
            metavar="PATH=VALUE",
            help="change one value by its dotted path, e.g. --set funnel.rates.activation=0.6 "
            "(repeatable)",
        )

    p = sub["simulate"]
    p.add_argument(
        "-o", "--output", metavar="DIR", help="folder for the tables (created if needed)"
    )
    p.add_argument(
        "--format", choices=_FORMATS, default="csv", help="table file format (default: csv)"
    )
    p.add_argument(
        "--events",
        action="store_true",
        help="also write the event log (one row per buyer and stage)",
    )

    p = sub["sweep"]
    p.add_argument(
        "--param",
        action="append",
        required=True,
        metavar="PATH=VALUES",
        help="a swept value (repeatable; the grid is the product of all of them)",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the results to FILE (.csv or .parquet); default: CSV on stdout",
    )
    p.add_argument("--format", choices=_FORMATS, help="file format (default: from the FILE suffix)")
    p.add_argument("--no-progress", action="store_true", help="never show the progress bar")

    sub["report"].add_argument(
        "-o", "--output", metavar="FILE", help="the HTML file (default: <scenario>.html)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``funnelsim`` command.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status: 0 success, 1 a failed run (one line on stderr), 2 a
        wrong command line, 130 interrupted, 141 the output pipe closed early.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) or a usage error (2)
        return int(exc.code) if isinstance(exc.code, int) else 2
    try:
        return int(args.func(args))
    except BrokenPipeError:
        # `funnelsim sweep ... | head` closed the pipe early: stop quietly, as a
        # program killed by SIGPIPE would (exit status 128 + 13).
        _silence_stdout()
        return 141
    except UsageError as err:
        sub = args.command
        print(f"usage: {PROG} {sub} --help\n{PROG} {sub}: error: {err}", file=sys.stderr)
        return 2
    except ImportError as err:
        # Parquet (pyarrow) and the report (altair, vl-convert) need the notebooks extra.
        print(
            f"{PROG}: error: {_one_line(err)} (this command needs an optional package: "
            "pip install 'funnelsim[notebooks]')",
            file=sys.stderr,
        )
        return 1
    except (ValueError, TypeError, OSError) as err:
        # ValueError covers ScenarioError (a malformed file) and every parameter check;
        # OSError covers a missing file and an unwritable output.
        print(f"{PROG}: error: {_one_line(err)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    finally:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()


def _one_line(err: BaseException) -> str:
    text = (
        str(err)
        if not isinstance(err, OSError) or not err.filename
        else f"{err.strerror}: {err.filename}"
    )
    return " ".join(text.split()) or type(err).__name__


def _silence_stdout() -> None:
    # Point stdout at /dev/null so the interpreter's final flush does not fail again.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # pragma: no cover - stdout without a file descriptor
        pass


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
