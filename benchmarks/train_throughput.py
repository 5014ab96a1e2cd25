"""Benchmark: training steps per second, jaxnn.train.fit against optax loops, PyTorch and Keras.

Two tasks, both with Adam, the same initial weights and the same data for every variant:
  mlp  MLP 64-128-10 (ReLU), softmax cross-entropy, minibatches of 128, Adam(1e-3), generated
       Gaussian blobs (10 classes, 64 features; n a multiple of 128, so every batch is full)
  xor  XOR 2-8-1 (tanh), sigmoid cross-entropy, full batch (4 examples), Adam(0.05)

Variants (each round of a variant trains from the initial weights for that variant's epochs):
  fit                 jaxnn.train.fit (compiled chunks of epochs; params and state donated)
  optax_loop          the idiomatic optax loop: a Python loop over a jitted step (data on the
                      device, each batch gathered inside the step from a host index slice)
  optax_loop_donated  the same step with params and optimizer state donated
  optax_scan          a lax.scan over one epoch's batches written directly with optax (jitted,
                      donated; a Python loop over epochs; XOR: one scan over all the epochs)
  optax_scan_presliced the framework's limit: the same scan over batches sliced once before
                      timing (no shuffle, no gather); minibatch tasks only
  fit_noshuffle       fit(shuffle=False): the same work as optax_scan_presliced
  torch_eager         PyTorch eager, torch.optim.Adam (default implementation)     [if installed]
  torch_eager_fused   PyTorch eager, torch.optim.Adam(fused=True)                   [if installed]
                      (one intra-op thread by default, --torch-threads: on the shared 2-core
                      machine PyTorch's default two threads ran 10-20x slower than one)
  keras_fit           Keras 3 model.fit, JAX backend, defaults                      [if installed]
  keras_fit_spe32     the same with steps_per_execution=32                          [if installed]

Method (BENCHMARKS.md): a burn-in round compiles and warms every variant (its time is reported as
the first-call time) and records the loss each variant reaches, as a check that all train the
same model; then ``--rounds`` rounds with the variants interleaved; medians and min-max of
steps/s, and the ratios fit / other of the medians. Targets on a CPU: fit >= 1.5x the optax
loop on the MLP, >= 10x on XOR, >= 5x PyTorch eager and >= 2x Keras fit (default) on the MLP.

Run:  python benchmarks/train_throughput.py [--quick] [--rounds N] [--out DIR]
Writes benchmarks/results/train_throughput.json (or into --out DIR).
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax

import benchmarks.common as common
from jaxnn import data, losses, nn, optim, train

TARGETS = {  # fit's steps/s over the other's, at least (CPU)
    "mlp": {"optax_loop": 1.5, "torch_eager": 5.0, "keras_fit": 2.0},
    "xor": {"optax_loop": 10.0},
}
# the variants each target compares fit against (the fastest of them): the optax loop with or
# without donation, PyTorch default or fused Adam, Keras fit with its defaults only (as issued)
TARGET_AGAINST = {
    "optax_loop": ("optax_loop", "optax_loop_donated"),
    "torch_eager": ("torch_eager", "torch_eager_fused"),
    "keras_fit": ("keras_fit",),
}


class Task(NamedTuple):
    name: str
    sizes: list[int]
    activation: str
    x: np.ndarray
    y: np.ndarray
    params: Any  # jaxnn layers [{"w": (in, out), "b": (out,)}]
    batch_size: int | None
    learning_rate: float
    epochs: dict[str, int]  # per variant family: "compiled", "loop", "torch", "keras"


def mlp_loss(params, x, y):
    return losses.softmax_cross_entropy(nn.mlp(params, x), y)


def xor_loss(params, x, y):
    logits = nn.mlp(params, x, activation="tanh")[:, 0]
    return losses.sigmoid_binary_cross_entropy(logits, y)


def make_tasks(quick: bool) -> list[Task]:
    n = 128 * (50 if quick else 200)
    x, y = data.blobs(jax.random.key(1), n, 10, features=64, spread=20.0)
    x = data.standardize(x)
    mlp_params = nn.init_mlp(jax.random.key(2), [64, 128, 10], init="he_normal")
    xx, yx = data.xor()
    xor_params = nn.init_mlp(jax.random.key(3), [2, 8, 1])
    mlp_epochs = 2
    xor_epochs = 2_000 if quick else 20_000
    return [
        Task(
            "mlp",
            [64, 128, 10],
            "relu",
            np.asarray(x, np.float32),
            np.asarray(y, np.int32),
            mlp_params,
            128,
            1e-3,
            {"compiled": mlp_epochs, "loop": mlp_epochs, "torch": mlp_epochs, "keras": mlp_epochs},
        ),
        Task(
            "xor",
            [2, 8, 1],
            "tanh",
            np.asarray(xx, np.float32),
            np.asarray(yx, np.float32),
            xor_params,
            None,
            0.05,
            {
                "compiled": xor_epochs,
                "loop": xor_epochs // 10,
                "torch": xor_epochs // 10,
                "keras": xor_epochs // 100,
            },
        ),
    ]


def loss_fn_for(task: Task) -> Callable:
    return mlp_loss if task.name == "mlp" else xor_loss


def steps_for(task: Task, epochs: int) -> int:
    return train.steps_per_epoch(len(task.x), task.batch_size) * epochs


# ---------------------------------------------------------------------------------------------
# JAX variants. Each returns ``run() -> (params, steps)``; ``run`` trains from the initial weights.


def fit_variant(task: Task) -> Callable:
    opt = optim.adam(task.learning_rate)  # one object: fit's compiled program is reused
    x, y = jnp.asarray(task.x), jnp.asarray(task.y)
    epochs = task.epochs["compiled"]

    def run():
        r = train.fit(
            loss_fn_for(task),
            task.params,
            opt,
            x,
            y,
            batch_size=task.batch_size,
            epochs=epochs,
            key=jax.random.key(4),
            progress=False,
        )
        return r.params, r.history.steps

    return run


def fit_noshuffle_variant(task: Task) -> Callable:
    """fit with ``shuffle=False``: the same work as the pre-sliced scan (no permutation)."""
    opt = optim.adam(task.learning_rate)
    x, y = jnp.asarray(task.x), jnp.asarray(task.y)
    epochs = task.epochs["compiled"]

    def run():
        r = train.fit(
            loss_fn_for(task), task.params, opt, x, y, batch_size=task.batch_size,
            epochs=epochs, shuffle=False, progress=False,
        )  # fmt: skip
        return r.params, r.history.steps

    return run


def optax_scan_presliced_variant(task: Task) -> Callable:
    """The framework's own limit: a hand-written lax.scan over batches sliced once, before
    timing (no shuffle, no gather, no guard); one jitted, donated call per epoch."""
    tx = optax.adam(task.learning_rate)
    loss_fn = loss_fn_for(task)
    n, b, epochs = len(task.x), task.batch_size, task.epochs["compiled"]
    steps = n // b
    xs = jnp.asarray(task.x[: steps * b]).reshape(steps, b, *task.x.shape[1:])
    ys = jnp.asarray(task.y[: steps * b]).reshape(steps, b, *task.y.shape[1:])

    def update(carry, batch):
        params, opt_state = carry
        loss, grads = jax.value_and_grad(loss_fn)(params, *batch)
        updates, opt_state = tx.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), loss

    @functools.partial(jax.jit, donate_argnums=(0, 1))
    def epoch(params, opt_state, xs, ys):
        (params, opt_state), step_losses = lax.scan(update, (params, opt_state), (xs, ys))
        return params, opt_state, step_losses

    def run():
        params = jax.tree.map(jnp.array, task.params)
        opt_state = tx.init(params)
        for _ in range(epochs):
            params, opt_state, _ = epoch(params, opt_state, xs, ys)
        return params, steps * epochs

    return run


def optax_loop_variant(task: Task, donate: bool) -> Callable:
    tx = optax.adam(task.learning_rate)
    loss_fn = loss_fn_for(task)
    x, y = jnp.asarray(task.x), jnp.asarray(task.y)
    n, b, epochs = len(task.x), task.batch_size, task.epochs["loop"]

    @functools.partial(jax.jit, donate_argnums=(0, 1) if donate else ())
    def step(params, opt_state, x, y, idx):
        xb, yb = (x, y) if idx is None else (x[idx], y[idx])
        loss, grads = jax.value_and_grad(loss_fn)(params, xb, yb)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    def run():
        params = jax.tree.map(jnp.array, task.params)
        opt_state = tx.init(params)
        rng = np.random.default_rng(0)
        for _ in range(epochs):
            if b is None:
                params, opt_state, _loss = step(params, opt_state, x, y, None)
                continue
            order = rng.permutation(n).astype(np.int32)
            for i in range(0, n, b):
                params, opt_state, _loss = step(params, opt_state, x, y, order[i : i + b])
        return params, steps_for(task, epochs)

    return run


def optax_scan_variant(task: Task) -> Callable:
    tx = optax.adam(task.learning_rate)
    loss_fn = loss_fn_for(task)
    x, y = jnp.asarray(task.x), jnp.asarray(task.y)
    n, b, epochs = len(task.x), task.batch_size, task.epochs["compiled"]

    def update(carry, xb, yb):
        params, opt_state = carry
        loss, grads = jax.value_and_grad(loss_fn)(params, xb, yb)
        updates, opt_state = tx.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), loss

    @functools.partial(jax.jit, donate_argnums=(0, 1))
    def epoch(params, opt_state, key, x, y):  # minibatches: one epoch per call
        order = jax.random.permutation(key, n)[: (n // b) * b].reshape(n // b, b)
        (params, opt_state), step_losses = lax.scan(
            lambda c, idx: update(c, x[idx], y[idx]), (params, opt_state), order
        )
        return params, opt_state, step_losses

    @functools.partial(jax.jit, donate_argnums=(0, 1), static_argnums=2)
    def all_epochs(params, opt_state, count, x, y):  # full batch: every epoch in one scan
        (params, opt_state), step_losses = lax.scan(
            lambda c, _: update(c, x, y), (params, opt_state), None, length=count
        )
        return params, opt_state, step_losses

    def run():
        params = jax.tree.map(jnp.array, task.params)
        opt_state = tx.init(params)
        if b is None:
            params, opt_state, _ = all_epochs(params, opt_state, epochs, x, y)
        else:
            key = jax.random.key(4)
            for e in range(epochs):
                params, opt_state, _ = epoch(params, opt_state, jax.random.fold_in(key, e), x, y)
        return params, steps_for(task, epochs)

    return run


# ---------------------------------------------------------------------------------------------
# Peers (optional).


def torch_variant(task: Task, fused: bool, threads: int) -> Callable | str:
    try:
        import torch
    except ImportError:
        return "PyTorch is not installed (pip install torch==2.13.0 gives the CPU build)"
    if threads:
        torch.set_num_threads(threads)
    from torch import nn as tnn
    from torch.nn import functional as F

    act = tnn.ReLU if task.activation == "relu" else tnn.Tanh
    layers: list[Any] = []
    for i, (a, b) in enumerate(zip(task.sizes[:-1], task.sizes[1:], strict=True)):
        layers.append(tnn.Linear(a, b))
        if i < len(task.sizes) - 2:
            layers.append(act())
    model = tnn.Sequential(*layers)
    linears = [m for m in model if isinstance(m, tnn.Linear)]
    initial = [
        (torch.tensor(np.asarray(p["w"]).T.copy()), torch.tensor(np.asarray(p["b"])))
        for p in task.params
    ]
    x = torch.from_numpy(np.array(task.x))
    y = torch.from_numpy(np.array(task.y, np.int64 if task.name == "mlp" else np.float32))
    n, b, epochs = len(task.x), task.batch_size, task.epochs["torch"]

    def loss_of(out, target):
        if task.name == "mlp":
            return F.cross_entropy(out, target)
        return F.binary_cross_entropy_with_logits(out[:, 0], target)

    def run():
        with torch.no_grad():
            for lin, (w, bias) in zip(linears, initial, strict=True):
                lin.weight.copy_(w)
                lin.bias.copy_(bias)
        opt = torch.optim.Adam(model.parameters(), lr=task.learning_rate, fused=fused or None)
        gen = torch.Generator().manual_seed(0)
        for _ in range(epochs):
            if b is None:
                batches = [(x, y)]
            else:
                order = torch.randperm(n, generator=gen)
                batches = ((x[order[i : i + b]], y[order[i : i + b]]) for i in range(0, n, b))
            for xb, yb in batches:
                opt.zero_grad(set_to_none=True)
                loss = loss_of(model(xb), yb)
                loss.backward()
                opt.step()
        params = [
            {"w": jnp.asarray(lin.weight.detach().numpy().T), "b": jnp.asarray(lin.bias.detach())}
            for lin in linears
        ]
        return params, steps_for(task, epochs)

    return run


def keras_variant(task: Task, steps_per_execution: int) -> Callable | str:
    if "keras" not in sys.modules:
        os.environ["KERAS_BACKEND"] = "jax"
    try:
        import keras
    except ImportError:
        return "Keras is not installed (pip install keras; it runs with KERAS_BACKEND=jax)"
    if keras.backend.backend() != "jax":
        return f"Keras runs with the {keras.backend.backend()} backend here, not jax"
    act = task.activation
    model = keras.Sequential(
        [keras.Input((task.sizes[0],))]
        + [keras.layers.Dense(s, activation=act) for s in task.sizes[1:-1]]
        + [keras.layers.Dense(task.sizes[-1])]
    )
    if task.name == "mlp":
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        y = task.y
    else:
        loss = keras.losses.BinaryCrossentropy(from_logits=True)
        y = task.y[:, None]
    model.compile(
        optimizer=keras.optimizers.Adam(task.learning_rate, epsilon=1e-8),
        loss=loss,
        steps_per_execution=steps_per_execution,
    )
    initial = [np.asarray(a) for p in task.params for a in (p["w"], p["b"])]
    n, b, epochs = len(task.x), task.batch_size, task.epochs["keras"]

    def run():
        model.set_weights(initial)  # the optimizer's moments carry over between rounds
        model.fit(task.x, y, batch_size=b or n, epochs=epochs, shuffle=True, verbose=0)
        w = model.get_weights()
        params = [{"w": jnp.asarray(w[i]), "b": jnp.asarray(w[i + 1])} for i in range(0, len(w), 2)]
        return params, steps_for(task, epochs)

    return run


def variants_for(task: Task, torch_threads: int) -> tuple[dict[str, Callable], dict[str, str]]:
    runs: dict[str, Callable] = {
        "fit": fit_variant(task),
        "optax_loop": optax_loop_variant(task, donate=False),
        "optax_loop_donated": optax_loop_variant(task, donate=True),
        "optax_scan": optax_scan_variant(task),
    }
    if task.batch_size is not None:  # full batch: optax_scan is already the unguarded limit
        runs["fit_noshuffle"] = fit_noshuffle_variant(task)
        runs["optax_scan_presliced"] = optax_scan_presliced_variant(task)
    skipped: dict[str, str] = {}
    peers = {
        "torch_eager": lambda: torch_variant(task, fused=False, threads=torch_threads),
        "torch_eager_fused": lambda: torch_variant(task, fused=True, threads=torch_threads),
        "keras_fit": lambda: keras_variant(task, 1),
        "keras_fit_spe32": lambda: keras_variant(task, 32),
    }
    for name, make in peers.items():
        run = make()
        if isinstance(run, str):
            skipped[name] = run
        else:
            runs[name] = run
    return runs, skipped


def bench_task(task: Task, rounds: int, torch_threads: int = 1) -> dict[str, Any]:
    runs, skipped = variants_for(task, torch_threads)
    for name, note in skipped.items():
        print(f"  {task.name}: skipping {name}: {note}", flush=True)
    loss_fn = jax.jit(loss_fn_for(task))
    first_call, final_loss, steps = {}, {}, {}
    for name, run in runs.items():  # burn-in: compiles, warms up, checks every variant trains
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            params, steps[name] = run()
            jax.block_until_ready(params)
        first_call[name] = time.perf_counter() - t0
        final_loss[name] = float(loss_fn(params, task.x, task.y))
    initial_loss = float(loss_fn(task.params, task.x, task.y))

    def timed(run):
        return lambda: run()[0]

    samples = common.time_interleaved(
        {name: timed(run) for name, run in runs.items()}, rounds=rounds, sync=jax.block_until_ready
    )
    rates = {name: [steps[name] / t for t in s] for name, s in samples.items()}
    median = {name: statistics.median(r) for name, r in rates.items()}
    ratios = {f"fit_over_{name}": median["fit"] / m for name, m in median.items() if name != "fit"}
    targets = _limit_targets(median)
    for other, target in TARGETS.get(task.name, {}).items():
        group = [name for name in TARGET_AGAINST[other] if name in median]
        if not group:
            continue
        best = max(group, key=median.get)  # fit against the fastest form of that peer
        ratio = median["fit"] / median[best]
        targets[other] = {"target": target, "against": best, "ratio": ratio, "met": ratio >= target}
    return {
        "task": task.name,
        "n": len(task.x),
        "batch_size": task.batch_size,
        "learning_rate": task.learning_rate,
        "steps_per_round": steps,
        "steps_per_second": {name: common.summarize(r) for name, r in rates.items()},
        "ratios": ratios,
        "targets": targets,
        "first_call_s": first_call,
        "initial_loss": initial_loss,
        "loss_after_first_round": final_loss,
        "skipped": skipped,
    }


LIMIT_TARGET = 0.9  # fit >= 0.9x the hand-written scan that does the same work


def _limit_targets(median: dict[str, float]) -> dict[str, Any]:
    """fit against the framework's limit: the unshuffled fit against the pre-sliced scan (the
    same work), and fit against optax_scan (a scan with the same shuffle; full batch: the
    unguarded scan that records the loss)."""
    pairs = {"limit_presliced": ("fit_noshuffle", "optax_scan_presliced"),
             "limit_scan": ("fit", "optax_scan")}  # fmt: skip
    out = {}
    for name, (ours, limit) in pairs.items():
        if ours in median and limit in median:
            ratio = median[ours] / median[limit]
            out[name] = {"target": LIMIT_TARGET, "against": limit, "variant": ours,
                         "ratio": ratio, "met": ratio >= LIMIT_TARGET}  # fmt: skip
    return out


def peer_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in ("torch", "keras"):
        module = sys.modules.get(name)
        out[name] = getattr(module, "__version__", None) if module else None
    if out["torch"]:
        import torch

        out["torch_threads"] = str(torch.get_num_threads())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, 2 rounds")
    parser.add_argument("--rounds", type=int, help="timed rounds (default 7; --quick 2)")
    parser.add_argument("--tasks", default="mlp,xor", help="comma-separated: mlp,xor")
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=1,
        help="torch.set_num_threads (default 1; 0 keeps PyTorch's default, one per core)",
    )
    parser.add_argument("--out", help="directory for the JSON (default benchmarks/results)")
    args = parser.parse_args(argv)
    if args.out:
        common.RESULTS_DIR = Path(args.out)
    rounds = args.rounds or (2 if args.quick else 7)
    wanted = args.tasks.split(",")
    tasks = [t for t in make_tasks(args.quick) if t.name in wanted]
    results = []
    for task in tasks:
        print(f"{task.name}: burn-in and {rounds} rounds ...", flush=True)
        r = bench_task(task, rounds, args.torch_threads)
        results.append(r)
        for name, s in r["steps_per_second"].items():
            ratio = r["ratios"].get(f"fit_over_{name}")
            print(
                f"  {name:20s} {s['median']:12,.0f} steps/s ({s['min']:,.0f}-{s['max']:,.0f})"
                + ("" if ratio is None else f"   fit/this {ratio:6.2f}x")
                + f"   loss {r['loss_after_first_round'][name]:.4f}",
                flush=True,
            )
        for _other, t in r["targets"].items():
            verdict = "met" if t["met"] else "MISSED"
            ours = t.get("variant", "fit")
            print(f"  target {ours} >= {t['target']}x {t['against']}: {t['ratio']:.2f}x {verdict}")
    config = {
        "quick": args.quick,
        "rounds": rounds,
        "optimizer": "Adam (jaxnn.optim.adam / optax.adam / torch.optim.Adam / keras Adam, "
        "eps 1e-8)",
        "tasks": {
            t.name: {
                "sizes": t.sizes,
                "activation": t.activation,
                "n": len(t.x),
                "batch_size": t.batch_size,
                "learning_rate": t.learning_rate,
                "epochs_per_round": t.epochs,
            }
            for t in tasks
        },
        "peers": peer_versions(),
        "torch_threads_requested": args.torch_threads,
    }
    path = common.write_result("train_throughput", config, results)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
