from typing import Literal

from fastapi import APIRouter, BackgroundTasks, Response, status

from common.db import SessionDep
from common.tokens import CurrentUser
from igscraper.analyses import service
from igscraper.analyses.dependencies import AnalysisDep, ArqDep, SettingsDep, VaultDep
from igscraper.analyses.jobs import enqueue_step
from igscraper.analyses.pagination import LimitQuery
from igscraper.analyses.schemas import (
    AccountChanges,
    AnalysisCreate,
    AnalysisPage,
    AnalysisRead,
    AnalysisSubmitted,
    IgUserPage,
    QueueRead,
)

router = APIRouter(prefix="/api/ig", tags=["instagram analyses"])


@router.post("/analyses", status_code=status.HTTP_202_ACCEPTED)
async def submit_analysis(
    data: AnalysisCreate,
    user: CurrentUser,
    session: SessionDep,
    vault: VaultDep,
    settings: SettingsDep,
    arq: ArqDep,
    background: BackgroundTasks,
) -> AnalysisSubmitted:
    submitted = await service.submit_analysis(
        session=session, vault=vault, settings=settings, owner_id=user.id, data=data
    )
    # Background tasks run after the session committed: the worker always finds the row.
    background.add_task(enqueue_step, arq, submitted.id, 0)
    return submitted


@router.get("/analyses")
async def list_analyses(
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    limit: LimitQuery = 20,
    cursor: str | None = None,
) -> AnalysisPage:
    return await service.list_analyses(
        session=session, settings=settings, owner_id=user.id, limit=limit, cursor=cursor
    )


@router.get("/analyses/{analysis_id}")
async def read_analysis(
    analysis: AnalysisDep, session: SessionDep, settings: SettingsDep
) -> AnalysisRead:
    return await service.describe_analysis(session=session, settings=settings, analysis=analysis)


@router.get("/analyses/{analysis_id}/users")
async def list_analysis_users(
    analysis: AnalysisDep,
    session: SessionDep,
    settings: SettingsDep,
    group: Literal["mutuals", "not_following_back", "fans"],
    limit: LimitQuery = 20,
    cursor: str | None = None,
) -> IgUserPage:
    return await service.list_group_users(
        session=session,
        settings=settings,
        analysis=analysis,
        group=group,
        limit=limit,
        cursor=cursor,
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
async def delete_analysis(analysis: AnalysisDep, session: SessionDep, vault: VaultDep) -> None:
    await service.remove_analysis(session=session, vault=vault, analysis=analysis)


@router.get("/accounts/{ig_user_id}/changes")
async def account_changes(
    ig_user_id: str, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> AccountChanges:
    return await service.account_changes(
        session=session, settings=settings, owner_id=user.id, ig_user_id=ig_user_id
    )


@router.get("/queue")
async def queue_status(session: SessionDep, settings: SettingsDep) -> QueueRead:
    return await service.queue_status(session=session, settings=settings)
