"""kill -9 a checkpointing fit at random moments: what is left on disk always loads, the run
resumes bit-identically, and the next save leaves no temporary file (slow: 30+ processes).

Each trial starts a fit that saves after every epoch (resuming the previous trial's checkpoint)
and sends SIGKILL at a random moment after it started training, so kills land during compilation,
mid-epoch and mid-save (writing, fsync, rename). After every kill the checkpoint, if one exists,
must load, and may leave only stale ``.NAME.*.tmp`` files. Finally a resumed fit must give the
params an uninterrupted fit of the same number of epochs gives, bit for bit, and leave no
temporary file behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import jax
import numpy as np
import pytest

from jaxnn import checkpoint

pytestmark = pytest.mark.slow

TRIALS = 30

SETUP = """
import jax, jax.numpy as jnp
from jaxnn import data, optim, train
x, y = data.regression(jax.random.key(0), 64, features=4)
params = {"w": jnp.zeros(4), "b": jnp.zeros(())}
def loss(p, xb, yb):
    return jnp.mean((xb @ p["w"] + p["b"] - yb) ** 2)
def run(epochs, **kw):
    return train.fit(loss, params, optim.adam(0.01), x, y, batch_size=16, epochs=epochs,
                     key=jax.random.key(1), progress=False, **kw)
"""

WORKER = (
    SETUP
    + """
import os, sys
path = sys.argv[1]
resume = path if os.path.exists(path) else None
print("ready", flush=True)
run(1_000_000, checkpoint=path, checkpoint_every=1, resume=resume)
"""
)


def _setup():
    scope: dict = {}
    exec(SETUP, scope)  # the same problem in this process
    return scope["run"]


def _mtime(path):
    return path.stat().st_mtime_ns if path.exists() else None


def _wait_for_a_new_save(path, before, timeout=120.0):
    end = time.monotonic() + timeout
    while _mtime(path) == before:
        assert time.monotonic() < end, "the worker saved nothing"
        time.sleep(0.01)


def _temps(directory, name):
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(f".{name}."))


def test_kill_minus_9_at_random_moments_never_leaves_an_unloadable_checkpoint(tmp_path):
    path = tmp_path / "run.safetensors"
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(WORKER))
    env = {**os.environ, "PYTHONPATH": os.getcwd(), "JAX_PLATFORMS": "cpu"}
    rng = np.random.default_rng(17)
    epochs_seen, stale_seen = [], 0
    for trial in range(TRIALS):
        proc = subprocess.Popen(
            [sys.executable, str(script), str(path)], stdout=subprocess.PIPE, env=env
        )
        assert proc.stdout.readline().strip() == b"ready"
        if trial % 5 == 4:  # while importing, compiling or resuming
            time.sleep(rng.uniform(0.0, 1.0))
        else:  # once it has saved at least once more: while training and saving
            _wait_for_a_new_save(path, _mtime(path))
            time.sleep(rng.uniform(0.0, 0.3))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        stale_seen += bool(_temps(tmp_path, path.name))
        if path.exists():
            tree, meta = checkpoint.load(path), checkpoint.metadata(path)
            assert int(tree["history"].epochs) == meta["epoch"]
            epochs_seen.append(meta["epoch"])
    assert len(epochs_seen) == TRIALS
    assert epochs_seen == sorted(epochs_seen), "a later trial went back in time"
    # resume to a few epochs past the last save: bit-identical to one uninterrupted run
    run = _setup()
    total = checkpoint.metadata(path)["epoch"] + 3
    resumed = run(total, checkpoint=path, resume=path)
    assert _temps(tmp_path, path.name) == [], "the next save left temporary files"
    fresh = run(total)
    for a, b in zip(jax.tree.leaves(resumed.params), jax.tree.leaves(fresh.params), strict=True):
        assert np.asarray(a).tobytes() == np.asarray(b).tobytes()
    assert resumed.history.epochs == total == fresh.history.epochs
    np.testing.assert_array_equal(resumed.history.epoch_loss, fresh.history.epoch_loss)
    print(
        f"\n{TRIALS} kills: checkpoints at epochs {epochs_seen[0]}..{epochs_seen[-1]}, "
        f"{stale_seen} kills left a temporary file (all removed by the next save)"
    )
