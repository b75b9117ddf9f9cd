// One error style from the bottom of the path to the CLI: a function that can
// fail returns Result<T>, which holds either its value or an Error (an errno
// where there is one, and a one-line message that says what, where and what to
// do). Nothing throws across a stage; the CLI prints the message as
// "lstar: <message>" and exits non-zero.
#pragma once

#include <cstdio>
#include <string>
#include <utility>
#include <variant>

namespace lstar {

struct Error {
    int err = 0;          // the errno behind it, 0 when there is none
    std::string message;  // one line, without "lstar: "
};

// An Error with this message (and errno).
inline Error error(std::string message, int err = 0) { return Error{err, std::move(message)}; }

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    Result(Error e) : v_(std::in_place_index<1>, std::move(e)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    const T& value() const& { return std::get<0>(v_); }
    T& operator*() & { return value(); }
    T* operator->() { return &value(); }
    const Error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error e) : error_(std::move(e)), failed_(true) {}

    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return error_; }

private:
    Error error_;
    bool failed_ = false;
};

using Status = Result<void>;

// How an error reaches the user: one "lstar: <message>" line on stderr. Every
// failure lstar reports goes through here, so that it is always that one line.
inline void print_error(const Error& e) { std::fprintf(stderr, "lstar: %s\n", e.message.c_str()); }

}  // namespace lstar

// Returns the error of a failed Result from the enclosing function.
#define LSTAR_TRY(expr)                                          \
    do {                                                         \
        if (auto lstar_try_result_ = (expr); !lstar_try_result_) \
            return lstar_try_result_.error();                    \
    } while (0)

// Declares (or assigns) `decl` from a Result's value, or returns its error
// from the enclosing function: LSTAR_TRY_ASSIGN(std::string text, read(path));
#define LSTAR_TRY_CONCAT_(a, b) a##b
#define LSTAR_TRY_CONCAT(a, b) LSTAR_TRY_CONCAT_(a, b)
#define LSTAR_TRY_ASSIGN(decl, expr)                                                                   \
    auto LSTAR_TRY_CONCAT(lstar_try_value_, __LINE__) = (expr);                                        \
    if (!LSTAR_TRY_CONCAT(lstar_try_value_, __LINE__)) return LSTAR_TRY_CONCAT(lstar_try_value_, __LINE__).error(); \
    decl = std::move(*LSTAR_TRY_CONCAT(lstar_try_value_, __LINE__))
