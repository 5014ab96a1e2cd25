"""The book's XOR run (ch. 8): 20,000 online updates, compiled vs plain Python.

Both run the same procedure (2-2-1 tanh net, the book's initial weights from ``random`` seeded
with 777, 5000 epochs x 4 samples, the book's update rule, float64):

- ``plain_python``: Python floats, ``math.tanh`` and loops (a lean reference);
- ``plain_python_np_tanh``: the same loop calling NumPy's scalar ``np.tanh``, as the book's code
  does;
- ``compiled_core``: jaxnn's compiled run (one ``lax.scan`` over the epochs), called directly;
- ``xor_book``: the public ``jaxnn.experiments.xor_book()`` call, warm (adds drawing the weights,
  argument checks and dispatch);
- ``compiled_core_f32``: the compiled run in float32.

Trace and compile time of the float64 program are measured separately, before any call. Variants are
interleaved round by round; medians and min-max are reported, and the speed-up as a ratio of
medians measured in the same run. The numbers must agree (checked before timing).

    python benchmarks/xor.py            # 9 rounds
    python benchmarks/xor.py --quick    # 3 rounds
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import summarize, time_interleaved, write_result
from jaxnn.experiments import book_initial_params, xor_book
from jaxnn.experiments import xor as xor_module


def plain_python_book_run(epochs=5000, lr=0.1, mo=0.4, seed=777, tanh=math.tanh):
    """The book's procedure with Python floats; returns the per-epoch errors.

    ``tanh=np.tanh`` runs the same loop with NumPy's scalar tanh, as the book's code does (its
    activation calls ``np.tanh`` on Python floats): the same numbers, slower calls.
    """
    rng = random.Random(seed)
    w_in = [[rng.random(), rng.random()] for _ in range(3)]
    w_out = [rng.random(), rng.random()]
    prev_in = [[0.0, 0.0] for _ in range(3)]
    prev_out = [0.0, 0.0]
    data = [((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0)]
    errors = []
    for _ in range(epochs):
        total = 0.0
        for (x1, x2), t in data:
            inputs = (x1, x2, 1.0)
            h = [
                tanh(inputs[0] * w_in[0][j] + inputs[1] * w_in[1][j] + w_in[2][j]) for j in range(2)
            ]
            o = tanh(h[0] * w_out[0] + h[1] * w_out[1])
            total += 0.5 * (t - o) ** 2
            d_out = (o - t) * (1.0 - o * o)
            d_hid = [d_out * w_out[j] * (1.0 - h[j] * h[j]) for j in range(2)]
            for j in range(2):
                g = d_out * h[j]
                w_out[j] += lr * g - mo * prev_out[j]
                prev_out[j] = g
            for i in range(3):
                for j in range(2):
                    g = d_hid[j] * inputs[i]
                    w_in[i][j] += lr * g - mo * prev_in[i][j]
                    prev_in[i][j] = g
        errors.append(total)
    return errors


def main(quick: bool) -> dict:
    epochs, rounds = 5000, (3 if quick else 9)
    kwargs = dict(rule="book", activation="tanh", epochs=epochs, method="manual")
    train = xor_module._train_jit
    with jax.enable_x64(True):
        params64 = book_initial_params(777, jnp.float64)
        lr64, mo64 = jnp.asarray(0.1, jnp.float64), jnp.asarray(0.4, jnp.float64)
        t0 = time.perf_counter()
        lowered = train.lower(params64, lr64, mo64, **kwargs)  # trace
        t1 = time.perf_counter()
        lowered.compile()  # XLA compile
        t2 = time.perf_counter()
        trace_s, compile_s = t1 - t0, t2 - t1

        reference = plain_python_book_run(epochs)
        max_diff = float(np.max(np.abs(np.asarray(xor_book().errors) - np.array(reference))))
        assert max_diff < 1e-9, max_diff

        params32 = book_initial_params(777, jnp.float32)
        lr32, mo32 = jnp.asarray(0.1, jnp.float32), jnp.asarray(0.4, jnp.float32)
        variants = {
            "plain_python": lambda: plain_python_book_run(epochs),
            "plain_python_np_tanh": lambda: plain_python_book_run(epochs, tanh=np.tanh),
            "compiled_core": lambda: train(params64, lr64, mo64, **kwargs),
            "xor_book": lambda: xor_book().errors,
            "compiled_core_f32": lambda: train(params32, lr32, mo32, **kwargs),
        }
        for fn in variants.values():  # burn-in (compiles the float32 program)
            jax.block_until_ready(fn())
        samples = time_interleaved(variants, rounds=rounds, sync=jax.block_until_ready)

    stats = {name: summarize(s) for name, s in samples.items()}
    python_median = stats["plain_python"]["median"]
    results = {
        "updates": 4 * epochs,
        "trace_s": trace_s,
        "compile_s": compile_s,
        "max_abs_diff_errors_vs_plain_python": max_diff,
        "timings_s": stats,
        "speedup_vs_plain_python": {
            name: python_median / s["median"]
            for name, s in stats.items()
            if not name.startswith("plain_python")
        },
        "speedup_vs_plain_python_np_tanh": {
            name: stats["plain_python_np_tanh"]["median"] / s["median"]
            for name, s in stats.items()
            if not name.startswith("plain_python")
        },
    }
    config = {"epochs": epochs, "rounds": rounds, "quick": quick, "dtype": "float64"}
    path = write_result("xor", config, results)

    print(f"book's XOR run, {4 * epochs:,} online updates, {rounds} rounds")
    print("  (median, min-max; last column: plain_python's median / this median)")
    for name, s in stats.items():
        speed = f"  {python_median / s['median']:6.1f}x"
        print(
            f"  {name:20s} {1e3 * s['median']:9.2f} ms  "
            f"({1e3 * s['min']:.2f}-{1e3 * s['max']:.2f}){speed}"
        )
    print(f"  trace {trace_s:.3f} s + compile {compile_s:.3f} s (float64 program, once)")
    print(f"  max |compiled - plain Python| over the 5000 epoch errors: {max_diff:.2e}")
    print(f"wrote {path}")
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds instead of 9")
    parser.add_argument("--out", help="directory for the JSON (default benchmarks/results)")
    args = parser.parse_args()
    if args.out:
        import benchmarks.common

        benchmarks.common.RESULTS_DIR = Path(args.out)
    main(args.quick)
