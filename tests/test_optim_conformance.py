"""jaxnn's optimizers equal optax's, update by update, for every row of the case table."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxnn import optim
from tests.helpers import assert_trees_allclose, max_abs_rel_diff
from tests.optim_cases import CASES, STEPS, all_trajectories, make_problem, trajectory


def _assert_finite(tree, what):
    for leaf in jax.tree.leaves(tree):
        assert np.all(np.isfinite(np.asarray(leaf, np.float64))), f"{what} went non-finite"


def _compare(case, dtype):
    params, loss = make_problem(dtype)
    u_ours, p_ours = all_trajectories("jaxnn", jnp.dtype(dtype).name)[case.id]
    u_ref, p_ref = all_trajectories("optax", jnp.dtype(dtype).name)[case.id]
    # A trajectory that blew up would compare NaN == NaN as equal: demand finite values.
    _assert_finite(p_ref, f"{case.id}: the optax reference")
    assert_trees_allclose(u_ours, u_ref, msg=f"{case.id} updates")
    assert_trees_allclose(p_ours, p_ref, msg=f"{case.id} params")
    # The run must actually move: compare the final loss with the initial one.
    final = jax.tree.map(lambda leaf: leaf[-1], p_ours)
    assert float(loss(final)) < float(loss(params)), f"{case.id}: the loss did not decrease"
    return max_abs_rel_diff(u_ours, u_ref)


@pytest.mark.xdist_group("conformance-float32")
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_equals_optax_every_step_float32(case):
    _compare(case, jnp.float32)


@pytest.mark.xdist_group("conformance-float64")
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_equals_optax_every_step_float64(case, x64):
    _compare(case, jnp.float64)


def test_trajectories_are_long_enough():
    assert STEPS >= 200


@pytest.mark.parametrize(
    "jaxnn_opt, optax_opt",
    [
        (optim.sgd(0.05, momentum=0.9), optax.sgd(0.05, momentum=0.9)),
        (optim.adagrad(0.05), optax.adagrad(0.05)),
        (
            optim.rmsprop(0.01, centered=True, momentum=0.9),
            optax.rmsprop(0.01, centered=True, momentum=0.9),
        ),
        (optim.adam(0.01), optax.adam(0.01)),
    ],
    ids=["sgd-momentum", "adagrad", "rmsprop", "adam"],
)
def test_bfloat16_params_keep_their_dtype(jaxnn_opt, optax_opt):
    params, loss = make_problem(jnp.bfloat16)
    (u_ours, p_ours), state = trajectory(jaxnn_opt, optim.apply_updates, params, loss, steps=20)
    (u_ref, p_ref), _ = trajectory(optax_opt, optax.apply_updates, params, loss, steps=20)
    assert_trees_allclose(u_ours, u_ref, rtol=0, atol=0)
    for leaf in jax.tree.leaves(p_ours):
        assert leaf.dtype == jnp.bfloat16
    for leaf in jax.tree.leaves(state):
        if leaf.ndim and jnp.issubdtype(leaf.dtype, jnp.floating):
            assert leaf.dtype == jnp.bfloat16, "optimizer state changed dtype"
    # Same operations in the same order: bit-for-bit equal in bf16 too.
    assert_trees_allclose(p_ours, p_ref, rtol=0, atol=0)


def test_adam_first_step_is_minus_lr_sign_g():
    # Bias correction at t = 1 undoes the zero start: u = -lr * g / (|g| + eps) ~ -lr sign(g).
    opt = optim.adam(0.1)
    g = jnp.array([3.0, -1e-3, 250.0])
    u, _ = opt.update(g, opt.init(jnp.zeros(3)))
    np.testing.assert_allclose(u, -0.1 * np.sign(g), rtol=1e-4)


def test_eps_inside_vs_outside_the_sqrt_differ_visibly():
    g = jnp.array([0.1])
    inside = optim.adagrad(1.0, 0.0, eps=0.1).update(g, optim.adagrad(1.0, 0.0, 0.1).init(g))[0]
    outside = optim.adagrad(1.0, 0.0, eps=0.1, eps_in_sqrt=False)
    outside = outside.update(g, outside.init(g))[0]
    np.testing.assert_allclose(inside, -0.1 / np.sqrt(0.01 + 0.1), rtol=1e-6)
    np.testing.assert_allclose(outside, -0.1 / (0.1 + 0.1), rtol=1e-6)


def test_adagrad_gives_zero_where_the_accumulator_is_zero():
    # optax's guard: with s_0 = 0 and g = 0 the update is 0, not 0/0.
    opt = optim.adagrad(1.0, initial_accumulator_value=0.0, eps=0.0)
    u, _ = opt.update(jnp.array([0.0, 2.0]), opt.init(jnp.zeros(2)))
    np.testing.assert_array_equal(u, [0.0, -1.0])


def test_count_saturates_instead_of_wrapping():
    near_max = jnp.asarray(2**31 - 2, jnp.int32)
    for opt in (optim.sgd(0.1), optim.adam(0.1), optim.adagrad(0.1), optim.rmsprop(0.1)):
        state = opt.init(jnp.ones(2))._replace(count=near_max)
        for _ in range(3):
            updates, state = opt.update(jnp.ones(2), state)
        assert int(state.count) == 2**31 - 1
        assert np.all(np.isfinite(updates))
