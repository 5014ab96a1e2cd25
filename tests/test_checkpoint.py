"""jaxnn.checkpoint: bit-exact round trips, atomic writes, and clear errors for bad files."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

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
    path = tmp_path / "v3.safetensors"
    checkpoint.save(path, PARAMS)
    n = int.from_bytes(path.read_bytes()[:8], "little")
    header = json.loads(path.read_bytes()[8 : 8 + n])["__metadata__"]
    header["version"] = "3"
    tensors = {str(i): np.asarray(x) for i, x in enumerate(jax.tree.leaves(PARAMS))}
    path.write_bytes(st_numpy.save(tensors, metadata=header))
    with pytest.raises(checkpoint.CheckpointError, match="version 3.*reads versions 1, 2.*upgrade"):
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


# ---------------------------------------------------------------------------------------------
# issue 17: targets that are not regular files, unwritable paths, stale temporary files, a digest
# of the whole file, crafted headers


def _header(path):
    data = path.read_bytes()
    n = int.from_bytes(data[:8], "little")
    return data, n, json.loads(data[8 : 8 + n])


def _rewrite(path, edit):
    """Rewrites the file with its JSON header edited by ``edit(header)`` (tensors unchanged)."""
    data, n, header = _header(path)
    edit(header)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(len(text).to_bytes(8, "little") + text + data[8 + n :])


def test_save_refuses_targets_that_are_not_regular_files(tmp_path):
    target = tmp_path / "real.safetensors"
    target.write_bytes(b"precious")
    link = tmp_path / "link.safetensors"
    link.symlink_to(target)
    fifo = tmp_path / "fifo.safetensors"
    os.mkfifo(fifo)
    for path, kind in ((link, "symbolic link"), (fifo, "FIFO"), ("/dev/null", "character device")):
        for call in (lambda p: checkpoint.save(p, PARAMS), checkpoint.check_writable):
            with pytest.raises(checkpoint.CheckpointPathError, match=f"{kind}.*regular file"):
                call(path)
    assert link.is_symlink() and os.path.islink(link) and target.read_bytes() == b"precious"
    assert fifo.is_fifo() and os.path.exists("/dev/null") and Path("/dev/null").is_char_device()
    # reading a FIFO does not hang: it is refused before any read
    with pytest.raises(checkpoint.CheckpointError, match="not a regular file"):
        checkpoint.load(fifo)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_check_writable_finds_an_unwritable_path_before_any_work(tmp_path):
    good = tmp_path / "new" / "run.safetensors"
    assert checkpoint.check_writable(str(good)) == good
    assert good.parent.is_dir() and list(good.parent.iterdir()) == []  # the probe is removed
    afile = tmp_path / "afile"
    afile.write_bytes(b"x")
    with pytest.raises(checkpoint.CheckpointPathError, match="afile.*not a directory"):
        checkpoint.check_writable(afile / "run.safetensors")
    with pytest.raises(checkpoint.CheckpointPathError, match="directory"):
        checkpoint.check_writable(tmp_path)
    with pytest.raises(TypeError, match="`path`"):
        checkpoint.check_writable(3)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_check_writable_refuses_a_read_only_directory(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(checkpoint.CheckpointPathError, match="ro/run.*ermission") as e:
            checkpoint.check_writable(ro / "run.safetensors")
        assert isinstance(e.value, OSError) and e.value.errno is not None
    finally:
        ro.chmod(0o700)


@pytest.mark.parametrize("code", [30, 28])  # EROFS, ENOSPC
def test_every_save_error_carries_the_path_and_the_fix(tmp_path, monkeypatch, code):
    path = tmp_path / "c.safetensors"

    def fail(fd):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(checkpoint.CheckpointPathError, match="c.safetensors.*(read-only|full)"):
        checkpoint.save(path, PARAMS)
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []  # no temporary file left
    with pytest.raises(TypeError, match="cannot hold set.*saving.*c.safetensors"):
        checkpoint.save(path, {"a": {1}})


def test_stale_temp_files_are_removed_by_the_next_save_or_load(tmp_path):
    import fcntl

    path = tmp_path / "c.safetensors"
    checkpoint.save(path, PARAMS)
    stale = [tmp_path / f".c.safetensors.{s}.tmp" for s in ("abcd1234", "zz_9zz_9")]
    other = tmp_path / ".other.safetensors.abcd1234.tmp"  # another checkpoint's: kept
    live = tmp_path / ".c.safetensors.live0000.tmp"  # a writer holds its lock: kept
    for p in [*stale, other, live]:
        p.write_bytes(b"\0" * 1000)
    with open(live, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        checkpoint.load(path)
        names = sorted(p.name for p in tmp_path.iterdir())
        assert names == sorted([live.name, other.name, "c.safetensors"]), names
        for p in stale:
            p.write_bytes(b"x")
        checkpoint.save(path, PARAMS)
        assert not any(p.exists() for p in stale) and live.exists() and other.exists()
    checkpoint.save(path, PARAMS)  # the writer is gone: its file is stale now
    assert not live.exists() and other.exists()


def test_save_fsyncs_the_directory_after_the_rename(tmp_path, monkeypatch):
    import stat as stat_module

    synced = []
    real = os.fsync

    def record(fd):
        synced.append((stat_module.S_ISDIR(os.fstat(fd).st_mode), os.path.exists(path)))
        real(fd)

    path = tmp_path / "c.safetensors"
    monkeypatch.setattr(os, "fsync", record)
    checkpoint.save(path, PARAMS)
    assert synced == [(False, False), (True, True)]  # the file, then its directory after rename


def test_the_digest_covers_the_header_too(tmp_path):
    path = tmp_path / "c.safetensors"
    checkpoint.save(path, {"params": PARAMS, "n": 3}, metadata={"epoch": 5})
    data = path.read_bytes()
    # editing the metadata (a valid JSON header, valid tensors) is detected
    path.write_bytes(data.replace(b'\\"epoch\\": 5', b'\\"epoch\\": 3'))
    assert path.read_bytes() != data
    with pytest.raises(checkpoint.CheckpointError, match="corrupted.*whole file"):
        checkpoint.metadata(path)
    # so is a renamed key in the tree description
    path.write_bytes(data.replace(b"layers", b"lazers"))
    with pytest.raises(checkpoint.CheckpointError, match="corrupted"):
        checkpoint.load(path)
    # every single-byte change anywhere in the file is refused, none loads silently
    rng = np.random.default_rng(0)
    for at in rng.choice(len(data), 200, replace=False):
        flipped = bytearray(data)
        flipped[at] ^= 1 << int(rng.integers(8))
        path.write_bytes(bytes(flipped))
        try:
            checkpoint.load(path)
        except checkpoint.CheckpointError as e:
            assert str(path) in str(e)
        else:  # only the header's padding spaces may change without changing the content
            n = int.from_bytes(data[:8], "little")
            assert 8 <= at < 8 + n and data[at : at + 1] == b" ", at


def _write_version_1(path, tree, meta):
    """A checkpoint as jaxnn wrote it before the whole-file digest (format version 1)."""
    import hashlib

    from jaxnn._checkpoint_tree import describe

    leaves = []
    description = describe(tree, leaves)
    tensors = {str(i): np.require(a, requirements="C") for i, a in enumerate(leaves)}
    h = hashlib.sha256()
    for name in sorted(tensors, key=int):
        h.update(f"{name}:{tensors[name].dtype.str}:{tensors[name].shape};".encode())
        h.update(tensors[name].tobytes())
    header = {
        "format": "jaxnn.checkpoint",
        "version": "1",
        "tree": json.dumps(description),
        "sha256": h.hexdigest(),
        "metadata": json.dumps(meta),
    }
    path.write_bytes(st_numpy.save(tensors, metadata=header))


def test_version_1_checkpoints_still_load_and_their_tensors_are_checked(tmp_path):
    path = tmp_path / "v1.safetensors"
    state = _stepped_state(optim.adam(0.1))
    _write_version_1(path, {"state": state}, {"epoch": 2})
    _bit_equal(checkpoint.load(path), {"state": state})
    assert checkpoint.metadata(path) == {"epoch": 2}
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x10
    path.write_bytes(bytes(data))
    with pytest.raises(checkpoint.CheckpointError, match="corrupted.*tensor bytes"):
        checkpoint.load(path)


def _crafted(tmp_path, tree_desc, n_tensors=1, name="bad.safetensors"):
    """A version-1 file (no whole-file digest to forge) with a hand-written tree description."""
    import hashlib

    path = tmp_path / name
    tensors = {str(i): np.ones(2, np.float32) for i in range(n_tensors)}
    h = hashlib.sha256()
    for k in sorted(tensors, key=int):
        h.update(f"{k}:{tensors[k].dtype.str}:{tensors[k].shape};".encode())
        h.update(tensors[k].tobytes())
    header = {
        "format": "jaxnn.checkpoint",
        "version": "1",
        "tree": tree_desc if isinstance(tree_desc, str) else json.dumps(tree_desc),
        "sha256": h.hexdigest(),
        "metadata": "{}",
    }
    path.write_bytes(st_numpy.save(tensors, metadata=header))
    return path


CRAFTED = {
    "py-complex": ({"t": "leaf", "py": "complex"}, 1, "Python type 'complex'"),
    "more-leaves-than-tensors": ({"t": "list", "c": [{"t": "leaf"}] * 3}, 1, "3 leaves.*1 tens"),
    "fewer-leaves": ({"t": "leaf"}, 2, "1 leaves but the file holds 2"),
    "deep-tree": ('{"t": "list", "c": [' * 100_000 + "]}" * 100_000, 1, "JSON|deep"),
    "deep-valid-json": (
        '{"t": "list", "c": [' * 300 + '{"t": "leaf"}' + "]}" * 300,
        1,
        "deep",
    ),
    "unknown-kind": ({"t": "set", "c": []}, 0, "unknown kind 'set'"),
    "dict-without-keys": ({"t": "dict", "c": [{"t": "leaf"}]}, 1, "list 'k'"),
    "namedtuple-bad-field": (
        {"t": "namedtuple", "cls": "x.Y", "fields": ["1a"], "c": [{"t": "leaf"}]},
        1,
        "not a Python name",
    ),
    "bad-key-impl": ({"t": "key", "impl": "nope"}, 1, "not a valid PRNG key"),
    "py-scalar-array": ({"t": "leaf", "py": "int"}, 1, "shape \\(2,\\)"),
    "not-an-object": ([1, 2], 0, "not an object"),
    "tree-not-json": ("{oops", 0, "not valid JSON"),
}


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_crafted_headers_are_one_clear_checkpoint_error(tmp_path, case):
    desc, n, words = CRAFTED[case]
    path = _crafted(tmp_path, desc, n)
    for call in (checkpoint.load, checkpoint.metadata):
        with pytest.raises(checkpoint.CheckpointError, match=words) as e:
            call(path)
        assert str(path) in str(e.value)


def test_a_bad_header_is_refused_before_the_tensors_are_read(tmp_path, monkeypatch):
    """A file with a huge body and a bad header: only the header is read."""
    path = tmp_path / "big.safetensors"
    checkpoint.save(path, {"w": np.zeros(4_000_000, np.float32)})  # 16 MB
    _rewrite(path, lambda h: h["__metadata__"].update(tree='{"t": "leaf", "py": "complex"}'))
    read_sizes = []
    real_fdopen = os.fdopen

    def spy(fd, *a, **k):
        f = real_fdopen(fd, *a, **k)
        real_read = f.read

        def read(n=-1):
            out = real_read(n)
            read_sizes.append(len(out))
            return out

        f.read = read
        return f

    monkeypatch.setattr(os, "fdopen", spy)
    with pytest.raises(checkpoint.CheckpointError, match="complex"):
        checkpoint.load(path)
    assert sum(read_sizes) < 10_000, read_sizes


def test_a_header_length_beyond_the_file_is_refused(tmp_path):
    path = tmp_path / "c.safetensors"
    checkpoint.save(path, PARAMS)
    data = path.read_bytes()
    path.write_bytes((2**60).to_bytes(8, "little") + data[8:])
    with pytest.raises(checkpoint.CheckpointError, match="header length"):
        checkpoint.load(path)


def test_fit_resume_from_a_crafted_file_is_the_same_checkpoint_error(tmp_path):
    path = _crafted(tmp_path, {"t": "leaf", "py": "complex"})

    def loss(p, xb, yb):
        return jnp.mean((xb @ p["w"] - yb) ** 2)

    with pytest.raises(checkpoint.CheckpointError, match="bad.safetensors.*complex"):
        train.fit(
            loss,
            {"w": jnp.zeros(2)},
            optim.sgd(0.1),
            jnp.ones((4, 2)),
            jnp.ones(4),
            resume=path,
            progress=False,
        )
