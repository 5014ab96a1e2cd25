"""Losses against optax's losses and closed forms; stability at the extremes; strict shapes."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxnn import losses

RNG = np.random.default_rng(0)
LOGITS = jnp.asarray(RNG.normal(size=(32, 5)) * 3, jnp.float32)
LABELS = jnp.asarray(RNG.integers(0, 5, size=32))
BIN_LOGITS = jnp.asarray(RNG.normal(size=(32, 1)) * 4, jnp.float32)
BIN_TARGETS = jnp.asarray(RNG.integers(0, 2, size=(32, 1)), jnp.float32)


def test_mse_equals_optax_l2_times_two():
    p, t = jnp.asarray(RNG.normal(size=(8, 3))), jnp.asarray(RNG.normal(size=(8, 3)))
    # optax.l2_loss is 0.5 (p - t)^2 per element.
    np.testing.assert_allclose(losses.mse(p, t), 2 * jnp.mean(optax.l2_loss(p, t)), rtol=1e-6)


def test_softmax_cross_entropy_equals_optax_with_int_and_one_hot_labels():
    ref = jnp.mean(optax.softmax_cross_entropy_with_integer_labels(LOGITS, LABELS))
    np.testing.assert_allclose(losses.softmax_cross_entropy(LOGITS, LABELS), ref, rtol=1e-6)
    one_hot = jax.nn.one_hot(LABELS, 5)
    np.testing.assert_allclose(losses.softmax_cross_entropy(LOGITS, one_hot), ref, rtol=1e-6)


def test_sigmoid_bce_equals_optax_and_is_stable():
    ref = jnp.mean(optax.sigmoid_binary_cross_entropy(BIN_LOGITS, BIN_TARGETS))
    np.testing.assert_allclose(
        losses.sigmoid_binary_cross_entropy(BIN_LOGITS, BIN_TARGETS), ref, rtol=1e-6
    )
    z = jnp.array([1000.0, -1000.0, 1000.0, -1000.0])
    t = jnp.array([1.0, 0.0, 0.0, 1.0])
    value, grad = jax.value_and_grad(losses.sigmoid_binary_cross_entropy)(z, t)
    assert float(value) == pytest.approx(500.0)  # (0 + 0 + 1000 + 1000) / 4
    np.testing.assert_allclose(grad, [0.0, 0.0, 0.25, -0.25])


def test_bce_on_probabilities_matches_logit_form_and_is_safe_at_0_and_1():
    p = jax.nn.sigmoid(BIN_LOGITS)
    np.testing.assert_allclose(
        losses.binary_cross_entropy(p, BIN_TARGETS),
        losses.sigmoid_binary_cross_entropy(BIN_LOGITS, BIN_TARGETS),
        rtol=1e-4,
    )
    value, grad = jax.value_and_grad(losses.binary_cross_entropy)(
        jnp.array([0.0, 1.0]), jnp.array([1.0, 0.0])
    )
    assert np.isfinite(float(value)) and np.all(np.isfinite(grad))
    lo, hi = np.float32(1e-7), np.float32(1) - np.float32(1e-7)  # the clip, in float32
    expected = -(np.log(lo) + np.log1p(-hi)) / 2
    assert float(value) == pytest.approx(float(expected), rel=1e-5)


def test_accuracy_multiclass_and_binary():
    assert float(losses.accuracy(LOGITS, jnp.argmax(LOGITS, -1))) == 1.0
    expected = float(np.mean(np.argmax(np.asarray(LOGITS), -1) == np.asarray(LABELS)))
    assert float(losses.accuracy(LOGITS, LABELS)) == pytest.approx(expected)
    assert float(losses.accuracy(LOGITS, jax.nn.one_hot(LABELS, 5))) == pytest.approx(expected)
    binary = float(np.mean((np.asarray(BIN_LOGITS) > 0) == (np.asarray(BIN_TARGETS) > 0.5)))
    assert float(losses.accuracy(BIN_LOGITS, BIN_TARGETS, threshold=0.0)) == pytest.approx(binary)


def test_shape_mismatch_is_an_error_not_a_broadcast():
    with pytest.raises(ValueError, match=r"same shape.*\(4, 1\) and \(4,\).*y\[:, None\]"):
        losses.mse(jnp.ones((4, 1)), jnp.ones(4))
    with pytest.raises(ValueError, match="labels"):
        losses.softmax_cross_entropy(LOGITS, LABELS[:5])
