#include "trace/run_events.hpp"

#include <algorithm>

#include <cctype>

#include <fmt/format.h>

namespace lstar {

RunReadStats for_each_run_object(std::istream& in, const std::function<void(const nlohmann::json&)>& f) {
    RunReadStats stats;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
        std::int64_t v = j.is_object() ? json_int(j, "v", -1) : -1;
        if ((v != 1 && v != 2) || !j.contains("type")) {
            ++stats.skipped;
            continue;
        }
        ++stats.objects;
        f(j);
    }
    return stats;
}

std::string_view json_str(const nlohmann::json& j, std::string_view key, std::string_view fallback) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return fallback;
    return it->get_ref<const std::string&>();
}

std::int64_t json_int(const nlohmann::json& j, std::string_view key, std::int64_t fallback) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number()) return fallback;
    return it->get<std::int64_t>();
}

const SyscallDesc* run_object_row(const nlohmann::json& call) {
    std::optional<Abi> abi = abi_from_name(json_str(call, "abi"));
    auto nr = call.find("nr");
    if (!abi || nr == call.end() || !nr->is_number_unsigned()) return nullptr;
    const SyscallDesc* row = find_syscall(*abi, nr->get<std::uint64_t>());
    return row && !row->name.empty() ? row : nullptr;
}

std::string comm_of_exec_path(std::string_view path) {
    if (path.size() >= 2 && path.front() == '"') {
        path.remove_prefix(1);
        std::size_t end = path.rfind('"');
        if (end != std::string_view::npos) path = path.substr(0, end);
    }
    if (std::size_t slash = path.rfind('/'); slash != std::string_view::npos) path.remove_prefix(slash + 1);
    return std::string(path.substr(0, 15));  // TASK_COMM_LEN - 1
}

TaskEffect task_effect(const SyscallDesc& row) {
    std::string_view e = row.effective().entry;
    if (e.starts_with("compat_")) e.remove_prefix(7);
    if (e == "sys_clone" || e == "sys_clone3" || e == "sys_fork" || e == "sys_vfork") return TaskEffect::new_task;
    if (program_arg(row.effective()) >= 0) return TaskEffect::new_image;
    return TaskEffect::none;
}

bool made_thread(const nlohmann::json& call) {
    auto decoded = call.find("decoded");
    if (decoded == call.end() || !decoded->is_array()) return false;
    for (std::size_t i = 0; i < decoded->size(); ++i)
        if (decoded_text(call, i).find("CLONE_THREAD") != std::string::npos) return true;
    return false;
}

namespace {

// A name strace prints bare (O_RDONLY, AT_FDCWD, SIGINT) rather than quoted.
bool is_constant_name(const std::string& s) {
    if (s.empty() || !(std::isupper(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
    for (char c : s)
        if (!(std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_')) return false;
    return true;
}

void quote(std::string& out, const std::string& s) {
    out += '"';
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') out += "\\n";
        else out += c;
    }
    out += '"';
}

// A flag set of version 2: names and at most one number, the bits left over.
bool is_flag_array(const nlohmann::json& v) {
    if (!v.is_array() || v.empty()) return false;
    bool named = false;
    for (const nlohmann::json& e : v) {
        if (e.is_string() && is_constant_name(e.get_ref<const std::string&>())) named = true;
        else if (!e.is_number_integer()) return false;
    }
    return named;
}

void strace_text(std::string& out, const nlohmann::json& v) {
    if (v.is_null()) return void(out += "NULL");
    if (v.is_boolean()) return void(out += v.get<bool>() ? "true" : "false");
    if (v.is_number_unsigned()) return void(out += std::to_string(v.get<std::uint64_t>()));
    if (v.is_number_integer()) return void(out += std::to_string(v.get<std::int64_t>()));
    if (v.is_number()) return void(out += v.dump());
    if (v.is_string()) {
        const std::string& s = v.get_ref<const std::string&>();
        return is_constant_name(s) ? void(out += s) : quote(out, s);
    }
    if (is_flag_array(v)) {
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (i) out += '|';
            if (v[i].is_string()) out += v[i].get_ref<const std::string&>();
            else out += fmt::format("{:#x}", v[i].get<std::uint64_t>());
        }
        return;
    }
    auto list = [&](const nlohmann::json& items, char open, char close) {
        out += open;
        bool first = true;
        for (const nlohmann::json& e : items) {
            if (!first) out += ", ";
            first = false;
            strace_text(out, e);
        }
        out += close;
    };
    if (v.is_array()) return list(v, '[', ']');
    auto has = [&](const char* k) { return v.contains(k); };
    if (v.size() == 1 && has("addr") && v["addr"].is_number()) return void(out += fmt::format("{:#x}", v["addr"].get<std::uint64_t>()));
    if (v.size() == 1 && has("text") && v["text"].is_string()) return void(out += v["text"].get<std::string>());
    if (v.size() == 1 && has("unknown")) return void(out += '?');
    if (v.size() == 1 && has("...")) return void(out += "...");
    if (v.size() == 1 && has("except")) return out += '~', list(v["except"], '[', ']');
    if (v.size() == 2 && has("in") && has("out")) {
        strace_text(out, v["in"]);
        out += " => ";
        return strace_text(out, v["out"]);
    }
    if (has("fn") && has("args") && v.size() == 2) {
        out += v["fn"].is_string() ? v["fn"].get<std::string>() : "?";
        return list(v["args"], '(', ')');
    }
    if (has("str") && v["str"].is_string()) {
        quote(out, v["str"].get<std::string>());
        if (v.value("truncated", false)) out += "...";
        return;
    }
    if (has("bytes") && v["bytes"].is_string()) {
        const std::string& hex = v["bytes"].get_ref<const std::string&>();
        out += '"';
        for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += "\\x" + hex.substr(i, 2);
        out += '"';
        if (v.value("truncated", false)) out += "...";
        return;
    }
    if ((has("fd") || has("pid")) && (has("path") || has("comm") || (has("fd") && has("pid")))) {
        strace_text(out, has("fd") ? v["fd"] : v["pid"]);
        out += '<';
        if (has("path")) {
            std::string p;
            strace_text(p, v["path"]);
            out += p.size() >= 2 && p.front() == '"' ? p.substr(1, p.size() - 2) : p;
        } else if (has("comm") && v["comm"].is_string()) {
            out += v["comm"].get<std::string>();
        } else {
            out += "pid:" + v["pid"].dump();
        }
        out += '>';
        return;
    }
    out += '{';
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += ", ";
        first = false;
        if (it.key() == "...") {
            out += "...";
            continue;
        }
        out += it.key();
        out += '=';
        strace_text(out, it.value());
    }
    out += '}';
}

}  // namespace

std::string value_text(const nlohmann::json& value) {
    std::string out;
    strace_text(out, value);
    return out;
}

std::string decoded_text(const nlohmann::json& call, std::size_t i) {
    auto decoded = call.find("decoded");
    if (decoded == call.end() || !decoded->is_array() || i >= decoded->size()) return {};
    const nlohmann::json& v = (*decoded)[i];
    if (json_int(call, "v", 1) == 1) return v.is_string() ? v.get<std::string>() : "?";
    std::string out;
    strace_text(out, v);
    return out;
}

std::string result_text(const nlohmann::json& call) {
    auto result = call.find("result");
    if (json_int(call, "v", 1) == 1) return std::string(json_str(call, "result", "?"));
    if (std::string_view err = json_str(call, "errno"); !err.empty())
        // strace: "?" for the kernel's restart codes (512 and up), which no program sees.
        return fmt::format("{} {} ({})", json_int(call, "ret") <= -512 ? "?" : "-1", err, json_str(call, "strerror"));
    if (result == call.end()) return "?";
    std::string out;
    strace_text(out, *result);
    if (auto d = call.find("detail"); d != call.end() && d->is_array()) {
        out += " (";
        for (std::size_t i = 0; i < d->size(); ++i) {
            if (i) out += ", ";
            const nlohmann::json& item = (*d)[i];
            // A labelled value of the comment ("flags O_RDONLY", "in [3]"), as the reader
            // made it (json_value.cpp, labelled_value): written back as strace wrote it.
            static constexpr std::string_view kValueShapes[] = {"addr", "unknown", "except", "text", "str", "bytes", "fd", "pid", "fn"};
            if (item.is_object() && item.size() == 1 &&
                std::find(std::begin(kValueShapes), std::end(kValueShapes), item.begin().key()) == std::end(kValueShapes)) {
                out += item.begin().key() + " ";
                strace_text(out, item.begin().value());
                continue;
            }
            strace_text(out, item);
        }
        out += ')';
    }
    return out;
}

std::string class_list(const SyscallDesc& row) {
    std::string out;
    for (const ClassName& c : class_names()) {
        if (c.name.starts_with("%%") || !(row.effective().classes & c.bit)) continue;
        if (!out.empty()) out += ',';
        out += c.name.substr(1);
    }
    return out;
}

}  // namespace lstar
