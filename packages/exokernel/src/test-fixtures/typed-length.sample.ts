// A sample for src/intrinsics.test.ts (never imported): the type checker must find the two
// reads of a typed array's properties (lines 7 and 8) and not the list's or the string's.
export function sample(words: Int32Array, list: number[], name: string): number {
  let n = list.length + name.length;
  for (let i = 0; i < list.length; i++) n += list[i]!;
  n += words[0]!;
  n += words.length;
  return n + (words.buffer === null ? 1 : 0);
}
