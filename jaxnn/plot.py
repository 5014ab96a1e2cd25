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

__all__ = ["figure_and_axes", "gd_vs_sgd_curves", "loss_curves", "optimizer_comparison"]


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
# ch. 9.4: GD vs SGD (figure 9-5) and the optimizer comparison


def _style_by_mode(ax: Axes, labels: list[str], modes: list[str]) -> None:
    """Solid lines for compiled runs, dashed for Python loops; one color per batch size."""
    colors: dict[str, Any] = {}
    for line, label, mode in zip(ax.get_lines(), labels, modes, strict=False):
        name = label.rsplit(" (", 1)[0]
        colors.setdefault(name, line.get_color())
        line.set_color(colors[name])
        line.set_linestyle("-" if mode == "compiled" else "--")
        line.set_marker(".")  # a run of one or two epochs is still visible
    ax.legend(fontsize="small")


def gd_vs_sgd_curves(result: Any, *, title: str | None = None) -> Figure:
    """Figure 9-5 from a :func:`jaxnn.experiments.gd_vs_sgd` result, in two panels.

    Left: training loss against wall-clock seconds (log x, compilation excluded): how long each
    batch size and execution mode takes to get anywhere. Right: the same loss against epochs
    (examples seen / n): how much data each needs. Compiled runs are solid, Python loops
    dashed; the dotted line is the target loss.

    Args:
        result: a ``GdVsSgdResult``.
        title: a figure title (default: the dataset and model).

    Returns:
        The figure.

    Examples:
        >>> import numpy as np
        >>> from jaxnn.experiments.optimizers import GdVsSgdResult, GdVsSgdRun
        >>> run = GdVsSgdRun("GD", "compiled", None, 0.1, 2, 1, np.array([1.0, 0.6, 0.5]),
        ...                  np.array([0.0, 1e-3, 2e-3]), np.array([0.0, 10, 20]), 0.5, 1e-3,
        ...                  1e3, 2e-3, 20.0, 0.5)
        >>> fig = gd_vs_sgd_curves(GdVsSgdResult((run,), "toy", "linear", 10, 0.55, 0.4))
        >>> [ax.get_xscale() for ax in fig.axes]
        ['log', 'linear']
    """
    runs = list(result.runs)
    if not runs:
        raise ValueError("gd_vs_sgd_curves: the result has no runs.")
    fig = Figure(figsize=(12.0, 4.5), layout="constrained")
    ax_time, ax_epoch = fig.subplots(1, 2)
    labels = [f"{r.name} ({r.mode.replace('_', ' ')})" for r in runs]
    modes = [r.mode for r in runs]
    n = max(int(result.n), 1)
    loss_curves(
        {lab: r.loss[1:] for lab, r in zip(labels, runs, strict=True)},
        x={lab: r.wall_time[1:] for lab, r in zip(labels, runs, strict=True)},
        xlabel="wall-clock seconds (compilation excluded)",
        ylabel="training loss (MSE)",
        title="loss against time",
        logx=True,
        ax=ax_time,
    )
    loss_curves(
        {lab: r.loss for lab, r in zip(labels, runs, strict=True)},
        x={lab: r.examples / n for lab, r in zip(labels, runs, strict=True)},
        xlabel="epochs (examples seen / n)",
        ylabel="training loss (MSE)",
        title="loss against data",
        ax=ax_epoch,
    )
    for ax in (ax_time, ax_epoch):
        _style_by_mode(ax, labels, modes)
        ax.axhline(result.target_loss, color="0.4", linestyle=":", linewidth=1)
    fig.suptitle(title or f"GD vs SGD: {result.dataset}, {result.model} model (n = {n})")
    return fig


def optimizer_comparison(result: Any, *, title: str | None = None) -> Figure:
    """Training loss, test loss and test accuracy per epoch of each optimizer, three panels.

    Args:
        result: an ``OptimizerComparison`` from :func:`jaxnn.experiments.compare_optimizers`.
        title: a figure title (default: the dataset and network).

    Returns:
        The figure.

    Examples:
        >>> import numpy as np
        >>> from jaxnn.experiments.optimizers import OptimizerComparison, OptimizerRun
        >>> run = OptimizerRun("adam", {}, np.array([1.0, 0.5]), np.array([1.1, 0.6]),
        ...                    np.array([0.6, 0.8]), 0.1, 0.5, 0.6, 0.8, "epochs")
        >>> fig = optimizer_comparison(OptimizerComparison((run,), "toy", (4, 8, 2), 2, 2, 8, 2))
        >>> [ax.get_ylabel() for ax in fig.axes]
        ['training loss', 'test loss', 'test accuracy']
    """
    runs = list(result.runs)
    if not runs:
        raise ValueError("optimizer_comparison: the result has no runs.")
    fig = Figure(figsize=(15.0, 4.5), layout="constrained")
    axes = fig.subplots(1, 3)
    panels = [
        ("train_loss", "training loss", True),
        ("test_loss", "test loss", True),
        ("test_accuracy", "test accuracy", False),
    ]
    for ax, (field, label, logy) in zip(axes, panels, strict=True):
        curves = {r.name: getattr(r, field) for r in runs}
        loss_curves(
            curves,
            x={r.name: np.arange(1, len(getattr(r, field)) + 1) for r in runs},
            xlabel="epoch",
            ylabel=label,
            logy=logy,
            ax=ax,
        )
    sizes = "-".join(str(s) for s in result.sizes)
    fig.suptitle(
        title or f"Table 9-1 optimizers: MLP {sizes} on {result.dataset}, batch {result.batch_size}"
    )
    return fig
