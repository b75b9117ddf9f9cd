#include "trace/json_printer.hpp"

#include <fmt/format.h>

namespace lstar {

namespace {

// With keep_utf8 the bytes from 0x80 up are written as they are (text known to be
// UTF-8), else each as \u00XX.
void append_escaped(std::string& out, std::string_view text, bool keep_utf8) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    std::size_t plain = 0;  // start of the run of characters that need no escape
    for (std::size_t i = 0; i < text.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f && (c < 0x80 || keep_utf8)) continue;
        out.append(text, plain, i - plain);
        plain = i + 1;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default:
            // Control characters, DEL and bytes >= 0x80 (decoded strings are strace's
            // escaped ASCII, but a path from -y may hold anything): \u00XX keeps the line valid UTF-8.
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        }
    }
    out.append(text, plain, text.size() - plain);
    out += '"';
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) { append_escaped(out, text, false); }
void append_json_utf8(std::string& out, std::string_view text) { append_escaped(out, text, true); }

void JsonLine::comma() { out_ += ','; }

void JsonLine::key(std::string_view k) {
    comma();
    out_ += '"';
    out_ += k;
    out_ += "\":";
}

JsonLine& JsonLine::begin(std::string_view type, const Task& task, std::uint64_t mono_ns, std::uint64_t wall_ns) {
    fmt::format_to(std::back_inserter(out_), R"({{"v":{},"type":"{}","pid":{},"tid":{},"mono_ns":{},"wall_ns":{})",
                   version_, type, task.tgid, task.tid, mono_ns, wall_ns);
    return *this;
}

JsonLine& JsonLine::field(std::string_view k, std::int64_t value) {
    key(k);
    fmt::format_to(std::back_inserter(out_), "{}", value);
    return *this;
}

JsonLine& JsonLine::field_u(std::string_view k, std::uint64_t value) {
    key(k);
    fmt::format_to(std::back_inserter(out_), "{}", value);
    return *this;
}

JsonLine& JsonLine::field(std::string_view k, bool value) {
    key(k);
    out_ += value ? "true" : "false";
    return *this;
}

JsonLine& JsonLine::field_null(std::string_view k) {
    key(k);
    out_ += "null";
    return *this;
}

JsonLine& JsonLine::field_str(std::string_view k, std::string_view value) {
    key(k);
    append_json_string(out_, value);
    return *this;
}

JsonLine& JsonLine::open_array(std::string_view k) {
    key(k);
    out_ += '[';
    first_item_ = true;
    return *this;
}

JsonLine& JsonLine::item_u(std::uint64_t value) {
    if (!first_item_) out_ += ',';
    first_item_ = false;
    fmt::format_to(std::back_inserter(out_), "{}", value);
    return *this;
}

JsonLine& JsonLine::item_str(std::string_view value) {
    if (!first_item_) out_ += ',';
    first_item_ = false;
    append_json_string(out_, value);
    return *this;
}

JsonLine& JsonLine::item_json(std::string_view json) {
    if (!first_item_) out_ += ',';
    first_item_ = false;
    out_ += json;
    return *this;
}

JsonLine& JsonLine::field_json(std::string_view k, std::string_view json) {
    key(k);
    out_ += json;
    return *this;
}

JsonLine& JsonLine::close_array() {
    out_ += ']';
    return *this;
}

void JsonLine::end() { out_ += "}\n"; }

}  // namespace lstar
