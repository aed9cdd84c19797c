// epoll(7) for the chat load's raw readers. Swift's Glibc module does not include
// <sys/epoll.h>; through this header Swift imports the functions, the constants and the
// (packed on x86-64) layout of `struct epoll_event` as the C compiler sees them.
#include <sys/epoll.h>
