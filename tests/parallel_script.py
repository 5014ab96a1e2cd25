"""Data-parallel fit on 8 simulated CPU devices; run by tests/test_parallel.py in a subprocess.

The device count is fixed when JAX starts, so this runs as its own process:
``python tests/parallel_script.py [--heavy]`` prints one JSON object with the final params,
optimizer states and losses of single-device fit and of data-parallel fit on 1, 2, 4 and 8
devices (same data, same order), the shardings seen inside the compiled step and of the
results, and the messages of the errors for bad mesh/batch combinations. The test compares;
this script only runs and records (one process pays JAX's start-up and compiles once).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile

DEVICES = 8


def _leaves(tree):
    import jax
    import numpy as np

    return [np.asarray(leaf).tolist() for leaf in jax.tree.leaves(tree)]


def _error(fn):
    try:
        fn()
    except (TypeError, ValueError) as e:
        return [type(e).__name__, str(e)]
    return None


def run(heavy: bool) -> dict:
    import jax
    import jax.numpy as jnp
    import numpy as np
    from jax.sharding import Mesh

    from jaxnn import data, losses, nn, optim, parallel, train

    # Per batch traced in loss_fn, as XLA partitioned it: [rows, rows per device, devices
    # holding it, fully replicated]. Recorded at compile time (cached programs add nothing).
    seen = []

    def record(sharding, shape):
        seen.append(
            [
                shape[0],
                sharding.shard_shape(shape)[0],
                len(sharding.device_set),
                sharding.is_fully_replicated,
            ]
        )

    def plain_loss(params, xb, yb):
        return losses.mse(nn.mlp(params, xb, activation="tanh")[:, 0], yb)

    def loss_fn(params, xb, yb):  # the same loss, reporting how each batch is placed
        jax.debug.inspect_array_sharding(xb, callback=lambda s: record(s, xb.shape))
        return plain_loss(params, xb, yb)

    # n = 5 x 8 + 4 (heavy: 12 x 16 + 12): the smaller last batch splits over 1, 2 and 4
    # devices and runs replicated over 8. The heavy run adds eval_data and a 2-D mesh.
    n, batch_size, epochs = (204, 16, 20) if heavy else (44, 8, 3)
    x, y = data.regression(jax.random.key(0), n, features=3, noise=0.1)
    params = nn.init_mlp(jax.random.key(1), [3, 16, 1])
    opt = optim.adam(0.01)
    key = jax.random.key(2)
    common = dict(epochs=epochs, key=key, progress=False)
    if heavy:
        common["eval_data"] = (x, y)

    def result(r, on_mesh=False):
        out = {
            "params": _leaves(r.params),
            "opt_state": _leaves(r.opt_state),
            "epoch_loss": r.history.epoch_loss.tolist(),
            "eval_loss": None if r.history.eval_loss is None else r.history.eval_loss.tolist(),
            "steps": r.history.steps,
            "seen": list(seen),
        }
        if on_mesh:
            leaves = jax.tree.leaves((r.params, r.opt_state))
            out["out_replicated"] = all(leaf.sharding.is_fully_replicated for leaf in leaves)
            out["out_devices"] = sorted({len(leaf.sharding.device_set) for leaf in leaves})
        seen.clear()
        return out

    report = {"device_count": jax.device_count(), "runs": {}, "errors": {}}
    runs = report["runs"]
    fit = train.fit
    runs["single"] = result(fit(plain_loss, params, opt, x, y, batch_size=batch_size, **common))
    for d in (1, 2, 4, 8):
        mesh = parallel.data_mesh(d)
        r = fit(loss_fn, params, opt, x, y, batch_size=batch_size, mesh=mesh, **common)
        runs[f"mesh{d}"] = result(r, True)
    # devices=4 is the same mesh as data_mesh(4): the cached program, the identical result
    r = fit(loss_fn, params, opt, x, y, batch_size=batch_size, devices=4, **common)
    runs["devices4"] = result(r, True)
    if heavy:  # a 2-D mesh: the batch splits along "data" (4), replicated along "model" (2)
        mesh2d = Mesh(np.array(jax.devices()).reshape(4, 2), ("data", "model"))
        r = fit(loss_fn, params, opt, x, y, batch_size=batch_size, mesh=mesh2d, **common)
        runs["mesh4x2"] = result(r, True)
    # full batch: all n examples split over 4 devices
    runs["full_single"] = result(fit(plain_loss, params, opt, x, y, **common))
    runs["full_mesh4"] = result(fit(loss_fn, params, opt, x, y, devices=4, **common), True)

    # checkpoint and resume on a mesh: half the epochs saved, the rest resumed on the same mesh
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "run.safetensors")
        m4 = parallel.data_mesh(4)
        half = {**common, "epochs": epochs // 2 + 1}
        fit(plain_loss, params, opt, x, y, batch_size=batch_size, mesh=m4, checkpoint=path, **half)
        r = fit(
            plain_loss, params, opt, x, y, batch_size=batch_size, mesh=m4, resume=path, **common
        )
        runs["resumed_mesh4"] = result(r, True)

    # make_epoch(mesh=...) in one's own loop: plain jax.jit, inputs placed by replicate
    m4 = parallel.data_mesh(4)
    state = opt.init(params)
    own = jax.jit(train.make_epoch(loss_fn, opt, n, batch_size, mesh=m4))
    p, _, stats = own(*parallel.replicate((params, state, key, x, y), m4))
    runs["make_epoch_mesh4"] = {
        "params": _leaves(p),
        "step_loss": stats.step_loss.tolist(),
        "seen": list(seen),
        "out_replicated": all(leaf.sharding.is_fully_replicated for leaf in jax.tree.leaves(p)),
    }
    seen.clear()
    p, _, stats = jax.jit(train.make_epoch(plain_loss, opt, n, batch_size))(
        params, state, key, x, y
    )
    runs["make_epoch_single"] = {"params": _leaves(p), "step_loss": stats.step_loss.tolist()}

    # sweep: the runs axis split over 4 devices (runs_per_chunk rounded to a multiple of 4)
    sweep_kw = dict(keys=jax.random.split(key, 3), learning_rates=[0.01, 0.03],
                    batch_size=batch_size, epochs=epochs, progress=False)  # fmt: skip
    init = lambda k: nn.init_mlp(k, [3, 16, 1])  # noqa: E731
    alone = train.sweep(plain_loss, init, optim.adam, x, y, **sweep_kw)
    sharded = train.sweep(plain_loss, init, optim.adam, x, y, mesh=m4, **sweep_kw)
    runs["sweep_single"] = {
        "params": _leaves(alone.params),
        "epoch_loss": alone.epoch_loss.tolist(),
    }
    runs["sweep_mesh4"] = {
        "params": _leaves(sharded.params),
        "epoch_loss": sharded.epoch_loss.tolist(),
        "runs_per_chunk": sharded.runs_per_chunk,
    }

    errors = report["errors"]

    def bad_fit(**kwargs):
        return lambda: fit(loss_fn, params, opt, x, y, **{**common, **kwargs})

    errors["batch_not_divisible"] = _error(bad_fit(batch_size=6, mesh=m4))
    errors["batch_smaller_than_devices"] = _error(bad_fit(batch_size=2, devices=8))
    errors["full_batch_not_divisible"] = _error(bad_fit(devices=8))
    errors["mesh_and_devices"] = _error(bad_fit(batch_size=8, mesh=m4, devices=4))
    errors["too_many_devices"] = _error(bad_fit(batch_size=8, devices=16))
    unnamed = Mesh(np.array(jax.devices()).reshape(4, 2), ("rows", "cols"))
    errors["mesh_without_data_axis"] = _error(bad_fit(batch_size=8, mesh=unnamed))
    errors["make_epoch_not_divisible"] = _error(
        lambda: train.make_epoch(loss_fn, opt, n, 6, mesh=m4)
    )
    errors["shard_batch_not_divisible"] = _error(lambda: parallel.shard_batch(jnp.ones((6, 3)), m4))
    return report


def main() -> None:
    # Append: the test session's XLA_FLAGS (cheaper LLVM passes) stay in force.
    flags = os.environ.get("XLA_FLAGS", "")
    os.environ["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count={DEVICES}"
    print(json.dumps(run("--heavy" in sys.argv[1:])))


if __name__ == "__main__":
    main()
