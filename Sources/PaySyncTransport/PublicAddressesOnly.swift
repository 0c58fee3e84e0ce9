import Dispatch
import Foundation
import PaySyncGateways

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Which addresses belong to the deployment's own network.
public enum NetworkAddress {
    /// Whether `host` is `localhost` or an IP literal in a loopback, private (10/8, 172.16/12,
    /// 192.168/16, 100.64/10), link-local, unique-local or unspecified range. Names are not resolved.
    public static func isPrivate(literal host: String) -> Bool {
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if name == "localhost" || name.hasSuffix(".localhost") { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
        if octets.count == 4, name.split(separator: ".").count == 4 {
            switch (octets[0], octets[1]) {
            case (127, _), (10, _), (0, _), (169, 254), (192, 168): return true
            case (172, let second) where (16...31).contains(second): return true
            case (100, let second) where (64...127).contains(second): return true
            default: return false
            }
        }
        guard name.contains(":") else { return false }
        return name == "::1" || name == "::" || name.hasPrefix("fc") || name.hasPrefix("fd") || name.hasPrefix("fe80") || name.hasPrefix("::ffff:")
    }

    /// The addresses `host` resolves to (the system resolver, on a thread that may block), as
    /// literals; a host that does not resolve is a failure naming the resolver's reason.
    public static func resolve(_ host: String) async -> Result<[String], GatewayFailure> {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: resolveBlocking(host)) }
        }
    }

    private static func resolveBlocking(_ host: String) -> Result<[String], GatewayFailure> {
        var hints = addrinfo()
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var first: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), nil, &hints, &first)
        guard status == 0 else { return .failure(GatewayFailure(.unreachable, "\(host) does not resolve: \(String(cString: gai_strerror(status)))")) }
        defer { freeaddrinfo(first) }
        var literals: [String] = []
        var next = first
        while let info = next {
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            if info.pointee.ai_family == AF_INET {
                var address = info.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                inet_ntop(AF_INET, &address, &text, socklen_t(text.count))
            } else if info.pointee.ai_family == AF_INET6 {
                var address = info.pointee.ai_addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                inet_ntop(AF_INET6, &address, &text, socklen_t(text.count))
            }
            if text[0] != 0 { literals.append(String(cString: text)) }
            next = info.pointee.ai_next
        }
        return .success(literals)
    }
}

/// Sends only to hosts whose every address is public: each request's host is resolved first, and
/// a host with a loopback, private, link-local or unique-local address is refused without a
/// request (`unreachable`, "private_address: …"). The endpoint check at creation sees only IP
/// literals and `localhost`; this sees what a name, or a literal in another spelling (`127.1`,
/// `2130706433`), stands for. AsyncHTTPClient resolves the name again when it connects, so a name
/// whose answer changes in between (DNS rebinding) is not stopped here: a hosted deployment that
/// must stop it sends its events through an egress proxy.
public struct PublicAddressesOnly: HTTPTransport {
    let inner: any HTTPTransport

    public init(_ inner: any HTTPTransport) {
        self.inner = inner
    }

    public func send(_ request: GatewayHTTPRequest, timeoutMilliseconds: Int64) async -> Result<GatewayHTTPResponse, GatewayFailure> {
        guard let host = URLComponents(string: request.url)?.host, !host.isEmpty else {
            return .failure(GatewayFailure(.notSent, "\(request.url) names no host"))
        }
        switch await NetworkAddress.resolve(host) {
        case .failure(let failure):
            return .failure(failure)
        case .success(let addresses):
            if let address = addresses.first(where: NetworkAddress.isPrivate(literal:)) {
                return .failure(GatewayFailure(.unreachable, "private_address: \(host) resolves to \(address), which this PaySync does not deliver to"))
            }
            return await inner.send(request, timeoutMilliseconds: timeoutMilliseconds)
        }
    }
}
