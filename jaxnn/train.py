"""Compiled training loops: full-batch gradient descent, SGD and minibatch SGD with :func:`fit`.

One update of parameters ``w`` with optimizer state ``s`` on a batch ``B``:

    loss, g = value_and_grad(loss_fn)(w, x_B, y_B)
    u, s = optimizer.update(g, s, w)
    w = w + u

``batch_size=None`` is full-batch gradient descent (one update per epoch on all ``n`` examples);
``batch_size=b`` is minibatch SGD (``b = 1`` is the seed's SGD). Each epoch visits every example
exactly once:

    key_e = fold_in(key, e)                           (epoch e's key, e = 0, 1, ...)
    order = permutation(key_e, n)                     (0 .. n-1 when shuffle=False)
    batches: order[0:b], order[b:2b], ...             (n // b full batches)
             order[(n // b) b : n]                    (a smaller last batch if b does not divide n)

The partial-batch rule: the last batch is *smaller*, never dropped and never padded, so every
example contributes exactly once per epoch and ``loss_fn`` always sees real examples only (no
mask it would have to know about). It costs a second traced copy of the step in the same
compiled program, not a second compile.

The compiled core is a pure function built by :func:`make_epoch`; :func:`fit` runs chunks of
whole epochs inside one jitted ``lax.scan`` (compiled once per call, parameters and optimizer
state donated, data kept on the device) and is a thin Python driver around it that records the
:class:`History`, reports progress between chunks and stops on ``target_loss`` or a non-finite
loss. Between chunks it also saves checkpoints (``checkpoint=``, ``checkpoint_every=``), from
which ``resume=`` continues bit for bit; ``on_nonfinite=`` is the one NaN/inf policy ("stop",
"skip" or "raise").

Examples:
    >>> import jax, jax.numpy as jnp
    >>> from jaxnn import data, losses, nn, optim, train
    >>> x, y = data.xor()
    >>> def loss_fn(params, xb, yb):
    ...     logits = nn.mlp(params, xb, activation="tanh")[:, 0]
    ...     return losses.sigmoid_binary_cross_entropy(logits, yb.astype(jnp.float32))
    >>> params = nn.init_mlp(jax.random.key(0), [2, 8, 1])
    >>> result = train.fit(loss_fn, params, optim.adam(0.05), x, y, epochs=300, progress=False)
    >>> result.history.steps, bool(result.history.epoch_loss[-1] < 0.05)
    (300, True)
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.sharding import Mesh

from jaxnn import checkpoint as _checkpoint
from jaxnn import parallel
from jaxnn._validation import check_bool, check_callable, check_choice, check_finite, check_int
from jaxnn.data import _check_key, minibatch_indices
from jaxnn.optim.base import apply_updates, check_float_params

if TYPE_CHECKING:  # re-exported lazily by __getattr__ at the end of this module
    from jaxnn.sweep import SweepResult, sweep

__all__ = [
    "EpochStats",
    "FitResult",
    "History",
    "NonfiniteError",
    "SweepResult",
    "epoch_key",
    "fit",
    "make_epoch",
    "make_step",
    "steps_per_epoch",
    "sweep",
]

LossFn = Callable[[Any, jax.Array, jax.Array], jax.Array]

NONFINITE_POLICIES = ("stop", "skip")
"""What the compiled epoch does with an update whose loss or new parameters are not finite:
``"stop"`` keeps the last finite parameters for the rest of the epoch (and :func:`fit` stops),
``"skip"`` drops that one update and goes on with the next batch."""

FIT_NONFINITE_POLICIES = ("stop", "skip", "raise")
""":func:`fit`'s ``on_nonfinite``: the two above, and ``"raise"`` (:class:`NonfiniteError`)."""


class History(NamedTuple):
    """What happened during :func:`fit` (NumPy arrays, on the host).

    Attributes:
        step_loss: ``(steps,)`` the batch loss of every applied update, before the update.
        epoch_loss: ``(epochs,)`` the mean batch loss of each completed epoch, weighted by batch
            size: ``sum_b |b| loss_b / n`` (the plain mean when ``batch_size`` divides ``n``).
        eval_loss: ``(epochs,)`` ``loss_fn(params, *eval_data)`` after each epoch, or ``None``
            without ``eval_data``.
        eval_accuracy: ``(epochs,)`` ``accuracy_fn(params, *eval_data)`` after each epoch, or
            ``None`` without ``eval_data`` and ``accuracy_fn``.
        epoch_time: ``(epochs,)`` wall seconds per epoch, compilation excluded. Epochs run in
            compiled chunks; each epoch gets its chunk's time divided by the epochs it ran.
        compile_time: seconds spent compiling (0.0 when the compiled program was cached).
        steps: number of updates run (all applied, except those counted in ``skipped``).
        epochs: number of epochs completed (``len(epoch_loss)``).
        stopped: ``"epochs"`` (all ran), ``"target_loss"`` or ``"nonfinite"``.
        message: why training stopped early ("" when all epochs ran).
        skipped: updates dropped by ``on_nonfinite="skip"`` (their losses are in ``step_loss``
            and counted in ``steps``; they are left out of ``epoch_loss``). 0 otherwise.

    A resumed run's History covers the whole run: the saved epochs, then the new ones
    (``compile_time`` adds up the compile times of every call).
    """

    step_loss: np.ndarray
    epoch_loss: np.ndarray
    eval_loss: np.ndarray | None
    eval_accuracy: np.ndarray | None
    epoch_time: np.ndarray
    compile_time: float
    steps: int
    epochs: int
    stopped: str
    message: str
    skipped: int = 0


class FitResult(NamedTuple):
    """The result of :func:`fit`: final ``params``, optimizer state and :class:`History`."""

    params: Any
    opt_state: Any
    history: History


class NonfiniteError(FloatingPointError):
    """Raised by ``fit(..., on_nonfinite="raise")`` at the first non-finite update.

    A ``FloatingPointError``, like the error of ``jax.config.update("jax_debug_nans", True)``
    and of NumPy under ``np.seterr(all="raise")``: the arguments were fine, the arithmetic was
    not.

    Attributes:
        epoch: the epoch of the bad update (1-based, as in the message).
        step: its step within the epoch (1-based).
        leaf: where the step first went non-finite, e.g. ``"gradient ['w']"``, ``"update
            [0]['b']"`` or ``"new parameter ['w']"`` (tree paths as ``jax.tree_util.keystr``
            writes them); ``None`` if replaying the step eagerly gave only finite values.
        result: the :class:`FitResult` that ``on_nonfinite="stop"`` would have returned (the
            last finite params and state, the History up to that update).
    """

    def __init__(self, message: str, epoch: int, step: int, leaf: str | None, result: Any):
        super().__init__(message)
        self.epoch, self.step, self.leaf, self.result = epoch, step, leaf, result


class EpochStats(NamedTuple):
    """What one compiled epoch returns besides the parameters and state.

    Attributes:
        step_loss: ``(steps,)`` each batch's loss, computed before its update.
        applied: ``(steps,)`` bool, whether each update was applied (its loss and new
            parameters were finite, and, with ``on_nonfinite="stop"``, every earlier one too).
        epoch_loss: the batch-size-weighted mean of the applied steps' losses (NaN if none).
    """

    step_loss: jax.Array
    applied: jax.Array
    epoch_loss: jax.Array


def epoch_key(key: jax.Array, epoch: int | jax.Array) -> jax.Array:
    """Epoch ``epoch``'s key: ``jax.random.fold_in(key, epoch)``.

    It depends only on the run's key and the epoch index (not on how many epochs ran before),
    so an epoch can be replayed or resumed on its own.

    Examples:
        >>> import jax
        >>> k = jax.random.key(0)
        >>> bool((jax.random.key_data(epoch_key(k, 3)) ==
        ...       jax.random.key_data(jax.random.fold_in(k, 3))).all())
        True
    """
    _check_key(key)
    return jax.random.fold_in(key, epoch)


def steps_per_epoch(n: int, batch_size: int | None) -> int:
    """Updates per epoch: 1 for full batch (``None``), else ``ceil(n / batch_size)``.

    Examples:
        >>> steps_per_epoch(442, None), steps_per_epoch(442, 10), steps_per_epoch(442, 1)
        (1, 45, 442)
    """
    n = check_int("n", n, minimum=1)
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, minimum=1)
    return 1 if batch_size is None else -(-n // batch_size)


def make_step(loss_fn: LossFn, optimizer: Any) -> Callable:
    """The plain update ``step(params, opt_state, x, y) -> (params, opt_state, loss)``.

    ``loss, g = value_and_grad(loss_fn)(params, x, y)``; ``u, s = optimizer.update(g, s,
    params)``; ``params = params + u``. Not jitted: wrap it in ``jax.jit`` for a Python loop, or
    use it inside a compiled loop (:func:`make_epoch` does).

    Examples:
        >>> import jax.numpy as jnp
        >>> from jaxnn import optim
        >>> step = make_step(lambda p, x, y: jnp.mean((x * p - y) ** 2), optim.sgd(0.1))
        >>> p, s, loss = step(jnp.array(0.0), optim.sgd(0.1).init(jnp.array(0.0)),
        ...                   jnp.ones(2), jnp.ones(2))
        >>> p, loss
        (Array(0.2, dtype=float32), Array(1., dtype=float32))
    """
    check_callable("loss_fn", loss_fn, "loss_fn(params, x_batch, y_batch) -> scalar loss")
    _check_optimizer(optimizer)
    grad_fn = jax.value_and_grad(loss_fn)

    def step(params, opt_state, x, y):
        loss, grads = grad_fn(params, x, y)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return apply_updates(params, updates), opt_state, loss

    return step


def _all_finite(tree: Any) -> jax.Array:
    leaves = [jnp.all(jnp.isfinite(leaf)) for leaf in jax.tree.leaves(tree)]
    return jnp.all(jnp.stack(leaves)) if leaves else jnp.array(True)


# How the finiteness guard picks between new and old values (_select): None chooses by the
# default backend; True / False force lax.cond / jnp.where (tests check both give one run).
_SELECT_WITH_COND: bool | None = None


def _select_uses_cond() -> bool:
    if _SELECT_WITH_COND is not None:
        return _SELECT_WITH_COND
    return jax.default_backend() == "cpu"


def _select(pred: jax.Array, new: Any, old: Any) -> Any:
    """``new`` if the scalar ``pred`` is true, else ``old``: the guard's choice after each update.

    On CPU a ``lax.cond``: a ``jnp.where`` over every leaf after the finiteness reduction made a
    tiny step (XOR) 1.5-2x slower there, while the cond just forwards one set of buffers. On GPU
    and TPU an elementwise ``jnp.where``, which fuses with the update: a ``lax.cond`` inside a
    ``lax.scan`` is reported to be much slower on those backends (jax-ml/jax#5986). Both pick
    the same values; the update around them may fuse differently (the last bit may round
    differently).
    """
    if _select_uses_cond():
        return lax.cond(pred, lambda: new, lambda: old)
    return jax.tree.map(lambda a, b: jnp.where(pred, a, b), new, old)


def make_epoch(
    loss_fn: LossFn,
    optimizer: Any,
    n: int,
    batch_size: int | None = None,
    *,
    shuffle: bool = True,
    on_nonfinite: str = "stop",
    mesh: Mesh | None = None,
) -> Callable:
    """The compiled core of :func:`fit`: one epoch as a pure, jit- and vmap-able function.

    ``epoch(params, opt_state, key, x, y) -> (params, opt_state, EpochStats)`` runs
    :func:`steps_per_epoch` updates of :func:`make_step` in one ``lax.scan`` over the batches
    of ``jaxnn.data.minibatch_indices(key, n, batch_size, shuffle=shuffle)`` (the full batches),
    then one more step on the smaller last batch when ``batch_size`` does not divide ``n``.
    ``key`` is the epoch's key (:func:`epoch_key`); it is unused for full batch or without
    shuffling. An update whose loss or new parameters are not finite is not applied; with
    ``on_nonfinite="stop"`` no later update of the epoch is applied either (the parameters stay
    the last finite ones), with ``"skip"`` the next batches go on.

    Nothing here is validated against data: :func:`fit` does that. Use this factory to build
    your own loops: ``jax.jit`` it, ``jax.vmap`` it over keys or learning rates (build the
    optimizer inside the vmapped function), or shard its batch.

    Args:
        loss_fn: ``loss_fn(params, x_batch, y_batch) -> scalar``.
        optimizer: a jaxnn optimizer or an optax ``GradientTransformation``.
        n: number of training examples (the leading size of ``x`` and ``y``).
        batch_size: ``None`` for full batch, else ``1 <= batch_size <= n``.
        shuffle: permute the examples each epoch (default True).
        on_nonfinite: ``"stop"`` (default) or ``"skip"``, see above.
        mesh: a ``jax.sharding.Mesh`` to split every batch over (data parallelism, see
            :func:`fit`), or ``None`` (default). Each gathered batch gets
            ``with_sharding_constraint(batch, NamedSharding(mesh, P("data")))``; the gradient
            reduction is left to XLA.

    Returns:
        The epoch function.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from jaxnn import optim
        >>> loss = lambda w, x, y: jnp.mean((x @ w - y) ** 2)
        >>> epoch = jax.jit(make_epoch(loss, optim.sgd(0.1), 4, 2))
        >>> x, y = jnp.eye(4, 2), jnp.ones(4)
        >>> w, s, stats = epoch(jnp.zeros(2), optim.sgd(0.1).init(jnp.zeros(2)),
        ...                     jax.random.key(0), x, y)
        >>> stats.step_loss.shape, bool(stats.applied.all())
        ((2,), True)
    """
    step = make_step(loss_fn, optimizer)
    place_full = place_rest = _unplaced
    n = check_int("n", n, minimum=1)
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, minimum=1)
        if batch_size > n:
            raise ValueError(
                f"`batch_size` must be <= n={n}, got batch_size={batch_size}. "
                "Use batch_size=None for full-batch gradient descent."
            )
    shuffle = check_bool("shuffle", shuffle)
    check_choice("on_nonfinite", on_nonfinite, NONFINITE_POLICIES)
    stop_policy = on_nonfinite == "stop"
    if mesh is not None:
        place_full, place_rest = _batch_placement(mesh, n, batch_size)

    def guarded(carry, xb, yb):
        params, opt_state, ok = carry
        new_params, new_state, loss = step(params, opt_state, xb, yb)
        good = jnp.isfinite(loss) & _all_finite(new_params)
        apply = ok & good if stop_policy else good
        params, opt_state = _select(apply, (new_params, new_state), (params, opt_state))
        return (params, opt_state, apply if stop_policy else ok), (loss, apply)

    if batch_size is None:
        weights = np.array([n], np.float32)
    else:
        full_steps, rest = divmod(n, batch_size)
        weights = np.array([batch_size] * full_steps + ([rest] if rest else []), np.float32)

    def epoch(params, opt_state, key, x, y):
        carry = (params, opt_state, jnp.array(True))
        if batch_size is None:
            carry, (loss, applied) = guarded(carry, *place_full((x, y)))
            losses, applied = loss[None], applied[None]
        else:
            full, rest = minibatch_indices(key, n, batch_size, shuffle=shuffle)

            def body(carry, idx):
                return guarded(carry, *place_full((x[idx], y[idx])))

            carry, (losses, applied) = lax.scan(body, carry, full)
            if rest.shape[0]:
                carry, (loss, ok) = guarded(carry, *place_rest((x[rest], y[rest])))
                losses = jnp.concatenate([losses, loss[None]])
                applied = jnp.concatenate([applied, ok[None]])
        params, opt_state, _ = carry
        if len(weights) == 1:  # full batch: the epoch's loss is its one step's loss
            epoch_loss = jnp.where(applied[0], losses[0], jnp.nan)
        else:
            w = jnp.where(applied, jnp.asarray(weights, losses.dtype), 0)
            epoch_loss = jnp.sum(jnp.where(applied, w * losses, 0)) / jnp.sum(w)
        return params, opt_state, EpochStats(losses, applied, epoch_loss)

    return epoch


class _ChunkOut(NamedTuple):
    epochs: jax.Array  # how many epochs ran (the first ``epochs`` rows below are valid)
    stop: jax.Array  # 0 none, 1 the last epoch reached target_loss, 2 it met a non-finite update
    applied: jax.Array  # updates applied in the last epoch (the bad step's index when stop == 2)
    step_loss: jax.Array  # (K, steps)
    epoch_loss: jax.Array  # (K,)
    eval_loss: jax.Array | None  # (K,)
    eval_accuracy: jax.Array | None  # (K,)
    skipped: jax.Array | None = None  # (K,) updates skipped per epoch ("skip" policy only)


def _make_chunk(
    epoch_fn,
    loss_fn,
    accuracy_fn,
    chunk: int,
    has_eval: bool,
    has_target: bool,
    stop_on_bad: bool = True,
) -> Callable:
    """``chunk(params, state, key, first, end, target, x, y, xe, ye)``: the epochs ``first,
    first + 1, ...`` while ``< min(end, first + chunk)``, stopping after the first one that
    reaches ``target`` or (``stop_on_bad``, the "stop" policy) meets a non-finite update; with
    ``stop_on_bad=False`` (the "skip" policy) each epoch records how many updates it skipped.
    A ``lax.while_loop`` (not a scan with a ``cond`` per epoch) so that stopping costs nothing
    and a one-step epoch (full batch) pays for little besides its step; per-epoch results
    go into ``(chunk, ...)`` buffers."""

    def run_epoch(p, s, key, e, x, y, xe, ye):
        p, s, stats = epoch_fn(p, s, epoch_key(key, e), x, y)
        record = {"step_loss": stats.step_loss, "epoch_loss": stats.epoch_loss}
        if has_eval:
            record["eval_loss"] = loss_fn(p, xe, ye).astype(stats.epoch_loss.dtype)
        if accuracy_fn is not None:
            record["eval_accuracy"] = accuracy_fn(p, xe, ye).astype(stats.epoch_loss.dtype)
        if not stop_on_bad:
            record["skipped"] = jnp.sum((~stats.applied).astype(jnp.int32))
        return p, s, stats.applied, record

    def run_chunk(params, opt_state, key, first, end, target, x, y, xe, ye):
        shapes = jax.eval_shape(run_epoch, params, opt_state, key, first, x, y, xe, ye)[3]
        buffers = jax.tree.map(lambda a: jnp.zeros((chunk, *a.shape), a.dtype), shapes)
        last = jnp.minimum(end, first + chunk)

        def cond(carry):
            i, stop = carry[0], carry[1]
            return (first + i < last) & (stop == 0)

        def body(carry):
            i, _, _, p, s, out = carry
            p, s, applied, record = run_epoch(p, s, key, first + i, x, y, xe, ye)
            # under the "stop" policy the last step is applied iff all are
            bad = ~applied[-1] if stop_on_bad else jnp.array(False)
            stop = jnp.where(bad, 2, 0)
            if has_target:
                stop = jnp.where(~bad & (record["epoch_loss"] <= target), 1, stop)
            n_applied = jnp.sum(applied.astype(jnp.int32))
            out = jax.tree.map(lambda b, v: b.at[i].set(v), out, record)
            return i + 1, stop.astype(jnp.int32), n_applied, p, s, out

        zero = jnp.int32(0)
        init = (zero, zero, zero, params, opt_state, buffers)
        ran, stop, applied, params, opt_state, out = lax.while_loop(cond, body, init)
        return (
            params,
            opt_state,
            _ChunkOut(
                ran,
                stop,
                applied,
                out["step_loss"],
                out["epoch_loss"],
                out.get("eval_loss"),
                out.get("eval_accuracy"),
                out.get("skipped"),
            ),
        )

    return run_chunk


# Data parallelism (fit(mesh=...)): where each batch and the outputs of the compiled chunk live.


def _unplaced(tree: Any) -> Any:
    return tree


def _data_axis(mesh: Any) -> str:
    """The mesh axis that splits the batch: the mesh's only axis, or the one named "data"."""
    if not isinstance(mesh, Mesh):
        raise TypeError(
            "`mesh` must be a jax.sharding.Mesh such as jaxnn.parallel.data_mesh(), or None, "
            f"got {type(mesh).__name__}."
        )
    if len(mesh.axis_names) == 1:
        return mesh.axis_names[0]
    if parallel.DATA_AXIS in mesh.axis_names:
        return parallel.DATA_AXIS
    raise ValueError(
        f"`mesh` has axes {mesh.axis_names} and none is named {parallel.DATA_AXIS!r}: fit splits "
        f"the batch along the mesh's only axis or along the axis named {parallel.DATA_AXIS!r}. "
        "Rename the batch axis, or pass a 1-D mesh (jaxnn.parallel.data_mesh)."
    )


def _batch_placement(mesh: Mesh, n: int, batch_size: int | None) -> tuple[Callable, Callable]:
    """Checks the batch rule on ``mesh`` and returns ``(place_full, place_rest)``, which
    constrain a ``(x_batch, y_batch)`` pair: split along the data axis, except a smaller last
    batch whose size does not divide by the device count, which stays replicated."""
    axis = _data_axis(mesh)
    devices = mesh.shape[axis]
    if batch_size is None:
        if n % devices:
            raise ValueError(
                f"full-batch training (`batch_size`=None) splits all n={n} examples over "
                f"{devices} devices, but {n} is not a multiple of {devices}: each device must get "
                f"the same number of examples. Pass a `batch_size` that is a multiple of "
                f"{devices}, or use {n - n % devices} examples."
            )
    else:
        parallel.check_batch_divisible(batch_size, mesh, axis)
    split = parallel.batch_sharding(mesh, axis)
    rest = 0 if batch_size is None else n % batch_size
    last = split if rest % devices == 0 else parallel.replicated_sharding(mesh)
    return (
        lambda batch: lax.with_sharding_constraint(batch, split),
        lambda batch: lax.with_sharding_constraint(batch, last),
    )


def _replicated_outputs(chunk_fn: Callable, mesh: Mesh) -> Callable:
    """``chunk_fn`` with its returned params and optimizer state pinned replicated on ``mesh``:
    the next call of the compiled chunk takes them as they come (the same sharding in and out,
    so donation aliases the buffers)."""
    whole = parallel.replicated_sharding(mesh)

    def run(params, opt_state, *args):
        params, opt_state, out = chunk_fn(params, opt_state, *args)
        return (
            lax.with_sharding_constraint(params, whole),
            lax.with_sharding_constraint(opt_state, whole),
            out,
        )

    return run


# fit's and sweep's compiled programs, least recently used first (see _compiled).
_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 32


def _signature(*trees: Any) -> tuple:
    return tuple(
        (
            jax.tree.structure(t),
            tuple((jnp.shape(a), jnp.result_type(a)) for a in jax.tree.leaves(t)),
        )
        for t in trees
    )


def _compiled(
    config: tuple, build: Callable, args: tuple, donate_argnums: tuple[int, ...] = ()
) -> tuple[Callable, float]:
    """``jax.jit(build(), donate_argnums=...)`` compiled for ``args``, and its compile seconds.

    Cached like ``jax.jit`` (least recently used out beyond ``_CACHE_SIZE``) on ``config`` (what
    ``build`` closes over), the argument shapes and the guard's select mode; 0.0 seconds when
    cached. An unhashable ``config`` (e.g. an optimizer holding a list) compiles every call.
    """
    try:
        cache_key = (config, donate_argnums, _select_uses_cond(), _signature(*args))
        hash(cache_key)
    except TypeError:  # an unhashable optimizer or loss: compile without caching
        cache_key = None
    if cache_key is not None and cache_key in _CACHE:
        _CACHE.move_to_end(cache_key)
        return _CACHE[cache_key], 0.0
    t0 = time.perf_counter()
    compiled = jax.jit(build(), donate_argnums=donate_argnums).lower(*args).compile()
    compile_time = time.perf_counter() - t0
    if cache_key is not None:
        _CACHE[cache_key] = compiled
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return compiled, compile_time


def _check_optimizer(optimizer: Any) -> None:
    init, update = getattr(optimizer, "init", None), getattr(optimizer, "update", None)
    if not (callable(init) and callable(update)):
        raise TypeError(
            "`optimizer` must have `init` and `update` (a jaxnn optimizer such as "
            f"jaxnn.optim.adam(1e-3) or an optax GradientTransformation), got {optimizer!r}."
        )


def _as_data(name: str, value: Any) -> jax.Array:
    if isinstance(value, list | tuple) or not hasattr(value, "shape"):
        try:
            value = np.asarray(value)
        except (TypeError, ValueError) as e:
            raise TypeError(f"`{name}` must be an array, got {type(value).__name__}: {e}") from None
    if np.dtype(value.dtype).kind not in "biufc" and value.dtype != jnp.bfloat16:
        raise TypeError(f"`{name}` must hold numbers, got dtype {value.dtype}.")
    value = jnp.asarray(value)
    if value.ndim == 0:
        raise ValueError(f"`{name}` must have a leading example axis, got a scalar.")
    if value.shape[0] == 0:
        raise ValueError(f"`{name}` has no examples (shape {value.shape}); pass at least one.")
    if not (jnp.issubdtype(value.dtype, jnp.number) or value.dtype == jnp.bool_):
        raise TypeError(f"`{name}` must hold numbers, got dtype {value.dtype}.")
    if jnp.issubdtype(value.dtype, jnp.inexact) and not bool(jnp.all(jnp.isfinite(value))):
        bad = int(jnp.sum(~jnp.isfinite(value)))
        raise ValueError(
            f"`{name}` must be finite, but {bad} of its {value.size} values are NaN or inf. "
            "Clean or impute the data before training."
        )
    return value


def _check_pair(x_name: str, x: jax.Array, y_name: str, y: jax.Array) -> None:
    if x.shape[0] != y.shape[0]:
        raise ValueError(
            f"`{x_name}` and `{y_name}` must have the same number of examples (leading size), "
            f"got {x_name}.shape={x.shape} and {y_name}.shape={y.shape}."
        )


def _check_scalar_fn(
    name: str, fn: Callable, params: Any, x: Any, y: Any, what: str, data: str = "x, y"
) -> Any:
    try:
        out = jax.eval_shape(fn, params, x, y)
    except Exception as e:  # the user's function failed on these arguments: say which ones
        first_line = (str(e).strip().splitlines() or [""])[0]
        raise TypeError(
            f"`{name}` failed when called as {name}(params, x_batch, y_batch) with `params` and "
            f"a batch of `{data}` (x_batch {x.shape} {x.dtype}, y_batch {y.shape} {y.dtype}): "
            f"{type(e).__name__}: {first_line} Check that `params`, `{data}` and {name} fit "
            "together (tree keys, feature sizes)."
        ) from e
    if not isinstance(out, jax.ShapeDtypeStruct) or out.shape != ():
        got = f"shape {out.shape}" if isinstance(out, jax.ShapeDtypeStruct) else type(out).__name__
        raise TypeError(
            f"`{name}` must return a scalar {what}, got {got} for a batch of {x.shape[0]} "
            f"examples. Reduce over the batch (e.g. jnp.mean) and return only the {what} "
            "(no auxiliary outputs)."
        )
    if not jnp.issubdtype(out.dtype, jnp.floating):
        raise TypeError(
            f"`{name}` must return a floating-point {what}, got dtype {out.dtype}; "
            f"compute it in floats (e.g. .astype(jnp.float32))."
        )
    return out


def _copy_tree(tree: Any) -> Any:
    """Fresh, strongly typed device copies: the donated buffers are never the caller's."""

    def copy(a):  # an explicit, canonical dtype: float64 NumPy params become float32 under x32
        return jnp.array(a, dtype=jax.dtypes.canonicalize_dtype(jnp.result_type(a)), copy=True)

    return jax.tree.map(copy, tree)


_CHUNK_STEPS = 65536  # most updates one compiled call can record (its buffers' size)
_CHUNK_SECONDS = 0.25  # aim of the adaptive chunk length: progress about 4 times a second


def fit(
    loss_fn: LossFn,
    params: Any,
    optimizer: Any,
    x: Any,
    y: Any,
    *,
    batch_size: int | None = None,
    epochs: int = 1,
    key: jax.Array | None = None,
    shuffle: bool = True,
    eval_data: tuple[Any, Any] | None = None,
    target_loss: float | None = None,
    progress: bool | None = None,
    accuracy_fn: Callable | None = None,
    epochs_per_chunk: int | None = None,
    mesh: Mesh | None = None,
    devices: Any = None,
    on_nonfinite: str = "stop",
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int | None = None,
    resume: str | os.PathLike | None = None,
) -> FitResult:
    """Trains ``params`` on ``(x, y)`` with ``optimizer``, whole epochs compiled.

    Full-batch gradient descent (``batch_size=None``, one update per epoch), SGD
    (``batch_size=1``) or minibatch SGD; each epoch visits every example exactly once in the
    order ``permutation(fold_in(key, epoch), n)``, the last batch smaller when ``batch_size``
    does not divide ``n`` (module docstring). Chunks of ``epochs_per_chunk`` epochs run inside
    one jitted ``lax.scan`` (compiled once per call and cached like ``jax.jit``; parameters and
    optimizer state donated; ``x``/``y`` stay on the device); progress is reported between
    chunks. Training stops after ``epochs`` epochs, at the first epoch whose ``epoch_loss`` is
    ``<= target_loss``, or (``on_nonfinite="stop"``, the default) at the first update whose loss
    or new parameters are not finite: then a ``RuntimeWarning`` names the epoch and step, and
    the result holds the parameters and state before that update (the last finite ones). The
    caller's ``params`` are copied first and never modified or donated.

    NaN/inf policy (``on_nonfinite``), decided per update from its loss and new parameters:

        "stop"   stop there, warn, return the last finite params and state (History.stopped
                 is "nonfinite")
        "skip"   drop that update (params and optimizer state unchanged, so the optimizer's
                 count advances only on applied updates, as with jaxnn.optim.skip_nonfinite),
                 go on with the next batch; History.skipped counts the dropped updates
        "raise"  stop as "stop" does, then raise :class:`NonfiniteError` (a
                 ``FloatingPointError``) naming the epoch, the step and the first non-finite
                 leaf (gradient, update or new parameter, by tree path) of that step

    Checkpoints and exact resume: with ``checkpoint=PATH`` the run saves (with
    :mod:`jaxnn.checkpoint`, atomically) its params, optimizer state, key, :class:`History` and
    epoch after every ``checkpoint_every`` epochs (compiled chunks end on those epochs) and when
    it returns (all epochs done or ``target_loss`` reached; a run stopped by a non-finite update
    keeps its last checkpoint, which sits on an epoch boundary). ``resume=PATH`` continues the
    saved run: ``epochs`` is the run's *total*, so a ``2N``-epoch run resumed from epoch ``N``
    trains ``N`` more, and the result is bit-identical to training ``2N`` epochs in one call.
    The resumed call must have the same data shapes and dtypes, ``batch_size``, ``shuffle``,
    ``eval_data``/``accuracy_fn`` presence and the same ``key`` (or ``key=None``: the saved key
    is used); ``params`` and ``optimizer`` only serve as templates (the saved tree must have
    their structure, shapes and dtypes). Anything else is a clear ``ValueError``.

    Args:
        loss_fn: ``loss_fn(params, x_batch, y_batch) -> scalar``, a mean over the batch.
        params: the initial parameters, a pytree of floating arrays.
        optimizer: a jaxnn optimizer (``jaxnn.optim.adam(1e-3)``) or an optax transform.
        x: inputs ``(n, ...)``, finite.
        y: targets ``(n, ...)``.
        batch_size: ``None`` (default) for full batch, else ``1 <= batch_size <= n``.
        epochs: number of epochs of the whole run (default 1, >= 1; resumed epochs count).
        key: a JAX PRNG key for the minibatch order; required when ``batch_size`` is set and
            ``shuffle`` is True (unless resuming: the saved key is used).
        shuffle: a new random order each epoch (default True); False keeps ``0 .. n-1``.
        eval_data: ``(x_eval, y_eval)`` evaluated after every epoch with ``loss_fn`` (one batch).
        target_loss: stop at the first epoch with ``epoch_loss <= target_loss`` (default None).
        progress: a tqdm bar over epochs; ``None`` (default) shows it only when stderr is a
            terminal.
        accuracy_fn: ``accuracy_fn(params, x_eval, y_eval) -> scalar`` recorded as
            ``History.eval_accuracy`` (needs ``eval_data``), e.g.
            ``lambda p, x, y: jaxnn.losses.accuracy(model(p, x), y)``.
        epochs_per_chunk: epochs per call of the compiled program (at most 65,536 updates'
            worth). Default (None): one epoch first, then as many as take about 0.25 s. It is a
            runtime argument, so it never causes a recompile; results do not depend on it.
        mesh: a ``jax.sharding.Mesh`` for data parallelism (see below), or ``None`` (default):
            one device. The batch is split along its only axis, or along the axis named
            ``"data"`` of a larger mesh (replicated along the others).
        devices: shorthand for ``mesh=jaxnn.parallel.data_mesh(devices)``: a device count, a
            list of devices, or ``None`` (default). Pass ``mesh`` or ``devices``, not both.

        on_nonfinite: ``"stop"`` (default), ``"skip"`` or ``"raise"``, see above.
        checkpoint: a file path to save the run to (default None: no checkpoints).
        checkpoint_every: save every this many epochs (``>= 1``; needs ``checkpoint``). Default
            None: save only when the run returns.
        resume: a checkpoint written by ``fit(checkpoint=...)`` to continue from (it may be the
            same path as ``checkpoint``).

    Data parallelism (``mesh`` or ``devices``): the same program, partitioned by XLA (GSPMD).
    Parameters, optimizer state, ``x``, ``y`` and ``eval_data`` are replicated on every device
    of the mesh; each gathered batch is constrained to ``NamedSharding(mesh, P("data"))``, so
    every device runs the step on ``batch_size / devices`` examples and XLA inserts the
    all-reduce of the gradients (the loss is a mean over the batch). Keeping the dataset
    replicated makes each step's gather local (no communication but the gradient reduction) at
    the price of one full copy of ``x`` and ``y`` per device; for data that does not fit that
    way, shard the data yourself and write the loop with :func:`make_epoch`. The rule for batch
    sizes: ``batch_size`` (``n`` for full batch) must be a multiple of the device count (a
    ``ValueError`` otherwise); the smaller last batch of an epoch is split the same way when its
    size ``n % batch_size`` is a multiple of the device count and otherwise runs replicated
    (each device computes that one step on the whole small batch: the same result, no
    communication). The result equals single-device ``fit`` up to float rounding, not bit for
    bit: the all-reduce adds the devices' partial gradients in another order than one device's
    sum (tests/test_parallel.py: within rtol 1e-5 in float32). The returned params and state
    are replicated on the mesh.

    Returns:
        ``FitResult(params, opt_state, history)`` with a :class:`History` (of the whole run
        when resumed).

    Raises:
        ValueError, TypeError: for bad arguments (checked before anything is compiled), a
            ``resume`` checkpoint of another run configuration, or a damaged checkpoint
            (:class:`jaxnn.checkpoint.CheckpointError`).
        NonfiniteError: with ``on_nonfinite="raise"``, at the first non-finite update.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from jaxnn import data, optim
        >>> x, y = data.regression(jax.random.key(0), 64, features=3, noise=0.0)
        >>> loss_fn = lambda w, xb, yb: jnp.mean((xb @ w - yb) ** 2)
        >>> r = fit(loss_fn, jnp.zeros(3), optim.sgd(0.1), x, y, batch_size=16, epochs=20,
        ...         key=jax.random.key(1), progress=False)
        >>> r.history.steps, len(r.history.epoch_loss), bool(r.history.epoch_loss[-1] < 1e-4)
        (80, 20, True)

        Stopping after 10 epochs and resuming gives exactly the same parameters:

        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "run.safetensors")
        >>> kw = dict(batch_size=16, key=jax.random.key(1), progress=False)
        >>> half = fit(loss_fn, jnp.zeros(3), optim.sgd(0.1), x, y, epochs=10, checkpoint=path,
        ...            **kw)
        >>> r2 = fit(loss_fn, jnp.zeros(3), optim.sgd(0.1), x, y, epochs=20, resume=path, **kw)
        >>> r2.history.epochs, bool((r2.params == r.params).all())
        (20, True)
    """
    check_callable("loss_fn", loss_fn, "loss_fn(params, x_batch, y_batch) -> scalar loss")
    _check_optimizer(optimizer)
    epochs = check_int("epochs", epochs, minimum=1)
    shuffle = check_bool("shuffle", shuffle)
    if progress is not None:
        progress = check_bool("progress", progress)
    if accuracy_fn is not None:
        check_callable("accuracy_fn", accuracy_fn, "accuracy_fn(params, x, y) -> scalar")
        if eval_data is None:
            raise ValueError(
                "`accuracy_fn` is evaluated on `eval_data`, which is None. Pass "
                "eval_data=(x_eval, y_eval) (it may be the training set)."
            )
    if target_loss is not None:
        check_finite("target_loss", target_loss, hint="Pass a number such as 0.01, or None.")
    if epochs_per_chunk is not None:
        epochs_per_chunk = check_int("epochs_per_chunk", epochs_per_chunk, minimum=1)
    check_choice("on_nonfinite", on_nonfinite, FIT_NONFINITE_POLICIES)
    checkpoint = _check_path("checkpoint", checkpoint)
    resume = _check_path("resume", resume, must_exist=True)
    if checkpoint_every is not None:
        checkpoint_every = check_int("checkpoint_every", checkpoint_every, minimum=1)
        if checkpoint is None:
            raise ValueError(
                "`checkpoint_every` needs a file to save to: pass checkpoint='run.safetensors' "
                f"too (got checkpoint=None, checkpoint_every={checkpoint_every})."
            )
    leaves = jax.tree.leaves(params)
    if not leaves:
        raise TypeError(f"`params` must contain at least one array, got {params!r}.")
    check_float_params(params)
    if devices is not None:
        if mesh is not None:
            raise ValueError(
                "pass either `mesh` or `devices`, not both: devices=N is shorthand for "
                "mesh=jaxnn.parallel.data_mesh(N)."
            )
        mesh = parallel.data_mesh(devices)
    if mesh is not None:
        _data_axis(mesh)

    x, y = _as_data("x", x), _as_data("y", y)
    _check_pair("x", x, "y", y)
    n = x.shape[0]
    if batch_size is not None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
            raise TypeError(
                f"`batch_size` must be None (full batch) or an integer, got "
                f"batch_size={batch_size!r}."
            )
        if not 1 <= batch_size <= n:
            raise ValueError(
                f"`batch_size` must be between 1 and the number of examples n={n}, got "
                f"batch_size={batch_size}. Use batch_size=None for full-batch gradient descent."
            )
        batch_size = int(batch_size)
        if shuffle and key is None and resume is None:
            raise ValueError(
                "`key` is needed to shuffle minibatches: pass key=jax.random.key(0) (any seed), "
                "or shuffle=False for the fixed order 0 .. n-1."
            )
    if key is not None:
        _check_key(key)

    has_eval = eval_data is not None
    if has_eval:
        if not isinstance(eval_data, tuple | list) or len(eval_data) != 2:
            raise TypeError(
                "`eval_data` must be a pair (x_eval, y_eval) such as a jaxnn.data.Dataset, got "
                f"{type(eval_data).__name__}."
            )
        xe, ye = _as_data("eval_data[0]", eval_data[0]), _as_data("eval_data[1]", eval_data[1])
        _check_pair("eval_data[0]", xe, "eval_data[1]", ye)
    else:
        xe, ye = x[:1], y[:1]  # placeholders, never used

    if mesh is not None:
        _batch_placement(mesh, n, batch_size)
    batch = n if batch_size is None else batch_size
    loss_out = _check_scalar_fn("loss_fn", loss_fn, params, x[:batch], y[:batch], "loss")
    if has_eval:
        _check_scalar_fn("loss_fn", loss_fn, params, xe, ye, "loss", "eval_data")
    if accuracy_fn is not None:
        _check_scalar_fn("accuracy_fn", accuracy_fn, params, xe, ye, "accuracy", "eval_data")

    params = _copy_tree(params)
    opt_state = _copy_tree(optimizer.init(params))
    run = _RunConfig(
        n=n,
        batch_size=batch_size,
        shuffle=shuffle,
        x=[list(x.shape), str(x.dtype)],
        y=[list(y.shape), str(y.dtype)],
        eval_data=has_eval,
        accuracy_fn=accuracy_fn is not None,
    )
    start, previous = 0, None
    if resume is not None:
        params, opt_state, key, start, previous = _load_run(
            resume, params, opt_state, key, run, epochs
        )
    if key is None:
        key = jax.random.key(0)  # never used: full batch or no shuffling
    if mesh is not None:  # every input replicated; make_epoch splits each batch
        params, opt_state, key, x, y, xe, ye = parallel.replicate(
            (params, opt_state, key, x, y, xe, ye), mesh
        )
    steps = steps_per_epoch(n, batch_size)
    # `chunk`: the most epochs one compiled call runs (its buffers' length): the power of two
    # >= epochs, at most _CHUNK_STEPS updates' worth, so runs of similar length share one
    # compiled program. How many epochs each call runs is a runtime argument (never a
    # recompile): epochs_per_chunk, or 1 first and then about _CHUNK_SECONDS' worth.
    chunk = min(max(1, _CHUNK_STEPS // steps), 1 << (epochs - 1).bit_length())
    target = np.asarray(0.0 if target_loss is None else target_loss, loss_out.dtype)
    args = (params, opt_state, key, np.int32(start), np.int32(epochs), target, x, y, xe, ye)
    has_target = target_loss is not None
    skip = on_nonfinite == "skip"  # "raise" runs the "stop" program, then diagnoses the step

    def build():
        policy = "skip" if skip else "stop"
        epoch_fn = make_epoch(
            loss_fn, optimizer, n, batch_size, shuffle=shuffle, on_nonfinite=policy, mesh=mesh
        )
        chunk_fn = _make_chunk(
            epoch_fn, loss_fn, accuracy_fn, chunk, has_eval, has_target, stop_on_bad=not skip
        )
        return chunk_fn if mesh is None else _replicated_outputs(chunk_fn, mesh)

    config = (loss_fn, accuracy_fn, optimizer, n, batch_size, shuffle, chunk, has_eval, has_target)
    config += (mesh,)
    if skip:
        config = (*config, "skip")
    compiled, compile_time = _compiled(config, build, args, donate_argnums=(0, 1))

    show = sys.stderr.isatty() if progress is None else progress
    bar = None
    if show:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs, initial=start, unit="epoch", desc="fit", leave=False)

    step_loss, epoch_loss, eval_loss, eval_acc, epoch_time = [], [], [], [], []
    skipped = 0
    if previous is not None:  # a resumed run's History starts with the saved epochs
        step_loss.append(np.asarray(previous.step_loss))
        epoch_loss.append(np.asarray(previous.epoch_loss))
        if has_eval:
            eval_loss.append(np.asarray(previous.eval_loss))
        if accuracy_fn is not None:
            eval_acc.append(np.asarray(previous.eval_accuracy))
        epoch_time.append(np.asarray(previous.epoch_time, np.float64))
        compile_time += float(previous.compile_time)
        skipped = int(previous.skipped)
    dtype = loss_out.dtype

    def cat(parts):
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

    def history(stopped: str, message: str) -> History:
        return History(
            step_loss=cat(step_loss),
            epoch_loss=cat(epoch_loss),
            eval_loss=cat(eval_loss) if has_eval else None,
            eval_accuracy=cat(eval_acc) if accuracy_fn is not None else None,
            epoch_time=np.concatenate(epoch_time) if epoch_time else np.zeros(0),
            compile_time=compile_time,
            steps=sum(len(a) for a in step_loss),
            epochs=sum(len(a) for a in epoch_loss),
            stopped=stopped,
            message=message,
            skipped=skipped,
        )

    def save(epoch: int, hist: History) -> None:
        tree = {"params": params, "opt_state": opt_state, "key": key, "history": hist}
        meta = {"kind": _FIT_CHECKPOINT, "epoch": epoch, "epochs": epochs, "run": run._asdict()}
        _checkpoint.save(checkpoint, tree, metadata=meta)

    stopped, message = "epochs", ""
    bad_at = None  # (epoch, step, update) of the first non-finite update
    first, per_call = start, min(chunk, epochs_per_chunk or 1)
    saved_at = start if resume is not None and checkpoint == resume else None
    try:
        while first < epochs:
            end = min(epochs, first + per_call)
            if checkpoint_every is not None:  # a chunk ends on every checkpoint epoch
                end = min(end, (first // checkpoint_every + 1) * checkpoint_every)
            t0 = time.perf_counter()
            params, opt_state, out = compiled(
                params, opt_state, key, np.int32(first), np.int32(end), target, x, y, xe, ye
            )
            out = jax.device_get(out)
            seconds = time.perf_counter() - t0
            ran, code = int(out.epochs), int(out.stop)
            done = ran - 1 if code == 2 else ran  # epochs completed
            step_loss.append(out.step_loss[:done].reshape(-1))
            epoch_loss.append(out.epoch_loss[:done])
            if has_eval:
                eval_loss.append(out.eval_loss[:done])
            if accuracy_fn is not None:
                eval_acc.append(out.eval_accuracy[:done])
            if skip:
                skipped += int(np.sum(out.skipped[:done]))
            epoch_time.append(np.full(done, seconds / ran))
            if code == 2:
                bad = int(out.applied)
                step_loss.append(out.step_loss[done, :bad])
                updates = sum(len(a) for a in step_loss)
                stopped = "nonfinite"
                bad_at = (first + done, bad, updates)
                message = _nonfinite_message(
                    out.step_loss[done, bad], first + done, bad, epochs, steps, updates
                )
            elif code == 1:
                stopped = "target_loss"
                message = (
                    f"epoch {first + ran} reached epoch_loss {out.epoch_loss[ran - 1]:.6g} "
                    f"<= target_loss {target_loss}."
                )
            if bar is not None:
                bar.update(ran)
                if done:
                    bar.set_postfix(loss=f"{out.epoch_loss[done - 1]:.4g}")
            first += done
            if stopped != "epochs":
                break
            if checkpoint_every is not None and first % checkpoint_every == 0 and first < epochs:
                save(first, history("checkpoint", f"saved at epoch {first} of {epochs}."))
                saved_at = first
            if epochs_per_chunk is None:
                per_call = int(min(chunk, max(1, _CHUNK_SECONDS * ran / max(seconds, 1e-9))))
    finally:
        if bar is not None:
            bar.close()
    result = FitResult(params, opt_state, history(stopped, message))
    if checkpoint is not None and stopped != "nonfinite" and saved_at != first:
        save(first, result.history)
    if bad_at is not None and on_nonfinite == "raise":
        raise _nonfinite_error(
            result, bad_at, loss_fn, optimizer, x, y, key, n, batch_size, shuffle, epochs, steps
        )
    if stopped == "nonfinite":
        warnings.warn(message, RuntimeWarning, stacklevel=2)
    return result


_FIT_CHECKPOINT = "jaxnn.train.fit"  # metadata["kind"] of a checkpoint written by fit


class _RunConfig(NamedTuple):
    """What a resumed run must share with the saved one (stored in the checkpoint metadata)."""

    n: int
    batch_size: int | None
    shuffle: bool
    x: list  # [shape, dtype]
    y: list
    eval_data: bool
    accuracy_fn: bool


def _check_path(name: str, path: Any, must_exist: bool = False) -> Path | None:
    if path is None:
        return None
    if not isinstance(path, str | os.PathLike):
        raise TypeError(
            f"`{name}` must be a file path (str or os.PathLike) or None, got {name}={path!r} "
            f"(type {type(path).__name__})."
        )
    path = Path(path)
    if path.is_dir():
        raise ValueError(
            f"`{name}` must be a file path, got the directory {str(path)!r}. Pass a file name "
            "inside it, e.g. run.safetensors."
        )
    if must_exist and not path.is_file():
        raise ValueError(
            f"`{name}` must name an existing checkpoint written by fit(checkpoint=...), got "
            f"{str(path)!r}: no such file."
        )
    return path


def _key_bits(key: Any) -> np.ndarray:
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        key = jax.random.key_data(key)
    return np.asarray(key)


def _load_run(path: Path, params, opt_state, key, run: _RunConfig, epochs: int) -> tuple:
    """``(params, opt_state, key, epoch, history)`` saved at ``path``, checked against this
    call's ``params``/``opt_state`` (templates), ``key``, run configuration and ``epochs``."""
    tree, meta = _checkpoint._load_with_metadata(path)
    where = str(path)
    if not isinstance(tree, dict) or meta.get("kind") != _FIT_CHECKPOINT:
        raise ValueError(
            f"`resume`: {where!r} is a jaxnn checkpoint but was not written by "
            "fit(checkpoint=...); to start from saved params, load them with "
            "jaxnn.checkpoint.load and pass them as `params`."
        )
    saved = meta["run"]
    names = {"n": "x", "x": "x", "y": "y", "eval_data": "eval_data", "accuracy_fn": "accuracy_fn"}
    for field, value in run._asdict().items():
        if saved.get(field) != value:
            argument = names.get(field, field)
            raise ValueError(
                f"`{argument}` does not match the run saved in {where!r}: it had {field}="
                f"{saved.get(field)!r}, this call has {field}={value!r}. Resume with the same "
                "data and batch settings (or start a new run without `resume`)."
            )
    epoch = int(meta["epoch"])
    if epochs < epoch:
        raise ValueError(
            f"`epochs` is the run's total number of epochs and {where!r} is already at epoch "
            f"{epoch}; got epochs={epochs}. Pass epochs >= {epoch} (epochs={2 * epoch} trains "
            f"{epoch} more)."
        )
    try:
        params = _checkpoint._match_template(tree["params"], params, where, "params")
    except _checkpoint.CheckpointError as e:
        raise _checkpoint.CheckpointError(
            f"{e} The saved params differ from this call's `params` (the template of the model): "
            "resume with the model that wrote the checkpoint."
        ) from None
    try:
        opt_state = _checkpoint._match_template(tree["opt_state"], opt_state, where, "opt_state")
    except _checkpoint.CheckpointError as e:
        raise _checkpoint.CheckpointError(
            f"{e} The checkpoint's optimizer state differs from optimizer.init(params): resume "
            "with the optimizer that wrote it."
        ) from None
    saved_key = tree["key"]
    if key is not None and run.shuffle and run.batch_size is not None:
        same = jnp.result_type(key) == jnp.result_type(saved_key) and np.array_equal(
            _key_bits(key), _key_bits(saved_key)
        )
        if not same:
            raise ValueError(
                f"`key` differs from the key of the run saved in {where!r}, so the resumed "
                "minibatch order would differ from an uninterrupted run. Pass the same key, or "
                "key=None to use the saved one."
            )
    history = History(*tree["history"])
    return params, opt_state, saved_key, epoch, history


def _replay_step(loss_fn, optimizer, params, opt_state, xb, yb) -> tuple[Any, str | None]:
    """Replays one update eagerly: its loss and the first non-finite leaf (or None)."""
    loss, grads = jax.value_and_grad(loss_fn)(params, xb, yb)
    updates, _ = optimizer.update(grads, opt_state, params)
    new_params = apply_updates(params, updates)
    for what, tree in (("gradient", grads), ("update", updates), ("new parameter", new_params)):
        for path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]:
            values = np.asarray(leaf)
            bad = int(np.sum(~np.isfinite(values)))
            if bad:
                where = jax.tree_util.keystr(path) or "(root)"
                return loss, f"{what} {where} ({bad} of its {values.size} values NaN or inf)"
    return loss, None


def _nonfinite_error(
    result, bad_at, loss_fn, optimizer, x, y, key, n, batch_size, shuffle, epochs, steps
) -> NonfiniteError:
    epoch, step, update = bad_at
    if batch_size is None:
        xb, yb = x, y
    else:
        full, rest = minibatch_indices(epoch_key(key, epoch), n, batch_size, shuffle=shuffle)
        idx = full[step] if step < full.shape[0] else rest
        xb, yb = x[idx], y[idx]
    loss, leaf = _replay_step(loss_fn, optimizer, result.params, result.opt_state, xb, yb)
    first = leaf or "none when replayed outside the compiled loop"
    message = (
        f"fit: non-finite values at epoch {epoch + 1} of {epochs}, step {step + 1} of {steps} "
        f"(update {update + 1} of the run): the batch loss was {float(loss):.6g}; first "
        f"non-finite leaf: {first}. The last finite params and state are in this error's "
        "`result`. Try a smaller learning rate, gradient clipping, or check loss_fn for log(0) "
        "or division by zero; on_nonfinite='skip' drops such updates instead."
    )
    return NonfiniteError(message, epoch + 1, step + 1, leaf, result)


def _nonfinite_message(loss, epoch: int, step: int, epochs: int, steps: int, done: int) -> str:
    if np.isfinite(loss):
        what = f"the update gave non-finite parameters (its batch loss was {loss:.6g})"
    else:
        what = f"the loss became {loss}"
    return (
        f"fit stopped: {what} at epoch {epoch + 1} of {epochs}, step {step + 1} of {steps} "
        f"(update {done + 1} of the run). The returned params and opt_state are those before "
        "that update, the last finite ones. Try a smaller learning rate, gradient clipping "
        "(jaxnn.optim.chain with a clip), or check loss_fn for log(0) or division by zero."
    )


def __getattr__(name: str) -> Any:
    # train.sweep and train.SweepResult live in jaxnn.sweep (which builds on this module);
    # imported on first use so that neither module imports the other at import time.
    if name in ("sweep", "SweepResult"):
        from jaxnn import sweep as _sweep_module

        return getattr(_sweep_module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
