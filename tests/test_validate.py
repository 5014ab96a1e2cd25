"""jaxnn.validate and `jaxnn validate`: every configuration passes; a wrong optimizer fails."""

from __future__ import annotations

import csv
import json

import jax
import numpy as np
import optax
import pytest

from jaxnn import cli, optim, validate
from jaxnn.optim import keras

# Names in jaxnn.optim.__all__ that are helpers, not optimizers or transforms.
NOT_OPTIMIZERS = {"apply_updates", "safe_increment", "global_norm", "all_finite"}

RIGHT = validate.Config("sgd-right", ("sgd",), "optim.sgd(0.01)", "optax.sgd(0.01)")
WRONG = validate.Config(  # the learning rate is 1% off
    "sgd-wrong", ("sgd",), "optim.sgd(0.0101)", "optax.sgd(0.01)"
)
EPS_WRONG = validate.Config(  # eps outside the sqrt vs. inside, large eps
    "rmsprop-eps-wrong",
    ("rmsprop",),
    "optim.rmsprop(0.005, eps=0.05, eps_in_sqrt=False)",
    "optax.rmsprop(0.005, eps=0.05)",
)


def test_every_configuration_passes_float32():
    reports = validate.run(steps=200, dtype="float32")
    assert len(reports) == len(validate.registry())
    for r in reports:
        assert r.passed, f"{r.name}: max rel diff {r.max_rel_diff:.3g} at step {r.first_failure}"
        assert r.finite.all() and r.abs_diff.shape == (200,) and r.rel_diff.shape == (200,)
        assert r.loss_end < r.loss_start, f"{r.name}: the loss did not go down"
        assert r.max_rel_diff <= r.rtol


@pytest.mark.slow
def test_every_configuration_passes_float64():
    for r in validate.run(steps=200, dtype="float64"):
        assert r.passed and r.finite.all(), r.name


def test_registry_covers_every_optimizer_and_keras_call():
    covered = {name for c in validate.registry() for name in c.optimizers}
    for name in optim.__all__:
        obj = getattr(optim, name)
        if callable(obj) and name[0].islower() and name not in NOT_OPTIMIZERS:
            assert name in covered, f"jaxnn validate has no configuration for optim.{name}"
    for name in keras.__all__:
        if name[0].isupper():
            assert f"keras.{name}" in covered, f"jaxnn validate misses keras.{name}"
    names = [c.name for c in validate.registry()]
    assert len(names) == len(set(names)), "configuration names must be unique"
    for c in validate.registry():
        c.make(), c.make_reference()  # every call text evaluates


def test_a_wrong_optimizer_fails_and_says_where():
    right, wrong, eps_wrong = validate.run(steps=30, configs=[RIGHT, WRONG, EPS_WRONG])
    # Identical maths: bit-equal today (0.0); allow for a compiler that fuses them differently.
    assert right.passed and right.max_rel_diff < 1e-7 and right.first_failure is None
    assert not wrong.passed and wrong.first_failure == 1
    assert wrong.max_rel_diff > 1e-4 and wrong.finite.all()
    assert not eps_wrong.passed and eps_wrong.max_rel_diff > 1e-4


def test_a_diverging_run_fails_even_when_both_agree():
    # NaN == NaN must not count as agreement.
    report = validate.compare(optim.sgd(50.0), optax.sgd(50.0), steps=40)
    assert not report.passed and not report.finite.all()


def test_compare_with_a_closed_form_reference_in_float64():
    report = validate.compare(
        keras.Adagrad(lr=0.05, epsilon=0.05),
        validate.keras_adagrad_closed_form(lr=0.05, epsilon=0.05),
        steps=50,
        dtype="float64",
    )
    assert report.passed and report.rtol == 1e-12 and report.dtype == "float64"
    assert report.max_rel_diff < 1e-13


def test_the_problem_is_the_same_in_both_precisions(x64):
    a = validate.random_problem(3, "float32")
    b = validate.random_problem(3, "float64")
    for x, y in zip(jax.tree.leaves(a.params), jax.tree.leaves(b.params), strict=True):
        assert x.dtype == np.float32 and y.dtype == np.float64
        np.testing.assert_array_equal(np.asarray(x, np.float64), np.asarray(y))


def test_select_by_configuration_or_optimizer_name():
    names = [c.name for c in validate.select(["adamax", "keras.SGD-decay"], validate.registry())]
    assert names == ["adamax", "adamax-large-eps-schedule", "keras.SGD-decay"]
    with pytest.raises(ValueError, match="unknown optimizer or configuration 'adamx'"):
        validate.select(["adamx"], validate.registry())


def test_cli_validate_passes_prints_rows_and_writes_files(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(validate, "registry", lambda: [RIGHT, EPS_WRONG])
    rc = cli.main(["validate", "--quick", "--optimizers", "sgd-right", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "rtol=1e-06" in out and "1 of 1 configurations PASS" in out
    row = next(line for line in out.splitlines() if line.startswith("sgd-right"))
    assert row.endswith("PASS")
    assert " 50 " in row  # --quick: 50 steps
    with open(tmp_path / "validate.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["configuration"] for r in rows] == ["sgd-right"] and rows[0]["result"] == "PASS"
    assert (
        rows[0]["jaxnn call"] == "optim.sgd(0.01)"
        and rows[0]["reference call"] == "optax.sgd(0.01)"
    )
    data = json.loads((tmp_path / "validate.json").read_text())
    assert data[0]["passed"] is True and len(data[0]["abs_diff"]) == 50


def test_cli_validate_fails_on_a_wrong_optimizer(capsys, monkeypatch):
    monkeypatch.setattr(validate, "registry", lambda: [RIGHT, WRONG])
    rc = cli.main(["validate", "--steps", "5"])
    out = capsys.readouterr().out
    assert rc == 1
    row = next(line for line in out.splitlines() if line.startswith("sgd-wrong"))
    assert "FAIL (step 1)" in row
    assert "1 of 2 configurations PASS; FAIL: sgd-wrong" in out


def test_cli_validate_bad_arguments(capsys):
    assert cli.main(["validate", "--optimizers", "adamm"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown optimizer or configuration 'adamm'" in err
    assert cli.main(["validate", "--steps", "0"]) == 2
    assert "--steps must be an integer from 1 to" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        cli.main(["validate", "--dtype", "float16"])
    assert e.value.code == 2


def test_cli_validate_list_runs_nothing(capsys):
    assert cli.main(["validate", "--list", "--optimizers", "keras.Adam"]) == 0
    out = capsys.readouterr().out
    assert "keras.Adam-decay-large-eps" in out and "inject_hyperparams" in out


def test_cli_validate_quick_runs_one_configuration_per_optimizer(capsys, monkeypatch):
    twin = validate.Config("sgd-twin", ("sgd",), "optim.sgd(0.02)", "optax.sgd(0.02)")
    monkeypatch.setattr(validate, "registry", lambda: [RIGHT, twin, EPS_WRONG])
    assert cli.main(["validate", "--quick"]) == 1  # EPS_WRONG fails
    out = capsys.readouterr().out
    assert "sgd-right" in out and "sgd-twin" not in out and "rmsprop-eps-wrong" in out


def test_problem_keys_seed_it_deterministically():
    leaves = lambda key: jax.tree.leaves(validate.random_problem(key).params)  # noqa: E731
    for a, b in zip(leaves(jax.random.key(5)), leaves(jax.random.PRNGKey(5)), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(leaves(5)[1], leaves(6)[1])
    np.testing.assert_array_equal(leaves(5)[1], leaves(5)[1])


def test_cli_validate_output_fits_100_columns(capsys, monkeypatch):
    # A row under the longest configuration name (a cheap SGD twin, 5 steps), and the --list.
    longest = max((c.name for c in validate.registry()), key=len)
    registry = validate.registry
    monkeypatch.setattr(validate, "registry", lambda: [RIGHT._replace(name=longest)])
    assert cli.main(["validate", "--steps", "5", "--optimizers", longest]) == 0
    out = capsys.readouterr().out
    assert longest in out and max(map(len, out.splitlines())) <= 100
    monkeypatch.setattr(validate, "registry", registry)
    assert cli.main(["validate", "--list"]) == 0
    listing = capsys.readouterr().out
    assert "inject_hyperparams" in listing and max(map(len, listing.splitlines())) <= 100
