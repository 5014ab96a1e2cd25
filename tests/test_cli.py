"""The jaxnn console script: --help, --version, info, and one-line errors."""

from __future__ import annotations

import json
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
    assert r.returncode == 2
    assert "invalid int value" in r.stderr and "Traceback" not in r.stderr


def test_unwritable_out_is_one_line_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = run("info", "--out", str(blocker / "sub"))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "cannot write to --out" in r.stderr
    assert "Traceback" not in r.stderr
