"""The database schema as numbered migrations; each is applied once, in order, on start."""

from __future__ import annotations

# Each entry: (version, description, SQL script). Never edit a migration that has shipped:
# add a new one. Version ranges by feature keep parallel work apart: core 1-9, import 10-19,
# residents 20-29, staff 30-39, notifications 40-49; round 3: conversation 100-109, outbox
# 110-119 (events, lanes, the sender's term), import 120-129, receipts and the import folder
# 130-139 (the folder import, receipt deep links, the KK sent before its NIK), WhatsApp 140-149,
# hardening 150-159, contacts 160-169, WhatsApp delivery 170-179, understanding 180-189.
MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "core tables",
        """
        CREATE TABLE records (
            id           INTEGER PRIMARY KEY,
            nik_hash     TEXT NOT NULL UNIQUE,     -- HMAC-SHA256 of the NIK, never the NIK
            kk_hash      TEXT NOT NULL,            -- HMAC-SHA256 of the Nomor KK
            nik_masked   TEXT NOT NULL,            -- 1605••••••••0012, for display
            name_masked  TEXT,                     -- initials only, e.g. "S••• A•••"
            district     TEXT NOT NULL,            -- first six NIK digits (region of registration)
            status       TEXT NOT NULL,
            status_date  TEXT NOT NULL,            -- ISO date the record entered its status
            note         TEXT,
            created_at   TEXT NOT NULL,
            updated_at   TEXT NOT NULL
        );
        CREATE INDEX records_status ON records(status, status_date, id);
        CREATE INDEX records_district ON records(district);

        CREATE TABLE status_history (
            id          INTEGER PRIMARY KEY,
            record_id   INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
            status      TEXT NOT NULL,
            entered_on  TEXT NOT NULL,             -- ISO date
            note        TEXT,
            source      TEXT NOT NULL,             -- "import:<file>", "staff", ...
            actor_id    INTEGER,                   -- staff user id when a person made it
            recorded_at TEXT NOT NULL,
            UNIQUE (record_id, status, entered_on)
        );
        CREATE INDEX status_history_record ON status_history(record_id, entered_on);
        CREATE INDEX status_history_status ON status_history(status);

        CREATE TABLE chats (
            chat_id       INTEGER PRIMARY KEY,
            chat_type     TEXT NOT NULL DEFAULT 'private',
            first_seen    TEXT NOT NULL,
            last_seen     TEXT NOT NULL,
            reachable     INTEGER NOT NULL DEFAULT 1,  -- 0 after Telegram said 403
            announcements INTEGER NOT NULL DEFAULT 1   -- 0 when the chat opted out of broadcasts
        );

        CREATE TABLE subscriptions (
            chat_id    INTEGER NOT NULL REFERENCES chats(chat_id) ON DELETE CASCADE,
            record_id  INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
            label      TEXT,
            active     INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, record_id)
        );
        CREATE INDEX subscriptions_record ON subscriptions(record_id);

        CREATE TABLE verify_attempts (
            id        INTEGER PRIMARY KEY,
            chat_id   INTEGER NOT NULL,
            nik_hash  TEXT NOT NULL,
            at        TEXT NOT NULL,
            success   INTEGER NOT NULL
        );
        CREATE INDEX verify_attempts_chat ON verify_attempts(chat_id, at);
        CREATE INDEX verify_attempts_nik ON verify_attempts(nik_hash, at);

        CREATE TABLE staff (
            user_id  INTEGER PRIMARY KEY,
            role     TEXT NOT NULL CHECK (role IN ('admin', 'petugas')),
            added_by INTEGER,
            added_at TEXT NOT NULL
        );

        CREATE TABLE audit_log (
            id        INTEGER PRIMARY KEY,
            at        TEXT NOT NULL,
            actor_id  INTEGER,
            action    TEXT NOT NULL,
            target    TEXT,                        -- masked NIK, user id, setting key ...
            old_value TEXT,
            new_value TEXT,
            detail    TEXT
        );
        CREATE INDEX audit_log_at ON audit_log(at);

        CREATE TABLE broadcasts (
            id          INTEGER PRIMARY KEY,
            created_by  INTEGER NOT NULL,
            text        TEXT NOT NULL,
            audience    TEXT NOT NULL,             -- JSON: {"kind": "all"|"district"|"status", ...}
            created_at  TEXT NOT NULL,
            state       TEXT NOT NULL DEFAULT 'sending',  -- sending, done, cancelled
            recipients  INTEGER NOT NULL DEFAULT 0,
            progress_chat_id    INTEGER,
            progress_message_id INTEGER
        );

        CREATE TABLE outbox (
            id           INTEGER PRIMARY KEY,
            kind         TEXT NOT NULL,            -- 'status' or 'broadcast'
            chat_id      INTEGER NOT NULL,
            text         TEXT NOT NULL,
            dedup_key    TEXT NOT NULL UNIQUE,     -- one event enqueues once
            broadcast_id INTEGER REFERENCES broadcasts(id),
            created_at   TEXT NOT NULL,
            not_before   TEXT NOT NULL,            -- earliest UTC time to send
            state        TEXT NOT NULL DEFAULT 'pending',  -- pending, sent, failed, cancelled
            attempts     INTEGER NOT NULL DEFAULT 0,
            last_error   TEXT,
            sent_at      TEXT
        );
        CREATE INDEX outbox_due ON outbox(state, not_before, id);
        CREATE INDEX outbox_broadcast ON outbox(broadcast_id, state);

        CREATE TABLE settings (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );

        CREATE TABLE imports (
            id          INTEGER PRIMARY KEY,
            source      TEXT NOT NULL,             -- file name only
            started_at  TEXT NOT NULL,
            finished_at TEXT,
            actor_id    INTEGER,
            rows_read   INTEGER NOT NULL DEFAULT 0,
            new         INTEGER NOT NULL DEFAULT 0,
            changed     INTEGER NOT NULL DEFAULT 0,
            unchanged   INTEGER NOT NULL DEFAULT 0,
            rejected    INTEGER NOT NULL DEFAULT 0
        );
        """,
    ),
    (
        20,
        "residents: check locks, pending check steps, verified owners",
        """
        CREATE TABLE verify_locks (
            scope     TEXT NOT NULL,               -- 'chat' or 'nik'
            key       TEXT NOT NULL,               -- the chat id, or the NIK's keyed hash
            locked_at TEXT NOT NULL,
            until     TEXT NOT NULL,
            PRIMARY KEY (scope, key)
        );

        CREATE TABLE resident_pending (
            chat_id    INTEGER PRIMARY KEY,        -- one step in progress per chat
            kind       TEXT NOT NULL,              -- 'kk' (waiting for the Nomor KK) or 'label'
            nik_hash   TEXT,                       -- keyed hash of the NIK being checked
            nik_masked TEXT,
            record_id  INTEGER,                    -- the subscription being labelled
            created_at TEXT NOT NULL
        );

        CREATE TABLE verified_checks (
            chat_id     INTEGER NOT NULL,          -- this chat proved it holds NIK + KK
            record_id   INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
            verified_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, record_id)
        );

        CREATE INDEX verify_attempts_at ON verify_attempts(at);
        """,
    ),
    (
        40,
        "outbox: urgent rows and failure reasons; broadcast timing",
        """
        ALTER TABLE outbox ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0;  -- sent in quiet hours too
        ALTER TABLE outbox ADD COLUMN fail_reason TEXT;  -- blocked, timeout, server_error, ...
        CREATE INDEX outbox_chat ON outbox(chat_id, state);
        ALTER TABLE broadcasts ADD COLUMN send_now INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE broadcasts ADD COLUMN finished_at TEXT;
        """,
    ),
    (
        50,
        "staff: steps in progress (an /ubah to confirm, an /impor awaiting its file, a draft)",
        """
        CREATE TABLE staff_steps (
            chat_id    INTEGER NOT NULL,
            user_id    INTEGER NOT NULL,
            kind       TEXT NOT NULL,              -- 'ubah', 'impor', 'siaran', ...
            payload    TEXT NOT NULL,              -- JSON object; never a raw NIK, KK or name
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, user_id, kind)
        );
        CREATE INDEX staff_steps_expires ON staff_steps(expires_at);
        """,
    ),
    (
        60,
        "residents' conversation: FAQ answers the office changed or added (/faq)",
        """
        CREATE TABLE faq_answers (
            id          INTEGER PRIMARY KEY,
            default_key TEXT UNIQUE,               -- a default answer's key; NULL: an added one
            title       TEXT,                      -- NULL: the default's title
            body        TEXT,                      -- NULL: the default's answer
            hidden      INTEGER NOT NULL DEFAULT 0, -- a default taken off the residents' list
            changed_at  TEXT NOT NULL,
            changed_by  INTEGER                    -- the admin's Telegram id
        );
        """,
    ),
    (
        70,
        "questions to staff: threads, desk posts, resident steps, mutes, holidays",
        """
        CREATE TABLE questions (
            id               INTEGER PRIMARY KEY,  -- the number people use: "Pertanyaan #128"
            chat_id          INTEGER,              -- the resident's private chat; NULL once erased
            state            TEXT NOT NULL DEFAULT 'new',      -- new, taken, closed
            waiting_for      TEXT NOT NULL DEFAULT 'staff',    -- staff or resident
            record_id        INTEGER REFERENCES records(id) ON DELETE SET NULL,  -- proved here
            created_at       TEXT NOT NULL,
            last_activity_at TEXT NOT NULL,
            taken_by         INTEGER,
            taken_name       TEXT,                 -- first name only, as residents see it
            taken_role       TEXT,
            taken_at         TEXT,
            first_answer_at  TEXT,
            first_answer_work_s INTEGER,           -- working seconds from asking to that answer
            reminded_at      TEXT,
            closed_at        TEXT,
            closed_by        INTEGER,
            close_reason     TEXT,                 -- staff, expired, erased, retention
            erased           INTEGER NOT NULL DEFAULT 0,  -- 1: its texts are gone
            desk_dirty       INTEGER NOT NULL DEFAULT 0   -- desk messages still to be edited
        );
        CREATE INDEX questions_chat ON questions(chat_id, state);
        CREATE INDEX questions_state ON questions(state, created_at);

        CREATE TABLE question_messages (
            id          INTEGER PRIMARY KEY,
            question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
            author      TEXT NOT NULL,             -- resident or staff
            staff_id    INTEGER,
            staff_name  TEXT,
            staff_role  TEXT,
            text        TEXT NOT NULL,             -- NIK/KK-like numbers masked
            at          TEXT NOT NULL
        );
        CREATE INDEX question_messages_question ON question_messages(question_id, id);

        CREATE TABLE question_posts (
            outbox_id   INTEGER PRIMARY KEY REFERENCES outbox(id) ON DELETE CASCADE,
            question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
            kind        TEXT NOT NULL,             -- desk, reminder, reply; answer, notice
            message_row INTEGER                    -- the question_messages row it shows
        );
        CREATE INDEX question_posts_question ON question_posts(question_id);

        CREATE TABLE question_steps (
            chat_id     INTEGER PRIMARY KEY,       -- a resident writing a question or a reply
            kind        TEXT NOT NULL,             -- ask or reply
            question_id INTEGER,
            expires_at  TEXT NOT NULL
        );

        CREATE TABLE question_mutes (
            chat_id  INTEGER PRIMARY KEY,
            until    TEXT NOT NULL,
            muted_by INTEGER NOT NULL,
            muted_at TEXT NOT NULL
        );

        CREATE TABLE holidays (
            day  TEXT PRIMARY KEY,                 -- ISO date, in the office's time zone
            name TEXT NOT NULL
        );

        ALTER TABLE outbox ADD COLUMN reply_markup TEXT;   -- an inline keyboard as JSON, or NULL
        ALTER TABLE outbox ADD COLUMN message_id INTEGER;  -- Telegram's id of the sent message
        CREATE INDEX outbox_message ON outbox(chat_id, message_id);
        """,
    ),
    (
        80,
        "jemput bola: visits, who asked to hear of visits in a kecamatan",
        """
        CREATE TABLE visits (
            id           INTEGER PRIMARY KEY,
            visit_date   TEXT NOT NULL,            -- ISO date, in the office's time zone
            start_time   TEXT NOT NULL,            -- HH:MM, office time (WIB)
            end_time     TEXT NOT NULL,
            district     TEXT NOT NULL,            -- six digits, 1605xx (the kecamatan)
            place        TEXT NOT NULL,
            services     TEXT NOT NULL,            -- comma-separated codes: rekam,ambil,kk,akta
            note         TEXT,
            state        TEXT NOT NULL DEFAULT 'planned',  -- planned, cancelled
            revision     INTEGER NOT NULL DEFAULT 1,       -- +1 on every change
            reminded_for TEXT,                     -- the visit_date whose day-before notice went
            source       TEXT NOT NULL,            -- 'staff' or 'import:<file>'
            created_by   INTEGER,
            created_at   TEXT NOT NULL,
            updated_at   TEXT NOT NULL,
            cancelled_at TEXT
        );
        CREATE INDEX visits_date ON visits(state, visit_date);
        CREATE INDEX visits_district ON visits(district, visit_date);

        CREATE TABLE visit_followers (
            chat_id    INTEGER NOT NULL REFERENCES chats(chat_id) ON DELETE CASCADE,
            district   TEXT NOT NULL,              -- six digits, 1605xx
            created_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, district)
        );
        CREATE INDEX visit_followers_district ON visit_followers(district);
        """,
    ),
    (
        90,
        "speed: indexes for the periodic purges and the outbox claim; kept figures",
        """
        CREATE INDEX verified_checks_at ON verified_checks(verified_at);
        CREATE INDEX resident_pending_at ON resident_pending(created_at);
        CREATE INDEX verify_locks_until ON verify_locks(until);
        -- the claim reads pending rows in order, personal news before announcements
        CREATE INDEX outbox_claim ON outbox((kind = 'broadcast'), id) WHERE state = 'pending';
        CREATE INDEX outbox_claim_urgent ON outbox(id) WHERE state = 'pending' AND urgent = 1;
        -- the waiting-time figures as last computed, so the first check after a start has them
        CREATE TABLE insight_figures (
            id       INTEGER PRIMARY KEY CHECK (id = 1),
            version  INTEGER NOT NULL,             -- the largest status_history id they cover
            saved_at TEXT NOT NULL,
            figures  TEXT NOT NULL,                -- JSON: stays and exits per status
            queue    BLOB NOT NULL                 -- the print queue, 8-byte keys in order
        );
        """,
    ),
    (
        110,
        "outbox: lanes (personal news, desk posts, announcements), the sender's term",
        """
        -- 0: a person's own news (card notices, answers, visits), 1: posts at the staff desk,
        -- 2: announcements. The claim serves the lanes in this order, each by its own index,
        -- and skips the chats already on their way, so no chat's backlog holds another back.
        ALTER TABLE outbox ADD COLUMN lane INTEGER NOT NULL DEFAULT 0;
        -- the sender's term under which the row was last claimed (NULL: never, or SQLite)
        ALTER TABLE outbox ADD COLUMN claim_term INTEGER;
        UPDATE outbox SET lane = 2 WHERE kind = 'broadcast';
        UPDATE outbox SET lane = 1 WHERE id IN
            (SELECT outbox_id FROM question_posts WHERE kind IN ('desk', 'reminder', 'reply'));
        CREATE INDEX outbox_lane ON outbox(lane, id, chat_id, not_before) WHERE state = 'pending';
        CREATE INDEX outbox_urgent_lane ON outbox(lane, id, chat_id, not_before)
            WHERE state = 'pending' AND urgent = 1;
        DROP INDEX outbox_claim;
        DROP INDEX outbox_claim_urgent;
        -- one row, written at the first election: the term of the worker elected to send
        -- (bot/services/leader.py); +1 at each election, so rows claimed by a deposed sender
        -- can be told apart
        CREATE TABLE dispatcher_term (
            id         INTEGER PRIMARY KEY CHECK (id = 1),
            term       INTEGER NOT NULL,
            elected_at TEXT
        );
        """,
    ),
    (
        111,
        "outbox: rows are events (a kind of notice and its parameters) for a channel",
        """
        -- what to say: the kind of notice (status_change, announcement, question_desk, ...)
        -- and its parameters (JSON of plain values: ids, codes, dates; never a NIK, KK or
        -- name), rendered for the channel when the row is sent. Rows queued before this
        -- version were rendered for Telegram when queued: kind 'legacy', sent as stored
        -- (`text`, `reply_markup`).
        ALTER TABLE outbox ADD COLUMN notice TEXT NOT NULL DEFAULT 'legacy';
        ALTER TABLE outbox ADD COLUMN params TEXT NOT NULL DEFAULT '{}';
        -- to whom: the channel ('telegram') and the recipient's key on it (`chat_id`)
        ALTER TABLE outbox ADD COLUMN channel TEXT NOT NULL DEFAULT 'telegram';
        """,
    ),
    (
        130,
        "residents: a number sent first is also kept as a KK's keyed hash (KK before NIK)",
        """
        -- keyed hash (the KK key) of the number a step took for a NIK: when the next number is
        -- the NIK whose KK that was, the pair is proved and nothing counts as a failed try
        ALTER TABLE resident_pending ADD COLUMN as_kk_hash TEXT;
        """,
    ),
    (
        131,
        "receipts: the deep-link tokens printed on recording slips (hashes only)",
        """
        CREATE TABLE receipt_tokens (
            id          INTEGER PRIMARY KEY,
            token_hash  TEXT NOT NULL UNIQUE,      -- SHA-256 of the random token, never the token
            record_id   INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
            created_at  TEXT NOT NULL,
            created_by  INTEGER,                   -- staff user id; NULL from the shell
            revoked_at  TEXT                       -- a reprint (or staff) ended it
        );
        CREATE INDEX receipt_tokens_record ON receipt_tokens(record_id);
        """,
    ),
    (
        132,
        "the folder import: each file's bytes imported once (BOT_IMPORT_DIR)",
        """
        CREATE TABLE folder_imports (
            digest       TEXT PRIMARY KEY,         -- SHA-256 of the file's bytes
            name         TEXT NOT NULL,            -- the file's name, NIK-like digits masked
            state        TEXT NOT NULL,            -- 'running' (or stopped mid-way), 'done'
            outcome      TEXT,                     -- 'selesai' or 'ditolak' once done
            owner        TEXT NOT NULL,            -- the worker importing it (a random id)
            heartbeat_at TEXT NOT NULL,            -- the owner's last sign of life
            started_at   TEXT NOT NULL,
            finished_at  TEXT,
            moved_at     TEXT,                     -- the file left the folder (selesai/ditolak)
            import_id    INTEGER                   -- imports.id of the run that finished it
        );
        """,
    ),
    (
        140,
        "whatsapp: message ids already taken, delivery statuses, paged menus",
        """
        -- a resident's message id (wamid) once taken, so a redelivery is handled once
        CREATE TABLE whatsapp_inbound (
            message_id  TEXT PRIMARY KEY,
            received_at TEXT NOT NULL
        );
        CREATE INDEX whatsapp_inbound_at ON whatsapp_inbound(received_at);
        -- what WhatsApp reported of a message the bot sent (the furthest status reached)
        CREATE TABLE whatsapp_statuses (
            message_id  TEXT PRIMARY KEY,          -- the wamid the Cloud API gave when sending
            status      TEXT NOT NULL,             -- sent, delivered, read, failed
            step        INTEGER NOT NULL,          -- 1 sent, 2 delivered, 3 read, 4 failed
            error_code  INTEGER,                   -- Meta's code when failed
            reported_at TEXT NOT NULL,             -- the status's own time (WhatsApp's clock)
            recorded_at TEXT NOT NULL
        );
        CREATE INDEX whatsapp_statuses_at ON whatsapp_statuses(recorded_at);
        -- a menu longer than one list, kept so that its "next page" row can be answered
        CREATE TABLE whatsapp_menus (
            menu_key TEXT PRIMARY KEY,             -- a hash of the menu's content
            menu     TEXT NOT NULL,                -- JSON: the text and the choices
            saved_at TEXT NOT NULL
        );
        CREATE INDEX whatsapp_menus_at ON whatsapp_menus(saved_at);
        """,
    ),
    (
        150,
        "hardening: question limits that outlast /hapusdata; audit rows without the chat",
        """
        -- what a chat wrote to the desk today, kept when it erases its data, until the day ends
        CREATE TABLE question_tallies (
            chat_id        INTEGER NOT NULL,
            day            TEXT NOT NULL,        -- the office's local date, YYYY-MM-DD
            messages       INTEGER NOT NULL,     -- questions and replies written that day
            open_questions INTEGER NOT NULL,     -- questions still open when erased
            PRIMARY KEY (chat_id, day)
        );
        """,
    ),
    (
        160,
        "contacts: a resident is a contact, a channel and that channel's id (chats holds them)",
        """
        -- `chats` is the table of contacts: one row per person the bot talks with, on any
        -- channel. `chat_id` is the contact's id, which every resident table refers to
        -- (subscriptions, steps, proofs, attempts, questions, jemput bola followers, the
        -- outbox). A Telegram chat keeps its own chat id as its contact id; a contact on
        -- another channel gets an id below -2^53, where no Telegram id lies.
        ALTER TABLE chats ADD COLUMN channel TEXT NOT NULL DEFAULT 'telegram';
        -- the address to reply to on that channel: a Telegram chat id, a WhatsApp wa_id
        ALTER TABLE chats ADD COLUMN address TEXT;
        -- residents who proved a card or wrote a question before their chat was noted
        INSERT INTO chats (chat_id, chat_type, first_seen, last_seen)
            SELECT v.chat_id, 'private', MIN(v.verified_at), MAX(v.verified_at)
            FROM verified_checks v WHERE NOT EXISTS
                (SELECT 1 FROM chats c WHERE c.chat_id = v.chat_id)
            GROUP BY v.chat_id;
        INSERT INTO chats (chat_id, chat_type, first_seen, last_seen)
            SELECT q.chat_id, 'private', MIN(q.created_at), MAX(q.created_at)
            FROM questions q WHERE q.chat_id IS NOT NULL AND NOT EXISTS
                (SELECT 1 FROM chats c WHERE c.chat_id = q.chat_id)
            GROUP BY q.chat_id;
        UPDATE chats SET address = CAST(chat_id AS TEXT) WHERE address IS NULL;
        CREATE UNIQUE INDEX chats_address ON chats(channel, address);
        -- the time of the contact's latest message, by the channel's own clock (WhatsApp's
        -- 24-hour window is counted from it); NULL on Telegram, which has no such window
        ALTER TABLE chats ADD COLUMN last_inbound_at TEXT;
        """,
    ),
    (
        170,
        "outbox: each channel claims its own rows; a WhatsApp message's id joins its statuses",
        """
        -- Telegram's dispatcher and WhatsApp's sender claim apart (one channel's outage does
        -- not hold the other back): the claim's indexes lead with the channel.
        CREATE INDEX outbox_channel_lane ON outbox(channel, lane, id, chat_id, not_before)
            WHERE state = 'pending';
        CREATE INDEX outbox_channel_urgent_lane ON outbox(channel, lane, id, chat_id, not_before)
            WHERE state = 'pending' AND urgent = 1;
        DROP INDEX outbox_lane;
        DROP INDEX outbox_urgent_lane;
        -- the id WhatsApp gave the (first) message of a row (wamid), so the statuses its
        -- webhook reports (sent, delivered, read, failed) are joined to the row
        ALTER TABLE outbox ADD COLUMN wamid TEXT;
        CREATE INDEX outbox_wamid ON outbox(wamid) WHERE wamid IS NOT NULL;
        -- a notice kept for the resident's next message (window closed, no template): since
        -- when; a message the resident writes after it makes the notice due again
        ALTER TABLE outbox ADD COLUMN waiting_since TEXT;
        """,
    ),
    (
        180,
        "what a chat was last shown and asked (follow-up questions, 'ya'/'tidak')",
        """
        CREATE TABLE conversation_context (
            chat_id      INTEGER PRIMARY KEY,
            record_id    INTEGER,      -- the card whose status was shown last
            shown_at     TEXT,
            asked        TEXT,         -- what the bot asked last: 'maksud', 'kirim', 'hapus'
            asked_detail TEXT,         -- the intents offered, or the message (numbers masked)
            asked_at     TEXT
        );
        CREATE INDEX conversation_context_shown ON conversation_context(shown_at);
        """,
    ),
]
