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

from jaxnn._validation import as_real_array, check_positive, check_sequence

__all__ = [
    "activations",
    "figure_and_axes",
    "gd_vs_sgd_curves",
    "gradient_norms",
    "loss_curves",
    "optimizer_comparison",
    "optimizer_paths",
    "validation_summary",
    "xor_error_curves",
]


def figure_and_axes(ax: Axes | None = None, *, figsize=(6.0, 4.0)) -> tuple[Figure, Axes]:
    """The figure and axes to draw on: ``ax``'s own figure, or a new one-panel figure."""
    if ax is not None:
        if not isinstance(ax, Axes):
            raise TypeError(f"`ax` must be a matplotlib Axes or None, got {type(ax).__name__}.")
        return ax.figure, ax
    if not (isinstance(figsize, tuple | list) and len(figsize) == 2):
        raise TypeError(f"`figsize` must be (width, height) in inches, got figsize={figsize!r}.")
    check_positive("figsize[0]", figsize[0])
    check_positive("figsize[1]", figsize[1])
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


_LINESTYLES = ("-", "--", "-.", ":")
"""Line styles cycled with the colours, so that curves lying on top of each other stay visible."""


def _readable_log_axis(axis: Any) -> None:
    """Labels a log axis at its decades only (``10^-1``, ``10^0``), never at the minor ticks
    (``9x10^-1``, ``2x10^0``...) that matplotlib labels when an axis spans less than a decade;
    there, plain numbers at a few ticks instead."""
    from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

    axis.axes.autoscale_view()
    lo, hi = (abs(v) for v in axis.get_view_interval())
    if lo > 0 and hi > 0 and max(lo, hi) / min(lo, hi) < 10:  # less than a decade: plain numbers
        axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        formatter = ScalarFormatter()
        formatter.set_scientific(False)
        axis.set_major_formatter(formatter)
    axis.set_minor_formatter(NullFormatter())


def _check_result(name: str, value: Any, fields: tuple[str, ...], made_by: str) -> None:
    """A TypeError naming ``name`` unless ``value`` has every attribute in ``fields``."""
    missing = [f for f in fields if not hasattr(value, f)]
    if missing:
        raise TypeError(
            f"`{name}` must be the result of {made_by}, got {type(value).__name__} (no "
            f"{', '.join(missing)})."
        )


def _values(name: str, values: Any) -> np.ndarray:
    return np.asarray(as_real_array(name, values), dtype=float).reshape(-1)


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
        y = _values(f"curves[{label!r}]", values)
        if x is None:
            xs = np.arange(len(y))
        elif isinstance(x, Mapping):
            if label not in x:
                raise ValueError(f"`x` has no values for the curve {label!r}.")
            xs = _values(f"x[{label!r}]", x[label])
        else:
            xs = _values("x", x)
        if len(xs) != len(y):
            raise ValueError(
                f"loss_curves: curve {label!r} has {len(y)} values but its x has {len(xs)}."
            )
        k = len(ax.get_lines())
        ax.plot(xs, y, label=str(label), linestyle=_LINESTYLES[k % len(_LINESTYLES)])
    if logy:
        ax.set_yscale("log")
        _readable_log_axis(ax.yaxis)
    if logx:
        ax.set_xscale("log")
        _readable_log_axis(ax.xaxis)
    if xlabel.startswith("epoch"):
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no epoch 2.5
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
    """Optimizer paths on a contour plot of their surface (the book's figure 9-6).

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
    fig, ax = figure_and_axes(ax, figsize=(7.8, 5.0))
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
    # Later paths are drawn thinner and on top, with their own line style, so that a path that
    # follows another (Adam over SGD on Rosenbrock) still shows the one below it.
    n = len(result.paths)
    for k, (name, path) in enumerate(result.paths.items()):
        p = np.asarray(path, dtype=float)
        ax.plot(
            p[:, 0],
            p[:, 1],
            marker=".",
            markersize=3,
            linewidth=2.4 - 1.4 * k / max(1, n - 1),
            linestyle=_LINESTYLES[k % len(_LINESTYLES)],
            label=str(name),
            zorder=2 + k,
        )
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
    # The legend beside the contours, not on them.
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    return fig


# --------------------------------------------------------------------------------------------
# Chapter 9.3: activations and vanishing gradients


def _draw_activation(ax: Axes, name: Any, x: np.ndarray, color: str | None = None) -> None:
    from jaxnn import activations as act

    f, df = act.get(name, argument="names"), act.derivative(name, argument="names")
    label = name if isinstance(name, str) else getattr(name, "__name__", "f")
    (line,) = ax.plot(x, np.asarray(f(x)), color=color, label=label)
    ax.plot(x, np.asarray(df(x)), color=line.get_color(), linestyle="--", label=f"{label}'")
    if label == "sigmoid":
        peak = float(act.sigmoid_derivative(0.0))
        ax.plot([0.0], [peak], "o", color=line.get_color(), label=f"max sigmoid' = {peak:g}")
        ax.annotate(
            f"max {peak:g} at x = 0",
            xy=(0.0, peak),
            xytext=(0.35 * float(x.max()), peak + 0.25),
            arrowprops={"arrowstyle": "->", "color": line.get_color()},
        )


def activations(
    names=("sigmoid", "tanh", "relu", "softplus"),
    *,
    x: Any = None,
    ax: Axes | None = None,
) -> Figure:
    """Each activation ``f`` (solid) with its derivative ``f'`` (dashed): the book's figures 9-3
    and 9-4. Sigmoid's largest derivative, 0.25 at x = 0, is marked.

    Args:
        names: activation names (or callables) of :mod:`jaxnn.activations`.
        x: the inputs to draw over (default 401 points on [-6, 6]).
        ax: draw every activation into this one axes; by default each gets its own panel.

    Returns:
        The figure. Lines are labelled ``name`` and ``name'``.

    Examples:
        >>> fig = activations(("sigmoid", "relu"))
        >>> [[t.get_text() for t in a.get_legend().get_texts()] for a in fig.axes]
        [['sigmoid', "sigmoid'", "max sigmoid' = 0.25"], ['relu', "relu'"]]
    """
    if isinstance(names, str) or callable(names):
        names = (names,)
    names = list(check_sequence("names", names, "activation names"))
    if not names:
        raise ValueError("`names` must name at least one activation, e.g. ('sigmoid', 'relu').")
    xs = np.linspace(-6.0, 6.0, 401) if x is None else _values("x", x)
    if xs.size == 0:
        raise ValueError("`x` must hold at least one point, got an empty array.")
    if ax is not None:
        fig, ax = figure_and_axes(ax)
        for name in names:
            _draw_activation(ax, name, xs)
        axes = [ax]
    else:
        cols = min(len(names), 4)
        rows = -(-len(names) // cols)
        fig = Figure(figsize=(3.2 * cols, 2.9 * rows), layout="constrained")
        axes = list(np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel())
        for extra in axes[len(names) :]:
            fig.delaxes(extra)
        axes = axes[: len(names)]
        for a, name in zip(axes, names, strict=True):
            _draw_activation(a, name, xs, color="C0")
            label = name if isinstance(name, str) else getattr(name, "__name__", "f")
            a.set_title(label)
    for a in axes:
        a.axhline(0.0, color="0.6", linewidth=0.6)
        a.axvline(0.0, color="0.6", linewidth=0.6)
        a.set_xlabel("x")
        a.grid(True, alpha=0.3)
        a.legend(fontsize="small", loc="upper left")
    axes[0].set_ylabel("f(x) and f'(x)")
    return fig


def gradient_norms(report: Any, depth: int | None = None, *, ax: Axes | None = None) -> Figure:
    """Per-layer weight-gradient norm on a log scale, one line per activation (figure 9-2).

    Args:
        report: a :class:`jaxnn.diagnostics.VanishingReport`.
        depth: which depth to draw (default: 10 if measured, else the deepest).
        ax: draw into this axes instead of a new figure.

    Returns:
        The figure: x is the layer (1 = first hidden layer, the last tick is the output layer),
        y the median gradient norm ``||dL/dW_l||``.

    Examples:
        >>> import jax
        >>> from jaxnn import diagnostics
        >>> r = diagnostics.vanishing_gradients(activations=("relu",), depths=(6,), seeds=2,
        ...                                     key=jax.random.key(0))
        >>> fig = gradient_norms(r)
        >>> fig.axes[0].get_yscale(), [line.get_label() for line in fig.axes[0].get_lines()]
        ('log', ['relu'])
    """
    from jaxnn.diagnostics import VanishingReport

    if not isinstance(report, VanishingReport):
        raise TypeError(
            "`report` must be a VanishingReport from jaxnn.diagnostics.vanishing_gradients, "
            f"got {type(report).__name__}."
        )
    depth = report.default_depth() if depth is None else depth
    if depth not in report.depths:
        raise ValueError(
            f"`depth` must be one of the measured depths {report.depths}, got depth={depth!r}."
        )
    fig, ax = figure_and_axes(ax)
    layers = np.arange(1, depth + 2)
    for name in report.activations:
        ax.plot(layers, np.asarray(report.norms[(name, depth)]), marker="o", label=name)
    ax.set_yscale("log")
    ax.set_xticks(layers, [str(l) for l in layers[:-1]] + ["out"])
    ax.set_xlabel("layer (1 = first hidden layer; gradients flow back from the output)")
    ax.set_ylabel("gradient norm ||dL/dW||")
    ax.set_title(
        f"Gradient norm per layer: {depth} hidden layers of {report.width}\n"
        f"({report.init}, median of {report.seeds} seeds)"
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return fig


# --------------------------------------------------------------------------------------------
# ch. 8: the book's XOR run


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
    if not runs:
        raise ValueError("`runs` must hold at least one run, got none.")
    runs = {label: _values(f"runs[{label!r}]", v) for label, v in runs.items()}
    return loss_curves(
        runs, xlabel="epoch", ylabel="summed error 0.5·Σ(t − o)²", title=title, logy=True, ax=ax
    )


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
    _check_result("result", result, ("runs", "n", "dataset", "model"), "experiments.gd_vs_sgd")
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
    _check_result("result", result, ("runs", "sizes", "dataset"), "experiments.compare_optimizers")
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


# Research sweeps (jaxnn.experiments.sweeps)


def lr_sensitivity(result: Any, *, title: str | None = None, ax: Axes | None = None) -> Figure:
    """Final training loss against learning rate, one line per optimizer (log x and y).

    The line is the median over seeds, the band the 25th-75th percentiles; a learning rate where
    at least half the seeds diverged is left out of the line and marked with an ``x`` at the top.

    Args:
        result: an ``LrSensitivity`` from :func:`jaxnn.experiments.lr_sensitivity`.
        title: the axes title (default: the network, data and seeds).
        ax: draw into this axes (default: a new figure).

    Returns:
        The figure.

    Examples:
        >>> import numpy as np
        >>> from jaxnn.experiments.sweeps import LrCurve, LrSensitivity
        >>> lr = np.array([0.01, 0.1, 1.0])
        >>> loss = np.array([[1.0, 1.2], [0.3, 0.4], [np.inf, np.inf]])
        >>> curve = LrCurve("sgd", lr, loss, np.median(loss, 1), loss.min(1), loss.max(1),
        ...                 np.array([0.0, 0.0, 1.0]), 0.1)
        >>> fig = lr_sensitivity(LrSensitivity((curve,), "toy", (4, 8, 2), 2, 1, 2, 0.0, 0.0))
        >>> fig.axes[0].get_xscale(), fig.axes[0].get_xlabel()
        ('log', 'learning rate')
    """
    _check_result("result", result, ("curves", "sizes", "seeds"), "experiments.lr_sensitivity")
    curves = list(result.curves)
    if not curves:
        raise ValueError("lr_sensitivity: the result has no curves.")
    fig, ax = figure_and_axes(ax)
    finite = [c.median[np.isfinite(c.median)] for c in curves]
    finite = np.concatenate(finite) if finite else np.zeros(0)
    top = float(finite.max()) * 2 if finite.size else 1.0
    for c in curves:
        lr = np.asarray(c.learning_rates, np.float64)
        ok = (np.asarray(c.diverged) < 0.5) & np.isfinite(c.median)
        (line,) = ax.plot(lr[ok], c.median[ok], marker="o", label=c.name)
        band = ok & np.isfinite(c.high)
        ax.fill_between(lr[band], c.low[band], c.high[band], color=line.get_color(), alpha=0.2)
        if (~ok).any():
            ax.scatter(lr[~ok], np.full(int((~ok).sum()), top), marker="x", color=line.get_color())
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel(f"final training loss (median of {result.seeds} seeds)")
    sizes = "-".join(str(s) for s in result.sizes)
    ax.set_title(
        title
        or f"MLP {sizes} on {result.dataset}, batch {result.batch_size}, {result.epochs} epochs"
        " (x: diverged)"
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def xor_solve_rate(result: Any, *, title: str | None = None, ax: Axes | None = None) -> Figure:
    """The share of seeds that solve XOR against the hidden width, one line per optimizer.

    Args:
        result: an ``XorSolveRate`` from :func:`jaxnn.experiments.xor_solve_rate`.
        title: the axes title (default: seeds and epochs).
        ax: draw into this axes (default: a new figure).

    Returns:
        The figure.

    Examples:
        >>> import numpy as np
        >>> from jaxnn.experiments.sweeps import XorSolveRate
        >>> r = XorSolveRate((2, 4), ("adam",), {"adam": 0.05}, np.array([[0.5, 1.0]]),
        ...                  np.zeros((1, 2, 2), bool), np.zeros((1, 2, 2)), 2, 10)
        >>> xor_solve_rate(r).axes[0].get_ylabel()
        'share of seeds that solve XOR'
    """
    fig, ax = figure_and_axes(ax)
    _check_result(
        "result", result, ("solve_rate", "optimizers", "hidden"), "experiments.xor_solve_rate"
    )
    rates = np.asarray(result.solve_rate)
    for i, name in enumerate(result.optimizers):
        lr = result.learning_rates.get(name)
        ax.plot(result.hidden, rates[i], marker="o", label=f"{name} (lr {lr:g})")
    ax.set_xscale("log", base=2)
    ax.set_xticks(list(result.hidden), [str(h) for h in result.hidden])
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("hidden units (2-h-1 tanh net)")
    ax.set_ylabel("share of seeds that solve XOR")
    ax.set_title(title or f"XOR solve rate over {result.seeds} seeds, {result.epochs} epochs")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    return fig


# --------------------------------------------------------------------------------------------
# jaxnn.validate: the conformance summary (the tour's last chapter)


def validation_summary(reports: Any, *, title: str | None = None, ax: Axes | None = None) -> Figure:
    """One horizontal bar per validated configuration: its largest relative difference.

    Each bar is ``max over steps of |jaxnn - reference| / (|reference| + atol / rtol)`` on a log
    scale, green when the configuration passed and red when it failed, with a black tick at its
    tolerance ``rtol``. A difference of exactly 0 (bit-for-bit equal) is drawn at
    ``rtol * 1e-6`` and labelled "0".

    Args:
        reports: a sequence of :class:`jaxnn.validate.ValidationReport` (from
            ``jaxnn.validate.run`` or ``compare``).
        title: the title (default: how many passed).
        ax: draw into this axes instead of a new figure.

    Returns:
        The figure; bars top to bottom in the order of ``reports``.

    Examples:
        >>> import optax
        >>> from jaxnn import optim, validate
        >>> reports = [validate.compare(optim.sgd(0.1), optax.sgd(0.1), steps=5, name="sgd")]
        >>> fig = validation_summary(reports)
        >>> fig.axes[0].get_xscale(), [t.get_text() for t in fig.axes[0].get_yticklabels()]
        ('log', ['sgd [float32]'])
    """
    reports = check_sequence("reports", reports, "ValidationReport")
    if not reports or not all(hasattr(r, "max_rel_diff") for r in reports):
        raise TypeError(
            "`reports` must be a non-empty sequence of ValidationReport from jaxnn.validate, "
            f"got {type(reports).__name__}."
        )
    if ax is None:
        fig, ax = figure_and_axes(figsize=(7.5, 1.2 + 0.28 * len(reports)))
    else:
        fig, ax = figure_and_axes(ax)
    y = np.arange(len(reports))
    floors = np.array([r.rtol * 1e-6 for r in reports])
    values = np.array([max(float(r.max_rel_diff), f) for r, f in zip(reports, floors, strict=True)])
    colors = ["tab:green" if r.passed else "tab:red" for r in reports]
    left = float(floors.min()) / 10
    ax.barh(y, values - left, color=colors, height=0.6, left=left)
    ax.scatter(
        [r.rtol for r in reports],
        y,
        marker="|",
        s=200,
        color="black",
        zorder=5,
        label="tolerance rtol",
    )
    for i, r in enumerate(reports):
        if r.max_rel_diff == 0:
            ax.text(values[i] * 1.5, i, "0", va="center", fontsize="small")
    ax.set_yticks(y, [f"{r.name} [{r.dtype}]" for r in reports])
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("largest relative difference over all steps")
    passed = sum(r.passed for r in reports)
    ax.set_title(
        title or f"jaxnn beside its reference:\n{passed} of {len(reports)} within tolerance"
    )
    ax.grid(True, axis="x", which="major", alpha=0.3)
    ax.legend(fontsize="small", loc="lower right")
    return fig
