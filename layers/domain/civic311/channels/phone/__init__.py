"""The phone line: Amazon Connect's contact flow asks ConnectFunction (operations.py) what to say and do."""
