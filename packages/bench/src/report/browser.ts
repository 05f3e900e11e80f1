import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Debian's headless Chromium, where it is installed; undefined elsewhere. */
export const CHROMIUM: string | undefined = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
  (p) => existsSync(p),
);

/**
 * Opens an HTML page in headless Chromium (a fresh profile, no network use) and returns the
 * DOM it built: how a report is checked in a real browser. Throws when Chromium is missing.
 */
export function renderInChromium(html: string): string {
  if (CHROMIUM === undefined) throw new Error("headless Chromium is not installed");
  const dir = mkdtempSync(join(tmpdir(), "exolab-html-"));
  const file = join(dir, "report.html");
  writeFileSync(file, html);
  return execFileSync(
    CHROMIUM,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      `--user-data-dir=${join(dir, "profile")}`,
      "--dump-dom",
      `file://${file}`,
    ],
    { encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "ignore"] },
  );
}
