"""The web face of mamori: the public privacy center (and later the staff console)."""

from mamori.web.app import create_app

__all__ = ["create_app"]
