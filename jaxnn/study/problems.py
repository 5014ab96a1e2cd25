"""The study's problems: named, offline training tasks with a fixed budget and a test metric.

A :class:`Problem` holds everything one training run needs and how to score it:

    params = problem.init(init_key)
    loss   = problem.loss(params, x_batch, y_batch)              (a mean over the batch)
    score  = problem.metric(params, x, y)                        (on the validation or test split)

trained for ``problem.epochs`` epochs of ``problem.batch_size`` (``None``: full batch) on
``problem.train``. The splits are fixed (made once from a fixed key), so every optimizer and
seed sees the same data; the seeds vary the initialisation and the minibatch order only.

    ===============  ==============================================  ===========  ===========
    name             task                                            batch        metric
    ===============  ==============================================  ===========  ===========
    xor              2-2-1 tanh/sigmoid net on XOR (ch. 8)           full, 300    test MSE
    digits           MLP 64-32-10 ReLU, scikit-learn digits          64, 10       accuracy
    diabetes         MLP 10-16-1 tanh regression, diabetes           32, 40       test MSE
    deep_digits      MLP 64-(16 x 8)-10 sigmoid (vanishing gradient) 64, 10       accuracy
    noisy_quadratic  20-D quadratic, noisy samples (DeepOBS)         32, 10       test loss
    rosenbrock       2-D Rosenbrock from (-1.2, 1) + noise           full, 200    f(x)
    ===============  ==============================================  ===========  ===========

Real data come from :func:`jaxnn.data.load_digits` / :func:`jaxnn.data.load_diabetes` (the
copies bundled with scikit-learn; nothing is downloaded). Problems are built on first use and
cached. Add your own with :func:`register_problem`.

Examples:
    >>> p = get_problem("xor")
    >>> p.name, p.batch_size, p.metric_name, p.higher_is_better
    ('xor', None, 'test MSE', False)
    >>> "rosenbrock" in problem_names()
    True
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from jaxnn import data, losses, nn, surfaces
from jaxnn._validation import check_callable

__all__ = [
    "Problem",
    "Split",
    "describe",
    "get_problem",
    "problem_names",
    "register_problem",
]

_SPLIT_KEY = 20210718  # the data splits' fixed key (they never depend on the study's key)


class Split(NamedTuple):
    """One split of a problem's data: inputs ``x (n, ...)`` and targets ``y (n, ...)``."""

    x: jax.Array
    y: jax.Array


class Problem(NamedTuple):
    """A training task of the study (module docstring).

    Attributes:
        name: the registry name.
        description: one line for tables and docs.
        loss: ``loss(params, x_batch, y_batch) -> scalar``, the training objective.
        init: ``init(key) -> params``, traceable (vmapped over the seeds).
        train, valid, test: the three :class:`Split`\\ s.
        epochs: the fixed training budget in epochs.
        batch_size: ``None`` (full batch) or ``1 <= batch_size <= len(train.x)``.
        metric: ``metric(params, x, y) -> scalar``, traceable; scores the validation (for
            tuning) and test (for the result) splits.
        metric_name: e.g. ``"test accuracy"``.
        higher_is_better: True for accuracies, False for losses.
    """

    name: str
    description: str
    loss: Callable
    init: Callable
    train: Split
    valid: Split
    test: Split
    epochs: int
    batch_size: int | None
    metric: Callable
    metric_name: str
    higher_is_better: bool


_REGISTRY: dict[str, Callable[[], Problem]] = {}


def register_problem(name: str, factory: Callable[[], Problem]) -> None:
    """Adds a problem to the registry under ``name``; ``factory()`` builds it on first use.

    Args:
        name: a new name (an existing one raises ``ValueError``; names are a study's columns).
        factory: ``factory() -> Problem``, called once (the result is cached).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> def line():
        ...     x = jnp.linspace(-1, 1, 16)[:, None]
        ...     s = Split(x, 2 * x[:, 0])
        ...     mse = lambda w, x, y: jnp.mean((x[:, 0] * w - y) ** 2)
        ...     return Problem("line", "fit y = 2x", mse, lambda key: jax.random.normal(key),
        ...                    s, s, s, 5, 8, mse, "test MSE", False)
        >>> register_problem("line_example", line)
        >>> get_problem("line_example").epochs
        5
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"`name` must be a non-empty string, got {name!r}.")
    if name in _REGISTRY:
        raise ValueError(f"a problem named {name!r} is already registered; choose another `name`.")
    check_callable("factory", factory, "factory() -> Problem")
    _REGISTRY[name] = functools.cache(factory)


def problem_names() -> tuple[str, ...]:
    """The registered problem names, built-in ones first."""
    return tuple(_REGISTRY)


def get_problem(name: str | Problem) -> Problem:
    """The registered problem ``name`` (a :class:`Problem` passes through).

    Raises:
        ValueError: an unknown name, listing the known ones.
        TypeError: the factory did not return a :class:`Problem`.
    """
    if isinstance(name, Problem):
        return name
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ValueError(
            f"unknown problem {name!r}: choose from {', '.join(_REGISTRY)} (or add one with "
            "jaxnn.study.register_problem)."
        )
    problem = _REGISTRY[name]()
    if not isinstance(problem, Problem):
        raise TypeError(
            f"the factory of problem {name!r} must return a jaxnn.study.Problem, got "
            f"{type(problem).__name__}."
        )
    return problem if problem.name == name else problem._replace(name=name)  # the registry's


def _splits(x: jax.Array, y: jax.Array) -> tuple[Split, Split, Split]:
    """60 / 20 / 20 train / validation / test, one fixed permutation."""
    n = x.shape[0]
    order = jax.random.permutation(jax.random.key(_SPLIT_KEY), n)
    a, b = (6 * n) // 10, (8 * n) // 10
    parts = (order[:a], order[a:b], order[b:])
    return tuple(Split(x[idx], y[idx]) for idx in parts)  # type: ignore[return-value]


def _accuracy(forward: Callable) -> Callable:
    def metric(params, x, y):
        return jnp.mean(jnp.argmax(forward(params, x), axis=-1) == y)

    return metric


def _xor() -> Problem:
    x, y = data.xor()
    split = Split(x, y.astype(jnp.float32))  # four points: train = validation = test

    def forward(params, x):
        return nn.mlp(params, x, activation="tanh", output_activation="sigmoid")[:, 0]

    def loss(params, xb, yb):
        return losses.mse(forward(params, xb), yb)

    return Problem(
        "xor", "XOR, 2-2-1 tanh/sigmoid net, MSE (ch. 8)", loss,
        lambda key: nn.init_mlp(key, [2, 2, 1]), split, split, split,
        300, None, loss, "test MSE", False,
    )  # fmt: skip


def _digits_problem(name: str, description: str, sizes: list, activation: str) -> Problem:
    x, y = data.load_digits()
    train, valid, test = _splits(x / 16.0, y)

    def forward(params, x):
        return nn.mlp(params, x, activation=activation)

    def loss(params, xb, yb):
        return losses.softmax_cross_entropy(forward(params, xb), yb)

    return Problem(
        name, description, loss, lambda key: nn.init_mlp(key, sizes), train, valid, test,
        10, 64, _accuracy(forward), "test accuracy", True,
    )  # fmt: skip


def _diabetes() -> Problem:
    x, y = data.load_diabetes()
    x = data.standardize(x)
    y = (y - jnp.mean(y)) / jnp.std(y)
    train, valid, test = _splits(x, y)

    def loss(params, xb, yb):
        return losses.mse(nn.mlp(params, xb, activation="tanh")[:, 0], yb)

    return Problem(
        "diabetes", "diabetes regression, MLP 10-16-1 tanh, MSE (standardized)", loss,
        lambda key: nn.init_mlp(key, [10, 16, 1]), train, valid, test,
        40, 32, loss, "test MSE", False,
    )  # fmt: skip


def _noisy_quadratic() -> Problem:
    dim, n = 20, 1280
    curvature = jnp.logspace(-2, 0, dim)  # Hessian eigenvalues 0.01 .. 1
    samples = jax.random.normal(jax.random.key(_SPLIT_KEY + 1), (n, dim))
    train, valid, test = _splits(samples, jnp.zeros(n))

    def loss(theta, xb, yb):
        del yb
        return 0.5 * jnp.mean(jnp.sum(curvature[None, :] * (theta[None, :] - xb) ** 2, axis=-1))

    return Problem(
        "noisy_quadratic", "20-D quadratic 0.5 (t - x)' H (t - x), x ~ N(0, I) (DeepOBS)",
        loss, lambda key: 3.0 + jax.random.normal(key, (dim,)), train, valid, test,
        10, 32, loss, "test loss", False,
    )  # fmt: skip


def _rosenbrock() -> Problem:
    dummy = Split(jnp.zeros((1, 1)), jnp.zeros(1))  # no data: the loss ignores its batch

    def loss(z, xb, yb):
        del xb, yb
        return surfaces.rosenbrock(z)

    def init(key):
        return jnp.array([-1.2, 1.0]) + 0.1 * jax.random.normal(key, (2,))

    return Problem(
        "rosenbrock", "2-D Rosenbrock (1 - x)^2 + 100 (y - x^2)^2 from (-1.2, 1) + noise",
        loss, init, dummy, dummy, dummy, 200, None, loss, "f(x)", False,
    )  # fmt: skip


def _builtins() -> dict[str, Callable[[], Problem]]:
    digits = functools.partial(
        _digits_problem, "digits", "digits, MLP 64-32-10 ReLU, softmax CE", [64, 32, 10], "relu"
    )
    deep = functools.partial(
        _digits_problem,
        "deep_digits",
        "digits, deep narrow MLP 64-(16 x 8)-10 sigmoid (vanishing gradients, ch. 9.3)",
        [64, *[16] * 8, 10],
        "sigmoid",
    )
    return {
        "xor": _xor,
        "digits": digits,
        "diabetes": _diabetes,
        "deep_digits": deep,
        "noisy_quadratic": _noisy_quadratic,
        "rosenbrock": _rosenbrock,
    }


for _name, _factory in _builtins().items():
    register_problem(_name, _factory)


def describe(problem: Problem) -> dict[str, Any]:
    """A JSON-ready summary of ``problem`` (sizes, budget, metric)."""
    return {
        "name": problem.name,
        "description": problem.description,
        "train": int(problem.train.x.shape[0]),
        "valid": int(problem.valid.x.shape[0]),
        "test": int(problem.test.x.shape[0]),
        "epochs": problem.epochs,
        "batch_size": problem.batch_size,
        "metric": problem.metric_name,
        "higher_is_better": problem.higher_is_better,
    }
