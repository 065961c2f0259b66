"""Work items: create, update, delete and restore under the process rules, with revisions.

No HTTP here: a `Board` (reading patches with `PatchReader`, keeping links with `LinkKeeper`)
works on the store for one organization and one caller, raises
`ServiceError` for everything the real service refuses, and returns stored items for `wire`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from witsync.emulator import errors
from witsync.emulator.formats import formats_of, save_formats, settle
from witsync.emulator.links import LinkKeeper, stamp_revision, sync_parent
from witsync.emulator.linktypes import link_target
from witsync.emulator.patch import Patch, PatchReader, as_text
from witsync.emulator.people import remember
from witsync.emulator.processes import (
    lookup_field,
    process_named,
    transition_reason,
    type_defaults,
)
from witsync.emulator.store import Item, Project, Store
from witsync.emulator.values import (
    Clock,
    now_stamp,
    revision_stamp,
    system_clock,
)


@dataclass
class Saved:
    """The outcome of a write: the item as stored, plus the comment written in this revision."""

    item: Item
    history: str | None = None


class Board(PatchReader, LinkKeeper):
    """The work items of one organization, seen by one caller (`me` as stored: `Name <email>`);
    `clock` is the server time its writes are stamped with."""

    def __init__(
        self,
        store: Store,
        org: str,
        me: str,
        *,
        link_bumps_rev: bool = False,
        temp_ids: Mapping[int, int] | None = None,
        clock: Clock = system_clock,
        markdown: bool = False,
    ) -> None:
        self.store = store
        self.org = org
        self.me = me
        self.link_bumps_rev = link_bumps_rev
        self.temp_ids = temp_ids or {}
        self.clock = clock
        self.markdown = markdown

    # -- public operations ----------------------------------------------------------------------

    def get(self, id: int) -> Item:
        item = self.store.get(self.org, id)
        if item is None:
            raise errors.not_found(id)
        return item

    def create(
        self,
        project: Project,
        type_name: str,
        ops: Any,
        *,
        validate_only: bool = False,
        bypass_rules: bool = False,
    ) -> Saved:
        process = process_named(project.process)
        wit = process.type(type_name) if process else None
        if wit is None:
            raise errors.ServiceError(
                404,
                "WorkItemTypeNotFoundException",
                f"Work item type {type_name} does not exist in project {project.name} or "
                "you do not have permission to access it.",
                prepare=True,
            )
        now = now_stamp(self.clock)
        fields: dict[str, Any] = {
            "System.AreaPath": project.name,
            "System.TeamProject": project.name,
            "System.IterationPath": project.name,
            "System.WorkItemType": wit.name,
            "System.State": wit.initial_state,
            "System.Reason": wit.initial_reason,
            "System.CreatedDate": now,
            "System.CreatedBy": self.me,
            "System.ChangedDate": now,
            "System.ChangedBy": self.me,
            "System.AuthorizedDate": now,
            "System.CommentCount": 0,
            **type_defaults(wit),
            "Microsoft.VSTS.Common.StateChangeDate": now,
        }
        patch = Patch(wit, fields, [])
        self._evaluate(patch, ops, None, bypass_rules)
        settle(patch.fields, patch.formats, patch.sent)
        self._check_rules(patch, None, project, bypass_rules, now)
        with self.store.write():
            new_id = 0 if validate_only else self.store.next_value(self.org, "workitem")
            patch.fields["System.Id"] = new_id
            patch.fields["System.Rev"] = 1
            if patch.history is not None:
                patch.fields["System.CommentCount"] = 1
            item = Item(self.org, new_id, project.name, 1, False, patch.fields, [])
            final = self._final_relations(item, patch)
            self._check_links(item, patch, final, new=True)
            item.relations = final
            sync_parent(item)
            if validate_only:
                return Saved(item, patch.history)
            remember(self.store, self.org, item.fields)
            encoded, relations = self.store.put(item)
            if patch.formats:
                save_formats(self.store, self.org, new_id, patch.formats)
            self.store.add_revision(
                item, _with_history_json(encoded, item.fields, patch.history), relations=relations
            )
            delta = {
                k: {"newValue": v}
                for k, v in self._with_history(item.fields, patch.history).items()
            }
            self._save_links(item, [], final, [], now)
            # encoded right away, so `final` needs no copy; a new id has no updates yet
            self.store.add_update(
                self.org, new_id, 1, self.me, now, delta, {"added": final} if final else {}, seq=1
            )
        return Saved(item, patch.history)

    def update(
        self,
        id: int,
        ops: Any,
        *,
        validate_only: bool = False,
        bypass_rules: bool = False,
    ) -> Saved:
        with self.store.write():
            item = self.get(id)
            project = self.store.project(self.org, item.project)
            process = process_named(project.process) if project else None
            wit = process.type(str(item.fields.get("System.WorkItemType", ""))) if process else None
            if project is None or wit is None:
                raise errors.not_found(id)
            before = dict(item.fields)
            now = now_stamp(self.clock)
            # the date a new revision gets: strictly after the last one, even within a millisecond
            stamp = revision_stamp(now, before.get("System.ChangedDate"))
            formats = formats_of(self.store, self.org, id)
            patch = Patch(wit, dict(item.fields), copy.deepcopy(item.relations))
            patch.formats = dict(formats)
            self._evaluate(patch, ops, item, bypass_rules)
            settle(patch.fields, patch.formats, patch.sent)
            moved_to = self.store.project(self.org, patch.project) if patch.project else None
            if moved_to is not None:  # a move: the new project's roots unless the patch says
                project = moved_to
                for ref in ("System.AreaPath", "System.IterationPath"):
                    if ref not in patch.touched:
                        patch.fields[ref] = project.name
            self._check_rules(patch, item, project, bypass_rules, stamp)
            final = self._final_relations(item, patch)
            self._check_links(item, patch, final)
            changed = {
                k: {"oldValue": before.get(k), "newValue": patch.fields.get(k)}
                for k in set(before) | set(patch.fields)
                if before.get(k) != patch.fields.get(k)
            }
            for gone in [k for k, v in changed.items() if v["newValue"] is None]:
                changed[gone].pop("newValue")
            added, removed, updated = self._relation_changes(item.relations, final)
            resource_change = any(link_target(r) is None for r in (*added, *removed, *updated))
            link_change = bool(added or removed or updated)
            bump = (
                bool(changed)
                or patch.history is not None
                or resource_change
                or (link_change and self.link_bumps_rev)
            )
            if validate_only:
                return Saved(
                    Item(self.org, id, item.project, item.rev, False, patch.fields, final),
                    patch.history,
                )
            if patch.formats != formats:
                save_formats(self.store, self.org, id, patch.formats)
            if not bump and not link_change:
                return Saved(item, None)
            if bump:
                kept = patch.touched if bypass_rules else set()
                stamp_revision(patch.fields, item.rev + 1, stamp, self.me, kept)
                if patch.history is not None:
                    patch.fields["System.CommentCount"] = (
                        int(before.get("System.CommentCount", 0)) + 1
                    )
                for key in (
                    "System.Rev",
                    "System.ChangedDate",
                    "System.AuthorizedDate",
                    "System.CommentCount",
                ):
                    if before.get(key) != patch.fields.get(key):
                        changed[key] = {
                            "oldValue": before.get(key),
                            "newValue": patch.fields.get(key),
                        }
                if patch.history is not None:
                    changed["System.History"] = {"newValue": patch.history}
                if before.get("System.ChangedBy") != patch.fields.get("System.ChangedBy"):
                    changed["System.ChangedBy"] = {
                        "oldValue": before.get("System.ChangedBy"),
                        "newValue": patch.fields.get("System.ChangedBy"),
                    }
                item.rev += 1
            item.fields = patch.fields
            item.relations = final
            item.project = project.name
            sync_parent(item)
            remember(self.store, self.org, item.fields)
            self.store.put(item)
            if bump:
                self.store.add_revision(item, self._with_history(item.fields, patch.history))
            self.store.add_update(
                self.org,
                id,
                item.rev,
                self.me,
                stamp if bump else now,  # a link-only update is dated when it was made
                changed if bump else {},
                self._relation_delta(added, removed, updated),
            )
            self._save_links(item, removed, added, updated, now)
        return Saved(item, patch.history)

    def delete(self, id: int, *, destroy: bool) -> Item:
        with self.store.write():
            item = self.store.get(self.org, id, include_deleted=destroy)
            if item is None:
                raise errors.not_found(id)
            if not item.deleted:
                self._drop_reciprocals(item)
            if destroy:
                self.store.destroy(self.org, id)
            else:
                item.deleted = True
                self.store.put(item)
        return item

    def restore(self, id: int) -> Item:
        with self.store.write():
            item = self.store.get(self.org, id, include_deleted=True)
            if item is None or not item.deleted:
                raise errors.not_found(id)
            item.deleted = False
            item.relations = [r for r in item.relations if link_target(r) is None]
            sync_parent(item)
            self.store.put(item)
        return item

    # -- patch evaluation -----------------------------------------------------------------------

    def _check_rules(
        self, patch: Patch, item: Item | None, project: Project, bypass: bool, stamp: str
    ) -> None:
        """Tree paths, required fields, allowed values and state moves; `stamp` is the date of
        the revision being made (a state change is dated with it)."""
        fields = patch.fields
        work_item = item.id if item else -1
        for ref, structure in (("System.AreaPath", "area"), ("System.IterationPath", "iteration")):
            path = str(fields.get(ref) or project.name).strip("\\")
            node = self.store.node(self.org, structure, path)
            inside = node is not None and (
                node[0].lower() == project.name.lower()
                or node[0].lower().startswith(project.name.lower() + "\\")
            )
            if node is None or not inside:
                raise errors.invalid_tree(work_item, ref)
            fields[ref] = node[0]
        old_state = item.fields.get("System.State") if item else None
        problems: list[tuple[str, str, str]] = []
        state_name = fields.get("System.State")
        state = patch.wit.state(str(state_name)) if state_name else None
        if not bypass:
            title = str(fields.get("System.Title") or "").strip()
            if not title:
                problems.append(
                    (
                        "System.Title",
                        "Required, InvalidEmpty",
                        "TF401320: Rule Error for field Title. Error code: Required, InvalidEmpty.",
                    )
                )
            problems.extend(_missing_required(patch))
            if state is None or (item is None and state.name != patch.wit.initial_state):
                problems.append(
                    (
                        "System.State",
                        "Required, HasValues, LimitedToValues, InvalidListValue",
                        f"The field 'State' contains the value '{state_name or ''}' that is not in "
                        "the "
                        "list of supported values",
                    )
                )
            for ref in sorted(patch.touched):
                fdef = lookup_field(ref)
                if fdef and fdef.type == "string" and len(str(fields.get(ref) or "")) > 255:
                    problems.append(
                        (
                            ref,
                            "InvalidTooLong",
                            f"TF401320: Rule Error for field {fdef.name}. Error code: "
                            "InvalidTooLong.",
                        )
                    )
                if fdef and fdef.allowed and ref in fields and fields[ref] not in fdef.allowed:
                    problems.append(
                        (
                            ref,
                            "HasValues, LimitedToValues, InvalidListValue",
                            f"The field '{fdef.name}' contains the value '{as_text(fields[ref])}' "
                            "that is not in the list of supported values",
                        )
                    )
        if problems:
            raise errors.rule_errors(problems)
        if state is not None:
            fields["System.State"] = state.name
        if item is not None and state is not None and str(old_state).lower() != state.name.lower():
            if "System.Reason" not in patch.touched:
                fields["System.Reason"] = transition_reason(state)
            fields["Microsoft.VSTS.Common.StateChangeDate"] = stamp

    def _with_history(self, fields: dict[str, Any], history: str | None) -> dict[str, Any]:
        return {**fields, "System.History": history} if history is not None else dict(fields)


def _with_history_json(encoded: str, fields: dict[str, Any], history: str | None) -> str:
    """`json.dumps(Board._with_history(fields, history))` from `encoded`, `fields` as JSON: the
    comment is the last key unless the fields hold one already (then encoded afresh)."""
    if history is None:
        return encoded
    if not fields or "System.History" in fields:
        return json.dumps({**fields, "System.History": history})
    return f'{encoded[:-1]}, "System.History": {json.dumps(history)}}}'


def _missing_required(patch: Patch) -> list[tuple[str, str, str]]:
    """The fields a custom process requires on the type that the item would be saved without."""
    problems = []
    for ref in patch.wit.required:
        fdef = lookup_field(ref)
        if fdef is not None and as_text(patch.fields.get(ref)).strip() == "":
            problems.append(
                (
                    ref,
                    "Required, InvalidEmpty",
                    f"TF401320: Rule Error for field {fdef.name}. Error code: Required, "
                    "InvalidEmpty.",
                )
            )
    return problems
