from pydantic import BaseModel, Field


class InstagramAccountRead(BaseModel):
    ig_user_id: str
    ig_username: str
    page_id: str
    page_name: str
    profile_picture_url: str | None
    linked: bool


class InstagramLinkRequest(BaseModel):
    ig_user_id: str = Field(min_length=1, max_length=64, pattern=r"^[0-9]+$")


class InstagramStart(BaseModel):
    authorize_url: str
