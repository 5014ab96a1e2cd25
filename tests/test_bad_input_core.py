"""Bad input to the core API: every case a ValueError/TypeError whose message names the argument.

The table is the list CASES: (id, callable that must raise, expected type, words the message must
contain). None may raise AssertionError or an error from inside JAX.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnn import activations, losses, nn, optim
from jaxnn.optim import schedules

P = {"w": jnp.ones(3)}


def _update(opt, grads, params=P):
    return lambda: opt.update(grads, opt.init(params), params)


CASES = [
    # learning rates
    ("lr-zero", lambda: optim.sgd(0.0), ValueError, ["learning_rate", "positive", "0.0"]),
    ("lr-negative", lambda: optim.adam(-0.1), ValueError, ["learning_rate", "positive", "-0.1"]),
    ("lr-nan", lambda: optim.rmsprop(math.nan), ValueError, ["learning_rate", "finite", "nan"]),
    ("lr-inf", lambda: optim.adagrad(math.inf), ValueError, ["learning_rate", "finite", "inf"]),
    ("lr-string", lambda: optim.sgd("0.1"), TypeError, ["learning_rate", "'0.1'", "schedule"]),
    ("lr-none", lambda: optim.adam(None), TypeError, ["learning_rate", "None"]),
    ("lr-bool", lambda: optim.sgd(True), TypeError, ["learning_rate", "True"]),
    ("lr-vector", lambda: optim.sgd(jnp.ones(2)), TypeError, ["learning_rate", "scalar", "(2,)"]),
    (
        "lr-negative-array",
        lambda: optim.sgd(np.float32(-1)),
        ValueError,
        ["learning_rate", "positive"],
    ),
    # decay rates and momentum in [0, 1)
    ("b1-one", lambda: optim.adam(0.1, b1=1.0), ValueError, ["b1", "[0, 1)", "1.0"]),
    ("b2-negative", lambda: optim.adam(0.1, b2=-0.5), ValueError, ["b2", "[0, 1)", "-0.5"]),
    (
        "decay-above-one",
        lambda: optim.rmsprop(0.1, decay=1.5),
        ValueError,
        ["decay", "[0, 1)", "1.5"],
    ),
    ("momentum-one", lambda: optim.sgd(0.1, momentum=1.0), ValueError, ["momentum", "[0, 1)"]),
    ("momentum-negative", lambda: optim.momentum(0.1, -0.9), ValueError, ["momentum", "-0.9"]),
    ("rms-momentum-one", lambda: optim.rmsprop(0.1, momentum=1.0), ValueError, ["momentum"]),
    # eps and accumulators
    (
        "eps-negative",
        lambda: optim.adam(0.1, eps=-1e-8),
        ValueError,
        ["eps", "non-negative", "-1e-08"],
    ),
    ("eps-root-negative", lambda: optim.adam(0.1, eps_root=-1.0), ValueError, ["eps_root"]),
    ("adagrad-eps-negative", lambda: optim.adagrad(0.1, eps=-1.0), ValueError, ["eps"]),
    (
        "adagrad-acc-negative",
        lambda: optim.adagrad(0.1, -0.1),
        ValueError,
        ["initial_accumulator_value"],
    ),
    ("rms-eps-negative", lambda: optim.rmsprop(0.1, eps=-1.0), ValueError, ["eps"]),
    (
        "rms-initial-scale",
        lambda: optim.rmsprop(0.1, initial_scale=-1.0),
        ValueError,
        ["initial_scale"],
    ),
    # nesterov without momentum, flags of the wrong type
    (
        "nesterov-no-momentum",
        lambda: optim.sgd(0.1, nesterov=True),
        ValueError,
        ["nesterov", "momentum=None"],
    ),
    (
        "rms-nesterov-no-momentum",
        lambda: optim.rmsprop(0.1, nesterov=True),
        ValueError,
        ["nesterov"],
    ),
    (
        "nesterov-not-bool",
        lambda: optim.sgd(0.1, 0.9, nesterov="yes"),
        TypeError,
        ["nesterov", "'yes'"],
    ),
    ("centered-not-bool", lambda: optim.rmsprop(0.1, centered=1), TypeError, ["centered"]),
    # trees
    (
        "grads-tree-differs",
        _update(optim.adam(0.1), {"v": jnp.ones(3)}),
        TypeError,
        ["grads", "params", "'v'", "'w'"],
    ),
    (
        "grads-tree-differs-sgd",
        _update(optim.sgd(0.1, momentum=0.9), [jnp.ones(3)]),
        TypeError,
        ["grads", "params"],
    ),
    (
        "updates-tree-differs",
        lambda: optim.apply_updates(P, {"w": jnp.ones(3), "b": jnp.ones(1)}),
        TypeError,
        ["updates", "params"],
    ),
    (
        "integer-params",
        lambda: optim.adam(0.1).init({"w": jnp.ones(3, jnp.int32)}),
        TypeError,
        ["params", "['w']", "int32", "astype"],
    ),
    (
        "integer-params-sgd",
        lambda: optim.sgd(0.1).init([jnp.arange(3)]),
        TypeError,
        ["params", "[0]"],
    ),
    (
        "chain-not-transform",
        lambda: optim.chain(optim.sgd(0.1), 0.5),
        TypeError,
        ["chain", "argument 1", "init"],
    ),
    # schedules
    (
        "schedule-steps-zero",
        lambda: schedules.exponential_decay(0.1, 0, 0.5),
        ValueError,
        ["transition_steps", ">= 1"],
    ),
    (
        "schedule-decay-negative",
        lambda: schedules.inverse_time_decay(0.1, -1.0),
        ValueError,
        ["decay_rate"],
    ),
    (
        "schedule-cosine-steps",
        lambda: schedules.cosine_decay(0.1, 2.5),
        TypeError,
        ["decay_steps", "integer"],
    ),
    (
        "schedule-warmup-order",
        lambda: schedules.warmup_cosine_decay(0, 0.1, 10, 5),
        ValueError,
        ["decay_steps", "warmup_steps"],
    ),
    # activations and models
    (
        "unknown-activation",
        lambda: activations.get("sigmod"),
        ValueError,
        ["sigmod", "sigmoid", "relu"],
    ),
    (
        "unknown-activation-in-mlp",
        lambda: nn.mlp(nn.init_mlp(jax.random.key(0), [2, 1]), jnp.ones(2), activation="rellu"),
        ValueError,
        ["activation", "rellu"],
    ),
    ("activation-wrong-type", lambda: activations.get(1.0), TypeError, ["activation"]),
    (
        "unknown-init",
        lambda: nn.init_mlp(jax.random.key(0), [2, 1], init="xavier"),
        ValueError,
        ["init", "xavier", "glorot_normal"],
    ),
    (
        "sizes-one-entry",
        lambda: nn.init_mlp(jax.random.key(0), [2]),
        ValueError,
        ["sizes", "at least 2", "[2]"],
    ),
    (
        "sizes-zero",
        lambda: nn.init_mlp(jax.random.key(0), [2, 0, 1]),
        ValueError,
        ["sizes[1]", ">= 1", "0"],
    ),
    (
        "sizes-negative",
        lambda: nn.init_mlp(jax.random.key(0), [2, -3]),
        ValueError,
        ["sizes[1]", "-3"],
    ),
    (
        "sizes-float",
        lambda: nn.init_mlp(jax.random.key(0), [2, 3.5]),
        TypeError,
        ["sizes[1]", "integer"],
    ),
    ("sizes-string", lambda: nn.init_mlp(jax.random.key(0), "2,3"), TypeError, ["sizes"]),
    ("key-int", lambda: nn.init_mlp(0, [2, 1]), TypeError, ["key", "jax.random.key"]),
    (
        "int-dtype",
        lambda: nn.init_mlp(jax.random.key(0), [2, 1], dtype=jnp.int32),
        TypeError,
        ["dtype", "floating"],
    ),
    (
        "scale-with-glorot",
        lambda: nn.init_mlp(jax.random.key(0), [2, 1], scale=0.1),
        ValueError,
        ["scale", "glorot_normal"],
    ),
    (
        "mlp-wrong-features",
        lambda: nn.mlp(nn.init_mlp(jax.random.key(0), [2, 1]), jnp.ones(3)),
        ValueError,
        ["x", "3 features", "expects 2"],
    ),
    # losses
    (
        "mse-shapes",
        lambda: losses.mse(jnp.ones((4, 1)), jnp.ones(4)),
        ValueError,
        ["predictions", "targets", "(4, 1)", "(4,)"],
    ),
    (
        "bce-shapes",
        lambda: losses.sigmoid_binary_cross_entropy(jnp.ones(3), jnp.ones(2)),
        ValueError,
        ["same shape"],
    ),
    (
        "ce-label-dtype",
        lambda: losses.softmax_cross_entropy(jnp.ones((2, 3)), jnp.array([True, False])),
        TypeError,
        ["labels", "bool"],
    ),
    (
        "complex-predictions",
        lambda: losses.mse(jnp.ones(2, jnp.complex64), jnp.ones(2)),
        TypeError,
        ["predictions", "real"],
    ),
]


@pytest.mark.parametrize("make, error, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_a_clear_error(make, error, words):
    with pytest.raises(Exception) as info:
        make()
    assert type(info.value) is error, (
        f"expected {error.__name__}, got {type(info.value).__name__}: {info.value}"
    )
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} missing from the message: {message}"


def test_table_size():
    assert len(CASES) >= 50


def test_traced_learning_rate_is_accepted():
    # Validation touches only concrete numbers: a learning rate swept with vmap passes through.
    def final(lr):
        opt = optim.sgd(lr)
        u, _ = opt.update(jnp.ones(2), opt.init(jnp.zeros(2)))
        return u

    out = jax.vmap(final)(jnp.array([0.1, 0.2]))
    np.testing.assert_allclose(out, [[-0.1, -0.1], [-0.2, -0.2]], rtol=1e-6)
