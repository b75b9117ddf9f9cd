/* Shared helpers for the integration test programs: unbuffered output with
 * write(2), so that every line is one write call and output order is exact. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void out(int fd, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(int fd, const char* fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 1) n = sizeof buf - 1;
    write(fd, buf, (size_t)n);
}
#define say(...) out(1, __VA_ARGS__)
#define note(...) out(2, __VA_ARGS__)
