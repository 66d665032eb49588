"""Errors the library reports to a user; each str() is a plain message."""

from __future__ import annotations

from formcheck.errors import FormCheckError


class LibraryError(FormCheckError):
    """The coach's library cannot do what was asked."""


class NotFoundError(LibraryError):
    """An id names no athlete, session, clip, analysis or note (never existed, or deleted)."""


class DuplicateError(LibraryError):
    """An entry with this name is already in the library."""


class InvalidEntryError(LibraryError):
    """A value typed by the user is empty or too long."""


class SchemaTooNewError(LibraryError):
    """The database was written by a newer FormCheck than this one."""


class MediaMismatchError(LibraryError):
    """The media folder belongs to a different library database."""
