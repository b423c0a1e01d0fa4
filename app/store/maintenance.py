"""Keeping the indexes in step with the rows (a mixin of ``NewsStore``): the BM25 index rebuilt
after writes, leftovers of a cut-short write removed, and Chroma's vector index put on disk with
every passage reachable by its own vector."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np

from app.store.chroma_fixes import SYNC_THRESHOLD, save_vector_index, sync_threshold
from app.store.lexical import LexicalIndex, boilerplate_share, fingerprint
from app.store.records import ARTICLES, PASSAGES, SENTENCES

LOST_DEPTH = 100  # a row not among its own vector's nearest neighbours this deep is lost


class Maintenance:
    def lexical_index(self) -> LexicalIndex:
        """The BM25 index, in step with Chroma's passages.

        Fast path (every query): no write is pending and the store's generation is the one the
        index was built or loaded at. Otherwise the passage ids are compared by fingerprint and,
        when they differ, the index is loaded from disk if that copy matches, else rebuilt from
        Chroma (saved only by a writer, or into this machine's cache in server mode)."""
        index = self.lexical
        generation = self.chroma.generation()
        if not self.chroma.pending() and index.generation == generation:
            return index
        current = fingerprint(self.scan(PASSAGES, [])["ids"])
        if not (index.fingerprint == current or (index.load() and index.fingerprint == current)):
            self._build_lexical(save=self.remote)
        index.generation = generation
        return index

    def rebuild_lexical(self, check_all: bool = False) -> None:
        """After a write: put Chroma's vector indexes on disk (``settle``), rebuild and save the BM25
        index, and tell readers (writers only)."""
        with self.writing():
            self.settle(check_all)
            self._build_lexical(save=True)
            self.chroma.set_pending(False)
            self.chroma.wrote()
            self.lexical.generation = self.chroma.generation()

    def _build_lexical(self, save: bool) -> None:
        """BM25 over each passage and over each sentence, both prefixed by their article's title
        and outlet (news questions name outlets and headline words; docs/experiments.md),
        and each passage's share of boilerplate sentences."""
        got = self.scan(PASSAGES, ["documents", "metadatas"])
        metas = got["metadatas"]
        articles = self.scan(ARTICLES, ["metadatas"])
        heads = {i: f"{m.get('title', '')} {m.get('source', '')}" for i, m in zip(articles["ids"], articles["metadatas"])}
        head = [heads.get(m["article_id"], "") for m in metas]  # per passage
        texts = [f"{h} {d}" for h, d in zip(head, got["documents"])]
        owner = {sid: position for position, meta in enumerate(metas) for sid in json.loads(meta["sentence_ids"])}
        stored = self.scan(SENTENCES, ["documents"])
        kept = [(owner[sid], text) for sid, text in zip(stored["ids"], stored["documents"]) if sid in owner]
        positions = [position for position, _ in kept]
        stories = [metas[position].get("group") or metas[position]["article_id"] for position in positions]
        boilerplate = boilerplate_share(positions, [text for _, text in kept], stories, len(metas))
        sentences = [(position, f"{head[position]} {text}") for position, text in kept]
        self.lexical.build(got["ids"], texts, metas, save=save, sentences=sentences, boilerplate=boilerplate)

    def interrupted(self) -> bool:
        """Whether a write stopped before its end (its BM25 rebuild never ran)."""
        return self.chroma.pending()

    def repair(self) -> int:
        """Delete sentences and passages whose article record is missing: what a write or removal
        cut short left behind (an article is only complete once its record is stored). Returns
        how many article ids were cleaned up."""
        with self.writing():
            complete = set(self.scan(ARTICLES, [])["ids"])
            orphans: set[str] = set()
            for name in (PASSAGES, SENTENCES):
                got = self.scan(name, ["metadatas"])
                orphans |= {m.get("article_id") for m in got["metadatas"]} - complete
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
            names = [n for n in (ARTICLES, PASSAGES, SENTENCES) if self._col(n).count()]
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
            left = [name for name in (ARTICLES, PASSAGES, SENTENCES)
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
        stores; run after an interrupted write. Returns how many rows were written again."""
        healed = 0
        with self.writing():
            for name in (PASSAGES, SENTENCES, ARTICLES):
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
