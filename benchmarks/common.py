"""Shared helpers for the benchmark scripts (standalone: nothing in jaxnn imports this).

Method (../BENCHMARKS.md): compile and warm up first and report compile time separately; time
rounds of K chained calls with ``jax.block_until_ready`` at the end of each round; interleave
the variants round by round; report medians and min-max; compare variants as ratios measured in
the same run. Results are written as JSON to ``benchmarks/results/<name>.json`` with the
machine, versions, device and config.
"""

from __future__ import annotations

import datetime as _dt
import json
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def machine_info() -> dict[str, Any]:
    """Machine, versions and device, for the results file: :func:`jaxnn._env.environment`
    (what ``jaxnn info`` prints) plus the date, the processor, the git commit and the device kind.
    """
    import jax

    from jaxnn._env import environment

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    devices = jax.devices()
    return {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        **environment(),
        "processor": platform.processor() or platform.machine(),
        "git_commit": commit,
        "device": devices[0].device_kind if devices else "none",
        "device_count": len(devices),
    }


def summarize(samples: list[float]) -> dict[str, float]:
    """Median, min and max of a list of timings (seconds)."""
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "rounds": len(samples),
    }


def time_interleaved(
    variants: Mapping[str, Callable[[], Any]], *, rounds: int, sync: Callable[[Any], Any]
) -> dict[str, list[float]]:
    """Times each variant once per round, variants interleaved round by round.

    ``variants[name]()`` runs one timed unit of work (for example K chained jitted calls) and
    returns something ``sync`` can block on (``jax.block_until_ready``). Warm up before calling.
    Returns ``{name: [seconds per round]}``.
    """
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, fn in variants.items():
            t0 = time.perf_counter()
            sync(fn())
            samples[name].append(time.perf_counter() - t0)
    return samples


def write_result(name: str, config: Mapping[str, Any], results: Any, **extra: Any) -> Path:
    """Writes ``benchmarks/results/<name>.json`` with machine info, config and results."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    payload = {"benchmark": name, "machine": machine_info(), "config": dict(config)}
    payload.update(extra)
    payload["results"] = results
    path.write_text(json.dumps(payload, indent=2, default=_default) + "\n", encoding="utf-8")
    return path


def _default(o: Any) -> Any:
    if hasattr(o, "tolist"):
        return o.tolist()
    if hasattr(o, "_asdict"):
        return o._asdict()
    return str(o)
