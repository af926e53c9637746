"""Accounts, the audit log, uploads, and the library and operations calls behind the staff pages."""
