import PaySyncCore
import PaySyncSandbox

/// What one demo customer does. Shares follow `Behavior.shares`; every choice is drawn from the
/// seed and the customer's order number, so a seed replays the same customers.
public enum Behavior: String, CaseIterable, Codable, Sendable, Comparable {
    /// Pays within two minutes.
    case pays
    /// Pays after 3 to 25 minutes (the ladder or the sweep may have closed the order first).
    case paysSlowly = "pays_slowly"
    /// The payment fails at the gateway (declined).
    case fails
    /// Never pays; half of them press "cancel" on the payment page.
    case abandons
    /// Pays 75 to 120 minutes later, after the order was closed: the gateway takes the money anyway.
    case paysAfterClose = "pays_after_close"

    static let shares: [(Behavior, Double)] = [(.pays, 0.60), (.paysSlowly, 0.10), (.fails, 0.05), (.abandons, 0.20), (.paysAfterClose, 0.05)]

    public static func < (a: Behavior, b: Behavior) -> Bool { a.rawValue < b.rawValue }
}

/// One thing a customer (or the merchant's front end) does at a simulated time.
struct CustomerAction: Sendable {
    enum Kind: Int, Sendable, Comparable {
        /// The merchant creates the order through PaySync's API.
        case create
        /// The customer pays (or is declined) at the gateway.
        case pay, fail, payAfterClose
        /// The front end verifies the order after the payment page said "success".
        case verifySuccess
        /// The front end reports the customer canceled on the payment page.
        case reportCanceled
        /// The merchant refunds half the order through PaySync's API.
        case refund
        /// The bank finishes the refund at the gateway.
        case finishRefund

        static func < (a: Kind, b: Kind) -> Bool { a.rawValue < b.rawValue }
    }

    let at: Timestamp
    let customer: Int
    let kind: Kind
}

/// A demo customer: their order and their plan.
struct Customer: Sendable {
    let index: Int
    let number: String
    let provider: String
    let amount: Money
    let behavior: Behavior
    let arrival: Timestamp
    var refundNumber: String { "RF-" + number }
}

/// The customers of a run and everything they will do, in time order.
struct Scenario: Sendable {
    let customers: [Customer]
    let actions: [CustomerAction]

    init(_ options: DemoOptions, start: Timestamp) {
        let random = options.faultPlan
        func draw(_ index: Int, _ what: String) -> Double { random.draw("customer", String(index), what) }
        func seconds(_ index: Int, _ what: String, _ range: ClosedRange<Int64>) -> Int64 {
            range.lowerBound + Int64(draw(index, what) * Double(range.upperBound - range.lowerBound + 1))
        }
        var customers: [Customer] = []
        var actions: [CustomerAction] = []
        customers.reserveCapacity(options.orders)
        for index in 0..<options.orders {
            let provider = options.providers[index % options.providers.count]
            let currency = DemoOptions.currencies[provider]!
            let arrival = start.adding(milliseconds: Int64(index) * options.arrivalSeconds * 1_000 / Int64(options.orders) / 1_000 * 1_000)
            var pick = draw(index, "behavior")
            var behavior = Behavior.pays
            for (candidate, share) in Behavior.shares {
                behavior = candidate
                if pick < share { break }
                pick -= share
            }
            let customer = Customer(
                index: index, number: "DEMO-\(String(index + 1).leftPadded(to: 7))", provider: provider,
                amount: Money(minorUnits: 100 + Int64(draw(index, "amount") * 49_900), currency: currency), behavior: behavior, arrival: arrival)
            customers.append(customer)
            func at(_ offsetSeconds: Int64, _ kind: CustomerAction.Kind) {
                actions.append(CustomerAction(at: arrival.adding(milliseconds: offsetSeconds * 1_000), customer: index, kind: kind))
            }
            at(0, .create)
            switch behavior {
            case .pays, .paysSlowly:
                let paidAfter = behavior == .pays ? seconds(index, "pay", 2...120) : seconds(index, "pay", 180...1_500)
                at(paidAfter, .pay)
                if draw(index, "verify") < 0.30 { at(paidAfter + 3, .verifySuccess) }
                // PayZApp documents no refund API.
                if behavior == .pays, provider != "payzapp", draw(index, "refund") < 0.20 {
                    at(paidAfter + 600, .refund)
                    at(paidAfter + 720, .finishRefund)
                }
            case .fails:
                at(seconds(index, "pay", 5...120), .fail)
            case .abandons:
                if draw(index, "cancel") < 0.5 { at(30, .reportCanceled) }
            case .paysAfterClose:
                at(seconds(index, "pay", 4_500...7_200), .payAfterClose)
            }
        }
        self.customers = customers
        self.actions = actions.sorted { ($0.at, $0.customer, $0.kind) < ($1.at, $1.customer, $1.kind) }
    }

    /// Whether a refund that was requested succeeds at the bank (nine in ten).
    static func refundSucceeds(_ customer: Customer, _ options: DemoOptions) -> Bool {
        options.faultPlan.draw("customer", String(customer.index), "refund-outcome") < 0.9
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
