"""The declarative base every federation model derives from, and the migrations of its tables."""

from pathlib import Path

from sqlalchemy.orm import DeclarativeBase

from common.db import naming_metadata


class Base(DeclarativeBase):
    metadata = naming_metadata()


# Applied by every replica on start (or by a migration Job).
MIGRATIONS = Path(__file__).parent / "migrations"
