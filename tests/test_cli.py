"""The jaxnn console script: --help, --version, info, and one-line errors."""

from __future__ import annotations

import json
import re
import runpy
import subprocess
import sys

import pytest

import jaxnn
from jaxnn import cli


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "jaxnn.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_version_and_help():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"jaxnn {jaxnn.__version__}"
    r = run("--help")
    assert r.returncode == 0 and "COMMAND" in r.stdout and "info" in r.stdout


@pytest.mark.parametrize("cmd", [c.name for c in cli.COMMANDS])
def test_every_subcommand_has_help_with_example_and_its_common_options(cmd, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main([cmd, "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "example:" in out and "--out" in out
    options = next(c.options for c in cli.COMMANDS if c.name == cmd)
    for option in ("quick", "seed"):
        # A command shows the common options it uses and only those (xor has its own --seed).
        assert (f"--{option}" in out) == (option in options or (cmd, option) == ("xor", "seed"))


def test_options_that_do_nothing_are_gone(capsys):
    for argv in (["info", "--quick"], ["info", "--seed", "1"], ["activations", "--seed", "1"]):
        with pytest.raises(SystemExit) as e:
            cli.main(argv)
        assert e.value.code == 2
    assert "unrecognized arguments" in capsys.readouterr().err


def test_commands_follow_the_book():
    names = [c.name for c in cli.COMMANDS]
    chapters = ["xor", "activations", "vanishing", "gd-vs-sgd", "optimizers", "paths"]
    tools = [n for n in ["validate", "sweep", "study", "tour", "info"] if n in names]
    assert names == chapters + tools


def test_tour_stages_in_the_cli_are_the_tours():
    from jaxnn import tour

    assert cli.TOUR_STAGES == tour.STAGES


_NO_JAX = """
import sys, time
t = time.perf_counter()
from jaxnn import cli
try:
    cli.main(ARGV)
except SystemExit as e:
    code = e.code
else:
    code = 0
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("jax", "jaxlib", "numpy", "matplotlib", "optax"))
print(code, heavy, time.perf_counter() - t, file=sys.stderr)
"""


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["tour", "--help"], ["xor", "--epochs", "x"], ["paths", "--steps", "0"]],
)
def test_help_and_argument_errors_do_not_import_jax(argv):
    r = subprocess.run(
        [sys.executable, "-c", _NO_JAX.replace("ARGV", repr(argv))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    last = r.stderr.strip().splitlines()[-1]
    code, rest = last.split(" ", 1)
    heavy, seconds = rest.rsplit(" ", 1)
    assert heavy == "[]", f"{argv} imported {heavy}"
    assert code in ("0", "2")
    assert float(seconds) < 2.0  # about 0.05 s idle; generous for a loaded machine


def test_import_jaxnn_is_lazy_and_submodules_load_on_use():
    code = (
        "import sys, jaxnn; print('jax' in sys.modules); "
        "print(jaxnn.validate.__name__, jaxnn.experiments.__name__, jaxnn.plot.__name__, "
        "jaxnn.tour.__name__, jaxnn.report.__name__, jaxnn.sweep.__name__, jaxnn.mlp.__name__); "
        "from jaxnn import optim; print(optim.__name__, 'validate' in dir(jaxnn))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    first, second, third = r.stdout.splitlines()
    assert first == "False"
    assert second == (
        "jaxnn.validate jaxnn.experiments jaxnn.plot jaxnn.tour jaxnn.report jaxnn.sweep mlp"
    )
    assert third == "jaxnn.optim True"
    with pytest.raises(AttributeError, match="no attribute 'bogus'"):
        jaxnn.bogus


@pytest.mark.parametrize(
    "argv, message",
    [
        (["xor", "--epochs", "1000000000000"], "--epochs must be an integer from 1 to 10,000,000"),
        (["paths", "--steps", str(10**12)], "--steps must be an integer from 1 to 10,000,000"),
        (["optimizers", "--batch-size", "0"], "--batch-size must be an integer from 1 to"),
        (["optimizers", "--optimizers", "sgd,lbfgs"], "unknown 'lbfgs' in --optimizers"),
        (["vanishing", "--depths", ","], "--depths must name at least one value"),
        (["tour", "--only", "gd_vs_sgd"], "unknown 'gd_vs_sgd' in --only; choose from"),
        (["xor", "--seed", "-1"], "--seed must be an integer from 0 to"),
        (["paths", "--tol", "nan"], "--tol must be a positive number"),
    ],
)
def test_out_of_range_values_are_one_line_errors_naming_the_flag(argv, message, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_library_errors_name_the_flag_not_the_parameter():
    args = cli.build_parser().parse_args(["optimizers", "--batch-size", "3"])
    message = "`batch_size` must be >= 1, got batch_size=0."
    assert cli._flags_for_names(message, args) == "--batch-size must be >= 1, got --batch-size 0."


def test_plot_and_out_paths_are_checked_before_any_work(tmp_path, capsys):
    (tmp_path / "dir").mkdir()
    cases = [
        (["--plot", str(tmp_path / "dir")], "is a directory; give a file name"),
        (["--plot", str(tmp_path / "curves")], "must end in .png, .pdf, .svg"),
        (["--plot", "/proc/x.png"], "cannot write to --plot '/proc/x.png'"),
        (["--out", ""], "--out '' names no directory"),
        (["--plot", ""], "--plot '' names no file"),
    ]
    for extra, message in cases:
        assert cli.main(["xor", "--epochs", "1", *extra]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, err
        assert "--out" not in err or extra[0] == "--out"
    assert list((tmp_path / "dir").iterdir()) == [] and not (tmp_path / "dir.png").exists()


def test_plural():
    assert cli.plural(1, "epoch") == "1 epoch" and cli.plural(2, "step") == "2 steps"


def test_info_prints_and_writes_json(tmp_path, capsys):
    assert cli.main(["info", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "jax:" in out and "devices:" in out
    data = json.loads((tmp_path / "o" / "info.json").read_text())
    assert data["jaxnn"] == jaxnn.__version__


def test_bad_argument_is_one_line_and_nonzero():
    r = run("vanishing", "--seed", "notanumber")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "invalid int value" in r.stderr and "Traceback" not in r.stderr


def test_unwritable_out_is_one_line_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = run("info", "--out", str(blocker / "sub"))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "cannot write to --out" in r.stderr
    assert "Traceback" not in r.stderr


# --------------------------------------------------------------------------------------------
# Every subcommand: bad arguments and an unwritable --out give one line and exit code 2.

COMMAND_NAMES = [c.name for c in cli.COMMANDS]


def test_every_seed_chapter_command_is_registered():
    assert set(COMMAND_NAMES) >= {
        "info",
        "xor",
        "activations",
        "vanishing",
        "gd-vs-sgd",
        "optimizers",
        "paths",
        "validate",
        "tour",
    }


@pytest.mark.parametrize("cmd", COMMAND_NAMES)
@pytest.mark.parametrize(
    "bad, message",
    [(["--out"], "expected one argument"), (["--bogus"], "unrecognized arguments: --bogus")],
)
def test_bad_argument_of_every_subcommand_is_one_line(cmd, bad, message, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main([cmd, *bad])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and f"see 'jaxnn {cmd} --help'" in err


@pytest.mark.parametrize("cmd", COMMAND_NAMES)
def test_unwritable_out_of_every_subcommand_is_one_line(cmd, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    quick = ["--quick"] if "quick" in next(c.options for c in cli.COMMANDS if c.name == cmd) else []
    assert cli.main([cmd, *quick, "--out", str(blocker / "sub")]) == 2
    err = capsys.readouterr().err
    assert (
        err == f"jaxnn {cmd}: error: cannot write to --out {str(blocker / 'sub')!r}: Not a "
        "directory. Choose a writable directory.\n"
    )


def test_unknown_command_is_one_line(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["bogus"])
    assert e.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert "invalid choice: 'bogus'" in captured.err


def test_python_dash_m_runs_every_command(monkeypatch, capsys):
    # `python -m jaxnn.cli` sees every subcommand (those appended after main() included) ...
    r = run("--help")
    assert r.returncode == 0, r.stderr
    for cmd in COMMAND_NAMES:
        assert cmd in r.stdout, cmd
    # ... and so does `python -m jaxnn` (jaxnn/__main__.py).
    monkeypatch.setattr(sys, "argv", ["jaxnn", "tour", "--help"])
    with pytest.raises(SystemExit) as e:
        runpy.run_module("jaxnn", run_name="__main__")
    assert e.value.code == 0 and "jaxnn tour --quick" in capsys.readouterr().out


def test_closed_stdout_stops_quietly():
    # `jaxnn validate --list | head -1`: the reader goes away; no traceback, no error message.
    p = subprocess.Popen(
        [sys.executable, "-m", "jaxnn.cli", "validate", "--list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    p.stdout.close()  # before the command prints anything
    err = p.stderr.read().decode()
    p.stderr.close()
    assert p.wait(timeout=120) == 141
    assert err == ""


# Words a reader sees: the source named, never the team's private word for it.
PRIVATE = re.compile(r"seed's|the seed\b|what the seed|seed ch\.|seed fig", re.I)
BOOK = "모두의 딥러닝 (Deep Learning for Everyone, 2nd ed., Gilbut)"


def test_help_names_the_book_and_never_says_the_seed(capsys):
    texts = {}
    for argv in [[], *([c.name] for c in cli.COMMANDS)]:
        with pytest.raises(SystemExit):
            cli.main([*argv, "--help"])
        texts[" ".join(argv) or "jaxnn"] = capsys.readouterr().out
    for name, text in texts.items():
        assert not PRIVATE.search(text), f"{name} --help: {PRIVATE.search(text).group(0)!r}"
    assert BOOK in " ".join(texts["jaxnn"].split())
    assert BOOK in " ".join(texts["tour"].split())


def test_only_the_chosen_commands_options_are_built(monkeypatch, capsys):
    # A command whose options import a heavy library (jaxnn study) costs nothing to the others.
    def heavy(parser):
        raise AssertionError("built the options of a command that does not run")

    extra = cli.Command("heavy", "a command with heavy options", "jaxnn heavy", heavy, None)
    monkeypatch.setattr(cli, "COMMANDS", [*cli.COMMANDS, extra])
    with pytest.raises(SystemExit) as e:
        cli.main(["--help"])
    assert e.value.code == 0 and "heavy" in capsys.readouterr().out
    assert cli.main(["xor", "--epochs", "0"]) == 2
    assert "--epochs must be" in capsys.readouterr().err
