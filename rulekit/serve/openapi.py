"""The OpenAPI 3.1 document of a service, generated from each program's plan.

Every program gets its own ``Facts`` schema — one property per declared table, each row
an object with one property per column, typed from the column's rule-file type (and
``x-rulekit-type`` naming it) — and its own ``Decision`` schema, whose ``metrics`` list
the program's participant metrics with their types. Money and other decimals are JSON
strings (exact), accepted as strings or numbers; ratios are strings such as ``"7/20"``.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from rulekit import types as t
from rulekit.plan.model import ColumnPlan, Level, MetricPlan, Plan, TablePlan
from rulekit.results import Decision
from rulekit.serve.registry import Registry

_DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]{1,12})?$"
_DECIMAL = {"type": "string", "format": "decimal", "pattern": _DECIMAL_PATTERN}
_NUMBER_IN = {"type": ["string", "number", "integer"], "pattern": _DECIMAL_PATTERN}

# What a column accepts in facts (docs/api.md, "Facts").
_COLUMN_IN: dict[t.Kind, dict[str, Any]] = {
    t.Kind.STRING: {"type": ["string", "integer"]},
    t.Kind.INT: {"type": ["integer", "string"], "pattern": r"^-?[0-9]+$"},
    t.Kind.COUNT: {"type": ["integer", "string"], "pattern": r"^-?[0-9]+$"},
    t.Kind.MONEY: _NUMBER_IN,
    t.Kind.DECIMAL: _NUMBER_IN,
    t.Kind.PERCENT: _NUMBER_IN,
    t.Kind.BOOL: {"type": ["boolean", "string", "integer"]},
    t.Kind.TIMESTAMP: {"type": "string", "format": "date-time"},
    t.Kind.DATE: {"type": "string", "format": "date"},
    t.Kind.DURATION: {**_NUMBER_IN, "description": "seconds"},
}

# How a metric's value is written in a decision (docs/api.md, "Values in results").
_METRIC_OUT: dict[t.Kind, dict[str, Any]] = {
    t.Kind.COUNT: {"type": "integer"},
    t.Kind.INT: {"type": "integer"},
    t.Kind.RATIO: {"type": "string", "format": "fraction", "pattern": r"^-?[0-9]+(/[0-9]+)?$"},
}


def openapi_document(registry: Registry, title: str = "rulekit decision service") -> dict[str, Any]:
    """The whole document for the programs ``registry`` serves now."""
    decision, shared = _decision_base()
    schemas: dict[str, Any] = {**shared, "Error": _ERROR}
    paths: dict[str, Any] = {"/health": _get("Health of the service and of each rule file's last reload", "Health")}
    schemas["Health"] = {"type": "object"}
    paths["/programs"] = _get("The programs served", "ProgramList")
    schemas["ProgramList"] = {"type": "object"}
    for slot in registry.slots:
        name, plan = slot.name, slot.program.plan
        prefix = _schema_name(name)
        schemas[f"{prefix}Facts"] = facts_schema(plan)
        schemas[f"{prefix}Decision"] = _program_decision(decision, plan)
        schemas[f"{prefix}Info"] = {"type": "object"}
        paths.update(
            _program_paths(
                name, prefix, paid=slot.program.ir.payout is not None and slot.program.ir.payout.paid is not None
            )
        )
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": _version()},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def facts_schema(plan: Plan) -> dict[str, Any]:
    """The facts of one decision: the participant table as one row, every other table as rows or one row."""
    properties: dict[str, Any] = {}
    for table in plan.tables:
        row = row_schema(table)
        if table.name == plan.participant.table:
            properties[table.name] = row
        else:
            properties[table.name] = {"oneOf": [{"type": "array", "items": row}, row]}
    return {
        "type": "object",
        "description": f"Facts for one {plan.participant.noun} of `{plan.name}`, table name -> row(s)",
        "properties": properties,
        "required": [table.name for table in plan.tables],
    }


def row_schema(table: TablePlan) -> dict[str, Any]:
    """One row of ``table``: every declared column present; ``null`` only where a value is optional."""
    return {
        "type": "object",
        "properties": {c.name: column_schema(c) for c in table.columns},
        "required": [c.name for c in table.columns],
    }


def column_schema(column: ColumnPlan) -> dict[str, Any]:
    """A column's accepted JSON values, its rule-file type (``x-rulekit-type``) and label."""
    schema = copy.deepcopy(_COLUMN_IN.get(column.type.kind, {}))
    if not column.required:
        kinds = schema.get("type", [])
        schema["type"] = [*([kinds] if isinstance(kinds, str) else kinds), "null"]
    schema["x-rulekit-type"] = column.type.kind.value
    if column.type.currency:
        schema["x-currency"] = column.type.currency
    schema["description"] = column.label
    return schema


def metric_schema(metric: MetricPlan) -> dict[str, Any]:
    """A metric's value in a decision; ``null`` is "no value" (e.g. an average over no rows)."""
    schema = copy.deepcopy(_METRIC_OUT.get(metric.type.kind, _DECIMAL))
    schema["type"] = [schema["type"], "null"]
    schema["x-rulekit-type"] = metric.type.kind.value
    if metric.type.currency:
        schema["x-currency"] = metric.type.currency
    schema["description"] = metric.label
    return schema


def _program_decision(base: dict[str, Any], plan: Plan) -> dict[str, Any]:
    schema = copy.deepcopy(base)
    schema["description"] = f"A decision of `{plan.name}` (only the metrics the rules need are present)"
    props = schema["properties"]
    props["metrics"] = {
        "type": "object",
        "properties": {m.name: metric_schema(m) for m in plan.metrics if m.level is Level.PARTICIPANT},
    }
    members = {m.name: metric_schema(m) for m in plan.metrics if m.level is Level.MEMBER}
    props["members"] = {"type": "object", "additionalProperties": {"type": "object", "properties": members}}
    return schema


@functools.cache
def _decision_base() -> tuple[dict[str, Any], dict[str, Any]]:
    """pydantic's schema of ``Decision`` with its ``$defs`` moved to ``components/schemas``."""
    raw = Decision.model_json_schema(mode="serialization", ref_template="#/components/schemas/{model}")
    shared = raw.pop("$defs", {})
    return raw, shared


def _program_paths(name: str, prefix: str, *, paid: bool) -> dict[str, Any]:
    base = f"/programs/{name}"
    facts = {"$ref": f"#/components/schemas/{prefix}Facts"}
    decision = {"$ref": f"#/components/schemas/{prefix}Decision"}
    batch_out = {
        "type": "object",
        "properties": {
            "program": {"type": "string"},
            "count": {"type": "integer"},
            "decisions": {"type": "array", "items": decision},
            "outcomes": {"type": "array", "items": {"type": "object"}},
        },
    }
    explain_out = {"type": "object", "properties": {"decision": decision, "explanation": {"type": "string"}}}
    if paid:  # issue 10, construct 6: a program paid per period is decided period by period
        periods_out = {
            "type": "object",
            "properties": {
                "program": {"type": "string"},
                "periods": {
                    "type": "array",
                    "items": {"type": "object", "properties": {"period": {"type": "string"}, "decision": decision}},
                },
            },
        }
        return {
            base: _get(f"What `{name}` reads and computes: tables, columns, metrics, rewards", f"{prefix}Info"),
            f"{base}/decide-periods": _post(
                f"Decide one case of `{name}`, one decision per pay period", facts, periods_out
            ),
        }
    return {
        base: _get(f"What `{name}` reads and computes: tables, columns, metrics, rewards", f"{prefix}Info"),
        f"{base}/decide": _post(f"Decide one case of `{name}`", facts, decision),
        f"{base}/explain": _post(f"Decide one case of `{name}` and word why", facts, explain_out),
        f"{base}/decide-batch": _batch(
            _post(f"Decide a list of cases of `{name}`", {"type": "array", "items": facts}, batch_out)
        ),
    }


def _batch(operation: dict[str, Any]) -> dict[str, Any]:
    """The batch operation with its ``view``: full decisions, or ``decide_batch``'s outcome rows."""
    view = {
        "name": "view",
        "in": "query",
        "required": False,
        "description": "`decisions` (default): each decision with its reasons; `outcomes`: decided by "
        "`decide_batch`, one row of outcome columns per case, no reasons",
        "schema": {"type": "string", "enum": ["decisions", "outcomes"], "default": "decisions"},
    }
    operation["post"]["parameters"] = [view]
    return operation


def _get(summary: str, schema: str) -> dict[str, Any]:
    ok = {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}
    return {"get": {"summary": summary, "responses": {"200": {"description": "OK", **ok}, **_ERRORS}}}


def _post(summary: str, body: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": out}}},
                **_ERRORS,
            },
        }
    }


_ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "table": {"type": ["string", "null"]},
                "column": {"type": ["string", "null"]},
                "row": {"type": ["integer", "null"]},
                "item": {"type": "integer"},
                "id": {"type": "string"},
            },
            "required": ["code", "message"],
        }
    },
}
_ERROR_BODY = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_ERRORS = {
    "400": {"description": "The body is not JSON", **_ERROR_BODY},
    "404": {"description": "No such program", **_ERROR_BODY},
    "413": {"description": "The body or the batch is over its limit", **_ERROR_BODY},
    "422": {"description": "Bad facts: the error names the table, column and row", **_ERROR_BODY},
    "500": {"description": "An unexpected error; its id is in the service log", **_ERROR_BODY},
}


def _schema_name(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _version() -> str:
    from rulekit import __version__

    return __version__
