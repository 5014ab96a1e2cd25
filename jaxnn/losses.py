"""Losses and metrics, each a mean over the batch (checked against optax's losses in the tests).

    mse(p, t)                          = mean((p - t)^2)
    binary_cross_entropy(p, t)         = mean(-(t log p + (1 - t) log(1 - p))),  p clipped to
                                         [eps, 1 - eps] so p = 0 or 1 gives a finite loss
    sigmoid_binary_cross_entropy(z, t) = mean(-(t log sigmoid(z) + (1 - t) log sigmoid(-z)))
                                         (stable for |z| = 1000: log_sigmoid never forms exp(z))
    softmax_cross_entropy(z, y)        = mean(-sum_k y_k log_softmax(z)_k)  (y one-hot or integer)
    accuracy(z, y)                     = share of rows whose predicted class equals the label

Shapes are checked strictly: ``predictions`` and ``targets`` of ``mse`` and the binary losses must
have the same shape. A silent broadcast of ``(n, 1)`` against ``(n,)`` would compare every
prediction with every target and quietly train on the wrong loss.

Examples:
    >>> import jax.numpy as jnp
    >>> from jaxnn import losses
    >>> losses.mse(jnp.array([1.0, 2.0]), jnp.array([1.0, 4.0]))
    Array(2., dtype=float32)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from jaxnn._validation import as_real_array, check_finite, concrete_number

__all__ = [
    "accuracy",
    "binary_cross_entropy",
    "mse",
    "sigmoid_binary_cross_entropy",
    "softmax_cross_entropy",
]


def _as_float(name: str, x) -> jax.Array:
    x = as_real_array(name, x)  # numbers only: a string or a complex array is a TypeError
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.result_type(float))
    if x.size == 0:
        raise ValueError(
            f"`{name}` is empty (shape {x.shape}): a mean over no examples is NaN. Pass at "
            "least one example."
        )
    return x


def _same_shape(pred: jax.Array, target: jax.Array, fn: str, name: str = "predictions") -> None:
    if pred.shape != target.shape:
        fix = ""
        if pred.shape[:-1] == target.shape and pred.shape[-1:] == (1,):
            fix = " Reshape the targets with `y[:, None]` (or squeeze the predictions)."
        elif target.shape[:-1] == pred.shape and target.shape[-1:] == (1,):
            fix = " Reshape the predictions with `p[:, None]` (or squeeze the targets)."
        raise ValueError(
            f"{fn}: `{name}` and `targets` must have the same shape, got {pred.shape} and "
            f"{target.shape}; broadcasting them would compare every prediction with every "
            f"target.{fix}"
        )


def mse(predictions, targets) -> jax.Array:
    """Mean squared error ``mean((p - t)^2)`` over all elements.

    Args:
        predictions: any shape.
        targets: the same shape.

    Returns:
        A scalar.

    Examples:
        >>> import jax.numpy as jnp
        >>> mse(jnp.zeros(4), jnp.ones(4))
        Array(1., dtype=float32)
    """
    p = _as_float("predictions", predictions)
    t = _as_float("targets", targets)
    _same_shape(p, t, "mse")
    return jnp.mean((p - t) ** 2)


def binary_cross_entropy(probabilities, targets, eps: float = 1e-7) -> jax.Array:
    """Binary cross-entropy of probabilities: ``mean(-(t log p + (1 - t) log(1 - p)))``.

    ``p`` is clipped to ``[eps, 1 - eps]`` (as Keras does) so that ``p = 0`` or ``p = 1`` gives a
    large finite loss instead of ``inf``/``NaN``. Prefer :func:`sigmoid_binary_cross_entropy` on
    logits when you have them: it is exact where this one clips.

    Args:
        probabilities: values in [0, 1], any shape.
        targets: labels in [0, 1] (0/1 or soft), the same shape.
        eps: clipping margin (default 1e-7).

    Examples:
        >>> import jax.numpy as jnp
        >>> binary_cross_entropy(jnp.array([0.0, 1.0]), jnp.array([0.0, 1.0]))
        Array(1.0960465e-07, dtype=float32)
    """
    check_finite("eps", eps)
    if concrete_number(eps) is not None and not 0 <= float(eps) < 0.5:
        raise ValueError(
            f"`eps` must be in [0, 0.5) (probabilities are clipped to [eps, 1 - eps]), got "
            f"eps={eps!r}. The default 1e-7 fits float32."
        )
    p = _as_float("probabilities", probabilities)
    t = _as_float("targets", targets)
    _same_shape(p, t, "binary_cross_entropy", "probabilities")
    p = jnp.clip(p, eps, 1 - eps)
    return jnp.mean(-(t * jnp.log(p) + (1 - t) * jnp.log1p(-p)))


def sigmoid_binary_cross_entropy(logits, targets) -> jax.Array:
    """Binary cross-entropy of logits ``z``: ``mean(-(t log s(z) + (1 - t) log s(-z)))``.

    Uses ``log_sigmoid``, so ``|z| = 1000`` gives an exact, finite loss and gradient.

    Examples:
        >>> import jax.numpy as jnp
        >>> sigmoid_binary_cross_entropy(jnp.array([1000.0, -1000.0]), jnp.array([1.0, 1.0]))
        Array(500., dtype=float32)
    """
    z = _as_float("logits", logits)
    t = _as_float("targets", targets)
    _same_shape(z, t, "sigmoid_binary_cross_entropy", "logits")
    return jnp.mean(-(t * jax.nn.log_sigmoid(z) + (1 - t) * jax.nn.log_sigmoid(-z)))


def _one_hot_like(logits: jax.Array, labels, fn: str) -> jax.Array:
    labels = as_real_array("labels", labels)
    if jnp.issubdtype(labels.dtype, jnp.integer):
        if labels.shape != logits.shape[:-1]:
            raise ValueError(
                f"{fn}: integer `labels` must have shape {logits.shape[:-1]} (one class index per "
                f"row of logits {logits.shape}), got {labels.shape}."
            )
        _check_class_range(labels, logits.shape[-1], fn)
        return jax.nn.one_hot(labels, logits.shape[-1], dtype=logits.dtype)
    if jnp.issubdtype(labels.dtype, jnp.floating):
        if labels.shape != logits.shape:
            raise ValueError(
                f"{fn}: one-hot/probability `labels` must have the logits' shape {logits.shape}, "
                f"got {labels.shape}. Integer class indices are accepted too."
            )
        return labels.astype(logits.dtype)
    raise TypeError(
        f"{fn}: `labels` must be integer class indices or float one-hot rows, got dtype "
        f"{labels.dtype}."
    )


def _check_class_range(labels: jax.Array, classes: int, fn: str, name: str = "labels") -> None:
    """Concrete integer labels must lie in [0, classes): one_hot would silently give a zero row
    (a loss term of 0) for any other index. Traced labels (inside jit) cannot be checked."""
    if isinstance(labels, jax.core.Tracer):
        return
    values = np.asarray(labels)
    bad = (values < 0) | (values >= classes)
    if bad.any():
        raise ValueError(
            f"{fn}: integer `{name}` must be class indices in [0, {classes}) for an output with "
            f"{classes} classes, got {int(bad.sum())} outside (e.g. {values[bad].flat[0]})."
        )


def softmax_cross_entropy(logits, labels) -> jax.Array:
    """Softmax cross-entropy ``mean(-sum_k y_k log_softmax(z)_k)``.

    Args:
        logits: shape ``(..., classes)``.
        labels: integer class indices of shape ``(...)`` or one-hot / probability rows of shape
            ``(..., classes)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> softmax_cross_entropy(jnp.zeros((2, 4)), jnp.array([0, 3]))
        Array(1.3862944, dtype=float32)
    """
    z = _as_float("logits", logits)
    if z.ndim < 1:
        raise ValueError(
            f"softmax_cross_entropy: `logits` needs a class axis, got shape {z.shape}."
        )
    y = _one_hot_like(z, labels, "softmax_cross_entropy")
    return jnp.mean(-jnp.sum(y * jax.nn.log_softmax(z, axis=-1), axis=-1))


def accuracy(predictions, labels, *, threshold: float = 0.5) -> jax.Array:
    """Share of correct predictions.

    Multi-class ``predictions`` of shape ``(n, classes)`` with ``classes > 1``: the predicted
    class is the argmax; ``labels`` are integer indices ``(n,)`` or one-hot rows. Binary
    ``predictions`` of shape ``(n,)`` or ``(n, 1)``: the prediction is ``p > threshold``
    (``threshold=0.5`` for probabilities, ``0.0`` for logits); ``labels`` are 0/1 of the same
    number of elements.

    Examples:
        >>> import jax.numpy as jnp
        >>> accuracy(jnp.array([[2.0, 1.0], [0.0, 3.0]]), jnp.array([0, 0]))
        Array(0.5, dtype=float32)
        >>> accuracy(jnp.array([0.9, 0.2, 0.6]), jnp.array([1, 0, 0]))
        Array(0.6666667, dtype=float32)
    """
    check_finite("threshold", threshold)
    p = _as_float("predictions", predictions)
    y = as_real_array("labels", labels)
    if p.ndim >= 2 and p.shape[-1] > 1:
        if y.shape == p.shape:
            y = jnp.argmax(y, axis=-1)
        elif y.shape != p.shape[:-1]:
            raise ValueError(
                f"accuracy: `labels` must have shape {p.shape[:-1]} (class indices) or {p.shape} "
                f"(one-hot) to match `predictions` of shape {p.shape}, got {y.shape}."
            )
        correct = jnp.argmax(p, axis=-1) == y
    else:
        if p.size != y.size:
            raise ValueError(
                f"accuracy: binary `predictions` {p.shape} and `labels` {y.shape} must have the "
                "same number of elements."
            )
        correct = (p.reshape(-1) > threshold) == (y.reshape(-1) > 0.5)
    return jnp.mean(correct.astype(jnp.result_type(float)))
