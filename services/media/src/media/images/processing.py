"""The CPU side of an upload: type sniffing, limits, EXIF, thumbnails, location stripping.

Everything here is blocking Pillow work; callers run it on the image thread pool.
"""

import io
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import blurhash
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from media.images.exceptions import CorruptImage, ImageTooLarge, InvalidDimensions, NotAnImage
from media.images.exif import ExifData, read_exif

# Only these openers are tried, so the bytes decide the type and SVG, HTML or anything else
# never gets decoded.
OPENERS = ["JPEG", "PNG", "WEBP", "GIF"]
# Pillow's name for each format it may report → the stored content type.
CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",  # phones' multi-picture JPEGs: a JPEG to every viewer
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}
THUMB_SIDES = {"small": 320, "large": 1080}
SWAPPED_ORIENTATIONS = {5, 6, 7, 8}  # rotated by 90°: width and height trade places
XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
# A blurhash is a handful of low frequencies: 4×3 of them, read off a copy this small (the
# hash comes out the same, in a fraction of the time the 320 px thumbnail would take).
BLURHASH_COMPONENTS = (4, 3)
BLURHASH_SOURCE_SIDE = 64


@dataclass(frozen=True)
class ImageLimits:
    max_pixels: int
    max_side: int


@dataclass(frozen=True)
class WebpOptions:
    quality: int = 80
    method: int = 0


@dataclass(frozen=True)
class ProcessedImage:
    content_type: str
    width: int
    height: int
    exif: ExifData
    # The original with its location removed, or None when it carried none (store as sent).
    cleaned_original: bytes | None
    thumbs: dict[str, bytes]
    blurhash: str


def _open(source: Path | BinaryIO, limits: ImageLimits) -> Image.Image:
    try:
        image = Image.open(source, formats=OPENERS)
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge() from exc
    except UnidentifiedImageError as exc:
        raise NotAnImage() from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise CorruptImage() from exc
    width, height = image.size
    # Checked on the header alone, before a single pixel is decoded.
    if width * height > limits.max_pixels:
        image.close()
        raise ImageTooLarge(max_pixels=limits.max_pixels)
    if max(width, height) > limits.max_side or min(width, height) < 1:
        image.close()
        raise InvalidDimensions(max_side=limits.max_side)
    return image


def _webp(image: Image.Image, webp: WebpOptions) -> bytes:
    out = io.BytesIO()
    # No exif=/xmp= passed: Pillow writes none, so derivatives carry no metadata at all.
    image.save(out, "WEBP", quality=webp.quality, method=webp.method)
    return out.getvalue()


def make_thumbnails(image: Image.Image, orientation: int, webp: WebpOptions) -> dict[str, bytes]:
    """WebP thumbnails of the first frame, upright; `image` is consumed (decoded small)."""
    side = THUMB_SIDES["large"]
    # JPEG decodes straight to the smallest 1/2, 1/4 or 1/8 scale still covering the
    # thumbnail. Done here, not left to thumbnail(): its reducing_gap would ask for twice the
    # size and so decode a 12 MP photo in full.
    image.draft(None, (side, side))
    image.load()
    image.thumbnail((side, side))
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    large = image.convert("RGBA" if has_alpha else "RGB")
    if orientation != 1:
        large.getexif()[ExifTags.Base.Orientation] = orientation
        large = ImageOps.exif_transpose(large)
    small = large.copy()
    small.thumbnail((THUMB_SIDES["small"],) * 2, Image.Resampling.LANCZOS)
    return {"large": _webp(large, webp), "small": _webp(small, webp)}


def _jpeg_with_exif(data: bytes, exif: Image.Exif) -> bytes:
    """`data` with its EXIF segment replaced by `exif` and any XMP naming a GPS position dropped;
    the compressed pixels are copied as they are, so nothing is re-encoded."""
    parts, pos = [data[:2]], 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker == 0xDA:  # start of scan: the rest is image data
            break
        end = pos + 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        segment, payload = data[pos:end], data[pos + 4 : end]
        if marker == 0xE1 and payload.startswith(b"Exif\x00\x00"):
            new = exif.tobytes()
            segment = b"\xff\xe1" + (len(new) + 2).to_bytes(2, "big") + new
        elif marker == 0xE1 and payload.startswith(XMP_HEADER) and b"GPS" in payload:
            segment = b""
        parts.append(segment)
        pos = end
    parts.append(data[pos:])
    return b"".join(parts)


def _without_location(image: Image.Image, path: Path, exif: Image.Exif) -> bytes | None:
    has_gps = ExifTags.IFD.GPSInfo in exif
    xmp = image.info.get("xmp") or b""
    if not has_gps and b"GPS" not in (xmp if isinstance(xmp, bytes) else xmp.encode()):
        return None
    exif.pop(ExifTags.IFD.GPSInfo, None)
    if image.format in ("JPEG", "MPO"):
        return _jpeg_with_exif(path.read_bytes(), exif)
    # PNG and WebP keep EXIF in a chunk Pillow can only rewrite by saving again.
    out = io.BytesIO()
    with Image.open(path) as full:
        if image.format == "PNG":
            full.save(out, "PNG", exif=exif, icc_profile=full.info.get("icc_profile"))
        else:
            full.save(out, "WEBP", exif=exif, lossless=True, quality=100)
    return out.getvalue()


def process_image(
    path: Path, *, limits: ImageLimits, webp: WebpOptions = WebpOptions()
) -> ProcessedImage:
    """Validate the file at `path` as an image and make everything stored alongside it."""
    with _open(path, limits) as image:
        content_type = CONTENT_TYPES[image.format or ""]
        try:
            # A PNG's EXIF may sit after its pixels: reading it can load a truncated file.
            exif = image.getexif()
            orientation = exif.get(ExifTags.Base.Orientation, 1)
            width, height = image.size
            if orientation in SWAPPED_ORIENTATIONS:
                width, height = height, width
            details = read_exif(exif)
            cleaned = _without_location(image, path, exif)
            thumbs = make_thumbnails(image, orientation, webp)
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise CorruptImage() from exc
    return ProcessedImage(
        content_type, width, height, details, cleaned, thumbs, blurhash_of(thumbs["small"])
    )


def blurhash_of(thumbnail: bytes) -> str:
    """The blurhash of a stored thumbnail (blocking: run it on the image pool)."""
    with Image.open(io.BytesIO(thumbnail)) as image:
        image.thumbnail((BLURHASH_SOURCE_SIDE,) * 2)
        x, y = BLURHASH_COMPONENTS
        return str(blurhash.encode(image.convert("RGB"), x_components=x, y_components=y))


def sniff_image(data: bytes, *, limits: ImageLimits) -> str:
    """The content type of `data` if it is a whole, decodable image within `limits`."""
    with _open(io.BytesIO(data), limits) as image:
        content_type = CONTENT_TYPES[image.format or ""]
        try:
            image.load()
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise CorruptImage() from exc
    return content_type
