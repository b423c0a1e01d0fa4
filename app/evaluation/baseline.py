"""The naive baseline that ``newsqa eval --baseline naive`` measures beside the system:
a plain LangChain RAG (character splitter 1000/200, Chroma, the same embedder, top-k
similarity). Its "answer" is its best chunk, since it has no answerer of its own."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from langchain_chroma import Chroma
from langchain_text_splitters import RecursiveCharacterTextSplitter

from app.config import Settings
from app.store import ARTICLES, NewsStore
from app.types import Answer, Hit

CHUNK_SIZE, CHUNK_OVERLAP = 1000, 200


class NaiveRAG:
    def __init__(self, vectorstore: Chroma, k: int) -> None:
        self.vectorstore = vectorstore
        self.k = k

    @classmethod
    def for_store(cls, store: NewsStore, settings: Settings) -> "NaiveRAG":
        """The baseline over the same articles as ``store``, built once per article set and
        embedder in the cache folder (never inside the store itself)."""
        got = store.scan(ARTICLES, ["documents", "metadatas"])
        digest = hashlib.sha1(store.embedder.name.encode())
        for article_id, meta in sorted(zip(got["ids"], got["metadatas"])):
            digest.update(f"{article_id}:{meta.get('content_hash', '')}\n".encode())
        folder = Path(settings.cache).expanduser() / "eval-stores" / f"naive-{digest.hexdigest()[:16]}"
        ready = folder / "ready"
        embedding = store.embedder.as_langchain()
        if not ready.exists():
            shutil.rmtree(folder, ignore_errors=True)
            vectorstore = Chroma(collection_name="naive", embedding_function=embedding,
                                 persist_directory=str(folder),
                                 collection_configuration={"hnsw": {"space": "cosine"}})
            splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
            docs = splitter.create_documents(got["documents"], metadatas=[{"article_id": i} for i in got["ids"]])
            for start in range(0, len(docs), 512):
                batch = docs[start : start + 512]
                vectorstore.add_documents(batch, ids=[f"naive-{start + n}" for n in range(len(batch))])
            ready.write_text(str(len(docs)))
        vectorstore = Chroma(collection_name="naive", embedding_function=embedding, persist_directory=str(folder))
        return cls(vectorstore, settings.k)

    def answer(self, question: str) -> Answer:
        found = self.vectorstore.similarity_search_with_score(question, k=self.k)
        hits = [
            Hit(passage_id=doc.id or "", article_id=doc.metadata.get("article_id", ""), text=doc.page_content,
                score=1.0 - distance)
            for doc, distance in found
        ]
        return Answer(question=question, answer=hits[0].text if hits else "", abstained=not hits,
                      passages=hits, answerer="naive-baseline")
