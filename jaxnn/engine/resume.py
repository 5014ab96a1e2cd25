"""Checkpoints of a training run: what :func:`jaxnn.train.fit` saves, and its exact resume.

A fit checkpoint (one :mod:`jaxnn.checkpoint` file) holds ``{"params", "opt_state", "key",
"history"}`` and the metadata ``{"kind": "jaxnn.train.fit", "epoch", "epochs", "run"}``, where
``run`` (:class:`RunConfig`) is what a resumed call must share with the saved one. Epoch ``e``'s
minibatch order depends only on the key and ``e``, so training on from a checkpoint at epoch
``e`` gives bit for bit the run that never stopped.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxnn import checkpoint as _checkpoint
from jaxnn.engine.records import History

__all__ = ["FIT_CHECKPOINT", "RunConfig", "check_path", "load_run", "save_run"]

FIT_CHECKPOINT = "jaxnn.train.fit"  # metadata["kind"] of a checkpoint written by fit


class RunConfig(NamedTuple):
    """What a resumed run must share with the saved one (stored in the checkpoint metadata)."""

    n: int
    batch_size: int | None
    shuffle: bool
    x: list  # [shape, dtype]
    y: list
    eval_data: bool
    accuracy_fn: bool


def check_path(name: str, path: Any, must_exist: bool = False) -> Path | None:
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


def load_run(path: Path, params, opt_state, key, run: RunConfig, epochs: int) -> tuple:
    """``(params, opt_state, key, epoch, history)`` saved at ``path``, checked against this
    call's ``params``/``opt_state`` (templates), ``key``, run configuration and ``epochs``."""
    tree, meta = _checkpoint.load_with_metadata(path)
    where = str(path)
    if not isinstance(tree, dict) or meta.get("kind") != FIT_CHECKPOINT:
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
    params = _matched(tree, "params", params, where, "The saved params differ from this call's "
                      "`params` (the template of the model): resume with the model that wrote "
                      "the checkpoint.")  # fmt: skip
    opt_state = _matched(tree, "opt_state", opt_state, where, "The checkpoint's optimizer state "
                         "differs from optimizer.init(params): resume with the optimizer that "
                         "wrote it.")  # fmt: skip
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


def _matched(tree: dict, part: str, template: Any, where: str, fix: str) -> Any:
    """``tree[part]`` rebuilt on ``template``; a mismatch is a CheckpointError ending in ``fix``."""
    try:
        return _checkpoint.match_template(tree[part], template, where, part)
    except _checkpoint.CheckpointError as e:
        raise _checkpoint.CheckpointError(f"{e} {fix}") from None


def save_run(path, params, opt_state, key, history: History, epoch: int, epochs: int, run) -> None:
    """Saves a fit run at ``epoch`` (of ``epochs``) to ``path`` (atomically)."""
    tree = {"params": params, "opt_state": opt_state, "key": key, "history": history}
    meta = {"kind": FIT_CHECKPOINT, "epoch": epoch, "epochs": epochs, "run": run._asdict()}
    _checkpoint.save(path, tree, metadata=meta)
