"""Benchmark: steps per second of data-parallel jaxnn.train.fit on 1, 2, 4 and 8 devices.

Task: generated blobs (n x 64, 10 classes), MLP 64-256-256-10 ReLU, softmax cross-entropy,
Adam, a global batch of 256 (strong scaling: each of D devices gets 256 / D examples per step),
``fit(..., mesh=jaxnn.parallel.data_mesh(D))``: params and optimizer state replicated, each
batch split along the data axis, gradients all-reduced by XLA.

The device count is fixed when JAX starts, so each count runs in its own subprocess. On a CPU
machine the devices are simulated (``XLA_FLAGS=--xla_force_host_platform_device_count=D``);
when a GPU or TPU backend is found, the same runs use the real devices (counts up to the number
available). In each subprocess the single-device ``fit`` (``mesh=None``) runs beside the
data-parallel one, interleaved round by round, so ``ratio_vs_single`` is a same-process ratio;
the final params of both are compared too (max relative difference; not bit-exact because the
all-reduce sums the partial gradients in another order).

Timing: ``fit``'s own ``History.epoch_time`` (compiled chunks only: compilation, argument
checks and the placement of the data on the devices are excluded), all epochs of a round in one
compiled call; one burn-in call compiles; ``--rounds`` timed rounds; medians and min-max.

Run:  python benchmarks/scaling.py [--quick] [--rounds N] [--out DIR]
Writes benchmarks/results/scaling.json (or into --out DIR).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import benchmarks.common as common

DEVICE_COUNTS = (1, 2, 4, 8)
GLOBAL_BATCH = 256
SIZES = (64, 256, 256, 10)

SIMULATED_NOTE = (
    "Simulated CPU devices (--xla_force_host_platform_device_count) run the same partitioned "
    "program with real collectives, so these runs show that data-parallel fit works and what the "
    "partitioning and the all-reduce cost. They share the same CPU cores and memory bandwidth, so "
    "they do not show speed-up: expect flat or falling steps/s as devices are added. Speed-up is "
    "a property of real accelerators (or hosts) with their own compute and memory."
)
REAL_NOTE = (
    "Real accelerator devices: each device has its own compute and memory; steps/s against the "
    "device count shows strong scaling of a fixed global batch (communication included)."
)


def _probe() -> dict[str, Any]:
    """Backend and device count of a fresh JAX process (never imports JAX here)."""
    code = (
        "import json, jax; d = jax.devices(); "
        "print(json.dumps({'backend': jax.default_backend(), 'count': len(d), "
        "'kind': d[0].device_kind}))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def worker(devices: int, quick: bool, rounds: int) -> dict[str, Any]:
    """Runs in the subprocess: times single-device and data-parallel fit on ``devices``."""
    import jax
    import numpy as np

    from jaxnn import data, losses, nn, optim, parallel, train

    n = 2_048 if quick else 8_192
    epochs = 2 if quick else 4
    x, y = data.blobs(jax.random.key(0), n, 10, features=SIZES[0], spread=3.0)
    x = (x - x.mean(0)) / x.std(0)
    params = nn.init_mlp(jax.random.key(1), list(SIZES))
    opt = optim.adam(1e-3)

    def loss_fn(p, xb, yb):
        return losses.softmax_cross_entropy(nn.mlp(p, xb), yb)

    mesh = parallel.data_mesh(devices)
    variants = {"single": None, "data_parallel": mesh}

    def run(variant):
        return train.fit(
            loss_fn,
            params,
            opt,
            x,
            y,
            batch_size=GLOBAL_BATCH,
            epochs=epochs,
            key=jax.random.key(2),
            progress=False,
            epochs_per_chunk=epochs,
            mesh=variants[variant],
        )

    compile_time, last = {}, {}
    for name in variants:  # burn-in: compiles (cached by fit afterwards)
        last[name] = run(name)
        compile_time[name] = last[name].history.compile_time
    seconds = {name: [] for name in variants}
    for _ in range(rounds):
        for name in variants:
            last[name] = run(name)
            seconds[name].append(float(np.sum(last[name].history.epoch_time)))
    steps = last["single"].history.steps
    rel = 0.0
    pairs = zip(
        jax.tree.leaves(last["data_parallel"].params),
        jax.tree.leaves(last["single"].params),
        strict=True,
    )
    for a, b in pairs:
        a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
        rel = max(rel, float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-3))))
    out = {
        "devices": devices,
        "per_device_batch": GLOBAL_BATCH // devices,
        "steps_per_round": steps,
        "compile_s": compile_time,
        "seconds_per_round": {k: common.summarize(v) for k, v in seconds.items()},
        "steps_per_s": {k: steps / common.summarize(v)["median"] for k, v in seconds.items()},
        "max_rel_param_diff_vs_single": rel,
        "params_sharding_replicated": all(
            leaf.sharding.is_fully_replicated
            for leaf in jax.tree.leaves(last["data_parallel"].params)
        ),
        "device_kind": jax.devices()[0].device_kind,
        "device_count": jax.device_count(),
    }
    ratios = [d / s for d, s in zip(seconds["single"], seconds["data_parallel"], strict=True)]
    out["ratio_vs_single"] = common.summarize(ratios)  # steps/s of data-parallel / single
    return out


def _run_worker(devices: int, simulated: bool, quick: bool, rounds: int) -> dict[str, Any]:
    env = dict(os.environ)
    if simulated:  # append: keep any flags the caller set
        flags = env.get("XLA_FLAGS", "")
        env["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count={devices}".strip()
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(devices)]
    cmd += ["--rounds", str(rounds)] + (["--quick"] if quick else [])
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode:
        raise RuntimeError(f"worker for {devices} devices failed:\n{r.stderr[-4000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, 2 rounds (~1 minute)")
    parser.add_argument("--rounds", type=int, help="timed rounds (default 5; --quick 2)")
    parser.add_argument("--out", help="directory for the JSON (default benchmarks/results)")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)  # internal: one count
    args = parser.parse_args(argv)
    rounds = args.rounds or (2 if args.quick else 5)
    if args.worker:
        print(json.dumps(worker(args.worker, args.quick, rounds)))
        return 0
    if args.out:
        common.RESULTS_DIR = Path(args.out)

    probe = _probe()
    simulated = probe["backend"] == "cpu"
    counts = DEVICE_COUNTS if simulated else [d for d in DEVICE_COUNTS if d <= probe["count"]]
    note = SIMULATED_NOTE if simulated else REAL_NOTE
    results = []
    for d in counts:
        results.append(_run_worker(d, simulated, args.quick, rounds))
        print(f"  {d} device(s) done", file=sys.stderr)
    base = results[0]["steps_per_s"]["data_parallel"]
    for r in results:  # across processes: a rough figure next to the same-process ratio
        r["steps_per_s_vs_1_device"] = r["steps_per_s"]["data_parallel"] / base
    config = {
        "quick": args.quick,
        "rounds": rounds,
        "mode": "simulated CPU devices" if simulated else f"real {probe['backend']} devices",
        "device_counts": list(counts),
        "model": "MLP " + "-".join(map(str, SIZES)) + " ReLU, softmax cross-entropy, Adam 1e-3",
        "global_batch": GLOBAL_BATCH,
        "n": 2_048 if args.quick else 8_192,
        "epochs_per_round": 2 if args.quick else 4,
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
    }
    path = common.write_result("scaling", config, results, note=note)

    from jaxnn._table import format_table

    rows = [
        [
            r["devices"],
            r["per_device_batch"],
            round(r["steps_per_s"]["data_parallel"]),
            round(r["steps_per_s"]["single"]),
            r["ratio_vs_single"]["median"],
            f"{r['ratio_vs_single']['min']:.3g}-{r['ratio_vs_single']['max']:.3g}",
            r["compile_s"]["data_parallel"],
            f"{r['max_rel_param_diff_vs_single']:.1e}",
        ]
        for r in results
    ]
    headers = ["devices", "batch/device", "steps/s", "1-dev steps/s", "ratio", "ratio min-max"]
    headers += ["compile s", "max rel diff"]
    print(f"{config['mode']}, {probe['kind']}: {config['model']}, global batch {GLOBAL_BATCH}")
    print(format_table(headers, rows, digits=3))
    print(f"note: {note}")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
