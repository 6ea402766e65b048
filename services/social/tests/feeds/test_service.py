"""The home feed's two plans give the same pages; the choice follows the viewer's shape."""

from common.ids import new_id
from social.feeds import repository
from social.feeds.service import prefer_merge


async def test_merge_and_scan_plans_agree_page_after_page(app, user, post_by):
    authors = [await user() for _ in range(4)]
    for round_ in range(6):
        for author in authors[: round_ % 4 + 1]:  # unequal posting rates
            await post_by(author)
    ids = [author.id for author in authors] + [new_id()]  # one who never posted
    before, seen = None, []
    while True:
        pages = {
            plan: [
                row["id"]
                for row in await repository.home_page(
                    app.state.reads, plan=plan, authors=ids, before=before, limit=5, viewer_id=None
                )
            ]
            for plan in ("merge", "scan")
        }
        assert pages["merge"] == pages["scan"]
        if not pages["merge"]:
            break
        seen += pages["merge"]
        before = seen[-1]
    assert len(seen) == len(set(seen)) == 13
    assert seen == sorted(seen, reverse=True)


def test_few_authors_merge_and_many_busy_ones_walk():
    total = 1_000_000
    assert prefer_merge(authors=10, their_posts=100, total_posts=total, limit=21)
    assert not prefer_merge(authors=1_000, their_posts=200_000, total_posts=total, limit=21)
