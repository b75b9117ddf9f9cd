#include "policy/glob.hpp"

#include <fmt/format.h>

namespace lstar::policy {

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    while (!path.empty()) {
        std::size_t slash = path.find('/');
        std::string_view name = path.substr(0, slash);
        if (!name.empty()) out.push_back(name);
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return out;
}

namespace {

// A class at pattern[i] ('['): whether c is in it; i moves past its ']'.
bool match_class(std::string_view p, std::size_t& i, char c) {
    ++i;
    bool negate = i < p.size() && (p[i] == '!' || p[i] == '^');
    if (negate) ++i;
    bool in = false;
    bool first = true;
    for (; i < p.size() && (first || p[i] != ']'); ++i, first = false) {
        if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
            in = in || (c >= p[i] && c <= p[i + 2]);
            i += 2;
        } else {
            in = in || c == p[i];
        }
    }
    return in != negate;  // i is at the ']'
}

// Names [pi..] of the pattern against names [ni..] of the path. `anchored`: a
// non-** name of the pattern has matched a name of the path. With `prefix`, the
// path may end while pattern names are left (and must have been anchored).
bool match_names(const std::vector<std::string>& pat, std::size_t pi, const std::vector<std::string_view>& names,
                 std::size_t ni, bool prefix, bool anchored) {
    if (pi == pat.size()) return !prefix && ni == names.size();
    if (ni == names.size()) {
        if (prefix) return anchored;
        for (std::size_t k = pi; k < pat.size(); ++k)
            if (pat[k] != "**") return false;
        return true;
    }
    if (pat[pi] == "**") {
        for (std::size_t k = ni; k <= names.size(); ++k)
            if (match_names(pat, pi + 1, names, k, prefix, anchored)) return true;
        return false;
    }
    return match_name(pat[pi], names[ni]) && match_names(pat, pi + 1, names, ni + 1, prefix, true);
}

}  // namespace

bool match_name(std::string_view p, std::string_view s) {
    std::size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
    while (si < s.size()) {
        if (pi < p.size() && p[pi] == '*') {
            star = pi++;
            mark = si;
        } else if (pi < p.size() && p[pi] == '?') {
            ++pi, ++si;
        } else if (pi < p.size() && p[pi] == '[') {
            std::size_t j = pi;
            if (match_class(p, j, s[si])) {
                pi = j + 1;
                ++si;
            } else if (star != std::string_view::npos) {
                pi = star + 1;
                si = ++mark;
            } else {
                return false;
            }
        } else if (pi < p.size() && p[pi] == s[si]) {
            ++pi, ++si;
        } else if (star != std::string_view::npos) {
            pi = star + 1;
            si = ++mark;
        } else {
            return false;
        }
    }
    while (pi < p.size() && p[pi] == '*') ++pi;
    return pi == p.size();
}

Result<Glob> Glob::parse(std::string_view text) {
    Glob g;
    g.text_ = text;
    if (text.empty()) return error("an empty glob (write an absolute pattern such as /home/*/.ssh/** or **/*.pem)");
    if (text[0] != '/' && text.substr(0, 3) != "**/" && text != "**")
        return error(fmt::format("glob '{}' must be absolute or start with **/ (write **/{})", text, text));
    for (std::string_view name : split_path(text)) {
        if (name.find("**") != std::string_view::npos && name != "**")
            return error(fmt::format("glob '{}': ** must be a whole name (a/**/b), not part of '{}'", text, name));
        if (name == "." || name == "..")
            return error(fmt::format("glob '{}': '{}' never appears in a real path (write the path without it)", text, name));
        for (std::size_t i = 0; i < name.size(); ++i) {
            if (name[i] != '[') continue;
            std::size_t j = i + 1;
            if (j < name.size() && (name[j] == '!' || name[j] == '^')) ++j;
            if (j < name.size() && name[j] == ']') ++j;  // a leading ] is a member
            while (j < name.size() && name[j] != ']') ++j;
            if (j >= name.size())
                return error(fmt::format("glob '{}': '[' without its ']' (close the class, or write [[] for a bracket)", text));
            i = j;
        }
        g.names_.emplace_back(name);
    }
    return g;
}

bool Glob::matches(std::string_view path) const { return match_names(names_, 0, split_path(path), 0, false, false); }

bool Glob::anchors_beneath(std::string_view dir) const { return match_names(names_, 0, split_path(dir), 0, true, false); }

}  // namespace lstar::policy
