"""jaxnn.checkpoint: bit-exact round trips, atomic writes, and clear errors for bad files."""

from __future__ import annotations

import json
import os
import pickle

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from safetensors import numpy as st_numpy

from jaxnn import checkpoint, nn, optim, train
from jaxnn.optim import keras

PARAMS = {
    "layers": nn.init_mlp(jax.random.key(0), [3, 4, 2]),
    "scalar": jnp.asarray(1.5),
    "nothing": None,
    "empty": (),
}


def _bit_equal(a, b):
    assert jax.tree.structure(a) == jax.tree.structure(b), (
        jax.tree.structure(a),
        jax.tree.structure(b),
    )
    for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True):
        x, y = np.asarray(x), np.asarray(y)
        assert x.dtype == y.dtype and x.shape == y.shape
        assert x.tobytes() == y.tobytes()


def _stepped_state(opt, params=PARAMS):
    state = opt.init(params)
    grads = jax.tree.map(lambda p: jnp.full_like(p, 0.3), params)
    for _ in range(3):
        _, state = opt.update(grads, state, params)
    return state


OPTIMIZERS = {
    "sgd": optim.sgd(0.1),
    "momentum": optim.momentum(0.1),
    "nesterov": optim.nesterov(0.1),
    "adagrad": optim.adagrad(0.1),
    "rmsprop-centered-momentum": optim.rmsprop(0.1, centered=True, momentum=0.9),
    "adam": optim.adam(0.1),
    "chain-with-optax": optim.chain(optax.clip_by_global_norm(1.0), optim.adam(0.1)),
}
# The wider family, the guard and the legacy Keras calls: their states are filled with random
# bits of the right dtypes instead of stepped (no JAX work, so the table stays cheap).
FAMILY = {
    "adamw": optim.adamw(0.1),
    "nadam": optim.nadam(0.1),
    "amsgrad": optim.amsgrad(0.1),
    "adamax": optim.adamax(0.1),
    "adadelta": optim.adadelta(),
    "lion": optim.lion(0.1),
    "clip-decay-chain": optim.chain(
        optim.clip(1.0), optim.add_decayed_weights(1e-4), optim.sgd(0.1, 0.9)
    ),
    "skip-nonfinite": optim.skip_nonfinite(optim.adam(0.1)),
    "keras-sgd": keras.SGD(lr=0.1, momentum=0.9, decay=1e-3),
    "keras-adagrad": keras.Adagrad(),
    "keras-rmsprop": keras.RMSprop(),
    "keras-adam": keras.Adam(decay=1e-3),
}


def _filled_state(opt, params=PARAMS):
    rng = np.random.default_rng(0)

    def fill(leaf):
        a = np.asarray(leaf)
        if a.dtype == bool:
            return jnp.asarray(rng.integers(0, 2, a.shape).astype(bool))
        if np.issubdtype(a.dtype, np.integer):
            return jnp.asarray(rng.integers(0, 2**31 - 1, a.shape, dtype=a.dtype))
        return jnp.asarray(rng.standard_normal(a.shape).astype(a.dtype))

    return jax.tree.map(fill, opt.init(params))


@pytest.mark.parametrize("name", [*OPTIMIZERS, *FAMILY])
def test_every_optimizer_state_round_trips_bit_exact(name, tmp_path):
    if name in OPTIMIZERS:
        state = _stepped_state(OPTIMIZERS[name])
    else:
        state = _filled_state(FAMILY[name])
    path = tmp_path / "state.safetensors"
    checkpoint.save(path, {"params": PARAMS, "state": state})
    restored = checkpoint.load(path)
    _bit_equal(restored, {"params": PARAMS, "state": state})
    # NamedTuple classes come back as themselves (jaxnn and optax ones are trusted names).
    assert type(restored["state"]) is type(state)
    if isinstance(state, tuple) and not hasattr(state, "_fields"):  # a chain: its members too
        assert [type(s) for s in restored["state"]] == [type(s) for s in state]


def test_dtypes_and_python_values_kept(tmp_path, x64):
    tree = {
        "bf16": jnp.arange(4, dtype=jnp.bfloat16),
        "f64": jnp.linspace(0, 1, 3, dtype=jnp.float64),
        "i64": jnp.arange(3, dtype=jnp.int64),
        "u32": jnp.arange(2, dtype=jnp.uint32),
        "bool": jnp.array([True, False]),
        "count": jnp.asarray(2**31 - 1, jnp.int32),
        "empty": jnp.zeros((0, 3)),
        "py": [1, 2.5, True],
        "key": jax.random.key(42),
        "raw_key": jax.random.PRNGKey(1),
    }
    path = tmp_path / "t.safetensors"
    checkpoint.save(path, tree, metadata={"epoch": 7, "note": "x"})
    out = checkpoint.load(path)
    assert out["py"] == [1, 2.5, True] and [type(v) for v in out["py"]] == [int, float, bool]
    assert jax.random.key_impl(out["key"]) == jax.random.key_impl(tree["key"])
    np.testing.assert_array_equal(jax.random.key_data(out["key"]), jax.random.key_data(tree["key"]))
    rest = {k: v for k, v in tree.items() if k not in ("py", "key")}
    _bit_equal({k: out[k] for k in rest}, rest)
    assert checkpoint.metadata(path) == {"epoch": 7, "note": "x"}


def test_float64_is_not_narrowed_when_x64_is_off(tmp_path):
    path = tmp_path / "f64.safetensors"
    with jax.enable_x64(True):
        checkpoint.save(path, {"w": jnp.full(2, 0.1, jnp.float64)})
    out = checkpoint.load(path)
    assert out["w"].dtype == np.float64 and out["w"][0] == 0.1


def test_like_rebuilds_the_exact_structure_and_checks_leaves(tmp_path):
    state = _stepped_state(optim.adam(0.1))
    path = tmp_path / "s.safetensors"
    checkpoint.save(path, state)
    template = optim.adam(0.1).init(PARAMS)
    restored = checkpoint.load(path, like=template)
    assert isinstance(restored, optim.AdamState)
    _bit_equal(restored, state)
    wrong = optim.adam(0.1).init({"w": jnp.ones(3)})
    with pytest.raises(checkpoint.CheckpointError, match="leaves but `like` has"):
        checkpoint.load(path, like=wrong)
    shape_changed = jax.tree.map(lambda x: jnp.zeros((*x.shape, 1)) if x.ndim else x, template)
    with pytest.raises(checkpoint.CheckpointError, match="shape"):
        checkpoint.load(path, like=shape_changed)
    dtype_changed = jax.tree.map(lambda x: x.astype(jnp.bfloat16) if x.ndim else x, template)
    with pytest.raises(checkpoint.CheckpointError, match="dtype"):
        checkpoint.load(path, like=dtype_changed)


def test_truncated_file_is_a_clear_error(tmp_path):
    path = tmp_path / "t.safetensors"
    checkpoint.save(path, PARAMS)
    data = path.read_bytes()
    for cut in (4, 20, len(data) // 2, len(data) - 1):
        path.write_bytes(data[:cut])
        with pytest.raises(checkpoint.CheckpointError, match="truncated or corrupted"):
            checkpoint.load(path)


def test_flipped_bit_in_the_tensor_bytes_is_detected(tmp_path):
    path = tmp_path / "t.safetensors"
    checkpoint.save(path, PARAMS)
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x10  # inside the last tensor's bytes; the header stays valid
    path.write_bytes(bytes(data))
    with pytest.raises(checkpoint.CheckpointError, match="corrupted.*SHA-256"):
        checkpoint.load(path)


def test_future_version_and_foreign_files_are_refused(tmp_path):
    path = tmp_path / "v2.safetensors"
    checkpoint.save(path, PARAMS)
    n = int.from_bytes(path.read_bytes()[:8], "little")
    header = json.loads(path.read_bytes()[8 : 8 + n])["__metadata__"]
    header["version"] = "2"
    tensors = {str(i): np.asarray(x) for i, x in enumerate(jax.tree.leaves(PARAMS))}
    path.write_bytes(st_numpy.save(tensors, metadata=header))
    with pytest.raises(checkpoint.CheckpointError, match="version 2.*reads version 1.*upgrade"):
        checkpoint.load(path)
    foreign = tmp_path / "foreign.safetensors"
    foreign.write_bytes(st_numpy.save({"a": np.ones(2)}))
    with pytest.raises(checkpoint.CheckpointError, match="not a jaxnn checkpoint"):
        checkpoint.load(foreign)
    pickled = tmp_path / "evil.safetensors"
    pickled.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(checkpoint.CheckpointError):
        checkpoint.load(pickled)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        checkpoint.load(tmp_path / "missing.safetensors")


def test_crash_mid_save_leaves_the_previous_checkpoint_intact(tmp_path, monkeypatch):
    path = tmp_path / "c.safetensors"
    checkpoint.save(path, {"step": jnp.asarray(1)})

    def crash(fd):
        raise KeyboardInterrupt("power cut")  # after the bytes were written, before the rename

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        checkpoint.save(path, {"step": jnp.asarray(2)})
    monkeypatch.undo()
    assert int(checkpoint.load(path)["step"]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.safetensors"], "temp file left behind"


def test_unsupported_content_is_a_type_error(tmp_path):
    with pytest.raises(TypeError, match="cannot hold set"):
        checkpoint.save(tmp_path / "x", {"a": {1, 2}})
    with pytest.raises(TypeError, match="dict keys must be strings"):
        checkpoint.save(tmp_path / "x", {1: jnp.ones(1)})
    with pytest.raises(TypeError, match="metadata"):
        checkpoint.save(tmp_path / "x", {"a": jnp.ones(1)}, metadata={"f": object()})


def test_history_round_trips_with_its_strings_and_none_fields(tmp_path):
    history = train.History(
        step_loss=np.array([3.0, 2.0, np.nan], np.float32),
        epoch_loss=np.array([2.5], np.float32),
        eval_loss=None,
        eval_accuracy=np.array([0.75], np.float32),
        epoch_time=np.array([0.01]),
        compile_time=0.25,
        steps=3,
        epochs=1,
        stopped="nonfinite",
        message="fit stopped: the loss became nan at epoch 2 of 5",
        skipped=0,
    )
    path = tmp_path / "h.safetensors"
    checkpoint.save(path, {"history": history})
    out = checkpoint.load(path)["history"]
    assert type(out) is train.History
    assert tuple(out[6:]) == tuple(history[6:]) and (
        out.compile_time == 0.25 and out.eval_loss is None
    )
    assert [type(v) for v in out[5:]] == [float, int, int, str, str, int]
    for name in ("step_loss", "epoch_loss", "eval_accuracy", "epoch_time"):
        a, b = np.asarray(getattr(out, name)), getattr(history, name)
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), name
    # with a template, a string leaf must meet a string
    like = {"history": history._replace(stopped=1.0)}
    with pytest.raises(checkpoint.CheckpointError, match="str in the file but float"):
        checkpoint.load(path, like=like)
