/* -k's test program: known, non-inlined functions on the way to write(2), so
 * that a stack trace of the write must show stack_leaf, stack_middle and main in
 * that order. Built dynamic and with -g (the source lines of --stack-trace=source).
 *   stack        one write: "hello"
 *   stack fork   a child writes "child" the same way, then the parent "hello" */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) void stack_leaf(const char *text) {
    write(1, text, strlen(text)); /* the traced write */
    __asm__ volatile("" ::: "memory"); /* not a tail call: this frame stays */
}

__attribute__((noinline)) void stack_middle(const char *text) {
    stack_leaf(text);
    __asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "fork") == 0) {
        pid_t child = fork();
        if (child == 0) {
            stack_middle("child\n");
            _exit(0);
        }
        waitpid(child, NULL, 0);
    }
    stack_middle("hello\n");
    return 0;
}
