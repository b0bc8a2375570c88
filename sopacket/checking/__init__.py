"""Checking a packet: the check pipeline (check: load, read the records in a child,
validate) and the preparation checklists it is evaluated against (checklist; the lists
themselves are data in templates/checklists/)."""
