// --json version 2: each decoded argument as a JSON value (docs/json-schema.md).
//
// The printing primitives of DecodeCtx (numbers, strings, constant sets,
// descriptors, signals) record what they printed as a typed leaf: a span of the
// text and its JSON. json_value() then reads strace's structural syntax around
// those leaves ({ } [ ] name= , ... => /* */ f(...)) and writes the tree. So the
// printers keep writing strace's text only, text output cannot change, and each
// rule of the JSON form lives either in a primitive or in the reader below.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lstar {

struct TypedSpans {
    struct Span {
        std::uint32_t begin, end;            // the leaf's text in its buffer
        std::uint32_t json_begin, json_end;  // its JSON in `json`
        std::uint32_t buf;                   // which buffer: 0 the argument's, others a printer's scratch
    };
    std::vector<Span> spans;
    std::string json;  // the leaves' JSON, back to back
    std::uint32_t next_buf = 0;
    // json_value()'s leaves of buffer 0 in reading order, kept to reuse its memory.
    mutable std::vector<Span> ordered;
    void clear() {
        spans.clear();
        json.clear();
        next_buf = 0;
    }
};

// The JSON value of one argument's text (buffer 0 of `typed`; nullptr: text only).
void json_value(std::string_view text, const TypedSpans* typed, std::string& out);
// The result after "= " of a successful call: its value, and in `detail` the list
// strace shows in parentheses after it ("1 ([{fd=3, revents=POLLIN}])"), or
// nothing when there is none.
void json_result(std::string_view text, const TypedSpans* typed, std::string& out, std::string& detail);

// A string's JSON form: a JSON string when the bytes are UTF-8 and whole, else
// {"str": ..., "truncated": true} or {"bytes": "hex"[, "truncated": true]};
// always the bytes form with force_bytes (data strace shows in hex).
void append_json_bytes(std::string& out, std::string_view bytes, bool truncated, bool force_bytes = false);
bool is_utf8(std::string_view s);

}  // namespace lstar
