"""Chapters 8-9 of *모두의 딥러닝* as functions that return results (no plotting, no printing).

Each chapter lives in its own module and is re-exported here; results are named tuples of
arrays and plain numbers, ready for :mod:`jaxnn.plot` and the CLI:

- ch. 8 (backpropagation on XOR): :mod:`jaxnn.experiments.xor`
- ch. 9.4 (GD vs SGD, optimizer comparison, optimizer paths): :mod:`jaxnn.experiments.optimizers`,
  :mod:`jaxnn.experiments.paths`
- research sweeps (many seeds x learning rates in one compiled program):
  :mod:`jaxnn.experiments.sweeps`
"""

from jaxnn.experiments.optimizers import (
    GdVsSgdResult,
    GdVsSgdRun,
    OptimizerComparison,
    OptimizerRun,
    compare_optimizers,
    gd_vs_sgd,
    python_loop_fit,
    within_noise,
)
from jaxnn.experiments.paths import (
    PathsResult,
    PathStats,
    default_optimizers,
    ill_conditioned_story,
    optimizer_paths,
    paths_table,
)
from jaxnn.experiments.sweeps import (
    XOR_LEARNING_RATES,
    LrCurve,
    LrSensitivity,
    XorSolveRate,
    lr_sensitivity,
    xor_solve_rate,
)
from jaxnn.experiments.xor import (
    XorResult,
    XorVariant,
    book_initial_params,
    xor_book,
    xor_book_variants,
    xor_verdict,
)

__all__: list[str] = [
    # ch. 8
    "XorResult",
    "XorVariant",
    "book_initial_params",
    "xor_book",
    "xor_book_variants",
    "xor_verdict",
    # ch. 9.4
    "GdVsSgdResult",
    "GdVsSgdRun",
    "OptimizerComparison",
    "OptimizerRun",
    "PathStats",
    "PathsResult",
    "compare_optimizers",
    "default_optimizers",
    "gd_vs_sgd",
    "ill_conditioned_story",
    "optimizer_paths",
    "paths_table",
    "python_loop_fit",
    "within_noise",
    # research sweeps
    "XOR_LEARNING_RATES",
    "LrCurve",
    "LrSensitivity",
    "XorSolveRate",
    "lr_sensitivity",
    "xor_solve_rate",
]
