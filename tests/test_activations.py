"""Each activation's hand-written derivative equals jax.grad; values are safe at the extremes."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnn import activations as act

GRID = np.concatenate(
    [np.linspace(-8, 8, 161), [0.0, -0.0, 1e-7, -1e-7, 30.0, -30.0, 200.0, -200.0]]
)
EXTREMES = [-1000.0, -100.0, 100.0, 1000.0]


@pytest.mark.parametrize("name", act.names())
def test_derivative_equals_jax_grad_float64(name, x64):
    f, df = act.get(name), act.derivative(name)
    x = jnp.asarray(GRID, jnp.float64)
    # atol: derivatives are O(1); in the tails (gelu at x = -8: 0.5 (1 + tanh u) ~ 1e-14) the two
    # expressions cancel differently at the level of 1e-16 * O(1) terms.
    np.testing.assert_allclose(df(x), jax.vmap(jax.grad(f))(x), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", act.names())
def test_derivative_equals_jax_grad_float32_incl_extremes(name):
    f, df = act.get(name), act.derivative(name)
    x = jnp.asarray(np.concatenate([GRID, EXTREMES]), jnp.float32)
    ours, ref = df(x), jax.vmap(jax.grad(f))(x)
    assert np.all(np.isfinite(ours)) and np.all(np.isfinite(f(x)))
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "name", ["relu", "sigmoid", "tanh", "softplus", "elu", "leaky_relu", "gelu", "swish"]
)
def test_values_equal_jax_nn(name):
    ref = {
        "relu": jax.nn.relu,
        "sigmoid": jax.nn.sigmoid,
        "tanh": jnp.tanh,
        "softplus": jax.nn.softplus,
        "elu": jax.nn.elu,
        "leaky_relu": jax.nn.leaky_relu,
        "gelu": jax.nn.gelu,
        "swish": jax.nn.swish,
    }[name]
    x = jnp.asarray(np.concatenate([GRID, EXTREMES]), jnp.float32)
    np.testing.assert_allclose(act.get(name)(x), ref(x), rtol=1e-6, atol=1e-7)


def test_relu_derivative_at_zero_is_zero_like_jax_grad():
    assert float(act.relu_derivative(0.0)) == 0.0 == float(jax.grad(jax.nn.relu)(0.0))


def test_peak_derivatives():
    x = jnp.linspace(-10, 10, 2001)
    assert float(jnp.max(act.sigmoid_derivative(x))) == pytest.approx(0.25, abs=1e-7)
    assert float(x[jnp.argmax(act.sigmoid_derivative(x))]) == pytest.approx(0.0, abs=1e-6)
    assert float(act.tanh_derivative(0.0)) == 1.0
    assert float(jnp.max(act.tanh_derivative(x))) == pytest.approx(1.0)


def test_safe_at_extremes():
    assert float(act.sigmoid(-1000.0)) == 0.0 and float(act.sigmoid(1000.0)) == 1.0
    assert float(act.softplus(1000.0)) == 1000.0 and float(act.softplus(-1000.0)) == 0.0
    for name in act.names():
        y = act.get(name)(jnp.array(EXTREMES))
        d = act.derivative(name)(jnp.array(EXTREMES))
        assert np.all(np.isfinite(y)) and np.all(np.isfinite(d)), name


def test_softplus_derivative_is_sigmoid():
    x = jnp.linspace(-5, 5, 11)
    np.testing.assert_allclose(act.softplus_derivative(x), act.sigmoid(x))


def test_exact_gelu_derivative():
    x = jnp.linspace(-4, 4, 33)
    ref = jax.vmap(jax.grad(lambda v: act.gelu(v, approximate=False)))(x)
    np.testing.assert_allclose(act.gelu_derivative(x, approximate=False), ref, rtol=1e-5, atol=1e-6)


def test_lookup_by_name_alias_and_callable():
    assert act.get("relu") is act.relu
    assert act.get("silu") is act.swish
    assert act.get(jnp.sin) is jnp.sin
    np.testing.assert_allclose(
        act.derivative(jnp.sin)(jnp.array([0.0, 1.0])), jnp.cos(jnp.array([0.0, 1.0])), rtol=1e-6
    )


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown activation name 'rleu'.*relu.*softplus"):
        act.get("rleu")
    with pytest.raises(TypeError, match="activation"):
        act.get(3)


def test_integer_inputs_are_promoted():
    assert act.relu(jnp.array([1, -1])).dtype == jnp.float32
