"""The installed version of witsync (0.0.0 in a source tree that was never installed)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("witsync")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
