"""jaxnn.experiments.lr_sensitivity / xor_solve_rate, their figures and `jaxnn sweep`."""

from __future__ import annotations

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnn import cli, data, nn, optim, train
from jaxnn.experiments import lr_sensitivity, xor_solve_rate
from jaxnn.experiments.sweeps import _xor_fns

pytestmark = pytest.mark.xdist_group("sweep")


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: lr_sensitivity(optimizers=["sgdd"]), ValueError, "`optimizers` must be one of"),
        (lambda: lr_sensitivity(optimizers=[]), ValueError, "at least one optimizer"),
        (lambda: lr_sensitivity(seeds=0), ValueError, "`seeds` must be >= 1"),
        (lambda: lr_sensitivity(quick=1), TypeError, "`quick` must be True or False"),
        (lambda: xor_solve_rate(hidden=()), ValueError, "`hidden` must list at least one"),
        (lambda: xor_solve_rate(hidden=(0,)), ValueError, "`hidden` must be >= 1"),
        (lambda: xor_solve_rate(learning_rates=0.1), TypeError, "must be a mapping"),
        (lambda: xor_solve_rate(learning_rates={"adam": -1.0}), ValueError, "must be positive"),
    ],
)
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sweep", "--optimizers", ","], "--optimizers must name at least one value"),
        (["sweep", "--seeds", "0"], "--seeds must be an integer from 1 to"),
        (["sweep", "--study", "lr", "--optimizers", "sgdd"], "unknown 'sgdd' in --optimizers"),
    ],
)
def test_cli_bad_arguments_are_one_line(argv, message, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.slow
def test_xor_solve_rate_matches_a_loop_of_fit_calls():
    r = xor_solve_rate(hidden=(2,), optimizers=["adam"], seeds=6, epochs=300)
    loss_fn, solved_fn = _xor_fns()
    x, y = data.xor()
    keys = jax.random.split(jax.random.key(0), 6)
    expected = []
    for key in keys:  # the reference: six separate fit calls
        init_key = jax.random.split(key)[0]  # full batch: the data key is unused
        params = nn.init_mlp(init_key, [2, 2, 1])
        f = train.fit(loss_fn, params, optim.adam(0.05), x, y, epochs=300, progress=False)
        expected.append(bool(solved_fn(f.params, x, y)))
    np.testing.assert_array_equal(r.solved[0, 0], expected)
    assert r.solve_rate[0, 0] == np.mean(expected)
    assert 0 < r.solve_rate[0, 0] < 1  # a width-2 net solves XOR only from some seeds


@pytest.mark.slow
def test_lr_sensitivity_has_the_expected_shape_of_curve():
    rates = [1e-3, 1e-2, 1e-1]
    r = lr_sensitivity(optimizers=["sgd", "adam"], learning_rates=rates, seeds=3, epochs=2)
    sgd, adam = r.curves
    assert sgd.final_loss.shape == (3, 3) and np.isfinite(sgd.final_loss).all()
    assert sgd.median[2] < sgd.median[1] < sgd.median[0]  # plain SGD wants a large rate
    assert adam.median[1] < adam.median[0]
    assert adam.best_learning_rate in rates
    assert (sgd.low <= sgd.median).all() and (sgd.median <= sgd.high).all()


@pytest.mark.slow
def test_cli_sweep_quick_writes_tables_figures_and_json(tmp_path, capsys):
    out = tmp_path / "sweep"
    assert cli.main(["sweep", "--quick", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "final training loss" in text and "solve XOR" in text
    for name in ("lr_sensitivity.csv", "lr_sensitivity.png", "xor_solve_rate.png", "sweep.json"):
        assert (out / name).stat().st_size > 0
    summary = json.loads((out / "sweep.json").read_text())
    assert set(summary["lr_sensitivity"]["curves"]) == {
        "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"
    }  # fmt: skip
    rates = summary["xor_solve_rate"]["solve_rate"]
    assert all(0.0 <= v <= 1.0 for row in rates.values() for v in row)
    assert jnp.isfinite(jnp.array(summary["lr_sensitivity"]["curves"]["sgd"]["median"])).all()


def _readme_sweep_block():
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    return next(b for b in re.findall(r"```python\n(.*?)```", readme, flags=re.S) if "sweep(" in b)


@pytest.mark.slow
def test_readme_sweep_example_runs():
    scope: dict = {}
    exec(compile(_readme_sweep_block(), "README.md sweep", "exec"), scope)
    r = scope["result"]
    assert r.final_loss.shape == (8, 100) and r.chunks == 1
    assert np.isfinite(r.final_loss[:6]).all()


@pytest.mark.slow
def test_benchmark_quick_runs(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "sweep.py"
    r = subprocess.run(
        [sys.executable, str(script), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    result = json.loads((tmp_path / "sweep.json").read_text())
    assert result["benchmark"] == "sweep" and result["config"]["quick"] is True
    for task in result["results"].values():
        assert task["runs"] == 16 and task["speedup"] > 0
        assert task["max_final_loss_diff"] is not None and task["max_final_loss_diff"] < 1e-3
