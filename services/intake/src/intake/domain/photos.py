"""Photos with a self-declaration (seeds/001 二: 如实填写相关信息、选择致贫原因、上传照片后提交).

What a phone sends is checked and made safe before it is kept: only real JPEG, PNG or WebP
pictures (decoded, not trusted by their name or declared type), at most `MAX_PHOTOS` of at
most `MAX_BYTES` each, no decompression bombs; each is turned upright, scaled to at most
`MAX_SIDE` pixels on its long side and written again as JPEG without its metadata — a phone's
EXIF carries the place it was taken (GPS) and the device, which the county does not need.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from intake.domain.declarations import FieldProblem

MAX_PHOTOS = 3
MAX_BYTES = 10 * 1024 * 1024  # a phone camera's JPEG is 2–6 MB
MAX_PIXELS = 50_000_000  # 50 megapixels: more is a decompression bomb, not a photo
MAX_SIDE = 2048
FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}  # MPO: some phones' JPEG with a depth image


@dataclass(frozen=True)
class Photo:
    """A photo as it is kept: JPEG bytes without metadata, and its size in pixels."""

    data: bytes
    width: int
    height: int

    content_type = "image/jpeg"


def prepare_photo(data: bytes, *, position: int) -> Photo:
    """The photo ready to keep, or PhotoRejected saying (field `photos`) what is wrong with
    photo number `position` (1-based)."""
    which = f"第{position}张照片"
    if not data:
        raise PhotoRejected(FieldProblem("photos", "photo.empty", f"{which}是空文件，请重新选择"))
    if len(data) > MAX_BYTES:
        raise PhotoRejected(
            FieldProblem("photos", "photo.too_large", f"{which}超过10MB，请换一张或压缩后再传")
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in FORMATS:
                raise PhotoRejected(_not_a_photo(which))
            if image.width * image.height > MAX_PIXELS:
                raise PhotoRejected(
                    FieldProblem("photos", "photo.too_large", f"{which}像素过大，请换一张")
                )
            image.load()
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRejected(
            FieldProblem("photos", "photo.too_large", f"{which}像素过大，请换一张")
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise PhotoRejected(_not_a_photo(which)) from None
    upright = ImageOps.exif_transpose(image)
    picture = upright.convert("RGB")
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=85, optimize=True)  # no exif=, no metadata
    return Photo(out.getvalue(), picture.width, picture.height)


def too_many(count: int) -> FieldProblem | None:
    """The problem when more photos are sent than are kept."""
    if count > MAX_PHOTOS:
        return FieldProblem("photos", "photo.too_many", f"最多上传{MAX_PHOTOS}张照片")
    return None


def _not_a_photo(which: str) -> FieldProblem:
    return FieldProblem(
        "photos", "photo.format", f"{which}不是可识别的图片（请上传手机拍摄的 JPG、PNG 照片）"
    )


class PhotoRejected(ValueError):
    """A photo that cannot be kept, with the problem to show."""

    def __init__(self, problem: FieldProblem) -> None:
        super().__init__(problem.code)
        self.problem = problem
