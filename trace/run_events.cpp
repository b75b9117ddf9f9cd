#include "trace/run_events.hpp"

namespace lstar {

RunReadStats for_each_run_object(std::istream& in, const std::function<void(const nlohmann::json&)>& f) {
    RunReadStats stats;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (!j.is_object() || json_int(j, "v", -1) != 1 || !j.contains("type")) {
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
    for (const nlohmann::json& d : *decoded)
        if (d.is_string() && d.get_ref<const std::string&>().find("CLONE_THREAD") != std::string::npos) return true;
    return false;
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
