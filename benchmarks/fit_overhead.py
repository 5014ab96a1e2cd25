"""Benchmark: what a fit call costs besides its training: compiles, per-call work, compile time.

Three measurements of jaxnn.train.fit (the training engine's targets):
  loop      10 fit calls, each with a fresh optim.adam(1e-3) (MLP 64-128-10, batch 128): how
            many programs compiled (the cache keys programs by value: one in all)
  overhead  a cached fit(epochs=1) call on XOR 2-8-1 (full batch) against a call of the same
            compiled chunk program alone (with its results fetched): the difference is fit's
            per-call Python work (checks, initial state, history), target <= 1 ms
  compile   fit's compile time for the MLP (its fast chunk: a while loop over epochs of a scan
            over batches, with the shuffle) against the compile time of a plain jitted lax.scan
            over one epoch's pre-sliced batches, each compiled for a new learning rate (no cache),
            interleaved; target <= 1.5x

Run:  python benchmarks/fit_overhead.py [--quick] [--rounds N] [--out DIR]
Writes benchmarks/results/fit_overhead.json (or into --out DIR).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

import benchmarks.common as common
from jaxnn import data, engine, losses, nn, optim, train
from jaxnn.engine import cache

TARGETS = {"loop_compiles": 1, "overhead_ms": 1.0, "compile_ratio": 1.5}


def mlp_loss(params, x, y):
    return losses.softmax_cross_entropy(nn.mlp(params, x, activation="relu"), y)


def xor_loss(params, x, y):
    return losses.sigmoid_binary_cross_entropy(nn.mlp(params, x, activation="tanh")[:, 0], y)


def mlp_task(batches: int):
    x, y = data.blobs(jax.random.key(0), 128 * batches, 10, features=64)
    return x, y, nn.init_mlp(jax.random.key(1), [64, 128, 10])


def loop_of_fits(calls: int = 10) -> dict[str, Any]:
    x, y, params = mlp_task(8)
    engine.cache_clear()
    compile_time = 0.0
    for _ in range(calls):
        r = train.fit(mlp_loss, params, optim.adam(1e-3), x, y, batch_size=128, epochs=1,
                      key=jax.random.key(2), progress=False)  # fmt: skip
        compile_time += r.history.compile_time
    return {"calls": calls, "compiles": engine.cache_info()["misses"], "compile_s": compile_time}


def call_overhead(rounds: int) -> dict[str, Any]:
    x, y = data.xor()
    y = y.astype(jnp.float32)
    params, opt = nn.init_mlp(jax.random.key(0), [2, 8, 1]), optim.adam(0.05)
    engine.cache_clear()
    train.fit(xor_loss, params, opt, x, y, epochs=1, progress=False)
    (program,) = cache.cached_programs()  # the one compiled chunk
    state = opt.init(params)
    args = (params, state, jax.random.key(0), np.int32(0), np.int32(1), np.float32(np.nan),
            x, y, x, y)  # fmt: skip

    def fit_call():
        return train.fit(xor_loss, params, optim.adam(0.05), x, y, epochs=1, progress=False).params

    def program_call():
        return jax.device_get(program(*args))

    samples = common.time_interleaved(
        {"fit": fit_call, "program": program_call}, rounds=rounds, sync=jax.block_until_ready
    )
    fit_ms = [1e3 * t for t in samples["fit"]]
    program_ms = [1e3 * t for t in samples["program"]]
    overhead = statistics.median(fit_ms) - statistics.median(program_ms)
    return {"fit_ms": common.summarize(fit_ms), "program_ms": common.summarize(program_ms),
            "overhead_ms": overhead}  # fmt: skip


def compile_times(trials: int) -> dict[str, Any]:
    x, y, params = mlp_task(40)
    steps, b = 40, 128
    xs, ys = x.reshape(steps, b, 64), y.reshape(steps, b)
    fit_s, scan_s = [], []
    for i in range(trials):
        lr = 1e-3 * (1 + i)  # a new value: nothing cached
        opt = optim.adam(lr)
        step = train.make_step(mlp_loss, opt)

        def epoch(p, s, xs, ys, step=step):
            def body(c, batch):
                p, s, loss = step(*c, *batch)
                return (p, s), loss

            (p, s), losses_ = lax.scan(body, (p, s), (xs, ys))
            return p, s, losses_

        t0 = time.perf_counter()
        jax.jit(epoch).lower(params, opt.init(params), xs, ys).compile()
        scan_s.append(time.perf_counter() - t0)
        r = train.fit(mlp_loss, params, optim.adam(lr), x, y, batch_size=b, epochs=1,
                      key=jax.random.key(3), progress=False)  # fmt: skip
        fit_s.append(r.history.compile_time)
    ratio = statistics.median(fit_s) / statistics.median(scan_s)
    return {"fit_s": common.summarize(fit_s), "scan_s": common.summarize(scan_s), "ratio": ratio}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and trials")
    parser.add_argument("--rounds", type=int, help="timed rounds of the overhead (default 200)")
    parser.add_argument("--out", help="directory for the JSON (default benchmarks/results)")
    args = parser.parse_args(argv)
    if args.out:
        common.RESULTS_DIR = Path(args.out)
    rounds = args.rounds or (30 if args.quick else 200)
    loop = loop_of_fits()
    print(f"loop of {loop['calls']} fits with fresh optimizers: {loop['compiles']} compile(s)")
    over = call_overhead(rounds)
    fit_ms, program_ms = over["fit_ms"]["median"], over["program_ms"]["median"]
    print(
        f"cached fit(epochs=1) on XOR: {fit_ms:.3f} ms, the compiled chunk alone "
        f"{program_ms:.3f} ms: overhead {over['overhead_ms']:.3f} ms"
    )
    comp = compile_times(2 if args.quick else 5)
    fit_s, scan_s = comp["fit_s"]["median"], comp["scan_s"]["median"]
    print(f"compile: fit {fit_s:.2f} s, plain scan {scan_s:.2f} s: {comp['ratio']:.2f}x")
    targets = {
        "loop_compiles": {"target": TARGETS["loop_compiles"], "value": loop["compiles"],
                          "met": loop["compiles"] <= TARGETS["loop_compiles"]},
        "overhead_ms": {"target": TARGETS["overhead_ms"], "value": over["overhead_ms"],
                        "met": over["overhead_ms"] <= TARGETS["overhead_ms"]},
        "compile_ratio": {"target": TARGETS["compile_ratio"], "value": comp["ratio"],
                          "met": comp["ratio"] <= TARGETS["compile_ratio"]},
    }  # fmt: skip
    config = {"quick": args.quick, "rounds": rounds}
    results = {"loop": loop, "overhead": over, "compile": comp}
    path = common.write_result("fit_overhead", config, results, targets=targets)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
