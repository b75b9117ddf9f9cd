// The pictures of a run: `lstar trace --timeline` (Trace Event Format, checked
// against the --json objects of the same run), `lstar trace --report` and
// `lstar report` (HTML, loaded in headless Chromium and checked through its DOM).
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/capabilities.hpp"
#include "tests/support/process.hpp"

namespace {

using nlohmann::json;

const std::string kProg = std::string(TRACE_PROGS_DIR) + "/pictures";

std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

bool exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

lstar::test::ProcessResult run(const std::vector<std::string>& argv) {
    lstar::test::ProcessOptions opt;
    opt.stdin_null = true;
    return lstar::test::run_process(argv, opt);
}

std::vector<json> objects(const std::string& path) {
    std::vector<json> out;
    std::ifstream f(path);
    std::string line;
    while (std::getline(f, line)) out.push_back(json::parse(line));
    return out;
}

struct Dir {
    std::string path = std::string(::testing::TempDir()) + "lstar-pictures-" + std::to_string(::getpid()) + "-" +
                       ::testing::UnitTest::GetInstance()->current_test_info()->name();
    Dir() { run({"/bin/rm", "-rf", path}); ::mkdir(path.c_str(), 0755); }
    ~Dir() { run({"/bin/rm", "-rf", path}); }
    std::string operator/(const std::string& name) const { return path + "/" + name; }
};

// `lstar trace -f --json=1 -o RUN --timeline TL [extra] pictures FILE`: both from one run (version 1:
// the results in RUN are strace's text, compared with the timeline's).
void trace_run(const Dir& dir, const std::vector<std::string>& extra) {
    std::vector<std::string> argv{LSTAR_BIN, "trace", "-f", "--json=1", "-o", dir / "run.jsonl", "--timeline", dir / "tl.json",
                                  "--report", dir / "report.html"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.insert(argv.end(), {"--", kProg, dir / "file"});
    lstar::test::ProcessResult r = run(argv);
    ASSERT_TRUE(r.exited(0)) << r.describe();
    EXPECT_FALSE(exists(dir / "tl.json.run.jsonl")) << "the side file is removed";
}

// The timeline holds each call of the run once, with its track, class and
// result, names its tracks, and draws clone/fork/execve as flows.
void check_timeline(const Dir& dir) {
    std::vector<json> run = objects(dir / "run.jsonl");
    json tl = json::parse(slurp(dir / "tl.json"));
    ASSERT_TRUE(tl.contains("traceEvents"));
    std::multiset<std::tuple<std::int64_t, std::string, std::string>> calls, events;
    std::set<std::int64_t> tids;
    int starts = 0, signals = 0;
    for (const json& o : run) {
        tids.insert(o["tid"].get<std::int64_t>());
        if (o["type"] == "signal") ++signals;
        if (o["type"] != "syscall") continue;
        std::string result = o.value("unfinished", false) ? "? (unfinished)" : o["result"].get<std::string>();
        calls.insert({o["tid"].get<std::int64_t>(), o["name"].get<std::string>(), result});
        bool ok = o["ret"].is_number() && o["ret"].get<std::int64_t>() >= 0;
        std::string name = o["name"];
        if (ok && (name == "clone" || name == "clone3" || name == "fork" || name == "vfork" || name == "execve")) ++starts;
    }
    std::map<std::int64_t, std::string> thread_names;
    std::map<std::uint64_t, int> flow_ends;
    int flow_starts = 0, instants = 0;
    for (const json& e : tl["traceEvents"]) {
        std::string ph = e["ph"];
        if (ph == "X") {
            events.insert({e["tid"].get<std::int64_t>(), e["name"].get<std::string>(), e["args"]["result"].get<std::string>()});
            EXPECT_TRUE(e["ts"].is_number() && e["dur"].is_number()) << e.dump();
            EXPECT_NE(e["cat"], "") << e.dump();
            if (e["name"] == "openat") {
                EXPECT_NE(e["cat"].get<std::string>().find("file"), std::string::npos) << e.dump();
                EXPECT_TRUE(e["args"].contains("filename")) << "arguments are named from the table: " << e.dump();
            }
            if (e["name"] == "wait4") {
                EXPECT_NE(e["cat"].get<std::string>().find("blocking"), std::string::npos) << e.dump();
            }
        } else if (ph == "M" && e["name"] == "thread_name") {
            thread_names[e["tid"].get<std::int64_t>()] = e["args"]["name"];
        } else if (ph == "s") {
            ++flow_starts;
        } else if (ph == "f") {
            ++flow_ends[e["id"].get<std::uint64_t>()];
        } else if (ph == "i" && e["cat"] == "signal") {
            ++instants;
        }
    }
    EXPECT_EQ(events, calls) << "every call of the run, once";
    EXPECT_EQ(flow_starts, starts) << "a flow for each successful clone, fork and execve";
    EXPECT_EQ(static_cast<int>(flow_ends.size()), starts) << "each flow ends";
    EXPECT_EQ(instants, signals);
    for (std::int64_t tid : tids) EXPECT_EQ(thread_names[tid], "pictures") << "tid " << tid;
    EXPECT_EQ(tl["otherData"]["calls"].get<std::size_t>(), calls.size());
}

TEST(Timeline, PtraceRunAsTraceEvents) {
    Dir dir;
    ASSERT_NO_FATAL_FAILURE(trace_run(dir, {}));
    check_timeline(dir);
}

TEST(Timeline, InprocRunAsTraceEvents) {
    Dir dir;
    ASSERT_NO_FATAL_FAILURE(trace_run(dir, {"--backend=inproc"}));
    check_timeline(dir);
}

// --timeline-min-us: what is left out is counted per track, and nothing is lost.
TEST(Timeline, MinDurationDropsIntoCounters) {
    Dir dir;
    ASSERT_NO_FATAL_FAILURE(trace_run(dir, {"--timeline-min-us", "1000000000"}));
    json tl = json::parse(slurp(dir / "tl.json"));
    std::size_t kept = 0, calls = 0;
    std::map<std::string, std::uint64_t> dropped;  // counter name -> last value
    for (const json& e : tl["traceEvents"]) {
        if (e["ph"] == "X") ++kept;
        if (e["ph"] == "C") dropped[e["name"]] = std::max<std::uint64_t>(dropped[e["name"]], e["args"]["calls"]);
    }
    for (const json& o : objects(dir / "run.jsonl")) calls += o["type"] == "syscall";
    std::uint64_t total = 0;
    for (auto& [name, n] : dropped) total += n;
    EXPECT_FALSE(dropped.empty());
    EXPECT_LT(kept, calls);
    EXPECT_EQ(kept + total, calls);
    EXPECT_EQ(tl["otherData"]["dropped_calls"].get<std::uint64_t>(), total);
}

TEST(Timeline, BadArgumentsLeaveNothing) {
    Dir dir;
    lstar::test::ProcessResult r = run({LSTAR_BIN, "trace", "--timeline", dir / "tl.json", "--timeline-min-us", "soon", "--", kProg, dir / "file"});
    EXPECT_TRUE(r.exited(2)) << r.describe();
    EXPECT_NE(r.err.find("--timeline-min-us"), std::string::npos) << r.err;
    r = run({LSTAR_BIN, "trace", "--timeline", dir / "no/such/dir/tl.json", "--", kProg, dir / "file"});
    EXPECT_FALSE(r.exited(0)) << r.describe();
    EXPECT_FALSE(exists(dir / "file")) << "the program did not run";
    r = run({LSTAR_BIN, "report", dir / "missing.jsonl", "-o", dir / "r.html"});
    EXPECT_TRUE(r.exited(2)) << r.describe();
    lstar::test::ProcessResult text = run({"/bin/sh", "-c", std::string("echo 'not json' > ") + (dir / "text.jsonl")});
    r = run({LSTAR_BIN, "report", dir / "text.jsonl", "-o", dir / "r.html"});
    EXPECT_TRUE(r.exited(2)) << r.describe();
    EXPECT_NE(r.err.find("no lstar JSON objects"), std::string::npos) << r.err;
    EXPECT_FALSE(exists(dir / "r.html"));
    EXPECT_FALSE(exists(dir / "r.html.tmp"));
}

// ---- the report in a browser ------------------------------------------------

// Headless Chromium from Debian: its DOM after the page's script ran, and what it
// logged from the page's console.
struct Browser {
    std::string why_not;
    std::vector<std::string> base{CHROMIUM_BIN, "--headless", "--disable-gpu", "--no-first-run", "--disable-extensions",
                                  "--enable-logging=stderr", "--v=0"};
    Browser() {
        // As root Chromium refuses to start its own sandbox; the page is a local file lstar wrote.
        if (::geteuid() == 0) base.push_back("--no-sandbox");
        if (!exists(CHROMIUM_BIN)) {
            why_not = std::string(CHROMIUM_BIN) + " is not installed (scripts/setup-debian installs it)";
            return;
        }
        std::vector<std::string> argv = base;
        argv.insert(argv.end(), {"--dump-dom", "about:blank"});
        lstar::test::ProcessResult r = run(argv);
        if (!r.exited(0) || r.out.find("<html") == std::string::npos) why_not = "chromium cannot run here: " + r.describe();
    }
    // `extra`: more switches, such as a virtual-time budget for a page that goes on
    // loading from its scripts after its load event.
    lstar::test::ProcessResult dom(const std::string& url, const std::vector<std::string>& extra = {}) {
        std::vector<std::string> argv = base;
        argv.insert(argv.end(), extra.begin(), extra.end());
        argv.insert(argv.end(), {"--dump-dom", url});
        return run(argv);
    }
    lstar::test::ProcessResult screenshot(const std::string& url, const std::string& png, const std::string& size = "1280,1800",
                                          const std::vector<std::string>& extra = {}) {
        std::vector<std::string> argv = base;
        argv.insert(argv.end(), extra.begin(), extra.end());
        argv.insert(argv.end(), {"--hide-scrollbars", "--window-size=" + size, "--screenshot=" + png, url});
        return run(argv);
    }
};

std::string capture(const std::string& text, const std::string& pattern) {
    std::smatch m;
    if (!std::regex_search(text, m, std::regex(pattern))) return "(no match for " + pattern + ")";
    return m[1];
}

// Console messages Chromium logged for the page (errors, uncaught exceptions).
std::string console_lines(const std::string& err) {
    std::string out;
    std::istringstream s(err);
    for (std::string line; std::getline(s, line);)
        if (line.find("CONSOLE") != std::string::npos || line.find("Uncaught") != std::string::npos) out += line + "\n";
    return out;
}

void check_report(Browser& browser, const Dir& dir, const std::string& html) {
    std::vector<json> run = objects(dir / "run.jsonl");
    std::size_t calls = 0, errors = 0, openat = 0, enoent = 0;
    std::set<std::int64_t> pids;
    for (const json& o : run) {
        pids.insert(o["pid"].get<std::int64_t>());
        if (o["type"] != "syscall") continue;
        ++calls;
        errors += o["errno"].is_string();
        enoent += o["errno"] == "ENOENT";
        openat += o["name"] == "openat" && !o.value("unfinished", false);
    }
    // Sorted by the "calls" column (2), largest first, by the page's own script.
    lstar::test::ProcessResult r = browser.dom("file://" + html + "#sort=by-name:2");
    ASSERT_TRUE(r.exited(0)) << r.describe();
    const std::string& dom = r.out;
    EXPECT_EQ(console_lines(r.err), "") << "no console messages";
    EXPECT_EQ(capture(dom, R"re(id="total-calls">(\d+)<)re"), std::to_string(calls));
    EXPECT_EQ(capture(dom, R"re(id="total-errors">(\d+)<)re"), std::to_string(errors));
    EXPECT_EQ(capture(dom, R"re(id="total-processes">(\d+)<)re"), std::to_string(pids.size()));
    EXPECT_EQ(capture(dom, R"re(<tr data-name="openat">.*?<td class="n" data-v="(\d+)")re"), std::to_string(openat));
    EXPECT_EQ(capture(dom, R"re(<tr data-errno="ENOENT">.*?<td class="n" data-v="(\d+)")re"), std::to_string(enoent));
    EXPECT_NE(dom.find("/nonexistent/lstar-pictures"), std::string::npos) << "the failed open is an example";
    // The file written and read back, through the descriptors its opens returned.
    std::string file = dir / "file";
    std::string row = capture(dom, "(<tr data-path=\"" + file + "\">.*?</tr>)");
    std::vector<std::string> cells;
    std::regex cell(R"re(<td class="n" data-v="(\d+)")re");
    for (auto it = std::sregex_iterator(row.begin(), row.end(), cell); it != std::sregex_iterator(); ++it) cells.push_back((*it)[1]);
    EXPECT_EQ(cells, (std::vector<std::string>{"2", "0", "6", "6"})) << "opened twice, 6 bytes read, 6 written: " << row;
    // The process tree: the child's exit status under its parent.
    EXPECT_NE(dom.find("data-end=\"exited with 3\""), std::string::npos);
    EXPECT_NE(dom.find("data-end=\"exited with 0\""), std::string::npos);
    EXPECT_NE(dom.find("<b>pictures</b>"), std::string::npos);
    // The strip has a row per task; the table was sorted by the script.
    EXPECT_NE(dom.find("<svg id=\"strip\""), std::string::npos);
    EXPECT_NE(dom.find("data-sorted-by=\"2:desc\""), std::string::npos) << "the page's script ran";
    std::vector<std::uint64_t> counts;
    std::string table = capture(dom, R"re((<table class="sortable" id="by-name"[\s\S]*?</table>))re");
    std::regex name_row(R"re(<tr data-name="[^"]*"><td[^>]*>.*?</td><td[^>]*>.*?</td><td class="n" data-v="(\d+)")re");
    for (auto it = std::sregex_iterator(table.begin(), table.end(), name_row); it != std::sregex_iterator(); ++it)
        counts.push_back(std::stoull((*it)[1]));
    EXPECT_GT(counts.size(), 5u);
    EXPECT_TRUE(std::is_sorted(counts.rbegin(), counts.rend())) << "by calls, largest first";
    EXPECT_EQ(slurp(html).find("http"), slurp(html).find("http://www.w3.org/2000/svg")) << "nothing fetched";
}

TEST(Report, TraceReportInChromium) {
    Browser browser;
    if (!browser.why_not.empty()) GTEST_SKIP() << browser.why_not;
    Dir dir;
    ASSERT_NO_FATAL_FAILURE(trace_run(dir, {}));
    check_report(browser, dir, dir / "report.html");
    // A picture for the docs (docs/report.png is one of these).
    lstar::test::ProcessResult shot = browser.screenshot("file://" + (dir / "report.html"), std::string(PICTURES_OUT) + "/report.png");
    EXPECT_TRUE(shot.exited(0)) << shot.describe();
    EXPECT_TRUE(exists(std::string(PICTURES_OUT) + "/report.png"));
}

TEST(Report, ReportCommandFromJsonInChromium) {
    Browser browser;
    if (!browser.why_not.empty()) GTEST_SKIP() << browser.why_not;
    Dir dir;
    ASSERT_NO_FATAL_FAILURE(trace_run(dir, {"--backend=inproc"}));
    lstar::test::ProcessResult r = run({LSTAR_BIN, "report", dir / "run.jsonl", "-o", dir / "again.html"});
    ASSERT_TRUE(r.exited(0)) << r.describe();
    check_report(browser, dir, dir / "again.html");
}

}  // namespace

// ---- the timeline in a viewer ------------------------------------------------

namespace {

std::string base64(const std::string& bytes) {
    static constexpr char kDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        std::uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
        if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
        out += kDigits[n >> 18 & 63];
        out += kDigits[n >> 12 & 63];
        out += i + 1 < bytes.size() ? kDigits[n >> 6 & 63] : '=';
        out += i + 2 < bytes.size() ? kDigits[n & 63] : '=';
    }
    return out;
}

// speedscope (npm's speedscope, MIT; https://github.com/jlfwong/speedscope), a
// viewer of Trace Event Format files that runs from its files, offline, in
// headless Chromium: a file is opened as its command-line tool opens one, by a
// script that hands it the file (`#localProfilePath=`). It draws one task at a
// time ("Time Order": the task's calls along the time axis), and lists the
// tasks it found in its DOM. Not part of the build: scripts/doc-pictures
// installs it (into build/viewer), and these tests are skipped without it.
struct Speedscope {
    std::string index = std::string(SPEEDSCOPE_DIR) + "/index.html";
    std::string why_not;
    Browser browser;
    // WebGL in software (SwiftShader), which speedscope draws with; time for its
    // scripts to load and import the file.
    std::vector<std::string> extra{"--enable-unsafe-swiftshader", "--virtual-time-budget=20000"};
    Speedscope() {
        if (!browser.why_not.empty()) why_not = browser.why_not;
        else if (!exists(index)) why_not = "speedscope is not installed at " + index + " (scripts/doc-pictures installs it from npm)";
    }
    // The page's address with the timeline `json` loaded (a script written beside it).
    std::string url(const std::string& json) {
        std::string loader = json + ".speedscope.js";
        std::ofstream(loader) << "speedscope.loadFileFromBase64(\"timeline.json\", \"" << base64(slurp(json)) << "\");\n";
        return "file://" + index + "#localProfilePath=" + loader;
    }
};

// What speedscope logged from the page: whether it took the file as the Trace
// Event Format, and its warnings and errors (console.warn and console.error).
void check_speedscope_console(const std::string& err) {
    EXPECT_NE(err.find("Importing as Trace Event Format profile"), std::string::npos) << err.substr(0, 4000);
    std::istringstream s(err);
    for (std::string line; std::getline(s, line);)
        if (line.find("CONSOLE") != std::string::npos && line.find("INFO:CONSOLE") == std::string::npos)
            ADD_FAILURE() << "speedscope logged: " << line;
    EXPECT_EQ(err.find("Uncaught"), std::string::npos) << err.substr(0, 4000);
}

// The tasks speedscope names ("pictures (pid 7), pictures (tid 8)"), as (pid, tid,
// name): in its toolbar the one drawn, in its list of tasks (when there are more) each.
std::set<std::tuple<std::int64_t, std::int64_t, std::string>> speedscope_tasks(const std::string& dom) {
    std::set<std::tuple<std::int64_t, std::int64_t, std::string>> out;
    std::regex row(R"re([">]([^\s"<>]+) \(pid (\d+)\), ([^\s"<>]+) \(tid (\d+)\)[ "<])re");
    for (auto it = std::sregex_iterator(dom.begin(), dom.end(), row); it != std::sregex_iterator(); ++it) {
        EXPECT_EQ((*it)[1], (*it)[3]) << "a process and its task of one command here";
        out.insert({std::stoll((*it)[2]), std::stoll((*it)[4]), (*it)[3]});
    }
    return out;
}

}  // namespace

// A real run's timeline in speedscope: it imports the file as the Trace Event
// Format without a warning, finds each task of the run with its process and
// command, and draws the main task's calls (the screenshot is docs/timeline.png).
TEST(Timeline, OpensInSpeedscope) {
    Speedscope viewer;
    if (!viewer.why_not.empty()) GTEST_SKIP() << viewer.why_not;
    Dir dir;
    ASSERT_NO_FATAL_FAILURE(trace_run(dir, {}));
    std::set<std::tuple<std::int64_t, std::int64_t, std::string>> tasks;
    for (const json& o : objects(dir / "run.jsonl"))
        tasks.insert({o["pid"].get<std::int64_t>(), o["tid"].get<std::int64_t>(), "pictures"});
    std::string url = viewer.url(dir / "tl.json");
    lstar::test::ProcessResult r = viewer.browser.dom(url, viewer.extra);
    ASSERT_TRUE(r.exited(0)) << r.describe();
    check_speedscope_console(r.err);
    EXPECT_EQ(r.out.find("Something went wrong"), std::string::npos);
    EXPECT_EQ(speedscope_tasks(r.out), tasks) << "each task of the run, once";
    EXPECT_NE(r.out.find("(1/" + std::to_string(tasks.size()) + ")"), std::string::npos) << "the first of the tasks is drawn";
    std::string png = std::string(PICTURES_OUT) + "/timeline.png";
    lstar::test::ProcessResult shot = viewer.browser.screenshot(url, png, "1280,240", viewer.extra);
    EXPECT_TRUE(shot.exited(0)) << shot.describe();
    EXPECT_TRUE(exists(png));
}

// A run of 10^6 calls (the in-process backend, getppid in a loop): its timeline,
// with the calls under 20 µs dropped into counters, opens in speedscope.
TEST(Timeline, MillionCallRunOpensInSpeedscope) {
    Speedscope viewer;
    if (!viewer.why_not.empty()) GTEST_SKIP() << viewer.why_not;
    Dir dir;
    lstar::test::ProcessResult traced = run({LSTAR_BIN, "trace", "--backend=inproc", "-o", "/dev/null", "--timeline", dir / "tl.json",
                                             "--timeline-min-us", "20", "--", GETPPID_LOOP, "1000000"});
    ASSERT_TRUE(traced.exited(0)) << traced.describe();
    json tl = json::parse(slurp(dir / "tl.json"));
    std::size_t kept = tl["otherData"]["calls"].get<std::size_t>(), dropped = tl["otherData"]["dropped_calls"].get<std::size_t>();
    EXPECT_GE(kept + dropped, 1000000u);
    std::cout << "timeline of " << kept + dropped << " calls, " << kept << " kept: " << slurp(dir / "tl.json").size() << " bytes\n";
    lstar::test::ProcessResult r = viewer.browser.dom(viewer.url(dir / "tl.json"), viewer.extra);
    ASSERT_TRUE(r.exited(0)) << r.describe();
    check_speedscope_console(r.err);
    EXPECT_EQ(r.out.find("Something went wrong"), std::string::npos);
    EXPECT_EQ(speedscope_tasks(r.out).size(), 1u) << "one task";
}
