"""POST /internal/federation/events: social's outbox relay hands over what happened."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from common.db import SessionDep
from common.internal import InternalCaller
from common.state import app_state
from federation.events.service import EventTranslator

router = APIRouter(tags=["federation internal"], dependencies=[InternalCaller])

TranslatorDep = Annotated[EventTranslator, Depends(app_state("event_translator"))]


class Event(BaseModel):
    id: str = Field(max_length=64)
    kind: str = Field(max_length=64)
    payload: dict[str, Any]


class EventBatch(BaseModel):
    events: list[Event] = Field(max_length=500)


@router.post("/internal/federation/events", status_code=204, response_class=Response)
async def receive_events(
    batch: EventBatch, session: SessionDep, translator: TranslatorDep
) -> Response:
    """Each event's deliveries are queued in this request's transaction: all or none."""
    for event in batch.events:
        await translator.handle(session, event.model_dump())
    return Response(status_code=204)
