import { ConfigError } from "@exolab/machine/privileged";

/**
 * The monolithic kernel's one policy config. Defaults are the real system's (4.3BSD and
 * Ultrix 4.2), with the source of each; the same config serves every benchmark.
 */
export interface Policy {
  /** Clock interrupts per second. 4.3BSD conf/param.c: HZ 100. */
  readonly clockHz: number;
  /**
   * Ticks per time slice. 4.3BSD kern_synch.c: roundrobin() runs every hz/10 ticks, so a
   * process runs at most 100 ms before another of equal priority gets the CPU.
   */
  readonly quantumTicks: number;
  /** Pipe buffer. 4.3BSD uipc_usrreq.c: PIPSIZ 4096 (the socket buffer high-water mark). */
  readonly pipeBufferBytes: number;
  /** Process table size. Capped by the R3000's 63 user ASIDs (see README: no ASID recycling). */
  readonly maxProcesses: number;
  /** Descriptors per process. Ultrix 4.2 / 4.3BSD NOFILE 64. */
  readonly maxOpenFiles: number;
  /** System-wide open files (NFILE); one 16-byte file entry each in a 4 KiB table. */
  readonly maxFiles: number;
  /** System-wide pipes (a 32-byte header each in one 4 KiB table). */
  readonly maxPipes: number;
  /** Data segment limit. 4.3BSD vmparam.h: DFLDSIZ 6 MiB. */
  readonly maxDataBytes: number;
  /** Stack limit. 4.3BSD vmparam.h: DFLSSIZ 512 KiB. */
  readonly maxStackBytes: number;
  /** Data segment size of a new process image (demand-zero). */
  readonly initialDataBytes: number;
  /** System V shm (SVR3 defaults as Ultrix shipped them): SHMMAX 128 KiB, SHMMIN 1, SHMMNI 100, SHMSEG 6. */
  readonly shmMaxBytes: number;
  readonly shmMinBytes: number;
  readonly shmMaxSegments: number;
  readonly shmPerProcess: number;
  /**
   * Not in 4.3BSD (see README, threat model): a process whose signal handler returns leaving
   * the same instruction faulting on the same address this many times in a row is killed
   * with that signal. A real kernel lets such a process spin, preemptible; here an access is
   * one synchronous step that cannot be preempted, so the kernel must end it.
   */
  readonly maxFaultRepeats: number;
  /** Host accounting, not BSD: distinct `exec` labels one process may add (the rest refused). */
  readonly maxLabelsPerProcess: number;
  /** Host accounting, not BSD: distinct `exec` labels all processes together may add. */
  readonly maxUserLabels: number;
  /**
   * Host accounting, not BSD: processes that get an accounting owner of their own; later
   * ones share one owner ("processes"), so that a fork flood cannot grow host memory.
   */
  readonly maxProcessOwners: number;
  /** Signal handler functions one process may register (libc's text; host memory bound). */
  readonly maxHandlers: number;
  /**
   * UDP socket receive buffer (sb_hiwat; sb_mbmax twice it). 4.4BSD udp_usrreq.c 8.4:
   * udp_recvspace = 40 * (1024 + sizeof (struct sockaddr_in)).
   */
  readonly udpRecvSpace: number;
  /** UDP send buffer: the largest datagram sosend takes. 4.4BSD udp_usrreq.c: udp_sendspace 9216. */
  readonly udpSendSpace: number;
  /** 1: UDP checksums computed on output and checked on input (4.4BSD udpcksum = 1); 0: not. */
  readonly udpChecksum: number;
  /**
   * Buffer cache size in 4 KiB buffers (issue 14). 0 (the default): a tenth of physical
   * memory, at least 4, as 4.3BSD's startup() sizes bufpages when the configuration leaves it
   * 0 (819 buffers on the default 32 MiB machine). Settable per run (the db suite sizes it to
   * the workload's pool).
   */
  readonly bufferCacheBlocks: number;
  /** File-system size in 4 KiB blocks (a partition at the start of the disk). Assumption: 32 MiB. */
  readonly fsBlocks: number;
  /** Inodes of the file system (newfs's density reduced to a count). Assumption: 256. */
  readonly fsInodes: number;
}

export const DEFAULT_POLICY: Policy = Object.freeze({
  clockHz: 100,
  quantumTicks: 10,
  pipeBufferBytes: 4096,
  maxProcesses: 63,
  maxOpenFiles: 64,
  maxFiles: 256,
  maxPipes: 128,
  udpRecvSpace: 40 * (1024 + 16),
  udpSendSpace: 9216,
  udpChecksum: 1,
  maxDataBytes: 6 * 1024 * 1024,
  maxStackBytes: 512 * 1024,
  initialDataBytes: 16 * 1024,
  shmMaxBytes: 128 * 1024,
  shmMinBytes: 1,
  shmMaxSegments: 100,
  shmPerProcess: 6,
  maxFaultRepeats: 32,
  maxLabelsPerProcess: 64,
  maxUserLabels: 1024,
  maxProcessOwners: 1024,
  maxHandlers: 256,
  bufferCacheBlocks: 0,
  fsBlocks: 8192,
  fsInodes: 256,
});

function intIn(p: Record<string, unknown>, k: string, min: number, max: number): void {
  const v = p[k];
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(`policy.${k} must be an integer in [${min}, ${max}], got ${String(v)}`);
  }
}

/** Merges overrides into the defaults and validates every field (typed error, nothing built). */
export function makePolicy(overrides: Partial<Policy> = {}): Policy {
  if (overrides === null || typeof overrides !== "object")
    throw new ConfigError("policy overrides must be an object");
  for (const k of Object.keys(overrides)) {
    if (!Object.hasOwn(DEFAULT_POLICY, k)) throw new ConfigError(`unknown policy field "${k}"`);
  }
  const p = { ...DEFAULT_POLICY, ...overrides } as Policy;
  const r = p as unknown as Record<string, unknown>;
  intIn(r, "clockHz", 1, 10_000);
  intIn(r, "quantumTicks", 1, 10_000);
  intIn(r, "pipeBufferBytes", 4, 4096);
  intIn(r, "maxProcesses", 1, 63);
  intIn(r, "maxOpenFiles", 3, 64);
  intIn(r, "maxFiles", 1, 256);
  intIn(r, "maxPipes", 1, 128);
  intIn(r, "maxDataBytes", 4096, 256 * 1024 * 1024);
  intIn(r, "maxStackBytes", 4096, 4 * 1024 * 1024);
  intIn(r, "initialDataBytes", 4096, p.maxDataBytes);
  intIn(r, "shmMaxBytes", 4096, 16 * 1024 * 1024);
  intIn(r, "shmMinBytes", 1, p.shmMaxBytes);
  intIn(r, "shmMaxSegments", 1, 100);
  intIn(r, "shmPerProcess", 1, 8);
  intIn(r, "maxFaultRepeats", 1, 10_000);
  intIn(r, "maxLabelsPerProcess", 0, 1 << 16);
  intIn(r, "maxUserLabels", 0, 1 << 20);
  intIn(r, "maxProcessOwners", 1, 1 << 20);
  intIn(r, "maxHandlers", 1, 1 << 16);
  intIn(r, "udpRecvSpace", 64, 256 * 1024);
  intIn(r, "udpSendSpace", 64, 64 * 1024);
  intIn(r, "udpChecksum", 0, 1);
  if (p.bufferCacheBlocks !== 0) intIn(r, "bufferCacheBlocks", 4, 4096);
  intIn(r, "fsBlocks", 16, 32768);
  intIn(r, "fsInodes", 64, 4096);
  if ((p.fsInodes & 63) !== 0) throw new ConfigError("policy.fsInodes must be a multiple of 64");
  if ((p.pipeBufferBytes & 3) !== 0)
    throw new ConfigError("policy.pipeBufferBytes must be a multiple of 4");
  return Object.freeze(p);
}
