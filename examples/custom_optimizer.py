"""Write your own optimizer in a dozen lines, then prove it against optax with jaxnn.validate.

sign-SGD moves every coordinate by the same amount, in the direction against its gradient:

    u = -lr * sign(g)

Its optax twin is ``optax.sign_sgd(lr)``. ``jaxnn.validate.compare`` runs the two side by side
on a random pytree for N steps and reports the largest difference at each step; a deliberately
wrong version (the sign flipped where the gradient is small) fails at once.

Run:  python examples/custom_optimizer.py [--steps N] [--quick]
"""

from __future__ import annotations

import argparse
import sys
from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxnn import optim, validate


class SignSgdState(NamedTuple):
    count: jax.Array  # updates so far (int32), as every jaxnn optimizer keeps


def sign_sgd(learning_rate: float) -> optim.Optimizer:
    """u = -learning_rate * sign(g): an (init, update) pair with optax's contract."""

    def init(params):
        del params
        return SignSgdState(count=jnp.zeros([], jnp.int32))

    def update(grads, state, params=None, **extra):
        del params, extra
        updates = jax.tree.map(lambda g: -learning_rate * jnp.sign(g), grads)
        return updates, SignSgdState(optim.safe_increment(state.count))

    return optim.Optimizer(init, update)


def sloppy_sign_sgd(learning_rate: float) -> optim.Optimizer:
    """A buggy variant: treats |g| < 0.1 as zero (no step), unlike sign(g)."""
    base = sign_sgd(learning_rate)

    def update(grads, state, params=None, **extra):
        grads = jax.tree.map(lambda g: jnp.where(jnp.abs(g) < 0.1, 0.0, g), grads)
        return base.update(grads, state, params)

    return optim.Optimizer(base.init, update)


def check(steps: int, seed: int = 0) -> list[validate.ValidationReport]:
    """Both variants beside optax.sign_sgd; returns the two reports."""
    return [
        validate.compare(opt, optax.sign_sgd(0.01), steps=steps, key=seed, name=name)
        for name, opt in (("sign_sgd", sign_sgd(0.01)), ("sloppy", sloppy_sign_sgd(0.01)))
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="20 steps")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    steps = 20 if args.quick else args.steps
    good, sloppy = check(steps, args.seed)
    for r in (good, sloppy):
        verdict = "PASS" if r.passed else f"FAIL from step {r.first_failure}"
        print(
            f"{r.name:>9} vs optax.sign_sgd(0.01), {r.steps} steps: max abs diff "
            f"{r.max_abs_diff:.3g}, max rel diff {r.max_rel_diff:.3g} (rtol {r.rtol:g}): {verdict}"
        )
    # The real one must pass and the buggy one must be caught.
    sys.exit(0 if good.passed and not sloppy.passed else 1)
