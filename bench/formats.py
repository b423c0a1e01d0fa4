"""PDF text extraction speed on the sample releases: pypdf's plain text, newsqa's reader (pypdf
with positions, paragraphs, running lines and pages), and PyMuPDF's plain text when it can be
imported (it is not a dependency; install it apart to compare).

    python bench/formats.py [FOLDER] [--repeat 5] [--json]

Each file is extracted ``--repeat`` times; the median time is reported, with pages per second.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.read.documents import read_pdf  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "data" / "formats" / "pdf"


def _pypdf_plain(path: Path) -> int:
    import pypdf

    reader = pypdf.PdfReader(path)
    return sum(len(page.extract_text()) for page in reader.pages)


def _newsqa(path: Path) -> int:
    record = read_pdf(path, path.read_bytes())
    return len(record.fields["text"]) if hasattr(record, "fields") else 0


def _pymupdf_plain(path: Path) -> int:
    import pymupdf

    with pymupdf.open(path) as doc:
        return sum(len(page.get_text()) for page in doc)


def _median_ms(fn, path: Path, repeat: int) -> tuple[float, int]:
    times, chars = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        chars = fn(path)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, chars


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import pypdf

    methods = {"pypdf extract_text": _pypdf_plain, "newsqa read_pdf (pypdf)": _newsqa}
    try:
        import pymupdf

        methods[f"pymupdf get_text ({pymupdf.__version__})"] = _pymupdf_plain
    except ImportError:
        pass
    rows = []
    for path in sorted(args.folder.glob("*.pdf")):
        pages = len(pypdf.PdfReader(path).pages)
        for name, fn in methods.items():
            ms, chars = _median_ms(fn, path, args.repeat)
            rows.append({"file": path.name, "pages": pages, "method": name, "ms": round(ms, 1),
                         "pages_per_s": round(pages / (ms / 1000), 1), "chars": chars})
    totals = {name: round(sum(r["ms"] for r in rows if r["method"] == name), 1) for name in methods}
    result = {"machine": f"{platform.machine()}, {platform.python_version()}", "pypdf": pypdf.__version__,
              "repeat": args.repeat, "rows": rows, "total_ms": totals}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"pypdf {pypdf.__version__}; median of {args.repeat} runs per file")
    print("| file | pages | method | ms | pages/s | characters |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['file']} | {r['pages']} | {r['method']} | {r['ms']:.1f} | {r['pages_per_s']:.1f} | {r['chars']:,} |")
    for name, ms in totals.items():
        print(f"| all {len({r['file'] for r in rows})} files | {sum({r['file']: r['pages'] for r in rows}.values())} "
              f"| {name} | {ms:.1f} | | |")


if __name__ == "__main__":
    main()
