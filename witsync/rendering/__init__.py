"""Render: a `Plan` (text, Markdown, JSON, plan file) and an apply's `Result`; pure."""
