import Foundation
import PaySyncCore

/// The wall clock, for production. Tests pass a `ManualClock` instead.
public struct SystemClock: PaySyncClock {
    public init() {}

    public func now() -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
