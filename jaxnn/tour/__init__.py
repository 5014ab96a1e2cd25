"""The tour: every experiment of chapters 8-9 of *모두의 딥러닝*, in order, as one report.

jaxnn follows chapters 8 and 9 of the textbook *모두의 딥러닝* (Deep Learning for Everyone, 2nd
ed., Gilbut) and a lecture on them.

:func:`run_tour` runs seven stages, one per chapter of the book, and writes to one directory
every figure (PNG), every table (CSV), each stage's numbers (JSON), ``report.md``,
``report.json`` and a self-contained ``index.html``:

    xor          ch. 8    the book's XOR backprop run, the corrected rule, the lesson
    activations  ch. 9.3  sigmoid, tanh, ReLU, softplus and their derivatives (figs 9-3, 9-4)
    vanishing    ch. 9.3  gradient norm per layer by activation and depth; a deep MLP trained
                          with each activation (fig 9-2)
    gd-vs-sgd    ch. 9.4  full-batch GD vs SGD vs minibatches, compiled and in a Python loop
                          (fig 9-5)
    optimizers   ch. 9.4  the Table 9-1 optimizers train one MLP from one initialization
    paths        ch. 9.4  optimizer paths on 2-D surfaces: momentum damps the zig-zag (fig 9-6)
    conformance  ch. 9.4  Table 9-1 in jaxnn beside optax (and the book's Keras calls beside
                          their optax recipes), step by step

Each stage is a function ``stage(context) -> Section`` (see :mod:`jaxnn.report`): what the book
says, what this run measured (numbers), tables, figures, and a two-line reading generated from
the numbers. Three sizes (:data:`MODES`): ``"quick"`` (seconds of compute, for tests),
``"default"`` (about a minute on a 2-core CPU, where XLA compilation is most of the time) and
``"full"`` (more seeds, depths, epochs, all four surfaces, every validation configuration in
float32 and float64). The command line is ``jaxnn tour``.

Examples:
    >>> STAGES
    ('xor', 'activations', 'vanishing', 'gd-vs-sgd', 'optimizers', 'paths', 'conformance')
    >>> MODES["default"].vanishing_depths
    (2, 5, 10, 20)
"""

from __future__ import annotations

import datetime
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from jaxnn._env import environment
from jaxnn._validation import check_choice, check_int
from jaxnn.report import Report, Section, render_html, render_markdown
from jaxnn.tour import _ko
from jaxnn.tour._base import Context, TourSettings, plain
from jaxnn.tour._ch8 import stage_xor
from jaxnn.tour._ch9_3 import stage_activations, stage_vanishing
from jaxnn.tour._ch9_4 import stage_gd_vs_sgd, stage_optimizers, stage_paths
from jaxnn.tour._conformance import stage_conformance

__all__ = [
    "DEFAULT_OUT",
    "LANGS",
    "MODES",
    "STAGES",
    "TourSettings",
    "run_tour",
    "write_report",
]

LANGS = ("en", "ko")
"""The report's languages: English (default) and Korean, the language of the lecture."""

DEFAULT_OUT = "jaxnn-report"
"""The directory ``jaxnn tour`` writes to by default."""

_ACTIVATIONS = ("sigmoid", "tanh", "relu", "softplus")
_TABLE_9_1 = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
_KERAS = ("keras.SGD", "keras.Adagrad", "keras.RMSprop", "keras.Adam")

MODES: dict[str, TourSettings] = {
    "quick": TourSettings(
        mode="quick",
        xor_epochs=1000,
        activation_grid=2001,
        vanishing_depths=(6,),
        vanishing_seeds=2,
        train_depth=4,
        train_width=32,
        train_epochs=3,
        train_activations=("sigmoid", "relu"),
        gd_models=("linear",),
        gd_batch_sizes=(None, 1),
        gd_epochs=None,
        gd_quick=True,
        optimizer_names=("sgd", "momentum", "adam"),
        optimizer_epochs=None,
        optimizer_quick=True,
        path_surfaces=(),
        validate_configs=(*_TABLE_9_1, "keras.Adam"),
        validate_optimizers=None,
        validate_steps=50,
        validate_dtypes=("float32",),
        figure_dpi=72,
        contour_grid=60,
    ),
    "default": TourSettings(
        mode="default",
        xor_epochs=5000,
        activation_grid=20001,
        vanishing_depths=(2, 5, 10, 20),
        vanishing_seeds=5,
        train_depth=8,
        train_width=32,
        train_epochs=20,
        train_activations=_ACTIVATIONS,
        gd_models=("linear",),
        gd_batch_sizes=(None, 1, 10, 100),
        gd_epochs=20,
        gd_quick=False,
        optimizer_names=_TABLE_9_1,
        optimizer_epochs=20,
        optimizer_quick=False,
        path_surfaces=("rosenbrock",),
        validate_configs=None,
        validate_optimizers=(*_TABLE_9_1, *_KERAS),
        validate_steps=200,
        validate_dtypes=("float32",),
        figure_dpi=100,
        contour_grid=150,
    ),
    "full": TourSettings(
        mode="full",
        xor_epochs=5000,
        activation_grid=200001,
        vanishing_depths=(2, 5, 10, 20, 30),
        vanishing_seeds=10,
        train_depth=8,
        train_width=32,
        train_epochs=50,
        train_activations=_ACTIVATIONS,
        gd_models=("linear", "mlp"),
        gd_batch_sizes=(None, 1, 10, 100),
        gd_epochs=50,
        gd_quick=False,
        optimizer_names=_TABLE_9_1,
        optimizer_epochs=50,
        optimizer_quick=False,
        path_surfaces=("rosenbrock", "beale", "saddle", "quadratic"),
        validate_configs=None,
        validate_optimizers=None,
        validate_steps=500,
        validate_dtypes=("float32", "float64"),
        figure_dpi=120,
        contour_grid=200,
    ),
}
"""The three sizes of the tour: ``"quick"``, ``"default"``, ``"full"``."""


class _Stage(NamedTuple):
    name: str
    label: str
    run: Callable[[Context], Section]


_STAGES = (
    _Stage("xor", "ch. 8 XOR backprop", stage_xor),
    _Stage("activations", "ch. 9.3 activations", stage_activations),
    _Stage("vanishing", "ch. 9.3 vanishing gradients", stage_vanishing),
    _Stage("gd-vs-sgd", "ch. 9.4 GD vs SGD", stage_gd_vs_sgd),
    _Stage("optimizers", "ch. 9.4 optimizers", stage_optimizers),
    _Stage("paths", "ch. 9.4 optimizer paths", stage_paths),
    _Stage("conformance", "ch. 9.4 optax conformance", stage_conformance),
)

STAGES: tuple[str, ...] = tuple(s.name for s in _STAGES)
"""The stage names, in the book's order."""


# --------------------------------------------------------------------------------------------
# Running and writing


def write_report(report: Report, out: str | Path) -> list[Path]:
    """Writes ``report.md``, ``index.html`` (figures embedded) and ``report.json`` into ``out``.

    Args:
        report: a :class:`jaxnn.report.Report` whose figures are PNG files in ``out``.
        out: the report directory (it must exist).

    Returns:
        The three paths written.

    Examples:
        >>> import tempfile
        >>> from jaxnn.report import Report
        >>> paths = write_report(Report("T", "s", (), {}, 0.0), tempfile.mkdtemp())
        >>> [p.name for p in paths]
        ['report.md', 'index.html', 'report.json']
    """
    out = Path(out)
    md = out / "report.md"
    md.write_text(render_markdown(report), encoding="utf-8")
    page = out / "index.html"
    page.write_text(render_html(report, out), encoding="utf-8")
    summary = out / "report.json"
    data = {
        "title": report.title,
        "subtitle": report.subtitle,
        "settings": report.settings,
        "seconds": report.seconds,
        "sections": [s._asdict() for s in report.sections],
    }
    summary.write_text(
        json.dumps(plain(data), indent=2, allow_nan=False, ensure_ascii=False) + "\n", "utf-8"
    )
    return [md, page, summary]


def run_tour(
    out: str | Path = DEFAULT_OUT,
    *,
    mode: str = "default",
    seed: int = 0,
    stages: Sequence[str] | None = None,
    progress: bool | None = None,
    echo: Callable[[str], Any] | None = None,
    lang: str = "en",
) -> Report:
    """Runs the book's chapters 8-9 in order and writes the report into ``out``.

    Each stage writes its figures (PNG), tables (CSV) and numbers (JSON) into ``out``; at the
    end :func:`write_report` adds ``report.md``, ``index.html`` and ``report.json``. One tqdm
    progress bar (on stderr) advances once per stage.

    Args:
        out: the report directory (created if needed; default ``"jaxnn-report"``).
        mode: ``"quick"`` (seconds of compute), ``"default"`` (about a minute on 2 CPU cores)
            or ``"full"`` (several minutes); see :data:`MODES`.
        seed: the random seed of every stage (default 0); the XOR run always uses the book's
            ``random.seed(777)`` weights.
        stages: a subset of :data:`STAGES` (run in the book's order); default all seven.
        progress: show the progress bar (default: when stderr is a terminal).
        echo: called with one line per finished stage (its first reading line and time).
        lang: ``"en"`` (default) or ``"ko"``: the report in Korean (headings, the lecture's
            own sentences, table titles and headers, captions, readings, figure texts).

    Returns:
        The :class:`jaxnn.report.Report`, one section per stage.

    Raises:
        ValueError, TypeError: for an unknown ``mode`` or stage, or a non-integer ``seed``.

    Examples:
        >>> import tempfile
        >>> report = run_tour(tempfile.mkdtemp(), mode="quick", stages=["activations"],
        ...                   progress=False)
        >>> [s.id for s in report.sections], report.sections[0].figures[0].file
        (['ch9.3-activations'], 'activations.png')
        >>> report.sections[0].reading[0][:40]
        "sigmoid's derivative is at most 0.25 (at"
    """
    check_choice("mode", mode, tuple(MODES))
    check_choice("lang", lang, LANGS)
    seed = check_int("seed", seed)
    if stages is None:
        chosen = list(_STAGES)
    else:
        if isinstance(stages, str):
            stages = (stages,)
        for name in stages:
            check_choice("stages", name, STAGES)
        chosen = [s for s in _STAGES if s.name in set(stages)]
    if progress is None:
        progress = bool(getattr(sys.stderr, "isatty", lambda: False)())
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    settings = MODES[mode]
    ctx = Context(out, settings, seed, lang)
    from tqdm.auto import tqdm

    start = time.perf_counter()
    sections = []
    bar = tqdm(total=len(chosen), unit="stage", disable=not progress, file=sys.stderr, leave=False)
    try:
        for stage in chosen:
            bar.set_description_str(stage.label)
            t0 = time.perf_counter()
            section = stage.run(ctx)
            section = section._replace(seconds=time.perf_counter() - t0)
            if lang == "ko":
                section = section._replace(
                    title=_ko.TITLES[section.id], book_says=_ko.BOOK_SAYS[section.id]
                )
            sections.append(section)
            bar.update(1)
            if echo is not None:
                with tqdm.external_write_mode(file=sys.stderr):  # the bar steps aside
                    echo(f"{stage.label} ({section.seconds:.1f} s): {section.reading[0]}")
    finally:
        bar.close()
    seconds = time.perf_counter() - start
    env = environment()
    flag = {"quick": " --quick", "full": " --full"}.get(mode, "")
    subtitle = (
        f"Made by `jaxnn tour{flag}` on {datetime.date.today().isoformat()} in {seconds:.0f} s: "
        f"jaxnn {env['jaxnn']}, JAX {env['jax']} ({env['backend']}, {env['cpu_count']} CPUs), "
        f"optax {env['optax']}, Python {env['python']}; seed {seed}. Every number below comes "
        "from this run. Source: chapters 8-9 of the textbook 모두의 딥러닝 (Deep Learning for "
        "Everyone, 2nd ed., Gilbut) and a lecture on them."
    )
    if lang == "ko":
        subtitle = (
            f"`jaxnn tour{flag} --lang ko`로 {datetime.date.today().isoformat()}에 {seconds:.0f}초 "
            f"동안 만듦: jaxnn {env['jaxnn']}, JAX {env['jax']} ({env['backend']}, CPU "
            f"{env['cpu_count']}개), optax {env['optax']}, Python {env['python']}; 시드 {seed}. "
            "아래의 모든 숫자는 이번 실행에서 나왔다. "
            "원전: 《모두의 딥러닝》(개정 2판, 길벗) 8-9장과 그 강의."
        )
    report = Report(
        title=_ko.TITLE
        if lang == "ko"
        else "jaxnn tour: chapters 8-9 of 모두의 딥러닝, run and measured",
        subtitle=subtitle,
        sections=tuple(sections),
        settings={
            "mode": mode,
            "seed": seed,
            "lang": lang,
            "sizes": settings._asdict(),
            "environment": env,
        },
        seconds=seconds,
        lang=lang,
    )
    write_report(report, out)
    return report
