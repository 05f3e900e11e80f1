/**
 * Architectural constants of the R3000 that both privileged and unprivileged code use.
 */

/** Cause.ExcCode values (R3000). */
export const ExcCode = Object.freeze({
  Int: 0,
  /** TLB modify: a store to a page whose entry is not writable (D clear). */
  Mod: 1,
  /** TLB miss or invalid entry on a load / instruction fetch. */
  TLBL: 2,
  /** TLB miss or invalid entry on a store. */
  TLBS: 3,
  /** Address error on a load: unaligned, or a kernel segment from user mode. */
  AdEL: 4,
  /** Address error on a store. */
  AdES: 5,
  /** Bus error on a data access: a physical address with no memory behind it. */
  DBE: 7,
  Sys: 8,
  Bp: 9,
  RI: 10,
  /** Coprocessor unusable. */
  CpU: 11,
  /** Arithmetic overflow. */
  Ov: 12,
} as const);
export type ExcCode = (typeof ExcCode)[keyof typeof ExcCode];
export const EXC_NAMES: Readonly<Record<number, string>> = Object.freeze({
  0: "Int",
  1: "Mod",
  2: "TLBL",
  3: "TLBS",
  4: "AdEL",
  5: "AdES",
  7: "DBE",
  8: "Sys",
  9: "Bp",
  10: "RI",
  11: "CpU",
  12: "Ov",
});

/** What a kernel's exception handler tells the CPU to do with the access that faulted. */
export const Resolution = Object.freeze({
  /** Re-execute the access (the handler fixed the cause, or wants it to fault again). */
  Retry: 0,
  /** The handler emulated the access; a load returns `cpu.emulatedValue`. */
  Emulated: 1,
} as const);
export type Resolution = (typeof Resolution)[keyof typeof Resolution];

/** Status register bits. KU = 1 means user mode. */
export const SR_IEC = 1 << 0;
export const SR_KUC = 1 << 1;
export const SR_IEP = 1 << 2;
export const SR_KUP = 1 << 3;
export const SR_IEO = 1 << 4;
export const SR_KUO = 1 << 5;
export const SR_IM_SHIFT = 8;
export const SR_IM_MASK = 0xff << SR_IM_SHIFT;
export const SR_CU1 = 1 << 29;
/** Status of a user-mode context with every interrupt line enabled. */
export const SR_USER = SR_KUC | SR_IEC | SR_IM_MASK;
/** Status of kernel code with interrupts enabled. */
export const SR_KERNEL_IE = SR_IEC | SR_IM_MASK;

/** Cause register: pending interrupt lines in bits 15..8, ExcCode in 6..2. */
export const CAUSE_IP_SHIFT = 8;

/** Hardware interrupt lines (IP2..IP7 are 2..7) as this machine wires its devices. */
export const IRQ = Object.freeze({ Disk: 3, Network: 4, Timer: 7 } as const);

/** Address map. */
export const KUSEG_END = 0x80000000;
export const KSEG0 = 0x80000000;
export const KSEG1 = 0xa0000000;
export const KSEG2 = 0xc0000000;

/** Register numbers (MIPS o32 names). */
export const Reg = Object.freeze({
  zero: 0,
  at: 1,
  v0: 2,
  v1: 3,
  a0: 4,
  a1: 5,
  a2: 6,
  a3: 7,
  t0: 8,
  t1: 9,
  t2: 10,
  t3: 11,
  t4: 12,
  t5: 13,
  t6: 14,
  t7: 15,
  s0: 16,
  s1: 17,
  s2: 18,
  s3: 19,
  s4: 20,
  s5: 21,
  s6: 22,
  s7: 23,
  t8: 24,
  t9: 25,
  k0: 26,
  k1: 27,
  gp: 28,
  sp: 29,
  fp: 30,
  ra: 31,
  hi: 32,
  lo: 33,
} as const);
export const REGISTER_COUNT = 34;
/** Callee-saved registers of the o32 ABI: s0..s7, gp, sp, fp, ra. */
export const CALLEE_SAVED: readonly number[] = Object.freeze([
  16, 17, 18, 19, 20, 21, 22, 23, 28, 29, 30, 31,
]);
