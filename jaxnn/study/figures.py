"""Figures of an optimizer study (matplotlib, Agg-safe: no pyplot, no display), and a report
section for ``jaxnn tour``.

    metric_vs_budget(result)   one panel per problem: each optimizer's test median against the
                               budget, its bootstrap 95% interval as a band
    rank_heatmap(result)       problems x optimizers, the tied rank at one budget
    report_section(result)     both figures, the summary table and the defaults-vs-tuned
                               verdicts: what a report section needs

Examples:
    >>> from jaxnn.study.result import StudyResult
    >>> cells = [{"problem": "p", "optimizer": o, "budget": b, "median": m, "low": m - 0.1,
    ...           "high": m + 0.1, "valid_median": m, "diverged": 0, "hparams": {}, "draw": -1}
    ...          for o, m in (("sgd", 1.0), ("adam", 0.5)) for b in (1, 8)]
    >>> r = StudyResult([], cells, {"p": {"metric": "loss", "higher_is_better": False}},
    ...                 ("sgd", "adam"), (1, 8), 3, 12, 0.0, 0.0, 0.0)
    >>> len(metric_vs_budget(r).axes), rank_heatmap(r).axes[0].get_title()
    (1, 'rank at budget 8 (1 = best; ties share a rank)')
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from matplotlib.figure import Figure

from jaxnn.study.result import StudyResult

__all__ = ["StudySection", "metric_vs_budget", "rank_heatmap", "report_section"]


def _check_result(result: Any) -> None:
    if not isinstance(result, StudyResult):
        raise TypeError(
            f"`result` must be a jaxnn.study.StudyResult (from optimizer_study), got "
            f"{type(result).__name__}."
        )


def _clip(ends: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Interval ends with +-inf replaced by the most extreme finite end of the panel's line."""
    finite = np.concatenate([ends[np.isfinite(ends)], other[np.isfinite(other)]])
    if finite.size == 0:
        return ends
    return np.clip(ends, finite.min(), finite.max())


def metric_vs_budget(result: StudyResult, *, columns: int = 3) -> Figure:
    """Per problem, every optimizer's test metric (median, 95% band) against the budget.

    Diverged medians (inf) are not drawn; a band end at inf is clipped to the panel.
    """
    _check_result(result)
    problems = list(result.problems)
    cols = min(columns, len(problems))
    rows = -(-len(problems) // cols)
    fig = Figure(figsize=(4.2 * cols, 3.2 * rows), layout="constrained")
    budgets = np.asarray(result.budgets)
    for k, p in enumerate(problems):
        ax = fig.add_subplot(rows, cols, k + 1)
        meta = result.problems[p]
        for o in result.optimizers:
            cells = [result.cell(p, o, b) for b in result.budgets]
            med = np.array([c["median"] for c in cells], float)
            lo = np.array([c["low"] for c in cells], float)
            hi = np.array([c["high"] for c in cells], float)
            shown = np.isfinite(med)
            (line,) = ax.plot(budgets[shown], med[shown], marker="o", label=o)
            lo = _clip(lo, hi)
            hi = _clip(hi, lo)
            ax.fill_between(
                budgets[shown], lo[shown], hi[shown], color=line.get_color(), alpha=0.15
            )
        ax.set_xscale("log", base=2)
        ax.set_xticks(budgets, [str(b) for b in budgets])
        if not meta["higher_is_better"]:
            ax.set_yscale("log")
        arrow = "higher is better" if meta["higher_is_better"] else "lower is better"
        ax.set_title(f"{p}: {meta['metric']} ({arrow})", fontsize=9)
        ax.set_xlabel("tuning budget (draws; 1 = defaults)")
    fig.axes[0].legend(fontsize=7, ncols=2)
    return fig


def rank_heatmap(result: StudyResult, budget: int | None = None) -> Figure:
    """Problems x optimizers, each cell the optimizer's tied rank at ``budget`` (default: the
    largest), annotated; the last row is the mean rank."""
    _check_result(result)
    budget = result.budgets[-1] if budget is None else budget
    ranks = result.ranks(budget)
    problems = list(result.problems)
    grid = np.array([[ranks[p][o] for o in result.optimizers] for p in problems], float)
    grid = np.vstack([grid, grid.mean(axis=0)])
    labels = [*problems, "mean rank"]
    fig = Figure(figsize=(1.0 + 0.8 * len(result.optimizers), 1.0 + 0.45 * len(labels)),
                 layout="constrained")  # fmt: skip
    ax = fig.add_subplot()
    image = ax.imshow(grid, cmap="viridis_r", aspect="auto", vmin=1, vmax=len(result.optimizers))
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            text = f"{grid[i, j]:.0f}" if i < len(problems) else f"{grid[i, j]:.1f}"
            light = grid[i, j] < (1 + len(result.optimizers)) / 2  # yellow end of viridis_r
            color = "black" if light else "white"
            ax.text(j, i, text, ha="center", va="center", color=color, fontsize=8)
    ax.set_xticks(range(len(result.optimizers)), result.optimizers, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_title(f"rank at budget {budget} (1 = best; ties share a rank)")
    fig.colorbar(image, ax=ax, label="rank")
    return fig


class StudySection(NamedTuple):
    """What a report section about a study needs.

    Attributes:
        figures: ``{"metric_vs_budget": Figure, "rank_heatmap": Figure}``.
        headers, rows: the summary table (:meth:`StudyResult.table`).
        verdict_headers, verdict_rows: per problem, the defaults portfolio against each tuned
            optimizer (:meth:`StudyResult.defaults_vs_tuned`).
        text: a few sentences: the setting and the answer to the paper's question.
    """

    figures: dict
    headers: list
    rows: list
    verdict_headers: list
    verdict_rows: list
    text: str


def report_section(result: StudyResult) -> StudySection:
    """The figures, tables and text of a report section on ``result`` (for ``jaxnn tour``).

    Examples:
        >>> import jax
        >>> from jaxnn import study
        >>> r = study.optimizer_study(["rosenbrock"], ["sgd", "adam"], budgets=(1, 2),
        ...                           seeds=2, key=jax.random.key(0), epochs=5)
        >>> s = report_section(r)
        >>> sorted(s.figures), len(s.rows), s.verdict_headers[0]
        (['metric_vs_budget', 'rank_heatmap'], 2, 'problem')
    """
    _check_result(result)
    headers, rows = result.table()
    verdicts = result.defaults_vs_tuned()
    big = result.budgets[-1]
    v_headers = ["problem", "defaults portfolio picks", "its test median [95% CI]",
                 f"portfolio better than tuned (B={big})", "tied", "worse"]  # fmt: skip
    v_rows = [
        [v["problem"], v["portfolio"], f"{v['median']:.4g} [{v['low']:.4g}, {v['high']:.4g}]",
         ", ".join(v["better"]) or "-", ", ".join(v["tied"]) or "-", ", ".join(v["worse"]) or "-"]
        for v in verdicts
    ]  # fmt: skip
    n_opt = len(result.optimizers)
    as_good = sum(len(v["better"]) + len(v["tied"]) for v in verdicts)
    comparisons = sum(len(v["better"]) + len(v["tied"]) + len(v["worse"]) for v in verdicts)
    text = (
        f"{result.runs} training runs: {len(result.problems)} problems x {n_opt} optimizers, "
        f"budgets {', '.join(map(str, result.budgets))} (1 = defaults), {result.seeds} seeds per "
        f"chosen configuration; compile {result.compile_time:.1f} s, runs "
        f"{result.run_time:.1f} s, wall {result.wall_time:.1f} s. "
        f"Picking the best of the {n_opt} optimizers at their defaults on validation matched or "
        f"beat one optimizer tuned with {big} draws in {as_good} of {comparisons} comparisons "
        "(95% intervals over the seeds)."
    )
    figures = {"metric_vs_budget": metric_vs_budget(result), "rank_heatmap": rank_heatmap(result)}
    return StudySection(figures, headers, rows, v_headers, v_rows, text)
