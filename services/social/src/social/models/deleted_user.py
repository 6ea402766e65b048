"""Deleted accounts, by id only, while their access tokens live (see common.deleted_users)."""

from common.deleted_users import DeletedUserColumns
from social.database import Base


class DeletedUser(DeletedUserColumns, Base):
    __tablename__ = "deleted_user"
