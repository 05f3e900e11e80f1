/**
 * This package's version, as its package.json says (a test keeps the two equal). A constant
 * rather than a read of package.json, so that the browser-safe entry needs no file system.
 */
export const BENCH_VERSION = "0.1.0";
