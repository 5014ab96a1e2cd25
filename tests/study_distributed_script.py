"""One process of a study sharded over two processes on localhost (jax.distributed, CPU
collectives); run twice by tests/test_study.py. Usage: ``python study_distributed_script.py
PROCESS_ID PORT``. Each process has 2 simulated CPU devices; the mesh spans all 4.

Prints, as its last line of stdout, one JSON object: the process id, the global and local device counts, the devices of the
study's program and the (final_loss, valid, test) of every row.
"""

from __future__ import annotations

import json
import os
import sys

LOCAL_DEVICES = 2


def run(process_id: int, port: int) -> dict:
    import jax
    import numpy as np
    from jax.sharding import Mesh

    jax.distributed.initialize(
        coordinator_address=f"localhost:{port}",
        num_processes=2,
        process_id=process_id,
        initialization_timeout=120,
    )
    from jaxnn.study import optimizer_study, runner, space
    from tests.study_parallel_script import tiny_problem

    key = jax.random.key(7)
    mesh = Mesh(np.array(jax.devices()), ("runs",))
    result = optimizer_study(
        [tiny_problem()], ["adam"], budgets=(1, 3), seeds=3, key=key, mesh=mesh
    )
    s = space.get_space("adam")
    runs = runner.train_runs(
        tiny_problem(), s, space.draws(s, key, 4), jax.random.split(key, 4), epochs=1, mesh=mesh
    )
    out = {
        "process": jax.process_index(),
        "devices": jax.device_count(),
        "local_devices": jax.local_device_count(),
        "program_devices": runs.devices,
        "rows": [[r["final_loss"], r["valid"], r["test"]] for r in result.rows],
    }
    jax.distributed.shutdown()
    return out


if __name__ == "__main__":
    flags = os.environ.get("XLA_FLAGS", "")
    os.environ["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count={LOCAL_DEVICES}"
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    report = run(int(sys.argv[1]), int(sys.argv[2]))
    print("\n" + json.dumps(report))  # the last line (gloo prints its own lines to stdout)
