"""Apply: a `Plan` → `Result` in guarded, ordered, crash-safe writes; the only writes."""
