import Foundation
import PaySyncCore
import PaySyncStore

/// What an attempt's answer means for the delivery and its endpoint: a pure rule over the
/// answer, the delivery's round so far and the clock.
public enum DeliveryPlan {
    /// An attempt's answer as the wire gave it.
    public enum Answer: Hashable, Sendable {
        /// An HTTP status, with the `Retry-After` header when there was one and the first bytes of the body.
        case status(Int, retryAfter: String?, excerpt: String)
        /// No status: refused, reset, timed out; `reason` says which.
        case none(reason: String)
    }

    /// 2xx delivers. 410 disables the endpoint (`gone`) and keeps the event pending for recovery.
    /// Anything else is retried on the schedule — after `Retry-After` instead when it is given,
    /// up to the cap — until the schedule ends (`failed`). An endpoint failing for longer than
    /// `disableAfterMilliseconds` is disabled (`failing`); its events stay pending.
    public static func decide(
        _ job: DeliveryJob, answer: Answer, at now: Timestamp, latencyMilliseconds: Int64, policy: DeliveryPolicy
    ) -> DeliveryFinish {
        let number = job.delivery.attempts + 1
        let (statusCode, error, excerpt): (Int?, String?, String) =
            switch answer {
            case .status(let code, _, let excerpt): (code, (200..<300).contains(code) ? nil : "HTTP \(code)", excerpt)
            case .none(let reason): (nil, reason, "")
            }
        let attempt = DeliveryAttempt(
            deliveryID: job.delivery.id, eventID: job.event.id, endpointID: job.endpoint.id, number: number, at: now, statusCode: statusCode,
            error: error, latencyMilliseconds: latencyMilliseconds, response: excerpt)
        if let statusCode, (200..<300).contains(statusCode) {
            return DeliveryFinish(attempt: attempt, next: .delivered, endpoint: .succeeded)
        }
        let failingSince = job.endpoint.failingSince ?? now
        let retry = retryTime(job, answer: answer, at: now, policy: policy)
        if statusCode == 410 {
            return DeliveryFinish(attempt: attempt, next: retry.map { .retry(at: $0) } ?? .failed, endpoint: .disable(reason: "gone", since: failingSince))
        }
        let endpoint: DeliveryFinish.EndpointChange =
            now.millisecondsSinceEpoch - failingSince.millisecondsSinceEpoch >= policy.disableAfterMilliseconds
            ? .disable(reason: "failing", since: failingSince) : .failing(since: failingSince)
        return DeliveryFinish(attempt: attempt, next: retry.map { .retry(at: $0) } ?? .failed, endpoint: endpoint)
    }

    /// When the next attempt of the round is due, or `nil` when the round has run out.
    static func retryTime(_ job: DeliveryJob, answer: Answer, at now: Timestamp, policy: DeliveryPolicy) -> Timestamp? {
        let made = job.delivery.attemptsThisRound + 1
        guard made < policy.schedule.count else { return nil }
        if case .status(_, let header?, _) = answer, let asked = retryAfterMilliseconds(header, at: now) {
            return now.adding(milliseconds: min(max(asked, 0), policy.retryAfterCapMilliseconds))
        }
        let delay = policy.schedule[made]
        return now.adding(milliseconds: delay + jitter(delay, delivery: job.delivery.id, attempt: made, fraction: policy.jitter))
    }

    /// `Retry-After` as milliseconds from `now`: delay-seconds, or an HTTP-date. `nil` when it is neither.
    static func retryAfterMilliseconds(_ header: String, at now: Timestamp) -> Int64? {
        let text = header.trimmingCharacters(in: .whitespaces)
        if let seconds = Int64(text) { return seconds * 1_000 }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        guard let date = formatter.date(from: text) else { return nil }
        return Int64(date.timeIntervalSince1970 * 1_000) - now.millisecondsSinceEpoch
    }

    /// Up to `fraction` of `delay` either way, from an FNV-1a hash of the delivery and attempt.
    static func jitter(_ delay: Int64, delivery: Int64, attempt: Int, fraction: Double) -> Int64 {
        guard delay > 0, fraction > 0 else { return 0 }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(delivery):\(attempt)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let unit = Double(hash % 10_001) / 10_000 * 2 - 1  // -1...1
        return Int64((Double(delay) * fraction * unit).rounded())
    }
}
