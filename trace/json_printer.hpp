// --json: one JSON object per line per event, schema in docs/json-schema.md.
// A small append-only builder: no DOM, no allocation beyond the line buffer
// that the caller reuses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "kernel/task.hpp"

namespace lstar {

// The schema --json writes by default; --json=1 the first one (docs/json-schema.md).
inline constexpr int kJsonSchemaVersion = 2;

// Appends `text` as a JSON string literal, quotes included (bytes from 0x80 up as \u00XX).
void append_json_string(std::string& out, std::string_view text);
// The same for text that is valid UTF-8 (trace/json_value.hpp's is_utf8): kept as it is.
void append_json_utf8(std::string& out, std::string_view text);

class JsonLine {
public:
    explicit JsonLine(std::string& out, int version = kJsonSchemaVersion) : out_(out), version_(version) {}
    // {"v":VERSION,"type":...,"pid":tgid,"tid":tid,"mono_ns":...,"wall_ns":...
    JsonLine& begin(std::string_view type, const Task& task, std::uint64_t mono_ns, std::uint64_t wall_ns);
    JsonLine& field(std::string_view key, std::int64_t value);
    JsonLine& field_u(std::string_view key, std::uint64_t value);
    JsonLine& field(std::string_view key, bool value);
    JsonLine& field_null(std::string_view key);
    JsonLine& field_str(std::string_view key, std::string_view value);
    // "key":VALUE, the value already JSON.
    JsonLine& field_json(std::string_view key, std::string_view json);
    // "key":[ ... ]: open, then items, then close.
    JsonLine& open_array(std::string_view key);
    JsonLine& item_u(std::uint64_t value);
    JsonLine& item_str(std::string_view value);
    JsonLine& item_json(std::string_view json);
    JsonLine& close_array();
    void end();  // }\n

private:
    void key(std::string_view k);
    void comma();
    std::string& out_;
    int version_;
    bool first_item_ = true;
};

}  // namespace lstar
