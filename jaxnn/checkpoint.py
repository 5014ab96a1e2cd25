"""Save and load any pytree of arrays to one safe file (safetensors), atomically.

Format: a `safetensors <https://github.com/huggingface/safetensors>`_ file. Its header is JSON and
its body raw little-endian tensor bytes, so loading a file never runs code (no pickle). jaxnn
adds, in the header's text metadata:

- ``format = "jaxnn.checkpoint"`` and ``version`` (this module writes version 2 and reads
  versions 1 and 2);
- ``tree``: the JSON description of the pytree (dicts, lists, tuples, NamedTuples, ``None``,
  Python scalars and strings, typed PRNG keys), so :func:`load` rebuilds it without a template;
- ``sha256``: the SHA-256 digest of the whole file, every byte of the header (tree, metadata,
  tensor names, dtypes, shapes and offsets) and of the tensors, computed with the 64 digest
  characters themselves set to ``"0"``. A flipped bit anywhere is a :class:`CheckpointError`
  saying the file is corrupted, never a silently different model, epoch or class name. (Version 1
  files, written before, are still read; their digest covers the tensors only.)
- ``metadata``: the caller's JSON-serializable ``metadata``.

Leaves are stored with their exact dtype and shape (bfloat16, float64 and integer counts
included). :func:`save` writes to a temporary file ``.NAME.XXXXXXXX.tmp`` in the same directory,
flushes it to disk, renames it over the target and flushes the directory, so a crash mid-save
never leaves a half-written file over a good one. The temporary file is locked while it is
written; one left behind by a killed process (no lock) is removed by the next :func:`save` or
:func:`load` of the same checkpoint. An existing target that is not a regular file (a symbolic
link, a FIFO, a device such as ``/dev/null``, a directory) is refused, never replaced.
:func:`load` reads and checks the header (size, JSON, tree description, tensor table) before it
reads a single tensor byte.

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

import errno as _errno
import hashlib
import json
import math
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Any

try:  # POSIX: temporary files are locked while written, so stale ones can be told apart
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

import jax
import jax.numpy as jnp
import numpy as np
from safetensors import numpy as st_numpy

from jaxnn._checkpoint_tree import DTYPES, check_description, describe, rebuild

__all__ = [
    "FORMAT",
    "VERSION",
    "CheckpointError",
    "CheckpointPathError",
    "check_writable",
    "save",
    "load",
    "load_with_metadata",
    "match_template",
    "metadata",
]

FORMAT = "jaxnn.checkpoint"
VERSION = 2
_READABLE_VERSIONS = ("1", "2")
_DIGEST_KEY = b'"sha256":"'
_PLACEHOLDER = "0" * 64
_MAX_HEADER = 100_000_000  # bytes; safetensors' own limit


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read: truncated, corrupted, of another version or of
    another structure. The message names the file and what differs."""


class CheckpointPathError(OSError, ValueError):
    """A checkpoint path that cannot be written: not a regular file (a link, FIFO, device or
    directory), a parent that is not a directory, a read-only or full disk, no permission.

    Both an ``OSError`` (``errno`` is set when the system refused) and a ``ValueError``. The
    message names the path, the reason and the fix.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _path_error(path: Path, error: OSError, action: str) -> CheckpointPathError:
    fixes = {
        _errno.EROFS: "the file system is read-only: choose a path on a writable disk.",
        _errno.ENOSPC: "the disk is full: free space or choose a path on another disk.",
        _errno.EDQUOT: "the disk quota is exhausted: free space or choose another path.",
        _errno.EACCES: "permission denied: choose a directory you can write to.",
        _errno.EPERM: "permission denied: choose a directory you can write to.",
        _errno.ENOTDIR: "a parent of the path is a file, not a directory: choose another path.",
        _errno.EEXIST: "a parent of the path is a file, not a directory: choose another path.",
    }
    fix = fixes.get(error.errno, "choose a checkpoint path you can write to.")
    reason = error.strerror or str(error)
    err = CheckpointPathError(f"checkpoint: cannot {action} {str(path)!r}: {reason}; {fix}")
    err.errno = error.errno
    return err


def _check_path(path: Any) -> Path:
    if not isinstance(path, str | os.PathLike):
        raise TypeError(
            f"`path` must be a file path (str or os.PathLike), got path={path!r} "
            f"(type {type(path).__name__})."
        )
    path = Path(path)
    if str(path) in ("", ".") or path.is_dir():
        raise CheckpointPathError(
            f"`path` must be a file, got the directory {str(path)!r}. Pass a file name inside "
            "it, e.g. params.safetensors."
        )
    return path


_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


def _check_target(path: Path) -> None:
    """Refuses an existing ``path`` that is not a regular file (links are not followed)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as e:
        raise _path_error(path, e, "inspect") from None
    if stat.S_ISREG(mode):
        return
    kind = next((k for test, k in _KINDS if test(mode)), "not a regular file")
    raise CheckpointPathError(
        f"checkpoint: {str(path)!r} exists and is {kind}; a checkpoint replaces only a regular "
        "file (never a link, FIFO, device or directory). Choose a new file name, e.g. "
        "run.safetensors."
    )


def _temp_pattern(path: Path) -> re.Pattern:
    return re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}\.tmp")


def _clean_stale_temps(path: Path) -> None:
    """Removes ``.NAME.XXXXXXXX.tmp`` files of this checkpoint that no live writer holds."""
    if fcntl is None:  # pragma: no cover - no locks to tell a stale file from a live one
        return
    pattern = _temp_pattern(path)
    try:
        names = [n for n in os.listdir(path.parent or ".") if pattern.fullmatch(n)]
    except OSError:
        return
    for name in names:
        tmp = path.parent / name
        try:
            fd = os.open(tmp, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            st = os.fstat(fd)
            if stat.S_ISREG(st.st_mode):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held by a live writer: skip
                if os.path.samestat(st, os.lstat(tmp)):
                    os.unlink(tmp)
        except OSError:
            pass
        finally:
            os.close(fd)


def _locked_temp(path: Path) -> tuple[int, str]:
    """A new temporary file next to ``path``, locked (so no cleaner takes it for stale)."""
    while True:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        if fcntl is None:  # pragma: no cover
            return fd, tmp
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.path.samestat(os.fstat(fd), os.lstat(tmp)):
                return fd, tmp
        except FileNotFoundError:
            pass
        os.close(fd)  # a cleaner removed it between creation and lock: make another


def _fsync_directory(directory: Path) -> None:
    """Flushes a rename to disk (POSIX; Windows has no directory handles to flush)."""
    flag = getattr(os, "O_DIRECTORY", None)
    if flag is None:  # pragma: no cover
        return
    fd = os.open(directory, os.O_RDONLY | flag)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _prepare_directory(path: Path) -> None:
    _check_target(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _path_error(path.parent, e, "create the directory of") from None
    if not path.parent.is_dir():
        raise CheckpointPathError(
            f"checkpoint: the parent of {str(path)!r} is not a directory; choose another path."
        )


def check_writable(path: str | os.PathLike) -> Path:
    """Checks that :func:`save` can write ``path``, before any work is spent; returns it.

    The same checks :func:`save` makes, without writing a checkpoint: ``path`` is a file name
    (not a directory), an existing ``path`` is a regular file (not a symbolic link, FIFO or
    device), its parent directory exists or can be created (it is created, as :func:`save`
    would), and the temporary file ``save`` writes can be created there and removed. Stale
    temporary files of this checkpoint are removed.

    Args:
        path: the checkpoint file that will be written.

    Returns:
        ``path`` as a :class:`pathlib.Path`.

    Raises:
        TypeError: ``path`` is not a str or ``os.PathLike``.
        CheckpointPathError: (an ``OSError`` and a ``ValueError``) the path cannot be written:
            the message names it, the reason (read-only file system, permission, not a regular
            file...) and the fix.

    Examples:
        >>> import os, tempfile
        >>> from jaxnn import checkpoint
        >>> checkpoint.check_writable(os.path.join(tempfile.mkdtemp(), "run.safetensors")).name
        'run.safetensors'
        >>> checkpoint.check_writable("/dev/null")
        Traceback (most recent call last):
        ...
        jaxnn.checkpoint.CheckpointPathError: checkpoint: '/dev/null' exists and is a character device; a checkpoint replaces only a regular file (never a link, FIFO, device or directory). Choose a new file name, e.g. run.safetensors.
    """  # noqa: E501
    path = _check_path(path)
    _prepare_directory(path)
    _clean_stale_temps(path)
    try:
        fd, tmp = _locked_temp(path)
    except OSError as e:
        raise _path_error(path, e, "create a file next to") from None
    os.close(fd)
    Path(tmp).unlink(missing_ok=True)
    return path


# ---------------------------------------------------------------------------------------------
# save / load


def _tensor_digest(tensors: dict[str, np.ndarray]) -> str:
    """Version 1's digest: tensor names, dtypes, shapes and bytes (not the header)."""
    h = hashlib.sha256()
    for name in sorted(tensors, key=int):
        t = tensors[name]
        h.update(f"{name}:{t.dtype.str}:{t.shape};".encode())
        h.update(t.tobytes())
    return h.hexdigest()


def _file_digest(prefix: bytes, header: bytes, body: bytes | memoryview) -> str:
    """Version 2's digest: SHA-256 of the whole file, the digest's own characters zeroed."""
    h = hashlib.sha256(prefix)
    h.update(header)
    h.update(body)
    return h.hexdigest()


def _signed(data: bytes) -> bytes:
    """``data`` (written with the placeholder digest) with its real whole-file digest."""
    n = int.from_bytes(data[:8], "little")
    at = data.index(_DIGEST_KEY + _PLACEHOLDER.encode(), 8, 8 + n) + len(_DIGEST_KEY)
    digest = _file_digest(data[:8], data[8 : 8 + n], memoryview(data)[8 + n :])
    return data[:at] + digest.encode() + data[at + 64 :]


def _write(path: Path, data: bytes) -> None:
    """Writes ``data`` to a locked temporary file, fsyncs it, renames it over ``path``."""
    _prepare_directory(path)
    _clean_stale_temps(path)
    try:
        fd, tmp = _locked_temp(path)
    except OSError as e:
        raise _path_error(path, e, "create a temporary file next to") from None
    try:
        with os.fdopen(fd, "wb") as f:  # the lock lasts until the rename is done
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            _check_target(path)  # nothing that is not a regular file appeared meanwhile
            os.replace(tmp, path)
        _fsync_directory(path.parent)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, CheckpointPathError):
            raise
        raise _path_error(path, e, "write") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(path: str | os.PathLike, tree: Any, *, metadata: dict | None = None) -> None:
    """Writes ``tree`` to ``path`` atomically (locked temporary file, fsync, rename, fsync of
    the directory).

    Args:
        path: the file to write (parent directories are created). An existing file is replaced;
            an existing link, FIFO, device or directory is refused.
        tree: a pytree of arrays: params, optimizer states (NamedTuples, chain tuples), a
            training history (``jaxnn.train.History``); Python numbers and strings, ``None``
            and typed PRNG keys are kept too.
        metadata: optional JSON-serializable dict, returned by :func:`metadata`.

    Raises:
        TypeError: for a leaf or container that a checkpoint cannot hold, or metadata that is not
            JSON-serializable (the message names ``path`` too).
        CheckpointPathError: (an ``OSError`` and a ``ValueError``) ``path`` cannot be written
            (see :func:`check_writable`); the message names the path and the fix.
    """
    path = _check_path(path)
    where = f" (saving {str(path)!r})"
    if metadata is not None and not isinstance(metadata, dict):
        raise TypeError(
            f"checkpoint.save: `metadata` must be a dict or None, got {type(metadata).__name__}"
            f"{where}."
        )
    leaves: list[np.ndarray] = []
    try:
        description = describe(tree, leaves)
    except (TypeError, ValueError) as e:
        raise type(e)(f"{e}{where}") from None
    tensors = {str(i): np.require(a, requirements="C") for i, a in enumerate(leaves)}
    try:
        user = json.dumps(metadata if metadata is not None else {})
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"checkpoint.save: `metadata` must be JSON-serializable: {e}{where}"
        ) from None
    header = {
        "format": FORMAT,
        "version": str(VERSION),
        "tree": json.dumps(description),
        "sha256": _PLACEHOLDER,
        "metadata": user,
    }
    _write(path, _signed(st_numpy.save(tensors, metadata=header)))


def _corrupt(path: Path, what: str) -> CheckpointError:
    return CheckpointError(f"{str(path)!r} is not a readable jaxnn checkpoint: {what}.")


def _json(path: Path, text: bytes | str, what: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
        raise _corrupt(
            path, f"its {what} is not valid JSON (truncated or corrupted?): {e}"
        ) from None


def _open_regular(path: Path):
    """The file at ``path`` opened for reading, refusing anything but a regular file (a FIFO
    is opened non-blocking, so it cannot hang the reader)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise FileNotFoundError(f"no checkpoint at {str(path)!r}.") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise CheckpointError(f"{str(path)!r} is not a regular file, so not a checkpoint.")
    return os.fdopen(fd, "rb")


def _check_version(path: Path, meta: dict) -> str:
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{str(path)!r} is a safetensors file but not a jaxnn checkpoint.")
    version = meta.get("version", "?")
    if version not in _READABLE_VERSIONS:
        newer = isinstance(version, str) and version.isdigit() and int(version) > VERSION
        raise CheckpointError(
            f"{str(path)!r} has checkpoint format version {version}; this jaxnn reads versions "
            f"{', '.join(_READABLE_VERSIONS)}. Load it with the jaxnn version that wrote it"
            + (" (a newer one: upgrade jaxnn)." if newer else ".")
        )
    return version


def _tensor_table(path: Path, table: dict, body_size: int) -> list[tuple[np.dtype, tuple, int]]:
    """``(dtype, shape, offset)`` of tensors ``"0" .. "k-1"``, checked to tile the body."""
    if set(table) != {str(i) for i in range(len(table))}:
        raise _corrupt(path, "its tensors are not named 0 .. k-1")
    specs, end = [], 0
    for name in sorted(table, key=lambda k: _offsets(path, table[k])[0]):
        spec = table[name]
        dtype = DTYPES.get(spec.get("dtype")) if isinstance(spec, dict) else None
        shape = spec.get("shape") if isinstance(spec, dict) else None
        if dtype is None:
            raise _corrupt(path, f"tensor {name} has an unsupported dtype {spec!r:.80}")
        if not (isinstance(shape, list) and all(type(d) is int and d >= 0 for d in shape)):
            raise _corrupt(path, f"tensor {name} has an invalid shape {shape!r:.80}")
        start, stop = _offsets(path, spec)
        if start != end or stop - start != math.prod(shape) * dtype.itemsize:
            raise _corrupt(path, f"tensor {name}'s byte range {[start, stop]} is inconsistent")
        end = stop
        specs.append((int(name), dtype, tuple(shape), start))
    if end != body_size:
        raise _corrupt(
            path,
            f"its tensors take {end} bytes but the body has {body_size} (truncated or corrupted?)",
        )
    return [s[1:] for s in sorted(specs)]


def _offsets(path: Path, spec: Any) -> tuple[int, int]:
    offsets = spec.get("data_offsets") if isinstance(spec, dict) else None
    if not (
        isinstance(offsets, list) and len(offsets) == 2 and all(type(o) is int for o in offsets)
    ):
        raise _corrupt(path, f"a tensor has invalid data offsets {offsets!r:.80}")
    return offsets[0], offsets[1]


def _read_header(path: Path, f, size: int) -> tuple[bytes, bytes, dict, dict, list]:
    """``(prefix, raw header, metadata, tree description, tensor specs)``, all checked."""
    prefix = f.read(8)
    n = int.from_bytes(prefix, "little") if len(prefix) == 8 else -1
    if not 0 < n <= min(size - 8, _MAX_HEADER):
        raise _corrupt(
            path,
            f"its header length does not fit its size of {size} bytes (truncated or corrupted?)",
        )
    raw = f.read(n)
    header = _json(path, raw, "header")
    meta = header.pop("__metadata__", None) if isinstance(header, dict) else None
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise CheckpointError(f"{str(path)!r} is a safetensors file but not a jaxnn checkpoint.")
    _check_version(path, meta)
    specs = _tensor_table(path, header, size - 8 - n)
    description = _json(path, meta.get("tree", ""), "tree description")
    try:
        check_description(description, len(specs))
    except ValueError as e:
        raise _corrupt(path, f"its tree description is malformed: {e}") from None
    if not isinstance(_json(path, meta.get("metadata", ""), "metadata"), dict):
        raise _corrupt(path, "its metadata is not a JSON object")
    return prefix, raw, meta, description, specs


def _check_digest(path: Path, prefix: bytes, raw: bytes, meta: dict, body: bytes) -> None:
    stored = meta.get("sha256", "")
    if meta["version"] == "1":  # written before the digest covered the header
        return
    zeroed = raw.replace(_DIGEST_KEY + stored.encode(), _DIGEST_KEY + _PLACEHOLDER.encode())
    ok = (
        re.fullmatch(r"[0-9a-f]{64}", stored) is not None
        and raw.count(_DIGEST_KEY + stored.encode()) == 1
        and _file_digest(prefix, zeroed, body) == stored
    )
    if not ok:
        raise CheckpointError(
            f"{str(path)!r} is corrupted: its bytes do not match the stored SHA-256 digest of the "
            "whole file (header and tensors). Restore it from a copy or write it again."
        )


def _read(path: str | os.PathLike) -> tuple[dict[str, str], Any]:
    """``(metadata strings, tree)`` of the checkpoint at ``path``: the header is read and
    checked before any tensor byte; the whole file is checked against its digest."""
    path = _check_path(path)
    _clean_stale_temps(path)
    with _open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        prefix, raw, meta, description, specs = _read_header(path, f, size)
        body = f.read()
    if len(body) != size - 8 - len(raw):
        raise _corrupt(path, "it changed size while it was read")
    _check_digest(path, prefix, raw, meta, body)
    leaves = [
        np.frombuffer(body, dtype, math.prod(shape), offset).reshape(shape)
        for dtype, shape, offset in specs
    ]
    if meta["version"] == "1" and _tensor_digest(dict(enumerate(leaves))) != meta.get("sha256"):
        raise CheckpointError(
            f"{str(path)!r} is corrupted: its tensor bytes do not match the stored SHA-256 digest."
        )
    try:
        tree = rebuild(description, leaves[::-1])
    except ValueError as e:
        raise _corrupt(path, str(e)) from None
    return meta, tree


def metadata(path: str | os.PathLike) -> dict:
    """The ``metadata`` dict saved with the checkpoint at ``path`` (checked like :func:`load`)."""
    meta, _ = _read(path)
    return json.loads(meta["metadata"])


def load_with_metadata(path: str | os.PathLike) -> tuple[Any, dict]:
    """``(load(path), metadata(path))`` from one read of the file.

    Examples:
        >>> import os, tempfile, jax.numpy as jnp
        >>> path = os.path.join(tempfile.mkdtemp(), "run.safetensors")
        >>> save(path, {"w": jnp.ones(2)}, metadata={"epoch": 3})
        >>> tree, meta = load_with_metadata(path)
        >>> tree["w"].tolist(), meta
        ([1.0, 1.0], {'epoch': 3})
    """
    meta, tree = _read(path)
    return tree, json.loads(meta["metadata"])


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
        CheckpointError: (a ``ValueError``) not a regular file, truncated or corrupted (any byte
            of header or tensors: the digest covers the whole file), malformed header, another
            format version, or a structure/shape/dtype that differs from ``like`` (named in the
            message).
    """
    _, tree = _read(path)
    if like is None:
        return tree
    return match_template(tree, like, path)


def match_template(tree: Any, like: Any, path: Any, name: str = "like") -> Any:
    """A loaded ``tree`` rebuilt with ``like``'s structure; a CheckpointError names the first
    difference (``name`` is how the message calls the template: ``like``, or ``params`` for a
    resumed fit).
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
