"""The consumer's buffered uuid4 source, and ids derived from their input."""

from __future__ import annotations

import hashlib
import uuid

from shouwang_kit.ids import (
    DerivedIdTexts,
    FreshIds,
    FreshIdTexts,
    derived_id_text,
    uuid4_texts,
)


def test_fresh_ids_are_distinct_version_4_uuids_across_refills() -> None:
    ids = FreshIds()
    drawn = [ids() for _ in range(3000)]  # about three buffers' worth
    assert len(set(drawn)) == len(drawn)
    assert {u.version for u in drawn} == {4}
    assert {u.variant for u in drawn} == {"specified in RFC 4122"}


def test_a_forgotten_buffer_is_drawn_again() -> None:
    ids = FreshIds()
    first = ids()
    ids._forget()
    assert ids._at == 0
    assert ids() != first


def test_uuid4_texts_are_distinct_canonical_version_4_uuids() -> None:
    drawn = list(uuid4_texts(500))
    assert len(drawn) == len(set(drawn)) == 500
    parsed = [uuid.UUID(text) for text in drawn]
    assert [str(u) for u in parsed] == drawn  # canonical text, lower case
    assert {u.version for u in parsed} == {4}
    assert {u.variant for u in parsed} == {"specified in RFC 4122"}


def test_fresh_id_texts_are_distinct_canonical_version_4_uuids_across_refills() -> None:
    ids = FreshIdTexts()
    drawn = [ids() for _ in range(2500)]  # three buffers' worth
    assert len(set(drawn)) == len(drawn)
    parsed = [uuid.UUID(text) for text in drawn]
    assert [str(u) for u in parsed] == drawn  # canonical text, lower case
    assert {u.version for u in parsed} == {4}
    assert {u.variant for u in parsed} == {"specified in RFC 4122"}
    # Only the version and variant bits are fixed: every other bit takes both values.
    ones = [any(u.int >> bit & 1 for u in parsed) for bit in range(128)]
    zeros = [any(not u.int >> bit & 1 for u in parsed) for bit in range(128)]
    fixed = {bit for bit in range(128) if not (ones[bit] and zeros[bit])}
    assert fixed == {76, 77, 78, 79, 62, 63}


NAMESPACE = uuid.UUID("6f1c3c52-8f0e-4a53-9d3b-6d0f5a8f6a11")


def test_a_derived_id_is_the_rfc_4122_version_5_uuid_of_its_input() -> None:
    for _ in range(300):
        source = uuid.uuid4()
        text = derived_id_text(NAMESPACE, source, "warning.matched")
        # RFC 4122 §4.3: SHA-1 of the namespace and the name, version and variant set.
        name = source.bytes + b"warning.matched"
        expected = uuid.UUID(bytes=hashlib.sha1(NAMESPACE.bytes + name).digest()[:16], version=5)
        assert text == str(expected)
        assert uuid.UUID(text).version == 5
        assert uuid.UUID(text).variant == uuid.RFC_4122


def test_derived_ids_for_one_namespace_and_label_are_the_same_ids() -> None:
    ids = DerivedIdTexts(NAMESPACE, "warning.matched")
    for _ in range(300):
        source = uuid.uuid4()
        assert ids(source) == derived_id_text(NAMESPACE, source, "warning.matched")
    assert DerivedIdTexts(NAMESPACE, "warning.unmatched")(source) != ids(source)


def test_a_derived_id_is_the_same_for_the_same_input_only() -> None:
    source = uuid.uuid4()
    again = derived_id_text(NAMESPACE, source, "warning.matched")
    assert derived_id_text(NAMESPACE, source, "warning.matched") == again
    assert derived_id_text(NAMESPACE, source, "warning.unmatched") != again
    assert derived_id_text(NAMESPACE, uuid.uuid4(), "warning.matched") != again
    assert derived_id_text(uuid.uuid4(), source, "warning.matched") != again
