"""Benchmark: jaxnn.study.optimizer_study, and its runs against a loop of jaxnn.train.fit calls.

The study (--quick, the issue's target setting): the 6 optimizers of Table 9-1 x 4 problems
(xor, digits, diabetes, rosenbrock), budgets 1 and 8, 5 seeds; --full: 12 optimizers x 6 problems,
budgets 1/8/32, 10 seeds. Timed once, compilation included (what a researcher waits for):
runs, wall seconds, runs/s; compile and run seconds apart.

The loop: a sample of the study's final runs (--sample per problem, spread over the optimizers)
trained again one by one with ``jaxnn.train.fit`` on the same keys and hyperparameters (the
benchmark checks each equals its study row), two ways:
  fresh   the natural loop: a new optimizer object per call, the compile cache cleared first
          (fit caches programs by value, so the loop compiles once per distinct configuration:
          the seeds of one configuration share a program)
  warm    the same calls again: every program cached
runs/s of the study (wall, compile included) over runs/s of each loop. Target (issue 20):
>= 20x the loop, the quick study < 5 minutes on the 2-core CPU.

Run:  python benchmarks/study.py [--quick | --full] [--sample N] [--out DIR]
Writes benchmarks/results/study.json (or into --out DIR).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import jax

import benchmarks.common as common
from jaxnn import engine, train
from jaxnn.study import get_problem, get_space, optimizer_study, protocol
from jaxnn.study.cli import QUICK
from jaxnn.study.space import ALL_OPTIMIZERS, TABLE_9_1

FULL = {"problems": ("xor", "digits", "diabetes", "deep_digits", "noisy_quadratic", "rosenbrock"),
        "budgets": (1, 8, 32), "seeds": 10}  # fmt: skip


def _sample(rows: list[dict], per_problem: int) -> list[dict]:
    """``per_problem`` final runs of each problem, each of another optimizer (spread)."""
    picked = []
    for p in dict.fromkeys(r["problem"] for r in rows):
        final = [r for r in rows if r["problem"] == p and r["phase"] == "final"]
        opts = list(dict.fromkeys(r["optimizer"] for r in final))
        step = max(1, len(opts) // per_problem)
        for o in opts[::step][:per_problem]:
            picked.append(next(r for r in final if r["optimizer"] == o))
    return picked


def _fit(row: dict, key: jax.Array, seeds: int, optimizer: Any = None):
    problem = get_problem(row["problem"])
    s = get_space(row["optimizer"])
    optimizer = optimizer or s.factory(**{k: row[k] for k in s.defaults})
    init_key, data_key = jax.random.split(protocol.seed_keys(key, problem.name, seeds)[row["seed"]])
    with warnings.catch_warnings():  # a diverging run is part of a study
        warnings.simplefilter("ignore", RuntimeWarning)
        out = train.fit(
            problem.loss, problem.init(init_key), optimizer, *problem.train,
            batch_size=problem.batch_size, epochs=problem.epochs, key=data_key, progress=False,
        )  # fmt: skip
    jax.block_until_ready(out.params)
    return out, optimizer, float(problem.metric(out.params, *problem.valid))


def fit_loop(sample: list[dict], key: jax.Array, seeds: int) -> dict[str, Any]:
    """Times the sample as a loop of fit calls: fresh optimizers, then warm (cached) calls."""
    fresh, warm, gaps = [], [], []
    engine.cache_clear()  # nothing of an earlier loop: each new configuration compiles once
    for row in sample:
        t0 = time.perf_counter()
        _, optimizer, valid = _fit(row, key, seeds)
        fresh.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        _fit(row, key, seeds, optimizer)
        warm.append(time.perf_counter() - t0)
        gaps.append(abs(valid - row["valid"]) / max(abs(row["valid"]), 1e-12))
    return {"fresh_s": fresh, "warm_s": warm, "max_relative_valid_gap": max(gaps)}


def _other_recorded(study: str) -> list[dict[str, Any]]:
    """The recorded results of the other size (quick or full), kept beside this run's."""
    path = common.RESULTS_DIR / "study.json"
    if not path.exists():
        return []
    previous = json.loads(path.read_text(encoding="utf-8")).get("results", [])
    return [r for r in previous if r.get("study") != study]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="the issue's quick study (default)")
    size.add_argument("--full", action="store_true", help="the full default study (long)")
    parser.add_argument("--sample", type=int, default=2, help="fit runs per problem (default 2)")
    parser.add_argument("--out", help="directory for the JSON (default benchmarks/results)")
    args = parser.parse_args(argv)
    if args.out:
        common.RESULTS_DIR = Path(args.out)
    setting = FULL if args.full else QUICK
    optimizers = ALL_OPTIMIZERS if args.full else TABLE_9_1
    key = jax.random.key(0)
    t0 = time.perf_counter()
    result = optimizer_study(setting["problems"], optimizers, budgets=setting["budgets"],
                             seeds=setting["seeds"], key=key, progress=True)  # fmt: skip
    wall = time.perf_counter() - t0
    study_rate = result.runs / wall
    sample = _sample(result.rows, args.sample)
    loop = fit_loop(sample, key, setting["seeds"])
    fresh_rate = len(sample) / sum(loop["fresh_s"])
    warm_rate = len(sample) / sum(loop["warm_s"])
    results = [{
        "study": "full" if args.full else "quick", "runs": result.runs,
        "wall_s": round(wall, 2), "compile_s": round(result.compile_time, 2),
        "run_s": round(result.run_time, 3), "runs_per_s": round(study_rate, 2),
        "fit_loop_runs_per_s_fresh": round(fresh_rate, 3),
        "fit_loop_runs_per_s_warm": round(warm_rate, 3),
        "study_over_fit_loop_fresh": round(study_rate / fresh_rate, 1),
        "study_over_fit_loop_warm": round(study_rate / warm_rate, 1),
    }]  # fmt: skip
    config = {
        "quick": not args.full, "problems": list(setting["problems"]),
        "optimizers": list(optimizers), "budgets": list(setting["budgets"]),
        "seeds": setting["seeds"], "fit_sample": len(sample),
        "note": "one timed study (compile included); the machine was shared (loaded)",
    }  # fmt: skip
    extra = {
        "fit_sample": [{k: r[k] for k in ("problem", "optimizer", "budget", "seed")}
                       for r in sample],
        "fit_loop": loop,
        "table": result.table(),
        "defaults_vs_tuned": result.defaults_vs_tuned(),
    }  # fmt: skip
    results = _other_recorded(results[0]["study"]) + results  # keep the quick or full record
    path = common.write_result("study", config, results, **extra)
    for k, v in results[-1].items():
        print(f"{k}: {v}")
    gap = loop["max_relative_valid_gap"]
    print(f"fit sample: max relative gap of the validation metric to the study's: {gap:.1e}")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
