"""Study statistics: medians with bootstrap intervals, tied rankings, the paper's question.

    median_ci(v)        the median of ``v`` and a percentile-bootstrap 95% interval of it
                        (``resamples`` resamples with replacement, fixed NumPy seed: reproducible)
    tied_ranks(m, lo, hi, higher_is_better)
                        rank_i = 1 + #{j : j's interval lies entirely on the better side of i's}
                        so optimizers whose intervals overlap share a rank (competition ranks)
    defaults_vs_tuned   per problem: the "portfolio" -- every optimizer at its defaults, the one
                        with the best validation median picked -- against each optimizer tuned
                        with the largest budget (Schmidt et al. 2021, section 4.2)

A value that is not finite (a diverged run scored NaN) counts as the worst possible value.

Examples:
    >>> m, lo, hi = median_ci([1.0, 2.0, 3.0, 4.0, 100.0])
    >>> m, lo <= m <= hi
    (3.0, True)
    >>> tied_ranks([0.9, 0.8, 0.5], [0.85, 0.7, 0.4], [0.95, 0.86, 0.6], higher_is_better=True)
    [1, 1, 3]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["defaults_vs_tuned", "median_ci", "oriented", "tied_ranks"]


def oriented(values: Any, higher_is_better: bool) -> np.ndarray:
    """``values`` as float64 with non-finite entries set to the worst value (-inf or +inf)."""
    v = np.asarray(values, np.float64)
    worst = -np.inf if higher_is_better else np.inf
    return np.where(np.isfinite(v), v, worst)


def median_ci(
    values: Sequence[float],
    *,
    level: float = 0.95,
    resamples: int = 2000,
    higher_is_better: bool = False,
    seed: int = 0,
) -> tuple[float, float, float]:
    """The median of ``values`` and its percentile-bootstrap ``level`` interval.

    ``B = resamples`` resamples of ``len(values)`` values drawn with replacement; the interval
    is the ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of their medians. Non-finite
    values count as the worst (``higher_is_better`` decides which side).

    Returns:
        ``(median, low, high)`` as floats (inf where the median itself is a diverged value).
    """
    v = oriented(values, higher_is_better)
    if v.size == 0:
        raise ValueError("`values` is empty: a median needs at least one run.")
    rng = np.random.default_rng(seed)
    samples = v[rng.integers(0, v.size, size=(resamples, v.size))]
    medians = np.sort(_median(samples))
    # order statistics, not interpolation: an interval end may be +-inf (diverged runs)
    low = medians[int(np.floor((1 - level) / 2 * (resamples - 1)))]
    high = medians[int(np.ceil((1 + level) / 2 * (resamples - 1)))]
    return float(_median(v[None])[0]), float(low), float(high)


def _median(rows: np.ndarray) -> np.ndarray:
    """The median of each row; the mean of the two middle values of an even row, computed so
    that two equal infinities give that infinity (never inf - inf)."""
    s = np.sort(rows, axis=-1)
    k = s.shape[-1]
    a, b = s[..., (k - 1) // 2], s[..., k // 2]
    return np.where(a == b, a, a / 2 + b / 2)


def tied_ranks(
    medians: Sequence[float],
    lows: Sequence[float],
    highs: Sequence[float],
    *,
    higher_is_better: bool,
) -> list[int]:
    """Competition ranks where overlapping intervals tie (module docstring).

    ``rank_i = 1 + #{j : low_j > high_i}`` when higher is better, ``#{j : high_j < low_i}``
    when lower is better. Ranks are ordered like the medians; two entries share a rank unless
    some entry's interval separates them.
    """
    lo, hi = np.asarray(lows, np.float64), np.asarray(highs, np.float64)
    del medians  # ranks come from the intervals; medians order entries of equal rank in tables
    if higher_is_better:
        better = lo[None, :] > hi[:, None]  # better[i, j]: j entirely above i
    else:
        better = hi[None, :] < lo[:, None]
    return [1 + int(row.sum()) for row in better]


def defaults_vs_tuned(
    summary: Sequence[dict], *, higher_is_better: dict[str, bool], budget: int
) -> list[dict]:
    """The paper's question on the data: several optimizers at defaults vs one tuned.

    For each problem: the portfolio picks, among all optimizers at budget 1, the one whose
    *validation* median is best (no test data used for the choice), and reports its test
    median and interval; then for each optimizer tuned with ``budget`` draws, whether the
    portfolio is better (its interval entirely on the better side), tied (overlap) or worse.

    Args:
        summary: rows with keys problem, optimizer, budget, valid_median, median, low, high.
        higher_is_better: ``{problem: bool}``.
        budget: the tuned budget to compare with (usually the largest).

    Returns:
        One dict per problem: problem, portfolio (the optimizer picked), its median / low /
        high, and better / tied / worse (lists of the tuned optimizers in each case).
    """
    out = []
    for problem in dict.fromkeys(r["problem"] for r in summary):
        hib = higher_is_better[problem]
        rows = [r for r in summary if r["problem"] == problem]
        base = [r for r in rows if r["budget"] == 1]
        tuned = [r for r in rows if r["budget"] == budget]
        if not base or not tuned:
            continue
        sign = 1.0 if hib else -1.0
        pick = max(base, key=lambda r: sign * oriented([r["valid_median"]], hib)[0])
        verdict: dict[str, list] = {"better": [], "tied": [], "worse": []}
        for r in tuned:
            verdict[_compare(pick, r, hib)].append(r["optimizer"])
        out.append(
            {
                "problem": problem,
                "portfolio": pick["optimizer"],
                "median": pick["median"],
                "low": pick["low"],
                "high": pick["high"],
                **verdict,
            }
        )
    return out


def _compare(a: dict, b: dict, higher_is_better: bool) -> str:
    """ "better" if ``a``'s interval lies entirely on the better side of ``b``'s, else "worse"
    if ``b``'s lies entirely on the better side of ``a``'s, else "tied"."""
    if higher_is_better:
        a, b = {"low": -a["high"], "high": -a["low"]}, {"low": -b["high"], "high": -b["low"]}
    if a["high"] < b["low"]:
        return "better"
    return "worse" if a["low"] > b["high"] else "tied"
