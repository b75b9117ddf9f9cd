// SYSCALL_DEFINE for lstar's handlers. A handler is an ordinary typed callable:
// a function, or a lambda or object that carries its family's state,
//
//     HandlerResult do_sys_uname(Task&, UserPtr<new_utsname> name);
//     [this](Task&, UserPtr<new_utsname> name) -> HandlerResult { ... }
//
// and LSTAR_SYSCALL_DEFINE(path, sys_newuname, handler) makes the adapter that
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

// The argument types of a handler: a function pointer, or a callable's operator().
template <class F>
struct handler_args : handler_args<decltype(&F::operator())> {};
template <class... A>
struct handler_args<HandlerResult (*)(Task&, A...)> {
    template <template <class...> class T>
    using apply = T<A...>;
};
template <class C, class... A>
struct handler_args<HandlerResult (C::*)(Task&, A...) const> : handler_args<HandlerResult (*)(Task&, A...)> {};
template <class C, class... A>
struct handler_args<HandlerResult (C::*)(Task&, A...)> : handler_args<HandlerResult (*)(Task&, A...)> {};

template <class Meta, class... A>
struct typed_call {
    template <class F, std::size_t... I>
    static HandlerResult call(F& fn, Task& task, std::index_sequence<I...>) {
        static_assert((arg_matches<Meta, A, I>() && ...),
                      "handler argument widths or signedness differ from the entry point's metadata");
        return fn(task, arg_cast<A, Meta::size[I]>(task.arg(static_cast<int>(I)))...);
    }
    template <class F>
    static Handler make(F fn) {
        static_assert(sizeof...(A) == Meta::nargs, "handler arity differs from the entry point's metadata");
        return [fn = std::move(fn)](Task& task) mutable {
            return call(fn, task, std::index_sequence_for<A...>{});
        };
    }
};

template <class Meta>
struct typed_call_for {
    template <class... A>
    using with = typed_call<Meta, A...>;
};

template <class Meta, class F>
Handler make_typed_handler(F fn) {
    using Args = typename handler_args<std::decay_t<F>>::template apply<typed_call_for<Meta>::template with>;
    return Args::make(std::move(fn));
}

}  // namespace detail

// Binds a handler to the entry point `entry` on a SyscallPath; yields the number of rows bound.
// (Variadic: a lambda's capture list may hold commas.)
#define LSTAR_SYSCALL_DEFINE(path, entry, ...) \
    (path).bind_entry(::lstar::meta::entry::name, ::lstar::detail::make_typed_handler<::lstar::meta::entry>(__VA_ARGS__))

// The same for exit work (SyscallPath::bind_exit_entry): the handler sees the call's
// arguments as they were at entry and task.retval as the host returned it.
#define LSTAR_SYSCALL_EXIT_DEFINE(path, entry, ...) \
    (path).bind_exit_entry(::lstar::meta::entry::name, ::lstar::detail::make_typed_handler<::lstar::meta::entry>(__VA_ARGS__))

}  // namespace lstar
