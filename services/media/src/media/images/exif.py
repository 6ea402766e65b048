"""EXIF fields a photographer cares about, read from Pillow's parsed EXIF."""

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from PIL import ExifTags, Image

Tag = ExifTags.Base
GPS = ExifTags.GPS


@dataclass(frozen=True)
class ExifData:
    camera_make: str | None = None
    camera_model: str | None = None
    lens: str | None = None
    iso: int | None = None
    exposure_time: float | None = None
    f_number: float | None = None
    focal_length: float | None = None
    taken_at: datetime | None = None
    gps_latitude: float | None = None
    gps_longitude: float | None = None


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    # Cameras pad fixed-size fields with NULs and spaces.
    return value.strip("\x00 ")[:128] or None


def _number(value: Any) -> float | None:
    if isinstance(value, tuple | list):
        value = value[0] if value else None
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def _integer(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None and 0 <= number < 2**31 else None


def _taken_at(value: Any) -> datetime | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _degrees(value: Any, ref: Any, negative: str) -> float | None:
    try:
        degrees, minutes, seconds = (Fraction(float(part)) for part in value)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    decimal = float(degrees + minutes / 60 + seconds / 3600)
    return -decimal if _text(ref) == negative else decimal


def read_exif(exif: Image.Exif) -> ExifData:
    """The fields of `exif` worth showing; anything malformed is simply absent."""
    details = exif.get_ifd(ExifTags.IFD.Exif)
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    latitude = _degrees(gps.get(GPS.GPSLatitude), gps.get(GPS.GPSLatitudeRef), "S")
    longitude = _degrees(gps.get(GPS.GPSLongitude), gps.get(GPS.GPSLongitudeRef), "W")
    if latitude is None or longitude is None or abs(latitude) > 90 or abs(longitude) > 180:
        latitude = longitude = None
    return ExifData(
        camera_make=_text(exif.get(Tag.Make)),
        camera_model=_text(exif.get(Tag.Model)),
        lens=_text(details.get(Tag.LensModel)),
        iso=_integer(details.get(Tag.ISOSpeedRatings)),
        exposure_time=_number(details.get(Tag.ExposureTime)),
        f_number=_number(details.get(Tag.FNumber)),
        focal_length=_number(details.get(Tag.FocalLength)),
        taken_at=_taken_at(details.get(Tag.DateTimeOriginal) or exif.get(Tag.DateTime)),
        gps_latitude=latitude,
        gps_longitude=longitude,
    )
