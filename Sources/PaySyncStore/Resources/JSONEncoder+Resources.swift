import Foundation

extension JSONEncoder {
    /// The encoder of every answer and event: sorted keys, so identical values are identical bytes.
    public static var api: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
