"""The book's XOR run (ch. 8): xor_book against an independent plain-Python implementation.

The reference below uses only Python floats, the ``random`` module, ``math`` and loops (no
jaxnn, no JAX, no NumPy), and follows the procedure as EXPERIMENTS.md states it.
"""

from __future__ import annotations

import math
import random

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnn import optim
from jaxnn.experiments import book_initial_params, xor_book, xor_book_variants
from tests.helpers import assert_trees_allclose

RULES = ("book", "momentum", "gd")
ACTIVATIONS = ("tanh", "sigmoid")
EPOCHS = 300  # the default tests; the full 5000 run in the slow test
TOL_PLAIN = 1e-9  # xor_book vs plain Python: different tanh/exp implementations, FMA
TOL_SAME = 1e-12  # two JAX implementations of the same maths


def plain_python_xor(rule, activation, *, lr=0.1, mo=0.4, epochs=5000, seed=777):
    """The book's procedure in plain Python. Returns (errors, predictions, w_in, w_out)."""
    rng = random.Random(seed)
    w_in = [[rng.random(), rng.random()] for _ in range(3)]  # rows: input 1, input 2, bias
    w_out = [rng.random(), rng.random()]  # hidden 1, hidden 2 -> output (no output bias)
    if activation == "tanh":
        f = math.tanh

        def df(a):  # derivative written with the unit's output a = f(z)
            return 1.0 - a * a
    else:

        def f(z):
            return 1.0 / (1.0 + math.exp(-z))

        def df(a):
            return a * (1.0 - a)

    def run(x):
        inputs = [x[0], x[1], 1.0]
        hidden = [f(sum(inputs[i] * w_in[i][j] for i in range(3))) for j in range(2)]
        return inputs, hidden, f(hidden[0] * w_out[0] + hidden[1] * w_out[1])

    # per-weight state: the previous gradient (book) or the velocity (momentum)
    state_in = [[0.0, 0.0] for _ in range(3)]
    state_out = [0.0, 0.0]

    def step(w, g, s):
        """New (weight, state) for one weight w with gradient g and state s."""
        if rule == "book":
            return w + (lr * g - mo * s), g
        if rule == "momentum":
            v = mo * s - lr * g
            return w + v, v
        return w - lr * g, s

    data = [((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0)]
    errors = []
    for _ in range(epochs):
        total = 0.0
        for x, t in data:
            inputs, hidden, out = run(x)
            total += 0.5 * (t - out) ** 2  # measured before this sample's update
            delta_out = (out - t) * df(out)  # dE/dz at the output
            delta_hidden = [delta_out * w_out[j] * df(hidden[j]) for j in range(2)]
            for j in range(2):  # gradients use the weights from before this update
                w_out[j], state_out[j] = step(w_out[j], delta_out * hidden[j], state_out[j])
            for i in range(3):
                for j in range(2):
                    g = delta_hidden[j] * inputs[i]
                    w_in[i][j], state_in[i][j] = step(w_in[i][j], g, state_in[i][j])
        errors.append(total)
    predictions = [run(x)[2] for x, _ in data]
    return errors, predictions, w_in, w_out


def _compare_with_plain_python(rule, activation, epochs):
    result = xor_book(rule=rule, activation=activation, epochs=epochs)
    errors, predictions, w_in, w_out = plain_python_xor(rule, activation, epochs=epochs)
    assert result.errors.dtype == jnp.float64 and result.errors.shape == (epochs,)
    assert np.all(np.isfinite(result.errors))
    np.testing.assert_allclose(result.errors, errors, rtol=0, atol=TOL_PLAIN)
    np.testing.assert_allclose(result.predictions, predictions, rtol=0, atol=TOL_PLAIN)
    np.testing.assert_allclose(result.params[0]["w"], w_in[:2], rtol=0, atol=TOL_PLAIN)
    np.testing.assert_allclose(result.params[0]["b"], w_in[2], rtol=0, atol=TOL_PLAIN)
    np.testing.assert_allclose(result.params[1]["w"][:, 0], w_out, rtol=0, atol=TOL_PLAIN)
    return float(max(np.max(np.abs(result.errors - np.array(errors))), 0.0))


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("rule", RULES)
def test_xor_book_equals_plain_python(rule, activation, x64):
    _compare_with_plain_python(rule, activation, EPOCHS)


@pytest.mark.slow
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("rule", RULES)
def test_xor_book_equals_plain_python_full_run(rule, activation, x64):
    _compare_with_plain_python(rule, activation, 5000)


def test_plain_python_reference_has_the_books_behaviour():
    """Guards the reference itself: the book's run learns XOR, momentum 0 climbs."""
    errors, predictions, _, _ = plain_python_xor("book", "tanh", epochs=5000)
    assert errors[-1] < 1e-3 < errors[0]
    assert [p > 0.5 for p in predictions] == [False, True, True, False]
    climb, _, _, _ = plain_python_xor("book", "tanh", mo=0.0, epochs=EPOCHS)
    assert climb[-1] > climb[0]


@pytest.mark.parametrize("rule", RULES)
def test_manual_backprop_equals_autodiff(rule, x64):
    manual = xor_book(rule=rule, epochs=EPOCHS)
    auto = xor_book(rule=rule, epochs=EPOCHS, method="autodiff")
    np.testing.assert_allclose(manual.errors, auto.errors, rtol=0, atol=TOL_SAME)
    np.testing.assert_allclose(manual.predictions, auto.predictions, rtol=0, atol=TOL_SAME)
    assert_trees_allclose(manual.params, auto.params, rtol=0, atol=TOL_SAME)


def test_momentum_rule_equals_jaxnn_optim_momentum(x64):
    """rule="momentum" is jaxnn.optim.momentum(lr, momentum) applied sample by sample."""
    lr, mo, epochs = 0.1, 0.4, 5000
    result = xor_book(rule="momentum", lr=lr, momentum=mo, epochs=epochs, method="autodiff")
    opt = optim.momentum(lr, mo)
    inputs = jnp.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    targets = jnp.array([0.0, 1.0, 1.0, 0.0])

    def error(params, x, t):
        h = jnp.tanh(x @ params[0]["w"] + params[0]["b"])
        return 0.5 * (t - jnp.tanh(h @ params[1]["w"][:, 0])) ** 2

    def sample_step(carry, sample):
        params, state = carry
        g = jax.grad(error)(params, *sample)
        updates, state = opt.update(g, state, params)
        return (optim.apply_updates(params, updates), state), None

    @jax.jit
    def run(params):
        samples = (jnp.tile(inputs, (epochs, 1)), jnp.tile(targets, epochs))
        (params, _), _ = jax.lax.scan(sample_step, (params, opt.init(params)), samples)
        return params

    expected = run(book_initial_params(777))
    assert_trees_allclose(result.params, expected, rtol=0, atol=TOL_SAME)
    # ... and the run moved far from the start, so the comparison means something
    assert float(jnp.abs(expected[1]["w"] - result.initial_params[1]["w"]).max()) > 1.0


def test_book_initial_params_follow_the_random_module_order():
    rng = random.Random(777)
    draws = [rng.random() for _ in range(8)]
    params = book_initial_params(777, jnp.float32)
    np.testing.assert_allclose(params[0]["w"].ravel(), draws[:4], rtol=1e-7)
    np.testing.assert_allclose(params[0]["b"], draws[4:6], rtol=1e-7)
    np.testing.assert_allclose(params[1]["w"].ravel(), draws[6:8], rtol=1e-7)
    assert "b" not in params[1]
    # no global state touched
    random.seed(1)
    before = random.random()
    random.seed(1)
    book_initial_params(777)
    assert random.random() == before


def test_float32_without_x64_and_no_recompile():
    r1 = xor_book(epochs=EPOCHS, lr=0.1)
    size = xor_book.__globals__["_train_jit"]._cache_size()
    r2 = xor_book(epochs=EPOCHS, lr=0.2, momentum=0.3, seed=1)
    assert xor_book.__globals__["_train_jit"]._cache_size() == size  # new numbers, same program
    assert r1.errors.dtype == jnp.float32 and r1.predictions.dtype == jnp.float32
    assert np.all(np.isfinite(r1.errors)) and not np.allclose(r1.errors, r2.errors)


def test_variants_and_their_verdicts(x64):
    variants = {v.name: v for v in xor_book_variants(epochs=EPOCHS)}
    assert list(variants) == [
        "book",
        "corrected (momentum)",
        "gd",
        "book, momentum 0",
        "sigmoid (corrected)",
    ]
    climbing = variants["book, momentum 0"]
    assert climbing.result.errors[-1] > climbing.result.errors[0]
    assert climbing.verdict.startswith("climbs") and "gradient ascent" in climbing.verdict
    assert variants["book"].verdict.startswith("learns XOR")
    assert "near 0.5" in variants["sigmoid (corrected)"].verdict


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(rule="adam"), ValueError, ["rule", "'adam'", "'book'", "'momentum'", "'gd'"]),
        (dict(method="numeric"), ValueError, ["method", "'manual'", "'autodiff'"]),
        (dict(activation="sigmod"), ValueError, ["activation", "sigmod", "tanh"]),
        (dict(activation=jnp.tanh), TypeError, ["activation", "name"]),
        (dict(lr=0.0), ValueError, ["lr", "positive"]),
        (dict(momentum=-0.4), ValueError, ["momentum", "-0.4"]),
        (dict(rule="momentum", momentum=1.0), ValueError, ["momentum", "[0, 1)"]),
        (dict(epochs=0), ValueError, ["epochs", ">= 1"]),
        (dict(epochs=10.0), TypeError, ["epochs", "integer"]),
        (dict(seed="777"), TypeError, ["seed", "integer"]),
    ],
)
def test_bad_input_is_a_clear_error(kwargs, error, words):
    with pytest.raises(Exception) as info:
        xor_book(**kwargs)
    assert type(info.value) is error, f"{type(info.value).__name__}: {info.value}"
    for word in words:
        assert word in str(info.value), f"{word!r} missing from: {info.value}"
