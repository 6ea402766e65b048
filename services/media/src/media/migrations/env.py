from common.migrations import run_env
from media.config import get_settings
from media.database import Base

run_env(Base.metadata, get_settings().database_url)
