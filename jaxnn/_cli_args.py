"""The command line's argument checks and file helpers (private to :mod:`jaxnn.cli`).

Values are parsed by argparse ``type`` objects (:class:`IntRange`, :class:`CommaList`) and
checked after parsing (:func:`check_values`), so that a bad value is one :class:`CLIError`
naming the flag the user typed; paths are checked before any work (:func:`prepare_out_dir`,
:func:`prepare_figure_file`). Nothing here imports more than the standard library.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "FIGURE_SUFFIXES",
    "CLIError",
    "CommaList",
    "IntRange",
    "check_values",
    "prepare_figure_file",
    "prepare_out_dir",
    "print_wrapped",
    "save_figure",
    "save_json",
]


class CLIError(Exception):
    """An error the user can fix; printed without a traceback."""


# --------------------------------------------------------------------------------------------
# Values as the user typed them: integers in a range and comma-separated lists. The parser turns
# text into values; the ranges and choices are checked after parsing (check_values) and reported
# as one CLIError naming the flag, exit code 2.


class IntRange:
    """An argparse ``type``: an integer, checked later to lie in ``[low, high]``."""

    def __init__(self, low: int, high: int):
        self.low, self.high = low, high
        self.__name__ = "int"  # argparse's message: "invalid int value: 'x'"

    def __call__(self, text: str) -> int:
        return int(text)

    def check(self, flag: str, value: int) -> None:
        if not self.low <= value <= self.high:
            raise CLIError(
                f"{flag} must be an integer from {self.low:,} to {self.high:,}, got {flag} {value}."
            )


class CommaList:
    """An argparse ``type``: ``"a,b,c"`` as a list, items parsed by ``item``; checked later
    against ``choices`` (when given) or the item's :class:`IntRange`."""

    def __init__(self, item: Callable[[str], Any] = str, choices: Sequence[str] | None = None):
        self.item, self.choices = item, choices
        self.__name__ = "comma-separated list"

    def __call__(self, text: str) -> list:
        values = []
        for part in (p.strip() for p in text.split(",")):
            if part:
                try:
                    values.append(self.item(part))
                except ValueError:
                    raise argparse.ArgumentTypeError(f"invalid int value: {part!r}") from None
        return values

    def check(self, flag: str, values: list) -> None:
        if not values:
            example = ",".join(self.choices[:2]) if self.choices else "2,5"
            raise CLIError(f"{flag} must name at least one value, e.g. {flag} {example}.")
        for value in values:
            if self.choices is not None and value not in self.choices:
                raise CLIError(
                    f"unknown {value!r} in {flag}; choose from {','.join(self.choices)}."
                )
            if isinstance(self.item, IntRange):
                self.item.check(flag, value)


def check_values(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Checks every :class:`IntRange`/:class:`CommaList` option of ``parser`` in ``args``."""
    for action in parser._actions:
        value = getattr(args, action.dest, None)
        if value is not None and hasattr(action.type, "check") and action.option_strings:
            action.type.check(action.option_strings[-1], value)


def prepare_out_dir(path: str | os.PathLike | None, flag: str = "--out") -> Path | None:
    """Creates ``path`` (and parents) and checks it is writable; ``None`` stays ``None``.

    Raises:
        CLIError: naming ``flag``, the directory and the reason when it is empty, cannot be
            created or cannot be written.
    """
    if path is None:
        return None
    if not str(path).strip():
        raise CLIError(f"{flag} '' names no directory; give one, e.g. {flag} results.")
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".jaxnn-write-test-"):
            pass
    except OSError as e:
        raise CLIError(
            f"cannot write to {flag} {str(out)!r}: {e.strerror or e}. Choose a writable directory."
        ) from None
    return out


FIGURE_SUFFIXES = (".png", ".pdf", ".svg")


def prepare_figure_file(path: str | None, flag: str = "--plot") -> Path | None:
    """Checks a figure file name before any work: not empty, not a directory, a known suffix
    (``.png``, ``.pdf``, ``.svg``), in a writable directory; ``None`` stays ``None``."""
    if path is None:
        return None
    if not str(path).strip():
        raise CLIError(f"{flag} '' names no file; give one, e.g. {flag} xor.png.")
    out = Path(path)
    if out.is_dir():
        raise CLIError(
            f"{flag} {path!r} is a directory; give a file name, e.g. {flag} {out / 'xor.png'}."
        )
    if out.suffix.lower() not in FIGURE_SUFFIXES:
        raise CLIError(
            f"{flag} {path!r} must end in {', '.join(FIGURE_SUFFIXES)}, e.g. "
            f"{flag} {out.with_suffix('.png')}."
        )
    try:
        prepare_out_dir(out.parent, flag=flag)
    except CLIError as e:
        reason = str(e).split(": ", 1)[1] if ": " in str(e) else str(e)
        raise CLIError(f"cannot write to {flag} {path!r}: {reason}") from None
    return out


def print_wrapped(text: str, width: int = 100) -> None:
    """Prints a paragraph wrapped to ``width`` columns."""
    import textwrap

    print(textwrap.fill(text, width, break_on_hyphens=False, break_long_words=False))


def save_json(path: Path, data: Any) -> Path:
    """Writes ``data`` as indented JSON (NumPy/JAX scalars and arrays converted)."""

    def default(o):
        if hasattr(o, "tolist"):
            return o.tolist()
        if hasattr(o, "_asdict"):
            return o._asdict()
        return str(o)

    path.write_text(json.dumps(data, indent=2, default=default) + "\n", encoding="utf-8")
    return path


def save_figure(fig: Any, path: Path) -> Path:
    """Saves a matplotlib figure (Agg; works with no display); the format from the suffix."""
    fig.savefig(path, dpi=120, bbox_inches="tight")
    return path
