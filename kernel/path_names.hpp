// Names as the program sees them: the file-system view (handlers/path_view.hpp)
// maps a host name to the program's, for what shows names the kernel gives in
// host terms (-y's descriptor paths in the trace).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lstar {

class PathNames {
public:
    virtual ~PathNames() = default;
    // The program's name of a host name, nullopt when the program has no name for it.
    virtual std::optional<std::string> guest_of(std::string_view host) const = 0;
};

}  // namespace lstar
