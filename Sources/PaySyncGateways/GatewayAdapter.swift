import PaySyncCore

/// One payment gateway, as bytes in and bytes out. An adapter never opens a socket: it builds
/// signed requests, reads answers and callbacks, and writes acknowledgements; the engine's
/// transport does the I/O. The engine never branches on a provider's name — it calls these.
public protocol GatewayAdapter: Sendable {
    var provider: ProviderID { get }

    /// Our id at this gateway as its messages state it (CodePay `merchant_no`, PayBy `payeeMid`,
    /// NewPay `appId`, PayZApp `mno`): a verified callback naming another is not ours.
    var merchantIdentity: String { get }

    /// The signed HTTP request for `operation`. `now` stamps it; `nonce` is unique per request
    /// (PayZApp's `at-nonce`, CodePay's request id).
    func request(for operation: GatewayOperation, now: Timestamp, nonce: String) throws(GatewayError) -> GatewayHTTPRequest

    /// Reads the gateway's answer to `operation`: verifies its signature where the gateway signs
    /// answers, maps statuses exhaustively, and keeps "the gateway said no" apart from "we could
    /// not understand the gateway".
    func interpret(_ response: GatewayHTTPResponse, to operation: GatewayOperation) -> GatewayOutcome

    /// Verifies an inbound callback against the literal bytes that arrived and parses it.
    /// `now` bounds timestamp windows where the gateway defines them.
    func callback(_ request: InboundCallback, now: Timestamp) throws(CallbackRejection) -> CallbackEvent

    /// The merchant order number a callback claims to be about, read **without** verifying it —
    /// only to decide whether to ask the gateway, never to apply anything.
    func claimedOrderNumber(_ request: InboundCallback) -> String?

    /// The answer that tells the gateway the callback was handled (`accepted`) or must be
    /// redelivered (`!accepted`), in the gateway's exact dialect.
    func acknowledgement(accepted: Bool) -> CallbackAck
}
