import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import funnelsim as fs
from funnelsim.cli import UsageError, build_parser, main, parse_grid, parse_value

EXE = Path(sys.executable).with_name("funnelsim")
SUBCOMMANDS = ("list", "show", "simulate", "sweep", "report", "compare")


def run(*args, env=None):
    """The installed command, end to end, in a fresh process."""
    full_env = {**os.environ, "TQDM_DISABLE": "1", **(env or {})}
    return subprocess.run(
        [str(EXE), *args], capture_output=True, text=True, timeout=120, env=full_env, check=False
    )


# -- argument values --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3", 3),
        ("100_000", 100_000),
        ("0.25", 0.25),
        ("1e5", 1e5),
        ("true", True),
        ("False", False),
        ("counts", "counts"),
        ('"2024"', "2024"),
        ("'true'", "true"),
    ],
)
def test_parse_value(text, value):
    got = parse_value(text)
    assert got == value and type(got) is type(value)


def test_parse_grid_forms():
    assert parse_grid("funnel.rates.activation=0.2:0.8:7") == (
        "funnel.rates.activation",
        [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
    )
    assert parse_grid("seed=1,2,3") == ("seed", [1, 2, 3])
    assert parse_grid("seed=1:10:10") == ("seed", list(range(1, 11)))
    assert parse_grid("buyers=10:20:3") == ("buyers", [10, 15, 20])
    assert parse_grid("buyers=10:15:3") == ("buyers", [10.0, 12.5, 15.0])
    assert parse_grid("mode=counts") == ("mode", ["counts"])
    assert parse_grid("x=0.5:0.9:1") == ("x", [0.5])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("seed", r"--param needs PATH=VALUES"),
        ("=1,2", r"--param needs PATH=VALUES"),
        ("seed=", r"--param needs PATH=VALUES"),
        ("seed=,", r"--param seed: no values"),
        ("x=0:1:0", r"a range is start:stop:count"),
        ("x=a:1:3", r"a range is start:stop:count"),
        ("x=0:1:2.5", r"a range is start:stop:count"),
        ("x=0:inf:3", r"range ends must be finite"),
    ],
)
def test_parse_grid_errors(text, message):
    with pytest.raises(UsageError, match=message):
        parse_grid(text)


# -- in-process: main([...]) ------------------------------------------------------------


@pytest.mark.parametrize("command", [None, *SUBCOMMANDS])
def test_every_command_has_help(command, capsys):
    argv = ["--help"] if command is None else [command, "--help"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: funnelsim")
    if command is None:
        for sub in SUBCOMMANDS:
            assert sub in out


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"funnelsim {fs.__version__}"


def test_list_names_every_ready_made_scenario(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in fs.list_scenarios():
        assert name in out
    assert "B2B SaaS with long sales cycles" in out


def test_show_prints_a_file_that_loads_back(tmp_path, capsys):
    assert (
        main(["show", "b2c_referral", "--set", "funnel.rates.activation=0.5", "--seed", "3"]) == 0
    )
    path = tmp_path / "mine.toml"
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    want = fs.load_scenario("b2c_referral").with_values({"funnel.rates.activation": 0.5, "seed": 3})
    assert fs.load_scenario(path) == want


def test_show_prints_an_unchanged_file_as_written(tmp_path, capsys):
    assert main(["show", "b2b_saas"]) == 0
    printed = capsys.readouterr().out
    assert printed == fs.scenarios.scenario_text("b2b_saas")
    assert printed.startswith("# A B2B analytics platform")
    path = tmp_path / "copy.toml"
    path.write_text(printed, encoding="utf-8")
    assert fs.load_scenario(path) == fs.load_scenario("b2b_saas")
    assert main(["show", str(path)]) == 0
    assert capsys.readouterr().out == printed


def test_simulate_prints_the_summary_and_writes_csv(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["simulate", "b2c_referral", "--buyers", "5000", "-o", str(out), "--events"]) == 0
    captured = capsys.readouterr()
    assert "B2C app with a referral programme" in captured.out
    assert "5,000 buyers, seed 2024" in captured.out
    assert "wrote" in captured.err
    funnel = pd.read_csv(out / "funnel.csv")
    want = fs.load_scenario("b2c_referral").simulate(buyers=5000).table()
    assert funnel["stage"].tolist() == list(fs.AAARRR_STAGES)
    assert funnel["reached"].tolist() == want["reached"].tolist()
    events = pd.read_csv(out / "events.csv")
    assert list(events.columns) == list(fs.EVENT_COLUMNS)
    assert len(events) == int(want["reached"].sum())


def test_simulate_writes_parquet_with_replications(tmp_path, capsys):
    out = tmp_path / "pq"
    assert (
        main(
            [
                "simulate",
                "b2b_saas",
                "-o",
                str(out),
                "--format",
                "parquet",
                "--set",
                "replications=3",
            ]
        )
        == 0
    )
    capsys.readouterr()
    funnel = pd.read_parquet(out / "funnel.parquet")
    assert funnel["replication"].nunique() == 3
    summary = pd.read_parquet(out / "summary.parquet")
    assert summary["stage"].astype(str).tolist() == list(fs.TLTB_STAGES)


def test_sweep_writes_the_grid(tmp_path, capsys):
    path = tmp_path / "sweep.parquet"
    argv = [
        "sweep",
        "viral_saturation",
        "--param",
        "funnel.rates.installed=0.2:0.8:3",
        "--param",
        "seed=1,2",
        "--set",
        "mode=counts",
        "-o",
        str(path),
    ]
    assert main(argv) == 0
    assert "wrote 6 rows" in capsys.readouterr().err
    frame = pd.read_parquet(path)
    assert frame[["funnel.rates.installed", "seed"]].to_numpy().tolist() == [
        [0.2, 1],
        [0.2, 2],
        [0.5, 1],
        [0.5, 2],
        [0.8, 1],
        [0.8, 2],
    ]
    base = fs.load_scenario("viral_saturation").with_values(mode="counts")
    want = base.with_values({"funnel.rates.installed": 0.5, "seed": 2}).simulate()
    assert frame.loc[3, "customers"] == want.counts[0, -1]


def test_sweep_without_output_writes_csv_to_stdout(capsys):
    assert main(["sweep", "b2c_referral", "--param", "seed=1,2", "--set", "mode=counts"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("seed,buyers,customers,conversion")
    assert len(lines) == 3


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["simulate"], r"the following arguments are required: scenario"),
        (["sweep", "b2c_referral"], r"the following arguments are required: --param"),
        (["sweep", "b2c_referral", "--param", "seed"], r"--param needs PATH=VALUES"),
        (
            ["sweep", "b2c_referral", "--param", "seed=1", "--param", "seed=2"],
            r"--param seed is given twice",
        ),
        (
            ["sweep", "b2c_referral", "--param", "seed=1", "-o", "x.xlsx"],
            r"cannot tell the format of 'x\.xlsx'",
        ),
        (["simulate", "b2c_referral", "--set", "buyers"], r"--set needs PATH=VALUE"),
        (["simulate", "b2c_referral", "--format", "xlsx"], r"invalid choice: 'xlsx'"),
        (["report", "b2c_referral", "-o", "r.pdf"], r"end the output name in \.html"),
        (["frobnicate"], r"invalid choice: 'frobnicate'"),
        ([], r"the following arguments are required: COMMAND"),
    ],
)
def test_usage_errors_exit_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "usage: funnelsim" in err
    assert re.search(message, err)
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["simulate", "no_such_scenario"],
            r"no scenario file or ready-made scenario 'no_such_scenario'",
        ),
        (["simulate", "missing/file.toml"], r"no scenario file 'missing/file\.toml'"),
        (
            ["simulate", "b2c_referral", "--set", "funnel.rates.activation=1.5"],
            r"funnel\.rates\.activation must be in \[0, 1\], got 1\.5",
        ),
        (
            ["simulate", "b2c_referral", "--set", "buyerz=3"],
            r"buyerz: unknown key; did you mean 'buyers'\?",
        ),
        (
            ["sweep", "b2c_referral", "--param", "funnel.rates.nope=0.1,0.2"],
            r"no stage named 'nope'",
        ),
    ],
)
def test_runtime_errors_exit_1_with_one_line(argv, message, capsys):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("funnelsim: error: ")
    assert err.count("\n") == 1
    assert re.search(message, err)


def test_malformed_file_error_names_the_file(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(
        '[funnel]\npreset = "aaarrr"\n[funnel.rates]\nactivation = 2\n', encoding="utf-8"
    )
    assert main(["simulate", str(path)]) == 1
    err = capsys.readouterr().err
    assert err == f"funnelsim: error: {path}: funnel.rates.activation must be in [0, 1], got 2\n"


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ("buyers = " + "[" * 3000 + "]" * 3000, "buyers", 1),  # tomllib's RecursionError
        ('name = "a # [b"\n[economics]\narpu = ' + "[" * 200 + "]" * 200, "economics.arpu", 3),
        ("a = " + "{b=" * 400 + "1" + "}" * 400, "a", 1),
    ],
)
def test_deeply_nested_file_is_one_line_naming_the_key(tmp_path, capsys, text, key, line):
    path = tmp_path / "deep.toml"
    path.write_text(text + "\n", encoding="utf-8")
    assert main(["simulate", str(path)]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"funnelsim: error: {path}: {key}: nests arrays or inline tables more than 50 levels "
        f"deep (line {line}); no scenario key needs more than 2\n"
    )


def test_sweep_csv_has_no_float_noise(capsys):
    # values computed elsewhere carry binary noise: 0.1 * 3, 0.7 * 0.1 * 4 ...
    values = ",".join(repr(v) for v in (0.02, 0.1 * 0.4, 0.1 * 3 * 0.2, 0.7 * 0.1 * 4 / 3.5))
    assert "0.06000000000000001" in values and "0.07999999999999999" in values
    argv = ["sweep", "b2c_referral", "--param", f"funnel.rates.activation={values}"]
    assert main([*argv, "--set", "mode=counts"]) == 0
    out = capsys.readouterr().out
    assert "0000000" not in out and "9999999" not in out
    assert pd.read_csv(io.StringIO(out))["funnel.rates.activation"].tolist() == [
        0.02,
        0.04,
        0.06,
        0.08,
    ]


def test_unwritable_output_is_a_runtime_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["simulate", "b2c_referral", "--buyers", "10", "-o", str(blocker / "sub")]) == 1
    assert capsys.readouterr().err.startswith("funnelsim: error: ")


def test_a_missing_optional_package_is_one_line_not_a_traceback(tmp_path, capsys, monkeypatch):
    # What pandas raises when neither pyarrow nor fastparquet is installed.
    def no_engine(*args, **kwargs):
        raise ImportError("Unable to find a usable engine; tried using: 'pyarrow', 'fastparquet'.")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", no_engine)
    argv = [
        "simulate",
        "b2c_referral",
        "--buyers",
        "10",
        "-o",
        str(tmp_path),
        "--format",
        "parquet",
    ]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("funnelsim: error: Unable to find a usable engine")
    assert err.endswith("pip install 'funnelsim[notebooks]')\n")


def test_parser_has_a_help_line_for_every_option():
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    for name, sub in subparsers.choices.items():
        for action in sub._actions:
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"


# -- end to end: the installed command in a fresh process --------------------------------


def test_help_and_version_load_no_model():
    # Lazy imports: --help and --version answer before numpy, pandas or the models load.
    code = (
        "import sys\n"
        "from funnelsim.cli import main\n"
        "assert main(['--version']) == 0 and main(['sweep', '--help']) == 0\n"
        "heavy = {'numpy', 'pandas', 'scipy', 'funnelsim.scenarios', 'funnelsim.engine'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"


def test_installed_command_exit_codes_and_no_traceback(tmp_path):
    # python -m funnelsim is the same command; -X importtime lists every module it
    # imported: a run starts without altair, ipywidgets, vl-convert or tqdm.
    bad = tmp_path / "bad.toml"
    bad.write_text("buyers = [", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "funnelsim", "simulate", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    timing = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    message = [line for line in done.stderr.splitlines() if not line.startswith("import time:")]
    assert done.returncode == 1
    assert len(message) == 1 and "Traceback" not in done.stderr
    assert message[0].startswith(f"funnelsim: error: {bad}: is not valid TOML")
    imported = {line.rsplit("|", 1)[-1].strip() for line in timing}
    assert {"funnelsim.cli", "funnelsim.scenarios"} <= imported
    assert not {"altair", "ipywidgets", "vl_convert", "tqdm"} & imported
    usage = run("sweep", "b2c_referral")
    assert usage.returncode == 2 and "usage:" in usage.stderr
    assert "Traceback" not in usage.stderr


def test_installed_sweep_piped_into_head_is_quiet(tmp_path):
    # The installed command, end to end. The sweep runs longer than the progress
    # bar's 0.5 s delay (about 5 ms a point) with stderr a pipe and TQDM_DISABLE
    # unset: no bar. Its output (about 360 kB: 120 rows that each carry a
    # 3,000-character swept name) overflows the pipe after head has gone: no
    # BrokenPipeError either.
    slow = tmp_path / "slow.toml"
    fs.Scenario(buyers=1_000_000).save(slow)
    env = {k: v for k, v in os.environ.items() if k != "TQDM_DISABLE"}
    shell = f"'{EXE}' sweep '{slow}' --param seed=1:120:120 --param name={'x' * 3000} | head -n 2"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", shell],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    lines = done.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("seed,name,buyers,customers,conversion")
    assert lines[1].startswith(f"1,{'x' * 3000},1000000,")
    assert done.stderr == ""
    assert done.returncode in (0, 141)  # 141 when the pipe closed before the last write


def test_simulate_writes_every_section_table_and_prints_highlights(tmp_path, capsys):
    out = tmp_path / "b2b"
    assert main(["simulate", "b2b_saas", "--set", "replications=2", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    run = fs.load_scenario("b2b_saas").with_values(replications=2).run()
    for section, sentence in run.highlights().items():
        assert f"{section}:" in printed and sentence in printed
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(f"{name}.csv" for name in run.tables())
    contributions = pd.read_csv(out / "b2b_contributions.csv")
    pd.testing.assert_frame_equal(contributions, run.b2b.contributions, check_dtype=False)


@pytest.mark.slow
@pytest.mark.parametrize("disabled", [False, True])
def test_sweep_progress_bar_on_a_terminal_respects_tqdm_disable(tmp_path, disabled):
    import fcntl
    import pty
    import struct
    import termios

    # Slow enough per point (about 5 ms) that the bar, shown after 0.5 s, appears.
    # (TQDM_DISABLE is read when tqdm is imported: a fresh process is needed.)
    small = tmp_path / "small.toml"
    # The bar shows after 0.5 s (tqdm's delay): 150 runs of 4M buyers take several seconds
    # (1M buyers finished inside the delay on a quiet machine, and no bar was drawn; so did
    # 40 runs of 4M).
    fs.Scenario(buyers=4_000_000).save(small)
    env = {k: v for k, v in os.environ.items() if k != "TQDM_DISABLE"}
    if disabled:
        env["TQDM_DISABLE"] = "1"
    leader, follower = pty.openpty()
    # A new pseudo-terminal is 0 columns wide, and tqdm draws nothing in 0 columns.
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    try:
        done = subprocess.run(
            [
                str(EXE),
                "sweep",
                str(small),
                "--param",
                "seed=1:150:150",
                "-o",
                str(tmp_path / "s.csv"),
            ],
            stderr=follower,
            stdout=subprocess.DEVNULL,
            env=env,
            timeout=120,
            check=False,
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    err = b"".join(chunks).decode(errors="replace")
    assert done.returncode == 0
    assert "wrote 150 rows" in err
    assert ("sweep:" in err and "150/150" in err) is not disabled


def test_the_examples_in_the_help_work(tmp_path, monkeypatch, capsys):
    import shlex

    from funnelsim.cli import _EPILOG

    monkeypatch.chdir(tmp_path)
    text = _EPILOG.replace("\\\n", " ")
    commands = [line.strip() for line in text.splitlines() if line.startswith("  funnelsim")]
    assert len(commands) == 6
    for command in commands:
        argv, _, redirect = command.partition(">")
        words = shlex.split(argv)[1:]
        if words[0] == "sweep":
            words += ["--set", "mode=counts"]  # the same grid, faster
        if words[0] in ("simulate", "report"):
            words += ["--buyers", "5000"]  # the same commands, faster
        assert main(words) == 0, command
        out = capsys.readouterr().out
        if redirect:
            (tmp_path / redirect.strip()).write_text(out, encoding="utf-8")
    assert pd.read_csv(tmp_path / "sweep.csv").shape[0] == 21
    assert (tmp_path / "out" / "funnel.parquet").exists()
    assert (tmp_path / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert list(pd.read_csv(tmp_path / "teams.csv")["scenario"]) == [
        "mine",
        "capstone_team_example",
    ]


# -- compare ---------------------------------------------------------------------------------


def test_compare_prints_one_column_per_scenario_and_writes_the_same_numbers(tmp_path, capsys):
    out = tmp_path / "deep" / "teams.csv"
    argv = ["compare", "capstone_start", "capstone_team_example", "--csv", str(out)]
    assert main(argv) == 0
    captured = capsys.readouterr()
    header = captured.out.splitlines()[0].split()
    assert header == ["capstone_start", "capstone_team_example"]
    assert "ltv_to_cac" in captured.out and "fix_first" in captured.out
    assert "wrote 2 rows" in captured.err
    table = pd.read_csv(out)
    expected = fs.compare_scenarios(["capstone_start", "capstone_team_example"])
    pd.testing.assert_frame_equal(table, expected, check_dtype=False, rtol=1e-9)


def test_compare_with_one_seed_for_all(tmp_path, capsys):
    team = tmp_path / "team_a.toml"
    team.write_text(fs.load_scenario("capstone_team_example").to_toml())
    assert main(["compare", "capstone_start", str(team), "--seed", "3"]) == 0
    first = capsys.readouterr().out
    assert first.splitlines()[0].split() == ["capstone_start", "team_a"]
    expected = fs.compare_scenarios(["capstone_start", str(team)], seed=3)
    assert f"{expected['customers'].iloc[1]:,.0f}" in first


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compare"], "the following arguments are required: SCENARIO"),
        (["compare", "no_such_scenario"], "no_such_scenario"),
        (["compare", "capstone_start", "capstone_start"], "labels must be unique"),
    ],
)
def test_compare_errors(argv, message, capsys):
    code = main(argv)
    assert code in (1, 2)
    assert message in capsys.readouterr().err
