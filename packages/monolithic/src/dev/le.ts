import { NET_STATUS_MISS, NET_STATUS_RX, NET_STATUS_TX } from "@exolab/machine/privileged";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { kseg0 } from "../layout.js";
import { etherInput } from "../net/if_ether.js";
import { ETHER_HDR, mbufVa, type NetFrames, NG, NM, ngVa, rxPa, STAT } from "../net/layout.js";
import { mDevget, mFree } from "../net/mbuf.js";
import { bump } from "../net/netstat.js";
import { kcopy } from "../vm/useracc.js";

/**
 * The LANCE driver (4.4BSD pmax/dev/if_le.c 8.1): the card's receive ring holds buffers of
 * kernel memory; a received frame is copied out of its buffer into an mbuf chain (leread →
 * m_devget: the copy the DECstation's LANCE buffer memory forces), the buffer is handed back
 * to the card, and the packet goes to ether_input. Sending, lestart copies each queued
 * packet's mbufs into the transmit buffer and starts the card; when every transmit slot is in
 * flight the interface is IFF_OACTIVE until a transmit interrupt (letint) restarts it.
 */

/** leinit: every receive-ring slot gets its buffer (host set-up when the interface comes up). */
export function leinit(k: MonolithicKernel, nf: NetFrames): void {
  const card = k.machine.net;
  for (let slot = 0; slot < card.params.receiveRingSlots; slot++) {
    if (card.slotState(slot).cardOwned) continue;
    card.giveReceiveBuffer(slot, rxPa(nf, slot));
  }
  k.machine.memory.write32((ngVa(nf, NG.RXHEAD) & 0x1fffffff) >>> 0, card.receiveHead);
}

/** leintr: IRQ.Network. The status read and acknowledged, then lerint and letint. */
export function leintr(k: MonolithicKernel): void {
  const nf = k.net;
  const card = k.machine.net;
  const cpu = k.cpu;
  cpu.exec(COSTS["le.intr"]);
  const status = card.readStatus();
  card.acknowledge(status);
  if (nf === null) return;
  if ((status & (NET_STATUS_RX | NET_STATUS_MISS)) !== 0) lerint(k, nf);
  if ((status & NET_STATUS_TX) !== 0) letint(k, nf);
}

/** lerint: every frame the card handed back, in ring order. */
function lerint(k: MonolithicKernel, nf: NetFrames): void {
  const cpu = k.cpu;
  const card = k.machine.net;
  const slots = card.params.receiveRingSlots;
  const headVa = ngVa(nf, NG.RXHEAD);
  for (let i = 0; i < slots; i++) {
    const slot = cpu.load32(headVa);
    cpu.exec(COSTS["le.rint.slot"]);
    const length = card.receivedLength(slot);
    if (length === 0) return;
    leread(k, nf, kseg0(0, rxPa(nf, slot)), length);
    card.giveReceiveBuffer(slot, rxPa(nf, slot));
    cpu.store32(headVa, (slot + 1) % slots);
  }
}

/** leread: the frame's Ethernet header read, the rest copied into mbufs, ether_input. */
function leread(k: MonolithicKernel, nf: NetFrames, buf: number, length: number): void {
  const cpu = k.cpu;
  cpu.exec(COSTS["le.read"]);
  bump(k, nf, STAT.ifInPackets);
  if (length <= ETHER_HDR) {
    bump(k, nf, STAT.ifInErrors);
    return;
  }
  const type = cpu.load16(buf + 12);
  const m = mDevget(k, nf, buf + ETHER_HDR, length - ETHER_HDR);
  if (m === 0) {
    bump(k, nf, STAT.ifInErrors);
    bump(k, nf, STAT.noMbufs);
    return;
  }
  etherInput(k, nf, type, m);
}

/**
 * lestart: while the card has transmit room, a packet off if_snd, its mbufs copied into the
 * transmit buffer (and freed), the card told to send. No room: IFF_OACTIVE.
 */
export function lestart(k: MonolithicKernel, nf: NetFrames): void {
  const cpu = k.cpu;
  const card = k.machine.net;
  for (;;) {
    cpu.exec(COSTS.lestart);
    if (card.transmitsInFlight >= card.params.receiveRingSlots) {
      cpu.store32(ngVa(nf, NG.OACTIVE), 1);
      return;
    }
    const head = cpu.load32(ngVa(nf, NG.SND_HEAD));
    if (head === 0) return;
    const hv = mbufVa(nf, head);
    const next = cpu.load32(hv + NM.NEXTPKT);
    cpu.store32(ngVa(nf, NG.SND_HEAD), next);
    if (next === 0) cpu.store32(ngVa(nf, NG.SND_TAIL), 0);
    cpu.store32(ngVa(nf, NG.SND_LEN), cpu.load32(ngVa(nf, NG.SND_LEN)) - 1);
    const txVa = kseg0(nf.tx);
    let len = 0;
    let m = head;
    while (m !== 0) {
      cpu.exec(COSTS["lestart.mbuf"]);
      const mv = mbufVa(nf, m);
      const n = cpu.load32(mv + NM.LEN);
      kcopy(k, txVa + len, mv + cpu.load32(mv + NM.DATA), n);
      len += n;
      m = mFree(k, nf, m);
    }
    card.transmit(nf.tx * 4096, len);
  }
}

/** letint: frames left; the interface is no longer OACTIVE and lestart sends what waits. */
function letint(k: MonolithicKernel, nf: NetFrames): void {
  const cpu = k.cpu;
  cpu.exec(COSTS.letint);
  bump(k, nf, STAT.ifOutPackets);
  cpu.store32(ngVa(nf, NG.OACTIVE), 0);
  lestart(k, nf);
}
