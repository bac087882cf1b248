"""Generate the machine-readable contract: JSON Schema per event and an AsyncAPI document.

Run `uv run shouwang-proto-export` after changing a contract; the tests fail while the
checked-in files differ from what this generates.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from shouwang_proto.envelope import Envelope
from shouwang_proto.registry import EVENTS
from shouwang_proto.topics import ALL_TOPICS

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "schemas"


def _message_name(event_type: str, version: int) -> str:
    return f"{event_type}.v{version}"


def event_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schema of each versioned payload, keyed by '<type>.v<version>'."""
    return {
        _message_name(t, v): model.model_json_schema() for (t, v), model in sorted(EVENTS.items())
    }


def asyncapi_document() -> dict[str, Any]:
    """An AsyncAPI 3.0 description of the topics and the messages they carry."""
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for (event_type, version), model in sorted(EVENTS.items()):
        name = _message_name(event_type, version)
        messages[name] = {
            "name": name,
            "title": model.__doc__.splitlines()[0] if model.__doc__ else name,
            "contentType": "application/json",
            "headers": Envelope.model_json_schema(),
            "payload": {"$ref": f"./{name}.json"},
        }
    for topic in ALL_TOPICS:
        channels[topic.name] = {
            "address": topic.name,
            "description": topic.description,
            "messages": {
                _message_name(t, v): {"$ref": f"#/components/messages/{_message_name(t, v)}"}
                for t, v in topic.events
            },
            "bindings": {
                "kafka": {
                    "partitions": topic.partitions,
                    "topicConfiguration": {
                        "cleanup.policy": ["compact"] if topic.compacted else ["delete"]
                    },
                    "key": {"type": "string", "description": topic.key},
                }
            },
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Shouwang events",
            "version": "1",
            "description": "Topics and event contracts shared by the Shouwang services.",
        },
        "channels": channels,
        "components": {"messages": messages},
    }


def render(out: Path) -> dict[Path, str]:
    """The files the export writes, path → text."""
    files = {
        out / f"{name}.json": json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True)
        + "\n"
        for name, schema in event_schemas().items()
    }
    files[out / "envelope.json"] = (
        json.dumps(Envelope.model_json_schema(), ensure_ascii=False, indent=2, sort_keys=True)
        + "\n"
    )
    files[out / "asyncapi.json"] = (
        json.dumps(asyncapi_document(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    )
    return files


def main() -> None:
    """Write the schemas to proto/schemas (or --out)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for path, text in render(args.out).items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
