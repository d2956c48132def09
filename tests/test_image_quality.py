"""Quality signals: messages for the agent and the listing-level near-duplicate check."""

from __future__ import annotations

import pytest
from django.utils import translation

from listings.image_quality import (
    NEAR_DUPLICATE,
    TOO_SMALL,
    WARNING_MESSAGES,
    hamming_distance,
    near_duplicate_of,
    warning_message,
)


def test_hamming_distance_counts_the_differing_bits() -> None:
    assert hamming_distance("0000000000000000", "0000000000000000") == 0
    assert hamming_distance("ffffffffffffffff", "0000000000000000") == 64
    assert hamming_distance("f000000000000001", "7000000000000000") == 2


def test_near_duplicate_ignores_pictures_without_a_hash_and_prefers_the_closest() -> None:
    phash = "ffffffffffffffff"
    others = {1: "", 2: "fffffffffffffff0", 3: "fffffffffffffffe"}
    assert near_duplicate_of(phash, others) == 3
    assert near_duplicate_of(phash, {}) is None


def test_every_warning_has_a_message_for_the_agent() -> None:
    with translation.override("en"):
        assert warning_message(TOO_SMALL) == "Below 800×600 pixels: the portal may refuse or blur it."  # noqa: RUF001
        assert warning_message(NEAR_DUPLICATE, position=3) == "Looks like picture 3."
        for code in WARNING_MESSAGES:
            assert warning_message(code, position=1)


def test_an_unknown_warning_code_is_an_error() -> None:
    with pytest.raises(ValueError, match="Unknown picture warning"):
        warning_message("ugly")
