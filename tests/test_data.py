"""jaxnn.data: generated sets, the offline real sets (and their ImportError), scaling, splitting."""

from __future__ import annotations

import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnn import data

KEY = jax.random.key(0)


def _check(ds, n, features, dtype=jnp.int32):
    x, y = ds
    assert isinstance(x, jax.Array) and isinstance(y, jax.Array)
    assert x.shape == (n, features) and x.dtype == jnp.float32
    assert y.shape == (n,) and y.dtype == dtype
    assert bool(jnp.all(jnp.isfinite(x)))


def test_xor_is_the_truth_table():
    x, y = data.xor()
    _check((x, y), 4, 2)
    np.testing.assert_array_equal(np.asarray(y), np.logical_xor(x[:, 0], x[:, 1]).astype(int))


@pytest.mark.parametrize(
    ("make", "n", "features", "classes"),
    [
        (lambda k: data.two_moons(k, 101, noise=0.1), 101, 2, 2),
        (lambda k: data.spirals(k, 100, classes=4), 100, 2, 4),
        (lambda k: data.blobs(k, 90, 3, features=5), 90, 5, 3),
    ],
    ids=["moons", "spirals", "blobs"],
)
def test_generated_classification_sets(make, n, features, classes):
    a, b, c = make(KEY), make(KEY), make(jax.random.key(1))
    _check(a, n, features)
    np.testing.assert_array_equal(a.x, b.x)  # same key, same data
    assert not np.array_equal(a.x, c.x)
    counts = np.bincount(np.asarray(a.y), minlength=classes)
    assert len(counts) == classes and counts.max() - counts.min() <= 1  # balanced classes
    assert not np.all(np.diff(np.asarray(a.y)) >= 0)  # shuffled, not sorted by class


def test_two_moons_without_noise_lies_on_the_two_half_circles():
    x, y = (
        np.asarray(data.two_moons(KEY, 40, noise=0.0).x),
        np.asarray(data.two_moons(KEY, 40, noise=0.0).y),
    )
    outer, inner = x[y == 0], x[y == 1]
    np.testing.assert_allclose(np.hypot(*outer.T), 1.0, rtol=1e-6)
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1, inner[:, 1] - 0.5), 1.0, rtol=1e-6)
    assert np.all(outer[:, 1] >= -1e-7) and np.all(inner[:, 1] <= 0.5 + 1e-7)


def test_spiral_points_are_within_the_unit_disc():
    x = np.asarray(data.spirals(KEY, 300, classes=3).x)
    assert np.all(np.hypot(*x.T) <= 1 + 1e-6)


def test_blobs_with_given_centers():
    centers = jnp.array([[0.0, 0.0, 0.0], [10.0, 10.0, 10.0]])
    x, y = data.blobs(KEY, 200, centers, spread=0.5)
    _check((x, y), 200, 3)
    for c in range(2):
        np.testing.assert_allclose(np.asarray(x)[np.asarray(y) == c].mean(0), centers[c], atol=0.2)


def test_regression_has_the_stated_noise():
    x, y = data.regression(KEY, 2000, features=4, noise=0.3)
    _check((x, y), 2000, 4, jnp.float32)
    a = np.asarray(x, np.float64)
    coef, *_ = np.linalg.lstsq(a, np.asarray(y, np.float64), rcond=None)
    residual = np.mean((a @ coef - np.asarray(y)) ** 2)
    assert 0.8 * 0.09 < residual < 1.2 * 0.09


@pytest.mark.parametrize(
    ("loader", "n", "features", "dtype", "top"),
    [
        (data.load_digits, 1797, 64, jnp.int32, 9),
        (data.load_diabetes, 442, 10, jnp.float32, None),
        (data.load_iris, 150, 4, jnp.int32, 2),
        (data.load_breast_cancer, 569, 30, jnp.int32, 1),
    ],
    ids=["digits", "diabetes", "iris", "breast_cancer"],
)
def test_real_datasets_offline(loader, n, features, dtype, top):
    pytest.importorskip("sklearn")
    ds = loader()
    _check(ds, n, features, dtype)
    if top is not None:
        assert int(ds.y.min()) == 0 and int(ds.y.max()) == top


def test_real_datasets_without_scikit_learn_name_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # makes `import sklearn...` fail
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    for loader in (data.load_digits, data.load_diabetes, data.load_iris, data.load_breast_cancer):
        with pytest.raises(
            ImportError,
            match=r'pip install scikit-learn \(in a clone of jaxnn: pip install "\.\[data\]"\)',
        ):
            loader()


def test_standardize_uses_the_reference_statistics_and_spares_constant_columns():
    x = jnp.array([[1.0, 2.0, 7.0], [3.0, 6.0, 7.0], [5.0, 10.0, 7.0]])
    z = np.asarray(data.standardize(x))
    np.testing.assert_allclose(z.mean(0), 0.0, atol=1e-6)
    np.testing.assert_allclose(z.std(0), [1.0, 1.0, 0.0], atol=1e-6)
    test = jnp.array([[3.0, 6.0, 8.0]])
    np.testing.assert_allclose(data.standardize(test, x), [[0.0, 0.0, 1.0]], atol=1e-6)
    y = data.standardize(jnp.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(y, np.array([-1.0, 0.0, 1.0]) / np.std([1, 2, 3]), rtol=1e-6)
    with pytest.raises(ValueError, match="reference"):
        data.standardize(x, jnp.ones((3, 2)))


def test_train_test_split_is_a_partition_in_the_documented_order():
    x = jnp.arange(20.0)[:, None]
    y = jnp.arange(20)
    train, test = data.train_test_split(KEY, x, y, test_fraction=0.25)
    assert train.x.shape == (15, 1) and test.y.shape == (5,)
    assert sorted(train.y.tolist() + test.y.tolist()) == list(range(20))
    np.testing.assert_array_equal(train.x[:, 0], train.y.astype(jnp.float32))  # rows stay paired
    order = jax.random.permutation(KEY, 20)
    np.testing.assert_array_equal(test.y, order[15:])
    same, _ = data.train_test_split(KEY, x, y)
    np.testing.assert_array_equal(same.y, train.y)
    unshuffled, _ = data.train_test_split(KEY, x, y, shuffle=False)
    assert unshuffled.y.tolist() == list(range(15))


def test_minibatch_indices_cover_every_index_once():
    full, rest = data.minibatch_indices(KEY, 11, 4)
    assert full.shape == (2, 4) and rest.shape == (3,)
    assert sorted(np.concatenate([np.ravel(full), rest]).tolist()) == list(range(11))
    full, rest = data.minibatch_indices(None, 8, 4, shuffle=False)
    assert full.tolist() == [[0, 1, 2, 3], [4, 5, 6, 7]] and rest.shape == (0,)


BAD = [
    ("key-int", lambda: data.two_moons(0, 10), TypeError, ["key", "jax.random.key"]),
    ("moons-n", lambda: data.two_moons(KEY, 1), ValueError, ["n", ">= 2"]),
    ("moons-noise", lambda: data.two_moons(KEY, 10, noise=-1.0), ValueError, ["noise"]),
    ("spirals-classes", lambda: data.spirals(KEY, 10, classes=1), ValueError, ["classes"]),
    ("spirals-n", lambda: data.spirals(KEY, 2, classes=3), ValueError, ["n", ">= 3"]),
    ("blobs-spread", lambda: data.blobs(KEY, 10, spread=0.0), ValueError, ["spread"]),
    ("blobs-centers", lambda: data.blobs(KEY, 10, jnp.ones(3)), ValueError, ["centers"]),
    ("blobs-box", lambda: data.blobs(KEY, 10, box=(1.0, 1.0)), ValueError, ["box"]),
    ("regression-features", lambda: data.regression(KEY, 10, 0), ValueError, ["features"]),
    (
        "split-fraction",
        lambda: data.train_test_split(KEY, jnp.ones((4, 1)), jnp.ones(4), test_fraction=1.0),
        ValueError,
        ["test_fraction", "(0, 1)"],
    ),
    (
        "split-lengths",
        lambda: data.train_test_split(KEY, jnp.ones((4, 1)), jnp.ones(3)),
        ValueError,
        ["same number of rows", "(4, 1)", "(3,)"],
    ),
    ("batch-too-big", lambda: data.minibatch_indices(KEY, 3, 4), ValueError, ["batch_size"]),
]


@pytest.mark.parametrize(("name", "call", "exc", "words"), BAD, ids=[c[0] for c in BAD])
def test_bad_arguments(name, call, exc, words):
    with pytest.raises(exc) as info:
        call()
    for word in words:
        assert word in str(info.value), f"{name}: {word!r} not in {info.value}"
