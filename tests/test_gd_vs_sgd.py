"""Ch. 9.4 experiments: gd_vs_sgd, compare_optimizers, their figures and subcommands (Agg).

One xdist group: the experiments, the figures and the CLI share the compiled programs that
jaxnn.train.fit caches, so each configuration compiles once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from jaxnn import cli, plot
from jaxnn.experiments import compare_optimizers, gd_vs_sgd

pytestmark = pytest.mark.xdist_group("ch9_4_optimizers")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gd():
    return gd_vs_sgd(quick=True)


@pytest.fixture(scope="module")
def comparison():
    return compare_optimizers(optimizers=["adam"], epochs=2)  # one compile; --quick has all six


def test_gd_vs_sgd_quick_returns_the_documented_fields(gd):
    pytest.importorskip("sklearn")
    assert gd.dataset == "diabetes" and gd.model == "linear" and gd.n == 400  # quick: 400
    assert gd.target_loss == pytest.approx(1.04 * gd.optimal_loss, abs=1e-4)
    assert 0.4 < gd.optimal_loss < 0.55  # least squares on standardized diabetes (R^2 ~ 0.5)
    names = [(r.name, r.mode) for r in gd.runs]
    assert names == [
        (name, mode)
        for name in ("GD", "SGD", "minibatch 10", "minibatch 100")
        for mode in ("compiled", "python_loop")
    ]
    for r in gd.runs:
        assert r.epochs == 4 and r.loss.shape == r.wall_time.shape == r.examples.shape == (5,)
        assert np.all(np.isfinite(r.loss)) and r.loss[-1] < r.loss[0] == pytest.approx(1.0)
        assert r.wall_time[0] == 0 and np.all(np.diff(r.wall_time) > 0)
        np.testing.assert_array_equal(r.examples, np.arange(5) * 400)
        assert r.steps_per_epoch == {None: 1, 1: 400, 10: 40, 100: 4}[r.batch_size]
        assert r.compile_time >= 0 and r.epoch_time > 0 and r.updates_per_second > 0
        assert r.final_loss == r.loss[-1] and r.learning_rate > 0
        if np.isfinite(r.time_to_target):
            i = int(r.examples_to_target // 400)
            assert r.loss[i] <= gd.target_loss < min(r.loss[:i])
            assert r.time_to_target == r.wall_time[i]
    by = {(r.name, r.mode): r for r in gd.runs}
    for name in ("GD", "SGD", "minibatch 10", "minibatch 100"):
        # the two execution modes make the same updates on the same batches
        np.testing.assert_allclose(
            by[name, "compiled"].loss, by[name, "python_loop"].loss, rtol=2e-5
        )
    # the figure 9-5 story in examples: SGD reaches the target after fewer examples than GD
    assert by["SGD", "compiled"].examples_to_target < by["GD", "compiled"].examples_to_target


def test_gd_vs_sgd_falls_back_to_generated_regression(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    r = gd_vs_sgd(batch_sizes=(None,), modes=("compiled",), quick=True)
    assert r.dataset == "regression" and r.n == 400 and len(r.runs) == 1
    assert r.runs[0].loss[-1] < r.runs[0].loss[0]
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        gd_vs_sgd(dataset="diabetes", batch_sizes=(None,), modes=("compiled",), epochs=1)


def test_gd_vs_sgd_bad_arguments():
    with pytest.raises(ValueError, match="modes"):
        gd_vs_sgd(modes=("eager",))
    with pytest.raises(ValueError, match="learning_rates"):
        gd_vs_sgd(batch_sizes=(7,))
    with pytest.raises(ValueError, match="model"):
        gd_vs_sgd(model="cnn")


def test_compare_optimizers_same_init_and_documented_fields(comparison):
    r = comparison
    assert r.dataset in ("digits", "blobs") and r.sizes == (64, 64, 10)
    assert r.n_train % r.batch_size == 0 and r.n_train + r.n_test == 1797
    assert [run.name for run in r.runs] == ["adam"]
    for run in r.runs:
        assert run.train_loss.shape == run.test_loss.shape == run.test_accuracy.shape == (2,)
        assert np.all(np.isfinite(run.test_loss)) and run.stopped == "epochs"
        assert np.all((run.test_accuracy >= 0) & (run.test_accuracy <= 1))
        assert run.final_test_accuracy > 0.5  # chance is 0.1
        assert run.train_time > 0 and run.compile_time >= 0
    assert r.runs[0].hyperparameters == {"learning_rate": 0.001}


def test_comparison_table_has_one_row_per_run(comparison):
    headers, rows = comparison.table()
    assert headers[:5] == [
        "optimizer",
        "hyperparameters",
        "train loss",
        "test loss",
        "test accuracy",
    ]
    (run,) = comparison.runs
    (row,) = rows
    assert row[0] == "adam" and row[2] == float(run.train_loss[-1])
    assert row[3:5] == [run.final_test_loss, run.final_test_accuracy]
    assert row[-1] == run.stopped and len(row) == len(headers)


def test_compare_optimizers_falls_back_to_blobs(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    r = compare_optimizers(
        optimizers=["adam"], epochs=2
    )  # same shapes: the compiled loop is reused
    assert r.dataset == "blobs" and r.sizes == (64, 64, 10)
    with pytest.raises(ValueError, match="optimizers"):
        compare_optimizers(optimizers=["lbfgs"])


def test_figures_under_agg(gd, comparison):
    fig = plot.gd_vs_sgd_curves(gd)
    time_ax, epoch_ax = fig.axes
    assert time_ax.get_xscale() == "log" and len(time_ax.get_lines()) == 8 + 1  # + target line
    styles = {line.get_label(): line.get_linestyle() for line in time_ax.get_lines()}
    assert styles["SGD (compiled)"] == "-" and styles["SGD (python loop)"] == "--"
    assert "epochs" in epoch_ax.get_xlabel()
    fig = plot.optimizer_comparison(comparison)
    assert [len(ax.get_lines()) for ax in fig.axes] == [1, 1, 1]
    assert fig.axes[2].get_ylabel() == "test accuracy"
    fig.canvas.draw()  # renders under Agg without a display


def test_gd_vs_sgd_command_prints_a_table_and_saves(tmp_path, capsys, gd):
    assert cli.main(["gd-vs-sgd", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "updates/s" in out and "python_loop" in out and "minibatch 100" in out
    for name in ("gd_vs_sgd.csv", "gd_vs_sgd.json", "gd_vs_sgd.png"):
        assert (tmp_path / name).stat().st_size > 0
    saved = json.loads((tmp_path / "gd_vs_sgd.json").read_text())
    assert len(saved["runs"]) == 8 and len(saved["runs"][0]["loss"]) == 5
    assert saved["target_loss"] == pytest.approx(gd.target_loss)
    assert (tmp_path / "gd_vs_sgd.csv").read_text().count("\n") == 9


def test_optimizers_command_prints_a_table_and_saves(tmp_path, capsys):
    args = ["optimizers", "--quick", "--optimizers", "adam", "--epochs", "2", "--out"]
    assert cli.main([*args, str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "test accuracy" in out and "adam" in out
    saved = json.loads((tmp_path / "optimizers.json").read_text())
    assert [run["name"] for run in saved["runs"]] == ["adam"]
    assert (tmp_path / "optimizers.png").stat().st_size > 0


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["optimizers", "--optimizers", "sgd,lbfgs"], "optimizers"),
        (["optimizers", "--epochs", "0"], "epochs"),
        (["gd-vs-sgd", "--epochs", "-1"], "epochs"),
    ],
)
def test_bad_values_are_one_line_errors(args, words, capsys):
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and "Traceback" not in err


@pytest.mark.slow
def test_optimizers_quick_all_six(tmp_path):
    assert cli.main(["optimizers", "--quick", "--out", str(tmp_path)]) == 0
    saved = json.loads((tmp_path / "optimizers.json").read_text())
    names = [run["name"] for run in saved["runs"]]
    assert names == ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]
    assert all(run["stopped"] == "epochs" for run in saved["runs"])


@pytest.mark.slow
def test_benchmark_quick_runs(tmp_path):
    r = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "gd_vs_sgd.py"),
            "--quick",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert r.returncode == 0, r.stderr
    result = json.loads((tmp_path / "gd_vs_sgd.json").read_text())
    assert result["benchmark"] == "gd_vs_sgd" and result["config"]["quick"] is True
    assert (tmp_path / "gd_vs_sgd.png").stat().st_size > 0
    ratios = result["fit_vs_loop"]
    assert {"mlp_64_128_10_batch_128", "xor_full_batch"} <= set(ratios)
