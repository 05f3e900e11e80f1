/**
 * The user/kernel ABI of the monolithic kernel: system-call numbers, errno values, signal
 * numbers, protection bits and the layout of the structures that cross the boundary in user
 * memory (struct sigaction, struct sigcontext). Numbers follow 4.3BSD/Ultrix where they exist.
 */

/** System-call numbers (4.3BSD syscalls.master where the call exists there). */
export const SYS = {
  exit: 1,
  fork: 2,
  read: 3,
  write: 4,
  close: 6,
  /** 4.3BSD `wait` (old wait, slot 7): returns the pid, stores the status word. */
  wait: 7,
  getpid: 20,
  kill: 37,
  pipe: 42,
  /** 4.3BSD `sbrk` slot (69): grows or shrinks the data segment by a byte count. */
  sbrk: 69,
  mprotect: 74,
  sigreturn: 103,
  /** 4.3BSD `sigvec` slot (108): struct sigvec and struct sigaction have the same 3 words. */
  sigaction: 108,
  sigblock: 109,
  sigsetmask: 110,
  sigpause: 111,
  /** Ultrix reaches System V shm through one `shmsys` entry; each gets its own slot here. */
  shmget: 128,
  shmat: 129,
  shmdt: 130,
  shmctl: 131,
  // ---- network (4.3BSD syscalls.master numbers) ----
  recvfrom: 29,
  socket: 97,
  connect: 98,
  bind: 104,
  sendto: 133,
  // ---- the file system (issue 14): 4.3BSD's numbers ----
  open: 5,
  unlink: 10,
  lseek: 19,
  fsync: 95,
  mkdir: 136,
} as const;
export type SyscallNumber = (typeof SYS)[keyof typeof SYS];
export const SYSCALL_SLOTS = 137;

/**
 * errno values: 4.3BSD errno.h's numbers, which Ultrix 4.2 keeps; ENOSYS is 4.4BSD's 78
 * (4.3BSD has none). EIDRM (System V IPC: 4.3BSD and 4.4BSD have none) is 73, Ultrix's value
 * as we recall it (ENOMSG 72 / EIDRM 73), not checked against a header: none is at hand; it
 * only has to be distinct (it was 43, Linux's, and collided with EPROTONOSUPPORT). No two
 * names share a number (test/abi.test.ts). A call refused returns -errno to JS (see README).
 */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EEXIST: 17,
  EINVAL: 22,
  EMFILE: 24,
  ENFILE: 23,
  ENOSPC: 28,
  EPIPE: 32,
  ENOSYS: 78,
  // ---- System V IPC (Ultrix errno.h) ----
  EIDRM: 73,
  // ---- network (4.3BSD errno.h) ----
  EWOULDBLOCK: 35,
  ENOTSOCK: 38,
  EDESTADDRREQ: 39,
  EMSGSIZE: 40,
  EPROTOTYPE: 41,
  EPROTONOSUPPORT: 43,
  EAFNOSUPPORT: 47,
  EADDRINUSE: 48,
  EADDRNOTAVAIL: 49,
  ENETUNREACH: 51,
  ENOBUFS: 55,
  EISCONN: 56,
  ENOTCONN: 57,
  EHOSTUNREACH: 65,
  EBUSY: 16,
  ENOTDIR: 20,
  EISDIR: 21,
  EFBIG: 27,
  ESPIPE: 29,
  ENAMETOOLONG: 63,
  ENOTEMPTY: 66,
} as const;

/** open(2) flags (4.3BSD fcntl.h). */
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_ACCMODE = 3;
export const O_CREAT = 0x200;
export const O_EXCL = 0x800;
/** lseek(2) whence. */
export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;
export type Errno = (typeof Errno)[keyof typeof Errno];

/** Signals (4.3BSD signal.h). */
export const SIG = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  TRAP: 5,
  IOT: 6,
  EMT: 7,
  FPE: 8,
  KILL: 9,
  BUS: 10,
  SEGV: 11,
  SYS: 12,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  URG: 16,
  STOP: 17,
  TSTP: 18,
  CONT: 19,
  CHLD: 20,
  TTIN: 21,
  TTOU: 22,
  IO: 23,
  XCPU: 24,
  XFSZ: 25,
  VTALRM: 26,
  PROF: 27,
  WINCH: 28,
  LOST: 29,
  USR1: 30,
  USR2: 31,
} as const;
export const NSIG = 32;
/** sigmask(sig) as in 4.3BSD: bit sig-1. */
export function sigmask(sig: number): number {
  return (1 << (sig - 1)) >>> 0;
}
/** Signals that cannot be caught, blocked or ignored. */
export const CANTMASK = (sigmask(SIG.KILL) | sigmask(SIG.STOP)) >>> 0;
/** Signals whose default action is to ignore them (job-control stops are not modelled: ignored). */
export const DEFAULT_IGNORED =
  (sigmask(SIG.URG) |
    sigmask(SIG.CHLD) |
    sigmask(SIG.CONT) |
    sigmask(SIG.WINCH) |
    sigmask(SIG.IO) |
    sigmask(SIG.STOP) |
    sigmask(SIG.TSTP) |
    sigmask(SIG.TTIN) |
    sigmask(SIG.TTOU)) >>>
  0;

export const SIG_DFL = 0;
export const SIG_IGN = 1;
/** FPE code for integer overflow (Ultrix FPE_INTOVF_TRAP). */
export const FPE_INTOVF_TRAP = 1;

/** struct sigaction (= struct sigvec) in user memory: three words. */
export const SA_HANDLER = 0;
export const SA_MASK = 4;
export const SA_FLAGS = 8;
export const SIGACTION_BYTES = 12;

/**
 * struct sigcontext (Ultrix/MIPS): what a handler gets a pointer to and sigreturn restores
 * (sc_regs[0] holds SC_MAGIC).
 * sc_fpregs are not written: the FPU state is not modelled (sc_ownedfp = 0).
 */
export const SC = {
  ONSTACK: 0,
  MASK: 4,
  PC: 8,
  REGS: 12,
  OWNEDFP: 140,
  FPREGS: 144,
  FPC_CSR: 272,
  FPC_EIR: 276,
  MDHI: 280,
  MDLO: 284,
  CAUSE: 288,
  BADVADDR: 292,
  BADPADDR: 296,
} as const;
export const SIGCONTEXT_BYTES = 304;
/**
 * The word sendsig writes in sc_regs[0] (the zero register's slot) and sigreturn checks
 * (4.4BSD pmax machdep.c: 0xACEDBADE): a context sendsig did not build is refused (EINVAL).
 */
export const SC_MAGIC = 0xacedbade;

/** mprotect protections. */
export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

/** System V IPC. */
export const IPC_PRIVATE = 0;
export const IPC_CREAT = 0o1000;
export const IPC_EXCL = 0o2000;
export const IPC_RMID = 0;
export const SHM_RDONLY = 0o10000;

/** User address-space layout (Ultrix/MIPS). */
export const USRTEXT = 0x00400000;
export const USRDATA = 0x10000000;
export const USRSTACK = 0x7ffff000;
/** Where shmat puts a segment when the caller passes address 0 (grows upward). */
export const SHM_BASE = 0x40000000;
/** The libc signal trampoline's address in the text segment (sigtramp). */
export const SIGTRAMP_VA = USRTEXT;
/** Handler "addresses" handed out by handlerAddress(): text addresses above the trampoline. */
export const HANDLER_TEXT_BASE = USRTEXT + 0x1000;
/** Bytes at the start of the data segment that the user-side library keeps for itself. */
export const LIBC_SCRATCH_BYTES = 256;

/** Sockets (4.3BSD socket.h, in.h): the one family and type the kernel's stack serves. */
export const AF_INET = 2;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const IPPROTO_UDP = 17;
export const INADDR_ANY = 0;
/**
 * struct sockaddr_in (4.3BSD in.h, as Ultrix has it): sin_family (u_short, host order),
 * sin_port (network order), sin_addr (network order), 8 bytes of zero.
 */
export const SIN = { FAMILY: 0, PORT: 2, ADDR: 4, ZERO: 8 } as const;
export const SOCKADDR_IN_BYTES = 16;

/** Error names for messages. */
export function errnoName(e: number): string {
  for (const [k, v] of Object.entries(Errno)) if (v === e) return k;
  return `errno ${e}`;
}
