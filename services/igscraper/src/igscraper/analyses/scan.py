"""One step of an analysis: a bounded walk through Instagram's lists from the checkpoint.

The step works on a copy of the analysis' progress (`ScanState`) and says what should
happen next (`Outcome`); the task saves both in one transaction, so a step that dies
half-way leaves no trace and simply runs again.
"""

import random
import time
from dataclasses import dataclass, field

from igscraper.analyses.models import Analysis, Listed, Phase
from igscraper.config import Settings
from igscraper.instagram.client import InstagramClient, InstagramUser, Page
from igscraper.instagram.exceptions import InstagramRefusal, PrivateAccount, RateLimited
from igscraper.instagram.pacing import Pacer

INCOMPLETE = "instagram_list_incomplete"


@dataclass(frozen=True)
class FoundUser:
    """An account as an analysis keeps it, whatever client found it."""

    ig_user_id: str
    username: str
    full_name: str
    is_private: bool
    is_verified: bool
    profile_pic_url: str | None

    @classmethod
    def of(cls, user: InstagramUser) -> "FoundUser":
        return cls(
            ig_user_id=user.id,
            username=user.username,
            full_name=user.full_name,
            is_private=user.is_private,
            is_verified=user.is_verified,
            profile_pic_url=user.profile_pic_url,
        )


@dataclass
class Outcome:
    """Either run the next step after `delay` seconds, or finish with this verdict."""

    delay: float = 0.0
    finished: bool = False
    complete: bool = False
    error_code: str | None = None
    error_message: str | None = None


def _failed(code: str, message: str) -> Outcome:
    return Outcome(finished=True, error_code=code, error_message=message)


@dataclass
class ScanState:
    viewer_ig_id: str
    phase: Phase
    target_ig_id: str | None
    target_username: str | None
    followers_cursor: str | None
    following_cursor: str | None
    followers_total: int | None
    following_total: int | None
    rate_limit_strikes: int
    new_users: dict[Listed, list[FoundUser]] = field(
        default_factory=lambda: {listed: [] for listed in Listed}
    )

    @classmethod
    def of(cls, analysis: Analysis) -> "ScanState":
        return cls(
            viewer_ig_id=analysis.viewer_ig_id,
            phase=analysis.phase,
            target_ig_id=analysis.target_ig_id,
            target_username=analysis.target_username,
            followers_cursor=analysis.followers_cursor,
            following_cursor=analysis.following_cursor,
            followers_total=analysis.followers_total,
            following_total=analysis.following_total,
            rate_limit_strikes=analysis.rate_limit_strikes,
        )

    def checkpoint(self) -> dict[str, object]:
        """The columns this state owns, as they are now."""
        return {
            "phase": self.phase,
            "target_ig_id": self.target_ig_id,
            "target_username": self.target_username,
            "followers_cursor": self.followers_cursor,
            "following_cursor": self.following_cursor,
            "followers_total": self.followers_total,
            "following_total": self.following_total,
            "rate_limit_strikes": self.rate_limit_strikes,
        }


def backoff_seconds(settings: Settings, strikes: int, retry_after: float | None) -> float:
    """Exponential from the base with jitter, never below Retry-After, never above the cap."""
    exponential = settings.backoff_base_seconds * 2 ** (strikes - 1)
    jittered = exponential * (1 + random.uniform(0, 0.25))  # noqa: S311
    result: float = min(settings.backoff_max_seconds, max(retry_after or 0.0, jittered))
    return result


async def _resolve(state: ScanState, client: InstagramClient) -> None:
    if state.target_username is not None:
        profile = await client.fetch_profile(state.target_username)
    else:
        profile = await client.fetch_own_profile(state.viewer_ig_id)
    if profile.is_private and not profile.followed_by_viewer and profile.id != state.viewer_ig_id:
        raise PrivateAccount()
    state.target_ig_id = profile.id
    state.target_username = profile.username.lower()
    state.followers_total = profile.followers_count
    state.following_total = profile.following_count
    state.phase = Phase.followers


def _take_page(state: ScanState, page: Page) -> Outcome | None:
    """Keep the page's users and move the cursor; an Outcome if the list went bad."""
    followers = state.phase is Phase.followers
    listed = Listed.followers if followers else Listed.following
    cursor = state.followers_cursor if followers else state.following_cursor
    state.new_users[listed].extend(FoundUser.of(user) for user in page.users)
    label = listed.value
    if page.should_limit:
        return _failed(INCOMPLETE, f"Instagram shows this session only part of the {label} list")
    if page.next_max_id is None:
        state.phase = Phase.following if followers else Phase.finalize
        return None
    if page.next_max_id == cursor:
        return _failed(INCOMPLETE, f"Instagram's {label} list stopped moving before its end")
    if not page.users:
        return _failed(INCOMPLETE, f"Instagram sent an empty {label} page before the end")
    if followers:
        state.followers_cursor = page.next_max_id
    else:
        state.following_cursor = page.next_max_id
    return None


async def run_step(
    state: ScanState, *, client: InstagramClient, pacer: Pacer, settings: Settings
) -> Outcome:
    """Fetch up to `pages_per_step` pages (or half the job timeout's worth) from the
    checkpoint. InstagramUnavailable propagates: the task retries the whole step."""
    deadline = time.monotonic() + settings.step_timeout_seconds / 2
    for _ in range(settings.pages_per_step):
        if state.phase is Phase.finalize:
            return Outcome(finished=True, complete=True)
        if time.monotonic() >= deadline:
            break
        wait = await pacer.reserve(state.viewer_ig_id)
        if wait > 0:
            return Outcome(delay=wait)
        try:
            if state.phase is Phase.resolve:
                await _resolve(state, client)
            else:
                assert state.target_ig_id is not None
                followers = state.phase is Phase.followers
                page = await client.fetch_page(
                    state.target_ig_id,
                    "followers" if followers else "following",
                    max_id=state.followers_cursor if followers else state.following_cursor,
                    count=settings.page_size,
                )
                verdict = _take_page(state, page)
                if verdict is not None:
                    return verdict
        except RateLimited as exc:
            state.rate_limit_strikes += 1
            if state.rate_limit_strikes > settings.rate_limit_retries:
                return _failed(
                    "instagram_rate_limited",
                    "Instagram kept asking us to slow down; try again in a few hours",
                )
            return Outcome(
                delay=backoff_seconds(settings, state.rate_limit_strikes, exc.retry_after)
            )
        except InstagramRefusal as exc:
            return _failed(exc.code, exc.message)
        state.rate_limit_strikes = 0
    if state.phase is Phase.finalize:
        return Outcome(finished=True, complete=True)
    return Outcome()
