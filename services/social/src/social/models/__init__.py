"""Social's tables, one module per table group, all here so that a domain's repository can
join another's table without importing that domain, and Alembic sees the whole schema."""

from social.database import Base
from social.models.comment import CONTENT_MAX_LENGTH, Comment
from social.models.deleted_user import DeletedUser
from social.models.follow import Follow
from social.models.media_deletion import MediaDeletion
from social.models.notification import Notification, NotificationActor, NotificationKind
from social.models.post import CAPTION_MAX_LENGTH, Post
from social.models.profile import BIO_MAX_LENGTH, Profile, username_search_key
from social.models.reaction import Reaction, ReactionKind
from social.models.restriction import Restriction, RestrictionKind, blocked_between, hidden_from

__all__ = [
    "BIO_MAX_LENGTH",
    "CAPTION_MAX_LENGTH",
    "CONTENT_MAX_LENGTH",
    "Base",
    "Comment",
    "DeletedUser",
    "Follow",
    "MediaDeletion",
    "Notification",
    "NotificationActor",
    "NotificationKind",
    "Post",
    "Profile",
    "Reaction",
    "ReactionKind",
    "Restriction",
    "RestrictionKind",
    "blocked_between",
    "hidden_from",
    "username_search_key",
]
