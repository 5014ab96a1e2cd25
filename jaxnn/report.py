"""A report made of sections, rendered as Markdown and as one self-contained HTML page.

The tour (:mod:`jaxnn.tour`) runs chapters 8-9 of the textbook *모두의 딥러닝* (Deep Learning
for Everyone, 2nd ed., Gilbut) and returns one :class:`Section` per
chapter; this module only holds the data types and turns them into text:

    Report(title, subtitle, sections, settings, seconds)
      Section(id, chapter, title, book_says, measured, tables, figures, reading, files, seconds)
        Table(title, headers, rows, file)      rows of numbers and strings; file: its CSV
        FigureFile(file, caption)              a PNG beside the report

:func:`render_markdown` writes ``report.md`` (figures linked as files beside it);
:func:`render_html` writes ``index.html`` with every figure embedded as a base64 ``data:`` URI
(read from the report's directory), every text HTML-escaped, inline CSS and no script or
external resource: the page opens offline and can be mailed as one file.

Examples:
    >>> section = Section(
    ...     id="ch8", chapter="8", title="Backpropagation", book_says="W(t+1) = W_t - dE/dW.",
    ...     measured=("error 0.665 -> 0.000124",),
    ...     tables=(Table("runs", ["run", "last error"], [["book", 0.000124]], "runs.csv"),),
    ...     figures=(), reading=("It learns XOR.", "Sigmoid does not."), files=("runs.csv",),
    ...     seconds=1.5)
    >>> report = Report("jaxnn tour", "quick", (section,), {"mode": "quick"}, 1.5)
    >>> print(render_markdown(report).splitlines()[0])
    # jaxnn tour
    >>> "<h2 id=\\"ch8\\">Ch. 8 — Backpropagation</h2>" in render_html(report)
    True
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from jaxnn._table import format_value

__all__ = [
    "LABELS",
    "FigureFile",
    "Report",
    "Section",
    "Table",
    "render_html",
    "render_markdown",
    "section_heading",
]


class Table(NamedTuple):
    """A table of a section: ``headers``, ``rows`` (numbers or strings) and its CSV file name."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    file: str | None = None


class FigureFile(NamedTuple):
    """A figure of a section: the PNG's file name (relative to the report) and a caption."""

    file: str
    caption: str


class Section(NamedTuple):
    """One chapter of the report.

    Attributes:
        id: the anchor (``"ch8-backprop"``), unique in the report.
        chapter: the book's chapter number as text (``"8"``, ``"9.3"``).
        title: the heading after "Ch. <chapter> —".
        book_says: what the book and its lecture say, in a short paragraph.
        measured: what this run measured, one sentence with numbers per item.
        tables: the section's tables.
        figures: the section's figures.
        reading: two sentences generated from the numbers.
        files: every file the section wrote, relative to the report directory.
        seconds: wall-clock seconds the section took.
    """

    id: str
    chapter: str
    title: str
    book_says: str
    measured: Sequence[str]
    tables: Sequence[Table]
    figures: Sequence[FigureFile]
    reading: Sequence[str]
    files: Sequence[str]
    seconds: float


class Report(NamedTuple):
    """A whole report: a title, a subtitle line, the sections and the settings that made it."""

    title: str
    subtitle: str
    sections: Sequence[Section]
    settings: dict
    seconds: float
    lang: str = "en"


LABELS: dict[str, dict[str, str]] = {
    "en": {
        "chapter": "Ch. {chapter} — {title}",
        "book_says": "What the book says",
        "measured": "What we measured",
        "measured_md": "What we measured** (this run):",
        "reading": "Reading",
        "files": "Files",
        "contents": "Contents",
        "csv": "CSV",
    },
    "ko": {
        "chapter": "{chapter}장 — {title}",
        "book_says": "책과 강의의 설명",
        "measured": "이번 실행에서 잰 값",
        "measured_md": "이번 실행에서 잰 값**:",
        "reading": "해석",
        "files": "파일",
        "contents": "차례",
        "csv": "CSV",
    },
}
"""The fixed words of a report, per language (``Report.lang``: ``"en"`` or ``"ko"``)."""


def _labels(lang: str) -> dict[str, str]:
    if lang not in LABELS:
        raise ValueError(
            f"`lang` must be one of {', '.join(map(repr, LABELS))}; got lang={lang!r}."
        )
    return LABELS[lang]


def section_heading(section: Section, lang: str = "en") -> str:
    """The heading text of a section: ``"Ch. 9.3 — Vanishing gradients"`` (``"9.3장 — ..."``
    in Korean).

    Examples:
        >>> section_heading(Section("a", "9.3", "Vanishing gradients", "", (), (), (), (), (), 0.0))
        'Ch. 9.3 — Vanishing gradients'
    """
    return _labels(lang)["chapter"].format(chapter=section.chapter, title=section.title)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return format_value(value, 4)


# --------------------------------------------------------------------------------------------
# Markdown


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(table: Table) -> list[str]:
    lines = [f"*{_md_escape(table.title)}*" + (f" ([CSV]({table.file}))" if table.file else "")]
    lines.append("")
    lines.append("| " + " | ".join(_md_escape(h) for h in table.headers) + " |")
    lines.append("|" + "---|" * len(table.headers))
    for row in table.rows:
        lines.append("| " + " | ".join(_md_escape(_cell(v)) for v in row) + " |")
    lines.append("")
    return lines


def render_markdown(report: Report) -> str:
    """The report as Markdown: a contents list, then one ``##`` section per chapter.

    Figures are image links to the PNG files beside ``report.md``; tables are Markdown tables
    with a link to their CSV.

    Args:
        report: a :class:`Report`.

    Returns:
        The Markdown text.

    Examples:
        >>> s = Section("x", "8", "XOR", "The book.", ("a number",), (), (FigureFile("x.png",
        ...             "curves"),), ("one", "two"), ("x.png",), 0.1)
        >>> text = render_markdown(Report("T", "sub", (s,), {}, 0.1))
        >>> "## Ch. 8 — XOR" in text and "![curves](x.png)" in text
        True
    """
    labels = _labels(report.lang)
    lines = [f"# {report.title}", "", report.subtitle, ""]
    lines.append(f"{labels['contents']}:")
    lines.append("")
    for s in report.sections:
        lines.append(f"- [{section_heading(s, report.lang)}](#{s.id})")
    lines.append("")
    for s in report.sections:
        lines.append(f'<a id="{s.id}"></a>')
        lines.append("")
        lines.append(f"## {section_heading(s, report.lang)}")
        lines.append("")
        lines.append(f"**{labels['book_says']}.** {s.book_says}")
        lines.append("")
        lines.append(f"**{labels['measured_md']}")
        lines.append("")
        lines.extend(f"- {m}" for m in s.measured)
        lines.append("")
        for table in s.tables:
            lines.extend(_md_table(table))
        for fig in s.figures:
            lines.append(f"![{_md_escape(fig.caption)}]({fig.file})")
            lines.append("")
            lines.append(f"*{fig.caption}*")
            lines.append("")
        lines.append(f"**{labels['reading']}.** " + "  \n".join(s.reading))
        lines.append("")
        files = ", ".join(f"`{f}`" for f in s.files)
        lines.append(f"{labels['files']}: {files} ({s.seconds:.1f} s)")
        lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# HTML

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "NanumGothic",
       "Noto Sans CJK KR", sans-serif; line-height: 1.5;
       max-width: 62rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; background: #fff; }
h1 { margin-bottom: 0.2rem; }
h2 { margin-top: 2.5rem; border-bottom: 1px solid #ccc; padding-bottom: 0.2rem; }
.subtitle, .files { color: #555; font-size: 0.9rem; }
.book { background: #f6f6f1; border-left: 4px solid #b8b08a; padding: 0.5rem 0.8rem; }
.reading { background: #eef4fb; border-left: 4px solid #5b8bc4; padding: 0.5rem 0.8rem; }
table { border-collapse: collapse; margin: 0 0 1rem; font-size: 0.85rem; max-width: 100%; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: left;
         vertical-align: top; }
td.long { overflow-wrap: anywhere; }
th { background: #f0f0f0; }
.caption { font-style: italic; margin: 1rem 0 0.2rem; font-size: 0.9rem; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; max-height: 34rem; height: auto; border: 1px solid #ddd; }
details { margin: 0.5rem 0 1rem; } summary { cursor: pointer; font-weight: 600; }
figcaption { font-size: 0.9rem; color: #444; }
code { font-size: 0.9em; }
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _inline(text: Any) -> str:
    """Escaped text with Markdown's inline code (`` `x` ``) as ``<code>x</code>``.

    Examples:
        >>> _inline("run `jaxnn tour` & see")
        'run <code>jaxnn tour</code> &amp; see'
    """
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", _e(text))


def _td(text: str) -> str:
    """A cell; a long word (a recipe call) may break anywhere, numbers and words never do."""
    long = any(len(word) > 24 for word in text.split())
    return f'<td class="long">{_e(text)}</td>' if long else f"<td>{_e(text)}</td>"


def _html_table(table: Table) -> list[str]:
    link = f' (<a href="{_e(table.file)}">CSV</a>)' if table.file else ""
    out = [f'<p class="caption">{_inline(table.title)}{link}</p>', "<table>"]
    out.append(
        "<thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in table.headers) + "</tr></thead>"
    )
    out.append("<tbody>")
    for row in table.rows:
        out.append("<tr>" + "".join(_td(_cell(v)) for v in row) + "</tr>")
    out.append("</tbody></table>")
    return out


def _image_src(directory: Path | None, file: str, embed: bool) -> str:
    if embed and directory is not None:
        path = directory / file
        if path.is_file():
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            return f"data:image/png;base64,{data}"
    return file


def render_html(report: Report, directory: str | Path | None = None, *, embed: bool = True) -> str:
    """The report as one HTML page: inline CSS, escaped text, figures embedded.

    Args:
        report: a :class:`Report`.
        directory: where the figures' PNG files are (the report directory); ``None`` links them.
        embed: embed each figure found in ``directory`` as a base64 ``data:`` URI (default True;
            a figure that is not there is linked by its file name instead).

    Returns:
        The HTML text (UTF-8, no external resources, no script).

    Examples:
        >>> s = Section("x", "8", "a < b", "book", (), (), (), ("r1", "r2"), (), 0.0)
        >>> page = render_html(Report("T", "sub", (s,), {}, 0.0))
        >>> "a &lt; b" in page and "<script" not in page
        True
    """
    directory = None if directory is None else Path(directory)
    labels = _labels(report.lang)
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{_e(report.lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(report.title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{_e(report.title)}</h1>",
        f'<p class="subtitle">{_inline(report.subtitle)}</p>',
        "<nav><ol>",
    ]
    for s in report.sections:
        out.append(f'<li><a href="#{_e(s.id)}">{_e(section_heading(s, report.lang))}</a></li>')
    out.append("</ol></nav>")
    for s in report.sections:
        out.append(f'<section aria-labelledby="{_e(s.id)}">')
        out.append(f'<h2 id="{_e(s.id)}">{_e(section_heading(s, report.lang))}</h2>')
        out.append(
            f'<div class="book"><strong>{_e(labels["book_says"])}.</strong> {_inline(s.book_says)}'
            "</div>"
        )
        # The point first (the reading), then the evidence: figures, tables, and the measured
        # numbers folded away (they repeat the tables in sentences).
        reading = "<br>".join(_inline(line) for line in s.reading)
        out.append(
            f'<div class="reading"><strong>{_e(labels["reading"])}.</strong> {reading}</div>'
        )
        for fig in s.figures:
            src = _image_src(directory, fig.file, embed)
            out.append("<figure>")
            out.append(f'<img src="{_e(src)}" alt="{_e(fig.caption)}">')
            link = f'<a href="{_e(fig.file)}">{_e(fig.file)}</a>'
            out.append(f"<figcaption>{_inline(fig.caption)} ({link})</figcaption>")
            out.append("</figure>")
        for table in s.tables:
            out.extend(_html_table(table))
        out.append(f"<details><summary>{_e(labels['measured'])} ({len(s.measured)})</summary>")
        out.append("<ul>" + "".join(f"<li>{_inline(m)}</li>" for m in s.measured) + "</ul>")
        out.append("</details>")
        files = ", ".join(f'<a href="{_e(f)}">{_e(f)}</a>' for f in s.files)
        out.append(f'<p class="files">{_e(labels["files"])}: {files} ({s.seconds:.1f} s)</p>')
        out.append("</section>")
    out.append("</body>")
    out.append("</html>")
    return "\n".join(out) + "\n"
