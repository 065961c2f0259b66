"""witsync as a library, the way a bot or a notebook uses it: `import witsync` and nothing else.

    python tests/example_library.py MANIFESTS [ORG_URL]

Loads the manifests, plans against ORG_URL (a running `witsync serve`, say
http://127.0.0.1:8080/acme) or, without one, the local board beside the manifests' witsync.yaml;
applies; plans again and expects nothing left to do. Prints one line per step; exit 0 on success.
"""

from __future__ import annotations

import sys

import witsync


def main(argv: list[str]) -> int:
    manifests, org = argv[0], (argv[1] if len(argv) > 1 else None)
    try:
        desired = witsync.load_manifests([manifests])
    except witsync.ManifestError as error:
        for problem in error.diagnostics:
            print(problem, file=sys.stderr)
        return 1
    print(f"loaded {len(desired.items)} items for scope {desired.scope}")

    plan = witsync.plan([manifests], org=org, token=None)
    kinds = sorted({action.kind for action in plan.actions})
    print(f"planned {len(plan.actions)} actions ({', '.join(kinds)}), {plan.unchanged} unchanged")
    print(witsync.render(plan, "text"), end="")

    result = witsync.apply(plan, token=None)
    for item in result.items:
        print(f"  {item.outcome:8} {item.key} #{item.id} {item.message or ''}".rstrip())
    if not result.ok:
        print("apply did not apply everything", file=sys.stderr)
        return 1
    without_id = [item.key for item in result.items if item.id is None]
    if without_id:
        print(f"applied but without an id: {without_id}", file=sys.stderr)
        return 1
    print(f"applied {len(result.items)}")

    again = witsync.plan([manifests], org=org)
    if not again.is_empty():
        print(witsync.render(again, "text"), file=sys.stderr)
        return 1
    print(f"planned again: nothing to do ({again.unchanged} unchanged)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
