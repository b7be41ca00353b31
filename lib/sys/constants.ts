/** @module Linux (x86_64/aarch64) constants for the socket layer; other OSes are not supported yet. */

/** Address families. */
export const AF = { UNIX: 1, INET: 2, INET6: 10 } as const;
/** Socket types and flags for socket(2)/accept4(2). */
export const SOCK = { STREAM: 1, DGRAM: 2, NONBLOCK: 0o4000, CLOEXEC: 0o2000000 } as const;
/** Socket option levels and names. */
export const SOL = { SOCKET: 1, TCP: 6, IPV6: 41 } as const;
/** SOL_SOCKET option names. */
export const SO = {
  REUSEADDR: 2,
  KEEPALIVE: 9,
  REUSEPORT: 15,
  RCVTIMEO: 20,
  SNDTIMEO: 21,
} as const;
/** TCP option names. */
export const TCP = { NODELAY: 1, DEFER_ACCEPT: 9 } as const;
/** IPV6 option names. */
export const IPV6 = { V6ONLY: 26 } as const;
/** poll(2) event bits. */
export const POLL = { IN: 0x001, OUT: 0x004, ERR: 0x008, HUP: 0x010, NVAL: 0x020 } as const;
/** fcntl(2) commands and flags. */
export const F = {
  GETFD: 1,
  SETFD: 2,
  GETFL: 3,
  SETFL: 4,
  DUPFD_CLOEXEC: 1030,
  FD_CLOEXEC: 1,
} as const;
/** open(2) flags (O_NOFOLLOW is the one that differs between x86_64 and aarch64). */
export const O = {
  RDONLY: 0,
  WRONLY: 1,
  RDWR: 2,
  CREAT: 0o100,
  EXCL: 0o200,
  NONBLOCK: 0o4000,
  NOFOLLOW: Deno.build.arch === "aarch64" ? 0o100000 : 0o400000,
  CLOEXEC: 0o2000000,
} as const;
/** mmap(2) protections and flags. */
export const MMAP = { PROT_READ: 1, PROT_WRITE: 2, SHARED: 1 } as const;
/** shutdown(2) directions. */
export const SHUT = { RD: 0, WR: 1, RDWR: 2 } as const;
/** send(2) flags. */
export const MSG = { PEEK: 0x2, DONTWAIT: 0x40, NOSIGNAL: 0x4000 } as const;

/** Signal numbers (the same on x86_64 and aarch64 Linux). */
export const SIG = { HUP: 1, INT: 2, QUIT: 3, USR1: 10, TERM: 15 } as const;
/** prctl(2) options. */
export const PR = { SET_PDEATHSIG: 1, GET_PDEATHSIG: 2 } as const;

/** errno values the server reacts to, by name. */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EEXIST: 17,
  EINVAL: 22,
  EMFILE: 24,
  ENFILE: 23,
  EPIPE: 32,
  ELOOP: 40,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOBUFS: 105,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  EPROTO: 71,
} as const;
