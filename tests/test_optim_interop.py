"""jaxnn optimizers inside optax.chain, optax transforms inside jaxnn.optim.chain, jit and vmap."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxnn import optim
from jaxnn.optim import schedules
from tests.helpers import assert_trees_allclose
from tests.optim_cases import make_problem, trajectory


def test_jaxnn_adam_inside_optax_chain_equals_all_optax():
    params, loss = make_problem()
    mixed = optax.chain(optax.clip_by_global_norm(1.0), optim.adam(1e-3))
    pure = optax.chain(optax.clip_by_global_norm(1.0), optax.adam(1e-3))
    (u_mixed, p_mixed), _ = trajectory(mixed, optax.apply_updates, params, loss, steps=50)
    (u_pure, p_pure), _ = trajectory(pure, optax.apply_updates, params, loss, steps=50)
    assert_trees_allclose(u_mixed, u_pure)
    assert_trees_allclose(p_mixed, p_pure)


def test_optax_clip_inside_jaxnn_chain_equals_all_optax():
    params, loss = make_problem()
    mixed = optim.chain(optax.clip(1.0), optim.sgd(0.1))
    pure = optax.chain(optax.clip(1.0), optax.sgd(0.1))
    (u_mixed, p_mixed), _ = trajectory(mixed, optim.apply_updates, params, loss, steps=50)
    (u_pure, p_pure), _ = trajectory(pure, optax.apply_updates, params, loss, steps=50)
    assert_trees_allclose(u_mixed, u_pure)
    assert_trees_allclose(p_mixed, p_pure)
    # The clip is active: some raw gradient exceeds 1 at the start.
    grads = jax.grad(loss)(params)
    assert max(float(jnp.max(jnp.abs(g))) for g in jax.tree.leaves(grads)) > 1.0


def test_chain_passes_extra_args_only_to_members_that_take_them():
    seen = {}

    def init(params):
        return ()

    def update(grads, state, params=None, **extra):
        seen.update(extra)
        return grads, state

    opt = optim.chain(optim.Optimizer(init, update), optax.scale(-1.0))  # optax.scale: no **extra
    u, _ = opt.update(jnp.ones(2), opt.init(jnp.ones(2)), None, value=jnp.asarray(3.0))
    np.testing.assert_array_equal(u, -jnp.ones(2))
    assert float(seen["value"]) == 3.0


def test_chain_state_is_a_tuple_of_member_states():
    opt = optim.chain(optim.sgd(0.1, momentum=0.9), optim.adam(0.1))
    state = opt.init({"w": jnp.ones(3)})
    assert isinstance(state, tuple) and len(state) == 2
    assert isinstance(state[0], optim.SgdState) and isinstance(state[1], optim.AdamState)


class _CountingLoss:
    def __init__(self):
        self.traces = 0

    def __call__(self, params):
        self.traces += 1  # Python side effect: runs once per trace, never per call
        return jnp.sum(params["w"] ** 2)


@pytest.mark.parametrize(
    "opt",
    [
        optim.sgd(0.1, momentum=0.9),
        optim.adagrad(0.1),
        optim.rmsprop(0.1),
        optim.adam(0.1),
        optim.adam(schedules.cosine_decay(0.1, 100)),
    ],
    ids=["sgd", "adagrad", "rmsprop", "adam", "adam-schedule"],
)
def test_jitted_train_step_does_not_recompile(opt):
    loss = _CountingLoss()

    @jax.jit
    def step(params, state):
        grads = jax.grad(loss)(params)
        updates, state = opt.update(grads, state, params)
        return optim.apply_updates(params, updates), state

    params = {"w": jnp.ones(3)}
    state = opt.init(params)
    for _ in range(3):
        params, state = step(params, state)
    assert loss.traces == 1, f"the step was traced {loss.traces} times"
    assert step._cache_size() == 1


def test_vmap_over_a_batch_of_parameter_sets():
    opt = optim.adam(0.1)
    batch = {"w": jnp.stack([jnp.full(3, v) for v in (1.0, -2.0, 5.0)])}

    def train(params):
        state = opt.init(params)

        def body(carry, _):
            p, s = carry
            u, s = opt.update(jax.grad(lambda q: jnp.sum(q["w"] ** 2))(p), s, p)
            return (optim.apply_updates(p, u), s), None

        (p, _), _ = jax.lax.scan(body, (params, state), length=100)
        return p

    out = jax.jit(jax.vmap(train))(batch)
    for i in range(3):
        single = train({"w": batch["w"][i]})
        np.testing.assert_allclose(out["w"][i], single["w"], rtol=1e-6, atol=1e-7)
    assert float(jnp.max(jnp.abs(out["w"]))) < 0.5


N = 60
SCHEDULES = [
    ("constant", schedules.constant(0.1), optax.constant_schedule(0.1)),
    (
        "exponential",
        schedules.exponential_decay(0.1, 7, 0.6, transition_begin=5),
        optax.exponential_decay(0.1, 7, 0.6, transition_begin=5),
    ),
    (
        "exponential-staircase-end",
        schedules.exponential_decay(0.1, 5, 0.5, staircase=True, end_value=0.01),
        optax.exponential_decay(0.1, 5, 0.5, staircase=True, end_value=0.01),
    ),
    (
        "cosine",
        schedules.cosine_decay(0.1, 40, alpha=0.1, exponent=2.0),
        optax.cosine_decay_schedule(0.1, 40, alpha=0.1, exponent=2.0),
    ),
    (
        "warmup-cosine",
        schedules.warmup_cosine_decay(0.0, 0.1, 10, 50, end_value=0.001),
        optax.warmup_cosine_decay_schedule(0.0, 0.1, 10, 50, end_value=0.001),
    ),
    (
        "piecewise",
        schedules.piecewise_constant(0.1, {10: 0.5, 30: 0.2}),
        optax.piecewise_constant_schedule(0.1, {10: 0.5, 30: 0.2}),
    ),
    (
        "linear",
        schedules.linear(0.1, 0.01, 30, transition_begin=5),
        optax.linear_schedule(0.1, 0.01, 30, transition_begin=5),
    ),
]


@pytest.mark.parametrize("ours, ref", [s[1:] for s in SCHEDULES], ids=[s[0] for s in SCHEDULES])
def test_schedules_equal_optax_at_counts_0_to_n(ours, ref):
    counts = jnp.arange(N, dtype=jnp.int32)
    ours_v = jax.vmap(lambda c: jnp.asarray(ours(c), jnp.float32))(counts)
    ref_v = jax.vmap(lambda c: jnp.asarray(ref(c), jnp.float32))(counts)
    np.testing.assert_allclose(ours_v, ref_v, rtol=1e-6, atol=0)
    # And one at a time with Python ints, outside any transformation.
    for c in (0, 1, N - 1):
        np.testing.assert_allclose(float(ours(c)), float(ref(c)), rtol=1e-6)


def test_inverse_time_decay_is_the_keras_decay():
    s = schedules.inverse_time_decay(0.1, 0.01)
    for c in range(0, 500, 37):
        np.testing.assert_allclose(float(s(jnp.int32(c))), 0.1 / (1 + 0.01 * c), rtol=1e-6)
