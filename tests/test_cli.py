"""The jaxnn console script: --help, --version, info, and one-line errors."""

from __future__ import annotations

import json
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
def test_every_subcommand_has_help_with_example_and_common_options(cmd, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main([cmd, "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for option in ("--out", "--quick", "--seed", "example:"):
        assert option in out, f"{cmd} --help lacks {option}"


def test_info_prints_and_writes_json(tmp_path, capsys):
    assert cli.main(["info", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "jax:" in out and "devices:" in out
    data = json.loads((tmp_path / "o" / "info.json").read_text())
    assert data["jaxnn"] == jaxnn.__version__


def test_bad_argument_is_one_line_and_nonzero():
    r = run("info", "--seed", "notanumber")
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
    [(["--seed", "x"], "invalid int value: 'x'"), (["--bogus"], "unrecognized arguments: --bogus")],
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
    assert cli.main([cmd, "--quick", "--out", str(blocker / "sub")]) == 2
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
