import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { F, FREAD, FTYPE_SOCKET, FWRITE, U } from "../layout.js";
import { soclose } from "../net/socket.js";
import type { Proc } from "../proc/proc.js";
import { fileVa } from "./file.js";
import { pipeClose } from "./pipe.js";

/** closef(): drops one reference; the last one closes the pipe end or the socket. */
export function closef(k: MonolithicKernel, f: number): void {
  const cpu = k.cpu;
  const va = fileVa(f);
  const c = cpu.load32(va + F.COUNT);
  cpu.store32(va + F.COUNT, c - 1);
  if (c - 1 !== 0) return;
  const flag = cpu.load32(va + F.FLAG);
  const pi = cpu.load32(va + F.PIPE);
  const type = cpu.load32(va + F.TYPE);
  cpu.store32(va + F.TYPE, 0);
  cpu.store32(va + F.FLAG, 0);
  // soo_close: the socket's last reference (src/net/).
  if (type === FTYPE_SOCKET) soclose(k, k.net!, pi);
  // A vnode's last close (fs/sys-fs.ts F_VNODE): nothing to release (inodes stay in core).
  else if ((pi & 0x80000000) !== 0) return;
  else pipeClose(k, pi, flag & (FREAD | FWRITE));
}

/** Closes every descriptor of a process (exit). */
export function closeAll(k: MonolithicKernel, p: Proc): void {
  const cpu = k.cpu;
  const u = k.uva(p);
  for (let fd = 0; fd < k.policy.maxOpenFiles; fd++) {
    cpu.exec(COSTS["fd.scan"]);
    const slot = cpu.load32(u + U.OFILE + fd * 4);
    if (slot === 0) continue;
    cpu.store32(u + U.OFILE + fd * 4, 0);
    closef(k, slot - 1);
  }
}
