"""2-D test functions and optimizer paths on them (the book's figure 9-6).

Each function takes points ``x`` of shape ``(..., 2)`` (one point ``(2,)`` or a grid
``(rows, cols, 2)`` for contour plots) and returns ``f(x)`` of shape ``(...)``:

    ill_conditioned_quadratic  f = 0.1 x1^2 + 2 x2^2                    minimum (0, 0)
    rosenbrock                 f = (a - x1)^2 + b (x2 - x1^2)^2           minimum (a, a^2)
    beale                      f = (1.5 - x1 + x1 x2)^2 + (2.25 - x1 + x1 x2^2)^2
                                   + (2.625 - x1 + x1 x2^3)^2             minimum (3, 0.5)
    saddle                     f = x1^2 - x2^2                            no minimum (saddle at 0)

:data:`SURFACES` holds each one with its start point, minimum and plot bounds.
:func:`optimize_path` runs any optimizer with the ``(init, update)`` contract (jaxnn or optax)
from ``x0`` for a number of steps inside one compiled ``lax.scan`` and returns every point.

Divergence: the path is never cut short. A diverging optimizer's points grow until they overflow
to ``inf`` (then usually ``nan``: ``inf - inf``); every later point stays non-finite. Use
:func:`first_exit` to find the first step that leaves the plot bounds or stops being finite.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxnn._validation import as_real_array, check_callable, check_finite, check_int
from jaxnn.optim.base import apply_updates

__all__ = [
    "SURFACES",
    "Surface",
    "beale",
    "first_exit",
    "get",
    "ill_conditioned_quadratic",
    "optimize_path",
    "rosenbrock",
    "saddle",
]


def _split(x: Any, name: str) -> tuple[jax.Array, jax.Array]:
    x = as_real_array("x", x)
    if x.ndim == 0 or x.shape[-1] != 2:
        raise ValueError(
            f"`x` must have shape (..., 2) (points in the plane), got shape {x.shape} in "
            f"{name}. Pass one point as jnp.array([x1, x2]) or a grid stacked on the last axis."
        )
    return x[..., 0], x[..., 1]


def ill_conditioned_quadratic(x: Any) -> jax.Array:
    """An ill-conditioned bowl: ``f = 0.1 x1^2 + 2 x2^2`` (curvatures 0.2 and 4, ratio 20).

    Gradient ``(0.2 x1, 4 x2)``; minimum ``f(0, 0) = 0``. Gradient descent with learning rate
    ``lr`` multiplies ``x2`` by ``1 - 4 lr`` each step: it converges for ``lr < 0.5`` and
    diverges in ``x2`` (a growing zig-zag) beyond, while ``x1`` (factor ``1 - 0.2 lr``) crawls.

    Args:
        x: points of shape ``(..., 2)``.

    Returns:
        ``f(x)`` of shape ``(...)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> ill_conditioned_quadratic(jnp.array([1.0, 1.0]))
        Array(2.1, dtype=float32)
    """
    x1, x2 = _split(x, "ill_conditioned_quadratic")
    return 0.1 * x1**2 + 2.0 * x2**2


def rosenbrock(x: Any, a: float = 1.0, b: float = 100.0) -> jax.Array:
    """Rosenbrock's banana valley: ``f = (a - x1)^2 + b (x2 - x1^2)^2``.

    Gradient ``(-2 (a - x1) - 4 b x1 (x2 - x1^2), 2 b (x2 - x1^2))``; minimum ``f(a, a^2) = 0``
    ((1, 1) with the defaults) at the end of a long, curved, flat-bottomed valley.

    Args:
        x: points of shape ``(..., 2)``.
        a: the minimum's ``x1`` (default 1.0).
        b: the valley's steepness (default 100.0).

    Returns:
        ``f(x)`` of shape ``(...)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> rosenbrock(jnp.array([1.0, 1.0]))
        Array(0., dtype=float32)
        >>> rosenbrock(jnp.array([-2.0, 2.0]))          # 3^2 + 100 * (2 - 4)^2
        Array(409., dtype=float32)
    """
    check_finite("a", a)
    check_finite("b", b)
    x1, x2 = _split(x, "rosenbrock")
    return (a - x1) ** 2 + b * (x2 - x1**2) ** 2


def beale(x: Any) -> jax.Array:
    """Beale's function: sharp ridges around a flat basin with the minimum at ``(3, 0.5)``.

    ``f = (1.5 - x1 + x1 x2)^2 + (2.25 - x1 + x1 x2^2)^2 + (2.625 - x1 + x1 x2^3)^2``;
    ``f(3, 0.5) = 0``.

    Args:
        x: points of shape ``(..., 2)``.

    Returns:
        ``f(x)`` of shape ``(...)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> beale(jnp.array([3.0, 0.5]))
        Array(0., dtype=float32)
        >>> beale(jnp.array([0.0, 0.0]))                # 1.5^2 + 2.25^2 + 2.625^2
        Array(14.203125, dtype=float32)
    """
    x1, x2 = _split(x, "beale")
    return (
        (1.5 - x1 + x1 * x2) ** 2 + (2.25 - x1 + x1 * x2**2) ** 2 + (2.625 - x1 + x1 * x2**3) ** 2
    )


def saddle(x: Any) -> jax.Array:
    """A saddle: ``f = x1^2 - x2^2`` (a minimum along ``x1``, a maximum along ``x2``).

    Gradient ``(2 x1, -2 x2)``; stationary point ``(0, 0)`` is not a minimum and ``f`` is
    unbounded below. Started near the ridge ``x2 = 0``, gradient descent leaves it only at the
    rate ``|x2|`` grows (factor ``1 + 2 lr``); methods with momentum or adaptive steps escape
    faster.

    Args:
        x: points of shape ``(..., 2)``.

    Returns:
        ``f(x)`` of shape ``(...)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> saddle(jnp.array([1.0, 2.0]))
        Array(-3., dtype=float32)
    """
    x1, x2 = _split(x, "saddle")
    return x1**2 - x2**2


class Surface(NamedTuple):
    """A test function with the settings that make a good picture of it.

    Attributes:
        name: the key in :data:`SURFACES`.
        f: ``f(x)`` for ``x`` of shape ``(..., 2)``.
        x0: the usual start point ``(x1, x2)``.
        minimum: the global minimum ``(x1, x2)``, or ``None`` (the saddle has none).
        bounds: plot bounds ``((x1_min, x1_max), (x2_min, x2_max))``; they contain ``x0`` and
            the minimum.
        log_levels: whether contour levels should be log-spaced (``f >= 0`` spanning decades).
        steps: a sensible number of optimizer steps for a path.
        title: a plain-text title with the formula.
    """

    name: str
    f: Callable[[Any], jax.Array]
    x0: tuple[float, float]
    minimum: tuple[float, float] | None
    bounds: tuple[tuple[float, float], tuple[float, float]]
    log_levels: bool
    steps: int
    title: str


SURFACES: dict[str, Surface] = {
    "quadratic": Surface(
        "quadratic",
        ill_conditioned_quadratic,
        (-5.0, -2.0),
        (0.0, 0.0),
        ((-5.5, 1.5), (-3.0, 3.0)),
        True,
        100,
        "ill-conditioned quadratic 0.1·x1² + 2·x2²",
    ),
    "rosenbrock": Surface(
        "rosenbrock",
        rosenbrock,
        (-2.0, 2.0),
        (1.0, 1.0),
        ((-2.5, 2.5), (-1.0, 4.0)),
        True,
        3000,
        "Rosenbrock (1 − x1)² + 100·(x2 − x1²)²",
    ),
    "beale": Surface(
        "beale",
        beale,
        (1.0, 1.5),
        (3.0, 0.5),
        ((-1.0, 4.5), (-2.0, 2.0)),
        True,
        1500,
        "Beale",
    ),
    "saddle": Surface(
        "saddle",
        saddle,
        (-1.5, 0.01),
        None,
        ((-2.0, 2.0), (-2.0, 2.0)),
        False,
        40,
        "saddle x1² − x2²",
    ),
}
"""The four surfaces by name: ``quadratic``, ``rosenbrock``, ``beale``, ``saddle``."""


def get(surface: str | Surface) -> Surface:
    """A :class:`Surface` by name (a :class:`Surface` is returned as it is).

    Examples:
        >>> get("rosenbrock").minimum
        (1.0, 1.0)
    """
    if isinstance(surface, Surface):
        return surface
    if not isinstance(surface, str) or surface not in SURFACES:
        known = ", ".join(repr(k) for k in SURFACES)
        raise ValueError(
            f"`surface` must be one of {known} or a jaxnn.surfaces.Surface; got "
            f"surface={surface!r}."
        )
    return SURFACES[surface]


def _check_optimizer(optimizer: Any) -> None:
    if not (
        callable(getattr(optimizer, "init", None)) and callable(getattr(optimizer, "update", None))
    ):
        raise TypeError(
            "`optimizer` must have `init` and `update` (a jaxnn optimizer such as "
            f"jaxnn.optim.sgd(0.1), or an optax GradientTransformation), got {optimizer!r}."
        )


def _check_x0(x0: Any) -> jax.Array:
    if not isinstance(x0, jax.Array):
        try:
            x0 = np.asarray(x0)
        except (TypeError, ValueError) as e:
            raise TypeError(
                f"`x0` must be a point (x1, x2) of real numbers, got x0={x0!r} ({e})."
            ) from None
        if x0.dtype.kind not in "iuf":
            raise TypeError(
                f"`x0` must be a point (x1, x2) of real numbers, got x0={x0.tolist()!r} "
                f"(dtype {x0.dtype}). Pass e.g. x0=(-2.0, 2.0)."
            )
    x = jnp.asarray(x0)
    if x.shape != (2,):
        raise ValueError(
            f"`x0` must have shape (2,) (one point in the plane), got shape {x.shape}. "
            "Pass e.g. x0=(-2.0, 2.0)."
        )
    if not jnp.issubdtype(x.dtype, jnp.floating):
        if jnp.issubdtype(x.dtype, jnp.complexfloating):
            raise TypeError(f"`x0` must be real, got dtype {x.dtype}.")
        x = x.astype(jnp.result_type(float))
    if not bool(jnp.all(jnp.isfinite(x))):
        raise ValueError(f"`x0` must be finite, got x0={np.asarray(x).tolist()}.")
    return x


def _path(f, optimizer, x0, steps):
    grad_f = jax.grad(f)

    def step(carry, _):
        x, state = carry
        updates, state = optimizer.update(grad_f(x), state, x)
        x = apply_updates(x, updates)
        return (x, state), x

    _, xs = jax.lax.scan(step, (x0, optimizer.init(x0)), None, length=steps)
    return jnp.concatenate([x0[None, :], xs], axis=0)


# One compiled program per (f, optimizer, steps, dtype): both are hashable NamedTuples or
# functions, so a second call with the same ones does not recompile.
_path_jit = jax.jit(_path, static_argnums=(0, 1, 3))


def optimize_path(f: Callable[[jax.Array], Any], optimizer: Any, x0: Any, steps: int) -> jax.Array:
    """The points an optimizer visits minimizing ``f`` from ``x0``: shape ``(steps + 1, 2)``.

    Rule, for ``k = 0 .. steps - 1`` (``path[0] = x0``)::

        g = grad f(path[k])
        u, state = optimizer.update(g, state, path[k])
        path[k + 1] = path[k] + u

    All steps run in one jit-compiled ``lax.scan``; the same ``f``, ``optimizer`` object,
    ``steps`` and ``x0`` dtype reuse the compiled program. A diverging path is not cut short:
    its points overflow to ``inf``/``nan`` and stay there (see :func:`first_exit`).

    Args:
        f: a scalar function of a ``(2,)`` point, e.g. one of this module's surfaces.
        optimizer: anything with ``init``/``update`` (a :class:`jaxnn.optim.Optimizer` or an
            optax ``GradientTransformation``).
        x0: the start point, shape ``(2,)``; integers are cast to floats; its float dtype is
            kept (float64 needs ``jax.enable_x64``).
        steps: the number of updates, an int >= 1.

    Returns:
        The path, shape ``(steps + 1, 2)``, starting with ``x0``.

    Raises:
        TypeError: ``f`` not callable or not scalar-valued, ``optimizer`` without
            ``init``/``update``, ``steps`` not an int.
        ValueError: ``x0`` not of shape ``(2,)`` or not finite, ``steps < 1``.

    Examples:
        >>> from jaxnn import optim
        >>> path = optimize_path(ill_conditioned_quadratic, optim.sgd(0.4), (-5.0, -2.0), 3)
        >>> path.shape
        (4, 2)
        >>> path[:, 1]                                  # x2 times (1 - 4 * 0.4) each step
        Array([-2.   ,  1.2  , -0.72 ,  0.432], dtype=float32)
    """
    check_callable("f", f, "f(x) -> scalar for a point x of shape (2,)")
    _check_optimizer(optimizer)
    steps = check_int("steps", steps, minimum=1, hint="Pass the number of updates, e.g. 100.")
    x0 = _check_x0(x0)
    out = jax.eval_shape(f, x0)
    if not (hasattr(out, "shape") and out.shape == ()):
        raise TypeError(
            f"`f` must return a scalar for a point of shape (2,), got "
            f"{getattr(out, 'shape', type(out).__name__)}. Reduce it, e.g. with jnp.sum."
        )
    try:
        hash((f, optimizer))
    except TypeError:  # an unhashable optimizer: compile this call on its own
        return jax.jit(lambda x: _path(f, optimizer, x, steps))(x0)
    return _path_jit(f, optimizer, x0, steps)


def first_exit(path: Any, bounds: Any) -> int | None:
    """The first index of ``path`` outside ``bounds`` or non-finite, or ``None`` if none is.

    A point ``(x1, x2)`` is inside when ``lo1 <= x1 <= hi1`` and ``lo2 <= x2 <= hi2``. Use it to
    say when a diverging optimizer leaves the picture, or when one escapes a saddle.

    Args:
        path: points of shape ``(n, 2)``.
        bounds: ``((lo1, hi1), (lo2, hi2))``, e.g. a :class:`Surface`'s ``bounds``.

    Returns:
        The index (0 = the start) or ``None``.

    Examples:
        >>> import numpy as np
        >>> first_exit(np.array([[0.0, 0.0], [0.0, 1.5], [0.0, np.inf]]), ((-1, 1), (-1, 1)))
        1
    """
    p = np.asarray(as_real_array("path", path), dtype=float)
    if p.ndim != 2 or p.shape[1] != 2:
        raise ValueError(f"`path` must have shape (n, 2), got shape {p.shape}.")
    b = np.asarray(as_real_array("bounds", bounds), dtype=float)
    if b.shape != (2, 2) or not np.all(b[:, 0] < b[:, 1]):
        raise ValueError(
            "`bounds` must be ((lo1, hi1), (lo2, hi2)) with lo < hi, got "
            f"bounds={np.asarray(bounds).tolist()}."
        )
    with np.errstate(invalid="ignore"):
        inside = np.all((p >= b[None, :, 0]) & (p <= b[None, :, 1]), axis=1)
    outside = np.nonzero(~inside)[0]  # nan compares False: a non-finite point is outside
    return int(outside[0]) if outside.size else None
