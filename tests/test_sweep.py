"""jaxnn.train.sweep: each run equals fit alone, one compilation, chunking, bad input, and every
optimizer and schedule taking a traced (vmapped) learning rate."""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxnn import data, losses, nn, optim, train
from jaxnn.optim import keras, schedules
from tests.helpers import assert_trees_allclose

pytestmark = pytest.mark.xdist_group("sweep")

SWEEP_VS_FIT_ATOL = 1e-5  # the bound (float32); measured <= 3e-6 on this grid
LRS = (0.1, 0.3)
EPOCHS = 10
BATCH = 3  # n = 4: one full batch and a smaller last batch of 1 per epoch


def _loss(params, xb, yb):
    logits = nn.mlp(params, xb, activation="tanh")[:, 0]
    return losses.sigmoid_binary_cross_entropy(logits, yb.astype(jnp.float32))


def _init(key):
    return nn.init_mlp(key, [2, 4, 1])


class _CountingMomentum:
    """``make_optimizer`` that counts how often it is traced (called with a traced rate)."""

    def __init__(self):
        self.traces = 0

    def __call__(self, learning_rate):
        if isinstance(learning_rate, jax.core.Tracer):
            self.traces += 1
        return optim.momentum(learning_rate, 0.9)


MAKE_OPTIMIZER = _CountingMomentum()
KEYS = jax.random.split(jax.random.key(0), 3)


def _sweep(**kw):
    x, y = data.xor()
    kw = {"batch_size": BATCH, "epochs": EPOCHS, "progress": False, "keys": KEYS,
          "learning_rates": LRS, **kw}  # fmt: skip
    return train.sweep(_loss, _init, MAKE_OPTIMIZER, x, y, **kw)


@pytest.fixture(scope="module")
def whole():
    before = MAKE_OPTIMIZER.traces
    result = _sweep()
    return result, MAKE_OPTIMIZER.traces - before


def test_each_run_equals_fit_alone(whole):
    result, _ = whole
    x, y = data.xor()
    assert result.epoch_loss.shape == (len(LRS), len(KEYS), EPOCHS)
    assert result.step_loss.shape == (len(LRS), len(KEYS), EPOCHS, 2)
    assert not result.diverged.any()
    np.testing.assert_array_equal(result.learning_rates, LRS)
    for i, lr in enumerate(LRS):
        optimizer = optim.momentum(lr, 0.9)  # one object per rate: fit compiles once per rate
        for j in range(len(KEYS)):
            init_key, data_key = jax.random.split(KEYS[j])
            alone = train.fit(
                _loss, _init(init_key), optimizer, x, y, batch_size=BATCH, epochs=EPOCHS,
                key=data_key, progress=False,
            )  # fmt: skip
            run = jax.tree.map(lambda a, i=i, j=j: a[i, j], result.params)
            assert_trees_allclose(run, alone.params, rtol=0, atol=SWEEP_VS_FIT_ATOL)
            np.testing.assert_allclose(
                result.epoch_loss[i, j], alone.history.epoch_loss, rtol=0, atol=1e-5
            )
            assert np.isfinite(result.epoch_loss[i, j]).all()
    # the runs differ from each other (not one run broadcast)
    assert np.ptp(result.final_loss) > 1e-3


def test_one_compilation_and_chunking_gives_the_same_results(whole):
    result, traces = whole
    assert traces == 1  # the whole 2 x 3 grid: one trace of the vmapped program
    assert result.chunks == 1 and result.runs_per_chunk == 6
    before = MAKE_OPTIMIZER.traces
    chunked = _sweep(runs_per_chunk=4)  # 6 runs -> 2 equal chunks of 3 (no padding)
    assert MAKE_OPTIMIZER.traces - before == 1  # one program for both chunks
    assert (chunked.chunks, chunked.runs_per_chunk) == (2, 3)
    np.testing.assert_array_equal(chunked.epoch_loss, result.epoch_loss)
    assert_trees_allclose(chunked.params, result.params, rtol=0, atol=0)
    # the memory guard picks the same chunk size here, says so, and reuses the compiled program
    before = MAKE_OPTIMIZER.traces
    with pytest.warns(ResourceWarning, match="2 chunks of 3 runs"):
        guarded = _sweep(max_memory=_bytes_for_runs(4))
    assert MAKE_OPTIMIZER.traces == before and guarded.compile_time == 0.0
    np.testing.assert_array_equal(guarded.epoch_loss, result.epoch_loss)
    # padding: 5 runs in chunks of 3 (the same compiled program), the 6th run dropped
    before = MAKE_OPTIMIZER.traces
    padded = _sweep(runs_per_chunk=3, keys=KEYS[:1], learning_rates=[0.1, 0.3, 0.1, 0.3, 0.1])
    assert MAKE_OPTIMIZER.traces == before and padded.epoch_loss.shape == (5, 1, EPOCHS)
    np.testing.assert_array_equal(padded.epoch_loss[:, 0], result.epoch_loss[[0, 1, 0, 1, 0], 0])
    # a second identical call compiles nothing
    assert _sweep().compile_time == 0.0


def _bytes_for_runs(runs: int) -> int:
    """A max_memory that lets exactly ``runs`` runs of the test grid through the guard."""
    from jaxnn.sweep import estimate_run_bytes

    x, y = data.xor()
    params = jax.eval_shape(_init, KEYS[0])
    state = jax.eval_shape(optim.momentum(0.1, 0.9).init, params)
    per_run = estimate_run_bytes(_loss, params, state, x[:BATCH], y[:BATCH])
    per_run += x[:BATCH].nbytes + y[:BATCH].nbytes + 4 * EPOCHS * (2 + 1) + 64
    return per_run * runs + per_run // 2


def test_diverged_runs_stop_with_the_last_finite_params():
    x = jnp.array([[1.0], [2.0]])
    y = jnp.array([1.0, 2.0])
    loss = lambda w, xb, yb: jnp.mean((xb[:, 0] * w - yb) ** 2)  # noqa: E731
    keys = jax.random.split(jax.random.key(0), 2)
    r = train.sweep(
        loss, lambda k: jnp.zeros(()), optim.sgd, x, y, keys=keys,
        learning_rates=[0.1, 1e30], epochs=3, progress=False,
    )  # fmt: skip
    assert r.diverged.tolist() == [[False, False], [True, True]]
    # epoch 1 jumps to w = 5e30 (finite), epoch 2's loss overflows: NaN from there on
    assert np.isfinite(r.epoch_loss[0]).all() and np.isfinite(r.epoch_loss[1, :, 0]).all()
    assert np.isnan(r.epoch_loss[1, :, 1:]).all()
    with pytest.warns(RuntimeWarning, match="fit stopped"):
        alone = train.fit(loss, jnp.zeros(()), optim.sgd(1e30), x, y, epochs=3, progress=False)
    assert alone.history.stopped == "nonfinite" and alone.history.epochs == 1
    assert np.isfinite(alone.params) and float(alone.params) > 1e29
    np.testing.assert_array_equal(r.params[1], [alone.params, alone.params])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(learning_rates=[]), ValueError, "`learning_rates` is empty"),
        (dict(learning_rates=[0.1, 0.0]), ValueError, r"finite and positive, got \[0.0\]"),
        (dict(learning_rates=[0.1, -1.0]), ValueError, r"positions \[1\]"),
        (dict(learning_rates=[float("nan")]), ValueError, "finite and positive"),
        (dict(learning_rates=[[0.1, 0.2]]), ValueError, "must be 1-D"),
        (dict(learning_rates="0.1"), TypeError, "`learning_rates` must be a 1-D sequence"),
        (dict(keys=jax.random.split(jax.random.key(0), 0)), ValueError, "`keys` is empty"),
        (dict(keys=jax.random.key(0)), ValueError, r"shape \(K,\), got shape \(\)"),
        (dict(keys=jnp.zeros((3, 4), jnp.uint32)), ValueError, r"\(K, 2\), got shape \(3, 4\)"),
        (dict(keys=np.arange(3)), TypeError, "`keys` must be a JAX key array"),
        (dict(keys=jnp.arange(3.0)), TypeError, "`keys` must be PRNG keys"),
        (dict(epochs=0), ValueError, "`epochs` must be >= 1"),
        (dict(batch_size=5), ValueError, "`batch_size` must be between 1"),
        (dict(runs_per_chunk=0), ValueError, "`runs_per_chunk` must be >= 1"),
        (dict(max_memory=-1), ValueError, "`max_memory` must be >= 1"),
        (dict(make_optimizer=1.0), TypeError, "`make_optimizer` must be callable"),
        (dict(make_optimizer=lambda lr: lr), TypeError, "`make_optimizer` must return an optim"),
        (dict(init_params=lambda k: k + "a"), TypeError, "`init_params` failed"),
    ],
)
def test_bad_input(kwargs, error, match):
    x, y = data.xor()
    args = dict(
        loss_fn=_loss, init_params=_init, make_optimizer=optim.sgd, x=x, y=y,
        keys=KEYS, learning_rates=[0.1],
    )  # fmt: skip
    args.update(kwargs)
    with pytest.raises(error, match=match):
        train.sweep(**args)


def _factories():
    found = {}
    for name in optim.__all__:
        f = getattr(optim, name)
        if callable(f) and "learning_rate" in inspect.signature(f).parameters:
            found[name] = f
    for name in ("SGD", "Adagrad", "Adam", "RMSprop"):
        found[f"keras.{name}"] = getattr(keras, name)
    return found


FACTORIES = _factories()


def test_every_optimizer_takes_a_traced_learning_rate():
    # vmap over the rate == each rate as a Python float (2 updates, gradients that depend on
    # w); all optimizers in one jitted program (one compile instead of many eager vmaps)
    assert len(FACTORIES) >= 16, sorted(FACTORIES)
    params = {"w": jnp.array([1.0, -2.0, 0.5]), "b": jnp.array(0.3)}
    rates = (0.3, 0.03)

    def run(factory, lr):
        opt = factory(learning_rate=lr)
        p, s = params, opt.init(params)
        for _ in range(2):
            g = jax.grad(lambda q: jnp.sum(q["w"] ** 4) + q["b"] ** 2 * jnp.sum(q["w"]))(p)
            u, s = opt.update(g, s, p)
            p = optim.apply_updates(p, u)
        return p

    @jax.jit
    def everything(traced_rates):
        swept = {
            n: jax.vmap(lambda lr, f=f: run(f, lr))(traced_rates) for n, f in FACTORIES.items()
        }
        alone = {n: [run(f, lr) for lr in rates] for n, f in FACTORIES.items()}  # Python floats
        return swept, alone

    swept, alone = everything(jnp.array(rates))
    for name in FACTORIES:
        for i in range(len(rates)):
            got = jax.tree.map(lambda a, i=i: a[i], swept[name])
            assert all(np.isfinite(leaf).all() for leaf in jax.tree.leaves(got)), name
            assert_trees_allclose(got, alone[name][i], rtol=1e-6, atol=1e-7)
        moved = swept[name]["w"][0] - swept[name]["w"][1]
        assert float(jnp.abs(moved).max()) > 1e-4, name  # the rate really is per run


def test_optax_takes_the_same_traced_rate_as_jaxnn():
    # against the reference: vmapped jaxnn.adam == vmapped optax.adam
    params = jnp.array([1.0, -2.0])
    g = jnp.array([0.5, -0.25])

    def run(factory, lr):
        opt = factory(lr)
        s = opt.init(params)
        u, s = opt.update(g, s, params)
        u, s = opt.update(2 * g, s, params)
        return u

    rates = jnp.array([0.1, 0.01])
    for ours, ref in ((optim.adam, optax.adam), (optim.sgd, optax.sgd), (optim.lion, optax.lion)):
        np.testing.assert_allclose(
            jax.vmap(lambda lr, f=ours: run(f, lr))(rates),
            jax.vmap(lambda lr, f=ref: run(f, lr))(rates),
            rtol=1e-6,
        )


SCHEDULES = {
    "constant": lambda v: schedules.constant(v),
    "cosine_decay": lambda v: schedules.cosine_decay(v, 10, alpha=0.1),
    "exponential_decay": lambda v: schedules.exponential_decay(v, 3, 0.5),
    "exponential_decay-end": lambda v: schedules.exponential_decay(v, 3, 0.5, end_value=0.01),
    "inverse_time_decay": lambda v: schedules.inverse_time_decay(v, 0.5),
    "linear": lambda v: schedules.linear(v, 0.0, 10),
    "piecewise_constant": lambda v: schedules.piecewise_constant(v, {3: 0.5}),
    "warmup_cosine_decay": lambda v: schedules.warmup_cosine_decay(0.0, v, 3, 10),
}


def test_every_schedule_takes_a_traced_value():
    assert set(schedules.__all__) - {"Schedule"} <= {k.split("-")[0] for k in SCHEDULES}
    counts = jnp.arange(12)
    values = (0.2, 0.05)

    @jax.jit
    def everything(traced_values):
        out = {}
        for name, build in SCHEDULES.items():
            curves = jax.vmap(lambda v, b=build: jax.vmap(b(v))(counts))(traced_values)
            # an optimizer built on the schedule inside vmap: its first update is -schedule(0)
            first = jax.vmap(
                lambda v, b=build: optim.sgd(b(v)).update(
                    jnp.ones(2), optim.sgd(b(v)).init(jnp.ones(2)), jnp.ones(2)
                )[0]
            )(traced_values)
            out[name] = (curves, first)
        return out

    out = everything(jnp.array(values))
    for name, build in SCHEDULES.items():
        curves, first = out[name]
        for i, v in enumerate(values):
            alone = np.array([float(build(v)(c)) for c in range(12)])  # eager, Python floats
            assert np.isfinite(alone).all(), name
            np.testing.assert_allclose(curves[i], alone, rtol=1e-6, atol=1e-8, err_msg=name)
            np.testing.assert_allclose(first[i], [-alone[0]] * 2, rtol=1e-6, err_msg=name)


def test_one_run_per_chunk_equals_the_unchunked_grid(whole):
    result, _ = whole
    single = _sweep(runs_per_chunk=1)  # run as pairs: vmap over one run rounds differently
    assert (single.chunks, single.runs_per_chunk) == (3, 2)
    np.testing.assert_array_equal(single.epoch_loss, result.epoch_loss)
    assert_trees_allclose(single.params, result.params, rtol=0, atol=0)


@pytest.mark.slow
def test_the_memory_guard_bounds_the_whole_sweep():
    # 200 runs of a 250k-parameter MLP with max_memory 50 MB: the peak RSS grows by at most
    # 2 x max_memory beyond the result itself (initial params are built per chunk, results go
    # into preallocated host arrays: measured +6 MB beyond a 402 MB result)
    import json
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).with_name("sweep_memory_script.py")
    max_memory = 50_000_000
    out = subprocess.run(
        [sys.executable, str(script), "200", str(max_memory)],
        capture_output=True, text=True, timeout=900, check=True,
    )  # fmt: skip
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["chunks"] > 1 and report["compile_time"] == 0.0
    assert report["growth"] <= 2 * max_memory + report["result_bytes"], report
