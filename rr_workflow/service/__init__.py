"""Use cases: one function per command. The only caller of the domain from the outside."""
