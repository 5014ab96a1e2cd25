"""The ``jaxnn study`` command: its arguments and what it runs (registered by :mod:`jaxnn.cli`).

    jaxnn study --quick                          6 optimizers of Table 9-1, 4 problems,
                                                 budgets 1 and 8, 5 seeds
    jaxnn study                                  12 optimizers, 6 problems, budgets 1/8/32, 10 seeds
    jaxnn study --problems xor,digits --optimizers sgd,adam --budgets 1,8 --seeds 3 --out DIR

It prints the summary table and the defaults-vs-tuned verdicts; with ``--out DIR`` it writes
``study_runs.csv`` (one row per run), ``study.json`` (everything), ``study_summary.csv`` and the
figures ``study_metric_vs_budget.png`` and ``study_ranks.png``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["QUICK", "add_arguments", "run"]

QUICK = {
    "problems": ("xor", "digits", "diabetes", "rosenbrock"),
    "budgets": (1, 8),
    "seeds": 5,
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The study's own options (``--out``, ``--quick`` and ``--seed`` come from the CLI)."""
    for action in parser._actions:  # the CLI's generic --quick help says "seconds"
        if action.dest == "quick":
            action.help = (
                "6 optimizers (Table 9-1) x 4 problems, budgets 1 and 8, 5 seeds: 432 runs, "
                "1.5 minutes on a loaded 2-core CPU"
            )
    parser.add_argument(
        "--problems",
        default=None,
        help="comma-separated problem names "
        "(default: all six; --quick: xor,digits,diabetes,rosenbrock)",
    )
    parser.add_argument(
        "--optimizers",
        default=None,
        help="comma-separated optimizer names (default: all twelve; --quick: the six of Table 9-1)",
    )
    parser.add_argument(
        "--budgets",
        default=None,
        help="comma-separated tuning budgets (default 1,8,32; --quick 1,8)",
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=None,
        help="seeds per chosen configuration (default 10; --quick 5)",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="override every problem's epochs (default: each problem's own)",
    )


def _list(flag: str, text: str | None, default: tuple) -> tuple:
    if text is None:
        return default
    items = tuple(t.strip() for t in text.split(",") if t.strip())
    if not items:
        raise ValueError(
            f"{flag} must name at least one item, e.g. {flag} {','.join(default[:2])}."
        )
    return items


def _budgets(text: str | None, default: tuple) -> tuple:
    items = _list("--budgets", text, tuple(map(str, default)))
    try:
        return tuple(int(b) for b in items)
    except ValueError:
        raise ValueError(
            f"--budgets must be comma-separated integers such as 1,8,32, got {text!r}."
        ) from None


def run(args: argparse.Namespace, out: Path | None = None) -> int:
    """Runs the study of ``args``, prints its tables, writes its files into ``out`` (the
    ``--out`` directory, created and checked by the CLI; None: print only)."""
    import jax

    from jaxnn._table import format_table, write_csv
    from jaxnn.study import figures, problems, space
    from jaxnn.study.protocol import optimizer_study

    quick = bool(args.quick)
    probs = _list(
        "--problems", args.problems, QUICK["problems"] if quick else problems.problem_names()[:6]
    )
    opts = _list(
        "--optimizers", args.optimizers, space.TABLE_9_1 if quick else space.ALL_OPTIMIZERS
    )
    budgets = _budgets(args.budgets, QUICK["budgets"] if quick else (1, 8, 32))
    seeds = args.seeds if args.seeds is not None else QUICK["seeds"] if quick else 10
    result = optimizer_study(
        probs,
        opts,
        budgets=budgets,
        seeds=seeds,
        key=jax.random.key(args.seed),
        epochs=args.epochs,
        progress=True,
    )
    section = figures.report_section(result)
    print(
        f"test metric, median over {seeds} seeds [bootstrap 95% interval]; ranks tie where "
        "intervals overlap"
    )
    print(format_table(section.headers, section.rows))
    print()
    print("several optimizers at their defaults (best on validation) vs one tuned:")
    print(format_table(section.verdict_headers, section.verdict_rows))
    print()
    print(section.text)
    print(f"runs/s: {result.runs / max(result.wall_time, 1e-9):.1f} (wall, compile included)")
    if out is not None:
        summary = [
            {k: v for k, v in r.items() if k != "hparams"} | r["hparams"] for r in result.summary
        ]
        columns = list(dict.fromkeys(k for r in summary for k in r))
        rows = [[r.get(c, "") for c in columns] for r in summary]
        paths = [
            result.to_csv(out / "study_runs.csv"),
            result.to_json(out / "study.json"),
            write_csv(out / "study_summary.csv", columns, rows),
        ]
        for name, fig in section.figures.items():
            file = out / ("study_ranks.png" if name == "rank_heatmap" else f"study_{name}.png")
            fig.savefig(file, dpi=120, bbox_inches="tight")
            paths.append(file)
        for p in paths:
            print(f"wrote {p}")
    return 0
