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
        for second in [0, 10, 20, 30] as [Int64] { throttle.failed(Self.keys, now: Self.at(second)) }
        #expect(throttle.wait(Self.keys, now: Self.at(40)) == nil)
        throttle.failed(Self.keys, now: Self.at(40))
        #expect(throttle.wait(Self.keys, now: Self.at(40)) == 860_000)
        #expect(throttle.wait(Self.keys, now: Self.at(899)) == 1_000)
        #expect(throttle.wait(Self.keys, now: Self.at(900)) == nil)
    }

    @Test("failures of one name from many addresses lock the name; of many names from one address lock the address")
    func eitherKeyLocks() {
        var throttle = LoginThrottle(maximumFailures: 2, windowMilliseconds: 60_000)
        throttle.failed(LoginThrottle.keys(name: "ana", address: "10.0.0.1"), now: Self.at(0))
        throttle.failed(LoginThrottle.keys(name: "ana", address: "10.0.0.2"), now: Self.at(1))
        #expect(throttle.wait(LoginThrottle.keys(name: "ana", address: "10.0.0.3"), now: Self.at(2)) == 58_000)
        #expect(throttle.wait(LoginThrottle.keys(name: "bob", address: "10.0.0.3"), now: Self.at(2)) == nil)
        throttle.failed(LoginThrottle.keys(name: "bob", address: "10.0.0.9"), now: Self.at(3))
        throttle.failed(LoginThrottle.keys(name: "cy", address: "10.0.0.9"), now: Self.at(4))
        #expect(throttle.wait(LoginThrottle.keys(name: "dee", address: "10.0.0.9"), now: Self.at(5)) == 58_000)
    }

    @Test("a success forgets the name's failures, not the address's")
    func successForgetsName() {
        var throttle = LoginThrottle(maximumFailures: 2, windowMilliseconds: 60_000)
        throttle.failed(Self.keys, now: Self.at(0))
        throttle.failed(Self.keys, now: Self.at(1))
        throttle.succeeded(name: "ANA")
        #expect(throttle.wait(["name:ana"], now: Self.at(2)) == nil)
        #expect(throttle.wait(["address:10.0.0.7"], now: Self.at(2)) == 58_000)
    }
}
