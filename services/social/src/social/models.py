"""Every model, imported once so Alembic sees the whole schema."""

from social.accounts.models import DeletedUser
from social.comments.models import Comment
from social.database import Base
from social.follows.models import Follow
from social.media_deletions.models import MediaDeletion
from social.notifications.models import Notification, NotificationActor
from social.posts.models import Post
from social.profiles.models import Profile
from social.reactions.models import Reaction
from social.restrictions.models import Restriction

__all__ = [
    "Base",
    "Comment",
    "DeletedUser",
    "Follow",
    "MediaDeletion",
    "Notification",
    "NotificationActor",
    "Post",
    "Profile",
    "Reaction",
    "Restriction",
]
