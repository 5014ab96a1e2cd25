"""The compile cache of the training core: programs keyed by value, not by object identity.

``jax.jit`` caches on the identity of the function it wraps, so a loop that builds a fresh
``optim.adam(1e-3)`` (or a fresh ``lambda``) for every ``fit`` call would compile every time.
This cache keys a program on a *fingerprint* of what it closes over:

    fingerprint(function)   = (its code object, its defaults, fingerprint of each closure cell)
    fingerprint(container)  = (its type, fingerprints of its items)       tuples, lists, dicts,
                                                                           NamedTuples, partials
    fingerprint(number)     = (its type, its exact value)                  floats by float.hex
    fingerprint(small array)= (shape, dtype, bytes)                        <= 4096 elements
    fingerprint(object)     = the object itself, when its class defines __eq__ and __hash__
                              (a Mesh, a callable class with value equality), else its identity
                              (kept alive by the key)

so two optimizers built by the same factory with equal hyperparameters (jaxnn's and optax's
alike: both are closures over their hyperparameters) share one compiled program, and a changed
hyperparameter compiles a new one. As with ``jax.jit``, global variables that a function reads
are read when it is traced: change a global and the cached program still uses the old value
(pass such values as arguments or closure variables instead). The key also holds the argument
shapes and dtypes, the guard's select mode, x64 and the backend.
"""

from __future__ import annotations

import functools
import time
import types
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxnn.engine.epoch import select_uses_cond

__all__ = [
    "CACHE_SIZE",
    "cache_clear",
    "cache_info",
    "cached_programs",
    "compiled",
    "fingerprint",
    "signature",
]

CACHE_SIZE = 32
"""Compiled programs kept, least recently used out first."""

_CACHE: OrderedDict = OrderedDict()
_STATS = {"hits": 0, "misses": 0}
_SMALL_ARRAY = 4096
_MAX_DEPTH = 64


class _Identity:
    """A key part that compares by identity and keeps its object alive (ids are not reused)."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any):
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, _Identity) and other.obj is self.obj


def fingerprint(obj: Any) -> Any:
    """A hashable value that is equal for objects that trace to the same program (see above).

    Examples:
        >>> from jaxnn import optim
        >>> fingerprint(optim.adam(1e-3)) == fingerprint(optim.adam(1e-3))
        True
        >>> fingerprint(optim.adam(1e-3)) == fingerprint(optim.adam(2e-3))
        False
    """
    return _fingerprint(obj, set(), 0)


def _fingerprint(obj: Any, active: set, depth: int) -> Any:
    if obj is None or isinstance(obj, bool | int | str | bytes | type(Ellipsis)):
        return (type(obj), obj)
    if isinstance(obj, float):
        return (type(obj), obj.hex())
    if isinstance(obj, np.generic):
        return (type(obj), obj.dtype.str, obj.tobytes())
    if isinstance(obj, np.ndarray | jax.Array) and not isinstance(obj, jax.core.Tracer):
        if obj.size <= _SMALL_ARRAY and not jnp.issubdtype(obj.dtype, jax.dtypes.prng_key):
            return ("array", type(obj), obj.shape, str(obj.dtype), np.asarray(obj).tobytes())
        return _Identity(obj)
    if depth > _MAX_DEPTH or id(obj) in active:
        return _Identity(obj)
    active.add(id(obj))
    try:
        return _fingerprint_composite(obj, active, depth + 1)
    finally:
        active.discard(id(obj))


def _fingerprint_composite(obj: Any, active: set, depth: int) -> Any:
    def fp(o):
        return _fingerprint(o, active, depth)

    if isinstance(obj, types.FunctionType):
        return _function_fingerprint(obj, fp)
    if isinstance(obj, types.MethodType):
        return ("method", fp(obj.__func__), fp(obj.__self__))
    if isinstance(obj, functools.partial):
        return ("partial", fp(obj.func), fp(obj.args), fp(dict(sorted(obj.keywords.items()))))
    if type(obj) in (tuple, list) or (isinstance(obj, tuple) and hasattr(obj, "_fields")):
        return (type(obj), tuple(fp(item) for item in obj))
    if type(obj) is dict:
        return (dict, tuple((fp(k), fp(v)) for k, v in obj.items()))
    if _defines_equality(obj):  # the object says what equal means (like jit's static args)
        return ("value", type(obj), obj)
    return _Identity(obj)


def _defines_equality(obj: Any) -> bool:
    cls = type(obj)
    return cls.__eq__ is not object.__eq__ and cls.__hash__ not in (None, object.__hash__)


def _function_fingerprint(fn: types.FunctionType, fp: Callable) -> Any:
    """A function's fingerprint, remembered while its closure holds the same objects (like
    ``jax.jit``, which keys on the function alone, a mutation inside a captured object is not
    seen: pass changing values as arguments)."""
    contents = tuple(c.cell_contents if _filled(c) else _EMPTY for c in fn.__closure__ or ())
    ids = (tuple(map(id, contents)), id(fn.__defaults__), id(fn.__kwdefaults__))
    memo = _FUNCTIONS.get(fn)
    if memo is not None and memo[0] == ids:
        return memo[1]
    cells = tuple(("empty",) if c is _EMPTY else fp(c) for c in contents)
    kwdefaults = fp(dict(sorted((fn.__kwdefaults__ or {}).items())))
    code, globals_ = _Identity(fn.__code__), _Identity(fn.__globals__)
    result = ("function", code, globals_, fp(fn.__defaults__), kwdefaults, cells)
    _FUNCTIONS[fn] = (ids, result)
    return result


_FUNCTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_EMPTY = object()  # an unfilled closure cell


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises ValueError
    except ValueError:
        return False
    return True


def signature(*trees: Any) -> tuple:
    """The tree structures, shapes and dtypes of ``trees`` (what a compiled program is for)."""
    out = []
    for tree in trees:
        leaves, structure = jax.tree.flatten(tree)
        out.append((structure, tuple(_leaf_signature(a) for a in leaves)))
    return tuple(out)


def _leaf_signature(a: Any) -> tuple:
    if isinstance(a, jax.Array | np.ndarray | jax.ShapeDtypeStruct):
        return (a.shape, a.dtype, getattr(a, "weak_type", False))
    return (jnp.shape(a), jnp.result_type(a), type(a))


def compiled(
    config: Any, build: Callable, args: tuple, donate_argnums: tuple[int, ...] = ()
) -> tuple[Callable, float]:
    """``jax.jit(build(), donate_argnums=...)`` compiled for ``args``, and its compile seconds.

    Cached (least recently used out beyond :data:`CACHE_SIZE`) on ``fingerprint(config)``
    (``config`` holds everything ``build`` closes over), the argument signature, the guard's
    select mode, x64 and the backend; the seconds are 0.0 on a hit.
    """
    key = (
        fingerprint(config),
        donate_argnums,
        select_uses_cond(),
        bool(jax.config.jax_enable_x64),
        jax.default_backend(),
        signature(*args),
    )
    if key in _CACHE:
        _CACHE.move_to_end(key)
        _STATS["hits"] += 1
        return _CACHE[key], 0.0
    _STATS["misses"] += 1
    t0 = time.perf_counter()
    program = jax.jit(build(), donate_argnums=donate_argnums).lower(*args).compile()
    seconds = time.perf_counter() - t0
    _CACHE[key] = program
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return program, seconds


def cache_info() -> dict[str, int]:
    """``{"hits", "misses", "size"}`` of the training core's compile cache since the last clear.

    Examples:
        >>> sorted(cache_info())
        ['hits', 'misses', 'size']
    """
    return {**_STATS, "size": len(_CACHE)}


def cached_programs() -> tuple:
    """The cached compiled programs, least recently used first (for benchmarks and tests)."""
    return tuple(_CACHE.values())


def cache_clear() -> None:
    """Drops every cached program and resets :func:`cache_info`'s counts."""
    _CACHE.clear()
    _STATS.update(hits=0, misses=0)
