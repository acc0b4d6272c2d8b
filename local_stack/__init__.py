"""The local stack: the whole SAM application on one machine, no cloud and no Docker.

template.yaml is read as the only list of resources; moto's server is the AWS endpoint, Lambda invokes
run our handlers in-process, and a small gateway turns HTTP requests into API Gateway proxy events.
"""
