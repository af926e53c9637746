"""Drafts in the official formats, the format check, 查重 and Word export."""
