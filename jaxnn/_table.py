"""Plain-text and CSV tables for the CLI and for experiment results (private)."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["format_table", "format_value", "plural", "write_csv"]


def format_value(value: Any, digits: int = 4) -> str:
    """Numbers in a compact form (general format, ``digits`` significant); others with str()."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return f"{value:.{digits}g}"
    try:  # NumPy / JAX scalars
        return format_value(value.item(), digits)
    except (AttributeError, ValueError):
        return str(value)


def plural(n: int, word: str) -> str:
    """``n`` and ``word``, with an ``s`` unless ``n`` is 1.

    Examples:
        >>> plural(1, "epoch"), plural(5000, "epoch")
        ('1 epoch', '5,000 epochs')
    """
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], digits: int = 4) -> str:
    """A left-aligned text table with a rule under the header.

    Examples:
        >>> print(format_table(["name", "x"], [["a", 1.23456], ["bb", 2]]))
        name  x
        ----  -----
        a     1.235
        bb    2
    """
    cells = [[str(h) for h in headers]] + [[format_value(v, digits) for v in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_csv(path: str | Path, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    """Writes a CSV file (numbers at full precision) and returns its path."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([v.item() if hasattr(v, "item") else v for v in row])
    return path
