import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where a file to be mapped comes from: a path, standard input, or bytes in memory (tests, envelopes).
public enum MappingInput: Sendable {
    case file(String)
    case standardInput
    case bytes([UInt8])

    /// A short name for messages.
    public var name: String {
        switch self {
        case .file(let p): return p
        case .standardInput: return "<stdin>"
        case .bytes: return "<memory>"
        }
    }
}

/// Reads an input in fixed-size chunks so memory never grows with the file.
final class ChunkReader {
    static let chunkSize = 1 << 16
    private var fd: Int32 = -1
    private var ownsFD = false
    private var memory: [UInt8]?
    private var memoryOffset = 0
    let name: String

    init(_ input: MappingInput) throws {
        name = input.name
        switch input {
        case .file(let path):
            fd = open(path, O_RDONLY)
            guard fd >= 0 else {
                throw MappingError(
                    MappingError.inputUnreadable, "cannot open \(path): \(String(cString: strerror(errno)))")
            }
            ownsFD = true
        case .standardInput:
            fd = 0
        case .bytes(let b):
            memory = b
        }
    }

    deinit {
        if ownsFD { close(fd) }
    }

    /// The next chunk, or an empty array at the end.
    func next() throws -> [UInt8] {
        if let memory {
            let end = min(memory.count, memoryOffset + ChunkReader.chunkSize)
            defer { memoryOffset = end }
            return Array(memory[memoryOffset..<end])
        }
        var buffer = [UInt8](repeating: 0, count: ChunkReader.chunkSize)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, ChunkReader.chunkSize) }
            if n >= 0 {
                buffer.removeSubrange(n...)
                return buffer
            }
            if errno == EINTR { continue }
            throw MappingError(MappingError.inputUnreadable, "cannot read \(name): \(String(cString: strerror(errno)))")
        }
    }
}

/// Converts a byte stream in a legacy encoding (GBK, GB18030) to UTF-8 through the C library's iconv, chunk by
/// chunk. A byte sequence that is not valid in the encoding becomes U+FFFD, so the row holding it is rejected
/// (`mapping.encoding.invalidBytes`) while the rest of the file is still read.
final class IconvConverter {
    private let cd: iconv_t
    private var carry: [UInt8] = []
    let encoding: String

    init(from encoding: String) throws {
        self.encoding = encoding
        let handle = iconv_open("UTF-8", encoding.uppercased())
        guard let handle, Int(bitPattern: handle) != -1 else {
            throw MappingError(MappingError.encodingUnsupported, "iconv does not know the encoding '\(encoding)'")
        }
        cd = handle
    }

    deinit { iconv_close(cd) }

    static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    /// Converts `chunk` (plus bytes carried from the previous chunk); at `final`, an incomplete tail is invalid.
    func convert(_ chunk: [UInt8], final: Bool) -> [UInt8] {
        var input = carry + chunk
        carry = []
        var output = [UInt8]()
        output.reserveCapacity(input.count * 3 / 2 + 16)
        var outBuffer = [UInt8](repeating: 0, count: 1 << 16)
        var consumed = 0
        input.withUnsafeMutableBufferPointer { inBuf in
            guard let inBase = inBuf.baseAddress else { return }  // empty input: nothing to convert
            while consumed < inBuf.count {
                var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBase + consumed)
                    .assumingMemoryBound(to: CChar.self)
                var inLeft = inBuf.count - consumed
                let startLeft = inLeft
                var err: Int32 = 0
                let produced: Int = outBuffer.withUnsafeMutableBufferPointer { outBuf in
                    guard let outBase = outBuf.baseAddress else { return 0 }  // never: the buffer has 64 KiB
                    var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBase)
                        .assumingMemoryBound(to: CChar.self)
                    var outLeft = outBuf.count
                    let r = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                    if r == -1 { err = errno }
                    return outBuf.count - outLeft
                }
                output.append(contentsOf: outBuffer[0..<produced])
                consumed += startLeft - inLeft
                if err == 0 { break }
                if err == E2BIG { continue }
                if err == EINVAL, !final {
                    // An incomplete multibyte sequence at the chunk's end: keep it for the next chunk.
                    carry = Array(inBuf[consumed...])
                    consumed = inBuf.count
                    break
                }
                // EILSEQ (or EINVAL at the end): one invalid byte, replaced, and go on.
                output.append(contentsOf: IconvConverter.replacement)
                consumed += 1
            }
        }
        return output
    }
}

/// Reads an input as UTF-8 chunks: converts the dialect's encoding and drops a leading byte-order mark.
final class UTF8ChunkSource {
    private let reader: ChunkReader
    private let converter: IconvConverter?
    private var first = true
    private var done = false
    /// Bytes of the original input read so far.
    private(set) var bytesRead = 0
    var name: String { reader.name }

    init(_ input: MappingInput, encoding: String?) throws {
        reader = try ChunkReader(input)
        let enc = (encoding ?? "utf-8").lowercased()
        converter = (enc == "utf-8" || enc == "utf8") ? nil : try IconvConverter(from: enc)
    }

    /// The next UTF-8 chunk, or nil at the end.
    func next() throws -> [UInt8]? {
        if done { return nil }
        let raw = try reader.next()
        bytesRead += raw.count
        var chunk: [UInt8]
        if let converter {
            chunk = converter.convert(raw, final: raw.isEmpty)
        } else {
            chunk = raw
        }
        if raw.isEmpty {
            done = true
            return chunk.isEmpty ? nil : chunk
        }
        if first {
            if chunk.count < 3, converter == nil {
                // Too short to tell a BOM; read more before deciding.
                var more = chunk
                while more.count < 3 {
                    let r = try reader.next()
                    bytesRead += r.count
                    if r.isEmpty {
                        done = true
                        break
                    }
                    more += r
                }
                chunk = more
            }
            first = false
            if chunk.starts(with: [0xEF, 0xBB, 0xBF]) { chunk.removeFirst(3) }
        }
        return chunk
    }
}
