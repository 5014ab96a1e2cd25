"""Benchmark: one optimizer step (update + apply), jaxnn against optax and a same-bytes probe.

For each optimizer of the book's Table 9-1 (SGD, momentum, Nesterov, Adagrad, RMSProp, Adam) and
AdamW and Lion, three jitted, donated programs on the same float32 parameters (a few large
arrays, about 1M and 16M elements on a CPU, 256M on a GPU) and the same fixed gradients:

  jaxnn   params, state = apply_updates(params, u), s'   with u, s' = opt.update(g, s, params)
  optax   the same with the optax twin
  probe   plain adds that move the same bytes: with k param-shaped state trees (SGD 0; momentum,
          Nesterov, Adagrad, RMSProp, Lion 1; Adam, AdamW 2) it reads params, grads and the k
          states and writes the k states and the params, the new params computed from the new
          states (SGD: 2 reads + 1 write; Adam: 4 reads + 3 writes):
              s_i' = s_i + g;   p' = p + s_1' + ... + s_k'     (k = 0: p' = p + g)

An update step is memory-bound: its floor is the time the probe takes to move
``(2 + k) + (1 + k)`` param-sized arrays. Reported per optimizer and size: time per step (median,
min-max over rounds), GB/s (those bytes / time), jaxnn/optax (time ratio, target <= 1.05) and
jaxnn's bandwidth as a fraction of the probe's (target >= 0.85 at 16M on a CPU, 0.95 at 256M on
a GPU). Method (BENCHMARKS.md): each program is compiled first (compile time reported apart)
and checked against optax, then ``--rounds`` rounds of ``K`` chained calls, the three variants
interleaved round by round; medians and same-run ratios.

Run:  python benchmarks/optimizer_step.py [--quick] [--rounds N] [--sizes 1M,16M] [--out DIR]
Writes benchmarks/results/optimizer_step.json (or into --out DIR).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import jax
import jax.numpy as jnp
import optax

import benchmarks.common as common
from jaxnn import optim

LR = 1e-3
# name -> (jaxnn optimizer, optax optimizer, number of param-shaped state trees)
OPTIMIZERS: dict[str, tuple[Callable[[], Any], Callable[[], Any], int]] = {
    "sgd": (lambda: optim.sgd(LR), lambda: optax.sgd(LR), 0),
    "momentum": (lambda: optim.momentum(LR, 0.9), lambda: optax.sgd(LR, momentum=0.9), 1),
    "nesterov": (
        lambda: optim.nesterov(LR, 0.9),
        lambda: optax.sgd(LR, momentum=0.9, nesterov=True),
        1,
    ),
    "adagrad": (lambda: optim.adagrad(LR), lambda: optax.adagrad(LR), 1),
    "rmsprop": (lambda: optim.rmsprop(LR), lambda: optax.rmsprop(LR), 1),
    "adam": (lambda: optim.adam(LR), lambda: optax.adam(LR), 2),
    "adamw": (lambda: optim.adamw(LR), lambda: optax.adamw(LR), 2),
    "lion": (lambda: optim.lion(LR), lambda: optax.lion(LR), 1),
}
TARGET_OPTAX = 1.05  # jaxnn time / optax time at most
TARGET_PROBE = {"cpu": 0.85, "gpu": 0.95}  # jaxnn GB/s / probe GB/s at least (largest size)


def parse_size(text: str) -> int:
    """``"16M"`` -> 16 * 2**20, ``"1024"`` -> 1024."""
    text = text.strip().upper()
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
    return int(float(text.rstrip("KMG")) * scale)


def size_label(n: int) -> str:
    return f"{n >> 20}M" if n % (1 << 20) == 0 else str(n)


def make_params(n: int, key: jax.Array) -> dict[str, jax.Array]:
    """About ``n`` float32 values in four arrays: halves, quarters and eighths of ``n``."""
    cols = 1024 if n >= 8 * 1024 else 1
    rows = [n // 2 // cols, n // 4 // cols, n // 8 // cols]
    shapes = {f"w{i}": (r, cols) for i, r in enumerate(rows)}
    shapes["b"] = (n - cols * sum(rows),)
    keys = jax.random.split(key, len(shapes))
    return {
        name: 0.1 * jax.random.normal(k, shape, jnp.float32)
        for (name, shape), k in zip(shapes.items(), keys, strict=True)
    }


def make_update_step(opt: Any, apply: Callable) -> Callable:
    """The jitted step ``(params, state, grads) -> (params, state)``, params and state donated."""

    def step(params, state, grads):
        updates, state = opt.update(grads, state, params)
        return apply(params, updates), state

    return jax.jit(step, donate_argnums=(0, 1))


def make_probe(k: int) -> Callable:
    """Plain adds moving the bytes of an update with ``k`` state trees (see module docstring)."""

    def probe(params, states, grads):
        def leaf(p, g, *s):
            new = tuple(si + g for si in s)
            return (p + sum(new) if new else p + g), new

        out = jax.tree.map(leaf, params, grads, *states)
        treedef = jax.tree.structure(params)
        pairs = treedef.flatten_up_to(out)
        new_params = treedef.unflatten([pair[0] for pair in pairs])
        new_states = tuple(treedef.unflatten([pair[1][i] for pair in pairs]) for i in range(k))
        return new_params, new_states

    return jax.jit(probe, donate_argnums=(0, 1))


def _copy(tree: Any) -> Any:
    return jax.tree.map(jnp.copy, tree)


def _max_diff(a: Any, b: Any) -> float:
    diffs = jax.tree.map(lambda x, y: float(jnp.max(jnp.abs(x - y))), a, b)
    return max(jax.tree.leaves(diffs))


class _Chain:
    """K chained calls of a compiled donated step; holds the live buffers between rounds."""

    def __init__(self, compiled: Callable, params: Any, state: Any, grads: Any, k: int):
        self.compiled, self.params, self.state, self.grads, self.k = (
            compiled,
            params,
            state,
            grads,
            k,
        )

    def __call__(self) -> Any:
        p, s = self.params, self.state
        for _ in range(self.k):
            p, s = self.compiled(p, s, self.grads)
        self.params, self.state = p, s
        return p


def bench_optimizer(name: str, n: int, rounds: int, calls: int, key: jax.Array) -> dict[str, Any]:
    jaxnn_factory, optax_factory, k = OPTIMIZERS[name]
    params = make_params(n, key)
    grads = jax.tree.map(lambda p: 0.01 * jnp.cos(17.0 * p), params)
    variants = {
        "jaxnn": (make_update_step(jaxnn_factory(), optim.apply_updates), jaxnn_factory().init),
        "optax": (make_update_step(optax_factory(), optax.apply_updates), optax_factory().init),
        "probe": (make_probe(k), lambda p: tuple(_copy(p) for _ in range(k))),
    }
    compile_s, chains, first = {}, {}, {}
    for variant, (step, init) in variants.items():
        p = _copy(params)
        s = init(p)
        t0 = time.perf_counter()
        compiled = step.lower(p, s, grads).compile()
        compile_s[variant] = time.perf_counter() - t0
        p, s = compiled(p, s, grads)  # first step: checked below, then burn-in
        first[variant] = jax.device_get(p)
        chains[variant] = _Chain(compiled, p, s, grads, calls)
    check = _max_diff(first["jaxnn"], first["optax"])
    if not check <= 1e-6:
        raise RuntimeError(f"{name}: jaxnn and optax differ after one step by {check}")
    del first
    for chain in chains.values():  # burn-in
        jax.block_until_ready(chain())
    samples = common.time_interleaved(chains, rounds=rounds, sync=jax.block_until_ready)
    per_step = {v: [t / calls for t in s] for v, s in samples.items()}
    bytes_moved = ((2 + k) + (1 + k)) * 4 * n
    med = {v: statistics.median(s) for v, s in per_step.items()}
    # ratios per round (the variants ran back to back), then their median
    vs_optax = [a / b for a, b in zip(per_step["jaxnn"], per_step["optax"], strict=True)]
    vs_probe = [b / a for a, b in zip(per_step["jaxnn"], per_step["probe"], strict=True)]
    optax_vs_probe = [b / a for a, b in zip(per_step["optax"], per_step["probe"], strict=True)]
    del chains
    return {
        "optimizer": name,
        "params": n,
        "size": size_label(n),
        "state_trees": k,
        "bytes_per_step": bytes_moved,
        "calls_per_round": calls,
        "time_s": {v: common.summarize(s) for v, s in per_step.items()},
        "gb_per_s": {v: bytes_moved / med[v] / 1e9 for v in med},
        "compile_s": compile_s,
        "jaxnn_over_optax_time": statistics.median(vs_optax),
        "jaxnn_over_probe_bandwidth": statistics.median(vs_probe),
        "optax_over_probe_bandwidth": statistics.median(optax_vs_probe),
        "ratio_of_medians": {
            "jaxnn_over_optax_time": med["jaxnn"] / med["optax"],
            "jaxnn_over_probe_bandwidth": med["probe"] / med["jaxnn"],
        },
        "max_abs_diff_first_step": check,
    }


def default_sizes(backend: str, quick: bool) -> list[int]:
    if backend == "gpu":
        return [16 << 20] if quick else [16 << 20, 256 << 20]
    return [1 << 20] if quick else [1 << 20, 16 << 20]


def calls_for(n: int, backend: str) -> int:
    """Chained calls per round: about 0.05-0.2 s of work per variant on this kind of device."""
    if backend == "gpu":
        return 20 if n >= (256 << 20) else 100
    return max(2, int(48 * (1 << 20) / n))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, 3 rounds (seconds)")
    parser.add_argument("--rounds", type=int, help="timed rounds (default 11; --quick 3)")
    parser.add_argument("--sizes", help="comma-separated sizes, e.g. 1M,16M (default by device)")
    parser.add_argument(
        "--optimizers", help=f"comma-separated subset of {','.join(OPTIMIZERS)} (default all)"
    )
    parser.add_argument("--out", help="directory for the JSON (default benchmarks/results)")
    args = parser.parse_args(argv)
    if args.out:
        common.RESULTS_DIR = Path(args.out)
    backend = jax.default_backend()
    rounds = args.rounds or (3 if args.quick else 11)
    sizes = (
        [parse_size(s) for s in args.sizes.split(",")]
        if args.sizes
        else default_sizes(backend, args.quick)
    )
    names = args.optimizers.split(",") if args.optimizers else list(OPTIMIZERS)
    for name in names:
        if name not in OPTIMIZERS:
            parser.error(f"unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}")
    largest = max(sizes)
    target_probe = TARGET_PROBE.get(backend, TARGET_PROBE["cpu"])
    rows = []
    print(
        f"{'optimizer':9s} {'size':>5s} {'jaxnn ms':>9s} {'optax ms':>9s} {'probe ms':>9s} "
        f"{'jaxnn GB/s':>10s} {'jaxnn/optax':>11s} {'jaxnn/probe':>11s}"
    )
    for n in sizes:
        for i, name in enumerate(names):
            row = bench_optimizer(name, n, rounds, calls_for(n, backend), jax.random.key(i))
            rows.append(row)
            t = row["time_s"]
            print(
                f"{name:9s} {row['size']:>5s} {1e3 * t['jaxnn']['median']:9.3f} "
                f"{1e3 * t['optax']['median']:9.3f} {1e3 * t['probe']['median']:9.3f} "
                f"{row['gb_per_s']['jaxnn']:10.1f} {row['jaxnn_over_optax_time']:11.3f} "
                f"{row['jaxnn_over_probe_bandwidth']:11.3f}",
                flush=True,
            )
    at_largest = [r for r in rows if r["params"] == largest]
    targets = {
        "jaxnn_over_optax_time_at_most": TARGET_OPTAX,
        "jaxnn_over_probe_bandwidth_at_least": target_probe,
        "probe_target_size": size_label(largest),
        "met_optax": {
            r["optimizer"]: r["jaxnn_over_optax_time"] <= TARGET_OPTAX for r in at_largest
        },
        "met_probe": {
            r["optimizer"]: r["jaxnn_over_probe_bandwidth"] >= target_probe for r in at_largest
        },
    }
    config = {
        "quick": args.quick,
        "rounds": rounds,
        "sizes": [size_label(n) for n in sizes],
        "optimizers": names,
        "learning_rate": LR,
        "dtype": "float32",
        "params_layout": "four arrays: n/2, n/4, n/8 (rows of 1024) and the rest (a vector)",
        "donated": True,
    }
    path = common.write_result("optimizer_step", config, rows, targets=targets)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
