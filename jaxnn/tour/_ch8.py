"""Ch. 8: the book's XOR backprop run, the corrected rule, and the lesson."""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from jaxnn import plot
from jaxnn._table import write_csv
from jaxnn.experiments import xor_book, xor_book_variants
from jaxnn.experiments.xor import RULES, XOR_INPUTS, XOR_TARGETS
from jaxnn.report import Section
from jaxnn.tour._base import (
    Context,
    file_names,
    fmt,
    save_figure,
    save_json,
    save_table,
)


def _correct(result: Any) -> int:
    predictions = np.asarray(result.predictions, dtype=float)
    return int(np.sum((predictions > 0.5) == (np.asarray(XOR_TARGETS) > 0.5)))


def _trend(result: Any) -> str:
    errors = np.asarray(result.errors, dtype=float)
    return f"error {fmt(errors[0])} → {fmt(errors[-1])}"


def _learns(result: Any) -> str:
    n = _correct(result)
    return (
        "learns XOR" if n == 4 else "does not learn XOR"
    ) + f" ({n}/4 correct, {_trend(result)})"


def _learns_ko(result: Any) -> str:
    n = _correct(result)
    errors = np.asarray(result.errors, dtype=float)
    verdict = "XOR을 학습한다" if n == 4 else "XOR을 학습하지 못한다"
    return f"{verdict} ({n}/4 정답, 오차 {fmt(errors[0])} → {fmt(errors[-1])})"


def stage_xor(ctx: Context) -> Section:
    """The ch. 8 section: the book's XOR run and its variants (``xor_book_variants``), the
    hand-written backprop checked against ``jax.grad``, the error curves, the lesson."""
    epochs = ctx.settings.xor_epochs
    with jax.enable_x64(True):  # the book computes with Python floats
        variants = xor_book_variants(epochs=epochs)
        autodiff = xor_book(epochs=epochs, method="autodiff")
    runs = {v.name: v for v in variants}
    book = runs["book"].result
    errors = np.asarray(book.errors, dtype=float)
    every = max(1, epochs // 10)
    printed = errors[::every]
    grad_diff = float(np.max(np.abs(np.asarray(autodiff.errors, dtype=float) - errors)))
    predictions = np.asarray(book.predictions, dtype=float)
    inputs = ", ".join(f"[{int(a)}, {int(b)}]" for a, b in XOR_INPUTS)

    headers = ["run", "rule", "activation", "momentum", "first error", "last error"]
    headers += ["predictions", "verdict"]
    rows = [
        [
            v.name,
            RULES[v.result.rule].split("  (")[0],
            v.result.activation,
            "-" if v.result.rule == "gd" else v.result.momentum,
            float(v.result.errors[0]),
            float(v.result.errors[-1]),
            " ".join(f"{p:.3f}" for p in np.asarray(v.result.predictions, dtype=float)),
            v.verdict,
        ]
        for v in variants
    ]
    table = save_table(
        ctx, "xor_runs.csv", f"The same 2-2-1 net and weights, {epochs} epochs", headers, rows
    )
    curves = [np.asarray(v.result.errors, dtype=float) for v in variants]
    write_csv(
        ctx.out / "xor_errors.csv",
        ["epoch", *(v.name for v in variants)],
        [[i, *(float(c[i]) for c in curves)] for i in range(epochs)],
    )
    data = {
        "epochs": epochs,
        "seed": book.seed,
        "book_printed_errors": printed,
        "book_predictions": predictions,
        "max_abs_diff_manual_vs_jax_grad": grad_diff,
        "runs": [v.summary() for v in variants],
    }
    figure = save_figure(
        ctx,
        plot.xor_error_curves(variants),
        "xor_errors.png",
        f"Summed error per epoch of the book's XOR run and its variants ({epochs} epochs, log y).",
    )
    lr, mu = book.lr, book.momentum
    zero, corrected, sigmoid = (
        runs["book, momentum 0"].result,
        runs["corrected (momentum)"].result,
        runs["sigmoid (corrected)"].result,
    )
    zero_errors = np.asarray(zero.errors, dtype=float)
    climbs = zero_errors[-1] > zero_errors[0]
    sig = np.asarray(sigmoid.predictions, dtype=float)
    sig_spread = float(np.max(np.abs(sig - 0.5)))
    measured = (
        f"The book's run (2-2-1 tanh, weights from random.seed(777), lr {lr:g}, 'momentum' "
        f"{mu:g}, online updates, {epochs} epochs, float64) prints the error every {every} "
        f"epochs: {', '.join(f'{e:.5f}' for e in printed)}.",
        f"It predicts {', '.join(f'{p:.4f}' for p in predictions)} for {inputs} "
        "(targets 0, 1, 1, 0).",
        f"Hand-written backprop (jaxnn.backprop) and jax.grad give the same error curve: the "
        f"largest difference over {epochs} epochs is {grad_diff:.1e}.",
        *(f"{v.name}: {v.verdict}." for v in variants),
    )
    reading = (
        f"The book's rule w += {lr:g}·G_t − {mu:g}·G_(t−1) {_learns(book)}, but its "
        f"learning-rate term has the wrong sign: with the {mu:g} set to 0 the error "
        + (
            f"climbs ({fmt(zero_errors[0])} → {fmt(zero_errors[-1])}); it trains only because "
            f"{mu:g} > {lr:g}."
            if climbs
            else f"still falls ({fmt(zero_errors[0])} → {fmt(zero_errors[-1])})."
        ),
        f"The corrected rule, classic momentum v = {mu:g}·v − {lr:g}·G_t "
        f"(jaxnn.optim.momentum({lr:g}, {mu:g})), {_learns(corrected)}; with sigmoid in place "
        f"of tanh it {_learns(sigmoid)}"
        + (
            f", every output within {sig_spread:.2g} of 0.5: ch. 9.3's vanishing gradient in "
            "miniature."
            if sig_spread < 0.1
            else "."
        ),
    )
    reading_ko = (
        f"책의 규칙 w += {lr:g}·G_t − {mu:g}·G_(t−1)은 {_learns_ko(book)}. 그러나 학습률 항의 "
        f"부호가 반대다: {mu:g}를 0으로 두면 오차가 "
        + (
            f"커진다 ({fmt(zero_errors[0])} → {fmt(zero_errors[-1])}); {mu:g} > {lr:g}이기 "
            "때문에만 학습된다."
            if climbs
            else f"여전히 줄어든다 ({fmt(zero_errors[0])} → {fmt(zero_errors[-1])})."
        ),
        f"고친 규칙, 고전적 모멘텀 v = {mu:g}·v − {lr:g}·G_t (jaxnn.optim.momentum({lr:g}, "
        f"{mu:g}))는 {_learns_ko(corrected)}; tanh 대신 시그모이드를 쓰면 {_learns_ko(sigmoid)}"
        + (
            f", 모든 출력이 0.5에서 {sig_spread:.2g} 이내: 9.3절 기울기 소실의 축소판이다."
            if sig_spread < 0.1
            else "."
        ),
    )
    reading = ctx.pick(reading, reading_ko)
    return Section(
        id="ch8-backprop",
        chapter="8",
        title="Backpropagation: the book's XOR run",
        book_says=(
            "The weights inside a neural network are corrected by error backpropagation, an "
            "extension of gradient descent: start from random weights, compute the output, "
            "measure the error against the target, and move each weight a little in the "
            "direction that makes the error smaller, W(t+1) = W_t − ∂error/∂W, repeating until "
            "the error stops falling (until subtracting the gradient no longer changes the "
            "weight). In a multilayer perceptron the output error is passed back layer by "
            "layer to the earlier weights (figures 8-1, 8-2). Coding it takes five steps "
            "(figure 8-3): set the environment (data and targets, learning rate, activation, "
            "weights), run the network, compare the result with the targets, run "
            "backpropagation (update the output-layer and hidden-layer weights), print the "
            "results."
        ),
        measured=measured,
        tables=(table,),
        figures=(figure,),
        reading=reading,
        files=file_names([table, "xor_errors.csv", figure, save_json(ctx, "xor.json", data)]),
        seconds=0.0,
    )
