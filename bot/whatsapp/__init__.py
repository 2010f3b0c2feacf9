"""The WhatsApp adapter (residents only).

Cloud API webhook in, the conversation, Cloud API messages out."""
