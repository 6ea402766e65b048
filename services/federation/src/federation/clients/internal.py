"""What social's and media's clients share: the internal token, and one reading of answers
(outage = 503 and retried later, a refusal = permanent, 404 = absent)."""

from typing import Any

import httpx
from pydantic import SecretStr

from common.errors import ApiError, DependencyUnavailable
from common.request_id import REQUEST_ID_HOOKS


class Refused(ApiError):
    """The service refused what we sent (a 4xx other than 404): sending it again would not
    help, so whatever asked gives up on it. `upstream_code` is the service's error code."""

    status, code, message = 502, "upstream_refused", "A platform service refused the request"

    def __init__(self, service: str, upstream_status: int, upstream_code: str | None) -> None:
        self.upstream_status = upstream_status
        self.upstream_code = upstream_code
        super().__init__(f"The {service} service refused the request ({upstream_status})")


class InternalClient:
    service: str

    def __init__(self, base_url: str, *, token: SecretStr, timeout: float) -> None:
        self.http = httpx.AsyncClient(
            base_url=base_url,
            timeout=timeout,
            headers={"X-Internal-Token": token.get_secret_value()},
            event_hooks=REQUEST_ID_HOOKS,
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON answer (None for an empty one, or a 404); raises as the module says."""
        try:
            response = await self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise DependencyUnavailable(self.service) from exc
        if response.status_code == 404:
            return None
        if response.status_code >= 500:
            raise DependencyUnavailable(self.service)
        if response.is_error:
            raise Refused(self.service, response.status_code, _error_code(response))
        return response.json() if response.content else None


def _error_code(response: httpx.Response) -> str | None:
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None
    return code if isinstance(code, str) else None
