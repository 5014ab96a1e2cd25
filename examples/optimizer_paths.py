"""Momentum in a narrow valley (ch. 9.4 of *모두의 딥러닝*, fig. 9-6): one learning rate, two paths.

Gradient descent and momentum 0.9, both at lr 1e-3, start at (-2, 2) on the Rosenbrock valley
(minimum (1, 1)). Momentum keeps its speed along the flat valley floor, so it arrives in far
fewer steps; the figure shows both paths on the contours.

    python examples/optimizer_paths.py                 # 12,000 steps: GD arrives too
    python examples/optimizer_paths.py --quick         # 2,000 steps, seconds
    python examples/optimizer_paths.py --out figures/  # also save the figure
"""

from __future__ import annotations

import argparse
from pathlib import Path

from jaxnn import optim, plot
from jaxnn.experiments import optimizer_paths


def compare(learning_rate, steps):
    """GD and momentum 0.9 at the same learning rate on Rosenbrock from (-2, 2)."""
    optimizers = {
        "gd": optim.sgd(learning_rate),
        "momentum 0.9": optim.momentum(learning_rate, 0.9),
    }
    return optimizer_paths("rosenbrock", optimizers, steps)


def report(result):
    """One line per optimizer: where it ended and when it came within tol of (1, 1)."""
    lines = []
    for name, s in result.stats.items():
        arrived = "never" if s.steps_to_minimum is None else f"at step {s.steps_to_minimum}"
        lines.append(
            f"{name:>13}: ends at ({s.final_point[0]:.4f}, {s.final_point[1]:.4f}), "
            f"loss {s.final_loss:.3g}; within {result.tol:g} of the minimum {arrived}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 steps instead of 12,000")
    parser.add_argument("--lr", type=float, default=1e-3, help="learning rate (default 1e-3)")
    parser.add_argument("--out", type=Path, help="directory for the PNG figure")
    args = parser.parse_args()

    result = compare(args.lr, 2_000 if args.quick else 12_000)
    print(f"Rosenbrock from (-2, 2), lr {args.lr:g}, {result.steps} steps")
    print(report(result))
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / "optimizer_paths.png"
        plot.optimizer_paths(result).savefig(path, dpi=120)
        print(f"figure in {path}")
