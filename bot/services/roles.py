"""Who is staff: roles from BOT_ADMIN_IDS and the staff table, checked at every use, audited."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.clock import Clock
from bot.services.container import Services
from bot.storage import Db
from bot.storage import audit as audit_store
from bot.storage import staff as staff_store


class Role(StrEnum):
    ADMIN = staff_store.ADMIN
    PETUGAS = staff_store.PETUGAS


class Refusal(StrEnum):
    """Why a change to the staff list was refused; texts_id turns each into a sentence."""

    FIXED_ADMIN = "fixed_admin"  # the id is in BOT_ADMIN_IDS: change it in the environment
    LAST_ADMIN = "last_admin"  # the change would leave nobody who can manage staff
    NOT_STAFF = "not_staff"  # removing someone who is not in the staff table
    SAME_ROLE = "same_role"  # they already have that role
    BAD_ID = "bad_id"  # not a Telegram user id


class StaffChangeError(Exception):
    def __init__(self, reason: Refusal, user_id: int) -> None:
        self.reason = reason
        self.user_id = user_id
        super().__init__(f"staff change refused: {reason.value} for {user_id}")


@dataclass(frozen=True, slots=True)
class StaffMember:
    user_id: int
    role: Role
    fixed: bool  # from BOT_ADMIN_IDS: always admin, not removable by command
    added_by: int | None = None
    added_at: str | None = None


@dataclass(frozen=True, slots=True)
class StaffChange:
    user_id: int
    old: Role | None
    new: Role | None


def valid_user_id(user_id: int) -> bool:
    """Telegram user ids are positive and fit in 52 bits."""
    return 0 < user_id < 2**52


class StaffRoles:
    """Role checks and staff-list changes; every change writes its audit row in one transaction."""

    def __init__(self, db: Db, fixed_admins: frozenset[int], clock: Clock) -> None:
        self.db = db
        self.fixed_admins = fixed_admins
        self.clock = clock

    @classmethod
    def of(cls, services: Services) -> StaffRoles:
        return cls(services.db, services.settings.admin_ids, services.clock)

    async def role_of(self, user_id: int | None) -> Role | None:
        """The user's role right now, or None for a resident."""
        if user_id is None:
            return None
        if user_id in self.fixed_admins:
            return Role.ADMIN
        row = await staff_store.get(self.db.conn, user_id)
        return Role(row.role) if row else None

    async def is_staff(self, user_id: int | None) -> bool:
        return await self.role_of(user_id) is not None

    async def is_admin(self, user_id: int | None) -> bool:
        return await self.role_of(user_id) == Role.ADMIN

    async def members(self) -> list[StaffMember]:
        """Fixed admins first, then the staff table (admins before petugas)."""
        found = [StaffMember(uid, Role.ADMIN, fixed=True) for uid in sorted(self.fixed_admins)]
        for row in await staff_store.list_all(self.db.conn):
            if row.user_id in self.fixed_admins:
                continue
            found.append(
                StaffMember(row.user_id, Role(row.role), False, row.added_by, row.added_at)
            )
        return found

    async def _admin_count_without(self, user_id: int) -> int:
        admins = set(self.fixed_admins) | await staff_store.admin_ids(self.db.conn)
        admins.discard(user_id)
        return len(admins)

    async def set_role(
        self, *, actor_id: int | None, user_id: int, role: Role, detail: str | None = None
    ) -> StaffChange:
        """Add a staff member or change their role; refuses what would leave no admin."""
        if not valid_user_id(user_id):
            raise StaffChangeError(Refusal.BAD_ID, user_id)
        if user_id in self.fixed_admins:
            raise StaffChangeError(Refusal.FIXED_ADMIN, user_id)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await staff_store.get(conn, user_id)
            old = Role(row.role) if row else None
            if old == role:
                raise StaffChangeError(Refusal.SAME_ROLE, user_id)
            if old == Role.ADMIN and await self._admin_count_without(user_id) == 0:
                raise StaffChangeError(Refusal.LAST_ADMIN, user_id)
            await staff_store.put(conn, user_id, role.value, actor_id, now)
            await audit_store.add(
                conn,
                now=now,
                actor_id=actor_id,
                action=audit_store.STAFF_ADD if old is None else audit_store.STAFF_ROLE,
                target=str(user_id),
                old=old.value if old else None,
                new=role.value,
                detail=detail,
            )
        return StaffChange(user_id, old, role)

    async def remove(
        self, *, actor_id: int | None, user_id: int, detail: str | None = None
    ) -> StaffChange:
        """Take someone off the staff list; the last admin and fixed admins stay."""
        if user_id in self.fixed_admins:
            raise StaffChangeError(Refusal.FIXED_ADMIN, user_id)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await staff_store.get(conn, user_id)
            if row is None:
                raise StaffChangeError(Refusal.NOT_STAFF, user_id)
            old = Role(row.role)
            if old == Role.ADMIN and await self._admin_count_without(user_id) == 0:
                raise StaffChangeError(Refusal.LAST_ADMIN, user_id)
            await staff_store.remove(conn, user_id)
            await audit_store.add(
                conn,
                now=now,
                actor_id=actor_id,
                action=audit_store.STAFF_REMOVE,
                target=str(user_id),
                old=old.value,
                new=None,
                detail=detail,
            )
        return StaffChange(user_id, old, None)

    async def change_by_command(
        self, *, actor_id: int, user_id: int, role: Role | None, attempt: str
    ) -> StaffChange:
        """/petugas: give `user_id` the role (None: take them off the list).

        A refused change raises StaffChangeError after auditing the refusal (`attempt` names
        the command, e.g. "/petugas tambah")."""
        try:
            if role is None:
                return await self.remove(actor_id=actor_id, user_id=user_id)
            return await self.set_role(actor_id=actor_id, user_id=user_id, role=role)
        except StaffChangeError as exc:
            await self.record_refusal(actor_id, attempt, exc.reason.value)
            raise

    async def record_refusal(
        self, user_id: int | None, attempt: str, detail: str | None = None
    ) -> None:
        """Audit a staff action someone was not allowed to take (`attempt`: command or button)."""
        async with self.db.transaction() as conn:
            await audit_store.add(
                conn,
                now=self.clock.now(),
                actor_id=user_id,
                action=audit_store.REFUSED,
                target=attempt,
                detail=detail,
            )
