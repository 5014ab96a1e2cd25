"""Learning-rate schedules: functions ``count -> learning rate``.

An optimizer calls its schedule with the update count *before* the increment (0 on the first
update). Signatures and values follow optax's schedules (``optax.constant_schedule``,
``exponential_decay``, ``cosine_decay_schedule``, ``warmup_cosine_decay_schedule``,
``piecewise_constant_schedule``, ``linear_schedule``); :func:`inverse_time_decay` is the legacy
Keras ``decay`` argument, which optax does not have. Arguments are checked when the schedule
is built; the schedule itself is jit- and vmap-compatible.

    constant(v)(c)                   = v
    inverse_time_decay(v, d)(c)      = v / (1 + d c)
    exponential_decay(v, T, r)(c)    = v r^((c - begin) / T)          (floor of the exponent
                                                                        with staircase=True)
    cosine_decay(v, T, alpha)(c)     = v ((1 - alpha) (0.5 (1 + cos(pi min(c, T) / T)))^p + alpha)
    linear(v0, v1, T)(c)             = v0 + (v1 - v0) clip(c - begin, 0, T) / T
    warmup_cosine_decay(...)         = linear warm-up from init_value to peak_value over
                                       warmup_steps, then cosine decay to end_value at decay_steps
    piecewise_constant(v, {b: s})(c) = v times every scale s whose boundary b <= c

Examples:
    >>> from jaxnn.optim import schedules
    >>> schedule = schedules.inverse_time_decay(0.1, decay_rate=1.0)
    >>> [round(float(schedule(c)), 4) for c in range(3)]
    [0.1, 0.05, 0.0333]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import jax
import jax.numpy as jnp

from jaxnn._validation import (
    INT32_MAX,
    check_bool,
    check_int,
    check_nonnegative,
    check_positive,
    concrete_number,
)

__all__ = [
    "Schedule",
    "constant",
    "cosine_decay",
    "exponential_decay",
    "inverse_time_decay",
    "linear",
    "piecewise_constant",
    "warmup_cosine_decay",
]

Schedule = Callable[[jax.Array], jax.Array]


def _check_count(name: str, value: int, minimum: int) -> int:
    """An integer step argument in ``[minimum, 2**31 - 1]``: it meets the int32 count."""
    return check_int(name, value, minimum=minimum, maximum=INT32_MAX)


def constant(value: float) -> Schedule:
    """``schedule(c) = value``.

    Examples:
        >>> constant(0.1)(100)
        0.1
    """
    check_positive("value", value)
    return lambda count: value


def inverse_time_decay(init_value: float, decay_rate: float) -> Schedule:
    """``schedule(c) = init_value / (1 + decay_rate * c)`` — the legacy Keras ``decay``.

    Args:
        init_value: the learning rate at count 0 (> 0).
        decay_rate: ``>= 0``; Keras 2.x's ``decay`` argument.

    Examples:
        >>> float(inverse_time_decay(1.0, 0.5)(2))
        0.5
    """
    check_positive("init_value", init_value)
    check_nonnegative("decay_rate", decay_rate)

    def schedule(count):
        return init_value / (1 + decay_rate * count)

    return schedule


def exponential_decay(
    init_value: float,
    transition_steps: int,
    decay_rate: float,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: float | None = None,
) -> Schedule:
    """``schedule(c) = init_value * decay_rate^((c - transition_begin) / transition_steps)``.

    Constant ``init_value`` before ``transition_begin``; the exponent is floored with
    ``staircase=True``; ``end_value`` bounds the result (from below when ``decay_rate < 1``).
    Unlike optax, a non-positive ``transition_steps`` or ``decay_rate`` is an error here rather
    than a silent constant schedule.

    Examples:
        >>> float(exponential_decay(1.0, transition_steps=10, decay_rate=0.5)(20))
        0.25
    """
    check_positive("init_value", init_value)
    transition_steps = _check_count("transition_steps", transition_steps, minimum=1)
    check_positive("decay_rate", decay_rate)
    transition_begin = _check_count("transition_begin", transition_begin, minimum=0)
    check_bool("staircase", staircase)
    if end_value is not None:
        check_nonnegative("end_value", end_value)
        clip = jnp.maximum if decay_rate < 1.0 else jnp.minimum

    def schedule(count):
        decreased_count = count - transition_begin
        p = decreased_count / transition_steps
        if staircase:
            p = jnp.floor(p)
        value = jnp.where(decreased_count <= 0, init_value, init_value * jnp.power(decay_rate, p))
        if end_value is not None:
            value = clip(value, end_value)
        return value

    return schedule


def cosine_decay(
    init_value: float, decay_steps: int, alpha: float = 0.0, exponent: float = 1.0
) -> Schedule:
    """``schedule(c) = init_value * ((1 - alpha) * cos_c^exponent + alpha)``,
    ``cos_c = 0.5 * (1 + cos(pi * min(c, decay_steps) / decay_steps))``.

    Examples:
        >>> float(cosine_decay(1.0, decay_steps=10)(5))
        0.5
    """
    check_positive("init_value", init_value)
    decay_steps = _check_count("decay_steps", decay_steps, minimum=1)
    check_nonnegative("alpha", alpha)
    check_positive(
        "exponent",
        exponent,
        hint="A zero or negative exponent makes the schedule constant or divide by a cosine "
        "that reaches 0 (inf at decay_steps); the default is 1.0.",
    )

    def schedule(count):
        count = jnp.minimum(count, float(decay_steps))
        cosine = 0.5 * (1 + jnp.cos(jnp.pi * count / float(decay_steps)))
        return init_value * ((1 - alpha) * cosine**exponent + alpha)

    return schedule


def linear(
    init_value: float, end_value: float, transition_steps: int, transition_begin: int = 0
) -> Schedule:
    """``schedule(c) = (init_value - end_value) * (1 - k / T) + end_value``,
    ``k = clip(c - transition_begin, 0, T)``, ``T = transition_steps``.

    Examples:
        >>> float(linear(0.0, 1.0, transition_steps=4)(1))
        0.25
    """
    check_nonnegative("init_value", init_value)
    check_nonnegative("end_value", end_value)
    transition_steps = _check_count("transition_steps", transition_steps, minimum=1)
    transition_begin = _check_count("transition_begin", transition_begin, minimum=0)

    def schedule(count):
        count = jnp.clip(count - transition_begin, 0, transition_steps)
        frac = 1 - count / transition_steps
        return (init_value - end_value) * (frac**1) + end_value

    return schedule


def warmup_cosine_decay(
    init_value: float,
    peak_value: float,
    warmup_steps: int,
    decay_steps: int,
    end_value: float = 0.0,
    exponent: float = 1.0,
) -> Schedule:
    """Linear warm-up from ``init_value`` to ``peak_value`` over ``warmup_steps``, then cosine
    decay to ``end_value``; ``decay_steps`` counts the warm-up too (optax's convention).

    Examples:
        >>> s = warmup_cosine_decay(0.0, 1.0, warmup_steps=2, decay_steps=6)
        >>> [round(float(s(c)), 3) for c in range(0, 7, 2)]
        [0.0, 1.0, 0.5, 0.0]
    """
    check_nonnegative("init_value", init_value)
    check_positive("peak_value", peak_value)
    warmup_steps = _check_count("warmup_steps", warmup_steps, minimum=0)
    decay_steps = _check_count("decay_steps", decay_steps, minimum=1)
    if decay_steps <= warmup_steps:
        raise ValueError(
            f"`decay_steps` counts the warm-up too, so it must exceed `warmup_steps`; got "
            f"decay_steps={decay_steps}, warmup_steps={warmup_steps}."
        )
    check_nonnegative("end_value", end_value)
    alpha = end_value / peak_value
    ratio = concrete_number(alpha)
    if ratio is not None and not math.isfinite(ratio):
        raise ValueError(
            f"`end_value` / `peak_value` must be finite, got end_value={end_value!r} and "
            f"peak_value={peak_value!r} (ratio {ratio}). Give end_value on the scale of "
            "peak_value, e.g. end_value=0.0 or peak_value / 100."
        )
    decay = cosine_decay(peak_value, decay_steps - warmup_steps, alpha, exponent)
    if warmup_steps == 0:
        return decay
    warmup = linear(init_value, peak_value, warmup_steps)

    def schedule(count):
        return jnp.where(count < warmup_steps, warmup(count), decay(count - warmup_steps))

    return schedule


def piecewise_constant(
    init_value: float, boundaries_and_scales: Mapping[int, float] | None = None
) -> Schedule:
    """``init_value`` multiplied by every ``scale`` whose ``boundary <= count``.

    Examples:
        >>> s = piecewise_constant(1.0, {2: 0.5, 4: 0.1})
        >>> [round(float(s(c)), 3) for c in (0, 2, 4)]
        [1.0, 0.5, 0.05]
    """
    check_positive("init_value", init_value)
    items = []
    if boundaries_and_scales is not None:
        if not isinstance(boundaries_and_scales, Mapping):
            raise TypeError(
                "`boundaries_and_scales` must be a dict {boundary: scale}, got "
                f"{type(boundaries_and_scales).__name__}."
            )
        for boundary, scale in boundaries_and_scales.items():
            _check_count("boundaries_and_scales key", boundary, minimum=0)
            check_nonnegative(f"boundaries_and_scales[{boundary}]", scale)
        items = sorted(boundaries_and_scales.items())

    def schedule(count):
        v = init_value
        for threshold, scale in items:
            indicator = jnp.maximum(0.0, jnp.sign(threshold - count))
            v = v * indicator + (1 - indicator) * scale * v
        return v

    return schedule
