"""Domain errors of the emulator, with the HTTP status, typeKey and message the service uses.

Routes and the work item model raise `ServiceError`; `wire.error_body` turns one into the
`WrappedException` JSON in exactly one place. The helpers below hold the real message templates.
"""

from __future__ import annotations

from typing import Any

WIT = "Microsoft.TeamFoundation.WorkItemTracking.Server"
FRAMEWORK = "Microsoft.VisualStudio.Services.WebApi"


class ServiceError(Exception):
    """An error answer. `prepare` marks errors found while reading the patch document, before any
    save: in a `$batch` those cancel the whole batch, while save errors only fail their own item."""

    def __init__(
        self,
        status: int,
        type_key: str,
        message: str,
        *,
        namespace: str = WIT,
        error_code: int = 0,
        event_id: int = 3200,
        custom_properties: dict[str, Any] | None = None,
        prepare: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type_key = type_key
        self.message = message
        self.namespace = namespace
        self.error_code = error_code
        self.event_id = event_id
        self.custom_properties = custom_properties
        self.prepare = prepare


def not_found(work_item: int) -> ServiceError:
    return ServiceError(
        404,
        "WorkItemUnauthorizedAccessException",
        f"TF401232: Work item {work_item} does not exist, or you do not have permissions to "
        "read it.",
        prepare=True,
    )


def project_not_found(name: str) -> ServiceError:
    return ServiceError(
        404,
        "ProjectDoesNotExistWithNameException",
        f"TF200016: The following project does not exist: {name}. Verify that the name of the "
        "project is correct and that the project exists on the specified Azure DevOps Server.",
        namespace="Microsoft.TeamFoundation.Core.WebApi",
        event_id=3000,
    )


def bad_request(message: str, type_key: str = "VssPropertyValidationException") -> ServiceError:
    return ServiceError(400, type_key, message, namespace=FRAMEWORK, event_id=3000, prepare=True)


def test_failed(path: str, actual: object, expected: object) -> ServiceError:
    return ServiceError(
        412,
        "TestPatchOperationFailedException",
        f"VS403351: Test Operation for path {path} failed, value {actual} was not equal to test "
        f"value {expected}.",
        namespace="Microsoft.VisualStudio.Services.WebApi.Patch",
        prepare=True,
    )


def revision_mismatch() -> ServiceError:
    return ServiceError(
        409,
        "WorkItemRevisionMismatchException",
        "TF26071: This work item has been changed by someone else since you opened it.  You will "
        "need to refresh it and discard your changes.",
        error_code=600122,
    )


def field_not_found(name: str) -> ServiceError:
    return ServiceError(
        400,
        "WorkItemTrackingFieldDefinitionNotFoundException",
        f"TF51535: Cannot find field {name}.",
        prepare=True,
    )


def _invalid_field(message: str, error_code: int = 0) -> ServiceError:
    """The service's one exception for a field value it refuses on save; the message tells why."""
    return ServiceError(400, "WorkItemFieldInvalidException", message, error_code=error_code)


def field_invalid(ref: str, status: str) -> ServiceError:
    return _invalid_field(
        f"TF401326: Invalid field status '{status}' for field '{ref}'.", error_code=600171
    )


def read_only_system_field(ref: str) -> ServiceError:
    return _invalid_field(f"VS403182: The {ref} field cannot be modified without bypassing rules.")


def unknown_identity(value: str, name: str) -> ServiceError:
    return _invalid_field(
        f"The identity value '{value}' for field '{name}' is an unknown identity."
    )


def invalid_tree(work_item: int, ref: str) -> ServiceError:
    return ServiceError(
        400,
        "WorkItemFieldInvalidTreeNameException",
        f"TF401347: Invalid tree name given for work item {work_item}, field '{ref}'.",
        error_code=600171,
    )


def rule_errors(errors: list[tuple[str, str, str]]) -> ServiceError:
    """`errors`: (reference name, status flags, message) per failing field; the first leads."""
    message = errors[0][2]
    extra = len(errors) - 1
    if extra == 1:
        message += (
            " One additional error occurred during validation of the work item. Please correct "
            "all errors and try again."
        )
    elif extra > 1:
        message += (
            f" {extra} additional errors occurred during validation of the work item. Please "
            "correct all errors and try again."
        )
    details = [
        {
            "fieldReferenceName": ref,
            "fieldStatusFlags": flags,
            "errorMessage": text,
            "fieldStatusCode": 0,
            "ruleValidationErrors": None,
        }
        for ref, flags, text in errors
    ]
    return ServiceError(
        400,
        "RuleValidationException",
        message,
        error_code=600171,
        custom_properties={"RuleValidationErrors": details},
    )


def patch_failed(message: str) -> ServiceError:
    return ServiceError(
        400,
        "PatchOperationFailedException",
        message,
        namespace="Microsoft.VisualStudio.Services.WebApi.Patch",
        prepare=True,
    )


def link_error(status: int, type_key: str, message: str, error_code: int = 0) -> ServiceError:
    return ServiceError(status, type_key, message, error_code=error_code)


def too_many_ids(count: int) -> ServiceError:
    return ServiceError(
        400,
        "WorkItemPageSizeExceededException",
        f"VS403474: You requested {count} work items which exceeds the limit of 200",
    )
