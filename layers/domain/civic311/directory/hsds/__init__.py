"""Pydantic models of the Open Referral HSDS 3.1 objects the directory uses, with civic311's profile rules.

Field names and enums are HSDS's own. Unknown fields pass through, as HSDS allows; the rules civic311
adds on top (coordinates, machine-readable hours, one service code per service) are stated where they apply.
fields.py holds the field formats, taxonomy.py the terms that classify, places.py where and when a service is
offered, and services.py the services and the organizations that run them.
"""
