import PaySyncCore

/// One event on its way to one endpoint: pending until an attempt is answered 2xx (`delivered`),
/// or until the retry schedule runs out (`failed`, kept, and sent again by `recover` or
/// `redeliver`).
public struct Delivery: Hashable, Sendable {
    public enum Status: String, Hashable, Sendable, CaseIterable {
        case pending, delivered, failed
    }

    public let id: Int64
    public let eventID: String
    public let endpointID: String
    public var status: Status
    /// Attempts made so far, over every round.
    public var attempts: Int
    /// Attempts made before the current round: a redelivery or a recovery starts the retry
    /// schedule again from its first step.
    public var retryFrom: Int
    /// When the next attempt is due (`pending` only).
    public var nextAttemptAt: Timestamp?

    public init(id: Int64, eventID: String, endpointID: String, status: Status, attempts: Int, retryFrom: Int, nextAttemptAt: Timestamp?) {
        self.id = id
        self.eventID = eventID
        self.endpointID = endpointID
        self.status = status
        self.attempts = attempts
        self.retryFrom = retryFrom
        self.nextAttemptAt = nextAttemptAt
    }

    /// Attempts made in the current round: the retry schedule's index.
    public var attemptsThisRound: Int { attempts - retryFrom }
}

/// A claimed delivery with what sending it needs.
public struct DeliveryJob: Hashable, Sendable {
    public let delivery: Delivery
    public let event: OutboxEvent
    public let endpoint: WebhookEndpoint

    public init(delivery: Delivery, event: OutboxEvent, endpoint: WebhookEndpoint) {
        self.delivery = delivery
        self.event = event
        self.endpoint = endpoint
    }
}

/// One attempt as it happened, kept apart from the event.
public struct DeliveryAttempt: Hashable, Sendable {
    public let deliveryID: Int64
    public let eventID: String
    public let endpointID: String
    /// 1 for the first attempt of the delivery.
    public let number: Int
    public let at: Timestamp
    /// The HTTP status answered, or `nil` when none was (refused, timed out).
    public let statusCode: Int?
    /// Why no status was answered, or what was wrong with it.
    public let error: String?
    public let latencyMilliseconds: Int64
    /// The first bytes of the answer's body, as text.
    public let response: String

    public init(
        deliveryID: Int64, eventID: String, endpointID: String, number: Int, at: Timestamp, statusCode: Int?, error: String?,
        latencyMilliseconds: Int64, response: String
    ) {
        self.deliveryID = deliveryID
        self.eventID = eventID
        self.endpointID = endpointID
        self.number = number
        self.at = at
        self.statusCode = statusCode
        self.error = error
        self.latencyMilliseconds = latencyMilliseconds
        self.response = response
    }
}

/// What an attempt's result does, written in one transaction with the attempt.
public struct DeliveryFinish: Hashable, Sendable {
    public enum Next: Hashable, Sendable {
        case delivered
        case retry(at: Timestamp)
        case failed
    }

    /// What happens to the endpoint.
    public enum EndpointChange: Hashable, Sendable {
        /// A delivered attempt: its run of failures ends.
        case succeeded
        /// A failed attempt: a run of failures begins here unless one is under way.
        case failing(since: Timestamp)
        /// Disabled for `reason` (`gone`, `failing`); its pending deliveries wait.
        case disable(reason: String, since: Timestamp)
    }

    public let attempt: DeliveryAttempt
    public let next: Next
    public let endpoint: EndpointChange

    public init(attempt: DeliveryAttempt, next: Next, endpoint: EndpointChange) {
        self.attempt = attempt
        self.next = next
        self.endpoint = endpoint
    }
}
