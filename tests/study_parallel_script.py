"""A study sharded over 4 simulated CPU devices vs the same study on one; run by
tests/test_study.py in a subprocess (the device count is fixed when JAX starts).

Prints one JSON object: the device count, the devices the sharded runs' outputs were spread
over, and the (final_loss, valid, test) of every row of both studies, in row order.
"""

from __future__ import annotations

import json
import os
import sys

DEVICES = 4


def tiny_problem():
    """A 3-4-1 tanh regression: 20 training rows in batches of 8 (a ragged last batch)."""
    import jax

    from jaxnn import data, losses, nn
    from jaxnn.study import Problem, Split

    x, y = data.regression(jax.random.key(3), 40, features=3, noise=0.1)

    def loss(params, xb, yb):
        return losses.mse(nn.mlp(params, xb, activation="tanh")[:, 0], yb)

    return Problem(
        "tiny", "3-4-1 tanh regression", loss, lambda key: nn.init_mlp(key, [3, 4, 1]),
        Split(x[:20], y[:20]), Split(x[20:30], y[20:30]), Split(x[30:], y[30:]),
        3, 8, loss, "test MSE", False,
    )  # fmt: skip


def run() -> dict:
    import jax
    import numpy as np
    from jax.sharding import Mesh

    from jaxnn.study import optimizer_study, runner, space

    problem = tiny_problem()
    key = jax.random.key(7)
    args = dict(budgets=(1, 3), seeds=3, key=key)
    single = optimizer_study([problem], ["momentum", "adam"], **args)
    mesh = Mesh(np.array(jax.devices()[:DEVICES]), ("runs",))
    sharded = optimizer_study([problem], ["momentum", "adam"], mesh=mesh, **args)
    s = space.get_space("adam")
    runs = runner.train_runs(
        problem, s, space.draws(s, key, 6), jax.random.split(key, 6), epochs=2, mesh=mesh
    )

    def numbers(result):
        return [[r["final_loss"], r["valid"], r["test"]] for r in result.rows]

    return {
        "devices": jax.device_count(),
        "shards": runs.devices,
        "runs_per_chunk": runs.runs_per_chunk,
        "single": numbers(single),
        "sharded": numbers(sharded),
    }


if __name__ == "__main__":
    flags = os.environ.get("XLA_FLAGS", "")
    os.environ["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count={DEVICES}".strip()
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    json.dump(run(), sys.stdout)
