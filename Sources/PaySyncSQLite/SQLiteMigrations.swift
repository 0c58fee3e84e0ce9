import Foundation
import GRDB

/// The SQLite schema, as numbered migrations. A migration, once released, never changes: a new
/// schema change is a new migration appended here.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-orders-events-audit-review") { db in
            try db.execute(
                sql: """
                    CREATE TABLE orders (
                      id TEXT PRIMARY KEY NOT NULL,
                      account TEXT NOT NULL,
                      merchant_order_number TEXT NOT NULL,
                      provider TEXT NOT NULL,
                      amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
                      currency TEXT NOT NULL,
                      subject TEXT NOT NULL,
                      status TEXT NOT NULL,
                      attempt INTEGER NOT NULL,
                      version INTEGER NOT NULL,
                      gateway_order_number TEXT,
                      created_at INTEGER NOT NULL,
                      updated_at INTEGER NOT NULL,
                      UNIQUE (account, merchant_order_number)
                    );
                    CREATE INDEX orders_by_created ON orders (created_at DESC, id DESC);
                    CREATE INDEX orders_by_status ON orders (status, created_at DESC, id DESC);

                    CREATE TABLE order_events (
                      seq INTEGER PRIMARY KEY AUTOINCREMENT,
                      order_id TEXT NOT NULL REFERENCES orders(id),
                      kind TEXT NOT NULL,
                      source TEXT NOT NULL,
                      from_status TEXT,
                      to_status TEXT NOT NULL,
                      outcome TEXT NOT NULL,
                      attempt INTEGER NOT NULL,
                      summary TEXT NOT NULL,
                      provider_status TEXT,
                      evidence_amount_minor INTEGER,
                      evidence_currency TEXT,
                      reference TEXT,
                      at INTEGER NOT NULL
                    );
                    CREATE INDEX order_events_by_order ON order_events (order_id, seq);

                    CREATE TABLE audit_log (
                      seq INTEGER PRIMARY KEY AUTOINCREMENT,
                      order_id TEXT,
                      kind TEXT NOT NULL,
                      summary TEXT NOT NULL,
                      detail TEXT,
                      latency_ms INTEGER,
                      error TEXT,
                      at INTEGER NOT NULL
                    );
                    CREATE INDEX audit_log_by_order ON audit_log (order_id, seq);

                    CREATE TABLE review_items (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      order_id TEXT NOT NULL REFERENCES orders(id),
                      reason TEXT NOT NULL,
                      detail TEXT NOT NULL,
                      opened_at INTEGER NOT NULL,
                      status TEXT NOT NULL,
                      resolved_at INTEGER,
                      resolved_by TEXT,
                      note TEXT
                    );
                    CREATE INDEX review_items_by_status ON review_items (status, id);

                    -- The event and audit logs are append-only.
                    CREATE TRIGGER order_events_append_only_update BEFORE UPDATE ON order_events
                      BEGIN SELECT RAISE(ABORT, 'order_events is append-only'); END;
                    CREATE TRIGGER order_events_append_only_delete BEFORE DELETE ON order_events
                      BEGIN SELECT RAISE(ABORT, 'order_events is append-only'); END;
                    CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
                      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                    CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
                      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                    """
            )
        }
        migrator.registerMigration("v2-order-checkout") { db in
            try db.execute(sql: "ALTER TABLE orders ADD COLUMN checkout_url TEXT; ALTER TABLE orders ADD COLUMN checkout_qr TEXT;")
        }
        migrator.registerMigration("v3-inbox") { db in
            try db.execute(
                sql: """
                    CREATE TABLE inbox (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      provider TEXT NOT NULL,
                      account TEXT NOT NULL,
                      received_at INTEGER NOT NULL,
                      remote_address TEXT,
                      headers TEXT NOT NULL,
                      body BLOB NOT NULL,
                      verdict TEXT NOT NULL,
                      reason TEXT,
                      detail TEXT,
                      dedup_key TEXT,
                      merchant_order_number TEXT,
                      order_id TEXT,
                      duplicate_of INTEGER
                    );
                    -- The dedup horizon is the table: a redelivery years later is still recognised.
                    CREATE UNIQUE INDEX inbox_dedup ON inbox (provider, dedup_key) WHERE dedup_key IS NOT NULL;
                    CREATE INDEX inbox_parked ON inbox (provider, account, merchant_order_number) WHERE verdict = 'parked';
                    CREATE INDEX inbox_unjudged ON inbox (id) WHERE verdict = 'received';
                    -- The raw request is never altered or removed: only its verdict is written.
                    CREATE TRIGGER inbox_raw_is_immutable BEFORE UPDATE OF provider, account, received_at, remote_address, headers, body ON inbox
                      BEGIN SELECT RAISE(ABORT, 'inbox raw requests are immutable'); END;
                    CREATE TRIGGER inbox_append_only_delete BEFORE DELETE ON inbox
                      BEGIN SELECT RAISE(ABORT, 'inbox is append-only'); END;
                    """)
        }
        migrator.registerMigration("v4-order-checks") { db in
            try db.execute(
                sql: """
                    ALTER TABLE orders ADD COLUMN next_check_at INTEGER;
                    ALTER TABLE orders ADD COLUMN check_rung INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE orders ADD COLUMN check_anchor INTEGER;
                    ALTER TABLE orders ADD COLUMN check_failures INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE orders ADD COLUMN lease_owner TEXT;
                    ALTER TABLE orders ADD COLUMN lease_until INTEGER;
                    -- Checks are rows: only orders with a check are in this index.
                    CREATE INDEX orders_due_checks ON orders (next_check_at) WHERE next_check_at IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v5-refunds") { db in
            try db.execute(
                sql: """
                    CREATE TABLE refunds (
                      id TEXT PRIMARY KEY NOT NULL,
                      order_id TEXT NOT NULL REFERENCES orders(id),
                      account TEXT NOT NULL,
                      provider TEXT NOT NULL,
                      refund_number TEXT NOT NULL,
                      amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
                      currency TEXT NOT NULL,
                      reason TEXT NOT NULL,
                      status TEXT NOT NULL,
                      gateway_refund_number TEXT,
                      next_check_at INTEGER,
                      failures INTEGER NOT NULL DEFAULT 0,
                      created_at INTEGER NOT NULL,
                      updated_at INTEGER NOT NULL,
                      UNIQUE (account, refund_number)
                    );
                    CREATE INDEX refunds_by_order ON refunds (order_id);
                    CREATE INDEX refunds_due ON refunds (next_check_at) WHERE next_check_at IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v6-payouts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE payouts (
                      id TEXT PRIMARY KEY NOT NULL,
                      account TEXT NOT NULL,
                      provider TEXT NOT NULL,
                      payout_number TEXT NOT NULL,
                      amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
                      currency TEXT NOT NULL,
                      beneficiary_account_number TEXT NOT NULL,
                      beneficiary_account_name TEXT NOT NULL,
                      beneficiary_bank_code TEXT NOT NULL,
                      beneficiary_bank TEXT NOT NULL,
                      beneficiary_phone TEXT NOT NULL,
                      channel TEXT NOT NULL,
                      status TEXT NOT NULL,
                      gateway_payout_number TEXT,
                      next_check_at INTEGER,
                      failures INTEGER NOT NULL DEFAULT 0,
                      created_at INTEGER NOT NULL,
                      updated_at INTEGER NOT NULL,
                      UNIQUE (account, payout_number)
                    );
                    CREATE INDEX payouts_due ON payouts (next_check_at) WHERE next_check_at IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v7-append-only-keys-without-autoincrement") { db in
            // The writer numbers inbox, event and audit rows itself (`WriteCounters`), and none of
            // these rows is ever deleted, so `max + 1` never reuses a number. AUTOINCREMENT only
            // added a read and a write of `sqlite_sequence` to every insert: three per callback.
            // Each table is rebuilt from its own stored definition minus AUTOINCREMENT (SQLite's
            // way to change what ALTER TABLE cannot): copy, drop, rename, then its indexes and
            // triggers as they were.
            for table in ["order_events", "audit_log", "inbox"] {
                let definition = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [table]) ?? ""
                let dependents = try String.fetchAll(
                    db, sql: "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY rowid",
                    arguments: [table])
                let head = "CREATE TABLE \(table) ("
                guard definition.hasPrefix(head), definition.components(separatedBy: " PRIMARY KEY AUTOINCREMENT,").count == 2 else {
                    throw DatabaseError(message: "v7: unexpected definition of \(table): \(definition)")
                }
                let rebuilt = "CREATE TABLE \(table)_v7 (" + definition.dropFirst(head.count).replacingOccurrences(of: " PRIMARY KEY AUTOINCREMENT,", with: " PRIMARY KEY,")
                try db.execute(sql: rebuilt)
                try db.execute(sql: "INSERT INTO \(table)_v7 SELECT * FROM \(table)")
                try db.execute(sql: "DROP TABLE \(table)")
                try db.execute(sql: "ALTER TABLE \(table)_v7 RENAME TO \(table)")
                for statement in dependents { try db.execute(sql: statement) }
            }
        }
        migrator.registerMigration("v8-status-index-of-open-orders") { db in
            // An order's status changes on every callback that settles it. An index entry for every
            // status meant two index changes per settled order (leaving `pending`, joining `paid`),
            // each on its own page of the index for a commit's worth of callbacks. Only open orders
            // are indexed by status now: settling one removes its entry, and a listing of a settled
            // status — most orders, in a shop that runs — reads `orders_by_created` newest first,
            // skipping the other statuses (see `SQLiteStore.listing`). A listing by account gets
            // an index in its own order too: through `(account, merchant_order_number)` it read and
            // sorted every order of the account. Neither column ever changes, so callbacks never
            // touch this one.
            try db.execute(
                sql: """
                    DROP INDEX orders_by_status;
                    CREATE INDEX orders_open_by_status ON orders (status, created_at DESC, id DESC) WHERE status IN ('created', 'pending', 'closing');
                    CREATE INDEX orders_by_account ON orders (account, created_at DESC, id DESC);
                    """)
        }
        migrator.registerMigration("v9-audit-operation-outcome") { db in
            // What an audit row did and how it ended, as columns: readers (tests, the console) stop
            // splitting the summary's prose.
            try db.execute(
                sql: """
                    ALTER TABLE audit_log ADD COLUMN operation TEXT;
                    ALTER TABLE audit_log ADD COLUMN outcome TEXT;
                    """)
        }
        migrator.registerMigration("v10-outbound-events") { db in
            // The transactional outbox (docs/events.md): events are written by the transaction of
            // the change they report, numbered per account in commit order (SQLite has one writer,
            // so `max + 1` is commit order). A delivery is one event to one endpoint; it is leased
            // by pushing `next_attempt_at` ahead (as refunds are), and every attempt is kept apart.
            try db.execute(
                sql: """
                    CREATE TABLE endpoints (
                      id TEXT PRIMARY KEY,
                      account TEXT NOT NULL,
                      url TEXT NOT NULL,
                      event_types TEXT NOT NULL,
                      state TEXT NOT NULL,
                      disabled_reason TEXT,
                      description TEXT NOT NULL,
                      secrets TEXT NOT NULL,
                      failing_since INTEGER,
                      created_at INTEGER NOT NULL,
                      updated_at INTEGER NOT NULL
                    );
                    CREATE INDEX endpoints_by_account ON endpoints (account, created_at, id);
                    CREATE TABLE outbox (
                      id TEXT PRIMARY KEY,
                      account TEXT NOT NULL,
                      position INTEGER NOT NULL,
                      type TEXT NOT NULL,
                      order_id TEXT,
                      occurred_at INTEGER NOT NULL,
                      payload TEXT NOT NULL,
                      UNIQUE (account, position)
                    );
                    CREATE INDEX outbox_by_order ON outbox (order_id, position) WHERE order_id IS NOT NULL;
                    CREATE INDEX outbox_by_time ON outbox (account, occurred_at);
                    CREATE TABLE deliveries (
                      id INTEGER PRIMARY KEY,
                      event_id TEXT NOT NULL REFERENCES outbox (id),
                      endpoint_id TEXT NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
                      status TEXT NOT NULL,
                      attempts INTEGER NOT NULL DEFAULT 0,
                      retry_from INTEGER NOT NULL DEFAULT 0,
                      next_attempt_at INTEGER,
                      UNIQUE (event_id, endpoint_id)
                    );
                    CREATE INDEX deliveries_due ON deliveries (endpoint_id, next_attempt_at, id) WHERE status = 'pending';
                    CREATE INDEX deliveries_by_endpoint ON deliveries (endpoint_id, status);
                    CREATE TABLE delivery_attempts (
                      id INTEGER PRIMARY KEY,
                      delivery_id INTEGER NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
                      event_id TEXT NOT NULL,
                      endpoint_id TEXT NOT NULL,
                      number INTEGER NOT NULL,
                      at INTEGER NOT NULL,
                      status_code INTEGER,
                      error TEXT,
                      latency_ms INTEGER NOT NULL,
                      response TEXT NOT NULL
                    );
                    CREATE INDEX delivery_attempts_by_event ON delivery_attempts (event_id, id);
                    CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts (delivery_id);
                    """)
        }
        migrator.registerMigration("v11-inbox-by-number") { db in
            // An order's timeline lists every callback that named it (refused ones by the number
            // they claimed, duplicates by their record's), found by account and number.
            try db.execute(sql: "CREATE INDEX inbox_by_number ON inbox (account, merchant_order_number) WHERE merchant_order_number IS NOT NULL")
        }
        migrator.registerMigration("v12-console-operators-sessions-number-search") { db in
            // The console's people (bcrypt hashes) and their sessions, keyed by a hash of the cookie;
            // its search of orders by either number, in every account.
            try db.execute(sql: """
                CREATE TABLE operators (
                  name TEXT PRIMARY KEY NOT NULL,
                  role TEXT NOT NULL,
                  password_hash TEXT NOT NULL,
                  created_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE console_sessions (
                  key TEXT PRIMARY KEY NOT NULL,
                  data BLOB NOT NULL,
                  expires_at INTEGER
                ) WITHOUT ROWID;
                CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at) WHERE expires_at IS NOT NULL;
                CREATE INDEX orders_by_merchant_number ON orders (merchant_order_number);
                CREATE INDEX orders_by_gateway_number ON orders (gateway_order_number) WHERE gateway_order_number IS NOT NULL;
                """)
        }
        migrator.registerMigration("v13-summary-counts") { db in
            // The console's front page and the metrics count refused callbacks of a period and
            // failed deliveries from these, not from the whole inbox or every delivery.
            try db.execute(sql: """
                CREATE INDEX inbox_rejected_by_time ON inbox (received_at) WHERE verdict = 'rejected';
                CREATE INDEX deliveries_failed ON deliveries (id) WHERE status = 'failed';
                """)
        }
        return migrator
    }
}
