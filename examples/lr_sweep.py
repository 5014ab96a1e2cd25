"""Which learning rate suits which optimizer? Every (rate, seed) pair trained at once.

``jaxnn.train.sweep`` trains a grid of learning rates x seeds with ``jax.vmap`` inside the same
compiled epoch as ``train.fit``: here 3 optimizers x 9 rates x 16 seeds = 432 runs of a 2-16-1
tanh MLP on two moons, one compiled program per optimizer. It prints the median final loss over
seeds against the learning rate, each optimizer's best rate, and checks one run of the grid
against ``train.fit`` run alone (the same run, up to float rounding).

    python examples/lr_sweep.py             # 16 seeds, 100 epochs
    python examples/lr_sweep.py --quick     # 4 seeds, 20 epochs
"""

from __future__ import annotations

import argparse

import jax
import numpy as np

from jaxnn import data, losses, nn, optim, train

OPTIMIZERS = {
    "sgd": optim.sgd,
    "momentum": lambda lr: optim.momentum(lr, 0.9),
    "adam": optim.adam,
}
RATES = np.logspace(-3, 1, 9)  # 0.001 ... 10: wide enough to see each optimizer diverge


def loss_fn(params, xb, yb):
    logits = nn.mlp(params, xb, activation="tanh")[:, 0]
    return losses.sigmoid_binary_cross_entropy(logits, yb.astype(np.float32))


def init_params(key):
    return nn.init_mlp(key, [2, 16, 1])


def main(seeds: int = 16, epochs: int = 100) -> dict[str, np.ndarray]:
    x, y = data.two_moons(jax.random.key(0), n=256, noise=0.15)
    keys = jax.random.split(jax.random.key(1), seeds)
    print(f"2-16-1 tanh MLP on two moons (256 points), batch 32, {epochs} epochs, {seeds} seeds")
    print("median final loss over seeds (inf: at least half the seeds diverged)")
    print(f"{'lr':<10}" + "".join(f"{lr:>9.3g}" for lr in RATES) + "   best lr")
    medians, results = {}, {}
    for name, make in OPTIMIZERS.items():
        r = train.sweep(
            loss_fn, init_params, make, x, y,
            keys=keys, learning_rates=RATES, batch_size=32, epochs=epochs,
        )  # fmt: skip
        results[name] = r
        final = np.where(r.diverged, np.inf, np.asarray(r.final_loss))
        medians[name] = np.median(final, axis=1)
        best = RATES[np.argmin(medians[name])]
        cells = "".join(f"{m:>9.4f}" for m in medians[name])
        times = f"({r.compile_time:.1f} s compile, {r.run_time:.2f} s)"
        print(f"{name:<10}{cells}   {best:.3g}  {times}")

    # One run of the grid is the run fit makes alone: adam, rate index 4, seed 0.
    init_key, data_key = jax.random.split(keys[0])
    alone = train.fit(
        loss_fn, init_params(init_key), optim.adam(RATES[4]), x, y,
        key=data_key, batch_size=32, epochs=epochs,
    )  # fmt: skip
    gap = max(
        float(np.max(np.abs(np.asarray(a) - np.asarray(b)[4, 0])))
        for a, b in zip(
            jax.tree_util.tree_leaves(alone.params),
            jax.tree_util.tree_leaves(results["adam"].params),
            strict=True,
        )
    )
    print(f"adam lr {RATES[4]:.3g}, seed 0: sweep vs fit alone, largest parameter gap {gap:.1e}")
    return medians


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 seeds, 20 epochs")
    args = parser.parse_args()
    main(seeds=4, epochs=20) if args.quick else main()
