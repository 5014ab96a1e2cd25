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
# jaxnn validate


def _add_validate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--steps",
        type=int,
        default=None,
        help="updates per configuration (default 200; --quick: 50 steps and one configuration "
        "per optimizer)",
    )
    parser.add_argument(
        "--dtype",
        choices=("float32", "float64"),
        default="float32",
        help="precision (default float32)",
    )
    parser.add_argument(
        "--optimizer",
        nargs="+",
        metavar="NAME",
        default=None,
        help="only these optimizers or configurations (e.g. adam keras.Adam); default: all",
    )
    parser.add_argument(
        "--list", action="store_true", help="list the configurations and exit, running nothing"
    )


def _run_validate(args: argparse.Namespace) -> int:
    from jaxnn import validate
    from jaxnn._table import format_table, write_csv

    configs = validate.select(args.optimizer, validate.registry())
    if args.quick and args.optimizer is None:
        # One configuration per optimizer (the first, its defaults): half the compilation.
        firsts = {}
        for c in configs:
            firsts.setdefault(c.optimizers[0], c)
        configs = list(firsts.values())
    if args.list:
        print(
            format_table(
                ["configuration", "jaxnn call", "reference call"],
                [[c.name, c.jaxnn_call, c.reference_call] for c in configs],
            )
        )
        return 0
    steps = args.steps if args.steps is not None else (50 if args.quick else 200)
    out = prepare_out_dir(args.out)
    reports = validate.run(steps=steps, dtype=args.dtype, key=args.seed, configs=configs)
    rtol, atol = validate.TOLERANCES[args.dtype]
    print(
        f"jaxnn beside its reference, {steps} steps, {args.dtype}, seed {args.seed}: PASS when "
        f"|jaxnn - reference| <= atol + rtol*|reference| at every step (rtol={rtol:g}, "
        f"atol={atol:g} unless the row says otherwise) and every value is finite."
    )
    headers = [
        "configuration",
        "jaxnn call",
        "reference call",
        "steps",
        "max abs diff",
        "max rel diff",
        "rtol",
        "result",
    ]
    rows = [
        [
            r.name,
            r.jaxnn_call,
            r.reference_call,
            r.steps,
            r.max_abs_diff,
            r.max_rel_diff,
            r.rtol,
            "PASS" if r.passed else f"FAIL (step {r.first_failure})",
        ]
        for r in reports
    ]
    print(format_table(headers, rows, digits=3))
    failed = [r.name for r in reports if not r.passed]
    print(
        f"{len(reports) - len(failed)}/{len(reports)} configurations PASS"
        + (f"; FAIL: {', '.join(failed)}" if failed else "")
    )
    if out is not None:
        print(f"wrote {write_csv(out / 'validate.csv', headers, rows)}")
        data = [
            {**r.summary(), "abs_diff": r.abs_diff, "rel_diff": r.rel_diff, "finite": r.finite}
            for r in reports
        ]
        print(f"wrote {save_json(out / 'validate.json', data)}")
    return 1 if failed else 0


COMMANDS: list[Command] = [
    Command(
        "info",
        "print the versions of jaxnn, JAX and optax, and the devices JAX sees",
        "jaxnn info",
        _add_info,
        _run_info,
    ),
    Command(
        "validate",
        "run every jaxnn optimizer beside its optax twin or recipe and report the differences",
        "jaxnn validate --dtype float64 --optimizer adam keras.Adam",
        _add_validate,
        _run_validate,
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
