"""init_mlp and mlp: shapes, initializer statistics, bias-free layers, and XOR learned with jax.grad."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnn import losses, nn, optim


def test_shapes_and_biases():
    params = nn.init_mlp(jax.random.key(0), [3, 5, 4, 2])
    assert [(l["w"].shape, l["b"].shape) for l in params] == [
        ((3, 5), (5,)),
        ((5, 4), (4,)),
        ((4, 2), (2,)),
    ]
    assert all(float(jnp.abs(l["b"]).sum()) == 0.0 for l in params)
    assert nn.mlp(params, jnp.ones(3)).shape == (2,)
    assert nn.mlp(params, jnp.ones((7, 3))).shape == (7, 2)


@pytest.mark.parametrize(
    "init, expected_var",
    [
        ("glorot_normal", 2 / (400 + 300)),
        ("glorot_uniform", 2 / (400 + 300)),
        ("he_normal", 2 / 400),
        ("he_uniform", 2 / 400),
        ("normal", 1.0),
        ("uniform", 1 / 3),
    ],
)
def test_initializer_variances(init, expected_var):
    w = nn.init_mlp(jax.random.key(1), [400, 300], init=init)[0]["w"]
    assert float(jnp.var(w)) == pytest.approx(expected_var, rel=0.03)
    assert abs(float(jnp.mean(w))) < 0.02 * np.sqrt(expected_var) + 1e-3


def test_custom_initializer_and_dtype():
    params = nn.init_mlp(
        jax.random.key(0),
        [2, 3],
        init=jax.nn.initializers.ones,
        dtype=jnp.float64 if jax.config.jax_enable_x64 else jnp.bfloat16,
    )
    assert float(params[0]["w"].sum()) == 6.0


def test_layers_without_bias_match_hand_computation():
    w1 = jnp.array([[1.0, -1.0], [2.0, 0.5]])
    w2 = jnp.array([[1.0], [-2.0]])
    params = [{"w": w1, "b": jnp.array([0.1, 0.2])}, {"w": w2}]
    x = jnp.array([[1.0, 2.0]])
    h = jnp.tanh(x @ w1 + jnp.array([[0.1, 0.2]]))
    np.testing.assert_allclose(
        nn.mlp(params, x, activation="tanh", output_activation="sigmoid"),
        jax.nn.sigmoid(h @ w2),
        rtol=1e-6,
    )


def test_same_key_same_params_different_key_different():
    a = nn.init_mlp(jax.random.key(0), [2, 3, 1])
    b = nn.init_mlp(jax.random.key(0), [2, 3, 1])
    c = nn.init_mlp(jax.random.key(1), [2, 3, 1])
    assert all(np.array_equal(x, y) for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)))
    assert not np.array_equal(a[0]["w"], c[0]["w"])


def test_mlp_under_jax_grad_learns_xor():
    x = jnp.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = jnp.array([[0.0], [1.0], [1.0], [0.0]])
    params = nn.init_mlp(jax.random.key(0), [2, 8, 1])
    opt = optim.adam(0.05)

    def loss(p):
        return losses.sigmoid_binary_cross_entropy(nn.mlp(p, x, activation="tanh"), y)

    @jax.jit
    def step(p, s):
        value, g = jax.value_and_grad(loss)(p)
        u, s = opt.update(g, s, p)
        return optim.apply_updates(p, u), s, value

    state = opt.init(params)
    for _ in range(300):
        params, state, value = step(params, state)
    assert float(value) < 0.05
    assert float(losses.accuracy(nn.mlp(params, x, activation="tanh"), y, threshold=0.0)) == 1.0


def test_param_count():
    assert nn.param_count(nn.init_mlp(jax.random.key(0), [4, 10, 3])) == 4 * 10 + 10 + 10 * 3 + 3


def test_mlp_rejects_bad_inputs():
    params = nn.init_mlp(jax.random.key(0), [3, 2])
    with pytest.raises(ValueError, match="`x` has 4 features"):
        nn.mlp(params, jnp.ones((5, 4)))
    with pytest.raises(ValueError, match="shape \\(features,\\) or \\(batch, features\\)"):
        nn.mlp(params, jnp.ones((2, 2, 3)))
    with pytest.raises(ValueError, match="must chain"):
        nn.mlp([{"w": jnp.ones((3, 2))}, {"w": jnp.ones((3, 1))}], jnp.ones(3))
    with pytest.raises(TypeError, match="non-empty list of layers"):
        nn.mlp({"w": jnp.ones((3, 2))}, jnp.ones(3))
