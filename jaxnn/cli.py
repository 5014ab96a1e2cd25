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


# --------------------------------------------------------------------------------------------
# jaxnn gd-vs-sgd, jaxnn optimizers (ch. 9.4)


def _plain(obj: Any) -> Any:
    """NamedTuples as dicts, arrays as lists and NaN as None, for JSON."""
    if hasattr(obj, "_asdict"):
        return {k: _plain(v) for k, v in obj._asdict().items()}
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if hasattr(obj, "tolist"):
        return _plain(obj.tolist())
    if isinstance(obj, float) and obj != obj:
        return None
    return obj


def _add_gd_vs_sgd(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model", choices=("linear", "mlp"), default="linear", help="model (default: linear)"
    )
    parser.add_argument(
        "--dataset",
        choices=("auto", "diabetes", "regression"),
        default="auto",
        help="diabetes (scikit-learn's bundled copy) or generated regression (default: auto)",
    )
    parser.add_argument("--epochs", type=int, help="epochs per run (default: 20; --quick: 4)")


def _run_gd_vs_sgd(args: argparse.Namespace) -> int:
    import jax

    from jaxnn import plot
    from jaxnn._table import format_table, write_csv
    from jaxnn.experiments import gd_vs_sgd

    out = prepare_out_dir(args.out)
    result = gd_vs_sgd(
        key=jax.random.key(args.seed),
        dataset=args.dataset,
        model=args.model,
        epochs=args.epochs,
        quick=args.quick,
    )
    headers = [
        "run",
        "mode",
        "batch",
        "lr",
        "updates/epoch",
        "compile s",
        "ms/epoch",
        "updates/s",
        "s to target",
        "examples to target",
        "final loss",
    ]
    rows = [
        [
            r.name,
            r.mode,
            "all" if r.batch_size is None else r.batch_size,
            r.learning_rate,
            r.steps_per_epoch,
            r.compile_time,
            1e3 * r.epoch_time,
            r.updates_per_second,
            r.time_to_target,
            r.examples_to_target,
            r.final_loss,
        ]
        for r in result.runs
    ]
    print(
        f"GD vs SGD on {result.dataset} ({result.n} examples), {result.model} model; "
        f"target loss {result.target_loss:.4g} (best linear fit {result.optimal_loss:.4g})"
    )
    print(format_table(headers, rows))
    if out is not None:
        print(f"wrote {write_csv(out / 'gd_vs_sgd.csv', headers, rows)}")
        print(f"wrote {save_json(out / 'gd_vs_sgd.json', _plain(result))}")
        print(f"wrote {save_figure(plot.gd_vs_sgd_curves(result), out / 'gd_vs_sgd.png')}")
    return 0


def _add_optimizers(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dataset",
        choices=("auto", "digits", "blobs"),
        default="auto",
        help="digits (scikit-learn's bundled copy) or generated blobs (default: auto)",
    )
    parser.add_argument(
        "--optimizers",
        default="sgd,momentum,nesterov,adagrad,rmsprop,adam",
        help="comma-separated names (default: all six of Table 9-1)",
    )
    parser.add_argument("--epochs", type=int, help="epochs per optimizer (default: 20; --quick: 3)")
    parser.add_argument("--batch-size", type=int, default=32, help="batch size (default: 32)")


def _run_optimizers(args: argparse.Namespace) -> int:
    import jax

    from jaxnn import plot
    from jaxnn._table import format_table, write_csv
    from jaxnn.experiments import compare_optimizers

    out = prepare_out_dir(args.out)
    names = [name.strip() for name in args.optimizers.split(",") if name.strip()]
    result = compare_optimizers(
        key=jax.random.key(args.seed),
        dataset=args.dataset,
        optimizers=names,
        batch_size=args.batch_size,
        epochs=args.epochs,
        quick=args.quick,
    )
    headers = [
        "optimizer",
        "hyperparameters",
        "train loss",
        "test loss",
        "test accuracy",
        "train s",
        "compile s",
        "stopped",
    ]
    rows = [
        [
            r.name,
            " ".join(f"{k}={v}" for k, v in r.hyperparameters.items()),
            float(r.train_loss[-1]) if len(r.train_loss) else float("nan"),
            r.final_test_loss,
            r.final_test_accuracy,
            r.train_time,
            r.compile_time,
            r.stopped,
        ]
        for r in result.runs
    ]
    sizes = "-".join(str(s) for s in result.sizes)
    print(
        f"Table 9-1 optimizers: MLP {sizes} on {result.dataset} ({result.n_train} train, "
        f"{result.n_test} test), batch {result.batch_size}, {result.epochs} epochs, same init"
    )
    print(format_table(headers, rows))
    if out is not None:
        print(f"wrote {write_csv(out / 'optimizers.csv', headers, rows)}")
        print(f"wrote {save_json(out / 'optimizers.json', _plain(result))}")
        print(f"wrote {save_figure(plot.optimizer_comparison(result), out / 'optimizers.png')}")
    return 0


COMMANDS: list[Command] = [
    Command(
        "info",
        "print the versions of jaxnn, JAX and optax, and the devices JAX sees",
        "jaxnn info",
        _add_info,
        _run_info,
    ),
    Command(
        "gd-vs-sgd",
        "full-batch GD vs SGD vs minibatches, compiled and in a Python loop (figure 9-5)",
        "jaxnn gd-vs-sgd --quick --out jaxnn-out/gd-vs-sgd",
        _add_gd_vs_sgd,
        _run_gd_vs_sgd,
    ),
    Command(
        "optimizers",
        "the seed's Table 9-1 optimizers train one MLP on the digits: loss and accuracy curves",
        "jaxnn optimizers --quick --out jaxnn-out/optimizers",
        _add_optimizers,
        _run_optimizers,
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
