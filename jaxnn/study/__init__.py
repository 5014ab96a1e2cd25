"""Benchmarking optimizers across problems, tuning budgets and seeds (Schmidt et al., ICML 2021).

The book's chapter 9.4 ends with Table 9-1 and the claim that the newer optimizers are "faster
and more accurate". :func:`optimizer_study` asks the practitioner's question instead: across
problems, seeds and tuning budgets, which optimizer should I pick? It runs the protocol of
Schmidt, Schneider & Hennig, "Descending through a Crowded Valley -- Benchmarking Deep Learning
Optimizers" (ICML 2021) in miniature and exactly reproducibly: a budget of ``B`` random
hyperparameter draws (budget 1 = the defaults), the best draw picked on a validation split,
re-run over the seeds and scored on the test split. Every draw x seed of one (problem,
optimizer) is one lane of one vmapped, compiled program over :func:`jaxnn.train.make_epoch`.

    problems.py   the named offline problems and register_problem
    space.py      the optimizers' defaults and search ranges, the draws
    runner.py     the vmapped, memory-guarded, chunked (optionally sharded) runs
    protocol.py   optimizer_study: tuning, selection, re-run
    stats.py      medians, bootstrap intervals, tied ranks, defaults vs tuned
    result.py     StudyResult: rows (one per run), summary, CSV / JSON
    figures.py    metric vs budget, rank heat map, report_section (figures + table)
    cli.py        the jaxnn study command

Examples:
    >>> import jax
    >>> from jaxnn import study
    >>> r = study.optimizer_study(["rosenbrock"], ["sgd", "adam"], budgets=(1, 4), seeds=3,
    ...                           key=jax.random.key(0), epochs=20)
    >>> [row["phase"] for row in r.rows].count("tune"), len(r.summary)
    (8, 4)
"""

from jaxnn.study.problems import Problem, Split, get_problem, problem_names, register_problem
from jaxnn.study.protocol import optimizer_study
from jaxnn.study.result import StudyResult
from jaxnn.study.space import ALL_OPTIMIZERS, TABLE_9_1, Hyper, Space, get_space

__all__ = [
    "ALL_OPTIMIZERS",
    "TABLE_9_1",
    "Hyper",
    "Problem",
    "Space",
    "Split",
    "StudyResult",
    "get_problem",
    "get_space",
    "optimizer_study",
    "problem_names",
    "register_problem",
]
