"""Social's tables, one module per table group, all here so that a domain's repository can
join another's table without importing that domain, and Alembic sees the whole schema."""

from social.database import Base
from social.models.bookmark import Bookmark, bookmarked_by
from social.models.comment import CONTENT_MAX_LENGTH, Comment
from social.models.deleted_user import DeletedUser
from social.models.federation_event import FederationEvent
from social.models.follow import Follow, FollowRequest, may_see, private_to, shown_to
from social.models.media_deletion import MediaDeletion
from social.models.mention import CommentMention, PostMention, comment_mentions_of, mentions_of
from social.models.notification import Notification, NotificationActor, NotificationKind
from social.models.post import (
    ALT_MAX_LENGTH,
    CAPTION_MAX_LENGTH,
    IMAGES_MAX,
    SPOILER_TEXT_MAX_LENGTH,
    Post,
    PostImage,
    images_of,
)
from social.models.profile import BIO_MAX_LENGTH, Profile, username_search_key
from social.models.reaction import Reaction, ReactionKind
from social.models.restriction import Restriction, RestrictionKind, blocked_between, hidden_from
from social.models.tag import TAG_MAX_LENGTH, PostTag, TagFollow, tags_of

__all__ = [
    "ALT_MAX_LENGTH",
    "BIO_MAX_LENGTH",
    "CAPTION_MAX_LENGTH",
    "CONTENT_MAX_LENGTH",
    "IMAGES_MAX",
    "SPOILER_TEXT_MAX_LENGTH",
    "TAG_MAX_LENGTH",
    "Base",
    "Bookmark",
    "Comment",
    "CommentMention",
    "DeletedUser",
    "FederationEvent",
    "Follow",
    "FollowRequest",
    "MediaDeletion",
    "Notification",
    "NotificationActor",
    "NotificationKind",
    "Post",
    "PostImage",
    "PostMention",
    "PostTag",
    "Profile",
    "Reaction",
    "ReactionKind",
    "Restriction",
    "RestrictionKind",
    "TagFollow",
    "blocked_between",
    "bookmarked_by",
    "comment_mentions_of",
    "hidden_from",
    "images_of",
    "may_see",
    "mentions_of",
    "private_to",
    "shown_to",
    "tags_of",
    "username_search_key",
]
