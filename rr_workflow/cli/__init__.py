"""The `rr` command line: thin entry points that parse, call a service function and render.

Command modules import the service layer inside each command, so `rr --help` loads no ORM.
"""
