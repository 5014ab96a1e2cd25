"""Hand-written optimizers with optax's contract, names and numerics.

Every optimizer is an :class:`Optimizer` ``(init, update)``; see :mod:`jaxnn.optim.base` for the
contract. The math is written here, never imported from optax; the test suite and
``jaxnn validate`` prove each one equal to its optax twin step by step.

    ================  ======================  ======================================
    seed (Table 9-1)  jaxnn                   optax
    ================  ======================  ======================================
    SGD               ``sgd(lr)``             ``optax.sgd(lr)``
    momentum          ``momentum(lr, 0.9)``   ``optax.sgd(lr, momentum=0.9)``
    Nesterov          ``nesterov(lr, 0.9)``   ``optax.sgd(lr, 0.9, nesterov=True)``
    Adagrad           ``adagrad(lr)``         ``optax.adagrad(lr)``
    RMSProp           ``rmsprop(lr)``         ``optax.rmsprop(lr)``
    Adam              ``adam(lr)``            ``optax.adam(lr)``
    ================  ======================  ======================================

Examples:
    >>> import jax, jax.numpy as jnp
    >>> from jaxnn import optim
    >>> opt = optim.adam(0.1)
    >>> params = {"x": jnp.array(3.0)}
    >>> state = opt.init(params)
    >>> for _ in range(100):
    ...     grads = jax.grad(lambda p: p["x"] ** 2)(params)
    ...     updates, state = opt.update(grads, state, params)
    ...     params = optim.apply_updates(params, updates)
    >>> bool(abs(params["x"]) < 0.5)
    True
"""

from jaxnn.optim import schedules
from jaxnn.optim.adaptive import (
    AdagradState,
    AdamState,
    RmspropState,
    adagrad,
    adam,
    rmsprop,
)
from jaxnn.optim.base import (
    EmptyState,
    Optimizer,
    apply_updates,
    chain,
    identity,
    safe_increment,
)
from jaxnn.optim.sgd import SgdState, momentum, nesterov, sgd

__all__ = [
    "AdagradState",
    "AdamState",
    "EmptyState",
    "Optimizer",
    "RmspropState",
    "SgdState",
    "adagrad",
    "adam",
    "apply_updates",
    "chain",
    "identity",
    "momentum",
    "nesterov",
    "rmsprop",
    "safe_increment",
    "schedules",
    "sgd",
]
