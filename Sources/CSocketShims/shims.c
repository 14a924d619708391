#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/eventfd.h>
#include "CSocketShims.h"

int CG60_accept4(int fd, struct sockaddr *addr, unsigned int *len, int flags) {
    return accept4(fd, addr, (socklen_t *)len, flags);
}

int CG60_eventfd(unsigned int initval) { return eventfd(initval, EFD_NONBLOCK | EFD_CLOEXEC); }
