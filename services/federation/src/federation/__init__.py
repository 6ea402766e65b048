"""The federation service: speaks ActivityPub for the platform's users."""
