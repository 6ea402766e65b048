from pydantic import BaseModel


class QuotaRead(BaseModel):
    used_bytes: int
    limit_bytes: int
    count: int
