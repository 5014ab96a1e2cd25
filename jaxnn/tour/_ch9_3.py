"""Ch. 9.3: activation functions, vanishing gradients and what they do to a deep MLP."""

from __future__ import annotations

import jax
import numpy as np

from jaxnn import diagnostics, plot
from jaxnn.report import Section
from jaxnn.tour._base import (
    Context,
    file_names,
    fmt,
    pct,
    plural,
    save_figure,
    save_json,
    save_table,
)

ACTIVATIONS = ("sigmoid", "tanh", "relu", "softplus")


def stage_activations(ctx: Context) -> Section:
    """The ch. 9.3 section on activations: each derivative's maximum and where it is reached
    (``diagnostics.activation_derivatives``) and figures 9-3/9-4."""
    summary = diagnostics.activation_derivatives(ACTIVATIONS, num=ctx.settings.activation_grid)
    headers, rows = summary.rows()
    table = save_table(
        ctx,
        "activations.csv",
        "Each derivative's maximum on [-10, 10], where it is reached, the share of the grid "
        "where f' ≥ 0.99, and f' at a few points",
        headers,
        rows,
    )
    depth = 10
    info = {
        name: (
            float(summary.max_derivative[i]),
            float(summary.argmax[i]),
            float(summary.near_one[i]),
        )
        for i, name in enumerate(summary.names)
    }
    figure = save_figure(
        ctx,
        plot.activations(ACTIVATIONS),
        "activations.png",
        "sigmoid, tanh, ReLU and softplus (solid) with their derivatives (dashed); sigmoid's "
        "derivative peaks at 0.25 (the book's figures 9-3 and 9-4).",
    )
    data = {"headers": headers, "rows": rows, "reading": summary.reading(depth)}
    measured = tuple(
        f"{name}: the largest f' on the grid is {m:.4g}, at {summary.where(k)}; f' ≥ 0.99 on "
        f"{pct(share)} of [-10, 10]."
        for k, (name, (m, _, share)) in enumerate(info.items())
    )
    s_max = info["sigmoid"][0]
    t_max, _, t_share = info["tanh"]
    r_share = info["relu"][2]
    sp_max, sp_at, _ = info["softplus"]
    reading = (
        f"sigmoid's derivative is at most {fmt(s_max)} (at x = {fmt(info['sigmoid'][1])}), so "
        f"{depth} sigmoid layers multiply a gradient by at most {fmt(s_max)}^{depth} = "
        f"{fmt(s_max**depth, 2)}: it fades.",
        f"tanh' reaches {fmt(t_max)} but is ≥ 0.99 on only {pct(t_share)} of the grid; ReLU' is "
        f"exactly 1 on {pct(r_share)} of it (every x > 0), and softplus' (the sigmoid) only "
        f"approaches {fmt(sp_max, 6)} toward x = {fmt(sp_at)}.",
    )
    reading = ctx.pick(
        reading,
        (
            f"시그모이드의 미분은 최대 {fmt(s_max)} (x = {fmt(info['sigmoid'][1])})이므로, "
            f"시그모이드 층 {depth}개는 기울기에 많아야 "
            f"{fmt(s_max)}^{depth} = {fmt(s_max**depth, 2)}를 "
            "곱한다: 기울기가 사라진다.",
            f"tanh'는 {fmt(t_max)}까지 오르지만 격자의 {pct(t_share)}에서만 0.99 이상이다; "
            f"ReLU'는 격자의 {pct(r_share)}(모든 x > 0)에서 정확히 1이고, "
            f"소프트플러스'(시그모이드)는 x = {fmt(sp_at)} 쪽으로 "
            f"{fmt(sp_max, 6)}에 다가갈 뿐이다.",
        ),
    )
    return Section(
        id="ch9.3-activations",
        chapter="9.3",
        title="Activation functions and their derivatives",
        book_says=(
            "Backpropagation needs each layer's derivative, and the vanishing gradient problem "
            "comes from the sigmoid: its derivative is small (figure 9-3, at most 0.25), so the "
            "gradient shrinks at every layer it passes. Other activations replaced it "
            "(figure 9-4): tanh widens the range of the derivative, but values below 1 remain, "
            "so the problem does not go away; ReLU, now the most used, lets the gradient "
            "survive through many hidden layers to the first one, which is what made deep "
            "networks take off; softplus softens the point where ReLU becomes 0."
        ),
        measured=measured,
        tables=(table,),
        figures=(figure,),
        reading=reading,
        files=file_names([table, figure, save_json(ctx, "activations.json", data)]),
        seconds=0.0,
    )


def stage_vanishing(ctx: Context) -> Section:
    """The ch. 9.3 section on vanishing gradients: the per-layer gradient-norm sweep
    (``diagnostics.vanishing_gradients``) and the same deep MLP trained with each activation."""
    s = ctx.settings
    key_grad, key_train = jax.random.split(ctx.key())
    report = diagnostics.vanishing_gradients(
        activations=ACTIVATIONS, depths=s.vanishing_depths, seeds=s.vanishing_seeds, key=key_grad
    )
    depth = report.default_depth()
    comparison = diagnostics.train_depth_comparison(
        activations=s.train_activations,
        depth=s.train_depth,
        width=s.train_width,
        epochs=s.train_epochs,
        key=key_train,
    )
    ratio_table = save_table(
        ctx,
        "vanishing_ratios.csv",
        "Ratio first hidden layer / last hidden layer of the weights' gradient norms, each the "
        f"median of {report.seeds} seeds (fresh {report.init} MLPs of width {report.width}): "
        "the per-layer table's first column over its last hidden one",
        *report.ratio_rows(),
    )
    layer_table = save_table(
        ctx,
        f"vanishing_layers_depth{depth}.csv",
        f"Gradient norm of each layer's weights, {depth} hidden layers, median of "
        f"{report.seeds} seeds",
        *report.layer_rows(depth),
    )
    train_table = save_table(
        ctx,
        "depth_training.csv",
        f"The same {comparison.depth}-hidden-layer MLP trained with each activation "
        f"({plural(comparison.epochs, 'epoch')})",
        *comparison.rows(),
    )
    norms_fig = save_figure(
        ctx,
        plot.gradient_norms(report, depth),
        "gradient_norms.png",
        f"Gradient norm per layer, {depth} hidden layers, median of {report.seeds} seeds (the "
        "book's figure 9-2): with sigmoid it fades toward the first layers; the ratio in the "
        "table is the first hidden layer's point over the last hidden layer's.",
    )
    train_fig = save_figure(
        ctx,
        plot.loss_curves(
            comparison.curves("loss"),
            ylabel="training loss (cross-entropy)",
            title=f"{comparison.depth} hidden layers: {comparison.dataset.split(' (')[0]}",
        ),
        "depth_training.png",
        f"Training loss per epoch of the {comparison.depth}-hidden-layer MLP, one line per "
        "activation.",
    )
    data = {
        "settings": {
            "width": report.width,
            "init": report.init,
            "seeds": report.seeds,
            "depths": report.depths,
        },
        **report.measurements(),
        "training": {
            "dataset": comparison.dataset,
            "depth": comparison.depth,
            "epochs": comparison.epochs,
            "loss": comparison.curves("loss"),
            "test_accuracy": dict(
                zip(comparison.activations, map(float, comparison.test_accuracy), strict=True)
            ),
        },
        "reading": [report.reading(depth), comparison.reading()],
    }
    ratio = {a: report.ratio(a, depth) for a in report.activations}
    i = {a: comparison.activations.index(a) for a in comparison.activations}
    loss = np.asarray(comparison.loss, dtype=float)
    acc = np.asarray(comparison.test_accuracy, dtype=float)
    measured = (
        f"Ratio first / last hidden layer at depth {depth}: "
        + ", ".join(f"{a} {fmt(r, 2)}" for a, r in ratio.items())
        + ".",
        *(
            f"{a}: ratio "
            + ", ".join(
                f"{fmt(float(report.ratios[k, j]), 2)} at depth {d}"
                for j, d in enumerate(report.depths)
            )
            + "."
            for k, a in enumerate(report.activations)
            if len(report.depths) > 1
        ),
        f"Trained ({comparison.depth} hidden layers of {comparison.width}, "
        f"{comparison.epochs} epochs of {comparison.optimizer}, batches of "
        f"{comparison.batch_size}, on {comparison.dataset}): "
        + "; ".join(
            f"{a} loss {fmt(loss[i[a], 0])} → {fmt(loss[i[a], -1])}, test accuracy {pct(acc[i[a]])}"
            for a in comparison.activations
        )
        + ".",
    )
    per_layer = ratio["sigmoid"] ** (1.0 / (depth - 1)) if ratio["sigmoid"] > 0 else 0.0
    sig, relu = i["sigmoid"], i["relu"]
    verdicts = {a: comparison.verdict(i[a]) for a in comparison.activations}
    reading = (
        f"With {depth} hidden layers the first hidden layer gets {fmt(ratio['sigmoid'], 2)} of "
        f"the last one's gradient with sigmoid (a factor of about {fmt(per_layer, 2)} per layer), "
        f"against {fmt(ratio['tanh'], 2)} with tanh and {fmt(ratio['relu'], 2)} with ReLU.",
        f"So the {comparison.depth}-layer sigmoid network {verdicts['sigmoid']} (loss "
        f"{fmt(loss[sig, 0])} → {fmt(loss[sig, -1])}, test accuracy {pct(acc[sig])}) while the "
        f"ReLU one {verdicts['relu']} (loss {fmt(loss[relu, -1])}, {pct(acc[relu])}); "
        f"verdicts: learned = test accuracy ≥ {diagnostics.LEARNED_ACCURACY:.0%}, still learning "
        f"= loss down ≥ {diagnostics.MOVED_LOSS_DROP:.0%}, else barely learned.",
    )
    ko_verdict = {
        "learned": "학습했다",
        "still learning": "아직 학습 중이다",
        "barely learned": "거의 학습하지 못했다",
    }
    reading = ctx.pick(
        reading,
        (
            f"은닉층이 {depth}개일 때 시그모이드에서는 첫 은닉층이 마지막 은닉층 기울기의 "
            f"{fmt(ratio['sigmoid'], 2)}만 받는다 (층마다 약 {fmt(per_layer, 2)}배); tanh에서는 "
            f"{fmt(ratio['tanh'], 2)}, ReLU에서는 {fmt(ratio['relu'], 2)}이다.",
            f"그래서 {comparison.depth}층 시그모이드 신경망은 {ko_verdict[verdicts['sigmoid']]} "
            f"(손실 {fmt(loss[sig, 0])} → {fmt(loss[sig, -1])}, 테스트 정확도 {pct(acc[sig])}); "
            f"ReLU 신경망은 {ko_verdict[verdicts['relu']]} (손실 {fmt(loss[relu, -1])}, "
            f"{pct(acc[relu])}). 판정 기준: 테스트 정확도 ≥ {diagnostics.LEARNED_ACCURACY:.0%}이면 "
            f"학습, 손실이 {diagnostics.MOVED_LOSS_DROP:.0%} 이상 줄면 학습 중, 아니면 거의 못함.",
        ),
    )
    return Section(
        id="ch9.3-vanishing",
        chapter="9.3",
        title="Vanishing gradients",
        book_says=(
            "With backpropagation, multilayer perceptrons became neural networks that solve "
            "XOR easily, and stacking more layers seemed the way to human-like intelligence "
            "(figure 9-1). But backprop corrects the weights from the output layer back toward "
            "the input, one layer at a time, and needs a gradient at each one; through many "
            "sigmoid layers the gradient disappears before it reaches the first layers, so "
            "their weights can hardly be corrected: the vanishing gradient problem "
            "(figure 9-2)."
        ),
        measured=measured,
        tables=(ratio_table, layer_table, train_table),
        figures=(norms_fig, train_fig),
        reading=reading,
        files=file_names(
            [
                ratio_table,
                layer_table,
                train_table,
                norms_fig,
                train_fig,
                save_json(ctx, "vanishing.json", data),
            ]
        ),
        seconds=0.0,
    )
