"""Benchmark: jaxnn.train.sweep against a loop of separate jaxnn.train.fit calls.

The grid: 8 learning rates x 16 seeds (128 runs; --quick: 4 x 4) of Adam on
  xor   XOR, MLP 2-8-1 tanh, sigmoid cross-entropy, full batch, 500 epochs (--quick 100)
  mlp   digits (scikit-learn's bundled 1797 x 64; generated blobs without it), first 1792
        examples standardized, MLP 64-32-10 ReLU, softmax cross-entropy, batch 64, 3 epochs
        (--quick 1)
two ways, making the same updates on the same batches (the benchmark checks the final losses):
  sweep  one call of jaxnn.train.sweep: every run vmapped in one compiled program
  loop   a Python loop of 128 fit calls (one optimizer object per learning rate, so fit compiles
         8 programs and reuses them across seeds; epochs_per_chunk=epochs: one compiled call per
         run, fit's fastest setting)

Reported: the first call of each, compilation included (what a researcher waits for), and the
steady state (everything compiled and cached) over --rounds interleaved rounds: medians, min-max
and the same-run ratio loop / sweep. Targets (issue 10): >= 10x on XOR, >= 3x on the MLP.

Run:  python benchmarks/sweep.py [--quick] [--rounds N] [--out DIR]
Writes benchmarks/results/sweep.json (or into --out DIR).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path
from typing import Any, NamedTuple

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import jax
import jax.numpy as jnp
import numpy as np

import benchmarks.common as common
from jaxnn import data, losses, nn, optim, train


class Task(NamedTuple):
    name: str
    x: jax.Array
    y: jax.Array
    sizes: tuple[int, ...]
    init: str
    loss_fn: Any
    batch_size: int | None
    epochs: int
    learning_rates: np.ndarray


def _xor_loss(p, x, y):
    return losses.sigmoid_binary_cross_entropy(nn.mlp(p, x, activation="tanh")[:, 0], y)


def _xent_loss(p, x, y):
    return losses.softmax_cross_entropy(nn.mlp(p, x, activation="relu"), y)


def make_tasks(quick: bool) -> list[Task]:
    points = 4 if quick else 8
    x, y = data.xor()
    xor = Task(
        "xor",
        x,
        y.astype(jnp.float32),
        (2, 8, 1),
        "glorot_normal",
        _xor_loss,
        None,
        100 if quick else 500,
        np.logspace(-3, 0, points),
    )
    try:
        xd, yd = data.load_digits()
        name = "digits-mlp"
    except ImportError:
        xd, yd = data.blobs(jax.random.key(1), 1797, 10, features=64, spread=6.0)
        name = "blobs-mlp"
    mlp = Task(
        name,
        data.standardize(xd[:1792]),
        yd[:1792],
        (64, 32, 10),
        "he_normal",
        _xent_loss,
        64,
        1 if quick else 3,
        np.logspace(-4, -1, points),
    )
    return [xor, mlp]


class _Init:
    """``init_params(key)`` for a task (hashable and equal per task: sweep's cache hits)."""

    def __init__(self, sizes, init):
        self.sizes, self.init = tuple(sizes), init

    def __call__(self, key):
        return nn.init_mlp(key, list(self.sizes), init=self.init)

    def __eq__(self, other):
        return isinstance(other, _Init) and (self.sizes, self.init) == (other.sizes, other.init)

    def __hash__(self):
        return hash((self.sizes, self.init))


def run_sweep(task: Task, keys: jax.Array) -> tuple[np.ndarray, float]:
    """One sweep call: the final losses ``(L, K)`` and its compile time."""
    r = train.sweep(
        task.loss_fn,
        _Init(task.sizes, task.init),
        optim.adam,
        task.x,
        task.y,
        keys=keys,
        learning_rates=task.learning_rates,
        batch_size=task.batch_size,
        epochs=task.epochs,
        progress=False,
    )
    return r.final_loss, r.compile_time


def run_loop(task: Task, keys: jax.Array, optimizers: list) -> tuple[np.ndarray, float]:
    """The same grid as a loop of fit calls: final losses ``(L, K)`` and total compile time."""
    init = _Init(task.sizes, task.init)
    final = np.zeros((len(optimizers), keys.shape[0]))
    compile_time = 0.0
    for i, opt in enumerate(optimizers):
        for j in range(keys.shape[0]):
            init_key, data_key = jax.random.split(keys[j])
            with warnings.catch_warnings():  # a diverging rate is part of a sweep
                warnings.simplefilter("ignore", RuntimeWarning)
                h = train.fit(
                    task.loss_fn,
                    init(init_key),
                    opt,
                    task.x,
                    task.y,
                    batch_size=task.batch_size,
                    epochs=task.epochs,
                    key=data_key,
                    epochs_per_chunk=task.epochs,
                    progress=False,
                ).history
            final[i, j] = h.epoch_loss[-1] if h.stopped == "epochs" else np.nan
            compile_time += h.compile_time
    return final, compile_time


def benchmark(task: Task, seeds: int, rounds: int) -> dict[str, Any]:
    keys = jax.random.split(jax.random.key(0), seeds)
    optimizers = [optim.adam(float(lr)) for lr in task.learning_rates]  # one object per rate
    print(f"{task.name}: first calls (compilation included) ...", flush=True)
    t0 = time.perf_counter()
    sweep_loss, sweep_compile = run_sweep(task, keys)
    sweep_first = time.perf_counter() - t0
    t0 = time.perf_counter()
    loop_loss, loop_compile = run_loop(task, keys, optimizers)
    loop_first = time.perf_counter() - t0
    both = np.isfinite(sweep_loss) & np.isfinite(loop_loss)
    max_diff = float(np.max(np.abs(sweep_loss - loop_loss)[both])) if both.any() else None
    samples: dict[str, list[float]] = {"sweep": [], "loop": []}
    for r in range(rounds):
        print(f"{task.name}: round {r + 1}/{rounds} ...", flush=True)
        for name, fn in (("sweep", run_sweep), ("loop", run_loop)):
            args = (task, keys) if name == "sweep" else (task, keys, optimizers)
            t0 = time.perf_counter()
            fn(*args)  # returns host NumPy arrays: already synchronized
            samples[name].append(time.perf_counter() - t0)
    sweep, loop = common.summarize(samples["sweep"]), common.summarize(samples["loop"])
    runs = len(task.learning_rates) * seeds
    steps = runs * task.epochs * train.steps_per_epoch(int(task.x.shape[0]), task.batch_size)
    return {
        "runs": runs,
        "updates": steps,
        "sweep_s": sweep,
        "loop_s": loop,
        "speedup": loop["median"] / sweep["median"],
        "first_call": {
            "sweep_s": sweep_first,
            "sweep_compile_s": sweep_compile,
            "loop_s": loop_first,
            "loop_compile_s": loop_compile,
            "speedup": loop_first / sweep_first,
        },
        "sweep_updates_per_s": steps / sweep["median"],
        "loop_updates_per_s": steps / loop["median"],
        "max_final_loss_diff": max_diff,
        "diverged_runs": int(np.sum(~np.isfinite(sweep_loss))),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 4 x 4 grid, 1 round (a minute)")
    parser.add_argument("--rounds", type=int, help="timed rounds (default 3; --quick 1)")
    parser.add_argument("--out", help="directory for the JSON (default benchmarks/results)")
    args = parser.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 3)
    seeds = 4 if args.quick else 16
    if args.out:
        common.RESULTS_DIR = Path(args.out)
    tasks = make_tasks(args.quick)
    results = {task.name: benchmark(task, seeds, rounds) for task in tasks}
    config = {
        "quick": args.quick,
        "rounds": rounds,
        "seeds": seeds,
        "optimizer": "adam (jaxnn.optim.adam)",
        "tasks": {
            t.name: {
                "n": int(t.x.shape[0]),
                "sizes": list(t.sizes),
                "batch_size": t.batch_size,
                "epochs": t.epochs,
                "learning_rates": t.learning_rates.tolist(),
            }
            for t in tasks
        },
    }
    path = common.write_result("sweep", config, results)
    for name, r in results.items():
        first = r["first_call"]
        print(
            f"{name}: {r['runs']} runs, sweep {r['sweep_s']['median']:.3f} s vs loop "
            f"{r['loop_s']['median']:.3f} s: {r['speedup']:.1f}x (steady state, median of "
            f"{rounds}); first call with compilation {first['sweep_s']:.1f} s vs "
            f"{first['loop_s']:.1f} s: {first['speedup']:.1f}x; max |final loss diff| "
            f"{r['max_final_loss_diff']}"
        )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
