"""Long runs: flat memory and no recompilation over many updates; counts saturate, never wrap.

Memory is the resident set size from /proc/self/statm (Linux), sampled after a warm-up and then
along the run; the growth must stay under a few MiB (the buffers of one step are a few hundred
bytes, so a leak of one per step would show after 10^4 steps as ~MiBs). 10^6 updates run in the
default suite inside one compiled loop; 10^6 calls of a jitted step from Python are marked slow.
"""

from __future__ import annotations

import os
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnn import optim
from jaxnn.optim import keras, schedules

MAX = 2**31 - 1
X = jnp.linspace(-1.0, 1.0, 16).reshape(8, 2)
Y = jnp.arange(8.0)
P0 = {"w": jnp.zeros(2), "b": jnp.zeros(())}


def loss(params, x, y):
    return jnp.mean((x @ params["w"] + params["b"] - y) ** 2)


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def make_step(opt):
    traces = []

    @jax.jit
    def step(params, state, x, y):
        traces.append(1)  # runs only while tracing
        value, grads = jax.value_and_grad(loss)(params, x, y)
        updates, state = opt.update(grads, state, params)
        return optim.apply_updates(params, updates), state, value

    return step, traces


def run_python_loop(steps: int, samples: int = 10) -> list:
    """``steps`` calls of one jitted Adam step after a warm-up: ``[*growth, start, traces,
    cache_size, final_loss]``: the RSS growth samples (MiB) over the RSS ``start`` after the
    warm-up, the number of traces, the jit cache size and the last loss."""
    opt = optim.adam(1e-2)
    step, traces = make_step(opt)
    params, state = P0, opt.init(P0)
    for _ in range(1000):  # warm-up: compile, allocator pools, first dispatches
        params, state, value = step(params, state, X, Y)
    value.block_until_ready()
    start, growth = rss_mib(), []
    for i in range(steps):
        params, state, value = step(params, state, X, Y)
        if (i + 1) % (steps // samples) == 0:
            value.block_until_ready()
            growth.append(rss_mib() - start)
    assert int(state.count) == steps + 1000
    return [*growth, start, len(traces), step._cache_size(), float(value)]


linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/statm")


@linux_only
def test_jitted_step_keeps_flat_memory_and_never_recompiles():
    *growth, start, traces, cache, final = run_python_loop(10_000, samples=5)
    assert traces == 1 and cache == 1
    assert max(growth) < 4.0, f"RSS grew by {growth} MiB over 10^4 steps (from {start:.0f} MiB)"
    assert np.isfinite(final) and final < float(loss(P0, X, Y))


@pytest.mark.slow
@linux_only
def test_a_million_jitted_steps_keep_flat_memory():
    *growth, start, traces, cache, final = run_python_loop(1_000_000)
    print(
        f"RSS after warm-up {start:.1f} MiB; growth over 10^6 steps at 10 samples (MiB): "
        f"{[round(g, 2) for g in growth]}"
    )
    assert traces == 1 and cache == 1
    assert max(growth) < 8.0, f"RSS grew by {growth} MiB over 10^6 steps"
    assert np.isfinite(final)


def test_a_million_updates_in_one_compiled_loop():
    opt = optim.adam(1e-3)

    def one(params, state):
        updates, state = opt.update(jax.grad(loss)(params, X, Y), state, params)
        return optim.apply_updates(params, updates), state

    @jax.jit
    def run(params, state):
        return jax.lax.fori_loop(0, 1_000_000, lambda i, c: one(*c), (params, state))

    params, state = run(P0, opt.init(P0))
    params, state = run(params, state)  # the second call reuses the compiled program
    assert run._cache_size() == 1 and int(state.count) == 2_000_000
    assert all(np.all(np.isfinite(np.asarray(leaf))) for leaf in jax.tree.leaves(params))
    assert float(loss(params, X, Y)) < 0.1 * float(loss(P0, X, Y))


# Every optimizer of the family, the legacy Keras ones and optimizers driven by schedules.
SATURATION = {
    "sgd": optim.sgd(0.1),
    "momentum": optim.momentum(0.1, 0.9),
    "nesterov": optim.nesterov(0.1, 0.9),
    "adagrad": optim.adagrad(0.1),
    "rmsprop-centered-momentum": optim.rmsprop(0.1, centered=True, momentum=0.9),
    "adam": optim.adam(0.1),
    "adamw": optim.adamw(0.1),
    "nadam": optim.nadam(0.1),
    "amsgrad": optim.amsgrad(0.1),
    "adamax": optim.adamax(0.1),
    "adadelta": optim.adadelta(),
    "lion": optim.lion(0.1, weight_decay=0.01),
    "clip-chain": optim.chain(optim.clip(1.0), optim.clip_by_global_norm(1.0), optim.sgd(0.1)),
    "add-decayed-weights": optim.add_decayed_weights(0.1),
    "skip-nonfinite-adam": optim.skip_nonfinite(optim.adam(0.1)),
    "keras-sgd": keras.SGD(lr=0.1, momentum=0.9, decay=1e-3, nesterov=True),
    "keras-adagrad": keras.Adagrad(decay=1e-3),
    "keras-rmsprop": keras.RMSprop(decay=1e-3),
    "keras-adam": keras.Adam(),  # eps_hat(c) = eps / sqrt(1 - b2^(c + 1)): c + 1 saturates too
    "keras-adam-decay": keras.Adam(decay=1e-3),
    "sgd-warmup-cosine": optim.sgd(schedules.warmup_cosine_decay(0.0, 0.1, 10, 100), 0.9),
    "adam-exponential": optim.adam(schedules.exponential_decay(0.1, 10, 0.5)),
    "rmsprop-piecewise": optim.rmsprop(schedules.piecewise_constant(0.1, {10: 0.5, MAX: 0.1})),
}


def _at_max_count(state):
    def set_count(path, leaf):
        name = jax.tree_util.keystr(path)
        return jnp.asarray(MAX, jnp.int32) if name.endswith((".count", ".skipped")) else leaf

    return jax.tree_util.tree_map_with_path(set_count, state)


def _counts(state):
    flat = jax.tree_util.tree_flatten_with_path(state)[0]
    return [int(v) for p, v in flat if jax.tree_util.keystr(p).endswith(".count")]


@pytest.mark.parametrize("name", SATURATION)
def test_count_saturates_at_int32_max_and_updates_stay_finite(name):
    opt = SATURATION[name]
    params = {"w": jnp.array([1.0, -2.0, 0.5])}
    grads = {"w": jnp.array([0.5, 1.0, -2.0])}
    state = _at_max_count(opt.init(params))
    for _ in range(2):
        updates, state = opt.update(grads, state, params)
        params = optim.apply_updates(params, updates)
    counts = _counts(state)
    assert counts and all(c == MAX for c in counts), counts
    assert np.all(np.isfinite(np.asarray(updates["w"]))), updates
    assert np.all(np.isfinite(np.asarray(params["w"])))


SCHEDULES = {
    "constant": schedules.constant(0.1),
    "inverse-time": schedules.inverse_time_decay(0.1, 1.0),
    "exponential": schedules.exponential_decay(0.1, 10, 0.5),
    "exponential-staircase-end": schedules.exponential_decay(
        0.1, 10, 0.5, transition_begin=5, staircase=True, end_value=0.01
    ),
    "exponential-growing-bounded": schedules.exponential_decay(0.1, 10, 2.0, end_value=1.0),
    "cosine": schedules.cosine_decay(0.1, 100, alpha=0.1),
    "linear": schedules.linear(0.1, 0.0, 100, transition_begin=3),
    "warmup-cosine": schedules.warmup_cosine_decay(0.0, 0.1, 10, 100, end_value=0.001),
    "piecewise": schedules.piecewise_constant(0.1, {10: 0.5, MAX: 0.1}),
    "keras-lr-decay": keras.keras_learning_rate(0.1, None, 1e-3, default=0.01),
    "keras-epsilon-hat": keras.epsilon_hat(1e-7, 0.999),
}


def test_every_schedule_is_finite_at_int32_max_count():
    counts = jnp.asarray([0, 1, MAX - 1, MAX], jnp.int32)
    for name, schedule in SCHEDULES.items():
        eager = np.asarray([schedule(c) for c in counts], np.float64)
        assert np.all(np.isfinite(eager)) and np.all(eager >= 0), (name, eager)
    jitted = jax.jit(lambda c: [jnp.asarray(s(c), jnp.float32) for s in SCHEDULES.values()])
    values = np.asarray(jitted(jnp.asarray(MAX, jnp.int32)))
    assert np.all(np.isfinite(values)), dict(zip(SCHEDULES, values))


def test_keras_epsilon_hat_does_not_wrap_to_nan_at_the_last_count():
    # regression: count + 1 wrapped to -2**31, so b2 ** (count + 1) = inf and eps became NaN
    eps = keras.epsilon_hat(1e-8, 0.999)
    np.testing.assert_allclose(float(eps(jnp.asarray(MAX, jnp.int32))), 1e-8, rtol=1e-6)
    # 1 - 0.999 rounds in float32 (to 9.99999e-4), hence the looser tolerance here
    np.testing.assert_allclose(float(eps(0)), 1e-8 / np.sqrt(1 - 0.999), rtol=1e-4)
