import { Category, type Cost, defineCosts } from "@exolab/machine";

const ONE = "test code: one instruction, charged `times` times";

/**
 * The labels the tests and the fuzz charge from process code: one instruction each, charged
 * as `exec(cost, n)` for n instructions of work.
 */
export const TEST_COSTS = defineCosts({
  "app.work": { instructions: 1, source: ONE },
  "app.a": { instructions: 1, source: ONE },
  "app.b": { instructions: 1, source: ONE },
  "app.c": { instructions: 1, category: Category.User, source: ONE },
  "app.d": { instructions: 1, source: ONE },
  "app.dive": { instructions: 1, source: ONE },
  "app.cb": { instructions: 1, source: ONE },
  "app.spin": { instructions: 1, source: ONE },
  "honest.work": { instructions: 1, source: ONE },
  "test.work": { instructions: 1, source: ONE },
});

/**
 * What a hostile process may try to charge under: its own table naming the kernel's labels
 * (`libc.stub`, `sys.getpid`), and its labels with categories user code may not use.
 */
export const HOSTILE_COSTS = defineCosts({
  "libc.stub": { instructions: 1, source: "test code: a user table naming a kernel label" },
  "sys.getpid": { instructions: 1, source: "test code: a user table naming a kernel label" },
});

/** `label` with each category: user code may charge 0 (user), 4, 5, 6; never 1, 2, 9. */
export function withCategory(label: string, category: Category): Cost {
  const key = `${label}#${category}`;
  let c = byCategory.get(key);
  if (c === undefined) {
    c = defineCosts({ [label]: { instructions: 1, category, source: ONE } })[label]!;
    byCategory.set(key, c);
  }
  return c;
}
const byCategory = new Map<string, Cost>();

/** A look-alike of a record that no costs table made: refused like a number. */
export const FORGED_COST = Object.freeze({ ...TEST_COSTS["app.work"] }) as Cost;

/** `app.l<i>`, i < 200: a process's own labels, for the label quota. */
export const APP_LABELS: readonly Cost[] = (() => {
  const spec: Record<string, { instructions: number; source: string }> = {};
  for (let i = 0; i < 200; i++) spec[`app.l${i}`] = { instructions: 1, source: ONE };
  return Object.values(defineCosts(spec));
})();
