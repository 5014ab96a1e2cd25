"""Adaptive step sizes: Adagrad, RMSProp, Adam (seed Table 9-1, last rows) and their family.

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
    AdamW:    u = -lr(c) (Adam's direction + weight_decay p)
    Nadam:    Adam with m_hat = b1 m / (1 - b1^(t+1)) + (1 - b1) g / (1 - b1^t)
    AMSGrad:  Adam dividing by the running maximum of v_hat
    Adamax:   u_inf = max(b2 u_inf, |g| + eps);  u = -lr(c) m / (1 - b1^t) / u_inf
    Adadelta: E_g = rho E_g + (1 - rho) g^2;  d = sqrt(E_x + eps) / sqrt(E_g + eps) g
              E_x = rho E_x + (1 - rho) d^2;  u = -lr(c) d
    Lion:     u = -lr(c) (sign((1 - b1) g + b1 m) + weight_decay p);  m = b2 m + (1 - b2) g

Every rule reproduces optax 0.2.8 operation by operation (the tests compare them step by step).
Where systems disagree (eps inside or outside the sqrt, the accumulator's start, epsilon hat),
each docstring says which call reproduces which system.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

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
    check_state,
    check_tree_match,
    safe_increment,
    scale_by_learning_rate,
    tree_bias_correction,
    tree_full_like,
    tree_zeros_like,
)
from jaxnn.optim.weight_decay import check_mask, check_weight_decay, decayed_weights

__all__ = [
    "AdadeltaState",
    "AdagradState",
    "AdamState",
    "AdamaxState",
    "AmsgradState",
    "LionState",
    "RmspropState",
    "adadelta",
    "adagrad",
    "adam",
    "adamax",
    "adamw",
    "amsgrad",
    "lion",
    "nadam",
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
        ``torch.optim.Adagrad(lr=lr)`` ≈ ``adagrad(lr, 0.0, 1e-10, eps_in_sqrt=False)`` (up to
        rounding: 5e-17 of the params' scale after 100 float64 steps, torch 2.13); its
        ``lr_decay=d`` is ``schedules.inverse_time_decay(lr, d)`` in place of ``lr``.
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
        check_state(state, AdagradState, "adagrad")
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
        eps_in_sqrt=False)``. PyTorch ``torch.optim.RMSprop(lr=lr)`` ≈ ``rmsprop(lr, 0.99, 1e-8,
        eps_in_sqrt=False)`` (up to rounding, 5e-17 after 100 float64 steps) for a constant
        learning rate (with momentum, PyTorch keeps the
        buffer in gradient units, so the two differ once the learning rate changes: no exact
        call under an lr scheduler). optax ``rmsprop`` = this with the same arguments.

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
        check_state(state, RmspropState, "rmsprop")
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
    eps: ScalarOrSchedule = 1e-8,
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
        u = -lr(c) * m_hat / (sqrt(v_hat + eps_root) + eps(c))

    The first update is about ``-lr * sign(g)``: the bias correction undoes the zero start.

    Args:
        learning_rate: a positive float or a schedule.
        b1: decay of the first moment, in [0, 1).
        b2: decay of the second moment, in [0, 1).
        eps: ``>= 0``, added *outside* the sqrt (optax, PyTorch, Keras 3); or a schedule
            ``count -> eps`` (called with the count before the increment, like the learning
            rate). ``eps = lambda c: e / sqrt(1 - b2**(c + 1))`` is legacy Keras's "epsilon
            hat" ``e``: see :func:`jaxnn.optim.keras.epsilon_hat`.
        eps_root: ``>= 0``, added *inside* the sqrt (for differentiating through the update).
        nesterov: the Nadam form of the first moment (Dozat 2016), as ``optax.nadam``.

    Note:
        PyTorch ``torch.optim.Adam(params, lr=lr)`` (betas (0.9, 0.999), eps 1e-8) computes
        the same update up to rounding, not bit for bit (it divides the step size by
        ``1 - b1^t`` and ``sqrt(v)`` by ``sqrt(1 - b2^t)`` separately): measured in float64
        against torch 2.13, the params differ by 1.5e-15 of their scale after 100 steps. Its
        ``weight_decay`` is L2 added to ``g`` before the moments:
        ``chain(add_decayed_weights(wd), adam(lr))``; ``AdamW`` is :func:`adamw` (PyTorch's
        default ``weight_decay=0.01``, optax's 1e-4). Legacy Keras 2.x applies eps to the
        *uncorrected* ``sqrt(v)`` ("epsilon hat"), about ``31.6 * eps`` in these terms at
        ``t = 1``: ``jaxnn.optim.keras.Adam`` passes the eps schedule above.

        In float16, ``eps = 1e-8`` underflows to 0 (the smallest float16 is 6e-8), so
        ``sqrt(v_hat) + eps`` is unguarded; optax behaves the same. Keep float32 optimizer
        arithmetic (float32 params with a bf16/f16 forward pass) or pass ``eps >= 1e-7``.

    Examples:
        >>> import jax.numpy as jnp
        >>> opt = adam(0.1)
        >>> opt.update(jnp.array([5.0, -0.01]), opt.init(jnp.zeros(2)))[0]
        Array([-0.1, 0.1], dtype=float32)

    References:
        Kingma & Ba, "Adam: a method for stochastic optimization", ICLR 2015.
    """
    check_learning_rate(learning_rate)
    _check_adam_args(b1, b2, eps, eps_root)
    check_bool("nesterov", nesterov)

    def update(grads, state, params=None, **extra):
        del params, extra
        direction, new_state = _adam_direction(grads, state, b1, b2, eps, eps_root, nesterov)
        return scale_by_learning_rate(direction, learning_rate, state.count), new_state

    return Optimizer(_adam_init, update)


def _check_adam_args(b1, b2, eps, eps_root) -> None:
    check_unit_interval("b1", b1, hint="Typical value: 0.9.")
    check_unit_interval("b2", b2, hint="Typical value: 0.999.")
    if not (callable(eps) and not isinstance(eps, np.ndarray | jax.Array)):
        check_nonnegative("eps", eps, hint="Typical value: 1e-8 (or a schedule count -> eps).")
    check_nonnegative("eps_root", eps_root)


def _adam_init(params):
    check_float_params(params)
    return AdamState(
        count=jnp.zeros([], jnp.int32), mu=tree_zeros_like(params), nu=tree_zeros_like(params)
    )


def _adam_direction(grads, state, b1, b2, eps, eps_root, nesterov):
    """optax's ``scale_by_adam``: the direction ``m_hat / (sqrt(v_hat + eps_root) + eps)``."""
    check_state(state, AdamState, "adam/adamw/nadam")
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
    if callable(eps):  # a schedule of the count before the increment, cast like a learning rate
        eps_c = eps(state.count)
        updates = jax.tree.map(
            lambda m, v: m / (jnp.sqrt(v + eps_root) + jnp.asarray(eps_c, m.dtype)), mu_hat, nu_hat
        )
    else:
        updates = jax.tree.map(lambda m, v: m / (jnp.sqrt(v + eps_root) + eps), mu_hat, nu_hat)
    return updates, AdamState(count_inc, _cast_like(mu, state.mu), _cast_like(nu, state.nu))


# ---------------------------------------------------------------------------------------------
# The wider family: AdamW, Nadam, AMSGrad, Adamax, Adadelta, Lion (optax 0.2.8 semantics).


def adamw(
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: ScalarOrSchedule = 1e-8,
    eps_root: float = 0.0,
    weight_decay: ScalarOrSchedule = 1e-4,
    mask: Any = None,
    *,
    nesterov: bool = False,
) -> Optimizer:
    """AdamW: Adam with decoupled weight decay (added to the direction, scaled by the lr).

    Update rule (``c`` = count before this update)::

        d = m_hat / (sqrt(v_hat + eps_root) + eps)        (Adam's direction, see adam)
        u = -lr(c) * (d + weight_decay(c) * p)            (masked leaves: u = -lr(c) * d)

    Args:
        learning_rate: a positive float or a schedule.
        b1, b2, eps, eps_root, nesterov: as :func:`adam`.
        weight_decay: a non-negative float or a schedule (optax's default 1e-4).
        mask: which leaves decay: ``None`` (all), a pytree of bools or ``params -> pytree``
            (see :mod:`jaxnn.optim.weight_decay`).

    Returns:
        An :class:`~jaxnn.optim.Optimizer` with state :class:`AdamState`; ``update`` needs
        ``params``.

    Note:
        optax ``adamw(lr, weight_decay=wd)`` = ``adamw(lr, weight_decay=wd)``. PyTorch
        ``torch.optim.AdamW(params, lr)`` decays with ``weight_decay=0.01`` by default (optax
        1e-4): ``adamw(lr, weight_decay=0.01)`` is the same step (PyTorch shrinks ``p`` by
        ``1 - lr * wd`` before the Adam step; equal up to rounding). Coupled L2 (PyTorch
        ``Adam(weight_decay=wd)``) is ``chain(add_decayed_weights(wd), adam(lr))`` instead.

    Examples:
        >>> import jax.numpy as jnp
        >>> opt = adamw(0.1, weight_decay=0.5)
        >>> p = jnp.array([2.0])
        >>> opt.update(jnp.array([3.0]), opt.init(p), p)[0]   # -0.1 * (1 + 0.5 * 2)
        Array([-0.2], dtype=float32)

    References:
        Loshchilov & Hutter, "Decoupled weight decay regularization", ICLR 2019.
    """
    check_learning_rate(learning_rate)
    _check_adam_args(b1, b2, eps, eps_root)
    check_weight_decay(weight_decay)
    check_mask(mask)
    check_bool("nesterov", nesterov)

    def update(grads, state, params=None, **extra):
        del extra
        direction, new_state = _adam_direction(grads, state, b1, b2, eps, eps_root, nesterov)
        direction = decayed_weights(direction, params, weight_decay, mask, state.count)
        return scale_by_learning_rate(direction, learning_rate, state.count), new_state

    return Optimizer(_adam_init, update)


def nadam(
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: ScalarOrSchedule = 1e-8,
    eps_root: float = 0.0,
) -> Optimizer:
    """Nadam: Adam with a Nesterov look-ahead in the first moment (``adam(..., nesterov=True)``).

    Update rule (``t = c + 1``)::

        m_hat = b1 * m / (1 - b1^(t+1)) + (1 - b1) * g / (1 - b1^t)
        u = -lr(c) * m_hat / (sqrt(v_hat + eps_root) + eps)      (m, v, v_hat as adam)

    Note:
        optax ``nadam(lr)`` = ``nadam(lr)``. PyTorch ``torch.optim.NAdam`` multiplies ``b1`` by
        a momentum-decay schedule (``momentum_decay=4e-3``) and has no exact jaxnn call; Keras
        3 ``Nadam`` follows the same schedule.

    Examples:
        >>> import jax.numpy as jnp
        >>> opt = nadam(0.1)
        >>> opt.update(jnp.array([2.0]), opt.init(jnp.zeros(1)))[0]
        Array([-0.1], dtype=float32)

    References:
        Dozat, "Incorporating Nesterov momentum into Adam", ICLR workshop 2016.
    """
    return adam(learning_rate, b1, b2, eps, eps_root, nesterov=True)


class AmsgradState(NamedTuple):
    """State of :func:`amsgrad`: ``count``, moments ``mu``, ``nu`` and the running ``nu_max``."""

    count: jax.Array
    mu: Any
    nu: Any
    nu_max: Any


def amsgrad(
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    *,
    bias_correction_mu: bool = True,
    bias_correction_nu: bool = True,
) -> Optimizer:
    """AMSGrad: Adam whose second moment never decreases (the maximum of its history).

    Update rule (``t = c + 1``)::

        m = b1 * m + (1 - b1) * g;   v = b2 * v + (1 - b2) * g^2
        m_hat = m / (1 - b1^t)                 (bias_correction_mu; else m_hat = m)
        v_eff = v / (1 - b2^t)                 (bias_correction_nu; else v_eff = v)
        v_max = max(v_max, v_eff)
        u = -lr(c) * m_hat / (sqrt(v_max + eps_root) + eps)

    Args:
        learning_rate: a positive float or a schedule.
        b1, b2, eps, eps_root: as :func:`adam`.
        bias_correction_mu, bias_correction_nu: debias the moments (optax's defaults True;
            both False is the paper's algorithm).

    Note:
        optax ``amsgrad(lr)`` = ``amsgrad(lr)``. PyTorch ``Adam(amsgrad=True)`` takes the
        maximum of the *uncorrected* ``v`` and then divides by ``sqrt(1 - b2^t)``: neither
        flag setting reproduces it exactly (the two agree once ``b2^t`` is negligible).

    Examples:
        >>> import jax.numpy as jnp
        >>> opt = amsgrad(0.1)
        >>> state = opt.init(jnp.zeros(1))
        >>> u, state = opt.update(jnp.array([4.0]), state)
        >>> u, state = opt.update(jnp.array([0.0]), state)   # v_max keeps the first g^2
        >>> u
        Array([-0.0474], dtype=float32)

    References:
        Reddi, Kale & Kumar, "On the convergence of Adam and beyond", ICLR 2018.
    """
    check_learning_rate(learning_rate)
    _check_adam_args(b1, b2, eps, eps_root)
    check_bool("bias_correction_mu", bias_correction_mu)
    check_bool("bias_correction_nu", bias_correction_nu)

    def init(params):
        check_float_params(params)
        zeros = tree_zeros_like(params)
        return AmsgradState(jnp.zeros([], jnp.int32), zeros, zeros, zeros)

    def update(grads, state, params=None, **extra):
        del params, extra
        check_state(state, AmsgradState, "amsgrad")
        check_tree_match(grads, state.mu, "grads", "params")
        mu = _ema(grads, state.mu, b1, 1)
        nu = _ema(grads, state.nu, b2, 2)
        count_inc = safe_increment(state.count)
        mu_hat = tree_bias_correction(mu, b1, count_inc) if bias_correction_mu else mu
        nu_eff = tree_bias_correction(nu, b2, count_inc) if bias_correction_nu else nu
        nu_max = jax.tree.map(jnp.maximum, state.nu_max, nu_eff)
        updates = jax.tree.map(lambda m, v: m / (jnp.sqrt(v + eps_root) + eps), mu_hat, nu_max)
        updates = scale_by_learning_rate(updates, learning_rate, state.count)
        return updates, AmsgradState(
            count_inc,
            _cast_like(mu, state.mu),
            _cast_like(nu, state.nu),
            _cast_like(nu_max, state.nu_max),
        )

    return Optimizer(init, update)


class AdamaxState(NamedTuple):
    """State of :func:`adamax`: ``count``, first moment ``mu``, infinity norm ``nu``."""

    count: jax.Array
    mu: Any
    nu: Any


def adamax(
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
) -> Optimizer:
    """Adamax: Adam with the infinity norm in place of the second moment.

    Update rule (``t = c + 1``)::

        m = b1 * m + (1 - b1) * g
        u_inf = max(b2 * u_inf, |g| + eps)            (eps inside the max, u_inf_0 = 0)
        u = -lr(c) * (m / (1 - b1^t)) / u_inf

    Args:
        learning_rate: a positive float or a schedule.
        b1: decay of the first moment, in [0, 1).
        b2: decay of the infinity norm, in [0, 1] (1: the running maximum of ``|g|``, as in optax).
        eps: ``>= 0``, added to ``|g|`` inside the maximum.

    Note:
        optax ``adamax(lr)`` = ``adamax(lr)``; PyTorch ``torch.optim.Adamax(params)`` (lr 2e-3,
        eps inside the max too) = ``adamax(2e-3)`` up to rounding.

    Examples:
        >>> import jax.numpy as jnp
        >>> opt = adamax(0.1, eps=0.0)
        >>> opt.update(jnp.array([-3.0]), opt.init(jnp.zeros(1)))[0]   # -0.1 * (-3 / 3)
        Array([0.1], dtype=float32)

    References:
        Kingma & Ba, "Adam: a method for stochastic optimization", ICLR 2015, section 7.1.
    """
    check_learning_rate(learning_rate)
    check_unit_interval("b1", b1, hint="Typical value: 0.9.")
    # b2 = 1 is a running maximum of |g| (no decay): well defined, and optax accepts it.
    check_unit_interval("b2", b2, hint="Typical value: 0.999.", allow_one=True)
    check_nonnegative("eps", eps, hint="Typical value: 1e-8.")

    def init(params):
        check_float_params(params)
        zeros = tree_zeros_like(params)
        return AdamaxState(jnp.zeros([], jnp.int32), zeros, zeros)

    def update(grads, state, params=None, **extra):
        del params, extra
        check_state(state, AdamaxState, "adamax")
        check_tree_match(grads, state.mu, "grads", "params")
        count_inc = safe_increment(state.count)
        mu = _ema(grads, state.mu, b1, 1)
        nu = jax.tree.map(lambda g, t: jnp.maximum(jnp.abs(g) + eps, b2 * t), grads, state.nu)
        mu_hat = tree_bias_correction(mu, b1, count_inc)
        updates = jax.tree.map(lambda m, v: m / v, mu_hat, nu)
        updates = scale_by_learning_rate(updates, learning_rate, state.count)
        return updates, AdamaxState(count_inc, _cast_like(mu, state.mu), _cast_like(nu, state.nu))

    return Optimizer(init, update)


class AdadeltaState(NamedTuple):
    """State of :func:`adadelta`: ``count``, running means ``e_g`` of ``g^2`` and ``e_x`` of
    the squared steps."""

    count: jax.Array
    e_g: Any
    e_x: Any


def adadelta(
    learning_rate: ScalarOrSchedule = 1.0,
    rho: float = 0.9,
    eps: float = 1e-6,
    weight_decay: ScalarOrSchedule = 0.0,
    weight_decay_mask: Any = None,
) -> Optimizer:
    """Adadelta: steps sized by the ratio of running RMS of past steps and of gradients.

    Update rule (``c`` = count before this update)::

        g' = g + weight_decay(c) * p                    (only with weight_decay > 0)
        E_g = rho * E_g + (1 - rho) * g'^2
        d = sqrt(E_x + eps) / sqrt(E_g + eps) * g'
        E_x = rho * E_x + (1 - rho) * d^2
        u = -lr(c) * d

    Args:
        learning_rate: a positive float or a schedule; default 1.0 (PyTorch's default, and
            Zeiler's algorithm).
        rho: decay of both running means, in [0, 1).
        eps: ``>= 0``, inside both square roots; it also sets the size of the first steps
            (about ``sqrt(eps) / sqrt(eps + (1 - rho) g^2) * g``).
        weight_decay: L2 weight decay added to the gradient first (non-negative or a schedule).
        weight_decay_mask: which leaves decay (see :mod:`jaxnn.optim.weight_decay`).

    Warning:
        ``optax.adadelta``'s default ``learning_rate=None`` applies no scaling *and no sign
        flip*: its updates point up the gradient and the loss climbs. jaxnn has no ``None``: the
        learning rate defaults to 1.0 and must be positive. ``optax.adadelta(learning_rate=lr)``
        with an explicit positive ``lr`` equals ``adadelta(lr)`` step by step.

    Note:
        PyTorch ``torch.optim.Adadelta(params)`` (lr 1.0, rho 0.9, eps 1e-6) = ``adadelta()``
        up to rounding.

    Examples:
        >>> import jax.numpy as jnp
        >>> opt = adadelta(1.0, rho=0.0, eps=1.0)
        >>> opt.update(jnp.array([2.0]), opt.init(jnp.zeros(1)))[0]   # -sqrt(1) / sqrt(5) * 2
        Array([-0.894], dtype=float32)

    References:
        Zeiler, "ADADELTA: an adaptive learning rate method", 2012.
    """
    if learning_rate is None:
        raise TypeError(
            "`learning_rate` must be a positive float or a schedule, got learning_rate=None. "
            "optax.adadelta's None default applies no sign flip, so the loss climbs; jaxnn "
            "needs a real learning rate: pass 1.0 (PyTorch's default) or leave it out."
        )
    check_learning_rate(learning_rate)
    check_unit_interval("rho", rho, hint="Typical value: 0.9 (optax, PyTorch) or 0.95 (Zeiler).")
    check_nonnegative("eps", eps, hint="Typical value: 1e-6.")
    check_weight_decay(weight_decay)
    check_mask(weight_decay_mask, "weight_decay_mask")

    def init(params):
        check_float_params(params)
        zeros = tree_zeros_like(params)
        return AdadeltaState(jnp.zeros([], jnp.int32), zeros, zeros)

    def update(grads, state, params=None, **extra):
        del extra
        check_state(state, AdadeltaState, "adadelta")
        check_tree_match(grads, state.e_g, "grads", "params")
        grads = decayed_weights(grads, params, weight_decay, weight_decay_mask, state.count)
        e_g = _ema(grads, state.e_g, rho, 2)
        d = jax.tree.map(
            lambda g, eg, ex: (jnp.sqrt(ex + eps) / jnp.sqrt(eg + eps)) * g, grads, e_g, state.e_x
        )
        e_x = _ema(d, state.e_x, rho, 2)
        updates = scale_by_learning_rate(d, learning_rate, state.count)
        return updates, AdadeltaState(
            safe_increment(state.count), _cast_like(e_g, state.e_g), _cast_like(e_x, state.e_x)
        )

    return Optimizer(init, update)


class LionState(NamedTuple):
    """State of :func:`lion`: ``count`` and the momentum ``mu``."""

    count: jax.Array
    mu: Any


def lion(
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.99,
    weight_decay: ScalarOrSchedule = 1e-3,
    mask: Any = None,
) -> Optimizer:
    """Lion: the sign of an interpolated momentum, plus decoupled weight decay.

    Update rule (``c`` = count before this update)::

        d = sign((1 - b1) * g + b1 * m)
        m = b2 * m + (1 - b2) * g
        u = -lr(c) * (d + weight_decay(c) * p)          (masked leaves: u = -lr(c) * d)

    Every coordinate moves by exactly ``lr`` (before weight decay), so Lion wants a learning
    rate 3-10 times smaller than AdamW's.

    Args:
        learning_rate: a positive float or a schedule.
        b1: interpolation between momentum and gradient for the sign, in [0, 1).
        b2: decay of the momentum, in [0, 1).
        weight_decay: a non-negative float or a schedule (optax's default 1e-3).
        mask: which leaves decay (see :mod:`jaxnn.optim.weight_decay`).

    Note:
        optax ``lion(lr)`` = ``lion(lr)``. PyTorch has no Lion in ``torch.optim``.

    Examples:
        >>> import jax.numpy as jnp
        >>> opt = lion(0.1, weight_decay=0.0)
        >>> p = jnp.zeros(2)
        >>> opt.update(jnp.array([3.0, -1e-4]), opt.init(p), p)[0]
        Array([-0.1,  0.1], dtype=float32)

    References:
        Chen et al., "Symbolic discovery of optimization algorithms", NeurIPS 2023.
    """
    check_learning_rate(learning_rate)
    check_unit_interval("b1", b1, hint="Typical value: 0.9.")
    check_unit_interval("b2", b2, hint="Typical value: 0.99.")
    check_weight_decay(weight_decay)
    check_mask(mask)

    def init(params):
        check_float_params(params)
        return LionState(jnp.zeros([], jnp.int32), tree_zeros_like(params))

    def update(grads, state, params=None, **extra):
        del extra
        check_state(state, LionState, "lion")
        check_tree_match(grads, state.mu, "grads", "params")
        direction = jax.tree.map(lambda g, m: jnp.sign((1.0 - b1) * g + b1 * m), grads, state.mu)
        mu = _ema(grads, state.mu, b2, 1)
        direction = decayed_weights(direction, params, weight_decay, mask, state.count)
        updates = scale_by_learning_rate(direction, learning_rate, state.count)
        return updates, LionState(safe_increment(state.count), _cast_like(mu, state.mu))

    return Optimizer(init, update)
