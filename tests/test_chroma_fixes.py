"""What app/store/chroma_fixes.py relies on in the installed Chroma. Each test names the
workaround it guards: when one fails after a Chroma upgrade, that workaround needs a new look."""

import numpy as np
import pytest

from app.store import chroma_fixes


@pytest.fixture
def client(tmp_path):
    import chromadb
    from chromadb.config import Settings

    return chromadb.PersistentClient(path=str(tmp_path / "chroma"), settings=Settings(anonymized_telemetry=False))


def test_the_shared_system_table_is_where_forget_shared_system_looks(client, tmp_path):
    from chromadb.api.shared_system_client import SharedSystemClient as Shared

    path = str(tmp_path / "chroma")
    assert path in Shared._identifier_to_system and path in Shared._identifier_to_refcount
    assert chroma_fixes.forget_shared_system(path) is not None
    assert path not in Shared._identifier_to_system


def test_the_sync_threshold_can_be_changed_and_read_back(client):
    col = client.create_collection("rows", embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
    assert chroma_fixes.sync_threshold(col) == chroma_fixes.SYNC_THRESHOLD  # Chroma's default
    col.modify(configuration={"hnsw": {"sync_threshold": 1}})
    assert chroma_fixes.sync_threshold(client.get_collection("rows")) == 1


def test_a_write_with_the_threshold_at_one_puts_the_vector_index_on_disk(client, tmp_path):
    col = client.create_collection("rows", embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
    col.add(ids=["a", "b"], embeddings=np.eye(2, 8, dtype=np.float32), documents=["a", "b"])
    folder = next(p for p in (tmp_path / "chroma").iterdir() if p.is_dir())
    assert not (folder / "index_metadata.pickle").exists()  # below the threshold: only in the write log
    col.modify(configuration={"hnsw": {"sync_threshold": 1}})
    chroma_fixes.forget_shared_system(str(tmp_path / "chroma"))  # a loaded index keeps its threshold
    import chromadb
    from chromadb.config import Settings

    again = chromadb.PersistentClient(path=str(tmp_path / "chroma"), settings=Settings(anonymized_telemetry=False))
    chroma_fixes.save_vector_index(again.get_collection("rows"))
    assert (folder / "index_metadata.pickle").exists()  # the index is on disk
