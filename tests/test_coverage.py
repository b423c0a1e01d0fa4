"""Hand-made data for the two rules that read names: a name no stored passage mentions makes an
abstention (app.answering.coverage), and the name the top reports share becomes the answer (app.answering.bridge)."""

from app.answering.bridge import applies, bridge_entity, mention
from app.answering.coverage import checked, uncovered_names
from app.store.lexical import LexicalIndex
from app.types import Hit

PASSAGES = {
    "v:p0": ("en", "The criminal trial of Sam Bankman-Fried, the founder of FTX, started in New York."),
    "t:p0": ("en", "Prosecutors say Bankman-Fried took customer money from FTX for himself."),
    "g:p0": ("en", "The Secretary of State met officials of the European Commission in Brussels."),
    "d:p0": ("de", "Der Erlass Nr. 326 wurde in Minsk unterzeichnet."),
    "e:p0": ("es", "El ministro del Interior, Thomas de Maizière, habló en Berlín."),
}
OUTLETS = ["The Verge", "TechCrunch", "The Guardian"]


def index() -> LexicalIndex:
    built = LexicalIndex(None)
    ids = list(PASSAGES)
    built.build(ids, [text for _, text in PASSAGES.values()], [{"language": lang} for lang, _ in PASSAGES.values()],
                save=False)
    return built


def hit(pid: str) -> Hit:
    return Hit(passage_id=pid, article_id=pid.split(":")[0], text=PASSAGES[pid][1], score=0.0)


def test_names_never_stored_together_are_uncovered():
    idx = index()
    question = "Considering articles by The Verge and The Guardian about Oleg Fomenko, which company did he found?"
    assert uncovered_names(question, idx, OUTLETS) == ["Oleg Fomenko"]
    # every word is stored, but never in one passage
    assert uncovered_names("What did Sam Brussels say, according to The Verge?", idx, OUTLETS) == ["Sam Brussels"]
    covered = ("Which company, as reported by The Verge and TechCrunch, did Sam Bankman-Fried found before "
               "the European Commission and the Secretary of State met?")
    assert uncovered_names(covered, idx, OUTLETS) == []
    # a capitalised first word alone is not taken for a name; two or more are
    assert uncovered_names("Fomenko founded which company?", idx, OUTLETS) == []
    assert uncovered_names("Oleg Fomenko founded which company?", idx, OUTLETS) == ["Oleg Fomenko"]
    assert uncovered_names("Considering Oleg Fomenko, which company?", idx, OUTLETS) == ["Oleg Fomenko"]


def test_the_rule_applies_to_english_questions_over_english_passages_only():
    idx = index()
    assert checked("Who founded FTX?", [hit("v:p0"), hit("t:p0")], idx)
    assert checked("Who founded FTX?", [hit("v:p0"), hit("d:p0")], idx)  # half in English
    assert not checked("Who founded FTX?", [hit("v:p0"), hit("d:p0"), hit("d:p0")], idx)
    assert not checked("Which decree authorised the signing?", [hit("d:p0")], idx)  # German report
    assert not checked("Wer hat den Erlass Nr. 326 unterzeichnet?", [hit("d:p0")], idx)  # nouns capitalised
    # a Spanish question over a Spanish report: names are often spelt otherwise in the report
    assert not checked("¿Qué papel desempeña Thomas de Maiziere en el gabinete alemán?", [hit("e:p0")], idx)


def test_bridge_is_the_name_the_reports_share_and_not_one_the_question_gives():
    question = ("Who is the individual facing a criminal trial, as reported by both The Verge and TechCrunch, "
                "accused of taking customer money?")
    assert applies(question, [["The Verge"], ["TechCrunch"]])
    assert not applies("Who signed the decree?", [])  # short, no outlet: a one-report question
    hits = [hit("v:p0"), hit("t:p0"), hit("g:p0")]
    assert bridge_entity(question, hits) == "Sam Bankman-Fried"  # "Bankman-Fried" alone counts for it
    # named in the question: not the answer; named by one report only: not a bridge
    assert bridge_entity(question + " Was it Sam Bankman-Fried?", hits) == "FTX"
    assert bridge_entity(question, [hit("v:p0"), hit("g:p0")]) is None
    assert mention("Sam Bankman-Fried", PASSAGES["t:p0"][1]) == (16, 29)
    assert mention("Sam Bankman-Fried", PASSAGES["t:p0"][1], in_full=True) is None
    assert not applies("Did The Verge and TechCrunch both report the trial?", [["The Verge"], ["TechCrunch"]])
    two_paragraphs = [Hit(passage_id="x:p0", article_id="x", text="Shares of Google.\n\nGoogle said so.", score=0.0),
                      Hit(passage_id="y:p0", article_id="y", text="Google did it.", score=0.0)]
    assert bridge_entity("Which company did both report on?", two_paragraphs) == "Google"


def test_answer_abstains_on_a_name_no_article_mentions_and_says_so(tmp_path):
    from app.answering.engine import answer, open_store
    from app.config import load_settings
    from ingest.pipeline import ingest

    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    settings = load_settings(store=tmp_path / "store")
    ingest([root / "samples" / "2025-11-05-rotterdam-port-strike.en.md",
            root / "samples" / "2025-11-10-helsinki-battery-plant.en.md"], open_store(settings), progress=False)
    known = answer("What did Anneke de Vries say about the shipping lines?", settings=settings)
    assert not known.abstained and "Vries" in known.citations[0].sentence
    unknown = answer("What did Oleg Fomenko say about the shipping lines?", settings=settings)
    assert unknown.abstained and not unknown.citations
    assert 'no stored article mentions "Oleg Fomenko"' in unknown.answer
    assert unknown.closest  # the nearest sentences are still shown, marked as not answering
