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

from jaxnn import checkpoint, nn, optim

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


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_state_round_trips_bit_exact(name, tmp_path):
    state = _stepped_state(OPTIMIZERS[name])
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
