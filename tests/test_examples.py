"""Every script in examples/ is run by a test; the ones without a test elsewhere run here."""

from __future__ import annotations

import re
import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def test_every_example_is_run_by_a_test():
    tests = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_*.py")}
    tests.pop(Path(__file__).name)
    tests["this file"] = Path(__file__).read_text(encoding="utf-8").split("# ---- runs")[-1]
    assert len(EXAMPLES) >= 7
    for example in EXAMPLES:
        runners = [name for name, text in tests.items() if f'"{example.name}"' in text]
        assert runners, f"examples/{example.name} is run by no test"


def test_examples_have_a_docstring_and_a_quick_flag_or_run_in_seconds():
    for example in EXAMPLES:
        text = example.read_text(encoding="utf-8")
        assert text.startswith('"""'), example.name
        assert "--quick" in text or example.name == "quickstart.py", example.name


# ---- runs


def _run(script: str, *args: str, monkeypatch, capsys) -> str:
    path = ROOT / "examples" / script
    monkeypatch.setattr(sys, "argv", [str(path), *args])
    runpy.run_path(str(path), run_name="__main__")
    return capsys.readouterr().out


def test_gd_vs_sgd_example(monkeypatch, capsys):
    out = _run("gd_vs_sgd.py", "--quick", monkeypatch=monkeypatch, capsys=capsys)
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(
            r"^(GD|minibatch 10|SGD) .* (after epoch \d+|not in \d+ epochs)$", out, re.M
        )
    }
    assert set(rows) == {"GD", "SGD"}
    # Figure 9-5's point: per pass over the data, SGD gets there first.
    assert rows["SGD"] == "after epoch 1" and rows["GD"] != "after epoch 1"
    assert "SGD in a Python loop over a jitted step" in out


def test_lr_sweep_example(monkeypatch, capsys):
    out = _run("lr_sweep.py", "--quick", monkeypatch=monkeypatch, capsys=capsys)
    rows = {
        m.group(1): [float(v) for v in m.group(2).split()]
        for m in re.finditer(r"^(sgd|momentum|adam) +((?:(?:[\d.]+|inf) +){9})", out, re.M)
    }
    assert set(rows) == {"sgd", "momentum", "adam"}
    # A rate of 10 is far too large for momentum 0.9 (effective step 10 / (1 - 0.9) = 100):
    # its loss there is far above its loss at rate 1. Adam at its best rate beats SGD at any
    # rate up to 0.1.
    assert rows["momentum"][-1] > rows["momentum"][6] and rows["momentum"][-1] > 1.0
    assert min(rows["adam"]) < min(rows["sgd"][:5])
    gap = float(re.search(r"largest parameter gap (\S+)", out).group(1))
    assert gap < 1e-4
