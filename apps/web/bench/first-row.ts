/**
 * How long from pressing Run to the first row shown, in the built page in Debian's headless
 * Chromium (a benchmark, not a test: `pnpm --filter @exolab/web bench`). It builds the page,
 * serves it on 127.0.0.1, and for each trial opens it afresh, waits for Run to be enabled (the
 * worker has loaded the simulator), then presses Run either at once ("just loaded") or after
 * the page has been idle a while ("idle"); the time is measured inside the page, from the
 * click event to the first figure in the table. Also prints the built JavaScript's size.
 *
 *   FIRST_ROW_TRIALS   trials per case (default 10)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { openChromium } from "@exolab/bench/node";
import { buildPage, JS_GZIP_BUDGET_BYTES, javaScriptSizes } from "../scripts/build-page.js";
import { serveFolder } from "../scripts/static-server.js";

const TRIALS = Number(process.env.FIRST_ROW_TRIALS ?? 10);
if (!(Number.isInteger(TRIALS) && TRIALS > 0)) {
  console.error(
    `FIRST_ROW_TRIALS must be a positive integer, got "${process.env.FIRST_ROW_TRIALS}"`,
  );
  process.exit(2);
}
const IDLE_MS = 2_000;

// Page-side code as text: a compiled function could carry helpers the page lacks.
const ARM = `(() => {
  window.firstRow = { clickAt: -1, rowAt: -1 };
  document.getElementById("run").addEventListener("click", () => {
    window.firstRow.clickAt = performance.now();
  }, { capture: true, once: true });
  new MutationObserver((_, observer) => {
    if (document.querySelector("td.ours[data-system], td.na[data-system]") !== null) {
      window.firstRow.rowAt = performance.now();
      observer.disconnect();
    }
  }).observe(document.body, { subtree: true, childList: true });
})()`;

function summary(ms: readonly number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return `median ${at(0.5).toFixed(0)} ms, p90 ${at(0.9).toFixed(0)} ms, max ${s.at(-1)!.toFixed(0)} ms (${s.length} trial${s.length === 1 ? "" : "s"})`;
}

const dir = mkdtempSync(join(tmpdir(), "exolab-web-bench-"));
try {
  await buildPage(dir);
  const files = javaScriptSizes(dir);
  const gzip = files.reduce((n, f) => n + f.gzipBytes, 0);
  console.log(
    `built JavaScript: ${files.map((f) => `${f.file} ${(f.bytes / 1024).toFixed(0)} KiB (${(f.gzipBytes / 1024).toFixed(1)} KiB gzipped)`).join("; ")}`,
  );
  console.log(
    `total ${(gzip / 1024).toFixed(1)} KiB gzipped, budget ${(JS_GZIP_BUDGET_BYTES / 1024).toFixed(0)} KiB`,
  );
  const server = await serveFolder(dir);
  const chromium = await openChromium();
  try {
    for (const [name, waitMs] of [
      ["just loaded", 0],
      ["idle", IDLE_MS],
    ] as const) {
      const times: number[] = [];
      for (let i = 0; i < TRIALS; i++) {
        const page = await chromium.context.newPage();
        await page.goto(server.url);
        await page.waitForSelector("#run:not([disabled])");
        if (waitMs > 0) await page.waitForTimeout(waitMs);
        await page.evaluate(ARM);
        await page.click("#run");
        await page.waitForFunction("window.firstRow.rowAt >= 0", undefined, { timeout: 30_000 });
        const r = (await page.evaluate("window.firstRow")) as { clickAt: number; rowAt: number };
        times.push(r.rowAt - r.clickAt);
        await page.close();
      }
      console.log(`press Run to first row (${name}): ${summary(times)}`);
    }
    console.log(`host: ${availableParallelism()} cores; Chromium headless; the default suite`);
  } finally {
    await chromium.close();
    await server.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
