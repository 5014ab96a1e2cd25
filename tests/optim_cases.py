"""The table of (jaxnn optimizer, optax optimizer, kwargs) every conformance test runs.

One kwargs dict drives both libraries. Each row is run side by side for STEPS steps on a loss
whose gradients depend on the params (a quadratic + Rosenbrock + a small MLP on data, in one
pytree with nested dicts/lists/tuples, a scalar leaf, a ``None`` leaf and empty containers).
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxnn import optim

STEPS = 200


class Case(NamedTuple):
    id: str
    jaxnn_factory: Any
    optax_factory: Any
    kwargs: dict


def _decaying(init=0.02):
    # A reference schedule from optax itself, so the optimizer test does not lean on jaxnn's.
    return optax.exponential_decay(init, transition_steps=20, decay_rate=0.5)


def _cosine(init=0.02):
    return optax.cosine_decay_schedule(init, decay_steps=STEPS, alpha=0.1)


def _matrices(params):
    # A weight-decay mask: decay the matrices, not the vectors and scalars.
    return jax.tree.map(lambda x: x.ndim > 1, params)


CASES = [
    # SGD family
    Case("sgd", optim.sgd, optax.sgd, dict(learning_rate=0.01)),
    Case("sgd-schedule", optim.sgd, optax.sgd, dict(learning_rate=_decaying())),
    Case("sgd-momentum", optim.sgd, optax.sgd, dict(learning_rate=0.01, momentum=0.9)),
    Case(
        "sgd-nesterov",
        optim.sgd,
        optax.sgd,
        dict(learning_rate=0.01, momentum=0.9, nesterov=True),
    ),
    Case(
        "sgd-momentum-schedule",
        optim.sgd,
        optax.sgd,
        dict(learning_rate=_decaying(), momentum=0.5),
    ),
    Case("momentum", optim.momentum, optax.sgd, dict(learning_rate=0.01, momentum=0.9)),
    Case(
        "nesterov",
        optim.nesterov,
        functools.partial(optax.sgd, nesterov=True),
        dict(learning_rate=0.005, momentum=0.95),
    ),
    Case(
        "nesterov-schedule",
        optim.nesterov,
        functools.partial(optax.sgd, nesterov=True),
        dict(learning_rate=_cosine(), momentum=0.9),
    ),
    # Adagrad
    Case("adagrad", optim.adagrad, optax.adagrad, dict(learning_rate=0.1)),
    Case("adagrad-large-eps", optim.adagrad, optax.adagrad, dict(learning_rate=0.1, eps=0.05)),
    Case(
        "adagrad-zero-start",
        optim.adagrad,
        optax.adagrad,
        dict(learning_rate=0.1, initial_accumulator_value=0.0, eps=1e-6),
    ),
    Case("adagrad-schedule", optim.adagrad, optax.adagrad, dict(learning_rate=_decaying(0.2))),
    # RMSProp
    Case("rmsprop", optim.rmsprop, optax.rmsprop, dict(learning_rate=0.005)),
    Case(
        "rmsprop-large-eps-outside",
        optim.rmsprop,
        optax.rmsprop,
        dict(learning_rate=0.01, eps=0.05, eps_in_sqrt=False),
    ),
    Case(
        "rmsprop-large-eps-inside",
        optim.rmsprop,
        optax.rmsprop,
        dict(learning_rate=0.01, eps=0.05),
    ),
    Case(
        "rmsprop-centered",
        optim.rmsprop,
        optax.rmsprop,
        dict(learning_rate=0.002, centered=True, eps=1e-4),
    ),
    Case(
        "rmsprop-momentum",
        optim.rmsprop,
        optax.rmsprop,
        dict(learning_rate=0.001, momentum=0.9),
    ),
    Case(
        "rmsprop-nesterov",
        optim.rmsprop,
        optax.rmsprop,
        dict(learning_rate=0.001, momentum=0.9, nesterov=True),
    ),
    Case(
        "rmsprop-centered-momentum-schedule",
        optim.rmsprop,
        optax.rmsprop,
        dict(learning_rate=_decaying(0.002), centered=True, momentum=0.5, eps=1e-4),
    ),
    Case(
        "rmsprop-pytorch-defaults",
        optim.rmsprop,
        optax.rmsprop,
        dict(learning_rate=0.005, decay=0.99, eps=1e-8, eps_in_sqrt=False),
    ),
    Case(
        "rmsprop-initial-scale-bias-correction",
        optim.rmsprop,
        optax.rmsprop,
        dict(learning_rate=0.005, initial_scale=1.0, bias_correction=True),
    ),
    # Adam
    Case("adam", optim.adam, optax.adam, dict(learning_rate=0.01)),
    Case("adam-large-eps", optim.adam, optax.adam, dict(learning_rate=0.01, eps=0.05)),
    Case("adam-eps-root", optim.adam, optax.adam, dict(learning_rate=0.01, eps_root=1e-4)),
    Case(
        "adam-betas",
        optim.adam,
        optax.adam,
        dict(learning_rate=0.01, b1=0.0, b2=0.9, eps=1e-6),
    ),
    Case("adam-schedule", optim.adam, optax.adam, dict(learning_rate=_cosine())),
    Case(
        "adam-nesterov",
        functools.partial(optim.adam, nesterov=True),
        optax.nadam,
        dict(learning_rate=0.01),
    ),
    # The wider family (issue 6): each row combines a schedule, a large eps, a mask or weight
    # decay where the optimizer has them; defaults are covered by `jaxnn validate`'s registry.
    Case(
        "adamw-large-eps-schedule-mask",
        optim.adamw,
        optax.adamw,
        dict(learning_rate=_cosine(), eps=0.05, weight_decay=0.01, mask=_matrices),
    ),
    Case("nadam", optim.nadam, optax.nadam, dict(learning_rate=0.01, eps_root=1e-4)),
    Case(
        "amsgrad-large-eps-schedule",
        optim.amsgrad,
        optax.amsgrad,
        dict(learning_rate=_decaying(), eps=0.05),
    ),
    Case(
        "adamax-large-eps-schedule",
        optim.adamax,
        optax.adamax,
        dict(learning_rate=_cosine(), eps=0.05),
    ),
    Case(
        "adadelta-large-eps-schedule-decay",
        optim.adadelta,
        optax.adadelta,
        dict(learning_rate=_decaying(0.5), rho=0.95, eps=0.01, weight_decay=1e-3),
    ),
    Case(
        "lion-schedule-mask",
        optim.lion,
        optax.lion,
        dict(learning_rate=_cosine(0.003), weight_decay=0.01, mask=_matrices),
    ),
    Case(
        "clip-global-norm-decayed-weights-chain",
        lambda: optim.chain(
            optim.clip(0.5),
            optim.clip_by_global_norm(1.0),
            optim.add_decayed_weights(_decaying(1e-3), mask=_matrices),
            optim.sgd(0.01, momentum=0.9),
        ),
        lambda: optax.chain(
            optax.clip(0.5),
            optax.clip_by_global_norm(1.0),
            optax.add_decayed_weights(_decaying(1e-3), mask=_matrices),
            optax.sgd(0.01, momentum=0.9),
        ),
        {},
    ),
]


def make_problem(dtype=jnp.float32):
    """Initial params (a deliberately awkward pytree) and a loss whose gradients depend on them."""
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=(16, 3)), dtype)
    y = jnp.asarray(rng.normal(size=(16, 2)), dtype)
    params = {
        "quad": {
            "a": jnp.asarray([1.0, -2.0, 3.0], dtype),
            "nested": [(jnp.asarray(rng.normal(size=(2, 2)), dtype), None), {}],
        },
        "rosen": (jnp.asarray(-1.2, dtype), jnp.asarray(1.0, dtype)),  # scalar leaves
        "mlp": [
            {"w": jnp.asarray(rng.normal(size=(3, 4)) * 0.5, dtype), "b": jnp.zeros(4, dtype)},
            {"w": jnp.asarray(rng.normal(size=(4, 2)) * 0.5, dtype), "b": jnp.zeros(2, dtype)},
        ],
        "empty": (),
    }
    scales = jnp.asarray([1.0, 10.0, 0.1], dtype)

    def loss(p):
        quad = jnp.sum(scales * p["quad"]["a"] ** 2) + jnp.sum(p["quad"]["nested"][0][0] ** 2)
        rx, ry = p["rosen"]
        rosen = (1 - rx) ** 2 + 5.0 * (ry - rx**2) ** 2
        h = jnp.tanh(x @ p["mlp"][0]["w"] + p["mlp"][0]["b"][None, :])
        out = h @ p["mlp"][1]["w"] + p["mlp"][1]["b"][None, :]
        return quad + rosen + jnp.mean((out - y) ** 2)

    return params, loss


def _trajectory_fn(opt, apply_updates, loss, steps):
    def run(params):
        def step(carry, _):
            params, state = carry
            grads = jax.grad(loss)(params)
            updates, state = opt.update(grads, state, params)
            params = apply_updates(params, updates)
            return (params, state), (updates, params)

        (params, state), history = jax.lax.scan(step, (params, opt.init(params)), length=steps)
        return history, state

    return run


@functools.lru_cache(maxsize=4)
def all_trajectories(library: str, dtype_name: str):
    """{case id: (updates, params) per step} for every case, compiled as ONE program.

    One compilation for the whole table instead of one per case keeps the suite fast (XLA's
    fixed cost per compilation dominates these tiny problems). Cached per (library, dtype).
    """
    dtype = jnp.dtype(dtype_name)
    params, loss = make_problem(dtype)
    if library == "jaxnn":
        runs = {
            c.id: _trajectory_fn(c.jaxnn_factory(**c.kwargs), optim.apply_updates, loss, STEPS)
            for c in CASES
        }
    else:
        runs = {
            c.id: _trajectory_fn(c.optax_factory(**c.kwargs), optax.apply_updates, loss, STEPS)
            for c in CASES
        }
    histories = jax.jit(lambda p: {k: run(p)[0] for k, run in runs.items()})(params)
    return jax.device_get(histories)


def trajectory(opt, apply_updates, params, loss, steps=STEPS):
    """Every step's updates and params of ``opt`` on ``loss``, and the final state (one jit)."""
    return jax.jit(_trajectory_fn(opt, apply_updates, loss, steps))(params)
