"""examples/custom_optimizer.py runs, its sign-SGD passes and its buggy variant is caught."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_custom_optimizer_example_runs():
    r = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "custom_optimizer.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0].strip().startswith("sign_sgd") and lines[0].endswith("PASS")
    assert lines[1].strip().startswith("sloppy") and "FAIL from step" in lines[1]
