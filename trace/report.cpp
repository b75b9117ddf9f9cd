#include "trace/report.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "trace/run_events.hpp"

namespace lstar {

namespace {

constexpr std::size_t kSlowest = 20;
constexpr std::size_t kErrorExamples = 3;
constexpr std::size_t kStripBins = 400;
constexpr std::size_t kStripTasks = 64;  // the busiest tasks get a strip each

// The colour of a call in the strip: its first class (tbl/signatures.tbl).
constexpr std::pair<std::string_view, std::string_view> kClassColours[] = {
    {"file", "#4e79a7"},   {"desc", "#59a14f"},    {"network", "#e15759"}, {"process", "#f28e2b"},
    {"memory", "#76b7b2"}, {"signal", "#edc948"},  {"ipc", "#b07aa1"},     {"creds", "#ff9da7"},
    {"clock", "#9c755f"},  {"stat", "#86bcb6"},    {"other", "#bab0ac"},
};

void escape_html(std::string& out, std::string_view text) {
    for (char c : text) {
        switch (c) {
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '&': out += "&amp;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
}
std::string html(std::string_view text) {
    std::string out;
    escape_html(out, text);
    return out;
}

std::string micros(std::uint64_t ns) { return fmt::format("{}.{:03}", ns / 1000, ns % 1000); }

struct NameStats {
    std::string classes;
    std::uint64_t calls = 0, errors = 0, total_ns = 0, max_ns = 0;
};

struct Call {
    std::uint64_t start_ns, dur_ns;
    std::int64_t tid;
    std::uint8_t colour;  // index into kClassColours
};

struct Example {
    std::uint64_t dur_ns = 0;
    std::int64_t tid = 0;
    std::string text;  // name(args) = result
};

struct Process {
    std::int64_t parent = 0;
    std::string comm;
    std::string end;  // "exited with 0", "killed by SIGKILL"
    std::set<std::int64_t> threads;
    std::uint64_t calls = 0;
};

struct FileStats {
    std::uint64_t opens = 0, failed_opens = 0, read = 0, written = 0;
};

struct Endpoint {
    std::uint64_t calls = 0, errors = 0;
};

class ReportBuilder {
public:
    void object(const nlohmann::json& j) {
        std::string_view type = json_str(j, "type");
        std::int64_t tid = json_int(j, "tid"), pid = json_int(j, "pid");
        std::uint64_t ns = static_cast<std::uint64_t>(json_int(j, "mono_ns"));
        if (ns && (!first_ns_ || ns < first_ns_)) first_ns_ = ns;
        if (ns > last_ns_) last_ns_ = ns;
        Process& p = process(pid);
        p.threads.insert(tid);
        task_pid_[tid] = pid;
        if (type == "syscall") call(j, tid, pid, p, ns);
        else if (type == "exit" && tid == pid)
            p.end = j.contains("status") && j["status"].is_number() ? fmt::format("exited with {}", json_int(j, "status"))
                                                                    : fmt::format("killed by {}", json_str(j, "signal", "?"));
        else if (type == "attach" && tid == pid && !json_str(j, "comm").empty()) p.comm = json_str(j, "comm");
        else if (type == "signal") ++signals_[std::string(json_str(j, "signal", "?"))];
        else if (type == "denial")
            denials_.push_back({tid, std::string(json_str(j, "call")), std::string(json_str(j, "rule")),
                                std::string(json_str(j, "layer"))});
    }

    std::string html_page(const ReportOptions& options) {
        std::string o;
        o += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>lstar report: ";
        escape_html(o, options.title);
        o += "</title>\n<style>\n"
             "body{font:14px/1.4 'DejaVu Sans',sans-serif;margin:1.5em;color:#222}\n"
             "h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}\n"
             "table{border-collapse:collapse;margin:.4em 0}td,th{padding:2px 8px;border-bottom:1px solid #eee;text-align:left}\n"
             "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}th{cursor:pointer;background:#f4f4f4}\n"
             "code,.call{font-family:'DejaVu Sans Mono',monospace;font-size:12px;word-break:break-all}\n"
             "ul.tree{list-style:none;padding-left:1.2em}.end{color:#555}.bad{color:#b00}\n"
             ".legend span{display:inline-block;margin-right:1em}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}\n"
             "</style></head><body>\n<h1>lstar report: <code>";
        escape_html(o, options.title);
        o += "</code></h1>\n";
        std::uint64_t errors = 0;
        for (auto& [name, s] : names_) errors += s.errors;
        fmt::format_to(std::back_inserter(o),
                       "<p id=\"overview\"><span id=\"total-calls\">{}</span> calls, <span id=\"total-errors\">{}</span> failed, "
                       "<span id=\"total-processes\">{}</span> processes, <span id=\"total-tasks\">{}</span> tasks, "
                       "<span id=\"duration-us\">{}</span> µs from the first event to the last. "
                       "Times are wall-clock latency from a call's entry to its exit.</p>\n",
                       calls_.size(), errors, processes_.size(), tasks(), micros(last_ns_ - first_ns_));
        process_tree(o);
        class_table(o);
        name_table(o);
        strip(o);
        slowest(o);
        failures(o);
        files(o);
        network(o);
        denials(o);
        o += kScript;
        o += "</body></html>\n";
        return o;
    }

private:
    Process& process(std::int64_t pid) { return processes_[pid]; }
    std::size_t tasks() const {
        std::size_t n = 0;
        for (auto& [pid, p] : processes_) n += p.threads.size();
        return n;
    }

    void call(const nlohmann::json& j, std::int64_t tid, std::int64_t pid, Process& p, std::uint64_t ns) {
        const SyscallDesc* row = run_object_row(j);
        std::string name(json_str(j, "name", "?"));
        std::uint64_t dur = static_cast<std::uint64_t>(json_int(j, "dur_ns"));
        bool unfinished = j.value("unfinished", false);
        std::int64_t ret = json_int(j, "ret", 0);
        std::string_view err = json_str(j, "errno");
        NameStats& s = names_[name];
        if (s.calls == 0 && row) s.classes = class_list(*row);
        ++p.calls;
        if (!unfinished) {
            ++s.calls;
            s.total_ns += dur;
            s.max_ns = std::max(s.max_ns, dur);
            if (!err.empty()) ++s.errors;
        }
        std::string cls = row ? class_list(*row) : "";
        std::string first_class = cls.substr(0, cls.find(','));
        std::uint8_t colour = std::size(kClassColours) - 1;
        for (std::size_t i = 0; i < std::size(kClassColours); ++i)
            if (kClassColours[i].first == first_class) colour = static_cast<std::uint8_t>(i);
        calls_.push_back({ns, dur, tid, colour});
        const nlohmann::json* decoded = j.contains("decoded") && j["decoded"].is_array() ? &j["decoded"] : nullptr;
        auto text = [&] {
            std::string t = name + "(";
            if (decoded)
                for (std::size_t i = 0; i < decoded->size(); ++i) {
                    if (i) t += ", ";
                    t += decoded_text(j, i);
                }
            t += ") = ";
            t += unfinished ? "?" : result_text(j);
            return t;
        };
        if (!unfinished && (slowest_.size() < kSlowest || dur > slowest_.front().dur_ns)) {
            auto later = [](const Example& a, const Example& b) { return a.dur_ns > b.dur_ns; };
            slowest_.push_back({dur, tid, text()});
            std::push_heap(slowest_.begin(), slowest_.end(), later);
            if (slowest_.size() > kSlowest) {
                std::pop_heap(slowest_.begin(), slowest_.end(), later);
                slowest_.pop_back();
            }
        }
        if (!err.empty()) {
            auto& [count, examples] = errors_[std::string(err)];
            ++count;
            if (examples.size() < kErrorExamples) examples.push_back({dur, tid, text()});
        }
        if (!row || unfinished) return;
        const EntryMeta& meta = row->effective();
        auto raw = [&](int i) -> std::int64_t {
            auto it = j.find("args");
            if (it == j.end()) return -1;
            const nlohmann::json& a = *it;
            return a.is_array() && i < static_cast<int>(a.size()) && a[i].is_number() ? static_cast<std::int32_t>(a[i].get<std::uint64_t>()) : -1;
        };
        auto shown = [&](int i) { return decoded_text(j, static_cast<std::size_t>(i)); };
        int fd_arg = -1, path_arg = -1;
        bool reads = false, writes = false;
        for (int i = 0; i < meta.nargs; ++i) {
            ArgKind k = meta.args[i].kind;
            if (k == ArgKind::fd && fd_arg < 0) fd_arg = i;
            if (k == ArgKind::path && path_arg < 0) path_arg = i;
            reads |= k == ArgKind::out_buf || k == ArgKind::iovec_out;
            writes |= k == ArgKind::in_buf || k == ArgKind::iovec_in;
            if ((k == ArgKind::sockaddr || k == ArgKind::sockaddr_out) && shown(i).starts_with("{")) {
                Endpoint& e = endpoints_[{name, std::string(shown(i))}];
                ++e.calls;
                if (!err.empty()) ++e.errors;
            }
        }
        auto& fds = fds_[pid];
        if ((meta.flags & kReturnsFd) && path_arg >= 0) {
            std::string path = unquoted(shown(path_arg));
            FileStats& f = files_[path];
            if (err.empty()) {
                ++f.opens;
                fds[ret] = path;
            } else {
                ++f.failed_opens;
            }
        } else if (meta.entry == "sys_close" && fd_arg >= 0) {
            fds.erase(raw(fd_arg));
        } else if (fd_arg >= 0 && err.empty() && ret > 0 && (reads || writes)) {
            if (auto it = fds.find(raw(fd_arg)); it != fds.end()) (reads ? files_[it->second].read : files_[it->second].written) += ret;
        }
        TaskEffect effect = err.empty() ? task_effect(*row) : TaskEffect::none;
        if (effect == TaskEffect::new_task && ret > 0 && !made_thread(j)) {
            Process& child = process(ret);
            child.parent = pid;
            if (child.comm.empty()) child.comm = processes_[pid].comm;
            fds_[ret] = fds_[pid];
        }
        if (effect == TaskEffect::new_image) processes_[pid].comm = comm_of_exec_path(shown(program_arg(row->effective())));
    }

    static std::string unquoted(std::string_view s) {
        if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
        return std::string(s);
    }

    void process_tree(std::string& o) {
        o += "<h2 id=\"processes\">Processes</h2>\n<ul class=\"tree\" id=\"process-tree\">\n";
        for (auto& [pid, p] : processes_)
            if (!p.parent || !processes_.contains(p.parent)) process_node(o, pid, 0);
        o += "</ul>\n";
    }
    void process_node(std::string& o, std::int64_t pid, int depth) {
        const Process& p = processes_[pid];
        bool bad = !p.end.empty() && p.end != "exited with 0";
        fmt::format_to(std::back_inserter(o), "<li data-pid=\"{}\"><code>{}</code> <b>{}</b> — {} calls, {} task{}<span class=\"end{}\" data-end=\"{}\"> {}</span>", pid,
                       pid, html(p.comm.empty() ? "?" : p.comm), p.calls, p.threads.size(), p.threads.size() == 1 ? "" : "s",
                       bad ? " bad" : "", html(p.end), html(p.end.empty() ? "(end not seen)" : p.end));
        std::string children;
        if (depth < 64)
            for (auto& [cpid, c] : processes_)
                if (c.parent == pid) process_node(children, cpid, depth + 1);
        if (!children.empty()) o += "\n<ul class=\"tree\">\n" + children + "</ul>";
        o += "</li>\n";
    }

    static void head(std::string& o, std::string_view id, std::initializer_list<std::pair<std::string_view, bool>> columns) {
        fmt::format_to(std::back_inserter(o), "<table class=\"sortable\" id=\"{}\"><thead><tr>", id);
        for (auto [name, numeric] : columns) fmt::format_to(std::back_inserter(o), "<th{}>{}</th>", numeric ? " class=\"n\"" : "", name);
        o += "</tr></thead><tbody>\n";
    }
    static void num(std::string& o, std::uint64_t v, std::string_view shown = {}) {
        fmt::format_to(std::back_inserter(o), "<td class=\"n\" data-v=\"{}\">{}</td>", v, shown.empty() ? std::to_string(v) : std::string(shown));
    }

    void class_table(std::string& o) {
        std::map<std::string, NameStats> classes;
        for (auto& [name, s] : names_) {
            std::string list = s.classes.empty() ? "other" : s.classes;
            std::size_t at = 0;
            while (at <= list.size()) {
                std::size_t comma = std::min(list.find(',', at), list.size());
                NameStats& c = classes["%" + list.substr(at, comma - at)];
                c.calls += s.calls;
                c.errors += s.errors;
                c.total_ns += s.total_ns;
                c.max_ns = std::max(c.max_ns, s.max_ns);
                at = comma + 1;
            }
        }
        o += "<h2 id=\"classes\">Calls by class</h2>\n<p>A call of several classes counts in each.</p>\n";
        head(o, "by-class", {{"class", false}, {"calls", true}, {"errors", true}, {"total µs", true}, {"mean µs", true}, {"max µs", true}});
        for (auto& [name, s] : classes) stats_row(o, name, "", s, false);
        o += "</tbody></table>\n";
    }

    void name_table(std::string& o) {
        std::vector<std::pair<std::string, NameStats>> rows(names_.begin(), names_.end());
        std::sort(rows.begin(), rows.end(), [](auto& a, auto& b) { return a.second.total_ns > b.second.total_ns; });
        o += "<h2 id=\"calls\">Calls by name</h2>\n<p>Click a column's title to sort by it.</p>\n";
        head(o, "by-name", {{"call", false}, {"classes", false}, {"calls", true}, {"errors", true}, {"total µs", true}, {"mean µs", true}, {"max µs", true}});
        for (auto& [name, s] : rows) stats_row(o, name, s.classes, s, true);
        o += "</tbody></table>\n";
    }

    void stats_row(std::string& o, std::string_view name, std::string_view classes, const NameStats& s, bool with_classes) {
        fmt::format_to(std::back_inserter(o), "<tr data-name=\"{}\"><td data-v=\"{}\"><code>{}</code></td>", html(name), html(name), html(name));
        if (with_classes) fmt::format_to(std::back_inserter(o), "<td data-v=\"{0}\">{0}</td>", html(classes));
        num(o, s.calls);
        num(o, s.errors);
        num(o, s.total_ns, micros(s.total_ns));
        std::uint64_t mean = s.calls ? s.total_ns / s.calls : 0;
        num(o, mean, micros(mean));
        num(o, s.max_ns, micros(s.max_ns));
        o += "</tr>\n";
    }

    // One row per task: each column a slice of the run's time, coloured by the
    // class that took most of it, as opaque as the task was busy in it.
    void strip(std::string& o) {
        std::map<std::int64_t, std::uint64_t> busy;
        for (const Call& c : calls_) busy[c.tid] += c.dur_ns;
        std::vector<std::pair<std::uint64_t, std::int64_t>> order;
        for (auto [tid, ns] : busy) order.push_back({ns, tid});
        std::sort(order.rbegin(), order.rend());
        if (order.size() > kStripTasks) order.resize(kStripTasks);
        std::sort(order.begin(), order.end(), [](auto& a, auto& b) { return a.second < b.second; });
        std::unordered_map<std::int64_t, std::size_t> rowof;
        for (std::size_t i = 0; i < order.size(); ++i) rowof[order[i].second] = i;
        std::uint64_t span = std::max<std::uint64_t>(1, last_ns_ - first_ns_);
        constexpr std::size_t kColours = std::size(kClassColours);
        std::vector<std::array<std::uint64_t, kColours>> bins(order.size() * kStripBins);
        for (const Call& c : calls_) {
            auto r = rowof.find(c.tid);
            if (r == rowof.end()) continue;
            // Spread the call over the bins it covers (a short one marks its bin).
            std::uint64_t from = std::min(c.start_ns - first_ns_, span - 1);
            std::uint64_t to = std::min(from + std::max<std::uint64_t>(c.dur_ns, 1), span);
            std::size_t first = from * kStripBins / span, last = std::min((to - 1) * kStripBins / span, kStripBins - 1);
            for (std::size_t b = first; b <= last; ++b) {
                std::uint64_t lo = std::max(b * span / kStripBins, from), hi = std::min((b + 1) * span / kStripBins, to);
                bins[r->second * kStripBins + b][c.colour] += hi > lo ? hi - lo : 1;
            }
        }
        constexpr int kLabel = 150, kBinWidth = 2, kRowHeight = 14;
        int width = kLabel + kStripBins * kBinWidth;
        o += "<h2 id=\"timeline\">Timeline per task</h2>\n<p class=\"legend\">";
        for (auto [name, colour] : kClassColours) fmt::format_to(std::back_inserter(o), "<span><i style=\"background:{}\"></i>%{}</span>", colour, name);
        fmt::format_to(std::back_inserter(o), "</p>\n<svg id=\"strip\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-size=\"11\">\n", width,
                       order.size() * kRowHeight + 4);
        double bin_ns = static_cast<double>(span) / kStripBins;
        for (std::size_t r = 0; r < order.size(); ++r) {
            std::int64_t tid = order[r].second;
            int y = static_cast<int>(r) * kRowHeight;
            const std::string& comm = processes_[task_pid_[tid]].comm;
            fmt::format_to(std::back_inserter(o), "<g class=\"task\" data-tid=\"{}\"><text x=\"0\" y=\"{}\">{} {}</text>", tid, y + 11, tid,
                           html(comm.substr(0, 12)));
            for (std::size_t b = 0; b < kStripBins; ++b) {
                auto& cell = bins[r * kStripBins + b];
                std::uint64_t total = 0;
                std::size_t most = 0;
                for (std::size_t k = 0; k < kColours; ++k) {
                    total += cell[k];
                    if (cell[k] > cell[most]) most = k;
                }
                if (!total) continue;
                double opacity = std::clamp(static_cast<double>(total) / bin_ns, 0.25, 1.0);
                fmt::format_to(std::back_inserter(o), "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" fill-opacity=\"{:.2f}\"/>",
                               kLabel + static_cast<int>(b) * kBinWidth, y + 1, kBinWidth, kRowHeight - 2, kClassColours[most].second, opacity);
            }
            o += "</g>\n";
        }
        o += "</svg>\n";
        if (busy.size() > order.size()) fmt::format_to(std::back_inserter(o), "<p>The {} busiest of {} tasks.</p>\n", order.size(), busy.size());
    }

    void slowest(std::string& o) {
        std::vector<Example> rows = slowest_;
        std::sort(rows.begin(), rows.end(), [](auto& a, auto& b) { return a.dur_ns > b.dur_ns; });
        o += "<h2 id=\"slowest\">Slowest calls</h2>\n";
        head(o, "slowest-calls", {{"µs", true}, {"tid", true}, {"call", false}});
        for (const Example& e : rows) {
            o += "<tr>";
            num(o, e.dur_ns, micros(e.dur_ns));
            num(o, static_cast<std::uint64_t>(e.tid));
            fmt::format_to(std::back_inserter(o), "<td class=\"call\">{}</td></tr>\n", html(e.text));
        }
        o += "</tbody></table>\n";
    }

    void failures(std::string& o) {
        std::vector<std::pair<std::string, std::pair<std::uint64_t, std::vector<Example>>>> rows(errors_.begin(), errors_.end());
        std::sort(rows.begin(), rows.end(), [](auto& a, auto& b) { return a.second.first > b.second.first; });
        o += "<h2 id=\"errors\">Failed calls by error</h2>\n";
        head(o, "failed-calls", {{"errno", false}, {"calls", true}, {"examples", false}});
        for (auto& [err, v] : rows) {
            fmt::format_to(std::back_inserter(o), "<tr data-errno=\"{0}\"><td data-v=\"{0}\"><code>{0}</code></td>", html(err));
            num(o, v.first);
            o += "<td class=\"call\">";
            for (std::size_t i = 0; i < v.second.size(); ++i) fmt::format_to(std::back_inserter(o), "{}[{}] {}", i ? "<br>" : "", v.second[i].tid, html(v.second[i].text));
            o += "</td></tr>\n";
        }
        o += "</tbody></table>\n";
    }

    void files(std::string& o) {
        o += "<h2 id=\"files\">Files opened</h2>\n<p>Bytes read and written through the descriptors the opens returned.</p>\n";
        head(o, "files-opened", {{"path", false}, {"opens", true}, {"failed", true}, {"read bytes", true}, {"written bytes", true}});
        for (auto& [path, f] : files_) {
            fmt::format_to(std::back_inserter(o), "<tr data-path=\"{0}\"><td data-v=\"{0}\"><code>{0}</code></td>", html(path));
            num(o, f.opens);
            num(o, f.failed_opens);
            num(o, f.read);
            num(o, f.written);
            o += "</tr>\n";
        }
        o += "</tbody></table>\n";
    }

    void network(std::string& o) {
        o += "<h2 id=\"network\">Network endpoints</h2>\n";
        head(o, "endpoints", {{"call", false}, {"address", false}, {"calls", true}, {"errors", true}});
        for (auto& [key, e] : endpoints_) {
            fmt::format_to(std::back_inserter(o), "<tr><td data-v=\"{0}\"><code>{0}</code></td><td class=\"call\" data-v=\"{1}\">{1}</td>", html(key.first), html(key.second));
            num(o, e.calls);
            num(o, e.errors);
            o += "</tr>\n";
        }
        o += "</tbody></table>\n";
        if (!signals_.empty()) {
            o += "<h2 id=\"signals\">Signals</h2>\n";
            head(o, "signals-delivered", {{"signal", false}, {"deliveries", true}});
            for (auto& [sig, n] : signals_) {
                fmt::format_to(std::back_inserter(o), "<tr><td data-v=\"{0}\">{0}</td>", html(sig));
                num(o, n);
                o += "</tr>\n";
            }
            o += "</tbody></table>\n";
        }
    }

    // The sandbox's denials (`lstar trace` with sandbox options: "denial" objects).
    void denials(std::string& o) {
        o += "<h2 id=\"policy\">Policy denials</h2>\n";
        if (denials_.empty()) {
            o += "<p id=\"no-denials\">No call was denied (or no sandbox was active: denials appear here when the "
                 "run had sandbox options, <code>lstar trace --policy FILE</code>, <code>--deny</code>, ...).</p>\n";
            return;
        }
        head(o, "denials-list", {{"tid", true}, {"call", false}, {"rule", false}, {"layer", false}});
        for (const Denial& d : denials_) {
            o += "<tr>";
            num(o, static_cast<std::uint64_t>(d.tid));
            fmt::format_to(std::back_inserter(o), "<td class=\"call\" data-v=\"{0}\">{0}</td><td data-v=\"{1}\">{1}</td>"
                           "<td data-v=\"{2}\">{2}</td></tr>\n", html(d.call), html(d.rule), html(d.layer));
        }
        o += "</tbody></table>\n";
    }

    // Sorting by a column's title; "#sort=TABLE:COLUMN" in the address sorts on load.
    static constexpr std::string_view kScript = R"(<script>
"use strict";
function sortTable(table, col, descending) {
  const body = table.tBodies[0];
  const numeric = table.tHead.rows[0].cells[col].classList.contains("n");
  const key = r => r.cells[col].dataset.v;
  const rows = Array.from(body.rows);
  rows.sort((a, b) => {
    const x = key(a), y = key(b);
    const c = numeric ? Number(x) - Number(y) : x.localeCompare(y);
    return descending ? -c : c;
  });
  for (const r of rows) body.appendChild(r);
  table.dataset.sortedBy = col + (descending ? ":desc" : ":asc");
}
for (const table of document.querySelectorAll("table.sortable")) {
  Array.from(table.tHead.rows[0].cells).forEach((th, col) => {
    th.addEventListener("click", () => sortTable(table, col, table.dataset.sortedBy !== col + ":desc"));
  });
}
const wanted = /#sort=([\w-]+):(\d+)(:asc)?/.exec(location.hash);
if (wanted) {
  const table = document.getElementById(wanted[1]);
  if (table) sortTable(table, Number(wanted[2]), !wanted[3]);
}
</script>
)";

    std::uint64_t first_ns_ = 0, last_ns_ = 0;
    std::map<std::int64_t, Process> processes_;
    std::unordered_map<std::int64_t, std::int64_t> task_pid_;  // tid -> pid
    std::map<std::string, NameStats> names_;
    std::vector<Call> calls_;
    std::vector<Example> slowest_;  // a min-heap by duration
    std::map<std::string, std::pair<std::uint64_t, std::vector<Example>>> errors_;
    std::unordered_map<std::int64_t, std::map<std::int64_t, std::string>> fds_;  // per process: fd -> path
    std::map<std::string, FileStats> files_;
    std::map<std::pair<std::string, std::string>, Endpoint> endpoints_;
    std::map<std::string, std::uint64_t> signals_;
    struct Denial {
        std::int64_t tid;
        std::string call, rule, layer;
    };
    std::vector<Denial> denials_;
};

}  // namespace

Status write_report(std::istream& run, std::FILE* out, const ReportOptions& options) {
    ReportBuilder builder;
    for_each_run_object(run, [&](const nlohmann::json& j) { builder.object(j); });
    std::string page = builder.html_page(options);
    if (std::fwrite(page.data(), 1, page.size(), out) != page.size() || std::fflush(out) != 0)
        return error(fmt::format("cannot write the report: {}", std::strerror(errno)), errno);
    return {};
}

}  // namespace lstar
