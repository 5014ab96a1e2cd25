"""bfloat16 and float16 work wherever float32 does, dtype kept (float8 passes the argument checks).

References: optax for every optimizer (the conformance table, a few steps, and every optimizer
under ``optax.inject_hyperparams``, which casts the hyperparameters to the params' dtype), and the
same jaxnn function in float32 for the models, activations, losses, backprop and data helpers
(low-precision results within a few ulps of the rounded float32 result).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxnn import activations, backprop, data, losses, nn, optim, surfaces
from tests.helpers import assert_trees_allclose
from tests.optim_cases import CASES, _trajectory_fn, make_problem

LOW = [jnp.bfloat16, jnp.float16]
IDS = ["bfloat16", "float16"]
STEPS = 3
# optax's own chain turns its bf16 momentum trace into float32 here (a float32 schedule in
# add_decayed_weights), which a scan refuses; jaxnn keeps bf16 (checked eagerly below).
SCAN_CASES = [c for c in CASES if c.id != "clip-global-norm-decayed-weights-chain"]
# The default run: three rows (the slow run takes the whole table).
QUICK = ["sgd-momentum", "adam", "adamax-large-eps-schedule"]
# bf16 has 8 mantissa bits (relative step 2**-8 = 0.4%), f16 11 bits (0.05%); a few
# operations of rounding between two orders of the same maths.
RTOL = {jnp.bfloat16: 3e-2, jnp.float16: 5e-3}


@functools.lru_cache(maxsize=8)
def _table(library: str, dtype_name: str, ids: tuple):
    """The conformance cases ``ids`` for STEPS steps, one program per library and dtype."""
    params, loss = make_problem(jnp.dtype(dtype_name))
    runs = {}
    for c in CASES:
        if c.id not in ids:
            continue
        if library == "jaxnn":
            runs[c.id] = _trajectory_fn(
                c.jaxnn_factory(**c.kwargs), optim.apply_updates, loss, STEPS
            )
        else:
            runs[c.id] = _trajectory_fn(
                c.optax_factory(**c.kwargs), optax.apply_updates, loss, STEPS
            )
    return jax.device_get(jax.jit(lambda p: {k: run(p)[0] for k, run in runs.items()})(params))


def _param(quick_or_all):
    return [
        pytest.param(
            d,
            quick_or_all,
            id=f"{i}-{quick_or_all}",
            marks=[pytest.mark.slow] * (quick_or_all == "all" or d == jnp.float16),
        )
        for d, i in zip(LOW, IDS, strict=True)
    ]


SCOPES = [*_param("quick"), *_param("all")]


def _ids(scope):
    return tuple(c.id for c in SCAN_CASES if scope == "all" or c.id in QUICK)


@pytest.mark.parametrize("dtype, scope", SCOPES)
def test_every_optimizer_equals_optax_in_low_precision(dtype, scope):
    name = jnp.dtype(dtype).name
    ids = _ids(scope)
    ours, ref = _table("jaxnn", name, ids), _table("optax", name, ids)
    for c in SCAN_CASES:
        if c.id not in ids:
            continue
        (u_ours, p_ours), (u_ref, p_ref) = ours[c.id], ref[c.id]
        for leaf in jax.tree.leaves(p_ours):
            assert leaf.dtype == dtype, f"{c.id}: params changed dtype to {leaf.dtype}"
        assert [u.dtype for u in jax.tree.leaves(u_ours)] == [
            u.dtype for u in jax.tree.leaves(u_ref)
        ], c.id
        assert_trees_allclose(p_ours, p_ref, rtol=RTOL[dtype], atol=RTOL[dtype], msg=c.id)
        assert_trees_allclose(u_ours, u_ref, rtol=RTOL[dtype], atol=RTOL[dtype], msg=c.id)


def _static(kwargs):
    return tuple(k for k, v in kwargs.items() if isinstance(v, bool) or callable(v))


def _one_step(factory, kwargs, params, grads, apply, hyperparam_dtype):
    opt = optax.inject_hyperparams(
        factory, static_args=_static(kwargs), hyperparam_dtype=hyperparam_dtype
    )(**kwargs)
    updates, _ = opt.update(grads, opt.init(params), params)
    return updates, apply(params, updates)


@pytest.mark.parametrize("dtype, scope", SCOPES)
def test_every_optimizer_under_inject_hyperparams_with_low_precision_params(dtype, scope):
    """optax casts the hyperparameters to the params' dtype: 0.999 becomes 1.0 in bfloat16. A
    value that is still valid works and equals optax; b2 rounded to 1 is a clear error naming
    the fix (optax's own optimizers return NaN there); with ``hyperparam_dtype=jnp.float32``
    every optimizer works and equals optax."""
    params, loss = make_problem(dtype)
    grads = jax.jit(jax.grad(loss))(params)
    refused = []
    for c in CASES:
        if scope == "quick" and c.id not in QUICK:
            continue
        for hyper in (None, jnp.float32):
            ref_u, _ = _one_step(
                c.optax_factory, c.kwargs, params, grads, optax.apply_updates, hyper
            )
            try:
                u, p = _one_step(
                    c.jaxnn_factory, c.kwargs, params, grads, optim.apply_updates, hyper
                )
            except ValueError as e:
                assert hyper is None and "hyperparam_dtype=jnp.float32" in str(e), (c.id, e)
                nan = any(np.isnan(np.asarray(x, np.float32)).any() for x in jax.tree.leaves(ref_u))
                assert nan, f"{c.id}: refused, yet optax's result is finite"
                refused.append(c.id)
                continue
            assert all(x.dtype == dtype for x in jax.tree.leaves(p)), (c.id, hyper)
            assert [x.dtype for x in jax.tree.leaves(u)] == [
                x.dtype for x in jax.tree.leaves(ref_u)
            ], c.id
            assert_trees_allclose(u, ref_u, rtol=RTOL[dtype], atol=RTOL[dtype], msg=c.id)
    if dtype == jnp.bfloat16:  # b2 = 0.999 rounds to 1 in bf16, not in f16
        assert "adam" in refused and "sgd" not in refused and "adamax" not in str(refused)
    else:
        assert refused == []


def _close_to_float32(low, ref32, dtype, what):
    assert low.dtype == dtype, f"{what}: dtype {low.dtype}, expected {jnp.dtype(dtype).name}"
    np.testing.assert_allclose(
        np.asarray(low, np.float32),
        np.asarray(ref32, np.float32),
        rtol=RTOL[dtype],
        atol=RTOL[dtype],
        err_msg=what,
    )


X = jnp.linspace(-2.0, 2.0, 12).reshape(6, 2)
ACTIVATION_NAMES = activations.names()


@jax.jit
def _all_activations(x):
    return {
        name: (activations.get(name)(x), activations.derivative(name)(x))
        for name in ACTIVATION_NAMES
    }


@pytest.mark.parametrize("dtype", LOW, ids=IDS)
def test_activations_and_their_derivatives_keep_the_dtype(dtype):
    low, ref = _all_activations(X.astype(dtype)), _all_activations(X)
    for name in ACTIVATION_NAMES:
        _close_to_float32(low[name][0], ref[name][0], dtype, name)
        _close_to_float32(low[name][1], ref[name][1], dtype, f"{name} derivative")


@pytest.mark.slow  # ~5 s per dtype on 2 shared cores; the argument checks below are the quick run
@pytest.mark.parametrize("dtype", LOW, ids=IDS)
def test_models_losses_backprop_and_data_keep_the_dtype(dtype):
    params32 = nn.init_mlp(jax.random.key(0), [2, 4, 1])
    params = jax.tree.map(lambda a: a.astype(dtype), params32)
    y32 = jnp.array([[0.0], [1.0], [1.0], [0.0], [1.0], [0.0]])
    x, y = X.astype(dtype), y32.astype(dtype)
    _close_to_float32(nn.mlp(params, x), nn.mlp(params32, X), dtype, "nn.mlp")
    p32 = jax.nn.sigmoid(nn.mlp(params32, X))
    cases = {
        "mse": (losses.mse, (p32, y32)),
        "binary_cross_entropy": (losses.binary_cross_entropy, (p32, y32)),
        "sigmoid_binary_cross_entropy": (losses.sigmoid_binary_cross_entropy, (X[:, :1], y32)),
        "softmax_cross_entropy": (losses.softmax_cross_entropy, (X, jnp.array([0, 1] * 3))),
    }
    for name, (loss, (a, b)) in cases.items():
        low_b = b if b.dtype == jnp.int32 else b.astype(dtype)
        _close_to_float32(loss(a.astype(dtype), low_b), loss(a, b), dtype, name)
    loss32, grads32 = backprop.value_and_grad(params32, X, y32)
    loss_low, grads_low = backprop.value_and_grad(params, x, y)
    _close_to_float32(loss_low, loss32, dtype, "backprop loss")
    for g, g32 in zip(jax.tree.leaves(grads_low), jax.tree.leaves(grads32), strict=True):
        _close_to_float32(g, g32, dtype, "backprop grads")
    _close_to_float32(data.standardize(x), data.standardize(X), dtype, "standardize")
    _close_to_float32(optim.global_norm(params), optim.global_norm(params32), dtype, "norm")
    clipped = optim.clip_by_global_norm(0.5).update(params, None)[0]
    for c in jax.tree.leaves(clipped):
        assert c.dtype == dtype
    point = jnp.array([0.5, -0.5])
    for f in (surfaces.rosenbrock, surfaces.beale, surfaces.saddle):
        _close_to_float32(f(point.astype(dtype)), f(point), dtype, f.__name__)


@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float16, jnp.float8_e4m3fn])
def test_low_precision_arrays_pass_the_shared_argument_checks(dtype):
    """The checks refused bfloat16 and float8 (NumPy kind 'V') as "not an array of numbers"."""
    from jaxnn._validation import as_real_array, check_positive, concrete_number

    x = jnp.ones(3, dtype)
    assert as_real_array("x", x).dtype == dtype
    assert concrete_number(jnp.asarray(0.5, dtype)) == 0.5
    check_positive("learning_rate", jnp.asarray(0.5, dtype))
    assert activations.relu(x).dtype == dtype and losses.mse(x, x).dtype == dtype
    assert optim.global_norm({"a": x}).dtype == dtype


def test_float16_eps_underflows_like_optax():
    """Adam's eps=1e-8 is 0 in float16 (smallest subnormal 6e-8): a zero gradient's update is
    0/0 = NaN-free only because both moments are 0 and optax guards the same way; jaxnn and optax
    give the same values (the documented underflow, not a jaxnn difference)."""
    assert float(jnp.asarray(1e-8, jnp.float16)) == 0.0
    params = {"w": jnp.array([1.0, 2.0], jnp.float16)}
    g = {"w": jnp.array([1e-4, 0.5], jnp.float16)}
    ours = optim.adam(0.1).update(g, optim.adam(0.1).init(params), params)[0]
    ref = optax.adam(0.1).update(g, optax.adam(0.1).init(params), params)[0]
    assert_trees_allclose(ours, ref, rtol=0, atol=0)
