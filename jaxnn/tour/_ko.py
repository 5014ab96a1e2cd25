"""The report in Korean (``jaxnn tour --lang ko``): the fixed texts, and Hangul in the figures.

The lecture that the tour follows is Korean, on chapters 8-9 of *모두의 딥러닝* (Deep Learning
for Everyone, 2nd ed., Gilbut). In Korean, each section's "what the book says" quotes the
lecture's own sentences; headings, table titles and headers, figure captions and readings are
Korean; the measured bullets keep their English wording (numbers and code names). Figures get
Korean titles, axis labels and legends from :data:`FIGURE_TEXT` in a Hangul font
(:data:`HANGUL_FONTS`); without one they keep their English text and a warning says so, so a
figure never shows missing-glyph boxes.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

TITLE = "jaxnn 투어: 《모두의 딥러닝》 8-9장을 실행하고 측정하다"

TITLES = {
    "ch8-backprop": "오차 역전파를 손으로: XOR",
    "ch9.3-activations": "활성화 함수와 그 미분",
    "ch9.3-vanishing": "기울기 소실 문제",
    "ch9.4-gd-vs-sgd": "경사 하강법과 확률적 경사 하강법",
    "ch9.4-optimizers": "고급 경사 하강법 (표 9-1)",
    "ch9.4-paths": "모멘텀: 최적화 경로",
    "ch9.4-conformance": "표 9-1을 optax와 한 스텝씩 비교",
}

# What the book says: the lecture's own sentences, quoted.
BOOK_SAYS = {
    "ch8-backprop": (
        "강의는 이렇게 말한다: “신경망 내부의 가중치는 오차 역전파 방법을 사용해 수정함”, "
        "“오차 역전파는 경사 하강법의 확장 개념임”. “새 가중치는 현 가중치에서 '가중치에 대한 "
        "기울기'를 뺀 값”, W(t+1) = W_t − ∂오차/∂W 이며, “가중치에서 기울기를 빼도 값의 변화가 "
        "없을 때까지 계속해서 가중치 수정 작업을 반복하는 것”이다. 구현은 다섯 단계다: "
        "“1 | 환경 변수 지정 … 2 | 신경망 실행 … 3 | 결과를 실제 값과 비교 … 4 | 역전파 실행 … "
        "5 | 결과 출력”."
    ),
    "ch9.3-activations": (
        "강의는 이렇게 말한다: “기울기 소실(vanishing gradient) 문제가 발생하기 시작한 것은 "
        "활성화 함수로 사용된 시그모이드 함수의 특성 때문임”(그림 9-3). “이를 해결하고자 활성화 "
        "함수를 시그모이드가 아닌 여러 함수로 대체하기 시작함”(그림 9-4): 하이퍼볼릭 탄젠트는 "
        "“미분한 값의 범위가 함께 확장되는 효과를 가져옴”, 그러나 “1보다 작은 값이 존재하므로 "
        "기울기 소실 문제는 사라지지 않음”; 렐루는 “현재 가장 많이 사용되는 활성화 함수”이며 "
        "“여러 은닉층을 거치며 곱해지더라도 맨 처음 층까지 사라지지 않고 남아있을 수 있음”; "
        "소프트플러스는 “렐루 함수의 값이 0 이 되는 순간을 완화”한다."
    ),
    "ch9.3-vanishing": (
        "강의는 이렇게 말한다: “다층 퍼셉트론이 오차 역전파를 만나 신경망이 되었고, 신경망은 "
        "XOR문제를 가볍게 해결함”(그림 9-1). 그러나 오차 역전파는 “출력층으로 부터 하나씩 앞으로 "
        "되돌아가며 각 층의 가중치를 수정하는 방법”이고 “가중치를 수정하려면 미분 값, 즉 기울기가 "
        "필요”하다: “여러 층을 거칠수록 기울기가 사라져 가중치를 수정하기가 어려워지는 것임”"
        "(그림 9-2)."
    ),
    "ch9.4-gd-vs-sgd": (
        "강의는 이렇게 말한다: “경사 하강법은 정확하게 가중치를 찾아가지만, 한 번 업데이트할 "
        "때마다 전체 데이터를 미분해야 하므로 계산량이 매우 많다는 단점이 있음”. 확률적 경사 "
        "하강법은 “전체 데이터를 사용하는 것이 아니라, 랜덤하게 추출한 일부 데이터를 사용함”; "
        "“중간 결과의 진폭이 크고 불안정해 보일 수도 있음”이지만 “속도가 확연히 빠르면서도 최적 "
        "해에 근사한 값을 찾아낸다는 장점 덕분에 경사 하강법의 대안으로 사용되고 있음”(그림 9-5)."
    ),
    "ch9.4-optimizers": (
        "강의의 표 9-1(딥러닝 구동에 사용되는 고급 경사 하강법 개요 및 활용법): 확률적 경사 "
        "하강법은 “랜덤하게 추출한 일부 데이터를 사용해 더 빨리, 자주 업데이트를 하게 하는 것”"
        "(SGD(lr = 0.1)); 모멘텀은 “관성의 방향을 고려해 진동과 폭을 줄이는 효과”(momentum = "
        "0.9); 네스테로프 모멘텀은 “모멘텀이 이동시킬 방향으로 미리 이동해서 그레이디언트를 계산”"
        "; 아다그라드는 “변수의 업데이트가 잦으면 학습률을 적게 하여 이동 보폭을 조절하는 방법”; "
        "알엠에스프롭은 “아다그라드의 보폭 민감도를 보완한 방법”; 아담은 “모멘텀과 알엠에스프롭 "
        "방법을 합친 방법”이다."
    ),
    "ch9.4-paths": (
        "강의는 이렇게 말한다: “모멘텀(momentum)이란 단어는 '관성, 탄력, 가속도'라는 뜻”이고 "
        "“모멘텀 SGD란 말 그대로 경사 하강법에 탄력을 더해 주는 것”이다. 그래서 “수정 방향이 "
        "양수(+) 방향으로 한 번, 음수(-) 방향으로 한 번 지그재그로 일어나는 현상이 줄어들고”, "
        "“이전 이동 값을 고려하여 일정 비율만큼만 효과를 낼 수 있음”(그림 9-6)."
    ),
    "ch9.4-conformance": (
        "강의의 표 9-1은 각 최적화 방법을 케라스 호출로 제시한다(예: “keras.optimizers.Adam(lr "
        "= 0.001, beta_1 = 0.9, beta_2 = 0.999, epsilon = 1e - 08, decay = 0.0)”). jaxnn은 모든 "
        "업데이트 규칙을 직접 작성한다; 이 장은 그것을 optax와 한 스텝씩 비교하고, 책의 레거시 "
        "케라스 호출(jaxnn.optim.keras)을 정확한 optax 레시피와 비교한다."
    ),
}

# Table headers (exact matches; others are kept as they are: names, code, numbers).
HEADERS = {
    "run": "실행",
    "rule": "규칙",
    "activation": "활성화 함수",
    "momentum": "모멘텀",
    "first error": "첫 오차",
    "last error": "마지막 오차",
    "predictions": "예측",
    "max f'": "f' 최댓값",
    "at x": "x 위치",
    "share f' >= 0.99": "f' ≥ 0.99 비율",
    "loss at start": "시작 손실",
    "final loss": "최종 손실",
    "train acc": "훈련 정확도",
    "test acc": "테스트 정확도",
    "mode": "방식",
    "batch": "배치",
    "lr": "학습률",
    "updates/epoch": "에포크당 업데이트",
    "compile s": "컴파일 초",
    "ms/epoch": "에포크당 ms",
    "ms/epoch IQR": "에포크당 ms 사분위 범위",
    "updates/s": "초당 업데이트",
    "s to target": "목표까지 초",
    "examples to target": "목표까지 예제 수",
    "optimizer": "최적화 방법",
    "settings": "설정",
    "final x1": "최종 x1",
    "final x2": "최종 x2",
    "distance": "거리",
    "steps to min": "최솟값까지 스텝",
    "exit step": "이탈 스텝",
    "configuration": "구성",
    "jaxnn call": "jaxnn 호출",
    "reference call": "기준 호출",
    "dtype": "자료형",
    "steps": "스텝",
    "max abs diff": "최대 절대 차이",
    "max rel diff": "최대 상대 차이",
    "rtol": "상대 허용오차",
    "result": "결과",
    "train loss": "훈련 손실",
    "test loss": "테스트 손실",
    "test accuracy": "테스트 정확도",
    "train s": "훈련 초",
    "output": "출력층",
    "verdict": "판정",
    "hyperparameters": "하이퍼파라미터",
    "stopped": "멈춘 이유",
}

# Table titles, by the table's CSV file name.
TABLE_TITLES = {
    "xor_runs.csv": "같은 2-2-1 신경망과 같은 초기 가중치: 책의 규칙과 그 변형",
    "activations.csv": "[-10, 10]에서 각 미분의 최댓값, 그 위치, f' ≥ 0.99인 비율, 몇 점에서의 f'",
    "vanishing_ratios.csv": (
        "가중치 기울기 크기의 비율, 첫 은닉층 / 마지막 은닉층 (각각 시드들의 중앙값): 층별 "
        "표의 첫 열을 마지막 은닉층 열로 나눈 값"
    ),
    "depth_training.csv": "같은 깊은 MLP를 각 활성화 함수로 훈련한 결과",
    "gd_vs_sgd_linear.csv": (
        "선형 모델: 배치 크기별로 컴파일(jaxnn.train.fit)과 파이썬 루프; 에포크당 ms는 에포크들의 "
        "중앙값과 사분위 범위, '목표까지 초'는 한 실행의 에포크 시간 합: 사분위 범위가 겹치면 잡음 "
        "범위 안의 차이"
    ),
    "gd_vs_sgd_mlp.csv": (
        "MLP 모델: 배치 크기별로 컴파일(jaxnn.train.fit)과 파이썬 루프; 에포크당 ms는 에포크들의 "
        "중앙값과 사분위 범위, '목표까지 초'는 한 실행의 에포크 시간 합: 사분위 범위가 겹치면 잡음 "
        "범위 안의 차이"
    ),
    "optimizers.csv": "표 9-1의 최적화 방법이 같은 초기화에서 같은 MLP를 훈련한 결과",
    "conformance.csv": (
        "jaxnn과 기준 구현: 모든 스텝에서 |jaxnn − 기준| ≤ atol + rtol·|기준| 이고 모든 값이 "
        "유한하면 PASS"
    ),
}

# Figure captions, by the figure's file name.
CAPTIONS = {
    "xor_errors.png": "책의 XOR 실행과 그 변형의 에포크별 오차 합 (로그 y축).",
    "activations.png": (
        "시그모이드, tanh, ReLU, 소프트플러스(실선)와 그 미분(점선); 시그모이드의 미분은 최대 "
        "0.25 (책의 그림 9-3, 9-4)."
    ),
    "gradient_norms.png": (
        "층별 가중치 기울기 크기, 시드들의 중앙값 (책의 그림 9-2): 시그모이드에서는 첫 층으로 "
        "갈수록 사라진다; 표의 비율은 첫 은닉층 점을 마지막 은닉층 점으로 나눈 값이다."
    ),
    "depth_training.png": "같은 깊은 MLP를 각 활성화 함수로 훈련할 때의 훈련 손실.",
    "gd_vs_sgd_linear.png": (
        "벽시계 시간(왼쪽, 로그 x축)과 에포크(오른쪽)에 따른 훈련 손실, 선형 모델; 실선: 컴파일, "
        "점선: 파이썬 루프 (책의 그림 9-5)."
    ),
    "gd_vs_sgd_mlp.png": (
        "벽시계 시간(왼쪽, 로그 x축)과 에포크(오른쪽)에 따른 훈련 손실, MLP 모델; 실선: 컴파일, "
        "점선: 파이썬 루프 (책의 그림 9-5)."
    ),
    "optimizers.png": "표 9-1의 각 최적화 방법: 에포크별 훈련 손실, 테스트 손실, 테스트 정확도.",
    "paths_quadratic_story.png": (
        "나쁜 조건의 이차 함수에서 학습률 0.4와 0.6의 경사 하강법, 학습률 0.6의 모멘텀 0.5 "
        "(책의 그림 9-6: 모멘텀이 지그재그를 줄인다)."
    ),
    "conformance.png": (
        "구성별로 모든 스텝에 걸친 jaxnn과 기준 구현의 최대 상대 차이 (로그 x축); 눈금은 허용 "
        "오차다. 마지막 줄은 의도한 대조: 레거시 케라스 호출을 레시피 대신 일반 optax 호출과 비교."
    ),
}
PATHS_CAPTION = (
    "책의 여섯 최적화 방법이 같은 출발점에서 {surface} 위를 움직인 경로; 각자 자기 학습률 "
    "(표의 설정)로, 이 출발점에서 안정적인 가장 큰 값 근처다 (더 크면 발산한다)."
)

# Texts inside the figures: titles, axis labels, legend entries (exact matches).
FIGURE_TEXT = {
    "epoch": "에포크",
    "epochs": "에포크",
    "error (sum over the 4 inputs)": "오차 (네 입력의 합)",
    "training loss": "훈련 손실",
    "training loss (cross-entropy)": "훈련 손실 (교차 엔트로피)",
    "test loss": "테스트 손실",
    "test accuracy": "테스트 정확도",
    "layer": "층",
    "hidden layer": "은닉층",
    "gradient norm": "기울기 크기",
    "wall-clock seconds": "벽시계 초",
    "seconds": "초",
    "learning rate": "학습률",
    "f(x)": "f(x)",
    "compiled": "컴파일",
    "python loop": "파이썬 루프",
    "loss": "손실",
    "summed error 0.5·Σ(t − o)²": "오차 합 0.5·Σ(t − o)²",
    "XOR 2-2-1, online backpropagation (ch. 8)": "XOR 2-2-1, 온라인 오차 역전파 (8장)",
    "f(x) and f'(x)": "f(x)와 f'(x)",
    "layer (1 = first hidden layer; gradients flow back from the output)": (
        "층 (1 = 첫 은닉층; 기울기는 출력층에서 거꾸로 흐른다)"
    ),
    "gradient norm ||dL/dW||": "기울기 크기 ||dL/dW||",
    "wall-clock seconds (compilation excluded)": "벽시계 초 (컴파일 제외)",
    "training loss (MSE)": "훈련 손실 (MSE)",
    "loss against time": "시간에 따른 손실",
    "epochs (examples seen / n)": "에포크 (본 예제 수 / n)",
    "loss against data": "데이터에 따른 손실",
    "hidden units (2-h-1 tanh net)": "은닉 유닛 수 (2-h-1 tanh 신경망)",
    "share of seeds that solve XOR": "XOR을 푼 시드의 비율",
    "largest relative difference over all steps": "모든 스텝에 걸친 최대 상대 차이",
    "tolerance rtol": "허용오차 rtol",
    "start": "출발점",
    "minimum": "최솟값",
}
# Phrases replaced inside longer figure texts (titles with numbers).
FIGURE_PHRASES = (
    ("Table 9-1 optimizers: ", "표 9-1 최적화 방법: "),
    ("GD vs SGD: ", "경사 하강법 vs SGD: "),
    (" hidden layers: ", "개 은닉층: "),
    (" hidden layers", "개 은닉층"),
)

HANGUL_FONTS = ("NanumGothic", "Noto Sans CJK KR", "Noto Sans KR", "UnDotum", "Baekmuk Gulim")
"""Fonts that render Hangul, tried in order (Debian: ``fonts-nanum``, ``fonts-noto-cjk``)."""


@functools.lru_cache(maxsize=1)
def hangul_font() -> str | None:
    """The first installed font of :data:`HANGUL_FONTS`, or ``None``."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    found = next((n for n in HANGUL_FONTS if n in {f.name for f in manager.ttflist}), None)
    if found is None:  # installed after matplotlib cached its font list: add the files
        for path in font_manager.findSystemFonts():
            name = path.rsplit("/", 1)[-1].lower()
            if name.startswith(("nanumgothic.", "notosanscjk", "notosanskr")):
                manager.addfont(path)
        found = next((n for n in HANGUL_FONTS if n in {f.name for f in manager.ttflist}), None)
    return found


def localize_figure(fig: Any) -> bool:
    """Korean texts in ``fig`` (from :data:`FIGURE_TEXT`) in a Hangul font, falling back to
    DejaVu Sans for the other glyphs. Returns False, with a warning, when no Hangul font is
    installed: the figure then keeps its English text (never missing-glyph boxes)."""
    from matplotlib.text import Text

    font = hangul_font()
    if font is None:
        warnings.warn(
            "no Hangul font found (install fonts-nanum or fonts-noto-cjk); the figures of "
            "the Korean report keep their English text.",
            RuntimeWarning,
            stacklevel=2,
        )
        return False
    for text in fig.findobj(Text):
        value = text.get_text()
        new = FIGURE_TEXT.get(value, value)
        for english, korean in FIGURE_PHRASES:
            new = new.replace(english, korean)
        if new != value:
            text.set_text(new)
        if has_hangul(new):
            text.set_fontfamily(["DejaVu Sans", font])
    return True


def has_hangul(text: str) -> bool:
    """Whether ``text`` holds a Hangul syllable or letter.

    Examples:
        >>> has_hangul("에포크"), has_hangul("epoch")
        (True, False)
    """
    return any("\uac00" <= c <= "\ud7a3" or "\u3131" <= c <= "\u318e" for c in text)


def table_headers(headers: Any) -> list[str]:
    """Table headers in Korean where :data:`HEADERS` has them (``"layer 3"`` as ``"3층"``)."""
    out = []
    for h in headers:
        h = str(h)
        if h in HEADERS:
            out.append(HEADERS[h])
        elif h.startswith("layer ") and h[6:].isdigit():
            out.append(f"{h[6:]}층")
        elif h.startswith("depth ") and h[6:].isdigit():
            out.append(f"깊이 {h[6:]}")
        else:
            out.append(h)
    return out
