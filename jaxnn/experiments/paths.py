"""Ch. 9.4, figure 9-6: the paths optimizers take on 2-D test surfaces.

:func:`optimizer_paths` runs several optimizers from the same start on one surface of
:mod:`jaxnn.surfaces` (each path one compiled ``lax.scan``) and measures where they end: final
point and loss, distance to the minimum, the first step within ``tol`` of it, and the first step
that leaves the plot bounds (divergence, or escaping the saddle). :func:`ill_conditioned_story`
is the momentum story of the chapter on ``0.1 x1^2 + 2 x2^2``: gradient descent converges with
lr 0.4, diverges in ``x2`` with lr 0.6, and momentum 0.5 at lr 0.6 damps the zig-zag.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from jaxnn import optim
from jaxnn._validation import check_int, check_positive
from jaxnn.surfaces import Surface, first_exit, get, optimize_path

__all__ = [
    "DEFAULT_HYPERPARAMETERS",
    "PathStats",
    "PathsResult",
    "default_optimizers",
    "ill_conditioned_story",
    "optimizer_paths",
    "paths_table",
]

# Per surface: the book's six optimizers with learning rates that converge from the surface's
# start (measured: each one is stable there; larger ones diverge, e.g. sgd 2e-3 and momentum
# 1.2e-3 on Rosenbrock). Other hyperparameters keep jaxnn's (optax's) defaults.
DEFAULT_HYPERPARAMETERS: dict[str, dict[str, tuple[str, dict[str, float]]]] = {
    "quadratic": {
        "sgd": ("sgd", {"learning_rate": 0.4}),
        "momentum": ("momentum", {"learning_rate": 0.4, "momentum": 0.5}),
        "nesterov": ("nesterov", {"learning_rate": 0.3, "momentum": 0.5}),
        "adagrad": ("adagrad", {"learning_rate": 1.0}),
        "rmsprop": ("rmsprop", {"learning_rate": 0.1}),
        "adam": ("adam", {"learning_rate": 0.5}),
    },
    "rosenbrock": {
        "sgd": ("sgd", {"learning_rate": 1e-3}),
        "momentum": ("momentum", {"learning_rate": 1e-3, "momentum": 0.9}),
        "nesterov": ("nesterov", {"learning_rate": 5e-4, "momentum": 0.9}),
        "adagrad": ("adagrad", {"learning_rate": 1.0}),
        "rmsprop": ("rmsprop", {"learning_rate": 1e-2}),
        "adam": ("adam", {"learning_rate": 0.1}),
    },
    "beale": {
        "sgd": ("sgd", {"learning_rate": 1e-2}),
        "momentum": ("momentum", {"learning_rate": 3e-3, "momentum": 0.9}),
        "nesterov": ("nesterov", {"learning_rate": 3e-3, "momentum": 0.9}),
        "adagrad": ("adagrad", {"learning_rate": 0.5}),
        "rmsprop": ("rmsprop", {"learning_rate": 3e-3}),
        "adam": ("adam", {"learning_rate": 0.05}),
    },
    "saddle": {
        "sgd": ("sgd", {"learning_rate": 0.1}),
        "momentum": ("momentum", {"learning_rate": 0.1, "momentum": 0.9}),
        "nesterov": ("nesterov", {"learning_rate": 0.1, "momentum": 0.9}),
        "adagrad": ("adagrad", {"learning_rate": 0.5}),
        "rmsprop": ("rmsprop", {"learning_rate": 0.05}),
        "adam": ("adam", {"learning_rate": 0.1}),
    },
}
"""``{surface: {name: (jaxnn.optim factory, kwargs)}}`` behind :func:`default_optimizers`."""


@functools.cache
def _default_optimizers(surface: str) -> tuple[tuple[str, optim.Optimizer], ...]:
    # Cached so repeated runs reuse the same Optimizer objects, hence the compiled paths.
    return tuple(
        (name, getattr(optim, factory)(**kwargs))
        for name, (factory, kwargs) in DEFAULT_HYPERPARAMETERS[surface].items()
    )


def default_optimizers(surface: str | Surface) -> dict[str, optim.Optimizer]:
    """The book's six optimizers with learning rates suited to ``surface``.

    sgd, momentum, nesterov, adagrad, rmsprop and adam, as listed in
    :data:`DEFAULT_HYPERPARAMETERS` (a custom :class:`~jaxnn.surfaces.Surface` gets the
    Rosenbrock settings, the most cautious).

    Examples:
        >>> list(default_optimizers("beale"))
        ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam']
    """
    name = get(surface).name
    return dict(_default_optimizers(name if name in DEFAULT_HYPERPARAMETERS else "rosenbrock"))


class PathStats(NamedTuple):
    """Where one optimizer's path ended.

    Attributes:
        final_point: ``(2,)`` NumPy array, the last point (``inf``/``nan`` when it diverged).
        final_loss: ``f(final_point)`` as a float.
        distance: Euclidean distance from the final point to the minimum (``None`` without one).
        steps_to_minimum: the first step ``k`` with ``|path[k] - minimum| <= tol``, or ``None``
            (never within ``tol``, or no minimum).
        exit_step: the first step outside the surface's plot bounds or non-finite, or ``None``.
    """

    final_point: np.ndarray
    final_loss: float
    distance: float | None
    steps_to_minimum: int | None
    exit_step: int | None


class PathsResult(NamedTuple):
    """The result of :func:`optimizer_paths`.

    Attributes:
        surface: the :class:`~jaxnn.surfaces.Surface`.
        x0: ``(2,)`` start point.
        steps: the number of updates of each path.
        tol: the distance that counts as "at the minimum".
        paths: ``{name: (steps + 1, 2) array}``, each starting at ``x0``.
        losses: ``{name: (steps + 1,) array}``, ``f`` along each path.
        stats: ``{name: PathStats}``.
        hyperparameters: ``{name: kwargs}`` for the default optimizers (``{}`` for ones passed in).
    """

    surface: Surface
    x0: np.ndarray
    steps: int
    tol: float
    paths: dict[str, np.ndarray]
    losses: dict[str, np.ndarray]
    stats: dict[str, PathStats]
    hyperparameters: dict[str, dict[str, float]]


def _check_optimizers(optimizers: Any) -> dict[str, Any]:
    if not isinstance(optimizers, Mapping) or not optimizers:
        raise TypeError(
            "`optimizers` must be a non-empty mapping {name: optimizer}, got "
            f"{type(optimizers).__name__}. Pass e.g. {{'sgd': jaxnn.optim.sgd(0.1)}}."
        )
    for name, opt in optimizers.items():
        if not isinstance(name, str):
            raise TypeError(f"`optimizers` keys must be strings (names), got {name!r}.")
        if not (callable(getattr(opt, "init", None)) and callable(getattr(opt, "update", None))):
            raise TypeError(
                f"`optimizers[{name!r}]` must have `init` and `update` (a jaxnn optimizer or an "
                f"optax GradientTransformation), got {opt!r}."
            )
    return dict(optimizers)


def _stats(surface: Surface, path: np.ndarray, loss: np.ndarray, tol: float) -> PathStats:
    steps_to_minimum = distance = None
    if surface.minimum is not None:
        with np.errstate(invalid="ignore"):
            d = np.linalg.norm(path - np.asarray(surface.minimum)[None, :], axis=1)
            hits = np.nonzero(d <= tol)[0]  # nan never counts
        distance = float(d[-1])
        steps_to_minimum = int(hits[0]) if hits.size else None
    return PathStats(
        final_point=path[-1],
        final_loss=float(loss[-1]),
        distance=distance,
        steps_to_minimum=steps_to_minimum,
        exit_step=first_exit(path, surface.bounds),
    )


def optimizer_paths(
    surface: str | Surface = "rosenbrock",
    optimizers: Mapping[str, Any] | None = None,
    steps: int | None = None,
    x0: Any = None,
    *,
    tol: float = 1e-2,
) -> PathsResult:
    """Runs each optimizer from the same start on a 2-D surface and measures its path.

    For each optimizer: ``path = optimize_path(surface.f, optimizer, x0, steps)`` (one compiled
    ``lax.scan``), ``loss = f(path)``, and :class:`PathStats`: final point and loss, distance to
    the minimum, ``steps_to_minimum = min{k : |path[k] - minimum| <= tol}`` (the first arrival)
    and the first step leaving the plot bounds.

    Args:
        surface: a name in :data:`jaxnn.surfaces.SURFACES` (``"quadratic"``, ``"rosenbrock"``,
            ``"beale"``, ``"saddle"``) or a :class:`~jaxnn.surfaces.Surface`; default
            ``"rosenbrock"``.
        optimizers: ``{name: optimizer}``; default :func:`default_optimizers` of the surface
            (the book's six with suitable learning rates).
        steps: updates per path, int >= 1; default the surface's ``steps`` (100 quadratic,
            3000 Rosenbrock, 1500 Beale, 40 saddle).
        x0: start point ``(2,)``; default the surface's ``x0``.
        tol: the distance to the minimum that counts as reaching it (default 1e-2).

    Returns:
        A :class:`PathsResult`.

    Examples:
        >>> from jaxnn import optim
        >>> r = optimizer_paths("quadratic", {"gd": optim.sgd(0.4)}, steps=100)
        >>> r.paths["gd"].shape, r.stats["gd"].steps_to_minimum
        ((101, 2), 75)
    """
    surface = get(surface)
    if optimizers is None:
        optimizers = default_optimizers(surface)
        hyper = {
            name: dict(kwargs)
            for name, (_, kwargs) in DEFAULT_HYPERPARAMETERS.get(
                surface.name, DEFAULT_HYPERPARAMETERS["rosenbrock"]
            ).items()
        }
    else:
        optimizers = _check_optimizers(optimizers)
        hyper = {name: {} for name in optimizers}
    steps = surface.steps if steps is None else check_int("steps", steps, minimum=1)
    check_positive("tol", tol, hint="Pass a distance such as 1e-2.")
    x0 = surface.x0 if x0 is None else x0
    paths, losses, stats = {}, {}, {}
    for name, opt in optimizers.items():
        path = optimize_path(surface.f, opt, x0, steps)
        loss = surface.f(path)
        paths[name], losses[name] = np.asarray(path), np.asarray(loss)
        stats[name] = _stats(surface, paths[name], losses[name], float(tol))
    start = next(iter(paths.values()))[0]
    return PathsResult(surface, start, steps, float(tol), paths, losses, stats, hyper)


def ill_conditioned_story(steps: int = 20) -> PathsResult:
    """The chapter's momentum story on ``f = 0.1 x1^2 + 2 x2^2`` from ``(-5, -2)``.

    Gradient descent multiplies ``x2`` by ``1 - 4 lr`` per step: lr 0.4 (factor -0.6) converges,
    lr 0.6 (factor -1.4) diverges in a growing zig-zag. Momentum 0.5 at the same lr 0.6 damps it:
    the ``x2`` iteration ``x[k+1] = x[k] - 2.4 x[k] + 0.5 (x[k] - x[k-1])`` has characteristic
    roots of modulus ``sqrt(0.5) ~ 0.71``, so it converges.

    Args:
        steps: updates per path (default 20).

    Returns:
        A :class:`PathsResult` with paths ``"gd lr=0.4"``, ``"gd lr=0.6"`` and
        ``"momentum lr=0.6 mu=0.5"``.

    Examples:
        >>> r = ill_conditioned_story(steps=10)
        >>> [s.exit_step for s in r.stats.values()]     # lr 0.6 leaves the picture at step 2
        [None, 2, None]
    """
    steps = check_int("steps", steps, minimum=1)
    return optimizer_paths("quadratic", _story_optimizers(), steps)._replace(
        hyperparameters={
            "gd lr=0.4": {"learning_rate": 0.4},
            "gd lr=0.6": {"learning_rate": 0.6},
            "momentum lr=0.6 mu=0.5": {"learning_rate": 0.6, "momentum": 0.5},
        }
    )


@functools.cache
def _story_optimizers_cached() -> tuple[tuple[str, optim.Optimizer], ...]:
    return (
        ("gd lr=0.4", optim.sgd(0.4)),
        ("gd lr=0.6", optim.sgd(0.6)),
        ("momentum lr=0.6 mu=0.5", optim.momentum(0.6, 0.5)),
    )


def _story_optimizers() -> dict[str, optim.Optimizer]:
    return dict(_story_optimizers_cached())


_SHORT = {"learning_rate": "lr", "momentum": "mu"}


def paths_table(result: PathsResult) -> tuple[list[str], list[list[Any]]]:
    """``(headers, rows)``: one row per optimizer, ready for ``jaxnn._table.format_table``.

    Columns: optimizer, settings, final x1, final x2, final loss, distance to the minimum,
    steps to the minimum (``-`` when never reached or no minimum), first step out of bounds.

    Examples:
        >>> from jaxnn import optim
        >>> headers, rows = paths_table(optimizer_paths("saddle", {"gd": optim.sgd(0.1)}))
        >>> headers[0], rows[0][0], rows[0][-1]
        ('optimizer', 'gd', 30)
    """
    if not isinstance(result, PathsResult):
        raise TypeError(
            f"`result` must be the PathsResult of optimizer_paths(), got {type(result).__name__}."
        )
    headers = [
        "optimizer",
        "settings",
        "final x1",
        "final x2",
        "final loss",
        "distance",
        "steps to min",
        "exit step",
    ]
    rows = []
    for name, s in result.stats.items():
        settings = " ".join(
            f"{_SHORT.get(k, k)}={v:g}" for k, v in result.hyperparameters.get(name, {}).items()
        )
        rows.append(
            [
                name,
                settings or "-",
                float(s.final_point[0]),
                float(s.final_point[1]),
                s.final_loss,
                "-" if s.distance is None else s.distance,
                "-" if s.steps_to_minimum is None else s.steps_to_minimum,
                "-" if s.exit_step is None else s.exit_step,
            ]
        )
    return headers, rows
