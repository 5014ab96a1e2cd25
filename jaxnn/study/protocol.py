"""The tuning protocol of Schmidt, Schneider & Hennig (ICML 2021), in miniature.

For each problem ``p`` and optimizer ``o``, with ``B_max = max(budgets)``:

    1. tuning: draws d_0 .. d_{B_max-1} = space.draws(o, draw_key(key, p, o), B_max), each
       trained once on the problem's tuning seed and scored on the validation split
    2. selection: budget 1 -> the defaults; budget B > 1 -> the best of d_0 .. d_{B-1} on
       validation (a run scored NaN counts as the worst; ties -> the first draw)
    3. re-run: each chosen configuration trained once per seed (init and minibatch order
       vary), scored on the test split: median and bootstrap 95% interval over the seeds

The seeds' keys depend on the problem only (every optimizer sees the same initial parameters
and orders): seed ``s`` is ``fold_in(fold_in(fold_in(key, id("seeds")), id(p)), s)``, the tuning
seed ``fold_in(fold_in(key, id("tune")), id(p))`` (``id`` = :func:`~jaxnn.study.space.name_id`).
All runs of one (problem, optimizer) go through one compiled, vmapped program
(:mod:`jaxnn.study.runner`); the programs of all pairs are compiled ahead, several at once in
a thread pool (one thread per CPU core), while the runs go one pair after another.
"""

from __future__ import annotations

import concurrent.futures
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh

from jaxnn._validation import check_int
from jaxnn.study import runner, space, stats
from jaxnn.study.problems import Problem, describe, get_problem
from jaxnn.study.result import StudyResult

__all__ = ["optimizer_study", "runs_per_chunk", "seed_keys", "tuning_key"]


def seed_keys(key: jax.Array, problem: str, seeds: int) -> jax.Array:
    """The ``(seeds,)`` keys of a problem's final runs (module docstring)."""
    base = jax.random.fold_in(
        jax.random.fold_in(key, space.name_id("seeds")), space.name_id(problem)
    )
    return jax.vmap(lambda s: jax.random.fold_in(base, s))(np.arange(seeds))


def tuning_key(key: jax.Array, problem: str) -> jax.Array:
    """The key of a problem's tuning runs (one seed, shared by every draw and optimizer)."""
    return jax.random.fold_in(
        jax.random.fold_in(key, space.name_id("tune")), space.name_id(problem)
    )


def _names(name: str, values: Any, known: Sequence[str]) -> list:
    if isinstance(values, str | Problem):
        values = [values]
    try:
        values = list(values)
    except TypeError:
        raise TypeError(
            f"`{name}` must be a list of names such as {list(known[:2])}, got {values!r}."
        ) from None
    if not values:
        raise ValueError(f"`{name}` is empty: name at least one, e.g. {list(known[:2])}.")
    labels = [getattr(v, "name", v) for v in values]
    twice = sorted({str(v) for v in labels if labels.count(v) > 1})
    if twice:
        raise ValueError(f"`{name}` names {', '.join(twice)} more than once; list each once.")
    return values


def _check_budgets(budgets: Any) -> tuple[int, ...]:
    try:
        values = list(budgets)
    except TypeError:
        raise TypeError(
            f"`budgets` must be a list of integers >= 1 such as (1, 8), got {budgets!r}."
        ) from None
    if not values:
        raise ValueError("`budgets` is empty: give at least one budget, e.g. budgets=(1, 8).")
    values = [
        check_int(
            "budgets", b, minimum=1, hint="Each budget is a number of draws, e.g. (1, 8, 32)."
        )
        for b in values
    ]
    return tuple(sorted(set(values)))


def _check_key(key: Any) -> jax.Array:
    if not isinstance(key, jax.Array) or not (
        jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key) or key.shape == (2,)
    ):
        raise TypeError(f"`key` must be one JAX PRNG key such as jax.random.key(0), got {key!r}.")
    return key


def _select(valid: np.ndarray, budgets: Sequence[int], higher_is_better: bool) -> dict[int, int]:
    """``{budget: chosen draw}``, -1 for the defaults (budget 1)."""
    scores = stats.oriented(valid, higher_is_better)
    pick = np.argmax if higher_is_better else np.argmin
    return {b: -1 if b == 1 else int(pick(scores[:b])) for b in budgets}


def _hparams_of(table: dict[str, np.ndarray], i: int) -> dict[str, float]:
    return {k: float(v[i]) for k, v in table.items()}


def _row(
    p: str, o: str, phase: str, budget: Any, draw: int, seed: Any, hp: dict, runs, i: int
) -> dict:
    return {
        "problem": p, "optimizer": o, "phase": phase, "budget": budget, "draw": draw,
        "seed": seed, **hp, "final_loss": float(runs.epoch_loss[i, -1]),
        "valid": float(runs.valid[i]), "test": float(runs.test[i]),
        "diverged": bool(runs.diverged[i]),
    }  # fmt: skip


def runs_per_chunk(budgets: Sequence[int], seeds: int) -> int:
    """The runs of one compiled call of a (problem, optimizer): enough for the tuning runs and
    for the final runs (the memory guard may lower it), so that both use one program."""
    return max(budgets[-1] if budgets[-1] > 1 else 0, len(budgets) * seeds)


def _study_pair(problem: Problem, sp: space.Space, key, budgets, seeds, epochs, memory, mesh):
    """Rows, summary rows, run count and times of one (problem, optimizer)."""
    p, o, hib = problem.name, sp.name, problem.higher_is_better
    b_max = budgets[-1]
    size = runs_per_chunk(budgets, seeds)
    common = dict(epochs=epochs, max_memory=memory, mesh=mesh, runs_per_chunk=size)
    rows, times, count = [], [0.0, 0.0], 0
    table = space.defaults(sp)
    chosen = {b: -1 for b in budgets}
    if b_max > 1:
        table = space.draws(sp, space.draw_key(key, p, o), b_max)
        tune_keys = jax.numpy.stack([tuning_key(key, p)] * b_max)
        tuned = runner.train_runs(problem, sp, table, tune_keys, **common)
        rows += [
            _row(p, o, "tune", "", i, "tune", _hparams_of(table, i), tuned, i) for i in range(b_max)
        ]
        times = [tuned.compile_time, tuned.run_time]
        count += b_max
        chosen = _select(tuned.valid, budgets, hib)
    configs = sorted(set(chosen.values()))  # each chosen configuration trained once
    base = space.defaults(sp)
    hps = [_hparams_of(base, 0) if d == -1 else _hparams_of(table, d) for d in configs]
    final_hp = {k: np.repeat([h[k] for h in hps], seeds) for k in hps[0]}
    keys = jax.numpy.tile(seed_keys(key, p, seeds), len(configs))
    final = runner.train_runs(problem, sp, final_hp, keys, **common)
    times = [times[0] + final.compile_time, times[1] + final.run_time]
    count += len(configs) * seeds
    summary = []
    for b in budgets:
        c = configs.index(chosen[b])
        idx = range(c * seeds, (c + 1) * seeds)
        rows += [_row(p, o, "final", b, chosen[b], s, hps[c], final, i) for s, i in enumerate(idx)]
        med, low, high = stats.median_ci(final.test[list(idx)], higher_is_better=hib)
        vmed = stats.median_ci(final.valid[list(idx)], higher_is_better=hib, resamples=1)[0]
        summary.append({
            "problem": p, "optimizer": o, "budget": b, "median": med, "low": low, "high": high,
            "valid_median": vmed, "diverged": int(final.diverged[list(idx)].sum()),
            "draw": chosen[b], "hparams": hps[c],
        })  # fmt: skip
    return rows, summary, count, times


def optimizer_study(
    problems: Sequence[str | Problem],
    optimizers: Sequence[str],
    *,
    budgets: Sequence[int] = (1, 8, 32),
    seeds: int = 10,
    key: jax.Array,
    epochs: int | None = None,
    max_memory: int | None = None,
    mesh: Mesh | None = None,
    progress: bool | Callable | None = None,
) -> StudyResult:
    """Benchmarks optimizers over problems, tuning budgets and seeds (module docstring).

    Args:
        problems: problem names (:func:`~jaxnn.study.problem_names`) or :class:`Problem`\\ s.
        optimizers: optimizer names (:data:`~jaxnn.study.space.ALL_OPTIMIZERS`).
        budgets: tuning budgets in draws (default (1, 8, 32); 1 = the defaults).
        seeds: seeds per chosen configuration (default 10, >= 1).
        key: a JAX PRNG key: the draws and the seeds derive from it.
        epochs: override every problem's epochs (default None: each problem's own).
        max_memory: bytes one compiled call may use (default: half the accelerator / a
            quarter of the RAM).
        mesh: a ``jax.sharding.Mesh``: the runs axis is split over its devices.
        progress: True prints one line per (problem, optimizer) to stderr; a callable gets
            ``progress(done, total, problem, optimizer)``; None/False nothing.

    Returns:
        :class:`~jaxnn.study.StudyResult`.

    Raises:
        ValueError, TypeError: an unknown problem or optimizer, empty ``budgets``, a budget
            or ``seeds`` below 1, a key that is not a PRNG key, a bad ``mesh``.

    Examples:
        >>> import jax
        >>> r = optimizer_study(["xor"], ["sgd", "adam"], budgets=(1, 2), seeds=2,
        ...                     key=jax.random.key(0), epochs=5)
        >>> r.runs, len(r.rows), sorted(r.ranks()["xor"])
        (12, 12, ['adam', 'sgd'])
    """
    t_start = time.perf_counter()
    probs = [get_problem(p) for p in _names("problems", problems, ["xor", "digits"])]
    spaces = [space.get_space(o) for o in _names("optimizers", optimizers, ["sgd", "adam"])]
    budgets = _check_budgets(budgets)
    seeds = check_int("seeds", seeds, minimum=1, hint="Use seeds=10 (the paper's) or more.")
    key = _check_key(key)
    if epochs is not None:
        epochs = check_int("epochs", epochs, minimum=1)
    if max_memory is not None:
        max_memory = check_int("max_memory", max_memory, minimum=1)
    if mesh is not None and not isinstance(mesh, Mesh):
        raise TypeError(f"`mesh` must be a jax.sharding.Mesh or None, got {type(mesh).__name__}.")
    report = _progress(progress)
    rows, summary, runs, times = [], [], 0, [0.0, 0.0]
    pairs = [(p, s, p.epochs if epochs is None else epochs) for p in probs for s in spaces]
    # every pair's program compiled ahead in a thread pool (XLA compiles outside the GIL)
    workers = max(1, min(len(pairs), os.cpu_count() or 1))
    with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="study-compile") as pool:
        compiles = [
            pool.submit(runner.precompile, problem, sp, key, epochs=e, max_memory=max_memory,
                        runs_per_chunk=runs_per_chunk(budgets, seeds), mesh=mesh)
            for problem, sp, e in pairs
        ]  # fmt: skip
        for i, (problem, sp, e) in enumerate(pairs):
            compile_time = compiles[i].result()
            r, s, n, t = _study_pair(problem, sp, key, budgets, seeds, e, max_memory, mesh)
            rows += r
            summary += s
            runs += n
            times = [times[0] + compile_time + t[0], times[1] + t[1]]
            report(i + 1, len(pairs), problem.name, sp.name)
    meta = {p.name: describe(p) for p in probs}
    if epochs is not None:
        for m in meta.values():
            m["epochs"] = epochs
    return StudyResult(
        rows, summary, meta, tuple(s.name for s in spaces), budgets, seeds, runs,
        times[0], times[1], time.perf_counter() - t_start,
    )  # fmt: skip


def _progress(progress: Any) -> Callable:
    if callable(progress):
        return progress
    if progress is None or progress is False:
        return lambda *args: None
    if progress is True:

        def show(done, total, problem, optimizer):
            print(f"study: {done}/{total} {problem} x {optimizer}", file=sys.stderr, flush=True)

        return show
    raise TypeError(f"`progress` must be True, False, None or a callable, got {progress!r}.")
