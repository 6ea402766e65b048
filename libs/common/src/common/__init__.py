"""Shared plumbing for every service: settings, errors, request ids, logging, health, db, tokens."""
