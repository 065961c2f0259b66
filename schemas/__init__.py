"""JSON Schemas shipped with witsync (manifest, plan file); `witsync/schemas` links to this folder."""
