// The entry point of the libFuzzer build. SwiftPM links Linux executables with `--defsym main=<module>_main`, so
// libFuzzer's own main() is never used: this symbol hands control to libFuzzer's driver with the harness.
#if G60_FUZZ
    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<Int32>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ harness: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32
    ) -> Int32

    @_cdecl("g60_fuzz_mapping_main")
    public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
        var count = argc
        var arguments = argv
        return LLVMFuzzerRunDriver(&count, &arguments, fuzzMapping)
    }
#endif
