// The C types of system call arguments: their width and signedness as the
// entry point sees them, and how lstar/sys.hpp spells them for a caller.
// Only types listed in ctype.cpp are accepted, so nothing is guessed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lstar::gen {

struct CType {
    std::uint8_t size = 0;     // bytes the entry point takes: 1, 2, 4 or 8
    bool is_signed = false;
    bool is_pointer = false;   // a pointer or a pointer typedef (cap_user_header_t)
    std::string user;          // the C++ spelling in lstar/sys.hpp: "const char*"
    std::string tag;           // "struct stat" when the type names a struct or union, else empty
};

// Width model of an entry point: compat entry points (compat_sys_*) and
// user-side i386 code see 4-byte long and pointers.
enum class Width : std::uint8_t { native, compat };

// Analyses a declared type ("const char __user *"). On failure returns false
// and says why in `why`.
bool analyse_type(std::string_view decl, Width width, CType& out, std::string& why);

// Collapses runs of white space and puts one space around each `*`'s left side:
// "const char __user*  buf" style input becomes "const char __user *".
std::string normalise_type(std::string_view decl);

}  // namespace lstar::gen
