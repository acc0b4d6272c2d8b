"""A small CloudFormation: the provisioner (provisioner.py) and what it builds, one module per kind of AWS service."""
