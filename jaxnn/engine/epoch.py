"""One epoch of training as a pure function: the batches, the updates and the finiteness flag.

An epoch visits every example once in the order ``permutation(key, n)`` (``0 .. n-1`` without
shuffling), cut into ``n // b`` full batches and a smaller last batch of ``n mod b`` examples
(``b = batch_size``; full batch: one step on all ``n``). The data are gathered in that order
once per epoch (``x[order]``, one copy) and the full batches scanned as slices of it; data
larger than :data:`GATHER_ONCE_MAX_BYTES`, and vmapped runs (``gather="batch"``: one copy per
run would cost more than it saves), are gathered batch by batch inside the scan instead.

Three ways to treat a non-finite update (``on_nonfinite``), the same arithmetic in each:

    "flag"   apply every update; EpochStats.applied[i] = the losses of updates 0..i were all
             finite. One scalar per update is all it adds, so this is the fast epoch; whoever
             runs it checks the parameters and optimizer state at the end (all_finite), and
             when either check fails replays the epochs from their start with "stop" or
             "skip". That catches every non-finite update whose effect lasts: a parameter
             that became NaN or inf never becomes finite again under apply_updates (p + u), and
             a non-finite optimizer state (say Lion's momentum after one inf gradient) stays so
             unless the optimizer resets it.
    "stop"   an update is applied only if it and every earlier one of the epoch were finite:
             the parameters stay the last finite ones
    "skip"   a non-finite update is dropped (parameters and state unchanged), the next
             batches go on

"stop" and "skip" choose per update between the new and the old values (:func:`select`);
"flag" carries one boolean. When every update is finite the three give the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.sharding import Mesh

from jaxnn._validation import check_bool, check_choice, check_int
from jaxnn.engine.placement import batch_placement, unplaced
from jaxnn.engine.step import LossFn, all_finite, make_step
from jaxnn.permutation import MAX_N, permutation

__all__ = [
    "EPOCH_POLICIES",
    "GATHER_MODES",
    "GATHER_ONCE_MAX_BYTES",
    "EpochStats",
    "batch_weights",
    "make_epoch",
    "select",
    "select_uses_cond",
]

EPOCH_POLICIES = ("flag", "stop", "skip")
"""The ``on_nonfinite`` values of :func:`make_epoch` (module docstring)."""

GATHER_MODES = ("auto", "epoch", "batch")
"""The ``gather`` values of :func:`make_epoch`."""

GATHER_ONCE_MAX_BYTES = 1 << 28
"""Data up to this many bytes (``x`` and ``y`` together) are gathered once per epoch."""

SELECT_WITH_COND: bool | None = None
"""How :func:`select` picks: None by backend (CPU: ``lax.cond``); True/False force cond/where."""


class EpochStats(NamedTuple):
    """What one compiled epoch returns besides the parameters and state.

    Attributes:
        step_loss: ``(steps,)`` each batch's loss, computed before its update.
        applied: ``(steps,)`` bool, whether each update was applied (``"flag"``: whether it and
            every earlier update of the epoch were finite).
        epoch_loss: the batch-size-weighted mean of the applied steps' losses (NaN if none).
    """

    step_loss: jax.Array
    applied: jax.Array
    epoch_loss: jax.Array


def select_uses_cond() -> bool:
    """Whether :func:`select` uses ``lax.cond`` (CPU by default) rather than ``jnp.where``."""
    if SELECT_WITH_COND is not None:
        return SELECT_WITH_COND
    return jax.default_backend() == "cpu"


def select(pred: jax.Array, new: Any, old: Any) -> Any:
    """``new`` if the scalar ``pred`` is true, else ``old``: the guard's choice after an update.

    On CPU a ``lax.cond`` (it forwards one set of buffers; a ``where`` over every leaf made a
    tiny step 1.5-2x slower there); on GPU and TPU an elementwise ``jnp.where``, which fuses
    with the update (a ``lax.cond`` inside a ``lax.scan`` is slow there, jax-ml/jax#5986).
    """
    if select_uses_cond():
        return lax.cond(pred, lambda: new, lambda: old)
    return jax.tree.map(lambda a, b: jnp.where(pred, a, b), new, old)


def batch_weights(n: int, batch_size: int | None) -> np.ndarray:
    """The examples in each batch of an epoch: ``[n]`` for full batch, else ``[b, .., b, rest]``."""
    if batch_size is None:
        return np.array([n], np.float32)
    full, rest = divmod(n, batch_size)
    return np.array([batch_size] * full + ([rest] if rest else []), np.float32)


def _make_update(step: Callable, policy: str) -> Callable:
    """``update(carry, xb, yb) -> (carry, (loss, applied))`` with carry ``(params, state, ok)``."""

    def flagged(carry, xb, yb):
        params, opt_state, ok = carry
        params, opt_state, loss = step(params, opt_state, xb, yb)
        ok = ok & jnp.isfinite(loss)
        return (params, opt_state, ok), (loss, ok)

    def guarded(carry, xb, yb):
        params, opt_state, ok = carry
        new_params, new_state, loss = step(params, opt_state, xb, yb)
        good = jnp.isfinite(loss) & all_finite(new_params) & all_finite(new_state)
        apply = ok & good if policy == "stop" else good
        params, opt_state = select(apply, (new_params, new_state), (params, opt_state))
        return (params, opt_state, apply if policy == "stop" else ok), (loss, apply)

    return flagged if policy == "flag" else guarded


def _epoch_loss(losses: jax.Array, applied: jax.Array, weights: np.ndarray) -> jax.Array:
    if len(weights) == 1:  # full batch: the epoch's loss is its one step's loss
        return jnp.where(applied[0], losses[0], jnp.nan)
    w = jnp.where(applied, jnp.asarray(weights, losses.dtype), 0)
    return jnp.sum(jnp.where(applied, w * losses, 0)) / jnp.sum(w)


def _check_sizes(n: Any, batch_size: Any) -> tuple[int, int | None]:
    n = check_int("n", n, minimum=1, maximum=MAX_N)
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, minimum=1)
        if batch_size > n:
            raise ValueError(
                f"`batch_size` must be <= n={n}, got batch_size={batch_size}. "
                "Use batch_size=None for full-batch gradient descent."
            )
    return n, batch_size


def make_epoch(
    loss_fn: LossFn,
    optimizer: Any,
    n: int,
    batch_size: int | None = None,
    *,
    shuffle: bool = True,
    on_nonfinite: str = "stop",
    mesh: Mesh | None = None,
    gather: str = "auto",
) -> Callable:
    """One epoch of :func:`jaxnn.train.fit` as a pure, jit- and vmap-able function.

    ``epoch(params, opt_state, key, x, y) -> (params, opt_state, EpochStats)`` runs
    ``steps_per_epoch(n, batch_size)`` updates of :func:`jaxnn.train.make_step` in one
    ``lax.scan`` over the full batches of the order ``jaxnn.data.epoch_order(key, n)``, then
    one more step on the smaller last batch when ``batch_size`` does not divide ``n``. ``key``
    is the epoch's key (:func:`jaxnn.train.epoch_key`); it is unused for full batch or without
    shuffling. ``on_nonfinite`` is ``"stop"`` (default: an update whose loss, new parameters or
    new optimizer state are not finite is not applied, nor any later one of the epoch),
    ``"skip"`` (only that update is dropped) or ``"flag"`` (every update applied, finiteness
    only the losses' finiteness reported in ``EpochStats.applied``: the fast epoch, see the
    module docstring).

    Nothing is validated against data (:func:`jaxnn.train.fit` does that); ``jax.jit`` it,
    ``jax.vmap`` it over keys or learning rates (optimizer built inside), or shard its batch.

    Args:
        loss_fn: ``loss_fn(params, x_batch, y_batch) -> scalar``.
        optimizer: a jaxnn optimizer or an optax ``GradientTransformation``.
        n: number of training examples (the leading size of ``x`` and ``y``).
        batch_size: ``None`` for full batch, else ``1 <= batch_size <= n``.
        shuffle: permute the examples each epoch (default True).
        on_nonfinite: ``"stop"`` (default), ``"skip"`` or ``"flag"``, see above.
        mesh: a ``jax.sharding.Mesh`` to split every batch over (data parallelism, see
            :func:`jaxnn.train.fit`), or ``None`` (default).
        gather: ``"epoch"``: the data in epoch order once (``x[order]``, one copy), batches
            sliced from it; ``"batch"``: each batch gathered inside the scan (no copy: better
            under ``vmap`` over runs, where the copy would be one per run); ``"auto"``
            (default): ``"epoch"`` for data up to :data:`GATHER_ONCE_MAX_BYTES`, else
            ``"batch"``.

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
    n, batch_size = _check_sizes(n, batch_size)
    shuffle = check_bool("shuffle", shuffle)
    check_choice("on_nonfinite", on_nonfinite, EPOCH_POLICIES)
    check_choice("gather", gather, GATHER_MODES)
    place_full = place_rest = unplaced
    if mesh is not None:
        place_full, place_rest = batch_placement(mesh, n, batch_size)
    update = _make_update(step, on_nonfinite)
    weights = batch_weights(n, batch_size)

    def epoch(params, opt_state, key, x, y):
        carry = (params, opt_state, jnp.array(True))
        if batch_size is None:
            carry, (loss, ok) = update(carry, *place_full((x, y)))
            losses, applied = loss[None], ok[None]
        else:
            order = permutation(key, n) if shuffle else None
            batches = _Batches(n, batch_size, gather, place_full, place_rest)
            carry, losses, applied = batches.run(update, carry, order, x, y)
        params, opt_state, _ = carry
        return params, opt_state, EpochStats(losses, applied, _epoch_loss(losses, applied, weights))

    return epoch


class _Batches(NamedTuple):
    """One epoch's minibatches: the full ones in a ``lax.scan``, then the smaller last one."""

    n: int
    batch_size: int
    gather: str
    place_full: Callable
    place_rest: Callable

    def run(self, update: Callable, carry: Any, order: jax.Array | None, x, y) -> tuple:
        """``(carry, losses, applied)`` after every batch of the order (``None``: 0 .. n-1)."""
        full, rest = divmod(self.n, self.batch_size)
        cut = full * self.batch_size
        mode = self.gather
        if mode == "auto":
            mode = "epoch" if _nbytes(x) + _nbytes(y) <= GATHER_ONCE_MAX_BYTES else "batch"
        if mode == "epoch":  # the data in epoch order once, the batches sliced from it
            xo, yo = (x, y) if order is None else (x[order], y[order])
            stacked = (_stack(xo, full, self.batch_size), _stack(yo, full, self.batch_size))
            carry, (losses, applied) = lax.scan(
                lambda c, b: update(c, *self.place_full(b)), carry, stacked
            )
            tail = (xo[cut:], yo[cut:])
        else:  # each batch gathered inside the scan
            order = jnp.arange(self.n, dtype=jnp.int32) if order is None else order
            rows = order[:cut].reshape(full, self.batch_size)
            carry, (losses, applied) = lax.scan(
                lambda c, idx: update(c, *self.place_full((x[idx], y[idx]))), carry, rows
            )
            tail = (x[order[cut:]], y[order[cut:]])
        if rest:
            carry, (loss, ok) = update(carry, *self.place_rest(tail))
            losses = jnp.concatenate([losses, loss[None]])
            applied = jnp.concatenate([applied, ok[None]])
        return carry, losses, applied


def _stack(a: jax.Array, full: int, batch_size: int) -> jax.Array:
    """The first ``full * batch_size`` rows of ``a`` as ``(full, batch_size, ...)``."""
    return a[: full * batch_size].reshape(full, batch_size, *a.shape[1:])


def _nbytes(a: jax.Array) -> int:
    return int(np.prod(a.shape)) * np.dtype(a.dtype).itemsize
