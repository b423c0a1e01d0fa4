"""The lexical index in segments: scores as one index built afresh would (bm25s as the reference),
whatever the writes and merges that made it."""

import json

import bm25s
import numpy as np
import pytest
from conftest import ROOT, SEED_ARTICLE

from app.store import lexical
from app.store.lexical import LexicalIndex
from app.text.analysis import tokenize
from ingest.build.chunk import split_article
from ingest.pipeline import IngestReport, read_articles

QUESTIONS = ["Wer hat die Konvention für Belarus unterzeichnet?", "Erlass Nr. 326 vom 9. September",
             "Hochwasser Passau Pegel", "harbour ferry terminal ferry", "nothing here matches"]


@pytest.fixture(scope="module")
def reports():
    """(article id, passages, sentences) of the bundled samples and the seed report."""
    found = []
    for article in read_articles([SEED_ARTICLE, ROOT / "samples"], IngestReport()):
        sentences, passages = split_article(article, 60)
        owner = {sid: i for i, p in enumerate(passages) for sid in p.sentence_ids}
        found.append((article, passages, [(owner[s.id], s.text) for s in sentences]))
    assert len(found) >= 5
    return found


def _parts(reports):
    ids, texts, metas, sentences = [], [], [], []
    for article, passages, owned in reports:
        sentences += [(len(ids) + owner, text) for owner, text in owned]
        ids += [p.id for p in passages]
        texts += [p.text for p in passages]
        metas += [{"article_id": article.id, "language": article.language, "source": article.source}] * len(passages)
    return ids, texts, metas, sentences


def _fresh(reports) -> LexicalIndex:
    ids, texts, metas, sentences = _parts(reports)
    index = LexicalIndex(None)
    index.build(ids, texts, metas, save=False, sentences=sentences)
    return index


def _by_id(index: LexicalIndex, query: str, sentences: bool = False) -> dict[str, float]:
    scores = (index.sentence_scores if sentences else index.scores)(query, "de")
    return {pid: float(scores[index.position(pid)]) for pid in index.passage_ids}


def test_one_segment_scores_as_bm25s(reports):
    ids, texts, metas, _ = _parts(reports)
    index = _fresh(reports)
    reference = bm25s.BM25()
    reference.index([tokenize(t, m["language"]) or ["\x00"] for t, m in zip(texts, metas)], show_progress=False)
    for question in QUESTIONS:
        tokens = index.terms(question, "de")
        expected = reference.get_scores(tokens) if tokens else np.zeros(len(ids))
        assert np.allclose(index.scores(question, "de"), expected, atol=1e-5), question


def test_writes_in_segments_score_as_an_index_built_afresh(tmp_path, reports, monkeypatch):
    monkeypatch.setattr(lexical, "MAX_SEGMENTS", 3)
    index = LexicalIndex(tmp_path / "lexical")
    index.build([], [], save=True)
    for i, report in enumerate(reports):  # one write per report, with merges
        ids, texts, metas, sentences = _parts([report])
        index.add(set(), LexicalIndex.segment(ids, texts, metas, sentences))
        assert len(index.segments) <= 3
    # a report replaced (edited) and another removed
    edited_article, passages, owned = reports[1]
    edited = (edited_article, passages[:1], [(o, t) for o, t in owned if o == 0])
    ids, texts, metas, sentences = _parts([edited])
    index.add({edited_article.id}, LexicalIndex.segment(ids, texts, metas, sentences))
    index.add({reports[2][0].id}, LexicalIndex.segment([], [], [], []))
    now = [reports[0], edited, *reports[3:]]
    fresh = _fresh(now)
    assert sorted(index.passage_ids) == sorted(fresh.passage_ids) and index.fingerprint == fresh.fingerprint
    loaded = LexicalIndex(tmp_path / "lexical")
    assert loaded.load() and loaded.fingerprint == fresh.fingerprint
    for question in QUESTIONS:
        for built in (index, loaded):
            for sentences in (False, True):
                got, want = _by_id(built, question, sentences), _by_id(fresh, question, sentences)
                assert got == pytest.approx(want, abs=1e-5), (question, sentences)
    assert np.allclose(sorted(loaded.boilerplate[loaded.live]), sorted(fresh.boilerplate))
    assert loaded.passages_with_all(["erlass"]) == fresh.passages_with_all(["erlass"])
    assert loaded.mask({"source": reports[0][0].source}).sum() == fresh.mask({"source": reports[0][0].source}).sum()
    # a merge's leftovers are deleted one save later; nothing else is left behind
    index.add(set(), LexicalIndex.segment([], [], [], []))
    saved = json.loads((tmp_path / "lexical" / "meta.json").read_text())
    on_disk = {p.name for p in (tmp_path / "lexical").iterdir() if p.is_dir()}
    assert on_disk == set(saved["segments"]) | set(saved["garbage"])


def test_a_merge_of_all_drops_deleted_passages(reports, monkeypatch):
    monkeypatch.setattr(lexical, "MAX_SEGMENTS", 2)
    index = _fresh(reports[:1])
    index.add({reports[0][0].id}, LexicalIndex.segment(*_parts(reports[1:2])), save=False)
    index.add(set(), LexicalIndex.segment(*_parts(reports[2:3])), save=False)  # deleted > 10%: all merged
    assert len(index.segments) == 1 and index.live.all()
    assert sorted(index.ids) == sorted(_fresh(reports[1:3]).ids)
