from common.errors import ApiError, NotFound


class AvatarNotCached(NotFound):
    code, message = "avatar_not_cached", "No picture cached for this Instagram user"


class AvatarFetchFailed(ApiError):
    status, code, message = 502, "avatar_fetch_failed", "Could not fetch the picture"
