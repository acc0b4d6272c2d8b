"""The services 311 takes, on the Open311 API: discovery, the service list, and each service's questions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from civic311.channels.http import public_base_url
from civic311.channels.open311 import models as wire
from civic311.channels.open311.calls import PREFIX, TAG, Call, Jurisdiction
from civic311.channels.open311.formats import respond
from civic311.channels.open311.forms import check_format

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import Router

    from civic311.channels.open311.context import Open311Context


def add_service_routes(router: Router, context: Open311Context) -> None:
    """Discovery, the service list and service definitions, bound to the Open311 context."""
    call = Call(router, context)

    @router.get(
        f"{PREFIX}/discovery.<fmt>",
        tags=[TAG],
        summary="Service discovery",
        responses={
            200: {"description": "Discovery document", "content": {"application/json": {"model": wire.Discovery}}}
        },
    )
    def discovery(fmt: str) -> Response[str]:
        chosen = check_format(fmt)
        catalog = context.catalog
        document = wire.Discovery(
            changeset=catalog.changeset,
            contact="City of Tucson 311. Call 311 or (520) 791-3111. Emergencies: 911.",
            key_service="API keys for Open311 clients are issued by the City of Tucson 311 program office.",
            endpoints=[
                wire.Endpoint(
                    url=public_base_url(APIGatewayProxyEvent(router.current_event.raw_event)) + PREFIX,
                    changeset=catalog.changeset,
                    type="production" if context.settings.stage == "prod" else "test",
                )
            ],
        )
        return respond(chosen, document, root="discovery")

    @router.get(
        f"{PREFIX}/services/<service_code>.<fmt>",
        tags=[TAG],
        summary="Service definition",
        responses={
            200: {
                "description": "Questions for this service",
                "content": {"application/json": {"model": wire.ServiceDefinition}},
            }
        },
    )
    def service_definition(service_code: str, fmt: str, jurisdiction_id: Jurisdiction = None) -> Response[str]:
        chosen = check_format(fmt)
        call.check_jurisdiction(jurisdiction_id)
        service = context.catalog.get(service_code)
        lang = call.language()
        definition = wire.ServiceDefinition(
            service_code=service.service_code,
            attributes=[
                wire.Attribute(
                    variable=attribute.variable,
                    code=attribute.code,
                    datatype=attribute.datatype,
                    required=attribute.required,
                    datatype_description=(
                        attribute.datatype_description(lang) if attribute.datatype_description else None
                    ),
                    order=attribute.order,
                    description=attribute.description(lang),
                    values=[wire.AttributeValue(key=value.key, name=value.name(lang)) for value in attribute.values],
                )
                for attribute in sorted(service.attributes, key=lambda attribute: attribute.order)
            ],
        )
        return respond(chosen, definition, root="service_definition")

    @router.get(
        f"{PREFIX}/services.<fmt>",
        tags=[TAG],
        summary="Service list",
        responses={
            200: {
                "description": "Every service 311 takes",
                "content": {"application/json": {"model": list[wire.Service]}},
            }
        },
    )
    def services(fmt: str, jurisdiction_id: Jurisdiction = None) -> Response[str]:
        chosen = check_format(fmt)
        call.check_jurisdiction(jurisdiction_id)
        lang = call.language()
        catalog = context.catalog
        listing = [
            wire.Service(
                service_code=service.service_code,
                service_name=service.name(lang),
                description=service.description(lang),
                metadata=service.has_metadata,
                keywords=", ".join(service.keywords.get(lang, ())),
                group=catalog.groups[service.group](lang),
            )
            for service in catalog.services
        ]
        return respond(chosen, listing, root="services", item="service")
