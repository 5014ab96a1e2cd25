"""Table 9-1 of *Deep Learning for Everyone* as written: legacy Keras 2.x numerics.

The lecture's calls (``SGD(lr=0.1, momentum=0.9)``, ``Adam(lr=0.001, ..., decay=0.0)``) no longer
run in Keras 3 (``lr=`` raises, ``decay=`` is ignored). Here they run as written and return a
jaxnn :class:`~jaxnn.optim.Optimizer` that reproduces Keras 2.x's update rules. Each is the core
optimizer with the right options, not a second copy of the math. With ``c`` the update count
before this step, ``t = c + 1`` and ``lr_c = lr / (1 + decay * c)`` (Keras's ``decay``):

    SGD:      v = momentum * v - lr_c * g;  w += v     (nesterov: w += momentum * v - lr_c * g)
    Adagrad:  a = a + g^2 (a_0 = 0);        w -= lr_c * g / (sqrt(a) + epsilon)
    RMSprop:  a = rho * a + (1 - rho) g^2;  w -= lr_c * g / (sqrt(a) + epsilon)
    Adam:     m, v as Adam;  w -= lr_c * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + epsilon)

The table: the book's call (it runs as written here) -> the core jaxnn call it builds -> the
optax equivalent. ``sched`` is ``lambda c: lr / (1 + decay * c)``, or the float ``lr`` when
``decay=0``; every row holds with and without ``decay``.

    SGD(lr=0.1)
      jaxnn  sgd(0.1)
      optax  optax.sgd(0.1)                                                      exact
    SGD(lr=0.1, momentum=0.9)                              (and nesterov=True)
      jaxnn  sgd(0.1, 0.9, lr_in_trace=True)               (nesterov=True)
      optax  optax.chain(optax.scale_by_learning_rate(sched),
                         optax.trace(decay=0.9))           (nesterov=True)       exact
             optax.sgd(0.1, momentum=0.9): equal without decay only (rounding)
    Adagrad(lr=0.01, epsilon=1e-6)
      jaxnn  adagrad(0.01, 0.0, 1e-6, eps_in_sqrt=False)
      optax  none exact (optax puts eps inside the sqrt). The nearest,
             optax.adagrad(0.01, initial_accumulator_value=0.0, eps=1e-6), differs
             by about eps / sqrt(a) relative: 1e-6 once a ~ 1, far more while a
             is tiny. jaxnn validate checks this row against a closed form.
    RMSprop(lr=0.001, rho=0.9, epsilon=1e-08, decay=0.0)
      jaxnn  rmsprop(0.001, 0.9, 1e-8, eps_in_sqrt=False)
      optax  optax.rmsprop(sched, decay=0.9, eps=1e-8, eps_in_sqrt=False)       exact
    Adam(lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-08, decay=0.0)
      jaxnn  adam(0.001, 0.9, 0.999, eps=epsilon_hat(1e-8, 0.999))
      optax  optax.inject_hyperparams(optax.adam, static_args=("b1", "b2"))(
                 sched, b1=0.9, b2=0.999,
                 eps=lambda c: 1e-8 / jnp.sqrt(1 - 0.999 ** (c + 1)))           exact
             optax.adam(0.001): its eps is 1 / sqrt(1 - b2^t) times smaller (31.6
             at t = 1, 1.26 at t = 1000); the steps differ where sqrt(v_hat) is not
             much larger than that eps.

The optax column is what ``jaxnn validate`` runs beside each call. Keras 3 differs again (no
``lr``/``decay``; Adagrad with eps inside the sqrt, an initial accumulator 0.1 and eps 1e-7;
Adam with the optax/PyTorch eps): for Keras 3 numerics use the core optimizers.

Examples:
    >>> import jax.numpy as jnp
    >>> from jaxnn.optim import keras
    >>> opt = keras.SGD(lr=0.1, momentum=0.9, decay=1.0)
    >>> state = opt.init(jnp.zeros(1))
    >>> u, state = opt.update(jnp.ones(1), state)   # v = -0.1
    >>> u, state = opt.update(jnp.ones(1), state)   # v = 0.9 * -0.1 - 0.05
    >>> u
    Array([-0.14], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from jaxnn._validation import (
    check_bool,
    check_finite,
    check_nonnegative,
    check_positive,
    check_unit_interval,
)
from jaxnn.optim.adaptive import adagrad, adam, rmsprop
from jaxnn.optim.base import Optimizer, Schedule, safe_increment
from jaxnn.optim.schedules import inverse_time_decay
from jaxnn.optim.sgd import sgd

__all__ = ["SGD", "Adagrad", "Adam", "RMSprop", "epsilon_hat", "keras_learning_rate"]


def keras_learning_rate(
    lr: Any = None, learning_rate: Any = None, decay: float = 0.0, *, default: float = 0.01
) -> float | Schedule:
    """The learning rate of a legacy Keras call: ``lr`` (or ``learning_rate``) with ``decay``.

    ``decay = 0`` gives the float itself (the core optimizer's constant learning rate); otherwise
    the schedule ``c -> lr / (1 + decay * c)`` (:func:`jaxnn.optim.schedules.inverse_time_decay`).

    Raises:
        ValueError: when both ``lr`` and ``learning_rate`` are given, or a value is out of range.
        TypeError: when the learning rate is not a number.

    Examples:
        >>> keras_learning_rate(lr=0.1)
        0.1
        >>> float(keras_learning_rate(learning_rate=0.1, decay=1.0)(3))
        0.025
    """
    if lr is not None and learning_rate is not None:
        raise ValueError(
            f"pass the learning rate once, as `lr` (Keras 2.x) or `learning_rate` (Keras >= 2.3), "
            f"not both; got lr={lr!r}, learning_rate={learning_rate!r}."
        )
    name = "lr" if lr is not None else "learning_rate" if learning_rate is not None else "default"
    value = lr if lr is not None else learning_rate if learning_rate is not None else default
    if callable(value):
        raise TypeError(
            f"`{name}` must be a positive number in the legacy Keras calls, got a callable "
            f"{value!r}. For a schedule use the core optimizers (jaxnn.optim.sgd, adam, ...)."
        )
    check_positive(name, value, hint="The book uses lr=0.1 (SGD), 0.01 (Adagrad), 0.001 (Adam).")
    check_nonnegative(
        "decay", decay, hint="Keras's decay gives lr / (1 + decay * count); 0 turns it off."
    )
    if decay == 0:
        return value
    return inverse_time_decay(value, decay)


def epsilon_hat(epsilon: float, beta_2: float) -> Schedule:
    """Legacy Keras Adam's "epsilon hat" as an optax-style eps schedule of the count ``c``.

    Keras 2.x adds ``epsilon`` to the *uncorrected* ``sqrt(v)``; in optax/jaxnn terms (eps added
    to ``sqrt(v_hat)``) that is::

        eps(c) = epsilon / sqrt(1 - beta_2^(c + 1))

    Examples:
        >>> round(float(epsilon_hat(1e-8, 0.999)(0)) / 1e-8, 2)   # 1 / sqrt(0.001)
        31.62
    """
    check_nonnegative("epsilon", epsilon)
    check_unit_interval("beta_2", beta_2)

    def schedule(count):  # count + 1 saturates: at count = 2**31 - 1 it must not wrap negative
        return epsilon / jnp.sqrt(1 - beta_2 ** safe_increment(count))

    return schedule


def SGD(
    lr: float | None = None,
    momentum: float = 0.0,
    decay: float = 0.0,
    nesterov: bool = False,
    *,
    learning_rate: float | None = None,
) -> Optimizer:
    """Keras 2.x ``SGD``: momentum with the learning rate inside the velocity.

    Update rule (``lr_c = lr / (1 + decay * c)``)::

        v = momentum * v - lr_c * g;   w += v                 (momentum = 0: w -= lr_c * g)
        nesterov:                      w += momentum * v - lr_c * g     (with the new v)

    Args:
        lr: learning rate (default 0.01); or pass ``learning_rate`` (not both).
        momentum: in [0, 1) (default 0.0: plain SGD; ``nesterov`` then changes nothing).
        decay: inverse-time decay of the learning rate by the update count, ``>= 0``.
        nesterov: Nesterov momentum.
        learning_rate: the Keras >= 2.3 name of ``lr``.

    Returns:
        ``jaxnn.optim.sgd(lr_c, momentum, nesterov, lr_in_trace=True)`` (``sgd(lr_c)`` when
        momentum is 0).

    Note:
        For a constant learning rate this equals ``sgd(lr, momentum)`` (optax's and PyTorch's
        ``SGD(lr, momentum)``); under ``decay`` the two differ, because the optax/PyTorch buffer
        holds gradients and the learning rate multiplies it afterwards.

    Examples:
        >>> import jax.numpy as jnp
        >>> opt = SGD(lr=0.1)
        >>> opt.update(jnp.ones(1), opt.init(jnp.zeros(1)))[0]
        Array([-0.1], dtype=float32)
    """
    rate = keras_learning_rate(lr, learning_rate, decay, default=0.01)
    check_finite("momentum", momentum)
    check_unit_interval("momentum", momentum, hint="The book uses momentum=0.9.")
    check_bool("nesterov", nesterov)
    if momentum == 0:
        return sgd(rate)
    return sgd(rate, momentum, nesterov, lr_in_trace=True)


def Adagrad(
    lr: float | None = None,
    epsilon: float = 1e-6,
    decay: float = 0.0,
    *,
    learning_rate: float | None = None,
) -> Optimizer:
    """Keras 2.x ``Adagrad``: accumulator from 0, eps outside the sqrt.

    Update rule::

        a = a + g^2   (a_0 = 0);   w -= lr_c * g / (sqrt(a) + epsilon)

    Args:
        lr: learning rate (default 0.01); or ``learning_rate``.
        epsilon: ``>= 0`` (default 1e-6, the book's value; Keras releases changed this default,
            so pass it explicitly to match a particular one).
        decay: inverse-time decay of the learning rate, ``>= 0``.
        learning_rate: the Keras >= 2.3 name of ``lr``.

    Returns:
        ``jaxnn.optim.adagrad(lr_c, initial_accumulator_value=0.0, eps=epsilon,
        eps_in_sqrt=False)``.

    Note:
        No optax call is exact (optax puts eps inside the sqrt); PyTorch's ``Adagrad`` is the
        same rule with eps 1e-10 and ``lr_decay`` in place of ``decay``.

    Examples:
        >>> import jax.numpy as jnp
        >>> opt = Adagrad(lr=0.01, epsilon=0.0)
        >>> opt.update(jnp.array([-2.0]), opt.init(jnp.zeros(1)))[0]
        Array([0.01], dtype=float32)
    """
    rate = keras_learning_rate(lr, learning_rate, decay, default=0.01)
    check_nonnegative("epsilon", epsilon, hint="The book uses epsilon=1e-6.")
    return adagrad(rate, initial_accumulator_value=0.0, eps=epsilon, eps_in_sqrt=False)


def RMSprop(
    lr: float | None = None,
    rho: float = 0.9,
    epsilon: float = 1e-8,
    decay: float = 0.0,
    *,
    learning_rate: float | None = None,
) -> Optimizer:
    """Keras 2.x ``RMSprop``: eps outside the sqrt.

    Update rule::

        a = rho * a + (1 - rho) * g^2   (a_0 = 0);   w -= lr_c * g / (sqrt(a) + epsilon)

    Args:
        lr: learning rate (default 0.001); or ``learning_rate``.
        rho: decay of the running mean of ``g^2``, in [0, 1).
        epsilon: ``>= 0``.
        decay: inverse-time decay of the learning rate, ``>= 0``.
        learning_rate: the Keras >= 2.3 name of ``lr``.

    Returns:
        ``jaxnn.optim.rmsprop(lr_c, decay=rho, eps=epsilon, eps_in_sqrt=False)``; optax:
        ``optax.rmsprop(lr_c, decay=rho, eps=epsilon, eps_in_sqrt=False)`` (exact).

    Examples:
        >>> import jax.numpy as jnp
        >>> opt = RMSprop(lr=0.1, rho=0.0, epsilon=0.0)
        >>> opt.update(jnp.array([4.0]), opt.init(jnp.zeros(1)))[0]
        Array([-0.1], dtype=float32)
    """
    rate = keras_learning_rate(lr, learning_rate, decay, default=0.001)
    check_unit_interval("rho", rho, hint="The book uses rho=0.9.")
    check_nonnegative("epsilon", epsilon, hint="The book uses epsilon=1e-08.")
    return rmsprop(rate, decay=rho, eps=epsilon, eps_in_sqrt=False)


def Adam(
    lr: float | None = None,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    epsilon: float = 1e-8,
    decay: float = 0.0,
    *,
    learning_rate: float | None = None,
) -> Optimizer:
    """Keras 2.x ``Adam``: the bias corrections folded into the step size ("epsilon hat").

    Update rule (``t = c + 1``)::

        m = beta_1 * m + (1 - beta_1) * g;   v = beta_2 * v + (1 - beta_2) * g^2
        lr_t = lr_c * sqrt(1 - beta_2^t) / (1 - beta_1^t)
        w -= lr_t * m / (sqrt(v) + epsilon)

    Args:
        lr: learning rate (default 0.001); or ``learning_rate``.
        beta_1, beta_2: moment decays in [0, 1).
        epsilon: ``>= 0``; it acts on the uncorrected ``sqrt(v)``.
        decay: inverse-time decay of the learning rate, ``>= 0``.
        learning_rate: the Keras >= 2.3 name of ``lr``.

    Returns:
        ``jaxnn.optim.adam(lr_c, beta_1, beta_2, eps=epsilon_hat(epsilon, beta_2))``.

    Note:
        optax's ``adam`` and PyTorch's ``Adam`` add eps to the corrected ``sqrt(v_hat)``: at
        ``t = 1`` legacy Keras's eps is ``1 / sqrt(1 - beta_2)`` (31.6) times larger in those
        terms. With ``epsilon=0`` all three coincide.

    Examples:
        >>> import jax.numpy as jnp
        >>> opt = Adam(lr=0.001)
        >>> opt.update(jnp.array([0.5]), opt.init(jnp.zeros(1)))[0]
        Array([-0.001], dtype=float32)
    """
    rate = keras_learning_rate(lr, learning_rate, decay, default=0.001)
    check_unit_interval("beta_1", beta_1, hint="The book uses beta_1=0.9.")
    check_unit_interval("beta_2", beta_2, hint="The book uses beta_2=0.999.")
    check_nonnegative("epsilon", epsilon, hint="The book uses epsilon=1e-08.")
    return adam(rate, beta_1, beta_2, eps=epsilon_hat(epsilon, beta_2))
