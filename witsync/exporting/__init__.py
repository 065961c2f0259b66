"""Export: work items read from a board → manifests that read as if a person wrote them; pure."""
