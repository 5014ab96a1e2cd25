"""Bad input to the wider optimizer family, jaxnn.optim.keras and jaxnn.validate.

Every case a ValueError/TypeError, raised eagerly, whose message names the argument, the rule and
the value received. Same table form as tests/test_bad_input_core.py.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import pytest

from jaxnn import optim, validate
from jaxnn.optim import keras

P = {"w": jnp.ones(3)}


def _update(opt, grads, params=P):
    return lambda: opt.update(grads, opt.init(params), params)


CASES = [
    # the wider family: ranges and types
    ("adamw-b1-one", lambda: optim.adamw(0.1, b1=1.0), ValueError, ["b1", "[0, 1)", "1.0"]),
    (
        "adamw-weight-decay-negative",
        lambda: optim.adamw(0.1, weight_decay=-1e-4),
        ValueError,
        ["weight_decay", "non-negative", "-0.0001"],
    ),
    (
        "adamw-weight-decay-string",
        lambda: optim.adamw(0.1, weight_decay="0.1"),
        TypeError,
        ["weight_decay", "'0.1'"],
    ),
    (
        "adamw-mask-not-bool",
        lambda: optim.adamw(0.1, mask={"w": 1}),
        TypeError,
        ["mask", "['w']", "True or False", "1"],
    ),
    (
        "adamw-mask-wrong-tree",
        _update(optim.adamw(0.1, mask={"v": True}), {"w": jnp.ones(3)}),
        TypeError,
        ["mask", "params", "'v'", "'w'"],
    ),
    ("adamw-lr-zero", lambda: optim.adamw(0.0), ValueError, ["learning_rate", "positive"]),
    ("adam-eps-string", lambda: optim.adam(0.1, eps="x"), TypeError, ["eps", "'x'"]),
    ("nadam-eps-negative", lambda: optim.nadam(0.1, eps=-1.0), ValueError, ["eps", "-1.0"]),
    ("amsgrad-b2-above-one", lambda: optim.amsgrad(0.1, b2=1.5), ValueError, ["b2", "1.5"]),
    (
        "amsgrad-flag-not-bool",
        lambda: optim.amsgrad(0.1, bias_correction_mu="yes"),
        TypeError,
        ["bias_correction_mu", "'yes'"],
    ),
    ("adamax-eps-negative", lambda: optim.adamax(0.1, eps=-1.0), ValueError, ["eps", "-1.0"]),
    ("adamax-b1-negative", lambda: optim.adamax(0.1, b1=-0.1), ValueError, ["b1", "-0.1"]),
    (
        "adadelta-lr-none",
        lambda: optim.adadelta(None),
        TypeError,
        ["learning_rate", "None", "climbs", "1.0"],
    ),
    ("adadelta-lr-zero", lambda: optim.adadelta(0.0), ValueError, ["learning_rate", "positive"]),
    ("adadelta-rho-one", lambda: optim.adadelta(rho=1.0), ValueError, ["rho", "[0, 1)"]),
    ("adadelta-eps-nan", lambda: optim.adadelta(eps=math.nan), ValueError, ["eps", "finite"]),
    (
        "adadelta-mask-not-bool",
        lambda: optim.adadelta(weight_decay=0.1, weight_decay_mask=[0.5]),
        TypeError,
        ["weight_decay_mask", "0.5"],
    ),
    ("lion-b2-above-one", lambda: optim.lion(0.1, b2=1.5), ValueError, ["b2", "1.5"]),
    ("lion-lr-negative", lambda: optim.lion(-0.1), ValueError, ["learning_rate", "-0.1"]),
    (
        "lion-weight-decay-nan",
        lambda: optim.lion(0.1, weight_decay=math.nan),
        ValueError,
        ["weight_decay", "finite"],
    ),
    ("clip-zero", lambda: optim.clip(0.0), ValueError, ["max_delta", "positive", "0.0"]),
    ("clip-negative", lambda: optim.clip(-1.0), ValueError, ["max_delta", "-1.0"]),
    ("clip-string", lambda: optim.clip("1"), TypeError, ["max_delta", "'1'"]),
    (
        "clip-norm-nan",
        lambda: optim.clip_by_global_norm(math.nan),
        ValueError,
        ["max_norm", "finite"],
    ),
    ("clip-norm-zero", lambda: optim.clip_by_global_norm(0), ValueError, ["max_norm", "0"]),
    (
        "decayed-weights-negative",
        lambda: optim.add_decayed_weights(-0.1),
        ValueError,
        ["weight_decay", "-0.1"],
    ),
    (
        "decayed-weights-no-params",
        lambda: optim.add_decayed_weights(0.1).update(P, optim.add_decayed_weights(0.1).init(P)),
        ValueError,
        ["params", "None"],
    ),
    (
        "skip-not-an-optimizer",
        lambda: optim.skip_nonfinite(5),
        TypeError,
        ["optimizer", "init", "update", "5"],
    ),
    (
        "skip-a-factory",
        lambda: optim.skip_nonfinite(optim.adam),
        TypeError,
        ["optimizer", "skip_nonfinite(jaxnn.optim.adam(1e-3))"],
    ),
    # grads that do not match the params
    ("amsgrad-tree", _update(optim.amsgrad(0.1), [jnp.ones(3)]), TypeError, ["grads", "params"]),
    ("adamax-tree", _update(optim.adamax(0.1), {"v": jnp.ones(3)}), TypeError, ["grads"]),
    ("adadelta-tree", _update(optim.adadelta(), {"v": jnp.ones(3)}), TypeError, ["grads"]),
    ("lion-tree", _update(optim.lion(0.1), {"v": jnp.ones(3)}), TypeError, ["grads"]),
    # keras: lr and learning_rate, ranges
    (
        "keras-lr-twice",
        lambda: keras.SGD(lr=0.1, learning_rate=0.1),
        ValueError,
        ["`lr`", "`learning_rate`", "not both", "lr=0.1, learning_rate=0.1"],
    ),
    (
        "keras-adam-lr-twice",
        lambda: keras.Adam(0.001, learning_rate=0.01),
        ValueError,
        ["not both", "lr=0.001", "learning_rate=0.01"],
    ),
    ("keras-lr-negative", lambda: keras.SGD(lr=-0.1), ValueError, ["`lr`", "positive", "-0.1"]),
    (
        "keras-learning-rate-zero",
        lambda: keras.Adam(learning_rate=0.0),
        ValueError,
        ["`learning_rate`", "positive", "0.0"],
    ),
    ("keras-lr-string", lambda: keras.RMSprop(lr="0.1"), TypeError, ["`lr`", "'0.1'"]),
    (
        "keras-lr-schedule",
        lambda: keras.Adagrad(lr=lambda c: 0.1),
        TypeError,
        ["`lr`", "callable", "schedule"],
    ),
    (
        "keras-momentum-one",
        lambda: keras.SGD(lr=0.1, momentum=1.0),
        ValueError,
        ["momentum", "[0, 1)", "1.0"],
    ),
    ("keras-decay-negative", lambda: keras.SGD(decay=-0.1), ValueError, ["decay", "-0.1"]),
    ("keras-nesterov-string", lambda: keras.SGD(nesterov="yes"), TypeError, ["nesterov"]),
    ("keras-epsilon-negative", lambda: keras.Adagrad(epsilon=-1.0), ValueError, ["epsilon"]),
    ("keras-rho-one", lambda: keras.RMSprop(rho=1.0), ValueError, ["rho", "[0, 1)"]),
    ("keras-beta-2-one", lambda: keras.Adam(beta_2=1.0), ValueError, ["beta_2", "1.0"]),
    ("keras-beta-1-negative", lambda: keras.Adam(beta_1=-0.5), ValueError, ["beta_1", "-0.5"]),
    # validate
    (
        "validate-unknown-name",
        lambda: validate.run(["adamm"]),
        ValueError,
        ["unknown optimizer", "'adamm'", "adam", "keras.Adam"],
    ),
    ("validate-steps-zero", lambda: validate.run(steps=0), ValueError, ["steps", ">= 1", "0"]),
    ("validate-steps-float", lambda: validate.run(steps=2.5), TypeError, ["steps", "2.5"]),
    (
        "validate-dtype",
        lambda: validate.run(dtype="float16"),
        ValueError,
        ["dtype", "'float32'", "'float16'"],
    ),
    (
        "validate-reference",
        lambda: validate.compare(optim.sgd(0.1), "optax.sgd(0.1)"),
        TypeError,
        ["reference", "init", "update"],
    ),
    (
        "validate-rtol",
        lambda: validate.compare(optim.sgd(0.1), optim.sgd(0.1), rtol=0.0),
        ValueError,
        ["rtol", "positive"],
    ),
    ("validate-key", lambda: validate.random_problem("seed"), TypeError, ["key", "'seed'"]),
    ("closed-form-lr", lambda: validate.keras_adagrad_closed_form(lr=0.0), ValueError, ["lr"]),
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
