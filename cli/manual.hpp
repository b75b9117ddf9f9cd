// The man pages and shell completions of lstar, made from the one source of
// each command's options: the help text its --help prints (the commands table,
// cli/commands.hpp, gives each command's). The text is read back into sections
// and options, so a man page lists exactly what --help lists, and a completion
// offers exactly those options. Names of system calls and %classes come from
// the table. lstar-manual (cli/manual_main.cpp) writes them at build time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lstar {

// What an option's argument completes to in a shell.
enum class Complete : std::uint8_t {
    none,         // a flag
    word,         // free text: nothing offered
    file,
    directory,
    pid,          // a running process
    choice,       // one of `choices`
    syscall_set,  // names of calls and %classes of the table, comma-separated
    trace_expr,   // lstar trace -e: trace=SET, inject=SET..., each SET a syscall_set
};

struct HelpOption {
    std::string spelling;            // as --help shows it: "-p PID, --attach=PID"
    std::vector<std::string> names;  // "-p", "--attach"
    std::string text;                // what it does, its lines joined with '\n'
    std::string metavar;             // what --help calls its argument ("PID"), "" for a flag
    Complete complete = Complete::none;
    std::vector<std::string> choices;
};

struct HelpSection {
    std::string title;                   // "" for the untitled first one
    std::vector<std::string> paragraphs; // text that is no option's
    std::vector<HelpOption> options;
};

struct CommandHelp {
    std::vector<std::string> synopsis;  // "lstar trace [-ACd...]", one line each
    std::vector<std::string> description;  // paragraphs before the first option
    std::vector<HelpSection> sections;
    std::vector<std::string> option_names() const;  // every name of every option
};

// Reads a --help text back into its parts.
CommandHelp parse_help(std::string_view text);

struct ManualCommand {
    std::string name;     // "trace", or "" for lstar itself
    std::string summary;  // one line
    CommandHelp help;
};

// roff for man(7): lstar.1 (name ""), lstar-<name>.1; `commands` for lstar.1's list and SEE ALSO.
std::string man_page(const ManualCommand& command, const std::vector<ManualCommand>& commands, std::string_view version);
// The bash completion of `lstar` and its commands (function _lstar).
std::string bash_completion(const std::vector<ManualCommand>& commands);
// zsh's: a native completion function (#compdef lstar, _arguments per command).
std::string zsh_completion(const std::vector<ManualCommand>& commands);

}  // namespace lstar
