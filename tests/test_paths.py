"""Optimizer paths (figure 9-6): the experiment, the momentum stories, the figure, `jaxnn paths`
and the example script."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from jaxnn import cli, optim, plot
from jaxnn.experiments import (
    ill_conditioned_story,
    optimizer_paths,
    paths_table,
)
from jaxnn.surfaces import SURFACES

ROOT = Path(__file__).resolve().parents[1]
SIX = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]

# One worker for the module: the tests share compiled paths (the default optimizers and steps
# are cached objects, so a second run of the same surface does not recompile).
pytestmark = pytest.mark.xdist_group("paths")


def test_momentum_beats_gd_on_rosenbrock_at_the_same_lr():
    """Measured (float32 and float64 alike): GD 11685 steps, momentum 0.9 1059 steps to come
    within 0.01 of (1, 1) from (-2, 2) at lr 1e-3, a ratio of 11.0. Assert half of it."""
    lr = 1e-3
    r = optimizer_paths(
        "rosenbrock", {"gd": optim.sgd(lr), "momentum": optim.momentum(lr, 0.9)}, steps=12_000
    )
    gd, mom = r.stats["gd"].steps_to_minimum, r.stats["momentum"].steps_to_minimum
    assert gd is not None and mom is not None, (gd, mom)
    assert gd >= 5 * mom, f"GD {gd} steps, momentum {mom} steps"
    for name in ("gd", "momentum"):
        assert np.all(np.isfinite(r.paths[name]))
        assert r.stats[name].distance < 0.01


def test_result_fields_are_consistent_with_the_paths():
    r = optimizer_paths("quadratic")
    s = SURFACES["quadratic"]
    assert list(r.paths) == SIX and r.steps == s.steps and r.tol == 1e-2
    np.testing.assert_array_equal(r.x0, s.x0)
    for name, path in r.paths.items():
        assert path.shape == (s.steps + 1, 2) and np.all(np.isfinite(path))
        np.testing.assert_array_equal(path[0], s.x0)
        np.testing.assert_allclose(
            r.losses[name], 0.1 * path[:, 0] ** 2 + 2 * path[:, 1] ** 2, rtol=1e-5
        )
        st = r.stats[name]
        np.testing.assert_array_equal(st.final_point, path[-1])
        distances = [float(np.hypot(*p)) for p in path]  # minimum (0, 0)
        first = next((k for k, d in enumerate(distances) if d <= r.tol), None)
        assert st.steps_to_minimum == first
        assert st.distance == pytest.approx(distances[-1], rel=1e-6)
        assert st.exit_step is None
    # Every default optimizer reaches the quadratic's minimum in its 100 steps.
    assert all(st.steps_to_minimum is not None for st in r.stats.values())
    assert r.hyperparameters["sgd"] == {"learning_rate": 0.4}


def test_saddle_has_no_minimum_and_every_default_escapes():
    r = optimizer_paths("saddle")
    for st in r.stats.values():
        assert st.distance is None and st.steps_to_minimum is None
        assert st.exit_step is not None and st.final_loss < 0
    # Plain GD leaves slowest: |x2| grows by exactly 1 + 2 lr = 1.2 per step from 0.01.
    gd_exit = r.stats["sgd"].exit_step
    assert gd_exit == int(np.ceil(np.log(2 / 0.01) / np.log(1.2)))
    assert all(st.exit_step <= gd_exit for st in r.stats.values())


def test_ill_conditioned_story():
    r = ill_conditioned_story()
    gd4, gd6, mom = r.stats.values()
    assert gd4.exit_step is None and gd4.final_loss < r.losses["gd lr=0.4"][0] * 1e-1
    # lr 0.6: x2 = -2 * (-1.4)^k leaves |x2| <= 3 at k = 2 and keeps growing.
    assert gd6.exit_step == 2 and abs(gd6.final_point[1]) == pytest.approx(2 * 1.4**20, rel=1e-5)
    assert mom.exit_step is None and mom.steps_to_minimum is not None
    assert mom.final_loss < gd4.final_loss


def test_table_rows():
    headers, rows = paths_table(ill_conditioned_story())
    assert headers[0] == "optimizer" and len(rows) == 3
    assert rows[0][:2] == ["gd lr=0.4", "lr=0.4"] and rows[2][1] == "lr=0.6 mu=0.5"
    assert all(len(row) == len(headers) for row in rows)


def test_bad_arguments():
    with pytest.raises(ValueError, match="`surface`"):
        optimizer_paths("himmelblau")
    with pytest.raises(TypeError, match="`optimizers` must be a non-empty mapping"):
        optimizer_paths("quadratic", {})
    with pytest.raises(TypeError, match=r"`optimizers\['gd'\]` must have `init`"):
        optimizer_paths("quadratic", {"gd": 0.1})
    with pytest.raises(ValueError, match="`tol` must be positive"):
        optimizer_paths("quadratic", {"gd": optim.sgd(0.1)}, tol=-1.0)
    with pytest.raises(ValueError, match="`steps` must be >= 1"):
        optimizer_paths("quadratic", {"gd": optim.sgd(0.1)}, steps=0)
    with pytest.raises(ValueError, match="`x0` must have shape"):
        optimizer_paths("quadratic", {"gd": optim.sgd(0.1)}, x0=(1.0,))
    with pytest.raises(TypeError, match="`result` must be a PathsResult"):
        plot.optimizer_paths({"sgd": np.zeros((3, 2))})


@pytest.mark.parametrize("surface", ["quadratic", "saddle"])  # log and linear contour levels
def test_figure_has_one_line_per_optimizer(surface):
    r = optimizer_paths(surface)
    fig = plot.optimizer_paths(r, grid=30)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == SIX
    for line, path in zip(ax.get_lines(), r.paths.values()):
        np.testing.assert_array_equal(line.get_xydata(), path)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "start" in legend and ("minimum" in legend) == (surface != "saddle")
    assert ax.get_xlim() == SURFACES[surface].bounds[0]
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def test_figure_into_given_axes():
    r = ill_conditioned_story()
    fig = Figure()
    axes = fig.subplots(1, 2)
    assert plot.optimizer_paths(r, grid=20, ax=axes[1]) is fig
    assert len(axes[1].get_lines()) == 3 and len(axes[0].get_lines()) == 0


def test_cli_paths_writes_table_figures_csv_json(tmp_path, capsys):
    out = tmp_path / "paths"
    assert cli.main(["paths", "--surface", "quadratic", "--quick", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "steps to min" in text and "momentum" in text and "diverges" in text
    names = {p.name for p in out.iterdir()}
    for stem in ("paths_quadratic", "paths_quadratic_story"):
        assert {f"{stem}.png", f"{stem}.csv"} <= names
        assert (out / f"{stem}.png").read_bytes()[:4] == b"\x89PNG"
    with (out / "paths_quadratic.csv").open() as f:
        rows = list(csv.reader(f))
    assert rows[0][0] == "optimizer" and [r[0] for r in rows[1:]] == SIX
    data = json.loads((out / "paths.json").read_text())
    assert set(data) == {"quadratic", "quadratic_story"}
    story = data["quadratic_story"]["optimizers"]
    assert story["gd lr=0.6"]["exit_step"] == 2
    assert len(story["gd lr=0.4"]["path"]) == 21
    sgd = data["quadratic"]["optimizers"]["sgd"]
    assert sgd["steps_to_minimum"] == 75 and sgd["hyperparameters"] == {"learning_rate": 0.4}


def test_json_has_null_not_nan_for_a_diverged_path():
    # GD with lr 0.6 on the quadratic: |x2| = 2 * 1.4^k passes float32's max after ~255 steps.
    r = optimizer_paths("quadratic", {"gd lr=0.6": optim.sgd(0.6)}, steps=300)
    assert not np.all(np.isfinite(r.paths["gd lr=0.6"]))
    raw = json.dumps(cli._paths_json(r), allow_nan=False)  # raises on NaN/inf
    gd6 = json.loads(raw)["optimizers"]["gd lr=0.6"]
    assert gd6["final_point"][1] is None and gd6["path"][-1][1] is None
    assert gd6["path"][0] == [-5.0, -2.0] and gd6["exit_step"] == 2


@pytest.mark.parametrize(
    "args, words",
    [
        (["--steps", "0"], "--steps must be an integer from 1 to"),
        (["--tol", "-1"], "--tol must be a positive number"),
    ],
)
def test_cli_paths_bad_values_exit_2(args, words, capsys):
    assert cli.main(["paths", "--surface", "saddle", *args]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


def test_example_runs_quickly(tmp_path):
    r = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "optimizer_paths.py"), "--quick", "--out",
         str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "momentum 0.9" in r.stdout and "at step 1059" in r.stdout
    assert (tmp_path / "optimizer_paths.png").exists()
