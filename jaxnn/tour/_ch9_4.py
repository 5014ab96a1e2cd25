"""Ch. 9.4: GD vs SGD, the Table 9-1 optimizers, and optimizer paths (momentum)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from jaxnn import plot
from jaxnn.experiments import (
    compare_optimizers,
    gd_vs_sgd,
    ill_conditioned_story,
    optimizer_paths,
    paths_table,
    within_noise,
)
from jaxnn.report import Section
from jaxnn.tour import _ko
from jaxnn.tour._base import (
    Context,
    file_names,
    fmt,
    pct,
    plain,
    plural,
    save_figure,
    save_json,
    save_table,
)


def _to_target(run: Any, n: int) -> str:
    if math.isnan(run.examples_to_target):
        return f"not within {run.epochs} epochs"
    epochs = plural(run.examples_to_target / n, "epoch")
    return f"after {int(run.examples_to_target):,} examples ({epochs})"


def _overlap_note(runs: Any, rtol: float = 0.03) -> str:
    """Names the optimizers whose training-loss curves lie within ``rtol`` of each other from
    the second epoch on (they overlap in the figure), or ``""``. Momentum 0.9 at lr 0.01 takes
    steps of about lr / (1 - 0.9) = 0.1 once its velocity has built up: SGD's at lr 0.1.

    Examples:
        >>> from types import SimpleNamespace as R
        >>> runs = [R(name="sgd", train_loss=[1.0, 0.5, 0.2]),
        ...         R(name="momentum", train_loss=[1.4, 0.505, 0.201]),
        ...         R(name="adam", train_loss=[1.0, 0.1, 0.05])]
        >>> _overlap_note(runs)
        ' The curves of sgd and momentum overlap from epoch 2 on (within 3%).'
    """
    groups: list[list[Any]] = []
    for run in runs:
        y = np.asarray(run.train_loss, dtype=float)[1:]
        for group in groups:
            ref = np.asarray(group[0].train_loss, dtype=float)[1:]
            if ref.shape == y.shape and ref.size and np.all(np.abs(y - ref) <= rtol * ref):
                group.append(run)
                break
        else:
            groups.append([run])
    close = [g for g in groups if len(g) > 1]
    if not close:
        return ""
    named = "; ".join(", ".join(r.name for r in g[:-1]) + f" and {g[-1].name}" for g in close)
    return f" The curves of {named} overlap from epoch 2 on (within {rtol:.0%})."


def _lr(run: Any) -> str:
    return f"{run.hyperparameters.get('learning_rate', float('nan')):g}"


def _to_target_ko(run: Any, n: int) -> str:
    if math.isnan(run.examples_to_target):
        return f"{run.epochs}개 에포크 안에"
    return f"예제 {int(run.examples_to_target):,}개({fmt(run.examples_to_target / n)} 에포크) 뒤에"


def stage_gd_vs_sgd(ctx: Context) -> Section:
    """The ch. 9.4 section on GD vs SGD (figure 9-5): ``experiments.gd_vs_sgd`` per model."""
    s = ctx.settings
    results = {
        model: gd_vs_sgd(
            key=ctx.key(),
            model=model,
            batch_sizes=s.gd_batch_sizes,
            epochs=s.gd_epochs,
            quick=s.gd_quick,
        )
        for model in s.gd_models
    }
    tables, figures, measured, data = [], [], [], {}
    for model, result in results.items():
        tables.append(
            save_table(
                ctx,
                f"gd_vs_sgd_{model}.csv",
                f"{result.model} model on {result.dataset} ({result.n} examples): each batch "
                "size compiled (jaxnn.train.fit) and in a Python loop over a jitted step; "
                "ms/epoch is the median over the epochs with its interquartile range (IQR), "
                "'s to target' one run's summed epoch times: differences whose IQRs overlap "
                "are within noise",
                *result.table(),
            )
        )
        figures.append(
            save_figure(
                ctx,
                plot.gd_vs_sgd_curves(result),
                f"gd_vs_sgd_{model}.png",
                f"Training loss against wall-clock time (left, log x) and epochs (right), "
                f"{result.model} model on {result.dataset}; solid: compiled, dashed: Python "
                "loop (the book's figure 9-5).",
            )
        )
        data[model] = plain(result)
        runs = {(r.name, r.mode): r for r in result.runs}
        measured.append(
            f"{result.model} model on {result.dataset} ({result.n} examples, standardized), "
            f"plain SGD w -= lr·g; target loss {fmt(result.target_loss, 4)} (best linear fit "
            f"{fmt(result.optimal_loss, 4)}): "
            + "; ".join(
                f"{name} ({plural(runs[(name, 'compiled')].steps_per_epoch, 'update')} per "
                "epoch) reaches it "
                f"{_to_target(runs[(name, 'compiled')], result.n)}"
                for name in dict.fromkeys(r.name for r in result.runs)
                if (name, "compiled") in runs
            )
            + "."
        )
        for mode in ("compiled", "python_loop"):
            per = [r for r in result.runs if r.mode == mode]
            if per:
                measured.append(
                    f"{mode.replace('_', ' ')}: "
                    + ", ".join(
                        f"{r.name} {fmt(1e3 * r.epoch_time)} ms/epoch (IQR "
                        + "–".join(fmt(1e3 * t) for t in r.epoch_time_spread)
                        + ")"
                        for r in per
                    )
                    + "."
                )
    first = results[s.gd_models[0]]
    runs = {(r.name, r.mode): r for r in first.runs}
    gd_c, sgd_c = runs.get(("GD", "compiled")), runs.get(("SGD", "compiled"))
    gd_p, sgd_p = runs.get(("GD", "python_loop")), runs.get(("SGD", "python_loop"))
    if None not in (gd_c, sgd_c, gd_p, sgd_p):

        def ms(run):
            low, high = (fmt(1e3 * t) for t in run.epoch_time_spread)
            return f"{fmt(1e3 * run.epoch_time)} ms ({low}–{high})"

        compiled_gap = (
            "within noise of"
            if within_noise(sgd_c, gd_c)
            else ("slower than" if sgd_c.epoch_time > gd_c.epoch_time else "faster than")
        )
        line1 = (
            f"Seconds per epoch, the median over {plural(sgd_p.epochs, 'epoch')} with its "
            f"interquartile range: in a Python loop an SGD epoch ({sgd_p.steps_per_epoch} "
            f"dispatches) took {ms(sgd_p)} against {ms(gd_p)} for GD's single update; compiled "
            f"into one lax.scan it took {ms(sgd_c)}, {compiled_gap} GD's {ms(gd_c)}: per-update "
            "dispatch, not arithmetic, is what makes SGD look slow (ranges that overlap are "
            "within noise)."
        )
        line2 = (
            f"Per example seen, SGD wins: it reaches the target loss "
            f"{_to_target(sgd_c, first.n)}, GD {_to_target(gd_c, first.n)}."
        )
        compiled_ko = {
            "within noise of": "잡음 범위 안에서 같다:",
            "slower than": "더 느리다:",
            "faster than": "더 빠르다:",
        }[compiled_gap]
        line1, line2 = ctx.pick(
            (line1, line2),
            (
                f"에포크당 초, {sgd_p.epochs}개 에포크의 중앙값과 사분위 범위: 파이썬 루프에서 SGD "
                f"에포크({sgd_p.steps_per_epoch}번 디스패치)는 {ms(sgd_p)}, GD의 한 번 업데이트는 "
                f"{ms(gd_p)}; 하나의 lax.scan으로 컴파일하면 {ms(sgd_c)}로, GD의 {ms(gd_c)}와 "
                f"비교해 {compiled_ko} SGD를 느려 보이게 하는 것은 계산이 아니라 업데이트마다의 "
                "디스패치다 (범위가 겹치면 잡음 범위 안의 차이).",
                f"본 예제 수로 따지면 SGD가 이긴다: SGD는 {_to_target_ko(sgd_c, first.n)}, GD는 "
                f"{_to_target_ko(gd_c, first.n)} 목표 손실에 닿는다.",
            ),
        )
    else:  # a custom selection of runs
        line1 = f"{len(first.runs)} runs on {first.dataset}."
        line2 = "See the table for the time and examples each needed."
    data = {"results": data}
    return Section(
        id="ch9.4-gd-vs-sgd",
        chapter="9.4",
        title="Gradient descent vs stochastic gradient descent",
        book_says=(
            "Gradient descent finds the weights accurately, but it differentiates the whole "
            "data set for every single update, so it computes a lot, runs slowly, and can stop "
            "before it finds the optimum. Stochastic gradient descent uses a randomly drawn "
            "part of the data for each update, so it updates faster and more often; its "
            "intermediate results swing more and look unstable, but it is clearly faster and "
            "still finds a value close to the optimum, which is why it is used instead of "
            "gradient descent (figure 9-5)."
        ),
        measured=tuple(measured),
        tables=tuple(tables),
        figures=tuple(figures),
        reading=(line1, line2),
        files=file_names([*tables, *figures, save_json(ctx, "gd_vs_sgd.json", data)]),
        seconds=0.0,
    )


def stage_optimizers(ctx: Context) -> Section:
    """The ch. 9.4 section comparing the Table 9-1 optimizers (``compare_optimizers``)."""
    s = ctx.settings
    result = compare_optimizers(
        key=ctx.key(),
        optimizers=s.optimizer_names,
        epochs=s.optimizer_epochs,
        quick=s.optimizer_quick,
    )
    headers, rows = result.table()
    sizes = "-".join(str(n) for n in result.sizes)
    table = save_table(
        ctx,
        "optimizers.csv",
        f"MLP {sizes} (ReLU) on {result.dataset}: {result.n_train} train / {result.n_test} test, "
        f"batch {result.batch_size}, {result.epochs} epochs, same initialization and order",
        headers,
        rows,
    )
    figure = save_figure(
        ctx,
        plot.optimizer_comparison(result),
        "optimizers.png",
        "Training loss, test loss and test accuracy per epoch of each Table 9-1 optimizer "
        "(line styles cycle with the colours)." + _overlap_note(result.runs),
    )
    updates = result.epochs * (result.n_train // result.batch_size)
    measured = (
        f"MLP {sizes} with ReLU on {result.dataset}, softmax cross-entropy, {result.epochs} "
        f"epochs of batch {result.batch_size} ({updates} updates), one initialization for all.",
        *(
            f"{r.name} ({' '.join(f'{k}={v}' for k, v in r.hyperparameters.items())}): train "
            f"loss {fmt(r.train_loss[-1]) if len(r.train_loss) else 'nan'}, test loss "
            f"{fmt(r.final_test_loss)}, test accuracy {pct(r.final_test_accuracy)} (after epoch "
            f"1: {pct(r.test_accuracy[0]) if len(r.test_accuracy) else 'nan'}), "
            f"{fmt(r.train_time, 2)} s training after {fmt(r.compile_time, 2)} s compiling."
            for r in result.runs
        ),
    )

    def last(values):
        return float(values[-1]) if len(values) else float("nan")

    def first(values):
        return float(values[0]) if len(values) else float("nan")

    by_loss = sorted(result.runs, key=lambda r: np.nan_to_num(last(r.train_loss), nan=np.inf))
    by_first = sorted(result.runs, key=lambda r: -np.nan_to_num(first(r.test_accuracy), nan=-1))
    accs = [r.final_test_accuracy for r in result.runs]
    lo, hi = float(np.nanmin(accs)), float(np.nanmax(accs))
    reading = (
        f"After {result.epochs} epochs the training loss ranges from {by_loss[0].name}'s "
        f"{fmt(last(by_loss[0].train_loss))} to {by_loss[-1].name}'s "
        f"{fmt(last(by_loss[-1].train_loss))}, while test accuracy spans only {pct(lo)} to "
        f"{pct(hi)}"
        + (
            ": on this small task every optimizer ends up in about the same place."
            if hi - lo < 0.02
            else "."
        ),
        f"Speed shows after the first epoch: test accuracy {pct(first(by_first[0].test_accuracy))} "
        f"with {by_first[0].name} at lr {_lr(by_first[0])}, "
        f"{pct(first(by_first[-1].test_accuracy))} with {by_first[-1].name} at lr "
        f"{_lr(by_first[-1])} (each optimizer at its own learning rate, so this compares "
        f"settings, not methods at one rate); each ran the same {updates} compiled updates in "
        f"{fmt(min(r.train_time for r in result.runs), 2)}–"
        f"{fmt(max(r.train_time for r in result.runs), 2)} s.",
    )
    reading = ctx.pick(
        reading,
        (
            f"{result.epochs}개 에포크 뒤 훈련 손실은 {by_loss[0].name}의 "
            f"{fmt(last(by_loss[0].train_loss))}부터 {by_loss[-1].name}의 "
            f"{fmt(last(by_loss[-1].train_loss))}까지 벌어지지만, 테스트 정확도는 {pct(lo)}에서 "
            f"{pct(hi)} 사이다"
            + (
                ": 이 작은 과제에서는 모든 최적화 방법이 거의 같은 곳에 닿는다."
                if hi - lo < 0.02
                else "."
            ),
            f"속도는 첫 에포크 뒤에 보인다: 테스트 정확도가 {by_first[0].name}(학습률 "
            f"{_lr(by_first[0])})에서 {pct(first(by_first[0].test_accuracy))}, "
            f"{by_first[-1].name}(학습률 {_lr(by_first[-1])})에서 "
            f"{pct(first(by_first[-1].test_accuracy))} (각자 자기 학습률이므로 "
            "한 학습률에서의 방법 비교가 아니라 설정의 비교다); "
            f"모두 같은 {updates}번의 컴파일된 업데이트를 "
            f"{fmt(min(r.train_time for r in result.runs), 2)}–"
            f"{fmt(max(r.train_time for r in result.runs), 2)}초에 마쳤다.",
        ),
    )
    return Section(
        id="ch9.4-optimizers",
        chapter="9.4",
        title="The Table 9-1 optimizers compared",
        book_says=(
            "Table 9-1 lists the advanced gradient descent methods with their Keras calls: SGD "
            "updates faster and more often from random subsets of the data (speed; "
            "keras.optimizers.SGD(lr=0.1)); momentum follows the direction of inertia to reduce "
            "oscillation (accuracy; momentum=0.9); Nesterov momentum first moves where momentum "
            "would take it and computes the gradient there, avoiding needless moves (accuracy; "
            "nesterov=True); Adagrad takes smaller steps for variables that are updated often "
            "(step size; Adagrad(lr=0.01, epsilon=1e-6), changing only lr); RMSProp fixes "
            "Adagrad's step-size sensitivity (step size; RMSprop(lr=0.001, rho=0.9, "
            "epsilon=1e-08, decay=0.0)); Adam combines momentum and RMSProp (accuracy and step "
            "size; Adam(lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-08, decay=0.0))."
        ),
        measured=measured,
        tables=(table,),
        figures=(figure,),
        reading=reading,
        files=file_names([table, figure, save_json(ctx, "optimizers.json", plain(result))]),
        seconds=0.0,
    )


def _arrival(stats: Any, result: Any) -> str:
    """Where a path got, in words: within ``tol`` of the minimum (when), out of the picture
    (when), or how far it still is."""
    if stats.steps_to_minimum is not None:
        return f"gets within {result.tol:g} of the minimum at step {stats.steps_to_minimum}"
    if stats.exit_step is not None:
        return f"leaves the picture at step {stats.exit_step}"
    if stats.distance is None:
        return "stays in the picture"
    return f"is still {fmt(stats.distance, 2)} from the minimum after {result.steps} steps"


def _paths_json(result: Any) -> dict:
    return {
        "surface": result.surface.name,
        "x0": result.x0,
        "minimum": result.surface.minimum,
        "steps": result.steps,
        "tol": result.tol,
        "optimizers": {
            name: {
                "hyperparameters": result.hyperparameters.get(name, {}),
                "final_point": s.final_point.astype(float),
                "final_loss": s.final_loss,
                "distance": s.distance,
                "steps_to_minimum": s.steps_to_minimum,
                "exit_step": s.exit_step,
            }
            for name, s in result.stats.items()
        },
    }


def _paths_reading(ctx: Context, results: dict) -> tuple[str, str]:
    """The paths section's two reading lines (the quadratic's story, then the first other
    surface), in the report's language."""
    story_result = results["quadratic_story"]
    story = story_result.stats
    gd4, gd6, mom = story["gd lr=0.4"], story["gd lr=0.6"], story["momentum lr=0.6 mu=0.5"]
    n = story_result.steps
    line1 = (
        "On 0.1·x1² + 2·x2², gradient descent multiplies x2 by 1 − 4·lr per step: at lr 0.4 "
        f"(×−0.6) the x2 zig-zag dies out (|x2| = {fmt(abs(gd4.final_point[1]), 2)} after {n} "
        "steps); at lr 0.6 (×−1.4) it grows"
        + (
            f" and leaves the picture at step {gd6.exit_step}"
            if gd6.exit_step is not None
            else f" (|x2| = {fmt(abs(gd6.final_point[1]), 2)})"
        )
        + f"; momentum 0.5 at the same lr 0.6 damps it (|x2| = {fmt(abs(mom.final_point[1]), 2)}) "
        f"and {_arrival(mom, story_result)}."
    )
    second = next((r for n, r in results.items() if n != "quadratic_story"), None)
    if second is not None and second.surface.minimum is not None:
        arrived = sorted(
            ((st.steps_to_minimum, n) for n, st in second.stats.items() if st.steps_to_minimum),
        )
        missed = [n for n, st in second.stats.items() if st.steps_to_minimum is None]
        line2 = (
            f"On the {second.surface.title.split(' (')[0]} from ({second.x0[0]:g}, "
            f"{second.x0[1]:g}), {len(arrived)} of {len(second.stats)} optimizers came within "
            f"{second.tol:g} of the minimum in {second.steps} steps"
            + (": " + ", ".join(f"{n} at step {k}" for k, n in arrived) if arrived else "")
            + (f"; {', '.join(missed)} did not." if missed else ".")
        )
    else:  # the story alone: what momentum did along the shallow direction
        line2 = (
            f"Along the shallow x1 direction (×{1 - 0.2 * 0.4:g} per step at lr 0.4) gradient "
            f"descent is still at x1 = {fmt(gd4.final_point[0], 2)} after {n} steps, while "
            f"momentum's accumulated steps bring it to x1 = {fmt(mom.final_point[0], 2)}."
        )
    line1_ko = (
        "0.1·x1² + 2·x2²에서 경사 하강법은 스텝마다 x2에 1 − 4·lr를 곱한다: "
        "학습률 0.4(×−0.6)에서는 "
        f"x2의 지그재그가 사라지고 ({n} 스텝 뒤 |x2| = {fmt(abs(gd4.final_point[1]), 2)}), 학습률 "
        "0.6(×−1.4)에서는 커져서"
        + (
            f" {gd6.exit_step} 스텝에 그림 밖으로 나간다"
            if gd6.exit_step is not None
            else f" |x2| = {fmt(abs(gd6.final_point[1]), 2)}가 된다"
        )
        + f"; 같은 학습률 0.6에서 모멘텀 0.5는 이를 줄인다 (|x2| = "
        f"{fmt(abs(mom.final_point[1]), 2)})."
    )
    if second is not None and second.surface.minimum is not None:
        line2_ko = (
            f"{second.surface.title.split(' (')[0]}에서 ({second.x0[0]:g}, {second.x0[1]:g})을 "
            f"출발한 {len(second.stats)}개 최적화 방법 중 {len(arrived)}개가 {second.steps} 스텝 "
            f"안에 최솟값에서 {second.tol:g} 이내로 왔다"
            + (": " + ", ".join(f"{n}는 {k} 스텝" for k, n in arrived) if arrived else "")
            + (f"; {', '.join(missed)}는 오지 못했다." if missed else ".")
        )
    else:
        line2_ko = (
            f"완만한 x1 방향(학습률 0.4에서 스텝마다 ×{1 - 0.2 * 0.4:g})에서 경사 하강법은 {n} "
            f"스텝 뒤에도 x1 = {fmt(gd4.final_point[0], 2)}에 있지만, 모멘텀은 쌓인 스텝으로 "
            f"x1 = {fmt(mom.final_point[0], 2)}까지 간다."
        )
    return ctx.pick((line1, line2), (line1_ko, line2_ko))


def stage_paths(ctx: Context) -> Section:
    """The ch. 9.4 section on momentum (figure 9-6): the ill-conditioned quadratic's story and
    the six optimizers' paths on the mode's surfaces."""
    s = ctx.settings
    results = {"quadratic_story": ill_conditioned_story()}
    for name in s.path_surfaces:
        results[name] = optimizer_paths(name)
    tables, figures, measured = [], [], []
    for name, result in results.items():
        headers, rows = paths_table(result)
        where = result.surface.minimum
        where = "no minimum" if where is None else f"minimum ({where[0]:g}, {where[1]:g})"
        title = (
            f"{result.surface.title}: from ({result.x0[0]:g}, {result.x0[1]:g}), {where}, "
            f"{result.steps} steps"
        )
        where_ko = (
            "최솟값 없음" if result.surface.minimum is None else where.replace("minimum", "최솟값")
        )
        title_ko = (
            f"{result.surface.title}: 출발점 ({result.x0[0]:g}, {result.x0[1]:g}), {where_ko}, "
            f"{result.steps} 스텝"
        )
        tables.append(
            save_table(ctx, f"paths_{name}.csv", ctx.pick(title, title_ko), headers, rows)
        )
        caption = (
            "Gradient descent at lr 0.4 and 0.6 and momentum 0.5 at lr 0.6 on the "
            "ill-conditioned quadratic (the book's figure 9-6: momentum damps the zig-zag)."
            if name == "quadratic_story"
            else f"The book's six optimizers from the same start on the {result.surface.title}, "
            "each at its own learning rate (the table's settings): about the largest that stays "
            "stable from this start (larger ones diverge), so each is shown at its best."
        )
        if ctx.lang == "ko" and name != "quadratic_story":
            caption = _ko.PATHS_CAPTION.format(surface=result.surface.title)
        fig = plot.optimizer_paths(result, grid=s.contour_grid)
        figures.append(save_figure(ctx, fig, f"paths_{name}.png", caption))
        measured.append(
            f"{title}: "
            + "; ".join(f"{n} {_arrival(st, result)}" for n, st in result.stats.items())
            + "."
        )
    line1, line2 = _paths_reading(ctx, results)
    data = {name: _paths_json(result) for name, result in results.items()}
    return Section(
        id="ch9.4-paths",
        chapter="9.4",
        title="Momentum: optimizer paths on 2-D surfaces",
        book_says=(
            "Momentum means inertia: momentum SGD adds it to gradient descent. It computes the "
            "gradient at every step like gradient descent, but before correcting the error it "
            "looks at the size and direction (+ or −) of the previous update and moves a fixed "
            "fraction in the same direction, so the zig-zag of updates that alternate between "
            "+ and − shrinks (figure 9-6)."
        ),
        measured=tuple(measured),
        tables=tuple(tables),
        figures=tuple(figures),
        reading=(line1, line2),
        files=file_names([*tables, *figures, save_json(ctx, "paths.json", data)]),
        seconds=0.0,
    )
