"""The declarative base every social model derives from."""

from common.db import naming_metadata
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    metadata = naming_metadata()
