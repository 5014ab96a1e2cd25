"""Many training runs of one (problem, optimizer) in one vmapped, compiled program.

Run ``r`` has its own hyperparameters ``hparams[name][r]`` (traced scalars) and key ``keys[r]``:

    init_key, data_key = split(keys[r])
    params    = problem.init(init_key)
    optimizer = space.factory(**{name: hparams[name][r]})      (built inside the vmap)
    for e in 0 .. epochs-1:
        params = epoch e of jaxnn.train.make_epoch(problem.loss, optimizer, n, batch_size,
                                                   on_nonfinite="stop") on epoch_key(data_key, e)
    valid[r], test[r] = problem.metric(params, valid split), problem.metric(params, test split)

which is the run ``jaxnn.train.fit(problem.loss, params, optimizer, x, y, key=data_key,
batch_size=..., epochs=...)`` makes alone. A run whose loss or new parameters become non-finite
stops there (it keeps its last finite parameters, its later epoch losses are NaN) and is marked
``diverged``; it is still scored on those parameters.

Memory guard: the runs per compiled call are ``max_memory // bytes per run`` (an estimate from
the jaxprs of the gradient and of the metric, :func:`jaxnn.sweep.estimate_run_bytes`); more
runs go in equal chunks through the same program (the last padded). With ``mesh`` the runs
axis is split over all the mesh's devices (``NamedSharding(mesh, P(mesh.axis_names))``), the
data and the results replicated; chunks are then a multiple of the device count. The inputs
are placed with ``jax.make_array_from_callback`` from host values that every process holds, so
the same call runs on a mesh spanning several processes (``jax.distributed``; see
docs/guides/study.md).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from jaxnn import sweep as sweep_lib
from jaxnn import train
from jaxnn.study.problems import Problem
from jaxnn.study.space import Space
from jaxnn.sweep import default_memory_budget

__all__ = [
    "FAST_CPU_COMPILE",
    "Runs",
    "compile_options",
    "default_memory_budget",
    "make_runs",
    "precompile",
    "run_bytes",
    "train_runs",
]


class Runs(NamedTuple):
    """What :func:`train_runs` returns, one entry per run (leading axis ``R``).

    Attributes:
        epoch_loss: ``(R, epochs)`` each epoch's training loss (NaN from a divergence on).
        diverged: ``(R,)`` bool.
        valid: ``(R,)`` the metric on the validation split.
        test: ``(R,)`` the metric on the test split.
        params: the final parameters (leading axis ``R``), or None unless asked for.
        chunks: compiled calls made; runs_per_chunk: runs per call.
        devices: the devices one call's runs were spread over (1 without a mesh).
        compile_time: seconds compiling (0.0 on a cache hit); run_time: seconds running.
    """

    epoch_loss: np.ndarray
    diverged: np.ndarray
    valid: np.ndarray
    test: np.ndarray
    params: Any
    chunks: int
    runs_per_chunk: int
    devices: int
    compile_time: float
    run_time: float


def make_runs(problem: Problem, factory: Callable, epochs: int, impl: Any = None) -> Callable:
    """``runs(hparams {name: (R,)}, key_data (R, ...), x, y, xv, yv, xt, yt)``: R runs, vmapped.

    ``key_data`` is ``jax.random.key_data(keys)`` of keys of implementation ``impl`` (None:
    the default), raw so that it can be placed on any mesh, also across processes.
    Returns ``(params, epoch_loss (R, epochs), diverged (R,), valid (R,), test (R,))``.
    """
    n = int(problem.train.x.shape[0])

    def one_run(hparams, key_data, x, y, xv, yv, xt, yt):
        key = jax.random.wrap_key_data(key_data, impl=impl)
        init_key, data_key = jax.random.split(key)
        params = problem.init(init_key)
        optimizer = factory(**hparams)
        opt_state = optimizer.init(params)
        epoch_fn = train.make_epoch(
            problem.loss, optimizer, n, problem.batch_size, shuffle=True, on_nonfinite="stop"
        )

        def body(carry, e):
            p, s, alive = carry
            new_p, new_s, stats = epoch_fn(p, s, train.epoch_key(data_key, e), x, y)
            # a dead run keeps its last finite params; the epoch that dies keeps those before
            # its first bad update (make_epoch's "stop" policy), as fit does
            p, s = jax.tree.map(lambda a, b: jnp.where(alive, a, b), (new_p, new_s), (p, s))
            ok = alive & stats.applied[-1]
            return (p, s, ok), jnp.where(ok, stats.epoch_loss, jnp.nan)

        init = (params, opt_state, jnp.array(True))
        (params, _, alive), epoch_loss = jax.lax.scan(body, init, jnp.arange(epochs))
        valid = problem.metric(params, xv, yv)
        test = problem.metric(params, xt, yt)
        return params, epoch_loss, ~alive, valid, test

    return jax.vmap(one_run, in_axes=(0, 0, None, None, None, None, None, None))


def _jaxpr_bytes(fn: Callable, *args: Any) -> int:
    jaxpr = jax.make_jaxpr(fn)(*args)
    return sum(
        math.prod(v.aval.shape) * np.dtype(v.aval.dtype).itemsize
        for eqn in jaxpr.jaxpr.eqns
        for v in eqn.outvars
        if hasattr(v.aval, "shape") and hasattr(v.aval, "dtype")
    )


def run_bytes(problem: Problem, space: Space, epochs: int) -> int:
    """An estimate of the memory one run needs: training (as sweep's), metric, histories."""
    params = jax.eval_shape(problem.init, jax.random.key(0))
    opt_state = jax.eval_shape(space.factory(**space.defaults).init, params)
    n = int(problem.train.x.shape[0])
    b = n if problem.batch_size is None else problem.batch_size
    xb, yb = problem.train.x[:b], problem.train.y[:b]
    train_bytes = sweep_lib.estimate_run_bytes(problem.loss, params, opt_state, xb, yb)
    eval_bytes = max(
        _jaxpr_bytes(problem.metric, params, *problem.valid),
        _jaxpr_bytes(problem.metric, params, *problem.test),
    )
    return train_bytes + eval_bytes + xb.nbytes + yb.nbytes + 4 * epochs + 64


def chunk_size(total: int, per_run: int, budget: int, multiple: int = 1) -> int:
    """Runs per call: as many as ``budget`` holds (at least 1), equal chunks, a multiple."""
    fits = max(1, budget // max(per_run, 1))
    size = min(total, fits)
    chunks = -(-total // size)
    size = -(-total // chunks)  # equal chunks: the least padding
    return -(-size // multiple) * multiple


_CACHE: dict[tuple, Any] = {}


def _shardings(mesh: Mesh) -> tuple[NamedSharding, NamedSharding]:
    """The runs axis over every device of ``mesh``; shared data and the results replicated."""
    return NamedSharding(mesh, PartitionSpec(tuple(mesh.axis_names))), NamedSharding(
        mesh, PartitionSpec()
    )


def _place(tree: Any, sharding: NamedSharding) -> Any:
    """Global arrays from host values every process holds in full (one process or many)."""

    def one(a):
        a = np.asarray(a)
        return jax.make_array_from_callback(a.shape, sharding, lambda index: a[index])

    return jax.tree.map(one, tree)


# The study's programs are small and each runs once or twice: on CPU, compiling them with
# XLA's backend optimisation level 0 was measured 2-3x faster to compile (digits MLP: 12.5 s ->
# 4.2 s on the loaded 2-core machine) for a run ~3x slower (0.09 s -> 0.32 s per 10 runs).
FAST_CPU_COMPILE = {"xla_backend_optimization_level": 0, "xla_llvm_disable_expensive_passes": True}


def compile_options(mesh: Mesh | None = None) -> dict | None:
    """The XLA options the study compiles with: :data:`FAST_CPU_COMPILE` on CPU, else None."""
    device = mesh.devices.flat[0] if mesh is not None else jax.devices()[0]
    return dict(FAST_CPU_COMPILE) if device.platform == "cpu" else None


def _abstract(args: Any) -> Any:
    return jax.tree.map(lambda a: jax.ShapeDtypeStruct(np.shape(a), a.dtype), args)


def _compiled(problem, space, epochs, args: tuple, mesh: Mesh | None, impl: Any):
    """The compiled program for these shapes, from the cache or compiled now (and its time).

    ``args`` may be arrays or ``jax.ShapeDtypeStruct`` (only shapes and dtypes are used).
    """
    names = tuple(sorted(args[0]))
    shapes = tuple((tuple(np.shape(a)), str(a.dtype)) for a in jax.tree.leaves(args))
    options = compile_options(mesh)
    key = (problem.loss, problem.init, problem.metric, problem.batch_size, space.factory,
           names, epochs, shapes, mesh, str(impl), jax.config.jax_enable_x64,
           tuple(sorted((options or {}).items())))  # fmt: skip
    if key in _CACHE:
        return _CACHE[key], 0.0
    fn = make_runs(problem, space.factory, epochs, impl)
    if mesh is None:
        jitted = jax.jit(fn)
    else:
        runs, shared = _shardings(mesh)
        # replicated results: every process can read all of them (jax.distributed)
        jitted = jax.jit(fn, in_shardings=(runs, runs, *[shared] * 6), out_shardings=shared)
    t0 = time.perf_counter()
    compiled = jitted.lower(*_abstract(args)).compile(options)
    _CACHE[key] = compiled
    return compiled, time.perf_counter() - t0


def _plan(problem, space, epochs, total, max_memory, mesh, runs_per_chunk) -> int:
    """Runs per compiled call (the memory guard; a multiple of the mesh's devices)."""
    per_run = run_bytes(problem, space, epochs)
    budget = default_memory_budget() if max_memory is None else max_memory
    multiple = 1 if mesh is None else mesh.size
    return chunk_size(
        total if runs_per_chunk is None else runs_per_chunk, per_run, budget, multiple
    )


def _key_parts(keys: jax.Array) -> tuple[Any, np.ndarray]:
    """``(impl, raw key data)`` of typed keys; raw uint32 keys are their own data (impl None)."""
    if jnp.issubdtype(keys.dtype, jax.dtypes.prng_key):
        return jax.random.key_impl(keys), np.asarray(jax.random.key_data(keys))
    return None, np.asarray(keys)


def precompile(
    problem: Problem,
    space: Space,
    key: jax.Array,
    *,
    epochs: int,
    runs_per_chunk: int,
    max_memory: int | None = None,
    mesh: Mesh | None = None,
) -> float:
    """Compiles (and caches) the program :func:`train_runs` uses with ``runs_per_chunk`` for
    keys like ``key`` (one key); returns the seconds it took (0.0 if cached). The study calls
    it from a thread pool, to compile several programs at once."""
    size = _plan(problem, space, epochs, runs_per_chunk, max_memory, mesh, runs_per_chunk)
    impl, data = _key_parts(key)
    dtype = jnp.float64 if jax.config.jax_enable_x64 else jnp.float32
    hp = {k: jax.ShapeDtypeStruct((size,), dtype) for k in space.defaults}
    kd = jax.ShapeDtypeStruct((size, *data.shape), data.dtype)
    shared = _abstract((*problem.train, *problem.valid, *problem.test))
    return _compiled(problem, space, epochs, (hp, kd, *shared), mesh, impl)[1]


def train_runs(
    problem: Problem,
    space: Space,
    hparams: dict[str, np.ndarray],
    keys: jax.Array,
    *,
    epochs: int,
    max_memory: int | None = None,
    mesh: Mesh | None = None,
    keep_params: bool = False,
    runs_per_chunk: int | None = None,
) -> Runs:
    """Trains ``len(keys)`` runs of ``problem`` with ``space``'s optimizer (module docstring).

    Args:
        problem: the task.
        space: the optimizer's :class:`~jaxnn.study.space.Space` (its ``factory`` is used).
        hparams: ``{name: (R,) float}`` one value per run for each factory argument.
        keys: ``(R,)`` PRNG keys, one per run.
        epochs: epochs per run.
        max_memory: bytes the runs of one call may use (default: :func:`default_memory_budget`).
        mesh: a ``jax.sharding.Mesh`` to split the runs over, or None.
        keep_params: also return the final parameters (default False).
        runs_per_chunk: the runs per compiled call (default None: as many as fit in memory,
            in equal chunks). Calls with the same value share one compiled program.

    Returns:
        :class:`Runs`.
    """
    total = int(keys.shape[0])
    for k, v in hparams.items():
        if np.shape(v) != (total,):
            raise ValueError(
                f"`hparams[{k!r}]` must have one value per run, shape ({total},) like `keys`, "
                f"got shape {np.shape(v)}. Repeat it, e.g. np.repeat(value, {total})."
            )
    size = _plan(problem, space, epochs, total, max_memory, mesh, runs_per_chunk)
    chunks = -(-total // size)
    pad = chunks * size - total
    dtype = jnp.float64 if jax.config.jax_enable_x64 else jnp.float32
    index = np.concatenate([np.arange(total), np.zeros(pad, int)])
    hp = {k: np.asarray(np.asarray(v)[index], dtype) for k, v in hparams.items()}
    impl, key_data = _key_parts(keys)
    key_data = key_data[index]
    shared = (*problem.train, *problem.valid, *problem.test)
    if mesh is not None:
        runs_sharding, shared_sharding = _shardings(mesh)
        shared = _place(shared, shared_sharding)

    def part(c: int) -> tuple:
        s = slice(c * size, (c + 1) * size)
        per_run = ({k: v[s] for k, v in hp.items()}, key_data[s])
        if mesh is not None:
            per_run = _place(per_run, runs_sharding)
        return (*per_run, *shared)

    compiled, compile_time = _compiled(problem, space, epochs, part(0), mesh, impl)
    outs, devices = [], 1
    t0 = time.perf_counter()
    for c in range(chunks):
        out = compiled(*part(c))
        devices = len(out[-1].sharding.device_set)
        if not keep_params:
            out = (None, *out[1:])
        outs.append(jax.device_get(out))
    run_time = time.perf_counter() - t0

    def cat(*leaves):
        return np.concatenate(leaves)[:total]

    params, epoch_loss, diverged, valid, test = (
        None if i == 0 and not keep_params else jax.tree.map(cat, *[o[i] for o in outs])
        for i in range(5)
    )
    return Runs(
        epoch_loss, diverged, valid, test, params, chunks, size, devices, compile_time, run_time
    )
