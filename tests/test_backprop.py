"""jaxnn.backprop: the hand-written chain rule equals jax.grad (seed ch. 8).

Every hidden activation x loss is checked on a randomly drawn architecture (together they cover
depths 1-6, widths 1-16, layers with and without bias, batch 1 and 7 and a single unbatched
sample; softmax outputs under mse), 3 seeds each (vmapped inside one jit per architecture to keep
compilation cheap), with inputs exactly 0 and zero biases included so ReLU's kink
(relu'(0) = 0, leaky_relu'(0) = 1, as jax.grad) is hit. The slow test sweeps every
activation x loss x depth 1-6 x width (1, 3, 16) x batch (1, 7).
Reference: ``jax.grad`` of ``jaxnn.nn.mlp`` followed by ``jaxnn.losses``.
"""

from __future__ import annotations

import functools
import itertools
import random

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnn import backprop, losses, nn
from tests.helpers import assert_trees_allclose

ACTIVATIONS = ("sigmoid", "tanh", "relu", "softplus", "leaky_relu", "identity")
LOSSES = ("mse", "sse_half", "bce", "softmax_ce")
SEEDS = 3
# Max |manual - jax.grad|: float64 is rounding only; float32 has ~1e-7 relative rounding on
# gradients of order 1-10 (deep nets, sum losses).
TOL_F64 = 1e-10
TOL_F32 = 1e-5


def _softmax(z):
    return jax.nn.softmax(z, axis=-1)


def reference_loss(params, x, y, *, activation, output_activation, loss):
    """The loss computed with nn.mlp and jaxnn.losses, to be differentiated by jax.grad."""
    if loss == "bce":
        logits = nn.mlp(params, x, activation=activation, output_activation="identity")
        return losses.sigmoid_binary_cross_entropy(logits, y)
    if loss == "softmax_ce":
        logits = nn.mlp(params, x, activation=activation, output_activation="identity")
        return losses.softmax_cross_entropy(logits, y)
    out_fn = _softmax if output_activation == "softmax" else output_activation
    out = nn.mlp(params, x, activation=activation, output_activation=out_fn)
    if loss == "mse":
        return losses.mse(out, y)
    return 0.5 * jnp.sum((out - y) ** 2)


def draw_configs(per_pair: int = 1, seed: int = 0):
    """Architectures per (activation, loss), drawn so the table covers depths 1-6, widths 1 and
    16, batch 1, 7 and unbatched, zero and random biases, bias-free layers, and softmax outputs."""
    rng = random.Random(seed)
    depths = itertools.cycle([1, 2, 3, 4, 5, 6])
    batches = itertools.cycle([1, 7, None])
    configs = []
    for i, (activation, loss) in enumerate(itertools.product(ACTIVATIONS, LOSSES)):
        for j in range(per_pair):
            depth = next(depths)
            widths = [rng.randint(1, 16) for _ in range(depth + 1)]
            if (i + j) % 5 == 0:
                widths[rng.randrange(depth + 1)] = 1
            if (i + j) % 5 == 1:
                widths[rng.randrange(depth + 1)] = 16
            if loss == "softmax_ce" and widths[-1] == 1:
                widths[-1] = rng.randint(2, 5)
            if loss == "bce":
                output_activation = "sigmoid"
            elif loss == "softmax_ce":
                output_activation = "softmax"
            else:
                output_activation = rng.choice([*ACTIVATIONS, "softmax"])
            configs.append(
                dict(
                    activation=activation,
                    loss=loss,
                    output_activation=output_activation,
                    sizes=tuple(widths),
                    biases=tuple(rng.random() < 0.75 for _ in range(depth)),
                    zero_bias=rng.random() < 0.5,
                    batch=next(batches),
                )
            )
    return configs


CONFIGS = draw_configs()


def _make_problems(index, cfg, dtype):
    """Params, inputs and targets for SEEDS seeds, stacked on a leading axis (NumPy: drawing
    them inside the jit would cost more compile time than the check itself).

    Weights are Glorot-normal; biases are 0 or random. Inputs exactly 0: the first row of a
    batch of 7 (with zero biases every pre-activation of that row is exactly 0: the ReLU kink),
    and the whole input of a single sample when the biases are random.
    """
    rng = np.random.default_rng(100 + index)
    sizes, batch = cfg["sizes"], cfg["batch"]
    params = []
    for n_in, n_out, has_bias in zip(sizes[:-1], sizes[1:], cfg["biases"]):
        layer = {"w": rng.normal(size=(SEEDS, n_in, n_out)) * np.sqrt(2 / (n_in + n_out))}
        if has_bias:
            layer["b"] = (not cfg["zero_bias"]) * 0.5 * rng.normal(size=(SEEDS, n_out))
        params.append(layer)
    shape = (SEEDS, sizes[0]) if batch is None else (SEEDS, batch, sizes[0])
    x = 2.0 * rng.normal(size=shape)
    if batch == 7:
        x[:, 0] = 0.0
    elif not cfg["zero_bias"] and cfg["biases"][0]:
        x[:] = 0.0
    out_shape = (*shape[:-1], sizes[-1])
    if cfg["loss"] == "softmax_ce":
        y = rng.integers(0, sizes[-1], size=shape[:-1]).astype(np.int32)
    elif cfg["loss"] == "bce":
        y = rng.uniform(size=out_shape).astype(dtype)
    else:
        y = rng.normal(size=out_shape).astype(dtype)
    cast = functools.partial(jnp.asarray, dtype=dtype)
    return jax.tree.map(cast, params), cast(x), jnp.asarray(y)


def _check_one(cfg):
    """(params, x, y) -> max |manual - jax.grad| (gradients and loss value), max |grad|, both."""
    names = dict(
        activation=cfg["activation"], output_activation=cfg["output_activation"], loss=cfg["loss"]
    )

    def one(params, x, y):
        value, manual = backprop.value_and_grad(params, x, y, **names)
        ref_value, auto = jax.value_and_grad(reference_loss)(params, x, y, **names)
        pairs = zip(jax.tree.leaves(manual), jax.tree.leaves(auto))
        diff = jnp.stack([jnp.max(jnp.abs(m - a)) for m, a in pairs])
        size = jnp.stack([jnp.max(jnp.abs(a)) for a in jax.tree.leaves(auto)])
        return jnp.maximum(diff.max(), jnp.abs(value - ref_value)), size.max(), manual, auto

    return one


# XLA's CPU backend at optimization level 0 compiles these one-shot programs ~2x faster;
# both sides of every comparison run in the same program, so the comparison is unaffected.
FAST_COMPILE = {"xla_backend_optimization_level": 0}


def run_configs(configs, dtype):
    """Checks each configuration, SEEDS seeds vmapped in one compiled program per configuration
    (one program per configuration compiles faster than one program for all of them).

    Returns per configuration: (max |diff| per seed, max |grad| per seed).
    """
    results = []
    for index, cfg in configs:
        problem = _make_problems(index, cfg, dtype)
        check = jax.jit(jax.vmap(_check_one(cfg)))
        compiled = check.lower(*problem).compile(compiler_options=FAST_COMPILE)
        diff, size, manual, auto = compiled(*problem)
        assert jax.tree.structure(manual) == jax.tree.structure(auto)
        for m, a in zip(jax.tree.leaves(manual), jax.tree.leaves(auto)):
            assert m.dtype == a.dtype == dtype and m.shape == a.shape
            assert np.all(np.isfinite(np.asarray(m))), "a non-finite manual gradient"
        results.append((np.asarray(diff), np.asarray(size)))
    return results


def test_configs_cover_the_promised_ranges():
    depths = {len(c["sizes"]) - 1 for c in CONFIGS}
    widths = {w for c in CONFIGS for w in c["sizes"]}
    assert depths == set(range(1, 7))
    assert min(widths) == 1 and max(widths) == 16
    assert {c["batch"] for c in CONFIGS} == {1, 7, None}
    assert {c["zero_bias"] for c in CONFIGS} == {True, False}
    assert any(not all(c["biases"]) for c in CONFIGS)
    assert any(c["output_activation"] == "softmax" and c["loss"] == "mse" for c in CONFIGS)
    assert {(c["activation"], c["loss"]) for c in CONFIGS} == set(
        itertools.product(ACTIVATIONS, LOSSES)
    )


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_grad_equals_jax_grad_float64(activation, x64):
    group = [(i, c) for i, c in enumerate(CONFIGS) if c["activation"] == activation]
    results = run_configs(group, jnp.dtype("float64"))
    worst, nontrivial = 0.0, 0
    for (_, cfg), (diff, size) in zip(group, results):
        assert diff.max() <= TOL_F64, f"config {cfg}: max |manual - jax.grad| = {diff.max():.3g}"
        worst = max(worst, float(diff.max()))
        nontrivial += int(size.max() > 1e-6)
    # Not vacuous: nearly every configuration has non-zero gradients (a 1-wide ReLU net may die).
    assert nontrivial >= len(group) - 1, nontrivial
    print(
        f"{activation}: max |manual - jax.grad| over {len(group)} configs x {SEEDS} seeds: "
        f"{worst:.3g}"
    )


def test_grad_equals_jax_grad_float32():
    group = [(i, c) for i, c in enumerate(CONFIGS) if i % 4 == 0]
    for (_, cfg), (diff, _) in zip(group, run_configs(group, jnp.dtype("float32"))):
        assert diff.max() <= TOL_F32, f"config {cfg}: {diff.max():.3g}"


@pytest.mark.slow
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_grad_equals_jax_grad_exhaustive(activation, x64):
    """Every loss x depth 1-6 x width (1, 3, 16) x batch (1, 7); zero biases at even depths."""
    group = []
    for loss, depth, width, batch in itertools.product(LOSSES, range(1, 7), (1, 3, 16), (1, 7)):
        out = max(width, 2) if loss == "softmax_ce" else width
        out_act = {"bce": "sigmoid", "softmax_ce": "softmax"}.get(loss, activation)
        zero_bias = depth % 2 == 0
        cfg = dict(
            activation=activation,
            loss=loss,
            output_activation=out_act,
            sizes=(width,) * depth + (out,),
            biases=tuple(i % 2 == 0 for i in range(depth)) if zero_bias else (True,) * depth,
            zero_bias=zero_bias,
            batch=batch,
        )
        group.append((len(group), cfg))
    for (_, cfg), (diff, _) in zip(group, run_configs(group, jnp.dtype("float64"))):
        assert diff.max() <= TOL_F64, f"config {cfg}: {diff.max():.3g}"


def test_backward_equals_vjp_for_any_cotangent(x64):
    """backward() with an arbitrary dE/da_L equals jax.vjp of the forward pass (softmax too)."""
    params = nn.init_mlp(jax.random.key(3), [3, 4, 5], dtype=jnp.float64)
    x = jax.random.normal(jax.random.key(4), (6, 3), jnp.float64)
    g = jax.random.normal(jax.random.key(5), (6, 5), jnp.float64)

    @jax.jit
    def both(params, x, g):
        results = []
        for out_act in ("tanh", "softmax"):
            out, cache = backprop.forward(
                params, x, activation="softplus", output_activation=out_act
            )
            fn = _softmax if out_act == "softmax" else out_act
            ref_out, vjp = jax.vjp(
                lambda p, fn=fn: nn.mlp(p, x, activation="softplus", output_activation=fn), params
            )
            results.append((out, ref_out, backprop.backward(params, cache, g), vjp(g)[0]))
        return results

    for out, ref_out, manual, auto in both(params, x, g):
        np.testing.assert_allclose(out, ref_out, rtol=1e-14)
        assert_trees_allclose(manual, auto, atol=1e-13)


def test_book_network_single_sample_and_jit_does_not_recompile(x64):
    """The book's 2-2-1 net (hidden bias, no output bias), one unbatched sample, jitted."""
    params = [
        {"w": jnp.array([[0.1, 0.2], [0.3, 0.4]]), "b": jnp.array([0.5, 0.6])},
        {"w": jnp.array([[0.7], [0.8]])},
    ]
    names = dict(activation="tanh", output_activation="tanh", loss="sse_half")
    traces = []

    def fn(p, x, y):
        traces.append(1)
        return backprop.value_and_grad(p, x, y, **names)

    jitted = jax.jit(fn)
    for x, y in [([0.0, 1.0], [1.0]), ([1.0, 1.0], [0.0])]:
        x, y = jnp.array(x), jnp.array(y)
        value, manual = jitted(params, x, y)
        ref_value, auto = jax.value_and_grad(reference_loss)(params, x, y, **names)
        assert float(value) == pytest.approx(float(ref_value), abs=1e-15)
        assert_trees_allclose(manual, auto, atol=1e-15)
    assert len(traces) == 1


BAD = [
    ("unknown-loss", dict(loss="mae"), ValueError, ["loss", "'mae'", "sse_half"]),
    ("loss-not-str", dict(loss=None), TypeError, ["loss", "None"]),
    ("unknown-activation", dict(activation="sigmod"), ValueError, ["activation", "sigmod"]),
    ("unknown-output", dict(output_activation="softmx"), ValueError, ["output_activation"]),
    (
        "bce-needs-sigmoid",
        dict(loss="bce", output_activation="tanh"),
        ValueError,
        ["bce", "output_activation='sigmoid'", "'tanh'"],
    ),
    (
        "ce-needs-softmax",
        dict(loss="softmax_ce", y=jnp.array([0, 1])),
        ValueError,
        ["softmax_ce", "output_activation='softmax'"],
    ),
    ("y-shape", dict(y=jnp.ones(2)), ValueError, ["`y`", "(2, 1)", "(2,)", "y[:, None]"]),
    ("x-features", dict(x=jnp.ones((2, 3))), ValueError, ["`x`", "3 features", "expects 2"]),
    ("x-rank", dict(x=jnp.ones((1, 2, 2))), ValueError, ["`x`", "(1, 2, 2)"]),
    (
        "labels-shape",
        dict(loss="softmax_ce", output_activation="softmax", y=jnp.array([0, 1, 0])),
        ValueError,
        ["`y`", "(2,)", "(3,)"],
    ),
    ("params-not-list", dict(params={"w": jnp.ones((2, 1))}), TypeError, ["params", "list"]),
    (
        "params-do-not-chain",
        dict(params=[{"w": jnp.ones((2, 3))}, {"w": jnp.ones((2, 1))}]),
        ValueError,
        ["params[1]", "chain"],
    ),
]


@pytest.mark.parametrize("kwargs, error, words", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_a_clear_error(kwargs, error, words):
    args = dict(params=[{"w": jnp.ones((2, 1)), "b": jnp.zeros(1)}], x=jnp.ones((2, 2)))
    args["y"] = jnp.ones((2, 1))
    args.update(kwargs)
    with pytest.raises(Exception) as info:
        backprop.grad(args.pop("params"), args.pop("x"), args.pop("y"), **args)
    assert type(info.value) is error, f"{type(info.value).__name__}: {info.value}"
    for word in words:
        assert word in str(info.value), f"{word!r} missing from: {info.value}"


def test_backward_checks_its_inputs():
    params = [{"w": jnp.ones((2, 1))}]
    out, cache = backprop.forward(params, jnp.ones((3, 2)))
    with pytest.raises(ValueError, match=r"`grad_output`.*\(3, 1\).*\(3,\)"):
        backprop.backward(params, cache, jnp.ones(3))
    with pytest.raises(TypeError, match="`cache`"):
        backprop.backward(params, (out,), jnp.ones((3, 1)))
    with pytest.raises(ValueError, match="`cache` holds 1 layers"):
        backprop.backward(params * 1 + [{"w": jnp.ones((1, 1))}], cache, jnp.ones((3, 1)))
