#define _GNU_SOURCE
#include <sys/socket.h>
#include "CSocketShims.h"

int CG60_accept4(int fd, struct sockaddr *addr, unsigned int *len, int flags) {
    return accept4(fd, addr, (socklen_t *)len, flags);
}
