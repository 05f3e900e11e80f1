import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "vite";

/** This app's folder. */
export const APP_DIR = fileURLToPath(new URL("..", import.meta.url));

/** The most JavaScript the built page may ship, gzipped (the bound). */
export const JS_GZIP_BUDGET_BYTES = 500 * 1024;

/** Builds the page into `outDir` with the app's own Vite config (as `pnpm build` does). */
export async function buildPage(outDir: string): Promise<void> {
  // Vite keeps a NODE_ENV it finds (vitest sets "test"): build exactly what `pnpm build` does.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await build({
      root: APP_DIR,
      configFile: join(APP_DIR, "vite.config.ts"),
      mode: "production",
      logLevel: "warn",
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

export interface JsFile {
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
}

/** Every JavaScript file of a built page, with its size raw and gzipped (level 9). */
export function javaScriptSizes(dir: string): JsFile[] {
  const out: JsFile[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.m?js$/.test(e.name)) {
        const body = readFileSync(p);
        out.push({
          file: relative(dir, p),
          bytes: body.byteLength,
          gzipBytes: gzipSync(body, { level: 9 }).byteLength,
        });
      }
    }
  };
  walk(dir);
  return out.sort((a, b) => a.file.localeCompare(b.file));
}
