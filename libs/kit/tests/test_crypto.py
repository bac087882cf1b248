import base64

import pytest
from shouwang_kit.crypto import DEV_DATA_KEYS, FieldCipher, FieldCipherError

OTHER = "k2:" + base64.b64encode(bytes(range(32))).decode()


def test_round_trip_and_no_clear_text_stored() -> None:
    cipher = FieldCipher(DEV_DATA_KEYS)
    stored = cipher.encrypt("532929196803150024", field="id_number")
    assert "532929196803150024" not in stored
    assert stored.startswith("v1:dev:")
    assert cipher.decrypt(stored, field="id_number") == "532929196803150024"
    assert cipher.encrypt("x", field="f") != cipher.encrypt("x", field="f")  # fresh nonce


def test_a_value_moved_to_another_column_or_altered_does_not_decrypt() -> None:
    cipher = FieldCipher(DEV_DATA_KEYS)
    stored = cipher.encrypt("13800001111", field="phone")
    with pytest.raises(FieldCipherError):
        cipher.decrypt(stored, field="id_number")
    tampered = stored[:-4] + ("AAAA" if not stored.endswith("AAAA") else "BBBB")
    with pytest.raises(FieldCipherError):
        cipher.decrypt(tampered, field="phone")


def test_rotation_new_key_encrypts_old_key_still_decrypts() -> None:
    old = FieldCipher(DEV_DATA_KEYS)
    stored = old.encrypt("张三", field="name")
    rotated = FieldCipher(f"{OTHER},{DEV_DATA_KEYS}")
    assert rotated.decrypt(stored, field="name") == "张三"
    assert rotated.encrypt("张三", field="name").startswith("v1:k2:")
    with pytest.raises(FieldCipherError):
        FieldCipher(OTHER).decrypt(stored, field="name")


@pytest.mark.parametrize(
    "spec", ["", "nokey", "k:notbase64!", "k:" + base64.b64encode(b"short").decode()]
)
def test_bad_key_specs_are_refused(spec: str) -> None:
    with pytest.raises(FieldCipherError):
        FieldCipher(spec)


def test_binary_values_round_trip_rotate_and_refuse_tampering() -> None:
    photo = bytes(range(256)) * 100 + b"\xff\xd8 ... GPS 25.04N"
    cipher = FieldCipher(DEV_DATA_KEYS)
    stored = cipher.encrypt_bytes(photo, field="photo")
    assert b"GPS 25.04N" not in stored and stored.startswith(b"dev:")
    assert cipher.decrypt_bytes(stored, field="photo") == photo
    rotated = FieldCipher(f"{OTHER},{DEV_DATA_KEYS}")
    assert rotated.decrypt_bytes(stored, field="photo") == photo
    with pytest.raises(FieldCipherError):
        cipher.decrypt_bytes(stored, field="id_number")  # another column's
    with pytest.raises(FieldCipherError):
        cipher.decrypt_bytes(stored[:-1] + bytes([stored[-1] ^ 1]), field="photo")
    with pytest.raises(FieldCipherError):
        FieldCipher(OTHER).decrypt_bytes(stored, field="photo")
