"""Keeping the indexes in step with the rows (a mixin of ``NewsStore``): the BM25 index rebuilt
after writes, leftovers of a cut-short write removed, and Chroma's vector index put on disk with
every passage reachable by its own vector."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.store.chroma_fixes import SYNC_THRESHOLD, save_vector_index, sync_threshold
from app.store.lexical import LexicalIndex, fingerprint
from app.store.records import ARTICLES, PASSAGES, unpack_sentences

CATCH_UP_LIMIT = 200  # server mode: more logged changes than this since the index was built: check it in full
LOST_DEPTH = 100  # a row not among its own vector's nearest neighbours this deep is lost


class Maintenance:
    def lexical_index(self) -> LexicalIndex:
        """The BM25 index, in step with Chroma's passages.

        Fast path (every query): no write is pending and the store's generation is the one the
        index was built or loaded at. Local mode: a saved index marked with the current
        generation (``LexicalIndex.mark``) is loaded and trusted, without reading every passage
        id. Otherwise the passage ids are compared by fingerprint and,
        when they differ or another process saved the index since, the index is loaded from disk
        if that copy matches, else rebuilt from Chroma (saved only by a writer, or into this
        machine's cache in server mode)."""
        index = self.lexical
        generation = self.chroma.generation()
        if not self.chroma.pending() and index.generation == generation:
            return index
        if self.remote and self._catch_up():
            index.generation = generation
            return index
        if not self.remote and generation and not self.chroma.pending():
            if (index.saved_generation == generation and not index.saved_since()) or (
                    index.load() and index.saved_generation == generation):
                index.generation = generation
                return index
        changes = self.chroma.changes_logged() if self.remote else None  # read before the passages
        current = fingerprint(self.scan(PASSAGES, [])["ids"])
        if index.fingerprint != current or index.saved_since():  # same ids, edited texts: the saved copy
            if not (index.load() and index.fingerprint == current):
                index.changes = changes
                self._build_lexical(save=self.remote)
        index.generation = generation
        return index

    def _catch_up(self) -> bool:
        """Server mode: bring the index in step by the changes other processes logged since it
        was built, reading only the passages of the articles they name. False when it cannot
        (no record of what it holds, or records missing): then it is checked in full."""
        index = self.lexical
        logged = self.chroma.changes_logged()
        if index.changes is None or logged < index.changes or logged - index.changes > CATCH_UP_LIMIT:
            return False
        records = [self.chroma.change(number) for number in range(index.changes + 1, logged + 1)]
        if any(record is None for record in records):
            return False
        articles = set().union(*records)
        if articles:
            index.add(articles, self._lexical_segment(sorted(articles)), save=False)
        index.changes = logged
        return True

    def rebuild_lexical(self, check_all: bool = False) -> None:
        """After a write: put Chroma's vector indexes on disk (``settle``), bring the BM25 index in
        step and save it, and tell readers (writers only). The index gains a segment for the
        articles this process wrote or removed (``_begin_changes``); without that record of what
        changed, it is built afresh."""
        with self.writing():
            self.settle(check_all)
            changed, self._changed = self._changed, None
            if changed is None:
                if self.remote:
                    self.lexical.changes = self.chroma.changes_logged()
                self._build_lexical(save=True)
            else:
                # in server mode each machine's cache is saved only whole: processes there catch up by the log
                before = self.lexical.changes
                self.lexical.add(changed, self._lexical_segment(sorted(changed)), save=not self.remote)
                if self.remote:
                    number = self.chroma.log_change(sorted(changed))
                    # another writer logged first (a fanned-out ingest): its change is read with ours at the next query
                    self.lexical.changes = number if before is not None and number == before + 1 else before
            self.chroma.set_pending(False)
            self.chroma.wrote()
            in_step = not self.remote or self.lexical.changes == self.chroma.changes_logged()
            self.lexical.generation = self.chroma.generation() if in_step else None
            if not self.remote:
                self.lexical.mark(self.lexical.generation)

    def _begin_changes(self) -> None:
        """Before this process's first write: the BM25 index as it stands (loaded, or built when
        stale), so that ``rebuild_lexical`` only adds what the writes change."""
        if self._changed is None:
            self.lexical_index()
            self._changed = set()

    def _build_lexical(self, save: bool) -> None:
        """BM25 over every passage and sentence, afresh."""
        self.lexical.use([self._lexical_segment(None)], save=save)

    def _lexical_segment(self, articles: list[str] | None):
        """A segment of the stored passages of ``articles`` (of every article when None), each
        with its article's title and outlet (``LexicalIndex.segment``)."""
        ids, texts, metas = [], [], []
        for chunk in ([None] if articles is None else chunks(articles, 500)):
            got = self.scan(PASSAGES, ["documents", "metadatas"], None if chunk is None else {"article_id": {"$in": chunk}})
            ids += got["ids"]
            texts += got["documents"]
            metas += got["metadatas"]
        heads = {}
        for chunk in chunks(sorted({m["article_id"] for m in metas}), 500):
            found = self._col(ARTICLES).get(ids=chunk, include=["metadatas"])
            heads.update({i: f"{m.get('title', '')} {m.get('source', '')}" for i, m in zip(found["ids"], found["metadatas"])})
        sentences = [(position, sentence) for position, (pid, text, meta) in enumerate(zip(ids, texts, metas))
                     for sentence in unpack_sentences(pid, text, meta)[1]]
        return LexicalIndex.segment(ids, texts, metas, sentences, [heads.get(m["article_id"], "") for m in metas])

    def interrupted(self) -> bool:
        """Whether a write stopped before its end (its BM25 rebuild never ran)."""
        return self.chroma.pending()

    def repair(self) -> int:
        """Delete passages whose article record is missing: what a write or removal
        cut short left behind (an article is only complete once its record is stored), leaving
        alone the articles another writer is storing now (server mode). Returns how many article
        ids were cleaned up."""
        with self.writing():
            # in this order: an article whose passages are read here is either still in flight
            # when the records are read, or its article row is stored before the rows are read
            got = self.scan(PASSAGES, ["metadatas"])
            busy = self.chroma.in_flight_ids()
            complete = set(self.scan(ARTICLES, [])["ids"])
            orphans = {m.get("article_id") for m in got["metadatas"]} - complete - busy
            orphans.discard(None)
            if orphans:
                self.delete_articles(sorted(orphans))
            return len(orphans)

    def settle(self, check_all: bool = False) -> None:
        """Put each collection's vector index on disk, with every passage this process wrote
        reachable by its own vector, so that the next process to open the store loads that graph.

        Chroma writes its HNSW index to disk only every ``SYNC_THRESHOLD`` rows. The rows since
        then stay in its write log, and each process that opens the store inserts them again, in
        an order that varies from run to run: an outlying passage (nearest neighbour at cosine
        distance 0.76) came out unreachable by its own vector in some opens of the same files and
        not in others (tests/test_reliability.py). Chroma has no call to write the index, and a
        loaded index keeps the threshold it was loaded with. So: lower the threshold to 1, reload,
        check the passages written since the last settle, or all of them after an interrupted
        write (``check_all``), write again those it cannot reach (up to three times), make one
        write per collection to put the index on disk, and put the threshold back. A Chroma
        server keeps its own index; nothing is done there."""
        if self.remote or not hasattr(self.chroma, "reload"):
            return
        with self.writing():
            names = [n for n in (ARTICLES, PASSAGES) if self._col(n).count()]
            for name in names:
                self._set_sync_threshold(name, 1)
            try:
                self.chroma.reload()
                if check_all:
                    lost = self.lost_vectors(PASSAGES, 3)
                else:
                    lost = self._unreachable(PASSAGES, sorted(self._written))
                for _ in range(3):
                    if not lost:
                        break
                    self._rewrite(PASSAGES, lost)
                    lost = self._unreachable(PASSAGES, lost)
                self._written.clear()
                for name in names:
                    save_vector_index(self._col(name))
            finally:
                for name in names:
                    self._set_sync_threshold(name, SYNC_THRESHOLD)
                self.chroma.reload()  # later writes of this process go back to the usual threshold

    def restore_sync_threshold(self) -> None:
        """Put back Chroma's write-to-disk threshold that a writer killed inside ``settle`` left
        at 1 (every later write would then rewrite the whole index)."""
        if self.remote:
            return
        with self.writing():
            left = [name for name in (ARTICLES, PASSAGES)
                    if sync_threshold(self.client.get_collection(name)) != SYNC_THRESHOLD]
            for name in left:
                self._set_sync_threshold(name, SYNC_THRESHOLD)
            if left:
                self.chroma.reload()  # a loaded index keeps the threshold it was loaded with

    def _unreachable(self, name: str, ids: Sequence[str], depth: int = 3) -> list[str]:
        """Of ``ids``, those not among their own vector's ``depth`` nearest neighbours."""
        lost = []
        for chunk in chunks(list(ids), 100):
            got = self._col(name).get(ids=chunk, include=["documents", "embeddings"])
            vectors = np.asarray(got["embeddings"], np.float32)
            missed = self._not_near_own(name, got, vectors, range(len(got["ids"])), depth)
            lost += [got["ids"][i] for i in missed]
        return lost

    def _rewrite(self, name: str, ids: Sequence[str]) -> None:
        """Delete and add again the given rows, from what Chroma stores."""
        for chunk in chunks(list(ids), self._batch):
            got = self._col(name).get(ids=chunk, include=["documents", "metadatas", "embeddings"])
            self._col(name).delete(ids=chunk)
            self._col(name).add(ids=got["ids"], documents=got["documents"], metadatas=got["metadatas"],
                                embeddings=np.asarray(got["embeddings"], np.float32))

    def lost_vectors(self, name: str, depth: int = LOST_DEPTH) -> list[str]:
        """Rows Chroma stores but its vector index cannot find: each row's own vector is searched
        for, and a row absent from its own ``depth`` nearest neighbours (and not a copy of one
        found) is lost: a SIGKILL during a write can leave such rows, and Chroma's HNSW leaves some
        short sentences unreachable even in an uninterrupted build; writing them again finds most
        (tests/test_reliability.py; figures in docs/experiments.md)."""
        got = self.scan(name, ["documents", "embeddings"])
        vectors = np.asarray(got["embeddings"], np.float32)
        missed = list(range(len(got["ids"])))
        for n in (3, depth) if depth > 3 else (depth,):  # every row 3 deep, then those missed there
            missed = self._not_near_own(name, got, vectors, missed, n)
        return [got["ids"][i] for i in missed]

    def heal(self) -> int:
        """Write again every row the vector index lost (see ``lost_vectors``), from what Chroma
        stores; run after an interrupted write. Returns how many rows were written again. A
        Chroma server keeps its own index (a client killed mid-write does not touch it), so
        nothing is checked there: at archive size the check reads every row."""
        if self.remote:
            return 0
        healed = 0
        with self.writing():
            for name in (PASSAGES, ARTICLES):
                # passages, the unit of retrieval, must each be among their own vector's 3 nearest
                lost = self.lost_vectors(name, 3 if name == PASSAGES else LOST_DEPTH)
                self._rewrite(name, lost)
                if name == PASSAGES:
                    self._written.update(lost)  # checked again by ``settle``
                healed += len(lost)
            if healed:
                self.chroma.wrote()
        return healed


def chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
