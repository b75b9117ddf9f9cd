// The reader of strace's structural syntax that turns one argument's text and
// its typed leaves into a JSON value (trace/json_value.hpp).
#include "trace/json_value.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include <fmt/format.h>

#include "trace/json_printer.hpp"

namespace lstar {

bool is_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        int n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
        if (n < 0 || i + static_cast<std::size_t>(n) >= s.size()) return false;
        std::uint32_t cp = n == 0 ? c : c & (0x3fu >> n);
        for (int k = 1; k <= n; ++k) {
            auto d = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
            if ((d >> 6) != 2) return false;
            cp = cp << 6 | (d & 0x3fu);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
        if (cp < kMin[n] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return false;
        i += static_cast<std::size_t>(n) + 1;
    }
    return true;
}

void append_json_bytes(std::string& out, std::string_view bytes, bool truncated, bool force_bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    bool utf8 = !force_bytes && is_utf8(bytes);
    if (utf8 && !truncated) return append_json_utf8(out, bytes);
    if (utf8) {
        out += "{\"str\":";
        append_json_utf8(out, bytes);
    } else {
        out += "{\"bytes\":\"";
        for (unsigned char c : bytes) {
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        }
        out += '"';
    }
    if (truncated) out += ",\"truncated\":true";
    out += '}';
}

namespace {

bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_ident(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

class Reader {
public:
    Reader(std::string_view text, const TypedSpans* typed, std::string& out)
        : s_(text), out_(out), spans_(typed ? &typed->ordered : nullptr) {
        if (!typed) return;
        spans_->clear();
        for (const TypedSpans::Span& sp : typed->spans)
            if (sp.buf == 0 && sp.end <= text.size() && sp.begin < sp.end) spans_->push_back(sp);
        // The outermost leaf first where several start at one place (fd() prints with dec()).
        std::sort(spans_->begin(), spans_->end(), [](const auto& a, const auto& b) {
            return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
        });
        json_ = typed->json;
    }

    // The whole text as one value; anything unread makes it {"text": ...}.
    void whole() {
        std::size_t mark = out_.size();
        // Named values (clone's "child_stack=NULL, flags=..., child_tidptr=0x..."):
        // an object, as if in braces.
        if (named_at(pos_)) {
            if (list_items('\0', true) && pos_ == s_.size()) return;
            out_.resize(mark);
            pos_ = 0;
        }
        if (value() && pos_ == s_.size()) return;
        pos_ = 0;
        out_.resize(mark);
        raw_text(0, s_.size());
    }

    // A result: the value up to " (", then the parenthesised list into detail.
    void result(std::string& detail) {
        std::size_t mark = out_.size();
        if (!value() || (pos_ != s_.size() && !s_.substr(pos_).starts_with(" ("))) {
            out_.resize(mark);
            raw_text(0, s_.size());
            return;
        }
        if (pos_ == s_.size() || !s_.ends_with(")")) return;
        std::string_view inner = s_.substr(pos_ + 2, s_.size() - pos_ - 3);
        std::size_t at = pos_ + 2;
        Reader d(*this, detail, at, at + inner.size());
        d.list_to_end();
    }

private:
    // A reader of part of the same text, with the same leaves, into another string.
    Reader(const Reader& r, std::string& out, std::size_t from, std::size_t to)
        : s_(r.s_.substr(0, to)), out_(out), spans_(r.spans_), json_(r.json_), pos_(from) {}

    void list_to_end() {
        out_ += '[';
        bool first = true;
        while (pos_ < s_.size()) {
            if (!first) {
                if (!eat(", ")) break;
                out_ += ',';
            }
            first = false;
            if (!labelled_value()) member_value(")");
        }
        out_ += ']';
    }

    // A result's comment that names its value, "flags O_RDONLY|O_LARGEFILE"
    // (fcntl's F_GETFL): {"flags": [...]}.
    bool labelled_value() {
        std::size_t start = pos_, mark = out_.size();
        while (pos_ < s_.size() && (std::islower(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
        std::string_view label = s_.substr(start, pos_ - start);
        if (!label.empty() && eat(" ")) {
            out_ += '{';
            append_json_utf8(out_, label);
            out_ += ':';
            if (value() && (pos_ == s_.size() || at(", "))) {
                out_ += '}';
                return true;
            }
        }
        out_.resize(mark);
        pos_ = start;
        return false;
    }

    bool at(std::string_view lit) const { return s_.substr(pos_).starts_with(lit); }
    bool eat(std::string_view lit) {
        if (!at(lit)) return false;
        pos_ += lit.size();
        return true;
    }

    // The typed leaf that starts here, if any (leaves the reader passed over are dropped).
    const TypedSpans::Span* leaf() {
        if (!spans_) return nullptr;
        const std::vector<TypedSpans::Span>& spans = *spans_;
        while (next_ < spans.size() && spans[next_].begin < pos_) ++next_;
        return next_ < spans.size() && spans[next_].begin == pos_ ? &spans[next_] : nullptr;
    }

    void skip_comments() {
        while (at(" /*") || at("/*")) {
            std::size_t end = s_.find("*/", pos_);
            if (end == std::string_view::npos) return;
            pos_ = end + 2;
        }
    }

    // Text the reader does not understand, kept as it is.
    void raw_text(std::size_t from, std::size_t to) {
        out_ += "{\"text\":";
        std::string_view t = s_.substr(from, to - from);
        if (is_utf8(t)) append_json_utf8(out_, t);
        else append_json_bytes(out_, t, false);
        out_ += '}';
    }

    // Skips to the end of the value that starts here: the next ", " or closer at depth 0.
    void skip_value(std::string_view closers) {
        int depth = 0;
        bool quoted = false;
        for (; pos_ < s_.size(); ++pos_) {
            char c = s_[pos_];
            if (quoted) {
                if (c == '\\') ++pos_;
                else if (c == '"') quoted = false;
                continue;
            }
            if (c == '"') quoted = true;
            else if (c == '{' || c == '[' || c == '(') ++depth;
            else if (depth == 0 && (closers.find(c) != std::string_view::npos || at(", "))) return;
            else if (c == '}' || c == ']' || c == ')') --depth;
        }
    }

    // A value inside a list: read, or kept as text up to the next separator.
    void member_value(std::string_view closers) {
        std::size_t mark = out_.size(), start = pos_;
        if (value() && (pos_ == s_.size() || at(", ") || closers.find(s_[pos_]) != std::string_view::npos)) return;
        out_.resize(mark);
        pos_ = start;
        skip_value(closers);
        raw_text(start, pos_);
    }

    bool value() {
        std::size_t mark = out_.size();
        if (!primary()) return false;
        skip_comments();
        if (at("|")) {
            // A flag expression the printer wrote as text: its terms as an array.
            std::string first = out_.substr(mark);
            out_.resize(mark);
            out_ += '[';
            out_ += first;
            while (eat("|")) {
                out_ += ',';
                std::size_t t = pos_, term = out_.size();
                if (!primary() || at("<<")) {
                    // N<<MAP_HUGE_SHIFT and other terms that are not values: kept as written.
                    out_.resize(term);
                    pos_ = t;
                    while (pos_ < s_.size() && (is_ident(s_[pos_]) || s_[pos_] == '<')) ++pos_;
                    if (pos_ == t) return false;
                    append_json_utf8(out_, s_.substr(t, pos_ - t));
                }
                skip_comments();
            }
            out_ += ']';
        }
        if (eat(" => ")) {
            // strace's in/out pair: the value at entry, then at exit.
            out_.insert(mark, "{\"in\":");
            out_ += ",\"out\":";
            if (!value()) return false;
            out_ += '}';
        }
        return true;
    }

    bool primary() {
        if (const TypedSpans::Span* sp = leaf()) {
            out_.append(json_, sp->json_begin, sp->json_end - sp->json_begin);
            pos_ = sp->end;
            return true;
        }
        if (pos_ >= s_.size()) return false;
        char c = s_[pos_];
        if (c == '{') return list('{', '}');
        if (c == '[') return list('[', ']');
        if (c == '"') return quoted();
        if (eat("...")) return out_ += "{\"...\":true}", true;
        if (eat("?")) return out_ += "{\"unknown\":true}", true;
        if (c == '-' || is_digit(c)) return number();
        if (c == '&' || is_ident_start(c)) {
            std::size_t start = pos_;
            ++pos_;
            while (pos_ < s_.size() && is_ident(s_[pos_])) ++pos_;
            std::string_view name = s_.substr(start, pos_ - start);
            if (at("(")) return call(name);
            if (name == "NULL") out_ += "null";
            else append_json_utf8(out_, name);
            return true;
        }
        return false;
    }

    bool number() {
        std::size_t start = pos_;
        if (s_[pos_] == '-') ++pos_;
        if (pos_ >= s_.size() || !is_digit(s_[pos_])) return false;
        bool hex = at("0x");
        if (hex) pos_ += 2;
        while (pos_ < s_.size() && (is_digit(s_[pos_]) || (hex && std::isxdigit(static_cast<unsigned char>(s_[pos_]))))) ++pos_;
        if (pos_ < s_.size() && (is_ident(s_[pos_]) || s_[pos_] == '.' || s_[pos_] == '*')) return false;
        std::string digits(s_.substr(start, pos_ - start));
        bool neg = digits[0] == '-';
        // strace's numbers: decimal, 0x hex, and 0-led octal (modes).
        std::uint64_t v = std::strtoull(digits.c_str() + neg, nullptr, hex ? 16 : digits.size() > 1u + neg && digits[neg] == '0' ? 8 : 10);
        if (neg) fmt::format_to(std::back_inserter(out_), "-{}", v);
        else fmt::format_to(std::back_inserter(out_), "{}", v);
        return true;
    }

    // htons(80), inet_addr("127.0.0.1"), makedev(0x8, 0x1): a notation around
    // one value is that value; several values are {"fn": name, "args": [...]}.
    bool call(std::string_view name) {
        ++pos_;  // (
        std::size_t mark = out_.size();
        int n = 0;
        std::string args;
        while (!eat(")")) {
            if (n && !eat(", ")) return false;
            std::size_t at_ = out_.size();
            if (!value()) return false;
            if (n) args += ',';
            args.append(out_, at_, std::string::npos);
            out_.resize(at_);
            ++n;
        }
        out_.resize(mark);
        if (n == 1) {
            out_ += args;
            return true;
        }
        out_ += "{\"fn\":";
        append_json_utf8(out_, name);
        out_ += ",\"args\":[";
        out_ += args;
        out_ += "]}";
        return true;
    }

    // Where a member "name=" starts at `at`: the end of the name, or 0.
    std::size_t named_at(std::size_t at) const {
        std::size_t end = at;
        while (end < s_.size() && (is_ident(s_[end]) || s_[end] == '[' || s_[end] == ']' || s_[end] == '.')) ++end;
        bool named = end > at && is_ident_start(s_[at]) && end < s_.size() && s_[end] == '=' &&
                     !(end + 1 < s_.size() && s_[end + 1] == '>');
        return named ? end : 0;
    }

    // {name=value, ...} is an object, [a, b] and {a, b} arrays; "..." elides.
    bool list(char open, char close) {
        ++pos_;
        skip_comments();
        if (eat(std::string_view(&close, 1))) return out_ += open == '{' ? "{}" : "[]", true;
        return list_items(close, false);
    }

    // The members up to `close` (with `bare`, up to the end of the text), then close.
    bool list_items(char close, bool bare) {
        bool object = false, first = true;
        int index = 0;
        std::string closers = bare ? std::string() : std::string(1, close);
        auto closed = [&] { return bare ? pos_ >= s_.size() : eat(std::string_view(&close, 1)); };
        while (!closed()) {
            if (pos_ >= s_.size()) return false;
            if (!first) {
                if (!eat(", ")) return false;
                out_ += ',';
            }
            skip_comments();
            std::size_t name_end = named_at(pos_);
            if (first) {
                object = name_end != 0;
                out_ += object ? '{' : '[';
            }
            first = false;
            bool elided = at("...") && (pos_ + 3 == s_.size() || s_[pos_ + 3] == close || s_.substr(pos_ + 3).starts_with(", "));
            if (object && !name_end && elided) {
                pos_ += 3;
                out_ += "\"...\":true";
            } else if (object) {
                if (name_end) {
                    append_json_utf8(out_, s_.substr(pos_, name_end - pos_));
                    pos_ = name_end + 1;
                } else {
                    fmt::format_to(std::back_inserter(out_), "\"{}\"", index);
                }
                out_ += ':';
                member_value(closers);
            } else if (name_end) {
                out_ += '{';
                append_json_utf8(out_, s_.substr(pos_, name_end - pos_));
                pos_ = name_end + 1;
                out_ += ':';
                member_value(closers);
                out_ += '}';
            } else {
                member_value(closers);
            }
            ++index;
            skip_comments();
        }
        out_ += object ? '}' : ']';
        return true;
    }

    // A string the printer quoted itself: strace's escapes undone, "..." after it a cut.
    bool quoted() {
        std::string bytes;
        ++pos_;
        while (pos_ < s_.size() && s_[pos_] != '"') {
            char c = s_[pos_++];
            if (c != '\\') {
                bytes += c;
                continue;
            }
            if (pos_ >= s_.size()) return false;
            char e = s_[pos_++];
            switch (e) {
            case 'n': bytes += '\n'; break;
            case 't': bytes += '\t'; break;
            case 'r': bytes += '\r'; break;
            case 'f': bytes += '\f'; break;
            case 'v': bytes += '\v'; break;
            case 'x': {
                unsigned v = 0;
                for (int k = 0; k < 2 && pos_ < s_.size() && std::isxdigit(static_cast<unsigned char>(s_[pos_])); ++k, ++pos_)
                    v = v * 16 + static_cast<unsigned>(is_digit(s_[pos_]) ? s_[pos_] - '0' : (s_[pos_] | 0x20) - 'a' + 10);
                bytes += static_cast<char>(v);
                break;
            }
            default:
                if (e >= '0' && e <= '7') {
                    unsigned v = static_cast<unsigned>(e - '0');
                    for (int k = 0; k < 2 && pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '7'; ++k)
                        v = v * 8 + static_cast<unsigned>(s_[pos_++] - '0');
                    bytes += static_cast<char>(v);
                } else {
                    bytes += e;  // \" and \\ .
                }
            }
        }
        if (pos_ >= s_.size()) return false;
        ++pos_;
        append_json_bytes(out_, bytes, eat("..."));
        return true;
    }

    std::string_view s_;
    std::string& out_;
    std::vector<TypedSpans::Span>* spans_;  // nullptr: text only
    std::string_view json_;
    std::size_t pos_ = 0;
    std::size_t next_ = 0;
};

}  // namespace

void json_value(std::string_view text, const TypedSpans* typed, std::string& out) { Reader(text, typed, out).whole(); }

void json_result(std::string_view text, const TypedSpans* typed, std::string& out, std::string& detail) {
    Reader(text, typed, out).result(detail);
}

}  // namespace lstar
