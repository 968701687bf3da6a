"""A keyring backend that keeps its entries in this process (the test machine has no desktop
keyring); the code under test talks to it through the keyring library as it would to any.
The ``memory_keyring`` fixture is registered for every test by tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):  # noqa: ANN001, ANN201
        return self.entries.get((service, username))

    def set_password(self, service, username, password):  # noqa: ANN001, ANN201
        self.entries[(service, username)] = password

    def delete_password(self, service, username):  # noqa: ANN001, ANN201
        self.entries.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
