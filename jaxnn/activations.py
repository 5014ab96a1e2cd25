"""Activation functions and their derivatives (ch. 9.3 of *모두의 딥러닝*).

Every activation ``f`` comes with its derivative ``f'`` written as a function of the
*pre-activation* ``x`` (not of the output), so backprop can use ``delta * f'(z)`` directly:

    sigmoid(x)    = 1 / (1 + exp(-x))            sigmoid'(x)    = s (1 - s),  max 0.25 at x = 0
    tanh(x)       = (e^x - e^-x) / (e^x + e^-x)  tanh'(x)       = 1 - tanh(x)^2, max 1 at x = 0
    relu(x)       = max(x, 0)                    relu'(x)       = 1 if x > 0 else 0 (0 at x = 0)
    softplus(x)   = log(1 + e^x)                 softplus'(x)   = sigmoid(x)
    leaky_relu(x) = x if x >= 0 else a x         leaky_relu'(x) = 1 if x >= 0 else a   (a = 0.01)
    elu(x)        = x if x > 0 else a (e^x - 1)  elu'(x)        = 1 if x > 0 else a e^x (a = 1)
    gelu(x)       = x Phi(x) (tanh approximation by default)
    swish(x)      = x sigmoid(x)                 swish'(x)      = s (1 + x (1 - s))
    identity(x)   = x                            identity'(x)   = 1

Conventions: the values at kinks follow ``jax.grad`` of the same function, so the hand-written
derivative and autodiff agree everywhere (ReLU'(0) = 0, leaky ReLU'(0) = 1). All functions are
numerically safe at the extremes: ``sigmoid(-1000) == 0`` and ``softplus(1000) == 1000`` with no
overflow and no NaN. Integer inputs are promoted to the default float dtype.

Look-up by name: ``get("relu")`` returns :func:`relu`, ``derivative("relu")`` returns
:func:`relu_derivative`; ``names()`` lists what is known.

Examples:
    >>> import jax.numpy as jnp
    >>> from jaxnn import activations
    >>> activations.sigmoid_derivative(0.0)
    Array(0.25, dtype=float32)
    >>> activations.get("relu")(jnp.array([-1.0, 0.0, 2.0]))
    Array([0., 0., 2.], dtype=float32)
"""

from __future__ import annotations

import math
from collections.abc import Callable

import jax
import jax.numpy as jnp

from jaxnn._validation import as_real_array, check_bool, check_finite

__all__ = [
    "derivative",
    "elu",
    "elu_derivative",
    "gelu",
    "gelu_derivative",
    "get",
    "identity",
    "identity_derivative",
    "leaky_relu",
    "leaky_relu_derivative",
    "names",
    "relu",
    "relu_derivative",
    "sigmoid",
    "sigmoid_derivative",
    "softplus",
    "softplus_derivative",
    "swish",
    "swish_derivative",
    "tanh",
    "tanh_derivative",
]

Activation = Callable[[jax.Array], jax.Array]


def _as_float(x) -> jax.Array:
    """Converts array-likes of real numbers to a JAX array with a floating dtype.

    Python scalars become strongly typed arrays of the default float dtype. Strings, objects
    and complex numbers are a TypeError naming ``x`` (the activations compare ``x`` with 0).
    """
    if isinstance(x, int | float):
        return jnp.asarray(x, dtype=jnp.result_type(float))
    x = as_real_array("x", x)
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        x = x.astype(jnp.result_type(float))
    return x


def sigmoid(x) -> jax.Array:
    """Logistic sigmoid ``1 / (1 + exp(-x))``, computed without overflow.

    Examples:
        >>> sigmoid(0.0), sigmoid(-1000.0), sigmoid(1000.0)
        (Array(0.5, dtype=float32), Array(0., dtype=float32), Array(1., dtype=float32))
    """
    return jax.nn.sigmoid(_as_float(x))


def sigmoid_derivative(x) -> jax.Array:
    """``sigmoid'(x) = s (1 - s)`` with ``s = sigmoid(x)``; at most 0.25, at ``x = 0``.

    Examples:
        >>> sigmoid_derivative(0.0)
        Array(0.25, dtype=float32)
    """
    s = sigmoid(x)
    return s * (1 - s)


def tanh(x) -> jax.Array:
    """Hyperbolic tangent, range (-1, 1).

    Examples:
        >>> tanh(0.0)
        Array(0., dtype=float32)
    """
    return jnp.tanh(_as_float(x))


def tanh_derivative(x) -> jax.Array:
    """``tanh'(x) = 1 - tanh(x)^2``; 1 at ``x = 0``.

    Examples:
        >>> tanh_derivative(0.0)
        Array(1., dtype=float32)
    """
    t = tanh(x)
    return 1 - t**2


def relu(x) -> jax.Array:
    """Rectified linear unit ``max(x, 0)``.

    Examples:
        >>> relu(jnp.array([-2.0, 0.0, 3.0]))
        Array([0., 0., 3.], dtype=float32)
    """
    x = _as_float(x)
    return jnp.where(x > 0, x, jnp.zeros_like(x))


def relu_derivative(x) -> jax.Array:
    """``relu'(x) = 1 if x > 0 else 0``.

    Note:
        At the kink ``x = 0`` the derivative is taken as 0, the value ``jax.grad(jax.nn.relu)``
        gives; some texts use 1 or 0.5 there.

    Examples:
        >>> relu_derivative(jnp.array([-1.0, 0.0, 1.0]))
        Array([0., 0., 1.], dtype=float32)
    """
    x = _as_float(x)
    return jnp.where(x > 0, jnp.ones_like(x), jnp.zeros_like(x))


def softplus(x) -> jax.Array:
    """``softplus(x) = log(1 + e^x)``, a smooth ReLU, computed as ``logaddexp(x, 0)``.

    Examples:
        >>> softplus(1000.0), softplus(-1000.0)
        (Array(1000., dtype=float32), Array(0., dtype=float32))
    """
    return jnp.logaddexp(_as_float(x), 0.0)


def softplus_derivative(x) -> jax.Array:
    """``softplus'(x) = sigmoid(x)``.

    Examples:
        >>> softplus_derivative(0.0)
        Array(0.5, dtype=float32)
    """
    return sigmoid(x)


def leaky_relu(x, negative_slope: float = 0.01) -> jax.Array:
    """``leaky_relu(x) = x if x >= 0 else negative_slope * x``.

    Examples:
        >>> leaky_relu(jnp.array([-100.0, 2.0]))
        Array([-1.,  2.], dtype=float32)
    """
    check_finite("negative_slope", negative_slope)
    x = _as_float(x)
    return jnp.where(x >= 0, x, negative_slope * x)


def leaky_relu_derivative(x, negative_slope: float = 0.01) -> jax.Array:
    """``leaky_relu'(x) = 1 if x >= 0 else negative_slope`` (1 at ``x = 0``, as ``jax.grad``).

    Examples:
        >>> leaky_relu_derivative(jnp.array([-1.0, 0.0]))
        Array([0.01, 1.  ], dtype=float32)
    """
    check_finite("negative_slope", negative_slope)
    x = _as_float(x)
    return jnp.where(x >= 0, jnp.ones_like(x), jnp.full_like(x, negative_slope))


def elu(x, alpha: float = 1.0) -> jax.Array:
    """Exponential linear unit ``x if x > 0 else alpha (e^x - 1)``.

    Examples:
        >>> elu(jnp.array([-1000.0, 1.0]))
        Array([-1.,  1.], dtype=float32)
    """
    check_finite("alpha", alpha)
    x = _as_float(x)
    safe = jnp.where(x > 0, jnp.zeros_like(x), x)  # keeps expm1 finite on the unused branch
    return jnp.where(x > 0, x, alpha * jnp.expm1(safe))


def elu_derivative(x, alpha: float = 1.0) -> jax.Array:
    """``elu'(x) = 1 if x > 0 else alpha e^x``.

    Examples:
        >>> elu_derivative(jnp.array([0.0, 2.0]))
        Array([1., 1.], dtype=float32)
    """
    check_finite("alpha", alpha)
    x = _as_float(x)
    safe = jnp.where(x > 0, jnp.zeros_like(x), x)
    return jnp.where(x > 0, jnp.ones_like(x), alpha * jnp.exp(safe))


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_C = 0.044715


def gelu(x, approximate: bool = True) -> jax.Array:
    """Gaussian error linear unit ``x Phi(x)``.

    With ``approximate=True`` (the default, as ``jax.nn.gelu``):
    ``gelu(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``;
    otherwise the exact ``x Phi(x)`` with the normal CDF ``Phi``.

    Examples:
        >>> gelu(0.0)
        Array(0., dtype=float32)
    """
    check_bool("approximate", approximate)
    return jax.nn.gelu(_as_float(x), approximate=approximate)


def gelu_derivative(x, approximate: bool = True) -> jax.Array:
    """Derivative of :func:`gelu`.

    Approximate form, with ``u = sqrt(2/pi) (x + 0.044715 x^3)``:
    ``gelu'(x) = 0.5 (1 + tanh u) + 0.5 x (1 - tanh(u)^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2)``.
    Exact form: ``gelu'(x) = Phi(x) + x phi(x)``.

    Examples:
        >>> gelu_derivative(0.0)
        Array(0.5, dtype=float32)
    """
    check_bool("approximate", approximate)
    x = _as_float(x)
    if approximate:
        t = jnp.tanh(_SQRT_2_OVER_PI * (x + _GELU_C * x**3))
        du = _SQRT_2_OVER_PI * (1 + 3 * _GELU_C * x**2)
        # (1 - t^2) is exactly 0 where tanh saturates, so du (which grows like x^2) cannot overflow
        # into inf * 0 for float32 inputs below ~1e12.
        return 0.5 * (1 + t) + 0.5 * x * (1 - t**2) * du
    cdf = 0.5 * (1 + jax.lax.erf(x / math.sqrt(2.0)))
    pdf = jnp.exp(-0.5 * x**2) / math.sqrt(2.0 * math.pi)
    return cdf + x * pdf


def swish(x) -> jax.Array:
    """Swish / SiLU ``x sigmoid(x)``.

    Examples:
        >>> swish(0.0)
        Array(0., dtype=float32)
    """
    x = _as_float(x)
    return x * sigmoid(x)


def swish_derivative(x) -> jax.Array:
    """``swish'(x) = s (1 + x (1 - s))`` with ``s = sigmoid(x)``.

    Examples:
        >>> swish_derivative(0.0)
        Array(0.5, dtype=float32)
    """
    x = _as_float(x)
    s = sigmoid(x)
    return s * (1 + x * (1 - s))


def identity(x) -> jax.Array:
    """``identity(x) = x`` (a linear output layer).

    Examples:
        >>> identity(3.0)
        Array(3., dtype=float32)
    """
    return _as_float(x)


def identity_derivative(x) -> jax.Array:
    """``identity'(x) = 1``.

    Examples:
        >>> identity_derivative(jnp.array([-5.0, 5.0]))
        Array([1., 1.], dtype=float32)
    """
    return jnp.ones_like(_as_float(x))


_REGISTRY: dict[str, tuple[Activation, Activation]] = {
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
    "softplus": (softplus, softplus_derivative),
    "leaky_relu": (leaky_relu, leaky_relu_derivative),
    "elu": (elu, elu_derivative),
    "gelu": (gelu, gelu_derivative),
    "swish": (swish, swish_derivative),
    "identity": (identity, identity_derivative),
}
_ALIASES = {"silu": "swish", "linear": "identity", "logistic": "sigmoid"}


def names() -> tuple[str, ...]:
    """The names :func:`get` knows, in a fixed order.

    Examples:
        >>> names()[:4]
        ('sigmoid', 'tanh', 'relu', 'softplus')
    """
    return tuple(_REGISTRY)


def _lookup(name: str, argument: str) -> tuple[Activation, Activation]:
    key = _ALIASES.get(name, name)
    if key not in _REGISTRY:
        known = ", ".join(names())
        raise ValueError(
            f"`{argument}` got the unknown activation name {name!r}. Known activations: {known} "
            f"(aliases: {', '.join(_ALIASES)}); or pass a callable."
        )
    return _REGISTRY[key]


def get(activation: str | Activation, *, argument: str = "activation") -> Activation:
    """Returns the activation function for a name, or the callable itself.

    Args:
        activation: a name from :func:`names` (or an alias: silu, linear, logistic) or a
            callable ``x -> f(x)``.
        argument: the argument name used in error messages.

    Returns:
        The activation function.

    Raises:
        ValueError: for an unknown name (the message lists the known ones).
        TypeError: for something that is neither a string nor callable.

    Examples:
        >>> get("tanh") is tanh
        True
    """
    if isinstance(activation, str):
        return _lookup(activation, argument)[0]
    if callable(activation):
        return activation
    raise TypeError(
        f"`{argument}` must be an activation name ({', '.join(names())}) or a callable, "
        f"got {activation!r} (type {type(activation).__name__})."
    )


def derivative(activation: str | Activation, *, argument: str = "activation") -> Activation:
    """Returns ``f'`` as a function of the pre-activation, for a name or a callable.

    For a registered activation (by name or by the function itself) this is the hand-written
    derivative; for any other callable it is ``jax.grad`` applied elementwise.

    Examples:
        >>> derivative("sigmoid") is sigmoid_derivative
        True
        >>> import jax.numpy as jnp
        >>> derivative(jnp.sin)(0.0)
        Array(1., dtype=float32)
    """
    if isinstance(activation, str):
        return _lookup(activation, argument)[1]
    for fn, deriv in _REGISTRY.values():
        if activation is fn:
            return deriv
    fn = get(activation, argument=argument)
    return lambda x: jnp.vectorize(jax.grad(fn))(_as_float(x))
