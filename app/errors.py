"""The few domain errors; each message says what to do about it."""


class NewsQAError(Exception):
    """Base class: the CLI and UI show these as plain messages."""


class EmptyStoreError(NewsQAError):
    def __init__(self, store: str):
        super().__init__(
            f"The store {store} holds no articles yet: run 'newsqa ingest PATH --store {store}' first."
        )


class ConfigError(NewsQAError):
    """A setting that cannot work, named with the fix."""


class SourceError(NewsQAError):
    """One input (file, line, record) that could not be ingested."""

    def __init__(self, where: str, reason: str):
        self.where = where
        self.reason = reason
        super().__init__(f"{where}: {reason}")
