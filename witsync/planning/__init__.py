"""Plan: `Desired` × `Live` → an ordered `Plan` of guarded patches; pure and deterministic."""
