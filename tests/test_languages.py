"""Every language of the news: ingest (sentences, dateline, date, language), lexical analysis,
language identification, time words and questions through ``answer()`` in Russian, Spanish,
Chinese and Arabic as well as English and German."""

import re
from datetime import date

import pytest
from conftest import LANGUAGES, SHARED, first_question, stored_sentences, xquad_article

from app import answer
from app.config import load_settings
from app.evaluation.metrics import contains_answer
from app.retrieval.timeexpr import resolve
from app.store import NewsStore
from app.text.analysis import question_terms, term_sets, tokenize
from app.text.dates import normalise_published, parse_dateline
from app.text.language import detect_language, question_language, script
from ingest.pipeline import ingest

XQUAD = SHARED / "xquad"


# A real XQuAD paragraph behind each agency's dateline, as its wire sends it; the file name dates it.
DATELINES = {
    "ru": ("МИНСК, 26 октября (БелТА) – ", "МИНСК", "БелТА", "belta-2025-10-26.txt", "2025-10-26"),
    "es": ("MADRID, 3 nov (EFE).– ", "MADRID", "EFE", "efe-2025-11-03.txt", "2025-11-03"),
    "zh": ("新华社北京11月3日电（记者王磊）", "北京", "新华社", "xinhua-2025-11-03.txt", "2025-11-03"),
    "ar": ("القاهرة، 3 نوفمبر (رويترز) - ", "القاهرة", "رويترز", "reuters-2025-11-03.txt", "2025-11-03"),
}


@pytest.fixture(scope="module")
def wire_store(tmp_path_factory, embedder):
    folder = tmp_path_factory.mktemp("wires")
    for language, (dateline, *_rest, name, _day) in DATELINES.items():
        body = xquad_article(language)["text"].lstrip("\ufeff")
        (folder / name).write_text(dateline + body, "utf-8")
    store = NewsStore.open(folder / "store", embedder)
    report = ingest(sorted(folder.glob("*.txt")), store, progress=False)
    assert report.ok and len(report.added) == len(DATELINES)
    return store, folder


@pytest.mark.parametrize("language", DATELINES)
def test_a_wire_report_in_each_language_is_ingested_with_its_dateline_date_and_sentences(language, wire_store):
    store, folder = wire_store
    dateline, place, agency, name, day = DATELINES[language]
    body = xquad_article(language)["text"].lstrip("\ufeff")
    (article,) = store.articles(["f-" + name.removesuffix(".txt")], with_text=True).values()
    assert (article.language, article.place, article.source, article.published) == (language, place, agency, day)
    got = stored_sentences(store, {"article_id": article.id})
    ordered = [text for _, text in sorted(zip((m["index"] for m in got["metadatas"]), got["documents"]))]
    assert not any(dateline.strip(" –-") in text for text in ordered)  # the dateline is metadata
    first_end = min(i for i in (body.find(mark) for mark in ".。؟?!") if i >= 0) + 1
    assert ordered[0] == body[:first_end].strip()  # the first sentence ends at the first full stop
    terminals = len(re.findall(r"[。！？]|[.?!؟](?=\s|$)", body))
    assert terminals * 0.7 <= len(ordered) <= terminals + 2  # split at 。 and ؟ too, not at every comma
    for meta, text in zip(got["metadatas"], got["documents"]):
        assert article.text[meta["start"] : meta["end"]] == text


def test_datelines_and_dates_in_each_language():
    cases = {
        "МИНСК, 26 октября (БелТА) – Премьер-министр": ("МИНСК", "БелТА", (10, 26)),
        "Мінск, 26 кастрычніка (БелТА) – Прэм'ер-міністр": ("Мінск", "БелТА", (10, 26)),
        "MADRID, 3 nov (EFE).– El Gobierno": ("MADRID", "EFE", (11, 3)),
        "新华社北京11月3日电（记者王磊）国务院": ("北京", "新华社", (11, 3)),
        "القاهرة، 3 نوفمبر (رويترز) - قال": ("القاهرة", "رويترز", (11, 3)),
        "MINSK, 26. Oktober (BelTA) – Die": ("MINSK", "BelTA", (10, 26)),
    }
    for text, (place, agency, (month, day)) in cases.items():
        found = parse_dateline(text)
        assert found, text
        assert (found.place, found.agency, found.date.month, found.date.day) == (place, agency, month, day), text
    for prose in ("Президент Беларуси – это", "El Gobierno – dijo", "Die Republik Belarus hat – so"):
        assert parse_dateline(prose) is None, prose
    assert normalise_published("3 de noviembre de 2025") == "2025-11-03"
    assert normalise_published("26 октября 2025 года") == "2025-10-26"
    assert normalise_published("2025年11月3日") == "2025-11-03"
    assert normalise_published("3 نوفمبر 2025") == "2025-11-03"


def test_language_identification_tells_cyrillic_languages_and_scripts_apart():
    belarusian = "Мінск, 26 кастрычніка (БелТА) – Прэзідэнт Беларусі Аляксандр Лукашэнка падпісаў указ."
    assert detect_language(belarusian) == "be"
    assert detect_language("Президент Беларуси подписал указ, который вступил в силу на этой неделе.") == "ru"
    assert detect_language("Київ, 26 жовтня – Президент України підписав указ про це.") == "uk"
    for language in LANGUAGES:
        assert detect_language(xquad_article(language, 3)["text"]) == language
    # a question is a few words: the store's languages are preferred when plausible
    assert question_language("Минск подписал указ.", ["ru", "en"]) == "ru"
    assert question_language("谁签署了公约？") == "zh"
    assert question_language("من وقع الاتفاقية؟", ["ru", "en"]) == "ar"  # implausible candidates are not forced
    assert question_language("¿Quién firmó la convención?", ["es", "en"]) == "es"


def test_the_script_of_a_text_is_that_of_most_of_its_letters():
    assert script("Wer unterzeichnete die Konvention für Belarus?") == "LATIN"
    assert script("Лукашенко подписал указ о GPS-навигации 9 сентября.") == "CYRILLIC"  # a Latin acronym inside
    assert script("黑豹队的防守只丢了 308分 (NFL)") == "CJK"
    assert script("من وقع الاتفاقية؟") == "ARABIC"
    assert script("2025 — 9.") == ""


def test_each_language_is_analysed_with_its_own_stop_words_and_stemmer():
    assert tokenize("The war in Ukraine", "en") == ["war", "ukrain"]  # "war" is a German stop word only
    assert tokenize("Wer hat die Konventionen unterzeichnet?", "de") == ["konvention", "unterzeichn"]
    assert tokenize("Кто подписал конвенцию? Ёлка", "ru") == ["подписа", "конвенц", "елк"]
    assert tokenize("¿Quiénes firmaron las convenciones?", "es") == ["firm", "convencion"]
    assert tokenize("白俄罗斯签署了什么公约？", "zh") == ["白俄", "俄罗", "罗斯", "斯签", "签署", "署了", "公约"]
    vowelled, plain = tokenize("الاتِّفاقيَّة", "ar"), tokenize("الاتفاقية", "ar")
    assert vowelled == plain and plain  # diacritics do not change the term
    assert tokenize("الاتفاقيـــة", "ar") == plain  # nor does tatweel
    # a question's word matches its stem in any stored language, and counts once
    assert frozenset({"byl", "bylen"}) in term_sets("Who succeeds Bylen?", "en", ["de"])
    assert set(question_terms("Who succeeds Bylen?", ["en", "de"])) >= {"bylen", "byl", "succeed"}


def test_time_words_in_each_language():
    today = date(2025, 11, 5)
    last_week = (date(2025, 10, 27), date(2025, 11, 2))
    for question in ("Что подписал Кубраков на прошлой неделе?", "¿Qué firmó Belarús la semana pasada?",
                     "白俄罗斯上周签署了什么？", "ماذا وقعت بيلاروسيا الأسبوع الماضي؟"):
        (found,) = resolve(question, today)
        assert (found.since, found.until) == last_week, question
    october = (date(2025, 10, 1), date(2025, 10, 31))
    for question in ("Что случилось в октябре?", "¿Qué pasó en octubre de 2025?", "2025年10月发生了什么？",
                     "ماذا حدث في أكتوبر؟"):
        (found,) = resolve(question, today)
        assert (found.since, found.until) == october, question
    (since,) = resolve("¿Qué pasó desde el 3 de noviembre?", today)
    assert (since.since, since.until) == (date(2025, 11, 3), None)
    assert resolve("Did they set 5 records three days ago?", today) == []


@pytest.fixture(scope="module")
def languages_settings(languages_store):
    return load_settings(store=languages_store)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_question_in_each_language_is_answered_from_the_report_in_that_language(language, languages_settings):
    item = first_question(language)
    result = answer(item["question"], settings=languages_settings)
    assert not result.abstained, item["question"]
    first = result.citations[0]
    assert first.language == language, (item["question"], first.sentence)
    assert any(contains_answer(c.sentence, item["answers"]) for c in result.citations), result.answer


def test_the_chat_suggests_one_question_per_title_in_the_report_language(languages_store, embedder):
    from app.web.chat import example_questions

    (question,) = example_questions(NewsStore.open(languages_store, embedder))  # five translations, one title
    assert "Super Bowl 50" in question
