"""Small datasets: XOR, generated 2-D and regression sets, offline real sets; splitting and order.

Every function returns a :class:`Dataset` ``(x, y)``: ``x`` a float32 JAX array of shape
``(n, features)``, ``y`` int32 class labels of shape ``(n,)`` (or float32 targets of shape
``(n,)`` for regression). Generated sets take an explicit ``key``: their random numbers come
from a NumPy ``Generator`` seeded with the key's bits (same key, same data; no compilation, so
making a data set takes microseconds). The real sets come from the copies that ship inside
scikit-learn (``pip install scikit-learn``, or ``pip install ".[data]"`` in a clone of jaxnn)
and never download anything.

Minibatch order (used by :func:`jaxnn.train.fit`): an epoch visits the examples in the order
``epoch_order(key, n)`` (a random permutation, or ``0 .. n-1`` without shuffling), cut into
consecutive batches of ``batch_size``; the last batch is smaller when ``batch_size`` does not
divide ``n`` (see :func:`minibatch_indices`).

Examples:
    >>> import jax
    >>> from jaxnn import data
    >>> x, y = data.xor()
    >>> x.dtype, y.tolist()
    (dtype('float32'), [0, 1, 1, 0])
    >>> x, y = data.two_moons(jax.random.key(0), 100, noise=0.1)
    >>> x.shape, y.shape, int(y.sum())
    ((100, 2), (100,), 50)
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxnn._validation import (
    INT32_MAX,
    as_real_array,
    check_bool,
    check_finite,
    check_int,
    check_nonnegative,
    check_positive,
)
from jaxnn.permutation import permutation

__all__ = [
    "Dataset",
    "blobs",
    "epoch_order",
    "load_breast_cancer",
    "load_diabetes",
    "load_digits",
    "load_iris",
    "minibatch_indices",
    "regression",
    "spirals",
    "standardize",
    "train_test_split",
    "two_moons",
    "xor",
]


class Dataset(NamedTuple):
    """Inputs and targets; unpacks as ``x, y = dataset``.

    Attributes:
        x: float32 inputs ``(n, features)``.
        y: int32 class labels ``(n,)``, or float32 regression targets ``(n,)``.
    """

    x: jax.Array
    y: jax.Array


def _check_key(key: Any) -> None:
    if isinstance(key, jax.Array) and (
        jnp.issubdtype(key.dtype, jax.dtypes.prng_key)
        or (key.dtype == jnp.uint32 and key.shape == (2,))
    ):
        return
    raise TypeError(
        f"`key` must be a JAX PRNG key such as jax.random.key(0), got {key!r}. "
        "jaxnn never draws randomness from hidden global state."
    )


def _check_single_key(key: Any) -> None:
    """A key, not a batch of keys (a generator makes one data set from one key)."""
    _check_key(key)
    typed = jnp.issubdtype(key.dtype, jax.dtypes.prng_key)
    if (typed and key.shape != ()) or (not typed and key.shape != (2,)):
        shape = key.shape if typed else key.shape[:-1]
        raise ValueError(
            f"`key` must be one PRNG key, got a batch of keys of shape {shape}. A generator "
            "makes one data set from one key: call it once per key, e.g. "
            "[data.blobs(k) for k in keys]."
        )


def _rng(key: jax.Array) -> np.random.Generator:
    """A NumPy generator seeded with the bits of a JAX key (deterministic, no compilation)."""
    _check_single_key(key)
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        key = jax.random.key_data(key)
    return np.random.default_rng(np.asarray(key, np.uint32).ravel().tolist())


def _labels(y: Any) -> jax.Array:
    return jnp.asarray(np.asarray(y, dtype=np.int32))


def _dataset(rng: np.random.Generator, x: np.ndarray, y: np.ndarray) -> Dataset:
    """Shuffles the rows and returns float32 / int32 JAX arrays."""
    order = rng.permutation(x.shape[0])
    return Dataset(jnp.asarray(x[order].astype(np.float32)), _labels(y[order]))


def xor() -> Dataset:
    """The four XOR examples of the book (chapter 8): ``y = x1 XOR x2``.

    Returns:
        ``Dataset(x (4, 2) float32, y (4,) int32)`` with rows ``00, 01, 10, 11`` and labels
        ``0, 1, 1, 0``. For a sigmoid output of shape ``(4, 1)`` use ``y[:, None]`` as floats.

    Examples:
        >>> x, y = xor()
        >>> x.tolist(), y.tolist()
        ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    """
    x = jnp.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], jnp.float32)
    return Dataset(x, _labels([0, 1, 1, 0]))


def two_moons(key: jax.Array, n: int = 200, noise: float = 0.1) -> Dataset:
    """Two interleaving half circles (scikit-learn's ``make_moons``), shuffled.

    Class 0: ``(cos t, sin t)``; class 1: ``(1 - cos t, 0.5 - sin t)``, ``t`` evenly spaced in
    ``[0, pi]``; then Gaussian noise of std ``noise`` on each coordinate. Class 0 gets
    ``ceil(n / 2)`` points.

    Args:
        key: a JAX PRNG key (noise and order).
        n: number of points (default 200, >= 2).
        noise: standard deviation of the added noise (default 0.1, >= 0).

    Returns:
        ``Dataset(x (n, 2) float32, y (n,) int32)``.

    Examples:
        >>> import jax
        >>> x, y = two_moons(jax.random.key(1), 6, noise=0.0)
        >>> sorted(y.tolist())
        [0, 0, 0, 1, 1, 1]
    """
    rng = _rng(key)
    n = check_int("n", n, minimum=2)
    check_nonnegative("noise", noise)
    n0 = (n + 1) // 2
    n1 = n - n0
    t0 = np.linspace(0.0, math.pi, n0)
    t1 = np.linspace(0.0, math.pi, n1)
    outer = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    inner = np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    x = np.concatenate([outer, inner]) + noise * rng.standard_normal((n, 2))
    return _dataset(rng, x, np.repeat([0, 1], [n0, n1]))


def spirals(key: jax.Array, n: int = 300, classes: int = 3, noise: float = 0.2) -> Dataset:
    """Interleaved spiral arms, one per class (the CS231n toy set), shuffled.

    For class ``c`` with ``m`` points, ``r`` runs evenly over ``[0, 1]`` and the angle is
    ``t = 4 c + 4 r + noise * N(0, 1)``; the point is ``(r sin t, r cos t)``. The first
    ``n mod classes`` classes get one point more.

    Args:
        key: a JAX PRNG key.
        n: total number of points (default 300, >= classes).
        classes: number of arms (default 3, >= 2).
        noise: standard deviation of the angle noise in radians (default 0.2, >= 0).

    Returns:
        ``Dataset(x (n, 2) float32, y (n,) int32 in 0 .. classes - 1)``.

    Examples:
        >>> import jax
        >>> x, y = spirals(jax.random.key(0), 7, classes=3)
        >>> x.shape, sorted(y.tolist())
        ((7, 2), [0, 0, 0, 1, 1, 2, 2])
    """
    rng = _rng(key)
    classes = check_int("classes", classes, minimum=2)
    n = check_int("n", n, minimum=classes, hint="Each class needs at least one point.")
    check_nonnegative("noise", noise)
    sizes = [n // classes + (1 if c < n % classes else 0) for c in range(classes)]
    r = np.concatenate([np.linspace(0.0, 1.0, m) for m in sizes])
    y = np.repeat(np.arange(classes), sizes)
    t = 4.0 * y + 4.0 * r + noise * rng.standard_normal(n)
    x = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
    return _dataset(rng, x, y)


def blobs(
    key: jax.Array,
    n: int = 300,
    centers: int | Any = 3,
    *,
    features: int = 2,
    spread: float = 1.0,
    box: tuple[float, float] = (-10.0, 10.0),
) -> Dataset:
    """Gaussian clusters (scikit-learn's ``make_blobs``), shuffled.

    Point ``i`` of class ``c`` is ``center_c + spread * N(0, I)``. With an integer ``centers``
    the centers are drawn uniformly in ``box`` along each feature; classes get ``n // k``
    points, the first ``n mod k`` one more.

    Args:
        key: a JAX PRNG key.
        n: number of points (default 300, >= number of centers).
        centers: the number of clusters ``k`` (default 3, >= 1), or a ``(k, features)`` array
            of centers.
        features: dimension when ``centers`` is an int (default 2).
        spread: standard deviation of each cluster (default 1.0, > 0).
        box: ``(low, high)`` range of random centers (default ``(-10, 10)``).

    Returns:
        ``Dataset(x (n, features) float32, y (n,) int32)``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> x, y = blobs(jax.random.key(0), 4, jnp.array([[0.0, 0.0], [5.0, 5.0]]), spread=0.1)
        >>> bool(jnp.all(jnp.abs(x - 5.0 * y[:, None]) < 1.0))
        True
    """
    rng = _rng(key)
    check_positive("spread", spread)
    if isinstance(centers, int | np.integer) and not isinstance(centers, bool):
        k = check_int("centers", centers, minimum=1)
        features = check_int("features", features, minimum=1)
        if not (isinstance(box, tuple | list) and len(box) == 2):
            raise TypeError(f"`box` must be a pair (low, high) such as (-10.0, 10.0), got {box!r}.")
        low, high = box
        check_finite("box[0]", low)
        check_finite("box[1]", high)
        check_positive("box[1] - box[0]", high - low, hint="Give box as (low, high), low < high.")
        means = rng.uniform(low, high, (k, features))
    else:
        means = np.asarray(as_real_array("centers", centers), np.float64)
        if means.ndim != 2 or means.shape[0] < 1:
            raise ValueError(
                "`centers` must be a number of clusters or a (k, features) array of centers, "
                f"got shape {means.shape}."
            )
        k = means.shape[0]
    n = check_int("n", n, minimum=k, hint="Each cluster needs at least one point.")
    sizes = [n // k + (1 if c < n % k else 0) for c in range(k)]
    y = np.repeat(np.arange(k), sizes)
    x = means[y] + spread * rng.standard_normal((n, means.shape[1]))
    return _dataset(rng, x, y)


def regression(key: jax.Array, n: int = 200, features: int = 10, noise: float = 0.1) -> Dataset:
    """A linear regression problem ``y = x @ w + noise * e``.

    ``x ~ N(0, I)``, true weights ``w ~ N(0, I)`` and ``e ~ N(0, 1)``, all drawn from ``key``;
    the mean squared error of the true ``w`` is about ``noise**2``.

    Args:
        key: a JAX PRNG key.
        n: number of examples (default 200, >= 1).
        features: number of inputs (default 10, >= 1).
        noise: standard deviation of the target noise (default 0.1, >= 0).

    Returns:
        ``Dataset(x (n, features) float32, y (n,) float32)``.

    Examples:
        >>> import jax
        >>> x, y = regression(jax.random.key(0), 5, features=3)
        >>> x.shape, y.shape, y.dtype
        ((5, 3), (5,), dtype('float32'))
    """
    rng = _rng(key)
    n = check_int("n", n, minimum=1)
    features = check_int("features", features, minimum=1)
    check_nonnegative("noise", noise)
    x = rng.standard_normal((n, features))
    w = rng.standard_normal(features)
    y = x @ w + noise * rng.standard_normal(n)
    return Dataset(jnp.asarray(x.astype(np.float32)), jnp.asarray(y.astype(np.float32)))


def _sklearn_datasets():
    try:
        import sklearn.datasets as datasets
    except ImportError as e:
        raise ImportError(
            "jaxnn.data's real datasets use the offline copies bundled with scikit-learn, which "
            "is not installed. Install it with: pip install scikit-learn (in a clone of jaxnn: "
            'pip install ".[data]"); or use a generated set such as jaxnn.data.blobs or '
            "jaxnn.data.regression."
        ) from e
    return datasets


def _from_sklearn(name: str, regression_target: bool = False) -> Dataset:
    bunch = getattr(_sklearn_datasets(), name)()
    x = jnp.asarray(np.asarray(bunch.data, np.float32))
    if regression_target:
        return Dataset(x, jnp.asarray(np.asarray(bunch.target, np.float32)))
    return Dataset(x, _labels(bunch.target))


def load_digits() -> Dataset:
    """The 1,797 8x8 handwritten digits bundled with scikit-learn (no download).

    Returns:
        ``Dataset(x (1797, 64) float32 pixel values 0 .. 16, y (1797,) int32 digits 0 .. 9)``.
        Scale with ``x / 16`` or :func:`standardize` before training.

    Raises:
        ImportError: without scikit-learn (``pip install scikit-learn``).

    Examples:
        >>> x, y = load_digits()
        >>> x.shape, int(y.max())
        ((1797, 64), 9)
    """
    return _from_sklearn("load_digits")


def load_diabetes() -> Dataset:
    """The diabetes regression set bundled with scikit-learn (442 patients, 10 features).

    Returns:
        ``Dataset(x (442, 10) float32, y (442,) float32)``: scikit-learn's centred and scaled
        features and the raw disease-progression target (25 .. 346); :func:`standardize` both
        for gradient descent.

    Raises:
        ImportError: without scikit-learn (``pip install scikit-learn``).

    Examples:
        >>> x, y = load_diabetes()
        >>> x.shape, y.shape
        ((442, 10), (442,))
    """
    return _from_sklearn("load_diabetes", regression_target=True)


def load_iris() -> Dataset:
    """Fisher's iris flowers bundled with scikit-learn: 150 x 4 features, 3 classes.

    Returns:
        ``Dataset(x (150, 4) float32 in cm, y (150,) int32 in 0 .. 2)``.

    Raises:
        ImportError: without scikit-learn (``pip install scikit-learn``).

    Examples:
        >>> x, y = load_iris()
        >>> x.shape
        (150, 4)
    """
    return _from_sklearn("load_iris")


def load_breast_cancer() -> Dataset:
    """The Wisconsin breast-cancer set bundled with scikit-learn: 569 x 30 features, 2 classes.

    Returns:
        ``Dataset(x (569, 30) float32, y (569,) int32: 0 malignant, 1 benign)``.

    Raises:
        ImportError: without scikit-learn (``pip install scikit-learn``).

    Examples:
        >>> x, y = load_breast_cancer()
        >>> x.shape
        (569, 30)
    """
    return _from_sklearn("load_breast_cancer")


def _as_2d_float(name: str, x: Any) -> jax.Array:
    x = as_real_array(name, x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.float32)
    if x.ndim not in (1, 2):
        raise ValueError(f"`{name}` must have shape (n,) or (n, features), got {x.shape}.")
    if x.shape[0] == 0:
        raise ValueError(f"`{name}` has no rows (shape {x.shape}); pass at least one example.")
    if not isinstance(x, jax.core.Tracer) and not bool(jnp.all(jnp.isfinite(x))):
        bad = int(jnp.sum(~jnp.isfinite(x)))
        raise ValueError(
            f"`{name}` must be finite, but {bad} of its {x.size} values are NaN or inf. "
            "Clean or impute the data first."
        )
    return x


def standardize(x: Any, reference: Any = None, *, eps: float = 1e-8) -> jax.Array:
    """Scales each column to mean 0 and standard deviation 1: ``(x - mean) / std``.

    ``mean`` and ``std`` are the column statistics of ``reference`` (default: ``x`` itself), so a
    test set is scaled with the training set's statistics: ``standardize(x_test, x_train)``.
    A column with ``std <= eps`` (constant, like the blank border pixels of the digits) is only
    centred (divided by 1), never divided by zero.

    Args:
        x: ``(n, features)`` or ``(n,)`` values.
        reference: the data whose statistics are used (default ``x``), same number of columns.
        eps: the smallest standard deviation that is divided by (default 1e-8).

    Returns:
        An array of ``x``'s shape (float32 for integer input).

    Examples:
        >>> import jax.numpy as jnp
        >>> standardize(jnp.array([[1.0, 5.0], [3.0, 5.0]]))
        Array([[-1.,  0.],
               [ 1.,  0.]], dtype=float32)
    """
    check_nonnegative("eps", eps)
    x = _as_2d_float("x", x)
    ref = x if reference is None else _as_2d_float("reference", reference)
    if ref.shape[1:] != x.shape[1:]:
        raise ValueError(
            f"`reference` must have the same columns as `x`: x has shape {x.shape}, reference "
            f"{ref.shape}."
        )
    mean = jnp.mean(ref, axis=0)
    std = jnp.std(ref, axis=0)
    std = jnp.where(std > eps, std, jnp.ones_like(std))
    if x.ndim == 2:
        return ((x - mean[None, :]) / std[None, :]).astype(x.dtype)
    return ((x - mean) / std).astype(x.dtype)


def train_test_split(
    key: jax.Array, x: Any, y: Any, *, test_fraction: float = 0.25, shuffle: bool = True
) -> tuple[Dataset, Dataset]:
    """Splits ``(x, y)`` into a training and a test set.

    The examples are permuted with ``key`` (unless ``shuffle=False``); the last
    ``round(test_fraction * n)`` of that order (at least 1, at most ``n - 1``) form the test set.

    Args:
        key: a JAX PRNG key.
        x: inputs with ``n`` rows.
        y: targets with ``n`` rows.
        test_fraction: share of examples held out, in (0, 1) (default 0.25).
        shuffle: permute before splitting (default True).

    Returns:
        ``(train, test)``, two :class:`Dataset`\\ s.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> train, test = train_test_split(jax.random.key(0), jnp.zeros((10, 2)), jnp.arange(10))
        >>> train.x.shape, test.x.shape
        ((8, 2), (2, 2))
        >>> sorted(train.y.tolist() + test.y.tolist()) == list(range(10))
        True
    """
    _check_key(key)
    check_bool("shuffle", shuffle)
    check_positive("test_fraction", test_fraction)
    if not test_fraction < 1:
        raise ValueError(
            f"`test_fraction` must be in (0, 1), got test_fraction={test_fraction!r}. "
            "Example: 0.25 holds out a quarter of the examples."
        )
    x, y = as_real_array("x", x), as_real_array("y", y)
    if x.ndim == 0 or y.ndim == 0 or x.shape[0] != y.shape[0]:
        raise ValueError(
            f"`x` and `y` must have the same number of rows, got shapes {x.shape} and {y.shape}."
        )
    n = x.shape[0]
    if n < 2:
        raise ValueError(f"`x` needs at least 2 rows to split, got {n}.")
    n_test = min(max(round(test_fraction * n), 1), n - 1)
    order = epoch_order(key, n, shuffle=shuffle)
    train, test = order[: n - n_test], order[n - n_test :]
    return Dataset(x[train], y[train]), Dataset(x[test], y[test])


def epoch_order(key: jax.Array | None, n: int, *, shuffle: bool = True) -> jax.Array:
    """The order in which an epoch visits ``n`` examples.

    ``jax.random.permutation(key, n)`` with shuffling (computed by the faster, bit-identical
    :func:`jaxnn.permutation.permutation`), ``0 .. n - 1`` without (``key`` unused, may be
    ``None``). Works inside ``jit`` (``n`` static).

    Examples:
        >>> import jax
        >>> epoch_order(None, 4, shuffle=False)
        Array([0, 1, 2, 3], dtype=int32)
        >>> sorted(epoch_order(jax.random.key(0), 4).tolist())
        [0, 1, 2, 3]
    """
    n = check_int("n", n, minimum=0, maximum=INT32_MAX, hint="The number of examples.")
    if not check_bool("shuffle", shuffle):
        return jnp.arange(n, dtype=jnp.int32)
    if key is None:
        raise ValueError(
            "`key` is needed to shuffle: pass key=jax.random.key(0) (any seed), or "
            "shuffle=False for the order 0 .. n-1."
        )
    _check_key(key)
    return permutation(key, n)


def minibatch_indices(
    key: jax.Array | None, n: int, batch_size: int, *, shuffle: bool = True
) -> tuple[jax.Array, jax.Array]:
    """One epoch's minibatches: every index in ``0 .. n - 1`` exactly once.

    ``order = epoch_order(key, n, shuffle=shuffle)`` is cut into ``n // batch_size`` full
    batches ``order[i * batch_size : (i + 1) * batch_size]`` and one smaller last batch of the
    ``n mod batch_size`` remaining indices (empty when ``batch_size`` divides ``n``).

    Args:
        key: a JAX PRNG key (``None`` allowed with ``shuffle=False``).
        n: number of examples.
        batch_size: examples per full batch, ``1 <= batch_size <= n``.
        shuffle: random order (default) or ``0 .. n - 1``.

    Returns:
        ``(full, rest)``: int32 arrays of shapes ``(n // batch_size, batch_size)`` and
        ``(n mod batch_size,)``.

    Examples:
        >>> full, rest = minibatch_indices(None, 5, 2, shuffle=False)
        >>> full.tolist(), rest.tolist()
        ([[0, 1], [2, 3]], [4])
    """
    n = check_int("n", n, minimum=1, maximum=INT32_MAX)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    check_bool("shuffle", shuffle)
    if batch_size > n:
        raise ValueError(f"`batch_size` must be <= n={n}, got batch_size={batch_size}.")
    order = epoch_order(key, n, shuffle=shuffle)
    steps = n // batch_size
    return order[: steps * batch_size].reshape(steps, batch_size), order[steps * batch_size :]
