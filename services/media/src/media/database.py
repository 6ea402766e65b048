"""The declarative base every media model derives from."""

from sqlalchemy.orm import DeclarativeBase

from common.db import naming_metadata


class Base(DeclarativeBase):
    metadata = naming_metadata()
