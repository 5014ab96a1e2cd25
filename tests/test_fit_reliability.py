"""fit's checkpoints and exact resume, and its three NaN/inf policies (stop, skip, raise).

Resume is checked bit for bit: training 2N epochs in one call and training N, stopping (a
finished N-epoch call, or a 2N-epoch call interrupted right after its epoch-N checkpoint) and
resuming for N more give the same bytes in params, optimizer state and losses on the CPU.
The skip policy is checked against a hand-written loop of jaxnn.optim.skip_nonfinite.
"""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnn import checkpoint, data, engine, optim, train
from jaxnn.engine import epoch as engine_epoch
from tests.helpers import assert_trees_allclose

pytestmark = pytest.mark.xdist_group("train")  # one worker: fit's compiled programs are shared

N, FEATURES = 10, 3
X, Y = data.regression(jax.random.key(0), N, features=FEATURES, noise=0.5)
PARAMS = {"w": jnp.zeros(FEATURES), "b": jnp.zeros(())}
KEY = jax.random.key(42)
ADAM = optim.adam(0.05)
MOMENTUM = optim.momentum(0.05, 0.9)
EPOCHS = 6  # 2N with N = 3


def linear_loss(params, xb, yb):
    return jnp.mean((xb @ params["w"] + params["b"] - yb) ** 2)


def _bits(tree):
    return [np.asarray(a).tobytes() for a in jax.tree.leaves(tree)]


def assert_bit_identical(a, b):
    assert jax.tree.structure(a) == jax.tree.structure(b)
    assert _bits(a) == _bits(b)


# (minibatches of 4 out of 10, a smaller last batch, a new order each epoch, Adam) and
# (full batch with eval data and accuracy, momentum)
def _acc(params, xb, yb):
    return jnp.mean((jnp.abs(xb @ params["w"] + params["b"] - yb) < 1.0).astype(jnp.float32))


RUNS = {
    "minibatch-shuffle-adam": dict(optimizer=ADAM, batch_size=4, key=KEY),
    "full-batch-eval-momentum": dict(
        optimizer=MOMENTUM, eval_data=(X[:4], Y[:4]), accuracy_fn=_acc
    ),
}


def _fit(run, **kwargs):
    settings = dict(RUNS[run], **kwargs)
    optimizer = settings.pop("optimizer")
    return train.fit(linear_loss, PARAMS, optimizer, X, Y, progress=False, **settings)


@pytest.mark.parametrize("run", RUNS)
def test_resume_is_bit_identical_to_one_uninterrupted_run(run, tmp_path):
    whole = _fit(run, epochs=EPOCHS)
    path = tmp_path / "run.safetensors"
    half = _fit(run, epochs=EPOCHS // 2, checkpoint=path)
    assert checkpoint.metadata(path)["epoch"] == EPOCHS // 2
    assert_bit_identical(checkpoint.load(path)["params"], half.params)
    resumed = _fit(run, epochs=EPOCHS, resume=path, checkpoint=path)
    assert_bit_identical(resumed.params, whole.params)
    assert_bit_identical(resumed.opt_state, whole.opt_state)
    h, w = resumed.history, whole.history
    assert (h.epochs, h.steps, h.stopped) == (w.epochs, w.steps, "epochs")
    for field in ("step_loss", "epoch_loss", "eval_loss", "eval_accuracy"):
        a, b = getattr(h, field), getattr(w, field)
        assert (a is None) == (b is None)
        if a is not None:
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), field
    assert h.epoch_time.shape == (EPOCHS,)
    assert np.all(np.isfinite(np.asarray(resumed.params["w"])))
    # the final checkpoint holds the whole run; resuming a finished run changes nothing
    assert checkpoint.metadata(path)["epoch"] == EPOCHS
    again = _fit(run, epochs=EPOCHS, resume=path)
    assert_bit_identical(again.params, whole.params)
    assert again.history.epochs == EPOCHS


class _Interrupt(Exception):
    pass


def test_interrupted_run_resumes_from_its_periodic_checkpoint(tmp_path, monkeypatch):
    # A 2N-epoch run with checkpoint_every=N is killed right after saving epoch N, then the
    # same call with resume= finishes it: the same bytes as the uninterrupted run.
    whole = _fit("minibatch-shuffle-adam", epochs=EPOCHS)
    path = tmp_path / "run.safetensors"
    saves = []
    real_save = checkpoint.save

    def save_then_die(file, tree, *, metadata=None):
        real_save(file, tree, metadata=metadata)
        saves.append(metadata["epoch"])
        if metadata["epoch"] == EPOCHS // 2:
            raise _Interrupt

    monkeypatch.setattr(checkpoint, "save", save_then_die)
    with pytest.raises(_Interrupt):
        _fit(
            "minibatch-shuffle-adam",
            epochs=EPOCHS,
            checkpoint=path,
            checkpoint_every=EPOCHS // 2,
            epochs_per_chunk=4,  # chunks still end on the checkpoint epochs
        )
    assert saves == [EPOCHS // 2]
    saved = checkpoint.load(path)
    assert type(saved["history"]) is train.History and saved["history"].epochs == EPOCHS // 2
    assert saved["history"].stopped == "checkpoint"
    monkeypatch.undo()
    resumed = _fit("minibatch-shuffle-adam", epochs=EPOCHS, resume=path, key=None)
    assert_bit_identical(resumed.params, whole.params)
    assert_bit_identical(resumed.opt_state, whole.opt_state)
    assert resumed.history.step_loss.tobytes() == whole.history.step_loss.tobytes()


def test_checkpoint_every_saves_on_those_epochs_and_at_the_end(tmp_path, monkeypatch):
    saved = []
    real_save = checkpoint.save

    def record(file, tree, *, metadata=None):
        real_save(file, tree, metadata=metadata)
        saved.append((metadata["epoch"], tree["history"].epochs, int(tree["opt_state"].count)))

    monkeypatch.setattr(checkpoint, "save", record)
    path = tmp_path / "every.safetensors"
    _fit("minibatch-shuffle-adam", epochs=EPOCHS, checkpoint=path, checkpoint_every=4)
    steps = train.steps_per_epoch(N, 4)
    assert saved == [(4, 4, 4 * steps), (EPOCHS, EPOCHS, EPOCHS * steps)]
    saved.clear()
    _fit("minibatch-shuffle-adam", epochs=EPOCHS, checkpoint=path, checkpoint_every=2)
    assert [s[0] for s in saved] == [2, 4, 6]
    meta = checkpoint.metadata(path)
    assert meta["kind"] == "jaxnn.train.fit" and meta["run"]["batch_size"] == 4


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "run.safetensors"
    _fit("minibatch-shuffle-adam", epochs=EPOCHS // 2, checkpoint=path)
    return path


RESUME_MISMATCHES = [
    ("batch-size", dict(batch_size=5), ValueError, ["`batch_size`", "batch_size=4", "=5"]),
    ("shuffle", dict(shuffle=False), ValueError, ["`shuffle`", "shuffle=True"]),
    ("data", dict(x=X[:8], y=Y[:8]), ValueError, ["`x`", "n=10", "n=8"]),
    ("epochs", dict(epochs=2), ValueError, ["`epochs`", "total", "epoch 3", "epochs=2"]),
    ("key", dict(key=jax.random.key(1)), ValueError, ["`key`", "key=None"]),
    ("eval", dict(eval_data=(X, Y)), ValueError, ["`eval_data`", "eval_data=False"]),
    (
        "params-tree",
        dict(params={**PARAMS, "c": jnp.zeros(())}),
        checkpoint.CheckpointError,
        ["holds 2 leaves", "`params` has 3", "model"],
    ),
    (
        "params-dtype",
        dict(params={"w": jnp.zeros(3, jnp.bfloat16), "b": jnp.zeros(())}),
        checkpoint.CheckpointError,
        ["['w']", "float32", "bfloat16", "`params`"],
    ),
    (
        "optimizer",
        dict(optimizer=optim.sgd(0.1, momentum=0.9)),
        checkpoint.CheckpointError,
        ["`opt_state`", "optimizer"],
    ),
]


@pytest.mark.parametrize(
    "change, error, words",
    [c[1:] for c in RESUME_MISMATCHES],
    ids=[c[0] for c in RESUME_MISMATCHES],
)
def test_resume_refuses_another_run_configuration(saved_run, change, error, words):
    args = dict(loss_fn=linear_loss, params=PARAMS, optimizer=ADAM, x=X, y=Y, batch_size=4, key=KEY)
    args.update(epochs=EPOCHS, resume=saved_run, progress=False)
    args.update(change)
    positional = [args.pop(k) for k in ("loss_fn", "params", "optimizer", "x", "y")]
    with pytest.raises(error) as info:
        train.fit(*positional, **args)
    for word in words:
        assert word in str(info.value), f"{word!r} not in {info.value}"


def test_resume_refuses_a_checkpoint_not_written_by_fit(tmp_path):
    path = tmp_path / "params.safetensors"
    checkpoint.save(path, {"params": PARAMS})
    with pytest.raises(ValueError, match="not written by fit"):
        train.fit(linear_loss, PARAMS, ADAM, X, Y, resume=path, progress=False)


# NaN/inf policies. Example 1's batch is poisoned: its loss and its gradient are NaN.
def poisoned_loss(params, xb, yb):
    del yb
    fit_term = jnp.mean((params["a"] - xb[:, 0]) ** 2) + jnp.mean((params["w"] - xb[:, 0]) ** 2)
    bad = xb[:, 0] == 1.0  # sqrt(w - 100) < 0 there: NaN value and gradient (double where, so
    inside = jnp.where(bad, params["w"] - 100.0, 1.0)  # the other rows' gradients stay finite)
    return fit_term + jnp.mean(jnp.where(bad, jnp.sqrt(inside), 0.0))


PX = jnp.arange(4.0)[:, None]
PY = jnp.zeros(4)
P0 = {"a": jnp.zeros(()), "w": jnp.zeros(())}


def test_skip_policy_matches_skip_nonfinite_and_counts_the_skips():
    epochs = 3
    opt = optim.adam(0.1)
    r = train.fit(
        poisoned_loss,
        P0,
        opt,
        PX,
        PY,
        batch_size=1,
        shuffle=False,
        epochs=epochs,
        on_nonfinite="skip",
        progress=False,
    )
    h = r.history
    assert (h.stopped, h.epochs, h.steps, h.skipped) == ("epochs", epochs, 4 * epochs, epochs)
    assert np.isnan(h.step_loss.reshape(epochs, 4)[:, 1]).all()
    assert int(r.opt_state.count) == 3 * epochs  # the count advances on applied updates only
    # reference: a Python loop of jitted steps with skip_nonfinite, batches 0, 1, 2, 3
    wrapped = optim.skip_nonfinite(opt)

    @jax.jit
    def step(params, state, xb):
        loss, grads = jax.value_and_grad(poisoned_loss)(params, xb, None)
        updates, state = wrapped.update(grads, state, params)
        return optim.apply_updates(params, updates), state, loss

    params, state, losses = P0, wrapped.init(P0), []
    for _ in range(epochs):
        for i in range(4):
            params, state, loss = step(params, state, PX[i : i + 1])
            losses.append(float(loss))
    assert int(state.skipped) == epochs
    assert_trees_allclose(r.params, params, rtol=1e-6, atol=1e-7)
    assert_trees_allclose(r.opt_state, state.inner_state, rtol=1e-6, atol=1e-7)
    assert np.all(np.isfinite(np.asarray(r.params["w"])))
    # epoch_loss: the mean of the applied steps (batches 0, 2, 3), not NaN
    applied = np.array(losses).reshape(epochs, 4)[:, [0, 2, 3]]
    np.testing.assert_allclose(h.epoch_loss, applied.mean(axis=1), rtol=1e-6)


def test_stop_policy_returns_the_last_finite_params_and_warns():
    with pytest.warns(RuntimeWarning, match=r"epoch 1 of 3, step 2 of 4 \(update 2 of the run\)"):
        r = train.fit(
            poisoned_loss, P0, optim.sgd(0.1), PX, PY, batch_size=1, shuffle=False, epochs=3,
            progress=False,
        )  # fmt: skip
    assert (r.history.stopped, r.history.steps, r.history.skipped) == ("nonfinite", 1, 0)
    # one SGD step on example 0 from zeros: the gradient of a and w is 2 (0 - 0) = 0
    assert float(r.params["a"]) == 0.0 and float(r.params["w"]) == 0.0


def test_raise_policy_names_epoch_step_and_first_nonfinite_leaf():
    p0 = {"a": jnp.full((), 0.5), "w": jnp.full((), 0.5)}
    with pytest.raises(train.NonfiniteError) as info:
        train.fit(
            poisoned_loss, p0, optim.sgd(0.1), PX, PY, batch_size=1, shuffle=False, epochs=3,
            on_nonfinite="raise", progress=False,
        )  # fmt: skip
    e = info.value
    assert isinstance(e, FloatingPointError)
    message = str(e)
    for word in ("epoch 1 of 3", "step 2 of 4", "update 2 of the run", "loss was nan"):
        assert word in message, message
    # a's gradient is finite; w's is the first non-finite leaf
    assert "first non-finite leaf: gradient ['w'] (1 of its 1 values NaN or inf)" in message
    assert (e.epoch, e.step, e.leaf.split(" (")[0]) == (1, 2, "gradient ['w']")
    # e.result is what "stop" returns: the params after the one good update on example 0
    assert e.result.history.stopped == "nonfinite" and e.result.history.steps == 1
    np.testing.assert_allclose(float(e.result.params["a"]), 0.5 - 0.1 * 2 * 0.5, rtol=1e-6)


def test_raise_policy_names_a_new_parameter_that_overflowed():
    # finite loss and gradient, but the step overflows float32: "update" is the first leaf
    with pytest.raises(train.NonfiniteError, match=r"update \['w'\]"):
        train.fit(
            lambda p, xb, yb: jnp.mean((p["w"] * xb[:, 0] - yb) ** 2),
            {"w": jnp.ones(())},
            optim.sgd(1e38),
            PX,
            PY,
            on_nonfinite="raise",
            progress=False,
        )


def test_readme_checkpoint_example_runs(tmp_path, monkeypatch):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    code = next(b for b in re.findall(r"```python\n(.*?)```", readme, flags=re.S) if "resume=" in b)
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(code, "README.md checkpoint example", "exec"), scope)
    assert scope["done"].history.epochs == 100
    assert checkpoint.metadata(tmp_path / "xor.safetensors")["epoch"] == 50


@pytest.mark.parametrize(
    "policy, settings",
    [
        ("stop", dict(batch_size=1, shuffle=False, epochs=3)),
        ("skip", dict(batch_size=1, shuffle=False, epochs=3)),
        ("stop", dict(batch_size=3, key=KEY, epochs=4)),
    ],
    ids=["stop-poisoned", "skip-poisoned", "stop-minibatch-shuffled"],
)
def test_guard_by_cond_and_by_where_give_the_same_run(policy, settings, monkeypatch):
    # The guard picks new or old values with lax.cond on CPU and jnp.where on GPU/TPU
    # (jaxnn.engine.epoch.select); both must give the same run: the same steps applied, skipped or
    # stopped at, and the same numbers up to float rounding (XLA fuses the update with the
    # where, which can round the last bit differently: measured 1 ulp). Each mode compiles its
    # own program (the mode is part of fit's cache key), checked through the compile times.
    results, opt = {}, optim.adam(0.1)  # one optimizer: the cache key differs by mode alone
    engine.cache_clear()  # programs are cached by value: other tests may have built these
    for use_cond in (True, False):
        monkeypatch.setattr(engine_epoch, "SELECT_WITH_COND", use_cond)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the stop policy's warning
            r = train.fit(
                poisoned_loss, P0, opt, PX, PY, on_nonfinite=policy,
                progress=False, **settings,
            )  # fmt: skip
        assert r.history.compile_time > 0, "the other mode's cached program was reused"
        results[use_cond] = r
    cond, where = results[True], results[False]
    assert_trees_allclose(
        (cond.params, cond.opt_state), (where.params, where.opt_state), rtol=1e-6, atol=1e-7
    )
    for field in ("step_loss", "epoch_loss"):  # NaN where the other has NaN
        np.testing.assert_allclose(
            getattr(cond.history, field), getattr(where.history, field), rtol=1e-6, atol=1e-7
        )
    assert (cond.history.stopped, cond.history.steps, cond.history.skipped) == (
        where.history.stopped,
        where.history.steps,
        where.history.skipped,
    )
    # the poisoned example is hit in these runs (not a vacuous comparison)
    assert np.isnan(cond.history.step_loss).any() or cond.history.stopped == "nonfinite"
