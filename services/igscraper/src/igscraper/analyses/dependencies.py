import uuid
from typing import Annotated

from arq.connections import ArqRedis
from fastapi import Depends, Request

from common.db import SessionDep
from common.pagination import PageRequest, keyset
from common.tokens import CurrentUser
from igscraper.analyses import repository
from igscraper.analyses.events import AnalysisChanges
from igscraper.analyses.exceptions import AnalysisNotFound
from igscraper.analyses.models import Analysis
from igscraper.config import Settings
from igscraper.credentials.service import CredentialVault


async def _settings(request: Request) -> Settings:
    result: Settings = request.app.state.settings
    return result


async def _vault(request: Request) -> CredentialVault | None:
    result: CredentialVault | None = request.app.state.vault
    return result


async def _arq(request: Request) -> ArqRedis:
    result: ArqRedis = request.app.state.arq
    return result


async def _changes(request: Request) -> AnalysisChanges:
    result: AnalysisChanges = request.app.state.analysis_changes
    return result


SettingsDep = Annotated[Settings, Depends(_settings)]
VaultDep = Annotated[CredentialVault | None, Depends(_vault)]
ArqDep = Annotated[ArqRedis, Depends(_arq)]
ChangesDep = Annotated[AnalysisChanges, Depends(_changes)]
# A group's users are listed by (username, Instagram id).
UserPageDep = Annotated[PageRequest[tuple[str, str]], Depends(keyset(str, str))]


async def _owned_analysis(analysis_id: str, user: CurrentUser, session: SessionDep) -> Analysis:
    """The caller's analysis; anyone else's is as absent as one that never existed."""
    try:
        key = uuid.UUID(analysis_id)
    except ValueError:
        raise AnalysisNotFound() from None
    analysis = await repository.get_analysis(session, key)
    if analysis is None or analysis.owner_id != user.id:
        raise AnalysisNotFound()
    return analysis


AnalysisDep = Annotated[Analysis, Depends(_owned_analysis)]
