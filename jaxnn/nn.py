"""Multilayer perceptrons whose parameters are plain pytrees.

An MLP is a list of layers; a layer is a dict ``{"w": (in, out) array, "b": (out,) array}``, and a
layer with no ``"b"`` key has no bias (the book's XOR network has no output bias). The forward
pass of layer ``l`` is

    z_l = a_{l-1} @ W_l + b_l
    a_l = f(z_l)                 (f = ``activation`` for hidden layers,
                                  ``output_activation`` for the last one)

with ``a_0 = x``. Parameters are ordinary pytrees, so ``jax.grad``, ``jax.jit``, ``jax.vmap`` and
any optimizer (jaxnn or optax) work on them directly.

Examples:
    >>> import jax, jax.numpy as jnp
    >>> from jaxnn import nn
    >>> params = nn.init_mlp(jax.random.key(0), [2, 8, 1])
    >>> [layer["w"].shape for layer in params]
    [(2, 8), (8, 1)]
    >>> nn.mlp(params, jnp.ones((5, 2))).shape
    (5, 1)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxnn import activations as _act
from jaxnn._validation import as_real_array, check_bool, check_dtype, check_int, check_positive

__all__ = ["INITS", "check_mlp_params", "init_mlp", "mlp", "param_count"]

Params = list[dict[str, jax.Array]]
Initializer = Callable[[jax.Array, tuple[int, ...], Any], jax.Array]


def _normal(scale: float) -> Initializer:
    def init(key, shape, dtype):
        return scale * jax.random.normal(key, shape, dtype)

    return init


def _uniform(scale: float) -> Initializer:
    def init(key, shape, dtype):
        return jax.random.uniform(key, shape, dtype, -scale, scale)

    return init


INITS: dict[str, str] = {
    "glorot_normal": "truncated normal, Var(w) = 2 / (fan_in + fan_out) (Glorot & Bengio 2010)",
    "glorot_uniform": "U(-l, l), l = sqrt(6 / (fan_in + fan_out))",
    "he_normal": "truncated normal, Var(w) = 2 / fan_in (He et al. 2015), for ReLU",
    "he_uniform": "U(-l, l), l = sqrt(6 / fan_in)",
    "normal": "N(0, scale^2), scale = 1 unless given",
    "uniform": "U(-scale, scale), scale = 1 unless given",
}
"""Initializer names accepted by :func:`init_mlp`, with their rule."""


def _initializer(init: str | Initializer, scale: float | None) -> Initializer:
    if callable(init) and not isinstance(init, str):
        return init
    if not isinstance(init, str):
        raise TypeError(
            f"`init` must be one of {', '.join(INITS)} or a callable (key, shape, dtype) -> array, "
            f"got init={init!r}."
        )
    if init not in INITS:
        raise ValueError(
            f"`init` got the unknown initializer {init!r}. Known: {', '.join(INITS)}; "
            "or pass a callable (key, shape, dtype) -> array such as "
            "jax.nn.initializers.lecun_normal()."
        )
    if scale is not None and init not in ("normal", "uniform"):
        raise ValueError(f"`scale` applies to init='normal' or 'uniform' only, got init={init!r}.")
    return {
        "glorot_normal": jax.nn.initializers.glorot_normal(),
        "glorot_uniform": jax.nn.initializers.glorot_uniform(),
        "he_normal": jax.nn.initializers.he_normal(),
        "he_uniform": jax.nn.initializers.he_uniform(),
        "normal": _normal(1.0 if scale is None else scale),
        "uniform": _uniform(1.0 if scale is None else scale),
    }[init]


def _initial_weights(init_fn: Initializer, key: jax.Array, shape: tuple, dtype: Any) -> jax.Array:
    """``init_fn(key, shape, dtype)``, checked: a user initializer must return such an array."""
    w = init_fn(key, shape, dtype)
    if not isinstance(w, jax.Array | np.ndarray) or jnp.shape(w) != shape:
        raise TypeError(
            f"`init` must return an array of the shape it is given, got {type(w).__name__} "
            f"of shape {jnp.shape(w) if isinstance(w, jax.Array | np.ndarray) else None} for "
            f"shape {shape}. An initializer is called as init(key, shape, dtype)."
        )
    return jnp.asarray(w, dtype)


def init_mlp(
    key: jax.Array,
    sizes: Sequence[int],
    *,
    init: str | Initializer = "glorot_normal",
    dtype: Any = jnp.float32,
    bias: bool = True,
    scale: float | None = None,
) -> Params:
    """Initial parameters of an MLP with layer widths ``sizes``.

    Weights are drawn from ``init`` (one independent key per layer); biases start at 0.

    Args:
        key: a JAX PRNG key (``jax.random.key(0)`` or ``jax.random.PRNGKey(0)``).
        sizes: widths ``[n_inputs, hidden_1, ..., n_outputs]``; at least 2 entries, all > 0.
        init: an initializer name from :data:`INITS` (default ``"glorot_normal"``, the one
            used by Keras and ``jax.nn.initializers``) or a callable ``(key, shape, dtype)``.
        dtype: a floating dtype for all parameters (default float32).
        bias: whether layers get a ``"b"`` vector (default True).
        scale: the spread of ``"normal"`` (std) and ``"uniform"`` (half-width) inits.

    Returns:
        A list of ``len(sizes) - 1`` layers ``{"w": (in, out), "b": (out,)}``.

    Examples:
        >>> import jax
        >>> params = init_mlp(jax.random.key(0), [2, 3, 1], bias=False)
        >>> [sorted(layer) for layer in params]
        [['w'], ['w']]
    """
    sizes = _check_sizes(sizes)
    check_bool("bias", bias)
    if scale is not None:
        check_positive("scale", scale)
    dtype = check_dtype(
        "dtype", dtype, hint="Parameters are differentiated and updated, which needs floats."
    )
    init_fn = _initializer(init, scale)
    _check_key(key)
    keys = jax.random.split(key, len(sizes) - 1)
    params = []
    for layer_key, n_in, n_out in zip(keys, sizes[:-1], sizes[1:], strict=True):
        layer = {"w": _initial_weights(init_fn, layer_key, (n_in, n_out), dtype)}
        if bias:
            layer["b"] = jnp.zeros((n_out,), dtype)
        params.append(layer)
    return params


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


def _check_sizes(sizes: Any) -> list[int]:
    if isinstance(sizes, str | bytes) or not isinstance(sizes, Sequence | np.ndarray):
        raise TypeError(
            f"`sizes` must be a sequence of layer widths such as [2, 8, 1], got {sizes!r}."
        )
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"`sizes` needs at least 2 entries (inputs and outputs), got sizes={sizes}. "
            "Example: [2, 8, 1] is 2 inputs, 8 hidden units, 1 output."
        )
    return [check_int(f"sizes[{i}]", s, minimum=1) for i, s in enumerate(sizes)]


def check_mlp_params(params: Any, argument: str = "params") -> None:
    """Raises a clear error unless ``params`` is a non-empty list of ``{"w", ["b"]}`` layers.

    Only structure, rank and chaining of shapes are checked (static information), so it is
    safe to call inside ``jit``.
    """
    if not isinstance(argument, str):
        raise TypeError(f"`argument` must be the argument's name (a str), got {argument!r}.")
    if not isinstance(params, list | tuple) or len(params) == 0:
        raise TypeError(
            f"`{argument}` must be a non-empty list of layers {{'w': (in, out), 'b': (out,)}} "
            f"as made by jaxnn.nn.init_mlp, got {type(params).__name__}."
        )
    previous_out = None
    for i, layer in enumerate(params):
        if not isinstance(layer, dict) or "w" not in layer:
            raise TypeError(
                f"`{argument}[{i}]` must be a dict with a 'w' matrix (and optionally a 'b' "
                "vector), "
                f"got {type(layer).__name__}"
                + (f" with keys {sorted(layer)}" if isinstance(layer, dict) else "")
                + "."
            )
        extra = set(layer) - {"w", "b"}
        if extra:
            raise ValueError(
                f"`{argument}[{i}]` has unknown keys {sorted(extra)}; expected 'w' and 'b'."
            )
        w = layer["w"]
        if jnp.ndim(w) != 2:
            raise ValueError(
                f"`{argument}[{i}]['w']` must be a 2-D (in, out) matrix, got shape {jnp.shape(w)}."
            )
        if not jnp.issubdtype(jnp.result_type(w), jnp.floating):
            raise TypeError(
                f"`{argument}[{i}]['w']` must be a floating-point matrix, got dtype "
                f"{jnp.result_type(w)}. Cast it, e.g. w.astype(jnp.float32), or build the "
                "params with jaxnn.nn.init_mlp."
            )
        n_in, n_out = jnp.shape(w)
        if "b" in layer and jnp.shape(layer["b"]) != (n_out,):
            raise ValueError(
                f"`{argument}[{i}]['b']` must have shape ({n_out},) to match w's {n_out} outputs, "
                f"got {jnp.shape(layer['b'])}."
            )
        if previous_out is not None and n_in != previous_out:
            raise ValueError(
                f"`{argument}[{i}]['w']` takes {n_in} inputs but layer {i - 1} gives "
                f"{previous_out}; consecutive layers must chain (in of layer l == out of l-1)."
            )
        previous_out = n_out


def mlp(
    params: Params,
    x: Any,
    *,
    activation: str | Callable = "relu",
    output_activation: str | Callable = "identity",
) -> jax.Array:
    """Applies the MLP ``params`` to ``x``.

    ``a_0 = x``;  ``a_l = f(a_{l-1} @ W_l + b_l)`` with ``f = activation`` for every hidden layer
    and ``f = output_activation`` for the last layer.

    Args:
        params: layers as made by :func:`init_mlp`.
        x: inputs of shape ``(features,)`` or ``(batch, features)``.
        activation: hidden activation, a name (see :func:`jaxnn.activations.names`) or a callable.
        output_activation: activation of the last layer (default ``"identity"``: raw outputs /
            logits).

    Returns:
        Outputs of shape ``(out,)`` or ``(batch, out)``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> params = [{"w": jnp.eye(2), "b": jnp.zeros(2)}]
        >>> mlp(params, jnp.array([-1.0, 2.0]))
        Array([-1.,  2.], dtype=float32)
    """
    check_mlp_params(params)
    hidden = _act.get(activation, argument="activation")
    output = _act.get(output_activation, argument="output_activation")
    x = as_real_array("x", x)
    if x.ndim not in (1, 2):
        raise ValueError(
            f"`x` must have shape (features,) or (batch, features), got shape {x.shape}."
        )
    n_in = jnp.shape(params[0]["w"])[0]
    if x.shape[-1] != n_in:
        raise ValueError(
            f"`x` has {x.shape[-1]} features (shape {x.shape}) but the first layer expects {n_in}."
        )
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        x = x.astype(jnp.asarray(params[0]["w"]).dtype)
    a = x
    last = len(params) - 1
    for i, layer in enumerate(params):
        z = a @ layer["w"]
        if "b" in layer:
            z = z + (layer["b"] if z.ndim == 1 else layer["b"][None, :])
        a = output(z) if i == last else hidden(z)
    return a


def param_count(params: Any) -> int:
    """Number of scalar parameters in a pytree.

    Examples:
        >>> import jax
        >>> param_count(init_mlp(jax.random.key(0), [2, 3, 1]))
        13
    """
    for path, leaf in jax.tree_util.tree_flatten_with_path(params)[0]:
        if not (hasattr(leaf, "shape") or isinstance(leaf, int | float | complex)):
            raise TypeError(
                f"`params` leaf {jax.tree_util.keystr(path) or '(root)'} is "
                f"{type(leaf).__name__}, not an array."
            )
    return sum(int(np.prod(jnp.shape(leaf))) for leaf in jax.tree.leaves(params))
