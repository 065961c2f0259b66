"""witsync: Azure Boards work items as code — plan and apply YAML manifests against Azure DevOps.

The library does what the CLI does, without argparse (README: "Use it from Python")::

    import witsync

    plan = witsync.plan(["backlog/"], org="https://dev.azure.com/fabrikam", token=pat)
    print(witsync.render(plan, "markdown"))
    result = witsync.apply(plan, token=pat)

`aplan` and `aapply` are the same for async code. `__all__` is the public API; the modules
behind it (`witsync.api`, `witsync.engine`, ...) may change between releases.
"""

from witsync.ado.transport import Token
from witsync.api import (
    aapply,
    aplan,
    apply,
    load_manifests,
    plan,
    render,
)
from witsync.errors import (
    AuthError,
    ConfigError,
    ConflictError,
    Diagnostic,
    ManifestError,
    NotFoundError,
    PlanFileError,
    ServerError,
    TransientError,
    WitsyncError,
)
from witsync.model import (
    Action,
    Desired,
    DesiredItem,
    FieldChange,
    ItemResult,
    LinkChange,
    Location,
    Plan,
    PlanWarning,
    Result,
    Target,
)
from witsync.rendering.planfile import dump_plan, load_plan
from witsync.version import __version__

__all__ = [
    "Action",
    "AuthError",
    "ConfigError",
    "ConflictError",
    "Desired",
    "DesiredItem",
    "Diagnostic",
    "FieldChange",
    "ItemResult",
    "LinkChange",
    "Location",
    "ManifestError",
    "NotFoundError",
    "Plan",
    "PlanFileError",
    "PlanWarning",
    "Result",
    "ServerError",
    "Target",
    "Token",
    "TransientError",
    "WitsyncError",
    "__version__",
    "aapply",
    "aplan",
    "apply",
    "dump_plan",
    "load_manifests",
    "load_plan",
    "plan",
    "render",
]
