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

__all__ = ["figure_and_axes", "loss_curves"]


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


# --------------------------------------------------------------------------------------------
# ch. 8: the book's XOR run

__all__ += ["xor_error_curves"]


def xor_error_curves(
    runs: Mapping[str, Any] | Any,
    *,
    title: str | None = "XOR 2-2-1, online backpropagation (ch. 8)",
    ax: Axes | None = None,
) -> Figure:
    """The summed error of each epoch of XOR runs, one line per run, log y.

    The error of an epoch is ``sum over the 4 samples of 0.5 (t - o)^2``, each measured before
    its own update (the number the book prints every 500 epochs).

    Args:
        runs: ``{label: errors (epochs,)}``, or a sequence of
            :class:`jaxnn.experiments.XorVariant` (their ``name`` and ``result.errors``).
        title: the title (``None`` for none).
        ax: draw into this axes instead of a new figure.

    Returns:
        The figure.

    Examples:
        >>> import numpy as np
        >>> fig = xor_error_curves({"book": np.geomspace(0.7, 1e-4, 50), "gd": np.ones(50)})
        >>> fig.axes[0].get_yscale(), [l.get_label() for l in fig.axes[0].get_lines()]
        ('log', ['book', 'gd'])
    """
    if not isinstance(runs, Mapping):
        try:
            runs = {run.name: run.result.errors for run in runs}
        except (AttributeError, TypeError):
            raise TypeError(
                "`runs` must be a mapping {label: errors} or a sequence of XorVariant "
                f"(with .name and .result.errors), got {type(runs).__name__}."
            ) from None
    return loss_curves(
        runs, xlabel="epoch", ylabel="summed error 0.5·Σ(t − o)²", title=title, logy=True, ax=ax
    )
