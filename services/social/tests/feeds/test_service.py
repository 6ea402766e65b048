"""The home feed's two plans give the same pages, and the page's own choice gives them too."""

from social.feeds import repository


async def test_merge_and_scan_plans_agree_page_after_page(app, client, user, post_by):
    viewer = await user()
    authors = [await user() for _ in range(4)]
    silent = await user()  # follows count, posts none
    for author in [*authors, silent]:
        await client.post(f"/users/{author.id}/follow", headers=viewer.headers)
    await post_by(viewer)
    for round_ in range(6):
        for author in authors[: round_ % 4 + 1]:  # unequal posting rates
            await post_by(author)
    before, seen = None, []
    while True:
        pages = {
            plan: [
                row["id"]
                for row in await repository.home_page(
                    app.state.reads, before=before, limit=5, viewer_id=viewer.id, plan=plan
                )
            ]
            for plan in ("merge", "scan", None)
        }
        assert pages["merge"] == pages["scan"] == pages[None]
        if not pages["merge"]:
            break
        seen += pages["merge"]
        before = seen[-1]
    assert len(seen) == len(set(seen)) == 14
    assert seen == sorted(seen, reverse=True)
