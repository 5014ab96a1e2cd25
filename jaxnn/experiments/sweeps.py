"""Research sweeps: learning-rate sensitivity of the Table 9-1 optimizers and XOR solve rates.

Both run on :func:`jaxnn.train.sweep` (every seed and learning rate of a grid in one compiled
program):

- :func:`lr_sensitivity`: for each optimizer of the book's Table 9-1, the final training loss of the
  digits MLP (median and quartiles over seeds) against the learning rate on a log grid;
- :func:`xor_solve_rate`: the share of seeds for which a ``2-h-1`` tanh net solves XOR (all
  four points on the right side of 0.5), for each hidden width ``h`` and optimizer.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxnn import data, losses, nn, optim, train
from jaxnn._validation import (
    as_real_array,
    check_bool,
    check_choice,
    check_int,
    check_positive,
    check_sequence,
)
from jaxnn.experiments.optimizers import OPTIMIZERS, _classification_data, _classifier_fns

__all__ = [
    "XOR_LEARNING_RATES",
    "LrCurve",
    "LrSensitivity",
    "XorSolveRate",
    "lr_sensitivity",
    "xor_solve_rate",
]

XOR_LEARNING_RATES: dict[str, float] = {"sgd": 0.5, "momentum": 0.1, "adam": 0.05}
"""Default learning rate of each optimizer in :func:`xor_solve_rate` (any name of
:data:`jaxnn.experiments.optimizers.OPTIMIZERS` may be given a rate)."""


@functools.cache
def _make_optimizer(name: str):
    """``make_optimizer(learning_rate)`` for a Table 9-1 name, its other settings fixed
    (cached: the same function object lets a second sweep reuse the compiled program)."""
    factory, kwargs = OPTIMIZERS[name]
    others = {k: v for k, v in kwargs.items() if k != "learning_rate"}
    return functools.partial(getattr(optim, factory), **others)


def _check_names(optimizers: Any, default: Sequence[str]) -> tuple[str, ...]:
    if optimizers is None:
        return tuple(default)
    if isinstance(optimizers, str):
        optimizers = (optimizers,)
    names = check_sequence("optimizers", optimizers, "optimizer names")
    if not names:
        raise ValueError("`optimizers` must name at least one optimizer, got an empty sequence.")
    for name in names:
        check_choice("optimizers", name, tuple(OPTIMIZERS))
    return names


class LrCurve(NamedTuple):
    """One optimizer of :func:`lr_sensitivity`.

    Attributes:
        name: the Table 9-1 name.
        learning_rates: ``(L,)`` the grid.
        final_loss: ``(L, K)`` the last-epoch training loss of every run (inf where it diverged).
        median: ``(L,)`` median over seeds of ``final_loss``.
        low: ``(L,)`` its 25th percentile.
        high: ``(L,)`` its 75th percentile.
        diverged: ``(L,)`` the share of seeds that diverged.
        best_learning_rate: the rate with the lowest median.
    """

    name: str
    learning_rates: np.ndarray
    final_loss: np.ndarray
    median: np.ndarray
    low: np.ndarray
    high: np.ndarray
    diverged: np.ndarray
    best_learning_rate: float


class LrSensitivity(NamedTuple):
    """The result of :func:`lr_sensitivity`.

    Attributes:
        curves: one :class:`LrCurve` per optimizer.
        dataset: ``"digits"`` or ``"blobs"`` (generated without scikit-learn).
        sizes: the MLP's layer widths.
        batch_size: examples per update.
        epochs: epochs per run.
        seeds: seeds per learning rate.
        compile_time: seconds compiling (all optimizers).
        run_time: seconds training (all optimizers, compilation excluded).
    """

    curves: tuple[LrCurve, ...]
    dataset: str
    sizes: tuple[int, ...]
    batch_size: int
    epochs: int
    seeds: int
    compile_time: float
    run_time: float


def lr_sensitivity(
    *,
    key: jax.Array | None = None,
    dataset: str = "auto",
    optimizers: Sequence[str] | None = None,
    learning_rates: Sequence[float] | None = None,
    seeds: int | None = None,
    hidden: int = 32,
    batch_size: int = 64,
    epochs: int | None = None,
    quick: bool = False,
) -> LrSensitivity:
    """Final training loss against learning rate for each Table 9-1 optimizer, over seeds.

    For each optimizer, one :func:`jaxnn.train.sweep` trains the ``features-hidden-classes``
    ReLU MLP (He initialization, softmax cross-entropy) on the standardized digits (the first
    ``batch_size * (n // batch_size)`` examples, so that every batch has the same size) for every
    ``(learning rate, seed)`` pair: each seed its own initialization and minibatch order. A run's
    final loss is its last epoch's mean batch loss (inf if it diverged); the curve is the median
    and quartiles over seeds.

    Args:
        key: a JAX PRNG key (default ``jax.random.key(0)``): the seeds' keys are split from it.
        dataset: ``"digits"``, ``"blobs"`` (generated 1797 x 64, 10 classes) or ``"auto"``
            (default: digits when scikit-learn is installed).
        optimizers: names from :data:`jaxnn.experiments.optimizers.OPTIMIZERS` (default: all six).
        learning_rates: the grid (default ``logspace(-4, 0, 9)``; 4 points with ``quick``).
        seeds: seeds per learning rate (default 8; 3 with ``quick``).
        hidden: hidden width (default 32).
        batch_size: examples per update (default 64).
        epochs: epochs per run (default 5; 1 with ``quick``).
        quick: a small grid for tests and ``--quick``.

    Returns:
        An :class:`LrSensitivity`.

    Examples:
        >>> r = lr_sensitivity(optimizers=["sgd"], learning_rates=[0.01, 0.1], seeds=2,
        ...                    hidden=8, epochs=1, batch_size=256)
        >>> c = r.curves[0]
        >>> c.name, c.final_loss.shape, bool(c.median[1] < c.median[0])
        ('sgd', (2, 2), True)
    """
    check_bool("quick", quick)
    names = _check_names(optimizers, tuple(OPTIMIZERS))
    if learning_rates is None:
        learning_rates = np.logspace(-3, 0, 4) if quick else np.logspace(-4, 0, 9)
    elif not isinstance(learning_rates, str | bytes | dict):
        learning_rates = np.asarray(as_real_array("learning_rates", learning_rates))
    seeds = (3 if quick else 8) if seeds is None else check_int("seeds", seeds, minimum=1)
    hidden = check_int("hidden", hidden, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    epochs = (1 if quick else 5) if epochs is None else check_int("epochs", epochs, minimum=1)
    key = jax.random.key(0) if key is None else key
    k_data, k_seeds = jax.random.split(key)
    dataset, x, y = _classification_data(dataset, k_data)
    batch_size = min(batch_size, x.shape[0])
    n = (x.shape[0] // batch_size) * batch_size  # equal batches: one step shape to compile
    x, y = data.standardize(x[:n]), y[:n]
    classes = int(jnp.max(y)) + 1
    sizes = (int(x.shape[1]), hidden, classes)
    loss_fn, _ = _classifier_fns("relu")
    init = _mlp_init(sizes, "he_normal")
    keys = jax.random.split(k_seeds, seeds)
    curves, compile_time, run_time = [], 0.0, 0.0
    for name in names:
        r = train.sweep(
            loss_fn,
            init,
            _make_optimizer(name),
            x,
            y,
            keys=keys,
            learning_rates=learning_rates,
            batch_size=batch_size,
            epochs=epochs,
            progress=False,
        )
        compile_time += r.compile_time
        run_time += r.run_time
        final = np.where(r.diverged, np.inf, np.asarray(r.final_loss, np.float64))
        median = np.median(final, axis=1)
        curves.append(
            LrCurve(
                name=name,
                learning_rates=np.asarray(r.learning_rates),
                final_loss=final,
                median=median,
                low=np.percentile(final, 25, axis=1),
                high=np.percentile(final, 75, axis=1),
                diverged=r.diverged.mean(axis=1),
                best_learning_rate=float(r.learning_rates[int(np.argmin(median))]),
            )
        )
    return LrSensitivity(
        tuple(curves), dataset, sizes, batch_size, epochs, seeds, compile_time, run_time
    )


@functools.cache
def _mlp_init(sizes: tuple[int, ...], init: str):
    return functools.partial(nn.init_mlp, sizes=list(sizes), init=init)


@functools.cache
def _xor_fns():
    def loss_fn(params, x, y):
        logits = nn.mlp(params, x, activation="tanh")[:, 0]
        return losses.sigmoid_binary_cross_entropy(logits, y.astype(logits.dtype))

    def solved(params, x, y):
        logits = nn.mlp(params, x, activation="tanh")[:, 0]
        return jnp.all((logits > 0) == (y > 0))

    return loss_fn, solved


class XorSolveRate(NamedTuple):
    """The result of :func:`xor_solve_rate`.

    Attributes:
        hidden: the hidden widths tried.
        optimizers: the optimizer names.
        learning_rates: each optimizer's learning rate.
        solve_rate: ``(len(optimizers), len(hidden))`` the share of seeds that solved XOR.
        solved: ``(len(optimizers), len(hidden), seeds)`` bool, per seed.
        final_loss: ``(len(optimizers), len(hidden), seeds)`` the last epoch's loss (inf if the
            run diverged).
        seeds: seeds per cell.
        epochs: full-batch epochs per run.
    """

    hidden: tuple[int, ...]
    optimizers: tuple[str, ...]
    learning_rates: dict[str, float]
    solve_rate: np.ndarray
    solved: np.ndarray
    final_loss: np.ndarray
    seeds: int
    epochs: int


def xor_solve_rate(
    *,
    key: jax.Array | None = None,
    hidden: Sequence[int] | None = None,
    optimizers: Sequence[str] | None = None,
    learning_rates: Mapping[str, float] | None = None,
    seeds: int | None = None,
    epochs: int | None = None,
    quick: bool = False,
) -> XorSolveRate:
    """How often a ``2-h-1`` tanh net solves XOR, over many seeds, per width and optimizer.

    Each cell ``(optimizer, h)`` is one :func:`jaxnn.train.sweep` of full-batch training with
    sigmoid binary cross-entropy from ``seeds`` random initializations (``nn.init_mlp``'s
    default, ``[2, h, 1]``). A run solves XOR when all four logits have the sign of their
    targets after the last epoch (a diverged run never does).

    Args:
        key: a JAX PRNG key (default ``jax.random.key(0)``); seeds are split from it, the same
            seeds for every cell.
        hidden: hidden widths (default ``(2, 3, 4, 8)``; ``(2, 4)`` with ``quick``).
        optimizers: names from :data:`jaxnn.experiments.optimizers.OPTIMIZERS` (default sgd,
            momentum, adam; sgd and adam with ``quick``).
        learning_rates: ``{name: rate}`` overriding :data:`XOR_LEARNING_RATES` (an optimizer
            without a rate there gets its :data:`~jaxnn.experiments.optimizers.OPTIMIZERS` rate).
        seeds: seeds per cell (default 100; 16 with ``quick``).
        epochs: full-batch epochs (default 1000; 200 with ``quick``).
        quick: also fewer widths ``(2, 4)`` and optimizers (sgd, adam) unless given.

    Returns:
        An :class:`XorSolveRate`.

    Examples:
        >>> r = xor_solve_rate(hidden=(4,), optimizers=["adam"], seeds=8, epochs=300)
        >>> r.solve_rate.shape, bool(r.solve_rate[0, 0] > 0.5)
        ((1, 1), True)
    """
    check_bool("quick", quick)
    names = _check_names(optimizers, ("sgd", "adam") if quick else tuple(XOR_LEARNING_RATES))
    if hidden is None:
        hidden = (2, 4) if quick else (2, 3, 4, 8)
    if isinstance(hidden, int | np.integer):
        hidden = (hidden,)
    hidden = check_sequence("hidden", hidden, "hidden widths")
    hidden = tuple(check_int("hidden", h, minimum=1) for h in hidden)
    if not hidden:
        raise ValueError("`hidden` must list at least one width, e.g. hidden=(2, 4).")
    rates = dict(XOR_LEARNING_RATES)
    if learning_rates is not None:
        if not isinstance(learning_rates, Mapping):
            raise TypeError(
                f"`learning_rates` must be a mapping {{name: rate}}, got {learning_rates!r}."
            )
        for name, rate in learning_rates.items():
            check_positive(f"learning_rates[{name!r}]", rate)
        rates.update(learning_rates)
    rates = {n: float(rates.get(n, OPTIMIZERS[n][1]["learning_rate"])) for n in names}
    seeds = (16 if quick else 100) if seeds is None else check_int("seeds", seeds, minimum=1)
    epochs = (200 if quick else 1000) if epochs is None else check_int("epochs", epochs, minimum=1)
    key = jax.random.key(0) if key is None else key
    keys = jax.random.split(key, seeds)
    x, y = data.xor()
    loss_fn, solved_fn = _xor_fns()
    solved = np.zeros((len(names), len(hidden), seeds), bool)
    final = np.zeros((len(names), len(hidden), seeds))
    for i, name in enumerate(names):
        for j, h in enumerate(hidden):
            r = train.sweep(
                loss_fn,
                _mlp_init((2, h, 1), "glorot_normal"),
                _make_optimizer(name),
                x,
                y,
                keys=keys,
                learning_rates=[rates[name]],
                epochs=epochs,
                progress=False,
            )
            ok = jax.vmap(solved_fn, in_axes=(0, None, None))(
                jax.tree.map(lambda a: a[0], r.params), x, y
            )
            solved[i, j] = np.asarray(ok) & ~r.diverged[0]
            final[i, j] = np.where(r.diverged[0], np.inf, r.final_loss[0])
    return XorSolveRate(hidden, names, rates, solved.mean(axis=2), solved, final, seeds, epochs)
