"""The formats newsrooms receive, on the real sample files in ../shared/data/formats (read in place):
NewsML-G2 and NITF wire items, PDF and DOCX releases, WARC web archives, RSS and Atom feed files.
One store holds them all (built once for this module); each file is checked for its articles,
title, date, language and a known sentence, and one question per format is answered from it."""

from collections import Counter
from pathlib import Path

import pytest
from conftest import SHARED, stored_sentences

from app import answer
from app.answering.engine import open_store
from app.config import load_settings
from ingest.pipeline import IngestReport, ingest, read_articles

FORMATS = SHARED / "formats"

# file -> (articles, title of the first, published (prefix), language, place, a sentence of its body)
EXPECTED = {
    "newsml-g2/dpa-2017-06-29_170629-99-46001.xml": (
        1, "Slowenien erringt Erfolg im bitteren Grenzstreit mit Kroatien", "2017-06-29T17:07:35+02:00", "de",
        "Den Haag", "Das internationale Schiedsgericht in Den Haag sprach Slowenien am Donnerstag einen Zugang zur "
        "offenen See und den größten Teil der umstrittenen Piran-Bucht in der nordöstlichen Adria zu."),
    "newsml-g2/dpa-digitalwires_with_dateline.xml": (
        1, "DeepSeek-Schock aus China: Zeichen für KI-Zeitenwende?", "2025-01-28T09:18:34+01:00", "de", "New York",
        "Die Nvidia-Aktie fiel um knapp 17 Prozent und das radierte 589 Milliarden Dollar Börsenwert aus."),
    "newsml-g2/reuters_KBN0FL0NN_version_5.xml": (
        1, "Confident Assad launches new term in stronger position", "2014-07-16T08:10:15+00:00", "en", "DAMASCUS",
        "Official returns gave him 88.7 percent of the vote."),
    "newsml-g2/ap_newsmessage_3items.xml": (
        3, "Nutrisystem beats 4Q earnings and revenue expectations", "2018-02-26T21:20:36+00:00", "en",
        "FORT WASHINGTON, Pa.",
        "The weight-loss company posted revenue of $131.2 million in the period, also exceeding Street forecasts."),
    "newsml-g2/tt_newsml_test.xml": (
        1, "Polen: EU hämnas för flyktingmotstånd", "2017-12-20T14:46:21+01:00", "sv", "Bryssel",
        "Två år av förhandlingar, samtal, meddelanden, utsträckta händer, hot och löften har inte lett till något "
        "resultat i Polen, säger Malmström till TT."),
    "nitf/ap-nitf.xml": (
        1, "Can trading pollution like stocks help fight climate change?", "2015-12-10T19:10:44+00:00", "en",
        "NEW YORK", "Roeslein is so convinced the idea will work, maybe enough to turn a profit, he's putting $25 "
        "million of his own money behind the venture."),
    "nitf/nitf-ntb.xml": (  # ISO-8859-1
        1, "Faktisk.no: Nei, dette dokumentet beskriver ikke FNs Agenda 21 eller Agenda 2030", "2020-09-07T14:45:27",
        "nb", "Oslo", "Det siste året har ulike diskusjoner om FNs Agenda 21 fått over 13 000 delinger, kommentarer "
        "og reaksjoner på Facebook, viser tall fra analyseverktøyet Crowdtangle."),
    "nitf/ntb-ritzau_nitf_test.xml": (  # ISO-8859-1, CRLF; Danish though declared no-NO; headline cut off
        1, "En 41-årig mand, der onsdag blev anholdt og sat i forbindelse med en mulig skudepisode nær en børnehave "
        "i Hvidovre ved København, er blevet løsladt.", "2016-05-12T00:05:13+02:00", "da", "København",
        "Han sigtes nu for trusler."),
    "pdf/kroger-press-release-2023.pdf": (
        1, "Kroger Reports Second Quarter 2023 Results and Reaffirms Guidance", "2023-09-08", "en", "",
        "The LIFO charge for the quarter was $4 million, compared to a LIFO charge of $148 million for the same "
        "period last year."),
    "pdf/terrestrial-assemblage_pressemitteilung.de.pdf": (
        1, "Terrestrial Assemblage Outdoor-Ausstellung und Symposium in der Floating University Berlin",
        "2021-04-22T21:53:04+02:00", "de", "",
        "2018 wurde die Floating University Berlin von raumlabor als temporäres, innerstädtisches Labor für "
        "kollektives, erfahrungsorientiertes Lernen und transdisziplinären Austausch initiiert."),
    "pdf/terrestrial-assemblage_pressrelease.en.pdf": (
        1, "Terrestrial Assemblage Outdoor-Exhibition and Symposium at the Floating University Berlin",
        "2021-04-22T21:52:22+02:00", "en", "",
        "In 2018, Floating University Berlin was initiated by raumlabor as a temporary inner-city laboratory for "
        "collective, experiential learning and transdisciplinary exchange."),
    "pdf/aalto-kunal-ghosh_press_release.pdf": (  # no space glyphs: pypdf infers the word breaks
        1, "AI developed by a group of researchers at Aalto University could signiﬁcantly speed up the search for "
        "new materials.", "2017-10-05", "en", "",
        "The neural networks can predict these properties, for individual molecules, in milliseconds compared to "
        "minutes taken by traditional techniques in material science."),
    "docx/rte-brainstorm_press_release.docx": (
        1, "Are computers really able read your emotions?", "2021-03-03", "en", "",
        "Just as identity can be recognised through the recording of faces, it is claimed that emotions can be "
        "recognised too."),
    "warc/commoncrawl_whirlwind.warc.gz": (
        1, "Escopete - Biquipedia, a enciclopedia libre", "2008-07-04", "an", "",
        "Escopete ye citato en as Relaciones Topográficas de los pueblos de Espanya, feitas por Felipe II de "
        "Castiella en 1578."),
    "warc/wikipedia-main-page-2012-01-19.warc.gz": (  # ~150 records: one HTML page, the rest CSS, JS, images
        1, "Main Page", "2012-01-19", "en", "",
        "He failed to find a wide audience during his lifetime, but now ranks among the most influential English "
        "singer-songwriters of the last 50 years."),
    "warc/wikimedia-sopa-statement-2012-01-19.warc.gz": (
        1, "SOPA/Blackoutpage", "2012-01-19", "en", "",
        "More than 162 million people saw our message asking if you could imagine a world without free knowledge."),
    "warc/warcio_example.warc.gz": (  # response, request and revisit of one page: one article
        1, "Example Domain", "2017-03-06T04:02:06+00:00", "en", "",
        "This domain is established to be used for illustrative examples in documents."),
    "feeds/guardian.rss": (
        55, "Trump State of the Union address promised unity but emphasized discord", "2018-01-31T07:26:05+00:00",
        "en", "", "Donald Trump has promised a “new American moment” in a State of the Union address that sought "
        "harmony but succeeded only in underlining the deep discord at the heart of the country’s politics."),
    "feeds/heise.atom": (
        15, "Java-Anwendungsserver: Red Hat gibt WildFly 10 frei", "2016-02-01T17:22:00+01:00", "de", "",
        "Über das Programm des zehnten Scrum Day stimmen die Teilnehmer selbst ab."),
    "feeds/uolNoticias.rss": (  # Latin-1 without a declaration; Portuguese dates; 4 entries carry only a link
        11, "Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin em simulações de 2º turno", "2018-09-24T19:42:40-03:00",
        "pt", "", "Programa Pré Aprendiz, que é realizado pela Secretaria Municipal de Assistência Social de Apucarana "
        "em parceria com o Serviço Social do Comércio (Sesc), terá continuidade em 2019."),
}
# file -> (how many of its entries are refused, the words of the reason)
REFUSED = {"feeds/uolNoticias.rss": (4, "carries no text, only a link")}


@pytest.fixture(scope="module")
def formats_store(tmp_path_factory):
    settings = load_settings(store=tmp_path_factory.mktemp("formats") / "store")
    store = open_store(settings)
    report = ingest([FORMATS], store, progress=False)
    return settings, store, report


def _articles(name: str):
    report = IngestReport()
    return read_articles([FORMATS / name], report), report


def _sentences(store, article_id: str) -> dict[str, dict]:
    got = stored_sentences(store, {"article_id": article_id})
    return dict(zip(got["documents"], got["metadatas"]))


def test_the_sample_folder_is_what_the_table_describes():
    files = {str(p.relative_to(FORMATS)) for p in FORMATS.rglob("*") if p.is_file()} - {"README.md", "SHA256SUMS"}
    assert files == set(EXPECTED)


def test_every_sample_ingests_with_only_the_expected_refusals(formats_store):
    _, store, report = formats_store
    assert len(report.added) == sum(n for n, *_ in EXPECTED.values())
    refused = Counter(str(Path(e.where.split(" entry ")[0]).relative_to(FORMATS)) for e in report.failed)
    assert refused == Counter({name: n for name, (n, _) in REFUSED.items()})
    for error in report.failed:
        assert REFUSED["feeds/uolNoticias.rss"][1] in error.reason
    assert len(store.list_articles()) == len(report.added)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_file_gives_its_articles_with_title_date_language_place_and_body(formats_store, name):
    _, store, _ = formats_store
    count, title, published, language, place, sentence = EXPECTED[name]
    articles, report = _articles(name)
    assert len(articles) == count
    first = articles[0]
    assert (first.title, first.language, first.place) == (title, language, place)
    assert first.published.startswith(published)
    holder = next(a for a in articles if sentence in a.text)
    stored = _sentences(store, holder.id)
    assert sentence in stored, f"{sentence!r} is not one stored sentence of {holder.id}"
    assert stored[sentence]["language"] == holder.language


def test_wire_items_carry_their_guid_version_and_outlet(formats_store):
    _, store, _ = formats_store
    (reuters,), _ = _articles("newsml-g2/reuters_KBN0FL0NN_version_5.xml")
    assert reuters.id == "tag_reuters.com_2014_newsml_KBN0FL0NN" and reuters.source == "Reuters"
    assert reuters.extra == {"version": "5", "version_created": "2014-07-16T15:53:10.000Z"}
    assert reuters.author == "By Marwan Makdisi" and not reuters.text.startswith("By Marwan")
    meta = store.collection("articles").get(ids=[reuters.id], include=["metadatas"])["metadatas"][0]
    assert (meta["version"], meta["version_created"]) == ("5", "2014-07-16T15:53:10.000Z")
    ap, _ = _articles("newsml-g2/ap_newsmessage_3items.xml")
    assert [a.place for a in ap] == ["FORT WASHINGTON, Pa.", "BETHESDA, Md.", "KNOXVILLE, Tenn."]
    assert len({a.id for a in ap}) == 3 and {a.source for a in ap} == {"Automated Insights"}
    (digital,), _ = _articles("newsml-g2/dpa-digitalwires_with_dateline.xml")
    assert digital.extra["version"] == "2" and digital.text.startswith("Künstliche Intelligenz\n\n")  # subheadline
    (tt,), _ = _articles("newsml-g2/tt_newsml_test.xml")
    assert "Fakta: EU:s storslägga" not in tt.text and "I artikel 7 stipuleras fyra steg:" in tt.text
    assert "Arkivfoto" not in tt.text  # the picture's caption is not body text


def test_pdf_sentences_keep_their_pages_and_running_lines_are_gone(formats_store):
    _, store, _ = formats_store
    (kroger,), _ = _articles("pdf/kroger-press-release-2023.pdf")
    assert len(kroger.extra["pages"]) == 3
    stored = _sentences(store, kroger.id)
    assert stored[EXPECTED["pdf/kroger-press-release-2023.pdf"][5]]["page"] == 2
    assert {m["page"] for m in stored.values()} == {1, 2, 3}
    (release,), _ = _articles("pdf/terrestrial-assemblage_pressrelease.en.pdf")
    assert "press release" not in release.text.lower()  # on every page: a running footer
    assert "\n\n6\n\n" not in release.text and "where climate, inequality" in release.text  # "clima-" + "te"
    (docx,), _ = _articles("docx/rte-brainstorm_press_release.docx")
    assert "page" not in next(iter(_sentences(store, docx.id).values()))  # a DOCX has no fixed pages


def test_a_pdf_without_text_layer_and_broken_files_are_refused_and_the_batch_goes_on(tmp_path, formats_store):
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)  # a scan has pages but no text
    with (tmp_path / "scan.pdf").open("wb") as out:
        writer.write(out)
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage")
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not a zip")
    (tmp_path / "broken.xml").write_text("<newsMessage><itemSet><newsItem>", "utf-8")
    (tmp_path / "broken.warc.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    (tmp_path / "good.xml").write_bytes((FORMATS / "nitf/ap-nitf.xml").read_bytes())
    articles, report = _articles(tmp_path)  # a folder like any other source
    assert [a.title for a in articles] == [EXPECTED["nitf/ap-nitf.xml"][1]]
    reasons = {Path(e.where).name: e.reason for e in report.failed}
    assert set(reasons) == {"scan.pdf", "broken.pdf", "broken.docx", "broken.xml", "broken.warc.gz"}
    assert "no text layer" in reasons["scan.pdf"] and "OCR" in reasons["scan.pdf"]
    assert "not well-formed XML" in reasons["broken.xml"] and "DOCX" in reasons["broken.docx"]


def test_pictures_and_graphics_in_a_news_message_are_skipped_with_a_reason(tmp_path):
    text = (FORMATS / "newsml-g2/reuters_KBN0FL0NN_version_5.xml").read_text("utf-8")
    start, end = text.index("<newsItem "), text.index("</newsItem>") + len("</newsItem>")
    picture = (text[start:end].replace('guid="tag_reuters.com_2014_newsml_KBN0FL0NN"', 'guid="pic-1"')
               .replace('qcode="icls:text"', 'qcode="ninat:picture"'))
    (tmp_path / "message.xml").write_text(text[:end] + picture + text[end:], "utf-8")
    articles, report = _articles(tmp_path / "message.xml")
    assert [a.id for a in articles] == ["tag_reuters.com_2014_newsml_KBN0FL0NN"]
    (error,) = report.failed
    assert error.where.endswith("item 2") and "picture" in error.reason


def test_reingesting_every_sample_changes_nothing(formats_store):
    _, store, first = formats_store
    before = {a.id: a for a in store.list_articles()}
    again = ingest([FORMATS], store, progress=False)
    assert (again.added, again.updated) == ([], []) and len(again.unchanged) == len(first.added)
    assert {a.id: a for a in store.list_articles()} == before


def test_a_newer_version_of_a_wire_item_replaces_the_older_and_not_the_other_way(tmp_path, embedder):
    from app.store import NewsStore

    store = NewsStore.open(tmp_path / "store", embedder)
    original = FORMATS / "newsml-g2/reuters_KBN0FL0NN_version_5.xml"
    assert ingest([original], store, progress=False).added == ["tag_reuters.com_2014_newsml_KBN0FL0NN"]
    newer = (original.read_text("utf-8").replace('version="5"', 'version="6"')
             .replace("<versionCreated>2014-07-16T15:53:10.000Z", "<versionCreated>2014-07-16T17:02:00.000Z")
             .replace("88.7 percent of the vote", "88.7 percent of the votes cast"))
    (tmp_path / "reuters_KBN0FL0NN_version_6.xml").write_text(newer, "utf-8")
    report = ingest([tmp_path / "reuters_KBN0FL0NN_version_6.xml"], store, progress=False)
    assert report.updated == ["tag_reuters.com_2014_newsml_KBN0FL0NN"] and not report.added
    (article,) = store.list_articles()
    meta = store.collection("articles").get(ids=[article.id], include=["metadatas"])["metadatas"][0]
    assert (meta["version"], meta["version_created"]) == ("6", "2014-07-16T17:02:00.000Z")
    sentences = _sentences(store, article.id)
    assert "Official returns gave him 88.7 percent of the votes cast." in sentences
    assert "Official returns gave him 88.7 percent of the vote." not in sentences
    # version 5 arriving after version 6 (a resent wire) leaves version 6 in place
    assert ingest([original], store, progress=False).unchanged == ["tag_reuters.com_2014_newsml_KBN0FL0NN"]
    meta = store.collection("articles").get(ids=[article.id], include=["metadatas"])["metadatas"][0]
    assert meta["version"] == "6" and "Official returns gave him 88.7 percent of the votes cast." in _sentences(store, article.id)


# format -> (question, file, the sentence cited, its page or 0)
QUESTIONS = {
    "newsml-g2": ("Was sprach das Schiedsgericht in Den Haag Slowenien zu?",
                  "newsml-g2/dpa-2017-06-29_170629-99-46001.xml", None, 0),
    "nitf": ("How much of his own money is Rudi Roeslein putting behind the venture?", "nitf/ap-nitf.xml", None, 0),
    "pdf": ("How large was the LIFO charge for the quarter?", "pdf/kroger-press-release-2023.pdf", None, 2),
    "docx": ("What is the most common paradigm in psychology about emotions since the 70's?",
             "docx/rte-brainstorm_press_release.docx",
             "Since the 70’s, the most common paradigm in psychology about emotions stated three principles: (i) "
             "there is a direct relationship between an emotion felt and its facial expression, (ii) there are six "
             "basic emotions and each has a prototypical expression, and (iii) emotions and their expressions are "
             "universal.", 0),
    "warc": ("How many people saw the Wikipedia blackout message?",
             "warc/wikimedia-sopa-statement-2012-01-19.warc.gz", None, 0),
    "feed": ("What grave concerns did the FBI have about Trump's plan?", "feeds/guardian.rss",
             "The FBI said on Wednesday it had “grave concerns” about Donald Trump’s apparent intention to release a "
             "memo said to contain classified information about the bureau’s investigation into one of the "
             "president’s campaign aides.", 0),
}


@pytest.mark.parametrize("kind", sorted(QUESTIONS))
def test_a_question_per_format_cites_a_verbatim_sentence_of_its_file(formats_store, kind):
    settings, store, _ = formats_store
    question, name, sentence, page = QUESTIONS[kind]
    sentence = sentence or EXPECTED[name][5]
    result = answer(question, settings=settings)
    assert not result.abstained, result.answer
    cited = {c.sentence: c for c in result.citations}
    assert sentence in cited, [c.sentence for c in result.citations]
    citation = cited[sentence]
    ids = {a.id for a in _articles(name)[0]}
    assert citation.article_id in ids
    text = store.articles([citation.article_id], with_text=True)[citation.article_id].text
    assert text[citation.start : citation.end] == sentence  # verbatim, at its place in the stored text
    assert citation.page == page and (citation.page_label == f"p. {page}" if page else not citation.page_label)


def test_the_cli_reads_the_formats_and_names_a_pdf_citation_page(tmp_path):
    from test_cli import run

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "broken.xml").write_text("<nitf><body>", "utf-8")
    store = tmp_path / "store"
    done = run("ingest", FORMATS / "pdf" / "kroger-press-release-2023.pdf", FORMATS / "docx", tmp_path / "in",
               "--store", store, ok=None)
    failed = [line for line in done.stderr.splitlines() if line.startswith("failed:")]
    assert len(failed) == 1 and "broken.xml" in failed[0] and "not well-formed XML" in failed[0]
    assert "added 2" in done.stdout
    asked = run("ask", QUESTIONS["pdf"][0], "--store", store).stdout
    assert EXPECTED["pdf/kroger-press-release-2023.pdf"][5] in asked and "2023-09-08, p. 2, en" in asked


def test_library_uploads_take_the_new_types_and_archives_have_their_own_limit(tmp_path):
    from app.web.chat import add_files

    big = tmp_path / "big.warc.gz"
    big.write_bytes(b"\x1f\x8b" + b"0" * (2 * 2**20))
    sample = tmp_path / "warcio_example.warc.gz"
    sample.write_bytes((FORMATS / "warc" / "warcio_example.warc.gz").read_bytes())
    pdf = tmp_path / "aalto.pdf"
    pdf.write_bytes((FORMATS / "pdf" / "aalto-kunal-ghosh_press_release.pdf").read_bytes())
    settings = load_settings(store=tmp_path / "store", max_upload_mb=1, max_archive_upload_mb=1)
    rows = dict(add_files([str(big), str(sample), str(pdf)], settings))
    assert rows["big.warc.gz"] == "refused: larger than 1 MB"
    assert rows["warcio_example.warc.gz"].startswith("added 1") and rows["aalto.pdf"].startswith("added 1")
    bigger = load_settings(store=tmp_path / "store", max_upload_mb=1, max_archive_upload_mb=3)
    (row,) = add_files([str(big)], bigger)
    assert row[1].startswith("failed:") and "WARC" in row[1]  # accepted by size, refused by content
