"""A sweep of bad input over the public API: each case a ValueError or TypeError naming the argument.

Never an AssertionError, a bare JAX trace error (one that does not name the argument) or a
silent NaN. The table CASES continues tests/test_bad_input_core.py (the core table: learning
rates, decay rates, trees, schedules, activations, models, losses) and
tests/test_bad_input_optim_family.py (the wider family, Keras, validate) without repeating them:
rows are ``(id, call(tmp) that must raise, expected class, words the message must contain)``
(``tmp`` is a scratch directory). The property tests below draw more cases with hypothesis:
bad learning rates and decay rates for every optimizer, mismatched loss shapes, non-callables
where a function is expected, unsupported parameter dtypes, NaN/inf anywhere in fit's data, and
empty arrays. None of them compiles anything (validation runs before any compilation).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from jaxnn import (
    activations,
    backprop,
    checkpoint,
    data,
    diagnostics,
    experiments,
    losses,
    nn,
    optim,
    parallel,
    surfaces,
    train,
    validate,
)
from jaxnn.optim import keras, schedules

K = jax.random.key(0)
MLP = nn.init_mlp(K, [2, 3, 1])
X, Y = jnp.ones((4, 2)), jnp.ones((4, 1))
LP = {"w": jnp.zeros(2)}  # a linear model for fit
XL, YL = jnp.ones((4, 2)), jnp.ones(4)
P3 = {"w": jnp.ones(3)}


def lin(params, xb, yb):
    return jnp.mean((xb @ params["w"] - yb) ** 2)


def _fit(**kwargs):
    args = dict(loss_fn=lin, params=LP, optimizer=optim.sgd(0.1), x=XL, y=YL, progress=False)
    args.update(kwargs)
    positional = [args.pop(k) for k in ("loss_fn", "params", "optimizer", "x", "y")]
    return train.fit(*positional, **args)


def _update(opt, grads, state=None, params=P3):
    return opt.update(grads, opt.init(params) if state is None else state, params)


def _sum_mlp(params, x, y):
    del y
    return jnp.sum(nn.mlp(params, x))


CASES = [
    # activations: x must be real numbers; hyperparameters finite
    (
        "act-complex",
        lambda t: activations.sigmoid(jnp.ones(2, jnp.complex64)),
        TypeError,
        ["`x`", "real", "complex64"],
    ),
    ("act-string", lambda t: activations.tanh("x"), TypeError, ["`x`", "numbers", "'x'"]),
    (
        "act-derivative-complex",
        lambda t: activations.relu_derivative(1j),
        TypeError,
        ["`x`", "real"],
    ),
    (
        "leaky-slope-nan",
        lambda t: activations.leaky_relu(jnp.ones(2), negative_slope=math.nan),
        ValueError,
        ["`negative_slope`", "finite", "nan"],
    ),
    (
        "leaky-slope-string",
        lambda t: activations.leaky_relu_derivative(jnp.ones(2), "a"),
        TypeError,
        ["`negative_slope`", "'a'"],
    ),
    (
        "elu-alpha-inf",
        lambda t: activations.elu(jnp.ones(2), alpha=math.inf),
        ValueError,
        ["`alpha`", "finite", "inf"],
    ),
    (
        "elu-derivative-alpha-nan",
        lambda t: activations.elu_derivative(jnp.ones(2), math.nan),
        ValueError,
        ["`alpha`", "nan"],
    ),
    (
        "gelu-approximate-string",
        lambda t: activations.gelu(jnp.ones(2), approximate="yes"),
        TypeError,
        ["`approximate`", "True or False", "'yes'"],
    ),
    (
        "derivative-unknown",
        lambda t: activations.derivative("foo"),
        ValueError,
        ["`activation`", "'foo'", "sigmoid"],
    ),
    ("get-none", lambda t: activations.get(None), TypeError, ["`activation`", "None"]),
    # nn
    (
        "mlp-params-dict",
        lambda t: nn.mlp({"w": jnp.ones((2, 1))}, X),
        TypeError,
        ["`params`", "list of layers", "dict"],
    ),
    ("mlp-params-empty", lambda t: nn.mlp([], X), TypeError, ["`params`", "non-empty"]),
    (
        "mlp-w-vector",
        lambda t: nn.mlp([{"w": jnp.ones(2)}], X),
        ValueError,
        ["`params[0]['w']`", "2-D", "(2,)"],
    ),
    (
        "mlp-b-shape",
        lambda t: nn.mlp([{"w": jnp.ones((2, 1)), "b": jnp.ones(2)}], X),
        ValueError,
        ["`params[0]['b']`", "(1,)", "(2,)"],
    ),
    (
        "mlp-layers-do-not-chain",
        lambda t: nn.mlp([{"w": jnp.ones((2, 3))}, {"w": jnp.ones((2, 1))}], X),
        ValueError,
        ["`params[1]['w']`", "2 inputs", "gives 3"],
    ),
    (
        "mlp-int-weights",
        lambda t: nn.mlp([{"w": jnp.ones((2, 1), jnp.int32)}], X),
        TypeError,
        ["`params[0]['w']`", "floating", "int32"],
    ),
    (
        "mlp-x-rank-3",
        lambda t: nn.mlp(MLP, jnp.ones((1, 1, 2))),
        ValueError,
        ["`x`", "(batch, features)", "(1, 1, 2)"],
    ),
    ("mlp-x-string", lambda t: nn.mlp(MLP, "abc"), TypeError, ["`x`", "numbers", "'abc'"]),
    (
        "mlp-x-complex",
        lambda t: nn.mlp(MLP, jnp.ones(2, jnp.complex64)),
        TypeError,
        ["`x`", "real", "complex64"],
    ),
    (
        "mlp-output-activation",
        lambda t: nn.mlp(MLP, X, output_activation="sofmax"),
        ValueError,
        ["`output_activation`", "'sofmax'"],
    ),
    (
        "init-key-none",
        lambda t: nn.init_mlp(None, [2, 1]),
        TypeError,
        ["`key`", "None", "jax.random.key"],
    ),
    ("init-sizes-none", lambda t: nn.init_mlp(K, None), TypeError, ["`sizes`", "None"]),
    (
        "init-sizes-bool",
        lambda t: nn.init_mlp(K, [2, True]),
        TypeError,
        ["`sizes[1]`", "integer", "True"],
    ),
    (
        "init-bias-string",
        lambda t: nn.init_mlp(K, [2, 1], bias="no"),
        TypeError,
        ["`bias`", "'no'"],
    ),
    (
        "init-scale-negative",
        lambda t: nn.init_mlp(K, [2, 1], init="normal", scale=-1.0),
        ValueError,
        ["`scale`", "positive", "-1.0"],
    ),
    (
        "init-init-number",
        lambda t: nn.init_mlp(K, [2, 1], init=3),
        TypeError,
        ["`init`", "callable", "init=3"],
    ),
    (
        "init-dtype-unknown",
        lambda t: nn.init_mlp(K, [2, 1], dtype="float99"),
        TypeError,
        ["`dtype`", "floating", "'float99'"],
    ),
    (
        "init-dtype-complex",
        lambda t: nn.init_mlp(K, [2, 1], dtype=jnp.complex64),
        TypeError,
        ["`dtype`", "floating", "complex64"],
    ),
    (
        "init-dtype-bool",
        lambda t: nn.init_mlp(K, [2, 1], dtype=bool),
        TypeError,
        ["`dtype`", "bool"],
    ),
    # losses
    ("mse-string", lambda t: losses.mse("a", "b"), TypeError, ["`predictions`", "numbers", "'a'"]),
    (
        "mse-empty",
        lambda t: losses.mse(jnp.ones(0), jnp.ones(0)),
        ValueError,
        ["`predictions`", "empty", "NaN"],
    ),
    (
        "bce-eps-negative",
        lambda t: losses.binary_cross_entropy(jnp.full(2, 0.5), jnp.ones(2), eps=-0.1),
        ValueError,
        ["`eps`", "[0, 0.5)", "-0.1"],
    ),
    (
        "bce-eps-too-big",
        lambda t: losses.binary_cross_entropy(jnp.full(2, 0.5), jnp.ones(2), eps=0.7),
        ValueError,
        ["`eps`", "0.7"],
    ),
    (
        "bce-eps-nan",
        lambda t: losses.binary_cross_entropy(jnp.full(2, 0.5), jnp.ones(2), eps=math.nan),
        ValueError,
        ["`eps`", "finite"],
    ),
    (
        "bce-complex-targets",
        lambda t: losses.binary_cross_entropy(jnp.full(2, 0.5), jnp.ones(2, jnp.complex64)),
        TypeError,
        ["`targets`", "real"],
    ),
    (
        "sigmoid-bce-empty",
        lambda t: losses.sigmoid_binary_cross_entropy(jnp.ones((0, 1)), jnp.ones((0, 1))),
        ValueError,
        ["`logits`", "empty"],
    ),
    (
        "ce-scalar-logits",
        lambda t: losses.softmax_cross_entropy(jnp.ones(()), jnp.array(0)),
        ValueError,
        ["`logits`", "class axis"],
    ),
    (
        "ce-int-labels-shape",
        lambda t: losses.softmax_cross_entropy(jnp.ones((2, 3)), jnp.array([0, 1, 2])),
        ValueError,
        ["`labels`", "(2,)", "(3,)"],
    ),
    (
        "ce-one-hot-shape",
        lambda t: losses.softmax_cross_entropy(jnp.ones((2, 3)), jnp.ones((2, 4))),
        ValueError,
        ["`labels`", "(2, 3)", "(2, 4)"],
    ),
    (
        "ce-label-too-big",
        lambda t: losses.softmax_cross_entropy(jnp.ones((2, 3)), jnp.array([0, 5])),
        ValueError,
        ["`labels`", "[0, 3)", "5"],
    ),
    (
        "ce-label-negative",
        lambda t: losses.softmax_cross_entropy(jnp.ones((2, 3)), jnp.array([0, -1])),
        ValueError,
        ["`labels`", "-1"],
    ),
    (
        "ce-complex-logits",
        lambda t: losses.softmax_cross_entropy(jnp.ones((2, 3), jnp.complex64), jnp.array([0, 1])),
        TypeError,
        ["`logits`", "real"],
    ),
    (
        "accuracy-labels-shape",
        lambda t: losses.accuracy(jnp.ones((2, 3)), jnp.array([0, 1, 2])),
        ValueError,
        ["`labels`", "(2,)", "(3,)"],
    ),
    (
        "accuracy-binary-size",
        lambda t: losses.accuracy(jnp.ones(3), jnp.array([0, 1])),
        ValueError,
        ["`predictions`", "`labels`", "same number"],
    ),
    (
        "accuracy-threshold-string",
        lambda t: losses.accuracy(jnp.ones(3), jnp.ones(3), threshold="a"),
        TypeError,
        ["`threshold`", "'a'"],
    ),
    (
        "accuracy-threshold-nan",
        lambda t: losses.accuracy(jnp.ones(3), jnp.ones(3), threshold=math.nan),
        ValueError,
        ["`threshold`", "finite"],
    ),
    (
        "accuracy-empty",
        lambda t: losses.accuracy(jnp.ones(0), jnp.ones(0)),
        ValueError,
        ["`predictions`", "empty"],
    ),
    # optimizers: leaf shapes, states, params
    (
        "grads-leaf-shape",
        lambda t: _update(optim.adam(0.1), {"w": jnp.ones(4)}),
        ValueError,
        ["`grads`", "['w']", "(4,)", "(3,)"],
    ),
    (
        "grads-leaf-shape-lion",
        lambda t: _update(optim.lion(0.1), {"w": jnp.ones((3, 1))}),
        ValueError,
        ["`grads`", "(3, 1)"],
    ),
    (
        "state-of-another-optimizer",
        lambda t: _update(optim.adam(0.1), P3, optim.sgd(0.1).init(P3)),
        TypeError,
        ["`state`", "AdamState", "SgdState"],
    ),
    (
        "state-none",
        lambda t: _update(optim.rmsprop(0.1), P3, state=()),
        TypeError,
        ["`state`", "RmspropState", "tuple"],
    ),
    (
        "state-wrong-sgd",
        lambda t: _update(optim.sgd(0.1, 0.9), P3, optim.adagrad(0.1).init(P3)),
        TypeError,
        ["`state`", "SgdState", "AdagradState"],
    ),
    (
        "state-wrong-skip",
        lambda t: _update(optim.skip_nonfinite(optim.sgd(0.1)), P3, optim.sgd(0.1).init(P3)),
        TypeError,
        ["`state`", "SkipNonfiniteState"],
    ),
    (
        "state-wrong-adadelta",
        lambda t: _update(optim.adadelta(), P3, optim.adamax(0.1).init(P3)),
        TypeError,
        ["`state`", "AdadeltaState", "AdamaxState"],
    ),
    (
        "params-bool",
        lambda t: optim.adam(0.1).init({"w": jnp.array([True])}),
        TypeError,
        ["`params`", "['w']", "bool"],
    ),
    (
        "params-complex",
        lambda t: optim.nadam(0.1).init({"w": jnp.ones(2, jnp.complex64)}),
        TypeError,
        ["`params`", "['w']", "complex64", "real"],
    ),
    (
        "params-string",
        lambda t: optim.amsgrad(0.1).init({"w": "abc"}),
        TypeError,
        ["`params`", "['w']", "'abc'"],
    ),
    ("learning-rate-complex", lambda t: optim.sgd(1j), TypeError, ["`learning_rate`", "1j"]),
    ("learning-rate-list", lambda t: optim.nadam([0.1]), TypeError, ["`learning_rate`", "[0.1]"]),
    (
        "momentum-string",
        lambda t: optim.sgd(0.1, momentum="0.9"),
        TypeError,
        ["`momentum`", "'0.9'"],
    ),
    ("b1-nan", lambda t: optim.adam(0.1, b1=math.nan), ValueError, ["`b1`", "finite"]),
    ("decay-string", lambda t: optim.rmsprop(0.1, decay="a"), TypeError, ["`decay`", "'a'"]),
    (
        "chain-state-not-tuple",
        lambda t: optim.chain(optim.sgd(0.1)).update(P3, "x"),
        TypeError,
        ["`state`", "tuple", "str"],
    ),
    (
        "apply-updates-leaf-shape",
        lambda t: optim.apply_updates(P3, {"w": jnp.ones(4)}),
        ValueError,
        ["`updates`", "['w']", "(4,)", "(3,)"],
    ),
    (
        "apply-updates-none",
        lambda t: optim.apply_updates(P3, None),
        TypeError,
        ["`updates`", "`params`", "tree structure"],
    ),
    (
        "global-norm-string",
        lambda t: optim.global_norm({"a": "x"}),
        TypeError,
        ["`tree['a']`", "'x'"],
    ),
    (
        "safe-increment-float",
        lambda t: optim.safe_increment(jnp.array(1.0)),
        TypeError,
        ["`count`", "integer", "float32"],
    ),
    (
        "adamw-mask-callable-not-bool",
        lambda t: _update(optim.adamw(0.1, mask=lambda p: 3), P3),
        TypeError,
        ["`mask`", "True or False", "3"],
    ),
    (
        "adamw-needs-params",
        lambda t: optim.adamw(0.1).update(P3, optim.adamw(0.1).init(P3)),
        ValueError,
        ["params", "None"],
    ),
    (
        "lion-decay-needs-params",
        lambda t: optim.lion(0.1, weight_decay=0.1).update(P3, optim.lion(0.1).init(P3)),
        ValueError,
        ["params", "None"],
    ),
    # keras
    (
        "keras-sgd-momentum-string",
        lambda t: keras.SGD(momentum="0.9"),
        TypeError,
        ["`momentum`", "'0.9'"],
    ),
    (
        "keras-adam-decay-nan",
        lambda t: keras.Adam(decay=math.nan),
        ValueError,
        ["`decay`", "finite"],
    ),
    (
        "keras-adagrad-learning-rate",
        lambda t: keras.Adagrad(learning_rate=-1.0),
        ValueError,
        ["`learning_rate`", "positive", "-1.0"],
    ),
    (
        "keras-rmsprop-epsilon-string",
        lambda t: keras.RMSprop(epsilon="a"),
        TypeError,
        ["`epsilon`", "'a'"],
    ),
    (
        "keras-epsilon-hat-beta",
        lambda t: keras.epsilon_hat(1e-7, 1.0),
        ValueError,
        ["`beta_2`", "[0, 1)"],
    ),
    # schedules
    (
        "schedule-constant-negative",
        lambda t: schedules.constant(-1.0),
        ValueError,
        ["`value`", "positive", "-1.0"],
    ),
    (
        "schedule-exp-rate-zero",
        lambda t: schedules.exponential_decay(0.1, 10, 0.0),
        ValueError,
        ["`decay_rate`", "positive"],
    ),
    (
        "schedule-exp-begin-negative",
        lambda t: schedules.exponential_decay(0.1, 10, 0.5, transition_begin=-1),
        ValueError,
        ["`transition_begin`", ">= 0", "-1"],
    ),
    (
        "schedule-exp-steps-beyond-int32",
        lambda t: schedules.exponential_decay(0.1, 2**31, 0.5),
        ValueError,
        ["`transition_steps`", "2**31 - 1", "2147483648"],
    ),
    (
        "schedule-exp-staircase-string",
        lambda t: schedules.exponential_decay(0.1, 10, 0.5, staircase="y"),
        TypeError,
        ["`staircase`", "'y'"],
    ),
    (
        "schedule-exp-end-negative",
        lambda t: schedules.exponential_decay(0.1, 10, 0.5, end_value=-1.0),
        ValueError,
        ["`end_value`", "-1.0"],
    ),
    (
        "schedule-cosine-alpha-negative",
        lambda t: schedules.cosine_decay(0.1, 10, alpha=-0.5),
        ValueError,
        ["`alpha`", "-0.5"],
    ),
    (
        "schedule-cosine-exponent-nan",
        lambda t: schedules.cosine_decay(0.1, 10, exponent=math.nan),
        ValueError,
        ["`exponent`", "finite"],
    ),
    (
        "schedule-linear-steps-float",
        lambda t: schedules.linear(0.1, 0.0, 1.5),
        TypeError,
        ["`transition_steps`", "integer", "1.5"],
    ),
    (
        "schedule-linear-init-negative",
        lambda t: schedules.linear(-0.1, 0.0, 10),
        ValueError,
        ["`init_value`", "-0.1"],
    ),
    (
        "schedule-linear-begin-beyond-int32",
        lambda t: schedules.linear(0.1, 0.0, 10, 2**40),
        ValueError,
        ["`transition_begin`", "int32"],
    ),
    (
        "schedule-warmup-peak-zero",
        lambda t: schedules.warmup_cosine_decay(0.0, 0.0, 1, 10),
        ValueError,
        ["`peak_value`", "positive"],
    ),
    (
        "schedule-piecewise-list",
        lambda t: schedules.piecewise_constant(0.1, [(1, 0.5)]),
        TypeError,
        ["`boundaries_and_scales`", "dict", "list"],
    ),
    (
        "schedule-piecewise-scale-negative",
        lambda t: schedules.piecewise_constant(0.1, {1: -0.5}),
        ValueError,
        ["`boundaries_and_scales[1]`", "-0.5"],
    ),
    (
        "schedule-piecewise-boundary-float",
        lambda t: schedules.piecewise_constant(0.1, {1.5: 0.5}),
        TypeError,
        ["`boundaries_and_scales key`", "1.5"],
    ),
    (
        "schedule-piecewise-boundary-huge",
        lambda t: schedules.piecewise_constant(0.1, {2**31: 0.5}),
        ValueError,
        ["`boundaries_and_scales key`", "2**31 - 1"],
    ),
    (
        "schedule-inverse-rate-string",
        lambda t: schedules.inverse_time_decay(0.1, "a"),
        TypeError,
        ["`decay_rate`", "'a'"],
    ),
    # data
    ("two-moons-key-int", lambda t: data.two_moons(0), TypeError, ["`key`", "got 0"]),
    ("two-moons-n-zero", lambda t: data.two_moons(K, n=0), ValueError, ["`n`", "n=0"]),
    (
        "two-moons-noise-negative",
        lambda t: data.two_moons(K, noise=-0.1),
        ValueError,
        ["`noise`", "-0.1"],
    ),
    ("two-moons-n-float", lambda t: data.two_moons(K, n=2.5), TypeError, ["`n`", "2.5"]),
    (
        "spirals-classes-zero",
        lambda t: data.spirals(K, classes=0),
        ValueError,
        ["`classes`", "classes=0"],
    ),
    (
        "spirals-noise-nan",
        lambda t: data.spirals(K, noise=math.nan),
        ValueError,
        ["`noise`", "finite"],
    ),
    (
        "blobs-centers-zero",
        lambda t: data.blobs(K, centers=0),
        ValueError,
        ["`centers`", "centers=0"],
    ),
    ("blobs-centers-string", lambda t: data.blobs(K, centers="a"), TypeError, ["`centers`", "'a'"]),
    (
        "blobs-features-zero",
        lambda t: data.blobs(K, features=0),
        ValueError,
        ["`features`", "features=0"],
    ),
    (
        "blobs-spread-negative",
        lambda t: data.blobs(K, spread=-1.0),
        ValueError,
        ["`spread`", "-1.0"],
    ),
    (
        "blobs-box-reversed",
        lambda t: data.blobs(K, box=(1.0, -1.0)),
        ValueError,
        ["box", "low < high"],
    ),
    (
        "regression-features-zero",
        lambda t: data.regression(K, features=0),
        ValueError,
        ["`features`"],
    ),
    (
        "regression-noise-negative",
        lambda t: data.regression(K, noise=-1.0),
        ValueError,
        ["`noise`", "-1.0"],
    ),
    ("standardize-string", lambda t: data.standardize("a"), TypeError, ["`x`", "'a'"]),
    (
        "standardize-complex",
        lambda t: data.standardize(jnp.ones((2, 2), jnp.complex64)),
        TypeError,
        ["`x`", "real"],
    ),
    (
        "standardize-empty",
        lambda t: data.standardize(jnp.ones((0, 3))),
        ValueError,
        ["`x`", "no rows", "(0, 3)"],
    ),
    (
        "standardize-nan",
        lambda t: data.standardize(jnp.array([[jnp.nan, 1.0], [1.0, 2.0]])),
        ValueError,
        ["`x`", "finite", "1 of its 4"],
    ),
    (
        "standardize-reference-inf",
        lambda t: data.standardize(jnp.ones((2, 2)), jnp.full((2, 2), jnp.inf)),
        ValueError,
        ["`reference`", "finite"],
    ),
    (
        "standardize-reference-columns",
        lambda t: data.standardize(jnp.ones((2, 2)), jnp.ones((2, 3))),
        ValueError,
        ["`reference`", "(2, 3)"],
    ),
    (
        "standardize-eps-negative",
        lambda t: data.standardize(jnp.ones((2, 2)), eps=-1.0),
        ValueError,
        ["`eps`", "-1.0"],
    ),
    (
        "split-fraction-one",
        lambda t: data.train_test_split(K, X, Y, test_fraction=1.0),
        ValueError,
        ["`test_fraction`", "(0, 1)"],
    ),
    (
        "split-fraction-nan",
        lambda t: data.train_test_split(K, X, Y, test_fraction=math.nan),
        ValueError,
        ["`test_fraction`", "finite"],
    ),
    (
        "split-lengths",
        lambda t: data.train_test_split(K, X, Y[:3]),
        ValueError,
        ["`x`", "`y`", "(4, 2)", "(3, 1)"],
    ),
    ("split-key-string", lambda t: data.train_test_split("k", X, Y), TypeError, ["`key`", "'k'"]),
    (
        "split-shuffle-string",
        lambda t: data.train_test_split(K, X, Y, shuffle="no"),
        TypeError,
        ["`shuffle`", "'no'"],
    ),
    (
        "epoch-order-no-key",
        lambda t: data.epoch_order(None, 3),
        ValueError,
        ["`key`", "shuffle=False"],
    ),
    ("epoch-order-key-int", lambda t: data.epoch_order(3, 3), TypeError, ["`key`", "got 3"]),
    (
        "minibatch-size-too-big",
        lambda t: data.minibatch_indices(K, 3, 5),
        ValueError,
        ["`batch_size`", "n=3", "5"],
    ),
    (
        "minibatch-size-float",
        lambda t: data.minibatch_indices(K, 3, 1.5),
        TypeError,
        ["`batch_size`", "1.5"],
    ),
    # backprop
    ("backprop-params-string", lambda t: backprop.forward("x", X), TypeError, ["`params`", "str"]),
    (
        "backprop-x-features",
        lambda t: backprop.forward(MLP, jnp.ones((4, 5))),
        ValueError,
        ["`x`", "5 features", "expects 2"],
    ),
    ("backprop-x-string", lambda t: backprop.forward(MLP, "ab"), TypeError, ["`x`", "'ab'"]),
    (
        "backprop-x-empty",
        lambda t: backprop.value_and_grad(MLP, jnp.ones((0, 2)), jnp.ones((0, 1))),
        ValueError,
        ["`x`", "empty", "(0, 2)"],
    ),
    (
        "backprop-loss-unknown",
        lambda t: backprop.value_and_grad(MLP, X, Y, loss="hinge"),
        ValueError,
        ["`loss`", "'hinge'", "'mse'"],
    ),
    (
        "backprop-y-shape",
        lambda t: backprop.value_and_grad(MLP, X, jnp.ones((4, 2))),
        ValueError,
        ["`y`", "(4, 1)", "(4, 2)"],
    ),
    (
        "backprop-y-complex",
        lambda t: backprop.value_and_grad(MLP, X, jnp.ones((4, 1), jnp.complex64)),
        TypeError,
        ["`y`", "real"],
    ),
    ("backprop-y-string", lambda t: backprop.grad(MLP, X, "y"), TypeError, ["`y`", "'y'"]),
    (
        "backprop-bce-needs-sigmoid",
        lambda t: backprop.value_and_grad(MLP, X, Y, loss="bce", output_activation="tanh"),
        ValueError,
        ["loss='bce'", "output_activation='tanh'", "sigmoid"],
    ),
    (
        "backprop-label-out-of-range",
        lambda t: backprop.value_and_grad(
            nn.init_mlp(K, [2, 3]),
            X,
            jnp.array([0, 1, 2, 7]),
            loss="softmax_ce",
            output_activation="softmax",
        ),
        ValueError,
        ["`y`", "[0, 3)", "7"],
    ),
    (
        "backprop-grad-output-shape",
        lambda t: backprop.backward(MLP, backprop.forward(MLP, X)[1], jnp.ones((4, 3))),
        ValueError,
        ["`grad_output`", "(4, 1)", "(4, 3)"],
    ),
    # diagnostics
    (
        "grad-norms-loss-string",
        lambda t: diagnostics.layer_grad_norms("x", MLP, X, Y),
        TypeError,
        ["`loss_fn`", "callable", "'x'"],
    ),
    (
        "grad-norms-params-dict",
        lambda t: diagnostics.layer_grad_norms(_sum_mlp, {"w": jnp.ones(2)}, X, Y),
        TypeError,
        ["`params`", "dict"],
    ),
    (
        "grad-norms-bias-string",
        lambda t: diagnostics.layer_grad_norms(_sum_mlp, MLP, X, Y, bias="yes"),
        TypeError,
        ["`bias`", "'yes'"],
    ),
    (
        "grad-norms-loss-not-scalar",
        lambda t: diagnostics.layer_grad_norms(lambda p, x, y: nn.mlp(p, x), MLP, X, Y),
        TypeError,
        ["`loss_fn`", "scalar", "(4, 1)"],
    ),
    (
        "derivatives-name-unknown",
        lambda t: diagnostics.activation_derivatives(["foo"]),
        ValueError,
        ["`names`", "'foo'"],
    ),
    (
        "derivatives-num-one",
        lambda t: diagnostics.activation_derivatives(num=1),
        ValueError,
        ["`num`", ">= 2"],
    ),
    (
        "derivatives-lo-above-hi",
        lambda t: diagnostics.activation_derivatives(lo=1.0, hi=-1.0),
        ValueError,
        ["hi - lo", "lo < hi"],
    ),
    (
        "derivatives-points-string",
        lambda t: diagnostics.activation_derivatives(points="abc"),
        TypeError,
        ["`points`", "'abc'"],
    ),
    (
        "derivatives-points-nan",
        lambda t: diagnostics.activation_derivatives(points=[math.nan]),
        ValueError,
        ["`points`", "finite", "nan"],
    ),
    (
        "vanishing-depth-zero",
        lambda t: diagnostics.vanishing_gradients(key=K, depths=[0]),
        ValueError,
        ["`depths[0]`", ">= 1"],
    ),
    (
        "vanishing-width-float",
        lambda t: diagnostics.vanishing_gradients(key=K, width=2.5),
        TypeError,
        ["`width`", "2.5"],
    ),
    (
        "vanishing-seeds-zero",
        lambda t: diagnostics.vanishing_gradients(key=K, seeds=0),
        ValueError,
        ["`seeds`", ">= 1"],
    ),
    (
        "vanishing-no-activations",
        lambda t: diagnostics.vanishing_gradients(key=K, activations=[]),
        TypeError,
        ["`activations`", "non-empty"],
    ),
    (
        "vanishing-init-unknown",
        lambda t: diagnostics.vanishing_gradients(key=K, init="xavier"),
        ValueError,
        ["`init`", "'xavier'"],
    ),
    (
        "depth-comparison-lr",
        lambda t: diagnostics.train_depth_comparison(key=K, learning_rate=-0.1),
        ValueError,
        ["`learning_rate`", "-0.1"],
    ),
    (
        "depth-comparison-epochs",
        lambda t: diagnostics.train_depth_comparison(key=K, epochs=0),
        ValueError,
        ["`epochs`", ">= 1"],
    ),
    (
        "depth-comparison-optimizer",
        lambda t: diagnostics.train_depth_comparison(key=K, optimizer="adam"),
        TypeError,
        ["`optimizer`", "'adam'"],
    ),
    # surfaces
    (
        "surface-x-shape",
        lambda t: surfaces.rosenbrock(jnp.ones(3)),
        ValueError,
        ["`x`", "(..., 2)", "(3,)"],
    ),
    ("surface-x-string", lambda t: surfaces.beale("ab"), TypeError, ["`x`", "'ab'"]),
    (
        "surface-x-complex",
        lambda t: surfaces.saddle(jnp.ones(2, jnp.complex64)),
        TypeError,
        ["`x`", "real"],
    ),
    (
        "rosenbrock-a-nan",
        lambda t: surfaces.rosenbrock(jnp.ones(2), a=math.nan),
        ValueError,
        ["`a`", "finite"],
    ),
    (
        "rosenbrock-b-string",
        lambda t: surfaces.rosenbrock(jnp.ones(2), b="a"),
        TypeError,
        ["`b`", "'a'"],
    ),
    (
        "surface-unknown",
        lambda t: surfaces.get("banana"),
        ValueError,
        ["`surface`", "'banana'", "rosenbrock"],
    ),
    (
        "path-f-string",
        lambda t: surfaces.optimize_path("f", optim.sgd(0.1), jnp.ones(2), 5),
        TypeError,
        ["`f`", "callable"],
    ),
    (
        "path-optimizer-string",
        lambda t: surfaces.optimize_path(surfaces.saddle, "sgd", jnp.ones(2), 5),
        TypeError,
        ["`optimizer`", "init", "'sgd'"],
    ),
    (
        "path-x0-shape",
        lambda t: surfaces.optimize_path(surfaces.saddle, optim.sgd(0.1), jnp.ones(3), 5),
        ValueError,
        ["`x0`", "(2,)", "(3,)"],
    ),
    (
        "path-x0-nan",
        lambda t: surfaces.optimize_path(
            surfaces.saddle, optim.sgd(0.1), jnp.array([jnp.nan, 1.0]), 5
        ),
        ValueError,
        ["`x0`", "finite"],
    ),
    (
        "path-steps-zero",
        lambda t: surfaces.optimize_path(surfaces.saddle, optim.sgd(0.1), jnp.ones(2), 0),
        ValueError,
        ["`steps`", ">= 1"],
    ),
    (
        "path-f-not-scalar",
        lambda t: surfaces.optimize_path(lambda x: x, optim.sgd(0.1), jnp.ones(2), 5),
        TypeError,
        ["`f`", "scalar", "(2,)"],
    ),
    (
        "first-exit-path-shape",
        lambda t: surfaces.first_exit(jnp.ones(3), [[0, 1], [0, 1]]),
        ValueError,
        ["`path`", "(n, 2)", "(3,)"],
    ),
    (
        "first-exit-bounds-order",
        lambda t: surfaces.first_exit(jnp.ones((3, 2)), [[1, 0], [0, 1]]),
        ValueError,
        ["`bounds`", "lo < hi"],
    ),
    (
        "first-exit-bounds-string",
        lambda t: surfaces.first_exit(jnp.ones((3, 2)), "ab"),
        TypeError,
        ["`bounds`", "'ab'"],
    ),
    # checkpoint
    (
        "save-path-int",
        lambda t: checkpoint.save(3, {"a": jnp.ones(1)}),
        TypeError,
        ["`path`", "path=3"],
    ),
    (
        "save-path-directory",
        lambda t: checkpoint.save(t, {"a": jnp.ones(1)}),
        ValueError,
        ["`path`", "directory"],
    ),
    (
        "save-function-leaf",
        lambda t: checkpoint.save(t / "f", {"a": len}),
        TypeError,
        ["`tree`", "builtin_function_or_method", "['a']"],
    ),
    (
        "save-complex128-leaf",
        lambda t: checkpoint.save(t / "c", {"a": np.ones(2, np.complex128)}),
        TypeError,
        ["`tree`", "['a']", "complex128"],
    ),
    (
        "save-string-array",
        lambda t: checkpoint.save(t / "s", {"a": np.array(["s"])}),
        TypeError,
        ["`tree`", "['a']", "<U1"],
    ),
    (
        "save-object-array",
        lambda t: checkpoint.save(t / "o", {"a": np.array([None])}),
        TypeError,
        ["`tree`", "object"],
    ),
    (
        "save-int-dict-key",
        lambda t: checkpoint.save(t / "k", {1: jnp.ones(1)}),
        TypeError,
        ["`tree`", "keys must be strings"],
    ),
    (
        "save-metadata-list",
        lambda t: checkpoint.save(t / "m", {"a": jnp.ones(1)}, metadata=[1]),
        TypeError,
        ["`metadata`", "dict", "list"],
    ),
    ("load-path-int", lambda t: checkpoint.load(3), TypeError, ["`path`", "path=3"]),
    ("load-directory", lambda t: checkpoint.load(t), ValueError, ["`path`", "directory"]),
    ("metadata-directory", lambda t: checkpoint.metadata(t), ValueError, ["`path`", "directory"]),
    # parallel
    ("mesh-zero-devices", lambda t: parallel.data_mesh(0), ValueError, ["`devices`", "0 devices"]),
    (
        "mesh-too-many-devices",
        lambda t: parallel.data_mesh(10_000),
        ValueError,
        ["`devices`", "10000", "xla_force_host_platform_device_count"],
    ),
    ("mesh-devices-string", lambda t: parallel.data_mesh("cpu"), TypeError, ["`devices`", "'cpu'"]),
    ("mesh-axis-int", lambda t: parallel.data_mesh(axis_name=3), TypeError, ["`axis_name`", "3"]),
    (
        "sharding-mesh-string",
        lambda t: parallel.batch_sharding("mesh"),
        TypeError,
        ["`mesh`", "Mesh", "str"],
    ),
    (
        "sharding-axis-unknown",
        lambda t: parallel.batch_sharding(parallel.data_mesh(), "model"),
        ValueError,
        ["`axis_name`", "'model'", "('data',)"],
    ),
    (
        "divisible-batch-float",
        lambda t: parallel.check_batch_divisible(2.5, parallel.data_mesh(1)),
        TypeError,
        ["`batch_size`", "integer", "2.5"],
    ),
    (
        "shard-scalar",
        lambda t: parallel.shard_batch(jnp.ones(()), parallel.data_mesh(1)),
        ValueError,
        ["batch axis", "scalar"],
    ),
    (
        "replicate-mesh-none",
        lambda t: parallel.replicate({"a": jnp.ones(2)}, None),
        TypeError,
        ["`mesh`", "NoneType"],
    ),
    # validate
    (
        "compare-optimizer-string",
        lambda t: validate.compare("sgd", optim.sgd(0.1)),
        TypeError,
        ["`optimizer`", "init", "'sgd'"],
    ),
    (
        "compare-steps-zero",
        lambda t: validate.compare(optim.sgd(0.1), optim.sgd(0.1), steps=0),
        ValueError,
        ["`steps`", ">= 1"],
    ),
    (
        "compare-atol-negative",
        lambda t: validate.compare(optim.sgd(0.1), optim.sgd(0.1), atol=-1.0),
        ValueError,
        ["`atol`", "-1.0"],
    ),
    (
        "compare-problem-string",
        lambda t: validate.compare(optim.sgd(0.1), optim.sgd(0.1), problem="p"),
        TypeError,
        ["`problem`", "callable", "'p'"],
    ),
    ("run-names-string", lambda t: validate.run("adam"), TypeError, ["`names`", "['adam']"]),
    (
        "random-problem-int-dtype",
        lambda t: validate.random_problem(0, "int32"),
        ValueError,
        ["`dtype`", "'float32'", "'int32'"],
    ),
    (
        "random-problem-dtype-unknown",
        lambda t: validate.random_problem(0, "foo"),
        TypeError,
        ["`dtype`", "'foo'"],
    ),
    (
        "random-problem-key-negative",
        lambda t: validate.random_problem(-1),
        ValueError,
        ["`key`", ">= 0", "-1"],
    ),
    (
        "closed-form-epsilon",
        lambda t: validate.keras_adagrad_closed_form(epsilon=-1.0),
        ValueError,
        ["`epsilon`", "-1.0"],
    ),
    (
        "closed-form-decay-nan",
        lambda t: validate.keras_adagrad_closed_form(decay=math.nan),
        ValueError,
        ["`decay`", "finite"],
    ),
    # experiments
    (
        "xor-rule",
        lambda t: experiments.xor_book(rule="foo", epochs=1),
        ValueError,
        ["`rule`", "'foo'", "'book'"],
    ),
    ("xor-epochs-zero", lambda t: experiments.xor_book(epochs=0), ValueError, ["`epochs`", ">= 1"]),
    (
        "xor-lr-negative",
        lambda t: experiments.xor_book(lr=-0.1, epochs=1),
        ValueError,
        ["`lr`", "-0.1"],
    ),
    (
        "xor-momentum-one",
        lambda t: experiments.xor_book(rule="momentum", momentum=1.0, epochs=1),
        ValueError,
        ["`momentum`", "[0, 1)"],
    ),
    (
        "xor-method",
        lambda t: experiments.xor_book(method="auto", epochs=1),
        ValueError,
        ["`method`", "'auto'"],
    ),
    (
        "xor-activation",
        lambda t: experiments.xor_book(activation="foo", epochs=1),
        ValueError,
        ["`activation`", "'foo'"],
    ),
    (
        "xor-activation-callable",
        lambda t: experiments.xor_book(activation=jnp.tanh, epochs=1),
        TypeError,
        ["`activation`", "name"],
    ),
    (
        "xor-seed-string",
        lambda t: experiments.xor_book(seed="a", epochs=1),
        TypeError,
        ["`seed`", "'a'"],
    ),
    (
        "book-params-int-dtype",
        lambda t: experiments.book_initial_params(dtype=jnp.int32),
        TypeError,
        ["`dtype`", "floating", "int32"],
    ),
    (
        "xor-verdict-string",
        lambda t: experiments.xor_verdict("r"),
        TypeError,
        ["`result`", "XorResult", "str"],
    ),
    (
        "xor-variants-epochs",
        lambda t: experiments.xor_book_variants(epochs=0),
        ValueError,
        ["`epochs`"],
    ),
    (
        "gd-vs-sgd-dataset",
        lambda t: experiments.gd_vs_sgd(dataset="foo"),
        ValueError,
        ["`dataset`", "'foo'"],
    ),
    (
        "gd-vs-sgd-model",
        lambda t: experiments.gd_vs_sgd(model="cnn"),
        ValueError,
        ["`model`", "'cnn'"],
    ),
    (
        "gd-vs-sgd-batch-zero",
        lambda t: experiments.gd_vs_sgd(batch_sizes=[0]),
        ValueError,
        ["`batch_sizes", ">= 1"],
    ),
    (
        "gd-vs-sgd-modes",
        lambda t: experiments.gd_vs_sgd(modes=["fast"]),
        ValueError,
        ["`modes`", "'fast'"],
    ),
    (
        "gd-vs-sgd-learning-rate",
        lambda t: experiments.gd_vs_sgd(learning_rates={None: -1.0}),
        ValueError,
        ["`learning_rates[None]`", "-1.0"],
    ),
    (
        "compare-optimizers-unknown",
        lambda t: experiments.compare_optimizers(optimizers=["foo"]),
        ValueError,
        ["`optimizers`", "'foo'"],
    ),
    (
        "compare-optimizers-hidden",
        lambda t: experiments.compare_optimizers(hidden=0),
        ValueError,
        ["`hidden`", ">= 1"],
    ),
    (
        "compare-optimizers-not-optimizer",
        lambda t: experiments.compare_optimizers(optimizers={"a": 3}),
        TypeError,
        ["`optimizers['a']`", "init", "3"],
    ),
    (
        "paths-surface",
        lambda t: experiments.optimizer_paths("foo"),
        ValueError,
        ["`surface`", "'foo'"],
    ),
    (
        "paths-steps",
        lambda t: experiments.optimizer_paths(steps=0),
        ValueError,
        ["`steps`", ">= 1"],
    ),
    (
        "paths-x0",
        lambda t: experiments.optimizer_paths(x0=jnp.ones(3)),
        ValueError,
        ["`x0`", "(3,)"],
    ),
    ("paths-tol", lambda t: experiments.optimizer_paths(tol=-1.0), ValueError, ["`tol`", "-1.0"]),
    (
        "paths-optimizer-string",
        lambda t: experiments.optimizer_paths(optimizers={"a": "sgd"}),
        TypeError,
        ["`optimizers['a']`", "'sgd'"],
    ),
    ("story-steps", lambda t: experiments.ill_conditioned_story(steps=0), ValueError, ["`steps`"]),
    (
        "paths-table-string",
        lambda t: experiments.paths_table("x"),
        TypeError,
        ["`result`", "PathsResult"],
    ),
    (
        "python-loop-batch-zero",
        lambda t: experiments.python_loop_fit(
            lin, LP, optim.sgd(0.1), XL, YL, batch_size=0, epochs=1
        ),
        ValueError,
        ["`batch_size`", ">= 1"],
    ),
    (
        "python-loop-epochs-zero",
        lambda t: experiments.python_loop_fit(
            lin, LP, optim.sgd(0.1), XL, YL, batch_size=None, epochs=0
        ),
        ValueError,
        ["`epochs`", ">= 1"],
    ),
    (
        "default-optimizers-surface",
        lambda t: experiments.default_optimizers("foo"),
        ValueError,
        ["`surface`", "'foo'"],
    ),
    # train (beyond tests/test_train.py's table)
    ("fit-x-string", lambda t: _fit(x="abc"), TypeError, ["`x`", "numbers"]),
    (
        "fit-x-empty",
        lambda t: _fit(x=jnp.ones((0, 2)), y=jnp.ones(0)),
        ValueError,
        ["`x`", "no examples", "(0, 2)"],
    ),
    (
        "fit-params-complex",
        lambda t: _fit(params={"w": jnp.zeros(2, jnp.complex64)}),
        TypeError,
        ["`params`", "['w']", "complex64"],
    ),
    (
        "fit-loss-wrong-tree",
        lambda t: _fit(params={"v": jnp.zeros(2)}),
        TypeError,
        ["`loss_fn`", "`params`", "KeyError"],
    ),
    (
        "fit-loss-wrong-shape",
        lambda t: _fit(params={"w": jnp.zeros(3)}),
        TypeError,
        ["`loss_fn`", "`params`", "(4, 2)", "dot_general"],
    ),
    (
        "fit-eval-features",
        lambda t: _fit(eval_data=(jnp.ones((2, 3)), YL[:2])),
        TypeError,
        ["`loss_fn`", "`eval_data`", "(2, 3)"],
    ),
    (
        "fit-eval-nan",
        lambda t: _fit(eval_data=(jnp.full((2, 2), jnp.nan), YL[:2])),
        ValueError,
        ["`eval_data[0]`", "finite"],
    ),
    ("fit-shuffle-string", lambda t: _fit(shuffle="yes"), TypeError, ["`shuffle`", "'yes'"]),
    ("fit-target-string", lambda t: _fit(target_loss="0.1"), TypeError, ["`target_loss`", "'0.1'"]),
    (
        "fit-accuracy-not-callable",
        lambda t: _fit(eval_data=(XL, YL), accuracy_fn=3),
        TypeError,
        ["`accuracy_fn`", "callable"],
    ),
    ("fit-key-float", lambda t: _fit(key=0.5), TypeError, ["`key`", "0.5"]),
    (
        "fit-optimizer-factory",
        lambda t: _fit(optimizer=optim.adam),
        TypeError,
        ["`optimizer`", "init", "update"],
    ),
    (
        "fit-params-none",
        lambda t: _fit(params={"w": None}),
        TypeError,
        ["`params`", "at least one array"],
    ),
    (
        "fit-policy-unknown",
        lambda t: _fit(on_nonfinite="ignore"),
        ValueError,
        ["`on_nonfinite`", "'raise'", "'ignore'"],
    ),
    (
        "fit-checkpoint-int",
        lambda t: _fit(checkpoint=3),
        TypeError,
        ["`checkpoint`", "checkpoint=3"],
    ),
    (
        "fit-checkpoint-directory",
        lambda t: _fit(checkpoint=t),
        ValueError,
        ["`checkpoint`", "directory"],
    ),
    (
        "fit-checkpoint-every-alone",
        lambda t: _fit(checkpoint_every=2),
        ValueError,
        ["`checkpoint_every`", "checkpoint=None"],
    ),
    (
        "fit-checkpoint-every-zero",
        lambda t: _fit(checkpoint=t / "c", checkpoint_every=0),
        ValueError,
        ["`checkpoint_every`", ">= 1"],
    ),
    (
        "fit-resume-missing",
        lambda t: _fit(resume=t / "missing"),
        ValueError,
        ["`resume`", "no such file"],
    ),
    (
        "make-step-loss-string",
        lambda t: train.make_step("l", optim.sgd(0.1)),
        TypeError,
        ["`loss_fn`", "'l'"],
    ),
    (
        "make-epoch-n-zero",
        lambda t: train.make_epoch(lin, optim.sgd(0.1), 0),
        ValueError,
        ["`n`", ">= 1"],
    ),
    (
        "make-epoch-shuffle-string",
        lambda t: train.make_epoch(lin, optim.sgd(0.1), 4, 2, shuffle="y"),
        TypeError,
        ["`shuffle`", "'y'"],
    ),
    ("steps-per-epoch-n-zero", lambda t: train.steps_per_epoch(0, 2), ValueError, ["`n`", ">= 1"]),
    (
        "steps-per-epoch-batch-zero",
        lambda t: train.steps_per_epoch(4, 0),
        ValueError,
        ["`batch_size`", ">= 1"],
    ),
    ("epoch-key-int", lambda t: train.epoch_key(3, 1), TypeError, ["`key`", "got 3"]),
]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("bad-input")


@pytest.mark.parametrize("call, error, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_a_clear_error(scratch, call, error, words):
    with pytest.raises(Exception) as info:
        call(scratch)
    assert isinstance(info.value, error), (
        f"expected {error.__name__}, got {type(info.value).__name__}: {info.value}"
    )
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} missing from the message: {message}"


def test_table_size_and_ids():
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids)) and len(CASES) >= 200
    assert all(c[2] in (ValueError, TypeError) for c in CASES)


# Property tests: hypothesis draws the bad values; every example is checked eagerly, nothing is
# compiled, so 25 examples each stay cheap.
FEW = settings(max_examples=25, deadline=None, derandomize=True)

FACTORIES = {
    "sgd": optim.sgd,
    "momentum": optim.momentum,
    "nesterov": optim.nesterov,
    "adagrad": optim.adagrad,
    "rmsprop": optim.rmsprop,
    "adam": optim.adam,
    "adamw": optim.adamw,
    "nadam": optim.nadam,
    "amsgrad": optim.amsgrad,
    "adamax": optim.adamax,
    "adadelta": optim.adadelta,
    "lion": optim.lion,
    "keras.SGD": lambda v: keras.SGD(learning_rate=v),
    "keras.Adagrad": lambda v: keras.Adagrad(learning_rate=v),
    "keras.RMSprop": lambda v: keras.RMSprop(learning_rate=v),
    "keras.Adam": lambda v: keras.Adam(learning_rate=v),
    "constant": schedules.constant,
}

NOT_POSITIVE = st.one_of(
    st.floats(max_value=0.0, allow_nan=False),
    st.sampled_from([math.nan, math.inf, -math.inf]),
    st.integers(max_value=0),
    st.floats(max_value=0.0, allow_nan=False, width=32).map(np.float32),
)


@FEW
@given(name=st.sampled_from(sorted(FACTORIES)), value=NOT_POSITIVE)
def test_every_optimizer_refuses_a_learning_rate_that_is_not_positive_and_finite(name, value):
    with pytest.raises(ValueError) as info:
        FACTORIES[name](value)
    message = str(info.value)
    assert "learning_rate" in message or "`value`" in message, message
    assert "positive" in message or "finite" in message, message


UNIT_INTERVAL_ARGS = [
    (optim.adam, "b1"),
    (optim.adam, "b2"),
    (optim.adamw, "b2"),
    (optim.nadam, "b1"),
    (optim.amsgrad, "b2"),
    (optim.adamax, "b1"),
    (optim.lion, "b1"),
    (optim.rmsprop, "decay"),
    (optim.rmsprop, "momentum"),
    (optim.sgd, "momentum"),
    (keras.SGD, "momentum"),
    (keras.RMSprop, "rho"),
    (keras.Adam, "beta_1"),
    (keras.Adam, "beta_2"),
]
OUTSIDE_UNIT_INTERVAL = st.one_of(
    st.floats(min_value=1.0, allow_infinity=False),
    st.floats(max_value=-1e-12, allow_infinity=False),
)


@FEW
@given(case=st.sampled_from(UNIT_INTERVAL_ARGS), value=OUTSIDE_UNIT_INTERVAL)
def test_decay_rates_outside_the_unit_interval_are_refused(case, value):
    factory, argument = case
    kwargs = {argument: value}
    with pytest.raises(ValueError) as info:
        factory(0.1, **kwargs) if not factory.__module__.endswith("keras") else factory(**kwargs)
    assert f"`{argument}`" in str(info.value) and "[0, 1)" in str(info.value)


shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
PAIRWISE_LOSSES = [losses.mse, losses.binary_cross_entropy, losses.sigmoid_binary_cross_entropy]


@FEW
@given(loss=st.sampled_from(PAIRWISE_LOSSES), a=shapes, b=shapes)
def test_losses_refuse_mismatched_shapes_instead_of_broadcasting(loss, a, b):
    if a == b:
        b = (*b, 2)
    with pytest.raises(ValueError) as info:
        loss(np.full(a, 0.5, np.float32), np.zeros(b, np.float32))
    message = str(info.value)
    assert "same shape" in message and str(a) in message and str(b) in message


@FEW
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=3))
def test_losses_refuse_empty_arrays(shape):
    if math.prod(shape):
        shape = (0, *shape)
    values = np.zeros(shape, np.float32)
    for loss, argument in [
        (losses.mse, "predictions"),
        (losses.sigmoid_binary_cross_entropy, "logits"),
    ]:
        with pytest.raises(ValueError, match=f"`{argument}` is empty"):
            loss(values, values)


NON_CALLABLES = st.one_of(
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.none(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)
CALLABLE_ARGUMENTS = {
    "make_step loss_fn": (lambda f: train.make_step(f, optim.sgd(0.1)), "loss_fn"),
    "fit loss_fn": (lambda f: _fit(loss_fn=f), "loss_fn"),
    "fit accuracy_fn": (lambda f: _fit(eval_data=(XL, YL), accuracy_fn=f), "accuracy_fn"),
    "optimize_path f": (lambda f: surfaces.optimize_path(f, optim.sgd(0.1), jnp.ones(2), 3), "f"),
    "layer_grad_norms loss_fn": (lambda f: diagnostics.layer_grad_norms(f, MLP, X, Y), "loss_fn"),
    "validate.compare problem": (
        lambda f: validate.compare(optim.sgd(0.1), optim.sgd(0.1), problem=f),
        "problem",
    ),
}


@FEW
@given(where=st.sampled_from(sorted(CALLABLE_ARGUMENTS)), value=NON_CALLABLES)
def test_a_non_callable_where_a_function_is_expected_is_a_type_error(where, value):
    if value is None and where in ("fit accuracy_fn", "validate.compare problem"):
        value = 0  # None means "not given" there
    call, argument = CALLABLE_ARGUMENTS[where]
    with pytest.raises(TypeError) as info:
        call(value)
    assert f"`{argument}`" in str(info.value) and "callable" in str(info.value)


BAD_PARAM_DTYPES = [np.int8, np.int32, np.uint8, np.bool_, np.complex64]
OPTIMIZERS = [optim.sgd(0.1), optim.adam(0.1), optim.lion(0.1), optim.adadelta(), keras.Adam()]


@FEW
@given(
    dtype=st.sampled_from(BAD_PARAM_DTYPES),
    opt=st.sampled_from(OPTIMIZERS),
    key=st.sampled_from(["w", "b", "layer"]),
)
def test_optimizers_refuse_parameters_that_are_not_real_floats(dtype, opt, key):
    params = {"ok": np.zeros(2, np.float32), key: np.zeros(3, dtype)}
    with pytest.raises(TypeError) as info:
        opt.init(params)
    message = str(info.value)
    assert "`params`" in message and f"['{key}']" in message and np.dtype(dtype).name in message


@FEW
@given(
    which=st.sampled_from(["x", "y"]),
    index=st.integers(0, 7),
    value=st.sampled_from([math.nan, math.inf, -math.inf]),
)
def test_fit_refuses_nonfinite_data_before_compiling(which, index, value):
    x, y = np.ones((4, 2), np.float32), np.ones(4, np.float32)
    target = x if which == "x" else y
    target.flat[index % target.size] = value
    with pytest.raises(ValueError) as info:
        _fit(x=x, y=y)
    assert f"`{which}` must be finite" in str(info.value) and "1 of its" in str(info.value)
