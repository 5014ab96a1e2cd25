"""The optimizer contract, ``apply_updates``, ``chain`` and the tree helpers every optimizer uses.

An optimizer is a pair of pure functions (the same protocol as optax's ``GradientTransformation``,
on purpose, so jaxnn optimizers go into ``optax.chain`` and optax transforms into
:func:`chain`):

    state = opt.init(params)
    updates, state = opt.update(grads, state, params=None)
    params = apply_updates(params, updates)           # params + updates, leaf by leaf

``updates`` are deltas to *add*: the minus sign and the learning rate live inside ``update``.
Every state carries an int32 step ``count`` that saturates at 2**31 - 1 instead of wrapping.
A learning-rate schedule is called with the count *before* the increment (0 on the first update).
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxnn._validation import as_real_array, check_learning_rate, concrete_number

__all__ = [
    "EmptyState",
    "Optimizer",
    "apply_updates",
    "chain",
    "check_float_params",
    "check_state",
    "check_tree_match",
    "identity",
    "safe_increment",
    "scale_by_learning_rate",
    "tree_bias_correction",
    "tree_full_like",
    "tree_zeros_like",
]

Params = Any
Updates = Any
State = Any
Schedule = Callable[[jax.Array], jax.Array]
ScalarOrSchedule = float | jax.Array | Schedule


class Optimizer(NamedTuple):
    """A pair ``(init, update)`` of pure functions.

    Attributes:
        init: ``init(params) -> state``.
        update: ``update(grads, state, params=None, **extra) -> (updates, new_state)``; extra
            keyword arguments are accepted and ignored (optax's "extra args" form).

    Examples:
        >>> import jax.numpy as jnp
        >>> from jaxnn import optim
        >>> opt = optim.sgd(0.1)
        >>> params = {"w": jnp.array([1.0, -2.0])}
        >>> state = opt.init(params)
        >>> updates, state = opt.update({"w": jnp.array([1.0, 1.0])}, state)
        >>> optim.apply_updates(params, updates)
        {'w': Array([ 0.9, -2.1], dtype=float32)}
    """

    init: Callable[[Params], State]
    update: Callable[..., tuple[Updates, State]]


class EmptyState(NamedTuple):
    """The state of a stateless transform."""


def safe_increment(count: jax.Array) -> jax.Array:
    """``count + 1``, or ``count`` when it is already the dtype's maximum (no wrap-around).

    Examples:
        >>> import jax.numpy as jnp
        >>> safe_increment(jnp.asarray(2**31 - 1, jnp.int32))
        Array(2147483647, dtype=int32)
    """
    if isinstance(count, bool | np.bool_):
        raise TypeError(f"`count` must be an integer array (the step count), got {count!r}.")
    if isinstance(count, numbers.Integral):  # a Python int: it must fit the count's dtype
        info = jnp.iinfo(jax.dtypes.canonicalize_dtype(jnp.int64))
        if not info.min <= int(count) <= info.max:
            raise ValueError(
                f"`count` must fit in {info.dtype} ([{info.min}, {info.max}]), got count={count}. "
                "Step counts are int32 arrays (int64 with jax_enable_x64)."
            )
    try:
        count = jnp.asarray(count)
    except (TypeError, ValueError):
        raise TypeError(
            f"`count` must be an integer array (the step count), got {count!r}."
        ) from None
    if not jnp.issubdtype(count.dtype, jnp.integer):
        raise TypeError(f"`count` must be an integer array (the step count), got {count.dtype}.")
    max_value = jnp.array(jnp.iinfo(count.dtype).max, count.dtype)
    return jnp.where(count < max_value, count + jnp.array(1, count.dtype), max_value)


def _check_leaves(name: str, tree: Any) -> None:
    """A TypeError naming the leaf unless every leaf of ``tree`` is an array of real numbers."""
    for path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]:
        as_real_array(f"{name}{jax.tree_util.keystr(path)}", leaf)


def _check_array_like(name: str, path: Any, leaf: Any) -> None:
    if not (hasattr(leaf, "shape") or isinstance(leaf, numbers.Number)):
        where = jax.tree_util.keystr(path) or "(root)"
        raise TypeError(
            f"`{name}` leaf {where} is {type(leaf).__name__} {leaf!r:.60}, not an array; "
            f"{name} must be a pytree of arrays."
        )


def _check_scalar(name: str, value: Any) -> None:
    """A TypeError unless ``value`` is a real scalar (a traced one passes)."""
    if isinstance(value, jax.core.Tracer) and jnp.ndim(value) == 0:
        return
    if concrete_number(value) is None:
        raise TypeError(f"`{name}` must be a real number, got {name}={value!r}.")


def _structure(tree: Any) -> str:
    text = str(jax.tree.structure(tree))
    return text if len(text) <= 400 else text[:400] + "..."


def check_tree_match(
    tree: Any, reference: Any, name: str = "grads", reference_name: str = "params"
) -> None:
    """Raises ``TypeError`` naming both structures when two pytrees differ in structure, and
    ``ValueError`` naming the first leaf whose shape differs.

    ``None`` leaves count as empty subtrees on both sides (as in ``jax.tree``). Only static
    information is compared, so this is free inside ``jit``.
    """
    for label, value in (("name", name), ("reference_name", reference_name)):
        if not isinstance(value, str):
            raise TypeError(f"`{label}` must be the argument's name (a str), got {value!r}.")
    if jax.tree.structure(tree) != jax.tree.structure(reference):
        raise TypeError(
            f"`{name}` must have the same tree structure as `{reference_name}`.\n"
            f"  {name}: {_structure(tree)}\n  {reference_name}: {_structure(reference)}\n"
            f"Compute {name} with jax.grad of a loss of exactly these {reference_name}, and call "
            "init() with the same tree you update."
        )
    leaves = jax.tree.leaves(reference)
    for (path, leaf), ref in zip(
        jax.tree_util.tree_flatten_with_path(tree)[0], leaves, strict=True
    ):
        _check_array_like(name, path, leaf)
        _check_array_like(reference_name, path, ref)
        if jnp.shape(leaf) != jnp.shape(ref):
            where = jax.tree_util.keystr(path) or "(root)"
            raise ValueError(
                f"`{name}` leaf {where} has shape {jnp.shape(leaf)} but the `{reference_name}` "
                f"leaf has shape {jnp.shape(ref)}; each {name} leaf must have its "
                f"{reference_name} leaf's shape."
            )


def check_state(state: Any, cls: type, optimizer: str) -> None:
    """Raises ``TypeError`` unless ``state`` is a ``cls`` (the state ``optimizer``'s init made)."""
    if not isinstance(cls, type):
        raise TypeError(f"`cls` must be the state class (a type), got cls={cls!r}.")
    if not isinstance(optimizer, str):
        raise TypeError(f"`optimizer` must be the optimizer's name (a str), got {optimizer!r}.")
    if not isinstance(state, cls):
        raise TypeError(
            f"`state` must be the {cls.__name__} returned by {optimizer}(...).init(params), got "
            f"{type(state).__name__}. Initialize the state with the optimizer you update with."
        )


def check_float_params(params: Any, name: str = "params") -> None:
    """Raises ``TypeError`` when a leaf of ``params`` is not a real floating-point array.

    Integer, bool, complex (the moments of Adam & co. assume real gradients) and non-numeric
    leaves are refused.
    """
    for path, leaf in jax.tree_util.tree_flatten_with_path(params)[0]:
        where = jax.tree_util.keystr(path) or "(root)"
        try:
            dtype = jnp.result_type(leaf)
        except TypeError:
            raise TypeError(
                f"`{name}` leaf {where} is {type(leaf).__name__} {leaf!r}, not an array; "
                f"{name} must be a pytree of floating-point arrays."
            ) from None
        if jnp.issubdtype(dtype, jnp.complexfloating):
            raise TypeError(
                f"`{name}` leaf {where} has dtype {dtype}; jaxnn optimizers need real "
                "floating-point parameters (a complex parameter can be stored as its real and "
                "imaginary parts)."
            )
        if not jnp.issubdtype(dtype, jnp.inexact):
            raise TypeError(
                f"`{name}` leaf {where} has dtype {dtype}; optimizers need floating-point "
                "parameters. Cast them first, e.g. "
                "params = jax.tree.map(lambda p: p.astype(jnp.float32), params)."
            )


def tree_zeros_like(tree: Any) -> Any:
    """Zeros shaped like each leaf of ``tree`` (``None`` leaves stay ``None``)."""
    _check_leaves("tree", tree)
    return jax.tree.map(jnp.zeros_like, tree)


def tree_full_like(tree: Any, value: Any) -> Any:
    """``value`` broadcast to each leaf's shape and dtype."""
    _check_leaves("tree", tree)
    _check_scalar("value", value)
    return jax.tree.map(lambda x: jnp.full_like(x, value), tree)


def tree_bias_correction(moment: Any, decay: Any, count: jax.Array) -> Any:
    """``m / (1 - decay**count)`` leaf by leaf.

    The factor is computed in float32 (float64 with x64) *before* the cast to each moment's
    dtype, so a bf16 moment never sees ``decay**count`` rounded to 1 (a division by zero).
    """
    _check_leaves("moment", moment)
    _check_scalar("decay", decay)
    if isinstance(decay, int | np.integer):  # an integer decay would pow in integers
        decay = float(decay)
    count = jnp.asarray(count) if isinstance(count, int | np.integer) else count
    if not (hasattr(count, "dtype") and jnp.issubdtype(count.dtype, jnp.integer)):
        raise TypeError(f"`count` must be an integer step count, got count={count!r}.")
    correction = 1 - decay**count
    return jax.tree.map(lambda t: jnp.asarray(t) / correction.astype(jnp.result_type(t)), moment)


def scale_by_learning_rate(
    updates: Updates, learning_rate: ScalarOrSchedule, count: jax.Array
) -> Updates:
    """``-learning_rate(count) * u`` leaf by leaf (the descent step; count before increment).

    A constant learning rate multiplies as given (a Python float keeps each leaf's dtype); a
    schedule's value is cast to each leaf's dtype first, as optax does.
    """
    _check_leaves("updates", updates)
    check_learning_rate(learning_rate)
    if callable(learning_rate):
        step = -1 * as_real_array("learning_rate(count)", learning_rate(count))
        return jax.tree.map(lambda g: jnp.array(step, dtype=g.dtype) * g, updates)
    step = -1 * learning_rate
    return jax.tree.map(lambda g: step * g, updates)


def identity() -> Optimizer:
    """A transform that returns the gradients unchanged (useful in :func:`chain`).

    Examples:
        >>> import jax.numpy as jnp
        >>> identity().update(jnp.ones(2), identity().init(jnp.ones(2)))[0]
        Array([1., 1.], dtype=float32)
    """

    def init(params):
        del params
        return EmptyState()

    def update(grads, state, params=None, **extra):
        del params, extra
        return grads, state

    return Optimizer(init, update)


def _check_update_dtype(path: Any, param: Any, update: Any) -> None:
    """Refuses an update that ``param``'s dtype cannot hold (float into int, complex into real)."""
    if param is None or update is None:
        return
    p, u = jnp.result_type(param), jnp.result_type(update)
    where = jax.tree_util.keystr(path) or "(root)"
    if jnp.issubdtype(u, jnp.complexfloating) and not jnp.issubdtype(p, jnp.complexfloating):
        raise TypeError(
            f"`updates` leaf {where} is complex ({u}) but the `params` leaf is {p}: adding it "
            "would drop the imaginary part. Compute real updates for real parameters."
        )
    if jnp.issubdtype(u, jnp.inexact) and not jnp.issubdtype(p, jnp.inexact):
        raise TypeError(
            f"`updates` leaf {where} is floating point ({u}) but the `params` leaf is {p}: "
            "casting the sum back would truncate every update (1 + 0.6 -> 1). Use "
            "floating-point params, e.g. params = jax.tree.map(lambda p: p.astype(jnp.float32), "
            "params); optax.apply_updates refuses this too."
        )


def apply_updates(params: Params, updates: Updates) -> Params:
    """``params + updates`` leaf by leaf, each result cast back to its param's dtype.

    ``None`` params stay ``None`` (bf16 params stay bf16 even if the updates are float32).

    Raises:
        TypeError: when ``updates`` and ``params`` differ in tree structure, or when an update
            is floating point (or complex) and its param's dtype cannot hold it (an integer or
            bool param, a real param): the cast back would silently truncate.

    Examples:
        >>> import jax.numpy as jnp
        >>> apply_updates({"w": jnp.ones(2, jnp.bfloat16)}, {"w": jnp.full(2, 0.5)})
        {'w': Array([1.5, 1.5], dtype=bfloat16)}
    """
    check_tree_match(updates, params, "updates", "params")
    is_none = lambda x: x is None  # noqa: E731
    for (path, p), u in zip(
        jax.tree_util.tree_flatten_with_path(params, is_leaf=is_none)[0],
        jax.tree.leaves(updates, is_leaf=is_none),
        strict=True,
    ):
        _check_update_dtype(path, p, u)
    return jax.tree.map(
        lambda p, u: None if p is None else jnp.asarray(p + u).astype(jnp.asarray(p).dtype),
        params,
        updates,
        is_leaf=is_none,
    )


def _takes_extra_kwargs(update: Callable) -> bool:
    try:
        parameters = inspect.signature(update).parameters.values()
    except (TypeError, ValueError):  # builtins or C callables: assume the plain optax form
        return False
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def chain(*transforms: Any) -> Optimizer:
    """Applies transforms one after another; the state is the tuple of their states.

    Accepts jaxnn optimizers and optax ``GradientTransformation``s alike (anything with
    ``init``/``update``). Extra keyword arguments reach the members that accept them.

    Examples:
        >>> import jax.numpy as jnp
        >>> from jaxnn import optim
        >>> opt = optim.chain(optim.identity(), optim.sgd(1.0))
        >>> opt.update(jnp.ones(2), opt.init(jnp.zeros(2)))[0]
        Array([-1., -1.], dtype=float32)
    """
    for i, t in enumerate(transforms):
        if not (callable(getattr(t, "init", None)) and callable(getattr(t, "update", None))):
            raise TypeError(
                f"chain: argument {i} must be an optimizer/transform with `init` and `update` "
                f"(a jaxnn optimizer or an optax GradientTransformation), got {t!r}."
            )
    passes_extra = [_takes_extra_kwargs(t.update) for t in transforms]

    def init(params):
        return tuple(t.init(params) for t in transforms)

    def update(grads, state, params=None, **extra):
        if not isinstance(state, tuple) or len(state) != len(transforms):
            raise TypeError(
                f"chain: `state` must be the tuple of {len(transforms)} member states returned by "
                f"init(), got {type(state).__name__}"
                + (f" of length {len(state)}" if isinstance(state, tuple) else "")
                + "."
            )
        new_states = []
        for t, s, extra_ok in zip(transforms, state, passes_extra, strict=True):
            if extra_ok:
                grads, s = t.update(grads, s, params, **extra)
            else:
                grads, s = t.update(grads, s, params)
            new_states.append(s)
        return grads, tuple(new_states)

    return Optimizer(init, update)
