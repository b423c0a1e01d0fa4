"""``newsqa``: ingest, ask, stats, serve, eval. A thin layer over the library functions."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

from app.config import Settings, go_offline, load_settings
from app.errors import NewsQAError


def _help(field: str) -> str:
    info = Settings.model_fields[field]
    return f"{info.description} (default {info.default}; env NEWSQA_{field.upper()})"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsqa", description="Question answering over news, with cited sentences.")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_store(p):
        p.add_argument("--store", type=Path, help=_help("store"))
        p.add_argument("--chroma-url", metavar="URL", help=_help("chroma_url"))
        return p

    def with_wait(p):
        p.add_argument("--wait", nargs="?", type=float, const=float("inf"), metavar="SECONDS",
                       help="if another process is writing the store, wait for it (at most SECONDS) "
                            "instead of failing at once (env NEWSQA_WRITE_WAIT)")
        return p

    def with_filters(p):  # the metadata filters of app.store.filters, read back by _filters()
        p.add_argument("--source", action="append", help="only articles from this source (repeatable)")
        p.add_argument("--language", action="append", help="only articles in this language (repeatable)")
        p.add_argument("--since", help="only articles published on or after YYYY-MM-DD")
        p.add_argument("--until", help="only articles published on or before YYYY-MM-DD")
        return p

    p = with_wait(with_store(sub.add_parser("ingest", help="Add articles (files, folders, web pages, feeds) to the store.")))
    p.add_argument("sources", nargs="*", help="files or folders (.txt .md .html .json .jsonl .xml (NewsML-G2, NITF) .rss .atom .pdf .docx .warc "
                        ".warc.gz) or http(s) URLs")
    p.add_argument("--urls", type=Path, metavar="FILE", help="a file with one article URL per line")
    p.add_argument("--feed", action="append", default=[], metavar="URL_OR_FILE",
                   help="an RSS or Atom feed (repeatable); remembered for 'newsqa sync'")
    p.add_argument("--no-fetch", action="store_true", help="keep feed summaries; do not fetch the linked pages")
    p.add_argument("--shard", metavar="K/N", help="write only part K of N of the articles (by id): N processes given "
                   "the same sources and K = 1..N share one import into a Chroma server")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")

    p = with_wait(with_store(sub.add_parser("sync", help="Poll every feed ingested before; add what is new or changed.")))
    p.add_argument("--json", action="store_true", help="print the summary as JSON")

    p = with_store(sub.add_parser("ask", help="Answer one question with cited sentences."))
    p.add_argument("question")
    p.add_argument("-k", type=int, help=_help("k"))
    with_filters(p)
    p.add_argument("--reference-date", type=_day, help="resolve 'last week', 'im Oktober' ... against this date (YYYY-MM-DD; default today)")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")

    p = with_wait(with_store(sub.add_parser("remove", help="Delete articles (by id or url) with all their passages and sentences.")))
    p.add_argument("articles", nargs="+", metavar="ID_OR_URL")

    p = with_filters(with_store(sub.add_parser("articles", help="List the stored articles, newest first.")))
    p.add_argument("--json", action="store_true")

    p = with_store(sub.add_parser("stats", help="Counts, sources and date range of the store."))
    p.add_argument("--json", action="store_true")

    p = with_store(sub.add_parser("serve", help="Open the web chat."))
    p.add_argument("--host", help=_help("host"))
    p.add_argument("--port", type=int, help=_help("port"))

    p = with_store(sub.add_parser("eval", help="Score the system on a QA test set (JSONL)."))
    p.add_argument("qa", type=Path, nargs="?", help="QA JSONL file (id, question, answers, evidence, answerable, type, lang)")
    p.add_argument("--articles", type=Path, nargs="+",
                   help="ingest these into a separate cached evaluation store instead of using --store")
    p.add_argument("--out", type=Path, help="write metrics.json, results.jsonl and report.html here")
    p.add_argument("--limit", type=int, help="only the first N questions")
    p.add_argument("--baseline", choices=["naive"], help="also evaluate a plain LangChain RAG on the same questions")
    p.add_argument("--reference-date", type=_day, help="date that time words in questions are read against (default today)")
    p.add_argument("--compare", type=Path, nargs=2, metavar=("RUN_A", "RUN_B"),
                   help="compare two --out folders instead of running")
    p.add_argument("--json", action="store_true", help="print metrics as JSON")
    return parser


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date: use YYYY-MM-DD") from None


def _filters(args) -> dict:
    return {k: v for k, v in {"source": args.source, "language": args.language,
                              "since": args.since, "until": args.until}.items() if v}


def main(argv: list[str] | None = None) -> int:
    go_offline()
    args = _parser().parse_args(argv)
    try:
        if args.store and args.chroma_url:
            raise NewsQAError("Give --store (a local folder) or --chroma-url (a Chroma server), not both.")
        settings = load_settings(store=args.store, chroma_url=args.chroma_url, host=getattr(args, "host", None),
                                 port=getattr(args, "port", None), write_wait=getattr(args, "wait", None))
        if args.command in WRITES and not settings.chroma_url:  # a busy local store fails fast, before models load
            from app.store import store_folder
            from app.store.writelock import write_lock

            with write_lock(store_folder(settings.store)).hold(settings.write_wait):
                return COMMANDS[args.command](args, settings)
        return COMMANDS[args.command](args, settings)
    except (NewsQAError, ValueError) as err:
        print(f"newsqa: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `newsqa articles | head` ends quietly
        # the process-wide SIGPIPE default stays untouched: it would kill servers sharing it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _ingest(args, settings: Settings) -> int:
    from app.answering.engine import open_store
    from ingest.pipeline import Shard, WebOptions, ingest_and_remember

    shard = Shard.parse(args.shard) if args.shard else None
    if shard and args.feed:
        raise NewsQAError("--shard splits files, folders and URLs; poll --feed from one process (it remembers "
                          "what each feed held), without --shard.")
    sources = list(args.sources)
    if args.urls:
        try:
            lines = args.urls.read_text("utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as err:
            raise NewsQAError(f"--urls {args.urls}: cannot read it ({err}); give a UTF-8 text file, one URL per line.") from None
        sources += [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    if not sources and not args.feed:
        raise NewsQAError("Nothing to ingest: give files, folders or URLs, --urls FILE or --feed URL.")
    web = WebOptions.from_settings(settings, fetch_pages=not args.no_fetch)
    report = ingest_and_remember(open_store(settings), sources, args.feed, web, settings.max_passage_tokens,
                                 chunk_size=settings.write_chunk, shard=shard)
    return _report(report, args.json)


def _sync(args, settings: Settings) -> int:
    from app.answering.engine import open_store
    from ingest.pipeline import WebOptions, sync

    return _report(sync(open_store(settings), WebOptions.from_settings(settings), settings.max_passage_tokens,
                        chunk_size=settings.write_chunk), args.json)


def _report(report, as_json: bool) -> int:
    if as_json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        for err in report.failed:
            print(f"failed: {err}", file=sys.stderr)
        print(report.summary())
    return 0 if report.ok else 1


def _ask(args, settings: Settings) -> int:
    from app.answering.engine import answer

    result = answer(args.question, k=args.k, filters=_filters(args), settings=settings,
                    reference_date=args.reference_date)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return 0
    print(result.answer)
    if result.time_range:
        tr = result.time_range
        how = "searched only" if tr["applied"] else "not applied:"
        print(f"(time: '{tr['text']}' -> {how} {tr.get('since', '…')} .. {tr.get('until', '…')})")
    shown = result.closest if result.abstained else result.citations
    if shown:
        print("\nClosest sentences (not answers):" if result.abstained else "\nSources:")
    for c in shown:
        label = f"[{c.n}]" if not result.abstained else " -"
        meta = ", ".join(x for x in (c.source, c.published[:10], c.page_label, c.language, c.url) if x)
        print(f"{label} \"{c.sentence}\"\n    {c.title} ({meta})")
        if c.also_reported_by:
            print(f"    also reported by: {', '.join(c.also_reported_by)}")
    return 0


def _remove(args, settings: Settings) -> int:
    from app.answering.engine import open_store

    store = open_store(settings)
    ids, missing = store.resolve(args.articles)
    if ids:
        store.remove(ids)
    for wanted in missing:
        print(f"not found: {wanted} (see 'newsqa articles' for ids and urls)", file=sys.stderr)
    print(f"removed {len(ids)} article(s)")
    return 1 if missing else 0


def _articles(args, settings: Settings) -> int:
    from app.answering.engine import open_store
    from app.store.filters import to_where

    listed = open_store(settings).list_articles(to_where(_filters(args)))
    if args.json:
        print(json.dumps([{k: v for k, v in vars(a).items() if k != "text"} for a in listed], indent=2, ensure_ascii=False))
        return 0
    for a in listed:
        print(f"{a.published[:10] or '----------'}  {a.language or '??'}  {a.source[:24]:24s}  {a.id}  {a.title[:70]}")
    print(f"{len(listed)} article(s)")
    return 0


def _stats(args, settings: Settings) -> int:
    from app.answering.engine import open_store

    stats = open_store(settings).stats()
    if args.json:
        print(json.dumps(stats, indent=2, ensure_ascii=False))
        return 0
    print(f"store {stats['store']} (embedder {stats['embedder']})")
    print(f"articles {stats['articles']}, sentences {stats['sentences']}, passages {stats['passages']}")
    if stats["date_range"]:
        print(f"published {stats['date_range'][0]} .. {stats['date_range'][1]}")
    for source, n in stats["sources"].items():
        print(f"  {n:5d}  {source}")
    return 0


def _serve(args, settings: Settings) -> int:
    from app.web.chat import launch

    launch(settings)
    return 0


def _eval(args, settings: Settings) -> int:
    from app.evaluation.runner import (
        cached_store,
        evaluate_run,
        format_metrics,
        write_run,
    )

    if args.compare:
        from app.evaluation.report import compare_runs

        print(compare_runs(*args.compare))
        return 0
    if args.qa is None:
        raise NewsQAError("Give a QA file: newsqa eval QA.jsonl (or --compare RUN_A RUN_B).")
    if args.articles:
        if args.store:
            raise NewsQAError("Give --articles or --store, not both: --articles builds its own store.")
        cache = Path(settings.cache).expanduser() / "eval-stores"
        settings = settings.model_copy(update={"store": cached_store(args.articles, settings, cache)})
    run = evaluate_run(args.qa, settings, limit=args.limit, baseline=args.baseline, reference_date=args.reference_date)
    if args.out:
        write_run(run, args.out)
    if args.json:
        shown = dict(run["metrics"])
        if "baseline" in run:
            shown["baseline"] = run["baseline"]["metrics"]
        print(json.dumps(shown, indent=2))
    else:
        print(format_metrics(run["metrics"]))
        if "baseline" in run:
            print(f"\n== baseline: {run['baseline']['name']}")
            print(format_metrics(run["baseline"]["metrics"]))
        if args.out:
            print(f"\nreport: {args.out / 'report.html'}")
    return 0


WRITES = {"ingest", "sync", "remove"}
COMMANDS = {"ingest": _ingest, "sync": _sync, "ask": _ask, "remove": _remove, "articles": _articles, "stats": _stats,
            "serve": _serve, "eval": _eval}

if __name__ == "__main__":
    raise SystemExit(main())
