/**
 * The layout of an engine page (4 KiB, in a pool frame; every field a 32-bit word read and
 * written through the CPU). Every page starts with the same header, whose log fields are
 * set when the page is written to the log, so a log slot names the page it holds and the
 * transaction it belongs to:
 *
 *   +0  kind (MAGIC | KIND_*)      +4  page number
 *   +8  log epoch                  +12 transaction number
 *   +16 index in the transaction | page count of the transaction << 16
 *
 * Tree nodes then hold:  +20 key count, +24 next leaf (0: none; page 0 is the meta page),
 * keys from +32 and values (leaf) or children (internal) from +2064. A leaf holds up to
 * LEAF_CAP entries; an internal node up to INTERNAL_CAP keys and one child more.
 *
 * The meta page (page 0) holds: +20 root, +24 next free page, +28 live log epoch,
 * +32 first transaction number of that epoch, +36 tree height (1: the root is a leaf).
 */
export const MAGIC = 0xdb000000 | 0;
export const KIND_META = 1;
export const KIND_LEAF = 2;
export const KIND_INTERNAL = 3;

export const H = Object.freeze({
  KIND: 0,
  PAGE: 4,
  EPOCH: 8,
  TXN: 12,
  INDEX: 16,
  COUNT: 20,
  NEXT: 24,
});

export const M = Object.freeze({
  ROOT: 20,
  NEXT_PAGE: 24,
  LIVE_EPOCH: 28,
  FIRST_TXN: 32,
  HEIGHT: 36,
});

export const KEYS = 32;
export const VALS = 2064;
export const LEAF_CAP = 508;
export const INTERNAL_CAP = 507;

/** Keys and values are integers in [0, 2^31 - 1]. */
export const MAX_KEY = 0x7fffffff;
