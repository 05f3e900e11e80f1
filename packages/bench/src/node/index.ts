/**
 * `@exolab/bench/node`: what needs Node. The package's main entry runs in a browser (no Node
 * built-in in its module graph, checked by a test); this one adds the host's facts and
 * host-time measurement (git, the OS, benchmark.js), the HTML report drawn with linkedom,
 * and the headless-Chromium helpers of the browser tests.
 */
export {
  BROWSER_REQUIRED,
  CHROMIUM,
  CHROMIUM_FLAGS,
  type ChartLayout,
  type DrawnMark,
  layoutInChromium,
  type OpenChromium,
  openChromium,
  type PageLayout,
  SKIP_BROWSER,
} from "./chromium.js";
export { benchmarkJsTimer, nodeHost, sourceCommit } from "./host.js";
export { renderHtml } from "./html.js";
