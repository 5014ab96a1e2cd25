"""Per-layer gradient norms and the vanishing-gradient experiments (ch. 9.3 of *모두의 딥러닝*).

Backpropagation multiplies the error signal by the activation's derivative at every layer:

    delta_l = (delta_{l+1} @ W_{l+1}^T) * f'(z_l)
    dL/dW_l = a_{l-1}^T @ delta_l

sigmoid's derivative is at most 0.25, so with sigmoid hidden layers the gradient of the first
layers shrinks roughly geometrically with depth; tanh' reaches 1 only at 0; ReLU' is exactly 1
wherever a unit is active. This module measures that and its consequence:

- :func:`layer_grad_norms`: the L2 norm of the loss gradient of each layer's weights.
- :func:`activation_derivatives`: each activation's derivative on a grid (its maximum, where).
- :func:`vanishing_gradients`: per-layer gradient norms of fresh MLPs for several activations and
  depths (median over seeds) and the ratio first hidden layer / last hidden layer.
- :func:`train_depth_comparison`: the same deep MLP trained with each activation on the same data.

Results are ``NamedTuple``s with ``table()`` and ``reading()`` methods: the numbers as a text table
and a short plain-language reading of them (used by ``jaxnn activations`` / ``jaxnn vanishing``).

Examples:
    >>> import jax
    >>> from jaxnn import diagnostics
    >>> report = diagnostics.vanishing_gradients(
    ...     activations=("sigmoid", "relu"), depths=(6,), seeds=2, key=jax.random.key(0))
    >>> bool(report.ratio("sigmoid", 6) < 0.01 < report.ratio("relu", 6))
    True
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxnn import activations as _act
from jaxnn import data, losses, nn
from jaxnn import optim as _optim
from jaxnn._table import format_table, format_value, plural
from jaxnn._validation import (
    as_real_array,
    check_bool,
    check_callable,
    check_choice,
    check_finite,
    check_int,
    check_positive,
)
from jaxnn.nn import _check_key

__all__ = [
    "LEARNED_ACCURACY",
    "MOVED_LOSS_DROP",
    "DepthComparison",
    "DerivativeSummary",
    "VanishingReport",
    "activation_derivatives",
    "layer_grad_norms",
    "train_depth_comparison",
    "vanishing_gradients",
]

DEFAULT_ACTIVATIONS = ("sigmoid", "tanh", "relu", "softplus")

LEARNED_ACCURACY = 0.9
"""Test accuracy at or above which :meth:`DepthComparison.reading` says "learned"."""
MOVED_LOSS_DROP = 0.1
"""Relative fall of the training loss below which the reading says "barely learned"."""


# --------------------------------------------------------------------------------------------
# Gradient norms per layer


def layer_grad_norms(loss_fn: Callable, params: Any, *args: Any, bias: bool = False) -> jax.Array:
    """The L2 norm of the loss gradient of each layer's weight matrix, first layer first.

        g_l = ||dL/dW_l||_2 = sqrt(sum_ij (dL/dW_l)_ij^2)
        (bias=True: g_l = sqrt(||dL/dW_l||^2 + ||dL/db_l||^2))

    Args:
        loss_fn: ``loss_fn(params, *args) -> scalar``.
        params: an MLP's layers ``[{"w": (in, out), "b": (out,)}, ...]`` (see
            :func:`jaxnn.nn.init_mlp`).
        *args: passed on to ``loss_fn`` (inputs, targets, ...).
        bias: include each layer's bias gradient in its norm (default False: weights only).

    Returns:
        An array of shape ``(len(params),)``. Works under ``jit`` and ``vmap``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from jaxnn import losses, nn
        >>> params = [{"w": jnp.full((2, 2), 0.5)}, {"w": jnp.ones((2, 1))}]
        >>> x, y = jnp.array([[3.0, 4.0]]), jnp.array([[0.0]])
        >>> def loss_fn(params, x, y):  # mlp(x) = 7, loss = 49, dL/dmlp = 14
        ...     return losses.mse(nn.mlp(params, x, activation="identity"), y)
        >>> layer_grad_norms(loss_fn, params, x, y)  # ||14 x^T w2^T||, ||14 (x W1)^T||
        Array([98.99495, 69.29646], dtype=float32)
    """
    check_callable("loss_fn", loss_fn, "loss_fn(params, *args) -> scalar loss")
    nn.check_mlp_params(params)
    check_bool("bias", bias)
    out = jax.eval_shape(loss_fn, params, *args)
    if not hasattr(out, "shape") or out.shape != ():
        raise TypeError(
            "`loss_fn` must return a scalar loss, got "
            f"{getattr(out, 'shape', type(out).__name__)}. Reduce it, e.g. with jnp.mean."
        )
    grads = jax.grad(loss_fn)(params, *args)
    norms = []
    for layer in grads:
        sq = jnp.sum(layer["w"] ** 2)
        if bias and "b" in layer:
            sq = sq + jnp.sum(layer["b"] ** 2)
        norms.append(jnp.sqrt(sq))
    return jnp.stack(norms)


# --------------------------------------------------------------------------------------------
# Activation derivatives


def _label(activation: str | Callable) -> str:
    return activation if isinstance(activation, str) else getattr(activation, "__name__", "f")


def _check_activations(activations: Any, argument: str = "activations") -> tuple:
    if isinstance(activations, str) or callable(activations):
        activations = (activations,)
    if not isinstance(activations, Sequence) or len(activations) == 0:
        raise TypeError(
            f"`{argument}` must be a non-empty sequence of activation names such as "
            f"('sigmoid', 'relu'), got {activations!r}."
        )
    for a in activations:
        _act.get(a, argument=argument)
    labels = [_label(a) for a in activations]
    if len(set(labels)) != len(labels):
        raise ValueError(f"`{argument}` has repeated names: {labels}. Give each one once.")
    return tuple(activations)


class DerivativeSummary(NamedTuple):
    """Activations and their derivatives on a grid (from :func:`activation_derivatives`).

    Attributes:
        names: the activations, in order.
        points: the sample points ``x`` of ``values`` and ``derivatives``, shape ``(p,)``.
        values: ``f(x)`` at ``points``, shape ``(n, p)``.
        derivatives: ``f'(x)`` at ``points``, shape ``(n, p)``.
        max_derivative: the largest ``f'`` on the grid, shape ``(n,)``.
        argmax: where it is reached (the first such ``x``), shape ``(n,)``.
        near_one: the share of the grid where ``f'(x) >= 0.99``, shape ``(n,)``.
        grid: ``(lo, hi)`` of the grid.
    """

    names: tuple[str, ...]
    points: jax.Array
    values: jax.Array
    derivatives: jax.Array
    max_derivative: jax.Array
    argmax: jax.Array
    near_one: jax.Array
    grid: tuple[float, float]

    def where(self, i: int) -> str:
        """Where activation ``i``'s largest ``f'`` is, in words that the grid cannot mislead:
        ``"x > 0"`` for a plateau (ReLU's 1 on every positive x, not "at x = 0.001"), ``"x → 10
        (edge)"`` when ``f'`` still rises at the grid's edge (softplus' never reaches 1), else
        the point.

        Examples:
            >>> s = activation_derivatives(("relu", "softplus", "sigmoid"), num=2001)
            >>> [s.where(i) for i in range(3)]
            ['x > 0', 'x → 10 (edge)', '0']
        """
        lo, hi = self.grid
        m, at, share = (float(v[i]) for v in (self.max_derivative, self.argmax, self.near_one))
        if share >= 0.999:
            return "every x"
        if share >= 0.3 and m >= 0.99 and abs(at) <= 0.01 * (hi - lo):  # a plateau from 0 on
            return "x > 0"
        if min(at - lo, hi - at) <= 0.01 * (hi - lo):
            return f"x → {format_value(at, 3)} (edge)"
        return format_value(at, 3)

    def rows(self) -> tuple[list[str], list[list[Any]]]:
        """Headers and rows: name, max f', where it is (:meth:`where`), the share of the grid
        where f' >= 0.99, then f'(x) at each point."""
        headers = ["activation", "max f'", "at x", "f'>=0.99"]
        headers += [f"f'({format_value(float(p), 3)})" for p in self.points]
        rows = [
            [name, float(self.max_derivative[i]), self.where(i), float(self.near_one[i])]
            + [float(d) for d in self.derivatives[i]]
            for i, name in enumerate(self.names)
        ]
        return headers, rows

    def table(self) -> str:
        """The summary as a text table (``f'>=0.99``: share of the grid); a maximum just below 1
        keeps its digits (softplus' 0.99995 is not 1)."""
        headers, rows = self.rows()
        for row in rows:
            if 0.99 <= row[1] < 1:
                row[1] = format_value(row[1], 6)
        return format_table(headers, rows, digits=3)

    def reading(self, depth: int = 10) -> str:
        """A plain-language reading: what each derivative does to a gradient, ``depth`` layers."""
        depth = check_int("depth", depth, minimum=1)
        lo, hi = self.grid
        lines = [
            "Backprop multiplies the gradient by f'(z) at every hidden layer, so the largest "
            f"value of f' bounds what {depth} layers can pass back (weights aside):"
        ]
        for i, name in enumerate(self.names):
            m, at, share = (float(self.max_derivative[i]), float(self.argmax[i]), self.near_one[i])
            share = float(share)
            where = f"on {share:.0%} of [{lo:g}, {hi:g}]"
            if m < 0.99:
                line = (
                    f"- {name}: f' is at most {m:.3g} (at x = {at:.3g}); {depth} layers multiply "
                    f"a gradient by at most {m:.3g}^{depth} = {m**depth:.2g}: it fades."
                )
            elif min(at - lo, hi - at) <= 0.01 * (hi - lo):  # the maximum sits at an edge
                line = (
                    f"- {name}: f' only approaches {m:.6g} toward x = {at:.3g} and is >= 0.99 "
                    f"{where}: for smaller inputs it still shrinks the gradient at every layer."
                )
            elif share >= 0.3:
                line = (
                    f"- {name}: f' is {m:.3g} (>= 0.99) {where}: active units pass the gradient "
                    "back unchanged, at any depth."
                )
            else:
                line = (
                    f"- {name}: f' reaches {m:.3g} at x = {at:.3g}, but is >= 0.99 only {where}: "
                    "away from there it shrinks the gradient at every layer."
                )
            lines.append(line)
        return "\n".join(lines)


def activation_derivatives(
    names: Sequence[str | Callable] = DEFAULT_ACTIVATIONS,
    *,
    points: Sequence[float] = (-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0),
    lo: float = -10.0,
    hi: float = 10.0,
    num: int = 20001,
) -> DerivativeSummary:
    """Each activation's value and derivative: at a few points, and its maximum on a grid.

        max f' = max over x in linspace(lo, hi, num) (plus x = 0) of f'(x)

    The derivatives are the hand-written ones of :mod:`jaxnn.activations` (``jax.grad`` for a
    callable without one).

    Args:
        names: activation names or callables (default sigmoid, tanh, relu, softplus).
        points: where to report ``f`` and ``f'`` (default -4, -2, -1, 0, 1, 2, 4).
        lo, hi, num: the grid for the maximum (default 20001 points on [-10, 10]).

    Returns:
        A :class:`DerivativeSummary`.

    Examples:
        >>> s = activation_derivatives(("sigmoid", "tanh"), points=(0.0,))
        >>> s.max_derivative
        Array([0.25, 1.  ], dtype=float32)
        >>> s.argmax
        Array([0., 0.], dtype=float32)
    """
    names = _check_activations(names, "names")
    num = check_int("num", num, minimum=2)
    check_finite("lo", lo)
    check_finite("hi", hi)
    check_positive("hi - lo", hi - lo, hint="Give lo < hi.")
    try:
        pts = np.asarray(as_real_array("points", points), dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise TypeError(f"`points` must be a sequence of numbers, got points={points!r}.") from None
    if not np.all(np.isfinite(pts)) or pts.size == 0:
        raise ValueError(
            f"`points` must be one or more finite numbers, got points={points!r}. Example: "
            "points=(-2.0, 0.0, 2.0)."
        )
    pts = jnp.asarray(pts, dtype=jnp.result_type(float))
    grid = np.unique(np.append(np.linspace(lo, hi, num), 0.0 if lo <= 0.0 <= hi else lo))
    grid = jnp.asarray(grid, dtype=jnp.result_type(float))
    values, derivs, maxima, argmax, near_one = [], [], [], [], []
    for name in names:
        f, df = _act.get(name, argument="names"), _act.derivative(name, argument="names")
        values.append(f(pts))
        derivs.append(df(pts))
        d = df(grid)
        maxima.append(jnp.max(d))
        argmax.append(grid[jnp.argmax(d)])
        near_one.append(jnp.mean((d >= 0.99).astype(grid.dtype)))
    return DerivativeSummary(
        names=tuple(_label(n) for n in names),
        points=pts,
        values=jnp.stack(values),
        derivatives=jnp.stack(derivs),
        max_derivative=jnp.stack(maxima),
        argmax=jnp.stack(argmax),
        near_one=jnp.stack(near_one),
        grid=(float(lo), float(hi)),
    )


# --------------------------------------------------------------------------------------------
# The vanishing-gradient sweep


class VanishingReport(NamedTuple):
    """Per-layer gradient norms of fresh MLPs (from :func:`vanishing_gradients`).

    A network of depth ``d`` has ``d`` hidden layers of ``width`` units and one linear output, so
    ``d + 1`` weight matrices; layer 1 is the first hidden layer, layer ``d + 1`` the output.

    Attributes:
        activations: the hidden activations, in order.
        depths: the numbers of hidden layers, in order.
        norms: ``{(activation, depth): (depth + 1,) array}``, each layer's weight-gradient norm,
            the median over seeds.
        seed_norms: ``{(activation, depth): (seeds, depth + 1) array}``, per seed.
        ratios: shape ``(len(activations), len(depths))``: ``norms[(a, d)][0] /
            norms[(a, d)][d - 1]``, the median norm of the first hidden layer over the median
            norm of the last hidden layer (1 for depth 1; NaN only when both medians are
            exactly 0, dead networks). One definition: the per-layer table's first and last
            hidden columns give the ratio table's entry.
        width, n_inputs, n_samples, init, seeds: the settings.
    """

    activations: tuple[str, ...]
    depths: tuple[int, ...]
    norms: dict[tuple[str, int], jax.Array]
    seed_norms: dict[tuple[str, int], jax.Array]
    ratios: jax.Array
    width: int
    n_inputs: int
    n_samples: int
    init: str
    seeds: int

    def ratio(self, activation: str, depth: int) -> float:
        """The ratio first hidden / last hidden layer for one activation and depth."""
        check_choice("activation", activation, self.activations)
        check_choice("depth", depth, self.depths)
        i, j = self.activations.index(activation), self.depths.index(depth)
        return float(self.ratios[i, j])

    def default_depth(self) -> int:
        """The depth readings and figures use by default: 10 if measured, else the deepest."""
        return 10 if 10 in self.depths else max(self.depths)

    def ratio_rows(self) -> tuple[list[str], list[list[Any]]]:
        """Headers and rows of the ratio table: one row per activation, one column per depth."""
        headers = ["activation"] + [f"depth {d}" for d in self.depths]
        rows = [[a] + [float(r) for r in self.ratios[i]] for i, a in enumerate(self.activations)]
        return headers, rows

    def layer_rows(self, depth: int | None = None) -> tuple[list[str], list[list[Any]]]:
        """Headers and rows of the per-layer norms at ``depth``: one row per activation."""
        depth = self.default_depth() if depth is None else depth
        check_choice("depth", depth, self.depths)
        headers = ["activation"] + [f"layer {l}" for l in range(1, depth + 1)] + ["output"]
        rows = [[a] + [float(v) for v in self.norms[(a, depth)]] for a in self.activations]
        return headers, rows

    def measurements(self) -> dict[str, Any]:
        """The measured numbers for a JSON file: ``{"ratios": {activation: {depth: ratio}},
        "layer_norms": {activation: {depth: per-layer norms}}}`` (depths as strings)."""
        return {
            "ratios": {
                a: dict(zip(map(str, self.depths), map(float, self.ratios[i]), strict=True))
                for i, a in enumerate(self.activations)
            },
            "layer_norms": {
                a: {str(d): self.norms[(a, d)] for d in self.depths} for a in self.activations
            },
        }

    def table(self) -> str:
        """Ratio first hidden / last hidden layer gradient norm, per activation and depth."""
        return format_table(*self.ratio_rows(), digits=3)

    def layer_table(self, depth: int | None = None) -> str:
        """Each layer's weight-gradient norm at ``depth`` (median over seeds)."""
        return format_table(*self.layer_rows(depth), digits=3)

    def reading(self, depth: int | None = None) -> str:
        """A plain-language reading of the numbers: what fades, by how much, per layer."""
        depth = self.default_depth() if depth is None else depth
        check_choice("depth", depth, self.depths)
        j = self.depths.index(depth)
        lines = [
            f"{depth} hidden layers of {self.width} units ({self.init} init, median of "
            f"{self.seeds} seeds); ratio = median gradient norm of the first hidden layer's "
            "weights / that of the last hidden layer's (verdicts: below 0.01 fades, below 0.1 "
            "shrinks, up to 10 similar, above 10 explodes):"
        ]
        for i, a in enumerate(self.activations):
            r = float(self.ratios[i, j])
            line = f"- {a}: ratio {r:.2g}"
            if depth >= 2 and r > 0:
                per_layer = r ** (1.0 / (depth - 1))
                line += f", a factor of about {per_layer:.3g} per layer going back"
            if r < 1e-2:
                line += (
                    f": the gradient fades; the first layer's weights get a {1 / r:.2g} times "
                    "smaller gradient than the last hidden layer's."
                )
            elif r < 0.1:
                line += ": the gradient shrinks noticeably toward the first layer."
            elif r <= 10:
                line += ": the gradient reaches the first layer at a similar size."
            else:
                line += ": the gradient grows toward the first layer (it explodes)."
            if len(self.depths) > 1:
                trend = ", ".join(
                    f"{d}: {float(self.ratios[i, k]):.2g}" for k, d in enumerate(self.depths)
                )
                line += f" By depth: {trend}."
            lines.append(line)
        return "\n".join(lines)


def _stack_trees(trees: list) -> Any:
    return jax.tree.map(lambda *leaves: jnp.stack(leaves), *trees)


@functools.lru_cache(maxsize=32)
def _mse_grad_norms(activation: str | Callable) -> Callable:
    """One jitted function per activation: (seed params, x, y) -> (seeds, layers) norms.

    Cached, so a second sweep in the same process does not compile again.
    """
    hidden = _act.get(activation)

    def one_seed(params, x, y):
        def loss_fn(p):
            return losses.mse(nn.mlp(p, x, activation=hidden), y)

        return layer_grad_norms(loss_fn, params)

    return jax.jit(jax.vmap(one_seed))


def vanishing_gradients(
    *,
    activations: Sequence[str | Callable] = DEFAULT_ACTIVATIONS,
    depths: Sequence[int] = (2, 5, 10, 20),
    width: int = 32,
    n_inputs: int = 16,
    n_samples: int = 256,
    init: str = "glorot_normal",
    seeds: int = 5,
    key: jax.Array,
) -> VanishingReport:
    """Per-layer weight-gradient norms of fresh MLPs, for each activation and depth.

    For each seed: inputs ``x ~ N(0, 1)`` of shape ``(n_samples, n_inputs)``, targets
    ``y ~ N(0, 1)`` of shape ``(n_samples, 1)`` (drawn independently of ``x``), and an MLP
    ``[n_inputs] + [width] * depth + [1]`` with a linear output, initialized by ``init``. Then

        L = mean((mlp(params, x) - y)^2)
        g_l = ||dL/dW_l||_2                      for l = 1 .. depth + 1
        ratio = median over seeds of g_1 / median over seeds of g_depth

    The same weights (per seed and depth) and the same data (per seed) serve every activation.
    Compilation: one jitted, seed-vmapped function per activation and depth.

    Args:
        activations: hidden activations, names or callables (default sigmoid, tanh, relu,
            softplus).
        depths: numbers of hidden layers, each >= 1 (default 2, 5, 10, 20).
        width: units per hidden layer (default 32).
        n_inputs: input features (default 16).
        n_samples: rows of random data (default 256).
        init: a weight initializer name of :data:`jaxnn.nn.INITS` (default ``"glorot_normal"``).
        seeds: independent networks and datasets per setting (default 5).
        key: a JAX PRNG key.

    Returns:
        A :class:`VanishingReport`.

    Examples:
        >>> import jax
        >>> r = vanishing_gradients(activations=("relu",), depths=(6,), seeds=2,
        ...                         key=jax.random.key(0))
        >>> r.norms[("relu", 6)].shape
        (7,)
    """
    activations = _check_activations(activations)
    if isinstance(depths, int) or not isinstance(depths, Sequence) or not depths:
        raise TypeError(
            f"`depths` must be a non-empty sequence of ints such as (2, 5, 10), got {depths!r}."
        )
    depths = tuple(check_int(f"depths[{i}]", d, minimum=1) for i, d in enumerate(depths))
    if len(set(depths)) != len(depths):
        raise ValueError(f"`depths` has repeated values: {depths}. Give each depth once.")
    width = check_int("width", width, minimum=1)
    n_inputs = check_int("n_inputs", n_inputs, minimum=1)
    n_samples = check_int("n_samples", n_samples, minimum=1)
    seeds = check_int("seeds", seeds, minimum=1)
    if not isinstance(init, str) or init not in nn.INITS:
        raise ValueError(f"`init` must be one of {', '.join(nn.INITS)}; got init={init!r}.")
    _check_key(key)

    init_key, data_key = jax.random.split(key)
    seed_keys = list(jax.random.split(init_key, seeds))
    # One draw per seed holds both the inputs and the targets (one random op to compile).
    xy = jax.vmap(lambda k: jax.random.normal(k, (n_samples, n_inputs + 1)))(
        jax.random.split(data_key, seeds)
    )
    x, y = xy[:, :, :n_inputs], xy[:, :, n_inputs:]
    fns = {_label(a): _mse_grad_norms(a) for a in activations}
    labels = tuple(fns)
    norms, seed_norms = {}, {}
    ratios = np.zeros((len(labels), len(depths)), dtype=np.float32)
    for j, depth in enumerate(depths):
        sizes = [n_inputs] + [width] * depth + [1]
        # Initialized eagerly per seed: the per-layer random ops compile once per shape and are
        # shared by every depth, where a jitted init would compile once per depth.
        params = _stack_trees([nn.init_mlp(k, sizes, init=init) for k in seed_keys])
        for i, label in enumerate(labels):
            g = fns[label](params, x, y)  # (seeds, depth + 1)
            seed_norms[(label, depth)] = g
            norms[(label, depth)] = jnp.median(g, axis=0)
            median = norms[(label, depth)]
            ratios[i, j] = float(median[0] / median[depth - 1])
    return VanishingReport(
        activations=labels,
        depths=depths,
        norms=norms,
        seed_norms=seed_norms,
        ratios=jnp.asarray(ratios),
        width=width,
        n_inputs=n_inputs,
        n_samples=n_samples,
        init=init,
        seeds=seeds,
    )


# --------------------------------------------------------------------------------------------
# The consequence: training a deep MLP with each activation


class DepthComparison(NamedTuple):
    """Training curves of one deep MLP per activation (from :func:`train_depth_comparison`).

    Attributes:
        activations: the hidden activations, in order.
        loss: training loss (softmax cross-entropy on the whole training set), shape
            ``(len(activations), epochs + 1)``; column 0 is before training.
        accuracy: training accuracy, the same shape.
        test_loss: loss on the held-out set after training, shape ``(len(activations),)``.
        test_accuracy: accuracy on the held-out set after training, the same shape.
        dataset: which data was used, in words (scikit-learn's digits or a generated set).
        depth, width, epochs, batch_size, optimizer: the settings (``optimizer`` in words).
        n_train, n_test: the split.
    """

    activations: tuple[str, ...]
    loss: jax.Array
    accuracy: jax.Array
    test_loss: jax.Array
    test_accuracy: jax.Array
    dataset: str
    depth: int
    width: int
    epochs: int
    batch_size: int
    optimizer: str
    n_train: int
    n_test: int

    def curves(self, metric: str = "loss") -> dict[str, jax.Array]:
        """``{activation: curve}`` for ``metric`` ``"loss"`` or ``"accuracy"`` (for plotting)."""
        check_choice("metric", metric, ("loss", "accuracy"))
        values = self.loss if metric == "loss" else self.accuracy
        return {a: values[i] for i, a in enumerate(self.activations)}

    def rows(self) -> tuple[list[str], list[list[Any]]]:
        """Headers and rows: per activation, the loss before/after and the accuracies."""
        headers = ["activation", "loss at start", "final loss", "train acc", "test acc"]
        rows = [
            [
                a,
                float(self.loss[i, 0]),
                float(self.loss[i, -1]),
                float(self.accuracy[i, -1]),
                float(self.test_accuracy[i]),
            ]
            for i, a in enumerate(self.activations)
        ]
        return headers, rows

    def table(self) -> str:
        """The final numbers as a text table."""
        return format_table(*self.rows(), digits=3)

    def verdict(self, i: int) -> str:
        """The verdict on activation ``i``, from the stated thresholds :data:`LEARNED_ACCURACY`
        (test accuracy) and :data:`MOVED_LOSS_DROP` (relative fall of the training loss)."""
        start, end = float(self.loss[i, 0]), float(self.loss[i, -1])
        drop = 1.0 - end / start if start > 0 else 0.0
        if float(self.test_accuracy[i]) >= LEARNED_ACCURACY:
            return "learned"
        if drop >= MOVED_LOSS_DROP:
            return "still learning"
        return "barely learned"

    def reading(self) -> str:
        """A plain-language reading: which activation learned, which barely moved.

        Verdicts: "learned" at test accuracy >= 90%; "still learning" when the training loss
        fell by at least 10% but test accuracy is below 90%; "barely learned" otherwise.
        """
        lines = [
            f"{self.depth} hidden layers of {self.width} units, {plural(self.epochs, 'epoch')} "
            f"of {self.optimizer}, batches of {self.batch_size}, on {self.dataset} (verdicts: "
            f"learned = test accuracy >= {LEARNED_ACCURACY:.0%}; still learning = training loss "
            f"down >= {MOVED_LOSS_DROP:.0%} but test accuracy lower; barely learned = loss down "
            f"< {MOVED_LOSS_DROP:.0%}):"
        ]
        for i, a in enumerate(self.activations):
            start, end = float(self.loss[i, 0]), float(self.loss[i, -1])
            drop = 1.0 - end / start if start > 0 else 0.0
            lines.append(
                f"- {a}: loss {start:.3g} → {end:.3g} ({100 * drop:.3g}% lower), test accuracy "
                f"{float(self.test_accuracy[i]):.0%}: {self.verdict(i)}."
            )
        return "\n".join(lines)


def _load_dataset(dataset: str, key: jax.Array) -> tuple[np.ndarray, np.ndarray, str]:
    """(x, labels, description): the digits (jaxnn.data.load_digits) or, without scikit-learn,
    10 generated Gaussian clusters of the same shape."""
    if dataset in ("auto", "digits"):
        try:
            x, labels = data.load_digits()
        except ImportError:
            if dataset == "digits":
                raise ImportError(
                    "dataset='digits' needs scikit-learn (pip install scikit-learn, or "
                    "pip install \".[data]\" in a clone of jaxnn); or use dataset='generated'."
                ) from None
        else:
            return (
                np.asarray(x, np.float32),
                np.asarray(labels, np.int32),
                "digits (scikit-learn load_digits: 1797 8x8 images, 10 classes, standardized)",
            )
    # 10 Gaussian clusters in 64 dimensions, the digits' shape.
    k_centers, k_labels, k_noise = jax.random.split(key, 3)
    centers = np.asarray(jax.random.normal(k_centers, (10, 64)))
    labels = np.asarray(jax.random.randint(k_labels, (1797,), 0, 10), dtype=np.int32)
    x = centers[labels] + 2.0 * np.asarray(jax.random.normal(k_noise, (1797, 64)))
    return (
        x.astype(np.float32),
        labels,
        "generated (10 Gaussian clusters in 64 dimensions, 1797 points, standardized)",
    )


@functools.lru_cache(maxsize=8)
def _default_sgd(learning_rate: float) -> _optim.Optimizer:
    return _optim.sgd(learning_rate)


@functools.lru_cache(maxsize=32)
def _train_classifier(activation: str | Callable, optimizer: _optim.Optimizer) -> Callable:
    """A jitted ``(params, x, y, x_test, y_test, orders) -> (loss, acc, test_loss, test_acc)``.

    Private, to be replaced by ``jaxnn.train``. ``orders`` of shape ``(epochs, batches, batch)``
    holds the row indices of every minibatch; each epoch runs its minibatch steps in a
    ``lax.scan`` and then records the loss and accuracy on the whole training set. Cached, so a
    repeated configuration in the same process does not compile again.
    """
    hidden = _act.get(activation)

    def loss_fn(params, x, y):
        return losses.softmax_cross_entropy(nn.mlp(params, x, activation=hidden), y)

    def metrics(params, x, y):
        logits = nn.mlp(params, x, activation=hidden)
        return losses.softmax_cross_entropy(logits, y), losses.accuracy(logits, y)

    def run(params, x, y, x_test, y_test, orders):
        def step(carry, idx):
            params, state = carry
            grads = jax.grad(loss_fn)(params, x[idx], y[idx])
            updates, state = optimizer.update(grads, state, params)
            return (_optim.apply_updates(params, updates), state), None

        def epoch(carry, order):
            carry, _ = jax.lax.scan(step, carry, order)
            return carry, metrics(carry[0], x, y)

        carry = (params, optimizer.init(params))
        (params, _), (loss, acc) = jax.lax.scan(epoch, carry, orders)
        loss0, acc0 = metrics(carry[0], x, y)
        loss = jnp.concatenate([loss0[None], loss])
        return loss, jnp.concatenate([acc0[None], acc]), *metrics(params, x_test, y_test)

    return jax.jit(run)


def train_depth_comparison(
    *,
    activations: Sequence[str | Callable] = DEFAULT_ACTIVATIONS,
    depth: int = 8,
    width: int = 32,
    epochs: int = 20,
    batch_size: int = 32,
    learning_rate: float = 0.1,
    optimizer: _optim.Optimizer | None = None,
    init: str = "glorot_normal",
    dataset: str = "auto",
    test_fraction: float = 0.2,
    key: jax.Array,
) -> DepthComparison:
    """Trains the same deep MLP with each hidden activation and returns the learning curves.

    The cause (:func:`vanishing_gradients`) has a consequence: with sigmoid hidden layers the
    first layers of a deep network hardly move, and the loss stays near its start, while ReLU
    learns. Every activation gets the same initial weights, data, split, batch order and
    optimizer:

        logits = mlp(params, x)   with sizes [features] + [width] * depth + [classes]
        L = softmax_cross_entropy(logits, labels)   (minibatch SGD by default)

    Data: ``dataset="auto"`` uses scikit-learn's ``load_digits`` when scikit-learn is installed,
    otherwise a generated set of 10 Gaussian clusters of the same shape; features are
    standardized with the training split's mean and standard deviation. ``result.dataset`` says
    which.

    Args:
        activations: hidden activations (default sigmoid, tanh, relu, softplus).
        depth: hidden layers (default 8).
        width: units per hidden layer (default 32).
        epochs: passes over the training set (default 20).
        batch_size: minibatch size (default 32).
        learning_rate: for the default optimizer, ``jaxnn.optim.sgd(learning_rate)`` (0.1).
        optimizer: any ``(init, update)`` optimizer instead of plain SGD.
        init: weight initializer name (default ``"glorot_normal"``).
        dataset: ``"auto"``, ``"digits"`` or ``"generated"``.
        test_fraction: share of the rows held out for the test numbers, in (0, 1) (0.2).
        key: a JAX PRNG key (weights, split, batch order).

    Returns:
        A :class:`DepthComparison`.

    Examples:
        >>> import jax
        >>> r = train_depth_comparison(activations=("sigmoid", "relu"), depth=3, width=8,
        ...                            epochs=2, dataset="generated", key=jax.random.key(0))
        >>> r.loss.shape, r.dataset.split()[0]
        ((2, 3), 'generated')
    """
    activations = _check_activations(activations)
    depth = check_int("depth", depth, minimum=1)
    width = check_int("width", width, minimum=1)
    epochs = check_int("epochs", epochs, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    check_choice("dataset", dataset, ("auto", "digits", "generated"))
    check_finite("test_fraction", test_fraction)
    if not 0 < test_fraction < 1:
        raise ValueError(
            f"`test_fraction` must be in (0, 1), got test_fraction={test_fraction!r}. Use e.g. 0.2."
        )
    if optimizer is None:
        check_positive("learning_rate", learning_rate)
        optimizer = _default_sgd(float(learning_rate))
        opt_name = f"SGD (learning rate {learning_rate:g})"
    else:
        if not isinstance(optimizer, tuple) or not all(
            callable(getattr(optimizer, f, None)) for f in ("init", "update")
        ):
            raise TypeError(
                "`optimizer` must be an (init, update) optimizer such as jaxnn.optim.adam(1e-3), "
                f"got {optimizer!r}."
            )
        opt_name = "the given optimizer"
    if not isinstance(init, str) or init not in nn.INITS:
        raise ValueError(f"`init` must be one of {', '.join(nn.INITS)}; got init={init!r}.")
    _check_key(key)

    k_data, k_init, k_order = jax.random.split(key, 3)
    x, labels, description = _load_dataset(dataset, k_data)
    # Shuffles are argsorts of uniform draws: row 0 splits the data, row 1 + e orders epoch e.
    u = np.asarray(jax.random.uniform(k_order, (epochs + 1, len(x))))
    perm = np.argsort(u[0])
    n_test = max(1, round(test_fraction * x.shape[0]))
    test, train = perm[:n_test], perm[n_test:]
    if batch_size > len(train):
        raise ValueError(
            f"`batch_size` must be at most the {len(train)} training rows, got "
            f"batch_size={batch_size}."
        )
    mean, std = x[train].mean(axis=0), x[train].std(axis=0)
    std = np.where(std > 0, std, 1.0)
    x = (x - mean[None, :]) / std[None, :]
    x_train, y_train = jnp.asarray(x[train]), jnp.asarray(labels[train])
    x_test, y_test = jnp.asarray(x[test]), jnp.asarray(labels[test])
    n_classes = int(labels.max()) + 1
    params0 = nn.init_mlp(k_init, [x.shape[1]] + [width] * depth + [n_classes], init=init)

    # The minibatch order of every epoch, shared by all activations (last incomplete batch
    # dropped): the training rows 0..n_train-1 in the order of a uniform draw.
    n_batches = len(train) // batch_size
    orders = np.argsort(u[1:, : len(train)], axis=1)[:, : n_batches * batch_size]
    orders = jnp.asarray(orders.reshape(epochs, n_batches, batch_size).astype(np.int32))

    curves, accs, test_loss, test_acc = [], [], [], []
    for a in activations:
        run = _train_classifier(a, optimizer)
        loss, acc, t_loss, t_acc = run(params0, x_train, y_train, x_test, y_test, orders)
        curves.append(loss)
        accs.append(acc)
        test_loss.append(t_loss)
        test_acc.append(t_acc)
    return DepthComparison(
        activations=tuple(_label(a) for a in activations),
        loss=jnp.stack(curves),
        accuracy=jnp.stack(accs),
        test_loss=jnp.stack(test_loss),
        test_accuracy=jnp.stack(test_acc),
        dataset=description,
        depth=depth,
        width=width,
        epochs=epochs,
        batch_size=batch_size,
        optimizer=opt_name,
        n_train=len(train),
        n_test=n_test,
    )
