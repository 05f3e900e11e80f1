import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { BrowserContext } from "playwright-core";

/**
 * Opening a page in a real browser, for tests: Debian's headless Chromium driven by
 * playwright-core (which downloads no browser). Exported from `@exolab/bench/node` (and, for
 * the tests that imported it there first, `@exolab/bench/testing`), never from the main
 * entry: only tests need a browser.
 */

/** Debian's Chromium, where it is installed; undefined elsewhere. */
export const CHROMIUM: string | undefined = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
  (p) => existsSync(p),
);

/**
 * Whether browser checks must run: in CI (`CI` set to anything but "" / "0" / "false") or
 * when `EXOLAB_REQUIRE_BROWSER=1`. A test that needs Chromium skips only when this is false;
 * otherwise a missing Chromium fails it.
 */
export const BROWSER_REQUIRED: boolean =
  (process.env.CI !== undefined && !["", "0", "false"].includes(process.env.CI.toLowerCase())) ||
  process.env.EXOLAB_REQUIRE_BROWSER === "1";

/** Skip browser tests only where Chromium is missing and nothing requires it. */
export const SKIP_BROWSER: boolean = CHROMIUM === undefined && !BROWSER_REQUIRED;

/** The flags Chromium runs with: headless, sandbox off (root in CI), no network use of its own. */
export const CHROMIUM_FLAGS: readonly string[] = Object.freeze([
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
]);

/** Chromium running headless with a fresh profile, and a scratch folder beside it. */
export interface OpenChromium {
  readonly context: BrowserContext;
  /** A new empty folder (the profile lives below it); removed by close. */
  readonly dir: string;
  close(): Promise<void>;
}

/**
 * Launches Debian's Chromium (CHROMIUM_FLAGS, a fresh --user-data-dir in a new temporary
 * folder). Throws when Chromium is missing: callers skip first where SKIP_BROWSER allows.
 */
export async function openChromium(): Promise<OpenChromium> {
  if (CHROMIUM === undefined)
    throw new Error(
      "headless Chromium is required here but missing (install Debian's chromium: apt-get install chromium)",
    );
  const { chromium } = await import("playwright-core");
  const dir = mkdtempSync(join(tmpdir(), "exolab-chromium-"));
  const context = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_FLAGS],
  });
  return {
    context,
    dir,
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A drawn mark (bar or dot) of a chart, as laid out. */
export interface DrawnMark {
  readonly kind: "ours" | "paper";
  readonly title: string;
  readonly width: number;
  readonly height: number;
}

/** One chart as the browser laid it out (only the variant the window shows). */
export interface ChartLayout {
  readonly name: string;
  readonly widthPx: number;
  /** Elements drawn outside the chart's box (tag and text or label), empty when none. */
  readonly overflowing: readonly string[];
  /** Whether the legend lies within the chart's figure. */
  readonly legendFits: boolean;
  readonly marks: readonly DrawnMark[];
}

export interface PageLayout {
  readonly viewportWidth: number;
  /** The page's scroll width: above the viewport width, the page overflows sideways. */
  readonly scrollWidth: number;
  readonly tables: number;
  readonly charts: readonly ChartLayout[];
  /** The DOM after load, serialized. */
  readonly html: string;
  /** Where the screenshot went, when one was asked for. */
  readonly screenshot?: string;
}

/**
 * Opens `html` from a file in headless Chromium (a fresh profile) at each width, and returns
 * the layout the browser made: page overflow, each chart's elements outside its box, its
 * legend, its drawn marks. `screenshotPrefix` (a path without extension) adds a full-page
 * PNG per width, `<prefix>-<width>.png`.
 */
export async function layoutInChromium(
  html: string,
  widths: readonly number[],
  screenshotPrefix?: string,
): Promise<PageLayout[]> {
  const browser = await openChromium();
  const { context, dir } = browser;
  const file = join(dir, "report.html");
  writeFileSync(file, html);
  try {
    const out: PageLayout[] = [];
    for (const width of widths) {
      const page = await context.newPage();
      await page.setViewportSize({ width, height: 900 });
      await page.goto(pathToFileURL(file).href);
      const layout = (await page.evaluate(MEASURE_PAGE)) as Omit<
        PageLayout,
        "viewportWidth" | "screenshot"
      >;
      let screenshot: string | undefined;
      if (screenshotPrefix !== undefined) {
        screenshot = `${screenshotPrefix}-${width}.png`;
        mkdirSync(dirname(screenshot), { recursive: true });
        await page.screenshot({ path: screenshot, fullPage: true });
      }
      out.push({ viewportWidth: width, ...layout, ...(screenshot ? { screenshot } : {}) });
      await page.close();
    }
    return out;
  } finally {
    await browser.close();
  }
}

/**
 * Runs in the page (as source text: a transpiled function could carry helpers the page
 * lacks): measures what layoutInChromium returns, for the chart variants the window shows.
 */
const MEASURE_PAGE = `(() => {
  const inside = (b, box) =>
    b.left >= box.left - 1 && b.right <= box.right + 1 && b.top >= box.top - 1 && b.bottom <= box.bottom + 1;
  const charts = [];
  for (const fig of document.querySelectorAll("figure.chart")) {
    const figBox = fig.getBoundingClientRect();
    const legend = fig.querySelector("ul.legend");
    for (const svg of fig.querySelectorAll("svg.chart")) {
      const box = svg.getBoundingClientRect();
      if (box.width === 0) continue;
      const overflowing = [];
      for (const el of svg.querySelectorAll("text, rect, path, line, circle")) {
        const b = el.getBoundingClientRect();
        if (b.width === 0 && b.height === 0) continue;
        if (!inside(b, box))
          overflowing.push(el.tagName + " " + (el.textContent || "").trim().slice(0, 40) +
            " [" + Math.round(b.left - box.left) + ".." + Math.round(b.right - box.left) + " of " + Math.round(box.width) + "]");
      }
      const marks = [];
      for (const kind of ["ours", "paper"]) {
        for (const el of svg.querySelectorAll("g." + kind + " rect, g." + kind + " circle")) {
          const b = el.getBoundingClientRect();
          const t = el.querySelector("title");
          marks.push({ kind, title: t ? t.textContent : "", width: b.width, height: b.height });
        }
      }
      charts.push({
        name: fig.getAttribute("data-chart") || "",
        widthPx: box.width,
        overflowing,
        legendFits: legend === null || inside(legend.getBoundingClientRect(), figBox),
        marks,
      });
    }
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    tables: document.querySelectorAll("table").length,
    charts,
    html: document.documentElement.outerHTML,
  };
})()`;
