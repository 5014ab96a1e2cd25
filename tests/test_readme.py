"""README.md's commands are the ones CI runs, and its Python examples run."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(lang):
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_ci_runs_the_readme_install_and_test_commands():
    test_line = next(b for b in _blocks("bash") if "pytest" in b).strip().splitlines()[0]
    parts = [p.strip() for p in test_line.split("&&")]
    install = next(p for p in parts if p.startswith("pip install"))
    test = next(p for p in parts if "pytest" in p)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert install in ci, f"README's install command {install!r} is not what .ci/run runs"
    assert test in ci, f"README's test command {test!r} is not what .ci/run runs"


def test_readme_quickstart_runs():
    code = next(b for b in _blocks("python") if "value_and_grad" in b)
    scope: dict = {}
    exec(compile(code, "README.md quickstart", "exec"), scope)
    assert float(scope["loss"]) < 0.05
