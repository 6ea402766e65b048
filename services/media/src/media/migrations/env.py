from common.migrations import run_env
from media.accounts import models as account_models  # noqa: F401
from media.avatars import models as avatar_models  # noqa: F401  (tables for autogenerate)
from media.config import get_settings
from media.database import Base
from media.images import models as image_models  # noqa: F401
from media.quota import models as quota_models  # noqa: F401

run_env(Base.metadata, get_settings().database_url)
