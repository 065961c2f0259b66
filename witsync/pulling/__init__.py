"""Pull: the board's news written back into the manifests, in place; pure."""
