"""witsync: Azure Boards work items as code — plan and apply YAML manifests against Azure DevOps."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("witsync")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
