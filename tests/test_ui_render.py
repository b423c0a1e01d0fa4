from app.answering.sources import InContext
from app.types import Answer, Citation
from app.web.render import answer_html, esc, source_card, sources_panel, turn_html


def cite(n=1, sentence="Der Pegel sank auf 8,10 Meter.", **kw):
    fields = dict(n=n, sentence=sentence, sentence_id=f"s{n}", article_id="a", title="Hochwasser",
                  source="Donau-Kurier", url="https://example.org/a", published="2025-11-07", language="de",
                  score=0.5)
    return Citation(**{**fields, **kw})


def test_only_markers_of_given_citations_become_links():
    result = Answer(question="q", answer="A [1] and [2], not [7].", abstained=False, citations=[cite(1), cite(2)])
    html = answer_html(result, turn=3)
    assert html.count('class="cite-ref"') == 2
    assert 'href="#src-3-1"' in html and 'href="#src-3-2"' in html and "&#91;7&#93;" in html


def test_stored_markup_stays_text():
    evil = cite(sentence='<img src=x onerror="alert(1)"> <script>x()</script> **bold** [1]',
                title="<b>t</b>", url="javascript:alert(1)")
    card = source_card(InContext(evil, "<iframe>", evil.sentence, ""), turn=1)
    for bad in ("<img", "<script", "<b>", "<iframe", "javascript:", "**"):
        assert bad not in card
    assert esc("<x>") == "&#60;x&#62;"


def test_card_marks_the_sentence_in_its_paragraph_and_the_answer_span():
    c = cite(sentence="Auf Erlass Nr. 326 hat er unterzeichnet.", span=(4, 18))
    card = source_card(InContext(c, "Davor. ", c.sentence, " Danach."), turn=2)
    assert 'id="src-2-1"' in card and "Davor. <mark class=\"cited\">Auf " in card
    assert '<strong class="answer-span">Erlass Nr. 326</strong>' in card and "</mark> Danach." in card
    assert 'href="https://example.org/a"' in card and "Donau-Kurier · 2025-11-07 · de" in card


def test_abstention_shows_closest_marked_as_not_answering_and_older_turns_fold():
    result = Answer(question="Who won?", answer="The stored articles do not answer this.", abstained=True,
                    closest=[cite()], time_range={"text": "last week", "since": "2025-11-01",
                                                  "until": "2025-11-07", "applied": True})
    assert answer_html(result, 1).startswith('<div class="abstained"')
    panel = turn_html(result, [InContext(cite(), "", cite().sentence, "")], 1)
    assert "does not answer" in panel and "src-card closest" in panel and "last week" in panel
    both = sources_panel(["<p>one</p>", "<p>two</p>"])
    assert both.startswith("<p>two</p>") and "<details>" in both


def test_card_names_the_other_outlets_of_a_syndicated_story():
    c = cite(also_reported_by=("Coastal Herald", "<b>Evil</b>"))
    card = source_card(InContext(c, "", c.sentence, ""), turn=1)
    assert "Also reported by Coastal Herald, &#60;b&#62;Evil&#60;/b&#62;" in card
