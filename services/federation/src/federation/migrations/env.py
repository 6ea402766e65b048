from common.migrations import run_env
from federation.config import get_settings
from federation.database import Base
from federation.delivery import models as delivery_models  # noqa: F401  (registers the tables)
from federation.domains import models as domain_models  # noqa: F401
from federation.events import models as event_models  # noqa: F401
from federation.follows import models as follow_models  # noqa: F401
from federation.inbox import models as inbox_models  # noqa: F401
from federation.keys import models as key_models  # noqa: F401
from federation.remote import models as remote_models  # noqa: F401

run_env(Base.metadata, get_settings().database_url)
