"""Hashtags as the API shows them."""

from pydantic import BaseModel


class TagRead(BaseModel):
    name: str
    posts_count: int
    # Whether the viewer follows it (always false for an anonymous viewer).
    following: bool


class TrendingTag(BaseModel):
    name: str
    # Posts that took the tag within the trending window.
    posts_count: int


class TrendingTags(BaseModel):
    items: list[TrendingTag]
