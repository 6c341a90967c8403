"""The domain: working days, timescales, deadlines and the Rapid Review state machine.

Pure Python. Nothing here touches a database, a scheduler, a file or the network.
"""
