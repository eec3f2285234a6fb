"""Loaded by schemathesis in the test command (SCHEMATHESIS_HOOKS): whole e-mail messages (message/rfc822, the mail
gateway's request body) are sent as the text generated for them."""
import schemathesis

schemathesis.serializer.alias("message/rfc822", "text/plain")
