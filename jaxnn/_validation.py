"""Argument checks shared by every jaxnn module (private).

Checks run eagerly, in Python, when an optimizer, model or training run is built. They only look
at concrete Python or NumPy numbers: a traced JAX value (inside ``jit``/``vmap``) passes through
unchecked, so everything stays transformable. Each error names the argument, the rule, the value
received and the fix, e.g. "`learning_rate` must be positive, got learning_rate=-0.1."
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
    "INT32_MAX",
    "as_real_array",
    "check_bool",
    "check_callable",
    "check_choice",
    "check_dtype",
    "check_finite",
    "check_index",
    "check_int",
    "check_key",
    "check_learning_rate",
    "check_mapping",
    "check_optimizer",
    "check_sequence",
    "check_nonnegative",
    "check_positive",
    "check_unit_interval",
    "concrete_number",
    "is_real_dtype",
]

INT32_MAX = 2**31 - 1  # step counts, epoch indices and sizes that go into an int32


def is_real_dtype(dtype: Any) -> bool:
    """True for bool, integer and floating dtypes, bfloat16 and the float8 types included.

    NumPy files bfloat16 and float8 under kind ``'V'`` and outside ``np.floating``; JAX's
    ``jnp.issubdtype`` knows them as floating point.
    """
    return bool(
        jnp.issubdtype(dtype, jnp.floating)
        or jnp.issubdtype(dtype, jnp.integer)
        or jnp.issubdtype(dtype, jnp.bool_)
    )


def concrete_number(value: Any) -> float | None:
    """Returns ``value`` as a Python float when it is a concrete real scalar, else ``None``.

    Tracers, non-scalar arrays and non-numbers give ``None`` (the caller decides whether that
    is an error). Booleans are not numbers here.
    """
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, jax.core.Tracer):
        return None
    if (
        isinstance(value, np.ndarray | jax.Array)
        and value.shape == ()
        and (jnp.issubdtype(value.dtype, jnp.floating) or jnp.issubdtype(value.dtype, jnp.integer))
    ):
        return float(value)
    return None


def as_real_array(name: str, value: Any) -> jax.Array:
    """``value`` as a JAX array of real numbers (bool, integer or floating), else a TypeError.

    Strings, objects, ragged lists and complex numbers are refused with a message naming the
    argument (instead of a JAX trace error or a NumPy warning). Only the dtype is looked at, so
    traced values pass through unchanged.
    """
    kind = type(value).__name__
    if isinstance(value, jax.core.Tracer | jax.Array | np.ndarray | np.generic):
        dtype = None if _is_key(value) else np.dtype(value.dtype)
    elif isinstance(value, str | bytes):
        raise TypeError(f"`{name}` must be an array of numbers, got the string {value!r}.")
    else:
        try:
            value = np.asarray(value)
        except (TypeError, ValueError) as e:
            raise TypeError(
                f"`{name}` must be an array of numbers, got {type(value).__name__}: {e}"
            ) from None
        dtype = value.dtype
    if dtype is not None and jnp.issubdtype(dtype, jnp.complexfloating):
        raise TypeError(
            f"`{name}` must be real, got dtype {dtype}. Pass jnp.real(x) or jnp.abs(x) if that "
            "is what you mean."
        )
    if dtype is None or not is_real_dtype(dtype):
        raise TypeError(
            f"`{name}` must be an array of numbers, got dtype {dtype or value.dtype} (type {kind})."
        )
    return value if isinstance(value, jax.core.Tracer) else jnp.asarray(value)


def _is_key(value: Any) -> bool:
    return jax.dtypes.issubdtype(value.dtype, jax.dtypes.prng_key)


def _is_traced(value: Any) -> bool:
    return isinstance(value, jax.core.Tracer)


def _check_number(name: str, value: Any, hint: str) -> float | None:
    """Common front of the numeric checks: a tracer passes (None), a non-number is a TypeError."""
    if _is_traced(value):
        return None
    if isinstance(value, np.ndarray | jax.Array) and value.shape != ():
        raise TypeError(f"`{name}` must be a scalar, got an array of shape {value.shape}. {hint}")
    number = concrete_number(value)
    if number is None:
        raise TypeError(
            f"`{name}` must be a real number, got {name}={value!r} "
            f"(type {type(value).__name__}). {hint}"
        )
    return number


def check_finite(name: str, value: Any, hint: str = "") -> None:
    """Raises unless ``value`` is a finite real number (tracers pass)."""
    number = _check_number(name, value, hint)
    if number is not None and not math.isfinite(number):
        raise ValueError(f"`{name}` must be finite, got {name}={value!r}. {hint}".rstrip())


def check_positive(name: str, value: Any, hint: str = "") -> None:
    """Raises unless ``value`` is a finite number > 0 (tracers pass)."""
    check_finite(name, value, hint)
    number = concrete_number(value)
    if number is not None and not number > 0:
        raise ValueError(f"`{name}` must be positive, got {name}={value!r}. {hint}".rstrip())


def check_nonnegative(name: str, value: Any, hint: str = "") -> None:
    """Raises unless ``value`` is a finite number >= 0 (tracers pass)."""
    check_finite(name, value, hint)
    number = concrete_number(value)
    if number is not None and not number >= 0:
        raise ValueError(
            f"`{name}` must be non-negative (>= 0), got {name}={value!r}. {hint}".rstrip()
        )


def check_unit_interval(name: str, value: Any, hint: str = "", *, allow_one: bool = False) -> None:
    """Raises unless ``0 <= value < 1`` (decay rates, momentum; tracers pass); ``value = 1`` is
    accepted too with ``allow_one=True``."""
    check_finite(name, value, hint)
    number = concrete_number(value)
    if allow_one and number == 1.0:
        return
    if number is not None and not 0.0 <= number < 1.0:
        if number == 1.0 and getattr(getattr(value, "dtype", None), "itemsize", 8) <= 2:
            hint = (
                f"{hint} The value rounded to 1 in {value.dtype} (0.999 does): under "
                "optax.inject_hyperparams with low-precision params, pass "
                "hyperparam_dtype=jnp.float32 (optax's own optimizers then return NaN)."
            )
        raise ValueError(f"`{name}` must be in [0, 1), got {name}={value!r}. {hint}".rstrip())


def _integer_scalar(value: Any) -> int | None:
    """``value`` as a Python int when it is a concrete integer (Python, NumPy, or a 0-d
    integer array); ``None`` otherwise (bools are not integers here)."""
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if (
        isinstance(value, np.ndarray | jax.Array)
        and not _is_traced(value)
        and value.shape == ()
        and jnp.issubdtype(value.dtype, jnp.integer)
    ):
        return int(value)
    return None


def check_int(
    name: str,
    value: Any,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    hint: str = "",
) -> int:
    """Raises unless ``value`` is an integer (Python, NumPy or a 0-d integer array; not a bool)
    in ``[minimum, maximum]``; returns it as a Python int.

    Pass ``maximum=INT32_MAX`` where the value goes into an int32 (a step count, an epoch
    index), so an out-of-range value is a ValueError naming it, not an ``OverflowError``.
    """
    number = _integer_scalar(value)
    if number is None:
        raise TypeError(
            f"`{name}` must be an integer, got {name}={value!r} "
            f"(type {type(value).__name__}). {hint}".rstrip()
        )
    if minimum is not None and number < minimum:
        raise ValueError(f"`{name}` must be >= {minimum}, got {name}={number}. {hint}".rstrip())
    if maximum is not None and number > maximum:
        bound = "2**31 - 1 (it is stored as an int32)" if maximum == INT32_MAX else str(maximum)
        raise ValueError(f"`{name}` must be <= {bound}, got {name}={number}. {hint}".rstrip())
    return number


def check_index(name: str, value: Any, *, maximum: int = INT32_MAX) -> Any:
    """An integer index in ``[0, maximum]`` (an epoch or step number): a Python/NumPy integer or
    a 0-d integer array; a traced integer passes unchecked (its value is unknown), a traced
    float is refused. Returns ``value`` (a Python int when concrete).

    Examples:
        >>> check_index("epoch", 3)
        3
        >>> check_index("epoch", 2.5)
        Traceback (most recent call last):
        ...
        TypeError: `epoch` must be an integer, got epoch=2.5 (type float). An index counts from 0.
    """
    if _is_traced(value):
        if not jnp.issubdtype(value.dtype, jnp.integer) or value.shape != ():
            raise TypeError(
                f"`{name}` must be an integer scalar, got a traced {value.dtype} of shape "
                f"{value.shape}."
            )
        return value
    return check_int(name, value, minimum=0, maximum=maximum, hint="An index counts from 0.")


def check_key(key: Any, name: str = "key") -> None:
    """Raises a TypeError unless ``key`` is one JAX PRNG key (typed, or raw ``uint32[2]``)."""
    if isinstance(key, jax.Array) and (
        (jnp.issubdtype(key.dtype, jax.dtypes.prng_key) and key.shape == ())
        or (key.dtype == jnp.uint32 and key.shape == (2,))
    ):
        return
    shape = getattr(key, "shape", None)
    extra = f" (an array of shape {shape}: pass one key, e.g. keys[0])" if shape else ""
    raise TypeError(
        f"`{name}` must be a JAX PRNG key such as jax.random.key(0), got {key!r}{extra}. "
        "jaxnn never draws randomness from hidden global state."
    )


def check_bool(name: str, value: Any) -> bool:
    """Raises unless ``value`` is a bool (Python, NumPy, or a concrete 0-d bool array)."""
    if (
        isinstance(value, np.ndarray | jax.Array)
        and not _is_traced(value)
        and value.shape == ()
        and value.dtype == np.bool_
    ):
        return bool(value)
    if not isinstance(value, bool | np.bool_):
        raise TypeError(
            f"`{name}` must be True or False, got {name}={value!r} (type {type(value).__name__})."
        )
    return bool(value)


def check_callable(name: str, value: Any, what: str) -> None:
    """Raises a TypeError unless ``value`` is callable; ``what`` describes the expected call."""
    if not callable(value):
        raise TypeError(
            f"`{name}` must be callable ({what}), got {name}={value!r} "
            f"(type {type(value).__name__})."
        )


def check_choice(name: str, value: Any, choices: Any) -> None:
    """Raises a ValueError unless ``value`` is one of ``choices`` (listed in the message)."""
    if value not in choices:
        known = ", ".join(repr(c) for c in choices)
        raise ValueError(f"`{name}` must be one of {known}; got {name}={value!r}.")


def check_dtype(name: str, value: Any, *, floating: bool = True, hint: str = "") -> np.dtype:
    """``value`` as a dtype (``jnp.float32``, ``"bfloat16"``, ``np.dtype(...)``); a TypeError
    naming ``name`` for anything that is not one, or (``floating=True``) not a floating dtype."""
    what = "a floating dtype such as jnp.float32" if floating else "a dtype such as jnp.float32"
    try:
        if value is None or isinstance(value, np.ndarray | jax.Array):
            raise TypeError  # jnp.dtype(None) is float64; an array is not a dtype
        dtype = jnp.dtype(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"`{name}` must be {what}, got {name}={value!r} "
            f"(type {type(value).__name__}). {hint}".rstrip()
        ) from None
    if floating and not jnp.issubdtype(dtype, jnp.floating):
        raise TypeError(
            f"`{name}` must be a floating dtype such as jnp.float32, got {name}={dtype}. "
            f"{hint}".rstrip()
        )
    return dtype


def check_sequence(name: str, value: Any, what: str = "values") -> tuple:
    """``value`` as a tuple; a TypeError naming ``name`` unless it is a list, tuple or other
    non-string iterable (a string, a number, None, a dict or an array are refused)."""
    if isinstance(value, str | bytes | dict | np.ndarray | jax.Array) or not hasattr(
        value, "__iter__"
    ):
        raise TypeError(
            f"`{name}` must be a list or tuple of {what}, got {name}={value!r} "
            f"(type {type(value).__name__})."
        )
    return tuple(value)


def check_mapping(name: str, value: Any, what: str = "{key: value}") -> dict:
    """``value`` as a dict; a TypeError naming ``name`` unless it is a mapping."""
    if not hasattr(value, "keys") or not hasattr(value, "__getitem__"):
        raise TypeError(
            f"`{name}` must be a dict {what}, got {name}={value!r} (type {type(value).__name__})."
        )
    return dict(value)


def check_optimizer(name: str, value: Any) -> None:
    """A TypeError naming ``name`` unless ``value`` has callable ``init`` and ``update``."""
    if not (callable(getattr(value, "init", None)) and callable(getattr(value, "update", None))):
        raise TypeError(
            f"`{name}` must have `init` and `update` (a jaxnn optimizer such as "
            f"jaxnn.optim.adam(0.01), or an optax GradientTransformation), got {name}={value!r} "
            f"(type {type(value).__name__})."
        )


def check_learning_rate(value: Any, name: str = "learning_rate") -> None:
    """A learning rate is a positive finite number, a scalar array, or a schedule.

    A schedule is any callable ``count -> value``; it is not called here. A traced value (a
    learning rate swept with ``vmap``) passes unchecked.
    """
    if callable(value) and not isinstance(value, np.ndarray | jax.Array):
        return
    check_positive(
        name,
        value,
        hint="Pass a positive float such as 0.01, or a schedule `count -> value` "
        "(see jaxnn.optim.schedules).",
    )
