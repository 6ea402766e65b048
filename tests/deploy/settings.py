"""The settings each deployable process reads, by environment variable name.

Compose and Kubernetes must both provide them; the tests beside this file check that.
"""

from pydantic_settings import BaseSettings

from auth.config import Settings as AuthSettings
from federation.config import Settings as FederationSettings
from gateway.config import Settings as GatewaySettings
from igscraper.config import Settings as IgscraperSettings
from media.config import Settings as MediaSettings
from social.config import Settings as SocialSettings

# The process (compose service, Kubernetes Deployment) → the settings class it loads.
READS: dict[str, type[BaseSettings]] = {
    "auth": AuthSettings,
    "social": SocialSettings,
    "media": MediaSettings,
    "igscraper": IgscraperSettings,
    "igscraper-worker": IgscraperSettings,
    "federation": FederationSettings,
    "gateway": GatewaySettings,
}


def env_names(settings: type[BaseSettings]) -> set[str]:
    """Every environment variable the class reads: its prefix plus the field, or an alias."""
    prefix = settings.model_config.get("env_prefix", "")
    return {
        field.validation_alias
        if isinstance(field.validation_alias, str)
        else f"{prefix}{name}".upper()
        for name, field in settings.model_fields.items()
    }
