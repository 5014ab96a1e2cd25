"""Benchmark: GD vs SGD vs minibatches, compiled (jaxnn.train.fit) and in a Python loop.

Tasks (ch. 9.4 of *모두의 딥러닝*, figure 9-5, measured the Dive-into-Deep-Learning way):
  diabetes-linear  scikit-learn's bundled diabetes set (442 x 10; generated regression without
                   scikit-learn), standardized, linear model, MSE
  diabetes-mlp     the same data, MLP 10-32-1 tanh
  blobs-mlp        generated 60,000 x 64, 10 classes (Gaussian blobs, spread 20), MLP 64-128-10
                   ReLU, softmax cross-entropy
each with full-batch GD, SGD (batch 1) and minibatches of 10 and 100 (128 on the large task),
plain SGD, in two execution modes:
  compiled     jaxnn.train.fit: chunks of epochs inside one jitted while/scan, buffers donated
  python_loop  a Python loop over NumPy batches calling a jitted, donating step (the way most
               people write it; jaxnn.experiments.python_loop_fit), same batches and updates

Reported per variant: seconds per epoch, updates per second, seconds (and examples) to a target
loss on the whole training set, compile time (apart). Method (BENCHMARKS.md): one burn-in round
compiles and warms up every variant, then ``--rounds`` timed rounds with the variants
interleaved; medians and min-max over rounds.

Also, in the same run, ``fit`` against the idiomatic optax loop (a Python loop over a jitted
optax step with donation; data on the device and each batch gathered inside the step, the
strongest form of that loop): updates per second for the MLP 64-128-10 at batch 128 with Adam,
and for XOR 2-8-1 full batch with Adam (targets: >= 1.5x and >= 10x).

Run:  python benchmarks/gd_vs_sgd.py [--quick] [--rounds N] [--out DIR]
Writes benchmarks/results/gd_vs_sgd.json and gd_vs_sgd.png (or into --out DIR).
"""

from __future__ import annotations

import argparse
import functools
import statistics
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
import optax

import benchmarks.common as common
from jaxnn import data, losses, nn, optim, plot, train
from jaxnn.experiments import python_loop_fit
from jaxnn.experiments.optimizers import DEFAULT_LEARNING_RATES


class Task(NamedTuple):
    name: str
    x: jax.Array
    y: jax.Array
    params: Any
    loss_fn: Any
    rates: dict  # batch size -> SGD learning rate
    epochs: dict  # batch size -> epochs per round
    target: float


def _mse_linear(p, x, y):
    return losses.mse(x @ p["w"] + p["b"], y)


def _mse_mlp(p, x, y):
    return losses.mse(nn.mlp(p, x, activation="tanh")[:, 0], y)


def _xent_mlp(p, x, y):
    return losses.softmax_cross_entropy(nn.mlp(p, x), y)


def make_tasks(quick: bool) -> list[Task]:
    key = jax.random.key(0)
    try:
        x, y = data.load_diabetes()
        diabetes = "diabetes"
    except ImportError:
        x, y = data.regression(key, 442, features=10, noise=1.0)
        diabetes = "regression"
    x, y = data.standardize(x), data.standardize(y)
    a = np.c_[np.asarray(x, np.float64), np.ones(len(x))]
    coef, *_ = np.linalg.lstsq(a, np.asarray(y, np.float64), rcond=None)
    target = round(1.04 * float(np.mean((a @ coef - np.asarray(y)) ** 2)), 4)
    e = 4 if quick else 20
    small = {b: e for b in (None, 1, 10, 100)}
    n_large = 6_000 if quick else 60_000
    xl, yl = data.blobs(jax.random.key(1), n_large, 10, features=64, spread=20.0)
    xl = data.standardize(xl)
    return [
        Task(
            f"{diabetes}-linear",
            x,
            y,
            {"w": jnp.zeros(10), "b": jnp.zeros(())},
            _mse_linear,
            DEFAULT_LEARNING_RATES["linear"],
            small,
            target,
        ),
        Task(
            f"{diabetes}-mlp",
            x,
            y,
            nn.init_mlp(jax.random.key(2), [10, 32, 1]),
            _mse_mlp,
            DEFAULT_LEARNING_RATES["mlp"],
            small,
            target,
        ),
        Task(
            "blobs-mlp",
            xl,
            yl,
            nn.init_mlp(jax.random.key(3), [64, 128, 10], init="he_normal"),
            _xent_mlp,
            {None: 1.0, 128: 0.1, 10: 0.02, 1: 0.005},
            {None: 10 if quick else 40, 128: 2, 10: 2, 1: 1 if quick else 2},
            0.9,
        ),
    ]


@functools.cache
def _sgd(lr: float) -> optim.Optimizer:
    return optim.sgd(lr)  # one object per rate: fit's compiled loop is reused across rounds


def run_variant(task: Task, batch: int | None, mode: str, epochs: int) -> dict[str, Any]:
    opt = _sgd(task.rates[batch])
    key = jax.random.key(4)
    if mode == "compiled":
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            r = train.fit(
                task.loss_fn,
                task.params,
                opt,
                task.x,
                task.y,
                batch_size=batch,
                epochs=epochs,
                key=key,
                eval_data=(task.x, task.y),
                progress=False,
            )
        wall = time.perf_counter() - t0 - r.history.compile_time
        curve, times, compile_time = (
            r.history.eval_loss,
            r.history.epoch_time,
            r.history.compile_time,
        )
    else:
        t0 = time.perf_counter()
        curve, times, compile_time = python_loop_fit(
            task.loss_fn, task.params, opt, task.x, task.y, batch_size=batch, epochs=epochs, key=key
        )
        wall = time.perf_counter() - t0
    return {
        "loss": np.asarray(curve, np.float64),
        "epoch_time": np.asarray(times, np.float64),
        "compile_time": float(compile_time),
        "wall": wall,
    }


def _name(batch: int | None) -> str:
    return {None: "GD", 1: "SGD"}.get(batch, f"minibatch {batch}")


def gd_vs_sgd_benchmark(tasks: list[Task], rounds: int) -> dict[str, Any]:
    variants = [
        (task, batch, mode)
        for task in tasks
        for batch in task.rates
        for mode in ("compiled", "python_loop")
    ]
    compile_times: dict[tuple, float] = {}
    print(f"burn-in: compiling and warming up {len(variants)} variants ...", flush=True)
    for task, batch, mode in variants:
        epochs = task.epochs[batch] if mode == "compiled" else 1  # same compiled program
        compile_times[task.name, batch, mode] = run_variant(task, batch, mode, epochs)[
            "compile_time"
        ]
    samples: dict[tuple, list[dict]] = {(t.name, b, m): [] for t, b, m in variants}
    for r in range(rounds):
        print(f"round {r + 1}/{rounds} ...", flush=True)
        for task, batch, mode in variants:
            samples[task.name, batch, mode].append(
                run_variant(task, batch, mode, task.epochs[batch])
            )
    results = []
    for task, batch, mode in variants:
        runs = samples[task.name, batch, mode]
        n = int(task.x.shape[0])
        steps = train.steps_per_epoch(n, batch)
        per_epoch = [float(np.median(s["epoch_time"])) for s in runs]
        to_target = []
        for s in runs:
            hits = np.flatnonzero(s["loss"] <= task.target)
            cumulative = np.cumsum(s["epoch_time"])
            to_target.append(float(cumulative[hits[0]]) if hits.size else float("nan"))
        reached = [t for t in to_target if np.isfinite(t)]
        median_run = runs[int(np.argsort(per_epoch)[len(per_epoch) // 2])]
        hits = np.flatnonzero(median_run["loss"] <= task.target)
        results.append(
            {
                "task": task.name,
                "run": _name(batch),
                "batch_size": batch,
                "mode": mode,
                "n": n,
                "learning_rate": task.rates[batch],
                "epochs": task.epochs[batch],
                "steps_per_epoch": steps,
                "compile_time": compile_times[task.name, batch, mode],
                "epoch_time": common.summarize(per_epoch),
                "updates_per_second": steps / statistics.median(per_epoch),
                "target_loss": task.target,
                "time_to_target": statistics.median(reached) if reached else None,
                "target_reached_in_rounds": len(reached),
                "examples_to_target": int((hits[0] + 1) * n) if hits.size else None,
                "final_loss": float(median_run["loss"][-1]),
                "curve": {
                    "loss": median_run["loss"].tolist(),
                    "wall_time": np.cumsum(median_run["epoch_time"]).tolist(),
                },
            }
        )
    return {"variants": results}


def fit_vs_loop(rounds: int, quick: bool) -> dict[str, Any]:
    """Updates/s of fit against a Python loop over a jitted optax step, interleaved rounds."""
    out = {}
    key = jax.random.key(5)
    cases = []
    n = 12_800 if quick else 60_000
    xb, yb = data.blobs(key, n, 10, features=64, spread=20.0)
    xb = data.standardize(xb)
    cases.append(
        (
            "mlp_64_128_10_batch_128",
            _xent_mlp,
            nn.init_mlp(key, [64, 128, 10]),
            xb,
            yb,
            128,
            1 if quick else 2,
        )
    )
    x_xor, y_xor = data.xor()

    def xor_loss(p, x, y):
        logits = nn.mlp(p, x, activation="tanh")[:, 0]
        return losses.sigmoid_binary_cross_entropy(logits, y.astype(jnp.float32))

    cases.append(
        (
            "xor_full_batch",
            xor_loss,
            nn.init_mlp(key, [2, 8, 1]),
            x_xor,
            y_xor,
            None,
            5_000 if quick else 20_000,
        )
    )
    for name, loss_fn, params, x, y, batch, epochs in cases:
        n = int(x.shape[0])
        steps = train.steps_per_epoch(n, batch) * epochs
        tx = optax.adam(1e-3 if batch else 0.05)
        jaxnn_opt = optim.adam(1e-3 if batch else 0.05)

        @functools.partial(jax.jit, donate_argnums=(0, 1))
        def step(params, opt_state, x, y, idx, loss_fn=loss_fn, tx=tx):
            xb, yb = (x, y) if idx is None else (x[idx], y[idx])
            loss, grads = jax.value_and_grad(loss_fn)(params, xb, yb)
            updates, opt_state = tx.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state, loss

        def optax_loop(params=params, x=x, y=y, batch=batch, epochs=epochs, step=step, tx=tx):
            params = jax.tree.map(jnp.copy, params)
            opt_state = tx.init(params)
            rng = np.random.default_rng(0)
            for _ in range(epochs):
                if batch is None:
                    params, opt_state, loss = step(params, opt_state, x, y, None)
                    continue
                order = rng.permutation(x.shape[0])
                for i in range(0, x.shape[0] - batch + 1, batch):  # full batches only
                    params, opt_state, loss = step(params, opt_state, x, y, order[i : i + batch])
            return jax.block_until_ready(loss)

        def run_fit(
            params=params, loss_fn=loss_fn, x=x, y=y, batch=batch, epochs=epochs, opt=jaxnn_opt
        ):
            return train.fit(
                loss_fn,
                params,
                opt,
                x,
                y,
                batch_size=batch,
                epochs=epochs,
                key=key,
                progress=False,
            )

        loop_steps = (n // batch) * epochs if batch else epochs
        t0 = time.perf_counter()
        optax_loop()  # burn-in: compiles the step (and the smaller nothing: full batches only)
        loop_compile = time.perf_counter() - t0
        first = run_fit()
        fit_rate, fit_loop_rate, loop_rate = [], [], []
        for _ in range(rounds):
            t0 = time.perf_counter()
            r = run_fit()
            fit_rate.append(steps / (time.perf_counter() - t0))
            fit_loop_rate.append(steps / float(np.sum(r.history.epoch_time)))
            t0 = time.perf_counter()
            optax_loop()
            loop_rate.append(loop_steps / (time.perf_counter() - t0))
        ratio = statistics.median(fit_rate) / statistics.median(loop_rate)
        out[name] = {
            "batch_size": batch,
            "epochs": epochs,
            "updates": steps,
            "fit_updates_per_second": common.summarize(fit_rate),
            "fit_compiled_loop_updates_per_second": common.summarize(fit_loop_rate),
            "optax_loop_updates_per_second": common.summarize(loop_rate),
            "ratio_fit_over_loop": ratio,
            "fit_compile_time": first.history.compile_time,
            "loop_first_call_time": loop_compile,
        }
        print(
            f"fit vs optax loop, {name}: fit {statistics.median(fit_rate):,.0f} updates/s, "
            f"loop {statistics.median(loop_rate):,.0f} updates/s, ratio {ratio:.2f}x",
            flush=True,
        )
    return out


def draw(results: dict[str, Any], tasks: list[Task], path: Path) -> Path:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.0 * len(tasks), 4.5), layout="constrained")
    axes = fig.subplots(1, len(tasks))
    for ax, task in zip(np.atleast_1d(axes), tasks, strict=True):
        rows = [v for v in results["variants"] if v["task"] == task.name]
        labels = [f"{v['run']} ({v['mode'].replace('_', ' ')})" for v in rows]
        plot.loss_curves(
            {lab: v["curve"]["loss"] for lab, v in zip(labels, rows, strict=True)},
            x={lab: v["curve"]["wall_time"] for lab, v in zip(labels, rows, strict=True)},
            xlabel="wall-clock seconds (compilation excluded)",
            ylabel="training loss",
            title=task.name,
            logx=True,
            ax=ax,
        )
        plot._style_by_mode(ax, labels, [v["mode"] for v in rows])
        ax.axhline(task.target, color="0.4", linestyle=":", linewidth=1)
    fig.suptitle("GD vs SGD: loss against wall-clock time (solid: fit, dashed: Python loop)")
    fig.savefig(path, dpi=120)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, 2 rounds (about 1-2 minutes)"
    )
    parser.add_argument("--rounds", type=int, help="timed rounds (default 5; --quick 2)")
    parser.add_argument("--out", help="directory for the JSON and PNG (default benchmarks/results)")
    args = parser.parse_args(argv)
    rounds = args.rounds or (2 if args.quick else 5)
    if args.out:
        common.RESULTS_DIR = Path(args.out)
    tasks = make_tasks(args.quick)
    results = gd_vs_sgd_benchmark(tasks, rounds)
    ratios = fit_vs_loop(rounds, args.quick)
    config = {
        "quick": args.quick,
        "rounds": rounds,
        "tasks": {
            t.name: {
                "n": int(t.x.shape[0]),
                "features": int(t.x.shape[1]),
                "learning_rates": {str(b): lr for b, lr in t.rates.items()},
                "epochs": {str(b): e for b, e in t.epochs.items()},
                "target_loss": t.target,
            }
            for t in tasks
        },
        "optimizer": "plain SGD (jaxnn.optim.sgd); fit_vs_loop: Adam",
    }
    path = common.write_result("gd_vs_sgd", config, results, fit_vs_loop=ratios)
    png = draw(results, tasks, path.with_suffix(".png"))
    header = f"{'task':18s} {'run':14s} {'mode':12s} {'ms/epoch':>10s} {'updates/s':>11s}"
    print(header + f" {'s to target':>12s} {'compile s':>10s}")
    for v in results["variants"]:
        ttt = v["time_to_target"]
        print(
            f"{v['task']:18s} {v['run']:14s} {v['mode']:12s} "
            f"{1e3 * v['epoch_time']['median']:10.3f} {v['updates_per_second']:11,.0f} "
            f"{'-' if ttt is None else f'{ttt:.4f}':>12s} {v['compile_time']:10.2f}"
        )
    print(f"wrote {path}\nwrote {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
