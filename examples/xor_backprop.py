"""Backpropagation by hand on XOR: the book's 5 steps (ch. 8 of *모두의 딥러닝*) in jaxnn.

1. set the environment: inputs and targets, learning rate, activation, initial weights;
2. run the network (forward pass, keeping what the backward pass needs);
3. compare the output with the target (the error E = 0.5 (t - o)^2);
4. backprop: pass dE/do back through the output layer, then the hidden layer, and move every
   weight against its gradient: W(t+1) = W_t - lr * dE/dW;
5. print the results.

The net is the book's 2-2-1 tanh network (hidden bias, no output bias) with the book's initial
weights, trained online by plain gradient descent. At the end the hand-written gradients are
checked against ``jax.grad``.

    python examples/xor_backprop.py            # 2000 epochs
    python examples/xor_backprop.py --quick    # 200 epochs
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp

from jaxnn import backprop, losses, nn
from jaxnn.experiments import book_initial_params

ACTIVATION = "tanh"


def sample_step(params, x, t, lr):
    """Steps 2-4 for one sample; returns the new params and the error before the update."""
    # 2. run the network: output o and the cache (layer inputs, activation derivatives)
    o, cache = backprop.forward(params, x, activation=ACTIVATION, output_activation=ACTIVATION)
    # 3. compare with the target
    error = 0.5 * jnp.sum((t - o) ** 2)
    # 4. backprop: dE/do = o - t, then the chain rule down to every weight ...
    grads = backprop.backward(params, cache, o - t)
    # ... and every weight moves against its gradient
    params = jax.tree.map(lambda w, g: w - lr * g, params, grads)
    return params, error


def train(params, inputs, targets, lr, epochs):
    """Online training: the 4 samples in order, every epoch; returns params and epoch errors."""

    def epoch(params, _):
        total = 0.0
        for i in range(len(inputs)):
            params, error = sample_step(params, inputs[i], targets[i], lr)
            total = total + error
        return params, total

    return jax.lax.scan(epoch, params, None, length=epochs)


def main(epochs: int) -> float:
    # 1. set the environment
    inputs = jnp.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    targets = jnp.array([[0.0], [1.0], [1.0], [0.0]])
    lr = 0.1
    params = book_initial_params(seed=777)  # Python's random, in the book's order

    params, errors = jax.jit(train, static_argnums=4)(params, inputs, targets, lr, epochs)

    # 5. print the results
    for i in range(0, epochs, max(1, epochs // 10)):
        print(f"epoch {i:5d}  error {float(errors[i]):.5f}")
    outputs = nn.mlp(params, inputs, activation=ACTIVATION, output_activation=ACTIVATION)
    for x, o in zip(inputs.tolist(), outputs[:, 0].tolist(), strict=True):
        print(f"Input: {[int(v) for v in x]}, Predict: {o:.4f}")

    # The check: the hand-written chain rule equals jax.grad, on the whole batch.
    def loss_fn(p):
        o = nn.mlp(p, inputs, activation=ACTIVATION, output_activation=ACTIVATION)
        return 0.5 * jnp.sum((targets - o) ** 2)

    manual = backprop.grad(
        params,
        inputs,
        targets,
        activation=ACTIVATION,
        output_activation=ACTIVATION,
        loss="sse_half",
    )
    auto = jax.grad(loss_fn)(params)
    diff = max(
        float(jnp.abs(m - a).max())
        for m, a in zip(jax.tree.leaves(manual), jax.tree.leaves(auto), strict=True)
    )
    print(f"max |manual backprop - jax.grad| = {diff:.2e}")
    accuracy = float(losses.accuracy(outputs, targets))
    print(f"accuracy (outputs > 0.5 vs targets): {accuracy:.2f} after {epochs} epochs")
    if accuracy < 1.0:
        print(
            f"not learned yet: {epochs} epochs are too few for this net; the book runs 5000 "
            "(python examples/xor_backprop.py --epochs 5000)"
        )
    else:
        print("XOR learned: all four inputs on the right side of 0.5")
    return diff


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="200 epochs")
    args = parser.parse_args()
    with jax.enable_x64(True):  # the book computes with Python floats
        diff = main(200 if args.quick else args.epochs)
    raise SystemExit(0 if diff < 1e-12 else 1)
