from pydantic import BaseModel

from auth.oauth.providers import LoginProvider


class ProvidersRead(BaseModel):
    providers: list[LoginProvider]
