/** This app's version, as its package.json says (a test keeps the two equal). */
export const WEB_VERSION = "0.1.0";

/** The program a report made in the page records in its meta. */
export const WEB_TOOL = { name: "exolab-web", version: WEB_VERSION } as const;
