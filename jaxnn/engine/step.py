"""One update, the epoch key and the update count: the smallest pieces of the training core.

One update of parameters ``w`` with optimizer state ``s`` on a batch ``B``:

    loss, g = value_and_grad(loss_fn)(w, x_B, y_B)
    u, s = optimizer.update(g, s, w)
    w = w + u
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from jaxnn import _validation as validation
from jaxnn._validation import INT32_MAX, check_callable, check_index, check_int, check_key
from jaxnn.optim.base import apply_updates

__all__ = [
    "LossFn",
    "all_finite",
    "check_optimizer",
    "epoch_key",
    "make_step",
    "steps_per_epoch",
]

LossFn = Callable[[Any, jax.Array, jax.Array], jax.Array]

MAX_EPOCH = INT32_MAX  # epoch indices are folded into keys as uint32 and counted as int32


def check_optimizer(optimizer: Any) -> None:
    """A TypeError unless ``optimizer`` has callable ``init`` and ``update`` (jaxnn or optax)."""
    validation.check_optimizer("optimizer", optimizer)


def all_finite(tree: Any) -> jax.Array:
    """Whether every floating value in ``tree`` is finite (a scalar bool; True for no floats).

    Integer and boolean leaves (an optimizer's ``count``) are always finite and are skipped.
    """
    leaves = [
        jnp.all(jnp.isfinite(leaf))
        for leaf in jax.tree.leaves(tree)
        if jnp.issubdtype(jnp.result_type(leaf), jnp.inexact)
    ]
    return jnp.all(jnp.stack(leaves)) if leaves else jnp.array(True)


def epoch_key(key: jax.Array, epoch: int | jax.Array) -> jax.Array:
    """Epoch ``epoch``'s key: ``jax.random.fold_in(key, epoch)``.

    It depends only on the run's key and the epoch index (not on how many epochs ran before),
    so an epoch can be replayed or resumed on its own. A Python ``epoch`` must be an integer in
    ``[0, 2**31 - 1]``.

    Examples:
        >>> import jax
        >>> k = jax.random.key(0)
        >>> bool((jax.random.key_data(epoch_key(k, 3)) ==
        ...       jax.random.key_data(jax.random.fold_in(k, 3))).all())
        True
    """
    check_key(key)
    epoch = check_index("epoch", epoch, maximum=MAX_EPOCH)
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
    use it inside a compiled loop (:func:`jaxnn.train.make_epoch` does).

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
    check_optimizer(optimizer)
    grad_fn = jax.value_and_grad(loss_fn)

    def step(params, opt_state, x, y):
        loss, grads = grad_fn(params, x, y)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return apply_updates(params, updates), opt_state, loss

    return step
