"""jaxnn.surfaces: the test functions against closed forms, optimize_path against a Python loop
and against the closed form of gradient descent on a quadratic, divergence, bad input."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxnn import optim, surfaces
from jaxnn.experiments.paths import default_optimizers
from jaxnn.surfaces import (
    SURFACES,
    beale,
    first_exit,
    ill_conditioned_quadratic,
    optimize_path,
    rosenbrock,
    saddle,
)
from tests.helpers import assert_trees_allclose

# float32 values and jax.grad against float64 closed forms: a few ulps of the largest term.
RTOL_CLOSED_FORM = 1e-5


def _beale_np(x1, x2):
    t1, t2, t3 = 1.5 - x1 + x1 * x2, 2.25 - x1 + x1 * x2**2, 2.625 - x1 + x1 * x2**3
    value = t1**2 + t2**2 + t3**2
    grad = np.stack(
        [
            2 * t1 * (x2 - 1) + 2 * t2 * (x2**2 - 1) + 2 * t3 * (x2**3 - 1),
            2 * t1 * x1 + 2 * t2 * 2 * x1 * x2 + 2 * t3 * 3 * x1 * x2**2,
        ],
        axis=-1,
    )
    return value, grad


def _closed_forms(x1, x2):
    """(value, gradient) of each surface, written by hand in float64 NumPy."""
    a, b = 1.0, 100.0
    return {
        "quadratic": (0.1 * x1**2 + 2 * x2**2, np.stack([0.2 * x1, 4 * x2], axis=-1)),
        "rosenbrock": (
            (a - x1) ** 2 + b * (x2 - x1**2) ** 2,
            np.stack([-2 * (a - x1) - 4 * b * x1 * (x2 - x1**2), 2 * b * (x2 - x1**2)], -1),
        ),
        "beale": _beale_np(x1, x2),
        "saddle": (x1**2 - x2**2, np.stack([2 * x1, -2 * x2], axis=-1)),
    }


POINTS = np.concatenate(
    [
        np.random.default_rng(0).uniform(-2.0, 2.0, size=(16, 2)),
        [[-2.0, 2.0], [1.0, 1.0], [3.0, 0.5], [0.0, 0.0], [-5.0, -2.0]],
    ]
)


@pytest.mark.parametrize("name", list(SURFACES))
def test_value_and_gradient_match_closed_form(name):
    f = SURFACES[name].f
    x = jnp.asarray(POINTS, jnp.float32)
    values, grads = jax.jit(jax.vmap(jax.value_and_grad(f)))(x)
    p = np.asarray(x, np.float64)
    want_v, want_g = _closed_forms(p[:, 0], p[:, 1])[name]
    scale = np.max(np.abs(want_v))
    np.testing.assert_allclose(values, want_v, rtol=RTOL_CLOSED_FORM, atol=1e-6 * scale)
    np.testing.assert_allclose(
        grads, want_g, rtol=RTOL_CLOSED_FORM, atol=1e-6 * np.max(np.abs(want_g))
    )
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(grads))


@pytest.mark.parametrize("name", list(SURFACES))
def test_grid_input_is_pointwise_and_minimum_is_stationary(name):
    s = SURFACES[name]
    grid = jnp.asarray(POINTS[:12].reshape(3, 4, 2), jnp.float32)
    on_grid = s.f(grid)
    assert on_grid.shape == (3, 4)
    one_by_one = jnp.stack([s.f(p) for p in grid.reshape(-1, 2)]).reshape(3, 4)
    np.testing.assert_allclose(on_grid, one_by_one, rtol=1e-6)
    stationary = (0.0, 0.0) if s.minimum is None else s.minimum
    value, grad = jax.value_and_grad(s.f)(jnp.asarray(stationary))
    assert float(value) == 0.0 and np.all(np.asarray(grad) == 0.0)
    # The registry's start and minimum lie inside its plot bounds.
    for point in (s.x0, s.minimum):
        if point is not None:
            assert first_exit(np.asarray([point]), s.bounds) is None


def test_rosenbrock_parameters_move_the_minimum():
    value, grad = jax.value_and_grad(lambda x: rosenbrock(x, a=2.0, b=10.0))(jnp.array([2.0, 4.0]))
    assert float(value) == 0.0 and np.all(np.asarray(grad) == 0.0)
    assert float(rosenbrock(jnp.array([0.0, 0.0]), a=2.0, b=10.0)) == 4.0


@pytest.mark.parametrize("lr", [0.4, 0.6])
def test_gd_on_the_quadratic_follows_the_closed_form(lr, x64):
    """x1 <- (1 - 0.2 lr) x1, x2 <- (1 - 4 lr) x2: lr 0.4 converges, lr 0.6 diverges in x2."""
    steps = 60
    path = np.asarray(optimize_path(ill_conditioned_quadratic, optim.sgd(lr), (-5.0, -2.0), steps))
    assert path.dtype == np.float64 and path.shape == (steps + 1, 2)
    k = np.arange(steps + 1)
    want = np.stack([-5.0 * (1 - 0.2 * lr) ** k, -2.0 * (1 - 4 * lr) ** k], axis=-1)
    np.testing.assert_allclose(path, want, rtol=1e-12, atol=1e-300)
    assert np.all(np.isfinite(path))
    x2 = np.abs(path[:, 1])
    assert np.all(np.abs(path[1:, 0]) < np.abs(path[:-1, 0]))  # x1 shrinks either way
    if lr == 0.4:
        assert np.all(x2[1:] < x2[:-1]) and x2[-1] < 1e-12
    else:
        assert np.all(x2[1:] > x2[:-1]) and x2[-1] > 1e8
        assert np.all(np.sign(path[1:, 1]) == -np.sign(path[:-1, 1]))  # the zig-zag


def _python_loop(f, opt, x0, steps):
    x = jnp.asarray(x0, jnp.float32)
    state = opt.init(x)
    out = [x]
    for _ in range(steps):
        updates, state = opt.update(jax.grad(f)(x), state, x)
        x = optim.apply_updates(x, updates)
        out.append(x)
    return jnp.stack(out)


@pytest.mark.parametrize("name", list(default_optimizers("beale")))
def test_optimize_path_equals_a_python_loop(name):
    opt = default_optimizers("beale")[name]
    compiled = optimize_path(beale, opt, (1.0, 1.5), 10)
    # Same operations, compiled in one scan against eager dispatch; XLA may fuse differently.
    assert_trees_allclose(compiled, _python_loop(beale, opt, (1.0, 1.5), 10), rtol=2e-6, atol=1e-6)
    assert np.all(np.isfinite(compiled))
    assert not np.allclose(compiled[-1], compiled[0])


def test_optax_optimizer_and_no_recompile():
    opt = optax.sgd(1e-3, momentum=0.9)
    first = optimize_path(rosenbrock, opt, (-2.0, 2.0), 50)
    size = surfaces._path_jit._cache_size()
    second = optimize_path(rosenbrock, opt, jnp.array([-2.0, 2.0]), 50)
    assert surfaces._path_jit._cache_size() == size, "the second call recompiled"
    np.testing.assert_array_equal(first, second)
    assert_trees_allclose(
        first, optimize_path(rosenbrock, optim.momentum(1e-3, 0.9), (-2.0, 2.0), 50)
    )


def test_divergence_gives_non_finite_points_that_stay_non_finite():
    path = np.asarray(optimize_path(rosenbrock, optim.sgd(0.01), (-2.0, 2.0), 30))
    finite = np.all(np.isfinite(path), axis=1)
    assert finite[0] and not finite[-1]
    first_bad = int(np.argmin(finite))
    assert not np.any(finite[first_bad:])
    exit_step = first_exit(path, SURFACES["rosenbrock"].bounds)
    assert exit_step is not None and 1 <= exit_step <= first_bad


def test_first_exit():
    bounds = ((-1.0, 1.0), (0.0, 2.0))
    assert first_exit(np.array([[0.0, 0.0], [1.0, 2.0]]), bounds) is None  # edges are inside
    assert first_exit(np.array([[0.0, 1.0], [0.0, 1.0], [-1.5, 1.0]]), bounds) == 2
    assert first_exit(np.array([[0.0, 1.0], [np.nan, 1.0]]), bounds) == 1
    assert first_exit(np.array([[5.0, 1.0]]), bounds) == 0


def _raises(fn, exc, *words):
    with pytest.raises(exc) as e:
        fn()
    for w in words:
        assert w in str(e.value), f"{w!r} not in {e.value}"


@pytest.mark.parametrize(
    "call, exc, words",
    [
        (lambda: optimize_path(saddle, optim.sgd(0.1), (1.0, 2.0, 3.0), 5), ValueError,
         ["`x0`", "(2,)", "(3,)"]),
        (lambda: optimize_path(saddle, optim.sgd(0.1), 1.0, 5), ValueError, ["`x0`", "()"]),
        (lambda: optimize_path(saddle, optim.sgd(0.1), (np.nan, 0.0), 5), ValueError,
         ["`x0`", "finite"]),
        (lambda: optimize_path(saddle, optim.sgd(0.1), ("a", "b"), 5), TypeError, ["`x0`"]),
        (lambda: optimize_path(saddle, optim.sgd(0.1), (1.0, 0.0), 0), ValueError,
         ["`steps`", ">= 1", "0"]),
        (lambda: optimize_path(saddle, optim.sgd(0.1), (1.0, 0.0), 2.5), TypeError,
         ["`steps`", "integer", "2.5"]),
        (lambda: optimize_path("saddle", optim.sgd(0.1), (1.0, 0.0), 5), TypeError,
         ["`f`", "callable", "'saddle'"]),
        (lambda: optimize_path(saddle, 0.1, (1.0, 0.0), 5), TypeError,
         ["`optimizer`", "init", "update", "0.1"]),
        (lambda: optimize_path(saddle, optim.sgd, (1.0, 0.0), 5), TypeError, ["`optimizer`"]),
        (lambda: optimize_path(lambda x: x**2, optim.sgd(0.1), (1.0, 0.0), 5), TypeError,
         ["`f`", "scalar", "(2,)"]),
        (lambda: rosenbrock(jnp.ones(3)), ValueError, ["`x`", "(..., 2)", "(3,)"]),
        (lambda: saddle(jnp.float32(1.0)), ValueError, ["`x`", "()"]),
        (lambda: surfaces.get("himmelblau"), ValueError, ["`surface`", "'rosenbrock'",
                                                         "'himmelblau'"]),
        (lambda: first_exit(np.ones((3, 3)), ((0, 1), (0, 1))), ValueError, ["`path`", "(3, 3)"]),
        (lambda: first_exit(np.ones((3, 2)), ((1, 0), (0, 1))), ValueError, ["`bounds`", "lo < hi"]),
    ],
)  # fmt: skip
def test_bad_input(call, exc, words):
    _raises(call, exc, *words)


def test_integer_start_is_cast_to_float():
    path = optimize_path(saddle, optim.sgd(0.25), (1, 0), 2)
    assert path.dtype == jnp.float32
    np.testing.assert_allclose(path[:, 0], [1.0, 0.5, 0.25])
