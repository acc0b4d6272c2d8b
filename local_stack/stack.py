"""Starts and stops the whole local stack: endpoint, resources from template.yaml, functions, gateway, seed data."""

from __future__ import annotations

import json
import os
import secrets
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from local_stack import (
    aws_limits,
    cognito_sign_in,
    dynamodb_items,
    dynamodb_transactions,
    function_logs,
    iam_enforcement,
    service_metrics,
    srp,
    stepfunctions_programs,
)
from local_stack.activity import Activity, published_middleware
from local_stack.alarms import AlarmEvaluator, evaluator_for
from local_stack.auth import CognitoVerifier
from local_stack.aws_endpoint import AwsEndpoint, install_lambda_seam
from local_stack.cloudfront import PagesOrigin
from local_stack.cognito_totp import totp_code
from local_stack.emf import EmfMetrics
from local_stack.faults import Faults, faults_middleware
from local_stack.gateway import STAGE_API_ID, Gateway
from local_stack.lambda_runtime import LambdaRuntime
from local_stack.location import PlaceIndexes, location_middleware
from local_stack.provisioning.provisioner import Provisioner
from local_stack.roles import ALLOW_EVERYTHING, FixedKey, grant_fixed_key
from local_stack.sam_transform import local_path
from local_stack.scheduler import Scheduler
from local_stack.stopping import STOP_SECONDS, BoundedStop
from local_stack.streams import StreamPoller
from local_stack.template import REGION, Template
from local_stack.usage_plans import UsagePlans

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_STAFF_EMAIL = "demo.staff@civic311.local"
# The embedded endpoint's administrator (provisioning, tools, tests): every other key is refused, as in AWS,
# except the functions' and state machines' role credentials, which may do what their roles allow.
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
ADMIN_KEY = FixedKey(
    "local-administrator", LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"], LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]
)
# moto's Step Functions signs every call a state machine makes with this fixed key
# (moto/stepfunctions/parser/asl/utils/boto_client.py); locally it holds the state-machine roles' policies.
STATE_MACHINE_KEY = FixedKey("local-state-machines", "ak", "sk")
# Some operations (Amazon Location's searches among them) put a prefix such as "places." before the
# endpoint's host name; "places.127.0.0.1" resolves nowhere, so SDKs aimed at the endpoint must not.
LOCAL_SDK_SETTINGS = {"AWS_DISABLE_HOST_PREFIX_INJECTION": "true"}
# Parameters a deploy must set that the local stack fills with demo values (fictional 555-01xx numbers).
LOCAL_PARAMETERS = {"EmergencyTransferNumber": "+15205550190"}


@dataclass
class StackConfig:
    port: int = 3000
    aws_port: int = 3001
    stage: str = "local"
    stack_name: str = "civic311-local"
    template_path: Path = REPO_ROOT / "template.yaml"
    seed_demo_requests: bool = True
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass
class LocalStack:
    """The running system. `start()` returns what outputs.json holds."""

    config: StackConfig = field(default_factory=StackConfig)
    runtime: LambdaRuntime = field(default_factory=LambdaRuntime)
    endpoint: AwsEndpoint | None = None
    gateway: Gateway | None = None
    # The template's other REST APIs (DispatchApi), by logical id: each on its own port.
    other_gateways: dict[str, Gateway] = field(default_factory=dict)
    provisioner: Provisioner | None = None
    scheduler: Scheduler | None = None
    stream_poller: StreamPoller | None = None
    alarms: AlarmEvaluator | None = None
    place_indexes: PlaceIndexes = field(default_factory=PlaceIndexes)
    faults: Faults = field(default_factory=Faults)
    # The lines `make run` shows as the stack works (none when not given).
    activity: Activity | None = None
    info: dict[str, Any] = field(default_factory=dict)
    _undo_on_stop: list[Callable[[], None]] = field(default_factory=list)
    _staff_password: str = field(default_factory=lambda: "Demo-" + secrets.token_urlsafe(12) + "9!")
    # The demo staff member's authenticator secret, from their enrolment at the first sign-in.
    _staff_totp_secret: str | None = None

    def start(self) -> dict[str, Any]:
        # Faults wrap the others, so an injected failure can hit any call, place searches included (and a
        # publish it fails is not shown as published).
        middleware = [location_middleware(self.place_indexes), faults_middleware(self.faults)]
        if self.activity is not None:
            middleware.insert(0, published_middleware(self.activity))
            self.runtime.observer = self.activity.invoked
        self.endpoint = AwsEndpoint(port=self.config.aws_port, middleware=middleware)
        self._point_sdk_at(self.endpoint.url)
        self.endpoint.start()
        install_lambda_seam(self.runtime)
        cognito_sign_in.install()
        dynamodb_transactions.install()
        dynamodb_items.install()
        stepfunctions_programs.install()
        # Refuse what AWS refuses and moto would accept.
        aws_limits.install()
        # SNS's delivery metrics, which the dispatch alarms watch.
        self._undo_on_stop.append(service_metrics.count_deliveries())
        # From here every request is checked against its signer's policies (provisioning runs as administrator).
        self._undo_on_stop.append(enforce_iam(self.endpoint.url))
        template = Template(
            self.config.template_path,
            {"Stage": self.config.stage, **LOCAL_PARAMETERS, **self.config.parameters},
            self.config.stack_name,
        )
        self._add_layers_to_path(template)
        self.provisioner = Provisioner(template, self.runtime, self.endpoint.url, self.place_indexes)
        # The functions' EMF lines become metric data, as CloudWatch Logs extracts them.
        emf = EmfMetrics(self.provisioner.client("cloudwatch"))
        self._undo_on_stop.append(emf.flush)  # undone last: the lines already written are stored before the end
        self._undo_on_stop.append(function_logs.listen(emf))
        self.provisioner.provision_all()
        grant_fixed_key(self.provisioner.client("iam"), STATE_MACHINE_KEY, self.provisioner.state_machine_policies)
        verifier = CognitoVerifier(self.endpoint.url, self.provisioner.authorizers)
        web = self.provisioner.web
        self.gateway = Gateway(
            self.provisioner.routes,
            self.runtime,
            verifier,
            port=self.config.port,
            stage=self.config.stage,
            pages=PagesOrigin(web, self.provisioner.client("s3")) if web else None,
            observer=self.activity.api if self.activity is not None else None,
            throttles=self.provisioner.throttles,
            usage_plans=UsagePlans.from_api(
                self.provisioner.client("apigateway"),
                STAGE_API_ID,
                self.config.stage,
                self.provisioner.gateway_responses,
            ),
        )
        self.gateway.start()
        # Every other REST API of the template (DispatchApi) on a port of its own, as it has a host of its own in AWS.
        for api in self.provisioner.other_apis:
            other = Gateway(
                api.routes,
                self.runtime,
                verifier,
                port=0,
                stage=api.stage or self.config.stage,
                observer=self.activity.api if self.activity is not None else None,
                throttles=api.throttles,
                usage_plans=UsagePlans.from_api(
                    self.provisioner.client("apigateway"),
                    api.api_id,
                    api.stage or self.config.stage,
                    api.gateway_responses,
                ),
                api_id=api.api_id,
            )
            other.start()
            self.other_gateways[api.logical_id] = other
        self.scheduler = Scheduler(self.provisioner.schedules, self.runtime)
        self.scheduler.start()
        self.stream_poller = StreamPoller(self.provisioner.streams, self.runtime, self.provisioner.client)
        self.stream_poller.start()
        self.alarms = evaluator_for(self.provisioner, emf, self.activity.alarm if self.activity is not None else None)
        self.alarms.check()
        self.alarms.start()
        outputs = self.provisioner.outputs(
            api_url=self.gateway.url,
            other_api_urls={name: gateway.url for name, gateway in self.other_gateways.items()},
        )
        api_key = self._register_demo_client(outputs)
        self.info = {
            "api_url": self.gateway.url,
            "aws_endpoint": self.endpoint.url,
            "region": REGION,
            "outputs": outputs,
            # What the template was resolved with, so tools (the call simulator) resolve it the same way.
            "parameters": dict(template.parameters),
            "open311_api_key": api_key,
            "staff_token": self.staff_token(),
            "web_url": f"{self.gateway.url}/" if web else None,
            "staff_url": f"{self.gateway.url}/staff" if web else None,
            "staff_username": DEMO_STAFF_EMAIL,
            "staff_password": self._staff_password,
            # The demo staff member's authenticator secret (the pool requires a TOTP second factor).
            "staff_totp_secret": self._staff_totp_secret,
        }
        if self.config.seed_demo_requests:
            from local_stack.seed import post_demo_requests

            post_demo_requests(self.gateway.url, api_key)
        return self.info

    def stop(self, seconds: float = STOP_SECONDS) -> list[str]:
        """Stops every part within `seconds` all told; the names of the parts that overran (each reported)."""
        stopping = BoundedStop(seconds)
        if self.alarms:
            stopping.step("the alarm evaluator", self.alarms.stop)
        if self.scheduler:
            stopping.step("the scheduler", self.scheduler.stop)
        if self.stream_poller:
            stopping.step("the stream poller", self.stream_poller.stop)
        if self.gateway:
            stopping.step("the gateway", self.gateway.stop)
        while self.other_gateways:
            name, other = self.other_gateways.popitem()
            stopping.step(f"the {name} gateway", other.stop)
        while self._undo_on_stop:
            undo = self._undo_on_stop.pop()
            stopping.step(getattr(undo, "__qualname__", "an undo step"), undo)
        if self.endpoint:
            stopping.step("the AWS endpoint", self.endpoint.stop)
        return stopping.overran

    def write_outputs(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.info, indent=2) + "\n", encoding="utf-8")
        temporary.replace(path)

    def staff_token(self) -> str:
        """A fresh ID token for the demo staff member (created with every group on first use)."""
        assert self.provisioner is not None
        pools = self.provisioner.template.of_type("AWS::Cognito::UserPool")
        clients = self.provisioner.template.of_type("AWS::Cognito::UserPoolClient")
        if not pools or not clients:
            return ""
        pool_id = self.provisioner.ref(next(iter(pools)))
        client_id = self.provisioner.ref(next(iter(clients)))
        cognito = self.provisioner.client("cognito-idp")
        with _demo_user_lock:
            try:
                cognito.admin_get_user(UserPoolId=pool_id, Username=DEMO_STAFF_EMAIL)
            except cognito.exceptions.UserNotFoundException:
                cognito.admin_create_user(
                    UserPoolId=pool_id,
                    Username=DEMO_STAFF_EMAIL,
                    UserAttributes=[
                        {"Name": "email", "Value": DEMO_STAFF_EMAIL},
                        {"Name": "email_verified", "Value": "true"},
                    ],
                    MessageAction="SUPPRESS",
                )
                cognito.admin_set_user_password(
                    UserPoolId=pool_id, Username=DEMO_STAFF_EMAIL, Password=self._staff_password, Permanent=True
                )
                for group_id in self.provisioner.template.of_type("AWS::Cognito::UserPoolGroup"):
                    cognito.admin_add_user_to_group(
                        UserPoolId=pool_id, Username=DEMO_STAFF_EMAIL, GroupName=self.provisioner.ref(group_id)
                    )
            signed_in = sign_in(
                cognito, pool_id, client_id, DEMO_STAFF_EMAIL, self._staff_password, self._staff_totp_secret
            )
            self._staff_totp_secret = signed_in.totp_secret
        return signed_in.tokens["IdToken"]

    def _register_demo_client(self, outputs: dict[str, str]) -> str:
        from civic311.store.api_clients import ApiClientStore, new_api_key
        from civic311.store.gateway_keys import GatewayKeys

        api_key = new_api_key()
        table = outputs.get("ApiClientsTableName")
        if table:
            ApiClientStore(table).register(client_id="demo-client", name="Local demo client", api_key=api_key)
        # A partner's key too: in the X-API-Key header at /open311/keyed/v2/, the partners' usage plan meters it.
        plan = outputs.get("PartnerUsagePlanId")
        if plan:
            GatewayKeys(plan).ensure("demo-client", api_key)
        return api_key

    @staticmethod
    def _point_sdk_at(endpoint_url: str) -> None:
        # Every SDK client in this process (local stack and in-process functions) talks to the endpoint.
        os.environ.update(LOCAL_CREDENTIALS)
        os.environ.update(LOCAL_SDK_SETTINGS)
        os.environ["AWS_ENDPOINT_URL"] = endpoint_url
        os.environ["AWS_DEFAULT_REGION"] = REGION
        os.environ["AWS_REGION"] = REGION
        os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
        boto3.setup_default_session()

    @staticmethod
    def _add_layers_to_path(template: Template) -> None:
        # Lambda puts a Python layer's code on the import path; so does the local runtime.
        for layer in template.of_type("AWS::Lambda::LayerVersion").values():
            folder = local_path(template.root, layer["Properties"]["Content"])
            if not str(template.build_method(folder) or "").startswith("python"):
                continue
            if str(folder) not in sys.path:
                sys.path.insert(0, str(folder))


_demo_user_lock = threading.Lock()


def enforce_iam(endpoint_url: str) -> Callable[[], None]:
    """Check every later request to the endpoint against its signer's IAM policies, the administrator key
    (LOCAL_CREDENTIALS) allowed everything; returns a function that switches enforcement off again."""
    restore_seam = iam_enforcement.install()
    session: Any = boto3.session.Session(
        aws_access_key_id=ADMIN_KEY.access_key_id,
        aws_secret_access_key=ADMIN_KEY.secret_access_key,
        region_name=REGION,
    )
    grant_fixed_key(
        session.client("iam", endpoint_url=endpoint_url), ADMIN_KEY, {"AdministratorAccess": ALLOW_EVERYTHING}
    )
    iam_enforcement.enforce(endpoint_url)

    def relax() -> None:
        iam_enforcement.enforce(endpoint_url, enforced=False)
        restore_seam()

    return relax


@dataclass(frozen=True)
class SignedIn:
    """Cognito's tokens, and the authenticator secret that made the second factor's code."""

    tokens: dict[str, str]
    totp_secret: str | None


def sign_in(
    cognito: Any, pool_id: str, client_id: str, username: str, password: str, totp_secret: str | None = None
) -> SignedIn:
    """Sign a staff member in as the console does (SRP, then a TOTP code); with no authenticator yet, enrol one
    first (`totp_secret`: the one enrolled before)."""
    attempt = srp.Client(pool_id)
    started = cognito.initiate_auth(
        ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters={"USERNAME": username, "SRP_A": attempt.public_a}
    )
    step = cognito.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=attempt.answer(password, started["ChallengeParameters"]),
    )
    if step.get("ChallengeName") == "MFA_SETUP":
        totp_secret = str(cognito.associate_software_token(Session=step["Session"])["SecretCode"])
        verified = cognito.verify_software_token(Session=step["Session"], UserCode=totp_code(totp_secret))
        step = cognito.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="MFA_SETUP",
            Session=verified["Session"],
            ChallengeResponses={"USERNAME": username},
        )
        cognito.admin_set_user_mfa_preference(
            UserPoolId=pool_id,
            Username=username,
            SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
        )
    elif step.get("ChallengeName") == "SOFTWARE_TOKEN_MFA":
        if totp_secret is None:
            raise ValueError(f"{username} has an authenticator already: its secret is needed to sign in")
        step = cognito.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=step["Session"],
            ChallengeResponses={
                "USERNAME": username,
                "SOFTWARE_TOKEN_MFA_CODE": totp_code(totp_secret),
            },
        )
    return SignedIn(tokens=dict(step["AuthenticationResult"]), totp_secret=totp_secret)
