#include "cli/manual.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "cli/trace_options.hpp"
#include "entry/backend.hpp"
#include "table/syscall_table.hpp"

namespace lstar {

namespace {

std::vector<std::string> lines_of(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        out.emplace_back(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    }
    return out;
}

std::string trim(std::string_view s) {
    std::size_t b = s.find_first_not_of(' ');
    if (b == std::string_view::npos) return {};
    std::size_t e = s.find_last_not_of(' ');
    return std::string(s.substr(b, e - b + 1));
}

std::size_t indent(std::string_view s) {
    std::size_t n = s.find_first_not_of(' ');
    return n == std::string_view::npos ? s.size() : n;
}

// lstar trace's qualifiers and lstar run's --deny take lists of calls and %classes.
bool takes_call_set(std::string_view name) {
    static constexpr std::string_view kNames[] = {"--trace", "--abbrev", "--verbose", "--raw", "--inject", "--fault", "--deny"};
    return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

// How an option's argument completes: from its name and the word --help shows after it.
void classify(HelpOption& o, std::string_view name, std::string_view metavar) {
    if (name == "-e") o.complete = Complete::trace_expr;
    else if (takes_call_set(name)) o.complete = Complete::syscall_set;
    else if (name == "--backend") {
        o.complete = Complete::choice;
        for (std::string_view b : backend_names()) o.choices.emplace_back(b);
    } else if (name == "--class" || metavar.starts_with("%")) {
        o.complete = Complete::choice;
        for (const ClassName& c : class_names())
            if (!c.name.starts_with("%%")) o.choices.emplace_back(c.name);
    } else if (metavar == "PID") o.complete = Complete::pid;
    else if (metavar == "DIR" || metavar.starts_with("HOST")) o.complete = Complete::directory;
    else if (metavar.find("FILE") != std::string_view::npos || metavar == "PATH" || metavar.find('.') != std::string_view::npos)
        o.complete = Complete::file;
    else if (metavar.find('|') != std::string_view::npos) {
        o.complete = Complete::choice;
        std::string_view rest = metavar;
        while (!rest.empty()) {
            std::size_t bar = rest.find('|');
            o.choices.emplace_back(rest.substr(0, bar));
            rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
        }
    } else o.complete = Complete::word;
}

// The names in a spelling ("-o FILE, --output=FILE": -o, --output) and what the
// first that takes an argument says of it.
void read_spelling(HelpOption& o) {
    static const std::regex kName(R"((^|[\s,\[])(--[A-Za-z0-9][A-Za-z0-9-]*|-[A-Za-z0-9])(?=$|[\s,=\[]))");
    const std::string& s = o.spelling;
    bool classified = false;
    for (auto it = std::sregex_iterator(s.begin(), s.end(), kName); it != std::sregex_iterator(); ++it) {
        std::string name = (*it)[2];
        if (std::find(o.names.begin(), o.names.end(), name) == o.names.end()) o.names.push_back(name);
        std::size_t after = static_cast<std::size_t>(it->position(2) + it->length(2));
        if (classified || after >= s.size()) continue;
        // "-o FILE" or "--output=FILE": an argument; "[=...]", ", " or " -x": none of its own.
        std::string_view rest = std::string_view(s).substr(after);
        if (rest[0] == '=' || (rest[0] == ' ' && rest.size() > 1 && rest[1] != '-' && rest[1] != ' ')) {
            rest.remove_prefix(1);
            std::string_view metavar = rest.substr(0, rest.find_first_of(", "));
            // "CALL[,CALL...]": the word, without the bracket its list opened.
            o.metavar = metavar.substr(0, metavar.ends_with('[') ? metavar.size() - 1 : metavar.size());
            classify(o, name, metavar);
            classified = true;
        }
    }
}

}  // namespace

std::vector<std::string> CommandHelp::option_names() const {
    std::vector<std::string> out;
    for (const HelpSection& s : sections)
        for (const HelpOption& o : s.options) out.insert(out.end(), o.names.begin(), o.names.end());
    return out;
}

CommandHelp parse_help(std::string_view text) {
    CommandHelp help;
    std::vector<std::string> lines = lines_of(text);
    std::size_t i = 0;
    // Before "Usage:": a description (CLI11 puts it first).
    std::string para;
    auto end_paragraph = [&](std::vector<std::string>& into) {
        if (!para.empty()) into.push_back(para);
        para.clear();
    };
    for (; i < lines.size() && !std::regex_search(lines[i], std::regex("^[Uu]sage: ")); ++i) {
        if (trim(lines[i]).empty()) end_paragraph(help.description);
        else para += (para.empty() ? "" : "\n") + trim(lines[i]);
    }
    end_paragraph(help.description);
    if (i < lines.size()) {
        help.synopsis.push_back(trim(lines[i].substr(7)));
        for (++i; i < lines.size() && indent(lines[i]) >= 4 && !trim(lines[i]).starts_with("-"); ++i)
            help.synopsis.push_back(trim(lines[i]));
    }
    help.sections.emplace_back();
    HelpOption* last = nullptr;  // the option continuation lines belong to
    static const std::regex kOption(R"(^ {1,3}(-\S.*?)(?: {2,}(\S.*))?$)");
    for (; i < lines.size(); ++i) {
        const std::string& line = lines[i];
        HelpSection& section = help.sections.back();
        std::smatch m;
        if (trim(line).empty()) {
            end_paragraph(help.sections.size() == 1 && section.options.empty() ? help.description : section.paragraphs);
            last = nullptr;
        } else if (indent(line) == 0 && line.back() == ':') {
            end_paragraph(help.sections.size() == 1 && section.options.empty() ? help.description : section.paragraphs);
            help.sections.push_back(HelpSection{line.substr(0, line.size() - 1), {}, {}});
            last = nullptr;
        } else if (std::regex_match(line, m, kOption)) {
            end_paragraph(section.paragraphs);
            if (last && last->text.empty() && indent(line) >= 3) {
                last->spelling += " " + m[1].str();  // a spelling on two lines
                last->text = m[2];
            } else {
                section.options.push_back(HelpOption{m[1], {}, m[2], {}, Complete::none, {}});
                last = &section.options.back();
            }
        } else if (last && last->text.empty() && trim(line).starts_with("[")) {
            last->spelling += " " + trim(line);  // the rest of a spelling too long for one line
        } else if (last && indent(line) >= 2) {
            last->text += (last->text.empty() ? "" : "\n") + trim(line);
        } else {
            para += (para.empty() ? "" : "\n") + trim(line);
            if (indent(line) == 0) last = nullptr;
        }
    }
    end_paragraph(help.sections.size() == 1 && help.sections.back().options.empty() ? help.description
                                                                                    : help.sections.back().paragraphs);
    for (HelpSection& s : help.sections)
        for (HelpOption& o : s.options) read_spelling(o);
    return help;
}

// ---- man(7) ----

namespace {

// Text as roff reads it: backslashes escaped, hyphens as \-, a line that would
// start with a control character guarded.
std::string roff(std::string_view text) {
    std::string out;
    bool line_start = true;
    for (char c : text) {
        if (line_start && (c == '.' || c == '\'')) out += "\\&";
        if (c == '\\') out += "\\e";
        else if (c == '"') out += "\\(dq";
        else if (c == '-') out += "\\-";
        else out += c;
        line_start = c == '\n';
    }
    return out;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string page_name(const ManualCommand& c) { return c.name.empty() ? "lstar" : "lstar-" + c.name; }

void paragraphs(std::string& out, const std::vector<std::string>& paras) {
    for (const std::string& p : paras) {
        out += ".PP\n";
        // Lines kept as --help has them (a list, a table): no filling.
        out += ".nf\n" + roff(p) + "\n.fi\n";
    }
}

}  // namespace

std::string man_page(const ManualCommand& c, const std::vector<ManualCommand>& commands, std::string_view version) {
    std::string out;
    std::string name = page_name(c);
    out += fmt::format(".\\\" Generated by lstar-manual from `lstar{}{} --help`. Do not edit.\n", c.name.empty() ? "" : " ", c.name);
    out += fmt::format(".TH {} 1 \"\" \"lstar {}\" \"lstar manual\"\n", upper(name), version);
    out += ".nh\n.ad l\n";  // option names neither hyphenated nor stretched
    out += ".SH NAME\n" + roff(name) + " \\- " + roff(c.summary) + "\n";
    out += ".SH SYNOPSIS\n.nf\n";
    for (const std::string& s : c.help.synopsis) out += roff(s) + "\n";
    out += ".fi\n";
    if (!c.help.description.empty()) {
        out += ".SH DESCRIPTION\n";
        paragraphs(out, c.help.description);
    }
    if (c.name.empty()) {
        out += ".SH COMMANDS\n";
        for (const ManualCommand& sub : commands) {
            if (sub.name.empty()) continue;
            out += fmt::format(".TP\n.B {}\n{} (see \\fB{}\\fR(1))\n", roff(sub.name), roff(sub.summary), roff(page_name(sub)));
        }
    }
    bool options_heading = false, subsections = false;
    for (const HelpSection& s : c.help.sections) {
        if (s.options.empty() && s.paragraphs.empty()) {
            if (!s.title.empty()) out += ".SS " + roff(s.title) + "\n";
            continue;
        }
        if (!options_heading) out += ".SH OPTIONS\n";
        options_heading = true;
        // "Options:" needs no heading of its own under OPTIONS, unless others came before it.
        if (!s.title.empty() && s.title != "Commands" && (s.title != "Options" || subsections)) {
            out += ".SS " + roff(s.title) + "\n";
            subsections = true;
        }
        if (c.name.empty() && s.title == "Commands") continue;  // listed above
        for (const HelpOption& o : s.options) {
            out += ".TP\n.B " + roff(o.spelling) + "\n";
            if (!o.text.empty()) out += ".nf\n" + roff(o.text) + "\n.fi\n";
        }
        paragraphs(out, s.paragraphs);
    }
    out += ".SH SEE ALSO\n";
    std::vector<std::string> see;
    for (const ManualCommand& other : commands)
        if (other.name != c.name) see.push_back(fmt::format("\\fB{}\\fR(1)", roff(page_name(other))));
    see.push_back("\\fBstrace\\fR(1)");
    out += fmt::format("{}\n", fmt::join(see, ",\n"));
    return out;
}

// ---- completion ----

namespace {

std::string quoted_words(const std::vector<std::string>& words) {
    std::string out;
    for (const std::string& w : words) {
        if (!out.empty()) out += ' ';
        out += w;
    }
    return out;
}

std::string kind_word(Complete complete, const std::vector<std::string>& choices) {
    switch (complete) {
    case Complete::none: return "";
    case Complete::word: return "word";
    case Complete::file: return "file";
    case Complete::directory: return "directory";
    case Complete::pid: return "pid";
    case Complete::syscall_set: return "set";
    case Complete::trace_expr: return "expr";
    case Complete::choice: return "choice " + quoted_words(choices);
    }
    return "";
}

// Every name of a call in the table (any ABI), and the %classes.
std::vector<std::string> call_names() {
    std::set<std::string> names;
    for (Abi abi : {Abi::x86_64, Abi::i386, Abi::x32})
        for (const SyscallDesc& row : syscall_table(abi))
            if (!row.name.empty()) names.emplace(row.name);
    return {names.begin(), names.end()};
}

// lstar trace -e's qualifiers by name (trace, signal, ...), from its parser's table.
std::vector<std::string> qualifier_names() {
    std::vector<std::string> out;
    for (const QualifierSpelling& q : qualifier_spellings())
        if (std::find(out.begin(), out.end(), q.name) == out.end()) out.emplace_back(q.name);
    return out;
}

// Every spelling of a qualifier whose value is a set of calls (t, trace, inject, ...).
std::vector<std::string> call_set_qualifiers() {
    std::vector<std::string> out;
    for (const QualifierSpelling& q : qualifier_spellings())
        if (q.calls) out.emplace_back(q.spelling);
    return out;
}

// What option `name` (one of o's names) takes: a set of calls for the qualifiers'
// long forms even where the spelling also names -e ("-e trace=SET, --trace=SET").
Complete completion_of(const HelpOption& o, std::string_view name) {
    if (o.complete == Complete::none) return Complete::none;
    return takes_call_set(name) ? Complete::syscall_set : o.complete;
}

std::vector<std::string> class_words() {
    std::vector<std::string> out;
    for (const ClassName& c : class_names()) out.emplace_back(c.name);
    return out;
}

// What follows the options of a command: a program, files, calls.
std::string_view positional(std::string_view command) {
    if (command == "table") return "set";
    if (command == "report") return "file";
    if (command == "policy") return "policy";
    return "program";
}

constexpr std::string_view kBashBody = R"BASH(
# The words after $1 that begin with it (compgen -W's filter, the same in bash and
# under zsh's bashcompinit).
_lstar_match() {
    local prefix="$1" word
    shift
    for word in "$@"; do [[ "$word" == "$prefix"* ]] && printf '%s\n' "$word"; done
    return 0
}

# The argument of kind $1 (file, directory, pid, set, expr, word, "choice W..."),
# $2 typed so far.
_lstar_arg() {
    local kind="$1" cur="$2"
    case "$kind" in
    file) COMPREPLY=( $(_lstar_match "$cur" $(compgen -f -- "$cur")) ) ;;
    directory) COMPREPLY=( $(_lstar_match "$cur" $(compgen -d -- "$cur")) ) ;;
    pid) COMPREPLY=( $(_lstar_match "$cur" $(cd /proc && echo [0-9]*)) ) ;;
    set) _lstar_set "$cur" ;;
    expr)
        if [[ "$cur" == *=* ]]; then
            local q="${cur%%=*}"
            case " $_lstar_set_qualifiers " in
            *" $q "*) _lstar_set "${cur#*=}"; COMPREPLY=( "${COMPREPLY[@]/#/$q=}" ) ;;
            esac
        else
            COMPREPLY=( $(_lstar_match "$cur" $_lstar_qualifiers) )
            COMPREPLY=( "${COMPREPLY[@]/%/=}" )
        fi ;;
    choice\ *) COMPREPLY=( $(_lstar_match "$cur" ${kind#choice }) ) ;;
    esac
}

# A list of calls and %classes ("open,read,%net"): the last item completed.
_lstar_set() {
    local cur="$1" head=""
    if [[ "$cur" == *,* ]]; then head="${cur%,*},"; cur="${cur##*,}"; fi
    if [[ -z "$head" && "$cur" == '!'* ]]; then head='!'; cur="${cur#!}"; fi
    COMPREPLY=( $(_lstar_match "$cur" $_lstar_calls $_lstar_classes all none) )
    COMPREPLY=( "${COMPREPLY[@]/#/$head}" )
}

_lstar() {
    [[ -n "${ZSH_VERSION-}" ]] && emulate -L ksh
    local line="${COMP_LINE:0:$((COMP_POINT))}"
    local -a w
    local IFS=$' \t\n'
    set -f
    w=( $line )
    set +f
    [[ -z "$line" || "$line" == *[[:space:]] ]] && w+=( "" )
    local n=${#w[@]} cur="${w[${#w[@]}-1]}" prev=""
    (( n >= 2 )) && prev="${w[n-2]}"
    COMPREPLY=()
    if (( n <= 2 )); then
        COMPREPLY=( $(_lstar_match "$cur" $_lstar_commands --help --version) )
        return 0
    fi
    local cmd="${w[1]}" kind i after=0
    # After "--" (or the program): the program, then its own arguments.
    for (( i = 2; i < n - 1; i++ )); do [[ "${w[i]}" == -- ]] && after=$i; done
    if (( after )); then
        if (( after == n - 2 )); then COMPREPLY=( $(_lstar_match "$cur" $(compgen -c -- "$cur")) )
        else COMPREPLY=( $(_lstar_match "$cur" $(compgen -f -- "$cur")) ); fi
    elif [[ "$cur" == --*=* ]]; then
        kind="$(_lstar_kind "$cmd" "${cur%%=*}")"
        [[ -n "$kind" ]] && _lstar_arg "$kind" "${cur#*=}" && COMPREPLY=( "${COMPREPLY[@]/#/${cur%%=*}=}" )
    elif [[ "$prev" == -* ]] && kind="$(_lstar_kind "$cmd" "$prev")" && [[ -n "$kind" ]]; then
        _lstar_arg "$kind" "$cur"
    elif [[ "$cur" == -* ]]; then
        COMPREPLY=( $(_lstar_match "$cur" $(_lstar_options "$cmd")) )
    else
        case "$(_lstar_positional "$cmd")" in
        set) _lstar_set "$cur" ;;
        file) COMPREPLY=( $(_lstar_match "$cur" $(compgen -f -- "$cur")) ) ;;
        policy)
            if (( n == 3 )); then COMPREPLY=( $(_lstar_match "$cur" compile check show learn) )
            else COMPREPLY=( $(_lstar_match "$cur" $(compgen -f -- "$cur")) ); fi ;;
        program) COMPREPLY=( $(_lstar_match "$cur" $(compgen -c -- "$cur")) ) ;;
        esac
    fi
    # Bash replaces only what follows the last '=' or ':' of the word (COMP_WORDBREAKS).
    if [[ "$cur" == *[=:]* ]]; then
        local strip="${cur%"${cur##*[=:]}"}"
        COMPREPLY=( "${COMPREPLY[@]#"$strip"}" )
    fi
    return 0
}
)BASH";

}  // namespace

std::string bash_completion(const std::vector<ManualCommand>& commands) {
    std::string out =
        "# bash completion for lstar. Generated by lstar-manual from each command's --help\n"
        "# and the system call table (tbl/): do not edit.\n";
    std::vector<std::string> names;
    for (const ManualCommand& c : commands)
        if (!c.name.empty()) names.push_back(c.name);
    out += fmt::format("_lstar_commands=\"{}\"\n", quoted_words(names));
    out += fmt::format("_lstar_calls=\"{}\"\n", quoted_words(call_names()));
    out += fmt::format("_lstar_classes=\"{}\"\n", quoted_words(class_words()));
    // lstar trace -e's qualifiers, and the spellings of those whose value is a set of calls.
    out += fmt::format("_lstar_qualifiers=\"{}\"\n", quoted_words(qualifier_names()));
    out += fmt::format("_lstar_set_qualifiers=\"{}\"\n\n", quoted_words(call_set_qualifiers()));
    out += "# The options of command $1.\n_lstar_options() {\n    case \"$1\" in\n";
    for (const ManualCommand& c : commands)
        if (!c.name.empty()) out += fmt::format("    {}) echo \"{}\" ;;\n", c.name, quoted_words(c.help.option_names()));
    out += "    esac\n}\n\n";
    out += "# What the argument of option $2 of command $1 completes to (nothing: it takes none).\n"
           "_lstar_kind() {\n    case \"$1 $2\" in\n";
    for (const ManualCommand& c : commands) {
        if (c.name.empty()) continue;
        std::set<std::string> done;
        for (const HelpSection& s : c.help.sections)
            for (const HelpOption& o : s.options) {
                for (const std::string& n : o.names) {
                    std::string kind = kind_word(completion_of(o, n), o.choices);
                    if (!kind.empty() && done.insert(n).second)
                        out += fmt::format("    \"{} {}\") echo \"{}\" ;;\n", c.name, n, kind);
                }
            }
    }
    out += "    esac\n}\n\n";
    out += "# What follows the options of command $1.\n_lstar_positional() {\n    case \"$1\" in\n";
    for (const ManualCommand& c : commands)
        if (!c.name.empty()) out += fmt::format("    {}) echo {} ;;\n", c.name, positional(c.name));
    out += "    esac\n}\n";
    out += kBashBody;
    out += "\ncomplete -F _lstar lstar\n";
    return out;
}

namespace {

// A word in zsh's single quotes.
std::string zsh_quote(std::string_view s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// Text in a part of an _arguments spec: its separators escaped.
std::string spec_text(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '\\' || c == '[' || c == ']' || c == ':') out += '\\';
        out += c;
    }
    return out;
}

// The zsh action completing an argument of this kind.
std::string zsh_action(Complete complete, const std::vector<std::string>& choices) {
    switch (complete) {
    case Complete::none: return "";
    case Complete::word: return " ";  // a message only
    case Complete::file: return "_files";
    case Complete::directory: return "_files -/";
    case Complete::pid: return "_pids";
    case Complete::syscall_set: return "_lstar_set";
    case Complete::trace_expr: return "_lstar_expr";
    case Complete::choice: {
        std::string out = "(";
        for (const std::string& c : choices) out += (out.size() > 1 ? " " : "") + spec_text(c);
        return out + ")";
    }
    }
    return "";
}

// _arguments' specs for one option of --help: one per name not in `done` (a name
// --help lists twice, as -E VAR=VAL and -E VAR, is the first's). Options may be
// given more than once (-e, -p, --bind), so each is '*'; --help and --version
// stand alone.
std::vector<std::string> zsh_specs(const HelpOption& o, std::set<std::string>& done) {
    std::vector<std::string> out;
    std::string text = o.text;
    std::replace(text.begin(), text.end(), '\n', ' ');
    std::string desc = text.empty() ? "" : "[" + spec_text(text) + "]";
    for (const std::string& n : o.names) {
        if (!done.insert(n).second) continue;
        bool alone = n == "-h" || n == "--help" || n == "--version";
        std::string spec = (alone ? "(- *)" : "*") + n;
        Complete complete = completion_of(o, n);
        if (complete == Complete::none) {
            out.push_back(spec + desc);
            continue;
        }
        // -p PID or -pPID; --attach=PID or --attach PID.
        spec += n.size() == 2 ? "+" : "=";
        std::string message = spec_text(o.metavar.empty() ? n : o.metavar);
        out.push_back(spec + desc + ":" + message + ":" + zsh_action(complete, o.choices));
    }
    return out;
}

// The specs of what follows a command's options.
std::vector<std::string> zsh_positional(std::string_view command) {
    std::string_view kind = positional(command);
    if (kind == "set") return {"*:system call or %class:_lstar_set"};
    if (kind == "file") return {"*:run file (lstar trace --json):_files"};
    if (kind == "policy") return {"1:what to do:(compile check show learn)", "*:policy file:_files"};
    // The program and its own arguments, completed as if it were the command.
    return {"(-)1:program:_command_names -e", "*::program's arguments:_normal"};
}

std::string zsh_arguments(const std::vector<std::string>& specs, std::string_view indent) {
    std::string out = std::string(indent) + "_arguments -s -S :";
    for (const std::string& s : specs) out += " \\\n" + std::string(indent) + "    " + zsh_quote(s);
    return out + "\n";
}

// A command's function; `subcommands` (lstar policy learn) have options and a
// program of their own, from their section of the command's --help.
std::string zsh_function(const std::string& name, const std::vector<std::string>& specs,
                         const std::map<std::string, std::vector<std::string>>& subcommands) {
    std::string out = name + "() {\n";
    if (subcommands.empty()) return out + zsh_arguments(specs, "    ") + "}\n\n";
    std::string keyword = "if";
    for (const auto& [sub, sub_specs] : subcommands) {
        out += "    " + keyword + " (( CURRENT > 2 )) && [[ $words[2] == " + sub + " ]]; then\n"
               "        shift words; (( CURRENT-- ))\n" + zsh_arguments(sub_specs, "        ");
        keyword = "elif";
    }
    return out + "    else\n" + zsh_arguments(specs, "        ") + "    fi\n}\n\n";
}

// Words of a zsh array, one quoted word each, wrapped.
std::string zsh_array(const std::vector<std::string>& words) {
    std::string out, line;
    for (const std::string& w : words) {
        std::string q = zsh_quote(w);
        if (line.size() + q.size() > 90) {
            out += line + "\n       ";
            line.clear();
        }
        line += " " + q;
    }
    return out + line;
}

}  // namespace

std::string zsh_completion(const std::vector<ManualCommand>& commands) {
    std::string out =
        "#compdef lstar\n"
        "# zsh completion for lstar. Generated by lstar-manual from each command's --help,\n"
        "# the system call table (tbl/) and lstar trace's -e qualifiers: do not edit.\n\n";
    std::vector<std::string> set_words = call_names();
    for (const std::string& c : class_words()) set_words.push_back(c);
    set_words.insert(set_words.end(), {"all", "none"});
    out += "# A list of calls and %classes (\"open,read,%net\", \"!write\"): its last item.\n"
           "_lstar_set() {\n    compset -P '!'\n    _sequence -s , _lstar_set_item\n}\n\n"
           "_lstar_set_item() {\n    local expl\n    local -a words=(" +
           zsh_array(set_words) +
           ")\n    _wanted calls expl 'system call or %class' compadd \"$@\" -a words\n}\n\n";
    std::string set_pattern;
    for (const std::string& q : call_set_qualifiers()) set_pattern += (set_pattern.empty() ? "" : "|") + q;
    out += "# lstar trace -e EXPR: a qualifier, then its value (a set of calls for some).\n"
           "_lstar_expr() {\n    local expl\n"
           "    if compset -P '(" + set_pattern + ")='; then\n        _lstar_set\n"
           "    elif compset -P '*='; then\n        _message -e values 'value of the qualifier'\n"
           "    else\n        _wanted qualifiers expl 'qualifier' compadd -S = -q - " +
           zsh_array(qualifier_names()) + "\n    fi\n}\n\n";
    // A function per command.
    std::vector<std::string> top_specs, described;
    for (const ManualCommand& c : commands) {
        std::vector<std::string> specs;
        std::set<std::string> done;
        // A section titled "lstar policy learn" holds the options of that subcommand.
        std::map<std::string, std::vector<std::string>> subcommands;
        std::map<std::string, std::set<std::string>> sub_done;
        std::string sub_prefix = "lstar " + c.name + " ";
        for (const HelpSection& s : c.help.sections) {
            bool sub = !c.name.empty() && s.title.starts_with(sub_prefix) && s.title.find(' ', sub_prefix.size()) == std::string::npos;
            std::string sub_name = sub ? s.title.substr(sub_prefix.size()) : "";
            for (const HelpOption& o : s.options)
                for (std::string& spec : zsh_specs(o, sub ? sub_done[sub_name] : done))
                    (sub ? subcommands[sub_name] : specs).push_back(std::move(spec));
        }
        if (c.name.empty()) {
            top_specs = std::move(specs);
            continue;
        }
        std::vector<std::string> rest = zsh_positional(c.name);
        specs.insert(specs.end(), rest.begin(), rest.end());
        for (auto& [sub, sub_specs] : subcommands) {
            std::vector<std::string> program = zsh_positional("");
            sub_specs.insert(sub_specs.end(), program.begin(), program.end());
        }
        out += zsh_function("_lstar_command_" + c.name, specs, subcommands);
        described.push_back(c.name + ":" + c.summary);  // command names have no colon
    }
    out += "_lstar() {\n"
           "    local curcontext=\"$curcontext\" state state_descr line ret=1\n"
           "    typeset -A opt_args\n"
           "    _arguments -C :";
    for (const std::string& s : top_specs) out += " \\\n        " + zsh_quote(s);
    out += " \\\n        '1:command:->command' \\\n        '*::argument:->argument' && ret=0\n"
           "    case $state in\n"
           "    command)\n"
           "        local -a commands=(" + zsh_array(described) + ")\n"
           "        _describe -t commands 'lstar command' commands && ret=0 ;;\n"
           "    argument)\n"
           "        curcontext=\"${curcontext%:*:*}:lstar-$words[1]:\"\n"
           "        if (( $+functions[_lstar_command_$words[1]] )); then _lstar_command_$words[1] && ret=0\n"
           "        else _message \"no such command: $words[1]\"; fi ;;\n"
           "    esac\n"
           "    return ret\n"
           "}\n\n"
           "_lstar \"$@\"\n";
    return out;
}

}  // namespace lstar
