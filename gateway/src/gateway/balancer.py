"""A service's replicas behind the gateway: least outstanding requests, passive health.

Each request goes to the replica with the fewest requests in flight (ties in turn, so idle
replicas share the load). A replica whose connection fails is taken out of rotation for
EJECT_SECONDS; after that the next request probes it, and a refused probe takes it out
again while the request is retried on another replica. No probe traffic of its own: the
real requests are the health check, as in Envoy's outlier detection.
"""

import time
from collections.abc import Collection

from yarl import URL

# Long enough to stop sending to a dead replica, short enough that a restarted one (the
# native stack restarts in a fraction of a second) is back in rotation within seconds.
EJECT_SECONDS = 2.0


class Replica:
    def __init__(self, url: str) -> None:
        self.url = URL(url.strip())
        self.outstanding = 0
        self.ejected_until = 0.0

    def __repr__(self) -> str:
        return f"Replica({str(self.url)!r}, outstanding={self.outstanding})"


class ReplicaSet:
    def __init__(self, urls: list[str]) -> None:
        if not urls:
            raise ValueError("a service needs at least one upstream URL")
        self.replicas = [Replica(url) for url in urls]
        self._turn = 0

    def pick(self, tried: Collection[Replica] = ()) -> Replica:
        """The least busy replica in rotation that this request has not tried yet.

        When every untried replica is out of rotation, one is tried anyway: a service whose
        replicas are all down still answers at once (503), and one coming back is found.
        """
        if len(self.replicas) == 1:  # the common case: nothing to choose
            return self.replicas[0]
        now = time.monotonic()
        untried = [r for r in self.replicas if r not in tried] or self.replicas
        candidates = [r for r in untried if r.ejected_until <= now] or untried
        self._turn = (self._turn + 1) % len(candidates)
        in_turn = candidates[self._turn :] + candidates[: self._turn]
        return min(in_turn, key=lambda r: r.outstanding)

    def failed(self, replica: Replica) -> None:
        """Its connection failed: out of rotation for a while."""
        replica.ejected_until = time.monotonic() + EJECT_SECONDS

    def answered(self, replica: Replica) -> None:
        replica.ejected_until = 0.0


def parse_urls(setting: str) -> list[str]:
    """One URL, or several comma-separated (a service's replicas)."""
    return [url.strip() for url in setting.split(",") if url.strip()]
