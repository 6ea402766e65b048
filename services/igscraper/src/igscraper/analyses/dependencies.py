import uuid
from typing import Annotated

from arq.connections import ArqRedis
from fastapi import Depends

from common.db import SessionDep
from common.pagination import PageRequest, keyset
from common.state import app_state
from common.tokens import CurrentUser
from igscraper.analyses import repository
from igscraper.analyses.events import AnalysisChanges
from igscraper.analyses.exceptions import AnalysisNotFound
from igscraper.analyses.models import Analysis
from igscraper.config import Settings
from igscraper.credentials.service import CredentialVault

SettingsDep = Annotated[Settings, Depends(app_state("settings"))]
VaultDep = Annotated[CredentialVault | None, Depends(app_state("vault"))]
ArqDep = Annotated[ArqRedis, Depends(app_state("arq"))]
ChangesDep = Annotated[AnalysisChanges, Depends(app_state("analysis_changes"))]
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
