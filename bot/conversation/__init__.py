"""The conversation floor: what a resident (or staff member) is told, whatever the channel.

An inbound `Event` (`events.py`) goes in; a list of neutral `Message`s (`messages.py`) comes
out. Nothing here imports a channel: the Telegram adapter (`bot/handlers/`) and the WhatsApp
adapter translate updates into events and render the messages, each within its own limits.
"""
