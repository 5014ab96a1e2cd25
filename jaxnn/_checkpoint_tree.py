"""The JSON description of a checkpoint's pytree: written by ``describe``, checked by
``check_description`` and turned back into a tree by ``rebuild`` (private to
:mod:`jaxnn.checkpoint`).

A description is a nested JSON object, one node per container or leaf:

- ``{"t": "none"}``, ``{"t": "str", "v": text}``;
- ``{"t": "leaf"}`` (an array) or ``{"t": "leaf", "py": "bool" | "int" | "float"}`` (a Python
  scalar), ``{"t": "key", "impl": name}`` (a typed PRNG key): each takes the next tensor;
- ``{"t": "list" | "tuple", "c": [...]}``, ``{"t": "dict", "k": [...], "c": [...]}``,
  ``{"t": "namedtuple", "cls": "module.Name", "fields": [...], "c": [...]}``.

``check_description`` validates a description read from a file completely (iteratively, so a
crafted 100,000-deep tree costs no recursion) before any tensor is read: every error is a
``ValueError`` whose message says what is wrong.
"""

from __future__ import annotations

import importlib
import keyword
from collections import namedtuple
from typing import Any

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np

__all__ = ["DTYPES", "MAX_DEPTH", "check_description", "describe", "rebuild"]

DTYPES = {
    "BOOL": np.dtype(bool),
    "U8": np.dtype(np.uint8),
    "I8": np.dtype(np.int8),
    "U16": np.dtype(np.uint16),
    "I16": np.dtype(np.int16),
    "U32": np.dtype(np.uint32),
    "I32": np.dtype(np.int32),
    "U64": np.dtype(np.uint64),
    "I64": np.dtype(np.int64),
    "F16": np.dtype(np.float16),
    "BF16": np.dtype(ml_dtypes.bfloat16),
    "F32": np.dtype(np.float32),
    "F64": np.dtype(np.float64),
    "C64": np.dtype(np.complex64),
}
# Deepest container nesting written or read (far below Python's recursion limit).
MAX_DEPTH = 200
# NamedTuple classes are rebuilt by name only from these packages (importing them runs no code
# from the file); any other NamedTuple comes back as a collections.namedtuple with its fields.
_TRUSTED_MODULES = ("jaxnn.", "optax.")
_PY_TYPES = {"bool": bool, "int": int, "float": float}
_CONTAINERS = ("list", "tuple", "dict", "namedtuple")


def describe(node: Any, leaves: list, path: str = "", depth: int = 0) -> dict:
    """JSON description of ``node``; appends its leaves (as NumPy arrays) to ``leaves``."""
    where = path or "(root)"
    if depth > MAX_DEPTH:
        raise ValueError(
            f"checkpoint.save: `tree` is nested more than {MAX_DEPTH} containers deep (at "
            f"{where}); flatten it first."
        )
    if node is None:
        return {"t": "none"}
    if isinstance(node, bool | int | float) and not isinstance(node, np.generic):
        leaves.append(np.asarray(node))
        return {"t": "leaf", "py": type(node).__name__}
    if isinstance(node, str):  # kept in the JSON description, not as a tensor
        return {"t": "str", "v": node}
    if isinstance(node, jax.Array) and jnp.issubdtype(node.dtype, jax.dtypes.prng_key):
        leaves.append(np.asarray(jax.random.key_data(node)))
        return {"t": "key", "impl": str(jax.random.key_impl(node))}
    if isinstance(node, np.ndarray | np.generic | jax.Array):
        array = np.asarray(node)
        if array.dtype not in DTYPES.values():
            raise TypeError(
                f"checkpoint.save: `tree` leaf {where} has dtype {array.dtype}, which a "
                "checkpoint cannot hold; supported: bool, (u)int8-64, float16, bfloat16, float32, "
                "float64, complex64."
            )
        leaves.append(array)
        return {"t": "leaf"}
    if isinstance(node, tuple) and hasattr(node, "_fields"):
        cls = type(node)
        children = [
            describe(v, leaves, f"{path}.{f}", depth + 1)
            for f, v in zip(node._fields, node, strict=True)
        ]
        return {
            "t": "namedtuple",
            "cls": f"{cls.__module__}.{cls.__qualname__}",
            "fields": list(node._fields),
            "c": children,
        }
    if isinstance(node, list | tuple):
        children = [describe(v, leaves, f"{path}[{i}]", depth + 1) for i, v in enumerate(node)]
        return {"t": type(node).__name__, "c": children}
    if isinstance(node, dict):
        keys = list(node)
        if not all(isinstance(k, str) for k in keys):
            raise TypeError(
                f"checkpoint.save: `tree` dict keys must be strings, got {keys!r} at {where}."
            )
        children = [describe(node[k], leaves, f"{path}[{k!r}]", depth + 1) for k in keys]
        return {"t": "dict", "k": keys, "c": children}
    raise TypeError(
        f"checkpoint.save: `tree` cannot hold {type(node).__name__} (at {where}); a "
        "checkpoint holds arrays, Python numbers and strings, None, typed PRNG keys, and "
        "dicts/lists/tuples/NamedTuples of them."
    )


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _check_node(node: Any, where: str) -> list:
    """Checks one node's own fields; returns its children (empty for a leaf)."""
    if not isinstance(node, dict) or not isinstance(node.get("t"), str):
        raise ValueError(f"node {where} is not an object with a string kind 't'")
    kind = node["t"]
    if kind == "none":
        return []
    if kind == "str":
        if not isinstance(node.get("v"), str):
            raise ValueError(f"string node {where} has no string value 'v'")
        return []
    if kind == "leaf":
        if "py" in node and node["py"] not in _PY_TYPES:
            raise ValueError(
                f"leaf {where} has Python type {node['py']!r}; only bool, int and float are saved"
            )
        return []
    if kind == "key":
        if not isinstance(node.get("impl"), str):
            raise ValueError(f"key {where} has no PRNG implementation name 'impl'")
        return []
    if kind not in _CONTAINERS:
        raise ValueError(f"node {where} has unknown kind {kind!r}")
    children = node.get("c")
    if not isinstance(children, list):
        raise ValueError(f"container {where} has no child list 'c'")
    names = {"dict": "k", "namedtuple": "fields"}.get(kind)
    if names is not None:
        if not _is_str_list(node.get(names)) or len(node[names]) != len(children):
            raise ValueError(
                f"{kind} {where} needs a list {names!r} of {len(children)} strings, one per child"
            )
        if kind == "dict" and len(set(node["k"])) != len(children):
            raise ValueError(f"dict {where} has repeated keys")
    if kind == "namedtuple":
        if not isinstance(node.get("cls"), str):
            raise ValueError(f"namedtuple {where} has no class name 'cls'")
        if not all(f.isidentifier() and not keyword.iskeyword(f) for f in node["fields"]):
            raise ValueError(f"namedtuple {where} has a field that is not a Python name")
        if len(set(node["fields"])) != len(children):
            raise ValueError(f"namedtuple {where} has repeated fields")
    return children


def check_description(description: Any, n_tensors: int) -> None:
    """Raises ``ValueError`` saying what is wrong unless ``description`` is a well-formed tree
    description taking exactly ``n_tensors`` tensors and nested at most ``MAX_DEPTH`` deep."""
    leaves = 0
    stack = [(description, "(root)", 0)]
    while stack:
        node, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"the tree is nested more than {MAX_DEPTH} containers deep")
        children = _check_node(node, where)
        leaves += node["t"] in ("leaf", "key")
        stack.extend((c, f"{where}.c[{i}]", depth + 1) for i, c in enumerate(children))
    if leaves != n_tensors:
        raise ValueError(f"the tree has {leaves} leaves but the file holds {n_tensors} tensors")


def _namedtuple_class(name: str, fields: list[str]) -> type:
    if name.startswith(_TRUSTED_MODULES):
        module_name, _, qualname = name.rpartition(".")
        try:
            cls = getattr(importlib.import_module(module_name), qualname)
        except (ImportError, AttributeError, ValueError):
            cls = None
        if isinstance(cls, type) and issubclass(cls, tuple) and list(cls._fields) == fields:
            return cls
    base = name.rpartition(".")[2]
    return namedtuple(base if base.isidentifier() else "Record", fields)


def _to_jax(value: np.ndarray) -> Any:
    """A JAX array, unless the dtype is 64-bit and x64 is off: then the exact NumPy array."""
    if value.dtype.itemsize == 8 and value.dtype.kind in "fiu" and not jax.config.jax_enable_x64:
        return value.copy()  # not a view: the file's bytes are freed
    return jnp.asarray(value)


def _leaf(desc: dict, value: np.ndarray, where: str) -> Any:
    if desc["t"] == "key":
        try:
            return jax.random.wrap_key_data(jnp.asarray(value), impl=desc["impl"])
        except (ValueError, TypeError, KeyError) as e:
            raise ValueError(
                f"key {where} ({desc['impl']!r}, data shape {value.shape}) is not a valid PRNG "
                f"key: {e}"
            ) from None
    if "py" in desc:
        if value.shape != ():
            raise ValueError(f"Python scalar {where} is stored as an array of shape {value.shape}")
        try:
            return _PY_TYPES[desc["py"]](value.item())
        except (TypeError, ValueError) as e:
            raise ValueError(f"Python scalar {where}: {e}") from None
    return _to_jax(value)


def rebuild(desc: dict, leaves: list, where: str = "(root)") -> Any:
    """The tree described by a description that passed :func:`check_description`; ``leaves``
    is consumed from the front (pass an iterator-friendly list reversed: popped from the end)."""
    kind = desc["t"]
    if kind == "none":
        return None
    if kind == "str":
        return desc["v"]
    if kind in ("leaf", "key"):
        return _leaf(desc, leaves.pop(), where)
    children = [rebuild(c, leaves, f"{where}.c[{i}]") for i, c in enumerate(desc["c"])]
    if kind == "namedtuple":
        return _namedtuple_class(desc["cls"], desc["fields"])(*children)
    if kind == "list":
        return children
    if kind == "tuple":
        return tuple(children)
    return dict(zip(desc["k"], children, strict=True))
