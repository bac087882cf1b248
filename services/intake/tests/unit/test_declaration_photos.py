"""Photos with a self-declaration: only real pictures are kept, upright, scaled down and without
the metadata a phone writes (the place it was taken)."""

from __future__ import annotations

import io

import pytest
from intake.domain.photos import MAX_PHOTOS, PhotoRejected, prepare_photo, too_many
from PIL import Image


def _jpeg(width: int, height: int, *, gps: bool = False, orientation: int = 1) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "PhoneMaker"  # Make
    if gps:
        exif[0x8825] = {1: "N", 2: (25.0, 53.0, 10.0), 3: "E", 4: (99.0, 24.0, 5.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_a_phone_photo_is_kept_upright_smaller_and_without_its_metadata() -> None:
    # A portrait photo stored sideways (as phones do), with the place it was taken.
    raw = _jpeg(4000, 3000, gps=True, orientation=6)
    photo = prepare_photo(raw, position=1)
    kept = Image.open(io.BytesIO(photo.data))
    assert kept.format == "JPEG" and photo.content_type == "image/jpeg"
    assert (kept.width, kept.height) == (photo.width, photo.height) == (1536, 2048)  # upright
    assert not kept.getexif() and "exif" not in kept.info
    assert b"PhoneMaker" not in photo.data and b"PhoneMaker" in raw


def test_png_and_small_photos_are_kept_as_they_are_sized() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (640, 480), (0, 0, 255, 128)).save(out, format="PNG")
    photo = prepare_photo(out.getvalue(), position=2)
    assert (photo.width, photo.height) == (640, 480)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "photo.empty"),
        (b"%PDF-1.7 not a picture", "photo.format"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "photo.format"),  # a JPEG's first bytes only
        (b"GIF89a" + b"\x00" * 100, "photo.format"),
        (b"\xff" * (10 * 1024 * 1024 + 1), "photo.too_large"),
    ],
)
def test_what_is_not_a_photo_is_refused_in_chinese(data: bytes, code: str) -> None:
    with pytest.raises(PhotoRejected) as refused:
        prepare_photo(data, position=3)
    assert refused.value.problem.code == code and refused.value.problem.field == "photos"
    assert refused.value.problem.message.startswith("第3张照片")


def test_a_decompression_bomb_is_refused_before_it_is_decoded() -> None:
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, format="PNG")  # 400 megapixels, a small file
    with pytest.raises(PhotoRejected) as refused:
        prepare_photo(out.getvalue(), position=1)
    assert refused.value.problem.code == "photo.too_large"


def test_at_most_three_photos() -> None:
    assert too_many(MAX_PHOTOS) is None
    problem = too_many(MAX_PHOTOS + 1)
    assert problem is not None and problem.code == "photo.too_many"
