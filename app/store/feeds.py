"""Where a store remembers the feeds polled into it (for ``newsqa sync``): a JSON file in the
local store's folder, or one document in a Chroma server's state collection."""

from __future__ import annotations

import json
import os
from pathlib import Path

from app.errors import SourceError


class FeedRegistry:
    """The feeds ingested into one store, in ``<store>/feeds.json`` (written atomically)."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / "feeds.json"

    def load(self) -> dict[str, dict]:
        try:
            return json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as err:
            raise SourceError(str(self.path), f"unreadable feed list ({err}); delete it and add the feeds again") from None

    def remember(self, url: str, state: dict) -> None:
        feeds = self.load()
        feeds[url] = {**feeds.get(url, {}), **{k: v for k, v in state.items() if v is not None}}
        self._save(feeds)

    def _save(self, feeds: dict[str, dict]) -> None:
        temp = self.path.with_suffix(".json.tmp")
        temp.write_text(json.dumps(feeds, indent=2, ensure_ascii=False), "utf-8")
        os.replace(temp, self.path)


class StateFeedRegistry(FeedRegistry):
    """The same list kept on a Chroma server (``NewsStore.connect``), as one JSON document in
    its ``newsqa_state`` collection, so that every machine's ``newsqa sync`` sees it."""

    KEY = "feeds"

    def __init__(self, chroma) -> None:
        self.chroma = chroma
        self.path = f"{chroma.url} (feed list)"  # named in messages

    def load(self) -> dict[str, dict]:
        text = self.chroma.get_state(self.KEY)
        try:
            return json.loads(text) if text else {}
        except ValueError as err:
            raise SourceError(str(self.path), f"unreadable feed list ({err}); add the feeds again") from None

    def _save(self, feeds: dict[str, dict]) -> None:
        self.chroma.put_state(self.KEY, json.dumps(feeds, ensure_ascii=False))
