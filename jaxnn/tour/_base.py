"""What every stage of the tour shares (private): settings, context, file writers, formats."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import jax

from jaxnn._table import write_csv
from jaxnn.report import FigureFile, Table


class TourSettings(NamedTuple):
    """The sizes of one tour mode (see :data:`jaxnn.tour.MODES`).

    Attributes:
        mode: ``"quick"``, ``"default"`` or ``"full"``.
        xor_epochs: epochs of the book's XOR run and its variants (the book: 5000).
        activation_grid: grid points for each derivative's maximum on [-10, 10].
        vanishing_depths: hidden-layer counts of the gradient-norm sweep.
        vanishing_seeds: networks per activation and depth (the median is reported).
        train_depth: hidden layers of the trained deep MLP.
        train_width: its units per hidden layer.
        train_epochs: its epochs of SGD.
        train_activations: the activations it is trained with.
        gd_models: models of the GD vs SGD comparison (``"linear"``, ``"mlp"``).
        gd_batch_sizes: its batch sizes (``None``: full batch).
        gd_epochs: its epochs (``None``: the experiment's default).
        gd_quick: its quick form (400 examples, 4 epochs).
        optimizer_names: the optimizers of the Table 9-1 comparison.
        optimizer_epochs: its epochs (``None``: its default).
        optimizer_quick: its quick form (3 epochs).
        path_surfaces: surfaces drawn besides the ill-conditioned quadratic's story.
        validate_configs: validation rows by exact name (``None``: see ``validate_optimizers``).
        validate_optimizers: validation rows by optimizer name (``None``: every row).
        validate_steps: steps per validated configuration.
        validate_dtypes: the dtypes validated.
        figure_dpi: resolution of the PNG figures.
        contour_grid: grid points per axis of the contour plots.
    """

    mode: str
    xor_epochs: int
    activation_grid: int
    vanishing_depths: tuple[int, ...]
    vanishing_seeds: int
    train_depth: int
    train_width: int
    train_epochs: int
    train_activations: tuple[str, ...]
    gd_models: tuple[str, ...]
    gd_batch_sizes: tuple[int | None, ...]
    gd_epochs: int | None
    gd_quick: bool
    optimizer_names: tuple[str, ...]
    optimizer_epochs: int | None
    optimizer_quick: bool
    path_surfaces: tuple[str, ...]
    validate_configs: tuple[str, ...] | None
    validate_optimizers: tuple[str, ...] | None
    validate_steps: int
    validate_dtypes: tuple[str, ...]
    figure_dpi: int
    contour_grid: int


class Context(NamedTuple):
    """Where a stage writes (``out``), its sizes, the run's seed and the report's language."""

    out: Path
    settings: TourSettings
    seed: int
    lang: str = "en"

    def pick(self, en: Any, ko: Any) -> Any:
        """``ko`` in the Korean report, ``en`` otherwise."""
        return ko if self.lang == "ko" else en

    def key(self) -> jax.Array:
        """``jax.random.key(seed)``: the key the matching ``jaxnn`` command uses, so a stage
        and its command give the same numbers for the same ``--seed``."""
        return jax.random.key(self.seed)


# --------------------------------------------------------------------------------------------
# Writing files and formatting numbers


def plain(obj: Any) -> Any:
    """NamedTuples as dicts, arrays as lists, NaN and inf as None: valid JSON."""
    if hasattr(obj, "_asdict"):
        return {k: plain(v) for k, v in obj._asdict().items()}
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [plain(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "tolist"):
        return plain(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if callable(obj):
        return getattr(obj, "__name__", repr(obj))
    return obj


def save_json(ctx: Context, name: str, data: Any) -> str:
    """Writes ``data`` (made plain) as indented JSON to ``ctx.out / name``; returns ``name``."""
    text = json.dumps(plain(data), indent=2, allow_nan=False, ensure_ascii=False)
    (ctx.out / name).write_text(text + "\n", encoding="utf-8")
    return name


def save_figure(ctx: Context, fig: Any, name: str, caption: str) -> FigureFile:
    """Saves a matplotlib figure as PNG at the mode's resolution (the figures lay themselves
    out: no tight bounding box, one render instead of two). In the Korean report the figure's
    texts and the caption are Korean (:mod:`jaxnn.tour._ko`)."""
    if ctx.lang == "ko":
        from jaxnn.tour import _ko

        _ko.localize_figure(fig)
        caption = _ko.CAPTIONS.get(name, caption)
    fig.savefig(ctx.out / name, dpi=ctx.settings.figure_dpi)
    return FigureFile(name, caption)


def save_table(ctx: Context, name: str, title: str, headers, rows) -> Table:
    """Writes the table as CSV (full precision) and returns it as a :class:`Table`; in the
    Korean report its title and headers are Korean (the CSV keeps the English headers)."""
    write_csv(ctx.out / name, headers, rows)
    if ctx.lang == "ko":
        from jaxnn.tour import _ko

        title, headers = _ko.TABLE_TITLES.get(name, title), _ko.table_headers(headers)
    return Table(title, list(headers), [list(r) for r in rows], name)


def fmt(x: float, digits: int = 3) -> str:
    """A number in short general form (``digits`` significant), ``nan``/``inf`` spelled out."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf"
    return f"{x:.{digits}g}"


def plural(n: float, word: str) -> str:
    """``"1 epoch"``, ``"4 epochs"``, ``"2.5 epochs"`` (``n`` in short general form)."""
    return f"{fmt(n)} {word}" + ("" if float(n) == 1 else "s")


def pct(x: float) -> str:
    """A share as a percentage with one decimal."""
    return f"{100 * float(x):.1f}%"


def file_names(section_files: Sequence[Any]) -> tuple[str, ...]:
    """The file names of tables, figures and plain names, in order, without repeats."""
    names = []
    for f in section_files:
        name = f.file if isinstance(f, FigureFile | Table) else f
        if name and name not in names:
            names.append(name)
    return tuple(names)
