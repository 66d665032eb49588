"""FormCheck: hip-knee alignment from a phone video."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("formcheck")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+src"
