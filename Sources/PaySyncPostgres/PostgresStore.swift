import Foundation
import Logging
import NIOCore
import PaySyncCore
import PaySyncStore
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The store for several PaySync instances on one PostgreSQL database, through postgres-nio's
/// pooled `PostgresClient`.
///
/// Every method is one transaction on one pooled connection (READ COMMITTED). Per-order
/// serialization is the order row's lock (`SELECT … FOR UPDATE`) held until commit; due checks are
/// claimed with `FOR UPDATE SKIP LOCKED` and leased, so instances never work the same check and a
/// crashed instance's checks return when its lease ends; callback dedup is a unique index, and two
/// instances resolving the same event serialize on a transaction-scoped advisory lock of its key.
public final class PostgresStore: PaySyncStore, Service {
    let client: PostgresClient
    let currencies: CurrencyRegistry
    let logger: Logger
    let schema: String?
    let startupTimeout: Duration
    let host: String
    /// Opens once `run` has reached the server and migrated the schema; every operation waits for it.
    private let readiness = Readiness()
    /// `run` in a task of `connect`'s own, for callers without a `ServiceGroup`.
    private let runner = Mutex<Task<Void, any Error>?>(nil)

    /// A store for `url` (`postgres://user[:password]@host[:port]/database[?schema=name]`). No I/O:
    /// the pool starts, and the schema is migrated, when `run` runs (as a `Service` of the server's
    /// group); operations wait until then.
    /// - Parameter schema: a schema to create and work in instead of `public` (one database can hold
    ///   several deployments; tests use one per store). Default: the URL's `schema` parameter.
    public init(
        url: String, schema: String? = nil, currencies: CurrencyRegistry = .standard, maximumConnections: Int = 20,
        startupTimeout: Duration = .seconds(30), logger: Logger = PostgresStore.defaultLogger
    ) throws {
        var configuration = try Self.configuration(url: url)
        configuration.options.maximumConnections = maximumConnections
        let schema = schema ?? URLComponents(string: url)?.queryItems?.first { $0.name == "schema" }?.value
        if let schema {
            guard !schema.isEmpty, schema.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                throw StoreError(.unavailable, "schema name \(schema) must be letters, digits and _")
            }
            configuration.options.additionalStartupParameters = [("search_path", schema)]
        }
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.currencies = currencies
        self.logger = logger
        self.schema = schema
        self.startupTimeout = startupTimeout
        host = configuration.host ?? url
    }

    /// Runs the connection pool until graceful shutdown (or cancellation): first reaches the server
    /// and migrates the schema — several instances starting at once migrate one at a time — then
    /// lets operations through. Throws when the server cannot be reached within `startupTimeout`
    /// or the migration fails; operations waiting then fail with the same error.
    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.client.run() }
            do {
                try await reachServer()
                try await migrate()
            } catch where Task.isCancelled {
                // Shut down while starting: not a failure of the database.
                readiness.fail(CancellationError())
                group.cancelAll()
                throw CancellationError()
            } catch {
                // postgres-nio keeps server details out of `description`; an operator needs them.
                let failure = StoreError(.unavailable, "PostgreSQL at \(host): \(String(reflecting: error))")
                readiness.fail(failure)
                group.cancelAll()
                throw failure
            }
            readiness.open()
            try await group.waitForAll()
        }
    }

    /// Returns once `run` has reached the server and migrated the schema; throws its failure.
    public func ready() async throws {
        try await readiness.wait()
    }

    /// A store whose pool runs in a task of its own until `close()`, migrated and ready: for tools
    /// and tests that run no `ServiceGroup` (the server runs the store as a `Service` instead).
    public static func connect(
        url: String, schema: String? = nil, currencies: CurrencyRegistry = .standard, maximumConnections: Int = 20,
        startupTimeout: Duration = .seconds(30), logger: Logger = PostgresStore.defaultLogger
    ) async throws -> PostgresStore {
        let store = try PostgresStore(
            url: url, schema: schema, currencies: currencies, maximumConnections: maximumConnections, startupTimeout: startupTimeout, logger: logger)
        store.runner.withLock { $0 = Task { try await store.run() } }
        do {
            try await store.readiness.wait()
        } catch {
            try await store.close()
            throw error
        }
        return store
    }

    /// Errors only: postgres-nio's per-query logs are noise at PaySync's level.
    public static var defaultLogger: Logger {
        var logger = Logger(label: "paysync.postgres")
        logger.logLevel = .error
        return logger
    }

    /// postgres-nio keeps retrying a server it cannot reach; a starting instance gives up. The
    /// limit is on reaching the server only: waiting for another instance's migration is progress.
    private func reachServer() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.client.query("SELECT 1", logger: self.logger) }
            group.addTask {
                try await Task.sleep(for: self.startupTimeout)
                throw StoreError(.unavailable, "no connection within \(self.startupTimeout)")
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// The client configuration a `postgres://` URL names (TLS off: loopback and private networks;
    /// put a TLS-terminating proxy in front otherwise — see docs/configuration.md).
    static func configuration(url: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), components.scheme == "postgres" || components.scheme == "postgresql",
            let host = components.host, !host.isEmpty
        else { throw StoreError(.unavailable, "database url \(url) is not postgres://user@host[:port]/database") }
        let database = String(components.path.drop { $0 == "/" })
        return PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: components.user ?? "postgres", password: components.password,
            database: database.isEmpty ? nil : database, tls: .disable)
    }

    /// Stops the pool `connect` started (the server's group stops its own on graceful shutdown).
    /// Waits for it to end; a failure it ended with was already thrown to `connect`'s caller.
    public func close() async throws {
        guard let runner = runner.withLock({ $0 }) else { return }
        runner.cancel()
        if case .failure(let error) = await runner.result, !(error is CancellationError), !(error is StoreError) {
            logger.error("PostgreSQL pool ended with an error", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Transactions

    /// Runs `body` in one transaction on one pooled connection: committed when it returns, rolled
    /// back when it throws (and its error rethrown as is).
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await readiness.wait()
        return try await unguardedTransaction(body)
    }

    /// `transaction` before the store is ready: the migration's own.
    private func unguardedTransaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                let value = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return value
            } catch {
                do {
                    try await connection.query("ROLLBACK", logger: logger)
                } catch let rollback {
                    // The pool discards a connection whose query failed; the transaction's error is the one to report.
                    logger.error("ROLLBACK failed", metadata: ["error": "\(rollback)", "paysync.cause": "\(error)"])
                }
                throw error
            }
        }
    }

    func rows(_ query: PostgresQuery, _ connection: PostgresConnection) async throws -> [PostgresRandomAccessRow] {
        try await connection.query(query, logger: logger).collect().map { $0.makeRandomAccess() }
    }

    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        try await readiness.wait()
        return try await client.query(query, logger: logger).collect().map { $0.makeRandomAccess() }
    }

    /// One pooled connection, once the store is ready (a statement outside a transaction).
    func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await readiness.wait()
        return try await client.withConnection(body)
    }

    static func isUniqueViolation(_ error: any Error) -> Bool {
        (error as? PSQLError)?.serverInfo?[.sqlState] == "23505"
    }

    private func migrate() async throws {
        try await unguardedTransaction { connection in
            // One instance migrates a schema at a time; the others wait, then find nothing left to
            // do. Deployments in other schemas of the database migrate in parallel.
            let scope = schema ?? "public"
            try await connection.query("SELECT pg_advisory_xact_lock(7411, hashtext(\(scope)))", logger: logger)
            if let schema { try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"), logger: logger) }
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS paysync_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                logger: logger)
            let applied = Set(try await rows("SELECT version FROM paysync_migrations", connection).map { try $0["version"].decode(Int64.self) })
            for migration in PostgresMigrations.all where !applied.contains(migration.version) {
                for statement in migration.statements { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                try await connection.query("INSERT INTO paysync_migrations (version, name) VALUES (\(migration.version), \(migration.name))", logger: logger)
            }
        }
    }

    // MARK: Orders

    public func insertOrder(_ order: Order, event: OrderEvent, audit: [AuditRecord]) async throws {
        do {
            try await transaction { connection in
                try await connection.query(
                    """
                    INSERT INTO orders (id, account, merchant_order_number, provider, amount_minor, currency, subject, status, attempt, version,
                      gateway_order_number, created_at, updated_at, checkout_url, checkout_qr, next_check_at, check_rung, check_anchor, check_failures)
                    VALUES (\(order.id.rawValue), \(order.account.rawValue), \(order.merchantOrderNumber.rawValue), \(order.provider.rawValue),
                      \(order.amount.minorUnits), \(order.amount.currency.code), \(order.subject), \(order.status.rawValue), \(order.attempt),
                      \(order.version), \(order.gatewayOrderNumber), \(order.createdAt.millisecondsSinceEpoch), \(order.updatedAt.millisecondsSinceEpoch),
                      \(order.checkout?.url), \(order.checkout?.qrContent), \(order.check?.nextAt.millisecondsSinceEpoch), \(order.check?.rung ?? 0),
                      \(order.check?.anchor.millisecondsSinceEpoch), \(order.check?.failures ?? 0))
                    """, logger: logger)
                try await Self.insert(audit, connection, logger)
                try await Self.insert(event, orderID: order.id, connection, logger)
                try await Self.insert(Outbox.orderChanged(from: nil, to: order), connection, logger)
            }
        } catch where Self.isUniqueViolation(error) {
            throw StoreError(.duplicateOrderNumber, "order \(order.merchantOrderNumber) already exists for account \(order.account)")
        }
    }

    public func order(id: OrderID) async throws -> Order? {
        try await rows("SELECT * FROM orders WHERE id = \(id.rawValue)").first.map { try Self.order($0, currencies) }
    }

    public func order(account: MerchantAccountID, number: MerchantOrderNumber) async throws -> Order? {
        try await rows("SELECT * FROM orders WHERE account = \(account.rawValue) AND merchant_order_number = \(number.rawValue)").first
            .map { try Self.order($0, currencies) }
    }

    public func listOrders(_ query: OrderQuery) async throws -> OrderPage {
        var clauses: [String] = []
        var binds = PostgresBindings()
        func bind(_ sql: (Int) -> String, _ value: some PostgresDynamicTypeEncodable) {
            binds.append(value)
            clauses.append(sql(binds.count))
        }
        if let account = query.account { bind({ "account = $\($0)" }, account.rawValue) }
        if let status = query.status { bind({ "status = $\($0)" }, status.rawValue) }
        if let provider = query.provider { bind({ "provider = $\($0)" }, provider.rawValue) }
        if let number = query.number { bind({ "(merchant_order_number = $\($0) OR gateway_order_number = $\($0))" }, number) }
        if let minimum = query.minimumMinor { bind({ "amount_minor >= $\($0)" }, minimum) }
        if let maximum = query.maximumMinor { bind({ "amount_minor <= $\($0)" }, maximum) }
        if let from = query.createdFrom { bind({ "created_at >= $\($0)" }, from.millisecondsSinceEpoch) }
        if let before = query.createdBefore { bind({ "created_at < $\($0)" }, before.millisecondsSinceEpoch) }
        if let after = query.after {
            binds.append(after.createdAt.millisecondsSinceEpoch)
            binds.append(after.id.rawValue)
            clauses.append("(created_at, id) < ($\(binds.count - 1), $\(binds.count))")
        }
        let limit = max(1, query.limit)
        let whereSQL = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        let fetched = try await rows(PostgresQuery(unsafeSQL: "SELECT * FROM orders \(whereSQL) ORDER BY created_at DESC, id DESC LIMIT \(limit + 1)", binds: binds))
            .map { try Self.order($0, currencies) }
        let orders = Array(fetched.prefix(limit))
        let next = fetched.count > limit ? orders.last.map { OrderCursor(createdAt: $0.createdAt, id: $0.id) } : nil
        return OrderPage(orders: orders, next: next)
    }

    public func updateOrder<Result: Sendable>(
        id: OrderID, _ change: @escaping @Sendable (Order) throws -> OrderChange<Result>
    ) async throws -> Result {
        try await transaction { connection in
            guard let row = try await rows("SELECT * FROM orders WHERE id = \(id.rawValue) FOR UPDATE", connection).first else {
                throw StoreError(.orderNotFound, "no order \(id)")
            }
            let current = try Self.order(row, currencies)
            let outcome = try change(current)
            try await Self.commit(outcome, to: current, connection, logger)
            return outcome.result
        }
    }

    /// Writes an `OrderChange` made on `current`, whose row this transaction has locked.
    static func commit<Result>(_ outcome: OrderChange<Result>, to current: Order, _ connection: PostgresConnection, _ logger: Logger) async throws {
        let id = current.id.rawValue
        if let updated = outcome.order {
            try await connection.query(
                """
                UPDATE orders SET status = \(updated.status.rawValue), attempt = \(updated.attempt), gateway_order_number = \(updated.gatewayOrderNumber),
                  updated_at = \(updated.updatedAt.millisecondsSinceEpoch), checkout_url = \(updated.checkout?.url), checkout_qr = \(updated.checkout?.qrContent),
                  next_check_at = \(updated.check?.nextAt.millisecondsSinceEpoch), check_rung = \(updated.check?.rung ?? 0),
                  check_anchor = \(updated.check?.anchor.millisecondsSinceEpoch), check_failures = \(updated.check?.failures ?? 0),
                  lease_owner = NULL, lease_until = NULL, version = version + 1
                WHERE id = \(id) AND version = \(current.version)
                """, logger: logger)
        }
        try await insert(outcome.audit, connection, logger)
        for event in outcome.events { try await insert(event, orderID: current.id, connection, logger) }
        let committed = outcome.committed(over: current)
        var events = outcome.order == nil ? [] : try Outbox.orderChanged(from: current, to: committed)
        for review in outcome.reviews {
            // One open item per order and reason (the order's row lock serializes this check): a
            // repeat goes on the timeline, not into the queue again.
            let inserted = try await connection.query(
                """
                INSERT INTO review_items (order_id, reason, detail, opened_at, status)
                SELECT \(id), \(review.reason.rawValue), \(review.detail), \(review.at.millisecondsSinceEpoch), 'open'
                WHERE NOT EXISTS (SELECT 1 FROM review_items WHERE status = 'open' AND order_id = \(id) AND reason = \(review.reason.rawValue))
                RETURNING id
                """, logger: logger
            ).collect()
            guard let reviewID = try inserted.first?.decode(Int64.self) else { continue }
            let item = ReviewItem(id: reviewID, orderID: current.id, reason: review.reason, detail: review.detail, openedAt: review.at, status: .open)
            events += try Outbox.reviewOpened(item, order: committed)
        }
        try await insert(events, connection, logger)
    }

    public func claimDueChecks(owner: String, now: Timestamp, leaseMilliseconds: Int64, limit: Int) async throws -> [Order] {
        let at = now.millisecondsSinceEpoch
        let claimed = try await rows(
            """
            UPDATE orders SET lease_owner = \(owner), lease_until = \(at + leaseMilliseconds)
            WHERE id IN (
              SELECT id FROM orders WHERE next_check_at IS NOT NULL AND next_check_at <= \(at) AND (lease_until IS NULL OR lease_until < \(at))
              ORDER BY next_check_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING *
            """
        ).map { try Self.order($0, currencies) }
        return claimed.sorted { ($0.check?.nextAt ?? now, $0.createdAt.millisecondsSinceEpoch, $0.id.rawValue) < ($1.check?.nextAt ?? now, $1.createdAt.millisecondsSinceEpoch, $1.id.rawValue) }
    }

    public func renewCheckLease(orderID: OrderID, owner: String, leasedUntil: Timestamp, until: Timestamp) async throws -> Bool {
        try await !rows(
            """
            UPDATE orders SET lease_until = \(until.millisecondsSinceEpoch)
            WHERE id = \(orderID.rawValue) AND lease_owner = \(owner) AND lease_until = \(leasedUntil.millisecondsSinceEpoch)
            RETURNING id
            """
        ).isEmpty
    }

    public func nextDueTime() async throws -> Timestamp? {
        let row = try await rows(
            """
            SELECT (SELECT MIN(GREATEST(next_check_at, COALESCE(lease_until + 1, 0))) FROM orders
                    WHERE next_check_at IS NOT NULL AND next_check_at <= COALESCE(
                      (SELECT next_check_at FROM orders WHERE next_check_at IS NOT NULL AND (lease_until IS NULL OR lease_until < next_check_at)
                       ORDER BY next_check_at LIMIT 1),
                      9223372036854775807)) AS checks,
                   (SELECT MIN(next_check_at) FROM refunds WHERE next_check_at IS NOT NULL) AS refunds,
                   (SELECT MIN(next_check_at) FROM payouts WHERE next_check_at IS NOT NULL) AS payouts
            """
        ).first
        let due = [try row?["checks"].decode(Int64?.self), try row?["refunds"].decode(Int64?.self), try row?["payouts"].decode(Int64?.self)]
            .compactMap { $0 }
        return due.min().map(Timestamp.init(millisecondsSinceEpoch:))
    }

    // MARK: Logs and review

    public func events(orderID: OrderID) async throws -> [OrderEvent] {
        try await rows("SELECT * FROM order_events WHERE order_id = \(orderID.rawValue) ORDER BY seq").map { try Self.event($0, currencies) }
    }

    public func appendAudit(_ records: [AuditRecord]) async throws {
        try await transaction { connection in try await Self.insert(records, connection, logger) }
    }

    public func timeline(orderID: OrderID) async throws -> [TimelineEntry] {
        try await transaction { connection in
            let events = try await rows("SELECT * FROM order_events WHERE order_id = \(orderID.rawValue)", connection)
                .map { (try $0["seq"].decode(Int64.self), TimelineEntry.event(try Self.event($0, currencies))) }
            let audit = try await rows("SELECT * FROM audit_log WHERE order_id = \(orderID.rawValue)", connection)
                .map { (try $0["seq"].decode(Int64.self), TimelineEntry.audit(try Self.audit($0))) }
            return (events + audit).sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    public func reviewItems(status: ReviewItem.Status?, limit: Int) async throws -> [ReviewItem] {
        let rows =
            if let status {
                try await rows("SELECT * FROM review_items WHERE status = \(status.rawValue) ORDER BY id LIMIT \(limit)")
            } else {
                try await rows("SELECT * FROM review_items ORDER BY id LIMIT \(limit)")
            }
        return try rows.map(Self.reviewItem)
    }

    public func resolveReview(id: Int64, by: String, note: String, at: Timestamp) async throws -> ReviewItem {
        try await transaction { connection in
            guard let row = try await rows("SELECT * FROM review_items WHERE id = \(id) FOR UPDATE", connection).first else {
                throw StoreError(.reviewNotFound, "no review item \(id)")
            }
            let item = try Self.reviewItem(row)
            guard item.status == .open else { return item }
            let resolved = try await rows(
                """
                UPDATE review_items SET status = 'resolved', resolved_at = \(at.millisecondsSinceEpoch), resolved_by = \(by), note = \(note)
                WHERE id = \(id) RETURNING *
                """, connection)
            try await Self.insert(
                [AuditRecord(orderID: item.orderID, kind: .operator, summary: "review \(id) (\(item.reason.rawValue)) resolved by \(by)", detail: note, at: at)],
                connection, logger)
            guard let resolvedRow = resolved.first,
                let account = try await rows("SELECT account FROM orders WHERE id = \(item.orderID.rawValue)", connection).first?["account"].decode(String.self)
            else { throw StoreError(.corruptRow, "review item \(id) or its order \(item.orderID) vanished inside its transaction") }
            let resolvedItem = try Self.reviewItem(resolvedRow)
            try await Self.insert(Outbox.reviewResolved(resolvedItem, account: try MerchantAccountID(account)), connection, logger)
            return resolvedItem
        }
    }
}
