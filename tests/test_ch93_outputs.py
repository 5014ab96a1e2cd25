"""Chapter 9.3 outputs: the figures (Agg), `jaxnn activations`, `jaxnn vanishing`, the example."""

from __future__ import annotations

import csv
import io
import json
import runpy
import sys
from pathlib import Path

import jax
import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from jaxnn import activations as act
from jaxnn import cli, diagnostics, plot

pytestmark = pytest.mark.xdist_group("ch93")

ROOT = Path(__file__).resolve().parents[1]


def _legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def test_backend_is_agg():
    assert matplotlib.get_backend().lower() == "agg"


def test_activations_figure_one_panel_each_with_derivative_and_the_quarter_marked():
    fig = plot.activations()
    assert [a.get_title() for a in fig.axes] == ["sigmoid", "tanh", "relu", "softplus"]
    for ax, name in zip(fig.axes, ["sigmoid", "tanh", "relu", "softplus"], strict=True):
        lines = {line.get_label(): line for line in ax.get_lines()}
        x = np.asarray(lines[name].get_xdata())
        np.testing.assert_allclose(lines[name].get_ydata(), act.get(name)(x), rtol=1e-6)
        np.testing.assert_allclose(
            lines[f"{name}'"].get_ydata(), act.derivative(name)(x), rtol=1e-6
        )
        assert lines[f"{name}'"].get_linestyle() == "--"
    marker = {line.get_label(): line for line in fig.axes[0].get_lines()}["max sigmoid' = 0.25"]
    assert list(marker.get_xdata()) == [0.0] and list(marker.get_ydata()) == [0.25]
    assert any("0.25" in t.get_text() for t in fig.axes[0].texts)
    assert _png(fig).startswith(b"\x89PNG")


def test_activations_into_one_given_axes():
    fig = Figure()
    ax = fig.add_subplot()
    assert plot.activations(("sigmoid", "relu"), x=np.linspace(-2, 2, 5), ax=ax) is fig
    assert _legend(ax) == ["sigmoid", "sigmoid'", "max sigmoid' = 0.25", "relu", "relu'"]
    with pytest.raises(ValueError, match="unknown activation name 'sigmod'"):
        plot.activations(("sigmod",))


@pytest.fixture(scope="module")
def small_report():
    return diagnostics.vanishing_gradients(
        activations=("sigmoid", "relu"), depths=(6,), seeds=2, key=jax.random.key(0)
    )


def test_gradient_norms_figure(small_report):
    fig = plot.gradient_norms(small_report)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and _legend(ax) == ["sigmoid", "relu"]
    for line in ax.get_lines():
        assert list(line.get_xdata()) == list(range(1, 8))
        np.testing.assert_allclose(line.get_ydata(), small_report.norms[(line.get_label(), 6)])
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "out"
    assert "6 hidden layers" in ax.get_title() and "layer" in ax.get_xlabel()
    assert _png(fig).startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="`depth` must be one of the measured depths"):
        plot.gradient_norms(small_report, depth=3)
    with pytest.raises(TypeError, match="`report` must be a VanishingReport"):
        plot.gradient_norms({"sigmoid": [1.0]})


def test_cli_activations_prints_and_writes(tmp_path, capsys):
    assert cli.main(["activations", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "max f'" in out and "sigmoid: f' is at most 0.25" in out
    assert (tmp_path / "activations.png").read_bytes().startswith(b"\x89PNG")
    rows = list(csv.reader((tmp_path / "activations.csv").read_text().splitlines()))
    assert rows[0][:3] == ["activation", "max f'", "at x"] and rows[1][0] == "sigmoid"
    assert float(rows[1][1]) == 0.25
    data = json.loads((tmp_path / "activations.json").read_text())
    assert "0.25^10" in data["reading"]


def test_cli_vanishing_prints_and_writes(tmp_path, capsys):
    args = ["vanishing", "--quick", "--activations", "sigmoid,relu", "--depths", "2,6"]
    # The same sizes as the example's --quick run below, so that it reuses these compilations.
    args += ["--seeds", "2", "--epochs", "3", "--train-depth", "4", "--out", str(tmp_path)]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "first hidden layer / last hidden layer" in out and "- sigmoid: ratio" in out
    assert "The consequence" in out and "- relu: loss" in out
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "depth_training.csv",
        "depth_training.png",
        "gradient_norms.png",
        "vanishing.json",
        "vanishing_layers_depth6.csv",
        "vanishing_ratios.csv",
    ]
    data = json.loads((tmp_path / "vanishing.json").read_text())
    assert set(data["ratios"]) == {"sigmoid", "relu"} and set(data["ratios"]["relu"]) == {"2", "6"}
    assert len(data["layer_norms"]["sigmoid"]["6"]) == 7
    assert len(data["training"]["loss"]["relu"]) == 4 and data["training"]["depth"] == 4
    ratios = list(csv.reader((tmp_path / "vanishing_ratios.csv").read_text().splitlines()))
    assert ratios[0] == ["activation", "depth 2", "depth 6"]
    assert float(ratios[1][2]) == pytest.approx(data["ratios"]["sigmoid"]["6"])


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--depths", "2", "--depth", "7"], "--depth 7 is not among --depths 2; add it there"),
        (["--seeds", "0"], "--seeds must be an integer from 1 to 10,000, got --seeds 0"),
        (["--activations", "sigmod"], "unknown activation name 'sigmod'"),
    ],
)
def test_cli_vanishing_bad_arguments_are_one_line_errors(extra, message, capsys):
    assert cli.main(["vanishing", "--quick", "--no-train", *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_example_runs_quick(tmp_path, monkeypatch, capsys):
    # Run as a script (__main__), in this process: it reuses the compilations of the tests above.
    script = ROOT / "examples" / "vanishing_gradients.py"
    monkeypatch.setattr(sys, "argv", [str(script), "--quick", "--out", str(tmp_path)])
    runpy.run_path(str(script), run_name="__main__")
    out = capsys.readouterr().out
    assert "sigmoid: ratio" in out and "relu: loss" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "depth_training.png",
        "gradient_norms.png",
    ]
