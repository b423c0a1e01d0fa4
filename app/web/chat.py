"""The web chat (Gradio): a thin layer over ``stream_answer`` and the ingest pipeline.

It holds no retrieval or citation logic: it turns answer events into chat messages and a
sources panel (``app.web.render``), and library actions into calls to ``ingest`` and the store.
"""

from __future__ import annotations

from pathlib import Path

from app.answering.engine import answer, open_store, stream_answer
from app.answering.sources import in_context
from app.config import Settings, go_offline
from app.errors import NewsQAError
from app.store.writelock import StoreBusyError
from app.web.guard import Guard, check_store_not_served
from app.web.queue import BusyError, Gate, gradio_room, in_thread, in_threads
from app.web.render import CLICK_JS, CSS, answer_html, esc, sources_panel, turn_html

UPLOAD_TYPES = (".txt", ".md", ".html", ".htm", ".json", ".jsonl", ".xml", ".nitf", ".rss", ".atom", ".pdf",
                ".docx", ".warc", ".warc.gz")
ARCHIVE_TYPES = (".warc", ".warc.gz")  # web archives hold a site's pages: their own, larger limit
ARTICLE_COLUMNS = ["published", "source", "language", "title", "id", "url"]


# "What is it about?" in the languages news is written in most; others get the English form.
_EXAMPLE = {
    "en": "What happened: {}?", "de": "Worum geht es bei „{}“?", "ru": "О чём сообщение «{}»?",
    "es": "¿De qué trata «{}»?", "fr": "De quoi parle « {} » ?", "zh": "《{}》讲了什么？", "ar": "ما موضوع «{}»؟",
}


def example_questions(store, limit: int = 3) -> list[str]:
    """Questions about the newest stored articles of distinct titles, in each article's language."""
    questions: list[str] = []
    for article in store.list_articles():
        title = article.title.strip().rstrip(".")
        question = _EXAMPLE.get(article.language, _EXAMPLE["en"]).format(title) if title else ""
        if question and not any(title in q for q in questions):
            questions.append(question)
        if len(questions) == limit:
            break
    return questions


def filters_from(since: str, until: str, sources: list[str] | None, languages: list[str] | None) -> dict:
    filters = {"since": (since or "").strip(), "until": (until or "").strip(),
               "source": list(sources or []), "language": list(languages or [])}
    return {k: v for k, v in filters.items() if v}


def respond(message, history, turns, asked, settings: Settings, filters: dict, n_sources: int, answerer: str):
    """Generator of (history, turns, asked): the answer streams in, then gets markers and sources.
    ``asked`` holds the earlier questions as typed, so follow-ups are searched in context."""
    history = list(history or []) + [{"role": "user", "content": esc(message)},
                                     {"role": "assistant", "content": ""}]
    turns, asked = list(turns or []), list(asked or [])
    wanted = settings.model_copy(update={"max_citations": int(n_sources), "llm": answerer or settings.llm})
    text = ""
    try:
        for event in stream_answer(message, filters=filters, settings=wanted, history=asked):
            if event["type"] == "token":
                text += event["text"]
                history[-1] = {"role": "assistant", "content": esc(text)}
                yield history, turns, asked
            elif event["type"] == "answer":
                result = event["answer"]
                turn = len(turns) + 1
                shown = in_context(result.closest if result.abstained else result.citations, open_store(wanted))
                turns.append(turn_html(result, shown, turn))
                history[-1] = {"role": "assistant", "content": answer_html(result, turn)}
                yield history, turns, asked + [message]
    except (NewsQAError, ValueError) as err:
        history[-1] = {"role": "assistant", "content": f"⚠️ {esc(str(err))}"}
        yield history, turns, asked


def library_summary(store) -> str:
    stats = store.stats()
    if not stats["articles"]:
        return "The library is empty: add articles below, or run `newsqa ingest PATH`."
    span = " – ".join(stats["date_range"]) if stats["date_range"] else "no dates"
    sources = ", ".join(f"{esc(s)} ({n})" for s, n in list(stats["sources"].items())[:12])
    more = f" and {len(stats['sources']) - 12} more" if len(stats["sources"]) > 12 else ""
    return (f"**{stats['articles']} articles**, {stats['sentences']} sentences, published {esc(span)}. "
            f"Sources: {sources}{more}.")


def article_rows(store) -> list[list[str]]:
    return [[getattr(a, c) for c in ARTICLE_COLUMNS] for a in store.list_articles()]


def add_files(paths: list[str] | None, settings: Settings, progress=None) -> list[list[str]]:
    """Ingest uploaded files one by one; one result row per file."""
    from ingest.pipeline import ingest
    from ingest.read.readers import file_type

    store = open_store(settings)
    rows = []
    items = list(paths or [])
    for i, path in enumerate(items):
        name = Path(path).name
        if progress is not None:
            progress((i, len(items)), desc=f"Adding {name}")
        kind = file_type(name)
        if kind not in UPLOAD_TYPES:
            rows.append([name, f"refused: not one of {', '.join(UPLOAD_TYPES)}"])
            continue
        limit = settings.max_archive_upload_mb if kind in ARCHIVE_TYPES else settings.max_upload_mb
        if Path(path).stat().st_size > limit * 2**20:
            rows.append([name, f"refused: larger than {limit} MB"])
            continue
        try:
            report = ingest([Path(path)], store, max_tokens=settings.max_passage_tokens, progress=False)
        except StoreBusyError as err:
            rows.append([name, f"not added: {err}"])
            continue
        if report.failed:
            rows.append([name, "failed: " + "; ".join(e.reason for e in report.failed)])
        else:
            rows.append([name, report.summary()])
    return rows


def add_web(urls: str, feed: str, settings: Settings, progress=None) -> list[list[str]]:
    """Ingest web pages (one URL per line) and a feed; one result row per URL."""
    from ingest.pipeline import WebOptions, ingest_and_remember

    store = open_store(settings)
    web = WebOptions.from_settings(settings, allow_private=settings.fetch_private)
    items = [("page", u.strip()) for u in (urls or "").splitlines() if u.strip()]
    items += [("feed", feed.strip())] if (feed or "").strip() else []
    rows = []
    for i, (kind, url) in enumerate(items):
        if progress is not None:
            progress((i, len(items)), desc=f"Fetching {url}")
        pages, feeds = ([url], []) if kind == "page" else ([], [url])
        try:
            report = ingest_and_remember(store, pages, feeds, web, settings.max_passage_tokens, progress=False)
        except StoreBusyError as err:
            rows.append([url, f"not added: {err}"])
            continue
        result = report.summary()
        if report.failed:
            result += " — " + "; ".join(f"{e.where}: {e.reason}" for e in report.failed[:5])
        rows.append([url, result])
    return rows


def remove_articles(refs: str, settings: Settings) -> str:
    store = open_store(settings)
    wanted = [r.strip() for r in (refs or "").replace(",", "\n").splitlines() if r.strip()]
    if not wanted:
        return "Give an article id or url (see the table)."
    ids, missing = store.resolve(wanted)
    if ids:
        try:
            store.remove(ids)
        except StoreBusyError as err:
            return f"Nothing removed: {esc(str(err))}"
    note = f"Removed {len(ids)} article(s)."
    return note + (f" Not found: {esc(', '.join(missing))}." if missing else "")


def build(settings: Settings):
    import gradio as gr

    store = open_store(settings)

    def filter_choices():
        stats = store.stats()
        return list(stats["sources"]), list(stats["languages"])

    sources, languages = filter_choices()
    gate = Gate(settings.concurrency, settings.queue_size)  # every question waits here, not in Gradio's queue
    with gr.Blocks(title="newsqa") as demo:
        gr.Markdown("### newsqa: ask the news, check every source")
        turns = gr.State([])  # sources panel HTML, one per answer
        asked = gr.State([])  # the questions as typed, for follow-ups
        with gr.Tab("Chat"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(
                        label="Answers", height=520, elem_id="chat", sanitize_html=True,
                        placeholder=f"{library_summary(store)}\n\nEvery answer cites stored sentences "
                                    "verbatim; click a marker to see it in its article.",
                    )
                    with gr.Row():
                        box = gr.Textbox(placeholder="Ask about the stored articles…", show_label=False,
                                         scale=5, elem_id="question", autofocus=True)
                        send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                    examples = example_questions(store)
                    if examples:
                        gr.Examples(examples=examples, inputs=[box], label="Try")
                with gr.Column(scale=2):
                    panel = gr.HTML(sources_panel([]), label="Sources", elem_id="sources")
                    with gr.Accordion("Filters", open=False):
                        since = gr.Textbox(label="Published since (YYYY-MM-DD)", elem_id="since")
                        until = gr.Textbox(label="Published until (YYYY-MM-DD)", elem_id="until")
                        pick_sources = gr.Dropdown(sources, multiselect=True, label="Sources")
                        pick_languages = gr.Dropdown(languages, multiselect=True, label="Languages")
                        gr.Markdown("Dates set here replace a time read from the question.")
                    with gr.Accordion("Settings", open=False):
                        n_sources = gr.Slider(1, 10, value=settings.max_citations, step=1,
                                              label="Most sentences cited per answer")
                        answerers = list(dict.fromkeys([settings.llm, "extractive"]))
                        pick_answerer = gr.Dropdown(
                            answerers, value=settings.llm, label="Answerer",
                            info="extractive: the cited sentences themselves; an LLM (NEWSQA_LLM) writes an "
                                 "answer whose citations are checked")
        with gr.Tab("Library"):
            summary = gr.Markdown(library_summary(store))
            table = gr.Dataframe(article_rows(store), headers=ARTICLE_COLUMNS, interactive=False, wrap=True)
            with gr.Row():
                with gr.Column():
                    files = gr.File(label="Add articles (txt, md, html, json, jsonl, NewsML-G2 or NITF xml, "
                                          "rss, atom, pdf, docx, warc, warc.gz)", file_count="multiple",
                                    file_types=[t for t in UPLOAD_TYPES if t != ".warc.gz"] + [".gz"],
                                    type="filepath")
                    add = gr.Button("Add to the library")
                    added = gr.Dataframe(headers=["file", "result"], interactive=False, label="Results")
                    urls = gr.Textbox(label="Add web pages (one URL per line)", lines=3)
                    feed = gr.Textbox(label="Add an RSS or Atom feed (URL; remembered for 'newsqa sync')")
                    fetch = gr.Button("Fetch and add")
                    fetched = gr.Dataframe(headers=["url", "result"], interactive=False, label="Results")
                with gr.Column():
                    refs = gr.Textbox(label="Remove articles (ids or urls, one per line)", lines=3)
                    remove = gr.Button("Remove", variant="stop")
                    removed = gr.Markdown()

        async def chat(message, history, turns_, asked_, since_, until_, sources_, languages_, n, answerer_):
            if not (message or "").strip():
                yield history, turns_, asked_, gr.update(), gr.update()
                return
            filters = filters_from(since_, until_, sources_, languages_)
            try:
                async with gate.turn():
                    async for history_, turns_, asked_ in in_threads(
                            respond(message, history, turns_, asked_, settings, filters, n, answerer_)):
                        yield history_, turns_, asked_, sources_panel(turns_), ""
            except BusyError as err:  # the question stays in the box, to send again
                busy = [{"role": "user", "content": esc(message)},
                        {"role": "assistant", "content": f"⚠️ {esc(str(err))}"}]
                yield list(history or []) + busy, turns_, asked_, gr.update(), gr.update()

        ask_inputs = [box, chatbot, turns, asked, since, until, pick_sources, pick_languages, n_sources,
                      pick_answerer]
        ask_outputs = [chatbot, turns, asked, panel, box]
        box.submit(chat, ask_inputs, ask_outputs, api_name="ask", concurrency_limit=None)  # limited by the gate
        send.click(chat, ask_inputs, ask_outputs, api_name=False, concurrency_limit=None)

        def refreshed():
            s, l = filter_choices()
            return (library_summary(store), article_rows(store), gr.update(choices=s), gr.update(choices=l))

        def do_add(paths, progress=gr.Progress()):
            rows = add_files(paths, settings, progress)
            return (rows, *refreshed())

        def do_fetch(urls_, feed_, progress=gr.Progress()):
            return (add_web(urls_, feed_, settings, progress), *refreshed())

        def do_remove(text):
            return (remove_articles(text, settings), *refreshed())

        async def answer_json(question: str, since: str = "", until: str = "", source: list[str] | None = None,
                              language: list[str] | None = None, max_citations: int = 3) -> dict:
            """The answer with its citations and their article metadata, as JSON."""
            wanted = settings.model_copy(update={"max_citations": int(max_citations)})
            filters = filters_from(since, until, source, language)
            try:
                async with gate.turn():
                    return (await in_thread(lambda: answer(question, filters=filters, settings=wanted))).to_dict()
            except (NewsQAError, ValueError) as err:  # BusyError included
                return {"error": str(err)}

        gr.api(answer_json, api_name="answer", concurrency_limit=None)

        chatbot.clear(lambda: ([], [], sources_panel([])), None, [turns, asked, panel])

        lib_outputs = [summary, table, pick_sources, pick_languages]
        add.click(do_add, [files], [added, *lib_outputs], api_name="add_articles")
        fetch.click(do_fetch, [urls, feed], [fetched, *lib_outputs], api_name="add_web")
        remove.click(do_remove, [refs], [removed, *lib_outputs], api_name="remove_articles")
    return demo


def launch(settings: Settings, block: bool = True):
    from starlette.middleware import Middleware

    go_offline()
    check_store_not_served(Path(settings.store))
    demo = build(settings)
    room = gradio_room(settings)  # questions are limited by build()'s gate; this is Gradio's backstop
    demo.queue(default_concurrency_limit=settings.concurrency, max_size=room)
    demo.launch(
        server_name=settings.host, server_port=settings.port, show_error=False, share=False,
        auth=settings.logins() or None, max_file_size=f"{max(settings.max_upload_mb, settings.max_archive_upload_mb)}mb",
        blocked_paths=[str(Path(settings.store).resolve())], allowed_paths=[],
        app_kwargs={"middleware": [Middleware(Guard)]},
        css=CSS, js=CLICK_JS, prevent_thread_lock=not block, quiet=not block, max_threads=room,
    )
    return demo
