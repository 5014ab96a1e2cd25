"""Ch. 9.4: gradient descent against SGD (figure 9-5) and the book's Table 9-1 optimizers.

:func:`gd_vs_sgd` is the Dive-into-Deep-Learning "minibatch SGD" comparison run offline:
full-batch gradient descent, SGD (batch 1) and minibatches of 10 and 100 on the diabetes
regression set (scikit-learn's bundled copy; a generated regression set without scikit-learn),
each in two execution modes:

    "compiled"     jaxnn.train.fit: whole epochs inside one jitted lax.scan
    "python_loop"  a Python for-loop over the batches calling a jitted step (the way most people
                   write it: NumPy batches sliced on the host, one dispatch per update)

Both modes make the same updates on the same batches (the order of ``jaxnn.train``), so only the
time differs. The story it measures: with a Python loop, an epoch of SGD costs hundreds of
dispatches while GD costs one, so SGD looks slow per epoch; compiled, the per-update cost is
the arithmetic, and SGD reaches a given loss after far fewer examples.

:func:`compare_optimizers` trains one MLP from one initialization on the digits (generated
blobs without scikit-learn) with sgd, momentum, nesterov, adagrad, rmsprop and adam.
"""

from __future__ import annotations

import functools
import time
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxnn import data, losses, nn, optim, train
from jaxnn._validation import (
    as_real_array,
    check_bool,
    check_callable,
    check_choice,
    check_int,
    check_mapping,
    check_optimizer,
    check_positive,
    check_sequence,
)
from jaxnn.optim.base import check_float_params

__all__ = [
    "DEFAULT_LEARNING_RATES",
    "OPTIMIZERS",
    "GdVsSgdResult",
    "GdVsSgdRun",
    "OptimizerComparison",
    "OptimizerRun",
    "compare_optimizers",
    "gd_vs_sgd",
    "python_loop_fit",
    "within_noise",
]

MODES = ("compiled", "python_loop")

DEFAULT_LEARNING_RATES: dict[str, dict[int | None, float]] = {
    # Standardized diabetes, mean squared error. The largest Hessian eigenvalue of the linear
    # model is 8.05, so full-batch GD is stable below 2 / 8.05 = 0.248; the smaller the batch,
    # the noisier the gradient and the smaller the rate that settles near the optimum (measured).
    "linear": {None: 0.2, 100: 0.05, 10: 0.01, 1: 0.002},
    "mlp": {None: 0.1, 100: 0.05, 10: 0.01, 1: 0.002},
}
"""``{model: {batch_size: learning rate}}`` of :func:`gd_vs_sgd` (``None`` is full batch)."""

OPTIMIZERS: dict[str, tuple[str, dict[str, float]]] = {
    # The book's Table 9-1 names; rates chosen so that each trains the digits MLP
    # (64-64-10, batch 32) without diverging. The book's Keras calls use sgd/momentum/nesterov
    # lr 0.1, adagrad 0.01, rmsprop and adam 0.001.
    "sgd": ("sgd", {"learning_rate": 0.1}),
    "momentum": ("momentum", {"learning_rate": 0.01, "momentum": 0.9}),
    "nesterov": ("nesterov", {"learning_rate": 0.01, "momentum": 0.9}),
    "adagrad": ("adagrad", {"learning_rate": 0.05}),
    "rmsprop": ("rmsprop", {"learning_rate": 0.001}),
    "adam": ("adam", {"learning_rate": 0.001}),
}
"""``{name: (jaxnn.optim factory, kwargs)}`` compared by :func:`compare_optimizers`."""


@functools.cache
def _optimizer(factory: str, items: tuple) -> optim.Optimizer:
    # Cached: the same Optimizer object for the same settings lets fit reuse its compiled loop.
    return getattr(optim, factory)(**dict(items))


class GdVsSgdRun(NamedTuple):
    """One batch size in one execution mode.

    Attributes:
        name: ``"GD"``, ``"SGD"`` or ``"minibatch B"``.
        mode: ``"compiled"`` or ``"python_loop"``.
        batch_size: ``None`` (full batch) or the batch size.
        learning_rate: the SGD learning rate used.
        epochs: epochs run (fewer than asked only if the loss became non-finite).
        steps_per_epoch: updates per epoch.
        loss: ``(epochs + 1,)`` mean squared error on the whole training set, before training
            and after each epoch.
        wall_time: ``(epochs + 1,)`` cumulative seconds of training (compilation excluded), 0
            first.
        examples: ``(epochs + 1,)`` examples seen: ``epoch * n``.
        compile_time: seconds compiling (``fit``'s program, or each batch shape's step and the
            evaluation function of the loop).
        epoch_time: median seconds per epoch (the epochs are the repeats).
        updates_per_second: ``steps_per_epoch / epoch_time``.
        time_to_target: seconds until ``loss <= target_loss`` first (NaN if never).
        examples_to_target: examples seen by then (NaN if never).
        final_loss: ``loss[-1]``.
        epoch_time_spread: ``(q25, q75)``, the interquartile range of the seconds per epoch:
            two runs whose ranges overlap differ within noise (see :func:`within_noise`).
    """

    name: str
    mode: str
    batch_size: int | None
    learning_rate: float
    epochs: int
    steps_per_epoch: int
    loss: np.ndarray
    wall_time: np.ndarray
    examples: np.ndarray
    compile_time: float
    epoch_time: float
    updates_per_second: float
    time_to_target: float
    examples_to_target: float
    final_loss: float
    epoch_time_spread: tuple[float, float] = (float("nan"), float("nan"))


class GdVsSgdResult(NamedTuple):
    """The result of :func:`gd_vs_sgd`.

    Attributes:
        runs: one :class:`GdVsSgdRun` per batch size and mode (batch sizes outer).
        dataset: ``"diabetes"`` or ``"regression"`` (generated, 442 x 10).
        model: ``"linear"`` or ``"mlp"``.
        n: training examples.
        target_loss: the loss the time to target is measured at.
        optimal_loss: the least-squares loss of the best linear model (closed form).
    """

    runs: tuple[GdVsSgdRun, ...]
    dataset: str
    model: str
    n: int
    target_loss: float
    optimal_loss: float

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """The runs as ``(headers, rows)``: one row per run, times in seconds, ms per epoch."""
        headers = [
            "run",
            "mode",
            "batch",
            "lr",
            "updates/epoch",
            "compile s",
            "ms/epoch",
            "ms/epoch IQR",
            "updates/s",
            "s to target",
            "examples to target",
            "final loss",
        ]
        rows = [
            [
                r.name,
                r.mode,
                "all" if r.batch_size is None else r.batch_size,
                r.learning_rate,
                r.steps_per_epoch,
                r.compile_time,
                1e3 * r.epoch_time,
                "–".join(f"{1e3 * t:.3g}" for t in r.epoch_time_spread),
                r.updates_per_second,
                r.time_to_target,
                r.examples_to_target,
                r.final_loss,
            ]
            for r in self.runs
        ]
        return headers, rows


def within_noise(a: GdVsSgdRun, b: GdVsSgdRun) -> bool:
    """Whether two runs' seconds per epoch differ within noise: their interquartile ranges
    (:attr:`GdVsSgdRun.epoch_time_spread`) overlap.

    Examples:
        >>> run = GdVsSgdRun("GD", "compiled", None, 0.1, 4, 1, None, None, None, 0.0, 1e-3,
        ...                  1e3, 0.0, 0.0, 0.0, (0.9e-3, 1.1e-3))
        >>> within_noise(run, run._replace(epoch_time_spread=(1.0e-3, 1.2e-3)))
        True
        >>> within_noise(run, run._replace(epoch_time_spread=(2e-3, 3e-3)))
        False
    """
    (a0, a1), (b0, b1) = a.epoch_time_spread, b.epoch_time_spread
    return bool(a0 <= b1 and b0 <= a1)


def _regression_data(dataset: str, key: jax.Array) -> tuple[str, jax.Array, jax.Array]:
    check_choice("dataset", dataset, ("auto", "diabetes", "regression"))
    if dataset in ("auto", "diabetes"):
        try:
            x, y = data.load_diabetes()
            dataset = "diabetes"
        except ImportError:
            if dataset == "diabetes":
                raise
            dataset = "regression"
    if dataset == "regression":
        x, y = data.regression(key, 442, features=10, noise=1.0)
    return dataset, x, y


def _linear(params, x):
    return x @ params["w"] + params["b"]


def _mlp(params, x):
    return nn.mlp(params, x, activation="tanh")[:, 0]


def _linear_loss(params, x, y):
    return losses.mse(_linear(params, x), y)


def _mlp_loss(params, x, y):
    return losses.mse(_mlp(params, x), y)


def _init(model: str, key: jax.Array, features: int) -> tuple[Any, Any]:
    if model == "linear":
        return {"w": jnp.zeros(features), "b": jnp.zeros(())}, _linear_loss
    return nn.init_mlp(key, [features, 32, 1]), _mlp_loss


def _run_name(batch_size: int | None) -> str:
    return {None: "GD", 1: "SGD"}.get(batch_size, f"minibatch {batch_size}")


def _first_at_or_below(values: np.ndarray, target: float) -> int | None:
    hits = np.flatnonzero(values <= target)
    return int(hits[0]) if hits.size else None


@functools.cache
def _loop_programs(loss_fn, optimizer, shapes: tuple) -> tuple[dict, Any, float]:
    """AOT-compiled step for each batch shape and the evaluation (cached per configuration)."""
    x_shape, y_shape, (x_dtype, y_dtype), batch_sizes, params_like = shapes
    params = jax.tree.unflatten(
        params_like[0], [jax.ShapeDtypeStruct(s, d) for s, d in params_like[1]]
    )
    state = jax.eval_shape(optimizer.init, params)
    step = jax.jit(train.make_step(loss_fn, optimizer), donate_argnums=(0, 1))
    t0 = time.perf_counter()
    steps = {}
    for b in batch_sizes:
        xb = jax.ShapeDtypeStruct((b, *x_shape[1:]), x_dtype)
        yb = jax.ShapeDtypeStruct((b, *y_shape[1:]), y_dtype)
        steps[b] = step.lower(params, state, xb, yb).compile()
    full_x = jax.ShapeDtypeStruct(x_shape, x_dtype)
    full_y = jax.ShapeDtypeStruct(y_shape, y_dtype)
    evaluate = jax.jit(loss_fn).lower(params, full_x, full_y).compile()
    return steps, evaluate, time.perf_counter() - t0


def python_loop_fit(
    loss_fn: Any,
    params: Any,
    optimizer: Any,
    x: Any,
    y: Any,
    *,
    batch_size: int | None,
    epochs: int,
    key: jax.Array | None = None,
) -> tuple[np.ndarray, np.ndarray, float]:
    """The Python-loop twin of ``jaxnn.train.fit(..., eval_data=(x, y))``, for timing.

    The loop most people write: NumPy data on the host, each epoch's order
    ``permutation(fold_in(key, epoch), n)`` (the order of :mod:`jaxnn.train`), one call of a
    jitted, donating step per batch (the last batch smaller), then the loss on the whole set.
    Same batches and updates as ``fit``, so only the time differs. No check for non-finite
    losses; nothing is validated (see ``fit``).

    Args:
        loss_fn: ``loss_fn(params, x_batch, y_batch) -> scalar``.
        params: initial parameters (copied).
        optimizer: a jaxnn or optax optimizer.
        x: inputs ``(n, ...)``.
        y: targets ``(n, ...)``.
        batch_size: ``None`` for full batch, else ``1 .. n``.
        epochs: number of epochs.
        key: the order's key (unused for full batch).

    Returns:
        ``(loss on (x, y) after each epoch, seconds per epoch, compile seconds)``; the step of
        every batch shape and the evaluation are compiled ahead, once per configuration.

    Examples:
        >>> import jax.numpy as jnp
        >>> from jaxnn import optim
        >>> loss = lambda w, x, y: jnp.mean((x * w - y) ** 2)
        >>> x = jnp.arange(1.0, 5.0)
        >>> curve, seconds, _ = python_loop_fit(loss, jnp.zeros(()), optim.sgd(0.05), x, 2 * x,
        ...                                     batch_size=None, epochs=3)
        >>> curve.shape, bool(curve[-1] < curve[0])
        ((3,), True)
    """
    check_callable("loss_fn", loss_fn, "loss_fn(params, x_batch, y_batch) -> scalar")
    check_optimizer("optimizer", optimizer)
    x_np, y_np = np.asarray(as_real_array("x", x)), np.asarray(as_real_array("y", y))
    if x_np.ndim == 0 or y_np.ndim == 0 or x_np.shape[0] != y_np.shape[0]:
        raise ValueError(
            f"`x` and `y` must have the same number of rows, got shapes {x_np.shape} and "
            f"{y_np.shape}."
        )
    check_float_params(params)
    n = x_np.shape[0]
    epochs = check_int("epochs", epochs, minimum=1)
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, minimum=1)
        if batch_size > n:
            raise ValueError(f"`batch_size` must be <= n={n}, got batch_size={batch_size}.")
    sizes = (n,) if batch_size is None else tuple(sorted({batch_size, n % batch_size} - {0}))
    leaves, treedef = jax.tree.flatten(params)
    like = (treedef, tuple((np.shape(a), jnp.result_type(a)) for a in leaves))
    shapes = (x_np.shape, y_np.shape, (x_np.dtype, y_np.dtype), sizes, like)
    steps, evaluate, compile_time = _loop_programs(loss_fn, optimizer, shapes)
    params = jax.tree.map(lambda a: jnp.array(a, copy=True), params)
    state = optimizer.init(params)
    x_dev, y_dev = jnp.asarray(x_np), jnp.asarray(y_np)
    losses_, times = [], []
    for epoch in range(epochs):
        t0 = time.perf_counter()
        if batch_size is None:
            params, state, _ = steps[n](params, state, x_np, y_np)
        else:
            order = np.asarray(jax.random.permutation(train.epoch_key(key, epoch), n))
            for i in range(0, n, batch_size):
                idx = order[i : i + batch_size]
                params, state, _ = steps[len(idx)](params, state, x_np[idx], y_np[idx])
        losses_.append(float(evaluate(params, x_dev, y_dev)))
        times.append(time.perf_counter() - t0)
    return np.asarray(losses_), np.asarray(times), compile_time


def gd_vs_sgd(
    *,
    key: jax.Array | None = None,
    dataset: str = "auto",
    model: str = "linear",
    batch_sizes: Sequence[int | None] = (None, 1, 10, 100),
    learning_rates: Mapping[int | None, float] | None = None,
    epochs: int | None = None,
    modes: Sequence[str] = MODES,
    target_loss: float | None = None,
    quick: bool = False,
) -> GdVsSgdResult:
    """Full-batch GD, SGD and minibatch SGD on one regression task, compiled and in a Python loop.

    Each run starts from the same parameters and minimizes the mean squared error
    ``mean((f(x) - y)^2)`` on the standardized data with plain SGD ``w -= lr * g``; after every
    epoch the loss on the whole training set is recorded against wall-clock time (compilation
    excluded and reported apart) and examples seen.

    Args:
        key: a JAX PRNG key for the initialization and the batch order (default
            ``jax.random.key(0)``).
        dataset: ``"diabetes"`` (scikit-learn's bundled copy, 442 x 10), ``"regression"``
            (generated, 442 x 10) or ``"auto"`` (default: diabetes when scikit-learn is there).
        model: ``"linear"`` (default) or ``"mlp"`` (10-32-1, tanh).
        batch_sizes: the runs (default ``(None, 1, 10, 100)``; ``None`` is full batch).
        learning_rates: ``{batch_size: lr}`` overriding :data:`DEFAULT_LEARNING_RATES`.
        epochs: epochs per run (default 20; 4 with ``quick``).
        modes: a subset of ``("compiled", "python_loop")``.
        target_loss: the loss for ``time_to_target`` (default ``1.04 *`` the optimal linear
            least-squares loss).
        quick: 4 epochs on the first 400 examples (so that 10 and 100 divide ``n`` and each
            run compiles one step shape): seconds, for tests and ``--quick``.

    Returns:
        A :class:`GdVsSgdResult`.

    Examples:
        >>> r = gd_vs_sgd(batch_sizes=(None,), modes=("compiled",), epochs=3)
        >>> r.runs[0].name, r.runs[0].loss.shape, bool(r.runs[0].loss[-1] < r.runs[0].loss[0])
        ('GD', (4,), True)
    """
    check_bool("quick", quick)
    check_choice("model", model, ("linear", "mlp"))
    epochs = (4 if quick else 20) if epochs is None else check_int("epochs", epochs, minimum=1)
    modes = check_sequence("modes", modes, "mode names")
    batch_sizes = check_sequence("batch_sizes", batch_sizes, "batch sizes (None: full batch)")
    for mode in modes:
        check_choice("modes", mode, MODES)
    if not modes:
        raise ValueError(f"`modes` must name at least one of {MODES}, got modes=().")
    rates = dict(DEFAULT_LEARNING_RATES[model])
    if learning_rates is not None:
        rates.update(check_mapping("learning_rates", learning_rates, "{batch_size: lr}"))
    for b in batch_sizes:  # before the data is loaded; the sizes are checked against n below
        if b is not None:
            check_int("batch_sizes[i]", b, minimum=1)
        if b not in rates:
            raise ValueError(
                f"`learning_rates` has no rate for batch size {b!r}; pass "
                f"learning_rates={{{b!r}: 0.01, ...}}."
            )
        check_positive(f"learning_rates[{b!r}]", rates[b])
    key = jax.random.key(0) if key is None else key
    k_data, k_init, k_order = jax.random.split(key, 3)
    dataset, x, y = _regression_data(dataset, k_data)
    if quick:  # 400 examples: batch sizes 1, 10 and 100 divide n, one step shape per run
        x, y = x[:400], y[:400]
    x, y = data.standardize(x), data.standardize(y)
    n = x.shape[0]
    for b in batch_sizes:
        if b is not None and b > n:
            raise ValueError(f"`batch_sizes` entries must be <= n={n}, got {b}.")

    design = np.c_[np.asarray(x, np.float64), np.ones(n)]
    coef, *_ = np.linalg.lstsq(design, np.asarray(y, np.float64), rcond=None)
    optimal = float(np.mean((design @ coef - np.asarray(y, np.float64)) ** 2))
    if target_loss is None:
        target_loss = round(1.04 * optimal, 4)
    check_positive("target_loss", target_loss)

    params0, loss_fn = _init(model, k_init, x.shape[1])
    initial = float(loss_fn(params0, x, y))
    runs = []
    for b in batch_sizes:
        opt = _optimizer("sgd", (("learning_rate", float(rates[b])),))
        steps = train.steps_per_epoch(n, b)
        for mode in modes:
            if mode == "compiled":
                with warnings.catch_warnings():  # a diverging rate shows as a short curve
                    warnings.simplefilter("ignore", RuntimeWarning)
                    r = train.fit(
                        loss_fn,
                        params0,
                        opt,
                        x,
                        y,
                        batch_size=b,
                        epochs=epochs,
                        key=k_order,
                        eval_data=(x, y),
                        progress=False,
                    )
                curve, times, compile_time = (
                    r.history.eval_loss,
                    r.history.epoch_time,
                    r.history.compile_time,
                )
            else:
                curve, times, compile_time = python_loop_fit(
                    loss_fn, params0, opt, x, y, batch_size=b, epochs=epochs, key=k_order
                )
            loss = np.concatenate([[initial], np.asarray(curve, np.float64)])
            wall = np.concatenate([[0.0], np.cumsum(times)])
            examples = np.arange(len(loss), dtype=np.float64) * n
            hit = _first_at_or_below(loss, target_loss)
            epoch_time = float(np.median(times)) if len(times) else float("nan")
            spread = (
                tuple(float(q) for q in np.percentile(times, [25, 75]))
                if len(times)
                else (float("nan"), float("nan"))
            )
            runs.append(
                GdVsSgdRun(
                    name=_run_name(b),
                    mode=mode,
                    batch_size=b,
                    learning_rate=float(rates[b]),
                    epochs=len(loss) - 1,
                    steps_per_epoch=steps,
                    loss=loss,
                    wall_time=wall,
                    examples=examples,
                    compile_time=float(compile_time),
                    epoch_time=epoch_time,
                    updates_per_second=steps / epoch_time if epoch_time > 0 else float("inf"),
                    time_to_target=float(wall[hit]) if hit is not None else float("nan"),
                    examples_to_target=float(examples[hit]) if hit is not None else float("nan"),
                    final_loss=float(loss[-1]),
                    epoch_time_spread=spread,
                )
            )
    return GdVsSgdResult(tuple(runs), dataset, model, n, float(target_loss), optimal)


class OptimizerRun(NamedTuple):
    """One optimizer of :func:`compare_optimizers`.

    Attributes:
        name: the Table 9-1 name (``"sgd"``, ``"momentum"``, ...).
        hyperparameters: the keyword arguments of its ``jaxnn.optim`` factory.
        train_loss: ``(epochs,)`` mean training batch loss of each epoch.
        test_loss: ``(epochs,)`` softmax cross-entropy on the test set after each epoch.
        test_accuracy: ``(epochs,)`` test accuracy after each epoch.
        train_time: seconds of training (compilation excluded).
        compile_time: seconds compiling.
        final_test_loss: ``test_loss[-1]``.
        final_test_accuracy: ``test_accuracy[-1]``.
        stopped: ``History.stopped`` (``"nonfinite"`` if it diverged).
    """

    name: str
    hyperparameters: dict
    train_loss: np.ndarray
    test_loss: np.ndarray
    test_accuracy: np.ndarray
    train_time: float
    compile_time: float
    final_test_loss: float
    final_test_accuracy: float
    stopped: str


class OptimizerComparison(NamedTuple):
    """The result of :func:`compare_optimizers`.

    Attributes:
        runs: one :class:`OptimizerRun` per optimizer, in the order asked.
        dataset: ``"digits"`` or ``"blobs"`` (generated, 1797 x 64, 10 classes).
        sizes: the MLP's layer widths.
        batch_size: examples per update.
        epochs: epochs per optimizer.
        n_train: training examples.
        n_test: test examples.
    """

    runs: tuple[OptimizerRun, ...]
    dataset: str
    sizes: tuple[int, ...]
    batch_size: int
    epochs: int
    n_train: int
    n_test: int

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """The runs as ``(headers, rows)``: one row per optimizer, final losses, times in s."""
        headers = [
            "optimizer",
            "hyperparameters",
            "train loss",
            "test loss",
            "test accuracy",
            "train s",
            "compile s",
            "stopped",
        ]
        rows = [
            [
                r.name,
                " ".join(f"{k}={v}" for k, v in r.hyperparameters.items()),
                float(r.train_loss[-1]) if len(r.train_loss) else float("nan"),
                r.final_test_loss,
                r.final_test_accuracy,
                r.train_time,
                r.compile_time,
                r.stopped,
            ]
            for r in self.runs
        ]
        return headers, rows


def _classification_data(dataset: str, key: jax.Array) -> tuple[str, jax.Array, jax.Array]:
    check_choice("dataset", dataset, ("auto", "digits", "blobs"))
    if dataset in ("auto", "digits"):
        try:
            x, y = data.load_digits()
            return "digits", x, y
        except ImportError:
            if dataset == "digits":
                raise
    x, y = data.blobs(key, 1797, 10, features=64, spread=6.0)
    return "blobs", x, y


@functools.cache
def _classifier_fns(activation: str):
    def loss_fn(params, x, y):
        return losses.softmax_cross_entropy(nn.mlp(params, x, activation=activation), y)

    def accuracy_fn(params, x, y):
        return losses.accuracy(nn.mlp(params, x, activation=activation), y)

    return loss_fn, accuracy_fn


def compare_optimizers(
    *,
    key: jax.Array | None = None,
    dataset: str = "auto",
    optimizers: Sequence[str] | Mapping[str, Any] | None = None,
    hidden: int = 64,
    batch_size: int = 32,
    epochs: int | None = None,
    quick: bool = False,
) -> OptimizerComparison:
    """The book's Table 9-1 optimizers train the same MLP from the same initialization.

    About 75% of the examples train (rounded down to a multiple of ``batch_size``, so every batch
    has the same size and one step shape is compiled), the rest test; inputs are standardized
    with the training set's statistics. The MLP is ``features-hidden-classes`` with ReLU (He
    initialization), trained with softmax cross-entropy by :func:`jaxnn.train.fit` in
    minibatches, the same order for every optimizer.

    Args:
        key: a JAX PRNG key for the split, the initialization and the order (default
            ``jax.random.key(0)``).
        dataset: ``"digits"`` (scikit-learn's bundled 1797 8x8 images), ``"blobs"`` (generated
            1797 x 64, 10 classes) or ``"auto"`` (default: digits when scikit-learn is there).
        optimizers: names from :data:`OPTIMIZERS` (default: all six), or a mapping
            ``{name: optimizer}`` of ready-made optimizers.
        hidden: hidden width (default 64).
        batch_size: examples per update (default 32).
        epochs: epochs per optimizer (default 20; 3 with ``quick``).
        quick: fewer epochs (for tests and ``--quick``).

    Returns:
        An :class:`OptimizerComparison`.

    Examples:
        >>> r = compare_optimizers(optimizers=["adam"], epochs=2, batch_size=64)
        >>> r.runs[0].name, r.runs[0].test_accuracy.shape, bool(r.runs[0].final_test_accuracy > 0.5)
        ('adam', (2,), True)
    """
    check_bool("quick", quick)
    hidden = check_int("hidden", hidden, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    epochs = (3 if quick else 20) if epochs is None else check_int("epochs", epochs, minimum=1)
    if optimizers is None:
        optimizers = tuple(OPTIMIZERS)
    if isinstance(optimizers, Mapping):
        chosen = [(name, opt, {}) for name, opt in optimizers.items()]
        for name, opt, _ in chosen:  # before the data is loaded
            check_optimizer(f"optimizers[{name!r}]", opt)
    else:
        if isinstance(optimizers, str):
            optimizers = (optimizers,)
        optimizers = check_sequence("optimizers", optimizers, "optimizer names")
        chosen = []
        for name in optimizers:
            check_choice("optimizers", name, tuple(OPTIMIZERS))
            factory, kwargs = OPTIMIZERS[name]
            chosen.append((name, _optimizer(factory, tuple(sorted(kwargs.items()))), kwargs))
    if not chosen:
        raise ValueError("`optimizers` must name at least one optimizer.")

    key = jax.random.key(0) if key is None else key
    k_data, k_split, k_init, k_order = jax.random.split(key, 4)
    dataset, x, y = _classification_data(dataset, k_data)
    n = x.shape[0]
    n_train = (round(0.75 * n) // batch_size) * batch_size
    if n_train == 0:
        raise ValueError(
            f"`batch_size` must be <= the {round(0.75 * n)} training examples, got {batch_size}."
        )
    order = data.epoch_order(k_split, n)  # the order train_test_split uses
    train_set = data.Dataset(x[order[:n_train]], y[order[:n_train]])
    test_set = data.Dataset(x[order[n_train:]], y[order[n_train:]])
    x_test = data.standardize(test_set.x, train_set.x)
    x_train = data.standardize(train_set.x)
    classes = int(jnp.max(y)) + 1
    sizes = (x.shape[1], hidden, classes)
    params0 = nn.init_mlp(k_init, sizes, init="he_normal")
    loss_fn, accuracy_fn = _classifier_fns("relu")
    runs = []
    for name, opt, kwargs in chosen:
        with warnings.catch_warnings():  # divergence is recorded in `stopped`
            warnings.simplefilter("ignore", RuntimeWarning)
            r = train.fit(
                loss_fn,
                params0,
                opt,
                x_train,
                train_set.y,
                batch_size=batch_size,
                epochs=epochs,
                key=k_order,
                eval_data=(x_test, test_set.y),
                accuracy_fn=accuracy_fn,
                progress=False,
            )
        h = r.history
        test_loss = np.asarray(h.eval_loss, np.float64)
        test_acc = np.asarray(h.eval_accuracy, np.float64)
        runs.append(
            OptimizerRun(
                name=name,
                hyperparameters=dict(kwargs),
                train_loss=np.asarray(h.epoch_loss, np.float64),
                test_loss=test_loss,
                test_accuracy=test_acc,
                train_time=float(np.sum(h.epoch_time)),
                compile_time=float(h.compile_time),
                final_test_loss=float(test_loss[-1]) if len(test_loss) else float("nan"),
                final_test_accuracy=float(test_acc[-1]) if len(test_acc) else float("nan"),
                stopped=h.stopped,
            )
        )
    return OptimizerComparison(
        tuple(runs),
        dataset,
        sizes,
        batch_size,
        epochs,
        int(x_train.shape[0]),
        int(x_test.shape[0]),
    )
