import Foundation

/// Runs a harness over the files named on the command line (the non-libFuzzer build of a harness).
enum FuzzReplay {
    static func run(_ harness: (UnsafePointer<UInt8>, Int) -> Int32) {
        var count = 0
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
                exit(2)
            }
            let bytes = [UInt8](data) + [0]  // never an empty buffer, so baseAddress exists
            _ = bytes.withUnsafeBufferPointer { buffer in
                buffer.baseAddress.map { harness($0, bytes.count - 1) }
            }
            count += 1
        }
        print("replayed \(count) inputs without a crash")
    }
}
