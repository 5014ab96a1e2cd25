"""Stochastic gradient descent, momentum and Nesterov momentum (seed Table 9-1, first rows).

With ``g`` the gradient, ``c`` the update count before this step (0 first) and ``lr(c)`` the
learning rate or schedule value:

    SGD:       u = -lr(c) g
    momentum:  m = g + mu m                   (m_0 = 0; optax/PyTorch form, no dampening)
               u = -lr(c) m                   (the learning rate applied after the buffer)
    Nesterov:  m = g + mu m
               u = -lr(c) (g + mu m)          (looks ahead with the *new* buffer)

The book writes momentum as ``v = mu v - lr g; w += v`` (Keras): the same steps as above for a
constant learning rate, different under a decaying schedule (the learning rate sits inside the
buffer there). :func:`sgd` with ``lr_in_trace=True`` gives that form; ``jaxnn.optim.keras.SGD``
uses it.

PyTorch: ``torch.optim.SGD(params, lr, momentum=mu)`` (dampening 0, the default) computes
``sgd(lr, momentum=mu)`` up to rounding; ``nesterov=True`` is ``nesterov(lr, mu)``. Not bit for
bit: torch's fused ``p.add_(buf, alpha=-lr)`` rounds ``p - lr * buf`` once where jaxnn and optax
round the product and the sum (measured in float64 against torch 2.13: 6e-18 of the params'
scale after one step, 1e-16 after 100; tests/test_optim_torch.py).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from jaxnn._validation import check_bool, check_learning_rate, check_unit_interval
from jaxnn.optim.base import (
    Optimizer,
    ScalarOrSchedule,
    check_float_params,
    check_state,
    check_tree_match,
    safe_increment,
    scale_by_learning_rate,
    tree_zeros_like,
)

__all__ = ["SgdState", "momentum", "nesterov", "sgd"]


class SgdState(NamedTuple):
    """State of :func:`sgd`.

    Attributes:
        count: int32 number of updates applied so far (saturates at 2**31 - 1).
        trace: the momentum buffer ``m`` (same tree as the params), or ``None`` without momentum.
    """

    count: jax.Array
    trace: Any


def sgd(
    learning_rate: ScalarOrSchedule,
    momentum: float | None = None,
    nesterov: bool = False,
    *,
    lr_in_trace: bool = False,
) -> Optimizer:
    """Gradient descent with optional (Nesterov) momentum, with optax's semantics.

    Update rule (``c`` = count before this update, ``m_0 = 0``)::

        m = g + momentum * m
        u = -lr(c) * m                      (nesterov: u = -lr(c) * (g + momentum * m))

    With ``lr_in_trace=True`` the learning rate is applied *before* the buffer (legacy Keras)::

        v = momentum * v - lr(c) * g;  u = v (nesterov: u = momentum * v - lr(c) * g)

    Args:
        learning_rate: a positive float or a schedule ``count -> value``.
        momentum: the momentum coefficient in [0, 1), or ``None`` for plain SGD.
        nesterov: use Nesterov momentum (needs ``momentum``).
        lr_in_trace: keep the learning rate inside the buffer (legacy Keras numerics; equal to
            the default for a constant learning rate).

    Returns:
        An :class:`~jaxnn.optim.Optimizer` with state :class:`SgdState`.

    Note:
        optax ``sgd(lr, momentum, nesterov)`` = this default. PyTorch
        ``torch.optim.SGD(params, lr, momentum=mu, nesterov=...)`` (dampening 0) ≈ ``sgd(lr,
        mu, nesterov)`` (equal up to rounding, ~1e-16 relative in float64), under an lr
        scheduler too (PyTorch also applies the lr after the
        buffer); with ``dampening > 0`` there is no exact call (PyTorch does not damp the first
        step); its ``weight_decay`` is ``chain(add_decayed_weights(wd), sgd(...))``. Legacy
        Keras ``SGD(lr, momentum, decay)`` = ``lr_in_trace=True`` with an inverse-time schedule
        (``jaxnn.optim.keras.SGD``).

    Examples:
        >>> import jax.numpy as jnp
        >>> opt = sgd(0.1, momentum=0.9)
        >>> state = opt.init(jnp.zeros(1))
        >>> u, state = opt.update(jnp.ones(1), state)
        >>> u, state = opt.update(jnp.ones(1), state)
        >>> u                                   # -0.1 * (1 + 0.9 * 1)
        Array([-0.19], dtype=float32)

    References:
        Polyak, "Some methods of speeding up the convergence of iteration methods", 1964.
        Sutskever et al., "On the importance of initialization and momentum in deep learning",
        ICML 2013.
    """
    check_learning_rate(learning_rate)
    check_bool("nesterov", nesterov)
    check_bool("lr_in_trace", lr_in_trace)
    if momentum is not None:
        check_unit_interval("momentum", momentum, hint="Typical values: 0.9 or 0.99.")
    elif nesterov:
        raise ValueError(
            "`nesterov=True` needs a momentum coefficient, got momentum=None. "
            "Pass momentum=0.9 (or use jaxnn.optim.nesterov(learning_rate, 0.9))."
        )

    def init(params):
        check_float_params(params)
        trace = None if momentum is None else tree_zeros_like(params)
        return SgdState(count=jnp.zeros([], jnp.int32), trace=trace)

    def update(grads, state, params=None, **extra):
        del params, extra
        check_state(state, SgdState, "sgd/momentum/nesterov")
        if momentum is None:
            updates = scale_by_learning_rate(grads, learning_rate, state.count)
            return updates, SgdState(safe_increment(state.count), None)
        check_tree_match(grads, state.trace, "grads", "params")
        if lr_in_trace:
            # v = mu v - lr g, written as optax's trace of the already-scaled step.
            grads = scale_by_learning_rate(grads, learning_rate, state.count)
        trace = jax.tree.map(lambda g, t: g + momentum * t, grads, state.trace)
        if nesterov:
            updates = jax.tree.map(lambda g, t: g + momentum * t, grads, trace)
        else:
            updates = trace
        if not lr_in_trace:
            updates = scale_by_learning_rate(updates, learning_rate, state.count)
        trace = jax.tree.map(lambda t, old: t.astype(old.dtype), trace, state.trace)
        return updates, SgdState(safe_increment(state.count), trace)

    return Optimizer(init, update)


def momentum(learning_rate: ScalarOrSchedule, momentum: float = 0.9) -> Optimizer:
    """Classic (heavy-ball) momentum: ``sgd(learning_rate, momentum)``.

    ``m = g + momentum * m;  u = -lr(c) * m``  (the book's ``v = a v - lr g; w += v`` for a
    constant learning rate). PyTorch ``SGD(params, lr, momentum=0.9)`` ≈ ``momentum(lr, 0.9)``
    (up to rounding).

    Examples:
        >>> import jax.numpy as jnp
        >>> opt = momentum(0.1, 0.4)
        >>> opt.update(jnp.ones(1), opt.init(jnp.zeros(1)))[0]
        Array([-0.1], dtype=float32)
    """
    return sgd(learning_rate, momentum=momentum)


def nesterov(learning_rate: ScalarOrSchedule, momentum: float = 0.9) -> Optimizer:
    """Nesterov momentum: ``sgd(learning_rate, momentum, nesterov=True)``.

    ``m = g + momentum * m;  u = -lr(c) * (g + momentum * m)``. PyTorch
    ``SGD(params, lr, momentum=0.9, nesterov=True)`` ≈ ``nesterov(lr, 0.9)`` (up to rounding).

    Examples:
        >>> import jax.numpy as jnp
        >>> opt = nesterov(0.1, 0.9)
        >>> opt.update(jnp.ones(1), opt.init(jnp.zeros(1)))[0]   # -0.1 * (1 + 0.9)
        Array([-0.19], dtype=float32)
    """
    return sgd(learning_rate, momentum=momentum, nesterov=True)
