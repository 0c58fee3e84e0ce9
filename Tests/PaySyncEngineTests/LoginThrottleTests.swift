import PaySyncCore
import PaySyncEngine
import Testing

@Suite("Login throttle")
struct LoginThrottleTests {
    static func at(_ seconds: Int64) -> Timestamp { Timestamp(millisecondsSinceEpoch: seconds * 1_000) }
    static let keys = LoginThrottle.keys(name: "Ana", address: "10.0.0.7")

    @Test("an attempt counts against the name, case folded, and the address")
    func keysOfAnAttempt() {
        #expect(Self.keys == ["name:ana", "address:10.0.0.7"])
    }

    @Test("four failures in the window let the fifth attempt through; the fifth failure locks until the first leaves the window")
    func locksAfterFiveFailures() {
        var throttle = LoginThrottle(maximumFailures: 5, windowMilliseconds: 900_000)
        for second in [0, 10, 20, 30] as [Int64] { _ = throttle.admit(Self.keys, now: Self.at(second)) }
        #expect(throttle.wait(Self.keys, now: Self.at(40)) == nil)
        _ = throttle.admit(Self.keys, now: Self.at(40))
        #expect(throttle.wait(Self.keys, now: Self.at(40)) == 860_000)
        #expect(throttle.wait(Self.keys, now: Self.at(899)) == 1_000)
        #expect(throttle.wait(Self.keys, now: Self.at(900)) == nil)
    }

    @Test("failures of one name from many addresses lock the name; of many names from one address lock the address")
    func eitherKeyLocks() {
        var throttle = LoginThrottle(maximumFailures: 2, windowMilliseconds: 60_000)
        _ = throttle.admit(LoginThrottle.keys(name: "ana", address: "10.0.0.1"), now: Self.at(0))
        _ = throttle.admit(LoginThrottle.keys(name: "ana", address: "10.0.0.2"), now: Self.at(1))
        #expect(throttle.wait(LoginThrottle.keys(name: "ana", address: "10.0.0.3"), now: Self.at(2)) == 58_000)
        #expect(throttle.wait(LoginThrottle.keys(name: "bob", address: "10.0.0.3"), now: Self.at(2)) == nil)
        _ = throttle.admit(LoginThrottle.keys(name: "bob", address: "10.0.0.9"), now: Self.at(3))
        _ = throttle.admit(LoginThrottle.keys(name: "cy", address: "10.0.0.9"), now: Self.at(4))
        #expect(throttle.wait(LoginThrottle.keys(name: "dee", address: "10.0.0.9"), now: Self.at(5)) == 58_000)
    }

    @Test("a success forgets the name's failures and takes its own attempt back from the address, not the address's failures")
    func successForgetsName() {
        var throttle = LoginThrottle(maximumFailures: 3, windowMilliseconds: 60_000)
        _ = throttle.admit(Self.keys, now: Self.at(0))
        _ = throttle.admit(Self.keys, now: Self.at(1))
        #expect(throttle.admit(Self.keys, now: Self.at(2)) == nil)
        throttle.succeeded(Self.keys, at: Self.at(2))
        #expect(throttle.wait(["name:ana"], now: Self.at(3)) == nil)
        #expect(throttle.wait(["address:10.0.0.7"], now: Self.at(3)) == nil)
        _ = throttle.admit(LoginThrottle.keys(name: "bob", address: "10.0.0.7"), now: Self.at(4))
        #expect(throttle.wait(["address:10.0.0.7"], now: Self.at(5)) == 55_000)
    }

    @Test("attempts admitted together count before their passwords are checked: the one past the limit waits")
    func concurrentAttemptsCount() {
        var throttle = LoginThrottle(maximumFailures: 5, windowMilliseconds: 900_000)
        let admitted = (0..<8).map { _ in throttle.admit(Self.keys, now: Self.at(0)) }
        #expect(admitted == [nil, nil, nil, nil, nil, 900_000, 900_000, 900_000])
    }
}
