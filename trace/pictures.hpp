// --timeline and --report of `lstar trace`: a second tracer writes the run's
// JSON objects (docs/json-schema.md) to a side file, through a TraceOutput, so
// that every process of the run (the in-process backend's images too) adds
// to it as it does to -o; once the run is over, the pictures are made from it
// and the side file is removed.
#pragma once

#include <memory>
#include <string>

#include "trace/timeline.hpp"
#include "trace/tracer.hpp"

namespace lstar {

struct PictureOptions {
    std::string timeline_path;  // --timeline, "" for none
    TimelineOptions timeline;
    std::string report_path;    // --report, "" for none
};

class RunPictures {
public:
    // `config`: what the user's trace shows; the pictures show the same calls.
    RunPictures(const TraceConfig& config, PictureOptions options);
    bool wanted() const { return !options_.timeline_path.empty() || !options_.report_path.empty(); }
    // The hook to add at Stage::tracing and the output to give the backend.
    Tracer& tracer() { return *tracer_; }
    TraceOutput& output() { return *out_; }
    // The run is over: writes the pictures (each whole or not at all) and removes
    // the side file.
    Status finish();

private:
    PictureOptions options_;
    TraceConfig config_;
    std::string run_path_;
    std::unique_ptr<TraceOutput> out_;
    std::unique_ptr<Tracer> tracer_;
};

// Writes `path` whole, or leaves nothing: `write` fills a temporary file beside
// it, which is renamed over `path` only when `write` succeeded.
Status write_file_atomically(const std::string& path, const std::function<Status(std::FILE*)>& write);

}  // namespace lstar
