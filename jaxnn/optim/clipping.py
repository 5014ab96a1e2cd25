"""Gradient clipping: element-wise (``clip``) and by the global norm (``clip_by_global_norm``).

Both are stateless transforms, meant to go first in a :func:`jaxnn.optim.chain`:

    clip(max_delta):              u = min(max(g, -max_delta), max_delta)       element-wise
    clip_by_global_norm(max_norm): n = sqrt(sum over all leaves of sum(g^2))
                                   u = g                  if n < max_norm
                                   u = g / n * max_norm   otherwise

Both equal optax's ``clip`` and ``clip_by_global_norm`` operation by operation. PyTorch's
``torch.nn.utils.clip_grad_norm_(params, max_norm)`` multiplies by
``min(1, max_norm / (n + 1e-6))``: a gradient with ``n + 1e-6 <= max_norm`` is left unchanged,
as here; above the threshold its result has norm ``max_norm * n / (n + 1e-6)``, smaller than
``max_norm`` by ``1e-6 / n`` relative (3.3e-7 at ``n = 3``, measured against torch 2.13 in
float64); for ``max_norm - 1e-6 < n < max_norm`` torch scales by that factor where this leaves
``g`` unchanged. So the two agree to about ``1e-6 / n`` relative, not exactly.
"""

from __future__ import annotations

import operator

import jax
import jax.numpy as jnp

from jaxnn._validation import as_real_array, check_positive
from jaxnn.optim.base import EmptyState, Optimizer

__all__ = ["clip", "clip_by_global_norm", "global_norm"]


def clip(max_delta: float) -> Optimizer:
    """Clips every element of the updates to ``[-max_delta, max_delta]``.

    Args:
        max_delta: the largest absolute value of an element, ``> 0``.

    Returns:
        A stateless :class:`~jaxnn.optim.Optimizer` (state :class:`~jaxnn.optim.EmptyState`).

    Examples:
        >>> import jax.numpy as jnp
        >>> opt = clip(1.0)
        >>> opt.update(jnp.array([-3.0, 0.5, 2.0]), opt.init(jnp.zeros(3)))[0]
        Array([-1. ,  0.5,  1. ], dtype=float32)
    """
    check_positive("max_delta", max_delta, hint="Typical values: 1.0 or 10.0.")

    def init(params):
        del params
        return EmptyState()

    def update(grads, state, params=None, **extra):
        del params, extra
        return jax.tree.map(lambda g: jnp.clip(g, -max_delta, max_delta), grads), state

    return Optimizer(init, update)


def global_norm(tree) -> jax.Array:
    """``sqrt(sum of g^2 over every element of every leaf)`` (0 for an empty tree).

    Examples:
        >>> import jax.numpy as jnp
        >>> global_norm({"a": jnp.array([3.0]), "b": jnp.array([4.0])})
        Array(5., dtype=float32)
    """
    for path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]:
        as_real_array(f"tree{jax.tree_util.keystr(path)}", leaf)  # names a non-numeric leaf
    sums = jax.tree.map(lambda g: jnp.sum(jnp.square(g)), tree)
    return jnp.sqrt(jax.tree.reduce(operator.add, sums, initializer=0))


def _check_float_grads(grads) -> None:
    for path, leaf in jax.tree_util.tree_flatten_with_path(grads)[0]:
        g = as_real_array(f"grads{jax.tree_util.keystr(path)}", leaf)
        if not jnp.issubdtype(g.dtype, jnp.floating):
            raise TypeError(
                f"clip_by_global_norm: `grads{jax.tree_util.keystr(path)}` has dtype {g.dtype}; "
                "rescaling needs floating-point gradients (an integer leaf would round the "
                "rescaled values and could exceed max_norm). Cast them first, e.g. "
                "grads = jax.tree.map(lambda g: g.astype(jnp.float32), grads)."
            )


def clip_by_global_norm(max_norm: float) -> Optimizer:
    """Rescales the whole update tree so that its global norm is at most ``max_norm``.

    Update rule::

        n = sqrt(sum over leaves of sum(g^2))
        u = g if n < max_norm else g / n * max_norm

    Args:
        max_norm: the largest global norm, ``> 0``.

    Returns:
        A stateless :class:`~jaxnn.optim.Optimizer` (state :class:`~jaxnn.optim.EmptyState`).

    Note:
        optax ``clip_by_global_norm(m)`` = this. PyTorch ``clip_grad_norm_(params, m)`` scales
        by ``min(1, m / (n + 1e-6))``: the same below the threshold (unchanged), ``1e-6 / n``
        relative smaller above it (see the module docstring). Integer gradients are refused
        (a TypeError naming the leaf): the rescaled values would be rounded, as optax refuses.

    Examples:
        >>> import jax.numpy as jnp
        >>> opt = clip_by_global_norm(1.0)
        >>> opt.update({"a": jnp.array([3.0]), "b": jnp.array([4.0])}, opt.init(None))[0]
        {'a': Array([0.6], dtype=float32), 'b': Array([0.8], dtype=float32)}

    References:
        Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural networks",
        ICML 2013.
    """
    check_positive("max_norm", max_norm, hint="Typical values: 1.0 or 5.0.")

    def init(params):
        del params
        return EmptyState()

    def update(grads, state, params=None, **extra):
        del params, extra
        _check_float_grads(grads)
        norm = global_norm(grads)
        keep = norm < max_norm
        updates = jax.tree.map(
            lambda g: jnp.where(keep, g, (g / norm.astype(g.dtype)) * max_norm), grads
        )
        return updates, state

    return Optimizer(init, update)
