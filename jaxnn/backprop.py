"""Backpropagation by hand for jaxnn MLPs (ch. 8 of *모두의 딥러닝*), proven equal to ``jax.grad``.

The parameters are those of :mod:`jaxnn.nn`: a list of layers ``{"w": (in, out), "b": (out,)}``,
a layer without ``"b"`` having no bias. With ``a_0 = x`` the forward pass of layer ``l = 1..L`` is

    z_l = a_{l-1} @ W_l + b_l
    a_l = f_l(z_l)                      (f_l = activation; f_L = output_activation)

and the backward pass is the chain rule, from the output down, one step per line:

    delta_L     = dE/da_L * f_L'(z_L)                  output delta (dE/dz_L)
    dE/dW_l     = a_{l-1}^T @ delta_l                  weight gradient (summed over the batch)
    dE/db_l     = sum_batch delta_l                    bias gradient
    delta_{l-1} = (delta_l @ W_l^T) * f_{l-1}'(z_{l-1})  delta passed down through the weights

:func:`forward` keeps what the backward pass needs in a :class:`Cache` (each layer's input
``a_{l-1}`` and its activation's derivative ``f_l'(z_l)``); :func:`backward` turns a gradient
with respect to the network output into parameter gradients; :func:`grad` and
:func:`value_and_grad` start from one of the losses in :data:`LOSSES`. The results equal
``jax.grad`` of the same loss to rounding (the test suite checks every activation x loss to
1e-10 in float64). Everything is jit-compatible once the names are static (checks look only at
names and shapes).

Examples:
    >>> import jax, jax.numpy as jnp
    >>> from jaxnn import backprop, losses, nn
    >>> params = nn.init_mlp(jax.random.key(0), [2, 3, 1])
    >>> x, y = jnp.array([[0.0, 1.0], [1.0, 1.0]]), jnp.array([[1.0], [0.0]])
    >>> grads = backprop.grad(params, x, y, activation="tanh", loss="mse")
    >>> def loss_fn(p):
    ...     return losses.mse(nn.mlp(p, x, activation="tanh", output_activation="sigmoid"), y)
    >>> auto = jax.grad(loss_fn)(params)
    >>> bool(jnp.allclose(grads[0]["w"], auto[0]["w"], atol=1e-6))
    True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from jaxnn import activations as _act
from jaxnn import losses as _losses
from jaxnn._validation import as_real_array, check_choice
from jaxnn.nn import check_mlp_params

__all__ = ["LOSSES", "Cache", "backward", "forward", "grad", "value_and_grad"]

Params = list[dict[str, jax.Array]]

LOSSES: dict[str, str] = {
    "mse": "mean((a_L - y)^2) over all elements (jaxnn.losses.mse)",
    "sse_half": "0.5 * sum((a_L - y)^2), the book's error",
    "bce": "mean binary cross-entropy of a sigmoid output, from its logits z_L "
    "(jaxnn.losses.sigmoid_binary_cross_entropy(z_L, y)); needs output_activation='sigmoid'",
    "softmax_ce": "mean softmax cross-entropy, integer labels or one-hot rows "
    "(jaxnn.losses.softmax_cross_entropy(z_L, y)); needs output_activation='softmax'",
}
"""The losses :func:`grad` knows, with their formula."""

_SIGMOID_NAMES = ("sigmoid", "logistic")


class Cache(NamedTuple):
    """What :func:`forward` keeps for :func:`backward` (a pytree of arrays).

    Attributes:
        inputs: ``(a_0, ..., a_{L-1})``, the input of each layer (``a_0 = x``).
        derivatives: ``(f_1'(z_1), ..., f_L'(z_L))``, each layer's activation derivative at its
            pre-activation, shaped like ``z_l``. For a softmax output the last entry is the full
            Jacobian ``da_L/dz_L`` of shape ``z_L.shape + (k,)``: softmax is not elementwise.
        logits: ``z_L``, the output layer's pre-activation.
        output: ``a_L``, the network output.
    """

    inputs: tuple[jax.Array, ...]
    derivatives: tuple[jax.Array, ...]
    logits: jax.Array
    output: jax.Array


# --------------------------------------------------------------------------------------------
# Checks (names and shapes only, so they also run at trace time inside jit)


def _activation(name: Any, argument: str) -> tuple[Callable, Callable]:
    return _act.get(name, argument=argument), _act.derivative(name, argument=argument)


def _softmax(z: jax.Array) -> jax.Array:
    return jax.nn.softmax(z, axis=-1)


def _softmax_jacobian(z: jax.Array) -> jax.Array:
    """``J[..., i, j] = da_j/dz_i = s_i (delta_ij - s_j)``, with ``s = softmax(z)``."""
    s = _softmax(z)
    eye = jnp.eye(z.shape[-1], dtype=s.dtype)
    eye = jnp.expand_dims(eye, tuple(range(z.ndim - 1)))
    return s[..., :, None] * (eye - s[..., None, :])


def _output_activation(name: Any) -> tuple[Callable, Callable]:
    if isinstance(name, str) and name == "softmax":
        return _softmax, _softmax_jacobian
    return _activation(name, "output_activation")


def _check_x(params: Params, x: Any) -> jax.Array:
    x = as_real_array("x", x)
    if x.ndim not in (1, 2):
        raise ValueError(
            f"`x` must have shape (features,) or (batch, features), got shape {x.shape}."
        )
    if x.size == 0:
        raise ValueError(f"`x` is empty (shape {x.shape}); pass at least one example.")
    n_in = jnp.shape(params[0]["w"])[0]
    if x.shape[-1] != n_in:
        raise ValueError(
            f"`x` has {x.shape[-1]} features (shape {x.shape}) but the first layer expects "
            f"{n_in}. Pass inputs of shape (batch, {n_in})."
        )
    if jnp.issubdtype(x.dtype, jnp.complexfloating) or not jnp.issubdtype(x.dtype, jnp.number):
        raise TypeError(f"`x` must be real numbers, got dtype {x.dtype}.")
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.asarray(params[0]["w"]).dtype)
    return x


def _check_loss(loss: Any, output_activation: Any) -> None:
    if not isinstance(loss, str):
        raise TypeError(
            f"`loss` must be a loss name ({', '.join(LOSSES)}), got loss={loss!r} "
            f"(type {type(loss).__name__})."
        )
    check_choice("loss", loss, tuple(LOSSES))
    is_sigmoid = output_activation in _SIGMOID_NAMES or output_activation is _act.sigmoid
    if loss == "bce" and not is_sigmoid:
        raise ValueError(
            "loss='bce' is binary cross-entropy on a sigmoid output, got "
            f"output_activation={output_activation!r}. Pass output_activation='sigmoid'."
        )
    if loss == "softmax_ce" and output_activation != "softmax":
        raise ValueError(
            "loss='softmax_ce' is cross-entropy on a softmax output, got "
            f"output_activation={output_activation!r}. Pass output_activation='softmax'."
        )


def _check_targets(loss: str, output: jax.Array, y: Any) -> jax.Array:
    y = as_real_array("y", y)
    if jnp.issubdtype(y.dtype, jnp.complexfloating) or not jnp.issubdtype(y.dtype, jnp.number):
        raise TypeError(f"`y` must be real numbers (or integer labels), got dtype {y.dtype}.")
    if loss == "softmax_ce":
        if jnp.issubdtype(y.dtype, jnp.integer):
            if y.shape != output.shape[:-1]:
                raise ValueError(
                    f"`y` (integer labels) must have shape {output.shape[:-1]}, one class index "
                    f"per row of the {output.shape} output, got shape {y.shape}."
                )
            _losses._check_class_range(y, output.shape[-1], "backprop", name="y")
            return jax.nn.one_hot(y, output.shape[-1], dtype=output.dtype)
        if y.shape != output.shape:
            raise ValueError(
                f"`y` (one-hot rows) must have the output's shape {output.shape}, got shape "
                f"{y.shape}. Integer class indices of shape {output.shape[:-1]} work too."
            )
        return y.astype(output.dtype)
    if y.shape != output.shape:
        fix = ""
        if output.shape[-1:] == (1,) and y.shape == output.shape[:-1]:
            fix = " Reshape the targets with `y[:, None]`."
        raise ValueError(
            f"`y` must have the network output's shape {output.shape} for loss={loss!r}, got "
            f"shape {y.shape}; broadcasting would compare every output with every target.{fix}"
        )
    if not jnp.issubdtype(y.dtype, jnp.floating):
        y = y.astype(output.dtype)
    return y


def _check_cache(params: Params, cache: Any) -> None:
    if not isinstance(cache, Cache):
        raise TypeError(
            f"`cache` must be the Cache returned by jaxnn.backprop.forward, got "
            f"{type(cache).__name__}."
        )
    if len(cache.inputs) != len(params) or len(cache.derivatives) != len(params):
        raise ValueError(
            f"`cache` holds {len(cache.inputs)} layers but `params` has {len(params)}; pass the "
            "cache that forward() returned for these params."
        )


# --------------------------------------------------------------------------------------------
# The passes


def _affine(a: jax.Array, layer: dict[str, jax.Array]) -> jax.Array:
    z = a @ layer["w"]
    if "b" in layer:
        z = z + (layer["b"] if z.ndim == 1 else layer["b"][None, :])
    return z


def _forward(params, x, hidden, hidden_d, out, out_d) -> tuple[jax.Array, Cache]:
    inputs, derivatives = [], []
    a = x
    last = len(params) - 1
    for i, layer in enumerate(params):
        z = _affine(a, layer)  # z_l = a_{l-1} @ W_l + b_l
        inputs.append(a)
        f, f_d = (out, out_d) if i == last else (hidden, hidden_d)
        derivatives.append(f_d(z))  # f_l'(z_l), kept for the backward pass
        a = f(z)  # a_l = f_l(z_l)
    return a, Cache(tuple(inputs), tuple(derivatives), z, a)


def _output_delta(cache: Cache, grad_output: jax.Array) -> jax.Array:
    d = cache.derivatives[-1]
    if d.ndim == grad_output.ndim + 1:  # softmax output: delta_L = J^T dE/da_L
        return jnp.einsum("...j,...ij->...i", grad_output, d)
    return grad_output * d  # delta_L = dE/da_L * f_L'(z_L)


def _weight_grad(a: jax.Array, delta: jax.Array) -> jax.Array:
    return jnp.outer(a, delta) if delta.ndim == 1 else a.T @ delta


def _backward_from_delta(params: Params, cache: Cache, delta: jax.Array) -> Params:
    """Gradients of every layer, given the output delta ``delta_L = dE/dz_L``."""
    grads: list[dict[str, jax.Array]] = [{} for _ in params]
    for l in reversed(range(len(params))):
        w = params[l]["w"]
        # dE/dW_l = a_{l-1}^T @ delta_l (an outer product for one sample)
        grads[l]["w"] = _weight_grad(cache.inputs[l], delta).astype(w.dtype)
        if "b" in params[l]:
            # dE/db_l = delta_l summed over the batch
            b = params[l]["b"]
            grads[l]["b"] = (delta if delta.ndim == 1 else delta.sum(axis=0)).astype(b.dtype)
        if l > 0:
            # delta_{l-1} = (delta_l @ W_l^T) * f_{l-1}'(z_{l-1})
            delta = (delta @ w.T) * cache.derivatives[l - 1]
    return grads


def forward(
    params: Params,
    x: Any,
    *,
    activation: str | Callable = "sigmoid",
    output_activation: str | Callable = "sigmoid",
) -> tuple[jax.Array, Cache]:
    """The forward pass, keeping what :func:`backward` needs.

    ``a_0 = x``;  ``z_l = a_{l-1} @ W_l + b_l``;  ``a_l = f_l(z_l)``; the output ``a_L`` equals
    ``jaxnn.nn.mlp(params, x, activation=..., output_activation=...)``.

    Args:
        params: layers as made by :func:`jaxnn.nn.init_mlp` (with or without ``"b"``).
        x: inputs of shape ``(features,)`` or ``(batch, features)``.
        activation: hidden activation, a name from :func:`jaxnn.activations.names` (sigmoid,
            tanh, relu, softplus, leaky_relu, identity, ...) or an elementwise callable (its
            derivative is then taken with ``jax.grad``). Default ``"sigmoid"``.
        output_activation: the last layer's activation, the same choices plus ``"softmax"``
            (over the last axis). Default ``"sigmoid"``.

    Returns:
        ``(output, cache)``: the output ``a_L`` of shape ``(out,)`` or ``(batch, out)`` and a
        :class:`Cache`.

    Examples:
        >>> import jax.numpy as jnp
        >>> params = [{"w": jnp.array([[1.0], [2.0]])}]
        >>> out, cache = forward(params, jnp.array([0.0, 0.0]), output_activation="tanh")
        >>> out, cache.derivatives[-1]
        (Array([0.], dtype=float32), Array([1.], dtype=float32))
    """
    check_mlp_params(params)
    hidden, hidden_d = _activation(activation, "activation")
    out, out_d = _output_activation(output_activation)
    x = _check_x(params, x)
    return _forward(params, x, hidden, hidden_d, out, out_d)


def backward(params: Params, cache: Cache, grad_output: Any) -> Params:
    """The backward pass: parameter gradients from ``grad_output = dE/da_L``.

    The chain rule, from the output down::

        delta_L     = dE/da_L * f_L'(z_L)         (softmax output: J^T dE/da_L)
        dE/dW_l     = a_{l-1}^T @ delta_l
        dE/db_l     = sum over the batch of delta_l
        delta_{l-1} = (delta_l @ W_l^T) * f_{l-1}'(z_{l-1})

    Args:
        params: the parameters given to :func:`forward`.
        cache: the :class:`Cache` :func:`forward` returned for them.
        grad_output: ``dE/da_L``, the gradient of the error with respect to the network output,
            of the output's shape.

    Returns:
        The gradients, a pytree with the structure, shapes and dtypes of ``params`` (what
        ``jax.vjp`` of the forward pass gives for the same cotangent).

    Examples:
        >>> import jax.numpy as jnp
        >>> params = [{"w": jnp.array([[2.0]]), "b": jnp.array([0.0])}]
        >>> out, cache = forward(params, jnp.array([[3.0]]), output_activation="identity")
        >>> backward(params, cache, jnp.ones((1, 1)))     # dE/dW = x = 3, dE/db = 1
        [{'w': Array([[3.]], dtype=float32), 'b': Array([1.], dtype=float32)}]
    """
    check_mlp_params(params)
    _check_cache(params, cache)
    grad_output = jnp.asarray(grad_output)
    if grad_output.shape != cache.output.shape:
        raise ValueError(
            f"`grad_output` must have the output's shape {cache.output.shape} (it is dE/da_L), "
            f"got shape {grad_output.shape}."
        )
    grad_output = grad_output.astype(cache.output.dtype)
    return _backward_from_delta(params, cache, _output_delta(cache, grad_output))


def value_and_grad(
    params: Params,
    x: Any,
    y: Any,
    *,
    activation: str | Callable = "sigmoid",
    output_activation: str | Callable = "sigmoid",
    loss: str = "mse",
) -> tuple[jax.Array, Params]:
    """The loss and its gradient with respect to ``params``, by hand-written backprop.

    The output delta ``delta_L = dE/dz_L`` of each loss (``n`` = number of output elements for
    mse and bce, of rows for softmax_ce)::

        mse:        E = mean((a - y)^2)        delta_L = 2 (a - y) / n * f_L'(z_L)
        sse_half:   E = 0.5 sum((a - y)^2)     delta_L = (a - y) * f_L'(z_L)
        bce:        E = mean(BCE(sigmoid(z)))  delta_L = (sigmoid(z_L) - y) / n
        softmax_ce: E = mean(CE(softmax(z)))   delta_L = (softmax(z_L) - onehot(y)) / n

    (for bce and softmax_ce the output activation's derivative cancels against the loss's), then
    :func:`backward`'s chain rule.

    Args:
        params: layers as made by :func:`jaxnn.nn.init_mlp`.
        x: inputs ``(features,)`` or ``(batch, features)``.
        y: targets of the output's shape; for ``"softmax_ce"`` integer labels ``(batch,)`` (or
            one-hot rows of the output's shape).
        activation: hidden activation (default ``"sigmoid"``), see :func:`forward`.
        output_activation: output activation (default ``"sigmoid"``); ``"bce"`` needs
            ``"sigmoid"`` and ``"softmax_ce"`` needs ``"softmax"``.
        loss: a name from :data:`LOSSES` (default ``"mse"``).

    Returns:
        ``(loss value, grads)``; grads has the structure and dtypes of ``params``.

    Examples:
        >>> import jax.numpy as jnp
        >>> params = [{"w": jnp.zeros((2, 3)), "b": jnp.zeros(3)}]
        >>> value, grads = value_and_grad(
        ...     params, jnp.ones((1, 2)), jnp.array([2]), output_activation="softmax",
        ...     loss="softmax_ce")
        >>> value                                          # log(3)
        Array(1.0986123, dtype=float32)
        >>> grads[0]["b"]                                  # softmax - onehot
        Array([ 0.33333334,  0.33333334, -0.6666666 ], dtype=float32)
    """
    _check_loss(loss, output_activation)
    output, cache = forward(params, x, activation=activation, output_activation=output_activation)
    y = _check_targets(loss, output, y)
    if loss == "mse":
        value = _losses.mse(output, y)
        delta = _output_delta(cache, 2 * (output - y) / output.size)  # dE/da = 2 (a - y) / n
    elif loss == "sse_half":
        value = 0.5 * jnp.sum((output - y) ** 2)
        delta = _output_delta(cache, output - y)  # dE/da = a - y
    elif loss == "bce":
        value = _losses.sigmoid_binary_cross_entropy(cache.logits, y)
        delta = (output - y) / output.size  # dE/dz = (sigmoid(z) - y) / n
    else:  # softmax_ce
        value = _losses.softmax_cross_entropy(cache.logits, y)
        rows = output.size // output.shape[-1]
        delta = (output - y) / rows  # dE/dz = (softmax(z) - onehot(y)) / rows
    return value, _backward_from_delta(params, cache, delta)


def grad(
    params: Params,
    x: Any,
    y: Any,
    *,
    activation: str | Callable = "sigmoid",
    output_activation: str | Callable = "sigmoid",
    loss: str = "mse",
) -> Params:
    """The gradient of ``loss`` with respect to ``params``, by hand-written backprop.

    The same pytree ``jax.grad`` gives for the matching loss (see :func:`value_and_grad` for the
    formulas and arguments). To jit, mark the names static::

        jax.jit(grad, static_argnames=("activation", "output_activation", "loss"))

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> params = [{"w": jnp.array([[0.5], [-0.5]])}]          # no bias
        >>> g = jax.jit(grad, static_argnames=("activation", "output_activation", "loss"))
        >>> g(params, jnp.array([1.0, 1.0]), jnp.array([1.0]), loss="sse_half")
        [{'w': Array([[-0.125],
                      [-0.125]], dtype=float32)}]
    """
    return value_and_grad(
        params, x, y, activation=activation, output_activation=output_activation, loss=loss
    )[1]
