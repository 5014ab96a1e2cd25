"""Diagnosing a non-finite update: which value went NaN or inf first, and the words for it."""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from jaxnn.data import minibatch_indices
from jaxnn.engine.records import NonfiniteError
from jaxnn.engine.step import epoch_key
from jaxnn.optim.base import apply_updates

__all__ = ["batch_of_step", "first_nonfinite", "nonfinite_error", "nonfinite_message"]


def batch_of_step(x, y, key, epoch: int, step: int, n: int, batch_size, shuffle: bool):
    """The batch ``(x_b, y_b)`` that update ``step`` of epoch ``epoch`` trains on."""
    if batch_size is None:
        return x, y
    full, rest = minibatch_indices(epoch_key(key, epoch), n, batch_size, shuffle=shuffle)
    idx = full[step] if step < full.shape[0] else rest
    return x[idx], y[idx]


def first_nonfinite(loss_fn, optimizer, params, opt_state, xb, yb) -> tuple[Any, str | None]:
    """Replays one update eagerly: its loss and where it first went non-finite (or None).

    In the order of the computation: the gradient, the update, the new parameters, the new
    optimizer state (a tree leaf named by its path, ``jax.tree_util.keystr``); the loss when
    only the loss is NaN or inf.
    """
    loss, grads = jax.value_and_grad(loss_fn)(params, xb, yb)
    updates, new_state = optimizer.update(grads, opt_state, params)
    new_params = apply_updates(params, updates)
    named = (
        ("gradient", grads),
        ("update", updates),
        ("new parameter", new_params),
        ("new optimizer state", new_state),
    )
    for what, tree in named:
        for path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]:
            values = np.asarray(leaf)
            if not np.issubdtype(values.dtype, np.inexact):
                continue
            bad = int(np.sum(~np.isfinite(values)))
            if bad:
                where = jax.tree_util.keystr(path) or "(root)"
                return loss, f"{what} {where} ({bad} of its {values.size} values NaN or inf)"
    if not np.isfinite(np.asarray(loss)):
        return loss, f"loss (the batch loss is {float(loss)})"
    return loss, None


def nonfinite_error(result, bad_at, loss_fn, optimizer, batch, epochs: int, steps: int):
    """The :class:`NonfiniteError` of ``fit(on_nonfinite="raise")`` for the update ``bad_at``.

    ``bad_at = (epoch, step, update)`` (0-based); ``batch`` the ``(x_b, y_b)`` it trained on.
    """
    epoch, step, update = bad_at
    loss, leaf = first_nonfinite(loss_fn, optimizer, result.params, result.opt_state, *batch)
    first = leaf or "none when replayed outside the compiled loop"
    message = (
        f"fit: non-finite values at epoch {epoch + 1} of {epochs}, step {step + 1} of {steps} "
        f"(update {update + 1} of the run): the batch loss was {float(loss):.6g}; first "
        f"non-finite leaf: {first}. The last finite params and state are in this error's "
        "`result`. Try a smaller learning rate, gradient clipping, or check loss_fn for log(0) "
        "or division by zero; on_nonfinite='skip' drops such updates instead."
    )
    return NonfiniteError(message, epoch + 1, step + 1, leaf, result)


def nonfinite_message(loss, epoch: int, step: int, epochs: int, steps: int, done: int) -> str:
    """The warning of ``fit(on_nonfinite="stop")`` for update ``step`` of epoch ``epoch``."""
    if np.isfinite(loss):
        what = (
            "the update gave non-finite parameters or optimizer state (its batch loss was "
            f"{loss:.6g})"
        )
    else:
        what = f"the loss became {loss}"
    return (
        f"fit stopped: {what} at epoch {epoch + 1} of {epochs}, step {step + 1} of {steps} "
        f"(update {done + 1} of the run). The returned params and opt_state are those before "
        "that update, the last finite ones. Try a smaller learning rate, gradient clipping "
        "(jaxnn.optim.chain with a clip), or check loss_fn for log(0) or division by zero."
    )
