"""The hybrid search as a LangChain retriever: documents carry the passage metadata and scores."""

from __future__ import annotations

from datetime import date

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from app.retrieval.plan import Planner
from app.retrieval.rescore import Rescorer
from app.retrieval.search import HybridSearch
from app.store import NewsStore
from app.types import Hit


class HybridRetriever(BaseRetriever):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: NewsStore
    k: int = 10
    candidates: int = 40
    filters: dict | None = None
    reference: date | None = None  # "today" for the dates a clause names (default: the real today)
    rescorer: Rescorer | None = None
    rescore: str = "cross-lingual"  # when the rescorer runs: "cross-lingual", "always" or "off"

    @property
    def planner(self) -> Planner:
        return Planner(self.store, self.filters, self.reference)

    @property
    def searcher(self) -> HybridSearch:
        return HybridSearch(self.store, self.planner, self.k, self.candidates, self.rescorer, self.rescore)

    def search(self, query: str) -> list[Hit]:
        """The fused ranking of the question's passages (see ``HybridSearch.search``)."""
        return self.searcher.search(query)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun | None = None
    ) -> list[Document]:
        return [
            Document(
                page_content=hit.text,
                id=hit.passage_id,
                metadata={"article_id": hit.article_id, "score": hit.score, "dense": hit.dense,
                          "lexical": hit.lexical, "sentence_ids": list(hit.sentence_ids)},
            )
            for hit in self.search(query)
        ]
