from common.migrations import run_env
from social.config import get_settings
from social.models import Base

run_env(Base.metadata, get_settings().database_url)
