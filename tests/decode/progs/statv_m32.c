/* statv.c built -m32: the i386 stat64 layouts. */
#include "statv.c"
