from common.errors import ApiError, NotFound


class AppNotFound(NotFound):
    code, message = "app_not_found", "Record not found"


class InvalidClient(ApiError):
    # Mastodon answers a revocation by another app, or with a wrong secret, with 403.
    status, code = 403, "unauthorized_client"
    message = "You are not authorized to revoke this token"


class OAuthRequestError(ApiError):
    """An authorization request Authlib refused (an unknown app, a redirect URI it did
    not register, a scope it may not ask): shown on the consent screen, never redirected."""

    status = 400

    def __init__(self, error: str, description: str | None) -> None:
        super().__init__(description or error, code=error)
