// Path patterns of supervised rules: `*` and `?` within one name, `[a-z]` /
// `[!a-z]` classes, and `**` as a whole name for any number of names (none
// too). A pattern is absolute or starts with `**/`; it is matched against the
// real path a call reaches (symlinks, `..` and /proc's links resolved), name
// by name, never across a `/`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "table/result.hpp"

namespace lstar::policy {

class Glob {
public:
    // An error says what is wrong and how to write it.
    static Result<Glob> parse(std::string_view text);

    bool matches(std::string_view path) const;
    // Whether some path beneath `dir` may match by way of a name of `dir` itself
    // (so that renaming or linking `dir` elsewhere would take such a path out of
    // the pattern's reach): `/home/*/.ssh/**` anchors beneath `/home/me`, while
    // `**/*.pem` anchors beneath no directory (it matches wherever the file goes).
    bool anchors_beneath(std::string_view dir) const;
    const std::string& text() const { return text_; }

private:
    std::string text_;
    std::vector<std::string> names_;  // "**" for any number of names
};

// The names of a path, without empty ones ("/a//b/" is a, b).
std::vector<std::string_view> split_path(std::string_view path);

// One name against one name pattern (`*`, `?`, classes).
bool match_name(std::string_view pattern, std::string_view name);

}  // namespace lstar::policy
