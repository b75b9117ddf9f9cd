// --timeline: a run (its --json objects, docs/json-schema.md) as the Trace Event
// Format's JSON object form, which Perfetto UI and chrome://tracing open
// (docs/pictures.md): a track per process and per thread named by command,
// each call a complete event, signals and exits instant events, clone/fork and
// execve flow events from the call to what it started.
#pragma once

#include <cstdint>
#include <cstdio>
#include <istream>

#include "table/result.hpp"

namespace lstar {

struct TimelineOptions {
    // --timeline-min-us: calls shorter than this are left out, and each track
    // gets a counter of how many were (and how long they took together).
    std::uint64_t min_us = 0;
};

struct TimelineStats {
    std::uint64_t calls = 0;    // calls written as events
    std::uint64_t dropped = 0;  // calls left out by min_us
    std::uint64_t skipped = 0;  // lines that were not schema-1 objects
};

// Reads the objects from `run` and writes the timeline to `out`.
Result<TimelineStats> write_timeline(std::istream& run, std::FILE* out, const TimelineOptions& options);

}  // namespace lstar
