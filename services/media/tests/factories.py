"""Small builders for the images the tests upload."""

import io
import os
import zlib

from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

Tag, GPS = ExifTags.Base, ExifTags.GPS


def jpeg_with_exif(size: tuple[int, int] = (640, 480), orientation: int = 6) -> bytes:
    """A landscape JPEG, stored sideways as phones do (orientation 6: rotate 90° to view),
    with camera fields and a GPS position in Seoul."""
    exif = Image.Exif()
    exif[Tag.Orientation] = orientation
    exif[Tag.Make] = "Canon"
    exif[Tag.Model] = "EOS R5"
    details = exif.get_ifd(ExifTags.IFD.Exif)
    details[Tag.ExposureTime] = IFDRational(1, 125)
    details[Tag.FNumber] = IFDRational(28, 10)
    details[Tag.ISOSpeedRatings] = 400
    details[Tag.FocalLength] = IFDRational(50, 1)
    details[Tag.DateTimeOriginal] = "2024:05:01 14:30:00"
    details[Tag.LensModel] = "RF50mm F1.8 STM"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[GPS.GPSLatitudeRef] = "N"
    gps[GPS.GPSLatitude] = (IFDRational(37), IFDRational(33), IFDRational(36))
    gps[GPS.GPSLongitudeRef] = "E"
    gps[GPS.GPSLongitude] = (IFDRational(126), IFDRational(58), IFDRational(40))
    image = Image.new("RGB", size, "red")
    image.paste("blue", (0, 0, size[0] // 2, size[1]))  # left half blue: shows rotation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def png(size: tuple[int, int] = (120, 80), color: str = "green") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def noise_png(size: tuple[int, int] = (256, 200)) -> bytes:
    """A PNG of random pixels: incompressible, so its size is predictable, and unique."""
    out = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(out, "PNG")
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width`×`height` pixels (a decompression bomb's shape)."""
    data = bytearray(png((1, 1)))
    # IHDR's width and height sit right after the signature, chunk length and type.
    data[16:24] = width.to_bytes(4, "big") + height.to_bytes(4, "big")
    crc = zlib.crc32(bytes(data[12:29]))
    data[29:33] = crc.to_bytes(4, "big")
    return bytes(data)


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))
