/**
 * The prefix trie every live filter is merged into.
 *
 * A node holds an ordered list of GROUPS and the filters that END at it. A group is one field
 * read (kind, offset, width, mask, and for a shift its scale) shared by every filter whose path
 * reaches this node and reads that field next: a test group maps each value some filter wants
 * to a child node (a disjunction on one field: the compiler turns it into a `switch`, costed
 * as a chain of compares or, past 4 values, one hash probe); a shift group has one child,
 * under the new base.
 *
 * Classification is a depth-first search in group order: a group whose field does not match,
 * or whose subtree finds nothing, hands over to the next group of the same node; when every
 * group has failed, the node's own filters (if any) match. So the first match in this order
 * wins (on its path, a longer filter before a shorter one). Filters of different owners never
 * both match (disjoint.ts), so the order only chooses among one owner's overlapping filters.
 * Both engines (compiled and interpreted) follow exactly this order, and count the same
 * structural work.
 */
import { listPush, newList, SafeMap } from "../../intrinsics.js";
import { ATOM_EQ, type Step } from "./atoms.js";

export const GROUP_TEST = 0;
export const GROUP_SHIFT = 1;

export class TrieNode {
  /** Field reads tried in order. */
  readonly groups: Group[] = newList();
  /** Ids of the filters ending here, ascending (all of one owner: see disjoint.ts). */
  readonly accepts: number[] = newList();
  /** Slot of accepts[0] in the last compilation, -1 if none (set by compile). */
  acceptSlot = -1;
}

export class Group {
  readonly end: number;
  /** Test groups: masked field value -> child. */
  readonly children: Map<number, TrieNode> = new SafeMap();
  /** Shift groups: the one child. */
  child: TrieNode | null = null;
  /** Test groups with one value: it and its child (the interpreter's fast path). */
  soleValue = -1;
  soleChild: TrieNode | null = null;

  constructor(
    readonly kind: typeof GROUP_TEST | typeof GROUP_SHIFT,
    readonly offset: number,
    readonly width: 1 | 2 | 4,
    readonly mask: number,
    /** Shift groups only (0 for tests). */
    readonly scale: number,
  ) {
    this.end = offset + width;
  }

  /** Refreshes the single-value fast path after the value map changed. */
  refresh(): void {
    if (this.kind === GROUP_TEST && this.children.size === 1) {
      this.children.forEach((n, v) => {
        this.soleValue = v;
        this.soleChild = n;
      });
    } else {
      this.soleValue = -1;
      this.soleChild = null;
    }
  }

  isEmpty(): boolean {
    return this.kind === GROUP_TEST ? this.children.size === 0 : this.child === null;
  }
}

/** Counted work of a trie walk (see NET_COSTS["aegis.dpf.insert.trieStep"] and dpfTrieNode). */
export interface TrieWork {
  /** Groups compared with a step while walking. */
  steps: number;
  /** Groups and nodes created. */
  created: number;
}

function sameRead(g: Group, s: Step): boolean {
  const kind = s.kind === ATOM_EQ ? GROUP_TEST : GROUP_SHIFT;
  const scale = s.kind === ATOM_EQ ? 0 : s.scale;
  return (
    g.kind === kind &&
    g.offset === s.offset &&
    g.width === s.width &&
    g.mask === s.mask &&
    g.scale === scale
  );
}

function findGroup(node: TrieNode, s: Step, work: TrieWork): Group | undefined {
  const groups = node.groups;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    work.steps++;
    if (sameRead(g, s)) return g;
  }
  return undefined;
}

/** Merges a filter's path into the trie (sharing every existing prefix) and ends it at `id`. */
export function insertPath(
  root: TrieNode,
  steps: readonly Step[],
  id: number,
  work: TrieWork,
): void {
  let node = root;
  for (let k = 0; k < steps.length; k++) {
    const s = steps[k]!;
    let g = findGroup(node, s, work);
    if (g === undefined) {
      g =
        s.kind === ATOM_EQ
          ? new Group(GROUP_TEST, s.offset, s.width, s.mask, 0)
          : new Group(GROUP_SHIFT, s.offset, s.width, s.mask, s.scale);
      listPush(node.groups, g);
      work.created++;
    }
    if (s.kind === ATOM_EQ) {
      let child = g.children.get(s.value);
      if (child === undefined) {
        child = new TrieNode();
        g.children.set(s.value, child);
        g.refresh();
        work.created++;
      }
      node = child;
    } else {
      if (g.child === null) {
        g.child = new TrieNode();
        work.created++;
      }
      node = g.child;
    }
  }
  listPush(node.accepts, id);
}

/**
 * Removes filter `id` (whose path is `steps`) and prunes the nodes and groups left empty.
 * Returns false (and changes nothing) if the path or the id is not in the trie.
 */
export function removePath(
  root: TrieNode,
  steps: readonly Step[],
  id: number,
  work: TrieWork,
): boolean {
  const trail: { node: TrieNode; group: Group; value: number }[] = newList();
  let node = root;
  for (let k = 0; k < steps.length; k++) {
    const s = steps[k]!;
    const g = findGroup(node, s, work);
    if (g === undefined) return false;
    const child = s.kind === ATOM_EQ ? g.children.get(s.value) : g.child;
    if (child === undefined || child === null) return false;
    listPush(trail, { node, group: g, value: s.kind === ATOM_EQ ? s.value : 0 });
    node = child;
  }
  const at = listIndexOf(node.accepts, id);
  if (at < 0) return false;
  listRemoveAt(node.accepts, at);
  // Prune bottom-up: a node with no groups and no filters is removed from its group, and a
  // group with no values (or no child) from its node.
  for (let i = trail.length - 1; i >= 0; i--) {
    if (node.groups.length > 0 || node.accepts.length > 0) break;
    const { node: parent, group, value } = trail[i]!;
    if (group.kind === GROUP_TEST) {
      group.children.delete(value);
      group.refresh();
    } else {
      group.child = null;
    }
    if (group.isEmpty()) listRemoveAt(parent.groups, listIndexOf(parent.groups, group));
    node = parent;
  }
  return true;
}

/** Nodes and groups in the trie (for tests and reports). */
export function trieSize(root: TrieNode): { nodes: number; groups: number } {
  let nodes = 0;
  let groups = 0;
  const visit = (n: TrieNode): void => {
    nodes++;
    for (let i = 0; i < n.groups.length; i++) {
      const g = n.groups[i]!;
      groups++;
      if (g.kind === GROUP_TEST)
        g.children.forEach((c) => {
          visit(c);
        });
      else if (g.child !== null) visit(g.child);
    }
  };
  visit(root);
  return { nodes, groups };
}

/** The index of `x` in `list`, or -1 (an indexed loop: no Array.prototype method). */
function listIndexOf<T>(list: readonly T[], x: T): number {
  for (let i = 0; i < list.length; i++) if (list[i] === x) return i;
  return -1;
}

/** Removes `list[at]`, shifting the rest down (no Array.prototype method). */
function listRemoveAt<T>(list: T[], at: number): void {
  for (let i = at; i + 1 < list.length; i++) list[i] = list[i + 1]!;
  list.length = list.length - 1;
}
