"""The wider optimizer family: skip_nonfinite, clipping, weight decay and masks, adadelta's lr.

Step-by-step equality with optax over 200 steps lives in the conformance table
(tests/optim_cases.py); these tests pin down the behaviour around it.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxnn import optim
from tests.helpers import assert_trees_allclose

NAN, INF = float("nan"), float("inf")


def _grad_sequence():
    """8 gradients for params {"w": (3,), "b": ()}; steps 2, 5 and 7 have a NaN or an inf."""
    rng = np.random.default_rng(0)
    w = rng.normal(size=(8, 3)).astype(np.float32)
    b = rng.normal(size=(8,)).astype(np.float32)
    w[2, 1] = NAN
    b[5] = INF
    w[7, 0] = -INF
    return {"w": jnp.asarray(w), "b": jnp.asarray(b)}, [2, 5, 7]


def _run(opt, params, grads_seq):
    """Every step's updates and the final state for a fixed gradient sequence (one jit)."""

    def step(carry, g):
        p, s = carry
        u, s = opt.update(g, s, p)
        return (optim.apply_updates(p, u), s), u

    @jax.jit
    def run(params):
        return jax.lax.scan(step, (params, opt.init(params)), grads_seq)

    return run(params)


def test_skip_nonfinite_skips_exactly_the_bad_steps():
    params = {"w": jnp.ones(3), "b": jnp.asarray(0.5)}
    grads, bad = _grad_sequence()
    (p_final, state), updates = _run(optim.skip_nonfinite(optim.adam(0.1)), params, grads)
    good = [i for i in range(8) if i not in bad]
    # Reference: the inner optimizer alone on the good gradients only.
    good_grads = jax.tree.map(lambda g: g[np.asarray(good)], grads)
    (p_ref, inner_ref), u_ref = _run(optim.adam(0.1), params, good_grads)
    for i in bad:
        for leaf in jax.tree.leaves(updates):
            np.testing.assert_array_equal(leaf[i], 0.0)
    assert_trees_allclose(jax.tree.map(lambda u: u[np.asarray(good)], updates), u_ref)
    for leaf in jax.tree.leaves(jax.tree.map(lambda u: u[np.asarray(good)], updates)):
        assert np.all(np.asarray(leaf) != 0), "a good step was skipped"
    assert_trees_allclose(p_final, p_ref)
    assert_trees_allclose(state.inner_state, inner_ref)
    assert int(state.count) == 8 and int(state.skipped) == 3 and bool(state.last_skipped)
    assert int(state.inner_state.count) == 5  # the inner count advances on applied steps only
    assert all(np.isfinite(leaf).all() for leaf in jax.tree.leaves((p_final, state)))


def test_skip_nonfinite_equals_optax_apply_if_finite():
    params = {"w": jnp.ones(3), "b": jnp.asarray(0.5)}
    grads, _ = _grad_sequence()
    (p_ours, _), u_ours = _run(optim.skip_nonfinite(optim.sgd(0.1, momentum=0.9)), params, grads)
    ref = optax.apply_if_finite(optax.sgd(0.1, momentum=0.9), max_consecutive_errors=100)
    (p_ref, _), u_ref = _run(ref, params, grads)
    assert_trees_allclose(u_ours, u_ref)
    assert_trees_allclose(p_ours, p_ref)


def test_skip_nonfinite_wraps_optax_and_counts_a_clean_step():
    opt = optim.skip_nonfinite(optax.adam(0.1))
    state = opt.init(jnp.zeros(2))
    u, state = opt.update(jnp.array([1.0, -2.0]), state)
    # float32 bias correction: 1 - 0.999 rounds to within 1.3e-5 of 1e-3.
    np.testing.assert_allclose(u, [-0.1, 0.1], rtol=1e-5)
    assert int(state.skipped) == 0 and not bool(state.last_skipped)


@pytest.mark.parametrize("max_delta", [0.3, 2.0])
def test_clip_equals_optax(max_delta):
    grads = {"a": jnp.array([-3.0, 0.1, 2.5]), "n": [None, jnp.array(-0.7)], "e": ()}
    ours = optim.clip(max_delta).update(grads, optim.clip(max_delta).init(grads))[0]
    ref = optax.clip(max_delta).update(grads, optax.clip(max_delta).init(grads))[0]
    assert_trees_allclose(ours, ref, rtol=0, atol=0)


@pytest.mark.parametrize("max_norm", [0.5, 5.0, 13.0])  # clips, does not clip, exactly the norm
def test_clip_by_global_norm_equals_optax(max_norm):
    grads = {"a": jnp.array([3.0, 4.0]), "b": [jnp.array(12.0), None], "e": {}}  # norm 13
    ours = optim.clip_by_global_norm(max_norm).update(grads, ())[0]
    ref = optax.clip_by_global_norm(max_norm).update(grads, optax.EmptyState())[0]
    assert_trees_allclose(ours, ref, rtol=0, atol=0)
    assert float(optim.global_norm(ours)) == pytest.approx(min(max_norm, 13.0), rel=1e-6)


def test_clip_by_global_norm_of_an_empty_tree_is_a_no_op():
    assert optim.clip_by_global_norm(1.0).update({}, ())[0] == {}


def test_add_decayed_weights_mask_prefix_and_schedule():
    params = {"layer": {"w": jnp.full((2, 2), 2.0), "b": jnp.ones(2)}, "s": jnp.asarray(4.0)}
    grads = jax.tree.map(jnp.ones_like, params)
    schedule = optax.linear_schedule(0.1, 0.3, 2)
    mask = {"layer": True, "s": False}  # a prefix: one bool for the whole layer
    opt = optim.add_decayed_weights(schedule, mask=mask)
    ref = optax.add_decayed_weights(schedule, mask=mask)
    s_ours, s_ref = opt.init(params), ref.init(params)
    for _ in range(3):
        u_ours, s_ours = opt.update(grads, s_ours, params)
        u_ref, s_ref = ref.update(grads, s_ref, params)
        assert_trees_allclose(u_ours, u_ref, rtol=0, atol=0)
    np.testing.assert_allclose(u_ours["layer"]["w"], 1 + 0.3 * 2.0, rtol=1e-6)
    np.testing.assert_array_equal(u_ours["s"], 1.0)


def test_weight_decay_needs_params():
    opt = optim.adamw(0.1, weight_decay=0.1)
    with pytest.raises(ValueError, match="params=None"):
        opt.update(jnp.ones(2), opt.init(jnp.ones(2)))


def test_zero_weight_decay_needs_no_params():
    opt = optim.adamw(0.1, weight_decay=0.0)
    u, _ = opt.update(jnp.ones(2), opt.init(jnp.ones(2)))
    np.testing.assert_allclose(u, -0.1, rtol=1e-5)  # float32 bias correction


def test_adadelta_default_descends_where_optax_default_climbs():
    # optax.adadelta() has learning_rate=None: no sign flip, so its update points uphill.
    params = jnp.array([1.0, -2.0])
    loss = lambda p: jnp.sum(p**2)  # noqa: E731
    for opt, apply, sign in (
        (optim.adadelta(), optim.apply_updates, -1),
        (optax.adadelta(), optax.apply_updates, 1),
    ):
        p, state = params, opt.init(params)
        for _ in range(5):
            u, state = opt.update(jax.grad(loss)(p), state, p)
            p = apply(p, u)
        assert sign * (float(loss(p)) - float(loss(params))) > 0


def test_new_optimizers_saturate_count_and_keep_bfloat16():
    near_max = jnp.asarray(2**31 - 2, jnp.int32)
    params = jnp.ones(2, jnp.bfloat16)
    for opt in (
        optim.adamw(0.1),
        optim.nadam(0.1),
        optim.amsgrad(0.1),
        optim.adamax(0.1),
        optim.adadelta(),
        optim.lion(0.1),
        optim.add_decayed_weights(0.1),
    ):
        state = opt.init(params)._replace(count=near_max)
        for _ in range(3):
            updates, state = opt.update(jnp.ones(2, jnp.bfloat16), state, params)
        assert int(state.count) == 2**31 - 1
        assert np.all(np.isfinite(np.asarray(updates, np.float32)))
        assert optim.apply_updates(params, updates).dtype == jnp.bfloat16
        for leaf in jax.tree.leaves(state):
            if leaf.ndim:
                assert leaf.dtype == jnp.bfloat16, f"{opt} changed a state dtype"


def test_jitted_step_does_not_recompile():
    opt = optim.skip_nonfinite(optim.chain(optim.clip_by_global_norm(1.0), optim.lion(0.01)))
    params = {"w": jnp.ones(3)}

    @jax.jit
    def step(params, state, g):
        u, state = opt.update(g, state, params)
        return optim.apply_updates(params, u), state

    state = opt.init(params)
    params, state = step(params, state, {"w": jnp.ones(3)})
    size = step._cache_size()
    params, state = step(params, state, {"w": jnp.full(3, NAN, jnp.float32)})
    assert step._cache_size() == size
    assert int(state.skipped) == 1
