"""Hand-written optimizers with optax's contract, names and numerics.

Every optimizer is an :class:`Optimizer` ``(init, update)``; see :mod:`jaxnn.optim.base` for the
contract. The math is written here, never imported from optax; the test suite and
``jaxnn validate`` prove each one equal to its optax twin step by step.

    ======================  ============================  ====================================
    seed (Table 9-1)        jaxnn                         optax
    ======================  ============================  ====================================
    SGD                     ``sgd(lr)``                   ``optax.sgd(lr)``
    momentum                ``momentum(lr, 0.9)``         ``optax.sgd(lr, momentum=0.9)``
    Nesterov                ``nesterov(lr, 0.9)``         ``optax.sgd(lr, 0.9, nesterov=True)``
    Adagrad                 ``adagrad(lr)``               ``optax.adagrad(lr)``
    RMSProp                 ``rmsprop(lr)``               ``optax.rmsprop(lr)``
    Adam                    ``adam(lr)``                  ``optax.adam(lr)``
    AdamW                   ``adamw(lr)``                 ``optax.adamw(lr)``
    Nadam                   ``nadam(lr)``                 ``optax.nadam(lr)``
    AMSGrad                 ``amsgrad(lr)``               ``optax.amsgrad(lr)``
    Adamax                  ``adamax(lr)``                ``optax.adamax(lr)``
    Adadelta                ``adadelta()`` (lr 1.0)       ``optax.adadelta(learning_rate=1.0)``
    Lion                    ``lion(lr)``                  ``optax.lion(lr)``
    element-wise clipping   ``clip(d)``                   ``optax.clip(d)``
    global-norm clipping    ``clip_by_global_norm(n)``    ``optax.clip_by_global_norm(n)``
    weight decay            ``add_decayed_weights(wd)``   ``optax.add_decayed_weights(wd)``
    NaN/inf guard           ``skip_nonfinite(opt)``       ``optax.apply_if_finite(opt, n)``
    ======================  ============================  ====================================

The book's calls with their Keras names and legacy Keras 2.x numerics are in
:mod:`jaxnn.optim.keras` (``keras.SGD(lr=0.1, momentum=0.9)``, ``keras.Adam(lr=0.001, ...)``).

Examples:
    >>> import jax, jax.numpy as jnp
    >>> from jaxnn import optim
    >>> opt = optim.adam(0.1)
    >>> params = {"x": jnp.array(3.0)}
    >>> state = opt.init(params)
    >>> @jax.jit
    ... def step(params, state):
    ...     grads = jax.grad(lambda p: p["x"] ** 2)(params)
    ...     updates, state = opt.update(grads, state, params)
    ...     return optim.apply_updates(params, updates), state
    >>> for _ in range(100):
    ...     params, state = step(params, state)
    >>> bool(abs(params["x"]) < 0.5)
    True
"""

from jaxnn.optim import keras, schedules
from jaxnn.optim.adaptive import (
    AdadeltaState,
    AdagradState,
    AdamaxState,
    AdamState,
    AmsgradState,
    LionState,
    RmspropState,
    adadelta,
    adagrad,
    adam,
    adamax,
    adamw,
    amsgrad,
    lion,
    nadam,
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
from jaxnn.optim.clipping import clip, clip_by_global_norm, global_norm
from jaxnn.optim.sgd import SgdState, momentum, nesterov, sgd
from jaxnn.optim.weight_decay import AddDecayedWeightsState, add_decayed_weights
from jaxnn.optim.wrappers import SkipNonfiniteState, all_finite, skip_nonfinite

__all__ = [
    "AdadeltaState",
    "AdagradState",
    "AdamState",
    "AdamaxState",
    "AddDecayedWeightsState",
    "AmsgradState",
    "EmptyState",
    "LionState",
    "Optimizer",
    "RmspropState",
    "SgdState",
    "SkipNonfiniteState",
    "adadelta",
    "adagrad",
    "adam",
    "adamax",
    "adamw",
    "add_decayed_weights",
    "all_finite",
    "amsgrad",
    "apply_updates",
    "chain",
    "clip",
    "clip_by_global_norm",
    "global_norm",
    "identity",
    "keras",
    "lion",
    "momentum",
    "nadam",
    "nesterov",
    "rmsprop",
    "safe_increment",
    "schedules",
    "sgd",
    "skip_nonfinite",
]
