"""The Pillow side alone: what is removed from an original, and what is kept exactly."""

import io

import pytest
from PIL import ExifTags, Image

from media.images.exceptions import CorruptImage
from media.images.processing import ImageLimits, process_image
from services.media.tests.factories import jpeg_with_exif, noise_png

LIMITS = ImageLimits(max_pixels=50_000_000, max_side=20_000)


def scan_data(jpeg: bytes) -> bytes:
    return jpeg[jpeg.index(b"\xff\xda") :]


def test_removing_gps_keeps_the_compressed_pixels_byte_for_byte(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(jpeg_with_exif())
    processed = process_image(path, limits=LIMITS)
    assert processed.cleaned_original is not None
    assert scan_data(processed.cleaned_original) == scan_data(path.read_bytes())
    exif = Image.open(io.BytesIO(processed.cleaned_original)).getexif()
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.LensModel] == "RF50mm F1.8 STM"


def test_an_original_without_location_is_stored_as_sent(tmp_path):
    path = tmp_path / "plain.jpg"
    Image.new("RGB", (50, 40)).save(path, "JPEG")
    assert process_image(path, limits=LIMITS).cleaned_original is None


def test_a_truncated_png_is_corrupt_not_a_crash(tmp_path):
    # Pillow looks for a PNG's EXIF after the pixels, so merely asking for it loads them.
    path = tmp_path / "cut.png"
    path.write_bytes(noise_png((40, 40))[:2000])
    with pytest.raises(CorruptImage):
        process_image(path, limits=LIMITS)
