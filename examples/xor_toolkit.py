"""XOR with the standard toolkit: a 2-3-1 sigmoid MLP, full-batch gradient descent, 20 seeds.

``jaxnn.nn.mlp`` + ``jaxnn.losses.mse`` + ``jaxnn.optim.sgd``, with ``jax.grad`` doing the
backprop. All seeds train at once: ``vmap`` over the initial keys, ``lax.scan`` over the epochs,
one compiled program. Reports, per seed, the first epoch after which all 4 XOR outputs are on
the right side of 0.5.

    python examples/xor_toolkit.py                 # 20 seeds, lr 2.0, up to 5000 epochs
    python examples/xor_toolkit.py --quick         # up to 1000 epochs
"""

from __future__ import annotations

import argparse
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from jaxnn import losses, nn, optim

X = jnp.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = jnp.array([[0.0], [1.0], [1.0], [0.0]])


def net(params):
    return nn.mlp(params, X, activation="sigmoid", output_activation="sigmoid")


def epochs_to_solve(key, lr, max_epochs):
    """Trains one 2-3-1 net from ``key``; returns (first epoch with 4/4 correct or -1, loss)."""
    params = nn.init_mlp(key, [2, 3, 1])
    opt = optim.sgd(lr)

    def epoch(carry, _):
        params, state = carry
        grads = jax.grad(lambda p: losses.mse(net(p), Y))(params)
        updates, state = opt.update(grads, state, params)
        params = optim.apply_updates(params, updates)
        return (params, state), losses.accuracy(net(params), Y)

    (params, _), accuracy = jax.lax.scan(epoch, (params, opt.init(params)), None, max_epochs)
    solved = accuracy == 1.0
    first = jnp.where(solved.any(), jnp.argmax(solved) + 1, -1)
    return first, losses.mse(net(params), Y)


@partial(jax.jit, static_argnames="max_epochs")
def sweep(keys, lr, max_epochs):
    """All seeds in one program."""
    return jax.vmap(epochs_to_solve, in_axes=(0, None, None))(keys, lr, max_epochs)


def main(seeds: int = 20, lr: float = 2.0, max_epochs: int = 5000):
    keys = jax.random.split(jax.random.key(0), seeds)
    first, final_loss = (np.asarray(a) for a in sweep(keys, lr, max_epochs))
    print(f"2-3-1 sigmoid MLP, MSE, full-batch SGD lr={lr}, {seeds} seeds, {max_epochs} epochs")
    for seed, (e, loss) in enumerate(zip(first, final_loss, strict=True)):
        when = f"4/4 correct after {e} epochs" if e > 0 else f"not solved in {max_epochs}"
        print(f"  seed {seed:2d}: {when:32s} final loss {loss:.2e}")
    solved = first[first > 0]
    summary = f"solved {len(solved)}/{seeds} seeds"
    if len(solved):
        summary += (
            f"; epochs to 4/4 correct: median {np.median(solved):.0f}, "
            f"min {solved.min()}, max {solved.max()}"
        )
    print(summary)
    return first


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--lr", type=float, default=2.0)
    parser.add_argument("--epochs", type=int, default=5000, help="the most epochs per seed")
    parser.add_argument("--quick", action="store_true", help="at most 1000 epochs")
    args = parser.parse_args()
    main(args.seeds, args.lr, 1000 if args.quick else args.epochs)
