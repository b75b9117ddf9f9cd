// lstar's own policy format: TOML (schema in docs/policy.md), read with toml++.
// Every error names file:line and what to write instead.
#include <filesystem>
#include <set>

#include <fmt/format.h>

#define TOML_EXCEPTIONS 1
#include <toml++/toml.h>

#include "policy/glob.hpp"
#include "policy/policy.hpp"

namespace lstar::policy {

namespace {

struct Reader {
    const std::string& source;

    Error at(const toml::node& node, const std::string& what) const {
        return error(fmt::format("{}:{}: {}", source, node.source().begin.line, what));
    }
    Error at_line(std::uint32_t line, const std::string& what) const { return error(fmt::format("{}:{}: {}", source, line, what)); }

    Result<std::string> string(const toml::node& node, std::string_view key) const {
        if (const auto* s = node.as_string()) return std::string(s->get());
        return at(node, fmt::format("'{}' must be a string", key));
    }
    // A string or an array of strings.
    Result<std::vector<std::string>> strings(const toml::node& node, std::string_view key) const {
        std::vector<std::string> out;
        if (const auto* s = node.as_string()) {
            out.push_back(s->get());
            return out;
        }
        const auto* array = node.as_array();
        if (!array) return at(node, fmt::format("'{}' must be a string or an array of strings", key));
        for (const toml::node& item : *array) {
            const auto* s = item.as_string();
            if (!s) return at(item, fmt::format("'{}' must be an array of strings", key));
            out.push_back(s->get());
        }
        return out;
    }
    Result<std::vector<Abi>> abis(const toml::node& node) const {
        LSTAR_TRY_ASSIGN(std::vector<std::string> names, strings(node, "abi"));
        std::vector<Abi> out;
        for (const std::string& name : names) {
            Result<Abi> abi = parse_abi(name);
            if (!abi) return at(node, abi.error().message);
            if (*abi == Abi::i386 && !kernel_runs_i386())
                return at(node, "this kernel does not run i386 calls (its ia32 emulation is off): leave \"i386\" out of 'abi'");
            out.push_back(*abi);
        }
        return out;
    }
    Status unknown_keys(const toml::table& table, std::initializer_list<std::string_view> known, std::string_view where) const {
        for (auto&& [key, value] : table) {
            bool ok = false;
            for (std::string_view k : known) ok = ok || key.str() == k;
            if (!ok) {
                std::string list;
                for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
                return at(value, fmt::format("unknown key '{}' in {} (known: {})", key.str(), where, list));
            }
        }
        return {};
    }

    Result<CallRule> rule(const toml::table& table) const {
        LSTAR_TRY(unknown_keys(table, {"calls", "call", "action", "when", "abi", "limit"}, "[[rule]]"));
        CallRule r;
        r.origin = fmt::format("{}:{}", source, table.source().begin.line);
        const toml::node* calls = table.get("calls");
        if (!calls) calls = table.get("call");
        if (!calls) return at(table, "a [[rule]] needs 'calls' (call names or %classes)");
        LSTAR_TRY_ASSIGN(r.calls, strings(*calls, "calls"));
        if (r.calls.empty()) return at(*calls, "'calls' is empty");
        const toml::node* action = table.get("action");
        if (!action) return at(table, "a [[rule]] needs 'action' (allow, errno:NAME, kill-process, ...)");
        LSTAR_TRY_ASSIGN(std::string action_text, string(*action, "action"));
        Result<Action> parsed = parse_action(action_text);
        if (!parsed) return at(*action, parsed.error().message);
        r.action = *parsed;
        if (const toml::node* limit = table.get("limit")) {
            const auto* n = limit->as_integer();
            if (!n || n->get() < 0) return at(*limit, "'limit' must be a whole number of calls, 0 or more (limit = 10)");
            if (r.action.kind != ActionKind::errno_ && r.action.kind != ActionKind::kill_process)
                return at(*limit, "a 'limit' needs errno:NAME or kill-process as the action for the calls beyond it");
            r.limit = n->get();
        }
        if (const toml::node* when = table.get("when")) {
            LSTAR_TRY_ASSIGN(std::vector<std::string> texts, strings(*when, "when"));
            for (const std::string& text : texts) {
                // "a == 1 && b & 2": one condition per operand of &&.
                std::string_view rest = text;
                for (;;) {
                    std::size_t and_at = rest.find("&&");
                    Result<ArgCondition> c = parse_condition(rest.substr(0, and_at));
                    if (!c) return at(*when, c.error().message);
                    r.conditions.push_back(std::move(*c));
                    if (and_at == std::string_view::npos) break;
                    rest.remove_prefix(and_at + 2);
                }
            }
        }
        if (const toml::node* abi = table.get("abi")) {
            LSTAR_TRY_ASSIGN(r.abis, abis(*abi));
        }
        return r;
    }

    Status paths(const toml::table& table, Policy& p) const {
        // Each key grants its rights beneath each path it lists (docs/policy.md).
        static constexpr std::pair<std::string_view, unsigned> kKeys[] = {
            {"read", kAccessRead},
            {"write", kAccessRead | kAccessWrite | kAccessMake | kAccessRemove},
            {"exec", kAccessRead | kAccessExec},
            {"make", kAccessMake},
            {"remove", kAccessRemove},
            {"full", kAccessAll},
            {"read_only", kAccessRead | kAccessExec},
            {"deny", 0},
        };
        for (auto&& [key, value] : table) {
            const std::pair<std::string_view, unsigned>* kind = nullptr;
            for (const auto& k : kKeys) kind = key.str() == k.first ? &k : kind;
            if (!kind)
                return at(value, fmt::format("unknown key '{}' in [paths] (read, write, exec, make, remove, full, read_only, deny)", key.str()));
            LSTAR_TRY_ASSIGN(std::vector<std::string> list, strings(value, key.str()));
            for (const std::string& path : list) {
                if (path.empty() || path[0] != '/') return at(value, fmt::format("path '{}' in [paths] must be absolute", path));
                p.paths.push_back({fmt::format("{}:{}", source, value.source().begin.line), path, kind->second});
                if (kind->second & ~(kAccessRead | kAccessExec) || kind->first == "read" || kind->first == "exec")
                    p.paths_allowlist = true;
            }
        }
        return {};
    }

    // [[path_rule]]: a supervised rule (docs/policy.md, "Supervised rules").
    Result<GlobRule> path_rule(const toml::table& table) const {
        LSTAR_TRY(unknown_keys(table, {"glob", "access", "action", "limit"}, "[[path_rule]]"));
        GlobRule r;
        r.origin = fmt::format("{}:{}", source, table.source().begin.line);
        const toml::node* glob = table.get("glob");
        if (!glob) return at(table, "a [[path_rule]] needs 'glob' (an absolute pattern such as \"/home/*/.ssh/**\" or \"**/*.pem\")");
        LSTAR_TRY_ASSIGN(r.glob, string(*glob, "glob"));
        if (Result<Glob> g = Glob::parse(r.glob); !g) return at(*glob, g.error().message);
        if (const toml::node* access = table.get("access")) {
            LSTAR_TRY_ASSIGN(std::vector<std::string> kinds, strings(*access, "access"));
            r.access = 0;
            for (const std::string& k : kinds) {
                Result<unsigned> bits = parse_glob_access(k);
                if (!bits) return at(*access, bits.error().message);
                r.access |= *bits;
            }
        }
        if (const toml::node* action = table.get("action"); action && action->value<std::string>() == "ask") {
            // An exec is checked again at its exec stop, out of the supervisor's thread: not asked.
            if (!table.get("access")) r.access = kGlobRead | kGlobWrite;
            else if (r.access & kGlobExec)
                return at(*action, "an 'ask' rule cannot cover exec (give it access = \"read\" or \"write\")");
            if (table.get("limit")) return at(*action, "an 'ask' rule takes no 'limit'");
            r.ask = true;
        } else if (action) {
            LSTAR_TRY_ASSIGN(std::string text, string(*action, "action"));
            Result<Action> a = parse_action(text);
            if (!a) return at(*action, a.error().message);
            if (a->kind == ActionKind::trap || a->kind == ActionKind::kill_thread)
                return at(*action, fmt::format("a [[path_rule]] cannot '{}' (write allow, log, errno:NAME or kill-process)", text));
            r.action = *a;
        }
        if (const toml::node* limit = table.get("limit")) {
            const auto* n = limit->as_integer();
            if (!n || n->get() < 0) return at(*limit, "'limit' must be a whole number of calls, 0 or more (limit = 10)");
            if (!r.action.denies())
                return at(*limit, "a 'limit' needs an action for the calls beyond it (action = \"errno:EMFILE\", say)");
            r.limit = n->get();
        }
        return r;
    }

    Status scope(const toml::table& table, Policy& p) const {
        LSTAR_TRY(unknown_keys(table, {"signals", "abstract_unix_sockets"}, "[scope]"));
        p.scope.origin = fmt::format("{}:{}", source, table.source().begin.line);
        for (auto [key, flag] : {std::pair{"signals", &p.scope.signals}, std::pair{"abstract_unix_sockets", &p.scope.abstract_unix_sockets}}) {
            const toml::node* node = table.get(key);
            if (!node) continue;
            const auto* b = node->as_boolean();
            if (!b) return at(*node, fmt::format("'{}' must be true or false", key));
            *flag = b->get();
        }
        return {};
    }

    Status network(const toml::table& table, Policy& p) const {
        LSTAR_TRY(unknown_keys(table, {"none", "tcp_bind", "tcp_connect"}, "[network]"));
        p.network.origin = fmt::format("{}:{}", source, table.source().begin.line);
        if (const toml::node* none = table.get("none")) {
            const auto* b = none->as_boolean();
            if (!b) return at(*none, "'none' must be true or false");
            p.network.no_network = b->get();
        }
        for (auto [key, list] : {std::pair{"tcp_bind", &p.network.tcp_bind}, std::pair{"tcp_connect", &p.network.tcp_connect}}) {
            const toml::node* node = table.get(key);
            if (!node) continue;
            const auto* array = node->as_array();
            if (!array) return at(*node, fmt::format("'{}' must be an array of port numbers", key));
            p.network.restrict_tcp = true;
            for (const toml::node& item : *array) {
                const auto* n = item.as_integer();
                if (!n || n->get() < 0 || n->get() > 65535) return at(item, fmt::format("'{}' takes port numbers 0-65535", key));
                list->push_back(static_cast<std::uint16_t>(n->get()));
            }
        }
        return {};
    }

    Result<Policy> policy(const toml::table& root) const {
        LSTAR_TRY(unknown_keys(root, {"version", "default", "abi", "include", "best_effort", "rule", "path_rule", "paths", "network", "scope"},
                                      "the policy"));
        Policy p;
        p.source = source;
        if (const toml::node* v = root.get("version")) {
            const auto* n = v->as_integer();
            if (!n || n->get() != 1) return at(*v, "'version' must be 1 (the only version of lstar's policy format)");
        }
        if (const toml::node* d = root.get("default")) {
            LSTAR_TRY_ASSIGN(std::string text, string(*d, "default"));
            Result<Action> a = parse_action(text);
            if (!a) return at(*d, a.error().message);
            p.default_action = *a;
        }
        if (const toml::node* abi = root.get("abi")) {
            LSTAR_TRY_ASSIGN(p.abis, abis(*abi));
        }
        if (const toml::node* b = root.get("best_effort")) {
            const auto* v = b->as_boolean();
            if (!v) return at(*b, "'best_effort' must be true or false");
            p.best_effort = v->get();
        }
        if (const toml::node* include = root.get("include")) {
            LSTAR_TRY_ASSIGN(std::vector<std::string> files, strings(*include, "include"));
            static int depth = 0;  // of includes being read
            if (depth >= 8) return at(*include, "includes nested deeper than 8 (an include cycle?)");
            for (const std::string& file : files) {
                std::filesystem::path resolved = std::filesystem::path(source).parent_path() / file;
                ++depth;
                Result<Policy> inner = load_policy_file(resolved.string());
                --depth;
                if (!inner) return at(*include, inner.error().message);
                p.merge(std::move(*inner));
            }
        }
        if (const toml::node* rules = root.get("rule")) {
            const auto* array = rules->as_array();
            if (!array) return at(*rules, "'rule' must be an array of tables: write [[rule]]");
            for (const toml::node& item : *array) {
                const auto* table = item.as_table();
                if (!table) return at(item, "each rule must be a table: write [[rule]]");
                LSTAR_TRY_ASSIGN(CallRule r, rule(*table));
                p.calls.push_back(std::move(r));
            }
        }
        if (const toml::node* rules = root.get("path_rule")) {
            const auto* array = rules->as_array();
            if (!array) return at(*rules, "'path_rule' must be an array of tables: write [[path_rule]]");
            for (const toml::node& item : *array) {
                const auto* table = item.as_table();
                if (!table) return at(item, "each path rule must be a table: write [[path_rule]]");
                LSTAR_TRY_ASSIGN(GlobRule r, path_rule(*table));
                p.globs.push_back(std::move(r));
            }
        }
        if (const toml::node* paths_node = root.get("paths")) {
            const auto* table = paths_node->as_table();
            if (!table) return at(*paths_node, "'paths' must be a table: write [paths]");
            LSTAR_TRY(paths(*table, p));
        }
        if (const toml::node* net = root.get("network")) {
            const auto* table = net->as_table();
            if (!table) return at(*net, "'network' must be a table: write [network]");
            LSTAR_TRY(network(*table, p));
        }
        if (const toml::node* sc = root.get("scope")) {
            const auto* table = sc->as_table();
            if (!table) return at(*sc, "'scope' must be a table: write [scope]");
            LSTAR_TRY(scope(*table, p));
        }
        return p;
    }
};

}  // namespace

Result<Policy> parse_toml_policy(std::string_view text, const std::string& source) {
    Reader reader{source};
    try {
        toml::table root = toml::parse(text, source);
        return reader.policy(root);
    } catch (const toml::parse_error& e) {
        return reader.at_line(e.source().begin.line, fmt::format("not valid TOML: {}", e.description()));
    }
}

}  // namespace lstar::policy
