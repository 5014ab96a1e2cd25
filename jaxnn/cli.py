"""The ``jaxnn`` command line: one subcommand per experiment of the book's chapters 8-9.

jaxnn follows chapters 8 and 9 of the textbook *모두의 딥러닝* (Deep Learning for Everyone, 2nd
ed., Gilbut) and a lecture on them. The CLI only parses arguments, calls library functions,
prints and saves; the work lives in ``jaxnn.experiments`` and friends. It imports nothing heavy
at start-up: ``jaxnn --help`` and argument errors answer without importing JAX, and each
command imports what it needs when it runs. The common options, where a command uses them:

    --out DIR   where files (tables as CSV/JSON, figures as PNG) are written
    --quick     a small, fast version (seconds), used by the tests
    --seed N    the random seed (default 0)

Lists are comma-separated everywhere (``--optimizers sgd,adam``, ``--depths 2,5,10``).

Adding a subcommand: write ``_add_NAME(parser)`` for its own options and ``_run_NAME(args) -> int``,
then add a :class:`Command` row to :data:`COMMANDS` (one table, in the book's order). Errors a
user can fix (bad values, an unwritable ``--out``) are raised as ``ValueError``/``TypeError``/
``OSError``/:class:`CLIError` and printed as one line naming the flag, exit code 2; set
``JAXNN_DEBUG=1`` to see the traceback instead.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from jaxnn._cli_args import (
    CLIError,
    CommaList,
    IntRange,
    check_values,
    prepare_figure_file,
    prepare_out_dir,
    print_wrapped,
    save_figure,
    save_json,
)
from jaxnn._table import plural

__all__ = [
    "COMMANDS",
    "CLIError",
    "Command",
    "build_parser",
    "main",
    "plural",
    "prepare_out_dir",
]

BOOK = "모두의 딥러닝 (Deep Learning for Everyone, 2nd ed., Gilbut)"
"""The textbook whose chapters 8-9 jaxnn follows, as the CLI names it."""

TABLE_9_1 = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
ACTIVATIONS = ("sigmoid", "tanh", "relu", "softplus")
TOUR_STAGES = ("xor", "activations", "vanishing", "gd-vs-sgd", "optimizers", "paths", "conformance")
"""The tour's stages in the book's order (``jaxnn.tour.STAGES``, kept here so that ``--help``
needs no import; a test checks that the two agree)."""

MAX_STEPS = 10**7
"""The largest ``--epochs``/``--steps`` accepted: far beyond any lesson, small enough to run."""


class Command(NamedTuple):
    """One subcommand: its name, one-line help, an example, and its two functions.

    ``options`` lists the common options (``out``, ``quick``, ``seed``) the command uses; a
    command gets only those, so that no option does nothing. ``option_help`` overrides their
    help text.
    """

    name: str
    help: str
    example: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    out_default: str | None = None
    options: tuple[str, ...] = ("out", "quick", "seed")
    option_help: dict[str, str] | None = None


def _steps_arg(help: str) -> dict[str, Any]:
    return {"type": IntRange(1, MAX_STEPS), "default": None, "metavar": "N", "help": help}


# --------------------------------------------------------------------------------------------
# jaxnn xor (ch. 8)


def _add_xor(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seed",
        type=IntRange(0, 2**63 - 1),
        default=777,
        help="seed of Python's random for the initial weights (default: 777, the book's)",
    )
    parser.add_argument(
        "--epochs", **_steps_arg("epochs (default: 5000, the book's; --quick: 1000)")
    )
    parser.add_argument(
        "--method",
        choices=("manual", "autodiff"),
        default="manual",
        help="gradients by jaxnn.backprop (default) or jax.grad: the same numbers",
    )
    parser.add_argument(
        "--plot", metavar="FILE", help="save the error curves to FILE (.png, .pdf or .svg)"
    )


def _xor_verdict_note(epochs: int, book: Any) -> str | None:
    """A word when the book's run has not learned XOR yet (too few epochs)."""
    import numpy as np

    predictions = np.asarray(book.predictions).ravel()
    correct = int(np.sum((predictions > 0.5) == np.array([0, 1, 1, 0], bool)))
    if correct == 4:
        return None
    return (
        f"after {plural(epochs, 'epoch')} the book's run classifies {correct} of 4 inputs "
        "correctly: too few epochs to learn XOR (the book runs 5000; try --epochs 5000)."
    )


def _run_xor(args: argparse.Namespace) -> int:
    plot_path = prepare_figure_file(args.plot)
    out = prepare_out_dir(args.out)
    import jax
    import numpy as np

    from jaxnn import plot
    from jaxnn._table import format_table, write_csv
    from jaxnn.experiments import xor_book_variants
    from jaxnn.experiments.xor import RULES, XOR_INPUTS

    epochs = args.epochs if args.epochs is not None else (1000 if args.quick else 5000)
    with jax.enable_x64(True):  # the book computes with Python floats
        variants = xor_book_variants(epochs=epochs, seed=args.seed, method=args.method)
    book = variants[0].result
    errors = np.asarray(book.errors)
    every = max(1, epochs // 10)
    print(
        f"The book's run (ch. 8 of {BOOK}): XOR 2-2-1, tanh, online updates, lr {book.lr}, "
        f"'momentum' {book.momentum}, seed {book.seed}, {plural(epochs, 'epoch')}, float64"
    )
    print(f"rule: {RULES['book']}")
    for i in range(0, epochs, every):
        print(f"error: {errors[i]:-.5f}")
    for x, p in zip(XOR_INPUTS, np.asarray(book.predictions), strict=True):
        print(f"Input: [{int(x[0])}, {int(x[1])}], Predict: [{float(p)!r}]")

    print(f"\nThe same net and initial weights, {plural(epochs, 'epoch')}:")
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
    note = _xor_verdict_note(epochs, book)
    if note is not None:
        print(f"\nnote: {note}")

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
            "runs": [v.summary() for v in variants],
        }
        print(f"wrote {save_json(out / 'xor.json', summary)}")
        print(f"wrote {out / 'xor_errors.csv'}")
        print(f"wrote {save_figure(fig, out / 'xor_errors.png')}")
    return 0


# ---------------------------------------------------------------------------------------------
# jaxnn activations / jaxnn vanishing (ch. 9.3)


def _add_activations(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--activations",
        type=CommaList(),
        default=list(ACTIVATIONS),
        metavar="A,B",
        help=f"activations to show (default: {','.join(ACTIVATIONS)})",
    )
    parser.add_argument(
        "--depth",
        type=IntRange(1, 1000),
        default=10,
        metavar="N",
        help="number of layers the reading multiplies over (default: %(default)s)",
    )


def _run_activations(args: argparse.Namespace) -> int:
    out = prepare_out_dir(args.out)
    from jaxnn import diagnostics, plot
    from jaxnn._table import write_csv

    summary = diagnostics.activation_derivatives(
        args.activations, num=2001 if args.quick else 20001
    )
    reading = summary.reading(args.depth)
    print("Activations and their derivatives f'(x) (the book's figures 9-3 and 9-4)")
    print(summary.table())
    print()
    print(reading)
    if out is not None:
        headers, rows = summary.rows()
        print(f"wrote {write_csv(out / 'activations.csv', headers, rows)}")
        data = {"headers": headers, "rows": rows, "reading": reading}
        print(f"wrote {save_json(out / 'activations.json', data)}")
        print(f"wrote {save_figure(plot.activations(args.activations), out / 'activations.png')}")
    return 0


def _add_vanishing(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--activations",
        type=CommaList(),
        default=list(ACTIVATIONS),
        metavar="A,B",
        help=f"hidden activations to compare (default: {','.join(ACTIVATIONS)})",
    )
    parser.add_argument(
        "--depths",
        type=CommaList(IntRange(1, 1000)),
        default=None,
        metavar="N,M",
        help="numbers of hidden layers (default: 2,5,10,20; --quick: 3,10)",
    )
    parser.add_argument(
        "--width", type=IntRange(1, 10_000), default=32, help="hidden units (default: 32)"
    )
    parser.add_argument(
        "--seeds",
        type=IntRange(1, 10_000),
        default=None,
        help="seeds per setting (default: 5; --quick: 3)",
    )
    parser.add_argument(
        "--init", default="glorot_normal", help="weight initializer (default: %(default)s)"
    )
    parser.add_argument(
        "--depth",
        type=IntRange(1, 1000),
        default=None,
        help="depth of the per-layer table and figure (default: 10 if measured, else the deepest)",
    )
    parser.add_argument(
        "--train-depth",
        type=IntRange(1, 1000),
        default=8,
        help="hidden layers of the trained network (default: %(default)s)",
    )
    parser.add_argument(
        "--epochs",
        type=IntRange(1, 100_000),
        default=None,
        help="training epochs (default: 20; --quick: 4)",
    )
    parser.add_argument(
        "--dataset",
        choices=("auto", "digits", "generated"),
        default="auto",
        help="training data: scikit-learn's digits when installed (auto), or generated",
    )
    parser.add_argument(
        "--no-train", action="store_true", help="only measure gradients, skip the training run"
    )


def _vanishing_json(args, report, depth, comparison) -> dict[str, Any]:
    data: dict[str, Any] = {
        "settings": {
            "width": report.width,
            "n_inputs": report.n_inputs,
            "n_samples": report.n_samples,
            "init": report.init,
            "seeds": report.seeds,
            "seed": args.seed,
        },
        **report.measurements(),
        "reading": report.reading(depth),
    }
    if comparison is not None:
        data["training"] = {
            "dataset": comparison.dataset,
            "depth": comparison.depth,
            "width": comparison.width,
            "epochs": comparison.epochs,
            "batch_size": comparison.batch_size,
            "optimizer": comparison.optimizer,
            "loss": comparison.curves("loss"),
            "accuracy": comparison.curves("accuracy"),
            "test_accuracy": dict(
                zip(comparison.activations, map(float, comparison.test_accuracy), strict=True)
            ),
            "reading": comparison.reading(),
        }
    return data


def _run_vanishing(args: argparse.Namespace) -> int:
    quick = args.quick
    depths = args.depths if args.depths is not None else [3, 10] if quick else [2, 5, 10, 20]
    seeds = args.seeds if args.seeds is not None else 3 if quick else 5
    epochs = args.epochs if args.epochs is not None else 4 if quick else 20
    if args.depth is not None and args.depth not in depths:
        listed = ",".join(map(str, depths))
        raise CLIError(f"--depth {args.depth} is not among --depths {listed}; add it there.")
    out = prepare_out_dir(args.out)
    import jax

    from jaxnn import diagnostics, plot
    from jaxnn._table import write_csv

    key_grad, key_train = jax.random.split(jax.random.key(args.seed))
    report = diagnostics.vanishing_gradients(
        activations=args.activations,
        depths=depths,
        width=args.width,
        init=args.init,
        seeds=seeds,
        key=key_grad,
    )
    depth = report.default_depth() if args.depth is None else args.depth
    print(
        "Ratio of gradient norms, first hidden layer / last hidden layer: the median norm of "
        "the first over the median norm of the last (the per-layer table's ratio)"
    )
    print(report.table())
    print()
    print(f"Gradient norm of each layer's weights, {depth} hidden layers (median over seeds)")
    print(report.layer_table(depth))
    print()
    print(report.reading(depth))
    comparison = None
    if not args.no_train:
        comparison = diagnostics.train_depth_comparison(
            activations=args.activations,
            depth=args.train_depth,
            width=args.width,
            epochs=epochs,
            init=args.init,
            dataset=args.dataset,
            key=key_train,
        )
        print()
        print("The consequence: the same deep network trained with each activation")
        print(comparison.table())
        print()
        print(comparison.reading())
    if out is None:
        return 0
    wrote = [write_csv(out / "vanishing_ratios.csv", *report.ratio_rows())]
    wrote.append(write_csv(out / f"vanishing_layers_depth{depth}.csv", *report.layer_rows(depth)))
    wrote.append(save_figure(plot.gradient_norms(report, depth), out / "gradient_norms.png"))
    if comparison is not None:
        wrote.append(write_csv(out / "depth_training.csv", *comparison.rows()))
        fig = plot.loss_curves(
            comparison.curves("loss"),
            ylabel="training loss (cross-entropy)",
            title=f"{comparison.depth} hidden layers: {comparison.dataset.split(' (')[0]}",
        )
        wrote.append(save_figure(fig, out / "depth_training.png"))
    data = _vanishing_json(args, report, depth, comparison)
    wrote.append(save_json(out / "vanishing.json", data))
    for path in wrote:
        print(f"wrote {path}")
    return 0


# --------------------------------------------------------------------------------------------
# jaxnn gd-vs-sgd, jaxnn optimizers, jaxnn paths (ch. 9.4)


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
    parser.add_argument(
        "--epochs",
        type=IntRange(1, 100_000),
        metavar="N",
        help="epochs per run (default: 20; --quick: 4)",
    )


def _run_gd_vs_sgd(args: argparse.Namespace) -> int:
    out = prepare_out_dir(args.out)
    import jax

    from jaxnn import plot
    from jaxnn._table import format_table, write_csv
    from jaxnn.experiments import gd_vs_sgd

    result = gd_vs_sgd(
        key=jax.random.key(args.seed),
        dataset=args.dataset,
        model=args.model,
        epochs=args.epochs,
        quick=args.quick,
    )
    headers, rows = result.table()
    print(
        f"GD vs SGD on {result.dataset} ({result.n} examples), {result.model} model; "
        f"target loss {result.target_loss:.4g} (best linear fit {result.optimal_loss:.4g})"
    )
    print(format_table(headers, rows))
    print_wrapped(
        "ms/epoch: the median over the epochs, with its interquartile range (IQR); 's to "
        "target' sums one run's epoch times. Differences whose IQRs overlap are within noise."
    )
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
        type=CommaList(choices=TABLE_9_1),
        default=list(TABLE_9_1),
        metavar="A,B",
        help=f"the book's Table 9-1 optimizers to run (default: {','.join(TABLE_9_1)})",
    )
    parser.add_argument(
        "--epochs",
        type=IntRange(1, 100_000),
        metavar="N",
        help="epochs per optimizer (default: 20; --quick: 3)",
    )
    parser.add_argument(
        "--batch-size",
        type=IntRange(1, 10**6),
        default=32,
        metavar="N",
        help="batch size (default: 32)",
    )


def _run_optimizers(args: argparse.Namespace) -> int:
    out = prepare_out_dir(args.out)
    import jax

    from jaxnn import plot
    from jaxnn._table import format_table, write_csv
    from jaxnn.experiments import compare_optimizers

    result = compare_optimizers(
        key=jax.random.key(args.seed),
        dataset=args.dataset,
        optimizers=args.optimizers,
        batch_size=args.batch_size,
        epochs=args.epochs,
        quick=args.quick,
    )
    headers, rows = result.table()
    sizes = "-".join(str(s) for s in result.sizes)
    print(
        f"Table 9-1 optimizers: MLP {sizes} on {result.dataset} ({result.n_train} train, "
        f"{result.n_test} test), batch {result.batch_size}, {plural(result.epochs, 'epoch')}, "
        "same init; each optimizer at its own learning rate (the hyperparameters column)"
    )
    print(format_table(headers, rows))
    if out is not None:
        print(f"wrote {write_csv(out / 'optimizers.csv', headers, rows)}")
        print(f"wrote {save_json(out / 'optimizers.json', _plain(result))}")
        print(f"wrote {save_figure(plot.optimizer_comparison(result), out / 'optimizers.png')}")
    return 0


_PATH_SURFACES = ("quadratic", "rosenbrock", "beale", "saddle")


def _add_paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--surface",
        choices=[*_PATH_SURFACES, "all"],
        default="all",
        help="the 2-D test function (default: all four)",
    )
    parser.add_argument(
        "--steps",
        **_steps_arg(
            "updates per path (default: the surface's own: quadratic 100, Rosenbrock 3000, "
            "Beale 1500, saddle 40)"
        ),
    )
    parser.add_argument(
        "--tol",
        type=float,
        default=1e-2,
        help="distance to the minimum that counts as reaching it (default: 0.01)",
    )


def _finite_or_none(values: Any) -> Any:
    """Nested lists of floats with inf/nan as None (valid JSON)."""
    import math

    if isinstance(values, list):
        return [_finite_or_none(v) for v in values]
    if isinstance(values, float) and not math.isfinite(values):
        return None
    return values


def _paths_json(result: Any) -> dict[str, Any]:
    return {
        "surface": result.surface.name,
        "x0": result.x0.tolist(),
        "minimum": result.surface.minimum,
        "bounds": result.surface.bounds,
        "steps": result.steps,
        "tol": result.tol,
        "optimizers": {
            name: {
                "hyperparameters": result.hyperparameters.get(name, {}),
                "final_point": _finite_or_none(s.final_point.astype(float).tolist()),
                "final_loss": _finite_or_none(s.final_loss),
                "distance": _finite_or_none(s.distance),
                "steps_to_minimum": s.steps_to_minimum,
                "exit_step": s.exit_step,
                "path": _finite_or_none(result.paths[name].astype(float).tolist()),
            }
            for name, s in result.stats.items()
        },
    }


PATHS_LR_NOTE = (
    "Each optimizer runs at its own learning rate (the settings column): about the largest that "
    "stays stable from this start (larger ones diverge), so the paths compare each optimizer "
    "at its best, not at one shared rate."
)


def _run_paths(args: argparse.Namespace) -> int:
    import math

    if not (args.tol > 0 and math.isfinite(args.tol)):
        raise CLIError(f"--tol must be a positive number, got --tol {args.tol}.")
    out = prepare_out_dir(args.out)
    from jaxnn import plot
    from jaxnn._table import format_table, write_csv
    from jaxnn.experiments import ill_conditioned_story, optimizer_paths, paths_table

    names = _PATH_SURFACES if args.surface == "all" else (args.surface,)
    results = {name: optimizer_paths(name, steps=args.steps, tol=args.tol) for name in names}
    if "quadratic" in names:
        results["quadratic_story"] = ill_conditioned_story(steps=args.steps or 20)
    summary = {}
    for name, result in results.items():
        headers, rows = paths_table(result)
        minimum = result.surface.minimum
        where = "no minimum" if minimum is None else f"minimum ({minimum[0]:g}, {minimum[1]:g})"
        print(
            f"\n{result.surface.title}: from ({result.x0[0]:g}, {result.x0[1]:g}), {where}, "
            f"{plural(result.steps, 'step')}, tol {result.tol:g}"
        )
        print(format_table(headers, rows))
        if name != "quadratic_story":
            print(PATHS_LR_NOTE)
        if name == "quadratic_story":
            gd06, mom = result.stats["gd lr=0.6"], result.stats["momentum lr=0.6 mu=0.5"]
            print(
                "GD multiplies x2 by (1 - 4 lr) each step: lr 0.4 gives -0.6 (converges), "
                "lr 0.6 gives -1.4 (diverges: out of the picture at step "
                f"{gd06.exit_step}). Momentum 0.5 at lr 0.6 damps the zig-zag: within tol "
                f"at step {mom.steps_to_minimum}."
            )
        summary[name] = _paths_json(result)
        if out is not None:
            fig = plot.optimizer_paths(result, grid=80 if args.quick else 200)
            print(f"wrote {save_figure(fig, out / f'paths_{name}.png')}")
            print(f"wrote {write_csv(out / f'paths_{name}.csv', headers, rows)}")
    if out is not None:
        print(f"wrote {save_json(out / 'paths.json', summary)}")
    return 0


# --------------------------------------------------------------------------------------------
# jaxnn validate


def _add_validate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--steps",
        **_steps_arg(
            "updates per configuration (default 200; --quick: 50 steps and one configuration "
            "per optimizer)"
        ),
    )
    parser.add_argument(
        "--dtype",
        choices=("float32", "float64"),
        default="float32",
        help="precision (default float32)",
    )
    parser.add_argument(
        "--optimizers",
        type=CommaList(),
        metavar="A,B",
        default=None,
        help="only these optimizers or configurations (e.g. adam,keras.Adam); default: all",
    )
    parser.add_argument(
        "--list", action="store_true", help="list the configurations and exit, running nothing"
    )


def _print_configs(configs: Sequence[Any], width: int = 100) -> None:
    """Each configuration with its two calls, wrapped to ``width`` columns."""
    import textwrap

    for c in configs:
        print(c.name)
        for label, call in (("jaxnn:    ", c.jaxnn_call), ("reference:", c.reference_call)):
            lines = textwrap.wrap(call, width - 14, break_on_hyphens=False) or [""]
            print(f"  {label} {lines[0]}")
            for line in lines[1:]:
                print(f"{'':13}{line}")


def _run_validate(args: argparse.Namespace) -> int:
    out = prepare_out_dir(args.out) if not args.list else None
    from jaxnn import validate
    from jaxnn._table import format_table, write_csv

    configs = validate.select(args.optimizers, validate.registry())
    if args.quick and args.optimizers is None:
        # One configuration per optimizer (the first, its defaults): half the compilation.
        firsts = {}
        for c in configs:
            firsts.setdefault(c.optimizers[0], c)
        configs = list(firsts.values())
    if args.list:
        _print_configs(configs)
        return 0
    steps = args.steps if args.steps is not None else (50 if args.quick else 200)
    reports = validate.run(steps=steps, dtype=args.dtype, key=args.seed, configs=configs)
    rtol, atol = validate.TOLERANCES[args.dtype]
    print_wrapped(
        f"jaxnn beside its reference, {plural(steps, 'step')}, {args.dtype}, seed {args.seed}: "
        f"PASS when |jaxnn - reference| <= atol + rtol*|reference| at every step (rtol={rtol:g}, "
        f"atol={atol:g} unless the row says otherwise) and every value is finite. "
        "'jaxnn validate --list' shows each configuration's two calls."
    )
    headers = ["configuration", "steps", "max abs diff", "max rel diff", "rtol", "result"]
    rows = [
        [
            r.name,
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
        f"{len(reports) - len(failed)} of {len(reports)} configurations PASS"
        + (f"; FAIL: {', '.join(failed)}" if failed else "")
    )
    if out is not None:
        csv_headers = ["configuration", "jaxnn call", "reference call", *headers[1:]]
        csv_rows = [
            [r.name, r.jaxnn_call, r.reference_call, *row[1:]]
            for r, row in zip(reports, rows, strict=True)
        ]
        print(f"wrote {write_csv(out / 'validate.csv', csv_headers, csv_rows)}")
        data = [
            {**r.summary(), "abs_diff": r.abs_diff, "rel_diff": r.rel_diff, "finite": r.finite}
            for r in reports
        ]
        print(f"wrote {save_json(out / 'validate.json', data)}")
    return 1 if failed else 0


# --------------------------------------------------------------------------------------------
# jaxnn sweep (research sweeps: many seeds x learning rates in one compiled program)


def _add_sweep(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--study",
        choices=("both", "lr", "xor"),
        default="both",
        help="lr: loss vs learning rate per optimizer on the digits; xor: XOR solve rate per "
        "width and optimizer (default: both)",
    )
    parser.add_argument(
        "--optimizers",
        type=CommaList(choices=TABLE_9_1),
        default=None,
        metavar="A,B",
        help="the book's Table 9-1 optimizers (default: all six for lr; sgd,momentum,adam for xor)",
    )
    parser.add_argument(
        "--seeds",
        type=IntRange(1, 100_000),
        default=None,
        metavar="N",
        help="seeds per cell (default: lr 8, xor 100)",
    )
    parser.add_argument(
        "--dataset",
        choices=("auto", "digits", "blobs"),
        default="auto",
        help="data of the lr study: digits (scikit-learn) or generated blobs (default: auto)",
    )


def _sweep_floats(values: Any) -> list:
    import numpy as np

    return [float(v) if np.isfinite(v) else None for v in np.asarray(values, np.float64).ravel()]


def _run_sweep(args: argparse.Namespace) -> int:
    out = prepare_out_dir(args.out)
    import jax

    from jaxnn import plot
    from jaxnn._table import format_table, write_csv
    from jaxnn.experiments import lr_sensitivity, xor_solve_rate

    names = args.optimizers
    summary: dict[str, Any] = {}
    if args.study in ("both", "lr"):
        r = lr_sensitivity(
            key=jax.random.key(args.seed),
            dataset=args.dataset,
            optimizers=names,
            seeds=args.seeds,
            quick=args.quick,
        )
        rates = r.curves[0].learning_rates
        headers = ["optimizer", "best lr", *[f"lr {lr:.3g}" for lr in rates]]
        rows = [[c.name, c.best_learning_rate, *c.median.tolist()] for c in r.curves]
        sizes = "-".join(str(s) for s in r.sizes)
        runs = len(r.curves) * len(rates) * r.seeds
        print(
            f"final training loss, median of {r.seeds} seeds (inf: diverged): MLP {sizes} on "
            f"{r.dataset}, batch {r.batch_size}, {plural(r.epochs, 'epoch')}; {runs} runs, compile "
            f"{r.compile_time:.1f} s, train {r.run_time:.2f} s"
        )
        print(format_table(headers, rows))
        summary["lr_sensitivity"] = {
            "dataset": r.dataset,
            "sizes": list(r.sizes),
            "batch_size": r.batch_size,
            "epochs": r.epochs,
            "seeds": r.seeds,
            "learning_rates": rates.tolist(),
            "compile_time": r.compile_time,
            "run_time": r.run_time,
            "curves": {
                c.name: {
                    "median": _sweep_floats(c.median),
                    "low": _sweep_floats(c.low),
                    "high": _sweep_floats(c.high),
                    "diverged": c.diverged.tolist(),
                    "best_learning_rate": c.best_learning_rate,
                }
                for c in r.curves
            },
        }
        if out is not None:
            print(f"wrote {write_csv(out / 'lr_sensitivity.csv', headers, rows)}")
            print(f"wrote {save_figure(plot.lr_sensitivity(r), out / 'lr_sensitivity.png')}")
    if args.study in ("both", "xor"):
        x = xor_solve_rate(
            key=jax.random.key(args.seed), optimizers=names, seeds=args.seeds, quick=args.quick
        )
        headers = ["optimizer", "lr", *[f"h={h}" for h in x.hidden]]
        rows = [
            [name, x.learning_rates[name], *x.solve_rate[i].tolist()]
            for i, name in enumerate(x.optimizers)
        ]
        print(
            f"share of {x.seeds} seeds that solve XOR (2-h-1 tanh net, {plural(x.epochs, 'epoch')})"
        )
        print(format_table(headers, rows))
        summary["xor_solve_rate"] = {
            "hidden": list(x.hidden),
            "seeds": x.seeds,
            "epochs": x.epochs,
            "learning_rates": x.learning_rates,
            "solve_rate": {n: x.solve_rate[i].tolist() for i, n in enumerate(x.optimizers)},
        }
        if out is not None:
            print(f"wrote {write_csv(out / 'xor_solve_rate.csv', headers, rows)}")
            print(f"wrote {save_figure(plot.xor_solve_rate(x), out / 'xor_solve_rate.png')}")
    if out is not None:
        print(f"wrote {save_json(out / 'sweep.json', summary)}")
    return 0


# --------------------------------------------------------------------------------------------
# jaxnn study (the optimizer benchmark: problems x optimizers x budgets x seeds; jaxnn.study)
def _add_study(parser: argparse.ArgumentParser) -> None:
    from jaxnn.study import cli as study_cli

    study_cli.add_arguments(parser)


def _run_study(args: argparse.Namespace) -> int:
    from jaxnn.study import cli as study_cli

    return study_cli.run(args, prepare_out_dir(args.out))


# --------------------------------------------------------------------------------------------
# jaxnn tour (every chapter, one report)


def _add_tour(parser: argparse.ArgumentParser) -> None:
    import textwrap

    parser.description = textwrap.fill(
        f"Run every experiment of chapters 8-9 of {BOOK} in the book's order (ch. 8 XOR "
        "backprop; ch. 9.3 activations and vanishing gradients; ch. 9.4 GD vs SGD, the Table "
        "9-1 optimizers, optimizer paths, optax conformance) and write one report: index.html "
        "(self-contained), report.md, report.json, every figure as PNG and every table as CSV. "
        "Default: about a minute on a 2-core CPU, mostly XLA compilation.",
        width=78,
    )
    parser.epilog = (
        "example:\n  jaxnn tour                       # writes ./jaxnn-report/index.html\n"
        "  jaxnn tour --quick --out /tmp/r  # seconds of compute, smaller runs\n"
        "  jaxnn tour --full                # several minutes: more seeds, depths, epochs\n"
        "  jaxnn tour --only xor,paths      # some stages only\n"
        "  jaxnn tour --lang ko             # the report in Korean"
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="the slow, thorough version (several minutes): more seeds, depths and epochs, "
        "all four surfaces, every validation configuration in float32 and float64",
    )
    parser.add_argument(
        "--lang",
        choices=("en", "ko"),
        default="en",
        help="the report's language: en (default) or ko, the language of the lecture",
    )
    parser.add_argument(
        "--only",
        type=CommaList(choices=TOUR_STAGES),
        metavar="A,B",
        help=f"run only these stages: {','.join(TOUR_STAGES)} (default: all, in this order)",
    )


def _run_tour(args: argparse.Namespace) -> int:
    if args.quick and args.full:
        raise CLIError("--quick and --full exclude each other; give one of them.")
    out = prepare_out_dir(args.out)
    from jaxnn import tour

    mode = "quick" if args.quick else "full" if args.full else "default"
    print(f"jaxnn tour ({mode}): chapters 8-9 of {BOOK} in order, writing to {out}/")
    report = tour.run_tour(
        out, mode=mode, seed=args.seed, stages=args.only, echo=print, lang=args.lang
    )
    files = sorted({f for s in report.sections for f in s.files})
    print(
        f"\nwrote {len(files) + 3} files in {report.seconds:.0f} s: report.md, report.json, "
        f"{len(files)} figures and tables"
    )
    print(f"report: {(out / 'index.html').resolve()}")
    return 0


# --------------------------------------------------------------------------------------------
# jaxnn info


def _add_info(parser: argparse.ArgumentParser) -> None:
    del parser


def _run_info(args: argparse.Namespace) -> int:
    out = prepare_out_dir(args.out)
    from jaxnn._env import environment

    info = environment()
    for key, value in info.items():
        print(f"{key:>9}: {value}")
    if out is not None:
        print(f"wrote {save_json(out / 'info.json', info)}")
    return 0


# --------------------------------------------------------------------------------------------
# The command table, in the book's order: the chapters, then the tools.

COMMANDS: list[Command] = [
    Command(
        "xor",
        "ch. 8: the book's XOR backprop run printed the book's way, then the corrected rule, "
        "plain GD, momentum 0 and sigmoid, with verdicts",
        "jaxnn xor --plot xor.png",
        _add_xor,
        _run_xor,
        options=("out", "quick"),  # its own --seed: the book's 777
    ),
    Command(
        "activations",
        "ch. 9.3: sigmoid, tanh, ReLU and softplus with their derivatives (figures 9-3, 9-4)",
        "jaxnn activations --out results/activations",
        _add_activations,
        _run_activations,
        options=("out", "quick"),
        option_help={"quick": "a coarser grid of x (2,001 points instead of 20,001)"},
    ),
    Command(
        "vanishing",
        "ch. 9.3: vanishing gradients per layer, then a deep MLP trained per activation",
        "jaxnn vanishing --quick --out results/vanishing",
        _add_vanishing,
        _run_vanishing,
    ),
    Command(
        "gd-vs-sgd",
        "ch. 9.4: full-batch GD vs SGD vs minibatches, compiled and in a Python loop (figure 9-5)",
        "jaxnn gd-vs-sgd --quick --out results/gd-vs-sgd",
        _add_gd_vs_sgd,
        _run_gd_vs_sgd,
    ),
    Command(
        "optimizers",
        "ch. 9.4: the book's Table 9-1 optimizers train one MLP on the digits: loss and accuracy",
        "jaxnn optimizers --quick --optimizers sgd,adam --out results/optimizers",
        _add_optimizers,
        _run_optimizers,
    ),
    Command(
        "paths",
        "ch. 9.4: optimizer paths on 2-D surfaces: quadratic, Rosenbrock, Beale, saddle (fig. 9-6)",
        "jaxnn paths --surface rosenbrock --out results/paths",
        _add_paths,
        _run_paths,
        options=("out", "quick"),
        option_help={"quick": "coarser contours in the figures written to --out"},
    ),
    Command(
        "validate",
        "run every jaxnn optimizer beside its optax twin or recipe and report the differences",
        "jaxnn validate --dtype float64 --optimizers adam,keras.Adam",
        _add_validate,
        _run_validate,
    ),
    Command(
        "sweep",
        "research sweeps: loss vs learning rate of each optimizer and the XOR solve rate, "
        "every seed and learning rate trained at once (vmap)",
        "jaxnn sweep --quick --out results/sweep",
        _add_sweep,
        _run_sweep,
    ),
    Command(
        "study",
        "benchmark optimizers across problems, tuning budgets and seeds (Schmidt et al. 2021), "
        "every run of an optimizer vmapped in one compiled program",
        "jaxnn study --quick --out results/study",
        _add_study,
        _run_study,
    ),
    Command(
        "tour",
        "every experiment of chapters 8-9 as one report: figures, tables and readings "
        "(index.html, report.md)",
        "jaxnn tour --out jaxnn-report",
        _add_tour,
        _run_tour,
        out_default="jaxnn-report",
        option_help={
            "quick": "small runs (for tests and a first look; seconds of compute)",
            "seed": "random seed of every stage (default: 0; XOR keeps the book's 777)",
        },
    ),
    Command(
        "info",
        "print the versions of jaxnn, JAX and optax, and the devices JAX sees",
        "jaxnn info",
        _add_info,
        _run_info,
        options=("out",),
    ),
]


# --------------------------------------------------------------------------------------------
# The parser and the entry point


def _version() -> str:
    from jaxnn import __version__

    return __version__


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``jaxnn CMD: error: ... (see 'jaxnn CMD --help')``."""

    def error(self, message: str):  # argparse prints the usage too: several lines
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


_COMMON_HELP = {
    "quick": "a small, fast version (seconds)",
    "seed": "random seed (default: 0)",
}


def _add_common(p: argparse.ArgumentParser, cmd: Command) -> None:
    helps = {**_COMMON_HELP, **(cmd.option_help or {})}
    if "out" in cmd.options:
        default = cmd.out_default
        p.add_argument(
            "--out",
            metavar="DIR",
            default=default,
            help="directory for the files this command writes"
            + (f" (default: {default})" if default else " (default: print only)"),
        )
    if "quick" in cmd.options:
        p.add_argument("--quick", action="store_true", help=helps["quick"])
    if "seed" in cmd.options:
        p.add_argument(
            "--seed", type=IntRange(0, 2**63 - 1), default=0, metavar="N", help=helps["seed"]
        )


def build_parser(commands: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``jaxnn`` argument parser with every registered subcommand.

    Args:
        commands: the subcommands whose own options are added (default: all). Every subcommand
            is listed either way; :func:`main` adds only the options of the one it runs, so
            that no other command's ``add_arguments`` (which may import a library) runs.
    """
    parser = _Parser(
        prog="jaxnn",
        description="jaxnn: backpropagation, activations and optimizers in JAX, following "
        f"chapters 8-9 of the textbook {BOOK} and a lecture on them; each experiment of the "
        "book is a command.",
        epilog="Run 'jaxnn COMMAND --help' for a command's options. Lists are comma-separated "
        "(--optimizers sgd,adam).",
    )
    parser.add_argument("--version", action="version", version=f"jaxnn {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    parser.commands = {}  # name -> subparser, so that errors name the subcommand
    for cmd in COMMANDS:
        p = sub.add_parser(
            cmd.name,
            help=cmd.help,
            description=cmd.help[0].upper() + cmd.help[1:] + ".",
            epilog=f"example:\n  {cmd.example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        _add_common(p, cmd)
        if commands is None or cmd.name in commands:
            cmd.add_arguments(p)
        for action in p._actions:  # one metavar for every integer: N
            if isinstance(action.type, IntRange) and action.metavar is None:
                action.metavar = "N"
        p.set_defaults(_run=cmd.run)
        parser.commands[cmd.name] = p
    return parser


def _flags_for_names(message: str, args: argparse.Namespace) -> str:
    """A library message names Python parameters (`` `batch_size` ``): name the flags instead."""
    for dest in vars(args):
        if not dest.startswith("_"):
            flag = "--" + dest.replace("_", "-")
            message = re.sub(rf"`{dest}`", flag, message)
            message = re.sub(rf"\b{dest}=", f"{flag} ", message)
    return message


def _main(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    chosen = next((a for a in argv if not a.startswith("-")), None)  # the subcommand
    parser = build_parser([chosen] if chosen else [])
    args, extra = parser.parse_known_args(argv)
    if extra:  # reported by the subcommand's parser: "jaxnn xor: error: ..."
        parser.commands.get(args.command, parser).error(
            f"unrecognized arguments: {' '.join(extra)}"
        )
    if args.command is None:
        parser.print_help()
        return 0
    try:
        check_values(parser.commands[args.command], args)
        code = int(args._run(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, inside main, not at interpreter exit
        return code
    except BrokenPipeError:
        raise
    except (CLIError, ValueError, TypeError, OSError, ImportError, OverflowError) as e:
        if os.environ.get("JAXNN_DEBUG"):
            raise
        message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if not isinstance(e, CLIError):
            message = _flags_for_names(message, args)
        print(f"jaxnn {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"jaxnn {args.command}: interrupted", file=sys.stderr)
        return 130


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``jaxnn`` console script; returns the exit code.

    Exit codes: 0 done; 1 a check failed (``jaxnn validate``); 2 a bad argument or an
    unwritable ``--out`` (one line on stderr); 130 interrupted; 141 the reader of stdout went
    away (``jaxnn xor | head``), stopped quietly like other command-line tools.
    """
    try:
        return _main(argv)
    except BrokenPipeError:
        # Point stdout at /dev/null so that Python's final flush does not complain again.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
