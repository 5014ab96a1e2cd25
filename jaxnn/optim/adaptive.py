"""Adaptive step sizes: Adagrad, RMSProp and Adam (seed Table 9-1, last rows).

Notation: ``g`` gradient, ``c`` update count before this step, ``t = c + 1``, ``lr(c)`` the
learning rate or schedule value; every rule is per element and ``u`` is added to the params.

    Adagrad:  s = s + g^2                                   (s_0 = initial_accumulator_value)
              u = -lr(c) g / sqrt(s + eps)                  (eps_in_sqrt, optax)
              u = -lr(c) g / (sqrt(s) + eps)                (eps_in_sqrt=False: Keras 2, PyTorch)
    RMSProp:  v = decay v + (1 - decay) g^2
              u = -lr(c) g / sqrt(v + eps)                  (eps_in_sqrt, optax)
    Adam:     m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2
              m_hat = m / (1 - b1^t);  v_hat = v / (1 - b2^t)
              u = -lr(c) m_hat / (sqrt(v_hat + eps_root) + eps)

Every rule reproduces optax 0.2.8 operation by operation (the tests compare them step by step).
Where systems disagree (eps inside or outside the sqrt, the accumulator's start, epsilon hat),
each docstring says which call reproduces which system.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from jaxnn._validation import (
    check_bool,
    check_learning_rate,
    check_nonnegative,
    check_unit_interval,
)
from jaxnn.optim.base import (
    Optimizer,
    ScalarOrSchedule,
    check_float_params,
    check_tree_match,
    safe_increment,
    scale_by_learning_rate,
    tree_bias_correction,
    tree_full_like,
    tree_zeros_like,
)

__all__ = [
    "AdagradState",
    "AdamState",
    "RmspropState",
    "adagrad",
    "adam",
    "rmsprop",
]


def _cast_like(tree: Any, like: Any) -> Any:
    """Keeps a state's dtype fixed from step to step (a stable ``lax.scan`` carry)."""
    return jax.tree.map(lambda t, old: t.astype(old.dtype), tree, like)


def _ema(grads: Any, moment: Any, decay: Any, order: int) -> Any:
    """``(1 - decay) * g**order + decay * moment`` leaf by leaf (optax's operation order)."""
    return jax.tree.map(lambda g, t: (1 - decay) * (g**order) + decay * t, grads, moment)


class AdagradState(NamedTuple):
    """State of :func:`adagrad`: the update ``count`` and the running ``sum_of_squares``."""

    count: jax.Array
    sum_of_squares: Any


def adagrad(
    learning_rate: ScalarOrSchedule,
    initial_accumulator_value: float = 0.1,
    eps: float = 1e-7,
    *,
    eps_in_sqrt: bool = True,
) -> Optimizer:
    """Adagrad: each parameter's step shrinks with the sum of its squared gradients.

    Update rule::

        s = s + g^2                       (s_0 = initial_accumulator_value)
        u = -lr(c) * g / sqrt(s + eps)    (eps_in_sqrt=True, optax)
        u = -lr(c) * g / (sqrt(s) + eps)  (eps_in_sqrt=False)
        u = 0 where s == 0                (optax's guard, kept in both forms)

    Args:
        learning_rate: a positive float or a schedule.
        initial_accumulator_value: ``s_0 >= 0`` (optax 0.1; legacy Keras and PyTorch 0).
        eps: ``>= 0``, inside the sqrt by default (optax), outside with ``eps_in_sqrt=False``.
        eps_in_sqrt: where eps goes.

    Note:
        Systems disagree: optax ``adagrad(lr)`` = this default. PyTorch
        ``torch.optim.Adagrad(lr=lr)`` = ``adagrad(lr, 0.0, 1e-10, eps_in_sqrt=False)``.
        Keras 2.x ``Adagrad(lr, epsilon=1e-6)`` = ``adagrad(lr, 0.0, 1e-6, eps_in_sqrt=False)``
        (see ``jaxnn.optim.keras``). Keras 3 puts eps inside with ``s_0 = 0.1``, eps 1e-7.

    Examples:
        >>> import jax.numpy as jnp
        >>> opt = adagrad(1.0, initial_accumulator_value=0.0, eps=0.0)
        >>> opt.update(jnp.array([3.0]), opt.init(jnp.zeros(1)))[0]   # -3 / sqrt(9)
        Array([-1.], dtype=float32)

    References:
        Duchi, Hazan & Singer, "Adaptive subgradient methods for online learning and stochastic
        optimization", JMLR 2011.
    """
    check_learning_rate(learning_rate)
    check_nonnegative("initial_accumulator_value", initial_accumulator_value)
    check_nonnegative("eps", eps, hint="Typical values: 1e-7 (optax), 1e-10 (PyTorch).")
    check_bool("eps_in_sqrt", eps_in_sqrt)

    def init(params):
        check_float_params(params)
        return AdagradState(
            count=jnp.zeros([], jnp.int32),
            sum_of_squares=tree_full_like(params, initial_accumulator_value),
        )

    def update(grads, state, params=None, **extra):
        del params, extra
        check_tree_match(grads, state.sum_of_squares, "grads", "params")
        sum_of_squares = jax.tree.map(lambda g, t: g * g + t, grads, state.sum_of_squares)
        if eps_in_sqrt:
            scale = jax.tree.map(
                lambda s: jnp.where(s > 0, jax.lax.rsqrt(s + eps), 0.0), sum_of_squares
            )
        else:
            scale = jax.tree.map(
                lambda s: jnp.where(s > 0, 1 / (jnp.sqrt(s) + eps), 0.0), sum_of_squares
            )
        updates = jax.tree.map(lambda s, g: s * g, scale, grads)
        updates = scale_by_learning_rate(updates, learning_rate, state.count)
        return updates, AdagradState(
            safe_increment(state.count), _cast_like(sum_of_squares, state.sum_of_squares)
        )

    return Optimizer(init, update)


class RmspropState(NamedTuple):
    """State of :func:`rmsprop`.

    Attributes:
        count: int32 update count.
        nu: running mean of ``g^2``.
        mu: running mean of ``g`` (``centered=True``), else ``None``.
        trace: momentum buffer (``momentum`` given), else ``None``.
    """

    count: jax.Array
    nu: Any
    mu: Any
    trace: Any


def rmsprop(
    learning_rate: ScalarOrSchedule,
    decay: float = 0.9,
    eps: float = 1e-8,
    initial_scale: float = 0.0,
    eps_in_sqrt: bool = True,
    centered: bool = False,
    momentum: float | None = None,
    nesterov: bool = False,
    bias_correction: bool = False,
) -> Optimizer:
    """RMSProp: divide each step by a running root-mean-square of the gradients.

    Update rule (optax's, step by step)::

        v = decay * v + (1 - decay) * g^2                 (v_0 = initial_scale)
        centered:  m = decay * m + (1 - decay) * g;  v' = v - m^2   (else v' = v)
        bias_correction:  v' = v' / (1 - decay^t)  (m likewise)
        s = 1 / sqrt(v' + eps)           (eps_in_sqrt)    or  1 / (sqrt(v') + eps)
        u = -lr(c) * s * g
        momentum:  T = u + momentum * T;  u = T           (nesterov: u = u + momentum * T)

    Args:
        learning_rate: a positive float or a schedule.
        decay: ``rho`` in [0, 1) (optax/Keras 0.9; PyTorch's ``alpha`` is 0.99).
        eps: ``>= 0``.
        initial_scale: ``v_0 >= 0``.
        eps_in_sqrt: eps inside the sqrt (optax) or outside (Keras 2, PyTorch).
        centered: divide by an estimate of the gradient's variance instead.
        momentum: a momentum coefficient in [0, 1) applied *after* the learning rate, or None.
        nesterov: Nesterov form of that momentum (needs ``momentum``).
        bias_correction: Adam-style debiasing of the moments.

    Note:
        Keras 2.x ``RMSprop(lr, rho, epsilon)`` = ``rmsprop(lr, rho, epsilon,
        eps_in_sqrt=False)``. PyTorch ``torch.optim.RMSprop(lr=lr)`` = ``rmsprop(lr, 0.99, 1e-8,
        eps_in_sqrt=False)`` for a constant learning rate (with momentum, PyTorch keeps the
        buffer in gradient units, so the two differ once the learning rate changes).

    Examples:
        >>> import jax.numpy as jnp
        >>> opt = rmsprop(0.1, decay=0.0, eps=0.0)
        >>> opt.update(jnp.array([-4.0]), opt.init(jnp.zeros(1)))[0]   # -0.1 * -4 / 4
        Array([0.1], dtype=float32)

    References:
        Tieleman & Hinton, Lecture 6.5 of "Neural networks for machine learning", 2012.
        Graves, "Generating sequences with recurrent neural networks", 2013 (centered).
    """
    check_learning_rate(learning_rate)
    check_unit_interval("decay", decay, hint="Typical values: 0.9 (Keras, optax), 0.99 (PyTorch).")
    check_nonnegative("eps", eps)
    check_nonnegative("initial_scale", initial_scale)
    for name, flag in (
        ("eps_in_sqrt", eps_in_sqrt),
        ("centered", centered),
        ("nesterov", nesterov),
        ("bias_correction", bias_correction),
    ):
        check_bool(name, flag)
    if momentum is not None:
        check_unit_interval("momentum", momentum)
    elif nesterov:
        raise ValueError(
            "`nesterov=True` needs a momentum coefficient, got momentum=None. Pass momentum=0.9."
        )

    def init(params):
        check_float_params(params)
        return RmspropState(
            count=jnp.zeros([], jnp.int32),
            nu=tree_full_like(params, initial_scale),
            mu=tree_zeros_like(params) if centered else None,
            trace=tree_zeros_like(params) if momentum is not None else None,
        )

    def update(grads, state, params=None, **extra):
        del params, extra
        check_tree_match(grads, state.nu, "grads", "params")
        count_inc = safe_increment(state.count)
        nu = _ema(grads, state.nu, decay, 2)
        nu_hat = tree_bias_correction(nu, decay, count_inc) if bias_correction else nu
        if centered:
            mu = _ema(grads, state.mu, decay, 1)
            mu_hat = tree_bias_correction(mu, decay, count_inc) if bias_correction else mu
            variance = jax.tree.map(lambda m, n: n - m * m, mu_hat, nu_hat)
        else:
            mu = None
            variance = nu_hat
        if eps_in_sqrt:
            scale = jax.tree.map(lambda n: jax.lax.rsqrt(n + eps), variance)
        else:
            scale = jax.tree.map(lambda n: 1 / (jnp.sqrt(n) + eps), variance)
        updates = jax.tree.map(lambda s, g: s * g, scale, grads)
        updates = scale_by_learning_rate(updates, learning_rate, state.count)
        trace = None
        if momentum is not None:
            trace = jax.tree.map(lambda u, t: u + momentum * t, updates, state.trace)
            if nesterov:
                updates = jax.tree.map(lambda u, t: u + momentum * t, updates, trace)
            else:
                updates = trace
            trace = _cast_like(trace, state.trace)
        return updates, RmspropState(
            count=count_inc,
            nu=_cast_like(nu, state.nu),
            mu=None if mu is None else _cast_like(mu, state.mu),
            trace=trace,
        )

    return Optimizer(init, update)


class AdamState(NamedTuple):
    """State of :func:`adam`: ``count``, first moment ``mu`` and second moment ``nu``."""

    count: jax.Array
    mu: Any
    nu: Any


def adam(
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    *,
    nesterov: bool = False,
) -> Optimizer:
    """Adam: momentum on the gradient and RMSProp scaling, both bias-corrected.

    Update rule (``t = c + 1``)::

        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g^2
        m_hat = m / (1 - b1^t)
              (nesterov: m_hat = b1 * m / (1 - b1^(t+1)) + (1 - b1) * g / (1 - b1^t))
        v_hat = v / (1 - b2^t)
        u = -lr(c) * m_hat / (sqrt(v_hat + eps_root) + eps)

    The first update is about ``-lr * sign(g)``: the bias correction undoes the zero start.

    Args:
        learning_rate: a positive float or a schedule.
        b1: decay of the first moment, in [0, 1).
        b2: decay of the second moment, in [0, 1).
        eps: ``>= 0``, added *outside* the sqrt (optax, PyTorch, Keras 3).
        eps_root: ``>= 0``, added *inside* the sqrt (for differentiating through the update).
        nesterov: the Nadam form of the first moment (Dozat 2016), as ``optax.nadam``.

    Note:
        PyTorch ``torch.optim.Adam(lr=lr)`` equals ``adam(lr)`` exactly (its ``weight_decay``
        is L2 added to ``g``: ``chain(add_decayed_weights(wd), adam(lr))``). Legacy Keras 2.x
        applies eps to the *uncorrected* ``sqrt(v)`` ("epsilon hat"), about ``31.6 * eps`` in
        these terms at ``t = 1``: see ``jaxnn.optim.keras.Adam``.

    Examples:
        >>> import jax.numpy as jnp
        >>> opt = adam(0.1)
        >>> opt.update(jnp.array([5.0, -0.01]), opt.init(jnp.zeros(2)))[0]
        Array([-0.1, 0.1], dtype=float32)

    References:
        Kingma & Ba, "Adam: a method for stochastic optimization", ICLR 2015.
    """
    check_learning_rate(learning_rate)
    check_unit_interval("b1", b1, hint="Typical value: 0.9.")
    check_unit_interval("b2", b2, hint="Typical value: 0.999.")
    check_nonnegative("eps", eps, hint="Typical value: 1e-8.")
    check_nonnegative("eps_root", eps_root)
    check_bool("nesterov", nesterov)

    def init(params):
        check_float_params(params)
        return AdamState(
            count=jnp.zeros([], jnp.int32),
            mu=tree_zeros_like(params),
            nu=tree_zeros_like(params),
        )

    def update(grads, state, params=None, **extra):
        del params, extra
        check_tree_match(grads, state.mu, "grads", "params")
        mu = _ema(grads, state.mu, b1, 1)
        nu = _ema(grads, state.nu, b2, 2)
        count_inc = safe_increment(state.count)
        if nesterov:
            mu_hat = jax.tree.map(
                lambda m, g: b1 * m + (1 - b1) * g,
                tree_bias_correction(mu, b1, safe_increment(count_inc)),
                tree_bias_correction(grads, b1, count_inc),
            )
        else:
            mu_hat = tree_bias_correction(mu, b1, count_inc)
        nu_hat = tree_bias_correction(nu, b2, count_inc)
        updates = jax.tree.map(lambda m, v: m / (jnp.sqrt(v + eps_root) + eps), mu_hat, nu_hat)
        updates = scale_by_learning_rate(updates, learning_rate, state.count)
        return updates, AdamState(count_inc, _cast_like(mu, state.mu), _cast_like(nu, state.nu))

    return Optimizer(init, update)
