"""Gradient descent vs SGD (ch. 9.4 of *모두의 딥러닝*, fig. 9-5): one model, three batch sizes.

Full-batch GD makes one update per pass over the data; SGD (batch 1) makes n updates, each from
one example; a minibatch sits between. ``jaxnn.train.fit`` runs every epoch as one compiled
``lax.scan``, so SGD's many small updates cost little time, and SGD gets close to the best
linear fit after far fewer passes over the data. A Python loop over a jitted step
(``python_loop_fit``) makes the same updates, one dispatch each: that is what made SGD look slow.

    python examples/gd_vs_sgd.py            # diabetes (scikit-learn) or generated, 20 epochs
    python examples/gd_vs_sgd.py --quick    # GD and SGD only, 4 epochs: seconds
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import numpy as np

from jaxnn import data, losses, optim, train
from jaxnn.experiments import python_loop_fit

RATES = {None: 0.2, 10: 0.01, 1: 0.002}  # batch size -> learning rate (smaller batch, noisier)


def load(key):
    """Standardized diabetes (442 x 10), or a generated set of the same shape without sklearn."""
    try:
        x, y = data.load_diabetes()
    except ImportError:
        x, y = data.regression(key, 442, features=10, noise=1.0)
    return data.standardize(x), data.standardize(y)


def loss_fn(params, x, y):
    """Mean squared error of a linear model."""
    return losses.mse(x @ params["w"] + params["b"], y)


def run(x, y, batch_size, epochs, key):
    """Plain SGD ``w -= lr * g`` with one batch size; returns fit's History."""
    params = {"w": jnp.zeros(x.shape[1]), "b": jnp.zeros(())}
    opt = optim.sgd(RATES[batch_size])
    result = train.fit(
        loss_fn,
        params,
        opt,
        x,
        y,
        batch_size=batch_size,
        epochs=epochs,
        key=key,
        eval_data=(x, y),
        progress=False,
    )
    return result.history


def best_linear_loss(x, y):
    """The least-squares optimum (closed form): what every run is heading for."""
    design = np.c_[np.asarray(x, np.float64), np.ones(len(x))]
    coef, *_ = np.linalg.lstsq(design, np.asarray(y, np.float64), rcond=None)
    return float(np.mean((design @ coef - np.asarray(y, np.float64)) ** 2))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="GD and SGD, 4 epochs instead of 20")
    args = parser.parse_args()

    key = jax.random.key(0)
    x, y = load(key)
    epochs = 4 if args.quick else 20
    best = best_linear_loss(x, y)
    target = 1.04 * best
    print(f"{len(x)} examples; best linear fit {best:.4f}; target {target:.4f}")
    print(
        f"ms/epoch: the median over the {epochs} epochs and its interquartile range; "
        "runs whose ranges overlap differ within noise"
    )
    print(
        "run           updates/epoch  ms/epoch (IQR)        loss: 1st epoch  last   reaches target"
    )
    spreads = {}
    for batch_size in (None, 1) if args.quick else (None, 10, 1):
        h = run(x, y, batch_size, epochs, key)
        name = {None: "GD", 1: "SGD"}.get(batch_size, f"minibatch {batch_size}")
        loss = np.asarray(h.eval_loss)
        reached = np.flatnonzero(loss <= target)
        when = f"after epoch {reached[0] + 1}" if reached.size else f"not in {epochs} epochs"
        low, median, high = 1e3 * np.percentile(h.epoch_time, [25, 50, 75])
        spreads[name] = (low, high)
        timing = f"{median:.3f} ({low:.3f}-{high:.3f})"
        print(
            f"{name:<13} {h.steps // epochs:>13}  {timing:<20}  "
            f"{loss[0]:>15.4f}  {loss[-1]:.4f} {when}"
        )
    (g0, g1), (s0, s1) = spreads["GD"], spreads["SGD"]
    verdict = "within noise" if g0 <= s1 and s0 <= g1 else "apart (ranges do not overlap)"
    print(f"compiled GD and SGD epoch times: {verdict}")
    # The same SGD updates from a Python loop over a jitted step: one dispatch per update.
    params = {"w": jnp.zeros(x.shape[1]), "b": jnp.zeros(())}
    _, seconds, _ = python_loop_fit(
        loss_fn, params, optim.sgd(RATES[1]), x, y, batch_size=1, epochs=3, key=key
    )
    print(
        f"SGD in a Python loop over a jitted step: {1e3 * np.median(seconds):.1f} ms per epoch, "
        f"median of 3 (the same {len(x)} updates, one dispatch each)"
    )
