"""Ch. 9.4, Table 9-1: jaxnn's optimizers beside optax, step by step (jaxnn.validate)."""

from __future__ import annotations

from jaxnn import plot, validate
from jaxnn.report import Section
from jaxnn.tour import _ko
from jaxnn.tour._base import (
    Context,
    file_names,
    fmt,
    save_figure,
    save_json,
    save_table,
)

_CONTRAST = validate.Config(
    "contrast: keras.Adam vs plain optax.adam",
    ("keras.Adam",),
    "keras.Adam(lr=0.01, epsilon=0.01)",
    "optax.adam(0.01, eps=0.01)",
)


def _reading(ctx: Context, reports, contrast, passed, worst, dtypes) -> tuple[str, str]:
    """The section's two reading lines, in the report's language."""
    s = ctx.settings
    line1 = (
        f"{len(passed)} of {len(reports)} configurations match their optax twin or recipe at "
        f"every one of {s.validate_steps} steps ({dtypes}); "
        + (
            f"the largest relative difference is {fmt(worst.max_rel_diff, 2)}, within its "
            f"tolerance {worst.rtol:g}."
            if worst.max_rel_diff > 0
            else "every one is bit-for-bit identical."
        )
        if len(passed) == len(reports)
        else f"{len(reports) - len(passed)} of {len(reports)} configurations FAIL: "
        + ", ".join(f"{r.name} [{r.dtype}]" for r in reports if not r.passed)
        + "."
    )
    if contrast is not None:
        line2 = (
            f"The recipe matters: {contrast.jaxnn_call} beside the plain "
            f"{contrast.reference_call} differs by up to {fmt(contrast.max_rel_diff, 2)} "
            + (
                f"relative (off from step {contrast.first_failure})"
                if not contrast.passed
                else "relative"
            )
            + ", because legacy Keras adds epsilon to the uncorrected √v."
        )
    else:
        line2 = "The keras.* rows follow the book's legacy Keras calls through exact recipes."
    line1_ko = (
        f"{len(reports)}개 구성 중 {len(passed)}개가 {s.validate_steps} 스텝 모두에서 optax 쌍둥이 "
        f"또는 레시피와 일치한다 ({dtypes}); "
        + (
            f"가장 큰 상대 차이는 {fmt(worst.max_rel_diff, 2)}로 허용오차 {worst.rtol:g} 안이다."
            if worst.max_rel_diff > 0
            else "모두 비트 단위로 같다."
        )
        if len(passed) == len(reports)
        else f"{len(reports)}개 구성 중 {len(reports) - len(passed)}개가 FAIL: "
        + ", ".join(f"{r.name} [{r.dtype}]" for r in reports if not r.passed)
        + "."
    )
    line2_ko = (
        f"레시피가 중요하다: {contrast.jaxnn_call}를 일반 {contrast.reference_call}와 비교하면 "
        f"상대 차이가 {fmt(contrast.max_rel_diff, 2)}까지 난다. 레거시 케라스는 보정 전의 √v에 "
        "epsilon을 더하기 때문이다."
        if contrast is not None
        else "keras.* 행은 책의 레거시 케라스 호출을 정확한 레시피로 따른다."
    )
    return ctx.pick((line1, line2), (line1_ko, line2_ko))


def stage_conformance(ctx: Context) -> Section:
    """The section proving Table 9-1 against optax (``jaxnn.validate``), with one deliberate
    contrast row: a legacy Keras call beside the plain optax call instead of its recipe."""
    s = ctx.settings
    registry = validate.registry()
    if s.validate_configs is not None:
        by_name = {c.name: c for c in registry}
        configs = [by_name[name] for name in s.validate_configs]
    else:
        configs = validate.select(s.validate_optimizers, registry)
    reports, contrast = [], None
    for dtype in s.validate_dtypes:
        extra = [_CONTRAST] if dtype == "float32" else []
        out = validate.run(
            steps=s.validate_steps, dtype=dtype, key=ctx.seed, configs=configs + extra
        )
        if extra:
            contrast = out.pop()
        reports.extend(out)
    headers = [
        "configuration",
        "jaxnn call",
        "reference call",
        "dtype",
        "steps",
        "max abs diff",
        "max rel diff",
        "rtol",
        "result",
    ]

    def row(r):
        return [
            r.name,
            r.jaxnn_call,
            r.reference_call,
            r.dtype,
            r.steps,
            r.max_abs_diff,
            r.max_rel_diff,
            r.rtol,
            "PASS" if r.passed else f"FAIL (step {r.first_failure})",
        ]

    table = save_table(
        ctx,
        "conformance.csv",
        "jaxnn beside its reference: PASS when |jaxnn − reference| ≤ atol + rtol·|reference| "
        "at every step and every value is finite",
        headers,
        [row(r) for r in reports] + ([row(contrast)] if contrast is not None else []),
    )
    figure = save_figure(
        ctx,
        plot.validation_summary(
            reports + ([contrast] if contrast is not None else []),
            title=(ctx if _ko.hangul_font() else ctx._replace(lang="en")).pick(
                f"jaxnn beside its reference: {sum(r.passed for r in reports)} of "
                f"{len(reports)} within tolerance"
                + ("\n(last row: the contrast, expected to differ)" if contrast else ""),
                f"jaxnn과 기준 구현: {len(reports)}개 중 {sum(r.passed for r in reports)}개가 "
                "허용오차 안" + ("\n(마지막 줄: 다를 것으로 예상한 대조)" if contrast else ""),
            ),
        ),
        "conformance.png",
        "Largest relative difference between jaxnn and its reference over every step, per "
        "configuration (log x); the tick is the tolerance. The last row is a deliberate "
        "contrast: a legacy Keras call beside the plain optax call instead of its recipe.",
    )
    passed = [r for r in reports if r.passed]
    worst = max(reports, key=lambda r: r.max_rel_diff)
    exact = [r for r in reports if r.max_abs_diff == 0.0]
    dtypes = " and ".join(s.validate_dtypes)
    measured = (
        f"{len(configs)} configurations × {len(s.validate_dtypes)} dtype(s) ({dtypes}), "
        f"{s.validate_steps} steps each, on a random pytree (nested dicts, lists, a scalar, "
        "a None leaf) whose gradients depend on the params; all configurations of a dtype run "
        "as one compiled program.",
        f"{len(passed)} of {len(reports)} configurations PASS; {len(exact)} bit-for-bit "
        "identical to the reference "
        "at every step"
        + (
            f"; the largest relative difference is {fmt(worst.max_rel_diff, 2)} ({worst.name}, "
            f"{worst.dtype}, rtol {worst.rtol:g})."
            if worst.max_rel_diff > 0
            else "."
        ),
        *(
            f"FAIL: {r.name} [{r.dtype}]: {r.jaxnn_call} vs {r.reference_call}, first off at "
            f"step {r.first_failure} (max rel diff {fmt(r.max_rel_diff, 2)})."
            for r in reports
            if not r.passed
        ),
        *(
            [
                f"Contrast (expected to differ): {contrast.jaxnn_call} beside the plain "
                f"{contrast.reference_call}: max rel diff {fmt(contrast.max_rel_diff, 2)}, "
                + ("PASS." if contrast.passed else f"FAIL from step {contrast.first_failure}.")
            ]
            if contrast is not None
            else []
        ),
        "The table lists each configuration's jaxnn call, its reference call and the largest "
        "differences; its last row is the contrast, not counted among the configurations.",
    )
    line1, line2 = _reading(ctx, reports, contrast, passed, worst, dtypes)
    data = {
        "steps": s.validate_steps,
        "dtypes": s.validate_dtypes,
        "reports": [r.summary() for r in reports],
        "contrast": None if contrast is None else contrast.summary(),
    }
    return Section(
        id="ch9.4-conformance",
        chapter="9.4",
        title="Table 9-1 in jaxnn, proven against optax",
        book_says=(
            "The book gives each optimizer of Table 9-1 as a Keras call and recommends leaving "
            "epsilon, rho and decay at their defaults and tuning only the learning rate. jaxnn "
            "writes every update rule by hand; this chapter checks them step by step against "
            "optax, and the book's own legacy Keras calls (jaxnn.optim.keras) against exact "
            "optax recipes."
        ),
        measured=measured,
        tables=(table,),
        figures=(figure,),
        reading=(line1, line2),
        files=file_names([table, figure, save_json(ctx, "conformance.json", data)]),
        seconds=0.0,
    )
