"""`stack up --fake-instagram`: a stand-in Instagram with one account to analyse.

Instagram cannot be reached from every machine, and a first try should not need a real
account's session cookie. This starts the project's fake of instagram.com's web API (the
one the tests use, tests/fakes/instagram.py), gives it an account with followers and
following, and points igscraper's API and worker at it. The stack's printout shows the
session cookie to paste into "Start analysis"; it belongs to the fake, not to anyone.
"""

from dataclasses import dataclass

from tests.fakes.instagram import FakeInstagram

USERNAME = "demo"
# Seven pages of followers and six of following at igscraper's default page size and
# pacing: about half a minute, long enough to watch the progress bar move.
FOLLOWERS, FOLLOWING, MUTUAL = 1400, 1100, 500


@dataclass
class DemoInstagram:
    fake: FakeInstagram
    session_id: str
    csrf_token: str

    @classmethod
    def start(cls) -> "DemoInstagram":
        fake = FakeInstagram().start()
        account = fake.add_account(USERNAME)
        fake.follow_graph(account, followers=FOLLOWERS, following=FOLLOWING, mutual=MUTUAL)
        session_id, csrf_token = fake.session_for(account)
        return cls(fake, session_id, csrf_token)

    def stop(self) -> None:
        self.fake.stop()

    def env(self) -> dict[str, str]:
        """What igscraper's API and worker need to talk to the fake instead of Instagram."""
        return {"IGSCRAPER_INSTAGRAM_BASE_URL": self.fake.url}

    def describe(self) -> str:
        """The printout's lines: where the fake is, and what to paste into "Start analysis"."""
        return (
            f"  instagram    {self.fake.url}   (fake; @{USERNAME}: {FOLLOWERS:,} followers, "
            f"{FOLLOWING:,} following, {MUTUAL:,} mutual)\n"
            f"               Instagram sessionid  {self.session_id}\n"
            f"               csrftoken            {self.csrf_token}"
        )
