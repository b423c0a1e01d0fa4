"""Press releases as documents: PDF (pypdf) and DOCX (python-docx).

A PDF's text is read with each fragment's position and size, rebuilt into lines, then into
paragraphs at vertical gaps, first-line indents, size changes and bullets; words hyphenated at a
line end are joined. Lines that repeat across pages (running headers, footers) and page numbers
are dropped; superscript footnote marks too. Each page's start in the text is kept (``_pages``)
so that a cited sentence can name its page. A PDF without a text layer is refused: there is no
OCR here. A DOCX's body paragraphs and tables are read in order; its headers and footers are
separate parts of the file and never read.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.errors import SourceError
from app.text.dates import parse_partial_date
from ingest.read.readers import Record

_BULLET = re.compile(r"^\s*(?:[•▪◦·●■–-]|o\s|\(?\d{1,2}[.)]\s)")
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?[-–(]?\s*\d{1,4}\s*[-–)]?(?:\s*(?:of|/|von)\s*\d{1,4})?$", re.IGNORECASE)
_END = ('.', '!', '?', ':', '"', '”', '“', ')', '»', '«')
_MONTH_DATE = (r"(?:[A-Z][a-zäöü]{2,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
               r"|\d{1,2}\.?\s+[A-Z][a-zäöü]{2,9}\.?\s+\d{4})")
# A date stated as a release's dateline: "CINCINNATI, September 8, 2023 – ", "Espoo, Finland - October 5, 2017:"
_STATED_DATE = re.compile(rf"(?P<date>{_MONTH_DATE})\s*[–—:-]\s")
_NO_TEXT = ("the PDF has no text layer (a scan or an image); newsqa does not run OCR: give its text, "
            "or a PDF with a text layer")


@dataclass
class _Line:
    text: str
    x: float
    y: float
    size: float


def _fragments(page) -> list[tuple[str, float, float, float, bool]]:
    """(text, x, y, size, ends_line) of each text fragment in content order."""
    found = []

    def visit(text, cm, tm, font, size):
        if not text:
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = (abs(tm[3] * cm[3]) or abs(tm[1] * cm[2]) or 1.0)
        found.append((text, x, y, size * scale, text.endswith("\n")))

    page.extract_text(visitor_text=visit)
    return found


def _lines(page) -> list[_Line]:
    frags = _fragments(page)
    sized = [s for t, _, _, s, _ in frags for _ in t.strip()]
    body = statistics.median(sized) if sized else 10.0
    lines: list[_Line] = []
    ended, space = True, False
    for text, x, y, size, ends in frags:
        clean = text.replace("\n", " ")
        if clean.strip() and re.fullmatch(r"[\d*†‡,]{1,3}", clean.strip()) and size < 0.85 * body:
            ended = ended or ends  # a footnote mark raised above its line
            continue
        if clean.strip():
            current = lines[-1] if lines else None
            if current is None or ended or abs(y - current.y) > 0.5 * max(size, current.size):
                lines.append(_Line(clean.strip(), x, y, size))
            else:  # pypdf hands the spaces it infers between fragments as fragments of their own
                current.text = current.text + (" " if space else "") + clean.rstrip()
                current.size = max(current.size, size)
            space = clean.endswith(" ")
        elif lines and not ended:
            space = True
        ended = ends
    return [line for line in lines if line.text]


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.casefold().split()))


def _running(pages: list[list[_Line]]) -> set[str]:
    """Lines (digits ignored) found on at least half the pages, at least two: headers, footers."""
    if len(pages) < 2:
        return set()
    counts: dict[str, int] = {}
    for lines in pages:
        for key in {_key(line.text) for line in lines if len(line.text) <= 100}:
            counts[key] = counts.get(key, 0) + 1
    return {key for key, n in counts.items() if n >= max(2, len(pages) / 2)}


def _paragraphs(lines: list[_Line]) -> list[tuple[str, float]]:
    """(text, size) per paragraph of a page."""
    gaps = [a.y - b.y for a, b in zip(lines, lines[1:]) if 0 < a.y - b.y < 3 * a.size and abs(a.size - b.size) < 0.5]
    spacing = statistics.median(gaps) if gaps else 0.0
    left = min((line.x for line in lines), default=0.0)
    paragraphs: list[list[_Line]] = []
    for prev, line in zip([None] + lines, lines):
        if prev is None or _breaks(prev, line, spacing, left):
            paragraphs.append([line])
        else:
            paragraphs[-1].append(line)
    return [(_join([line.text for line in para]), max(line.size for line in para)) for para in paragraphs]


def _breaks(prev: _Line, line: _Line, spacing: float, left: float) -> bool:
    """A new paragraph: another size, a gap wider than the usual line spacing (and than 1.5 lines),
    a move up (a new column or box), a first-line indent below a line at the margin, or a bullet."""
    gap = prev.y - line.y
    return (abs(prev.size - line.size) > 0.15 * prev.size
            or gap > max(1.5 * line.size, 1.3 * spacing) or gap < -0.5 * line.size
            or (abs(prev.x - left) < line.size and line.x > left + 0.8 * line.size)
            or bool(_BULLET.match(line.text)))


def _join(lines: list[str]) -> str:
    text = ""
    for line in lines:
        hyphen = re.search(r"(?<=[^\W\d_]) ?-$", text)
        if hyphen and line[:1].islower():
            text = text[: hyphen.start()] + line  # "particu-" + "lar" (InDesign: "clima -" + "te")
        else:
            text = f"{text} {line}" if text else line
    return " ".join(text.split())


def read_pdf(path: Path, data: bytes) -> Record | SourceError:
    import pypdf
    from pypdf.errors import PdfReadError

    where = str(path)
    try:
        reader = pypdf.PdfReader(_stream(data))
        if reader.is_encrypted and reader.decrypt("") == 0:
            return SourceError(where, "the PDF is encrypted; give an unprotected copy")
        pages = [_lines(page) for page in reader.pages]
        meta = reader.metadata or {}
    except PdfReadError as err:
        return SourceError(where, f"not a readable PDF ({err})"[:300])
    except Exception as err:  # pypdf raises what its parsers meet on broken files (struct, zlib, KeyError, ...)
        return SourceError(where, f"the PDF could not be read ({type(err).__name__}: {err})"[:300])
    if not pages:
        return SourceError(where, "the PDF has no pages")
    running = _running(pages)
    kept = [[line for line in lines if _key(line.text) not in running and not _PAGE_NUMBER.match(line.text)]
            for lines in pages]
    per_page = [_paragraphs(lines) for lines in kept]
    if sum(len(text) for page in per_page for text, _ in page) < 40:
        return SourceError(where, _NO_TEXT)
    title = _title(per_page, str(meta.get("/Title") or ""))
    text, starts = _text_with_pages([[t for t, _ in page] for page in per_page])
    return Record({"text": text, "title": title, "published": _stated_date(text) or _pdf_date(meta),
                   "author": str(meta.get("/Author") or ""), "_pages": starts, "_filename": path.name}, where)


def _stream(data: bytes):
    import io

    return io.BytesIO(data)


def _title(per_page: list[list[tuple[str, float]]], declared: str) -> str:
    """The document's stated title: its metadata's, when that is a title and not a file or
    program name; else the leading paragraph set in a larger size than the body on page 1."""
    declared = " ".join(declared.split())
    if declared and len(declared.split()) >= 3 and not re.search(r"\.(docx?|indd|pdf|tex)$|^Microsoft Word", declared):
        return declared
    first = next((page for page in per_page if page), [])
    sizes = [size for text, size in first for _ in text]
    body = statistics.median(sizes) if sizes else 0
    for text, size in first[:4]:
        if size >= 1.2 * body and len(text) <= 200:
            return text
    return ""


def _text_with_pages(pages: list[list[str]]) -> tuple[str, list[int]]:
    """The paragraphs joined, a paragraph cut by a page break joined again, and where each page
    starts in the text."""
    text, starts = "", []
    for paragraphs in pages:
        starts.append(len(text) + (2 if text else 0))
        for n, para in enumerate(paragraphs):
            continues = n == 0 and text and not text.endswith(_END) and para[:1].islower()
            if continues:
                starts[-1] = len(text) + 1
                text += " " + para
            else:
                text += ("\n\n" if text else "") + para
    return text, starts


def _stated_date(text: str) -> str:
    match = _STATED_DATE.search(text[:3000])
    if not match:
        return ""
    words = match["date"].replace(",", "").split()
    ordered = " ".join(words[1:2] + words[:1] + words[2:]) if words[0][:1].isalpha() else " ".join(words)
    when = parse_partial_date(re.sub(r"(st|nd|rd|th)\b", "", ordered))
    return when.iso() if when else ""


def _pdf_date(meta) -> str:
    """The PDF's creation date ("D:20210422215222+02'00'") as ISO 8601 with its offset."""
    raw = str(meta.get("/CreationDate") or "")
    match = re.match(r"D:(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2})?(Z|[+-]\d{2}'?\d{2}'?)?", raw)
    if not match:
        return ""
    y, mo, d, h, mi, s, zone = match.groups()
    try:
        datetime(int(y), int(mo), int(d))
    except ValueError:
        return ""
    if not h:
        return f"{y}-{mo}-{d}"
    offset = "+00:00" if zone in (None, "Z") else f"{zone[:3]}:{zone.replace(chr(39), '')[3:5]}"
    return f"{y}-{mo}-{d}T{h}:{mi or '00'}:{s or '00'}{offset}"


def read_docx(path: Path, data: bytes) -> Record | SourceError:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    where = str(path)
    try:
        document = docx.Document(_stream(data))
    except PackageNotFoundError:
        return SourceError(where, "not a DOCX file (no Word document inside); save it as .docx")
    except Exception as err:  # zipfile.BadZipFile, lxml errors inside the package
        return SourceError(where, f"not a readable DOCX file ({type(err).__name__})")
    paragraphs, title = [], ""
    try:
        blocks = list(document.iter_inner_content())
    except Exception as err:  # a package whose body python-docx cannot walk
        return SourceError(where, f"not a readable DOCX file ({type(err).__name__})")
    for block in blocks:
        if hasattr(block, "rows"):  # a table: one paragraph per row
            for row in block.rows:
                cells = [" ".join(c.text.split()) for c in row.cells]
                line = " | ".join(dict.fromkeys(c for c in cells if c))
                if line:
                    paragraphs.append(line)
            continue
        text = " ".join(block.text.split())
        style = block.style.name if block.style is not None else ""
        if text and style == "Title" and not title:
            title = text
        elif text:
            paragraphs.append(text)
    if not paragraphs:
        return SourceError(where, "the DOCX holds no text")
    props = document.core_properties
    created = props.created.isoformat() if props.created else ""
    return Record({"text": "\n\n".join(paragraphs), "title": title or (props.title or ""),
                   "author": props.author or "", "published": created,
                   "language": (props.language or "")[:2], "_filename": path.name}, where)
