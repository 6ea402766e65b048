from common.migrations import run_env
from igscraper.accounts import models as account_models  # noqa: F401
from igscraper.analyses import models  # noqa: F401  (registers the tables on Base.metadata)
from igscraper.config import get_settings
from igscraper.database import Base

run_env(Base.metadata, get_settings().database_url)
