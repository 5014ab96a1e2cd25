"""Checks of the data and functions a training run gets, before anything is compiled.

Each error names the argument, the rule, the value received and the fix. The checks of the
user's functions trace them abstractly (``jax.eval_shape``: nothing runs) and remember the
answer for the same functions and shapes, so a repeated ``fit`` call pays for them once.
"""

from __future__ import annotations

import contextlib
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxnn.engine.cache import fingerprint, signature

__all__ = ["as_data", "check_pair", "check_scalar_fn"]

_CHECKED: OrderedDict = OrderedDict()  # (fingerprint, signature) -> the function's output dtype
_CHECKED_SIZE = 256


@jax.jit
def _count_nonfinite(a: jax.Array) -> jax.Array:
    return jnp.sum(~jnp.isfinite(a), dtype=jnp.int32)


def as_data(name: str, value: Any) -> jax.Array:
    """``value`` as a JAX array of finite numbers with a leading example axis, else an error."""
    if isinstance(value, list | tuple) or not hasattr(value, "shape"):
        try:
            value = np.asarray(value)
        except (TypeError, ValueError) as e:
            raise TypeError(f"`{name}` must be an array, got {type(value).__name__}: {e}") from None
    dtype = value.dtype
    if jnp.issubdtype(dtype, jax.dtypes.prng_key) or not (
        jnp.issubdtype(dtype, jnp.number) or jnp.issubdtype(dtype, jnp.bool_)
    ):
        raise TypeError(
            f"`{name}` must be an array of numbers, got dtype {dtype} (type "
            f"{type(value).__name__})."
        )
    if value.ndim == 0:
        raise ValueError(f"`{name}` must have a leading example axis, got a scalar.")
    if value.shape[0] == 0:
        raise ValueError(f"`{name}` has no examples (shape {value.shape}); pass at least one.")
    if isinstance(value, np.ndarray) and jnp.issubdtype(dtype, jnp.inexact):
        bad = int(np.sum(~np.isfinite(value)))  # NumPy: no device round trip
        value = jnp.asarray(value)
    elif isinstance(value, jax.Array) and _known_finite(value):
        bad = 0  # this very (immutable) array was checked before
    else:
        value = jnp.asarray(value)
        bad = int(_count_nonfinite(value)) if jnp.issubdtype(dtype, jnp.inexact) else 0
        if not bad:
            _remember_finite(value)
    if bad:
        raise ValueError(
            f"`{name}` must be finite, but {bad} of its {value.size} values are NaN or inf. "
            "Clean or impute the data before training."
        )
    return value


_FINITE: dict[int, weakref.ref] = {}  # id -> a weak reference to a JAX array found finite


def _known_finite(a: jax.Array) -> bool:
    ref = _FINITE.get(id(a))
    return ref is not None and ref() is a


def _remember_finite(a: jax.Array) -> None:
    key = id(a)
    with contextlib.suppress(TypeError):  # not weakly referenceable: checked again next time
        _FINITE[key] = weakref.ref(a, lambda _: _FINITE.pop(key, None))


def check_pair(x_name: str, x: jax.Array, y_name: str, y: jax.Array) -> None:
    """A ValueError unless ``x`` and ``y`` have the same number of examples."""
    if x.shape[0] != y.shape[0]:
        raise ValueError(
            f"`{x_name}` and `{y_name}` must have the same number of examples (leading size), "
            f"got {x_name}.shape={x.shape} and {y_name}.shape={y.shape}."
        )


def check_scalar_fn(
    name: str, fn: Callable, params: Any, x: Any, y: Any, what: str, data: str = "x, y"
) -> Any:
    """Checks that ``fn(params, x, y)`` gives a floating scalar; returns its dtype.

    ``x`` and ``y`` are one batch (arrays or ``jax.ShapeDtypeStruct``). The answer is
    remembered for the same function (by :func:`fingerprint`) and shapes.
    """
    key = (name, fingerprint(fn), signature(params, x, y))
    if key in _CHECKED:
        _CHECKED.move_to_end(key)
        return _CHECKED[key]
    try:
        out = jax.eval_shape(fn, params, x, y)
    except Exception as e:  # the user's function failed on these arguments: say which ones
        first_line = (str(e).strip().splitlines() or [""])[0]
        raise TypeError(
            f"`{name}` failed when called as {name}(params, x_batch, y_batch) with `params` and "
            f"a batch of `{data}` (x_batch {x.shape} {x.dtype}, y_batch {y.shape} {y.dtype}): "
            f"{type(e).__name__}: {first_line} Check that `params`, `{data}` and {name} fit "
            "together (tree keys, feature sizes)."
        ) from e
    if not isinstance(out, jax.ShapeDtypeStruct) or out.shape != ():
        got = f"shape {out.shape}" if isinstance(out, jax.ShapeDtypeStruct) else type(out).__name__
        raise TypeError(
            f"`{name}` must return a scalar {what}, got {got} for a batch of {x.shape[0]} "
            f"examples. Reduce over the batch (e.g. jnp.mean) and return only the {what} "
            "(no auxiliary outputs)."
        )
    if not jnp.issubdtype(out.dtype, jnp.floating):
        raise TypeError(
            f"`{name}` must return a floating-point {what}, got dtype {out.dtype}; "
            f"compute it in floats (e.g. .astype(jnp.float32))."
        )
    _CHECKED[key] = out.dtype
    while len(_CHECKED) > _CHECKED_SIZE:
        _CHECKED.popitem(last=False)
    return out.dtype
