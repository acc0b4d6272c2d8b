"""The call workflow: starting one execution per request, and the logic of its steps."""
