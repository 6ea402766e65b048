from common.migrations import run_env
from federation.config import get_settings
from federation.database import Base

run_env(Base.metadata, get_settings().database_url)
