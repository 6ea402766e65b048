"""How Instagram says no, sorted by what the worker does about it."""


class InstagramRefusal(Exception):
    """Final for this analysis: the job fails with `code`."""

    code = "instagram_error"
    message = "Instagram refused the request"

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.message
        super().__init__(self.message)


class SessionInvalid(InstagramRefusal):
    code = "instagram_session_invalid"
    message = "Instagram no longer accepts this session; sign in again and submit a new one"


class Checkpoint(InstagramRefusal):
    code = "instagram_checkpoint"
    message = "Instagram wants this account to pass a security checkpoint in the app first"


class PrivateAccount(InstagramRefusal):
    code = "instagram_private_account"
    message = "The account is private and this session does not follow it"


class UserNotFound(InstagramRefusal):
    code = "instagram_user_not_found"
    message = "No Instagram account has this username"


class RateLimited(Exception):
    """429 or "Please wait a few minutes": back off, then resume."""

    def __init__(self, retry_after: float | None) -> None:
        self.retry_after = retry_after
        super().__init__("Instagram asked us to slow down")


class InstagramUnavailable(Exception):
    """Network trouble or an Instagram 5xx: worth another try of the same step."""
