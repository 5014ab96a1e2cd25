"""jaxnn.study: a study's runs are fit's runs; the protocol checked by hand; stats; files; errors.

References: every run of a study is re-made alone with ``jaxnn.train.fit`` from the keys the
protocol documents (seed_keys / tuning_key / draws); the selection, the re-run and the summary
are recomputed in plain Python/NumPy from the rows; the defaults are compared with the
optimizer factories' own signatures.

Tolerance: the study's runs are vmapped lanes of one program and fit's run is a program of its
own: XLA may fuse the batched arithmetic differently, so the last float32 bits may differ and
carry through the epochs (measured on these cases: <= 2e-6 relative). Hence RTOL 1e-5.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnn import cli, optim, train
from jaxnn.study import (
    ALL_OPTIMIZERS,
    TABLE_9_1,
    Problem,
    figures,
    get_problem,
    get_space,
    optimizer_study,
    problem_names,
    protocol,
    register_problem,
    runner,
    space,
    stats,
)
from tests.study_parallel_script import tiny_problem

ROOT = Path(__file__).resolve().parents[1]
RTOL = 1e-5  # float32, vmapped vs alone (module docstring)
ATOL = 1e-7
KEY = jax.random.key(7)


if "tiny_test" not in problem_names():
    register_problem("tiny_test", tiny_problem)
TINY = get_problem("tiny_test")


@pytest.fixture(scope="module")
def result():
    return optimizer_study([TINY], ["momentum", "adam"], budgets=(1, 3, 5), seeds=3, key=KEY)


def _fit(problem: Problem, name: str, hp: dict, run_key, epochs: int | None = None):
    init_key, data_key = jax.random.split(run_key)
    out = train.fit(
        problem.loss, problem.init(init_key), get_space(name).factory(**hp), *problem.train,
        batch_size=problem.batch_size, epochs=epochs or problem.epochs, key=data_key,
        progress=False,
    )  # fmt: skip
    return (
        out,
        float(problem.metric(out.params, *problem.valid)),
        float(problem.metric(out.params, *problem.test)),
    )


def _hp(row: dict, name: str) -> dict:
    return {k: row[k] for k in get_space(name).defaults}


# -- a study's run is the run fit makes alone ------------------------------------------------


@pytest.mark.parametrize("phase", ["tune", "final"])
def test_study_runs_equal_fit_alone(result, phase):
    rows = [r for r in result.rows if r["phase"] == phase and r["optimizer"] == "adam"]
    seeds = protocol.seed_keys(KEY, "tiny_test", 3)
    for row in rows[-1:]:  # one run each (every fit call compiles its own program)
        run_key = protocol.tuning_key(KEY, "tiny_test") if phase == "tune" else seeds[row["seed"]]
        out, valid, test = _fit(TINY, "adam", _hp(row, "adam"), run_key)
        np.testing.assert_allclose(row["final_loss"], out.history.epoch_loss[-1], rtol=RTOL)
        np.testing.assert_allclose([row["valid"], row["test"]], [valid, test], rtol=RTOL)


@pytest.mark.slow
def test_full_batch_xor_run_equals_fit():
    r = optimizer_study(["xor"], ["nesterov"], budgets=(2,), seeds=2, key=KEY, epochs=12)
    row = next(r for r in r.rows if r["phase"] == "final" and r["seed"] == 1)
    out, valid, _ = _fit(get_problem("xor"), "nesterov", _hp(row, "nesterov"),
                         protocol.seed_keys(KEY, "xor", 2)[1], epochs=12)  # fmt: skip
    np.testing.assert_allclose(row["valid"], valid, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(row["final_loss"], out.history.epoch_loss[-1], rtol=RTOL)


def test_memory_guard_chunks_give_the_same_runs():
    s = get_space("adam")
    hp, keys = space.draws(s, KEY, 5), jax.random.split(KEY, 5)
    whole = runner.train_runs(TINY, s, hp, keys, epochs=2)
    per_run = runner.run_bytes(TINY, s, 2)
    parts = runner.train_runs(TINY, s, hp, keys, epochs=2, max_memory=2 * per_run)
    assert (whole.chunks, parts.chunks, parts.runs_per_chunk) == (1, 3, 2)  # 2 + 2 + 1 (padded)
    np.testing.assert_allclose(parts.test, whole.test, rtol=RTOL)
    np.testing.assert_allclose(parts.epoch_loss, whole.epoch_loss, rtol=RTOL)


# -- the protocol, by hand -------------------------------------------------------------------


def test_draws_come_from_the_key_and_are_nested(result):
    s = get_space("adam")
    want = space.draws(s, space.draw_key(KEY, "tiny_test", "adam"), 5)
    tune = [r for r in result.rows if r["phase"] == "tune" and r["optimizer"] == "adam"]
    assert [r["draw"] for r in tune] == list(range(5))
    for name in ("learning_rate", "b1", "b2"):
        np.testing.assert_array_equal([r[name] for r in tune], want[name])
    fewer = space.draws(s, space.draw_key(KEY, "tiny_test", "adam"), 3)
    np.testing.assert_array_equal(fewer["learning_rate"], want["learning_rate"][:3])
    lr = want["learning_rate"]
    assert np.all((lr >= 1e-4) & (lr <= 1e-1)) and len(set(lr.tolist())) == 5
    other = space.draws(s, space.draw_key(jax.random.key(8), "tiny_test", "adam"), 5)
    assert not np.array_equal(other["learning_rate"], lr)


@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_selection_on_validation_and_rerun_on_seeds(result, name):
    tune = [r for r in result.rows if r["phase"] == "tune" and r["optimizer"] == name]
    for budget in (3, 5):
        best = min(range(budget), key=lambda i: tune[i]["valid"])  # lower MSE is better
        final = [r for r in result.rows if r["phase"] == "final" and r["budget"] == budget
                 and r["optimizer"] == name]  # fmt: skip
        assert [r["seed"] for r in final] == [0, 1, 2]
        assert {r["draw"] for r in final} == {best}
        assert _hp(final[0], name) == _hp(tune[best], name)
        cell = result.cell("tiny_test", name, budget)
        assert cell["median"] == pytest.approx(float(np.median([r["test"] for r in final])))
        assert cell["low"] <= cell["median"] <= cell["high"]


def test_same_seeds_for_every_optimizer_and_budget(result):
    """Seed s of every final run of a problem has the same initial parameters (the test split
    metric differs only by the optimizer): the keys depend on the problem and seed only."""
    a = protocol.seed_keys(KEY, "tiny_test", 3)
    b = protocol.seed_keys(KEY, "tiny_test", 5)[:3]
    np.testing.assert_array_equal(jax.random.key_data(a), jax.random.key_data(b))


def test_budget_one_is_the_defaults(result):
    for name in ("momentum", "adam"):
        rows = [r for r in result.rows if r["budget"] == 1 and r["optimizer"] == name]
        assert {r["draw"] for r in rows} == {-1}
        assert _hp(rows[0], name) == pytest.approx(get_space(name).defaults)
    row = next(r for r in result.rows if r["budget"] == 1 and r["optimizer"] == "adam")
    init_key, data_key = jax.random.split(protocol.seed_keys(KEY, "tiny_test", 3)[row["seed"]])
    out = train.fit(TINY.loss, TINY.init(init_key), optim.adam(1e-3), *TINY.train,
                    batch_size=8, epochs=3, key=data_key, progress=False)  # fmt: skip
    np.testing.assert_allclose(row["final_loss"], out.history.epoch_loss[-1], rtol=RTOL)


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_defaults_are_the_factories_defaults(name):
    s = get_space(name)
    signature = inspect.signature(s.factory).parameters
    for k, v in s.defaults.items():
        if k != "learning_rate" or signature[k].default is not inspect.Parameter.empty:
            assert signature[k].default == v, (name, k)
    assert s.ranges[0].name == "learning_rate"
    assert set(h.name for h in s.ranges) <= set(s.defaults)


@pytest.mark.slow
def test_only_tuned_budgets_run_draws():
    r = optimizer_study([TINY], ["sgd"], budgets=(1,), seeds=2, key=KEY)
    assert r.runs == 2 and [row["phase"] for row in r.rows] == ["final", "final"]


def test_study_is_reproducible_from_the_key(result):
    again = optimizer_study([TINY], ["adam"], budgets=(1, 3, 5), seeds=3, key=KEY)
    mine = [r for r in result.rows if r["optimizer"] == "adam"]
    assert [r["test"] for r in again.rows] == [r["test"] for r in mine]


def test_run_count_trains_a_shared_choice_once(result):
    for name in ("momentum", "adam"):
        configs = {result.cell("tiny_test", name, b)["draw"] for b in (1, 3, 5)}
        assert len(configs) >= 2
    assert result.runs == sum(5 + 3 * len({result.cell("tiny_test", n, b)["draw"] for b in (1, 3, 5)})
                              for n in ("momentum", "adam"))  # fmt: skip


# -- statistics against plain references ------------------------------------------------------


def test_median_ci_matches_a_plain_bootstrap():
    v = np.array([0.3, 0.1, 0.7, 0.2, 0.9, 0.4])
    rng = np.random.default_rng(0)
    meds = np.sort([np.median(v[rng.integers(0, 6, 6)]) for _ in range(2000)])
    assert stats.median_ci(v) == pytest.approx((0.35, meds[int(0.025 * 1999)], meds[1949]))
    assert stats.median_ci([2.0, 2.0, 2.0]) == (2.0, 2.0, 2.0)


def test_median_ci_counts_divergence_as_worst():
    assert stats.median_ci([np.nan, np.nan, 1.0])[0] == np.inf
    assert stats.median_ci([np.nan, 0.9, 0.8], higher_is_better=True)[0] == 0.8


def test_tied_ranks_by_hand():
    # lower is better: a [1, 2], b [1.5, 3] overlap -> tie; c [4, 5] above both -> rank 3
    assert stats.tied_ranks([1.5, 2, 4.5], [1, 1.5, 4], [2, 3, 5], higher_is_better=False) == [
        1, 1, 3,
    ]  # fmt: skip
    assert stats.tied_ranks([1, 2], [0, 3], [1, 4], higher_is_better=True) == [2, 1]


def test_defaults_vs_tuned_by_hand():
    cells = [
        {"problem": "p", "optimizer": "a", "budget": 1, "valid_median": 0.9, "median": 0.9,
         "low": 0.85, "high": 0.95},
        {"problem": "p", "optimizer": "b", "budget": 1, "valid_median": 0.5, "median": 0.5,
         "low": 0.4, "high": 0.6},
        {"problem": "p", "optimizer": "a", "budget": 8, "valid_median": 0.9, "median": 0.92,
         "low": 0.9, "high": 0.97},
        {"problem": "p", "optimizer": "b", "budget": 8, "valid_median": 0.7, "median": 0.7,
         "low": 0.6, "high": 0.8},
    ]  # fmt: skip
    (v,) = stats.defaults_vs_tuned(cells, higher_is_better={"p": True}, budget=8)
    assert (v["portfolio"], v["better"], v["tied"], v["worse"]) == ("a", ["b"], ["a"], [])


# -- results, files, figures, CLI -------------------------------------------------------------


def test_rows_csv_json(result, tmp_path):
    import csv

    with open(result.to_csv(tmp_path / "runs.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(result.rows)
    assert float(rows[-1]["test"]) == pytest.approx(result.rows[-1]["test"])
    saved = json.loads(result.to_json(tmp_path / "s.json").read_text())
    assert saved["runs"] == result.runs and len(saved["summary"]) == 6
    assert saved["ranks"]["5"]["tiny_test"].keys() == {"momentum", "adam"}


def test_report_section(result):
    s = figures.report_section(result)
    assert len(s.rows) == 2 and s.headers[3].startswith("B=1")
    assert len(s.figures["metric_vs_budget"].axes) == 1
    assert "training runs" in s.text and s.verdict_rows[0][0] == "tiny_test"


def test_cli_writes_the_files(tmp_path, capsys):
    argv = ["study", "--problems", "tiny_test", "--optimizers", "sgd", "--budgets", "1",
            "--seeds", "2", "--out", str(tmp_path)]  # fmt: skip
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "tiny_test" in out and "defaults" in out
    names = {p.name for p in tmp_path.iterdir()}
    assert {"study_runs.csv", "study.json", "study_summary.csv", "study_ranks.png"} <= names
    runs = (tmp_path / "study_runs.csv").read_text().splitlines()
    assert len(runs) == 3 and all(",final,1,-1," in line for line in runs[1:])  # no tuning


@pytest.mark.parametrize(
    "flag, value, words",
    [("--budgets", "1,x", "comma-separated integers"), ("--optimizers", ",", "at least one"),
     ("--problems", "nope", "unknown problem"), ("--seeds", "0", "--seeds must be")],
)  # fmt: skip
def test_cli_bad_input(flag, value, words, capsys):
    assert cli.main(["study", flag, value, "--problems", "xor"] if flag != "--problems"
                    else ["study", flag, value]) == 2  # fmt: skip
    assert words in capsys.readouterr().err


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(problems=["nope"]), ValueError, "unknown problem 'nope'"),
        (dict(optimizers=["adamm"]), ValueError, "unknown optimizer 'adamm'"),
        (dict(problems=[]), ValueError, "`problems` is empty"),
        (dict(optimizers=["sgd", "sgd"]), ValueError, "more than once"),
        (dict(budgets=()), ValueError, "`budgets` is empty"),
        (dict(budgets=(1, 0)), ValueError, "`budgets` must be >= 1"),
        (dict(budgets=(1.5,)), TypeError, "`budgets` must be an integer"),
        (dict(seeds=0), ValueError, "`seeds` must be >= 1"),
        (dict(key=0), TypeError, "`key` must be one JAX PRNG key"),
        (dict(epochs=0), ValueError, "`epochs` must be >= 1"),
        (dict(mesh="cpu"), TypeError, "`mesh` must be a jax.sharding.Mesh"),
        (dict(progress="yes"), TypeError, "`progress` must be"),
    ],
)
def test_bad_input(kwargs, error, words):
    args = dict(problems=["xor"], optimizers=["sgd"], budgets=(1,), seeds=1, key=KEY)
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        optimizer_study(**{**args, **kwargs})


def test_register_problem_rejects_a_taken_name():
    with pytest.raises(ValueError, match="already registered"):
        register_problem("xor", tiny_problem)


def test_table_9_1_names():
    assert TABLE_9_1 == ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
    assert len(ALL_OPTIMIZERS) == 12 and set(TABLE_9_1) < set(ALL_OPTIMIZERS)


@pytest.mark.slow
def test_traced_hyperparameters_of_every_optimizer():
    """Every hyperparameter of every space is traced inside the vmap (one program per
    optimizer): a vmapped update equals the update built from Python floats."""
    p = jnp.array([1.0, -2.0])
    for name in ALL_OPTIMIZERS:
        s = get_space(name)
        hp = space.draws(s, jax.random.key(1), 2)

        def two_steps(h, s=s):
            opt = s.factory(**h)
            u, st = opt.update(p, opt.init(p), p)
            return opt.update(p + u, st, p + u)[0]

        batched = jax.vmap(two_steps)({k: jnp.asarray(v) for k, v in hp.items()})
        alone = two_steps({k: float(v[1]) for k, v in hp.items()})
        np.testing.assert_allclose(batched[1], alone, rtol=1e-6, err_msg=name)


# -- sharded runs -------------------------------------------------------------------------------


@pytest.mark.slow
def test_sharded_equals_unsharded_on_four_devices():
    r = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "study_parallel_script.py")],
        capture_output=True, text=True, timeout=600, cwd=ROOT, env=dict(os.environ),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-4000:]
    report = json.loads(r.stdout)
    assert report["devices"] == 4 and report["shards"] == 4
    np.testing.assert_allclose(report["sharded"], report["single"], rtol=1e-6, atol=1e-7)


@pytest.mark.slow
def test_two_processes_with_jax_distributed_equal_one():
    """jax.distributed on localhost, CPU collectives (gloo, jax's default for CPU in 0.10):
    a study whose mesh spans 2 processes x 2 devices gives every process the same rows, equal
    to the study in this process on one device."""
    import socket

    with socket.socket() as s:
        s.bind(("localhost", 0))
        port = s.getsockname()[1]
    script = str(ROOT / "tests" / "study_distributed_script.py")
    procs = [
        subprocess.Popen([sys.executable, script, str(i), str(port)], cwd=ROOT, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ))
        for i in (0, 1)
    ]  # fmt: skip
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-4000:]
    reports = [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]
    assert [r["process"] for r in reports] == [0, 1]
    assert all(r["devices"] == 4 and r["local_devices"] == 2 for r in reports)
    assert all(r["program_devices"] == 4 for r in reports)
    single = optimizer_study([tiny_problem()], ["adam"], budgets=(1, 3), seeds=3, key=KEY)
    want = [[r["final_loss"], r["valid"], r["test"]] for r in single.rows]
    for r in reports:
        np.testing.assert_allclose(r["rows"], want, rtol=1e-6, atol=1e-7)
