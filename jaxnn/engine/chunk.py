"""A chunk of epochs in one compiled call: the while loop, its stop rules and its history buffers.

``chunk(params, state, key, first, end, target, x, y, xe, ye)`` runs the epochs ``first,
first + 1, ...`` while ``< min(end, first + capacity)`` and stops after the first one that
reaches ``target`` (``epoch_loss <= target``; NaN never does) or, unless the epoch drops
non-finite updates ("skip"), after the first one with a non-finite update. ``first``, ``end``
and ``target`` are runtime values: one compiled chunk serves every number of epochs and every
target. A ``lax.while_loop`` (not a scan with a ``cond`` per epoch), so stopping costs nothing
and a one-step epoch (full batch) pays for little besides its step. Per-epoch results go into
``(capacity, ...)`` buffers; the caller reads the first :attr:`ChunkOut.epochs` rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import lax

from jaxnn.engine.step import all_finite, epoch_key

__all__ = ["CHUNK_EPOCHS", "CHUNK_STEPS", "ChunkOut", "chunk_capacity", "make_chunk"]

CHUNK_STEPS = 65536
"""The most updates one compiled call records (the size of its step-loss buffer)."""


class ChunkOut(NamedTuple):
    """What a compiled chunk returns besides the parameters and optimizer state.

    Attributes:
        epochs: how many epochs ran (the first ``epochs`` rows below are valid).
        stop: 0 none, 1 the last epoch reached the target, 2 it met a non-finite update (a
            "flag" chunk: some update of the chunk was not finite, replay it).
        applied: updates applied in the last epoch (the bad step's index when ``stop == 2``;
            0 in a flagged chunk, whose bad update a guarded replay finds).
        step_loss: ``(capacity, steps)``.
        epoch_loss: ``(capacity,)``; None for a flagged chunk of one-step epochs, whose epoch
            loss is ``step_loss[:, 0]``.
        eval_loss: ``(capacity,)`` or None.
        eval_accuracy: ``(capacity,)`` or None.
        skipped: ``(capacity,)`` updates skipped per epoch ("skip" epochs only), or None.
    """

    epochs: jax.Array
    stop: jax.Array
    applied: jax.Array
    step_loss: jax.Array
    epoch_loss: jax.Array
    eval_loss: jax.Array | None
    eval_accuracy: jax.Array | None
    skipped: jax.Array | None = None


CHUNK_EPOCHS = 4096
"""The most epochs one compiled call runs (its per-epoch buffers' length)."""


def chunk_capacity(steps: int) -> int:
    """Epochs one compiled chunk can hold: ``min(CHUNK_EPOCHS, max(1, CHUNK_STEPS // steps))``.

    Not tied to ``epochs``, so a changed ``epochs`` never recompiles; small, so a short run
    does not pay for filling and reading long buffers.
    """
    return min(CHUNK_EPOCHS, max(1, CHUNK_STEPS // steps))


def make_chunk(
    epoch_fn: Callable,
    loss_fn: Callable,
    accuracy_fn: Callable | None,
    capacity: int,
    has_eval: bool,
    policy: str = "stop",
) -> Callable:
    """The chunk function of the module docstring around ``epoch_fn``
    (:func:`~jaxnn.engine.epoch.make_epoch`'s).

    ``policy`` is the epoch's ``on_nonfinite``. "skip" records the updates skipped per epoch
    and never stops for them; "flag" (the fast epoch) also checks the final parameters and
    optimizer state (:func:`jaxnn.engine.step.all_finite`) and reports ``stop == 2`` when
    they or any loss are not finite: the caller then replays the chunk with a guarded epoch.
    """
    skip, flagged = policy == "skip", policy == "flag"

    def run_epoch(p, s, key, e, x, y, xe, ye):
        p, s, stats = epoch_fn(p, s, epoch_key(key, e), x, y)
        dtype = stats.epoch_loss.dtype
        record = {"step_loss": stats.step_loss}
        epoch_loss = stats.epoch_loss
        if flagged and stats.step_loss.shape[0] == 1:
            # a one-step epoch's loss is its step's (flagged epochs that count are finite):
            # not recorded twice, the caller reads it from step_loss (two ops fewer an epoch)
            epoch_loss = stats.step_loss[0]
        else:
            record["epoch_loss"] = epoch_loss
        if has_eval:
            record["eval_loss"] = loss_fn(p, xe, ye).astype(dtype)
        if accuracy_fn is not None:
            record["eval_accuracy"] = accuracy_fn(p, xe, ye).astype(dtype)
        if skip:
            record["skipped"] = jnp.sum(~stats.applied, dtype=jnp.int32)
        return p, s, stats.applied, record, epoch_loss

    def run_chunk(params, opt_state, key, first, end, target, x, y, xe, ye):
        shapes = jax.eval_shape(run_epoch, params, opt_state, key, first, x, y, xe, ye)[3]
        buffers = jax.tree.map(lambda a: jnp.zeros((capacity, *a.shape), a.dtype), shapes)
        last = jnp.minimum(end, first + capacity)

        def cond(carry):
            i, stop = carry[0], carry[1]
            return (first + i < last) & (stop == 0)

        def body(carry):
            i, _, _, p, s, out = carry
            p, s, applied, record, epoch_loss = run_epoch(p, s, key, first + i, x, y, xe, ye)
            # without skipping, the last update is applied (flagged finite) iff all are
            bad = jnp.array(False) if skip else ~applied[-1]
            reached = epoch_loss <= target  # NaN never reaches; a bad epoch stops with 2
            stop = jnp.where(bad, 2, reached.astype(jnp.int32)).astype(jnp.int32)
            # a flagged chunk that meets a bad update is replayed: its count is never read
            n_applied = carry[2] if flagged else jnp.sum(applied, dtype=jnp.int32)
            out = jax.tree.map(lambda b, v: b.at[i].set(v), out, record)
            return i + 1, stop, n_applied, p, s, out

        zero = jnp.zeros((), jnp.int32)
        init = (zero, zero, zero, params, opt_state, buffers)
        ran, stop, applied, params, opt_state, out = lax.while_loop(cond, body, init)
        if flagged:  # the fast epochs check only losses: the rest once, here (see epoch.py)
            stop = jnp.where(all_finite((params, opt_state)), stop, 2).astype(jnp.int32)
        chunk_out = ChunkOut(
            ran,
            stop,
            applied,
            out["step_loss"],
            out.get("epoch_loss"),
            out.get("eval_loss"),
            out.get("eval_accuracy"),
            out.get("skipped"),
        )
        return params, opt_state, chunk_out

    return run_chunk
