import auth.models  # noqa: F401  (registers every table on Base.metadata)
from auth.config import get_settings
from auth.database import Base
from common.migrations import run_env

run_env(Base.metadata, get_settings().database_url)
