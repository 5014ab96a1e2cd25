"""Wrappers around a whole optimizer: ``skip_nonfinite``.

    skip_nonfinite(opt): if every gradient element is finite:  u, s = opt.update(g, s, p)
                         else:                                  u = 0, s unchanged, skipped += 1

A NaN or inf gradient (an overflow, a log of 0, a bad batch) would otherwise enter the moments
of Adam & co. and poison every later step. ``jaxnn.train.fit(on_nonfinite="skip")`` uses it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from jaxnn._validation import as_real_array
from jaxnn.optim.base import Optimizer, _takes_extra_kwargs, check_state, safe_increment

__all__ = ["SkipNonfiniteState", "all_finite", "skip_nonfinite"]


class SkipNonfiniteState(NamedTuple):
    """State of :func:`skip_nonfinite`.

    Attributes:
        count: int32 number of updates seen, skipped or not (saturates at 2**31 - 1).
        skipped: int32 number of updates skipped because a gradient was not finite.
        last_skipped: bool, whether the most recent update was skipped.
        inner_state: the wrapped optimizer's state (its own ``count`` counts applied updates).
    """

    count: jax.Array
    skipped: jax.Array
    last_skipped: jax.Array
    inner_state: Any


def all_finite(tree: Any) -> jax.Array:
    """A bool scalar: every element of every leaf is finite (True for an empty tree).

    Examples:
        >>> import jax.numpy as jnp
        >>> all_finite({"a": jnp.ones(2), "b": jnp.array([1.0, jnp.nan])})
        Array(False, dtype=bool)
    """
    finite = jnp.array(True)
    for path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]:
        leaf = as_real_array(f"tree{jax.tree_util.keystr(path)}", leaf)
        finite = finite & jnp.all(jnp.isfinite(leaf))
    return finite


def skip_nonfinite(optimizer: Any) -> Optimizer:
    """Skips every update whose gradient has a NaN or inf, counting the skips.

    Update rule::

        finite: u, inner = optimizer.update(g, inner, p)
        else:   u = 0 (zeros shaped like the updates), inner unchanged, skipped += 1

    The inner optimizer's step count (and so its schedules and bias corrections) advances only
    on applied updates. Only the gradients are checked, not the inner optimizer's output.

    Args:
        optimizer: any optimizer or optax ``GradientTransformation`` (``init``/``update``).

    Returns:
        An :class:`~jaxnn.optim.Optimizer` with state :class:`SkipNonfiniteState`.

    Note:
        optax's ``apply_if_finite(opt, max_consecutive_errors)`` does the same but applies the
        update anyway after ``max_consecutive_errors`` bad steps in a row; this wrapper never
        does (a NaN gradient never reaches the state).

    Examples:
        >>> import jax.numpy as jnp
        >>> from jaxnn import optim
        >>> opt = skip_nonfinite(optim.sgd(0.1))
        >>> state = opt.init(jnp.zeros(2))
        >>> u, state = opt.update(jnp.array([1.0, jnp.inf]), state)
        >>> u, int(state.skipped), bool(state.last_skipped)
        (Array([0., 0.], dtype=float32), 1, True)
    """
    if not (
        callable(getattr(optimizer, "init", None)) and callable(getattr(optimizer, "update", None))
    ):
        raise TypeError(
            "`optimizer` must be an optimizer with `init` and `update` (a jaxnn optimizer or an "
            f"optax GradientTransformation), got {optimizer!r}. Example: "
            "skip_nonfinite(jaxnn.optim.adam(1e-3))."
        )
    passes_extra = _takes_extra_kwargs(optimizer.update)

    def init(params):
        zero = jnp.zeros([], jnp.int32)
        return SkipNonfiniteState(zero, zero, jnp.array(False), optimizer.init(params))

    def update(grads, state, params=None, **extra):
        check_state(state, SkipNonfiniteState, "skip_nonfinite")
        extra = extra if passes_extra else {}
        finite = all_finite(grads)

        def apply(_):
            return optimizer.update(grads, state.inner_state, params, **extra)

        out_shapes = jax.eval_shape(apply, None)

        def skip(_):
            zeros = jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), out_shapes[0])
            return zeros, state.inner_state

        updates, inner_state = jax.lax.cond(finite, apply, skip, None)
        skipped = jnp.where(finite, state.skipped, safe_increment(state.skipped))
        return updates, SkipNonfiniteState(
            safe_increment(state.count), skipped, jnp.logical_not(finite), inner_state
        )

    return Optimizer(init, update)
