"""A memory-guarded sweep in its own process: prints the peak RSS growth as JSON.

``python tests/sweep_memory_script.py RUNS MAX_MEMORY``: a 250k-parameter MLP (784-300-50-10,
momentum), RUNS runs of one epoch in chunks chosen by the guard for MAX_MEMORY bytes. The
baseline is the RSS after a warm-up sweep of 8 runs (the same chunk size) has compiled both
programs (compilation is not the sweep's memory), measured with ru_maxrss (the process's peak).
"""

from __future__ import annotations

import json
import resource
import sys
import warnings


def rss_peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main() -> None:
    runs, max_memory = int(sys.argv[1]), int(sys.argv[2])
    import jax
    import jax.numpy as jnp
    import numpy as np

    from jaxnn import losses, nn, optim, train

    x = jax.random.normal(jax.random.key(0), (256, 784))
    y = jax.random.randint(jax.random.key(1), (256,), 0, 10)

    def loss(p, xb, yb):
        return losses.softmax_cross_entropy(nn.mlp(p, xb, activation="relu"), yb)

    def init(k):
        return nn.init_mlp(k, [784, 300, 50, 10])

    def sweep(n_runs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            return train.sweep(
                loss, init, optim.momentum, x, y, keys=jax.random.split(jax.random.key(2), n_runs),
                learning_rates=[0.01], batch_size=128, epochs=1, max_memory=max_memory,
                progress=False,
            )  # fmt: skip

    warm = sweep(8)  # compiles the chunk programs for the guard's chunk size (8 runs: 2 chunks)
    del warm
    base = rss_peak_bytes()
    result = sweep(runs)
    peak = rss_peak_bytes()
    result_bytes = sum(np.asarray(a).nbytes for a in jax.tree.leaves(result[:5]))
    print(json.dumps({"growth": peak - base, "result_bytes": result_bytes, "chunks": result.chunks,
                      "runs_per_chunk": result.runs_per_chunk, "base": base,
                      "compile_time": result.compile_time}))  # fmt: skip
    del jnp


if __name__ == "__main__":
    main()
