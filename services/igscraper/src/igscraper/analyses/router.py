from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status
from fastapi.sse import EventSourceResponse, ServerSentEvent

from common.db import SessionDep
from common.openapi import raises
from common.pagination import IdPageDep, Page
from common.text import NUL_FREE
from common.tokens import CurrentUser
from igscraper.analyses import events, service
from igscraper.analyses.dependencies import (
    AnalysisDep,
    ArqDep,
    ChangesDep,
    SettingsDep,
    UserPageDep,
    VaultDep,
)
from igscraper.analyses.exceptions import AnalysisAlreadyActive
from igscraper.analyses.models import Group
from igscraper.analyses.schemas import (
    AccountChanges,
    AnalysisCreate,
    AnalysisRead,
    AnalysisSubmitted,
    IgUserRead,
    QueueRead,
)
from igscraper.dependencies import LiveUser

router = APIRouter(prefix="/api/ig", tags=["instagram analyses"])

EVENTS_DESCRIPTION = (
    "Server-sent events: `progress` whose data is the analysis (AnalysisRead, as GET "
    "/api/ig/analyses/{id} returns it) each time it changes, then `done` with the final "
    "analysis once it has ended; `: keep-alive` comments while nothing changes."
)
# What each event carries, for clients generated from the OpenAPI document. OpenAPI 3.1
# has no per-event schema (3.2's itemSchema), so the stream's schema describes one event.
EVENTS_SCHEMA = {
    "responses": {
        "200": {
            "content": {
                "text/event-stream": {
                    "schema": {
                        "properties": {
                            "event": {"type": "string", "enum": ["progress", "done"]},
                            "data": {
                                "type": "string",
                                "contentMediaType": "application/json",
                                "contentSchema": {"$ref": "#/components/schemas/AnalysisRead"},
                            },
                        }
                    }
                }
            }
        }
    }
}


@router.post("/analyses", status_code=status.HTTP_202_ACCEPTED)
@raises(AnalysisAlreadyActive, 422)
async def submit_analysis(
    data: AnalysisCreate,
    user: LiveUser,
    session: SessionDep,
    vault: VaultDep,
    settings: SettingsDep,
    arq: ArqDep,
) -> AnalysisSubmitted:
    return await service.submit_analysis(
        session=session, vault=vault, arq=arq, settings=settings, owner_id=user.id, data=data
    )


@router.get("/analyses")
@raises(400)
async def list_analyses(
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    page: IdPageDep,
) -> Page[AnalysisRead]:
    return await service.list_analyses(
        session=session, settings=settings, owner_id=user.id, page=page
    )


@router.get("/analyses/{analysis_id}")
async def read_analysis(
    analysis: AnalysisDep, session: SessionDep, settings: SettingsDep
) -> AnalysisRead:
    return await service.describe_analysis(session=session, settings=settings, analysis=analysis)


@router.get(
    "/analyses/{analysis_id}/events",
    response_class=EventSourceResponse,
    responses={200: {"description": EVENTS_DESCRIPTION}},
    openapi_extra=EVENTS_SCHEMA,
)
async def analysis_events(
    analysis: AnalysisDep, request: Request, settings: SettingsDep, changes: ChangesDep
) -> AsyncIterator[ServerSentEvent]:
    async for event in events.follow_analysis(
        sessionmaker=request.app.state.sessionmaker,
        settings=settings,
        changes=changes,
        analysis_id=analysis.id,
    ):
        yield event


@router.get("/analyses/{analysis_id}/users")
@raises(400)
async def list_analysis_users(
    analysis: AnalysisDep,
    session: SessionDep,
    settings: SettingsDep,
    group: Group,
    page: UserPageDep,
) -> Page[IgUserRead]:
    return await service.list_group_users(
        session=session, settings=settings, analysis=analysis, group=group, page=page
    )


@router.get("/analyses/{analysis_id}/export.csv", response_class=Response)
async def export_analysis(
    analysis: AnalysisDep, session: SessionDep, settings: SettingsDep
) -> Response:
    body = await service.export_csv(session=session, settings=settings, analysis=analysis)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="analysis-{analysis.id}.csv"'},
    )


@router.delete("/analyses/{analysis_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_analysis(
    analysis: AnalysisDep,
    session: SessionDep,
    vault: VaultDep,
    arq: ArqDep,
    settings: SettingsDep,
) -> None:
    await service.remove_analysis(
        session=session, vault=vault, redis=arq, settings=settings, analysis=analysis
    )


@router.get("/accounts/{ig_user_id}/changes")
async def account_changes(
    ig_user_id: Annotated[str, Path(max_length=32), NUL_FREE],
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
) -> AccountChanges:
    return await service.account_changes(
        session=session, settings=settings, owner_id=user.id, ig_user_id=ig_user_id
    )


@router.get("/queue")
async def queue_status(session: SessionDep, settings: SettingsDep) -> QueueRead:
    return await service.queue_status(session=session, settings=settings)
