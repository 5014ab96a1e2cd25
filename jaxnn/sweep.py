"""Research sweeps: many seeds x learning rates trained at once in one compiled program.

``sweep`` trains every pair ``(learning rate i, key j)`` of a grid with ``jax.vmap`` over the
same compiled epoch as :func:`jaxnn.train.fit` (:func:`jaxnn.train.make_epoch`, its fast
flagged form). Each run is the run ``fit`` would make alone:

    init_key, data_key = split(key_j)
    params = init_params(init_key)
    optimizer = make_optimizer(learning_rate_i)     (built inside the vmapped function: the
                                                     learning rate is a traced scalar)
    for e in 0 .. epochs-1:
        epoch e of make_epoch on permutation(fold_in(data_key, e), n)

``fit(loss_fn, init_params(init_key), make_optimizer(lr), x, y, key=data_key, ...)`` gives the
same parameters (up to float rounding of the batched arithmetic). A run that meets a non-finite
loss, parameter or optimizer state is marked ``diverged``: it keeps the parameters and state of
the end of its last finite epoch, and its ``epoch_loss`` is NaN from the epoch that diverged.

The data are shared by all runs (not copied per run). Runs are flattened into one axis of
``len(learning_rates) * len(keys)`` runs; when that many would not fit in memory (an estimate of
parameters, optimizer states, gradients, activations, the data in epoch order and history per
run), the runs go in equal chunks one after another through the same compiled programs (the
last chunk padded), initial parameters included. With ``mesh=`` each chunk's runs are split
over the devices of a ``jax.sharding.Mesh``.
"""

from __future__ import annotations

import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from jaxnn import parallel
from jaxnn._validation import as_real_array, check_bool, check_callable, check_int
from jaxnn.engine import cache
from jaxnn.engine.checks import as_data, check_pair, check_scalar_fn
from jaxnn.engine.epoch import make_epoch
from jaxnn.engine.placement import data_axis
from jaxnn.engine.step import MAX_EPOCH, all_finite, epoch_key, steps_per_epoch
from jaxnn.optim.base import check_float_params

__all__ = ["SweepResult", "default_memory_budget", "estimate_run_bytes", "sweep"]


class SweepResult(NamedTuple):
    """The result of :func:`sweep`: every run of the grid, indexed ``[lr_index, key_index]``.

    Attributes:
        params: the final parameters, each leaf with leading axes ``(L, K)``
            (``L = len(learning_rates)``, ``K = len(keys)``).
        opt_state: the final optimizer states, leading axes ``(L, K)``.
        step_loss: ``(L, K, epochs, steps)`` every batch loss, before its update.
        epoch_loss: ``(L, K, epochs)`` each epoch's batch-size-weighted mean loss (as
            ``History.epoch_loss``); NaN from the epoch where a run diverged on.
        diverged: ``(L, K)`` bool, whether the run met a non-finite loss or parameters.
        learning_rates: ``(L,)`` the grid's learning rates.
        keys: ``(K,)`` the grid's keys.
        chunks: how many compiled calls ran the grid (1 when it fit in memory at once).
        runs_per_chunk: runs per call.
        compile_time: seconds spent compiling (0.0 when cached).
        run_time: seconds spent running, compilation excluded.
    """

    params: Any
    opt_state: Any
    step_loss: np.ndarray
    epoch_loss: np.ndarray
    diverged: np.ndarray
    learning_rates: np.ndarray
    keys: jax.Array
    chunks: int
    runs_per_chunk: int
    compile_time: float
    run_time: float

    @property
    def final_loss(self) -> np.ndarray:
        """``(L, K)`` the last epoch's loss of every run (NaN for diverged runs)."""
        return self.epoch_loss[..., -1]


def _check_learning_rates(learning_rates: Any) -> np.ndarray:
    if isinstance(learning_rates, str | bytes) or callable(learning_rates):
        raise TypeError(
            "`learning_rates` must be a 1-D sequence of positive numbers such as "
            f"[0.01, 0.1, 1.0], got {learning_rates!r}."
        )
    try:
        rates = np.asarray(learning_rates, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            "`learning_rates` must be a 1-D sequence of positive numbers such as "
            f"[0.01, 0.1, 1.0], got {learning_rates!r}."
        ) from None
    if rates.ndim != 1:
        raise ValueError(
            f"`learning_rates` must be 1-D (one rate per row of the grid), got shape "
            f"{rates.shape}. Flatten it, e.g. np.ravel(learning_rates)."
        )
    if rates.size == 0:
        raise ValueError(
            "`learning_rates` is empty: the grid needs at least one learning rate, e.g. "
            "learning_rates=[0.1] or np.logspace(-3, 0, 8)."
        )
    bad = ~(np.isfinite(rates) & (rates > 0))
    if bad.any():
        raise ValueError(
            "every learning rate in `learning_rates` must be finite and positive, got "
            f"{rates[bad].tolist()} at positions {np.flatnonzero(bad).tolist()}. Use a positive "
            "grid such as np.logspace(-3, 0, 8)."
        )
    return rates


def _check_keys(keys: Any) -> jax.Array:
    fix = (
        "Pass a 1-D array of keys such as jax.random.split(jax.random.key(0), 16) "
        "(one key per seed)."
    )
    if not isinstance(keys, jax.Array):
        raise TypeError(f"`keys` must be a JAX key array, got {type(keys).__name__}. {fix}")
    if jnp.issubdtype(keys.dtype, jax.dtypes.prng_key):
        if keys.ndim != 1:
            raise ValueError(f"`keys` must have shape (K,), got shape {keys.shape}. {fix}")
    elif keys.dtype == jnp.uint32:  # raw legacy keys: (K, 2)
        if keys.ndim != 2 or keys.shape[1] != 2:
            raise ValueError(
                f"`keys` of raw uint32 key data must have shape (K, 2), got shape "
                f"{keys.shape}. {fix}"
            )
    else:
        raise TypeError(f"`keys` must be PRNG keys, got dtype {keys.dtype}. {fix}")
    if keys.shape[0] == 0:
        raise ValueError(f"`keys` is empty: the grid needs at least one key. {fix}")
    return keys


def _tree_bytes(tree: Any) -> int:
    return sum(math.prod(a.shape) * np.dtype(a.dtype).itemsize for a in jax.tree.leaves(tree))


def estimate_run_bytes(loss_fn: Callable, params: Any, opt_state: Any, xb: Any, yb: Any) -> int:
    """A rough estimate of the device memory one run of a sweep needs while it trains.

    ``4 * bytes(params) + 2 * bytes(opt_state) + activations``: the parameters, their gradients,
    the updates and the new parameters; the old and new optimizer states; and ``activations``,
    the bytes of every intermediate value of ``value_and_grad(loss_fn)`` on one batch (from its
    jaxpr; the backward pass keeps about that much alive). Shapes only: nothing is computed.

    Args:
        loss_fn: ``loss_fn(params, x_batch, y_batch) -> scalar``.
        params: parameters (arrays or ``jax.ShapeDtypeStruct``).
        opt_state: optimizer state (arrays or ``jax.ShapeDtypeStruct``).
        xb: one batch of inputs.
        yb: one batch of targets.

    Returns:
        The estimate in bytes.

    Examples:
        >>> import jax.numpy as jnp
        >>> loss = lambda w, x, y: jnp.mean((x @ w - y) ** 2)
        >>> estimate_run_bytes(loss, jnp.zeros(3), (), jnp.ones((8, 3)), jnp.ones(8)) > 48
        True
    """
    check_callable("loss_fn", loss_fn, "loss_fn(params, x_batch, y_batch) -> scalar loss")
    for name, tree in (("params", params), ("opt_state", opt_state)):
        for path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]:
            if not isinstance(leaf, jax.ShapeDtypeStruct):
                as_real_array(f"{name}{jax.tree_util.keystr(path)}", leaf)
    for name, batch in (("xb", xb), ("yb", yb)):
        if not isinstance(batch, jax.ShapeDtypeStruct):
            as_real_array(name, batch)
    try:
        jaxpr = jax.make_jaxpr(jax.value_and_grad(loss_fn))(params, xb, yb)
    except Exception as e:  # the user's function failed on these arguments: say so
        first = (str(e).strip().splitlines() or [""])[0]
        raise TypeError(
            f"`loss_fn` failed when traced as loss_fn(params, xb, yb) on these `params`, `xb` "
            f"and `yb`: {type(e).__name__}: {first}"
        ) from e
    activations = sum(
        math.prod(v.aval.shape) * np.dtype(v.aval.dtype).itemsize
        for eqn in jaxpr.jaxpr.eqns
        for v in eqn.outvars
        if hasattr(v.aval, "shape") and hasattr(v.aval, "dtype")
    )
    return 4 * _tree_bytes(params) + 2 * _tree_bytes(opt_state) + activations


def default_memory_budget() -> int:
    """Bytes a sweep's runs may use by default: half the accelerator's memory limit, or a
    quarter of the host's RAM on CPU (4 GiB when neither can be read)."""
    device = jax.devices()[0]
    try:
        stats = device.memory_stats() or {}
    except Exception:  # backends without memory statistics
        stats = {}
    if stats.get("bytes_limit"):
        return int(stats["bytes_limit"]) // 2
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 4
    except (ValueError, OSError, AttributeError):
        return 4 << 30


def _init_program(init_params: Callable) -> Callable:
    """``inits(keys (R,)) -> (params (R, ...), data_keys (R,))``, vmapped."""

    def one(key):
        init_key, data_key = jax.random.split(key)
        return init_params(init_key), data_key

    return jax.vmap(one)


def _runs_program(loss_fn, make_optimizer, n, batch_size, shuffle, epochs) -> Callable:
    """``runs(lrs (R,), data_keys (R,), params (R, ...), x, y)``: R training runs, vmapped."""

    def one_run(lr, data_key, params, x, y):
        optimizer = make_optimizer(lr)
        opt_state = optimizer.init(params)
        epoch_fn = make_epoch(
            loss_fn, optimizer, n, batch_size, shuffle=shuffle, on_nonfinite="flag", gather="batch"
        )

        def body(carry, e):
            p, s, alive = carry
            new_p, new_s, stats = epoch_fn(p, s, epoch_key(data_key, e), x, y)
            # this epoch and every earlier one finite (losses, parameters, optimizer state)
            ok = alive & stats.applied[-1] & all_finite((new_p, new_s))
            p, s = jax.tree.map(lambda a, b: jnp.where(ok, a, b), (new_p, new_s), (p, s))
            loss = jnp.where(ok, stats.epoch_loss, jnp.nan)
            return (p, s, ok), (stats.step_loss, loss)

        init = (params, opt_state, jnp.array(True))
        (params, opt_state, alive), (step_loss, epoch_loss) = jax.lax.scan(
            body, init, jnp.arange(epochs, dtype=jnp.int32)
        )
        return params, opt_state, step_loss, epoch_loss, ~alive

    return jax.vmap(one_run, in_axes=(0, 0, 0, None, None))


class _Plan(NamedTuple):
    """How the runs of a grid go: ``chunks`` compiled calls of ``runs_per_chunk`` runs."""

    chunks: int
    runs_per_chunk: int
    by_guard: bool  # the memory guard split the grid
    per_run: int  # the estimate of one run's bytes (0 when runs_per_chunk was given)
    budget: int


def _plan(total: int, per_run: int, budget: int, runs_per_chunk: int | None, devices: int):
    """Equal chunks (the least padding), never of one run, a multiple of ``devices`` runs."""
    by_guard = False
    if runs_per_chunk is None:
        runs_per_chunk = min(total, max(1, budget // per_run))
        by_guard = runs_per_chunk < total
    runs_per_chunk = min(runs_per_chunk, total)
    chunks = -(-total // runs_per_chunk)
    runs_per_chunk = -(-total // chunks)
    runs_per_chunk = max(runs_per_chunk, min(2, total))  # vmap of one run rounds differently
    runs_per_chunk = -(-runs_per_chunk // devices) * devices
    chunks = -(-total // runs_per_chunk)
    return _Plan(chunks, runs_per_chunk, by_guard, per_run, budget)


def _run_bytes(loss_fn, params, opt_state, x, y, batch, epochs, steps) -> int:
    """:func:`estimate_run_bytes` plus what a sweep run holds besides: its copy of the data in
    epoch order, its batch and its history buffers (step and epoch losses)."""
    xb, yb = x[:batch], y[:batch]
    per_run = estimate_run_bytes(loss_fn, params, opt_state, xb, yb)
    per_run += x.nbytes + y.nbytes + xb.nbytes + yb.nbytes
    return per_run + 4 * epochs * (steps + 1) + 64


def _place_runs(tree: Any, mesh: Mesh | None) -> Any:
    """The runs axis (leading) of every leaf split over ``mesh`` (unchanged without one)."""
    if mesh is None:
        return tree
    sharding = NamedSharding(mesh, PartitionSpec(data_axis(mesh)))
    return jax.device_put(tree, sharding)


def sweep(
    loss_fn: Callable,
    init_params: Callable,
    make_optimizer: Callable,
    x: Any,
    y: Any,
    *,
    keys: jax.Array,
    learning_rates: Sequence[float] | np.ndarray,
    batch_size: int | None = None,
    epochs: int = 1,
    shuffle: bool = True,
    progress: bool | None = None,
    max_memory: int | None = None,
    runs_per_chunk: int | None = None,
    mesh: Mesh | None = None,
) -> SweepResult:
    """Trains every (learning rate, key) pair of a grid at once, vmapped in one compiled program.

    For learning rate ``lr_i`` and key ``k_j`` the run is (module docstring):

        init_key, data_key = split(k_j)
        params_ij = fit(loss_fn, init_params(init_key), make_optimizer(lr_i), x, y,
                        key=data_key, batch_size=batch_size, epochs=epochs).params

    computed for all ``L * K`` runs together with ``jax.vmap`` over :func:`jaxnn.train.make_epoch`
    (the optimizer is built inside the vmapped function from the traced learning rate; ``x`` and
    ``y`` are shared). One compilation of the training program serves the whole grid (the
    initial parameters come from a second, small program ``vmap(init_params)`` over the keys,
    shared by every sweep with the same ``init_params`` and number of keys). Both are cached:
    a second sweep of the same shapes and functions compiles nothing. A run that meets a
    non-finite update is marked in ``diverged`` and keeps the parameters and state it had at the
    end of its last finite epoch (``fit(on_nonfinite="stop")`` keeps those before the bad update
    itself: the same when the epoch is one update, full batch).

    Memory guard: when ``runs_per_chunk`` is None, the runs per compiled call are
    ``max_memory // per_run`` with ``per_run = estimate_run_bytes(...)`` plus each run's copy of
    the data in its epoch order, its batch and its history buffers; if the grid needs more, it
    runs in equal chunks one after another (initial parameters included: nothing is built for
    all runs at once) and a ``ResourceWarning`` says so. Results do not depend on the chunking
    (bit for bit in the tests), except that a chunk is never a single run: ``vmap`` over one
    run compiles to other arithmetic (up to ~4e-7 apart), so ``runs_per_chunk=1`` runs pairs.

    Many devices (``mesh``): the runs axis of every chunk is split over the mesh's devices
    (``NamedSharding(mesh, P(axis))``, the data replicated), so each device trains
    ``runs_per_chunk / devices`` runs; ``runs_per_chunk`` is rounded up to a multiple of the
    device count. The results equal the single-device sweep up to float rounding.

    Args:
        loss_fn: ``loss_fn(params, x_batch, y_batch) -> scalar``.
        init_params: ``init_params(key) -> params``, traceable (e.g. ``jaxnn.nn.init_mlp``).
        make_optimizer: ``make_optimizer(learning_rate) -> optimizer``, traceable in the rate
            (every jaxnn optimizer and optax alias is: ``jaxnn.optim.adam``).
        x: inputs ``(n, ...)``.
        y: targets ``(n, ...)``.
        keys: ``(K,)`` PRNG keys (``jax.random.split(jax.random.key(0), K)``), one per seed.
        learning_rates: ``(L,)`` positive learning rates, e.g. ``np.logspace(-3, 0, 8)``.
        batch_size: ``None`` (default, full batch) or ``1 <= batch_size <= n``.
        epochs: epochs per run (default 1).
        shuffle: a new minibatch order each epoch (default True).
        progress: a tqdm bar over the runs' chunks; None (default) shows it only when stderr is
            a terminal.
        max_memory: bytes the runs of one call may use (default None: half the accelerator's
            memory, a quarter of the RAM on CPU).
        runs_per_chunk: force this many runs per compiled call (default None: the memory guard
            decides). The grid is padded to a multiple of it.
        mesh: a ``jax.sharding.Mesh`` whose only axis (or axis named ``"data"``) splits the
            runs (default None: one device).

    Returns:
        A :class:`SweepResult` with leading axes ``(L, K)``.

    Raises:
        ValueError, TypeError: an empty grid, a non-positive learning rate, keys of the wrong
            shape, or the errors of :func:`jaxnn.train.fit` for the data and functions.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from jaxnn import data, optim
        >>> x, y = data.regression(jax.random.key(0), 32, features=3, noise=0.0)
        >>> r = sweep(lambda w, xb, yb: jnp.mean((xb @ w - yb) ** 2),
        ...           lambda key: 0.1 * jax.random.normal(key, (3,)), optim.sgd, x, y,
        ...           keys=jax.random.split(jax.random.key(1), 4),
        ...           learning_rates=[0.01, 0.1], batch_size=8, epochs=5, progress=False)
        >>> r.epoch_loss.shape, jax.tree.leaves(r.params)[0].shape
        ((2, 4, 5), (2, 4, 3))
        >>> bool((r.final_loss[1] < r.final_loss[0]).all())
        True
    """
    loss_fn, init_params, make_optimizer = _check_functions(loss_fn, init_params, make_optimizer)
    rates, keys = _check_learning_rates(learning_rates), _check_keys(keys)
    epochs = check_int("epochs", epochs, minimum=1, maximum=MAX_EPOCH)
    shuffle = check_bool("shuffle", shuffle)
    if progress is not None:
        progress = check_bool("progress", progress)
    if max_memory is not None:
        max_memory = check_int("max_memory", max_memory, minimum=1)
    if runs_per_chunk is not None:
        runs_per_chunk = check_int("runs_per_chunk", runs_per_chunk, minimum=1)
    devices = 1 if mesh is None else mesh.shape[data_axis(mesh)]
    x, y = as_data("x", x), as_data("y", y)
    check_pair("x", x, "y", y)
    n = x.shape[0]
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, minimum=1)
        if batch_size > n:
            raise ValueError(
                f"`batch_size` must be between 1 and the number of examples n={n}, got "
                f"batch_size={batch_size}. Use batch_size=None for full-batch gradient descent."
            )
    params, opt_state = _run_shapes(
        loss_fn, init_params, make_optimizer, rates, keys, x, y, batch_size
    )

    n_lr, n_keys = len(rates), keys.shape[0]
    total = n_lr * n_keys
    sizes = (n, batch_size, epochs, runs_per_chunk, max_memory, devices)
    plan = _guarded_plan(loss_fn, params, opt_state, x, y, sizes, (n_lr, n_keys))
    config = (loss_fn, make_optimizer, n, batch_size, shuffle, epochs)
    results, compile_time, run_time = _run_chunks(
        config, init_params, rates, keys, x, y, plan, mesh, progress, total
    )
    grid = jax.tree.map(lambda a: a.reshape(n_lr, n_keys, *a.shape[1:]), results)
    params, opt_state, step_loss, epoch_loss, diverged = grid
    return SweepResult(
        params=params,
        opt_state=opt_state,
        step_loss=step_loss,
        epoch_loss=epoch_loss,
        diverged=diverged,
        learning_rates=rates,
        keys=keys,
        chunks=plan.chunks,
        runs_per_chunk=plan.runs_per_chunk,
        compile_time=compile_time,
        run_time=run_time,
    )


def _guarded_plan(loss_fn, params, opt_state, x, y, sizes: tuple, grid: tuple) -> _Plan:
    """The chunks of the grid: ``runs_per_chunk`` as given, or as many runs as the memory guard
    lets into one call (a ResourceWarning says when the grid is split)."""
    n, batch_size, epochs, runs_per_chunk, max_memory, devices = sizes
    total = grid[0] * grid[1]
    per_run, budget = 0, max_memory
    if runs_per_chunk is None:
        batch = n if batch_size is None else batch_size
        steps = steps_per_epoch(n, batch_size)
        per_run = _run_bytes(loss_fn, params, opt_state, x, y, batch, epochs, steps)
        budget = default_memory_budget() if max_memory is None else max_memory
    plan = _plan(total, per_run, budget or 0, runs_per_chunk, devices)
    if plan.by_guard:
        warnings.warn(
            f"sweep: the {grid[0]} x {grid[1]} grid ({total} runs, about {per_run:,} bytes each) "
            f"does not fit in {budget:,} bytes at once; running it in {plan.chunks} chunks of "
            f"{plan.runs_per_chunk} runs one after another (pass max_memory= or runs_per_chunk= "
            "to change this).",
            ResourceWarning,
            stacklevel=3,
        )
    return plan


def _check_functions(loss_fn, init_params, make_optimizer) -> tuple:
    check_callable("loss_fn", loss_fn, "loss_fn(params, x_batch, y_batch) -> scalar loss")
    check_callable("init_params", init_params, "init_params(key) -> params")
    check_callable("make_optimizer", make_optimizer, "make_optimizer(learning_rate) -> optimizer")
    return loss_fn, init_params, make_optimizer


def _run_shapes(loss_fn, init_params, make_optimizer, rates, keys, x, y, batch_size) -> tuple:
    """The shapes of one run's params and optimizer state, checked as fit checks them."""
    try:
        params = jax.eval_shape(init_params, keys[0])
    except Exception as e:
        first = (str(e).strip().splitlines() or [""])[0]
        raise TypeError(
            f"`init_params` failed when called as init_params(key) with one of `keys`: "
            f"{type(e).__name__}: {first}"
        ) from e
    if not jax.tree.leaves(params):
        raise TypeError(f"`init_params` must return at least one array, got {params!r}.")
    check_float_params(params)
    optimizer = make_optimizer(float(rates[0]))
    if not (
        callable(getattr(optimizer, "init", None)) and callable(getattr(optimizer, "update", None))
    ):
        raise TypeError(
            "`make_optimizer` must return an optimizer with `init` and `update` (e.g. "
            f"make_optimizer=jaxnn.optim.adam), got make_optimizer({float(rates[0])!r}) = "
            f"{optimizer!r}."
        )
    opt_state = jax.eval_shape(optimizer.init, params)
    batch = x.shape[0] if batch_size is None else batch_size
    xb = jax.ShapeDtypeStruct((batch, *x.shape[1:]), x.dtype)
    yb = jax.ShapeDtypeStruct((batch, *y.shape[1:]), y.dtype)
    check_scalar_fn("loss_fn", loss_fn, params, xb, yb, "loss")
    return params, opt_state


def _run_chunks(config, init_params, rates, keys, x, y, plan: _Plan, mesh, progress, total):
    """Every chunk: its runs' initial params (a small vmapped program shared by every sweep
    with the same ``init_params`` and chunk size), then the training program; results on the
    host. Returns ``(outs, compile_time, run_time)``."""
    n_keys, size = keys.shape[0], plan.runs_per_chunk
    dtype = jnp.float64 if jax.config.jax_enable_x64 else jnp.float32
    padded = plan.chunks * size
    run_rate = np.resize(np.repeat(rates, n_keys), padded)  # run r = i * K + j; pad repeats
    run_key = np.resize(np.tile(np.arange(n_keys), len(rates)), padded)
    if mesh is not None:
        x, y = parallel.replicate((x, y), mesh)

    def chunk_args(c: int) -> tuple:
        part = slice(c * size, (c + 1) * size)
        run_keys = _place_runs(keys[jnp.asarray(run_key[part])], mesh)
        return _place_runs(jnp.asarray(run_rate[part], dtype), mesh), run_keys

    rates0, keys0 = chunk_args(0)
    inits, compile_time = cache.compiled(
        ("sweep-init", init_params, mesh), lambda: _init_program(init_params), (keys0,)
    )
    params0, data_keys0 = inits(keys0)
    runs, seconds = cache.compiled(
        ("sweep", *config, mesh),
        lambda: _runs_program(*config),
        (rates0, data_keys0, params0, x, y),
    )
    compile_time += seconds
    show = sys.stderr.isatty() if progress is None else progress
    bar = None
    if show:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, unit="run", desc="sweep", leave=False)
    results, t0 = None, time.perf_counter()
    try:
        for c in range(plan.chunks):
            chunk_rates, chunk_keys = chunk_args(c)
            params, data_keys = inits(chunk_keys)
            out = runs(chunk_rates, data_keys, params, x, y)
            del params, data_keys
            results = _store(results, out, c * size, total)
            del out
            if bar is not None:
                bar.update(min(size, total - c * size))
    finally:
        if bar is not None:
            bar.close()
    return results, compile_time, time.perf_counter() - t0


def _store(results: Any, out: Any, start: int, total: int) -> Any:
    """Copies one chunk's outputs into the host arrays of all ``total`` runs (made on the first
    chunk): no list of chunks and no concatenation, so the host holds the result once."""
    if results is None:
        results = jax.tree.map(lambda a: np.empty((total, *a.shape[1:]), a.dtype), out)

    def put(whole, part):
        rows = min(part.shape[0], total - start)
        whole[start : start + rows] = np.asarray(part[:rows])

    jax.tree.map(put, results, out)
    return results
