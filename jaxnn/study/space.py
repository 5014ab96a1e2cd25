"""Per-optimizer hyperparameter search spaces for the study's tuning budgets.

Each optimizer of :mod:`jaxnn.optim` the study knows has its default hyperparameters and the
ranges a random draw samples from (the ranges follow the spirit of Schmidt, Schneider & Hennig
2021, Table 3: a log-uniform learning rate over several decades, the other hyperparameters over
their usual intervals):

    hyperparameter   drawn as
    learning_rate    log-uniform over the optimizer's range (below)
    momentum         uniform [0.5, 0.99]              (momentum, nesterov)
    b1               uniform [0.5, 0.99]              (Adam family, Lion)
    b2               1 - log-uniform [1e-4, 1e-1]     (Adam family; Lion: [1e-3, 1e-1])
    decay, rho       uniform [0.8, 0.999] / [0.8, 0.99]  (RMSProp / Adadelta)
    weight_decay     log-uniform [1e-5, 1e-2]         (AdamW, Lion)

A budget of ``B`` draws is ``B`` independent draws; budget 1 means "the defaults", no draw.
Draw ``i`` depends only on the study's key, the problem's and optimizer's names and ``i``, so
budget 8's draws are the first 8 of budget 32's (nested budgets, one set of tuning runs).

Every hyperparameter is passed to the optimizer's factory as a traced scalar (the study vmaps
over draws); every jaxnn optimizer listed here accepts traced values for all of them.

Examples:
    >>> s = get_space("adam")
    >>> s.defaults["learning_rate"], [h.name for h in s.ranges]
    (0.001, ['learning_rate', 'b1', 'b2'])
    >>> import jax
    >>> d = draws(s, jax.random.key(0), 3)
    >>> sorted(d), d["learning_rate"].shape
    (['b1', 'b2', 'learning_rate'], (3,))
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxnn import optim

__all__ = [
    "TABLE_9_1",
    "ALL_OPTIMIZERS",
    "Hyper",
    "Space",
    "defaults",
    "draw_key",
    "draws",
    "get_space",
    "name_id",
]

TABLE_9_1 = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
ALL_OPTIMIZERS = (*TABLE_9_1, "adamw", "nadam", "amsgrad", "adamax", "adadelta", "lion")


class Hyper(NamedTuple):
    """One tuned hyperparameter: ``name`` drawn over ``[low, high]``.

    ``scale``: ``"log"`` (log-uniform), ``"linear"`` (uniform) or ``"one_minus_log"``
    (``1 - v`` with ``v`` log-uniform over ``[low, high]``, for decay rates near 1).
    """

    name: str
    low: float
    high: float
    scale: str = "log"

    def sample(self, u: jax.Array) -> jax.Array:
        """Maps ``u`` uniform on [0, 1) to this range."""
        lo, hi = np.float32(self.low), np.float32(self.high)
        if self.scale == "linear":
            return lo + u * (hi - lo)
        v = jnp.exp(jnp.log(lo) + u * (jnp.log(hi) - jnp.log(lo)))
        return 1.0 - v if self.scale == "one_minus_log" else v


class Space(NamedTuple):
    """An optimizer's search space: ``factory(**hparams)``, its ``defaults`` and ``ranges``."""

    name: str
    factory: Callable
    defaults: dict
    ranges: tuple[Hyper, ...]


_B1 = Hyper("b1", 0.5, 0.99, "linear")
_B2 = Hyper("b2", 1e-4, 1e-1, "one_minus_log")


def _space(name: str, lr: float, lr_range: tuple, *others: tuple[Hyper, float]) -> Space:
    ranges = (Hyper("learning_rate", *lr_range), *(h for h, _ in others))
    defaults = {"learning_rate": lr, **{h.name: d for h, d in others}}
    return Space(name, getattr(optim, name), defaults, ranges)


_SGD_LR, _ADAPTIVE_LR = (1e-3, 1.0), (1e-4, 1e-1)
_SPACES = {
    s.name: s
    for s in (
        _space("sgd", 0.01, _SGD_LR),
        _space("momentum", 0.01, _SGD_LR, (Hyper("momentum", 0.5, 0.99, "linear"), 0.9)),
        _space("nesterov", 0.01, _SGD_LR, (Hyper("momentum", 0.5, 0.99, "linear"), 0.9)),
        _space("adagrad", 0.01, (1e-3, 1.0)),
        _space("rmsprop", 0.001, _ADAPTIVE_LR, (Hyper("decay", 0.8, 0.999, "linear"), 0.9)),
        _space("adam", 0.001, _ADAPTIVE_LR, (_B1, 0.9), (_B2, 0.999)),
        _space(
            "adamw",
            0.001,
            _ADAPTIVE_LR,
            (_B1, 0.9),
            (_B2, 0.999),
            (Hyper("weight_decay", 1e-5, 1e-2), 1e-4),
        ),
        _space("nadam", 0.001, _ADAPTIVE_LR, (_B1, 0.9), (_B2, 0.999)),
        _space("amsgrad", 0.001, _ADAPTIVE_LR, (_B1, 0.9), (_B2, 0.999)),
        _space("adamax", 0.002, _ADAPTIVE_LR, (_B1, 0.9), (_B2, 0.999)),
        _space("adadelta", 1.0, (1e-2, 10.0), (Hyper("rho", 0.8, 0.99, "linear"), 0.9)),
        _space(
            "lion",
            1e-4,
            (1e-5, 1e-2),
            (_B1, 0.9),
            (Hyper("b2", 1e-3, 1e-1, "one_minus_log"), 0.99),
            (Hyper("weight_decay", 1e-5, 1e-2), 1e-3),
        ),
    )
}


def get_space(name: str | Space) -> Space:
    """The search space of optimizer ``name`` (a :class:`Space` passes through).

    Raises:
        ValueError: an unknown optimizer name, listing the known ones.
    """
    if isinstance(name, Space):
        return name
    if not isinstance(name, str) or name not in _SPACES:
        raise ValueError(
            f"unknown optimizer {name!r} for the study: choose from {', '.join(_SPACES)}."
        )
    return _SPACES[name]


def name_id(name: str) -> int:
    """A stable 31-bit number for a name (CRC-32), to fold names into keys reproducibly."""
    return zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF


def draw_key(key: jax.Array, problem: str, optimizer: str) -> jax.Array:
    """The key of the draws of one (problem, optimizer): ``key`` folded with both names."""
    return jax.random.fold_in(jax.random.fold_in(key, name_id(problem)), name_id(optimizer))


def draws(space: Space, key: jax.Array, count: int) -> dict[str, np.ndarray]:
    """``count`` random draws of ``space``: ``{name: (count,) float32}``.

    Draw ``i`` is ``u = uniform(fold_in(key, i), (len(space.ranges),))`` mapped through each
    :class:`Hyper` in order, so the first ``k`` draws do not depend on ``count``. Names of the
    defaults not in ``space.ranges`` keep their default value.
    """
    u = jax.vmap(lambda i: jax.random.uniform(jax.random.fold_in(key, i), (len(space.ranges),)))(
        jnp.arange(count)
    )
    out = {name: np.full(count, value, np.float32) for name, value in space.defaults.items()}
    for j, h in enumerate(space.ranges):
        out[h.name] = np.asarray(h.sample(u[:, j]), np.float32)
    return out


def defaults(space: Space) -> dict[str, np.ndarray]:
    """The defaults as one "draw": ``{name: (1,) float32}``."""
    return {name: np.array([value], np.float32) for name, value in space.defaults.items()}
