"""Adapters at the edge: database, scheduler, mail, documents, configuration files."""
