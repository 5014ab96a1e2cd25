"""Decoupled weight decay: ``add_decayed_weights`` and the masks that choose which leaves decay.

    u = g + weight_decay(c) * p          where the mask is True (u = g elsewhere)

``weight_decay`` is a non-negative float or a schedule ``count -> value`` (called with the count
before the increment, as learning rates are). A ``mask`` is ``None`` (every leaf decays), a pytree
of Python booleans with the structure of the params (or a prefix of it: one boolean for a whole
subtree), or a callable ``params -> such a pytree`` (e.g. decay only the matrices:
``lambda p: jax.tree.map(lambda x: x.ndim > 1, p)``). Masks are static: their leaves must be
Python booleans, not traced arrays. :func:`jaxnn.optim.adamw` and :func:`jaxnn.optim.lion` use
the same rule inside their update.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxnn._validation import check_nonnegative
from jaxnn.optim.base import (
    Optimizer,
    ScalarOrSchedule,
    check_state,
    check_tree_match,
    safe_increment,
)

__all__ = ["AddDecayedWeightsState", "add_decayed_weights"]

Mask = Any  # None, a pytree of bools (a prefix of the params), or params -> such a pytree


def check_weight_decay(value: Any, name: str = "weight_decay") -> None:
    """A weight decay is a non-negative float or a schedule ``count -> value``."""
    if callable(value) and not isinstance(value, np.ndarray | jax.Array):
        return
    check_nonnegative(
        name, value, hint="Typical values: 1e-4 (AdamW), 1e-3 (Lion); 0 turns it off."
    )


def check_mask(mask: Mask, name: str = "mask") -> None:
    """``None``, a callable, or a pytree whose leaves are all Python booleans."""
    if mask is None or callable(mask):
        return
    _check_bool_leaves(mask, name)


def _check_bool_leaves(tree: Any, name: str) -> None:
    for path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]:
        if not isinstance(leaf, bool | np.bool_):
            where = jax.tree_util.keystr(path) or "(root)"
            raise TypeError(
                f"`{name}` leaf {where} must be True or False, got {leaf!r} "
                f"(type {type(leaf).__name__}). A mask is static: build it from shapes, e.g. "
                "mask=lambda p: jax.tree.map(lambda x: x.ndim > 1, p)."
            )


def resolve_mask(mask: Mask, params: Any, name: str = "mask") -> Any:
    """The mask as a full pytree of bools with exactly the structure of ``params``.

    Raises:
        TypeError: when the mask is not a prefix of the params' structure or has non-bool leaves.
    """
    if mask is None:
        return jax.tree.map(lambda _: True, params)
    tree = mask(params) if callable(mask) else mask
    _check_bool_leaves(tree, name)
    try:
        # Broadcast each boolean over its subtree of params (a mask may be a prefix).
        return jax.tree.map(lambda m, sub: jax.tree.map(lambda _: bool(m), sub), tree, params)
    except (ValueError, TypeError):
        raise TypeError(
            f"`{name}` must have the tree structure of `params` (or a prefix of it).\n"
            f"  {name}: {jax.tree.structure(tree)}\n  params: {jax.tree.structure(params)}\n"
            "Build it from the params, e.g. mask=lambda p: jax.tree.map(lambda x: x.ndim > 1, p)."
        ) from None


def decayed_weights(
    updates: Any, params: Any, weight_decay: ScalarOrSchedule, mask: Mask, count: jax.Array
) -> Any:
    """``u + weight_decay(count) * p`` on the masked leaves (optax's order of operations).

    A constant weight decay of exactly 0 returns ``updates`` untouched (optax skips it too).

    Raises:
        ValueError: when ``params`` is ``None`` (weight decay needs the parameters).
    """
    if isinstance(weight_decay, numbers.Real) and weight_decay == 0:
        return updates
    if params is None:
        raise ValueError(
            "weight decay needs the parameters: call update(grads, state, params) with "
            "params=the current parameters, not params=None."
        )
    check_tree_match(updates, params, "grads", "params")
    full_mask = resolve_mask(mask, params)
    s = weight_decay(count) if callable(weight_decay) else weight_decay
    return jax.tree.map(lambda g, p, m: g + s * p if m else g, updates, params, full_mask)


class AddDecayedWeightsState(NamedTuple):
    """State of :func:`add_decayed_weights`: the update ``count`` (for a weight-decay schedule)."""

    count: jax.Array


def add_decayed_weights(
    weight_decay: ScalarOrSchedule = 0.0,
    mask: Mask | Callable[[Any], Any] = None,
) -> Optimizer:
    """Adds ``weight_decay * params`` to the updates: decoupled weight decay, as optax.

    Update rule (``c`` = count before this update)::

        u = g + weight_decay(c) * p          (leaves where the mask is True; u = g elsewhere)

    Put it before the optimizer for L2 regularisation of the gradient (PyTorch's
    ``weight_decay`` argument of SGD/Adam: ``chain(add_decayed_weights(wd), adam(lr))``), or
    between a ``scale_by_*`` direction and the learning rate for decoupled decay (AdamW; use
    :func:`jaxnn.optim.adamw` for that).

    Args:
        weight_decay: a non-negative float or a schedule ``count -> value`` (default 0.0).
        mask: ``None`` (all leaves), a pytree of bools shaped like (a prefix of) the params, or a
            callable ``params -> mask``. Leaves must be Python booleans.

    Returns:
        An :class:`~jaxnn.optim.Optimizer` with state :class:`AddDecayedWeightsState`. Its
        ``update`` needs ``params``.

    Examples:
        >>> import jax.numpy as jnp
        >>> opt = add_decayed_weights(0.1, mask={"w": True, "b": False})
        >>> params = {"w": jnp.array([2.0]), "b": jnp.array([2.0])}
        >>> grads = {"w": jnp.array([1.0]), "b": jnp.array([1.0])}
        >>> opt.update(grads, opt.init(params), params)[0]
        {'b': Array([1.], dtype=float32), 'w': Array([1.2], dtype=float32)}

    References:
        Loshchilov & Hutter, "Decoupled weight decay regularization", ICLR 2019.
    """
    check_weight_decay(weight_decay)
    check_mask(mask)

    def init(params):
        del params
        return AddDecayedWeightsState(count=jnp.zeros([], jnp.int32))

    def update(grads, state, params=None, **extra):
        del extra
        check_state(state, AddDecayedWeightsState, "add_decayed_weights")
        updates = decayed_weights(grads, params, weight_decay, mask, state.count)
        return updates, AddDecayedWeightsState(safe_increment(state.count))

    return Optimizer(init, update)
