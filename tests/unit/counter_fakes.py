"""Small fakes of the store for the counter's unit tests."""

from __future__ import annotations

from mobilise_runtime.mongo import Document


class Found:
    """A cursor already read: what `find(...).to_list()` gives."""

    def __init__(self, documents: list[Document]) -> None:
        self.documents = documents

    async def to_list(self) -> list[Document]:
        return self.documents
