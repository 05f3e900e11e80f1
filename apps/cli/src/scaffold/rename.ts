/**
 * Renaming the kit's template libOS into a new one. In the template's files (and in its
 * bench adapter) the lowercase word `template` is only ever its name — the package
 * (`@exolab/libos-template`), the system id (`"template"`), the cost labels
 * (`template.refill.entry`), the adapter file (`template.ts`) — so every whole word
 * `template` becomes the new name, and `templateAdapter` the new adapter's name. The word in
 * any other case (`Template`) would be prose, which the renaming cannot get right: it is
 * reported as a fault of the kit before anything is written. (`LIBOS_TEMPLATE`, the
 * exokernel's constant, is neither.)
 */

/** A new libOS's name: a lowercase letter, then lowercase letters, digits and single hyphens. */
export const NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** Longest name: its cost labels (`NAME.vm.unmap.free`) stay well under the kernel's 64 characters. */
export const MAX_NAME_LENGTH = 30;

export const TEMPLATE = "template";

/** `my-os-2` → `myOs2` (a JavaScript identifier: the name starts with a letter). */
export function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** The bench adapter's exported name for a system. */
export const adapterIdent = (name: string): string => `${camelCase(name)}Adapter`;

const WORD = /(?<![A-Za-z0-9_])template(?![A-Za-z0-9_])/g;

/** The template's text with its name replaced by `name` (see above). */
export function renameText(text: string, name: string): string {
  return text.replaceAll(adapterIdent(TEMPLATE), adapterIdent(name)).replace(WORD, name);
}

/**
 * Lines that still say "template" in any case after renaming (`file:line: text`), but for
 * the exokernel's LIBOS_TEMPLATE.
 */
export function leftovers(file: string, text: string): string[] {
  const out: string[] = [];
  text.split("\n").forEach((line, i) => {
    if (/template/i.test(line.replaceAll("LIBOS_TEMPLATE", "")))
      out.push(`${file}:${i + 1}: ${line.trim()}`);
  });
  return out;
}
