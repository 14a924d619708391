"""Schemathesis hooks for Contracts/http/schemathesis.sh (loaded through SCHEMATHESIS_HOOKS).

The envelope media type is opaque bytes (Contracts/envelope/v1/README.md): generated bodies are sent as they are,
like application/octet-stream. Without this, schemathesis cannot serialise any request to POST /v1/envelopes.
"""
import schemathesis

schemathesis.serializer.alias("application/vnd.g60.envelope", "application/octet-stream")
