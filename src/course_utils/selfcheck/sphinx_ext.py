"""Sphinx extension of the self-checks (placeholder)."""


def setup(app):  # noqa: D103
    return {"parallel_read_safe": True, "parallel_write_safe": True}
