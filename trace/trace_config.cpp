#include "trace/trace_config.hpp"

#include <algorithm>

namespace lstar {

bool FdSet::contains(long fd) const {
    bool in = all || std::binary_search(fds.begin(), fds.end(), static_cast<int>(fd));
    return in != negate;
}

DecodeOptions TraceConfig::decode_options() const {
    DecodeOptions d;
    d.string_limit = string_limit;
    d.verbose_structs = abbrev.is_empty();
    d.xlat = xlat;
    d.decode_fds = decode_fds;
    d.pid_comm = decode_pid_comm;
    d.pid_ns = decode_pid_ns;
    d.strings_in_hex = strings_in_hex;
    d.names = path_names;
    return d;
}

}  // namespace lstar
