"""The ``jaxnn`` command line: one subcommand per experiment of the seed.

The CLI only parses arguments, calls library functions, prints and saves; the work lives in
``jaxnn.experiments`` and friends. Every subcommand gets the same three options:

    --out DIR   where files (tables as CSV/JSON, figures as PNG) are written
    --quick     a small, fast version (seconds), used by the tests
    --seed N    the random seed (default 0)

Adding a subcommand: write ``_add_NAME(parser)`` for its own options and ``_run_NAME(args) -> int``,
then append a :class:`Command` to :data:`COMMANDS`. Errors a user can fix (bad values, an
unwritable ``--out``) are raised as ``ValueError``/``TypeError``/``OSError``/:class:`CLIError` and
printed as one line, exit code 2; set ``JAXNN_DEBUG=1`` to see the traceback instead.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["COMMANDS", "CLIError", "Command", "build_parser", "main", "prepare_out_dir"]


class CLIError(Exception):
    """An error the user can fix; printed without a traceback."""


class Command(NamedTuple):
    """One subcommand: its name, one-line help, an example, and its two functions."""

    name: str
    help: str
    example: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    out_default: str | None = None


def prepare_out_dir(path: str | os.PathLike | None) -> Path | None:
    """Creates ``path`` (and parents) and checks it is writable; ``None`` stays ``None``.

    Raises:
        CLIError: naming the directory and the reason when it cannot be created or written.
    """
    if path is None:
        return None
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".jaxnn-write-test-"):
            pass
    except OSError as e:
        raise CLIError(
            f"cannot write to --out {str(out)!r}: {e.strerror or e}. Choose a writable directory."
        ) from None
    return out


def save_json(path: Path, data: Any) -> Path:
    """Writes ``data`` as indented JSON (NumPy/JAX scalars and arrays converted)."""

    def default(o):
        if hasattr(o, "tolist"):
            return o.tolist()
        if hasattr(o, "_asdict"):
            return o._asdict()
        return str(o)

    path.write_text(json.dumps(data, indent=2, default=default) + "\n", encoding="utf-8")
    return path


def save_figure(fig: Any, path: Path) -> Path:
    """Saves a matplotlib figure as PNG (Agg; works with no display)."""
    fig.savefig(path, dpi=120, bbox_inches="tight")
    return path


# --------------------------------------------------------------------------------------------
# jaxnn info


def _add_info(parser: argparse.ArgumentParser) -> None:
    del parser


def _run_info(args: argparse.Namespace) -> int:
    import jax
    import optax

    import jaxnn

    info = {
        "jaxnn": jaxnn.__version__,
        "jax": jax.__version__,
        "optax": optax.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "backend": jax.default_backend(),
        "devices": [str(d) for d in jax.devices()],
        "x64": bool(jax.config.jax_enable_x64),
    }
    for key, value in info.items():
        print(f"{key:>9}: {value}")
    out = prepare_out_dir(args.out)
    if out is not None:
        print(f"wrote {save_json(out / 'info.json', info)}")
    return 0


COMMANDS: list[Command] = [
    Command(
        "info",
        "print the versions of jaxnn, JAX and optax, and the devices JAX sees",
        "jaxnn info",
        _add_info,
        _run_info,
    ),
]


def _version() -> str:
    from jaxnn import __version__

    return __version__


def build_parser() -> argparse.ArgumentParser:
    """The ``jaxnn`` argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="jaxnn",
        description="jaxnn: backpropagation, activations and optimizers in JAX, "
        "each chapter of the seed as a command.",
        epilog="Run 'jaxnn COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"jaxnn {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for cmd in COMMANDS:
        p = sub.add_parser(
            cmd.name,
            help=cmd.help,
            description=cmd.help[0].upper() + cmd.help[1:] + ".",
            epilog=f"example:\n  {cmd.example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.add_argument(
            "--out",
            metavar="DIR",
            default=cmd.out_default,
            help="directory for the files this command writes"
            + (f" (default: {cmd.out_default})" if cmd.out_default else " (default: print only)"),
        )
        p.add_argument("--quick", action="store_true", help="a small, fast version (seconds)")
        p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
        cmd.add_arguments(p)
        p.set_defaults(_run=cmd.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``jaxnn`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return int(args._run(args) or 0)
    except (CLIError, ValueError, TypeError, OSError, ImportError) as e:
        if os.environ.get("JAXNN_DEBUG"):
            raise
        message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        print(f"jaxnn {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"jaxnn {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


# --------------------------------------------------------------------------------------------
# jaxnn xor (ch. 8)


def _add_xor(parser: argparse.ArgumentParser) -> None:
    for action in parser._actions:  # the book's seed, not the CLI-wide default 0
        if action.dest == "seed":
            action.default = 777
            action.help = (
                "seed of Python's random for the initial weights (default: 777, the book's)"
            )
    parser.add_argument(
        "--epochs", type=int, default=None, help="epochs (default: 5000, the book's; --quick: 1000)"
    )
    parser.add_argument(
        "--method",
        choices=("manual", "autodiff"),
        default="manual",
        help="gradients by jaxnn.backprop (default) or jax.grad: the same numbers",
    )
    parser.add_argument("--plot", metavar="FILE", help="save the error curves (PNG) to FILE")


def _run_xor(args: argparse.Namespace) -> int:
    import jax
    import numpy as np

    from jaxnn import plot
    from jaxnn._table import format_table, write_csv
    from jaxnn.experiments import xor_book_variants
    from jaxnn.experiments.xor import RULES, XOR_INPUTS

    epochs = args.epochs if args.epochs is not None else (1000 if args.quick else 5000)
    out = prepare_out_dir(args.out)
    plot_path = Path(args.plot) if args.plot else None
    if plot_path is not None:
        prepare_out_dir(plot_path.parent)
    with jax.enable_x64(True):  # the book computes with Python floats
        variants = xor_book_variants(epochs=epochs, seed=args.seed, method=args.method)
    book = variants[0].result
    errors = np.asarray(book.errors)
    every = max(1, epochs // 10)
    print(
        f"The book's run (ch. 8): XOR 2-2-1, tanh, online updates, lr {book.lr}, "
        f"'momentum' {book.momentum}, seed {book.seed}, {epochs} epochs, float64"
    )
    print(f"rule: {RULES['book']}")
    for i in range(0, epochs, every):
        print(f"error: {errors[i]:-.5f}")
    for x, p in zip(XOR_INPUTS, np.asarray(book.predictions), strict=True):
        print(f"Input: [{int(x[0])}, {int(x[1])}], Predict: [{float(p)!r}]")

    print(f"\nThe same net and initial weights, {epochs} epochs:")
    rows = [
        [
            v.name,
            v.result.rule,
            v.result.activation,
            "-" if v.result.rule == "gd" else v.result.momentum,
            float(v.result.errors[0]),
            float(v.result.errors[-1]),
            " ".join(f"{p:.3f}" for p in np.asarray(v.result.predictions)),
        ]
        for v in variants
    ]
    headers = ["run", "rule", "activation", "momentum", "first error", "last error", "predictions"]
    print(format_table(headers, rows))
    print()
    width = max(len(v.name) for v in variants)
    for v in variants:
        print(f"{v.name:<{width}}  {v.verdict}")

    fig = None
    if plot_path is not None or out is not None:
        fig = plot.xor_error_curves(variants)
    if plot_path is not None:
        print(f"wrote {save_figure(fig, plot_path)}")
    if out is not None:
        curves = [np.asarray(v.result.errors) for v in variants]
        csv_rows = [[i, *(float(c[i]) for c in curves)] for i in range(epochs)]
        write_csv(out / "xor_errors.csv", ["epoch", *(v.name for v in variants)], csv_rows)
        summary = {
            "epochs": epochs,
            "seed": args.seed,
            "method": args.method,
            "book_printed_errors": errors[::every],
            "runs": [
                {
                    "name": v.name,
                    "rule": v.result.rule,
                    "rule_formula": RULES[v.result.rule],
                    "activation": v.result.activation,
                    "lr": v.result.lr,
                    "momentum": v.result.momentum,
                    "first_error": float(v.result.errors[0]),
                    "last_error": float(v.result.errors[-1]),
                    "predictions": np.asarray(v.result.predictions),
                    "verdict": v.verdict,
                }
                for v in variants
            ],
        }
        print(f"wrote {save_json(out / 'xor.json', summary)}")
        print(f"wrote {out / 'xor_errors.csv'}")
        print(f"wrote {save_figure(fig, out / 'xor_errors.png')}")
    return 0


COMMANDS.append(
    Command(
        "xor",
        "ch. 8: the book's XOR backprop run printed the book's way, then the corrected rule, "
        "plain GD, momentum 0 and sigmoid, with verdicts",
        "jaxnn xor --plot xor.png",
        _add_xor,
        _run_xor,
    )
)
