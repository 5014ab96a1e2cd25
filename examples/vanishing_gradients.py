"""Vanishing gradients (ch. 9.3 of *모두의 딥러닝*): measure the cause, then watch the consequence.

1. Through sigmoid layers the gradient fades toward the first layer; through ReLU it does not.
2. So a deep sigmoid MLP barely learns where the same ReLU MLP does.

    python examples/vanishing_gradients.py            # depths 2, 5, 10, 20; 20 epochs
    python examples/vanishing_gradients.py --quick    # sigmoid vs ReLU, seconds
    python examples/vanishing_gradients.py --out figures/   # also save the two figures
"""

from __future__ import annotations

import argparse
from pathlib import Path

import jax

from jaxnn import diagnostics, plot

ACTIVATIONS = ("sigmoid", "tanh", "relu", "softplus")


def measure(activations, depths, seeds, key):
    """Per-layer gradient norms of fresh MLPs, for each activation and depth."""
    return diagnostics.vanishing_gradients(
        activations=activations, depths=depths, seeds=seeds, key=key
    )


def train(activations, depth, epochs, key):
    """The same deep MLP trained with each activation (digits when scikit-learn is installed)."""
    return diagnostics.train_depth_comparison(
        activations=activations, depth=depth, epochs=epochs, key=key
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="sigmoid vs ReLU only, small, fast")
    parser.add_argument("--out", type=Path, help="directory for the PNG figures")
    args = parser.parse_args()

    key_grad, key_train = jax.random.split(jax.random.key(0))
    names = ("sigmoid", "relu") if args.quick else ACTIVATIONS
    report = measure(
        names, (2, 6) if args.quick else (2, 5, 10, 20), 2 if args.quick else 5, key_grad
    )
    print(report.table(), "\n")
    print(report.reading(), "\n")

    result = train(names, 4 if args.quick else 8, 3 if args.quick else 20, key_train)
    print(result.table(), "\n")
    print(result.reading())

    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        plot.gradient_norms(report).savefig(args.out / "gradient_norms.png")
        plot.loss_curves(result.curves("loss"), title=f"{result.depth} hidden layers").savefig(
            args.out / "depth_training.png"
        )
        print(f"figures in {args.out}")
