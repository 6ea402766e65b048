from gateway.routes import RoutingTable

table = RoutingTable()


def service_for(path: str) -> str | None:
    route = table.match(path)
    return route.service if route else None


def test_longest_prefix_wins():
    assert service_for("/users/me/profile") == "auth"
    assert service_for("/users/42") == "social"
    assert service_for("/users") == "social"
    assert service_for("/users/search") == "social"


def test_every_public_area_has_its_service():
    assert service_for("/auth/login") == "auth"
    assert service_for("/oauth/instagram/start") == "auth"
    assert service_for("/feed/global") == "social"
    assert service_for("/comments/7") == "social"
    assert service_for("/notifications/unread-count") == "social"
    assert service_for("/tags/trending") == "social"
    assert service_for("/media/abc/thumb") == "media"
    assert service_for("/api/images") == "media"
    assert service_for("/api/ig/analyses") == "igscraper"


def test_prefixes_match_whole_segments_only():
    assert service_for("/postsX") is None
    assert service_for("/api/igloo") is None
    assert service_for("/health") is None
