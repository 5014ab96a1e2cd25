"""jaxnn.optim.keras: the seed's calls with legacy Keras 2.x numerics.

1. Each call equals its exact optax recipe (or, for Adagrad, a closed form) with and without
   `decay`, float64, 200 steps (float32 is in tests/test_validate.py with the whole registry).
2. Each call equals the core optimizer where the two coincide (constant learning rate), and
   differs where they should (SGD momentum under decay; Adam's epsilon hat).
3. A plain-NumPy transcription of the Keras 2.x update rules agrees, step by step.
"""

from __future__ import annotations

import functools

import jax.numpy as jnp
import numpy as np
import pytest

from jaxnn import optim, validate
from jaxnn.optim import keras
from tests.helpers import assert_trees_allclose

KERAS = ["keras.SGD", "keras.Adagrad", "keras.RMSprop", "keras.Adam"]


# (name, keras call, core call, equal?). Where NUMERICS.md says legacy Keras and optax coincide
# (SGD momentum and Nesterov for a constant learning rate; Adam with eps = 0), and where they must
# differ. keras.Adagrad/RMSprop(lr) return the core adagrad/rmsprop call itself (see the module).
_CORE = [
    ("momentum", "keras.SGD(lr=0.01, momentum=0.9)", "optim.sgd(0.01, momentum=0.9)", True),
    (
        "nesterov",
        "keras.SGD(lr=0.01, momentum=0.9, nesterov=True)",
        "optim.nesterov(0.01, 0.9)",
        True,
    ),
    ("adam-eps-0", "keras.Adam(lr=0.01, epsilon=0.0)", "optim.adam(0.01, eps=0.0)", True),
    (
        "momentum-decay",  # the lr inside the velocity vs. applied after the buffer
        "keras.SGD(lr=0.01, momentum=0.9, decay=0.05)",
        "optim.sgd(schedules.inverse_time_decay(0.01, 0.05), momentum=0.9)",
        False,
    ),
    (
        "adam-epsilon-hat",  # eps on sqrt(v) vs. on sqrt(v_hat)
        "keras.Adam(lr=0.01, epsilon=0.01)",
        "optim.adam(0.01, eps=0.01)",
        False,
    ),
]
# Same maths in another order of operations: equal to float64 rounding (5e-14 relative measured
# after 200 steps); the rows that must differ are off by far more.
_CORE_TOL = {"float64": (1e-10, 1e-13)}


@functools.lru_cache(maxsize=1)
def _float64_reports():
    """The keras rows of the registry and the _CORE rows, 200 steps, one compiled program."""
    keras_rows = validate.select(KERAS, validate.registry())
    core_rows = [validate.Config(n, ("keras",), c, r, _CORE_TOL) for n, c, r, _ in _CORE]
    reports = validate.run(steps=200, dtype="float64", configs=keras_rows + core_rows)
    return reports[: len(keras_rows)], reports[len(keras_rows) :]


@pytest.mark.xdist_group("keras-float64")  # one compilation for both
def test_keras_calls_equal_their_optax_recipe_or_closed_form_float64():
    reports, _ = _float64_reports()
    names = {r.name for r in reports}
    for call in ("SGD", "Adagrad", "RMSprop", "Adam"):
        assert f"keras.{call}" in names, f"keras.{call} without decay is not validated"
        assert any(n.startswith(f"keras.{call}-") and "decay" in n for n in names), call
    for r in reports:
        assert r.passed, f"{r.name}: max rel diff {r.max_rel_diff:.3g} at step {r.first_failure}"
        assert r.finite.all() and r.steps == 200 and r.rtol == 1e-12
        assert r.loss_end < r.loss_start, f"{r.name} did not move the loss down"


@pytest.mark.xdist_group("keras-float64")  # one compilation for both
def test_keras_calls_equal_the_core_optimizer_where_they_coincide():
    _, reports = _float64_reports()
    for (name, _, _, equal), r in zip(_CORE, reports, strict=True):
        assert r.finite.all(), name
        if equal:
            assert r.passed, f"{name}: max rel diff {r.max_rel_diff:.3g}"
        else:
            assert not r.passed and r.max_rel_diff > 1e-6, f"{name} should differ visibly"


def test_keras_adagrad_and_rmsprop_are_the_core_call():
    g = jnp.array([0.3, -2.0])
    pairs = [
        (keras.Adagrad(lr=0.02, epsilon=0.1), optim.adagrad(0.02, 0.0, 0.1, eps_in_sqrt=False)),
        (keras.RMSprop(lr=0.02, epsilon=0.1), optim.rmsprop(0.02, 0.9, 0.1, eps_in_sqrt=False)),
    ]
    for a, b in pairs:
        sa, sb = a.init(g), b.init(g)
        for _ in range(3):
            ua, sa = a.update(g, sa)
            ub, sb = b.update(g, sb)
        assert_trees_allclose(ua, ub, rtol=0, atol=0)


def _keras2_numpy(rule, grads, lr, decay, **hp):
    """Keras 2.x's update rules transcribed to NumPy float64: the params after every step."""
    w = np.zeros_like(grads[0])
    slots = [np.zeros_like(w), np.zeros_like(w)]
    out = []
    for c, g in enumerate(grads):
        lr_c = lr / (1 + decay * c)
        if rule == "SGD":
            v = hp["momentum"] * slots[0] - lr_c * g
            w = w + (hp["momentum"] * v - lr_c * g if hp["nesterov"] else v)
            slots[0] = v
        elif rule == "Adagrad":
            slots[0] = slots[0] + g**2
            w = w - lr_c * g / (np.sqrt(slots[0]) + hp["epsilon"])
        elif rule == "RMSprop":
            slots[0] = hp["rho"] * slots[0] + (1 - hp["rho"]) * g**2
            w = w - lr_c * g / (np.sqrt(slots[0]) + hp["epsilon"])
        else:  # Adam
            t = c + 1
            lr_t = lr_c * np.sqrt(1 - hp["beta_2"] ** t) / (1 - hp["beta_1"] ** t)
            slots[0] = hp["beta_1"] * slots[0] + (1 - hp["beta_1"]) * g
            slots[1] = hp["beta_2"] * slots[1] + (1 - hp["beta_2"]) * g**2
            w = w - lr_t * slots[0] / (np.sqrt(slots[1]) + hp["epsilon"])
        out.append(w)
    return np.stack(out)


@pytest.mark.parametrize(
    "rule, hp",
    [
        ("SGD", dict(momentum=0.9, nesterov=True)),
        ("SGD", dict(momentum=0.5, nesterov=False)),
        ("Adagrad", dict(epsilon=0.05)),
        ("RMSprop", dict(rho=0.8, epsilon=0.05)),
        ("Adam", dict(beta_1=0.8, beta_2=0.9, epsilon=0.05)),
    ],
)
def test_keras_calls_match_a_numpy_transcription_of_keras2(rule, hp, x64):
    grads = np.random.default_rng(1).normal(size=(6, 4)) * np.array([1e-3, 0.1, 1.0, 30.0])
    opt = getattr(keras, rule)(lr=0.1, decay=0.3, **hp)
    w, state, params = jnp.zeros(4), None, []
    state = opt.init(w)
    for g in grads:
        u, state = opt.update(jnp.asarray(g), state, w)
        w = optim.apply_updates(w, u)
        params.append(w)
    expected = _keras2_numpy(rule, grads, 0.1, 0.3, **hp)
    np.testing.assert_allclose(np.stack(params), expected, rtol=1e-12, atol=1e-15)


def test_lr_and_learning_rate_are_the_same_argument():
    g = jnp.array([0.5, -2.0])
    for make in (keras.SGD, keras.Adagrad, keras.RMSprop, keras.Adam):
        a, b = make(lr=0.03, decay=0.1), make(learning_rate=0.03, decay=0.1)
        sa, sb = a.init(g), b.init(g)
        for _ in range(2):
            ua, sa = a.update(g, sa)
            ub, sb = b.update(g, sb)
        assert_trees_allclose(ua, ub, rtol=0, atol=0)


def test_defaults_are_the_seed_table():
    # First update with g = 2: SGD -0.01 * 2; Adagrad -0.01 * 2 / (2 + 1e-6);
    # RMSprop -0.001 * 2 / (sqrt(0.1 * 4) + 1e-8); Adam about -0.001 (epsilon hat 31.6e-8).
    expected = {
        keras.SGD: -0.02,
        keras.Adagrad: -0.01 * 2 / (2 + 1e-6),
        keras.RMSprop: -0.001 * 2 / (np.sqrt(0.4) + 1e-8),
        keras.Adam: -0.001 * 2 / (2 + 1e-8 / np.sqrt(1e-3)),
    }
    g = jnp.array([2.0])
    for make, value in expected.items():
        opt = make()
        np.testing.assert_allclose(opt.update(g, opt.init(g))[0], [value], rtol=2e-5)
