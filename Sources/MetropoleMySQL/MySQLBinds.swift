import CMariaDB
import CMariaDBShim
import Foundation

/// The `MYSQL_BIND` array of one execution and the memory its pointers point into. Connector/C
/// reads parameters from, and writes results into, these buffers; they live until `release()`.
final class BindSet {
    private enum Column { case integer, double, time, text, binary }

    let binds: UnsafeMutablePointer<MYSQL_BIND>
    private let count: Int
    private let lengths: UnsafeMutablePointer<UInt>
    private let nulls: UnsafeMutablePointer<my_bool>
    private let errors: UnsafeMutablePointer<my_bool>
    private var buffers: [UnsafeMutableRawPointer] = []
    private var columns: [Column] = []

    init(count: Int) {
        self.count = count
        let slots = max(count, 1)
        binds = .allocate(capacity: slots)
        binds.initialize(repeating: MYSQL_BIND(), count: slots)
        lengths = .allocate(capacity: slots)
        lengths.initialize(repeating: 0, count: slots)
        nulls = .allocate(capacity: slots)
        nulls.initialize(repeating: 0, count: slots)
        errors = .allocate(capacity: slots)
        errors.initialize(repeating: 0, count: slots)
    }

    func release() {
        for buffer in buffers { buffer.deallocate() }
        binds.deallocate()
        lengths.deallocate()
        nulls.deallocate()
        errors.deallocate()
    }

    private func buffer(_ size: Int) -> UnsafeMutableRawPointer {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(size, 1), alignment: 16)
        buffers.append(buffer)
        return buffer
    }

    private func store<T>(_ value: T, at index: Int, type: enum_field_types, unsigned: Bool = false) {
        let memory = buffer(MemoryLayout<T>.size)
        memory.storeBytes(of: value, as: T.self)
        binds[index].buffer = memory
        binds[index].buffer_type = type
        binds[index].buffer_length = UInt(MemoryLayout<T>.size)
        binds[index].is_unsigned = unsigned ? 1 : 0
    }

    private func storeBytes<C: Collection<UInt8>>(_ bytes: C, at index: Int, type: enum_field_types) {
        let memory = buffer(bytes.count)
        memory.copyMemory(from: Array(bytes), byteCount: bytes.count)
        binds[index].buffer = memory
        binds[index].buffer_type = type
        binds[index].buffer_length = UInt(bytes.count)
        lengths[index] = UInt(bytes.count)
        binds[index].length = lengths + index
    }

    func setParameter(_ index: Int, _ value: MySQLData) {
        switch value {
        case .null: binds[index].buffer_type = MYSQL_TYPE_NULL
        case .int(let value): store(value, at: index, type: MYSQL_TYPE_LONGLONG)
        case .uint(let value): store(value, at: index, type: MYSQL_TYPE_LONGLONG, unsigned: true)
        case .double(let value): store(value, at: index, type: MYSQL_TYPE_DOUBLE)
        case .text(let value): storeBytes(value.utf8, at: index, type: MYSQL_TYPE_STRING)
        case .bytes(let value): storeBytes(value, at: index, type: MYSQL_TYPE_BLOB)
        case .date(let value): store(Self.time(from: value), at: index, type: MYSQL_TYPE_DATETIME)
        }
    }

    func prepareResult(_ index: Int, field: MYSQL_FIELD) {
        let column: Column
        switch field.type {
        case MYSQL_TYPE_TINY, MYSQL_TYPE_SHORT, MYSQL_TYPE_INT24, MYSQL_TYPE_LONG, MYSQL_TYPE_LONGLONG, MYSQL_TYPE_YEAR:
            column = .integer
            var unsignedField = field
            store(Int64(0), at: index, type: MYSQL_TYPE_LONGLONG, unsigned: metropole_field_is_unsigned(&unsignedField))
        case MYSQL_TYPE_FLOAT, MYSQL_TYPE_DOUBLE:
            column = .double
            store(Double(0), at: index, type: MYSQL_TYPE_DOUBLE)
        case MYSQL_TYPE_DATE, MYSQL_TYPE_DATETIME, MYSQL_TYPE_TIMESTAMP:
            column = .time
            store(MYSQL_TIME(), at: index, type: MYSQL_TYPE_DATETIME)
        default:
            var binaryField = field
            // MySQL 8 sends JSON with the binary character set; it is still UTF-8 text.
            let binary = field.type.rawValue != 245 && metropole_field_is_binary(&binaryField)
            column = binary ? .binary : .text
            let size = max(Int(field.max_length), 64)
            binds[index].buffer = buffer(size)
            binds[index].buffer_type = binary ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING
            binds[index].buffer_length = UInt(size)
        }
        columns.append(column)
        binds[index].length = lengths + index
        binds[index].is_null = nulls + index
        binds[index].error = errors + index
    }

    func resultValue(_ index: Int, field: MYSQL_FIELD, statement: UnsafeMutablePointer<MYSQL_STMT>) throws(MySQLError) -> MySQLData {
        if nulls[index] != 0 { return .null }
        guard let memory = binds[index].buffer else { return .null }
        switch columns[index] {
        case .integer:
            let value = memory.load(as: Int64.self)
            return binds[index].is_unsigned != 0 ? .uint(UInt64(bitPattern: value)) : .int(value)
        case .double:
            return .double(memory.load(as: Double.self))
        case .time:
            // A zero date ('0000-00-00') is no instant; it reads as NULL.
            return Self.date(from: memory.load(as: MYSQL_TIME.self)).map(MySQLData.date) ?? .null
        case .text, .binary:
            let length = Int(lengths[index])
            var bytes: [UInt8]
            if length <= Int(binds[index].buffer_length) {
                bytes = Array(UnsafeRawBufferPointer(start: memory, count: length))
            } else {
                // Longer than max_length promised (should not happen): fetch the column again.
                bytes = [UInt8](repeating: 0, count: length)
                var single = binds[index]
                let status = bytes.withUnsafeMutableBytes { target -> Int32 in
                    single.buffer = target.baseAddress
                    single.buffer_length = UInt(length)
                    return mysql_stmt_fetch_column(statement, &single, UInt32(index), 0)
                }
                if status != 0 { throw MySQLError(code: mysql_stmt_errno(statement), message: String(cString: mysql_stmt_error(statement))) }
            }
            return columns[index] == .binary ? .bytes(bytes) : .text(String(decoding: bytes, as: UTF8.self))
        }
    }

    static func time(from date: Date) -> MYSQL_TIME {
        let parts = Calendar.utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let whole = date.timeIntervalSince1970.rounded(.down)
        let micros = UInt(((date.timeIntervalSince1970 - whole) * 1_000_000).rounded().clamped(to: 0...999_999))
        var time = MYSQL_TIME()
        time.year = UInt32(parts.year ?? 1970)
        time.month = UInt32(parts.month ?? 1)
        time.day = UInt32(parts.day ?? 1)
        time.hour = UInt32(parts.hour ?? 0)
        time.minute = UInt32(parts.minute ?? 0)
        time.second = UInt32(parts.second ?? 0)
        time.second_part = micros
        time.time_type = MYSQL_TIMESTAMP_DATETIME
        return time
    }

    static func date(from time: MYSQL_TIME) -> Date? {
        guard time.year > 0, time.month > 0, time.day > 0 else { return nil }
        let components = DateComponents(timeZone: .gmt, year: Int(time.year), month: Int(time.month), day: Int(time.day),
                                        hour: Int(time.hour), minute: Int(time.minute), second: Int(time.second))
        return Calendar.utc.date(from: components).map { $0.addingTimeInterval(Double(time.second_part) / 1_000_000) }
    }
}

extension Comparable {
    func clamped(to range: ClosedRange<Self>) -> Self { min(max(self, range.lowerBound), range.upperBound) }
}

/// Column names of one result, shared by its rows.
final class MySQLColumns: Sendable {
    let names: [String]
    let index: [String: Int]

    init(names: [String]) {
        self.names = names
        var index: [String: Int] = [:]
        // The first column of a name wins, as in a SELECT * over a join.
        for (position, name) in names.enumerated() where index[name] == nil { index[name] = position }
        self.index = index
    }
}
