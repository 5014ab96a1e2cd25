"""Quickstart (the README's): an MLP learns XOR with jaxnn's nn, losses and optim, and jax.jit.

Parameters are a pytree (a list of {"w", "b"} layers), the optimizer is an (init, update) pair
with optax's contract, and the training step is a pure function compiled once by ``jax.jit``.

    python examples/quickstart.py            # 300 Adam steps, about a second after compilation
    python examples/quickstart.py --quick    # 100 steps
"""

import sys

import jax
import jax.numpy as jnp

from jaxnn import losses, nn, optim

x = jnp.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y = jnp.array([[0.0], [1.0], [1.0], [0.0]])
params = nn.init_mlp(jax.random.key(0), [2, 8, 1])  # a list of {"w", "b"} layers: a pytree
opt = optim.adam(0.05)
state = opt.init(params)


def loss_fn(params):
    return losses.sigmoid_binary_cross_entropy(nn.mlp(params, x, activation="tanh"), y)


@jax.jit
def step(params, state):
    loss, grads = jax.value_and_grad(loss_fn)(params)
    updates, state = opt.update(grads, state, params)
    return optim.apply_updates(params, updates), state, loss


steps = 100 if "--quick" in sys.argv[1:] else 300
for _ in range(steps):
    params, state, loss = step(params, state)
probabilities = jax.nn.sigmoid(nn.mlp(params, x, activation="tanh")).ravel()
print(f"loss after {steps} Adam steps: {float(loss):.2e}")
print(f"P(y=1) for inputs 00 01 10 11: {probabilities.round(2)}, targets [0. 1. 1. 0.]")
