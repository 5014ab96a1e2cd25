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
    "as_real_array",
    "check_bool",
    "check_callable",
    "check_choice",
    "check_finite",
    "check_int",
    "check_key",
    "check_learning_rate",
    "check_nonnegative",
    "check_positive",
    "check_unit_interval",
    "concrete_number",
]


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
        and (np.issubdtype(value.dtype, np.floating) or np.issubdtype(value.dtype, np.integer))
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
    if dtype is None or dtype.kind not in "biufc":
        raise TypeError(
            f"`{name}` must be an array of numbers, got dtype {dtype or value.dtype} (type {kind})."
        )
    if dtype.kind == "c":
        raise TypeError(
            f"`{name}` must be real, got dtype {dtype}. Pass jnp.real(x) or jnp.abs(x) if that "
            "is what you mean."
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


def check_unit_interval(name: str, value: Any, hint: str = "") -> None:
    """Raises unless ``0 <= value < 1`` (decay rates, momentum; tracers pass)."""
    check_finite(name, value, hint)
    number = concrete_number(value)
    if number is not None and not 0.0 <= number < 1.0:
        raise ValueError(f"`{name}` must be in [0, 1), got {name}={value!r}. {hint}".rstrip())


def check_int(
    name: str,
    value: Any,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    hint: str = "",
) -> int:
    """Raises unless ``value`` is a Python/NumPy integer (not bool) in ``[minimum, maximum]``."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"`{name}` must be an integer, got {name}={value!r} "
            f"(type {type(value).__name__}). {hint}".rstrip()
        )
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"`{name}` must be >= {minimum}, got {name}={value}. {hint}".rstrip())
    if maximum is not None and value > maximum:
        raise ValueError(f"`{name}` must be <= {maximum}, got {name}={value}. {hint}".rstrip())
    return value


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
    """Raises unless ``value`` is a bool."""
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
