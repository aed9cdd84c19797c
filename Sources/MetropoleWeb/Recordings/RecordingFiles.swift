import Foundation
import NIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The blocking file operations of recordings, run on the thread pool only. Plain POSIX calls,
/// so every failure (ENOSPC above all) arrives as an error with its errno.
enum RecordingFiles {
    struct FileError: Error, CustomStringConvertible {
        var path: String
        var code: Int32
        var description: String { "\(String(cString: strerror(code))) (\(URL(fileURLWithPath: path).lastPathComponent))" }
    }

    /// Creates or truncates `url` and writes all of `buffer`.
    static func write(_ buffer: ByteBuffer, to url: URL) throws {
        try write(url, flags: O_WRONLY | O_CREAT | O_TRUNC) { fd in try writeAll(buffer, fd: fd, path: url.path) }
    }

    /// Creates or truncates `url` and writes the buffers one after another.
    static func write(_ buffers: [ByteBuffer], to url: URL) throws {
        try write(url, flags: O_WRONLY | O_CREAT | O_TRUNC) { fd in
            for buffer in buffers { try writeAll(buffer, fd: fd, path: url.path) }
        }
    }

    /// Exactly `length` bytes of `url` from `offset`; throws when the file is shorter.
    static func read(_ url: URL, offset: Int, length: Int) throws -> ByteBuffer {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(path: url.path, code: errno) }
        defer { close(fd) }
        var buffer = ByteBufferAllocator().buffer(capacity: length)
        try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { bytes in
            var done = 0
            while done < length {
                let count = pread(fd, bytes.baseAddress! + done, length - done, off_t(offset + done))
                if count < 0 {
                    if errno == EINTR { continue }
                    throw FileError(path: url.path, code: errno)
                }
                guard count > 0 else { throw FileError(path: url.path, code: EIO) }
                done += count
            }
            return done
        }
        return buffer
    }

    static func append(_ text: String, to url: URL) throws {
        try write(url, flags: O_WRONLY | O_CREAT | O_APPEND) { fd in try writeAll(ByteBuffer(string: text), fd: fd, path: url.path) }
    }

    /// Writes a sibling file and renames it over `url`: readers see the old or the new text.
    static func replace(_ text: String, at url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + ".tmp")
        try write(ByteBuffer(string: text), to: temporary)
        guard rename(temporary.path, url.path) == 0 else { throw FileError(path: url.path, code: errno) }
    }

    static func describe(_ error: any Error) -> String {
        (error as? FileError)?.description ?? String(describing: error)
    }

    /// Bytes of the regular files in a folder (not recursive); 0 when it is missing.
    static func size(of directory: URL) -> Int64 {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.reduce(0) { total, name in
            var info = stat()
            guard stat(directory.appendingPathComponent(name).path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return total }
            return total + Int64(info.st_size)
        }
    }

    static func fileSize(_ url: URL) -> Int? {
        var info = stat()
        guard stat(url.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(info.st_size)
    }

    /// `write(2)`, which this type's own `write` methods hide.
    private static func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(fd, bytes, count)
        #else
        Darwin.write(fd, bytes, count)
        #endif
    }

    private static func write(_ url: URL, flags: Int32, _ body: (Int32) throws -> Void) throws {
        let fd = open(url.path, flags | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError(path: url.path, code: errno) }
        defer { close(fd) }
        try body(fd)
    }

    private static func writeAll(_ buffer: ByteBuffer, fd: Int32, path: String) throws {
        try buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let count = systemWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw FileError(path: path, code: errno)
                }
                offset += count
            }
        }
    }
}
