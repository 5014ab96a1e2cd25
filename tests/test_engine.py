"""The training core (jaxnn.engine) against plain references.

- the fast shuffle equals jax.random.permutation bit for bit;
- fit equals a plain Python loop over a jitted step, bit for bit: finite runs, a ragged last
  batch, full batch, a non-finite update mid-epoch under "stop" and "skip", resume after a crash;
- the compile cache keys programs by value: fresh equal optimizers, other epochs and targets
  reuse one program (traces counted);
- the guard sees a non-finite optimizer state (Lion, one inf gradient) under every policy;
- fit and sweep run under x64.
"""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxnn import data, engine, losses, nn, optim, train
from jaxnn.engine import cache
from jaxnn.permutation import permutation, sort_rounds

pytestmark = pytest.mark.xdist_group("train")  # one worker: compiled programs are shared

X, Y = data.blobs(jax.random.key(0), 37, centers=3, features=4)
P0 = nn.init_mlp(jax.random.key(1), [4, 8, 3])
KEY = jax.random.key(7)


def mlp_loss(params, xb, yb):
    return losses.softmax_cross_entropy(nn.mlp(params, xb, activation="tanh"), yb)


def bits(tree):
    return [np.asarray(a).tobytes() for a in jax.tree.leaves(tree)]


def reference_fit(loss_fn, params, opt, x, y, batch_size, epochs, key, policy="stop"):
    """A plain Python loop over a jitted step, the order from jax.random.permutation."""
    step = jax.jit(train.make_step(loss_fn, opt))
    state, n = opt.init(params), x.shape[0]
    b = n if batch_size is None else batch_size
    step_loss, skipped = [], 0
    for e in range(epochs):
        if batch_size is None:
            order = np.arange(n)
        else:
            order = np.asarray(jax.random.permutation(jax.random.fold_in(key, e), n))
        for i in range(0, n, b):
            idx = order[i : i + b]
            new_p, new_s, loss = step(params, state, x[idx], y[idx])
            step_loss.append(np.asarray(loss))
            finite = all(np.isfinite(np.asarray(a)).all() for a in jax.tree.leaves((new_p, new_s)))
            if np.isfinite(loss) and finite:
                params, state = new_p, new_s
            elif policy == "stop":
                return params, state, np.array(step_loss), skipped
            else:
                skipped += 1
    return params, state, np.array(step_loss), skipped


# -- the shuffle --------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 2, 5, 1625, 1626, 5120, 40_000])
def test_permutation_equals_jax_random_permutation(n):
    keys = jax.random.split(jax.random.key(n), 4)
    fast = jax.jit(jax.vmap(lambda k: permutation(k, n)))(keys)
    for k, got in zip(keys, fast, strict=True):
        np.testing.assert_array_equal(got, jax.random.permutation(k, n))
    assert fast.dtype == jnp.int32 and sort_rounds(n) == (0 if n < 2 else 1 if n <= 1625 else 2)


def test_permutation_equals_for_raw_and_other_prng_keys():
    for key in (jax.random.PRNGKey(3), jax.random.key(3, impl="rbg")):
        np.testing.assert_array_equal(permutation(key, 3000), jax.random.permutation(key, 3000))


def test_permutation_under_x64_and_bad_n(x64):
    np.testing.assert_array_equal(
        permutation(jax.random.key(0), 2000), jax.random.permutation(jax.random.key(0), 2000)
    )
    with pytest.raises(ValueError, match=r"`n` must be an integer in \[0, 2147483647\], got n=-1"):
        permutation(jax.random.key(0), -1)


def test_epoch_order_uses_the_same_permutation():
    np.testing.assert_array_equal(data.epoch_order(KEY, 100), jax.random.permutation(KEY, 100))


# -- fit against the plain loop -----------------------------------------------------------


@pytest.mark.parametrize(
    "batch_size, opt",
    [(None, optim.adam(0.05)), (8, optim.adam(0.05)), (5, optim.nesterov(0.1, 0.9)),
     (37, optim.rmsprop(0.01)), (1, optim.sgd(0.1))],
    ids=["full-batch", "ragged-8", "ragged-5-nesterov", "one-batch", "sgd-online"],
)  # fmt: skip
def test_fit_is_bit_identical_to_a_plain_loop(batch_size, opt):
    epochs = 3
    r = train.fit(mlp_loss, P0, opt, X, Y, batch_size=batch_size, epochs=epochs, key=KEY,
                  progress=False)  # fmt: skip
    params, state, step_loss, _ = reference_fit(mlp_loss, P0, opt, X, Y, batch_size, epochs, KEY)
    assert bits(r.params) == bits(params) and bits(r.opt_state) == bits(state)
    np.testing.assert_array_equal(r.history.step_loss, step_loss)


def poisoned(params, xb, yb):
    """A loss that is NaN on any batch holding example 0 (a NaN in the data, in effect)."""
    bad = jnp.any(jnp.all(xb == X[0][None, :], axis=-1))
    return mlp_loss(params, xb, yb) + jnp.where(bad, jnp.nan, 0.0)


@pytest.mark.parametrize("policy", ["stop", "skip"])
def test_a_nonfinite_update_mid_epoch_is_replayed_exactly(policy):
    opt = optim.adam(0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the stop policy's warning
        r = train.fit(poisoned, P0, opt, X, Y, batch_size=4, epochs=3, key=KEY,
                      on_nonfinite=policy, progress=False)  # fmt: skip
    params, state, step_loss, skipped = reference_fit(poisoned, P0, opt, X, Y, 4, 3, KEY, policy)
    assert bits(r.params) == bits(params) and bits(r.opt_state) == bits(state)
    applied_or_skipped = step_loss[:-1] if policy == "stop" else step_loss  # not the bad one
    np.testing.assert_array_equal(r.history.step_loss, applied_or_skipped)
    if policy == "stop":
        assert r.history.stopped == "nonfinite" and r.history.steps == len(step_loss) - 1
        assert 0 < r.history.steps < 10  # it stopped inside the first epoch
    else:
        assert r.history.skipped == skipped == 3 and r.history.stopped == "epochs"


def test_resume_after_a_crash_equals_the_plain_loop(tmp_path):
    path, opt = tmp_path / "run.safetensors", optim.adam(0.05)
    kw = dict(batch_size=8, key=KEY, progress=False)
    train.fit(mlp_loss, P0, opt, X, Y, epochs=2, checkpoint=path, **kw)  # "crashed" after 2
    r = train.fit(mlp_loss, P0, opt, X, Y, epochs=5, resume=path, **kw)
    params, state, step_loss, _ = reference_fit(mlp_loss, P0, opt, X, Y, 8, 5, KEY)
    assert bits(r.params) == bits(params) and bits(r.opt_state) == bits(state)
    np.testing.assert_array_equal(r.history.step_loss, step_loss)


# -- the guard sees the optimizer state ---------------------------------------------------


def inf_gradient_once(params, xb, yb):
    """Finite loss; the gradient of `w` is +inf on the batch holding example 0 only."""
    hit = jnp.any(jnp.all(xb == X[0][None, :], axis=-1))
    return jnp.mean((xb @ params["w"]) ** 2) + _inf_grad(params["w"], hit)


@jax.custom_jvp
def _inf_grad(w, hit):
    return jnp.zeros((), w.dtype)


@_inf_grad.defjvp
def _inf_grad_jvp(primals, tangents):
    w, hit = primals
    dw, _ = tangents
    return jnp.zeros((), w.dtype), jnp.sum(dw) * jnp.where(hit, jnp.inf, 0.0)


@pytest.mark.parametrize("policy", ["stop", "skip", "raise"])
def test_lion_with_one_inf_gradient_is_caught_by_every_policy(policy):
    # Lion: sign(inf) = 1 keeps the params finite, but the momentum becomes inf
    params = {"w": jnp.full((4,), 0.1)}
    opt = optim.lion(1e-3)
    kw = dict(batch_size=4, epochs=2, key=KEY, on_nonfinite=policy, progress=False)
    if policy == "raise":
        with pytest.raises(train.NonfiniteError, match=r"first non-finite leaf: gradient \['w'\]"):
            train.fit(inf_gradient_once, params, opt, X, Y, **kw)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        r = train.fit(inf_gradient_once, params, opt, X, Y, **kw)
    assert all(np.isfinite(np.asarray(a)).all() for a in jax.tree.leaves(r.opt_state))
    if policy == "stop":
        assert r.history.stopped == "nonfinite"
    else:
        assert r.history.skipped == 2 and r.history.stopped == "epochs"  # once per epoch


# -- compile caching by value -------------------------------------------------------------

TRACES = {"n": 0}


def counted_loss(params, xb, yb):
    TRACES["n"] += 1
    return mlp_loss(params, xb, yb)


def test_ten_fits_with_fresh_optimizers_compile_once():
    first = train.fit(counted_loss, P0, optim.adam(1e-3), X, Y, epochs=2, progress=False)
    traced = TRACES["n"]
    for epochs in range(1, 11):  # a fresh optimizer, another epochs, a target every other time
        target = 1e-6 if epochs % 2 else None
        r = train.fit(counted_loss, P0, optim.adam(1e-3), X, Y, epochs=epochs,
                      target_loss=target, progress=False)  # fmt: skip
        assert r.history.compile_time == 0.0
    assert TRACES["n"] == traced and first.history.compile_time > 0


def test_fingerprint_is_by_value():
    fp = cache.fingerprint
    assert fp(optim.adam(1e-3)) == fp(optim.adam(1e-3)) != fp(optim.adam(1e-3, b1=0.8))
    assert fp(optax.adam(1e-3)) == fp(optax.adam(1e-3)) != fp(optax.adam(2e-3))
    sched = optim.schedules.exponential_decay(0.1, 10, 0.5)
    assert fp(optim.sgd(sched)) == fp(optim.sgd(optim.schedules.exponential_decay(0.1, 10, 0.5)))
    assert fp(optim.sgd(0.1)) != fp(optim.sgd(np.float32(0.1)))  # another type traces otherwise
    assert fp(0.0) != fp(-0.0)
    lambdas = [lambda p, x, y, s=s: s * p for s in (1.0, 1.0, 2.0)]
    assert fp(lambdas[0]) == fp(lambdas[1]) != fp(lambdas[2])

    class Init:  # a callable class that says what equal means
        def __init__(self, sizes):
            self.sizes = tuple(sizes)

        def __call__(self, key):
            return nn.init_mlp(key, list(self.sizes))

        def __eq__(self, other):
            return isinstance(other, Init) and other.sizes == self.sizes

        def __hash__(self):
            return hash(self.sizes)

    assert fp(Init([2, 3])) == fp(Init([2, 3])) != fp(Init([2, 4]))
    assert fp(object()) != fp(object())  # no equality of its own: by identity
    big = np.zeros(10_000)  # large arrays by identity
    assert fp(big) == fp(big) and fp(big) != fp(np.zeros(10_000))
    info = engine.cache_info()
    assert set(info) == {"hits", "misses", "size"} and info["size"] <= cache.CACHE_SIZE


# -- x64 ----------------------------------------------------------------------------------


def test_fit_and_sweep_under_x64(x64):
    x, y = X.astype(jnp.float64), Y
    p64 = jax.tree.map(lambda a: a.astype(jnp.float64), P0)
    r = train.fit(mlp_loss, p64, optim.adam(0.05), x, y, batch_size=8, epochs=3, key=KEY,
                  eval_data=(x, y), target_loss=1e-9, progress=False)  # fmt: skip
    assert jax.tree.leaves(r.params)[0].dtype == jnp.float64
    assert r.history.epoch_loss.dtype == np.float64 and r.history.epochs == 3
    params, _, step_loss, _ = reference_fit(mlp_loss, p64, optim.adam(0.05), x, y, 8, 3, KEY)
    assert bits(r.params) == bits(params)
    np.testing.assert_array_equal(r.history.step_loss, step_loss)
    s = train.sweep(mlp_loss, lambda k: nn.init_mlp(k, [4, 8, 3], dtype=jnp.float64),
                    optim.adam, x, y, keys=jax.random.split(KEY, 2), learning_rates=[0.05],
                    batch_size=8, epochs=1, progress=False)  # fmt: skip
    assert s.epoch_loss.dtype == np.float64 and np.isfinite(s.epoch_loss).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        stopped = train.fit(poisoned, p64, optim.sgd(0.1), x, y, batch_size=4, epochs=2,
                            key=KEY, progress=False)  # fmt: skip
    assert stopped.history.stopped == "nonfinite"


def test_out_of_range_epochs_are_a_clear_error():
    with pytest.raises(ValueError, match=r"`epochs` must be <= 2\*\*31 - 1"):
        train.fit(mlp_loss, P0, optim.sgd(0.1), X, Y, epochs=2**31, progress=False)
    with pytest.raises(ValueError, match=r"`epoch` must be >= 0, got epoch=-1"):
        train.epoch_key(KEY, -1)
    with pytest.raises(TypeError, match="`epoch` must be an integer"):
        train.epoch_key(KEY, 2.5)
    with pytest.raises(ValueError, match=r"`n` must be <= 2\*\*31 - 1"):
        train.make_epoch(mlp_loss, optim.sgd(0.1), 10**12, 10)


# -- checkpoints that cannot be written ---------------------------------------------------


def test_an_unwritable_checkpoint_is_refused_before_training(tmp_path):
    from jaxnn import checkpoint

    target = tmp_path / "fifo"
    import os

    os.mkfifo(target)
    calls = []

    def loss(params, xb, yb):
        calls.append(1)
        return mlp_loss(params, xb, yb)

    with pytest.raises(checkpoint.CheckpointPathError, match="fifo"):
        train.fit(loss, P0, optim.sgd(0.1), X, Y, epochs=3, checkpoint=target, progress=False)
    assert not calls and target.is_fifo()  # nothing traced, the FIFO still there


def test_a_save_that_fails_later_warns_and_returns_the_result(tmp_path, monkeypatch):
    from jaxnn import checkpoint

    path = tmp_path / "run.safetensors"
    real_save = checkpoint.save
    saves = []

    def full_disk(*args, **kwargs):
        saves.append(1)
        if len(saves) > 1:  # the first save works, the next finds the disk full
            raise checkpoint.CheckpointPathError(f"{str(path)!r}: no space left on device.")
        return real_save(*args, **kwargs)

    monkeypatch.setattr(checkpoint, "save", full_disk)
    with pytest.warns(RuntimeWarning, match="could not save the checkpoint") as record:
        r = train.fit(mlp_loss, P0, optim.sgd(0.1), X, Y, epochs=6, checkpoint=path,
                      checkpoint_every=2, progress=False)  # fmt: skip
    assert [str(w.message).split(":")[1] for w in record] == [
        " could not save the checkpoint at epoch 4",
        " could not save the checkpoint at epoch 6",
    ]
    assert r.history.epochs == 6 and len(saves) == 3 and "no space left" in str(record[0].message)
    assert checkpoint.metadata(path)["epoch"] == 2  # the last good checkpoint is intact
