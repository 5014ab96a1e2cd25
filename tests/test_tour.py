"""`jaxnn tour --quick`: one report, one section per chapter, every file it names, and the page
checked in a real headless browser (Debian's chromium, when installed)."""

from __future__ import annotations

import base64
import contextlib
import csv
import io
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from jaxnn import cli, tour
from jaxnn.tour import _ko

# The tour's quick GD-vs-SGD and optimizer stages make the same calls as test_gd_vs_sgd.py's
# `gd-vs-sgd --quick` / `optimizers --quick`: on the same worker, fit's compiled programs are
# shared and those stages cost no compilation.
pytestmark = pytest.mark.xdist_group("ch9_4_optimizers")

CHAPTERS = [
    ("ch8-backprop", "8"),
    ("ch9.3-activations", "9.3"),
    ("ch9.3-vanishing", "9.3"),
    ("ch9.4-gd-vs-sgd", "9.4"),
    ("ch9.4-optimizers", "9.4"),
    ("ch9.4-paths", "9.4"),
    ("ch9.4-conformance", "9.4"),
]
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def tour_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("tour") / "report"
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = cli.main(["tour", "--quick", "--out", str(out)])
    assert code == 0
    return out, stdout.getvalue()


@pytest.fixture(scope="module")
def report(tour_run):
    return json.loads((tour_run[0] / "report.json").read_text(encoding="utf-8"))


class _Page(HTMLParser):
    """The h2 headings (id, text), img sources, links and scripts of a page."""

    def __init__(self):
        super().__init__()
        self.h2, self.imgs, self.links, self.scripts, self._in_h2 = [], [], [], 0, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "h2":
            self._in_h2 = [attrs.get("id"), ""]
        elif tag == "img":
            self.imgs.append(attrs)
        elif tag in ("a", "link") and "href" in attrs:
            self.links.append(attrs["href"])
        elif tag == "script":
            self.scripts += 1

    def handle_data(self, data):
        if self._in_h2 is not None:
            self._in_h2[1] += data

    def handle_endtag(self, tag):
        if tag == "h2" and self._in_h2 is not None:
            self.h2.append(tuple(self._in_h2))
            self._in_h2 = None


def _page(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_tour_prints_where_the_report_is_and_writes_the_report_files(tour_run, report):
    out, stdout = tour_run
    assert f"report: {(out / 'index.html').resolve()}" in stdout
    # One line per stage, in the seed's order (no progress bar: stderr is not a terminal).
    lines = re.findall(r"^ch\. ([\d.]+) .*? \(\d+\.\d s\): \S", stdout, flags=re.M)
    assert lines == [chapter for _, chapter in CHAPTERS]
    for name in ("index.html", "report.md", "report.json"):
        assert (out / name).stat().st_size > 1000, name
    assert report["settings"]["mode"] == "quick" and report["settings"]["seed"] == 0


def test_one_section_per_chapter_and_every_named_file_exists(tour_run, report):
    out, _ = tour_run
    sections = report["sections"]
    assert [(s["id"], s["chapter"]) for s in sections] == CHAPTERS
    named = set()
    for s in sections:
        assert len(s["book_says"]) > 200 and s["measured"] and s["figures"], s["id"]
        assert len(s["reading"]) == 2 and all(len(line) > 40 for line in s["reading"]), s["id"]
        for f in s["files"]:
            assert (out / f).is_file() and (out / f).stat().st_size > 0, f"{s['id']}: {f}"
            named.add(f)
        for fig in s["figures"]:
            assert fig["file"] in s["files"] and (out / fig["file"]).read_bytes()[:8] == PNG
        for table in s["tables"]:  # each table's CSV holds exactly its rows
            rows = list(csv.reader((out / table["file"]).read_text(encoding="utf-8").splitlines()))
            assert rows[0] == table["headers"] and len(rows) == len(table["rows"]) + 1
    # Nothing written that the report does not name (besides the report itself).
    written = {p.name for p in out.iterdir()} - {"screenshot.png"}  # the browser test's
    assert written == named | {"index.html", "report.md", "report.json"}
    assert sum(f.endswith(".png") for f in named) == sum(len(s["figures"]) for s in sections)


def test_markdown_has_every_heading_and_figure(tour_run, report):
    out, _ = tour_run
    text = (out / "report.md").read_text(encoding="utf-8")
    for s in report["sections"]:
        assert f"## Ch. {s['chapter']} — {s['title']}" in text
        for fig in s["figures"]:
            assert f"]({fig['file']})" in text


def test_html_is_self_contained_escaped_and_has_every_chapter(tour_run, report):
    out, _ = tour_run
    page = _page(out / "index.html")
    assert [h[0] for h in page.h2] == [s["id"] for s in report["sections"]]
    assert [h[1] for h in page.h2] == [
        f"Ch. {s['chapter']} — {s['title']}" for s in report["sections"]
    ]
    figures = [fig for s in report["sections"] for fig in s["figures"]]
    assert len(page.imgs) == len(figures)
    for img, fig in zip(page.imgs, figures):
        assert img["src"].startswith("data:image/png;base64,"), fig["file"]
        assert base64.b64decode(img["src"].split(",", 1)[1]) == (out / fig["file"]).read_bytes()
        assert img["alt"] == fig["caption"]
    for href in page.links:  # in-page anchors or files beside the page; nothing external
        assert href.startswith("#") or (out / href).is_file(), href
    text = (out / "index.html").read_text(encoding="utf-8")
    assert page.scripts == 0 and "http://" not in text and "https://" not in text
    assert "&lt;-" in text  # the XOR rules "w <- w + ..." are escaped


def test_numbers_in_the_report_are_the_runs_numbers(tour_run, report):
    out, _ = tour_run
    by_id = {s["id"]: s for s in report["sections"]}
    xor = json.loads((out / "xor.json").read_text())
    # The book's first printed error (its companion code prints 0.66537) and its lesson.
    assert xor["book_printed_errors"][0] == pytest.approx(0.66537, abs=1e-5)
    assert xor["max_abs_diff_manual_vs_jax_grad"] < 1e-12
    verdicts = {r["name"]: r["verdict"] for r in xor["runs"]}
    assert verdicts["book"].startswith("learns XOR") and "climbs" in verdicts["book, momentum 0"]
    assert "0.66537" in by_id["ch8-backprop"]["measured"][0]
    # ch. 9.3: sigmoid's derivative peaks at 0.25; the sweep's ratio is the one in the reading.
    act = {r[0]: r for r in json.loads((out / "activations.json").read_text())["rows"]}
    assert act["sigmoid"][1] == pytest.approx(0.25) and act["relu"][1] == pytest.approx(1.0)
    ratios = json.loads((out / "vanishing.json").read_text())["ratios"]
    deepest = max(ratios["sigmoid"], key=int)
    assert ratios["sigmoid"][deepest] < 1e-2 < ratios["relu"][deepest]
    assert f"{ratios['sigmoid'][deepest]:.2g} of the last" in by_id["ch9.3-vanishing"]["reading"][0]
    # ch. 9.4: every conformance row passes; the contrast row does not.
    conformance = json.loads((out / "conformance.json").read_text())
    assert conformance["reports"] and all(r["passed"] for r in conformance["reports"])
    assert conformance["contrast"]["passed"] is False
    n = len(conformance["reports"])
    assert by_id["ch9.4-conformance"]["reading"][0].startswith(f"{n} of {n} configurations")
    assert f"{n} of {n} configurations PASS" in by_id["ch9.4-conformance"]["measured"][1]


PRIVATE = re.compile(r"seed's|the seed\b|what the seed|seed ch\.|seed fig", re.I)


def test_report_names_the_book_and_never_says_the_seed(tour_run):
    out, stdout = tour_run
    for name in ("report.md", "index.html", "report.json"):
        text = (out / name).read_text(encoding="utf-8")
        assert not PRIVATE.search(text), f"{name}: {PRIVATE.search(text).group(0)!r}"
        assert "모두의 딥러닝" in text and "Gilbut" in text, name
    assert "What the book says" in (out / "report.md").read_text(encoding="utf-8")
    assert not PRIVATE.search(stdout) and "모두의 딥러닝" in stdout
    assert "`" not in (out / "index.html").read_text(encoding="utf-8")  # inline code rendered


def test_tour_argument_errors_are_one_line(tmp_path, capsys):
    assert cli.main(["tour", "--quick", "--full", "--out", str(tmp_path)]) == 2
    assert cli.main(["tour", "--only", "xor,bogus", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and "exclude each other" in err[0] and "'bogus'" in err[1]
    with pytest.raises(ValueError, match="`mode`"):
        tour.run_tour(tmp_path, mode="slow")


# --------------------------------------------------------------------------------------------
# The page in a real browser

_CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
_MARK_IMAGES = """
<script>
window.addEventListener("load", () => {
  for (const img of document.images) {
    img.setAttribute("data-loaded", img.complete && img.naturalWidth > 0 ? "yes" : "no");
  }
  document.body.setAttribute("data-checked", String(document.images.length));
});
</script>
"""


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run(
        [_CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.skipif(
    _CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"
)
def test_index_html_in_headless_chromium(tour_run, report, tmp_path):
    out, _ = tour_run
    # The page as shipped, plus a script (in a copy beside it) that marks each image as loaded
    # once the page has loaded: the browser's own verdict on every figure.
    page = (out / "index.html").read_text(encoding="utf-8")
    check = out / "browser-check.html"
    check.write_text(page.replace("</body>", _MARK_IMAGES + "</body>"), encoding="utf-8")
    try:
        r = _chromium(
            tmp_path / "profile", "--virtual-time-budget=10000", "--dump-dom", check.as_uri()
        )
    finally:
        check.unlink()
    assert r.returncode == 0, r.stderr[-2000:]
    dom = _Page()
    dom.feed(r.stdout)
    figures = sum(len(s["figures"]) for s in report["sections"])
    assert f'data-checked="{figures}"' in r.stdout
    assert [img.get("data-loaded") for img in dom.imgs] == ["yes"] * figures
    assert [h[1] for h in dom.h2] == [
        f"Ch. {s['chapter']} — {s['title']}" for s in report["sections"]
    ]

    shot = out / "screenshot.png"
    r = _chromium(
        tmp_path / "profile",
        "--window-size=1280,2400",
        f"--screenshot={shot}",
        (out / "index.html").as_uri(),
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert shot.read_bytes()[:8] == PNG and shot.stat().st_size > 20_000


_FITS = """
<script>
window.addEventListener("load", () => {
  for (const d of document.querySelectorAll("details")) d.open = true;  // measure folded parts
  const root = document.documentElement, wide = [];
  for (const t of document.querySelectorAll("table, img, p, li, figure")) {
    const r = t.getBoundingClientRect();
    if (r.right > root.clientWidth + 0.5) wide.push(t.tagName + ":" + Math.round(r.right));
    if (t.tagName === "TABLE" && t.scrollWidth > t.clientWidth + 0.5) wide.push("TABLE:scrolls");
  }
  document.body.setAttribute("data-page-scrolls", String(root.scrollWidth > root.clientWidth));
  document.body.setAttribute("data-too-wide", wide.join(" ") || "none");
});
</script>
"""


def _layout_at_1280(page: str, where: Path, profile: Path) -> tuple[str, str]:
    check = where / "fit-check.html"
    check.write_text(page.replace("</body>", _FITS + "</body>"), encoding="utf-8")
    try:
        r = _chromium(
            profile,
            "--window-size=1280,1000",
            "--virtual-time-budget=10000",
            "--dump-dom",
            check.as_uri(),
        )
    finally:
        check.unlink()
    assert r.returncode == 0, r.stderr[-2000:]
    scrolls = re.search(r'data-page-scrolls="(\w+)"', r.stdout).group(1)
    return scrolls, re.search(r'data-too-wide="([^"]*)"', r.stdout).group(1)


@pytest.mark.skipif(_CHROMIUM is None, reason="chromium is not installed")
def test_tables_fit_the_page_at_1280_px(tour_run, tmp_path):
    from jaxnn.report import Report, Section, Table, render_html

    out, _ = tour_run
    page = (out / "index.html").read_text(encoding="utf-8")
    assert _layout_at_1280(page, out, tmp_path / "p1") == ("false", "none")
    # The widest table the report holds (the default tour's conformance table: long recipe
    # calls with no spaces); the old CSS scrolled it inside its box, hiding PASS/FAIL.
    call = "optax.inject_hyperparams(optax.adam,static_args=('b1','b2'))(" + "x" * 120 + ")"
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
    rows = [
        [f"keras.Adam-decay-large-eps-{i}", call, call, "float32", 200, 1e-7, 1e-7, 1e-6, "PASS"]
        for i in range(3)
    ]
    wide = Section(
        "w", "9.4", "Wide", "b", ("m",), (Table("t", headers, rows),), (), ("r", "r"), (), 0.0
    )
    page = render_html(Report("T", "s", (wide,), {}, 0.0))
    assert _layout_at_1280(page, tmp_path, tmp_path / "p2") == ("false", "none")


# --------------------------------------------------------------------------------------------
# The report in Korean

LECTURE = Path("/work/shared/seed/000_9b9c12ab5180f2fa.txt")  # the lecture, where present


def _in_lecture(quote: str) -> bool:
    """Whether each part of ``quote`` (split at "…") is in the lecture's text, compared without
    its HTML underlines and whitespace (the text extraction splits some words)."""
    lecture = re.sub(r"<[^>]+>|\s", "", LECTURE.read_text(encoding="utf-8"))
    return all(re.sub(r"\s", "", part) in lecture for part in quote.split("…"))


@pytest.mark.skipif(not LECTURE.exists(), reason="the lecture's text is not on this machine")
def test_every_korean_quote_is_the_lectures_own_words():
    for section, text in _ko.BOOK_SAYS.items():
        quotes = re.findall(r"“([^”]+)”", text)
        assert quotes, section
        for quote in quotes:
            assert _in_lecture(quote), f"{section}: {quote!r}"


def _hangul(text: str) -> bool:
    return _ko.has_hangul(text)


@pytest.fixture(scope="module")
def ko_run(tmp_path_factory):
    if _ko.hangul_font() is None:
        pytest.skip("no Hangul font installed (apt-get install fonts-nanum)")
    out = tmp_path_factory.mktemp("tour-ko") / "report"
    import warnings

    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("always")
        code = cli.main(
            ["tour", "--quick", "--lang", "ko", "--only", "xor,activations", "--out", str(out)]
        )
    assert code == 0
    return out, [str(w.message) for w in caught]


def test_korean_report_headings_readings_tables_and_captions(ko_run):
    out, caught = ko_run
    assert not [m for m in caught if "Glyph" in m or "missing from" in m], caught  # no boxes
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["settings"]["lang"] == "ko" and _hangul(report["title"])
    page = _page(out / "index.html")
    assert len(page.h2) == 2 and all(_hangul(text) for _, text in page.h2), page.h2
    assert '<html lang="ko">' in (out / "index.html").read_text(encoding="utf-8")
    for s in report["sections"]:
        assert _hangul(s["title"]) and all(_hangul(line) for line in s["reading"]), s["id"]
        assert all(_hangul(f["caption"]) for f in s["figures"]), s["id"]
        for table in s["tables"]:
            assert _hangul(table["title"]) and any(_hangul(h) for h in table["headers"])
        quotes = re.findall(r"“([^”]+)”", s["book_says"])
        assert quotes, s["id"]
        if LECTURE.exists():  # the lecture's own sentences, quoted word for word
            assert all(_in_lecture(q) for q in quotes), s["id"]
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## 8장 — " in md and "**책과 강의의 설명.**" in md


def test_korean_figures_fall_back_to_english_without_a_hangul_font(monkeypatch):
    from jaxnn import plot

    monkeypatch.setattr(_ko, "hangul_font", lambda: None)
    fig = plot.loss_curves({"a": [1.0, 0.5]}, xlabel="epoch", ylabel="loss")
    with pytest.warns(RuntimeWarning, match="no Hangul font found"):
        assert _ko.localize_figure(fig) is False
    assert fig.axes[0].get_xlabel() == "epoch"


@pytest.mark.skipif(_CHROMIUM is None, reason="chromium is not installed")
def test_korean_report_in_headless_chromium(ko_run, tmp_path):
    out, _ = ko_run
    r = _chromium(
        tmp_path / "profile",
        "--virtual-time-budget=10000",
        "--dump-dom",
        (out / "index.html").as_uri(),
    )
    assert r.returncode == 0, r.stderr[-2000:]
    dom = _Page()
    dom.feed(r.stdout)
    assert dom.h2 and all(_hangul(text) for _, text in dom.h2)
