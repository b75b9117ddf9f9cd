// An HTML report of a run (its --json objects, docs/json-schema.md): one
// self-contained file, inline SVG and one inline script for sorting tables,
// nothing fetched (docs/pictures.md). `lstar report RUN.jsonl -o FILE.html`
// and `lstar trace --report FILE.html`.
#pragma once

#include <cstdio>
#include <istream>
#include <string>

#include "table/result.hpp"

namespace lstar {

struct ReportOptions {
    std::string title;  // what ran ("ls -l", or the file the run was read from)
};

Status write_report(std::istream& run, std::FILE* out, const ReportOptions& options);

}  // namespace lstar
