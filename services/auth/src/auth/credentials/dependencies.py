from typing import Annotated

from fastapi import Depends

from auth.credentials.throttle import MailThrottle
from common.state import app_state

MailThrottleDep = Annotated[MailThrottle, Depends(app_state("mail_throttle"))]
