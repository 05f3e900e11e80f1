/**
 * A replacement policy of the buffer pool. It keeps its state in the descriptors and the
 * pool's metadata page (simulated memory); the pool calls it on every hit, every page
 * admitted, and when it needs a frame.
 */
export interface Replacement {
  readonly name: PoolPolicyName;
  /** Sets the policy's words (the pool is empty). */
  init(): void;
  /** `pageNo` has come into `slot` (a miss). */
  admit(slot: number, pageNo: number): void;
  /** A hit on `slot`. */
  touch(slot: number): void;
  /** Chooses an unpinned slot to reuse and takes it out of the policy's queues; -1 if every slot is pinned. */
  victim(): number;
}

export const POOL_POLICIES = ["lru", "clock", "2q", "lru2"] as const;
export type PoolPolicyName = (typeof POOL_POLICIES)[number];
