"""What the call workflow hands each Task state: which step, for which request, and its task token if it waits."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StepInput(BaseModel):
    model_config = ConfigDict(extra="allow")

    step: str
    service_request_id: str
    execution_arn: str | None = None
    task_token: str | None = None
