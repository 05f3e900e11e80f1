import { sysShmat, sysShmctl, sysShmdt, sysShmget } from "../ipc/shm.js";
import type { MonolithicKernel } from "../kernel.js";
import type { Proc } from "../proc/proc.js";
import type { SysArgs } from "./table.js";

export const shmget = (k: MonolithicKernel, p: Proc, a: SysArgs): number =>
  sysShmget(k, p, a[0]!, a[1]!, a[2]!);
export const shmat = (k: MonolithicKernel, p: Proc, a: SysArgs): number =>
  sysShmat(k, p, a[0]!, a[1]!, a[2]!);
export const shmdt = (k: MonolithicKernel, p: Proc, a: SysArgs): number => sysShmdt(k, p, a[0]!);
export const shmctl = (k: MonolithicKernel, p: Proc, a: SysArgs): number =>
  sysShmctl(k, p, a[0]!, a[1]!);
