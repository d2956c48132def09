"""The private storage of originals, resolved lazily so that settings changes apply."""

from __future__ import annotations

from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty


class PrivateStorage(LazyObject):
    """Delegate to `storages["private"]`, looked up on first use (and again after a settings change)."""

    def _setup(self) -> None:
        self._wrapped = storages["private"]


private_storage_proxy: Storage = PrivateStorage()  # type: ignore[assignment]


def private_storage() -> Storage:
    """Return the storage of originals, never served at a public URL."""
    return private_storage_proxy


@receiver(setting_changed)
def _reset_private_storage(*, setting: str, **kwargs) -> None:
    if setting in {"STORAGES", "PRIVATE_MEDIA_ROOT"}:
        private_storage_proxy._wrapped = empty
