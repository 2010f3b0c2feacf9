"""The services floor: one module per use case.

Each owns its transaction and its audit row, and imports no channel.

One shape of service. A use case is a module-level function whose first parameter is the
container, `svc: Services` (`bot/services/container.py`): `await blanko.set_stock(svc,
actor_id=..., text=...)`. It opens its own `svc.db.transaction()` (or reads on `svc.db.conn`),
writes its audit row in that transaction, and returns a value (a small dataclass, an enum),
never a channel's message. Most use cases already have this shape (blanko, nik_locks,
record_lookup, staff_import, office, faq, office_hours, maintenance, stats, pending_changes,
status_change, verification).

A function that takes the caller's connection, `conn: Conn`, is not a use case but a query or a
step of one: it runs inside the transaction (or on the read connection) its caller chose and
never opens one of its own (`office.load_office_info`, `faq.entries`, `outbox.enqueue_status_
change`). A use case may call it with its own `conn`; a handler calls it with `svc.db.conn`
only for a read.

Not yet in this shape (classes built with `.of(svc)`, to become functions taking `svc`):
`roles.StaffRoles` (the shell's `staff` command and its tests build it from a database, the
fixed admins and a clock, without the key a full `Services` needs), `broadcasting.Broadcasting`,
`questions.Questions`, `residents.Residents`, `visits.Visits`. Objects that live as long as the
bot (`insights.InsightsCache`, `leader`'s election) are background work held by `Services` or
`BotData`, not use cases.
"""
