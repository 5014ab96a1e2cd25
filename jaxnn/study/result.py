"""The result of an optimizer study: every run's numbers, the summary, rankings, files.

``StudyResult.rows`` holds one dict per training run (tuning and final runs):

    problem, optimizer, phase ("tune": one draw on the tuning seed; "final": the chosen
    configuration of one budget on one seed), budget (final runs; "" for tuning runs), draw
    (the draw index; -1 = the defaults), seed, every hyperparameter, final_loss, valid, test,
    diverged

``summary`` one dict per (problem, optimizer, budget): the test metric's median over the seeds
with its bootstrap 95% interval (low, high), the validation median, the diverged runs and the
chosen hyperparameters. ``to_csv`` / ``to_json`` write them so others can reuse every number.

Examples:
    >>> r = StudyResult(rows=[], summary=[{"problem": "p", "optimizer": "a", "budget": 1,
    ...     "median": 0.1, "low": 0.0, "high": 0.2, "valid_median": 0.1, "diverged": 0,
    ...     "hparams": {}}], problems={"p": {"metric": "loss", "higher_is_better": False}},
    ...     optimizers=("a",), budgets=(1,), seeds=3, runs=3, compile_time=0.0,
    ...     run_time=0.0, wall_time=0.0)
    >>> r.ranks(1)
    {'p': {'a': 1}}
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any, NamedTuple

from jaxnn.study.stats import defaults_vs_tuned, tied_ranks

__all__ = ["StudyResult"]


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


class StudyResult(NamedTuple):
    """What :func:`jaxnn.study.optimizer_study` returns (module docstring).

    Attributes:
        rows: one dict per run.
        summary: one dict per (problem, optimizer, budget).
        problems: ``{name: describe(problem)}`` (metric name, direction, sizes, budget).
        optimizers: the optimizers' names, in the study's order.
        budgets: the budgets, ascending.
        seeds: seeds per final configuration.
        runs: training runs made (tuning + final; a configuration chosen by two budgets is
            trained once).
        compile_time, run_time, wall_time: seconds: compiling (summed over the programs, which
            compile concurrently, so it can exceed the wall time), running, the whole call.
    """

    rows: list
    summary: list
    problems: dict
    optimizers: tuple
    budgets: tuple
    seeds: int
    runs: int
    compile_time: float
    run_time: float
    wall_time: float

    def cell(self, problem: str, optimizer: str, budget: int) -> dict:
        """The summary row of one (problem, optimizer, budget)."""
        for r in self.summary:
            if (r["problem"], r["optimizer"], r["budget"]) == (problem, optimizer, budget):
                return r
        raise KeyError(f"no summary row for ({problem!r}, {optimizer!r}, budget {budget}).")

    def ranks(self, budget: int | None = None) -> dict[str, dict[str, int]]:
        """``{problem: {optimizer: rank}}`` at ``budget`` (default: the largest), ties shared."""
        budget = self.budgets[-1] if budget is None else budget
        out = {}
        for p, meta in self.problems.items():
            cells = [self.cell(p, o, budget) for o in self.optimizers]
            ranks = tied_ranks(
                [c["median"] for c in cells],
                [c["low"] for c in cells],
                [c["high"] for c in cells],
                higher_is_better=meta["higher_is_better"],
            )
            out[p] = dict(zip(self.optimizers, ranks, strict=True))
        return out

    def defaults_vs_tuned(self, budget: int | None = None) -> list[dict]:
        """The paper's question per problem (:func:`jaxnn.study.stats.defaults_vs_tuned`)."""
        budget = self.budgets[-1] if budget is None else budget
        hib = {p: m["higher_is_better"] for p, m in self.problems.items()}
        return defaults_vs_tuned(self.summary, higher_is_better=hib, budget=budget)

    def table(self) -> tuple[list[str], list[list]]:
        """Headers and rows: per problem and optimizer, ``median [low, high]`` per budget and
        the rank at the smallest and largest budget."""
        first, last = self.budgets[0], self.budgets[-1]
        ranks_first, ranks_last = self.ranks(first), self.ranks(last)
        headers = ["problem", "metric", "optimizer"]
        headers += [f"B={b} median [95% CI]" for b in self.budgets]
        headers += [f"rank B={first}"] + ([f"rank B={last}"] if last != first else [])
        rows = []
        for p, meta in self.problems.items():
            for o in self.optimizers:
                row = [p, meta["metric"], o]
                for b in self.budgets:
                    c = self.cell(p, o, b)
                    row.append(f"{c['median']:.4g} [{c['low']:.4g}, {c['high']:.4g}]")
                row.append(ranks_first[p][o])
                if last != first:
                    row.append(ranks_last[p][o])
                rows.append(row)
        return headers, rows

    def to_csv(self, path: str | Path) -> Path:
        """Writes :attr:`rows` (one line per run) as CSV and returns the path."""
        path = Path(path)
        columns = list(dict.fromkeys(k for r in self.rows for k in r))
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=columns, restval="")
            writer.writeheader()
            writer.writerows(self.rows)
        return path

    def to_dict(self) -> dict:
        """Everything as plain JSON-ready data (non-finite numbers as None)."""
        return _finite(
            {
                "problems": self.problems,
                "optimizers": list(self.optimizers),
                "budgets": list(self.budgets),
                "seeds": self.seeds,
                "runs": self.runs,
                "compile_time": self.compile_time,
                "run_time": self.run_time,
                "wall_time": self.wall_time,
                "summary": self.summary,
                "ranks": {str(b): self.ranks(b) for b in self.budgets},
                "defaults_vs_tuned": self.defaults_vs_tuned(),
                "rows": self.rows,
            }
        )

    def to_json(self, path: str | Path) -> Path:
        """Writes :meth:`to_dict` as indented JSON and returns the path."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")
        return path
