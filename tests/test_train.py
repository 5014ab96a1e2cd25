"""jaxnn.train.fit against hand-written loops; batch order; stopping rules; bad arguments.

References are written here, independently of fit: a Python loop of jitted steps made from
jax.value_and_grad + opt.update + apply_updates, over batches cut from
``jax.random.permutation(jax.random.fold_in(key, epoch), n)`` (the documented order).
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxnn import data, optim, train
from tests.helpers import assert_trees_allclose

pytestmark = pytest.mark.xdist_group("train")  # one worker: fit's compiled programs are shared

N, FEATURES = 10, 3
X, Y = data.regression(jax.random.key(0), N, features=FEATURES, noise=0.5)
PARAMS = {"w": jnp.zeros(FEATURES), "b": jnp.zeros(())}
KEY = jax.random.key(42)
ADAM = optim.adam(0.05)
SGD = optim.sgd(0.1)


def linear_loss(params, xb, yb):
    return jnp.mean((xb @ params["w"] + params["b"] - yb) ** 2)


@functools.cache
def jitted_step(loss_fn, opt):
    @jax.jit
    def step(params, state, xb, yb):
        loss, grads = jax.value_and_grad(loss_fn)(params, xb, yb)
        updates, state = opt.update(grads, state, params)
        return optim.apply_updates(params, updates), state, loss

    return step


def reference_loop(loss_fn, params, opt, x, y, epochs, batch_size=None, key=None):
    """E epochs of a plain jitted step over the documented order; returns params, losses."""
    step = jitted_step(loss_fn, opt)
    x, y = np.asarray(x), np.asarray(y)
    state = opt.init(params)
    losses = []
    n = x.shape[0]
    for epoch in range(epochs):
        if batch_size is None:
            batches = [np.arange(n)]
        else:
            order = np.asarray(jax.random.permutation(jax.random.fold_in(key, epoch), n))
            batches = [order[i : i + batch_size] for i in range(0, n, batch_size)]
        for idx in batches:
            params, state, loss = step(params, state, x[idx], y[idx])
            losses.append(float(loss))
    return params, state, np.array(losses)


def test_full_batch_equals_hand_written_jitted_steps():
    epochs = 5
    r = train.fit(linear_loss, PARAMS, ADAM, X, Y, epochs=epochs, progress=False)
    ref_params, ref_state, ref_losses = reference_loop(linear_loss, PARAMS, ADAM, X, Y, epochs)
    assert_trees_allclose(r.params, ref_params, rtol=1e-6, atol=1e-6)
    assert_trees_allclose(r.opt_state, ref_state, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(r.history.step_loss, ref_losses, rtol=1e-6)
    h = r.history
    assert (h.steps, h.epochs, h.stopped, h.message) == (epochs, epochs, "epochs", "")
    assert np.all(np.isfinite(h.step_loss)) and h.step_loss[-1] < h.step_loss[0]
    np.testing.assert_array_equal(h.epoch_loss, h.step_loss)  # one step per epoch
    assert h.epoch_time.shape == (epochs,) and np.all(h.epoch_time >= 0)
    assert h.compile_time >= 0 and h.eval_loss is None and h.eval_accuracy is None


def test_minibatches_equal_a_hand_written_loop_over_the_same_permutation():
    epochs, batch = 3, 4  # 10 examples: batches of 4, 4 and a smaller last one of 2
    r = train.fit(
        linear_loss, PARAMS, ADAM, X, Y, batch_size=batch, epochs=epochs, key=KEY, progress=False
    )
    ref_params, _, ref_losses = reference_loop(linear_loss, PARAMS, ADAM, X, Y, epochs, batch, KEY)
    assert_trees_allclose(r.params, ref_params, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(r.history.step_loss, ref_losses, rtol=1e-6)
    assert r.history.steps == epochs * 3 == train.steps_per_epoch(N, batch) * epochs
    # epoch_loss: the batch losses weighted by batch size (4, 4, 2) over n = 10
    per_epoch = ref_losses.reshape(epochs, 3)
    np.testing.assert_allclose(r.history.epoch_loss, per_epoch @ [0.4, 0.4, 0.2], rtol=1e-6)


def index_loss(params, xb, yb):
    """Loss whose gradient marks the examples of the batch: x holds each example's index."""
    del yb
    return jnp.mean(params[xb[:, 0].astype(jnp.int32)])


INDEX_X = jnp.arange(N, dtype=jnp.float32)[:, None]
INDEX_Y = jnp.zeros(N)


def test_every_example_exactly_once_per_epoch_and_the_smaller_last_batch():
    # SGD with lr 1 from zeros: p_i = -sum over epochs of 1 / |batch holding i|. Exactly once
    # per epoch means every example gets one term per epoch; the last batch holds 10 mod 4 = 2.
    epochs, batch = 3, 4
    r = train.fit(
        index_loss,
        jnp.zeros(N),
        optim.sgd(1.0),
        INDEX_X,
        INDEX_Y,
        batch_size=batch,
        epochs=epochs,
        key=KEY,
        progress=False,
    )
    expected = np.zeros(N)
    for epoch in range(epochs):
        order = np.asarray(jax.random.permutation(jax.random.fold_in(KEY, epoch), N))
        full, rest = data.minibatch_indices(train.epoch_key(KEY, epoch), N, batch)
        np.testing.assert_array_equal(np.concatenate([np.ravel(full), rest]), order)
        assert full.shape == (2, 4) and rest.shape == (2,)
        expected[order[:8]] -= 1 / 4
        expected[order[8:]] -= 1 / 2
    np.testing.assert_allclose(r.params, expected, rtol=1e-6)
    # each epoch adds 1/4 (a full batch) or 1/2 (the last batch of 2) to every example
    assert set(np.round(-4 * np.asarray(r.params)).astype(int).tolist()) <= {3, 4, 5, 6}
    assert np.isclose(float(jnp.sum(r.params)), -epochs * 3)  # 3 batches, each mean weighs 1


def test_same_key_same_result_different_keys_different_orders():
    def order_loss(params, xb, yb):  # the step loss is the mean index of the batch
        del yb
        return jnp.mean(xb[:, 0]) + 0.0 * params

    def run(key, shuffle=True):
        return train.fit(
            order_loss,
            jnp.zeros(()),
            SGD,
            INDEX_X,
            INDEX_Y,
            batch_size=3,
            epochs=2,
            key=key,
            shuffle=shuffle,
            progress=False,
        ).history

    a, b, c = run(KEY), run(KEY), run(jax.random.key(7))
    np.testing.assert_array_equal(a.step_loss, b.step_loss)
    assert not np.array_equal(a.step_loss, c.step_loss)
    assert not np.array_equal(a.step_loss[:4], a.step_loss[4:])  # a new order each epoch
    # batches of 3, 3, 3 and 1: the weighted mean of each epoch is the mean index 4.5
    np.testing.assert_allclose(a.epoch_loss, [4.5, 4.5], rtol=1e-6)
    fixed = run(None, shuffle=False)
    np.testing.assert_allclose(fixed.step_loss, [1.0, 4.0, 7.0, 9.0] * 2, rtol=1e-6)


def test_target_loss_stops_at_the_first_epoch_at_or_below_it():
    target = 0.5
    r = train.fit(linear_loss, PARAMS, SGD, X, Y, epochs=200, target_loss=target, progress=False)
    h = r.history
    assert h.stopped == "target_loss" and "target_loss" in h.message
    assert 1 < h.epochs < 200 and h.epoch_loss[-1] <= target < h.epoch_loss[-2]
    assert h.steps == h.epochs and len(h.epoch_time) == h.epochs
    # the params are those right after that epoch
    ref_params, _, _ = reference_loop(linear_loss, PARAMS, SGD, X, Y, h.epochs)
    assert_trees_allclose(r.params, ref_params, rtol=1e-6, atol=1e-6)


def sqrt_loss(w, xb, yb):
    del yb
    return jnp.mean(jnp.sqrt(w) * xb[:, 0])


def test_nan_loss_stops_with_epoch_and_step_and_returns_last_finite_params():
    # GD on sqrt(w) from w = 1 with lr 0.5 steps below 0 at the 4th update: the 5th loss is NaN.
    w, expected = 1.0, []
    for _ in range(4):
        w = w - 0.5 * 0.5 / math.sqrt(w)
        expected.append(w)
    assert expected[-1] < 0 < expected[-2]
    x4 = jnp.ones((4, 1))
    with pytest.warns(RuntimeWarning, match=r"epoch 3 of 10, step 1 of 2 \(update 5 of the run\)"):
        r = train.fit(
            sqrt_loss,
            jnp.ones(()),
            optim.sgd(0.5),
            x4,
            jnp.zeros(4),
            batch_size=2,
            epochs=10,
            shuffle=False,
            progress=False,
        )
    h = r.history
    assert h.stopped == "nonfinite" and "loss became nan" in h.message
    assert "last finite" in h.message and "learning rate" in h.message
    assert (h.steps, h.epochs) == (4, 2) and len(h.epoch_loss) == len(h.epoch_time) == 2
    assert np.all(np.isfinite(h.step_loss))
    assert np.isfinite(float(r.params))
    np.testing.assert_allclose(float(r.params), expected[-1], rtol=1e-6)
    assert int(r.opt_state.count) == 4


def test_non_finite_update_with_finite_loss_keeps_the_params_before_it():
    def abs_sqrt_loss(w, xb, yb):  # finite loss 0 at w = 0, but an infinite gradient there
        del xb, yb
        return jnp.sqrt(jnp.abs(w))

    with pytest.warns(RuntimeWarning, match="non-finite parameters") as record:
        r = train.fit(abs_sqrt_loss, jnp.zeros(()), SGD, X, Y, epochs=5, progress=False)
    assert "epoch 1 of 5, step 1 of 1" in str(record[0].message)
    assert r.history.steps == 0 and r.history.epochs == 0 and float(r.params) == 0.0


TRACES = {"loss": 0}  # a global: read when traced, not part of the compile-cache key


def traced_linear_loss(params, xb, yb):
    TRACES["loss"] += 1
    return linear_loss(params, xb, yb)


def test_one_compile_for_all_epochs_chunks_targets_and_equal_optimizers():
    r = train.fit(traced_linear_loss, PARAMS, optim.sgd(0.1), X, Y, epochs=6,
                  epochs_per_chunk=1, progress=False)  # fmt: skip
    assert r.history.epochs == r.history.steps == 6 and r.history.compile_time > 0
    traced = TRACES["loss"]
    assert traced > 0
    # fresh optimizers equal by value, other epochs (across powers of two), chunking, a target:
    # the same compiled program (compile_time 0.0) and no new trace at all
    for kwargs in (dict(epochs=6), dict(epochs=3), dict(epochs=5), dict(epochs=40),
                   dict(epochs=6, target_loss=1e-9), dict(epochs=6, epochs_per_chunk=4)):  # fmt: skip
        again = train.fit(
            traced_linear_loss, PARAMS, optim.sgd(0.1), X, Y, progress=False, **kwargs
        )
        assert again.history.compile_time == 0.0, kwargs
        if kwargs.get("epochs") == 6:  # how the epochs are cut into calls never matters
            np.testing.assert_array_equal(again.history.step_loss, r.history.step_loss)
            assert_trees_allclose(again.params, r.params, rtol=0, atol=0)
    assert TRACES["loss"] == traced
    # a different hyperparameter is a different program
    other = train.fit(traced_linear_loss, PARAMS, optim.sgd(0.2), X, Y, epochs=6, progress=False)
    assert other.history.compile_time > 0 and TRACES["loss"] > traced


def test_callers_params_are_copied_not_donated():
    params = {"w": np.ones(FEATURES), "b": jnp.array(0.5)}  # NumPy float64 and a JAX array
    r = train.fit(linear_loss, params, ADAM, X, Y, epochs=5, progress=False)
    assert float(params["b"]) == 0.5 and np.all(params["w"] == 1.0)  # still readable, unchanged
    assert r.params["w"].dtype == jnp.float32
    assert not np.allclose(np.asarray(r.params["w"]), 1.0)


def test_eval_data_and_accuracy_fn_after_every_epoch():
    xe, ye = X[:4], Y[:4]

    def acc(params, xb, yb):  # share of predictions within 1 of the target
        return jnp.mean((jnp.abs(xb @ params["w"] + params["b"] - yb) < 1.0).astype(jnp.float32))

    r = train.fit(
        linear_loss,
        PARAMS,
        SGD,
        X,
        Y,
        epochs=4,
        eval_data=(xe, ye),
        accuracy_fn=acc,
        progress=False,
    )
    h = r.history
    assert h.eval_loss.shape == h.eval_accuracy.shape == (4,)
    np.testing.assert_allclose(h.eval_loss[-1], linear_loss(r.params, xe, ye), rtol=1e-6)
    np.testing.assert_allclose(h.eval_accuracy[-1], acc(r.params, xe, ye), rtol=1e-6)
    assert np.all((h.eval_accuracy >= 0) & (h.eval_accuracy <= 1))


def test_optax_optimizer_and_progress_bar(capsys):
    r = train.fit(linear_loss, PARAMS, optax.sgd(0.1), X, Y, epochs=3, progress=True)
    ref_params, _, _ = reference_loop(linear_loss, PARAMS, optax.sgd(0.1), X, Y, 3)
    assert_trees_allclose(r.params, ref_params, rtol=1e-6, atol=1e-6)
    assert "fit" in capsys.readouterr().err


def test_make_epoch_vmaps_over_learning_rates_and_keys():
    # issue 10's sweep: the optimizer is built inside the vmapped function from a traced rate
    def one(lr, key):
        opt = optim.adam(lr)
        return train.make_epoch(linear_loss, opt, N, 4)(PARAMS, opt.init(PARAMS), key, X, Y)

    runs = [KEY, jax.random.key(3)]
    lrs = jnp.array([0.05, 0.05])
    keys = jnp.stack([train.epoch_key(k, 0) for k in runs])
    p, _, stats = jax.jit(jax.vmap(one))(lrs, keys)
    assert stats.step_loss.shape == (2, 3) and bool(stats.applied.all())
    for i, run_key in enumerate(runs):  # adam(0.05) is ADAM: a plain loop over the same order
        ref_params, _, ref_losses = reference_loop(linear_loss, PARAMS, ADAM, X, Y, 1, 4, run_key)
        assert_trees_allclose(
            jax.tree.map(lambda a, i=i: a[i], p), ref_params, rtol=1e-6, atol=1e-6
        )
        np.testing.assert_allclose(stats.step_loss[i], ref_losses, rtol=1e-6)
    p, _, stats = jax.jit(jax.vmap(one))(jnp.array([0.05, 1e30]), keys)
    # lane 2: the first update moves w by about 1e30 (still finite); the next loss overflows,
    # so that lane keeps the parameters after one update while lane 1 trains on
    assert stats.applied.tolist() == [[True] * 3, [True, False, False]]
    assert np.all(np.isfinite(np.asarray(p["w"]))) and np.abs(p["w"][1]).max() > 1e29


def test_skip_policy_drops_only_the_bad_update():
    def loss_fn(w, xb, yb):  # NaN on the batch holding example 1, a plain quadratic elsewhere
        del yb
        bad = jnp.any(xb[:, 0] == 1.0)
        return jnp.where(bad, jnp.nan, jnp.mean((w - xb[:, 0]) ** 2))

    epoch = jax.jit(
        train.make_epoch(loss_fn, optim.sgd(0.1), 4, 1, shuffle=False, on_nonfinite="skip")
    )
    x = jnp.arange(4.0)[:, None]
    w, _, stats = epoch(jnp.zeros(()), optim.sgd(0.1).init(jnp.zeros(())), None, x, x[:, 0])
    assert stats.applied.tolist() == [True, False, True, True]
    w_ref = 0.0
    for target in (0.0, 2.0, 3.0):
        w_ref -= 0.1 * 2 * (w_ref - target)
    np.testing.assert_allclose(float(w), w_ref, rtol=1e-6)


def _bad(**kwargs):
    args = {
        "loss_fn": linear_loss,
        "params": PARAMS,
        "optimizer": SGD,
        "x": X,
        "y": Y,
    }
    args.update(kwargs)
    args.setdefault("progress", False)
    positional = [args.pop(k) for k in ("loss_fn", "params", "optimizer", "x", "y")]
    return lambda: train.fit(*positional, **args)


BAD = [
    ("batch-zero", _bad(batch_size=0, key=KEY), ValueError, ["batch_size", "between 1", "0"]),
    ("batch-negative", _bad(batch_size=-2, key=KEY), ValueError, ["batch_size", "-2"]),
    ("batch-too-big", _bad(batch_size=11, key=KEY), ValueError, ["batch_size", "n=10", "11"]),
    ("batch-float", _bad(batch_size=2.5, key=KEY), TypeError, ["batch_size", "2.5"]),
    ("batch-bool", _bad(batch_size=True, key=KEY), TypeError, ["batch_size", "True"]),
    ("xy-length", _bad(y=Y[:9]), ValueError, ["`x` and `y`", "(10, 3)", "(9,)"]),
    ("epochs-zero", _bad(epochs=0), ValueError, ["epochs", ">= 1", "0"]),
    ("epochs-float", _bad(epochs=2.0), TypeError, ["epochs", "integer"]),
    (
        "loss-not-scalar",
        _bad(loss_fn=lambda p, x, y: (x @ p["w"] - y) ** 2),
        TypeError,
        ["loss_fn", "scalar", "(10,)", "jnp.mean"],
    ),
    (
        "loss-aux",
        _bad(loss_fn=lambda p, x, y: (linear_loss(p, x, y), 0.0)),
        TypeError,
        ["loss_fn", "scalar", "tuple"],
    ),
    (
        "loss-int",
        _bad(loss_fn=lambda p, x, y: jnp.sum(x > 0)),
        TypeError,
        ["loss_fn", "floating", "int32"],
    ),
    ("loss-not-callable", _bad(loss_fn="mse"), TypeError, ["loss_fn", "callable", "'mse'"]),
    ("optimizer", _bad(optimizer="adam"), TypeError, ["optimizer", "init", "update"]),
    ("x-nan", _bad(x=X.at[3, 1].set(jnp.nan)), ValueError, ["`x`", "finite", "1 of its 30"]),
    ("y-inf", _bad(y=Y.at[0].set(jnp.inf)), ValueError, ["`y`", "finite"]),
    ("no-key", _bad(batch_size=2), ValueError, ["key", "shuffle", "jax.random.key"]),
    ("bad-key", _bad(batch_size=2, key=3), TypeError, ["key", "PRNG"]),
    ("target-nan", _bad(target_loss=math.nan), ValueError, ["target_loss", "finite"]),
    ("eval-data", _bad(eval_data=X), TypeError, ["eval_data", "pair"]),
    ("eval-length", _bad(eval_data=(X, Y[:3])), ValueError, ["eval_data[0]", "eval_data[1]"]),
    (
        "accuracy-no-eval",
        _bad(accuracy_fn=lambda p, x, y: jnp.float32(1)),
        ValueError,
        ["accuracy_fn", "eval_data"],
    ),
    ("int-params", _bad(params={"w": jnp.zeros(3, jnp.int32)}), TypeError, ["params", "int32"]),
    ("empty-params", _bad(params={}), TypeError, ["params", "at least one array"]),
    ("progress", _bad(progress="yes"), TypeError, ["progress", "True or False"]),
    ("chunk-zero", _bad(epochs_per_chunk=0), ValueError, ["epochs_per_chunk", ">= 1"]),
]


@pytest.mark.parametrize(("name", "call", "exc", "words"), BAD, ids=[c[0] for c in BAD])
def test_bad_arguments_are_clear_errors(name, call, exc, words):
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    for word in words:
        assert word in message, f"{name}: {word!r} not in {message!r}"


def test_make_epoch_bad_arguments():
    with pytest.raises(ValueError, match="batch_size"):
        train.make_epoch(linear_loss, SGD, 4, 5)
    with pytest.raises(ValueError, match="on_nonfinite"):
        train.make_epoch(linear_loss, SGD, 4, 2, on_nonfinite="ignore")
    with pytest.raises(TypeError, match="loss_fn"):
        train.make_epoch(None, SGD, 4)


def test_readme_fit_example_runs(capsys):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    code = next(
        b for b in re.findall(r"```python\n(.*?)```", readme, flags=re.S) if "train.fit" in b
    )
    scope: dict = {}
    exec(compile(code, "README.md fit example", "exec"), scope)
    history = scope["history"]
    assert history.epochs == 30 and history.eval_accuracy[-1] > 0.95
    assert capsys.readouterr().out.strip()
