/// The PostgreSQL schema, as numbered migrations. A migration, once released, never changes: a
/// new schema change is a new migration appended here. The same tables as the SQLite driver, in
/// PostgreSQL's types: BIGINT for integers and milliseconds, BYTEA for raw callback bodies.
enum PostgresMigrations {
    struct Migration {
        let version: Int64
        let name: String
        /// Run one by one, in one transaction with the version row.
        let statements: [String]
    }

    static let all: [Migration] = [
        Migration(
            version: 1, name: "orders-events-audit-review-inbox-checks-refunds",
            statements: [
                // Events and audit rows share one sequence, so a timeline interleaves them in the
                // order they were written.
                "CREATE SEQUENCE paysync_log_seq",
                """
                CREATE TABLE orders (
                  id TEXT PRIMARY KEY,
                  account TEXT NOT NULL,
                  merchant_order_number TEXT NOT NULL,
                  provider TEXT NOT NULL,
                  amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
                  currency TEXT NOT NULL,
                  subject TEXT NOT NULL,
                  status TEXT NOT NULL,
                  attempt BIGINT NOT NULL,
                  version BIGINT NOT NULL,
                  gateway_order_number TEXT,
                  created_at BIGINT NOT NULL,
                  updated_at BIGINT NOT NULL,
                  checkout_url TEXT,
                  checkout_qr TEXT,
                  next_check_at BIGINT,
                  check_rung BIGINT NOT NULL DEFAULT 0,
                  check_anchor BIGINT,
                  check_failures BIGINT NOT NULL DEFAULT 0,
                  lease_owner TEXT,
                  lease_until BIGINT,
                  UNIQUE (account, merchant_order_number)
                )
                """,
                "CREATE INDEX orders_by_created ON orders (created_at DESC, id DESC)",
                "CREATE INDEX orders_by_status ON orders (status, created_at DESC, id DESC)",
                // Checks are rows: only orders with a check are in this index.
                "CREATE INDEX orders_due_checks ON orders (next_check_at) WHERE next_check_at IS NOT NULL",
                """
                CREATE TABLE order_events (
                  seq BIGINT PRIMARY KEY DEFAULT nextval('paysync_log_seq'),
                  order_id TEXT NOT NULL REFERENCES orders(id),
                  kind TEXT NOT NULL,
                  source TEXT NOT NULL,
                  from_status TEXT,
                  to_status TEXT NOT NULL,
                  outcome TEXT NOT NULL,
                  attempt BIGINT NOT NULL,
                  summary TEXT NOT NULL,
                  provider_status TEXT,
                  evidence_amount_minor BIGINT,
                  evidence_currency TEXT,
                  reference TEXT,
                  at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX order_events_by_order ON order_events (order_id, seq)",
                """
                CREATE TABLE audit_log (
                  seq BIGINT PRIMARY KEY DEFAULT nextval('paysync_log_seq'),
                  order_id TEXT,
                  kind TEXT NOT NULL,
                  summary TEXT NOT NULL,
                  detail TEXT,
                  latency_ms BIGINT,
                  error TEXT,
                  at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX audit_log_by_order ON audit_log (order_id, seq)",
                """
                CREATE TABLE review_items (
                  id BIGSERIAL PRIMARY KEY,
                  order_id TEXT NOT NULL REFERENCES orders(id),
                  reason TEXT NOT NULL,
                  detail TEXT NOT NULL,
                  opened_at BIGINT NOT NULL,
                  status TEXT NOT NULL,
                  resolved_at BIGINT,
                  resolved_by TEXT,
                  note TEXT
                )
                """,
                "CREATE INDEX review_items_by_status ON review_items (status, id)",
                """
                CREATE TABLE inbox (
                  id BIGSERIAL PRIMARY KEY,
                  provider TEXT NOT NULL,
                  account TEXT NOT NULL,
                  received_at BIGINT NOT NULL,
                  remote_address TEXT,
                  headers TEXT NOT NULL,
                  body BYTEA NOT NULL,
                  verdict TEXT NOT NULL,
                  reason TEXT,
                  detail TEXT,
                  dedup_key TEXT,
                  merchant_order_number TEXT,
                  order_id TEXT,
                  duplicate_of BIGINT
                )
                """,
                // The dedup horizon is the table: a redelivery years later is still recognised.
                "CREATE UNIQUE INDEX inbox_dedup ON inbox (provider, dedup_key) WHERE dedup_key IS NOT NULL",
                "CREATE INDEX inbox_parked ON inbox (provider, account, merchant_order_number) WHERE verdict = 'parked'",
                "CREATE INDEX inbox_unjudged ON inbox (id) WHERE verdict = 'received'",
                """
                CREATE TABLE refunds (
                  id TEXT PRIMARY KEY,
                  order_id TEXT NOT NULL REFERENCES orders(id),
                  account TEXT NOT NULL,
                  provider TEXT NOT NULL,
                  refund_number TEXT NOT NULL,
                  amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
                  currency TEXT NOT NULL,
                  reason TEXT NOT NULL,
                  status TEXT NOT NULL,
                  gateway_refund_number TEXT,
                  next_check_at BIGINT,
                  failures BIGINT NOT NULL DEFAULT 0,
                  created_at BIGINT NOT NULL,
                  updated_at BIGINT NOT NULL,
                  UNIQUE (account, refund_number)
                )
                """,
                "CREATE INDEX refunds_by_order ON refunds (order_id)",
                "CREATE INDEX refunds_due ON refunds (next_check_at) WHERE next_check_at IS NOT NULL",
                // The event and audit logs are append-only; the inbox's raw requests are immutable.
                """
                CREATE FUNCTION paysync_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$
                """,
                "CREATE TRIGGER order_events_append_only BEFORE UPDATE OR DELETE ON order_events FOR EACH ROW EXECUTE FUNCTION paysync_append_only()",
                "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION paysync_append_only()",
                "CREATE TRIGGER inbox_append_only_delete BEFORE DELETE ON inbox FOR EACH ROW EXECUTE FUNCTION paysync_append_only()",
                """
                CREATE FUNCTION paysync_inbox_raw_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF (NEW.provider, NEW.account, NEW.received_at, NEW.remote_address, NEW.headers, NEW.body)
                     IS DISTINCT FROM (OLD.provider, OLD.account, OLD.received_at, OLD.remote_address, OLD.headers, OLD.body) THEN
                    RAISE EXCEPTION 'inbox raw requests are immutable';
                  END IF;
                  RETURN NEW;
                END $$
                """,
                "CREATE TRIGGER inbox_raw_is_immutable BEFORE UPDATE ON inbox FOR EACH ROW EXECUTE FUNCTION paysync_inbox_raw_immutable()",
            ]),
        Migration(
            version: 2, name: "payouts",
            statements: [
                """
                CREATE TABLE payouts (
                  id TEXT PRIMARY KEY,
                  account TEXT NOT NULL,
                  provider TEXT NOT NULL,
                  payout_number TEXT NOT NULL,
                  amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
                  currency TEXT NOT NULL,
                  beneficiary_account_number TEXT NOT NULL,
                  beneficiary_account_name TEXT NOT NULL,
                  beneficiary_bank_code TEXT NOT NULL,
                  beneficiary_bank TEXT NOT NULL,
                  beneficiary_phone TEXT NOT NULL,
                  channel TEXT NOT NULL,
                  status TEXT NOT NULL,
                  gateway_payout_number TEXT,
                  next_check_at BIGINT,
                  failures BIGINT NOT NULL DEFAULT 0,
                  created_at BIGINT NOT NULL,
                  updated_at BIGINT NOT NULL,
                  UNIQUE (account, payout_number)
                )
                """,
                "CREATE INDEX payouts_due ON payouts (next_check_at) WHERE next_check_at IS NOT NULL",
            ]),
        // What an audit row did and how it ended, as columns: readers stop splitting the summary.
        Migration(
            version: 3, name: "audit-operation-outcome",
            statements: ["ALTER TABLE audit_log ADD COLUMN operation TEXT", "ALTER TABLE audit_log ADD COLUMN outcome TEXT"]),
        // The transactional outbox (docs/events.md). Positions are numbered per account from
        // `event_positions`, whose row the writing transaction holds until it commits: events of
        // one account get positions in commit order, so a reader paging by position never skips
        // one that commits late. Deliveries are leased by pushing `next_attempt_at` ahead under
        // `FOR UPDATE SKIP LOCKED`.
        Migration(
            version: 4, name: "outbound-events",
            statements: [
                """
                CREATE TABLE endpoints (
                  id TEXT PRIMARY KEY,
                  account TEXT NOT NULL,
                  url TEXT NOT NULL,
                  event_types TEXT NOT NULL,
                  state TEXT NOT NULL,
                  disabled_reason TEXT,
                  description TEXT NOT NULL,
                  secrets TEXT NOT NULL,
                  failing_since BIGINT,
                  created_at BIGINT NOT NULL,
                  updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX endpoints_by_account ON endpoints (account, created_at, id)",
                "CREATE TABLE event_positions (account TEXT PRIMARY KEY, last BIGINT NOT NULL)",
                """
                CREATE TABLE outbox (
                  id TEXT PRIMARY KEY,
                  account TEXT NOT NULL,
                  position BIGINT NOT NULL,
                  type TEXT NOT NULL,
                  order_id TEXT,
                  occurred_at BIGINT NOT NULL,
                  payload TEXT NOT NULL,
                  UNIQUE (account, position)
                )
                """,
                "CREATE INDEX outbox_by_order ON outbox (order_id, position) WHERE order_id IS NOT NULL",
                "CREATE INDEX outbox_by_time ON outbox (account, occurred_at)",
                """
                CREATE TABLE deliveries (
                  id BIGSERIAL PRIMARY KEY,
                  event_id TEXT NOT NULL REFERENCES outbox (id),
                  endpoint_id TEXT NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
                  status TEXT NOT NULL,
                  attempts BIGINT NOT NULL DEFAULT 0,
                  retry_from BIGINT NOT NULL DEFAULT 0,
                  next_attempt_at BIGINT,
                  UNIQUE (event_id, endpoint_id)
                )
                """,
                "CREATE INDEX deliveries_due ON deliveries (endpoint_id, next_attempt_at, id) WHERE status = 'pending'",
                "CREATE INDEX deliveries_by_endpoint ON deliveries (endpoint_id, status)",
                """
                CREATE TABLE delivery_attempts (
                  id BIGSERIAL PRIMARY KEY,
                  delivery_id BIGINT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
                  event_id TEXT NOT NULL,
                  endpoint_id TEXT NOT NULL,
                  number BIGINT NOT NULL,
                  at BIGINT NOT NULL,
                  status_code BIGINT,
                  error TEXT,
                  latency_ms BIGINT NOT NULL,
                  response TEXT NOT NULL
                )
                """,
                "CREATE INDEX delivery_attempts_by_event ON delivery_attempts (event_id, id)",
                "CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts (delivery_id)",
            ]),
        // An order's timeline lists every callback that named it (refused ones by the number they
        // claimed, duplicates by their record's), found by account and number.
        Migration(
            version: 5, name: "inbox-by-number",
            statements: ["CREATE INDEX inbox_by_number ON inbox (account, merchant_order_number) WHERE merchant_order_number IS NOT NULL"]),
        // The console's people (bcrypt hashes) and their sessions, keyed by a hash of the cookie;
        // its search of orders by either number, in every account.
        Migration(
            version: 6, name: "console-operators-sessions-number-search",
            statements: [
                """
                CREATE TABLE operators (
                  name TEXT PRIMARY KEY,
                  role TEXT NOT NULL,
                  password_hash TEXT NOT NULL,
                  created_at BIGINT NOT NULL
                )
                """,
                "CREATE TABLE console_sessions (key TEXT PRIMARY KEY, data BYTEA NOT NULL, expires_at BIGINT)",
                "CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at) WHERE expires_at IS NOT NULL",
                "CREATE INDEX orders_by_merchant_number ON orders (merchant_order_number)",
                "CREATE INDEX orders_by_gateway_number ON orders (gateway_order_number) WHERE gateway_order_number IS NOT NULL",
            ]),
        // The console's front page and the metrics count refused callbacks of a period and failed
        // deliveries from these, not from the whole inbox or every delivery.
        Migration(
            version: 7, name: "summary-counts",
            statements: [
                "CREATE INDEX inbox_rejected_by_time ON inbox (received_at) WHERE verdict = 'rejected'",
                "CREATE INDEX deliveries_failed ON deliveries (id) WHERE status = 'failed'",
            ]),
    ]
}
