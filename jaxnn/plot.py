"""Figures made from experiment results (matplotlib, Agg-safe).

Every function returns a :class:`matplotlib.figure.Figure` built without ``pyplot`` (no global
state, no display needed) and, where a single panel fits, takes an optional ``ax`` to draw into
instead. Save with ``fig.savefig("file.png")``.

Examples:
    >>> import numpy as np
    >>> fig = loss_curves({"sgd": np.array([1.0, 0.5, 0.2]), "adam": np.array([1.0, 0.1, 0.01])})
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['sgd', 'adam']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["figure_and_axes", "loss_curves", "optimizer_paths"]


def figure_and_axes(ax: Axes | None = None, *, figsize=(6.0, 4.0)) -> tuple[Figure, Axes]:
    """The figure and axes to draw on: ``ax``'s own figure, or a new one-panel figure."""
    if ax is not None:
        if not isinstance(ax, Axes):
            raise TypeError(f"`ax` must be a matplotlib Axes or None, got {type(ax).__name__}.")
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def loss_curves(
    curves: Mapping[str, Any],
    *,
    x: Mapping[str, Any] | Any | None = None,
    xlabel: str = "epoch",
    ylabel: str = "loss",
    title: str | None = None,
    logx: bool = False,
    logy: bool = True,
    ax: Axes | None = None,
) -> Figure:
    """One line per named curve: ``curves[name]`` against ``x`` (or 0, 1, 2, ...).

    Args:
        curves: ``{label: 1-D array of values}``.
        x: the x values, shared (one array) or per curve (a mapping with the same labels);
            default ``0 .. len - 1``.
        xlabel, ylabel, title: axis labels and title.
        logx, logy: log scales (``logy`` by default: losses span decades).
        ax: draw into this axes instead of a new figure.

    Returns:
        The figure.
    """
    if not isinstance(curves, Mapping) or not curves:
        raise TypeError("`curves` must be a non-empty mapping {label: values}.")
    fig, ax = figure_and_axes(ax)
    for label, values in curves.items():
        y = np.asarray(values, dtype=float).reshape(-1)
        if x is None:
            xs = np.arange(len(y))
        elif isinstance(x, Mapping):
            xs = np.asarray(x[label], dtype=float).reshape(-1)
        else:
            xs = np.asarray(x, dtype=float).reshape(-1)
        if len(xs) != len(y):
            raise ValueError(
                f"loss_curves: curve {label!r} has {len(y)} values but its x has {len(xs)}."
            )
        ax.plot(xs, y, label=str(label))
    if logy:
        ax.set_yscale("log")
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return fig


def optimizer_paths(
    result: Any,
    *,
    grid: int = 200,
    levels: int = 25,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Optimizer paths on a contour plot of their surface (the seed's figure 9-6).

    The contours of ``result.surface.f`` over its plot bounds (log-spaced levels when the
    surface's ``log_levels`` is set: Rosenbrock and Beale span decades), one coloured line per
    optimizer (one point per step), a black circle at the start and a star at the minimum.
    The axes keep the surface's bounds: a diverging path runs off the picture.

    Args:
        result: a :class:`jaxnn.experiments.PathsResult` (from ``optimizer_paths`` or
            ``ill_conditioned_story``).
        grid: contour grid points per axis (default 200).
        levels: number of contour levels (default 25).
        title: the title; default the surface's title and the number of steps.
        ax: draw into this axes instead of a new figure.

    Returns:
        The figure; ``ax.get_lines()`` are the paths, one per optimizer, in ``result.paths``
        order (the start and minimum are scatter markers).

    Examples:
        >>> from jaxnn import optim
        >>> from jaxnn.experiments import optimizer_paths as run_paths
        >>> r = run_paths("quadratic", {"gd": optim.sgd(0.4), "momentum": optim.momentum(0.4, 0.5)})
        >>> fig = optimizer_paths(r, grid=20)
        >>> [line.get_label() for line in fig.axes[0].get_lines()]
        ['gd', 'momentum']
    """
    surface = getattr(result, "surface", None)
    if not (hasattr(result, "paths") and hasattr(surface, "f") and hasattr(surface, "bounds")):
        raise TypeError(
            "`result` must be a PathsResult from jaxnn.experiments.optimizer_paths, got "
            f"{type(result).__name__}."
        )
    fig, ax = figure_and_axes(ax, figsize=(6.5, 5.0))
    (x_lo, x_hi), (y_lo, y_hi) = surface.bounds
    xs, ys = np.linspace(x_lo, x_hi, grid), np.linspace(y_lo, y_hi, grid)
    xx, yy = np.meshgrid(xs, ys)
    zz = np.asarray(surface.f(np.stack([xx, yy], axis=-1).astype(np.float32)), dtype=float)
    if surface.log_levels and np.all(zz >= 0):
        from matplotlib.colors import LogNorm

        hi = float(zz.max())
        positive = zz[zz > 0]
        lo = max(float(positive.min()) if positive.size else hi * 1e-6, hi * 1e-6)
        ax.contour(
            xx,
            yy,
            zz,
            levels=np.geomspace(lo, hi, levels),
            norm=LogNorm(),
            cmap="viridis",
            linewidths=0.7,
            alpha=0.6,
        )
    else:
        ax.contour(xx, yy, zz, levels=levels, cmap="viridis", linewidths=0.7, alpha=0.6)
    for name, path in result.paths.items():
        p = np.asarray(path, dtype=float)
        ax.plot(p[:, 0], p[:, 1], marker=".", markersize=3, linewidth=1.2, label=str(name))
    x0 = np.asarray(result.x0, dtype=float)
    ax.scatter([x0[0]], [x0[1]], color="black", s=40, zorder=5, label="start")
    if surface.minimum is not None:
        ax.scatter(
            [surface.minimum[0]],
            [surface.minimum[1]],
            marker="*",
            color="red",
            s=150,
            zorder=5,
            label="minimum",
        )
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    steps = getattr(result, "steps", None)
    ax.set_title(title or (surface.title + (f", {steps} steps" if steps else "")))
    ax.legend(fontsize="small", loc="best")
    return fig
