"""The database adapter: tables, the mapping of the domain onto them, the unit of work, migrations."""
