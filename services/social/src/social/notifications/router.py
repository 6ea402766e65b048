"""GET /notifications, GET /notifications/unread-count, POST /notifications/read."""

from fastapi import APIRouter, Response

from common.db import SessionDep
from common.pagination import IdPageDep, Page
from social.links import LinksDep
from social.notifications import service
from social.notifications.schemas import MarkRead, NotificationRead, UnreadCount
from social.profiles.dependencies import ViewerId

router = APIRouter(prefix="/notifications", tags=["notifications"])


@router.get("")
async def list_notifications(
    viewer_id: ViewerId, page: IdPageDep, session: SessionDep, links: LinksDep
) -> Page[NotificationRead]:
    return await service.list_notifications(
        session=session, recipient_id=viewer_id, page=page, links=links
    )


@router.get("/unread-count")
async def unread_count(viewer_id: ViewerId, session: SessionDep) -> UnreadCount:
    return await service.unread_count(session=session, recipient_id=viewer_id)


@router.post("/read", status_code=204)
async def mark_read(body: MarkRead, viewer_id: ViewerId, session: SessionDep) -> Response:
    await service.mark_read(session=session, recipient_id=viewer_id, up_to_id=body.up_to_id)
    return Response(status_code=204)
