"""Save and load any pytree of arrays to one safe file (safetensors), atomically.

Format: a `safetensors <https://github.com/huggingface/safetensors>`_ file. Its header is JSON and
its body raw little-endian tensor bytes, so loading a file never runs code (no pickle). jaxnn
adds, in the header's text metadata:

- ``format = "jaxnn.checkpoint"`` and ``version`` (this module writes and reads version 1);
- ``tree``: the JSON description of the pytree (dicts, lists, tuples, NamedTuples, ``None``,
  Python scalars and strings, typed PRNG keys), so :func:`load` rebuilds it without a template;
- ``sha256``: a digest of every tensor's name, dtype, shape and bytes, so a flipped bit is an
  error instead of a silently wrong model;
- ``metadata``: the caller's JSON-serializable ``metadata``.

Leaves are stored with their exact dtype and shape (bfloat16, float64 and integer counts
included). :func:`save` writes to a temporary file in the same directory, flushes it to disk and
renames it over the target, so a crash mid-save never leaves a half-written file over a good one.

Examples:
    >>> import os, tempfile, jax.numpy as jnp
    >>> from jaxnn import checkpoint, optim
    >>> state = optim.adam(0.1).init({"w": jnp.ones(2)})
    >>> path = os.path.join(tempfile.mkdtemp(), "state.safetensors")
    >>> checkpoint.save(path, state, metadata={"epoch": 3})
    >>> restored = checkpoint.load(path)
    >>> type(restored).__name__, restored.mu["w"].dtype, checkpoint.metadata(path)
    ('AdamState', dtype('float32'), {'epoch': 3})
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import tempfile
from collections import namedtuple
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import safetensors
from safetensors import numpy as st_numpy

__all__ = ["FORMAT", "VERSION", "CheckpointError", "save", "load", "metadata"]

FORMAT = "jaxnn.checkpoint"
VERSION = 1

_DTYPES = {
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
# NamedTuple classes are rebuilt by name only from these packages (importing them runs no code
# from the file); any other NamedTuple comes back as a collections.namedtuple with its fields.
_TRUSTED_MODULES = ("jaxnn.", "optax.")


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read: truncated, corrupted, of another version or of
    another structure. The message names the file and what differs."""


# ---------------------------------------------------------------------------------------------
# tree description


def _describe(node: Any, leaves: list, path: str) -> dict:
    """JSON description of ``node``; appends its leaves (as NumPy arrays) to ``leaves``."""
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
        if array.dtype not in _DTYPES.values():
            raise TypeError(
                f"checkpoint.save: `tree` leaf {path or '(root)'} has dtype {array.dtype}, which a "
                "checkpoint cannot hold; supported: bool, (u)int8-64, float16, bfloat16, float32, "
                "float64, complex64."
            )
        leaves.append(array)
        return {"t": "leaf"}
    if isinstance(node, tuple) and hasattr(node, "_fields"):
        cls = type(node)
        children = [
            _describe(v, leaves, f"{path}.{f}") for f, v in zip(node._fields, node, strict=True)
        ]
        return {
            "t": "namedtuple",
            "cls": f"{cls.__module__}.{cls.__qualname__}",
            "fields": list(node._fields),
            "c": children,
        }
    if isinstance(node, list | tuple):
        children = [_describe(v, leaves, f"{path}[{i}]") for i, v in enumerate(node)]
        return {"t": type(node).__name__, "c": children}
    if isinstance(node, dict):
        keys = list(node)
        if not all(isinstance(k, str) for k in keys):
            raise TypeError(
                f"checkpoint.save: `tree` dict keys must be strings, got {keys!r} at "
                f"{path or '(root)'}."
            )
        children = [_describe(node[k], leaves, f"{path}[{k!r}]") for k in keys]
        return {"t": "dict", "k": keys, "c": children}
    raise TypeError(
        f"checkpoint.save: `tree` cannot hold {type(node).__name__} (at {path or '(root)'}); a "
        "checkpoint holds arrays, Python numbers and strings, None, typed PRNG keys, and "
        "dicts/lists/tuples/NamedTuples of them."
    )


def _namedtuple_class(name: str, fields: list[str]) -> type:
    if name.startswith(_TRUSTED_MODULES):
        module_name, _, qualname = name.rpartition(".")
        try:
            cls = getattr(importlib.import_module(module_name), qualname)
        except (ImportError, AttributeError):
            cls = None
        if isinstance(cls, type) and issubclass(cls, tuple) and list(cls._fields) == fields:
            return cls
    return namedtuple(name.rpartition(".")[2] or "Record", fields)


def _rebuild(desc: dict, leaves: list) -> Any:
    kind = desc["t"]
    if kind == "none":
        return None
    if kind == "str":
        return str(desc["v"])
    if kind == "leaf":
        value = leaves.pop(0)
        if "py" in desc:
            return {"bool": bool, "int": int, "float": float}[desc["py"]](value.item())
        return _to_jax(value)
    if kind == "key":
        return jax.random.wrap_key_data(jnp.asarray(leaves.pop(0)), impl=desc["impl"])
    children = [_rebuild(c, leaves) for c in desc["c"]]
    if kind == "namedtuple":
        return _namedtuple_class(desc["cls"], desc["fields"])(*children)
    if kind == "list":
        return children
    if kind == "tuple":
        return tuple(children)
    if kind == "dict":
        return dict(zip(desc["k"], children, strict=True))
    raise CheckpointError(f"unknown node kind {kind!r} in the checkpoint's tree description.")


def _to_jax(value: np.ndarray) -> Any:
    """A JAX array, unless the dtype is 64-bit and x64 is off: then the exact NumPy array."""
    if value.dtype.itemsize == 8 and value.dtype.kind in "fiu" and not jax.config.jax_enable_x64:
        return value
    return jnp.asarray(value)


# ---------------------------------------------------------------------------------------------
# save / load


def _digest(tensors: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name in sorted(tensors, key=int):
        t = tensors[name]
        h.update(f"{name}:{t.dtype.str}:{t.shape};".encode())
        h.update(t.tobytes())
    return h.hexdigest()


def save(path: str | os.PathLike, tree: Any, *, metadata: dict | None = None) -> None:
    """Writes ``tree`` to ``path`` atomically (temporary file, fsync, rename).

    Args:
        path: the file to write (parent directories are created).
        tree: a pytree of arrays: params, optimizer states (NamedTuples, chain tuples), a
            training history (``jaxnn.train.History``); Python numbers and strings, ``None``
            and typed PRNG keys are kept too.
        metadata: optional JSON-serializable dict, returned by :func:`metadata`.

    Raises:
        TypeError: for a leaf or container that a checkpoint cannot hold, or metadata that is not
            JSON-serializable.
    """
    path = _check_path(path)
    if metadata is not None and not isinstance(metadata, dict):
        raise TypeError(
            f"checkpoint.save: `metadata` must be a dict or None, got {type(metadata).__name__}."
        )
    leaves: list[np.ndarray] = []
    description = _describe(tree, leaves, "")
    tensors = {str(i): np.require(a, requirements="C") for i, a in enumerate(leaves)}
    try:
        user = json.dumps(metadata if metadata is not None else {})
    except TypeError as e:
        raise TypeError(f"checkpoint.save: `metadata` must be JSON-serializable: {e}") from None
    header = {
        "format": FORMAT,
        "version": str(VERSION),
        "tree": json.dumps(description),
        "sha256": _digest(tensors),
        "metadata": user,
    }
    data = st_numpy.save(tensors, metadata=header)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _check_path(path: Any) -> Path:
    if not isinstance(path, str | os.PathLike):
        raise TypeError(
            f"`path` must be a file path (str or os.PathLike), got path={path!r} "
            f"(type {type(path).__name__})."
        )
    path = Path(path)
    if path.is_dir():
        raise ValueError(
            f"`path` must be a file, got the directory {str(path)!r}. Pass a file name inside "
            "it, e.g. params.safetensors."
        )
    return path


def _read(path: str | os.PathLike) -> tuple[dict[str, str], dict[str, np.ndarray]]:
    path = _check_path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {str(path)!r}.")
    data = path.read_bytes()
    try:
        raw = safetensors.deserialize(data)
        n = int.from_bytes(data[:8], "little")
        header = json.loads(data[8 : 8 + n]).get("__metadata__") or {}
    except (safetensors.SafetensorError, ValueError, UnicodeDecodeError) as e:
        raise CheckpointError(
            f"{str(path)!r} is not a readable safetensors file (truncated or corrupted?): {e}"
        ) from None
    if header.get("format") != FORMAT:
        raise CheckpointError(f"{str(path)!r} is a safetensors file but not a jaxnn checkpoint.")
    version = header.get("version", "?")
    if version != str(VERSION):
        raise CheckpointError(
            f"{str(path)!r} has checkpoint format version {version}; this jaxnn reads version "
            f"{VERSION}. Load it with the jaxnn version that wrote it"
            + (
                " (a newer one: upgrade jaxnn)."
                if version.isdigit() and int(version) > VERSION
                else "."
            )
        )
    tensors = {}
    for name, spec in raw:
        if spec["dtype"] not in _DTYPES:
            raise CheckpointError(
                f"{str(path)!r}: tensor {name} has unsupported dtype {spec['dtype']}."
            )
        tensors[name] = np.frombuffer(bytes(spec["data"]), _DTYPES[spec["dtype"]]).reshape(
            tuple(spec["shape"])
        )
    if _digest(tensors) != header.get("sha256"):
        raise CheckpointError(
            f"{str(path)!r} is corrupted: its tensor bytes do not match the stored SHA-256 digest."
        )
    return header, tensors


def metadata(path: str | os.PathLike) -> dict:
    """The ``metadata`` dict saved with the checkpoint at ``path`` (checked like :func:`load`)."""
    header, _ = _read(path)
    return json.loads(header["metadata"])


def _load_with_metadata(path: str | os.PathLike) -> tuple[Any, dict]:
    """``(load(path), metadata(path))`` from one read of the file."""
    header, tensors = _read(path)
    return _tree(path, header, tensors), json.loads(header["metadata"])


def _tree(path: Any, header: dict[str, str], tensors: dict[str, np.ndarray]) -> Any:
    leaves = [tensors[str(i)] for i in range(len(tensors))]
    try:
        description = json.loads(header["tree"])
    except (KeyError, ValueError):
        raise CheckpointError(
            f"{str(path)!r}: the tree description is missing or damaged."
        ) from None
    return _rebuild(description, list(leaves))


def load(path: str | os.PathLike, like: Any = None) -> Any:
    """Reads the tree saved at ``path``.

    Args:
        path: a file written by :func:`save`.
        like: optional template tree (for example freshly initialized params and optimizer
            state). The result then has exactly ``like``'s tree structure (its NamedTuple
            classes included) and every leaf is checked against the
            template's shape and dtype.

    Returns:
        The tree: arrays as JAX arrays (64-bit arrays stay NumPy arrays when x64 is off, so no
        dtype is silently narrowed), Python scalars as Python scalars, typed keys as keys.

    Raises:
        FileNotFoundError: no file at ``path``.
        CheckpointError: (a ``ValueError``) truncated or corrupted file, another format
            version, or a structure/shape/dtype that differs from ``like`` (named in the message).
    """
    header, tensors = _read(path)
    tree = _tree(path, header, tensors)
    if like is None:
        return tree
    return _match_template(tree, like, path)


def _match_template(tree: Any, like: Any, path: Any, name: str = "like") -> Any:
    """``tree`` rebuilt with ``like``'s structure; a CheckpointError names the first difference
    (``name`` is how the message calls the template: ``like``, or ``params`` for a resumed fit).
    """
    stored = jax.tree_util.tree_flatten_with_path(tree)[0]
    template = jax.tree_util.tree_flatten_with_path(like)[0]
    if len(stored) != len(template):
        raise CheckpointError(
            f"{str(path)!r} holds {len(stored)} leaves but `{name}` has {len(template)}: a "
            f"different structure.\n  file: {jax.tree.structure(tree)}\n  {name}: "
            f"{jax.tree.structure(like)}"
        )
    out = []
    for (spath, value), (tpath, expected) in zip(stored, template, strict=True):
        where = jax.tree_util.keystr(tpath) or "(root)"
        if jax.tree_util.keystr(spath) != jax.tree_util.keystr(tpath):
            raise CheckpointError(
                f"{str(path)!r}: leaf {jax.tree_util.keystr(spath)} in the file is at {where} in "
                f"`{name}`: a different structure."
            )
        if isinstance(value, str) or isinstance(expected, str):
            if not (isinstance(value, str) and isinstance(expected, str)):
                raise CheckpointError(
                    f"{str(path)!r}: leaf {where} is {type(value).__name__} in the file but "
                    f"{type(expected).__name__} in `{name}`."
                )
            out.append(value)
            continue
        if jnp.shape(value) != jnp.shape(expected):
            raise CheckpointError(
                f"{str(path)!r}: leaf {where} has shape {jnp.shape(value)} in the file but "
                f"{jnp.shape(expected)} in `{name}`."
            )
        if jnp.result_type(value) != jnp.result_type(expected):
            raise CheckpointError(
                f"{str(path)!r}: leaf {where} has dtype {jnp.result_type(value)} in the file but "
                f"{jnp.result_type(expected)} in `{name}`."
            )
        out.append(value)
    return jax.tree_util.tree_unflatten(jax.tree.structure(like), out)
