"""What a training run returns: its :class:`History`, the :class:`FitResult` and the error of a
non-finite update (:class:`NonfiniteError`)."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

__all__ = ["FitResult", "History", "NonfiniteError"]


class History(NamedTuple):
    """What happened during :func:`jaxnn.train.fit` (NumPy arrays, on the host).

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
    """What :func:`jaxnn.train.fit` returns: final ``params``, optimizer state, :class:`History`."""

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
        leaf: where the step first went non-finite, e.g. ``"gradient ['w'] (1 of its 1
            values NaN or inf)"``, ``"update [0]['b'] ..."``, ``"new parameter ['w'] ..."`` or
            ``"new optimizer state [0].mu['w'] ..."`` (tree paths as ``jax.tree_util.keystr``
            writes them), or ``"loss (the batch loss is nan)"`` when only the loss is NaN or
            inf; ``None`` if replaying the step eagerly gave only finite values.
        result: the :class:`FitResult` that ``on_nonfinite="stop"`` would have returned (the
            last finite params and state, the History up to that update).
    """

    def __init__(self, message: str, epoch: int, step: int, leaf: str | None, result: Any):
        super().__init__(message)
        self.epoch, self.step, self.leaf, self.result = epoch, step, leaf, result
