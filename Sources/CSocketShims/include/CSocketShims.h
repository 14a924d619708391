// epoll and accept4, which Glibc's Swift module map does not expose. Include only headers that Glibc's module
// map does not cover (see ENGINEERING-NOTES.md: including <sys/socket.h> here hides SOCK_STREAM elsewhere).
#ifndef G60_CSOCKET_SHIMS_H
#define G60_CSOCKET_SHIMS_H
#include <sys/epoll.h>

struct sockaddr;
// accept4 is a GNU extension; the .c file defines _GNU_SOURCE.
int CG60_accept4(int fd, struct sockaddr *addr, unsigned int *len, int flags);
// eventfd wakes an epoll loop from other threads; <sys/eventfd.h> is not in Glibc's module map.
// The descriptor is created non-blocking and close-on-exec.
int CG60_eventfd(unsigned int initval);
// The number of CPUs this process may run on (its affinity mask, e.g. under taskset or a container's cpuset),
// or 0 when it cannot be read; <sched.h>'s CPU_COUNT is a macro.
int CG60_available_cpus(void);
#endif
