"""The declarative base every igscraper model derives from."""

from sqlalchemy.orm import DeclarativeBase

from common.db import naming_metadata


class Base(DeclarativeBase):
    metadata = naming_metadata()
