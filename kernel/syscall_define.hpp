// SYSCALL_DEFINE for lstar's handlers. A handler is an ordinary typed function
//
//     HandlerResult do_sys_uname(Task&, UserPtr<new_utsname> name);
//
// and LSTAR_SYSCALL_DEFINE(sys_newuname, do_sys_uname) makes the adapter that
// the table calls: each 64-bit register is narrowed and sign- or zero-extended
// to the declared type (what __SC_CAST/__SC_LONG do), and the arity, widths and
// signedness are checked at compile time against the entry point's metadata
// (generated from tbl/signatures.tbl), like __SC_TEST and __MAP do.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

#include "kernel/syscall_path.hpp"
#include "kernel/user_memory.hpp"
#include "table/entry_meta.hpp"

namespace lstar {

namespace detail {

template <class T>
constexpr bool is_pointer_arg = is_user_ptr<T>::value;

// The register as the declared type sees it. A compat (4-byte) pointer is zero-extended.
template <class T, std::size_t Width>
T arg_cast(std::uint64_t reg) {
    if constexpr (is_pointer_arg<T>) {
        return T(Width == 4 ? static_cast<std::uint32_t>(reg) : reg);
    } else {
        static_assert(std::is_integral_v<T> || std::is_enum_v<T>, "handler argument must be an integer or a UserPtr");
        return static_cast<T>(reg);  // truncates, then the declared signedness applies
    }
}

template <class Meta, class T, std::size_t I>
constexpr bool arg_matches() {
    if constexpr (is_pointer_arg<T>) {
        return Meta::size[I] == 8 || Meta::size[I] == 4;
    } else {
        return sizeof(T) == Meta::size[I] && std::is_signed_v<T> == Meta::is_signed[I];
    }
}

template <class Meta, class... A, std::size_t... I>
HandlerResult call_typed(HandlerResult (*fn)(Task&, A...), Task& task, std::index_sequence<I...>) {
    static_assert((arg_matches<Meta, A, I>() && ...),
                  "handler argument widths or signedness differ from the entry point's metadata");
    return fn(task, arg_cast<A, Meta::size[I]>(task.arg(static_cast<int>(I)))...);
}

template <class Meta, class... A>
Handler make_typed_handler(HandlerResult (*fn)(Task&, A...)) {
    static_assert(sizeof...(A) == Meta::nargs, "handler arity differs from the entry point's metadata");
    return [fn](Task& task) { return call_typed<Meta>(fn, task, std::index_sequence_for<A...>{}); };
}

}  // namespace detail

// Binds fn to the entry point `entry` on a SyscallPath; yields the number of rows bound.
#define LSTAR_SYSCALL_DEFINE(path, entry, fn) \
    (path).bind_entry(::lstar::meta::entry::name, ::lstar::detail::make_typed_handler<::lstar::meta::entry>(fn))

}  // namespace lstar
